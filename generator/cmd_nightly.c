/*
 * cmd_nightly.c - marquee nightly: what cron or the systemd timer runs.
 *
 *  1. load the CSV data and merge the store (one snapshot);
 *  2. the retraining rule: the neighbour models are fitted again after
 *     --retrain-after new ratings and feedback (1000) or --retrain-days
 *     days (30) since the last training, or with --force; other nights
 *     the members' lists are refreshed from the saved models and today's
 *     ratings;
 *  3. the quality gate: the candidate "for you" parameters and the ones in
 *     production are both fitted on today's time-ordered hold-out and
 *     scored the same way; a drop of NDCG@10 beyond --tolerance keeps
 *     production, raises an alert and publishes nothing;
 *  4. the build and its atomic switch (mq_site.h), then the store's run
 *     mark, the saved models, the production parameters;
 *  5. the run's figures appended to STATE/runs.jsonl (one JSON line per
 *     run: timings, counts, offline metrics, the client's feedback metric,
 *     drift), and the operator's statistics page SITE.admin (charts).
 * An alert (a failed run, a refused candidate) goes to stderr, to
 * STATE/alerts.log and, with --mailto, to the administrator through
 * sendmail(8); the run then exits non-zero.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mq_best.h"
#include "mq_buf.h"
#include "mq_err.h"
#include "mq_esc.h"
#include "mq_eval.h"
#include "mq_merge.h"
#include "mq_modelio.h"
#include "mq_monitor.h"
#include "mq_out.h"
#include "mq_site.h"
#include "mq_stats.h"
#include "mq_store.h"
#include "cmd.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: marquee nightly --data DIR --out SITE --store DB "
	    "[--state DIR] [--force]\n"
	    "         [--retrain-after N] [--retrain-days D] [--tolerance T] "
	    "[--mailto ADDR]\n"
	    "         [--date YYYY-MM-DD] [best options]\n\n"
	    "The nightly run: merge the store, retrain when the rule says so, "
	    "check the\ncandidate against production (the quality gate), "
	    "publish, record the run\nin STATE/runs.jsonl.  Exit 0 when "
	    "published, 1 on an alert (nothing published).\n\n"
	    "  --retrain-after N new ratings and feedback that trigger a "
	    "retraining (1000)\n"
	    "  --retrain-days D  days after which the models are retrained "
	    "anyway (30)\n"
	    "  --force           retrain now\n"
	    "  --tolerance T     NDCG@10 the candidate may lose against "
	    "production (0.005)\n"
	    "  --mailto ADDR     mail alerts to ADDR through sendmail\n"
	    "  --feedback-days X the feedback metric's window (7)\n%s",
	    cmd_model_help);
}

enum { OPT_DATA = 1, OPT_OUT, OPT_STORE, OPT_STATE, OPT_FORCE, OPT_AFTER,
    OPT_DAYS, OPT_TOL, OPT_MAILTO, OPT_HELP, OPT_NDATE, OPT_XDAYS };

/* Days from YYYYMMDD a to b (b later); 0 when either is not a date. */
static long
days_between(uint32_t a, uint32_t b)
{
	int64_t ta, tb;

	if (mq_monitor_date_epoch(a, &ta) || mq_monitor_date_epoch(b, &tb))
		return 0;
	return (long)((tb - ta) / 86400);
}

/* Metrics of "for you" lists with parameters bp on split s of d. */
static int
score(const struct mq_data *d, const struct mq_split *s,
    const struct mq_best_params *bp, struct mq_metrics *mt)
{
	struct mq_best b;
	int rc;

	if ((rc = mq_best_fit(&b, &s->train, d, bp)) == MQ_OK) {
		rc = mq_eval_best(&b, s, d->genres, 10, mt);
		mq_best_release(&b);
	}
	return rc;
}

/* The production parameters (STATE/production.params), or defaults. */
static void
production_params(const char *state, struct mq_best_params *bp)
{
	char *path = mq_strf("%s/production.params", state), key[32];
	double v;
	FILE *f;

	mq_best_params_init(bp);
	if (path == NULL || (f = fopen(path, "r")) == NULL) {
		free(path);
		return;
	}
	while (fscanf(f, "%31s %lf", key, &v) == 2) {
		if (!strcmp(key, "w_item"))
			bp->w_item = v;
		else if (!strcmp(key, "pop_beta"))
			bp->pop_beta = v;
		else if (!strcmp(key, "lambda"))
			bp->lambda = v;
		else if (!strcmp(key, "ncand"))
			bp->ncand = (uint32_t)v;
		else if (!strcmp(key, "mmr_from"))
			bp->mmr_from = (uint32_t)v;
		else if (!strcmp(key, "discovery"))
			bp->discovery = (int)v;
		else if (!strcmp(key, "newslot"))
			bp->newslot = (int)v;
		else if (!strcmp(key, "series"))
			bp->series = (int)v;
	}
	fclose(f);
	free(path);
}

static int
save_params(const char *state, const struct mq_best_params *bp)
{
	struct mq_buf b = MQ_BUF_INIT;
	char *path = mq_strf("%s/production.params", state);
	int rc;

	mq_buf_printf(&b, "w_item %g\npop_beta %g\nlambda %g\nncand %u\n"
	    "mmr_from %u\ndiscovery %d\nnewslot %d\nseries %d\n", bp->w_item,
	    bp->pop_beta, bp->lambda, bp->ncand, bp->mmr_from, bp->discovery,
	    bp->newslot, bp->series);
	if (path == NULL)
		rc = mq_oom();
	else if ((rc = mq_buf_ok(&b)) == MQ_OK)
		rc = mq_file_write(path, b.s, b.len, 0600);
	free(path);
	mq_buf_release(&b);
	return rc;
}

/* Append one line to path (one write(2) with O_APPEND). */
static int
append_line(const char *path, const struct mq_buf *line, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode);
	ssize_t w;

	if (fd < 0) {
		mq_warn("%s", path);
		return MQ_EIO;
	}
	w = write(fd, line->s, line->len);
	if (w != (ssize_t)line->len || close(fd)) {
		mq_warn("%s", path);
		return MQ_EIO;
	}
	return MQ_OK;
}

/* This run's alerts, for the statistics page. */
static char *alerts[8];
static size_t nalerts;

/*
 * The operator's statistics page, SITE.admin (a link, switched like the
 * site's) to SITE.admin.d/RUN; the older pages are removed but the
 * previous one.
 */
static int
stats_page(const char *out, const char *runs, const struct mq_data *d,
    const char *templates, const char *run)
{
	char *dir = mq_strf("%s.admin.d/%s", out, run);
	char *parent = mq_strf("%s.admin.d", out);
	char *link = mq_strf("%s.admin", out), *target = NULL;
	const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
	char cur[256] = "";
	ssize_t n;
	int rc;

	if (!dir || !parent || !link ||
	    (target = mq_strf("%s.admin.d/%s", base, run)) == NULL) {
		rc = mq_oom();
		goto out;
	}
	if (mkdir(parent, 0755) && errno != EEXIST) {
		mq_warn("%s", parent);
		rc = MQ_EIO;
		goto out;
	}
	if ((rc = mq_stats_page(dir, runs, d, templates,
	    (const char *const *)alerts, nalerts)))
		goto out;
	if ((n = readlink(link, cur, sizeof(cur) - 1)) > 0)
		cur[n] = '\0';
	if ((rc = mq_out_link(link, target)))
		goto out;
	/* keep the page it replaced; older ones go */
	{
		const char *prev = strrchr(cur, '/') ? strrchr(cur, '/') + 1 :
		    cur;
		struct dirent *de;
		DIR *dp;

		if ((dp = opendir(parent)) != NULL) {
			while ((de = readdir(dp)) != NULL) {
				char *old;

				if (de->d_name[0] == '.' ||
				    !strcmp(de->d_name, run) ||
				    !strcmp(de->d_name, prev))
					continue;
				if ((old = mq_strf("%s/%s", parent,
				    de->d_name)) != NULL)
					(void)mq_file_rmtree(old);
				free(old);
			}
			closedir(dp);
		}
	}
out:
	free(dir);
	free(parent);
	free(link);
	free(target);
	return rc;
}

/* The date of the last published run in runs.jsonl, or 0. */
static uint32_t
last_published(const char *runs)
{
	struct mq_runs r;
	uint32_t last = 0;
	size_t k;

	if (mq_runs_load(&r, runs) != MQ_OK)
		return 0;
	for (k = 0; k < r.n; k++)
		if (r.run[k].status && !strcmp(r.run[k].status, "published"))
			last = r.run[k].date;
	mq_runs_release(&r);
	return last;
}

/* An alert: stderr, STATE/alerts.log, and the administrator's mail. */
static void
alert(const char *state, const char *mailto, const char *run,
    const char *what)
{
	if (nalerts < sizeof(alerts) / sizeof(alerts[0]))
		alerts[nalerts++] = strdup(what);
	struct mq_buf b = MQ_BUF_INIT;
	char *path = mq_strf("%s/alerts.log", state);
	FILE *p;

	mq_warnx("ALERT: %s", what);
	mq_buf_printf(&b, "%s %s\n", run, what);
	if (path && !b.err)
		(void)append_line(path, &b, 0600);
	free(path);
	mq_buf_release(&b);
	if (mailto == NULL || *mailto == '\0' || strchr(mailto, '\n') ||
	    mailto[0] == '-' || access("/usr/sbin/sendmail", X_OK))
		return;
	/* sendmail -t reads the recipients from the message itself */
	if ((p = popen("/usr/sbin/sendmail -t -i", "w")) == NULL)
		return;
	fprintf(p, "To: %s\nSubject: [marquee] alert: run %s\n\n%s\n\n"
	    "See the statistics page and STATE/runs.jsonl.\n", mailto, run,
	    what);
	pclose(p);
}

int
cmd_nightly(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "data", required_argument, NULL, OPT_DATA },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "retrain-after", required_argument, NULL, OPT_AFTER },
		{ "retrain-days", required_argument, NULL, OPT_DAYS },
		{ "tolerance", required_argument, NULL, OPT_TOL },
		{ "mailto", required_argument, NULL, OPT_MAILTO },
		{ "feedback-days", required_argument, NULL, OPT_XDAYS },
		{ "help", no_argument, NULL, OPT_HELP },
		CMD_MODEL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct mq_load_opts lo;
	struct mq_site_opts so;
	struct mq_site_stats st;
	struct mq_merge_stats ms;
	struct mq_store_counts sc;
	struct mq_modelio_meta meta;
	struct mq_best_params cand, prod;
	struct mq_nbrs inb, unb;
	struct mq_metrics mc, mp;
	struct mq_split split;
	struct mq_data d;
	struct mq_store *s = NULL;
	struct cmd_given g;
	struct mq_buf line = MQ_BUF_INIT, why = MQ_BUF_INIT;
	const char *data = NULL, *out = NULL, *store = NULL, *state = NULL;
	const char *mailto = getenv("MQ_MAILTO"), *status = "failed";
	char *st_alloc = NULL, *models = NULL, *runs = NULL, *snap = NULL;
	char run[32];
	double t0 = cmd_now(), t_load = 0, t_gate = 0, t_build = 0, tol = 0.005;
	long after = 1000, days = 30;
	int c, rc = MQ_OK, force = 0, retrain = 0, have_models = 0, gated = 0;
	uint64_t new_events = 0, since_training = 0;
	struct mq_feedback_metric fb;
	struct mq_drift dr;
	int have_fb = 0, have_dr = 0, drifted = 0;
	long xdays = 7;
	time_t tnow = time(NULL);
	struct tm tm;

	memset(&d, 0, sizeof(d));
	memset(&ms, 0, sizeof(ms));
	memset(&sc, 0, sizeof(sc));
	memset(&st, 0, sizeof(st));
	memset(&split, 0, sizeof(split));
	memset(&g, 0, sizeof(g));
	memset(&inb, 0, sizeof(inb));
	memset(&unb, 0, sizeof(unb));
	memset(&mc, 0, sizeof(mc));
	memset(&mp, 0, sizeof(mp));
	mq_load_opts_init(&lo);
	lo.quiet = 1;
	mq_site_opts_init(&so);
	so.templates = "templates";
	so.assets = "site";
	so.date = cmd_today();
	gmtime_r(&tnow, &tm);
	strftime(run, sizeof(run), "%Y%m%dT%H%M%SZ", &tm);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			usage(stdout);
			return MQ_OK;
		case OPT_DATA:
			data = optarg;
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		case OPT_STATE:
			state = optarg;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		case OPT_AFTER:
			rc = cmd_parse_long("retrain-after", optarg, 1,
			    1000000000, &after);
			break;
		case OPT_DAYS:
			rc = cmd_parse_long("retrain-days", optarg, 1, 3650,
			    &days);
			break;
		case OPT_TOL:
			rc = cmd_parse_double("tolerance", optarg, 0, 1, &tol);
			break;
		case OPT_MAILTO:
			mailto = optarg;
			break;
		case OPT_XDAYS:
			rc = cmd_parse_long("feedback-days", optarg, 1, 3650,
			    &xdays);
			break;
		default:
			if (c == CMD_OPT_DATE) {
				struct mq_params p;

				if ((rc = cmd_model_opt(c, optarg, &p)) == 0)
					so.date = p.seed;
			} else
				rc = c >= CMD_OPT_K ? cmd_given_add(&g, c,
				    optarg) : MQ_EUSAGE;
			break;
		}
		if (rc) {
			usage(stderr);
			return MQ_EUSAGE;
		}
	}
	if (optind < argc || !data || !out || !store) {
		mq_warnx("--data, --out and --store are required");
		usage(stderr);
		return MQ_EUSAGE;
	}
	if (state == NULL && (state = st_alloc = mq_strf("%s.state", out)) ==
	    NULL)
		return mq_oom();
	so.data = data;
	so.out = out;
	so.state = state;
	if ((models = mq_strf("%s/models.bin", state)) == NULL ||
	    (snap = mq_strf("%s/data.snap", state)) == NULL ||
	    (runs = mq_strf("%s/runs.jsonl", state)) == NULL) {
		rc = mq_oom();
		goto out;
	}

	if (mkdir(state, 0700) && errno != EEXIST) {
		mq_warn("%s", state);
		rc = MQ_EIO;
		goto out;
	}
	/* a store nobody used yet is made, empty, with its schema */
	if ((rc = mq_store_open(&s, store, 0)))
		goto fail;
	mq_store_close(s);
	s = NULL;

	/* 1. the data and what members submitted */
	if ((rc = cmd_load(data, &lo, snap, &d)))
		goto fail;
	if ((rc = mq_merge_store(&d, store, &ms)))
		goto fail;
	t_load = cmd_now();

	/* 2. the retraining rule: ratings and feedback since the training */
	rc = mq_modelio_load(models, &d, &inb, &unb, &meta);
	if (rc == MQ_OK)
		have_models = 1;
	else if (rc != MQ_EIO)
		goto fail;	/* damaged: say so */
	if ((rc = mq_store_open(&s, store, 1)) ||
	    (rc = mq_store_counts(s, MQ_STORE_SINCE_LAST_RUN, &sc)))
		goto fail;
	new_events = sc.ratings + sc.deletions + sc.feedback;
	if (have_models) {
		struct mq_store_counts tc;

		if ((rc = mq_store_counts(s, meta.trained_seq, &tc)))
			goto fail;
		since_training = tc.ratings + tc.deletions + tc.feedback;
	}
	mq_store_close(s);
	s = NULL;
	mq_buf_reset(&why);
	if (force)
		mq_buf_adds(&why, "forced");
	else if (!have_models)
		mq_buf_adds(&why, "no saved model");
	else if (since_training >= (uint64_t)after)
		mq_buf_printf(&why, "%llu new ratings and feedback",
		    (unsigned long long)since_training);
	else if (days_between(meta.trained_date, (uint32_t)so.date) >= days)
		mq_buf_printf(&why, "%ld days since the last training",
		    days_between(meta.trained_date, (uint32_t)so.date));
	retrain = why.len > 0;

	/* 3. the quality gate, on today's hold-out */
	cmd_given_best(&g, &cand);
	production_params(state, &prod);
	if ((rc = mq_split_latest(&split, &d.R, 5, 10)))
		goto fail;
	if (split.nevaluated > 0) {
		if ((rc = score(&d, &split, &cand, &mc)) ||
		    (rc = score(&d, &split, &prod, &mp)))
			goto fail;
		gated = 1;
	}
	mq_split_release(&split);
	t_gate = cmd_now();
	if (gated && mc.ndcg < mp.ndcg - tol) {
		char msg[200];

		snprintf(msg, sizeof(msg), "quality gate: the candidate's "
		    "NDCG@10 %.4f is below production's %.4f by more than %g: "
		    "production kept", mc.ndcg, mp.ndcg, tol);
		alert(state, mailto, run, msg);
		status = "gate-failed";
		rc = MQ_EDATA;
		goto record;
	}

	/* 4. build and publish */
	if (!retrain) {
		cand.item_pre = &inb;
		cand.user_pre = &unb;
	} else {
		so.save_models = models;
		so.models_seq = ms.upto;
	}
	so.best = &cand;
	if ((rc = mq_site_build(&d, &so, &st)))
		goto fail;
	t_build = cmd_now();
	if ((rc = mq_store_open(&s, store, 0)) ||
	    (rc = mq_store_mark_run(s, ms.upto)) ||
	    (rc = save_params(state, &cand)))
		goto fail;
	status = "published";

	/*
	 * The client's metric: of the films recommended at earlier runs, the
	 * share members rated within --feedback-days; and drift: the ratings
	 * since the last published run against the earlier ones.
	 */
	{
		char *rec = mq_strf("%s/recommended.tsv", state);
		uint32_t since = last_published(runs);
		int64_t cut;

		if (rec && mq_monitor_feedback(&d, rec, (uint32_t)so.date,
		    (uint32_t)xdays, &fb) == MQ_OK)
			have_fb = 1;
		free(rec);
		if (since && mq_monitor_date_epoch(since, &cut) == MQ_OK &&
		    mq_monitor_drift(&d, cut, NULL, &dr) == MQ_OK) {
			have_dr = 1;
			/* activity alerts only on enough members: a few
			   newcomers always look unlike the whole history */
			if (!dr.small && (dr.psi_value > dr.p.threshold ||
			    dr.psi_genre > dr.p.threshold ||
			    (dr.after_members >= 50 &&
			    dr.psi_activity > dr.p.threshold))) {
				char msg[200];

				snprintf(msg, sizeof(msg), "data drift since "
				    "%u: PSI rating %.3f, genre %.3f, activity "
				    "%.3f (threshold %g)", since, dr.psi_value,
				    dr.psi_genre, dr.psi_activity,
				    dr.p.threshold);
				alert(state, mailto, run, msg);
				drifted = 1;
			}
		}
	}
	goto record;
fail:
	{
		char msg[200];

		snprintf(msg, sizeof(msg), "the nightly run failed (exit %d): "
		    "the site was not changed", rc);
		alert(state, mailto, run, msg);
	}
record:
	/* 5. the run's figures, one JSON line */
	mq_buf_printf(&line, "{\"run\": \"%s\", \"date\": %llu, \"status\": "
	    "\"%s\", \"retrained\": %s, \"reason\": ", run,
	    (unsigned long long)so.date, status, retrain ? "true" : "false");
	mq_esc_jstr(&line, why.s ? why.s : "");
	mq_buf_printf(&line, ", \"seconds\": {\"load\": %.3f, \"gate\": %.3f, "
	    "\"build\": %.3f, \"total\": %.3f}", t_load ? t_load - t0 : 0,
	    t_gate ? t_gate - t_load : 0, t_build ? t_build - t_gate : 0,
	    cmd_now() - t0);
	mq_buf_printf(&line, ", \"counts\": {\"members\": %u, \"films\": %u, "
	    "\"ratings\": %zu, \"new_ratings\": %llu, \"new_members\": %llu, "
	    "\"store_seq\": %llu}", d.nusers, d.nmovies, d.R.nnz,
	    (unsigned long long)new_events, (unsigned long long)sc.members,
	    (unsigned long long)ms.upto);
	if (have_fb) {
		/* the newest closed run's overall shares, and the detail */
		if (fb.nruns) {
			const struct mq_feedback_run *fr = &fb.runs[fb.nruns - 1];

			mq_buf_printf(&line, ", \"feedback\": {\"date\": %u, "
			    "\"share\": %.5f, \"members_share\": %.5f, "
			    "\"detail\": ", fr->date, fr->all.share,
			    fr->all.members_share);
		} else
			mq_buf_adds(&line, ", \"feedback\": {\"detail\": ");
		mq_monitor_feedback_json(&fb, &line);
		mq_buf_addc(&line, '}');
	}
	if (have_dr) {
		mq_buf_printf(&line, ", \"drift\": {\"max_psi\": %.5f, "
		    "\"alert\": %s, \"detail\": ", dr.psi_max,
		    drifted ? "true" : "false");
		mq_monitor_drift_json(&dr, &line);
		mq_buf_addc(&line, '}');
	}
	if (gated)
		mq_buf_printf(&line, ", \"offline\": {\"ndcg\": %.5f, \"hr\": %.5f, "
		    "\"coverage\": %.5f, \"diversity\": %.5f, \"gini\": %.4f}, "
		    "\"production\": {\"ndcg\": %.5f}", mc.ndcg, mc.hr,
		    mc.coverage, mc.diversity, mc.gini, mp.ndcg);
	mq_buf_adds(&line, "}\n");
	/* the line must stay one line: the JSON writers use no newline */
	for (size_t k = 0; k + 1 < line.len; k++)
		if (line.s[k] == '\n')
			line.s[k] = ' ';
	if (mq_buf_ok(&line) == MQ_OK && append_line(runs, &line, 0600) &&
	    rc == MQ_OK)
		rc = MQ_EIO;
	/* the page shows this run too, and its alerts */
	if (d.nmovies && stats_page(out, runs, &d, so.templates, run) &&
	    rc == MQ_OK)
		rc = MQ_EIO;
	if (rc == MQ_OK && drifted)
		rc = MQ_EDATA;	/* published, and the administrator alerted */
	if (rc == MQ_OK)
		fprintf(stderr, "nightly %s: published %s (%s%s), NDCG@10 %.4f "
		    "(production %.4f), %.1f s\n", run, st.build,
		    retrain ? "retrained: " : "models reused",
		    retrain ? why.s : "", mc.ndcg, mp.ndcg, cmd_now() - t0);
out:
	mq_store_close(s);
	mq_nbrs_release(&inb);
	mq_nbrs_release(&unb);
	mq_split_release(&split);
	if (have_fb)
		mq_monitor_feedback_release(&fb);
	mq_data_release(&d);
	mq_buf_release(&line);
	mq_buf_release(&why);
	free(st_alloc);
	free(models);
	free(snap);
	free(runs);
	while (nalerts > 0)
		free(alerts[--nalerts]);
	return rc;
}

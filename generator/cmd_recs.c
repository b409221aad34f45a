/*
 * cmd_recs.c - the list subcommands: recs, similar and genres.
 *
 *   marquee recs --data DIR --model item|user|random|pop [--top N]
 *	user_id TAB rank TAB movie_id TAB score, rank from 1
 *   marquee similar --data DIR [--top N]
 *	movie_id TAB rank TAB neighbour_id TAB score
 *   marquee genres --data DIR [--top N] [--damping C] [--min-count M]
 *	genre TAB rank TAB movie_id TAB score ("(all)" for the overall list)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mq_err.h"
#include "mq_best.h"
#include "mq_data.h"
#include "mq_genre.h"
#include "mq_model.h"
#include "cmd.h"

const char cmd_model_help[] =
"model options:\n"
"  --k N             neighbours kept per film or member (default 20)\n"
"  --sim NAME        cosine (binary), rating or adjusted\n"
"                    (default: rating for item, cosine for user)\n"
"  --shrink S        similarity *= overlap / (overlap + S)\n"
"  --min-overlap N   user model: films two members must share (default 3)\n"
"  --user-budget N   user model: pair updates allowed for the exact walk\n"
"                    over shared films; above it the walk is bounded\n"
"                    (default 2e9; 0: always exact)\n"
"  --user-recent N   user model, bounded: newest films of a member whose\n"
"                    raters are walked for candidates (default 5)\n"
"  --user-candidates N  user model, bounded: candidates a member scored\n"
"                    exactly (default 200)\n"
"  --alpha A         item model: asymmetric cosine exponent (0.5 = cosine)\n"
"  --recency H       half-life, in ratings, of a rating's weight (0: none;\n"
"                    default 2 for item, 3 for user)\n"
"  --liked L         extra weight of ratings above the member's mean\n"
"                    (default 1 for item, 0 for user)\n"
"  --date YYYY-MM-DD run date: seeds the random model (default today, UTC)\n"
"  --threads N       worker threads (default: CPUs online)\n"
"best (the blended \"for you\" list):\n"
"  --w-item W        weight of the item model in the blend (default 0.8)\n"
"  --pop-beta B      scores divided by (ratings + 1)^B (default 0.1)\n"
"  --lambda L        relevance against genre diversity (default 0.65)\n"
"  --mmr-from N      first N films by relevance alone (default 2)\n"
"  --candidates N    films taken from each model (default 50)\n"
"  --no-discovery, --no-new, --no-series  drop that slot or rule\n"
"(similar takes the same options but --k: --top sets its neighbours)\n";

uint64_t
cmd_today(void)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	return (uint64_t)(tm.tm_year + 1900) * 10000 +
	    (uint64_t)(tm.tm_mon + 1) * 100 + (uint64_t)tm.tm_mday;
}

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int
cmd_given_add(struct cmd_given *g, int opt, const char *arg)
{
	struct mq_params p;
	int rc;

	if (g->n == (int)(sizeof(g->opt) / sizeof(g->opt[0]))) {
		mq_warnx("too many model options");
		return MQ_EUSAGE;
	}
	mq_params_init(&p, MQ_MODEL_ITEM);
	if ((rc = cmd_model_opt(opt, arg, &p)))
		return rc;
	g->opt[g->n] = opt;
	g->arg[g->n++] = arg;
	if (opt == CMD_OPT_K)
		g->has_k = 1;
	return MQ_OK;
}

void
cmd_given_apply(const struct cmd_given *g, int kind, struct mq_params *p)
{
	int i;

	mq_params_init(p, (enum mq_kind)kind);
	p->seed = cmd_today();
	for (i = 0; i < g->n; i++)
		(void)cmd_model_opt(g->opt[i], g->arg[i], p);
}

int
cmd_model_opt(int opt, const char *arg, struct mq_params *p)
{
	long l;
	double d;
	int rc = MQ_OK, y, mo, da;
	char junk;

	switch (opt) {
	case CMD_OPT_K:
		if ((rc = cmd_parse_long("k", arg, 1, 10000, &l)) == MQ_OK)
			p->k = (uint32_t)l;
		break;
	case CMD_OPT_SIM:
		if ((l = mq_sim_parse(arg)) < 0) {
			mq_warnx("--sim: unknown similarity '%s' "
			    "(cosine, rating, adjusted)", arg);
			return MQ_EUSAGE;
		}
		p->sim = (enum mq_sim)l;
		break;
	case CMD_OPT_SHRINK:
		if ((rc = cmd_parse_double("shrink", arg, 0, 1e6, &d)) == MQ_OK)
			p->shrink = d;
		break;
	case CMD_OPT_OVERLAP:
		if ((rc = cmd_parse_long("min-overlap", arg, 1, 100000, &l)) ==
		    MQ_OK)
			p->min_overlap = (uint32_t)l;
		break;
	case CMD_OPT_UBUDGET:
		if ((rc = cmd_parse_double("user-budget", arg, 0, 1e15, &d)) ==
		    MQ_OK)
			p->user_budget = d;
		break;
	case CMD_OPT_URECENT:
		if ((rc = cmd_parse_long("user-recent", arg, 1, 100000,
		    &l)) == MQ_OK)
			p->user_recent = (uint32_t)l;
		break;
	case CMD_OPT_UCAND:
		if ((rc = cmd_parse_long("user-candidates", arg, 1, 100000,
		    &l)) == MQ_OK)
			p->user_cand = (uint32_t)l;
		break;
	case CMD_OPT_ALPHA:
		if ((rc = cmd_parse_double("alpha", arg, 0, 1, &d)) == MQ_OK)
			p->alpha = d;
		break;
	case CMD_OPT_RECENCY:
		if ((rc = cmd_parse_double("recency", arg, 0, 1e9, &d)) == MQ_OK)
			p->recency = d;
		break;
	case CMD_OPT_LIKED:
		if ((rc = cmd_parse_double("liked", arg, 0, 100, &d)) == MQ_OK)
			p->liked = d;
		break;
	case CMD_OPT_DATE:
		if (sscanf(arg, "%4d-%2d-%2d%c", &y, &mo, &da, &junk) != 3 ||
		    y < 1970 || mo < 1 || mo > 12 || da < 1 ||
		    da > days_in_month(y, mo)) {
			mq_warnx("--date: invalid value '%s' (YYYY-MM-DD)", arg);
			return MQ_EUSAGE;
		}
		p->seed = (uint64_t)y * 10000 + (uint64_t)mo * 100 +
		    (uint64_t)da;
		break;
	case CMD_OPT_THREADS:
		if ((rc = cmd_parse_long("threads", arg, 1, 64, &l)) == MQ_OK)
			p->threads = (unsigned)l;
		break;
	/* the best list's options: checked here, applied by cmd_given_best */
	case CMD_OPT_WITEM:
		rc = cmd_parse_double("w-item", arg, 0, 1, &d);
		break;
	case CMD_OPT_POPBETA:
		rc = cmd_parse_double("pop-beta", arg, 0, 2, &d);
		break;
	case CMD_OPT_LAMBDA:
		rc = cmd_parse_double("lambda", arg, 0, 1, &d);
		break;
	case CMD_OPT_MMRFROM:
		rc = cmd_parse_long("mmr-from", arg, 0, 64, &l);
		break;
	case CMD_OPT_NCAND:
		rc = cmd_parse_long("candidates", arg, 1, 1000, &l);
		break;
	case CMD_OPT_NODISC:
	case CMD_OPT_NONEW:
	case CMD_OPT_NOSERIES:
		break;
	default:
		return MQ_EUSAGE;
	}
	return rc;
}

void
cmd_uwork(const struct mq_uwork *w, const struct mq_params *p)
{
	if (w->recent == 0)
		fprintf(stderr, "work: member neighbours: exact walk, %.3g "
		    "pair updates\n", (double)w->exact);
	else
		fprintf(stderr, "work: member neighbours: bounded walk (%u "
		    "newest films, %u candidates a member), %.3g pair updates "
		    "+ %.3g ratings read, against %.3g for the exact walk\n",
		    w->recent, p->user_cand, (double)w->walked,
		    (double)w->rescored, (double)w->exact);
}

int
cmd_kind_parse(const char *s)
{
	return !strcmp(s, "best") ? CMD_MODEL_BEST : mq_kind_parse(s);
}

void
cmd_given_best(const struct cmd_given *g, struct mq_best_params *bp)
{
	struct mq_params p;
	int i;

	mq_best_params_init(bp);
	cmd_given_apply(g, MQ_MODEL_ITEM, &p);
	bp->threads = p.threads;
	for (i = 0; i < g->n; i++) {
		double d = 0;

		if (g->opt[i] == CMD_OPT_WITEM || g->opt[i] == CMD_OPT_POPBETA ||
		    g->opt[i] == CMD_OPT_LAMBDA)
			d = strtod(g->arg[i], NULL);	/* checked on add */
		switch (g->opt[i]) {
		case CMD_OPT_WITEM:
			bp->w_item = d;
			break;
		case CMD_OPT_POPBETA:
			bp->pop_beta = d;
			break;
		case CMD_OPT_LAMBDA:
			bp->lambda = d;
			break;
		case CMD_OPT_NODISC:
			bp->discovery = 0;
			break;
		case CMD_OPT_NONEW:
			bp->newslot = 0;
			break;
		case CMD_OPT_NOSERIES:
			bp->series = 0;
			break;
		case CMD_OPT_MMRFROM:
			bp->mmr_from = (uint32_t)strtoul(g->arg[i], NULL, 10);
			break;
		case CMD_OPT_NCAND:
			bp->ncand = (uint32_t)strtoul(g->arg[i], NULL, 10);
			break;
		default:
			break;
		}
	}
}

/* Check stdout after printing: a full disk or closed pipe is an error. */
static int
out_close(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		mq_warn("stdout");
		return MQ_EIO;
	}
	return MQ_OK;
}

static void
recs_usage(FILE *f)
{
	fprintf(f, "usage: marquee recs --data DIR --model item|user|random|pop|best "
	    "[--top N] [options]\n\n"
	    "Prints every member's list as TSV: user_id, rank (from 1), "
	    "movie_id, score.\n\n"
	    "  --data DIR        MovieLens CSV directory (required)\n"
	    "  --model NAME      item, user, random, pop or best (required)\n"
	    "  --top N           films per member (default 10)\n"
	    "  --rejects FILE    write rejected input rows to FILE\n"
	    "  --max-reject-frac F  stop above this share of rejected rows "
	    "(default 0.01)\n"
	    "  --quiet           no load summary on stderr\n"
	    "  --timings         time and peak memory per stage on stderr\n"
	    "  --snapshot FILE   load through this binary snapshot of the "
	    "parsed data:\n"
	    "                    used when the CSV files are unchanged, else "
	    "remade\n"
	    "  --recall N        user model: compare the neighbours of N members\n"
	    "                    with the exact ones and print the recall\n%s",
	    cmd_model_help);
}

enum { OPT_DATA = 1, OPT_MODEL, OPT_TOP, OPT_REJECTS, OPT_MAXREJ, OPT_QUIET,
    OPT_HELP, OPT_DAMPING, OPT_MINCOUNT, OPT_TIMINGS, OPT_RECALL, OPT_SNAPSHOT };

/* --snapshot FILE of the list commands (cmd_load) */
static const char *snap_path;

#define COMMON_LONGOPTS \
	{ "data", required_argument, NULL, OPT_DATA }, \
	{ "top", required_argument, NULL, OPT_TOP }, \
	{ "rejects", required_argument, NULL, OPT_REJECTS }, \
	{ "max-reject-frac", required_argument, NULL, OPT_MAXREJ }, \
	{ "quiet", no_argument, NULL, OPT_QUIET }, \
	{ "timings", no_argument, NULL, OPT_TIMINGS }, \
	{ "snapshot", required_argument, NULL, OPT_SNAPSHOT }, \
	{ "help", no_argument, NULL, OPT_HELP }

/*
 * The options every list command shares.  Returns MQ_OK when handled,
 * -1 when c is not one of them, or an error code.
 */
static int
common_opt(int c, const char **dir, long *top, struct mq_load_opts *lo)
{
	double d;

	switch (c) {
	case OPT_DATA:
		*dir = optarg;
		return MQ_OK;
	case OPT_TOP:
		return cmd_parse_long("top", optarg, 1, 10000, top);
	case OPT_REJECTS:
		lo->rejects_path = optarg;
		return MQ_OK;
	case OPT_MAXREJ:
		if (cmd_parse_double("max-reject-frac", optarg, 0, 1, &d))
			return MQ_EUSAGE;
		lo->max_reject_frac = d;
		return MQ_OK;
	case OPT_QUIET:
		lo->quiet = 1;
		return MQ_OK;
	case OPT_TIMINGS:
		cmd_timings_start(1);
		return MQ_OK;
	case OPT_SNAPSHOT:
		snap_path = optarg;
		return MQ_OK;
	default:
		return c >= CMD_OPT_K ? -1 : MQ_EUSAGE;
	}
}

int
cmd_recs(int argc, char **argv)
{
	static const struct option lopts[] = {
		COMMON_LONGOPTS,
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "recall", required_argument, NULL, OPT_RECALL },
		CMD_MODEL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct mq_load_opts lo;
	struct cmd_given g;
	struct mq_params p;
	struct mq_data d;
	struct mq_model m;
	struct mq_best best;
	struct mq_scored *lists = NULL;
	uint32_t *cnt = NULL, u, r;
	const char *dir = NULL;
	int kind = -1, c, rc, timings = 0;
	long top = 10, recall = 0;

	memset(&d, 0, sizeof(d));
	memset(&m, 0, sizeof(m));
	memset(&best, 0, sizeof(best));
	memset(&g, 0, sizeof(g));
	mq_load_opts_init(&lo);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			recs_usage(stdout);
			return MQ_OK;
		}
		if (c == OPT_MODEL) {
			if ((kind = cmd_kind_parse(optarg)) < 0) {
				mq_warnx("--model: unknown model '%s' "
				    "(item, user, random, pop, best)", optarg);
				return MQ_EUSAGE;
			}
			continue;
		}
		if (c == OPT_RECALL) {
			if (cmd_parse_long("recall", optarg, 1, 10000000,
			    &recall))
				return MQ_EUSAGE;
			continue;
		}
		timings |= c == OPT_TIMINGS;
		rc = common_opt(c, &dir, &top, &lo);
		if (rc == -1)
			rc = cmd_given_add(&g, c, optarg);
		if (rc) {
			recs_usage(stderr);
			return MQ_EUSAGE;
		}
	}
	if (optind < argc || kind < 0 || dir == NULL) {
		if (optind < argc)
			mq_warnx("unexpected argument '%s'", argv[optind]);
		else
			mq_warnx("--data and --model are required");
		recs_usage(stderr);
		return MQ_EUSAGE;
	}
	if (kind != CMD_MODEL_BEST)
		cmd_given_apply(&g, kind, &p);
	if ((rc = cmd_load(dir, &lo, snap_path, &d)))
		goto out;
	cmd_stage("load");
	if (kind == CMD_MODEL_BEST) {
		struct mq_best_params bp;

		cmd_given_best(&g, &bp);
		if ((rc = mq_best_fit(&best, &d.R, &d, &bp)))
			goto out;
	} else if ((rc = mq_model_fit(&m, (enum mq_kind)kind, &d.R, &p)))
		goto out;
	cmd_stage("model");
	if (kind == MQ_MODEL_USER && (timings || recall))
		cmd_uwork(&m.uwork, &p);
	if (recall > 0) {
		double rec;
		uint32_t nm;

		if (kind != MQ_MODEL_USER) {
			mq_warnx("--recall: only for --model user");
			rc = MQ_EUSAGE;
			goto out;
		}
		if ((rc = mq_user_recall(&m, (uint32_t)recall, &rec, &nm)))
			goto out;
		fprintf(stderr, "recall: %.4f of the exact top-%u member "
		    "neighbours, over %u members\n", rec, p.k, nm);
		cmd_stage("recall");
	}
	lists = mq_allocarray((size_t)d.nusers * top, sizeof(*lists));
	cnt = calloc(d.nusers ? d.nusers : 1, sizeof(*cnt));
	if (lists == NULL || cnt == NULL) {
		rc = mq_oom();
		goto out;
	}
	if (kind == CMD_MODEL_BEST)
		rc = mq_best_recommend_all(&best, (uint32_t)top, lists, cnt,
		    NULL, NULL);
	else
		rc = mq_model_recommend_all(&m, (uint32_t)top, lists, cnt);
	if (rc)
		goto out;
	cmd_stage("lists");
	for (u = 0; u < d.nusers; u++)
		for (r = 0; r < cnt[u]; r++) {
			const struct mq_scored *x = &lists[(size_t)u * top + r];

			printf("%u\t%u\t%u\t%.6g\n", d.user_id[u], r + 1,
			    d.movie_id[x->id], x->score);
		}
	rc = out_close();
	cmd_stage("write");
out:
	free(lists);
	free(cnt);
	mq_model_release(&m);
	mq_best_release(&best);
	mq_data_release(&d);
	return rc;
}

static void
similar_usage(FILE *f)
{
	fprintf(f, "usage: marquee similar --data DIR [--top N] [options]\n\n"
	    "Prints every film's nearest films as TSV: movie_id, rank (from 1), "
	    "neighbour_id, score.\nA film's list never holds the film itself; "
	    "films nobody rated have none.\n\n"
	    "  --data DIR        MovieLens CSV directory (required)\n"
	    "  --top N           neighbours per film (default 10)\n"
	    "  --rejects FILE    write rejected input rows to FILE\n"
	    "  --max-reject-frac F  stop above this share of rejected rows\n"
	    "  --quiet           no load summary on stderr\n"
	    "  --timings         time and peak memory per stage on stderr\n"
	    "  --snapshot FILE   as for recs\n%s",
	    cmd_model_help);
}

int
cmd_similar(int argc, char **argv)
{
	static const struct option lopts[] = {
		COMMON_LONGOPTS,
		CMD_MODEL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct mq_load_opts lo;
	struct cmd_given g;
	struct mq_params p;
	struct mq_data d;
	struct mq_nbrs nb;
	const char *dir = NULL;
	uint32_t i, r;
	long top = 10;
	int c, rc;

	memset(&d, 0, sizeof(d));
	memset(&nb, 0, sizeof(nb));
	memset(&g, 0, sizeof(g));
	mq_load_opts_init(&lo);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			similar_usage(stdout);
			return MQ_OK;
		}
		rc = common_opt(c, &dir, &top, &lo);
		if (rc == -1)
			rc = cmd_given_add(&g, c, optarg);
		if (rc) {
			similar_usage(stderr);
			return MQ_EUSAGE;
		}
	}
	if (g.has_k) {
		mq_warnx("similar: --top sets the number of neighbours, "
		    "not --k");
		similar_usage(stderr);
		return MQ_EUSAGE;
	}
	if (optind < argc || dir == NULL) {
		mq_warnx("--data is required");
		similar_usage(stderr);
		return MQ_EUSAGE;
	}
	cmd_given_apply(&g, MQ_MODEL_ITEM, &p);
	p.k = (uint32_t)top;
	if ((rc = cmd_load(dir, &lo, snap_path, &d)))
		goto out;
	cmd_stage("load");
	if ((rc = mq_nbrs_items(&nb, &d.R, &p)))
		goto out;
	cmd_stage("model");
	for (i = 0; i < d.nmovies; i++)
		for (r = 0; r < nb.cnt[i]; r++)
			printf("%u\t%u\t%u\t%.6g\n", d.movie_id[i], r + 1,
			    d.movie_id[nb.id[(size_t)i * nb.k + r]],
			    nb.sim[(size_t)i * nb.k + r]);
	rc = out_close();
	cmd_stage("write");
out:
	mq_nbrs_release(&nb);
	mq_data_release(&d);
	return rc;
}

static void
genres_usage(FILE *f)
{
	fprintf(f, "usage: marquee genres --data DIR [--top N] [--damping C] "
	    "[--min-count M]\n\n"
	    "Prints the best films of every genre and overall (\"(all)\") as "
	    "TSV:\ngenre, rank (from 1), movie_id, damped mean rating.\n\n"
	    "  --data DIR        MovieLens CSV directory (required)\n"
	    "  --top N           films per genre (default 10)\n"
	    "  --damping C       phantom ratings at the global mean (default 10)\n"
	    "  --min-count M     films with fewer ratings are left out "
	    "(default 1)\n"
	    "  --rejects FILE, --max-reject-frac F, --quiet, --timings,\n"
	    "  --snapshot FILE  as for recs\n");
}

int
cmd_genres(int argc, char **argv)
{
	static const struct option lopts[] = {
		COMMON_LONGOPTS,
		{ "damping", required_argument, NULL, OPT_DAMPING },
		{ "min-count", required_argument, NULL, OPT_MINCOUNT },
		{ NULL, 0, NULL, 0 }
	};
	struct mq_load_opts lo;
	struct mq_genre_lists gl;
	struct mq_data d;
	const char *dir = NULL;
	double damping = 10;
	long top = 10, mincount = 1;
	unsigned g;
	uint32_t r;
	int c, rc;

	memset(&d, 0, sizeof(d));
	memset(&gl, 0, sizeof(gl));
	mq_load_opts_init(&lo);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			genres_usage(stdout);
			return MQ_OK;
		}
		if (c == OPT_DAMPING)
			rc = cmd_parse_double("damping", optarg, 0, 1e9,
			    &damping);
		else if (c == OPT_MINCOUNT)
			rc = cmd_parse_long("min-count", optarg, 1, 1000000000,
			    &mincount);
		else
			rc = common_opt(c, &dir, &top, &lo);
		if (rc) {
			genres_usage(stderr);
			return MQ_EUSAGE;
		}
	}
	if (optind < argc || dir == NULL) {
		mq_warnx("--data is required");
		genres_usage(stderr);
		return MQ_EUSAGE;
	}
	if ((rc = cmd_load(dir, &lo, snap_path, &d)))
		goto out;
	cmd_stage("load");
	if ((rc = mq_genre_top(&gl, &d.R, d.genres, d.ngenres, damping,
	    (uint32_t)mincount, (uint32_t)top)))
		goto out;
	for (g = 0; g < gl.nlists; g++)
		for (r = 0; r < gl.cnt[g]; r++) {
			const struct mq_scored *x = &gl.v[(size_t)g * gl.n + r];

			printf("%s\t%u\t%u\t%.4f\n", g < d.ngenres ?
			    d.genre_name[g] : "(all)", r + 1,
			    d.movie_id[x->id], x->score);
		}
	cmd_stage("lists");
	rc = out_close();
out:
	mq_genre_release(&gl);
	mq_data_release(&d);
	return rc;
}

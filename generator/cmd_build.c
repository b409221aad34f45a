/*
 * cmd_build.c - marquee build: the published site; marquee whoami: a
 * member's private path, for the demo and the operator.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq_buf.h"
#include "mq_err.h"
#include "mq_data.h"
#include "mq_key.h"
#include "mq_merge.h"
#include "mq_modelio.h"
#include "mq_site.h"
#include "mq_store.h"
#include "cmd.h"

/*
 * --fit-only: the neighbours the site's "for you" list uses, fitted with
 * its parameters and saved to path, and the state directory and key
 * made, so that shards can run in parallel from them.
 */
static int
fit_models(const struct mq_data *d, const struct mq_site_opts *so,
    const char *path)
{
	struct mq_best_params bp;
	struct mq_model im, um;
	struct mq_modelio_meta mm;
	int rc;

	mq_best_params_init(&bp);
	bp.threads = so->threads;
	if ((rc = mq_site_prepare(so)) ||
	    (rc = mq_best_models(&bp, &d->R, &im, &um)))
		return rc;
	cmd_stage("models");
	mm = (struct mq_modelio_meta){ (uint32_t)so->date, 0, im.nb.k,
	    um.nb.k };
	rc = mq_modelio_save(path, d, &im.nb, &um.nb, &mm);
	mq_model_release(&im);
	mq_model_release(&um);
	return rc;
}

static void
build_usage(FILE *f)
{
	fprintf(f, "usage: marquee build --data DIR --out SITE [--state DIR] "
	    "[--top N]\n"
	    "                     [--templates DIR] [--assets DIR] "
	    "[--date YYYY-MM-DD] [--keep N]\n\n"
	    "Writes the site (film pages and posters, genre lists, title "
	    "search, every\nmember's private lists) as a new release and "
	    "points the link SITE at it.\n\n"
	    "  --data DIR        MovieLens CSV directory (required); "
	    "DIR/posters/ID.png\n"
	    "                    and DIR/metadata.csv are used when present\n"
	    "  --out SITE        the site link to publish (required)\n"
	    "  --state DIR       key and recommendation history "
	    "(default SITE.state)\n"
	    "  --store DB        the endpoint's SQLite store: its members, "
	    "ratings and\n"
	    "                    tags are merged in (read-only, one snapshot)\n"
	    "  --top N           films in \"for you\", 1..5 (default 5)\n"
	    "  --templates DIR   HTML templates (default templates)\n"
	    "  --assets DIR      static files, style.css and app.js "
	    "(default site)\n"
	    "  --date YYYY-MM-DD run date (default today, UTC)\n"
	    "  --keep N          releases kept (default 3)\n"
	    "  --threads N       worker threads for models, posters,\n"
	    "                    films and members (default: CPUs online)\n"
	    "  --rejects FILE, --max-reject-frac F, --quiet (-q)  as for recs\n"
	    "  --timings         one line per stage on stderr\n"
	    "  --snapshot FILE   binary snapshot of the parsed data, used when "
	    "the CSV\n"
	    "                    files are unchanged (default STATE/data.snap)\n"
	    "  --no-snapshot     always parse the CSV files, save no snapshot\n"
	    "the models once, the members in shards (README, operations):\n"
	    "  --models FILE     neighbours saved by --fit-only, used instead of "
	    "fitting\n"
	    "  --fit-only        fit the neighbours, save them to --models FILE, "
	    "make the\n"
	    "                    state directory and key, and stop\n"
	    "  --build-id ID     the release name (default: the time, "
	    "YYYYMMDDTHHMMSSZ)\n"
	    "  --shard I/N       compute only members I mod N into "
	    "--shard-dir DIR\n"
	    "                    (part-I-of-N); publish nothing\n"
	    "  --merge N         build the site with the members of the N parts "
	    "in\n"
	    "                    --shard-dir DIR\n"
	    "  --shard-dir DIR   where the parts are written and read\n");
}

enum { OPT_DATA = 1, OPT_OUT, OPT_STATE, OPT_TOP, OPT_TEMPLATES,
    OPT_ASSETS, OPT_DATE, OPT_KEEP, OPT_THREADS, OPT_REJECTS, OPT_MAXREJ,
    OPT_QUIET, OPT_TIMINGS, OPT_HELP, OPT_USER, OPT_KEY, OPT_STORE,
    OPT_MODELS, OPT_FITONLY, OPT_BUILDID, OPT_SHARD, OPT_MERGE, OPT_SHARDDIR,
    OPT_SNAPSHOT, OPT_NOSNAPSHOT };

int
cmd_build(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "data", required_argument, NULL, OPT_DATA },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "templates", required_argument, NULL, OPT_TEMPLATES },
		{ "assets", required_argument, NULL, OPT_ASSETS },
		{ "date", required_argument, NULL, OPT_DATE },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "rejects", required_argument, NULL, OPT_REJECTS },
		{ "max-reject-frac", required_argument, NULL, OPT_MAXREJ },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "timings", no_argument, NULL, OPT_TIMINGS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "models", required_argument, NULL, OPT_MODELS },
		{ "fit-only", no_argument, NULL, OPT_FITONLY },
		{ "build-id", required_argument, NULL, OPT_BUILDID },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "merge", required_argument, NULL, OPT_MERGE },
		{ "shard-dir", required_argument, NULL, OPT_SHARDDIR },
		{ "snapshot", required_argument, NULL, OPT_SNAPSHOT },
		{ "no-snapshot", no_argument, NULL, OPT_NOSNAPSHOT },
		{ NULL, 0, NULL, 0 }
	};
	struct mq_best_params bp;
	struct mq_nbrs inb, unb;
	struct mq_modelio_meta meta;
	const char *models = NULL;
	int fit_only = 0;
	struct mq_site_opts so;
	struct mq_site_stats st;
	struct mq_load_opts lo;
	struct mq_params p;
	struct mq_data d;
	struct mq_merge_stats ms;
	char *state = NULL, *snap_alloc = NULL;
	const char *store = NULL, *snap = NULL;
	int no_snap = 0;
	long l;
	double x;
	int c, rc = MQ_OK;

	memset(&d, 0, sizeof(d));
	memset(&inb, 0, sizeof(inb));
	memset(&unb, 0, sizeof(unb));
	mq_site_opts_init(&so);
	mq_load_opts_init(&lo);
	so.templates = "templates";
	so.assets = "site";
	so.date = cmd_today();
	optind = 1;
	while ((c = getopt_long(argc, argv, "q", lopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			lo.quiet = 1;
			break;
		case OPT_HELP:
			build_usage(stdout);
			return MQ_OK;
		case OPT_DATA:
			so.data = optarg;
			break;
		case OPT_OUT:
			so.out = optarg;
			break;
		case OPT_STATE:
			so.state = optarg;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		case OPT_TEMPLATES:
			so.templates = optarg;
			break;
		case OPT_ASSETS:
			so.assets = optarg;
			break;
		case OPT_TOP:
			if ((rc = cmd_parse_long("top", optarg, 1, 5, &l)) == 0)
				so.nrecs = (uint32_t)l;
			break;
		case OPT_KEEP:
			if ((rc = cmd_parse_long("keep", optarg, 2, 1000, &l)) == 0)
				so.keep = (unsigned)l;
			break;
		case OPT_THREADS:
			if ((rc = cmd_parse_long("threads", optarg, 1, 64, &l)) == 0)
				so.threads = (unsigned)l;
			break;
		case OPT_DATE:
			if ((rc = cmd_model_opt(CMD_OPT_DATE, optarg, &p)) == 0)
				so.date = p.seed;
			break;
		case OPT_REJECTS:
			lo.rejects_path = optarg;
			break;
		case OPT_MAXREJ:
			if ((rc = cmd_parse_double("max-reject-frac", optarg, 0,
			    1, &x)) == 0)
				lo.max_reject_frac = x;
			break;
		case OPT_QUIET:
			lo.quiet = 1;
			break;
		case OPT_TIMINGS:
			so.progress = 1;
			cmd_timings_start(1);
			break;
		case OPT_MODELS:
			models = optarg;
			break;
		case OPT_FITONLY:
			fit_only = 1;
			break;
		case OPT_BUILDID:
			so.build_id = optarg;
			break;
		case OPT_SHARD: {
			unsigned i, n;
			char junk;

			if (sscanf(optarg, "%u/%u%c", &i, &n, &junk) != 2 ||
			    n < 1 || n > 10000 || i >= n) {
				mq_warnx("--shard: '%s' is not I/N with "
				    "0 <= I < N <= 10000", optarg);
				rc = MQ_EUSAGE;
			}
			so.shard = i;
			so.nshards = n;
			break;
		}
		case OPT_MERGE:
			if ((rc = cmd_parse_long("merge", optarg, 1, 10000,
			    &l)) == 0) {
				so.nshards = (uint32_t)l;
				so.merge = 1;
			}
			break;
		case OPT_SHARDDIR:
			so.shard_dir = optarg;
			break;
		case OPT_SNAPSHOT:
			snap = optarg;
			break;
		case OPT_NOSNAPSHOT:
			no_snap = 1;
			break;
		default:
			rc = MQ_EUSAGE;
			break;
		}
		if (rc) {
			build_usage(stderr);
			return MQ_EUSAGE;
		}
	}
	if (optind < argc || so.data == NULL || so.out == NULL ||
	    *so.out == '\0') {
		mq_warnx("--data and --out are required");
		build_usage(stderr);
		return MQ_EUSAGE;
	}
	while (strlen(so.out) > 1 && so.out[strlen(so.out) - 1] == '/') {
		mq_warnx("--out names the site link, without a trailing '/'");
		return MQ_EUSAGE;
	}
	if (so.state == NULL) {
		if ((state = mq_strf("%s.state", so.out)) == NULL)
			return mq_oom();
		so.state = state;
	}
	if ((fit_only && models == NULL) || (so.nshards && !so.shard_dir) ||
	    (fit_only && so.nshards)) {
		mq_warnx("--fit-only needs --models; --shard and --merge need "
		    "--shard-dir; --fit-only goes without them");
		rc = MQ_EUSAGE;
		goto out;
	}
	/* the snapshot lives with the state, made here if new */
	if (snap == NULL && !no_snap) {
		if (mkdir(so.state, 0700) && errno != EEXIST) {
			mq_warn("%s", so.state);
			rc = MQ_EIO;
			goto out;
		}
		if ((snap = snap_alloc = mq_strf("%s/data.snap", so.state)) ==
		    NULL) {
			rc = mq_oom();
			goto out;
		}
	}
	if ((rc = cmd_load(so.data, &lo, no_snap ? NULL : snap, &d)))
		goto out;
	if (store) {
		if ((rc = mq_merge_store(&d, store, &ms)))
			goto out;
		if (!lo.quiet)
			fprintf(stderr, "store %s (up to #%llu): %u new members, "
			    "%zu ratings added, %zu replaced, %zu deleted, %zu of "
			    "unknown films left out, %zu tags\n", store,
			    (unsigned long long)ms.upto, ms.members, ms.added,
			    ms.replaced, ms.deleted, ms.unknown, ms.tags);
	}
	cmd_stage("load");
	if (fit_only) {
		rc = fit_models(&d, &so, models);
		goto out;
	}
	if (models != NULL) {
		if ((rc = mq_modelio_load(models, &d, &inb, &unb, &meta)))
			goto out;
		mq_best_params_init(&bp);
		bp.item_pre = &inb;
		bp.user_pre = &unb;
		so.best = &bp;
	}
	if ((rc = mq_site_build(&d, &so, &st)))
		goto out;
	cmd_stage("build");
	if (so.nshards && !so.merge) {
		if (!lo.quiet)
			fprintf(stderr, "build: shard %u of %u written to "
			    "%s/part-%u-of-%u\n", so.shard, so.nshards,
			    so.shard_dir, so.shard, so.nshards);
		goto out;
	}
	/* published: what the store held up to the snapshot is in this run */
	if (store) {
		struct mq_store *s;

		if ((rc = mq_store_open(&s, store, 0)) == MQ_OK) {
			rc = mq_store_mark_run(s, ms.upto);
			mq_store_close(s);
		}
		if (rc)
			goto out;
	}
	if (!lo.quiet)
		fprintf(stderr, "build %s: %zu files (%zu written, %zu unchanged), "
		    "%.1f MB raw, %.1f MB zstd; %u films (%u posters drawn), "
		    "%u members, %u search shards\n", st.build, st.files,
		    st.written, st.linked, st.bytes_raw / 1e6,
		    st.bytes_zst / 1e6, st.films, st.posters_drawn, st.members,
		    st.shards);
out:
	mq_nbrs_release(&inb);
	mq_nbrs_release(&unb);
	free(state);
	free(snap_alloc);
	mq_data_release(&d);
	return rc;
}

static void
whoami_usage(FILE *f)
{
	fprintf(f, "usage: marquee whoami --user ID (--state DIR | --key FILE)\n\n"
	    "Prints the private path of member ID in the published site "
	    "(m/HEX/),\nderived from the site key.  For the demo and the "
	    "operator: the endpoint\nhands it to a member after login.\n");
}

int
cmd_whoami(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "user", required_argument, NULL, OPT_USER },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 }
	};
	const char *state = NULL, *keyfile = NULL;
	char *path = NULL, hex[MQ_MEMBER_HEX];
	struct mq_key key;
	long user = -1;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		rc = MQ_OK;
		if (c == OPT_HELP) {
			whoami_usage(stdout);
			return MQ_OK;
		} else if (c == OPT_USER)
			rc = cmd_parse_long("user", optarg, 1, UINT32_MAX, &user);
		else if (c == OPT_STATE)
			state = optarg;
		else if (c == OPT_KEY)
			keyfile = optarg;
		else
			rc = MQ_EUSAGE;
		if (rc) {
			whoami_usage(stderr);
			return MQ_EUSAGE;
		}
	}
	if (optind < argc || user < 0 || (!state == !keyfile)) {
		mq_warnx("--user and one of --state or --key are required");
		whoami_usage(stderr);
		return MQ_EUSAGE;
	}
	if (keyfile == NULL &&
	    (keyfile = path = mq_strf("%s/site.key", state)) == NULL)
		return mq_oom();
	rc = mq_key_load(&key, keyfile, 0);
	free(path);
	if (rc)
		return rc;
	mq_key_member(&key, (uint32_t)user, hex);
	printf("m/%s/\n", hex);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		mq_warn("stdout");
		return MQ_EIO;
	}
	return MQ_OK;
}

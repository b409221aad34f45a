/*
 * cmd_synth.c - "marquee synth": write a deterministic, MovieLens-shaped
 * synthetic data set (the offline default data, the test data and the
 * MovieLens-20M-size benchmark input).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mq_err.h"
#include "mq_synth.h"
#include "cmd.h"

static void
synth_usage(FILE *f)
{
	fprintf(f,
	    "usage: marquee synth --out DIR [--size small|default|20m]\n"
	    "                     [--users N] [--movies N] [--ratings N]\n"
	    "                     [--seed S] [--min-ratings N] [--genome]\n"
	    "                     [--genome-tags N] [--no-tags] [--no-links]"
	    " [-q]\n"
	    "\n"
	    "Write movies.csv, ratings.csv, tags.csv, links.csv (and with\n"
	    "--genome genome-tags.csv, genome-scores.csv) in the MovieLens\n"
	    "layout into DIR, created if missing.  The same options and seed\n"
	    "give the same bytes.\n"
	    "\n"
	    "  --size NAME      small (300 members, 500 films, 20000 ratings),\n"
	    "                   default (2000, 3000, 200000) or\n"
	    "                   20m (138000, 27000, 20000000)\n"
	    "  --users N        members (overrides --size)\n"
	    "  --movies N       films (overrides --size)\n"
	    "  --ratings N      target number of ratings (overrides --size)\n"
	    "  --seed S         random seed (1)\n"
	    "  --min-ratings N  ratings per member at least (20)\n"
	    "  --genome         also write the tag genome\n"
	    "  --genome-tags N  genome tags, 1..%d (100)\n"
	    "  --no-tags        no tags.csv\n"
	    "  --no-links       no links.csv\n"
	    "  -q, --quiet      no summary on stderr\n",
	    MQ_SYNTH_GENOME_MAX);
}

/* mkdir -p: create dir and its missing parents. */
static int
make_dirs(const char *dir)
{
	char *p, *path;
	int rc = MQ_OK;

	if ((path = strdup(dir)) == NULL)
		return mq_oom();
	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0755) == -1 && errno != EEXIST) {
				mq_warn("%s", path);
				rc = MQ_EIO;
				break;
			}
			*p = c;
		}
		if (*p == '\0')
			break;
	}
	free(path);
	return rc;
}

int
cmd_synth(int argc, char **argv)
{
	enum { O_USERS = 256, O_MOVIES, O_RATINGS, O_SEED, O_SIZE, O_GENOME,
	    O_GTAGS, O_NOTAGS, O_NOLINKS, O_OUT, O_MIN };
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, O_OUT },
		{ "users", required_argument, NULL, O_USERS },
		{ "movies", required_argument, NULL, O_MOVIES },
		{ "ratings", required_argument, NULL, O_RATINGS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "size", required_argument, NULL, O_SIZE },
		{ "min-ratings", required_argument, NULL, O_MIN },
		{ "genome", no_argument, NULL, O_GENOME },
		{ "genome-tags", required_argument, NULL, O_GTAGS },
		{ "no-tags", no_argument, NULL, O_NOTAGS },
		{ "no-links", no_argument, NULL, O_NOLINKS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mq_synth_opts o;
	struct mq_synth_stats st;
	const char *out = NULL, *size = NULL;
	long users = -1, movies = -1, ratings = -1, seed = -1, minr = -1,
	    gtags = -1;
	int c, rc, quiet = 0;
	struct stat sb;

	mq_synth_opts_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		rc = MQ_OK;
		switch (c) {
		case O_OUT:
			out = optarg;
			break;
		case O_USERS:
			rc = cmd_parse_long("users", optarg, 1, 100000000, &users);
			break;
		case O_MOVIES:
			rc = cmd_parse_long("movies", optarg, 1, 1000000,
			    &movies);
			break;
		case O_RATINGS:
			rc = cmd_parse_long("ratings", optarg, 1,
			    4000000000L, &ratings);
			break;
		case O_SEED:
			rc = cmd_parse_long("seed", optarg, 0, 2147483647L,
			    &seed);
			break;
		case O_MIN:
			rc = cmd_parse_long("min-ratings", optarg, 1, 100000,
			    &minr);
			break;
		case O_GTAGS:
			rc = cmd_parse_long("genome-tags", optarg, 1,
			    MQ_SYNTH_GENOME_MAX, &gtags);
			o.genome = 1;
			break;
		case O_SIZE:
			size = optarg;
			break;
		case O_GENOME:
			o.genome = 1;
			break;
		case O_NOTAGS:
			o.tags = 0;
			break;
		case O_NOLINKS:
			o.links = 0;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			synth_usage(stdout);
			return MQ_OK;
		default:
			synth_usage(stderr);
			return MQ_EUSAGE;
		}
		if (rc)
			return rc;
	}
	if (optind < argc) {
		mq_warnx("synth: unexpected argument '%s'", argv[optind]);
		synth_usage(stderr);
		return MQ_EUSAGE;
	}
	if (out == NULL) {
		mq_warnx("synth: --out DIR is required");
		synth_usage(stderr);
		return MQ_EUSAGE;
	}
	if (size != NULL && (rc = mq_synth_opts_preset(&o, size)) != MQ_OK)
		return rc;
	if (users >= 0)
		o.users = (uint32_t)users;
	if (movies >= 0)
		o.movies = (uint32_t)movies;
	if (ratings >= 0)
		o.ratings = (uint64_t)ratings;
	if (seed >= 0)
		o.seed = (uint64_t)seed;
	if (minr >= 0)
		o.min_ratings = (uint32_t)minr;
	if (gtags >= 0)
		o.genome_ntags = (uint32_t)gtags;
	o.stats = &st;

	if ((rc = make_dirs(out)) != MQ_OK)
		return rc;
	if (stat(out, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		mq_warnx("%s: not a directory", out);
		return MQ_EIO;
	}
	if ((rc = mq_synth_write(out, &o)) != MQ_OK)
		return rc;
	if (!quiet) {
		fprintf(stderr, "synth: %s: %u members, %u films (%u rated), "
		    "%llu ratings, %llu tags", out, st.users, st.movies,
		    st.rated_movies, (unsigned long long)st.ratings,
		    (unsigned long long)st.tags);
		if (o.genome)
			fprintf(stderr, ", %u genome tags, %llu genome scores",
			    st.genome_tags,
			    (unsigned long long)st.genome_scores);
		fprintf(stderr, "\nsynth: ratings per member min %u median %u "
		    "max %u; per film min %u median %u max %u, %u under 10; "
		    "top 1%% of films hold %.1f%%\nsynth: stars",
		    st.user_min, st.user_median, st.user_max, st.movie_min,
		    st.movie_median, st.movie_max, st.movies_lt10,
		    100.0 * st.top1pct_share);
		for (c = 0; c < 10; c++)
			fprintf(stderr, " %.1f:%.1f%%", (c + 1) / 2.0,
			    st.ratings ? 100.0 * st.hist[c] / st.ratings : 0.0);
		fputc('\n', stderr);
	}
	return MQ_OK;
}

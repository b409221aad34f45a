/*
 * cmd_validate.c - "marquee validate": load a data set, check every row,
 * report what was rejected and why.
 *
 * The ingestion check of the nightly run: the exit status is the loader's
 * (0 the data set is usable, 1 it is not, 3 a file could not be read), the
 * per-file summary goes to stderr and one line of counts to stdout.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "mq_err.h"
#include "mq_data.h"
#include "cmd.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: marquee validate --data DIR [--rejects FILE] "
	    "[--max-reject-frac F] [--quiet]\n"
	    "\n"
	    "Load the MovieLens data set in DIR (movies.csv and ratings.csv,\n"
	    "tags.csv, links.csv, genome-tags.csv and genome-scores.csv when\n"
	    "present), check every row and report the rejected ones as\n"
	    "FILE:LINE: reason on stderr.\n"
	    "\n"
	    "  --data DIR             the data set\n"
	    "  --rejects FILE         append every rejected row to FILE\n"
	    "  --max-reject-frac F    fail when more than F of a file's rows\n"
	    "                         are rejected (default 0.01)\n"
	    "  --quiet                no per-file summary\n"
	    "  --help                 this text\n"
	    "\n"
	    "Prints \"N films, N members, N ratings, N tags\" on stdout.\n"
	    "Exit status: 0 usable, 1 data rejected, 2 usage, 3 I/O error,\n"
	    "4 out of memory.\n");
}

int
cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "max-reject-frac", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mq_load_opts o;
	struct mq_data d;
	const char *dir = NULL;
	int c, rc;

	memset(&d, 0, sizeof(d));
	mq_load_opts_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:r:f:qh", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'r':
			o.rejects_path = optarg;
			break;
		case 'f':
			rc = cmd_parse_double("max-reject-frac", optarg, 0.0,
			    1.0, &o.max_reject_frac);
			if (rc != MQ_OK)
				return rc;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return MQ_OK;
		default:
			usage(stderr);
			return MQ_EUSAGE;
		}
	}
	if (optind < argc) {
		mq_warnx("validate: unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return MQ_EUSAGE;
	}

	if ((rc = cmd_load(dir, &o, NULL, &d)) != MQ_OK)
		goto out;
	printf("%u films, %u members, %zu ratings, %zu tags", d.nmovies,
	    d.nusers, d.R.nnz, d.ntags);
	if (d.ngtags > 0)
		printf(", %u genome tags", d.ngtags);
	putchar('\n');
	if (fflush(stdout) != 0 || ferror(stdout)) {
		mq_warn("stdout");
		rc = MQ_EIO;
	}
out:
	mq_data_release(&d);
	return rc;
}

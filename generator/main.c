/*
 * main.c - bin/marquee: the nightly batch of the Marquee recommender.
 *
 * Dispatches to one subcommand per file (cmd_*.c).  Exit codes are the
 * mq_rc values of mq_err.h: 0 success, 1 data rejected, 2 usage, 3 I/O,
 * 4 out of memory.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "mq_err.h"
#include "mq_snap.h"
#include "cmd.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
} cmds[] = {
	{ "recs", cmd_recs, "print every member's recommendations (TSV)" },
	{ "similar", cmd_similar, "print every film's nearest films (TSV)" },
	{ "genres", cmd_genres, "print the genre top lists (TSV)" },
	{ "eval", cmd_eval, "evaluate every model on a time-ordered hold-out (JSON)" },
	{ "validate", cmd_validate, "load and check a data set, report rejects" },
	{ "synth", cmd_synth, "write a deterministic MovieLens-shaped data set" },
	{ "build", cmd_build, "write the site: fragments, posters, shards" },
	{ "whoami", cmd_whoami, "print a member's private path in the site" },
	{ "member", cmd_member, "set a member's role in the endpoint's store" },
	{ "rollback", cmd_rollback, "serve the previous release again" },
	{ "maintenance", cmd_maintenance, "set or clear the maintenance flag" },
	{ "nightly", cmd_nightly, "the nightly run: merge, retrain, gate, publish" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: marquee COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].what);
	fprintf(f, "\n'marquee COMMAND --help' describes each command.\n"
	    "exit status: 0 ok, 1 data rejected, 2 usage, 3 I/O error, "
	    "4 out of memory\n");
}

int
cmd_parse_long(const char *name, const char *arg, long lo, long hi,
    long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end != '\0' || v < lo || v > hi) {
		mq_warnx("--%s: invalid value '%s' (an integer in %ld..%ld)",
		    name, arg, lo, hi);
		return MQ_EUSAGE;
	}
	*out = v;
	return MQ_OK;
}

int
cmd_parse_double(const char *name, const char *arg, double lo, double hi,
    double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end != '\0' || !isfinite(v) || v < lo ||
	    v > hi) {
		mq_warnx("--%s: invalid value '%s' (a number in %g..%g)",
		    name, arg, lo, hi);
		return MQ_EUSAGE;
	}
	*out = v;
	return MQ_OK;
}

int
cmd_load(const char *dir, const struct mq_load_opts *o, const char *snap,
    struct mq_data *d)
{
	struct mq_snap_info si;
	struct stat st;
	int rc;

	if (dir == NULL || *dir == '\0') {
		mq_warnx("--data DIR is required");
		return MQ_EUSAGE;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		mq_warnx("%s: not a data directory", dir);
		return MQ_EDATA;
	}
	if (snap == NULL)
		rc = mq_data_load(d, dir, o);
	else if ((rc = mq_snap_data_load(d, dir, snap, o, &si)) == MQ_OK &&
	    !o->quiet) {
		if (si.hit)
			fprintf(stderr, "snapshot %s: used, the CSV files are "
			    "unchanged\n", snap);
		else
			fprintf(stderr, "snapshot %s: %s; CSV files parsed, "
			    "%s\n", snap, si.why, si.saved ? "snapshot saved" :
			    si.save);
	}
	if (rc == MQ_OK && !o->quiet)
		mq_data_summary(d, stderr);
	return rc;
}

static int timings;
static double stage_wall, stage_cpu;

double
cmd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
clocks(double *wall, double *cpu)
{
	struct timespec ts;

	*wall = cmd_now();
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	*cpu = ts.tv_sec + ts.tv_nsec / 1e9;
}

void
cmd_timings_start(int enabled)
{
	timings = enabled;
	clocks(&stage_wall, &stage_cpu);
}

void
cmd_stage(const char *name)
{
	struct rusage ru;
	double wall, cpu;

	if (!timings)
		return;
	clocks(&wall, &cpu);
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "timing: %-8s %8.3f s wall %8.3f s cpu  peak %.1f MiB\n",
	    name, wall - stage_wall, cpu - stage_cpu, ru.ru_maxrss / 1024.0);
	stage_wall = wall;
	stage_cpu = cpu;
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return MQ_EUSAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return MQ_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	mq_warnx("unknown command '%s'", argv[1]);
	usage(stderr);
	return MQ_EUSAGE;
}

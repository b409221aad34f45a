/*
 * cmd.h - the subcommands of bin/marquee, one file each (sblg style).
 *
 * Each cmd_* takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns an mq_rc code, which main() uses as exit status.
 */
#ifndef MQ_CMD_H
#define MQ_CMD_H

#include <stdint.h>

#include "mq_data.h"
#include "mq_model.h"

int cmd_recs(int argc, char **argv);	/* recs: per-member lists as TSV */
int cmd_similar(int argc, char **argv);	/* similar: per-film neighbours */
int cmd_genres(int argc, char **argv);	/* genres: genre top lists */
int cmd_eval(int argc, char **argv);	/* eval: offline evaluation, JSON */
int cmd_validate(int argc, char **argv); /* validate: load, check, report */
int cmd_synth(int argc, char **argv);	/* synth: write a synthetic data set */
int cmd_build(int argc, char **argv);	/* build: the published site */
int cmd_whoami(int argc, char **argv);	/* whoami: a member's private path */
int cmd_member(int argc, char **argv);	/* member: a member's role */
int cmd_rollback(int argc, char **argv);	/* rollback: the previous release */
int cmd_maintenance(int argc, char **argv); /* maintenance: the flag */
int cmd_nightly(int argc, char **argv);	/* nightly: the whole night's run */

/*
 * Parse a decimal integer option value in [lo, hi]; on error print
 * "--name: invalid value 'arg'" and return MQ_EUSAGE.
 */
int cmd_parse_long(const char *name, const char *arg, long lo, long hi,
    long *out);

/* The same for a floating-point value. */
int cmd_parse_double(const char *name, const char *arg, double lo,
    double hi, double *out);

/*
 * Load the data set in dir with the common loader options (threshold,
 * rejects file); prints the summary unless quiet.  With snap set, through
 * the binary snapshot at that path (mq_snap.h): used when the CSV files
 * are unchanged, else remade.  Returns an mq_rc.
 */
int cmd_load(const char *dir, const struct mq_load_opts *o, const char *snap,
    struct mq_data *d);

/*
 * Model options shared by recs, similar and eval: --k, --sim, --shrink,
 * --min-overlap, --alpha, --recency, --liked, --date, --threads.  The
 * long options start at CMD_OPT_MODEL in each command's getopt table
 * (CMD_MODEL_LONGOPTS); cmd_model_opt() applies one of them to p.
 */
enum {
	CMD_OPT_K = 1000, CMD_OPT_SIM, CMD_OPT_SHRINK, CMD_OPT_OVERLAP,
	CMD_OPT_ALPHA, CMD_OPT_RECENCY, CMD_OPT_LIKED, CMD_OPT_DATE,
	CMD_OPT_THREADS, CMD_OPT_WITEM, CMD_OPT_POPBETA, CMD_OPT_LAMBDA,
	CMD_OPT_NODISC, CMD_OPT_NONEW, CMD_OPT_NOSERIES, CMD_OPT_MMRFROM,
	CMD_OPT_NCAND, CMD_OPT_UBUDGET, CMD_OPT_URECENT, CMD_OPT_UCAND
};

/* "--model best": the blended list of mq_best.h, beside the mq_kind. */
#define CMD_MODEL_BEST	MQ_MODEL_NKINDS

/* Print on stderr what fitting member neighbours cost (w), under p. */
void cmd_uwork(const struct mq_uwork *w, const struct mq_params *p);

/* Parse a model name, "best" included; -1 when unknown. */
int cmd_kind_parse(const char *s);

#define CMD_MODEL_LONGOPTS \
	{ "k", required_argument, NULL, CMD_OPT_K }, \
	{ "sim", required_argument, NULL, CMD_OPT_SIM }, \
	{ "shrink", required_argument, NULL, CMD_OPT_SHRINK }, \
	{ "min-overlap", required_argument, NULL, CMD_OPT_OVERLAP }, \
	{ "alpha", required_argument, NULL, CMD_OPT_ALPHA }, \
	{ "recency", required_argument, NULL, CMD_OPT_RECENCY }, \
	{ "liked", required_argument, NULL, CMD_OPT_LIKED }, \
	{ "date", required_argument, NULL, CMD_OPT_DATE }, \
	{ "threads", required_argument, NULL, CMD_OPT_THREADS }, \
	{ "w-item", required_argument, NULL, CMD_OPT_WITEM }, \
	{ "pop-beta", required_argument, NULL, CMD_OPT_POPBETA }, \
	{ "lambda", required_argument, NULL, CMD_OPT_LAMBDA }, \
	{ "no-discovery", no_argument, NULL, CMD_OPT_NODISC }, \
	{ "no-new", no_argument, NULL, CMD_OPT_NONEW }, \
	{ "no-series", no_argument, NULL, CMD_OPT_NOSERIES }, \
	{ "mmr-from", required_argument, NULL, CMD_OPT_MMRFROM }, \
	{ "candidates", required_argument, NULL, CMD_OPT_NCAND }, \
	{ "user-budget", required_argument, NULL, CMD_OPT_UBUDGET }, \
	{ "user-recent", required_argument, NULL, CMD_OPT_URECENT }, \
	{ "user-candidates", required_argument, NULL, CMD_OPT_UCAND }

/*
 * Model options as given on the command line, applied after the model
 * is known (each model kind has its own defaults).
 */
struct cmd_given {
	int opt[32];
	const char *arg[32];
	int n;
	int has_k;		/* --k was given */
};

/* Validate option opt/arg and remember it.  MQ_OK or MQ_EUSAGE. */
int cmd_given_add(struct cmd_given *g, int opt, const char *arg);

/* Defaults of kind, then the remembered options, into p. */
void cmd_given_apply(const struct cmd_given *g, int kind,
    struct mq_params *p);

struct mq_best_params;

/* The same for the "best" list's parameters. */
void cmd_given_best(const struct cmd_given *g, struct mq_best_params *bp);

/* Help text of the model options, for the --help of each command. */
extern const char cmd_model_help[];

/*
 * Apply model option opt (a CMD_OPT_* value) with argument arg to p.
 * Returns MQ_OK, or MQ_EUSAGE after printing what is wrong.
 */
int cmd_model_opt(int opt, const char *arg, struct mq_params *p);

/*
 * Stage timings on stderr, enabled by --timings: cmd_stage("load") prints
 * "timing: load 0.123 s wall, 0.200 s cpu, peak 45.2 MiB" for the time
 * since the previous call (or since cmd_timings_start()).
 */
void cmd_timings_start(int enabled);
void cmd_stage(const char *name);

/* Seconds on the monotonic clock, for durations. */
double cmd_now(void);

/* The seed of today's run date (UTC) as YYYYMMDD. */
uint64_t cmd_today(void);

#endif /* MQ_CMD_H */

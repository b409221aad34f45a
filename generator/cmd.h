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

int cmd_recs(int argc, char **argv);	/* recs: per-member lists as TSV */
int cmd_similar(int argc, char **argv);	/* similar: per-film neighbours */
int cmd_genres(int argc, char **argv);	/* genres: genre top lists */
int cmd_eval(int argc, char **argv);	/* eval: offline evaluation, JSON */
int cmd_validate(int argc, char **argv); /* validate: load, check, report */
int cmd_synth(int argc, char **argv);	/* synth: write a synthetic data set */

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
 * rejects file); prints the summary unless quiet.  Returns an mq_rc.
 */
int cmd_load(const char *dir, const struct mq_load_opts *o,
    struct mq_data *d);

#endif /* MQ_CMD_H */

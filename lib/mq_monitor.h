/*
 * mq_monitor.h - the nightly run's production measurements: the client's
 * feedback metric and the drift of new ratings.
 *
 * The feedback metric reads the state directory's recommended.tsv
 * ("user_id TAB movie_id TAB YYYYMMDD TAB model", one line per film of a
 * member's "for you" list per run date) and asks the data set, for each
 * film recommended at run date t, whether the member rated it within
 * x days: a rating with a timestamp in [t 00:00 UTC, t + x days 00:00
 * UTC).  A date is measured once its window has closed by the start of
 * the run date, that is when t + x days <= run_date; the dates still open
 * (run_date itself and the x - 1 dates before it, or any later date) are
 * only counted, never measured, so a figure never changes once reported.
 *
 * Drift compares the ratings before a cut time with those at or after it
 * by the population stability index over three distributions: rating
 * values, genres of the rated films, and ratings per member.
 *
 * Both fill plain structs and have JSON writers for the run history (one
 * JSON object each, no newline).
 */
#ifndef MQ_MONITOR_H
#define MQ_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "mq_buf.h"
#include "mq_data.h"

/* ------------------------------------------------------------------ */
/* The feedback metric. */

/*
 * The models a "for you" position can come from, as recommended.tsv names
 * them, and "other" for any name this program does not know (counted, so
 * that "all" stays the sum of the models).
 */
enum mq_monitor_model { MQ_MON_ITEM, MQ_MON_USER, MQ_MON_SERIES,
    MQ_MON_DISCOVERY, MQ_MON_NEW, MQ_MON_POPULAR, MQ_MON_OTHER,
    MQ_MON_NMODELS };

/* "item", "user", "series", "discovery", "new", "popular", "other". */
extern const char *const mq_monitor_model_name[MQ_MON_NMODELS];

#define MQ_MONITOR_XDAYS	7	/* the client's default window */
#define MQ_MONITOR_MAX_RUNS	90	/* closed dates measured: the newest */
#define MQ_MONITOR_WARN_LINES	5	/* malformed lines named on stderr */

/* Counts of one run date, for one model or for all of them. */
struct mq_feedback_count {
	uint64_t recommended;	/* lines (films shown to a member) */
	uint64_t rated;		/* of those, rated within the window */
	uint32_t members;	/* distinct members with such a line */
	uint32_t members_rated;	/* of those, who rated at least one */
	double share;		/* rated / recommended, 0 when none */
	double members_share;	/* members_rated / members, 0 when none */
};

struct mq_feedback_run {
	uint32_t date;		/* YYYYMMDD */
	struct mq_feedback_count by_model[MQ_MON_NMODELS];
	struct mq_feedback_count all;
};

struct mq_feedback_metric {
	uint32_t run_date;	/* YYYYMMDD */
	uint32_t x_days;
	size_t nruns;
	struct mq_feedback_run *runs;	/* ascending date; owned */
	uint64_t lines;		/* lines read */
	uint64_t malformed;	/* skipped: not four valid fields */
	uint64_t unknown;	/* skipped: member or film not in the data */
	uint64_t open;		/* lines of dates whose window is still open */
	uint64_t older;		/* lines of closed dates older than the
				   MQ_MONITOR_MAX_RUNS newest ones */
};

/*
 * Measure the feedback metric of recommended_tsv against the ratings of d
 * at run date run_date (YYYYMMDD), with a window of x_days (1..3650) days.
 * out (need not be initialised) receives one mq_feedback_run per closed
 * date (t + x_days <= run_date), ascending, at most the
 * MQ_MONITOR_MAX_RUNS newest; a member counts for a model when at least
 * one of their lines of that date names the model.  A rating counts when
 * d holds the member's rating of the film with ts in the window; d keeps
 * one rating per (member, film), the latest, so a film rated in the
 * window and rated again after it is not counted.  Lines that are not
 * "uint TAB uint TAB valid-date TAB name" are skipped, counted in
 * out->malformed, and the first MQ_MONITOR_WARN_LINES of them named on
 * stderr; lines whose member or film d does not know (the data shrank)
 * are skipped and counted in out->unknown.  A missing file is the first
 * night: MQ_OK and no runs.  Cost: one pass over the file, two binary
 * searches of ids and one of the member's row per line, plus 2 bytes per
 * member of d per measured date.
 * Returns MQ_OK; MQ_EUSAGE (x_days not in 1..3650, run_date not a valid
 * date); MQ_EIO (the file cannot be read; reported); MQ_ENOMEM.  On
 * failure out is left empty.  Free with mq_monitor_feedback_release().
 */
int mq_monitor_feedback(const struct mq_data *d, const char *recommended_tsv,
    uint32_t run_date, uint32_t x_days, struct mq_feedback_metric *out);

/* Free what m owns; m is left empty.  NULL is accepted. */
void mq_monitor_feedback_release(struct mq_feedback_metric *m);

/*
 * Append m to b as one JSON object:
 *	{"run_date": 20261124, "x_days": 7, "lines": N, "malformed": N,
 *	 "unknown": N, "open": N, "older": N, "runs": [{"date": 20261117,
 *	 "by_model": {"item": {"recommended": N, "rated": N, "share": S,
 *	 "members": N, "members_rated": N, "members_share": S}, ...},
 *	 "all": {...}}, ...]}
 * by_model always holds the six known models, and "other" when it has
 * lines; shares are printed with 6 significant digits.  Errors are b's
 * (mq_buf_ok).
 */
void mq_monitor_feedback_json(const struct mq_feedback_metric *m,
    struct mq_buf *b);

/*
 * Seconds since the epoch of YYYYMMDD at 00:00 UTC into *ts.  Returns
 * MQ_OK, or MQ_EUSAGE when date is not a valid Gregorian date of the
 * years 1..9999 (*ts untouched).
 */
int mq_monitor_date_epoch(uint32_t date, int64_t *ts);

/* ------------------------------------------------------------------ */
/* Drift. */

#define MQ_DRIFT_VALUE_BINS	10	/* 0.5, 1.0, ..., 5.0 */
#define MQ_DRIFT_ACT_BINS	11	/* 1, 2-3, 4-7, ..., 512-1023, 1024+ */

struct mq_drift_params {
	double threshold;	/* alert above this PSI (0.2) */
	double eps;		/* share given to an empty bin (1e-4) */
	size_t min_after;	/* fewer "after" ratings: no alert (100) */
	size_t min_before;	/* fewer "before" ratings: no alert (100) */
	int64_t activity_span;	/* > 0: activity over equal spans (0) */
};

/* The defaults above. */
void mq_drift_params_init(struct mq_drift_params *p);

struct mq_drift {
	int64_t cut_ts;
	struct mq_drift_params p;	/* the parameters used */
	size_t before_ratings, after_ratings;	/* sample sizes */
	uint32_t before_members, after_members;	/* members with a rating */
	uint64_t before_genre, after_genre;	/* (rating, genre) pairs */
	double psi_value;	/* rating values, 10 half-star bins */
	double psi_genre;	/* genres of the rated films, ngenres bins */
	double psi_activity;	/* ratings per member, log2 bins */
	double psi_max;		/* the largest of the three */
	int small;		/* a sample is below its minimum */
	int alert;		/* !small and psi_max > threshold */
};

/*
 * Population stability index of the "actual" counts a against the
 * "expected" counts e over n bins: sum (a_i - e_i) ln(a_i / e_i) over the
 * shares a_i = a[i] / sum a and e_i = e[i] / sum e, an empty bin's share
 * being replaced by eps (the others are not renormalised).  0 when either
 * side has no count at all (nothing to compare).
 */
double mq_monitor_psi(const uint64_t *e, const uint64_t *a, size_t n,
    double eps);

/*
 * Drift of d's ratings with ts >= cut_ts ("after": the new ratings, e.g.
 * those since the models were trained) against those with ts < cut_ts
 * ("before": the training data).  Distributions:
 *   value     the rating in half stars, 10 bins;
 *   genre     each genre of the rated film counts once per rating, over
 *             d->ngenres bins (films without a genre do not count);
 *   activity  per member with at least one rating on that side, the
 *             number c of their ratings on that side, bin floor(log2 c)
 *             capped at 10 (1, 2-3, 4-7, ..., 1024 and more).  A
 *             member's count over the whole history and over one month
 *             are not alike: with p->activity_span > 0 the activity
 *             counts only the ratings of [cut - span, cut) against those
 *             of [cut, cut + span) (values and genres still use every
 *             rating); 0 counts every rating of each side.
 * out->alert is set when every sample holds at least its minimum of
 * ratings and one PSI exceeds p->threshold; out->small says a minimum was
 * not met (the PSIs are still computed, for the record).  p may be NULL
 * (defaults).  One pass over d's member rows: O(ratings * genres per film).
 * Returns MQ_OK or MQ_EUSAGE (threshold or eps not positive, eps >= 1,
 * activity_span negative).
 */
int mq_monitor_drift(const struct mq_data *d, int64_t cut_ts,
    const struct mq_drift_params *p, struct mq_drift *out);

/*
 * Append out as one JSON object:
 *	{"cut": TS, "threshold": 0.2, "eps": 0.0001, "min_before": 100,
 *	 "min_after": 100, "activity_span": 0, "before": {"ratings": N,
 *	 "members": N, "genre_pairs": N}, "after": {...}, "psi": {"value": X,
 *	 "genre": X, "activity": X}, "max": X, "small_sample": false,
 *	 "alert": false}
 */
void mq_monitor_drift_json(const struct mq_drift *dr, struct mq_buf *b);

#endif /* MQ_MONITOR_H */

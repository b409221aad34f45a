/*
 * mq_stats.h - the operator's statistics page of the nightly run.
 *
 * mq_stats_page() writes one self-contained directory (published under
 * the admin path that the web server protects): index.html, stats.css
 * and the charts as PNG.  The page shows the current alerts, the key
 * figures of the data, the offline metrics, the feedback metric, drift
 * and run time over the runs, the run history, ratings per day, the
 * rating histogram, members and films over time and the coldest films.
 *
 * The run history is the nightly run's history file (STATE/runs.jsonl),
 * one JSON object per line:
 *
 *	{"run": "20261124T023000Z", "date": 20261124,
 *	 "status": "published" | "gate-failed" | "failed",
 *	 "retrained": true, "reason": "...", "seconds": {"total": 12.3},
 *	 "counts": {"members": N, "films": N, "ratings": N, "new_ratings": N},
 *	 "offline": {"ndcg": 0.068, "coverage": 0.19, "diversity": 0.81},
 *	 "production": {"ndcg": 0.067},
 *	 "feedback": {"share": 0.12, "members_share": 0.3},
 *	 "drift": {"max_psi": 0.05, "alert": false}, "alerts": ["..."]}
 *
 * Any member may be missing or null; members not listed are ignored.
 * mq_runs_load() reads it strictly: a line that is not one valid JSON
 * object (RFC 8259, UTF-8), or that gives a listed member the wrong type
 * (a date that is not a valid YYYYMMDD, a string where a number is
 * due, ...), is skipped and counted, never half used.
 */
#ifndef MQ_STATS_H
#define MQ_STATS_H

#include <stddef.h>
#include <stdint.h>

struct mq_data;

/* One night's figures; NaN, NULL or -1 where the line has none. */
struct mq_run {
	char *run;		/* run id, e.g. "20261124T023000Z" */
	uint32_t date;		/* YYYYMMDD: "date", else the run id's first
				   8 digits when they are a date, else 0 */
	char *status;		/* "published", "gate-failed", "failed", ... */
	int retrained;		/* 1, 0, -1 */
	char *reason;
	char *alerts;		/* the run's alerts joined by "; " */
	size_t nalerts;
	double seconds;		/* seconds.total */
	double members, films, ratings, new_ratings;	/* counts.* */
	double ndcg, coverage, diversity;		/* offline.* */
	double prod_ndcg;	/* production.ndcg */
	double fb_share;	/* feedback.share */
	double fb_members;	/* feedback.members_share */
	double max_psi;		/* drift.max_psi */
	int drift_alert;	/* drift.alert: 1, 0, -1 */
};

struct mq_runs {
	struct mq_run *run;	/* in file order */
	size_t n, cap;
	size_t skipped;		/* malformed lines */
	size_t first_bad;	/* line number of the first of them, or 0 */
};

/*
 * Read the history file at path into r (which need not be initialised).
 * A missing file is an empty history.  Blank lines are ignored; each
 * malformed line is counted in r->skipped and reported on stderr as
 * "path:line: why" (the first 5).  Lines longer than 1 MiB are malformed.
 * Returns MQ_OK; MQ_EIO when the file exists but cannot be read;
 * MQ_ENOMEM (r is then left empty).  Free r with mq_runs_release().
 */
int mq_runs_load(struct mq_runs *r, const char *path);

/* Free what r owns; r is left empty.  NULL accepted. */
void mq_runs_release(struct mq_runs *r);

/*
 * Write the statistics page into directory dir (made, mode 0755, when
 * missing): index.html from templates/stats.html (rows from
 * stats-run.html, stats-film.html and stats-alert.html), stats.css copied
 * from templates/stats.css, and the charts metrics.png, feedback.png,
 * drift.png, runtime.png, per-day.png, histogram.png, members.png and
 * films.png (720 x 300), every file written atomically.  runs_jsonl is
 * the history file (NULL or missing: "no run yet"); d the data set of
 * the run (its ratings give the per-day, histogram, growth and coldest
 * films parts); alerts[0..nalerts-1] the current alerts, UTF-8 (shown
 * escaped; none: "No alert").  The same inputs give the same bytes: the
 * page shows no clock time, only the runs' ids and the data's dates.
 * Returns MQ_OK; MQ_EIO (message names the file); MQ_EDATA for a broken
 * template; MQ_ENOMEM.
 */
int mq_stats_page(const char *dir, const char *runs_jsonl,
    const struct mq_data *d, const char *templates,
    const char *const *alerts, size_t nalerts);

#endif /* MQ_STATS_H */

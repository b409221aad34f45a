/*
 * mq_monitor.c - the feedback metric and the drift of new ratings (see
 * mq_monitor.h).
 *
 * The feedback metric streams recommended.tsv once and keeps nothing per
 * line: per measured date, the counts per model and one 16-bit mask per
 * member of the data (low byte: the models that recommended the member
 * something that date; high byte: the models whose film they rated in the
 * window), from which the distinct member counts come at the end.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq_err.h"
#include "mq_esc.h"
#include "mq_monitor.h"

#define DAY	86400

const char *const mq_monitor_model_name[MQ_MON_NMODELS] = {
	"item", "user", "series", "discovery", "new", "popular", "other"
};

/* ------------------------------------------------------------------ */
/* Dates. */

/*
 * Days from 1970-01-01 to the proleptic Gregorian date y-m-d: count in
 * 400-year eras of 146097 days starting on March 1st, so that the leap
 * day is the last day of its year.
 */
static int64_t
civil_days(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;				/* 0..399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0..146096 */
	return era * 146097 + doe - 719468;
}

/* Days since the epoch of YYYYMMDD into *days; -1 if not a valid date. */
static int
date_days(uint32_t date, int64_t *days)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	unsigned y = date / 10000, m = date / 100 % 100, d = date % 100;
	unsigned last;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return -1;
	last = mdays[m - 1];
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		last = 29;
	if (d > last)
		return -1;
	*days = civil_days(y, m, d);
	return 0;
}

int
mq_monitor_date_epoch(uint32_t date, int64_t *ts)
{
	int64_t days;

	if (date_days(date, &days))
		return MQ_EUSAGE;
	*ts = days * DAY;
	return MQ_OK;
}

/* ------------------------------------------------------------------ */
/* The feedback metric. */

/* One measured date. */
struct dstate {
	uint32_t date;
	int64_t t0, t1;		/* the window [t0, t1) in epoch seconds */
	uint64_t lines;
	uint64_t rec[MQ_MON_NMODELS], rated[MQ_MON_NMODELS];
	uint16_t *mask;		/* per member of d, see the file comment */
};

struct fb {
	const struct mq_data *d;
	int64_t run_days;
	uint32_t x_days;
	struct dstate st[MQ_MONITOR_MAX_RUNS];	/* ascending date */
	size_t n;
	size_t last;		/* index of the last date used */
};

/* A decimal field of digits only ending at stop; -1 otherwise. */
static int
parse_u32(const char **pp, char stop, uint32_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > UINT32_MAX)
			return -1;
		p++;
	}
	if (*p != stop)
		return -1;
	*pp = p + 1;
	*v = (uint32_t)x;
	return 0;
}

/*
 * Split a line into its four fields; the model is the rest of the line
 * without its line end, non-empty and without a tab or a space.
 */
static int
parse_line(const char *s, uint32_t *user, uint32_t *movie, uint32_t *date,
    enum mq_monitor_model *model)
{
	const char *p = s;
	size_t len, k;

	if (parse_u32(&p, '\t', user) || parse_u32(&p, '\t', movie) ||
	    parse_u32(&p, '\t', date))
		return -1;
	len = strcspn(p, "\r\n");
	if (len == 0 || (p[len] == '\r' && p[len + 1] != '\n' &&
	    p[len + 1] != '\0'))
		return -1;
	for (k = 0; k < len; k++)
		if (p[k] == '\t' || p[k] == ' ')
			return -1;
	*model = MQ_MON_OTHER;
	for (k = 0; k < MQ_MON_OTHER; k++)
		if (strlen(mq_monitor_model_name[k]) == len &&
		    memcmp(mq_monitor_model_name[k], p, len) == 0) {
			*model = (enum mq_monitor_model)k;
			break;
		}
	return 0;
}

/*
 * The state of closed date `date` (day number days), added when new.
 * *sp is NULL when the date is older than the MQ_MONITOR_MAX_RUNS newest
 * seen so far; evicting the oldest adds its lines to *older.  MQ_OK or
 * MQ_ENOMEM.
 */
static int
fb_state(struct fb *F, uint32_t date, int64_t days, uint64_t *older,
    struct dstate **sp)
{
	struct dstate *st;
	size_t lo = 0, hi = F->n;
	uint16_t *mask = NULL;

	*sp = NULL;
	if (F->last < F->n && F->st[F->last].date == date) {
		*sp = &F->st[F->last];
		return MQ_OK;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (F->st[mid].date < date)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < F->n && F->st[lo].date == date) {
		F->last = lo;
		*sp = &F->st[lo];
		return MQ_OK;
	}
	if (F->n == MQ_MONITOR_MAX_RUNS) {
		if (lo == 0)
			return MQ_OK;		/* older than every kept date */
		/* evict the oldest and reuse its masks */
		*older += F->st[0].lines;
		mask = F->st[0].mask;
		memset(mask, 0, (size_t)F->d->nusers * sizeof(*mask));
		memmove(&F->st[0], &F->st[1], (lo - 1) * sizeof(F->st[0]));
		lo--;
	} else {
		mask = calloc(F->d->nusers ? F->d->nusers : 1, sizeof(*mask));
		if (mask == NULL)
			return mq_oom();
		memmove(&F->st[lo + 1], &F->st[lo],
		    (F->n - lo) * sizeof(F->st[0]));
		F->n++;
	}
	st = &F->st[lo];
	memset(st, 0, sizeof(*st));
	st->date = date;
	st->t0 = days * DAY;
	st->t1 = (days + F->x_days) * DAY;
	st->mask = mask;
	F->last = lo;
	*sp = st;
	return MQ_OK;
}

/* Count one well-formed line of a closed date. */
static int
fb_line(struct fb *F, struct mq_feedback_metric *out, uint32_t user,
    uint32_t movie, uint32_t date, int64_t days, enum mq_monitor_model m)
{
	const struct mq_data *d = F->d;
	struct dstate *st;
	int64_t u, i;
	size_t pos;
	int rc;

	if ((u = mq_data_user(d, user)) < 0 ||
	    (i = mq_data_movie(d, movie)) < 0) {
		out->unknown++;
		return MQ_OK;
	}
	if ((rc = fb_state(F, date, days, &out->older, &st)))
		return rc;
	if (st == NULL) {
		out->older++;
		return MQ_OK;
	}
	st->lines++;
	st->rec[m]++;
	st->mask[u] |= (uint16_t)(1u << m);
	pos = mq_matrix_find(&d->R, (uint32_t)u, (uint32_t)i);
	if (pos != (size_t)-1 && d->R.u_ts[pos] >= st->t0 &&
	    d->R.u_ts[pos] < st->t1) {
		st->rated[m]++;
		st->mask[u] |= (uint16_t)(1u << (8 + m));
	}
	return MQ_OK;
}

static void
count_shares(struct mq_feedback_count *c)
{
	c->share = c->recommended ? (double)c->rated / c->recommended : 0;
	c->members_share = c->members ?
	    (double)c->members_rated / c->members : 0;
}

/* Turn the kept dates into out->runs. */
static int
fb_finish(struct fb *F, struct mq_feedback_metric *out)
{
	size_t k;
	uint32_t u, m;

	if (F->n == 0)
		return MQ_OK;
	if ((out->runs = calloc(F->n, sizeof(*out->runs))) == NULL)
		return mq_oom();
	out->nruns = F->n;
	for (k = 0; k < F->n; k++) {
		const struct dstate *st = &F->st[k];
		struct mq_feedback_run *r = &out->runs[k];

		r->date = st->date;
		for (m = 0; m < MQ_MON_NMODELS; m++) {
			r->by_model[m].recommended = st->rec[m];
			r->by_model[m].rated = st->rated[m];
			r->all.recommended += st->rec[m];
			r->all.rated += st->rated[m];
		}
		for (u = 0; u < F->d->nusers; u++) {
			uint16_t w = st->mask[u];

			if (w == 0)
				continue;
			r->all.members++;
			if (w >> 8)
				r->all.members_rated++;
			for (m = 0; m < MQ_MON_NMODELS; m++) {
				if (w & (1u << m))
					r->by_model[m].members++;
				if (w & (1u << (8 + m)))
					r->by_model[m].members_rated++;
			}
		}
		for (m = 0; m < MQ_MON_NMODELS; m++)
			count_shares(&r->by_model[m]);
		count_shares(&r->all);
	}
	return MQ_OK;
}

int
mq_monitor_feedback(const struct mq_data *d, const char *recommended_tsv,
    uint32_t run_date, uint32_t x_days, struct mq_feedback_metric *out)
{
	struct fb *F = NULL;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0, k;
	int rc = MQ_OK;

	memset(out, 0, sizeof(*out));
	out->run_date = run_date;
	out->x_days = x_days;
	if (x_days == 0 || x_days > 3650 || d == NULL ||
	    recommended_tsv == NULL) {
		mq_warnx("feedback metric: bad window of %u days", x_days);
		return MQ_EUSAGE;
	}
	if ((F = calloc(1, sizeof(*F))) == NULL)
		return mq_oom();
	F->d = d;
	F->x_days = x_days;
	if (date_days(run_date, &F->run_days)) {
		mq_warnx("feedback metric: %u is not a date", run_date);
		rc = MQ_EUSAGE;
		goto out;
	}
	if ((f = fopen(recommended_tsv, "r")) == NULL) {
		if (errno != ENOENT) {
			mq_warn("%s", recommended_tsv);
			rc = MQ_EIO;
		}
		goto out;
	}
	while (getline(&line, &cap, f) > 0) {
		uint32_t user, movie, date;
		enum mq_monitor_model m;
		int64_t days;

		out->lines++;
		if (parse_line(line, &user, &movie, &date, &m) ||
		    date_days(date, &days)) {
			if (++out->malformed <= MQ_MONITOR_WARN_LINES)
				mq_warnx("%s:%llu: not a recommendation line, "
				    "skipped", recommended_tsv,
				    (unsigned long long)out->lines);
			continue;
		}
		if (days + x_days > F->run_days) {
			out->open++;
			continue;
		}
		if ((rc = fb_line(F, out, user, movie, date, days, m)))
			goto out;
	}
	if (ferror(f)) {
		mq_warn("%s", recommended_tsv);
		rc = MQ_EIO;
		goto out;
	}
	if (out->malformed > MQ_MONITOR_WARN_LINES)
		mq_warnx("%s: %llu malformed lines in all, skipped",
		    recommended_tsv, (unsigned long long)out->malformed);
	rc = fb_finish(F, out);
out:
	if (f != NULL)
		fclose(f);
	free(line);
	for (k = 0; k < F->n; k++)
		free(F->st[k].mask);
	free(F);
	if (rc) {
		mq_monitor_feedback_release(out);
		out->run_date = run_date;
		out->x_days = x_days;
	}
	return rc;
}

void
mq_monitor_feedback_release(struct mq_feedback_metric *m)
{
	if (m == NULL)
		return;
	free(m->runs);
	memset(m, 0, sizeof(*m));
}

static void
json_count(struct mq_buf *b, const struct mq_feedback_count *c)
{
	mq_buf_printf(b, "{\"recommended\": %llu, \"rated\": %llu, "
	    "\"share\": %.6g, \"members\": %u, \"members_rated\": %u, "
	    "\"members_share\": %.6g}", (unsigned long long)c->recommended,
	    (unsigned long long)c->rated, c->share, c->members,
	    c->members_rated, c->members_share);
}

void
mq_monitor_feedback_json(const struct mq_feedback_metric *m,
    struct mq_buf *b)
{
	size_t k;
	unsigned j;

	mq_buf_printf(b, "{\"run_date\": %u, \"x_days\": %u, \"lines\": %llu, "
	    "\"malformed\": %llu, \"unknown\": %llu, \"open\": %llu, "
	    "\"older\": %llu, \"runs\": [", m->run_date, m->x_days,
	    (unsigned long long)m->lines, (unsigned long long)m->malformed,
	    (unsigned long long)m->unknown, (unsigned long long)m->open,
	    (unsigned long long)m->older);
	for (k = 0; k < m->nruns; k++) {
		const struct mq_feedback_run *r = &m->runs[k];
		int first = 1;

		mq_buf_printf(b, "%s{\"date\": %u, \"by_model\": {",
		    k ? ", " : "", r->date);
		for (j = 0; j < MQ_MON_NMODELS; j++) {
			if (j == MQ_MON_OTHER && r->by_model[j].recommended == 0)
				continue;
			if (!first)
				mq_buf_adds(b, ", ");
			first = 0;
			mq_esc_jstr(b, mq_monitor_model_name[j]);
			mq_buf_adds(b, ": ");
			json_count(b, &r->by_model[j]);
		}
		mq_buf_adds(b, "}, \"all\": ");
		json_count(b, &r->all);
		mq_buf_addc(b, '}');
	}
	mq_buf_adds(b, "]}");
}

/* ------------------------------------------------------------------ */
/* Drift. */

void
mq_drift_params_init(struct mq_drift_params *p)
{
	p->threshold = 0.2;
	p->eps = 1e-4;
	p->min_after = 100;
	p->min_before = 100;
	p->activity_span = 0;
}

double
mq_monitor_psi(const uint64_t *e, const uint64_t *a, size_t n, double eps)
{
	uint64_t se = 0, sa = 0;
	double psi = 0;
	size_t k;

	for (k = 0; k < n; k++) {
		se += e[k];
		sa += a[k];
	}
	if (se == 0 || sa == 0)
		return 0;
	for (k = 0; k < n; k++) {
		double pe = e[k] ? (double)e[k] / se : eps;
		double pa = a[k] ? (double)a[k] / sa : eps;

		psi += (pa - pe) * log(pa / pe);
	}
	return psi;
}

/* floor(log2 c) capped at the last activity bin; c >= 1. */
static unsigned
act_bin(size_t c)
{
	unsigned b = 0;

	while (c > 1 && b < MQ_DRIFT_ACT_BINS - 1) {
		c >>= 1;
		b++;
	}
	return b;
}

int
mq_monitor_drift(const struct mq_data *d, int64_t cut_ts,
    const struct mq_drift_params *p, struct mq_drift *out)
{
	const struct mq_matrix *R = &d->R;
	uint64_t val[2][MQ_DRIFT_VALUE_BINS], gen[2][MQ_GENRES_MAX];
	uint64_t act[2][MQ_DRIFT_ACT_BINS];
	size_t cnt[2], act_cnt[2], a;
	int64_t act_lo, act_hi;
	uint32_t u, ng = d->ngenres < MQ_GENRES_MAX ? d->ngenres :
	    MQ_GENRES_MAX;
	int s;

	memset(out, 0, sizeof(*out));
	out->cut_ts = cut_ts;
	if (p != NULL)
		out->p = *p;
	else
		mq_drift_params_init(&out->p);
	if (!(out->p.threshold > 0) || !(out->p.eps > 0) ||
	    !(out->p.eps < 1) || out->p.activity_span < 0) {
		mq_warnx("drift: bad threshold %g, epsilon %g or span %lld",
		    out->p.threshold, out->p.eps,
		    (long long)out->p.activity_span);
		return MQ_EUSAGE;
	}
	act_lo = INT64_MIN;
	act_hi = INT64_MAX;
	if (out->p.activity_span > 0) {
		act_lo = cut_ts > INT64_MIN + out->p.activity_span ?
		    cut_ts - out->p.activity_span : INT64_MIN;
		act_hi = cut_ts < INT64_MAX - out->p.activity_span ?
		    cut_ts + out->p.activity_span : INT64_MAX;
	}
	memset(val, 0, sizeof(val));
	memset(gen, 0, sizeof(gen));
	memset(act, 0, sizeof(act));
	for (u = 0; u < R->nusers; u++) {
		cnt[0] = cnt[1] = act_cnt[0] = act_cnt[1] = 0;
		for (a = R->u_off[u]; a < R->u_off[u + 1]; a++) {
			uint64_t g = d->genres != NULL ?
			    d->genres[R->u_item[a]] : 0;
			unsigned h = R->u_half[a];
			int64_t ts = R->u_ts[a];

			s = ts >= cut_ts;
			cnt[s]++;
			if (ts >= act_lo && ts < act_hi)
				act_cnt[s]++;
			if (h >= 1 && h <= MQ_DRIFT_VALUE_BINS)
				val[s][h - 1]++;
			for (; g != 0; g &= g - 1) {
				unsigned bit = (unsigned)__builtin_ctzll(g);

				if (bit < ng)
					gen[s][bit]++;
			}
		}
		for (s = 0; s < 2; s++)
			if (act_cnt[s])
				act[s][act_bin(act_cnt[s])]++;
		out->before_ratings += cnt[0];
		out->after_ratings += cnt[1];
		out->before_members += cnt[0] != 0;
		out->after_members += cnt[1] != 0;
	}
	for (a = 0; a < ng; a++) {
		out->before_genre += gen[0][a];
		out->after_genre += gen[1][a];
	}
	out->psi_value = mq_monitor_psi(val[0], val[1], MQ_DRIFT_VALUE_BINS,
	    out->p.eps);
	out->psi_genre = mq_monitor_psi(gen[0], gen[1], ng, out->p.eps);
	out->psi_activity = mq_monitor_psi(act[0], act[1], MQ_DRIFT_ACT_BINS,
	    out->p.eps);
	out->psi_max = fmax(out->psi_value, fmax(out->psi_genre,
	    out->psi_activity));
	out->small = out->after_ratings < out->p.min_after ||
	    out->before_ratings < out->p.min_before;
	out->alert = !out->small && out->psi_max > out->p.threshold;
	return MQ_OK;
}

void
mq_monitor_drift_json(const struct mq_drift *dr, struct mq_buf *b)
{
	mq_buf_printf(b, "{\"cut\": %lld, \"threshold\": %.6g, \"eps\": %.6g, "
	    "\"min_before\": %zu, \"min_after\": %zu, "
	    "\"activity_span\": %lld, ", (long long)dr->cut_ts,
	    dr->p.threshold, dr->p.eps, dr->p.min_before, dr->p.min_after,
	    (long long)dr->p.activity_span);
	mq_buf_printf(b, "\"before\": {\"ratings\": %zu, \"members\": %u, "
	    "\"genre_pairs\": %llu}, ", dr->before_ratings, dr->before_members,
	    (unsigned long long)dr->before_genre);
	mq_buf_printf(b, "\"after\": {\"ratings\": %zu, \"members\": %u, "
	    "\"genre_pairs\": %llu}, ", dr->after_ratings, dr->after_members,
	    (unsigned long long)dr->after_genre);
	mq_buf_printf(b, "\"psi\": {\"value\": %.6g, \"genre\": %.6g, "
	    "\"activity\": %.6g}, \"max\": %.6g, \"small_sample\": %s, "
	    "\"alert\": %s}", dr->psi_value, dr->psi_genre, dr->psi_activity,
	    dr->psi_max, dr->small ? "true" : "false",
	    dr->alert ? "true" : "false");
}

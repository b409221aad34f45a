/*
 * mq_stats.c - the operator's statistics page: a strict reader of the run
 * history (JSON lines), figures computed from the data set in one pass
 * over the ratings, the charts (mq_chart) and the page (mq_tmpl).  The
 * contract of each public function is in mq_stats.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq_buf.h"
#include "mq_chart.h"
#include "mq_data.h"
#include "mq_err.h"
#include "mq_esc.h"
#include "mq_file.h"
#include "mq_poster.h"
#include "mq_stats.h"
#include "mq_tmpl.h"

#define MAX_LINE	(1024 * 1024)	/* longest history line */
#define MAX_DEPTH	32		/* JSON nesting */
#define MAX_REPORT	5		/* malformed lines reported */
#define MAX_ROWS	60		/* runs shown in the table */
#define NCOLD		20		/* coldest films listed */
#define NDAYS		90		/* ratings per day: the last NDAYS */
#define DAY_MIN		(-719162)	/* 0001-01-01 */
#define DAY_MAX		2932896		/* 9999-12-31 */

/* ------------------------------------------------ the history reader */

enum ftype { F_OBJ, F_STR, F_NUM, F_BOOL, F_DATE, F_STRS };

/* The members read from a line; the others are checked and ignored. */
static const struct field {
	const char *path;
	enum ftype type;
	size_t off;
} fields[] = {
	{ "run", F_STR, offsetof(struct mq_run, run) },
	{ "date", F_DATE, offsetof(struct mq_run, date) },
	{ "status", F_STR, offsetof(struct mq_run, status) },
	{ "retrained", F_BOOL, offsetof(struct mq_run, retrained) },
	{ "reason", F_STR, offsetof(struct mq_run, reason) },
	{ "alerts", F_STRS, offsetof(struct mq_run, alerts) },
	{ "seconds", F_OBJ, 0 },
	{ "seconds.total", F_NUM, offsetof(struct mq_run, seconds) },
	{ "counts", F_OBJ, 0 },
	{ "counts.members", F_NUM, offsetof(struct mq_run, members) },
	{ "counts.films", F_NUM, offsetof(struct mq_run, films) },
	{ "counts.ratings", F_NUM, offsetof(struct mq_run, ratings) },
	{ "counts.new_ratings", F_NUM, offsetof(struct mq_run, new_ratings) },
	{ "offline", F_OBJ, 0 },
	{ "offline.ndcg", F_NUM, offsetof(struct mq_run, ndcg) },
	{ "offline.coverage", F_NUM, offsetof(struct mq_run, coverage) },
	{ "offline.diversity", F_NUM, offsetof(struct mq_run, diversity) },
	{ "production", F_OBJ, 0 },
	{ "production.ndcg", F_NUM, offsetof(struct mq_run, prod_ndcg) },
	{ "feedback", F_OBJ, 0 },
	{ "feedback.share", F_NUM, offsetof(struct mq_run, fb_share) },
	{ "feedback.members_share", F_NUM, offsetof(struct mq_run, fb_members) },
	{ "drift", F_OBJ, 0 },
	{ "drift.max_psi", F_NUM, offsetof(struct mq_run, max_psi) },
	{ "drift.alert", F_BOOL, offsetof(struct mq_run, drift_alert) },
};

/* A line being parsed. */
struct jp {
	const char *p, *end;
	struct mq_run *r;
	struct mq_buf s;	/* the string last decoded */
	const char *why;	/* why the line is malformed, or NULL */
	int depth;
	double date;		/* the "date" member, if has_date */
	int has_date;
};

static int jvalue(struct jp *, const char *);

static int
jfail(struct jp *j, const char *why)
{
	if (j->why == NULL)
		j->why = why;
	return -1;
}

static void
jws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static const struct field *
field_find(const char *path)
{
	size_t i;

	if (path == NULL)
		return NULL;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(fields[i].path, path) == 0)
			return &fields[i];
	return NULL;
}


static int
hex4(struct jp *j, unsigned *v)
{
	int k;
	char c;

	*v = 0;
	if (j->end - j->p < 4)
		return jfail(j, "bad \\u escape");
	for (k = 0; k < 4; k++) {
		c = *j->p++;
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return jfail(j, "bad \\u escape");
	}
	return 0;
}

static void
put_utf8(struct mq_buf *b, unsigned cp)
{
	if (cp < 0x80)
		mq_buf_addc(b, (char)cp);
	else if (cp < 0x800) {
		mq_buf_addc(b, (char)(0xc0 | cp >> 6));
		mq_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		mq_buf_addc(b, (char)(0xe0 | cp >> 12));
		mq_buf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		mq_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		mq_buf_addc(b, (char)(0xf0 | cp >> 18));
		mq_buf_addc(b, (char)(0x80 | (cp >> 12 & 0x3f)));
		mq_buf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		mq_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* Decode the string at j->p (on its quote) into j->s. */
static int
jstring(struct jp *j)
{
	unsigned char c;
	unsigned cp, lo;

	mq_buf_reset(&j->s);
	mq_buf_add(&j->s, "", 0);	/* s.s is a string even when empty */
	j->p++;
	for (;;) {
		if (j->p >= j->end)
			return jfail(j, "unterminated string");
		c = (unsigned char)*j->p++;
		if (c == '"')
			return 0;
		if (c < 0x20)
			return jfail(j, "control character in a string");
		if (c != '\\') {
			mq_buf_addc(&j->s, (char)c);
			continue;
		}
		if (j->p >= j->end)
			return jfail(j, "unterminated string");
		switch ((c = (unsigned char)*j->p++)) {
		case '"':
		case '\\':
		case '/':
			mq_buf_addc(&j->s, (char)c);
			break;
		case 'b':
			mq_buf_addc(&j->s, '\b');
			break;
		case 'f':
			mq_buf_addc(&j->s, '\f');
			break;
		case 'n':
			mq_buf_addc(&j->s, '\n');
			break;
		case 'r':
			mq_buf_addc(&j->s, '\r');
			break;
		case 't':
			mq_buf_addc(&j->s, '\t');
			break;
		case 'u':
			if (hex4(j, &cp))
				return -1;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return jfail(j, "lone surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - j->p < 2 || j->p[0] != '\\' ||
				    j->p[1] != 'u')
					return jfail(j, "lone surrogate");
				j->p += 2;
				if (hex4(j, &lo))
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return jfail(j, "lone surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			if (cp == 0)
				return jfail(j, "NUL in a string");
			put_utf8(&j->s, cp);
			break;
		default:
			return jfail(j, "bad escape in a string");
		}
	}
}

static int
is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* A number by the JSON grammar, into *v. */
static int
jnumber(struct jp *j, double *v)
{
	const char *p = j->p, *s = j->p;
	char tmp[64];
	char *ep;

	if (p < j->end && *p == '-')
		p++;
	if (p < j->end && *p == '0')
		p++;
	else if (is_digit(p, j->end))
		while (is_digit(p, j->end))
			p++;
	else
		return jfail(j, "bad value");
	if (p < j->end && *p == '.') {
		if (!is_digit(++p, j->end))
			return jfail(j, "bad number");
		while (is_digit(p, j->end))
			p++;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, j->end))
			return jfail(j, "bad number");
		while (is_digit(p, j->end))
			p++;
	}
	if ((size_t)(p - s) >= sizeof(tmp))
		return jfail(j, "number too long");
	memcpy(tmp, s, (size_t)(p - s));
	tmp[p - s] = '\0';
	*v = strtod(tmp, &ep);
	if (*ep != '\0' || !isfinite(*v))
		return jfail(j, "number out of range");
	j->p = p;
	return 0;
}

/* Store the string in j->s as field f (a string, or one more alert). */
static int
store_str(struct jp *j, const struct field *f)
{
	char **dst = (char **)((char *)j->r + f->off), *s;

	if (f->type == F_STRS && *dst != NULL) {
		s = mq_strf("%s; %s", *dst, j->s.s);
		j->r->nalerts++;
	} else {
		s = strdup(j->s.s);
		if (f->type == F_STRS)
			j->r->nalerts = 1;
	}
	if (s == NULL) {
		j->s.err = 1;	/* reported as out of memory by the caller */
		return -1;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/* An object whose members' paths start with prefix (NULL: not tracked). */
static int
jobject(struct jp *j, const char *prefix)
{
	char path[64];
	const char *child;
	int n;

	if (++j->depth > MAX_DEPTH)
		return jfail(j, "nested too deep");
	j->p++;
	jws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		jws(j);
		if (j->p >= j->end || *j->p != '"')
			return jfail(j, "member name expected");
		if (jstring(j))
			return -1;
		child = NULL;
		if (prefix != NULL) {
			n = snprintf(path, sizeof(path), "%s%s%s", prefix,
			    prefix[0] ? "." : "", j->s.s ? j->s.s : "");
			if (n > 0 && (size_t)n < sizeof(path))
				child = path;
		}
		jws(j);
		if (j->p >= j->end || *j->p != ':')
			return jfail(j, "':' expected");
		j->p++;
		if (jvalue(j, child))
			return -1;
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			j->depth--;
			return 0;
		}
		return jfail(j, "',' or '}' expected");
	}
}

/* An array; its strings are alerts when f is the alerts field. */
static int
jarray(struct jp *j, const struct field *f)
{
	if (++j->depth > MAX_DEPTH)
		return jfail(j, "nested too deep");
	j->p++;
	if (f != NULL) {
		free(*(char **)((char *)j->r + f->off));
		*(char **)((char *)j->r + f->off) = NULL;
		j->r->nalerts = 0;
	}
	jws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		jws(j);
		if (f != NULL) {
			if (j->p >= j->end || *j->p != '"')
				return jfail(j, "alerts: string expected");
			if (jstring(j) || store_str(j, f))
				return -1;
		} else if (jvalue(j, NULL))
			return -1;
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			j->depth--;
			return 0;
		}
		return jfail(j, "',' or ']' expected");
	}
}

static int
literal(struct jp *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return jfail(j, "bad value");
	j->p += n;
	return 0;
}

/* A value at path (NULL: not tracked); a listed member must be typed. */
static int
jvalue(struct jp *j, const char *path)
{
	const struct field *f = field_find(path);
	double v;
	int b;

	jws(j);
	if (j->p >= j->end)
		return jfail(j, "value expected");
	switch (*j->p) {
	case '{':
		if (f != NULL && f->type != F_OBJ)
			return jfail(j, "member of the wrong type");
		return jobject(j, f != NULL || (path && !path[0]) ? path :
		    NULL);
	case '[':
		if (f != NULL && f->type != F_STRS)
			return jfail(j, "member of the wrong type");
		return jarray(j, f);
	case '"':
		if (f != NULL && f->type != F_STR)
			return jfail(j, "member of the wrong type");
		if (jstring(j))
			return -1;
		return f != NULL ? store_str(j, f) : 0;
	case 't':
	case 'f':
		b = *j->p == 't';
		if (literal(j, b ? "true" : "false"))
			return -1;
		if (f != NULL && f->type != F_BOOL)
			return jfail(j, "member of the wrong type");
		if (f != NULL)
			*(int *)((char *)j->r + f->off) = b;
		return 0;
	case 'n':
		return literal(j, "null");
	default:
		if (jnumber(j, &v))
			return -1;
		if (f == NULL)
			return 0;
		if (f->type == F_NUM)
			*(double *)((char *)j->r + f->off) = v;
		else if (f->type == F_DATE) {
			j->date = v;	/* checked once the line parses */
			j->has_date = 1;
		} else
			return jfail(j, "member of the wrong type");
		return 0;
	}
}

static void
run_init(struct mq_run *r)
{
	memset(r, 0, sizeof(*r));
	r->retrained = r->drift_alert = -1;
	r->seconds = r->members = r->films = r->ratings = r->new_ratings =
	    r->ndcg = r->coverage = r->diversity = r->prod_ndcg =
	    r->fb_share = r->fb_members = r->max_psi = NAN;
}

static void
run_release(struct mq_run *r)
{
	free(r->run);
	free(r->status);
	free(r->reason);
	free(r->alerts);
	run_init(r);
}

/*
 * Parse line[0..n-1] into r.  Returns MQ_OK with *why NULL, MQ_OK with
 * *why set (malformed), or MQ_ENOMEM.
 */
static int
parse_line(const char *line, size_t n, struct mq_run *r, const char **why)
{
	struct jp j;
	uint32_t ymd = 0;
	int k;

	memset(&j, 0, sizeof(j));
	j.p = line;
	j.end = line + n;
	j.r = r;
	if (!mq_utf8_valid(line, n))
		jfail(&j, "not UTF-8");
	else {
		jws(&j);
		if (j.p >= j.end || *j.p != '{')
			jfail(&j, "not a JSON object");
		else if (jvalue(&j, "") == 0) {
			jws(&j);
			if (j.p != j.end)
				jfail(&j, "text after the object");
		}
	}
	if (j.why == NULL && j.has_date) {
		if (j.date == floor(j.date) && j.date > 0 && j.date < 1e8 &&
		    mq_chart_day((uint32_t)j.date) != INT32_MIN)
			r->date = (uint32_t)j.date;
		else
			jfail(&j, "date is not a YYYYMMDD date");
	}
	if (j.s.err) {
		mq_buf_release(&j.s);
		return mq_oom();
	}
	mq_buf_release(&j.s);
	*why = j.why;
	/* no date: the run id's date, as the nightly run names its runs */
	if (j.why == NULL && r->date == 0 && r->run != NULL) {
		for (k = 0; k < 8 && r->run[k] >= '0' && r->run[k] <= '9'; k++)
			ymd = ymd * 10 + (uint32_t)(r->run[k] - '0');
		if (k == 8 && mq_chart_day(ymd) != INT32_MIN)
			r->date = ymd;
	}
	return MQ_OK;
}

void
mq_runs_release(struct mq_runs *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		run_release(&r->run[i]);
	free(r->run);
	memset(r, 0, sizeof(*r));
}

int
mq_runs_load(struct mq_runs *r, const char *path)
{
	struct mq_run run, *nr;
	const char *why;
	char *line = NULL;
	size_t cap = 0, lineno = 0, i;
	ssize_t len;
	FILE *fp;
	int rc = MQ_OK;

	memset(r, 0, sizeof(*r));
	run_init(&run);
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return MQ_OK;
		mq_warn("%s", path);
		return MQ_EIO;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		for (i = 0; i < (size_t)len && strchr(" \t\r\n", line[i]) &&
		    line[i] != '\0'; i++)
			continue;
		if (i == (size_t)len)
			continue;	/* blank */
		run_init(&run);
		why = NULL;
		if (len > MAX_LINE)
			why = "line longer than 1 MiB";
		else if ((rc = parse_line(line, (size_t)len, &run, &why)))
			goto out;
		if (why != NULL) {
			if (r->skipped++ == 0)
				r->first_bad = lineno;
			if (r->skipped <= MAX_REPORT)
				mq_warnx("%s:%zu: %s; line skipped", path,
				    lineno, why);
			run_release(&run);
			continue;
		}
		if (r->n == r->cap) {
			nr = mq_reallocarray(r->run, r->cap ? r->cap * 2 : 32,
			    sizeof(*nr));
			if (nr == NULL) {
				rc = mq_oom();
				goto out;
			}
			r->run = nr;
			r->cap = r->cap ? r->cap * 2 : 32;
		}
		r->run[r->n++] = run;
		run_init(&run);
	}
	if (ferror(fp)) {
		mq_warn("%s", path);
		rc = MQ_EIO;
	} else if (errno == ENOMEM && !feof(fp))
		rc = mq_oom();
out:
	run_release(&run);
	free(line);
	fclose(fp);
	if (rc)
		mq_runs_release(r);
	return rc;
}

/* ------------------------------------------------- the data's figures */

struct figures {
	int any;			/* there is at least one rating */
	int32_t first, last;		/* days of the first and last rating */
	size_t hist[10];		/* ratings by half stars */
	double mean;
	double perday[NDAYS];		/* ratings on days last-NDAYS+1..last */
	uint32_t perday_date[NDAYS];
	double per_day7, per_day30;	/* mean ratings per day */
	double members_day30, films_day30; /* first ratings per day */
	uint32_t nrated;		/* films with a rating */
	size_t nmonths;			/* members and films by month */
	uint32_t *month_date;
	double *members_cum, *films_cum;
	int32_t *film_last;		/* day of each film's last rating */
	uint32_t *cold;			/* NCOLD coldest rated films */
	size_t ncold;
};

static int32_t
ts_day(int64_t ts)
{
	int64_t d = ts >= 0 ? ts / 86400 : -((-ts + 86399) / 86400);

	return d < DAY_MIN ? DAY_MIN : d > DAY_MAX ? DAY_MAX : (int32_t)d;
}

static long
day_month(int32_t day)
{
	uint32_t ymd = mq_chart_ymd(day);

	return (long)(ymd / 10000) * 12 + (long)(ymd / 100 % 100) - 1;
}

static const struct mq_data *sort_d;	/* for cold_cmp */
static const int32_t *sort_last;

/* Fewest ratings first, then least recently rated, then movieId. */
static int
cold_cmp(const void *a, const void *b)
{
	uint32_t i = *(const uint32_t *)a, k = *(const uint32_t *)b;
	size_t di = mq_matrix_ideg(&sort_d->R, i),
	    dk = mq_matrix_ideg(&sort_d->R, k);

	if (di != dk)
		return di < dk ? -1 : 1;
	if (sort_last[i] != sort_last[k])
		return sort_last[i] < sort_last[k] ? -1 : 1;
	return sort_d->movie_id[i] < sort_d->movie_id[k] ? -1 : 1;
}

static void
figures_release(struct figures *g)
{
	free(g->month_date);
	free(g->members_cum);
	free(g->films_cum);
	free(g->film_last);
	free(g->cold);
	memset(g, 0, sizeof(*g));
}

static int
figures(const struct mq_data *d, struct figures *g)
{
	const struct mq_matrix *R = &d->R;
	int32_t *ufirst = NULL, *ffirst = NULL, day;
	uint32_t *rated = NULL, u, i;
	size_t k, n = 0;
	double sum = 0;
	long m0, m;
	int rc = MQ_ENOMEM;

	memset(g, 0, sizeof(*g));
	if (R->nnz == 0)
		return MQ_OK;
	g->any = 1;
	g->first = DAY_MAX;
	g->last = DAY_MIN;
	ufirst = mq_allocarray(R->nusers ? R->nusers : 1, sizeof(*ufirst));
	ffirst = mq_allocarray(R->nitems ? R->nitems : 1, sizeof(*ffirst));
	g->film_last = mq_allocarray(R->nitems ? R->nitems : 1,
	    sizeof(*g->film_last));
	if (ufirst == NULL || ffirst == NULL || g->film_last == NULL)
		goto out;
	for (i = 0; i < R->nitems; i++) {
		ffirst[i] = DAY_MAX;
		g->film_last[i] = DAY_MIN;
	}
	for (u = 0; u < R->nusers; u++) {
		ufirst[u] = DAY_MAX;
		for (k = R->u_off[u]; k < R->u_off[u + 1]; k++) {
			day = ts_day(R->u_ts[k]);
			i = R->u_item[k];
			if (day < ufirst[u])
				ufirst[u] = day;
			if (day < ffirst[i])
				ffirst[i] = day;
			if (day > g->film_last[i])
				g->film_last[i] = day;
			if (R->u_half[k] >= 1 && R->u_half[k] <= 10)
				g->hist[R->u_half[k] - 1]++;
			sum += R->u_half[k];
			if (day < g->first)
				g->first = day;
			if (day > g->last)
				g->last = day;
		}
	}
	g->mean = sum / 2 / (double)R->nnz;

	/* the last NDAYS days, the last 7 and 30 */
	for (k = 0; k < NDAYS; k++)
		g->perday_date[k] = mq_chart_ymd(g->last - NDAYS + 1 +
		    (int32_t)k);
	for (u = 0; u < R->nusers; u++)
		for (k = R->u_off[u]; k < R->u_off[u + 1]; k++) {
			day = ts_day(R->u_ts[k]);
			if (day > g->last - NDAYS)
				g->perday[day - (g->last - NDAYS + 1)]++;
			if (day > g->last - 7)
				g->per_day7++;
			if (day > g->last - 30)
				g->per_day30++;
		}
	g->per_day7 /= 7;
	g->per_day30 /= 30;
	for (u = 0; u < R->nusers; u++)
		if (ufirst[u] != DAY_MAX && ufirst[u] > g->last - 30)
			g->members_day30++;
	for (i = 0; i < R->nitems; i++)
		if (ffirst[i] != DAY_MAX && ffirst[i] > g->last - 30)
			g->films_day30++;
	g->members_day30 /= 30;
	g->films_day30 /= 30;

	/* members and films with a first rating by the end of each month */
	m0 = day_month(g->first);
	g->nmonths = (size_t)(day_month(g->last) - m0 + 1);
	g->month_date = mq_allocarray(g->nmonths, sizeof(*g->month_date));
	g->members_cum = calloc(g->nmonths, sizeof(*g->members_cum));
	g->films_cum = calloc(g->nmonths, sizeof(*g->films_cum));
	if (g->month_date == NULL || g->members_cum == NULL ||
	    g->films_cum == NULL)
		goto out;
	for (m = 0; m < (long)g->nmonths; m++)
		g->month_date[m] = (uint32_t)((m0 + m) / 12 * 10000 +
		    ((m0 + m) % 12 + 1) * 100 + 1);
	for (u = 0; u < R->nusers; u++)
		if (ufirst[u] != DAY_MAX)
			g->members_cum[day_month(ufirst[u]) - m0]++;
	for (i = 0; i < R->nitems; i++)
		if (ffirst[i] != DAY_MAX)
			g->films_cum[day_month(ffirst[i]) - m0]++;
	for (k = 1; k < g->nmonths; k++) {
		g->members_cum[k] += g->members_cum[k - 1];
		g->films_cum[k] += g->films_cum[k - 1];
	}

	/* the coldest rated films */
	if ((rated = mq_allocarray(R->nitems ? R->nitems : 1,
	    sizeof(*rated))) == NULL)
		goto out;
	for (i = 0; i < R->nitems; i++)
		if (mq_matrix_ideg(R, i) > 0)
			rated[n++] = i;
	g->nrated = (uint32_t)n;
	sort_d = d;
	sort_last = g->film_last;
	qsort(rated, n, sizeof(*rated), cold_cmp);
	g->ncold = n < NCOLD ? n : NCOLD;
	g->cold = rated;
	rated = NULL;
	rc = MQ_OK;
out:
	free(ufirst);
	free(ffirst);
	free(rated);
	if (rc) {
		figures_release(g);
		mq_oom();
	}
	return rc;
}

/* ---------------------------------------------------------- the page */

enum { T_PAGE, T_RUN, T_FILM, T_ALERT, T_CSS, T_N };

static const char *const tname[T_N] = {
	"stats.html", "stats-run.html", "stats-film.html", "stats-alert.html",
	"stats.css"
};

struct page {
	const char *dir;
	const struct mq_data *d;
	struct mq_poster_ctx fonts;
	struct mq_tmpl t[T_N];
	struct mq_runs runs;
	size_t *order;		/* dated runs by date, stable */
	size_t norder;
	uint32_t *dates;	/* their dates */
	struct figures g;
	struct mq_buf path;
};

/* dir/name in a buffer of p. */
static const char *
out_path(struct page *p, const char *name)
{
	mq_buf_reset(&p->path);
	mq_buf_printf(&p->path, "%s/%s", p->dir, name);
	return p->path.err ? NULL : p->path.s;
}

static void
fmt_int(char *buf, size_t sz, double v)
{
	char digits[32], *o = buf;
	size_t nd, i;

	if (!isfinite(v)) {
		snprintf(buf, sz, "\xe2\x80\x94");
		return;
	}
	snprintf(digits, sizeof(digits), "%.0f", fabs(v));
	nd = strlen(digits);
	if (sz < nd + nd / 3 + 2) {
		snprintf(buf, sz, "%.0f", v);
		return;
	}
	if (v <= -0.5)
		*o++ = '-';
	for (i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			*o++ = ',';
		*o++ = digits[i];
	}
	*o = '\0';
}

/* "%.*f", or an em dash for NaN. */
static void
fmt_fix(char *buf, size_t sz, double v, int dec)
{
	if (isfinite(v))
		snprintf(buf, sz, "%.*f", dec, v);
	else
		snprintf(buf, sz, "\xe2\x80\x94");
}

/* A share as a percentage: "12.3 %". */
static void
fmt_pct(char *buf, size_t sz, double v)
{
	if (isfinite(v))
		snprintf(buf, sz, "%.1f\xc2\xa0%%", v * 100);
	else
		snprintf(buf, sz, "\xe2\x80\x94");
}

static void
fmt_secs(char *buf, size_t sz, double v)
{
	if (!isfinite(v))
		snprintf(buf, sz, "\xe2\x80\x94");
	else if (v < 60)
		snprintf(buf, sz, "%.1f\xc2\xa0s", v);
	else
		snprintf(buf, sz, "%.0f\xc2\xa0min %02.0f\xc2\xa0s",
		    floor(v / 60), fmod(v, 60) < 59.5 ? floor(fmod(v, 60) +
		    .5) : 59);
}

static void
fmt_date(char *buf, size_t sz, uint32_t ymd)
{
	if (ymd == 0)
		snprintf(buf, sz, "\xe2\x80\x94");
	else
		snprintf(buf, sz, "%04u-%02u-%02u", ymd / 10000,
		    ymd / 100 % 100, ymd % 100);
}

static const char *
status_class(const char *s)
{
	if (s == NULL)
		return "unknown";
	if (strcmp(s, "published") == 0)
		return "ok";
	if (strcmp(s, "gate-failed") == 0)
		return "warn";
	if (strcmp(s, "failed") == 0)
		return "bad";
	return "unknown";
}

/*
 * Chart a run figure (member off of struct mq_run, as doubles) for the
 * dated runs in date order.
 */
static int
run_series(struct page *p, size_t off, double **out)
{
	size_t i;

	if ((*out = mq_allocarray(p->norder ? p->norder : 1,
	    sizeof(**out))) == NULL)
		return mq_oom();
	for (i = 0; i < p->norder; i++)
		(*out)[i] = *(const double *)((const char *)
		    &p->runs.run[p->order[i]] + off);
	return MQ_OK;
}

/* A line chart of up to 3 run figures into dir/file. */
static int
runs_chart(struct page *p, const char *file, const char *title,
    const char *const *names, const size_t *offs, size_t ns)
{
	struct mq_series s[3];
	double *y[3] = { NULL, NULL, NULL };
	const char *path;
	size_t k;
	int rc = MQ_OK;

	for (k = 0; k < ns && rc == MQ_OK; k++) {
		rc = run_series(p, offs[k], &y[k]);
		s[k] = (struct mq_series){ names[k], y[k], p->norder };
	}
	if (rc == MQ_OK && (path = out_path(p, file)) == NULL)
		rc = mq_oom();
	if (rc == MQ_OK)
		rc = mq_chart_line(&p->fonts, title, p->dates, s, ns, 0, 0,
		    path);
	for (k = 0; k < 3; k++)
		free(y[k]);
	return rc;
}

static int
charts(struct page *p)
{
	static const char *const lab[10] = { "\xc2\xbd", "1", "1\xc2\xbd",
	    "2", "2\xc2\xbd", "3", "3\xc2\xbd", "4", "4\xc2\xbd", "5" };
	static const char *const m_names[] = { "NDCG@10", "in production",
	    "coverage" };
	static const size_t m_offs[] = { offsetof(struct mq_run, ndcg),
	    offsetof(struct mq_run, prod_ndcg),
	    offsetof(struct mq_run, coverage) };
	static const char *const f_names[] = { "films rated",
	    "members who rated" };
	static const size_t f_offs[] = { offsetof(struct mq_run, fb_share),
	    offsetof(struct mq_run, fb_members) };
	static const char *const d_names[] = { "max PSI" };
	static const size_t d_offs[] = { offsetof(struct mq_run, max_psi) };
	static const char *const t_names[] = { "total" };
	static const size_t t_offs[] = { offsetof(struct mq_run, seconds) };
	struct mq_series s;
	const struct figures *g = &p->g;
	double hist[10];
	const char *path;
	size_t k;
	int rc;

	if ((rc = runs_chart(p, "metrics.png", "Offline metrics by run",
	    m_names, m_offs, 3)))
		return rc;
	if ((rc = runs_chart(p, "feedback.png",
	    "Feedback: share of recommendations rated", f_names, f_offs, 2)))
		return rc;
	if ((rc = runs_chart(p, "drift.png",
	    "Drift of new ratings (population stability index)", d_names,
	    d_offs, 1)))
		return rc;
	if ((rc = runs_chart(p, "runtime.png", "Run time, seconds", t_names,
	    t_offs, 1)))
		return rc;
	if ((path = out_path(p, "per-day.png")) == NULL)
		return mq_oom();
	if ((rc = mq_chart_date_bars(&p->fonts, "Ratings per day, last 90 "
	    "days of the data", g->perday_date, g->perday,
	    g->any ? NDAYS : 0, 0, 0, path)))
		return rc;
	for (k = 0; k < 10; k++)
		hist[k] = (double)g->hist[k];
	if ((path = out_path(p, "histogram.png")) == NULL)
		return mq_oom();
	if ((rc = mq_chart_bars(&p->fonts, "Ratings by number of stars", lab,
	    hist, g->any ? 10 : 0, 0, 0, path)))
		return rc;
	if ((path = out_path(p, "members.png")) == NULL)
		return mq_oom();
	s = (struct mq_series){ "members", g->members_cum, g->nmonths };
	if ((rc = mq_chart_line(&p->fonts, "Members with a rating, by month",
	    g->month_date, &s, 1, 0, 0, path)))
		return rc;
	if ((path = out_path(p, "films.png")) == NULL)
		return mq_oom();
	s = (struct mq_series){ "films", g->films_cum, g->nmonths };
	return mq_chart_line(&p->fonts, "Films with a rating, by month",
	    g->month_date, &s, 1, 0, 0, path);
}

/* The history table's rows, newest first, into out. */
static int
run_rows(struct page *p, struct mq_buf *out)
{
	const struct mq_run *r;
	struct mq_tvar v[12];
	struct mq_buf note = MQ_BUF_INIT;
	char date[16], secs[32], ndcg[32], cov[32], fb[32], psi[32];
	size_t i, shown = 0;
	int rc = MQ_OK;

	for (i = p->runs.n; i-- > 0 && shown < MAX_ROWS; shown++) {
		r = &p->runs.run[i];
		fmt_date(date, sizeof(date), r->date);
		fmt_secs(secs, sizeof(secs), r->seconds);
		fmt_fix(ndcg, sizeof(ndcg), r->ndcg, 4);
		fmt_pct(cov, sizeof(cov), r->coverage);
		fmt_pct(fb, sizeof(fb), r->fb_share);
		fmt_fix(psi, sizeof(psi), r->max_psi, 3);
		mq_buf_reset(&note);
		mq_buf_add(&note, "", 0);
		if (r->reason != NULL)
			mq_buf_adds(&note, r->reason);
		if (r->alerts != NULL)
			mq_buf_printf(&note, "%s%s: %s", note.len ? "; " :
			    "", r->nalerts == 1 ? "alert" : "alerts",
			    r->alerts);
		v[0] = (struct mq_tvar){ "class", status_class(r->status) };
		v[1] = (struct mq_tvar){ "date", date };
		v[2] = (struct mq_tvar){ "run", r->run };
		v[3] = (struct mq_tvar){ "status", r->status ? r->status :
		    "\xe2\x80\x94" };
		v[4] = (struct mq_tvar){ "retrained", r->retrained == 1 ?
		    "yes" : r->retrained == 0 ? "no" : "\xe2\x80\x94" };
		v[5] = (struct mq_tvar){ "seconds", secs };
		v[6] = (struct mq_tvar){ "ndcg", ndcg };
		v[7] = (struct mq_tvar){ "coverage", cov };
		v[8] = (struct mq_tvar){ "feedback", fb };
		v[9] = (struct mq_tvar){ "psi", psi };
		v[10] = (struct mq_tvar){ "drift_alert", r->drift_alert == 1 ?
		    "1" : NULL };
		v[11] = (struct mq_tvar){ "note", note.s };
		if ((rc = mq_buf_ok(&note)) ||
		    (rc = mq_tmpl_render(&p->t[T_RUN], v, 12, out)))
			break;
	}
	mq_buf_release(&note);
	return rc;
}

/* Film rows of films[0..n-1] into out. */
static int
film_rows(struct page *p, const uint32_t *films, size_t n,
    struct mq_buf *out)
{
	const struct mq_data *d = p->d;
	struct mq_tvar v[5];
	char id[16], year[8], count[32], last[16];
	size_t k;
	uint32_t i;
	int rc;

	for (k = 0; k < n; k++) {
		i = films[k];
		snprintf(id, sizeof(id), "%u", d->movie_id[i]);
		if (d->year[i] > 0)
			snprintf(year, sizeof(year), "%d", d->year[i]);
		else
			year[0] = '\0';
		fmt_int(count, sizeof(count),
		    (double)mq_matrix_ideg(&d->R, i));
		if (p->g.film_last != NULL &&
		    p->g.film_last[i] != DAY_MIN)
			fmt_date(last, sizeof(last),
			    mq_chart_ymd(p->g.film_last[i]));
		else
			snprintf(last, sizeof(last), "never");
		v[0] = (struct mq_tvar){ "id", id };
		v[1] = (struct mq_tvar){ "title", d->title[i] };
		v[2] = (struct mq_tvar){ "year", year };
		v[3] = (struct mq_tvar){ "count", count };
		v[4] = (struct mq_tvar){ "last", last };
		if ((rc = mq_tmpl_render(&p->t[T_FILM], v, 5, out)))
			return rc;
	}
	return MQ_OK;
}

/* The latest finite value of a run figure, or NaN. */
static double
latest(const struct page *p, size_t off)
{
	size_t i;
	double v;

	for (i = p->norder; i-- > 0;) {
		v = *(const double *)((const char *)
		    &p->runs.run[p->order[i]] + off);
		if (isfinite(v))
			return v;
	}
	return NAN;
}

#define NV 40

static int
render(struct page *p, const char *const *alerts, size_t nalerts,
    struct mq_buf *html)
{
	const struct mq_data *d = p->d;
	const struct figures *g = &p->g;
	const struct mq_run *last = p->runs.n ? &p->runs.run[p->runs.n - 1] :
	    NULL;
	struct mq_buf rows = MQ_BUF_INIT, cold = MQ_BUF_INIT,
	    never = MQ_BUF_INIT, al = MQ_BUF_INIT, sub = MQ_BUF_INIT;
	struct mq_tvar v[NV];
	char members[32], films[32], rated[32], unrated[32], ratings[32],
	    mean[16], pd30[32], pd7[32], md30[32], fd30[32], first[16],
	    lastd[16], skipped[160], older[80], lastwhen[64], nnever[32],
	    nevermore[80], a[4][32], cap[4][160];
	uint32_t *nv = NULL, i, nn = 0, nlisted = 0;
	size_t k, nv_n = 0;
	int rc;

	/* alerts */
	for (k = 0; k < nalerts; k++) {
		v[0] = (struct mq_tvar){ "text", alerts[k] };
		if ((rc = mq_tmpl_render(&p->t[T_ALERT], v, 1, &al)))
			goto out;
	}
	if ((rc = run_rows(p, &rows)))
		goto out;

	/* coldest rated films; films never rated, first by movieId */
	if ((rc = film_rows(p, g->cold, g->ncold, &cold)))
		goto out;
	for (i = 0; i < d->nmovies; i++)
		if (mq_matrix_ideg(&d->R, i) == 0)
			nn++;
	if (nn > 0) {
		if ((nv = mq_allocarray(nn < NCOLD ? nn : NCOLD,
		    sizeof(*nv))) == NULL) {
			rc = mq_oom();
			goto out;
		}
		for (i = 0; i < d->nmovies && nv_n < NCOLD; i++)
			if (mq_matrix_ideg(&d->R, i) == 0)
				nv[nv_n++] = i;
		nlisted = (uint32_t)nv_n;
		if ((rc = film_rows(p, nv, nv_n, &never)))
			goto out;
	}

	fmt_int(members, sizeof(members), d->nusers);
	fmt_int(films, sizeof(films), d->nmovies);
	fmt_int(rated, sizeof(rated), g->nrated);
	fmt_int(unrated, sizeof(unrated), nn);
	fmt_int(nnever, sizeof(nnever), nn);
	fmt_int(ratings, sizeof(ratings), (double)d->R.nnz);
	fmt_fix(mean, sizeof(mean), g->any ? g->mean : NAN, 2);
	fmt_fix(pd30, sizeof(pd30), g->any ? g->per_day30 : NAN, 1);
	fmt_fix(pd7, sizeof(pd7), g->any ? g->per_day7 : NAN, 1);
	fmt_fix(md30, sizeof(md30), g->any ? g->members_day30 : NAN, 2);
	fmt_fix(fd30, sizeof(fd30), g->any ? g->films_day30 : NAN, 2);
	fmt_date(first, sizeof(first), g->any ? mq_chart_ymd(g->first) : 0);
	fmt_date(lastd, sizeof(lastd), g->any ? mq_chart_ymd(g->last) : 0);
	skipped[0] = older[0] = nevermore[0] = '\0';
	if (p->runs.skipped)
		snprintf(skipped, sizeof(skipped), "%zu %s of the history "
		    "file %s skipped as malformed (the first is line %zu).",
		    p->runs.skipped, p->runs.skipped == 1 ? "line" : "lines",
		    p->runs.skipped == 1 ? "was" : "were",
		    p->runs.first_bad);
	if (p->runs.n > MAX_ROWS)
		snprintf(older, sizeof(older), "%zu older %s not shown.",
		    p->runs.n - MAX_ROWS,
		    p->runs.n - MAX_ROWS == 1 ? "run" : "runs");
	if (nn > nlisted)
		snprintf(nevermore, sizeof(nevermore), "and %u more.",
		    nn - nlisted);
	lastwhen[0] = '\0';
	if (last != NULL) {
		fmt_date(lastwhen, sizeof(lastwhen), last->date);
		if (last->retrained == 1)
			snprintf(lastwhen + strlen(lastwhen),
			    sizeof(lastwhen) - strlen(lastwhen),
			    ", retrained");
	}
	mq_buf_add(&sub, "", 0);
	if (last != NULL && last->run != NULL)
		mq_buf_printf(&sub, "Last run %s. ", last->run);
	if (g->any)
		mq_buf_printf(&sub, "Data up to %s.", lastd);

	/* chart captions: the latest values */
	fmt_fix(a[0], sizeof(a[0]), latest(p, offsetof(struct mq_run, ndcg)),
	    4);
	fmt_pct(a[1], sizeof(a[1]),
	    latest(p, offsetof(struct mq_run, coverage)));
	snprintf(cap[0], sizeof(cap[0]), "Latest NDCG@10 %s, catalogue "
	    "coverage %s.", a[0], a[1]);
	fmt_pct(a[0], sizeof(a[0]),
	    latest(p, offsetof(struct mq_run, fb_share)));
	fmt_pct(a[1], sizeof(a[1]),
	    latest(p, offsetof(struct mq_run, fb_members)));
	snprintf(cap[1], sizeof(cap[1]), "Latest: %s of the recommended "
	    "films were rated, by %s of the members.", a[0],
	    a[1]);
	fmt_fix(a[0], sizeof(a[0]),
	    latest(p, offsetof(struct mq_run, max_psi)), 3);
	snprintf(cap[2], sizeof(cap[2]), "Latest maximum PSI %s (above "
	    "0.2 is usually a real shift).", a[0]);
	fmt_secs(a[0], sizeof(a[0]),
	    latest(p, offsetof(struct mq_run, seconds)));
	snprintf(cap[3], sizeof(cap[3]), "Latest run took %s.", a[0]);
	if (p->norder == 0)
		for (k = 0; k < 4; k++)
			snprintf(cap[k], sizeof(cap[k]), "No dated run yet.");

	k = 0;
	v[k++] = (struct mq_tvar){ "subtitle", sub.s };
	v[k++] = (struct mq_tvar){ "alerts", al.len ? al.s : NULL };
	v[k++] = (struct mq_tvar){ "nalerts", nalerts ? "1" : NULL };
	v[k++] = (struct mq_tvar){ "members", members };
	v[k++] = (struct mq_tvar){ "films", films };
	v[k++] = (struct mq_tvar){ "rated_films", rated };
	v[k++] = (struct mq_tvar){ "never_rated", unrated };
	v[k++] = (struct mq_tvar){ "ratings", ratings };
	v[k++] = (struct mq_tvar){ "mean", mean };
	v[k++] = (struct mq_tvar){ "per_day30", pd30 };
	v[k++] = (struct mq_tvar){ "per_day7", pd7 };
	v[k++] = (struct mq_tvar){ "members_day30", md30 };
	v[k++] = (struct mq_tvar){ "films_day30", fd30 };
	v[k++] = (struct mq_tvar){ "first_day", first };
	v[k++] = (struct mq_tvar){ "last_day", lastd };
	v[k++] = (struct mq_tvar){ "last_status", last == NULL ? "no run yet" :
	    last->status ? last->status : "\xe2\x80\x94" };
	v[k++] = (struct mq_tvar){ "last_class", last == NULL ? "unknown" :
	    status_class(last->status) };
	v[k++] = (struct mq_tvar){ "last_when", lastwhen };
	v[k++] = (struct mq_tvar){ "runs", rows.len ? rows.s : NULL };
	v[k++] = (struct mq_tvar){ "skipped", skipped };
	v[k++] = (struct mq_tvar){ "older", older };
	v[k++] = (struct mq_tvar){ "cold", cold.len ? cold.s : NULL };
	v[k++] = (struct mq_tvar){ "never", never.len ? never.s : NULL };
	v[k++] = (struct mq_tvar){ "never_count", nnever };
	v[k++] = (struct mq_tvar){ "never_more", nevermore };
	v[k++] = (struct mq_tvar){ "metrics_caption", cap[0] };
	v[k++] = (struct mq_tvar){ "feedback_caption", cap[1] };
	v[k++] = (struct mq_tvar){ "drift_caption", cap[2] };
	v[k++] = (struct mq_tvar){ "runtime_caption", cap[3] };
	if ((rc = mq_buf_ok(&rows)) || (rc = mq_buf_ok(&cold)) ||
	    (rc = mq_buf_ok(&never)) || (rc = mq_buf_ok(&al)) ||
	    (rc = mq_buf_ok(&sub)))
		goto out;
	rc = mq_tmpl_render(&p->t[T_PAGE], v, k, html);
out:
	free(nv);
	mq_buf_release(&rows);
	mq_buf_release(&cold);
	mq_buf_release(&never);
	mq_buf_release(&al);
	mq_buf_release(&sub);
	return rc;
}

/* The dated runs in date order (stable), and their dates. */
static int
order_runs(struct page *p)
{
	size_t i, k, n = 0;
	size_t t;

	if (p->runs.n == 0)
		return MQ_OK;
	p->order = mq_allocarray(p->runs.n, sizeof(*p->order));
	p->dates = mq_allocarray(p->runs.n, sizeof(*p->dates));
	if (p->order == NULL || p->dates == NULL)
		return mq_oom();
	for (i = 0; i < p->runs.n; i++)
		if (p->runs.run[i].date != 0)
			p->order[n++] = i;
	/* insertion sort: the history is nearly sorted already */
	for (i = 1; i < n; i++) {
		t = p->order[i];
		for (k = i; k > 0 && p->runs.run[p->order[k - 1]].date >
		    p->runs.run[t].date; k--)
			p->order[k] = p->order[k - 1];
		p->order[k] = t;
	}
	for (i = 0; i < n; i++)
		p->dates[i] = p->runs.run[p->order[i]].date;
	p->norder = n;
	return MQ_OK;
}

int
mq_stats_page(const char *dir, const char *runs_jsonl,
    const struct mq_data *d, const char *templates,
    const char *const *alerts, size_t nalerts)
{
	struct page p;
	struct mq_buf html = MQ_BUF_INIT, css = MQ_BUF_INIT;
	const char *path;
	size_t k;
	int rc, fonts = 0;

	memset(&p, 0, sizeof(p));
	p.dir = dir;
	p.d = d;
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		mq_warn("%s", dir);
		return MQ_EIO;
	}
	for (k = 0; k < T_N; k++) {
		mq_buf_reset(&p.path);
		mq_buf_printf(&p.path, "%s/%s", templates, tname[k]);
		if ((rc = mq_buf_ok(&p.path)) ||
		    (rc = mq_tmpl_load(&p.t[k], p.path.s)))
			goto out;
	}
	if (runs_jsonl != NULL &&
	    (rc = mq_runs_load(&p.runs, runs_jsonl)))
		goto out;
	if ((rc = order_runs(&p)) || (rc = figures(d, &p.g)))
		goto out;
	if ((rc = mq_poster_init(&p.fonts, NULL, NULL, 0, 0)))
		goto out;
	fonts = 1;
	if ((rc = charts(&p)))
		goto out;
	if ((rc = render(&p, alerts, nalerts, &html)) ||
	    (rc = mq_buf_ok(&html)))
		goto out;
	/* the stylesheet is a template without variables */
	if ((rc = mq_tmpl_render(&p.t[T_CSS], NULL, 0, &css)) ||
	    (rc = mq_buf_ok(&css)))
		goto out;
	if ((path = out_path(&p, "stats.css")) == NULL) {
		rc = mq_oom();
		goto out;
	}
	if ((rc = mq_file_write(path, css.s, css.len, 0644)))
		goto out;
	if ((path = out_path(&p, "index.html")) == NULL) {
		rc = mq_oom();
		goto out;
	}
	rc = mq_file_write(path, html.s, html.len, 0644);
out:
	if (fonts)
		mq_poster_release(&p.fonts);
	for (k = 0; k < T_N; k++)
		mq_tmpl_release(&p.t[k]);
	mq_runs_release(&p.runs);
	figures_release(&p.g);
	free(p.order);
	free(p.dates);
	mq_buf_release(&p.path);
	mq_buf_release(&html);
	mq_buf_release(&css);
	return rc;
}

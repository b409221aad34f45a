/*
 * mq_data.c - loading and validating a MovieLens data set (mq_data.h).
 *
 * Every file goes through mq_csv_read() and one row handler per file.  A
 * handler either keeps the row or rejects it with a reason; rejects are
 * reported as "path:line: why (field 'name' value 'text')".  Films are read
 * first (their ids check every other file), then links, ratings, tags and
 * the genome.  Ratings are one growing array of struct mq_triple: members
 * get provisional indices in first-seen order, renumbered in ascending
 * userId order once the file is read; duplicates are then found in one
 * linear pass per member before mq_matrix_build().  Nothing is allocated
 * per row: strings go to an arena of large chunks.  A large ratings.csv is
 * parsed in two halves at once (see "ratings.csv in two halves").
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mq_err.h"
#include "mq_csv.h"
#include "mq_data.h"
#include "mq_esc.h"

const char *const mq_data_file_name[MQ_F_NFILES] = {
	"ratings.csv", "movies.csv", "tags.csv", "links.csv",
	"genome-scores.csv", "genome-tags.csv", "metadata.csv"
};

const char *const mq_reject_name[MQ_REJ_NREASONS] = {
	"columns",
	"id",
	"rating",
	"timestamp",
	"unknown-movie",
	"duplicate",
	"encoding",
	"syntax",
	"value",
	"unknown-tag",
};

void
mq_load_opts_init(struct mq_load_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_reject_frac = 0.01;
	o->rejects_path = NULL;
	o->max_report = 20;
	o->quiet = 0;
	o->split_min = (size_t)32 << 20;
}

/* ---------------------------------------------------------------- arena */

#define ARENA_CHUNK	(1u << 20)

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char buf[];
};

struct arena {
	struct chunk *head;
};

/* Copy len bytes at p into a, NUL-terminated; NULL when out of memory. */
static char *
arena_dup(struct arena *a, const char *p, size_t len)
{
	struct chunk *c = a->head;
	size_t cap;
	char *s;

	if (c == NULL || c->cap - c->used < len + 1) {
		cap = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	s = c->buf + c->used;
	memcpy(s, p, len);
	s[len] = '\0';
	c->used += len + 1;
	return s;
}

static void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/* ------------------------------------------------ uint32 -> uint32 hash map */

struct idmap {
	uint32_t *key;		/* 0: empty slot (ids are positive) */
	uint32_t *val;
	size_t cap;		/* a power of two */
	unsigned bits;
	size_t n;
};

static size_t
idmap_slot(const struct idmap *m, uint32_t key)
{
	return (size_t)((uint32_t)(key * 0x9e3779b1u) >> (32 - m->bits));
}

static int
idmap_grow(struct idmap *m)
{
	struct idmap nm;
	size_t i, j;

	memset(&nm, 0, sizeof(nm));
	nm.bits = m->bits ? m->bits + 1 : 10;
	if (nm.bits > 31)
		return MQ_ENOMEM;
	nm.cap = (size_t)1 << nm.bits;
	nm.key = calloc(nm.cap, sizeof(uint32_t));
	nm.val = mq_allocarray(nm.cap, sizeof(uint32_t));
	if (nm.key == NULL || nm.val == NULL) {
		free(nm.key);
		free(nm.val);
		return MQ_ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (m->key[i] == 0)
			continue;
		j = idmap_slot(&nm, m->key[i]);
		while (nm.key[j] != 0)
			j = (j + 1) & (nm.cap - 1);
		nm.key[j] = m->key[i];
		nm.val[j] = m->val[i];
	}
	nm.n = m->n;
	free(m->key);
	free(m->val);
	*m = nm;
	return MQ_OK;
}

/*
 * Insert key -> val unless key is there.  *found is set to 1 and *val to
 * the stored value if it was; 0 otherwise.
 */
static int
idmap_put(struct idmap *m, uint32_t key, uint32_t *val, int *found)
{
	size_t j;
	int rc;

	if (2 * (m->n + 1) > m->cap && (rc = idmap_grow(m)) != MQ_OK)
		return rc;
	j = idmap_slot(m, key);
	while (m->key[j] != 0) {
		if (m->key[j] == key) {
			*val = m->val[j];
			*found = 1;
			return MQ_OK;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->key[j] = key;
	m->val[j] = *val;
	m->n++;
	*found = 0;
	return MQ_OK;
}

/* Value of key, or -1. */
static int64_t
idmap_get(const struct idmap *m, uint32_t key)
{
	size_t j;

	if (m->n == 0)
		return -1;
	j = idmap_slot(m, key);
	while (m->key[j] != 0) {
		if (m->key[j] == key)
			return m->val[j];
		j = (j + 1) & (m->cap - 1);
	}
	return -1;
}

/* Overwrite the value of a key known to be present. */
static void
idmap_set(struct idmap *m, uint32_t key, uint32_t val)
{
	size_t j = idmap_slot(m, key);

	while (m->key[j] != key)
		j = (j + 1) & (m->cap - 1);
	m->val[j] = val;
}

static void
idmap_free(struct idmap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

/* --------------------------------------------------------- field parsing */

/* A positive decimal integer that fits 32 bits: digits only. */
static int
parse_id(const struct mq_csv_field *f, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (f->len == 0 || f->len > 10 + 8)
		return -1;
	for (i = 0; i < f->len; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(f->p[i] - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	if (v == 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* An optional external id (imdbId, tmdbId): empty is 0, else digits. */
static int
parse_extid(const struct mq_csv_field *f, int64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < f->len; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(f->p[i] - '0');
		if (v > INT64_MAX)
			return -1;
	}
	*out = (int64_t)v;
	return 0;
}

/* A decimal integer that fits int64, with an optional minus sign. */
static int
parse_i64(const struct mq_csv_field *f, int64_t *out)
{
	uint64_t v = 0, lim = INT64_MAX;
	size_t i = 0;
	int neg = 0;

	if (f->len > 0 && f->p[0] == '-') {
		neg = 1;
		lim = (uint64_t)INT64_MAX + 1;
		i = 1;
	}
	if (i == f->len)
		return -1;
	for (; i < f->len; i++) {
		unsigned dg;

		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		dg = (unsigned)(f->p[i] - '0');
		if (v > (lim - dg) / 10)
			return -1;
		v = v * 10 + dg;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

/*
 * A rating in half stars: "4", "4.0", "4.5", "4.50"; 1..10 half stars.
 * The value is computed exactly from the digits, never through a double.
 */
static int
parse_half(const struct mq_csv_field *f, uint8_t *out)
{
	unsigned whole = 0, half = 0;
	size_t i = 0, nd = 0;

	for (; i < f->len && f->p[i] >= '0' && f->p[i] <= '9'; i++, nd++) {
		whole = whole * 10 + (unsigned)(f->p[i] - '0');
		if (whole > 10)
			return -1;
	}
	if (nd == 0)
		return -1;
	if (i < f->len) {
		if (f->p[i++] != '.' || i == f->len)
			return -1;
		if (f->p[i] == '5')
			half = 1;
		else if (f->p[i] != '0')
			return -1;
		for (i++; i < f->len; i++)
			if (f->p[i] != '0')
				return -1;
	}
	whole = 2 * whole + half;
	if (whole < 1 || whole > 10)
		return -1;
	*out = (uint8_t)whole;
	return 0;
}

/* A relevance in [0, 1]: a plain decimal number, exponent allowed. */
static int
parse_unit(const struct mq_csv_field *f, float *out)
{
	char *end;
	double v;
	size_t i;

	if (f->len == 0 || f->len > 64 || f->p[0] < '0' || f->p[0] > '9')
		return -1;
	for (i = 0; i < f->len; i++)
		if (!((f->p[i] >= '0' && f->p[i] <= '9') || f->p[i] == '.' ||
		    f->p[i] == 'e' || f->p[i] == 'E' || f->p[i] == '-' ||
		    f->p[i] == '+'))
			return -1;
	/* the field is NUL-terminated by the CSV reader */
	v = strtod(f->p, &end);
	if (end != f->p + f->len || !isfinite(v) || v < 0.0 || v > 1.0)
		return -1;
	*out = (float)v;
	return 0;
}

static int
is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

/* NULL when f is UTF-8 text without control characters, else why not. */
static const char *
text_problem(const struct mq_csv_field *f)
{
	const unsigned char *p = (const unsigned char *)f->p;
	size_t i = 0, n;
	uint32_t cp;

	while (i < f->len) {
		if ((n = mq_utf8_next(p + i, f->len - i, &cp)) == 0)
			return "invalid UTF-8";
		if (cp == 0)
			return "NUL byte";
		if (is_control(cp))
			return "control character";
		i += n;
	}
	return NULL;
}

/*
 * Quote len bytes at p for a message into buf (size >= 320): valid UTF-8
 * is kept, other bytes, controls, quote and backslash are escaped, and
 * more than 60 bytes of input are cut with "...".
 */
static const char *
escape(char *buf, size_t size, const char *p, size_t len)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, o = 0, n, lim = len > 60 ? 60 : len;
	uint32_t cp;

	while (i < lim && o + 8 < size) {
		n = mq_utf8_next(u + i, len - i, &cp);
		if (n > 1 && !is_control(cp)) {
			memcpy(buf + o, p + i, n);
			o += n;
			i += n;
			continue;
		}
		if (n == 1 && !is_control(cp) && u[i] != '\'' && u[i] != '\\')
			buf[o++] = p[i];
		else if (n == 1 && (u[i] == '\'' || u[i] == '\\')) {
			buf[o++] = '\\';
			buf[o++] = p[i];
		} else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", u[i]);
		i++;
	}
	if (i < len && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* --------------------------------------------------------------- loader */

struct loader;
typedef int (*row_fn)(struct loader *, const struct mq_csv_row *);

struct fdesc {
	const char *name;
	int required;
	size_t ncols;
	const char *cols[4];
	const char *header;	/* the expected header, for messages */
};

static const struct fdesc fdesc[MQ_F_NFILES] = {
	[MQ_F_RATINGS] = { "ratings.csv", 1, 4,
	    { "userId", "movieId", "rating", "timestamp" },
	    "userId,movieId,rating,timestamp" },
	[MQ_F_MOVIES] = { "movies.csv", 1, 3,
	    { "movieId", "title", "genres" },
	    "movieId,title,genres" },
	[MQ_F_TAGS] = { "tags.csv", 0, 4,
	    { "userId", "movieId", "tag", "timestamp" },
	    "userId,movieId,tag,timestamp" },
	[MQ_F_LINKS] = { "links.csv", 0, 3,
	    { "movieId", "imdbId", "tmdbId" },
	    "movieId,imdbId,tmdbId" },
	[MQ_F_GSCORES] = { "genome-scores.csv", 0, 3,
	    { "movieId", "tagId", "relevance" },
	    "movieId,tagId,relevance" },
	[MQ_F_GTAGS] = { "genome-tags.csv", 0, 2,
	    { "tagId", "tag" },
	    "tagId,tag" },
	[MQ_F_META] = { "metadata.csv", 0, 4,
	    { "movieId", "overview", "directors", "cast" },
	    "movieId,overview,directors,cast" },
};

/* What on_row() returns when a strict half met a row to reject. */
#define HALF_DIRTY	(-1)

/* A duplicate rating found after the file was read. */
struct dup {
	uint32_t line, winner;	/* lines of the loser and of the winner */
	uint32_t user, movie;	/* raw ids */
};

struct loader {
	struct mq_data *d;
	const struct mq_load_opts *o;
	struct arena *arena;
	FILE *rej;		/* rejects file, or NULL */

	/* the file being read */
	enum mq_file fi;
	char path[4096];
	int header;		/* the header row was seen */
	size_t printed;		/* reject lines printed on stderr */
	size_t nrej;		/* rejects of this file */
	int strict;		/* a second half: stop at the first reject */
	int dirty;		/* ... and this one met one */

	/* films: movieId -> index (first-seen, then dense) */
	struct idmap movies;
	size_t *mline;		/* line of each film in movies.csv */
	size_t mcap;
	unsigned ngen;		/* genres in first-seen order while reading */
	const char *gen[MQ_GENRES_MAX];
	size_t genlen[MQ_GENRES_MAX];

	/* ratings, user = provisional member index until renumbered */
	struct mq_triple *t;
	uint32_t *tline;
	size_t nt, tcap;
	struct idmap users;	/* userId -> provisional index */
	uint32_t *uraw;		/* provisional index -> userId */
	size_t nu, ucap;

	size_t tagcap;
	uint32_t *linkline;	/* links.csv line per film, 0 if none */
	uint32_t *metaline;	/* metadata.csv line per film, 0 if none */

	/* genome tags: tagId -> index (first-seen, then ascending tagId) */
	struct idmap gtags;
	size_t gcap;
};

static uint32_t
line32(size_t line)
{
	return line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
}

/*
 * Reject one row: count it, print it (up to max_report per file), write it
 * to the rejects file.  col is the field index or -1; fmt the reason.
 */
static void
reject(struct loader *L, enum mq_reject why, size_t line,
    const struct mq_csv_row *row, long col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void
reject(struct loader *L, enum mq_reject why, size_t line,
    const struct mq_csv_row *row, long col, const char *fmt, ...)
{
	char msg[512], val[320], where[600];
	const struct fdesc *fd = &fdesc[L->fi];
	va_list ap;

	if (L->strict) {	/* the half is read again, in order */
		L->dirty = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (row != NULL && row->status == MQ_CSV_SYNTAX)
		snprintf(where, sizeof(where), " (line '%s')",
		    escape(val, sizeof(val), row->raw, row->rawlen));
	else if (row != NULL && col >= 0 && (size_t)col < row->nfields) {
		char name[32];

		if ((size_t)col < fd->ncols)
			snprintf(name, sizeof(name), "%s", fd->cols[col]);
		else
			snprintf(name, sizeof(name), "column %ld", col + 1);
		snprintf(where, sizeof(where), " (field '%s' value '%s')",
		    name, escape(val, sizeof(val), row->field[col].p,
		    row->field[col].len));
	} else
		where[0] = '\0';

	L->d->stats[L->fi].rejected[why]++;
	L->nrej++;
	if (L->printed < L->o->max_report) {
		fprintf(stderr, "%s:%zu: %s%s\n", L->path, line, msg, where);
		L->printed++;
	}
	if (L->rej != NULL)
		fprintf(L->rej, "%s:%zu: %s%s\n", L->path, line, msg, where);
}

/* Check the generic shape of a data row; 0 when it may be read. */
static int
row_shape(struct loader *L, const struct mq_csv_row *row)
{
	const struct fdesc *fd = &fdesc[L->fi];
	size_t i;

	if (row->status == MQ_CSV_SYNTAX) {
		reject(L, MQ_REJ_SYNTAX, row->line, row, -1, "malformed CSV: %s",
		    row->why);
		return -1;
	}
	if (row->nul >= 0) {
		reject(L, MQ_REJ_ENCODING, row->line, row, row->nul,
		    "NUL byte");
		return -1;
	}
	if (row->nfields < fd->ncols) {
		reject(L, MQ_REJ_COLUMNS, row->line, row, -1,
		    "%zu column%s, expected %zu (%s)", row->nfields,
		    row->nfields == 1 ? "" : "s", fd->ncols, fd->header);
		return -1;
	}
	for (i = fd->ncols; i < row->nfields; i++)
		if (row->field[i].len != 0) {
			reject(L, MQ_REJ_COLUMNS, row->line, row, (long)i,
			    "extra non-empty column %zu (expected %s)", i + 1,
			    fd->header);
			return -1;
		}
	return 0;
}

static int
check_header(struct loader *L, const struct mq_csv_row *row)
{
	const struct fdesc *fd = &fdesc[L->fi];
	char found[1024], val[320];
	size_t i, o = 0;
	int ok = row->status == MQ_CSV_ROW && row->nul < 0 &&
	    row->nfields >= fd->ncols;

	for (i = 0; ok && i < row->nfields; i++)
		if (i < fd->ncols ? !mq_csv_field_is(&row->field[i],
		    fd->cols[i]) : row->field[i].len != 0)
			ok = 0;
	if (ok)
		return MQ_OK;
	found[0] = '\0';
	if (row->status == MQ_CSV_SYNTAX)
		snprintf(found, sizeof(found), "%s", escape(val, sizeof(val),
		    row->raw, row->rawlen));
	else
		for (i = 0; i < row->nfields && o + 1 < sizeof(found); i++)
			o += (size_t)snprintf(found + o, sizeof(found) - o,
			    "%s%s", i ? "," : "", escape(val, sizeof(val),
			    row->field[i].p, row->field[i].len));
	mq_warnx("%s:%zu: wrong header '%s', expected '%s'", L->path,
	    row->line, found, fd->header);
	return MQ_EDATA;
}

/* ----------------------------------------------------------- movies.csv */

/*
 * The year of a title ending in "(1995)", "(2006-2007)", "(2007-)" or
 * with an en dash, and the length of the title without it; trailing
 * spaces are dropped either way.
 */
static void
split_year(const char *p, size_t len, size_t *tlen, int16_t *year)
{
	size_t e = len, q, k;
	int y = 0;

	*year = 0;
	while (e > 0 && p[e - 1] == ' ')
		e--;
	*tlen = e;
	if (e < 6 || p[e - 1] != ')')
		return;
	for (q = e - 1; q > 0 && p[q - 1] != '('; q--)
		continue;
	if (q == 0)
		return;
	/* p[q .. e-1) is inside the parentheses */
	if (e - 1 - q < 4)
		return;
	for (k = q; k < q + 4; k++) {
		if (p[k] < '0' || p[k] > '9')
			return;
		y = y * 10 + (p[k] - '0');
	}
	k = q + 4;
	if (k != e - 1) {
		/* a range: "-" or an en dash, then nothing or four digits */
		if (p[k] == '-')
			k++;
		else if (e - 1 - k >= 3 && memcmp(p + k, "\xe2\x80\x93", 3) == 0)
			k += 3;
		else
			return;
		if (k != e - 1) {
			if (e - 1 - k != 4)
				return;
			for (; k < e - 1; k++)
				if (p[k] < '0' || p[k] > '9')
					return;
		}
	}
	if (y < 1000)
		return;
	/* the title before "(": keep the whole if nothing is left */
	k = q - 1;
	while (k > 0 && p[k - 1] == ' ')
		k--;
	if (k == 0)
		return;
	*tlen = k;
	*year = (int16_t)y;
}

/*
 * The first two fields of a movies.csv or genome-tags.csv row: a positive
 * integer id (named idname in the message) and a non-empty, valid text
 * (named what).  Returns 1 when the row was rejected, 0 when both are good
 * and *id is set.
 */
static int
id_and_text(struct loader *L, const struct mq_csv_row *row,
    const char *idname, const char *what, uint32_t *id)
{
	const struct mq_csv_field *f = row->field;
	const char *why;

	if (parse_id(&f[0], id)) {
		reject(L, MQ_REJ_ID, row->line, row, 0,
		    "%s not a positive integer", idname);
		return 1;
	}
	if (f[1].len == 0) {
		reject(L, MQ_REJ_VALUE, row->line, row, 1, "empty %s", what);
		return 1;
	}
	if ((why = text_problem(&f[1])) != NULL) {
		reject(L, MQ_REJ_ENCODING, row->line, row, 1, "%s: %s", what,
		    why);
		return 1;
	}
	return 0;
}

static int
movies_row(struct loader *L, const struct mq_csv_row *row)
{
	struct mq_data *d = L->d;
	const struct mq_csv_field *f = row->field;
	const char *why, *s, *bar, *end;
	unsigned idx[MQ_GENRES_MAX], nnew = 0, g, k;
	const char *newp[MQ_GENRES_MAX];
	size_t newl[MQ_GENRES_MAX], tlen, n;
	uint64_t mask = 0;
	uint32_t id, slot;
	int16_t year;
	char *title;
	int found, rc;

	if (id_and_text(L, row, "movieId", "title", &id))
		return MQ_OK;
	if ((why = text_problem(&f[2])) != NULL) {
		reject(L, MQ_REJ_ENCODING, row->line, row, 2, "genres: %s",
		    why);
		return MQ_OK;
	}

	/* genres: resolve every name before anything is added */
	s = f[2].p;
	end = f[2].p + f[2].len;
	while (f[2].len > 0 && !mq_csv_field_is(&f[2], "(no genres listed)")) {
		bar = memchr(s, '|', (size_t)(end - s));
		n = (size_t)((bar ? bar : end) - s);
		if (n == 0) {
			reject(L, MQ_REJ_VALUE, row->line, row, 2,
			    "empty genre name");
			return MQ_OK;
		}
		if (!(n == 18 && memcmp(s, "(no genres listed)", n) == 0)) {
			for (g = 0; g < L->ngen; g++)
				if (L->genlen[g] == n &&
				    memcmp(L->gen[g], s, n) == 0)
					break;
			for (k = 0; g == L->ngen && k < nnew; k++)
				if (newl[k] == n && memcmp(newp[k], s, n) == 0)
					break;
			if (g < L->ngen)
				mask |= (uint64_t)1 << g;
			else if (k == nnew) {
				if (L->ngen + nnew >= MQ_GENRES_MAX) {
					reject(L, MQ_REJ_VALUE, row->line, row,
					    2, "more than %d genres",
					    MQ_GENRES_MAX);
					return MQ_OK;
				}
				newp[nnew] = s;
				newl[nnew] = n;
				idx[nnew] = L->ngen + nnew;
				nnew++;
			}
		}
		if (bar == NULL)
			break;
		s = bar + 1;
	}

	slot = d->nmovies;
	if ((rc = idmap_put(&L->movies, id, &slot, &found)) != MQ_OK)
		return rc;
	if (found) {
		reject(L, MQ_REJ_DUPLICATE, row->line, row, 0,
		    "duplicate movieId %u; line %zu wins", id, L->mline[slot]);
		return MQ_OK;
	}

	for (k = 0; k < nnew; k++) {
		if ((L->gen[L->ngen] = arena_dup(L->arena, newp[k], newl[k])) ==
		    NULL)
			return MQ_ENOMEM;
		L->genlen[L->ngen] = newl[k];
		mask |= (uint64_t)1 << idx[k];
		L->ngen++;
	}
	split_year(f[1].p, f[1].len, &tlen, &year);
	if ((title = arena_dup(L->arena, f[1].p, tlen)) == NULL)
		return MQ_ENOMEM;

	if (d->nmovies == L->mcap) {
		size_t cap = L->mcap ? 2 * L->mcap : 1024;
		void *p;

		if ((p = mq_reallocarray(d->movie_id, cap, sizeof(uint32_t))))
			d->movie_id = p;
		if (p && (p = mq_reallocarray(d->title, cap, sizeof(char *))))
			d->title = p;
		if (p && (p = mq_reallocarray(d->year, cap, sizeof(int16_t))))
			d->year = p;
		if (p && (p = mq_reallocarray(d->genres, cap,
		    sizeof(uint64_t))))
			d->genres = p;
		if (p && (p = mq_reallocarray(L->mline, cap, sizeof(size_t))))
			L->mline = p;
		if (p == NULL)
			return MQ_ENOMEM;
		L->mcap = cap;
	}
	if (d->nmovies == UINT32_MAX)
		return MQ_ENOMEM;
	d->movie_id[d->nmovies] = id;
	d->title[d->nmovies] = title;
	d->year[d->nmovies] = year;
	d->genres[d->nmovies] = mask;
	L->mline[d->nmovies] = row->line;
	d->nmovies++;
	return MQ_OK;
}

struct idpair {
	uint32_t id, idx;
};

static int
cmp_idpair(const void *a, const void *b)
{
	const struct idpair *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct genre {
	const char *name;
	unsigned bit;		/* first-seen index */
};

static int
cmp_genre(const void *a, const void *b)
{
	const struct genre *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Films in ascending movieId order, genres in alphabetical order. */
static int
movies_finish(struct loader *L)
{
	struct mq_data *d = L->d;
	struct idpair *pr = NULL;
	uint32_t *nid = NULL;
	const char **ntitle = NULL;
	int16_t *nyear = NULL;
	uint64_t *ngen = NULL, m;
	struct genre gs[MQ_GENRES_MAX];
	unsigned newbit[MQ_GENRES_MAX], g;
	uint32_t i;
	int rc = MQ_ENOMEM;

	/* genres */
	for (g = 0; g < L->ngen; g++) {
		gs[g].name = L->gen[g];
		gs[g].bit = g;
	}
	qsort(gs, L->ngen, sizeof(gs[0]), cmp_genre);
	for (g = 0; g < L->ngen; g++) {
		newbit[gs[g].bit] = g;
		d->genre_name[g] = gs[g].name;
	}
	d->ngenres = L->ngen;
	for (i = 0; i < d->nmovies; i++) {
		m = 0;
		for (g = 0; g < L->ngen; g++)
			if (d->genres[i] & ((uint64_t)1 << g))
				m |= (uint64_t)1 << newbit[g];
		d->genres[i] = m;
	}

	/* films */
	pr = mq_allocarray(d->nmovies, sizeof(*pr));
	nid = mq_allocarray(d->nmovies, sizeof(*nid));
	ntitle = mq_allocarray(d->nmovies, sizeof(*ntitle));
	nyear = mq_allocarray(d->nmovies, sizeof(*nyear));
	ngen = mq_allocarray(d->nmovies, sizeof(*ngen));
	d->imdb_id = calloc((size_t)d->nmovies + 1, sizeof(int64_t));
	d->tmdb_id = calloc((size_t)d->nmovies + 1, sizeof(int64_t));
	L->linkline = calloc((size_t)d->nmovies + 1, sizeof(uint32_t));
	if (!pr || !nid || !ntitle || !nyear || !ngen || !d->imdb_id ||
	    !d->tmdb_id || !L->linkline)
		goto out;
	for (i = 0; i < d->nmovies; i++) {
		pr[i].id = d->movie_id[i];
		pr[i].idx = i;
	}
	qsort(pr, d->nmovies, sizeof(*pr), cmp_idpair);
	for (i = 0; i < d->nmovies; i++) {
		nid[i] = pr[i].id;
		ntitle[i] = d->title[pr[i].idx];
		nyear[i] = d->year[pr[i].idx];
		ngen[i] = d->genres[pr[i].idx];
		idmap_set(&L->movies, pr[i].id, i);
	}
	free(d->movie_id);
	free(d->title);
	free(d->year);
	free(d->genres);
	d->movie_id = nid;
	d->title = ntitle;
	d->year = nyear;
	d->genres = ngen;
	nid = NULL;
	ntitle = NULL;
	nyear = NULL;
	ngen = NULL;
	free(L->mline);
	L->mline = NULL;
	rc = MQ_OK;
out:
	free(pr);
	free(nid);
	free(ntitle);
	free(nyear);
	free(ngen);
	return rc;
}

/* ------------------------------------------------------------ links.csv */

static int
links_row(struct loader *L, const struct mq_csv_row *row)
{
	const struct mq_csv_field *f = row->field;
	int64_t item, imdb, tmdb;
	uint32_t id;

	if (parse_id(&f[0], &id)) {
		reject(L, MQ_REJ_ID, row->line, row, 0,
		    "movieId not a positive integer");
		return MQ_OK;
	}
	if (parse_extid(&f[1], &imdb)) {
		reject(L, MQ_REJ_ID, row->line, row, 1,
		    "imdbId not empty nor a non-negative integer");
		return MQ_OK;
	}
	if (parse_extid(&f[2], &tmdb)) {
		reject(L, MQ_REJ_ID, row->line, row, 2,
		    "tmdbId not empty nor a non-negative integer");
		return MQ_OK;
	}
	if ((item = idmap_get(&L->movies, id)) < 0) {
		reject(L, MQ_REJ_UNKNOWN_MOVIE, row->line, row, 0,
		    "movieId %u not in movies.csv", id);
		return MQ_OK;
	}
	if (L->linkline[item] != 0) {
		reject(L, MQ_REJ_DUPLICATE, row->line, row, 0,
		    "duplicate movieId %u; line %u wins", id,
		    L->linkline[item]);
		return MQ_OK;
	}
	L->linkline[item] = line32(row->line);
	L->d->imdb_id[item] = imdb;
	L->d->tmdb_id[item] = tmdb;
	return MQ_OK;
}

/* ---------------------------------------------------------- ratings.csv */

/* The provisional index of member uid into *prov, new ones numbered on. */
static int
user_index(struct loader *L, uint32_t uid, uint32_t *prov)
{
	int found, rc;

	*prov = (uint32_t)L->nu;
	if ((rc = idmap_put(&L->users, uid, prov, &found)) != MQ_OK)
		return rc;
	if (!found) {
		if (L->nu == L->ucap) {
			size_t cap = L->ucap ? 2 * L->ucap : 1024;
			uint32_t *p = mq_reallocarray(L->uraw, cap,
			    sizeof(*p));

			if (p == NULL)
				return MQ_ENOMEM;
			L->uraw = p;
			L->ucap = cap;
		}
		L->uraw[L->nu++] = uid;
	}
	return MQ_OK;
}

/* Room for need ratings in L->t and L->tline, growing by half. */
static int
ratings_room(struct loader *L, size_t need)
{
	size_t cap = L->tcap ? L->tcap + L->tcap / 2 : 65536;
	void *p;

	if (need <= L->tcap)
		return MQ_OK;
	if (cap < need)
		cap = need;
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	if (need > cap)
		return MQ_ENOMEM;
	if ((p = mq_reallocarray(L->t, cap, sizeof(*L->t))) == NULL)
		return MQ_ENOMEM;
	L->t = p;
	if ((p = mq_reallocarray(L->tline, cap, sizeof(uint32_t))) == NULL)
		return MQ_ENOMEM;
	L->tline = p;
	L->tcap = cap;
	return MQ_OK;
}

static int
ratings_row(struct loader *L, const struct mq_csv_row *row)
{
	const struct mq_csv_field *f = row->field;
	struct mq_triple *t;
	uint32_t uid, mid, prov;
	int64_t item, ts;
	uint8_t half;
	int rc;

	if (parse_id(&f[0], &uid)) {
		reject(L, MQ_REJ_ID, row->line, row, 0,
		    "userId not a positive integer");
		return MQ_OK;
	}
	if (parse_id(&f[1], &mid)) {
		reject(L, MQ_REJ_ID, row->line, row, 1,
		    "movieId not a positive integer");
		return MQ_OK;
	}
	if (parse_half(&f[2], &half)) {
		reject(L, MQ_REJ_RATING, row->line, row, 2,
		    "rating not in 0.5..5.0 by half stars");
		return MQ_OK;
	}
	if (parse_i64(&f[3], &ts)) {
		reject(L, MQ_REJ_TIMESTAMP, row->line, row, 3,
		    "timestamp not an integer");
		return MQ_OK;
	}
	if ((item = idmap_get(&L->movies, mid)) < 0) {
		reject(L, MQ_REJ_UNKNOWN_MOVIE, row->line, row, 1,
		    "movieId %u not in movies.csv", mid);
		return MQ_OK;
	}
	if ((rc = user_index(L, uid, &prov)) != MQ_OK ||
	    (rc = ratings_room(L, L->nt + 1)) != MQ_OK)
		return rc;
	t = &L->t[L->nt];
	t->user = prov;
	t->item = (uint32_t)item;
	t->ts = ts;
	t->half = half;
	L->tline[L->nt] = line32(row->line);
	L->nt++;
	return MQ_OK;
}

static int
cmp_dup(const void *a, const void *b)
{
	const struct dup *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * Renumber the members in ascending userId order, reject the duplicate
 * ratings (the latest timestamp wins, on a tie the later line), build R.
 */
static int
ratings_finish(struct loader *L)
{
	struct mq_data *d = L->d;
	struct idpair *pr = NULL;
	uint32_t *dense = NULL, *ord = NULL, *mark = NULL, *pos = NULL;
	size_t *off = NULL, k, p, nd = 0, dcap = 0, w, loser;
	struct dup *dups = NULL;
	uint32_t u, i;
	int rc = MQ_ENOMEM;

	/* members */
	d->nusers = (uint32_t)L->nu;
	pr = mq_allocarray(L->nu, sizeof(*pr));
	dense = mq_allocarray(L->nu, sizeof(*dense));
	d->user_id = mq_allocarray(L->nu, sizeof(*d->user_id));
	if (!pr || !dense || !d->user_id)
		goto out;
	for (u = 0; u < d->nusers; u++) {
		pr[u].id = L->uraw[u];
		pr[u].idx = u;
	}
	qsort(pr, L->nu, sizeof(*pr), cmp_idpair);
	for (u = 0; u < d->nusers; u++) {
		d->user_id[u] = pr[u].id;
		dense[pr[u].idx] = u;
	}
	for (k = 0; k < L->nt; k++)
		L->t[k].user = dense[L->t[k].user];
	free(pr);
	pr = NULL;
	free(dense);
	dense = NULL;
	idmap_free(&L->users);
	free(L->uraw);
	L->uraw = NULL;

	/* the ratings grouped by member, in file order within a member */
	off = calloc((size_t)d->nusers + 1, sizeof(*off));
	ord = mq_allocarray(L->nt, sizeof(*ord));
	mark = calloc((size_t)d->nmovies + 1, sizeof(*mark));
	pos = mq_allocarray((size_t)d->nmovies + 1, sizeof(*pos));
	if (!off || !ord || !mark || !pos)
		goto out;
	for (k = 0; k < L->nt; k++)
		off[L->t[k].user + 1]++;
	for (u = 0; u < d->nusers; u++)
		off[u + 1] += off[u];
	for (k = 0; k < L->nt; k++)
		ord[off[L->t[k].user]++] = (uint32_t)k;
	for (u = d->nusers; u > 0; u--)
		off[u] = off[u - 1];
	off[0] = 0;

	for (u = 0; u < d->nusers; u++) {
		size_t first = nd;

		for (p = off[u]; p < off[u + 1]; p++) {
			k = ord[p];
			i = L->t[k].item;
			if (mark[i] != u + 1) {
				mark[i] = u + 1;
				pos[i] = (uint32_t)k;
				continue;
			}
			/* k comes later in the file than pos[i] */
			w = pos[i];
			if (L->t[k].ts >= L->t[w].ts) {
				pos[i] = (uint32_t)k;
				loser = w;
			} else
				loser = k;
			L->t[loser].half = 0;
			if (nd == dcap) {
				size_t cap = dcap ? 2 * dcap : 64;
				struct dup *np = mq_reallocarray(dups, cap,
				    sizeof(*np));

				if (np == NULL)
					goto out;
				dups = np;
				dcap = cap;
			}
			dups[nd].line = (uint32_t)loser;	/* for now */
			dups[nd].user = u;
			dups[nd].movie = i;
			nd++;
		}
		/* now that every winner of u is known */
		for (; first < nd; first++) {
			k = dups[first].line;
			i = dups[first].movie;
			dups[first].line = L->tline[k];
			dups[first].winner = L->tline[pos[i]];
			dups[first].user = d->user_id[u];
			dups[first].movie = d->movie_id[i];
		}
	}
	free(ord);
	ord = NULL;
	free(mark);
	mark = NULL;
	free(pos);
	pos = NULL;
	free(off);
	off = NULL;

	if (nd > 0) {
		qsort(dups, nd, sizeof(*dups), cmp_dup);
		for (k = 0; k < nd; k++)
			reject(L, MQ_REJ_DUPLICATE, dups[k].line, NULL, -1,
			    "duplicate rating of (user %u, movie %u); "
			    "line %u wins", dups[k].user, dups[k].movie,
			    dups[k].winner);
		for (k = p = 0; k < L->nt; k++)
			if (L->t[k].half != 0)
				L->t[p++] = L->t[k];
		L->nt = p;
	}
	free(L->tline);
	L->tline = NULL;
	rc = MQ_OK;
out:
	free(pr);
	free(dense);
	free(ord);
	free(mark);
	free(pos);
	free(off);
	free(dups);
	return rc;
}

/* ------------------------------------------------------------- tags.csv */

static int
tags_row(struct loader *L, const struct mq_csv_row *row)
{
	struct mq_data *d = L->d;
	const struct mq_csv_field *f = row->field;
	struct mq_tag *tg;
	const char *why;
	uint32_t uid, mid;
	int64_t item, ts;
	char *text;

	if (parse_id(&f[0], &uid)) {
		reject(L, MQ_REJ_ID, row->line, row, 0,
		    "userId not a positive integer");
		return MQ_OK;
	}
	if (parse_id(&f[1], &mid)) {
		reject(L, MQ_REJ_ID, row->line, row, 1,
		    "movieId not a positive integer");
		return MQ_OK;
	}
	if (f[2].len == 0) {
		reject(L, MQ_REJ_VALUE, row->line, row, 2, "empty tag");
		return MQ_OK;
	}
	if ((why = text_problem(&f[2])) != NULL) {
		reject(L, MQ_REJ_ENCODING, row->line, row, 2, "tag: %s", why);
		return MQ_OK;
	}
	if (parse_i64(&f[3], &ts)) {
		reject(L, MQ_REJ_TIMESTAMP, row->line, row, 3,
		    "timestamp not an integer");
		return MQ_OK;
	}
	if ((item = idmap_get(&L->movies, mid)) < 0) {
		reject(L, MQ_REJ_UNKNOWN_MOVIE, row->line, row, 1,
		    "movieId %u not in movies.csv", mid);
		return MQ_OK;
	}
	if ((text = arena_dup(L->arena, f[2].p, f[2].len)) == NULL)
		return MQ_ENOMEM;
	if (d->ntags == L->tagcap) {
		size_t cap = L->tagcap ? 2 * L->tagcap : 1024;
		struct mq_tag *p = mq_reallocarray(d->tags, cap, sizeof(*p));

		if (p == NULL)
			return MQ_ENOMEM;
		d->tags = p;
		L->tagcap = cap;
	}
	tg = &d->tags[d->ntags++];
	tg->user_id = uid;
	tg->item = (uint32_t)item;
	tg->ts = ts;
	tg->text = text;
	return MQ_OK;
}

/* ------------------------------------------------------ genome-tags.csv */

static int
gtags_row(struct loader *L, const struct mq_csv_row *row)
{
	struct mq_data *d = L->d;
	const struct mq_csv_field *f = row->field;
	uint32_t id, slot;
	char *text;
	int found, rc;

	if (id_and_text(L, row, "tagId", "tag", &id))
		return MQ_OK;
	slot = d->ngtags;
	if ((rc = idmap_put(&L->gtags, id, &slot, &found)) != MQ_OK)
		return rc;
	if (found) {
		reject(L, MQ_REJ_DUPLICATE, row->line, row, 0,
		    "duplicate tagId %u; the first one is kept", id);
		return MQ_OK;
	}
	if ((text = arena_dup(L->arena, f[1].p, f[1].len)) == NULL)
		return MQ_ENOMEM;
	if (d->ngtags == L->gcap) {
		size_t cap = L->gcap ? 2 * L->gcap : 256;
		void *p;

		if ((p = mq_reallocarray(d->gtag_id, cap, sizeof(uint32_t))))
			d->gtag_id = p;
		if (p && (p = mq_reallocarray(d->gtag_name, cap,
		    sizeof(char *))))
			d->gtag_name = p;
		if (p == NULL)
			return MQ_ENOMEM;
		L->gcap = cap;
	}
	d->gtag_id[d->ngtags] = id;
	d->gtag_name[d->ngtags] = text;
	d->ngtags++;
	return MQ_OK;
}

/* Genome tags in ascending tagId order. */
static int
gtags_finish(struct loader *L)
{
	struct mq_data *d = L->d;
	struct idpair *pr;
	const char **names;
	uint32_t i;

	pr = mq_allocarray(d->ngtags, sizeof(*pr));
	names = mq_allocarray(d->ngtags, sizeof(*names));
	if (pr == NULL || names == NULL) {
		free(pr);
		free(names);
		return MQ_ENOMEM;
	}
	for (i = 0; i < d->ngtags; i++) {
		pr[i].id = d->gtag_id[i];
		pr[i].idx = i;
	}
	qsort(pr, d->ngtags, sizeof(*pr), cmp_idpair);
	for (i = 0; i < d->ngtags; i++) {
		d->gtag_id[i] = pr[i].id;
		names[i] = d->gtag_name[pr[i].idx];
		idmap_set(&L->gtags, pr[i].id, i);
	}
	free(d->gtag_name);
	d->gtag_name = names;
	free(pr);
	return MQ_OK;
}

/* ---------------------------------------------------- genome-scores.csv */

static int
gscores_row(struct loader *L, const struct mq_csv_row *row)
{
	struct mq_data *d = L->d;
	const struct mq_csv_field *f = row->field;
	uint32_t mid, tid;
	int64_t item, tag;
	float *cell, v;

	if (parse_id(&f[0], &mid)) {
		reject(L, MQ_REJ_ID, row->line, row, 0,
		    "movieId not a positive integer");
		return MQ_OK;
	}
	if (parse_id(&f[1], &tid)) {
		reject(L, MQ_REJ_ID, row->line, row, 1,
		    "tagId not a positive integer");
		return MQ_OK;
	}
	if (parse_unit(&f[2], &v)) {
		reject(L, MQ_REJ_VALUE, row->line, row, 2,
		    "relevance not a number in 0..1");
		return MQ_OK;
	}
	if ((item = idmap_get(&L->movies, mid)) < 0) {
		reject(L, MQ_REJ_UNKNOWN_MOVIE, row->line, row, 0,
		    "movieId %u not in movies.csv", mid);
		return MQ_OK;
	}
	if ((tag = idmap_get(&L->gtags, tid)) < 0) {
		reject(L, MQ_REJ_UNKNOWN_TAG, row->line, row, 1,
		    "tagId %u not in genome-tags.csv", tid);
		return MQ_OK;
	}
	cell = &d->genome[(size_t)item * d->ngtags + (size_t)tag];
	if (!isnan(*cell)) {
		reject(L, MQ_REJ_DUPLICATE, row->line, row, 0,
		    "duplicate score of (movie %u, tag %u); the first one is "
		    "kept", mid, tid);
		return MQ_OK;
	}
	*cell = v;
	return MQ_OK;
}

/* --------------------------------------------------------- metadata.csv */

/*
 * NULL when f is acceptable free text: like text_problem(), but a synopsis
 * may hold line breaks and tabs.
 */
static const char *
prose_problem(const struct mq_csv_field *f)
{
	const unsigned char *p = (const unsigned char *)f->p;
	size_t i = 0, n;
	uint32_t cp;

	while (i < f->len) {
		if ((n = mq_utf8_next(p + i, f->len - i, &cp)) == 0)
			return "invalid UTF-8";
		if (is_control(cp) && cp != '\n' && cp != '\r' && cp != '\t')
			return cp == 0 ? "NUL byte" : "control character";
		i += n;
	}
	return NULL;
}

static int
meta_row(struct loader *L, const struct mq_csv_row *row)
{
	struct mq_data *d = L->d;
	const struct mq_csv_field *f = row->field;
	const char **dst[3] = { d->overview, d->directors, d->cast };
	const char *why, *s[3] = { NULL, NULL, NULL };
	uint32_t id;
	int64_t item;
	int k;

	if (parse_id(&f[0], &id)) {
		reject(L, MQ_REJ_ID, row->line, row, 0,
		    "movieId not a positive integer");
		return MQ_OK;
	}
	for (k = 1; k <= 3; k++) {
		why = k == 1 ? prose_problem(&f[k]) : text_problem(&f[k]);
		if (why != NULL) {
			reject(L, MQ_REJ_ENCODING, row->line, row, k, "%s: %s",
			    fdesc[MQ_F_META].cols[k], why);
			return MQ_OK;
		}
	}
	if ((item = idmap_get(&L->movies, id)) < 0) {
		reject(L, MQ_REJ_UNKNOWN_MOVIE, row->line, row, 0,
		    "movieId %u not in movies.csv", id);
		return MQ_OK;
	}
	if (L->metaline[item] != 0) {
		reject(L, MQ_REJ_DUPLICATE, row->line, row, 0,
		    "duplicate movieId %u; line %u wins", id,
		    L->metaline[item]);
		return MQ_OK;
	}
	for (k = 0; k < 3; k++)
		if (f[k + 1].len > 0 && (s[k] = arena_dup(L->arena,
		    f[k + 1].p, f[k + 1].len)) == NULL)
			return MQ_ENOMEM;
	for (k = 0; k < 3; k++)
		dst[k][item] = s[k];
	L->metaline[item] = line32(row->line);
	return MQ_OK;
}

/* ------------------------------------------------------------- driving */

static const row_fn handlers[MQ_F_NFILES] = {
	[MQ_F_RATINGS] = ratings_row,
	[MQ_F_MOVIES] = movies_row,
	[MQ_F_TAGS] = tags_row,
	[MQ_F_LINKS] = links_row,
	[MQ_F_GSCORES] = gscores_row,
	[MQ_F_GTAGS] = gtags_row,
	[MQ_F_META] = meta_row,
};

static int
on_row(const struct mq_csv_row *row, void *arg)
{
	struct loader *L = arg;
	int rc;

	if (!L->header) {
		L->header = 1;
		return check_header(L, row);
	}
	L->d->stats[L->fi].rows++;
	if (row_shape(L, row))
		rc = MQ_OK;
	else
		rc = handlers[L->fi](L, row);
	return rc == MQ_OK && L->dirty ? HALF_DIRTY : rc;
}

/*
 * Room for every rating of size bytes of ratings.csv at once: a row takes
 * at least 8 bytes ("1,1,1,1" and its line end), so size / 8 rows is an
 * upper bound.
 * Only the pages written are ever backed (on huge pages: mq_allocarray),
 * one allocation saves the dozen reallocations of growing by half, and
 * trim_ratings() gives the rest back once the file is read.  Above
 * MAX_RESERVE rows, or when the allocation is refused, the array grows as
 * it did.
 */
#define MAX_RESERVE	((size_t)1 << 27)

static void
reserve_ratings(struct loader *L, off_t size)
{
	size_t cap;
	void *t, *line;

	if (L->tcap != 0 || size <= 0)
		return;
	cap = (size_t)size / 8 + 1;
	if (cap > MAX_RESERVE)
		cap = MAX_RESERVE;
	t = mq_allocarray(cap, sizeof(*L->t));
	line = mq_allocarray(cap, sizeof(uint32_t));
	if (t == NULL || line == NULL) {
		free(t);
		free(line);
		return;
	}
	L->t = t;
	L->tline = line;
	L->tcap = cap;
}

/* Give back the reserved room the ratings did not take. */
static void
trim_ratings(struct loader *L)
{
	void *p;

	if (L->nt == 0 || L->nt == L->tcap)
		return;
	if ((p = mq_reallocarray(L->t, L->nt, sizeof(*L->t))) != NULL)
		L->t = p;
	if ((p = mq_reallocarray(L->tline, L->nt, sizeof(uint32_t))) != NULL)
		L->tline = p;
	L->tcap = L->nt;
}

/* ------------------------------------------------ ratings.csv in two halves */

/*
 * ratings.csv is most of the load (20 M rows at MovieLens 20M size), so
 * when it holds split_min bytes or more, a second thread parses its second
 * half into a loader of its own while this one parses the first.  The
 * result is the sequential one, exactly:
 *  - The split is at a line end near the middle, where no row can be open:
 *    a row goes on past a line only inside quotes, and mq_csv cuts a row
 *    at MQ_CSV_MAXSPAN lines, so if the SPLIT_CLEAN lines before the split
 *    hold no '"', a row begins right there.  Otherwise the file is read in
 *    one go.
 *  - The second half keeps nothing it would have to reject: at the first
 *    reject of any kind (which would have to be reported in file order,
 *    counted against max_report, with its line number) it stops, and this
 *    thread reads that half itself after its own, as it always did.
 *  - Its members' provisional indices are mapped into this loader's in
 *    first-seen order, and its ratings and their line numbers appended
 *    after the first half's, so the array is the file's order.
 */
#define SPLIT_CLEAN	(2 * MQ_CSV_MAXSPAN)
#define SPLIT_SCAN	((size_t)1 << 20)	/* bytes read to find the split */

struct half {
	struct loader L;	/* the second half's own loader */
	struct mq_data d;	/* where its row count goes */
	FILE *fp;		/* at the split */
	int rc;
};

/*
 * Where to split the size bytes of fd: *at is a line start near the
 * middle with no quote in the SPLIT_CLEAN lines before it.  Returns 0 when
 * there is such a place, -1 when the file is best read in one go.
 */
static int
split_point(int fd, off_t size, off_t *at)
{
	off_t mid = size / 2, from = mid > (off_t)SPLIT_SCAN ?
	    mid - (off_t)SPLIT_SCAN : 0;
	size_t want = (size_t)(mid - from) + SPLIT_SCAN, n = 0, lf = 0, k;
	char *buf = malloc(want);
	const char *nl;
	ssize_t got;
	int rc = -1;

	if (buf == NULL)
		return -1;
	while (n < want && (got = pread(fd, buf + n, want - n,
	    from + (off_t)n)) > 0)
		n += (size_t)got;
	k = (size_t)(mid - from);
	if (k >= n || (nl = memchr(buf + k, '\n', n - k)) == NULL)
		goto out;
	k = (size_t)(nl - buf) + 1;	/* the line after the LF */
	if (from + (off_t)k >= size)
		goto out;
	*at = from + (off_t)k;
	while (k > 0 && lf <= SPLIT_CLEAN) {
		k--;
		if (buf[k] == '"')
			goto out;
		lf += buf[k] == '\n';
	}
	/* enough clean lines seen, or every line back to the file's start */
	if (lf > SPLIT_CLEAN || from == 0)
		rc = 0;
out:
	free(buf);
	return rc;
}

static void *
half_main(void *arg)
{
	struct half *h = arg;

	/* numbered from 2, so that no byte order mark is stripped */
	h->rc = mq_csv_read_range(h->fp, h->L.path, -1, 1, NULL, on_row,
	    &h->L);
	return NULL;
}

static void
half_release(struct half *h)
{
	if (h->fp != NULL)
		fclose(h->fp);
	idmap_free(&h->L.users);
	free(h->L.uraw);
	free(h->L.t);
	free(h->L.tline);
	free(h);
}

/*
 * Start parsing the second half of the file on fd, from at, on a thread
 * of its own; NULL when it cannot start (the caller reads the file in one
 * go).  The half opens the path again, and must find the same file there
 * (not one renamed over it since).
 */
static struct half *
half_start(struct loader *L, int fd, off_t size, off_t at, pthread_t *th)
{
	struct half *h = calloc(1, sizeof(*h));
	struct stat a, b;

	if (h == NULL)
		return NULL;
	h->L.d = &h->d;
	h->L.o = L->o;
	h->L.fi = L->fi;
	h->L.header = 1;
	h->L.strict = 1;
	h->L.movies = L->movies;	/* read only, by both */
	memcpy(h->L.path, L->path, sizeof(h->L.path));
	if ((h->fp = fopen(L->path, "r")) == NULL ||
	    fstat(fd, &a) != 0 || fstat(fileno(h->fp), &b) != 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino ||
	    fseeko(h->fp, at, SEEK_SET) != 0)
		goto fail;
	reserve_ratings(&h->L, size - at);
	if (pthread_create(th, NULL, half_main, h) != 0)
		goto fail;
	return h;
fail:
	memset(&h->L.movies, 0, sizeof(h->L.movies));
	half_release(h);
	return NULL;
}

/* Copying [from, to) of a half's ratings after the first half's. */
struct copy {
	struct loader *L;
	const struct half *h;
	const uint32_t *map;	/* its provisional members -> L's */
	size_t base;		/* where its first rating goes in L */
	size_t off;		/* added to its line numbers */
	size_t from, to;
};

static void *
copy_main(void *arg)
{
	const struct copy *c = arg;
	const struct loader *H = &c->h->L;
	size_t k;

	for (k = c->from; k < c->to; k++) {
		c->L->t[c->base + k] = H->t[k];
		c->L->t[c->base + k].user = c->map[H->t[k].user];
		c->L->tline[c->base + k] = line32(H->tline[k] + c->off);
	}
	return NULL;
}

/*
 * Take over the second half's ratings; lines is the number of the first
 * half's last line.  The copy (10 M ratings at MovieLens 20M size, into
 * pages not touched yet) is split between two threads.
 */
static int
half_adopt(struct loader *L, struct half *h, size_t lines)
{
	uint32_t *map = mq_allocarray(h->L.nu ? h->L.nu : 1, sizeof(*map));
	struct copy c[2];
	pthread_t th;
	size_t k;
	int rc = MQ_ENOMEM, started;

	if (map == NULL)
		goto out;
	for (k = 0; k < h->L.nu; k++)
		if ((rc = user_index(L, h->L.uraw[k], &map[k])) != MQ_OK)
			goto out;
	if ((rc = ratings_room(L, L->nt + h->L.nt)) != MQ_OK)
		goto out;
	/* the half's lines were numbered from 2 */
	c[0] = (struct copy){ L, h, map, L->nt, lines - 1, 0, h->L.nt / 2 };
	c[1] = c[0];
	c[1].from = c[0].to;
	c[1].to = h->L.nt;
	started = pthread_create(&th, NULL, copy_main, &c[1]) == 0;
	copy_main(&c[0]);
	if (started)
		pthread_join(th, NULL);
	else
		copy_main(&c[1]);
	L->nt += h->L.nt;
	L->d->stats[L->fi].rows += h->d.stats[L->fi].rows;
	L->d->stats[L->fi].parts = 2;
	rc = MQ_OK;
out:
	free(map);
	return rc;
}

/* Read ratings.csv on fp: in two halves when it is large, else in one. */
static int
read_ratings(struct loader *L, FILE *fp)
{
	struct stat sb;
	struct half *h = NULL;
	pthread_t th;
	off_t at;
	size_t lines;
	int rc;

	if (fstat(fileno(fp), &sb) != 0)
		sb.st_size = 0;
	reserve_ratings(L, sb.st_size);
	L->d->stats[L->fi].parts = 1;
	if (L->o->split_min > 0 && sb.st_size > 0 &&
	    (size_t)sb.st_size >= L->o->split_min &&
	    split_point(fileno(fp), sb.st_size, &at) == 0)
		h = half_start(L, fileno(fp), sb.st_size, at, &th);
	if (h == NULL)
		return mq_csv_read(fp, L->path, on_row, L);
	rc = mq_csv_read_range(fp, L->path, at, 0, &lines, on_row, L);
	pthread_join(th, NULL);
	memset(&h->L.movies, 0, sizeof(h->L.movies));	/* not its own */
	/* the first half must have held the header, else the second
	   half read it as data: that half is read again too */
	if (rc == MQ_OK && h->rc == MQ_OK && L->header)
		rc = half_adopt(L, h, lines);
	else if (rc == MQ_OK)	/* a reject, or any failure: in order */
		rc = mq_csv_read_range(fp, L->path, -1, lines, NULL, on_row,
		    L);
	half_release(h);
	return rc;
}

/*
 * Read one file.  *absent is set when an optional file does not exist.
 */
static int
read_file(struct loader *L, enum mq_file fi, int *absent)
{
	const struct fdesc *fd = &fdesc[fi];
	struct mq_file_stats *st = &L->d->stats[fi];
	FILE *fp;
	int rc;

	*absent = 0;
	L->fi = fi;
	L->header = 0;
	L->printed = 0;
	L->nrej = 0;
	if ((fp = fopen(L->path, "r")) == NULL) {
		if (errno == ENOENT && !fd->required) {
			*absent = 1;
			return MQ_OK;
		}
		if (errno == ENOENT) {
			mq_warnx("%s: missing (a data set needs %s and %s)",
			    L->path, fdesc[MQ_F_MOVIES].name,
			    fdesc[MQ_F_RATINGS].name);
			return MQ_EDATA;
		}
		if (errno == ENOMEM)
			return MQ_ENOMEM;
		mq_warn("%s", L->path);
		return MQ_EIO;
	}
	st->present = 1;
	if (fi == MQ_F_RATINGS)
		rc = read_ratings(L, fp);
	else
		rc = mq_csv_read(fp, L->path, on_row, L);
	fclose(fp);
	if (fi == MQ_F_RATINGS)
		trim_ratings(L);
	if (rc != MQ_OK)
		return rc;
	if (!L->header) {
		mq_warnx("%s:1: empty file, expected the header '%s'",
		    L->path, fd->header);
		return MQ_EDATA;
	}
	if (fd->required && st->rows == 0) {
		mq_warnx("%s: no data rows after the header", L->path);
		return MQ_EDATA;
	}
	return MQ_OK;
}

/* " rating 3, duplicate 1": the non-zero reject counts of st, in buf. */
static const char *
reasons(const struct mq_file_stats *st, char *buf, size_t size)
{
	size_t o = 0;
	int r, n;

	buf[0] = '\0';
	for (r = 0; r < MQ_REJ_NREASONS; r++) {
		if (st->rejected[r] == 0)
			continue;
		n = snprintf(buf + o, size - o, "%s %s %zu", o ? "," : "",
		    mq_reject_name[r], st->rejected[r]);
		if (n < 0 || (size_t)n >= size - o)
			break;
		o += (size_t)n;
	}
	return buf;
}

/* After a file: the "and N more" line, kept rows and the threshold. */
static int
file_verdict(struct loader *L)
{
	struct mq_file_stats *st = &L->d->stats[L->fi];
	double frac;

	if (L->printed > 0 && L->nrej > L->printed)
		fprintf(stderr, "%s: ... and %zu more rejected row%s%s\n",
		    L->path, L->nrej - L->printed,
		    L->nrej - L->printed == 1 ? "" : "s",
		    L->o->rejects_path ? " (all in the rejects file)" : "");
	st->kept = st->rows - L->nrej;
	if (st->rows == 0 || L->nrej == 0)
		return MQ_OK;
	frac = (double)L->nrej / (double)st->rows;
	if (frac > L->o->max_reject_frac) {
		double pct = 100.0 * L->o->max_reject_frac;
		char thr[32], why[256];

		/* "1.0 %", but "1.49 %" when one decimal would round */
		if (fabs(pct * 10 - round(pct * 10)) < 1e-6)
			snprintf(thr, sizeof(thr), "%.1f", pct);
		else
			snprintf(thr, sizeof(thr), "%.3g", pct);
		mq_warnx("%s: %zu of %zu rows rejected (%.1f %%), above the "
		    "%s %% threshold", L->path, L->nrej, st->rows,
		    100.0 * frac, thr);
		mq_warnx("%s: rejected by reason:%s", L->path,
		    reasons(st, why, sizeof(why)));
		return MQ_EDATA;
	}
	return MQ_OK;
}

static int
set_path(struct loader *L, const char *dir, enum mq_file fi)
{
	size_t dl = strlen(dir);
	int n;

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (dl > INT32_MAX)
		dl = INT32_MAX;
	n = snprintf(L->path, sizeof(L->path), "%.*s/%s", (int)dl, dir,
	    fdesc[fi].name);

	if (n < 0 || (size_t)n >= sizeof(L->path)) {
		mq_warnx("%s: path too long", dir);
		return MQ_EDATA;
	}
	return MQ_OK;
}

int
mq_data_load(struct mq_data *d, const char *dir,
    const struct mq_load_opts *opts)
{
	static const enum mq_file order[] = { MQ_F_MOVIES, MQ_F_LINKS,
	    MQ_F_META, MQ_F_RATINGS, MQ_F_TAGS, MQ_F_GTAGS, MQ_F_GSCORES };
	struct mq_load_opts defaults;
	struct loader L;
	size_t k, ncell;
	int rc = MQ_OK, absent, f;

	memset(d, 0, sizeof(*d));
	memset(&L, 0, sizeof(L));
	if (opts == NULL) {
		mq_load_opts_init(&defaults);
		opts = &defaults;
	}
	for (f = 0; f < MQ_F_NFILES; f++)
		d->stats[f].name = fdesc[f].name;
	L.d = d;
	L.o = opts;
	if ((L.arena = calloc(1, sizeof(*L.arena))) == NULL) {
		rc = MQ_ENOMEM;
		goto out;
	}
	d->arena = L.arena;
	if (opts->rejects_path != NULL &&
	    (L.rej = fopen(opts->rejects_path, "a")) == NULL) {
		mq_warn("%s", opts->rejects_path);
		rc = MQ_EIO;
		goto out;
	}

	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		enum mq_file fi = order[k];

		if ((rc = set_path(&L, dir, fi)) != MQ_OK)
			goto out;
		if (fi == MQ_F_GSCORES) {
			FILE *probe = fopen(L.path, "r");

			if (probe == NULL && errno == ENOENT)
				continue;
			if (probe != NULL)
				fclose(probe);
			if (d->ngtags == 0) {
				mq_warnx("%s: needs genome tags, but %s is "
				    "missing or has none", L.path,
				    fdesc[MQ_F_GTAGS].name);
				rc = MQ_EDATA;
				goto out;
			}
			ncell = (size_t)d->nmovies * d->ngtags;
			if (d->nmovies && ncell / d->nmovies != d->ngtags) {
				rc = MQ_ENOMEM;
				goto out;
			}
			d->genome = mq_allocarray(ncell, sizeof(float));
			if (d->genome == NULL) {
				rc = MQ_ENOMEM;
				goto out;
			}
			for (ncell = 0; ncell < (size_t)d->nmovies * d->ngtags;
			    ncell++)
				d->genome[ncell] = NAN;
		}
		if (fi == MQ_F_META) {
			size_t nm = (size_t)d->nmovies + 1;

			d->overview = calloc(nm, sizeof(*d->overview));
			d->directors = calloc(nm, sizeof(*d->directors));
			d->cast = calloc(nm, sizeof(*d->cast));
			L.metaline = calloc(nm, sizeof(*L.metaline));
			if (!d->overview || !d->directors || !d->cast ||
			    !L.metaline) {
				rc = MQ_ENOMEM;
				goto out;
			}
		}
		if ((rc = read_file(&L, fi, &absent)) != MQ_OK)
			goto out;
		if (fi == MQ_F_META && absent) {
			/* NULL arrays say "no metadata at all" */
			free(d->overview);
			free(d->directors);
			free(d->cast);
			d->overview = d->directors = d->cast = NULL;
		}
		if (absent)
			continue;
		if (fi == MQ_F_MOVIES && (rc = movies_finish(&L)) != MQ_OK)
			goto out;
		if (fi == MQ_F_RATINGS && (rc = ratings_finish(&L)) != MQ_OK)
			goto out;
		if (fi == MQ_F_GTAGS && (rc = gtags_finish(&L)) != MQ_OK)
			goto out;
		if ((rc = file_verdict(&L)) != MQ_OK)
			goto out;
		if (fi == MQ_F_RATINGS) {
			rc = mq_matrix_build(&d->R, d->nusers, d->nmovies,
			    L.t, L.nt);
			free(L.t);
			L.t = NULL;
			if (rc != MQ_OK)
				goto out;
		}
	}
	if (L.rej != NULL) {
		FILE *rej = L.rej;

		L.rej = NULL;
		if (fflush(rej) != 0 || ferror(rej)) {
			mq_warn("%s", opts->rejects_path);
			fclose(rej);
			rc = MQ_EIO;
			goto out;
		}
		if (fclose(rej) != 0) {
			mq_warn("%s", opts->rejects_path);
			rc = MQ_EIO;
			goto out;
		}
	}
	rc = MQ_OK;
out:
	if (rc == MQ_ENOMEM)
		mq_warnx("%s: out of memory", L.path[0] ? L.path : dir);
	if (L.rej != NULL)
		fclose(L.rej);
	idmap_free(&L.movies);
	idmap_free(&L.users);
	idmap_free(&L.gtags);
	free(L.mline);
	free(L.t);
	free(L.tline);
	free(L.uraw);
	free(L.linkline);
	free(L.metaline);
	if (rc != MQ_OK)
		mq_data_release(d);
	return rc;
}

int64_t
mq_data_movie(const struct mq_data *d, uint32_t id)
{
	return mq_find_id(d->movie_id, d->nmovies, id);
}

int64_t
mq_data_user(const struct mq_data *d, uint32_t id)
{
	return mq_find_id(d->user_id, d->nusers, id);
}

void
mq_data_release(struct mq_data *d)
{
	if (d == NULL)
		return;
	free(d->movie_id);
	free(d->title);
	free(d->year);
	free(d->genres);
	free(d->imdb_id);
	free(d->tmdb_id);
	free(d->overview);
	free(d->directors);
	free(d->cast);
	free(d->user_id);
	mq_matrix_release(&d->R);
	free(d->tags);
	free(d->gtag_name);
	free(d->gtag_id);
	free(d->genome);
	arena_free(d->arena);
	free(d->merged);
	free(d->strings);
	memset(d, 0, sizeof(*d));
}

void
mq_data_summary(const struct mq_data *d, FILE *f)
{
	const struct mq_file_stats *st;
	char why[256];
	size_t total;
	int fi, r;

	for (fi = 0; fi < MQ_F_NFILES; fi++) {
		st = &d->stats[fi];
		if (st->name == NULL)
			continue;
		if (!st->present) {
			fprintf(f, "%s: absent\n", st->name);
			continue;
		}
		total = 0;
		for (r = 0; r < MQ_REJ_NREASONS; r++)
			total += st->rejected[r];
		fprintf(f, "%s: %zu rows, %zu kept", st->name, st->rows,
		    st->kept);
		if (total > 0)
			fprintf(f, ", %zu rejected:%s", total,
			    reasons(st, why, sizeof(why)));
		fputc('\n', f);
	}
}

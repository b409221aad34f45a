/*
 * mq_csv.c - the streaming CSV row reader: libcsv fed one line at a time.
 *
 * Lines come from getline().  While a row is complete at the end of each
 * line (the usual case) nothing is copied but the field bytes.  When a
 * quoted field goes on past the end of a line, the lines of the pending row
 * are kept in a small window, so that after a syntax error the lines that
 * followed the row's first line can be fed again (the replay queue is the
 * tail of the same window).
 *
 * Invariants of struct reader: lines [0, cur) of the window are the lines
 * of the pending row fed so far (none when !pending, then cur == 0); lines
 * [cur, nwl) are queued for replay and are read before the file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <csv.h>

#include "mq_err.h"
#include "mq_csv.h"

struct wline {
	size_t off;		/* in wb */
	size_t len;		/* LF included when present */
	size_t lineno;
};

struct reader {
	struct csv_parser p;
	int pinit;
	int oom;
	int rowdone;		/* libcsv ended a row during the last feed */

	/* the row being built: fields back to back, each NUL-terminated */
	char *rb;
	size_t rblen, rbcap;
	size_t *foff;		/* field offsets in rb */
	struct mq_csv_field *fld;
	size_t nfld, fldcap;

	/* the window: lines of the pending row, then the replay queue */
	char *wb;
	size_t wblen, wbcap;
	struct wline *wl;
	size_t nwl, wlcap, cur;

	int pending;		/* a row has begun and not ended */
	size_t start;		/* line where the pending row began */
	size_t lineno;		/* lines read from the file so far */
};

static int
nospace(unsigned char c)
{
	(void)c;
	return 0;
}

static int
isterm(unsigned char c)
{
	return c == '\n';
}

static int
parser_start(struct reader *r)
{
	if (r->pinit) {
		csv_free(&r->p);
		r->pinit = 0;
	}
	if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return MQ_ENOMEM;
	csv_set_space_func(&r->p, nospace);
	csv_set_term_func(&r->p, isterm);
	csv_set_blk_size(&r->p, 256);
	r->pinit = 1;
	return MQ_OK;
}

static int
grow(void *pp, size_t *cap, size_t need, size_t size)
{
	void *np;
	size_t ncap = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	np = mq_reallocarray(*(void **)pp, ncap, size);
	if (np == NULL)
		return -1;
	*(void **)pp = np;
	*cap = ncap;
	return 0;
}

/* libcsv: one field ended. */
static void
on_field(void *s, size_t len, void *data)
{
	struct reader *r = data;
	size_t fcap = r->fldcap;

	if (r->oom)
		return;
	if (len > SIZE_MAX - r->rblen - 1 ||
	    grow(&r->rb, &r->rbcap, r->rblen + len + 1, 1) ||
	    grow(&r->fld, &r->fldcap, r->nfld + 1, sizeof(*r->fld)) ||
	    grow(&r->foff, &fcap, r->nfld + 1, sizeof(*r->foff))) {
		r->oom = 1;
		return;
	}
	if (len)
		memcpy(r->rb + r->rblen, s, len);
	r->rb[r->rblen + len] = '\0';
	r->foff[r->nfld] = r->rblen;
	r->fld[r->nfld].len = len;
	r->nfld++;
	r->rblen += len + 1;
}

/* libcsv: one row ended. */
static void
on_row(int c, void *data)
{
	struct reader *r = data;

	(void)c;
	r->rowdone = 1;
}

static void
row_reset(struct reader *r)
{
	r->rblen = 0;
	r->nfld = 0;
	r->rowdone = 0;
}

/* Append one line to the window. */
static int
win_push(struct reader *r, const char *p, size_t len, size_t lineno)
{
	if (len > SIZE_MAX - r->wblen ||
	    grow(&r->wb, &r->wbcap, r->wblen + len, 1) ||
	    grow(&r->wl, &r->wlcap, r->nwl + 1, sizeof(*r->wl)))
		return MQ_ENOMEM;
	memcpy(r->wb + r->wblen, p, len);
	r->wl[r->nwl].off = r->wblen;
	r->wl[r->nwl].len = len;
	r->wl[r->nwl].lineno = lineno;
	r->nwl++;
	r->wblen += len;
	return MQ_OK;
}

/* Drop the first k lines of the window. */
static void
win_drop(struct reader *r, size_t k)
{
	size_t i, base;

	if (k >= r->nwl) {
		r->nwl = 0;
		r->wblen = 0;
		return;
	}
	base = r->wl[k].off;
	memmove(r->wb, r->wb + base, r->wblen - base);
	r->wblen -= base;
	for (i = k; i < r->nwl; i++) {
		r->wl[i - k] = r->wl[i];
		r->wl[i - k].off -= base;
	}
	r->nwl -= k;
}

static int
deliver(struct reader *r, size_t last, mq_csv_fn fn, void *arg)
{
	struct mq_csv_row row;
	size_t i;

	memset(&row, 0, sizeof(row));
	row.status = MQ_CSV_ROW;
	row.line = r->start;
	row.nlines = last - r->start + 1;
	row.nfields = r->nfld;
	row.field = r->fld;
	row.nul = -1;
	for (i = 0; i < r->nfld; i++) {
		r->fld[i].p = r->rb + r->foff[i];
		if (row.nul < 0 && memchr(r->fld[i].p, '\0', r->fld[i].len))
			row.nul = (long)i;
	}
	row_reset(r);
	return fn(&row, arg);
}

/*
 * The pending row (first line raw/rawlen) is malformed: report it, restart
 * the parser and queue the lines after its first one for another pass.
 */
static int
syntax(struct reader *r, const char *raw, size_t rawlen, size_t last,
    const char *why, mq_csv_fn fn, void *arg)
{
	struct mq_csv_row row;
	int rc;

	memset(&row, 0, sizeof(row));
	row.status = MQ_CSV_SYNTAX;
	row.line = r->start;
	row.nlines = last - r->start + 1;
	row.nul = -1;
	row.raw = raw;
	row.rawlen = rawlen;
	while (row.rawlen > 0 && row.raw[row.rawlen - 1] == '\n')
		row.rawlen--;
	row.why = why;
	rc = fn(&row, arg);
	row_reset(r);
	r->pending = 0;
	if (r->nwl > 0)
		win_drop(r, 1);
	r->cur = 0;
	if (rc == MQ_OK)
		rc = parser_start(r);
	return rc;
}

/*
 * The file ended inside a row (a last line without LF, or an open quote).
 * Either the row completes, or it is a syntax error and the lines after its
 * first one are queued again: *again says whether any are.
 */
static int
at_eof(struct reader *r, mq_csv_fn fn, void *arg, int *again)
{
	size_t last = r->wl[r->nwl - 1].lineno;
	int rc;

	r->rowdone = 0;
	if (csv_fini(&r->p, on_field, on_row, r) != 0 || !r->rowdone) {
		if (r->oom)
			return MQ_ENOMEM;
		rc = syntax(r, r->wb + r->wl[0].off, r->wl[0].len, last,
		    "unterminated quoted field at end of file", fn, arg);
		*again = r->nwl > 0;
		return rc;
	}
	if (r->oom)
		return MQ_ENOMEM;
	*again = 0;
	rc = deliver(r, last, fn, arg);
	r->pending = 0;
	r->nwl = 0;
	r->wblen = 0;
	r->cur = 0;
	return rc;
}

static int
blank(const char *p, size_t len)
{
	return len == 0 || (len == 1 && p[0] == '\n');
}

int
mq_csv_read(FILE *fp, const char *name, mq_csv_fn fn, void *arg)
{
	return mq_csv_read_range(fp, name, -1, 0, NULL, fn, arg);
}

int
mq_csv_read_range(FILE *fp, const char *name, off_t len, size_t line0,
    size_t *nlines, mq_csv_fn fn, void *arg)
{
	struct reader r;
	char *line = NULL, *lp;
	size_t linecap = 0, ll, lno, got, i, bytes;
	off_t done = 0;
	ssize_t n;
	int rc, fromwin, was_pending, again;

	memset(&r, 0, sizeof(r));
	r.lineno = line0;
	if ((rc = parser_start(&r)) != MQ_OK)
		goto out;

	for (;;) {
		if (r.cur < r.nwl) {
			/* a queued line, or a line of a replayed row */
			lp = r.wb + r.wl[r.cur].off;
			ll = r.wl[r.cur].len;
			lno = r.wl[r.cur].lineno;
			fromwin = 1;
		} else {
			errno = 0;
			if (len >= 0 && done >= len)
				n = -1;		/* the range ends here */
			else
				n = getline(&line, &linecap, fp);
			if (n < 0) {
				if (ferror(fp)) {
					mq_warn("%s", name);
					rc = MQ_EIO;
					goto out;
				}
				if (errno == ENOMEM) {
					rc = MQ_ENOMEM;
					goto out;
				}
				if (!r.pending)
					break;
				rc = at_eof(&r, fn, arg, &again);
				if (rc != MQ_OK || !again)
					goto out;
				continue;
			}
			lp = line;
			ll = (size_t)n;
			done += n;
			lno = ++r.lineno;
			if (lno == 1 && ll >= 3 &&
			    memcmp(lp, "\xef\xbb\xbf", 3) == 0) {
				lp += 3;
				ll -= 3;
			}
			if (ll >= 2 && lp[ll - 2] == '\r' && lp[ll - 1] == '\n') {
				lp[ll - 2] = '\n';
				ll--;
			} else if (ll >= 1 && lp[ll - 1] == '\r')
				ll--;
			fromwin = 0;
			if (r.pending) {
				if ((rc = win_push(&r, lp, ll, lno)) != MQ_OK)
					goto out;
				lp = r.wb + r.wl[r.cur].off;
				fromwin = 1;
			}
		}

		was_pending = r.pending;
		if (!r.pending)
			r.start = lno;
		r.rowdone = 0;
		got = csv_parse(&r.p, lp, ll, on_field, on_row, &r);
		if (r.oom || (got < ll && csv_error(&r.p) != CSV_EPARSE)) {
			rc = MQ_ENOMEM;
			goto out;
		}
		if (got < ll) {
			if (was_pending)
				rc = syntax(&r, r.wb + r.wl[0].off,
				    r.wl[0].len, lno, "bad quoting", fn, arg);
			else
				rc = syntax(&r, lp, ll, lno, "bad quoting",
				    fn, arg);
			if (rc)
				goto out;
			continue;
		}
		if (r.rowdone) {
			rc = deliver(&r, lno, fn, arg);
			if (fromwin)
				win_drop(&r, r.cur + 1);
			r.cur = 0;
			r.pending = 0;
			if (rc)
				goto out;
			continue;
		}
		if (!was_pending && blank(lp, ll)) {
			if (fromwin)
				win_drop(&r, 1);
			continue;
		}
		/* the row goes on past this line */
		if (!fromwin) {
			if ((rc = win_push(&r, lp, ll, lno)) != MQ_OK)
				goto out;
		}
		r.pending = 1;
		r.cur++;
		bytes = 0;
		for (i = 0; i < r.cur; i++)
			bytes += r.wl[i].len;
		if (r.cur >= MQ_CSV_MAXSPAN || bytes > MQ_CSV_MAXROW) {
			rc = syntax(&r, r.wb + r.wl[0].off, r.wl[0].len, lno,
			    "quoted field too long (unbalanced quote?)",
			    fn, arg);
			if (rc)
				goto out;
		}
		continue;
	}
	rc = MQ_OK;
out:
	if (nlines != NULL)
		*nlines = r.lineno;
	if (r.pinit)
		csv_free(&r.p);
	free(line);
	free(r.rb);
	free(r.foff);
	free(r.fld);
	free(r.wb);
	free(r.wl);
	return rc;
}

int
mq_csv_field_is(const struct mq_csv_field *f, const char *s)
{
	size_t n = strlen(s);

	return f->len == n && memcmp(f->p, s, n) == 0;
}

/*
 * mq_csv.h - a streaming CSV row reader on top of libcsv.
 *
 * The file is read one physical line at a time and fed to libcsv in strict
 * mode, so every row is delivered together with the line where it starts,
 * however many lines its quoted fields span.  The reader strips a UTF-8
 * byte order mark on line 1, turns CRLF line ends into LF, skips empty
 * lines and keeps spaces around fields (a field is exactly its bytes).
 *
 * A row with bad quoting is delivered as a syntax error (no fields) at the
 * line where it starts; the parser is then restarted and the lines that
 * followed that line are parsed again, so one stray quote costs one row,
 * not the rest of the file.  A quoted field may span at most
 * MQ_CSV_MAXSPAN lines and a row MQ_CSV_MAXROW bytes; beyond that the row
 * is a syntax error too (an unbalanced quote, in practice).
 *
 * Nothing is allocated per row or per field: the row and its fields live in
 * buffers owned by the reader and are valid until the callback returns.
 */
#ifndef MQ_CSV_H
#define MQ_CSV_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define MQ_CSV_MAXSPAN	32		/* physical lines one row may span */
#define MQ_CSV_MAXROW	(1 << 20)	/* bytes one row may hold */

/* One field: len bytes at p, followed by a NUL (p may hold NULs too). */
struct mq_csv_field {
	const char *p;
	size_t len;
};

enum mq_csv_status {
	MQ_CSV_ROW,		/* a well-formed row */
	MQ_CSV_SYNTAX		/* bad quoting: no fields, raw holds the line */
};

struct mq_csv_row {
	enum mq_csv_status status;
	size_t line;		/* physical line (1-based) where the row starts */
	size_t nlines;		/* physical lines the row spans */
	size_t nfields;		/* 0 for a syntax error */
	const struct mq_csv_field *field;
	long nul;		/* first field holding a NUL byte, or -1 */
	const char *raw;	/* syntax error: the row's first line (no LF) */
	size_t rawlen;
	const char *why;	/* syntax error: what is wrong, for messages */
};

/*
 * Called once per row (header included).  Returns MQ_OK to go on; any
 * other mq_rc stops the reading and is returned by mq_csv_read().
 */
typedef int (*mq_csv_fn)(const struct mq_csv_row *row, void *arg);

/*
 * Read every row of fp, calling fn(row, arg) for each in file order.  The
 * caller keeps ownership of fp (opened for reading, not closed here); name
 * is used in messages only.  Returns MQ_OK at the end of the file, MQ_EIO
 * on a read error (reported on stderr), MQ_ENOMEM (not reported: the
 * caller knows what it was reading), or the first non-zero value fn
 * returned.
 */
int mq_csv_read(FILE *fp, const char *name, mq_csv_fn fn, void *arg);

/*
 * mq_csv_read() over part of a file: the len bytes from fp's position
 * (len < 0: to the end), which must end at a line end.  Lines are
 * numbered from line0 + 1, and a byte order mark is stripped only when
 * that is line 1.  *nlines (when not NULL) gets the number of the last
 * line read, line0 if none.  A row still open where the range ends is
 * treated as at the end of a file: the caller splits a file only where
 * no row can be open (see mq_data.c).
 */
int mq_csv_read_range(FILE *fp, const char *name, off_t len, size_t line0,
    size_t *nlines, mq_csv_fn fn, void *arg);

/*
 * Whether field f holds exactly the string s (a header name, say).
 */
int mq_csv_field_is(const struct mq_csv_field *f, const char *s);

#endif /* MQ_CSV_H */

/*
 * mq_buf.h - a growable byte buffer, the one way Marquee builds text.
 *
 * Appends never fail silently: the first allocation failure sets b->err,
 * later appends do nothing, and the owner checks mq_buf_ok() once at the
 * end (the stdio error model, as with ferror()).  The content is always
 * NUL-terminated for convenience; len excludes the NUL.
 */
#ifndef MQ_BUF_H
#define MQ_BUF_H

#include <stddef.h>

struct mq_buf {
	char *s;
	size_t len;
	size_t cap;
	int err;	/* an allocation failed: content is incomplete */
};

/* An empty buffer; no allocation until the first append. */
#define MQ_BUF_INIT { NULL, 0, 0, 0 }

void mq_buf_add(struct mq_buf *b, const void *p, size_t n);
void mq_buf_adds(struct mq_buf *b, const char *s);
void mq_buf_addc(struct mq_buf *b, char c);
void mq_buf_printf(struct mq_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Make room for n more bytes without adding any; MQ_OK or MQ_ENOMEM. */
int mq_buf_reserve(struct mq_buf *b, size_t n);

/*
 * A new formatted string (caller frees), or NULL when out of memory; the
 * portable asprintf.
 */
char *mq_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Append the whole content of the file at path to b.  Returns MQ_OK,
 * MQ_EIO (reported, naming the path) or MQ_ENOMEM.
 */
int mq_buf_read_file(struct mq_buf *b, const char *path);

/* Forget the content, keep the storage. */
void mq_buf_reset(struct mq_buf *b);

/* MQ_OK, or MQ_ENOMEM (reported once) if an append failed. */
int mq_buf_ok(const struct mq_buf *b);

/* Free the storage; b is left empty and reusable.  NULL accepted. */
void mq_buf_release(struct mq_buf *b);

#endif /* MQ_BUF_H */

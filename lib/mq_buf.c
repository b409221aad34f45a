/*
 * mq_buf.c - growable byte buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq_buf.h"
#include "mq_err.h"

/* Make room for n more bytes plus the NUL; 0 on success. */
static int
grow(struct mq_buf *b, size_t n)
{
	size_t cap;
	char *s;

	if (b->err)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1) {
		if (cap > ((size_t)-1) / 2) {
			b->err = 1;
			return -1;
		}
		cap *= 2;
	}
	if ((s = realloc(b->s, cap)) == NULL) {
		b->err = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

void
mq_buf_add(struct mq_buf *b, const void *p, size_t n)
{
	if (grow(b, n))
		return;
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
mq_buf_adds(struct mq_buf *b, const char *s)
{
	mq_buf_add(b, s, strlen(s));
}

void
mq_buf_addc(struct mq_buf *b, char c)
{
	mq_buf_add(b, &c, 1);
}

void
mq_buf_printf(struct mq_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (grow(b, 64))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = 1;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (grow(b, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

int
mq_buf_reserve(struct mq_buf *b, size_t n)
{
	return grow(b, n) ? mq_buf_ok(b) : MQ_OK;
}

char *
mq_strf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

int
mq_buf_read_file(struct mq_buf *b, const char *path)
{
	char chunk[65536];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		mq_warn("%s", path);
		return MQ_EIO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		mq_buf_add(b, chunk, n);
	if (ferror(f)) {
		mq_warn("%s", path);
		fclose(f);
		return MQ_EIO;
	}
	fclose(f);
	return mq_buf_ok(b);
}

void
mq_buf_reset(struct mq_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

int
mq_buf_ok(const struct mq_buf *b)
{
	return b->err ? mq_oom() : MQ_OK;
}

void
mq_buf_release(struct mq_buf *b)
{
	if (b == NULL)
		return;
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

/*
 * mq_err.c - diagnostics and checked allocation shared by every program.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq_err.h"

const char *mq_progname = "marquee";

static void
vwarn_common(int with_errno, const char *fmt, va_list ap)
{
	int e = errno;

	fprintf(stderr, "%s: ", mq_progname);
	vfprintf(stderr, fmt, ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
}

void
mq_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_common(1, fmt, ap);
	va_end(ap);
}

void
mq_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_common(0, fmt, ap);
	va_end(ap);
}

int
mq_oom(void)
{
	mq_warnx("out of memory");
	return MQ_ENOMEM;
}

void *
mq_allocarray(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return malloc(n && size ? n * size : 1);
}

void *
mq_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return realloc(p, n && size ? n * size : 1);
}

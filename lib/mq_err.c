/*
 * mq_err.c - diagnostics and checked allocation shared by every program.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mq_err.h"

const char *mq_progname = "marquee";

/* One line on stderr, whole even when threads warn at once. */
static void
vwarn_common(int with_errno, const char *fmt, va_list ap)
{
	int e = errno;

	flockfile(stderr);
	fprintf(stderr, "%s: ", mq_progname);
	vfprintf(stderr, fmt, ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(e));
	fputc('\n', stderr);
	funlockfile(stderr);
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

/* Huge pages: 2 MiB on x86-64 and arm64 alike. */
#define HUGE_PAGE	((uintptr_t)2 << 20)

/*
 * Ask for huge pages under a large array.  The walks of the models read
 * such arrays (a member's row, a film's raters) at scattered places, and
 * with 4 KiB pages nearly every row costs a TLB miss; the kernel here
 * gives huge pages only where asked (transparent_hugepage=madvise).  It is
 * advice: where it is refused nothing changes but the speed.  Arrays that
 * grow by realloc are left alone: at 20M ratings the CSV loader's growing
 * arrays took 14-17 s with 4 KiB pages and 22-24 s with huge ones.
 */
static void *
huge(void *p, size_t len)
{
	uintptr_t lo, hi;

	if (p == NULL || len < 4 * HUGE_PAGE)
		return p;
	lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	hi = ((uintptr_t)p + len) & ~(HUGE_PAGE - 1);
#ifdef MADV_HUGEPAGE
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
	return p;
}

void *
mq_allocarray(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return huge(malloc(n && size ? n * size : 1), n * size);
}

void *
mq_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return realloc(p, n && size ? n * size : 1);
}

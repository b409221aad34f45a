/*
 * mq_err.h - the one error idiom of Marquee.
 *
 * Every function that can fail returns an int: MQ_OK (0) on success or one
 * of the MQ_E* codes below.  The code doubles as the process exit status, so
 * main() returns what the failing call returned.  Workers report with
 * mq_warn()/mq_warnx() and return; only main() decides to exit.
 *
 *	rc = f(...);
 *	if (rc)
 *		goto out;
 */
#ifndef MQ_ERR_H
#define MQ_ERR_H

enum mq_rc {
	MQ_OK = 0,	/* success */
	MQ_EDATA = 1,	/* input data rejected (structure or too many rejects) */
	MQ_EUSAGE = 2,	/* bad command line or option value */
	MQ_EIO = 3,	/* a file could not be read or written */
	MQ_ENOMEM = 4	/* out of memory */
};

/* Name printed in front of every message ("marquee" unless set). */
extern const char *mq_progname;

/* Print "progname: message: strerror(errno)" on stderr. */
void mq_warn(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Print "progname: message" on stderr. */
void mq_warnx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Report an allocation failure and return MQ_ENOMEM, for "return mq_oom();". */
int mq_oom(void);

/*
 * Allocation helpers: like malloc/realloc but with overflow-checked element
 * counts; they return NULL on failure and never print.  mq_allocarray()
 * asks the kernel for huge pages under arrays of 8 MiB and more.
 */
void *mq_allocarray(size_t n, size_t size);
void *mq_reallocarray(void *p, size_t n, size_t size);

#endif /* MQ_ERR_H */

/*
 * sandbox.c - the request parser in a seccomp-strict child (sandbox.h).
 *
 * The child keeps no descriptor but stdin, stdout, stderr and its result
 * pipe; it switches the body to unbuffered reads (so stdio makes no
 * allocation and no other system call), enters SECCOMP_MODE_STRICT, parses
 * and writes the struct to a pipe, and leaves with the exit system call
 * itself (exit_group is not allowed in strict mode).
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/seccomp.h>
#endif

#include "mq_err.h"
#include "sandbox.h"

/*
 * Keep only stdin, stdout, stderr and the result pipe (moved to 3): under
 * FastCGI the parent has the store and the connection open, and strict
 * mode still allows write(2) on any descriptor the child holds.
 */
static int
only_pipe(int fd)
{
	int n;

	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			return -1;
		close(fd);
	}
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 4U, ~0U, 0) == 0)
		return 3;
#endif
	for (n = 4; n < 4096; n++)
		close(n);
	return 3;
}

static void
child(struct mq_req *r, const struct mq_req_env *e, FILE *body, int fd)
{
	const char *p = (const char *)r;
	size_t off = 0;

	if ((fd = only_pipe(fd)) < 0)
		syscall(SYS_exit, 1);
	setvbuf(body, NULL, _IONBF, 0);
#if defined(__linux__) && defined(SECCOMP_MODE_STRICT)
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0))
		mq_warn("seccomp unavailable, parsing without a sandbox");
#endif
	mq_req_parse(r, e, body);
	while (off < sizeof(*r)) {
		ssize_t w = write(fd, p + off, sizeof(*r) - off);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	syscall(SYS_exit, off == sizeof(*r) ? 0 : 1);
}

int
mq_sandbox_parse(struct mq_req *r, const struct mq_req_env *e, FILE *body)
{
	char *p = (char *)r;
	size_t off = 0;
	int fds[2], status;
	pid_t pid;

	fflush(NULL);
	if (pipe(fds)) {
		mq_warn("pipe");
		return MQ_EIO;
	}
	if ((pid = fork()) < 0) {
		mq_warn("fork");
		close(fds[0]);
		close(fds[1]);
		return MQ_EIO;
	}
	if (pid == 0) {
		close(fds[0]);
		child(r, e, body, fds[1]);
	}
	close(fds[1]);
	while (off < sizeof(*r)) {
		ssize_t n = read(fds[0], p + off, sizeof(*r) - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (off != sizeof(*r) || !WIFEXITED(status) || WEXITSTATUS(status)) {
		if (WIFSIGNALED(status))
			mq_warnx("request parser killed by signal %d",
			    WTERMSIG(status));
		else
			mq_warnx("request parser failed");
		return MQ_EIO;
	}
	return MQ_OK;
}

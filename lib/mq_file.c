/*
 * mq_file.c - whole files: written through a temporary name, trees
 * removed, the file system synced.
 */
#define _GNU_SOURCE		/* nftw(3), syncfs(2) */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mq_err.h"
#include "mq_file.h"

int
mq_file_finish(int fd, const void *p, size_t n, unsigned mode)
{
	size_t off = 0;
	int e;

	while (off < n) {
		ssize_t w = write(fd, (const char *)p + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : EIO;
			close(fd);
			errno = e;
			return -1;
		}
		off += (size_t)w;
	}
	/* the mode whatever the umask */
	if (mode != MQ_FILE_KEEP_MODE && fchmod(fd, (mode_t)mode)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

int
mq_file_write(const char *path, const void *p, size_t n, unsigned mode)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%.*s.tmp-%s-XXXXXX",
	    slash ? (int)(slash - path + 1) : 0, path,
	    slash ? slash + 1 : path) >= (int)sizeof(tmp)) {
		mq_warnx("%s: path too long", path);
		return MQ_EIO;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		mq_warn("%s", tmp);
		return MQ_EIO;
	}
	if (mq_file_finish(fd, p, n, mode)) {
		mq_warn("%s", path);
		unlink(tmp);
		return MQ_EIO;
	}
	if (rename(tmp, path)) {
		mq_warn("rename %s", path);
		unlink(tmp);
		return MQ_EIO;
	}
	return MQ_OK;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

int
mq_file_rmtree(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? MQ_OK : MQ_EIO;
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS)) {
		mq_warn("cannot remove %s", path);
		return MQ_EIO;
	}
	return MQ_OK;
}

int
mq_file_sync(const char *dir)
{
#ifdef __linux__
	int fd = open(dir, O_RDONLY | O_DIRECTORY), rc;

	if (fd < 0) {
		mq_warn("%s", dir);
		return MQ_EIO;
	}
	rc = syncfs(fd);
	close(fd);
	if (rc) {
		mq_warn("syncfs %s", dir);
		return MQ_EIO;
	}
#else
	(void)dir;
	sync();
#endif
	return MQ_OK;
}

/*
 * mq_file.h - whole files: what every writer of state and output needs.
 * A file is written under a temporary name in its directory and renamed,
 * so a reader sees the old content or the new, never a part.
 */
#ifndef MQ_FILE_H
#define MQ_FILE_H

#include <stddef.h>

/*
 * Write n bytes of p to path through a temporary file in the same
 * directory (mkstemp: never follows a planted link), with the given mode,
 * then rename.  Returns MQ_OK or MQ_EIO (message names the path).
 */
int mq_file_write(const char *path, const void *p, size_t n,
    unsigned mode);

/* For mq_file_finish(): keep the mode the file was created with. */
#define MQ_FILE_KEEP_MODE	(~0u)

/*
 * Write n bytes of p to the open descriptor fd (all of them, through
 * short writes and EINTR), give it the mode, whatever the umask (unless
 * mode is MQ_FILE_KEEP_MODE), and close it.  Returns 0, or -1 with errno
 * set; fd is closed either way.
 */
int mq_file_finish(int fd, const void *p, size_t n, unsigned mode);

/*
 * Flush every file of the file system holding dir to disk (syncfs(2); a
 * full sync(2) elsewhere): before a release, or a shard's part, is named
 * complete.  MQ_OK or MQ_EIO (message names dir).
 */
int mq_file_sync(const char *dir);

/* Remove the file or directory tree at path (links are not followed);
   a missing path is fine.  MQ_OK or MQ_EIO (reported). */
int mq_file_rmtree(const char *path);

#endif /* MQ_FILE_H */

/*
 * mq_out.h - publishing a site as an atomic release.
 *
 * A site SITE is a symbolic link to SITE.releases/ID, one directory per
 * build.  mq_out_begin() opens a new release directory; mq_out_put()
 * writes each file to a temporary name and renames it; mq_out_commit()
 * writes the manifests and swaps the link with one rename(2), so a
 * reader sees the old site or the new one, never a mixture, and a build
 * that fails (or is killed) leaves the previous site untouched.
 *
 * Unchanged outputs are not rewritten: a file whose content hash equals
 * the previous release's is hard-linked from it (same inode, same mtime),
 * so the CDN upload and rsync stay proportional to what changed.
 *
 * JSON shards are also written compressed (FILE.zst, zstd, one reused
 * compression context per writer) when asked with MQ_OUT_ZSTD.
 *
 * Inside the release directory, which nothing serves until the commit,
 * files are written in place (O_EXCL) rather than through a temporary
 * name: the one rename that publishes them is the link's.  A build that
 * dies leaves a directory without its list, which the next commit removes.
 *
 * Several threads may write into one release, each through its own
 * struct mq_out_writer (mq_out_wput); the list of files is kept under a
 * lock, and both manifests are sorted by path, so they do not depend on
 * the order the files were written in.
 *
 * Two manifests: SITE.releases/ID.files.tsv lists every file (path, SHA-256,
 * size) and stays outside the served tree, because it names the members'
 * private paths; ID/manifest.json lists only the public files (see
 * mq_out_commit).
 */
#ifndef MQ_OUT_H
#define MQ_OUT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "mq_buf.h"
#include "mq_file.h"

#define MQ_OUT_ZSTD	0x1	/* also write FILE.zst */
#define MQ_OUT_PRIVATE	0x2	/* keep out of the public manifest.json */

struct mq_out_file;
struct mq_out_prev;
struct mq_out;

/* What one writing thread owns. */
struct mq_out_writer {
	struct mq_out *o;
	void *zctx;		/* ZSTD_CCtx, reused */
	struct mq_buf zbuf;
	struct mq_buf lastdir;	/* parent directory made last */
};

struct mq_out {
	char *site;		/* SITE (the link) */
	char *releases;		/* SITE.releases */
	char *id;		/* this build's id */
	char *dir;		/* SITE.releases/ID */
	char *prev_dir;		/* the release SITE points to now, or NULL */
	struct mq_out_prev *prev; /* previous files by path */
	struct mq_out_file *files;
	size_t nfiles, capfiles;
	size_t *seen;		/* set of paths written: indices into files */
	size_t seencap;
	int made;		/* dir was created by this build */
	int chmod;		/* the umask narrows 0644: files get fchmod */
	int zlevel;
	struct mq_out_writer w;	/* the writer of mq_out_put() and the rest */
	pthread_mutex_t lock;	/* files, seen and the statistics */
	int locked;		/* lock is initialised */
	/* statistics */
	size_t nwritten, nlinked;
	uint64_t bytes_raw, bytes_zst;
};

/*
 * Start a release of SITE with build id (a name safe in a path; when a
 * release of that name exists, ID-02, ID-03, ... is taken instead: o->id
 * says which).  SITE must be absent or a link made by a previous build.
 * The caller serialises builds of one site (mq_site takes a lock).
 * Returns MQ_OK, MQ_EIO (message names the path), MQ_EUSAGE when SITE is
 * a real directory, MQ_ENOMEM.
 */
int mq_out_begin(struct mq_out *o, const char *site, const char *id);

/*
 * Write n bytes of p as REL (a relative path with '/' separators; parent
 * directories are made) in the release, with MQ_OUT_* flags.  A path
 * written twice in one build is an error (MQ_EUSAGE).
 */
int mq_out_put(struct mq_out *o, const char *rel, const void *p, size_t n,
    unsigned flags);

/* mq_out_put() of a buffer; fails with MQ_ENOMEM if b->err is set. */
int mq_out_putb(struct mq_out *o, const char *rel, const struct mq_buf *b,
    unsigned flags);

/*
 * A writer of release o for one thread (o must outlive it).  Returns
 * MQ_OK or MQ_ENOMEM.  Release it with mq_out_writer_release().
 */
int mq_out_writer_init(struct mq_out_writer *w, struct mq_out *o);
void mq_out_writer_release(struct mq_out_writer *w);

/*
 * mq_out_putb() through writer w: safe while other threads write through
 * their own writers of the same release.  The other mq_out_* calls are
 * not, and are made by one thread when no mq_out_wput() is running.
 */
int mq_out_wput(struct mq_out_writer *w, const char *rel,
    const struct mq_buf *b, unsigned flags);

/*
 * Reuse REL from the previous release without producing it again: for
 * files whose name already identifies their content (fingerprinted
 * names).  *reused is 1 when the file was hard-linked from the previous
 * release, 0 when the caller must produce it.
 */
int mq_out_reuse(struct mq_out *o, const char *rel, unsigned flags,
    int *reused);

/*
 * Finish: write manifest.json (build id, the caller's extra JSON members
 * "extra" — e.g. "\"counts\": {...}" — and path/sha256/size of every
 * public file) and ID.files.tsv, then point SITE at the release and keep
 * the newest `keep` releases (at least 2: the new and the previous).
 */
int mq_out_commit(struct mq_out *o, const char *extra, unsigned keep);

/*
 * Abandon the release: remove its directory.  Then free what o owns.
 * Safe after a failed begin, and after commit (then it only frees).
 */
void mq_out_abort(struct mq_out *o);

/*
 * Point the symbolic link at path link to target (a path relative to the
 * link's directory) with one rename(2): a reader sees the old target or
 * the new one.  MQ_OK, MQ_EIO (message names link) or MQ_ENOMEM.
 */
int mq_out_link(const char *link, const char *target);

/* Files of the release so far whose path starts with prefix and ends
   with suffix (either may be ""). */
size_t mq_out_count(const struct mq_out *o, const char *prefix,
    const char *suffix);

/*
 * Point SITE back at the complete release before the one it points at
 * now (one rename(2), as a build does); its id goes to id (size bytes).
 * Returns MQ_OK, MQ_EDATA when there is no earlier complete release, or
 * MQ_EIO (message names the path).
 */
int mq_out_rollback(const char *site, char *id, size_t size);

#endif /* MQ_OUT_H */

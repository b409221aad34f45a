/*
 * mq_out.c - atomic releases, unchanged-file reuse, zstd shards, manifests.
 */
#define _GNU_SOURCE		/* nftw(3), syncfs(2) */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "mq_err.h"
#include "mq_esc.h"
#include "mq_file.h"
#include "mq_hash.h"
#include "mq_out.h"

struct mq_out_file {
	char *rel;
	char hash[65];
	uint64_t size;
	unsigned flags;
};

/* The previous release's files, open addressing on the path. */
struct mq_out_prev {
	size_t cap;		/* power of two */
	struct mq_out_file *slot;
};

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static const struct mq_out_file *
prev_find(const struct mq_out_prev *pv, const char *rel)
{
	size_t i;

	if (pv == NULL)
		return NULL;
	for (i = fnv1a(rel) & (pv->cap - 1); pv->slot[i].rel;
	    i = (i + 1) & (pv->cap - 1))
		if (!strcmp(pv->slot[i].rel, rel))
			return &pv->slot[i];
	return NULL;
}

static void
prev_free(struct mq_out_prev *pv)
{
	size_t i;

	if (pv == NULL)
		return;
	for (i = 0; i < pv->cap; i++)
		free(pv->slot[i].rel);
	free(pv->slot);
	free(pv);
}

/*
 * Load SITE.releases/PREV.files.tsv.  A missing or unreadable list only
 * means nothing can be reused: every file is then written anew.
 */
static int
prev_load(struct mq_out *o)
{
	struct mq_out_prev *pv;
	char *path = NULL, *line = NULL;
	size_t lcap = 0, n = 0;
	ssize_t len;
	FILE *f;

	if (o->prev_dir == NULL)
		return MQ_OK;
	if ((path = mq_strf("%s.files.tsv", o->prev_dir)) == NULL)
		return mq_oom();
	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return MQ_OK;
	while ((len = getline(&line, &lcap, f)) > 0)
		n++;
	rewind(f);
	if ((pv = calloc(1, sizeof(*pv))) == NULL)
		goto oom;
	for (pv->cap = 64; pv->cap < 2 * n + 1; pv->cap *= 2)
		;
	if ((pv->slot = calloc(pv->cap, sizeof(*pv->slot))) == NULL)
		goto oom;
	o->prev = pv;
	while ((len = getline(&line, &lcap, f)) > 0) {
		char *t1 = strchr(line, '\t'), *t2;
		size_t i;

		if (t1 == NULL || (t2 = strchr(t1 + 1, '\t')) == NULL ||
		    t2 - t1 - 1 != 64)
			continue;
		*t1 = '\0';
		for (i = fnv1a(line) & (pv->cap - 1); pv->slot[i].rel;
		    i = (i + 1) & (pv->cap - 1))
			;
		if ((pv->slot[i].rel = strdup(line)) == NULL)
			goto oom;
		memcpy(pv->slot[i].hash, t1 + 1, 64);
		pv->slot[i].hash[64] = '\0';
		pv->slot[i].size = strtoull(t2 + 1, NULL, 10);
	}
	free(line);
	fclose(f);
	return MQ_OK;
oom:
	free(line);
	fclose(f);
	if (o->prev != pv)
		free(pv);
	return mq_oom();
}

int
mq_out_begin(struct mq_out *o, const char *site, const char *id)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t tl;
	unsigned n;
	mode_t mask;
	int rc;

	memset(o, 0, sizeof(*o));
	/* zstd's default: on 6 KB member lists 5 % bigger than level 9, and
	   several times faster; the build compresses 140 000 of them */
	o->zlevel = 3;
	if ((o->site = strdup(site)) == NULL ||
	    (o->releases = mq_strf("%s.releases", site)) == NULL) {
		rc = mq_oom();
		goto fail;
	}
	if (lstat(site, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			mq_warnx("%s exists and is not a site link made by "
			    "marquee build; move it away", site);
			rc = MQ_EUSAGE;
			goto fail;
		}
		if ((tl = readlink(site, target, sizeof(target) - 1)) < 0) {
			mq_warn("%s", site);
			rc = MQ_EIO;
			goto fail;
		}
		target[tl] = '\0';
		/* the link is relative: NAME.releases/ID */
		if (strchr(target, '/') == NULL) {
			mq_warnx("%s: unexpected link target '%s'", site, target);
			rc = MQ_EUSAGE;
			goto fail;
		}
		if ((o->prev_dir = mq_strf("%s/%s", o->releases,
		    strrchr(target, '/') + 1)) == NULL) {
			rc = mq_oom();
			goto fail;
		}
	} else if (errno != ENOENT) {
		mq_warn("%s", site);
		rc = MQ_EIO;
		goto fail;
	}
	if (mkdir(o->releases, 0755) && errno != EEXIST) {
		mq_warn("%s", o->releases);
		rc = MQ_EIO;
		goto fail;
	}
	/* the id is taken by mkdir itself: a second build within the same
	   second gets ID-2, ID-3, ..., and never touches another's dir */
	for (n = 1; ; n++) {
		free(o->id);
		free(o->dir);
		o->dir = NULL;
		o->id = n == 1 ? strdup(id) : mq_strf("%s-%02u", id, n);
		if (o->id == NULL ||
		    (o->dir = mq_strf("%s/%s", o->releases, o->id)) == NULL) {
			rc = mq_oom();
			goto fail;
		}
		if (mkdir(o->dir, 0755) == 0)
			break;
		if (errno != EEXIST || n == 99) {
			mq_warn("%s", o->dir);
			free(o->dir);
			o->dir = NULL;
			rc = MQ_EIO;
			goto fail;
		}
	}
	o->made = 1;
	/* files are made 0644 whatever the umask; an fchmod each (a third
	   of the syscalls of a small file) only when the umask takes bits
	   off.  umask() is the one way to read it, and no other thread
	   makes files while a release begins. */
	mask = umask(0);
	umask(mask);
	o->chmod = (0644 & ~mask) != 0644;
	if (pthread_mutex_init(&o->lock, NULL)) {
		rc = mq_oom();
		goto fail;
	}
	o->locked = 1;
	if ((rc = mq_out_writer_init(&o->w, o)))
		goto fail;
	if ((rc = prev_load(o)))
		goto fail;
	return MQ_OK;
fail:
	mq_out_abort(o);
	return rc;
}

int
mq_out_writer_init(struct mq_out_writer *w, struct mq_out *o)
{
	memset(w, 0, sizeof(*w));
	w->o = o;
	if ((w->zctx = ZSTD_createCCtx()) == NULL)
		return mq_oom();
	return MQ_OK;
}

void
mq_out_writer_release(struct mq_out_writer *w)
{
	if (w == NULL)
		return;
	ZSTD_freeCCtx(w->zctx);
	mq_buf_release(&w->zbuf);
	mq_buf_release(&w->lastdir);
	memset(w, 0, sizeof(*w));
}

/*
 * Make the parent directories of DIR/rel (the last one is remembered by
 * the writer).  Two writers making the same directory is fine: EEXIST.
 */
static int
make_parents(struct mq_out_writer *w, const char *rel)
{
	const struct mq_out *o = w->o;
	char path[PATH_MAX];
	size_t dl = strlen(o->dir);
	const char *s, *last = strrchr(rel, '/');

	if (last == NULL)
		return MQ_OK;
	if (w->lastdir.s && w->lastdir.len == (size_t)(last - rel) &&
	    !memcmp(w->lastdir.s, rel, w->lastdir.len))
		return MQ_OK;

	if (dl + 1 + strlen(rel) >= sizeof(path)) {
		mq_warnx("%s/%s: path too long", o->dir, rel);
		return MQ_EIO;
	}
	memcpy(path, o->dir, dl);
	path[dl] = '/';
	/* the parent itself first: its own parents exist, most times */
	memcpy(path + dl + 1, rel, (size_t)(last - rel));
	path[dl + 1 + (last - rel)] = '\0';
	if (mkdir(path, 0755) && errno != EEXIST)
		for (s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
			memcpy(path + dl + 1, rel, (size_t)(s - rel));
			path[dl + 1 + (s - rel)] = '\0';
			if (mkdir(path, 0755) && errno != EEXIST) {
				mq_warn("%s", path);
				return MQ_EIO;
			}
		}
	mq_buf_reset(&w->lastdir);
	mq_buf_add(&w->lastdir, rel, (size_t)(last - rel));
	return MQ_OK;
}

/*
 * Write n bytes of p to the new file DIR/rel of the release, in place
 * (see mq_out.h: the release is not served yet).  MQ_OK or MQ_EIO.
 */
static int
write_new(const struct mq_out *o, const char *rel, const void *p, size_t n)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", o->dir, rel) >=
	    (int)sizeof(path)) {
		mq_warnx("%s/%s: path too long", o->dir, rel);
		return MQ_EIO;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) < 0) {
		mq_warn("%s", path);
		return MQ_EIO;
	}
	/* 0644 whatever the umask: the CDN reads these */
	if (mq_file_finish(fd, p, n, o->chmod ? 0644 : MQ_FILE_KEEP_MODE)) {
		mq_warn("%s", path);
		unlink(path);
		return MQ_EIO;
	}
	return MQ_OK;
}

/* Insert rel in the set of paths written; 1 when it was there already. */
static int
seen_path(struct mq_out *o, const char *rel, int *dup)
{
	size_t i, k;

	*dup = 0;
	if (2 * (o->nfiles + 1) >= o->seencap) {
		size_t cap = o->seencap ? o->seencap * 2 : 4096;
		size_t *ns = mq_allocarray(cap, sizeof(*ns));

		if (ns == NULL)
			return mq_oom();
		for (i = 0; i < cap; i++)
			ns[i] = (size_t)-1;
		for (k = 0; k < o->nfiles; k++) {
			for (i = fnv1a(o->files[k].rel) & (cap - 1);
			    ns[i] != (size_t)-1; i = (i + 1) & (cap - 1))
				;
			ns[i] = k;
		}
		free(o->seen);
		o->seen = ns;
		o->seencap = cap;
	}
	for (i = fnv1a(rel) & (o->seencap - 1); o->seen[i] != (size_t)-1;
	    i = (i + 1) & (o->seencap - 1))
		if (!strcmp(o->files[o->seen[i]].rel, rel)) {
			*dup = 1;
			return MQ_OK;
		}
	o->seen[i] = o->nfiles;	/* the entry add_file is about to make */
	return MQ_OK;
}

/* Record a file of the release; the caller holds o->lock. */
static int
add_file_locked(struct mq_out *o, const char *rel, const char *hash,
    uint64_t size, unsigned flags)
{
	struct mq_out_file *f;
	int dup, rc;

	if ((rc = seen_path(o, rel, &dup)))
		return rc;
	if (dup) {
		mq_warnx("%s is written twice in one build", rel);
		return MQ_EUSAGE;
	}

	if (o->nfiles == o->capfiles) {
		size_t cap = o->capfiles ? o->capfiles * 2 : 1024;

		if ((f = mq_reallocarray(o->files, cap, sizeof(*f))) == NULL)
			return mq_oom();
		o->files = f;
		o->capfiles = cap;
	}
	f = &o->files[o->nfiles];
	if ((f->rel = strdup(rel)) == NULL)
		return mq_oom();
	memcpy(f->hash, hash, 65);
	f->size = size;
	f->flags = flags;
	o->nfiles++;
	return MQ_OK;
}

/* Record a file of the release (any thread). */
static int
add_file(struct mq_out *o, const char *rel, const char *hash, uint64_t size,
    unsigned flags)
{
	int rc;

	pthread_mutex_lock(&o->lock);
	rc = add_file_locked(o, rel, hash, size, flags);
	pthread_mutex_unlock(&o->lock);
	return rc;
}

/* Add to the statistics (any thread); returns MQ_OK. */
static int
tally(struct mq_out *o, uint64_t raw, uint64_t zst, size_t written,
    size_t linked)
{
	pthread_mutex_lock(&o->lock);
	o->bytes_raw += raw;
	o->bytes_zst += zst;
	o->nwritten += written;
	o->nlinked += linked;
	pthread_mutex_unlock(&o->lock);
	return MQ_OK;
}

/*
 * Reuse rel from the previous release when its hash and size match:
 * hard-link it.  Returns 1 when linked, 0 when it must be written.
 */
static int
reuse(struct mq_out *o, const char *rel, const char *hash, uint64_t size)
{
	const struct mq_out_file *pf = prev_find(o->prev, rel);
	char from[PATH_MAX], to[PATH_MAX];

	if (pf == NULL || pf->size != size || strcmp(pf->hash, hash))
		return 0;
	if (snprintf(from, sizeof(from), "%s/%s", o->prev_dir, rel) >=
	    (int)sizeof(from) ||
	    snprintf(to, sizeof(to), "%s/%s", o->dir, rel) >= (int)sizeof(to))
		return 0;
	return link(from, to) == 0;
}

/* A relative path inside the release: no leading '/', no "..". */
static int
check_rel(const char *rel)
{
	if (rel[0] == '/' || strstr(rel, "..") || rel[0] == '\0') {
		mq_warnx("refusing to write '%s' outside the site", rel);
		return MQ_EUSAGE;
	}
	return MQ_OK;
}

/*
 * The one writing path: hash, record, then hard-link from the previous
 * release or write; with MQ_OUT_ZSTD the same for REL.zst.  A file is
 * recorded before it is written, so that a path written twice fails
 * before either write.
 */
static int
put(struct mq_out_writer *w, const char *rel, const void *p, size_t n,
    unsigned flags)
{
	struct mq_out *o = w->o;
	char hash[65], zrel[PATH_MAX];
	const struct mq_out_file *pz;
	size_t bound, zn;
	int rc, linked;

	if ((rc = check_rel(rel)))
		return rc;
	if (snprintf(zrel, sizeof(zrel), "%s.zst", rel) >= (int)sizeof(zrel)) {
		mq_warnx("%s: path too long", rel);
		return MQ_EIO;
	}
	if ((rc = make_parents(w, rel)))
		return rc;
	mq_sha256_hex(p, n, hash);
	if ((rc = add_file(o, rel, hash, n, flags)))
		return rc;
	linked = reuse(o, rel, hash, n);
	if (!linked && (rc = write_new(o, rel, p, n)))
		return rc;
	if (!(flags & MQ_OUT_ZSTD))
		return tally(o, n, 0, !linked, linked);
	/* same content, same level: the previous .zst is the same */
	if (linked && (pz = prev_find(o->prev, zrel)) != NULL &&
	    reuse(o, zrel, pz->hash, pz->size)) {
		tally(o, n, pz->size, 0, 2);
		return add_file(o, zrel, pz->hash, pz->size, flags);
	}

	bound = ZSTD_compressBound(n);
	mq_buf_reset(&w->zbuf);
	if ((rc = mq_buf_reserve(&w->zbuf, bound)))
		return rc;
	zn = ZSTD_compressCCtx(w->zctx, w->zbuf.s, bound, p, n, o->zlevel);
	if (ZSTD_isError(zn)) {
		mq_warnx("%s: zstd: %s", zrel, ZSTD_getErrorName(zn));
		return MQ_EIO;
	}
	mq_sha256_hex(w->zbuf.s, zn, hash);
	if ((rc = write_new(o, zrel, w->zbuf.s, zn)))
		return rc;
	tally(o, n, zn, 1 + !linked, linked);
	return add_file(o, zrel, hash, zn, flags);
}

int
mq_out_put(struct mq_out *o, const char *rel, const void *p, size_t n,
    unsigned flags)
{
	return put(&o->w, rel, p, n, flags);
}

int
mq_out_putb(struct mq_out *o, const char *rel, const struct mq_buf *b,
    unsigned flags)
{
	return mq_out_wput(&o->w, rel, b, flags);
}

int
mq_out_wput(struct mq_out_writer *w, const char *rel,
    const struct mq_buf *b, unsigned flags)
{
	if (b->err)
		return mq_oom();
	return put(w, rel, b->s ? b->s : "", b->len, flags);
}

int
mq_out_reuse(struct mq_out *o, const char *rel, unsigned flags, int *reused)
{
	const struct mq_out_file *pf = prev_find(o->prev, rel);
	int rc;

	*reused = 0;
	if ((rc = check_rel(rel)))
		return rc;
	if (pf == NULL)
		return MQ_OK;
	if ((rc = make_parents(&o->w, rel)))
		return rc;
	if (!reuse(o, rel, pf->hash, pf->size))
		return MQ_OK;
	*reused = 1;
	tally(o, pf->size, 0, 0, 1);
	return add_file(o, rel, pf->hash, pf->size, flags);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_file(const void *a, const void *b)
{
	const struct mq_out_file *const *x = a, *const *y = b;

	return strcmp((*x)->rel, (*y)->rel);
}

/* Remove release directory NAME and its list NAME.files.tsv. */
static void
remove_release(struct mq_out *o, const char *name)
{
	char *path;

	if ((path = mq_strf("%s/%s", o->releases, name)) != NULL) {
		(void)mq_file_rmtree(path);
		free(path);
	}
	if ((path = mq_strf("%s/%s.files.tsv", o->releases, name)) != NULL) {
		unlink(path);
		free(path);
	}
	if ((path = mq_strf("%s/%s.foldin.bin", o->releases, name)) != NULL) {
		unlink(path);
		free(path);
	}
}

/*
 * Keep the newest `keep` complete releases (those with their ID.files.tsv;
 * ids sort by time), always the new one and the one it replaced; remove
 * the rest, and what killed builds left behind (a directory without its
 * list, a list without its directory).  Builds are serialised by the
 * caller, so nothing here is in progress.
 */
static void
prune(struct mq_out *o, unsigned keep)
{
	const char *prev = o->prev_dir ? strrchr(o->prev_dir, '/') + 1 : "";
	char **names = NULL, *path;
	size_t n = 0, cap = 0, i, complete = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if ((d = opendir(o->releases)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL)
				break;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (names)
		qsort(names, n, sizeof(*names), cmp_str);
	/* newest first: count complete releases, drop the rest */
	for (i = n; i-- > 0; ) {
		const char *dot = strchr(names[i], '.');
		int is_list = dot && !strcmp(dot, ".files.tsv");

		if (!strcmp(names[i], o->id) || !strcmp(names[i], prev))
			continue;
		if (dot && !strcmp(dot, ".foldin.bin"))
			continue;	/* goes with its release */
		if (is_list) {
			/* a list whose directory is gone */
			if ((path = mq_strf("%s/%.*s", o->releases,
			    (int)(dot - names[i]), names[i])) != NULL) {
				if (lstat(path, &st) && errno == ENOENT)
					remove_release(o, path +
					    strlen(o->releases) + 1);
				free(path);
			}
			continue;
		}
		if (dot)
			continue;	/* not ours */
		path = mq_strf("%s/%s.files.tsv", o->releases, names[i]);
		if (path && lstat(path, &st) == 0 && ++complete + 2 <= keep) {
			free(path);
			continue;
		}
		free(path);
		remove_release(o, names[i]);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* fsync a directory, so a rename in it survives a power cut. */
static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int
mq_out_link(const char *link, const char *target)
{
	char *tmp = mq_strf("%s.tmp-link-%ld", link, (long)getpid());
	int rc = MQ_OK;

	if (tmp == NULL)
		return mq_oom();
	unlink(tmp);
	if (symlink(target, tmp) || rename(tmp, link)) {
		mq_warn("%s", link);
		unlink(tmp);
		rc = MQ_EIO;
	}
	free(tmp);
	return rc;
}

/* Point the site link at SITE.releases/name (relative). */
static int
switch_link(const char *site, const char *name)
{
	const char *base = strrchr(site, '/') ? strrchr(site, '/') + 1 : site;
	char *target = mq_strf("%s.releases/%s", base, name);
	int rc;

	if (target == NULL)
		return mq_oom();
	rc = mq_out_link(site, target);
	free(target);
	return rc;
}

int
mq_out_commit(struct mq_out *o, const char *extra, unsigned keep)
{
	struct mq_buf m = MQ_BUF_INIT, t = MQ_BUF_INIT;
	const struct mq_out_file **byname = NULL;
	char *path = NULL;
	size_t i;
	int rc, first = 1;

	mq_buf_printf(&m, "{\n  \"build\": ");
	mq_esc_jstr(&m, o->id);
	mq_buf_printf(&m, ",\n");
	if (extra && *extra)
		mq_buf_printf(&m, "  %s,\n", extra);
	mq_buf_printf(&m, "  \"files\": {");
	/* the full list by path: the same whatever order threads wrote in */
	if ((byname = mq_allocarray(o->nfiles + 1, sizeof(*byname))) == NULL) {
		rc = mq_oom();
		goto out;
	}
	for (i = 0; i < o->nfiles; i++)
		byname[i] = &o->files[i];
	qsort(byname, o->nfiles, sizeof(*byname), cmp_file);
	for (i = 0; i < o->nfiles; i++)
		mq_buf_printf(&t, "%s\t%s\t%llu\n", byname[i]->rel,
		    byname[i]->hash, (unsigned long long)byname[i]->size);
	/* the public manifest by path too: writers run on threads */
	for (i = 0; i < o->nfiles; i++) {
		const struct mq_out_file *f = byname[i];

		if (f->flags & MQ_OUT_PRIVATE)
			continue;
		mq_buf_printf(&m, "%s\n    ", first ? "" : ",");
		mq_esc_jstr(&m, f->rel);
		mq_buf_printf(&m, ": {\"sha256\": \"%s\", \"size\": %llu}",
		    f->hash, (unsigned long long)f->size);
		first = 0;
	}
	mq_buf_printf(&m, "\n  }\n}\n");
	if ((rc = mq_out_putb(o, "manifest.json", &m, 0)))
		goto out;
	/* the full list, outside the served tree: it names private paths */
	if ((rc = mq_buf_ok(&t)))
		goto out;
	if ((path = mq_strf("%s.files.tsv", o->dir)) == NULL) {
		rc = mq_oom();
		goto out;
	}
	if ((rc = mq_file_write(path, t.s ? t.s : "", t.len, 0600)))
		goto out;
	/* files on disk before the link names them */
	if ((rc = mq_file_sync(o->dir)) || (rc = switch_link(o->site, o->id)))
		goto out;
	{
		char *parent = strdup(o->site), *sl;

		if (parent) {
			sl = strrchr(parent, '/');
			if (sl)
				*sl = '\0';
			sync_dir(sl ? parent : ".");
			free(parent);
		}
	}
	prune(o, keep < 2 ? 2 : keep);
	/* committed: abort must not remove the release any more */
	free(o->dir);
	o->dir = NULL;
out:
	mq_buf_release(&m);
	mq_buf_release(&t);
	free(byname);
	free(path);
	return rc;
}

size_t
mq_out_count(const struct mq_out *o, const char *prefix, const char *suffix)
{
	size_t k, n = 0, pl = strlen(prefix), sl = strlen(suffix);

	for (k = 0; k < o->nfiles; k++) {
		const char *r = o->files[k].rel;
		size_t rl = strlen(r);

		n += rl >= pl + sl && !strncmp(r, prefix, pl) &&
		    !strcmp(r + rl - sl, suffix);
	}
	return n;
}

int
mq_out_rollback(const char *site, char *id, size_t size)
{
	char target[PATH_MAX], *releases = NULL, *path, best[256] = "";
	const char *cur;
	struct dirent *de;
	struct stat st;
	ssize_t tl;
	DIR *d;
	int rc;

	if ((tl = readlink(site, target, sizeof(target) - 1)) < 0) {
		mq_warn("%s: not a site link", site);
		return MQ_EIO;
	}
	target[tl] = '\0';
	cur = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if ((releases = mq_strf("%s.releases", site)) == NULL)
		return mq_oom();
	if ((d = opendir(releases)) == NULL) {
		mq_warn("%s", releases);
		free(releases);
		return MQ_EIO;
	}
	/* the newest complete release older than the current one */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strchr(de->d_name, '.') ||
		    strcmp(de->d_name, cur) >= 0 ||
		    strcmp(de->d_name, best) <= 0 ||
		    strlen(de->d_name) >= sizeof(best))
			continue;
		path = mq_strf("%s/%s.files.tsv", releases, de->d_name);
		if (path && stat(path, &st) == 0)
			snprintf(best, sizeof(best), "%s", de->d_name);
		free(path);
	}
	closedir(d);
	free(releases);
	if (best[0] == '\0') {
		mq_warnx("%s: no earlier complete release to go back to", site);
		return MQ_EDATA;
	}
	if ((rc = switch_link(site, best)) == MQ_OK)
		snprintf(id, size, "%s", best);
	return rc;
}

void
mq_out_abort(struct mq_out *o)
{
	size_t i;

	if (o == NULL)
		return;
	if (o->dir && o->made) {
		char *fold;

		(void)mq_file_rmtree(o->dir);
		if ((fold = mq_strf("%s.foldin.bin", o->dir)) != NULL) {
			unlink(fold);
			free(fold);
		}
	}
	for (i = 0; i < o->nfiles; i++)
		free(o->files[i].rel);
	free(o->files);
	prev_free(o->prev);
	free(o->seen);
	mq_out_writer_release(&o->w);
	if (o->locked)
		pthread_mutex_destroy(&o->lock);
	free(o->site);
	free(o->releases);
	free(o->id);
	free(o->dir);
	free(o->prev_dir);
	memset(o, 0, sizeof(*o));
}

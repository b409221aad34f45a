/*
 * mq_snap.c - binary snapshots of parsed data sets, keyed on the CSV files.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mq_err.h"
#include "mq_hash.h"
#include "mq_snap.h"

#define SNAP_MAGIC	"MQSNAP\r\n"
#define SNAP_VERSION	1u	/* bump when struct mq_data or parsing changes */
#define SNAP_ORDER	0x01020304u

/* ------------------------------------------------------------------ */
/* The key. */

int
mq_snap_key(struct mq_snap_key *k, const char *dir)
{
	char path[PATH_MAX];
	int f, rc;

	memset(k, 0, sizeof(*k));
	for (f = 0; f < MQ_F_NFILES; f++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir,
		    mq_data_file_name[f]) >= (int)sizeof(path)) {
			mq_warnx("%s: path too long", dir);
			return MQ_EIO;
		}
		if ((rc = mq_sha256_file(path, &k->f[f].present,
		    &k->f[f].size, k->f[f].sha256)))
			return rc;
	}
	return MQ_OK;
}

void
mq_snap_key_hex(const struct mq_snap_key *k, enum mq_file fi, char hex[65])
{
	if (!k->f[fi].present)
		snprintf(hex, 65, "absent");
	else
		mq_sha256_tohex(k->f[fi].sha256, hex);
}

static int
key_same(const struct mq_snap_key *a, const struct mq_snap_key *b)
{
	int f;

	for (f = 0; f < MQ_F_NFILES; f++)
		if (a->f[f].present != b->f[f].present ||
		    a->f[f].size != b->f[f].size ||
		    memcmp(a->f[f].sha256, b->f[f].sha256, 32))
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* The strings of a data set, in the snapshot's order. */

static size_t
nstrings(const struct mq_data *d)
{
	return (size_t)d->nmovies * (d->overview ? 4 : 1) + d->ngenres +
	    d->ntags + d->ngtags;
}

/* The k-th string (NULL allowed), k < nstrings(d). */
static const char *
string_at(const struct mq_data *d, size_t k)
{
	size_t nm = d->nmovies;

	if (k < nm)
		return d->title[k];
	k -= nm;
	if (d->overview) {
		if (k < nm)
			return d->overview[k];
		if (k < 2 * nm)
			return d->directors[k - nm];
		if (k < 3 * nm)
			return d->cast[k - 2 * nm];
		k -= 3 * nm;
	}
	if (k < d->ngenres)
		return d->genre_name[k];
	k -= d->ngenres;
	if (k < d->ntags)
		return d->tags[k].text;
	return d->gtag_name[k - d->ntags];
}

/* Where the k-th string's pointer lives in d (the reader fills it). */
static const char **
string_slot(struct mq_data *d, size_t k)
{
	size_t nm = d->nmovies;

	if (k < nm)
		return &d->title[k];
	k -= nm;
	if (d->overview) {
		if (k < nm)
			return &d->overview[k];
		if (k < 2 * nm)
			return &d->directors[k - nm];
		if (k < 3 * nm)
			return &d->cast[k - 2 * nm];
		k -= 3 * nm;
	}
	if (k < d->ngenres)
		return &d->genre_name[k];
	k -= d->ngenres;
	if (k < d->ntags)
		return &d->tags[k].text;
	return &d->gtag_name[k - d->ntags];
}

/* ------------------------------------------------------------------ */
/* Counts: what sizes the payload's arrays. */

struct counts {
	uint32_t nmovies, nusers, ngenres, ngtags;
	uint64_t ntags, nnz, nstr, strbytes;
	uint32_t has_meta, has_genome;
	uint64_t rows[MQ_F_NFILES], kept[MQ_F_NFILES];
	uint32_t present[MQ_F_NFILES];
};

/* Bytes of the payload the counts describe; 0 when it would overflow. */
static uint64_t
payload_size(const struct counts *c)
{
	uint64_t nm = c->nmovies, nu = c->nusers, s;
	double approx;

	/* counts from a damaged file can be anything: refuse what cannot fit */
	approx = (double)nm * (2 + 4 + 8 + 8 + 8 + 4 * 8.0) + (double)nu * 12 +
	    (double)c->nnz * 26 + (double)nm * c->ngtags * 4 +
	    (double)c->ntags * 24 + (double)c->nstr * 8 + (double)c->strbytes;
	if (approx > 1e15)
		return 0;
	s = sizeof(*c);
	s += nm * (4 + 2 + 8 + 8 + 8);			/* films */
	s += nu * 4;					/* user ids */
	s += (nu + 1) * sizeof(size_t) + c->nnz * (4 + 1 + 8);	/* rows */
	s += (nm + 1) * sizeof(size_t) + c->nnz * (4 + 1);	/* columns */
	s += c->ntags * sizeof(struct mq_tag);
	s += (uint64_t)c->ngtags * 4;
	if (c->has_genome)
		s += nm * c->ngtags * sizeof(float);
	s += c->nstr * 8 + c->strbytes;
	return s;
}

/* ------------------------------------------------------------------ */
/* Writing. */

struct wr {
	FILE *f;
	struct mq_sha256_ctx *h;
	int err;
};

static void
wput(struct wr *w, const void *p, size_t n)
{
	if (n == 0 || w->err)
		return;
	if (fwrite(p, 1, n, w->f) != n)
		w->err = 1;
	mq_sha256_add(w->h, p, n);
}

static void
whead(FILE *f, const struct mq_snap_key *k, uint64_t psize,
    const unsigned char sum[32], int *err)
{
	uint32_t u = SNAP_VERSION, order = SNAP_ORDER, zs = sizeof(size_t);
	int fi;

	if (fwrite(SNAP_MAGIC, 1, 8, f) != 8 || fwrite(&u, 4, 1, f) != 1 ||
	    fwrite(&order, 4, 1, f) != 1 || fwrite(&zs, 4, 1, f) != 1)
		*err = 1;
	for (fi = 0; fi < MQ_F_NFILES; fi++) {
		unsigned char pr = (unsigned char)k->f[fi].present;

		if (fwrite(&pr, 1, 1, f) != 1 ||
		    fwrite(&k->f[fi].size, 8, 1, f) != 1 ||
		    fwrite(k->f[fi].sha256, 1, 32, f) != 32)
			*err = 1;
	}
	if (fwrite(&psize, 8, 1, f) != 1 || fwrite(sum, 1, 32, f) != 32)
		*err = 1;
}

int
mq_snap_save(const struct mq_data *d, const char *path,
    const struct mq_snap_key *k)
{
	const struct mq_matrix *R = &d->R;
	unsigned char zero[32] = { 0 }, sum[32];
	struct counts c;
	struct mq_tag tb[1024];
	struct wr w;
	char tmp[PATH_MAX];
	size_t i, j, n, r;
	uint64_t off, psize;
	int fd, fi;

	for (fi = 0; fi < MQ_F_NFILES; fi++)
		for (r = 0; r < MQ_REJ_NREASONS; r++)
			if (d->stats[fi].rejected[r])
				return MQ_EDATA;
	memset(&c, 0, sizeof(c));
	c.nmovies = d->nmovies;
	c.nusers = d->nusers;
	c.ngenres = d->ngenres;
	c.ngtags = d->ngtags;
	c.ntags = d->ntags;
	c.nnz = R->nnz;
	c.has_meta = d->overview != NULL;
	c.has_genome = d->genome != NULL;
	c.nstr = nstrings(d);
	for (i = 0; i < c.nstr; i++) {
		const char *s = string_at(d, i);

		c.strbytes += s ? strlen(s) + 1 : 0;
	}
	for (fi = 0; fi < MQ_F_NFILES; fi++) {
		c.rows[fi] = d->stats[fi].rows;
		c.kept[fi] = d->stats[fi].kept;
		c.present[fi] = (uint32_t)d->stats[fi].present;
	}
	psize = payload_size(&c);

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >=
	    (int)sizeof(tmp)) {
		mq_warnx("%s: path too long", path);
		return MQ_EIO;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		mq_warn("%s", tmp);
		return MQ_EIO;
	}
	memset(&w, 0, sizeof(w));
	if ((w.f = fdopen(fd, "wb")) == NULL) {
		mq_warn("%s", tmp);
		close(fd);
		unlink(tmp);
		return MQ_EIO;
	}
	if ((w.h = mq_sha256_begin()) == NULL)
		w.err = 1;
	/* big writes: the arrays are hundreds of MB at 20M ratings */
	setvbuf(w.f, NULL, _IOFBF, 1 << 20);
	/* the header's checksum is filled in once the payload is written */
	whead(w.f, k, psize, zero, &w.err);
	wput(&w, &c, sizeof(c));
	wput(&w, d->movie_id, c.nmovies * sizeof(*d->movie_id));
	wput(&w, d->year, c.nmovies * sizeof(*d->year));
	wput(&w, d->genres, c.nmovies * sizeof(*d->genres));
	wput(&w, d->imdb_id, c.nmovies * sizeof(*d->imdb_id));
	wput(&w, d->tmdb_id, c.nmovies * sizeof(*d->tmdb_id));
	wput(&w, d->user_id, c.nusers * sizeof(*d->user_id));
	wput(&w, R->u_off, (c.nusers + 1) * sizeof(*R->u_off));
	wput(&w, R->u_item, c.nnz * sizeof(*R->u_item));
	wput(&w, R->u_half, c.nnz * sizeof(*R->u_half));
	wput(&w, R->u_ts, c.nnz * sizeof(*R->u_ts));
	wput(&w, R->i_off, (c.nmovies + 1) * sizeof(*R->i_off));
	wput(&w, R->i_user, c.nnz * sizeof(*R->i_user));
	wput(&w, R->i_half, c.nnz * sizeof(*R->i_half));
	/* tags without their text pointers: offsets below say where */
	for (i = 0; i < c.ntags; i += n) {
		n = c.ntags - i < 1024 ? (size_t)(c.ntags - i) : 1024;
		for (j = 0; j < n; j++) {
			tb[j] = d->tags[i + j];
			tb[j].text = NULL;
		}
		wput(&w, tb, n * sizeof(*tb));
	}
	wput(&w, d->gtag_id, (size_t)c.ngtags * sizeof(*d->gtag_id));
	if (c.has_genome)
		wput(&w, d->genome, (size_t)c.nmovies * c.ngtags *
		    sizeof(*d->genome));
	for (i = 0, off = 0; i < c.nstr; i++) {
		const char *s = string_at(d, i);
		uint64_t v = s ? off + 1 : 0;

		wput(&w, &v, 8);
		off += s ? strlen(s) + 1 : 0;
	}
	for (i = 0; i < c.nstr; i++) {
		const char *s = string_at(d, i);

		if (s)
			wput(&w, s, strlen(s) + 1);
	}
	mq_sha256_end(w.h, sum);
	if (!w.err && fseek(w.f, 0, SEEK_SET) == 0)
		whead(w.f, k, psize, sum, &w.err);
	else
		w.err = 1;
	/* no fsync: a snapshot torn by a crash fails its checksum and is
	   made again; it is a cache of the CSV files, which stay */
	if (fflush(w.f))
		w.err = 1;
	if (fclose(w.f))
		w.err = 1;
	if (w.err || rename(tmp, path)) {
		mq_warn("%s", path);
		unlink(tmp);
		return MQ_EIO;
	}
	return MQ_OK;
}

/* ------------------------------------------------------------------ */
/* Reading. */

struct rd {
	FILE *f;
	struct mq_sha256_ctx *h;
	uint64_t left;		/* payload bytes not read yet */
	int err;		/* 1: short or failed read */
};

/* Read n bytes into p (n may be 0). */
static void
rget(struct rd *r, void *p, size_t n)
{
	if (n == 0 || r->err)
		return;
	if (n > r->left || fread(p, 1, n, r->f) != n) {
		r->err = 1;
		return;
	}
	r->left -= n;
	mq_sha256_add(r->h, p, n);
}

/* A new array of n elements of size sz, read in; NULL on failure. */
static void *
rarr(struct rd *r, size_t n, size_t sz, int *oom)
{
	void *p;

	if (r->err)
		return NULL;
	if ((p = mq_allocarray(n ? n : 1, sz)) == NULL) {
		*oom = 1;
		r->err = 1;
		return NULL;
	}
	rget(r, p, n * sz);
	return p;
}

/*
 * Read the header: *ok is 0 when the file is not a snapshot of this
 * format, byte order and word size.
 */
static void
rhead(FILE *f, struct mq_snap_key *k, uint64_t *psize, unsigned char sum[32],
    int *ok)
{
	char magic[8];
	uint32_t v, order, zs;
	int fi;

	*ok = 0;
	memset(k, 0, sizeof(*k));
	if (fread(magic, 1, 8, f) != 8 || memcmp(magic, SNAP_MAGIC, 8) ||
	    fread(&v, 4, 1, f) != 1 || v != SNAP_VERSION ||
	    fread(&order, 4, 1, f) != 1 || order != SNAP_ORDER ||
	    fread(&zs, 4, 1, f) != 1 || zs != sizeof(size_t))
		return;
	for (fi = 0; fi < MQ_F_NFILES; fi++) {
		unsigned char pr;

		if (fread(&pr, 1, 1, f) != 1 ||
		    fread(&k->f[fi].size, 8, 1, f) != 1 ||
		    fread(k->f[fi].sha256, 1, 32, f) != 32)
			return;
		k->f[fi].present = pr;
	}
	if (fread(psize, 8, 1, f) != 1 || fread(sum, 1, 32, f) != 32)
		return;
	*ok = 1;
}

/*
 * Read the snapshot at path into d and its key into k, whatever the key.
 * *hit: 1 when d holds the snapshot, else why says what was wrong.
 */
static int
snap_read(struct mq_data *d, const char *path, struct mq_snap_key *k,
    int *hit, const char **why)
{
	struct mq_matrix *R = &d->R;
	unsigned char sum[32], got[32];
	struct counts c;
	struct rd r;
	struct stat st;
	uint64_t psize, *offs = NULL;
	size_t i;
	int ok, oom = 0, fi;

	memset(d, 0, sizeof(*d));
	memset(&r, 0, sizeof(r));
	*hit = 0;
	*why = "no snapshot yet";
	if ((r.f = fopen(path, "rb")) == NULL) {
		if (errno == ENOENT)
			return MQ_OK;
		mq_warn("%s", path);
		return MQ_EIO;
	}
	*why = "not a snapshot of this version";
	rhead(r.f, k, &psize, sum, &ok);
	if (!ok)
		goto out;
	*why = "damaged";
	if (fstat(fileno(r.f), &st) || (uint64_t)st.st_size < psize ||
	    (uint64_t)ftell(r.f) + psize != (uint64_t)st.st_size)
		goto out;
	r.left = psize;
	if ((r.h = mq_sha256_begin()) == NULL) {
		oom = 1;
		goto out;
	}
	rget(&r, &c, sizeof(c));
	if (r.err || payload_size(&c) != psize || c.ngenres > MQ_GENRES_MAX ||
	    c.nstr != (uint64_t)c.nmovies * (c.has_meta ? 4 : 1) + c.ngenres +
	    c.ntags + c.ngtags)
		goto out;
	d->nmovies = c.nmovies;
	d->nusers = c.nusers;
	d->ngenres = c.ngenres;
	d->ngtags = c.ngtags;
	d->ntags = (size_t)c.ntags;
	d->movie_id = rarr(&r, c.nmovies, sizeof(*d->movie_id), &oom);
	d->year = rarr(&r, c.nmovies, sizeof(*d->year), &oom);
	d->genres = rarr(&r, c.nmovies, sizeof(*d->genres), &oom);
	d->imdb_id = rarr(&r, c.nmovies, sizeof(*d->imdb_id), &oom);
	d->tmdb_id = rarr(&r, c.nmovies, sizeof(*d->tmdb_id), &oom);
	d->user_id = rarr(&r, c.nusers, sizeof(*d->user_id), &oom);
	R->nusers = c.nusers;
	R->nitems = c.nmovies;
	R->nnz = (size_t)c.nnz;
	R->u_off = rarr(&r, (size_t)c.nusers + 1, sizeof(*R->u_off), &oom);
	R->u_item = rarr(&r, R->nnz, sizeof(*R->u_item), &oom);
	R->u_half = rarr(&r, R->nnz, sizeof(*R->u_half), &oom);
	R->u_ts = rarr(&r, R->nnz, sizeof(*R->u_ts), &oom);
	R->i_off = rarr(&r, (size_t)c.nmovies + 1, sizeof(*R->i_off), &oom);
	R->i_user = rarr(&r, R->nnz, sizeof(*R->i_user), &oom);
	R->i_half = rarr(&r, R->nnz, sizeof(*R->i_half), &oom);
	d->tags = rarr(&r, d->ntags, sizeof(*d->tags), &oom);
	d->gtag_id = rarr(&r, c.ngtags, sizeof(*d->gtag_id), &oom);
	if (c.has_genome)
		d->genome = rarr(&r, (size_t)c.nmovies * c.ngtags,
		    sizeof(*d->genome), &oom);
	offs = rarr(&r, (size_t)c.nstr, sizeof(*offs), &oom);
	d->strings = rarr(&r, (size_t)c.strbytes, 1, &oom);
	/* the arrays of string pointers the offsets fill */
	if (!r.err) {
		d->title = calloc(c.nmovies + 1, sizeof(*d->title));
		d->gtag_name = calloc(c.ngtags + 1, sizeof(*d->gtag_name));
		if (c.has_meta) {
			d->overview = calloc(c.nmovies + 1, sizeof(char *));
			d->directors = calloc(c.nmovies + 1, sizeof(char *));
			d->cast = calloc(c.nmovies + 1, sizeof(char *));
		}
		if (!d->title || !d->gtag_name || (c.has_meta &&
		    (!d->overview || !d->directors || !d->cast)))
			oom = 1;
	}
	if (oom)
		goto out;
	*why = "damaged";
	if (r.err || r.left != 0)
		goto out;
	mq_sha256_end(r.h, got);
	r.h = NULL;
	if (memcmp(got, sum, 32))
		goto out;
	/* what the checksum cannot vouch for: that we wrote sane arrays */
	if (R->u_off[0] != 0 || R->u_off[c.nusers] != R->nnz ||
	    R->i_off[0] != 0 || R->i_off[c.nmovies] != R->nnz ||
	    (c.strbytes && d->strings[c.strbytes - 1] != '\0'))
		goto out;
	for (i = 0; i < c.nstr; i++) {
		if (offs[i] > c.strbytes)
			goto out;
		*string_slot(d, i) = offs[i] ? d->strings + offs[i] - 1 : NULL;
	}
	for (fi = 0; fi < MQ_F_NFILES; fi++) {
		d->stats[fi].name = mq_data_file_name[fi];
		d->stats[fi].rows = (size_t)c.rows[fi];
		d->stats[fi].kept = (size_t)c.kept[fi];
		d->stats[fi].present = (int)c.present[fi];
	}
	*hit = 1;
	*why = NULL;
out:
	mq_sha256_end(r.h, got);	/* frees it when not ended yet */
	fclose(r.f);
	free(offs);
	if (!*hit)
		mq_data_release(d);
	if (oom) {
		mq_warnx("%s: out of memory", path);
		return MQ_ENOMEM;
	}
	return MQ_OK;
}

int
mq_snap_load(struct mq_data *d, const char *path,
    const struct mq_snap_key *k, int *hit, const char **why)
{
	struct mq_snap_key stored;
	const char *w;
	int rc;

	if ((rc = snap_read(d, path, &stored, hit, &w)))
		return rc;
	if (*hit && !key_same(k, &stored)) {
		mq_data_release(d);
		*hit = 0;
		w = "the CSV files changed";
	}
	if (why)
		*why = w;
	return MQ_OK;
}

/* ------------------------------------------------------------------ */
/* Loading through a snapshot. */

struct keyjob {
	const char *dir;
	struct mq_snap_key k;
	int rc;
};

static void *
key_worker(void *arg)
{
	struct keyjob *j = arg;

	j->rc = mq_snap_key(&j->k, j->dir);
	return NULL;
}

/* Size and modification time of each file: did it change meanwhile? */
struct fstamp {
	off_t size[MQ_F_NFILES];
	struct timespec mtime[MQ_F_NFILES];
	int present[MQ_F_NFILES];
};

static void
stamp(const char *dir, struct fstamp *s)
{
	char path[PATH_MAX];
	struct stat st;
	int f;

	memset(s, 0, sizeof(*s));
	for (f = 0; f < MQ_F_NFILES; f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, mq_data_file_name[f]);
		if (stat(path, &st) == 0) {
			s->present[f] = 1;
			s->size[f] = st.st_size;
			s->mtime[f] = st.st_mtim;
		}
	}
}

static int
stamp_same(const struct fstamp *a, const struct fstamp *b)
{
	int f;

	for (f = 0; f < MQ_F_NFILES; f++)
		if (a->present[f] != b->present[f] || a->size[f] != b->size[f] ||
		    a->mtime[f].tv_sec != b->mtime[f].tv_sec ||
		    a->mtime[f].tv_nsec != b->mtime[f].tv_nsec)
			return 0;
	return 1;
}

/* Whether the snapshot's header names files of the sizes seen now. */
static int
sizes_match(const char *path, const struct fstamp *now)
{
	struct mq_snap_key k;
	unsigned char sum[32];
	uint64_t psize;
	FILE *f;
	int ok, fi;

	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	rhead(f, &k, &psize, sum, &ok);
	fclose(f);
	for (fi = 0; ok && fi < MQ_F_NFILES; fi++)
		if (k.f[fi].present != now->present[fi] ||
		    (now->present[fi] && k.f[fi].size != (uint64_t)now->size[fi]))
			ok = 0;
	return ok;
}

int
mq_snap_data_load(struct mq_data *d, const char *dir, const char *path,
    const struct mq_load_opts *o, struct mq_snap_info *info)
{
	struct keyjob kj;
	struct fstamp before, after;
	struct mq_snap_key stored;
	pthread_t th;
	int rc = MQ_OK, started, hit = 0, fi;
	const char *why = "no snapshot yet";

	memset(info, 0, sizeof(*info));
	memset(&kj, 0, sizeof(kj));
	memset(d, 0, sizeof(*d));
	kj.dir = dir;
	stamp(dir, &before);
	/* the key is hashed on the other core while this one reads */
	started = pthread_create(&th, NULL, key_worker, &kj) == 0;
	if (!started)
		key_worker(&kj);
	if (sizes_match(path, &before)) {
		rc = snap_read(d, path, &stored, &hit, &why);
		if (started)
			pthread_join(th, NULL);
		started = 0;
		if (rc == MQ_OK && (rc = kj.rc) == MQ_OK && hit &&
		    !key_same(&kj.k, &stored)) {
			mq_data_release(d);
			hit = 0;
			why = "the CSV files changed";
		}
		if (rc) {
			mq_data_release(d);
			return rc;
		}
	} else if (before.present[MQ_F_RATINGS] &&
	    access(path, F_OK) == 0)
		why = "the CSV files changed";
	if (!hit) {
		rc = mq_data_load(d, dir, o);
		if (started)
			pthread_join(th, NULL);
		if (rc)
			return rc;
		if ((rc = kj.rc)) {
			mq_data_release(d);
			return rc;
		}
		stamp(dir, &after);
		if (!stamp_same(&before, &after))
			info->save = "not saved: the CSV files changed while "
			    "they were read";
		else if ((rc = mq_snap_save(d, path, &kj.k)) == MQ_EDATA) {
			info->save = "not saved: rows were rejected";
			rc = MQ_OK;
		} else if (rc == MQ_OK)
			info->saved = 1;
		else {
			/* the data are loaded: a snapshot is only a saving */
			info->save = "not saved";
			rc = MQ_OK;
		}
	}
	for (fi = 0; fi < MQ_F_NFILES; fi++)
		mq_snap_key_hex(&kj.k, (enum mq_file)fi, d->stats[fi].sha256);
	info->hit = hit;
	info->why = why;
	return rc;
}

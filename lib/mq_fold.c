/*
 * mq_fold.c - write, map and use the fold-in file (see mq_fold.h).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mq_buf.h"
#include "mq_err.h"
#include "mq_fold.h"
#include "mq_file.h"
#include "mq_topk.h"

/* The same weights as the item model's defaults (mq_model.c). */
#define FOLD_RECENCY	2.0	/* half-life, in ratings */
#define FOLD_LIKED	1.0

int
mq_fold_write(const char *path, const char *build, const struct mq_data *d,
    const struct mq_nbrs *nb, const uint32_t *fallback, char *const *title,
    char *const *poster)
{
	struct mq_fold_hdr h;
	struct mq_buf b = MQ_BUF_INIT, s = MQ_BUF_INIT;
	uint32_t i, q, n = d->nmovies, k = nb->k, off;
	int rc;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, MQ_FOLD_MAGIC, sizeof(MQ_FOLD_MAGIC));
	h.version = 1;
	h.n = n;
	h.k = k;
	h.max_user = d->nusers ? d->user_id[d->nusers - 1] : 0;
	snprintf(h.build, sizeof(h.build), "%s", build);
	/* strings first, to know their size */
	for (i = 0; i < n; i++) {
		mq_buf_add(&s, title[i], strlen(title[i]) + 1);
		mq_buf_add(&s, poster[i], strlen(poster[i]) + 1);
	}
	h.nstr = (uint32_t)s.len;
	mq_buf_add(&b, &h, sizeof(h));
	mq_buf_add(&b, d->movie_id, n * sizeof(uint32_t));
	for (i = 0; i < n; i++)
		for (q = 0; q < k; q++) {
			uint32_t v = q < nb->cnt[i] ?
			    nb->id[(size_t)i * k + q] : UINT32_MAX;

			mq_buf_add(&b, &v, sizeof(v));
		}
	for (i = 0; i < n; i++)
		for (q = 0; q < k; q++) {
			float v = q < nb->cnt[i] ? nb->sim[(size_t)i * k + q] : 0;

			mq_buf_add(&b, &v, sizeof(v));
		}
	mq_buf_add(&b, fallback, n * sizeof(uint32_t));
	for (i = 0, off = 0; i < n; i++) {
		mq_buf_add(&b, &off, sizeof(off));
		off += (uint32_t)(strlen(title[i]) + 1 + strlen(poster[i]) + 1);
	}
	for (i = 0, off = 0; i < n; i++) {
		uint32_t p = off + (uint32_t)strlen(title[i]) + 1;

		mq_buf_add(&b, &p, sizeof(p));
		off += (uint32_t)(strlen(title[i]) + 1 + strlen(poster[i]) + 1);
	}
	for (i = 0; i < n; i++) {
		int32_t y = d->year[i];

		mq_buf_add(&b, &y, sizeof(y));
	}
	mq_buf_add(&b, s.s ? s.s : "", s.len);
	if ((rc = mq_buf_ok(&b)) == MQ_OK && (rc = mq_buf_ok(&s)) == MQ_OK)
		rc = mq_file_write(path, b.s, b.len, 0644);
	mq_buf_release(&b);
	mq_buf_release(&s);
	return rc;
}

void
mq_fold_close(struct mq_fold *f)
{
	if (f == NULL)
		return;
	if (f->map)
		munmap(f->map, f->len);
	memset(f, 0, sizeof(*f));
}

int
mq_fold_open(struct mq_fold *f, const char *path)
{
	const char *p;
	struct stat st;
	size_t need;
	uint32_t i, q, n, k;
	int fd;

	memset(f, 0, sizeof(*f));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st)) {
		mq_warn("%s", path);
		if (fd >= 0)
			close(fd);
		return MQ_EIO;
	}
	if ((size_t)st.st_size < sizeof(struct mq_fold_hdr)) {
		close(fd);
		goto bad;
	}
	f->len = (size_t)st.st_size;
	f->map = mmap(NULL, f->len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		mq_warn("mmap %s", path);
		return MQ_EIO;
	}
	f->h = f->map;
	n = f->h->n;
	k = f->h->k;
	if (memcmp(f->h->magic, MQ_FOLD_MAGIC, sizeof(MQ_FOLD_MAGIC)) ||
	    f->h->version != 1 || n > (1u << 26) || k > 1024)
		goto bad;
	need = sizeof(struct mq_fold_hdr) + (size_t)n * 4 * 5 +
	    (size_t)n * k * 8 + f->h->nstr;
	if (need != f->len)
		goto bad;
	p = (const char *)f->map + sizeof(struct mq_fold_hdr);
	f->movie_id = (const uint32_t *)p;
	p += (size_t)n * 4;
	f->nbr = (const uint32_t *)p;
	p += (size_t)n * k * 4;
	f->sim = (const float *)p;
	p += (size_t)n * k * 4;
	f->fallback = (const uint32_t *)p;
	p += (size_t)n * 4;
	f->title_off = (const uint32_t *)p;
	p += (size_t)n * 4;
	f->poster_off = (const uint32_t *)p;
	p += (size_t)n * 4;
	f->year = (const int32_t *)p;
	p += (size_t)n * 4;
	f->str = p;
	/* the strings end with a NUL; every index and offset in range */
	if (f->h->nstr == 0 || f->str[f->h->nstr - 1] != '\0')
		goto bad;
	for (i = 0; i < n; i++) {
		if ((i && f->movie_id[i] <= f->movie_id[i - 1]) ||
		    f->fallback[i] >= n || f->title_off[i] >= f->h->nstr ||
		    f->poster_off[i] >= f->h->nstr)
			goto bad;
		for (q = 0; q < k; q++) {
			uint32_t j = f->nbr[(size_t)i * k + q];

			if (j != UINT32_MAX && j >= n)
				goto bad;
		}
	}
	return MQ_OK;
bad:
	mq_warnx("%s: not a fold-in file of this version, or damaged", path);
	mq_fold_close(f);
	return MQ_EDATA;
}

int64_t
mq_fold_movie(const struct mq_fold *f, uint32_t id)
{
	return mq_find_id(f->movie_id, f->h->n, id);
}

uint32_t
mq_fold_recommend(const struct mq_fold *f, const struct mq_fold_rating *r,
    size_t nr, uint32_t n, uint32_t *out)
{
	const uint32_t N = f->h->n, k = f->h->k;
	float *acc = calloc(N ? N : 1, sizeof(float));
	uint8_t *seen = calloc(N ? N : 1, 1);
	struct mq_topk top;
	double mean = 0;
	size_t a, b;
	uint32_t got = 0, q, x;

	if (acc == NULL || seen == NULL || mq_topk_init(&top, n)) {
		free(acc);
		free(seen);
		return 0;
	}
	for (a = 0; a < nr; a++) {
		int64_t i = mq_fold_movie(f, r[a].movie_id);

		mean += r[a].half;
		if (i >= 0)
			seen[i] = 1;
	}
	mean = nr ? mean / nr : 0;
	for (a = 0; a < nr; a++) {
		int64_t i = mq_fold_movie(f, r[a].movie_id);
		size_t newer = 0;
		float w;

		if (i < 0)
			continue;
		for (b = 0; b < nr; b++)
			newer += r[b].ts > r[a].ts ||
			    (r[b].ts == r[a].ts && b > a);
		w = (float)(pow(0.5, newer / FOLD_RECENCY) *
		    (1 + FOLD_LIKED * (r[a].half - mean) / 2));
		if (w <= 0)
			continue;
		for (q = 0; q < k; q++) {
			uint32_t j = f->nbr[(size_t)i * k + q];

			if (j == UINT32_MAX)
				break;
			if (!seen[j])
				acc[j] += w * f->sim[(size_t)i * k + q];
		}
	}
	for (x = 0; x < N; x++)
		if (acc[x] > 0)
			mq_topk_push(&top, x, acc[x]);
	mq_topk_sort(&top);
	for (x = 0; x < top.n; x++) {
		out[got++] = top.v[x].id;
		seen[top.v[x].id] = 1;
	}
	for (x = 0; x < N && got < n; x++)
		if (!seen[f->fallback[x]]) {
			out[got++] = f->fallback[x];
			seen[f->fallback[x]] = 1;
		}
	mq_topk_release(&top);
	free(acc);
	free(seen);
	return got;
}

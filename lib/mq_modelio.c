/*
 * mq_modelio.c - save and load the neighbour models (mq_modelio.h).
 *
 * Layout (host byte order): "MQMODEL1", meta, then per table (films, then
 * members): uint32 rows, uint32 k, and per row: uint32 id, uint32 cnt,
 * cnt * (uint32 neighbour id, float similarity).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mq_buf.h"
#include "mq_err.h"
#include "mq_modelio.h"
#include "mq_file.h"

#define MAGIC	"MQMODEL1"

static void
put_table(struct mq_buf *b, const struct mq_nbrs *nb, const uint32_t *ids)
{
	uint32_t r, q;

	mq_buf_add(b, &nb->nrows, 4);
	mq_buf_add(b, &nb->k, 4);
	for (r = 0; r < nb->nrows; r++) {
		mq_buf_add(b, &ids[r], 4);
		mq_buf_add(b, &nb->cnt[r], 4);
		for (q = 0; q < nb->cnt[r]; q++) {
			uint32_t id = ids[nb->id[(size_t)r * nb->k + q]];

			mq_buf_add(b, &id, 4);
			mq_buf_add(b, &nb->sim[(size_t)r * nb->k + q], 4);
		}
	}
}

int
mq_modelio_save(const char *path, const struct mq_data *d,
    const struct mq_nbrs *item, const struct mq_nbrs *user,
    const struct mq_modelio_meta *meta)
{
	struct mq_buf b = MQ_BUF_INIT;
	int rc;

	mq_buf_add(&b, MAGIC, 8);
	mq_buf_add(&b, meta, sizeof(*meta));
	put_table(&b, item, d->movie_id);
	put_table(&b, user, d->user_id);
	if ((rc = mq_buf_ok(&b)) == MQ_OK)
		rc = mq_file_write(path, b.s, b.len, 0600);
	mq_buf_release(&b);
	return rc;
}

struct rd {
	const unsigned char *p, *end;
};

static int
get32(struct rd *r, void *v)
{
	if (r->end - r->p < 4)
		return -1;
	memcpy(v, r->p, 4);
	r->p += 4;
	return 0;
}

/* Read one table onto the dense ids of d (find: movie or user lookup). */
static int
get_table(struct rd *r, const struct mq_data *d, uint32_t rows,
    int64_t (*find)(const struct mq_data *, uint32_t), struct mq_nbrs *nb)
{
	uint32_t nr, k, i, q, id, cnt;

	memset(nb, 0, sizeof(*nb));
	if (get32(r, &nr) || get32(r, &k) || k == 0 || k > 10000)
		return MQ_EDATA;
	nb->nrows = rows;
	nb->k = k;
	nb->cnt = calloc(rows + 1, sizeof(uint32_t));
	nb->id = calloc((size_t)rows * k + 1, sizeof(uint32_t));
	nb->sim = calloc((size_t)rows * k + 1, sizeof(float));
	if (!nb->cnt || !nb->id || !nb->sim) {
		mq_nbrs_release(nb);
		return MQ_ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		int64_t row;

		if (get32(r, &id) || get32(r, &cnt) || cnt > k)
			goto bad;
		row = find(d, id);
		for (q = 0; q < cnt; q++) {
			uint32_t nid;
			float sim;
			int64_t j;

			if (get32(r, &nid) || get32(r, &sim))
				goto bad;
			if (row < 0 || (j = find(d, nid)) < 0 || j == row)
				continue;	/* gone since the training */
			nb->id[(size_t)row * k + nb->cnt[row]] = (uint32_t)j;
			nb->sim[(size_t)row * k + nb->cnt[row]++] = sim;
		}
	}
	return MQ_OK;
bad:
	mq_nbrs_release(nb);
	return MQ_EDATA;
}

int
mq_modelio_load(const char *path, const struct mq_data *d,
    struct mq_nbrs *item, struct mq_nbrs *user, struct mq_modelio_meta *meta)
{
	struct mq_buf b = MQ_BUF_INIT;
	struct rd r;
	int rc;

	memset(item, 0, sizeof(*item));
	memset(user, 0, sizeof(*user));
	if (access(path, F_OK))
		return MQ_EIO;	/* no saved model: not worth a message */
	if ((rc = mq_buf_read_file(&b, path)))
		goto out;
	r.p = (const unsigned char *)b.s;
	r.end = r.p + b.len;
	if (b.len < 8 + sizeof(*meta) || memcmp(b.s, MAGIC, 8)) {
		rc = MQ_EDATA;
		goto out;
	}
	memcpy(meta, b.s + 8, sizeof(*meta));
	r.p += 8 + sizeof(*meta);
	if ((rc = get_table(&r, d, d->nmovies, mq_data_movie, item)) ||
	    (rc = get_table(&r, d, d->nusers, mq_data_user, user)))
		goto out;
	if (r.p != r.end)
		rc = MQ_EDATA;
out:
	if (rc == MQ_EDATA)
		mq_warnx("%s: not a saved model of this version, or damaged",
		    path);
	if (rc) {
		mq_nbrs_release(item);
		mq_nbrs_release(user);
	}
	mq_buf_release(&b);
	return rc;
}

/*
 * mq_merge.c - fold the store's ratings, members and tags into a data set.
 */
#include <stdlib.h>
#include <string.h>

#include "mq_buf.h"
#include "mq_err.h"
#include "mq_matrix.h"
#include "mq_merge.h"
#include "mq_store.h"

struct sr {
	uint32_t user, movie;	/* raw ids */
	int64_t ts;
	int half;		/* 0: deleted */
};

struct st {
	uint32_t user, movie;	/* raw user id, dense film */
	const char *tag;	/* offset into tagtext until fixed up */
	size_t off;
	int64_t ts;
};

struct collect {
	struct sr *r;
	size_t nr, capr;
	uint32_t *members;
	size_t nm, capm;
	struct st *t;
	size_t nt, capt;
	struct mq_buf text;
	const struct mq_data *d;
	int err;
};

static int
grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *np;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 1024;
	if ((np = mq_reallocarray(*p, c, size)) == NULL)
		return -1;
	*p = np;
	*cap = c;
	return 0;
}

static int
on_rating(void *arg, const struct mq_store_rating *r)
{
	struct collect *c = arg;

	if (grow((void **)&c->r, &c->capr, c->nr, sizeof(*c->r)))
		return mq_oom();
	c->r[c->nr++] = (struct sr){ r->member_id, r->movie_id, r->ts,
	    r->half };
	return MQ_OK;
}

static int
on_member(void *arg, const struct mq_store_member *m)
{
	struct collect *c = arg;

	if (grow((void **)&c->members, &c->capm, c->nm, sizeof(uint32_t)))
		return mq_oom();
	c->members[c->nm++] = m->id;
	return MQ_OK;
}

static int
on_tag(void *arg, const struct mq_store_tag *t)
{
	struct collect *c = arg;
	int64_t j;

	if (t->deleted || (j = mq_data_movie(c->d, t->movie_id)) < 0)
		return MQ_OK;
	if (grow((void **)&c->t, &c->capt, c->nt, sizeof(*c->t)))
		return mq_oom();
	c->t[c->nt++] = (struct st){ t->member_id, (uint32_t)j, NULL,
	    c->text.len, t->ts };
	mq_buf_add(&c->text, t->tag, strlen(t->tag) + 1);
	return mq_buf_ok(&c->text);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}


int
mq_merge_store(struct mq_data *d, const char *path, struct mq_merge_stats *st)
{
	struct collect c;
	struct mq_store *s = NULL;
	struct mq_matrix R;
	struct mq_triple *t = NULL;
	struct mq_tag *tags = NULL;
	uint32_t *users = NULL;
	uint64_t *keys = NULL;
	size_t nu = 0, nkeys = 0, nt = 0, k, a;
	uint32_t u;
	int rc, snap = 0;

	memset(&c, 0, sizeof(c));
	memset(st, 0, sizeof(*st));
	c.d = d;
	if ((rc = mq_store_open(&s, path, 1)))
		goto out;
	if ((rc = mq_store_snapshot_begin(s, &st->upto)))
		goto out;
	snap = 1;
	if ((rc = mq_store_each_member(s, 0, on_member, &c)) ||
	    (rc = mq_store_each_rating(s, 0, on_rating, &c)) ||
	    (rc = mq_store_each_tag(s, 0, on_tag, &c)))
		goto out;
	snap = 0;
	if ((rc = mq_store_snapshot_end(s)))
		goto out;

	/* every member: the CSV's and the store's, sorted, unique */
	users = mq_allocarray(d->nusers + c.nm + c.nr + 1, sizeof(uint32_t));
	keys = mq_allocarray(c.nr + 1, sizeof(uint64_t));
	t = mq_allocarray(d->R.nnz + c.nr + 1, sizeof(*t));
	if (!users || !keys || !t) {
		rc = mq_oom();
		goto out;
	}
	memcpy(users, d->user_id, d->nusers * sizeof(uint32_t));
	nu = d->nusers;
	for (k = 0; k < c.nm; k++)
		users[nu++] = c.members[k];
	for (k = 0; k < c.nr; k++)
		users[nu++] = c.r[k].user;
	qsort(users, nu, sizeof(*users), mq_cmp_u32);
	for (a = k = 0; k < nu; k++)
		if (a == 0 || users[a - 1] != users[k])
			users[a++] = users[k];
	nu = a;
	st->members = (uint32_t)(nu - d->nusers);

	/* (user, film) pairs the store speaks for */
	for (k = 0; k < c.nr; k++) {
		int64_t j = mq_data_movie(d, c.r[k].movie);

		if (j < 0) {
			st->unknown++;
			continue;
		}
		keys[nkeys++] = (uint64_t)c.r[k].user << 32 | (uint64_t)j;
	}
	qsort(keys, nkeys, sizeof(*keys), cmp_u64);

	/* the CSV ratings the store does not replace or delete */
	for (u = 0; u < d->nusers; u++) {
		uint32_t nuid = (uint32_t)mq_find_id(users, nu, d->user_id[u]);

		for (a = d->R.u_off[u]; a < d->R.u_off[u + 1]; a++) {
			uint64_t key = (uint64_t)d->user_id[u] << 32 |
			    d->R.u_item[a];

			if (nkeys && bsearch(&key, keys, nkeys, sizeof(*keys),
			    cmp_u64)) {
				/* replaced or deleted: counted below */
				continue;
			}
			t[nt++] = (struct mq_triple){ nuid, d->R.u_item[a],
			    d->R.u_ts[a], d->R.u_half[a] };
		}
	}
	for (k = 0; k < c.nr; k++) {
		int64_t j = mq_data_movie(d, c.r[k].movie);
		int64_t old = mq_data_user(d, c.r[k].user);
		int had = old >= 0 && j >= 0 &&
		    mq_matrix_find(&d->R, (uint32_t)old, (uint32_t)j) !=
		    (size_t)-1;

		if (j < 0)
			continue;
		if (c.r[k].half == 0) {
			st->deleted += had;
			continue;
		}
		st->replaced += had;
		st->added += !had;
		t[nt++] = (struct mq_triple){
		    (uint32_t)mq_find_id(users, nu, c.r[k].user), (uint32_t)j,
		    c.r[k].ts, (uint8_t)c.r[k].half };
	}
	if ((rc = mq_matrix_build(&R, (uint32_t)nu, d->nmovies, t, nt)))
		goto out;

	/* tags: texts in one block owned by d */
	if (c.nt) {
		if ((tags = mq_reallocarray(NULL, d->ntags + c.nt,
		    sizeof(*tags))) == NULL) {
			mq_matrix_release(&R);
			rc = mq_oom();
			goto out;
		}
		memcpy(tags, d->tags, d->ntags * sizeof(*tags));
		for (k = 0; k < c.nt; k++)
			tags[d->ntags + k] = (struct mq_tag){ c.t[k].user,
			    c.t[k].movie, c.t[k].ts, c.text.s + c.t[k].off };
		free(d->tags);
		d->tags = tags;
		d->ntags += c.nt;
		free(d->merged);
		d->merged = c.text.s;
		c.text.s = NULL;
		st->tags = c.nt;
	}
	mq_matrix_release(&d->R);
	d->R = R;
	free(d->user_id);
	d->user_id = users;
	users = NULL;
	d->nusers = (uint32_t)nu;
out:
	if (snap)
		(void)mq_store_snapshot_end(s);
	mq_store_close(s);
	free(c.r);
	free(c.members);
	free(c.t);
	mq_buf_release(&c.text);
	free(users);
	free(keys);
	free(t);
	return rc;
}

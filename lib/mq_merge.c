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

/* A store rating of a known film. */
struct chg {
	uint32_t user;		/* raw member id */
	uint32_t film;		/* dense */
	int64_t ts;
	int half;		/* 0: deleted */
	size_t seq;		/* order read: the later wins */
};

static int
cmp_chg(const void *a, const void *b)
{
	const struct chg *x = a, *y = b;

	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	if (x->film != y->film)
		return x->film < y->film ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
mq_merge_store(struct mq_data *d, const char *path, struct mq_merge_stats *st)
{
	struct collect c;
	struct mq_store *s = NULL;
	struct mq_matrix R;
	struct mq_tag *tags = NULL;
	struct chg *ch = NULL;
	uint32_t *users = NULL;
	size_t nu = 0, nch = 0, k, a, u, ou, ci, o;
	int rc, snap = 0;

	memset(&c, 0, sizeof(c));
	memset(&R, 0, sizeof(R));
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
	ch = mq_allocarray(c.nr + 1, sizeof(*ch));
	if (!users || !ch) {
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

	/* the store's ratings of known films, by member then film; of two
	   for one pair, the later one read wins */
	for (k = 0; k < c.nr; k++) {
		int64_t j = mq_data_movie(d, c.r[k].movie);

		if (j < 0) {
			st->unknown++;
			continue;
		}
		ch[nch++] = (struct chg){ c.r[k].user, (uint32_t)j, c.r[k].ts,
		    c.r[k].half, k };
	}
	qsort(ch, nch, sizeof(*ch), cmp_chg);
	for (a = k = 0; k < nch; k++) {
		if (a > 0 && ch[a - 1].user == ch[k].user &&
		    ch[a - 1].film == ch[k].film)
			a--;
		ch[a++] = ch[k];
	}
	nch = a;

	/*
	 * The new rows: each member's CSV row merged with the store's
	 * changes to it, both in film order, so no sort of the 20 M
	 * ratings is needed; then the columns from the rows.
	 */
	R.nusers = (uint32_t)nu;
	R.nitems = d->nmovies;
	R.u_off = calloc(nu + 1, sizeof(size_t));
	R.u_item = mq_allocarray(d->R.nnz + nch + 1, sizeof(uint32_t));
	R.u_half = mq_allocarray(d->R.nnz + nch + 1, 1);
	R.u_ts = mq_allocarray(d->R.nnz + nch + 1, sizeof(int64_t));
	if (!R.u_off || !R.u_item || !R.u_half || !R.u_ts) {
		mq_matrix_release(&R);
		rc = mq_oom();
		goto out;
	}
	for (u = 0, ou = 0, ci = 0, o = 0; u < nu; u++) {
		const struct mq_matrix *M = &d->R;
		size_t x = 0, xe = 0;

		while (ou < d->nusers && d->user_id[ou] < users[u])
			ou++;
		if (ou < d->nusers && d->user_id[ou] == users[u]) {
			x = M->u_off[ou];
			xe = M->u_off[ou + 1];
		}
		while (x < xe || (ci < nch && ch[ci].user == users[u])) {
			uint32_t fo = x < xe ? M->u_item[x] : UINT32_MAX;
			uint32_t fc = ci < nch && ch[ci].user == users[u] ?
			    ch[ci].film : UINT32_MAX;
			int had = fo == fc;

			if (fo < fc) {	/* a CSV rating the store leaves be */
				R.u_item[o] = fo;
				R.u_half[o] = M->u_half[x];
				R.u_ts[o++] = M->u_ts[x++];
				continue;
			}
			if (ch[ci].half == 0)
				st->deleted += had;
			else {
				st->replaced += had;
				st->added += !had;
				R.u_item[o] = fc;
				R.u_half[o] = (uint8_t)ch[ci].half;
				R.u_ts[o++] = ch[ci].ts;
			}
			x += had;
			ci++;
		}
		R.u_off[u + 1] = o;
	}
	R.nnz = o;
	if ((rc = mq_matrix_columns(&R))) {
		mq_matrix_release(&R);
		goto out;
	}

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
	free(ch);
	return rc;
}

/*
 * mq_model.c - item kNN, user kNN, random and popularity models.
 *
 * Similarities are computed sparsely: the neighbours of film i are found by
 * walking the members who rated i and the films each of them rated
 * (sum over members of deg^2 updates), the neighbours of member u by
 * walking u's films and the members who rated each (sum over films of
 * deg^2).  No dense film x film or member x member matrix is ever built:
 * each worker thread owns one accumulator row.
 *
 * Work is split across threads by interleaved rows (row r goes to thread
 * r % T); every row is computed the same way whatever T is, so results do
 * not depend on the thread count.
 */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mq_err.h"
#include "mq_model.h"
#include "mq_rng.h"

const char *const mq_kind_name[MQ_MODEL_NKINDS] = {
	"item", "user", "random", "pop"
};

const char *const mq_sim_name[MQ_SIM_NKINDS] = {
	"cosine", "rating", "adjusted"
};

void
mq_params_init(struct mq_params *p, enum mq_kind kind)
{
	/*
	 * Defaults chosen by scripts/tune on ml-latest-small (the README
	 * keeps the table): a short recency half-life is the largest single
	 * gain under the time-ordered hold-out.
	 */
	memset(p, 0, sizeof(*p));
	p->k = 20;
	p->shrink = 10;
	p->alpha = 0.5;
	p->user_budget = 2e9;
	p->user_recent = 5;
	p->user_cand = 200;
	p->seed = 1;
	switch (kind) {
	case MQ_MODEL_USER:
		p->sim = MQ_SIM_COSINE;
		p->min_overlap = 3;
		p->recency = 3;
		p->liked = 0;
		break;
	default:
		p->sim = MQ_SIM_RATING;
		p->min_overlap = 1;
		p->recency = 2;
		p->liked = 1;
		break;
	}
}

int
mq_kind_parse(const char *s)
{
	int i;

	for (i = 0; i < MQ_MODEL_NKINDS; i++)
		if (!strcmp(s, mq_kind_name[i]))
			return i;
	return -1;
}

int
mq_sim_parse(const char *s)
{
	int i;

	for (i = 0; i < MQ_SIM_NKINDS; i++)
		if (!strcmp(s, mq_sim_name[i]))
			return i;
	return -1;
}

unsigned
mq_threads(unsigned t)
{
	long n;

	if (t)
		return t;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

/* ------------------------------------------------------------------ */
/* A tiny parallel-for over rows. */

struct par {
	unsigned t, nt;
	uint32_t nrows;
	void *ctx;
	int (*fn)(void *ctx, unsigned t, unsigned nt);
	int rc;
};

static void *
par_main(void *arg)
{
	struct par *p = arg;

	p->rc = p->fn(p->ctx, p->t, p->nt);
	return NULL;
}

/* Run fn(ctx, t, nt) on nt threads; returns the first non-zero rc. */
static int
par_run(unsigned nt, void *ctx, int (*fn)(void *, unsigned, unsigned))
{
	struct par *ps;
	pthread_t *th;
	unsigned i, started = 0;
	int rc = MQ_OK;

	if (nt <= 1)
		return fn(ctx, 0, 1);
	ps = mq_allocarray(nt, sizeof(*ps));
	th = mq_allocarray(nt, sizeof(*th));
	if (ps == NULL || th == NULL) {
		free(ps);
		free(th);
		return mq_oom();
	}
	for (i = 0; i < nt; i++) {
		ps[i] = (struct par){ i, nt, 0, ctx, fn, MQ_OK };
		if (i > 0 && pthread_create(&th[i], NULL, par_main, &ps[i]))
			break;
		started = i + 1;
	}
	/* thread 0 runs here; if a create failed, run the rest here too */
	for (i = 0; i < nt; i++) {
		if (i == 0 || i >= started)
			par_main(&ps[i]);
	}
	for (i = 1; i < started; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < nt; i++)
		if (ps[i].rc && rc == MQ_OK)
			rc = ps[i].rc;
	free(ps);
	free(th);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Weights and norms. */

static float *
user_means(const struct mq_matrix *R)
{
	float *mu = mq_allocarray(R->nusers, sizeof(float));
	uint32_t u;

	if (mu == NULL)
		return NULL;
	for (u = 0; u < R->nusers; u++) {
		size_t p, d = mq_matrix_udeg(R, u);
		double s = 0;

		for (p = R->u_off[u]; p < R->u_off[u + 1]; p++)
			s += R->u_half[p];
		mu[u] = d ? (float)(s / d) : 0.0f;
	}
	return mu;
}

/* Weight of a rating (half stars) of a member with mean mu under sim. */
static inline float
sim_weight(enum mq_sim sim, uint8_t half, float mu)
{
	switch (sim) {
	case MQ_SIM_RATING:
		return half / 2.0f;
	case MQ_SIM_ADJUSTED:
		return (half - mu) / 2.0f;
	default:
		return 1.0f;
	}
}

/*
 * sim_weight() by half stars into wt[0..15], for a member with mean mu:
 * what the walks look a rating's weight up in (only 1..10 occur; & 15
 * keeps any byte inside).  It depends on mu only under MQ_SIM_ADJUSTED.
 */
static void
half_weights(enum mq_sim sim, float mu, float wt[16])
{
	unsigned h;

	for (h = 0; h < 16; h++)
		wt[h] = sim_weight(sim, (uint8_t)h, mu);
}

/* Weight of a rating when scoring: 1, more for liked films, never < 0. */
static inline float
like_weight(double liked, uint8_t half, float mu)
{
	float w = 1.0f + (float)liked * (half - mu) / 2.0f;

	return w > 0 ? w : 0;
}

void
mq_nbrs_release(struct mq_nbrs *nb)
{
	if (nb == NULL)
		return;
	free(nb->cnt);
	free(nb->id);
	free(nb->sim);
	memset(nb, 0, sizeof(*nb));
}

static int
nbrs_alloc(struct mq_nbrs *nb, uint32_t nrows, uint32_t k)
{
	memset(nb, 0, sizeof(*nb));
	nb->nrows = nrows;
	nb->k = k;
	nb->cnt = calloc(nrows ? nrows : 1, sizeof(uint32_t));
	nb->id = calloc((size_t)nrows * k + 1, sizeof(uint32_t));
	nb->sim = calloc((size_t)nrows * k + 1, sizeof(float));
	if (!nb->cnt || !nb->id || !nb->sim) {
		mq_nbrs_release(nb);
		return mq_oom();
	}
	return MQ_OK;
}

/* Write the sorted list top as row r of nb. */
static void
nbrs_store(struct mq_nbrs *nb, uint32_t r, struct mq_topk *top)
{
	uint32_t q;

	mq_topk_sort(top);
	nb->cnt[r] = top->n;
	for (q = 0; q < top->n; q++) {
		nb->id[(size_t)r * nb->k + q] = top->v[q].id;
		nb->sim[(size_t)r * nb->k + q] = top->v[q].score;
	}
}

/*
 * The similarity weight of each rating of film i, under p->sim with the
 * members' means mu, into w (indexed like the columns): what both walks
 * multiply.
 */
static void
col_weight(const struct mq_matrix *R, const struct mq_params *p,
    const float *mu, uint32_t i, float *w)
{
	size_t a;

	for (a = R->i_off[i]; a < R->i_off[i + 1]; a++)
		w[a] = sim_weight(p->sim, R->i_half[a], mu[R->i_user[a]]);
}

/* col_weight() of every film, in a new array (NULL: out of memory). */
static float *
col_weights(const struct mq_matrix *R, const struct mq_params *p,
    const float *mu)
{
	float *w = mq_allocarray(R->nnz ? R->nnz : 1, sizeof(float));
	uint32_t i;

	if (w == NULL)
		return NULL;
	for (i = 0; i < R->nitems; i++)
		col_weight(R, p, mu, i, w);
	return w;
}

/* Rows ahead whose first lines are prefetched, where a walk visits the
   rows of one column's members (or of one member's candidates): the rows
   lie far apart, and waiting for each in turn was half the walk. */
#define PREFETCH 4

/* ------------------------------------------------------------------ */
/* Film neighbours. */

/*
 * The co-occurrence counts are symmetric, so each pair of films is counted
 * once: row i gathers, through its members, only the films j < i (the
 * head of each member's row, read forward), and the pair's two
 * similarities (they differ when alpha != 0.5) are offered to both films'
 * lists.  Those lists are per thread, since any row may offer to any film;
 * they are merged at the end.  The dot product of a pair sums the same
 * products over the same members in the same (ascending) order as a one-way
 * count would, so the figures are bit for bit those of counting every pair
 * twice, at half the work.
 *
 * The pair updates (1.5e9 at MovieLens 20M size) are what the walk costs,
 * so each is kept to one load of a film, one of a rating and one two-lane
 * add:
 *  - Where film i sits in each of its members' rows is known beforehand
 *    (rpos, made once in inb_prep), so a head is walked with a known
 *    length, with no compare against i, and all of it is prefetched a few
 *    members ahead (the rows lie far apart in memory).
 *  - A pair's dot product and overlap sit side by side in one two-lane
 *    float vector, added to with one instruction.  The count is exact up
 *    to 2^24 common raters; above that it stops growing, and the shrink
 *    factor cnt / (cnt + shrink) it feeds is off by less than 1e-6.  The
 *    product lane does exactly the scalar mul-then-add (no contraction in
 *    ISO C mode), so the similarities are unchanged.
 *  - The weight of a rating comes from its half stars through a table
 *    (half_weights), not from an array of floats the size of the ratings, and films
 *    are read as 16-bit indexes when there are at most 65 536: 3 bytes a
 *    rating streamed instead of 8.
 *  - There is no "first touch?" branch: the films a row touched are found
 *    afterwards by reading its i accumulators in order, 3.6e8 reads in all.
 * Together: the walk went 8.2 s -> 5.3 s (dense read) -> 3.8 s on two
 * cores, at MovieLens 20M size.
 */
struct inb_lists {
	struct mq_topk *top;	/* nitems lists of k, sharing one slab */
	struct mq_scored *slab;
	float *floor;		/* a full list's worst score, else -inf */
};

struct inb_ctx {
	const struct mq_matrix *R;
	const struct mq_params *p;
	const float *mu;	/* the members' means */
	float *wcol;		/* similarity weight of each rating, column order */
	uint32_t *rpos;		/* column order: the film's place in the row */
	uint16_t *item16;	/* u_item as 16 bits, or NULL (> 65 536 films) */
	float *pw_row;		/* |i|^(2 alpha) */
	float *pw_col;		/* |j|^(2 (1 - alpha)) */
	struct inb_lists *lists;	/* one per thread */
};

/* A film's running dot product with film i (lane 0) and their overlap
   (lane 1), added to together. */
typedef float v2f __attribute__((vector_size(8)));

static void
inb_lists_release(struct inb_lists *l)
{
	free(l->top);
	free(l->slab);
	free(l->floor);
}

static int
inb_lists_init(struct inb_lists *l, uint32_t nitems, uint32_t k)
{
	uint32_t i;

	l->top = mq_allocarray(nitems ? nitems : 1, sizeof(*l->top));
	l->slab = mq_allocarray((size_t)nitems * k + 1, sizeof(*l->slab));
	l->floor = mq_allocarray(nitems ? nitems : 1, sizeof(*l->floor));
	if (!l->top || !l->slab || !l->floor) {
		inb_lists_release(l);
		memset(l, 0, sizeof(*l));
		return MQ_ENOMEM;
	}
	for (i = 0; i < nitems; i++) {
		l->top[i] = (struct mq_topk){ k, 0, l->slab + (size_t)i * k };
		l->floor[i] = -INFINITY;
	}
	return MQ_OK;
}

/* Offer film j with score s to film i's list (ties are the heap's call). */
static inline void
inb_offer(struct inb_lists *l, uint32_t i, uint32_t j, float s)
{
	struct mq_topk *t = &l->top[i];

	if (s < l->floor[i])
		return;
	mq_topk_push(t, j, s);
	if (t->n == t->k)
		l->floor[i] = t->v[0].score;
}

/*
 * Thread t of nt: for its share of the member rows, the 16-bit films and
 * each rating's place in its row, written at the rating's place in its
 * column (the share's first place in each column is found by binary
 * search, so the shares write apart); then the weights of the film
 * columns t, t + nt, ... with their norms' powers.
 */
static int
inb_prep(void *arg, unsigned t, unsigned nt)
{
	struct inb_ctx *c = arg;
	const struct mq_matrix *R = c->R;
	const struct mq_params *p = c->p;
	uint32_t u = (uint32_t)((uint64_t)R->nusers * t / nt);
	uint32_t uend = (uint32_t)((uint64_t)R->nusers * (t + 1) / nt), i;
	size_t a, *cur = mq_allocarray(R->nitems ? R->nitems : 1,
	    sizeof(*cur));

	if (cur == NULL)
		return mq_oom();
	for (i = 0; i < R->nitems; i++)
		cur[i] = mq_lower_u32(R->i_user, R->i_off[i], R->i_off[i + 1],
		    u);
	for (; u < uend; u++)
		for (a = R->u_off[u]; a < R->u_off[u + 1]; a++) {
			i = R->u_item[a];
			c->rpos[cur[i]++] = (uint32_t)(a - R->u_off[u]);
			if (c->item16 != NULL)
				c->item16[a] = (uint16_t)i;
		}
	free(cur);
	for (i = t; i < R->nitems; i += nt) {
		double n2 = 0;

		col_weight(R, p, c->mu, i, c->wcol);
		for (a = R->i_off[i]; a < R->i_off[i + 1]; a++)
			n2 += (double)c->wcol[a] * c->wcol[a];
		c->pw_row[i] = (float)pow(n2, p->alpha);
		c->pw_col[i] = (float)pow(n2, 1.0 - p->alpha);
	}
	return MQ_OK;
}

/*
 * Add wi times the weight of each rating in [b, e) of the row to its
 * film's accumulator.  Inlined twice, for 16-bit films (item16 non-NULL)
 * and for 32-bit ones, so that each loop is the plain one.
 */
static inline __attribute__((always_inline)) void
inb_head(v2f *restrict dc, const uint16_t *restrict item16,
    const uint32_t *restrict item32, const uint8_t *restrict half,
    size_t b, size_t e, const float *restrict wt, float wi)
{
	v2f wv = { wi, 1.0f };

	for (; b < e; b++) {
		v2f x = { wt[half[b] & 15], 1.0f };

		dc[item16 != NULL ? item16[b] : item32[b]] += wv * x;
	}
}

/* Prefetch [b, e) of a row: its films (esz bytes each) and half stars. */
static inline void
inb_fetch(const void *item, size_t esz, const uint8_t *half, size_t b,
    size_t e)
{
	const char *ip = item;
	size_t g;

	for (g = b * esz; g < e * esz; g += 64)
		__builtin_prefetch(ip + g);
	for (g = b; g < e; g += 64)
		__builtin_prefetch(half + g);
}

static int
inb_worker(void *arg, unsigned t, unsigned nt)
{
	struct inb_ctx *c = arg;
	const struct mq_matrix *R = c->R;
	const struct mq_params *p = c->p;
	const size_t *restrict u_off = R->u_off;
	const uint32_t *restrict rpos = c->rpos;
	const uint16_t *item16 = c->item16;
	const void *item = item16 != NULL ? (const void *)item16 :
	    (const void *)R->u_item;
	size_t esz = item16 != NULL ? sizeof(*item16) : sizeof(*R->u_item);
	struct inb_lists *l = &c->lists[t];
	v2f *restrict dc = calloc(R->nitems ? R->nitems : 1, sizeof(*dc));
	float wt[16];
	uint32_t i, j;
	size_t a;

	if (!dc || inb_lists_init(l, R->nitems, p->k)) {
		free(dc);
		return mq_oom();
	}
	/* a rating's weight by half stars; per member under "adjusted" */
	half_weights(p->sim, 0, wt);
	for (i = t; i < R->nitems; i += nt) {
		size_t end = R->i_off[i + 1];

		if (R->i_off[i] == end)		/* touched nothing */
			continue;
		for (a = R->i_off[i]; a < end; a++) {
			uint32_t u = R->i_user[a];
			size_t f = u_off[u];

			/* ask for a later member's row start, and further
			   on for the head of the row itself */
			if (a + 2 * PREFETCH < end)
				__builtin_prefetch(u_off +
				    R->i_user[a + 2 * PREFETCH]);
			if (a + PREFETCH < end) {
				size_t g = u_off[R->i_user[a + PREFETCH]];

				inb_fetch(item, esz, R->u_half, g,
				    g + rpos[a + PREFETCH]);
			}
			if (p->sim == MQ_SIM_ADJUSTED)
				half_weights(p->sim, c->mu[u], wt);
			if (item16 != NULL)
				inb_head(dc, item16, NULL, R->u_half, f,
				    f + rpos[a], wt, c->wcol[a]);
			else
				inb_head(dc, NULL, R->u_item, R->u_half, f,
				    f + rpos[a], wt, c->wcol[a]);
		}
		for (j = 0; j < i; j++) {
			float acc = dc[j][0], cnt = dc[j][1], shr = 1.0f;

			if (cnt == 0)
				continue;
			if (p->shrink > 0)
				shr = cnt / (cnt + (float)p->shrink);
			if (c->pw_row[i] * c->pw_col[j] > 0) {
				float s = acc /
				    (c->pw_row[i] * c->pw_col[j]) * shr;

				if (s > 0)
					inb_offer(l, i, j, s);
			}
			if (c->pw_row[j] * c->pw_col[i] > 0) {
				float s = acc /
				    (c->pw_row[j] * c->pw_col[i]) * shr;

				if (s > 0)
					inb_offer(l, j, i, s);
			}
			dc[j] = (v2f){ 0, 0 };
		}
	}
	free(dc);
	return MQ_OK;
}

/* Merge the threads' lists of each film into nb, best first. */
static int
inb_merge(struct mq_nbrs *nb, struct inb_lists *lists, unsigned nt,
    uint32_t nitems, uint32_t k)
{
	struct mq_topk top = { 0, 0, NULL };
	uint32_t i, q;
	unsigned t;

	if (mq_topk_init(&top, k))
		return mq_oom();
	for (i = 0; i < nitems; i++) {
		mq_topk_reset(&top);
		for (t = 0; t < nt; t++)
			for (q = 0; q < lists[t].top[i].n; q++)
				mq_topk_push(&top, lists[t].top[i].v[q].id,
				    lists[t].top[i].v[q].score);
		nbrs_store(nb, i, &top);
	}
	mq_topk_release(&top);
	return MQ_OK;
}

int
mq_nbrs_items(struct mq_nbrs *nb, const struct mq_matrix *R,
    const struct mq_params *p)
{
	struct inb_ctx c;
	struct inb_lists *lists = NULL;
	float *mu = NULL, *pw_row = NULL, *pw_col = NULL, *wcol = NULL;
	uint32_t *rpos = NULL;
	uint16_t *item16 = NULL;
	size_t nnz = R->nnz ? R->nnz : 1;
	/* films fit 16 bits */
	int narrow = R->nitems <= (uint32_t)UINT16_MAX + 1;
	unsigned t, nt = mq_threads(p->threads);
	int rc;

	if ((rc = nbrs_alloc(nb, R->nitems, p->k)))
		return rc;
	mu = user_means(R);
	pw_row = mq_allocarray(R->nitems, sizeof(float));
	pw_col = mq_allocarray(R->nitems, sizeof(float));
	wcol = mq_allocarray(nnz, sizeof(float));
	rpos = mq_allocarray(nnz, sizeof(*rpos));
	if (narrow)
		item16 = mq_allocarray(nnz, sizeof(*item16));
	lists = calloc(nt, sizeof(*lists));
	if (!mu || !pw_row || !pw_col || !wcol || !rpos || !lists ||
	    (narrow && item16 == NULL)) {
		rc = mq_oom();
		goto out;
	}
	c = (struct inb_ctx){ R, p, mu, wcol, rpos, item16, pw_row, pw_col,
	    lists };
	if ((rc = par_run(nt, &c, inb_prep)) == MQ_OK &&
	    (rc = par_run(nt, &c, inb_worker)) == MQ_OK)
		rc = inb_merge(nb, lists, nt, R->nitems, p->k);
out:
	if (lists != NULL)
		for (t = 0; t < nt; t++)
			inb_lists_release(&lists[t]);
	free(lists);
	free(wcol);
	free(rpos);
	free(item16);
	free(mu);
	free(pw_row);
	free(pw_col);
	if (rc)
		mq_nbrs_release(nb);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Scratch and recency. */

/* The largest number of ratings of one member. */
static size_t
max_udeg(const struct mq_matrix *R)
{
	size_t m = 1;
	uint32_t u;

	for (u = 0; u < R->nusers; u++)
		if (mq_matrix_udeg(R, u) > m)
			m = mq_matrix_udeg(R, u);
	return m;
}

int
mq_scratch_init(struct mq_scratch *s, const struct mq_model *m, uint32_t n)
{
	const struct mq_matrix *R = m->R;
	size_t w = R->nitems > R->nusers ? R->nitems : R->nusers;

	size_t d = max_udeg(R);

	memset(s, 0, sizeof(*s));
	s->acc = calloc(w ? w : 1, sizeof(float));
	s->touched = mq_allocarray(w, sizeof(uint32_t));
	s->mark = calloc(R->nitems ? R->nitems : 1, 1);
	s->rw = mq_allocarray(d, sizeof(float));
	s->ord = mq_allocarray(d, sizeof(uint32_t));
	s->tmp = mq_allocarray(d, sizeof(uint32_t));
	if (!s->acc || !s->touched || !s->mark || !s->rw || !s->ord ||
	    !s->tmp || mq_topk_init(&s->top, n)) {
		mq_scratch_release(s);
		return mq_oom();
	}
	return MQ_OK;
}

void
mq_scratch_release(struct mq_scratch *s)
{
	if (s == NULL)
		return;
	free(s->acc);
	free(s->touched);
	free(s->mark);
	free(s->rw);
	free(s->ord);
	free(s->tmp);
	mq_topk_release(&s->top);
	memset(s, 0, sizeof(*s));
}

/*
 * Recency weights of member u's ratings into w[0..deg-1] (row order):
 * 0.5 to the power (number of u's ratings newer than it) / half-life; the
 * newest weighs 1.  Equal times rank the later row position as newer.
 * ord and tmp are scratch arrays of at least deg entries (a bottom-up
 * merge sort, newest first).
 */
static void
recency_weights(const struct mq_matrix *R, uint32_t u, double halflife,
    float *w, uint32_t *ord, uint32_t *tmp)
{
	size_t base = R->u_off[u], d = mq_matrix_udeg(R, u);
	size_t a, width, i;

	if (halflife <= 0) {
		for (a = 0; a < d; a++)
			w[a] = 1.0f;
		return;
	}
	for (a = 0; a < d; a++)
		ord[a] = (uint32_t)a;
	for (width = 1; width < d; width *= 2) {
		for (i = 0; i < d; i += 2 * width) {
			size_t mid = i + width < d ? i + width : d;
			size_t hi = i + 2 * width < d ? i + 2 * width : d;
			size_t x = i, y = mid, o = i;

			while (x < mid && y < hi) {
				int64_t tx = R->u_ts[base + ord[x]];
				int64_t ty = R->u_ts[base + ord[y]];

				if (tx > ty || (tx == ty && ord[x] > ord[y]))
					tmp[o++] = ord[x++];
				else
					tmp[o++] = ord[y++];
			}
			while (x < mid)
				tmp[o++] = ord[x++];
			while (y < hi)
				tmp[o++] = ord[y++];
		}
		memcpy(ord, tmp, d * sizeof(*ord));
	}
	for (a = 0; a < d; a++)
		w[ord[a]] = (float)pow(0.5, a / halflife);
}

/* ------------------------------------------------------------------ */
/* Member neighbours. */

/*
 * Exactly, member u's similarities come from walking every rater of every
 * film u rated: sum over films of (raters)^2 pair updates, about 2e11 at
 * MovieLens 20M size.  When that exceeds p->user_budget, the walk is
 * bounded:
 *
 *   1. Candidates.  Only the raters of u's p->user_recent newest films
 *      are walked.  The recency weights make those films most of u's
 *      similarity (with a half-life of 3 ratings, the 5 newest carry 70 %
 *      of the weight), and a film's raters are walked whole: sampling
 *      the raters of popular films instead (each kept with probability
 *      L / raters, weighted back up) found 2 % of the true neighbours at
 *      MovieLens 20M size, since the similarities there are many and
 *      close.  The p->user_cand members with the best partial similarity
 *      are the candidates.
 *   2. Exact scores.  Each candidate's ratings are compared with u's
 *      directly, in the same order as the exact walk sums them, so a
 *      neighbour's score is bit for bit its exact score; what the bound
 *      can cost is a true neighbour that never became a candidate.
 *      mq_user_recall() measures that share.
 */
struct unb_ctx {
	const struct mq_matrix *R;
	const struct mq_params *p;
	const float *mu;
	const float *nrm;	/* |v| under p->sim */
	const float *inrm;	/* 1 / |v|, 0 where |v| is 0 */
	size_t maxdeg;
	const uint32_t *rows;	/* members to compute (NULL: all) */
	uint32_t nrows;
	/* the bounded walk */
	const float *wcol;	/* similarity weight of each rating, columns */
	uint64_t *walked;	/* per thread: pair updates of step 1 */
	uint64_t *rescored;	/* per thread: ratings read in step 2 */
	struct mq_nbrs *nb;
};

/* Offer v with dot product acc over cnt shared films to top. */
static inline void
unb_offer(const struct unb_ctx *c, struct mq_topk *top, uint32_t v,
    float acc, uint32_t cnt, double nu)
{
	float s, den = (float)nu * c->nrm[v];

	if (den > 0 && cnt >= c->p->min_overlap) {
		s = acc / den;
		if (c->p->shrink > 0)
			s *= cnt / (cnt + (float)c->p->shrink);
		if (s > 0)
			mq_topk_push(top, v, s);
	}
}

static int
unb_worker(void *arg, unsigned t, unsigned nt)
{
	struct unb_ctx *c = arg;
	const struct mq_matrix *R = c->R;
	const struct mq_params *p = c->p;
	float *acc = calloc(R->nusers ? R->nusers : 1, sizeof(float));
	uint32_t *cnt = calloc(R->nusers ? R->nusers : 1, sizeof(uint32_t));
	uint32_t *touched = mq_allocarray(R->nusers, sizeof(uint32_t));
	float *rw = mq_allocarray(c->maxdeg, sizeof(float));
	uint32_t *ord = mq_allocarray(c->maxdeg, sizeof(uint32_t));
	uint32_t *tmp = mq_allocarray(c->maxdeg, sizeof(uint32_t));
	struct mq_topk top = { 0, 0, NULL };
	uint32_t u, v, q, r, n, ntouch;
	size_t a, b;
	int rc = MQ_OK;

	if (!acc || !cnt || !touched || !rw || !ord || !tmp ||
	    mq_topk_init(&top, p->k)) {
		rc = MQ_ENOMEM;
		goto out;
	}
	n = c->rows ? c->nrows : R->nusers;
	for (r = t; r < n; r += nt) {
		double nu = 0;

		u = c->rows ? c->rows[r] : r;
		recency_weights(R, u, p->recency, rw, ord, tmp);
		ntouch = 0;
		for (a = R->u_off[u]; a < R->u_off[u + 1]; a++) {
			uint32_t i = R->u_item[a];
			float wu = rw[a - R->u_off[u]] *
			    sim_weight(p->sim, R->u_half[a], c->mu[u]);

			nu += (double)wu * wu;
			for (b = R->i_off[i]; b < R->i_off[i + 1]; b++) {
				v = R->i_user[b];
				if (cnt[v]++ == 0)
					touched[ntouch++] = v;
				acc[v] += wu * sim_weight(p->sim,
				    R->i_half[b], c->mu[v]);
			}
		}
		nu = sqrt(nu);
		mq_topk_reset(&top);
		for (q = 0; q < ntouch; q++) {
			v = touched[q];
			if (v != u)
				unb_offer(c, &top, v, acc[v], cnt[v], nu);
			acc[v] = 0;
			cnt[v] = 0;
		}
		nbrs_store(c->nb, u, &top);
	}
out:
	free(acc);
	free(cnt);
	free(touched);
	free(rw);
	free(ord);
	free(tmp);
	mq_topk_release(&top);
	return rc ? mq_oom() : MQ_OK;
}

/* A candidate's lower bound's slack: 1/|v| products round differently
   from the exact division, by far less than this. */
#define SLACK	(1.0f - 1e-5f)

/*
 * What an estimate must reach to be scored exactly, given the worst kept
 * candidate's score: a little less, relatively (SLACK) and absolutely (a
 * few of the smallest floats, for subnormal scores, where rounding errors
 * are absolute).  No bound when the worst score is not positive.
 */
static inline float
bound(float worst)
{
	return worst > 0 ? worst * SLACK - 4 * FLT_TRUE_MIN : -INFINITY;
}

/* A candidate's running partial dot product and overlap. */
struct est {
	float acc;
	uint32_t cnt;
};

static int
unb_bounded_worker(void *arg, unsigned t, unsigned nt)
{
	struct unb_ctx *c = arg;
	const struct mq_matrix *R = c->R;
	const struct mq_params *p = c->p;
	const float *restrict wcol = c->wcol;
	struct est *restrict est = calloc(R->nusers ? R->nusers : 1,
	    sizeof(*est));
	/* one spare: each rater is written before it is known to be new */
	uint32_t *touched = mq_allocarray(R->nusers + (size_t)1,
	    sizeof(uint32_t));
	float *x = calloc(R->nitems ? R->nitems : 1, sizeof(float));
	uint8_t *mark = calloc(R->nitems ? R->nitems : 1, 1);
	float *rw = mq_allocarray(c->maxdeg, sizeof(float));
	uint32_t *ord = mq_allocarray(c->maxdeg, sizeof(uint32_t));
	uint32_t *tmp = mq_allocarray(c->maxdeg, sizeof(uint32_t));
	struct mq_topk cand = { 0, 0, NULL }, top = { 0, 0, NULL };
	/* a candidate's overlap is at most the p->user_recent films walked */
	float *shr = mq_allocarray((size_t)p->user_recent + 1, sizeof(float));
	size_t *cbeg = mq_allocarray((size_t)p->user_cand + 1, sizeof(size_t));
	uint64_t walked = 0, reads = 0;
	uint32_t u, v, q, ntouch;
	size_t a, b, beg, end;
	float floor, wt[16];
	int rc = MQ_OK;

	if (!est || !touched || !x || !mark || !rw || !ord || !tmp || !shr ||
	    !cbeg || mq_topk_init(&cand, p->user_cand) ||
	    mq_topk_init(&top, p->k)) {
		rc = MQ_ENOMEM;
		goto out;
	}
	shr[0] = 0;
	for (q = 1; q <= p->user_recent; q++)
		shr[q] = q / (q + (float)p->shrink);
	/* a rating's weight by half stars; per candidate under "adjusted" */
	half_weights(p->sim, 0, wt);
	for (u = t; u < R->nusers; u += nt) {
		double nu = 0;

		beg = R->u_off[u];
		end = R->u_off[u + 1];
		recency_weights(R, u, p->recency, rw, ord, tmp);
		for (a = beg; a < end; a++) {
			uint32_t i = R->u_item[a];
			float wu = rw[a - beg] *
			    sim_weight(p->sim, R->u_half[a], c->mu[u]);

			x[i] = wu;
			mark[i] = 1;
			nu += (double)wu * wu;
		}
		nu = sqrt(nu);
		/* 1. every rater of u's p->user_recent newest films */
		ntouch = 0;
		for (a = 0; a < p->user_recent && a < end - beg; a++) {
			uint32_t i = R->u_item[beg +
			    (p->recency > 0 ? ord[a] : a)];
			float wu = x[i];

			size_t fe = R->i_off[i + 1];

			/* the raters ascend, but by uneven strides the
			   hardware does not foresee; and "first touch?" is
			   counted, not branched on */
			for (b = R->i_off[i]; b < fe; b++) {
				struct est *e = &est[R->i_user[b]];

				if (b + 4 * PREFETCH < fe)
					__builtin_prefetch(est +
					    R->i_user[b + 4 * PREFETCH]);
				touched[ntouch] = R->i_user[b];
				ntouch += e->cnt++ == 0;
				e->acc += wu * wcol[b];
			}
			walked += mq_matrix_ideg(R, i);
		}
		/* most of the touched members fall short of the worst kept
		   candidate: a product with 1/|v| rules them out, and only
		   the rest get the division-exact score a push compares */
		mq_topk_reset(&cand);
		floor = -INFINITY;
		for (q = 0; q < ntouch; q++) {
			struct est *e = &est[v = touched[q]];

			if (q + 4 * PREFETCH < ntouch) {
				uint32_t w = touched[q + 4 * PREFETCH];

				__builtin_prefetch(est + w);
				__builtin_prefetch(c->inrm + w);
			}
			/* (a film rated twice by one member, which no
			   loader lets through, could count past the table:
			   1 bounds the factor from above) */
			float f = e->cnt <= p->user_recent ? shr[e->cnt] : 1;

			if (e->acc * c->inrm[v] * f >= floor &&
			    v != u && c->nrm[v] > 0 && e->acc > 0) {
				mq_topk_push(&cand, v, e->acc / c->nrm[v] *
				    (e->cnt / (e->cnt + (float)p->shrink)));
				if (cand.k && cand.n == cand.k)
					floor = bound(cand.v[0].score);
			}
			e->acc = 0;
			e->cnt = 0;
		}
		/* 2. the candidates' exact scores, summed as the walk would;
		   their rows' starts are looked up first, all at once */
		for (q = 0; q < cand.n; q++)
			cbeg[q] = R->u_off[cand.v[q].id];
		mq_topk_reset(&top);
		for (q = 0; q < cand.n; q++) {
			float dot = 0;
			uint32_t shared = 0;

			v = cand.v[q].id;
			/* the rows are scattered: ask for a later
			   candidate's row while this one is summed */
			if (q + PREFETCH < cand.n) {
				uint32_t w = cand.v[q + PREFETCH].id;

				inb_fetch(R->u_item, sizeof(*R->u_item),
				    R->u_half, cbeg[q + PREFETCH],
				    R->u_off[w + 1]);
			}
			if (p->sim == MQ_SIM_ADJUSTED)
				half_weights(p->sim, c->mu[v], wt);
			/* no branch on mark[i]: which of v's films u
			   shares is a coin toss the CPU mispredicts, and
			   x is 0 off u's films, so adding every term gives
			   the same sum in the same order */
			for (b = R->u_off[v]; b < R->u_off[v + 1]; b++) {
				uint32_t i = R->u_item[b];

				dot += x[i] * wt[R->u_half[b] & 15];
				shared += mark[i];
			}
			reads += mq_matrix_udeg(R, v);
			unb_offer(c, &top, v, dot, shared, nu);
		}
		for (a = beg; a < end; a++) {
			x[R->u_item[a]] = 0;
			mark[R->u_item[a]] = 0;
		}
		nbrs_store(c->nb, u, &top);
	}
	c->walked[t] = walked;
	c->rescored[t] = reads;
out:
	free(est);
	free(touched);
	free(x);
	free(mark);
	free(rw);
	free(ord);
	free(tmp);
	free(shr);
	free(cbeg);
	mq_topk_release(&cand);
	mq_topk_release(&top);
	return rc ? mq_oom() : MQ_OK;
}

static int
nbrs_users(struct mq_nbrs *nb, const struct mq_matrix *R,
    const struct mq_params *p, const float *mu, const uint32_t *rows,
    uint32_t nrows, struct mq_uwork *work)
{
	struct unb_ctx c;
	float *nrm, *wcol = NULL, *inrm = NULL;
	unsigned t, nt = mq_threads(p->threads);
	uint64_t *cost = NULL;
	uint32_t u, i;
	size_t a;
	int rc;

	if ((rc = nbrs_alloc(nb, R->nusers, p->k)))
		return rc;
	if ((nrm = mq_allocarray(R->nusers, sizeof(float))) == NULL) {
		mq_nbrs_release(nb);
		return mq_oom();
	}
	for (u = 0; u < R->nusers; u++) {
		double n2 = 0;

		for (a = R->u_off[u]; a < R->u_off[u + 1]; a++) {
			float w = sim_weight(p->sim, R->u_half[a], mu[u]);

			n2 += (double)w * w;
		}
		nrm[u] = (float)sqrt(n2);
	}
	c = (struct unb_ctx){ R, p, mu, nrm, NULL, max_udeg(R), rows, nrows,
	    NULL, NULL, NULL, nb };
	memset(work, 0, sizeof(*work));
	for (i = 0; i < R->nitems; i++)
		work->exact += (uint64_t)mq_matrix_ideg(R, i) *
		    mq_matrix_ideg(R, i);
	if (rows != NULL || p->user_budget <= 0 ||
	    (double)work->exact <= p->user_budget) {
		work->walked = work->exact;
		rc = par_run(nt, &c, unb_worker);
		goto out;
	}
	work->recent = p->user_recent;
	wcol = col_weights(R, p, mu);
	cost = calloc(2 * (size_t)nt, sizeof(*cost));
	inrm = mq_allocarray(R->nusers, sizeof(float));
	if (wcol == NULL || cost == NULL || inrm == NULL) {
		rc = mq_oom();
		goto out;
	}
	for (u = 0; u < R->nusers; u++)
		inrm[u] = nrm[u] > 0 ? 1.0f / nrm[u] : 0.0f;
	c.inrm = inrm;
	c.wcol = wcol;
	c.walked = cost;
	c.rescored = cost + nt;
	rc = par_run(nt, &c, unb_bounded_worker);
	for (t = 0; t < nt; t++) {
		work->walked += cost[t];
		work->rescored += cost[nt + t];
	}
out:
	free(cost);
	free(wcol);
	free(inrm);
	free(nrm);
	if (rc)
		mq_nbrs_release(nb);
	return rc;
}

int
mq_user_recall(const struct mq_model *m, uint32_t nsample, double *recall,
    uint32_t *nmembers)
{
	struct mq_nbrs ex;
	struct mq_uwork w;
	uint32_t *rows, n, r, q, z, hit = 0, all = 0;
	int rc;

	*recall = 1.0;
	*nmembers = 0;
	if (m->kind != MQ_MODEL_USER || m->R->nusers == 0)
		return MQ_OK;
	n = nsample < m->R->nusers ? nsample : m->R->nusers;
	if (n == 0)
		return MQ_OK;
	if ((rows = mq_allocarray(n, sizeof(*rows))) == NULL)
		return mq_oom();
	/* every (nusers / n)-th member: spread over the whole range */
	for (r = 0; r < n; r++)
		rows[r] = (uint32_t)((uint64_t)r * m->R->nusers / n);
	rc = nbrs_users(&ex, m->R, &m->p, m->umean, rows, n, &w);
	if (rc == MQ_OK) {
		for (r = 0; r < n; r++) {
			uint32_t u = rows[r];
			const uint32_t *e = ex.id + (size_t)u * ex.k;
			const uint32_t *b = m->nb.id + (size_t)u * m->nb.k;

			for (q = 0; q < ex.cnt[u]; q++)
				for (z = 0; z < m->nb.cnt[u]; z++)
					if (b[z] == e[q]) {
						hit++;
						break;
					}
			all += ex.cnt[u];
		}
		*recall = all ? (double)hit / all : 1.0;
		*nmembers = n;
		mq_nbrs_release(&ex);
	}
	free(rows);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Fitting. */

static int
pop_cmp_ctx_less(const struct mq_matrix *R, uint32_t a, uint32_t b)
{
	size_t da = mq_matrix_ideg(R, a), db = mq_matrix_ideg(R, b);

	return da > db || (da == db && a < b);
}

static int
pop_order(struct mq_model *m)
{
	const struct mq_matrix *R = m->R;
	uint32_t *o = mq_allocarray(R->nitems, sizeof(uint32_t));
	uint32_t *tmp = mq_allocarray(R->nitems, sizeof(uint32_t));
	uint32_t i, width;

	if (o == NULL || tmp == NULL) {
		free(o);
		free(tmp);
		return mq_oom();
	}
	for (i = 0; i < R->nitems; i++)
		o[i] = i;
	/* bottom-up merge sort: stable and without a global context */
	for (width = 1; width < R->nitems; width *= 2) {
		for (i = 0; i < R->nitems; i += 2 * width) {
			uint32_t lo = i;
			uint32_t mid = i + width < R->nitems ? i + width : R->nitems;
			uint32_t hi = i + 2 * width < R->nitems ?
			    i + 2 * width : R->nitems;
			uint32_t x = lo, y = mid, k = lo;

			while (x < mid && y < hi)
				tmp[k++] = pop_cmp_ctx_less(R, o[y], o[x]) ?
				    o[y++] : o[x++];
			while (x < mid)
				tmp[k++] = o[x++];
			while (y < hi)
				tmp[k++] = o[y++];
		}
		memcpy(o, tmp, (size_t)R->nitems * sizeof(uint32_t));
	}
	free(tmp);
	m->pop_order = o;
	return MQ_OK;
}

int
mq_model_fit(struct mq_model *m, enum mq_kind kind,
    const struct mq_matrix *R, const struct mq_params *p)
{
	int rc = MQ_OK;

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->p = *p;
	m->R = R;
	if ((m->umean = user_means(R)) == NULL)
		return mq_oom();
	switch (kind) {
	case MQ_MODEL_ITEM:
		rc = mq_nbrs_items(&m->nb, R, p);
		break;
	case MQ_MODEL_USER:
		rc = nbrs_users(&m->nb, R, p, m->umean, NULL, 0, &m->uwork);
		break;
	case MQ_MODEL_POP:
		rc = pop_order(m);
		break;
	default:
		break;
	}
	if (rc)
		mq_model_release(m);
	return rc;
}

int
mq_model_with_nbrs(struct mq_model *m, enum mq_kind kind,
    const struct mq_matrix *R, const struct mq_params *p,
    struct mq_nbrs *nb)
{
	uint32_t rows = kind == MQ_MODEL_ITEM ? R->nitems : R->nusers;

	memset(m, 0, sizeof(*m));
	if ((kind != MQ_MODEL_ITEM && kind != MQ_MODEL_USER) ||
	    nb->nrows != rows || nb->k != p->k) {
		mq_warnx("saved %s neighbours do not fit the data (%u rows, "
		    "k %u; expected %u, k %u)", mq_kind_name[kind], nb->nrows,
		    nb->k, rows, p->k);
		return MQ_EUSAGE;
	}
	m->kind = kind;
	m->p = *p;
	m->R = R;
	if ((m->umean = user_means(R)) == NULL)
		return mq_oom();
	m->nb = *nb;
	memset(nb, 0, sizeof(*nb));
	return MQ_OK;
}

void
mq_model_release(struct mq_model *m)
{
	if (m == NULL)
		return;
	mq_nbrs_release(&m->nb);
	free(m->umean);
	free(m->pop_order);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ */
/* Lists. */

static void
mark_seen(const struct mq_matrix *R, uint32_t u, uint8_t *mark, uint8_t v)
{
	size_t a;

	for (a = R->u_off[u]; a < R->u_off[u + 1]; a++)
		mark[R->u_item[a]] = v;
}

/* Move the accumulated scores into the top list and clear them. */
static void
drain(struct mq_scratch *s, uint32_t n, struct mq_scored *out,
    uint32_t *nout)
{
	uint32_t q;

	mq_topk_reset(&s->top);
	for (q = 0; q < s->ntouched; q++) {
		uint32_t j = s->touched[q];

		if (s->acc[j] > 0)
			mq_topk_push(&s->top, j, s->acc[j]);
		s->acc[j] = 0;
	}
	s->ntouched = 0;
	mq_topk_sort(&s->top);
	*nout = s->top.n < n ? s->top.n : n;
	memcpy(out, s->top.v, *nout * sizeof(*out));
}

static void
rec_item(const struct mq_model *m, struct mq_scratch *s, uint32_t u,
    uint32_t n, struct mq_scored *out, uint32_t *nout)
{
	const struct mq_matrix *R = m->R;
	const struct mq_nbrs *nb = &m->nb;
	size_t a, base = R->u_off[u], d = mq_matrix_udeg(R, u);
	float *rw = s->rw;
	uint32_t q;

	recency_weights(R, u, m->p.recency, rw, s->ord, s->tmp);
	mark_seen(R, u, s->mark, 1);
	for (a = base; a < base + d; a++) {
		uint32_t i = R->u_item[a];
		float w = rw[a - base] *
		    like_weight(m->p.liked, R->u_half[a], m->umean[u]);
		const uint32_t *id = nb->id + (size_t)i * nb->k;
		const float *sim = nb->sim + (size_t)i * nb->k;

		/* a later film's neighbour list, while this one is read */
		if (a + PREFETCH < base + d) {
			size_t ahead = (size_t)R->u_item[a + PREFETCH] * nb->k;

			__builtin_prefetch(nb->id + ahead);
			__builtin_prefetch(nb->sim + ahead);
		}
		if (w <= 0)
			continue;
		for (q = 0; q < nb->cnt[i]; q++) {
			uint32_t j = id[q];

			if (s->mark[j])
				continue;
			if (s->acc[j] == 0)
				s->touched[s->ntouched++] = j;
			s->acc[j] += w * sim[q];
		}
	}
	mark_seen(R, u, s->mark, 0);
	drain(s, n, out, nout);
}

static void
rec_user(const struct mq_model *m, struct mq_scratch *s, uint32_t u,
    uint32_t n, struct mq_scored *out, uint32_t *nout)
{
	const struct mq_matrix *R = m->R;
	const struct mq_nbrs *nb = &m->nb;
	const uint32_t *id = nb->id + (size_t)u * nb->k;
	const float *sim = nb->sim + (size_t)u * nb->k;
	uint32_t q;
	size_t b;

	/* the neighbours' rows are scattered: where each starts is asked
	   for at once, and each row a few neighbours ahead of the one read */
	for (q = 0; q < nb->cnt[u]; q++)
		__builtin_prefetch(R->u_off + id[q]);
	mark_seen(R, u, s->mark, 1);
	for (q = 0; q < nb->cnt[u]; q++) {
		uint32_t v = id[q];

		if (q + PREFETCH < nb->cnt[u]) {
			size_t ahead = R->u_off[id[q + PREFETCH]];

			__builtin_prefetch(R->u_item + ahead);
			__builtin_prefetch(R->u_half + ahead);
			__builtin_prefetch(m->umean + id[q + PREFETCH]);
		}
		for (b = R->u_off[v]; b < R->u_off[v + 1]; b++) {
			uint32_t j = R->u_item[b];
			float w;

			if (s->mark[j])
				continue;
			w = sim[q] * like_weight(m->p.liked, R->u_half[b],
			    m->umean[v]);
			if (w <= 0)
				continue;
			if (s->acc[j] == 0)
				s->touched[s->ntouched++] = j;
			s->acc[j] += w;
		}
	}
	mark_seen(R, u, s->mark, 0);
	drain(s, n, out, nout);
}

static void
rec_random(const struct mq_model *m, struct mq_scratch *s, uint32_t u,
    uint32_t n, struct mq_scored *out, uint32_t *nout)
{
	const struct mq_matrix *R = m->R;
	size_t unseen = R->nitems - mq_matrix_udeg(R, u);
	struct mq_rng rng;
	uint32_t got = 0, j;

	mq_rng_seed(&rng, mq_rng_mix(m->p.seed, u));
	if (n > unseen)
		n = (uint32_t)unseen;
	mark_seen(R, u, s->mark, 1);
	if ((size_t)n * 2 < unseen) {
		/* rejection sampling: each draw hits an unseen film with
		   probability above 1/2 */
		while (got < n) {
			j = (uint32_t)mq_rng_below(&rng, R->nitems);
			if (s->mark[j])
				continue;
			s->mark[j] = 2;
			out[got++] = (struct mq_scored){ j, 0 };
		}
	} else {
		/* few unseen films: reservoir sampling over all of them */
		uint64_t seen_unseen = 0;

		for (j = 0; j < R->nitems; j++) {
			if (s->mark[j])
				continue;
			if (got < n)
				out[got++] = (struct mq_scored){ j, 0 };
			else {
				uint64_t r = mq_rng_below(&rng, seen_unseen + 1);

				if (r < n)
					out[r] = (struct mq_scored){ j, 0 };
			}
			seen_unseen++;
		}
	}
	for (j = 0; j < got; j++) {
		s->mark[out[j].id] = 0;
		/* score: descending in draw order, for a stable rank */
		out[j].score = (float)(got - j) / (float)got;
	}
	mark_seen(R, u, s->mark, 0);
	*nout = got;
}

static void
rec_pop(const struct mq_model *m, struct mq_scratch *s, uint32_t u,
    uint32_t n, struct mq_scored *out, uint32_t *nout)
{
	const struct mq_matrix *R = m->R;
	uint32_t q, got = 0;

	mark_seen(R, u, s->mark, 1);
	for (q = 0; q < R->nitems && got < n; q++) {
		uint32_t j = m->pop_order[q];
		size_t d = mq_matrix_ideg(R, j);

		if (d == 0)
			break;
		if (!s->mark[j])
			out[got++] = (struct mq_scored){ j, (float)d };
	}
	mark_seen(R, u, s->mark, 0);
	*nout = got;
}

void
mq_model_recommend(const struct mq_model *m, struct mq_scratch *s,
    uint32_t u, uint32_t n, struct mq_scored *out, uint32_t *nout)
{
	*nout = 0;
	if (u >= m->R->nusers || n == 0)
		return;
	if (n > s->top.k)
		n = s->top.k;
	switch (m->kind) {
	case MQ_MODEL_ITEM:
		rec_item(m, s, u, n, out, nout);
		break;
	case MQ_MODEL_USER:
		rec_user(m, s, u, n, out, nout);
		break;
	case MQ_MODEL_RANDOM:
		rec_random(m, s, u, n, out, nout);
		break;
	case MQ_MODEL_POP:
		rec_pop(m, s, u, n, out, nout);
		break;
	default:
		break;
	}
}

struct all_ctx {
	const struct mq_model *m;
	uint32_t n;
	struct mq_scored *out;
	uint32_t *nout;
};

static int
all_worker(void *arg, unsigned t, unsigned nt)
{
	struct all_ctx *c = arg;
	struct mq_scratch s;
	uint32_t u;
	int rc;

	if ((rc = mq_scratch_init(&s, c->m, c->n)))
		return rc;
	for (u = t; u < c->m->R->nusers; u += nt)
		mq_model_recommend(c->m, &s, u, c->n,
		    c->out + (size_t)u * c->n, &c->nout[u]);
	mq_scratch_release(&s);
	return MQ_OK;
}

int
mq_model_recommend_all(const struct mq_model *m, uint32_t n,
    struct mq_scored *out, uint32_t *nout)
{
	struct all_ctx c = { m, n, out, nout };

	return par_run(mq_threads(m->p.threads), &c, all_worker);
}

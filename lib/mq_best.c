/*
 * mq_best.c - the blended, diversified "for you" list (see mq_best.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mq_best.h"
#include "mq_buf.h"
#include "mq_err.h"
#include "mq_genre.h"

void
mq_best_params_init(struct mq_best_params *p)
{
	memset(p, 0, sizeof(*p));
	p->w_item = 0.8;
	p->pop_beta = 0.1;
	p->lambda = 0.65;
	p->ncand = 50;
	p->mmr_from = 2;
	p->series_recent = 5;
	p->discovery = 1;
	p->newslot = 1;
	p->series = 1;
	p->new_max = 5;
	p->new_days = 30;
	p->new_per_member = 10;
}

#define NONE UINT32_MAX

/* ------------------------------------------------------------------ */
/* Genre profiles: the share of each genre among the films u liked. */

static int
make_profiles(struct mq_best *b)
{
	const struct mq_matrix *R = b->R;
	unsigned ng = b->d->ngenres, g;
	uint32_t u;
	size_t a;

	b->profile = calloc((size_t)R->nusers * (ng ? ng : 1) + 1, sizeof(float));
	b->pnorm = mq_allocarray(R->nusers + 1, sizeof(double));
	if (b->profile == NULL || b->pnorm == NULL)
		return mq_oom();
	for (u = 0; u < R->nusers; u++) {
		float *pr = b->profile + (size_t)u * ng;
		double mean = 0, tot = 0;
		size_t d = mq_matrix_udeg(R, u);

		for (a = R->u_off[u]; a < R->u_off[u + 1]; a++)
			mean += R->u_half[a];
		mean = d ? mean / d : 0;
		for (a = R->u_off[u]; a < R->u_off[u + 1]; a++) {
			uint64_t m = b->d->genres[R->u_item[a]];

			if (R->u_half[a] < mean)
				continue;
			for (g = 0; g < ng; g++)
				if (m & (UINT64_C(1) << g)) {
					pr[g] += 1;
					tot += 1;
				}
		}
		for (g = 0; tot > 0 && g < ng; g++)
			pr[g] = (float)(pr[g] / tot);
		for (g = 0, tot = 0; g < ng; g++)
			tot += (double)pr[g] * pr[g];
		b->pnorm[u] = sqrt(tot);
	}
	return MQ_OK;
}

/* Cosine of member u's profile with a film's genre set. */
static float
fit(const struct mq_best *b, uint32_t u, uint64_t mask)
{
	const float *pr = b->profile + (size_t)u * b->d->ngenres;
	double dot = 0;
	unsigned g, k = (unsigned)__builtin_popcountll(mask);
	uint64_t m;

	if (k == 0)
		return 0;
	/* the set genres in ascending order, as a sum over all would add */
	for (m = mask; m; m &= m - 1)
		if ((g = (unsigned)__builtin_ctzll(m)) < b->d->ngenres)
			dot += pr[g];
	return b->pnorm[u] > 0 ? (float)(dot / (b->pnorm[u] * sqrt(k))) : 0;
}

/* ------------------------------------------------------------------ */
/* Series: "Toy Story", "Toy Story 2", "Toy Story 3". */

struct sfilm {
	char *base;	/* normalised title without the sequel marker */
	int num;	/* the marker's number, 1 when there is none */
	int explicit_num;
	uint32_t i;
};

static int
roman(const char *w, size_t n)
{
	static const char *const r[] = { "ii", "iii", "iv", "v", "vi", "vii",
	    "viii", "ix", "x" };
	size_t k;

	for (k = 0; k < sizeof(r) / sizeof(r[0]); k++)
		if (strlen(r[k]) == n && !memcmp(w, r[k], n))
			return (int)k + 2;
	return 0;
}

/* The series key of a title: lower case, no alternative title, no
   trailing article, no subtitle, no sequel number (returned in *num). */
static char *
series_base(const char *title, int *num, int *explicit_num)
{
	struct mq_buf b = MQ_BUF_INIT;
	const char *p;
	size_t n, w;
	char *s;

	for (p = title; *p; p++)
		mq_buf_addc(&b, (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p);
	if (mq_buf_ok(&b)) {
		mq_buf_release(&b);
		return NULL;
	}
	s = b.s;
	n = b.len;
	if ((p = strstr(s, " (")) != NULL)	/* alternative title */
		n = (size_t)(p - s);
	if ((p = memchr(s, ':', n)) != NULL)	/* subtitle */
		n = (size_t)(p - s);
	while (n && s[n - 1] == ' ')
		n--;
	/* "matrix, the" -> "matrix" */
	if ((p = memchr(s, ',', n)) != NULL && n - (size_t)(p - s) <= 5)
		n = (size_t)(p - s);
	*num = 1;
	*explicit_num = 0;
	/* the last word: a number or a roman numeral */
	for (w = n; w > 0 && s[w - 1] != ' '; w--)
		;
	if (w > 0 && w < n) {
		int v = 0;
		size_t k;

		for (k = w; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			v = v * 10 + (s[k] - '0');
		if (k == n && n - w <= 2 && v >= 2)
			*num = v;
		else if ((v = roman(s + w, n - w)) != 0)
			*num = v;
		if (*num > 1) {
			*explicit_num = 1;
			n = w - 1;
			/* "part 2", "chapter ii" */
			for (w = n; w > 0 && s[w - 1] != ' '; w--)
				;
			if ((n - w == 4 && !memcmp(s + w, "part", 4)) ||
			    (n - w == 7 && !memcmp(s + w, "chapter", 7)))
				n = w ? w - 1 : 0;
		}
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '-'))
		n--;
	s[n] = '\0';
	return s;
}

static const struct mq_data *cmp_d;	/* for cmp_sfilm: qsort has no context */

static int
cmp_sfilm(const void *x, const void *y)
{
	const struct sfilm *a = x, *b = y;
	int c = strcmp(a->base, b->base);

	if (c)
		return c;
	if (cmp_d->year[a->i] != cmp_d->year[b->i])
		return cmp_d->year[a->i] < cmp_d->year[b->i] ? -1 : 1;
	if (a->num != b->num)
		return a->num < b->num ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static pthread_mutex_t cmp_lock = PTHREAD_MUTEX_INITIALIZER;

static int
make_series(struct mq_best *b)
{
	const struct mq_data *d = b->d;
	struct sfilm *sf = mq_allocarray(d->nmovies, sizeof(*sf));
	uint32_t i, n = 0, g0, g;
	int rc = MQ_OK;

	b->series_next = mq_allocarray(d->nmovies, sizeof(uint32_t));
	b->series_id = mq_allocarray(d->nmovies, sizeof(uint32_t));
	if (sf == NULL || b->series_next == NULL || b->series_id == NULL) {
		free(sf);
		return mq_oom();
	}
	for (i = 0; i < d->nmovies; i++) {
		b->series_next[i] = NONE;
		b->series_id[i] = NONE;
		sf[n].i = i;
		if ((sf[n].base = series_base(d->title[i], &sf[n].num,
		    &sf[n].explicit_num)) == NULL) {
			rc = mq_oom();
			goto out;
		}
		if (sf[n].base[0] == '\0') {
			free(sf[n].base);
			continue;
		}
		n++;
	}
	pthread_mutex_lock(&cmp_lock);
	cmp_d = d;
	qsort(sf, n, sizeof(*sf), cmp_sfilm);
	pthread_mutex_unlock(&cmp_lock);
	for (g0 = 0; g0 < n; g0 = g) {
		int numbered = 0;

		for (g = g0; g < n && !strcmp(sf[g].base, sf[g0].base); g++)
			numbered |= sf[g].explicit_num;
		/* a series: two films or more, one with a sequel number */
		if (g - g0 < 2 || !numbered)
			continue;
		for (i = g0; i < g; i++) {
			if (i + 1 < g)
				b->series_next[sf[i].i] = sf[i + 1].i;
			b->series_id[sf[i].i] = g0;
		}
	}
out:
	for (i = 0; i < n; i++)
		free(sf[i].base);
	free(sf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* New films and where they go. */

struct mgroup {
	uint64_t mask;
	uint32_t first, count;	/* into the films sorted by mask */
};

static int
cmp_u64pair(const void *x, const void *y)
{
	const uint64_t *a = x, *b = y;

	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return a[1] < b[1] ? -1 : a[1] > b[1];
}

static int
cmp_fitdesc(const void *x, const void *y)
{
	const struct mq_scored *a = x, *b = y;

	return mq_scored_before(a, b) ? -1 : mq_scored_before(b, a) ? 1 : 0;
}

/* How many members rank_members() orders at first. */
#define RANK_HEAD 1024

/*
 * Members in descending fit with genre set mask (ties: lower index
 * first) into order: the first RANK_HEAD of them, or with all set every
 * one.  Returns how many are in order.  The head is the same as the
 * head of the whole order, so a caller that runs past it asks again
 * with all set and goes on where it was.
 */
static uint32_t
rank_members(const struct mq_best *b, uint64_t mask, struct mq_topk *top,
    struct mq_scored *order, int all)
{
	const uint32_t n = b->R->nusers;
	uint32_t u;

	if (all || n <= top->k) {
		for (u = 0; u < n; u++)
			order[u] = (struct mq_scored){ u, fit(b, u, mask) };
		qsort(order, n, sizeof(*order), cmp_fitdesc);
		return n;
	}
	mq_topk_reset(top);
	for (u = 0; u < n; u++)
		mq_topk_push(top, u, fit(b, u, mask));
	mq_topk_sort(top);
	memcpy(order, top->v, top->n * sizeof(*order));
	return top->n;
}

static int
place_new_films(struct mq_best *b)
{
	const struct mq_matrix *R = b->R;
	const uint32_t cap = b->p.new_per_member;
	uint64_t *films = NULL;	/* (mask, film) pairs */
	struct mq_scored *order = NULL;
	struct mq_topk top;
	int64_t tmax = INT64_MIN, *first = NULL;
	uint32_t i, u, k, nf = 0, ranked, *given = NULL;
	size_t a;
	int rc = MQ_OK;

	if ((rc = mq_topk_init(&top, RANK_HEAD)))
		return rc;
	b->is_new = calloc(R->nitems + 1, 1);
	b->newcnt = calloc(R->nusers + 1, sizeof(uint32_t));
	b->newlist = mq_allocarray((size_t)R->nusers * (cap ? cap : 1) + 1,
	    sizeof(uint32_t));
	films = mq_allocarray(2 * (size_t)R->nitems + 2, sizeof(uint64_t));
	order = mq_allocarray(R->nusers + 1, sizeof(*order));
	given = calloc(R->nitems + 1, sizeof(uint32_t));
	first = mq_allocarray(R->nitems + 1, sizeof(int64_t));
	if (!b->is_new || !b->newcnt || !b->newlist || !films || !order ||
	    !given || !first) {
		rc = mq_oom();
		goto out;
	}
	/* each film's first rating, in one pass over the rows (the
	   columns have no times) */
	for (i = 0; i < R->nitems; i++)
		first[i] = INT64_MAX;
	for (a = 0; a < R->nnz; a++) {
		if (R->u_ts[a] > tmax)
			tmax = R->u_ts[a];
		if (R->u_ts[a] < first[R->u_item[a]])
			first[R->u_item[a]] = R->u_ts[a];
	}
	for (i = 0; i < R->nitems; i++) {
		if (mq_matrix_ideg(R, i) >= b->p.new_max &&
		    (tmax == INT64_MIN ||
		    first[i] < tmax - (int64_t)b->p.new_days * 86400))
			continue;
		b->is_new[i] = 1;
		films[2 * nf] = b->d->genres[i];
		films[2 * nf + 1] = i;
		nf++;
	}
	b->nnew = nf;
	if (nf == 0 || cap == 0 || R->nusers == 0)
		goto out;
	qsort(films, nf, 2 * sizeof(uint64_t), cmp_u64pair);

	/*
	 * Films sharing a genre set fit the same members: rank the members
	 * once per genre set, then hand the set's films out in that order,
	 * one film per member at a time, to members with room left.  Then
	 * every member still without a new film gets the best fitting one,
	 * preferring films given to few members.
	 */
	for (k = 0; k < nf; ) {
		uint64_t mask = films[2 * k];
		uint32_t end = k, next = 0, f;

		while (end < nf && films[2 * end] == mask)
			end++;
		/* the best fitting members first: a few films need only the
		   head of the order, the whole of it only when it runs out */
		ranked = rank_members(b, mask, &top, order, 0);
		u = 0;
		for (f = k; f < end; f++) {
			uint32_t film = (uint32_t)films[2 * f + 1];

			/* the next member in fit order with room who has not
			   rated the film */
			for (; next < R->nusers; next++) {
				if (next == ranked)
					ranked = rank_members(b, mask, &top,
					    order, 1);
				u = order[next].id;
				if (b->newcnt[u] < cap &&
				    mq_matrix_find(R, u, film) == (size_t)-1)
					break;
			}
			if (next == R->nusers)
				break;	/* everybody full: the rest stay out */
			b->newlist[(size_t)u * cap + b->newcnt[u]++] = film;
			given[film]++;
			next++;
		}
		k = end;
	}
	for (u = 0; u < R->nusers; u++) {
		uint32_t best = NONE;
		float bf = -1;

		if (b->newcnt[u] > 0)
			continue;
		for (k = 0; k < nf; k++) {
			uint32_t film = (uint32_t)films[2 * k + 1];
			float fv = fit(b, u, films[2 * k]) /
			    (1.0f + (float)given[film]);

			if (fv > bf && mq_matrix_find(R, u, film) == (size_t)-1) {
				bf = fv;
				best = film;
			}
			/* same genre set: same fit; skip to the next set */
			while (k + 1 < nf && films[2 * (k + 1)] == films[2 * k] &&
			    given[(uint32_t)films[2 * (k + 1) + 1]] >= given[film])
				k++;
		}
		if (best != NONE) {
			b->newlist[(size_t)u * cap + b->newcnt[u]++] = best;
			given[best]++;
		}
	}
	/* each member's new films, best fit first */
	for (u = 0; u < R->nusers; u++) {
		uint32_t *l = b->newlist + (size_t)u * cap, x, y;

		for (x = 1; x < b->newcnt[u]; x++)
			for (y = x; y > 0 && fit(b, u, b->d->genres[l[y]]) >
			    fit(b, u, b->d->genres[l[y - 1]]); y--) {
				uint32_t t = l[y];

				l[y] = l[y - 1];
				l[y - 1] = t;
			}
	}
out:
	mq_topk_release(&top);
	free(films);
	free(order);
	free(given);
	free(first);
	return rc;
}

double
mq_best_new_reach(const struct mq_best *b)
{
	uint8_t *hit;
	uint32_t u, k, n = 0;

	if (b->nnew == 0)
		return 1.0;
	if ((hit = calloc(b->R->nitems + 1, 1)) == NULL)
		return 0;
	for (u = 0; u < b->R->nusers; u++)
		for (k = 0; k < b->newcnt[u]; k++) {
			uint32_t f = b->newlist[(size_t)u * b->p.new_per_member + k];

			n += !hit[f];
			hit[f] = 1;
		}
	free(hit);
	return (double)n / b->nnew;
}

/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Tags: each film's set of distinct tags (case folded), as sorted ids. */

struct ftag {
	uint32_t item;
	const char *text;
};

static int
cmp_ftag_text(const void *x, const void *y)
{
	const struct ftag *a = x, *b = y;
	int c = strcasecmp(a->text, b->text);

	return c ? c : (a->item < b->item ? -1 : a->item > b->item);
}

static int
cmp_u32pair(const void *x, const void *y)
{
	const uint32_t *a = x, *b = y;

	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return a[1] < b[1] ? -1 : a[1] > b[1];
}

static int
make_tags(struct mq_best *b)
{
	const struct mq_data *d = b->d;
	struct ftag *ft = mq_allocarray(d->ntags + 1, sizeof(*ft));
	uint32_t *pairs = mq_allocarray(2 * d->ntags + 2, sizeof(uint32_t));
	uint32_t id = 0, np = 0, i;
	size_t k;

	b->tag_off = calloc((size_t)d->nmovies + 1, sizeof(uint32_t));
	b->tag_id = mq_allocarray(d->ntags + 1, sizeof(uint32_t));
	if (!ft || !pairs || !b->tag_off || !b->tag_id) {
		free(ft);
		free(pairs);
		return mq_oom();
	}
	for (k = 0; k < d->ntags; k++)
		ft[k] = (struct ftag){ d->tags[k].item, d->tags[k].text };
	qsort(ft, d->ntags, sizeof(*ft), cmp_ftag_text);
	for (k = 0; k < d->ntags; k++) {
		if (k && strcasecmp(ft[k].text, ft[k - 1].text))
			id++;
		/* (film, tag) once */
		if (np && pairs[2 * (np - 1)] == ft[k].item &&
		    pairs[2 * (np - 1) + 1] == id)
			continue;
		pairs[2 * np] = ft[k].item;
		pairs[2 * np + 1] = id;
		np++;
	}
	qsort(pairs, np, 2 * sizeof(uint32_t), cmp_u32pair);
	for (k = 0; k < np; k++) {
		if (k && pairs[2 * k] == pairs[2 * k - 2] &&
		    pairs[2 * k + 1] == pairs[2 * k - 1])
			continue;
		b->tag_off[pairs[2 * k] + 1]++;
		b->tag_id[b->ntagged++] = pairs[2 * k + 1];
	}
	for (i = 0; i < d->nmovies; i++)
		b->tag_off[i + 1] += b->tag_off[i];
	free(ft);
	free(pairs);
	return MQ_OK;
}

/* Jaccard of the tag sets of films i and j (sorted id lists). */
static double
tag_jaccard(const struct mq_best *b, uint32_t i, uint32_t j)
{
	uint32_t x = b->tag_off[i], xe = b->tag_off[i + 1];
	uint32_t y = b->tag_off[j], ye = b->tag_off[j + 1];
	uint32_t in = 0, un;

	if (x == xe || y == ye)
		return 0;
	un = (xe - x) + (ye - y);
	while (x < xe && y < ye) {
		if (b->tag_id[x] == b->tag_id[y]) {
			in++;
			x++;
			y++;
		} else if (b->tag_id[x] < b->tag_id[y])
			x++;
		else
			y++;
	}
	return (double)in / (un - in);
}

/* Cosine of the genome relevance vectors of i and j; 0 without both. */
static double
genome_cos(const struct mq_data *d, uint32_t i, uint32_t j)
{
	const float *a, *c;
	double dot = 0, na = 0, nc = 0;
	uint32_t t;

	if (d->genome == NULL || d->ngtags == 0)
		return 0;
	a = d->genome + (size_t)i * d->ngtags;
	c = d->genome + (size_t)j * d->ngtags;
	for (t = 0; t < d->ngtags; t++) {
		if (a[t] != a[t] || c[t] != c[t])	/* NaN: absent */
			return 0;
		dot += (double)a[t] * c[t];
		na += (double)a[t] * a[t];
		nc += (double)c[t] * c[t];
	}
	return na > 0 && nc > 0 ? dot / sqrt(na * nc) : 0;
}

/* Films by damped mean rating, best first: the list of last resort. */
static int
make_fallback(struct mq_best *b)
{
	const struct mq_matrix *R = b->R;
	struct mq_scored *v = mq_allocarray(R->nitems + 1, sizeof(*v));
	float *dm = mq_allocarray(R->nitems + 1, sizeof(float));
	uint32_t i;

	b->fallback = mq_allocarray(R->nitems + 1, sizeof(uint32_t));
	if (!v || !dm || !b->fallback) {
		free(v);
		free(dm);
		return mq_oom();
	}
	mq_genre_damped(R, 10, dm, NULL);
	for (i = 0; i < R->nitems; i++)
		v[i] = (struct mq_scored){ i, dm[i] };
	qsort(v, R->nitems, sizeof(*v), cmp_fitdesc);
	for (i = 0; i < R->nitems; i++)
		b->fallback[i] = v[i].id;
	free(v);
	free(dm);
	return MQ_OK;
}

int
mq_best_models(const struct mq_best_params *p, const struct mq_matrix *R,
    struct mq_model *item, struct mq_model *user)
{
	struct mq_params mp;
	int rc;

	memset(user, 0, sizeof(*user));
	mq_params_init(&mp, MQ_MODEL_ITEM);
	mp.threads = p->threads;
	if ((rc = p->item_pre ?
	    mq_model_with_nbrs(item, MQ_MODEL_ITEM, R, &mp, p->item_pre) :
	    mq_model_fit(item, MQ_MODEL_ITEM, R, &mp)))
		return rc;
	mq_params_init(&mp, MQ_MODEL_USER);
	mp.threads = p->threads;
	if ((rc = p->user_pre ?
	    mq_model_with_nbrs(user, MQ_MODEL_USER, R, &mp, p->user_pre) :
	    mq_model_fit(user, MQ_MODEL_USER, R, &mp)))
		mq_model_release(item);
	return rc;
}

int
mq_best_fit(struct mq_best *b, const struct mq_matrix *R,
    const struct mq_data *d, const struct mq_best_params *p)
{
	uint32_t k;
	int rc;

	memset(b, 0, sizeof(*b));
	b->p = *p;
	b->R = R;
	b->d = d;
	b->p.item_pre = b->p.user_pre = NULL;
	if ((rc = mq_best_models(p, R, &b->item, &b->user)))
		goto fail;
	if ((rc = make_profiles(b)) || (rc = make_series(b)) ||
	    (rc = place_new_films(b)) || (rc = make_fallback(b)) ||
	    (rc = make_tags(b)))
		goto fail;
	if ((b->logpop = mq_allocarray(R->nitems + 1, sizeof(float))) == NULL) {
		rc = mq_oom();
		goto fail;
	}
	for (k = 0; k < R->nitems; k++)
		b->logpop[k] = (float)log1p((double)mq_matrix_ideg(R, k));
	return MQ_OK;
fail:
	mq_best_release(b);
	return rc;
}

void
mq_best_release(struct mq_best *b)
{
	if (b == NULL)
		return;
	mq_model_release(&b->item);
	mq_model_release(&b->user);
	free(b->profile);
	free(b->pnorm);
	free(b->series_next);
	free(b->series_id);
	free(b->is_new);
	free(b->newlist);
	free(b->newcnt);
	free(b->fallback);
	free(b->logpop);
	free(b->tag_off);
	free(b->tag_id);
	memset(b, 0, sizeof(*b));
}

int
mq_best_scratch_init(struct mq_best_scratch *s, const struct mq_best *b)
{
	uint32_t nc = b->p.ncand ? b->p.ncand : 1;

	memset(s, 0, sizeof(*s));
	s->ci = mq_allocarray(nc, sizeof(*s->ci));
	s->cu = mq_allocarray(nc, sizeof(*s->cu));
	s->cand = mq_allocarray(2 * (size_t)nc, sizeof(*s->cand));
	s->mark = calloc(b->R->nitems + 1, 1);
	if (!s->ci || !s->cu || !s->cand || !s->mark ||
	    mq_scratch_init(&s->si, &b->item, nc) ||
	    mq_scratch_init(&s->su, &b->user, nc)) {
		mq_best_scratch_release(s);
		return mq_oom();
	}
	return MQ_OK;
}

void
mq_best_scratch_release(struct mq_best_scratch *s)
{
	if (s == NULL)
		return;
	mq_scratch_release(&s->si);
	mq_scratch_release(&s->su);
	free(s->ci);
	free(s->cu);
	free(s->cand);
	free(s->mark);
	memset(s, 0, sizeof(*s));
}

static double
jaccard(uint64_t x, uint64_t y)
{
	int un = __builtin_popcountll(x | y);

	return un ? (double)__builtin_popcountll(x & y) / un : 0.0;
}

/* The liked film of u whose neighbour list gives j the most, or NONE. */
static uint32_t
because(const struct mq_best *b, uint32_t u, uint32_t j)
{
	const struct mq_matrix *R = b->R;
	const struct mq_nbrs *nb = &b->item.nb;
	float best = 0;
	uint32_t bi = NONE, q;
	size_t a;

	for (a = R->u_off[u]; a < R->u_off[u + 1]; a++) {
		uint32_t i = R->u_item[a];

		if (R->u_half[a] < 7)
			continue;
		for (q = 0; q < nb->cnt[i]; q++)
			if (nb->id[(size_t)i * nb->k + q] == j &&
			    nb->sim[(size_t)i * nb->k + q] > best) {
				best = nb->sim[(size_t)i * nb->k + q];
				bi = i;
			}
	}
	return bi;
}

void
mq_best_recommend(const struct mq_best *b, struct mq_best_scratch *s,
    uint32_t u, uint32_t n, struct mq_scored *out, uint8_t *why,
    uint32_t *about, uint32_t *nout)
{
	const struct mq_matrix *R = b->R;
	const struct mq_data *d = b->d;
	const float *pr = b->profile + (size_t)u * d->ngenres;
	uint32_t ni, nu, nc = 0, k, x, got = 0, main_n = n;
	uint32_t series = NONE, series_from = NONE, nw = NONE, disc = NONE;
	uint64_t usual = 0;
	int64_t newest = INT64_MIN;
	float mi = 0, mu = 0;
	uint8_t wy[64];
	uint32_t ab[64];
	size_t a;
	unsigned g;

	*nout = 0;
	s->ni = s->nu = 0;
	if (u >= R->nusers || n == 0)
		return;
	if (n > 64)
		n = main_n = 64;
	mq_model_recommend(&b->item, &s->si, u, b->p.ncand, s->ci, &ni);
	mq_model_recommend(&b->user, &s->su, u, b->p.ncand, s->cu, &nu);
	s->ni = ni;
	s->nu = nu;
	if (ni)
		mi = s->ci[0].score;
	if (nu)
		mu = s->cu[0].score;

	/* 1. blend into cand; mark[j] = position + 1 */
	for (k = 0; k < ni; k++) {
		s->cand[nc] = (struct mq_scored){ s->ci[k].id,
		    (float)b->p.w_item * s->ci[k].score / mi };
		s->mark[s->ci[k].id] = (uint8_t)1;
		nc++;
	}
	for (k = 0; k < nu; k++) {
		float v = (float)(1 - b->p.w_item) * s->cu[k].score / mu;

		if (s->mark[s->cu[k].id]) {
			for (x = 0; x < nc; x++)
				if (s->cand[x].id == s->cu[k].id) {
					s->cand[x].score += v;
					break;
				}
		} else {
			s->mark[s->cu[k].id] = 2;
			s->cand[nc++] = (struct mq_scored){ s->cu[k].id, v };
		}
	}
	for (x = 0; x < nc; x++) {
		s->cand[x].score /= (float)pow(
		    (double)mq_matrix_ideg(R, s->cand[x].id) + 1, b->p.pop_beta);
		/* remember which model proposed it (1 item, 2 user only) */
	}
	qsort(s->cand, nc, sizeof(*s->cand), cmp_fitdesc);

	/*
	 * 2. the next instalment of a series, when one of the films they
	 * rated last (series_recent) was loved (4 stars or more)
	 */
	if (b->p.series) {
		int64_t cut = INT64_MIN;
		uint32_t seen = 0;

		/* the time of their series_recent-th latest rating */
		for (;;) {
			int64_t next = INT64_MIN;

			for (a = R->u_off[u]; a < R->u_off[u + 1]; a++)
				if (R->u_ts[a] > next &&
				    (cut == INT64_MIN || R->u_ts[a] < cut))
					next = R->u_ts[a];
			if (next == INT64_MIN)
				break;
			cut = next;
			for (a = R->u_off[u]; a < R->u_off[u + 1]; a++)
				seen += R->u_ts[a] == cut;
			if (seen >= b->p.series_recent)
				break;
		}
		for (a = R->u_off[u]; a < R->u_off[u + 1]; a++) {
			uint32_t i = R->u_item[a], nx = b->series_next[i];

			if (R->u_ts[a] < cut || R->u_half[a] < 8 || nx == NONE ||
			    mq_matrix_find(R, u, nx) != (size_t)-1 ||
			    R->u_ts[a] <= newest)
				continue;
			newest = R->u_ts[a];
			series = nx;
			series_from = i;
		}
	}

	/* the genres they usually like: 10 % of their profile or more */
	for (g = 0; g < d->ngenres; g++)
		if (pr[g] >= 0.1f)
			usual |= UINT64_C(1) << g;
	/* 4. reserve the discovery and new-film slots */
	if (b->p.newslot && n >= 3)
		for (k = 0; k < b->newcnt[u] && nw == NONE; k++) {
			uint32_t f = b->newlist[(size_t)u * b->p.new_per_member + k];

			if (f != series && mq_matrix_find(R, u, f) == (size_t)-1)
				nw = f;
		}
	if (nw != NONE)
		main_n--;
	if (b->p.discovery && n >= 4 && usual)
		for (x = 0; x < nc; x++) {
			uint64_t gm = d->genres[s->cand[x].id];

			if (gm && !(gm & usual) && s->cand[x].id != series &&
			    s->cand[x].id != nw) {
				disc = s->cand[x].id;
				main_n--;
				break;
			}
		}

	if (series != NONE && got < main_n) {
		out[got] = (struct mq_scored){ series, 1 };
		wy[got] = MQ_WHY_SERIES;
		ab[got++] = series_from;
	}
	/* 3. maximal marginal relevance over the candidates */
	while (got < main_n) {
		double bestv = -1e30;
		uint32_t bx = NONE;
		float top = nc ? s->cand[0].score : 1;

		for (x = 0; x < nc; x++) {
			uint32_t j = s->cand[x].id;
			double maxsim = 0, v;

			if (j == series || j == nw || j == disc ||
			    s->mark[j] == 0)
				continue;
			for (k = 0; k < got; k++) {
				double js = jaccard(d->genres[j],
				    d->genres[out[k].id]);

				if (js > maxsim)
					maxsim = js;
			}
			/* the first picks by relevance alone: they weigh most */
			v = got < b->p.mmr_from ? s->cand[x].score / top :
			    b->p.lambda * s->cand[x].score / top -
			    (1 - b->p.lambda) * maxsim;
			if (v > bestv) {
				bestv = v;
				bx = x;
			}
		}
		if (bx == NONE)
			break;
		{
			uint32_t j = s->cand[bx].id;

			out[got] = s->cand[bx];
			if (s->mark[j] == 1 && (ab[got] = because(b, u, j)) != NONE)
				wy[got] = MQ_WHY_ITEM;
			else {
				wy[got] = MQ_WHY_USER;
				ab[got] = NONE;
			}
			s->mark[j] = 0;	/* taken */
			got++;
		}
	}
	if (nw != NONE) {
		uint64_t gm = d->genres[nw] & usual ? d->genres[nw] & usual :
		    d->genres[nw];

		out[got] = (struct mq_scored){ nw, 0 };
		wy[got] = MQ_WHY_NEW;
		ab[got++] = gm ? (uint32_t)__builtin_ctzll(gm) : NONE;
	}
	if (disc != NONE) {
		out[got] = (struct mq_scored){ disc, 0 };
		wy[got] = MQ_WHY_DISCOVERY;
		ab[got++] = (uint32_t)__builtin_ctzll(d->genres[disc]);
	}
	for (x = 0; x < nc; x++)
		s->mark[s->cand[x].id] = 0;
	/* too few neighbours (a new member): well-liked films they have not
	   rated fill the list */
	for (x = 0; x < R->nitems && got < n; x++) {
		uint32_t j = b->fallback[x];

		if (mq_matrix_find(R, u, j) != (size_t)-1)
			continue;
		for (k = 0; k < got && out[k].id != j; k++)
			;
		if (k < got)
			continue;
		out[got] = (struct mq_scored){ j, 0 };
		wy[got] = MQ_WHY_POPULAR;
		ab[got++] = NONE;
	}
	/* the order is the list's: scores only say the rank */
	for (k = 0; k < got; k++) {
		out[k].score = (float)(got - k) / (float)got;
		if (why)
			why[k] = wy[k];
		if (about)
			about[k] = ab[k];
	}
	*nout = got;
}

struct ball {
	const struct mq_best *b;
	uint32_t n;
	struct mq_scored *out;
	uint32_t *cnt;
	uint8_t *why;
	uint32_t *about;
	unsigned t, nt;
	int rc;
};

static void *
ball_worker(void *arg)
{
	struct ball *c = arg;
	struct mq_best_scratch s;
	uint32_t u;

	if ((c->rc = mq_best_scratch_init(&s, c->b)))
		return NULL;
	for (u = c->t; u < c->b->R->nusers; u += c->nt)
		mq_best_recommend(c->b, &s, u, c->n, c->out + (size_t)u * c->n,
		    c->why ? c->why + (size_t)u * c->n : NULL,
		    c->about ? c->about + (size_t)u * c->n : NULL, &c->cnt[u]);
	mq_best_scratch_release(&s);
	return NULL;
}

int
mq_best_recommend_all(const struct mq_best *b, uint32_t n,
    struct mq_scored *out, uint32_t *cnt, uint8_t *why, uint32_t *about)
{
	struct ball c[16];
	pthread_t th[16];
	unsigned nt = mq_threads(b->p.threads), t, started = 0;
	int rc = MQ_OK;

	if (nt > 16)
		nt = 16;
	for (t = 0; t < nt; t++)
		c[t] = (struct ball){ b, n, out, cnt, why, about, t, nt, MQ_OK };
	for (t = 1; t < nt; t++) {
		if (pthread_create(&th[t], NULL, ball_worker, &c[t]))
			break;
		started = t;
	}
	ball_worker(&c[0]);
	for (t = started + 1; t < nt; t++)
		ball_worker(&c[t]);
	for (t = 1; t <= started; t++)
		pthread_join(th[t], NULL);
	for (t = 0; t < nt; t++)
		if (c[t].rc && rc == MQ_OK)
			rc = c[t].rc;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Similar films by content. */

/* exp(-years / 10) for 0..63 years apart, filled once */
static float year_near[64];

static void
near_init(void)
{
	int y;

	for (y = 0; y < 64; y++)
		year_near[y] = (float)exp(-y / 10.0);
}

uint32_t
mq_best_similar_content(const struct mq_best *b, uint32_t i, uint32_t k,
    struct mq_scored *out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const struct mq_data *d = b->d;
	/* with a genome, a wider first cut is re-ranked by it */
	uint32_t cut = d->genome ? (k > 50 ? k : 50) : k, j, n, q;
	struct mq_topk top;

	pthread_once(&once, near_init);
	if (mq_topk_init(&top, cut))
		return 0;
	for (j = 0; j < d->nmovies; j++) {
		double v;
		int dy;

		if (j == i)
			continue;
		v = jaccard(d->genres[i], d->genres[j]) +
		    0.5 * tag_jaccard(b, i, j);
		/* the same series is the strongest link */
		if (b->series_id[i] != NONE && b->series_id[i] == b->series_id[j])
			v += 1.0;
		if (v <= 0)
			continue;
		dy = d->year[i] && d->year[j] ? abs(d->year[i] - d->year[j]) :
		    30;
		v += 0.2 * year_near[dy < 64 ? dy : 63];
		/* a little popularity breaks ties towards known films */
		v += 0.01 * b->logpop[j];
		mq_topk_push(&top, j, (float)v);
	}
	mq_topk_sort(&top);
	n = top.n;
	if (d->genome) {
		for (q = 0; q < n; q++)
			top.v[q].score += (float)genome_cos(d, i, top.v[q].id);
		qsort(top.v, n, sizeof(*top.v), cmp_fitdesc);
	}
	if (n > k)
		n = k;
	memcpy(out, top.v, n * sizeof(*out));
	mq_topk_release(&top);
	return n;
}

/*
 * mq_eval.c - time-ordered hold-out split and ranking metrics.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mq_err.h"
#include "mq_matrix.h"
#include "mq_best.h"
#include "mq_eval.h"

void
mq_split_release(struct mq_split *s)
{
	if (s == NULL)
		return;
	mq_matrix_release(&s->train);
	free(s->held_off);
	free(s->held_item);
	memset(s, 0, sizeof(*s));
}

/* Insertion of row positions ordered by (ts, film) ascending. */
static void
order_by_time(const struct mq_matrix *R, uint32_t u, size_t *ord)
{
	size_t base = R->u_off[u], d = mq_matrix_udeg(R, u), a, b;

	/* rows are sorted by film; a stable insertion sort on ts keeps the
	   film order for equal times.  Binary insertion keeps it cheap. */
	for (a = 0; a < d; a++) {
		int64_t t = R->u_ts[base + a];
		size_t lo = 0, hi = a;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (R->u_ts[base + ord[mid]] <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (b = a; b > lo; b--)
			ord[b] = ord[b - 1];
		ord[lo] = a;
	}
}

int
mq_split_latest(struct mq_split *s, const struct mq_matrix *R,
    uint32_t holdout, uint32_t min_ratings)
{
	struct mq_triple *t = NULL;
	uint8_t *hidden = NULL;
	size_t *ord = NULL, maxdeg = 1, nt = 0, nh = 0, a;
	uint32_t u;
	int rc;

	memset(s, 0, sizeof(*s));
	for (u = 0; u < R->nusers; u++)
		if (mq_matrix_udeg(R, u) > maxdeg)
			maxdeg = mq_matrix_udeg(R, u);
	t = mq_allocarray(R->nnz, sizeof(*t));
	hidden = calloc(R->nnz ? R->nnz : 1, 1);
	ord = mq_allocarray(maxdeg, sizeof(size_t));
	s->held_off = calloc((size_t)R->nusers + 1, sizeof(size_t));
	if (!t || !hidden || !ord || !s->held_off)
		goto oom;

	for (u = 0; u < R->nusers; u++) {
		size_t d = mq_matrix_udeg(R, u), k;

		if (d >= min_ratings && d > holdout && holdout > 0) {
			order_by_time(R, u, ord);
			for (k = d - holdout; k < d; k++)
				hidden[R->u_off[u] + ord[k]] = 1;
			nh += holdout;
			s->nevaluated++;
		}
		s->held_off[u + 1] = nh;
	}
	s->nheld = nh;
	if ((s->held_item = mq_allocarray(nh, sizeof(uint32_t))) == NULL)
		goto oom;
	nh = 0;
	for (u = 0; u < R->nusers; u++)
		for (a = R->u_off[u]; a < R->u_off[u + 1]; a++) {
			if (hidden[a])
				s->held_item[nh++] = R->u_item[a];
			else
				t[nt++] = (struct mq_triple){ u,
				    R->u_item[a], R->u_ts[a], R->u_half[a] };
		}
	rc = mq_matrix_build(&s->train, R->nusers, R->nitems, t, nt);
	free(t);
	free(hidden);
	free(ord);
	if (rc)
		mq_split_release(s);
	return rc;
oom:
	free(t);
	free(hidden);
	free(ord);
	mq_split_release(s);
	return mq_oom();
}

double
mq_eval_diversity(const struct mq_scored *v, uint32_t k,
    const uint64_t *genres)
{
	double sum = 0;
	uint32_t a, b, pairs = 0;

	if (k < 2)
		return 0;
	for (a = 0; a < k; a++)
		for (b = a + 1; b < k; b++) {
			uint64_t x = genres[v[a].id], y = genres[v[b].id];
			int in = __builtin_popcountll(x & y);
			int un = __builtin_popcountll(x | y);

			/* two films without genres share nothing known */
			sum += un ? (double)in / un : 0.0;
			pairs++;
		}
	return 1.0 - sum / pairs;
}

/* Gini index of the n counts in v (sorts v). */
static double
gini(uint32_t *v, uint32_t n)
{
	double num = 0, tot = 0;
	uint32_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), mq_cmp_u32);
	for (i = 0; i < n; i++) {
		num += (2.0 * (i + 1) - n - 1) * v[i];
		tot += v[i];
	}
	return tot > 0 ? num / (n * tot) : 0;
}

int
mq_eval_lists(const struct mq_split *s, const struct mq_scored *lists,
    const uint32_t *cnt, const uint64_t *genres, uint32_t n,
    struct mq_metrics *out)
{
	const struct mq_matrix *R = &s->train;
	uint8_t *rec = calloc(R->nitems ? R->nitems : 1, 1);
	double *disc = mq_allocarray(n + 1, sizeof(double));
	double ndcg = 0, hr = 0, prec = 0, recall = 0, mrr = 0;
	double pop = 0, div = 0, nov = 0, few = 0;
	size_t nrec = 0, ndistinct = 0;
	uint32_t u, r, q, members = 0, nfew = 0, *expo;
	uint32_t i, nnew = 0, newhit = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	expo = calloc(R->nitems + 1, sizeof(uint32_t));
	if (rec == NULL || disc == NULL || expo == NULL) {
		free(rec);
		free(disc);
		free(expo);
		return mq_oom();
	}
	for (r = 0; r <= n; r++)
		disc[r] = 1.0 / log2(r + 2.0);	/* rank r from 0 */
	for (u = 0; u < R->nusers; u++) {
		size_t h0 = s->held_off[u], h1 = s->held_off[u + 1];
		const struct mq_scored *l = lists + (size_t)u * n;
		double dcg = 0, idcg = 0;
		uint32_t hits = 0, first = 0, k = cnt[u] < n ? cnt[u] : n;
		uint32_t ideal = (uint32_t)(h1 - h0) < n ?
		    (uint32_t)(h1 - h0) : n;

		if (h0 == h1)
			continue;
		members++;
		for (r = 0; r < k; r++) {
			size_t h;

			for (h = h0; h < h1; h++)
				if (s->held_item[h] == l[r].id)
					break;
			if (h < h1) {
				hits++;
				dcg += disc[r];
				if (!first)
					first = r + 1;
			}
			if (!rec[l[r].id]) {
				rec[l[r].id] = 1;
				ndistinct++;
			}
			expo[l[r].id]++;
			pop += (double)mq_matrix_ideg(R, l[r].id);
			nov += -log2((mq_matrix_ideg(R, l[r].id) + 1.0) /
			    (R->nusers + 1.0));
			nrec++;
		}
		for (q = 0; q < ideal; q++)
			idcg += disc[q];
		ndcg += idcg > 0 ? dcg / idcg : 0;
		if (mq_matrix_udeg(R, u) < 20) {
			few += idcg > 0 ? dcg / idcg : 0;
			nfew++;
		}
		hr += hits > 0;
		prec += (double)hits / n;
		recall += ideal ? (double)hits / ideal : 0;
		mrr += first ? 1.0 / first : 0;
		div += mq_eval_diversity(l, k, genres);
	}
	out->members = members;
	if (members) {
		out->ndcg = ndcg / members;
		out->hr = hr / members;
		out->precision = prec / members;
		out->recall = recall / members;
		out->mrr = mrr / members;
		out->diversity = div / members;
	}
	if (nrec) {
		out->popularity = pop / nrec;
		out->novelty = nov / nrec;
	}
	out->coverage = R->nitems ? (double)ndistinct / R->nitems : 0;
	out->members_few = nfew;
	out->ndcg_few = nfew ? few / nfew : 0;
	for (i = 0; i < R->nitems; i++)
		if (mq_matrix_ideg(R, i) < 5) {
			nnew++;
			newhit += rec[i];
		}
	out->new_reach = nnew ? (double)newhit / nnew : 0;
	out->gini = gini(expo, R->nitems);
	free(rec);
	free(disc);
	free(expo);
	return MQ_OK;
}

/*
 * Lists of n films for every member of s, made by one of the two kinds
 * of model (m or b), then their metrics.
 */
static int
eval_lists_of(const struct mq_model *m, const struct mq_best *b,
    const struct mq_split *s, const uint64_t *genres, uint32_t n,
    struct mq_metrics *out)
{
	struct mq_scored *lists;
	uint32_t *cnt;
	int rc;

	lists = mq_allocarray((size_t)s->train.nusers * n, sizeof(*lists));
	cnt = calloc(s->train.nusers ? s->train.nusers : 1, sizeof(*cnt));
	if (lists == NULL || cnt == NULL) {
		free(lists);
		free(cnt);
		return mq_oom();
	}
	rc = m ? mq_model_recommend_all(m, n, lists, cnt) :
	    mq_best_recommend_all(b, n, lists, cnt, NULL, NULL);
	if (rc == MQ_OK)
		rc = mq_eval_lists(s, lists, cnt, genres, n, out);
	free(lists);
	free(cnt);
	return rc;
}

int
mq_eval_model(const struct mq_model *m, const struct mq_split *s,
    const uint64_t *genres, uint32_t n, struct mq_metrics *out)
{
	return eval_lists_of(m, NULL, s, genres, n, out);
}

int
mq_eval_best(const struct mq_best *b, const struct mq_split *s,
    const uint64_t *genres, uint32_t n, struct mq_metrics *out)
{
	return eval_lists_of(NULL, b, s, genres, n, out);
}

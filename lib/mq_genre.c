/*
 * mq_genre.c - damped-mean genre top lists.
 */
#include <stdlib.h>
#include <string.h>

#include "mq_err.h"
#include "mq_genre.h"

void
mq_genre_damped(const struct mq_matrix *R, double damping, float *out,
    double *mu_out)
{
	double total = 0, mu;
	size_t a;
	uint32_t i;

	for (a = 0; a < R->nnz; a++)
		total += R->i_half[a];
	mu = R->nnz ? total / R->nnz / 2.0 : 0.0;
	for (i = 0; i < R->nitems; i++) {
		double s = 0;
		size_t n = mq_matrix_ideg(R, i);

		for (a = R->i_off[i]; a < R->i_off[i + 1]; a++)
			s += R->i_half[a] / 2.0;
		out[i] = (damping + n) > 0 ?
		    (float)((damping * mu + s) / (damping + n)) : (float)mu;
	}
	if (mu_out)
		*mu_out = mu;
}

void
mq_genre_release(struct mq_genre_lists *l)
{
	if (l == NULL)
		return;
	free(l->cnt);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int
mq_genre_top(struct mq_genre_lists *out, const struct mq_matrix *R,
    const uint64_t *genres, unsigned ngenres, double damping,
    uint32_t min_count, uint32_t n)
{
	struct mq_topk *tops = NULL;
	float *score = NULL;
	unsigned g, nl = ngenres + 1;
	uint32_t i, q;
	int rc = MQ_OK;

	memset(out, 0, sizeof(*out));
	out->nlists = nl;
	out->n = n;
	out->cnt = calloc(nl, sizeof(uint32_t));
	out->v = mq_allocarray((size_t)nl * (n ? n : 1), sizeof(*out->v));
	tops = calloc(nl, sizeof(*tops));
	score = mq_allocarray(R->nitems, sizeof(float));
	if (!out->cnt || !out->v || !tops || !score)
		goto oom;
	for (g = 0; g < nl; g++)
		if (mq_topk_init(&tops[g], n))
			goto oom;

	mq_genre_damped(R, damping, score, NULL);
	for (i = 0; i < R->nitems; i++) {
		if (mq_matrix_ideg(R, i) < (min_count ? min_count : 1))
			continue;
		mq_topk_push(&tops[ngenres], i, score[i]);
		for (g = 0; g < ngenres; g++)
			if (genres[i] & (UINT64_C(1) << g))
				mq_topk_push(&tops[g], i, score[i]);
	}
	for (g = 0; g < nl; g++) {
		mq_topk_sort(&tops[g]);
		out->cnt[g] = tops[g].n;
		for (q = 0; q < tops[g].n; q++)
			out->v[(size_t)g * n + q] = tops[g].v[q];
	}
	goto out;
oom:
	rc = mq_oom();
	mq_genre_release(out);
out:
	if (tops)
		for (g = 0; g < nl; g++)
			mq_topk_release(&tops[g]);
	free(tops);
	free(score);
	return rc;
}

/*
 * mq_topk.c - bounded min-heap for top-k selection.
 */
#include <stdlib.h>

#include "mq_err.h"
#include "mq_topk.h"

int
mq_topk_init(struct mq_topk *t, uint32_t k)
{
	t->k = k;
	t->n = 0;
	t->v = mq_allocarray(k ? k : 1, sizeof(*t->v));
	return t->v ? MQ_OK : mq_oom();
}

void
mq_topk_release(struct mq_topk *t)
{
	if (t == NULL)
		return;
	free(t->v);
	t->v = NULL;
	t->k = t->n = 0;
}

/* Restore the heap below position i (worst pair at the root). */
static void
sift_down(struct mq_scored *v, uint32_t n, uint32_t i)
{
	struct mq_scored x = v[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		/* pick the worse child */
		if (c + 1 < n && mq_scored_before(&v[c], &v[c + 1]))
			c++;
		if (!mq_scored_before(&x, &v[c]))
			break;
		v[i] = v[c];
		i = c;
	}
	v[i] = x;
}

void
mq_topk_push(struct mq_topk *t, uint32_t id, float score)
{
	struct mq_scored x = { id, score };
	uint32_t i;

	if (t->n < t->k) {
		/* sift up: parents are worse than children */
		i = t->n++;
		while (i > 0) {
			uint32_t p = (i - 1) / 2;

			if (!mq_scored_before(&t->v[p], &x))
				break;
			t->v[i] = t->v[p];
			i = p;
		}
		t->v[i] = x;
		return;
	}
	if (t->k == 0 || !mq_scored_before(&x, &t->v[0]))
		return;
	t->v[0] = x;
	sift_down(t->v, t->n, 0);
}

void
mq_topk_sort(struct mq_topk *t)
{
	uint32_t n = t->n;

	/* heap sort: repeatedly move the worst to the end */
	while (n > 1) {
		struct mq_scored w = t->v[0];

		t->v[0] = t->v[--n];
		t->v[n] = w;
		sift_down(t->v, n, 0);
	}
}

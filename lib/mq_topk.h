/*
 * mq_topk.h - keep the k best (id, score) pairs of a stream.
 *
 * A bounded min-heap: pushing is O(log k), and mq_topk_sort() leaves the
 * kept pairs best first.  "Best" is the higher score; equal scores rank the
 * lower id first, so every list Marquee prints is deterministic.
 */
#ifndef MQ_TOPK_H
#define MQ_TOPK_H

#include <stdint.h>

struct mq_scored {
	uint32_t id;
	float score;
};

struct mq_topk {
	uint32_t k;		/* capacity */
	uint32_t n;		/* pairs kept, <= k */
	struct mq_scored *v;	/* heap (worst at v[0]) until sorted */
};

/* Whether a ranks before b (higher score, then lower id). */
static inline int
mq_scored_before(const struct mq_scored *a, const struct mq_scored *b)
{
	return a->score > b->score || (a->score == b->score && a->id < b->id);
}

/* Prepare t for k pairs.  Returns MQ_OK or MQ_ENOMEM. */
int mq_topk_init(struct mq_topk *t, uint32_t k);

/* Forget the kept pairs; the capacity stays. */
static inline void
mq_topk_reset(struct mq_topk *t)
{
	t->n = 0;
}

/* Offer a pair; it is kept when it ranks among the k best so far. */
void mq_topk_push(struct mq_topk *t, uint32_t id, float score);

/*
 * Sort the kept pairs best first, in t->v[0..n-1].  After this, push no
 * more until mq_topk_reset().
 */
void mq_topk_sort(struct mq_topk *t);

/* Free the storage; t is left empty.  NULL is accepted. */
void mq_topk_release(struct mq_topk *t);

#endif /* MQ_TOPK_H */

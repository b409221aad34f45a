/*
 * mq_eval.h - offline evaluation on a time-ordered hold-out.
 *
 * Protocol: for every member with at least min_ratings ratings, their
 * ratings are ordered by time (ties by film index) and the latest `holdout`
 * are hidden; the model is trained on everything else and ranks the whole
 * catalogue minus what the member rated in training.  A hidden film in the
 * top n is a hit, whatever its rating (the member chose to watch it).
 *
 * Metrics at n (n = 10 in the README):
 *   ndcg       DCG of the hits / ideal DCG of min(n, hidden) hits
 *   hr         share of members with at least one hit
 *   precision  hits / n
 *   recall     hits / min(n, hidden)
 *   mrr        1 / rank of the first hit (0 without a hit)
 *   coverage   distinct films recommended / films in the catalogue
 *   popularity mean number of training ratings of recommended films
 *   diversity  1 - mean pairwise Jaccard of the genre sets in a list
 *   novelty    mean -log2(share of members who rated the film)
 *   gini       Gini index of exposure over the catalogue (0: every film
 *              recommended equally often, 1: one film everywhere)
 *   ndcg_few   NDCG for members with fewer than 20 training ratings
 *   new_reach  share of the films with fewer than 5 training ratings
 *              that appear in at least one list
 */
#ifndef MQ_EVAL_H
#define MQ_EVAL_H

#include <stdint.h>

#include "mq_matrix.h"
#include "mq_model.h"

struct mq_split {
	struct mq_matrix train;
	uint32_t nevaluated;	/* members with a hidden part */
	size_t *held_off;	/* nusers + 1: hidden films of member u are */
	uint32_t *held_item;	/* held_item[held_off[u] .. held_off[u+1]) */
	size_t nheld;
};

struct mq_metrics {
	uint32_t n;		/* list length */
	uint32_t members;	/* members evaluated */
	double ndcg, hr, precision, recall, mrr;
	double coverage, popularity, diversity, novelty;
	double gini, ndcg_few, new_reach;
	uint32_t members_few;	/* members in ndcg_few */
};

/*
 * Split R as described above into s.  Returns MQ_OK or MQ_ENOMEM.
 */
int mq_split_latest(struct mq_split *s, const struct mq_matrix *R,
    uint32_t holdout, uint32_t min_ratings);

/* Free what s owns.  NULL accepted. */
void mq_split_release(struct mq_split *s);

/*
 * Evaluate model m, fitted on s->train, with lists of n films; genres[i]
 * is film i's genre mask (for diversity).  Returns MQ_OK or MQ_ENOMEM.
 */
int mq_eval_model(const struct mq_model *m, const struct mq_split *s,
    const uint64_t *genres, uint32_t n, struct mq_metrics *out);

struct mq_best;

/* The same for the "for you" list b (mq_best.h), fitted on s->train. */
int mq_eval_best(const struct mq_best *b, const struct mq_split *s,
    const uint64_t *genres, uint32_t n, struct mq_metrics *out);

/* Metrics of given lists (lists[u*n..], cnt[u]) against the hidden films. */
int mq_eval_lists(const struct mq_split *s, const struct mq_scored *lists,
    const uint32_t *cnt, const uint64_t *genres, uint32_t n,
    struct mq_metrics *out);

/* 1 - mean pairwise Jaccard of the genre masks of the k films in ids. */
double mq_eval_diversity(const struct mq_scored *v, uint32_t k,
    const uint64_t *genres);

#endif /* MQ_EVAL_H */

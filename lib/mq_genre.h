/*
 * mq_genre.h - genre top lists ranked by a damped (Bayesian) mean.
 *
 * A film's score is (C * mu + sum of its ratings) / (C + n): its mean
 * rating pulled towards the global mean mu by C phantom ratings, so a film
 * with three 5-star ratings does not top a list above films that hundreds
 * of members rated 4.5.
 */
#ifndef MQ_GENRE_H
#define MQ_GENRE_H

#include <stdint.h>

#include "mq_matrix.h"
#include "mq_topk.h"

/* ngenres + 1 lists: list g < ngenres is genre g, list ngenres is "all". */
struct mq_genre_lists {
	unsigned nlists;
	uint32_t n;		/* capacity per list */
	uint32_t *cnt;		/* films in each list */
	struct mq_scored *v;	/* nlists * n, best first, score = damped mean */
};

/*
 * Damped mean (in stars) of every film into out[0..nitems-1]; films nobody
 * rated get mu.  *mu_out receives the global mean (may be NULL).
 */
void mq_genre_damped(const struct mq_matrix *R, double damping, float *out,
    double *mu_out);

/*
 * The n best films of each of ngenres genres (genres[i] is film i's bit
 * mask) and overall, among films with at least min_count ratings.
 * Returns MQ_OK or MQ_ENOMEM (out left empty).
 */
int mq_genre_top(struct mq_genre_lists *out, const struct mq_matrix *R,
    const uint64_t *genres, unsigned ngenres, double damping,
    uint32_t min_count, uint32_t n);

/* Free what l owns.  NULL accepted. */
void mq_genre_release(struct mq_genre_lists *l);

#endif /* MQ_GENRE_H */

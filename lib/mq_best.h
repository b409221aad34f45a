/*
 * mq_best.h - the "for you" list: the models blended, re-ranked for
 * diversity, with a discovery slot, a new-film slot and sequels first.
 *
 * How a list of n films is made for member u:
 *   1. candidates: the item model's and the user model's best ncand films,
 *      each score divided by the list's best (so both weigh alike), then
 *      blended: w_item * item + (1 - w_item) * user, and divided by
 *      (ratings of the film)^pop_beta to correct the popularity bias;
 *   2. the next instalment of a series comes first, when the member loved
 *      (4 stars or more) a film of it among the films they rated last;
 *   3. the rest is picked greedily by maximal marginal relevance:
 *      lambda * score - (1 - lambda) * (the largest genre Jaccard with a
 *      film already picked), so the list does not repeat one genre;
 *   4. the last slot goes to discovery: the best candidate whose genres the
 *      member rarely rates (under 10 % of their profile), when there is
 *      one; the slot before it to the new film that fits the member best
 *      (see below).
 * Every film comes with one reason from the model's own data.
 *
 * New films (cold start): a film with fewer than new_max ratings, or whose
 * first rating is at most new_days old, is new.  Each new film is placed
 * in the new-film list of the members whose genre profile (what they
 * liked) fits its genres best, at most new_per_member films per member,
 * spreading the films so that as many as possible reach someone.  The
 * member's list then shows the best fitting one.  New films also get a
 * similar-films list from content: genres, tags, genome, year, series.
 */
#ifndef MQ_BEST_H
#define MQ_BEST_H

#include <stdint.h>

#include "mq_data.h"
#include "mq_model.h"

/* Why a film is in a list. */
enum mq_why {
	MQ_WHY_ITEM,		/* because you liked FILM */
	MQ_WHY_USER,		/* members with tastes like yours loved it */
	MQ_WHY_SERIES,		/* next in the series of FILM */
	MQ_WHY_DISCOVERY,	/* something different: GENRE */
	MQ_WHY_NEW,		/* new in GENRE */
	MQ_WHY_POPULAR		/* little known about you yet: well liked */
};

struct mq_best_params {
	double w_item;		/* weight of the item model (0.8) */
	double pop_beta;	/* popularity correction exponent (0.1) */
	double lambda;		/* MMR: relevance against diversity (0.65) */
	uint32_t ncand;		/* candidates from each model (50) */
	uint32_t mmr_from;	/* picks by relevance alone before MMR (2) */
	int discovery;		/* keep a discovery slot (1) */
	int newslot;		/* keep a new-film slot (1) */
	int series;		/* next instalments first (1) */
	uint32_t series_recent;	/* ... of films among the last rated (5) */
	uint32_t new_max;	/* films with fewer ratings are new (5) */
	uint32_t new_days;	/* or first rated this recently (30) */
	uint32_t new_per_member; /* new films placed per member (10) */
	unsigned threads;
	/* saved neighbours to use instead of fitting (mq_modelio.h); taken
	   over by mq_best_fit, which leaves them empty; NULL: fit */
	struct mq_nbrs *item_pre, *user_pre;
};

void mq_best_params_init(struct mq_best_params *p);

struct mq_best {
	struct mq_best_params p;
	const struct mq_matrix *R;	/* borrowed */
	const struct mq_data *d;	/* borrowed: genres, titles, tags */
	struct mq_model item, user;
	float *profile;		/* nusers * ngenres, normalised */
	double *pnorm;		/* per member: the profile's Euclidean norm */
	uint32_t *series_next;	/* film -> next instalment or UINT32_MAX */
	uint32_t *series_id;	/* film -> its series, or UINT32_MAX */
	uint8_t *is_new;	/* nitems */
	uint32_t nnew;		/* films that are new */
	uint32_t *newlist;	/* nusers * new_per_member, best fit first */
	uint32_t *newcnt;	/* nusers */
	uint32_t *fallback;	/* films by damped mean, for new members */
	float *logpop;		/* log(1 + ratings) per film */
	uint32_t *tag_off;	/* nmovies + 1: film i's distinct tags are */
	uint32_t *tag_id;	/* tag_id[tag_off[i] .. tag_off[i+1]), sorted */
	size_t ntagged;
};

/*
 * The two neighbour models of the list, with its parameters: fitted on R,
 * or made from p's saved neighbours (item_pre, user_pre; taken over).
 * What mq_best_fit() uses, and what is saved for shards and for nights
 * without training.  Returns MQ_OK or MQ_ENOMEM/MQ_EUSAGE (both left
 * empty).
 */
int mq_best_models(const struct mq_best_params *p, const struct mq_matrix *R,
    struct mq_model *item, struct mq_model *user);

/*
 * Fit on ratings R (which may be a training split of d's ratings; films
 * and members are d's dense indices) with content from d.  Both are
 * borrowed and must outlive b.  Returns MQ_OK or MQ_ENOMEM.
 */
int mq_best_fit(struct mq_best *b, const struct mq_matrix *R,
    const struct mq_data *d, const struct mq_best_params *p);

void mq_best_release(struct mq_best *b);

/* Per-thread scratch. */
struct mq_best_scratch {
	struct mq_scratch si, su;
	struct mq_scored *ci, *cu, *cand;
	uint32_t ni, nu;	/* after mq_best_recommend(): the member's
				   best p.ncand films under the item and
				   the member model, best first, in ci, cu */
	uint8_t *mark;
};

int mq_best_scratch_init(struct mq_best_scratch *s, const struct mq_best *b);
void mq_best_scratch_release(struct mq_best_scratch *s);

/*
 * The "for you" list of member u: up to n films into out (best first),
 * with why[k] and about[k] (the film or genre the reason names: a film
 * index for ITEM and SERIES, a genre index for DISCOVERY and NEW).
 * Films u rated are never listed, each film once.
 */
void mq_best_recommend(const struct mq_best *b, struct mq_best_scratch *s,
    uint32_t u, uint32_t n, struct mq_scored *out, uint8_t *why,
    uint32_t *about, uint32_t *nout);

/* Lists for every member (out: nusers * n; why/about may be NULL). */
int mq_best_recommend_all(const struct mq_best *b, uint32_t n,
    struct mq_scored *out, uint32_t *cnt, uint8_t *why, uint32_t *about);

/*
 * Films similar to film i by content, for films too rarely rated for the
 * item model: genre Jaccard + 0.5 tag Jaccard (members' tags, case
 * folded) + 1 for the same series + 0.2 exp(-years apart / 10); with a
 * genome, the best 50 are re-ranked adding the cosine of their genome
 * relevance vectors.  Up to k into out, best first, never i itself.
 */
uint32_t mq_best_similar_content(const struct mq_best *b, uint32_t i,
    uint32_t k, struct mq_scored *out);

/* Share of new films that reach at least one member's new-film list. */
double mq_best_new_reach(const struct mq_best *b);

#endif /* MQ_BEST_H */

/*
 * mq_model.h - the recommendation models of the nightly batch.
 *
 *   item    item-based nearest neighbours: per film, its k most similar
 *           films; a member's scores sum the neighbours of what they rated.
 *   user    user-based nearest neighbours: per member, the k most similar
 *           members (found through the films they share, never through a
 *           members x members matrix); their films make the list.
 *   random  unseen films at random, reproducible for (member, seed).
 *   pop     the most rated films: the baseline every model must beat.
 *
 * A model is fitted on a ratings matrix, which it borrows (the matrix must
 * outlive the model), then asked for lists.  Every list holds only films
 * the member has not rated, each once, best first.
 */
#ifndef MQ_MODEL_H
#define MQ_MODEL_H

#include <stdint.h>

#include "mq_matrix.h"
#include "mq_topk.h"

enum mq_kind { MQ_MODEL_ITEM, MQ_MODEL_USER, MQ_MODEL_RANDOM, MQ_MODEL_POP,
    MQ_MODEL_NKINDS };

/* How two rating vectors are compared. */
enum mq_sim {
	MQ_SIM_COSINE,		/* cosine of the binary "rated" vectors */
	MQ_SIM_RATING,		/* cosine of the raw rating vectors */
	MQ_SIM_ADJUSTED,	/* cosine of ratings minus the member's mean */
	MQ_SIM_NKINDS
};

extern const char *const mq_kind_name[MQ_MODEL_NKINDS];
extern const char *const mq_sim_name[MQ_SIM_NKINDS];

struct mq_params {
	uint32_t k;		/* neighbours kept per film / member */
	enum mq_sim sim;
	double shrink;		/* similarity *= n / (n + shrink), n = overlap */
	uint32_t min_overlap;	/* user model: shared films needed */
	double alpha;		/* item model: asymmetric cosine, 0.5 = cosine */
	double recency;		/* half-life, in a member's ratings, of their
				   weight when scoring (0: no decay) */
	double liked;		/* ratings >= member mean + liked weigh more */
	double user_budget;	/* user model: pair updates allowed in the
				   walk over shared films (0: exact) */
	uint32_t user_recent;	/* user model, bounded: newest films of a
				   member whose raters are walked */
	uint32_t user_cand;	/* user model, bounded: candidates scored
				   exactly per member */
	uint64_t seed;		/* random model: e.g. the run date YYYYMMDD */
	unsigned threads;	/* worker threads (0: number of CPUs) */
};

/* Defaults chosen by the evaluation for the given kind (README table). */
void mq_params_init(struct mq_params *p, enum mq_kind kind);

/* Parse a model or similarity name; -1 when unknown. */
int mq_kind_parse(const char *s);
int mq_sim_parse(const char *s);

/* k neighbours per row, fixed slots, best first; cnt[r] slots are used. */
struct mq_nbrs {
	uint32_t nrows;
	uint32_t k;
	uint32_t *cnt;
	uint32_t *id;		/* nrows * k */
	float *sim;		/* nrows * k */
};

/* What fitting the member neighbours cost (see mq_model.c). */
struct mq_uwork {
	uint64_t exact;		/* pair updates of the exact walk */
	uint64_t walked;	/* pair updates done */
	uint64_t rescored;	/* candidates' ratings read to score them */
	uint32_t recent;	/* newest films walked; 0: the exact walk */
};

struct mq_model {
	enum mq_kind kind;
	struct mq_params p;
	const struct mq_matrix *R;	/* borrowed */
	struct mq_nbrs nb;		/* item: film x film; user: member x member */
	float *umean;			/* per member mean rating (half stars) */
	uint32_t *pop_order;		/* films, most rated first */
	struct mq_uwork uwork;		/* user: the neighbour walk's cost */
};

/*
 * Fit a model of the given kind on R with parameters p (copied).  R is
 * borrowed and must outlive m.  Returns MQ_OK or MQ_ENOMEM (m left empty).
 */
int mq_model_fit(struct mq_model *m, enum mq_kind kind,
    const struct mq_matrix *R, const struct mq_params *p);

/*
 * A model of kind ITEM or USER from neighbours computed earlier (a saved
 * model, mq_modelio.h) instead of fitting them: nb is taken over (m owns
 * it, nb is left empty), its rows must be R's films (ITEM) or members
 * (USER).  Returns MQ_OK, MQ_EUSAGE (rows do not match) or MQ_ENOMEM.
 */
int mq_model_with_nbrs(struct mq_model *m, enum mq_kind kind,
    const struct mq_matrix *R, const struct mq_params *p,
    struct mq_nbrs *nb);

/* Per-thread scratch space for mq_model_recommend(). */
struct mq_scratch {
	float *acc;		/* nitems (or nusers) accumulators, all zero */
	uint32_t *touched;	/* indices with a non-zero accumulator */
	uint32_t ntouched;
	uint8_t *mark;		/* nitems flags, all zero */
	float *rw;		/* recency weights, longest member row */
	uint32_t *ord, *tmp;	/* sort space, longest member row */
	struct mq_topk top;
};

/* Allocate scratch for model m and lists of n films.  MQ_OK/MQ_ENOMEM. */
int mq_scratch_init(struct mq_scratch *s, const struct mq_model *m,
    uint32_t n);
void mq_scratch_release(struct mq_scratch *s);

/*
 * Recommend up to n films to member u (dense index) into out[0..*nout-1],
 * best first.  Films u rated are never listed.  A model with too little
 * signal for u (no neighbours) may list fewer than n; mq_model_recommend()
 * never pads with another model's films.  Thread-safe with one scratch per
 * thread.
 */
void mq_model_recommend(const struct mq_model *m, struct mq_scratch *s,
    uint32_t u, uint32_t n, struct mq_scored *out, uint32_t *nout);

/*
 * Lists for every member at once, in parallel: out must hold nusers * n
 * pairs, nout nusers counts.  Results do not depend on the thread count.
 */
int mq_model_recommend_all(const struct mq_model *m, uint32_t n,
    struct mq_scored *out, uint32_t *nout);

/*
 * Item-item neighbours of every film (used by the item model and by the
 * "similar" lists): k best films by similarity p->sim with shrinkage,
 * never the film itself.  Computed in parallel, deterministic.
 */
int mq_nbrs_items(struct mq_nbrs *nb, const struct mq_matrix *R,
    const struct mq_params *p);

/*
 * Recall of the member neighbours of the fitted user model m: for nsample
 * members spread evenly over the index range, the exact top-k neighbours
 * are computed and *recall set to the share of them m also holds (1 when
 * m walked exactly, or for another kind).  *nmembers is the sample size.
 * Returns MQ_OK or MQ_ENOMEM.
 */
int mq_user_recall(const struct mq_model *m, uint32_t nsample,
    double *recall, uint32_t *nmembers);

/* Free what nb owns.  NULL accepted. */
void mq_nbrs_release(struct mq_nbrs *nb);

/* Free what m owns (not R); m is left empty.  NULL accepted. */
void mq_model_release(struct mq_model *m);

/* Number of worker threads to use for a request of t (0: CPUs online). */
unsigned mq_threads(unsigned t);

#endif /* MQ_MODEL_H */

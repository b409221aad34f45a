/*
 * mq_matrix.h - the ratings matrix in compressed sparse rows, both ways.
 *
 * Members and films are dense indices (0..nusers-1, 0..nitems-1); the raw
 * MovieLens ids live in struct mq_data.  Ratings are stored in half stars
 * (1..10 for 0.5..5.0).  Nothing is allocated per rating: the matrix owns
 * seven flat arrays.
 */
#ifndef MQ_MATRIX_H
#define MQ_MATRIX_H

#include <stddef.h>
#include <stdint.h>

/* One rating, as the loader collects them before the CSR is built. */
struct mq_triple {
	uint32_t user;	/* dense member index */
	uint32_t item;	/* dense film index */
	int64_t ts;	/* seconds since the epoch */
	uint8_t half;	/* rating in half stars, 1..10 */
};

struct mq_matrix {
	uint32_t nusers;
	uint32_t nitems;
	size_t nnz;
	/* member rows: films in ascending index order */
	size_t *u_off;		/* nusers + 1 */
	uint32_t *u_item;	/* nnz */
	uint8_t *u_half;	/* nnz */
	int64_t *u_ts;		/* nnz */
	/* film columns: members in ascending index order */
	size_t *i_off;		/* nitems + 1 */
	uint32_t *i_user;	/* nnz */
	uint8_t *i_half;	/* nnz */
};

/*
 * Make the film columns of m (i_off, i_user, i_half, which must be NULL)
 * from its member rows (nusers, nitems, nnz, u_off, u_item, u_half): one
 * walk of the members in order, so each column lists its members
 * ascending.  Returns MQ_OK or MQ_ENOMEM (the columns stay NULL).
 */
int mq_matrix_columns(struct mq_matrix *m);

/*
 * Build m from n triples (any order).  The (user, item) pairs must be unique
 * and in range; the caller keeps ownership of t.  On success m owns its
 * arrays (free them with mq_matrix_release).  Returns MQ_OK or MQ_ENOMEM,
 * leaving m empty on failure.
 */
int mq_matrix_build(struct mq_matrix *m, uint32_t nusers, uint32_t nitems,
    const struct mq_triple *t, size_t n);

/* Number of ratings of member u / of film i. */
static inline size_t
mq_matrix_udeg(const struct mq_matrix *m, uint32_t u)
{
	return m->u_off[u + 1] - m->u_off[u];
}

static inline size_t
mq_matrix_ideg(const struct mq_matrix *m, uint32_t i)
{
	return m->i_off[i + 1] - m->i_off[i];
}

/*
 * The first place in v[lo, hi), which ascends, holding x or more (hi when
 * none does).
 */
size_t mq_lower_u32(const uint32_t *v, size_t lo, size_t hi, uint32_t x);

/*
 * Whether member u rated film i (binary search in u's row).  Returns the
 * position in the u_* arrays, or (size_t)-1.
 */
size_t mq_matrix_find(const struct mq_matrix *m, uint32_t u, uint32_t i);

/* Index of id in the ascending array ids[0..n-1], or -1 (binary
   search: raw movieIds and userIds to dense indices). */
int64_t mq_find_id(const uint32_t *ids, size_t n, uint32_t id);

/* qsort(3) comparison of two uint32_t, ascending (for mq_find_id). */
int mq_cmp_u32(const void *a, const void *b);

/* Free what m owns; m is left empty and reusable.  NULL is accepted. */
void mq_matrix_release(struct mq_matrix *m);

#endif /* MQ_MATRIX_H */

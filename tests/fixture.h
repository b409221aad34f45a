/*
 * fixture.h - a small ratings matrix with known structure, for the model,
 * genre and evaluation suites.
 *
 * 3 taste groups of FX_USERS/3 members; group g rates films of block g
 * (FX_ITEMS/3 films each) often and well, other films rarely and badly.
 * Film genres: block g has genre bit g, plus bit 3 on even films.
 * With it, the helpers the model and "for you" suites share: the thinned
 * refit of the stability test and the check of a list's properties; and
 * one every file-reading suite shares, fixture_slurp().
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <stddef.h>

#include "mq_matrix.h"
#include "mq_rng.h"
#include "mq_topk.h"

#define FX_USERS 90
#define FX_ITEMS 60

/* Build the fixture (seeded, deterministic) into m; genres gets FX_ITEMS. */
void fixture_build(struct mq_matrix *m, uint64_t *genres, uint64_t seed);

/*
 * Build into out a copy of m without a random 2 % of the ratings of every
 * member but keep (whose profile stays whole): the refit of the brief's
 * stability test.
 */
void fixture_thin(struct mq_matrix *out, const struct mq_matrix *m,
    uint32_t keep, struct mq_rng *rng);

/*
 * Assert the brief's list properties of v[0..n-1] for member u of m: every
 * film exists, is unseen by u and appears once.
 */
void fixture_check_list(const struct mq_matrix *m, uint32_t u,
    const struct mq_scored *v, uint32_t n);

/* Taste group of member u / block of film i. */
#define FX_GROUP(u) ((u) / (FX_USERS / 3))
#define FX_BLOCK(i) ((i) / (FX_ITEMS / 3))

/*
 * The whole file at path, NUL-terminated (the caller frees it), its length
 * in *len when len is not NULL.  NULL when the file cannot be opened; a
 * failed read fails the test.
 */
char *fixture_slurp(const char *path, size_t *len);

#endif

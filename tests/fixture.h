/*
 * fixture.h - a small ratings matrix with known structure, for the model,
 * genre and evaluation suites.
 *
 * 3 taste groups of FX_USERS/3 members; group g rates films of block g
 * (FX_ITEMS/3 films each) often and well, other films rarely and badly.
 * Film genres: block g has genre bit g, plus bit 3 on even films.
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include "mq_matrix.h"

#define FX_USERS 90
#define FX_ITEMS 60

/* Build the fixture (seeded, deterministic) into m; genres gets FX_ITEMS. */
void fixture_build(struct mq_matrix *m, uint64_t *genres, uint64_t seed);

/* Taste group of member u / block of film i. */
#define FX_GROUP(u) ((u) / (FX_USERS / 3))
#define FX_BLOCK(i) ((i) / (FX_ITEMS / 3))

#endif

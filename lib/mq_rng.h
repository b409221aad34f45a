/*
 * mq_rng.h - small, fast, reproducible pseudo-random numbers.
 *
 * xoshiro256** seeded through splitmix64: the same seed gives the same
 * sequence on every platform, which is what reproducible random lists and
 * the deterministic synthetic generator need.  Not for secrets.
 */
#ifndef MQ_RNG_H
#define MQ_RNG_H

#include <stdint.h>

struct mq_rng {
	uint64_t s[4];
};

/* Seed r from one 64-bit value. */
void mq_rng_seed(struct mq_rng *r, uint64_t seed);

/* Next 64 random bits. */
uint64_t mq_rng_next(struct mq_rng *r);

/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t mq_rng_below(struct mq_rng *r, uint64_t n);

/* Uniform double in [0, 1). */
double mq_rng_unit(struct mq_rng *r);

/* Standard normal deviate (Box-Muller). */
double mq_rng_normal(struct mq_rng *r);

/* Mix several values into one seed (splitmix64 finaliser chain). */
uint64_t mq_rng_mix(uint64_t a, uint64_t b);

#endif /* MQ_RNG_H */

/*
 * mq_rng.c - xoshiro256** (Blackman and Vigna, public domain algorithm)
 * seeded by splitmix64.
 */
#include <math.h>

#include "mq_rng.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
mq_rng_mix(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ (b * 0x9e3779b97f4a7c15ULL);

	(void)splitmix64(&x);
	return splitmix64(&x);
}

void
mq_rng_seed(struct mq_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
mq_rng_next(struct mq_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t
mq_rng_below(struct mq_rng *r, uint64_t n)
{
	uint64_t x, lim = -n % n;	/* 2^64 mod n */

	do
		x = mq_rng_next(r);
	while (x < lim);
	return x % n;
}

double
mq_rng_unit(struct mq_rng *r)
{
	return (double)(mq_rng_next(r) >> 11) * 0x1.0p-53;
}

double
mq_rng_normal(struct mq_rng *r)
{
	double u1, u2;

	do
		u1 = mq_rng_unit(r);
	while (u1 <= 0.0);
	u2 = mq_rng_unit(r);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

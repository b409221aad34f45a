/*
 * fixture.c - the structured test matrix of fixture.h.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"
#include "mq_err.h"
#include "mq_rng.h"

void
fixture_build(struct mq_matrix *m, uint64_t *genres, uint64_t seed)
{
	struct mq_triple *t = malloc(FX_USERS * FX_ITEMS * sizeof(*t));
	struct mq_rng r;
	size_t n = 0;
	uint32_t u, i;

	ck_assert_ptr_nonnull(t);
	mq_rng_seed(&r, seed);
	for (u = 0; u < FX_USERS; u++)
		for (i = 0; i < FX_ITEMS; i++) {
			int same = FX_GROUP(u) == FX_BLOCK(i);
			double pr = same ? 0.45 : 0.04;

			/* popular films: the first of each block */
			if (i % (FX_ITEMS / 3) < 3)
				pr += 0.2;
			if (mq_rng_unit(&r) >= pr)
				continue;
			t[n].user = u;
			t[n].item = i;
			t[n].ts = 1000 + (int64_t)mq_rng_below(&r, 100000);
			t[n].half = same ? 7 + (uint8_t)mq_rng_below(&r, 4) :
			    1 + (uint8_t)mq_rng_below(&r, 5);
			n++;
		}
	ck_assert_int_eq(mq_matrix_build(m, FX_USERS, FX_ITEMS, t, n), MQ_OK);
	free(t);
	if (genres)
		for (i = 0; i < FX_ITEMS; i++)
			genres[i] = (UINT64_C(1) << FX_BLOCK(i)) |
			    (i % 2 == 0 ? UINT64_C(8) : 0);
}

void
fixture_thin(struct mq_matrix *out, const struct mq_matrix *m,
    uint32_t keep, struct mq_rng *rng)
{
	struct mq_triple *t = malloc((m->nnz + 1) * sizeof(*t));
	size_t a, n = 0;
	uint32_t u;

	ck_assert_ptr_nonnull(t);
	for (u = 0; u < m->nusers; u++)
		for (a = m->u_off[u]; a < m->u_off[u + 1]; a++)
			if (u == keep || mq_rng_unit(rng) >= 0.02)
				t[n++] = (struct mq_triple){ u, m->u_item[a],
				    m->u_ts[a], m->u_half[a] };
	ck_assert_int_eq(mq_matrix_build(out, m->nusers, m->nitems, t, n),
	    MQ_OK);
	free(t);
}

void
fixture_check_list(const struct mq_matrix *m, uint32_t u,
    const struct mq_scored *v, uint32_t n)
{
	uint32_t a, b;

	for (a = 0; a < n; a++) {
		ck_assert_uint_lt(v[a].id, m->nitems);
		ck_assert_msg(mq_matrix_find(m, u, v[a].id) == (size_t)-1,
		    "member %u: film %u already rated", u, v[a].id);
		for (b = a + 1; b < n; b++)
			ck_assert_uint_ne(v[a].id, v[b].id);
	}
}

char *
fixture_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (f == NULL)
		return NULL;
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	ck_assert_ptr_nonnull(s = malloc((size_t)n + 1));
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return s;
}

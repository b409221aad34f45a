/*
 * check_best.c - the "for you" list: properties, sequels first, the new
 * film and discovery slots, new-film reach, similar films by content, and
 * the brief's stability and diversity tests for this list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "fixture.h"
#include "mq_best.h"
#include "mq_err.h"
#include "mq_rng.h"

#define N 10
#define NEXTRA 4	/* films appended to the fixture: no ratings */

static const char *gnames[] = { "Alpha", "Beta", "Gamma", "Delta", "Omega" };
static char titles[FX_ITEMS + NEXTRA][32];
static const char *tptr[FX_ITEMS + NEXTRA];
static int16_t years[FX_ITEMS + NEXTRA];
static uint64_t genres[FX_ITEMS + NEXTRA];
static struct mq_tag tags[2];

/*
 * A data set around the fixture's matrix: films 0, 1, 2 are "Saga",
 * "Saga 2", "Saga 3" (1990, 1992, 1995); the last NEXTRA films have no
 * rating (new), one of them in genre Omega only, which nobody likes.
 */
static void
fake(struct mq_data *d, struct mq_matrix *R, uint64_t seed)
{
	struct mq_matrix F;
	struct mq_triple *t;
	uint32_t i, u;
	size_t a, n = 0;

	fixture_build(&F, genres, seed);
	/* the same ratings over more films, spread over three years (so a
	   film is not new just for being first rated this month) */
	t = malloc((F.nnz + 1) * sizeof(*t));
	for (u = 0; u < F.nusers; u++)
		for (a = F.u_off[u]; a < F.u_off[u + 1]; a++)
			t[n++] = (struct mq_triple){ u, F.u_item[a],
			    F.u_ts[a] * 1000, F.u_half[a] };
	ck_assert_int_eq(mq_matrix_build(R, F.nusers, FX_ITEMS + NEXTRA, t, n),
	    MQ_OK);
	free(t);
	mq_matrix_release(&F);
	for (i = 0; i < FX_ITEMS + NEXTRA; i++) {
		if (i < 3)
			snprintf(titles[i], sizeof(titles[i]), i ? "Saga %u" :
			    "Saga", i + 1);
		else
			snprintf(titles[i], sizeof(titles[i]), "Film %u", i);
		tptr[i] = titles[i];
		years[i] = (int16_t)(1990 + (i < 3 ? (int)i * 2 + (i == 2) :
		    (int)(i % 30)));
	}
	for (i = FX_ITEMS; i < FX_ITEMS + NEXTRA; i++)
		genres[i] = i == FX_ITEMS ? 16 : UINT64_C(1) << (i % 3);
	memset(d, 0, sizeof(*d));
	/* the Omega film shares a tag (case aside) with film 7 only */
	tags[0] = (struct mq_tag){ 1, FX_ITEMS, 0, "noir" };
	tags[1] = (struct mq_tag){ 2, 7, 0, "Noir" };
	d->tags = tags;
	d->ntags = 2;
	d->nmovies = FX_ITEMS + NEXTRA;
	d->nusers = FX_USERS;
	d->title = tptr;
	d->year = years;
	d->genres = genres;
	d->ngenres = 5;
	for (i = 0; i < 5; i++)
		d->genre_name[i] = gnames[i];
	d->R = *R;
}

START_TEST(lists_have_the_properties_and_the_slots)
{
	struct mq_data d;
	struct mq_matrix R;
	struct mq_best b;
	struct mq_best_params p;
	struct mq_scored *out = malloc(FX_USERS * N * sizeof(*out));
	uint8_t *why = malloc(FX_USERS * N);
	uint32_t *about = malloc(FX_USERS * N * sizeof(*about));
	uint32_t cnt[FX_USERS], u, r, nnew = 0, ndisc = 0;

	fake(&d, &R, 21);
	mq_best_params_init(&p);
	ck_assert_int_eq(mq_best_fit(&b, &R, &d, &p), MQ_OK);
	ck_assert_int_eq(mq_best_recommend_all(&b, N, out, cnt, why, about),
	    MQ_OK);
	for (u = 0; u < FX_USERS; u++) {
		ck_assert_uint_eq(cnt[u], N);
		fixture_check_list(&R, u, out + u * N, cnt[u]);
		for (r = 0; r < cnt[u]; r++) {
			uint32_t j = out[u * N + r].id;

			switch (why[u * N + r]) {
			case MQ_WHY_NEW:
				ck_assert(b.is_new[j]);
				nnew++;
				break;
			case MQ_WHY_DISCOVERY:
				/* a genre the member rarely likes */
				ck_assert_float_lt(b.profile[u * 5 +
				    about[u * N + r]], 0.1f);
				ndisc++;
				break;
			case MQ_WHY_ITEM:
				ck_assert(mq_matrix_find(&R, u,
				    about[u * N + r]) != (size_t)-1);
				break;
			default:
				break;
			}
		}
	}
	ck_assert_uint_eq(nnew, FX_USERS);	/* one new-film slot each */
	ck_assert_uint_gt(ndisc, FX_USERS / 2);
	/* every new film reaches someone, the Omega one included */
	ck_assert_uint_eq(b.nnew, NEXTRA);
	ck_assert_double_eq_tol(mq_best_new_reach(&b), 1.0, 1e-9);
	mq_best_release(&b);
	mq_matrix_release(&R);
	free(out);
	free(why);
	free(about);
}
END_TEST

START_TEST(next_instalment_first)
{
	struct mq_data d;
	struct mq_matrix R, S;
	struct mq_best b;
	struct mq_best_params p;
	struct mq_best_scratch s;
	struct mq_scored v[N];
	struct mq_triple *t;
	uint8_t why[N];
	uint32_t about[N], n, u = 0;
	size_t a, k = 0;

	fake(&d, &R, 22);
	/* member 0 loves "Saga" as their very latest rating; drops "Saga 2" */
	t = malloc((R.nnz + 1) * sizeof(*t));
	for (uint32_t w = 0; w < R.nusers; w++)
		for (a = R.u_off[w]; a < R.u_off[w + 1]; a++) {
			if (w == u && R.u_item[a] <= 1)
				continue;
			t[k++] = (struct mq_triple){ w, R.u_item[a], R.u_ts[a],
			    R.u_half[a] };
		}
	t[k++] = (struct mq_triple){ u, 0, 999999999, 10 };
	ck_assert_int_eq(mq_matrix_build(&S, R.nusers, R.nitems, t, k), MQ_OK);
	free(t);
	d.R = S;
	mq_best_params_init(&p);
	ck_assert_int_eq(mq_best_fit(&b, &S, &d, &p), MQ_OK);
	ck_assert_uint_eq(b.series_next[0], 1);
	ck_assert_uint_eq(b.series_next[1], 2);
	ck_assert_uint_eq(b.series_next[2], UINT32_MAX);
	ck_assert_int_eq(mq_best_scratch_init(&s, &b), MQ_OK);
	mq_best_recommend(&b, &s, u, N, v, why, about, &n);
	ck_assert_uint_eq(v[0].id, 1);
	ck_assert_uint_eq(why[0], MQ_WHY_SERIES);
	ck_assert_uint_eq(about[0], 0);
	/* without the rule, "Saga 2" is not forced to the top */
	mq_best_scratch_release(&s);
	mq_best_release(&b);
	p.series = 0;
	ck_assert_int_eq(mq_best_fit(&b, &S, &d, &p), MQ_OK);
	ck_assert_int_eq(mq_best_scratch_init(&s, &b), MQ_OK);
	mq_best_recommend(&b, &s, u, N, v, why, about, &n);
	ck_assert(why[0] != MQ_WHY_SERIES);
	mq_best_scratch_release(&s);
	mq_best_release(&b);
	mq_matrix_release(&S);
	mq_matrix_release(&R);
}
END_TEST

START_TEST(similar_by_content)
{
	struct mq_data d;
	struct mq_matrix R;
	struct mq_best b;
	struct mq_best_params p;
	struct mq_scored v[N];
	uint32_t n, k;

	fake(&d, &R, 23);
	mq_best_params_init(&p);
	ck_assert_int_eq(mq_best_fit(&b, &R, &d, &p), MQ_OK);
	/* a film nobody rated still has similar films */
	n = mq_best_similar_content(&b, FX_ITEMS + 1, N, v);
	ck_assert_uint_eq(n, N);
	for (k = 0; k < n; k++) {
		ck_assert_uint_ne(v[k].id, FX_ITEMS + 1);
		ck_assert(genres[v[k].id] & genres[FX_ITEMS + 1]);
	}
	/* a genre nobody shares: only the shared tag links it */
	n = mq_best_similar_content(&b, FX_ITEMS, N, v);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_eq(v[0].id, 7);
	/* the other instalments of a series come first */
	n = mq_best_similar_content(&b, 1, N, v);
	ck_assert(v[0].id == 0 || v[0].id == 2);
	ck_assert(v[1].id == 0 || v[1].id == 2);
	mq_best_release(&b);
	mq_matrix_release(&R);
}
END_TEST

/* The brief's stability test for "for you", as in check_model.c. */
START_TEST(stable_for_you)
{
	struct mq_data d;
	struct mq_matrix R, P;
	struct mq_best_params p;
	struct mq_rng rng;
	unsigned seen[FX_ITEMS + NEXTRA] = { 0 }, best = 0;
	uint32_t run, target = 5, i;

	fake(&d, &R, 24);
	mq_best_params_init(&p);
	p.threads = 1;
	mq_rng_seed(&rng, 7);
	for (run = 0; run < 100; run++) {
		struct mq_best b;
		struct mq_best_scratch s;
		struct mq_scored v[N];
		uint32_t nv, r;

		fixture_thin(&P, &R, target, &rng);
		d.R = P;
		ck_assert_int_eq(mq_best_fit(&b, &P, &d, &p), MQ_OK);
		ck_assert_int_eq(mq_best_scratch_init(&s, &b), MQ_OK);
		mq_best_recommend(&b, &s, target, N, v, NULL, NULL, &nv);
		for (r = 0; r < nv; r++)
			seen[v[r].id]++;
		mq_best_scratch_release(&s);
		mq_best_release(&b);
		mq_matrix_release(&P);
	}
	for (i = 0; i < FX_ITEMS + NEXTRA; i++)
		if (seen[i] > best)
			best = seen[i];
	ck_assert_msg(best >= 80, "most frequent film in %u of 100 lists", best);
	mq_matrix_release(&R);
}
END_TEST

START_TEST(members_get_different_lists)
{
	struct mq_data d;
	struct mq_matrix R;
	struct mq_best b;
	struct mq_best_params p;
	struct mq_best_scratch s;
	struct mq_scored x[N], y[N];
	uint32_t nx, ny, k;

	fake(&d, &R, 25);
	mq_best_params_init(&p);
	ck_assert_int_eq(mq_best_fit(&b, &R, &d, &p), MQ_OK);
	ck_assert_int_eq(mq_best_scratch_init(&s, &b), MQ_OK);
	mq_best_recommend(&b, &s, 1, N, x, NULL, NULL, &nx);
	mq_best_recommend(&b, &s, 2, N, y, NULL, NULL, &ny);
	for (k = 0; k < nx && k < ny && x[k].id == y[k].id; k++)
		;
	ck_assert(k < nx || nx != ny);
	mq_best_scratch_release(&s);
	mq_best_release(&b);
	mq_matrix_release(&R);
}
END_TEST

Suite *
best_suite(void)
{
	Suite *s = suite_create("best");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, lists_have_the_properties_and_the_slots);
	tcase_add_test(tc, next_instalment_first);
	tcase_add_test(tc, similar_by_content);
	tcase_add_test(tc, stable_for_you);
	tcase_add_test(tc, members_get_different_lists);
	suite_add_tcase(s, tc);
	return s;
}

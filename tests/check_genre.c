/*
 * check_genre.c - damped-mean genre top lists.
 */
#include <math.h>

#include "check_suites.h"
#include "mq_err.h"
#include "mq_genre.h"

/*
 * Film 0: three 5-star ratings.  Film 1: forty ratings of 4.5.  Film 2:
 * twenty of 3.0.  Film 3: never rated.  Genres: 0 -> A, 1 -> A|B, 2 -> B.
 */
static void
build(struct mq_matrix *R)
{
	struct mq_triple t[63];
	uint32_t u, n = 0;

	for (u = 0; u < 3; u++)
		t[n++] = (struct mq_triple){ u, 0, 1, 10 };
	for (u = 0; u < 40; u++)
		t[n++] = (struct mq_triple){ u, 1, 1, 9 };
	for (u = 0; u < 20; u++)
		t[n++] = (struct mq_triple){ u, 2, 1, 6 };
	ck_assert_int_eq(mq_matrix_build(R, 40, 4, t, n), MQ_OK);
}

START_TEST(three_fives_do_not_top_the_list)
{
	static const uint64_t genres[4] = { 1, 3, 2, 1 };
	struct mq_matrix R;
	struct mq_genre_lists gl;

	build(&R);
	ck_assert_int_eq(mq_genre_top(&gl, &R, genres, 2, 10, 1, 5), MQ_OK);
	ck_assert_uint_eq(gl.nlists, 3);
	/* genre A: films 0 and 1; 1 first despite 0's perfect mean */
	ck_assert_uint_eq(gl.cnt[0], 2);
	ck_assert_uint_eq(gl.v[0].id, 1);
	ck_assert_uint_eq(gl.v[1].id, 0);
	/* genre B: films 1 and 2 */
	ck_assert_uint_eq(gl.cnt[1], 2);
	ck_assert_uint_eq(gl.v[5].id, 1);
	ck_assert_uint_eq(gl.v[6].id, 2);
	/* overall: 3 rated films, the unrated one is left out */
	ck_assert_uint_eq(gl.cnt[2], 3);
	ck_assert_uint_eq(gl.v[10].id, 1);
	mq_genre_release(&gl);
	/* without damping the three fives win */
	ck_assert_int_eq(mq_genre_top(&gl, &R, genres, 2, 0, 1, 5), MQ_OK);
	ck_assert_uint_eq(gl.v[0].id, 0);
	mq_genre_release(&gl);
	/* a minimum count removes film 0 from the lists */
	ck_assert_int_eq(mq_genre_top(&gl, &R, genres, 2, 0, 5, 5), MQ_OK);
	ck_assert_uint_eq(gl.cnt[0], 1);
	mq_genre_release(&gl);
	mq_genre_release(NULL);
	mq_matrix_release(&R);
}
END_TEST

START_TEST(damped_means)
{
	struct mq_matrix R;
	float s[4];
	double mu;

	build(&R);
	mq_genre_damped(&R, 10, s, &mu);
	/* mu = (3*5 + 40*4.5 + 20*3) / 63 */
	ck_assert_double_eq_tol(mu, 255.0 / 63, 1e-9);
	ck_assert_double_eq_tol(s[0], (10 * mu + 15) / 13, 1e-5);
	ck_assert_double_eq_tol(s[1], (10 * mu + 180) / 50, 1e-5);
	ck_assert_double_eq_tol(s[3], mu, 1e-5);
	mq_matrix_release(&R);
}
END_TEST

Suite *
genre_suite(void)
{
	Suite *s = suite_create("genre");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, three_fives_do_not_top_the_list);
	tcase_add_test(tc, damped_means);
	suite_add_tcase(s, tc);
	return s;
}

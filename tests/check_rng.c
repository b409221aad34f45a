/*
 * check_rng.c - reproducibility and range of the random numbers.
 */
#include <math.h>

#include "check_suites.h"
#include "mq_rng.h"

START_TEST(same_seed_same_sequence)
{
	struct mq_rng a, b, c;
	int i, differ = 0;

	mq_rng_seed(&a, 42);
	mq_rng_seed(&b, 42);
	mq_rng_seed(&c, 43);
	for (i = 0; i < 1000; i++) {
		uint64_t x = mq_rng_next(&a);

		ck_assert_uint_eq(x, mq_rng_next(&b));
		differ += x != mq_rng_next(&c);
	}
	ck_assert_int_gt(differ, 990);
}
END_TEST

START_TEST(below_is_in_range_and_uniform)
{
	struct mq_rng r;
	unsigned hist[7] = { 0 };
	int i;

	mq_rng_seed(&r, 7);
	for (i = 0; i < 70000; i++) {
		uint64_t x = mq_rng_below(&r, 7);

		ck_assert_uint_lt(x, 7);
		hist[x]++;
	}
	for (i = 0; i < 7; i++)
		ck_assert(hist[i] > 9500 && hist[i] < 10500);
	ck_assert_uint_eq(mq_rng_below(&r, 1), 0);
}
END_TEST

START_TEST(unit_and_normal)
{
	struct mq_rng r;
	double s = 0, s2 = 0;
	int i;

	mq_rng_seed(&r, 9);
	for (i = 0; i < 20000; i++) {
		double u = mq_rng_unit(&r), z = mq_rng_normal(&r);

		ck_assert(u >= 0 && u < 1);
		s += z;
		s2 += z * z;
	}
	ck_assert(fabs(s / 20000) < 0.05);
	ck_assert(fabs(s2 / 20000 - 1) < 0.05);
	ck_assert_uint_ne(mq_rng_mix(1, 2), mq_rng_mix(2, 1));
}
END_TEST

Suite *
rng_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, same_seed_same_sequence);
	tcase_add_test(tc, below_is_in_range_and_uniform);
	tcase_add_test(tc, unit_and_normal);
	suite_add_tcase(s, tc);
	return s;
}

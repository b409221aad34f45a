/*
 * check_topk.c - bounded top-k selection against a full sort.
 */
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "mq_err.h"
#include "mq_rng.h"
#include "mq_topk.h"

static int
cmp_scored(const void *a, const void *b)
{
	const struct mq_scored *x = a, *y = b;

	return mq_scored_before(x, y) ? -1 : mq_scored_before(y, x) ? 1 : 0;
}

START_TEST(matches_full_sort)
{
	struct mq_scored all[500];
	struct mq_topk t;
	struct mq_rng r;
	uint32_t i, k;

	mq_rng_seed(&r, 3);
	for (i = 0; i < 500; i++) {
		all[i].id = i;
		/* few distinct scores: ties must break by id */
		all[i].score = (float)mq_rng_below(&r, 40);
	}
	for (k = 0; k <= 60; k += 7) {
		ck_assert_int_eq(mq_topk_init(&t, k), MQ_OK);
		for (i = 0; i < 500; i++)
			mq_topk_push(&t, all[i].id, all[i].score);
		mq_topk_sort(&t);
		ck_assert_uint_eq(t.n, k);
		{
			struct mq_scored sorted[500];

			memcpy(sorted, all, sizeof(sorted));
			qsort(sorted, 500, sizeof(sorted[0]), cmp_scored);
			for (i = 0; i < k; i++) {
				ck_assert_uint_eq(t.v[i].id, sorted[i].id);
				ck_assert(t.v[i].score == sorted[i].score);
			}
		}
		mq_topk_release(&t);
	}
}
END_TEST

START_TEST(fewer_than_k)
{
	struct mq_topk t;

	ck_assert_int_eq(mq_topk_init(&t, 5), MQ_OK);
	mq_topk_push(&t, 9, 1.0f);
	mq_topk_push(&t, 4, 3.0f);
	mq_topk_push(&t, 2, 1.0f);
	mq_topk_sort(&t);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_uint_eq(t.v[0].id, 4);
	ck_assert_uint_eq(t.v[1].id, 2);
	ck_assert_uint_eq(t.v[2].id, 9);
	mq_topk_reset(&t);
	ck_assert_uint_eq(t.n, 0);
	mq_topk_release(&t);
	mq_topk_release(NULL);
}
END_TEST

Suite *
topk_suite(void)
{
	Suite *s = suite_create("topk");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, matches_full_sort);
	tcase_add_test(tc, fewer_than_k);
	suite_add_tcase(s, tc);
	return s;
}

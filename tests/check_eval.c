/*
 * check_eval.c - the hold-out split and the metrics, on hand-computed cases.
 */
#include <math.h>
#include <stdlib.h>

#include "check_suites.h"
#include "fixture.h"
#include "mq_err.h"
#include "mq_eval.h"

/* Member 0: 12 ratings of films 0..11 at times 12..1 (film 0 newest).
   Member 1: 4 ratings (too few to evaluate). */
static void
build(struct mq_matrix *R)
{
	struct mq_triple t[16];
	uint32_t i, n = 0;

	for (i = 0; i < 12; i++)
		t[n++] = (struct mq_triple){ 0, i, 12 - (int64_t)i, 8 };
	for (i = 0; i < 4; i++)
		t[n++] = (struct mq_triple){ 1, i, 100, 6 };
	ck_assert_int_eq(mq_matrix_build(R, 2, 20, t, n), MQ_OK);
}

START_TEST(split_hides_the_latest)
{
	struct mq_matrix R;
	struct mq_split s;
	size_t h;

	build(&R);
	ck_assert_int_eq(mq_split_latest(&s, &R, 5, 10), MQ_OK);
	ck_assert_uint_eq(s.nevaluated, 1);
	ck_assert_uint_eq(s.nheld, 5);
	ck_assert_uint_eq(s.held_off[1] - s.held_off[0], 5);
	ck_assert_uint_eq(s.held_off[2] - s.held_off[1], 0);
	/* the five newest are films 0..4 */
	for (h = 0; h < 5; h++)
		ck_assert_uint_lt(s.held_item[h], 5);
	ck_assert_uint_eq(s.train.nnz, 16 - 5);
	ck_assert_uint_eq(mq_matrix_udeg(&s.train, 0), 7);
	ck_assert_uint_eq(mq_matrix_udeg(&s.train, 1), 4);
	ck_assert_uint_eq(mq_matrix_find(&s.train, 0, 3), (size_t)-1);
	ck_assert_uint_ne(mq_matrix_find(&s.train, 0, 5), (size_t)-1);
	mq_split_release(&s);
	mq_split_release(NULL);
	mq_matrix_release(&R);
}
END_TEST

START_TEST(metrics_by_hand)
{
	struct mq_matrix R;
	struct mq_split s;
	struct mq_scored l[2 * 10];
	uint32_t cnt[2] = { 10, 0 }, r;
	struct mq_metrics mt;
	uint64_t genres[20];
	double dcg, idcg = 0;

	build(&R);
	ck_assert_int_eq(mq_split_latest(&s, &R, 5, 10), MQ_OK);
	/* hits at ranks 2 and 5 (films 3 and 0); others are misses */
	for (r = 0; r < 10; r++)
		l[r] = (struct mq_scored){ 12 + (r % 8), 1.0f };
	l[1].id = 3;
	l[4].id = 0;
	for (r = 0; r < 10; r++)	/* make the misses distinct */
		if (r != 1 && r != 4)
			l[r].id = 10 + r;
	for (r = 0; r < 20; r++)
		genres[r] = r < 15 ? 1 : 2;
	ck_assert_int_eq(mq_eval_lists(&s, l, cnt, genres, 10, &mt), MQ_OK);
	ck_assert_uint_eq(mt.members, 1);
	dcg = 1 / log2(3.0) + 1 / log2(6.0);
	for (r = 0; r < 5; r++)
		idcg += 1 / log2(r + 2.0);
	ck_assert_double_eq_tol(mt.ndcg, dcg / idcg, 1e-9);
	ck_assert_double_eq_tol(mt.hr, 1.0, 1e-12);
	ck_assert_double_eq_tol(mt.precision, 0.2, 1e-12);
	ck_assert_double_eq_tol(mt.recall, 2.0 / 5, 1e-12);
	ck_assert_double_eq_tol(mt.mrr, 0.5, 1e-12);
	ck_assert_double_eq_tol(mt.coverage, 10.0 / 20, 1e-12);
	mq_split_release(&s);
	mq_matrix_release(&R);
}
END_TEST

START_TEST(diversity_by_hand)
{
	uint64_t genres[3] = { 1, 1, 3 };
	struct mq_scored v[3] = { { 0, 1 }, { 1, 1 }, { 2, 1 } };

	/* pairs: (0,1) J=1, (0,2) J=1/2, (1,2) J=1/2: 1 - 2/3 */
	ck_assert_double_eq_tol(mq_eval_diversity(v, 3, genres), 1.0 / 3, 1e-12);
	ck_assert_double_eq_tol(mq_eval_diversity(v, 1, genres), 0, 1e-12);
}
END_TEST

START_TEST(knn_beats_random_on_the_fixture)
{
	struct mq_matrix R;
	struct mq_split s;
	struct mq_params p;
	struct mq_model m;
	struct mq_metrics knn, rnd;
	uint64_t genres[FX_ITEMS];

	fixture_build(&R, genres, 11);
	ck_assert_int_eq(mq_split_latest(&s, &R, 3, 10), MQ_OK);
	ck_assert_uint_gt(s.nevaluated, 50);
	mq_params_init(&p, MQ_MODEL_ITEM);
	ck_assert_int_eq(mq_model_fit(&m, MQ_MODEL_ITEM, &s.train, &p), MQ_OK);
	ck_assert_int_eq(mq_eval_model(&m, &s, genres, 10, &knn), MQ_OK);
	mq_model_release(&m);
	mq_params_init(&p, MQ_MODEL_RANDOM);
	ck_assert_int_eq(mq_model_fit(&m, MQ_MODEL_RANDOM, &s.train, &p), 0);
	ck_assert_int_eq(mq_eval_model(&m, &s, genres, 10, &rnd), MQ_OK);
	mq_model_release(&m);
	ck_assert_msg(knn.ndcg > 1.5 * rnd.ndcg, "knn %f random %f",
	    knn.ndcg, rnd.ndcg);
	ck_assert(knn.recall > rnd.recall);
	ck_assert(rnd.coverage > knn.coverage * 0.9);
	mq_split_release(&s);
	mq_matrix_release(&R);
}
END_TEST

Suite *
eval_suite(void)
{
	Suite *s = suite_create("eval");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, split_hides_the_latest);
	tcase_add_test(tc, metrics_by_hand);
	tcase_add_test(tc, diversity_by_hand);
	tcase_add_test(tc, knn_beats_random_on_the_fixture);
	suite_add_tcase(s, tc);
	return s;
}

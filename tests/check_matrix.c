/*
 * check_matrix.c - the two-way CSR ratings matrix.
 */
#include <stdlib.h>

#include "check_suites.h"
#include "mq_err.h"
#include "mq_matrix.h"

static const struct mq_triple T[] = {
	{ 2, 1, 30, 8 }, { 0, 3, 10, 10 }, { 0, 0, 20, 1 },
	{ 1, 3, 5, 6 }, { 2, 0, 7, 9 }, { 0, 2, 15, 4 },
};

START_TEST(build_both_ways)
{
	struct mq_matrix m;
	uint32_t u, i;
	size_t a;

	ck_assert_int_eq(mq_matrix_build(&m, 4, 5, T, 6), MQ_OK);
	ck_assert_uint_eq(m.nnz, 6);
	/* member rows sorted by film, payloads travel with them */
	ck_assert_uint_eq(mq_matrix_udeg(&m, 0), 3);
	ck_assert_uint_eq(m.u_item[m.u_off[0]], 0);
	ck_assert_uint_eq(m.u_half[m.u_off[0]], 1);
	ck_assert_int_eq(m.u_ts[m.u_off[0]], 20);
	ck_assert_uint_eq(m.u_item[m.u_off[0] + 1], 2);
	ck_assert_uint_eq(m.u_item[m.u_off[0] + 2], 3);
	ck_assert_uint_eq(m.u_half[m.u_off[0] + 2], 10);
	ck_assert_uint_eq(mq_matrix_udeg(&m, 3), 0);
	/* film columns sorted by member */
	ck_assert_uint_eq(mq_matrix_ideg(&m, 3), 2);
	ck_assert_uint_eq(m.i_user[m.i_off[3]], 0);
	ck_assert_uint_eq(m.i_half[m.i_off[3]], 10);
	ck_assert_uint_eq(m.i_user[m.i_off[3] + 1], 1);
	ck_assert_uint_eq(m.i_half[m.i_off[3] + 1], 6);
	ck_assert_uint_eq(mq_matrix_ideg(&m, 4), 0);
	/* every rating is found from both sides with the same value */
	for (u = 0; u < m.nusers; u++)
		for (a = m.u_off[u]; a < m.u_off[u + 1]; a++) {
			size_t b;
			int found = 0;

			i = m.u_item[a];
			for (b = m.i_off[i]; b < m.i_off[i + 1]; b++)
				if (m.i_user[b] == u) {
					ck_assert_uint_eq(m.i_half[b], m.u_half[a]);
					found = 1;
				}
			ck_assert(found);
			ck_assert_uint_eq(mq_matrix_find(&m, u, i), a);
		}
	ck_assert_uint_eq(mq_matrix_find(&m, 1, 0), (size_t)-1);
	ck_assert_uint_eq(mq_matrix_find(&m, 3, 0), (size_t)-1);
	mq_matrix_release(&m);
	ck_assert_ptr_null(m.u_off);
	mq_matrix_release(&m);
	mq_matrix_release(NULL);
}
END_TEST

START_TEST(build_interleaved_members)
{
	/* members interleaved, films descending: the rows are sorted */
	static const struct mq_triple D[] = {
		{ 0, 2, 100, 1 }, { 1, 2, 7, 2 }, { 0, 1, 50, 3 },
		{ 1, 0, 8, 4 }, { 0, 0, 300, 5 },
	};
	struct mq_matrix m;
	size_t b;

	ck_assert_int_eq(mq_matrix_build(&m, 2, 3, D, 5), MQ_OK);
	b = m.u_off[0];
	ck_assert_uint_eq(mq_matrix_udeg(&m, 0), 3);
	ck_assert_uint_eq(m.u_item[b], 0);
	ck_assert_int_eq(m.u_ts[b], 300);
	ck_assert_uint_eq(m.u_half[b], 5);
	ck_assert_uint_eq(m.u_item[b + 1], 1);
	ck_assert_int_eq(m.u_ts[b + 1], 50);
	ck_assert_uint_eq(m.u_item[b + 2], 2);
	ck_assert_uint_eq(m.u_half[b + 2], 1);
	b = m.u_off[1];
	ck_assert_uint_eq(mq_matrix_udeg(&m, 1), 2);
	ck_assert_uint_eq(m.u_item[b], 0);
	ck_assert_int_eq(m.u_ts[b], 8);
	ck_assert_uint_eq(m.u_item[b + 1], 2);
	ck_assert_uint_eq(m.u_half[b + 1], 2);
	ck_assert_uint_eq(mq_matrix_ideg(&m, 2), 2);
	ck_assert_uint_eq(m.i_user[m.i_off[2]], 0);
	ck_assert_uint_eq(m.i_half[m.i_off[2]], 1);
	ck_assert_uint_eq(m.i_user[m.i_off[2] + 1], 1);
	ck_assert_uint_eq(m.i_half[m.i_off[2] + 1], 2);
	mq_matrix_release(&m);
}
END_TEST

START_TEST(build_empty)
{
	struct mq_matrix m;

	ck_assert_int_eq(mq_matrix_build(&m, 0, 0, NULL, 0), MQ_OK);
	ck_assert_uint_eq(m.nnz, 0);
	ck_assert_uint_eq(m.u_off[0], 0);
	mq_matrix_release(&m);
}
END_TEST

Suite *
matrix_suite(void)
{
	Suite *s = suite_create("matrix");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, build_both_ways);
	tcase_add_test(tc, build_interleaved_members);
	tcase_add_test(tc, build_empty);
	suite_add_tcase(s, tc);
	return s;
}

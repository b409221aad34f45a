/*
 * check_merge.c - the store's ratings, members and tags merged into a
 * data set, as the nightly batch does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "check_suites.h"
#include "mq_data.h"
#include "mq_err.h"
#include "mq_out.h"
#include "mq_merge.h"
#include "mq_store.h"

static void
load_tiny(struct mq_data *d)
{
	struct mq_load_opts o;

	mq_load_opts_init(&o);
	o.quiet = 1;
	o.max_reject_frac = 0.2;
	o.max_report = 0;
	ck_assert_int_eq(mq_data_load(d, mq_test_path("tiny"), &o), MQ_OK);
}

static int
half_of(const struct mq_data *d, uint32_t user, uint32_t movie)
{
	int64_t u = mq_data_user(d, user), i = mq_data_movie(d, movie);
	size_t p;

	if (u < 0 || i < 0)
		return -1;
	p = mq_matrix_find(&d->R, (uint32_t)u, (uint32_t)i);
	return p == (size_t)-1 ? -1 : d->R.u_half[p];
}

START_TEST(store_ratings_members_and_tags)
{
	char dir[] = "/tmp/mq_merge.XXXXXX", db[64];
	struct mq_rating_in in10[3] = { { 3, 8 }, { 4, 6 }, { 7, 10 } };
	struct mq_rating_in in101[3] = { { 1, 10 }, { 3, 8 }, { 4, 6 } };
	struct mq_merge_stats st;
	struct mq_store *s;
	struct mq_data d;
	uint32_t id;
	uint64_t seq;
	size_t nusers;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/store.db", dir);
	ck_assert_int_eq(mq_store_open(&s, db, 0), MQ_OK);
	ck_assert_int_eq(mq_store_set_hash_cost(s,
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), MQ_OK);
	/* member 10 of the CSV data signs up; then a new member */
	ck_assert_int_eq(mq_store_signup(s, "ten", "password10", 9, in10, 3,
	    1000, &id), MQ_OK);
	ck_assert_uint_eq(id, 10);
	ck_assert_int_eq(mq_store_rate(s, 10, 1, 2, 1001, &seq), MQ_OK);
	ck_assert_int_eq(mq_store_rate(s, 10, 2, 0, 1002, &seq), MQ_OK);
	ck_assert_int_eq(mq_store_rate(s, 10, 999, 8, 1003, &seq), MQ_OK);
	ck_assert_int_eq(mq_store_signup(s, "newbie", "password11", 100,
	    in101, 3, 1004, &id), MQ_OK);
	ck_assert_uint_eq(id, 101);
	ck_assert_int_eq(mq_store_tag(s, 101, 1, "Feel-good", 1, 1005),
	    MQ_OK);
	mq_store_close(s);

	load_tiny(&d);
	nusers = d.nusers;
	ck_assert_int_eq(half_of(&d, 10, 1), 8);
	ck_assert_int_eq(half_of(&d, 10, 2), 7);
	ck_assert_int_eq(mq_merge_store(&d, db, &st), MQ_OK);
	ck_assert_uint_eq(st.members, 1);
	ck_assert_uint_eq(st.added, 6);
	ck_assert_uint_eq(st.replaced, 1);
	ck_assert_uint_eq(st.deleted, 1);
	ck_assert_uint_eq(st.unknown, 1);
	ck_assert_uint_eq(st.tags, 1);
	ck_assert_uint_eq(d.nusers, nusers + 1);
	ck_assert_int_eq(half_of(&d, 10, 1), 2);	/* replaced */
	ck_assert_int_eq(half_of(&d, 10, 2), -1);	/* deleted */
	ck_assert_int_eq(half_of(&d, 10, 7), 10);	/* added */
	ck_assert_int_eq(half_of(&d, 101, 1), 10);
	ck_assert_int_eq(half_of(&d, 3, 1), 10);	/* others untouched */
	ck_assert_str_eq(d.tags[d.ntags - 1].text, "Feel-good");
	ck_assert_uint_eq(d.tags[d.ntags - 1].user_id, 101);
	/* both ways of the matrix agree */
	{
		int64_t i = mq_data_movie(&d, 1);
		size_t a, n = 0;

		for (a = d.R.i_off[i]; a < d.R.i_off[i + 1]; a++)
			n++;
		ck_assert_uint_eq(n, mq_matrix_ideg(&d.R, (uint32_t)i));
	}
	mq_data_release(&d);
	/* a store that is not there: MQ_EIO, the data unchanged */
	load_tiny(&d);
	ck_assert_int_eq(mq_merge_store(&d, "/nonexistent/store.db", &st),
	    MQ_EIO);
	ck_assert_uint_eq(d.nusers, nusers);
	mq_data_release(&d);
	ck_assert_int_eq(mq_file_rmtree(dir), MQ_OK);
}
END_TEST

Suite *
merge_suite(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, store_ratings_members_and_tags);
	suite_add_tcase(s, tc);
	return s;
}

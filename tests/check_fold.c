/*
 * check_fold.c - the endpoint's fold-in file: round trip, damage
 * refused, and the lists it folds for a member.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "mq_data.h"
#include "mq_err.h"
#include "mq_fold.h"
#include "mq_model.h"

static struct mq_data D;
static struct mq_nbrs NB;
static uint32_t *fallback;
static char **title, **poster;
static char path[64];

static void
setup(void)
{
	struct mq_load_opts o;
	struct mq_params p;
	uint32_t i;

	mq_load_opts_init(&o);
	o.quiet = 1;
	o.max_reject_frac = 0.2;	/* tiny carries a few rejects */
	o.max_report = 0;
	ck_assert_int_eq(mq_data_load(&D, mq_test_path("tiny"), &o), MQ_OK);
	mq_params_init(&p, MQ_MODEL_ITEM);
	p.k = 3;
	ck_assert_int_eq(mq_nbrs_items(&NB, &D.R, &p), MQ_OK);
	fallback = malloc(D.nmovies * sizeof(*fallback));
	title = malloc(D.nmovies * sizeof(*title));
	poster = malloc(D.nmovies * sizeof(*poster));
	for (i = 0; i < D.nmovies; i++) {
		fallback[i] = D.nmovies - 1 - i;
		title[i] = strdup(D.title[i]);
		poster[i] = malloc(32);
		snprintf(poster[i], 32, "poster/%u.png", D.movie_id[i]);
	}
	snprintf(path, sizeof(path), "/tmp/mq_fold.XXXXXX");
	close(mkstemp(path));
	ck_assert_int_eq(mq_fold_write(path, "B1", &D, &NB, fallback, title,
	    poster), MQ_OK);
}

static void
teardown(void)
{
	uint32_t i;

	for (i = 0; i < D.nmovies; i++) {
		free(title[i]);
		free(poster[i]);
	}
	free(title);
	free(poster);
	free(fallback);
	mq_nbrs_release(&NB);
	mq_data_release(&D);
	unlink(path);
}

START_TEST(round_trip)
{
	struct mq_fold f;
	uint32_t i, q;

	ck_assert_int_eq(mq_fold_open(&f, path), MQ_OK);
	ck_assert_uint_eq(f.h->n, D.nmovies);
	ck_assert_uint_eq(f.h->k, 3);
	ck_assert_str_eq(f.h->build, "B1");
	ck_assert_uint_eq(f.h->max_user, D.user_id[D.nusers - 1]);
	for (i = 0; i < D.nmovies; i++) {
		ck_assert_int_eq(mq_fold_movie(&f, D.movie_id[i]), i);
		ck_assert_str_eq(mq_fold_title(&f, i), D.title[i]);
		ck_assert_str_eq(mq_fold_poster(&f, i), poster[i]);
		ck_assert_int_eq(f.year[i], D.year[i]);
		for (q = 0; q < NB.cnt[i]; q++)
			ck_assert_uint_eq(f.nbr[i * 3 + q], NB.id[i * 3 + q]);
	}
	ck_assert_int_eq(mq_fold_movie(&f, 999999), -1);
	mq_fold_close(&f);
	mq_fold_close(NULL);
}
END_TEST

/* Damage one byte (or the length) of a copy; it must be refused. */
static int
open_damaged(long at, unsigned char byte, long truncate_to)
{
	char cmd[200], p2[80];
	struct mq_fold f;
	FILE *fp;
	int rc;

	snprintf(p2, sizeof(p2), "%s.bad", path);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", path, p2);
	ck_assert_int_eq(system(cmd), 0);
	if (truncate_to >= 0)
		ck_assert_int_eq(truncate(p2, truncate_to), 0);
	else {
		fp = fopen(p2, "r+b");
		fseek(fp, at, SEEK_SET);
		fputc(byte, fp);
		fclose(fp);
	}
	rc = mq_fold_open(&f, p2);
	mq_fold_close(&f);
	unlink(p2);
	return rc;
}

START_TEST(damage_is_refused)
{
	struct mq_fold f;

	ck_assert_int_eq(open_damaged(0, 'X', -1), MQ_EDATA);	/* magic */
	ck_assert_int_eq(open_damaged(-1, 0, 100), MQ_EDATA);	/* truncated */
	/* the first neighbour index points past the catalogue */
	ck_assert_int_eq(open_damaged((long)sizeof(struct mq_fold_hdr) +
	    D.nmovies * 4 + 3, 0x7f, -1), MQ_EDATA);
	ck_assert_int_eq(mq_fold_open(&f, "/nonexistent/foldin.bin"), MQ_EIO);
}
END_TEST

START_TEST(recommend_folds_and_fills)
{
	struct mq_fold f;
	struct mq_fold_rating r[2] = { { 1, 9, 100 }, { 2, 8, 200 } };
	uint32_t out[5], n, k, again[5];

	ck_assert_int_eq(mq_fold_open(&f, path), MQ_OK);
	n = mq_fold_recommend(&f, r, 2, 5, out);
	ck_assert_uint_eq(n, D.nmovies - 2 < 5 ? D.nmovies - 2 : 5);
	for (k = 0; k < n; k++) {
		ck_assert_uint_ne(f.movie_id[out[k]], 1);
		ck_assert_uint_ne(f.movie_id[out[k]], 2);
	}
	ck_assert_uint_eq(mq_fold_recommend(&f, r, 2, 5, again), n);
	ck_assert_mem_eq(out, again, n * sizeof(*out));
	/* nobody's ratings: the fallback order */
	n = mq_fold_recommend(&f, NULL, 0, 3, out);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(out[0], fallback[0]);
	mq_fold_close(&f);
}
END_TEST

Suite *
fold_suite(void)
{
	Suite *s = suite_create("fold");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, damage_is_refused);
	tcase_add_test(tc, recommend_folds_and_fills);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_main.c - runs every Check suite of Marquee.
 *
 * CK_RUN_SUITE=name (a Check feature) runs one suite only.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"

const char *
mq_test_path(const char *rel)
{
	static char buf[4096];
	const char *dir = getenv("MQ_TESTDATA");

	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "tests/data", rel);
	return buf;
}

int
main(void)
{
	SRunner *sr = srunner_create(matrix_suite());
	int nfail;

	srunner_add_suite(sr, csv_suite());
	srunner_add_suite(sr, data_suite());
	srunner_add_suite(sr, rng_suite());
	srunner_add_suite(sr, topk_suite());
	srunner_add_suite(sr, model_suite());
	srunner_add_suite(sr, genre_suite());
	srunner_add_suite(sr, eval_suite());
	srunner_add_suite(sr, synth_suite());
	srunner_add_suite(sr, esc_suite());
	srunner_add_suite(sr, tmpl_suite());
	srunner_add_suite(sr, out_suite());
	srunner_add_suite(sr, key_suite());
	srunner_add_suite(sr, poster_suite());
	srunner_add_suite(sr, best_suite());
	srunner_add_suite(sr, store_suite());
	srunner_add_suite(sr, req_suite());
	srunner_add_suite(sr, fold_suite());
	srunner_add_suite(sr, merge_suite());
	srunner_add_suite(sr, monitor_suite());
	srunner_add_suite(sr, stats_suite());
	srunner_add_suite(sr, snap_suite());
	srunner_add_suite(sr, hash_suite());
	srunner_add_suite(sr, file_suite());
	srunner_add_suite(sr, site_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail ? EXIT_FAILURE : EXIT_SUCCESS;
}

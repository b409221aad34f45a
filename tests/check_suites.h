/*
 * check_suites.h - one Check suite per module; check_main.c runs them all.
 *
 * Tests that need data files find them under $MQ_TESTDATA (tests/data when
 * run from the top of the tree by make check); mq_test_path() joins it.
 */
#ifndef CHECK_SUITES_H
#define CHECK_SUITES_H

#include <check.h>

Suite *matrix_suite(void);
Suite *csv_suite(void);
Suite *data_suite(void);
Suite *rng_suite(void);
Suite *topk_suite(void);
Suite *model_suite(void);
Suite *genre_suite(void);
Suite *eval_suite(void);
Suite *synth_suite(void);
Suite *esc_suite(void);
Suite *tmpl_suite(void);
Suite *out_suite(void);
Suite *key_suite(void);
Suite *poster_suite(void);
Suite *site_suite(void);
Suite *best_suite(void);
Suite *store_suite(void);
Suite *req_suite(void);
Suite *fold_suite(void);
Suite *merge_suite(void);
Suite *monitor_suite(void);
Suite *stats_suite(void);
Suite *snap_suite(void);
Suite *hash_suite(void);
Suite *file_suite(void);

/* "$MQ_TESTDATA/rel" in a static buffer (tests/data when unset). */
const char *mq_test_path(const char *rel);

#endif

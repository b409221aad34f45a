/*
 * check_file.c - whole files: atomic writes keep the old content on
 * failure and leave no temporary behind; trees go, links are not followed.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "fixture.h"
#include "mq_err.h"
#include "mq_file.h"

START_TEST(write_replaces_whole_with_its_mode)
{
	char dir[] = "/tmp/mq_file.XXXXXX", path[64], *got;
	struct stat st;
	mode_t old = umask(077);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f.txt", dir);
	ck_assert_int_eq(mq_file_write(path, "one", 3, 0644), MQ_OK);
	ck_assert_int_eq(mq_file_write(path, "second", 6, 0644), MQ_OK);
	ck_assert_ptr_nonnull(got = fixture_slurp(path, NULL));
	ck_assert_str_eq(got, "second");
	free(got);
	/* the mode asked for, whatever the umask */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	/* a directory that is not there: an error, nothing half written */
	snprintf(path, sizeof(path), "%s/no/f.txt", dir);
	ck_assert_int_eq(mq_file_write(path, "x", 1, 0600), MQ_EIO);
	umask(old);
	ck_assert_int_eq(mq_file_rmtree(dir), MQ_OK);
	ck_assert_int_eq(access(dir, F_OK), -1);
}
END_TEST

START_TEST(rmtree_does_not_follow_links)
{
	char dir[] = "/tmp/mq_file.XXXXXX", keep[] = "/tmp/mq_keep.XXXXXX";
	char path[96];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(mkdtemp(keep));
	snprintf(path, sizeof(path), "%s/kept.txt", keep);
	ck_assert_int_eq(mq_file_write(path, "x", 1, 0600), MQ_OK);
	snprintf(path, sizeof(path), "%s/a", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/a/link", dir);
	ck_assert_int_eq(symlink(keep, path), 0);
	ck_assert_int_eq(mq_file_rmtree(dir), MQ_OK);
	ck_assert_int_eq(access(dir, F_OK), -1);
	snprintf(path, sizeof(path), "%s/kept.txt", keep);
	ck_assert_int_eq(access(path, F_OK), 0);
	/* gone already: fine */
	ck_assert_int_eq(mq_file_rmtree(dir), MQ_OK);
	ck_assert_int_eq(mq_file_rmtree(keep), MQ_OK);
	ck_assert_int_eq(mq_file_sync("/tmp"), MQ_OK);
	ck_assert_int_eq(mq_file_sync("/nonexistent-dir"), MQ_EIO);
}
END_TEST

Suite *
file_suite(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, write_replaces_whole_with_its_mode);
	tcase_add_test(tc, rmtree_does_not_follow_links);
	suite_add_tcase(s, tc);
	return s;
}

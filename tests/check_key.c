/*
 * check_key.c - the site key file and members' private paths.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "mq_err.h"
#include "mq_key.h"

START_TEST(created_private_and_stable)
{
	char dir[] = "/tmp/mq_key.XXXXXX", path[64], h1[MQ_MEMBER_HEX],
	    h2[MQ_MEMBER_HEX], h3[MQ_MEMBER_HEX];
	struct mq_key a, b;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/site.key", dir);
	ck_assert_int_eq(mq_key_load(&a, path, 0), MQ_EIO);	/* absent */
	ck_assert_int_eq(mq_key_load(&a, path, 1), MQ_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, MQ_KEY_BYTES);
	ck_assert_int_eq(mq_key_load(&b, path, 1), MQ_OK);	/* kept */
	ck_assert_mem_eq(a.k, b.k, MQ_KEY_BYTES);
	mq_key_member(&a, 1, h1);
	mq_key_member(&a, 1, h2);
	mq_key_member(&a, 2, h3);
	ck_assert_str_eq(h1, h2);
	ck_assert_str_ne(h1, h3);
	ck_assert_uint_eq(strlen(h1), 32);
	ck_assert_uint_eq(strspn(h1, "0123456789abcdef"), 32);
	/* a key readable by others is refused */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(mq_key_load(&b, path, 0), MQ_EDATA);
	ck_assert_int_eq(chmod(path, 0600), 0);
	/* a file of the wrong size is refused */
	ck_assert_int_eq(truncate(path, 5), 0);
	ck_assert_int_eq(mq_key_load(&b, path, 0), MQ_EDATA);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(known_key_known_path)
{
	struct mq_key k;
	char hex[MQ_MEMBER_HEX];

	/* HMAC-SHA-256 with a key of 32 zero bytes over "member:1",
	   truncated to 128 bits (computed with openssl dgst -hmac) */
	memset(k.k, 0, sizeof(k.k));
	mq_key_member(&k, 1, hex);
	ck_assert_str_eq(hex, "e11fe826bab7750c6f9ffdd12634f2c5");
}
END_TEST

Suite *
key_suite(void)
{
	Suite *s = suite_create("key");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, created_private_and_stable);
	tcase_add_test(tc, known_key_known_path);
	suite_add_tcase(s, tc);
	return s;
}

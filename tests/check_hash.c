/*
 * check_hash.c - SHA-256: known answers, in one piece, in pieces and
 * from a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "mq_err.h"
#include "mq_hash.h"

/* FIPS 180-2's examples */
#define ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define TWO "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"

START_TEST(known_answers)
{
	char hex[65];

	mq_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, ABC);
	mq_sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, EMPTY);
	mq_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, hex);
	ck_assert_str_eq(hex, TWO);
}
END_TEST

START_TEST(in_pieces_as_in_one)
{
	unsigned char whole[32], parts[32], *p;
	struct mq_sha256_ctx *c;
	size_t n = 3 << 20, k;

	ck_assert_ptr_nonnull(p = malloc(n));
	for (k = 0; k < n; k++)
		p[k] = (unsigned char)(k * 2654435761u >> 13);
	mq_sha256(p, n, whole);
	ck_assert_ptr_nonnull(c = mq_sha256_begin());
	for (k = 0; k < n; k += 100003)
		mq_sha256_add(c, p + k, n - k < 100003 ? n - k : 100003);
	mq_sha256_end(c, parts);
	ck_assert(!memcmp(whole, parts, 32));
	free(p);
}
END_TEST

START_TEST(a_file_and_an_absent_one)
{
	char path[] = "/tmp/mq_hash.XXXXXX", hex[65];
	unsigned char sum[32];
	uint64_t size;
	int fd, present;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(mq_sha256_file(path, &present, &size, sum), MQ_OK);
	ck_assert_int_eq(present, 1);
	ck_assert_uint_eq(size, 3);
	mq_sha256_tohex(sum, hex);
	ck_assert_str_eq(hex, ABC);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mq_sha256_file(path, &present, &size, sum), MQ_OK);
	ck_assert_int_eq(present, 0);
	ck_assert_uint_eq(size, 0);
	/* a directory cannot be read: an error, not an absent file */
	ck_assert_int_eq(mq_sha256_file("/tmp", &present, &size, sum),
	    MQ_EIO);
}
END_TEST

Suite *
hash_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("sha256");

	tcase_add_test(tc, known_answers);
	tcase_add_test(tc, in_pieces_as_in_one);
	tcase_add_test(tc, a_file_and_an_absent_one);
	suite_add_tcase(s, tc);
	return s;
}

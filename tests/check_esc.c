/*
 * check_esc.c - escaping by context, and the growable buffer under it.
 */
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "mq_buf.h"
#include "mq_err.h"
#include "mq_esc.h"

static const char *
esc(enum mq_esc e, const char *s)
{
	static struct mq_buf b = MQ_BUF_INIT;

	mq_buf_reset(&b);
	mq_esc(&b, e, s);
	ck_assert_int_eq(mq_buf_ok(&b), MQ_OK);
	return b.s ? b.s : "";
}

START_TEST(text_and_attr)
{
	ck_assert_str_eq(esc(MQ_ESC_TEXT, "<script>alert(1)</script>"),
	    "&lt;script&gt;alert(1)&lt;/script&gt;");
	ck_assert_str_eq(esc(MQ_ESC_TEXT, "Tom & \"Jerry\" 'x'"),
	    "Tom &amp; &quot;Jerry&quot; &#39;x&#39;");
	ck_assert_str_eq(esc(MQ_ESC_ATTR, "\"onmouseover=alert(1)"),
	    "&quot;onmouseover&#61;alert(1)");
	ck_assert_str_eq(esc(MQ_ESC_ATTR, "a`b"), "a&#96;b");
	/* control characters dropped, UTF-8 kept, invalid bytes replaced */
	ck_assert_str_eq(esc(MQ_ESC_TEXT, "a\x01" "b\tc"), "ab\tc");
	ck_assert_str_eq(esc(MQ_ESC_TEXT, "Am\xc3\xa9lie"), "Am\xc3\xa9lie");
	ck_assert_str_eq(esc(MQ_ESC_TEXT, "bad\xff\xc3("),
	    "bad\xef\xbf\xbd\xef\xbf\xbd(");
	/* overlong '/' and a surrogate are invalid too */
	ck_assert_str_eq(esc(MQ_ESC_TEXT, "\xc0\xaf"),
	    "\xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_str_eq(esc(MQ_ESC_TEXT, "\xed\xa0\x80"),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}
END_TEST

START_TEST(url_and_json)
{
	ck_assert_str_eq(esc(MQ_ESC_URL, "a b/c?d=é"), "a%20b%2Fc%3Fd%3D%C3%A9");
	ck_assert_str_eq(esc(MQ_ESC_URL, "A-z_0.9~"), "A-z_0.9~");
	ck_assert_str_eq(esc(MQ_ESC_JSON, "say \"hi\"\\\n\t"),
	    "say \\\"hi\\\"\\\\\\n\\t");
	ck_assert_str_eq(esc(MQ_ESC_JSON, "</script>&"),
	    "\\u003c/script\\u003e\\u0026");
	ck_assert_str_eq(esc(MQ_ESC_JSON, "\x1f"), "\\u001f");
	ck_assert_str_eq(esc(MQ_ESC_JSON, "x\xe2\x80\xa8y"), "x\\u2028y");
	ck_assert_str_eq(esc(MQ_ESC_RAW, "<b>"), "<b>");
}
END_TEST

START_TEST(jstr_and_n)
{
	struct mq_buf b = MQ_BUF_INIT;

	mq_esc_jstr(&b, "a\"b");
	mq_esc_jstr(&b, NULL);
	mq_esc_n(&b, MQ_ESC_TEXT, "<x>yz", 3);
	ck_assert_str_eq(b.s, "\"a\\\"b\"\"\"&lt;x&gt;");
	mq_buf_release(&b);
}
END_TEST

START_TEST(buffer_grows)
{
	struct mq_buf b = MQ_BUF_INIT;
	char *s;
	int i;

	for (i = 0; i < 10000; i++)
		mq_buf_printf(&b, "%d,", i);
	ck_assert_int_eq(mq_buf_ok(&b), MQ_OK);
	ck_assert_uint_eq(strlen(b.s), b.len);
	ck_assert(!strncmp(b.s, "0,1,2,", 6));
	ck_assert(!strcmp(b.s + b.len - 5, "9999,"));
	mq_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.s, "");
	ck_assert_int_eq(mq_buf_reserve(&b, 100000), MQ_OK);
	ck_assert_uint_ge(b.cap, 100001);
	mq_buf_release(&b);
	mq_buf_release(NULL);
	s = mq_strf("%s-%d", "x", 42);
	ck_assert_str_eq(s, "x-42");
	free(s);
}
END_TEST

Suite *
esc_suite(void)
{
	Suite *s = suite_create("esc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, text_and_attr);
	tcase_add_test(tc, url_and_json);
	tcase_add_test(tc, jstr_and_n);
	tcase_add_test(tc, buffer_grows);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_csv.c - the streaming CSV reader (lib/mq_csv.c).
 *
 * Each test feeds a string through fmemopen() and compares a transcript of
 * the rows: "LINE:field|field|..." per row, "LINE:!syntax" for a syntax
 * error, "LINE:!nulN" when field N holds a NUL byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "mq_err.h"
#include "mq_csv.h"
#include "check_suites.h"

struct transcript {
	char buf[8192];
	size_t len;
	size_t rows;
	size_t stop_after;	/* return MQ_EDATA after that many rows, or 0 */
};

static void
put(struct transcript *t, const char *p, size_t n)
{
	ck_assert_uint_lt(t->len + n, sizeof(t->buf));
	memcpy(t->buf + t->len, p, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static int
record(const struct mq_csv_row *row, void *arg)
{
	struct transcript *t = arg;
	char head[64];
	size_t i, k;

	snprintf(head, sizeof(head), "%zu:", row->line);
	put(t, head, strlen(head));
	if (row->status == MQ_CSV_SYNTAX) {
		ck_assert_uint_eq(row->nfields, 0);
		ck_assert_ptr_nonnull(row->why);
		put(t, "!syntax", 7);
	} else if (row->nul >= 0) {
		snprintf(head, sizeof(head), "!nul%ld", row->nul);
		put(t, head, strlen(head));
	} else
		for (i = 0; i < row->nfields; i++) {
			if (i)
				put(t, "|", 1);
			/* show newlines so the transcript stays one line */
			for (k = 0; k < row->field[i].len; k++) {
				if (row->field[i].p[k] == '\n')
					put(t, "\\n", 2);
				else
					put(t, row->field[i].p + k, 1);
			}
			ck_assert_int_eq(row->field[i].p[row->field[i].len],
			    '\0');
		}
	put(t, "\n", 1);
	t->rows++;
	if (t->stop_after && t->rows == t->stop_after)
		return MQ_EDATA;
	return MQ_OK;
}

/* Run the reader over len bytes of s; returns mq_csv_read()'s code. */
static int
run(const char *s, size_t len, struct transcript *t)
{
	FILE *fp;
	int rc;

	t->buf[0] = '\0';
	t->len = 0;
	t->rows = 0;
	fp = fmemopen((void *)s, len, "r");
	ck_assert_ptr_nonnull(fp);
	rc = mq_csv_read(fp, "test.csv", record, t);
	fclose(fp);
	return rc;
}

#define RUN_OK(str, want) do {						\
	struct transcript t_;						\
	memset(&t_, 0, sizeof(t_));					\
	ck_assert_int_eq(run((str), sizeof(str) - 1, &t_), MQ_OK);	\
	ck_assert_str_eq(t_.buf, (want));				\
} while (0)

START_TEST(test_plain)
{
	RUN_OK("a,b,c\n1,2,3\n", "1:a|b|c\n2:1|2|3\n");
}
END_TEST

START_TEST(test_no_final_newline)
{
	RUN_OK("a,b\n1,2", "1:a|b\n2:1|2\n");
	RUN_OK("a,b\r\n1,2\r", "1:a|b\n2:1|2\n");
}
END_TEST

START_TEST(test_bom_crlf_empty_lines)
{
	RUN_OK("\xef\xbb\xbf" "id,x\r\n\r\n1,2\r\n\n\n3,4\r\n",
	    "1:id|x\n3:1|2\n6:3|4\n");
	/* a BOM later than line 1 is data */
	RUN_OK("a\n\xef\xbb\xbf" "b\n", "1:a\n2:\xef\xbb\xbf" "b\n");
	/* a file holding only a BOM has no rows */
	RUN_OK("\xef\xbb\xbf", "");
	RUN_OK("", "");
}
END_TEST

START_TEST(test_quotes)
{
	RUN_OK("1,\"Lost Children, The (1995)\",Drama\n"
	    "2,\"\"\"Cats\"\" (1998)\",\n"
	    "3,\"\",x\n",
	    "1:1|Lost Children, The (1995)|Drama\n"
	    "2:2|\"Cats\" (1998)|\n"
	    "3:3||x\n");
}
END_TEST

START_TEST(test_spaces_kept)
{
	/* libcsv trims by default: the reader must not */
	RUN_OK(" 1 ,\t2, x \n", "1: 1 |\t2| x \n");
}
END_TEST

START_TEST(test_extra_empty_columns)
{
	RUN_OK("1,2,3,,,,\n", "1:1|2|3||||\n");
}
END_TEST

START_TEST(test_quoted_newline)
{
	/* the row starts on line 2 and spans 3 lines; the next is line 5 */
	RUN_OK("h\n1,\"two\nlines\r\nthree\",x\n4,y\n",
	    "1:h\n2:1|two\\nlines\\nthree|x\n5:4|y\n");
}
END_TEST

START_TEST(test_syntax_resync)
{
	/* junk after a closing quote: one bad row, the next line is fine */
	RUN_OK("1,\"a\"b,c\n2,d\n", "1:!syntax\n2:2|d\n");
	/* a quote inside an unquoted field */
	RUN_OK("1,a\"b,c\n2,d\n", "1:!syntax\n2:2|d\n");
	/*
	 * A stray opening quote swallows lines 2 and 3 until the quote on
	 * line 3 is followed by junk: line 1 is the bad row and lines 2
	 * and 3 are read again, not lost.
	 */
	RUN_OK("1,\"abc,x\n2,y\n3,\"z\"w\n4,v\n",
	    "1:!syntax\n2:2|y\n3:!syntax\n4:4|v\n");
}
END_TEST

START_TEST(test_unterminated_at_eof)
{
	RUN_OK("a,b\n1,\"never closed\n2,x\n",
	    "1:a|b\n2:!syntax\n3:2|x\n");
	RUN_OK("a,b\n1,\"never closed", "1:a|b\n2:!syntax\n");
}
END_TEST

START_TEST(test_span_limit)
{
	char *s;
	size_t i, n = 0;
	struct transcript t;

	/* an open quote followed by many short lines without quotes */
	s = malloc(16 * (MQ_CSV_MAXSPAN + 10) + 64);
	ck_assert_ptr_nonnull(s);
	n += (size_t)sprintf(s + n, "1,\"open\n");
	for (i = 0; i < MQ_CSV_MAXSPAN + 5; i++)
		n += (size_t)sprintf(s + n, "%zu,x\n", i + 2);
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(run(s, n, &t), MQ_OK);
	/* line 1 is the bad row, every other line comes back */
	ck_assert_uint_eq(t.rows, MQ_CSV_MAXSPAN + 6);
	ck_assert(strncmp(t.buf, "1:!syntax\n2:2|x\n3:3|x\n", 22) == 0);
	free(s);
}
END_TEST

START_TEST(test_nul_bytes)
{
	static const char s[] = "a,b\n1,x\0y\n\0,2\n3,4\n";
	struct transcript t;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(run(s, sizeof(s) - 1, &t), MQ_OK);
	ck_assert_str_eq(t.buf, "1:a|b\n2:!nul1\n3:!nul0\n4:3|4\n");
}
END_TEST

START_TEST(test_callback_stops)
{
	static const char s[] = "a\nb\nc\nd\n";
	struct transcript t;

	memset(&t, 0, sizeof(t));
	t.stop_after = 2;
	ck_assert_int_eq(run(s, sizeof(s) - 1, &t), MQ_EDATA);
	ck_assert_str_eq(t.buf, "1:a\n2:b\n");
}
END_TEST

/* Count rows; a row's first field must be 199999 bytes long. */
static int
count_rows(const struct mq_csv_row *row, void *arg)
{
	struct transcript *t = arg;

	ck_assert_int_eq(row->status, MQ_CSV_ROW);
	ck_assert_uint_eq(row->nfields, 2);
	ck_assert_uint_eq(row->field[0].len, 199999);
	ck_assert_int_eq(row->field[0].p[0], 'b');
	ck_assert_int_eq(row->field[0].p[199998], 'a' + 199999 % 26);
	t->rows++;
	return MQ_OK;
}

START_TEST(test_long_field)
{
	size_t n = 200000, i;
	char *s = malloc(n + 8);
	struct transcript t;
	FILE *fp;

	ck_assert_ptr_nonnull(s);
	s[0] = '"';
	for (i = 1; i < n; i++)
		s[i] = (char)('a' + i % 26);
	memcpy(s + n, "\",z\n", 4);
	memset(&t, 0, sizeof(t));
	fp = fmemopen(s, n + 4, "r");
	ck_assert_ptr_nonnull(fp);
	/* the transcript buffer is too small: only count the rows */
	ck_assert_int_eq(mq_csv_read(fp, "long.csv", count_rows, &t), MQ_OK);
	ck_assert_uint_eq(t.rows, 1);
	fclose(fp);
	free(s);
}
END_TEST

START_TEST(test_field_is)
{
	struct mq_csv_field f = { "movieId", 7 };

	ck_assert(mq_csv_field_is(&f, "movieId"));
	ck_assert(!mq_csv_field_is(&f, "movieI"));
	ck_assert(!mq_csv_field_is(&f, "movieIds"));
}
END_TEST

Suite *
csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("reader");

	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_no_final_newline);
	tcase_add_test(tc, test_bom_crlf_empty_lines);
	tcase_add_test(tc, test_quotes);
	tcase_add_test(tc, test_spaces_kept);
	tcase_add_test(tc, test_extra_empty_columns);
	tcase_add_test(tc, test_quoted_newline);
	tcase_add_test(tc, test_syntax_resync);
	tcase_add_test(tc, test_unterminated_at_eof);
	tcase_add_test(tc, test_span_limit);
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_callback_stops);
	tcase_add_test(tc, test_long_field);
	tcase_add_test(tc, test_field_is);
	suite_add_tcase(s, tc);
	return s;
}

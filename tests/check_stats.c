/*
 * check_stats.c - the charts (valid PNGs of the asked size, the same
 * bytes every time, bad arguments refused) and the statistics page (the
 * history reader's strictness, skipped lines counted, escaping, the
 * empty history, alerts).
 */
#include <sys/stat.h>

#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "fixture.h"
#include "mq_chart.h"
#include "mq_data.h"
#include "mq_err.h"
#include "mq_out.h"
#include "mq_poster.h"
#include "mq_stats.h"

static char dir[64];

static const char *
tpath(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_stats.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	ck_assert_int_eq(mq_file_rmtree(dir), MQ_OK);
}

static void
spew(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Decode path with libpng; check it is w x h. */
static void
assert_png(const char *path, unsigned w, unsigned h)
{
	png_image img;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	ck_assert_msg(png_image_begin_read_from_file(&img, path), "%s: %s",
	    path, img.message);
	ck_assert_uint_eq(img.width, w);
	ck_assert_uint_eq(img.height, h);
	png_image_free(&img);
}

/* Occurrences of needle in hay. */
static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

START_TEST(dates)
{
	ck_assert_int_eq(mq_chart_day(19700101), 0);
	ck_assert_int_eq(mq_chart_day(20000301), 11017);
	ck_assert_uint_eq(mq_chart_ymd(11017), 20000301);
	ck_assert_uint_eq(mq_chart_ymd(mq_chart_day(20240229)), 20240229);
	ck_assert_uint_eq(mq_chart_ymd(-1), 19691231);
	ck_assert_int_eq(mq_chart_day(20230229), INT32_MIN);
	ck_assert_int_eq(mq_chart_day(20261301), INT32_MIN);
	ck_assert_int_eq(mq_chart_day(20261100), INT32_MIN);
	ck_assert_int_eq(mq_chart_day(0), INT32_MIN);
}
END_TEST

START_TEST(charts_valid_and_reproducible)
{
	static const char *const lab[4] = { "a", "b", "c", "d" };
	struct mq_poster_ctx f;
	uint32_t x[30];
	double a[30], b[30], v[4] = { 3, 0, NAN, 12500 };
	struct mq_series s[2] = { { "one", a, 30 }, { "two", b, 25 } };
	char *p1, *p2;
	size_t n1, n2, i;

	ck_assert_int_eq(mq_poster_init(&f, NULL, NULL, 0, 0), MQ_OK);
	for (i = 0; i < 30; i++) {
		x[i] = mq_chart_ymd(mq_chart_day(20261120) + (int32_t)i);
		a[i] = i == 7 ? NAN : 0.06 + 0.001 * (double)i;
		b[i] = 0.2 - 0.002 * (double)i;
	}
	ck_assert_int_eq(mq_chart_line(&f, "Lines", x, s, 2, 0, 0,
	    tpath("l1.png")), MQ_OK);
	ck_assert_int_eq(mq_chart_line(&f, "Lines", x, s, 2, 0, 0,
	    tpath("l2.png")), MQ_OK);
	assert_png(tpath("l1.png"), MQ_CHART_WIDTH, MQ_CHART_HEIGHT);
	p1 = fixture_slurp(tpath("l1.png"), &n1);
	p2 = fixture_slurp(tpath("l2.png"), &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_int_eq(memcmp(p1, p2, n1), 0);
	free(p1);
	free(p2);

	ck_assert_int_eq(mq_chart_line(&f, "Small", NULL, s, 1, 300, 200,
	    tpath("small.png")), MQ_OK);
	assert_png(tpath("small.png"), 300, 200);
	ck_assert_int_eq(mq_chart_bars(&f, "Bars", lab, v, 4, 0, 0,
	    tpath("b.png")), MQ_OK);
	assert_png(tpath("b.png"), MQ_CHART_WIDTH, MQ_CHART_HEIGHT);
	ck_assert_int_eq(mq_chart_date_bars(&f, "Days", x, a, 30, 640, 240,
	    tpath("d.png")), MQ_OK);
	assert_png(tpath("d.png"), 640, 240);
	/* nothing to draw: still a chart, saying so */
	ck_assert_int_eq(mq_chart_line(&f, "Empty", x, NULL, 0, 0, 0,
	    tpath("e.png")), MQ_OK);
	assert_png(tpath("e.png"), MQ_CHART_WIDTH, MQ_CHART_HEIGHT);
	ck_assert_int_eq(mq_chart_bars(&f, "Empty", NULL, NULL, 0, 0, 0,
	    tpath("e2.png")), MQ_OK);
	/* one value, all equal values, negative values */
	s[0].n = 1;
	ck_assert_int_eq(mq_chart_line(&f, "One", x, s, 1, 0, 0,
	    tpath("one.png")), MQ_OK);
	for (i = 0; i < 30; i++)
		b[i] = -3;
	ck_assert_int_eq(mq_chart_line(&f, "Flat", x, &s[1], 1, 0, 0,
	    tpath("flat.png")), MQ_OK);
	mq_poster_release(&f);
}
END_TEST

START_TEST(charts_refuse_bad_arguments)
{
	struct mq_poster_ctx f;
	uint32_t x[3] = { 20261120, 20261119, 20261121 };
	double y[3] = { 1, 2, 3 };
	struct mq_series s = { "s", y, 3 };
	struct stat st;

	ck_assert_int_eq(mq_poster_init(&f, NULL, NULL, 0, 0), MQ_OK);
	ck_assert_int_eq(mq_chart_line(&f, "t", x, &s, 1, 0, 0,
	    tpath("x.png")), MQ_EUSAGE);		/* out of order */
	x[1] = 20261131;
	ck_assert_int_eq(mq_chart_line(&f, "t", x, &s, 1, 0, 0,
	    tpath("x.png")), MQ_EUSAGE);		/* no such day */
	x[1] = 20261120;
	ck_assert_int_eq(mq_chart_line(&f, "t", x, &s, 1, 100, 100,
	    tpath("x.png")), MQ_EUSAGE);
	ck_assert_int_eq(mq_chart_line(&f, "t", x, &s, 7, 0, 0,
	    tpath("x.png")), MQ_EUSAGE);
	ck_assert_int_eq(stat(tpath("x.png"), &st), -1);
	ck_assert_int_eq(mq_chart_line(&f, "t", x, &s, 1, 0, 0,
	    "/nonexistent/dir/x.png"), MQ_EIO);
	mq_poster_release(&f);
}
END_TEST

static const char good1[] = "{\"run\": \"20261122T023000Z\", \"date\": "
    "20261122, \"status\": \"published\", \"retrained\": true, \"reason\":"
    " \"30 days since the last training\", \"seconds\": {\"total\": 9.5}, "
    "\"offline\": {\"ndcg\": 0.0681, \"coverage\": 0.19}, \"feedback\": "
    "{\"share\": 0.12, \"members_share\": 0.3}, \"drift\": {\"max_psi\": "
    "0.05, \"alert\": false}, \"alerts\": [], \"future\": [1, {\"x\": "
    "null}]}\n";
static const char good2[] = "{\"run\": \"20261123T023000Z\", \"status\":"
    " \"gate-failed\", \"retrained\": false, \"reason\": \"<script>"
    "alert('x')</script> \\u00e9t\\u00e9 \\ud83c\\udfac\", \"offline\": "
    "{\"ndcg\": 6.1e-2}, \"alerts\": [\"gate\", \"drift\"]}\r\n";
static const char good3[] = "  {\"date\": 20261124, \"status\": \"failed\""
    ", \"counts\": null}\n\n";
static const char broken[] = "{\"run\": \"20261123T023000Z\", \"date\": "
    "2026\n";

START_TEST(history_strict)
{
	static const char *const bad[] = {
		"[1, 2]", "{\"date\": 20261131}", "{\"date\": \"20261124\"}",
		"{\"offline\": 3}", "{\"offline\": {\"ndcg\": \"high\"}}",
		"{\"retrained\": 1}", "{\"a\": 01}", "{\"a\": 1.}",
		"{\"a\": \"\\x\"}", "{\"a\": \"\\ud800\"}", "{\"a\": 1} x",
		"{\"a\": 1,}", "{\"a\": \"\xff\"}", "{\"a\": tru}",
		"{\"alerts\": [\"a\", 2]}", "{\"a\": \"\t\"}", "{\"a\": 1e999}",
		"{\"a\": \"\\u0000\"}", "{'a': 1}",
	};
	struct mq_runs r;
	char text[4096];
	size_t i;

	snprintf(text, sizeof(text), "%s%s%s%s", good1, broken, good2, good3);
	spew(tpath("runs.jsonl"), text);
	ck_assert_int_eq(mq_runs_load(&r, tpath("runs.jsonl")), MQ_OK);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_uint_eq(r.skipped, 1);
	ck_assert_uint_eq(r.first_bad, 2);
	ck_assert_str_eq(r.run[0].run, "20261122T023000Z");
	ck_assert_uint_eq(r.run[0].date, 20261122);
	ck_assert_int_eq(r.run[0].retrained, 1);
	ck_assert(fabs(r.run[0].seconds - 9.5) < 1e-12);
	ck_assert(fabs(r.run[0].ndcg - 0.0681) < 1e-12);
	ck_assert(fabs(r.run[0].fb_members - 0.3) < 1e-12);
	ck_assert_int_eq(r.run[0].drift_alert, 0);
	ck_assert_ptr_null(r.run[0].alerts);
	ck_assert(isnan(r.run[0].prod_ndcg));
	/* no date: the run id's */
	ck_assert_uint_eq(r.run[1].date, 20261123);
	ck_assert_int_eq(r.run[1].retrained, 0);
	ck_assert_str_eq(r.run[1].reason, "<script>alert('x')</script> "
	    "\xc3\xa9t\xc3\xa9 \xf0\x9f\x8e\xac");
	ck_assert_str_eq(r.run[1].alerts, "gate; drift");
	ck_assert_uint_eq(r.run[1].nalerts, 2);
	ck_assert(fabs(r.run[1].ndcg - 0.061) < 1e-12);
	ck_assert_ptr_null(r.run[2].run);
	ck_assert_uint_eq(r.run[2].date, 20261124);
	ck_assert(isnan(r.run[2].members));
	mq_runs_release(&r);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s\n", bad[i]);
		spew(tpath("bad.jsonl"), text);
		ck_assert_int_eq(mq_runs_load(&r, tpath("bad.jsonl")), MQ_OK);
		ck_assert_msg(r.n == 0 && r.skipped == 1, "accepted: %s",
		    bad[i]);
		mq_runs_release(&r);
	}

	/* a missing file is an empty history */
	ck_assert_int_eq(mq_runs_load(&r, tpath("none.jsonl")), MQ_OK);
	ck_assert_uint_eq(r.n, 0);
	mq_runs_release(&r);
	mq_runs_release(NULL);
}
END_TEST

static struct mq_data data;

static void
load_tiny(void)
{
	struct mq_load_opts o;

	mq_load_opts_init(&o);
	o.quiet = 1;
	o.max_reject_frac = 1;	/* tiny has broken rows on purpose */
	o.max_report = 0;
	ck_assert_int_eq(mq_data_load(&data, mq_test_path("tiny"), &o),
	    MQ_OK);
}

START_TEST(page_lists_runs_and_escapes)
{
	static const char *const pngs[] = { "metrics.png", "feedback.png",
	    "drift.png", "runtime.png", "per-day.png", "histogram.png",
	    "members.png", "films.png" };
	const char *alerts[] = { "drift <b>high</b>", "gate failed" };
	char text[4096], name[64], *html, *again;
	size_t i;

	load_tiny();
	snprintf(text, sizeof(text), "%s%s%s%s", good1, broken, good2, good3);
	spew(tpath("runs.jsonl"), text);
	ck_assert_int_eq(mq_stats_page(tpath("admin"), tpath("runs.jsonl"),
	    &data, "templates", alerts, 2), MQ_OK);
	html = fixture_slurp(tpath("admin/index.html"), NULL);
	ck_assert_ptr_nonnull(html);
	/* three runs, one line skipped */
	ck_assert_uint_eq(count(html, "<tr class=\"st-row-"), 3);
	ck_assert_ptr_nonnull(strstr(html, "1 line of the history file was "
	    "skipped"));
	ck_assert_ptr_nonnull(strstr(html, "line 2"));
	/* escaped, never markup */
	ck_assert_ptr_null(strstr(html, "<script>"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)"
	    "&lt;/script&gt;"));
	ck_assert_ptr_null(strstr(html, "<b>high"));
	ck_assert_ptr_nonnull(strstr(html, "<li>drift &lt;b&gt;high&lt;/b&gt;"
	    "</li>"));
	ck_assert_ptr_nonnull(strstr(html, "<li>gate failed</li>"));
	ck_assert_ptr_null(strstr(html, "No alert"));
	ck_assert_ptr_null(strstr(html, "No run yet"));
	/* newest first; a status shown as such */
	ck_assert_ptr_nonnull(strstr(html, "2026-11-24"));
	ck_assert(strstr(html, "2026-11-24") < strstr(html, "2026-11-22"));
	ck_assert_ptr_nonnull(strstr(html, "gate-failed"));
	for (i = 0; i < sizeof(pngs) / sizeof(pngs[0]); i++) {
		snprintf(name, sizeof(name), "admin/%s", pngs[i]);
		assert_png(tpath(name), MQ_CHART_WIDTH, MQ_CHART_HEIGHT);
	}
	free(fixture_slurp(tpath("admin/stats.css"), &i));
	ck_assert_uint_gt(i, 100);

	/* the same inputs give the same page */
	ck_assert_int_eq(mq_stats_page(tpath("admin"), tpath("runs.jsonl"),
	    &data, "templates", alerts, 2), MQ_OK);
	again = fixture_slurp(tpath("admin/index.html"), NULL);
	ck_assert_str_eq(html, again);
	free(again);
	free(html);
	mq_data_release(&data);
}
END_TEST

START_TEST(page_without_history)
{
	char *html;

	load_tiny();
	ck_assert_int_eq(mq_stats_page(tpath("admin"), tpath("none.jsonl"),
	    &data, "templates", NULL, 0), MQ_OK);
	html = fixture_slurp(tpath("admin/index.html"), NULL);
	ck_assert_ptr_nonnull(html);
	ck_assert_ptr_nonnull(strstr(html, "No run yet"));
	ck_assert_ptr_nonnull(strstr(html, "No alert."));
	ck_assert_ptr_null(strstr(html, "skipped"));
	ck_assert_uint_eq(count(html, "<tr class=\"st-row-"), 0);
	free(html);
	assert_png(tpath("admin/metrics.png"), MQ_CHART_WIDTH,
	    MQ_CHART_HEIGHT);
	/* NULL history: the same */
	ck_assert_int_eq(mq_stats_page(tpath("admin"), NULL, &data,
	    "templates", NULL, 0), MQ_OK);
	mq_data_release(&data);
}
END_TEST

START_TEST(page_errors)
{
	load_tiny();
	ck_assert_int_eq(mq_stats_page(tpath("admin"), NULL, &data,
	    tpath("no-templates"), NULL, 0), MQ_EIO);
	ck_assert_int_eq(mq_stats_page("/nonexistent/admin", NULL, &data,
	    "templates", NULL, 0), MQ_EIO);
	mq_data_release(&data);
}
END_TEST

Suite *
stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, dates);
	tcase_add_test(tc, charts_valid_and_reproducible);
	tcase_add_test(tc, charts_refuse_bad_arguments);
	tcase_add_test(tc, history_strict);
	tcase_add_test(tc, page_lists_runs_and_escapes);
	tcase_add_test(tc, page_without_history);
	tcase_add_test(tc, page_errors);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_tmpl.c - template syntax, rendering, escaping and error reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "mq_buf.h"
#include "mq_err.h"
#include "mq_tmpl.h"

static char path[64];

/* Write text to a temporary template file; returns its path. */
static const char *
tfile(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/mq_tmpl.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static int
render(const char *text, const struct mq_tvar *v, size_t n, char **out)
{
	struct mq_tmpl t;
	struct mq_buf b = MQ_BUF_INIT;
	int rc;

	rc = mq_tmpl_load(&t, tfile(text));
	unlink(path);
	if (rc)
		return rc;
	rc = mq_tmpl_render(&t, v, n, &b);
	mq_tmpl_release(&t);
	if (rc) {
		mq_buf_release(&b);
		return rc;
	}
	*out = b.s ? b.s : strdup("");
	return rc;
}

START_TEST(variables_and_filters)
{
	struct mq_tvar v[] = {
		{ "title", "<b>\"Tom & Jerry\"</b>" },
		{ "id", "a b" },
		{ "frag", "<p>ok</p>" },
		{ "empty", "" },
	};
	char *out;

	ck_assert_int_eq(render("<h1>{{title}}</h1><a href=\"#f={{id|url}}\" "
	    "title=\"{{title|attr}}\">{{frag|html}}</a>{{empty}}|{\"t\":\""
	    "{{title|json}}\"}", v, 4, &out), MQ_OK);
	ck_assert_str_eq(out, "<h1>&lt;b&gt;&quot;Tom &amp; Jerry&quot;&lt;/b&gt;"
	    "</h1><a href=\"#f=a%20b\" title=\"&lt;b&gt;&quot;Tom &amp; Jerry"
	    "&quot;&lt;/b&gt;\"><p>ok</p></a>|{\"t\":\"\\u003cb\\u003e\\\"Tom "
	    "\\u0026 Jerry\\\"\\u003c/b\\u003e\"}");
	free(out);
}
END_TEST

START_TEST(sections)
{
	struct mq_tvar v[] = { { "a", "1" }, { "b", NULL }, { "c", "z" } };
	char *out;

	ck_assert_int_eq(render("[{{?a}}A{{?b}}B{{/b}}{{!b}}notB{{/b}}{{/a}}"
	    "{{!a}}X{{/a}}{{?c}}{{c}}{{/c}}]", v, 3, &out), MQ_OK);
	ck_assert_str_eq(out, "[AnotBz]");
	free(out);
	/* text without any tag, and an empty template */
	ck_assert_int_eq(render("plain { text }", v, 3, &out), MQ_OK);
	ck_assert_str_eq(out, "plain { text }");
	free(out);
	ck_assert_int_eq(render("", v, 3, &out), MQ_OK);
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(errors)
{
	struct mq_tvar v[] = { { "a", "1" } };
	char *out = NULL;

	ck_assert_int_eq(render("{{a", v, 1, &out), MQ_EDATA);
	ck_assert_int_eq(render("{{a|bogus}}", v, 1, &out), MQ_EDATA);
	ck_assert_int_eq(render("{{?a}}x", v, 1, &out), MQ_EDATA);
	ck_assert_int_eq(render("x{{/a}}", v, 1, &out), MQ_EDATA);
	ck_assert_int_eq(render("{{?a}}{{?b}}{{/a}}{{/b}}", v, 1, &out),
	    MQ_EDATA);
	ck_assert_int_eq(render("{{a b}}", v, 1, &out), MQ_EDATA);
	ck_assert_int_eq(render("{{}}", v, 1, &out), MQ_EDATA);
	/* a variable the caller does not set is an error, not "", even in
	   a section skipped this time */
	ck_assert_int_eq(render("{{missing}}", v, 1, &out), MQ_EDATA);
	ck_assert_int_eq(render("{{!a}}{{typo}}{{/a}}", v, 1, &out),
	    MQ_EDATA);
	free(out);
	{
		struct mq_tmpl t;

		ck_assert_int_eq(mq_tmpl_load(&t, "/nonexistent/x.html"),
		    MQ_EIO);
		mq_tmpl_release(NULL);
	}
}
END_TEST

START_TEST(project_templates_load)
{
	static const char *const names[] = { "card.html", "rate.html",
	    "mini.html", "film.html", "member.html", "genre.html",
	    "genre-link.html", "index.html" };
	const char *dir = getenv("MQ_TEMPLATES");
	char p[512];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct mq_tmpl t;

		snprintf(p, sizeof(p), "%s/%s", dir ? dir : "templates",
		    names[i]);
		ck_assert_msg(mq_tmpl_load(&t, p) == MQ_OK, "%s", p);
		mq_tmpl_release(&t);
	}
}
END_TEST

Suite *
tmpl_suite(void)
{
	Suite *s = suite_create("tmpl");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, variables_and_filters);
	tcase_add_test(tc, sections);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, project_templates_load);
	suite_add_tcase(s, tc);
	return s;
}

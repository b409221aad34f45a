/*
 * check_site.c - marquee build end to end on a small synthetic set.
 *
 * Golden files (tests/golden/site/) for fragments and JSON; properties of
 * the tree (every film has its card, document and poster, every member
 * a private fragment); escaping of hostile titles; unchanged files reused
 * on a second build; a failing build leaves the previous site; the
 * members' paths appear in nothing published; past recommendations come
 * back to be rated; 1 thread and 3 build the same site.
 * MQ_UPDATE_GOLDEN=1 rewrites the golden files.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "fixture.h"
#include "mq_buf.h"
#include "mq_data.h"
#include "mq_err.h"
#include "mq_out.h"
#include "mq_poster.h"
#include "mq_key.h"
#include "mq_site.h"
#include "mq_synth.h"

static char top[64], datadir[128], site[128], state[128];
static struct mq_data D;
static struct mq_key K;

static void
append(const char *file, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", datadir, file);
	f = fopen(p, "a");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* The data: synth small, seed 7, plus two hostile titles and metadata. */
static void
setup(void)
{
	struct mq_synth_opts so;
	struct mq_load_opts lo;
	char p[256];
	FILE *f;
	unsigned char k[MQ_KEY_BYTES];

	snprintf(top, sizeof(top), "/tmp/mq_site.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(datadir, sizeof(datadir), "%s/data", top);
	snprintf(site, sizeof(site), "%s/site", top);
	snprintf(state, sizeof(state), "%s/state", top);
	ck_assert_int_eq(mkdir(datadir, 0755), 0);
	mq_synth_opts_init(&so);
	ck_assert_int_eq(mq_synth_opts_preset(&so, "small"), MQ_OK);
	so.seed = 7;
	ck_assert_int_eq(mq_synth_write(datadir, &so), MQ_OK);
	append("movies.csv", "900001,<script>alert(1)</script> (2001),Drama\n"
	    "900002,\"\"\"onmouseover=alert(1) x (2002)\",Comedy\n");
	append("ratings.csv", "1,900001,4.0,1500000000\n"
	    "2,900001,3.5,1500000000\n1,900002,2.0,1500000001\n");
	snprintf(p, sizeof(p), "%s/metadata.csv", datadir);
	f = fopen(p, "w");
	fputs("movieId,overview,directors,cast\n"
	    "1,\"A plot <b>with</b> markup & \"\"quotes\"\".\",Ann Director,"
	    "Bob Actor|Cy Actor\n", f);
	fclose(f);
	/* a fixed key, so member paths and golden files are stable */
	ck_assert_int_eq(mkdir(state, 0700), 0);
	memset(k, 7, sizeof(k));
	snprintf(p, sizeof(p), "%s/site.key", state);
	f = fopen(p, "w");
	fwrite(k, 1, sizeof(k), f);
	fclose(f);
	ck_assert_int_eq(chmod(p, 0600), 0);
	ck_assert_int_eq(mq_key_load(&K, p, 0), MQ_OK);
	mq_load_opts_init(&lo);
	lo.quiet = 1;
	ck_assert_int_eq(mq_data_load(&D, datadir, &lo), MQ_OK);
}

static void
teardown(void)
{
	mq_data_release(&D);
	ck_assert_int_eq(mq_file_rmtree(top), MQ_OK);
}

/* Into o: the options of a build of site, with state, on one thread. */
static void
opts(struct mq_site_opts *o, uint64_t date, const char *templates)
{
	const char *assets = getenv("MQ_ASSETS");

	mq_site_opts_init(o);
	o->out = site;
	o->state = state;
	o->templates = templates;
	o->assets = assets ? assets : "site";
	o->data = datadir;
	o->date = date;
	o->threads = 1;
}

static int
build_n(uint64_t date, const char *templates, uint32_t nrecs)
{
	struct mq_site_opts o;

	opts(&o, date, templates);
	o.nrecs = nrecs;
	return mq_site_build(&D, &o, NULL);
}

static int
build(uint64_t date, const char *templates)
{
	return build_n(date, templates, 5);
}

/* Lines of the state's recommended.tsv. */
static size_t
history_lines(void)
{
	char p[256], *s, *q;
	size_t n = 0;

	snprintf(p, sizeof(p), "%s/recommended.tsv", state);
	s = fixture_slurp(p, NULL);
	ck_assert_ptr_nonnull(s);
	for (q = s; *q; q++)
		n += *q == '\n';
	free(s);
	return n;
}

static char *
site_file(const char *fmt, unsigned id)
{
	char rel[128], p[256];

	snprintf(rel, sizeof(rel), fmt, id);
	snprintf(p, sizeof(p), "%s/%s", site, rel);
	return fixture_slurp(p, NULL);
}

/* The path of film id's poster (poster/ID.KEY.png) into p. */
static void
poster_of(unsigned id, char *p, size_t size)
{
	char dir[200], pre[24];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/poster", site);
	snprintf(pre, sizeof(pre), "%u.", id);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	p[0] = '\0';
	while ((de = readdir(d)) != NULL)
		if (!strncmp(de->d_name, pre, strlen(pre)))
			ck_assert_int_lt(snprintf(p, size, "%s/%s", dir,
			    de->d_name), (int)size);
	closedir(d);
	ck_assert_msg(p[0] != '\0', "no poster for film %u", id);
}

static char *
member_file(uint32_t user, const char *name)
{
	char hex[MQ_MEMBER_HEX], p[256];

	mq_key_member(&K, user, hex);
	snprintf(p, sizeof(p), "%s/m/%s/%s", site, hex, name);
	return fixture_slurp(p, NULL);
}

/*
 * Compare with tests/golden/site/NAME, or rewrite it on request.  The
 * build id (a time stamp) is replaced by BUILD first.
 */
static void
golden(const char *name, const char *got_raw)
{
	char p[256];
	char *want, *got, *b;

	ck_assert_ptr_nonnull(got_raw);
	got = strdup(got_raw);
	for (b = strstr(got, "\"build\": \""); b; b = strstr(b, "\"build\": \"")) {
		char *q = b + strlen("\"build\": \"");
		char *end = strchr(q, '"');

		ck_assert_ptr_nonnull(end);
		memmove(q + 5, end, strlen(end) + 1);
		memcpy(q, "BUILD", 5);
		b = q;
	}
	snprintf(p, sizeof(p), "%s", mq_test_path("../golden/site/"));
	strncat(p, name, sizeof(p) - strlen(p) - 1);
	if (getenv("MQ_UPDATE_GOLDEN")) {
		FILE *f = fopen(p, "w");

		ck_assert_msg(f != NULL, "cannot write %s", p);
		fputs(got, f);
		fclose(f);
		free(got);
		return;
	}
	want = fixture_slurp(p, NULL);
	ck_assert_msg(want != NULL, "%s missing (make golden)", p);
	ck_assert_msg(strcmp(want, got) == 0, "%s differs from the build "
	    "(make golden if intended; diff the files)", p);
	free(want);
	free(got);
}

START_TEST(golden_fragments_and_documents)
{
	static const struct { const char *fmt; unsigned id; const char *g; }
	    files[] = {
		{ "film/%u.html", 1, "film-1.html" },
		{ "film/%u.json", 1, "film-1.json" },
		{ "film/%u.html", 900001, "film-900001.html" },
		{ "genre/all.json", 0, "genre-all.json" },
		{ "genre/drama.html", 0, "genre-drama.html" },
		{ "genre/index.json", 0, "genre-index.json" },
		{ "search/sc.json", 0, "search-sc.json" },
	};
	size_t i;
	char *s;

	ck_assert_int_eq(build(20261123, "templates"), MQ_OK);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		s = site_file(files[i].fmt, files[i].id);
		ck_assert_msg(s != NULL, "%s", files[i].fmt);
		golden(files[i].g, s);
		free(s);
	}
	s = member_file(1, "recs.html");
	golden("member-1.html", s);
	free(s);
	s = member_file(1, "recs.json");
	golden("member-1.json", s);
	free(s);
}
END_TEST

START_TEST(every_film_and_member)
{
	uint32_t i;
	char *s;

	ck_assert_int_eq(build(20261123, "templates"), MQ_OK);
	for (i = 0; i < D.nmovies; i++) {
		struct stat st;
		char p[256];

		poster_of(D.movie_id[i], p, sizeof(p));
		ck_assert_msg(stat(p, &st) == 0 && st.st_size > 100 &&
		    st.st_size < 20000, "%s", p);
		snprintf(p, sizeof(p), "%s/film/%u.html", site, D.movie_id[i]);
		ck_assert_int_eq(access(p, R_OK), 0);
		snprintf(p, sizeof(p), "%s/film/%u.json.zst", site,
		    D.movie_id[i]);
		ck_assert_int_eq(access(p, R_OK), 0);
	}
	for (i = 0; i < D.nusers; i++) {
		s = member_file(D.user_id[i], "recs.html");
		ck_assert_msg(s != NULL, "member %u", D.user_id[i]);
		ck_assert_ptr_nonnull(strstr(s, "class=\"card\""));
		free(s);
	}
}
END_TEST

START_TEST(hostile_titles_render_as_text)
{
	char *s;

	ck_assert_int_eq(build(20261123, "templates"), MQ_OK);
	s = site_file("film/%u.html", 900001);
	ck_assert_ptr_null(strstr(s, "<script>"));
	ck_assert_ptr_nonnull(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	free(s);
	s = site_file("film/%u.html", 900002);
	ck_assert_ptr_null(strstr(s, "\"onmouseover"));
	ck_assert_ptr_nonnull(strstr(s, "&quot;onmouseover"));
	free(s);
	s = site_file("film/%u.json", 900001);
	ck_assert_ptr_nonnull(strstr(s, "\\u003cscript\\u003e"));
	free(s);
	/* metadata: the overview is text, its markup escaped */
	s = site_file("film/%u.html", 1);
	ck_assert_ptr_nonnull(strstr(s, "A plot &lt;b&gt;with&lt;/b&gt; markup "
	    "&amp; &quot;quotes&quot;."));
	ck_assert_ptr_nonnull(strstr(s, "Bob Actor, Cy Actor"));
	free(s);
}
END_TEST

START_TEST(second_build_reuses_and_failure_keeps_site)
{
	char t1[256], t2[256], p[256], m[256], hex[MQ_MEMBER_HEX];
	ssize_t n;
	struct stat a, b, ma, mb;

	ck_assert_int_eq(build(20261123, "templates"), MQ_OK);
	n = readlink(site, t1, sizeof(t1) - 1);
	t1[n] = '\0';
	poster_of(1, p, sizeof(p));
	ck_assert_int_eq(stat(p, &a), 0);
	mq_key_member(&K, 1, hex);
	snprintf(m, sizeof(m), "%s/m/%s/recs.json.zst", site, hex);
	ck_assert_int_eq(stat(m, &ma), 0);
	sleep(1);	/* release ids have a one-second resolution */
	ck_assert_int_eq(build(20261123, "templates"), MQ_OK);
	n = readlink(site, t2, sizeof(t2) - 1);
	t2[n] = '\0';
	ck_assert_str_ne(t1, t2);
	ck_assert_int_eq(stat(p, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);	/* not rewritten */
	/* a member whose lists did not change: the same file, linked */
	ck_assert_int_eq(stat(m, &mb), 0);
	ck_assert_uint_eq(ma.st_ino, mb.st_ino);
	/* a build that fails (no templates) leaves the site as it was */
	ck_assert_int_ne(build(20261124, "/nonexistent"), MQ_OK);
	n = readlink(site, t1, sizeof(t1) - 1);
	t1[n] = '\0';
	ck_assert_str_eq(t1, t2);
}
END_TEST

START_TEST(member_paths_are_not_published)
{
	char hex[MQ_MEMBER_HEX], cmd[512];
	char *s;

	ck_assert_int_eq(build(20261123, "templates"), MQ_OK);
	mq_key_member(&K, 1, hex);
	/* the path appears in no public file: only under m/ itself */
	snprintf(cmd, sizeof(cmd), "cd '%s' && ! grep -rl --exclude-dir=m "
	    "'%s' . | grep -q .", site, hex);
	ck_assert_int_eq(system(cmd), 0);
	s = site_file("manifest.json", 0);
	ck_assert_ptr_null(strstr(s, "\"m/"));
	free(s);
	/* and the key is not in the site */
	snprintf(cmd, sizeof(cmd), "! find -L '%s' -name '*.key' | grep -q .",
	    site);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(past_recommendations_come_back)
{
	char *s1, *s2, *p, *today;
	size_t n1;

	ck_assert_int_eq(build(20261123, "templates"), MQ_OK);
	s1 = member_file(1, "recs.json");
	ck_assert_ptr_nonnull(strstr(s1, "\"pending\": []"));
	n1 = history_lines();
	ck_assert_uint_eq(n1, (size_t)D.nusers * 5);
	/* a rebuild on the same date replaces, never duplicates */
	sleep(1);
	ck_assert_int_eq(build(20261123, "templates"), MQ_OK);
	ck_assert_uint_eq(history_lines(), n1);
	/* the next day shows 1 film: yesterday's 4 others come back */
	sleep(1);
	ck_assert_int_eq(build_n(20261124, "templates", 1), MQ_OK);
	s2 = member_file(1, "recs.json");
	p = strstr(s2, "\"pending\": [");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "\"recommended\": 20261123"));
	/* today's film is not also asked in the pending list */
	today = strstr(s2, "\"for_you\": [\n  {\"id\": ");
	ck_assert_ptr_nonnull(today);
	{
		char key[40];
		unsigned id = (unsigned)strtoul(today + strlen("\"for_you\": "
		    "[\n  {\"id\": "), NULL, 10);

		snprintf(key, sizeof(key), "{\"id\": %u,", id);
		ck_assert_ptr_null(strstr(p, key));
	}
	free(s1);
	free(s2);
	s2 = member_file(1, "recs.html");
	ck_assert_ptr_nonnull(strstr(s2, "Rate your past recommendations"));
	free(s2);
	ck_assert_uint_eq(history_lines(), n1 + D.nusers);
}
END_TEST

START_TEST(one_build_at_a_time_and_the_key_kept)
{
	char p[256];
	int fd;

	/* a build holding the lock keeps a second one out */
	snprintf(p, sizeof(p), "%s/build.lock", state);
	fd = open(p, O_RDWR | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(build(20261123, "templates"), MQ_EIO);
	close(fd);
	ck_assert_int_eq(build(20261123, "templates"), MQ_OK);
	/* once the site exists, a lost key is an error, not a new key */
	snprintf(p, sizeof(p), "%s/site.key", state);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_ne(build(20261124, "templates"), MQ_OK);
	ck_assert_int_ne(access(p, F_OK), 0);
	/* a state directory others may write to is refused */
	ck_assert_int_eq(chmod(state, 0777), 0);
	ck_assert_int_eq(build(20261124, "templates"), MQ_EDATA);
	ck_assert_int_eq(chmod(state, 0700), 0);
}
END_TEST

/*
 * The stages on threads (films, members) make on 3 threads what they
 * make on one, byte for byte: every file of the release, the files
 * list, the history and the fold-in file.  Same build id, same key.
 */
/* Whether files a and b hold the same bytes. */
static int
files_equal(const char *a, const char *b)
{
	size_t na, nb;
	char *x = fixture_slurp(a, &na), *y = fixture_slurp(b, &nb);
	int same = x && y && na == nb && memcmp(x, y, na) == 0;

	free(x);
	free(y);
	return same;
}

/* A poster supplied as DATA/posters/ID.png is scaled into the release
   (the bytes of mq_poster_scale()); the other films' are drawn. */
START_TEST(supplied_posters_are_scaled)
{
	struct mq_poster_ctx ctx;
	struct mq_canvas cv;
	struct dirent *e;
	char p[512], q[512], got[1024] = "";
	static const uint8_t red[3] = { 200, 30, 30 };
	DIR *dp;

	snprintf(p, sizeof(p), "%s/posters", datadir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(mq_canvas_init(&cv, 400, 500), MQ_OK);
	mq_canvas_rect(&cv, 0, 0, 400, 250, red);
	snprintf(p, sizeof(p), "%s/posters/1.png", datadir);
	ck_assert_int_eq(mq_canvas_write_png(&cv, p), MQ_OK);
	mq_canvas_release(&cv);
	ck_assert_int_eq(build(20260101, "templates"), MQ_OK);
	/* the release's poster of film 1: poster/1.HASH.png */
	snprintf(q, sizeof(q), "%s/poster", site);
	ck_assert_ptr_nonnull(dp = opendir(q));
	while ((e = readdir(dp)) != NULL)
		if (strncmp(e->d_name, "1.", 2) == 0)
			snprintf(got, sizeof(got), "%s/%s", q, e->d_name);
	closedir(dp);
	ck_assert_str_ne(got, "");
	ck_assert_int_eq(mq_poster_init(&ctx, NULL, NULL, 0, 0), MQ_OK);
	snprintf(q, sizeof(q), "%s/scaled.png", top);
	ck_assert_int_eq(mq_poster_scale(&ctx, p, q), MQ_OK);
	mq_poster_release(&ctx);
	ck_assert(files_equal(got, q));
}
END_TEST

START_TEST(threads_do_not_change_the_site)
{
	struct mq_site_opts o;
	char site3[160], state3[160], cmd[2048];

	snprintf(site3, sizeof(site3), "%s/site3", top);
	snprintf(state3, sizeof(state3), "%s/state3", top);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", state, state3);
	ck_assert_int_eq(system(cmd), 0);
	opts(&o, 20261123, "templates");
	o.build_id = "T";
	ck_assert_int_eq(mq_site_build(&D, &o, NULL), MQ_OK);
	o.out = site3;
	o.state = state3;
	o.threads = 3;
	ck_assert_int_eq(mq_site_build(&D, &o, NULL), MQ_OK);
	snprintf(cmd, sizeof(cmd), "diff -r '%s.releases/T' '%s.releases/T' "
	    "&& cmp '%s.releases/T.files.tsv' '%s.releases/T.files.tsv' "
	    "&& cmp '%s/recommended.tsv' '%s/recommended.tsv' "
	    "&& cmp '%s/foldin.bin' '%s/foldin.bin'", site, site3, site, site3,
	    state, state3, state, state3);
	ck_assert_msg(system(cmd) == 0, "1 and 3 threads differ: %s", cmd);
}
END_TEST

Suite *
site_suite(void)
{
	Suite *s = suite_create("site");
	TCase *tc = tcase_create("build");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, golden_fragments_and_documents);
	tcase_add_test(tc, every_film_and_member);
	tcase_add_test(tc, hostile_titles_render_as_text);
	tcase_add_test(tc, second_build_reuses_and_failure_keeps_site);
	tcase_add_test(tc, member_paths_are_not_published);
	tcase_add_test(tc, past_recommendations_come_back);
	tcase_add_test(tc, one_build_at_a_time_and_the_key_kept);
	tcase_add_test(tc, threads_do_not_change_the_site);
	tcase_add_test(tc, supplied_posters_are_scaled);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_out.c - atomic releases: the link switch, reuse of unchanged
 * files, zstd shards, the two manifests, abort and pruning.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "check_suites.h"
#include "fixture.h"
#include "mq_err.h"
#include "mq_out.h"

static char top[64];
static char site[128];

static void
setup(void)
{
	snprintf(top, sizeof(top), "/tmp/mq_out.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(site, sizeof(site), "%s/site", top);
}

static void
teardown(void)
{
	ck_assert_int_eq(mq_file_rmtree(top), MQ_OK);
}

static ino_t
inode(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", site, rel);
	ck_assert_int_eq(stat(p, &st), 0);
	return st.st_ino;
}

static void
release(const char *id, const char *a, const char *b)
{
	struct mq_out o;

	ck_assert_int_eq(mq_out_begin(&o, site, id), MQ_OK);
	ck_assert_int_eq(mq_out_put(&o, "x/a.json", a, strlen(a), MQ_OUT_ZSTD),
	    MQ_OK);
	ck_assert_int_eq(mq_out_put(&o, "b.html", b, strlen(b), 0), MQ_OK);
	ck_assert_int_eq(mq_out_put(&o, "m/secret/p.json", "{}", 2,
	    MQ_OUT_PRIVATE), MQ_OK);
	ck_assert_int_eq(mq_out_commit(&o, "\"counts\": {\"n\": 1}", 2), MQ_OK);
	mq_out_abort(&o);
}

START_TEST(first_release_and_manifests)
{
	char p[256], target[256], *s, *z;
	size_t n, zn;
	ssize_t tl;

	release("r1", "{\"a\": 1}", "<p>b</p>");
	tl = readlink(site, target, sizeof(target) - 1);
	ck_assert_int_gt(tl, 0);
	target[tl] = '\0';
	ck_assert_str_eq(target, "site.releases/r1");
	snprintf(p, sizeof(p), "%s/x/a.json", site);
	s = fixture_slurp(p, &n);
	ck_assert_str_eq(s, "{\"a\": 1}");
	/* the .zst decompresses to the same bytes */
	snprintf(p, sizeof(p), "%s/x/a.json.zst", site);
	z = fixture_slurp(p, &zn);
	{
		char out[64];
		size_t dn = ZSTD_decompress(out, sizeof(out), z, zn);

		ck_assert(!ZSTD_isError(dn));
		ck_assert_uint_eq(dn, n);
		ck_assert(!memcmp(out, s, n));
	}
	free(s);
	free(z);
	/* public manifest: no private path; full list outside the site */
	snprintf(p, sizeof(p), "%s/manifest.json", site);
	s = fixture_slurp(p, &n);
	ck_assert_ptr_nonnull(strstr(s, "\"build\": \"r1\""));
	ck_assert_ptr_nonnull(strstr(s, "\"counts\": {\"n\": 1}"));
	ck_assert_ptr_nonnull(strstr(s, "\"x/a.json.zst\""));
	ck_assert_ptr_null(strstr(s, "secret"));
	free(s);
	snprintf(p, sizeof(p), "%s/site.releases/r1.files.tsv", top);
	s = fixture_slurp(p, &n);
	ck_assert_ptr_nonnull(strstr(s, "m/secret/p.json\t"));
	free(s);
	/* no temporary file left anywhere */
	ck_assert_int_eq(system("! find /tmp/mq_out.* -name '*.tmp*' | grep -q ."),
	    0);
}
END_TEST

START_TEST(unchanged_files_are_linked)
{
	ino_t a1, b1;

	release("r1", "{\"a\": 1}", "<p>b</p>");
	a1 = inode("x/a.json");
	b1 = inode("b.html");
	release("r2", "{\"a\": 1}", "<p>changed</p>");
	ck_assert_uint_eq(inode("x/a.json"), a1);	/* same inode */
	ck_assert_uint_ne(inode("b.html"), b1);
	{
		char p[256], t[256];
		ssize_t tl;

		tl = readlink(site, t, sizeof(t) - 1);
		t[tl] = '\0';
		ck_assert_str_eq(t, "site.releases/r2");
		snprintf(p, sizeof(p), "%s/site.releases/r1", top);
		ck_assert_int_eq(access(p, F_OK), 0);	/* kept: keep = 2 */
	}
	release("r3", "{\"a\": 2}", "<p>changed</p>");
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/site.releases/r1", top);
		ck_assert_int_ne(access(p, F_OK), 0);	/* pruned */
		snprintf(p, sizeof(p), "%s/site.releases/r1.files.tsv", top);
		ck_assert_int_ne(access(p, F_OK), 0);
	}
}
END_TEST

START_TEST(abort_leaves_the_previous_site)
{
	struct mq_out o;
	char p[256], t[256];
	ssize_t tl;

	release("r1", "{\"a\": 1}", "<p>b</p>");
	ck_assert_int_eq(mq_out_begin(&o, site, "r2"), MQ_OK);
	ck_assert_int_eq(mq_out_put(&o, "b.html", "new", 3, 0), MQ_OK);
	/* paths outside the release are refused */
	ck_assert_int_eq(mq_out_put(&o, "../evil", "x", 1, 0), MQ_EUSAGE);
	ck_assert_int_eq(mq_out_put(&o, "/etc/x", "x", 1, 0), MQ_EUSAGE);
	mq_out_abort(&o);
	tl = readlink(site, t, sizeof(t) - 1);
	t[tl] = '\0';
	ck_assert_str_eq(t, "site.releases/r1");
	snprintf(p, sizeof(p), "%s/site.releases/r2", top);
	ck_assert_int_ne(access(p, F_OK), 0);
	/* a real directory in place of the link is not overwritten */
	ck_assert_int_eq(unlink(site), 0);
	ck_assert_int_eq(mkdir(site, 0755), 0);
	ck_assert_int_eq(mq_out_begin(&o, site, "r3"), MQ_EUSAGE);
}
END_TEST

/* Files are 0644 whatever the umask: under 077 with an fchmod each, under
   022 and 0 as open(2) makes them.  (Directories follow the umask.) */
START_TEST(modes_whatever_the_umask)
{
	static const mode_t masks[] = { 077, 022, 0 };
	struct mq_out o;
	struct stat st;
	char id[8], p[256];
	mode_t old = umask(0);
	size_t k;

	for (k = 0; k < sizeof(masks) / sizeof(masks[0]); k++) {
		umask(masks[k]);
		snprintf(id, sizeof(id), "r%zu", k + 1);
		ck_assert_int_eq(mq_out_begin(&o, site, id), MQ_OK);
		ck_assert_int_eq(o.chmod, masks[k] == 077);
		/* new content each time, so the file is written, not linked */
		ck_assert_int_eq(mq_out_put(&o, "d/e/f.json", id, strlen(id), 0),
		    MQ_OK);
		ck_assert_uint_eq(o.nwritten, 1);
		ck_assert_int_eq(mq_out_commit(&o, NULL, 3), MQ_OK);
		mq_out_abort(&o);
		snprintf(p, sizeof(p), "%s/d/e/f.json", site);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_uint_eq(st.st_mode & 0777, 0644);
	}
	umask(old);
}
END_TEST

START_TEST(same_id_twice_and_duplicates)
{
	struct mq_out o;
	char p[256];

	release("r1", "{\"a\": 1}", "<p>b</p>");
	/* the same id again: a new directory, the live one untouched */
	ck_assert_int_eq(mq_out_begin(&o, site, "r1"), MQ_OK);
	ck_assert_str_eq(o.id, "r1-02");
	ck_assert_int_eq(mq_out_put(&o, "b.html", "x", 1, 0), MQ_OK);
	/* one path twice in a build is refused */
	ck_assert_int_eq(mq_out_put(&o, "b.html", "y", 1, 0), MQ_EUSAGE);
	mq_out_abort(&o);
	snprintf(p, sizeof(p), "%s/b.html", site);
	ck_assert_int_eq(access(p, R_OK), 0);
	snprintf(p, sizeof(p), "%s/site.releases/r1-02", top);
	ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

START_TEST(prune_drops_what_killed_builds_left)
{
	char p[256];

	release("r1", "{\"a\": 1}", "<p>b</p>");
	/* a killed build: a directory without its list */
	snprintf(p, sizeof(p), "%s/site.releases/r2", top);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	release("r3", "{\"a\": 2}", "<p>c</p>");
	ck_assert_int_ne(access(p, F_OK), 0);
	/* the previous release stays for a rollback */
	snprintf(p, sizeof(p), "%s/site.releases/r1", top);
	ck_assert_int_eq(access(p, F_OK), 0);
}
END_TEST

START_TEST(rollback_to_the_previous_release)
{
	char id[64], t[256];
	ssize_t n;

	release("r1", "{\"a\": 1}", "<p>b</p>");
	ck_assert_int_eq(mq_out_rollback(site, id, sizeof(id)), MQ_EDATA);
	release("r2", "{\"a\": 2}", "<p>b</p>");
	ck_assert_int_eq(mq_out_rollback(site, id, sizeof(id)), MQ_OK);
	ck_assert_str_eq(id, "r1");
	n = readlink(site, t, sizeof(t) - 1);
	t[n] = '\0';
	ck_assert_str_eq(t, "site.releases/r1");
	/* nothing older left */
	ck_assert_int_eq(mq_out_rollback(site, id, sizeof(id)), MQ_EDATA);
}
END_TEST

/* One thread's share: files t, t + 4, t + 8, ... below 400 (the odd ones
   public), plus one path every thread writes (only the first may). */
struct wjob {
	struct mq_out *o;
	int t, rc, dups;
};

static void *
writer(void *arg)
{
	struct wjob *j = arg;
	struct mq_out_writer w;
	struct mq_buf b = MQ_BUF_INIT;
	char rel[64];
	int k, rc;

	if ((j->rc = mq_out_writer_init(&w, j->o)))
		return NULL;
	for (k = j->t; k < 400 && j->rc == MQ_OK; k += 4) {
		snprintf(rel, sizeof(rel), "m/%03d/recs.json", k);
		mq_buf_reset(&b);
		mq_buf_printf(&b, "{\"n\": %d}", k);
		j->rc = mq_out_wput(&w, rel, &b, MQ_OUT_ZSTD |
		    (k % 2 ? 0 : MQ_OUT_PRIVATE));
	}
	rc = mq_out_wput(&w, "shared.json", &b, 0);
	j->dups = rc == MQ_EUSAGE;
	mq_buf_release(&b);
	mq_out_writer_release(&w);
	return NULL;
}

START_TEST(threads_write_one_release)
{
	struct mq_out o;
	struct wjob job[4];
	pthread_t th[4];
	char path[256], *list, *line, *prev = NULL;
	int t, n = 0, dups = 0;

	ck_assert_int_eq(mq_out_begin(&o, site, "r1"), MQ_OK);
	for (t = 0; t < 4; t++) {
		job[t] = (struct wjob){ &o, t, MQ_OK, 0 };
		ck_assert_int_eq(pthread_create(&th[t], NULL, writer, &job[t]), 0);
	}
	for (t = 0; t < 4; t++) {
		ck_assert_int_eq(pthread_join(th[t], NULL), 0);
		ck_assert_int_eq(job[t].rc, MQ_OK);
		dups += job[t].dups;
	}
	/* a path written twice is refused, whichever thread came second */
	ck_assert_int_eq(dups, 3);
	ck_assert_uint_eq(o.nfiles, 801);
	ck_assert_uint_eq(o.nwritten, 801);
	ck_assert_int_eq(mq_out_commit(&o, NULL, 2), MQ_OK);
	mq_out_abort(&o);
	/* the full list: every file once, by path whatever the order */
	snprintf(path, sizeof(path), "%s.releases/r1.files.tsv", site);
	ck_assert_ptr_nonnull(list = fixture_slurp(path, NULL));
	for (line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
		if (prev)
			ck_assert_int_lt(strcmp(prev, line), 0);
		prev = line;
		n++;
	}
	ck_assert_int_eq(n, 801);	/* manifest.json is not in it */
	free(list);
	/* the public manifest: the 401 public files, by path too */
	snprintf(path, sizeof(path), "%s/manifest.json", site);
	ck_assert_ptr_nonnull(list = fixture_slurp(path, NULL));
	n = 0;
	prev = NULL;
	for (line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "    \"", 5))
			continue;
		if (prev)
			ck_assert_int_lt(strcmp(prev, line), 0);
		prev = line;
		n++;
	}
	ck_assert_int_eq(n, 401);
	free(list);
	ck_assert_uint_ne(inode("m/399/recs.json.zst"), 0);
}
END_TEST

Suite *
out_suite(void)
{
	Suite *s = suite_create("out");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, first_release_and_manifests);
	tcase_add_test(tc, unchanged_files_are_linked);
	tcase_add_test(tc, abort_leaves_the_previous_site);
	tcase_add_test(tc, same_id_twice_and_duplicates);
	tcase_add_test(tc, modes_whatever_the_umask);
	tcase_add_test(tc, prune_drops_what_killed_builds_left);
	tcase_add_test(tc, rollback_to_the_previous_release);
	tcase_add_test(tc, threads_write_one_release);
	suite_add_tcase(s, tc);
	return s;
}

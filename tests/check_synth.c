/*
 * check_synth.c - tests of the synthetic data generator (mq_synth).
 *
 * Each test writes a small data set into its own mkdtemp() directory,
 * reads the files back with a tiny CSV splitter (the generator's files
 * have a known shape) and removes the directory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_suites.h"
#include "fixture.h"
#include "mq_err.h"
#include "mq_data.h"
#include "mq_synth.h"

#define T_START	820454400LL	/* 1996-01-01 */
#define T_END	1538265600LL	/* 2018-09-30 */

static const char *const genres[] = {
	"Action", "Adventure", "Animation", "Children", "Comedy", "Crime",
	"Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "IMAX",
	"Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"
};

/* A temporary directory, removed with everything in it by rmtemp(). */
static char *
mktemp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	ck_assert_ptr_nonnull(dir = malloc(strlen(tmp) + 32));
	snprintf(dir, strlen(tmp) + 32, "%s/mq_synth.XXXXXX", tmp);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void
rmtemp(char *dir)
{
	DIR *d;
	struct dirent *e;
	char path[4096];

	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

/* Number of entries of dir (without . and ..). */
static int
count_entries(const char *dir)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* The whole of dir/name, NUL-terminated; NULL when it does not exist. */
static char *
slurp(const char *dir, const char *name, size_t *len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fixture_slurp(path, len);
}

/*
 * Split the line starting at *pp (ending at '\n') into at most max fields,
 * unquoting in place ("a ""b""" -> a "b").  Advances *pp past the line.
 * Returns the number of fields, -1 at the end of the buffer, -2 on a
 * malformed quote.
 */
static int
csv_line(char **pp, char **f, int max)
{
	char *p = *pp, *w;
	int n = 0;

	if (*p == '\0')
		return -1;
	for (;;) {
		if (n == max)
			return -2;
		f[n++] = w = p;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '\0')
					return -2;
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else
					*w++ = *p++;
			}
			if (*p != ',' && *p != '\n')
				return -2;
		} else {
			while (*p != ',' && *p != '\n' && *p != '\0') {
				if (*p == '"' || *p == '\r')
					return -2;
				w = ++p;
			}
			if (*p == '\0')
				return -2;	/* no final newline */
		}
		if (*p == '\n') {
			*w = '\0';
			*pp = p + 1;
			return n;
		}
		*w = '\0';
		p++;	/* the comma */
	}
}

static long long
num(const char *s)
{
	char *end;
	long long v;

	ck_assert_msg(*s >= '0' && *s <= '9', "not a number: '%s'", s);
	errno = 0;
	v = strtoll(s, &end, 10);
	ck_assert_msg(errno == 0 && *end == '\0', "not a number: '%s'", s);
	return v;
}

/* The films of movies.csv: ids ascending, years from the titles. */
struct films {
	size_t n;
	long long id[1100];
	int year[1100];
	int quoted, comma, nonascii, sequel, nogenre;
};

static void
read_movies(const char *dir, struct films *fl)
{
	char *b, *p, *f[4];
	int n, g, y;
	size_t i, len;

	memset(fl, 0, sizeof(*fl));
	ck_assert_ptr_nonnull(b = slurp(dir, "movies.csv", NULL));
	p = b;
	ck_assert_int_eq(csv_line(&p, f, 4), 3);
	ck_assert_str_eq(f[0], "movieId");
	ck_assert_str_eq(f[1], "title");
	ck_assert_str_eq(f[2], "genres");
	while (p[0] != '\0') {
		if (p[strcspn(p, ",")] == ',' && p[strcspn(p, ",") + 1] == '"')
			fl->quoted++;
		n = csv_line(&p, f, 4);
		ck_assert_int_eq(n, 3);
		ck_assert_uint_lt(fl->n, 1100);
		fl->id[fl->n] = num(f[0]);
		ck_assert(fl->n == 0 || fl->id[fl->n] > fl->id[fl->n - 1]);
		/* "Title (YEAR)" */
		len = strlen(f[1]);
		ck_assert_uint_gt(len, 7);
		ck_assert_msg(f[1][len - 7] == ' ' && f[1][len - 6] == '(' &&
		    f[1][len - 1] == ')', "title '%s'", f[1]);
		y = atoi(f[1] + len - 5);
		ck_assert_int_ge(y, 1920);
		ck_assert_int_le(y, 2018);
		fl->year[fl->n] = y;
		if (strchr(f[1], ','))
			fl->comma++;
		for (i = 0; i < len; i++)
			if ((unsigned char)f[1][i] >= 0x80)
				break;
		fl->nonascii += i < len;
		if (strstr(f[1], " 2 (") || strstr(f[1], " 2, ") ||
		    strstr(f[1], "Part II") || strstr(f[1], "Chapter 2") ||
		    strstr(f[1], " 2:"))
			fl->sequel++;
		/* genres: known names joined by '|', or none listed */
		if (!strcmp(f[2], "(no genres listed)"))
			fl->nogenre++;
		else {
			char *s = f[2], *t;
			int k = 0;

			for (t = strtok(s, "|"); t; t = strtok(NULL, "|")) {
				for (g = 0; g < 19; g++)
					if (!strcmp(t, genres[g]))
						break;
				ck_assert_msg(g < 19, "genre '%s'", t);
				k++;
			}
			ck_assert_int_ge(k, 1);
			ck_assert_int_le(k, 5);	/* 1-4, + IMAX */
		}
		fl->n++;
	}
	free(b);
}

static long
film_index(const struct films *fl, long long id)
{
	size_t lo = 0, hi = fl->n;

	while (lo < hi) {
		size_t m = (lo + hi) / 2;

		if (fl->id[m] < id)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < fl->n && fl->id[lo] == id ? (long)lo : -1;
}

static struct mq_synth_opts
small_opts(uint64_t seed)
{
	struct mq_synth_opts o;

	mq_synth_opts_init(&o);
	ck_assert_int_eq(mq_synth_opts_preset(&o, "small"), MQ_OK);
	o.seed = seed;
	return o;
}

static const char *const files[] = {
	"movies.csv", "ratings.csv", "tags.csv", "links.csv",
	"genome-tags.csv", "genome-scores.csv"
};

START_TEST(test_deterministic)
{
	struct mq_synth_opts o = small_opts(7);
	char *d1 = mktemp_dir(), *d2 = mktemp_dir(), *d3 = mktemp_dir();
	char *a, *b;
	size_t i, la, lb;

	o.genome = 1;
	o.genome_ntags = 20;
	ck_assert_int_eq(mq_synth_write(d1, &o), MQ_OK);
	ck_assert_int_eq(mq_synth_write(d2, &o), MQ_OK);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		ck_assert_ptr_nonnull(a = slurp(d1, files[i], &la));
		ck_assert_ptr_nonnull(b = slurp(d2, files[i], &lb));
		ck_assert_msg(la == lb && !memcmp(a, b, la),
		    "%s differs between two runs", files[i]);
		free(a);
		free(b);
	}
	/* nothing but the six files: no temporary left behind */
	ck_assert_int_eq(count_entries(d1), 6);

	o.seed = 8;
	ck_assert_int_eq(mq_synth_write(d3, &o), MQ_OK);
	for (i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(a = slurp(d1, files[i], &la));
		ck_assert_ptr_nonnull(b = slurp(d3, files[i], &lb));
		ck_assert_msg(la != lb || memcmp(a, b, la),
		    "%s same for two seeds", files[i]);
		free(a);
		free(b);
	}
	rmtemp(d1);
	rmtemp(d2);
	rmtemp(d3);
}
END_TEST

START_TEST(test_movies)
{
	struct mq_synth_opts o = small_opts(1);
	struct films *fl = malloc(sizeof(*fl));
	char *dir = mktemp_dir();

	ck_assert_ptr_nonnull(fl);
	ck_assert_int_eq(mq_synth_write(dir, &o), MQ_OK);
	read_movies(dir, fl);
	ck_assert_uint_eq(fl->n, 500);
	/* titles that need quoting, UTF-8, sequels are all there */
	ck_assert_int_gt(fl->quoted, 20);
	ck_assert_int_ge(fl->quoted, fl->comma);
	ck_assert_int_gt(fl->nonascii, 5);
	ck_assert_int_gt(fl->sequel, 0);
	ck_assert_int_lt(fl->nogenre, 25);
	free(fl);
	rmtemp(dir);
}
END_TEST

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

START_TEST(test_ratings)
{
	struct mq_synth_opts o = small_opts(3);
	struct mq_synth_stats st;
	struct films *fl = malloc(sizeof(*fl));
	char *dir = mktemp_dir(), *b, *p, *f[5];
	long long uid, mid, pu = 0, pm = 0, ts, rows = 0;
	long hist[11] = { 0 }, idx;
	int per_user = 0, *per_film, i, whole, half, top;
	const char *r;
	struct tm tm;
	time_t tt;

	ck_assert_ptr_nonnull(fl);
	o.stats = &st;
	ck_assert_int_eq(mq_synth_write(dir, &o), MQ_OK);
	read_movies(dir, fl);
	ck_assert_ptr_nonnull(per_film = calloc(fl->n, sizeof(int)));
	ck_assert_ptr_nonnull(b = slurp(dir, "ratings.csv", NULL));
	p = b;
	ck_assert_int_eq(csv_line(&p, f, 5), 4);
	ck_assert_str_eq(f[0], "userId");
	ck_assert_str_eq(f[1], "movieId");
	ck_assert_str_eq(f[2], "rating");
	ck_assert_str_eq(f[3], "timestamp");
	while (*p != '\0') {
		ck_assert_int_eq(csv_line(&p, f, 5), 4);
		uid = num(f[0]);
		mid = num(f[1]);
		ts = num(f[3]);
		/* sorted by (userId, movieId), so no duplicate pair */
		ck_assert(uid > pu || (uid == pu && mid > pm));
		if (uid != pu) {
			ck_assert_int_eq(uid, pu + 1);	/* ids 1..N */
			ck_assert(pu == 0 || per_user >= 20);
			per_user = 0;
		}
		per_user++;
		pu = uid;
		pm = mid;
		/* a rated film exists, and was released by then */
		idx = film_index(fl, mid);
		ck_assert_msg(idx >= 0, "movieId %lld not in movies.csv", mid);
		per_film[idx]++;
		ck_assert_int_ge(ts, T_START);
		ck_assert_int_le(ts, T_END);
		tt = (time_t)ts;
		ck_assert_ptr_nonnull(gmtime_r(&tt, &tm));
		ck_assert_int_ge(tm.tm_year + 1900, fl->year[idx]);
		/* 0.5 .. 5.0 by half stars, written "d.d" */
		r = f[2];
		ck_assert_msg(strlen(r) == 3 && r[1] == '.' &&
		    (r[2] == '0' || r[2] == '5') && r[0] >= '0' &&
		    r[0] <= '5', "rating '%s'", r);
		i = (r[0] - '0') * 2 + (r[2] == '5');
		ck_assert_int_ge(i, 1);
		ck_assert_int_le(i, 10);
		hist[i]++;
		/* no half stars before they existed (2003-02-18) */
		if (ts < 1045526400LL)
			ck_assert_int_eq(i % 2, 0);
		rows++;
	}
	ck_assert_int_ge(per_user, 20);
	ck_assert_int_eq(pu, 300);
	/* close to the target, and what the stats say */
	ck_assert_int_ge(rows, 19800);
	ck_assert_int_le(rows, 20000);
	ck_assert_int_eq(rows, (long long)st.ratings);
	ck_assert_uint_ge(st.user_min, 20);
	/* MovieLens-like histogram: 4.0 first, whole stars dominate */
	for (top = 1, i = 2; i <= 10; i++)
		if (hist[i] > hist[top])
			top = i;
	ck_assert_int_eq(top, 8);
	for (whole = half = 0, i = 1; i <= 10; i++) {
		ck_assert_int_gt(hist[i], 0);
		if (i % 2)
			half += hist[i];
		else
			whole += hist[i];
	}
	ck_assert_int_gt(whole, 2 * half);
	for (i = 1; i <= 10; i++)
		ck_assert_int_eq(hist[i], (long)st.hist[i - 1]);
	/* heavy-tailed popularity: top 10 % of films hold > 30 % */
	qsort(per_film, fl->n, sizeof(int), cmp_int);
	{
		long long s = 0;
		size_t k;

		for (k = 0; k < fl->n / 10; k++)
			s += per_film[fl->n - 1 - k];
		ck_assert_msg(s * 100 > rows * 30, "top 10%% hold %lld of %lld",
		    s, rows);
		ck_assert_int_gt(per_film[fl->n - 1],
		    5 * per_film[fl->n / 2]);
		ck_assert_int_lt(per_film[fl->n / 10], 10);
	}
	free(per_film);
	free(b);
	free(fl);
	rmtemp(dir);
}
END_TEST

START_TEST(test_tags_links_genome)
{
	struct mq_synth_opts o = small_opts(5);
	struct mq_synth_stats st;
	struct films *fl = malloc(sizeof(*fl));
	char *dir = mktemp_dir(), *b, *p, *f[5];
	long long rows = 0, prev = 0, mid, tid;
	size_t i, len;

	ck_assert_ptr_nonnull(fl);
	o.genome = 1;
	o.genome_ntags = 30;
	o.stats = &st;
	ck_assert_int_eq(mq_synth_write(dir, &o), MQ_OK);
	read_movies(dir, fl);

	ck_assert_ptr_nonnull(b = slurp(dir, "tags.csv", NULL));
	p = b;
	ck_assert_int_eq(csv_line(&p, f, 5), 4);
	ck_assert_str_eq(f[0], "userId");
	ck_assert_str_eq(f[2], "tag");
	while (*p != '\0') {
		ck_assert_int_eq(csv_line(&p, f, 5), 4);
		ck_assert_int_ge(num(f[0]), 1);
		ck_assert_int_le(num(f[0]), 300);
		ck_assert_int_ge(film_index(fl, num(f[1])), 0);
		ck_assert_uint_gt(strlen(f[2]), 0);
		ck_assert_int_ge(num(f[3]), T_START);
		rows++;
	}
	ck_assert_int_gt(rows, 0);
	ck_assert_int_eq(rows, (long long)st.tags);
	free(b);

	ck_assert_ptr_nonnull(b = slurp(dir, "links.csv", NULL));
	p = b;
	ck_assert_int_eq(csv_line(&p, f, 5), 3);
	ck_assert_str_eq(f[0], "movieId");
	ck_assert_str_eq(f[1], "imdbId");
	ck_assert_str_eq(f[2], "tmdbId");
	for (i = 0; *p != '\0'; i++) {
		ck_assert_int_eq(csv_line(&p, f, 5), 3);
		ck_assert_int_eq(num(f[0]), fl->id[i]);
		ck_assert_uint_eq(strlen(f[1]), 7);
		ck_assert_int_gt(num(f[1]), 0);
		if (*f[2])
			ck_assert_int_gt(num(f[2]), 0);
	}
	ck_assert_uint_eq(i, fl->n);
	free(b);

	ck_assert_ptr_nonnull(b = slurp(dir, "genome-tags.csv", NULL));
	p = b;
	ck_assert_int_eq(csv_line(&p, f, 5), 2);
	ck_assert_str_eq(f[0], "tagId");
	ck_assert_str_eq(f[1], "tag");
	for (i = 1; *p != '\0'; i++) {
		ck_assert_int_eq(csv_line(&p, f, 5), 2);
		ck_assert_int_eq(num(f[0]), (long long)i);
	}
	ck_assert_uint_eq(i - 1, 30);
	free(b);

	ck_assert_ptr_nonnull(b = slurp(dir, "genome-scores.csv", NULL));
	p = b;
	rows = 0;
	ck_assert_int_eq(csv_line(&p, f, 5), 3);
	ck_assert_str_eq(f[2], "relevance");
	while (*p != '\0') {
		ck_assert_int_eq(csv_line(&p, f, 5), 3);
		mid = num(f[0]);
		tid = num(f[1]);
		ck_assert_int_ge(film_index(fl, mid), 0);
		ck_assert(mid > prev || tid > 1);
		ck_assert_int_ge(tid, 1);
		ck_assert_int_le(tid, 30);
		len = strlen(f[2]);
		ck_assert_msg(len == 7 && f[2][1] == '.' && (f[2][0] == '0' ||
		    !strcmp(f[2], "1.00000")), "relevance '%s'", f[2]);
		prev = mid;
		rows++;
	}
	ck_assert_int_gt(rows, 0);
	ck_assert_int_eq(rows % 30, 0);
	ck_assert_int_eq(rows, (long long)st.genome_scores);
	free(b);
	free(fl);
	rmtemp(dir);
}
END_TEST

START_TEST(test_stale_and_errors)
{
	struct mq_synth_opts o = small_opts(1);
	char *dir = mktemp_dir(), *missing;
	FILE *f;
	char path[4096];

	/* a smaller set replaces a larger one completely */
	o.genome = 1;
	o.genome_ntags = 5;
	ck_assert_int_eq(mq_synth_write(dir, &o), MQ_OK);
	ck_assert_int_eq(count_entries(dir), 6);
	o.genome = 0;
	o.tags = 0;
	o.links = 0;
	ck_assert_int_eq(mq_synth_write(dir, &o), MQ_OK);
	ck_assert_int_eq(count_entries(dir), 2);
	snprintf(path, sizeof(path), "%s/tags.csv", dir);
	ck_assert_ptr_null(f = fopen(path, "r"));

	/* inconsistent options: nothing written, nothing left behind */
	mq_synth_opts_init(&o);
	o.users = 100;
	o.ratings = 100 * 20 - 1;
	ck_assert_int_eq(mq_synth_write(dir, &o), MQ_EUSAGE);
	o.ratings = 1000000;	/* more than 3000 films allow 100 members */
	ck_assert_int_eq(mq_synth_write(dir, &o), MQ_EUSAGE);
	o.ratings = 5000;
	o.movies = 0;
	ck_assert_int_eq(mq_synth_write(dir, &o), MQ_EUSAGE);
	ck_assert_int_eq(mq_synth_opts_preset(&o, "huge"), MQ_EUSAGE);
	ck_assert_int_eq(count_entries(dir), 2);

	/* a directory that does not exist */
	ck_assert_ptr_nonnull(missing = malloc(strlen(dir) + 16));
	snprintf(missing, strlen(dir) + 16, "%s/no/such/dir", dir);
	mq_synth_opts_init(&o);
	ck_assert_int_eq(mq_synth_opts_preset(&o, "small"), MQ_OK);
	ck_assert_int_eq(mq_synth_write(missing, &o), MQ_EIO);
	free(missing);
	rmtemp(dir);
}
END_TEST

START_TEST(test_loads)
{
	struct mq_synth_opts o = small_opts(11);
	struct mq_load_opts lo;
	struct mq_data d;
	char *dir = mktemp_dir();
	int i, r;

	o.genome = 1;
	o.genome_ntags = 25;
	ck_assert_int_eq(mq_synth_write(dir, &o), MQ_OK);
	mq_load_opts_init(&lo);
	lo.quiet = 1;
	ck_assert_int_eq(mq_data_load(&d, dir, &lo), MQ_OK);
	for (i = 0; i < MQ_F_NFILES; i++)
		for (r = 0; r < MQ_REJ_NREASONS; r++)
			ck_assert_msg(d.stats[i].rejected[r] == 0,
			    "%s: %zu rows rejected as %s", d.stats[i].name,
			    d.stats[i].rejected[r], mq_reject_name[r]);
	ck_assert_uint_eq(d.nmovies, 500);
	ck_assert_uint_eq(d.nusers, 300);
	ck_assert_uint_eq(d.ngtags, 25);
	ck_assert_uint_ge(d.R.nnz, 19800);
	ck_assert_ptr_nonnull(d.genome);
	mq_data_release(&d);
	rmtemp(dir);
}
END_TEST

Suite *
synth_suite(void)
{
	Suite *s = suite_create("synth");
	TCase *tc = tcase_create("synth");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_movies);
	tcase_add_test(tc, test_ratings);
	tcase_add_test(tc, test_tags_links_genome);
	tcase_add_test(tc, test_stale_and_errors);
	tcase_add_test(tc, test_loads);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_data.c - the data set loader (lib/mq_data.c).
 *
 * tests/data/tiny is a small valid set with the damage real copies carry
 * (BOM, CRLF, quoted commas and newline, ",,,,", a duplicate rating, UTF-8
 * titles); tests/data/broken/<case> holds one kind of damage per case.
 * The counts asserted here were worked out by hand from those files.  The
 * real ml-latest-small is loaded when it is found ($MQ_SHARED_DATA, then
 * ../shared/data, then /work/shared/data); the test passes quietly when it
 * is not.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "mq_err.h"
#include "mq_data.h"
#include "check_suites.h"
#include "fixture.h"

static int
load(const char *rel, double frac, struct mq_data *d)
{
	struct mq_load_opts o;

	mq_load_opts_init(&o);
	o.max_reject_frac = frac;
	o.max_report = 0;
	o.quiet = 1;
	return mq_data_load(d, mq_test_path(rel), &o);
}

static void
assert_empty(const struct mq_data *d)
{
	struct mq_data z;

	memset(&z, 0, sizeof(z));
	ck_assert(memcmp(d, &z, sizeof(z)) == 0);
}

static uint64_t
mask_of(const struct mq_data *d, const char *names)
{
	char buf[256], *p, *q;
	uint64_t m = 0;
	unsigned g;

	snprintf(buf, sizeof(buf), "%s", names);
	for (p = buf; p != NULL && *p != '\0'; p = q) {
		if ((q = strchr(p, '|')) != NULL)
			*q++ = '\0';
		for (g = 0; g < d->ngenres; g++)
			if (strcmp(d->genre_name[g], p) == 0)
				break;
		ck_assert_msg(g < d->ngenres, "no genre %s", p);
		m |= (uint64_t)1 << g;
	}
	return m;
}

static void
assert_film(const struct mq_data *d, uint32_t id, const char *title,
    int year, const char *genres)
{
	int64_t i = mq_data_movie(d, id);

	ck_assert_msg(i >= 0, "film %u missing", id);
	ck_assert_str_eq(d->title[i], title);
	ck_assert_int_eq(d->year[i], year);
	ck_assert_uint_eq(d->genres[i], mask_of(d, genres));
}

static void
assert_rating(const struct mq_data *d, uint32_t uid, uint32_t mid,
    int half, int64_t ts)
{
	int64_t u = mq_data_user(d, uid), i = mq_data_movie(d, mid);
	size_t p;

	ck_assert(u >= 0 && i >= 0);
	p = mq_matrix_find(&d->R, (uint32_t)u, (uint32_t)i);
	ck_assert_msg(p != (size_t)-1, "no rating (%u, %u)", uid, mid);
	ck_assert_int_eq(d->R.u_half[p], half);
	ck_assert_int_eq(d->R.u_ts[p], ts);
}

/* rows, kept and the count of every reason, in enum order */
static void
assert_stats(const struct mq_data *d, enum mq_file f, size_t rows,
    size_t kept, const size_t rej[MQ_REJ_NREASONS])
{
	const struct mq_file_stats *st = &d->stats[f];
	int r;

	ck_assert_msg(st->present, "%s not read", st->name);
	ck_assert_uint_eq(st->rows, rows);
	ck_assert_uint_eq(st->kept, kept);
	for (r = 0; r < MQ_REJ_NREASONS; r++)
		ck_assert_msg(st->rejected[r] == rej[r],
		    "%s: %zu %s rejects, expected %zu", st->name,
		    st->rejected[r], mq_reject_name[r], rej[r]);
}

static const size_t none[MQ_REJ_NREASONS];

START_TEST(test_defaults)
{
	struct mq_load_opts o;
	int r, s;

	mq_load_opts_init(&o);
	ck_assert(fabs(o.max_reject_frac - 0.01) < 1e-12);
	ck_assert_ptr_null(o.rejects_path);
	ck_assert_uint_eq(o.max_report, 20);
	ck_assert_int_eq(o.quiet, 0);
	for (r = 0; r < MQ_REJ_NREASONS; r++) {
		ck_assert_ptr_nonnull(mq_reject_name[r]);
		for (s = 0; s < r; s++)
			ck_assert_str_ne(mq_reject_name[r], mq_reject_name[s]);
	}
	mq_data_release(NULL);
}
END_TEST

START_TEST(test_tiny)
{
	static const uint32_t films[] = { 1, 2, 3, 4, 7, 10, 11, 12 };
	static const uint32_t users[] = { 3, 7, 10, 100 };
	static const char *const genres[] = { "Action", "Adventure",
	    "Animation", "Children", "Comedy", "Drama", "Fantasy", "Musical",
	    "Mystery", "Sci-Fi", "War" };
	size_t rej[MQ_REJ_NREASONS];
	struct mq_data d;
	unsigned i;

	ck_assert_int_eq(load("tiny", 0.2, &d), MQ_OK);

	ck_assert_uint_eq(d.nmovies, 8);
	for (i = 0; i < 8; i++) {
		ck_assert_uint_eq(d.movie_id[i], films[i]);
		ck_assert_int_eq(mq_data_movie(&d, films[i]), i);
	}
	ck_assert_int_eq(mq_data_movie(&d, 5), -1);	/* rejected */
	ck_assert_int_eq(mq_data_movie(&d, 13), -1);
	ck_assert_int_eq(mq_data_movie(&d, 0), -1);

	ck_assert_uint_eq(d.ngenres, 11);
	for (i = 0; i < 11; i++)
		ck_assert_str_eq(d.genre_name[i], genres[i]);
	ck_assert_uint_eq(d.genres[0], 0x5e);	/* bits 1 2 3 4 6 */
	assert_film(&d, 1, "Toy Story", 1995,
	    "Adventure|Animation|Children|Comedy|Fantasy");
	assert_film(&d, 2, "City of Lost Children, The "
	    "(Cit\xc3\xa9 des enfants perdus, La)", 1995,
	    "Adventure|Drama|Fantasy|Mystery|Sci-Fi");
	assert_film(&d, 3, "Mis\xc3\xa9rables, Les", 1995, "Drama|War");
	assert_film(&d, 4, "The Series", 2007, "Comedy");
	assert_film(&d, 7, "Death Note: Desu n\xc3\xb4to", 2006, "");
	assert_film(&d, 10, "\"Great Performances\" Cats", 1998, "Musical");
	assert_film(&d, 11, "Babylon 5", 0, "Sci-Fi");
	assert_film(&d, 12, "Justice League: Doom", 2012,
	    "Action|Animation|Fantasy");

	/* links: an empty tmdbId, an empty pair, films without links */
	ck_assert_int_eq(d.imdb_id[0], 114709);
	ck_assert_int_eq(d.tmdb_id[0], 862);
	ck_assert_int_eq(d.imdb_id[2], 113828);
	ck_assert_int_eq(d.tmdb_id[2], 0);
	ck_assert_int_eq(d.imdb_id[3], 0);
	ck_assert_int_eq(d.imdb_id[7], 0);

	ck_assert_uint_eq(d.nusers, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_uint_eq(d.user_id[i], users[i]);
		ck_assert_int_eq(mq_data_user(&d, users[i]), i);
	}
	ck_assert_int_eq(mq_data_user(&d, 55), -1);	/* tags only */

	ck_assert_uint_eq(d.R.nusers, 4);
	ck_assert_uint_eq(d.R.nitems, 8);
	ck_assert_uint_eq(d.R.nnz, 10);
	assert_rating(&d, 10, 1, 8, 964982703);
	assert_rating(&d, 10, 2, 7, 964982224);
	assert_rating(&d, 3, 1, 10, 964983815);
	assert_rating(&d, 3, 12, 1, 964982931);
	assert_rating(&d, 7, 1, 6, 2000);	/* the later duplicate wins */
	assert_rating(&d, 7, 3, 9, 1100);
	assert_rating(&d, 7, 10, 2, -5);
	assert_rating(&d, 3, 7, 10, 964982400);
	assert_rating(&d, 10, 11, 5, 964982500);
	assert_rating(&d, 100, 4, 8, 964982600);	/* no final newline */
	ck_assert_uint_eq(mq_matrix_udeg(&d.R, 1), 3);

	ck_assert_uint_eq(d.ntags, 3);
	ck_assert_str_eq(d.tags[0].text, "pixar");
	ck_assert_uint_eq(d.tags[0].user_id, 3);
	ck_assert_uint_eq(d.tags[0].item, 0);
	ck_assert_int_eq(d.tags[0].ts, 1139045764);
	ck_assert_str_eq(d.tags[1].text, "dark, surreal");
	ck_assert_uint_eq(d.tags[1].user_id, 55);
	ck_assert_uint_eq(d.tags[1].item, 1);
	ck_assert_str_eq(d.tags[2].text, "\xe3\x82\xa2\xe3\x83\x8b\xe3\x83\xa1");
	ck_assert_uint_eq(d.tags[2].item, 4);

	ck_assert_uint_eq(d.ngtags, 2);
	ck_assert_uint_eq(d.gtag_id[0], 1);
	ck_assert_uint_eq(d.gtag_id[1], 2);
	ck_assert_str_eq(d.gtag_name[0], "007");
	ck_assert_str_eq(d.gtag_name[1], "action");
	ck_assert_ptr_nonnull(d.genome);
	ck_assert(fabsf(d.genome[0] - 0.025f) < 1e-6f);
	ck_assert(fabsf(d.genome[1] - 0.975f) < 1e-6f);
	ck_assert(d.genome[2] == 1.0f);
	ck_assert(isnan(d.genome[3]));
	for (i = 4; i < 16; i++)
		ck_assert(isnan(d.genome[i]));

	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_DUPLICATE] = 1;
	assert_stats(&d, MQ_F_RATINGS, 11, 10, rej);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_ENCODING] = 1;	/* the title holding a newline */
	assert_stats(&d, MQ_F_MOVIES, 9, 8, rej);
	assert_stats(&d, MQ_F_TAGS, 3, 3, none);
	assert_stats(&d, MQ_F_LINKS, 4, 4, none);
	assert_stats(&d, MQ_F_GTAGS, 2, 2, none);
	assert_stats(&d, MQ_F_GSCORES, 3, 3, none);
	assert_stats(&d, MQ_F_META, 2, 2, none);

	/* metadata: a quoted two-line synopsis, empty fields are NULL */
	ck_assert_ptr_nonnull(d.overview);
	ck_assert_str_eq(d.overview[0], "A cowboy doll is threatened by a "
	    "new spaceman figure.\nTwo toys, one boy.");
	ck_assert_str_eq(d.directors[0], "John Lasseter");
	ck_assert_str_eq(d.cast[0], "Tom Hanks|Tim Allen");
	ck_assert_ptr_null(d.overview[1]);
	ck_assert_str_eq(d.directors[1], "Jean-Pierre Jeunet|Marc Caro");
	ck_assert_ptr_null(d.cast[1]);
	ck_assert_ptr_null(d.overview[2]);
	ck_assert_ptr_null(d.directors[7]);

	mq_data_release(&d);
	assert_empty(&d);
	mq_data_release(&d);
}
END_TEST

START_TEST(test_tiny_default_threshold)
{
	struct mq_data d;

	/* 1 of 9 films rejected is far above 1 % */
	ck_assert_int_eq(load("tiny", 0.01, &d), MQ_EDATA);
	assert_empty(&d);
}
END_TEST

START_TEST(test_summary)
{
	struct mq_data d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(load("tiny", 0.2, &d), MQ_OK);
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	mq_data_summary(&d, f);
	fclose(f);
	ck_assert_str_eq(buf,
	    "ratings.csv: 11 rows, 10 kept, 1 rejected: duplicate 1\n"
	    "movies.csv: 9 rows, 8 kept, 1 rejected: encoding 1\n"
	    "tags.csv: 3 rows, 3 kept\n"
	    "links.csv: 4 rows, 4 kept\n"
	    "genome-scores.csv: 3 rows, 3 kept\n"
	    "genome-tags.csv: 2 rows, 2 kept\n"
	    "metadata.csv: 2 rows, 2 kept\n");
	free(buf);
	mq_data_release(&d);
}
END_TEST

START_TEST(test_truncated)
{
	size_t rej[MQ_REJ_NREASONS];
	struct mq_data d;

	ck_assert_int_eq(load("broken/truncated", 0.3, &d), MQ_OK);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_SYNTAX] = 1;		/* 5,"Unfinished (199 at EOF */
	assert_stats(&d, MQ_F_MOVIES, 5, 4, rej);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_COLUMNS] = 1;	/* 2,1,4. at EOF */
	assert_stats(&d, MQ_F_RATINGS, 4, 3, rej);
	ck_assert_uint_eq(d.nmovies, 4);
	ck_assert_uint_eq(d.R.nnz, 3);
	mq_data_release(&d);
}
END_TEST

START_TEST(test_bad_rating)
{
	size_t rej[MQ_REJ_NREASONS];
	struct mq_data d;

	ck_assert_int_eq(load("broken/bad_rating", 1.0, &d), MQ_OK);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_RATING] = 13;
	rej[MQ_REJ_TIMESTAMP] = 3;
	assert_stats(&d, MQ_F_RATINGS, 21, 5, rej);
	assert_rating(&d, 5, 1, 8, 100);		/* "4" */
	assert_rating(&d, 5, 2, 9, 100);		/* "4.50" */
	assert_rating(&d, 5, 3, 1, 100);		/* "0.5" */
	assert_rating(&d, 5, 4, 10, INT64_MIN);
	assert_rating(&d, 6, 1, 7, INT64_MAX);
	ck_assert_uint_eq(d.nusers, 2);
	mq_data_release(&d);
	ck_assert_int_eq(load("broken/bad_rating", 0.5, &d), MQ_EDATA);
	assert_empty(&d);
}
END_TEST

START_TEST(test_bad_id)
{
	size_t rej[MQ_REJ_NREASONS];
	struct mq_data d;

	ck_assert_int_eq(load("broken/bad_id", 1.0, &d), MQ_OK);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_ID] = 2;		/* movieId 0 and -3 */
	assert_stats(&d, MQ_F_MOVIES, 6, 4, rej);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_ID] = 9;
	rej[MQ_REJ_UNKNOWN_MOVIE] = 2;	/* 4294967295 and 99 */
	assert_stats(&d, MQ_F_RATINGS, 14, 3, rej);
	/* 007 is member 7; 4294967295 is a valid userId */
	ck_assert_uint_eq(d.nusers, 3);
	ck_assert_uint_eq(d.user_id[0], 1);
	ck_assert_uint_eq(d.user_id[1], 7);
	ck_assert_uint_eq(d.user_id[2], 4294967295u);
	mq_data_release(&d);
}
END_TEST

START_TEST(test_wrong_header)
{
	struct mq_data d;

	ck_assert_int_eq(load("broken/wrong_header", 1.0, &d), MQ_EDATA);
	assert_empty(&d);
}
END_TEST

START_TEST(test_duplicate)
{
	size_t rej[MQ_REJ_NREASONS];
	struct mq_data d;

	ck_assert_int_eq(load("broken/duplicate", 1.0, &d), MQ_OK);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_DUPLICATE] = 1;
	assert_stats(&d, MQ_F_MOVIES, 5, 4, rej);
	assert_film(&d, 2, "Jumanji", 1995, "Adventure"); /* first one kept */
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_DUPLICATE] = 4;
	assert_stats(&d, MQ_F_RATINGS, 9, 5, rej);
	assert_rating(&d, 1, 1, 8, 100);	/* newer than the later line */
	assert_rating(&d, 2, 3, 4, 300);	/* a tie: the later line */
	assert_rating(&d, 3, 4, 10, 30);	/* newest of three */
	assert_rating(&d, 1, 2, 6, 100);
	assert_rating(&d, 1, 3, 9, 7);
	ck_assert_uint_eq(d.R.nnz, 5);
	mq_data_release(&d);
}
END_TEST

START_TEST(test_missing_column)
{
	size_t rej[MQ_REJ_NREASONS];
	struct mq_data d;

	ck_assert_int_eq(load("broken/missing_column", 1.0, &d), MQ_OK);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_COLUMNS] = 5;
	assert_stats(&d, MQ_F_RATINGS, 7, 2, rej);
	assert_rating(&d, 1, 1, 8, 100);
	assert_rating(&d, 1, 4, 8, 100);	/* ",,," accepted */
	mq_data_release(&d);
}
END_TEST

START_TEST(test_binary)
{
	size_t rej[MQ_REJ_NREASONS];
	struct mq_data d;

	ck_assert_int_eq(load("broken/binary", 1.0, &d), MQ_OK);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_ENCODING] = 7;
	assert_stats(&d, MQ_F_MOVIES, 9, 2, rej);
	assert_film(&d, 1, "Good", 1995, "Drama");
	assert_film(&d, 9, "Ok \xf0\x9f\x8e\xac", 1995, "Drama");
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_ENCODING] = 2;
	assert_stats(&d, MQ_F_RATINGS, 4, 2, rej);
	mq_data_release(&d);
}
END_TEST

START_TEST(test_structural)
{
	struct mq_data d;

	ck_assert_int_eq(load("broken/missing_ratings", 1.0, &d), MQ_EDATA);
	assert_empty(&d);
	ck_assert_int_eq(load("broken/empty", 1.0, &d), MQ_EDATA);
	assert_empty(&d);
	ck_assert_int_eq(load("broken/header_only", 1.0, &d), MQ_EDATA);
	assert_empty(&d);
	ck_assert_int_eq(load("broken/genome_no_tags", 1.0, &d), MQ_EDATA);
	assert_empty(&d);
	ck_assert_int_eq(load("broken/no_such_directory", 1.0, &d),
	    MQ_EDATA);
	assert_empty(&d);
}
END_TEST

START_TEST(test_threshold)
{
	size_t rej[MQ_REJ_NREASONS];
	struct mq_data d;

	/* 3 of 200 rows: 1.5 % */
	ck_assert_int_eq(load("broken/threshold", 0.01, &d), MQ_EDATA);
	assert_empty(&d);
	ck_assert_int_eq(load("broken/threshold", 0.0149, &d), MQ_EDATA);
	assert_empty(&d);
	ck_assert_int_eq(load("broken/threshold", 0.015, &d), MQ_OK);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_RATING] = 1;
	rej[MQ_REJ_TIMESTAMP] = 1;
	rej[MQ_REJ_UNKNOWN_MOVIE] = 1;
	assert_stats(&d, MQ_F_RATINGS, 200, 197, rej);
	ck_assert_uint_eq(d.nusers, 50);
	ck_assert_uint_eq(d.R.nnz, 197);
	mq_data_release(&d);
	/* zero tolerance: a single reject fails the load */
	ck_assert_int_eq(load("broken/syntax", 0.0, &d), MQ_EDATA);
	assert_empty(&d);
}
END_TEST

START_TEST(test_syntax)
{
	size_t rej[MQ_REJ_NREASONS];
	struct mq_data d;

	ck_assert_int_eq(load("broken/syntax", 1.0, &d), MQ_OK);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_SYNTAX] = 3;
	assert_stats(&d, MQ_F_MOVIES, 6, 3, rej);
	/* the rows after the stray quote of line 4 are not lost */
	assert_film(&d, 2, "Jumanji", 1995, "Adventure");
	assert_film(&d, 4, "Casino", 1995, "Crime");
	assert_film(&d, 5, "Seven", 1995, "Crime");
	assert_stats(&d, MQ_F_RATINGS, 3, 3, none);
	mq_data_release(&d);
}
END_TEST

START_TEST(test_genome_and_optional_files)
{
	size_t rej[MQ_REJ_NREASONS];
	struct mq_data d;

	ck_assert_int_eq(load("broken/genome", 1.0, &d), MQ_OK);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_ID] = 1;
	rej[MQ_REJ_DUPLICATE] = 1;
	rej[MQ_REJ_VALUE] = 1;
	assert_stats(&d, MQ_F_GTAGS, 5, 2, rej);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_UNKNOWN_MOVIE] = 1;
	rej[MQ_REJ_UNKNOWN_TAG] = 1;
	rej[MQ_REJ_DUPLICATE] = 1;
	rej[MQ_REJ_VALUE] = 4;		/* 1.5, nan, -0.1, 0x1p-2 */
	assert_stats(&d, MQ_F_GSCORES, 11, 4, rej);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_COLUMNS] = 2;	/* an unquoted newline: two rows */
	rej[MQ_REJ_UNKNOWN_MOVIE] = 1;
	rej[MQ_REJ_VALUE] = 1;
	assert_stats(&d, MQ_F_TAGS, 5, 1, rej);
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_ID] = 1;
	rej[MQ_REJ_UNKNOWN_MOVIE] = 1;
	rej[MQ_REJ_DUPLICATE] = 1;
	assert_stats(&d, MQ_F_LINKS, 5, 2, rej);

	ck_assert_uint_eq(d.ngtags, 2);
	ck_assert_str_eq(d.gtag_name[1], "action");	/* first one kept */
	/* rows: films 1..4, columns: tags 1, 2 */
	ck_assert(d.genome[0] == 0.5f);		/* not the later 0.7 */
	ck_assert(d.genome[1] == 1.0f);
	ck_assert(d.genome[2] == 0.0f);
	ck_assert(isnan(d.genome[3]));
	ck_assert(isnan(d.genome[4]) && isnan(d.genome[5]));
	ck_assert(fabsf(d.genome[6] - 0.001f) < 1e-9f);
	ck_assert(isnan(d.genome[7]));
	ck_assert_uint_eq(d.ntags, 1);
	ck_assert_int_eq(d.imdb_id[0], 114709);
	ck_assert_int_eq(d.imdb_id[1], 0);		/* rejected row */
	memset(rej, 0, sizeof(rej));
	rej[MQ_REJ_DUPLICATE] = 1;
	rej[MQ_REJ_UNKNOWN_MOVIE] = 1;
	rej[MQ_REJ_ENCODING] = 1;
	assert_stats(&d, MQ_F_META, 4, 1, rej);
	ck_assert_str_eq(d.overview[0], "Plot");	/* first one kept */
	ck_assert_ptr_null(d.overview[1]);
	mq_data_release(&d);
}
END_TEST

START_TEST(test_rejects_file)
{
	char path[] = "/tmp/mq_rejectsXXXXXX", want[4096], more[1024], *got;
	struct mq_load_opts o;
	struct mq_data d;
	const char *dir;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	mq_load_opts_init(&o);
	o.max_reject_frac = 1.0;
	o.max_report = 1;	/* stderr gets one line; the file all */
	o.rejects_path = path;
	dir = mq_test_path("broken/duplicate");
	ck_assert_int_eq(mq_data_load(&d, dir, &o), MQ_OK);
	mq_data_release(&d);
	snprintf(want, sizeof(want),
	    "%s/movies.csv:6: duplicate movieId 2; line 3 wins "
	    "(field 'movieId' value '2')\n"
	    "%s/ratings.csv:4: duplicate rating of (user 1, movie 1); "
	    "line 2 wins\n"
	    "%s/ratings.csv:5: duplicate rating of (user 2, movie 3); "
	    "line 6 wins\n"
	    "%s/ratings.csv:7: duplicate rating of (user 3, movie 4); "
	    "line 8 wins\n"
	    "%s/ratings.csv:9: duplicate rating of (user 3, movie 4); "
	    "line 8 wins\n", dir, dir, dir, dir, dir);
	ck_assert_ptr_nonnull(got = fixture_slurp(path, NULL));
	ck_assert_str_eq(got, want);
	free(got);

	/* the file is appended to, and escapes what it quotes */
	dir = mq_test_path("broken/binary");
	ck_assert_int_eq(mq_data_load(&d, dir, &o), MQ_OK);
	mq_data_release(&d);
	ck_assert_ptr_nonnull(got = fixture_slurp(path, NULL));
	ck_assert(strncmp(got, want, strlen(want)) == 0);
	snprintf(more, sizeof(more),
	    "%s/movies.csv:3: NUL byte (field 'title' value "
	    "'Nul\\x00Byte (1995)')\n"
	    "%s/movies.csv:4: title: invalid UTF-8 (field 'title' value "
	    "'Bad \\xff UTF-8 (1995)')\n", dir, dir);
	ck_assert(strncmp(got + strlen(want), more, strlen(more)) == 0);
	ck_assert(strstr(got, "ratings.csv:4: NUL byte (field 'userId' "
	    "value '\\x00\\x00\\x00\\xff\\xfe')\n") != NULL);
	free(got);
	unlink(path);
}
END_TEST

/*
 * A large ratings.csv is parsed in two halves at once (split_min): the
 * result must be the sequential one, field for field, with the same
 * rejects at the same lines.  The set is written here: 4 000 ratings by
 * 300 members, one (member, film) rated in both halves; variant 1 adds a
 * bad rating in the second half (read again in order), variant 2 quotes
 * the rows around the middle (no split), variant 3 opens a quote that no
 * line closes 10 rows before the middle: the row is open where a split
 * would be, so there must be none.
 */
static void
split_write(const char *dir, int variant)
{
	char path[512];
	FILE *f;
	uint32_t k, n = 4000;

	snprintf(path, sizeof(path), "%s/movies.csv", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "movieId,title,genres\n");
	for (k = 1; k <= 50; k++)
		fprintf(f, "%u,Film %u (1990),Drama\n", k, k);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(path, sizeof(path), "%s/ratings.csv", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "userId,movieId,rating,timestamp\n");
	for (k = 0; k < n; k++) {
		uint32_t u = 1 + k % 300, m = 1 + k / 300;
		int quoted = variant == 2 && k > n / 2 - 40 && k < n / 2 + 40;

		if (k == 5 || k == n - 5)	/* the same pair, twice */
			u = 7, m = 40;
		if (variant == 1 && k == n - 900)
			fprintf(f, "%u,%u,7.5,%u\n", u, m, 1000 + k);
		else if (variant == 3 && k == n / 2 - 10)
			fprintf(f, "%u,%u,\"4.0,%u\n", u, m, 1000 + k);
		else if (quoted)
			fprintf(f, "\"%u\",%u,%u.%u,%u\n", u, m, 1 + k % 4,
			    k % 2 ? 5 : 0, 1000 + k);
		else
			fprintf(f, "%u,%u,%u.%u,%u\n", u, m, 1 + k % 4,
			    k % 2 ? 5 : 0, 1000 + k);
	}
	ck_assert_int_eq(fclose(f), 0);
}

/* Remove what split_write() made. */
static void
split_remove(const char *dir)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/movies.csv", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ratings.csv", dir);
	unlink(path);
	rmdir(dir);
}

/* Load dir with split_min; the rejects file's text into *rej. */
static void
split_load(const char *dir, size_t split_min, struct mq_data *d, char **rej)
{
	char path[] = "/tmp/mq_splitrejXXXXXX";
	struct mq_load_opts o;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	mq_load_opts_init(&o);
	o.max_reject_frac = 1.0;
	o.max_report = 0;
	o.quiet = 1;
	o.rejects_path = path;
	o.split_min = split_min;
	ck_assert_int_eq(mq_data_load(d, dir, &o), MQ_OK);
	ck_assert_ptr_nonnull(*rej = fixture_slurp(path, NULL));
	unlink(path);
}

START_TEST(test_split_ratings)
{
	char dir[] = "/tmp/mq_splitXXXXXX", *ra, *rb;
	struct mq_data a, b;
	const size_t want_dup[] = { 1, 1, 1, 1 }, want_parts[] = { 2, 1, 1, 1 };
	int variant = _i;
	size_t nnz;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	split_write(dir, variant);
	split_load(dir, 0, &a, &ra);		/* in one go */
	split_load(dir, 1, &b, &rb);		/* in halves if it can */
	ck_assert_uint_eq(a.stats[MQ_F_RATINGS].parts, 1);
	ck_assert_uint_eq(b.stats[MQ_F_RATINGS].parts, want_parts[variant]);
	ck_assert_uint_eq(b.stats[MQ_F_RATINGS].rejected[MQ_REJ_DUPLICATE],
	    want_dup[variant]);
	ck_assert_uint_eq(b.stats[MQ_F_RATINGS].rejected[MQ_REJ_RATING],
	    variant == 1 ? 1u : 0u);
	ck_assert_uint_eq(b.stats[MQ_F_RATINGS].rejected[MQ_REJ_SYNTAX],
	    variant == 3 ? 1u : 0u);
	ck_assert_str_eq(ra, rb);
	ck_assert_uint_eq(a.stats[MQ_F_RATINGS].rows, 4000);
	ck_assert_uint_eq(b.stats[MQ_F_RATINGS].rows, 4000);
	ck_assert_uint_eq(a.stats[MQ_F_RATINGS].kept,
	    b.stats[MQ_F_RATINGS].kept);
	ck_assert_uint_eq(a.nusers, b.nusers);
	ck_assert_uint_eq(a.nusers, 300);
	ck_assert_mem_eq(a.user_id, b.user_id, a.nusers * sizeof(*a.user_id));
	nnz = a.R.nnz;
	ck_assert_uint_eq(nnz, b.R.nnz);
	ck_assert_mem_eq(a.R.u_off, b.R.u_off, (a.nusers + 1) * sizeof(size_t));
	ck_assert_mem_eq(a.R.u_item, b.R.u_item, nnz * sizeof(uint32_t));
	ck_assert_mem_eq(a.R.u_half, b.R.u_half, nnz);
	ck_assert_mem_eq(a.R.u_ts, b.R.u_ts, nnz * sizeof(int64_t));
	/* the duplicate's lines are the file's: 7 (k = 5) loses to 3997 */
	ck_assert(strstr(rb, "ratings.csv:7: duplicate rating of (user 7, "
	    "movie 40); line 3997 wins\n") != NULL);
	free(ra);
	free(rb);
	mq_data_release(&a);
	mq_data_release(&b);
	split_remove(dir);
}
END_TEST

/*
 * A first half of nothing but blank lines holds no header: the second
 * half, which takes its first row as data, must not be kept, or a wrong
 * header that parses as a rating would be missed.  Both loads fail alike.
 */
START_TEST(test_split_header_in_second_half)
{
	char dir[] = "/tmp/mq_splithXXXXXX", path[600], err[2][1024];
	struct mq_load_opts o;
	struct mq_data d;
	FILE *f;
	int k, fd, saved;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	split_write(dir, 0);
	snprintf(path, sizeof(path), "%s/ratings.csv", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	for (k = 0; k < 4000; k++)
		fputc('\n', f);
	fputs("1,2,3.0,4\n", f);	/* a wrong header, a fine rating */
	for (k = 0; k < 19; k++)
		fprintf(f, "%d,%d,4.0,100\n", 1 + k, 1 + k);
	ck_assert_int_eq(fclose(f), 0);
	for (k = 0; k < 2; k++) {
		mq_load_opts_init(&o);
		o.quiet = 1;
		o.split_min = (size_t)k;
		snprintf(path, sizeof(path), "%s/err", dir);
		fflush(stderr);
		saved = dup(2);
		ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
		    0600), 0);
		dup2(fd, 2);
		close(fd);
		ck_assert_int_eq(mq_data_load(&d, dir, &o), MQ_EDATA);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		ck_assert_ptr_nonnull(f = fopen(path, "r"));
		err[k][fread(err[k], 1, sizeof(err[k]) - 1, f)] = '\0';
		fclose(f);
		unlink(path);
	}
	ck_assert(strstr(err[0], "ratings.csv:4001: wrong header") != NULL);
	ck_assert_str_eq(err[0], err[1]);
	split_remove(dir);
}
END_TEST

START_TEST(test_io_errors)
{
	char dir[] = "/tmp/mq_dataXXXXXX", path[256];
	struct mq_load_opts o;
	struct mq_data d;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/movies.csv", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("movieId,title,genres\n1,A (1999),Drama\n", f);
	fclose(f);
	/* a directory where ratings.csv should be cannot be read */
	snprintf(path, sizeof(path), "%s/ratings.csv", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	mq_load_opts_init(&o);
	ck_assert_int_eq(mq_data_load(&d, dir, &o), MQ_EIO);
	assert_empty(&d);
	rmdir(path);

	/* a rejects file that cannot be created */
	o.rejects_path = "/nonexistent/dir/rejects";
	ck_assert_int_eq(mq_data_load(&d, mq_test_path("tiny"), &o), MQ_EIO);
	assert_empty(&d);

	snprintf(path, sizeof(path), "%s/movies.csv", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* Address space of this process, in bytes (from /proc/self/statm). */
static long
vm_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &pages) != 1)
		pages = -1;
	fclose(f);
	return pages < 0 ? -1 : pages * sysconf(_SC_PAGESIZE);
}

/*
 * Out of memory at every step: cap the address space a little above what
 * the process uses, by growing steps, and load.  Each load must succeed or
 * fail with MQ_ENOMEM (MQ_EIO when stdio itself ran dry) and leave d
 * empty, never crash.  (That the failure paths free everything was checked
 * with glibc's mtrace over the same sweep; mallinfo is too noisy for a
 * test, as malloc keeps bookkeeping after a failed mmap.)  Only in a forked test without AddressSanitizer: the
 * limit would starve the sanitizer, valgrind or the runner itself.
 */
START_TEST(test_out_of_memory)
{
	const char *fork_env = getenv("CK_FORK");
	struct rlimit old, lim;
	struct mq_load_opts o;
	struct mq_data d;
	char path[4096];
	long base, step;
	int rc, nfail = 0, nok = 0;

#if defined(__SANITIZE_ADDRESS__)
	return;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return;
#endif
#endif
	if ((fork_env != NULL && strcmp(fork_env, "no") == 0) ||
	    getrlimit(RLIMIT_AS, &old) != 0 || (base = vm_bytes()) < 0)
		return;
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
	setvbuf(stderr, NULL, _IONBF, 0);
	mq_load_opts_init(&o);
	o.max_reject_frac = 0.2;
	o.max_report = 0;
	snprintf(path, sizeof(path), "%s", mq_test_path("tiny"));
	/* a first load, so that one-time allocations of libc are done */
	ck_assert_int_eq(mq_data_load(&d, path, &o), MQ_OK);
	mq_data_release(&d);
	for (step = 0; step < 160; step++) {
		lim = old;
		lim.rlim_cur = (rlim_t)(base + step * 64 * 1024);
		if (setrlimit(RLIMIT_AS, &lim) != 0)
			ck_abort_msg("setrlimit");
		rc = mq_data_load(&d, path, &o);
		setrlimit(RLIMIT_AS, &old);
		if (rc == MQ_OK) {
			ck_assert_uint_eq(d.R.nnz, 10);
			mq_data_release(&d);
			nok++;
			continue;
		}
		ck_assert_msg(rc == MQ_ENOMEM || rc == MQ_EIO,
		    "rc %d at step %ld", rc, step);
		assert_empty(&d);
		nfail++;
	}
	/* the sweep went from failing to succeeding */
	ck_assert_int_gt(nfail, 0);
	ck_assert_int_gt(nok, 0);
}
END_TEST

/* The real ml-latest-small, or NULL. */
static const char *
real_data(void)
{
	static char buf[4096];
	const char *env = getenv("MQ_SHARED_DATA");
	const char *cand[3];
	size_t i;
	struct stat sb;

	cand[0] = env;
	cand[1] = "../shared/data";
	cand[2] = "/work/shared/data";
	for (i = 0; i < 3; i++) {
		if (cand[i] == NULL)
			continue;
		snprintf(buf, sizeof(buf), "%s/ml-latest-small/ratings.csv",
		    cand[i]);
		if (stat(buf, &sb) == 0) {
			snprintf(buf, sizeof(buf), "%s/ml-latest-small",
			    cand[i]);
			return buf;
		}
		snprintf(buf, sizeof(buf), "%s/ratings.csv", cand[i]);
		if (stat(buf, &sb) == 0) {
			snprintf(buf, sizeof(buf), "%s", cand[i]);
			return buf;
		}
	}
	return NULL;
}

START_TEST(test_real_small)
{
	const char *dir = real_data();
	const struct mq_file_stats *st;
	struct mq_load_opts o;
	struct mq_data d;
	int f, r;

	if (dir == NULL)
		return;		/* not here: nothing to check */
	mq_load_opts_init(&o);
	o.max_report = 0;
	ck_assert_int_eq(mq_data_load(&d, dir, &o), MQ_OK);
	ck_assert_uint_eq(d.nmovies, 9742);
	ck_assert_uint_eq(d.nusers, 610);
	ck_assert_uint_eq(d.R.nnz, 100836);
	ck_assert_uint_eq(d.ntags, 3683);
	ck_assert_uint_eq(d.ngenres, 19);
	ck_assert_ptr_null(d.genome);
	ck_assert_ptr_null(d.overview);
	ck_assert_int_eq(d.stats[MQ_F_META].present, 0);

	/*
	 * The published files load without a reject.  The shared copy has
	 * one extra last line rating a film that does not exist
	 * ("999,999999,5.0,..."): that one reject is legitimate.
	 */
	for (f = 0; f < MQ_F_NFILES; f++) {
		st = &d.stats[f];
		for (r = 0; r < MQ_REJ_NREASONS; r++) {
			if (f == MQ_F_RATINGS && r == MQ_REJ_UNKNOWN_MOVIE)
				ck_assert_uint_le(st->rejected[r], 1);
			else
				ck_assert_msg(st->rejected[r] == 0,
				    "%s: %zu %s", st->name, st->rejected[r],
				    mq_reject_name[r]);
		}
	}
	ck_assert_uint_eq(d.stats[MQ_F_RATINGS].kept, 100836);
	ck_assert(mq_data_user(&d, 999) < 0);

	assert_film(&d, 1, "Toy Story", 1995,
	    "Adventure|Animation|Children|Comedy|Fantasy");
	assert_film(&d, 29, "City of Lost Children, The (Cit\xc3\xa9 des "
	    "enfants perdus, La)", 1995,
	    "Adventure|Drama|Fantasy|Mystery|Sci-Fi");
	assert_film(&d, 27008, "From Dusk Till Dawn 2: Texas Blood Money",
	    1999, "Comedy|Crime|Horror");
	assert_film(&d, 171749, "Death Note: Desu n\xc3\xb4to", 2006, "");
	assert_film(&d, 40697, "Babylon 5", 0, "Sci-Fi");
	ck_assert_int_eq(d.imdb_id[mq_data_movie(&d, 1)], 114709);
	ck_assert_int_eq(d.tmdb_id[mq_data_movie(&d, 1)], 862);
	ck_assert_int_eq(d.tmdb_id[mq_data_movie(&d, 791)], 0);
	ck_assert_uint_eq(d.user_id[0], 1);
	ck_assert_uint_eq(d.user_id[609], 610);
	assert_rating(&d, 1, 1, 8, 964982703);
	mq_data_release(&d);
}
END_TEST

Suite *
data_suite(void)
{
	Suite *s = suite_create("data");
	TCase *tc = tcase_create("loader");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_tiny);
	tcase_add_test(tc, test_tiny_default_threshold);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_bad_rating);
	tcase_add_test(tc, test_bad_id);
	tcase_add_test(tc, test_wrong_header);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_missing_column);
	tcase_add_test(tc, test_binary);
	tcase_add_test(tc, test_structural);
	tcase_add_test(tc, test_threshold);
	tcase_add_test(tc, test_syntax);
	tcase_add_test(tc, test_genome_and_optional_files);
	tcase_add_test(tc, test_rejects_file);
	tcase_add_test(tc, test_io_errors);
	tcase_add_loop_test(tc, test_split_ratings, 0, 4);
	tcase_add_test(tc, test_split_header_in_second_half);
	tcase_add_test(tc, test_real_small);
	tcase_add_test(tc, test_out_of_memory);
	suite_add_tcase(s, tc);
	return s;
}

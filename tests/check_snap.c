/*
 * check_snap.c - binary snapshots of a parsed data set: the same data
 * back, used only while the CSV files are byte for byte the same, and
 * never when damaged.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "fixture.h"
#include "mq_data.h"
#include "mq_err.h"
#include "mq_out.h"
#include "mq_snap.h"
#include "mq_synth.h"

/* A small synthetic set with tags, links, genome and metadata. */
static void
make_set(char *dir)
{
	struct mq_synth_opts o;
	char path[128];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	mq_synth_opts_init(&o);
	ck_assert_int_eq(mq_synth_opts_preset(&o, "small"), MQ_OK);
	o.genome = 1;
	ck_assert_int_eq(mq_synth_write(dir, &o), MQ_OK);
	/* metadata for two films, one with a NULL field */
	snprintf(path, sizeof(path), "%s/metadata.csv", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("movieId,overview,directors,cast\n"
	    "1,\"A film, with a comma\",Ann Lee|Bo Yu,Cy Dee\n"
	    "2,,Di Ro,\n", f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
load_csv(struct mq_data *d, const char *dir)
{
	struct mq_load_opts o;

	mq_load_opts_init(&o);
	o.quiet = 1;
	ck_assert_int_eq(mq_data_load(d, dir, &o), MQ_OK);
}

static void
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

/* Everything a data set holds, compared field by field. */
static void
same_data(const struct mq_data *a, const struct mq_data *b)
{
	const struct mq_matrix *x = &a->R, *y = &b->R;
	size_t i, n;
	int f;

	ck_assert_uint_eq(a->nmovies, b->nmovies);
	ck_assert_uint_eq(a->nusers, b->nusers);
	ck_assert_uint_eq(a->ngenres, b->ngenres);
	ck_assert_uint_eq(a->ntags, b->ntags);
	ck_assert_uint_eq(a->ngtags, b->ngtags);
	n = a->nmovies;
	ck_assert(!memcmp(a->movie_id, b->movie_id, n * sizeof(*a->movie_id)));
	ck_assert(!memcmp(a->year, b->year, n * sizeof(*a->year)));
	ck_assert(!memcmp(a->genres, b->genres, n * sizeof(*a->genres)));
	ck_assert(!memcmp(a->imdb_id, b->imdb_id, n * sizeof(*a->imdb_id)));
	ck_assert(!memcmp(a->tmdb_id, b->tmdb_id, n * sizeof(*a->tmdb_id)));
	ck_assert(!memcmp(a->user_id, b->user_id, a->nusers * sizeof(uint32_t)));
	for (i = 0; i < n; i++) {
		same_str(a->title[i], b->title[i]);
		ck_assert_int_eq(a->overview == NULL, b->overview == NULL);
		if (a->overview) {
			same_str(a->overview[i], b->overview[i]);
			same_str(a->directors[i], b->directors[i]);
			same_str(a->cast[i], b->cast[i]);
		}
	}
	for (i = 0; i < a->ngenres; i++)
		ck_assert_str_eq(a->genre_name[i], b->genre_name[i]);
	ck_assert_uint_eq(x->nnz, y->nnz);
	ck_assert(!memcmp(x->u_off, y->u_off, (x->nusers + 1) * sizeof(size_t)));
	ck_assert(!memcmp(x->u_item, y->u_item, x->nnz * sizeof(uint32_t)));
	ck_assert(!memcmp(x->u_half, y->u_half, x->nnz));
	ck_assert(!memcmp(x->u_ts, y->u_ts, x->nnz * sizeof(int64_t)));
	ck_assert(!memcmp(x->i_off, y->i_off, (x->nitems + 1) * sizeof(size_t)));
	ck_assert(!memcmp(x->i_user, y->i_user, x->nnz * sizeof(uint32_t)));
	ck_assert(!memcmp(x->i_half, y->i_half, x->nnz));
	for (i = 0; i < a->ntags; i++) {
		ck_assert_uint_eq(a->tags[i].user_id, b->tags[i].user_id);
		ck_assert_uint_eq(a->tags[i].item, b->tags[i].item);
		ck_assert_int_eq(a->tags[i].ts, b->tags[i].ts);
		ck_assert_str_eq(a->tags[i].text, b->tags[i].text);
	}
	for (i = 0; i < a->ngtags; i++) {
		ck_assert_uint_eq(a->gtag_id[i], b->gtag_id[i]);
		ck_assert_str_eq(a->gtag_name[i], b->gtag_name[i]);
	}
	ck_assert_int_eq(a->genome == NULL, b->genome == NULL);
	if (a->genome)	/* NaN where absent: compare the bits */
		ck_assert(!memcmp(a->genome, b->genome,
		    n * a->ngtags * sizeof(float)));
	for (f = 0; f < MQ_F_NFILES; f++) {
		ck_assert_str_eq(a->stats[f].name, b->stats[f].name);
		ck_assert_uint_eq(a->stats[f].rows, b->stats[f].rows);
		ck_assert_uint_eq(a->stats[f].kept, b->stats[f].kept);
		ck_assert_int_eq(a->stats[f].present, b->stats[f].present);
	}
}

START_TEST(save_and_load_give_the_same_data)
{
	char dir[] = "/tmp/mq_snap.XXXXXX", path[128];
	struct mq_snap_key k;
	struct mq_data a, b;
	const char *why = "";
	int hit;

	make_set(dir);
	load_csv(&a, dir);
	ck_assert_ptr_nonnull(a.overview);
	ck_assert_ptr_nonnull(a.genome);
	ck_assert_uint_gt(a.ntags, 0);
	snprintf(path, sizeof(path), "%s/data.snap", dir);
	ck_assert_int_eq(mq_snap_key(&k, dir), MQ_OK);
	ck_assert_int_eq(k.f[MQ_F_RATINGS].present, 1);
	ck_assert_int_eq(k.f[MQ_F_META].present, 1);
	ck_assert_int_eq(mq_snap_save(&a, path, &k), MQ_OK);
	ck_assert_int_eq(mq_snap_load(&b, path, &k, &hit, &why), MQ_OK);
	ck_assert_int_eq(hit, 1);
	ck_assert_ptr_null(why);
	same_data(&a, &b);
	mq_data_release(&a);
	mq_data_release(&b);
	ck_assert_int_eq(mq_file_rmtree(dir), MQ_OK);
}
END_TEST

START_TEST(one_changed_byte_makes_it_stale)
{
	char dir[] = "/tmp/mq_snap.XXXXXX", path[128], csv[128];
	struct mq_snap_key k, k2;
	struct mq_data a, b;
	const char *why;
	size_t len;
	char *text, *p;
	FILE *f;
	int hit;

	make_set(dir);
	load_csv(&a, dir);
	snprintf(path, sizeof(path), "%s/data.snap", dir);
	ck_assert_int_eq(mq_snap_key(&k, dir), MQ_OK);
	ck_assert_int_eq(mq_snap_save(&a, path, &k), MQ_OK);
	/* the same size, one rating changed: 4.0 becomes 3.0 */
	snprintf(csv, sizeof(csv), "%s/ratings.csv", dir);
	ck_assert_ptr_nonnull(text = fixture_slurp(csv, &len));
	ck_assert_ptr_nonnull(p = strstr(text, ",4.0,"));
	p[1] = '3';
	ck_assert_ptr_nonnull(f = fopen(csv, "w"));
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	free(text);
	ck_assert_int_eq(mq_snap_key(&k2, dir), MQ_OK);
	ck_assert_uint_eq(k2.f[MQ_F_RATINGS].size, k.f[MQ_F_RATINGS].size);
	ck_assert_int_eq(mq_snap_load(&b, path, &k2, &hit, &why), MQ_OK);
	ck_assert_int_eq(hit, 0);
	ck_assert_str_eq(why, "the CSV files changed");
	ck_assert_uint_eq(b.nmovies, 0);	/* left empty */
	/* a file appearing changes the key too */
	snprintf(csv, sizeof(csv), "%s/links.csv", dir);
	unlink(csv);
	ck_assert_int_eq(mq_snap_key(&k2, dir), MQ_OK);
	ck_assert_int_eq(k2.f[MQ_F_LINKS].present, 0);
	ck_assert_int_eq(mq_snap_load(&b, path, &k2, &hit, &why), MQ_OK);
	ck_assert_int_eq(hit, 0);
	mq_data_release(&a);
	ck_assert_int_eq(mq_file_rmtree(dir), MQ_OK);
}
END_TEST

/* Damage at byte off of the snapshot (XOR), or cut it to off bytes. */
static void
damage(const char *path, long off, int cut)
{
	FILE *f;
	int c;

	if (cut) {
		ck_assert_int_eq(truncate(path, off), 0);
		return;
	}
	ck_assert_ptr_nonnull(f = fopen(path, "r+b"));
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	c = fgetc(f);
	ck_assert_int_ne(c, EOF);
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	fputc(c ^ 0x5a, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(a_damaged_snapshot_is_never_used)
{
	char dir[] = "/tmp/mq_snap.XXXXXX", path[128];
	struct mq_snap_key k;
	struct mq_data a, b;
	struct stat st;
	const char *why;
	int hit, i;

	make_set(dir);
	load_csv(&a, dir);
	snprintf(path, sizeof(path), "%s/data.snap", dir);
	ck_assert_int_eq(mq_snap_key(&k, dir), MQ_OK);
	/* a payload byte, the header's checksum, the format version, the
	   last byte cut, all but the start cut */
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(mq_snap_save(&a, path, &k), MQ_OK);
		ck_assert_int_eq(stat(path, &st), 0);
		if (i == 0)
			damage(path, st.st_size - 1000, 0);
		else if (i == 1)	/* the BLAKE2b is the header's last 32 */
			damage(path, 20 + MQ_F_NFILES * 41 + 8 + 5, 0);
		else if (i == 2)
			damage(path, 8, 0);
		else if (i == 3)
			damage(path, st.st_size - 1, 1);
		else
			damage(path, 30, 1);
		ck_assert_int_eq(mq_snap_load(&b, path, &k, &hit, &why), MQ_OK);
		ck_assert_msg(hit == 0, "damage %d went unnoticed", i);
		ck_assert_ptr_nonnull(why);
		ck_assert_uint_eq(b.nmovies, 0);
	}
	/* no file at all: no hit, no error */
	unlink(path);
	ck_assert_int_eq(mq_snap_load(&b, path, &k, &hit, &why), MQ_OK);
	ck_assert_int_eq(hit, 0);
	ck_assert_str_eq(why, "no snapshot yet");
	mq_data_release(&a);
	ck_assert_int_eq(mq_file_rmtree(dir), MQ_OK);
}
END_TEST

START_TEST(data_with_rejects_get_no_snapshot)
{
	char path[] = "/tmp/mq_snap.XXXXXX";
	struct mq_load_opts o;
	struct mq_snap_key k;
	struct mq_data d;
	char snap[128];

	ck_assert_ptr_nonnull(mkdtemp(path));
	snprintf(snap, sizeof(snap), "%s/data.snap", path);
	mq_load_opts_init(&o);
	o.quiet = 1;
	o.max_report = 0;
	o.max_reject_frac = 0.5;
	ck_assert_int_eq(mq_data_load(&d, mq_test_path("tiny"), &o), MQ_OK);
	ck_assert_int_eq(mq_snap_key(&k, mq_test_path("tiny")), MQ_OK);
	ck_assert_int_eq(mq_snap_save(&d, snap, &k), MQ_EDATA);
	ck_assert_int_eq(access(snap, F_OK), -1);
	mq_data_release(&d);
	ck_assert_int_eq(mq_file_rmtree(path), MQ_OK);
}
END_TEST

START_TEST(data_load_parses_once_then_uses_the_snapshot)
{
	char dir[] = "/tmp/mq_snap.XXXXXX", path[128], hex[65];
	struct mq_snap_info info;
	struct mq_load_opts o;
	struct mq_snap_key k;
	struct mq_data a, b;
	FILE *f;

	make_set(dir);
	snprintf(path, sizeof(path), "%s/data.snap", dir);
	mq_load_opts_init(&o);
	o.quiet = 1;
	ck_assert_int_eq(mq_snap_data_load(&a, dir, path, &o, &info), MQ_OK);
	ck_assert_int_eq(info.hit, 0);
	ck_assert_int_eq(info.saved, 1);
	ck_assert_int_eq(mq_snap_data_load(&b, dir, path, &o, &info), MQ_OK);
	ck_assert_int_eq(info.hit, 1);
	same_data(&a, &b);
	/* the files' sums come along, as the manifest quotes them */
	ck_assert_int_eq(mq_snap_key(&k, dir), MQ_OK);
	mq_snap_key_hex(&k, MQ_F_RATINGS, hex);
	ck_assert_str_eq(b.stats[MQ_F_RATINGS].sha256, hex);
	ck_assert_str_eq(a.stats[MQ_F_RATINGS].sha256, hex);
	ck_assert_str_eq(b.stats[MQ_F_META].sha256, a.stats[MQ_F_META].sha256);
	mq_data_release(&b);
	/* a new rating: parsed again, and the new data are what is loaded */
	snprintf(path, sizeof(path), "%s/ratings.csv", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fprintf(f, "%u,%u,5.0,1700000000\n", a.user_id[0] + 100000,
	    a.movie_id[0]);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(path, sizeof(path), "%s/data.snap", dir);
	ck_assert_int_eq(mq_snap_data_load(&b, dir, path, &o, &info), MQ_OK);
	ck_assert_int_eq(info.hit, 0);
	ck_assert_str_eq(info.why, "the CSV files changed");
	ck_assert_int_eq(info.saved, 1);
	ck_assert_uint_eq(b.nusers, a.nusers + 1);
	ck_assert_uint_eq(b.R.nnz, a.R.nnz + 1);
	mq_data_release(&b);
	ck_assert_int_eq(mq_snap_data_load(&b, dir, path, &o, &info), MQ_OK);
	ck_assert_int_eq(info.hit, 1);
	ck_assert_uint_eq(b.R.nnz, a.R.nnz + 1);
	mq_data_release(&a);
	mq_data_release(&b);
	ck_assert_int_eq(mq_file_rmtree(dir), MQ_OK);
}
END_TEST

Suite *
snap_suite(void)
{
	Suite *s = suite_create("snap");
	TCase *tc = tcase_create("snapshot");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, save_and_load_give_the_same_data);
	tcase_add_test(tc, one_changed_byte_makes_it_stale);
	tcase_add_test(tc, a_damaged_snapshot_is_never_used);
	tcase_add_test(tc, data_with_rejects_get_no_snapshot);
	tcase_add_test(tc, data_load_parses_once_then_uses_the_snapshot);
	suite_add_tcase(s, tc);
	return s;
}

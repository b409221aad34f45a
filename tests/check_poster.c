/*
 * check_poster.c - drawn posters, scaled posters and the canvas: valid,
 * reproducible, small PNGs; hostile titles and inputs fail cleanly.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "mq_buf.h"
#include "fixture.h"
#include "mq_err.h"
#include "mq_out.h"
#include "mq_poster.h"

/*
 * Largest card accepted.  10 000 varied cards measured 1.4 to 4.2 KB
 * (median 2.7 KB); a card is a palette PNG of 60 000 pixels, so 16 KB
 * leaves four times the worst seen and still fails long before a card
 * falls back to RGB (tens of KB).
 */
#define MAX_CARD	(16 * 1024)

static char dir[64];
static struct mq_poster_ctx ctx;

static const char *
tpath(const char *name)
{
	static char buf[2][256];
	static int k;

	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_poster.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(mq_poster_init(&ctx, NULL, NULL, 0, 0), MQ_OK);
}

/* Remove dir and what it holds (files and empty subdirectories). */
static void
teardown(void)
{
	mq_poster_release(&ctx);
	ck_assert_int_eq(mq_file_rmtree(dir), MQ_OK);
}

/* Entries in dir, "." and ".." aside. */
static int
count_entries(const char *path)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d = opendir(path));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Read path back with libpng; its size, or -1 when it is no PNG. */
static int
png_size(const char *path, unsigned *w, unsigned *h)
{
	png_image im;
	void *px;
	int ok;

	memset(&im, 0, sizeof(im));
	im.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&im, path))
		return -1;
	im.format = PNG_FORMAT_RGB;
	if ((px = malloc(PNG_IMAGE_SIZE(im))) == NULL) {
		png_image_free(&im);
		return -1;
	}
	ok = png_image_finish_read(&im, NULL, px, 0, NULL);
	free(px);
	if (!ok)
		return -1;
	*w = im.width;
	*h = im.height;
	return 0;
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == -1 ? -1 : (long)st.st_size;
}

static int
same_bytes(const char *a, const char *b)
{
	char *x, *y;
	size_t nx, ny;
	int same;

	ck_assert_ptr_nonnull(x = fixture_slurp(a, &nx));
	ck_assert_ptr_nonnull(y = fixture_slurp(b, &ny));
	same = nx == ny && memcmp(x, y, nx) == 0;
	free(x);
	free(y);
	return same;
}

/* Draw a card and check it is a 200x300 PNG under MAX_CARD bytes. */
static void
draw_ok(const char *title, int year, const char *const *g, unsigned ng,
    uint32_t id, const char *name)
{
	unsigned w = 0, h = 0;
	long sz;

	ck_assert_int_eq(mq_poster_draw(&ctx, title, year, g, ng, id,
	    tpath(name)), MQ_OK);
	ck_assert_int_eq(png_size(tpath(name), &w, &h), 0);
	ck_assert_uint_eq(w, MQ_POSTER_WIDTH);
	ck_assert_uint_eq(h, MQ_POSTER_HEIGHT);
	sz = file_size(tpath(name));
	ck_assert_int_gt(sz, 0);
	ck_assert_int_lt(sz, MAX_CARD);
}

/*
 * Write a w x h test PNG of the given colour type, bit depth and
 * interlacing, filled with a pattern.
 */
static void
write_input(const char *path, unsigned w, unsigned h, int type, int depth,
    int interlace)
{
	png_structp png;
	png_infop info;
	png_color pal[256];
	png_bytep *rows;
	size_t rb, y, x;
	FILE *f;
	int i;

	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(png);
	info = png_create_info_struct(png);
	ck_assert_ptr_nonnull(info);
	if (setjmp(png_jmpbuf(png)))
		ck_abort_msg("libpng failed writing %s", path);
	png_init_io(png, f);
	png_set_IHDR(png, info, w, h, depth, type, interlace,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (type == PNG_COLOR_TYPE_PALETTE) {
		for (i = 0; i < 256; i++) {
			pal[i].red = (png_byte)i;
			pal[i].green = (png_byte)(255 - i);
			pal[i].blue = (png_byte)(i * 7);
		}
		png_set_PLTE(png, info, pal, 1 << depth);
	}
	png_write_info(png, info);
	rb = png_get_rowbytes(png, info);
	ck_assert_ptr_nonnull(rows = calloc(h, sizeof(*rows)));
	for (y = 0; y < h; y++) {
		ck_assert_ptr_nonnull(rows[y] = malloc(rb));
		for (x = 0; x < rb; x++)
			rows[y][x] = (png_byte)(x * 7 + y * 3);
	}
	png_write_image(png, rows);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	for (y = 0; y < h; y++)
		free(rows[y]);
	free(rows);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(card_is_valid_png)
{
	static const char *const g[] = { "Adventure", "Animation",
	    "Children", "Comedy", "Fantasy" };

	draw_ok("Toy Story", 1995, g, 5, 1, "toy.png");
	/* only the card is left: no temporary file */
	ck_assert_int_eq(count_entries(dir), 1);
}
END_TEST

START_TEST(card_is_deterministic)
{
	static const char *const g[] = { "Comedy", "Romance" };
	static const char *t = "Am\xc3\xa9lie (Fabuleux destin d'Am\xc3\xa9lie "
	    "Poulain, Le)";
	struct mq_poster_ctx other;

	draw_ok(t, 2001, g, 2, 4973, "a.png");
	draw_ok("Something else", 1990, g, 1, 7, "between.png");
	draw_ok(t, 2001, g, 2, 4973, "b.png");
	ck_assert(same_bytes(tpath("a.png"), tpath("b.png")));
	/* a fresh context (cold glyph cache) gives the same bytes */
	ck_assert_int_eq(mq_poster_init(&other, NULL, NULL, 0, 0), MQ_OK);
	ck_assert_int_eq(mq_poster_draw(&other, t, 2001, g, 2, 4973,
	    tpath("c.png")), MQ_OK);
	mq_poster_release(&other);
	ck_assert(same_bytes(tpath("a.png"), tpath("c.png")));
	/* drawing over an existing file replaces it */
	ck_assert_int_eq(mq_poster_draw(&ctx, t, 2001, g, 2, 4973,
	    tpath("c.png")), MQ_OK);
	ck_assert(same_bytes(tpath("a.png"), tpath("c.png")));
}
END_TEST

/* Drawn without a path, the card left in ctx encodes to the file's bytes;
   and so for a scaled one. */
START_TEST(card_in_memory)
{
	static const char *const g[] = { "Western" };
	struct mq_buf b = MQ_BUF_INIT;
	char *x;
	size_t nx;

	draw_ok("Unforgiven", 1992, g, 1, 1266, "a.png");
	draw_ok("Something else", 1990, g, 1, 7, "between.png");
	ck_assert_int_eq(mq_poster_draw(&ctx, "Unforgiven", 1992, g, 1, 1266,
	    NULL), MQ_OK);
	ck_assert_int_eq(mq_canvas_png(&ctx.card, "card", &b), MQ_OK);
	ck_assert_ptr_nonnull(x = fixture_slurp(tpath("a.png"), &nx));
	ck_assert_uint_eq(b.len, nx);
	ck_assert_mem_eq(b.s, x, nx);
	free(x);
	ck_assert_int_eq(mq_poster_scale(&ctx, tpath("a.png"), tpath("s.png")),
	    MQ_OK);
	ck_assert_int_eq(mq_poster_draw(&ctx, "Other", 2000, g, 1, 2, NULL),
	    MQ_OK);
	ck_assert_int_eq(mq_poster_scale(&ctx, tpath("a.png"), NULL), MQ_OK);
	ck_assert_int_eq(mq_canvas_png(&ctx.card, "card", &b), MQ_OK);
	ck_assert_ptr_nonnull(x = fixture_slurp(tpath("s.png"), &nx));
	ck_assert_uint_eq(b.len, nx);
	ck_assert_mem_eq(b.s, x, nx);
	free(x);
	mq_buf_release(&b);
}
END_TEST

START_TEST(deterministic_across_cache_flush)
{
	static const char *const g[] = { "Crime", "Drama" };
	char t[2048], *p;
	uint32_t cp;
	unsigned k;

	draw_ok("Godfather, The", 1972, g, 2, 858, "a.png");
	/* titles of many distinct letters, at every size: the cache fills */
	for (k = 0; k < 4; k++) {
		p = t;
		for (cp = 0x100 + k * 0x60; cp < 0x100 + (k + 1) * 0x60; cp++) {
			*p++ = (char)(0xc0 | cp >> 6);
			*p++ = (char)(0x80 | (cp & 0x3f));
			if (cp % 7 == 0)
				*p++ = ' ';
		}
		*p = '\0';
		draw_ok(t, 2000, g, 1, k, "filler.png");
	}
	draw_ok("Godfather, The", 1972, g, 2, 858, "b.png");
	ck_assert(same_bytes(tpath("a.png"), tpath("b.png")));
}
END_TEST

START_TEST(films_differ)
{
	static const char *const g[] = { "Drama" };

	draw_ok("Heat", 1995, g, 1, 6, "a.png");
	draw_ok("Heat", 1995, g, 1, 7, "b.png");	/* other movieId */
	draw_ok("Hear", 1995, g, 1, 6, "c.png");	/* other title */
	draw_ok("Heat", 1996, g, 1, 6, "d.png");	/* other year */
	ck_assert(!same_bytes(tpath("a.png"), tpath("b.png")));
	ck_assert(!same_bytes(tpath("a.png"), tpath("c.png")));
	ck_assert(!same_bytes(tpath("a.png"), tpath("d.png")));
}
END_TEST

START_TEST(every_genre_small)
{
	static const char *const g[] = { "Action", "Adventure", "Animation",
	    "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
	    "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance",
	    "Sci-Fi", "Thriller", "War", "Western", "(no genres listed)",
	    "Made-Up Genre" };
	char name[32];
	unsigned i;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		snprintf(name, sizeof(name), "g%u.png", i);
		draw_ok("Dr. Strangelove or: How I Learned to Stop Worrying "
		    "and Love the Bomb", 1964, g + i, 1, 750 + i * 977, name);
	}
	/* every genre at once wraps to two lines and is cut */
	draw_ok("All of them", 2000, g, sizeof(g) / sizeof(g[0]), 3,
	    "all.png");
}
END_TEST

START_TEST(hostile_titles)
{
	static const char *const g[] = { "Horror" };
	static const char *const titles[] = {
		"",
		"   ",
		"\t\n\r",
		"()",
		"(",
		")))",
		", The",
		"\xe4\xb8\x83\xe4\xba\xba\xe3\x81\xae\xe4\xbe\x8d "
		    "(Shichinin no samurai)",
		"\xe4\xb8\x83\xe4\xba\xba\xe3\x81\xae\xe4\xbe\x8d",
		"\xff\xfe\xc3(\xe2\x82 bad \xed\xa0\x80 UTF-8 \xf4\x90\x80\x80",
		"\xf0\x9f\x8e\xac \xf0\x9f\x8d\xbf Emoji",
		"Supercalifragilisticexpialidociousandthensomemorelettersthatdo"
		    "notfitanywhereatall",
		"A (B (C (D)))",
	};
	char name[32], longt[4096];
	unsigned i;

	for (i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
		snprintf(name, sizeof(name), "t%u.png", i);
		draw_ok(titles[i], i % 2 ? 0 : 1990, g, i % 2, i, name);
	}
	/* a very long title: many words, then one endless word */
	longt[0] = '\0';
	for (i = 0; i < 150; i++)
		strcat(longt, "Return of the ");
	i = (unsigned)strlen(longt);
	memset(longt + i, 'x', 1500);
	longt[i + 1500] = '\0';
	draw_ok(longt, 1992, g, 1, 99999, "long.png");
	draw_ok(longt + 1400, -5, NULL, 0, 0, "long2.png");
}
END_TEST

START_TEST(other_card_sizes)
{
	struct mq_poster_ctx big;
	static const char *const g[] = { "Western" };
	unsigned w, h;

	ck_assert_int_eq(mq_poster_init(&big, NULL, NULL, 400, 600), MQ_OK);
	ck_assert_int_eq(mq_poster_draw(&big, "Good, the Bad and the Ugly, "
	    "The (Buono, il brutto, il cattivo, Il)", 1966, g, 1, 1201,
	    tpath("big.png")), MQ_OK);
	ck_assert_int_eq(png_size(tpath("big.png"), &w, &h), 0);
	ck_assert_uint_eq(w, 400);
	ck_assert_uint_eq(h, 600);
	mq_poster_release(&big);
	mq_poster_release(NULL);
	ck_assert_int_eq(mq_poster_init(&big, NULL, NULL, 10, 300),
	    MQ_EUSAGE);
}
END_TEST

START_TEST(missing_font)
{
	struct mq_poster_ctx c;

	ck_assert_int_eq(mq_poster_init(&c, "/nonexistent/font.ttf", NULL,
	    0, 0), MQ_EIO);
	ck_assert_ptr_null(c.ft);
	/* a file that is not a font */
	write_input(tpath("x.png"), 4, 4, PNG_COLOR_TYPE_GRAY, 8, 0);
	ck_assert_int_eq(mq_poster_init(&c, NULL, tpath("x.png"), 0, 0),
	    MQ_EIO);
}
END_TEST

START_TEST(scale_inputs)
{
	static const struct {
		unsigned w, h;
		int type, depth, interlace;
	} in[] = {
		{ 800, 1200, PNG_COLOR_TYPE_RGB_ALPHA, 8, 0 },
		{ 100, 50, PNG_COLOR_TYPE_GRAY, 8, 0 },
		{ 37, 1000, PNG_COLOR_TYPE_GRAY, 1, 0 },
		{ 640, 480, PNG_COLOR_TYPE_RGB, 16, 1 },
		{ 150, 220, PNG_COLOR_TYPE_PALETTE, 4, 0 },
		{ 1, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0 },
		{ 200, 300, PNG_COLOR_TYPE_PALETTE, 8, 1 },
	};
	unsigned i, w, h;
	char src[32], dst[32];

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		snprintf(src, sizeof(src), "in%u.png", i);
		snprintf(dst, sizeof(dst), "out%u.png", i);
		write_input(tpath(src), in[i].w, in[i].h, in[i].type,
		    in[i].depth, in[i].interlace);
		ck_assert_int_eq(mq_poster_scale(&ctx, tpath(src), tpath(dst)),
		    MQ_OK);
		ck_assert_int_eq(png_size(tpath(dst), &w, &h), 0);
		ck_assert_uint_eq(w, MQ_POSTER_WIDTH);
		ck_assert_uint_eq(h, MQ_POSTER_HEIGHT);
	}
	ck_assert_int_eq(count_entries(dir), 2 * i);
}
END_TEST

START_TEST(scale_keeps_a_flat_colour)
{
	/* a uniform image stays uniform through the filter */
	struct mq_canvas cv;
	static const uint8_t teal[3] = { 0x1f, 0x6f, 0x5c };
	png_image im;
	uint8_t *px;
	size_t i;

	ck_assert_int_eq(mq_canvas_init(&cv, 333, 777), MQ_OK);
	mq_canvas_rect(&cv, -5, -5, 1000, 1000, teal);
	ck_assert_int_eq(mq_canvas_write_png(&cv, tpath("flat.png")), MQ_OK);
	mq_canvas_release(&cv);
	mq_canvas_release(NULL);
	ck_assert_int_eq(mq_poster_scale(&ctx, tpath("flat.png"),
	    tpath("card.png")), MQ_OK);
	memset(&im, 0, sizeof(im));
	im.version = PNG_IMAGE_VERSION;
	ck_assert(png_image_begin_read_from_file(&im, tpath("card.png")));
	im.format = PNG_FORMAT_RGB;
	ck_assert_ptr_nonnull(px = malloc(PNG_IMAGE_SIZE(im)));
	ck_assert(png_image_finish_read(&im, NULL, px, 0, NULL));
	for (i = 0; i < (size_t)im.width * im.height * 3; i++)
		ck_assert_uint_eq(px[i], teal[i % 3]);
	free(px);
	/* one colour: a 1-bit palette PNG of a few hundred bytes */
	ck_assert_int_lt(file_size(tpath("card.png")), 400);
}
END_TEST

START_TEST(scale_rejects_corrupt_input)
{
	static const char junk[] = "this is not a PNG at all";
	unsigned char *b;
	size_t n;
	FILE *f;

	/* not a PNG */
	ck_assert_ptr_nonnull(f = fopen(tpath("junk.png"), "wb"));
	fwrite(junk, 1, sizeof(junk), f);
	fclose(f);
	ck_assert_int_eq(mq_poster_scale(&ctx, tpath("junk.png"),
	    tpath("out.png")), MQ_EDATA);
	/* a real PNG cut in half, then one with a damaged IDAT */
	write_input(tpath("good.png"), 300, 300, PNG_COLOR_TYPE_RGB, 8, 0);
	ck_assert_ptr_nonnull(b = (unsigned char *)fixture_slurp(
	    tpath("good.png"), &n));
	ck_assert_uint_gt(n, 0);
	ck_assert_ptr_nonnull(f = fopen(tpath("half.png"), "wb"));
	fwrite(b, 1, n / 2, f);
	fclose(f);
	ck_assert_int_eq(mq_poster_scale(&ctx, tpath("half.png"),
	    tpath("out.png")), MQ_EDATA);
	memset(b + n / 2, 0x55, 64);
	ck_assert_ptr_nonnull(f = fopen(tpath("bad.png"), "wb"));
	fwrite(b, 1, n, f);
	fclose(f);
	free(b);
	ck_assert_int_eq(mq_poster_scale(&ctx, tpath("bad.png"),
	    tpath("out.png")), MQ_EDATA);
	/* empty file; missing file */
	ck_assert_ptr_nonnull(f = fopen(tpath("empty.png"), "wb"));
	fclose(f);
	ck_assert_int_eq(mq_poster_scale(&ctx, tpath("empty.png"),
	    tpath("out.png")), MQ_EDATA);
	ck_assert_int_eq(mq_poster_scale(&ctx, tpath("none.png"),
	    tpath("out.png")), MQ_EIO);
	/* no output, no temporary file */
	ck_assert_int_eq(file_size(tpath("out.png")), -1);
	ck_assert_int_eq(count_entries(dir), 5);
}
END_TEST

START_TEST(unwritable_output)
{
	static const char *const g[] = { "War" };

	/* directory missing: the temporary file cannot even be made */
	ck_assert_int_eq(mq_poster_draw(&ctx, "Ran", 1985, g, 1, 1,
	    tpath("nodir/ran.png")), MQ_EIO);
	/* target is a directory: the rename fails, the temporary goes */
	ck_assert_int_eq(mkdir(tpath("sub"), 0755), 0);
	ck_assert_int_eq(mq_poster_draw(&ctx, "Ran", 1985, g, 1, 1,
	    tpath("sub")), MQ_EIO);
	write_input(tpath("in.png"), 10, 10, PNG_COLOR_TYPE_RGB, 8, 0);
	ck_assert_int_eq(mq_poster_scale(&ctx, tpath("in.png"),
	    tpath("sub")), MQ_EIO);
	ck_assert_int_eq(count_entries(dir), 2);
	ck_assert_int_eq(count_entries(tpath("sub")), 0);
}
END_TEST

START_TEST(canvas_text)
{
	static const uint8_t white[3] = { 255, 255, 255 };
	struct mq_canvas cv;
	size_t i, lit = 0;
	int w1, w2;

	ck_assert_int_eq(mq_canvas_text_width(&ctx, 12, 0, ""), 0);
	w1 = mq_canvas_text_width(&ctx, 12, 0, "Hello");
	w2 = mq_canvas_text_width(&ctx, 24, 1, "Hello");
	ck_assert_int_gt(w1, 10);
	ck_assert_int_gt(w2, w1);
	ck_assert_int_eq(mq_canvas_text_width(&ctx, 2, 0, "x"), -1);
	ck_assert_int_eq(mq_canvas_init(&cv, 50, 20), MQ_OK);
	/* partly and wholly off the canvas: clipped, no crash */
	ck_assert_int_eq(mq_canvas_text(&ctx, &cv, -20, 10, 16, 1, white,
	    "Clipped text"), mq_canvas_text_width(&ctx, 16, 1,
	    "Clipped text"));
	ck_assert_int_ge(mq_canvas_text(&ctx, &cv, 5000, -5000, 16, 0, white,
	    "far"), 0);
	for (i = 0; i < 50 * 20 * 3; i++)
		lit += cv.rgb[i] != 0;
	ck_assert_uint_gt(lit, 0);
	ck_assert_int_eq(mq_canvas_write_png(&cv, tpath("text.png")), MQ_OK);
	mq_canvas_release(&cv);
	ck_assert_int_eq(mq_canvas_init(&cv, 0, 5), MQ_ENOMEM);
}
END_TEST

START_TEST(many_colours_write_rgb)
{
	struct mq_canvas cv;
	unsigned x, y, w, h;

	ck_assert_int_eq(mq_canvas_init(&cv, 64, 64), MQ_OK);
	for (y = 0; y < 64; y++)
		for (x = 0; x < 64; x++) {
			cv.rgb[(y * 64 + x) * 3] = (uint8_t)(x * 4);
			cv.rgb[(y * 64 + x) * 3 + 1] = (uint8_t)(y * 4);
			cv.rgb[(y * 64 + x) * 3 + 2] = 7;
		}
	ck_assert_int_eq(mq_canvas_write_png(&cv, tpath("rgb.png")), MQ_OK);
	mq_canvas_release(&cv);
	ck_assert_int_eq(png_size(tpath("rgb.png"), &w, &h), 0);
	ck_assert_uint_eq(w, 64);
	ck_assert_uint_eq(h, 64);
}
END_TEST

Suite *
poster_suite(void)
{
	Suite *s = suite_create("poster");
	TCase *tc = tcase_create("poster");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, card_is_valid_png);
	tcase_add_test(tc, card_is_deterministic);
	tcase_add_test(tc, card_in_memory);
	tcase_add_test(tc, deterministic_across_cache_flush);
	tcase_add_test(tc, films_differ);
	tcase_add_test(tc, every_genre_small);
	tcase_add_test(tc, hostile_titles);
	tcase_add_test(tc, other_card_sizes);
	tcase_add_test(tc, missing_font);
	tcase_add_test(tc, scale_inputs);
	tcase_add_test(tc, scale_keeps_a_flat_colour);
	tcase_add_test(tc, scale_rejects_corrupt_input);
	tcase_add_test(tc, unwritable_output);
	tcase_add_test(tc, canvas_text);
	tcase_add_test(tc, many_colours_write_rgb);
	suite_add_tcase(s, tc);
	return s;
}

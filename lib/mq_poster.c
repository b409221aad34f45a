/*
 * mq_poster.c - film posters drawn from genres and titles, supplied
 * posters scaled to the card size, and the canvas primitives (rectangles,
 * anti-aliased text with FreeType, atomic PNG output with libpng) they are
 * built from.  The contract of each public function is in mq_poster.h.
 */
#include <sys/stat.h>

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include <png.h>

#include "mq_err.h"
#include "mq_buf.h"
#include "mq_esc.h"
#include "mq_file.h"
#include "mq_poster.h"
#include "mq_rng.h"

#define GCACHE_SLOTS	4096	/* glyph cache slots, a power of two */
#define GCACHE_MAX	3072	/* entries before the cache is emptied */
#define AA_LEVELS	15	/* coverage levels above zero */
#define MAX_SIDE	20000	/* largest side of a supplied PNG */
#define MAX_PIXELS	50000000UL /* largest area of a supplied PNG */
#define MAX_LINES	64	/* lines considered when wrapping */

/*
 * zlib level of every PNG.  Measured on 2 000 cards: level 9 makes them
 * 9 % smaller (median 2.4 KB against 2.7 KB) but takes 4.8 ms a card
 * against 1 ms, as long runs of one colour make its match search crawl.
 */
#define ZLEVEL		6

/* One rendered glyph: key (bold, px, cp), metrics, coverage 0..AA_LEVELS. */
struct mq_glyph {
	uint32_t cp;
	uint16_t px;		/* 0: empty slot */
	uint8_t bold;
	uint32_t gi;		/* glyph index, for kerning */
	int32_t adv;		/* advance, 26.6 */
	int16_t left, top;	/* bitmap origin relative to the pen */
	uint16_t w, rows;
	size_t off;		/* bitmap in c->gbits */
};

/*
 * Genres and their palettes.  A card uses the palette of its most
 * distinctive genre (prio[] below) and takes the second motif colour from
 * its next genre, so "Comedy|War" and "Comedy|Romance" differ.
 */
enum { P_BG, P_M1, P_M2, P_PANEL, P_INK, P_ACCENT, P_N };

static const char *const genre_names[] = {
	"Action", "Adventure", "Animation", "Children", "Comedy", "Crime",
	"Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "IMAX",
	"Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War",
	"Western"
};
#define NGENRE	(sizeof(genre_names) / sizeof(genre_names[0]))

static const uint32_t palettes[NGENRE + 1][P_N] = {
	/* bg        m1        m2        panel     ink       accent */
	{ 0xb3261e, 0xf28c28, 0x2b1b17, 0x1c1c1c, 0xffffff, 0xf2c14e }, /* Action */
	{ 0x1f6f5c, 0xe9c46a, 0xf4a261, 0xfdf6e3, 0x1b3a34, 0xc4572d }, /* Adventure */
	{ 0x6a3fc1, 0xffd23f, 0xee4266, 0xffffff, 0x2e1a5e, 0xee4266 }, /* Animation */
	{ 0x4cc9f0, 0xffe066, 0xf25f5c, 0xffffff, 0x1d3557, 0xf25f5c }, /* Children */
	{ 0xffc93c, 0xff6f3c, 0xfff3d6, 0x2d2a26, 0xffc93c, 0xffffff }, /* Comedy */
	{ 0x2b2d42, 0x8d99ae, 0xd90429, 0xedf2f4, 0x2b2d42, 0xd90429 }, /* Crime */
	{ 0xe8e4da, 0x9a958a, 0x2f2f2f, 0x1f1f1f, 0xffffff, 0xe0b040 }, /* Documentary */
	{ 0x22313f, 0x7b2c3b, 0xc9a66b, 0xf3eee7, 0x22313f, 0x7b2c3b }, /* Drama */
	{ 0x3c1a5b, 0xd4af37, 0x7d4fa0, 0xfff8e7, 0x3c1a5b, 0xa07c1a }, /* Fantasy */
	{ 0x111111, 0xe8e8e8, 0x555555, 0xe8e8e8, 0x111111, 0x666666 }, /* Film-Noir */
	{ 0x0b0b0b, 0x8a0303, 0x3a0a0a, 0x140000, 0xf2e6e6, 0xe02020 }, /* Horror */
	{ 0x003049, 0x00b4d8, 0x90e0ef, 0xffffff, 0x003049, 0x0077b6 }, /* IMAX */
	{ 0xc2185b, 0xffd54f, 0x7b1fa2, 0xfff3f8, 0x6a0f3a, 0xc2185b }, /* Musical */
	{ 0x283845, 0x4e6e81, 0xf9dbbd, 0xf9dbbd, 0x283845, 0xa23e48 }, /* Mystery */
	{ 0xf7b2bd, 0xe05780, 0xfff0f3, 0xffffff, 0x7a1f3d, 0xe05780 }, /* Romance */
	{ 0x0b132b, 0x3a506b, 0x5bc0be, 0x1c2541, 0xffffff, 0x5bc0be }, /* Sci-Fi */
	{ 0x1e1e24, 0xf26419, 0x4a4a57, 0xf6f6f6, 0x1e1e24, 0xf26419 }, /* Thriller */
	{ 0x4b5320, 0xc2b280, 0x2f3316, 0xe8e0c8, 0x2f3316, 0x8b3a1a }, /* War */
	{ 0xa0522d, 0xe3b778, 0x5c2e14, 0xf5e6c8, 0x5c2e14, 0xa0522d }, /* Western */
	{ 0x5c6770, 0xa9b4bc, 0x39424a, 0xf0f0f0, 0x2a2f33, 0x5c6770 }, /* none */
};

/* Most distinctive first: a Horror|Comedy card looks like a Horror one. */
static const unsigned char prio[NGENRE] = {
	9, 10, 6, 18, 17, 2, 12, 15, 3, 8, 5, 13, 16, 14, 4, 0, 1, 7, 11
};

/* Articles MovieLens moves to the end of a title ("Matrix, The"). */
static const char *const articles[] = {
	"The", "A", "An", "Le", "La", "Les", "L'", "Il", "Lo", "Gli", "El",
	"Los", "Las", "Der", "Die", "Das", "Den", "Det", "De", "Het", "Een",
	"O", "Os", "Um", "Uma", "Un", "Une", "Ein", "Eine"
};

/* ---------------------------------------------------------------- text */

/*
 * Decode utf8 into c->cp, keeping room for as many code points again
 * (the title composition writes after the decoded text).  Control
 * characters become spaces.  Returns the count, or -1 (out of memory).
 */
static long
decode(struct mq_poster_ctx *c, const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t len = strlen(utf8), n = 0, need = 2 * len + 64, i, k;
	uint32_t cp;
	void *p;

	if (need > c->cp_cap) {
		if ((p = mq_reallocarray(c->cp, need, sizeof(uint32_t))) == NULL)
			return -1;
		c->cp = p;
		c->cp_cap = need;
	}
	for (i = 0; i < len; i += k) {
		/* a malformed sequence gives U+FFFD and uses one byte */
		if ((k = mq_utf8_next(s + i, len - i, &cp)) == 0) {
			cp = 0xfffd;
			k = 1;
		}
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			cp = ' ';
		c->cp[n++] = cp;
	}
	return (long)n;
}

static size_t
glyph_hash(uint32_t cp, unsigned px, int bold)
{
	uint32_t h = cp * 0x9e3779b1u ^ (px * 2u + (unsigned)bold) * 0x85ebca77u;

	h ^= h >> 15;
	return h & (GCACHE_SLOTS - 1);
}

/* Forget every cached glyph. */
static void
glyph_flush(struct mq_poster_ctx *c)
{
	memset(c->glyph, 0, GCACHE_SLOTS * sizeof(c->glyph[0]));
	c->nglyph = 0;
	c->gbits_len = 0;
}

/*
 * The glyph of cp at px pixels in the bold or regular face, rendered and
 * cached on first use.  A code point the font lacks shows its .notdef box;
 * a glyph FreeType cannot render is kept as an empty advance.  Returns
 * NULL only when out of memory.
 */
static const struct mq_glyph *
glyph_get(struct mq_poster_ctx *c, unsigned px, int bold, uint32_t cp)
{
	struct mq_glyph *g;
	FT_Face face = c->face[bold];
	FT_Bitmap *bm;
	size_t i, need, r, x;
	void *p;

	for (i = glyph_hash(cp, px, bold); c->glyph[i].px != 0;
	    i = (i + 1) & (GCACHE_SLOTS - 1)) {
		g = &c->glyph[i];
		if (g->cp == cp && g->px == px && g->bold == bold)
			return g;
	}
	if (c->nglyph >= GCACHE_MAX) {
		glyph_flush(c);
		i = glyph_hash(cp, px, bold);
	}
	if (c->face_px[bold] != px) {
		if (FT_Set_Pixel_Sizes(face, 0, px) != 0)
			return NULL;
		c->face_px[bold] = px;
	}
	g = &c->glyph[i];
	memset(g, 0, sizeof(*g));
	g->cp = cp;
	g->px = (uint16_t)px;
	g->bold = (uint8_t)bold;
	g->gi = FT_Get_Char_Index(face, cp);
	g->off = c->gbits_len;
	if (FT_Load_Glyph(face, g->gi, FT_LOAD_RENDER |
	    FT_LOAD_TARGET_LIGHT) != 0 ||
	    face->glyph->bitmap.pixel_mode != FT_PIXEL_MODE_GRAY) {
		g->adv = (int32_t)px * 32;
		c->nglyph++;
		return g;
	}
	bm = &face->glyph->bitmap;
	g->adv = (int32_t)face->glyph->advance.x;
	g->left = (int16_t)face->glyph->bitmap_left;
	g->top = (int16_t)face->glyph->bitmap_top;
	g->w = (uint16_t)bm->width;
	g->rows = (uint16_t)bm->rows;
	need = c->gbits_len + (size_t)g->w * g->rows;
	if (need > c->gbits_cap) {
		size_t cap = c->gbits_cap ? c->gbits_cap * 2 : 65536;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(c->gbits, cap)) == NULL) {
			g->px = 0;
			return NULL;
		}
		c->gbits = p;
		c->gbits_cap = cap;
	}
	for (r = 0; r < g->rows; r++) {
		const unsigned char *src = bm->buffer + (long)r * bm->pitch;
		uint8_t *dst = c->gbits + g->off + r * g->w;

		for (x = 0; x < g->w; x++)
			dst[x] = (uint8_t)((src[x] * AA_LEVELS + 127) / 255);
	}
	c->gbits_len = need;
	c->nglyph++;
	return g;
}

/*
 * Kerning in 26.6 between glyph index a and glyph b, 0 when the face has
 * none.  The caller keeps a's index, not a's cache entry, which a cache
 * flush may have recycled.
 */
static long
kern(struct mq_poster_ctx *c, int bold, uint32_t a, const struct mq_glyph *b)
{
	FT_Face face = c->face[bold];
	FT_Vector v;

	if (!FT_HAS_KERNING(face) || a == 0 || b->gi == 0)
		return 0;
	if (c->face_px[bold] != b->px) {
		if (FT_Set_Pixel_Sizes(face, 0, b->px) != 0)
			return 0;
		c->face_px[bold] = b->px;
	}
	if (FT_Get_Kerning(face, a, b->gi, FT_KERNING_DEFAULT, &v) != 0)
		return 0;
	return v.x;
}

/* Blend glyph g with its pen at (x, y) into cv in colour rgb. */
static void
blit(const struct mq_poster_ctx *c, struct mq_canvas *cv,
    const struct mq_glyph *g, int x, int y, const uint8_t rgb[3])
{
	const uint8_t *bits = c->gbits + g->off;
	int x0 = x + g->left, y0 = y - g->top, gx, gy, k;
	unsigned a;
	uint8_t *p;

	for (gy = 0; gy < g->rows; gy++) {
		if (y0 + gy < 0 || y0 + gy >= (int)cv->h)
			continue;
		for (gx = 0; gx < g->w; gx++) {
			if (x0 + gx < 0 || x0 + gx >= (int)cv->w)
				continue;
			if ((a = bits[gy * g->w + gx]) == 0)
				continue;
			p = cv->rgb + ((size_t)(y0 + gy) * cv->w + x0 + gx) * 3;
			for (k = 0; k < 3; k++)
				p[k] = (uint8_t)((p[k] * (AA_LEVELS - a) +
				    rgb[k] * a + AA_LEVELS / 2) / AA_LEVELS);
		}
	}
}

/*
 * Lay out cp[0..n-1] from pen x on baseline y; draw it when cv is not
 * NULL.  Returns the advance in pixels, or -1 when out of memory.
 */
static long
run(struct mq_poster_ctx *c, struct mq_canvas *cv, int x, int y,
    unsigned px, int bold, const uint8_t *rgb, const uint32_t *cp, size_t n)
{
	const struct mq_glyph *g;
	uint32_t prev = 0;
	long pen = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((g = glyph_get(c, px, bold, cp[i])) == NULL)
			return -1;
		pen += kern(c, bold, prev, g);
		if (cv != NULL && g->w > 0)
			blit(c, cv, g, x + (int)((pen + 32) >> 6), y, rgb);
		pen += g->adv;
		prev = g->gi;
	}
	return (pen + 32) >> 6;
}

static int
text_common(struct mq_poster_ctx *c, struct mq_canvas *cv, int x, int y,
    unsigned px, int bold, const uint8_t *rgb, const char *utf8)
{
	long n, w;

	if (px < 4 || px > 512)
		return -1;
	if ((n = decode(c, utf8)) < 0)
		return -1;
	w = run(c, cv, x, y, px, bold ? 1 : 0, rgb, c->cp, (size_t)n);
	return w > INT32_MAX ? INT32_MAX : (int)w;
}

int
mq_canvas_text(struct mq_poster_ctx *c, struct mq_canvas *cv, int x, int y,
    unsigned px_size, int bold, const uint8_t rgb[3], const char *utf8)
{
	return text_common(c, cv, x, y, px_size, bold, rgb, utf8);
}

int
mq_canvas_text_width(struct mq_poster_ctx *c, unsigned px_size, int bold,
    const char *utf8)
{
	return text_common(c, NULL, 0, 0, px_size, bold, NULL, utf8);
}

/* -------------------------------------------------------------- canvas */

int
mq_canvas_init(struct mq_canvas *cv, unsigned w, unsigned h)
{
	cv->w = cv->h = 0;
	if (w == 0 || h == 0 || w > 65535 || h > 65535)
		cv->rgb = NULL;
	else
		cv->rgb = calloc((size_t)w * h, 3);
	if (cv->rgb == NULL)
		return MQ_ENOMEM;
	cv->w = w;
	cv->h = h;
	return MQ_OK;
}

void
mq_canvas_release(struct mq_canvas *cv)
{
	if (cv == NULL)
		return;
	free(cv->rgb);
	cv->rgb = NULL;
	cv->w = cv->h = 0;
}

void
mq_canvas_rect(struct mq_canvas *cv, int x, int y, int w, int h,
    const uint8_t rgb[3])
{
	long x0 = x, y0 = y, x1 = (long)x + w, y1 = (long)y + h, i, j;
	uint8_t *p;

	if (x0 < 0)
		x0 = 0;
	if (y0 < 0)
		y0 = 0;
	if (x1 > (long)cv->w)
		x1 = cv->w;
	if (y1 > (long)cv->h)
		y1 = cv->h;
	for (j = y0; j < y1; j++) {
		p = cv->rgb + ((size_t)j * cv->w + x0) * 3;
		for (i = x0; i < x1; i++, p += 3) {
			p[0] = rgb[0];
			p[1] = rgb[1];
			p[2] = rgb[2];
		}
	}
}

/* ----------------------------------------------------------------- PNG */

/* libpng error state: the message of the error that ended a call. */
struct pngio {
	char msg[160];
};

static void
pngio_error(png_structp png, png_const_charp msg)
{
	struct pngio *io = png_get_error_ptr(png);

	snprintf(io->msg, sizeof(io->msg), "%s", msg);
	png_longjmp(png, 1);
}

static void
pngio_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* What to write: palette indices (npal > 0) or RGB triplets. */
struct png_out {
	unsigned w, h;
	const uint8_t *pix;
	const png_color *pal;
	int npal;
};

static void
png_buf_write(png_structp png, png_bytep p, size_t n)
{
	mq_buf_add(png_get_io_ptr(png), p, n);
}

static void
png_buf_flush(png_structp png)
{
	(void)png;
}

/*
 * Encode o as a PNG appended to b.  Returns 0 or -1 with io->msg set; the
 * caller checks b for a failed append.
 */
static int
png_write_buf(struct mq_buf *b, const struct png_out *o, struct pngio *io)
{
	png_structp png;
	png_infop info;
	size_t stride = o->npal > 0 ? o->w : (size_t)o->w * 3;
	unsigned y;
	int depth;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, io,
	    pngio_error, pngio_warning);
	if (png == NULL) {
		snprintf(io->msg, sizeof(io->msg), "out of memory");
		return -1;
	}
	if ((info = png_create_info_struct(png)) == NULL) {
		png_destroy_write_struct(&png, NULL);
		snprintf(io->msg, sizeof(io->msg), "out of memory");
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_set_write_fn(png, b, png_buf_write, png_buf_flush);
	png_set_compression_level(png, ZLEVEL);
	if (o->npal > 0) {
		depth = o->npal <= 2 ? 1 : o->npal <= 4 ? 2 :
		    o->npal <= 16 ? 4 : 8;
		png_set_IHDR(png, info, o->w, o->h, depth,
		    PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
		    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
		png_set_PLTE(png, info, o->pal, o->npal);
		png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
	} else
		png_set_IHDR(png, info, o->w, o->h, 8, PNG_COLOR_TYPE_RGB,
		    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	if (o->npal > 0)
		png_set_packing(png);
	for (y = 0; y < o->h; y++)
		png_write_row(png, o->pix + y * stride);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	return 0;
}

/*
 * Map cv to palette indices in idx (w * h bytes) if it has at most 256
 * colours, numbered in order of first appearance.  Returns the number of
 * colours, or 0 when there are more.
 */
static int
palettize(const struct mq_canvas *cv, uint8_t *idx, png_color *pal)
{
	uint32_t key[1024], prev = 0;
	uint8_t val[1024], pv = 0;
	size_t i, n = (size_t)cv->w * cv->h, h;
	const uint8_t *p = cv->rgb;
	int npal = 0;

	memset(key, 0, sizeof(key));
	for (i = 0; i < n; i++, p += 3) {
		uint32_t k = ((uint32_t)p[0] << 16 | p[1] << 8 | p[2]) + 1;

		if (k == prev) {
			idx[i] = pv;
			continue;
		}
		for (h = (k * 0x9e3779b1u) >> 22; key[h] != 0 && key[h] != k;
		    h = (h + 1) & 1023)
			continue;
		if (key[h] == 0) {
			if (npal == 256)
				return 0;
			key[h] = k;
			val[h] = (uint8_t)npal;
			pal[npal].red = p[0];
			pal[npal].green = p[1];
			pal[npal].blue = p[2];
			npal++;
		}
		idx[i] = pv = val[h];
		prev = k;
	}
	return npal;
}

int
mq_canvas_png(const struct mq_canvas *cv, const char *name, struct mq_buf *b)
{
	struct png_out o;
	struct pngio io;
	png_color pal[256];
	uint8_t *idx;
	int rc;

	memset(&o, 0, sizeof(o));
	o.w = cv->w;
	o.h = cv->h;
	o.pix = cv->rgb;
	mq_buf_reset(b);
	if ((idx = malloc((size_t)cv->w * cv->h)) == NULL)
		return mq_oom();
	if ((o.npal = palettize(cv, idx, pal)) > 0) {
		o.pix = idx;
		o.pal = pal;
	}
	io.msg[0] = '\0';
	if (png_write_buf(b, &o, &io) == -1) {
		mq_warnx("%s: PNG: %s", name, io.msg);
		rc = MQ_EIO;
	} else
		rc = mq_buf_ok(b);
	free(idx);
	return rc;
}

int
mq_canvas_write_png(const struct mq_canvas *cv, const char *path)
{
	struct mq_buf b = MQ_BUF_INIT;
	int rc;

	if ((rc = mq_canvas_png(cv, path, &b)) == MQ_OK)
		rc = mq_file_write(path, b.s, b.len, 0644);
	mq_buf_release(&b);
	return rc;
}

/* A decoded supplied PNG: w x h RGBA, then composited to RGB in place. */
struct png_in {
	unsigned w, h;
	uint8_t *pix;
	png_bytep *rows;
	int oom;
};

/* Decode the PNG on fp into in.  Returns 0 or -1 with io->msg set. */
static int
png_read_stream(FILE *fp, struct png_in *in, struct pngio *io)
{
	png_structp png;
	png_infop info;
	unsigned char sig[8];
	png_uint_32 w, h, y;
	size_t rowbytes;

	if (fread(sig, 1, sizeof(sig), fp) != sizeof(sig) ||
	    png_sig_cmp(sig, 0, sizeof(sig)) != 0) {
		snprintf(io->msg, sizeof(io->msg), "not a PNG file");
		return -1;
	}
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, io,
	    pngio_error, pngio_warning);
	if (png == NULL) {
		in->oom = 1;
		return -1;
	}
	if ((info = png_create_info_struct(png)) == NULL) {
		png_destroy_read_struct(&png, NULL, NULL);
		in->oom = 1;
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_read_struct(&png, &info, NULL);
		return -1;
	}
	png_init_io(png, fp);
	png_set_sig_bytes(png, sizeof(sig));
	png_set_user_limits(png, MAX_SIDE, MAX_SIDE);
	png_read_info(png, info);
	w = png_get_image_width(png, info);
	h = png_get_image_height(png, info);
	if ((unsigned long)w * h > MAX_PIXELS)
		png_error(png, "image too large");
	png_set_expand(png);
	png_set_scale_16(png);
	png_set_gray_to_rgb(png);
	png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
	rowbytes = png_get_rowbytes(png, info);
	if (rowbytes != (size_t)w * 4)
		png_error(png, "unexpected row layout");
	in->pix = malloc(rowbytes * h);
	in->rows = mq_allocarray(h, sizeof(png_bytep));
	if (in->pix == NULL || in->rows == NULL) {
		in->oom = 1;
		png_error(png, "out of memory");
	}
	for (y = 0; y < h; y++)
		in->rows[y] = in->pix + y * rowbytes;
	png_read_image(png, in->rows);
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	in->w = w;
	in->h = h;
	return 0;
}

/* ------------------------------------------------------------- scaling */

/* Taps of one axis: dest i reads src[idx[i * ntap + t]] * wt[...]. */
struct taps {
	unsigned ntap;
	unsigned *idx;
	float *wt;
};

/*
 * Tent filter taps mapping the source span [from, from + span) of an axis
 * of n pixels onto dn pixels.  Returns MQ_OK or MQ_ENOMEM.
 */
static int
taps_make(struct taps *t, unsigned n, double from, double span, unsigned dn)
{
	double scale = span / dn, r = scale > 1 ? scale : 1, ctr, d, wt, sum;
	unsigned i, k;
	long j, lo;

	t->ntap = (unsigned)ceil(2 * r) + 2;
	t->idx = mq_allocarray((size_t)dn * t->ntap, sizeof(unsigned));
	t->wt = mq_allocarray((size_t)dn * t->ntap, sizeof(float));
	if (t->idx == NULL || t->wt == NULL)
		return MQ_ENOMEM;
	for (i = 0; i < dn; i++) {
		ctr = from + (i + 0.5) * scale;
		lo = (long)floor(ctr - r - 0.5);
		sum = 0;
		for (k = 0; k < t->ntap; k++) {
			j = lo + k;
			d = fabs(j + 0.5 - ctr) / r;
			wt = d < 1 ? 1 - d : 0;
			if (j < 0)
				j = 0;
			if (j >= (long)n)
				j = (long)n - 1;
			t->idx[i * t->ntap + k] = (unsigned)j;
			t->wt[i * t->ntap + k] = (float)wt;
			sum += wt;
		}
		for (k = 0; k < t->ntap; k++)
			t->wt[i * t->ntap + k] = sum > 0 ?
			    (float)(t->wt[i * t->ntap + k] / sum) :
			    (float)(1.0 / t->ntap);
	}
	return MQ_OK;
}

/* Resample the RGB image src (sw x sh) to cover dst, centre-cropped. */
static int
resample(struct mq_poster_ctx *c, const uint8_t *src, unsigned sw,
    unsigned sh, struct mq_canvas *dst)
{
	struct taps tx = { 0, NULL, NULL }, ty = { 0, NULL, NULL };
	double s, cw, ch;
	size_t need;
	unsigned x, y, k, ch3;
	float *tmp, acc[3];
	void *p;
	int rc;

	s = (double)dst->w / sw > (double)dst->h / sh ?
	    (double)dst->w / sw : (double)dst->h / sh;
	cw = dst->w / s;
	ch = dst->h / s;
	if ((rc = taps_make(&tx, sw, (sw - cw) / 2, cw, dst->w)) != MQ_OK ||
	    (rc = taps_make(&ty, sh, (sh - ch) / 2, ch, dst->h)) != MQ_OK)
		goto out;
	need = (size_t)sh * dst->w * 3;
	if (need > c->scratch_cap) {
		if ((p = mq_reallocarray(c->scratch, need,
		    sizeof(float))) == NULL) {
			rc = MQ_ENOMEM;
			goto out;
		}
		c->scratch = p;
		c->scratch_cap = need;
	}
	tmp = c->scratch;
	for (y = 0; y < sh; y++)
		for (x = 0; x < dst->w; x++) {
			acc[0] = acc[1] = acc[2] = 0;
			for (k = 0; k < tx.ntap; k++) {
				const uint8_t *q = src + ((size_t)y * sw +
				    tx.idx[x * tx.ntap + k]) * 3;
				float wt = tx.wt[x * tx.ntap + k];

				acc[0] += q[0] * wt;
				acc[1] += q[1] * wt;
				acc[2] += q[2] * wt;
			}
			memcpy(tmp + ((size_t)y * dst->w + x) * 3, acc,
			    sizeof(acc));
		}
	for (y = 0; y < dst->h; y++)
		for (x = 0; x < dst->w; x++) {
			acc[0] = acc[1] = acc[2] = 0;
			for (k = 0; k < ty.ntap; k++) {
				const float *q = tmp + ((size_t)ty.idx[y *
				    ty.ntap + k] * dst->w + x) * 3;
				float wt = ty.wt[y * ty.ntap + k];

				acc[0] += q[0] * wt;
				acc[1] += q[1] * wt;
				acc[2] += q[2] * wt;
			}
			for (ch3 = 0; ch3 < 3; ch3++) {
				float v = acc[ch3] + 0.5f;

				dst->rgb[((size_t)y * dst->w + x) * 3 + ch3] =
				    (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
		}
	rc = MQ_OK;
out:
	free(tx.idx);
	free(tx.wt);
	free(ty.idx);
	free(ty.wt);
	return rc;
}

int
mq_poster_scale(struct mq_poster_ctx *c, const char *in_path,
    const char *out_path)
{
	struct png_in in;
	struct pngio io;
	FILE *fp;
	size_t i, n;
	int rc;

	memset(&in, 0, sizeof(in));
	if ((fp = fopen(in_path, "rb")) == NULL) {
		mq_warn("%s", in_path);
		return MQ_EIO;
	}
	io.msg[0] = '\0';
	if (png_read_stream(fp, &in, &io) == -1) {
		if (in.oom)
			rc = mq_oom();
		else {
			mq_warnx("%s: unreadable PNG: %s", in_path, io.msg);
			rc = MQ_EDATA;
		}
		goto out;
	}
	/* composite over dark grey, RGBA -> RGB in place */
	n = (size_t)in.w * in.h;
	for (i = 0; i < n; i++) {
		const uint8_t *s = in.pix + i * 4;
		uint8_t *d = in.pix + i * 3;
		unsigned a = s[3], k;

		for (k = 0; k < 3; k++)
			d[k] = (uint8_t)((s[k] * a + 0x20 * (255 - a) + 127) /
			    255);
	}
	if ((rc = resample(c, in.pix, in.w, in.h, &c->card)) != MQ_OK) {
		mq_oom();
		goto out;
	}
	if (out_path != NULL)
		rc = mq_canvas_write_png(&c->card, out_path);
out:
	fclose(fp);
	free(in.pix);
	free(in.rows);
	return rc;
}

/* ------------------------------------------------------------- posters */

/* One colour of a palette as bytes. */
static void
rgb_of(uint32_t v, uint8_t out[3])
{
	out[0] = (uint8_t)(v >> 16);
	out[1] = (uint8_t)(v >> 8);
	out[2] = (uint8_t)v;
}

/* Rough luminance, 0..255. */
static unsigned
luma(const uint8_t *rgb)
{
	return (rgb[0] * 299u + rgb[1] * 587u + rgb[2] * 114u) / 1000u;
}

static int
genre_index(const char *name)
{
	uint32_t h = 2166136261u;
	unsigned i;

	for (i = 0; i < NGENRE; i++)
		if (strcmp(name, genre_names[i]) == 0)
			return (int)i;
	if (name[0] == '\0' || strcmp(name, "(no genres listed)") == 0)
		return -1;
	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return (int)(h % NGENRE);
}

/* Colours of a card: palette of its first genre, m2 from its second. */
static void
card_colours(const char *const *genres, unsigned ngenres, uint8_t col[P_N][3])
{
	int have[NGENRE + 1], first = -1, second = -1, g;
	unsigned i, k;

	memset(have, 0, sizeof(have));
	for (i = 0; i < ngenres; i++)
		if (genres[i] != NULL && (g = genre_index(genres[i])) >= 0)
			have[g] = 1;
	for (i = 0; i < NGENRE; i++) {
		if (!have[prio[i]])
			continue;
		if (first < 0)
			first = prio[i];
		else if (second < 0)
			second = prio[i];
	}
	if (first < 0)
		first = NGENRE;
	for (k = 0; k < P_N; k++)
		rgb_of(palettes[first][k], col[k]);
	if (second >= 0 && palettes[second][P_M1] != palettes[first][P_BG])
		rgb_of(palettes[second][P_M1], col[P_M2]);
}

static inline void
put(struct mq_canvas *cv, int x, int y, const uint8_t *rgb)
{
	uint8_t *p;

	if (x < 0 || y < 0 || x >= (int)cv->w || y >= (int)cv->h)
		return;
	p = cv->rgb + ((size_t)y * cv->w + x) * 3;
	p[0] = rgb[0];
	p[1] = rgb[1];
	p[2] = rgb[2];
}

/* A hard-edged disc, clipped to rows [0, ymax). */
static void
disc(struct mq_canvas *cv, double cx, double cy, double r, int ymax,
    const uint8_t *rgb)
{
	int x, y;
	double dy, dx;

	for (y = (int)floor(cy - r); y <= (int)ceil(cy + r); y++) {
		if (y < 0 || y >= ymax)
			continue;
		dy = y + 0.5 - cy;
		if (dy * dy > r * r)
			continue;
		dx = sqrt(r * r - dy * dy);
		for (x = (int)ceil(cx - dx - 0.5); x <= (int)floor(cx + dx -
		    0.5); x++)
			put(cv, x, y, rgb);
	}
}

/* Positive remainder. */
static inline double
pmod(double a, double b)
{
	double m = fmod(a, b);

	return m < 0 ? m + b : m;
}

/* Cheap atan2 in [-pi, pi], good to about 0.01 rad: edges of rays. */
static double
fast_atan2(double y, double x)
{
	double ax = fabs(x), ay = fabs(y), a, s, r;

	if (ax < 1e-9 && ay < 1e-9)
		return 0;
	a = (ax < ay ? ax : ay) / (ax > ay ? ax : ay);
	s = a * a;
	r = ((-0.0464964749 * s + 0.15931422) * s - 0.327622764) * s * a + a;
	if (ay > ax)
		r = M_PI / 2 - r;
	if (x < 0)
		r = M_PI - r;
	return y < 0 ? -r : r;
}

/*
 * The motif over rows [0, mh): one of nine flat geometric designs in the
 * card's bg, m1 and m2 colours (ink for the block gutters), placed by r.
 */
static void
motif(struct mq_canvas *cv, int mh, uint8_t col[P_N][3], struct mq_rng *r)
{
	const uint8_t *bg = col[P_BG], *m1 = col[P_M1], *m2 = col[P_M2];
	int W = (int)cv->w, x, y, i, n, kind;
	double u = W / 200.0, p, d, cx, cy, rad, t;

	mq_canvas_rect(cv, 0, 0, W, mh, bg);
	kind = (int)mq_rng_below(r, 9);
	switch (kind) {
	case 0:		/* horizontal bands of random thickness */
		y = (int)(mh * (0.05 + 0.25 * mq_rng_unit(r)));
		for (i = 0; y < mh; i++) {
			t = mh * (0.04 + 0.14 * mq_rng_unit(r));
			mq_canvas_rect(cv, 0, y, W, (int)t,
			    i % 3 == 1 ? m2 : m1);
			y += (int)t + (int)(mh * (0.03 + 0.1 *
			    mq_rng_unit(r)));
		}
		break;
	case 1:		/* diagonal stripes */
		p = u * (16 + (double)mq_rng_below(r, 20));
		d = 0.3 + 0.35 * mq_rng_unit(r);
		t = mq_rng_below(r, 2) ? 1 : -1;
		for (y = 0; y < mh; y++)
			for (x = 0; x < W; x++) {
				double v = x + t * y;

				if (pmod(v, p) < p * d)
					put(cv, x, y, (long)floor(v / p) % 3 ==
					    0 ? m2 : m1);
			}
		break;
	case 2:		/* concentric rings */
		cx = W * (0.15 + 0.7 * mq_rng_unit(r));
		cy = mh * (0.3 + 0.7 * mq_rng_unit(r));
		p = u * (9 + (double)mq_rng_below(r, 12));
		rad = mh * (0.5 + 0.4 * mq_rng_unit(r));
		for (y = 0; y < mh; y++)
			for (x = 0; x < W; x++) {
				d = hypot(x + 0.5 - cx, y + 0.5 - cy);
				if (d > rad)
					continue;
				n = (int)(d / p) % 3;
				if (n != 1)
					put(cv, x, y, n == 0 ? m1 : m2);
			}
		break;
	case 3:		/* sunburst */
		cx = W * (0.2 + 0.6 * mq_rng_unit(r));
		cy = mh * (0.4 + 0.6 * mq_rng_unit(r));
		n = 10 + 2 * (int)mq_rng_below(r, 8);
		t = mq_rng_unit(r);
		for (y = 0; y < mh; y++)
			for (x = 0; x < W; x++) {
				double a = fast_atan2(y + 0.5 - cy, x + 0.5 -
				    cx);

				if ((long)floor((a + M_PI) / (2 * M_PI) * n +
				    t) % 2 == 0)
					put(cv, x, y, m1);
			}
		disc(cv, cx, cy, u * (14 + (double)mq_rng_below(r, 22)), mh,
		    m2);
		break;
	case 4:		/* grid of dots */
		p = u * (18 + (double)mq_rng_below(r, 14));
		rad = p * (0.18 + 0.22 * mq_rng_unit(r));
		t = mq_rng_unit(r) * p;
		for (i = 0; i * p * 0.87 - p < mh; i++)
			for (n = -1; n * p < W + p; n++)
				disc(cv, n * p + (i % 2) * p / 2 + t,
				    i * p * 0.87 + p / 3, rad, mh,
				    i % 3 == 2 ? m2 : m1);
		break;
	case 5:		/* moon over two mountain ranges */
		disc(cv, W * (0.2 + 0.6 * mq_rng_unit(r)), mh * (0.2 + 0.2 *
		    mq_rng_unit(r)), mh * (0.1 + 0.08 * mq_rng_unit(r)), mh,
		    m1);
		for (i = 0; i < 2; i++) {
			double base = mh * (i == 0 ? 0.45 : 0.7);
			double step = W / (2.0 + (double)mq_rng_below(r, 3));
			double ph = mq_rng_unit(r) * step;
			double amp = mh * (0.12 + 0.12 * mq_rng_unit(r));

			for (x = 0; x < W; x++) {
				double f = pmod(x + ph, step) / step;
				double top = base - amp * (1 - fabs(2 * f - 1));

				mq_canvas_rect(cv, x, (int)top, 1, mh - (int)top,
				    i == 0 ? m2 : m1);
			}
		}
		break;
	case 6:		/* blocks with ink gutters */
		mq_canvas_rect(cv, 0, 0, W, mh, col[P_INK]);
		{
			int cols = 2 + (int)mq_rng_below(r, 2), j;
			int g = (int)(3 * u + 0.5), bw = (W - g) / cols;

			for (j = 0; j < cols; j++) {
				int yy = g, rows = 2 + (int)mq_rng_below(r, 3);

				for (i = 0; i < rows && yy < mh; i++) {
					int bh = i == rows - 1 ? mh - yy :
					    (int)((mh - yy) * (0.25 + 0.5 *
					    mq_rng_unit(r)));
					unsigned pick = (unsigned)
					    mq_rng_below(r, 4);

					mq_canvas_rect(cv, g + j * bw, yy,
					    j == cols - 1 ? W - g - (g + j *
					    bw) : bw - g, bh - g, pick == 1 ?
					    m1 : pick == 2 ? m2 : bg);
					yy += bh;
				}
			}
		}
		break;
	case 7:		/* sunset disc with cuts widening downwards */
		cx = W * (0.3 + 0.4 * mq_rng_unit(r));
		rad = mh * (0.3 + 0.12 * mq_rng_unit(r));
		cy = mh * 0.9 - rad;
		disc(cv, cx, cy, rad, mh, m1);
		for (i = 1; i < 7; i++) {
			y = (int)(cy + rad * i / 7.0);
			mq_canvas_rect(cv, 0, y, W, (int)(u * (1 + i * 0.8)),
			    bg);
		}
		mq_canvas_rect(cv, 0, (int)(mh * 0.9), W, mh, m2);
		break;
	default:	/* chevrons */
		p = u * (18 + (double)mq_rng_below(r, 18));
		d = 0.35 + 0.3 * mq_rng_unit(r);
		t = 0.5 + mq_rng_unit(r);
		cx = W * (0.3 + 0.4 * mq_rng_unit(r));
		for (y = 0; y < mh; y++)
			for (x = 0; x < W; x++) {
				double v = y + fabs(x + 0.5 - cx) * t;

				if (pmod(v, p) < p * d)
					put(cv, x, y, (long)floor(v / p) % 2 ?
					    m2 : m1);
			}
		break;
	}
}

/* A line of text: code points [s, e) of c->cp. */
struct line {
	size_t s, e;
};

static int
is_space(uint32_t cp)
{
	return cp == ' ' || cp == 0xa0 || cp == 0x3000;
}

/*
 * Break cp[s, e) into lines at most maxw pixels wide (words longer than
 * a line are cut between characters, and *cut is then set).  Stores up
 * to max lines in ln and returns the number of lines needed (possibly more
 * than max), or -1 when out of memory.
 */
static int
wrap(struct mq_poster_ctx *c, unsigned px, int bold, size_t s, size_t e,
    long maxw, struct line *ln, int max, int *cut)
{
	const uint32_t *cp = c->cp;
	size_t i = s, ls, le, we;
	long w;
	int n = 0;

	while (i < e && is_space(cp[i]))
		i++;
	while (i < e) {
		ls = le = i;
		for (;;) {
			for (we = i; we < e && !is_space(cp[we]); we++)
				continue;
			if ((w = run(c, NULL, 0, 0, px, bold, NULL, cp + ls,
			    we - ls)) < 0)
				return -1;
			if (w <= maxw) {
				le = i = we;
				while (i < e && is_space(cp[i]))
					i++;
				if (i >= e)
					break;
				continue;
			}
			if (le == ls) {
				/* one word wider than the line: cut it */
				*cut = 1;
				for (le = ls + 1; le < we; le++) {
					if ((w = run(c, NULL, 0, 0, px, bold,
					    NULL, cp + ls, le + 1 - ls)) < 0)
						return -1;
					if (w > maxw)
						break;
				}
				i = le;
			}
			break;
		}
		if (n < max) {
			ln[n].s = ls;
			ln[n].e = le;
		}
		n++;
		while (i < e && is_space(cp[i]))
			i++;
	}
	return n;
}

/*
 * Draw line l centred on the card with its baseline on y; with ell, cut
 * it so that an ellipsis fits after it (the text went on).  Returns MQ_OK
 * or MQ_ENOMEM.
 */
static int
draw_line(struct mq_poster_ctx *c, struct line l, int ell, int y,
    unsigned px, int bold, long maxw, const uint8_t *rgb)
{
	static const uint32_t dots = 0x2026;
	struct mq_canvas *cv = &c->card;
	long w, we = 0;
	int x;

	if (ell && (we = run(c, NULL, 0, 0, px, bold, NULL, &dots, 1)) < 0)
		return MQ_ENOMEM;
	for (;;) {
		while (ell && l.e > l.s && is_space(c->cp[l.e - 1]))
			l.e--;
		if ((w = run(c, NULL, 0, 0, px, bold, NULL, c->cp + l.s,
		    l.e - l.s)) < 0)
			return MQ_ENOMEM;
		if (!ell || w + we <= maxw || l.e == l.s)
			break;
		l.e--;
	}
	x = (int)(((long)cv->w - (w + we)) / 2);
	if (run(c, cv, x, y, px, bold, rgb, c->cp + l.s, l.e - l.s) < 0)
		return MQ_ENOMEM;
	if (ell && run(c, cv, x + (int)w, y, px, bold, rgb, &dots, 1) < 0)
		return MQ_ENOMEM;
	return MQ_OK;
}

static int
is_article(const uint32_t *cp, size_t n)
{
	size_t i, k;

	for (i = 0; i < sizeof(articles) / sizeof(articles[0]); i++) {
		if (strlen(articles[i]) != n)
			continue;
		for (k = 0; k < n && cp[k] == (unsigned char)articles[i][k]; k++)
			continue;
		if (k == n)
			return 1;
	}
	return 0;
}

/*
 * Copy c->cp[s, e) to c->cp + *o, moving a trailing ", The" to the
 * front; *o advances past the copy.
 */
static void
compose(struct mq_poster_ctx *c, size_t s, size_t e, size_t *o)
{
	uint32_t *cp = c->cp;
	size_t q, k;

	for (q = e; q > s + 1; q--)
		if (cp[q - 2] == ',' && cp[q - 1] == ' ')
			break;
	if (q > s + 1 && q - 2 > s && is_article(cp + q, e - q)) {
		for (k = q; k < e; k++)
			cp[(*o)++] = cp[k];
		if (cp[e - 1] != '\'')
			cp[(*o)++] = ' ';
		for (k = s; k < q - 2; k++)
			cp[(*o)++] = cp[k];
		return;
	}
	for (k = s; k < e; k++)
		cp[(*o)++] = cp[k];
}

/* Whether the bold face lacks a glyph for some of c->cp[s, e). */
static int
missing(struct mq_poster_ctx *c, size_t s, size_t e)
{
	for (; s < e; s++)
		if (!is_space(c->cp[s]) && FT_Get_Char_Index(c->face[1],
		    c->cp[s]) == 0)
			return 1;
	return 0;
}

/*
 * Split the decoded title c->cp[0, n) into a main title and an
 * alternative one (final parentheses), both composed after the decoded
 * text: main is [*ms, *me), alternative [*as, *ae) (empty when none).
 */
static void
split_title(struct mq_poster_ctx *c, size_t n, size_t *ms, size_t *me,
    size_t *as, size_t *ae)
{
	const uint32_t *cp = c->cp;
	size_t s = 0, e = n, k, o = n, mend, astart = 0, aend = 0;
	int depth = 0;

	while (s < e && is_space(cp[s]))
		s++;
	while (e > s && is_space(cp[e - 1]))
		e--;
	mend = e;
	if (e > s && cp[e - 1] == ')') {
		for (k = e; k > s; k--) {
			if (cp[k - 1] == ')')
				depth++;
			else if (cp[k - 1] == '(' && --depth == 0)
				break;
		}
		if (k > s + 1 && depth == 0 && is_space(cp[k - 2])) {
			mend = k - 2;
			while (mend > s && is_space(cp[mend - 1]))
				mend--;
			astart = k;
			aend = e - 1;
			while (astart < aend && is_space(cp[astart]))
				astart++;
			while (aend > astart && is_space(cp[aend - 1]))
				aend--;
		}
	}
	/* a main title the font cannot show gives way to its alternative */
	if (aend > astart && missing(c, s, mend) && !missing(c, astart, aend)) {
		s = astart;
		mend = aend;
		aend = astart;
	}
	*ms = o;
	compose(c, s, mend, &o);
	*me = o;
	*as = o;
	if (aend > astart)
		compose(c, astart, aend, &o);
	*ae = o;
}

/*
 * Set dst (cap bytes) to a, then sep if a is not empty, then b.  Returns
 * 0, or -1 when that does not fit (dst is then unchanged).
 */
static int
join(char *dst, size_t cap, const char *a, const char *sep, const char *b)
{
	size_t na = strlen(a), ns = na ? strlen(sep) : 0, nb = strlen(b);

	if (na + ns + nb >= cap)
		return -1;
	memmove(dst, a, na);
	memcpy(dst + na, sep, ns);
	memcpy(dst + na + ns, b, nb + 1);
	return 0;
}

/*
 * The genre names centred in the strip [top, top + sh): one line at the
 * normal size, else two lines at a smaller one, ending with an ellipsis
 * when even that is not enough.  Returns MQ_OK or MQ_ENOMEM.
 */
static int
draw_genres(struct mq_poster_ctx *c, const char *const *genres,
    unsigned ngenres, int top, int sh, long maxw, const uint8_t *rgb)
{
	static const char sep[] = "  \xc2\xb7  ", more[] = "  \xe2\x80\xa6";
	char line[2][256], cand[256];
	unsigned i, nl = 0, px = 0, try, cut = 0;
	int w, y, lh;

	for (try = 0; try < 2; try++) {
		px = (unsigned)lround(c->w / 200.0 * (try == 0 ? 10.5 : 9.5));
		nl = 0;
		cut = 0;
		line[0][0] = line[1][0] = '\0';
		for (i = 0; i < ngenres && !cut; i++) {
			if (genres[i] == NULL || genre_index(genres[i]) < 0)
				continue;
			if (nl == 0)
				nl = 1;
			w = -2;
			if (join(cand, sizeof(cand), line[nl - 1], sep,
			    genres[i]) == 0 &&
			    (w = mq_canvas_text_width(c, px, 0, cand)) == -1)
				return MQ_ENOMEM;
			if (w >= 0 && (w <= maxw || line[nl - 1][0] == '\0')) {
				memcpy(line[nl - 1], cand, sizeof(cand));
				continue;
			}
			if (nl == 1 + try)
				cut = 1;
			else {
				nl++;
				i--;
			}
		}
		if (!cut)
			break;
	}
	/* drop names from the end of the last line until the ellipsis fits */
	while (cut) {
		char *last;

		if (join(cand, sizeof(cand), line[nl - 1], "", more) == 0) {
			if ((w = mq_canvas_text_width(c, px, 0, cand)) == -1)
				return MQ_ENOMEM;
			if (w <= maxw) {
				memcpy(line[nl - 1], cand, sizeof(cand));
				break;
			}
		}
		if ((last = strstr(line[nl - 1], sep)) == NULL)
			break;
		while (strstr(last + 1, sep) != NULL)
			last = strstr(last + 1, sep);
		*last = '\0';
	}
	lh = (int)lround(px * 1.25);
	y = top + (sh - (int)(nl ? nl - 1 : 0) * lh) / 2 +
	    (int)lround(px * 0.36);
	for (i = 0; i < nl; i++, y += lh) {
		if ((w = mq_canvas_text_width(c, px, 0, line[i])) == -1)
			return MQ_ENOMEM;
		if (w > maxw)
			w = (int)maxw;
		if (mq_canvas_text(c, &c->card, ((int)c->w - w) / 2, y, px, 0,
		    rgb, line[i]) == -1)
			return MQ_ENOMEM;
	}
	return MQ_OK;
}

int
mq_poster_draw(struct mq_poster_ctx *c, const char *title, int year,
    const char *const *genres, unsigned ngenres, uint32_t movie_id,
    const char *out_path)
{
	static const double sizes[] = { 28, 25, 22, 20, 18, 16, 14, 13 };
	const size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
	struct line lm[MAX_LINES], la[MAX_LINES];
	struct mq_canvas *cv = &c->card;
	struct mq_rng r;
	uint8_t col[P_N][3];
	size_t ms, me, as, ae, si;
	double u = c->w / 200.0, uh = c->h / 300.0;
	long n, maxw;
	int W = (int)c->w, H = (int)c->h, strip, pad, vpad, maxpanel, minpanel;
	int px = 0, lh = 0, apx = 0, alh = 0, nm = 0, na = 0, gap, yh, ypx;
	int shown_m, shown_a, block, need, panel, top, y, i, rule, rc, cut;
	const uint8_t *strip_bg, *strip_fg;
	char ybuf[16];

	mq_rng_seed(&r, mq_rng_mix(movie_id, 0x706f73746572ULL));
	card_colours(genres, ngenres, col);
	if ((n = decode(c, title)) < 0)
		return mq_oom();
	split_title(c, (size_t)n, &ms, &me, &as, &ae);

	strip = (int)lround(30 * uh);
	pad = (int)lround(14 * u);
	vpad = (int)lround(12 * uh);
	rule = (int)lround(3 * uh);
	gap = (int)lround(6 * uh);
	maxw = W - 2 * pad;
	maxpanel = (int)lround((H - strip) * 0.62);
	minpanel = (int)lround((H - strip) * 0.38);
	ypx = (int)lround(15 * u);
	yh = year > 0 ? (int)lround(ypx * 1.6) : 0;

	/* the largest size at which the title fits, else the smallest */
	for (si = 0; si < nsizes; si++) {
		px = (int)lround(sizes[si] * u);
		lh = (int)lround(px * 1.18);
		apx = (int)lround(sizes[si] * u * 0.55);
		if (apx < (int)lround(11 * u))
			apx = (int)lround(11 * u);
		alh = (int)lround(apx * 1.25);
		cut = 0;
		if ((nm = wrap(c, (unsigned)px, 1, ms, me, maxw, lm,
		    MAX_LINES, &cut)) < 0 ||
		    (na = wrap(c, (unsigned)apx, 0, as, ae, maxw, la,
		    MAX_LINES, &cut)) < 0)
			return mq_oom();
		need = nm * lh + (na ? gap + na * alh : 0) + yh + 2 * vpad;
		if (nm <= 5 && na <= 3 && need <= maxpanel && !cut)
			break;
	}
	shown_m = nm < MAX_LINES ? nm : MAX_LINES;
	shown_a = na < MAX_LINES ? na : MAX_LINES;
	if (si == nsizes) {
		/* still too long: cut, keeping at most one alternative line */
		int room = maxpanel - 2 * vpad - yh;

		if (shown_a > 1)
			shown_a = 1;
		if (shown_a && room - (gap + alh) < 2 * lh)
			shown_a = 0;
		if (shown_a)
			room -= gap + alh;
		if (shown_m > room / lh)
			shown_m = room / lh;
		if (shown_m > 5)
			shown_m = 5;
	}
	block = shown_m * lh + (shown_a ? gap + shown_a * alh : 0) + yh;
	panel = block + 2 * vpad;
	if (panel < minpanel)
		panel = minpanel;
	top = H - strip - panel;

	motif(cv, top, col, &r);
	mq_canvas_rect(cv, 0, top, W, panel, col[P_PANEL]);
	mq_canvas_rect(cv, 0, top, W, rule, col[P_ACCENT]);
	/* the strip is dark: ink on a light panel, accent on a dark one */
	if (luma(col[P_PANEL]) > luma(col[P_INK])) {
		strip_bg = col[P_INK];
		strip_fg = col[P_PANEL];
	} else {
		strip_bg = col[P_ACCENT];
		strip_fg = col[P_PANEL];
	}
	mq_canvas_rect(cv, 0, H - strip, W, strip, strip_bg);

	y = top + rule / 2 + (panel - block) / 2;
	for (i = 0; i < shown_m; i++, y += lh)
		if (draw_line(c, lm[i], i == shown_m - 1 && shown_m < nm,
		    y + (int)lround((lh + 0.73 * px) / 2), (unsigned)px, 1,
		    maxw, col[P_INK]) != MQ_OK)
			return mq_oom();
	if (shown_a)
		y += gap;
	for (i = 0; i < shown_a; i++, y += alh)
		if (draw_line(c, la[i], i == shown_a - 1 && shown_a < na,
		    y + (int)lround((alh + 0.73 * apx) / 2), (unsigned)apx, 0,
		    maxw, col[P_INK]) != MQ_OK)
			return mq_oom();
	if (year > 0) {
		snprintf(ybuf, sizeof(ybuf), "%d", year);
		i = mq_canvas_text_width(c, (unsigned)ypx, 1, ybuf);
		if (i < 0 || mq_canvas_text(c, cv, (W - i) / 2, y + (int)
		    lround((yh + 0.73 * ypx) / 2), (unsigned)ypx, 1,
		    col[P_ACCENT], ybuf) < 0)
			return mq_oom();
	}
	if ((rc = draw_genres(c, genres, ngenres, H - strip, strip, maxw,
	    strip_fg)) != MQ_OK)
		return mq_oom();
	return out_path != NULL ? mq_canvas_write_png(cv, out_path) : MQ_OK;
}

/* ------------------------------------------------------------- context */

static int
load_face(struct mq_poster_ctx *c, int which, const char *path)
{
	struct stat st;
	FT_Error e;

	if (stat(path, &st) == -1) {
		mq_warn("font %s", path);
		return MQ_EIO;
	}
	if ((e = FT_New_Face(c->ft, path, 0, &c->face[which])) != 0) {
		c->face[which] = NULL;
		mq_warnx("font %s: FreeType cannot load it (error %d)", path,
		    (int)e);
		return MQ_EIO;
	}
	if (FT_Select_Charmap(c->face[which], FT_ENCODING_UNICODE) != 0) {
		mq_warnx("font %s: no Unicode character map", path);
		return MQ_EIO;
	}
	return MQ_OK;
}

int
mq_poster_init(struct mq_poster_ctx *c, const char *font_bold,
    const char *font_regular, unsigned width, unsigned height)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->w = width ? width : MQ_POSTER_WIDTH;
	c->h = height ? height : MQ_POSTER_HEIGHT;
	if (c->w < 64 || c->h < 64 || c->w > 4096 || c->h > 4096) {
		mq_warnx("poster size %ux%u out of range (64..4096)", c->w,
		    c->h);
		return MQ_EUSAGE;
	}
	if (FT_Init_FreeType(&c->ft) != 0) {
		c->ft = NULL;
		mq_warnx("FreeType cannot be initialised");
		rc = MQ_ENOMEM;
		goto out;
	}
	if ((rc = load_face(c, 1, font_bold ? font_bold : MQ_FONT_BOLD)) ||
	    (rc = load_face(c, 0, font_regular ? font_regular :
	    MQ_FONT_REGULAR)))
		goto out;
	rc = MQ_ENOMEM;
	if ((c->glyph = calloc(GCACHE_SLOTS, sizeof(c->glyph[0]))) == NULL ||
	    mq_canvas_init(&c->card, c->w, c->h) != MQ_OK) {
		mq_oom();
		goto out;
	}
	rc = MQ_OK;
out:
	if (rc != MQ_OK)
		mq_poster_release(c);
	return rc;
}

void
mq_poster_release(struct mq_poster_ctx *c)
{
	if (c == NULL)
		return;
	if (c->face[0] != NULL)
		FT_Done_Face(c->face[0]);
	if (c->face[1] != NULL)
		FT_Done_Face(c->face[1]);
	if (c->ft != NULL)
		FT_Done_FreeType(c->ft);
	mq_canvas_release(&c->card);
	free(c->cp);
	free(c->glyph);
	free(c->gbits);
	free(c->scratch);
	memset(c, 0, sizeof(*c));
}

/*
 * mq_poster.h - film posters and small drawings as PNG files.
 *
 * A struct mq_poster_ctx holds what every drawing needs and is costly to
 * set up: the FreeType library, the two faces (bold and regular), a cache
 * of rendered glyphs and the card being drawn.  Set it up once per run with
 * mq_poster_init() and draw thousands of cards with it; it is not
 * thread-safe (use one context per thread).
 *
 * mq_poster_draw() draws a card from a film's genres, title and year: a
 * palette chosen by the genres, a geometric motif picked and placed from
 * the movieId (the same film always gives the same bytes), the title
 * word-wrapped in a panel and the genres in a strip at the bottom.
 * mq_poster_scale() turns a supplied PNG into a card instead.
 *
 * The drawing primitives underneath (struct mq_canvas: rectangles, text,
 * PNG output) are public so that charts can be drawn with the same code.
 *
 * Every file is written atomically: a temporary file in the target's
 * directory, renamed over the target once complete, removed on failure.
 * Images with at most 256 colours are written as palette PNGs (1, 2, 4 or
 * 8 bits per pixel), others as 8-bit RGB, at zlib level 6 (level 9 would
 * save about 9 % for five times the time) and without time stamps, so
 * equal pixels give equal bytes.
 */
#ifndef MQ_POSTER_H
#define MQ_POSTER_H

#include <stddef.h>
#include <stdint.h>

struct mq_buf;

#define MQ_POSTER_WIDTH		200	/* default card width */
#define MQ_POSTER_HEIGHT		300	/* default card height */
#define MQ_FONT_BOLD		"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
#define MQ_FONT_REGULAR		"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

/* An RGB image, 3 bytes per pixel, rows top to bottom, no padding. */
struct mq_canvas {
	unsigned w, h;
	uint8_t *rgb;		/* w * h * 3 bytes, owned by the canvas */
};

struct FT_LibraryRec_;
struct FT_FaceRec_;
struct mq_glyph;

struct mq_poster_ctx {
	struct FT_LibraryRec_ *ft;
	struct FT_FaceRec_ *face[2];	/* 0 regular, 1 bold */
	unsigned face_px[2];		/* pixel size currently set on each */
	unsigned w, h;			/* card size */
	struct mq_canvas card;		/* reused for every card */
	uint32_t *cp;			/* decoded text, cp_cap code points */
	size_t cp_cap;
	struct mq_glyph *glyph;		/* glyph cache, open addressing */
	size_t nglyph;
	uint8_t *gbits;			/* coverage bitmaps of cached glyphs */
	size_t gbits_len, gbits_cap;
	float *scratch;			/* resampling buffer */
	size_t scratch_cap;
};

/*
 * Set up c: load the TrueType faces font_bold and font_regular (NULL means
 * MQ_FONT_BOLD / MQ_FONT_REGULAR) and size cards width x height (0 means
 * MQ_POSTER_WIDTH / MQ_POSTER_HEIGHT; at least 64 x 64, at most 4096 x 4096).
 * Returns MQ_OK; MQ_EIO naming the font file that cannot be loaded;
 * MQ_EUSAGE for a bad size; MQ_ENOMEM.  On failure c is left released.
 */
int mq_poster_init(struct mq_poster_ctx *c, const char *font_bold,
    const char *font_regular, unsigned width, unsigned height);

/* Free what c owns; c may then be initialised again.  NULL accepted. */
void mq_poster_release(struct mq_poster_ctx *c);

/*
 * Draw the card of film movie_id into out_path (a PNG, written
 * atomically).  title is UTF-8 (invalid bytes are shown as U+FFFD); a
 * trailing article as MovieLens writes it ("Matrix, The") is moved to the
 * front, and an alternative title in final parentheses is set smaller
 * under the main one.  The title shrinks to fit, then ends with an
 * ellipsis.  year <= 0 means unknown (not shown).  genres[0..ngenres-1]
 * are MovieLens genre names (unknown names get a palette derived from the
 * name; ngenres may be 0).  The same arguments always give the same bytes.
 * With out_path NULL nothing is written: the card is left in c->card (for
 * mq_canvas_png()) until the next drawing.
 * Returns MQ_OK; MQ_EIO (message names the path) when the file cannot be
 * written; MQ_ENOMEM.
 */
int mq_poster_draw(struct mq_poster_ctx *c, const char *title, int year,
    const char *const *genres, unsigned ngenres, uint32_t movie_id,
    const char *out_path);

/*
 * Read the PNG in_path (any colour type and bit depth libpng reads;
 * transparency is composited over dark grey), scale it to the card size,
 * covering the card and cropping the centre of the overflowing axis, with
 * a tent filter as wide as the reduction (area averaging when shrinking,
 * bilinear when enlarging), and write it to out_path atomically (with
 * out_path NULL, leave it in c->card as mq_poster_draw() does).
 * Returns MQ_OK; MQ_EDATA (message names in_path) when in_path is not a
 * readable PNG or is larger than 20000 pixels on a side or 50 megapixels
 * (out_path is then not touched); MQ_EIO when in_path cannot be opened or
 * out_path cannot be written; MQ_ENOMEM.
 */
int mq_poster_scale(struct mq_poster_ctx *c, const char *in_path,
    const char *out_path);

/*
 * Allocate cv as a w x h canvas filled with black (w, h > 0).
 * Returns MQ_OK or MQ_ENOMEM (cv left empty).
 */
int mq_canvas_init(struct mq_canvas *cv, unsigned w, unsigned h);

/* Free the pixels of cv; cv is left empty.  NULL accepted. */
void mq_canvas_release(struct mq_canvas *cv);

/* Fill the rectangle at (x, y) of size w x h, clipped to cv, with rgb. */
void mq_canvas_rect(struct mq_canvas *cv, int x, int y, int w, int h,
    const uint8_t rgb[3]);

/*
 * Draw the UTF-8 string utf8 (one line; control characters show as
 * spaces) in colour rgb, px_size pixels per em (4..512), bold or regular
 * face of c, starting at x with its baseline on y, clipped to cv.  Edges
 * are anti-aliased with 16 levels of coverage, which keeps the number of
 * colours (and so the PNG) small.  Returns the advance in pixels (the x
 * where following text would start is x plus it), or -1 when a glyph
 * cannot be rendered or cached (out of memory).
 */
int mq_canvas_text(struct mq_poster_ctx *c, struct mq_canvas *cv, int x,
    int y, unsigned px_size, int bold, const uint8_t rgb[3],
    const char *utf8);

/*
 * Width in pixels utf8 would take if drawn by mq_canvas_text() with the
 * same size and face, or -1 on an allocation failure.
 */
int mq_canvas_text_width(struct mq_poster_ctx *c, unsigned px_size,
    int bold, const char *utf8);

/*
 * Encode cv as a PNG (see the top of this file) into b, which is reset
 * first; name is for messages.  Returns MQ_OK, MQ_EIO (libpng failed;
 * message names name) or MQ_ENOMEM.
 */
int mq_canvas_png(const struct mq_canvas *cv, const char *name,
    struct mq_buf *b);

/*
 * Write cv to path as a PNG, atomically (see the top of this file).
 * Returns MQ_OK, MQ_EIO (message names path) or MQ_ENOMEM; on failure no
 * file is left behind, neither path nor a temporary one.
 */
int mq_canvas_write_png(const struct mq_canvas *cv, const char *path);

#endif /* MQ_POSTER_H */

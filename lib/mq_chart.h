/*
 * mq_chart.h - line and bar charts drawn as PNG, for the operator's
 * statistics page.
 *
 * A chart is drawn on a struct mq_canvas with the primitives of
 * mq_poster.h (rectangles, FreeType text) and written with
 * mq_canvas_write_png(), so it is written atomically and the same
 * arguments always give the same bytes.  The look matches the site's
 * dark theme: a panel-coloured background, light gridlines at "nice"
 * tick values (1, 2, 2.5 or 5 times a power of ten) with readable labels
 * (2,500 / 12k / 0.068), a bold title at the top left and, for several
 * series, a legend at the top right giving each series' latest value.
 *
 * Time axes take dates as YYYYMMDD integers; ticks fall on days, weeks
 * (Mondays), months or years, whichever gives about one label per 72
 * pixels.  Missing values are NaN: a line breaks there, a bar is left
 * out.  A chart without any value shows its title and "no data yet".
 */
#ifndef MQ_CHART_H
#define MQ_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "mq_poster.h"

#define MQ_CHART_WIDTH		720	/* default size */
#define MQ_CHART_HEIGHT		300

/* One line: a name for the legend and n values, NaN where missing. */
struct mq_series {
	const char *name;	/* UTF-8; NULL or "" keeps it out of the legend */
	const double *y;
	size_t n;
};

/*
 * Draw ns series as lines into png_path.  Value i of every series is
 * placed at x_dates[i] (a YYYYMMDD date; x_dates holds at least as many
 * dates as the longest series, in ascending order), or at i + 1 when
 * x_dates is NULL.  Consecutive values are joined; a NaN breaks the line
 * and a value between two gaps shows as a dot; values are also marked
 * with dots when they are at least 8 pixels apart.  The y axis spans the
 * values, from zero when they are positive and the smallest is less than
 * half the largest.  ns is at most 6 (one colour each).  fonts is a
 * context from mq_poster_init() (only its faces and glyph cache are
 * used); w, h of 0 mean MQ_CHART_WIDTH x MQ_CHART_HEIGHT (at least
 * 240 x 160, at most 4096 x 4096).
 * Returns MQ_OK; MQ_EUSAGE for a bad size, ns, an invalid date or dates
 * out of order; MQ_EIO (message names png_path); MQ_ENOMEM.
 */
int mq_chart_line(struct mq_poster_ctx *fonts, const char *title,
    const uint32_t *x_dates, const struct mq_series *s, size_t ns,
    unsigned w, unsigned h, const char *png_path);

/*
 * Draw n bars into png_path, one per category: labels[i] (UTF-8, shown
 * under the bar; when they do not all fit, every k-th is shown) and
 * value v[i] (NaN: no bar), from zero.  Up to 24 bars carry their value
 * above them.  Sizes and returns as for mq_chart_line() (no date check).
 */
int mq_chart_bars(struct mq_poster_ctx *fonts, const char *title,
    const char *const *labels, const double *v, size_t n, unsigned w,
    unsigned h, const char *png_path);

/*
 * Draw n bars on a time axis into png_path: v[i] at x_dates[i] (YYYYMMDD,
 * ascending), each bar one day wide, from zero; NaN leaves a day out.
 * For counts per day.  Sizes and returns as for mq_chart_line().
 */
int mq_chart_date_bars(struct mq_poster_ctx *fonts, const char *title,
    const uint32_t *x_dates, const double *v, size_t n, unsigned w,
    unsigned h, const char *png_path);

/*
 * Day number (days since 1970-01-01) of the YYYYMMDD date ymd, or
 * INT32_MIN when ymd is not a valid date of years 1..9999.
 */
int32_t mq_chart_day(uint32_t ymd);

/* The YYYYMMDD date of day number day (inverse of mq_chart_day()). */
uint32_t mq_chart_ymd(int32_t day);

#endif /* MQ_CHART_H */

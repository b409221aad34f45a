/*
 * mq_chart.c - line and bar charts on an mq_canvas: layout (title,
 * legend, margins sized to the labels), "nice" numeric axes, date axes,
 * anti-aliased lines and dots through a coverage buffer, bars.  The
 * contract of each public function is in mq_chart.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq_chart.h"
#include "mq_err.h"
#include "mq_poster.h"

#define TITLE_PX	16	/* title size, bold */
#define LABEL_PX	12	/* tick labels and legend */
#define EMPTY_PX	14	/* "no data yet" */
#define MAX_SERIES	6
#define MAX_TICKS	64
#define MAX_VALUES	10000000	/* values per series or bars */
#define AA		15	/* coverage levels above zero, as text */
#define PAD_X		8	/* gap between the plot's edges and the first/last point */
#define MARGIN		14	/* left and right canvas margins */

/* The site's dark theme (site/style.css). */
static const uint8_t C_BG[3] = { 0x1f, 0x23, 0x2c };	/* --panel */
static const uint8_t C_GRID[3] = { 0x32, 0x38, 0x46 };	/* --line */
static const uint8_t C_VGRID[3] = { 0x29, 0x2e, 0x39 };
static const uint8_t C_AXIS[3] = { 0x6a, 0x72, 0x85 };
static const uint8_t C_TEXT[3] = { 0xec, 0xee, 0xf2 };	/* --text */
static const uint8_t C_MUTED[3] = { 0xa9, 0xb0, 0xbf };	/* --muted */
static const uint8_t C_SERIES[MAX_SERIES][3] = {
	{ 0xf5, 0xb8, 0x3d },	/* amber, --accent */
	{ 0x8e, 0xcb, 0xff },	/* sky */
	{ 0x7d, 0xdc, 0x9a },	/* green, --ok */
	{ 0xff, 0x9b, 0x8f },	/* coral, --err */
	{ 0xc9, 0xa7, 0xff },	/* violet */
	{ 0xd5, 0xd9, 0xe1 },	/* light grey */
};

static const char *const month_name[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* A linear value axis: ticks lo, lo + step, ..., hi. */
struct axis {
	double lo, hi, step;
	double scale;		/* 1, 1e3 or 1e6 */
	const char *suffix;	/* "", "k" or "M" */
	int dec;		/* decimals of the labels */
};

struct tick {
	double x;
	char label[32];
};

struct chart {
	struct mq_poster_ctx *f;
	struct mq_canvas cv;
	uint8_t *cov;		/* coverage of the series being drawn, w * h */
	int oom;		/* a text could not be drawn */
	int px0, py0, px1, py1;	/* the plot: [px0, px1) x [py0, py1] */
	int pad;		/* PAD_X for lines, 0 for bars */
	double xlo, xhi;	/* x range mapped onto the plot */
	struct axis y;
};

/* ------------------------------------------------------------- dates */

int32_t
mq_chart_day(uint32_t ymd)
{
	static const unsigned char mdays[12] =
	    { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = (int)(ymd / 10000), m = (int)(ymd / 100 % 100),
	    d = (int)(ymd % 100), era, yoe, doy, doe;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return INT32_MIN;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return INT32_MIN;
	/* days from civil (H. Hinnant), March-based years */
	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

uint32_t
mq_chart_ymd(int32_t day)
{
	long z = (long)day + 719468, era, doe, yoe, y, doy, mp, d, m;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0)
		return 0;
	return (uint32_t)(y * 10000 + m * 100 + d);
}

static long
floormod(long a, long b)
{
	long r = a % b;

	return r < 0 ? r + b : r;
}

/*
 * Ticks of a date axis over days [lo, hi] with at most max ticks: every
 * 1 or 2 days, weekly or fortnightly on Mondays, on the first of every
 * 1, 2, 3 or 6 months, or on New Year of every 1, 2, 5, 10, 20, 50 or
 * 100 years.  Returns the number of ticks written to t.
 */
static size_t
date_ticks(double lo, double hi, int max, struct tick *t)
{
	static const struct { int days, months; } unit[] = {
		{ 1, 0 }, { 2, 0 }, { 7, 0 }, { 14, 0 }, { 0, 1 }, { 0, 2 },
		{ 0, 3 }, { 0, 6 }, { 0, 12 }, { 0, 24 }, { 0, 60 },
		{ 0, 120 }, { 0, 240 }, { 0, 600 }, { 0, 1200 }
	};
	size_t k, n = 0, nu = sizeof(unit) / sizeof(unit[0]);
	double span = hi - lo, len;
	long d, m, m0, m1;
	uint32_t ymd;

	if (max < 2)
		max = 2;
	for (k = 0; k + 1 < nu; k++) {
		len = unit[k].days ? unit[k].days : unit[k].months * 30.44;
		if (span / len + 1 <= max)
			break;
	}
	if (unit[k].days) {
		for (d = (long)ceil(lo); d <= (long)floor(hi) &&
		    n < MAX_TICKS; d++) {
			if (unit[k].days == 2 && floormod(d, 2) != 0)
				continue;
			if (unit[k].days >= 7 && (floormod(d + 3, 7) != 0 ||
			    (unit[k].days == 14 &&
			    floormod((d + 3) / 7, 2) != 0)))
				continue;
			ymd = mq_chart_ymd((int32_t)d);
			t[n].x = (double)d;
			snprintf(t[n].label, sizeof(t[n].label), "%u %s",
			    ymd % 100, month_name[ymd / 100 % 100 - 1]);
			if (n == 0)	/* the first label also gives the year */
				snprintf(t[n].label + strlen(t[n].label),
				    sizeof(t[n].label) - strlen(t[n].label),
				    " %u", ymd / 10000);
			n++;
		}
		return n;
	}
	ymd = mq_chart_ymd((int32_t)floor(lo));
	m0 = (long)(ymd / 10000) * 12 + (long)(ymd / 100 % 100) - 1;
	ymd = mq_chart_ymd((int32_t)floor(hi));
	m1 = (long)(ymd / 10000) * 12 + (long)(ymd / 100 % 100) - 1;
	for (m = m0; m <= m1 && n < MAX_TICKS; m++) {
		if (floormod(m, unit[k].months) != 0)
			continue;
		d = mq_chart_day((uint32_t)((m / 12) * 10000 +
		    (m % 12 + 1) * 100 + 1));
		if (d < lo || d > hi)
			continue;
		t[n].x = (double)d;
		if (unit[k].months < 12)
			snprintf(t[n].label, sizeof(t[n].label), "%s %ld",
			    month_name[m % 12], m / 12);
		else
			snprintf(t[n].label, sizeof(t[n].label), "%ld",
			    m / 12);
		n++;
	}
	return n;
}

/* ----------------------------------------------------------- numbers */

/* Append n (an integer) with thousands separators. */
static void
fmt_group(char *buf, size_t sz, double v)
{
	char digits[32], *p = buf;
	size_t nd, i;
	int neg = v < 0;

	snprintf(digits, sizeof(digits), "%.0f", fabs(v));
	nd = strlen(digits);
	if (sz < nd + nd / 3 + 2) {
		snprintf(buf, sz, "%.0f", v);
		return;
	}
	if (neg)
		*p++ = '-';
	for (i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			*p++ = ',';
		*p++ = digits[i];
	}
	*p = '\0';
}

/*
 * A value for a legend or above a bar: "9,724", "12.3k", "1.2M", "0.068"
 * (three significant digits), or an em dash for NaN.
 */
static void
fmt_num(char *buf, size_t sz, double v)
{
	double a = fabs(v);
	size_t n;

	if (!isfinite(v))
		snprintf(buf, sz, "\xe2\x80\x94");
	else if (a >= 1e4) {
		/* 12.3k, 123k, 1.2M; no ".0" */
		snprintf(buf, sz, "%.*f", a >= 1e8 || (a >= 1e5 && a < 1e6) ?
		    0 : 1, a >= 1e6 ? v / 1e6 : v / 1e3);
		if ((n = strlen(buf)) > 2 && strcmp(buf + n - 2, ".0") == 0)
			buf[n -= 2] = '\0';
		snprintf(buf + n, sz - n, "%s", a >= 1e6 ? "M" : "k");
	}
	else if (v == floor(v) || a >= 100)
		fmt_group(buf, sz, round(v));
	else
		snprintf(buf, sz, "%.3g", v);
}

/*
 * Fit an axis of at most max intervals over [lo, hi] with a step of 1,
 * 2, 2.5 or 5 times a power of ten (integer_step: at least 1).
 */
static void
nice_axis(struct axis *a, double lo, double hi, int max, int integer_step)
{
	static const double mult[] = { 1, 2, 2.5, 5, 10 };
	double raw, mag, step = 1, m, x;
	size_t k;

	if (max < 1)
		max = 1;
	if (!(hi > lo)) {
		if (lo > 0)
			lo = 0;
		else if (lo < 0)
			hi = 0;
		else
			hi = 1;
	}
	raw = (hi - lo) / max;
	mag = pow(10, floor(log10(raw)));
	for (k = 0; k < sizeof(mult) / sizeof(mult[0]); k++) {
		step = mult[k] * mag;
		if (step >= raw * (1 - 1e-9))
			break;
	}
	if (integer_step && step < 1)
		step = 1;
	a->step = step;
	a->lo = floor(lo / step + 1e-9) * step;
	a->hi = ceil(hi / step - 1e-9) * step;
	if (a->hi <= a->lo)
		a->hi = a->lo + step;
	m = fmax(fabs(a->lo), fabs(a->hi));
	a->scale = m >= 1e7 ? 1e6 : m >= 1e4 ? 1e3 : 1;
	a->suffix = m >= 1e7 ? "M" : m >= 1e4 ? "k" : "";
	for (a->dec = 0; a->dec < 6; a->dec++) {
		x = step / a->scale * pow(10, a->dec);
		if (fabs(x - round(x)) < 1e-6 * fmax(1, x))
			break;
	}
}

/* The label of tick value v of axis a. */
static void
fmt_tick(char *buf, size_t sz, double v, const struct axis *a)
{
	if (fabs(v) < a->step * 1e-9) {
		snprintf(buf, sz, "0");
		return;
	}
	if (a->dec == 0 && a->scale == 1)
		fmt_group(buf, sz, v);
	else
		snprintf(buf, sz, "%.*f%s", a->dec, v / a->scale, a->suffix);
}

/* ------------------------------------------------------------ drawing */

static int
text_width(struct chart *c, unsigned px, int bold, const char *s)
{
	int w = mq_canvas_text_width(c->f, px, bold, s);

	if (w < 0) {
		c->oom = 1;
		return 0;
	}
	return w;
}

static void
text(struct chart *c, int x, int y, unsigned px, int bold,
    const uint8_t rgb[3], const char *s)
{
	if (mq_canvas_text(c->f, &c->cv, x, y, px, bold, rgb, s) < 0)
		c->oom = 1;
}

/* x and y of values on the plot. */
static double
xpos(const struct chart *c, double x)
{
	double span = c->xhi - c->xlo;

	return c->px0 + c->pad + (x - c->xlo) / span *
	    (c->px1 - c->px0 - 2 * c->pad);
}

static double
ypos(const struct chart *c, double v)
{
	return c->py1 - (v - c->y.lo) / (c->y.hi - c->y.lo) *
	    (c->py1 - c->py0);
}

/*
 * Add to the coverage buffer a segment from (x0, y0) to (x1, y1), hw
 * pixels on each side of it (a dot when both ends are equal), clipped to
 * the plot grown by 4 pixels so that dots on its edges stay whole.
 */
static void
cov_seg(struct chart *c, double x0, double y0, double x1, double y1,
    double hw)
{
	double dx = x1 - x0, dy = y1 - y0, l2 = dx * dx + dy * dy, t, ex,
	    ey, a;
	long ix0, ix1, iy0, iy1, ix, iy;
	uint8_t q, *p;

	ix0 = (long)floor(fmin(x0, x1) - hw - 1);
	ix1 = (long)ceil(fmax(x0, x1) + hw + 1);
	iy0 = (long)floor(fmin(y0, y1) - hw - 1);
	iy1 = (long)ceil(fmax(y0, y1) + hw + 1);
	if (ix0 < c->px0 - 4)
		ix0 = c->px0 - 4;
	if (ix1 > c->px1 + 4)
		ix1 = c->px1 + 4;
	if (iy0 < c->py0 - 4)
		iy0 = c->py0 - 4;
	if (iy1 > c->py1 + 4)
		iy1 = c->py1 + 4;
	for (iy = iy0; iy < iy1; iy++) {
		p = c->cov + (size_t)iy * c->cv.w;
		for (ix = ix0; ix < ix1; ix++) {
			t = l2 > 0 ? ((ix + .5 - x0) * dx +
			    (iy + .5 - y0) * dy) / l2 : 0;
			t = t < 0 ? 0 : t > 1 ? 1 : t;
			ex = x0 + t * dx - (ix + .5);
			ey = y0 + t * dy - (iy + .5);
			a = hw + .5 - sqrt(ex * ex + ey * ey);
			if (a <= 0)
				continue;
			q = (uint8_t)(a >= 1 ? AA : a * AA + .5);
			if (q > p[ix])
				p[ix] = q;
		}
	}
}

/* Blend colour rgb through the coverage buffer, then clear it. */
static void
cov_paint(struct chart *c, const uint8_t rgb[3])
{
	long ix, iy, k;
	uint8_t *q, *p;

	for (iy = c->py0 - 4; iy < c->py1 + 4; iy++) {
		q = c->cov + (size_t)iy * c->cv.w;
		for (ix = c->px0 - 4; ix < c->px1 + 4; ix++) {
			if (q[ix] == 0)
				continue;
			p = c->cv.rgb + ((size_t)iy * c->cv.w + ix) * 3;
			for (k = 0; k < 3; k++)
				p[k] = (uint8_t)((p[k] * (AA - q[ix]) +
				    rgb[k] * q[ix] + AA / 2) / AA);
			q[ix] = 0;
		}
	}
}

/*
 * Set up c: canvas w x h filled with the background, the title, and the
 * legend of names[0..nnames-1] (NULL or "" entries skipped) with their
 * values; leaves the top of the plot in c->py0 and its bottom in c->py1.
 */
static int
frame(struct chart *c, unsigned w, unsigned h, const char *title,
    const char *const *names, const char *const *values, size_t nnames)
{
	int tw, lw = 0, x, y, row2, iw;
	size_t i;

	if (mq_canvas_init(&c->cv, w, h))
		return mq_oom();
	mq_canvas_rect(&c->cv, 0, 0, (int)w, (int)h, C_BG);
	text(c, MARGIN, 25, TITLE_PX, 1, C_TEXT, title);
	tw = text_width(c, TITLE_PX, 1, title);
	for (i = 0; i < nnames; i++) {
		if (names[i] == NULL || names[i][0] == '\0')
			continue;
		if (lw > 0)
			lw += 18;
		lw += 16 + text_width(c, LABEL_PX, 0, names[i]);
		if (values[i] != NULL)
			lw += 6 + text_width(c, LABEL_PX, 1, values[i]);
	}
	row2 = lw > 0 && MARGIN + tw + 28 + lw > (int)w - MARGIN;
	x = row2 ? MARGIN : (int)w - MARGIN - lw;
	y = row2 ? 48 : 25;
	for (i = 0; i < nnames; i++) {
		if (names[i] == NULL || names[i][0] == '\0')
			continue;
		mq_canvas_rect(&c->cv, x, y - 8, 10, 10,
		    C_SERIES[i % MAX_SERIES]);
		x += 16;
		text(c, x, y, LABEL_PX, 0, C_MUTED, names[i]);
		x += text_width(c, LABEL_PX, 0, names[i]);
		if (values[i] != NULL) {
			x += 6;
			text(c, x, y, LABEL_PX, 1, C_TEXT, values[i]);
			x += text_width(c, LABEL_PX, 1, values[i]);
		}
		x += 18;
	}
	c->py0 = row2 ? 70 : 48;
	c->py1 = (int)h - 30;
	/* keep a plot even on the smallest canvas */
	iw = c->py1 - c->py0;
	if (iw < 40)
		c->py0 = c->py1 - 40;
	return MQ_OK;
}

/*
 * The y axis over [lo, hi]: fits it, sets the plot's left edge after the
 * widest label, draws gridlines and labels.  Then the plot's right edge.
 */
static void
y_axis(struct chart *c, double lo, double hi)
{
	char buf[32];
	double v;
	int wmax = 0, wl, y, n;

	n = (c->py1 - c->py0) / 42;
	nice_axis(&c->y, lo, hi, n < 2 ? 2 : n, 0);
	for (v = c->y.lo; v <= c->y.hi + c->y.step * 1e-6; v += c->y.step) {
		fmt_tick(buf, sizeof(buf), v, &c->y);
		wl = text_width(c, LABEL_PX, 0, buf);
		if (wl > wmax)
			wmax = wl;
	}
	c->px0 = MARGIN + wmax + 8;
	c->px1 = (int)c->cv.w - MARGIN - 4;
	for (v = c->y.lo; v <= c->y.hi + c->y.step * 1e-6; v += c->y.step) {
		y = (int)lround(ypos(c, v));
		mq_canvas_rect(&c->cv, c->px0, y, c->px1 - c->px0, 1,
		    C_GRID);
		fmt_tick(buf, sizeof(buf), v, &c->y);
		wl = text_width(c, LABEL_PX, 0, buf);
		text(c, c->px0 - 8 - wl, y + 4, LABEL_PX, 0, C_MUTED, buf);
	}
}

/* A label centred on x under the plot, kept inside the canvas. */
static void
x_label(struct chart *c, double x, const char *s)
{
	int wl = text_width(c, LABEL_PX, 0, s), lx;

	lx = (int)lround(x - wl / 2.0);
	if (lx + wl > (int)c->cv.w - 4)
		lx = (int)c->cv.w - 4 - wl;
	if (lx < 4)
		lx = 4;
	text(c, lx, c->py1 + 19, LABEL_PX, 0, C_MUTED, s);
}

/*
 * The x axis: ticks (dates when dated, else integers), faint vertical
 * gridlines, labels, and the axis line at the bottom of the plot.
 */
static void
x_axis(struct chart *c, int dated)
{
	struct tick t[MAX_TICKS];
	struct axis a;
	size_t n = 0, i;
	double v;
	int x, max = (c->px1 - c->px0) / 72;

	if (dated)
		n = date_ticks(c->xlo, c->xhi, max, t);
	else {
		nice_axis(&a, ceil(c->xlo), floor(c->xhi), max < 1 ? 1 : max,
		    1);
		for (v = a.lo; v <= a.hi && n < MAX_TICKS; v += a.step) {
			if (v < c->xlo || v > c->xhi)
				continue;
			t[n].x = v;
			fmt_tick(t[n].label, sizeof(t[n].label), v, &a);
			n++;
		}
	}
	for (i = 0; i < n; i++) {
		x = (int)lround(xpos(c, t[i].x));
		mq_canvas_rect(&c->cv, x, c->py0, 1, c->py1 - c->py0,
		    C_VGRID);
		mq_canvas_rect(&c->cv, x, c->py1, 1, 5, C_AXIS);
		x_label(c, x + .5, t[i].label);
	}
}

static void
base_line(struct chart *c)
{
	double z = c->y.lo <= 0 && c->y.hi >= 0 ? 0 : c->y.lo;

	mq_canvas_rect(&c->cv, c->px0, (int)lround(ypos(c, z)),
	    c->px1 - c->px0, 1, C_AXIS);
}

/* "no data yet" in the middle of the plot area. */
static void
no_data(struct chart *c)
{
	const char *s = "no data yet";
	int wl = mq_canvas_text_width(c->f, EMPTY_PX, 0, s);

	if (wl < 0) {
		c->oom = 1;
		return;
	}
	c->px0 = MARGIN;
	c->px1 = (int)c->cv.w - MARGIN;
	mq_canvas_rect(&c->cv, c->px0, c->py1, c->px1 - c->px0, 1, C_GRID);
	text(c, ((int)c->cv.w - wl) / 2, (c->py0 + c->py1) / 2 + 5,
	    EMPTY_PX, 0, C_MUTED, s);
}

static int
finish(struct chart *c, const char *png_path)
{
	int rc;

	if (c->oom)
		rc = mq_oom();
	else
		rc = mq_canvas_write_png(&c->cv, png_path);
	mq_canvas_release(&c->cv);
	free(c->cov);
	c->cov = NULL;
	return rc;
}

static int
check_size(unsigned *w, unsigned *h)
{
	if (*w == 0)
		*w = MQ_CHART_WIDTH;
	if (*h == 0)
		*h = MQ_CHART_HEIGHT;
	if (*w < 240 || *h < 160 || *w > 4096 || *h > 4096) {
		mq_warnx("chart size %ux%u out of range", *w, *h);
		return MQ_EUSAGE;
	}
	return MQ_OK;
}

/*
 * Day numbers of x_dates[0..n-1] into xs (or 1..n when x_dates is NULL).
 * Returns MQ_OK or MQ_EUSAGE for an invalid date or one out of order.
 */
static int
x_values(const uint32_t *x_dates, size_t n, double *xs)
{
	size_t i;
	int32_t d;

	for (i = 0; i < n; i++) {
		if (x_dates == NULL) {
			xs[i] = (double)(i + 1);
			continue;
		}
		if ((d = mq_chart_day(x_dates[i])) == INT32_MIN) {
			mq_warnx("chart: invalid date %u", x_dates[i]);
			return MQ_EUSAGE;
		}
		xs[i] = d;
		if (i > 0 && xs[i] < xs[i - 1]) {
			mq_warnx("chart: date %u out of order", x_dates[i]);
			return MQ_EUSAGE;
		}
	}
	return MQ_OK;
}

/* ---------------------------------------------------------------- API */

int
mq_chart_line(struct mq_poster_ctx *fonts, const char *title,
    const uint32_t *x_dates, const struct mq_series *s, size_t ns,
    unsigned w, unsigned h, const char *png_path)
{
	struct chart c;
	const char *names[MAX_SERIES], *vals[MAX_SERIES];
	char vbuf[MAX_SERIES][32];
	double *xs = NULL, lo = INFINITY, hi = -INFINITY, gap = INFINITY,
	    x0 = INFINITY, x1 = -INFINITY, x, y, px, py, r;
	size_t i, k, n = 0, last;
	int rc, dots, prev;

	memset(&c, 0, sizeof(c));
	c.f = fonts;
	if ((rc = check_size(&w, &h)))
		return rc;
	if (ns > MAX_SERIES || (ns > 0 && s == NULL)) {
		mq_warnx("chart: %zu series, at most %d", ns, MAX_SERIES);
		return MQ_EUSAGE;
	}
	for (k = 0; k < ns; k++) {
		if (s[k].n > MAX_VALUES || (s[k].n > 0 && s[k].y == NULL)) {
			mq_warnx("chart: series %zu: bad values", k);
			return MQ_EUSAGE;
		}
		if (s[k].n > n)
			n = s[k].n;
	}
	if (n > 0 && (xs = mq_allocarray(n, sizeof(*xs))) == NULL)
		return mq_oom();
	if ((rc = x_values(x_dates, n, xs)))
		goto out;

	/* ranges, and the latest value of each series for the legend */
	for (k = 0; k < ns; k++) {
		names[k] = s[k].name;
		vals[k] = NULL;
		last = (size_t)-1;
		for (i = 0; i < s[k].n; i++) {
			if (!isfinite(s[k].y[i]))
				continue;
			lo = fmin(lo, s[k].y[i]);
			hi = fmax(hi, s[k].y[i]);
			x0 = fmin(x0, xs[i]);
			x1 = fmax(x1, xs[i]);
			last = i;
		}
		if (last != (size_t)-1) {
			fmt_num(vbuf[k], sizeof(vbuf[k]), s[k].y[last]);
			vals[k] = vbuf[k];
		}
	}
	if ((rc = frame(&c, w, h, title ? title : "", names, vals, ns)))
		goto out;
	if (!(hi >= lo)) {
		no_data(&c);
		rc = finish(&c, png_path);
		goto out;
	}
	if (lo > 0 && lo < hi * .5)
		lo = 0;
	y_axis(&c, lo, hi);
	c.pad = PAD_X;
	c.xlo = x0;
	c.xhi = x1;
	if (!(c.xhi > c.xlo)) {
		c.xlo -= 1;
		c.xhi += 1;
	}
	x_axis(&c, x_dates != NULL);
	base_line(&c);
	if ((c.cov = calloc((size_t)w * h, 1)) == NULL) {
		rc = mq_oom();
		goto out;
	}

	/* dots on the values when consecutive ones are far enough apart */
	for (i = 1; i < n; i++)
		if (xs[i] > xs[i - 1])
			gap = fmin(gap, xs[i] - xs[i - 1]);
	dots = !isfinite(gap) || gap / (c.xhi - c.xlo) *
	    (c.px1 - c.px0 - 2 * c.pad) >= 8;
	r = w >= 480 ? 1.1 : 0.9;	/* half the line width */
	for (k = 0; k < ns; k++) {
		prev = 0;
		px = py = 0;
		for (i = 0; i < s[k].n; i++) {
			if (!isfinite(s[k].y[i])) {
				prev = 0;
				continue;
			}
			x = xpos(&c, xs[i]);
			y = ypos(&c, s[k].y[i]);
			if (prev)
				cov_seg(&c, px, py, x, y, r);
			if (dots || (!prev && (i + 1 >= s[k].n ||
			    !isfinite(s[k].y[i + 1]))))
				cov_seg(&c, x, y, x, y, dots ? 3 : 2.2);
			px = x;
			py = y;
			prev = 1;
		}
		cov_paint(&c, C_SERIES[k]);
	}
	rc = finish(&c, png_path);
out:
	mq_canvas_release(&c.cv);
	free(c.cov);
	free(xs);
	return rc;
}

/* The range of v[0..n-1] from zero, or 0 when no value is finite. */
static int
bar_range(const double *v, size_t n, double *lo, double *hi)
{
	size_t i;
	int any = 0;

	*lo = *hi = 0;
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		*lo = fmin(*lo, v[i]);
		*hi = fmax(*hi, v[i]);
		any = 1;
	}
	return any;
}

/* Fill a bar from zero to v between x and x + bw. */
static void
bar(struct chart *c, int x, int bw, double v)
{
	double z = c->y.lo <= 0 && c->y.hi >= 0 ? 0 : c->y.lo;
	int y0 = (int)lround(ypos(c, z)), y1 = (int)lround(ypos(c, v));

	if (y1 < y0)
		mq_canvas_rect(&c->cv, x, y1, bw, y0 - y1, C_SERIES[0]);
	else if (y1 > y0)
		mq_canvas_rect(&c->cv, x, y0 + 1, bw, y1 - y0, C_SERIES[0]);
}

int
mq_chart_bars(struct mq_poster_ctx *fonts, const char *title,
    const char *const *labels, const double *v, size_t n, unsigned w,
    unsigned h, const char *png_path)
{
	struct chart c;
	char buf[32];
	double lo, hi, slot;
	size_t i, every;
	int rc, bw, x, wl, wmax = 0, values;

	memset(&c, 0, sizeof(c));
	c.f = fonts;
	if ((rc = check_size(&w, &h)))
		return rc;
	if (n > MAX_VALUES || (n > 0 && v == NULL)) {
		mq_warnx("chart: bad bar values");
		return MQ_EUSAGE;
	}
	if ((rc = frame(&c, w, h, title ? title : "", NULL, NULL, 0)))
		goto out;
	if (!bar_range(v, n, &lo, &hi)) {
		no_data(&c);
		rc = finish(&c, png_path);
		goto out;
	}
	values = n <= 24;
	/* room above the tallest bar for its value */
	y_axis(&c, lo, values ? hi + (hi - lo) * .1 : hi);
	slot = (double)(c.px1 - c.px0) / n;
	bw = (int)lround(slot * (n <= 24 ? .7 : .85));
	if (bw < 1)
		bw = 1;
	for (i = 0; labels != NULL && i < n; i++) {
		wl = text_width(&c, LABEL_PX, 0, labels[i] ? labels[i] : "");
		if (wl > wmax)
			wmax = wl;
	}
	every = (size_t)ceil((wmax + 10) / slot);
	if (every < 1)
		every = 1;
	for (i = 0; i < n; i++) {
		x = c.px0 + (int)lround(slot * i + (slot - bw) / 2);
		if (isfinite(v[i]))
			bar(&c, x, bw, v[i]);
		if (labels != NULL && labels[i] != NULL && i % every == 0)
			x_label(&c, x + bw / 2.0, labels[i]);
		if (values && isfinite(v[i])) {
			fmt_num(buf, sizeof(buf), v[i]);
			wl = text_width(&c, LABEL_PX, 0, buf);
			if (wl <= slot + 4)
				text(&c, x + (bw - wl) / 2,
				    (int)lround(ypos(&c, fmax(v[i], 0))) - 5,
				    LABEL_PX, 0, C_TEXT, buf);
		}
	}
	base_line(&c);
	rc = finish(&c, png_path);
out:
	mq_canvas_release(&c.cv);
	return rc;
}

int
mq_chart_date_bars(struct mq_poster_ctx *fonts, const char *title,
    const uint32_t *x_dates, const double *v, size_t n, unsigned w,
    unsigned h, const char *png_path)
{
	struct chart c;
	double *xs = NULL, lo, hi, dayw, xl, xr;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.f = fonts;
	if ((rc = check_size(&w, &h)))
		return rc;
	if (n > MAX_VALUES || (n > 0 && (v == NULL || x_dates == NULL))) {
		mq_warnx("chart: bad bar values");
		return MQ_EUSAGE;
	}
	if (n > 0 && (xs = mq_allocarray(n, sizeof(*xs))) == NULL)
		return mq_oom();
	if ((rc = x_values(x_dates, n, xs)))
		goto out;
	if ((rc = frame(&c, w, h, title ? title : "", NULL, NULL, 0)))
		goto out;
	if (!bar_range(v, n, &lo, &hi)) {
		no_data(&c);
		rc = finish(&c, png_path);
		goto out;
	}
	y_axis(&c, lo, hi);
	c.xlo = xs[0] - .5;
	c.xhi = xs[n - 1] + .5;
	x_axis(&c, 1);
	dayw = (c.px1 - c.px0) / (c.xhi - c.xlo);
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		/* a gap of a fifth of a day between bars when it shows */
		xl = xpos(&c, xs[i] - .5);
		xr = xpos(&c, xs[i] + .5);
		if (dayw >= 4) {
			xl += dayw * .1;
			xr -= dayw * .1;
		}
		bar(&c, (int)lround(xl), (int)fmax(1, lround(xr) - lround(xl)),
		    v[i]);
	}
	base_line(&c);
	rc = finish(&c, png_path);
out:
	mq_canvas_release(&c.cv);
	free(xs);
	return rc;
}

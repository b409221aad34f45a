/*
 * check_monitor.c - the nightly run's measurements on hand-computed
 * cases: the feedback metric (windows, shares, members, malformed lines,
 * the cap on measured dates, the JSON) and the drift PSIs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_suites.h"
#include "mq_buf.h"
#include "mq_data.h"
#include "mq_err.h"
#include "mq_monitor.h"

#define MAXU 16
#define MAXI 32
#define DAY 86400

static uint32_t uids[MAXU], mids[MAXI];
static uint64_t gmask[MAXI];
static const char *gnames[] = { "Action", "Comedy", "Drama" };

/*
 * A data set of nu members (userIds 10, 20, ...) and ni films (movieIds
 * 100, 101, ...) with the n ratings of t, in the manner of check_best.c's
 * fake(); film i has genre bit genre[i] (NULL: i % 3).
 */
static void
fake(struct mq_data *d, uint32_t nu, uint32_t ni, const struct mq_triple *t,
    size_t n, const uint64_t *genre)
{
	uint32_t k;

	ck_assert_uint_le(nu, MAXU);
	ck_assert_uint_le(ni, MAXI);
	memset(d, 0, sizeof(*d));
	for (k = 0; k < nu; k++)
		uids[k] = 10 * (k + 1);
	for (k = 0; k < ni; k++) {
		mids[k] = 100 + k;
		gmask[k] = genre ? genre[k] : UINT64_C(1) << (k % 3);
	}
	d->nusers = nu;
	d->user_id = uids;
	d->nmovies = ni;
	d->movie_id = mids;
	d->genres = gmask;
	d->ngenres = 3;
	for (k = 0; k < 3; k++)
		d->genre_name[k] = gnames[k];
	ck_assert_int_eq(mq_matrix_build(&d->R, nu, ni, t, n), MQ_OK);
}

static int64_t
epoch(uint32_t date)
{
	int64_t ts = -1;

	ck_assert_int_eq(mq_monitor_date_epoch(date, &ts), MQ_OK);
	return ts;
}

/* Write s to a new file in a new temporary directory; free with unfile. */
static char *
file_with(const char *s)
{
	char dir[] = "/tmp/mqmonXXXXXX", *path;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = malloc(strlen(dir) + 32);
	ck_assert_ptr_nonnull(path);
	sprintf(path, "%s/recommended.tsv", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(s, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static void
unfile(char *path)
{
	char *slash = strrchr(path, '/');

	unlink(path);
	*slash = '\0';
	rmdir(path);
	free(path);
}

static void
ck_count(const struct mq_feedback_count *c, uint64_t rec, uint64_t rated,
    uint32_t mem, uint32_t mrated)
{
	ck_assert_uint_eq(c->recommended, rec);
	ck_assert_uint_eq(c->rated, rated);
	ck_assert_uint_eq(c->members, mem);
	ck_assert_uint_eq(c->members_rated, mrated);
	ck_assert_double_eq_tol(c->share, rec ? (double)rated / rec : 0,
	    1e-15);
	ck_assert_double_eq_tol(c->members_share,
	    mem ? (double)mrated / mem : 0, 1e-15);
}

/*
 * Members 10 and 20, films 100..105.  On 20261101: member 10 got 100 and
 * 101 (item) and 102 (user); member 20 got 103 (item), 104 and 105
 * (user).  On 20261105: 10 got 103 (series), 20 got 100 (discovery) and
 * 102 (a model this program does not know).  Ratings:
 *   (10, 101) 2 days after 1101          in its window
 *   (20, 104) 10 days after 1101         after a 7-day window
 *   (20, 105) 1101 + 7 days exactly      the window's end is excluded
 *   (20, 103) 1 s before 1101            before the window
 *   (10, 103) 1105 00:00 exactly         in: the start is included
 *   (20, 100) 1 s before 1105 + 7 days   in
 * So 1101: 6 films, 1 rated (1/6); 2 members, 1 rated one (1/2); item
 * 3/1 with members 2/1, user 3/0 with members 2/0.  1105: 3 films, 2
 * rated; series 1/1, discovery 1/1, other 1/0; members 2/2.
 */
static const char hand_tsv[] =
    "10\t100\t20261101\titem\n"
    "10\t101\t20261101\titem\n"
    "10\t102\t20261101\tuser\r\n"
    "20\t103\t20261101\titem\n"
    "20\t104\t20261101\tuser\n"
    "20\t105\t20261101\tuser\n"
    "10\t103\t20261105\tseries\n"
    "20\t100\t20261105\tdiscovery\n"
    "20\t102\t20261105\tweird\n"
    /* malformed: 7 lines */
    "abc\t100\t20261101\titem\n"
    "10\t100\t20261131\titem\n"
    "10\t100\t20261101\n"
    "10\t100\t20261101\t\n"
    "\n"
    "10\t100\t20261101\titem extra\n"
    "99999999999\t100\t20261101\titem\n"
    /* unknown member, unknown film: 2 lines */
    "30\t100\t20261101\titem\n"
    "10\t999\t20261101\titem";

static void
hand_data(struct mq_data *d)
{
	int64_t a = epoch(20261101), b = epoch(20261105);
	struct mq_triple t[] = {
		{ 0, 1, a + 2 * DAY, 8 },
		{ 1, 4, a + 10 * DAY, 6 },
		{ 1, 5, a + 7 * DAY, 7 },
		{ 1, 3, a - 1, 9 },
		{ 0, 3, b, 10 },
		{ 1, 0, b + 7 * DAY - 1, 5 },
	};

	fake(d, 2, 6, t, sizeof(t) / sizeof(t[0]), NULL);
}

START_TEST(dates_are_epoch_days)
{
	int64_t ts = 7;
	uint32_t y, m, dd;

	ck_assert_int_eq(mq_monitor_date_epoch(19700101, &ts), MQ_OK);
	ck_assert_int_eq(ts, 0);
	ck_assert_int_eq(epoch(20000229), 951782400);
	ck_assert_int_eq(epoch(19691231), -DAY);
	ck_assert_int_eq(epoch(20240229) + DAY, epoch(20240301));
	ts = 7;
	ck_assert_int_eq(mq_monitor_date_epoch(20230229, &ts), MQ_EUSAGE);
	ck_assert_int_eq(mq_monitor_date_epoch(19000229, &ts), MQ_EUSAGE);
	ck_assert_int_eq(mq_monitor_date_epoch(20261301, &ts), MQ_EUSAGE);
	ck_assert_int_eq(mq_monitor_date_epoch(20261100, &ts), MQ_EUSAGE);
	ck_assert_int_eq(mq_monitor_date_epoch(0, &ts), MQ_EUSAGE);
	ck_assert_int_eq(ts, 7);
	/* every day of 1890..2110 agrees with timegm(3) */
	for (y = 1890; y <= 2110; y++)
		for (m = 1; m <= 12; m++)
			for (dd = 1; dd <= 31; dd++) {
				struct tm tm;
				time_t want;

				memset(&tm, 0, sizeof(tm));
				tm.tm_year = (int)y - 1900;
				tm.tm_mon = (int)m - 1;
				tm.tm_mday = (int)dd;
				want = timegm(&tm);
				if (tm.tm_mday != (int)dd) {	/* normalised */
					ck_assert_int_eq(mq_monitor_date_epoch(
					    y * 10000 + m * 100 + dd, &ts),
					    MQ_EUSAGE);
					continue;
				}
				ck_assert_int_eq(epoch(y * 10000 + m * 100 +
				    dd), (int64_t)want);
			}
}
END_TEST

START_TEST(feedback_shares_by_hand)
{
	struct mq_data d;
	struct mq_feedback_metric m;
	const struct mq_feedback_run *r;
	char *path = file_with(hand_tsv);

	hand_data(&d);
	/* run 20261112: both windows closed (1105 + 7 = 1112) */
	ck_assert_int_eq(mq_monitor_feedback(&d, path, 20261112, 7, &m),
	    MQ_OK);
	ck_assert_uint_eq(m.lines, 18);
	ck_assert_uint_eq(m.malformed, 7);
	ck_assert_uint_eq(m.unknown, 2);
	ck_assert_uint_eq(m.open, 0);
	ck_assert_uint_eq(m.older, 0);
	ck_assert_uint_eq(m.nruns, 2);
	r = &m.runs[0];
	ck_assert_uint_eq(r->date, 20261101);
	ck_count(&r->all, 6, 1, 2, 1);
	ck_assert_double_eq_tol(r->all.share, 1.0 / 6, 1e-15);
	ck_assert_double_eq_tol(r->all.members_share, 0.5, 1e-15);
	ck_count(&r->by_model[MQ_MON_ITEM], 3, 1, 2, 1);
	ck_count(&r->by_model[MQ_MON_USER], 3, 0, 2, 0);
	ck_count(&r->by_model[MQ_MON_SERIES], 0, 0, 0, 0);
	ck_count(&r->by_model[MQ_MON_OTHER], 0, 0, 0, 0);
	r = &m.runs[1];
	ck_assert_uint_eq(r->date, 20261105);
	ck_count(&r->all, 3, 2, 2, 2);
	ck_count(&r->by_model[MQ_MON_SERIES], 1, 1, 1, 1);
	ck_count(&r->by_model[MQ_MON_DISCOVERY], 1, 1, 1, 1);
	ck_count(&r->by_model[MQ_MON_OTHER], 1, 0, 1, 0);
	ck_count(&r->by_model[MQ_MON_ITEM], 0, 0, 0, 0);
	mq_monitor_feedback_release(&m);
	ck_assert_ptr_null(m.runs);

	/* a 14-day window: (20, 104) at +10 days now counts for 1101, but
	   1101 + 14 = 1115 > 1112: still open, like 1105 */
	ck_assert_int_eq(mq_monitor_feedback(&d, path, 20261112, 14, &m),
	    MQ_OK);
	ck_assert_uint_eq(m.nruns, 0);
	ck_assert_uint_eq(m.open, 11);	/* the unknown ids too */
	mq_monitor_feedback_release(&m);
	ck_assert_int_eq(mq_monitor_feedback(&d, path, 20261115, 14, &m),
	    MQ_OK);
	ck_assert_uint_eq(m.nruns, 1);
	ck_count(&m.runs[0].all, 6, 3, 2, 2);	/* 101, 104, 105 */
	ck_count(&m.runs[0].by_model[MQ_MON_USER], 3, 2, 2, 1);
	mq_monitor_feedback_release(&m);

	mq_matrix_release(&d.R);
	unfile(path);
}
END_TEST

START_TEST(feedback_open_windows_are_not_measured)
{
	struct mq_data d;
	struct mq_feedback_metric m;
	char *path = file_with(hand_tsv);

	hand_data(&d);
	/* 1108: 1101's window has just closed, 1105's has not */
	ck_assert_int_eq(mq_monitor_feedback(&d, path, 20261108, 7, &m),
	    MQ_OK);
	ck_assert_uint_eq(m.nruns, 1);
	ck_assert_uint_eq(m.runs[0].date, 20261101);
	ck_count(&m.runs[0].all, 6, 1, 2, 1);
	ck_assert_uint_eq(m.open, 3);
	mq_monitor_feedback_release(&m);
	/* 1107: nothing closed yet; the malformed lines are still counted */
	ck_assert_int_eq(mq_monitor_feedback(&d, path, 20261107, 7, &m),
	    MQ_OK);
	ck_assert_uint_eq(m.nruns, 0);
	ck_assert_uint_eq(m.open, 11);
	ck_assert_uint_eq(m.malformed, 7);
	/* ids are looked up only for closed dates */
	ck_assert_uint_eq(m.unknown, 0);
	mq_monitor_feedback_release(&m);
	/* the run date itself, and later ones, are open */
	ck_assert_int_eq(mq_monitor_feedback(&d, path, 20261101, 1, &m),
	    MQ_OK);
	ck_assert_uint_eq(m.nruns, 0);
	ck_assert_uint_eq(m.open, 11);
	mq_monitor_feedback_release(&m);
	ck_assert_int_eq(mq_monitor_feedback(&d, path, 20261102, 1, &m),
	    MQ_OK);
	ck_assert_uint_eq(m.nruns, 1);
	ck_count(&m.runs[0].all, 6, 0, 2, 0);	/* 101 came on day 3 */
	mq_monitor_feedback_release(&m);
	mq_matrix_release(&d.R);
	unfile(path);
}
END_TEST

START_TEST(feedback_bad_arguments_and_missing_file)
{
	struct mq_data d;
	struct mq_feedback_metric m;
	char *path = file_with(hand_tsv);

	hand_data(&d);
	ck_assert_int_eq(mq_monitor_feedback(&d, path, 20261112, 0, &m),
	    MQ_EUSAGE);
	ck_assert_uint_eq(m.nruns, 0);
	ck_assert_int_eq(mq_monitor_feedback(&d, path, 20261131, 7, &m),
	    MQ_EUSAGE);
	ck_assert_ptr_null(m.runs);
	unfile(path);
	/* the first night: no file yet */
	ck_assert_int_eq(mq_monitor_feedback(&d, "/nonexistent/recommended.tsv",
	    20261112, 7, &m), MQ_OK);
	ck_assert_uint_eq(m.nruns, 0);
	ck_assert_uint_eq(m.lines, 0);
	mq_monitor_feedback_release(&m);
	/* a directory cannot be read as a file */
	ck_assert_int_eq(mq_monitor_feedback(&d, "/", 20261112, 7, &m),
	    MQ_EIO);
	mq_monitor_feedback_release(NULL);
	mq_matrix_release(&d.R);
}
END_TEST

/*
 * MQ_MONITOR_MAX_RUNS + 2 closed dates, one line each, in a scrambled
 * order: the newest MQ_MONITOR_MAX_RUNS are measured, the two oldest
 * are counted as older, whether they come before or after the others.
 */
START_TEST(feedback_keeps_the_newest_dates)
{
	struct mq_data d;
	struct mq_feedback_metric m;
	struct mq_buf b = MQ_BUF_INIT;
	struct mq_triple t = { 0, 0, 0, 10 };
	uint32_t dates[MQ_MONITOR_MAX_RUNS + 2], n = MQ_MONITOR_MAX_RUNS + 2;
	uint32_t k;
	char *path;

	ck_assert_uint_le(n, 12 * 28);
	for (k = 0; k < n; k++)
		dates[k] = 20250000 + (k / 28 + 1) * 100 + k % 28 + 1;
	/* member 10 scrambled (the oldest come early and are evicted),
	   member 20 newest first (the oldest come when the table is full) */
	for (k = 0; k < n; k++)
		mq_buf_printf(&b, "10\t100\t%u\titem\n", dates[k * 37 % n]);
	for (k = 0; k < n; k++)
		mq_buf_printf(&b, "20\t100\t%u\tuser\n", dates[n - 1 - k]);
	ck_assert_int_eq(mq_buf_ok(&b), MQ_OK);
	path = file_with(b.s);
	t.ts = epoch(dates[n - 1]) + 3600;	/* rated on the newest date */
	fake(&d, 2, 1, &t, 1, NULL);
	ck_assert_int_eq(mq_monitor_feedback(&d, path, 20261231, 7, &m),
	    MQ_OK);
	ck_assert_uint_eq(m.nruns, MQ_MONITOR_MAX_RUNS);
	ck_assert_uint_eq(m.older, 4);
	ck_assert_uint_eq(m.lines, 2 * n);
	for (k = 0; k < m.nruns; k++) {
		int64_t t0 = epoch(dates[k + 2]);
		int in = t.ts >= t0 && t.ts < t0 + 7 * DAY;

		ck_assert_uint_eq(m.runs[k].date, dates[k + 2]);
		ck_count(&m.runs[k].all, 2, in, 2, in);
		ck_count(&m.runs[k].by_model[MQ_MON_ITEM], 1, in, 1, in);
		ck_count(&m.runs[k].by_model[MQ_MON_USER], 1, 0, 1, 0);
		ck_assert_int_eq(in, k + 7 >= m.nruns);	/* the last 7 */
	}
	mq_monitor_feedback_release(&m);
	mq_buf_release(&b);
	mq_matrix_release(&d.R);
	unfile(path);
}
END_TEST

START_TEST(feedback_json)
{
	struct mq_data d;
	struct mq_feedback_metric m;
	struct mq_buf b = MQ_BUF_INIT;
	char *path = file_with(hand_tsv);
	const char *want = "{\"run_date\": 20261112, \"x_days\": 7, "
	    "\"lines\": 18, \"malformed\": 7, \"unknown\": 2, \"open\": 0, "
	    "\"older\": 0, \"runs\": [{\"date\": 20261101, \"by_model\": "
	    "{\"item\": {\"recommended\": 3, \"rated\": 1, \"share\": "
	    "0.333333, \"members\": 2, \"members_rated\": 1, "
	    "\"members_share\": 0.5}, \"user\": {\"recommended\": 3, "
	    "\"rated\": 0, \"share\": 0, \"members\": 2, \"members_rated\": 0, "
	    "\"members_share\": 0}, \"series\": {";

	hand_data(&d);
	ck_assert_int_eq(mq_monitor_feedback(&d, path, 20261112, 7, &m),
	    MQ_OK);
	mq_monitor_feedback_json(&m, &b);
	ck_assert_int_eq(mq_buf_ok(&b), MQ_OK);
	ck_assert_msg(strncmp(b.s, want, strlen(want)) == 0, "%s", b.s);
	ck_assert_ptr_nonnull(strstr(b.s, "\"popular\": {\"recommended\": 0, "
	    "\"rated\": 0, \"share\": 0, \"members\": 0, \"members_rated\": 0, "
	    "\"members_share\": 0}}, \"all\": {\"recommended\": 6, \"rated\": "
	    "1, \"share\": 0.166667, \"members\": 2, \"members_rated\": 1, "
	    "\"members_share\": 0.5}}, {\"date\": 20261105, "));
	/* "other" only where it has lines: in the second run */
	ck_assert_ptr_nonnull(strstr(b.s, "\"other\": {\"recommended\": 1, "
	    "\"rated\": 0"));
	ck_assert_ptr_eq(strstr(b.s, "\"other\""),
	    strstr(strstr(b.s, "20261105"), "\"other\""));
	ck_assert_str_eq(b.s + b.len - 3, "}]}");
	mq_monitor_feedback_release(&m);
	mq_buf_release(&b);
	mq_matrix_release(&d.R);
	unfile(path);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Drift. */

START_TEST(psi_by_hand)
{
	uint64_t e[3] = { 1, 1, 0 }, a[3] = { 1, 3, 0 }, z[3] = { 0, 0, 0 };
	uint64_t one[2] = { 1, 0 }, other[2] = { 0, 5 };
	double eps = 1e-4;

	/* shares .5 .5 against .25 .75: -.25 ln .5 + .25 ln 1.5 = .25 ln 3;
	   the bin empty on both sides adds (eps - eps) ln 1 = 0 */
	ck_assert_double_eq_tol(mq_monitor_psi(e, a, 3, eps),
	    0.25 * log(3.0), 1e-15);
	ck_assert_double_eq_tol(mq_monitor_psi(a, e, 3, eps),
	    0.25 * log(3.0), 1e-15);	/* symmetric */
	ck_assert_double_eq(mq_monitor_psi(e, e, 3, eps), 0);
	ck_assert_double_eq(mq_monitor_psi(e, z, 3, eps), 0);
	ck_assert_double_eq(mq_monitor_psi(z, a, 3, eps), 0);
	/* disjoint: 2 (1 - eps) ln(1 / eps) */
	ck_assert_double_eq_tol(mq_monitor_psi(one, other, 2, eps),
	    2 * (1 - eps) * log(1 / eps), 1e-12);
}
END_TEST

/*
 * 10 members; before the cut each rates films 0..9 with 0.5..5.0 (10 of
 * each value), after it films 10..19.  Film i and film i + 10 share a
 * genre.  same: after the cut the values are 0.5..5.0 again; shift:
 * every rating after the cut is 5.0.
 */
static int64_t
drift_data(struct mq_data *d, int shift, uint32_t nafter_members)
{
	static uint64_t genre[20];
	struct mq_triple t[200];
	int64_t cut = 1000000;
	uint32_t u, i;
	size_t n = 0;

	for (i = 0; i < 20; i++)
		genre[i] = UINT64_C(1) << (i % 10 % 3);
	for (u = 0; u < 10; u++)
		for (i = 0; i < 20; i++) {
			if (i >= 10 && u >= nafter_members)
				continue;
			t[n++] = (struct mq_triple){ u, i,
			    i < 10 ? cut - 1000 + i : cut + i,
			    (uint8_t)(shift && i >= 10 ? 10 : i % 10 + 1) };
		}
	fake(d, 10, 20, t, n, genre);
	return cut;
}

START_TEST(drift_identical_is_zero)
{
	struct mq_data d;
	struct mq_drift dr;
	int64_t cut = drift_data(&d, 0, 10);

	ck_assert_int_eq(mq_monitor_drift(&d, cut, NULL, &dr), MQ_OK);
	ck_assert_uint_eq(dr.before_ratings, 100);
	ck_assert_uint_eq(dr.after_ratings, 100);
	ck_assert_uint_eq(dr.before_members, 10);
	ck_assert_uint_eq(dr.after_members, 10);
	ck_assert_uint_eq(dr.before_genre, 100);
	ck_assert_double_eq_tol(dr.psi_value, 0, 1e-12);
	ck_assert_double_eq_tol(dr.psi_genre, 0, 1e-12);
	ck_assert_double_eq_tol(dr.psi_activity, 0, 1e-12);
	ck_assert_double_eq_tol(dr.psi_max, 0, 1e-12);
	ck_assert_int_eq(dr.small, 0);
	ck_assert_int_eq(dr.alert, 0);
	/* a cut before every rating: nothing before, nothing to compare */
	ck_assert_int_eq(mq_monitor_drift(&d, 0, NULL, &dr), MQ_OK);
	ck_assert_uint_eq(dr.before_ratings, 0);
	ck_assert_uint_eq(dr.after_ratings, 200);
	ck_assert_double_eq(dr.psi_max, 0);
	ck_assert_int_eq(dr.small, 1);
	ck_assert_int_eq(dr.alert, 0);
	mq_matrix_release(&d.R);
}
END_TEST

START_TEST(drift_known_shift_and_alert)
{
	struct mq_data d;
	struct mq_drift dr;
	struct mq_drift_params p;
	struct mq_buf b = MQ_BUF_INIT;
	int64_t cut = drift_data(&d, 1, 10);
	double eps = 1e-4, want;

	/* before: 0.1 in each of the 10 value bins; after: 1 in the last,
	   eps in the 9 others */
	want = 9 * (eps - 0.1) * log(eps / 0.1) + (1 - 0.1) * log(1 / 0.1);
	ck_assert_int_eq(mq_monitor_drift(&d, cut, NULL, &dr), MQ_OK);
	ck_assert_double_eq_tol(dr.psi_value, want, 1e-12);
	ck_assert_double_eq_tol(want, 8.283089355, 1e-9);
	ck_assert_double_eq_tol(dr.psi_genre, 0, 1e-12);
	ck_assert_double_eq_tol(dr.psi_activity, 0, 1e-12);
	ck_assert_double_eq(dr.psi_max, dr.psi_value);
	ck_assert_int_eq(dr.small, 0);
	ck_assert_int_eq(dr.alert, 1);
	mq_monitor_drift_json(&dr, &b);
	ck_assert_int_eq(mq_buf_ok(&b), MQ_OK);
	ck_assert_str_eq(b.s, "{\"cut\": 1000000, \"threshold\": 0.2, "
	    "\"eps\": 0.0001, \"min_before\": 100, \"min_after\": 100, "
	    "\"activity_span\": 0, \"before\": {\"ratings\": 100, \"members\": 10, \"genre_pairs\": "
	    "100}, \"after\": {\"ratings\": 100, \"members\": 10, "
	    "\"genre_pairs\": 100}, \"psi\": {\"value\": 8.28309, \"genre\": 0, "
	    "\"activity\": 0}, \"max\": 8.28309, \"small_sample\": false, "
	    "\"alert\": true}");
	/* a threshold above the shift: no alert */
	mq_drift_params_init(&p);
	p.threshold = 9;
	ck_assert_int_eq(mq_monitor_drift(&d, cut, &p, &dr), MQ_OK);
	ck_assert_int_eq(dr.alert, 0);
	/* bad parameters */
	p.threshold = 0;
	ck_assert_int_eq(mq_monitor_drift(&d, cut, &p, &dr), MQ_EUSAGE);
	p.threshold = 0.2;
	p.eps = 1;
	ck_assert_int_eq(mq_monitor_drift(&d, cut, &p, &dr), MQ_EUSAGE);
	p.eps = NAN;
	ck_assert_int_eq(mq_monitor_drift(&d, cut, &p, &dr), MQ_EUSAGE);
	mq_buf_release(&b);
	mq_matrix_release(&d.R);
}
END_TEST

START_TEST(drift_small_sample_does_not_alert)
{
	struct mq_data d;
	struct mq_drift dr;
	struct mq_drift_params p;
	int64_t cut = drift_data(&d, 1, 5);	/* 50 ratings after */

	ck_assert_int_eq(mq_monitor_drift(&d, cut, NULL, &dr), MQ_OK);
	ck_assert_uint_eq(dr.after_ratings, 50);
	ck_assert_uint_eq(dr.after_members, 5);
	ck_assert_double_gt(dr.psi_value, 8);	/* still measured */
	ck_assert_int_eq(dr.small, 1);
	ck_assert_int_eq(dr.alert, 0);
	mq_drift_params_init(&p);
	p.min_after = 50;
	ck_assert_int_eq(mq_monitor_drift(&d, cut, &p, &dr), MQ_OK);
	ck_assert_int_eq(dr.small, 0);
	ck_assert_int_eq(dr.alert, 1);
	mq_matrix_release(&d.R);
}
END_TEST

/*
 * Activity bins 1 | 2-3 | 4-7: member 0 has 3 ratings before the cut;
 * after it member 1 has 2 (same bin: PSI 0) or 4 (next bin:
 * 2 (1 - eps) ln(1 / eps)).  Genres: films 0..2 are Action, films 3..6
 * Comedy, and film 0 also Drama: before {A 3, D 1} of 4 pairs.
 */
START_TEST(drift_activity_bins_and_genres)
{
	static const uint64_t genre[7] = { 5, 1, 1, 2, 2, 2, 2 };
	struct mq_triple t[7];
	struct mq_data d;
	struct mq_drift dr;
	struct mq_drift_params p;
	double eps = 1e-4;
	size_t n = 0;
	uint32_t i;

	mq_drift_params_init(&p);
	p.min_before = p.min_after = 1;
	for (i = 0; i < 3; i++)
		t[n++] = (struct mq_triple){ 0, i, 10, 8 };
	for (i = 3; i < 5; i++)
		t[n++] = (struct mq_triple){ 1, i, 20, 8 };
	fake(&d, 2, 7, t, n, genre);
	ck_assert_int_eq(mq_monitor_drift(&d, 20, &p, &dr), MQ_OK);
	ck_assert_double_eq(dr.psi_value, 0);
	ck_assert_double_eq_tol(dr.psi_activity, 0, 1e-12);
	ck_assert_uint_eq(dr.before_genre, 4);
	ck_assert_uint_eq(dr.after_genre, 2);
	/* before A .75 C eps D .25, after A eps C 1 D eps */
	ck_assert_double_eq_tol(dr.psi_genre, (eps - 0.75) * log(eps / 0.75) +
	    (1 - eps) * log(1 / eps) + (eps - 0.25) * log(eps / 0.25), 1e-12);
	ck_assert_int_eq(dr.alert, 1);
	mq_matrix_release(&d.R);

	for (i = 5; i < 7; i++)
		t[n++] = (struct mq_triple){ 1, i, 30, 8 };
	fake(&d, 2, 7, t, n, genre);
	ck_assert_int_eq(mq_monitor_drift(&d, 20, &p, &dr), MQ_OK);
	ck_assert_double_eq_tol(dr.psi_activity, 2 * (1 - eps) * log(1 / eps),
	    1e-12);
	mq_matrix_release(&d.R);
}
END_TEST

/*
 * Member 0 rated 3 films long ago (ts 0..2) and 2 in the last 100 s
 * before the cut at 1000; member 1 rated 2 films after it.  Over every
 * rating the activity is 5 (bin 4-7) against 2 (bin 2-3); over spans of
 * 100 s it is 2 against 2.  Values and genres do not depend on the span.
 */
START_TEST(drift_activity_span)
{
	struct mq_triple t[] = {
		{ 0, 0, 0, 6 }, { 0, 1, 1, 6 }, { 0, 2, 2, 6 },
		{ 0, 3, 950, 6 }, { 0, 4, 999, 6 },
		{ 1, 5, 1000, 6 }, { 1, 6, 1099, 6 },
	};
	struct mq_data d;
	struct mq_drift dr, dr2;
	struct mq_drift_params p;
	double eps = 1e-4;

	mq_drift_params_init(&p);
	p.min_before = p.min_after = 1;
	fake(&d, 2, 7, t, sizeof(t) / sizeof(t[0]), NULL);
	ck_assert_int_eq(mq_monitor_drift(&d, 1000, &p, &dr), MQ_OK);
	ck_assert_double_eq_tol(dr.psi_activity, 2 * (1 - eps) * log(1 / eps),
	    1e-12);
	p.activity_span = 100;
	ck_assert_int_eq(mq_monitor_drift(&d, 1000, &p, &dr2), MQ_OK);
	ck_assert_double_eq(dr2.psi_activity, 0);
	ck_assert_double_eq(dr2.psi_value, dr.psi_value);
	ck_assert_double_eq(dr2.psi_genre, dr.psi_genre);
	ck_assert_uint_eq(dr2.before_ratings, 5);
	ck_assert_uint_eq(dr2.after_ratings, 2);
	/* the after side ends at cut + span: with 99 s, 1099 is out, so
	   2 ratings (950, 999) against 1 */
	p.activity_span = 99;
	ck_assert_int_eq(mq_monitor_drift(&d, 1000, &p, &dr2), MQ_OK);
	ck_assert_double_eq_tol(dr2.psi_activity,
	    2 * (1 - eps) * log(1 / eps), 1e-12);
	p.activity_span = -1;
	ck_assert_int_eq(mq_monitor_drift(&d, 1000, &p, &dr2), MQ_EUSAGE);
	mq_matrix_release(&d.R);
}
END_TEST

Suite *
monitor_suite(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = tcase_create("feedback");

	tcase_add_test(tc, dates_are_epoch_days);
	tcase_add_test(tc, feedback_shares_by_hand);
	tcase_add_test(tc, feedback_open_windows_are_not_measured);
	tcase_add_test(tc, feedback_bad_arguments_and_missing_file);
	tcase_add_test(tc, feedback_keeps_the_newest_dates);
	tcase_add_test(tc, feedback_json);
	suite_add_tcase(s, tc);
	tc = tcase_create("drift");
	tcase_add_test(tc, psi_by_hand);
	tcase_add_test(tc, drift_identical_is_zero);
	tcase_add_test(tc, drift_known_shift_and_alert);
	tcase_add_test(tc, drift_small_sample_does_not_alert);
	tcase_add_test(tc, drift_activity_bins_and_genres);
	tcase_add_test(tc, drift_activity_span);
	suite_add_tcase(s, tc);
	return s;
}

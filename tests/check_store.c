/*
 * check_store.c - the SQLite store: schema, members, sessions, ratings,
 * the batch's snapshot, rate limits and concurrent writers.
 *
 * Every test works in its own temporary directory.  Argon2 runs at
 * libsodium's minimum cost (mq_store_set_hash_cost) to keep the suite
 * fast.  MQ_STORE_TIMING=1 prints the time of the concurrency test.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "check_suites.h"
#include "mq_err.h"
#include "mq_store.h"

Suite *store_suite(void);

#define NOW	1700000000
#define TTL	3600
#define FLOOR	610	/* the largest userId of ml-latest-small */

struct tmp {
	char dir[32];
	char db[64];
};

static const struct mq_rating_in three[] = {
	{ 1, 8 }, { 2, 6 }, { 3, 10 }
};

static void
tmp_init(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/mq_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->db, sizeof(t->db), "%s/store.db", t->dir);
}

static void
tmp_release(struct tmp *t)
{
	char p[96];

	unlink(t->db);
	snprintf(p, sizeof(p), "%s-wal", t->db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", t->db);
	unlink(p);
	rmdir(t->dir);
}

static struct mq_store *
open_fast(const char *path, int readonly)
{
	struct mq_store *s;

	ck_assert_int_eq(mq_store_open(&s, path, readonly), MQ_OK);
	ck_assert_int_eq(mq_store_set_hash_cost(s, crypto_pwhash_OPSLIMIT_MIN,
	    crypto_pwhash_MEMLIMIT_MIN), MQ_OK);
	return s;
}

/* The first column of the first row of sql (?1 bound to p1 if given). */
static int64_t
raw_i64(const char *path, const char *sql, const char *p1)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (p1 != NULL)
		ck_assert_int_eq(sqlite3_bind_text(st, 1, p1, -1,
		    SQLITE_TRANSIENT), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
raw_text(const char *path, const char *sql, char *buf, size_t size)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	const unsigned char *t;

	buf[0] = '\0';
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = sqlite3_column_text(st, 0)) != NULL)
		snprintf(buf, size, "%s", (const char *)t);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int
is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

START_TEST(migrate_and_reopen)
{
	struct tmp t;
	struct mq_store *s;
	char mode[16];
	uint32_t id;

	tmp_init(&t);
	/* read-only never creates */
	ck_assert_int_eq(mq_store_open(&s, t.db, 1), MQ_EIO);
	ck_assert_ptr_null(s);

	s = open_fast(t.db, 0);
	ck_assert_int_eq(raw_i64(t.db, "PRAGMA user_version", NULL),
	    MQ_STORE_SCHEMA);
	raw_text(t.db, "PRAGMA journal_mode", mode, sizeof(mode));
	ck_assert_str_eq(mode, "wal");
	ck_assert_int_eq(mq_store_signup(s, "alice", "pw-alice", FLOOR, three,
	    3, NOW, &id), MQ_OK);
	mq_store_close(s);

	/* reopening applies nothing and keeps the data */
	s = open_fast(t.db, 0);
	mq_store_close(s);
	ck_assert_int_eq(raw_i64(t.db, "PRAGMA user_version", NULL),
	    MQ_STORE_SCHEMA);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM members", NULL),
	    1);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM ratings", NULL),
	    3);

	/* a schema from the future is refused, both ways */
	raw_exec(t.db, "PRAGMA user_version = 99");
	ck_assert_int_eq(mq_store_open(&s, t.db, 0), MQ_EDATA);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(mq_store_open(&s, t.db, 1), MQ_EDATA);
	raw_exec(t.db, "PRAGMA user_version = 1");
	ck_assert_int_eq(mq_store_open(&s, t.db, 1), MQ_OK);
	mq_store_close(s);
	mq_store_close(NULL);
	tmp_release(&t);
}
END_TEST

START_TEST(signup_rules)
{
	static const struct mq_rating_in dup[] = { {1, 8}, {2, 6}, {1, 4} };
	static const struct mq_rating_in zero[] = { {1, 8}, {2, 0}, {3, 4} };
	static const struct mq_rating_in big[] = { {1, 8}, {2, 11}, {3, 4} };
	static const struct mq_rating_in nofilm[] = { {1, 8}, {0, 6}, {3, 4} };
	struct tmp t;
	struct mq_store *s;
	uint32_t id;

	tmp_init(&t);
	s = open_fast(t.db, 0);

	/* the client's rule: at least 3 ratings, nothing stored otherwise */
	ck_assert_int_eq(mq_store_signup(s, "alice", "pw", FLOOR, three, 2,
	    NOW, &id), MQ_EUSAGE);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(mq_store_signup(s, "alice", "pw", FLOOR, dup, 3,
	    NOW, &id), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_signup(s, "alice", "pw", FLOOR, zero, 3,
	    NOW, &id), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_signup(s, "alice", "pw", FLOOR, big, 3,
	    NOW, &id), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_signup(s, "alice", "pw", FLOOR, nofilm, 3,
	    NOW, &id), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_signup(s, "", "pw", FLOOR, three, 3,
	    NOW, &id), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_signup(s, "alice", "", FLOOR, three, 3,
	    NOW, &id), MQ_EUSAGE);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM members", NULL),
	    0);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM ratings", NULL),
	    0);
	ck_assert_int_eq(raw_i64(t.db, "SELECT value FROM counter", NULL), 0);

	/* ids above the floor and above every stored id, increasing */
	ck_assert_int_eq(mq_store_signup(s, "Alice", "pw", FLOOR, three, 3,
	    NOW, &id), MQ_OK);
	ck_assert_uint_eq(id, FLOOR + 1);
	ck_assert_int_eq(mq_store_signup(s, "bob", "pw", FLOOR, three, 3,
	    NOW, &id), MQ_OK);
	ck_assert_uint_eq(id, FLOOR + 2);
	ck_assert_int_eq(mq_store_signup(s, "carol", "pw", 5000, three, 3,
	    NOW, &id), MQ_OK);
	ck_assert_uint_eq(id, 5001);
	ck_assert_int_eq(mq_store_signup(s, "dave", "pw", 10, three, 3,
	    NOW, &id), MQ_OK);
	ck_assert_uint_eq(id, 5002);
	ck_assert_int_eq(mq_store_signup(s, "erin", "pw", UINT32_MAX, three,
	    3, NOW, &id), MQ_EUSAGE);

	/* a taken username, in any case: a conflict, nothing stored */
	ck_assert_int_eq(mq_store_signup(s, "alice", "other", FLOOR, three, 3,
	    NOW, &id), MQ_STORE_CONFLICT);
	ck_assert_int_eq(mq_store_signup(s, "ALICE", "other", FLOOR, three, 3,
	    NOW, &id), MQ_STORE_CONFLICT);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM members", NULL),
	    4);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM ratings", NULL),
	    12);
	ck_assert_int_eq(raw_i64(t.db,
	    "SELECT count(*) FROM members WHERE role = 'member'", NULL), 4);
	mq_store_close(s);
	tmp_release(&t);
}
END_TEST

START_TEST(password_hashed)
{
	const char *pw = "correct horse battery staple";
	char hash[crypto_pwhash_STRBYTES];
	struct tmp t;
	struct mq_store *s;
	uint32_t id;

	tmp_init(&t);
	s = open_fast(t.db, 0);
	ck_assert_int_eq(mq_store_signup(s, "alice", pw, FLOOR, three, 3,
	    NOW, &id), MQ_OK);
	mq_store_close(s);
	raw_text(t.db, "SELECT pwhash FROM members", hash, sizeof(hash));
	ck_assert_ptr_null(strstr(hash, pw));
	ck_assert_int_eq(strncmp(hash, "$argon2id$", 10), 0);
	ck_assert_int_eq(crypto_pwhash_str_verify(hash, pw, strlen(pw)), 0);
	ck_assert_int_ne(crypto_pwhash_str_verify(hash, "wrong", 5), 0);
	ck_assert_int_eq(raw_i64(t.db,
	    "SELECT count(*) FROM members WHERE instr(pwhash, ?1) > 0", pw), 0);
	tmp_release(&t);
}
END_TEST

START_TEST(login_and_sessions)
{
	struct mq_session a, b, c;
	unsigned char raw[32], h[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof(h) + 1], bad[MQ_STORE_TOKEN_HEX];
	struct tmp t;
	struct mq_store *s;
	uint32_t id;
	size_t i;
	int rc1, rc2;

	tmp_init(&t);
	s = open_fast(t.db, 0);
	ck_assert_int_eq(mq_store_signup(s, "alice", "secret", FLOOR, three,
	    3, NOW, &id), MQ_OK);

	ck_assert_int_eq(mq_store_login(s, "alice", "secret", NOW, TTL, &a),
	    MQ_OK);
	ck_assert_uint_eq(a.member_id, id);
	ck_assert_str_eq(a.role, "member");
	ck_assert(is_hex64(a.token));
	ck_assert(is_hex64(a.csrf));
	ck_assert_str_ne(a.token, a.csrf);
	ck_assert_int_eq(a.expires, NOW + TTL);
	ck_assert_int_eq(mq_store_login(s, "ALICE", "secret", NOW, TTL, &c),
	    MQ_OK);
	ck_assert_str_ne(a.token, c.token);

	/* unknown user and wrong password look the same */
	rc1 = mq_store_login(s, "alice", "Secret", NOW, TTL, &b);
	ck_assert_uint_eq(b.member_id, 0);
	ck_assert_str_eq(b.token, "");
	rc2 = mq_store_login(s, "mallory", "secret", NOW, TTL, &b);
	ck_assert_int_eq(rc1, MQ_STORE_DENIED);
	ck_assert_int_eq(rc2, rc1);
	ck_assert_uint_eq(b.member_id, 0);
	ck_assert_int_eq(mq_store_login(s, "", "secret", NOW, TTL, &b), rc1);

	/* only SHA-256 of the token is stored */
	ck_assert_int_eq(sodium_hex2bin(raw, sizeof(raw), a.token, 64, NULL,
	    NULL, NULL), 0);
	crypto_hash_sha256(h, raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	for (i = 0; hex[i]; i++)
		if (hex[i] >= 'a')
			hex[i] -= 'a' - 'A';
	ck_assert_int_eq(raw_i64(t.db,
	    "SELECT count(*) FROM sessions WHERE hex(token_hash) = ?1", hex), 1);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM sessions "
	    "WHERE instr(lower(hex(token_hash)), ?1) > 0 OR csrf = ?1",
	    a.token), 0);

	/* lookup */
	ck_assert_int_eq(mq_store_session(s, a.token, NOW + 10, &b), MQ_OK);
	ck_assert_uint_eq(b.member_id, id);
	ck_assert_str_eq(b.csrf, a.csrf);
	ck_assert_str_eq(b.role, "member");
	ck_assert_str_eq(b.token, "");
	ck_assert_int_eq(b.expires, NOW + TTL);

	/* csrf, in constant time */
	ck_assert_int_eq(mq_store_csrf_ok(&b, a.csrf), 1);
	snprintf(bad, sizeof(bad), "%s", a.csrf);
	bad[63] = bad[63] == '0' ? '1' : '0';
	ck_assert_int_eq(mq_store_csrf_ok(&b, bad), 0);
	bad[63] = '\0';
	ck_assert_int_eq(mq_store_csrf_ok(&b, bad), 0);
	ck_assert_int_eq(mq_store_csrf_ok(&b, ""), 0);
	ck_assert_int_eq(mq_store_csrf_ok(&b, NULL), 0);
	ck_assert_int_eq(mq_store_csrf_ok(&b, c.csrf), 0);
	ck_assert_int_eq(mq_store_csrf_ok(NULL, a.csrf), 0);

	/* expiry */
	ck_assert_int_eq(mq_store_session(s, a.token, NOW + TTL - 1, &b),
	    MQ_OK);
	ck_assert_int_eq(mq_store_session(s, a.token, NOW + TTL, &b),
	    MQ_STORE_DENIED);
	ck_assert_uint_eq(b.member_id, 0);
	ck_assert_int_eq(mq_store_csrf_ok(&b, ""), 0);

	/* malformed tokens */
	snprintf(bad, sizeof(bad), "%s", a.token);
	bad[0] = 'A';
	ck_assert_int_eq(mq_store_session(s, bad, NOW, &b), MQ_STORE_DENIED);
	ck_assert_int_eq(mq_store_session(s, "", NOW, &b), MQ_STORE_DENIED);
	ck_assert_int_eq(mq_store_session(s, NULL, NOW, &b), MQ_STORE_DENIED);
	ck_assert_int_eq(mq_store_session(s, "' OR 1=1 --", NOW, &b),
	    MQ_STORE_DENIED);

	/* logout ends one session, twice is fine */
	ck_assert_int_eq(mq_store_logout(s, a.token), MQ_OK);
	ck_assert_int_eq(mq_store_session(s, a.token, NOW, &b),
	    MQ_STORE_DENIED);
	ck_assert_int_eq(mq_store_logout(s, a.token), MQ_OK);
	ck_assert_int_eq(mq_store_logout(s, "junk"), MQ_OK);
	ck_assert_int_eq(mq_store_session(s, c.token, NOW, &b), MQ_OK);

	/* roles */
	ck_assert_int_eq(mq_store_set_role(s, id, "admin"), MQ_OK);
	ck_assert_int_eq(mq_store_session(s, c.token, NOW, &b), MQ_OK);
	ck_assert_str_eq(b.role, "admin");
	ck_assert_int_eq(mq_store_set_role(s, id, "root"), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_set_role(s, id + 1, "admin"), MQ_EDATA);

	/* a session right after signup, without the password */
	ck_assert_int_eq(mq_store_session_new(s, id, NOW, TTL, &a), MQ_OK);
	ck_assert(is_hex64(a.token));
	ck_assert_str_eq(a.role, "admin");
	ck_assert_int_eq(mq_store_session(s, a.token, NOW, &b), MQ_OK);
	ck_assert_uint_eq(b.member_id, id);
	ck_assert_int_eq(mq_store_session_new(s, id + 1, NOW, TTL, &a),
	    MQ_EDATA);
	ck_assert_int_eq(mq_store_session_new(s, id, NOW, 0, &a), MQ_EUSAGE);

	/* a later login purges the expired sessions */
	ck_assert_int_eq(mq_store_login(s, "alice", "secret", NOW + 2 * TTL,
	    TTL, &a), MQ_OK);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM sessions", NULL),
	    1);
	mq_store_close(s);
	tmp_release(&t);
}
END_TEST

START_TEST(login_rehashes)
{
	struct mq_session a;
	char h1[crypto_pwhash_STRBYTES], h2[crypto_pwhash_STRBYTES];
	struct tmp t;
	struct mq_store *s;
	uint32_t id;

	tmp_init(&t);
	s = open_fast(t.db, 0);
	ck_assert_int_eq(mq_store_signup(s, "alice", "secret", FLOOR, three,
	    3, NOW, &id), MQ_OK);
	raw_text(t.db, "SELECT pwhash FROM members", h1, sizeof(h1));
	ck_assert_int_eq(mq_store_set_hash_cost(s, 0, 0), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_set_hash_cost(s,
	    crypto_pwhash_OPSLIMIT_MIN + 1, crypto_pwhash_MEMLIMIT_MIN), MQ_OK);
	ck_assert_int_eq(mq_store_login(s, "alice", "secret", NOW, TTL, &a),
	    MQ_OK);
	raw_text(t.db, "SELECT pwhash FROM members", h2, sizeof(h2));
	ck_assert_str_ne(h1, h2);
	ck_assert_int_eq(crypto_pwhash_str_verify(h2, "secret", 6), 0);
	ck_assert_int_eq(mq_store_login(s, "alice", "secret", NOW, TTL, &a),
	    MQ_OK);
	mq_store_close(s);
	tmp_release(&t);
}
END_TEST

START_TEST(rate_upsert_and_tombstone)
{
	struct tmp t;
	struct mq_store *s;
	uint64_t q1, q2, q3;
	uint32_t id;

	tmp_init(&t);
	s = open_fast(t.db, 0);
	ck_assert_int_eq(mq_store_signup(s, "alice", "pw", FLOOR, three, 3,
	    NOW, &id), MQ_OK);

	ck_assert_int_eq(mq_store_rate(s, id, 10, 8, NOW + 1, &q1), MQ_OK);
	ck_assert_int_eq(mq_store_rate(s, id, 10, 6, NOW + 2, &q2), MQ_OK);
	ck_assert_uint_gt(q2, q1);
	ck_assert_int_eq(raw_i64(t.db,
	    "SELECT count(*) FROM ratings WHERE movie_id = 10", NULL), 1);
	ck_assert_int_eq(raw_i64(t.db,
	    "SELECT half FROM ratings WHERE movie_id = 10", NULL), 6);
	ck_assert_int_eq(raw_i64(t.db,
	    "SELECT ts FROM ratings WHERE movie_id = 10", NULL), NOW + 2);

	/* deleting leaves a tombstone, also for a film never rated here */
	ck_assert_int_eq(mq_store_rate(s, id, 10, 0, NOW + 3, &q3), MQ_OK);
	ck_assert_uint_gt(q3, q2);
	ck_assert_int_eq(mq_store_rate(s, id, 20, 0, NOW + 3, NULL), MQ_OK);
	ck_assert_int_eq(raw_i64(t.db,
	    "SELECT count(*) FROM ratings WHERE half = 0", NULL), 2);
	ck_assert_int_eq(raw_i64(t.db,
	    "SELECT seq FROM ratings WHERE movie_id = 10", NULL), (int64_t)q3);

	/* refused, nothing stored */
	ck_assert_int_eq(mq_store_rate(s, id, 11, 11, NOW, &q1), MQ_EUSAGE);
	ck_assert_uint_eq(q1, 0);
	ck_assert_int_eq(mq_store_rate(s, id, 11, -1, NOW, NULL), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_rate(s, id, 0, 5, NOW, NULL), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_rate(s, id + 1, 11, 5, NOW, NULL),
	    MQ_EDATA);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM ratings", NULL),
	    5);
	ck_assert_int_eq(raw_i64(t.db, "SELECT value FROM counter", NULL),
	    (int64_t)q3 + 1);
	mq_store_close(s);
	tmp_release(&t);
}
END_TEST

START_TEST(tags_and_feedback)
{
	struct mq_store_counts c;
	struct tmp t;
	struct mq_store *s;
	uint32_t id;

	tmp_init(&t);
	s = open_fast(t.db, 0);
	ck_assert_int_eq(mq_store_signup(s, "alice", "pw", FLOOR, three, 3,
	    NOW, &id), MQ_OK);

	ck_assert_int_eq(mq_store_tag(s, id, 1, "sci-fi", 1, NOW), MQ_OK);
	ck_assert_int_eq(mq_store_tag(s, id, 1, "sci-fi", 1, NOW), MQ_OK);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM tags", NULL), 1);
	ck_assert_int_eq(mq_store_tag(s, id, 1, "sci-fi", 0, NOW), MQ_OK);
	ck_assert_int_eq(raw_i64(t.db, "SELECT deleted FROM tags", NULL), 1);
	ck_assert_int_eq(mq_store_tag(s, id, 1, "sci-fi", 1, NOW), MQ_OK);
	ck_assert_int_eq(raw_i64(t.db, "SELECT deleted FROM tags", NULL), 0);
	/* the store stores: text checks belong to the endpoint */
	ck_assert_int_eq(mq_store_tag(s, id, 1, "Sci-Fi'); DROP TABLE tags;--",
	    1, NOW), MQ_OK);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM tags", NULL), 2);
	ck_assert_int_eq(mq_store_tag(s, id, 1, "", 1, NOW), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_tag(s, id, 0, "x", 1, NOW), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_tag(s, id + 1, 1, "x", 1, NOW), MQ_EDATA);

	ck_assert_int_eq(mq_store_feedback(s, id, 5, MQ_FB_SEEN, NOW), MQ_OK);
	ck_assert_int_eq(mq_store_feedback(s, id, 6, MQ_FB_NOT_INTERESTED,
	    NOW), MQ_OK);
	ck_assert_int_eq(mq_store_feedback(s, id, 7, MQ_FB_RATED, NOW), MQ_OK);
	ck_assert_int_eq(mq_store_feedback(s, id, 7, (enum mq_feedback)9,
	    NOW), MQ_EUSAGE);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM feedback "
	    "WHERE kind IN ('seen', 'not_interested', 'rated')", NULL), 3);
	ck_assert_ptr_null(mq_feedback_name((enum mq_feedback)9));

	ck_assert_int_eq(mq_store_counts(s, 0, &c), MQ_OK);
	ck_assert_uint_eq(c.members, 1);
	ck_assert_uint_eq(c.ratings, 3);
	ck_assert_uint_eq(c.deletions, 0);
	ck_assert_uint_eq(c.tags, 2);
	ck_assert_uint_eq(c.feedback, 3);
	ck_assert_uint_eq(c.last_run, 0);
	ck_assert_uint_eq(c.seq, 9);
	mq_store_close(s);
	tmp_release(&t);
}
END_TEST

struct seen {
	size_t n;
	uint32_t movie[16];
	uint64_t maxseq;
};

static int
see_rating(void *arg, const struct mq_store_rating *r)
{
	struct seen *v = arg;

	if (v->n < 16)
		v->movie[v->n] = r->movie_id;
	v->n++;
	if (r->seq > v->maxseq)
		v->maxseq = r->seq;
	return 0;
}

static int
see_member(void *arg, const struct mq_store_member *m)
{
	struct seen *v = arg;

	(void)m;
	v->n++;
	return 0;
}

static int
see_tag(void *arg, const struct mq_store_tag *tg)
{
	struct seen *v = arg;

	(void)tg;
	v->n++;
	return 0;
}

static int
see_feedback(void *arg, const struct mq_store_feedback *f)
{
	struct seen *v = arg;

	ck_assert_int_eq(f->kind, MQ_FB_NOT_INTERESTED);
	v->n++;
	return 0;
}

static int
stop_at_first(void *arg, const struct mq_store_rating *r)
{
	(void)arg;
	(void)r;
	return 7;
}

START_TEST(snapshot_isolation)
{
	struct mq_store_counts c;
	struct tmp t;
	struct mq_store *w, *r;
	struct seen v;
	uint64_t upto, upto2, q, last;
	uint32_t id;

	tmp_init(&t);
	w = open_fast(t.db, 0);
	ck_assert_int_eq(mq_store_signup(w, "alice", "pw", FLOOR, three, 3,
	    NOW, &id), MQ_OK);
	ck_assert_int_eq(mq_store_rate(w, id, 4, 7, NOW, NULL), MQ_OK);
	ck_assert_int_eq(mq_store_tag(w, id, 4, "noir", 1, NOW), MQ_OK);
	ck_assert_int_eq(mq_store_feedback(w, id, 9, MQ_FB_NOT_INTERESTED,
	    NOW), MQ_OK);

	/* the batch reads through a read-only connection */
	ck_assert_int_eq(mq_store_open(&r, t.db, 1), MQ_OK);
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(mq_store_each_rating(r, 0, see_rating, &v),
	    MQ_EUSAGE);
	ck_assert_int_eq(mq_store_snapshot_begin(r, &upto), MQ_OK);
	ck_assert_uint_eq(upto, 4);
	ck_assert_int_eq(mq_store_snapshot_begin(r, &upto2), MQ_EUSAGE);

	/* a member rates during the run */
	ck_assert_int_eq(mq_store_rate(w, id, 5, 9, NOW, &q), MQ_OK);
	ck_assert_uint_gt(q, upto);
	ck_assert_int_eq(mq_store_rate(w, id, 4, 0, NOW, NULL), MQ_OK);

	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(mq_store_each_rating(r, 0, see_rating, &v), MQ_OK);
	ck_assert_uint_eq(v.n, 4);	/* 1, 2, 3 at signup, then 4 */
	ck_assert_uint_eq(v.movie[3], 4);
	ck_assert_uint_eq(v.maxseq, 2);	/* the tag and feedback took 3, 4 */
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(mq_store_each_member(r, 0, see_member, &v), MQ_OK);
	ck_assert_uint_eq(v.n, 1);
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(mq_store_each_tag(r, 0, see_tag, &v), MQ_OK);
	ck_assert_uint_eq(v.n, 1);
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(mq_store_each_feedback(r, 0, see_feedback, &v),
	    MQ_OK);
	ck_assert_uint_eq(v.n, 1);
	ck_assert_int_eq(mq_store_each_rating(r, 0, stop_at_first, NULL), 7);
	ck_assert_int_eq(mq_store_mark_run(r, upto), MQ_EUSAGE); /* r/o */
	ck_assert_int_eq(mq_store_snapshot_end(r), MQ_OK);
	ck_assert_int_eq(mq_store_snapshot_end(r), MQ_OK);

	/* mark the run; marks only move forward, up to the counter */
	ck_assert_int_eq(mq_store_mark_run(w, upto + 100), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_mark_run(w, upto), MQ_OK);
	ck_assert_int_eq(mq_store_mark_run(w, upto - 1), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_last_run(r, &last), MQ_OK);
	ck_assert_uint_eq(last, upto);

	/* the next run takes exactly what came after */
	ck_assert_int_eq(mq_store_counts(r, MQ_STORE_SINCE_LAST_RUN, &c),
	    MQ_OK);
	ck_assert_uint_eq(c.since, upto);
	ck_assert_uint_eq(c.ratings, 1);
	ck_assert_uint_eq(c.deletions, 1);
	ck_assert_uint_eq(c.members, 0);
	ck_assert_int_eq(mq_store_snapshot_begin(r, &upto2), MQ_OK);
	ck_assert_uint_eq(upto2, upto + 2);
	ck_assert_int_eq(mq_store_counts(r, 0, &c), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_mark_run(w, upto2), MQ_OK); /* other conn */
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(mq_store_each_rating(r, upto, see_rating, &v),
	    MQ_OK);
	ck_assert_uint_eq(v.n, 2);
	ck_assert_uint_eq(v.movie[0], 5);
	ck_assert_uint_eq(v.movie[1], 4);	/* the tombstone */
	/* no write inside a snapshot, even on a read-write connection */
	ck_assert_int_eq(mq_store_snapshot_begin(w, &q), MQ_OK);
	ck_assert_int_eq(mq_store_rate(w, id, 6, 5, NOW, NULL), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_snapshot_end(w), MQ_OK);
	ck_assert_int_eq(mq_store_rate(w, id, 6, 5, NOW, NULL), MQ_OK);
	/* closing with a snapshot open ends it */
	mq_store_close(r);
	mq_store_close(w);
	tmp_release(&t);
}
END_TEST

START_TEST(readonly_cannot_write)
{
	struct mq_session sess;
	struct tmp t;
	struct mq_store *s;
	uint64_t upto;
	uint32_t id;
	int ok = 1;

	tmp_init(&t);
	s = open_fast(t.db, 0);
	ck_assert_int_eq(mq_store_signup(s, "alice", "pw", FLOOR, three, 3,
	    NOW, &id), MQ_OK);
	ck_assert_int_eq(mq_store_login(s, "alice", "pw", NOW, TTL, &sess),
	    MQ_OK);
	mq_store_close(s);	/* the last connection: -wal and -shm go */

	s = open_fast(t.db, 1);
	ck_assert_int_eq(mq_store_rate(s, id, 9, 5, NOW, NULL), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_signup(s, "bob", "pw", FLOOR, three, 3,
	    NOW, &id), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_tag(s, id, 9, "x", 1, NOW), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_feedback(s, id, 9, MQ_FB_SEEN, NOW),
	    MQ_EUSAGE);
	ck_assert_int_eq(mq_store_ratelimit(s, "k", NOW, 60, 5, &ok),
	    MQ_EUSAGE);
	ck_assert_int_eq(ok, 0);
	ck_assert_int_eq(mq_store_login(s, "alice", "pw", NOW, TTL, &sess),
	    MQ_EUSAGE);
	ck_assert_int_eq(mq_store_logout(s, "x"), MQ_EUSAGE);
	ck_assert_int_eq(mq_store_purge(s, NOW, 0), MQ_EUSAGE);
	/* reading works */
	ck_assert_int_eq(mq_store_snapshot_begin(s, &upto), MQ_OK);
	ck_assert_uint_eq(upto, 1);
	ck_assert_int_eq(mq_store_snapshot_end(s), MQ_OK);
	mq_store_close(s);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM ratings", NULL),
	    3);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM members", NULL),
	    1);
	tmp_release(&t);
}
END_TEST

START_TEST(ratelimit_window)
{
	struct tmp t;
	struct mq_store *s;
	int i, ok;

	tmp_init(&t);
	s = open_fast(t.db, 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(mq_store_ratelimit(s, "login:ip:192.0.2.1",
		    NOW + i, 60, 3, &ok), MQ_OK);
		ck_assert_int_eq(ok, 1);
	}
	ck_assert_int_eq(mq_store_ratelimit(s, "login:ip:192.0.2.1", NOW + 3,
	    60, 3, &ok), MQ_OK);
	ck_assert_int_eq(ok, 0);
	ck_assert_int_eq(mq_store_ratelimit(s, "login:ip:192.0.2.1", NOW + 59,
	    60, 3, &ok), MQ_OK);
	ck_assert_int_eq(ok, 0);
	/* another key has its own window */
	ck_assert_int_eq(mq_store_ratelimit(s, "login:user:alice", NOW + 59,
	    60, 3, &ok), MQ_OK);
	ck_assert_int_eq(ok, 1);
	/* the window has passed: a new one starts */
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(mq_store_ratelimit(s, "login:ip:192.0.2.1",
		    NOW + 60, 60, 3, &ok), MQ_OK);
		ck_assert_int_eq(ok, 1);
	}
	ck_assert_int_eq(mq_store_ratelimit(s, "login:ip:192.0.2.1", NOW + 61,
	    60, 3, &ok), MQ_OK);
	ck_assert_int_eq(ok, 0);
	ck_assert_int_eq(mq_store_ratelimit(s, "", NOW, 60, 3, &ok),
	    MQ_EUSAGE);
	ck_assert_int_eq(mq_store_ratelimit(s, "k", NOW, 0, 3, &ok),
	    MQ_EUSAGE);
	ck_assert_int_eq(mq_store_ratelimit(s, "k", NOW, 60, 0, &ok),
	    MQ_EUSAGE);
	/* purge drops the windows that started long enough ago */
	ck_assert_int_eq(mq_store_purge(s, NOW + 60 + 3600, 3600), MQ_OK);
	ck_assert_int_eq(raw_i64(t.db,
	    "SELECT count(*) FROM login_attempts", NULL), 1);
	ck_assert_int_eq(mq_store_purge(s, NOW + 61 + 3600, 3600), MQ_OK);
	ck_assert_int_eq(raw_i64(t.db,
	    "SELECT count(*) FROM login_attempts", NULL), 0);
	mq_store_close(s);
	tmp_release(&t);
}
END_TEST

#define NPROC	8
#define NRATE	500

static int
child_rates(const char *path, uint32_t member)
{
	struct mq_store *s;
	int i, rc;

	if ((rc = mq_store_open(&s, path, 0)) != MQ_OK)
		return rc;
	for (i = 0; i < NRATE; i++)
		if ((rc = mq_store_rate(s, member, 100000 + i, 1 + i % 10,
		    NOW + i, NULL)) != MQ_OK)
			break;
	mq_store_close(s);
	return rc;
}

START_TEST(concurrent_writers)
{
	struct timespec t0, t1;
	struct tmp t;
	struct mq_store *s;
	uint32_t ids[NPROC];
	pid_t pid[NPROC];
	char name[16];
	int i, status;
	double ms;

	tmp_init(&t);
	s = open_fast(t.db, 0);
	for (i = 0; i < NPROC; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		ck_assert_int_eq(mq_store_signup(s, name, "pw", FLOOR, three, 3,
		    NOW, &ids[i]), MQ_OK);
	}
	mq_store_close(s);	/* no connection crosses fork() */

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < NPROC; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0)
			_exit(child_rates(t.db, ids[i]));
	}
	for (i = 0; i < NPROC; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert(WIFEXITED(status));
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (getenv("MQ_STORE_TIMING") != NULL)
		fprintf(stderr, "store: %d processes x %d ratings: %.0f ms "
		    "(%.0f ratings/s)\n", NPROC, NRATE, ms,
		    NPROC * NRATE / (ms / 1e3));

	ck_assert_int_eq(raw_i64(t.db,
	    "SELECT count(*) FROM ratings WHERE movie_id >= 100000", NULL),
	    NPROC * NRATE);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(DISTINCT seq) FROM "
	    "ratings WHERE movie_id >= 100000", NULL), NPROC * NRATE);
	ck_assert_int_eq(raw_i64(t.db, "SELECT max(seq) FROM ratings", NULL),
	    raw_i64(t.db, "SELECT value FROM counter", NULL));
	ck_assert_int_eq(raw_i64(t.db, "SELECT value FROM counter", NULL),
	    NPROC + NPROC * NRATE);
	tmp_release(&t);
}
END_TEST

/* Many first requests at once on a store that does not exist yet. */
START_TEST(concurrent_first_open)
{
	struct tmp t;
	struct mq_store *s;
	pid_t pid[NPROC];
	int i, status;

	tmp_init(&t);
	for (i = 0; i < NPROC; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0) {
			int rc = mq_store_open(&s, t.db, 0);

			mq_store_close(s);
			_exit(rc);
		}
	}
	for (i = 0; i < NPROC; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert(WIFEXITED(status));
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
	ck_assert_int_eq(raw_i64(t.db, "PRAGMA user_version", NULL),
	    MQ_STORE_SCHEMA);
	ck_assert_int_eq(raw_i64(t.db, "SELECT count(*) FROM counter", NULL),
	    1);
	tmp_release(&t);
}
END_TEST

Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");
	TCase *tcc = tcase_create("concurrency");

	tcase_add_test(tc, migrate_and_reopen);
	tcase_add_test(tc, signup_rules);
	tcase_add_test(tc, password_hashed);
	tcase_add_test(tc, login_and_sessions);
	tcase_add_test(tc, login_rehashes);
	tcase_add_test(tc, rate_upsert_and_tombstone);
	tcase_add_test(tc, tags_and_feedback);
	tcase_add_test(tc, snapshot_isolation);
	tcase_add_test(tc, readonly_cannot_write);
	tcase_add_test(tc, ratelimit_window);
	suite_add_tcase(s, tc);
	tcase_add_test(tcc, concurrent_writers);
	tcase_add_test(tcc, concurrent_first_open);
	tcase_set_timeout(tcc, 60);
	suite_add_tcase(s, tcc);
	return s;
}

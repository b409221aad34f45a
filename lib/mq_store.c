/*
 * mq_store.c - the SQLite store of members, sessions and submissions.
 *
 * Every statement is a constant in the table below, prepared once per
 * connection on first use and reset (bindings cleared) after each use;
 * values only ever reach SQL through sqlite3_bind_*.  Text is bound
 * SQLITE_STATIC: the caller's string outlives the step, because every
 * function resets its statements before it returns.  Every sqlite3_* call
 * that can fail is checked; failures go through store_fail(), which
 * reports SQLite's message and maps the code to an mq_rc.
 *
 * The schema is an array of migrations: migration i brings user_version
 * from i to i + 1.  To change the schema, append an entry (never edit an
 * applied one) and raise MQ_STORE_SCHEMA.
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "mq_err.h"
#include "mq_matrix.h"
#include "mq_store.h"

/* RETURNING (3.35) and aggregate FILTER (3.30); Debian 12 has 3.40 */
#if SQLITE_VERSION_NUMBER < 3035000
#error "mq_store needs SQLite 3.35 or later"
#endif

static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE counter ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  value INTEGER NOT NULL CHECK (value >= 0));"
	"INSERT INTO counter (id, value) VALUES (1, 0);"
	"CREATE TABLE meta ("
	"  k TEXT PRIMARY KEY,"
	"  v TEXT NOT NULL) WITHOUT ROWID;"
	"INSERT INTO meta (k, v) VALUES ('runs.last_seq', '0');"
	"CREATE TABLE members ("
	"  id INTEGER PRIMARY KEY CHECK (id > 0),"
	"  username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  pwhash TEXT NOT NULL,"
	"  role TEXT NOT NULL DEFAULT 'member'"
	"    CHECK (role IN ('member', 'admin')),"
	"  created INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL);"
	"CREATE INDEX members_seq ON members (seq);"
	"CREATE TABLE sessions ("
	"  token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
	"  member_id INTEGER NOT NULL REFERENCES members (id)"
	"    ON DELETE CASCADE,"
	"  csrf TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX sessions_member ON sessions (member_id);"
	"CREATE INDEX sessions_expires ON sessions (expires);"
	"CREATE TABLE ratings ("
	"  member_id INTEGER NOT NULL REFERENCES members (id)"
	"    ON DELETE CASCADE,"
	"  movie_id INTEGER NOT NULL CHECK (movie_id > 0),"
	"  half INTEGER NOT NULL CHECK (half BETWEEN 0 AND 10),"
	"  ts INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  PRIMARY KEY (member_id, movie_id)) WITHOUT ROWID;"
	"CREATE INDEX ratings_seq ON ratings (seq);"
	"CREATE TABLE tags ("
	"  id INTEGER PRIMARY KEY,"
	"  member_id INTEGER NOT NULL REFERENCES members (id)"
	"    ON DELETE CASCADE,"
	"  movie_id INTEGER NOT NULL CHECK (movie_id > 0),"
	"  tag TEXT NOT NULL CHECK (length(tag) > 0),"
	"  ts INTEGER NOT NULL,"
	"  deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),"
	"  seq INTEGER NOT NULL,"
	"  UNIQUE (member_id, movie_id, tag));"
	"CREATE INDEX tags_seq ON tags (seq);"
	"CREATE TABLE feedback ("
	"  id INTEGER PRIMARY KEY,"
	"  member_id INTEGER NOT NULL REFERENCES members (id)"
	"    ON DELETE CASCADE,"
	"  movie_id INTEGER NOT NULL CHECK (movie_id > 0),"
	"  kind TEXT NOT NULL"
	"    CHECK (kind IN ('rated', 'not_interested', 'seen')),"
	"  ts INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL);"
	"CREATE INDEX feedback_seq ON feedback (seq);"
	"CREATE TABLE login_attempts ("
	"  key TEXT PRIMARY KEY,"
	"  window_start INTEGER NOT NULL,"
	"  count INTEGER NOT NULL) WITHOUT ROWID;"
	"PRAGMA user_version = 1;",
};

#define NMIGRATIONS	(sizeof(migrations) / sizeof(migrations[0]))

_Static_assert(NMIGRATIONS == MQ_STORE_SCHEMA,
    "one migration per schema version");

enum sid {
	ST_BEGIN,
	ST_BEGIN_READ,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_USER_VERSION,
	ST_NEXT_SEQ,
	ST_SEQ,
	ST_MAX_ID,
	ST_MEMBER_INS,
	ST_MEMBER_BY_NAME,
	ST_MEMBER_ROLE,
	ST_MEMBER_SET_HASH,
	ST_MEMBER_SET_ROLE,
	ST_SESS_INS,
	ST_SESS_GET,
	ST_SESS_DEL,
	ST_SESS_PURGE,
	ST_RATE,
	ST_TAG,
	ST_FEEDBACK,
	ST_LIMIT,
	ST_LIMIT_PURGE,
	ST_META_GET,
	ST_META_SET,
	ST_COUNT_MEMBERS,
	ST_COUNT_RATINGS,
	ST_COUNT_TAGS,
	ST_COUNT_FEEDBACK,
	ST_EACH_MEMBER,
	ST_EACH_RATING,
	ST_EACH_TAG,
	ST_EACH_FEEDBACK,
	ST_MEMBER_RATINGS,
	ST__MAX
};

static const struct {
	const char *name;	/* for messages */
	const char *sql;
} stmts[ST__MAX] = {
	[ST_BEGIN] = { "begin", "BEGIN IMMEDIATE" },
	[ST_BEGIN_READ] = { "begin snapshot", "BEGIN DEFERRED" },
	[ST_COMMIT] = { "commit", "COMMIT" },
	[ST_ROLLBACK] = { "rollback", "ROLLBACK" },
	[ST_USER_VERSION] = { "schema version", "PRAGMA user_version" },
	[ST_NEXT_SEQ] = { "next seq",
	    "UPDATE counter SET value = value + 1 WHERE id = 1 "
	    "RETURNING value" },
	[ST_SEQ] = { "seq", "SELECT value FROM counter WHERE id = 1" },
	[ST_MAX_ID] = { "largest member id", "SELECT max(id) FROM members" },
	[ST_MEMBER_INS] = { "new member",
	    "INSERT INTO members (id, username, pwhash, role, created, seq) "
	    "VALUES (?1, ?2, ?3, 'member', ?4, ?5)" },
	[ST_MEMBER_BY_NAME] = { "member lookup",
	    "SELECT id, pwhash, role FROM members WHERE username = ?1" },
	[ST_MEMBER_ROLE] = { "member role",
	    "SELECT role FROM members WHERE id = ?1" },
	[ST_MEMBER_SET_HASH] = { "rehash",
	    "UPDATE members SET pwhash = ?2 WHERE id = ?1" },
	[ST_MEMBER_SET_ROLE] = { "set role",
	    "UPDATE members SET role = ?2 WHERE id = ?1" },
	[ST_SESS_INS] = { "new session",
	    "INSERT INTO sessions (token_hash, member_id, csrf, created, "
	    "expires) VALUES (?1, ?2, ?3, ?4, ?5)" },
	[ST_SESS_GET] = { "session lookup",
	    "SELECT s.member_id, s.csrf, s.expires, m.role "
	    "FROM sessions AS s JOIN members AS m ON m.id = s.member_id "
	    "WHERE s.token_hash = ?1 AND s.expires > ?2" },
	[ST_SESS_DEL] = { "logout",
	    "DELETE FROM sessions WHERE token_hash = ?1" },
	[ST_SESS_PURGE] = { "purge sessions",
	    "DELETE FROM sessions WHERE expires <= ?1" },
	[ST_RATE] = { "rate",
	    "INSERT INTO ratings (member_id, movie_id, half, ts, seq) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) "
	    "ON CONFLICT (member_id, movie_id) DO UPDATE SET "
	    "half = excluded.half, ts = excluded.ts, seq = excluded.seq" },
	[ST_TAG] = { "tag",
	    "INSERT INTO tags (member_id, movie_id, tag, ts, deleted, seq) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
	    "ON CONFLICT (member_id, movie_id, tag) DO UPDATE SET "
	    "ts = excluded.ts, deleted = excluded.deleted, "
	    "seq = excluded.seq" },
	[ST_FEEDBACK] = { "feedback",
	    "INSERT INTO feedback (member_id, movie_id, kind, ts, seq) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)" },
	/* SET expressions all see the old row */
	[ST_LIMIT] = { "rate limit",
	    "INSERT INTO login_attempts (key, window_start, count) "
	    "VALUES (?1, ?2, 1) "
	    "ON CONFLICT (key) DO UPDATE SET "
	    "count = CASE WHEN ?2 - window_start >= ?3 OR ?2 < window_start "
	    "THEN 1 ELSE count + 1 END, "
	    "window_start = CASE WHEN ?2 - window_start >= ?3 "
	    "OR ?2 < window_start THEN ?2 ELSE window_start END "
	    "RETURNING count" },
	[ST_LIMIT_PURGE] = { "purge rate limits",
	    "DELETE FROM login_attempts WHERE window_start < ?1" },
	[ST_META_GET] = { "meta", "SELECT v FROM meta WHERE k = ?1" },
	[ST_META_SET] = { "set meta",
	    "INSERT INTO meta (k, v) VALUES (?1, ?2) "
	    "ON CONFLICT (k) DO UPDATE SET v = excluded.v" },
	[ST_COUNT_MEMBERS] = { "count members",
	    "SELECT count(*) FROM members WHERE seq > ?1" },
	[ST_COUNT_RATINGS] = { "count ratings",
	    "SELECT count(*) FILTER (WHERE half > 0), "
	    "count(*) FILTER (WHERE half = 0) FROM ratings WHERE seq > ?1" },
	[ST_COUNT_TAGS] = { "count tags",
	    "SELECT count(*) FROM tags WHERE seq > ?1" },
	[ST_COUNT_FEEDBACK] = { "count feedback",
	    "SELECT count(*) FROM feedback WHERE seq > ?1" },
	[ST_EACH_MEMBER] = { "read members",
	    "SELECT id, role, created, seq FROM members "
	    "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq, id" },
	[ST_EACH_RATING] = { "read ratings",
	    "SELECT member_id, movie_id, half, ts, seq FROM ratings "
	    "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq, member_id, movie_id" },
	[ST_EACH_TAG] = { "read tags",
	    "SELECT member_id, movie_id, tag, deleted, ts, seq FROM tags "
	    "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq, id" },
	[ST_MEMBER_RATINGS] = { "read a member's ratings",
	    "SELECT member_id, movie_id, half, ts, seq FROM ratings "
	    "WHERE member_id = ?1 AND half > 0 ORDER BY ts DESC, movie_id "
	    "LIMIT ?2" },
	[ST_EACH_FEEDBACK] = { "read feedback",
	    "SELECT member_id, movie_id, kind, ts, seq FROM feedback "
	    "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq, id" },
};

/*
 * The hash unknown usernames are verified against, so that they cost the
 * same Argon2 run as a known one: crypto_pwhash_str() of 32 random bytes
 * (discarded) at OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE.  No member
 * has it; matching it still denies.
 */
static const char dummy_hash_interactive[] =
    "$argon2id$v=19$m=65536,t=2,p=1$DYsdC3yf+kbPnh82WRWMjQ$"
    "cnRDo9abpN2Z/jt/gZ19pNwOvpQ/FhC4MM6mxIGMANU";

_Static_assert(sizeof(dummy_hash_interactive) <= crypto_pwhash_STRBYTES,
    "the dummy hash fits a hash buffer");

static const char *const feedback_names[] = {
	[MQ_FB_RATED] = "rated",
	[MQ_FB_NOT_INTERESTED] = "not_interested",
	[MQ_FB_SEEN] = "seen",
};

struct mq_store {
	sqlite3 *db;
	char *path;
	int readonly;
	int snap;		/* a snapshot (read transaction) is open */
	uint64_t snap_upto;
	unsigned long long opslimit;
	size_t memlimit;
	char dummy[crypto_pwhash_STRBYTES];
	struct timespec busy_since;	/* start of the current lock wait */
	sqlite3_stmt *st[ST__MAX];
};

const char *
mq_feedback_name(enum mq_feedback kind)
{
	if ((unsigned)kind >= sizeof(feedback_names) / sizeof(feedback_names[0]))
		return NULL;
	return feedback_names[kind];
}

/*
 * Report a failed SQLite call (src is its result code) and map it.  A
 * UNIQUE or PRIMARY KEY violation is the caller's conflict: MQ_EDATA,
 * silently.  Other constraints (a foreign key: no such member) are
 * MQ_EDATA too but reported; out of memory is MQ_ENOMEM; the rest,
 * including a lock held past the busy timeout, is MQ_EIO.
 */
static int
store_fail(struct mq_store *s, int src, const char *what)
{
	switch (src) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return MQ_EDATA;
	default:
		break;
	}
	mq_warnx("%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	switch (src & 0xff) {
	case SQLITE_CONSTRAINT:
		return MQ_EDATA;
	case SQLITE_NOMEM:
		return MQ_ENOMEM;
	default:
		return MQ_EIO;
	}
}

/*
 * SQLite's busy handler: called while another connection holds the lock,
 * n = how many times for this wait.  It sleeps short, jittered, growing
 * steps (50 us doubling up to 1 ms) and gives up after MQ_STORE_BUSY_MS.
 * The stock handler of sqlite3_busy_timeout() climbs to 100 ms sleeps,
 * which made the slowest of 4 000 contended ratings wait 140 ms; with
 * this one waiters retry as soon as the short write transactions end.
 */
static int
store_busy(void *arg, int n)
{
	struct mq_store *s = arg;
	struct timespec now, d;
	long us;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (n == 0)
		s->busy_since = now;
	ms = (now.tv_sec - s->busy_since.tv_sec) * 1e3 +
	    (now.tv_nsec - s->busy_since.tv_nsec) / 1e6;
	if (ms >= MQ_STORE_BUSY_MS)
		return 0;
	us = n < 5 ? 50L << n : 1000;
	us = us / 2 + (long)randombytes_uniform((uint32_t)us);
	d.tv_sec = 0;
	d.tv_nsec = us * 1000;
	nanosleep(&d, NULL);
	return 1;
}

/* A write asked of a read-only connection, or inside a snapshot. */
static int
store_readonly(struct mq_store *s)
{
	mq_warnx("%s: %s", s->path, s->readonly ? "the store is open "
	    "read-only" : "no write inside a snapshot");
	return MQ_EUSAGE;
}

/* The prepared statement i, prepared on first use. */
static int
prep(struct mq_store *s, enum sid i, sqlite3_stmt **out)
{
	int src;

	*out = NULL;
	if (s->st[i] == NULL) {
		src = sqlite3_prepare_v3(s->db, stmts[i].sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
		if (src != SQLITE_OK)
			return store_fail(s, src, stmts[i].name);
	}
	*out = s->st[i];
	return MQ_OK;
}

/* Make st ready for its next use; NULL accepted. */
static void
done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	/* the step's own code was checked; reset repeats it */
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
}

static int
bind_i64(struct mq_store *s, sqlite3_stmt *st, int i, int64_t v)
{
	int src;

	if ((src = sqlite3_bind_int64(st, i, v)) != SQLITE_OK)
		return store_fail(s, src, "bind");
	return MQ_OK;
}

static int
bind_text(struct mq_store *s, sqlite3_stmt *st, int i, const char *v)
{
	int src;

	if ((src = sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC)) !=
	    SQLITE_OK)
		return store_fail(s, src, "bind");
	return MQ_OK;
}

static int
bind_blob(struct mq_store *s, sqlite3_stmt *st, int i, const void *p,
    int n)
{
	int src;

	if ((src = sqlite3_bind_blob(st, i, p, n, SQLITE_STATIC)) != SQLITE_OK)
		return store_fail(s, src, "bind");
	return MQ_OK;
}

/*
 * Step st once: *row is 1 on SQLITE_ROW, 0 on SQLITE_DONE; anything else
 * is a failure.
 */
static int
step(struct mq_store *s, sqlite3_stmt *st, enum sid i, int *row)
{
	int src;

	*row = 0;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		*row = 1;
		return MQ_OK;
	}
	if (src == SQLITE_DONE)
		return MQ_OK;
	return store_fail(s, src, stmts[i].name);
}

/* Step st to its end, ignoring rows (for writes and RETURNING). */
static int
step_all(struct mq_store *s, sqlite3_stmt *st, enum sid i)
{
	int rc, row;

	do {
		if ((rc = step(s, st, i, &row)) != MQ_OK)
			return rc;
	} while (row);
	return MQ_OK;
}

/* Run statement i, which takes no parameters, to its end. */
static int
run(struct mq_store *s, enum sid i)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(s, i, &st)) != MQ_OK)
		return rc;
	rc = step_all(s, st, i);
	done(st);
	return rc;
}

/* One integer from statement i with at most one parameter (NULL -> 0). */
static int
query_i64(struct mq_store *s, enum sid i, int nparam, int64_t param,
    int64_t *v)
{
	sqlite3_stmt *st;
	int rc, row;

	*v = 0;
	if ((rc = prep(s, i, &st)) != MQ_OK)
		return rc;
	if (nparam && (rc = bind_i64(s, st, 1, param)) != MQ_OK)
		goto out;
	if ((rc = step(s, st, i, &row)) != MQ_OK)
		goto out;
	if (row)
		*v = sqlite3_column_int64(st, 0);
	rc = step_all(s, st, i);
 out:
	done(st);
	return rc;
}

static int
txn_begin(struct mq_store *s)
{
	return run(s, ST_BEGIN);
}

/* Commit; on failure the transaction is rolled back by the caller. */
static int
txn_commit(struct mq_store *s)
{
	return run(s, ST_COMMIT);
}

/* Roll back the open transaction, if any (after an error). */
static void
txn_rollback(struct mq_store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return;
	(void)run(s, ST_ROLLBACK);
}

/* The next sequence number; inside a write transaction. */
static int
next_seq(struct mq_store *s, int64_t *seq)
{
	sqlite3_stmt *st;
	int rc, row;

	if ((rc = prep(s, ST_NEXT_SEQ, &st)) != MQ_OK)
		return rc;
	if ((rc = step(s, st, ST_NEXT_SEQ, &row)) != MQ_OK)
		goto out;
	if (!row) {
		mq_warnx("%s: the sequence counter is missing", s->path);
		rc = MQ_EIO;
		goto out;
	}
	*seq = sqlite3_column_int64(st, 0);
	rc = step_all(s, st, ST_NEXT_SEQ);
 out:
	done(st);
	return rc;
}

static int
user_version(struct mq_store *s, int64_t *v)
{
	return query_i64(s, ST_USER_VERSION, 0, 0, v);
}

static int
migrate(struct mq_store *s)
{
	char *err = NULL;
	int64_t v;
	size_t i;
	int rc, src;

	if ((rc = user_version(s, &v)) != MQ_OK)
		return rc;
	if (v > MQ_STORE_SCHEMA) {
		mq_warnx("%s: schema version %lld is newer than this program's "
		    "(%d)", s->path, (long long)v, MQ_STORE_SCHEMA);
		return MQ_EDATA;
	}
	if (v == MQ_STORE_SCHEMA)
		return MQ_OK;
	if (s->readonly) {
		mq_warnx("%s: schema version %lld, %d expected: open it "
		    "read-write once to migrate", s->path, (long long)v,
		    MQ_STORE_SCHEMA);
		return MQ_EDATA;
	}
	if ((rc = txn_begin(s)) != MQ_OK)
		return rc;
	/* another process may have migrated while we waited for the lock */
	if ((rc = user_version(s, &v)) != MQ_OK)
		goto out;
	for (i = (size_t)v; i < NMIGRATIONS; i++) {
		src = sqlite3_exec(s->db, migrations[i], NULL, NULL, &err);
		if (src != SQLITE_OK) {
			mq_warnx("%s: migration to schema %zu: %s", s->path,
			    i + 1, err ? err : sqlite3_errstr(src));
			sqlite3_free(err);
			rc = (src & 0xff) == SQLITE_NOMEM ? MQ_ENOMEM : MQ_EIO;
			goto out;
		}
		/* the statement cache may hold plans of the old schema */
		if ((rc = user_version(s, &v)) != MQ_OK)
			goto out;
		if (v != (int64_t)i + 1) {
			mq_warnx("%s: migration %zu left schema version %lld",
			    s->path, i + 1, (long long)v);
			rc = MQ_EIO;
			goto out;
		}
	}
	rc = txn_commit(s);
 out:
	if (rc)
		txn_rollback(s);
	return rc;
}

/* Run a PRAGMA and check that it answers want (when want is not NULL). */
static int
pragma(struct mq_store *s, const char *sql, const char *want)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *got;
	int src, n = 0, rc = MQ_OK;

	src = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (src != SQLITE_OK)
		return store_fail(s, src, sql);
	/*
	 * Switching a new file to WAL takes an exclusive lock without
	 * calling the busy handler: many first requests at once collide
	 * there, so wait here as the handler would.
	 */
	while ((src = sqlite3_step(st)) == SQLITE_BUSY &&
	    store_busy(s, n++))
		(void)sqlite3_reset(st);
	if (src != SQLITE_ROW && src != SQLITE_DONE) {
		rc = store_fail(s, src, sql);
		goto out;
	}
	if (want != NULL) {
		got = src == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
		if (got == NULL || strcmp((const char *)got, want) != 0) {
			mq_warnx("%s: %s: answered %s, not %s", s->path, sql,
			    got ? (const char *)got : "nothing", want);
			rc = MQ_EIO;
		}
	}
 out:
	sqlite3_finalize(st);
	return rc;
}

int
mq_store_open(struct mq_store **sp, const char *path, int readonly)
{
	struct mq_store *s;
	int src, rc, flags;

	*sp = NULL;
	if (path == NULL || *path == '\0')
		return MQ_EUSAGE;
	if (sodium_init() < 0) {
		mq_warnx("libsodium cannot be initialised");
		return MQ_EIO;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mq_oom();
	if ((s->path = strdup(path)) == NULL) {
		free(s);
		return mq_oom();
	}
	s->readonly = readonly != 0;
	s->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	s->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	memcpy(s->dummy, dummy_hash_interactive,
	    sizeof(dummy_hash_interactive));

	flags = readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	/* a new store is private (password hashes, sessions); its -wal and
	   -shm files take the store's mode */
	{
		mode_t old = umask(077);

		src = sqlite3_open_v2(path, &s->db,
		    flags | SQLITE_OPEN_NOFOLLOW, NULL);
		umask(old);
	}
	if (src != SQLITE_OK) {
		if (s->db == NULL) {
			rc = mq_oom();
			goto out;
		}
		rc = store_fail(s, src, "open");
		if (rc == MQ_EDATA)
			rc = MQ_EIO;
		goto out;
	}
	if ((src = sqlite3_extended_result_codes(s->db, 1)) != SQLITE_OK ||
	    (src = sqlite3_busy_handler(s->db, store_busy, s)) != SQLITE_OK ||
	    (src = sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1,
	    NULL)) != SQLITE_OK) {
		rc = store_fail(s, src, "configure");
		goto out;
	}
	if ((rc = pragma(s, "PRAGMA foreign_keys = ON", NULL)) != MQ_OK ||
	    (rc = pragma(s, "PRAGMA trusted_schema = OFF", NULL)) != MQ_OK)
		goto out;
	if (!readonly &&
	    (rc = pragma(s, "PRAGMA journal_mode = WAL", "wal")) != MQ_OK)
		goto out;
	/*
	 * The endpoint opens and closes the store once per request: the last
	 * connection to close must not checkpoint and delete the WAL each
	 * time (four fsyncs).  SQLite's automatic checkpoint on commit keeps
	 * the WAL short instead.
	 */
	{
		int on = 1;

		if ((src = sqlite3_db_config(s->db,
		    SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL)) != SQLITE_OK ||
		    (src = sqlite3_file_control(s->db, "main",
		    SQLITE_FCNTL_PERSIST_WAL, &on)) != SQLITE_OK) {
			rc = store_fail(s, src, "configure the WAL");
			goto out;
		}
	}
	if ((rc = pragma(s, "PRAGMA synchronous = NORMAL", NULL)) != MQ_OK)
		goto out;
	if ((rc = migrate(s)) != MQ_OK)
		goto out;
	*sp = s;
	return MQ_OK;
 out:
	mq_store_close(s);
	return rc;
}

void
mq_store_close(struct mq_store *s)
{
	size_t i;
	int src;

	if (s == NULL)
		return;
	if (s->db != NULL) {
		txn_rollback(s);
		for (i = 0; i < ST__MAX; i++)
			sqlite3_finalize(s->st[i]);
		if ((src = sqlite3_close(s->db)) != SQLITE_OK)
			mq_warnx("%s: close: %s", s->path, sqlite3_errstr(src));
	}
	sodium_memzero(s->dummy, sizeof(s->dummy));
	free(s->path);
	free(s);
}

int
mq_store_set_hash_cost(struct mq_store *s, unsigned long long opslimit,
    size_t memlimit)
{
	unsigned char pw[32];
	char dummy[crypto_pwhash_STRBYTES];

	if (opslimit < crypto_pwhash_OPSLIMIT_MIN ||
	    opslimit > crypto_pwhash_OPSLIMIT_MAX ||
	    memlimit < crypto_pwhash_MEMLIMIT_MIN ||
	    memlimit > crypto_pwhash_MEMLIMIT_MAX)
		return MQ_EUSAGE;
	randombytes_buf(pw, sizeof(pw));
	if (crypto_pwhash_str(dummy, (const char *)pw, sizeof(pw), opslimit,
	    memlimit) != 0)
		return mq_oom();
	sodium_memzero(pw, sizeof(pw));
	memcpy(s->dummy, dummy, sizeof(dummy));
	s->opslimit = opslimit;
	s->memlimit = memlimit;
	return MQ_OK;
}

/* MQ_OK when the signup ratings are well formed and of distinct films. */
static int
check_signup_ratings(const struct mq_rating_in *r, size_t nr)
{
	uint32_t *ids;
	size_t i;
	int rc = MQ_OK;

	if (nr < MQ_STORE_MIN_RATINGS || r == NULL)
		return MQ_EUSAGE;
	if ((ids = mq_allocarray(nr, sizeof(*ids))) == NULL)
		return mq_oom();
	for (i = 0; i < nr; i++) {
		if (r[i].movie_id == 0 || r[i].half < 1 || r[i].half > 10) {
			rc = MQ_EUSAGE;
			goto out;
		}
		ids[i] = r[i].movie_id;
	}
	qsort(ids, nr, sizeof(*ids), mq_cmp_u32);
	for (i = 1; i < nr; i++)
		if (ids[i] == ids[i - 1]) {
			rc = MQ_EUSAGE;
			goto out;
		}
 out:
	free(ids);
	return rc;
}

/* Insert or replace a rating; inside a write transaction. */
static int
put_rating(struct mq_store *s, uint32_t member_id, uint32_t movie_id,
    int half, int64_t now, int64_t seq)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(s, ST_RATE, &st)) != MQ_OK)
		return rc;
	if ((rc = bind_i64(s, st, 1, member_id)) ||
	    (rc = bind_i64(s, st, 2, movie_id)) ||
	    (rc = bind_i64(s, st, 3, half)) ||
	    (rc = bind_i64(s, st, 4, now)) ||
	    (rc = bind_i64(s, st, 5, seq)))
		goto out;
	rc = step_all(s, st, ST_RATE);
 out:
	done(st);
	return rc;
}

int
mq_store_signup(struct mq_store *s, const char *username,
    const char *password, uint32_t id_floor, const struct mq_rating_in *r,
    size_t nr, int64_t now, uint32_t *member_id)
{
	char hash[crypto_pwhash_STRBYTES];
	sqlite3_stmt *st = NULL;
	size_t ulen, plen, i;
	int64_t seq, maxid, id;
	int rc;

	if (member_id != NULL)
		*member_id = 0;
	if (s->readonly || s->snap)
		return store_readonly(s);
	if (username == NULL || password == NULL || member_id == NULL)
		return MQ_EUSAGE;
	ulen = strlen(username);
	plen = strlen(password);
	if (ulen == 0 || ulen > MQ_STORE_NAME_MAX || plen == 0 ||
	    plen > MQ_STORE_PASS_MAX)
		return MQ_EUSAGE;
	if ((rc = check_signup_ratings(r, nr)) != MQ_OK)
		return rc;

	/* Argon2 before the lock: other writers do not wait for it */
	if (crypto_pwhash_str(hash, password, plen, s->opslimit,
	    s->memlimit) != 0) {
		mq_warnx("password hashing failed");
		return MQ_ENOMEM;
	}

	if ((rc = txn_begin(s)) != MQ_OK)
		goto out;
	if ((rc = query_i64(s, ST_MAX_ID, 0, 0, &maxid)) != MQ_OK)
		goto out;
	id = (maxid > (int64_t)id_floor ? maxid : (int64_t)id_floor) + 1;
	if (id > UINT32_MAX) {
		mq_warnx("%s: no member id left above %lld", s->path,
		    (long long)(id - 1));
		rc = MQ_EUSAGE;
		goto out;
	}
	if ((rc = next_seq(s, &seq)) != MQ_OK)
		goto out;
	if ((rc = prep(s, ST_MEMBER_INS, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_i64(s, st, 1, id)) ||
	    (rc = bind_text(s, st, 2, username)) ||
	    (rc = bind_text(s, st, 3, hash)) ||
	    (rc = bind_i64(s, st, 4, now)) ||
	    (rc = bind_i64(s, st, 5, seq)))
		goto out;
	/* a taken username is a UNIQUE violation: MQ_EDATA, quietly */
	if ((rc = step_all(s, st, ST_MEMBER_INS)) != MQ_OK)
		goto out;
	done(st);
	st = NULL;
	for (i = 0; i < nr; i++)
		if ((rc = put_rating(s, (uint32_t)id, r[i].movie_id,
		    r[i].half, now, seq)) != MQ_OK)
			goto out;
	if ((rc = txn_commit(s)) != MQ_OK)
		goto out;
	*member_id = (uint32_t)id;
 out:
	done(st);
	if (rc)
		txn_rollback(s);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/*
 * Create a session row for member_id with role; inside a write
 * transaction.  Fills out with the raw token, which is never stored.
 */
static int
session_insert(struct mq_store *s, uint32_t member_id, const char *role,
    int64_t now, int64_t ttl, struct mq_session *out)
{
	unsigned char raw[32], hash[crypto_hash_sha256_BYTES], csrf[32];
	sqlite3_stmt *st;
	int rc;

	randombytes_buf(raw, sizeof(raw));
	randombytes_buf(csrf, sizeof(csrf));
	crypto_hash_sha256(hash, raw, sizeof(raw));
	sodium_bin2hex(out->token, sizeof(out->token), raw, sizeof(raw));
	sodium_bin2hex(out->csrf, sizeof(out->csrf), csrf, sizeof(csrf));
	sodium_memzero(raw, sizeof(raw));
	out->member_id = member_id;
	out->expires = now + ttl;
	snprintf(out->role, sizeof(out->role), "%s", role);

	if ((rc = prep(s, ST_SESS_INS, &st)) != MQ_OK)
		return rc;
	if ((rc = bind_blob(s, st, 1, hash, sizeof(hash))) ||
	    (rc = bind_i64(s, st, 2, member_id)) ||
	    (rc = bind_text(s, st, 3, out->csrf)) ||
	    (rc = bind_i64(s, st, 4, now)) ||
	    (rc = bind_i64(s, st, 5, out->expires)))
		goto out;
	rc = step_all(s, st, ST_SESS_INS);
 out:
	done(st);
	return rc;
}

static int
bad_ttl(int64_t now, int64_t ttl)
{
	return ttl <= 0 || (now > 0 && ttl > INT64_MAX - now);
}

int
mq_store_login(struct mq_store *s, const char *username,
    const char *password, int64_t now, int64_t ttl, struct mq_session *out)
{
	char hash[crypto_pwhash_STRBYTES], rehash[crypto_pwhash_STRBYTES];
	char role[MQ_STORE_ROLE_MAX];
	const unsigned char *txt;
	sqlite3_stmt *st = NULL;
	size_t plen, ulen;
	int64_t id = 0;
	int rc, row, found = 0, needs = 0;

	if (out == NULL)
		return MQ_EUSAGE;
	memset(out, 0, sizeof(*out));
	if (s->readonly || s->snap)
		return store_readonly(s);
	if (username == NULL || password == NULL || bad_ttl(now, ttl))
		return MQ_EUSAGE;
	if ((plen = strlen(password)) > MQ_STORE_PASS_MAX)
		return MQ_EUSAGE;
	ulen = strlen(username);
	hash[0] = role[0] = '\0';

	if (ulen > 0 && ulen <= MQ_STORE_NAME_MAX) {
		if ((rc = prep(s, ST_MEMBER_BY_NAME, &st)) != MQ_OK)
			goto out;
		if ((rc = bind_text(s, st, 1, username)) != MQ_OK ||
		    (rc = step(s, st, ST_MEMBER_BY_NAME, &row)) != MQ_OK)
			goto out;
		if (row) {
			id = sqlite3_column_int64(st, 0);
			txt = sqlite3_column_text(st, 1);
			if (txt != NULL && strlen((const char *)txt) <
			    sizeof(hash)) {
				memcpy(hash, txt, strlen((const char *)txt) + 1);
				found = 1;
			}
			txt = sqlite3_column_text(st, 2);
			snprintf(role, sizeof(role), "%s",
			    txt ? (const char *)txt : "member");
		}
		done(st);
		st = NULL;
	}

	/* the same Argon2 work whether or not the member exists */
	if (crypto_pwhash_str_verify(found ? hash : s->dummy, password,
	    plen) != 0 || !found || id <= 0 || id > UINT32_MAX) {
		rc = MQ_STORE_DENIED;
		goto out;
	}
	needs = crypto_pwhash_str_needs_rehash(hash, s->opslimit,
	    s->memlimit) != 0;
	if (needs && crypto_pwhash_str(rehash, password, plen, s->opslimit,
	    s->memlimit) != 0)
		needs = 0;	/* keep the old hash; it still verifies */

	if ((rc = txn_begin(s)) != MQ_OK)
		goto out;
	if (needs) {
		if ((rc = prep(s, ST_MEMBER_SET_HASH, &st)) != MQ_OK)
			goto out;
		if ((rc = bind_i64(s, st, 1, id)) ||
		    (rc = bind_text(s, st, 2, rehash)) ||
		    (rc = step_all(s, st, ST_MEMBER_SET_HASH)))
			goto out;
		done(st);
		st = NULL;
	}
	if ((rc = prep(s, ST_SESS_PURGE, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_i64(s, st, 1, now)) ||
	    (rc = step_all(s, st, ST_SESS_PURGE)))
		goto out;
	done(st);
	st = NULL;
	if ((rc = session_insert(s, (uint32_t)id, role, now, ttl, out)) !=
	    MQ_OK)
		goto out;
	rc = txn_commit(s);
 out:
	done(st);
	if (rc) {
		txn_rollback(s);
		sodium_memzero(out, sizeof(*out));
	}
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(rehash, sizeof(rehash));
	return rc;
}

int
mq_store_session_new(struct mq_store *s, uint32_t member_id, int64_t now,
    int64_t ttl, struct mq_session *out)
{
	char role[MQ_STORE_ROLE_MAX];
	const unsigned char *txt;
	sqlite3_stmt *st = NULL;
	int rc, row;

	if (out == NULL)
		return MQ_EUSAGE;
	memset(out, 0, sizeof(*out));
	if (s->readonly || s->snap)
		return store_readonly(s);
	if (bad_ttl(now, ttl))
		return MQ_EUSAGE;
	if ((rc = txn_begin(s)) != MQ_OK)
		return rc;
	if ((rc = prep(s, ST_MEMBER_ROLE, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_i64(s, st, 1, member_id)) ||
	    (rc = step(s, st, ST_MEMBER_ROLE, &row)))
		goto out;
	if (!row) {
		rc = MQ_EDATA;
		goto out;
	}
	txt = sqlite3_column_text(st, 0);
	snprintf(role, sizeof(role), "%s", txt ? (const char *)txt : "member");
	done(st);
	st = NULL;
	if ((rc = session_insert(s, member_id, role, now, ttl, out)) != MQ_OK)
		goto out;
	rc = txn_commit(s);
 out:
	done(st);
	if (rc) {
		txn_rollback(s);
		sodium_memzero(out, sizeof(*out));
	}
	return rc;
}

/* SHA-256 of the 32 bytes that token spells in lowercase hex; 0 or -1. */
static int
token_hash(const char *token, unsigned char hash[crypto_hash_sha256_BYTES])
{
	unsigned char raw[32];
	size_t len;

	if (token == NULL || strlen(token) != 2 * sizeof(raw) ||
	    strspn(token, "0123456789abcdef") != 2 * sizeof(raw))
		return -1;
	if (sodium_hex2bin(raw, sizeof(raw), token, 2 * sizeof(raw), NULL,
	    &len, NULL) != 0 || len != sizeof(raw))
		return -1;
	crypto_hash_sha256(hash, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

int
mq_store_session(struct mq_store *s, const char *token, int64_t now,
    struct mq_session *out)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	const unsigned char *csrf, *role;
	sqlite3_stmt *st = NULL;
	int64_t id;
	int rc, row;

	if (out == NULL)
		return MQ_EUSAGE;
	memset(out, 0, sizeof(*out));
	if (token_hash(token, hash) != 0)
		return MQ_STORE_DENIED;
	if ((rc = prep(s, ST_SESS_GET, &st)) != MQ_OK)
		return rc;
	if ((rc = bind_blob(s, st, 1, hash, sizeof(hash))) ||
	    (rc = bind_i64(s, st, 2, now)) ||
	    (rc = step(s, st, ST_SESS_GET, &row)))
		goto out;
	if (!row) {
		rc = MQ_STORE_DENIED;
		goto out;
	}
	id = sqlite3_column_int64(st, 0);
	csrf = sqlite3_column_text(st, 1);
	out->expires = sqlite3_column_int64(st, 2);
	role = sqlite3_column_text(st, 3);
	if (id <= 0 || id > UINT32_MAX || csrf == NULL || role == NULL ||
	    strlen((const char *)csrf) != sizeof(out->csrf) - 1) {
		mq_warnx("%s: a malformed session row", s->path);
		rc = MQ_EIO;
		goto out;
	}
	out->member_id = (uint32_t)id;
	memcpy(out->csrf, csrf, sizeof(out->csrf));
	snprintf(out->role, sizeof(out->role), "%s", (const char *)role);
	rc = step_all(s, st, ST_SESS_GET);
 out:
	done(st);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
mq_store_csrf_ok(const struct mq_session *sess, const char *given)
{
	size_t n = sizeof(sess->csrf) - 1;

	if (sess == NULL || given == NULL || sess->member_id == 0 ||
	    strlen(sess->csrf) != n || strnlen(given, n + 1) != n)
		return 0;
	return sodium_memcmp(sess->csrf, given, n) == 0;
}

int
mq_store_logout(struct mq_store *s, const char *token)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	sqlite3_stmt *st = NULL;
	int rc;

	if (s->readonly || s->snap)
		return store_readonly(s);
	if (token_hash(token, hash) != 0)
		return MQ_OK;
	if ((rc = txn_begin(s)) != MQ_OK)
		return rc;
	if ((rc = prep(s, ST_SESS_DEL, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_blob(s, st, 1, hash, sizeof(hash))) ||
	    (rc = step_all(s, st, ST_SESS_DEL)))
		goto out;
	done(st);
	st = NULL;
	rc = txn_commit(s);
 out:
	done(st);
	if (rc)
		txn_rollback(s);
	return rc;
}

int
mq_store_set_role(struct mq_store *s, uint32_t member_id, const char *role)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s->readonly || s->snap)
		return store_readonly(s);
	if (role == NULL ||
	    (strcmp(role, "member") != 0 && strcmp(role, "admin") != 0))
		return MQ_EUSAGE;
	if ((rc = txn_begin(s)) != MQ_OK)
		return rc;
	if ((rc = prep(s, ST_MEMBER_SET_ROLE, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_i64(s, st, 1, member_id)) ||
	    (rc = bind_text(s, st, 2, role)) ||
	    (rc = step_all(s, st, ST_MEMBER_SET_ROLE)))
		goto out;
	if (sqlite3_changes(s->db) != 1) {
		rc = MQ_EDATA;
		goto out;
	}
	done(st);
	st = NULL;
	rc = txn_commit(s);
 out:
	done(st);
	if (rc)
		txn_rollback(s);
	return rc;
}

int
mq_store_rate(struct mq_store *s, uint32_t member_id, uint32_t movie_id,
    int half, int64_t now, uint64_t *seqp)
{
	int64_t seq;
	int rc;

	if (seqp != NULL)
		*seqp = 0;
	if (s->readonly || s->snap)
		return store_readonly(s);
	if (half < 0 || half > 10 || movie_id == 0)
		return MQ_EUSAGE;
	if ((rc = txn_begin(s)) != MQ_OK)
		return rc;
	if ((rc = next_seq(s, &seq)) ||
	    (rc = put_rating(s, member_id, movie_id, half, now, seq)) ||
	    (rc = txn_commit(s)))
		goto out;
	if (seqp != NULL)
		*seqp = (uint64_t)seq;
 out:
	if (rc)
		txn_rollback(s);
	return rc;
}

int
mq_store_tag(struct mq_store *s, uint32_t member_id, uint32_t movie_id,
    const char *tag, int add, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int64_t seq;
	int rc;

	if (s->readonly || s->snap)
		return store_readonly(s);
	if (tag == NULL || *tag == '\0' || movie_id == 0)
		return MQ_EUSAGE;
	if ((rc = txn_begin(s)) != MQ_OK)
		return rc;
	if ((rc = next_seq(s, &seq)) != MQ_OK ||
	    (rc = prep(s, ST_TAG, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_i64(s, st, 1, member_id)) ||
	    (rc = bind_i64(s, st, 2, movie_id)) ||
	    (rc = bind_text(s, st, 3, tag)) ||
	    (rc = bind_i64(s, st, 4, now)) ||
	    (rc = bind_i64(s, st, 5, add ? 0 : 1)) ||
	    (rc = bind_i64(s, st, 6, seq)) ||
	    (rc = step_all(s, st, ST_TAG)))
		goto out;
	done(st);
	st = NULL;
	rc = txn_commit(s);
 out:
	done(st);
	if (rc)
		txn_rollback(s);
	return rc;
}

int
mq_store_feedback(struct mq_store *s, uint32_t member_id, uint32_t movie_id,
    enum mq_feedback kind, int64_t now)
{
	sqlite3_stmt *st = NULL;
	const char *name;
	int64_t seq;
	int rc;

	if (s->readonly || s->snap)
		return store_readonly(s);
	if ((name = mq_feedback_name(kind)) == NULL || movie_id == 0)
		return MQ_EUSAGE;
	if ((rc = txn_begin(s)) != MQ_OK)
		return rc;
	if ((rc = next_seq(s, &seq)) != MQ_OK ||
	    (rc = prep(s, ST_FEEDBACK, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_i64(s, st, 1, member_id)) ||
	    (rc = bind_i64(s, st, 2, movie_id)) ||
	    (rc = bind_text(s, st, 3, name)) ||
	    (rc = bind_i64(s, st, 4, now)) ||
	    (rc = bind_i64(s, st, 5, seq)) ||
	    (rc = step_all(s, st, ST_FEEDBACK)))
		goto out;
	done(st);
	st = NULL;
	rc = txn_commit(s);
 out:
	done(st);
	if (rc)
		txn_rollback(s);
	return rc;
}

int
mq_store_ratelimit(struct mq_store *s, const char *key, int64_t now,
    int64_t window, int max, int *allowed)
{
	sqlite3_stmt *st = NULL;
	int64_t count = 0;
	int rc, row;

	if (allowed != NULL)
		*allowed = 0;
	if (s->readonly || s->snap)
		return store_readonly(s);
	if (key == NULL || *key == '\0' || window <= 0 || max < 1 ||
	    allowed == NULL)
		return MQ_EUSAGE;
	if ((rc = txn_begin(s)) != MQ_OK)
		return rc;
	if ((rc = prep(s, ST_LIMIT, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_text(s, st, 1, key)) ||
	    (rc = bind_i64(s, st, 2, now)) ||
	    (rc = bind_i64(s, st, 3, window)) ||
	    (rc = step(s, st, ST_LIMIT, &row)))
		goto out;
	if (row)
		count = sqlite3_column_int64(st, 0);
	if ((rc = step_all(s, st, ST_LIMIT)) != MQ_OK)
		goto out;
	done(st);
	st = NULL;
	if ((rc = txn_commit(s)) != MQ_OK)
		goto out;
	*allowed = count >= 1 && count <= max;
 out:
	done(st);
	if (rc)
		txn_rollback(s);
	return rc;
}

int
mq_store_purge(struct mq_store *s, int64_t now, int64_t keep)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (s->readonly || s->snap)
		return store_readonly(s);
	if (keep < 0)
		return MQ_EUSAGE;
	if ((rc = txn_begin(s)) != MQ_OK)
		return rc;
	if ((rc = prep(s, ST_SESS_PURGE, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_i64(s, st, 1, now)) ||
	    (rc = step_all(s, st, ST_SESS_PURGE)))
		goto out;
	done(st);
	if ((rc = prep(s, ST_LIMIT_PURGE, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_i64(s, st, 1, now - keep)) ||
	    (rc = step_all(s, st, ST_LIMIT_PURGE)))
		goto out;
	done(st);
	st = NULL;
	rc = txn_commit(s);
 out:
	done(st);
	if (rc)
		txn_rollback(s);
	return rc;
}

/* meta 'runs.last_seq'; inside a transaction or autocommit. */
static int
get_last_run(struct mq_store *s, int64_t *v)
{
	sqlite3_stmt *st;
	int rc, row;

	*v = 0;
	if ((rc = prep(s, ST_META_GET, &st)) != MQ_OK)
		return rc;
	if ((rc = bind_text(s, st, 1, "runs.last_seq")) ||
	    (rc = step(s, st, ST_META_GET, &row)))
		goto out;
	if (row)
		*v = sqlite3_column_int64(st, 0);
	rc = step_all(s, st, ST_META_GET);
 out:
	done(st);
	return rc;
}

int
mq_store_last_run(struct mq_store *s, uint64_t *last_seq)
{
	int64_t v;
	int rc;

	*last_seq = 0;
	if ((rc = get_last_run(s, &v)) == MQ_OK)
		*last_seq = (uint64_t)v;
	return rc;
}

int
mq_store_counts(struct mq_store *s, uint64_t since,
    struct mq_store_counts *c)
{
	sqlite3_stmt *st = NULL;
	int64_t v;
	int rc, row;

	if (c == NULL || s->snap)
		return MQ_EUSAGE;
	memset(c, 0, sizeof(*c));
	if ((rc = run(s, ST_BEGIN_READ)) != MQ_OK)
		return rc;
	if ((rc = query_i64(s, ST_SEQ, 0, 0, &v)) != MQ_OK)
		goto out;
	c->seq = (uint64_t)v;
	if ((rc = get_last_run(s, &v)) != MQ_OK)
		goto out;
	c->last_run = (uint64_t)v;
	c->since = since == MQ_STORE_SINCE_LAST_RUN ? c->last_run : since;
	if (c->since > INT64_MAX)
		c->since = INT64_MAX;
	if ((rc = query_i64(s, ST_COUNT_MEMBERS, 1, (int64_t)c->since, &v)))
		goto out;
	c->members = (uint64_t)v;
	if ((rc = query_i64(s, ST_COUNT_TAGS, 1, (int64_t)c->since, &v)))
		goto out;
	c->tags = (uint64_t)v;
	if ((rc = query_i64(s, ST_COUNT_FEEDBACK, 1, (int64_t)c->since, &v)))
		goto out;
	c->feedback = (uint64_t)v;
	if ((rc = prep(s, ST_COUNT_RATINGS, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_i64(s, st, 1, (int64_t)c->since)) ||
	    (rc = step(s, st, ST_COUNT_RATINGS, &row)))
		goto out;
	if (row) {
		c->ratings = (uint64_t)sqlite3_column_int64(st, 0);
		c->deletions = (uint64_t)sqlite3_column_int64(st, 1);
	}
	if ((rc = step_all(s, st, ST_COUNT_RATINGS)) != MQ_OK)
		goto out;
	done(st);
	st = NULL;
	rc = txn_commit(s);
 out:
	done(st);
	if (rc)
		txn_rollback(s);
	return rc;
}

int
mq_store_snapshot_begin(struct mq_store *s, uint64_t *upto)
{
	int64_t v;
	int rc;

	*upto = 0;
	if (s->snap)
		return MQ_EUSAGE;
	if ((rc = run(s, ST_BEGIN_READ)) != MQ_OK)
		return rc;
	/* the first read fixes the snapshot */
	if ((rc = query_i64(s, ST_SEQ, 0, 0, &v)) != MQ_OK) {
		txn_rollback(s);
		return rc;
	}
	s->snap = 1;
	s->snap_upto = (uint64_t)v;
	*upto = (uint64_t)v;
	return MQ_OK;
}

int
mq_store_snapshot_end(struct mq_store *s)
{
	int rc;

	if (!s->snap)
		return MQ_OK;
	s->snap = 0;
	if ((rc = txn_commit(s)) != MQ_OK)
		txn_rollback(s);
	return rc;
}

/* Prepare iteration statement i over (since, snapshot upto]. */
static int
each_begin(struct mq_store *s, enum sid i, uint64_t since, sqlite3_stmt **st)
{
	int rc;

	*st = NULL;
	if (!s->snap)
		return MQ_EUSAGE;
	if (since > INT64_MAX)
		since = INT64_MAX;
	if ((rc = prep(s, i, st)) != MQ_OK)
		return rc;
	if ((rc = bind_i64(s, *st, 1, (int64_t)since)) ||
	    (rc = bind_i64(s, *st, 2, (int64_t)s->snap_upto))) {
		done(*st);
		*st = NULL;
	}
	return rc;
}

static uint32_t
col_u32(sqlite3_stmt *st, int i)
{
	int64_t v = sqlite3_column_int64(st, i);

	return v < 0 || v > UINT32_MAX ? 0 : (uint32_t)v;
}

int
mq_store_each_member(struct mq_store *s, uint64_t since,
    int (*cb)(void *, const struct mq_store_member *), void *arg)
{
	struct mq_store_member m;
	const unsigned char *role;
	sqlite3_stmt *st;
	int rc, row;

	if ((rc = each_begin(s, ST_EACH_MEMBER, since, &st)) != MQ_OK)
		return rc;
	for (;;) {
		if ((rc = step(s, st, ST_EACH_MEMBER, &row)) != MQ_OK || !row)
			break;
		m.id = col_u32(st, 0);
		role = sqlite3_column_text(st, 1);
		m.role = role ? (const char *)role : "member";
		m.created = sqlite3_column_int64(st, 2);
		m.seq = (uint64_t)sqlite3_column_int64(st, 3);
		if ((rc = cb(arg, &m)) != 0)
			break;
	}
	done(st);
	return rc;
}

int
mq_store_each_rating(struct mq_store *s, uint64_t since,
    int (*cb)(void *, const struct mq_store_rating *), void *arg)
{
	struct mq_store_rating r;
	sqlite3_stmt *st;
	int rc, row;

	if ((rc = each_begin(s, ST_EACH_RATING, since, &st)) != MQ_OK)
		return rc;
	for (;;) {
		if ((rc = step(s, st, ST_EACH_RATING, &row)) != MQ_OK || !row)
			break;
		r.member_id = col_u32(st, 0);
		r.movie_id = col_u32(st, 1);
		r.half = sqlite3_column_int(st, 2);
		r.ts = sqlite3_column_int64(st, 3);
		r.seq = (uint64_t)sqlite3_column_int64(st, 4);
		if ((rc = cb(arg, &r)) != 0)
			break;
	}
	done(st);
	return rc;
}

int
mq_store_member_ratings(struct mq_store *s, uint32_t member_id,
    struct mq_store_rating *out, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	int rc, row;

	*n = 0;
	if ((rc = prep(s, ST_MEMBER_RATINGS, &st)) != MQ_OK)
		return rc;
	if ((rc = bind_i64(s, st, 1, member_id)) ||
	    (rc = bind_i64(s, st, 2, (int64_t)max))) {
		done(st);
		return rc;
	}
	while (*n < max) {
		if ((rc = step(s, st, ST_MEMBER_RATINGS, &row)) != MQ_OK || !row)
			break;
		out[*n].member_id = col_u32(st, 0);
		out[*n].movie_id = col_u32(st, 1);
		out[*n].half = sqlite3_column_int(st, 2);
		out[*n].ts = sqlite3_column_int64(st, 3);
		out[*n].seq = (uint64_t)sqlite3_column_int64(st, 4);
		(*n)++;
	}
	done(st);
	return rc;
}

int
mq_store_each_tag(struct mq_store *s, uint64_t since,
    int (*cb)(void *, const struct mq_store_tag *), void *arg)
{
	struct mq_store_tag t;
	const unsigned char *txt;
	sqlite3_stmt *st;
	int rc, row;

	if ((rc = each_begin(s, ST_EACH_TAG, since, &st)) != MQ_OK)
		return rc;
	for (;;) {
		if ((rc = step(s, st, ST_EACH_TAG, &row)) != MQ_OK || !row)
			break;
		t.member_id = col_u32(st, 0);
		t.movie_id = col_u32(st, 1);
		txt = sqlite3_column_text(st, 2);
		t.tag = txt ? (const char *)txt : "";
		t.deleted = sqlite3_column_int(st, 3) != 0;
		t.ts = sqlite3_column_int64(st, 4);
		t.seq = (uint64_t)sqlite3_column_int64(st, 5);
		if ((rc = cb(arg, &t)) != 0)
			break;
	}
	done(st);
	return rc;
}

int
mq_store_each_feedback(struct mq_store *s, uint64_t since,
    int (*cb)(void *, const struct mq_store_feedback *), void *arg)
{
	struct mq_store_feedback f;
	const char *kind;
	sqlite3_stmt *st;
	int rc, row;

	if ((rc = each_begin(s, ST_EACH_FEEDBACK, since, &st)) != MQ_OK)
		return rc;
	for (;;) {
		if ((rc = step(s, st, ST_EACH_FEEDBACK, &row)) != MQ_OK || !row)
			break;
		f.member_id = col_u32(st, 0);
		f.movie_id = col_u32(st, 1);
		kind = (const char *)sqlite3_column_text(st, 2);
		if (kind != NULL && strcmp(kind, "not_interested") == 0)
			f.kind = MQ_FB_NOT_INTERESTED;
		else if (kind != NULL && strcmp(kind, "seen") == 0)
			f.kind = MQ_FB_SEEN;
		else
			f.kind = MQ_FB_RATED;
		f.ts = sqlite3_column_int64(st, 3);
		f.seq = (uint64_t)sqlite3_column_int64(st, 4);
		if ((rc = cb(arg, &f)) != 0)
			break;
	}
	done(st);
	return rc;
}

int
mq_store_mark_run(struct mq_store *s, uint64_t upto)
{
	sqlite3_stmt *st = NULL;
	int64_t seq, last;
	int rc;

	if (s->readonly || s->snap)
		return store_readonly(s);
	if (upto > INT64_MAX)
		return MQ_EUSAGE;
	if ((rc = txn_begin(s)) != MQ_OK)
		return rc;
	if ((rc = query_i64(s, ST_SEQ, 0, 0, &seq)) ||
	    (rc = get_last_run(s, &last)))
		goto out;
	if ((int64_t)upto > seq || (int64_t)upto < last) {
		mq_warnx("%s: run mark %llu outside [%lld, %lld]", s->path,
		    (unsigned long long)upto, (long long)last, (long long)seq);
		rc = MQ_EUSAGE;
		goto out;
	}
	if ((rc = prep(s, ST_META_SET, &st)) != MQ_OK)
		goto out;
	if ((rc = bind_text(s, st, 1, "runs.last_seq")) ||
	    (rc = bind_i64(s, st, 2, (int64_t)upto)) ||
	    (rc = step_all(s, st, ST_META_SET)))
		goto out;
	done(st);
	st = NULL;
	rc = txn_commit(s);
 out:
	done(st);
	if (rc)
		txn_rollback(s);
	return rc;
}

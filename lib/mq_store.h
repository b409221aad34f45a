/*
 * mq_store.h - the SQLite store of what members submit.
 *
 * One database file is shared by the CGI endpoint (many short processes
 * writing at once) and the nightly batch (reading it).  The store keeps
 * members (passwords hashed with Argon2id), sessions, ratings, tags and
 * feedback waiting for the next run, login rate-limit counters and the
 * mark of the last run.
 *
 * Concurrency.  The file is in WAL mode: readers never block the writer
 * and see a consistent snapshot.  Every write runs in one
 * BEGIN IMMEDIATE ... COMMIT transaction (rolled back on any error, so
 * nothing is half stored); a writer that finds the file locked waits up to
 * MQ_STORE_BUSY_MS (a busy handler of short, jittered sleeps) before giving
 * up with MQ_EIO.  A struct mq_store is one connection: never share it
 * between threads or across fork().  Needs SQLite 3.35 or later.
 *
 * Sequence numbers.  Every write transaction that changes ratings, tags,
 * feedback or members takes the next value of one global counter and
 * stamps the rows it writes with it.  The batch opens a snapshot, reads
 * upto = the counter, takes every row with seq <= upto, and later marks the
 * run (meta 'runs.last_seq'); a row written meanwhile has a larger seq and
 * belongs to the next run.  Nothing is lost or counted twice.  Deleting a
 * rating or a tag leaves a tombstone (half 0, deleted 1) because the rating
 * may live in the base CSV, and the deletion must reach the batch too.
 *
 * Return codes (lib/mq_err.h).  MQ_OK; MQ_EUSAGE when the caller passed
 * something the contract forbids (HTTP 400, or a bug), including any write
 * through a read-only store or inside a snapshot; MQ_EIO for any
 * database failure, including a lock still held after the busy timeout
 * (HTTP 500/503), reported on stderr with SQLite's message; MQ_ENOMEM.
 * MQ_EDATA is the store's "no": its meaning is one per function and is
 * spelled out below; the aliases make call sites read as what they mean.
 * A conflict is an answer, not a fault: it is not reported on stderr.
 */
#ifndef MQ_STORE_H
#define MQ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "mq_err.h"

#define MQ_STORE_CONFLICT	MQ_EDATA /* 409: e.g. the username is taken */
#define MQ_STORE_DENIED		MQ_EDATA /* 401: bad credentials, no session */

#define MQ_STORE_SCHEMA		1	/* PRAGMA user_version this code writes */
#define MQ_STORE_BUSY_MS	5000	/* how long a writer waits for the lock */
#define MQ_STORE_TOKEN_HEX	65	/* 64 hex digits (256 bits) + NUL */
#define MQ_STORE_ROLE_MAX	16	/* "member", "admin" + NUL, with room */
#define MQ_STORE_NAME_MAX	64	/* username bytes */
#define MQ_STORE_PASS_MAX	1024	/* password bytes */
#define MQ_STORE_MIN_RATINGS	3	/* a signup brings at least this many */

/* counts since the last run mark, for mq_store_counts() */
#define MQ_STORE_SINCE_LAST_RUN	UINT64_MAX

struct mq_store;

/* A rating given at signup. */
struct mq_rating_in {
	uint32_t movie_id;	/* MovieLens movieId, > 0 */
	int half;		/* half stars, 1..10 (0.5..5.0) */
};

/* A logged-in member, as login and mq_store_session() return it. */
struct mq_session {
	uint32_t member_id;
	char role[MQ_STORE_ROLE_MAX];	/* "member" or "admin" */
	char token[MQ_STORE_TOKEN_HEX];	/* raw token: only from login and
					   mq_store_session_new(), else "" */
	char csrf[MQ_STORE_TOKEN_HEX];	/* the session's CSRF token */
	int64_t expires;		/* seconds since the epoch */
};

enum mq_feedback {
	MQ_FB_RATED,		/* "rated" */
	MQ_FB_NOT_INTERESTED,	/* "not_interested" */
	MQ_FB_SEEN		/* "seen" */
};

/* Rows handed to the batch's callbacks; pointers valid during the call. */
struct mq_store_rating {
	uint32_t member_id;
	uint32_t movie_id;
	int half;		/* 1..10, or 0: the rating was deleted */
	int64_t ts;
	uint64_t seq;
};

struct mq_store_tag {
	uint32_t member_id;
	uint32_t movie_id;
	const char *tag;	/* UTF-8 as the endpoint stored it */
	int deleted;		/* 1: the member removed it */
	int64_t ts;
	uint64_t seq;
};

struct mq_store_member {
	uint32_t id;
	const char *role;
	int64_t created;
	uint64_t seq;
};

struct mq_store_feedback {
	uint32_t member_id;
	uint32_t movie_id;
	enum mq_feedback kind;
	int64_t ts;
	uint64_t seq;
};

/* What changed after a given seq (the admin's statistics). */
struct mq_store_counts {
	uint64_t since;		/* the seq counted from */
	uint64_t seq;		/* the counter now */
	uint64_t last_run;	/* meta 'runs.last_seq' */
	uint64_t members;	/* new members */
	uint64_t ratings;	/* ratings set (half 1..10) */
	uint64_t deletions;	/* ratings deleted (tombstones) */
	uint64_t tags;		/* tags added or removed */
	uint64_t feedback;	/* feedback events */
};

/*
 * Open the store at path into *s.  Read-write: the file is created when
 * absent, put in WAL mode, and the missing schema migrations are applied
 * in order in one transaction (a concurrent opener waits and then finds
 * them applied).  Read-only (readonly != 0): the file must exist with the
 * current schema; every write function then returns MQ_EUSAGE.  Both set
 * the busy handler, foreign_keys=ON and synchronous=NORMAL.  path must
 * not be a symbolic link (SQLITE_OPEN_NOFOLLOW).
 * Returns MQ_OK; MQ_EDATA when the schema is newer than this program, or
 * older and readonly is set; MQ_EIO when the file cannot be opened or
 * migrated; MQ_ENOMEM.  On failure *s is NULL.  Close with mq_store_close.
 */
int mq_store_open(struct mq_store **s, const char *path, int readonly);

/* Finish any snapshot, free every statement, close.  NULL accepted. */
void mq_store_close(struct mq_store *s);

/*
 * Argon2id cost of the hashes this connection writes (the default is
 * crypto_pwhash_OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE: 64 MiB, about
 * 65 ms on the project's machine).  Meant for the tests, which pass
 * crypto_pwhash_OPSLIMIT_MIN / MEMLIMIT_MIN; there is deliberately no
 * environment variable.  The dummy hash that unknown usernames are checked
 * against is recomputed at the new cost.  A login with a password hashed
 * at another cost rehashes it.  MQ_OK, MQ_EUSAGE (below libsodium's
 * minimum), MQ_ENOMEM.
 */
int mq_store_set_hash_cost(struct mq_store *s, unsigned long long opslimit,
    size_t memlimit);

/*
 * Create a member with role "member" and its nr ratings, all in one
 * transaction, at time now.  The id is one above the largest of id_floor
 * (the largest userId of the base data) and every id in the store.  The
 * password is hashed before the transaction starts (no lock is held while
 * Argon2 runs).  The username is matched without regard to ASCII case.
 * MQ_EUSAGE, nothing stored: username empty or longer than
 * MQ_STORE_NAME_MAX, password empty or longer than MQ_STORE_PASS_MAX,
 * nr < MQ_STORE_MIN_RATINGS, a movie_id of 0, a half outside 1..10, the
 * same film twice, or no id left above id_floor.
 * MQ_STORE_CONFLICT (MQ_EDATA), nothing stored: the username is taken.
 * Otherwise MQ_OK with *member_id set, or MQ_EIO / MQ_ENOMEM.
 */
int mq_store_signup(struct mq_store *s, const char *username,
    const char *password, uint32_t id_floor, const struct mq_rating_in *r,
    size_t nr, int64_t now, uint32_t *member_id);

/*
 * Check username and password and open a session of ttl seconds (fills
 * *out, token included; the store keeps only SHA-256 of the token).  An
 * unknown username costs the same Argon2 verification as a known one, and
 * gives the same answer as a wrong password: MQ_STORE_DENIED (MQ_EDATA).
 * Expired sessions are purged on the way.  MQ_EUSAGE: NULL arguments,
 * password longer than MQ_STORE_PASS_MAX, ttl <= 0, read-only store.
 * Otherwise MQ_OK, MQ_EIO, MQ_ENOMEM.  *out is zeroed on every failure.
 */
int mq_store_login(struct mq_store *s, const char *username,
    const char *password, int64_t now, int64_t ttl, struct mq_session *out);

/*
 * Open a session of ttl seconds for member_id without a password (right
 * after mq_store_signup: "the answer logs the member in").  Fills *out.
 * MQ_EDATA: no such member.  MQ_EUSAGE: ttl <= 0, read-only store.
 * Otherwise MQ_OK, MQ_EIO, MQ_ENOMEM.
 */
int mq_store_session_new(struct mq_store *s, uint32_t member_id, int64_t now,
    int64_t ttl, struct mq_session *out);

/*
 * The session of token (64 hex digits, as login returned it) at time now:
 * fills *out (out->token is left ""), MQ_OK.  A malformed, unknown or
 * expired token: MQ_STORE_DENIED (MQ_EDATA).  Works on a read-only
 * store.  MQ_EIO, MQ_EUSAGE (NULL).  *out is zeroed on every failure.
 */
int mq_store_session(struct mq_store *s, const char *token, int64_t now,
    struct mq_session *out);

/*
 * Whether given is the session's CSRF token: 1 or 0, compared in constant
 * time (sodium_memcmp).  NULL, a wrong length or an empty session give 0.
 */
int mq_store_csrf_ok(const struct mq_session *sess, const char *given);

/*
 * End the session of token.  An unknown or malformed token is not an
 * error (logging out twice is fine): MQ_OK.  MQ_EUSAGE (read-only),
 * MQ_EIO.
 */
int mq_store_logout(struct mq_store *s, const char *token);

/*
 * Set a member's role ("member" or "admin"); for the operator's tools.
 * MQ_EDATA: no such member.  MQ_EUSAGE: another role, read-only store.
 */
int mq_store_set_role(struct mq_store *s, uint32_t member_id,
    const char *role);

/*
 * Member member_id rates movie_id with half stars (1..10) at time now, or
 * deletes the rating (half 0: a tombstone row stays for the batch).
 * Rating again replaces the earlier rating: one row per (member, film).
 * *seq (may be NULL) gets the write's sequence number.
 * MQ_EUSAGE: half outside 0..10, movie_id 0, read-only store.  MQ_EDATA:
 * no such member.  Otherwise MQ_OK, MQ_EIO, MQ_ENOMEM.  The store does not
 * know the catalogue: the endpoint checks that the film exists.
 */
int mq_store_rate(struct mq_store *s, uint32_t member_id, uint32_t movie_id,
    int half, int64_t now, uint64_t *seq);

/*
 * Add (add != 0) or remove a member's tag on a film.  Removing keeps a
 * row with deleted = 1; adding it again revives it.  One row per (member,
 * film, tag), compared byte for byte: the endpoint normalises, bounds and
 * checks the text; the store stores it.  MQ_EUSAGE: empty tag, movie_id
 * 0, read-only store.  MQ_EDATA: no such member.  Else as mq_store_rate.
 */
int mq_store_tag(struct mq_store *s, uint32_t member_id, uint32_t movie_id,
    const char *tag, int add, int64_t now);

/*
 * Record feedback on a recommended film (an event: every call adds one).
 * MQ_EUSAGE: unknown kind, movie_id 0, read-only store.  MQ_EDATA: no such
 * member.  Else as mq_store_rate.
 */
int mq_store_feedback(struct mq_store *s, uint32_t member_id,
    uint32_t movie_id, enum mq_feedback kind, int64_t now);

/*
 * Count one attempt under key (e.g. "login:ip:203.0.113.7") at time now,
 * atomically: a window of window seconds starts at the first attempt, and
 * *allowed is 1 for the first max attempts of the window, 0 after, until
 * the window has passed.  MQ_EUSAGE: empty key, window <= 0, max < 1,
 * read-only store.  Otherwise MQ_OK, MQ_EIO.  *allowed is 0 on failure.
 */
int mq_store_ratelimit(struct mq_store *s, const char *key, int64_t now,
    int64_t window, int max, int *allowed);

/*
 * Delete the sessions expired at now and the rate-limit windows that
 * started more than keep seconds before now (keep must exceed every
 * window the endpoint uses).  For the nightly run.  MQ_EUSAGE (read-only,
 * keep < 0), MQ_EIO.
 */
int mq_store_purge(struct mq_store *s, int64_t now, int64_t keep);

/*
 * What changed after seq since (MQ_STORE_SINCE_LAST_RUN: after the last
 * run mark), read in one transaction.  Works on a read-only store.
 * MQ_OK, MQ_EUSAGE (NULL, or inside a snapshot), MQ_EIO.
 */
int mq_store_counts(struct mq_store *s, uint64_t since,
    struct mq_store_counts *c);

/*
 * The batch's reading, all inside one read transaction:
 *
 *	mq_store_snapshot_begin(s, &upto);
 *	mq_store_each_member(s, last, cb, arg);	(any of the four, any order)
 *	mq_store_each_rating(s, last, cb, arg);
 *	mq_store_snapshot_end(s);
 *	... build, publish ...
 *	mq_store_mark_run(s, upto);		(read-write store)
 *
 * snapshot_begin fixes the view and sets *upto to the counter in it;
 * rows committed afterwards are invisible until snapshot_end.  MQ_EUSAGE
 * when a snapshot is already open.  The each_* functions call cb for every
 * row with since < seq <= upto, in seq order, and stop at the first
 * non-zero return of cb, which they return.  since 0 gives everything the
 * store holds; cb must not call the store.  MQ_EUSAGE outside a
 * snapshot.  snapshot_end ends the read transaction (MQ_OK, or MQ_EIO
 * reported); the snapshot is closed either way.
 */
int mq_store_snapshot_begin(struct mq_store *s, uint64_t *upto);
int mq_store_each_member(struct mq_store *s, uint64_t since,
    int (*cb)(void *, const struct mq_store_member *), void *arg);
int mq_store_each_rating(struct mq_store *s, uint64_t since,
    int (*cb)(void *, const struct mq_store_rating *), void *arg);
int mq_store_each_tag(struct mq_store *s, uint64_t since,
    int (*cb)(void *, const struct mq_store_tag *), void *arg);
int mq_store_each_feedback(struct mq_store *s, uint64_t since,
    int (*cb)(void *, const struct mq_store_feedback *), void *arg);
int mq_store_snapshot_end(struct mq_store *s);

/*
 * The member's current ratings in the store (deletions left out), newest
 * first, at most max into out; *n says how many.  For the endpoint's
 * fold-in list.  MQ_OK or MQ_EIO.
 */
int mq_store_member_ratings(struct mq_store *s, uint32_t member_id,
    struct mq_store_rating *out, size_t max, size_t *n);

/*
 * The seq of the last run mark (meta 'runs.last_seq'), 0 before the first
 * run.  MQ_OK, MQ_EIO.
 */
int mq_store_last_run(struct mq_store *s, uint64_t *last_seq);

/*
 * Mark a run as having taken every row with seq <= upto.  Marks only move
 * forward: MQ_EUSAGE when upto is below the current mark or above the
 * counter, inside a snapshot, or on a read-only store.  MQ_OK, MQ_EIO.
 */
int mq_store_mark_run(struct mq_store *s, uint64_t upto);

/* "rated", "not_interested", "seen"; NULL for a value out of range. */
const char *mq_feedback_name(enum mq_feedback kind);

#endif /* MQ_STORE_H */

/*
 * main.c - bin/marquee.cgi: the endpoint for signups, logins, ratings,
 * tags, feedback, history and the operator's counts.
 *
 * The only part of Marquee that takes input from the internet.  One
 * process per request (CGI): the request is parsed and validated against
 * the route table of req.c (a field not in the table does not exist), in a
 * child process under a seccomp filter where Linux has it; then the store
 * (SQLite, mq_store.h) is opened, the session and CSRF token checked, the
 * route run in one transaction, and one JSON document answered:
 *
 *	{"ok": true, ...}			2xx
 *	{"ok": false, "error": "...", "status": N}	4xx and 5xx
 *
 * It runs as a plain CGI program, or as a FastCGI application when the
 * web server starts it with a listening socket on descriptor 0 (then the
 * store stays open and the fold-in file mapped between requests).
 *
 * Configuration, from the environment lighttpd sets (etc/lighttpd.conf):
 *	MQ_STORE	the SQLite store (required)
 *	MQ_STATE	the site's state directory: site.key, foldin.bin,
 *			recommended.tsv (required)
 *	MQ_SESSION_DAYS	session lifetime (default 30)
 * Nothing is stored when the answer is an error.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mq_buf.h"
#include "mq_err.h"
#include "mq_esc.h"
#include "mq_fold.h"
#include "mq_key.h"
#include "mq_store.h"
#include "req.h"
#include "fcgi.h"
#include "sandbox.h"

#define RECS_N		5	/* films in the answer's "for you" list */
#define FOLD_RATINGS	200	/* a member's latest ratings folded in */

/* Per-request limits (per client address, per window). */
#define LIMIT_WINDOW	600
#define LIMIT_LOGIN	20	/* login attempts per address */
#define LIMIT_LOGIN_USER 10	/* per username, from anywhere */
#define LIMIT_SIGNUP	10

/*
 * What outlives a request when the endpoint runs under FastCGI: the open
 * store, the mapped fold-in file (mapped again when a build replaced it)
 * and the key.  Under plain CGI they last one request.
 */
struct res {
	struct mq_store *store;
	struct mq_fold fold;
	int have_fold;
	ino_t fold_ino;
	time_t fold_mtime;
	struct mq_key key;
	int have_key;
};

struct ctx {
	struct mq_req *req;
	struct mq_req_env env;
	struct res *res;
	struct mq_store *store;
	struct mq_fold fold;
	int have_fold;
	struct mq_key key;
	const char *state;
	struct mq_buf *resp;	/* the whole response is written here */
	struct mq_session sess;
	int64_t now;
	struct mq_buf out;	/* the JSON answer, after {"ok": true */
	struct mq_buf hdr;	/* extra headers */
};

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/* Write the whole answer to c->resp; an error answer drops out/hdr. */
static void
answer(struct ctx *c, int status, const char *error)
{
	struct mq_buf b = MQ_BUF_INIT;

	mq_buf_printf(&b, "Status: %d %s\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n", status,
	    reason_phrase(status));
	if (status == 405 && c->req && c->req->route)
		mq_buf_printf(&b, "Allow: %s\r\n", c->req->route->allow);
	if (error == NULL && c->hdr.len)
		mq_buf_add(&b, c->hdr.s, c->hdr.len);
	mq_buf_adds(&b, "\r\n");
	if (c->env.method && !strcmp(c->env.method, "HEAD"))
		;	/* headers only */
	else if (error) {
		mq_buf_adds(&b, "{\"ok\": false, \"status\": ");
		mq_buf_printf(&b, "%d, \"error\": ", status);
		mq_esc_jstr(&b, error);
		mq_buf_adds(&b, "}\n");
	} else {
		mq_buf_adds(&b, "{\"ok\": true");
		if (c->out.len)
			mq_buf_add(&b, c->out.s, c->out.len);
		mq_buf_adds(&b, "}\n");
	}
	mq_buf_reset(c->resp);
	if (b.err)
		mq_buf_adds(c->resp, "Status: 500 Internal Server Error\r\n"
		    "Content-Type: application/json\r\n\r\n"
		    "{\"ok\": false, \"status\": 500, "
		    "\"error\": \"out of memory\"}\n");
	else
		mq_buf_add(c->resp, b.s, b.len);
	mq_buf_release(&b);
}

/* A failed store call: the status it stands for. */
static int
store_status(int rc)
{
	return rc == MQ_EIO ? 503 : rc == MQ_EUSAGE ? 400 : 500;
}

/* ------------------------------------------------------------------ */

/* "for_you": [...] from the member's store ratings and the fold-in. */
static int
add_for_you(struct ctx *c, uint32_t member)
{
	struct mq_store_rating r[FOLD_RATINGS];
	struct mq_fold_rating fr[FOLD_RATINGS];
	uint32_t out[RECS_N], n, k;
	size_t nr, a;
	int rc;

	if (!c->have_fold) {
		mq_buf_adds(&c->out, ", \"for_you\": []");
		return MQ_OK;
	}
	if ((rc = mq_store_member_ratings(c->store, member, r, FOLD_RATINGS,
	    &nr)))
		return rc;
	for (a = 0; a < nr; a++)
		fr[a] = (struct mq_fold_rating){ r[a].movie_id, r[a].half,
		    r[a].ts };
	n = mq_fold_recommend(&c->fold, fr, nr, RECS_N, out);
	mq_buf_adds(&c->out, ", \"for_you\": [");
	for (k = 0; k < n; k++) {
		mq_buf_printf(&c->out, "%s{\"id\": %u, \"title\": ",
		    k ? ", " : "", c->fold.movie_id[out[k]]);
		mq_esc_jstr(&c->out, mq_fold_title(&c->fold, out[k]));
		if (c->fold.year[out[k]] > 0)
			mq_buf_printf(&c->out, ", \"year\": %d",
			    c->fold.year[out[k]]);
		mq_buf_adds(&c->out, ", \"poster\": ");
		mq_esc_jstr(&c->out, mq_fold_poster(&c->fold, out[k]));
		mq_buf_addc(&c->out, '}');
	}
	mq_buf_addc(&c->out, ']');
	return mq_buf_ok(&c->out);
}

/* The member's private path and the session's CSRF token. */
static void
add_member(struct ctx *c, uint32_t member, const char *csrf)
{
	char hex[MQ_MEMBER_HEX];

	mq_key_member(&c->key, member, hex);
	mq_buf_printf(&c->out, ", \"member\": %u, \"path\": \"m/%s/\"", member,
	    hex);
	if (csrf)
		mq_buf_printf(&c->out, ", \"csrf\": \"%s\"", csrf);
}

static void
set_cookie(struct ctx *c, const char *token, int64_t maxage)
{
	int secure = c->env.https && !strcmp(c->env.https, "on");

	mq_buf_printf(&c->hdr, "Set-Cookie: %s=%s; Path=/; Max-Age=%lld; "
	    "HttpOnly; SameSite=Strict%s\r\n", MQ_REQ_SESSION_COOKIE, token,
	    (long long)maxage, secure ? "; Secure" : "");
}

static int64_t
session_ttl(void)
{
	const char *s = getenv("MQ_SESSION_DAYS");
	long d = s ? strtol(s, NULL, 10) : 30;

	return (d > 0 && d <= 365 ? d : 30) * 86400;
}

/* Over a limit: 429.  key is "what:who"; max per LIMIT_WINDOW. */
static int
limited(struct ctx *c, const char *what, const char *who, int max)
{
	char key[160];
	int allowed = 1;

	snprintf(key, sizeof(key), "%s:%s", what, who);
	if (mq_store_ratelimit(c->store, key, c->now, LIMIT_WINDOW, max,
	    &allowed))
		return 503;
	return allowed ? 0 : 429;
}

/* The film of a request, known to the last run, or 404. */
static int
known_film(struct ctx *c, uint32_t movie)
{
	return c->have_fold && mq_fold_movie(&c->fold, movie) < 0 ? 404 : 0;
}

/* ------------------------------------------------------------------ */
/* Routes.  Each returns an HTTP status; *err says why when >= 400. */

static int
r_health(struct ctx *c, const char **err)
{
	struct mq_store_counts n;

	if (mq_store_counts(c->store, 0, &n)) {
		*err = "the store does not answer";
		return 503;
	}
	mq_buf_printf(&c->out, ", \"store\": \"ok\", \"seq\": %llu",
	    (unsigned long long)n.seq);
	if (c->have_fold) {
		mq_buf_adds(&c->out, ", \"build\": ");
		mq_esc_jstr(&c->out, c->fold.h->build);
		mq_buf_printf(&c->out, ", \"films\": %u", c->fold.h->n);
	} else
		mq_buf_adds(&c->out, ", \"build\": null");
	return 200;
}

static int
r_signup(struct ctx *c, const char **err)
{
	const struct mq_param *u = mq_req_get(c->req, "username");
	const struct mq_param *p = mq_req_get(c->req, "password");
	const struct mq_param *l = mq_req_get(c->req, "ratings");
	const struct mq_rating_list *rl = &l->v.list;
	struct mq_rating_in in[MQ_REQ_RATINGS_MAX];
	struct mq_session s;
	uint32_t id;
	size_t k;
	int rc, st;

	/*
	 * The new id must be above every userId of the data: without the
	 * fold-in file (which carries the largest) it cannot be chosen.
	 */
	if (!c->have_fold) {
		*err = "the site is not built yet";
		return 503;
	}
	if ((st = limited(c, "signup", c->req->remote, LIMIT_SIGNUP))) {
		*err = st == 429 ? "too many signups from here; try later" :
		    "the store does not answer";
		return st;
	}
	for (k = 0; k < rl->n; k++) {
		if (known_film(c, rl->v[k].movie)) {
			*err = "ratings: a film that is not in the catalogue";
			return 404;
		}
		in[k] = (struct mq_rating_in){ rl->v[k].movie, rl->v[k].half };
	}
	rc = mq_store_signup(c->store, u->s, p->s,
	    c->have_fold ? c->fold.h->max_user : 0, in, rl->n, c->now, &id);
	if (rc == MQ_STORE_CONFLICT) {
		*err = "username: already taken";
		return 409;
	}
	if (rc) {
		*err = "the member could not be created";
		return store_status(rc);
	}
	if ((rc = mq_store_session_new(c->store, id, c->now, session_ttl(),
	    &s))) {
		*err = "the session could not be created";
		return store_status(rc);
	}
	set_cookie(c, s.token, session_ttl());
	add_member(c, id, s.csrf);
	if ((rc = add_for_you(c, id))) {
		*err = "no list";
		return store_status(rc);
	}
	return 201;
}

static int
r_login(struct ctx *c, const char **err)
{
	const struct mq_param *u = mq_req_get(c->req, "username");
	const struct mq_param *p = mq_req_get(c->req, "password");
	struct mq_session s;
	int rc, st;

	if ((st = limited(c, "login", c->req->remote, LIMIT_LOGIN)) ||
	    (st = limited(c, "login-user", u->s, LIMIT_LOGIN_USER))) {
		*err = st == 429 ? "too many login attempts; try later" :
		    "the store does not answer";
		return st;
	}
	rc = mq_store_login(c->store, u->s, p->s, c->now, session_ttl(), &s);
	if (rc == MQ_STORE_DENIED) {
		/* the same answer for an unknown name and a wrong password */
		*err = "wrong username or password";
		return 401;
	}
	if (rc) {
		*err = "the store does not answer";
		return store_status(rc);
	}
	set_cookie(c, s.token, session_ttl());
	add_member(c, s.member_id, s.csrf);
	mq_buf_adds(&c->out, ", \"role\": ");
	mq_esc_jstr(&c->out, s.role);
	return 200;
}

static int
r_logout(struct ctx *c, const char **err)
{
	int rc;

	if ((rc = mq_store_logout(c->store, c->req->session))) {
		*err = "the store does not answer";
		return store_status(rc);
	}
	set_cookie(c, "", 0);
	return 200;
}

static int
r_rate(struct ctx *c, const char **err, int del)
{
	const struct mq_param *m = mq_req_get(c->req, "movie");
	const struct mq_param *r = mq_req_get(c->req, "rating");
	uint64_t seq;
	int rc;

	if (known_film(c, m->v.u)) {
		*err = "movie: not in the catalogue";
		return 404;
	}
	if ((rc = mq_store_rate(c->store, c->sess.member_id, m->v.u,
	    del ? 0 : r->v.half, c->now, &seq))) {
		*err = "the rating could not be stored";
		return store_status(rc);
	}
	mq_buf_printf(&c->out, ", \"movie\": %u, \"rating\": ", m->v.u);
	if (del)
		mq_buf_adds(&c->out, "null");
	else
		mq_buf_printf(&c->out, "%.1f", r->v.half / 2.0);
	if ((rc = add_for_you(c, c->sess.member_id))) {
		*err = "no list";
		return store_status(rc);
	}
	return 200;
}

static int
r_tag(struct ctx *c, const char **err, int add)
{
	const struct mq_param *m = mq_req_get(c->req, "movie");
	const struct mq_param *t = mq_req_get(c->req, "tag");
	int rc;

	if (known_film(c, m->v.u)) {
		*err = "movie: not in the catalogue";
		return 404;
	}
	if ((rc = mq_store_tag(c->store, c->sess.member_id, m->v.u, t->s, add,
	    c->now))) {
		*err = "the tag could not be stored";
		return store_status(rc);
	}
	mq_buf_printf(&c->out, ", \"movie\": %u, \"tag\": ", m->v.u);
	mq_esc_jstr(&c->out, t->s);
	mq_buf_printf(&c->out, ", \"added\": %s", add ? "true" : "false");
	return 200;
}

static int
r_feedback(struct ctx *c, const char **err)
{
	static const enum mq_feedback map[] = {
		[MQ_REQ_FEEDBACK_RATED] = MQ_FB_RATED,
		[MQ_REQ_FEEDBACK_NOT_INTERESTED] = MQ_FB_NOT_INTERESTED,
		[MQ_REQ_FEEDBACK_SEEN] = MQ_FB_SEEN,
	};
	const struct mq_param *m = mq_req_get(c->req, "movie");
	const struct mq_param *k = mq_req_get(c->req, "kind");
	int rc;

	if (known_film(c, m->v.u)) {
		*err = "movie: not in the catalogue";
		return 404;
	}
	if ((rc = mq_store_feedback(c->store, c->sess.member_id, m->v.u,
	    map[k->v.kind], c->now))) {
		*err = "the feedback could not be stored";
		return store_status(rc);
	}
	mq_buf_printf(&c->out, ", \"movie\": %u, \"kind\": \"%s\"", m->v.u,
	    mq_feedback_name(map[k->v.kind]));
	return 200;
}

/*
 * The member's past recommendations (STATE/recommended.tsv, newest
 * first) and what became of them: their rating in the store, if any.
 */
static int
r_history(struct ctx *c, const char **err)
{
	static struct mq_store_rating r[FOLD_RATINGS];
	const struct mq_param *pg = mq_req_get(c->req, "page");
	uint32_t page = pg && pg->set ? pg->v.u : 1, shown = 0, seen = 0;
	char *path, *line = NULL;
	size_t cap = 0, nr, a;
	FILE *f;
	int rc;

	if ((rc = mq_store_member_ratings(c->store, c->sess.member_id, r,
	    FOLD_RATINGS, &nr))) {
		*err = "the store does not answer";
		return store_status(rc);
	}
	mq_buf_adds(&c->out, ", \"history\": [");
	if ((path = mq_strf("%s/recommended.tsv", c->state)) == NULL) {
		*err = "out of memory";
		return 500;
	}
	if ((f = fopen(path, "r")) != NULL) {
		while (getline(&line, &cap, f) > 0) {
			unsigned long u, m, dt;
			char model[16];
			int64_t i;

			if (sscanf(line, "%lu\t%lu\t%lu\t%15s", &u, &m, &dt,
			    model) != 4 || u != c->sess.member_id)
				continue;
			if (seen++ < (page - 1) * 20 || shown >= 20)
				continue;
			mq_buf_printf(&c->out, "%s{\"movie\": %lu, \"date\": %lu, "
			    "\"model\": ", shown ? ", " : "", m, dt);
			mq_esc_jstr(&c->out, model);
			if (c->have_fold &&
			    (i = mq_fold_movie(&c->fold, (uint32_t)m)) >= 0) {
				mq_buf_adds(&c->out, ", \"title\": ");
				mq_esc_jstr(&c->out,
				    mq_fold_title(&c->fold, (uint32_t)i));
			}
			mq_buf_adds(&c->out, ", \"rated\": ");
			for (a = 0; a < nr && r[a].movie_id != m; a++)
				;
			if (a < nr)
				mq_buf_printf(&c->out, "%.1f", r[a].half / 2.0);
			else
				mq_buf_adds(&c->out, "null");
			mq_buf_addc(&c->out, '}');
			shown++;
		}
		fclose(f);
	}
	free(line);
	free(path);
	mq_buf_printf(&c->out, "], \"page\": %u, \"total\": %u", page, seen);
	return 200;
}

static int
r_admin(struct ctx *c, const char **err)
{
	struct mq_store_counts n;
	int rc;

	if (strcmp(c->sess.role, "admin")) {
		*err = "for the site's administrators only";
		return 403;
	}
	if ((rc = mq_store_counts(c->store, MQ_STORE_SINCE_LAST_RUN, &n))) {
		*err = "the store does not answer";
		return store_status(rc);
	}
	mq_buf_printf(&c->out, ", \"since_seq\": %llu, \"seq\": %llu, "
	    "\"new_members\": %llu, \"ratings\": %llu, \"deletions\": %llu, "
	    "\"tags\": %llu, \"feedback\": %llu",
	    (unsigned long long)n.since, (unsigned long long)n.seq,
	    (unsigned long long)n.members, (unsigned long long)n.ratings,
	    (unsigned long long)n.deletions, (unsigned long long)n.tags,
	    (unsigned long long)n.feedback);
	return 200;
}

static int
r_recs(struct ctx *c, const char **err)
{
	int rc;

	add_member(c, c->sess.member_id, NULL);
	if ((rc = add_for_you(c, c->sess.member_id))) {
		*err = "no list";
		return store_status(rc);
	}
	return 200;
}

/* ------------------------------------------------------------------ */

/* Open what is not open yet; map the fold-in file again if replaced. */
static int
resources(struct ctx *c, const char **err)
{
	struct res *r = c->res;
	const char *store = getenv("MQ_STORE");
	struct stat st;
	char *path;
	int rc;

	if (store == NULL || c->state == NULL) {
		*err = "the endpoint is not configured (MQ_STORE, MQ_STATE)";
		return 500;
	}
	if (r->store == NULL && (rc = mq_store_open(&r->store, store, 0))) {
		r->store = NULL;
		*err = "the store does not answer";
		return 503;
	}
	if ((path = mq_strf("%s/foldin.bin", c->state)) == NULL) {
		*err = "out of memory";
		return 500;
	}
	if (stat(path, &st) == 0 && (!r->have_fold ||
	    st.st_ino != r->fold_ino || st.st_mtime != r->fold_mtime)) {
		mq_fold_close(&r->fold);
		r->have_fold = mq_fold_open(&r->fold, path) == MQ_OK;
		r->fold_ino = st.st_ino;
		r->fold_mtime = st.st_mtime;
	}
	free(path);
	if (!r->have_key) {
		if ((path = mq_strf("%s/site.key", c->state)) == NULL) {
			*err = "out of memory";
			return 500;
		}
		r->have_key = mq_key_load(&r->key, path, 0) == MQ_OK;
		free(path);
		if (!r->have_key) {
			*err = "the site is not built yet";
			return 503;
		}
	}
	c->store = r->store;
	c->fold = r->fold;
	c->have_fold = r->have_fold;
	c->key = r->key;
	return 0;
}

/* The maintenance message into buf, or 0 when the flag is off. */
static int
maintenance(const struct ctx *c, char *buf, size_t size)
{
	char *path = mq_strf("%s/maintenance", c->state);
	FILE *f;
	size_t n;

	if (path == NULL || (f = fopen(path, "r")) == NULL) {
		free(path);
		return 0;
	}
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	free(path);
	return 1;
}

static int
run(struct ctx *c, const char **err)
{
	static char maint[256], why[300];
	const struct mq_route *rt = c->req->route;
	int st;

	if ((st = resources(c, err)))
		return st;
	/* maintenance: reading goes on, no change is taken */
	if (maintenance(c, maint, sizeof(maint))) {
		if (rt->id == MQ_ROUTE_HEALTH) {
			mq_buf_adds(&c->out, ", \"maintenance\": ");
			mq_esc_jstr(&c->out, maint);
		} else if (c->req->method == MQ_METHOD_POST) {
			snprintf(why, sizeof(why), "maintenance: %s", maint);
			*err = why;
			return 503;
		}
	}
	if (rt->flags & MQ_ROUTE_AUTH) {
		if (mq_store_session(c->store, c->req->session, c->now,
		    &c->sess)) {
			*err = "not signed in, or the session expired";
			return 401;
		}
		if ((rt->flags & MQ_ROUTE_CSRF) &&
		    !mq_store_csrf_ok(&c->sess, c->req->csrf)) {
			*err = "csrf: the token does not match the session";
			return 403;
		}
	}
	switch (rt->id) {
	case MQ_ROUTE_HEALTH:
		return r_health(c, err);
	case MQ_ROUTE_SIGNUP:
		return r_signup(c, err);
	case MQ_ROUTE_LOGIN:
		return r_login(c, err);
	case MQ_ROUTE_LOGOUT:
		return r_logout(c, err);
	case MQ_ROUTE_RATE:
		return r_rate(c, err, 0);
	case MQ_ROUTE_UNRATE:
		return r_rate(c, err, 1);
	case MQ_ROUTE_TAG:
		return r_tag(c, err, 1);
	case MQ_ROUTE_UNTAG:
		return r_tag(c, err, 0);
	case MQ_ROUTE_FEEDBACK:
		return r_feedback(c, err);
	case MQ_ROUTE_HISTORY:
		return r_history(c, err);
	case MQ_ROUTE_ADMIN_STATS:
		return r_admin(c, err);
	case MQ_ROUTE_RECS:
		return r_recs(c, err);
	default:
		*err = "no such route";
		return 404;
	}
}

/*
 * One request: parse it in the sandbox, run it, write the response to
 * resp.  body is the request body (stdin under CGI).
 */
static void
handle(struct res *res, const struct mq_req_env *env, FILE *body,
    struct mq_buf *resp)
{
	static struct mq_req req;
	struct ctx c;
	const char *err = NULL;
	int status;

	memset(&c, 0, sizeof(c));
	c.req = &req;
	c.res = res;
	c.env = *env;
	c.resp = resp;
	c.now = (int64_t)time(NULL);
	c.state = getenv("MQ_STATE");
	/* parse in a sandboxed child: hostile bytes never meet the store */
	if (mq_sandbox_parse(&req, &c.env, body) != MQ_OK)
		answer(&c, 500, "the request could not be read");
	else if (req.err != MQ_REQ_OK)
		answer(&c, mq_req_status(req.err), req.msg);
	else {
		status = run(&c, &err);
		if (status >= 400 || c.out.err || c.hdr.err)
			answer(&c, status >= 400 ? status : 500,
			    err ? err : "out of memory");
		else
			answer(&c, status, NULL);
	}
	mq_buf_release(&c.out);
	mq_buf_release(&c.hdr);
}

/* FastCGI: the request's parameters stand for the environment. */
static void
fcgi_request(const struct mq_fcgi_req *r, struct mq_buf *out, void *arg)
{
	struct mq_req_env e;
	FILE *body;

	memset(&e, 0, sizeof(e));
	e.method = mq_fcgi_param(r, "REQUEST_METHOD");
	e.path_info = mq_fcgi_param(r, "PATH_INFO");
	e.query = mq_fcgi_param(r, "QUERY_STRING");
	e.content_type = mq_fcgi_param(r, "CONTENT_TYPE");
	e.content_length = mq_fcgi_param(r, "CONTENT_LENGTH");
	e.cookie = mq_fcgi_param(r, "HTTP_COOKIE");
	e.origin = mq_fcgi_param(r, "HTTP_ORIGIN");
	e.referer = mq_fcgi_param(r, "HTTP_REFERER");
	e.host = mq_fcgi_param(r, "HTTP_HOST");
	e.https = mq_fcgi_param(r, "HTTPS");
	e.remote_addr = mq_fcgi_param(r, "REMOTE_ADDR");
	e.csrf = mq_fcgi_param(r, "HTTP_X_CSRF_TOKEN");
	/* an empty body is still a stream: fmemopen needs one byte */
	body = fmemopen(r->nbody ? r->body : (char *)"", r->nbody ?
	    r->nbody : 1, "r");
	if (body == NULL) {
		mq_buf_adds(out, "Status: 500 Internal Server Error\r\n"
		    "Content-Type: application/json\r\n\r\n"
		    "{\"ok\": false, \"status\": 500, "
		    "\"error\": \"out of memory\"}\n");
		return;
	}
	if (r->nbody == 0)
		(void)fgetc(body);	/* at the end: nothing to read */
	handle(arg, &e, body, out);
	fclose(body);
}

int
main(void)
{
	static struct res res;
	struct mq_req_env env;
	struct mq_buf resp = MQ_BUF_INIT;

	mq_progname = "marquee.cgi";
	/* started by the web server as a FastCGI application */
	if (mq_fcgi_is_listener(0))
		return mq_fcgi_serve(0, fcgi_request, &res) ? 1 : 0;
	mq_req_env_from_environ(&env);
	handle(&res, &env, stdin, &resp);
	if (resp.len)
		fwrite(resp.s, 1, resp.len, stdout);
	fflush(stdout);
	mq_buf_release(&resp);
	mq_store_close(res.store);
	mq_fold_close(&res.fold);
	return 0;
}

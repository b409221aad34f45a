/*
 * req.c - the request parser of the CGI endpoint: routes, fields and
 * validators, form and JSON bodies, cookie, origin and CSRF checks.
 *
 * Everything is bounded by the caps of req.h and nothing is allocated;
 * there is no recursion.  Every byte of the input is looked at by a strict
 * grammar before it reaches a validator, and a validator sees only
 * decoded, NUL-free, valid UTF-8.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq_esc.h"
#include "req.h"

/* The fields of each route. */
static const struct mq_field f_signup[] = {
	{ "username", mq_valid_username, MQ_FIELD_REQUIRED },
	{ "password", mq_valid_password, MQ_FIELD_REQUIRED | MQ_FIELD_SECRET },
	{ "ratings", mq_valid_ratings, MQ_FIELD_REQUIRED },
};
static const struct mq_field f_login[] = {
	{ "username", mq_valid_username, MQ_FIELD_REQUIRED },
	{ "password", mq_valid_password, MQ_FIELD_REQUIRED | MQ_FIELD_SECRET },
};
static const struct mq_field f_logout[] = {
	{ MQ_REQ_CSRF_FIELD, mq_valid_csrf, MQ_FIELD_CSRF | MQ_FIELD_SECRET },
};
static const struct mq_field f_rate[] = {
	{ "movie", mq_valid_uint, MQ_FIELD_REQUIRED | MQ_FIELD_NUMBER },
	{ "rating", mq_valid_rating, MQ_FIELD_REQUIRED | MQ_FIELD_NUMBER },
	{ MQ_REQ_CSRF_FIELD, mq_valid_csrf, MQ_FIELD_CSRF | MQ_FIELD_SECRET },
};
static const struct mq_field f_unrate[] = {
	{ "movie", mq_valid_uint, MQ_FIELD_REQUIRED | MQ_FIELD_NUMBER },
	{ MQ_REQ_CSRF_FIELD, mq_valid_csrf, MQ_FIELD_CSRF | MQ_FIELD_SECRET },
};
static const struct mq_field f_tag[] = {
	{ "movie", mq_valid_uint, MQ_FIELD_REQUIRED | MQ_FIELD_NUMBER },
	{ "tag", mq_valid_tag, MQ_FIELD_REQUIRED | MQ_FIELD_TRIM },
	{ MQ_REQ_CSRF_FIELD, mq_valid_csrf, MQ_FIELD_CSRF | MQ_FIELD_SECRET },
};
static const struct mq_field f_feedback[] = {
	{ "movie", mq_valid_uint, MQ_FIELD_REQUIRED | MQ_FIELD_NUMBER },
	{ "kind", mq_valid_feedback_kind, MQ_FIELD_REQUIRED },
	{ MQ_REQ_CSRF_FIELD, mq_valid_csrf, MQ_FIELD_CSRF | MQ_FIELD_SECRET },
};
static const struct mq_field f_history[] = {
	{ "page", mq_valid_page, MQ_FIELD_NUMBER },
};
static const struct mq_field f_recs[] = {
	{ "model", mq_valid_model, 0 },
	{ "n", mq_valid_count, MQ_FIELD_NUMBER },
};

#define FIELDS(a)	(a), sizeof(a) / sizeof((a)[0])
#define GET		(MQ_METHOD_GET | MQ_METHOD_HEAD)
#define POST		MQ_METHOD_POST
#define STATE		(MQ_ROUTE_AUTH | MQ_ROUTE_ORIGIN | MQ_ROUTE_CSRF)

const struct mq_route mq_routes[MQ_ROUTE__MAX] = {
	{ MQ_ROUTE_HEALTH, "/health", GET, "GET, HEAD", 0, NULL, 0 },
	{ MQ_ROUTE_SIGNUP, "/signup", POST, "POST", MQ_ROUTE_ORIGIN,
	    FIELDS(f_signup) },
	{ MQ_ROUTE_LOGIN, "/login", POST, "POST", MQ_ROUTE_ORIGIN,
	    FIELDS(f_login) },
	{ MQ_ROUTE_LOGOUT, "/logout", POST, "POST", STATE, FIELDS(f_logout) },
	{ MQ_ROUTE_RATE, "/rate", POST, "POST", STATE, FIELDS(f_rate) },
	{ MQ_ROUTE_UNRATE, "/unrate", POST, "POST", STATE, FIELDS(f_unrate) },
	{ MQ_ROUTE_TAG, "/tag", POST, "POST", STATE, FIELDS(f_tag) },
	{ MQ_ROUTE_UNTAG, "/untag", POST, "POST", STATE, FIELDS(f_tag) },
	{ MQ_ROUTE_FEEDBACK, "/feedback", POST, "POST", STATE,
	    FIELDS(f_feedback) },
	{ MQ_ROUTE_HISTORY, "/history", GET, "GET, HEAD", MQ_ROUTE_AUTH,
	    FIELDS(f_history) },
	{ MQ_ROUTE_ADMIN_STATS, "/admin", GET, "GET, HEAD",
	    MQ_ROUTE_AUTH | MQ_ROUTE_ADMIN, NULL, 0 },
	{ MQ_ROUTE_RECS, "/me/recs", GET, "GET, HEAD", MQ_ROUTE_AUTH,
	    FIELDS(f_recs) },
};

int
mq_req_status(enum mq_req_err e)
{
	switch (e) {
	case MQ_REQ_OK:
		return 200;
	case MQ_REQ_BAD:
		return 400;
	case MQ_REQ_UNAUTH:
		return 401;
	case MQ_REQ_FORBIDDEN:
		return 403;
	case MQ_REQ_NOTFOUND:
		return 404;
	case MQ_REQ_METHOD:
		return 405;
	case MQ_REQ_TOO_BIG:
		return 413;
	case MQ_REQ_MEDIA:
		return 415;
	}
	return 500;
}

const char *
mq_req_why_str(int why)
{
	switch (why) {
	case MQ_REQ_WHY_OK:
		return "valid";
	case MQ_REQ_WHY_SYNTAX:
		return "not of the expected form";
	case MQ_REQ_WHY_RANGE:
		return "out of range";
	case MQ_REQ_WHY_LENGTH:
		return "too short or too long";
	case MQ_REQ_WHY_CHARS:
		return "holds a character that is not allowed";
	case MQ_REQ_WHY_REPEAT:
		return "names the same movie twice";
	case MQ_REQ_WHY_COUNT:
		return "needs 3 to 50 ratings";
	}
	return "invalid";
}

/*
 * Messages.  The fixed text comes from this file and the route table; the
 * only input quoted is an excerpt passed through excerpt(), which keeps
 * letters, digits and a few harmless punctuation marks and replaces every
 * other byte by '?', so a message is safe in any output context.
 */

static void
excerpt(char *out, size_t cap, const char *s, size_t n)
{
	const size_t max = 24;
	size_t i, j = 0;
	unsigned char c;

	for (i = 0; i < n && i < max && j + 1 < cap; i++) {
		c = (unsigned char)s[i];
		if (c != '\0' && (isalnum(c) ||
		    strchr(" .,:_-+=/!*@#$()?~", c) != NULL))
			out[j++] = (char)c;
		else
			out[j++] = '?';
	}
	if (i < n && j + 4 < cap) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
}

static enum mq_req_err
fail(struct mq_req *r, enum mq_req_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum mq_req_err
fail(struct mq_req *r, enum mq_req_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->err = err;
	return err;
}

/* "what: problem [excerpt]"; what may be NULL, s NULL for no excerpt. */
static enum mq_req_err
failq(struct mq_req *r, enum mq_req_err err, const char *what,
    const char *problem, const char *s, size_t n)
{
	char ex[32];

	if (s == NULL)
		return fail(r, err, "%s%s%s", what ? what : "",
		    what ? ": " : "", problem);
	excerpt(ex, sizeof(ex), s, n);
	return fail(r, err, "%s%s%s [%s]", what ? what : "",
	    what ? ": " : "", problem, ex);
}

/* A control character: C0, DEL or C1. */
static int
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* An invisible or bidirectional format character. */
static int
is_format(uint32_t cp)
{
	return (cp >= 0x200B && cp <= 0x200F) ||
	    (cp >= 0x2028 && cp <= 0x202E) ||
	    (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF;
}

/* Validators. */

int
mq_valid_range(const char *v, size_t n, uint32_t min, uint32_t max,
    uint32_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0)
		return MQ_REQ_WHY_SYNTAX;
	for (i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return MQ_REQ_WHY_SYNTAX;
	if (v[0] == '0' && n > 1)
		return MQ_REQ_WHY_SYNTAX;
	if (n > 10)
		return MQ_REQ_WHY_RANGE;
	for (i = 0; i < n; i++)
		x = x * 10 + (uint64_t)(v[i] - '0');
	if (x < min || x > max)
		return MQ_REQ_WHY_RANGE;
	*out = (uint32_t)x;
	return MQ_REQ_WHY_OK;
}

int
mq_valid_uint(const char *v, size_t n, union mq_val *out)
{
	return mq_valid_range(v, n, 1, INT32_MAX, &out->u);
}

int
mq_valid_count(const char *v, size_t n, union mq_val *out)
{
	return mq_valid_range(v, n, 1, 5, &out->u);
}

int
mq_valid_page(const char *v, size_t n, union mq_val *out)
{
	return mq_valid_range(v, n, 1, 1000, &out->u);
}

int
mq_valid_rating(const char *v, size_t n, union mq_val *out)
{
	int half;

	if ((n != 1 && n != 3) || v[0] < '0' || v[0] > '9')
		return MQ_REQ_WHY_SYNTAX;
	half = 2 * (v[0] - '0');
	if (n == 3) {
		if (v[1] != '.' || (v[2] != '0' && v[2] != '5'))
			return MQ_REQ_WHY_SYNTAX;
		half += v[2] == '5';
	}
	if (half < 1 || half > 10)
		return MQ_REQ_WHY_RANGE;
	out->half = half;
	return MQ_REQ_WHY_OK;
}

int
mq_valid_username(const char *v, size_t n, union mq_val *out)
{
	size_t i;

	if (n < 3 || n > 32)
		return MQ_REQ_WHY_LENGTH;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) || (unsigned char)v[i] > 0x7F)
			if (v[i] != '_' && v[i] != '.' && v[i] != '-')
				return MQ_REQ_WHY_CHARS;
	if (v[0] == '.' || v[n - 1] == '.')
		return MQ_REQ_WHY_CHARS;
	out->str.s = v;
	out->str.n = n;
	return MQ_REQ_WHY_OK;
}

/* Every code point valid UTF-8 and not refused by the predicates. */
static int
text_ok(const char *v, size_t n, int nofmt)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		if ((k = mq_utf8_next(p + i, n - i, &cp)) == 0)
			return 0;
		if (is_control(cp) || (nofmt && is_format(cp)))
			return 0;
		i += k;
	}
	return 1;
}

int
mq_valid_password(const char *v, size_t n, union mq_val *out)
{
	if (n < 8 || n > 128)
		return MQ_REQ_WHY_LENGTH;
	if (!text_ok(v, n, 0))
		return MQ_REQ_WHY_CHARS;
	out->str.s = v;
	out->str.n = n;
	return MQ_REQ_WHY_OK;
}

int
mq_valid_tag(const char *v, size_t n, union mq_val *out)
{
	if (n < 1 || n > 64)
		return MQ_REQ_WHY_LENGTH;
	if (v[0] == ' ' || v[n - 1] == ' ')
		return MQ_REQ_WHY_SYNTAX;
	if (!text_ok(v, n, 1))
		return MQ_REQ_WHY_CHARS;
	out->str.s = v;
	out->str.n = n;
	return MQ_REQ_WHY_OK;
}

/* v[0..n) is exactly the C string word. */
static int
is_word(const char *v, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(v, word, n) == 0;
}

int
mq_valid_feedback_kind(const char *v, size_t n, union mq_val *out)
{
	if (is_word(v, n, "rated"))
		out->kind = MQ_REQ_FEEDBACK_RATED;
	else if (is_word(v, n, "not_interested"))
		out->kind = MQ_REQ_FEEDBACK_NOT_INTERESTED;
	else if (is_word(v, n, "seen"))
		out->kind = MQ_REQ_FEEDBACK_SEEN;
	else
		return MQ_REQ_WHY_SYNTAX;
	return MQ_REQ_WHY_OK;
}

int
mq_valid_model(const char *v, size_t n, union mq_val *out)
{
	if (is_word(v, n, "item"))
		out->model = MQ_REQ_MODEL_ITEM;
	else if (is_word(v, n, "user"))
		out->model = MQ_REQ_MODEL_USER;
	else if (is_word(v, n, "random"))
		out->model = MQ_REQ_MODEL_RANDOM;
	else
		return MQ_REQ_WHY_SYNTAX;
	return MQ_REQ_WHY_OK;
}

static int
is_token(const char *v, size_t n)
{
	size_t i;

	if (n != MQ_REQ_TOKEN_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') ||
		    (v[i] >= 'a' && v[i] <= 'f')))
			return 0;
	return 1;
}

int
mq_valid_csrf(const char *v, size_t n, union mq_val *out)
{
	if (n != MQ_REQ_TOKEN_LEN)
		return MQ_REQ_WHY_LENGTH;
	if (!is_token(v, n))
		return MQ_REQ_WHY_CHARS;
	out->str.s = v;
	out->str.n = n;
	return MQ_REQ_WHY_OK;
}

int
mq_valid_ratings(const char *v, size_t n, union mq_val *out)
{
	struct mq_rating_list *l = &out->list;
	union mq_val one;
	uint32_t movie;
	size_t i = 0, j, k, m;
	int why;

	l->n = 0;
	for (;;) {
		if (l->n == MQ_REQ_RATINGS_MAX)
			return MQ_REQ_WHY_COUNT;
		for (j = i; j < n && v[j] != ':' && v[j] != ','; j++)
			continue;
		if (j == n || v[j] != ':')
			return MQ_REQ_WHY_SYNTAX;
		if ((why = mq_valid_range(v + i, j - i, 1, INT32_MAX, &movie)))
			return why;
		for (k = j + 1; k < n && v[k] != ','; k++)
			continue;
		if ((why = mq_valid_rating(v + j + 1, k - j - 1, &one)))
			return why;
		for (m = 0; m < l->n; m++)
			if (l->v[m].movie == movie)
				return MQ_REQ_WHY_REPEAT;
		l->v[l->n].movie = movie;
		l->v[l->n].half = one.half;
		l->n++;
		if (k == n)
			break;
		i = k + 1;
		if (i == n)
			return MQ_REQ_WHY_SYNTAX;
	}
	if (l->n < MQ_REQ_RATINGS_MIN)
		return MQ_REQ_WHY_COUNT;
	return MQ_REQ_WHY_OK;
}

/* Routes. */

const struct mq_route *
mq_req_route(const char *path_info)
{
	size_t i;

	if (path_info == NULL)
		return NULL;
	for (i = 0; i < MQ_ROUTE__MAX; i++)
		if (strcmp(path_info, mq_routes[i].path) == 0)
			return &mq_routes[i];
	return NULL;
}

const struct mq_param *
mq_req_get(const struct mq_req *r, const char *name)
{
	size_t i;

	if (r->route == NULL || r->err != MQ_REQ_OK)
		return NULL;
	for (i = 0; i < r->route->nfields; i++)
		if (strcmp(r->route->fields[i].name, name) == 0)
			return r->param[i].set ? &r->param[i] : NULL;
	return NULL;
}

/* Origins. */

#define ORIGIN_MAX	300

static int
ascii_ieq(const char *a, size_t n, const char *b)
{
	size_t i;

	if (strlen(b) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

/*
 * Normalise "scheme://host[:port]" (exactly n bytes, nothing after) to
 * lowercase without the default port into out; 0, or -1 if malformed.
 * host is a DNS name of [A-Za-z0-9.-] or a bracketed IPv6 address.
 */
static int
origin_norm(const char *s, size_t n, char *out, size_t cap)
{
	const char *scheme, *host, *port = NULL;
	size_t i, slen, hlen, plen = 0;
	unsigned long pn = 0;
	int tls;

	if ((scheme = memchr(s, ':', n)) == NULL)
		return -1;
	slen = (size_t)(scheme - s);
	if (ascii_ieq(s, slen, "https"))
		tls = 1;
	else if (ascii_ieq(s, slen, "http"))
		tls = 0;
	else
		return -1;
	if (n - slen < 3 || memcmp(s + slen, "://", 3) != 0)
		return -1;
	host = s + slen + 3;
	hlen = n - slen - 3;
	if (hlen == 0 || hlen > 255)
		return -1;
	if (host[0] == '[') {
		for (i = 1; i < hlen && host[i] != ']'; i++)
			if (!isxdigit((unsigned char)host[i]) &&
			    host[i] != ':' && host[i] != '.')
				return -1;
		if (i == hlen || i < 3)
			return -1;
		i++;
	} else {
		for (i = 0; i < hlen && host[i] != ':'; i++)
			if (!isalnum((unsigned char)host[i]) &&
			    host[i] != '.' && host[i] != '-')
				return -1;
		if (i == 0)
			return -1;
	}
	if (i < hlen) {
		if (host[i] != ':')
			return -1;
		port = host + i + 1;
		plen = hlen - i - 1;
		if (plen == 0 || plen > 5 || port[0] == '0')
			return -1;
		for (i = 0; i < plen; i++) {
			if (!isdigit((unsigned char)port[i]))
				return -1;
			pn = pn * 10 + (unsigned long)(port[i] - '0');
		}
		if (pn > 65535)
			return -1;
		hlen -= plen + 1;
		if (pn == (tls ? 443UL : 80UL))
			port = NULL;
	}
	if (hlen + 20 > cap)
		return -1;
	i = (size_t)snprintf(out, cap, "%s://", tls ? "https" : "http");
	memcpy(out + i, host, hlen);
	out[i + hlen] = '\0';
	for (; out[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	if (port != NULL)
		snprintf(out + i, cap - i, ":%lu", pn);
	return 0;
}

int
mq_req_same_origin(const struct mq_req_env *e)
{
	char want[ORIGIN_MAX], got[ORIGIN_MAX], buf[ORIGIN_MAX];
	const char *s, *p;
	size_t n;
	int tls;

	if (e->host == NULL || (n = strlen(e->host)) > 255)
		return MQ_REQ_FORBIDDEN;
	tls = e->https != NULL && (ascii_ieq(e->https, strlen(e->https),
	    "on") || strcmp(e->https, "1") == 0);
	snprintf(buf, sizeof(buf), "%s://%s", tls ? "https" : "http",
	    e->host);
	if (origin_norm(buf, strlen(buf), want, sizeof(want)))
		return MQ_REQ_FORBIDDEN;
	if ((s = e->origin) != NULL) {
		n = strnlen(s, ORIGIN_MAX);
	} else if ((s = e->referer) != NULL) {
		/* the origin part of an absolute URL: up to / ? # */
		if ((p = strstr(s, "://")) == NULL)
			return MQ_REQ_FORBIDDEN;
		n = (size_t)(p - s) + 3 + strcspn(p + 3, "/?#");
	} else
		return MQ_REQ_FORBIDDEN;
	if (n >= ORIGIN_MAX || origin_norm(s, n, got, sizeof(got)))
		return MQ_REQ_FORBIDDEN;
	return strcmp(want, got) == 0 ? MQ_REQ_OK : MQ_REQ_FORBIDDEN;
}

/* The environment. */

void
mq_req_env_from_environ(struct mq_req_env *e)
{
	e->method = getenv("REQUEST_METHOD");
	e->path_info = getenv("PATH_INFO");
	e->query = getenv("QUERY_STRING");
	e->content_type = getenv("CONTENT_TYPE");
	e->content_length = getenv("CONTENT_LENGTH");
	e->cookie = getenv("HTTP_COOKIE");
	e->origin = getenv("HTTP_ORIGIN");
	e->referer = getenv("HTTP_REFERER");
	e->host = getenv("HTTP_HOST");
	e->https = getenv("HTTPS");
	e->remote_addr = getenv("REMOTE_ADDR");
	e->csrf = getenv("HTTP_X_CSRF_TOKEN");
}

static const struct {
	const char	*name;
	size_t		 off;
} envnames[] = {
	{ "REQUEST_METHOD", offsetof(struct mq_req_env, method) },
	{ "PATH_INFO", offsetof(struct mq_req_env, path_info) },
	{ "QUERY_STRING", offsetof(struct mq_req_env, query) },
	{ "CONTENT_TYPE", offsetof(struct mq_req_env, content_type) },
	{ "CONTENT_LENGTH", offsetof(struct mq_req_env, content_length) },
	{ "HTTP_COOKIE", offsetof(struct mq_req_env, cookie) },
	{ "HTTP_ORIGIN", offsetof(struct mq_req_env, origin) },
	{ "HTTP_REFERER", offsetof(struct mq_req_env, referer) },
	{ "HTTP_HOST", offsetof(struct mq_req_env, host) },
	{ "HTTPS", offsetof(struct mq_req_env, https) },
	{ "REMOTE_ADDR", offsetof(struct mq_req_env, remote_addr) },
	{ "HTTP_X_CSRF_TOKEN", offsetof(struct mq_req_env, csrf) },
};

int
mq_req_env_from_text(struct mq_req_env *e, char *buf, size_t len,
    const char **body, size_t *bodylen, char *cl)
{
	char *line, *nl, *eq;
	size_t i = 0, k, nlen;

	memset(e, 0, sizeof(*e));
	for (;;) {
		if (i >= len ||
		    (nl = memchr(buf + i, '\n', len - i)) == NULL)
			return -1;
		line = buf + i;
		i = (size_t)(nl - buf) + 1;
		if (nl == line)
			break;
		*nl = '\0';
		if (line[0] == '#')
			continue;
		if ((eq = memchr(line, '=', (size_t)(nl - line))) == NULL)
			return -1;
		nlen = (size_t)(eq - line);
		for (k = 0; k < sizeof(envnames) / sizeof(envnames[0]); k++)
			if (strlen(envnames[k].name) == nlen &&
			    memcmp(envnames[k].name, line, nlen) == 0)
				break;
		if (k == sizeof(envnames) / sizeof(envnames[0]))
			return -1;
		*(const char **)((char *)e + envnames[k].off) = eq + 1;
	}
	*body = buf + i;
	*bodylen = len - i;
	if (e->content_length == NULL && *bodylen > 0) {
		snprintf(cl, 24, "%zu", *bodylen);
		e->content_length = cl;
	}
	return 0;
}

/* Fields. */

/* Room for n bytes and a NUL in r->store, or NULL. */
static char *
store_take(struct mq_req *r, size_t n)
{
	char *p;

	if (n >= sizeof(r->store) - r->used)
		return NULL;
	p = r->store + r->used;
	r->used += n + 1;
	p[n] = '\0';
	return p;
}

/* The index of the field called key in the route, or -1. */
static int
field_index(const struct mq_route *rt, const char *key, size_t n)
{
	size_t i;

	for (i = 0; i < rt->nfields; i++)
		if (is_word(key, n, rt->fields[i].name))
			return (int)i;
	return -1;
}

/* Check and record the decoded value v[0..n) of field fi. */
static enum mq_req_err
set_param(struct mq_req *r, int fi, char *v, size_t n)
{
	const struct mq_field *f = &r->route->fields[fi];
	struct mq_param *p = &r->param[fi];
	int secret = (f->flags & MQ_FIELD_SECRET) != 0;
	int why;

	if (p->set)
		return failq(r, MQ_REQ_BAD, f->name, "given twice", NULL, 0);
	if (memchr(v, '\0', n) != NULL)
		return failq(r, MQ_REQ_BAD, f->name, "holds a NUL byte",
		    NULL, 0);
	if (!mq_utf8_valid(v, n))
		return failq(r, MQ_REQ_BAD, f->name, "is not valid UTF-8",
		    secret ? NULL : v, n);
	if (f->flags & MQ_FIELD_TRIM) {
		while (n > 0 && v[0] == ' ') {
			v++;
			n--;
		}
		while (n > 0 && v[n - 1] == ' ')
			n--;
		v[n] = '\0';
	}
	if ((why = f->valid(v, n, &p->v)) != MQ_REQ_WHY_OK)
		return failq(r, MQ_REQ_BAD, f->name, mq_req_why_str(why),
		    secret ? NULL : v, n);
	p->set = 1;
	p->s = v;
	p->n = n;
	return MQ_REQ_OK;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode s[0..n) of a form into dst (room for n bytes): '+' is a
 * space, %XX takes exactly two hex digits, raw bytes must be visible ASCII.
 * Returns NULL and sets *outn, or a reason.
 */
static const char *
form_decode(const char *s, size_t n, char *dst, size_t *outn)
{
	size_t i, j = 0;
	int hi, lo;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return "bad percent-encoding";
			if (hi == 0 && lo == 0)
				return "holds an encoded NUL byte";
			dst[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+')
			dst[j++] = ' ';
		else if (c > 0x20 && c < 0x7F)
			dst[j++] = (char)c;
		else
			return "holds a byte that must be percent-encoded";
	}
	*outn = j;
	return NULL;
}

/* application/x-www-form-urlencoded, from the query or the body. */
static enum mq_req_err
parse_form(struct mq_req *r, const char *s, size_t n, const char *where)
{
	char key[MQ_REQ_KEY_MAX + 1], *v;
	const char *eq, *amp, *why;
	size_t i = 0, end, klen, vlen, dlen;
	enum mq_req_err rc;
	int fi;

	while (i < n) {
		amp = memchr(s + i, '&', n - i);
		end = amp ? (size_t)(amp - s) : n;
		if (end == i || (amp != NULL && end + 1 == n))
			return failq(r, MQ_REQ_BAD, where, "has an empty pair",
			    NULL, 0);
		if ((eq = memchr(s + i, '=', end - i)) == NULL)
			return failq(r, MQ_REQ_BAD, where,
			    "has a pair without an equals sign", s + i, end - i);
		klen = (size_t)(eq - (s + i));
		if (klen > MQ_REQ_KEY_MAX)
			return failq(r, MQ_REQ_BAD, where, "unknown field",
			    s + i, klen);
		if ((why = form_decode(s + i, klen, key, &dlen)) != NULL)
			return failq(r, MQ_REQ_BAD, "field name", why,
			    s + i, klen);
		if ((fi = field_index(r->route, key, dlen)) < 0)
			return failq(r, MQ_REQ_BAD, where, "unknown field",
			    key, dlen);
		vlen = end - klen - 1 - i;
		if ((v = store_take(r, vlen)) == NULL)
			return fail(r, MQ_REQ_TOO_BIG, "%s: too large", where);
		if ((why = form_decode(eq + 1, vlen, v, &dlen)) != NULL)
			return failq(r, MQ_REQ_BAD, r->route->fields[fi].name,
			    why, NULL, 0);
		v[dlen] = '\0';
		if ((rc = set_param(r, fi, v, dlen)) != MQ_REQ_OK)
			return rc;
		i = end + 1;
	}
	return MQ_REQ_OK;
}

/* JSON (RFC 8259), one flat object. */

struct jp {
	const char	*s;
	size_t		 n;
	size_t		 i;
};

static void
json_ws(struct jp *j)
{
	while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' ||
	    j->s[j->i] == '\n' || j->s[j->i] == '\r'))
		j->i++;
}

static int
json_hex4(struct jp *j, uint32_t *v)
{
	size_t k;
	int h;

	if (j->n - j->i < 4)
		return -1;
	*v = 0;
	for (k = 0; k < 4; k++) {
		if ((h = hexval(j->s[j->i + k])) < 0)
			return -1;
		*v = *v << 4 | (uint32_t)h;
	}
	j->i += 4;
	return 0;
}

/*
 * The string whose opening quote is at j->i, decoded into dst (room for
 * cap bytes); NULL and *outn, or a reason.  The input is already known to
 * be valid UTF-8; escapes are checked here (no NUL, paired surrogates).
 */
static const char *
json_string(struct jp *j, char *dst, size_t cap, size_t *outn)
{
	size_t o = 0;
	uint32_t cp, lo;
	unsigned char c;

	j->i++;
	for (;;) {
		if (j->i >= j->n)
			return "unterminated string";
		c = (unsigned char)j->s[j->i++];
		if (c == '"')
			break;
		if (c < 0x20)
			return "control character in a string";
		if (c != '\\') {
			if (o >= cap)
				return "string too long";
			dst[o++] = (char)c;
			continue;
		}
		if (j->i >= j->n)
			return "unterminated string";
		c = (unsigned char)j->s[j->i++];
		switch (c) {
		case '"': case '\\': case '/':
			break;
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u':
			if (json_hex4(j, &cp))
				return "bad unicode escape";
			if (cp == 0)
				return "encoded NUL byte";
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return "lone surrogate";
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (j->n - j->i < 2 || j->s[j->i] != '\\' ||
				    j->s[j->i + 1] != 'u')
					return "lone surrogate";
				j->i += 2;
				if (json_hex4(j, &lo) || lo < 0xDC00 ||
				    lo > 0xDFFF)
					return "lone surrogate";
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				    (lo - 0xDC00);
			}
			if (cap - o < 4)
				return "string too long";
			if (cp < 0x80)
				dst[o++] = (char)cp;
			else if (cp < 0x800) {
				dst[o++] = (char)(0xC0 | cp >> 6);
				dst[o++] = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				dst[o++] = (char)(0xE0 | cp >> 12);
				dst[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				dst[o++] = (char)(0x80 | (cp & 0x3F));
			} else {
				dst[o++] = (char)(0xF0 | cp >> 18);
				dst[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
				dst[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				dst[o++] = (char)(0x80 | (cp & 0x3F));
			}
			continue;
		default:
			return "bad escape";
		}
		if (o >= cap)
			return "string too long";
		dst[o++] = (char)c;
	}
	*outn = o;
	return NULL;
}

/* An RFC 8259 number at j->i; its length, or 0 when malformed. */
static size_t
json_number(struct jp *j)
{
	const char *s = j->s;
	size_t i = j->i, n = j->n, d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && isdigit((unsigned char)s[i]); i++)
			continue;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && isdigit((unsigned char)s[i]); i++)
			continue;
		if (i == d)
			return 0;
	}
	return i - j->i;
}

static enum mq_req_err
parse_json(struct mq_req *r, const char *s, size_t n)
{
	struct jp j = { s, n, 0 };
	char key[MQ_REQ_KEY_MAX + 1], *v;
	const struct mq_field *f;
	const char *why;
	size_t klen, vlen, cap;
	enum mq_req_err rc;
	int fi;
	char c;

	if (!mq_utf8_valid(s, n))
		return fail(r, MQ_REQ_BAD, "JSON: invalid UTF-8");
	json_ws(&j);
	if (j.i >= n || s[j.i] != '{')
		return fail(r, MQ_REQ_BAD, "JSON: the body is not an object");
	j.i++;
	json_ws(&j);
	if (j.i < n && s[j.i] == '}') {
		j.i++;
		goto end;
	}
	for (;;) {
		if (j.i >= n || s[j.i] != '"')
			return fail(r, MQ_REQ_BAD, "JSON: a key is expected");
		if ((why = json_string(&j, key, sizeof(key) - 1, &klen)))
			return failq(r, MQ_REQ_BAD, "JSON key", strcmp(why,
			    "string too long") ? why : "unknown field",
			    NULL, 0);
		if ((fi = field_index(r->route, key, klen)) < 0)
			return failq(r, MQ_REQ_BAD, "JSON", "unknown field",
			    key, klen);
		f = &r->route->fields[fi];
		json_ws(&j);
		if (j.i >= n || s[j.i] != ':')
			return fail(r, MQ_REQ_BAD, "JSON: colon expected");
		j.i++;
		json_ws(&j);
		if (j.i >= n)
			return fail(r, MQ_REQ_BAD, "JSON: truncated");
		c = s[j.i];
		cap = n - j.i;
		if ((v = store_take(r, cap)) == NULL)
			return fail(r, MQ_REQ_TOO_BIG, "JSON: too large");
		if (c == '"') {
			if ((why = json_string(&j, v, cap, &vlen)) != NULL)
				return failq(r, MQ_REQ_BAD, f->name, why,
				    NULL, 0);
		} else if (c == '-' || isdigit((unsigned char)c)) {
			if ((vlen = json_number(&j)) == 0 || vlen > 32)
				return failq(r, MQ_REQ_BAD, f->name,
				    "malformed number", NULL, 0);
			if (!(f->flags & MQ_FIELD_NUMBER))
				return failq(r, MQ_REQ_BAD, f->name,
				    "must be a string", NULL, 0);
			memcpy(v, s + j.i, vlen);
			j.i += vlen;
		} else if (c == '{' || c == '[')
			return failq(r, MQ_REQ_BAD, f->name,
			    "nested values are not accepted", NULL, 0);
		else
			return failq(r, MQ_REQ_BAD, f->name,
			    "must be a string or a number", NULL, 0);
		/* give back what the value did not use */
		r->used -= cap - vlen;
		v[vlen] = '\0';
		if ((rc = set_param(r, fi, v, vlen)) != MQ_REQ_OK)
			return rc;
		json_ws(&j);
		if (j.i < n && s[j.i] == ',') {
			j.i++;
			json_ws(&j);
			continue;
		}
		if (j.i < n && s[j.i] == '}') {
			j.i++;
			break;
		}
		return fail(r, MQ_REQ_BAD, "JSON: comma or closing brace expected");
	}
end:
	json_ws(&j);
	if (j.i != n)
		return fail(r, MQ_REQ_BAD, "JSON: data after the object");
	return MQ_REQ_OK;
}

/* Headers. */

enum media { MEDIA_NONE, MEDIA_FORM, MEDIA_JSON };

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* The body type of a Content-Type; only "; charset=utf-8" may follow. */
static enum media
media_type(const char *ct)
{
	enum media m;
	size_t n;

	if (ct == NULL)
		return MEDIA_NONE;
	n = strcspn(ct, "; \t");
	if (ascii_ieq(ct, n, "application/x-www-form-urlencoded"))
		m = MEDIA_FORM;
	else if (ascii_ieq(ct, n, "application/json"))
		m = MEDIA_JSON;
	else
		return MEDIA_NONE;
	ct += n;
	for (;;) {
		while (is_ows(*ct))
			ct++;
		if (*ct == '\0')
			return m;
		if (*ct++ != ';')
			return MEDIA_NONE;
		while (is_ows(*ct))
			ct++;
		if (*ct == '\0')
			return m;
		n = strcspn(ct, "; \t");
		if (!ascii_ieq(ct, n, "charset=utf-8") &&
		    !ascii_ieq(ct, n, "charset=\"utf-8\""))
			return MEDIA_NONE;
		ct += n;
	}
}

/* Strict CONTENT_LENGTH: absent or "" is 0; digits, no leading zero. */
static enum mq_req_err
content_length(struct mq_req *r, const char *s, size_t *out)
{
	size_t n, i, v = 0;

	*out = 0;
	if (s == NULL || *s == '\0')
		return MQ_REQ_OK;
	n = strlen(s);
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return failq(r, MQ_REQ_BAD, "Content-Length",
			    "is not a number", s, n);
	if (s[0] == '0' && n > 1)
		return failq(r, MQ_REQ_BAD, "Content-Length",
		    "is not a number", s, n);
	if (n > 9)
		goto big;
	for (i = 0; i < n; i++)
		v = v * 10 + (size_t)(s[i] - '0');
	if (v > MQ_REQ_BODY_MAX)
		goto big;
	*out = v;
	return MQ_REQ_OK;
big:
	return fail(r, MQ_REQ_TOO_BIG, "body: larger than %d bytes",
	    MQ_REQ_BODY_MAX);
}

/*
 * The session cookie.  Other cookies of the host are skipped without a
 * look; a control character anywhere is an error.  The session counts only
 * when exactly one well-formed mq_session is present: two of them (cookie
 * tossing from a sibling domain) or a malformed one mean no session.
 */
static enum mq_req_err
parse_cookie(struct mq_req *r, const char *c)
{
	const char *p, *end, *eq;
	size_t vlen, i, n;
	int good = 0, bad = 0;

	if (c == NULL)
		return MQ_REQ_OK;
	n = strlen(c);
	for (i = 0; i < n; i++)
		if (((unsigned char)c[i] < 0x20 && c[i] != '\t') ||
		    c[i] == 0x7F)
			return fail(r, MQ_REQ_BAD,
			    "Cookie: holds a control character");
	for (p = c; *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ";");
		while (p < end && is_ows(*p))
			p++;
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || !is_word(p, (size_t)(eq - p),
		    MQ_REQ_SESSION_COOKIE))
			continue;
		eq++;
		vlen = (size_t)(end - eq);
		while (vlen > 0 && is_ows(eq[vlen - 1]))
			vlen--;
		if (vlen >= 2 && eq[0] == '"' && eq[vlen - 1] == '"') {
			eq++;
			vlen -= 2;
		}
		if (is_token(eq, vlen)) {
			memcpy(r->session, eq, vlen);
			r->session[vlen] = '\0';
			good++;
		} else
			bad++;
	}
	if (good == 1 && bad == 0)
		r->has_session = 1;
	else
		r->session[0] = '\0';
	return MQ_REQ_OK;
}

static void
remote_addr(struct mq_req *r, const char *a)
{
	size_t n;

	if (a == NULL || (n = strlen(a)) == 0 || n >= sizeof(r->remote) ||
	    strspn(a, "0123456789abcdefABCDEF:.") != n)
		return;
	memcpy(r->remote, a, n + 1);
}

/* The CSRF token: X-CSRF-Token or the csrf field, equal when both. */
static enum mq_req_err
csrf_token(struct mq_req *r, const struct mq_req_env *e)
{
	const char *tok = NULL;
	size_t i;

	for (i = 0; i < r->route->nfields; i++)
		if ((r->route->fields[i].flags & MQ_FIELD_CSRF) &&
		    r->param[i].set)
			tok = r->param[i].s;
	if (e->csrf != NULL) {
		if (!is_token(e->csrf, strlen(e->csrf)))
			return fail(r, MQ_REQ_FORBIDDEN,
			    "X-CSRF-Token: malformed");
		if (tok != NULL && strcmp(tok, e->csrf) != 0)
			return fail(r, MQ_REQ_FORBIDDEN,
			    "CSRF token: header and field differ");
		tok = e->csrf;
	}
	if (tok == NULL)
		return fail(r, MQ_REQ_FORBIDDEN, "CSRF token: missing");
	memcpy(r->csrf, tok, MQ_REQ_TOKEN_LEN + 1);
	r->has_csrf = 1;
	return MQ_REQ_OK;
}

/* Every environment string bounded before anything scans it. */
static enum mq_req_err
env_bounded(struct mq_req *r, const struct mq_req_env *e)
{
	size_t k;
	const char *s;

	for (k = 0; k < sizeof(envnames) / sizeof(envnames[0]); k++) {
		s = *(const char *const *)((const char *)e + envnames[k].off);
		if (s != NULL && strnlen(s, MQ_REQ_HEADER_MAX + 1) >
		    MQ_REQ_HEADER_MAX)
			return fail(r, MQ_REQ_BAD, "%s: too long",
			    envnames[k].name);
	}
	return MQ_REQ_OK;
}

/*
 * The common part of both entry points: fp or (mem, memlen) is the
 * standard input.
 */
static enum mq_req_err
parse(struct mq_req *r, const struct mq_req_env *e, FILE *fp,
    const char *mem, size_t memlen)
{
	const struct mq_route *rt;
	enum mq_req_err rc;
	enum media m = MEDIA_NONE;
	size_t cl, got, k, qlen;

	memset(r, 0, offsetof(struct mq_req, body));
	r->body[0] = '\0';
	if ((rc = env_bounded(r, e)) != MQ_REQ_OK)
		return rc;
	if ((rt = r->route = mq_req_route(e->path_info)) == NULL)
		return failq(r, MQ_REQ_NOTFOUND, NULL, "no such route",
		    e->path_info, e->path_info ? strlen(e->path_info) : 0);
	if (e->method == NULL)
		r->method = 0;
	else if (strcmp(e->method, "GET") == 0)
		r->method = MQ_METHOD_GET;
	else if (strcmp(e->method, "HEAD") == 0)
		r->method = MQ_METHOD_HEAD;
	else if (strcmp(e->method, "POST") == 0)
		r->method = MQ_METHOD_POST;
	if ((r->method & rt->methods) == 0)
		return fail(r, MQ_REQ_METHOD, "method not allowed (allowed: %s)",
		    rt->allow);
	if ((rt->flags & MQ_ROUTE_ORIGIN) && mq_req_same_origin(e) != 0)
		return fail(r, MQ_REQ_FORBIDDEN,
		    "cross-site request: Origin does not match the host");
	remote_addr(r, e->remote_addr);
	if ((rc = parse_cookie(r, e->cookie)) != MQ_REQ_OK)
		return rc;
	if ((rt->flags & MQ_ROUTE_AUTH) && !r->has_session)
		return fail(r, MQ_REQ_UNAUTH, "not logged in");
	if ((rc = content_length(r, e->content_length, &cl)) != MQ_REQ_OK)
		return rc;

	if (r->method != MQ_METHOD_POST) {
		if (cl > 0)
			return fail(r, MQ_REQ_BAD,
			    "body: not accepted with %s", e->method);
		qlen = e->query ? strlen(e->query) : 0;
		if (qlen > MQ_REQ_QUERY_MAX)
			return fail(r, MQ_REQ_BAD, "query: too long");
		if ((rc = parse_form(r, e->query ? e->query : "", qlen,
		    "query")) != MQ_REQ_OK)
			return rc;
	} else {
		if (e->query != NULL && e->query[0] != '\0')
			return fail(r, MQ_REQ_BAD,
			    "query: not accepted with POST");
		if (cl > 0 && (m = media_type(e->content_type)) == MEDIA_NONE)
			return failq(r, MQ_REQ_MEDIA, "Content-Type",
			    "must be application/x-www-form-urlencoded or "
			    "application/json", NULL, 0);
		/* Exactly cl bytes, never more than the buffer holds. */
		for (got = 0; got < cl; got += k) {
			if (fp != NULL)
				k = fread(r->body + got, 1, cl - got, fp);
			else {
				k = memlen - got < cl - got ?
				    memlen - got : cl - got;
				memcpy(r->body + got, mem + got, k);
			}
			if (k == 0)
				break;
		}
		if (got < cl)
			return fail(r, MQ_REQ_BAD,
			    "body: shorter than Content-Length");
		r->body[cl] = '\0';
		r->bodylen = cl;
		if (m == MEDIA_FORM)
			rc = parse_form(r, r->body, cl, "body");
		else if (m == MEDIA_JSON)
			rc = parse_json(r, r->body, cl);
		if (rc != MQ_REQ_OK)
			return rc;
	}

	for (k = 0; k < rt->nfields; k++)
		if ((rt->fields[k].flags & MQ_FIELD_REQUIRED) &&
		    !r->param[k].set)
			return failq(r, MQ_REQ_BAD, rt->fields[k].name,
			    "missing", NULL, 0);
	if ((rt->flags & MQ_ROUTE_CSRF) &&
	    (rc = csrf_token(r, e)) != MQ_REQ_OK)
		return rc;
	r->err = MQ_REQ_OK;
	return MQ_REQ_OK;
}

enum mq_req_err
mq_req_parse(struct mq_req *r, const struct mq_req_env *e, FILE *body)
{
	if (body == NULL)
		return parse(r, e, NULL, "", 0);
	return parse(r, e, body, NULL, 0);
}

enum mq_req_err
mq_req_parse_mem(struct mq_req *r, const struct mq_req_env *e,
    const char *body, size_t len)
{
	return parse(r, e, NULL, body ? body : "", body ? len : 0);
}

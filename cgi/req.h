/*
 * req.h - parsing and validation of one CGI request, the only code of
 * Marquee that reads bytes from the internet.
 *
 * The approach is kcgi's: every route and every input field is declared in
 * a table with its validator; input that is not in the table does not
 * exist, so an unknown field, a repeated field, an unknown route or method
 * is an error, never silently ignored.  Nothing here allocates: the parsed
 * request lives in one fixed-size struct mq_req whose buffers are sized by
 * the caps below, so the work is bounded whatever the client sends.
 *
 * The environment is read once into a struct mq_req_env (a set of string
 * pointers), which tests and the fuzzer fill without a real environment:
 *
 *	struct mq_req_env e;
 *	static struct mq_req r;
 *
 *	mq_req_env_from_environ(&e);
 *	if (mq_req_parse(&r, &e, stdin) != MQ_REQ_OK)
 *		answer mq_req_status(r.err) with the JSON error r.msg;
 *
 * Wire formats (see also tests/data/requests/README):
 *   GET/HEAD  fields in QUERY_STRING (application/x-www-form-urlencoded);
 *             no body.
 *   POST      no query string; the body is either
 *             application/x-www-form-urlencoded: k=v pairs joined by '&',
 *               '+' is a space, %XX strictly two hex digits, no raw bytes
 *               outside visible ASCII, no empty pair, no pair without '=';
 *             or application/json: one flat object of string and number
 *               members (true, false, null, objects and arrays rejected),
 *               no duplicate key, UTF-8 only, RFC 8259 strings and
 *               numbers, nothing after the object.  A JSON number is
 *               accepted only by fields flagged MQ_FIELD_NUMBER, which
 *               also take the same text as a JSON string.
 *             An optional "; charset=utf-8" is the only parameter allowed.
 *   Signup ratings: one field "ratings" holding "movie:rating" pairs joined
 *             by ',' ("1:4.0,2:3.5,318:5"), 3 to 50 pairs, each movie once,
 *             identical in a form ("ratings=1%3A4.0%2C2%3A3.5...") and in
 *             JSON ({"ratings":"1:4.0,2:3.5,318:5"}).
 */
#ifndef MQ_REQ_H
#define MQ_REQ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MQ_REQ_BODY_MAX		(16 * 1024)	/* body bytes (413 above) */
#define MQ_REQ_QUERY_MAX	2048	/* QUERY_STRING bytes */
#define MQ_REQ_HEADER_MAX	8192	/* any other environment string */
#define MQ_REQ_FIELDS_MAX	8	/* fields one route may declare */
#define MQ_REQ_KEY_MAX		32	/* bytes of a field name */
#define MQ_REQ_MSG_MAX		128	/* bytes of mq_req.msg, with NUL */
#define MQ_REQ_RATINGS_MIN	3	/* the client's rule for a signup */
#define MQ_REQ_RATINGS_MAX	50
#define MQ_REQ_TOKEN_LEN	64	/* session id and CSRF token: hex */
#define MQ_REQ_SESSION_COOKIE	"mq_session"
#define MQ_REQ_CSRF_FIELD	"csrf"

/*
 * The outcome of a parse, one per HTTP status class the caller answers
 * with (mq_req_status() gives the number).  MQ_REQ_OK is 0, as MQ_OK.
 */
enum mq_req_err {
	MQ_REQ_OK = 0,		/* 200: r is filled */
	MQ_REQ_BAD,		/* 400: malformed, unknown, missing field */
	MQ_REQ_UNAUTH,		/* 401: the route needs a session cookie */
	MQ_REQ_FORBIDDEN,	/* 403: cross-site or without CSRF token */
	MQ_REQ_NOTFOUND,	/* 404: no such route */
	MQ_REQ_METHOD,		/* 405: answer with Allow: route->allow */
	MQ_REQ_TOO_BIG,		/* 413: body over MQ_REQ_BODY_MAX */
	MQ_REQ_MEDIA		/* 415: body neither form nor JSON */
};

/* The HTTP status of e (200, 400, 401, 403, 404, 405, 413 or 415). */
int	 mq_req_status(enum mq_req_err e);

/*
 * The CGI variables the parser reads; NULL means unset.  The strings are
 * borrowed: they must outlive every use of the env and of a request
 * parsed from it.
 */
struct mq_req_env {
	const char *method;		/* REQUEST_METHOD */
	const char *path_info;		/* PATH_INFO */
	const char *query;		/* QUERY_STRING */
	const char *content_type;	/* CONTENT_TYPE */
	const char *content_length;	/* CONTENT_LENGTH */
	const char *cookie;		/* HTTP_COOKIE */
	const char *origin;		/* HTTP_ORIGIN */
	const char *referer;		/* HTTP_REFERER */
	const char *host;		/* HTTP_HOST */
	const char *https;		/* HTTPS ("on" when TLS) */
	const char *remote_addr;	/* REMOTE_ADDR */
	const char *csrf;		/* HTTP_X_CSRF_TOKEN */
};

/* Fill e from getenv(); the strings belong to the environment. */
void	 mq_req_env_from_environ(struct mq_req_env *e);

/*
 * Fill e and the body from a request file of tests/data/requests (the
 * format is in its README; also the fuzzer's input format): lines
 * "NAME=value" naming the CGI variables above, lines starting with '#'
 * ignored, a blank line, then the body to the end.  buf is modified in
 * place (line ends become NULs) and e points into it.  When the file sets
 * no CONTENT_LENGTH and the body is not empty, the body length is written
 * into cl (a buffer of at least 24 bytes) and e->content_length points to
 * it.  Returns 0, or -1 when the header block has no end or a line is not
 * NAME=value with a known NAME.
 */
int	 mq_req_env_from_text(struct mq_req_env *e, char *buf, size_t len,
	    const char **body, size_t *bodylen, char *cl);

/* The feedback kinds of the feedback route. */
enum mq_req_feedback { MQ_REQ_FEEDBACK_RATED, MQ_REQ_FEEDBACK_NOT_INTERESTED,
    MQ_REQ_FEEDBACK_SEEN };

/* The models a member may ask a list from. */
enum mq_req_model { MQ_REQ_MODEL_ITEM, MQ_REQ_MODEL_USER, MQ_REQ_MODEL_RANDOM };

struct mq_rating_pair {
	uint32_t	 movie;		/* 1 .. INT32_MAX */
	int		 half;		/* half stars, 1 .. 10 */
};

struct mq_rating_list {
	size_t			 n;
	struct mq_rating_pair	 v[MQ_REQ_RATINGS_MAX];
};

/*
 * The typed value a validator writes.  The string validators (username,
 * password, tag, csrf) set str to the value they were given, which in a
 * parsed request is the NUL-terminated mq_param.s.
 */
union mq_val {
	uint32_t		 u;	/* mq_valid_uint, _count, _page */
	int			 half;	/* mq_valid_rating: 1 .. 10 */
	enum mq_req_feedback	 kind;	/* mq_valid_feedback_kind */
	enum mq_req_model		 model;	/* mq_valid_model */
	struct mq_rating_list	 list;	/* mq_valid_ratings */
	struct {
		const char	*s;
		size_t		 n;
	}			 str;	/* the string validators */
};

/*
 * A validator: v holds n decoded bytes (NUL-terminated, no NUL inside,
 * valid UTF-8 already checked).  Returns 0 and fills out when the value is
 * acceptable, otherwise a nonzero enum mq_req_why saying why not.
 */
typedef int (*mq_valid_fn)(const char *v, size_t n, union mq_val *out);

enum mq_req_why {
	MQ_REQ_WHY_OK = 0,
	MQ_REQ_WHY_SYNTAX,		/* not of the expected form */
	MQ_REQ_WHY_RANGE,		/* a number out of its bounds */
	MQ_REQ_WHY_LENGTH,		/* too short or too long */
	MQ_REQ_WHY_CHARS,		/* a character that is not allowed */
	MQ_REQ_WHY_REPEAT,		/* the same movie twice in a list */
	MQ_REQ_WHY_COUNT		/* too few or too many list items */
};

/* A short English phrase for why (for messages). */
const char *mq_req_why_str(int why);

/* Strict unsigned decimal: digits only, no sign, no leading zero. */
int	 mq_valid_range(const char *v, size_t n, uint32_t min, uint32_t max,
	    uint32_t *out);

/* An id (movie, member): 1 .. INT32_MAX, sets u. */
int	 mq_valid_uint(const char *v, size_t n, union mq_val *out);
/* How many films to recommend: 1 .. 5, sets u. */
int	 mq_valid_count(const char *v, size_t n, union mq_val *out);
/* A history page: 1 .. 1000, sets u. */
int	 mq_valid_page(const char *v, size_t n, union mq_val *out);
/*
 * A rating 0.5 .. 5.0 by half stars, as "D" or "D.0" or "D.5" with one
 * digit D; sets half (1 .. 10).  "4.3", "5.5", "0", "4.50", "nan", "1e1",
 * " 4" are rejected.
 */
int	 mq_valid_rating(const char *v, size_t n, union mq_val *out);
/* 3 .. 32 of [A-Za-z0-9_.-], not starting or ending with '.'; sets str. */
int	 mq_valid_username(const char *v, size_t n, union mq_val *out);
/* 8 .. 128 bytes, no control character (C0, DEL, C1); sets str. */
int	 mq_valid_password(const char *v, size_t n, union mq_val *out);
/*
 * A free-text tag: 1 .. 64 bytes, no control character, no invisible or
 * bidirectional format character (U+200B..U+200F, U+2028..U+202E,
 * U+2060..U+206F, U+FEFF), no leading or trailing space (the tag field is
 * MQ_FIELD_TRIM, so the parser removes them first).  '<', '>', '&' and
 * quotes are accepted: a tag is data, and every output of Marquee escapes
 * it by context (mq_esc.h).  Sets str.
 */
int	 mq_valid_tag(const char *v, size_t n, union mq_val *out);
/* "rated", "not_interested" or "seen"; sets kind. */
int	 mq_valid_feedback_kind(const char *v, size_t n, union mq_val *out);
/* "item", "user" or "random"; sets model. */
int	 mq_valid_model(const char *v, size_t n, union mq_val *out);
/* Exactly 64 lowercase hex digits; sets str. */
int	 mq_valid_csrf(const char *v, size_t n, union mq_val *out);
/*
 * The signup ratings "movie:rating,movie:rating,...": 3 .. 50 pairs, each
 * movie (mq_valid_uint) once, each rating as mq_valid_rating, no spaces,
 * no empty item; sets list.
 */
int	 mq_valid_ratings(const char *v, size_t n, union mq_val *out);

/* Field flags. */
#define MQ_FIELD_REQUIRED	0x01	/* missing: 400 */
#define MQ_FIELD_SECRET		0x02	/* never quoted in a message */
#define MQ_FIELD_NUMBER		0x04	/* a JSON number is accepted */
#define MQ_FIELD_CSRF		0x08	/* the body form of the CSRF token */
#define MQ_FIELD_TRIM		0x10	/* spaces at both ends removed first */

struct mq_field {
	const char	*name;
	mq_valid_fn	 valid;
	unsigned	 flags;
};

/* Methods, as a bit set in mq_route.methods. */
#define MQ_METHOD_GET		0x01
#define MQ_METHOD_HEAD		0x02
#define MQ_METHOD_POST		0x04

/* Route flags. */
#define MQ_ROUTE_AUTH		0x01	/* needs the session cookie (401) */
#define MQ_ROUTE_ORIGIN		0x02	/* same-origin check (403) */
#define MQ_ROUTE_CSRF		0x04	/* CSRF token, header or field (403) */
#define MQ_ROUTE_ADMIN		0x08	/* the caller checks the admin role */

enum mq_route_id {
	MQ_ROUTE_HEALTH, MQ_ROUTE_SIGNUP, MQ_ROUTE_LOGIN, MQ_ROUTE_LOGOUT,
	MQ_ROUTE_RATE, MQ_ROUTE_UNRATE, MQ_ROUTE_TAG, MQ_ROUTE_UNTAG,
	MQ_ROUTE_FEEDBACK, MQ_ROUTE_HISTORY, MQ_ROUTE_ADMIN_STATS,
	MQ_ROUTE_RECS, MQ_ROUTE__MAX
};

struct mq_route {
	enum mq_route_id	 id;
	const char		*path;		/* PATH_INFO, exact */
	unsigned		 methods;	/* MQ_METHOD_* */
	const char		*allow;		/* the Allow header for 405 */
	unsigned		 flags;		/* MQ_ROUTE_* */
	const struct mq_field	*fields;
	size_t			 nfields;
};

/* The route table, MQ_ROUTE__MAX entries indexed by enum mq_route_id. */
extern const struct mq_route mq_routes[MQ_ROUTE__MAX];

/* The route whose path is exactly path_info, or NULL (404). */
const struct mq_route *mq_req_route(const char *path_info);

/*
 * MQ_REQ_OK when the request carries an Origin (or, without one, a
 * Referer) whose scheme://host[:port] equals the one derived from HTTPS
 * and HTTP_HOST (host compared without case, default ports :80 and :443
 * ignored); MQ_REQ_FORBIDDEN when it is absent, "null", malformed or
 * another origin, or when HTTP_HOST is missing or malformed.
 */
int	 mq_req_same_origin(const struct mq_req_env *e);

/* One field as parsed: set is 0 when the request did not carry it. */
struct mq_param {
	int			 set;
	const char		*s;	/* decoded value, NUL-terminated */
	size_t			 n;
	union mq_val		 v;	/* what the validator made of it */
};

/*
 * A parsed request.  Large (about 40 KiB): make it static or allocate it,
 * do not put it on a small stack.  Every pointer in it points into the
 * struct itself, so it owns nothing and needs no release.
 */
struct mq_req {
	enum mq_req_err		 err;
	char			 msg[MQ_REQ_MSG_MAX];	/* why, safe ASCII */
	const struct mq_route	*route;		/* NULL on 404 */
	unsigned		 method;	/* one MQ_METHOD_* */
	int			 has_session;
	char			 session[MQ_REQ_TOKEN_LEN + 1];
	int			 has_csrf;
	char			 csrf[MQ_REQ_TOKEN_LEN + 1];
	char			 remote[48];	/* REMOTE_ADDR or "" */
	struct mq_param		 param[MQ_REQ_FIELDS_MAX]; /* by field index */
	size_t			 bodylen;
	size_t			 used;		/* bytes of store in use */
	char			 body[MQ_REQ_BODY_MAX + 1];
	char			 store[MQ_REQ_BODY_MAX + MQ_REQ_QUERY_MAX +
				    2 * MQ_REQ_FIELDS_MAX + 64];
};

/*
 * Parse and validate one request: route from PATH_INFO, method, session
 * cookie, same origin and CSRF token where the route asks for them, then
 * the fields from QUERY_STRING (GET, HEAD) or from exactly CONTENT_LENGTH
 * bytes read from body (POST; body may be NULL when there is none).  The
 * checks run in this order, so the cheap ones reject before the body is
 * read: 400 (a variable over MQ_REQ_HEADER_MAX), 404, 405, 403 (origin),
 * 400 (control character in Cookie), 401, 413 or 400 (CONTENT_LENGTH),
 * 400 (a body on GET, a query on POST), 415, 400 (body shorter than
 * announced, syntax, fields, a required field missing), 403 (CSRF token).
 * The Content-Type is checked only when there is a body.
 * Returns r->err; on failure r->msg names the field and the problem, in
 * printable ASCII without quotes or markup, quoting at most a short
 * sanitized excerpt of the input (never of a MQ_FIELD_SECRET field).
 */
enum mq_req_err mq_req_parse(struct mq_req *r, const struct mq_req_env *e,
	    FILE *body);

/* The same with the stdin bytes given in memory (tests, the fuzzer). */
enum mq_req_err mq_req_parse_mem(struct mq_req *r,
	    const struct mq_req_env *e, const char *body, size_t len);

/* The parsed field called name, or NULL when it is absent or unknown. */
const struct mq_param *mq_req_get(const struct mq_req *r, const char *name);

#endif /* MQ_REQ_H */

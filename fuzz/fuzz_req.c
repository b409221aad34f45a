/*
 * fuzz_req.c - a fuzz target for the CGI request parser (cgi/req.c).
 *
 * The input is a request file as in tests/data/requests (CGI variables as
 * NAME=value lines, a blank line, the body), so that corpus seeds the
 * fuzzer.  An input that is not such a file is not wasted: its first byte
 * picks a route, its second a method and a body type, and the rest is the
 * body (or the query string of a GET), so random bytes still reach the
 * form and JSON parsers.  Every parse is followed by checks of what the
 * parser promises (safe messages, valid decoded values, required fields);
 * a broken promise aborts, which the fuzzer reports as a crash.
 *
 * libFuzzer:  clang -fsanitize=fuzzer,address,undefined -Icgi -Ilib \
 *                 fuzz/fuzz_req.c cgi/req.c lib/mq_esc.c lib/mq_buf.c \
 *                 lib/mq_err.c
 * standalone: cc -DMQ_FUZZ_STANDALONE -Icgi -Ilib fuzz/fuzz_req.c \
 *                 cgi/req.c lib/mq_esc.c lib/mq_buf.c lib/mq_err.c
 *             (runs each file named on the command line, or stdin; the
 *             form AFL++ drives with "afl-fuzz ... -- ./fuzz_req @@")
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "req.h"

#define INPUT_MAX	(64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mq_req req;

#define CHECK(x)	do { if (!(x)) { \
	fprintf(stderr, "fuzz_req: broken promise: %s (line %d)\n", \
	    #x, __LINE__); abort(); } } while (0)

/* An independent strict UTF-8 check, the oracle for decoded values. */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	uint32_t cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xE0) == 0xC0)
			len = 2, cp = s[i] & 0x1F;
		else if ((s[i] & 0xF0) == 0xE0)
			len = 3, cp = s[i] & 0x0F;
		else if ((s[i] & 0xF8) == 0xF0)
			len = 4, cp = s[i] & 0x07;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += len;
	}
	return 1;
}

static void
check_result(enum mq_req_err rc)
{
	const struct mq_route *rt = req.route;
	const struct mq_param *p;
	union mq_val v;
	size_t i, n;

	CHECK(rc == req.err);
	CHECK(rc >= MQ_REQ_OK && rc <= MQ_REQ_MEDIA);
	n = strnlen(req.msg, sizeof(req.msg));
	CHECK(n < sizeof(req.msg));
	for (i = 0; i < n; i++)
		CHECK(req.msg[i] >= 0x20 && req.msg[i] < 0x7F &&
		    strchr("<>&\"'`\\%", req.msg[i]) == NULL);
	if (rc != MQ_REQ_OK) {
		CHECK(n > 0);
		return;
	}
	CHECK(rt != NULL && (req.method & rt->methods) != 0);
	if (rt->flags & MQ_ROUTE_AUTH)
		CHECK(req.has_session && strlen(req.session) == 64);
	if (rt->flags & MQ_ROUTE_CSRF)
		CHECK(req.has_csrf && strlen(req.csrf) == 64);
	for (i = 0; i < rt->nfields; i++) {
		p = mq_req_get(&req, rt->fields[i].name);
		if (p == NULL) {
			CHECK(!(rt->fields[i].flags & MQ_FIELD_REQUIRED));
			continue;
		}
		CHECK(p->s >= req.store &&
		    p->s + p->n < req.store + sizeof(req.store));
		CHECK(p->s[p->n] == '\0' && strlen(p->s) == p->n);
		CHECK(utf8_ok((const unsigned char *)p->s, p->n));
		/* the validator agrees again on what the parser kept */
		CHECK(rt->fields[i].valid(p->s, p->n, &v) == 0);
	}
}

/* Make an env from the first bytes when the input is not a request file. */
static void
raw_env(struct mq_req_env *e, const uint8_t *data, size_t size,
    const char **body, size_t *blen, char *cl, char *query)
{
	static const char *types[] = { "application/x-www-form-urlencoded",
	    "application/json" };
	const struct mq_route *rt = &mq_routes[data[0] % MQ_ROUTE__MAX];
	int sel = size > 1 ? data[1] : 0;
	size_t n = size > 2 ? size - 2 : 0;

	memset(e, 0, sizeof(*e));
	e->path_info = rt->path;
	e->host = "marquee.test";
	e->origin = "http://marquee.test";
	e->cookie = "mq_session=0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef";
	e->csrf = "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff";
	*body = (const char *)data + (size - n);
	*blen = 0;
	if (rt->methods & MQ_METHOD_GET) {
		e->method = (sel & 1) ? "HEAD" : "GET";
		if (n > MQ_REQ_QUERY_MAX + 8)
			n = MQ_REQ_QUERY_MAX + 8;
		memcpy(query, *body, n);
		query[n] = '\0';	/* an embedded NUL ends it, as in env */
		e->query = query;
		return;
	}
	e->method = "POST";
	e->content_type = types[sel & 1];
	*blen = n;
	snprintf(cl, 24, "%zu", n);
	e->content_length = cl;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char query[MQ_REQ_QUERY_MAX + 16];
	struct mq_req_env e;
	const char *body;
	size_t blen, i;
	char cl[24], *buf;
	union mq_val v;
	static const mq_valid_fn valid[] = { mq_valid_uint, mq_valid_count,
	    mq_valid_page, mq_valid_rating, mq_valid_username,
	    mq_valid_password, mq_valid_tag, mq_valid_feedback_kind,
	    mq_valid_model, mq_valid_csrf, mq_valid_ratings };

	if (size == 0 || size > INPUT_MAX)
		return 0;
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (mq_req_env_from_text(&e, buf, size, &body, &blen, cl) != 0)
		raw_env(&e, data, size, &body, &blen, cl, query);
	check_result(mq_req_parse_mem(&req, &e, body, blen));

	/* the validators alone, on the raw bytes (they expect no NUL) */
	if (memchr(data, '\0', size) == NULL && utf8_ok(data, size))
		for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
			(void)valid[i]((const char *)data, size, &v);
	free(buf);
	return 0;
}

#ifdef MQ_FUZZ_STANDALONE
static int
run_file(FILE *f, const char *name)
{
	static uint8_t data[INPUT_MAX + 1];
	size_t n;

	n = fread(data, 1, sizeof(data), f);
	if (ferror(f)) {
		fprintf(stderr, "fuzz_req: %s: read error\n", name);
		return 1;
	}
	LLVMFuzzerTestOneInput(data, n);
	return 0;
}

int
main(int argc, char *argv[])
{
	FILE *f;
	int i, rc = 0;

	if (argc < 2)
		return run_file(stdin, "<stdin>");
	for (i = 1; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			rc = 1;
			continue;
		}
		rc |= run_file(f, argv[i]);
		fclose(f);
	}
	return rc;
}
#endif

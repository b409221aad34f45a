/*
 * fcgi.c - FastCGI 1.0 responder records over a stream socket.
 */
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcgi.h"
#include "mq_err.h"

enum { T_BEGIN = 1, T_ABORT, T_END, T_PARAMS, T_STDIN, T_STDOUT, T_STDERR,
    T_DATA, T_GET_VALUES, T_GET_VALUES_RESULT, T_UNKNOWN };

#define ROLE_RESPONDER	1
#define KEEP_CONN	1

int
mq_fcgi_is_listener(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	    on;
}

const char *
mq_fcgi_param(const struct mq_fcgi_req *r, const char *name)
{
	size_t off = 0, n = strlen(name);

	while (off < r->nparams) {
		const char *k = r->params + off;
		size_t kl = strlen(k);
		const char *v = k + kl + 1;

		if (kl == n && !memcmp(k, name, n))
			return v;
		off += kl + 1 + strlen(v) + 1;
	}
	return NULL;
}

/* Read exactly n bytes; 0, or -1 at the end of the stream or an error. */
static int
readn(int fd, void *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = read(fd, (char *)p + off, n - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		off += (size_t)r;
	}
	return 0;
}

static int
writen(int fd, const void *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t w = write(fd, (const char *)p + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

static void
header(unsigned char *h, int type, unsigned id, size_t len)
{
	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = 0;
	h[7] = 0;
}

static int
record(int fd, int type, unsigned id, const void *p, size_t len)
{
	unsigned char h[8];

	header(h, type, id, len);
	return writen(fd, h, 8) || (len && writen(fd, p, len)) ? -1 : 0;
}

/* Append the name-value pairs of one PARAMS record to r; -1 on damage. */
static int
add_params(struct mq_fcgi_req *r, struct mq_buf *acc, const unsigned char *p,
    size_t n)
{
	size_t off = 0;

	(void)r;
	while (off < n) {
		uint32_t len[2];
		int k;

		for (k = 0; k < 2; k++) {
			if (off >= n)
				return -1;
			if (p[off] & 0x80) {
				if (off + 4 > n)
					return -1;
				len[k] = ((uint32_t)(p[off] & 0x7f) << 24) |
				    ((uint32_t)p[off + 1] << 16) |
				    ((uint32_t)p[off + 2] << 8) | p[off + 3];
				off += 4;
			} else
				len[k] = p[off++];
		}
		if (len[0] > n - off || len[1] > n - off - len[0])
			return -1;
		/* names and values with a NUL inside are dropped */
		if (!memchr(p + off, 0, len[0] + len[1]) &&
		    acc->len + len[0] + len[1] + 2 <= MQ_FCGI_PARAMS_MAX) {
			mq_buf_add(acc, p + off, len[0]);
			mq_buf_addc(acc, '\0');
			mq_buf_add(acc, p + off + len[0], len[1]);
			mq_buf_addc(acc, '\0');
		}
		off += len[0] + len[1];
	}
	return 0;
}

/*
 * Serve one connection: requests until the server closes it or does not
 * ask to keep it.
 */
static void
serve_conn(int c, void (*fn)(const struct mq_fcgi_req *, struct mq_buf *,
    void *), void *arg)
{
	static unsigned char buf[65535 + 255];
	struct mq_buf params = MQ_BUF_INIT, body = MQ_BUF_INIT,
	    out = MQ_BUF_INIT;
	unsigned char h[8];
	unsigned id = 0;
	int keep = 0, in_params = 0, in_stdin = 0;

	for (;;) {
		unsigned type, rid;
		size_t len, pad;

		if (readn(c, h, 8))
			break;
		type = h[1];
		rid = (unsigned)h[2] << 8 | h[3];
		len = (size_t)h[4] << 8 | h[5];
		pad = h[6];
		if (h[0] != 1 || readn(c, buf, len + pad))
			break;
		if (type == T_GET_VALUES) {
			static const unsigned char v[] = {
			    15, 1, 'F','C','G','I','_','M','P','X','S','_',
			    'C','O','N','N','S', '0' };

			if (record(c, T_GET_VALUES_RESULT, 0, v, sizeof(v)))
				break;
			continue;
		}
		if (type == T_BEGIN) {
			unsigned char end[8] = { 0 };

			if (len < 8)
				break;
			if (((unsigned)buf[0] << 8 | buf[1]) != ROLE_RESPONDER) {
				end[4] = 3;	/* FCGI_UNKNOWN_ROLE */
				if (record(c, T_END, rid, end, 8))
					break;
				continue;
			}
			id = rid;
			keep = buf[2] & KEEP_CONN;
			in_params = in_stdin = 1;
			mq_buf_reset(&params);
			mq_buf_reset(&body);
			continue;
		}
		if (rid != id || id == 0)
			continue;	/* not ours: ignore */
		if (type == T_ABORT) {
			unsigned char end[8] = { 0 };

			(void)record(c, T_END, id, end, 8);
			id = 0;
			if (!keep)
				break;
			continue;
		}
		if (type == T_PARAMS && in_params) {
			if (len == 0)
				in_params = 0;
			else if (add_params(NULL, &params, buf, len))
				break;
		} else if (type == T_STDIN && in_stdin) {
			if (len == 0)
				in_stdin = 0;
			else if (body.len + len <= MQ_FCGI_BODY_MAX)
				mq_buf_add(&body, buf, len);
			else
				body.len = MQ_FCGI_BODY_MAX + 1; /* too big */
		}
		if (!in_params && !in_stdin) {
			struct mq_fcgi_req r;
			unsigned char end[8] = { 0 };
			size_t off;

			if (params.err || body.err)
				break;
			r.params = params.s ? params.s : "";
			r.nparams = params.len;
			r.body = body.s ? body.s : "";
			r.nbody = body.len > MQ_FCGI_BODY_MAX ?
			    MQ_FCGI_BODY_MAX : body.len;
			mq_buf_reset(&out);
			fn(&r, &out, arg);
			for (off = 0; off < out.len; off += 32768) {
				size_t n = out.len - off < 32768 ?
				    out.len - off : 32768;

				if (record(c, T_STDOUT, id, out.s + off, n))
					goto done;
			}
			if (record(c, T_STDOUT, id, NULL, 0) ||
			    record(c, T_END, id, end, 8))
				break;
			id = 0;
			if (!keep)
				break;
		}
	}
done:
	mq_buf_release(&params);
	mq_buf_release(&body);
	mq_buf_release(&out);
}

int
mq_fcgi_serve(int fd, void (*fn)(const struct mq_fcgi_req *, struct mq_buf *,
    void *), void *arg)
{
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			mq_warn("accept");
			return MQ_EIO;
		}
		serve_conn(c, fn, arg);
		close(c);
	}
}

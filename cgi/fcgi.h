/*
 * fcgi.h - a small FastCGI responder (the FastCGI 1.0 record protocol),
 * so the endpoint can stay alive between requests under lighttpd's
 * mod_fastcgi instead of being started for each one.
 */
#ifndef MQ_FCGI_H
#define MQ_FCGI_H

#include <stddef.h>

#include "mq_buf.h"

/* One request: its parameters (the CGI variables) and its body. */
struct mq_fcgi_req {
	char *params;		/* "NAME\0VALUE\0" pairs */
	size_t nparams;		/* bytes */
	char *body;
	size_t nbody;		/* bytes kept (at most MQ_FCGI_BODY_MAX) */
};

#define MQ_FCGI_PARAMS_MAX	(64 * 1024)	/* all the names and values */
#define MQ_FCGI_BODY_MAX	(64 * 1024)	/* the rest is read, dropped */

/* The value of parameter name in r, or NULL. */
const char *mq_fcgi_param(const struct mq_fcgi_req *r, const char *name);

/*
 * Whether fd is a listening socket: how a FastCGI application knows it
 * was started by the web server (FCGI_LISTENSOCK_FILENO is 0).
 */
int mq_fcgi_is_listener(int fd);

/*
 * Accept connections on the listening socket fd forever; for each request
 * call fn(r, out, arg), which appends a CGI response (Status and headers,
 * a blank line, the body) to out, and send it back.  Requests on one
 * connection are served one after the other (no multiplexing: the server
 * is told so).  Returns only on a fatal error of the listening socket
 * (MQ_EIO).
 */
int mq_fcgi_serve(int fd, void (*fn)(const struct mq_fcgi_req *r,
    struct mq_buf *out, void *arg), void *arg);

#endif /* MQ_FCGI_H */

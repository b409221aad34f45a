/*
 * sandbox.h - parse the request in a child process that can do nothing
 * but read its input and write its result.
 */
#ifndef MQ_SANDBOX_H
#define MQ_SANDBOX_H

#include <stdio.h>

#include "req.h"

/*
 * Run mq_req_parse(r, e, body) in a forked child under seccomp's strict
 * mode (Linux: only read, write and exit are allowed, so a parser bug
 * cannot open a file, a socket or the store), and copy the parsed request
 * back.  r must be a static object (the child's pointers into it are valid
 * in the parent because both share its address).  Where seccomp is not
 * available the child parses without it and says so on stderr.  Returns
 * MQ_OK (the parse outcome is r->err) or MQ_EIO when the child failed or
 * was killed.
 */
int mq_sandbox_parse(struct mq_req *r, const struct mq_req_env *e,
    FILE *body);

#endif /* MQ_SANDBOX_H */

/*
 * mq_tmpl.h - the HTML templates of templates/, compiled once, rendered
 * many times.
 *
 * Syntax (deliberately small; there is no code in a template):
 *   {{name}}            the variable, escaped as HTML text
 *   {{name|attr}}       escaped for a double-quoted attribute
 *   {{name|url}}        percent-encoded for a URL component
 *   {{name|json}}       escaped for the inside of a JSON string
 *   {{name|html}}       inserted as is: only for fragments that were
 *                       themselves rendered from templates
 *   {{?name}}...{{/name}}   kept when name is non-empty
 *   {{!name}}...{{/name}}   kept when name is empty
 * Everything else is copied verbatim.  Loading checks the syntax (unknown
 * filter, unbalanced sections) and reports "file:line: problem".
 */
#ifndef MQ_TMPL_H
#define MQ_TMPL_H

#include <stddef.h>

#include "mq_buf.h"

struct mq_tseg;

struct mq_tmpl {
	char *path;		/* for messages */
	char *src;		/* the template text */
	struct mq_tseg *seg;
	size_t nseg;
};

/* A variable for rendering: name and value (NULL means empty). */
struct mq_tvar {
	const char *name;
	const char *value;
};

/*
 * Load and compile the template at path.  Returns MQ_OK, MQ_EIO when it
 * cannot be read, MQ_EDATA on a syntax error (message names file:line),
 * MQ_ENOMEM.
 */
int mq_tmpl_load(struct mq_tmpl *t, const char *path);

/*
 * Append t rendered with vars[0..n-1] to out.  A variable the template
 * uses but vars lacks is an error (MQ_EDATA, naming template and
 * variable), so a typo never renders as an empty string.
 */
int mq_tmpl_render(const struct mq_tmpl *t, const struct mq_tvar *vars,
    size_t n, struct mq_buf *out);

/* Free what t owns.  NULL accepted. */
void mq_tmpl_release(struct mq_tmpl *t);

#endif /* MQ_TMPL_H */

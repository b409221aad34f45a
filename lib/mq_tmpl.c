/*
 * mq_tmpl.c - compile templates into segments; render with escaping.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq_err.h"
#include "mq_esc.h"
#include "mq_tmpl.h"

enum seg_kind { SEG_TEXT, SEG_VAR, SEG_IF, SEG_UNLESS, SEG_END };

struct mq_tseg {
	enum seg_kind kind;
	const char *p;		/* text, or variable name (in src) */
	size_t n;
	enum mq_esc esc;
	size_t end;		/* SEG_IF/UNLESS: index of the matching END */
	unsigned line;
};

void
mq_tmpl_release(struct mq_tmpl *t)
{
	if (t == NULL)
		return;
	free(t->path);
	free(t->src);
	free(t->seg);
	memset(t, 0, sizeof(*t));
}

static int
read_all(const char *path, char **out)
{
	struct mq_buf b = MQ_BUF_INIT;
	int rc;

	if ((rc = mq_buf_read_file(&b, path)) == MQ_OK) {
		mq_buf_add(&b, "", 0);	/* an empty template still gets a NUL */
		rc = mq_buf_ok(&b);
	}
	if (rc)
		mq_buf_release(&b);
	else
		*out = b.s;
	return rc;
}

static unsigned
line_of(const char *src, const char *p)
{
	unsigned line = 1;

	for (; src < p; src++)
		line += *src == '\n';
	return line;
}

int
mq_tmpl_load(struct mq_tmpl *t, const char *path)
{
	size_t cap = 16, stack[32], depth = 0;
	const char *p, *open, *close;
	int rc;

	memset(t, 0, sizeof(*t));
	if ((t->path = strdup(path)) == NULL)
		return mq_oom();
	if ((rc = read_all(path, &t->src))) {
		mq_tmpl_release(t);
		return rc;
	}
	if ((t->seg = mq_allocarray(cap, sizeof(*t->seg))) == NULL)
		goto oom;
	for (p = t->src; *p; ) {
		struct mq_tseg s;

		memset(&s, 0, sizeof(s));
		if (t->nseg + 1 >= cap) {
			struct mq_tseg *ns = mq_reallocarray(t->seg, cap * 2,
			    sizeof(*ns));

			if (ns == NULL)
				goto oom;
			t->seg = ns;
			cap *= 2;
		}
		open = strstr(p, "{{");
		if (open != p) {
			s.kind = SEG_TEXT;
			s.p = p;
			s.n = open ? (size_t)(open - p) : strlen(p);
			t->seg[t->nseg++] = s;
			p += s.n;
			continue;
		}
		s.line = line_of(t->src, open);
		if ((close = strstr(open + 2, "}}")) == NULL) {
			mq_warnx("%s:%u: '{{' without '}}'", path, s.line);
			goto syntax;
		}
		s.p = open + 3;
		s.n = (size_t)(close - open - 3);
		s.esc = MQ_ESC_TEXT;
		switch (open[2]) {
		case '?':
			s.kind = SEG_IF;
			break;
		case '!':
			s.kind = SEG_UNLESS;
			break;
		case '/':
			s.kind = SEG_END;
			break;
		default:
			s.kind = SEG_VAR;
			s.p = open + 2;
			s.n = (size_t)(close - open - 2);
			break;
		}
		if (s.kind == SEG_VAR) {
			const char *bar = memchr(s.p, '|', s.n);

			if (bar) {
				size_t fl = s.n - (size_t)(bar - s.p) - 1;

				if (fl == 4 && !memcmp(bar + 1, "attr", 4))
					s.esc = MQ_ESC_ATTR;
				else if (fl == 3 && !memcmp(bar + 1, "url", 3))
					s.esc = MQ_ESC_URL;
				else if (fl == 4 && !memcmp(bar + 1, "json", 4))
					s.esc = MQ_ESC_JSON;
				else if (fl == 4 && !memcmp(bar + 1, "html", 4))
					s.esc = MQ_ESC_RAW;
				else {
					mq_warnx("%s:%u: unknown filter '%.*s'",
					    path, s.line, (int)fl, bar + 1);
					goto syntax;
				}
				s.n = (size_t)(bar - s.p);
			}
		}
		if (s.n == 0 || strcspn(s.p, " \t\n{}|") < s.n) {
			mq_warnx("%s:%u: bad name in '%.*s'", path, s.line,
			    (int)(close - open + 2), open);
			goto syntax;
		}
		if (s.kind == SEG_IF || s.kind == SEG_UNLESS) {
			if (depth == sizeof(stack) / sizeof(stack[0])) {
				mq_warnx("%s:%u: sections nested too deep",
				    path, s.line);
				goto syntax;
			}
			stack[depth++] = t->nseg;
		} else if (s.kind == SEG_END) {
			struct mq_tseg *o;

			if (depth == 0) {
				mq_warnx("%s:%u: '{{/%.*s}}' closes nothing",
				    path, s.line, (int)s.n, s.p);
				goto syntax;
			}
			o = &t->seg[stack[--depth]];
			if (o->n != s.n || memcmp(o->p, s.p, s.n)) {
				mq_warnx("%s:%u: '{{/%.*s}}' closes '%.*s' "
				    "opened at line %u", path, s.line,
				    (int)s.n, s.p, (int)o->n, o->p, o->line);
				goto syntax;
			}
			o->end = t->nseg;
		}
		t->seg[t->nseg++] = s;
		p = close + 2;
	}
	if (depth) {
		struct mq_tseg *o = &t->seg[stack[depth - 1]];

		mq_warnx("%s:%u: section '%.*s' is not closed", path, o->line,
		    (int)o->n, o->p);
		goto syntax;
	}
	return MQ_OK;
syntax:
	mq_tmpl_release(t);
	return MQ_EDATA;
oom:
	mq_tmpl_release(t);
	return mq_oom();
}

/* The value of variable name, or NULL (*found says whether it exists). */
static const char *
lookup(const struct mq_tvar *vars, size_t n, const char *name, size_t len,
    int *found)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(vars[i].name) == len &&
		    !memcmp(vars[i].name, name, len)) {
			*found = 1;
			return vars[i].value;
		}
	*found = 0;
	return NULL;
}

int
mq_tmpl_render(const struct mq_tmpl *t, const struct mq_tvar *vars,
    size_t n, struct mq_buf *out)
{
	size_t i;
	int found;

	/* every variable, also in sections skipped this time, must be set */
	for (i = 0; i < t->nseg; i++) {
		const struct mq_tseg *s = &t->seg[i];

		if (s->kind == SEG_TEXT || s->kind == SEG_END)
			continue;
		(void)lookup(vars, n, s->p, s->n, &found);
		if (!found) {
			mq_warnx("%s:%u: variable '%.*s' is not set",
			    t->path, s->line, (int)s->n, s->p);
			return MQ_EDATA;
		}
	}

	for (i = 0; i < t->nseg; i++) {
		const struct mq_tseg *s = &t->seg[i];
		const char *v;
		int empty;

		switch (s->kind) {
		case SEG_TEXT:
			mq_buf_add(out, s->p, s->n);
			break;
		case SEG_END:
			break;
		default:
			v = lookup(vars, n, s->p, s->n, &found);
			empty = v == NULL || *v == '\0';
			if (s->kind == SEG_VAR) {
				if (!empty)
					mq_esc(out, s->esc, v);
			} else if ((s->kind == SEG_IF) == empty)
				i = s->end;	/* skip the section */
			break;
		}
	}
	return mq_buf_ok(out);
}

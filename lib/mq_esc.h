/*
 * mq_esc.h - escaping by output context, all in one place (cgit html.c).
 *
 * Every byte that reaches HTML or JSON goes through one of these.  The
 * contexts (OWASP XSS prevention rules 1, 2 and 5, and JSON per RFC 8259):
 *   text   element content: & < > " ' become entities
 *   attr   a double-quoted attribute value: the same set plus ` and =
 *   url    a URL path segment or query value: percent-encode all but
 *          A-Z a-z 0-9 - . _ ~
 *   json   the inside of a JSON string: " \ and control characters, and
 *          < > & U+2028 U+2029 as \u escapes so the JSON is also safe
 *          inside an HTML <script> element
 * Input is UTF-8; invalid bytes are replaced by U+FFFD in text, attr and
 * json, so the output is always valid UTF-8.
 */
#ifndef MQ_ESC_H
#define MQ_ESC_H

#include <stdint.h>

#include "mq_buf.h"

enum mq_esc { MQ_ESC_TEXT, MQ_ESC_ATTR, MQ_ESC_URL, MQ_ESC_JSON,
    MQ_ESC_RAW };

/* Append s escaped for context e to b.  MQ_ESC_RAW copies s unchanged. */
void mq_esc(struct mq_buf *b, enum mq_esc e, const char *s);

/*
 * The same for n bytes of s (NULs are escaped or dropped, never copied,
 * except by MQ_ESC_RAW, which copies its n bytes as they are).
 */
void mq_esc_n(struct mq_buf *b, enum mq_esc e, const char *s, size_t n);

/*
 * Decode the UTF-8 sequence at s (n > 0 bytes left), strictly (RFC 3629):
 * returns its length, 1 to 4, and stores its code point in *cp, or returns
 * 0 and leaves *cp alone when it is invalid or cut (overlong forms,
 * surrogates, beyond U+10FFFF).
 */
size_t mq_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* Whether the n bytes at s are valid UTF-8. */
int mq_utf8_valid(const char *s, size_t n);

/* Append s as a quoted JSON string ("..." with mq_esc MQ_ESC_JSON). */
void mq_esc_jstr(struct mq_buf *b, const char *s);

#endif /* MQ_ESC_H */

/*
 * mq_esc.c - context escaping for HTML text, attributes, URLs and JSON.
 */
#include <string.h>

#include "mq_esc.h"

size_t
mq_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

static const char hex[] = "0123456789ABCDEF";

void
mq_esc_n(struct mq_buf *b, enum mq_esc e, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run;
	uint32_t cp;

	if (e == MQ_ESC_RAW) {
		mq_buf_add(b, str, n);
		return;
	}
	while (i < n) {
		unsigned char c = s[i];

		if (e == MQ_ESC_URL) {
			if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
			    c == '_' || c == '~')
				mq_buf_addc(b, (char)c);
			else {
				char pct[3] = { '%', hex[c >> 4], hex[c & 15] };

				mq_buf_add(b, pct, 3);
			}
			i++;
			continue;
		}
		if (c >= 0x80) {
			if ((run = mq_utf8_next(s + i, n - i, &cp)) == 0) {
				mq_buf_adds(b, "\xef\xbf\xbd");	/* U+FFFD */
				i++;
				continue;
			}
			/* U+2028 and U+2029 end lines in JavaScript */
			if (e == MQ_ESC_JSON && run == 3 && c == 0xe2 &&
			    s[i + 1] == 0x80 && (s[i + 2] == 0xa8 ||
			    s[i + 2] == 0xa9)) {
				mq_buf_adds(b, s[i + 2] == 0xa8 ? "\\u2028" :
				    "\\u2029");
				i += 3;
				continue;
			}
			mq_buf_add(b, s + i, run);
			i += run;
			continue;
		}
		if (e == MQ_ESC_JSON) {
			switch (c) {
			case '"':
				mq_buf_adds(b, "\\\"");
				break;
			case '\\':
				mq_buf_adds(b, "\\\\");
				break;
			case '\n':
				mq_buf_adds(b, "\\n");
				break;
			case '\t':
				mq_buf_adds(b, "\\t");
				break;
			case '\r':
				mq_buf_adds(b, "\\r");
				break;
			case '<': case '>': case '&':
				mq_buf_printf(b, "\\u%04x", c);
				break;
			default:
				if (c < 0x20 || c == 0x7f)
					mq_buf_printf(b, "\\u%04x", c);
				else
					mq_buf_addc(b, (char)c);
			}
			i++;
			continue;
		}
		switch (c) {
		case '&':
			mq_buf_adds(b, "&amp;");
			break;
		case '<':
			mq_buf_adds(b, "&lt;");
			break;
		case '>':
			mq_buf_adds(b, "&gt;");
			break;
		case '"':
			mq_buf_adds(b, "&quot;");
			break;
		case '\'':
			mq_buf_adds(b, "&#39;");
			break;
		case '`':
			mq_buf_adds(b, e == MQ_ESC_ATTR ? "&#96;" : "`");
			break;
		case '=':
			mq_buf_adds(b, e == MQ_ESC_ATTR ? "&#61;" : "=");
			break;
		default:
			/* control characters other than tab and newline are
			   not allowed in HTML text: drop them */
			if (c >= 0x20 || c == '\t' || c == '\n')
				mq_buf_addc(b, (char)c);
		}
		i++;
	}
}

void
mq_esc(struct mq_buf *b, enum mq_esc e, const char *s)
{
	mq_esc_n(b, e, s, strlen(s));
}

int
mq_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if ((len = mq_utf8_next(s + i, n - i, &cp)) == 0)
			return 0;
		i += len;
	}
	return 1;
}

void
mq_esc_jstr(struct mq_buf *b, const char *s)
{
	mq_buf_addc(b, '"');
	mq_esc(b, MQ_ESC_JSON, s ? s : "");
	mq_buf_addc(b, '"');
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.c: escaping JSON writer over evbuffers for the status socket.
 * Output only; allocation failures show as a truncated document, which
 * the reader rejects.
 */
#include "config.h"

#include <inttypes.h>

#include "json.h"

/*
 * The length of the well-formed UTF-8 sequence of a non-ASCII lead byte at
 * p (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF),
 * or 0.  The NUL ending the string is no continuation byte, so a sequence
 * cut short there is 0 too.
 */
static size_t
json_utf8_len(const unsigned char *p)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* The second byte's range excludes the forms named above. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void
json_quote(struct evbuffer *out, const char *s)
{
	const unsigned char	*p;
	size_t			 n;

	evbuffer_add(out, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			evbuffer_add_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			evbuffer_add_printf(out, "\\u%04x", *p);
		else if (*p < 0x80)
			evbuffer_add(out, p, 1);
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			/* C1 controls (CSI is U+009B) escaped, like C0:
			 * names reach terminals. */
			evbuffer_add_printf(out, "\\u%04x", p[1]);
			p++;
		} else if ((n = json_utf8_len(p)) > 0) {
			evbuffer_add(out, p, n);
			p += n - 1;
		} else
			evbuffer_add(out, "\\ufffd", 6);
	}
	evbuffer_add(out, "\"", 1);
}

static void
json_key(struct evbuffer *out, const char *key, int first)
{
	if (!first)
		evbuffer_add(out, ",", 1);
	json_quote(out, key);
	evbuffer_add(out, ":", 1);
}

void
json_str(struct evbuffer *out, const char *key, const char *val, int first)
{
	json_key(out, key, first);
	if (val == NULL)
		evbuffer_add(out, "null", 4);
	else
		json_quote(out, val);
}

void
json_u64(struct evbuffer *out, const char *key, uint64_t val, int first)
{
	json_key(out, key, first);
	evbuffer_add_printf(out, "%" PRIu64, val);
}

void
json_bool(struct evbuffer *out, const char *key, int val, int first)
{
	json_key(out, key, first);
	if (val)
		evbuffer_add(out, "true", 4);
	else
		evbuffer_add(out, "false", 5);
}

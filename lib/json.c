/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.c: escaping JSON writer over evbuffers for the status socket.
 * Output only; allocation failures show as a truncated document, which
 * the reader rejects.
 */
#include "config.h"

#include <inttypes.h>

#include "json.h"

void
json_quote(struct evbuffer *out, const char *s)
{
	const unsigned char	*p;

	evbuffer_add(out, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			evbuffer_add_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			evbuffer_add_printf(out, "\\u%04x", *p);
		else
			evbuffer_add(out, p, 1);
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

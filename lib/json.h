/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h: the little JSON the status socket needs, written into an
 * evbuffer.  Strings are escaped so that any byte (a file name is any
 * bytes) yields valid JSON: control characters, quotes and backslashes
 * escaped, bytes >= 0x80 written as \u00XX (read as Latin-1).
 */
#ifndef JSON_H
#define JSON_H

#include <stdint.h>

#include <event2/buffer.h>

/* "key": "value" (value may be NULL: null), with a leading comma unless first. */
void	json_str(struct evbuffer *out, const char *key, const char *val,
	    int first);
/* "key": number */
void	json_u64(struct evbuffer *out, const char *key, uint64_t val, int first);
/* "key": true/false */
void	json_bool(struct evbuffer *out, const char *key, int val, int first);
/* A string value alone, escaped and quoted. */
void	json_quote(struct evbuffer *out, const char *s);

#endif /* JSON_H */

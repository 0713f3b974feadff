/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h: the little JSON the status socket needs, written into an
 * evbuffer.  Strings are escaped so that any bytes (a file name is any
 * bytes) yield valid JSON: control characters, DEL, quotes and backslashes
 * escaped, well-formed UTF-8 written as it is, and each byte of anything
 * else >= 0x80 written as \ufffd (the replacement character).
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

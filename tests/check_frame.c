/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_frame.c: unit tests of the wire codec: frame.c (header encode and
 * parse, capability payloads) and framebuf.c (the decoder and encoder over
 * evbuffers).  The 2011 captures in tests/data are the reference: they must
 * decode to the frames listed in tests/data/README, whatever way the bytes
 * arrive, and re-encode to the same bytes.  Each case owns the evbuffers it
 * creates and frees them; random data comes from a seeded PRNG.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "checkmain.h"
#include "frame.h"
#include "framebuf.h"
#include "vios.h"

/* Tokens of the captured session (tests/data/README). */
#define VEC_G		0x2f7c7a5cU
#define VEC_H		0x544e7e29U
#define VEC_HELLO	"hello vios\n"
#define VEC_HELLO_LEN	11

#define GUEST_VEC	"orig-echo-guest-to-host.bin"
#define GUEST_VEC_LEN	11843
#define GUEST_VEC_PRE	11776	/* bytes of 'V' before the SYN */
#define HOST_VEC	"orig-echo-host-to-guest.bin"
#define HOST_VEC_LEN	39

#define LONG_RUN	100000		/* 'V' bytes before a frame */
#define JUNK_TOTAL	(1024 * 1024)	/* bytes of junk, memory-bound cases */
#define NRANDOM		2000		/* frames of the random stream case */

/* One expected frame. */
struct tframe {
	uint8_t		 ctrl;
	uint32_t	 gtok;
	uint32_t	 htok;
	uint16_t	 len;
	const uint8_t	*payload;
};

static const struct tframe guest_frames[] = {
	{ VIOS_SYN, VEC_G, VIOS_TOKEN_UNKNOWN, 0, NULL },
	{ VIOS_ACK, VEC_G, VEC_H, 0, NULL },
	{ VIOS_DATA, VEC_G, VEC_H, VEC_HELLO_LEN, (const uint8_t *)VEC_HELLO },
	{ VIOS_RESET, VEC_G, VEC_H, 0, NULL },
};

static const struct tframe host_frames[] = {
	{ VIOS_SYNACK, VEC_G, VEC_H, 0, NULL },
	{ VIOS_DATA, VEC_G, VEC_H, VEC_HELLO_LEN, (const uint8_t *)VEC_HELLO },
};

/* The headers exactly as tests/data/README lists them. */
static const uint8_t readme_hdrs[][VIOS_HDR_LEN] = {
	{ 0x56, 0x53, 0x31, 0x41, 0x2f, 0x7c, 0x7a, 0x5c,
	  0x3f, 0x3f, 0x3f, 0x3f, 0x00, 0x00 },
	{ 0x56, 0x53, 0x31, 0x42, 0x2f, 0x7c, 0x7a, 0x5c,
	  0x54, 0x4e, 0x7e, 0x29, 0x00, 0x00 },
	{ 0x56, 0x53, 0x31, 0x44, 0x2f, 0x7c, 0x7a, 0x5c,
	  0x54, 0x4e, 0x7e, 0x29, 0x00, 0x0b },
	{ 0x56, 0x53, 0x31, 0x48, 0x2f, 0x7c, 0x7a, 0x5c,
	  0x54, 0x4e, 0x7e, 0x29, 0x00, 0x00 },
	{ 0x56, 0x53, 0x31, 0x43, 0x2f, 0x7c, 0x7a, 0x5c,
	  0x54, 0x4e, 0x7e, 0x29, 0x00, 0x00 },
	{ 0x56, 0x53, 0x31, 0x48, 0x52, 0x52, 0x52, 0x52,
	  0x52, 0x52, 0x52, 0x52, 0x00, 0x00 },
};

static const struct tframe readme_frames[] = {
	{ VIOS_SYN, VEC_G, VIOS_TOKEN_UNKNOWN, 0, NULL },
	{ VIOS_ACK, VEC_G, VEC_H, 0, NULL },
	{ VIOS_DATA, VEC_G, VEC_H, VEC_HELLO_LEN, NULL },
	{ VIOS_RESET, VEC_G, VEC_H, 0, NULL },
	{ VIOS_SYNACK, VEC_G, VEC_H, 0, NULL },
	{ VIOS_RESET, VIOS_TOKEN_NONE, VIOS_TOKEN_NONE, 0, NULL },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * An assertion for hot loops: check's ck_assert_*() records the location
 * of every passing check through the fork-mode pipe, which would dominate
 * a case that decodes thousands of streams; this one only speaks on failure.
 */
#define CHECK(cond, ...)	do {					\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

struct vec {
	const char		*file;
	size_t			 size;
	size_t			 preamble;
	const struct tframe	*frames;
	size_t			 nframes;
};

static const struct vec vecs[] = {
	{ GUEST_VEC, GUEST_VEC_LEN, GUEST_VEC_PRE, guest_frames,
	    NELEM(guest_frames) },
	{ HOST_VEC, HOST_VEC_LEN, 0, host_frames, NELEM(host_frames) },
};

/* A decoder run checked frame by frame against a list of expected frames. */
struct expect {
	const struct tframe	*f;
	size_t			 n;
	size_t			 got;
	struct framebuf_stats	 st;
};

/* xorshift64*: deterministic, seeded per case. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static uint32_t
rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(rng_next(s) >> 32) % n;
}

/* Read a whole test vector and check its size; the caller frees it. */
static uint8_t *
vec_read(const struct vec *v)
{
	char	 path[4096];
	FILE	*f;
	uint8_t	*buf;
	size_t	 n;

	snprintf(path, sizeof(path), "%s/%s", VIOS_TESTDATA, v->file);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	buf = malloc(v->size + 1);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, v->size + 1, f);
	fclose(f);
	ck_assert_msg(n == v->size, "%s: %zu bytes, expected %zu", path, n,
	    v->size);
	return buf;
}

static struct evbuffer *
buf_new(void)
{
	struct evbuffer	*b = evbuffer_new();

	ck_assert_ptr_nonnull(b);
	return b;
}

/* Only fails loudly: a passing ck_assert costs a pipe write per byte fed. */
static void
buf_add(struct evbuffer *b, const void *p, size_t n)
{
	if (evbuffer_add(b, p, n) != 0)
		ck_abort_msg("evbuffer_add of %zu bytes failed", n);
}

static void
expect_init(struct expect *x, const struct tframe *f, size_t n)
{
	memset(x, 0, sizeof(*x));
	x->f = f;
	x->n = n;
}

/* Decode every whole frame in "in", each checked against the next expected. */
static void
expect_run(struct evbuffer *in, struct expect *x)
{
	const struct tframe	*f;
	struct frame_hdr	 h;
	const uint8_t		*p;

	while (framebuf_next(in, &h, &x->st) == 1) {
		CHECK(x->got < x->n, "frame %zu decoded, only %zu "
		    "expected", x->got + 1, x->n);
		f = &x->f[x->got];
		CHECK(h.ctrl == f->ctrl, "frame %zu: ctrl 0x%02x, "
		    "expected 0x%02x", x->got, h.ctrl, f->ctrl);
		CHECK(h.gtok == f->gtok, "frame %zu: gtok 0x%08x, "
		    "expected 0x%08x", x->got, h.gtok, f->gtok);
		CHECK(h.htok == f->htok, "frame %zu: htok 0x%08x, "
		    "expected 0x%08x", x->got, h.htok, f->htok);
		CHECK(h.len == f->len, "frame %zu: len %u, expected %u",
		    x->got, h.len, f->len);
		/* Exactly the payload leads the buffer now. */
		CHECK(evbuffer_get_length(in) >= h.len, "frame %zu: %zu "
		    "bytes left, payload %u", x->got, evbuffer_get_length(in),
		    h.len);
		if (h.len > 0) {
			p = evbuffer_pullup(in, h.len);
			CHECK(p != NULL && memcmp(p, f->payload, h.len) == 0,
			    "frame %zu: payload differs", x->got);
			evbuffer_drain(in, h.len);
		}
		x->got++;
	}
}

/* Feed len bytes in pieces of chunk bytes, decoding after each piece. */
static void
feed(struct evbuffer *in, const uint8_t *b, size_t len, size_t chunk,
    struct expect *x)
{
	size_t	 off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		buf_add(in, b + off, n);
		expect_run(in, x);
	}
}

static void
expect_done(struct evbuffer *in, const struct expect *x)
{
	CHECK(x->got == x->n, "%zu frames decoded, expected %zu", x->got,
	    x->n);
	CHECK(x->st.frames == x->n, "stats: %ju frames, expected %zu",
	    (uintmax_t)x->st.frames, x->n);
	CHECK(evbuffer_get_length(in) == 0, "%zu bytes left over",
	    evbuffer_get_length(in));
}

/* Encode frames with framebuf_put, appended to out. */
static void
put_frames(struct evbuffer *out, const struct tframe *f, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(framebuf_put(out, f[i].ctrl, f[i].gtok,
		    f[i].htok, f[i].payload, f[i].len), 0);
}

/* The contents of b, which must be exactly len bytes equal to p. */
static void
buf_eq(struct evbuffer *b, const void *p, size_t len)
{
	const uint8_t	*q;

	ck_assert_uint_eq(evbuffer_get_length(b), len);
	if (len == 0)
		return;
	q = evbuffer_pullup(b, -1);
	ck_assert_ptr_nonnull(q);
	ck_assert_mem_eq(q, p, len);
}

/* --- frame.c: headers ----------------------------------------------------- */

START_TEST(hdr_encode_readme)
{
	uint8_t			 out[VIOS_HDR_LEN];
	struct frame_hdr	 h;
	size_t			 i;

	for (i = 0; i < NELEM(readme_frames); i++) {
		h.ctrl = readme_frames[i].ctrl;
		h.gtok = readme_frames[i].gtok;
		h.htok = readme_frames[i].htok;
		h.len = readme_frames[i].len;
		memset(out, 0xee, sizeof(out));
		frame_hdr_encode(out, &h);
		ck_assert_mem_eq(out, readme_hdrs[i], VIOS_HDR_LEN);
	}
}
END_TEST

START_TEST(hdr_parse_readme)
{
	struct frame_hdr	 h;
	size_t			 i;

	for (i = 0; i < NELEM(readme_frames); i++) {
		memset(&h, 0, sizeof(h));
		ck_assert_int_eq(frame_hdr_parse(readme_hdrs[i], VIOS_HDR_LEN,
		    &h), FRAME_OK);
		ck_assert_uint_eq(h.ctrl, readme_frames[i].ctrl);
		ck_assert_uint_eq(h.gtok, readme_frames[i].gtok);
		ck_assert_uint_eq(h.htok, readme_frames[i].htok);
		ck_assert_uint_eq(h.len, readme_frames[i].len);
	}
}
END_TEST

START_TEST(hdr_roundtrip)
{
	static const struct frame_hdr	 hs[] = {
		{ VIOS_SYN, 0, 0, 0 },
		{ VIOS_DATA, 0xffffffffU, 0xffffffffU, 0xffff },
		{ VIOS_RESET, 0x01020304U, 0xa0b0c0d0U, 0x1234 },
		{ 0x00, 0x80000000U, 0x00000001U, 1 },
		{ 0xff, VIOS_TOKEN_UNKNOWN, VIOS_TOKEN_NONE, 0x8000 },
		{ 'Z', 0x56533156U, 0x53315653U, 0x5653 },
	};
	static const uint8_t	 raw2[VIOS_HDR_LEN] = {
		0x56, 0x53, 0x31, 0x48, 0x01, 0x02, 0x03, 0x04,
		0xa0, 0xb0, 0xc0, 0xd0, 0x12, 0x34
	};
	uint8_t			 out[VIOS_HDR_LEN];
	struct frame_hdr	 h;
	size_t			 i;

	for (i = 0; i < NELEM(hs); i++) {
		frame_hdr_encode(out, &hs[i]);
		ck_assert_uint_eq(out[0], VIOS_SYNC0);
		ck_assert_uint_eq(out[1], VIOS_SYNC1);
		ck_assert_uint_eq(out[2], VIOS_VERSION);
		if (i == 2)
			ck_assert_mem_eq(out, raw2, VIOS_HDR_LEN);
		memset(&h, 0x5a, sizeof(h));
		ck_assert_int_eq(frame_hdr_parse(out, sizeof(out), &h),
		    FRAME_OK);
		ck_assert_uint_eq(h.ctrl, hs[i].ctrl);
		ck_assert_uint_eq(h.gtok, hs[i].gtok);
		ck_assert_uint_eq(h.htok, hs[i].htok);
		ck_assert_uint_eq(h.len, hs[i].len);
	}
}
END_TEST

/* Loop over n = 0 .. VIOS_HDR_LEN - 1: every prefix of a header is SHORT. */
START_TEST(hdr_parse_prefix)
{
	struct frame_hdr	 h;
	size_t			 n = (size_t)_i;

	ck_assert_int_eq(frame_hdr_parse(readme_hdrs[2], n, &h), FRAME_SHORT);
	ck_assert_int_eq(frame_hdr_parse(readme_hdrs[2], n + 1, &h),
	    n + 1 == VIOS_HDR_LEN ? FRAME_OK : FRAME_SHORT);
}
END_TEST

/* Loop over the byte position 0 (sync0), 1 (sync1), 2 (version). */
START_TEST(hdr_parse_bad)
{
	uint8_t			 raw[VIOS_HDR_LEN];
	struct frame_hdr	 h;
	unsigned		 b;
	size_t			 pos = (size_t)_i, n;

	for (b = 0; b < 256; b++) {
		memcpy(raw, readme_hdrs[1], sizeof(raw));
		if (b == raw[pos])
			continue;
		raw[pos] = (uint8_t)b;
		/* Short of the wrong byte it is still a valid prefix. */
		for (n = 0; n <= pos; n++)
			ck_assert_int_eq(frame_hdr_parse(raw, n, &h),
			    FRAME_SHORT);
		for (n = pos + 1; n <= VIOS_HDR_LEN; n++)
			ck_assert_msg(frame_hdr_parse(raw, n, &h) == FRAME_BAD,
			    "byte %zu = 0x%02x, n %zu: not FRAME_BAD", pos, b,
			    n);
	}
}
END_TEST

/* --- the 2011 vectors --------------------------------------------------- */

/* Loop over vecs[]: the file is a preamble of 'V' and exactly its frames. */
START_TEST(vec_decode_whole)
{
	const struct vec	*v = &vecs[_i];
	struct evbuffer		*in = buf_new();
	struct expect		 x;
	uint8_t			*b = vec_read(v);
	size_t			 i;

	for (i = 0; i < v->preamble; i++)
		ck_assert_uint_eq(b[i], VIOS_SYNC0);
	ck_assert_uint_eq(b[v->preamble + 1], VIOS_SYNC1);
	expect_init(&x, v->frames, v->nframes);
	buf_add(in, b, v->size);
	expect_run(in, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.skipped, v->preamble);
	ck_assert_uint_eq(x.st.bad_version, 0);
	evbuffer_free(in);
	free(b);
}
END_TEST

/* Loop over vecs[]: one byte at a time, decoding until none is left. */
START_TEST(vec_decode_bytewise)
{
	const struct vec	*v = &vecs[_i];
	struct evbuffer		*in = buf_new();
	struct expect		 x;
	uint8_t			*b = vec_read(v);

	expect_init(&x, v->frames, v->nframes);
	feed(in, b, v->size, 1, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.skipped, v->preamble);
	ck_assert_uint_eq(x.st.bad_version, 0);
	evbuffer_free(in);
	free(b);
}
END_TEST

/* Loop over vecs[]: split into two parts at every offset (all of the file). */
START_TEST(vec_decode_split)
{
	const struct vec	*v = &vecs[_i];
	struct evbuffer		*in;
	struct expect		 x;
	uint8_t			*b = vec_read(v);
	size_t			 at;

	for (at = 0; at <= v->size; at++) {
		in = buf_new();
		expect_init(&x, v->frames, v->nframes);
		buf_add(in, b, at);
		expect_run(in, &x);
		/* Nothing but a trailing partial frame may stay buffered. */
		CHECK(evbuffer_get_length(in) < VIOS_HDR_LEN + VEC_HELLO_LEN,
		    "split at %zu: %zu bytes buffered", at,
		    evbuffer_get_length(in));
		buf_add(in, b + at, v->size - at);
		expect_run(in, &x);
		CHECK(x.got == x.n, "split at %zu: %zu frames, expected %zu",
		    at, x.got, x.n);
		expect_done(in, &x);
		CHECK(x.st.skipped == v->preamble, "split at %zu: skipped %ju",
		    at, (uintmax_t)x.st.skipped);
		evbuffer_free(in);
	}
	free(b);
}
END_TEST

/* Loop over vecs[]: random chunk sizes, several seeds. */
START_TEST(vec_decode_chunks)
{
	const struct vec	*v = &vecs[_i];
	struct evbuffer		*in;
	struct expect		 x;
	uint8_t			*b = vec_read(v);
	uint64_t		 rs = 0x9e3779b97f4a7c15ULL;
	size_t			 off, n;
	int			 round;

	for (round = 0; round < 200; round++) {
		in = buf_new();
		expect_init(&x, v->frames, v->nframes);
		for (off = 0; off < v->size; off += n) {
			n = 1 + rng_below(&rs, 40);
			if (n > v->size - off)
				n = v->size - off;
			buf_add(in, b + off, n);
			expect_run(in, &x);
		}
		expect_done(in, &x);
		evbuffer_free(in);
	}
	free(b);
}
END_TEST

START_TEST(vec_encode_guest)
{
	const struct vec	*v = &vecs[0];
	struct evbuffer		*out = buf_new();
	uint8_t			*b = vec_read(v);

	put_frames(out, v->frames, v->nframes);
	buf_eq(out, b + v->preamble, v->size - v->preamble);
	evbuffer_free(out);
	free(b);
}
END_TEST

START_TEST(vec_encode_host)
{
	const struct vec	*v = &vecs[1];
	struct evbuffer		*out = buf_new();
	uint8_t			*b = vec_read(v);

	put_frames(out, v->frames, v->nframes);
	buf_eq(out, b, v->size);
	evbuffer_free(out);
	free(b);
}
END_TEST

/* --- hunting: junk, 'V' runs, bad versions ------------------------------- */

/* Loop over seeds: random junk without 'V', then the host vector. */
START_TEST(junk_no_v)
{
	const struct vec	*v = &vecs[1];
	struct evbuffer		*in = buf_new();
	struct expect		 x;
	uint8_t			*b = vec_read(v), *junk;
	uint64_t		 rs = 0x1234567ULL + (uint64_t)_i;
	size_t			 jlen, i;

	jlen = 1 + rng_below(&rs, 5000);
	junk = malloc(jlen);
	ck_assert_ptr_nonnull(junk);
	for (i = 0; i < jlen; i++) {
		do
			junk[i] = (uint8_t)rng_next(&rs);
		while (junk[i] == VIOS_SYNC0);
	}
	expect_init(&x, v->frames, v->nframes);
	buf_add(in, junk, jlen);
	expect_run(in, &x);
	ck_assert_uint_eq(evbuffer_get_length(in), 0);
	ck_assert_uint_eq(x.got, 0);
	feed(in, b, v->size, _i % 2 == 0 ? v->size : 1, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.skipped, jlen);
	ck_assert_uint_eq(x.st.bad_version, 0);
	evbuffer_free(in);
	free(junk);
	free(b);
}
END_TEST

/* Loop over seeds: junk full of 'V' and 'S', never "VS", then a frame. */
START_TEST(junk_with_v)
{
	const struct vec	*v = &vecs[1];
	struct evbuffer		*in = buf_new();
	struct expect		 x;
	uint8_t			*b = vec_read(v), *junk;
	uint64_t		 rs = 0xabcdefULL + (uint64_t)_i;
	size_t			 jlen, i;

	jlen = 1 + rng_below(&rs, 5000);
	junk = malloc(jlen);
	ck_assert_ptr_nonnull(junk);
	for (i = 0; i < jlen; i++) {
		switch (rng_below(&rs, 4)) {
		case 0:
			junk[i] = VIOS_SYNC0;
			break;
		case 1:
			junk[i] = VIOS_SYNC1;
			break;
		case 2:
			junk[i] = VIOS_VERSION;
			break;
		default:
			junk[i] = (uint8_t)rng_next(&rs);
			break;
		}
		if (i > 0 && junk[i - 1] == VIOS_SYNC0 && junk[i] == VIOS_SYNC1)
			junk[i] = 's';
	}
	/* Every other seed ends the junk with a 'V', the frame's own run. */
	if (_i % 2 == 1)
		junk[jlen - 1] = VIOS_SYNC0;
	expect_init(&x, v->frames, v->nframes);
	feed(in, junk, jlen, 1 + (size_t)_i * 7, &x);
	ck_assert_uint_le(evbuffer_get_length(in), 1);
	feed(in, b, v->size, 1 + (size_t)_i * 5, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.skipped, jlen);
	ck_assert_uint_eq(x.st.bad_version, 0);
	evbuffer_free(in);
	free(junk);
	free(b);
}
END_TEST

START_TEST(junk_fixed)
{
	static const char	 junk[] = "xVxVVaV\001V\377VVVV1VV0SSS";
	struct evbuffer		*in = buf_new();
	struct expect		 x;

	expect_init(&x, host_frames, NELEM(host_frames));
	buf_add(in, junk, sizeof(junk) - 1);
	put_frames(in, host_frames, NELEM(host_frames));
	expect_run(in, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.skipped, sizeof(junk) - 1);
	evbuffer_free(in);
}
END_TEST

/* Loop: 0 whole, 1 in 4096-byte chunks, 2 byte by byte. */
START_TEST(long_v_run)
{
	static const size_t	 chunks[] = { LONG_RUN + 100, 4096, 1 };
	const struct vec	*v = &vecs[1];
	struct evbuffer		*in = buf_new();
	struct expect		 x;
	uint8_t			*b = vec_read(v), *s;

	s = malloc(LONG_RUN + v->size);
	ck_assert_ptr_nonnull(s);
	memset(s, VIOS_SYNC0, LONG_RUN);
	memcpy(s + LONG_RUN, b, v->size);
	expect_init(&x, v->frames, v->nframes);
	feed(in, s, LONG_RUN + v->size, chunks[_i], &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.skipped, LONG_RUN);
	ck_assert_uint_eq(x.st.bad_version, 0);
	evbuffer_free(in);
	free(s);
	free(b);
}
END_TEST

static const uint8_t bad_versions[] = {
	0x00, '0', '2', '9', 0x7f, 0x80, 0xff, VIOS_SYNC0, VIOS_SYNC1, 'A'
};

/* Loop over bad_versions[] x {whole, bytewise}: "VS" <bad> then a frame. */
START_TEST(bad_version)
{
	uint8_t			 ver = bad_versions[_i / 2];
	struct evbuffer		*in = buf_new(), *src = buf_new();
	struct expect		 x;
	const uint8_t		*p;
	size_t			 len;

	buf_add(src, "VS", 2);
	buf_add(src, &ver, 1);
	put_frames(src, host_frames, NELEM(host_frames));
	len = evbuffer_get_length(src);
	p = evbuffer_pullup(src, -1);
	expect_init(&x, host_frames, NELEM(host_frames));
	feed(in, p, len, _i % 2 == 0 ? len : 1, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.bad_version, 1);
	ck_assert_uint_eq(x.st.skipped, 3);
	evbuffer_free(in);
	evbuffer_free(src);
}
END_TEST

/*
 * A lone "VS" right before a frame: the frame's own 'V' is read as the bad
 * version byte, and hunting must resume on it, one byte on.  Loop: whole,
 * bytewise.
 */
START_TEST(bad_version_overlap)
{
	static const struct tframe	 f[] = {
		{ VIOS_SYN, VEC_G, VIOS_TOKEN_UNKNOWN, 0, NULL },
		{ VIOS_DATA, VEC_G, VEC_H, VEC_HELLO_LEN,
		    (const uint8_t *)VEC_HELLO },
		{ VIOS_SYNACK, VEC_G, VEC_H, 0, NULL },
	};
	struct evbuffer		*in = buf_new(), *src = buf_new();
	struct expect		 x;
	const uint8_t		*p;
	size_t			 len;

	buf_add(src, "VS", 2);
	put_frames(src, &f[0], 2);
	buf_add(src, "VSVS", 4);
	put_frames(src, &f[2], 1);
	len = evbuffer_get_length(src);
	p = evbuffer_pullup(src, -1);
	expect_init(&x, f, NELEM(f));
	feed(in, p, len, _i == 0 ? len : 1, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.bad_version, 3);
	ck_assert_uint_eq(x.st.skipped, 6);
	evbuffer_free(in);
	evbuffer_free(src);
}
END_TEST

/* A bad version after a 'V' run: "VVS0" and then a frame. */
START_TEST(bad_version_vvs0)
{
	struct evbuffer		*in = buf_new();
	struct expect		 x;

	buf_add(in, "VVS0", 4);
	put_frames(in, host_frames, NELEM(host_frames));
	expect_init(&x, host_frames, NELEM(host_frames));
	expect_run(in, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.bad_version, 1);
	ck_assert_uint_eq(x.st.skipped, 4);
	evbuffer_free(in);
}
END_TEST

/*
 * A bad header whose 14-byte window holds the start of a valid frame:
 * "VS2" then "VS3" then the frame.  Hunting resumes at the next byte, so
 * the valid frame inside the bad header's window is found.  Loop: whole,
 * bytewise.
 */
START_TEST(bad_version_nested)
{
	struct evbuffer		*in = buf_new(), *src = buf_new();
	struct expect		 x;
	const uint8_t		*p;
	size_t			 len;

	buf_add(src, "VS2VS3", 6);
	put_frames(src, guest_frames, NELEM(guest_frames));
	len = evbuffer_get_length(src);
	p = evbuffer_pullup(src, -1);
	expect_init(&x, guest_frames, NELEM(guest_frames));
	feed(in, p, len, _i == 0 ? len : 1, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.bad_version, 2);
	ck_assert_uint_eq(x.st.skipped, 6);
	evbuffer_free(in);
	evbuffer_free(src);
}
END_TEST

/* A whole bad-version header with a payload length: only 1 byte is lost. */
START_TEST(bad_version_whole_header)
{
	static const uint8_t	 bad[VIOS_HDR_LEN] = {
		0x56, 0x53, 0x32, 0x44, 0x2f, 0x7c, 0x7a, 0x5c,
		0x54, 0x4e, 0x7e, 0x29, 0xff, 0xff
	};
	struct evbuffer		*in = buf_new();
	struct expect		 x;

	buf_add(in, bad, sizeof(bad));
	put_frames(in, host_frames, NELEM(host_frames));
	expect_init(&x, host_frames, NELEM(host_frames));
	expect_run(in, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.bad_version, 1);
	ck_assert_uint_eq(x.st.skipped, sizeof(bad));
	evbuffer_free(in);
}
END_TEST

/* --- lengths and partial frames ------------------------------------------ */

START_TEST(zero_length_data)
{
	static const struct tframe	 f[] = {
		{ VIOS_DATA, VEC_G, VEC_H, 0, NULL },
		{ VIOS_DATA, VEC_G, VEC_H, 0, NULL },
		{ VIOS_DATA, VEC_G, VEC_H, VEC_HELLO_LEN,
		    (const uint8_t *)VEC_HELLO },
		{ VIOS_DATA, VEC_G, VEC_H, 0, NULL },
	};
	struct evbuffer		*in = buf_new();
	struct expect		 x;
	struct frame_hdr	 h;

	put_frames(in, f, 1);
	ck_assert_uint_eq(evbuffer_get_length(in), VIOS_HDR_LEN);
	ck_assert_int_eq(framebuf_next(in, &h, NULL), 1);
	ck_assert_uint_eq(h.ctrl, VIOS_DATA);
	ck_assert_uint_eq(h.len, 0);
	ck_assert_uint_eq(evbuffer_get_length(in), 0);
	ck_assert_int_eq(framebuf_next(in, &h, NULL), 0);

	put_frames(in, f, NELEM(f));
	expect_init(&x, f, NELEM(f));
	expect_run(in, &x);
	expect_done(in, &x);
	evbuffer_free(in);
}
END_TEST

/* Loop: chunk sizes whole, 1000, 1 (the payload holds frames of its own). */
START_TEST(max_length)
{
	static const size_t	 chunks[] = { 2 * VIOS_READ_MAX, 1000, 1 };
	struct tframe		 f[3];
	struct evbuffer		*in = buf_new(), *src = buf_new();
	struct expect		 x;
	uint8_t			*pl;
	const uint8_t		*p;
	size_t			 i, len;

	pl = malloc(VIOS_MAX_PAYLOAD);
	ck_assert_ptr_nonnull(pl);
	for (i = 0; i < VIOS_MAX_PAYLOAD; i++)
		pl[i] = (uint8_t)(i * 7 + i / 256);
	/* Valid-looking headers inside the payload are payload. */
	memcpy(pl + 100, readme_hdrs[4], VIOS_HDR_LEN);
	memcpy(pl + VIOS_MAX_PAYLOAD - VIOS_HDR_LEN, readme_hdrs[1],
	    VIOS_HDR_LEN);
	f[0] = (struct tframe){ VIOS_DATA, VEC_G, VEC_H, VIOS_MAX_PAYLOAD, pl };
	f[1] = (struct tframe){ VIOS_DATA, VEC_H, VEC_G, 1, pl + 1 };
	f[2] = (struct tframe){ VIOS_DATA, 1, 2, VIOS_MAX_PAYLOAD - 1, pl + 1 };
	put_frames(src, f, NELEM(f));
	len = evbuffer_get_length(src);
	ck_assert_uint_eq(len, 3 * VIOS_HDR_LEN + 2 * VIOS_MAX_PAYLOAD);
	p = evbuffer_pullup(src, -1);
	expect_init(&x, f, NELEM(f));
	feed(in, p, len, chunks[_i], &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.skipped, 0);
	evbuffer_free(in);
	evbuffer_free(src);
	free(pl);
}
END_TEST

START_TEST(truncated_header)
{
	struct evbuffer		*in = buf_new();
	struct frame_hdr	 h;
	size_t			 n;

	for (n = 1; n < VIOS_HDR_LEN; n++) {
		buf_add(in, readme_hdrs[2], n);
		ck_assert_int_eq(framebuf_next(in, &h, NULL), 0);
		ck_assert_uint_eq(evbuffer_get_length(in), n);
		buf_add(in, readme_hdrs[2] + n, VIOS_HDR_LEN - n);
		/* Header of an 11-byte DATA, no payload yet. */
		ck_assert_int_eq(framebuf_next(in, &h, NULL), 0);
		ck_assert_uint_eq(evbuffer_get_length(in), VIOS_HDR_LEN);
		buf_add(in, VEC_HELLO, VEC_HELLO_LEN);
		ck_assert_int_eq(framebuf_next(in, &h, NULL), 1);
		ck_assert_uint_eq(h.ctrl, VIOS_DATA);
		ck_assert_uint_eq(h.gtok, VEC_G);
		ck_assert_uint_eq(h.htok, VEC_H);
		ck_assert_uint_eq(h.len, VEC_HELLO_LEN);
		buf_eq(in, VEC_HELLO, VEC_HELLO_LEN);
		evbuffer_drain(in, VEC_HELLO_LEN);
	}
	evbuffer_free(in);
}
END_TEST

START_TEST(truncated_payload)
{
	struct evbuffer		*in = buf_new();
	struct frame_hdr	 h;
	size_t			 n;

	for (n = 0; n < VEC_HELLO_LEN; n++) {
		buf_add(in, readme_hdrs[2], VIOS_HDR_LEN);
		buf_add(in, VEC_HELLO, n);
		ck_assert_int_eq(framebuf_next(in, &h, NULL), 0);
		ck_assert_int_eq(framebuf_next(in, &h, NULL), 0);
		ck_assert_uint_eq(evbuffer_get_length(in), VIOS_HDR_LEN + n);
		buf_add(in, &VEC_HELLO[n], VEC_HELLO_LEN - n);
		ck_assert_int_eq(framebuf_next(in, &h, NULL), 1);
		ck_assert_uint_eq(h.len, VEC_HELLO_LEN);
		buf_eq(in, VEC_HELLO, VEC_HELLO_LEN);
		evbuffer_drain(in, VEC_HELLO_LEN);
	}
	evbuffer_free(in);
}
END_TEST

/* A partial frame dropped by framebuf_reset does not swallow the next. */
START_TEST(reset_partial)
{
	struct evbuffer		*in = buf_new();
	struct expect		 x;
	struct frame_hdr	 h;
	uint8_t			 big[VIOS_HDR_LEN];
	struct frame_hdr	 bh = { VIOS_DATA, VEC_G, VEC_H,
	    VIOS_MAX_PAYLOAD };

	/* A host that died 30 bytes into a 65535-byte DATA. */
	frame_hdr_encode(big, &bh);
	buf_add(in, big, sizeof(big));
	buf_add(in, "0123456789012345678901234567890", 30);
	ck_assert_int_eq(framebuf_next(in, &h, NULL), 0);
	ck_assert_uint_eq(evbuffer_get_length(in), VIOS_HDR_LEN + 30);
	framebuf_reset(in);
	ck_assert_uint_eq(evbuffer_get_length(in), 0);
	put_frames(in, host_frames, NELEM(host_frames));
	expect_init(&x, host_frames, NELEM(host_frames));
	expect_run(in, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.skipped, 0);

	/* Resetting an empty buffer is harmless. */
	framebuf_reset(in);
	ck_assert_uint_eq(evbuffer_get_length(in), 0);
	evbuffer_free(in);
}
END_TEST

/* framebuf_next leaves exactly h->len payload bytes, then the rest. */
START_TEST(leaves_payload)
{
	struct evbuffer		*in = buf_new();
	struct frame_hdr	 h;
	const uint8_t		*p;

	buf_add(in, readme_hdrs[2], VIOS_HDR_LEN);
	buf_add(in, VEC_HELLO, VEC_HELLO_LEN);
	buf_add(in, readme_hdrs[4], VIOS_HDR_LEN);
	buf_add(in, "VS", 2);
	ck_assert_int_eq(framebuf_next(in, &h, NULL), 1);
	ck_assert_uint_eq(h.len, VEC_HELLO_LEN);
	ck_assert_uint_eq(evbuffer_get_length(in),
	    VEC_HELLO_LEN + VIOS_HDR_LEN + 2);
	p = evbuffer_pullup(in, -1);
	ck_assert_mem_eq(p, VEC_HELLO, VEC_HELLO_LEN);
	ck_assert_mem_eq(p + VEC_HELLO_LEN, readme_hdrs[4], VIOS_HDR_LEN);
	evbuffer_drain(in, h.len);
	ck_assert_int_eq(framebuf_next(in, &h, NULL), 1);
	ck_assert_uint_eq(h.ctrl, VIOS_SYNACK);
	ck_assert_uint_eq(h.len, 0);
	ck_assert_int_eq(framebuf_next(in, &h, NULL), 0);
	buf_eq(in, "VS", 2);
	evbuffer_free(in);
}
END_TEST

/* --- memory bounds ------------------------------------------------------- */

/*
 * Loop over chunk sizes: 1 MiB of junk without "VS" leaves at most one
 * byte, a trailing 'V', buffered after each chunk.
 */
START_TEST(bounded_junk)
{
	static const size_t	 chunks[] = { 4096, 4093, 65549, 1 };
	size_t			 chunk = chunks[_i], fed, i, n, len;
	struct evbuffer		*in = buf_new();
	struct expect		 x;
	uint8_t			*c, last;
	uint64_t		 rs = 42 + (uint64_t)_i;

	c = malloc(chunk);
	ck_assert_ptr_nonnull(c);
	expect_init(&x, host_frames, NELEM(host_frames));
	for (fed = 0; fed < JUNK_TOTAL; fed += n) {
		n = chunk;
		for (i = 0; i < n; i++) {
			c[i] = (uint8_t)rng_next(&rs);
			if (c[i] == VIOS_SYNC1)
				c[i] = VIOS_SYNC0;
		}
		feed(in, c, n, n, &x);
		/* Exactly the trailing 'V' is kept, if there is one. */
		len = evbuffer_get_length(in);
		CHECK(len == (c[n - 1] == VIOS_SYNC0 ? 1U : 0U),
		    "%zu bytes fed: %zu buffered", fed + n, len);
		CHECK(len == 0 || (evbuffer_copyout(in, &last, 1) == 1 &&
		    last == VIOS_SYNC0), "%zu bytes fed: kept a byte not 'V'",
		    fed + n);
	}
	ck_assert_uint_eq(x.got, 0);
	put_frames(in, host_frames, NELEM(host_frames));
	expect_run(in, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.skipped, fed);
	evbuffer_free(in);
	free(c);
}
END_TEST

/* 1 MiB of "VS0" headers: bounded, every one counted as a bad version. */
START_TEST(bounded_bad_versions)
{
	struct evbuffer		*in = buf_new();
	struct expect		 x;
	uint8_t			 c[4096];
	size_t			 i, fed;

	for (i = 0; i < sizeof(c); i++)
		c[i] = "VS0"[i % 3];
	expect_init(&x, host_frames, NELEM(host_frames));
	for (fed = 0; fed < JUNK_TOTAL; fed += sizeof(c) - 1) {
		/* 4095 bytes: a multiple of 3, every chunk whole triples. */
		feed(in, c, sizeof(c) - 1, sizeof(c), &x);
		ck_assert_uint_eq(evbuffer_get_length(in), 0);
	}
	ck_assert_uint_eq(x.st.bad_version, fed / 3);
	/* Now cut mid-triple: at most "VS" stays. */
	feed(in, c, 2, 2, &x);
	ck_assert_uint_eq(evbuffer_get_length(in), 2);
	feed(in, c + 2, 1, 1, &x);
	ck_assert_uint_eq(evbuffer_get_length(in), 0);
	put_frames(in, host_frames, NELEM(host_frames));
	expect_run(in, &x);
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.bad_version, fed / 3 + 1);
	evbuffer_free(in);
}
END_TEST

/* --- a random stream: frames, junk and chunking, seeded ------------------ */

/* Loop over seeds. */
START_TEST(random_stream)
{
	static const uint8_t	 ctrls[] = { VIOS_SYN, VIOS_ACK, VIOS_SYNACK,
	    VIOS_DATA, VIOS_FIN, VIOS_RESET, 'Z', 0x00 };
	struct tframe		*f;
	struct evbuffer		*in = buf_new(), *src = buf_new();
	struct expect		 x;
	uint8_t			*pool, junk[64];
	const uint8_t		*p;
	uint64_t		 rs = 0xc0ffee00ULL + (uint64_t)_i;
	size_t			 i, j, jlen, len, off, n, plen = 3 * 65536;
	size_t			 jtotal = 0;

	f = calloc(NRANDOM, sizeof(*f));
	pool = malloc(plen);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(pool);
	/* Payload full of valid headers, which are payload all the same. */
	for (i = 0; i < plen; i++)
		pool[i] = i % 17 < VIOS_HDR_LEN ?
		    readme_hdrs[i % 6][i % 17] : (uint8_t)rng_next(&rs);
	for (i = 0; i < NRANDOM; i++) {
		f[i].ctrl = ctrls[rng_below(&rs, NELEM(ctrls))];
		f[i].gtok = (uint32_t)rng_next(&rs);
		f[i].htok = (uint32_t)rng_next(&rs);
		switch (rng_below(&rs, 8)) {
		case 0:
			f[i].len = VIOS_MAX_PAYLOAD;
			break;
		case 1:
		case 2:
			f[i].len = 0;
			break;
		case 3:
			f[i].len = (uint16_t)rng_next(&rs);
			break;
		default:
			f[i].len = (uint16_t)rng_below(&rs, 100);
			break;
		}
		f[i].payload = pool + rng_below(&rs, (uint32_t)(plen - 65536));
		/* Junk between frames: no "VS", ends in a 'V' run or not. */
		jlen = rng_below(&rs, 4) == 0 ?
		    rng_below(&rs, sizeof(junk)) : 0;
		for (j = 0; j < jlen; j++) {
			junk[j] = (uint8_t)rng_next(&rs);
			if (junk[j] == VIOS_SYNC1)
				junk[j] = VIOS_SYNC0;
		}
		buf_add(src, junk, jlen);
		jtotal += jlen;
		put_frames(src, &f[i], 1);
	}
	len = evbuffer_get_length(src);
	p = evbuffer_pullup(src, -1);
	expect_init(&x, f, NRANDOM);
	for (off = 0; off < len; off += n) {
		switch (rng_below(&rs, 4)) {
		case 0:
			n = 1 + rng_below(&rs, 16);
			break;
		case 1:
			n = 1 + rng_below(&rs, VIOS_READ_MAX);
			break;
		default:
			n = 1 + rng_below(&rs, 4096);
			break;
		}
		if (n > len - off)
			n = len - off;
		buf_add(in, p + off, n);
		expect_run(in, &x);
		/* One partial frame at most. */
		ck_assert_uint_lt(evbuffer_get_length(in), VIOS_READ_MAX);
	}
	expect_done(in, &x);
	ck_assert_uint_eq(x.st.skipped, jtotal);
	ck_assert_uint_eq(x.st.bad_version, 0);
	evbuffer_free(in);
	evbuffer_free(src);
	free(pool);
	free(f);
}
END_TEST

/* --- capabilities -------------------------------------------------------- */

static const struct {
	const char	*s;
	int		 caps;
} caps_cases[] = {
	{ "VIOSX1 fin", VIOS_CAP_FIN },
	{ "VIOSX1", 0 },
	{ "VIOSX1 ", 0 },
	{ "VIOSX1  fin  ", VIOS_CAP_FIN },
	{ "VIOSX1 fin unknown", VIOS_CAP_FIN },
	{ "VIOSX1 unknown fin", VIOS_CAP_FIN },
	{ "VIOSX1 fin fin", VIOS_CAP_FIN },
	{ "VIOSX1 fi", 0 },
	{ "VIOSX1 finx", 0 },
	{ "VIOSX1 xfin", 0 },
	{ "VIOSX1 unknown", 0 },
	{ "VIOSX1finx", -1 },
	{ "VIOSX1fin", -1 },
	{ "VIOSX1x", -1 },
	{ "VIOSX2 fin", -1 },
	{ "VIOSX10 fin", -1 },
	{ "viosx1 fin", -1 },
	{ " VIOSX1 fin", -1 },
	{ "VIOSX", -1 },
	{ "V", -1 },
	{ "fin", -1 },
	{ "", -1 },
};

/* Loop over caps_cases[]. */
START_TEST(caps_parse)
{
	const char	*s = caps_cases[_i].s;

	ck_assert_msg(frame_caps_parse((const uint8_t *)s, strlen(s)) ==
	    caps_cases[_i].caps, "\"%s\": %d, expected %d", s,
	    frame_caps_parse((const uint8_t *)s, strlen(s)),
	    caps_cases[_i].caps);
}
END_TEST

START_TEST(caps_parse_empty)
{
	const uint8_t	*s = (const uint8_t *)"VIOSX1 fin";

	ck_assert_int_eq(frame_caps_parse(NULL, 0), -1);
	ck_assert_int_eq(frame_caps_parse(s, 0), -1);
	/* Only the first n bytes count. */
	ck_assert_int_eq(frame_caps_parse(s, 5), -1);
	ck_assert_int_eq(frame_caps_parse(s, 6), 0);
	ck_assert_int_eq(frame_caps_parse(s, 9), 0);
	ck_assert_int_eq(frame_caps_parse(s, 10), VIOS_CAP_FIN);
}
END_TEST

/* Only the first VIOS_CAPS_MAX bytes of a caps payload are read. */
START_TEST(caps_parse_long)
{
	uint8_t	 p[300];

	memset(p, ' ', sizeof(p));
	memcpy(p, VIOS_CAPS_MAGIC, 6);
	memcpy(p + 260, "fin", 3);
	ck_assert_int_eq(frame_caps_parse(p, sizeof(p)), 0);

	memset(p, ' ', sizeof(p));
	memcpy(p, VIOS_CAPS_MAGIC, 6);
	memcpy(p + VIOS_CAPS_MAX - 3, "fin", 3);
	ck_assert_int_eq(frame_caps_parse(p, sizeof(p)), VIOS_CAP_FIN);

	/* Cut by the limit: "fi" is all that is read. */
	memset(p, ' ', sizeof(p));
	memcpy(p, VIOS_CAPS_MAGIC, 6);
	memcpy(p + VIOS_CAPS_MAX - 2, "fin", 3);
	ck_assert_int_eq(frame_caps_parse(p, sizeof(p)), 0);

	/* A long payload still has its first words read. */
	memset(p, 'x', sizeof(p));
	memcpy(p, "VIOSX1 fin ", 11);
	ck_assert_int_eq(frame_caps_parse(p, sizeof(p)), VIOS_CAP_FIN);
}
END_TEST

/*
 * A name cut by the VIOS_CAPS_MAX limit is not granted.  The payload is
 * VIOS_CAPS_MAGIC and spaces, with word at off and the bytes of after
 * right behind it; n bytes in all.
 */
#define AFTER(s)	(s), sizeof(s) - 1	/* a literal, NULs included */

static const struct {
	const char	*what;
	size_t		 off;
	const char	*word;
	const char	*after;
	size_t		 alen;
	size_t		 n;
	int		 caps;
} caps_cut_cases[] = {
	{ "\"fine\" cut to \"fin\"", VIOS_CAPS_MAX - 3, "fine", AFTER(""),
	  300, 0 },
	{ "\"finx\" cut to \"fin\", one byte over", VIOS_CAPS_MAX - 3, "fin",
	  AFTER("x"), VIOS_CAPS_MAX + 1, 0 },
	{ "\"fin\" then NUL, not a space", VIOS_CAPS_MAX - 3, "fin",
	  AFTER("\0"), 300, 0 },
	{ "\"fin\" cut to \"fi\"", VIOS_CAPS_MAX - 2, "fin", AFTER(""), 300,
	  0 },
	{ "\"fin\" ends at the limit, then a space", VIOS_CAPS_MAX - 3, "fin",
	  AFTER(" x"), 300, VIOS_CAP_FIN },
	{ "\"fin\" ends at the limit, one space over", VIOS_CAPS_MAX - 3,
	  "fin", AFTER(" "), VIOS_CAPS_MAX + 1, VIOS_CAP_FIN },
	{ "\"fin\" ends the payload at the limit", VIOS_CAPS_MAX - 3, "fin",
	  AFTER(""), VIOS_CAPS_MAX, VIOS_CAP_FIN },
	{ "\"fin\" ends the payload one byte short", VIOS_CAPS_MAX - 4, "fin",
	  AFTER(""), VIOS_CAPS_MAX - 1, VIOS_CAP_FIN },
	{ "\"fine\" whole inside the limit", VIOS_CAPS_MAX - 5, "fine",
	  AFTER(" "), 300, 0 },
	{ "\"fin\" whole, cut \"x\" after it", VIOS_CAPS_MAX - 5, "fin",
	  AFTER(" xx"), 300, VIOS_CAP_FIN },
	{ "\"fin\" from the limit on", VIOS_CAPS_MAX, "fin", AFTER(""), 300,
	  0 },
	{ "\"fin\" past the limit", VIOS_CAPS_MAX + 1, "fin", AFTER(""), 300,
	  0 },
};

/* Loop over caps_cut_cases[]. */
START_TEST(caps_parse_cut)
{
	uint8_t		 p[300];
	size_t		 wlen = strlen(caps_cut_cases[_i].word);
	size_t		 off = caps_cut_cases[_i].off;
	size_t		 n = caps_cut_cases[_i].n;
	int		 r;

	ck_assert_uint_le(off + wlen + caps_cut_cases[_i].alen, sizeof(p));
	ck_assert_uint_le(n, sizeof(p));
	memset(p, ' ', sizeof(p));
	memcpy(p, VIOS_CAPS_MAGIC, 6);
	memcpy(p + off, caps_cut_cases[_i].word, wlen);
	memcpy(p + off + wlen, caps_cut_cases[_i].after,
	    caps_cut_cases[_i].alen);
	/* Past n is not the payload: reading it would find a cut word. */
	memset(p + n, 'x', sizeof(p) - n);
	r = frame_caps_parse(p, n);
	ck_assert_msg(r == caps_cut_cases[_i].caps, "%s: %d, expected %d",
	    caps_cut_cases[_i].what, r, caps_cut_cases[_i].caps);
	/* A whole name earlier on counts whatever happens at the limit. */
	memcpy(p, "VIOSX1 fin", 10);
	ck_assert_int_eq(frame_caps_parse(p, n), VIOS_CAP_FIN);
}
END_TEST

/* Hostile payloads of every length: a defined answer, never a crash. */
START_TEST(caps_parse_random)
{
	static const char	 alpha[] = "VIOSX1 fin";
	uint8_t			 p[400];
	uint64_t		 rs = 7;
	size_t			 n, i;
	int			 r, k;

	for (k = 0; k < 20000; k++) {
		n = rng_below(&rs, sizeof(p) + 1);
		for (i = 0; i < n; i++)
			p[i] = rng_below(&rs, 2) ? (uint8_t)rng_next(&rs) :
			    (uint8_t)alpha[rng_below(&rs, sizeof(alpha) - 1)];
		if (n >= 6 && rng_below(&rs, 2))
			memcpy(p, VIOS_CAPS_MAGIC, 6);
		r = frame_caps_parse(p, n);
		ck_assert(r == -1 || r == 0 || r == (int)VIOS_CAP_FIN);
		/* Nothing past the byte after the limit counts. */
		if (n > VIOS_CAPS_MAX + 1)
			ck_assert_int_eq(r,
			    frame_caps_parse(p, VIOS_CAPS_MAX + 1));
		ck_assert(r == -1 ||
		    (n >= 6 && memcmp(p, VIOS_CAPS_MAGIC, 6) == 0));
	}
}
END_TEST

START_TEST(caps_format)
{
	char	 out[VIOS_CAPS_MAX];
	size_t	 n;

	memset(out, 'x', sizeof(out));
	n = frame_caps_format(VIOS_CAP_FIN, out);
	ck_assert_uint_eq(n, 10);
	ck_assert_mem_eq(out, "VIOSX1 fin", 10);

	memset(out, 'x', sizeof(out));
	n = frame_caps_format(0, out);
	ck_assert_uint_eq(n, 6);
	ck_assert_mem_eq(out, "VIOSX1", 6);

	/* Bits we do not know are not invented into names. */
	n = frame_caps_format(~0U, out);
	ck_assert_uint_eq(n, 10);
	ck_assert_mem_eq(out, "VIOSX1 fin", 10);
	n = frame_caps_format(~VIOS_CAP_FIN, out);
	ck_assert_uint_eq(n, 6);
	ck_assert_mem_eq(out, "VIOSX1", 6);
}
END_TEST

START_TEST(caps_roundtrip)
{
	static const unsigned	 cs[] = { 0, VIOS_CAP_FIN, VIOS_CAPS_OURS };
	char			 out[VIOS_CAPS_MAX];
	size_t			 i, n;

	for (i = 0; i < NELEM(cs); i++) {
		n = frame_caps_format(cs[i], out);
		ck_assert_uint_le(n, VIOS_CAPS_MAX);
		ck_assert_int_eq(frame_caps_parse((const uint8_t *)out, n),
		    (int)cs[i]);
	}
}
END_TEST

/* Loop over caps -1 (no payload), 0, FIN. */
START_TEST(put_take_caps)
{
	static const int	 cs[] = { -1, 0, VIOS_CAP_FIN };
	static const char	*pl[] = { "", "VIOSX1", "VIOSX1 fin" };
	int			 caps = cs[_i];
	struct evbuffer		*b = buf_new();
	struct frame_hdr	 h;
	uint8_t			 raw[VIOS_HDR_LEN];
	struct frame_hdr	 want = { VIOS_SYN, VEC_G, VIOS_TOKEN_UNKNOWN,
	    (uint16_t)strlen(pl[_i]) };
	const uint8_t		*p;

	ck_assert_int_eq(framebuf_put_caps(b, VIOS_SYN, VEC_G,
	    VIOS_TOKEN_UNKNOWN, caps), 0);
	frame_hdr_encode(raw, &want);
	ck_assert_uint_eq(evbuffer_get_length(b), VIOS_HDR_LEN + want.len);
	p = evbuffer_pullup(b, -1);
	ck_assert_mem_eq(p, raw, VIOS_HDR_LEN);
	if (want.len > 0)
		ck_assert_mem_eq(p + VIOS_HDR_LEN, pl[_i], want.len);
	/* Another frame behind it must survive take_caps. */
	put_frames(b, host_frames, 1);
	ck_assert_int_eq(framebuf_next(b, &h, NULL), 1);
	ck_assert_uint_eq(h.ctrl, VIOS_SYN);
	ck_assert_uint_eq(h.gtok, VEC_G);
	ck_assert_uint_eq(h.htok, VIOS_TOKEN_UNKNOWN);
	ck_assert_uint_eq(h.len, want.len);
	ck_assert_int_eq(framebuf_take_caps(b, &h), caps);
	ck_assert_uint_eq(evbuffer_get_length(b), VIOS_HDR_LEN);
	ck_assert_int_eq(framebuf_next(b, &h, NULL), 1);
	ck_assert_uint_eq(h.ctrl, VIOS_SYNACK);
	evbuffer_free(b);
}
END_TEST

/* take_caps reads at most VIOS_CAPS_MAX bytes but drains the whole payload. */
START_TEST(take_caps_long)
{
	uint8_t			 pl[1000];
	struct evbuffer		*b = buf_new();
	struct frame_hdr	 h;

	memset(pl, 'x', sizeof(pl));
	memcpy(pl, "VIOSX1 fin ", 11);
	ck_assert_int_eq(framebuf_put(b, VIOS_SYNACK, VEC_G, VEC_H, pl,
	    sizeof(pl)), 0);
	memcpy(pl, "garbage...", 10);
	ck_assert_int_eq(framebuf_put(b, VIOS_SYN, VEC_G, VEC_H, pl,
	    sizeof(pl)), 0);
	put_frames(b, host_frames, 1);
	ck_assert_int_eq(framebuf_next(b, &h, NULL), 1);
	ck_assert_uint_eq(h.len, sizeof(pl));
	ck_assert_int_eq(framebuf_take_caps(b, &h), VIOS_CAP_FIN);
	ck_assert_uint_eq(evbuffer_get_length(b),
	    2 * VIOS_HDR_LEN + sizeof(pl));
	ck_assert_int_eq(framebuf_next(b, &h, NULL), 1);
	ck_assert_uint_eq(h.ctrl, VIOS_SYN);
	ck_assert_int_eq(framebuf_take_caps(b, &h), -1);
	ck_assert_uint_eq(evbuffer_get_length(b), VIOS_HDR_LEN);
	ck_assert_int_eq(framebuf_next(b, &h, NULL), 1);
	ck_assert_uint_eq(h.ctrl, VIOS_SYNACK);
	ck_assert_uint_eq(h.len, 0);
	ck_assert_int_eq(framebuf_take_caps(b, &h), -1);
	ck_assert_uint_eq(evbuffer_get_length(b), 0);
	evbuffer_free(b);
}
END_TEST

/* A name cut by the VIOS_CAPS_MAX limit is not granted: "fine" != "fin". */
START_TEST(take_caps_cut)
{
	uint8_t			 pl[VIOS_CAPS_MAX + 8];
	struct evbuffer		*b = buf_new();
	struct frame_hdr	 h;
	size_t			 at = VIOS_CAPS_MAX - 3;

	memset(pl, ' ', sizeof(pl));
	memcpy(pl, "VIOSX1", 6);
	memcpy(pl + at, "fine", 4);
	ck_assert_int_eq(framebuf_put(b, VIOS_SYN, VEC_G, VEC_H, pl,
	    sizeof(pl)), 0);
	/* ... and one ending right at the limit is. */
	memcpy(pl + at, "fin ", 4);
	ck_assert_int_eq(framebuf_put(b, VIOS_SYN, VEC_G, VEC_H, pl,
	    sizeof(pl)), 0);
	ck_assert_int_eq(framebuf_next(b, &h, NULL), 1);
	ck_assert_int_eq(framebuf_take_caps(b, &h), 0);
	ck_assert_int_eq(framebuf_next(b, &h, NULL), 1);
	ck_assert_int_eq(framebuf_take_caps(b, &h), VIOS_CAP_FIN);
	ck_assert_uint_eq(evbuffer_get_length(b), 0);
	evbuffer_free(b);
}
END_TEST

/* --- encoder ------------------------------------------------------------- */

START_TEST(put_preamble)
{
	struct evbuffer		*b = buf_new();
	struct expect		 x;
	const uint8_t		*p;
	size_t			 i;

	ck_assert_int_eq(framebuf_put_preamble(b), 0);
	ck_assert_uint_eq(evbuffer_get_length(b), VIOS_PREAMBLE_LEN);
	ck_assert_uint_eq(VIOS_PREAMBLE_LEN, 65535);
	p = evbuffer_pullup(b, -1);
	for (i = 0; i < VIOS_PREAMBLE_LEN; i++)
		ck_assert_uint_eq(p[i], VIOS_SYNC0);
	put_frames(b, guest_frames, NELEM(guest_frames));
	expect_init(&x, guest_frames, NELEM(guest_frames));
	expect_run(b, &x);
	expect_done(b, &x);
	ck_assert_uint_eq(x.st.skipped, VIOS_PREAMBLE_LEN);
	evbuffer_free(b);
}
END_TEST

/*
 * The preamble's purpose: a decoder stuck inside a partial frame of any
 * length (here 30000 bytes into a 65535-byte DATA) finishes that frame on
 * the 'V' bytes and is hunting again before the next header.
 */
START_TEST(preamble_resyncs)
{
	struct evbuffer		*b = buf_new();
	struct frame_hdr	 h, bh = { VIOS_DATA, 1, 2, VIOS_MAX_PAYLOAD };
	struct expect		 x;
	uint8_t			 raw[VIOS_HDR_LEN], *part;

	part = calloc(1, 30000);
	ck_assert_ptr_nonnull(part);
	frame_hdr_encode(raw, &bh);
	buf_add(b, raw, sizeof(raw));
	buf_add(b, part, 30000);
	ck_assert_int_eq(framebuf_next(b, &h, NULL), 0);
	ck_assert_int_eq(framebuf_put_preamble(b), 0);
	put_frames(b, guest_frames, NELEM(guest_frames));
	ck_assert_int_eq(framebuf_next(b, &h, NULL), 1);
	ck_assert_uint_eq(h.len, VIOS_MAX_PAYLOAD);
	evbuffer_drain(b, h.len);
	expect_init(&x, guest_frames, NELEM(guest_frames));
	expect_run(b, &x);
	expect_done(b, &x);
	ck_assert_uint_eq(x.st.skipped,
	    VIOS_PREAMBLE_LEN - (VIOS_MAX_PAYLOAD - 30000));
	evbuffer_free(b);
	free(part);
}
END_TEST

START_TEST(put_from)
{
	struct evbuffer		*out = buf_new(), *src = buf_new();
	struct expect		 x;
	uint8_t			 raw[VIOS_HDR_LEN + VEC_HELLO_LEN];

	buf_add(src, VEC_HELLO "EXTRA", VEC_HELLO_LEN + 5);
	ck_assert_int_eq(framebuf_put_from(out, VIOS_DATA, VEC_G, VEC_H, src,
	    VEC_HELLO_LEN), 0);
	buf_eq(src, "EXTRA", 5);
	memcpy(raw, readme_hdrs[2], VIOS_HDR_LEN);
	memcpy(raw + VIOS_HDR_LEN, VEC_HELLO, VEC_HELLO_LEN);
	buf_eq(out, raw, sizeof(raw));

	/* More than src holds: nothing appended, nothing taken. */
	ck_assert_int_eq(framebuf_put_from(out, VIOS_DATA, VEC_G, VEC_H, src,
	    6), -1);
	buf_eq(src, "EXTRA", 5);
	buf_eq(out, raw, sizeof(raw));

	expect_init(&x, &host_frames[1], 1);
	expect_run(out, &x);
	expect_done(out, &x);
	evbuffer_free(out);
	evbuffer_free(src);
}
END_TEST

/* A maximum payload moved from a multi-chain source. */
START_TEST(put_from_max)
{
	struct evbuffer		*out = buf_new(), *src = buf_new();
	struct tframe		 f;
	struct expect		 x;
	uint8_t			*pl;
	size_t			 i;

	pl = malloc(VIOS_MAX_PAYLOAD + 1);
	ck_assert_ptr_nonnull(pl);
	for (i = 0; i <= VIOS_MAX_PAYLOAD; i++)
		pl[i] = (uint8_t)(i ^ (i >> 8));
	for (i = 0; i <= VIOS_MAX_PAYLOAD; i += 1000)
		buf_add(src, pl + i, VIOS_MAX_PAYLOAD + 1 - i < 1000 ?
		    VIOS_MAX_PAYLOAD + 1 - i : 1000);
	ck_assert_int_eq(framebuf_put_from(out, VIOS_DATA, VEC_G, VEC_H, src,
	    VIOS_MAX_PAYLOAD), 0);
	ck_assert_uint_eq(evbuffer_get_length(src), 1);
	ck_assert_uint_eq(evbuffer_get_length(out),
	    VIOS_HDR_LEN + VIOS_MAX_PAYLOAD);
	f = (struct tframe){ VIOS_DATA, VEC_G, VEC_H, VIOS_MAX_PAYLOAD, pl };
	expect_init(&x, &f, 1);
	expect_run(out, &x);
	expect_done(out, &x);
	evbuffer_free(out);
	evbuffer_free(src);
	free(pl);
}
END_TEST

START_TEST(put_zero_length)
{
	struct evbuffer		*out = buf_new();

	ck_assert_int_eq(framebuf_put(out, VIOS_RESET, VEC_G, VEC_H, NULL, 0),
	    0);
	buf_eq(out, readme_hdrs[3], VIOS_HDR_LEN);
	evbuffer_free(out);
}
END_TEST

/* --- small helpers ------------------------------------------------------- */

START_TEST(token_reserved)
{
	ck_assert_int_ne(frame_token_reserved(VIOS_TOKEN_UNKNOWN), 0);
	ck_assert_int_ne(frame_token_reserved(VIOS_TOKEN_NONE), 0);
	ck_assert_int_ne(frame_token_reserved(0x3f3f3f3fU), 0);
	ck_assert_int_ne(frame_token_reserved(0x52525252U), 0);
	ck_assert_int_eq(frame_token_reserved(0), 0);
	ck_assert_int_eq(frame_token_reserved(0xffffffffU), 0);
	ck_assert_int_eq(frame_token_reserved(0x3f3f3f3eU), 0);
	ck_assert_int_eq(frame_token_reserved(0x3f3f3f40U), 0);
	ck_assert_int_eq(frame_token_reserved(0x52525251U), 0);
	ck_assert_int_eq(frame_token_reserved(0x52525253U), 0);
	ck_assert_int_eq(frame_token_reserved(VEC_G), 0);
	ck_assert_int_eq(frame_token_reserved(VEC_H), 0);
}
END_TEST

START_TEST(ctrl_name)
{
	char	 buf[8];

	ck_assert_str_eq(frame_ctrl_name(VIOS_SYN, buf), "SYN");
	ck_assert_str_eq(frame_ctrl_name(VIOS_ACK, buf), "ACK");
	ck_assert_str_eq(frame_ctrl_name(VIOS_SYNACK, buf), "SYNACK");
	ck_assert_str_eq(frame_ctrl_name(VIOS_DATA, buf), "DATA");
	ck_assert_str_eq(frame_ctrl_name(VIOS_FIN, buf), "FIN");
	ck_assert_str_eq(frame_ctrl_name(VIOS_RESET, buf), "RESET");
	ck_assert_str_eq(frame_ctrl_name(0x5a, buf), "0x5a");
	ck_assert_str_eq(frame_ctrl_name(0x00, buf), "0x00");
	ck_assert_str_eq(frame_ctrl_name(0xff, buf), "0xff");
	ck_assert_str_eq(frame_ctrl_name('E', buf), "0x45");
	ck_assert_str_eq(frame_ctrl_name('G', buf), "0x47");
	ck_assert_ptr_eq(frame_ctrl_name('Z', buf), buf);
}
END_TEST

/* A case of its own with a loop over [start, end). */
static void
add_loop(Suite *s, const char *name, const TTest *tf, int start, int end)
{
	tcase_add_loop_test(checkmain_tcase(s, name), tf, start, end);
}

static void
add(Suite *s, const char *name, const TTest *tf)
{
	tcase_add_test(checkmain_tcase(s, name), tf);
}

Suite *
test_suite(void)
{
	Suite	*s = suite_create("frame");

	add(s, "hdr_encode_readme", hdr_encode_readme);
	add(s, "hdr_parse_readme", hdr_parse_readme);
	add(s, "hdr_roundtrip", hdr_roundtrip);
	add_loop(s, "hdr_parse_prefix", hdr_parse_prefix, 0, VIOS_HDR_LEN);
	add_loop(s, "hdr_parse_bad", hdr_parse_bad, 0, 3);

	add_loop(s, "vec_decode_whole", vec_decode_whole, 0, NELEM(vecs));
	add_loop(s, "vec_decode_bytewise", vec_decode_bytewise, 0, NELEM(vecs));
	add_loop(s, "vec_decode_split", vec_decode_split, 0, NELEM(vecs));
	add_loop(s, "vec_decode_chunks", vec_decode_chunks, 0, NELEM(vecs));
	add(s, "vec_encode_guest", vec_encode_guest);
	add(s, "vec_encode_host", vec_encode_host);

	add_loop(s, "junk_no_v", junk_no_v, 0, 8);
	add_loop(s, "junk_with_v", junk_with_v, 0, 8);
	add(s, "junk_fixed", junk_fixed);
	add_loop(s, "long_v_run", long_v_run, 0, 3);
	add_loop(s, "bad_version", bad_version, 0, 2 * NELEM(bad_versions));
	add(s, "bad_version_vvs0", bad_version_vvs0);
	add_loop(s, "bad_version_overlap", bad_version_overlap, 0, 2);
	add_loop(s, "bad_version_nested", bad_version_nested, 0, 2);
	add(s, "bad_version_whole_header", bad_version_whole_header);

	add(s, "zero_length_data", zero_length_data);
	add_loop(s, "max_length", max_length, 0, 3);
	add(s, "truncated_header", truncated_header);
	add(s, "truncated_payload", truncated_payload);
	add(s, "reset_partial", reset_partial);
	add(s, "leaves_payload", leaves_payload);

	add_loop(s, "bounded_junk", bounded_junk, 0, 4);
	add(s, "bounded_bad_versions", bounded_bad_versions);
	add_loop(s, "random_stream", random_stream, 0, 4);

	add_loop(s, "caps_parse", caps_parse, 0, NELEM(caps_cases));
	add(s, "caps_parse_empty", caps_parse_empty);
	add(s, "caps_parse_long", caps_parse_long);
	add_loop(s, "caps_parse_cut", caps_parse_cut, 0,
	    NELEM(caps_cut_cases));
	add(s, "caps_parse_random", caps_parse_random);
	add(s, "caps_format", caps_format);
	add(s, "caps_roundtrip", caps_roundtrip);
	add_loop(s, "put_take_caps", put_take_caps, 0, 3);
	add(s, "take_caps_long", take_caps_long);
	add(s, "take_caps_cut", take_caps_cut);

	add(s, "put_preamble", put_preamble);
	add(s, "preamble_resyncs", preamble_resyncs);
	add(s, "put_from", put_from);
	add(s, "put_from_max", put_from_max);
	add(s, "put_zero_length", put_zero_length);

	add(s, "token_reserved", token_reserved);
	add(s, "ctrl_name", ctrl_name);
	return s;
}

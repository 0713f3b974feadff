/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_frame.c: libFuzzer harness for the frame decoder over evbuffers.
 * Input: two bytes seeding the chunk schedule, then the channel's byte
 * stream.  The stream is fed to framebuf_next() in chunks of fuzzer-chosen
 * sizes, as reads would deliver it; every decoded frame is checked against
 * a flat reference decoder of the whole stream, re-encoded and parsed back,
 * and its payload consumed the way a port would.  Invariant violations
 * abort: that is how libFuzzer reports them.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "frame.h"
#include "framebuf.h"
#include "fuzz.h"

/* Chunk schedule: a tiny xorshift PRNG, so a 2-byte seed yields many sizes. */
static uint32_t
fz_rand(uint32_t *s)
{
	uint32_t	 x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Reads of 1-16 bytes (split headers), up to 256, up to 4 KiB, or a frame. */
static size_t
fz_chunk(uint32_t *s)
{
	uint32_t	 r = fz_rand(s);

	switch (r & 3) {
	case 0:
		return 1 + (r >> 8) % 16;
	case 1:
		return 1 + (r >> 8) % 256;
	case 2:
		return 1 + (r >> 8) % 4096;
	default:
		return 1 + (r >> 8) % VIOS_READ_MAX;
	}
}

/*
 * The reference: where the next frame starts in the flat stream at or
 * after *pos, as framebuf_next() must find it.  Returns 1 with the header
 * and its offset when a whole frame is there, 0 when the stream ends
 * first; *pos is then where the buffered remainder starts (a header
 * prefix, a header waiting for its payload, or the end).
 */
static int
ref_next(const uint8_t *p, size_t n, size_t *pos, struct frame_hdr *h,
    size_t *at)
{
	size_t	 j;

	for (j = *pos; j < n; j++) {
		switch (frame_hdr_parse(p + j, n - j, h)) {
		case FRAME_BAD:
			continue;
		case FRAME_SHORT:
			*pos = j;
			return 0;
		case FRAME_OK:
			break;
		}
		if (n - j < (size_t)VIOS_HDR_LEN + h->len) {
			*pos = j;
			return 0;
		}
		*at = j;
		*pos = j + VIOS_HDR_LEN + h->len;
		return 1;
	}
	*pos = n;
	return 0;
}

/* Encode h with payload, check the bytes, and decode it back unchanged. */
static void
check_roundtrip(const struct frame_hdr *h, const uint8_t *payload)
{
	struct evbuffer		*b;
	struct frame_hdr	 h2;
	uint8_t			 hdr[VIOS_HDR_LEN];
	const uint8_t		*flat;

	FZ_CHECK((b = evbuffer_new()) != NULL);
	FZ_CHECK(framebuf_put(b, h->ctrl, h->gtok, h->htok, payload,
	    h->len) == 0);
	FZ_CHECK(evbuffer_get_length(b) == (size_t)VIOS_HDR_LEN + h->len);
	flat = evbuffer_pullup(b, -1);
	frame_hdr_encode(hdr, h);
	FZ_CHECK(memcmp(flat, hdr, VIOS_HDR_LEN) == 0);
	FZ_CHECK(flat[0] == VIOS_SYNC0 && flat[1] == VIOS_SYNC1 &&
	    flat[2] == VIOS_VERSION);
	FZ_CHECK(h->len == 0 || memcmp(flat + VIOS_HDR_LEN, payload, h->len) == 0);
	FZ_CHECK(framebuf_next(b, &h2, NULL) == 1);
	FZ_CHECK(h2.ctrl == h->ctrl && h2.gtok == h->gtok &&
	    h2.htok == h->htok && h2.len == h->len);
	FZ_CHECK(evbuffer_get_length(b) == h->len);
	evbuffer_free(b);
}

/* The caps a SYN/SYNACK payload names: -1 or a subset of the known ones. */
static void
check_caps(const uint8_t *payload, size_t len, int caps)
{
	char	 buf[VIOS_CAPS_MAX];
	size_t	 n;

	FZ_CHECK(caps == frame_caps_parse(payload, len));
	FZ_CHECK(caps >= -1 && (caps < 0 || (caps & ~VIOS_CAPS_OURS) == 0));
	if (caps < 0)
		return;
	n = frame_caps_format((unsigned)caps, buf);
	FZ_CHECK(n <= VIOS_CAPS_MAX);
	FZ_CHECK(frame_caps_parse((const uint8_t *)buf, n) == caps);
}

/*
 * Consume the payload at the front of in as a port would: caps of a
 * SYN/SYNACK, DATA moved on (zero-copy), anything else drained.
 */
static void
consume(struct evbuffer *in, const struct frame_hdr *h, const uint8_t *payload,
    struct evbuffer *relay)
{
	size_t	 before = evbuffer_get_length(in);
	size_t	 rbefore = evbuffer_get_length(relay);

	if (h->ctrl == VIOS_SYN || h->ctrl == VIOS_SYNACK) {
		int	 caps = framebuf_take_caps(in, h);

		if (h->len == 0)
			FZ_CHECK(caps == -1);
		else
			check_caps(payload, h->len, caps);
	} else if (h->ctrl == VIOS_DATA && h->len > 0) {
		FZ_CHECK(framebuf_put_from(relay, VIOS_DATA, h->gtok, h->htok,
		    in, h->len) == 0);
		FZ_CHECK(evbuffer_get_length(relay) ==
		    rbefore + VIOS_HDR_LEN + h->len);
		evbuffer_drain(relay, evbuffer_get_length(relay));
	} else
		evbuffer_drain(in, h->len);
	FZ_CHECK(evbuffer_get_length(in) == before - h->len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer		*in, *relay;
	struct framebuf_stats	 st;
	struct frame_hdr	 h, r;
	uint8_t			*payload;
	uint32_t		 seed;
	size_t			 off, chunk, rpos = 0, tail, at, framed = 0;
	uint64_t		 frames = 0;

	if (size < 2)
		return 0;
	seed = ((uint32_t)data[0] << 8 | data[1]) * 2654435761u | 1;
	data += 2;
	size -= 2;
	memset(&st, 0, sizeof(st));
	FZ_CHECK((in = evbuffer_new()) != NULL);
	FZ_CHECK((relay = evbuffer_new()) != NULL);
	FZ_CHECK((payload = malloc(VIOS_MAX_PAYLOAD)) != NULL);
	for (off = 0; off < size; off += chunk) {
		chunk = fz_chunk(&seed);
		if (chunk > size - off)
			chunk = size - off;
		FZ_CHECK(evbuffer_add(in, data + off, chunk) == 0);
		while (framebuf_next(in, &h, &st) == 1) {
			/* Exactly the reference's next frame, whole. */
			FZ_CHECK(ref_next(data, off + chunk, &rpos, &r, &at));
			FZ_CHECK(r.ctrl == h.ctrl && r.gtok == h.gtok &&
			    r.htok == h.htok && r.len == h.len);
			FZ_CHECK(evbuffer_get_length(in) >= h.len);
			FZ_CHECK(evbuffer_copyout(in, payload, h.len) ==
			    (ev_ssize_t)h.len);
			FZ_CHECK(memcmp(payload, data + at + VIOS_HDR_LEN,
			    h.len) == 0);
			frames++;
			framed += VIOS_HDR_LEN + h.len;
			FZ_CHECK(st.frames == frames);
			check_roundtrip(&h, payload);
			consume(in, &h, payload, relay);
		}
		/*
		 * What is left is at most one frame's beginning: never more
		 * than a header and a whole payload, minus a byte.
		 */
		FZ_CHECK(evbuffer_get_length(in) < VIOS_READ_MAX);
		/* The reference finds no further whole frame either. */
		tail = rpos;
		FZ_CHECK(ref_next(data, off + chunk, &tail, &r, &at) == 0);
		/* Every byte fed is skipped, framed, or still buffered. */
		FZ_CHECK(st.skipped + framed + evbuffer_get_length(in) ==
		    off + chunk);
		FZ_CHECK(st.bad_version <= st.skipped);
	}
	/* The buffered rest is exactly the reference's undecided tail. */
	FZ_CHECK(ref_next(data, size, &rpos, &r, &at) == 0);
	FZ_CHECK(evbuffer_get_length(in) == size - rpos);
	framebuf_reset(in);
	FZ_CHECK(evbuffer_get_length(in) == 0);
	free(payload);
	evbuffer_free(relay);
	evbuffer_free(in);
	return 0;
}

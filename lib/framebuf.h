/* SPDX-License-Identifier: Apache-2.0 */
/*
 * framebuf.h: the frame codec applied to evbuffers.  The decoder keeps no
 * bytes of its own: the unconsumed stream stays in the caller's evbuffer,
 * so resetting it is draining that buffer.  It never looks at one byte per
 * call: junk is skipped with evbuffer_search() and headers are copied out
 * whole.  The encoder appends whole frames only.
 */
#ifndef FRAMEBUF_H
#define FRAMEBUF_H

#include <stdint.h>

#include <event2/buffer.h>

#include "frame.h"

struct framebuf_stats {
	uint64_t	frames;		/* whole frames decoded */
	uint64_t	skipped;	/* bytes dropped while hunting ('V' runs included) */
	uint64_t	bad_version;	/* headers dropped for their version */
};

/*
 * Decode the next frame at the front of in.  Returns 1 when a whole frame
 * is there: its header has been drained into h and exactly h->len payload
 * bytes now lead in, which the caller must consume before calling again.
 * Returns 0 when more bytes are needed; junk before a possible header has
 * been drained.  st may be NULL.
 */
int	framebuf_next(struct evbuffer *in, struct frame_hdr *h,
	    struct framebuf_stats *st);

/* Drain a partial frame: what a decoder reset means here. */
void	framebuf_reset(struct evbuffer *in);

/* Copy up to VIOS_CAPS_MAX payload bytes of the current frame and drain it all. */
int	framebuf_take_caps(struct evbuffer *in, const struct frame_hdr *h);

/* Append one whole frame with its payload; returns 0 or -1 (out of memory). */
int	framebuf_put(struct evbuffer *out, uint8_t ctrl, uint32_t gtok,
	    uint32_t htok, const void *payload, uint16_t len);

/* Append one frame whose payload is moved from src (len bytes, zero-copy). */
int	framebuf_put_from(struct evbuffer *out, uint8_t ctrl, uint32_t gtok,
	    uint32_t htok, struct evbuffer *src, uint16_t len);

/* Append a frame carrying a caps payload for caps, or none when caps < 0. */
int	framebuf_put_caps(struct evbuffer *out, uint8_t ctrl, uint32_t gtok,
	    uint32_t htok, int caps);

/* Append the resync preamble. */
int	framebuf_put_preamble(struct evbuffer *out);

#endif /* FRAMEBUF_H */

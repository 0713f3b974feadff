/* SPDX-License-Identifier: Apache-2.0 */
/*
 * framebuf.c: the frame codec over evbuffers.  The decoder is stateless:
 * the stream it has not consumed stays in the caller's evbuffer, at most
 * one frame (header + 65535) plus one read, so a hostile peer bounds our
 * memory by the frame size.  Junk is skipped with evbuffer_search(), which
 * scans whole chains, never a byte per call.
 */
#include "config.h"

#include <string.h>

#include "framebuf.h"

static const char framebuf_sync[2] = { VIOS_SYNC0, VIOS_SYNC1 };

/* Drop n bytes of junk or preamble from the front of in. */
static void
framebuf_skip(struct evbuffer *in, size_t n, struct framebuf_stats *st)
{
	if (n == 0)
		return;
	evbuffer_drain(in, n);
	if (st != NULL)
		st->skipped += n;
}

/*
 * Drop everything before the first "VS"; with none in the buffer, keep
 * only a trailing 'V', which may be the first half of one.  The search is
 * for 'S' with a 'V' before it: searching for "VS" would stop at every
 * byte of a long 'V' run, which a hostile peer sends for free.
 */
static void
framebuf_hunt(struct evbuffer *in, struct framebuf_stats *st)
{
	struct evbuffer_ptr	 pos, prev;
	size_t			 len;
	unsigned char		 c;

	pos = evbuffer_search(in, &framebuf_sync[1], 1, NULL);
	while (pos.pos >= 0) {
		if (pos.pos > 0 &&
		    evbuffer_ptr_set(in, &prev, (size_t)pos.pos - 1,
		    EVBUFFER_PTR_SET) == 0 &&
		    evbuffer_copyout_from(in, &prev, &c, 1) == 1 &&
		    c == VIOS_SYNC0) {
			framebuf_skip(in, (size_t)pos.pos - 1, st);
			return;
		}
		if (evbuffer_ptr_set(in, &pos, 1, EVBUFFER_PTR_ADD) == -1)
			break;
		pos = evbuffer_search(in, &framebuf_sync[1], 1, &pos);
	}
	len = evbuffer_get_length(in);
	if (len == 0)
		return;
	if (evbuffer_ptr_set(in, &prev, len - 1, EVBUFFER_PTR_SET) == 0 &&
	    evbuffer_copyout_from(in, &prev, &c, 1) == 1 && c == VIOS_SYNC0)
		len--;
	framebuf_skip(in, len, st);
}

int
framebuf_next(struct evbuffer *in, struct frame_hdr *h,
    struct framebuf_stats *st)
{
	uint8_t		 hdr[VIOS_HDR_LEN];
	ev_ssize_t	 n;

	for (;;) {
		framebuf_hunt(in, st);
		n = evbuffer_copyout(in, hdr, sizeof(hdr));
		if (n <= 0)
			return 0;
		switch (frame_hdr_parse(hdr, (size_t)n, h)) {
		case FRAME_SHORT:
			return 0;
		case FRAME_BAD:
			/* A bad version: resume hunting at the next byte. */
			framebuf_skip(in, 1, st);
			if (st != NULL)
				st->bad_version++;
			continue;
		case FRAME_OK:
			break;
		}
		if (evbuffer_get_length(in) < (size_t)VIOS_HDR_LEN + h->len)
			return 0;
		evbuffer_drain(in, VIOS_HDR_LEN);
		if (st != NULL)
			st->frames++;
		return 1;
	}
}

void
framebuf_reset(struct evbuffer *in)
{
	evbuffer_drain(in, evbuffer_get_length(in));
}

int
framebuf_take_caps(struct evbuffer *in, const struct frame_hdr *h)
{
	uint8_t		 buf[VIOS_CAPS_MAX + 1];	/* + 1: a name cut shows */
	ev_ssize_t	 n;

	if (h->len == 0)
		return -1;
	n = evbuffer_copyout(in, buf, h->len < sizeof(buf) ? h->len : sizeof(buf));
	evbuffer_drain(in, h->len);
	if (n <= 0)
		return -1;
	return frame_caps_parse(buf, (size_t)n);
}

/* Header of a frame with len payload bytes, appended to out. */
static int
framebuf_put_hdr(struct evbuffer *out, uint8_t ctrl, uint32_t gtok,
    uint32_t htok, uint16_t len)
{
	struct frame_hdr	 h = { ctrl, gtok, htok, len };
	uint8_t			 hdr[VIOS_HDR_LEN];

	frame_hdr_encode(hdr, &h);
	return evbuffer_add(out, hdr, sizeof(hdr));
}

/*
 * Whole frames only: on failure whatever was appended is taken back, so a
 * peer never sees a partial frame (which would wedge an old peer).
 */
int
framebuf_put(struct evbuffer *out, uint8_t ctrl, uint32_t gtok,
    uint32_t htok, const void *payload, uint16_t len)
{
	struct evbuffer	*tmp;
	int		 rc = -1;

	if (len == 0)
		return framebuf_put_hdr(out, ctrl, gtok, htok, 0);
	if ((tmp = evbuffer_new()) == NULL)
		return -1;
	if (framebuf_put_hdr(tmp, ctrl, gtok, htok, len) == 0 &&
	    evbuffer_add(tmp, payload, len) == 0 &&
	    evbuffer_add_buffer(out, tmp) == 0)
		rc = 0;
	evbuffer_free(tmp);
	return rc;
}

int
framebuf_put_from(struct evbuffer *out, uint8_t ctrl, uint32_t gtok,
    uint32_t htok, struct evbuffer *src, uint16_t len)
{
	struct frame_hdr	 h = { ctrl, gtok, htok, len };
	uint8_t			 hdr[VIOS_HDR_LEN];
	struct evbuffer		*tmp;
	int			 rc = -1;

	if (evbuffer_get_length(src) < len || (tmp = evbuffer_new()) == NULL)
		return -1;
	/* Chains move, bytes are not copied; out sees the whole frame or
	 * nothing. */
	frame_hdr_encode(hdr, &h);
	if (evbuffer_remove_buffer(src, tmp, len) == (int)len) {
		if (evbuffer_prepend(tmp, hdr, sizeof(hdr)) == 0) {
			if (evbuffer_add_buffer(out, tmp) == 0)
				rc = 0;
			else
				evbuffer_drain(tmp, sizeof(hdr));
		}
	}
	/* On failure the payload goes back where it was. */
	if (rc == -1)
		evbuffer_prepend_buffer(src, tmp);
	evbuffer_free(tmp);
	return rc;
}

int
framebuf_put_caps(struct evbuffer *out, uint8_t ctrl, uint32_t gtok,
    uint32_t htok, int caps)
{
	char	 buf[VIOS_CAPS_MAX];
	size_t	 len;

	if (caps < 0)
		return framebuf_put(out, ctrl, gtok, htok, NULL, 0);
	len = frame_caps_format((unsigned)caps, buf);
	return framebuf_put(out, ctrl, gtok, htok, buf, (uint16_t)len);
}

int
framebuf_put_preamble(struct evbuffer *out)
{
	static const uint8_t	 run[4096] = { [0 ... 4095] = VIOS_SYNC0 };
	size_t			 left = VIOS_PREAMBLE_LEN, n;

	while (left > 0) {
		n = left < sizeof(run) ? left : sizeof(run);
		if (evbuffer_add(out, run, n) != 0)
			return -1;
		left -= n;
	}
	return 0;
}

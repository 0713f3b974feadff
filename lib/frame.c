/* SPDX-License-Identifier: Apache-2.0 */
/*
 * frame.c: pure header encode/parse and the SYN/SYNACK capability payload.
 * Nothing here allocates, does I/O or keeps state; every function is safe
 * on arbitrary (hostile) input of any length.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void
frame_hdr_encode(uint8_t out[VIOS_HDR_LEN], const struct frame_hdr *h)
{
	out[0] = VIOS_SYNC0;
	out[1] = VIOS_SYNC1;
	out[2] = VIOS_VERSION;
	out[3] = h->ctrl;
	put32(out + 4, h->gtok);
	put32(out + 8, h->htok);
	out[12] = (uint8_t)(h->len >> 8);
	out[13] = (uint8_t)h->len;
}

/* Any prefix of a valid header is SHORT; the first wrong byte makes it BAD. */
enum frame_parse
frame_hdr_parse(const uint8_t *p, size_t n, struct frame_hdr *h)
{
	if (n >= 1 && p[0] != VIOS_SYNC0)
		return FRAME_BAD;
	if (n >= 2 && p[1] != VIOS_SYNC1)
		return FRAME_BAD;
	if (n >= 3 && p[2] != VIOS_VERSION)
		return FRAME_BAD;
	if (n < VIOS_HDR_LEN)
		return FRAME_SHORT;
	h->ctrl = p[3];
	h->gtok = get32(p + 4);
	h->htok = get32(p + 8);
	h->len = (uint16_t)(p[12] << 8 | p[13]);
	return FRAME_OK;
}

static const struct {
	const char	*name;
	unsigned	 bit;
} frame_caps[] = {
	{ "fin", VIOS_CAP_FIN },
};

#define FRAME_NCAPS	(sizeof(frame_caps) / sizeof(frame_caps[0]))

/*
 * Words are split on spaces only.  The first VIOS_CAPS_MAX bytes are read,
 * and the one after them if there is one: a word the limit cuts ("fine"
 * read as "fin") is not a name.
 */
int
frame_caps_parse(const uint8_t *p, size_t n)
{
	const size_t	 mlen = sizeof(VIOS_CAPS_MAGIC) - 1;
	size_t		 lim, i, w, wlen, k;
	unsigned	 caps = 0;
	bool		 cut;

	lim = n > VIOS_CAPS_MAX ? VIOS_CAPS_MAX : n;
	cut = n > VIOS_CAPS_MAX && p[VIOS_CAPS_MAX] != ' ';
	if (lim < mlen || memcmp(p, VIOS_CAPS_MAGIC, mlen) != 0)
		return -1;
	if (lim > mlen && p[mlen] != ' ')
		return -1;
	for (i = mlen; i < lim; i = w + wlen) {
		while (i < lim && p[i] == ' ')
			i++;
		for (w = i, wlen = 0; w + wlen < lim && p[w + wlen] != ' ';
		    wlen++)
			;
		if (cut && w + wlen == lim)
			break;
		for (k = 0; k < FRAME_NCAPS; k++)
			if (wlen == strlen(frame_caps[k].name) &&
			    memcmp(p + w, frame_caps[k].name, wlen) == 0)
				caps |= frame_caps[k].bit;
	}
	return (int)caps;
}

size_t
frame_caps_format(unsigned caps, char out[VIOS_CAPS_MAX])
{
	size_t	 len, k, nlen;

	len = sizeof(VIOS_CAPS_MAGIC) - 1;
	memcpy(out, VIOS_CAPS_MAGIC, len);
	for (k = 0; k < FRAME_NCAPS; k++) {
		if ((caps & frame_caps[k].bit) == 0)
			continue;
		nlen = strlen(frame_caps[k].name);
		if (len + 1 + nlen > VIOS_CAPS_MAX)
			break;
		out[len++] = ' ';
		memcpy(out + len, frame_caps[k].name, nlen);
		len += nlen;
	}
	return len;
}

int
frame_token_reserved(uint32_t tok)
{
	return tok == VIOS_TOKEN_UNKNOWN || tok == VIOS_TOKEN_NONE;
}

const char *
frame_ctrl_name(uint8_t ctrl, char buf[8])
{
	switch (ctrl) {
	case VIOS_SYN:
		return "SYN";
	case VIOS_ACK:
		return "ACK";
	case VIOS_SYNACK:
		return "SYNACK";
	case VIOS_DATA:
		return "DATA";
	case VIOS_FIN:
		return "FIN";
	case VIOS_RESET:
		return "RESET";
	default:
		snprintf(buf, 8, "0x%02x", ctrl);
		return buf;
	}
}

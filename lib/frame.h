/* SPDX-License-Identifier: Apache-2.0 */
/*
 * frame.h: the pure part of the wire codec: header encode/parse and the
 * capability payload of SYN/SYNACK.  No I/O and no libevent here, so it is
 * trivially unit-tested and fuzzed; framebuf.h applies it to evbuffers.
 * The wire format is described in doc/protocol.md.
 */
#ifndef FRAME_H
#define FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "vios.h"

struct frame_hdr {
	uint8_t		ctrl;	/* VIOS_SYN ... VIOS_RESET, or anything a peer sent */
	uint32_t	gtok;	/* guest token */
	uint32_t	htok;	/* host token */
	uint16_t	len;	/* payload length */
};

enum frame_parse {
	FRAME_OK,	/* a whole header was parsed */
	FRAME_SHORT,	/* the bytes so far are a valid header prefix: need more */
	FRAME_BAD	/* not a header here: drop one byte and hunt again */
};

/* Write the 14-byte header of h into out. */
void		 frame_hdr_encode(uint8_t out[VIOS_HDR_LEN], const struct frame_hdr *h);

/* Parse a header from the n bytes at p (n may be short); fill h on FRAME_OK. */
enum frame_parse frame_hdr_parse(const uint8_t *p, size_t n, struct frame_hdr *h);

/*
 * Capabilities.  frame_caps_parse() returns the VIOS_CAP_* bits named in a
 * SYN/SYNACK payload, or -1 when the payload is absent or does not start
 * with VIOS_CAPS_MAGIC (a peer without extensions).  Unknown names are
 * ignored.  Names are read from the first VIOS_CAPS_MAX bytes; a caller
 * that keeps only a prefix of a longer payload passes VIOS_CAPS_MAX + 1
 * bytes, so that a name cut at the limit is seen to be cut and ignored.
 * frame_caps_format() writes the payload for caps into out and returns
 * its length (always <= VIOS_CAPS_MAX).
 */
int		 frame_caps_parse(const uint8_t *p, size_t n);
size_t		 frame_caps_format(unsigned caps, char out[VIOS_CAPS_MAX]);

/* True for the two reserved token values. */
int		 frame_token_reserved(uint32_t tok);

/* Printable name of a ctrl byte ("SYN", "DATA", ... or "0x5a"); buf holds 8. */
const char	*frame_ctrl_name(uint8_t ctrl, char buf[8]);

#endif /* FRAME_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vios.h: protocol constants, limits, watermarks and timeouts shared by
 * both daemons.  Every number that shapes the wire format or bounds memory
 * lives here with its unit and the reason for its value.  The wire format
 * itself is described in doc/protocol.md.
 */
#ifndef VIOS_H
#define VIOS_H

#include <stddef.h>
#include <stdint.h>

/* Frame header (doc/protocol.md, "Frame format"). */
#define VIOS_SYNC0		0x56	/* 'V' */
#define VIOS_SYNC1		0x53	/* 'S' */
#define VIOS_VERSION		0x31	/* '1': the only version ever sent */
#define VIOS_HDR_LEN		14	/* bytes */
#define VIOS_MAX_PAYLOAD	65535	/* bytes: the uint16 length field */

/* Control codes. */
#define VIOS_SYN		'A'
#define VIOS_ACK		'B'
#define VIOS_SYNACK		'C'
#define VIOS_DATA		'D'
#define VIOS_FIN		'F'	/* extension "fin", negotiated */
#define VIOS_RESET		'H'

/* Reserved token values: never generated as real tokens. */
#define VIOS_TOKEN_UNKNOWN	0x3F3F3F3FU	/* "????": host token in SYN */
#define VIOS_TOKEN_NONE		0x52525252U	/* "RRRR": no session */

/*
 * Resync preamble: 65535 'V' bytes, as many as the largest payload, so a
 * peer stuck inside a partial frame completes it with 'V's and is left
 * hunting in a valid 'V' run (any run of 'V' before 'S' is a preamble)
 * when the next header arrives.
 */
#define VIOS_PREAMBLE_LEN	65535

/* Capability payload of SYN/SYNACK (doc/protocol.md, "Capabilities"). */
#define VIOS_CAPS_MAGIC		"VIOSX1"
#define VIOS_CAPS_MAX		256	/* bytes kept of a caps payload; rest ignored */
#define VIOS_CAP_FIN		0x01u	/* "fin": half-close */
#define VIOS_CAPS_OURS		VIOS_CAP_FIN

/*
 * Buffering.  Reads take what the other side's output has room for below
 * its HIGH mark (a channel without a session, up to 256 KiB per read
 * event: lib/port.c); TCP data is framed in payloads of at most
 * VIOS_MAX_PAYLOAD.  Watermarks bound what a side that stops reading can
 * make us hold: the producer is paused above HIGH and resumed below LOW.
 */
#define VIOS_READ_MAX		(VIOS_HDR_LEN + VIOS_MAX_PAYLOAD) /* a whole frame, bytes */
#define VIOS_CHAN_OUT_HIGH	(256 * 1024)	/* channel output, bytes */
#define VIOS_TCP_OUT_HIGH	(256 * 1024)	/* TCP output, bytes */
#define VIOS_OUT_LOW_DIV	2		/* resume below HIGH / 2 */
/* Channel output past this holds only control frames a peer did not read:
 * stop reading that peer until it does. */
#define VIOS_CHAN_OUT_MAX	(2 * VIOS_CHAN_OUT_HIGH)

/* Timeouts, milliseconds. */
#define VIOS_HANDSHAKE_MS	30000	/* guest: SYN -> SYNACK */
#define VIOS_ACK_MS		30000	/* host: SYNACK -> ACK */
#define VIOS_CONNECT_MS		10000	/* host: service connect */
#define VIOS_DRAIN_MS		10000	/* no write progress: stop draining output */
/* Exit: the whole channel drain is cut off (doc/protocol.md section 8). */
#define VIOS_SHUTDOWN_MS	5000

/* Reconnect back-off for channels that are missing or busy, milliseconds. */
#define VIOS_BACKOFF_MIN_MS	100
#define VIOS_BACKOFF_MAX_MS	10000

/* Repeated identical warnings: at most one per key in this window. */
#define VIOS_WARN_INTERVAL_S	60

#endif /* VIOS_H */

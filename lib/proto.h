/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto.h: the negotiation state machine of one session, for either role,
 * as pure code: proto_step(state, input) -> (new state, actions).  It does
 * no I/O, reads no clock and draws no random numbers: the caller supplies a
 * fresh token with the inputs that need one and carries out the actions in
 * order.  doc/protocol.md describes both machines.
 *
 * A struct proto is one session slot.  Today a channel carries one; stream
 * multiplexing will give a channel a table of them keyed by token pair, with
 * frame routing above proto_step(), which is why channel-wide facts (the
 * resync flag, the host's RESET-once memory) are kept apart in struct
 * proto_chan.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

enum proto_role {
	PROTO_HOST,
	PROTO_GUEST
};

enum proto_state {
	PROTO_IDLE,		/* no session */
	PROTO_CONNECTING,	/* host: SYN seen, service connect pending */
	PROTO_SYN_RCVD,		/* host: SYNACK sent, waiting for ACK */
	PROTO_SYN_SENT,		/* guest: SYN sent, waiting for SYNACK */
	PROTO_ESTABLISHED,	/* relaying; half-close kept in fin_sent/fin_rcvd */
	PROTO_NSTATES
};

enum proto_event {
	PROTO_EV_FRAME,		/* a decoded frame: in.hdr, in.caps */
	PROTO_EV_OPEN,		/* guest: a client was paired with the channel; in.tok */
	PROTO_EV_CONNECTED,	/* host: service connect succeeded; in.tok */
	PROTO_EV_REFUSED,	/* host: service connect failed */
	PROTO_EV_TCP_EOF,	/* TCP side sent EOF, all its data already framed */
	PROTO_EV_TCP_ERROR,	/* TCP side failed or was reset */
	PROTO_EV_TIMEOUT,	/* the session timer fired */
	PROTO_EV_CHAN_DOWN,	/* the channel lost its peer or is going away */
	PROTO_EV_SHUTDOWN,	/* the daemon is exiting: tell the peer */
	PROTO_NEVENTS
};

struct proto_in {
	enum proto_event	ev;
	struct frame_hdr	hdr;	/* PROTO_EV_FRAME */
	int			caps;	/* PROTO_EV_FRAME: frame_caps_parse() of SYN/SYNACK, else -1 */
	uint32_t		tok;	/* OPEN, CONNECTED: a fresh non-reserved token */
};

enum proto_act_type {
	PROTO_ACT_SEND,		/* send frame ctrl(gtok, htok), with caps payload if caps >= 0 */
	PROTO_ACT_PREAMBLE,	/* send the resync preamble (before the next SEND) */
	PROTO_ACT_DECODER_RESET,/* drop any partial frame buffered from the channel */
	PROTO_ACT_CONNECT,	/* host: start the non-blocking service connect */
	PROTO_ACT_TCP_START,	/* start reading the TCP side and relaying it */
	PROTO_ACT_DELIVER,	/* pass this DATA frame's payload to the TCP side */
	PROTO_ACT_TCP_SHUTDOWN,	/* shutdown(SHUT_WR) the TCP side once its output drained */
	PROTO_ACT_TCP_CLOSE,	/* close the TCP side once its output drained */
	PROTO_ACT_TIMER_START,	/* (re)arm the session timer for ms */
	PROTO_ACT_TIMER_STOP,
	PROTO_ACT_END		/* the session is over: reason, clean */
};

struct proto_act {
	enum proto_act_type	type;
	uint8_t			ctrl;	/* SEND */
	uint32_t		gtok;	/* SEND */
	uint32_t		htok;	/* SEND */
	int			caps;	/* SEND: payload caps, -1 for none */
	unsigned		ms;	/* TIMER_START */
	bool			clean;	/* END: false makes the guest resync */
	const char		*reason;/* END, and why frames were dropped */
};

#define PROTO_MAX_ACTS	8

struct proto_out {
	int			n;
	struct proto_act	act[PROTO_MAX_ACTS];
	const char		*note;	/* why an input did nothing, for debug logs */
};

struct proto_cfg {
	enum proto_role		role;
	unsigned		caps;		/* extensions we offer (guest) or accept (host) */
	unsigned		handshake_ms;	/* guest: SYN -> SYNACK */
	unsigned		ack_ms;		/* host: SYNACK -> ACK */
	unsigned		connect_ms;	/* host: service connect */
};

/* Channel-wide protocol facts, shared by the sessions of one channel. */
struct proto_chan {
	bool			resync;		/* guest: next SYN is preceded by the preamble */
	bool			rst_valid;	/* host: a RESET was answered for ... */
	uint32_t		rst_gtok;	/* ... this token pair, not again */
	uint32_t		rst_htok;
};

struct proto {
	const struct proto_cfg	*cfg;
	struct proto_chan	*chan;
	enum proto_state	 state;
	uint32_t		 gtok;
	uint32_t		 htok;
	int			 peer_caps;	/* host: caps of the SYN, -1 for none */
	unsigned		 caps;		/* negotiated for this session */
	bool			 fin_sent;
	bool			 fin_rcvd;
	bool			 tcp_gone;	/* guest: client left during the handshake */
	bool			 syn_resent;	/* guest: the one SYN resend was used */
};

void		 proto_chan_init(struct proto_chan *pc, enum proto_role role);
void		 proto_init(struct proto *p, const struct proto_cfg *cfg,
		    struct proto_chan *pc);
/* Apply one input; out receives the actions to carry out, in order. */
void		 proto_step(struct proto *p, const struct proto_in *in,
		    struct proto_out *out);
const char	*proto_state_name(enum proto_state st);
const char	*proto_event_name(enum proto_event ev);

#endif /* PROTO_H */

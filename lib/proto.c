/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto.c: the session negotiation of doc/protocol.md sections 4 to 7 for
 * both roles, as a pure function of (state, input).  Each handler appends
 * actions to a struct proto_out; the caller carries them out in order.
 * Frames reach here whole; their payload is the caller's to deliver or
 * drop, as the actions say.  Peer bytes are hostile: every combination of
 * state and frame has a defined, bounded outcome.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "proto.h"

static void
act(struct proto_out *out, enum proto_act_type type)
{
	struct proto_act	*a;

	/* PROTO_MAX_ACTS is above the longest sequence below. */
	if (out->n >= PROTO_MAX_ACTS)
		return;
	a = &out->act[out->n++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->caps = -1;
}

static void
act_send(struct proto_out *out, uint8_t ctrl, uint32_t gtok, uint32_t htok,
    int caps)
{
	act(out, PROTO_ACT_SEND);
	out->act[out->n - 1].ctrl = ctrl;
	out->act[out->n - 1].gtok = gtok;
	out->act[out->n - 1].htok = htok;
	out->act[out->n - 1].caps = caps;
}

static void
act_timer(struct proto_out *out, unsigned ms)
{
	act(out, PROTO_ACT_TIMER_START);
	out->act[out->n - 1].ms = ms;
}

/* Close the TCP side and end the session; the slot goes back to idle. */
static void
end(struct proto *p, struct proto_out *out, bool clean, const char *reason)
{
	act(out, PROTO_ACT_TIMER_STOP);
	act(out, PROTO_ACT_TCP_CLOSE);
	act(out, PROTO_ACT_END);
	out->act[out->n - 1].clean = clean;
	out->act[out->n - 1].reason = reason;
	if (!clean && p->cfg->role == PROTO_GUEST)
		p->chan->resync = true;
	p->state = PROTO_IDLE;
	p->fin_sent = p->fin_rcvd = p->tcp_gone = p->syn_resent = false;
}

static void
ignore(struct proto_out *out, const char *why)
{
	out->note = why;
}

static bool
mine(const struct proto *p, const struct frame_hdr *h)
{
	return h->gtok == p->gtok && h->htok == p->htok;
}

/* Reset the session for a protocol error by the peer. */
static void
proto_error(struct proto *p, struct proto_out *out, const char *reason)
{
	act_send(out, VIOS_RESET, p->gtok, p->htok, -1);
	end(p, out, false, reason);
}

/*
 * Our TCP side reached EOF: FIN when negotiated, else RESET as the 2011
 * peers do.  With fin, the session is over once FIN went both ways.
 */
static void
tcp_eof(struct proto *p, struct proto_out *out)
{
	if ((p->caps & VIOS_CAP_FIN) == 0) {
		act_send(out, VIOS_RESET, p->gtok, p->htok, -1);
		end(p, out, true, "closed by local peer");
		return;
	}
	if (p->fin_sent)
		return ignore(out, "duplicate EOF");
	act_send(out, VIOS_FIN, p->gtok, p->htok, -1);
	p->fin_sent = true;
	if (p->fin_rcvd)
		end(p, out, true, "closed both ways");
}

/* A frame in ESTABLISHED, either role: the relay and its endings. */
static void
established_frame(struct proto *p, const struct proto_in *in,
    struct proto_out *out)
{
	const struct frame_hdr	*h = &in->hdr;

	if (h->ctrl == VIOS_RESET) {
		if (!mine(p, h))
			return ignore(out, "RESET for another session");
		return end(p, out, true, "reset by peer");
	}
	if (!mine(p, h))
		return proto_error(p, out, "frame with foreign tokens");
	switch (h->ctrl) {
	case VIOS_DATA:
		if (p->fin_rcvd)
			return proto_error(p, out, "DATA after FIN");
		if (h->len > 0)
			act(out, PROTO_ACT_DELIVER);
		return;
	case VIOS_FIN:
		if ((p->caps & VIOS_CAP_FIN) == 0)
			return proto_error(p, out, "FIN not negotiated");
		if (p->fin_rcvd)
			return ignore(out, "duplicate FIN");
		p->fin_rcvd = true;
		act(out, PROTO_ACT_TCP_SHUTDOWN);
		if (p->fin_sent)
			end(p, out, true, "closed both ways");
		return;
	case VIOS_ACK:
		if (p->cfg->role == PROTO_HOST)
			return ignore(out, "duplicate ACK");
		return proto_error(p, out, "unexpected ACK");
	default:
		return proto_error(p, out, "unexpected frame");
	}
}

/* Host: a SYN starts a session whatever the state (a new guest client). */
static void
host_syn(struct proto *p, const struct proto_in *in, struct proto_out *out)
{
	/*
	 * The guest resends its SYN once after a stale RESET: the session it
	 * asks for is the one being opened, not a new one.
	 */
	if ((p->state == PROTO_CONNECTING || p->state == PROTO_SYN_RCVD) &&
	    in->hdr.gtok == p->gtok)
		return ignore(out, "repeated SYN of the session being opened");
	if (p->state != PROTO_IDLE)
		end(p, out, false, "superseded by a new SYN");
	p->gtok = in->hdr.gtok;
	p->htok = VIOS_TOKEN_UNKNOWN;
	p->peer_caps = in->caps;
	p->caps = in->caps >= 0 ? (unsigned)in->caps & p->cfg->caps : 0;
	p->state = PROTO_CONNECTING;
	act(out, PROTO_ACT_CONNECT);
	act_timer(out, p->cfg->connect_ms);
}

/*
 * Host, no session for this frame's tokens: answer RESET once per token
 * pair so the guest ends a session this host lost (a restart) at once.
 */
static void
host_unknown(struct proto *p, const struct frame_hdr *h, struct proto_out *out)
{
	struct proto_chan	*pc = p->chan;

	if (h->ctrl == VIOS_RESET)
		return ignore(out, "RESET for no session");
	if (h->ctrl != VIOS_DATA && h->ctrl != VIOS_ACK && h->ctrl != VIOS_FIN)
		return ignore(out, "stale frame");
	if (frame_token_reserved(h->gtok) || frame_token_reserved(h->htok))
		return ignore(out, "stale frame with reserved tokens");
	if (pc->rst_valid && pc->rst_gtok == h->gtok && pc->rst_htok == h->htok)
		return ignore(out, "stale frame, RESET already sent");
	pc->rst_valid = true;
	pc->rst_gtok = h->gtok;
	pc->rst_htok = h->htok;
	act_send(out, VIOS_RESET, h->gtok, h->htok, -1);
}

static void
host_frame(struct proto *p, const struct proto_in *in, struct proto_out *out)
{
	const struct frame_hdr	*h = &in->hdr;

	if (h->ctrl == VIOS_SYN) {
		/* No guest picks a reserved token: not a session, end none. */
		if (frame_token_reserved(h->gtok))
			return ignore(out, "SYN with a reserved guest token");
		return host_syn(p, in, out);
	}
	switch (p->state) {
	case PROTO_IDLE:
		return host_unknown(p, h, out);
	case PROTO_CONNECTING:
		/* The guest does not know H yet: its RESET carries G only. */
		if (h->ctrl == VIOS_RESET && h->gtok == p->gtok)
			return end(p, out, true, "reset by guest while connecting");
		return ignore(out, "stale frame while connecting");
	case PROTO_SYN_RCVD:
		if (h->ctrl == VIOS_ACK && mine(p, h)) {
			p->state = PROTO_ESTABLISHED;
			act(out, PROTO_ACT_TIMER_STOP);
			act(out, PROTO_ACT_TCP_START);
			return;
		}
		if (h->ctrl == VIOS_RESET && h->gtok == p->gtok &&
		    (h->htok == p->htok || h->htok == VIOS_TOKEN_UNKNOWN))
			return end(p, out, true, "reset by guest before ACK");
		return ignore(out, "stale frame before ACK");
	case PROTO_ESTABLISHED:
		return established_frame(p, in, out);
	default:
		return ignore(out, "frame in a guest state");
	}
}

static void
host_step(struct proto *p, const struct proto_in *in, struct proto_out *out)
{
	switch (in->ev) {
	case PROTO_EV_FRAME:
		return host_frame(p, in, out);
	case PROTO_EV_CONNECTED:
		if (p->state != PROTO_CONNECTING)
			return ignore(out, "late service connect");
		p->htok = in->tok;
		p->state = PROTO_SYN_RCVD;
		act_send(out, VIOS_SYNACK, p->gtok, p->htok,
		    p->peer_caps >= 0 ? (int)p->caps : -1);
		act_timer(out, p->cfg->ack_ms);
		return;
	case PROTO_EV_REFUSED:
		if (p->state != PROTO_CONNECTING)
			return ignore(out, "late service refusal");
		/* The guest's own token, so old and new guests both see it. */
		act_send(out, VIOS_RESET, p->gtok, VIOS_TOKEN_NONE, -1);
		return end(p, out, true, "service unreachable");
	case PROTO_EV_TIMEOUT:
		if (p->state == PROTO_CONNECTING) {
			act_send(out, VIOS_RESET, p->gtok, VIOS_TOKEN_NONE, -1);
			return end(p, out, true, "service connect timed out");
		}
		if (p->state == PROTO_SYN_RCVD) {
			act_send(out, VIOS_RESET, p->gtok, p->htok, -1);
			return end(p, out, false, "no ACK from guest");
		}
		return ignore(out, "stale timer");
	case PROTO_EV_TCP_EOF:
		if (p->state != PROTO_ESTABLISHED)
			return ignore(out, "service EOF outside a session");
		return tcp_eof(p, out);
	case PROTO_EV_TCP_ERROR:
		if (p->state == PROTO_IDLE)
			return ignore(out, "service error outside a session");
		if (p->state == PROTO_CONNECTING) {
			act_send(out, VIOS_RESET, p->gtok, VIOS_TOKEN_NONE, -1);
			return end(p, out, true, "service unreachable");
		}
		act_send(out, VIOS_RESET, p->gtok, p->htok, -1);
		return end(p, out, true, "service connection failed");
	case PROTO_EV_CHAN_DOWN:
		if (p->state == PROTO_IDLE)
			return ignore(out, "channel down while idle");
		return end(p, out, false, "channel down");
	case PROTO_EV_SHUTDOWN:
		if (p->state == PROTO_IDLE)
			return ignore(out, "no session to end");
		act_send(out, VIOS_RESET, p->gtok, p->state == PROTO_CONNECTING ?
		    VIOS_TOKEN_NONE : p->htok, -1);
		return end(p, out, true, "daemon shutting down");
	case PROTO_EV_OPEN:
	default:
		return ignore(out, "not a host event");
	}
}

static void
guest_send_syn(struct proto *p, struct proto_out *out)
{
	act_send(out, VIOS_SYN, p->gtok, VIOS_TOKEN_UNKNOWN,
	    (int)p->cfg->caps);
}

static void
guest_syn_sent(struct proto *p, const struct proto_in *in,
    struct proto_out *out)
{
	const struct frame_hdr	*h = &in->hdr;

	if (h->ctrl == VIOS_SYNACK && h->gtok == p->gtok) {
		p->htok = h->htok;
		p->caps = in->caps >= 0 ? (unsigned)in->caps & p->cfg->caps : 0;
		if (p->tcp_gone) {
			/* The client left during the handshake: end it properly. */
			act_send(out, VIOS_RESET, p->gtok, p->htok, -1);
			end(p, out, true, "client left during the handshake");
			return;
		}
		act(out, PROTO_ACT_TIMER_STOP);
		p->state = PROTO_ESTABLISHED;
		act_send(out, VIOS_ACK, p->gtok, p->htok, -1);
		act(out, PROTO_ACT_TCP_START);
		return;
	}
	if (h->ctrl == VIOS_RESET) {
		if (h->gtok == p->gtok ||
		    (h->gtok == VIOS_TOKEN_NONE && h->htok == VIOS_TOKEN_NONE))
			return end(p, out, true, "refused by host");
		/* An old host ending a stale session ate our SYN: once more. */
		if (p->syn_resent)
			return ignore(out, "RESET for another session");
		p->syn_resent = true;
		guest_send_syn(p, out);
		return;
	}
	ignore(out, "stale frame during the handshake");
}

static void
guest_step(struct proto *p, const struct proto_in *in, struct proto_out *out)
{
	switch (in->ev) {
	case PROTO_EV_OPEN:
		if (p->state != PROTO_IDLE)
			return ignore(out, "channel busy");
		p->gtok = in->tok;
		p->htok = VIOS_TOKEN_UNKNOWN;
		p->caps = 0;
		p->state = PROTO_SYN_SENT;
		act(out, PROTO_ACT_DECODER_RESET);
		if (p->chan->resync) {
			act(out, PROTO_ACT_PREAMBLE);
			p->chan->resync = false;
		}
		guest_send_syn(p, out);
		act_timer(out, p->cfg->handshake_ms);
		return;
	case PROTO_EV_FRAME:
		if (p->state == PROTO_SYN_SENT)
			return guest_syn_sent(p, in, out);
		if (p->state == PROTO_ESTABLISHED)
			return established_frame(p, in, out);
		return ignore(out, "stale frame while idle");
	case PROTO_EV_TCP_EOF:
	case PROTO_EV_TCP_ERROR:
		if (p->state == PROTO_SYN_SENT) {
			if (p->tcp_gone)
				return ignore(out, "client already gone");
			p->tcp_gone = true;
			act(out, PROTO_ACT_TCP_CLOSE);
			return;
		}
		if (p->state != PROTO_ESTABLISHED)
			return ignore(out, "client event outside a session");
		if (in->ev == PROTO_EV_TCP_EOF)
			return tcp_eof(p, out);
		/* Never FIN on an error: the host would wait for ours. */
		act_send(out, VIOS_RESET, p->gtok, p->htok, -1);
		return end(p, out, true, "client connection failed");
	case PROTO_EV_TIMEOUT:
		if (p->state != PROTO_SYN_SENT)
			return ignore(out, "stale timer");
		return end(p, out, false, "no SYNACK from host");
	case PROTO_EV_CHAN_DOWN:
		act(out, PROTO_ACT_DECODER_RESET);
		p->chan->resync = true;
		if (p->state == PROTO_IDLE)
			return;
		return end(p, out, false, "host side gone");
	case PROTO_EV_SHUTDOWN:
		if (p->state == PROTO_IDLE)
			return ignore(out, "no session to end");
		/* In syn-sent H is still VIOS_TOKEN_UNKNOWN, which the host accepts. */
		act_send(out, VIOS_RESET, p->gtok, p->htok, -1);
		return end(p, out, true, "daemon shutting down");
	case PROTO_EV_CONNECTED:
	case PROTO_EV_REFUSED:
	default:
		return ignore(out, "not a guest event");
	}
}

void
proto_chan_init(struct proto_chan *pc, enum proto_role role)
{
	memset(pc, 0, sizeof(*pc));
	/* A freshly opened channel may hold an old host mid-frame. */
	pc->resync = role == PROTO_GUEST;
}

void
proto_init(struct proto *p, const struct proto_cfg *cfg, struct proto_chan *pc)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->chan = pc;
	p->state = PROTO_IDLE;
	p->gtok = VIOS_TOKEN_NONE;
	p->htok = VIOS_TOKEN_NONE;
	p->peer_caps = -1;
}

void
proto_step(struct proto *p, const struct proto_in *in, struct proto_out *out)
{
	out->n = 0;
	out->note = NULL;
	if (p->cfg->role == PROTO_HOST)
		host_step(p, in, out);
	else
		guest_step(p, in, out);
}

const char *
proto_state_name(enum proto_state st)
{
	static const char *const names[PROTO_NSTATES] = {
		[PROTO_IDLE] = "idle",
		[PROTO_CONNECTING] = "connecting",
		[PROTO_SYN_RCVD] = "syn-rcvd",
		[PROTO_SYN_SENT] = "syn-sent",
		[PROTO_ESTABLISHED] = "established",
	};

	return (unsigned)st < PROTO_NSTATES ? names[st] : "invalid";
}

const char *
proto_event_name(enum proto_event ev)
{
	static const char *const names[PROTO_NEVENTS] = {
		[PROTO_EV_FRAME] = "frame",
		[PROTO_EV_OPEN] = "open",
		[PROTO_EV_CONNECTED] = "connected",
		[PROTO_EV_REFUSED] = "refused",
		[PROTO_EV_TCP_EOF] = "tcp-eof",
		[PROTO_EV_TCP_ERROR] = "tcp-error",
		[PROTO_EV_TIMEOUT] = "timeout",
		[PROTO_EV_CHAN_DOWN] = "chan-down",
		[PROTO_EV_SHUTDOWN] = "shutdown",
	};

	return (unsigned)ev < PROTO_NEVENTS ? names[ev] : "invalid";
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto_driver.c: the state machine harness shared by fuzz_proto_host and
 * fuzz_proto_guest.  The input is a configuration byte, then records, each
 * one input to proto_step(): a decoded frame with fuzzer-chosen ctrl,
 * tokens, caps and length, or a local event (client/service, timer,
 * channel).  A small model beside the machine tracks what the actions
 * imply (timer armed, caps negotiated, FIN sent, resync owed) and every
 * step is checked against doc/protocol.md sections 3 to 6.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "frame.h"
#include "fuzz.h"
#include "proto.h"

/* Distinct timeouts, so each TIMER_START can be matched to its reason. */
#define FZ_HANDSHAKE_MS	1001
#define FZ_ACK_MS	1002
#define FZ_CONNECT_MS	1003

struct fz_input {
	const uint8_t	*p;
	size_t		 n;
};

/* What the actions so far say about the session and the channel. */
struct fz_model {
	const struct proto_cfg	*cfg;
	bool		 timer;		/* TIMER_START without TIMER_STOP since */
	int		 syn_caps;	/* host: caps of the SYN being answered */
	unsigned	 caps;		/* negotiated, derived from SYN/SYNACK */
	uint32_t	 peer_htok;	/* guest: H as the SYNACK gave it */
	bool		 fin_sent;
	int		 syns;		/* guest: SYNs sent this session */
	bool		 resync;	/* guest: the next SYN owes a preamble */
	bool		 rst_valid;	/* host: the last idle RESET's pair */
	uint32_t	 rst_gtok, rst_htok;
	uint32_t	 toks[4];	/* recent tokens, for matching frames */
};

static bool
fz_byte(struct fz_input *in, uint8_t *b)
{
	if (in->n == 0)
		return false;
	*b = *in->p++;
	in->n--;
	return true;
}

static bool
fz_u32(struct fz_input *in, uint32_t *v)
{
	uint8_t	 b;
	int	 i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (!fz_byte(in, &b))
			return false;
		*v = *v << 8 | b;
	}
	return true;
}

/* A token for a frame: mostly one that matters to the machine. */
static bool
fz_tok(struct fz_input *in, const struct proto *p, const struct fz_model *m,
    uint32_t *tok)
{
	uint8_t	 b;

	if (!fz_byte(in, &b))
		return false;
	switch (b & 7) {
	case 0:
		*tok = p->gtok;
		return true;
	case 1:
		*tok = p->htok;
		return true;
	case 2:
		*tok = VIOS_TOKEN_NONE;
		return true;
	case 3:
		*tok = VIOS_TOKEN_UNKNOWN;
		return true;
	case 4:
	case 5:
		*tok = m->toks[(b >> 3) & 3];
		return true;
	case 6:
		return fz_u32(in, tok);
	default:
		*tok = b >> 3;
		return true;
	}
}

/* A fresh token as token.c makes them: never reserved, never 0. */
static bool
fz_fresh(struct fz_input *in, struct fz_model *m, uint32_t *tok)
{
	if (!fz_u32(in, tok))
		return false;
	if (*tok == 0 || frame_token_reserved(*tok))
		*tok ^= 0x01010101u;
	memmove(m->toks + 1, m->toks, sizeof(m->toks) - sizeof(m->toks[0]));
	m->toks[0] = *tok;
	return true;
}

/* The next input record; false at the end of the data. */
static bool
fz_next(struct fz_input *in, const struct proto *p, struct fz_model *m,
    struct proto_in *pi)
{
	static const uint8_t	 ctrls[] = { VIOS_SYN, VIOS_ACK, VIOS_SYNACK,
	    VIOS_DATA, VIOS_FIN, VIOS_RESET };
	uint8_t			 b, c, k, l;
	uint32_t		 v;

	memset(pi, 0, sizeof(*pi));
	pi->caps = -1;
	if (!fz_byte(in, &b))
		return false;
	if ((b & 0x80) == 0)
		pi->ev = PROTO_EV_FRAME;
	else
		pi->ev = (enum proto_event)(1 + (b & 0x7f) % (PROTO_NEVENTS - 1));
	switch (pi->ev) {
	case PROTO_EV_FRAME:
		if (!fz_byte(in, &c) || !fz_tok(in, p, m, &pi->hdr.gtok) ||
		    !fz_tok(in, p, m, &pi->hdr.htok) || !fz_byte(in, &k) ||
		    !fz_byte(in, &l))
			return false;
		pi->hdr.ctrl = c < 0xc0 ? ctrls[c % sizeof(ctrls)] : c;
		switch (l & 3) {
		case 0:
			pi->hdr.len = 0;
			break;
		case 1:
			pi->hdr.len = 1;
			break;
		case 2:
			pi->hdr.len = VIOS_MAX_PAYLOAD;
			break;
		default:
			if (!fz_u32(in, &v))
				return false;
			pi->hdr.len = (uint16_t)v;
			break;
		}
		/* As the port fills it: frame_caps_parse() of a payload. */
		if ((pi->hdr.ctrl == VIOS_SYN || pi->hdr.ctrl == VIOS_SYNACK) &&
		    pi->hdr.len > 0)
			pi->caps = k % 3 == 0 ? -1 : k % 3 == 1 ? 0 :
			    (int)VIOS_CAP_FIN;
		return true;
	case PROTO_EV_OPEN:
	case PROTO_EV_CONNECTED:
		return fz_fresh(in, m, &pi->tok);
	default:
		return true;
	}
}

static bool
fz_armed_state(enum proto_state st)
{
	return st == PROTO_CONNECTING || st == PROTO_SYN_RCVD ||
	    st == PROTO_SYN_SENT;
}

/* One SEND: a frame a 2011 peer survives, with tokens the spec allows. */
static void
check_send(struct fz_model *m, const struct proto *prev, const struct proto *p,
    const struct proto_in *in, const struct proto_act *a)
{
	bool	 host = m->cfg->role == PROTO_HOST;

	/* Never DATA (the relay frames that), never an unknown ctrl. */
	if (host)
		FZ_CHECK(a->ctrl == VIOS_SYNACK || a->ctrl == VIOS_RESET ||
		    a->ctrl == VIOS_FIN);
	else
		FZ_CHECK(a->ctrl == VIOS_SYN || a->ctrl == VIOS_ACK ||
		    a->ctrl == VIOS_RESET || a->ctrl == VIOS_FIN);
	/*
	 * Reserved tokens: G never (we only ever send a G that a guest
	 * picked: ours, or one a SYN or frame carried and that was checked).
	 * H: the host uses RRRR only in RESET(G, RRRR) for a session still
	 * connecting (refusal, connect timeout, exit); our host never sends
	 * the 2011 RESET(RRRR, RRRR).  The guest sends ???? in its SYN and,
	 * exiting in syn-sent, in RESET(G, ????); otherwise the H its host
	 * chose, which section 6 takes as it comes (SYNACK(G, any h)).
	 */
	FZ_CHECK(!frame_token_reserved(a->gtok));
	if (a->ctrl == VIOS_SYN)
		FZ_CHECK(a->htok == VIOS_TOKEN_UNKNOWN);
	else if (host && a->ctrl == VIOS_RESET && a->htok == VIOS_TOKEN_NONE)
		FZ_CHECK(prev->state == PROTO_CONNECTING);
	else if (host)
		FZ_CHECK(!frame_token_reserved(a->htok));
	else
		/* The guest echoes the H its host chose (section 6: any h). */
		FZ_CHECK(a->htok == m->peer_htok);
	/* A caps payload only in SYN and in a SYNACK answering one. */
	if (a->ctrl != VIOS_SYN && a->ctrl != VIOS_SYNACK)
		FZ_CHECK(a->caps == -1);
	switch (a->ctrl) {
	case VIOS_SYN:
		FZ_CHECK(a->gtok == p->gtok && a->caps == (int)m->cfg->caps);
		FZ_CHECK(++m->syns <= 2);
		break;
	case VIOS_SYNACK:
		FZ_CHECK(in->ev == PROTO_EV_CONNECTED && a->htok == in->tok);
		FZ_CHECK(a->gtok == p->gtok && a->htok == p->htok);
		FZ_CHECK(a->caps == (m->syn_caps < 0 ? -1 : (int)m->caps));
		break;
	case VIOS_ACK:
		FZ_CHECK(in->ev == PROTO_EV_FRAME &&
		    in->hdr.ctrl == VIOS_SYNACK && in->hdr.gtok == p->gtok);
		FZ_CHECK(a->gtok == p->gtok && a->htok == p->htok);
		break;
	case VIOS_FIN:
		/* Only when negotiated, once, in a session. */
		FZ_CHECK((m->cfg->caps & VIOS_CAP_FIN) != 0);
		FZ_CHECK((m->caps & VIOS_CAP_FIN) != 0);
		FZ_CHECK(prev->state == PROTO_ESTABLISHED && !m->fin_sent);
		FZ_CHECK(in->ev == PROTO_EV_TCP_EOF);
		FZ_CHECK(a->gtok == prev->gtok && a->htok == prev->htok);
		m->fin_sent = true;
		break;
	case VIOS_RESET:
		if (host && prev->state == PROTO_IDLE) {
			/* For a session we do not have: once per pair. */
			FZ_CHECK(in->ev == PROTO_EV_FRAME);
			FZ_CHECK(a->gtok == in->hdr.gtok &&
			    a->htok == in->hdr.htok);
			FZ_CHECK(!(m->rst_valid && m->rst_gtok == a->gtok &&
			    m->rst_htok == a->htok));
			m->rst_valid = true;
			m->rst_gtok = a->gtok;
			m->rst_htok = a->htok;
		} else {
			FZ_CHECK(prev->state != PROTO_IDLE);
			FZ_CHECK(a->gtok == prev->gtok);
		}
		break;
	}
}

/* The session's tokens: only what the spec lets a state hold. */
static void
check_tokens(const struct fz_model *m, const struct proto *p)
{
	switch (p->state) {
	case PROTO_IDLE:
		break;
	case PROTO_CONNECTING:
	case PROTO_SYN_SENT:
		FZ_CHECK(!frame_token_reserved(p->gtok));
		FZ_CHECK(p->htok == VIOS_TOKEN_UNKNOWN);
		break;
	case PROTO_SYN_RCVD:
		FZ_CHECK(!frame_token_reserved(p->gtok));
		FZ_CHECK(!frame_token_reserved(p->htok));
		break;
	case PROTO_ESTABLISHED:
		FZ_CHECK(!frame_token_reserved(p->gtok));
		if (m->cfg->role == PROTO_HOST)
			FZ_CHECK(!frame_token_reserved(p->htok));
		else
			FZ_CHECK(p->htok == m->peer_htok);
		break;
	default:
		FZ_CHECK(!"state out of range");
	}
}

static void
check_step(struct fz_model *m, const struct proto *prev, const struct proto *p,
    const struct proto_in *in, const struct proto_out *out)
{
	const struct proto_act	*a;
	bool			 host = m->cfg->role == PROTO_HOST;
	int			 i, nend = 0, iend = -1;

	/* act() drops what does not fit: reaching the cap may hide a loss. */
	FZ_CHECK(out->n >= 0 && out->n < PROTO_MAX_ACTS);
	FZ_CHECK((unsigned)p->state < PROTO_NSTATES);
	FZ_CHECK(strcmp(proto_state_name(p->state), "invalid") != 0);
	if (host)
		FZ_CHECK(p->state != PROTO_SYN_SENT);
	else
		FZ_CHECK(p->state != PROTO_CONNECTING &&
		    p->state != PROTO_SYN_RCVD);
	FZ_CHECK((p->caps & ~m->cfg->caps) == 0);
	/* Guest: the SYNACK answering our SYN names H and the caps. */
	if (!host && prev->state == PROTO_SYN_SENT &&
	    in->ev == PROTO_EV_FRAME && in->hdr.ctrl == VIOS_SYNACK &&
	    in->hdr.gtok == prev->gtok) {
		m->peer_htok = in->hdr.htok;
		m->caps = in->caps >= 0 ? (unsigned)in->caps & m->cfg->caps : 0;
	}

	for (i = 0; i < out->n; i++) {
		a = &out->act[i];
		switch (a->type) {
		case PROTO_ACT_SEND:
			check_send(m, prev, p, in, a);
			break;
		case PROTO_ACT_PREAMBLE:
			FZ_CHECK(!host && m->resync);
			FZ_CHECK(i + 1 < out->n &&
			    out->act[i + 1].type == PROTO_ACT_SEND &&
			    out->act[i + 1].ctrl == VIOS_SYN);
			m->resync = false;
			break;
		case PROTO_ACT_DECODER_RESET:
			FZ_CHECK(!host);
			FZ_CHECK(in->ev == PROTO_EV_OPEN ||
			    in->ev == PROTO_EV_CHAN_DOWN);
			break;
		case PROTO_ACT_CONNECT:
			FZ_CHECK(host && in->ev == PROTO_EV_FRAME &&
			    in->hdr.ctrl == VIOS_SYN);
			FZ_CHECK(!frame_token_reserved(in->hdr.gtok));
			FZ_CHECK(p->state == PROTO_CONNECTING &&
			    p->gtok == in->hdr.gtok);
			m->syn_caps = in->caps;
			m->caps = in->caps >= 0 ?
			    (unsigned)in->caps & m->cfg->caps : 0;
			m->fin_sent = false;
			break;
		case PROTO_ACT_TCP_START:
			FZ_CHECK(prev->state != PROTO_ESTABLISHED &&
			    p->state == PROTO_ESTABLISHED);
			FZ_CHECK(p->caps == m->caps);
			break;
		case PROTO_ACT_DELIVER:
			/* Only a non-empty DATA of the session, before FIN. */
			FZ_CHECK(in->ev == PROTO_EV_FRAME &&
			    in->hdr.ctrl == VIOS_DATA && in->hdr.len > 0);
			FZ_CHECK(prev->state == PROTO_ESTABLISHED &&
			    !prev->fin_rcvd);
			FZ_CHECK(in->hdr.gtok == prev->gtok &&
			    in->hdr.htok == prev->htok);
			break;
		case PROTO_ACT_TCP_SHUTDOWN:
			FZ_CHECK(in->ev == PROTO_EV_FRAME &&
			    in->hdr.ctrl == VIOS_FIN);
			FZ_CHECK(prev->state == PROTO_ESTABLISHED &&
			    (m->caps & VIOS_CAP_FIN) != 0);
			break;
		case PROTO_ACT_TCP_CLOSE:
			FZ_CHECK(prev->state != PROTO_IDLE);
			break;
		case PROTO_ACT_TIMER_START:
			FZ_CHECK(a->ms == (p->state == PROTO_CONNECTING ?
			    FZ_CONNECT_MS : p->state == PROTO_SYN_RCVD ?
			    FZ_ACK_MS : FZ_HANDSHAKE_MS));
			FZ_CHECK(fz_armed_state(p->state));
			m->timer = true;
			break;
		case PROTO_ACT_TIMER_STOP:
			m->timer = false;
			break;
		case PROTO_ACT_END:
			/* One way out: timer stopped, TCP side closed. */
			FZ_CHECK(prev->state != PROTO_IDLE);
			FZ_CHECK(i >= 2 &&
			    out->act[i - 2].type == PROTO_ACT_TIMER_STOP &&
			    out->act[i - 1].type == PROTO_ACT_TCP_CLOSE);
			FZ_CHECK(a->reason != NULL);
			if (!a->clean && !host)
				m->resync = true;
			nend++;
			iend = i;
			break;
		default:
			FZ_CHECK(!"unknown action");
		}
	}
	FZ_CHECK(nend <= 1);
	/* After END the slot is idle, unless a SYN superseded the session. */
	if (nend == 1 && iend == out->n - 1)
		FZ_CHECK(p->state == PROTO_IDLE);
	else if (nend == 1)
		FZ_CHECK(host && in->ev == PROTO_EV_FRAME &&
		    in->hdr.ctrl == VIOS_SYN && p->state == PROTO_CONNECTING &&
		    out->act[iend + 1].type == PROTO_ACT_CONNECT);
	/* No session vanishes without END. */
	if (prev->state != PROTO_IDLE && p->state == PROTO_IDLE)
		FZ_CHECK(nend == 1);
	if (!host && in->ev == PROTO_EV_CHAN_DOWN)
		m->resync = true;
	if (!host && in->ev == PROTO_EV_OPEN && prev->state == PROTO_IDLE) {
		FZ_CHECK(p->state == PROTO_SYN_SENT);
		m->syns = 0;
		m->fin_sent = false;
		m->peer_htok = VIOS_TOKEN_UNKNOWN;
	}
	FZ_CHECK(p->chan->resync == m->resync);
	FZ_CHECK(m->timer == fz_armed_state(p->state));
	check_tokens(m, p);
}

void
fuzz_proto_run(enum proto_role role, const uint8_t *data, size_t size)
{
	struct fz_input		 in = { data, size };
	struct proto_cfg	 cfg;
	struct proto_chan	 pc;
	struct proto		 p, prev;
	struct proto_in		 pi;
	struct proto_out	 out;
	struct fz_model		 m;
	uint8_t			 b;

	if (!fz_byte(&in, &b))
		return;
	memset(&cfg, 0, sizeof(cfg));
	cfg.role = role;
	cfg.caps = (b & 1) ? VIOS_CAPS_OURS : 0;
	cfg.handshake_ms = FZ_HANDSHAKE_MS;
	cfg.ack_ms = FZ_ACK_MS;
	cfg.connect_ms = FZ_CONNECT_MS;
	proto_chan_init(&pc, role);
	proto_init(&p, &cfg, &pc);
	memset(&m, 0, sizeof(m));
	m.cfg = &cfg;
	m.syn_caps = -1;
	m.peer_htok = VIOS_TOKEN_UNKNOWN;
	m.resync = role == PROTO_GUEST;
	FZ_CHECK(p.state == PROTO_IDLE && pc.resync == m.resync);

	while (fz_next(&in, &p, &m, &pi)) {
		FZ_CHECK(strcmp(proto_event_name(pi.ev), "invalid") != 0);
		prev = p;
		proto_step(&p, &pi, &out);
		check_step(&m, &prev, &p, &pi, &out);
	}
}

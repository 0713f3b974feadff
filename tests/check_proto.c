/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_proto.c: unit tests of the session state machine, lib/proto.c.
 * A table of cases, one check test case each: a role and its offered caps,
 * a setup sequence of inputs that leads into a start state, one input under
 * test, and the exact state and action sequence it must produce.  Every
 * step of every case, setup included, is also checked against invariants
 * that hold for any input; a seeded random walk applies those to 100000
 * inputs per role.  Distinct timeouts make TIMER_START name its timer.
 * table_complete replays each setup to see where it really leads, and
 * wants a case for every input in every state, in each half-close
 * sub-state of established, and with own and foreign tokens there.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "checkmain.h"
#include "frame.h"
#include "proto.h"
#include "vios.h"

/* Distinct per timer, so a TIMER_START proves which one was armed. */
#define HS_MS		1111	/* guest handshake */
#define ACK_MS		2222	/* host SYNACK -> ACK */
#define CONN_MS		3333	/* host service connect */

/* Tokens: the session under test, and foreign ones. */
#define G		0x2f7c7a5cU
#define H		0x544e7e29U
#define G2		0x0badf00dU
#define H2		0x0c0ffee0U
#define G3		0x13572468U
#define H3		0x24681357U
#define UNK		VIOS_TOKEN_UNKNOWN
#define NONE		VIOS_TOKEN_NONE
#define FIN		VIOS_CAP_FIN

#define NRANDOM		100000
#define MAX_SETUP	12

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * An assertion for hot loops: check's ck_assert_*() records the location
 * of every passing check through the fork-mode pipe, which would dominate
 * a random walk; this one only speaks on failure.
 */
#define INV(cond, ...)	do {						\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

/* One input; caps is -1 unless a SYN/SYNACK carried a caps payload. */
struct step {
	enum proto_event	 ev;
	uint8_t			 ctrl;
	uint32_t		 gtok;
	uint32_t		 htok;
	uint16_t		 len;
	int			 caps;
	uint32_t		 tok;
};

/* One expected action: the fields that matter for its type. */
struct xact {
	enum proto_act_type	 type;
	uint8_t			 ctrl;
	uint32_t		 gtok;
	uint32_t		 htok;
	int			 caps;
	unsigned		 ms;
	bool			 clean;
};

#define CHK_TOK		0x01u	/* p.gtok, p.htok after the input */
#define CHK_CAPS	0x02u	/* p.caps after the input */
#define CHK_RESYNC	0x04u	/* chan.resync after the input */
#define CHK_HALF	0x08u	/* p.fin_sent, p.fin_rcvd after the input */

struct pcase {
	const char		*name;
	enum proto_role		 role;
	unsigned		 caps;	/* offered (guest), accepted (host) */
	int			 nsetup;
	struct step		 setup[MAX_SETUP];
	enum proto_state	 start;
	struct step		 in;
	enum proto_state	 state;
	int			 nacts;
	struct xact		 acts[PROTO_MAX_ACTS];
	unsigned		 chk;
	uint32_t		 gtok;
	uint32_t		 htok;
	unsigned		 pcaps;
	bool			 resync;
	bool			 fsent;
	bool			 frcvd;
};

#define NARGS(type, ...)	\
	(int)(sizeof((type[]){ __VA_ARGS__ }) / sizeof(type))

/* Case header: name, role and caps of the configuration. */
#define HOST(n)		.name = (n), .role = PROTO_HOST, .caps = FIN
#define HOST0(n)	.name = (n), .role = PROTO_HOST, .caps = 0
#define GUEST(n)	.name = (n), .role = PROTO_GUEST, .caps = FIN
#define GUEST0(n)	.name = (n), .role = PROTO_GUEST, .caps = 0

#define SETUP(...)	.nsetup = NARGS(struct step, __VA_ARGS__), \
			.setup = { __VA_ARGS__ }
#define NOSETUP		.nsetup = 0
#define AT(s)		.start = PROTO_##s
#define IN(x)		.in = x
#define TO(s)		.state = PROTO_##s
#define ACTS(...)	.nacts = NARGS(struct xact, __VA_ARGS__), \
			.acts = { __VA_ARGS__ }
#define NOACTS		.nacts = 0
#define TOKS(g, h)	.gtok = (g), .htok = (h)
#define HALF(s, r)	.fsent = (s), .frcvd = (r)

/* Inputs. */
#define FR(c, g, h)	{ .ev = PROTO_EV_FRAME, .ctrl = (c), .gtok = (g), \
			  .htok = (h), .caps = -1 }
#define FRL(c, g, h, l)	{ .ev = PROTO_EV_FRAME, .ctrl = (c), .gtok = (g), \
			  .htok = (h), .len = (l), .caps = -1 }
#define FRC(c, g, h, k)	{ .ev = PROTO_EV_FRAME, .ctrl = (c), .gtok = (g), \
			  .htok = (h), .len = 10, .caps = (k) }
#define EV(e)		{ .ev = PROTO_EV_##e, .caps = -1 }
#define EVT(e, t)	{ .ev = PROTO_EV_##e, .caps = -1, .tok = (t) }

/* Actions. */
#define A(t)		{ .type = PROTO_ACT_##t, .caps = -1 }
#define A_SEND(c, g, h, k) { .type = PROTO_ACT_SEND, .ctrl = (c), \
			  .gtok = (g), .htok = (h), .caps = (k) }
#define A_RESET(g, h)	A_SEND(VIOS_RESET, g, h, -1)
#define A_TIMER(m)	{ .type = PROTO_ACT_TIMER_START, .ms = (m), .caps = -1 }
#define A_END(c)	{ .type = PROTO_ACT_END, .clean = (c), .caps = -1 }

/* Sequences. */
#define X_END(c)	A(TIMER_STOP), A(TCP_CLOSE), A_END(c)
#define X_PERR		A_RESET(G, H), X_END(false)	/* protocol error */
#define X_HSYN		A(CONNECT), A_TIMER(CONN_MS)
#define X_SUPERSEDE	X_END(false), X_HSYN
#define X_GSYN(g, k)	A_SEND(VIOS_SYN, g, UNK, k), A_TIMER(HS_MS)

/* Setups. */
#define S_H_CONN(k)	FRC(VIOS_SYN, G, UNK, k)
#define S_H_SYNR(k)	S_H_CONN(k), EVT(CONNECTED, H)
#define S_H_EST(k)	S_H_SYNR(k), FR(VIOS_ACK, G, H)
#define S_G_SENT	EVT(OPEN, G)
#define S_G_EST(k)	S_G_SENT, FRC(VIOS_SYNACK, G, H, k)
#define S_G_CLEAN	S_G_EST(FIN), FR(VIOS_RESET, G, H)
/* The half-close sub-states of established, fin negotiated. */
#define S_H_FSENT	S_H_EST(FIN), EV(TCP_EOF)	/* we sent FIN */
#define S_H_FRCVD	S_H_EST(FIN), FR(VIOS_FIN, G, H) /* guest's FIN came */
#define S_G_FSENT	S_G_EST(FIN), EV(TCP_EOF)
#define S_G_FRCVD	S_G_EST(FIN), FR(VIOS_FIN, G, H)

static const struct pcase cases[] = {
	/* ---- host, idle ---------------------------------------------- */
	{ HOST("host/idle: SYN starts a session"), NOSETUP, AT(IDLE),
	  IN(FRC(VIOS_SYN, G, UNK, FIN)), TO(CONNECTING), ACTS(X_HSYN),
	  .chk = CHK_TOK, TOKS(G, UNK) },
	{ HOST("host/idle: SYN with any host token"), NOSETUP, AT(IDLE),
	  IN(FR(VIOS_SYN, G, H2)), TO(CONNECTING), ACTS(X_HSYN),
	  .chk = CHK_TOK, TOKS(G, UNK) },
	{ HOST("host/idle: SYN with guest token RRRR ignored"), NOSETUP,
	  AT(IDLE), IN(FR(VIOS_SYN, NONE, UNK)), TO(IDLE), NOACTS },
	{ HOST("host/idle: SYN with guest token ???? ignored"), NOSETUP,
	  AT(IDLE), IN(FR(VIOS_SYN, UNK, UNK)), TO(IDLE), NOACTS },
	{ HOST("host/idle: ACK for no session answered by RESET"), NOSETUP,
	  AT(IDLE), IN(FR(VIOS_ACK, G, H)), TO(IDLE), ACTS(A_RESET(G, H)) },
	{ HOST("host/idle: DATA for no session answered by RESET"), NOSETUP,
	  AT(IDLE), IN(FRL(VIOS_DATA, G, H, 5)), TO(IDLE),
	  ACTS(A_RESET(G, H)) },
	{ HOST("host/idle: zero-length DATA for no session answered by RESET"),
	  NOSETUP, AT(IDLE), IN(FRL(VIOS_DATA, G, H, 0)), TO(IDLE),
	  ACTS(A_RESET(G, H)) },
	{ HOST("host/idle: FIN for no session answered by RESET"), NOSETUP,
	  AT(IDLE), IN(FR(VIOS_FIN, G, H)), TO(IDLE), ACTS(A_RESET(G, H)) },
	{ HOST("host/idle: second identical DATA not answered"),
	  SETUP(FRL(VIOS_DATA, G, H, 5)), AT(IDLE),
	  IN(FRL(VIOS_DATA, G, H, 5)), TO(IDLE), NOACTS },
	{ HOST("host/idle: ACK after DATA of the same pair not answered"),
	  SETUP(FRL(VIOS_DATA, G, H, 5)), AT(IDLE), IN(FR(VIOS_ACK, G, H)),
	  TO(IDLE), NOACTS },
	{ HOST("host/idle: DATA of a different pair answered"),
	  SETUP(FRL(VIOS_DATA, G, H, 5)), AT(IDLE),
	  IN(FRL(VIOS_DATA, G2, H2, 5)), TO(IDLE), ACTS(A_RESET(G2, H2)) },
	{ HOST("host/idle: DATA of the same G, other H answered"),
	  SETUP(FRL(VIOS_DATA, G, H, 5)), AT(IDLE),
	  IN(FRL(VIOS_DATA, G, H2, 5)), TO(IDLE), ACTS(A_RESET(G, H2)) },
	{ HOST("host/idle: DATA with reserved tokens not answered"), NOSETUP,
	  AT(IDLE), IN(FRL(VIOS_DATA, NONE, NONE, 5)), TO(IDLE), NOACTS },
	{ HOST("host/idle: ACK with host token ???? not answered"), NOSETUP,
	  AT(IDLE), IN(FR(VIOS_ACK, G, UNK)), TO(IDLE), NOACTS },
	{ HOST("host/idle: DATA with guest token ???? not answered"), NOSETUP,
	  AT(IDLE), IN(FRL(VIOS_DATA, UNK, H, 5)), TO(IDLE), NOACTS },
	{ HOST("host/idle: SYNACK ignored"), NOSETUP, AT(IDLE),
	  IN(FR(VIOS_SYNACK, G, H)), TO(IDLE), NOACTS },
	{ HOST("host/idle: RESET ignored"), NOSETUP, AT(IDLE),
	  IN(FR(VIOS_RESET, G, H)), TO(IDLE), NOACTS },
	{ HOST("host/idle: RESET RRRR/RRRR ignored"), NOSETUP, AT(IDLE),
	  IN(FR(VIOS_RESET, NONE, NONE)), TO(IDLE), NOACTS },
	{ HOST("host/idle: unknown ctrl ignored"), NOSETUP, AT(IDLE),
	  IN(FR('Z', G, H)), TO(IDLE), NOACTS },
	{ HOST("host/idle: OPEN ignored"), NOSETUP, AT(IDLE),
	  IN(EVT(OPEN, G)), TO(IDLE), NOACTS },
	{ HOST("host/idle: CONNECTED ignored"), NOSETUP, AT(IDLE),
	  IN(EVT(CONNECTED, H)), TO(IDLE), NOACTS },
	{ HOST("host/idle: REFUSED ignored"), NOSETUP, AT(IDLE),
	  IN(EV(REFUSED)), TO(IDLE), NOACTS },
	{ HOST("host/idle: TCP_EOF ignored"), NOSETUP, AT(IDLE),
	  IN(EV(TCP_EOF)), TO(IDLE), NOACTS },
	{ HOST("host/idle: TCP_ERROR ignored"), NOSETUP, AT(IDLE),
	  IN(EV(TCP_ERROR)), TO(IDLE), NOACTS },
	{ HOST("host/idle: TIMEOUT ignored"), NOSETUP, AT(IDLE),
	  IN(EV(TIMEOUT)), TO(IDLE), NOACTS },
	{ HOST("host/idle: CHAN_DOWN ignored"), NOSETUP, AT(IDLE),
	  IN(EV(CHAN_DOWN)), TO(IDLE), NOACTS },
	{ HOST("host/idle: SHUTDOWN sends nothing"), NOSETUP, AT(IDLE),
	  IN(EV(SHUTDOWN)), TO(IDLE), NOACTS },
	{ HOST("host/idle: late DATA of an ended session answered"),
	  SETUP(S_H_EST(FIN), FR(VIOS_RESET, G, H)), AT(IDLE),
	  IN(FRL(VIOS_DATA, G, H, 5)), TO(IDLE), ACTS(A_RESET(G, H)) },

	/* ---- host, connecting ---------------------------------------- */
	{ HOST("host/connecting: SYN with a new G supersedes"),
	  SETUP(S_H_CONN(FIN)), AT(CONNECTING), IN(FR(VIOS_SYN, G2, UNK)),
	  TO(CONNECTING), ACTS(X_SUPERSEDE), .chk = CHK_TOK, TOKS(G2, UNK) },
	{ HOST("host/connecting: repeated SYN of the same G ignored"),
	  SETUP(S_H_CONN(FIN)), AT(CONNECTING), IN(FR(VIOS_SYN, G, UNK)),
	  TO(CONNECTING), NOACTS, .chk = CHK_TOK, TOKS(G, UNK) },
	{ HOST("host/connecting: superseded, SYNACK carries the new G"),
	  SETUP(S_H_CONN(FIN), FR(VIOS_SYN, G2, UNK)), AT(CONNECTING),
	  IN(EVT(CONNECTED, H)), TO(SYN_RCVD),
	  ACTS(A_SEND(VIOS_SYNACK, G2, H, -1), A_TIMER(ACK_MS)) },
	{ HOST("host/connecting: ACK ignored"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(FR(VIOS_ACK, G, H)), TO(CONNECTING), NOACTS },
	{ HOST("host/connecting: ACK with ???? ignored"),
	  SETUP(S_H_CONN(FIN)), AT(CONNECTING), IN(FR(VIOS_ACK, G, UNK)),
	  TO(CONNECTING), NOACTS },
	{ HOST("host/connecting: SYNACK ignored"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(FR(VIOS_SYNACK, G, H)), TO(CONNECTING), NOACTS },
	{ HOST("host/connecting: DATA ignored"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(FRL(VIOS_DATA, G, UNK, 5)), TO(CONNECTING),
	  NOACTS },
	{ HOST("host/connecting: foreign DATA ignored, no RESET"),
	  SETUP(S_H_CONN(FIN)), AT(CONNECTING), IN(FRL(VIOS_DATA, G2, H2, 5)),
	  TO(CONNECTING), NOACTS },
	{ HOST("host/connecting: FIN ignored"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(FR(VIOS_FIN, G, UNK)), TO(CONNECTING), NOACTS },
	{ HOST("host/connecting: unknown ctrl ignored"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(FR('Z', G, UNK)), TO(CONNECTING), NOACTS },
	{ HOST("host/connecting: RESET(G, unknown) ends"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(FR(VIOS_RESET, G, UNK)), TO(IDLE),
	  ACTS(X_END(true)) },
	{ HOST("host/connecting: RESET(G, other) ends"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(FR(VIOS_RESET, G, H2)), TO(IDLE),
	  ACTS(X_END(true)) },
	{ HOST("host/connecting: RESET for another G ignored"),
	  SETUP(S_H_CONN(FIN)), AT(CONNECTING), IN(FR(VIOS_RESET, G2, UNK)),
	  TO(CONNECTING), NOACTS },
	{ HOST("host/connecting: RESET RRRR/RRRR ignored"),
	  SETUP(S_H_CONN(FIN)), AT(CONNECTING), IN(FR(VIOS_RESET, NONE, NONE)),
	  TO(CONNECTING), NOACTS },
	{ HOST("host/connecting: OPEN ignored"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(EVT(OPEN, G2)), TO(CONNECTING), NOACTS },
	{ HOST("host/connecting: CONNECTED sends SYNACK with caps"),
	  SETUP(S_H_CONN(FIN)), AT(CONNECTING), IN(EVT(CONNECTED, H)),
	  TO(SYN_RCVD), ACTS(A_SEND(VIOS_SYNACK, G, H, FIN), A_TIMER(ACK_MS)),
	  .chk = CHK_TOK | CHK_CAPS, TOKS(G, H), .pcaps = FIN },
	{ HOST("host/connecting: SYN without caps, SYNACK without payload"),
	  SETUP(S_H_CONN(-1)), AT(CONNECTING), IN(EVT(CONNECTED, H)),
	  TO(SYN_RCVD), ACTS(A_SEND(VIOS_SYNACK, G, H, -1), A_TIMER(ACK_MS)),
	  .chk = CHK_CAPS, .pcaps = 0 },
	{ HOST("host/connecting: SYN with empty caps, SYNACK VIOSX1"),
	  SETUP(S_H_CONN(0)), AT(CONNECTING), IN(EVT(CONNECTED, H)),
	  TO(SYN_RCVD), ACTS(A_SEND(VIOS_SYNACK, G, H, 0), A_TIMER(ACK_MS)),
	  .chk = CHK_CAPS, .pcaps = 0 },
	{ HOST0("host/connecting: fin not accepted, SYNACK caps 0"),
	  SETUP(S_H_CONN(FIN)), AT(CONNECTING), IN(EVT(CONNECTED, H)),
	  TO(SYN_RCVD), ACTS(A_SEND(VIOS_SYNACK, G, H, 0), A_TIMER(ACK_MS)),
	  .chk = CHK_CAPS, .pcaps = 0 },
	{ HOST("host/connecting: unknown caps bits not accepted"),
	  SETUP(S_H_CONN(0xff)), AT(CONNECTING), IN(EVT(CONNECTED, H)),
	  TO(SYN_RCVD), ACTS(A_SEND(VIOS_SYNACK, G, H, FIN), A_TIMER(ACK_MS)),
	  .chk = CHK_CAPS, .pcaps = FIN },
	{ HOST("host/connecting: REFUSED sends RESET(G, RRRR)"),
	  SETUP(S_H_CONN(FIN)), AT(CONNECTING), IN(EV(REFUSED)), TO(IDLE),
	  ACTS(A_RESET(G, NONE), X_END(true)) },
	{ HOST("host/connecting: TCP_EOF ignored"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(EV(TCP_EOF)), TO(CONNECTING), NOACTS },
	{ HOST("host/connecting: TCP_ERROR refuses"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(EV(TCP_ERROR)), TO(IDLE),
	  ACTS(A_RESET(G, NONE), X_END(true)) },
	{ HOST("host/connecting: TIMEOUT refuses"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(EV(TIMEOUT)), TO(IDLE),
	  ACTS(A_RESET(G, NONE), X_END(true)) },
	{ HOST("host/connecting: CHAN_DOWN ends"), SETUP(S_H_CONN(FIN)),
	  AT(CONNECTING), IN(EV(CHAN_DOWN)), TO(IDLE), ACTS(X_END(false)) },
	{ HOST("host/connecting: SHUTDOWN refuses with RESET(G, RRRR)"),
	  SETUP(S_H_CONN(FIN)), AT(CONNECTING), IN(EV(SHUTDOWN)), TO(IDLE),
	  ACTS(A_RESET(G, NONE), X_END(true)) },

	/* ---- host, syn-rcvd ------------------------------------------ */
	{ HOST("host/syn-rcvd: SYN with a new G supersedes"),
	  SETUP(S_H_SYNR(FIN)), AT(SYN_RCVD), IN(FR(VIOS_SYN, G2, UNK)),
	  TO(CONNECTING), ACTS(X_SUPERSEDE), .chk = CHK_TOK, TOKS(G2, UNK) },
	{ HOST("host/syn-rcvd: repeated SYN of the same G ignored"),
	  SETUP(S_H_SYNR(FIN)), AT(SYN_RCVD), IN(FR(VIOS_SYN, G, UNK)),
	  TO(SYN_RCVD), NOACTS, .chk = CHK_TOK, TOKS(G, H) },
	{ HOST("host/syn-rcvd: ACK establishes"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(FR(VIOS_ACK, G, H)), TO(ESTABLISHED),
	  ACTS(A(TIMER_STOP), A(TCP_START)), .chk = CHK_TOK | CHK_CAPS,
	  TOKS(G, H), .pcaps = FIN },
	{ HOST("host/syn-rcvd: ACK with other H ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(FR(VIOS_ACK, G, H2)), TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: ACK with other G ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(FR(VIOS_ACK, G2, H)), TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: SYNACK ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(FR(VIOS_SYNACK, G, H)), TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: DATA ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(FRL(VIOS_DATA, G, H, 5)), TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: foreign DATA ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(FRL(VIOS_DATA, G2, H2, 5)), TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: FIN ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(FR(VIOS_FIN, G, H)), TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: unknown ctrl ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(FR('Z', G, H)), TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: RESET(G, H) ends"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(FR(VIOS_RESET, G, H)), TO(IDLE), ACTS(X_END(true)) },
	{ HOST("host/syn-rcvd: RESET(G, unknown) ends"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(FR(VIOS_RESET, G, UNK)), TO(IDLE),
	  ACTS(X_END(true)) },
	{ HOST("host/syn-rcvd: RESET(G, other H) ignored"),
	  SETUP(S_H_SYNR(FIN)), AT(SYN_RCVD), IN(FR(VIOS_RESET, G, H2)),
	  TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: RESET(other G, H) ignored"),
	  SETUP(S_H_SYNR(FIN)), AT(SYN_RCVD), IN(FR(VIOS_RESET, G2, H)),
	  TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: RESET RRRR/RRRR ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(FR(VIOS_RESET, NONE, NONE)), TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: OPEN ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(EVT(OPEN, G2)), TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: late CONNECTED ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(EVT(CONNECTED, H2)), TO(SYN_RCVD), NOACTS,
	  .chk = CHK_TOK, TOKS(G, H) },
	{ HOST("host/syn-rcvd: late REFUSED ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(EV(REFUSED)), TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: TCP_EOF ignored"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(EV(TCP_EOF)), TO(SYN_RCVD), NOACTS },
	{ HOST("host/syn-rcvd: TCP_ERROR resets"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(EV(TCP_ERROR)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ HOST("host/syn-rcvd: ACK timeout resets"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(EV(TIMEOUT)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(false)) },
	{ HOST("host/syn-rcvd: CHAN_DOWN ends"), SETUP(S_H_SYNR(FIN)),
	  AT(SYN_RCVD), IN(EV(CHAN_DOWN)), TO(IDLE), ACTS(X_END(false)) },
	{ HOST("host/syn-rcvd: SHUTDOWN sends RESET(G, H)"),
	  SETUP(S_H_SYNR(FIN)), AT(SYN_RCVD), IN(EV(SHUTDOWN)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },

	/* ---- host, established --------------------------------------- */
	{ HOST("host/established: SYN with a new G supersedes"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_SYN, G2, UNK)),
	  TO(CONNECTING), ACTS(X_SUPERSEDE), .chk = CHK_TOK, TOKS(G2, UNK) },
	{ HOST("host/established: SYN with the same G restarts"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_SYN, G, UNK)),
	  TO(CONNECTING), ACTS(X_SUPERSEDE), .chk = CHK_TOK, TOKS(G, UNK) },
	{ HOST("host/established: SYN(G, H) restarts"), SETUP(S_H_EST(FIN)),
	  AT(ESTABLISHED), IN(FR(VIOS_SYN, G, H)), TO(CONNECTING),
	  ACTS(X_SUPERSEDE), .chk = CHK_TOK, TOKS(G, UNK) },
	{ HOST("host/established: superseded, new session has its own caps"),
	  SETUP(S_H_EST(FIN), FR(VIOS_SYN, G2, UNK)), AT(CONNECTING),
	  IN(EVT(CONNECTED, H2)), TO(SYN_RCVD),
	  ACTS(A_SEND(VIOS_SYNACK, G2, H2, -1), A_TIMER(ACK_MS)),
	  .chk = CHK_TOK | CHK_CAPS, TOKS(G2, H2), .pcaps = 0 },
	{ HOST("host/established: superseded, fin state is fresh"),
	  SETUP(S_H_EST(FIN), EV(TCP_EOF), FRC(VIOS_SYN, G2, UNK, FIN),
	  EVT(CONNECTED, H2), FR(VIOS_ACK, G2, H2)), AT(ESTABLISHED),
	  IN(FR(VIOS_FIN, G2, H2)), TO(ESTABLISHED), ACTS(A(TCP_SHUTDOWN)) },
	{ HOST("host/established: duplicate ACK ignored"), SETUP(S_H_EST(FIN)),
	  AT(ESTABLISHED), IN(FR(VIOS_ACK, G, H)), TO(ESTABLISHED), NOACTS },
	{ HOST("host/established: foreign ACK is a protocol error"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_ACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/established: SYNACK is a protocol error"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_SYNACK, G, H)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/established: foreign SYNACK is a protocol error"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_SYNACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/established: DATA delivered"), SETUP(S_H_EST(FIN)),
	  AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 5)), TO(ESTABLISHED),
	  ACTS(A(DELIVER)) },
	{ HOST("host/established: DATA of 65535 delivered"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED),
	  IN(FRL(VIOS_DATA, G, H, VIOS_MAX_PAYLOAD)), TO(ESTABLISHED),
	  ACTS(A(DELIVER)) },
	{ HOST("host/established: zero-length DATA is a no-op"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 0)),
	  TO(ESTABLISHED), NOACTS },
	{ HOST("host/established: DATA with other G is a protocol error"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G2, H, 5)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/established: DATA with other H is a protocol error"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H2, 5)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/established: FIN shuts the service down"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H)),
	  TO(ESTABLISHED), ACTS(A(TCP_SHUTDOWN)) },
	{ HOST("host/established: foreign FIN is a protocol error"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_FIN, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/established: FIN without fin (no caps) is an error"),
	  SETUP(S_H_EST(-1)), AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST0("host/established: FIN without fin (not accepted) is an error"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/established: RESET ends"), SETUP(S_H_EST(FIN)),
	  AT(ESTABLISHED), IN(FR(VIOS_RESET, G, H)), TO(IDLE),
	  ACTS(X_END(true)) },
	{ HOST("host/established: foreign RESET ignored"), SETUP(S_H_EST(FIN)),
	  AT(ESTABLISHED), IN(FR(VIOS_RESET, G2, H2)), TO(ESTABLISHED),
	  NOACTS },
	{ HOST("host/established: RESET(G, other H) ignored"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_RESET, G, H2)),
	  TO(ESTABLISHED), NOACTS },
	{ HOST("host/established: RESET(G, unknown) ignored"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_RESET, G, UNK)),
	  TO(ESTABLISHED), NOACTS },
	{ HOST("host/established: RESET RRRR/RRRR ignored"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_RESET, NONE, NONE)),
	  TO(ESTABLISHED), NOACTS },
	{ HOST("host/established: session continues after a foreign RESET"),
	  SETUP(S_H_EST(FIN), FR(VIOS_RESET, G2, H2), FR(VIOS_RESET, G, H2)),
	  AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 5)), TO(ESTABLISHED),
	  ACTS(A(DELIVER)) },
	{ HOST("host/established: unknown ctrl is a protocol error"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR('Z', G, H)), TO(IDLE),
	  ACTS(X_PERR) },
	{ HOST("host/established: foreign unknown ctrl is a protocol error"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(FR('Z', G2, H2)), TO(IDLE),
	  ACTS(X_PERR) },
	{ HOST("host/established: OPEN ignored"), SETUP(S_H_EST(FIN)),
	  AT(ESTABLISHED), IN(EVT(OPEN, G2)), TO(ESTABLISHED), NOACTS },
	{ HOST("host/established: CONNECTED ignored"), SETUP(S_H_EST(FIN)),
	  AT(ESTABLISHED), IN(EVT(CONNECTED, H2)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_TOK, TOKS(G, H) },
	{ HOST("host/established: REFUSED ignored"), SETUP(S_H_EST(FIN)),
	  AT(ESTABLISHED), IN(EV(REFUSED)), TO(ESTABLISHED), NOACTS },
	{ HOST("host/established: TIMEOUT ignored"), SETUP(S_H_EST(FIN)),
	  AT(ESTABLISHED), IN(EV(TIMEOUT)), TO(ESTABLISHED), NOACTS },
	{ HOST("host/established: TCP_EOF with fin sends FIN"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(EV(TCP_EOF)),
	  TO(ESTABLISHED), ACTS(A_SEND(VIOS_FIN, G, H, -1)) },
	{ HOST("host/established: TCP_EOF without fin sends RESET"),
	  SETUP(S_H_EST(-1)), AT(ESTABLISHED), IN(EV(TCP_EOF)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ HOST0("host/established: TCP_EOF, fin not accepted, sends RESET"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(EV(TCP_EOF)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ HOST("host/established: TCP_ERROR sends RESET"), SETUP(S_H_EST(FIN)),
	  AT(ESTABLISHED), IN(EV(TCP_ERROR)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ HOST("host/established: CHAN_DOWN ends"), SETUP(S_H_EST(FIN)),
	  AT(ESTABLISHED), IN(EV(CHAN_DOWN)), TO(IDLE), ACTS(X_END(false)) },
	{ HOST("host/established: SHUTDOWN sends RESET(G, H)"),
	  SETUP(S_H_EST(FIN)), AT(ESTABLISHED), IN(EV(SHUTDOWN)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },

	/*
	 * ---- host, half-close: every input in each sub-state -----------
	 * fin-sent: the service sent EOF and we sent FIN; the guest may
	 * still send DATA.  fin-rcvd: the guest's FIN came and the service's
	 * write side is shut; the service may still send.  Inputs that leave
	 * the session up must keep the sub-state (CHK_HALF).
	 */
	{ HOST("host/fin-sent: SYN with a new G supersedes"),
	  SETUP(S_H_FSENT), AT(ESTABLISHED), IN(FR(VIOS_SYN, G2, UNK)),
	  TO(CONNECTING), ACTS(X_SUPERSEDE), .chk = CHK_TOK | CHK_HALF,
	  TOKS(G2, UNK), HALF(false, false) },
	{ HOST("host/fin-sent: SYN(G, H) restarts"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_SYN, G, H)), TO(CONNECTING),
	  ACTS(X_SUPERSEDE), .chk = CHK_TOK | CHK_HALF, TOKS(G, UNK),
	  HALF(false, false) },
	{ HOST("host/fin-sent: duplicate ACK ignored"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_ACK, G, H)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(true, false) },
	{ HOST("host/fin-sent: foreign ACK is a protocol error"),
	  SETUP(S_H_FSENT), AT(ESTABLISHED), IN(FR(VIOS_ACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/fin-sent: SYNACK is a protocol error"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_SYNACK, G, H)), TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/fin-sent: foreign SYNACK is a protocol error"),
	  SETUP(S_H_FSENT), AT(ESTABLISHED), IN(FR(VIOS_SYNACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/fin-sent: DATA still delivered"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 5)), TO(ESTABLISHED),
	  ACTS(A(DELIVER)), .chk = CHK_HALF, HALF(true, false) },
	{ HOST("host/fin-sent: zero-length DATA is a no-op"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 0)), TO(ESTABLISHED),
	  NOACTS, .chk = CHK_HALF, HALF(true, false) },
	{ HOST("host/fin-sent: DATA with other H is a protocol error"),
	  SETUP(S_H_FSENT), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H2, 5)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/fin-sent: peer FIN ends cleanly"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H)), TO(IDLE),
	  ACTS(A(TCP_SHUTDOWN), X_END(true)), .chk = CHK_HALF,
	  HALF(false, false) },
	{ HOST("host/fin-sent: foreign FIN is a protocol error"),
	  SETUP(S_H_FSENT), AT(ESTABLISHED), IN(FR(VIOS_FIN, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/fin-sent: RESET ends"), SETUP(S_H_FSENT), AT(ESTABLISHED),
	  IN(FR(VIOS_RESET, G, H)), TO(IDLE), ACTS(X_END(true)) },
	{ HOST("host/fin-sent: foreign RESET ignored"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_RESET, G2, H2)), TO(ESTABLISHED),
	  NOACTS, .chk = CHK_HALF, HALF(true, false) },
	{ HOST("host/fin-sent: RESET(G, other H) ignored"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_RESET, G, H2)), TO(ESTABLISHED),
	  NOACTS, .chk = CHK_HALF, HALF(true, false) },
	{ HOST("host/fin-sent: unknown ctrl is a protocol error"),
	  SETUP(S_H_FSENT), AT(ESTABLISHED), IN(FR('Z', G, H)), TO(IDLE),
	  ACTS(X_PERR) },
	{ HOST("host/fin-sent: foreign unknown ctrl is a protocol error"),
	  SETUP(S_H_FSENT), AT(ESTABLISHED), IN(FR('Z', G2, H2)), TO(IDLE),
	  ACTS(X_PERR) },
	{ HOST("host/fin-sent: OPEN ignored"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(EVT(OPEN, G2)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(true, false) },
	{ HOST("host/fin-sent: CONNECTED ignored"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(EVT(CONNECTED, H2)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_TOK | CHK_HALF, TOKS(G, H), HALF(true, false) },
	{ HOST("host/fin-sent: REFUSED ignored"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(EV(REFUSED)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(true, false) },
	{ HOST("host/fin-sent: TIMEOUT ignored"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(EV(TIMEOUT)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(true, false) },
	{ HOST("host/fin-sent: duplicate EOF ignored"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(EV(TCP_EOF)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(true, false) },
	{ HOST("host/fin-sent: TCP_ERROR sends RESET"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(EV(TCP_ERROR)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ HOST("host/fin-sent: CHAN_DOWN ends, sends nothing"),
	  SETUP(S_H_FSENT), AT(ESTABLISHED), IN(EV(CHAN_DOWN)), TO(IDLE),
	  ACTS(X_END(false)) },
	{ HOST("host/fin-sent: SHUTDOWN sends RESET(G, H)"), SETUP(S_H_FSENT),
	  AT(ESTABLISHED), IN(EV(SHUTDOWN)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },

	{ HOST("host/fin-rcvd: SYN with a new G supersedes"),
	  SETUP(S_H_FRCVD), AT(ESTABLISHED), IN(FR(VIOS_SYN, G2, UNK)),
	  TO(CONNECTING), ACTS(X_SUPERSEDE), .chk = CHK_TOK | CHK_HALF,
	  TOKS(G2, UNK), HALF(false, false) },
	{ HOST("host/fin-rcvd: SYN(G, H) restarts"), SETUP(S_H_FRCVD),
	  AT(ESTABLISHED), IN(FR(VIOS_SYN, G, H)), TO(CONNECTING),
	  ACTS(X_SUPERSEDE), .chk = CHK_TOK | CHK_HALF, TOKS(G, UNK),
	  HALF(false, false) },
	{ HOST("host/fin-rcvd: duplicate ACK ignored"), SETUP(S_H_FRCVD),
	  AT(ESTABLISHED), IN(FR(VIOS_ACK, G, H)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(false, true) },
	{ HOST("host/fin-rcvd: foreign ACK is a protocol error"),
	  SETUP(S_H_FRCVD), AT(ESTABLISHED), IN(FR(VIOS_ACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/fin-rcvd: SYNACK is a protocol error"), SETUP(S_H_FRCVD),
	  AT(ESTABLISHED), IN(FR(VIOS_SYNACK, G, H)), TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/fin-rcvd: foreign SYNACK is a protocol error"),
	  SETUP(S_H_FRCVD), AT(ESTABLISHED), IN(FR(VIOS_SYNACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/fin-rcvd: DATA is a protocol error"), SETUP(S_H_FRCVD),
	  AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 5)), TO(IDLE),
	  ACTS(X_PERR) },
	{ HOST("host/fin-rcvd: empty DATA is a protocol error"),
	  SETUP(S_H_FRCVD), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 0)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/fin-rcvd: foreign DATA is a protocol error"),
	  SETUP(S_H_FRCVD), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G2, H2, 5)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/fin-rcvd: duplicate FIN ignored"), SETUP(S_H_FRCVD),
	  AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(false, true) },
	{ HOST("host/fin-rcvd: foreign FIN is a protocol error"),
	  SETUP(S_H_FRCVD), AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ HOST("host/fin-rcvd: RESET ends"), SETUP(S_H_FRCVD), AT(ESTABLISHED),
	  IN(FR(VIOS_RESET, G, H)), TO(IDLE), ACTS(X_END(true)) },
	{ HOST("host/fin-rcvd: foreign RESET ignored"), SETUP(S_H_FRCVD),
	  AT(ESTABLISHED), IN(FR(VIOS_RESET, G2, H2)), TO(ESTABLISHED),
	  NOACTS, .chk = CHK_HALF, HALF(false, true) },
	{ HOST("host/fin-rcvd: unknown ctrl is a protocol error"),
	  SETUP(S_H_FRCVD), AT(ESTABLISHED), IN(FR('Z', G, H)), TO(IDLE),
	  ACTS(X_PERR) },
	{ HOST("host/fin-rcvd: foreign unknown ctrl is a protocol error"),
	  SETUP(S_H_FRCVD), AT(ESTABLISHED), IN(FR('Z', G2, H2)), TO(IDLE),
	  ACTS(X_PERR) },
	{ HOST("host/fin-rcvd: OPEN ignored"), SETUP(S_H_FRCVD),
	  AT(ESTABLISHED), IN(EVT(OPEN, G2)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(false, true) },
	{ HOST("host/fin-rcvd: CONNECTED ignored"), SETUP(S_H_FRCVD),
	  AT(ESTABLISHED), IN(EVT(CONNECTED, H2)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_TOK | CHK_HALF, TOKS(G, H), HALF(false, true) },
	{ HOST("host/fin-rcvd: REFUSED ignored"), SETUP(S_H_FRCVD),
	  AT(ESTABLISHED), IN(EV(REFUSED)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(false, true) },
	{ HOST("host/fin-rcvd: TIMEOUT ignored"), SETUP(S_H_FRCVD),
	  AT(ESTABLISHED), IN(EV(TIMEOUT)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(false, true) },
	{ HOST("host/fin-rcvd: EOF sends FIN, ends cleanly"),
	  SETUP(S_H_FRCVD), AT(ESTABLISHED), IN(EV(TCP_EOF)), TO(IDLE),
	  ACTS(A_SEND(VIOS_FIN, G, H, -1), X_END(true)), .chk = CHK_HALF,
	  HALF(false, false) },
	{ HOST("host/fin-rcvd: TCP_ERROR sends RESET, not FIN"),
	  SETUP(S_H_FRCVD), AT(ESTABLISHED), IN(EV(TCP_ERROR)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ HOST("host/fin-rcvd: CHAN_DOWN ends, sends nothing"),
	  SETUP(S_H_FRCVD), AT(ESTABLISHED), IN(EV(CHAN_DOWN)), TO(IDLE),
	  ACTS(X_END(false)) },
	{ HOST("host/fin-rcvd: SHUTDOWN sends RESET(G, H)"), SETUP(S_H_FRCVD),
	  AT(ESTABLISHED), IN(EV(SHUTDOWN)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },

	/* ---- guest, idle --------------------------------------------- */
	{ GUEST("guest/idle: first OPEN sends preamble and SYN(G, unknown)"),
	  NOSETUP, AT(IDLE), IN(EVT(OPEN, G)), TO(SYN_SENT),
	  ACTS(A(DECODER_RESET), A(PREAMBLE), X_GSYN(G, FIN)),
	  .chk = CHK_TOK | CHK_RESYNC, TOKS(G, UNK), .resync = false },
	{ GUEST0("guest/idle: OPEN without extensions sends empty caps"),
	  NOSETUP, AT(IDLE), IN(EVT(OPEN, G)), TO(SYN_SENT),
	  ACTS(A(DECODER_RESET), A(PREAMBLE), X_GSYN(G, 0)) },
	{ GUEST("guest/idle: OPEN after a clean end, no preamble"),
	  SETUP(S_G_CLEAN), AT(IDLE), IN(EVT(OPEN, G2)), TO(SYN_SENT),
	  ACTS(A(DECODER_RESET), X_GSYN(G2, FIN)), .chk = CHK_TOK,
	  TOKS(G2, UNK) },
	{ GUEST("guest/idle: OPEN after a refusal, no preamble"),
	  SETUP(S_G_SENT, FR(VIOS_RESET, G, NONE)), AT(IDLE),
	  IN(EVT(OPEN, G2)), TO(SYN_SENT),
	  ACTS(A(DECODER_RESET), X_GSYN(G2, FIN)) },
	{ GUEST("guest/idle: OPEN after a client error, no preamble"),
	  SETUP(S_G_EST(FIN), EV(TCP_ERROR)), AT(IDLE), IN(EVT(OPEN, G2)),
	  TO(SYN_SENT), ACTS(A(DECODER_RESET), X_GSYN(G2, FIN)) },
	{ GUEST("guest/idle: OPEN after handshake timeout sends preamble"),
	  SETUP(S_G_SENT, EV(TIMEOUT)), AT(IDLE), IN(EVT(OPEN, G2)),
	  TO(SYN_SENT), ACTS(A(DECODER_RESET), A(PREAMBLE), X_GSYN(G2, FIN)) },
	{ GUEST("guest/idle: OPEN after a protocol error sends preamble"),
	  SETUP(S_G_EST(FIN), FRL(VIOS_DATA, G2, H2, 5)), AT(IDLE),
	  IN(EVT(OPEN, G2)), TO(SYN_SENT),
	  ACTS(A(DECODER_RESET), A(PREAMBLE), X_GSYN(G2, FIN)) },
	{ GUEST("guest/idle: OPEN after CHAN_DOWN sends preamble"),
	  SETUP(S_G_CLEAN, EV(CHAN_DOWN)), AT(IDLE), IN(EVT(OPEN, G2)),
	  TO(SYN_SENT), ACTS(A(DECODER_RESET), A(PREAMBLE), X_GSYN(G2, FIN)) },
	{ GUEST("guest/idle: SHUTDOWN sends nothing"), SETUP(S_G_CLEAN),
	  AT(IDLE), IN(EV(SHUTDOWN)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: CHAN_DOWN resets decoder, sets resync"),
	  SETUP(S_G_CLEAN), AT(IDLE), IN(EV(CHAN_DOWN)), TO(IDLE),
	  ACTS(A(DECODER_RESET)), .chk = CHK_RESYNC, .resync = true },
	{ GUEST("guest/idle: SYN ignored"), SETUP(S_G_CLEAN), AT(IDLE),
	  IN(FR(VIOS_SYN, G, UNK)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: ACK ignored"), SETUP(S_G_CLEAN), AT(IDLE),
	  IN(FR(VIOS_ACK, G, H)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: stale SYNACK ignored"), SETUP(S_G_CLEAN), AT(IDLE),
	  IN(FRC(VIOS_SYNACK, G, H, FIN)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: stale DATA ignored"), NOSETUP, AT(IDLE),
	  IN(FRL(VIOS_DATA, G, H, 5)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: stale FIN ignored"), NOSETUP, AT(IDLE),
	  IN(FR(VIOS_FIN, G, H)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: stale RESET ignored"), NOSETUP, AT(IDLE),
	  IN(FR(VIOS_RESET, G, H)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: RESET RRRR/RRRR ignored"), NOSETUP, AT(IDLE),
	  IN(FR(VIOS_RESET, NONE, NONE)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: unknown ctrl ignored"), NOSETUP, AT(IDLE),
	  IN(FR('Z', G, H)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: CONNECTED ignored"), NOSETUP, AT(IDLE),
	  IN(EVT(CONNECTED, H)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: REFUSED ignored"), NOSETUP, AT(IDLE),
	  IN(EV(REFUSED)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: TCP_EOF ignored"), NOSETUP, AT(IDLE),
	  IN(EV(TCP_EOF)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: TCP_ERROR ignored"), NOSETUP, AT(IDLE),
	  IN(EV(TCP_ERROR)), TO(IDLE), NOACTS },
	{ GUEST("guest/idle: TIMEOUT ignored"), NOSETUP, AT(IDLE),
	  IN(EV(TIMEOUT)), TO(IDLE), NOACTS },

	/* ---- guest, syn-sent ----------------------------------------- */
	{ GUEST("guest/syn-sent: SYNACK with fin establishes"),
	  SETUP(S_G_SENT), AT(SYN_SENT), IN(FRC(VIOS_SYNACK, G, H, FIN)),
	  TO(ESTABLISHED),
	  ACTS(A(TIMER_STOP), A_SEND(VIOS_ACK, G, H, -1), A(TCP_START)),
	  .chk = CHK_TOK | CHK_CAPS, TOKS(G, H), .pcaps = FIN },
	{ GUEST("guest/syn-sent: SYNACK without payload, caps 0"),
	  SETUP(S_G_SENT), AT(SYN_SENT), IN(FR(VIOS_SYNACK, G, H)),
	  TO(ESTABLISHED),
	  ACTS(A(TIMER_STOP), A_SEND(VIOS_ACK, G, H, -1), A(TCP_START)),
	  .chk = CHK_TOK | CHK_CAPS, TOKS(G, H), .pcaps = 0 },
	{ GUEST("guest/syn-sent: SYNACK with VIOSX1 only, caps 0"),
	  SETUP(S_G_SENT), AT(SYN_SENT), IN(FRC(VIOS_SYNACK, G, H, 0)),
	  TO(ESTABLISHED),
	  ACTS(A(TIMER_STOP), A_SEND(VIOS_ACK, G, H, -1), A(TCP_START)),
	  .chk = CHK_CAPS, .pcaps = 0 },
	{ GUEST0("guest/syn-sent: SYNACK grants fin not offered, caps 0"),
	  SETUP(S_G_SENT), AT(SYN_SENT), IN(FRC(VIOS_SYNACK, G, H, FIN)),
	  TO(ESTABLISHED),
	  ACTS(A(TIMER_STOP), A_SEND(VIOS_ACK, G, H, -1), A(TCP_START)),
	  .chk = CHK_CAPS, .pcaps = 0 },
	{ GUEST("guest/syn-sent: SYNACK for another G ignored"),
	  SETUP(S_G_SENT), AT(SYN_SENT), IN(FRC(VIOS_SYNACK, G2, H, FIN)),
	  TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: refusal RESET(G, RRRR)"), SETUP(S_G_SENT),
	  AT(SYN_SENT), IN(FR(VIOS_RESET, G, NONE)), TO(IDLE),
	  ACTS(X_END(true)), .chk = CHK_RESYNC, .resync = false },
	{ GUEST("guest/syn-sent: old refusal RESET(RRRR, RRRR)"),
	  SETUP(S_G_SENT), AT(SYN_SENT), IN(FR(VIOS_RESET, NONE, NONE)),
	  TO(IDLE), ACTS(X_END(true)) },
	{ GUEST("guest/syn-sent: RESET(G, H) refuses"), SETUP(S_G_SENT),
	  AT(SYN_SENT), IN(FR(VIOS_RESET, G, H)), TO(IDLE), ACTS(X_END(true)) },
	{ GUEST("guest/syn-sent: RESET(G, unknown) refuses"), SETUP(S_G_SENT),
	  AT(SYN_SENT), IN(FR(VIOS_RESET, G, UNK)), TO(IDLE),
	  ACTS(X_END(true)) },
	{ GUEST("guest/syn-sent: stale RESET resends SYN once"),
	  SETUP(S_G_SENT), AT(SYN_SENT), IN(FR(VIOS_RESET, G2, H2)),
	  TO(SYN_SENT), ACTS(A_SEND(VIOS_SYN, G, UNK, FIN)) },
	{ GUEST0("guest/syn-sent: resent SYN carries the same caps"),
	  SETUP(S_G_SENT), AT(SYN_SENT), IN(FR(VIOS_RESET, G2, H2)),
	  TO(SYN_SENT), ACTS(A_SEND(VIOS_SYN, G, UNK, 0)) },
	{ GUEST("guest/syn-sent: stale RESET(RRRR, H) resends SYN"),
	  SETUP(S_G_SENT), AT(SYN_SENT), IN(FR(VIOS_RESET, NONE, H2)),
	  TO(SYN_SENT), ACTS(A_SEND(VIOS_SYN, G, UNK, FIN)) },
	{ GUEST("guest/syn-sent: second stale RESET does not resend"),
	  SETUP(S_G_SENT, FR(VIOS_RESET, G2, H2)), AT(SYN_SENT),
	  IN(FR(VIOS_RESET, G3, H3)), TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: refusal after a resend"),
	  SETUP(S_G_SENT, FR(VIOS_RESET, G2, H2)), AT(SYN_SENT),
	  IN(FR(VIOS_RESET, G, NONE)), TO(IDLE), ACTS(X_END(true)) },
	{ GUEST("guest/syn-sent: SYNACK after a resend establishes"),
	  SETUP(S_G_SENT, FR(VIOS_RESET, G2, H2)), AT(SYN_SENT),
	  IN(FRC(VIOS_SYNACK, G, H, FIN)), TO(ESTABLISHED),
	  ACTS(A(TIMER_STOP), A_SEND(VIOS_ACK, G, H, -1), A(TCP_START)) },
	{ GUEST("guest/syn-sent: resend allowance is per session"),
	  SETUP(S_G_SENT, FR(VIOS_RESET, G2, H2), FR(VIOS_RESET, G, NONE),
	  EVT(OPEN, G3)), AT(SYN_SENT), IN(FR(VIOS_RESET, G2, H2)),
	  TO(SYN_SENT), ACTS(A_SEND(VIOS_SYN, G3, UNK, FIN)) },
	{ GUEST("guest/syn-sent: SYN ignored"), SETUP(S_G_SENT), AT(SYN_SENT),
	  IN(FR(VIOS_SYN, G, UNK)), TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: ACK ignored"), SETUP(S_G_SENT), AT(SYN_SENT),
	  IN(FR(VIOS_ACK, G, H)), TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: DATA ignored"), SETUP(S_G_SENT), AT(SYN_SENT),
	  IN(FRL(VIOS_DATA, G, H, 5)), TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: stale DATA ignored"), SETUP(S_G_SENT),
	  AT(SYN_SENT), IN(FRL(VIOS_DATA, G2, H2, 5)), TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: FIN ignored"), SETUP(S_G_SENT), AT(SYN_SENT),
	  IN(FR(VIOS_FIN, G, H)), TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: unknown ctrl ignored"), SETUP(S_G_SENT),
	  AT(SYN_SENT), IN(FR('Z', G, H)), TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: OPEN while busy ignored"), SETUP(S_G_SENT),
	  AT(SYN_SENT), IN(EVT(OPEN, G2)), TO(SYN_SENT), NOACTS,
	  .chk = CHK_TOK, TOKS(G, UNK) },
	{ GUEST("guest/syn-sent: CONNECTED ignored"), SETUP(S_G_SENT),
	  AT(SYN_SENT), IN(EVT(CONNECTED, H)), TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: REFUSED ignored"), SETUP(S_G_SENT),
	  AT(SYN_SENT), IN(EV(REFUSED)), TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: client EOF closes it, stays"),
	  SETUP(S_G_SENT), AT(SYN_SENT), IN(EV(TCP_EOF)), TO(SYN_SENT),
	  ACTS(A(TCP_CLOSE)) },
	{ GUEST("guest/syn-sent: client error closes it, stays"),
	  SETUP(S_G_SENT), AT(SYN_SENT), IN(EV(TCP_ERROR)), TO(SYN_SENT),
	  ACTS(A(TCP_CLOSE)) },
	{ GUEST("guest/syn-sent: second client EOF ignored"),
	  SETUP(S_G_SENT, EV(TCP_EOF)), AT(SYN_SENT), IN(EV(TCP_EOF)),
	  TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: client error after EOF ignored"),
	  SETUP(S_G_SENT, EV(TCP_EOF)), AT(SYN_SENT), IN(EV(TCP_ERROR)),
	  TO(SYN_SENT), NOACTS },
	{ GUEST("guest/syn-sent: SYNACK after client EOF gets RESET, not ACK"),
	  SETUP(S_G_SENT, EV(TCP_EOF)), AT(SYN_SENT),
	  IN(FRC(VIOS_SYNACK, G, H, FIN)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ GUEST("guest/syn-sent: refusal after client EOF"),
	  SETUP(S_G_SENT, EV(TCP_EOF)), AT(SYN_SENT),
	  IN(FR(VIOS_RESET, G, NONE)), TO(IDLE), ACTS(X_END(true)) },
	{ GUEST("guest/syn-sent: handshake timeout, resync"),
	  SETUP(S_G_CLEAN, EVT(OPEN, G2)), AT(SYN_SENT), IN(EV(TIMEOUT)),
	  TO(IDLE), ACTS(X_END(false)), .chk = CHK_RESYNC, .resync = true },
	{ GUEST("guest/syn-sent: timeout after client EOF"),
	  SETUP(S_G_SENT, EV(TCP_EOF)), AT(SYN_SENT), IN(EV(TIMEOUT)),
	  TO(IDLE), ACTS(X_END(false)) },
	{ GUEST("guest/syn-sent: SHUTDOWN sends RESET(G, unknown H)"),
	  SETUP(S_G_CLEAN, EVT(OPEN, G2)), AT(SYN_SENT), IN(EV(SHUTDOWN)),
	  TO(IDLE), ACTS(A_RESET(G2, UNK), X_END(true)) },
	{ GUEST("guest/syn-sent: CHAN_DOWN ends, resync"),
	  SETUP(S_G_CLEAN, EVT(OPEN, G2)), AT(SYN_SENT), IN(EV(CHAN_DOWN)),
	  TO(IDLE), ACTS(A(DECODER_RESET), X_END(false)), .chk = CHK_RESYNC,
	  .resync = true },

	/* ---- guest, established -------------------------------------- */
	{ GUEST("guest/established: SYN is a protocol error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_SYN, G2, UNK)),
	  TO(IDLE), ACTS(X_PERR), .chk = CHK_RESYNC, .resync = true },
	{ GUEST("guest/established: SYN(G, H) is a protocol error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_SYN, G, H)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/established: ACK is a protocol error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_ACK, G, H)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/established: foreign ACK is a protocol error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_ACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/established: SYNACK is a protocol error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_SYNACK, G, H)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/established: foreign SYNACK is a protocol error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_SYNACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/established: DATA delivered"), SETUP(S_G_EST(FIN)),
	  AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 5)), TO(ESTABLISHED),
	  ACTS(A(DELIVER)) },
	{ GUEST("guest/established: zero-length DATA is a no-op"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 0)),
	  TO(ESTABLISHED), NOACTS },
	{ GUEST("guest/established: DATA with other G is a protocol error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G2, H, 5)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/established: DATA with other H is a protocol error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H2, 5)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/established: FIN shuts the client down"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H)),
	  TO(ESTABLISHED), ACTS(A(TCP_SHUTDOWN)) },
	{ GUEST("guest/established: foreign FIN is a protocol error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/established: FIN without fin (old host) is an error"),
	  SETUP(S_G_EST(-1)), AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST0("guest/established: FIN without fin (not offered), error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/established: RESET ends cleanly"), SETUP(S_G_EST(FIN)),
	  AT(ESTABLISHED), IN(FR(VIOS_RESET, G, H)), TO(IDLE),
	  ACTS(X_END(true)), .chk = CHK_RESYNC, .resync = false },
	{ GUEST("guest/established: foreign RESET ignored"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_RESET, G2, H2)),
	  TO(ESTABLISHED), NOACTS },
	{ GUEST("guest/established: RESET(G, other H) ignored"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_RESET, G, H2)),
	  TO(ESTABLISHED), NOACTS },
	{ GUEST("guest/established: RESET(G, RRRR) ignored"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_RESET, G, NONE)),
	  TO(ESTABLISHED), NOACTS },
	{ GUEST("guest/established: RESET RRRR/RRRR ignored"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR(VIOS_RESET, NONE, NONE)),
	  TO(ESTABLISHED), NOACTS },
	{ GUEST("guest/established: session continues after a foreign RESET"),
	  SETUP(S_G_EST(FIN), FR(VIOS_RESET, G2, H2), FR(VIOS_RESET, NONE,
	  NONE)), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 5)),
	  TO(ESTABLISHED), ACTS(A(DELIVER)) },
	{ GUEST("guest/established: unknown ctrl is a protocol error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR('Z', G, H)), TO(IDLE),
	  ACTS(X_PERR) },
	{ GUEST("guest/established: foreign unknown ctrl is a protocol error"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(FR('Z', G2, H2)), TO(IDLE),
	  ACTS(X_PERR) },
	{ GUEST("guest/established: OPEN while busy ignored"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(EVT(OPEN, G2)),
	  TO(ESTABLISHED), NOACTS, .chk = CHK_TOK, TOKS(G, H) },
	{ GUEST("guest/established: CONNECTED ignored"), SETUP(S_G_EST(FIN)),
	  AT(ESTABLISHED), IN(EVT(CONNECTED, H2)), TO(ESTABLISHED), NOACTS },
	{ GUEST("guest/established: REFUSED ignored"), SETUP(S_G_EST(FIN)),
	  AT(ESTABLISHED), IN(EV(REFUSED)), TO(ESTABLISHED), NOACTS },
	{ GUEST("guest/established: TIMEOUT ignored"), SETUP(S_G_EST(FIN)),
	  AT(ESTABLISHED), IN(EV(TIMEOUT)), TO(ESTABLISHED), NOACTS },
	{ GUEST("guest/established: client EOF with fin sends FIN"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(EV(TCP_EOF)),
	  TO(ESTABLISHED), ACTS(A_SEND(VIOS_FIN, G, H, -1)) },
	{ GUEST("guest/established: client EOF, old host, sends RESET"),
	  SETUP(S_G_EST(-1)), AT(ESTABLISHED), IN(EV(TCP_EOF)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ GUEST0("guest/established: client EOF, fin not offered, sends RESET"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(EV(TCP_EOF)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ GUEST("guest/established: client error sends RESET, never FIN"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(EV(TCP_ERROR)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ GUEST("guest/established: SHUTDOWN sends RESET(G, H)"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(EV(SHUTDOWN)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ GUEST("guest/established: CHAN_DOWN ends, resync"),
	  SETUP(S_G_EST(FIN)), AT(ESTABLISHED), IN(EV(CHAN_DOWN)), TO(IDLE),
	  ACTS(A(DECODER_RESET), X_END(false)), .chk = CHK_RESYNC,
	  .resync = true },

	/* ---- guest, half-close: as for the host, every input --------- */
	{ GUEST("guest/fin-sent: SYN is a protocol error"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_SYN, G2, UNK)), TO(IDLE), ACTS(X_PERR),
	  .chk = CHK_RESYNC, .resync = true },
	{ GUEST("guest/fin-sent: SYN(G, H) is a protocol error"),
	  SETUP(S_G_FSENT), AT(ESTABLISHED), IN(FR(VIOS_SYN, G, H)), TO(IDLE),
	  ACTS(X_PERR) },
	{ GUEST("guest/fin-sent: ACK is a protocol error"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_ACK, G, H)), TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-sent: foreign ACK is a protocol error"),
	  SETUP(S_G_FSENT), AT(ESTABLISHED), IN(FR(VIOS_ACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-sent: SYNACK is a protocol error"),
	  SETUP(S_G_FSENT), AT(ESTABLISHED), IN(FRC(VIOS_SYNACK, G, H, FIN)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-sent: foreign SYNACK is a protocol error"),
	  SETUP(S_G_FSENT), AT(ESTABLISHED), IN(FR(VIOS_SYNACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-sent: DATA still delivered"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 5)), TO(ESTABLISHED),
	  ACTS(A(DELIVER)), .chk = CHK_HALF, HALF(true, false) },
	{ GUEST("guest/fin-sent: zero-length DATA is a no-op"),
	  SETUP(S_G_FSENT), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 0)),
	  TO(ESTABLISHED), NOACTS, .chk = CHK_HALF, HALF(true, false) },
	{ GUEST("guest/fin-sent: DATA with other G is a protocol error"),
	  SETUP(S_G_FSENT), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G2, H, 5)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-sent: peer FIN ends cleanly"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H)), TO(IDLE),
	  ACTS(A(TCP_SHUTDOWN), X_END(true)), .chk = CHK_RESYNC | CHK_HALF,
	  .resync = false, HALF(false, false) },
	{ GUEST("guest/fin-sent: foreign FIN is a protocol error"),
	  SETUP(S_G_FSENT), AT(ESTABLISHED), IN(FR(VIOS_FIN, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-sent: RESET ends cleanly"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_RESET, G, H)), TO(IDLE),
	  ACTS(X_END(true)), .chk = CHK_RESYNC, .resync = false },
	{ GUEST("guest/fin-sent: foreign RESET ignored"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_RESET, G2, H2)), TO(ESTABLISHED),
	  NOACTS, .chk = CHK_HALF, HALF(true, false) },
	{ GUEST("guest/fin-sent: RESET RRRR/RRRR ignored"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(FR(VIOS_RESET, NONE, NONE)), TO(ESTABLISHED),
	  NOACTS, .chk = CHK_HALF, HALF(true, false) },
	{ GUEST("guest/fin-sent: unknown ctrl is a protocol error"),
	  SETUP(S_G_FSENT), AT(ESTABLISHED), IN(FR('Z', G, H)), TO(IDLE),
	  ACTS(X_PERR) },
	{ GUEST("guest/fin-sent: foreign unknown ctrl is a protocol error"),
	  SETUP(S_G_FSENT), AT(ESTABLISHED), IN(FR('Z', G2, H2)), TO(IDLE),
	  ACTS(X_PERR) },
	{ GUEST("guest/fin-sent: OPEN while busy ignored"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(EVT(OPEN, G2)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_TOK | CHK_HALF, TOKS(G, H), HALF(true, false) },
	{ GUEST("guest/fin-sent: CONNECTED ignored"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(EVT(CONNECTED, H2)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(true, false) },
	{ GUEST("guest/fin-sent: REFUSED ignored"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(EV(REFUSED)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(true, false) },
	{ GUEST("guest/fin-sent: TIMEOUT ignored"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(EV(TIMEOUT)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(true, false) },
	{ GUEST("guest/fin-sent: duplicate EOF ignored"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(EV(TCP_EOF)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(true, false) },
	{ GUEST("guest/fin-sent: client error sends RESET"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(EV(TCP_ERROR)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ GUEST("guest/fin-sent: CHAN_DOWN ends, resync"), SETUP(S_G_FSENT),
	  AT(ESTABLISHED), IN(EV(CHAN_DOWN)), TO(IDLE),
	  ACTS(A(DECODER_RESET), X_END(false)), .chk = CHK_RESYNC,
	  .resync = true },
	{ GUEST("guest/fin-sent: SHUTDOWN sends RESET(G, H)"),
	  SETUP(S_G_FSENT), AT(ESTABLISHED), IN(EV(SHUTDOWN)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },

	{ GUEST("guest/fin-rcvd: SYN is a protocol error"), SETUP(S_G_FRCVD),
	  AT(ESTABLISHED), IN(FR(VIOS_SYN, G2, UNK)), TO(IDLE), ACTS(X_PERR),
	  .chk = CHK_RESYNC, .resync = true },
	{ GUEST("guest/fin-rcvd: SYN(G, H) is a protocol error"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(FR(VIOS_SYN, G, H)), TO(IDLE),
	  ACTS(X_PERR) },
	{ GUEST("guest/fin-rcvd: ACK is a protocol error"), SETUP(S_G_FRCVD),
	  AT(ESTABLISHED), IN(FR(VIOS_ACK, G, H)), TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-rcvd: foreign ACK is a protocol error"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(FR(VIOS_ACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-rcvd: SYNACK is a protocol error"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(FRC(VIOS_SYNACK, G, H, FIN)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-rcvd: foreign SYNACK is a protocol error"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(FR(VIOS_SYNACK, G2, H2)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-rcvd: DATA is a protocol error"), SETUP(S_G_FRCVD),
	  AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 5)), TO(IDLE),
	  ACTS(X_PERR), .chk = CHK_RESYNC, .resync = true },
	{ GUEST("guest/fin-rcvd: empty DATA is a protocol error"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G, H, 0)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-rcvd: foreign DATA is a protocol error"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(FRL(VIOS_DATA, G2, H2, 5)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-rcvd: duplicate FIN ignored"), SETUP(S_G_FRCVD),
	  AT(ESTABLISHED), IN(FR(VIOS_FIN, G, H)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(false, true) },
	{ GUEST("guest/fin-rcvd: foreign FIN is a protocol error"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(FR(VIOS_FIN, G2, H)),
	  TO(IDLE), ACTS(X_PERR) },
	{ GUEST("guest/fin-rcvd: RESET ends cleanly"), SETUP(S_G_FRCVD),
	  AT(ESTABLISHED), IN(FR(VIOS_RESET, G, H)), TO(IDLE),
	  ACTS(X_END(true)), .chk = CHK_RESYNC, .resync = false },
	{ GUEST("guest/fin-rcvd: foreign RESET ignored"), SETUP(S_G_FRCVD),
	  AT(ESTABLISHED), IN(FR(VIOS_RESET, G2, H2)), TO(ESTABLISHED),
	  NOACTS, .chk = CHK_HALF, HALF(false, true) },
	{ GUEST("guest/fin-rcvd: unknown ctrl is a protocol error"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(FR('Z', G, H)), TO(IDLE),
	  ACTS(X_PERR) },
	{ GUEST("guest/fin-rcvd: foreign unknown ctrl is a protocol error"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(FR('Z', G2, H2)), TO(IDLE),
	  ACTS(X_PERR) },
	{ GUEST("guest/fin-rcvd: OPEN while busy ignored"), SETUP(S_G_FRCVD),
	  AT(ESTABLISHED), IN(EVT(OPEN, G2)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_TOK | CHK_HALF, TOKS(G, H), HALF(false, true) },
	{ GUEST("guest/fin-rcvd: CONNECTED ignored"), SETUP(S_G_FRCVD),
	  AT(ESTABLISHED), IN(EVT(CONNECTED, H2)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(false, true) },
	{ GUEST("guest/fin-rcvd: REFUSED ignored"), SETUP(S_G_FRCVD),
	  AT(ESTABLISHED), IN(EV(REFUSED)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(false, true) },
	{ GUEST("guest/fin-rcvd: TIMEOUT ignored"), SETUP(S_G_FRCVD),
	  AT(ESTABLISHED), IN(EV(TIMEOUT)), TO(ESTABLISHED), NOACTS,
	  .chk = CHK_HALF, HALF(false, true) },
	{ GUEST("guest/fin-rcvd: client EOF sends FIN, ends cleanly"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(EV(TCP_EOF)), TO(IDLE),
	  ACTS(A_SEND(VIOS_FIN, G, H, -1), X_END(true)),
	  .chk = CHK_RESYNC | CHK_HALF, .resync = false, HALF(false, false) },
	{ GUEST("guest/fin-rcvd: client error sends RESET, not FIN"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(EV(TCP_ERROR)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ GUEST("guest/fin-rcvd: CHAN_DOWN ends, resync"), SETUP(S_G_FRCVD),
	  AT(ESTABLISHED), IN(EV(CHAN_DOWN)), TO(IDLE),
	  ACTS(A(DECODER_RESET), X_END(false)), .chk = CHK_RESYNC,
	  .resync = true },
	{ GUEST("guest/fin-rcvd: SHUTDOWN sends RESET(G, H)"),
	  SETUP(S_G_FRCVD), AT(ESTABLISHED), IN(EV(SHUTDOWN)), TO(IDLE),
	  ACTS(A_RESET(G, H), X_END(true)) },
	{ GUEST("guest/fin: fin state is fresh in the next session"),
	  SETUP(S_G_EST(FIN), EV(TCP_EOF), FR(VIOS_FIN, G, H), EVT(OPEN, G2),
	  FRC(VIOS_SYNACK, G2, H2, FIN)), AT(ESTABLISHED),
	  IN(FR(VIOS_FIN, G2, H2)), TO(ESTABLISHED), ACTS(A(TCP_SHUTDOWN)) },
};

static const struct proto_cfg *
cfg_for(enum proto_role role, unsigned caps)
{
	static const struct proto_cfg	 cfgs[2][2] = {
		{
			{ PROTO_HOST, 0, HS_MS, ACK_MS, CONN_MS },
			{ PROTO_HOST, VIOS_CAP_FIN, HS_MS, ACK_MS, CONN_MS },
		}, {
			{ PROTO_GUEST, 0, HS_MS, ACK_MS, CONN_MS },
			{ PROTO_GUEST, VIOS_CAP_FIN, HS_MS, ACK_MS, CONN_MS },
		},
	};

	return &cfgs[role == PROTO_GUEST][caps != 0];
}

static void
step_to_in(const struct step *s, struct proto_in *in)
{
	memset(in, 0, sizeof(*in));
	in->ev = s->ev;
	in->hdr.ctrl = s->ctrl;
	in->hdr.gtok = s->gtok;
	in->hdr.htok = s->htok;
	in->hdr.len = s->len;
	in->caps = s->caps;
	in->tok = s->tok;
}

static const char *
act_name(enum proto_act_type t)
{
	static const char *const names[] = {
		[PROTO_ACT_SEND] = "SEND",
		[PROTO_ACT_PREAMBLE] = "PREAMBLE",
		[PROTO_ACT_DECODER_RESET] = "DECODER_RESET",
		[PROTO_ACT_CONNECT] = "CONNECT",
		[PROTO_ACT_TCP_START] = "TCP_START",
		[PROTO_ACT_DELIVER] = "DELIVER",
		[PROTO_ACT_TCP_SHUTDOWN] = "TCP_SHUTDOWN",
		[PROTO_ACT_TCP_CLOSE] = "TCP_CLOSE",
		[PROTO_ACT_TIMER_START] = "TIMER_START",
		[PROTO_ACT_TIMER_STOP] = "TIMER_STOP",
		[PROTO_ACT_END] = "END",
	};

	return (unsigned)t < NELEM(names) ? names[t] : "?";
}

/* Append one action in readable form to buf. */
static void
fmt_act(char *buf, size_t sz, enum proto_act_type t, uint8_t ctrl,
    uint32_t g, uint32_t h, int caps, unsigned ms, bool clean)
{
	char	 cb[8];
	size_t	 n = strlen(buf);

	if (n >= sz)
		return;
	switch (t) {
	case PROTO_ACT_SEND:
		snprintf(buf + n, sz - n, " SEND %s(%08x,%08x,caps %d)",
		    frame_ctrl_name(ctrl, cb), g, h, caps);
		break;
	case PROTO_ACT_TIMER_START:
		snprintf(buf + n, sz - n, " TIMER_START(%u)", ms);
		break;
	case PROTO_ACT_END:
		snprintf(buf + n, sz - n, " END(%s)",
		    clean ? "clean" : "unclean");
		break;
	default:
		snprintf(buf + n, sz - n, " %s", act_name(t));
		break;
	}
}

static void
fmt_out(char *buf, size_t sz, const struct proto_out *out)
{
	const struct proto_act	*a;
	int			 i;

	buf[0] = '\0';
	for (i = 0; i < out->n && i < PROTO_MAX_ACTS; i++) {
		a = &out->act[i];
		fmt_act(buf, sz, a->type, a->ctrl, a->gtok, a->htok, a->caps,
		    a->ms, a->clean);
	}
	if (buf[0] == '\0')
		snprintf(buf, sz, " (none)");
}

static void
fmt_x(char *buf, size_t sz, const struct xact *x, int n)
{
	int	 i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		fmt_act(buf, sz, x[i].type, x[i].ctrl, x[i].gtok, x[i].htok,
		    x[i].caps, x[i].ms, x[i].clean);
	if (buf[0] == '\0')
		snprintf(buf, sz, " (none)");
}

static bool
is_host_state(enum proto_state st)
{
	return st == PROTO_IDLE || st == PROTO_CONNECTING ||
	    st == PROTO_SYN_RCVD || st == PROTO_ESTABLISHED;
}

static bool
is_guest_state(enum proto_state st)
{
	return st == PROTO_IDLE || st == PROTO_SYN_SENT ||
	    st == PROTO_ESTABLISHED;
}

/* Invariants of one SEND action a; b is the machine before, p after. */
static void
check_send(const struct proto *b, const struct proto *p,
    const struct proto_in *in, const struct proto_act *a, const char *who,
    const char *acts)
{
	const struct proto_cfg	*cfg = p->cfg;
	bool			 host = cfg->role == PROTO_HOST;
	bool			 echo;

	INV(a->ctrl != VIOS_DATA, "%s: the state machine sent "
	    "DATA:%s", who, acts);
	if (host)
		INV(a->ctrl == VIOS_SYNACK || a->ctrl == VIOS_RESET ||
		    a->ctrl == VIOS_FIN, "%s: host sends ctrl 0x%02x:%s", who,
		    a->ctrl, acts);
	else
		INV(a->ctrl == VIOS_SYN || a->ctrl == VIOS_ACK ||
		    a->ctrl == VIOS_RESET || a->ctrl == VIOS_FIN,
		    "%s: guest sends ctrl 0x%02x:%s", who, a->ctrl, acts);

	/* Reserved guest tokens: only in the RESET(RRRR, RRRR) refusal. */
	if (frame_token_reserved(a->gtok)) {
		INV(!(host && a->ctrl == VIOS_RESET),
		    "%s: host RESET with a reserved guest token:%s", who,
		    acts);
		INV(a->ctrl == VIOS_RESET &&
		    a->gtok == VIOS_TOKEN_NONE && a->htok == VIOS_TOKEN_NONE,
		    "%s: reserved guest token sent:%s", who, acts);
	}

	/* The session's G, or a stale frame's tokens echoed by the host. */
	echo = host && a->ctrl == VIOS_RESET && in->ev == PROTO_EV_FRAME &&
	    a->gtok == in->hdr.gtok && a->htok == in->hdr.htok;
	INV(a->gtok == b->gtok || a->gtok == p->gtok || echo,
	    "%s: SEND with a guest token of no session:%s", who, acts);

	switch (a->ctrl) {
	case VIOS_SYN:
		INV(a->caps == (int)cfg->caps &&
		    a->htok == VIOS_TOKEN_UNKNOWN,
		    "%s: SYN not (G, UNK, our caps):%s", who, acts);
		break;
	case VIOS_SYNACK:
		INV(a->caps == -1 || (a->caps >= 0 &&
		    ((unsigned)a->caps & ~cfg->caps) == 0),
		    "%s: SYNACK caps beyond ours:%s", who, acts);
		INV(a->caps == -1 || b->peer_caps >= 0,
		    "%s: SYNACK payload to a SYN without:%s", who, acts);
		break;
	case VIOS_FIN:
		INV((b->caps & VIOS_CAP_FIN) != 0 &&
		    b->state == PROTO_ESTABLISHED,
		    "%s: FIN sent without fin negotiated:%s", who, acts);
		/* FALLTHROUGH */
	default:
		INV(a->caps == -1, "%s: caps payload on ctrl "
		    "0x%02x:%s", who, a->ctrl, acts);
		break;
	}
}

/* Invariants of the action at index i of out, other than SEND. */
static void
check_act(const struct proto *b, const struct proto *p,
    const struct proto_in *in, const struct proto_out *out, int i,
    const char *who, const char *acts)
{
	const struct proto_cfg	*cfg = p->cfg;
	const struct proto_act	*a = &out->act[i];
	bool			 host = cfg->role == PROTO_HOST;

	INV((unsigned)a->type <= PROTO_ACT_END,
	    "%s: action type %d", who, (int)a->type);
	switch (a->type) {
	case PROTO_ACT_SEND:
		check_send(b, p, in, a, who, acts);
		break;
	case PROTO_ACT_TIMER_START:
		if (host)
			INV(a->ms == cfg->ack_ms ||
			    a->ms == cfg->connect_ms,
			    "%s: host timer %u ms", who, a->ms);
		else
			INV(a->ms == cfg->handshake_ms,
			    "%s: guest timer %u ms", who, a->ms);
		break;
	case PROTO_ACT_PREAMBLE:
		INV(!host && i + 1 < out->n &&
		    out->act[i + 1].type == PROTO_ACT_SEND &&
		    out->act[i + 1].ctrl == VIOS_SYN,
		    "%s: PREAMBLE not right before a SYN:%s", who, acts);
		break;
	case PROTO_ACT_DECODER_RESET:
		INV(!host, "%s: host DECODER_RESET", who);
		break;
	case PROTO_ACT_CONNECT:
		INV(host && p->state == PROTO_CONNECTING,
		    "%s: CONNECT outside host connecting:%s", who, acts);
		break;
	case PROTO_ACT_DELIVER:
		INV(in->ev == PROTO_EV_FRAME &&
		    in->hdr.ctrl == VIOS_DATA && in->hdr.len > 0 &&
		    in->hdr.gtok == p->gtok && in->hdr.htok == p->htok &&
		    b->state == PROTO_ESTABLISHED &&
		    p->state == PROTO_ESTABLISHED && out->n == 1,
		    "%s: DELIVER of something else:%s", who, acts);
		break;
	case PROTO_ACT_TCP_START:
		INV(p->state == PROTO_ESTABLISHED,
		    "%s: TCP_START outside established:%s", who, acts);
		break;
	case PROTO_ACT_END:
		INV(b->state != PROTO_IDLE, "%s: END of no "
		    "session:%s", who, acts);
		if (!host && !a->clean)
			INV(p->chan->resync,
			    "%s: unclean END without resync", who);
		break;
	default:
		break;
	}
}

/*
 * Properties of any single step, whatever the input: b is the machine
 * before, p after.  who names the step in failure messages.
 */
static void
check_invariants(const struct proto *b, const struct proto *p,
    const struct proto_in *in, const struct proto_out *out, const char *who)
{
	bool	 host = p->cfg->role == PROTO_HOST;
	int	 i, last_end = -1;
	char	 acts[512];

	INV((unsigned)p->state < PROTO_NSTATES, "%s: state %d", who,
	    (int)p->state);
	INV(out->n >= 0 && out->n <= PROTO_MAX_ACTS, "%s: out.n %d",
	    who, out->n);
	fmt_out(acts, sizeof(acts), out);
	INV(host ? is_host_state(p->state) : is_guest_state(p->state),
	    "%s: %s in state %s", who, host ? "host" : "guest",
	    proto_state_name(p->state));
	for (i = 0; i < out->n; i++) {
		check_act(b, p, in, out, i, who, acts);
		if (out->act[i].type == PROTO_ACT_END)
			last_end = i;
	}

	/* An END leaves the slot idle, unless a new SYN starts over in it. */
	if (last_end >= 0) {
		if (host && last_end + 1 < out->n &&
		    out->act[last_end + 1].type == PROTO_ACT_CONNECT)
			INV(p->state == PROTO_CONNECTING,
			    "%s: superseded, state %s", who,
			    proto_state_name(p->state));
		else
			INV(p->state == PROTO_IDLE,
			    "%s: END leaves state %s:%s", who,
			    proto_state_name(p->state), acts);
	} else
		INV(b->state == PROTO_IDLE || p->state != PROTO_IDLE,
		    "%s: session left %s without END:%s", who,
		    proto_state_name(b->state), acts);

	/* A live session never runs on reserved tokens. */
	if (p->state != PROTO_IDLE)
		INV(!frame_token_reserved(p->gtok),
		    "%s: state %s with guest token %08x", who,
		    proto_state_name(p->state), p->gtok);
	if (host && (p->state == PROTO_SYN_RCVD ||
	    p->state == PROTO_ESTABLISHED))
		INV(!frame_token_reserved(p->htok),
		    "%s: state %s with host token %08x", who,
		    proto_state_name(p->state), p->htok);
}

/* One step with the invariants checked; out is poisoned first. */
static void
checked_step(struct proto *p, const struct proto_in *in,
    struct proto_out *out, const char *who)
{
	struct proto	 b = *p;

	memset(out, 0xa5, sizeof(*out));
	proto_step(p, in, out);
	check_invariants(&b, p, in, out, who);
}

static void
run_case(const struct pcase *c)
{
	struct proto_chan	 pc;
	struct proto		 p;
	struct proto_in		 in;
	struct proto_out	 out;
	char			 who[256], got[512], want[512];
	const struct proto_act	*a;
	const struct xact	*x;
	int			 i;
	bool			 same;

	proto_chan_init(&pc, c->role);
	proto_init(&p, cfg_for(c->role, c->caps), &pc);
	ck_assert_int_eq(p.state, PROTO_IDLE);
	for (i = 0; i < c->nsetup; i++) {
		snprintf(who, sizeof(who), "%s: setup step %d", c->name, i);
		step_to_in(&c->setup[i], &in);
		checked_step(&p, &in, &out, who);
	}
	ck_assert_msg(p.state == c->start, "%s: setup ends in %s, expected %s",
	    c->name, proto_state_name(p.state), proto_state_name(c->start));

	snprintf(who, sizeof(who), "%s", c->name);
	step_to_in(&c->in, &in);
	checked_step(&p, &in, &out, who);

	fmt_out(got, sizeof(got), &out);
	fmt_x(want, sizeof(want), c->acts, c->nacts);
	ck_assert_msg(p.state == c->state, "%s: state %s, expected %s "
	    "(actions:%s)", c->name, proto_state_name(p.state),
	    proto_state_name(c->state), got);
	same = out.n == c->nacts;
	for (i = 0; same && i < out.n; i++) {
		a = &out.act[i];
		x = &c->acts[i];
		if (a->type != x->type)
			same = false;
		else if (a->type == PROTO_ACT_SEND)
			same = a->ctrl == x->ctrl && a->gtok == x->gtok &&
			    a->htok == x->htok && a->caps == x->caps;
		else if (a->type == PROTO_ACT_TIMER_START)
			same = a->ms == x->ms;
		else if (a->type == PROTO_ACT_END)
			same = a->clean == x->clean;
	}
	ck_assert_msg(same, "%s: actions:%s; expected:%s", c->name, got, want);

	if (c->chk & CHK_TOK) {
		ck_assert_msg(p.gtok == c->gtok, "%s: gtok %08x, expected %08x",
		    c->name, p.gtok, c->gtok);
		ck_assert_msg(p.htok == c->htok, "%s: htok %08x, expected %08x",
		    c->name, p.htok, c->htok);
	}
	if (c->chk & CHK_CAPS)
		ck_assert_msg(p.caps == c->pcaps, "%s: caps %u, expected %u",
		    c->name, p.caps, c->pcaps);
	if (c->chk & CHK_RESYNC)
		ck_assert_msg(pc.resync == c->resync, "%s: resync %d, "
		    "expected %d", c->name, pc.resync, c->resync);
	if (c->chk & CHK_HALF)
		ck_assert_msg(p.fin_sent == c->fsent && p.fin_rcvd == c->frcvd,
		    "%s: fin sent %d rcvd %d, expected %d %d", c->name,
		    p.fin_sent, p.fin_rcvd, c->fsent, c->frcvd);
}

/* Loop over cases[]; each case has a check test case of its own name. */
START_TEST(table)
{
	run_case(&cases[_i]);
}
END_TEST

/*
 * Where a case's setup really leaves the machine, found by replaying it:
 * the coverage check counts that, not the case's name.  ESTABLISHED has
 * the half-close sub-states of fin_sent and fin_rcvd (both at once is
 * the end of the session).
 */
enum sub {
	SUB_NONE,
	SUB_FIN_SENT,
	SUB_FIN_RCVD,
	NSUB
};

struct cstart {
	enum proto_state	 st;
	enum sub		 sub;
	bool			 own;	/* input has the session's tokens */
};

static void
case_start(const struct pcase *c, struct cstart *cs)
{
	struct proto_chan	 pc;
	struct proto		 p;
	struct proto_in		 in;
	struct proto_out	 out;
	int			 i;

	proto_chan_init(&pc, c->role);
	proto_init(&p, cfg_for(c->role, c->caps), &pc);
	for (i = 0; i < c->nsetup; i++) {
		step_to_in(&c->setup[i], &in);
		proto_step(&p, &in, &out);
	}
	cs->st = p.state;
	cs->sub = p.fin_sent ? SUB_FIN_SENT : p.fin_rcvd ? SUB_FIN_RCVD :
	    SUB_NONE;
	cs->own = c->in.gtok == p.gtok && c->in.htok == p.htok;
}

/*
 * True when the table has a case for this role, start state, sub-state
 * and input; own is 1 for a frame with the session's tokens, 0 for one
 * without, -1 for either.
 */
static bool
has_case(const struct cstart *starts, enum proto_role role,
    enum proto_state st, enum sub sub, enum proto_event ev, uint8_t ctrl,
    int own)
{
	size_t	 k;

	for (k = 0; k < NELEM(cases); k++)
		if (cases[k].role == role && starts[k].st == st &&
		    starts[k].sub == sub && cases[k].in.ev == ev &&
		    (ev != PROTO_EV_FRAME || (cases[k].in.ctrl == ctrl &&
		    (own < 0 || starts[k].own == (own == 1)))))
			return true;
	return false;
}

/*
 * Append to msg every input of (role, st, sub) without a case; return
 * how many.  In ESTABLISHED a frame needs a case with the session's
 * tokens and one with foreign tokens.
 */
static int
missing_cases(const struct cstart *starts, enum proto_role role,
    enum proto_state st, enum sub sub, char *msg, size_t sz)
{
	static const uint8_t	 ctrls[] = { VIOS_SYN, VIOS_ACK, VIOS_SYNACK,
	    VIOS_DATA, VIOS_FIN, VIOS_RESET, 'Z' };
	static const char *const subn[NSUB] = { "", "/fin-sent", "/fin-rcvd" };
	static const char *const ownn[] = { "", ", foreign tokens",
	    ", own tokens" };
	size_t			 e, nc, len;
	int			 ev, own, own0, missing = 0;

	for (ev = 0; ev < PROTO_NEVENTS; ev++) {
		nc = ev == PROTO_EV_FRAME ? NELEM(ctrls) : 1;
		own0 = ev == PROTO_EV_FRAME && st == PROTO_ESTABLISHED ? 0 : -1;
		for (e = 0; e < nc; e++) {
			for (own = own0; own < (own0 < 0 ? 0 : 2); own++) {
				if (has_case(starts, role, st, sub,
				    (enum proto_event)ev, ctrls[e], own))
					continue;
				missing++;
				len = strlen(msg);
				snprintf(msg + len, sz - len, "\n  %s %s%s %s",
				    role == PROTO_HOST ? "host" : "guest",
				    proto_state_name(st), subn[sub],
				    proto_event_name(ev));
				len = strlen(msg);
				if (ev == PROTO_EV_FRAME)
					snprintf(msg + len, sz - len,
					    " ctrl %c%s", ctrls[e],
					    ownn[own + 1]);
			}
		}
	}
	return missing;
}

/*
 * Every (role, state, event) has at least one case in the table; in
 * ESTABLISHED, every half-close sub-state too, and every frame both with
 * the session's tokens and with foreign ones.
 */
START_TEST(table_complete)
{
	static const enum proto_state	 hs[] = { PROTO_IDLE,
	    PROTO_CONNECTING, PROTO_SYN_RCVD, PROTO_ESTABLISHED };
	static const enum proto_state	 gs[] = { PROTO_IDLE,
	    PROTO_SYN_SENT, PROTO_ESTABLISHED };
	static struct cstart		 starts[NELEM(cases)];
	const enum proto_state		*sts;
	enum proto_role			 role;
	size_t				 k, r, s, nst;
	int				 sub, nsub, missing = 0;
	char				 msg[2048];

	for (k = 0; k < NELEM(cases); k++)
		case_start(&cases[k], &starts[k]);
	msg[0] = '\0';
	for (r = 0; r < 2; r++) {
		role = r == 0 ? PROTO_HOST : PROTO_GUEST;
		sts = r == 0 ? hs : gs;
		nst = r == 0 ? NELEM(hs) : NELEM(gs);
		for (s = 0; s < nst; s++) {
			nsub = sts[s] == PROTO_ESTABLISHED ? NSUB : 1;
			for (sub = 0; sub < nsub; sub++)
				missing += missing_cases(starts, role, sts[s],
				    (enum sub)sub, msg, sizeof(msg));
		}
	}
	ck_assert_msg(missing == 0, "%d inputs without a case:%s", missing,
	    msg);
}
END_TEST

/* --- random walk ---------------------------------------------------------- */

/* xorshift64*: deterministic. */
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

/* A token: often the session's own, sometimes reserved, repeated or new. */
static uint32_t
rnd_tok(uint64_t *rs, uint32_t cur)
{
	static const uint32_t	 pool[] = { G, H, G2, H2 };

	switch (rng_below(rs, 8)) {
	case 0:
	case 1:
	case 2:
		return cur;
	case 3:
		return VIOS_TOKEN_UNKNOWN;
	case 4:
		return VIOS_TOKEN_NONE;
	case 5:
	case 6:
		return pool[rng_below(rs, NELEM(pool))];
	default:
		return (uint32_t)rng_next(rs);
	}
}

/* A fresh token as the daemons supply them: never reserved. */
static uint32_t
rnd_fresh(uint64_t *rs)
{
	static const uint32_t	 pool[] = { G, H, G3, H3 };
	uint32_t		 t;

	if (rng_below(rs, 2) == 0)
		return pool[rng_below(rs, NELEM(pool))];
	do
		t = (uint32_t)rng_next(rs);
	while (frame_token_reserved(t));
	return t;
}

/* The input that takes the session one step further, if any. */
static bool
rnd_progress(uint64_t *rs, const struct proto *p, struct proto_in *in)
{
	bool	 host = p->cfg->role == PROTO_HOST;

	in->ev = PROTO_EV_FRAME;
	in->hdr.gtok = p->gtok;
	in->hdr.htok = p->htok;
	switch (p->state) {
	case PROTO_IDLE:
		if (host) {
			in->hdr.ctrl = VIOS_SYN;
			in->hdr.gtok = rnd_fresh(rs);
			in->hdr.htok = VIOS_TOKEN_UNKNOWN;
			in->caps = (int)rng_below(rs, 3) - 1;
		} else {
			in->ev = PROTO_EV_OPEN;
			in->tok = rnd_fresh(rs);
		}
		return true;
	case PROTO_CONNECTING:
		in->ev = PROTO_EV_CONNECTED;
		in->tok = rnd_fresh(rs);
		return true;
	case PROTO_SYN_RCVD:
		in->hdr.ctrl = VIOS_ACK;
		return true;
	case PROTO_SYN_SENT:
		in->hdr.ctrl = VIOS_SYNACK;
		in->hdr.htok = rnd_fresh(rs);
		in->caps = (int)rng_below(rs, 3) - 1;
		return true;
	case PROTO_ESTABLISHED:
		in->hdr.ctrl = VIOS_DATA;
		in->hdr.len = (uint16_t)rng_below(rs, 3);
		return true;
	default:
		return false;
	}
}

static void
rnd_input(uint64_t *rs, const struct proto *p, struct proto_in *in)
{
	static const uint8_t	 ctrls[] = { VIOS_SYN, VIOS_ACK, VIOS_SYNACK,
	    VIOS_DATA, VIOS_DATA, VIOS_FIN, VIOS_RESET, VIOS_RESET, 'Z' };
	static const int	 capsv[] = { -1, 0, VIOS_CAP_FIN, 3 };
	uint32_t		 r;

	memset(in, 0, sizeof(*in));
	in->caps = -1;
	/* A quarter of the inputs move the session on, to get deep into it. */
	if (rng_below(rs, 4) == 0 && rnd_progress(rs, p, in))
		return;
	r = rng_below(rs, 16);
	in->ev = r < 9 ? PROTO_EV_FRAME : (enum proto_event)(r - 8);
	switch (in->ev) {
	case PROTO_EV_FRAME:
		r = rng_below(rs, NELEM(ctrls) + 1);
		in->hdr.ctrl = r < NELEM(ctrls) ? ctrls[r] :
		    (uint8_t)rng_next(rs);
		/* Half the frames carry the session's tokens. */
		if (rng_below(rs, 2) == 0) {
			in->hdr.gtok = p->gtok;
			in->hdr.htok = p->htok;
		} else {
			in->hdr.gtok = rnd_tok(rs, p->gtok);
			in->hdr.htok = rnd_tok(rs, p->htok);
		}
		switch (rng_below(rs, 4)) {
		case 0:
			in->hdr.len = 0;
			break;
		case 1:
			in->hdr.len = VIOS_MAX_PAYLOAD;
			break;
		default:
			in->hdr.len = (uint16_t)rng_next(rs);
			break;
		}
		if (in->hdr.ctrl == VIOS_SYN || in->hdr.ctrl == VIOS_SYNACK)
			in->caps = capsv[rng_below(rs, NELEM(capsv))];
		break;
	case PROTO_EV_OPEN:
	case PROTO_EV_CONNECTED:
		in->tok = rnd_fresh(rs);
		break;
	default:
		break;
	}
}

/* Loop: host offering fin, host without, guest with, guest without. */
START_TEST(random_walk)
{
	enum proto_role		 role = _i < 2 ? PROTO_HOST : PROTO_GUEST;
	unsigned		 caps = _i % 2 == 0 ? VIOS_CAP_FIN : 0;
	struct proto_chan	 pc;
	struct proto		 p;
	struct proto_in		 in;
	struct proto_out	 out;
	uint64_t		 rs = 0x5eed0000ULL + (uint64_t)_i;
	unsigned long		 visits[PROTO_NSTATES] = { 0 };
	unsigned long		 ends = 0, delivers = 0, fins = 0, shut = 0;
	char			 who[64];
	long			 k;
	int			 i;

	proto_chan_init(&pc, role);
	proto_init(&p, cfg_for(role, caps), &pc);
	for (k = 0; k < NRANDOM; k++) {
		snprintf(who, sizeof(who), "random %d step %ld", _i, k);
		rnd_input(&rs, &p, &in);
		checked_step(&p, &in, &out, who);
		visits[p.state]++;
		for (i = 0; i < out.n; i++) {
			if (out.act[i].type == PROTO_ACT_END)
				ends++;
			if (out.act[i].type == PROTO_ACT_DELIVER)
				delivers++;
			if (out.act[i].type == PROTO_ACT_TCP_SHUTDOWN)
				shut++;
			if (out.act[i].type == PROTO_ACT_SEND &&
			    out.act[i].ctrl == VIOS_FIN)
				fins++;
		}
	}
	/* The walk went everywhere, or it proves little. */
	if (role == PROTO_HOST) {
		ck_assert_uint_ge(visits[PROTO_CONNECTING], 1000);
		ck_assert_uint_ge(visits[PROTO_SYN_RCVD], 1000);
		ck_assert_uint_eq(visits[PROTO_SYN_SENT], 0);
	} else {
		ck_assert_uint_ge(visits[PROTO_SYN_SENT], 1000);
		ck_assert_uint_eq(visits[PROTO_CONNECTING], 0);
		ck_assert_uint_eq(visits[PROTO_SYN_RCVD], 0);
	}
	ck_assert_uint_ge(visits[PROTO_IDLE], 1000);
	ck_assert_uint_ge(visits[PROTO_ESTABLISHED], 1000);
	ck_assert_uint_ge(ends, 1000);
	ck_assert_uint_ge(delivers, 100);
	if (caps != 0) {
		ck_assert_uint_ge(fins, 10);
		ck_assert_uint_ge(shut, 10);
	} else {
		ck_assert_uint_eq(fins, 0);
		ck_assert_uint_eq(shut, 0);
	}
}
END_TEST

START_TEST(names)
{
	int	 i, j;

	for (i = 0; i < PROTO_NSTATES; i++) {
		ck_assert_ptr_nonnull(proto_state_name((enum proto_state)i));
		ck_assert_str_ne(proto_state_name((enum proto_state)i),
		    "invalid");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(proto_state_name((enum proto_state)i),
			    proto_state_name((enum proto_state)j));
	}
	for (i = 0; i < PROTO_NEVENTS; i++) {
		ck_assert_ptr_nonnull(proto_event_name((enum proto_event)i));
		ck_assert_str_ne(proto_event_name((enum proto_event)i),
		    "invalid");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(proto_event_name((enum proto_event)i),
			    proto_event_name((enum proto_event)j));
	}
	ck_assert_str_eq(proto_state_name(PROTO_NSTATES), "invalid");
	ck_assert_str_eq(proto_event_name(PROTO_NEVENTS), "invalid");
	ck_assert_str_eq(proto_state_name(PROTO_ESTABLISHED), "established");
}
END_TEST

/* proto_chan_init: a fresh guest channel resyncs, a host one has no memory. */
START_TEST(chan_init)
{
	struct proto_chan	 pc;
	struct proto		 p;

	memset(&pc, 0xff, sizeof(pc));
	proto_chan_init(&pc, PROTO_GUEST);
	ck_assert(pc.resync);
	memset(&pc, 0xff, sizeof(pc));
	proto_chan_init(&pc, PROTO_HOST);
	ck_assert(!pc.resync);
	ck_assert(!pc.rst_valid);
	memset(&p, 0xff, sizeof(p));
	proto_init(&p, cfg_for(PROTO_HOST, VIOS_CAP_FIN), &pc);
	ck_assert_int_eq(p.state, PROTO_IDLE);
	ck_assert_int_eq(p.peer_caps, -1);
	ck_assert(!p.fin_sent && !p.fin_rcvd && !p.tcp_gone && !p.syn_resent);
	ck_assert_ptr_eq(p.chan, &pc);
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("proto");
	size_t	 i;

	for (i = 0; i < NELEM(cases); i++)
		tcase_add_loop_test(checkmain_tcase(s, cases[i].name), table,
		    (int)i, (int)i + 1);
	tcase_add_test(checkmain_tcase(s, "table covers every state x event"),
	    table_complete);
	tcase_add_loop_test(checkmain_tcase(s, "random walk"), random_walk,
	    0, 4);
	tcase_add_test(checkmain_tcase(s, "state and event names"), names);
	tcase_add_test(checkmain_tcase(s, "channel and slot init"), chan_init);
	return s;
}

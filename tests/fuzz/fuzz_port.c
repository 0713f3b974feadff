/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_port.c: libFuzzer harness for the whole host side of one channel:
 * a host-role struct port on a socketpair in a fresh event_base, the
 * fuzzer playing the guest, and a service on another socketpair per
 * session.  The input is a configuration byte, then operations: raw bytes
 * or frames from the guest, service data and closes, the guest leaving,
 * a daemon shutdown, extra loop turns.  The loop only ever runs with
 * EVLOOP_NONBLOCK, a bounded number of times.  Checked: what the host
 * writes is whole, valid frames of the host's kinds with allowed tokens,
 * in an amount bounded by what it was fed; nothing reaches the service
 * that the guest did not send; no leak (LeakSanitizer) and no descriptor
 * left open.  VIOS_FUZZ_DEBUG=1 in the environment logs what the port does.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "framebuf.h"
#include "fuzz.h"
#include "log.h"
#include "port.h"

#define FZ_SVC_MAX	32	/* service connections per input */
#define FZ_TURNS	4	/* loop turns after each operation */
#define FZ_MS_LONG	60000	/* a timeout that never fires here */

struct fz_port {
	struct event_base	*base;
	struct port		*pt;
	struct proto_cfg	 cfg;
	int			 chan[2];	/* [0] the port's, [1] the guest's */
	struct evbuffer		*to_host;	/* guest bytes not written yet */
	struct evbuffer		*sent;		/* all guest bytes, to count frames */
	struct evbuffer		*from_host;	/* host bytes not decoded yet */
	int			 svc;		/* service end of the session, or -1 */
	int			 fds[2 * FZ_SVC_MAX + 2];
	int			 nfds;
	bool			 refuse;	/* connect op fails */
	bool			 down;		/* ops.down was called */
	bool			 guest_shut;
	bool			 shutting;
	uint32_t		 g, h;		/* last SYN's G, last SYNACK's H */
	uint64_t		 guest_frames;
	uint64_t		 guest_data;	/* DATA payload bytes sent */
	uint64_t		 host_bytes;
	uint64_t		 svc_sent;
	uint64_t		 svc_got;
	uint64_t		 ops;
};

static void
fz_track(struct fz_port *f, int fd)
{
	FZ_CHECK(f->nfds < (int)(sizeof(f->fds) / sizeof(f->fds[0])));
	f->fds[f->nfds++] = fd;
}

static int
fz_socketpair(struct fz_port *f, int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1)
		return -1;
	fz_track(f, sv[0]);
	fz_track(f, sv[1]);
	return 0;
}

/* The service "connect": a socketpair whose CONNECTED comes from the loop. */
static struct bufferevent *
fz_connect(struct port *pt, void *arg)
{
	struct fz_port		*f = arg;
	struct bufferevent	*bev;
	int			 sv[2];

	if (f->refuse || f->nfds + 2 > (int)(sizeof(f->fds) /
	    sizeof(f->fds[0])) || fz_socketpair(f, sv) == -1)
		return NULL;
	if ((bev = bufferevent_socket_new(f->base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	/* With no address, libevent waits for the fd to be writable. */
	if (bufferevent_socket_connect(bev, NULL, 0) == -1) {
		bufferevent_free(bev);
		close(sv[1]);
		return NULL;
	}
	if (f->svc >= 0)
		close(f->svc);
	f->svc = sv[1];
	return bev;
}

static void
fz_down(struct port *pt, void *arg, int err)
{
	struct fz_port	*f = arg;

	f->down = true;
}

static void
fz_drained(struct port *pt, void *arg)
{
	struct fz_port	*f = arg;

	FZ_CHECK(f->shutting);
}

static const struct port_ops fz_ops = {
	.connect = fz_connect,
	.down = fz_down,
	.drained = fz_drained,
	/* idle: the host needs no notice. */
};

/* Check every whole frame the host wrote since the last call. */
static void
fz_host_frames(struct fz_port *f)
{
	struct framebuf_stats	 st;
	struct frame_hdr	 h;

	memset(&st, 0, sizeof(st));
	while (framebuf_next(f->from_host, &h, &st) == 1) {
		/* Host frames: SYNACK, DATA, FIN, RESET; never empty DATA. */
		FZ_CHECK(h.ctrl == VIOS_SYNACK || h.ctrl == VIOS_DATA ||
		    h.ctrl == VIOS_FIN || h.ctrl == VIOS_RESET);
		FZ_CHECK(!frame_token_reserved(h.gtok));
		if (h.ctrl == VIOS_RESET && h.htok == VIOS_TOKEN_NONE)
			;	/* the refusal, RESET(G, RRRR) */
		else
			FZ_CHECK(!frame_token_reserved(h.htok));
		if (h.ctrl == VIOS_DATA)
			FZ_CHECK(h.len > 0);
		else if (h.ctrl == VIOS_SYNACK)
			FZ_CHECK(h.len <= VIOS_CAPS_MAX);
		else
			FZ_CHECK(h.len == 0);
		if (h.ctrl == VIOS_FIN)
			FZ_CHECK((f->cfg.caps & VIOS_CAP_FIN) != 0);
		if (h.ctrl == VIOS_SYNACK)
			f->h = h.htok;
		evbuffer_drain(f->from_host, h.len);
	}
	/* The host sends whole frames only: nothing to skip, ever. */
	FZ_CHECK(st.skipped == 0);
}

/* Move bytes both ways and check them. */
static void
fz_pump(struct fz_port *f)
{
	char	 buf[16384];
	ssize_t	 n;

	if (!f->guest_shut && evbuffer_get_length(f->to_host) > 0)
		evbuffer_write(f->to_host, f->chan[1]);
	while ((n = read(f->chan[1], buf, sizeof(buf))) > 0) {
		f->host_bytes += (uint64_t)n;
		FZ_CHECK(evbuffer_add(f->from_host, buf, (size_t)n) == 0);
	}
	fz_host_frames(f);
	if (f->svc >= 0)
		while ((n = read(f->svc, buf, sizeof(buf))) > 0)
			f->svc_got += (uint64_t)n;
	/* The service gets only what the guest sent as DATA. */
	FZ_CHECK(f->svc_got <= f->guest_data);
	FZ_CHECK(port_stats(f->pt)->to_tcp <= f->guest_data);
	FZ_CHECK(port_stats(f->pt)->from_tcp <= f->svc_sent);
	/*
	 * Amplification: one control frame per guest frame or local event
	 * at most, plus the service's bytes framed (one header per byte
	 * at worst).
	 */
	FZ_CHECK(f->host_bytes <= (f->guest_frames + f->ops + 1) *
	    (VIOS_HDR_LEN + VIOS_CAPS_MAX) + f->svc_sent * (VIOS_HDR_LEN + 1));
}

static void
fz_turns(struct fz_port *f, int n)
{
	int	 i;

	for (i = 0; i < n; i++) {
		fz_pump(f);
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	}
	fz_pump(f);
}

/* Queue guest bytes; count the frames in them as the host will see them. */
static void
fz_guest_write(struct fz_port *f, const void *p, size_t n)
{
	struct frame_hdr	 h;

	FZ_CHECK(evbuffer_add(f->to_host, p, n) == 0);
	FZ_CHECK(evbuffer_add(f->sent, p, n) == 0);
	while (framebuf_next(f->sent, &h, NULL) == 1) {
		f->guest_frames++;
		if (h.ctrl == VIOS_DATA)
			f->guest_data += h.len;
		evbuffer_drain(f->sent, h.len);
	}
}

static uint32_t
fz_tok(struct fz_port *f, uint8_t sel, const uint8_t **p, size_t *n)
{
	uint32_t	 v = 0;
	int		 i;

	switch (sel & 7) {
	case 0:
	case 1:
		return f->g;
	case 2:
	case 3:
		return f->h;
	case 4:
		return VIOS_TOKEN_NONE;
	case 5:
		return VIOS_TOKEN_UNKNOWN;
	default:
		for (i = 0; i < 4 && *n > 0; i++, (*p)++, (*n)--)
			v = v << 8 | **p;
		return v;
	}
}

static void
fz_guest_frame(struct fz_port *f, const uint8_t **p, size_t *n)
{
	static const uint8_t	 ctrls[] = { VIOS_SYN, VIOS_ACK, VIOS_SYNACK,
	    VIOS_DATA, VIOS_FIN, VIOS_RESET };
	static uint8_t		 payload[VIOS_MAX_PAYLOAD];
	struct evbuffer		*b;
	uint8_t			 c, gs, hs, ls;
	uint32_t		 g, h;
	uint16_t		 len;

	if (*n < 4)
		return;
	c = (*p)[0];
	gs = (*p)[1];
	hs = (*p)[2];
	ls = (*p)[3];
	*p += 4;
	*n -= 4;
	g = fz_tok(f, gs, p, n);
	h = fz_tok(f, hs, p, n);
	c = c < 0xf0 ? ctrls[c % sizeof(ctrls)] : c;
	len = ls == 0xff ? VIOS_MAX_PAYLOAD : ls < 0xc0 ? ls : (ls - 0xc0) * 1024;
	if (c == VIOS_SYN && (ls & 1)) {
		memcpy(payload, "VIOSX1 fin", 10);
		len = 10;
	} else
		memset(payload, 'p', len);
	FZ_CHECK((b = evbuffer_new()) != NULL);
	FZ_CHECK(framebuf_put(b, c, g, h, payload, len) == 0);
	if (c == VIOS_SYN)
		f->g = g;
	while (evbuffer_get_length(b) > 0) {
		size_t	 k = evbuffer_get_length(b);
		uint8_t	*q = evbuffer_pullup(b, -1);

		fz_guest_write(f, q, k);
		evbuffer_drain(b, k);
	}
	evbuffer_free(b);
}

static void
fz_op(struct fz_port *f, const uint8_t **p, size_t *n)
{
	uint8_t		 b = **p, k;
	static uint8_t	 zeros[VIOS_MAX_PAYLOAD];
	size_t		 len;

	(*p)++;
	(*n)--;
	f->ops++;
	switch (b & 7) {
	case 0:		/* raw bytes */
	case 1:
		len = 1 + (b >> 3);
		if (len > *n)
			len = *n;
		fz_guest_write(f, *p, len);
		*p += len;
		*n -= len;
		break;
	case 2:		/* a frame */
	case 3:
		fz_guest_frame(f, p, n);
		break;
	case 4:		/* the service writes */
		if (f->svc < 0)
			break;
		len = (size_t)(b >> 3) * (b & 0x80 ? 4096 : 7) + 1;
		if (len > sizeof(zeros))
			len = sizeof(zeros);
		{
			ssize_t	 w = write(f->svc, zeros, len);

			if (w > 0)
				f->svc_sent += (uint64_t)w;
		}
		break;
	case 5:		/* the service closes its write side, or all */
		if (f->svc < 0)
			break;
		if (b & 0x08) {
			close(f->svc);
			f->svc = -1;
		} else
			shutdown(f->svc, SHUT_WR);
		break;
	case 6:		/* the guest leaves, or the port resumes */
		if (f->down && (b & 0x08))
			port_resume(f->pt);
		else if (!f->guest_shut) {
			shutdown(f->chan[1], SHUT_WR);
			f->guest_shut = true;
		}
		break;
	default:	/* daemon shutdown, or more turns */
		if ((b & 0xf8) == 0xf8 && !f->shutting) {
			f->shutting = true;
			port_shutdown(f->pt);
		} else {
			k = b >> 3;
			fz_turns(f, k % 8);
		}
		break;
	}
}

static void
fz_init(void)
{
	static bool	 done;

	if (done)
		return;
	done = true;
	/* As the daemons: a peer's close must not kill us on write. */
	signal(SIGPIPE, SIG_IGN);
	/* Quiet, unless a crash input is being looked at. */
	log_init("fuzz_port", getenv("VIOS_FUZZ_DEBUG") != NULL ?
	    LOG_LVL_DEBUG : LOG_LVL_FATAL, false);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_port	 f;
	struct evbuffer	*json;
	uint8_t		 c;
	int		 i;

	if (size < 1)
		return 0;
	fz_init();
	memset(&f, 0, sizeof(f));
	f.svc = -1;
	c = *data++;
	size--;
	f.cfg.role = PROTO_HOST;
	f.cfg.caps = (c & 1) ? VIOS_CAPS_OURS : 0;
	f.cfg.connect_ms = (c & 2) ? 0 : FZ_MS_LONG;
	f.cfg.ack_ms = (c & 4) ? 0 : FZ_MS_LONG;
	f.cfg.handshake_ms = FZ_MS_LONG;
	f.refuse = (c & 8) != 0;
	f.g = 0x11111111;
	f.h = 0x22222222;
	FZ_CHECK((f.base = event_base_new()) != NULL);
	FZ_CHECK((f.to_host = evbuffer_new()) != NULL);
	FZ_CHECK((f.sent = evbuffer_new()) != NULL);
	FZ_CHECK((f.from_host = evbuffer_new()) != NULL);
	FZ_CHECK(fz_socketpair(&f, f.chan) == 0);
	FZ_CHECK((f.pt = port_new(f.base, "fuzz/ch0", &f.cfg, &fz_ops,
	    &f)) != NULL);
	FZ_CHECK(port_attach(f.pt, f.chan[0], true) == 0);
	fz_turns(&f, 1);
	while (size > 0) {
		fz_op(&f, &data, &size);
		fz_turns(&f, FZ_TURNS);
	}
	port_dump(f.pt, LOG_LVL_DEBUG);
	FZ_CHECK((json = evbuffer_new()) != NULL);
	port_json(f.pt, json);
	FZ_CHECK(evbuffer_get_length(json) > 0);
	evbuffer_free(json);

	/* The owner's close: port first (sessions, service fds), then ours. */
	port_free(f.pt);
	close(f.chan[0]);
	close(f.chan[1]);
	if (f.svc >= 0)
		close(f.svc);
	evbuffer_free(f.to_host);
	evbuffer_free(f.sent);
	evbuffer_free(f.from_host);
	event_base_free(f.base);
	/* Every descriptor made for this input is closed. */
	for (i = 0; i < f.nfds; i++)
		FZ_CHECK(fcntl(f.fds[i], F_GETFD) == -1 && errno == EBADF);
	return 0;
}

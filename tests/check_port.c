/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_port.c: unit tests of lib/port.c driven by hand, one loop turn at
 * a time: a host-role port on a socketpair (the case plays the guest) and
 * the service on another socketpair, in a fresh event_base run only with
 * EVLOOP_NONBLOCK.  Deterministic where the daemons' suites depend on
 * scheduling: each frame below is read by the port on its own.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "checkmain.h"
#include "framebuf.h"
#include "port.h"
#include "token.h"

#define PC_TURNS	8		/* loop turns after each step, at most */
#define PC_GUEST_TOK	0x11111111U
#define PC_FRAMES	2000		/* 1-byte frames past the full service */
#define PC_GROWTH_KB	(4 * 1024)	/* heap growth allowed for them */
#define PC_FILL		4096		/* service filler frame, bytes */
#define PC_FILL_MAX	4096		/* filler frames, at most */
#define PC_MS_LONG	60000		/* a timeout that never fires here */

struct pc {
	struct event_base	*base;
	struct port		*pt;
	struct proto_cfg	 cfg;
	int			 chan[2];	/* [0] the port's, [1] the guest's */
	int			 svc;		/* service end of the session */
	uint32_t		 h;		/* the SYNACK's H */
	bool			 down;		/* ops.down was called */
};

/* The service "connect": a socketpair whose CONNECTED comes from the loop. */
static struct bufferevent *
pc_connect(struct port *pt, void *arg)
{
	struct pc		*c = arg;
	struct bufferevent	*bev;
	int			 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1)
		return NULL;
	ck_assert_ptr_nonnull(bev = bufferevent_socket_new(c->base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE));
	ck_assert_int_eq(bufferevent_socket_connect(bev, NULL, 0), 0);
	c->svc = sv[1];
	return bev;
}

/* The channel's peer went: note it, as the daemons' owners would. */
static void
pc_down(struct port *pt, void *arg, int err)
{
	struct pc	*c = arg;

	c->down = true;
}

static const struct port_ops pc_ops = {
	.connect = pc_connect,
	.down = pc_down,
};

/* Run the loop until nothing is ready, a bounded number of turns. */
static void
pc_turns(struct pc *c)
{
	int	 i;

	for (i = 0; i < PC_TURNS; i++)
		ck_assert_int_ne(event_base_loop(c->base, EVLOOP_NONBLOCK), -1);
}

/* The guest sends one frame; the port reads and acts on it. */
static void
pc_send(struct pc *c, uint8_t ctrl, uint32_t h, const void *p, uint16_t len)
{
	struct evbuffer	*b;
	size_t		 n;

	ck_assert_ptr_nonnull(b = evbuffer_new());
	ck_assert_int_eq(framebuf_put(b, ctrl, PC_GUEST_TOK, h, p, len), 0);
	n = evbuffer_get_length(b);
	ck_assert_int_eq(write(c->chan[1], evbuffer_pullup(b, -1), n),
	    (ssize_t)n);
	evbuffer_free(b);
	pc_turns(c);
}

/* A host port on its channel, no session yet. */
static void
pc_init(struct pc *c)
{
	memset(c, 0, sizeof(*c));
	c->svc = -1;
	c->cfg.role = PROTO_HOST;
	c->cfg.caps = VIOS_CAPS_OURS;
	c->cfg.connect_ms = PC_MS_LONG;
	c->cfg.ack_ms = PC_MS_LONG;
	c->cfg.handshake_ms = PC_MS_LONG;
	ck_assert_ptr_nonnull(c->base = event_base_new());
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, c->chan), 0);
	ck_assert_ptr_nonnull(c->pt = port_new(c->base, "check/ch0", &c->cfg,
	    &pc_ops, c));
	ck_assert_int_eq(port_attach(c->pt, c->chan[0], true), 0);
	pc_turns(c);
}

/* The guest's SYN, answered by a SYNACK (its H kept), then its ACK. */
static void
pc_handshake(struct pc *c)
{
	struct frame_hdr	 h;
	struct evbuffer		*in;

	pc_send(c, VIOS_SYN, VIOS_TOKEN_UNKNOWN, NULL, 0);
	ck_assert_int_ge(c->svc, 0);
	/* A RESET for what came before may precede it. */
	ck_assert_ptr_nonnull(in = evbuffer_new());
	ck_assert_int_gt(evbuffer_read(in, c->chan[1], 4096), 0);
	do {
		ck_assert_int_eq(framebuf_next(in, &h, NULL), 1);
		evbuffer_drain(in, h.len);
	} while (h.ctrl == VIOS_RESET);
	ck_assert_int_eq(h.ctrl, VIOS_SYNACK);
	evbuffer_free(in);
	c->h = h.htok;
	pc_send(c, VIOS_ACK, c->h, NULL, 0);
}

/* An established session with the service socket unread from now on. */
static void
pc_start(struct pc *c)
{
	pc_init(c);
	pc_handshake(c);
}

static void
pc_done(struct pc *c)
{
	port_free(c->pt);
	event_base_free(c->base);
	close(c->chan[0]);
	close(c->chan[1]);
	if (c->svc >= 0)
		close(c->svc);
}

/* The service reads n bytes, the loop turning while the port has more. */
static int
pc_read_all(struct pc *c, uint8_t *buf, size_t n)
{
	ssize_t	 r;
	int	 idle = 0;

	while (n > 0) {
		if ((r = read(c->svc, buf, n)) > 0) {
			buf += r;
			n -= (size_t)r;
			idle = 0;
			continue;
		}
		if (r == 0 || errno != EAGAIN || ++idle > PC_TURNS)
			return -1;
		pc_turns(c);
	}
	return 0;
}

/* Bytes waiting in the service's socket. */
static int
pc_svc_queued(const struct pc *c)
{
	int	 n;

	ck_assert_int_eq(ioctl(c->svc, FIONREAD, &n), 0);
	return n;
}

/* Heap in use, mmap()ed blocks included, in KiB. */
static long
pc_heap_kb(void)
{
	struct mallinfo2	 mi = mallinfo2();

	return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

/*
 * The service does not read; once its socket is full, 1-byte DATA frames,
 * each read on its own into a fresh read buffer, wait in the port's TCP
 * output.  They must wait as bytes: moving each read buffer (256 KiB for
 * one byte) would take half a gigabyte here, and a hostile guest could
 * repeat it up to the watermark.
 */
START_TEST(t_queued_bytes_not_buffers)
{
	static uint8_t	 fill[PC_FILL], got[PC_FILL];
	struct pc	 c;
	long		 before, after;
	uint8_t		 b;
	int		 i, k, nfill, q;

	pc_start(&c);
	/* Fill the service socket until the port has to queue (less than
	 * one filler frame: far below the watermark, so it reads on). */
	memset(fill, 'f', sizeof(fill));
	for (nfill = 0, q = 0;; nfill++) {
		ck_assert_int_lt(nfill, PC_FILL_MAX);
		pc_send(&c, VIOS_DATA, c.h, fill, sizeof(fill));
		k = pc_svc_queued(&c);
		if (k - q < PC_FILL)
			break;
		q = k;
	}
	nfill++;
	before = pc_heap_kb();
	for (i = 0; i < PC_FRAMES; i++) {
		b = (uint8_t)i;
		pc_send(&c, VIOS_DATA, c.h, &b, 1);
	}
	after = pc_heap_kb();
	ck_assert_msg(after - before < PC_GROWTH_KB,
	    "%d 1-byte frames took %ld KiB of heap", PC_FRAMES, after - before);
	/* All of it reaches the service, in order. */
	for (i = 0; i < nfill; i++) {
		ck_assert_int_eq(pc_read_all(&c, got, sizeof(got)), 0);
		ck_assert_mem_eq(got, fill, sizeof(got));
	}
	for (i = 0; i < PC_FRAMES; i++) {
		ck_assert_int_eq(pc_read_all(&c, &b, 1), 0);
		ck_assert_uint_eq(b, (uint8_t)i);
	}
	pc_done(&c);
}
END_TEST

/*
 * The channel's peer goes (EOF) while the port's channel output is full:
 * nothing more is written to it.  The queued frames belong to the session
 * that just ended, and a virtio port without its host polls writable while
 * refusing writes, so a write event left on would spin.
 */
START_TEST(t_down_drops_output)
{
	static uint8_t	 fill[PC_FILL];
	struct pc	 c;
	ssize_t		 r;
	int		 i, before, after = 0;

	pc_start(&c);
	/* The service sends until the port queues for the channel. */
	memset(fill, 's', sizeof(fill));
	for (i = 0; i < PC_FILL_MAX; i++) {
		if (write(c.svc, fill, sizeof(fill)) != (ssize_t)sizeof(fill))
			break;
		pc_turns(&c);
	}
	ck_assert_int_eq(ioctl(c.chan[1], FIONREAD, &before), 0);
	ck_assert_int_gt(before, 0);
	ck_assert_int_eq(shutdown(c.chan[1], SHUT_WR), 0);
	pc_turns(&c);
	ck_assert(c.down);
	/* The guest reads now: only what its socket already held. */
	for (i = 0; i < PC_TURNS * 64; i++) {
		while ((r = read(c.chan[1], fill, sizeof(fill))) > 0)
			after += (int)r;
		pc_turns(&c);
	}
	ck_assert_int_eq(after, before);
	pc_done(&c);
}
END_TEST

/*
 * A channel without a session reads a little per event, yet never stops
 * for a frame that arrives in pieces larger than that: a stale 64 KiB
 * DATA frame in two halves, then a SYN, which is answered.
 */
START_TEST(t_idle_partial_frame)
{
	static uint8_t	 payload[VIOS_MAX_PAYLOAD];
	struct evbuffer	*b;
	struct pc	 c;
	size_t		 n;

	pc_init(&c);
	ck_assert_ptr_nonnull(b = evbuffer_new());
	ck_assert_int_eq(framebuf_put(b, VIOS_DATA, 0x22222222, 0x33333333,
	    payload, sizeof(payload)), 0);
	n = evbuffer_get_length(b) / 2;
	ck_assert_int_eq(write(c.chan[1], evbuffer_pullup(b, -1), n),
	    (ssize_t)n);
	pc_turns(&c);
	evbuffer_drain(b, n);
	n = evbuffer_get_length(b);
	ck_assert_int_eq(write(c.chan[1], evbuffer_pullup(b, -1), n),
	    (ssize_t)n);
	evbuffer_free(b);
	pc_turns(&c);
	pc_handshake(&c);
	ck_assert_int_ge(c.svc, 0);
	pc_done(&c);
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("port");

	tcase_add_test(checkmain_tcase(s, "queued_bytes_not_buffers"),
	    t_queued_bytes_not_buffers);
	tcase_add_test(checkmain_tcase(s, "down_drops_output"),
	    t_down_drops_output);
	tcase_add_test(checkmain_tcase(s, "idle_partial_frame"),
	    t_idle_partial_frame);
	return s;
}

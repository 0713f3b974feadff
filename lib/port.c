/* SPDX-License-Identifier: Apache-2.0 */
/*
 * port.c: a channel endpoint, the channel side of its session.  Frames
 * from the channel go through proto_step(); its actions are carried out
 * here in order.  Bytes are relayed with watermarks both ways: the channel
 * is not read while the session's TCP output is above VIOS_TCP_OUT_HIGH,
 * the TCP side (session.c) is not read while the channel output is above
 * VIOS_CHAN_OUT_HIGH, and each resumes from the other side's write
 * callback below HIGH / VIOS_OUT_LOW_DIV.
 *
 * Ownership: the port owns the channel bufferevent (not its fd), the
 * session timer, the live session and the closing list of sessions that
 * drain their TCP output after their protocol is over; port_free frees
 * them all.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <linux/sockios.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bevwrite.h"
#include "json.h"
#include "portint.h"
#include "token.h"
#include "util.h"

/* ... and a channel without a session (control frames, junk). */
#define PORT_IDLE_READ		(16 * 1024)
/*
 * A channel socket's send buffer asked for, twice a read burst: the kernel
 * doubles it and caps the request at net.core.wmem_max (212992 unless an
 * administrator raised it: 416 KiB then, twice the default).
 */
#define PORT_SNDBUF		(512 * 1024)


static void	port_input(struct port *);
static void	port_notify_drained(struct port *);
static const char *port_chan_state(const struct port *);
static void	port_chan_event_cb(struct bufferevent *, short, void *);
static void	port_chan_read(struct port *, bool);

/*
 * Bytes the channel may read now.  With a session, no more than its TCP
 * output takes below VIOS_TCP_OUT_HIGH, so every frame read is acted on
 * before the channel pauses (an EOF read here then comes after them all).
 * Without one only control frames and junk come, all acted on at once:
 * PORT_IDLE_READ bytes per event (the input holds a partial frame at most
 * besides), so that a flooding guest gets no more of the loop than that.
 */
static size_t
port_chan_read_room(const struct port *pt)
{
	size_t	 used;

	if (pt->bev == NULL || pt->down || pt->paused || pt->shutting ||
	    pt->in_input ||
	    evbuffer_get_length(bufferevent_get_output(pt->bev)) >=
	    VIOS_CHAN_OUT_MAX)
		return 0;
	if (pt->sess == NULL)
		return PORT_IDLE_READ;
	used = evbuffer_get_length(bufferevent_get_input(pt->bev)) +
	    evbuffer_get_length(bufferevent_get_output(pt->sess->bev));
	if (used >= VIOS_TCP_OUT_HIGH)
		return 0;
	used = VIOS_TCP_OUT_HIGH - used;
	return used < PORT_READ_BURST ? used : PORT_READ_BURST;
}

static void
port_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct port	*pt = arg;
	struct proto_in	 in = { .ev = PROTO_EV_TIMEOUT, .caps = -1 };

	port_step(pt, &in, NULL, 0);
}

/* What a session's END line reports, taken before TCP_CLOSE may free it. */
struct port_tally {
	uint64_t	to_tcp;
	uint64_t	from_tcp;
	uint64_t	start_ms;
};

static void
port_log_end(struct port *pt, const struct proto_act *a,
    const struct port_tally *t)
{
	log_msg(a->clean ? LOG_LVL_INFO : LOG_LVL_NOTICE,
	    "%s: session %08x/%08x ended: %s (%llu bytes to TCP, %llu from "
	    "TCP, %llu ms)", pt->name, pt->proto.gtok, pt->proto.htok,
	    a->reason, (unsigned long long)t->to_tcp,
	    (unsigned long long)t->from_tcp,
	    (unsigned long long)(t->start_ms != 0 ?
	    util_now_ms() - t->start_ms : 0));
}

static void
port_send(struct port *pt, const struct proto_act *a)
{
	char	 nbuf[8];

	if (pt->bev == NULL)
		return;
	log_debug("%s: send %s %08x/%08x", pt->name,
	    frame_ctrl_name(a->ctrl, nbuf), a->gtok, a->htok);
	if (framebuf_put_caps(bufferevent_get_output(pt->bev), a->ctrl,
	    a->gtok, a->htok, a->caps) == -1)
		log_warnx("%s: out of memory sending a frame", pt->name);
}

/*
 * Carry out one action.  Returns the input to feed back (a host connect
 * that failed at once), or PROTO_NEVENTS for none.
 */
static enum proto_event
port_act(struct port *pt, const struct proto_act *a, struct evbuffer *payload,
    uint16_t len, const struct port_tally *t)
{
	struct session	*s = pt->sess;
	struct bufferevent *bev;
	struct timeval	 tv;

	switch (a->type) {
	case PROTO_ACT_SEND:
		port_send(pt, a);
		break;
	case PROTO_ACT_PREAMBLE:
		if (pt->bev != NULL &&
		    framebuf_put_preamble(bufferevent_get_output(pt->bev)) == -1)
			log_warnx("%s: out of memory sending preamble", pt->name);
		break;
	case PROTO_ACT_DECODER_RESET:
		if (pt->bev != NULL)
			framebuf_reset(bufferevent_get_input(pt->bev));
		break;
	case PROTO_ACT_CONNECT:
		pt->stats.sessions++;
		bev = pt->ops->connect != NULL ? pt->ops->connect(pt, pt->arg) :
		    NULL;
		if (bev == NULL ||
		    (pt->sess = session_new(pt, bev, true)) == NULL) {
			if (bev != NULL)
				bufferevent_free(bev);
			return PROTO_EV_REFUSED;
		}
		pt->sess->gtok = pt->proto.gtok;
		break;
	case PROTO_ACT_TCP_START:
		if (s == NULL)
			break;
		s->gtok = pt->proto.gtok;
		s->htok = pt->proto.htok;
		s->relaying = true;
		if (!session_read(s, true))
			return PROTO_EV_TCP_ERROR;
		log_info("%s: session %08x/%08x established%s", pt->name,
		    s->gtok, s->htok,
		    pt->proto.caps & VIOS_CAP_FIN ? " (fin)" : "");
		break;
	case PROTO_ACT_DELIVER:
		if (s == NULL || payload == NULL)
			break;
		/* Straight to the socket while nothing is queued. */
		if (bevwrite(s->bev, payload, len) == -1) {
			log_warnx("%s: out of memory queueing data", pt->name);
			return PROTO_EV_TCP_ERROR;
		}
		s->to_tcp += len;
		pt->stats.to_tcp += len;
		break;
	case PROTO_ACT_TCP_SHUTDOWN:
		if (s == NULL)
			break;
		s->shut = true;
		session_flush_shut(s);
		break;
	case PROTO_ACT_TCP_CLOSE:
		if (s != NULL)
			session_release(s);
		break;
	case PROTO_ACT_TIMER_START:
		tv.tv_sec = a->ms / 1000;
		tv.tv_usec = (a->ms % 1000) * 1000;
		evtimer_add(pt->timer, &tv);
		break;
	case PROTO_ACT_TIMER_STOP:
		evtimer_del(pt->timer);
		break;
	case PROTO_ACT_END:
		port_log_end(pt, a, t);
		if (!a->clean)
			pt->stats.errors++;
		pt->notify_idle = true;
		event_active(pt->notify, 0, 0);
		break;
	}
	return PROTO_NEVENTS;
}

/*
 * Feed one input to the protocol and carry out the actions; payload holds
 * the current frame's len payload bytes, if any.  May free the session.
 */
void
port_step(struct port *pt, struct proto_in *in, struct evbuffer *payload,
    uint16_t len)
{
	struct proto_out	 out;
	struct port_tally	 t = { 0, 0, 0 };
	enum proto_event	 again;
	enum proto_state	 from;
	int			 i;

	for (;;) {
		from = pt->proto.state;
		if (pt->sess != NULL) {
			t.to_tcp = pt->sess->to_tcp;
			t.from_tcp = pt->sess->from_tcp;
			t.start_ms = pt->sess->start_ms;
		}
		proto_step(&pt->proto, in, &out);
		if (out.note != NULL && log_enabled(LOG_LVL_DEBUG))
			log_debug("%s: %s in %s: %s", pt->name,
			    proto_event_name(in->ev),
			    proto_state_name(pt->proto.state), out.note);
		if (from != pt->proto.state && log_enabled(LOG_LVL_DEBUG))
			log_debug("%s: session %08x/%08x: %s -> %s on %s",
			    pt->name, pt->proto.gtok, pt->proto.htok,
			    proto_state_name(from),
			    proto_state_name(pt->proto.state),
			    proto_event_name(in->ev));
		again = PROTO_NEVENTS;
		for (i = 0; i < out.n; i++) {
			if (again == PROTO_NEVENTS)
				again = port_act(pt, &out.act[i], payload, len,
				    &t);
		}
		if (again == PROTO_NEVENTS)
			return;
		memset(in, 0, sizeof(*in));
		in->ev = again;
		in->caps = -1;
		payload = NULL;
		len = 0;
	}
}

/*
 * Decode and act on every whole frame the channel has, unless the
 * session's TCP output is full: then stop reading the channel until
 * session_tcp_write_cb resumes it.  Frames stay in the input meanwhile.
 */
static void
port_input(struct port *pt)
{
	struct evbuffer		*in;
	struct frame_hdr	 h;
	struct proto_in		 pin;
	size_t			 before;

	if (pt->in_input)
		return;
	pt->in_input = true;
	while (pt->bev != NULL && !pt->down) {
		/*
		 * Our TCP side is full, or the peer does not read what we
		 * answer (only control frames go past HIGH): wait.
		 */
		if ((pt->sess != NULL && pt->sess->relaying &&
		    evbuffer_get_length(bufferevent_get_output(pt->sess->bev)) >=
		    VIOS_TCP_OUT_HIGH) ||
		    evbuffer_get_length(bufferevent_get_output(pt->bev)) >=
		    VIOS_CHAN_OUT_MAX) {
			pt->paused = true;
			port_chan_read(pt, false);
			break;
		}
		in = bufferevent_get_input(pt->bev);
		if (framebuf_next(in, &h, &pt->fstats) == 0)
			break;
		memset(&pin, 0, sizeof(pin));
		pin.ev = PROTO_EV_FRAME;
		pin.hdr = h;
		pin.caps = -1;
		if (h.ctrl == VIOS_SYN || h.ctrl == VIOS_SYNACK) {
			pin.caps = framebuf_take_caps(in, &h);
			h.len = 0;
		}
		before = evbuffer_get_length(in);
		port_step(pt, &pin, in, h.len);
		/* Whatever was not delivered is dropped, unless a decoder
		 * reset already took it. */
		if (pt->bev != NULL && before == evbuffer_get_length(in))
			evbuffer_drain(in, h.len);
	}
	pt->in_input = false;
}

/*
 * The channel is readable: read what the session's TCP output takes and
 * act on the frames.  The port's own event, not the bufferevent's read
 * (bevread.h).  With no room the channel pauses, so a readable channel
 * never keeps the event firing.  While shutting down, what the peer
 * sends is dropped until its EOF.  May free the session.
 */
static void
port_chan_readable_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct port		*pt = arg;
	struct bufferevent	*bev = pt->bev;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 room = VIOS_READ_MAX;
	short			 what;
	int			 err;

	if (!pt->shutting && (room = port_chan_read_room(pt)) == 0) {
		/* Not to be read now.  When the reason is a full output, its
		 * draining resumes it (port_unpause). */
		if (!pt->down)
			pt->paused = true;
		port_chan_read(pt, false);
		return;
	}
	what = bevread_fd(in, fd, room, pt->sock, &err);
	if (pt->shutting)
		framebuf_reset(in);
	else
		port_input(pt);
	if (what != 0 && pt->bev == bev && !pt->down) {
		port_chan_read(pt, false);
		errno = err;
		port_chan_event_cb(bev, BEV_EVENT_READING | what, pt);
	}
}

/* Read the channel (pt->rd) or stop reading it. */
static void
port_chan_read(struct port *pt, bool on)
{
	if (pt->rd == NULL)
		return;
	if (on)
		event_add(pt->rd, NULL);
	else
		event_del(pt->rd);
}

/* Read the channel again after a pause; buffered frames go first. */
void
port_unpause(struct port *pt)
{
	if (!pt->paused || pt->bev == NULL || pt->down)
		return;
	pt->paused = false;
	port_chan_read(pt, true);
	pt->notify_input = true;
	event_active(pt->notify, 0, 0);
}

/* Channel output below LOW: resume a paused TCP side; finish a shutdown. */
static void
port_chan_write_cb(struct bufferevent *bev, void *arg)
{
	struct port	*pt = arg;
	int		 queued;

	if (pt->shutting) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
			return;
		/*
		 * A character device has taken everything once written.  A
		 * socket peer (QEMU) has read everything when our send queue
		 * is empty, or closes once it reads our EOF.
		 */
		if (shutdown(bufferevent_getfd(bev), SHUT_WR) == -1 ||
		    (ioctl(bufferevent_getfd(bev), SIOCOUTQ, &queued) == 0 &&
		    queued == 0))
			port_notify_drained(pt);
		return;
	}
	if (pt->sess != NULL && pt->sess->paused)
		session_frame(pt->sess);
	port_unpause(pt);
}

/*
 * End the session because the channel's peer is gone.  A guest client
 * still in its handshake has not been read from nor written to: it goes
 * back to its owner to wait for another channel, not closed.
 */
static void
port_chan_lost(struct port *pt)
{
	struct proto_in		 in = { .ev = PROTO_EV_CHAN_DOWN, .caps = -1 };
	struct session		*s = pt->sess;
	struct bufferevent	*client = NULL;
	uint64_t		 since = 0;

	if (s != NULL && pt->proto.state == PROTO_SYN_SENT &&
	    pt->ops->requeue != NULL) {
		client = s->bev;
		since = s->since_ms;
		bufferevent_setcb(client, NULL, NULL, NULL, NULL);
		s->bev = NULL;
	}
	port_step(pt, &in, NULL, 0);
	pt->paused = false;
	if (client != NULL && !pt->ops->requeue(pt, pt->arg, client, since))
		bufferevent_free(client);
}

/* Once: the drain is done both when output empties and at the peer's EOF. */
static void
port_notify_drained(struct port *pt)
{
	if (pt->drained)
		return;
	pt->drained = true;
	pt->notify_drained = true;
	event_active(pt->notify, 0, 0);
}

static void
port_chan_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct port	*pt = arg;
	struct evbuffer	*out;
	int		 err = 0;

	if (pt->shutting) {
		/* QEMU closes after reading our EOF: all was delivered. */
		if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
			port_notify_drained(pt);
		return;
	}
	if ((what & BEV_EVENT_EOF) == 0 && (err = errno) == 0)
		err = EIO;
	/* Frames already read came before the EOF: act on them first. */
	port_input(pt);
	pt->down = true;
	port_chan_read(pt, false);
	port_chan_lost(pt);
	/*
	 * What is queued no longer reaches this peer and would be stale for
	 * the next.  A virtio port without its host polls writable (HUP)
	 * while refusing writes (EAGAIN): a write event left on would spin.
	 */
	bufferevent_disable(bev, EV_WRITE);
	out = bufferevent_get_output(bev);
	evbuffer_unfreeze(out, 1);
	evbuffer_drain(out, evbuffer_get_length(out));
	evbuffer_freeze(out, 1);
	pt->ops->down(pt, pt->arg, err);
}

static void
port_notify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct port	*pt = arg;

	if (pt->notify_drained) {
		pt->notify_drained = false;
		if (pt->drain != NULL)
			evtimer_del(pt->drain);
		if (pt->ops->drained != NULL)
			pt->ops->drained(pt, pt->arg);
		return;
	}
	if (pt->notify_input) {
		pt->notify_input = false;
		port_input(pt);
	}
	if (pt->notify_idle) {
		pt->notify_idle = false;
		if (pt->ops->idle != NULL && port_available(pt))
			pt->ops->idle(pt, pt->arg);
	}
}

static void
port_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct port	*pt = arg;

	log_notice("%s: channel output not drained in time", pt->name);
	port_notify_drained(pt);
}

struct port *
port_new(struct event_base *base, const char *name,
    const struct proto_cfg *cfg, const struct port_ops *ops, void *arg)
{
	struct port	*pt;

	if ((pt = calloc(1, sizeof(*pt))) == NULL)
		return NULL;
	pt->base = base;
	pt->ops = ops;
	pt->arg = arg;
	pt->cfg = cfg;
	strncpy(pt->name, name, sizeof(pt->name) - 1);
	TAILQ_INIT(&pt->closing);
	proto_chan_init(&pt->pchan, cfg->role);
	proto_init(&pt->proto, cfg, &pt->pchan);
	pt->timer = evtimer_new(base, port_timer_cb, pt);
	pt->notify = event_new(base, -1, 0, port_notify_cb, pt);
	pt->drain = evtimer_new(base, port_drain_cb, pt);
	if (pt->timer == NULL || pt->notify == NULL || pt->drain == NULL) {
		port_free(pt);
		return NULL;
	}
	return pt;
}

void
port_free(struct port *pt)
{
	struct session	*s;

	if (pt == NULL)
		return;
	if (pt->bev != NULL)
		port_detach(pt, "port closed");
	if (pt->sess != NULL)
		session_free(pt->sess);
	while ((s = TAILQ_FIRST(&pt->closing)) != NULL)
		session_free(s);
	if (pt->timer != NULL)
		event_free(pt->timer);
	if (pt->notify != NULL)
		event_free(pt->notify);
	if (pt->drain != NULL)
		event_free(pt->drain);
	free(pt);
}

int
port_attach(struct port *pt, int fd, bool present)
{
	struct bufferevent	*bev;
	struct stat		 st;
	int			 sndbuf = PORT_SNDBUF;

	if (pt->bev != NULL)
		port_detach(pt, "channel replaced");
	bev = bufferevent_socket_new(pt->base, fd, 0);
	if (bev == NULL)
		return -1;
	/* The bufferevent writes; reads are port_chan_readable_cb's. */
	bufferevent_setcb(bev, NULL, port_chan_write_cb, port_chan_event_cb,
	    pt);
	bufferevent_setwatermark(bev, EV_WRITE,
	    VIOS_CHAN_OUT_HIGH / VIOS_OUT_LOW_DIV, 0);
	bufferevent_set_max_single_write(bev, VIOS_CHAN_OUT_HIGH);
	pt->bev = bev;
	pt->sock = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
	/* Room for more than one read burst, so that writes go straight to
	 * the socket more often than they queue (a wake-up and a copy). */
	if (pt->sock && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf)) == -1)
		log_debug("%s: SO_SNDBUF: %s", pt->name, strerror(errno));
	pt->down = !present;
	pt->paused = false;
	proto_chan_init(&pt->pchan, pt->cfg->role);
	if ((pt->rd = event_new(pt->base, fd, EV_READ | EV_PERSIST,
	    port_chan_readable_cb, pt)) == NULL ||
	    bufferevent_enable(bev, EV_WRITE) == -1 ||
	    (present && event_add(pt->rd, NULL) == -1)) {
		port_detach(pt, "cannot enable channel events");
		return -1;
	}
	if (present) {
		/* A fresh channel is free: tell the owner from the loop. */
		pt->notify_idle = true;
		event_active(pt->notify, 0, 0);
	}
	return 0;
}

void
port_detach(struct port *pt, const char *reason)
{
	if (pt->bev == NULL)
		return;
	log_debug("%s: channel detached: %s", pt->name, reason);
	port_chan_lost(pt);
	if (pt->rd != NULL)
		event_free(pt->rd);
	pt->rd = NULL;
	bufferevent_free(pt->bev);
	pt->bev = NULL;
	pt->down = true;
	pt->shutting = false;
	evtimer_del(pt->drain);
}

void
port_resume(struct port *pt)
{
	if (pt->bev == NULL || !pt->down)
		return;
	pt->down = false;
	pt->paused = false;
	bufferevent_enable(pt->bev, EV_WRITE);
	port_chan_read(pt, true);
	pt->notify_idle = true;
	event_active(pt->notify, 0, 0);
	port_input(pt);
}

int
port_open(struct port *pt, struct bufferevent *client, uint64_t since_ms)
{
	struct proto_in	 in = { .ev = PROTO_EV_OPEN, .caps = -1 };

	if (!port_available(pt))
		return -1;
	if ((pt->sess = session_new(pt, client, false)) == NULL)
		return -1;
	pt->stats.sessions++;
	pt->sess->since_ms = since_ms;
	in.tok = token_new();
	pt->sess->gtok = in.tok;
	port_step(pt, &in, NULL, 0);
	return 0;
}

void
port_shutdown(struct port *pt)
{
	struct timeval	 tv = { VIOS_SHUTDOWN_MS / 1000,
			    (VIOS_SHUTDOWN_MS % 1000) * 1000 };
	struct proto_in	 in = { .ev = PROTO_EV_SHUTDOWN, .caps = -1 };

	pt->drained = false;
	if (pt->bev == NULL || pt->down) {
		port_notify_drained(pt);
		return;
	}
	if (pt->proto.state != PROTO_IDLE)
		port_step(pt, &in, NULL, 0);
	pt->shutting = true;
	port_chan_read(pt, false);
	bufferevent_setwatermark(pt->bev, EV_WRITE, 0, 0);
	evtimer_add(pt->drain, &tv);
	port_chan_write_cb(pt->bev, pt);
	/* Keep reading for the peer's EOF; port_chan_readable_cb drops what
	 * else it sends. */
	port_chan_read(pt, true);
}

bool
port_available(const struct port *pt)
{
	return pt->bev != NULL && !pt->down && !pt->shutting &&
	    pt->sess == NULL && pt->proto.state == PROTO_IDLE;
}

const struct port_stats *
port_stats(const struct port *pt)
{
	return &pt->stats;
}

void
port_dump(const struct port *pt, enum log_level level)
{
	log_msg(level, "%s: %s, %s, session %08x/%08x, %llu sessions, %llu "
	    "errors, %llu bytes to TCP, %llu from TCP, %llu frames, %llu bytes "
	    "skipped", pt->name, port_chan_state(pt),
	    proto_state_name(pt->proto.state), pt->proto.gtok, pt->proto.htok,
	    (unsigned long long)pt->stats.sessions,
	    (unsigned long long)pt->stats.errors,
	    (unsigned long long)pt->stats.to_tcp,
	    (unsigned long long)pt->stats.from_tcp,
	    (unsigned long long)pt->fstats.frames,
	    (unsigned long long)pt->fstats.skipped);
}

/* Where the channel stands, in words (log lines and JSON). */
static const char *
port_chan_state(const struct port *pt)
{
	if (pt->bev == NULL)
		return "detached";
	if (pt->shutting)
		return "draining";
	if (pt->down)
		return "absent";
	/* Not read: the session's TCP output (the service is slow) or the
	 * channel output (the peer does not read) is full. */
	return pt->paused ? "paused" : "attached";
}

void
port_json(const struct port *pt, struct evbuffer *out)
{
	const struct session	*s = pt->sess;
	char			 tok[16];
	bool			 live = pt->proto.state != PROTO_IDLE;

	evbuffer_add(out, "{", 1);
	json_str(out, "name", pt->name, 1);
	json_str(out, "channel", port_chan_state(pt), 0);
	json_str(out, "state", proto_state_name(pt->proto.state), 0);
	snprintf(tok, sizeof(tok), "%08x", pt->proto.gtok);
	json_str(out, "guest_token", live ? tok : NULL, 0);
	snprintf(tok, sizeof(tok), "%08x", pt->proto.htok);
	json_str(out, "host_token", live ? tok : NULL, 0);
	json_bool(out, "fin", live && (pt->proto.caps & VIOS_CAP_FIN), 0);
	json_u64(out, "session_bytes_to_tcp", s != NULL ? s->to_tcp : 0, 0);
	json_u64(out, "session_bytes_from_tcp", s != NULL ? s->from_tcp : 0, 0);
	json_u64(out, "session_ms", s != NULL ? util_now_ms() - s->start_ms : 0,
	    0);
	json_u64(out, "sessions", pt->stats.sessions, 0);
	json_u64(out, "errors", pt->stats.errors, 0);
	json_u64(out, "bytes_to_tcp", pt->stats.to_tcp, 0);
	json_u64(out, "bytes_from_tcp", pt->stats.from_tcp, 0);
	json_u64(out, "frames", pt->fstats.frames, 0);
	json_u64(out, "skipped_bytes", pt->fstats.skipped, 0);
	json_u64(out, "bad_versions", pt->fstats.bad_version, 0);
	evbuffer_add(out, "}", 1);
}

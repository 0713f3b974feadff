/* SPDX-License-Identifier: Apache-2.0 */
/*
 * session.c: the TCP side of a port's session.  It is read with an event
 * of its own, no more than the channel output takes below
 * VIOS_CHAN_OUT_HIGH, framed into DATA and written to the channel; its
 * output pauses the channel above VIOS_TCP_OUT_HIGH (port.c) and resumes
 * it below HIGH / VIOS_OUT_LOW_DIV.  Its EOF, errors and connect go to the
 * protocol through port_step().
 *
 * Ownership: a session owns its TCP bufferevent and read event.  The
 * port holds the live one; one whose protocol is over is released onto
 * the port's closing list, where it drains its output and frees itself.
 * session_free() is its one way out.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "bevwrite.h"
#include "portint.h"
#include "token.h"
#include "util.h"

static void	session_tcp_event_cb(struct bufferevent *, short, void *);

/* Bytes the session's TCP side may read now: what the channel output takes. */
static size_t
session_read_room(const struct session *s)
{
	const struct port	*pt = s->port;
	size_t			 used;

	if (s->closing || !s->relaying || s->paused || s->eof ||
	    pt->bev == NULL)
		return 0;
	used = evbuffer_get_length(bufferevent_get_output(pt->bev)) +
	    evbuffer_get_length(bufferevent_get_input(s->bev));
	if (used >= VIOS_CHAN_OUT_HIGH)
		return 0;
	used = VIOS_CHAN_OUT_HIGH - used;
	return used < PORT_READ_BURST ? used : PORT_READ_BURST;
}

/* Free a session: its TCP bufferevent (closing the socket) and timer. */
void
session_free(struct session *s)
{
	struct port	*pt = s->port;

	if (s->closing) {
		TAILQ_REMOVE(&pt->closing, s, entry);
		pt->nclosing--;
	} else if (pt->sess == s)
		pt->sess = NULL;
	if (s->rd != NULL)
		event_free(s->rd);
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	free(s);
}

/* shutdown(SHUT_WR) the TCP side once its output is empty. */
void
session_flush_shut(struct session *s)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);

	if (!s->shut || evbuffer_get_length(out) > 0)
		return;
	s->shut = false;
	if (shutdown(bufferevent_getfd(s->bev), SHUT_WR) == -1 &&
	    errno != ENOTCONN)
		log_debug("%s: shutdown: %s", s->port->name, strerror(errno));
}

/*
 * Detach the session from the port and let its output drain (none when
 * its TCP side was taken back: port_chan_lost).  May free s.
 */
void
session_release(struct session *s)
{
	struct port	*pt = s->port;
	struct session	*old;
	struct timeval	 tv = { VIOS_DRAIN_MS / 1000, (VIOS_DRAIN_MS % 1000) * 1000 };

	if (s->closing)
		return;
	pt->sess = NULL;
	/* libevent disables a write that failed: such output never drains
	 * nor times out, and draining it would keep the fd for good. */
	if (s->connecting || s->bev == NULL ||
	    !(bufferevent_get_enabled(s->bev) & EV_WRITE) ||
	    evbuffer_get_length(bufferevent_get_output(s->bev)) == 0) {
		session_free(s);
		return;
	}
	/* Drain as long as the peer makes progress; a write timeout
	 * (no progress for VIOS_DRAIN_MS) ends it. */
	session_read(s, false);
	bufferevent_setwatermark(s->bev, EV_WRITE, 0, 0);
	bufferevent_set_timeouts(s->bev, NULL, &tv);
	s->closing = true;
	TAILQ_INSERT_TAIL(&pt->closing, s, entry);
	/* Bound what a guest churning sessions can leave behind. */
	if (++pt->nclosing > PORT_CLOSING_MAX) {
		old = TAILQ_FIRST(&pt->closing);
		log_debug("%s: too many sessions draining, dropping the oldest",
		    pt->name);
		session_free(old);
	}
	port_unpause(pt);
}

/*
 * The TCP side is readable: read as much as the channel output takes and
 * frame it.  The session's own event, not the bufferevent's read (4 KiB
 * and a FIONREAD per event: bevread.h).  With no room the session pauses,
 * so a readable socket never keeps the event firing.  May free s.
 */
static void
session_tcp_readable_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct session	*s = arg;
	struct port	*pt = s->port;
	size_t		 room;
	short		 what;
	int		 err;

	if ((room = session_read_room(s)) == 0) {
		/* Not to be read now.  When the reason is the channel output,
		 * full as the input emptied, port_chan_write_cb resumes it, as
		 * after a pause of session_frame(). */
		if (s->relaying && !s->closing && !s->eof && pt->bev != NULL)
			s->paused = true;
		session_read(s, false);
		return;
	}
	what = bevread_fd(bufferevent_get_input(s->bev), fd, room, true, &err);
	session_frame(s);
	if (what != 0 && pt->sess == s) {
		session_read(s, false);
		errno = err;
		session_tcp_event_cb(s->bev, BEV_EVENT_READING | what, s);
	}
}

/*
 * Read the TCP side (through rd, made on first use) or stop reading it.
 * Returns false when it cannot be read (out of memory).
 */
bool
session_read(struct session *s, bool on)
{
	if (!on) {
		if (s->rd != NULL)
			event_del(s->rd);
		return true;
	}
	if ((s->rd == NULL && (s->rd = event_new(s->port->base,
	    bufferevent_getfd(s->bev), EV_READ | EV_PERSIST,
	    session_tcp_readable_cb, s)) == NULL) ||
	    event_add(s->rd, NULL) == -1) {
		log_warnx("%s: cannot read a session", s->port->name);
		return false;
	}
	return true;
}

/* TCP output drained below LOW (or empty, when closing). May free s. */
static void
session_tcp_write_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;
	struct port	*pt = s->port;

	if (s->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			session_free(s);
		return;
	}
	session_flush_shut(s);
	port_unpause(pt);
}

static void
session_tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;
	struct port	*pt = s->port;
	struct proto_in	 in = { .caps = -1 };

	if (s->closing) {
		/* An EOF only ends the peer's half; keep draining ours. */
		if (what & BEV_EVENT_TIMEOUT)
			log_debug("%s: session %08x/%08x: peer stopped reading, "
			    "closing", pt->name, s->gtok, s->htok);
		if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
			session_free(s);
		return;
	}
	if (what & BEV_EVENT_CONNECTED) {
		s->connecting = false;
		util_tcp_nodelay(bufferevent_getfd(bev));
		s->htok = in.tok = token_new();
		in.ev = PROTO_EV_CONNECTED;
		port_step(pt, &in, NULL, 0);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		s->eof = true;
		session_frame(s);
		return;
	}
	if (s->connecting) {
		log_info("%s: session %08x: service unreachable: %s", pt->name,
		    s->gtok, evutil_socket_error_to_string(
		    evutil_socket_geterror(bufferevent_getfd(bev))));
		in.ev = PROTO_EV_REFUSED;
	} else {
		log_debug("%s: session %08x/%08x: TCP error: %s", pt->name,
		    s->gtok, s->htok, strerror(errno));
		in.ev = PROTO_EV_TCP_ERROR;
	}
	port_step(pt, &in, NULL, 0);
}

/* A session for the TCP side bev (host: connecting; guest: accepted). */
struct session *
session_new(struct port *pt, struct bufferevent *bev, bool connecting)
{
	struct session	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->port = pt;
	s->bev = bev;
	s->connecting = connecting;
	s->start_ms = util_now_ms();
	if (!connecting)
		util_tcp_nodelay(bufferevent_getfd(bev));
	bufferevent_setcb(bev, NULL, session_tcp_write_cb,
	    session_tcp_event_cb, s);
	bufferevent_setwatermark(bev, EV_WRITE,
	    VIOS_TCP_OUT_HIGH / VIOS_OUT_LOW_DIV, 0);
	bufferevent_set_max_single_write(bev, VIOS_TCP_OUT_HIGH);
	/* Read by session_read(), from TCP_START on, never by bev. */
	bufferevent_disable(bev, EV_READ);
	bufferevent_enable(bev, EV_WRITE);
	return s;
}

/* Frames wait here for bevwrite() while nothing is queued before them. */
static struct evbuffer *
session_scratch(void)
{
	static struct evbuffer	*scratch;

	if (scratch == NULL)
		scratch = evbuffer_new();
	return scratch;
}

/*
 * bevwrite() all of the scratch buffer to the channel.  Returns 0, or
 * -1 when some of it could not even be queued (out of memory).
 */
static int
session_flush(struct port *pt, struct evbuffer *scratch)
{
	if (bevwrite(pt->bev, scratch, evbuffer_get_length(scratch)) == 0)
		return 0;
	/* Shared by every port: never keep a byte. */
	evbuffer_drain(scratch, evbuffer_get_length(scratch));
	return -1;
}

/*
 * Frame what the TCP side has into DATA while the channel takes it; pass
 * on a TCP EOF once every byte before it is framed.  Frames are made in
 * the scratch buffer and written with bevwrite(): straight to the channel
 * while its output is empty, else copied behind what is queued.  The TCP
 * side pauses only on a full output, whose draining (port_chan_write_cb)
 * resumes it.  May free s.
 */
void
session_frame(struct session *s)
{
	struct port	*pt = s->port;
	struct evbuffer	*in, *out, *scratch;
	struct proto_in	 pin = { .ev = PROTO_EV_TCP_EOF, .caps = -1 };
	size_t		 len, n;
	bool		 oom = false;

	if (s->closing || !s->relaying || pt->bev == NULL)
		return;
	in = bufferevent_get_input(s->bev);
	out = bufferevent_get_output(pt->bev);
	if ((scratch = session_scratch()) == NULL)
		oom = true;
	while (!oom && (len = evbuffer_get_length(in)) > 0) {
		if (evbuffer_get_length(scratch) >= VIOS_CHAN_OUT_HIGH &&
		    session_flush(pt, scratch) == -1) {
			oom = true;
			break;
		}
		if (evbuffer_get_length(out) >= VIOS_CHAN_OUT_HIGH) {
			if (!s->paused) {
				s->paused = true;
				session_read(s, false);
			}
			break;
		}
		n = len < VIOS_MAX_PAYLOAD ? len : VIOS_MAX_PAYLOAD;
		if (framebuf_put_from(scratch, VIOS_DATA, pt->proto.gtok,
		    pt->proto.htok, in, (uint16_t)n) == -1) {
			oom = true;
			break;
		}
		s->from_tcp += n;
		pt->stats.from_tcp += n;
	}
	if (scratch != NULL && session_flush(pt, scratch) == -1)
		oom = true;
	if (oom) {
		log_warnx("%s: out of memory framing data", pt->name);
		pin.ev = PROTO_EV_TCP_ERROR;
	} else if (evbuffer_get_length(in) > 0)
		return;		/* paused */
	if (s->paused) {
		s->paused = false;
		if (!s->eof)
			session_read(s, true);
	}
	if (pin.ev == PROTO_EV_TCP_ERROR || (s->eof && !s->eof_sent)) {
		s->eof_sent = true;
		port_step(pt, &pin, NULL, 0);
	}
}

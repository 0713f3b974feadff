/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portint.h: the insides of a port and of its session, shared by port.c
 * (the channel side, the protocol) and session.c (the TCP side) and by
 * nothing else.  Everyone else uses port.h.
 */
#ifndef PORTINT_H
#define PORTINT_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bevread.h"
#include "framebuf.h"
#include "port.h"
#include "proto.h"

#define PORT_NAME_MAX		128
#define PORT_CLOSING_MAX	8	/* draining sessions kept per port */
/* Bytes one read event takes at most, a channel's or a session's TCP side. */
#define PORT_READ_BURST		BEVREAD_CHUNK

struct session {
	struct port		*port;
	struct bufferevent	*bev;		/* TCP side, BEV_OPT_CLOSE_ON_FREE */
	struct event		*rd;		/* bev's fd readable: read here */
	uint32_t		 gtok;		/* for log lines */
	uint32_t		 htok;
	uint64_t		 start_ms;
	uint64_t		 since_ms;	/* guest: the client's wait began */
	uint64_t		 to_tcp;
	uint64_t		 from_tcp;
	bool			 connecting;	/* host: service connect pending */
	bool			 relaying;	/* TCP side is read (TCP_START) */
	bool			 paused;	/* TCP reads paused: channel output full */
	bool			 eof;		/* TCP EOF seen */
	bool			 eof_sent;	/* ... and passed on to the protocol */
	bool			 shut;		/* shutdown(SHUT_WR) once output drained */
	bool			 closing;	/* detached: free once output drained */
	TAILQ_ENTRY(session)	 entry;		/* port's closing list */
};

TAILQ_HEAD(session_list, session);

struct port {
	struct event_base	*base;
	char			 name[PORT_NAME_MAX];
	const struct port_ops	*ops;
	void			*arg;
	const struct proto_cfg	*cfg;
	struct bufferevent	*bev;		/* channel; NULL while detached */
	struct event		*rd;		/* bev's fd readable: read here */
	bool			 sock;		/* bev's fd is a socket */
	struct proto_chan	 pchan;
	struct proto		 proto;
	struct session		*sess;		/* TCP side of the session */
	struct session_list	 closing;
	int			 nclosing;
	struct event		*timer;		/* the session timer */
	struct event		*notify;	/* runs ops->idle / ops->drained */
	struct event		*drain;		/* shutdown: give up after VIOS_SHUTDOWN_MS */
	struct framebuf_stats	 fstats;
	struct port_stats	 stats;
	bool			 down;		/* peer gone: not reading */
	bool			 paused;	/* channel reads paused: TCP output full */
	bool			 notify_idle;
	bool			 notify_input;	/* frames wait in a resumed channel */
	bool			 shutting;	/* port_shutdown() in progress */
	bool			 notify_drained;
	bool			 drained;	/* ops->drained due: once per shutdown */
	bool			 in_input;	/* port_input() running */
};

/* port.c: feed the protocol an input (may free the session). */
void	port_step(struct port *, struct proto_in *, struct evbuffer *,
	    uint16_t);
/* port.c: read the channel again after a pause. */
void	port_unpause(struct port *);

/* session.c: a session for a TCP side (host: connecting), or NULL. */
struct session *session_new(struct port *, struct bufferevent *, bool);
/* session.c: free now, from wherever it is.  Frees s. */
void	session_free(struct session *);
/* session.c: off the port, drain, then free.  May free s. */
void	session_release(struct session *);
/* session.c: read the TCP side or stop; false when it cannot. */
bool	session_read(struct session *, bool);
/* session.c: shutdown(SHUT_WR) once the output drained, if due. */
void	session_flush_shut(struct session *);
/* session.c: frame what was read to the channel.  May free s. */
void	session_frame(struct session *);

#endif /* PORTINT_H */

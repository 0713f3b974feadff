/* SPDX-License-Identifier: Apache-2.0 */
/*
 * port.h: one channel endpoint (a virtio-serial port seen from either
 * daemon) and the session it carries.  A port owns its channel
 * bufferevent, the decoder, the protocol state, the session timer and the
 * session's TCP bufferevent; it carries out what proto_step() decides and
 * relays bytes with backpressure both ways.  The fd behind the channel
 * stays the owner's (host or guest policy): the port never closes it, so a
 * guest can keep a virtio port open while its host comes and goes.
 *
 * The owner is told through struct port_ops.  Those callbacks run from the
 * event loop, never from inside a port_* call, and may free the port.
 */
#ifndef PORT_H
#define PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "framebuf.h"
#include "log.h"
#include "proto.h"

struct port;

struct port_ops {
	/*
	 * Host: start a non-blocking connect to the service and return its
	 * bufferevent (its callbacks are the port's), or NULL when no socket
	 * could even be made (the session is then refused).
	 */
	struct bufferevent	*(*connect)(struct port *pt, void *arg);
	/* The port has no session now (guest: pair it with a waiting client). */
	void			 (*idle)(struct port *pt, void *arg);
	/*
	 * The channel read EOF (err 0) or failed (err is the errno).  The
	 * session is already ended and reading stopped; the owner either
	 * calls port_resume() when the peer is back or port_detach().
	 */
	void			 (*down)(struct port *pt, void *arg, int err);
	/* port_shutdown() finished: output drained or timed out. */
	void			 (*drained)(struct port *pt, void *arg);
	/*
	 * Guest: the channel went away during a session's handshake, before
	 * the client sent or was sent a byte.  Take the client back (since_ms
	 * as given to port_open()) to pair it again and return true, or
	 * return false to have it closed.  Unlike the others this one runs
	 * inside port_detach() too: it must not touch any port.  NULL: close.
	 */
	bool			 (*requeue)(struct port *pt, void *arg,
				    struct bufferevent *client,
				    uint64_t since_ms);
};

struct port_stats {
	uint64_t	sessions;	/* sessions started */
	uint64_t	to_tcp;		/* payload bytes channel -> TCP */
	uint64_t	from_tcp;	/* payload bytes TCP -> channel */
	uint64_t	errors;		/* sessions that did not end cleanly */
};

/* Returns NULL on allocation failure.  cfg must outlive the port. */
struct port	*port_new(struct event_base *base, const char *name,
		    const struct proto_cfg *cfg, const struct port_ops *ops,
		    void *arg);
/* Ends any session; closes nothing the owner holds.  Frees pt. */
void		 port_free(struct port *pt);

/*
 * Start using fd (non-blocking) as the channel.  With present false the
 * peer is known to be absent: the port waits, unread, for port_resume().
 * Returns 0 or -1.
 */
int		 port_attach(struct port *pt, int fd, bool present);
/* Stop using the channel fd (ends the session); the owner closes the fd. */
void		 port_detach(struct port *pt, const char *reason);
/* The channel's peer is back after port_ops.down: read again. */
void		 port_resume(struct port *pt);

/*
 * Guest: start a session for an accepted client, which has waited for a
 * channel since since_ms; takes client.  0 or -1.
 */
int		 port_open(struct port *pt, struct bufferevent *client,
		    uint64_t since_ms);

/*
 * Exit: end the session (RESET to the peer), let the channel output drain,
 * shutdown(SHUT_WR), then call ops.drained.  QEMU drops what it has not
 * read when the socket closes, hence the wait.
 */
void		 port_shutdown(struct port *pt);

/* True when attached, the peer present, and no session. */
bool		 port_available(const struct port *pt);
const struct port_stats *port_stats(const struct port *pt);

/* One log line at level: state, tokens, counters (SIGUSR1). */
void		 port_dump(const struct port *pt, enum log_level level);
/* The same as a JSON object appended to out (the status socket). */
void		 port_json(const struct port *pt, struct evbuffer *out);

#endif /* PORT_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chan.h: a channel the daemon keeps open: its path, its fd, the port on
 * it, and re-opening with capped exponential back-off.  How to open it
 * and what to do when its peer goes away are the owner's policy, given in
 * struct chan_ops.  A chan owns its fd and its port.
 */
#ifndef CHAN_H
#define CHAN_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

#include "port.h"

struct chan;

struct chan_ops {
	/*
	 * Open the channel: a non-blocking fd, or -1 with errno; *present
	 * (preset true) is cleared when the peer is known to be absent.
	 */
	int			 (*open)(struct chan *c, void *arg, bool *present);
	/* Host: start the service connect (see port_ops.connect). */
	struct bufferevent	*(*connect)(struct chan *c, void *arg);
	/* The channel is free for a new session. */
	void			 (*idle)(struct chan *c, void *arg);
	/*
	 * The peer went away (port_ops.down).  NULL: close and re-open with
	 * back-off.  Otherwise the owner calls chan_resume() or
	 * chan_reopen() itself.
	 */
	void			 (*down)(struct chan *c, void *arg, int err);
	/* chan_shutdown() finished. */
	void			 (*drained)(struct chan *c, void *arg);
	/* Guest: take back a client whose handshake the channel took down
	 * (port_ops.requeue, whose rules apply).  NULL: it is closed. */
	bool			 (*requeue)(struct chan *c, void *arg,
				    struct bufferevent *client,
				    uint64_t since_ms);
};

/* Returns NULL on allocation failure; nothing is opened until chan_reopen. */
struct chan	*chan_new(struct event_base *base, const char *name,
		    const char *path, const struct proto_cfg *cfg,
		    const struct chan_ops *ops, void *arg);
/* Ends the session and closes the fd.  Frees c. */
void		 chan_free(struct chan *c);

/*
 * Close the fd (if open) and try to open again: now when delay is false,
 * else after the next back-off step.  A successful open resets the
 * back-off.  Failures are logged, rate-limited.
 */
void		 chan_reopen(struct chan *c, bool delay);
/* The peer is back after a down callback with a policy: read again. */
void		 chan_resume(struct chan *c);
/* Exit: end the session, drain the output, then ops.drained. */
void		 chan_shutdown(struct chan *c);

/* Non-blocking connect to a UNIX socket path: an fd, or -1 with errno. */
int		 chan_unix_connect(const char *path);

/*
 * The file type (S_IFMT bits) of the directory entry dir/name, a symlink
 * followed when follow, or 0 when name does not match the glob match
 * (NULL: every name but other agents' well-known ports, such as
 * org.qemu.guest_agent.0), the path is too long or nothing is there.  path
 * receives dir/name.  What a daemon's discovery claims is decided on it.
 */
mode_t		 chan_entry_type(const char *dir, const char *name,
		    const char *match, bool follow, char *path, size_t len);

/*
 * A daemon's channels, named by their directory entries (the last part of
 * their paths).  chan_list_add() puts c on a list; chan_free() takes it
 * off.  chan_list_known(): an entry (re)appeared; true when it is a known
 * channel, which is then tried now if closed (QEMU re-created its
 * socket).  chan_list_reopen(): every closed channel is tried now, not at
 * its next back-off step (SIGHUP).
 */
TAILQ_HEAD(chan_list, chan);
void		 chan_list_add(struct chan_list *list, struct chan *c);
struct chan	*chan_list_first(const struct chan_list *list);
struct chan	*chan_list_next(const struct chan *c);
struct chan	*chan_list_find(const struct chan_list *list,
		    const char *entry);
bool		 chan_list_known(const struct chan_list *list,
		    const char *entry);
void		 chan_list_reopen(const struct chan_list *list);

struct port	*chan_port(const struct chan *c);
int		 chan_fd(const struct chan *c);
const char	*chan_name(const struct chan *c);
const char	*chan_path(const struct chan *c);
void		*chan_arg(const struct chan *c);
bool		 chan_open(const struct chan *c);

#endif /* CHAN_H */

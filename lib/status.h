/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status.h: a UNIX socket that answers each connection with one JSON
 * document describing the daemon, then closes it.  The owner writes the
 * document through a fill callback; the listener owns its socket file,
 * which it removes when freed.
 */
#ifndef STATUS_H
#define STATUS_H

#include <event2/buffer.h>
#include <event2/event.h>

struct status;

typedef void (*status_fill_cb)(struct evbuffer *out, void *arg);

/*
 * Listen on path, a socket of mode 0660.  A stale socket there (nobody
 * answers on it) is replaced; one a daemon answers on fails with
 * EADDRINUSE, anything else there with EEXIST.  Returns NULL with errno
 * set.
 */
struct status	*status_new(struct event_base *base, const char *path,
		    status_fill_cb fill, void *arg);
void		 status_free(struct status *st);

#endif /* STATUS_H */

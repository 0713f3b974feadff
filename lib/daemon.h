/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon.h: process set-up both daemons share: logging, SIGPIPE, the
 * descriptor limit, and the signals TERM/INT (exit), HUP (rescan) and USR1
 * (state dump) delivered through the event loop.
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <event2/event.h>

#include "cmdline.h"

struct daemon_sigs {
	void	(*stop)(void *arg);	/* SIGTERM, SIGINT */
	void	(*rescan)(void *arg);	/* SIGHUP */
	void	(*dump)(void *arg);	/* SIGUSR1 */
	void	*arg;
};

struct daemon_signals;

/*
 * Start logging per common, ignore SIGPIPE, raise the soft descriptor
 * limit to the hard one and warn when it is below want.
 */
void		 daemon_setup(const char *ident, const struct cmdline_common *common,
		    unsigned long long want_fds);
/* Register the signal events on base; fatal on failure (start-up). */
struct daemon_signals *daemon_signals_new(struct event_base *base,
		    const struct daemon_sigs *cbs);
void		 daemon_signals_free(struct daemon_signals *ds);

#endif /* DAEMON_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon.h: process life both daemons share: start-up checks, logging,
 * SIGPIPE, the descriptor limit; the signals TERM/INT (exit), HUP (rescan)
 * and USR1 (state dump) delivered through the event loop; and the exit
 * itself: every open channel drains, then the loop ends, or after
 * VIOS_SHUTDOWN_MS at the latest.  struct daemon owns its signal events
 * and exit timer.
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <stdbool.h>

#include <event2/event.h>

#include "chan.h"
#include "cmdline.h"
#include "log.h"

struct daemon_sigs {
	/* SIGTERM, SIGINT: call daemon_stop_chans() for each channel list. */
	void	(*stop)(void *arg);
	void	(*rescan)(void *arg);	/* SIGHUP */
	/* SIGUSR1: log the state at level, NOTICE or whatever less is
	 * still written, since the administrator asked for it. */
	void	(*dump)(void *arg, enum log_level level);
	void	*arg;
};

struct daemon;

/*
 * Before anything else: dir must be a directory (what names it in the
 * message).  Prints one line and returns -1 if not.
 */
int		 daemon_check_dir(const char *prog, const char *what,
		    const char *dir);
/*
 * Start logging per common, ignore SIGPIPE, raise the soft descriptor
 * limit to the hard one and warn when it is below want.
 */
void		 daemon_setup(const char *ident, const struct cmdline_common *common,
		    unsigned long long want_fds);
/* Register the signal events on base; fatal on failure (start-up). */
struct daemon	*daemon_new(struct event_base *base, const struct daemon_sigs *cbs);
void		 daemon_free(struct daemon *d);

/*
 * From the stop callback: drain each open channel of list and count it
 * until its chan_ops.drained.
 */
void		 daemon_stop_chans(struct daemon *d, struct chan_list *list);
/* From chan_ops.drained: one channel less to wait for. */
void		 daemon_chan_drained(struct daemon *d);
bool		 daemon_stopping(const struct daemon *d);

#endif /* DAEMON_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon.c: start-up chores and signal events common to both daemons.
 * Signal handlers are libevent signal events, so the callbacks run in
 * the loop like any other event and may do real work.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>

#include "daemon.h"
#include "log.h"
#include "util.h"

struct daemon_signals {
	struct daemon_sigs	 cbs;
	struct event		*ev[4];
};

void
daemon_setup(const char *ident, const struct cmdline_common *common,
    unsigned long long want_fds)
{
	unsigned long long	 soft = 0;

	log_init(ident, common->level, common->use_syslog);
	log_libevent();
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal(SIGPIPE)");
	if (util_raise_nofile(&soft) == -1)
		log_warn("cannot raise the descriptor limit");
	if (soft < want_fds)
		log_warnx("descriptor limit %llu is below the %llu this "
		    "configuration may need: raise it (ulimit -n, LimitNOFILE=)",
		    soft, want_fds);
}

static void
daemon_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_signals	*ds = arg;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("signal %d: shutting down", (int)sig);
		ds->cbs.stop(ds->cbs.arg);
		break;
	case SIGHUP:
		log_info("SIGHUP: rescanning");
		ds->cbs.rescan(ds->cbs.arg);
		break;
	case SIGUSR1:
		ds->cbs.dump(ds->cbs.arg);
		break;
	}
}

struct daemon_signals *
daemon_signals_new(struct event_base *base, const struct daemon_sigs *cbs)
{
	static const int	 sigs[4] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct daemon_signals	*ds;
	int			 i;

	if ((ds = calloc(1, sizeof(*ds))) == NULL)
		fatal("calloc");
	ds->cbs = *cbs;
	for (i = 0; i < 4; i++) {
		ds->ev[i] = evsignal_new(base, sigs[i], daemon_signal_cb, ds);
		if (ds->ev[i] == NULL || evsignal_add(ds->ev[i], NULL) == -1)
			fatalx("cannot register signal %d", sigs[i]);
	}
	return ds;
}

void
daemon_signals_free(struct daemon_signals *ds)
{
	int	 i;

	if (ds == NULL)
		return;
	for (i = 0; i < 4; i++)
		if (ds->ev[i] != NULL)
			event_free(ds->ev[i]);
	free(ds);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon.c: start-up chores, signal events and the exit drain common to
 * both daemons.  Signal handlers are libevent signal events, so the
 * callbacks run in the loop like any other event and may do real work.
 * A second SIGTERM ends the loop at once.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "util.h"

/*
 * Relay buffers (bevread.h reads up to 256 KiB at once) come and go at a
 * high rate.  With glibc's defaults they were mmap()ed or handed back to
 * the kernel and faulted in again, zero-filled: thousands of page faults
 * and some 15% more CPU per 64 MiB relayed.  Served from the heap
 * instead, with up to DAEMON_TRIM_BYTES of free heap kept.
 */
#define DAEMON_MMAP_BYTES	(1024 * 1024)
#define DAEMON_TRIM_BYTES	(4 * 1024 * 1024)

struct daemon {
	struct event_base	*base;
	struct daemon_sigs	 cbs;
	struct event		*ev[4];
	struct event		*stop_timer;	/* exit even if not drained */
	int			 draining;	/* channels not drained yet */
	bool			 stopping;
};

int
daemon_check_dir(const char *prog, const char *what, const char *dir)
{
	struct stat	 st;

	if (stat(dir, &st) == -1) {
		fprintf(stderr, "%s: %s %s: %s\n", prog, what, dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s %s: not a directory\n", prog, what, dir);
		return -1;
	}
	return 0;
}

void
daemon_setup(const char *ident, const struct cmdline_common *common,
    unsigned long long want_fds)
{
	unsigned long long	 soft = 0;

	log_init(ident, common->level, common->use_syslog);
	log_libevent();
	if (mallopt(M_MMAP_THRESHOLD, DAEMON_MMAP_BYTES) == 0 ||
	    mallopt(M_TRIM_THRESHOLD, DAEMON_TRIM_BYTES) == 0)
		log_debug("mallopt refused: relay buffers stay glibc's default");
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
daemon_stop_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;

	log_notice("%d channels did not drain in time", d->draining);
	event_base_loopexit(d->base, NULL);
}

/* TERM/INT: drain every channel the owner names, then exit. */
static void
daemon_stop(struct daemon *d)
{
	struct timeval	 tv = { VIOS_SHUTDOWN_MS / 1000,
			    (VIOS_SHUTDOWN_MS % 1000) * 1000 };

	if (d->stopping) {
		event_base_loopexit(d->base, NULL);
		return;
	}
	d->stopping = true;
	d->draining = 1;	/* held until every channel was asked */
	d->cbs.stop(d->cbs.arg);
	evtimer_add(d->stop_timer, &tv);
	daemon_chan_drained(d);
}

void
daemon_stop_chans(struct daemon *d, struct chan_list *list)
{
	struct chan	*c;

	for (c = chan_list_first(list); c != NULL; c = chan_list_next(c)) {
		if (!chan_open(c))
			continue;
		d->draining++;
		chan_shutdown(c);
	}
}

void
daemon_chan_drained(struct daemon *d)
{
	if (--d->draining == 0)
		event_base_loopexit(d->base, NULL);
}

bool
daemon_stopping(const struct daemon *d)
{
	return d->stopping;
}

static void
daemon_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("signal %d: shutting down", (int)sig);
		daemon_stop(d);
		break;
	case SIGHUP:
		if (d->stopping)
			break;
		log_info("SIGHUP: rescanning");
		d->cbs.rescan(d->cbs.arg);
		break;
	case SIGUSR1:
		d->cbs.dump(d->cbs.arg, log_enabled(LOG_LVL_NOTICE) ?
		    LOG_LVL_NOTICE : log_get_level());
		break;
	}
}

struct daemon *
daemon_new(struct event_base *base, const struct daemon_sigs *cbs)
{
	static const int	 sigs[4] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct daemon		*d;
	int			 i;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatal("calloc");
	d->base = base;
	d->cbs = *cbs;
	if ((d->stop_timer = evtimer_new(base, daemon_stop_timeout_cb, d)) ==
	    NULL)
		fatalx("cannot create the exit timer");
	for (i = 0; i < 4; i++) {
		d->ev[i] = evsignal_new(base, sigs[i], daemon_signal_cb, d);
		if (d->ev[i] == NULL || evsignal_add(d->ev[i], NULL) == -1)
			fatalx("cannot register signal %d", sigs[i]);
	}
	return d;
}

void
daemon_free(struct daemon *d)
{
	int	 i;

	if (d == NULL)
		return;
	for (i = 0; i < 4; i++)
		if (d->ev[i] != NULL)
			event_free(d->ev[i]);
	event_free(d->stop_timer);
	free(d);
}

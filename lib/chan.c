/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chan.c: keep a channel open.  An open failure (a stale socket, a busy
 * port, a path that is not there yet) schedules another try after a
 * back-off that doubles from VIOS_BACKOFF_MIN_MS to VIOS_BACKOFF_MAX_MS;
 * the owner cuts it short with chan_reopen(c, false) when inotify says the
 * path changed.  The chan owns its fd, its port and its retry timer.
 * A daemon's discovery keeps its channels on a chan_list, named by their
 * directory entries; chan_free() takes a channel off its list.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"
#include "util.h"

struct chan {
	struct event_base	*base;
	char			*name;
	char			*path;
	const struct chan_ops	*ops;
	void			*arg;
	struct port		*port;
	struct event		*retry;
	int			 fd;
	unsigned		 backoff_ms;	/* next delay; 0: none yet */
	uint64_t		 opened_ms;	/* when the fd was last opened */
	int			 open_err;	/* errno of the failing opens */
	unsigned long		 open_fails;	/* opens failed in a row */
	const char		*entry;		/* path's last part */
	struct chan_list	*list;		/* NULL: on none */
	TAILQ_ENTRY(chan)	 link;
};

static struct bufferevent *
chan_port_connect_cb(struct port *pt, void *arg)
{
	struct chan	*c = arg;

	return c->ops->connect != NULL ? c->ops->connect(c, c->arg) : NULL;
}

static void
chan_port_idle_cb(struct port *pt, void *arg)
{
	struct chan	*c = arg;

	if (c->ops->idle != NULL)
		c->ops->idle(c, c->arg);
}

/* May free c (through the owner's down callback). */
static void
chan_port_down_cb(struct port *pt, void *arg, int err)
{
	struct chan	*c = arg;

	if (c->ops->down != NULL) {
		c->ops->down(c, c->arg, err);
		return;
	}
	log_info("%s: channel lost: %s", c->name,
	    err == 0 ? "closed by peer" : strerror(err));
	chan_reopen(c, true);
}

static void
chan_port_drained_cb(struct port *pt, void *arg)
{
	struct chan	*c = arg;

	if (c->ops->drained != NULL)
		c->ops->drained(c, c->arg);
}

static bool
chan_port_requeue_cb(struct port *pt, void *arg, struct bufferevent *client,
    uint64_t since_ms)
{
	struct chan	*c = arg;

	return c->ops->requeue != NULL &&
	    c->ops->requeue(c, c->arg, client, since_ms);
}

static const struct port_ops chan_port_ops = {
	.connect = chan_port_connect_cb,
	.idle = chan_port_idle_cb,
	.down = chan_port_down_cb,
	.drained = chan_port_drained_cb,
	.requeue = chan_port_requeue_cb,
};

static void
chan_close_fd(struct chan *c)
{
	if (c->fd == -1)
		return;
	port_detach(c->port, "channel closed");
	close(c->fd);
	c->fd = -1;
}

/*
 * An open failed.  Said once at WARN, and again only when the error
 * changes: a host with thousands of stale sockets (VMs killed) retries
 * each forever, and a rate limit per message would still print a line
 * per socket and interval.  Each retry is logged at DEBUG.
 */
static void
chan_open_failed(struct chan *c, int err)
{
	if (++c->open_fails > 1 && err == c->open_err) {
		log_debug("%s: cannot open %s: %s (%lu attempts)", c->name,
		    c->path, strerror(err), c->open_fails);
		return;
	}
	c->open_err = err;
	log_warnx("%s: cannot open %s: %s (retrying with back-off, logged "
	    "again if the error changes)", c->name, c->path, strerror(err));
}

static void
chan_try_open(struct chan *c)
{
	int	 fd;
	bool	 present = true;

	if ((fd = c->ops->open(c, c->arg, &present)) == -1) {
		chan_open_failed(c, errno);
		chan_reopen(c, true);
		return;
	}
	if (c->open_fails > 0)
		log_info("%s: open after %lu failed attempts", c->name,
		    c->open_fails);
	c->open_fails = 0;
	c->open_err = 0;
	if (port_attach(c->port, fd, present) == -1) {
		log_warnx("%s: cannot attach channel", c->name);
		close(fd);
		chan_reopen(c, true);
		return;
	}
	c->fd = fd;
	c->opened_ms = util_now_ms();
	log_debug("%s: channel open", c->name);
}

static void
chan_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	chan_try_open(arg);
}

struct chan *
chan_new(struct event_base *base, const char *name, const char *path,
    const struct proto_cfg *cfg, const struct chan_ops *ops, void *arg)
{
	struct chan	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->base = base;
	c->ops = ops;
	c->arg = arg;
	c->fd = -1;
	c->name = strdup(name);
	c->path = strdup(path);
	c->retry = evtimer_new(base, chan_retry_cb, c);
	if (c->name != NULL)
		c->port = port_new(base, c->name, cfg, &chan_port_ops, c);
	if (c->path == NULL || c->retry == NULL || c->port == NULL) {
		chan_free(c);
		return NULL;
	}
	c->entry = strrchr(c->path, '/') != NULL ? strrchr(c->path, '/') + 1 :
	    c->path;
	return c;
}

void
chan_free(struct chan *c)
{
	if (c == NULL)
		return;
	if (c->list != NULL)
		TAILQ_REMOVE(c->list, c, link);
	if (c->port != NULL) {
		chan_close_fd(c);
		port_free(c->port);
	}
	if (c->retry != NULL)
		event_free(c->retry);
	free(c->name);
	free(c->path);
	free(c);
}

void
chan_reopen(struct chan *c, bool delay)
{
	struct timeval	 tv;

	/* A channel that stayed up a while starts the back-off afresh; one
	 * that drops as soon as it opens keeps backing off. */
	if (c->fd != -1 &&
	    util_now_ms() - c->opened_ms >= VIOS_BACKOFF_MAX_MS)
		c->backoff_ms = 0;
	chan_close_fd(c);
	if (!delay) {
		evtimer_del(c->retry);
		c->backoff_ms = 0;
		chan_try_open(c);
		return;
	}
	if (c->backoff_ms == 0)
		c->backoff_ms = VIOS_BACKOFF_MIN_MS;
	tv.tv_sec = c->backoff_ms / 1000;
	tv.tv_usec = (c->backoff_ms % 1000) * 1000;
	evtimer_add(c->retry, &tv);
	c->backoff_ms *= 2;
	if (c->backoff_ms > VIOS_BACKOFF_MAX_MS)
		c->backoff_ms = VIOS_BACKOFF_MAX_MS;
}

void
chan_resume(struct chan *c)
{
	port_resume(c->port);
}

void
chan_shutdown(struct chan *c)
{
	evtimer_del(c->retry);
	port_shutdown(c->port);
}

int
chan_unix_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, saved;

	if (util_sockaddr_un(&sun, path) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	/* A UNIX connect completes at once or fails (EAGAIN: backlog full). */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 &&
	    errno != EINPROGRESS) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

struct port *
chan_port(const struct chan *c)
{
	return c->port;
}

int
chan_fd(const struct chan *c)
{
	return c->fd;
}

const char *
chan_name(const struct chan *c)
{
	return c->name;
}

const char *
chan_path(const struct chan *c)
{
	return c->path;
}

void *
chan_arg(const struct chan *c)
{
	return c->arg;
}

bool
chan_open(const struct chan *c)
{
	return c->fd != -1;
}

/*
 * Is name a port another agent owns by convention?  A virtio port opens
 * in one process only and QEMU serves one client per socket: claiming
 * one would take it from qemu-ga, spice-vdagent and the like.  Without
 * --match these are never claimed; a --match naming them wins.
 */
static bool
chan_foreign(const char *name)
{
	static const char *const foreign[] = {
		"org.qemu.*",		/* qemu-ga: org.qemu.guest_agent.0 */
		"com.redhat.spice.*",	/* spice-vdagent */
		"org.spice-space.*",	/* spice-webdavd */
		"org.libguestfs.*",	/* guestfsd */
		"com.redhat.rhevm.*",	/* oVirt guest agent */
		"ovirt-guest-agent.*",
	};
	size_t	 i;

	for (i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++)
		if (fnmatch(foreign[i], name, 0) == 0)
			return true;
	return false;
}

mode_t
chan_entry_type(const char *dir, const char *name, const char *match,
    bool follow, char *path, size_t len)
{
	struct stat	 st;

	if (match != NULL ? fnmatch(match, name, 0) != 0 :
	    chan_foreign(name))
		return 0;
	if (snprintf(path, len, "%s/%s", dir, name) >= (int)len)
		return 0;
	if ((follow ? stat(path, &st) : lstat(path, &st)) == -1)
		return 0;
	return st.st_mode & S_IFMT;
}

void
chan_list_add(struct chan_list *list, struct chan *c)
{
	TAILQ_INSERT_TAIL(list, c, link);
	c->list = list;
}

struct chan *
chan_list_first(const struct chan_list *list)
{
	return TAILQ_FIRST(list);
}

struct chan *
chan_list_next(const struct chan *c)
{
	return TAILQ_NEXT(c, link);
}

struct chan *
chan_list_find(const struct chan_list *list, const char *entry)
{
	struct chan	*c;

	TAILQ_FOREACH(c, list, link)
		if (strcmp(c->entry, entry) == 0)
			return c;
	return NULL;
}

bool
chan_list_known(const struct chan_list *list, const char *entry)
{
	struct chan	*c;

	if ((c = chan_list_find(list, entry)) == NULL)
		return false;
	if (c->fd == -1)
		chan_reopen(c, false);
	return true;
}

void
chan_list_reopen(const struct chan_list *list)
{
	struct chan	*c;

	TAILQ_FOREACH(c, list, link)
		if (c->fd == -1)
			chan_reopen(c, false);
}

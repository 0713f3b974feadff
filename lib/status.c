/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status.c: the status socket.  Each client gets the document and EOF; we
 * never read from it.  A client that does not read is dropped after
 * STATUS_WRITE_S, and at most STATUS_CLIENTS are served at once so the
 * socket cannot eat the descriptors the channels need.  The socket file
 * is mode 0660: the owner and the group may ask.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "log.h"
#include "status.h"
#include "util.h"

#define STATUS_CLIENTS	16	/* served at once */
#define STATUS_WRITE_S	5	/* a client must read within this */
#define STATUS_BACKLOG	16

struct status_client {
	struct status		*st;
	struct bufferevent	*bev;
	LIST_ENTRY(status_client) entry;
};

struct status {
	struct event_base	*base;
	struct evconnlistener	*listener;
	char			*path;
	status_fill_cb		 fill;
	void			*arg;
	LIST_HEAD(, status_client) clients;
	int			 nclients;
};

static void
status_client_free(struct status_client *c)
{
	LIST_REMOVE(c, entry);
	c->st->nclients--;
	bufferevent_free(c->bev);
	free(c);
}

/* Output drained: the document is delivered. Frees c. */
static void
status_client_write_cb(struct bufferevent *bev, void *arg)
{
	status_client_free(arg);
}

static void
status_client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	status_client_free(arg);
}

static void
status_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct status		*st = arg;
	struct status_client	*c;
	struct timeval		 tv = { STATUS_WRITE_S, 0 };

	if (st->nclients >= STATUS_CLIENTS) {
		log_warnx_rl("status: %d clients already being served",
		    st->nclients);
		evutil_closesocket(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->bev = bufferevent_socket_new(st->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->st = st;
	LIST_INSERT_HEAD(&st->clients, c, entry);
	st->nclients++;
	st->fill(bufferevent_get_output(c->bev), st->arg);
	evbuffer_add(bufferevent_get_output(c->bev), "\n", 1);
	bufferevent_setcb(c->bev, NULL, status_client_write_cb,
	    status_client_event_cb, c);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
status_error_cb(struct evconnlistener *l, void *arg)
{
	log_warnx_rl("status: accept: %s", strerror(EVUTIL_SOCKET_ERROR()));
}

/*
 * Remove a stale socket at path: one nobody listens on (ECONNREFUSED).  A
 * socket a daemon answers on is EADDRINUSE, so that a second daemon given
 * the same path does not take the first one's socket away; anything but a
 * socket is EEXIST.  Non-blocking, so a full backlog (EAGAIN) counts as
 * answered rather than hanging the start.
 */
static int
status_unlink_stale(const struct sockaddr_un *sun)
{
	struct stat	 sb;
	int		 s, r, saved;

	if (lstat(sun->sun_path, &sb) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(sb.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	r = connect(s, (const struct sockaddr *)sun, sizeof(*sun));
	saved = errno;
	close(s);
	if (r == 0 || saved == EAGAIN || saved == EINPROGRESS) {
		errno = EADDRINUSE;
		return -1;
	}
	if (saved == ENOENT)		/* gone meanwhile */
		return 0;
	if (saved != ECONNREFUSED) {
		errno = saved;
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

struct status *
status_new(struct event_base *base, const char *path, status_fill_cb fill,
    void *arg)
{
	struct status		*st;
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 saved;

	if (util_sockaddr_un(&sun, path) == -1)
		return NULL;
	if (status_unlink_stale(&sun) == -1)
		return NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->base = base;
	st->fill = fill;
	st->arg = arg;
	LIST_INIT(&st->clients);
	if ((st->path = strdup(path)) == NULL) {
		free(st);
		return NULL;
	}
	/* bind() creates the file 0777 & ~umask: 0660, a socket needs no x. */
	old = umask(0117);
	st->listener = evconnlistener_new_bind(base, status_accept_cb, st,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, STATUS_BACKLOG,
	    (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	umask(old);
	if (st->listener == NULL) {
		free(st->path);
		free(st);
		errno = saved;
		return NULL;
	}
	evconnlistener_set_error_cb(st->listener, status_error_cb);
	return st;
}

void
status_free(struct status *st)
{
	if (st == NULL)
		return;
	while (!LIST_EMPTY(&st->clients))
		status_client_free(LIST_FIRST(&st->clients));
	evconnlistener_free(st->listener);
	unlink(st->path);
	free(st->path);
	free(st);
}

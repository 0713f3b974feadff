/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin.c: a QEMU stand-in for end-to-end tests without a VM.  Per channel
 * it listens on HOSTROOT/GUEST/CHANNEL (the chardev socket the host daemon
 * connects to) and on GUESTDIR/CHANNEL (what the guest daemon connects to
 * instead of opening /dev/virtio-ports/CHANNEL), and relays bytes between
 * one host client and one guest opener with the semantics measured in
 * VIRTIO-SERIAL.md.  The standin owns its chans; a chan owns both listeners
 * and both live connections.  One event_base; commands arrive on stdin.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "bevread.h"
#include "util.h"

/*
 * How the model maps onto UNIX sockets (see VIRTIO-SERIAL.md for the
 * real behaviour):
 * - Host side: one live client.  Its listener is disabled while a client
 *   is live, so the next connect() waits in the backlog and is served
 *   once the first goes away (c4).  A full close (POLLHUP) of the host
 *   client is a hangup: dropped at once, unread bytes lost, as QEMU does
 *   (5a, b3); after shutdown(SHUT_WR) it is read to EOF, then dropped.
 * - Guest side: one opener; a second connection is accepted and closed
 *   at once (EBUSY: the guest sees EOF).  A guest close is invisible to
 *   the host.  Bytes the guest wrote before closing are read to the end
 *   and go to a connected host (so the guest side's buffer may exceed
 *   STANDIN_HIGH by one socket buffer then); bytes for the guest that it
 *   had not read are discarded (b4).  The port has no half-close: a
 *   guest shutdown(SHUT_WR) is a close.
 * - Host absent: a UNIX socket cannot show the port's "EOF, then alive
 *   again", so by default the guest connection stays up and nothing
 *   flows (a quick host reconnect, c2).  With --hup-guest a host leaving
 *   flushes what the guest was sent and closes the guest connection, and
 *   a guest connecting while no host is there is closed at once (read()
 *   returns 0): the guest daemon must reconnect.
 * - Bytes flow only while both sides are there; otherwise the source is
 *   not read and the kernel socket buffer is the bound (b2).  Bytes a
 *   guest wrote while no host was connected and had not been read when it
 *   closed are dropped (a real port would have refused them: EAGAIN).
 */

#define STANDIN_HIGH		(256 * 1024)	/* bytes queued per direction */
#define STANDIN_LOW		(STANDIN_HIGH / 2) /* resume the source below */
#define STANDIN_READ_MAX	(128 * 1024)	/* bytes per read/write call */
#define STANDIN_BACKLOG		16	/* host clients waiting their turn */
#define STANDIN_LINE_MAX	1024	/* bytes in one stdin command */
#define STANDIN_STDIN_READ	4096	/* bytes per stdin read */

struct standin;
struct chan;

struct side {
	struct chan		*chan;
	const char		*what;		/* "host" or "guest" */
	char			*path;		/* the listening socket */
	struct evconnlistener	*lst;
	struct bufferevent	*bev;		/* live connection, or NULL */
	struct event		*closed;	/* EV_CLOSED on bev's fd */
	int			 hup;		/* guest: flush, then close */
};

struct chan {
	TAILQ_ENTRY(chan)	 entry;
	struct standin		*si;
	char			*name;
	struct side		 host;
	struct side		 guest;
};

struct standin {
	struct event_base	*base;
	char			*hostdir;	/* HOSTROOT/GUEST */
	char			*guestdir;
	int			 hup_guest;
	int			 verbose;
	TAILQ_HEAD(, chan)	 chans;
	struct event		*sigterm;
	struct event		*sigint;
	struct event		*cmd;		/* stdin readable, or NULL */
	struct evbuffer		*cmdbuf;
};

static void	chan_update(struct chan *);
static void	chan_host_gone(struct chan *, const char *);
static void	chan_guest_gone(struct chan *, const char *);

static void __attribute__((format(printf, 2, 3)))
standin_log(struct standin *si, const char *fmt, ...)
{
	va_list	 ap;

	if (!si->verbose)
		return;
	va_start(ap, fmt);
	fputs("standin: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2)))
standin_reply(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static char *
standin_join(const char *dir, const char *name)
{
	char	*p;

	if (asprintf(&p, "%s/%s", dir, name) == -1)
		return NULL;
	return p;
}

/* A guest or channel name: one path component. */
static int
standin_name_ok(const char *s)
{
	return *s != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0;
}

/* mkdir, an existing directory being fine. */
static void
standin_mkdir(const char *path)
{
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		err(1, "%s", path);
}

static struct side *
side_peer(struct side *s)
{
	return s == &s->chan->host ? &s->chan->guest : &s->chan->host;
}

/*
 * Which of the poll events in mask s's connection shows now: POLLRDHUP
 * when the peer shut down writing, POLLHUP when it closed altogether.
 */
static int
side_hungup(struct side *s, short mask)
{
	struct pollfd	 pfd;

	pfd.fd = bufferevent_getfd(s->bev);
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == -1)
		return 0;
	return pfd.revents & mask;
}

/* Close the live connection of s, if any; what it still queues is lost. */
static void
side_drop(struct side *s, const char *why)
{
	if (s->bev == NULL)
		return;
	standin_log(s->chan->si, "%s: %s: closed: %s", s->chan->name,
	    s->what, why);
	event_free(s->closed);
	bufferevent_free(s->bev);
	s->closed = NULL;
	s->bev = NULL;
	s->hup = 0;
}

/* Drop the connection, close the listener and remove its socket file. */
static void
side_close(struct side *s, const char *why)
{
	side_drop(s, why);
	if (s->lst != NULL) {
		evconnlistener_free(s->lst);
		s->lst = NULL;
		if (unlink(s->path) == -1 && errno != ENOENT)
			warn("unlink %s", s->path);
	}
	free(s->path);
	s->path = NULL;
}

/* Both calls are cheap no-ops when nothing changes. */
static void
side_set_read(struct side *s, int on)
{
	if (on)
		bufferevent_enable(s->bev, EV_READ);
	else
		bufferevent_disable(s->bev, EV_READ);
}

static void	side_event_cb(struct bufferevent *, short, void *);

/*
 * Pass what s has, and more read at once up to the peer's high-water
 * mark (libevent alone reads 4 KiB per event: bevread.h), to the peer.
 */
static void
side_read_cb(struct bufferevent *bev, void *arg)
{
	struct side	*s = arg, *peer = side_peer(s);
	struct evbuffer	*out;
	size_t		 used;
	short		 what = 0;
	int		 err = 0;

	if (peer->bev != NULL && !peer->hup && !s->hup) {
		out = bufferevent_get_output(peer->bev);
		used = evbuffer_get_length(out) +
		    evbuffer_get_length(bufferevent_get_input(bev));
		if (used < STANDIN_HIGH)
			what = bevread_more(bev, STANDIN_HIGH - used,
			    &err);
		evbuffer_add_buffer(out, bufferevent_get_input(bev));
	}
	chan_update(s->chan);
	if (what != 0)
		bevread_end(bev, what, err, side_event_cb, s);
}

/* Output fell below the low watermark; may free s->bev (--hup-guest). */
static void
side_write_cb(struct bufferevent *bev, void *arg)
{
	struct side	*s = arg;

	if (s->hup && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		side_drop(s, "host gone");
		return;
	}
	chan_update(s->chan);
}

static void
side_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct side	*s = arg;
	const char	*why = "eof";

	if ((what & BEV_EVENT_EOF) == 0)
		why = evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
	if (s == &s->chan->host)
		chan_host_gone(s->chan, why);
	else
		chan_guest_gone(s->chan, why);
}

/*
 * The peer shut down its writing.  A host client's full close is a
 * hangup that QEMU acts on at once; after shutdown(SHUT_WR) reading goes
 * on to EOF, so this watcher is no longer needed.  May free s->bev.
 */
static void
side_closed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct side	*s = arg;

	if (s == &s->chan->guest)
		chan_guest_gone(s->chan, "closed");
	else if (side_hungup(s, POLLHUP | POLLERR))
		chan_host_gone(s->chan, "hangup");
	else
		event_del(s->closed);
}

/* Take fd as the live connection of s; on failure fd is closed. */
static int
side_attach(struct side *s, evutil_socket_t fd)
{
	struct event_base	*base = s->chan->si->base;
	struct bufferevent	*bev;
	struct event		*ev = NULL;

	if ((bev = bufferevent_socket_new(base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		goto fail;
	}
	if ((ev = event_new(base, fd, EV_CLOSED | EV_PERSIST, side_closed_cb,
	    s)) == NULL || event_add(ev, NULL) == -1)
		goto fail;
	bufferevent_setcb(bev, side_read_cb, side_write_cb, side_event_cb, s);
	bufferevent_setwatermark(bev, EV_WRITE, STANDIN_LOW, 0);
	bufferevent_set_max_single_read(bev, STANDIN_READ_MAX);
	bufferevent_set_max_single_write(bev, STANDIN_READ_MAX);
	bufferevent_enable(bev, EV_WRITE);
	s->bev = bev;
	s->closed = ev;
	s->hup = 0;
	standin_log(s->chan->si, "%s: %s: connected", s->chan->name, s->what);
	return 0;
fail:
	warnx("%s: %s: cannot set up a connection", s->chan->name, s->what);
	if (ev != NULL)
		event_free(ev);
	if (bev != NULL)
		bufferevent_free(bev);
	return -1;
}

/* Each side is read only while its bytes have somewhere to go. */
static void
chan_update(struct chan *c)
{
	struct side	*h = &c->host, *g = &c->guest;
	int		 flow;

	flow = h->bev != NULL && g->bev != NULL && !g->hup;
	if (h->bev != NULL)
		side_set_read(h, flow && evbuffer_get_length(
		    bufferevent_get_output(g->bev)) < STANDIN_HIGH);
	if (g->bev != NULL)
		side_set_read(g, flow && evbuffer_get_length(
		    bufferevent_get_output(h->bev)) < STANDIN_HIGH);
}

/*
 * The host client went away or was dropped: the next queued client may
 * come in.  With --hup-guest the guest gets what it was sent, then EOF.
 */
static void
chan_host_gone(struct chan *c, const char *why)
{
	struct side	*g = &c->guest;

	side_drop(&c->host, why);
	evconnlistener_enable(c->host.lst);
	if (c->si->hup_guest && g->bev != NULL && !g->hup) {
		g->hup = 1;
		if (evbuffer_get_length(bufferevent_get_output(g->bev)) == 0)
			side_drop(g, "host gone");
		else
			bufferevent_setwatermark(g->bev, EV_WRITE, 0, 0);
	}
	chan_update(c);
}

/*
 * The guest closed the port.  What it wrote before still reaches a
 * connected host: the rest of its socket is read now, so that the port is
 * free for the next opener at once and its bytes come first.
 */
static void
chan_guest_gone(struct chan *c, const char *why)
{
	struct side	*g = &c->guest;
	struct evbuffer	*out;
	evutil_socket_t	 fd;

	if (c->host.bev != NULL && !g->hup) {
		out = bufferevent_get_output(c->host.bev);
		evbuffer_add_buffer(out, bufferevent_get_input(g->bev));
		fd = bufferevent_getfd(g->bev);
		while (evbuffer_read(out, fd, STANDIN_READ_MAX) > 0)
			;
	}
	side_drop(g, why);
	chan_update(c);
}

/* fd becomes the live host client; the listener rests meanwhile (c4). */
static void
chan_host_take(struct chan *c, evutil_socket_t fd)
{
	evconnlistener_disable(c->host.lst);
	if (side_attach(&c->host, fd) == -1)
		evconnlistener_enable(c->host.lst);
}

/* A host client whose connect() has returned is live before we go on. */
static void
chan_host_take_queued(struct chan *c)
{
	int	 fd;

	if (c->host.bev == NULL && (fd = accept4(evconnlistener_get_fd(
	    c->host.lst), NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1)
		chan_host_take(c, fd);
}

static void
chan_host_accept_cb(struct evconnlistener *lst, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct chan	*c = arg;

	if (c->host.bev != NULL) {
		/* libevent before 2.1.9 goes on accepting after a disable. */
		warnx("%s: host: second client accepted, closed", c->name);
		close(fd);
		return;
	}
	chan_host_take(c, fd);
	chan_update(c);
}

static void
chan_guest_accept_cb(struct evconnlistener *lst, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct chan	*c = arg;

	/*
	 * Closes and connects that happened before this connect count
	 * first, whatever order their events come in.
	 */
	if (c->guest.bev != NULL && !c->guest.hup && side_hungup(&c->guest,
	    POLLRDHUP | POLLHUP | POLLERR))
		chan_guest_gone(c, "closed");
	if (c->host.bev != NULL && side_hungup(&c->host, POLLHUP | POLLERR))
		chan_host_gone(c, "hangup");
	chan_host_take_queued(c);
	if (c->guest.bev != NULL) {
		standin_log(c->si, "%s: guest: busy, refused", c->name);
		close(fd);
	} else if (c->si->hup_guest && c->host.bev == NULL) {
		standin_log(c->si, "%s: guest: no host, refused", c->name);
		close(fd);
	} else
		side_attach(&c->guest, fd);
	chan_update(c);
}

/* accept() failed (EMFILE...): stop that listener, do not spin. */
static void
chan_listen_error_cb(struct evconnlistener *lst, void *arg)
{
	struct chan	*c = arg;

	warn("%s: accept; listener stopped", c->name);
	evconnlistener_disable(lst);
}

/* Bind a listening socket at path, replacing a stale one as QEMU does. */
static struct evconnlistener *
chan_listen(struct chan *c, const char *path, evconnlistener_cb cb)
{
	struct evconnlistener	*lst;
	struct sockaddr_un	 sun;

	if (util_sockaddr_un(&sun, path) == -1)
		return NULL;
	if (unlink(path) == -1 && errno != ENOENT)
		return NULL;
	lst = evconnlistener_new_bind(c->si->base, cb, c,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, STANDIN_BACKLOG,
	    (struct sockaddr *)&sun, sizeof(sun));
	if (lst != NULL)
		evconnlistener_set_error_cb(lst, chan_listen_error_cb);
	return lst;
}

/* Tear down as QEMU's device_del then chardev-remove: guest side first. */
static void
chan_free(struct chan *c)
{
	side_close(&c->guest, "channel removed");
	side_close(&c->host, "channel removed");
	free(c->name);
	free(c);
}

/* Create both sockets of a channel (host side first, as chardev-add). */
static struct chan *
chan_new(struct standin *si, const char *name)
{
	struct chan	*c;
	int		 saved;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->si = si;
	c->host.chan = c->guest.chan = c;
	c->host.what = "host";
	c->guest.what = "guest";
	if ((c->name = strdup(name)) == NULL ||
	    (c->host.path = standin_join(si->hostdir, name)) == NULL ||
	    (c->guest.path = standin_join(si->guestdir, name)) == NULL)
		goto fail;
	if ((c->host.lst = chan_listen(c, c->host.path,
	    chan_host_accept_cb)) == NULL)
		goto fail;
	if ((c->guest.lst = chan_listen(c, c->guest.path,
	    chan_guest_accept_cb)) == NULL)
		goto fail;
	TAILQ_INSERT_TAIL(&si->chans, c, entry);
	standin_log(si, "%s: listening", name);
	return c;
fail:
	saved = errno;
	chan_free(c);
	errno = saved;
	return NULL;
}

static struct chan *
standin_find(struct standin *si, const char *name)
{
	struct chan	*c;

	TAILQ_FOREACH(c, &si->chans, entry)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* One stdin command; exactly one reply line each. */
static void
standin_command(struct standin *si, char *line)
{
	char		*cmd, *arg, *save;
	struct chan	*c;

	if ((cmd = strtok_r(line, " \t", &save)) == NULL)
		return;
	arg = strtok_r(NULL, " \t", &save);
	if (arg == NULL || strtok_r(NULL, " \t", &save) != NULL) {
		standin_reply("error usage: add|del|hup CHANNEL");
		return;
	}
	c = standin_find(si, arg);
	if (strcmp(cmd, "add") == 0) {
		if (!standin_name_ok(arg))
			standin_reply("error add %s: bad channel name", arg);
		else if (c != NULL)
			standin_reply("error add %s: exists", arg);
		else if (chan_new(si, arg) == NULL)
			standin_reply("error add %s: %s", arg, strerror(errno));
		else
			standin_reply("ok");
	} else if (strcmp(cmd, "del") == 0) {
		if (c == NULL) {
			standin_reply("error del %s: no such channel", arg);
			return;
		}
		TAILQ_REMOVE(&si->chans, c, entry);
		chan_free(c);
		standin_reply("ok");
	} else if (strcmp(cmd, "hup") == 0) {
		if (c != NULL)
			chan_host_take_queued(c);
		if (c == NULL)
			standin_reply("error hup %s: no such channel", arg);
		else if (c->host.bev == NULL)
			standin_reply("error hup %s: no host client", arg);
		else {
			chan_host_gone(c, "hup command");
			standin_reply("ok");
		}
	} else
		standin_reply("error unknown command: %s", cmd);
}

/* EOF on stdin ends the commands, not the stand-in. */
static void
standin_stdin_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct standin	*si = arg;
	char		*line;
	size_t		 n;
	int		 r;

	r = evbuffer_read(si->cmdbuf, fd, STANDIN_STDIN_READ);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		event_free(si->cmd);
		si->cmd = NULL;
		if (evbuffer_get_length(si->cmdbuf) > 0)
			evbuffer_add(si->cmdbuf, "\n", 1);
	}
	while ((line = evbuffer_readln(si->cmdbuf, &n,
	    EVBUFFER_EOL_CRLF)) != NULL) {
		standin_command(si, line);
		free(line);
	}
	if (evbuffer_get_length(si->cmdbuf) > STANDIN_LINE_MAX) {
		evbuffer_drain(si->cmdbuf, evbuffer_get_length(si->cmdbuf));
		standin_reply("error line too long");
	}
}

/* Commands come from a pipe, socket or terminal; not from /dev/null. */
static void
standin_stdin_setup(struct standin *si)
{
	struct stat	 st;

	if (fstat(STDIN_FILENO, &st) == -1 || !(S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode) || isatty(STDIN_FILENO)))
		return;
	if ((si->cmdbuf = evbuffer_new()) == NULL ||
	    (si->cmd = event_new(si->base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    standin_stdin_read_cb, si)) == NULL ||
	    event_add(si->cmd, NULL) == -1)
		errx(1, "cannot watch stdin");
}

static void
standin_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct standin	*si = arg;

	standin_log(si, "signal %d: exiting", (int)sig);
	event_base_loopbreak(si->base);
}

/*
 * HOSTROOT/GUEST, and the guest side: DIR, or by default HOSTROOT.guest/
 * GUEST, outside HOSTROOT, which the host daemon scans for guests.
 */
static void
standin_dirs(struct standin *si, const char *hostroot, const char *guest,
    const char *guestside)
{
	char	*root, *end, *gparent = NULL;

	if ((root = strdup(hostroot)) == NULL)
		err(1, NULL);
	for (end = root + strlen(root); end > root + 1 && end[-1] == '/'; )
		*--end = '\0';
	if ((si->hostdir = standin_join(root, guest)) == NULL)
		err(1, NULL);
	standin_mkdir(root);
	standin_mkdir(si->hostdir);
	if (guestside != NULL)
		si->guestdir = strdup(guestside);
	else if (asprintf(&gparent, "%s.guest", root) != -1) {
		standin_mkdir(gparent);
		si->guestdir = standin_join(gparent, guest);
	}
	if (si->guestdir == NULL)
		err(1, NULL);
	standin_mkdir(si->guestdir);
	free(gparent);
	free(root);
}

static void __attribute__((noreturn))
standin_usage(void)
{
	fprintf(stderr, "usage: standin [--guest-side DIR] [--ready-fd N] "
	    "[--hup-guest] [--verbose] HOSTROOT GUEST CHANNEL...\n");
	exit(2);
}

static struct event_base *
standin_base_new(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		return NULL;
	event_config_require_features(cfg, EV_FEATURE_EARLY_CLOSE);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "guest-side",	required_argument,	NULL, 'g' },
		{ "ready-fd",	required_argument,	NULL, 'r' },
		{ "hup-guest",	no_argument,		NULL, 'H' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct standin	 si;
	struct chan	*c;
	const char	*guestside = NULL;
	char		*end;
	int		 ch, i, readyfd = -1;

	memset(&si, 0, sizeof(si));
	TAILQ_INIT(&si.chans);
	while ((ch = getopt_long(argc, argv, "+g:r:Hvh", opts, NULL)) != -1) {
		switch (ch) {
		case 'g':
			guestside = optarg;
			break;
		case 'r':
			readyfd = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' ||
			    fcntl(readyfd, F_GETFD) == -1)
				errx(2, "--ready-fd %s: not an open fd",
				    optarg);
			break;
		case 'H':
			si.hup_guest = 1;
			break;
		case 'v':
			si.verbose = 1;
			break;
		default:
			standin_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || !standin_name_ok(argv[1]))
		standin_usage();
	for (i = 2; i < argc; i++)
		if (!standin_name_ok(argv[i]))
			errx(2, "%s: bad channel name", argv[i]);

	standin_dirs(&si, argv[0], argv[1], guestside);

	signal(SIGPIPE, SIG_IGN);
	if ((si.base = standin_base_new()) == NULL)
		errx(1, "no event backend with EV_CLOSED (epoll) available");
	if ((si.sigterm = evsignal_new(si.base, SIGTERM, standin_signal_cb,
	    &si)) == NULL || evsignal_add(si.sigterm, NULL) == -1 ||
	    (si.sigint = evsignal_new(si.base, SIGINT, standin_signal_cb,
	    &si)) == NULL || evsignal_add(si.sigint, NULL) == -1)
		errx(1, "cannot set up signal events");
	for (i = 2; i < argc; i++)
		if (chan_new(&si, argv[i]) == NULL)
			err(1, "%s", argv[i]);
	standin_stdin_setup(&si);

	if (readyfd >= 0) {
		if (write(readyfd, "ready\n", 6) != 6)
			warn("--ready-fd %d", readyfd);
		close(readyfd);
	}
	standin_reply("ready");

	event_base_dispatch(si.base);

	/* A clean exit removes the sockets, as QEMU does. */
	while ((c = TAILQ_FIRST(&si.chans)) != NULL) {
		TAILQ_REMOVE(&si.chans, c, entry);
		chan_free(c);
	}
	if (si.cmd != NULL)
		event_free(si.cmd);
	if (si.cmdbuf != NULL)
		evbuffer_free(si.cmdbuf);
	event_free(si.sigterm);
	event_free(si.sigint);
	event_base_free(si.base);
	free(si.hostdir);
	free(si.guestdir);
	return 0;
}

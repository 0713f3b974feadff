/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vios-proxy-guest: listen on localhost:port and pair each accepted client
 * with a free channel under host_dir (virtio-serial ports, or UNIX sockets
 * for tests), found with inotify.  Clients wait in a bounded FIFO, unread,
 * while every channel is busy.  A virtio port whose host side is absent
 * reads EOF forever, so it is not read until SIGIO (O_ASYNC) or a back-off
 * timer says the host may be back.  This file is guest policy only:
 * struct guest_ctx owns the listener, the waiting clients and the channels.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "chan.h"
#include "cmdline.h"
#include "daemon.h"
#include "dirwatch.h"
#include "log.h"
#include "rootwatch.h"
#include "util.h"

#define GUEST_BACKLOG		128	/* listen backlog: bursts of clients */
#define GUEST_WAIT_MAX		256	/* clients waiting for a channel */
#define GUEST_WAIT_MS		30000	/* default --wait-timeout */
#define GUEST_ACCEPT_RETRY_S	1	/* accept paused after EMFILE */
#define GUEST_ABSENT_MIN_MS	1000	/* host-absent re-check, fallback to SIGIO */
#define GUEST_ABSENT_MAX_MS	30000
#define GUEST_EXPECTED_FDS	1024

/* A channel's guest policy: its chan_arg(). */
struct gchan {
	struct guest_ctx	*ctx;
	struct chan		*chan;
	bool			 chardev;	/* virtio port, not a test socket */
	bool			 absent;	/* host side not connected */
	struct event		*absent_timer;
	unsigned		 absent_ms;
};

struct waiter {
	struct guest_ctx	*ctx;
	struct bufferevent	*bev;
	struct event		*timer;
	struct event		*watch;		/* readable: did it leave? */
	uint64_t		 since_ms;
	TAILQ_ENTRY(waiter)	 entry;
};

struct guest_ctx {
	struct event_base	*base;
	struct cmdline_common	 opt;
	const char		*listen_addr;
	const char		*user;		/* --user: drop root to it */
	uid_t			 uid;
	gid_t			 gid;
	unsigned		 wait_ms;
	struct proto_cfg	 cfg;
	struct dirwatch		*dw;
	struct rootwatch	*root;
	struct evconnlistener	*listener;
	struct event		*accept_retry;
	struct event		*sigio;
	struct event		*serve;		/* runs guest_serve_waiters */
	struct daemon		*daemon;
	bool			 stopping;	/* SIGTERM: no client waits again */
	struct chan_list	 chans;		/* chan_arg(): its gchan */
	TAILQ_HEAD(, waiter)	 waiters;
	int			 nwaiters;
};

static int
guest_set_listen_addr(void *arg, const char *val, const char **errstr)
{
	struct guest_ctx	*ctx = arg;
	struct sockaddr_storage	 ss;
	unsigned		 len;

	if (util_parse_addr(val, 0, &ss, &len, errstr) == -1)
		return -1;
	ctx->listen_addr = val;
	return 0;
}

static int
guest_set_wait_timeout(void *arg, const char *val, const char **errstr)
{
	struct guest_ctx	*ctx = arg;

	return util_parse_ms(val, 1, 24 * 3600 * 1000, &ctx->wait_ms, errstr);
}

static int
guest_set_handshake_timeout(void *arg, const char *val, const char **errstr)
{
	struct guest_ctx	*ctx = arg;

	return util_parse_ms(val, 1, 3600 * 1000, &ctx->cfg.handshake_ms,
	    errstr);
}

static int
guest_set_user(void *arg, const char *val, const char **errstr)
{
	struct guest_ctx	*ctx = arg;
	struct passwd		*pw;

	if ((pw = getpwnam(val)) == NULL) {
		*errstr = "no such user";
		return -1;
	}
	ctx->user = val;
	ctx->uid = pw->pw_uid;
	ctx->gid = pw->pw_gid;
	return 0;
}

/*
 * --user: after the listener is bound and the ports present at start are
 * open, become the user for good.  Ports that appear later must be
 * readable and writable by it (a udev rule).  Fatal on failure: running
 * on as root when asked not to would be worse than not running.
 */
static void
guest_drop_privileges(struct guest_ctx *ctx)
{
	if (geteuid() != 0) {
		if (ctx->uid != geteuid())
			fatalx("--user %s needs to start as root", ctx->user);
		return;
	}
	if (initgroups(ctx->user, ctx->gid) == -1 ||
	    setresgid(ctx->gid, ctx->gid, ctx->gid) == -1 ||
	    setresuid(ctx->uid, ctx->uid, ctx->uid) == -1)
		fatal("cannot become user %s", ctx->user);
	if (ctx->uid != 0 && setuid(0) != -1)
		fatalx("could regain root after dropping it");
	log_info("running as user %s", ctx->user);
}

static const struct cmdline_opt guest_opts[] = {
	{ "listen-addr", "ADDR", "address to accept clients on "
	    "(default 127.0.0.1)", guest_set_listen_addr },
	{ "wait-timeout", "DURATION", "how long a client may wait for a free "
	    "channel, e.g. 30s or 500ms (default 30s)", guest_set_wait_timeout },
	{ "handshake-timeout", "DURATION", "how long the host may take to "
	    "answer a session (default 30s)", guest_set_handshake_timeout },
	{ "user", "NAME", "after opening the listener and the ports present "
	    "at start, run as this user", guest_set_user },
	{ NULL, NULL, NULL, NULL }
};

static const struct cmdline_spec guest_spec = {
	.prog = "vios-proxy-guest",
	.summary = "accept local TCP clients and tunnel each through a free "
	    "virtio-serial channel to the host",
	.dir_opt = "host-dir",
	.dir_arg = "host_dir",
	.dir_default = "/dev/virtio-ports",
	.dir_help = "directory of virtio-serial ports (or UNIX sockets, "
	    "for tests)",
	.match_help = "claim only ports whose name matches GLOB",
	.opts = guest_opts,
};

static void	guest_serve_waiters(struct guest_ctx *);

static void
waiter_free(struct waiter *w)
{
	TAILQ_REMOVE(&w->ctx->waiters, w, entry);
	w->ctx->nwaiters--;
	if (w->timer != NULL)
		event_free(w->timer);
	if (w->watch != NULL)
		event_free(w->watch);
	if (w->bev != NULL)
		bufferevent_free(w->bev);
	free(w);
}

static void
waiter_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct waiter	*w = arg;

	log_notice("client waited %llu ms for a free channel: closing it",
	    (unsigned long long)(util_now_ms() - w->since_ms));
	waiter_free(w);
}

/*
 * A waiting client's socket is readable.  EOF or an error before any
 * byte: it left (one that half-closes without a byte is taken as gone
 * too), which frees its place and spares the host a session for nobody.
 * Bytes: they stay unread until it is paired, and it is watched no more;
 * whether it later closes or only half-closes after its request cannot
 * be told apart, so it keeps its place.
 */
static void
waiter_readable_cb(evutil_socket_t fd, short what, void *arg)
{
	struct waiter	*w = arg;
	char		 c;
	ssize_t		 n;

	if ((n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT)) > 0) {
		event_del(w->watch);
		return;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	log_info("client left after waiting %llu ms for a channel",
	    (unsigned long long)(util_now_ms() - w->since_ms));
	waiter_free(w);
}

/*
 * Hand bev, waiting since since_ms, to the first available channel; 0
 * when paired, -1 if none.
 */
static int
guest_pair(struct guest_ctx *ctx, struct bufferevent *bev, uint64_t since_ms)
{
	struct chan	*c;

	for (c = chan_list_first(&ctx->chans); c != NULL; c = chan_list_next(c))
		if (port_available(chan_port(c)) &&
		    port_open(chan_port(c), bev, since_ms) == 0)
			return 0;
	return -1;
}

static void
guest_serve_waiters(struct guest_ctx *ctx)
{
	struct waiter	*w;

	while ((w = TAILQ_FIRST(&ctx->waiters)) != NULL) {
		if (guest_pair(ctx, w->bev, w->since_ms) == -1)
			return;
		w->bev = NULL;	/* the port owns it now */
		waiter_free(w);
	}
}

/*
 * Queue bev (whose wait began at since_ms) until a channel frees: first
 * in line when head, as a client a channel gave back was.  Returns false
 * when it cannot wait (queue full, out of memory, wait over); bev is then
 * the caller's still.
 */
static bool
guest_wait(struct guest_ctx *ctx, struct bufferevent *bev, uint64_t since_ms,
    bool head)
{
	struct waiter	*w;
	struct timeval	 tv;
	uint64_t	 now = util_now_ms(), left;

	if (ctx->nwaiters >= GUEST_WAIT_MAX) {
		log_warnx_rl("%d clients already wait for a channel: closing "
		    "a client", ctx->nwaiters);
		return false;
	}
	if (now - since_ms >= ctx->wait_ms) {
		log_notice("client waited %llu ms for a free channel: closing "
		    "it", (unsigned long long)(now - since_ms));
		return false;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->timer = evtimer_new(ctx->base, waiter_timeout_cb, w)) == NULL ||
	    (w->watch = event_new(ctx->base, bufferevent_getfd(bev),
	    EV_READ | EV_PERSIST, waiter_readable_cb, w)) == NULL) {
		log_warnx("out of memory queueing a client");
		if (w != NULL && w->timer != NULL)
			event_free(w->timer);
		free(w);
		return false;
	}
	w->ctx = ctx;
	w->bev = bev;
	w->since_ms = since_ms;
	left = ctx->wait_ms - (now - since_ms);
	tv.tv_sec = left / 1000;
	tv.tv_usec = (left % 1000) * 1000;
	evtimer_add(w->timer, &tv);
	event_add(w->watch, NULL);
	if (head)
		TAILQ_INSERT_HEAD(&ctx->waiters, w, entry);
	else
		TAILQ_INSERT_TAIL(&ctx->waiters, w, entry);
	ctx->nwaiters++;
	log_debug("no free channel: client waits (%d waiting)", ctx->nwaiters);
	return true;
}

static void
guest_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct guest_ctx	*ctx = arg;
	struct bufferevent	*bev;
	uint64_t		 now = util_now_ms();

	bev = bufferevent_socket_new(ctx->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_warnx("out of memory accepting a client");
		evutil_closesocket(fd);
		return;
	}
	if (TAILQ_EMPTY(&ctx->waiters) && guest_pair(ctx, bev, now) == 0)
		return;
	if (!guest_wait(ctx, bev, now, false))
		bufferevent_free(bev);
}

/* Waiters are served from the loop after a channel gave one back. */
static void
guest_serve_cb(evutil_socket_t fd, short what, void *arg)
{
	guest_serve_waiters(arg);
}

static void
guest_accept_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guest_ctx	*ctx = arg;

	evconnlistener_enable(ctx->listener);
}

/* EMFILE/ENFILE: pause accepting for a while instead of spinning. */
static void
guest_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct guest_ctx	*ctx = arg;
	struct timeval		 tv = { GUEST_ACCEPT_RETRY_S, 0 };
	int			 err = EVUTIL_SOCKET_ERROR();

	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		log_warnx_rl("accept: %s: pausing", strerror(err));
		evconnlistener_disable(l);
		evtimer_add(ctx->accept_retry, &tv);
		return;
	}
	log_warnx_rl("accept: %s", strerror(err));
}

/* True when the virtio port's host side is connected (no HUP). */
static bool
guest_host_present(int fd)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	if (poll(&pfd, 1, 0) == -1)
		return true;	/* let the read path find out */
	return (pfd.revents & POLLHUP) == 0;
}

/* Ask for SIGIO on fd while the host is absent, or stop asking. */
static void
guest_async(int fd, bool on)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return;
	if (on && fcntl(fd, F_SETOWN, getpid()) == -1)
		log_warn("F_SETOWN");
	if (fcntl(fd, F_SETFL, on ? fl | O_ASYNC : fl & ~O_ASYNC) == -1)
		log_warn("O_ASYNC");
}

static void
guest_absent_arm(struct gchan *gc)
{
	struct timeval	 tv;

	if (gc->absent_ms == 0)
		gc->absent_ms = GUEST_ABSENT_MIN_MS;
	tv.tv_sec = gc->absent_ms / 1000;
	tv.tv_usec = (gc->absent_ms % 1000) * 1000;
	evtimer_add(gc->absent_timer, &tv);
	gc->absent_ms *= 2;
	if (gc->absent_ms > GUEST_ABSENT_MAX_MS)
		gc->absent_ms = GUEST_ABSENT_MAX_MS;
}

static void
guest_host_gone(struct gchan *gc)
{
	if (!gc->absent)
		log_info("%s: host side absent, waiting for it",
		    chan_name(gc->chan));
	gc->absent = true;
	guest_async(chan_fd(gc->chan), true);
	guest_absent_arm(gc);
}

/* SIGIO or the fallback timer: is the host back on this port? */
static void
guest_host_check(struct gchan *gc)
{
	int	 fd = chan_fd(gc->chan);

	if (!gc->absent || fd == -1)
		return;
	if (!guest_host_present(fd)) {
		if (!evtimer_pending(gc->absent_timer, NULL))
			guest_absent_arm(gc);
		return;
	}
	log_info("%s: host side connected", chan_name(gc->chan));
	gc->absent = false;
	gc->absent_ms = 0;
	evtimer_del(gc->absent_timer);
	guest_async(fd, false);
	chan_resume(gc->chan);
}

static void
guest_absent_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	guest_host_check(arg);
}

/* SIGIO, SIGHUP: is the host back on any port? */
static void
guest_host_check_all(struct guest_ctx *ctx)
{
	struct chan	*c;

	for (c = chan_list_first(&ctx->chans); c != NULL; c = chan_list_next(c))
		guest_host_check(chan_arg(c));
}

static void
guest_sigio_cb(evutil_socket_t sig, short what, void *arg)
{
	guest_host_check_all(arg);
}

static int
guest_chan_open(struct chan *c, void *arg, bool *present)
{
	struct gchan	*gc = arg;
	struct stat	 st;
	int		 fd;

	if (stat(chan_path(c), &st) == -1)
		return -1;
	if (S_ISSOCK(st.st_mode)) {
		gc->chardev = false;
		return chan_unix_connect(chan_path(c));
	}
	if (!S_ISCHR(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	gc->chardev = true;
	fd = open(chan_path(c), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return -1;
	if (!guest_host_present(fd)) {
		*present = false;
		/* The port waits unread; SIGIO or the timer resumes it. */
		gc->absent = true;
		guest_async(fd, true);
		guest_absent_arm(gc);
		log_info("%s: host side absent, waiting for it",
		    chan_name(gc->chan));
	}
	return fd;
}

static void
guest_chan_idle(struct chan *c, void *arg)
{
	struct gchan	*gc = arg;

	guest_serve_waiters(gc->ctx);
}

/* The port read EOF (host gone) or failed (hot-unplug: ENODEV). */
static void
guest_chan_down(struct chan *c, void *arg, int err)
{
	struct gchan	*gc = arg;

	if (gc->chardev && err == 0) {
		guest_host_gone(gc);
		return;
	}
	log_info("%s: channel lost: %s", chan_name(gc->chan),
	    err == 0 ? "closed by peer" : strerror(err));
	chan_reopen(c, true);
}

/*
 * The channel went away during a client's handshake: the client waits again,
 * first in line, for what is left of its --wait-timeout.  Runs inside
 * port_detach() too: serve from the loop, not here.
 */
static bool
guest_chan_requeue(struct chan *c, void *arg, struct bufferevent *client,
    uint64_t since_ms)
{
	struct gchan		*gc = arg;
	struct guest_ctx	*ctx = gc->ctx;

	if (ctx->stopping || !guest_wait(ctx, client, since_ms, true))
		return false;
	log_info("%s: channel gone during a handshake: its client waits for "
	    "another", chan_name(gc->chan));
	event_active(ctx->serve, 0, 0);
	return true;
}

static void
guest_chan_drained(struct chan *c, void *arg)
{
	struct gchan	*gc = arg;

	daemon_chan_drained(gc->ctx->daemon);
}

static const struct chan_ops guest_chan_ops = {
	.open = guest_chan_open,
	.idle = guest_chan_idle,
	.down = guest_chan_down,
	.drained = guest_chan_drained,
	.requeue = guest_chan_requeue,
};

static void
guest_chan_free(struct gchan *gc)
{
	chan_free(gc->chan);
	if (gc->absent_timer != NULL)
		event_free(gc->absent_timer);
	free(gc);
}

/*
 * Is name in host_dir a channel to claim?  path receives its path.  udev's
 * symlinks are followed; regular files and the rest are left alone.
 */
static bool
guest_chan_ok(struct guest_ctx *ctx, const char *name, char *path, size_t len)
{
	mode_t	 type = chan_entry_type(ctx->opt.dir, name, ctx->opt.match, true,
	    path, len);

	return S_ISCHR(type) || S_ISSOCK(type);
}

/* An entry of host_dir appeared or changed: claim it if a channel. */
static void
guest_chan_seen(struct guest_ctx *ctx, const char *name)
{
	struct gchan	*gc;
	char		 path[PATH_MAX];

	if (!guest_chan_ok(ctx, name, path, sizeof(path)) ||
	    chan_list_known(&ctx->chans, name))
		return;
	if ((gc = calloc(1, sizeof(*gc))) == NULL ||
	    (gc->absent_timer = evtimer_new(ctx->base, guest_absent_timer_cb,
	    gc)) == NULL ||
	    (gc->chan = chan_new(ctx->base, name, path, &ctx->cfg,
	    &guest_chan_ops, gc)) == NULL) {
		log_warnx("%s: out of memory", name);
		if (gc != NULL && gc->absent_timer != NULL)
			event_free(gc->absent_timer);
		free(gc);
		return;
	}
	gc->ctx = ctx;
	chan_list_add(&ctx->chans, gc->chan);
	log_info("%s: channel found", name);
	chan_reopen(gc->chan, false);
}

static void
guest_drop_chans(struct guest_ctx *ctx)
{
	struct chan	*c;

	while ((c = chan_list_first(&ctx->chans)) != NULL)
		guest_chan_free(chan_arg(c));
}

static void
guest_root_cb(enum dirwatch_ev ev, const char *name, void *arg)
{
	struct guest_ctx	*ctx = arg;
	struct chan		*c;
	char			 path[PATH_MAX];

	switch (ev) {
	case DIRWATCH_ADD:
		guest_chan_seen(ctx, name);
		break;
	case DIRWATCH_REMOVE:
		/* A late event for an entry already replaced by a new one. */
		if (guest_chan_ok(ctx, name, path, sizeof(path)))
			break;
		if ((c = chan_list_find(&ctx->chans, name)) != NULL) {
			log_info("%s: channel removed", name);
			guest_chan_free(chan_arg(c));
		}
		break;
	case DIRWATCH_GONE:
		guest_drop_chans(ctx);
		break;
	}
}

/* SIGTERM/SIGINT: stop accepting, end sessions, drain, exit. */
static void
guest_stop(void *arg)
{
	struct guest_ctx	*ctx = arg;

	ctx->stopping = true;
	evconnlistener_disable(ctx->listener);
	evtimer_del(ctx->accept_retry);
	while (!TAILQ_EMPTY(&ctx->waiters))
		waiter_free(TAILQ_FIRST(&ctx->waiters));
	daemon_stop_chans(ctx->daemon, &ctx->chans);
}

static void
guest_rescan(void *arg)
{
	struct guest_ctx	*ctx = arg;

	rootwatch_rescan(ctx->root);
	chan_list_reopen(&ctx->chans);
	guest_host_check_all(ctx);
}

static void
guest_dump(void *arg, enum log_level level)
{
	struct guest_ctx	*ctx = arg;
	struct chan		*c;
	int			 n = 0;

	for (c = chan_list_first(&ctx->chans); c != NULL;
	    c = chan_list_next(c)) {
		n++;
		port_dump(chan_port(c), level);
	}
	log_msg(level, "%d channels under %s, %d clients waiting, listening "
	    "on %s port %u", n, ctx->opt.dir, ctx->nwaiters, ctx->listen_addr,
	    ctx->opt.port);
}

static const struct daemon_sigs guest_sigs = {
	.stop = guest_stop,
	.rescan = guest_rescan,
	.dump = guest_dump,
};

static struct evconnlistener *
guest_listen(struct guest_ctx *ctx)
{
	struct sockaddr_storage	 ss;
	const char		*err;
	unsigned		 len;

	if (util_parse_addr(ctx->listen_addr, ctx->opt.port, &ss, &len,
	    &err) == -1)
		fatalx("listen address %s: %s", ctx->listen_addr, err);
	return evconnlistener_new_bind(ctx->base, guest_accept_cb, ctx,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    GUEST_BACKLOG, (struct sockaddr *)&ss, (int)len);
}

int
main(int argc, char *argv[])
{
	struct guest_ctx	 ctx;
	struct daemon_sigs	 sigs = guest_sigs;

	memset(&ctx, 0, sizeof(ctx));
	TAILQ_INIT(&ctx.chans);
	TAILQ_INIT(&ctx.waiters);
	ctx.listen_addr = "127.0.0.1";
	ctx.wait_ms = GUEST_WAIT_MS;
	ctx.cfg.role = PROTO_GUEST;
	ctx.cfg.caps = VIOS_CAPS_OURS;
	ctx.cfg.handshake_ms = VIOS_HANDSHAKE_MS;
	ctx.cfg.ack_ms = VIOS_ACK_MS;
	ctx.cfg.connect_ms = VIOS_CONNECT_MS;
	switch (cmdline_parse(&guest_spec, argc, argv, &ctx.opt, &ctx)) {
	case CMDLINE_OK:
		break;
	case CMDLINE_EXIT:
		return EXIT_SUCCESS;
	case CMDLINE_ERROR:
		return EXIT_FAILURE;
	}
	if (daemon_check_dir(guest_spec.prog, "host directory",
	    ctx.opt.dir) == -1)
		return EXIT_FAILURE;
	daemon_setup(guest_spec.prog, &ctx.opt, GUEST_EXPECTED_FDS);

	if ((ctx.base = event_base_new()) == NULL)
		fatalx("cannot create the event base");
	if ((ctx.listener = guest_listen(&ctx)) == NULL) {
		log_error("cannot listen on %s port %u: %s", ctx.listen_addr,
		    ctx.opt.port, strerror(errno));
		event_base_free(ctx.base);
		return EXIT_FAILURE;
	}
	evconnlistener_set_error_cb(ctx.listener, guest_accept_error_cb);
	if ((ctx.dw = dirwatch_new(ctx.base)) == NULL)
		fatal("inotify");
	ctx.accept_retry = evtimer_new(ctx.base, guest_accept_retry_cb, &ctx);
	ctx.sigio = evsignal_new(ctx.base, SIGIO, guest_sigio_cb, &ctx);
	ctx.serve = event_new(ctx.base, -1, 0, guest_serve_cb, &ctx);
	if (ctx.accept_retry == NULL || ctx.sigio == NULL ||
	    ctx.serve == NULL || evsignal_add(ctx.sigio, NULL) == -1)
		fatalx("cannot create events");
	sigs.arg = &ctx;
	ctx.daemon = daemon_new(ctx.base, &sigs);
	if ((ctx.root = rootwatch_new(ctx.base, ctx.dw, ctx.opt.dir,
	    guest_root_cb, &ctx)) == NULL)
		fatal("cannot watch %s", ctx.opt.dir);
	if (ctx.user != NULL) {
		/*
		 * One pass runs the initial scan, which opens the ports.
		 * EVLOOP_NONBLOCK alone loops while anything is active, so a
		 * client could be served as root until traffic paused.
		 */
		event_base_loop(ctx.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		guest_drop_privileges(&ctx);
	}
	log_info("started: channels under %s, listening on %s port %u",
	    ctx.opt.dir, ctx.listen_addr, ctx.opt.port);
	log_started();

	event_base_dispatch(ctx.base);

	ctx.stopping = true;
	guest_drop_chans(&ctx);
	while (!TAILQ_EMPTY(&ctx.waiters))
		waiter_free(TAILQ_FIRST(&ctx.waiters));
	rootwatch_free(ctx.root);
	daemon_free(ctx.daemon);
	event_free(ctx.sigio);
	event_free(ctx.serve);
	event_free(ctx.accept_retry);
	evconnlistener_free(ctx.listener);
	dirwatch_free(ctx.dw);
	event_base_free(ctx.base);
	log_info("exiting");
	return EXIT_SUCCESS;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vios-proxy-host: serve every guest's channels under guest_dir.  QEMU
 * listens on guest_dir/<guest>/<channel>; guests and channels are found
 * with inotify as VMs come and go, each channel is kept connected (lib/chan)
 * and each session a guest opens on it is relayed to the one configured
 * service address (lib/port).  This file is host policy only: discovery,
 * options, signals.  struct host_ctx owns the guests, which own their
 * channels.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "chan.h"
#include "cmdline.h"
#include "daemon.h"
#include "dirwatch.h"
#include "log.h"
#include "json.h"
#include "rootwatch.h"
#include "status.h"
#include "util.h"

/* Descriptors per channel: the channel socket and a service connection. */
#define HOST_FDS_PER_CHAN	2
/* Sizing hint for the descriptor-limit warning: 1000 guests x 4 channels. */
#define HOST_EXPECTED_CHANS	4000

struct guest {
	struct host_ctx		*ctx;
	char			*name;
	char			*path;
	struct dirwatch_dir	*dir;
	struct chan_list	 chans;		/* chan_arg(): this guest */
	TAILQ_ENTRY(guest)	 entry;
};

struct host_ctx {
	struct event_base	*base;
	struct cmdline_common	 opt;
	struct sockaddr_storage	 service;
	int			 service_len;
	const char		*service_addr;
	struct proto_cfg	 cfg;
	struct dirwatch		*dw;
	struct rootwatch	*root;		/* guest_dir */
	struct daemon		*daemon;
	const char		*status_path;	/* --status-socket */
	struct status		*status;
	uint64_t		 start_ms;
	TAILQ_HEAD(, guest)	 guests;
};

static int
host_set_service_addr(void *arg, const char *val, const char **errstr)
{
	struct host_ctx		*ctx = arg;
	struct sockaddr_storage	 ss;
	unsigned		 len;

	if (util_parse_addr(val, 0, &ss, &len, errstr) == -1)
		return -1;
	ctx->service_addr = val;
	return 0;
}

static int
host_set_connect_timeout(void *arg, const char *val, const char **errstr)
{
	struct host_ctx	*ctx = arg;

	return util_parse_ms(val, 1, 3600 * 1000, &ctx->cfg.connect_ms, errstr);
}

static int
host_set_ack_timeout(void *arg, const char *val, const char **errstr)
{
	struct host_ctx	*ctx = arg;

	return util_parse_ms(val, 1, 3600 * 1000, &ctx->cfg.ack_ms, errstr);
}

static int
host_set_status_socket(void *arg, const char *val, const char **errstr)
{
	struct host_ctx	*ctx = arg;

	if (*val != '/') {
		*errstr = "give an absolute path";
		return -1;
	}
	ctx->status_path = val;
	return 0;
}

static const struct cmdline_opt host_opts[] = {
	{ "service-addr", "ADDR", "address of the service (default 127.0.0.1); "
	    "guests can reach only this address and port",
	    host_set_service_addr },
	{ "connect-timeout", "DURATION", "service connect timeout, "
	    "e.g. 10s or 500ms (default 10s)", host_set_connect_timeout },
	{ "ack-timeout", "DURATION", "how long a guest may take to ACK a "
	    "session (default 30s)", host_set_ack_timeout },
	{ "status-socket", "PATH", "answer connections on this UNIX socket "
	    "with the daemon's state as JSON (see vios-proxy-status)",
	    host_set_status_socket },
	{ NULL, NULL, NULL, NULL }
};

static const struct cmdline_spec host_spec = {
	.prog = "vios-proxy-host",
	.summary = "relay sessions from QEMU guests' virtio-serial channels "
	    "to a host service",
	.dir_opt = "guest-dir",
	.dir_arg = "guest_dir",
	.dir_default = "/tmp/qpid",
	.dir_help = "directory of guest directories holding channel sockets",
	.match_help = "claim only channel sockets whose name matches GLOB",
	.opts = host_opts,
};

/* Service address with the configured port; fatal only at start-up. */
static void
host_resolve_service(struct host_ctx *ctx)
{
	const char	*err;
	unsigned	 len;

	if (util_parse_addr(ctx->service_addr, ctx->opt.port, &ctx->service,
	    &len, &err) == -1)
		fatalx("service address %s: %s", ctx->service_addr, err);
	ctx->service_len = (int)len;
}

static int
host_chan_open(struct chan *c, void *arg, bool *present)
{
	return chan_unix_connect(chan_path(c));
}

static struct bufferevent *
host_chan_connect(struct chan *c, void *arg)
{
	struct guest		*g = arg;
	struct host_ctx		*ctx = g->ctx;
	struct bufferevent	*bev;

	bev = bufferevent_socket_new(ctx->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return NULL;
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&ctx->service,
	    ctx->service_len) == -1) {
		log_warn("%s: service connect", chan_name(c));
		bufferevent_free(bev);
		return NULL;
	}
	return bev;
}

static void
host_chan_drained(struct chan *c, void *arg)
{
	struct guest	*g = arg;

	daemon_chan_drained(g->ctx->daemon);
}

static const struct chan_ops host_chan_ops = {
	.open = host_chan_open,
	.connect = host_chan_connect,
	.drained = host_chan_drained,
	/* down: NULL, QEMU closed the socket: re-open with back-off. */
};

/* Is name in g's directory a channel to claim?  path receives its path. */
static bool
host_chan_ok(struct guest *g, const char *name, char *path, size_t len)
{
	return S_ISSOCK(chan_entry_type(g->path, name, g->ctx->opt.match, false,
	    path, len));
}

/* A guest directory entry appeared or changed: claim it if a channel. */
static void
host_chan_seen(struct guest *g, const char *name)
{
	struct host_ctx	*ctx = g->ctx;
	struct chan	*c;
	char		 path[PATH_MAX], label[PATH_MAX];

	if (!host_chan_ok(g, name, path, sizeof(path)) ||
	    chan_list_known(&g->chans, name))
		return;
	snprintf(label, sizeof(label), "%s/%s", g->name, name);
	if ((c = chan_new(ctx->base, label, path, &ctx->cfg, &host_chan_ops,
	    g)) == NULL) {
		log_warnx("%s: out of memory", label);
		return;
	}
	chan_list_add(&g->chans, c);
	log_info("%s: channel found", label);
	chan_reopen(c, false);
}

static void	host_guest_free(struct guest *);

static void
host_guest_dir_cb(struct dirwatch_dir *d, enum dirwatch_ev ev,
    const char *name, void *arg)
{
	struct guest	*g = arg;
	struct chan	*c;
	char		 path[PATH_MAX];

	switch (ev) {
	case DIRWATCH_ADD:
		host_chan_seen(g, name);
		break;
	case DIRWATCH_REMOVE:
		/* A late event for an entry already replaced by a new one. */
		if (host_chan_ok(g, name, path, sizeof(path)))
			break;
		if ((c = chan_list_find(&g->chans, name)) != NULL) {
			log_info("%s: channel removed", chan_name(c));
			chan_free(c);
		}
		break;
	case DIRWATCH_GONE:
		log_info("%s: guest directory gone", g->name);
		g->dir = NULL;	/* dropped by dirwatch */
		host_guest_free(g);
		break;
	}
}

static struct guest *
host_guest_find(struct host_ctx *ctx, const char *name)
{
	struct guest	*g;

	TAILQ_FOREACH(g, &ctx->guests, entry)
		if (strcmp(g->name, name) == 0)
			return g;
	return NULL;
}

static void
host_guest_free(struct guest *g)
{
	struct chan	*c;

	while ((c = chan_list_first(&g->chans)) != NULL)
		chan_free(c);
	if (g->dir != NULL)
		dirwatch_remove(g->dir);
	TAILQ_REMOVE(&g->ctx->guests, g, entry);
	free(g->name);
	free(g->path);
	free(g);
}

static void
host_guest_seen(struct host_ctx *ctx, const char *name)
{
	struct guest	*g;
	struct stat	 st;
	char		 path[PATH_MAX];

	if (host_guest_find(ctx, name) != NULL)
		return;
	if (snprintf(path, sizeof(path), "%s/%s", ctx->opt.dir, name) >=
	    (int)sizeof(path))
		return;
	/* A real subdirectory: symlinks could lead anywhere. */
	if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode))
		return;
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->name = strdup(name)) == NULL ||
	    (g->path = strdup(path)) == NULL) {
		log_warnx("%s: out of memory", name);
		if (g != NULL)
			free(g->name);
		free(g);
		return;
	}
	g->ctx = ctx;
	TAILQ_INIT(&g->chans);
	TAILQ_INSERT_TAIL(&ctx->guests, g, entry);
	if ((g->dir = dirwatch_add(ctx->dw, path, host_guest_dir_cb, g)) ==
	    NULL) {
		log_warn("%s: cannot watch %s", name, path);
		host_guest_free(g);
		return;
	}
	log_info("%s: guest found", name);
}

static void
host_drop_guests(struct host_ctx *ctx)
{
	struct guest	*g;

	while ((g = TAILQ_FIRST(&ctx->guests)) != NULL)
		host_guest_free(g);
}

static void
host_root_cb(enum dirwatch_ev ev, const char *name, void *arg)
{
	struct host_ctx	*ctx = arg;
	struct guest	*g;

	switch (ev) {
	case DIRWATCH_ADD:
		host_guest_seen(ctx, name);
		break;
	case DIRWATCH_REMOVE:
		if ((g = host_guest_find(ctx, name)) != NULL) {
			log_info("%s: guest removed", name);
			host_guest_free(g);
		}
		break;
	case DIRWATCH_GONE:
		host_drop_guests(ctx);
		break;
	}
}

/* SIGTERM/SIGINT: end every session, drain channel output, then exit. */
static void
host_stop(void *arg)
{
	struct host_ctx	*ctx = arg;
	struct guest	*g;

	TAILQ_FOREACH(g, &ctx->guests, entry)
		daemon_stop_chans(ctx->daemon, &g->chans);
}

static void
host_rescan(void *arg)
{
	struct host_ctx	*ctx = arg;
	struct guest	*g;

	rootwatch_rescan(ctx->root);
	TAILQ_FOREACH(g, &ctx->guests, entry) {
		dirwatch_rescan(g->dir);
		chan_list_reopen(&g->chans);
	}
}

static void
host_dump(void *arg, enum log_level level)
{
	struct host_ctx	*ctx = arg;
	struct guest	*g;
	struct chan	*c;
	int		 n = 0;

	TAILQ_FOREACH(g, &ctx->guests, entry) {
		n++;
		log_msg(level, "guest %s: %s", g->name, g->path);
		for (c = chan_list_first(&g->chans); c != NULL;
		    c = chan_list_next(c))
			port_dump(chan_port(c), level);
	}
	log_msg(level, "%d guests under %s, service %s port %u", n,
	    ctx->opt.dir, ctx->service_addr, ctx->opt.port);
}

/* The status socket's document: the daemon, then each guest's channels. */
static void
host_status_fill(struct evbuffer *out, void *arg)
{
	struct host_ctx	*ctx = arg;
	struct guest	*g;
	struct chan	*c;
	char		 service[128];
	int		 gfirst = 1, cfirst;

	snprintf(service, sizeof(service), "%s port %u", ctx->service_addr,
	    ctx->opt.port);
	evbuffer_add(out, "{", 1);
	json_str(out, "daemon", "vios-proxy-host", 1);
	json_str(out, "version", PACKAGE_VERSION, 0);
	json_u64(out, "pid", (uint64_t)getpid(), 0);
	json_u64(out, "uptime_ms", util_now_ms() - ctx->start_ms, 0);
	json_str(out, "guest_dir", ctx->opt.dir, 0);
	json_str(out, "service", service, 0);
	json_bool(out, "stopping", daemon_stopping(ctx->daemon), 0);
	evbuffer_add_printf(out, ",\"guests\":[");
	TAILQ_FOREACH(g, &ctx->guests, entry) {
		evbuffer_add_printf(out, "%s{", gfirst ? "" : ",");
		gfirst = 0;
		json_str(out, "name", g->name, 1);
		evbuffer_add_printf(out, ",\"channels\":[");
		cfirst = 1;
		for (c = chan_list_first(&g->chans); c != NULL;
		    c = chan_list_next(c)) {
			if (!cfirst)
				evbuffer_add(out, ",", 1);
			cfirst = 0;
			port_json(chan_port(c), out);
		}
		evbuffer_add(out, "]}", 2);
	}
	evbuffer_add(out, "]}", 2);
}

static const struct daemon_sigs host_sigs = {
	.stop = host_stop,
	.rescan = host_rescan,
	.dump = host_dump,
};

int
main(int argc, char *argv[])
{
	struct host_ctx		 ctx;
	struct daemon_sigs	 sigs = host_sigs;

	memset(&ctx, 0, sizeof(ctx));
	TAILQ_INIT(&ctx.guests);
	ctx.service_addr = "127.0.0.1";
	ctx.cfg.role = PROTO_HOST;
	ctx.cfg.caps = VIOS_CAPS_OURS;
	ctx.cfg.ack_ms = VIOS_ACK_MS;
	ctx.cfg.connect_ms = VIOS_CONNECT_MS;
	ctx.cfg.handshake_ms = VIOS_HANDSHAKE_MS;
	switch (cmdline_parse(&host_spec, argc, argv, &ctx.opt, &ctx)) {
	case CMDLINE_OK:
		break;
	case CMDLINE_EXIT:
		return EXIT_SUCCESS;
	case CMDLINE_ERROR:
		return EXIT_FAILURE;
	}
	if (daemon_check_dir(host_spec.prog, "guest directory",
	    ctx.opt.dir) == -1)
		return EXIT_FAILURE;
	daemon_setup(host_spec.prog, &ctx.opt,
	    HOST_EXPECTED_CHANS * HOST_FDS_PER_CHAN);
	host_resolve_service(&ctx);

	if ((ctx.base = event_base_new()) == NULL)
		fatalx("cannot create the event base");
	if ((ctx.dw = dirwatch_new(ctx.base)) == NULL)
		fatal("inotify");
	sigs.arg = &ctx;
	ctx.daemon = daemon_new(ctx.base, &sigs);
	ctx.start_ms = util_now_ms();
	if (ctx.status_path != NULL &&
	    (ctx.status = status_new(ctx.base, ctx.status_path,
	    host_status_fill, &ctx)) == NULL) {
		log_error("status socket %s: %s", ctx.status_path,
		    errno == EADDRINUSE ? "another daemon is answering on it" :
		    strerror(errno));
		return EXIT_FAILURE;
	}
	if ((ctx.root = rootwatch_new(ctx.base, ctx.dw, ctx.opt.dir,
	    host_root_cb, &ctx)) == NULL)
		fatal("cannot watch %s", ctx.opt.dir);
	log_info("started: guests under %s, service %s port %u",
	    ctx.opt.dir, ctx.service_addr, ctx.opt.port);
	log_started();

	event_base_dispatch(ctx.base);

	status_free(ctx.status);
	host_drop_guests(&ctx);
	rootwatch_free(ctx.root);
	daemon_free(ctx.daemon);
	dirwatch_free(ctx.dw);
	event_base_free(ctx.base);
	log_info("exiting");
	return EXIT_SUCCESS;
}

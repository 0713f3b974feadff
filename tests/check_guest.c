/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_guest.c: acceptance test of vios-proxy-guest against a scripted
 * host.  Each case makes a temporary host_dir, listens on UNIX sockets in
 * it as QEMU listens for the host side of a channel, starts the real
 * daemon on it, accepts the connection the daemon makes to each socket
 * and speaks frames there by hand; clients connect to the daemon's TCP
 * port (chosen by the kernel, read back).  Every wait is bounded; that
 * nothing happens is judged over QUIET_MS.  The daemon dies with the case
 * if an assertion fails (testlib); on success it must exit 0 on SIGTERM.
 */
#include "config.h"

#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <linux/sockios.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkmain.h"
#include "testlib.h"

#ifndef GUEST_PATH
#error "GUEST_PATH must name the built guest daemon"
#endif

#define QUIET_MS	200	/* "nothing arrives" is judged over this */
#define CLOSE_MS	2000	/* a client the daemon drops sees EOF within */
#define ADD_MS		2000	/* a new channel is connected within */
#define SHORT_OPT	"300ms"	/* --wait-timeout, --handshake-timeout */
#define SHORT_MS	300
#define EARLY_MS	50	/* timer slack: fired at most this early */
#define CPU_WINDOW_MS	2000	/* idle CPU is measured over this */
#define CPU_MAX_MS	50	/* ... and must stay below this */
#define EMFILE_WINDOW_MS 1200	/* CPU while accept() fails: > one retry */
#define EMFILE_SERVE_MS	3000	/* accept resumes after its 1 s pause */
#define RELAY_BYTES	200000	/* each way, in the relay case */
#define FLOOD_BYTES	(16u << 20) /* each way, past every socket buffer */
#define FLOOD_MS	30000
#define BACKLOG_BYTES	(64 * 1024) /* unread in a paused channel, at least */
#define CLIENT_RCVBUF	(16 * 1024)
#define RSS_GROWTH_KB	(4 * 1024) /* peak RSS growth while flooded */
#define MAX_CHANS	4
#define MAX_ARGS	24
#define MAX_FDS		4096	/* /proc/PID/fd entries looked at */
#define LOG_MAX		(1 << 20)
#define TMP_MAX_LEN	200
#define CAPS_FIN	VIOS_CAPS_MAGIC " fin"	/* our SYN, a new host's SYNACK */

/* Host tokens of the scripted host: any valid values. */
#define H1		0x48000001U
#define H2		0x48000002U
#define H3		0x48000003U

struct hchan {
	char		 path[PATH_MAX];
	int		 lfd;		/* listening socket: QEMU's side */
	int		 fd;		/* the daemon's connection, accepted */
	struct tl_framer fr;
};

struct gfix {
	char		 dir[TMP_MAX_LEN];
	char		 hostdir[TMP_MAX_LEN + 16];
	char		 log[TMP_MAX_LEN + 16];
	uint16_t	 port;
	pid_t		 pid;
	struct hchan	*ch[MAX_CHANS];
	int		 nch;
};

static void
fix_init(struct gfix *f)
{
	char	*d;

	memset(f, 0, sizeof(*f));
	f->pid = -1;
	ck_assert_ptr_nonnull(d = tl_tmpdir("guest"));
	snprintf(f->dir, sizeof(f->dir), "%s", d);
	free(d);
	snprintf(f->hostdir, sizeof(f->hostdir), "%s/hd", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/guest.log", f->dir);
	ck_assert_int_eq(mkdir(f->hostdir, 0755), 0);
	f->port = tl_free_port();
	ck_assert_uint_gt(f->port, 0);
}

/* Start the daemon with opts (NULL-terminated, or NULL) before dir, port. */
static void
fix_spawn(struct gfix *f, const char *const *opts)
{
	const char		*argv[MAX_ARGS];
	struct tl_spawn_opts	 o = { NULL, NULL, f->log, -1 };
	char			 port[8];
	int			 i = 0;

	snprintf(port, sizeof(port), "%u", f->port);
	argv[i++] = GUEST_PATH;
	argv[i++] = "--log-level";
	argv[i++] = "debug";
	while (opts != NULL && *opts != NULL && i < MAX_ARGS - 3)
		argv[i++] = *opts++;
	argv[i++] = f->hostdir;
	argv[i++] = port;
	argv[i] = NULL;
	f->pid = tl_spawn_ex((char *const *)argv, &o);
	ck_assert_int_gt(f->pid, 0);
}

/* A listening UNIX socket at path, as QEMU's chardev; not accepted yet. */
static struct hchan *
hc_listen_at(struct gfix *f, const char *path)
{
	struct sockaddr_un	 sun;
	struct hchan		*c;

	ck_assert_int_lt(f->nch, MAX_CHANS);
	ck_assert_ptr_nonnull(c = calloc(1, sizeof(*c)));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->fd = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path));
	ck_assert_int_ge(c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
	    0), 0);
	ck_assert_int_eq(bind(c->lfd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	ck_assert_int_eq(listen(c->lfd, 8), 0);
	f->ch[f->nch++] = c;
	return c;
}

static struct hchan *
hc_new(struct gfix *f, const char *name)
{
	char	 p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", f->hostdir, name);
	return hc_listen_at(f, p);
}

/* Accept the daemon's connection to c within timeout_ms. */
static void
hc_accept(struct gfix *f, struct hchan *c, int timeout_ms)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = tl_accept(c->lfd, timeout_ms);
	TL_ASSERT_LOG(c->fd >= 0, f->log);
	tl_framer_init(&c->fr, c->fd);
}

/* The usual start: channel vios0, the daemon (opts) connected to it. */
static struct hchan *
fix_start(struct gfix *f, const char *const *opts)
{
	struct hchan	*c;

	fix_init(f);
	c = hc_new(f, "vios0");
	fix_spawn(f, opts);
	hc_accept(f, c, TL_TIMEOUT_MS);
	return c;
}

static void
hc_hangup(struct hchan *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/*
 * SIGTERM must end the daemon with status 0.  The scripted hosts act as
 * QEMU: listeners go first (no reconnect is served), then each accepted
 * connection is closed, which is what ends the daemon's drain at once.
 */
static void
fix_stop(struct gfix *f)
{
	int	 i, st;

	for (i = 0; i < f->nch; i++) {
		if (f->ch[i]->lfd >= 0)
			close(f->ch[i]->lfd);
		f->ch[i]->lfd = -1;
	}
	TL_ASSERT_LOG(tl_kill(f->pid, SIGTERM) == 0, f->log);
	for (i = 0; i < f->nch; i++)
		hc_hangup(f->ch[i]);
	TL_ASSERT_LOG(tl_waitpid_timeout(f->pid, TL_TIMEOUT_MS, &st) == 0,
	    f->log);
	TL_ASSERT_LOG(WIFEXITED(st) && WEXITSTATUS(st) == 0, f->log);
	for (i = 0; i < f->nch; i++)
		free(f->ch[i]);
	f->nch = 0;
	ck_assert_int_eq(tl_rmtree(f->dir), 0);
}

static int
client(struct gfix *f)
{
	int	 fd;

	fd = tl_tcp_connect(f->port, TL_TIMEOUT_MS);
	TL_ASSERT_LOG(fd >= 0, f->log);
	return fd;
}

/*
 * A client with a small receive buffer, so that a flood backs up into the
 * daemon soon.  The size must be set before connecting: a window already
 * advertised cannot shrink.  The daemon listens once it has a channel.
 */
static int
client_small(struct gfix *f)
{
	struct sockaddr_in	 sin;
	int			 fd, rcvbuf = CLIENT_RCVBUF;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(f->port);
	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf)), 0);
	TL_ASSERT_LOG(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
	    f->log);
	return fd;
}

static void
put(struct gfix *f, int fd, const void *p, size_t n)
{
	TL_ASSERT_LOG(tl_write_full(fd, p, n, TL_TIMEOUT_MS) == 0, f->log);
}

/* The client reads exactly s. */
static void
expect_str(struct gfix *f, int fd, const char *s)
{
	char	 buf[256];
	size_t	 n = strlen(s);

	ck_assert_uint_le(n, sizeof(buf));
	TL_ASSERT_LOG(tl_read_full(fd, buf, n, TL_TIMEOUT_MS) == 0, f->log);
	ck_assert_mem_eq(buf, s, n);
}

/* fd reads EOF, with nothing before it, within max_ms; returns the ms. */
static int
expect_eof(struct gfix *f, int fd, int max_ms)
{
	char	 buf[64];
	int64_t	 t0 = tl_now_ms();

	TL_ASSERT_LOG(tl_read_until_eof(fd, buf, sizeof(buf), max_ms) == 0,
	    f->log);
	return (int)(tl_now_ms() - t0);
}

/* --- the scripted host's side of the frames ----------------------------- */

static void
host_send(struct gfix *f, struct hchan *c, uint8_t ctrl, uint32_t g,
    uint32_t h, const char *payload)
{
	size_t	 n = payload != NULL ? strlen(payload) : 0;

	TL_ASSERT_LOG(tl_send_frame(c->fd, ctrl, g, h, payload,
	    (uint16_t)n) == 0, f->log);
}

static void
next_frame(struct gfix *f, struct hchan *c, struct frame_hdr *h,
    void *payload, size_t cap)
{
	TL_ASSERT_LOG(tl_recv_frame(&c->fr, h, payload, cap, TL_TIMEOUT_MS) ==
	    1, f->log);
}

static void
frame_mismatch(struct gfix *f, const char *want, const struct frame_hdr *h)
{
	tl_dump_file(f->log, "guest log");
	ck_abort_msg("expected %s, got ctrl 0x%02x %08x/%08x len %u", want,
	    h->ctrl, h->gtok, h->htok, h->len);
}

/* The daemon's next frame is ctrl(g, h) without payload. */
static void
expect_frame(struct gfix *f, struct hchan *c, uint8_t ctrl, uint32_t g,
    uint32_t h)
{
	struct frame_hdr	 hd;
	char			 want[64];

	next_frame(f, c, &hd, NULL, 0);
	snprintf(want, sizeof(want), "%c %08x/%08x len 0", ctrl, g, h);
	if (hd.ctrl != ctrl || hd.gtok != g || hd.htok != h || hd.len != 0)
		frame_mismatch(f, want, &hd);
}

static bool
token_ok(uint32_t t)
{
	return t != 0 && !frame_token_reserved(t);
}

/* A valid token other than t. */
static uint32_t
other_token(uint32_t t, uint32_t salt)
{
	uint32_t	 o = t ^ salt;

	while (o == t || !token_ok(o))
		o++;
	return o;
}

/*
 * The daemon's next frame is SYN(G, "????") offering "VIOSX1 fin", right
 * after the 65535-byte preamble when preamble is set, else with nothing
 * before it.  Returns G.
 */
static uint32_t
expect_syn(struct gfix *f, struct hchan *c, bool preamble)
{
	struct frame_hdr	 h;
	uint8_t			 p[VIOS_CAPS_MAX];
	uint64_t		 skipped = c->fr.skipped;

	next_frame(f, c, &h, p, sizeof(p));
	if (h.ctrl != VIOS_SYN || h.htok != VIOS_TOKEN_UNKNOWN ||
	    h.len != strlen(CAPS_FIN))
		frame_mismatch(f, "SYN G/3f3f3f3f len 10", &h);
	ck_assert_mem_eq(p, CAPS_FIN, strlen(CAPS_FIN));
	ck_assert_msg(token_ok(h.gtok), "SYN with guest token %08x", h.gtok);
	ck_assert_uint_eq(c->fr.skipped - skipped,
	    (preamble ? VIOS_PREAMBLE_LEN : 0));
	return h.gtok;
}

/* SYN, SYNACK(G, h) with or without "fin", ACK(G, h): returns G. */
static uint32_t
establish(struct gfix *f, struct hchan *c, uint32_t h, bool preamble,
    bool fin)
{
	uint32_t	 g = expect_syn(f, c, preamble);

	host_send(f, c, VIOS_SYNACK, g, h, fin ? CAPS_FIN : NULL);
	expect_frame(f, c, VIOS_ACK, g, h);
	return g;
}

/* The daemon's next frames are DATA(g, h) carrying exactly want. */
static void
expect_data(struct gfix *f, struct hchan *c, uint32_t g, uint32_t h,
    const void *want, size_t n)
{
	static uint8_t		 buf[VIOS_MAX_PAYLOAD];
	struct frame_hdr	 hd;
	size_t			 got = 0;

	while (got < n) {
		next_frame(f, c, &hd, buf, sizeof(buf));
		if (hd.ctrl != VIOS_DATA || hd.gtok != g || hd.htok != h ||
		    hd.len == 0 || hd.len > n - got)
			frame_mismatch(f, "DATA with the session's bytes", &hd);
		ck_assert_mem_eq(buf, (const uint8_t *)want + got, hd.len);
		got += hd.len;
	}
}

/* Bytes both ways through an established session. */
static void
roundtrip(struct gfix *f, struct hchan *c, int cl, uint32_t g, uint32_t h)
{
	put(f, cl, "ping", 4);
	expect_data(f, c, g, h, "ping", 4);
	host_send(f, c, VIOS_DATA, g, h, "pong");
	expect_str(f, cl, "pong");
}

/* --- the daemon seen from outside --------------------------------------- */

struct log_want {
	const char	*path;
	const char	*needle;
};

static int
log_has(const char *path, const char *needle)
{
	static char	 buf[LOG_MAX];
	ssize_t		 n, r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	for (n = 0; n < (ssize_t)sizeof(buf) - 1; n += r)
		if ((r = read(fd, buf + n, sizeof(buf) - 1 - (size_t)n)) <= 0)
			break;
	close(fd);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static int
log_cond(void *arg)
{
	struct log_want	*w = arg;

	return log_has(w->path, w->needle);
}

static void
wait_log(struct gfix *f, const char *needle)
{
	struct log_want	 w = { f->log, needle };

	TL_ASSERT_LOG(tl_wait_for(log_cond, &w, TL_TIMEOUT_MS) == 0, f->log);
}

/* The peer has read everything written to fd (AF_UNIX: SIOCOUTQ is 0). */
static int
unread_cond(void *arg)
{
	int	 fd = *(int *)arg, queued = -1;

	return ioctl(fd, SIOCOUTQ, &queued) == 0 && queued == 0;
}

/* True when one of pid's descriptors is path. */
static bool
proc_has_open(pid_t pid, const char *path)
{
	char		 dir[64], fdp[PATH_MAX], link[PATH_MAX];
	struct dirent	*de;
	DIR		*d;
	ssize_t		 n;
	bool		 found = false;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(fdp, sizeof(fdp), "%s/%s", dir, de->d_name);
		if ((n = readlink(fdp, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, path) == 0)
			found = true;
	}
	closedir(d);
	return found;
}

/* Peak resident memory of pid, kB; -1 on error. */
static long
proc_hwm_kb(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*fp;
	long	 kb = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

/*
 * At least BACKLOG_BYTES written to fd and not taken by the peer (unread
 * on AF_UNIX, unacknowledged on TCP): the peer has stopped reading.
 */
static int
backlog_cond(void *arg)
{
	int	 fd = *(int *)arg, queued = 0;

	return ioctl(fd, SIOCOUTQ, &queued) == 0 && queued >= BACKLOG_BYTES;
}

/* A child that sends the stream seed as DATA(g, h) frames on fd. */
static pid_t
host_flood(int fd, uint32_t g, uint32_t h, size_t n, uint32_t seed)
{
	static uint8_t	 buf[VIOS_MAX_PAYLOAD];
	size_t		 off, k;
	pid_t		 pid;

	if ((pid = fork()) != 0)
		return pid;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		_exit(1);
	for (off = 0; off < n; off += k) {
		k = n - off < sizeof(buf) ? n - off : sizeof(buf);
		tl_pattern(buf, k, off, seed);
		if (tl_send_frame(fd, VIOS_DATA, g, h, buf, (uint16_t)k) != 0)
			_exit(1);
	}
	_exit(0);
}

/* The lowest descriptor number pid does not use. */
static int
proc_lowest_free_fd(pid_t pid)
{
	static bool	 used[MAX_FDS];
	char		 dir[64];
	struct dirent	*de;
	DIR		*d;
	long		 n;
	int		 i;

	memset(used, 0, sizeof(used));
	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		n = strtol(de->d_name, NULL, 10);
		if (de->d_name[0] != '.' && n >= 0 && n < MAX_FDS)
			used[n] = true;
	}
	closedir(d);
	for (i = 0; i < MAX_FDS; i++)
		if (!used[i])
			return i;
	return -1;
}

/* --- tokens and the first SYN ------------------------------------------- */

/* Every session draws a fresh G; a clean end means no preamble next. */
START_TEST(t_tokens_fresh)
{
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g1, g2;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g1 = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g1, H1);
	host_send(&f, c, VIOS_RESET, g1, H1, NULL);
	expect_eof(&f, cl, CLOSE_MS);
	close(cl);

	cl = client(&f);
	g2 = establish(&f, c, H2, false, true);
	ck_assert_uint_ne(g1, g2);
	roundtrip(&f, c, cl, g2, H2);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* Two daemons started together: their first tokens differ (getrandom). */
START_TEST(t_tokens_two_daemons)
{
	struct gfix	 a, b;
	struct hchan	*ca, *cb;
	uint32_t	 ga, gb;
	time_t		 t0, t1;
	int		 cla, clb;

	fix_init(&a);
	fix_init(&b);
	while (b.port == a.port)
		b.port = tl_free_port();
	ck_assert_uint_gt(b.port, 0);
	ca = hc_new(&a, "vios0");
	cb = hc_new(&b, "vios0");
	t0 = time(NULL);
	fix_spawn(&a, NULL);
	fix_spawn(&b, NULL);
	t1 = time(NULL);
	hc_accept(&a, ca, TL_TIMEOUT_MS);
	hc_accept(&b, cb, TL_TIMEOUT_MS);
	cla = client(&a);
	clb = client(&b);
	ga = expect_syn(&a, ca, true);
	gb = expect_syn(&b, cb, true);
	ck_assert_msg(ga != gb, "two daemons started %s drew token %08x",
	    t0 == t1 ? "in the same second" : "together", ga);
	close(cla);
	close(clb);
	fix_stop(&a);
	fix_stop(&b);
}
END_TEST

/* The first SYN on a fresh channel, byte for byte. */
START_TEST(t_preamble_syn)
{
	static uint8_t	 raw[VIOS_PREAMBLE_LEN + VIOS_HDR_LEN + 10];
	struct gfix	 f;
	struct hchan	*c;
	struct frame_hdr h;
	const uint8_t	*hdr = raw + VIOS_PREAMBLE_LEN;
	uint32_t	 g;
	size_t		 i;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	TL_ASSERT_LOG(tl_read_full(c->fd, raw, sizeof(raw), TL_TIMEOUT_MS) ==
	    0, f.log);
	for (i = 0; i < VIOS_PREAMBLE_LEN; i++)
		if (raw[i] != VIOS_SYNC0)
			ck_abort_msg("preamble byte %zu is 0x%02x", i, raw[i]);
	ck_assert_int_eq(frame_hdr_parse(hdr, VIOS_HDR_LEN, &h), FRAME_OK);
	ck_assert_int_eq(h.ctrl, VIOS_SYN);
	ck_assert_mem_eq(hdr + 8, "????", 4);
	ck_assert_uint_eq(h.len, 10);
	ck_assert_mem_eq(hdr + VIOS_HDR_LEN, "VIOSX1 fin", 10);
	g = h.gtok;
	ck_assert(token_ok(g));
	/* One SYN, nothing after it. */
	ck_assert_int_eq(tl_readable(c->fd, QUIET_MS), 0);
	host_send(&f, c, VIOS_SYNACK, g, H1, CAPS_FIN);
	expect_frame(&f, c, VIOS_ACK, g, H1);
	roundtrip(&f, c, cl, g, H1);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* --- sessions ------------------------------------------------------------ */

/* Handshake, then 200 kB each way in DATA frames that are never empty. */
START_TEST(t_handshake_data)
{
	static uint8_t	 buf[VIOS_MAX_PAYLOAD];
	struct gfix	 f;
	struct hchan	*c;
	struct frame_hdr h;
	uint64_t	 hash, got_hash = TL_FNV_INIT;
	uint32_t	 g;
	size_t		 got, n;
	pid_t		 w;
	int		 cl, st;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);

	/* Host to client, in frames up to the largest payload. */
	for (got = 0; got < RELAY_BYTES; got += n) {
		n = RELAY_BYTES - got < VIOS_MAX_PAYLOAD ? RELAY_BYTES - got :
		    VIOS_MAX_PAYLOAD;
		tl_pattern(buf, n, got, 1);
		TL_ASSERT_LOG(tl_send_frame(c->fd, VIOS_DATA, g, H1, buf,
		    (uint16_t)n) == 0, f.log);
	}
	TL_ASSERT_LOG(tl_read_fnv(cl, RELAY_BYTES, TL_TIMEOUT_MS, &hash) == 0,
	    f.log);
	ck_assert(hash == tl_pattern_fnv(RELAY_BYTES, 1));

	/* Client to host, written by a child while we read the channel. */
	ck_assert_int_gt(w = tl_writer(cl, RELAY_BYTES, 2), 0);
	for (got = 0; got < RELAY_BYTES; got += h.len) {
		next_frame(&f, c, &h, buf, sizeof(buf));
		if (h.ctrl != VIOS_DATA || h.gtok != g || h.htok != H1 ||
		    h.len == 0 || h.len > RELAY_BYTES - got)
			frame_mismatch(&f, "DATA of the client's stream", &h);
		got_hash = tl_fnv(buf, h.len, got_hash);
	}
	ck_assert(got_hash == tl_pattern_fnv(RELAY_BYTES, 2));
	ck_assert_int_eq(tl_waitpid_timeout(w, TL_TIMEOUT_MS, &st), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(tl_readable(c->fd, 0), 0);
	close(cl);
	fix_stop(&f);
}
END_TEST

/*
 * Backpressure both ways: with its reader stalled, the daemon stops
 * reading the other side (bytes pile up unread there, not in its memory),
 * and resumes without losing or reordering a byte.
 */
START_TEST(t_backpressure)
{
	static uint8_t	 buf[VIOS_MAX_PAYLOAD];
	struct gfix	 f;
	struct hchan	*c;
	struct frame_hdr h;
	uint64_t	 hash, got_hash = TL_FNV_INIT;
	uint32_t	 g;
	size_t		 got;
	long		 hwm0, hwm1;
	pid_t		 w;
	int		 cl, st;

	c = fix_start(&f, NULL);
	cl = client_small(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);
	ck_assert_int_gt(hwm0 = proc_hwm_kb(f.pid), 0);

	/* Host to a client that does not read: the channel backs up. */
	ck_assert_int_gt(w = host_flood(c->fd, g, H1, FLOOD_BYTES, 4), 0);
	TL_ASSERT_LOG(tl_wait_for(backlog_cond, &c->fd, FLOOD_MS) == 0, f.log);
	/* More than all the buffers on the way: the writer is stuck. */
	ck_assert_int_eq(tl_waitpid_timeout(w, QUIET_MS, &st), -1);
	TL_ASSERT_LOG(tl_read_fnv(cl, FLOOD_BYTES, FLOOD_MS, &hash) == 0,
	    f.log);
	ck_assert(hash == tl_pattern_fnv(FLOOD_BYTES, 4));
	ck_assert_int_eq(tl_waitpid_timeout(w, TL_TIMEOUT_MS, &st), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* Client to a host that does not read: the client backs up. */
	ck_assert_int_gt(w = tl_writer(cl, FLOOD_BYTES, 5), 0);
	TL_ASSERT_LOG(tl_wait_for(backlog_cond, &cl, FLOOD_MS) == 0, f.log);
	ck_assert_int_eq(tl_waitpid_timeout(w, QUIET_MS, &st), -1);
	for (got = 0; got < FLOOD_BYTES; got += h.len) {
		next_frame(&f, c, &h, buf, sizeof(buf));
		if (h.ctrl != VIOS_DATA || h.gtok != g || h.htok != H1 ||
		    h.len == 0 || h.len > FLOOD_BYTES - got)
			frame_mismatch(&f, "DATA of the client's stream", &h);
		got_hash = tl_fnv(buf, h.len, got_hash);
	}
	ck_assert(got_hash == tl_pattern_fnv(FLOOD_BYTES, 5));
	ck_assert_int_eq(tl_waitpid_timeout(w, FLOOD_MS, &st), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	roundtrip(&f, c, cl, g, H1);

	ck_assert_int_gt(hwm1 = proc_hwm_kb(f.pid), 0);
	fprintf(stderr, "backpressure: peak RSS %ld kB -> %ld kB over %u MiB "
	    "each way\n", hwm0, hwm1, FLOOD_BYTES >> 20);
#ifndef __SANITIZE_ADDRESS__
	/* (ASan's quarantine keeps freed chains resident: no bound there;
	 * nor under valgrind, whose own memory is the process's.) */
	if (!tl_wrapped())
		ck_assert_int_lt(hwm1 - hwm0, RSS_GROWTH_KB);
#endif
	close(cl);
	fix_stop(&f);
}
END_TEST

/* Refusals, new and 2011 form: the client is closed at once, nothing sent. */
START_TEST(t_refused)
{
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g;
	int		 cl, ms;

	c = fix_start(&f, NULL);

	/* A payload on RESET is read and ignored. */
	cl = client(&f);
	g = expect_syn(&f, c, true);
	host_send(&f, c, VIOS_RESET, g, VIOS_TOKEN_NONE, "no service");
	ms = expect_eof(&f, cl, CLOSE_MS);
	fprintf(stderr, "refused RESET(G, RRRR): client closed in %d ms\n",
	    ms);
	close(cl);

	cl = client(&f);
	g = expect_syn(&f, c, false);
	host_send(&f, c, VIOS_RESET, VIOS_TOKEN_NONE, VIOS_TOKEN_NONE, NULL);
	ms = expect_eof(&f, cl, CLOSE_MS);
	fprintf(stderr, "refused RESET(RRRR, RRRR): client closed in %d ms\n",
	    ms);
	close(cl);

	/* Refusals are clean ends: no RESET back, no preamble next. */
	cl = client(&f);
	g = establish(&f, c, H1, false, true);
	roundtrip(&f, c, cl, g, H1);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* Frames for other sessions during the handshake change nothing. */
START_TEST(t_foreign_ignored)
{
	static const uint8_t badver[VIOS_HDR_LEN] = { 'V', 'S', '2', 'C',
	    1, 2, 3, 4, 5, 6, 7, 8, 0, 0 };
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g, x;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = expect_syn(&f, c, true);
	x = other_token(g, 0x01000000U);
	host_send(&f, c, VIOS_SYNACK, x, H2, CAPS_FIN);
	host_send(&f, c, VIOS_SYNACK, x, H2, NULL);
	host_send(&f, c, VIOS_DATA, x, H2, "stale");
	host_send(&f, c, VIOS_ACK, x, H2, NULL);
	host_send(&f, c, VIOS_FIN, x, H2, NULL);
	host_send(&f, c, 'Z', x, H2, NULL);
	/* Our G but no SYNACK yet: discarded too, never delivered. */
	host_send(&f, c, VIOS_DATA, g, H1, "early");
	put(&f, c->fd, "junk", 4);
	put(&f, c->fd, badver, sizeof(badver));
	ck_assert_int_eq(tl_readable(cl, QUIET_MS), 0);
	ck_assert_int_eq(tl_readable(c->fd, 0), 0);

	host_send(&f, c, VIOS_SYNACK, g, H1, CAPS_FIN);
	expect_frame(&f, c, VIOS_ACK, g, H1);
	roundtrip(&f, c, cl, g, H1);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* A RESET of another session: the SYN goes out again, once only. */
START_TEST(t_foreign_reset_resend)
{
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = expect_syn(&f, c, true);
	host_send(&f, c, VIOS_RESET, other_token(g, 0x00100000U), H2, NULL);
	ck_assert_uint_eq(expect_syn(&f, c, false), g);
	host_send(&f, c, VIOS_RESET, other_token(g, 0x00200000U), H3, NULL);
	host_send(&f, c, VIOS_RESET, VIOS_TOKEN_NONE, H3, NULL);
	/* A second SYN would come before this ACK. */
	host_send(&f, c, VIOS_SYNACK, g, H1, CAPS_FIN);
	expect_frame(&f, c, VIOS_ACK, g, H1);
	roundtrip(&f, c, cl, g, H1);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* All channels busy: the next client waits, unanswered, then is served. */
START_TEST(t_busy_waits)
{
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g1, g2;
	int		 cl1, cl2;

	c = fix_start(&f, NULL);
	cl1 = client(&f);
	g1 = establish(&f, c, H1, true, true);
	cl2 = client(&f);
	ck_assert_int_eq(tl_readable(cl2, QUIET_MS), 0);
	ck_assert_int_eq(tl_readable(c->fd, 0), 0);
	roundtrip(&f, c, cl1, g1, H1);

	host_send(&f, c, VIOS_RESET, g1, H1, NULL);
	expect_eof(&f, cl1, CLOSE_MS);
	g2 = establish(&f, c, H2, false, true);
	ck_assert_uint_ne(g1, g2);
	roundtrip(&f, c, cl2, g2, H2);
	close(cl1);
	close(cl2);
	fix_stop(&f);
}
END_TEST

/*
 * Waiting clients are served first come, first served; one that leaves
 * while waiting gets no session, and one that sends while waiting has
 * its bytes relayed once paired.
 */
START_TEST(t_waiters)
{
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g1, g2, g4;
	int		 cl1, cl2, cl3, cl4;

	c = fix_start(&f, NULL);
	cl1 = client(&f);
	g1 = establish(&f, c, H1, true, true);
	cl2 = client(&f);
	cl3 = client(&f);
	cl4 = client(&f);
	put(&f, cl2, "early", 5);
	close(cl3);
	wait_log(&f, "client left after waiting");
	roundtrip(&f, c, cl1, g1, H1);

	host_send(&f, c, VIOS_RESET, g1, H1, NULL);
	expect_eof(&f, cl1, CLOSE_MS);
	g2 = establish(&f, c, H2, false, true);
	expect_data(&f, c, g2, H2, "early", 5);
	roundtrip(&f, c, cl2, g2, H2);
	host_send(&f, c, VIOS_RESET, g2, H2, NULL);
	expect_eof(&f, cl2, CLOSE_MS);
	g4 = establish(&f, c, H3, false, true);
	roundtrip(&f, c, cl4, g4, H3);
	host_send(&f, c, VIOS_RESET, g4, H3, NULL);
	expect_eof(&f, cl4, CLOSE_MS);
	/* Nothing for the client that left. */
	ck_assert_int_eq(tl_readable(c->fd, QUIET_MS), 0);
	close(cl1);
	close(cl2);
	close(cl4);
	fix_stop(&f);
}
END_TEST

/* --wait-timeout: a waiting client is closed, and never gets a session. */
START_TEST(t_wait_timeout)
{
	static const char *const opts[] = { "--wait-timeout", SHORT_OPT, NULL };
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g;
	int		 cl1, cl2, ms;

	c = fix_start(&f, opts);
	cl1 = client(&f);
	g = establish(&f, c, H1, true, true);
	cl2 = client(&f);
	ms = expect_eof(&f, cl2, SHORT_MS + CLOSE_MS);
	fprintf(stderr, "--wait-timeout %s: waiting client closed after %d "
	    "ms\n", SHORT_OPT, ms);
	ck_assert_int_ge(ms, SHORT_MS - EARLY_MS);
	close(cl2);

	roundtrip(&f, c, cl1, g, H1);
	host_send(&f, c, VIOS_RESET, g, H1, NULL);
	expect_eof(&f, cl1, CLOSE_MS);
	close(cl1);
	ck_assert_int_eq(tl_readable(c->fd, QUIET_MS), 0);

	cl1 = client(&f);
	g = establish(&f, c, H2, false, true);
	roundtrip(&f, c, cl1, g, H2);
	close(cl1);
	fix_stop(&f);
}
END_TEST

/* fin: the client's half-close is FIN, the reply still reaches it. */
START_TEST(t_fin_half_close)
{
	struct gfix	 f;
	struct hchan	*c;
	char		 buf[64];
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	put(&f, cl, "request", 7);
	ck_assert_int_eq(shutdown(cl, SHUT_WR), 0);
	expect_data(&f, c, g, H1, "request", 7);
	expect_frame(&f, c, VIOS_FIN, g, H1);
	host_send(&f, c, VIOS_DATA, g, H1, "reply");
	host_send(&f, c, VIOS_FIN, g, H1, NULL);
	TL_ASSERT_LOG(tl_read_until_eof(cl, buf, sizeof(buf), CLOSE_MS) == 5,
	    f.log);
	ck_assert_mem_eq(buf, "reply", 5);
	close(cl);

	/* A clean end: the next SYN has no preamble, and nothing came between. */
	cl = client(&f);
	g = establish(&f, c, H2, false, true);
	roundtrip(&f, c, cl, g, H2);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* fin, the host first: the client reads EOF and may still send. */
START_TEST(t_fin_host_first)
{
	struct gfix	 f;
	struct hchan	*c;
	char		 buf[64];
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	host_send(&f, c, VIOS_DATA, g, H1, "banner");
	host_send(&f, c, VIOS_FIN, g, H1, NULL);
	TL_ASSERT_LOG(tl_read_until_eof(cl, buf, sizeof(buf), CLOSE_MS) == 6,
	    f.log);
	ck_assert_mem_eq(buf, "banner", 6);
	put(&f, cl, "late words", 10);
	expect_data(&f, c, g, H1, "late words", 10);
	ck_assert_int_eq(shutdown(cl, SHUT_WR), 0);
	expect_frame(&f, c, VIOS_FIN, g, H1);
	close(cl);

	cl = client(&f);
	g = establish(&f, c, H2, false, true);
	roundtrip(&f, c, cl, g, H2);
	close(cl);
	fix_stop(&f);
}
END_TEST

/*
 * A quick client sends its request and half-closes before the host has
 * answered: the request and the FIN follow the ACK, the reply comes back.
 */
START_TEST(t_fin_before_synack)
{
	struct gfix	 f;
	struct hchan	*c;
	char		 buf[64];
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	put(&f, cl, "GET /", 5);
	ck_assert_int_eq(shutdown(cl, SHUT_WR), 0);
	g = establish(&f, c, H1, true, true);
	expect_data(&f, c, g, H1, "GET /", 5);
	expect_frame(&f, c, VIOS_FIN, g, H1);
	host_send(&f, c, VIOS_DATA, g, H1, "200 OK");
	host_send(&f, c, VIOS_FIN, g, H1, NULL);
	TL_ASSERT_LOG(tl_read_until_eof(cl, buf, sizeof(buf), CLOSE_MS) == 6,
	    f.log);
	ck_assert_mem_eq(buf, "200 OK", 6);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* An old host (SYNACK without payload): client EOF is RESET, not FIN. */
START_TEST(t_no_fin_old_host)
{
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = establish(&f, c, H1, true, false);
	roundtrip(&f, c, cl, g, H1);
	put(&f, cl, "abc", 3);
	ck_assert_int_eq(shutdown(cl, SHUT_WR), 0);
	expect_data(&f, c, g, H1, "abc", 3);
	expect_frame(&f, c, VIOS_RESET, g, H1);
	expect_eof(&f, cl, CLOSE_MS);
	close(cl);

	/* A new host that accepts none of our offer: no fin either. */
	cl = client(&f);
	g = expect_syn(&f, c, false);
	host_send(&f, c, VIOS_SYNACK, g, H2, VIOS_CAPS_MAGIC " mux");
	expect_frame(&f, c, VIOS_ACK, g, H2);
	roundtrip(&f, c, cl, g, H2);
	ck_assert_int_eq(shutdown(cl, SHUT_WR), 0);
	expect_frame(&f, c, VIOS_RESET, g, H2);
	expect_eof(&f, cl, CLOSE_MS);
	close(cl);

	cl = client(&f);
	g = establish(&f, c, H3, false, false);
	roundtrip(&f, c, cl, g, H3);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* A client reset is RESET even with fin; no FIN ever follows. */
START_TEST(t_client_rst)
{
	struct linger	 lg = { 1, 0 };
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);
	ck_assert_int_eq(setsockopt(cl, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), 0);
	close(cl);
	expect_frame(&f, c, VIOS_RESET, g, H1);

	/* The next frame is the next client's SYN, not a FIN. */
	cl = client(&f);
	g = establish(&f, c, H2, false, true);
	roundtrip(&f, c, cl, g, H2);
	close(cl);
	fix_stop(&f);
}
END_TEST

/*
 * A client reset during the handshake: the session ends with RESET(G, H)
 * once H is known, never with FIN.  (Whether an ACK goes first depends on
 * when the reset is noticed; the client is not read before the SYNACK.)
 */
START_TEST(t_client_rst_handshake)
{
	struct linger	 lg = { 1, 0 };
	struct gfix	 f;
	struct hchan	*c;
	struct frame_hdr h;
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = expect_syn(&f, c, true);
	ck_assert_int_eq(setsockopt(cl, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), 0);
	close(cl);
	host_send(&f, c, VIOS_SYNACK, g, H1, CAPS_FIN);
	next_frame(&f, c, &h, NULL, 0);
	if (h.ctrl == VIOS_ACK && h.gtok == g && h.htok == H1)
		next_frame(&f, c, &h, NULL, 0);
	if (h.ctrl != VIOS_RESET || h.gtok != g || h.htok != H1)
		frame_mismatch(&f, "RESET(G, H)", &h);

	cl = client(&f);
	g = establish(&f, c, H2, false, true);
	roundtrip(&f, c, cl, g, H2);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* Wrong frames in a session: RESET with our tokens, and a resync. */
START_TEST(t_established_errors)
{
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);

	/* A late RESET of another session does not end this one. */
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	host_send(&f, c, VIOS_RESET, other_token(g, 0x10U), H2, NULL);
	host_send(&f, c, VIOS_RESET, g, H2, NULL);
	/* Zero-length DATA delivers nothing and ends nothing. */
	host_send(&f, c, VIOS_DATA, g, H1, NULL);
	roundtrip(&f, c, cl, g, H1);
	/* DATA with a foreign host token is a protocol error. */
	host_send(&f, c, VIOS_DATA, g, H2, "bad");
	expect_frame(&f, c, VIOS_RESET, g, H1);
	expect_eof(&f, cl, CLOSE_MS);
	close(cl);

	/* FIN without fin negotiated, likewise; each error forces a preamble. */
	cl = client(&f);
	g = establish(&f, c, H2, true, false);
	roundtrip(&f, c, cl, g, H2);
	host_send(&f, c, VIOS_FIN, g, H2, NULL);
	expect_frame(&f, c, VIOS_RESET, g, H2);
	expect_eof(&f, cl, CLOSE_MS);
	close(cl);

	cl = client(&f);
	g = establish(&f, c, H3, true, true);
	roundtrip(&f, c, cl, g, H3);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* --handshake-timeout: the client is closed; the next SYN resyncs. */
START_TEST(t_handshake_timeout)
{
	static const char *const opts[] = { "--handshake-timeout", SHORT_OPT,
	    NULL };
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g1, g2;
	int64_t		 t0;
	int		 cl, ms;

	c = fix_start(&f, opts);
	/* The timer starts after the connect: the lower bound is safe. */
	t0 = tl_now_ms();
	cl = client(&f);
	g1 = expect_syn(&f, c, true);
	expect_eof(&f, cl, SHORT_MS + CLOSE_MS);
	ms = (int)(tl_now_ms() - t0);
	fprintf(stderr, "--handshake-timeout %s: client closed %d ms after "
	    "connecting\n", SHORT_OPT, ms);
	ck_assert_int_ge(ms, SHORT_MS - EARLY_MS);
	close(cl);
	/* A late SYNACK finds the guest idle: it is dropped, unanswered. */
	host_send(&f, c, VIOS_SYNACK, g1, H1, CAPS_FIN);

	cl = client(&f);
	g2 = expect_syn(&f, c, true);
	ck_assert_uint_ne(g1, g2);
	host_send(&f, c, VIOS_SYNACK, g2, H2, CAPS_FIN);
	expect_frame(&f, c, VIOS_ACK, g2, H2);
	roundtrip(&f, c, cl, g2, H2);
	close(cl);
	fix_stop(&f);
}
END_TEST

/*
 * The host side hangs up during a handshake: the client, which has sent
 * and been sent nothing yet, is not closed but served on the channel's
 * return with a new SYN.
 */
START_TEST(t_requeue_same)
{
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g1, g2;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g1 = expect_syn(&f, c, true);
	hc_hangup(c);
	hc_accept(&f, c, ADD_MS);
	g2 = establish(&f, c, H1, true, true);
	ck_assert_uint_ne(g1, g2);
	roundtrip(&f, c, cl, g2, H1);
	TL_ASSERT_LOG(log_has(f.log, "its client waits for another"), f.log);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* ... and while its channel stays away, it goes to another one. */
START_TEST(t_requeue_other)
{
	struct gfix	 f;
	struct hchan	*a, *b;
	struct pollfd	 pfd[2];
	uint32_t	 g;
	int		 cl;

	fix_init(&f);
	a = hc_new(&f, "vios0");
	b = hc_new(&f, "vios1");
	fix_spawn(&f, NULL);
	hc_accept(&f, a, TL_TIMEOUT_MS);
	hc_accept(&f, b, TL_TIMEOUT_MS);
	cl = client(&f);
	pfd[0] = (struct pollfd){ .fd = a->fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = b->fd, .events = POLLIN };
	ck_assert_int_eq(poll(pfd, 2, TL_TIMEOUT_MS), 1);
	if (pfd[1].revents != 0) {
		a = b;
		b = f.ch[0];
	}
	expect_syn(&f, a, true);
	/* QEMU gone: nothing to reconnect to. */
	close(a->lfd);
	a->lfd = -1;
	hc_hangup(a);
	g = establish(&f, b, H1, true, true);
	roundtrip(&f, b, cl, g, H1);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* ... but for no longer than --wait-timeout from its connect. */
START_TEST(t_requeue_timeout)
{
	static const char *const opts[] = { "--wait-timeout", SHORT_OPT, NULL };
	struct gfix	 f;
	struct hchan	*c;
	int64_t		 t0;
	int		 cl, ms;

	c = fix_start(&f, opts);
	t0 = tl_now_ms();
	cl = client(&f);
	expect_syn(&f, c, true);
	close(c->lfd);
	c->lfd = -1;
	hc_hangup(c);
	expect_eof(&f, cl, SHORT_MS + CLOSE_MS);
	ms = (int)(tl_now_ms() - t0);
	fprintf(stderr, "--wait-timeout %s: requeued client closed %d ms after "
	    "connecting\n", SHORT_OPT, ms);
	ck_assert_int_ge(ms, SHORT_MS - EARLY_MS);
	close(cl);
	fix_stop(&f);
}
END_TEST

/*
 * ... counted from its connect, not from its pairing: a client that
 * waited in the queue first has only what is left of the timeout.
 */
START_TEST(t_requeue_waited)
{
	static const char *const opts[] = { "--wait-timeout", "2s", NULL };
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g;
	int64_t		 t0;
	int		 cl1, cl2, ms;

	c = fix_start(&f, opts);
	cl1 = client(&f);
	g = establish(&f, c, H1, true, true);
	t0 = tl_now_ms();
	cl2 = client(&f);
	/* It waits 1.5 s of its 2 s in the queue... */
	ck_assert_int_eq(tl_readable(cl2, 1500), 0);
	host_send(&f, c, VIOS_RESET, g, H1, NULL);
	expect_eof(&f, cl1, CLOSE_MS);
	/* ... is paired, and its channel goes during the handshake. */
	expect_syn(&f, c, false);
	close(c->lfd);
	c->lfd = -1;
	hc_hangup(c);
	expect_eof(&f, cl2, CLOSE_MS + 2000);
	ms = (int)(tl_now_ms() - t0);
	fprintf(stderr, "--wait-timeout 2s: requeued client closed %d ms after "
	    "connecting\n", ms);
	ck_assert_int_ge(ms, 2000 - EARLY_MS);
	/* A fresh 2 s from the pairing would be 3.5 s. */
	ck_assert_int_lt(ms, 3000);
	close(cl1);
	close(cl2);
	fix_stop(&f);
}
END_TEST

/* Frames read while idle are discarded unanswered, a partial one too. */
START_TEST(t_stale_idle)
{
	static const uint8_t partial[24] = { 'V', 'S', '1', 'D', 9, 9, 9, 9,
	    8, 8, 8, 8, 0x03, 0xe8, 'h', 'a', 'l', 'f' };
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);
	put(&f, c->fd, "garbage", 7);
	host_send(&f, c, VIOS_DATA, 0x11111111U, H1, "stale");
	host_send(&f, c, VIOS_SYNACK, 0x11111111U, H1, CAPS_FIN);
	host_send(&f, c, VIOS_RESET, 0x11111111U, H1, NULL);
	host_send(&f, c, VIOS_RESET, VIOS_TOKEN_NONE, VIOS_TOKEN_NONE, NULL);
	host_send(&f, c, VIOS_FIN, 0x11111111U, H1, NULL);
	/* A DATA header promising 1000 bytes, then only 10 of them. */
	put(&f, c->fd, partial, sizeof(partial));
	TL_ASSERT_LOG(tl_wait_for(unread_cond, &c->fd, TL_TIMEOUT_MS) == 0,
	    f.log);
	ck_assert_int_eq(tl_readable(c->fd, QUIET_MS), 0);

	/* Had the partial frame survived, it would swallow the SYNACK. */
	cl = client(&f);
	g = establish(&f, c, H2, true, true);
	roundtrip(&f, c, cl, g, H2);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* --- channels ------------------------------------------------------------ */

/* Regular files, directories and FIFOs in host_dir are never opened. */
START_TEST(t_ignores_files)
{
	struct gfix	 f;
	struct hchan	*c;
	struct timespec	 ts[2];
	struct stat	 before, after;
	char		 file[PATH_MAX], sub[PATH_MAX], fifo[PATH_MAX];
	char		 buf[64], ev[4096];
	uint32_t	 g;
	int		 fd, in, cl;

	fix_init(&f);
	snprintf(file, sizeof(file), "%s/vios-file", f.hostdir);
	snprintf(sub, sizeof(sub), "%s/vios-dir", f.hostdir);
	snprintf(fifo, sizeof(fifo), "%s/vios-fifo", f.hostdir);
	ck_assert_int_ge(fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC,
	    0644), 0);
	ck_assert_int_eq(write(fd, "precious\n", 9), 9);
	close(fd);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	/* atime before mtime: under relatime any read would move it. */
	ts[0].tv_sec = time(NULL) - 2 * 86400;
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = time(NULL) - 86400;
	ts[1].tv_nsec = 0;
	ck_assert_int_eq(utimensat(AT_FDCWD, file, ts, 0), 0);
	ck_assert_int_eq(stat(file, &before), 0);
	ck_assert_int_ge(in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), 0);
	ck_assert_int_ge(inotify_add_watch(in, file, IN_OPEN | IN_ACCESS), 0);
	ck_assert_int_ge(inotify_add_watch(in, fifo, IN_OPEN | IN_ACCESS), 0);
	ck_assert_int_ge(inotify_add_watch(in, sub, IN_OPEN | IN_ACCESS |
	    IN_ONLYDIR), 0);
	c = hc_new(&f, "vios0");

	fix_spawn(&f, NULL);
	hc_accept(&f, c, TL_TIMEOUT_MS);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);
	/* Look again: an attribute change and a SIGHUP rescan. */
	ck_assert_int_eq(chmod(file, 0600), 0);
	ck_assert_int_eq(chmod(fifo, 0600), 0);
	ck_assert_int_eq(tl_kill(f.pid, SIGHUP), 0);
	wait_log(&f, "SIGHUP: rescanning");
	roundtrip(&f, c, cl, g, H1);
	roundtrip(&f, c, cl, g, H1);

	ck_assert(!proc_has_open(f.pid, file));
	ck_assert(!proc_has_open(f.pid, fifo));
	ck_assert(!proc_has_open(f.pid, sub));
	ck_assert_int_eq(read(in, ev, sizeof(ev)), -1);
	ck_assert_int_eq(errno, EAGAIN);
	close(in);
	ck_assert(!log_has(f.log, "vios-file: channel"));
	ck_assert(!log_has(f.log, "vios-dir: channel"));
	ck_assert(!log_has(f.log, "vios-fifo: channel"));
	ck_assert_int_eq(stat(file, &after), 0);
	ck_assert(after.st_atim.tv_sec == before.st_atim.tv_sec &&
	    after.st_atim.tv_nsec == before.st_atim.tv_nsec);
	ck_assert(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
	ck_assert_int_eq(after.st_size, 9);
	ck_assert_int_ge(fd = open(file, O_RDONLY | O_CLOEXEC), 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 9);
	ck_assert_mem_eq(buf, "precious\n", 9);
	close(fd);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* --match: another agent's port is never connected to. */
START_TEST(t_match)
{
	static const char *const opts[] = { "--match", "vios.*", NULL };
	struct gfix	 f;
	struct hchan	*c, *agent;
	char		 p[PATH_MAX];
	uint32_t	 g;
	int		 cl;

	fix_init(&f);
	agent = hc_new(&f, "org.qemu.guest_agent.0");
	c = hc_new(&f, "vios.ch0");
	fix_spawn(&f, opts);
	hc_accept(&f, c, TL_TIMEOUT_MS);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);
	snprintf(p, sizeof(p), "%s/org.qemu.guest_agent.0", f.hostdir);
	ck_assert_int_eq(chmod(p, 0700), 0);
	ck_assert_int_eq(tl_kill(f.pid, SIGHUP), 0);
	wait_log(&f, "SIGHUP: rescanning");
	roundtrip(&f, c, cl, g, H1);
	roundtrip(&f, c, cl, g, H1);

	ck_assert_int_eq(tl_set_nonblock(agent->lfd, 1), 0);
	ck_assert_int_eq(accept(agent->lfd, NULL, NULL), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert(!log_has(f.log, "org.qemu.guest_agent.0: channel"));
	close(cl);
	fix_stop(&f);
}
END_TEST

/* Without --match, other agents' well-known ports are never opened. */
START_TEST(t_default_match)
{
	struct gfix	 f;
	struct hchan	*c, *agent, *spice;
	uint32_t	 g;
	int		 cl;

	fix_init(&f);
	agent = hc_new(&f, "org.qemu.guest_agent.0");
	spice = hc_new(&f, "com.redhat.spice.0");
	c = hc_new(&f, "vios0");
	fix_spawn(&f, NULL);
	hc_accept(&f, c, TL_TIMEOUT_MS);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);
	ck_assert_int_eq(tl_kill(f.pid, SIGUSR1), 0);
	wait_log(&f, "clients waiting");
	ck_assert_int_eq(tl_set_nonblock(agent->lfd, 1), 0);
	ck_assert_int_eq(accept(agent->lfd, NULL, NULL), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(tl_set_nonblock(spice->lfd, 1), 0);
	ck_assert_int_eq(accept(spice->lfd, NULL, NULL), -1);
	ck_assert_int_eq(errno, EAGAIN);
	TL_ASSERT_LOG(!log_has(f.log, "org.qemu"), f.log);
	TL_ASSERT_LOG(!log_has(f.log, "com.redhat"), f.log);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* A channel created at run time is connected and used. */
START_TEST(t_chan_added)
{
	struct gfix	 f;
	struct hchan	*c0, *c1;
	uint32_t	 g0, g1;
	int64_t		 t0;
	int		 cl0, cl1;

	fix_init(&f);
	c0 = hc_new(&f, "vios0");
	fix_spawn(&f, NULL);
	hc_accept(&f, c0, TL_TIMEOUT_MS);
	cl0 = client(&f);
	g0 = establish(&f, c0, H1, true, true);

	t0 = tl_now_ms();
	c1 = hc_new(&f, "vios1");
	hc_accept(&f, c1, ADD_MS);
	fprintf(stderr, "channel added at run time: connected after %d ms\n",
	    (int)(tl_now_ms() - t0));
	/* vios0 is busy: the next client can only go through vios1. */
	cl1 = client(&f);
	g1 = establish(&f, c1, H2, true, true);
	roundtrip(&f, c1, cl1, g1, H2);
	roundtrip(&f, c0, cl0, g0, H1);
	close(cl0);
	close(cl1);
	fix_stop(&f);
}
END_TEST

/* A channel removed at run time is dropped, with its client. */
START_TEST(t_chan_removed)
{
	struct gfix	 f;
	struct hchan	*c, *c2;
	struct frame_hdr h;
	uint32_t	 g;
	int		 cl, ms;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);
	ck_assert_int_eq(unlink(c->path), 0);
	ms = expect_eof(&f, cl, CLOSE_MS);
	fprintf(stderr, "channel removed: client closed after %d ms\n", ms);
	close(cl);
	/* The daemon hung up: no RESET (the channel is gone), then EOF. */
	TL_ASSERT_LOG(tl_recv_frame(&c->fr, &h, NULL, 0, CLOSE_MS) == -1 &&
	    errno == ENODATA, f.log);

	/* No channel: a client waits; a new one under the name serves it. */
	cl = client(&f);
	ck_assert_int_eq(tl_readable(cl, QUIET_MS), 0);
	c2 = hc_new(&f, "vios0");
	hc_accept(&f, c2, ADD_MS);
	g = establish(&f, c2, H2, true, true);
	roundtrip(&f, c2, cl, g, H2);
	close(cl);
	fix_stop(&f);
}
END_TEST

/*
 * inotify reports a channel's removal after its name holds a channel again
 * (udev replacing a link, a rename away and back): the late REMOVE must
 * leave the live channel and its client alone.  The daemon is stopped
 * while the name goes and comes back, so it reads both events in one
 * batch; a channel added meanwhile, later in the same inotify queue, is
 * the sign that the batch has been handled.
 */
START_TEST(t_late_remove)
{
	struct gfix	 f;
	struct hchan	*c, *c1;
	char		 away[PATH_MAX];
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);

	snprintf(away, sizeof(away), "%s/.vios0", f.hostdir);
	ck_assert_int_eq(tl_stop(f.pid), 0);
	ck_assert_int_eq(rename(c->path, away), 0);
	ck_assert_int_eq(rename(away, c->path), 0);
	c1 = hc_new(&f, "vios1");
	ck_assert_int_eq(tl_kill(f.pid, SIGCONT), 0);
	hc_accept(&f, c1, TL_TIMEOUT_MS);

	TL_ASSERT_LOG(!log_has(f.log, "channel removed"), f.log);
	roundtrip(&f, c, cl, g, H1);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* The host side hangs up: the client is closed, the channel reconnected. */
START_TEST(t_host_gone)
{
	struct gfix	 f;
	struct hchan	*c;
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);
	hc_hangup(c);
	expect_eof(&f, cl, CLOSE_MS);
	close(cl);
	hc_accept(&f, c, ADD_MS);
	cl = client(&f);
	g = establish(&f, c, H2, true, true);
	roundtrip(&f, c, cl, g, H2);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* host_dir removed and made again: sessions end, channels come back. */
START_TEST(t_hostdir_gone)
{
	struct gfix	 f;
	struct hchan	*c, *c2;
	struct frame_hdr h;
	uint32_t	 g;
	int		 cl;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);
	ck_assert_int_eq(tl_rmtree(f.hostdir), 0);
	expect_eof(&f, cl, CLOSE_MS);
	close(cl);
	TL_ASSERT_LOG(tl_recv_frame(&c->fr, &h, NULL, 0, CLOSE_MS) == -1 &&
	    errno == ENODATA, f.log);
	/*
	 * QEMU closes its sockets as it goes.  Until then they pin the
	 * directory's dentry and the kernel does not report it deleted.
	 */
	close(c->lfd);
	c->lfd = -1;
	hc_hangup(c);
	wait_log(&f, "vanished");

	ck_assert_int_eq(mkdir(f.hostdir, 0755), 0);
	c2 = hc_new(&f, "vios0");
	hc_accept(&f, c2, ADD_MS);
	cl = client(&f);
	g = establish(&f, c2, H2, true, true);
	roundtrip(&f, c2, cl, g, H2);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* --- CPU while nothing happens ------------------------------------------- */

/*
 * A character-device port without its host reads EOF and polls HUP for as
 * long as the host stays away (VIRTIO-SERIAL.md).  A pty slave whose
 * master closed does the same, with no root: the daemon must wait for the
 * host's return without spinning, and keep the client waiting.
 */
START_TEST(t_host_absent_cpu)
{
	struct gfix	 f;
	char		 link[PATH_MAX], *pts;
	long		 cpu0, cpu1;
	int		 m, cl;

	fix_init(&f);
	ck_assert_int_ge(m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), 0);
	ck_assert_int_eq(grantpt(m), 0);
	ck_assert_int_eq(unlockpt(m), 0);
	ck_assert_ptr_nonnull(pts = ptsname(m));
	snprintf(link, sizeof(link), "%s/vios0", f.hostdir);
	ck_assert_int_eq(symlink(pts, link), 0);
	fix_spawn(&f, NULL);
	wait_log(&f, "vios0: channel open");
	close(m);
	wait_log(&f, "vios0: host side absent");
	cl = client(&f);
	ck_assert_int_ge(cpu0 = tl_proc_cpu_ms(f.pid), 0);
	/* Waiting is the measurement; the client must stay unanswered. */
	ck_assert_int_eq(tl_readable(cl, CPU_WINDOW_MS), 0);
	ck_assert_int_ge(cpu1 = tl_proc_cpu_ms(f.pid), 0);
	fprintf(stderr, "host-absent port: %ld ms CPU in %d ms\n",
	    cpu1 - cpu0, CPU_WINDOW_MS);
	ck_assert_int_lt(cpu1 - cpu0, CPU_MAX_MS);
	close(cl);
	fix_stop(&f);
}
END_TEST

/* A connected channel whose host never speaks: no CPU, nothing sent. */
START_TEST(t_idle_cpu_connected)
{
	struct gfix	 f;
	struct hchan	*c;
	long		 cpu0, cpu1;

	c = fix_start(&f, NULL);
	wait_log(&f, "vios0: channel open");
	ck_assert_int_ge(cpu0 = tl_proc_cpu_ms(f.pid), 0);
	/* Waiting is the measurement; the channel must stay silent. */
	ck_assert_int_eq(tl_readable(c->fd, CPU_WINDOW_MS), 0);
	ck_assert_int_ge(cpu1 = tl_proc_cpu_ms(f.pid), 0);
	fprintf(stderr, "idle connected channel: %ld ms CPU in %d ms\n",
	    cpu1 - cpu0, CPU_WINDOW_MS);
	ck_assert_int_lt(cpu1 - cpu0, CPU_MAX_MS);
	fix_stop(&f);
}
END_TEST

/*
 * Host sides that are there and not: one listener closes each connection
 * at once, another socket has no listener at all.  The back-off must keep
 * the daemon from spinning on either, and it must not give up.
 */
START_TEST(t_idle_cpu_flapping)
{
	struct sockaddr_un	 sun;
	struct gfix		 f;
	struct hchan		*c;
	char			 p[PATH_MAX];
	int64_t			 deadline;
	long			 cpu0, cpu1;
	uint32_t		 g;
	int			 fd, n = 0, cl;

	fix_init(&f);
	snprintf(p, sizeof(p), "%s/vios-stale", f.hostdir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(p), sizeof(sun.sun_path));
	memcpy(sun.sun_path, p, strlen(p));
	ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);			/* the path stays: ECONNREFUSED */
	c = hc_new(&f, "vios0");
	fix_spawn(&f, NULL);
	hc_accept(&f, c, TL_TIMEOUT_MS);
	hc_hangup(c);
	ck_assert_int_ge(cpu0 = tl_proc_cpu_ms(f.pid), 0);
	deadline = tl_now_ms() + CPU_WINDOW_MS;
	while (tl_now_ms() < deadline) {
		if ((fd = tl_accept(c->lfd, (int)(deadline - tl_now_ms()))) < 0)
			continue;
		n++;
		close(fd);
	}
	ck_assert_int_ge(cpu1 = tl_proc_cpu_ms(f.pid), 0);
	fprintf(stderr, "flapping channel: %d reconnects, %ld ms CPU in %d "
	    "ms\n", n, cpu1 - cpu0, CPU_WINDOW_MS);
	ck_assert_int_lt(cpu1 - cpu0, CPU_MAX_MS);
	ck_assert_int_ge(n, 1);
	ck_assert_int_le(n, CPU_WINDOW_MS / VIOS_BACKOFF_MIN_MS + 2);

	/* Once the host stays, the channel works. */
	hc_accept(&f, c, TL_TIMEOUT_MS);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);
	close(cl);
	fix_stop(&f);
}
END_TEST

/*
 * EMFILE on accept: the listener pauses instead of spinning, and serves
 * the waiting client once a descriptor is free.  The daemon's limit is
 * cut (prlimit) to its lowest free descriptor number.
 */
START_TEST(t_emfile_pause)
{
	struct gfix	 f;
	struct hchan	*c;
	struct rlimit	 rl;
	long		 cpu0, cpu1;
	uint32_t	 g1, g2;
	int		 cl1, cl2, lowest;

	c = fix_start(&f, NULL);
	cl1 = client(&f);
	g1 = establish(&f, c, H1, true, true);
	ck_assert_int_gt(lowest = proc_lowest_free_fd(f.pid), 2);
	rl.rlim_cur = rl.rlim_max = (rlim_t)lowest;
	ck_assert_int_eq(prlimit(f.pid, RLIMIT_NOFILE, &rl, NULL), 0);

	cl2 = client(&f);
	wait_log(&f, "pausing");
	ck_assert_int_ge(cpu0 = tl_proc_cpu_ms(f.pid), 0);
	ck_assert_int_eq(tl_readable(c->fd, EMFILE_WINDOW_MS), 0);
	ck_assert_int_ge(cpu1 = tl_proc_cpu_ms(f.pid), 0);
	fprintf(stderr, "accept at EMFILE: %ld ms CPU in %d ms\n",
	    cpu1 - cpu0, EMFILE_WINDOW_MS);
	ck_assert_int_lt(cpu1 - cpu0, CPU_MAX_MS);
	roundtrip(&f, c, cl1, g1, H1);

	host_send(&f, c, VIOS_RESET, g1, H1, NULL);
	expect_eof(&f, cl1, CLOSE_MS);
	TL_ASSERT_LOG(tl_readable(c->fd, EMFILE_SERVE_MS) == 1, f.log);
	g2 = establish(&f, c, H2, false, true);
	roundtrip(&f, c, cl2, g2, H2);
	close(cl1);
	close(cl2);
	fix_stop(&f);
}
END_TEST

/* --- signals ------------------------------------------------------------- */

/* SIGTERM: RESET the session, EOF on the channel, client closed, exit 0. */
START_TEST(t_sigterm)
{
	struct gfix	 f;
	struct hchan	*c;
	struct frame_hdr h;
	uint32_t	 g;
	int		 cl, st;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);
	ck_assert_int_eq(tl_kill(f.pid, SIGTERM), 0);
	expect_frame(&f, c, VIOS_RESET, g, H1);
	TL_ASSERT_LOG(tl_recv_frame(&c->fr, &h, NULL, 0, TL_TIMEOUT_MS) ==
	    -1 && errno == ENODATA, f.log);
	expect_eof(&f, cl, CLOSE_MS);
	hc_hangup(c);			/* QEMU closes on EOF */
	TL_ASSERT_LOG(tl_waitpid_timeout(f.pid, TL_TIMEOUT_MS, &st) == 0,
	    f.log);
	TL_ASSERT_LOG(WIFEXITED(st) && WEXITSTATUS(st) == 0, f.log);
	ck_assert_int_eq(tl_tcp_connect(f.port, 0), -1);
	close(cl);
	close(c->lfd);
	free(c);
	ck_assert_int_eq(tl_rmtree(f.dir), 0);
}
END_TEST

/* SIGTERM mid-handshake: clients closed, nothing sent but EOF, exit 0. */
START_TEST(t_sigterm_handshake)
{
	struct gfix	 f;
	struct hchan	*c;
	struct frame_hdr h;
	uint32_t	 g;
	int		 cl1, cl2, st;

	c = fix_start(&f, NULL);
	cl1 = client(&f);
	g = expect_syn(&f, c, true);
	cl2 = client(&f);
	wait_log(&f, "client waits");
	ck_assert_int_eq(tl_kill(f.pid, SIGTERM), 0);
	/* The host learns the attempt is off: RESET(G, unknown H), then EOF. */
	next_frame(&f, c, &h, NULL, 0);
	if (h.ctrl != VIOS_RESET || h.gtok != g ||
	    h.htok != VIOS_TOKEN_UNKNOWN)
		frame_mismatch(&f, "RESET(G, unknown H) at exit", &h);
	TL_ASSERT_LOG(tl_recv_frame(&c->fr, &h, NULL, 0, TL_TIMEOUT_MS) ==
	    -1 && errno == ENODATA, f.log);
	expect_eof(&f, cl1, CLOSE_MS);
	expect_eof(&f, cl2, CLOSE_MS);
	hc_hangup(c);
	TL_ASSERT_LOG(tl_waitpid_timeout(f.pid, TL_TIMEOUT_MS, &st) == 0,
	    f.log);
	TL_ASSERT_LOG(WIFEXITED(st) && WEXITSTATUS(st) == 0, f.log);
	close(cl1);
	close(cl2);
	close(c->lfd);
	free(c);
	ck_assert_int_eq(tl_rmtree(f.dir), 0);
}
END_TEST

/* The SIGUSR1 dump is written whatever --log-level filters out. */
START_TEST(t_sigusr1_quiet)
{
	struct gfix		 f;
	struct hchan		*c;
	struct tl_spawn_opts	 o = { NULL, NULL, NULL, -1 };
	char			 port[8], want[PATH_MAX];
	const char		*argv[] = { GUEST_PATH, "--log-level", "error",
				    NULL, port, NULL };

	fix_init(&f);
	o.errlog = f.log;
	c = hc_new(&f, "vios0");
	snprintf(port, sizeof(port), "%u", f.port);
	argv[3] = f.hostdir;
	f.pid = tl_spawn_ex((char *const *)argv, &o);
	ck_assert_int_gt(f.pid, 0);
	hc_accept(&f, c, TL_TIMEOUT_MS);
	ck_assert_int_eq(tl_kill(f.pid, SIGUSR1), 0);
	snprintf(want, sizeof(want), "1 channels under %s", f.hostdir);
	wait_log(&f, want);
	TL_ASSERT_LOG(log_has(f.log, "vios0: attached, idle"), f.log);
	fix_stop(&f);
}
END_TEST

/* SIGUSR1: one line per channel and a summary; the daemon goes on. */
START_TEST(t_sigusr1)
{
	struct gfix	 f;
	struct hchan	*c;
	char		 want[PATH_MAX];
	uint32_t	 g;
	int		 cl, cl2;

	c = fix_start(&f, NULL);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	cl2 = client(&f);
	wait_log(&f, "client waits");
	ck_assert_int_eq(tl_kill(f.pid, SIGUSR1), 0);
	snprintf(want, sizeof(want), "vios0: attached, established, session "
	    "%08x/%08x", g, H1);
	wait_log(&f, want);
	snprintf(want, sizeof(want), "1 channels under %s, 1 clients waiting",
	    f.hostdir);
	wait_log(&f, want);
	roundtrip(&f, c, cl, g, H1);
	close(cl);
	close(cl2);
	fix_stop(&f);
}
END_TEST

/*
 * SIGHUP rescans host_dir.  A udev-style symlink whose target appears
 * elsewhere changes nothing inotify sees in host_dir: only the rescan
 * can find the channel.
 */
START_TEST(t_sighup)
{
	struct gfix	 f;
	struct hchan	*c, *t;
	char		 target[PATH_MAX], link[PATH_MAX];
	uint32_t	 g, g2;
	int		 cl, cl2;

	fix_init(&f);
	snprintf(target, sizeof(target), "%s/target.sock", f.dir);
	snprintf(link, sizeof(link), "%s/vios1", f.hostdir);
	ck_assert_int_eq(symlink(target, link), 0);
	c = hc_new(&f, "vios0");
	fix_spawn(&f, NULL);
	hc_accept(&f, c, TL_TIMEOUT_MS);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);	/* the initial scan is over */

	t = hc_listen_at(&f, target);
	ck_assert_int_eq(tl_readable(t->lfd, QUIET_MS), 0);
	ck_assert_int_eq(tl_kill(f.pid, SIGHUP), 0);
	hc_accept(&f, t, ADD_MS);
	cl2 = client(&f);
	g2 = establish(&f, t, H2, true, true);
	roundtrip(&f, t, cl2, g2, H2);
	roundtrip(&f, c, cl, g, H1);
	close(cl);
	close(cl2);
	fix_stop(&f);
}
END_TEST

/* --- command line --------------------------------------------------------- */

/* Run the daemon with args; returns its exit status, fills out and err. */
static int
run_cmd(struct gfix *f, const char *const *args, char *out, size_t outlen,
    char *err, size_t errlen)
{
	const char		*argv[MAX_ARGS];
	struct tl_spawn_opts	 o = { NULL, NULL, NULL, -1 };
	char			 errlog[PATH_MAX];
	ssize_t			 n;
	pid_t			 pid;
	int			 i = 0, outfd, fd, st;

	snprintf(errlog, sizeof(errlog), "%s/stderr", f->dir);
	unlink(errlog);
	o.stdout_fd = &outfd;
	o.errlog = errlog;
	argv[i++] = GUEST_PATH;
	while (*args != NULL && i < MAX_ARGS - 1)
		argv[i++] = *args++;
	argv[i] = NULL;
	ck_assert_int_gt(pid = tl_spawn_ex((char *const *)argv, &o), 0);
	n = tl_read_until_eof(outfd, out, outlen - 1, TL_TIMEOUT_MS);
	ck_assert_int_ge(n, 0);
	out[n] = '\0';
	close(outfd);
	ck_assert_int_eq(tl_waitpid_timeout(pid, TL_TIMEOUT_MS, &st), 0);
	ck_assert_int_ge(fd = open(errlog, O_RDONLY | O_CLOEXEC), 0);
	n = tl_read_until_eof(fd, err, errlen - 1, TL_TIMEOUT_MS);
	ck_assert_int_ge(n, 0);
	err[n] = '\0';
	close(fd);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static size_t
count_lines(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* Each bad value: exit 1, exactly one line on stderr, nothing on stdout. */
START_TEST(t_cmdline_bad)
{
	struct gfix	 f;
	char		 port[8], file[PATH_MAX], missing[PATH_MAX];
	char		 out[4096], err[4096];
	const char	*cases[][6] = {
		{ "--wait-timeout", "0", NULL },
		{ "--wait-timeout", "soon", NULL },
		{ "--wait-timeout", NULL },
		{ "--handshake-timeout", "-1s", NULL },
		{ "--handshake-timeout", "", NULL },
		{ "--handshake-timeout", "99999999999999999999ms", NULL },
		{ "--listen-addr", "not-an-address", NULL },
		{ "--listen-addr", "[::1]:5672", NULL },
		{ "--port", "0", NULL },
		{ "--port", "65536", NULL },
		{ "--log-level", "LOUD", NULL },
		{ "--match", "", NULL },
		{ "--match", "a/b", NULL },
		{ "--frobnicate", NULL },
		{ "-x", NULL },
		{ "--help=yes", NULL },
		{ "--version=2", NULL },
	};
	const char	*args[MAX_ARGS];
	size_t		 i, j, k;
	int		 rc;

	fix_init(&f);
	snprintf(port, sizeof(port), "%u", f.port);
	snprintf(file, sizeof(file), "%s/file", f.dir);
	snprintf(missing, sizeof(missing), "%s/missing", f.dir);
	ck_assert_int_ge(rc = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644),
	    0);
	close(rc);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = 0;
		for (j = 0; cases[i][j] != NULL; j++)
			args[k++] = cases[i][j];
		/* Valid positionals, unless the case ate them as a value. */
		args[k++] = f.hostdir;
		args[k++] = port;
		args[k] = NULL;
		rc = run_cmd(&f, args, out, sizeof(out), err, sizeof(err));
		ck_assert_msg(rc == 1 && count_lines(err) == 1 &&
		    err[strlen(err) - 1] == '\n' && out[0] == '\0',
		    "%s: exit %d, stderr '%s', stdout '%s'", cases[i][0], rc,
		    err, out);
	}
	/* A flag given a value is named as given (it was once "-h"). */
	args[0] = "--help=yes";
	args[1] = NULL;
	ck_assert_int_eq(run_cmd(&f, args, out, sizeof(out), err,
	    sizeof(err)), 1);
	ck_assert_ptr_nonnull(strstr(err,
	    "option '--help' does not take an argument"));
	args[0] = "--version=2";
	ck_assert_int_eq(run_cmd(&f, args, out, sizeof(out), err,
	    sizeof(err)), 1);
	ck_assert_ptr_nonnull(strstr(err,
	    "option '--version' does not take an argument"));
	/* Positionals: bad, too many, not a directory; a value missing. */
	{
		const char *const pos[][5] = {
			{ f.hostdir, "70000", NULL },
			{ f.hostdir, port, "debug", "extra", NULL },
			{ f.hostdir, port, "chatty", NULL },
			{ missing, port, NULL },
			{ file, port, NULL },
			{ "", port, NULL },
			{ f.hostdir, port, "--wait-timeout", NULL },
		};

		for (i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
			rc = run_cmd(&f, pos[i], out, sizeof(out), err,
			    sizeof(err));
			ck_assert_msg(rc == 1 && count_lines(err) == 1 &&
			    out[0] == '\0', "positionals %zu: exit %d, "
			    "stderr '%s'", i, rc, err);
		}
	}
	ck_assert_int_eq(tl_rmtree(f.dir), 0);
}
END_TEST

/* --help and --version: exit 0, stdout only; a busy port: exit 1. */
START_TEST(t_cmdline_ok)
{
	static const char *const help[] = { "--help", NULL };
	static const char *const version[] = { "--version", NULL };
	struct gfix	 f;
	char		 out[8192], err[4096], port[8], want[PATH_MAX];
	const char	*busy[4];
	uint16_t	 p;
	int		 lfd;

	fix_init(&f);
	ck_assert_int_eq(run_cmd(&f, help, out, sizeof(out), err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(out, "Usage: vios-proxy-guest"));
	ck_assert_ptr_nonnull(strstr(out, "--wait-timeout"));
	ck_assert_ptr_nonnull(strstr(out, "--handshake-timeout"));
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(run_cmd(&f, version, out, sizeof(out), err,
	    sizeof(err)), 0);
	snprintf(want, sizeof(want), "vios-proxy-guest %s\n", PACKAGE_VERSION);
	ck_assert_str_eq(out, want);
	ck_assert_str_eq(err, "");

	ck_assert_int_ge(lfd = tl_tcp_listen(&p), 0);
	snprintf(port, sizeof(port), "%u", p);
	busy[0] = f.hostdir;
	busy[1] = port;
	busy[2] = NULL;
	ck_assert_int_eq(run_cmd(&f, busy, out, sizeof(out), err,
	    sizeof(err)), 1);
	ck_assert_ptr_nonnull(strstr(err, "cannot listen"));
	close(lfd);
	ck_assert_int_eq(tl_rmtree(f.dir), 0);
}
END_TEST

/* Uid of a running process, from /proc. */
static long
proc_uid(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*fp;
	long	 uid = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "Uid: %ld", &uid) == 1)
			break;
	fclose(fp);
	return uid;
}

/*
 * --user: the daemon runs as the user and still serves the channel it
 * opened before dropping root.  Started as root it becomes nobody; not as
 * root, --user naming ourselves is accepted and changes nothing.
 */
START_TEST(t_user)
{
	struct gfix	 f;
	struct hchan	*c;
	struct passwd	*pw;
	const char	*opts[] = { "--user", NULL, NULL };
	uint32_t	 g;
	uid_t		 want;
	int		 cl;

	if (geteuid() == 0) {
		ck_assert_ptr_nonnull(pw = getpwnam("nobody"));
	} else
		ck_assert_ptr_nonnull(pw = getpwuid(geteuid()));
	want = pw->pw_uid;
	opts[1] = pw->pw_name;
	c = fix_start(&f, opts);
	cl = client(&f);
	g = establish(&f, c, H1, true, true);
	roundtrip(&f, c, cl, g, H1);
	TL_ASSERT_LOG(proc_uid(f.pid) == (long)want, f.log);
	close(cl);
	fix_stop(&f);
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("guest");

	tcase_add_test(checkmain_tcase(s, "tokens_fresh"), t_tokens_fresh);
	tcase_add_test(checkmain_tcase(s, "tokens_two_daemons"),
	    t_tokens_two_daemons);
	tcase_add_test(checkmain_tcase(s, "preamble_syn"), t_preamble_syn);
	tcase_add_test(checkmain_tcase(s, "handshake_data"), t_handshake_data);
	tcase_add_test(checkmain_tcase(s, "backpressure"), t_backpressure);
	tcase_add_test(checkmain_tcase(s, "refused"), t_refused);
	tcase_add_test(checkmain_tcase(s, "foreign_ignored"),
	    t_foreign_ignored);
	tcase_add_test(checkmain_tcase(s, "foreign_reset_resend"),
	    t_foreign_reset_resend);
	tcase_add_test(checkmain_tcase(s, "busy_waits"), t_busy_waits);
	tcase_add_test(checkmain_tcase(s, "waiters"), t_waiters);
	tcase_add_test(checkmain_tcase(s, "wait_timeout"), t_wait_timeout);
	tcase_add_test(checkmain_tcase(s, "fin_half_close"), t_fin_half_close);
	tcase_add_test(checkmain_tcase(s, "fin_host_first"),
	    t_fin_host_first);
	tcase_add_test(checkmain_tcase(s, "fin_before_synack"),
	    t_fin_before_synack);
	tcase_add_test(checkmain_tcase(s, "no_fin_old_host"),
	    t_no_fin_old_host);
	tcase_add_test(checkmain_tcase(s, "client_rst"), t_client_rst);
	tcase_add_test(checkmain_tcase(s, "client_rst_handshake"),
	    t_client_rst_handshake);
	tcase_add_test(checkmain_tcase(s, "established_errors"),
	    t_established_errors);
	tcase_add_test(checkmain_tcase(s, "handshake_timeout"),
	    t_handshake_timeout);
	tcase_add_test(checkmain_tcase(s, "requeue_same"), t_requeue_same);
	tcase_add_test(checkmain_tcase(s, "requeue_other"), t_requeue_other);
	tcase_add_test(checkmain_tcase(s, "requeue_timeout"),
	    t_requeue_timeout);
	tcase_add_test(checkmain_tcase(s, "requeue_waited"), t_requeue_waited);
	tcase_add_test(checkmain_tcase(s, "stale_idle"), t_stale_idle);
	tcase_add_test(checkmain_tcase(s, "ignores_files"), t_ignores_files);
	tcase_add_test(checkmain_tcase(s, "match"), t_match);
	tcase_add_test(checkmain_tcase(s, "default_match"), t_default_match);
	tcase_add_test(checkmain_tcase(s, "chan_added"), t_chan_added);
	tcase_add_test(checkmain_tcase(s, "chan_removed"), t_chan_removed);
	tcase_add_test(checkmain_tcase(s, "late_remove"), t_late_remove);
	tcase_add_test(checkmain_tcase(s, "host_gone"), t_host_gone);
	tcase_add_test(checkmain_tcase(s, "hostdir_gone"), t_hostdir_gone);
	tcase_add_test(checkmain_tcase(s, "host_absent_cpu"), t_host_absent_cpu);
	tcase_add_test(checkmain_tcase(s, "idle_cpu_connected"),
	    t_idle_cpu_connected);
	tcase_add_test(checkmain_tcase(s, "idle_cpu_flapping"),
	    t_idle_cpu_flapping);
	tcase_add_test(checkmain_tcase(s, "emfile_pause"), t_emfile_pause);
	tcase_add_test(checkmain_tcase(s, "sigterm"), t_sigterm);
	tcase_add_test(checkmain_tcase(s, "sigterm_handshake"),
	    t_sigterm_handshake);
	tcase_add_test(checkmain_tcase(s, "sigusr1"), t_sigusr1);
	tcase_add_test(checkmain_tcase(s, "sigusr1_quiet"), t_sigusr1_quiet);
	tcase_add_test(checkmain_tcase(s, "sighup"), t_sighup);
	tcase_add_test(checkmain_tcase(s, "cmdline_bad"), t_cmdline_bad);
	tcase_add_test(checkmain_tcase(s, "cmdline_ok"), t_cmdline_ok);
	tcase_add_test(checkmain_tcase(s, "user"), t_user);
	return s;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_host.c: the acceptance test of vios-proxy-host.  Each case starts
 * the real daemon on a fresh temporary guest_dir, QEMU stand-ins for its
 * guests and a loopback service: testlib's echo server, or a listening
 * socket the case accepts on itself when it must watch or steer the
 * service's side.  The case plays the guest: it connects to a stand-in's
 * guest-side socket (what /dev/virtio-ports/NAME is in a VM) and speaks
 * frames.  Every wait has a deadline; the fixture owns every process and
 * guest connection of a case, and children die with the case.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkmain.h"
#include "frame.h"
#include "testlib.h"
#include "util.h"
#include "token.h"
#include "vios.h"

#ifndef STANDIN_PATH
#error "STANDIN_PATH must name the built stand-in"
#endif
#ifndef HOST_PATH
#error "HOST_PATH must name the built host daemon"
#endif

#define TMP_MAX_LEN	200		/* a temporary directory's path */
#define NAME_LEN	16		/* a guest or channel name */
#define SI_MAX		24		/* stand-ins per case */
#define CH_MAX		8		/* channels per stand-in */
#define GS_MAX		128		/* guest connections per case */
#define CAPS_FIN	"VIOSX1 fin"	/* what our guest offers */

/* Bounds.  "Promptly" is QUICK_MS; sanitizer builds get the same. */
#define QUICK_MS	2000		/* refusal, hot-plug and restart pick-up */
#define STALL_MS	5000		/* no frame for this long is a stall */
#define EXIT_MS		5000		/* SIGTERM to exit */
#define DRAIN_CUT_MS	5000		/* exit drain cut off (protocol.md 8) */
#define QUIET_MS	200		/* "takes nothing more" is judged in ms */
#define FILL_MAX	(256u << 20)	/* fill(): far beyond every buffer */
#define WRITER_MS	60000		/* a writer child: one write may block */
#define BULK_BYTES	(16u << 20)	/* upload, download */
#define DUPLEX_BYTES	(8u << 20)	/* each way at once */
#define BULK_MS		25000		/* one bulk transfer, start to end */
#define ACK_TIMEOUT	"300ms"		/* --ack-timeout, --connect-timeout */
#define ACK_MS		300		/* ... the same in ms */
#define TIMER_SLACK_MS	10		/* a daemon timer may fire this early */
#define NGUESTS		20
#define NCHANS		4
#define MANY_BASE	20000		/* bytes echoed per session, plus ... */
#define MANY_STEP	997		/* ... this many times its index */
#define GARBAGE_BYTES	(64u << 20)	/* flooded by the noisy guest */
#define GARBAGE_BLOCK	(64 * 1024)
#define RTT_COUNT	50		/* round trips of the quiet guest */
#define SMALL_PAYLOAD	256		/* DATA to a stalled service, bytes */
#define RTT_BYTES	1024
#define RTT_MAX_MS	1000		/* one round trip while others flood */
#define NOISY_MIN_MS	1000		/* the noisy phase lasts at least */
#define NOISY_MS	90000		/* ... and at most */
#ifdef __SANITIZE_ADDRESS__
/*
 * ASan's shadow memory and free quarantine are not the daemon's buffers:
 * the noisy case caps the quarantine (ASAN_QUARANTINE) and allows for
 * the shadow.
 */
#define RSS_MAX_KB	(128 * 1024)
#define SMALL_RSS_KB	(128 * 1024)
#define ASAN_QUARANTINE	"quarantine_size_mb=16"
#else
#define RSS_MAX_KB	(64 * 1024)
#define SMALL_RSS_KB	(32 * 1024)	/* small frames for a stalled service */
#endif

#define HOST_ASSERT(f, cond)	TL_ASSERT_LOG(cond, (f)->log)

struct sin {
	pid_t	 pid;
	int	 in;			/* its stdin: commands */
	int	 out;			/* its stdout: replies */
};

struct gs;

struct fix {
	char		 dir[TMP_MAX_LEN];
	char		 root[TMP_MAX_LEN + 16];	/* the daemon's guest_dir */
	char		 log[TMP_MAX_LEN + 16];		/* the daemon's stderr */
	char		 silog[TMP_MAX_LEN + 16];	/* the stand-ins' stderr */
	struct sin	 si[SI_MAX];
	struct gs	*gs[GS_MAX];
	int		 ngs;
	pid_t		 host;
	pid_t		 echo;
	int		 lfd;		/* service listener the case accepts on */
	uint16_t	 port;		/* the service port given to the daemon */
};

/* One guest connection: a virtio port opened by the scripted guest. */
struct gs {
	struct fix	*f;
	int		 fd;
	uint32_t	 g;		/* the session's tokens */
	uint32_t	 h;
	struct tl_framer fr;
};

static uint8_t	 payload[VIOS_MAX_PAYLOAD];	/* one frame's payload */

/* --- the daemon's log ---------------------------------------------------- */

static off_t
log_size(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

/* The file from offset from on, NUL-terminated; malloc'd. */
static char *
log_read(const char *path, off_t from)
{
	char	*buf;
	off_t	 size = log_size(path);
	size_t	 len = 0;
	ssize_t	 r;
	int	 fd;

	if (size < from)
		size = from;
	ck_assert_ptr_nonnull(buf = malloc((size_t)(size - from) + 1));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		while (len < (size_t)(size - from) && (r = pread(fd, buf + len,
		    (size_t)(size - from) - len, from + (off_t)len)) > 0)
			len += (size_t)r;
		close(fd);
	}
	buf[len] = '\0';
	return buf;
}

static int
log_count(const char *path, off_t from, const char *needle)
{
	char	*buf, *p;
	int	 n = 0;

	buf = log_read(path, from);
	for (p = buf; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	free(buf);
	return n;
}

struct logwait {
	const char	*path;
	off_t		 from;
	const char	*needle;
	const char	*alt;		/* or this one; may be NULL */
};

static int
log_cond(void *arg)
{
	struct logwait	*w = arg;

	return log_count(w->path, w->from, w->needle) > 0 ||
	    (w->alt != NULL && log_count(w->path, w->from, w->alt) > 0);
}

/* Wait for a daemon log line holding needle (or alt), written after from. */
static void
log_wait2(struct fix *f, off_t from, const char *needle, const char *alt,
    int ms)
{
	struct logwait	 w = { f->log, from, needle, alt };

	if (tl_wait_for(log_cond, &w, ms) == -1) {
		tl_dump_file(f->log, "host log");
		ck_abort_msg("no log line \"%s\" within %d ms", needle, ms);
	}
}

static void
log_wait(struct fix *f, off_t from, const char *needle, int ms)
{
	log_wait2(f, from, needle, NULL, ms);
}

struct dump_arg {
	struct fix	*f;
	struct logwait	 w;
};

/* SIGUSR1 until a dump line holds the needle. */
static int
dump_cond(void *arg)
{
	struct dump_arg	*a = arg;

	if (log_cond(&a->w))
		return 1;
	(void)tl_kill(a->f->host, SIGUSR1);
	return 0;
}

static void
dump_wait(struct fix *f, off_t from, const char *needle)
{
	struct dump_arg	 a = { f, { f->log, from, needle, NULL } };

	if (tl_wait_for(dump_cond, &a, TL_TIMEOUT_MS) == -1) {
		tl_dump_file(f->log, "host log");
		ck_abort_msg("no dump line \"%s\"", needle);
	}
}

/* --- processes ----------------------------------------------------------- */

static void
fix_init(struct fix *f)
{
	char	*dir;
	int	 i;

	memset(f, 0, sizeof(*f));
	ck_assert_ptr_nonnull(dir = tl_tmpdir("host"));
	ck_assert_uint_lt(strlen(dir), TMP_MAX_LEN);
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	free(dir);
	snprintf(f->root, sizeof(f->root), "%s/host", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/host.log", f->dir);
	snprintf(f->silog, sizeof(f->silog), "%s/standin.log", f->dir);
	ck_assert_int_eq(mkdir(f->root, 0755), 0);
	for (i = 0; i < SI_MAX; i++)
		f->si[i].pid = -1;
	f->host = f->echo = -1;
	f->lfd = -1;
}

static void
fix_echo(struct fix *f)
{
	ck_assert_int_gt(f->echo = tl_echo_server(&f->port), 0);
}

/* A service the case accepts on itself. */
static void
fix_listen(struct fix *f)
{
	ck_assert_int_ge(f->lfd = tl_tcp_listen(&f->port), 0);
}

static int
svc_accept(struct fix *f)
{
	int	 fd;

	fd = tl_accept(f->lfd, TL_TIMEOUT_MS);
	HOST_ASSERT(f, fd >= 0);
	return fd;
}

/* The service sees EOF, and nothing before it, within ms. */
static void
svc_expect_eof(struct fix *f, int fd, int ms)
{
	char	 c;

	HOST_ASSERT(f, tl_read_until_eof(fd, &c, 0, ms) == 0);
}

/* Stand-in number i for guest with channels ch0..ch<nch-1>. */
static void
standin_start(struct fix *f, int i, const char *guest, int nch)
{
	struct sin	*s = &f->si[i];

	ck_assert_int_lt(i, SI_MAX);
	ck_assert_int_le(nch, CH_MAX);
	ck_assert_int_eq(s->pid, -1);
	s->pid = tl_standin(f->root, guest, nch, NULL, f->silog, &s->in,
	    &s->out);
	TL_ASSERT_LOG(s->pid > 0, f->silog);
}

/* End stand-in i with sig (SIGTERM removes its sockets, SIGKILL not). */
static void
standin_stop(struct fix *f, int i, int sig)
{
	struct sin	*s = &f->si[i];
	int		 st;

	if (s->pid == -1)
		return;
	ck_assert_int_eq(tl_kill(s->pid, sig), 0);
	TL_ASSERT_LOG(tl_waitpid_timeout(s->pid, TL_TIMEOUT_MS, &st) == 0,
	    f->silog);
	if (sig == SIGTERM)
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(s->in);
	close(s->out);
	s->pid = -1;
}

/* One stand-in command; its reply must be "ok". */
static void
standin_cmd(struct fix *f, int i, const char *cmd)
{
	struct sin	*s = &f->si[i];
	char		 reply[256];

	ck_assert_int_eq(tl_write_full(s->in, cmd, strlen(cmd), TL_TIMEOUT_MS),
	    0);
	ck_assert_int_eq(tl_write_full(s->in, "\n", 1, TL_TIMEOUT_MS), 0);
	TL_ASSERT_LOG(tl_wait_line(s->out, "", TL_TIMEOUT_MS, reply,
	    sizeof(reply)) == 0, f->silog);
	ck_assert_str_eq(reply, "ok");
}

/* Start the daemon with --log-level debug plus extra (NULL-terminated). */
static void
host_start(struct fix *f, const char *const *extra)
{
	const char		*argv[16];
	char			 port[8];
	struct tl_spawn_opts	 o = { NULL, NULL, NULL, -1 };
	off_t			 from = log_size(f->log);
	int			 n = 0;

	snprintf(port, sizeof(port), "%u", (unsigned)f->port);
	argv[n++] = HOST_PATH;
	argv[n++] = "--guest-dir";
	argv[n++] = f->root;
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--log-level";
	argv[n++] = "debug";
	while (extra != NULL && *extra != NULL && n < 15)
		argv[n++] = *extra++;
	argv[n] = NULL;
	o.errlog = f->log;
	f->host = tl_spawn_ex((char *const *)argv, &o);
	ck_assert_int_gt(f->host, 0);
	log_wait(f, from, "started: guests under", TL_TIMEOUT_MS);
}

/*
 * The usual start: a service (the echo service, or a listener the case
 * accepts from), one stand-in for guest g1 with nch channels, the daemon
 * with extra options.
 */
static void
fix_start(struct fix *f, bool echo, int nch, const char *const *extra)
{
	fix_init(f);
	if (echo)
		fix_echo(f);
	else
		fix_listen(f);
	standin_start(f, 0, "g1", nch);
	host_start(f, extra);
}

/* The daemon has connected to GUEST/CHANNEL (label). */
static void
host_wait_open(struct fix *f, const char *label)
{
	char	 needle[64];

	snprintf(needle, sizeof(needle), "%s: channel open", label);
	log_wait(f, 0, needle, TL_TIMEOUT_MS);
}

/* SIGTERM: the daemon exits 0 within limit ms; returns how long it took. */
static int64_t
host_stop_within(struct fix *f, int limit)
{
	int64_t	 t0 = tl_now_ms();
	int	 st;

	if (f->host == -1)
		return 0;
	HOST_ASSERT(f, tl_kill(f->host, SIGTERM) == 0);
	HOST_ASSERT(f, tl_waitpid_timeout(f->host, limit, &st) == 0);
	f->host = -1;
	HOST_ASSERT(f, WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return tl_now_ms() - t0;
}

static int64_t
host_stop(struct fix *f)
{
	return host_stop_within(f, EXIT_MS);
}

static void	gs_close(struct gs *);

/* Daemon first (its exit drains to guests still connected), then the rest. */
static void
fix_done(struct fix *f)
{
	int	 i, st;

	host_stop(f);
	while (f->ngs > 0)
		gs_close(f->gs[f->ngs - 1]);
	for (i = 0; i < SI_MAX; i++)
		standin_stop(f, i, SIGTERM);
	if (f->echo != -1)
		ck_assert_int_eq(tl_terminate(f->echo, TL_TIMEOUT_MS, &st), 0);
	if (f->lfd != -1)
		close(f->lfd);
	ck_assert_int_eq(tl_rmtree(f->dir), 0);
}

/* --- the scripted guest -------------------------------------------------- */

static struct gs *
gs_open(struct fix *f, const char *guest, const char *ch)
{
	char		 path[PATH_MAX];
	struct gs	*s;

	ck_assert_int_lt(f->ngs, GS_MAX);
	ck_assert_ptr_nonnull(s = calloc(1, sizeof(*s)));
	snprintf(path, sizeof(path), "%s.guest/%s/%s", f->root, guest, ch);
	s->f = f;
	s->fd = tl_unix_connect(path, TL_TIMEOUT_MS);
	TL_ASSERT_LOG(s->fd >= 0, f->silog);
	tl_framer_init(&s->fr, s->fd);
	f->gs[f->ngs++] = s;
	return s;
}

static void
gs_close(struct gs *s)
{
	struct fix	*f = s->f;
	int		 i;

	for (i = 0; i < f->ngs; i++)
		if (f->gs[i] == s) {
			f->gs[i] = f->gs[--f->ngs];
			break;
		}
	/* The host sends whole version-1 frames only: nothing to skip. */
	HOST_ASSERT(f, s->fr.skipped == 0);
	close(s->fd);
	free(s);
}

static void
gs_send(struct gs *s, uint8_t ctrl, uint32_t g, uint32_t h, const void *p,
    size_t len)
{
	ck_assert_uint_le(len, VIOS_MAX_PAYLOAD);
	HOST_ASSERT(s->f, tl_send_frame(s->fd, ctrl, g, h, p, (uint16_t)len) ==
	    0);
}

static void
gs_put(struct gs *s, const void *p, size_t len)
{
	HOST_ASSERT(s->f, tl_write_full(s->fd, p, len, TL_TIMEOUT_MS) == 0);
}

/* The next frame within ms, its payload (up to cap) in buf. */
static void
gs_recv(struct gs *s, struct frame_hdr *h, void *buf, size_t cap, int ms)
{
	int	 r;

	r = tl_recv_frame(&s->fr, h, buf, cap, ms);
	if (r != 1) {
		tl_dump_file(s->f->log, "host log");
		ck_abort_msg("no frame within %d ms: %s", ms,
		    r == 0 ? "timeout" : strerror(errno));
	}
}

static void
gs_check(struct gs *s, const struct frame_hdr *h, uint8_t ctrl, uint32_t g,
    uint32_t ht)
{
	char	 want[8], got[8];

	if (h->ctrl == ctrl && h->gtok == g && h->htok == ht)
		return;
	tl_dump_file(s->f->log, "host log");
	ck_abort_msg("expected %s %08x/%08x, got %s %08x/%08x (%u bytes)",
	    frame_ctrl_name(ctrl, want), g, ht, frame_ctrl_name(h->ctrl, got),
	    h->gtok, h->htok, h->len);
}

/* The next frame must be ctrl(g, h) without payload, within ms. */
static void
gs_expect(struct gs *s, uint8_t ctrl, uint32_t g, uint32_t h, int ms)
{
	struct frame_hdr	 hd;

	gs_recv(s, &hd, NULL, 0, ms);
	gs_check(s, &hd, ctrl, g, h);
	ck_assert_uint_eq(hd.len, 0);
}

/* The next frame must be SYNACK(G, H), payload want (NULL: none); keep H. */
static void
gs_synack(struct gs *s, const char *want)
{
	struct frame_hdr	 h;
	char			 buf[VIOS_CAPS_MAX];

	gs_recv(s, &h, buf, sizeof(buf), TL_TIMEOUT_MS);
	gs_check(s, &h, VIOS_SYNACK, s->g, h.htok);
	HOST_ASSERT(s->f, !frame_token_reserved(h.htok) && h.htok != 0);
	if (want == NULL)
		ck_assert_uint_eq(h.len, 0);
	else {
		ck_assert_uint_eq(h.len, strlen(want));
		ck_assert_mem_eq(buf, want, h.len);
	}
	s->h = h.htok;
}

/* SYN with a fresh G and the caps payload offer (NULL: none), SYNACK. */
static void
gs_syn(struct gs *s, const char *offer, const char *want)
{
	s->g = token_new();
	gs_send(s, VIOS_SYN, s->g, VIOS_TOKEN_UNKNOWN, offer,
	    offer != NULL ? strlen(offer) : 0);
	gs_synack(s, want);
}

/* A whole handshake; fin: offer "fin" (and expect it accepted). */
static void
gs_connect(struct gs *s, bool fin)
{
	gs_syn(s, fin ? CAPS_FIN : NULL, fin ? CAPS_FIN : NULL);
	gs_send(s, VIOS_ACK, s->g, s->h, NULL, 0);
}

/* A scripted guest on guest/ch with a session (fin) established. */
static struct gs *
gs_session(struct fix *f, const char *guest, const char *ch)
{
	struct gs	*s = gs_open(f, guest, ch);

	gs_connect(s, true);
	return s;
}

/*
 * Read DATA(G, H) frames carrying exactly n bytes (none empty, none
 * overshooting), each within stall_ms; their FNV-1a into *hash.
 */
static void
gs_stream(struct gs *s, uint64_t n, int stall_ms, uint64_t *hash)
{
	struct frame_hdr	 h;
	uint64_t		 got = 0;

	*hash = TL_FNV_INIT;
	while (got < n) {
		gs_recv(s, &h, payload, sizeof(payload), stall_ms);
		gs_check(s, &h, VIOS_DATA, s->g, s->h);
		HOST_ASSERT(s->f, h.len > 0 && got + h.len <= n);
		*hash = tl_fnv(payload, h.len, *hash);
		got += h.len;
	}
}

/* Send len bytes of stream seed as DATA, in frames of at most 65535. */
static void
gs_send_data(struct gs *s, uint64_t len, uint32_t seed)
{
	static uint8_t	 buf[VIOS_MAX_PAYLOAD];
	uint64_t	 off;
	size_t		 k;

	for (off = 0; off < len; off += k) {
		k = len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
		tl_pattern(buf, k, off, seed);
		gs_send(s, VIOS_DATA, s->g, s->h, buf, k);
	}
}

/* Echo len bytes of stream seed through the session; assert them back. */
static void
gs_echo(struct gs *s, uint64_t len, uint32_t seed)
{
	uint64_t	 hash;

	gs_send_data(s, len, seed);
	gs_stream(s, len, STALL_MS, &hash);
	HOST_ASSERT(s->f, hash == tl_pattern_fnv(len, seed));
}

/* n bytes at p through a service the case holds: guest -> svc -> guest. */
static void
gs_echo_svc(struct gs *s, int svc, const void *p, size_t n)
{
	uint64_t	 hash;
	char		 buf[256];

	ck_assert_uint_le(n, sizeof(buf));
	gs_send(s, VIOS_DATA, s->g, s->h, p, n);
	HOST_ASSERT(s->f, tl_read_full(svc, buf, n, TL_TIMEOUT_MS) == 0);
	ck_assert_mem_eq(buf, p, n);
	HOST_ASSERT(s->f, tl_write_full(svc, buf, n, TL_TIMEOUT_MS) == 0);
	gs_stream(s, n, TL_TIMEOUT_MS, &hash);
	HOST_ASSERT(s->f, hash == tl_fnv(p, n, TL_FNV_INIT));
}

/* Frame sizes of the writer children: the largest, and odd ones. */
static const uint16_t	 writer_sizes[] = { 65535, 1, 65535, 4096, 65535, 17,
			    65535, 60000 };

/*
 * Fork a child that sends n bytes of stream seed as DATA(g, h) on fd,
 * then end(g, h) unless end is 0, and exits 0 (1 on failure).
 */
static pid_t
frame_writer(int fd, uint32_t g, uint32_t h, uint64_t n, uint32_t seed,
    uint8_t end)
{
	static uint8_t		 buf[VIOS_HDR_LEN + VIOS_MAX_PAYLOAD];
	struct frame_hdr	 hd = { VIOS_DATA, g, h, 0 };
	uint64_t		 off;
	size_t			 k, i;
	pid_t			 pid;

	if ((pid = tl_fork(&fd, 1)) != 0)
		return pid;
	for (off = 0, i = 0; off < n; off += k, i++) {
		k = writer_sizes[i % (sizeof(writer_sizes) /
		    sizeof(writer_sizes[0]))];
		if (k > n - off)
			k = (size_t)(n - off);
		hd.len = (uint16_t)k;
		frame_hdr_encode(buf, &hd);
		tl_pattern(buf + VIOS_HDR_LEN, k, off, seed);
		if (tl_write_full(fd, buf, VIOS_HDR_LEN + k, WRITER_MS) == -1)
			_exit(1);
	}
	if (end != 0 && tl_send_frame(fd, end, g, h, NULL, 0) == -1)
		_exit(1);
	_exit(0);
}

/* Reap a writer child; it must have exited 0. */
static void
writer_done(struct fix *f, pid_t pid, int ms)
{
	int	 st;

	HOST_ASSERT(f, tl_waitpid_timeout(pid, ms, &st) == 0);
	HOST_ASSERT(f, WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* --- cases --------------------------------------------------------------- */

/*
 * An echo session with caps, ended by FIN both ways, and one without,
 * ended by RESET.  The host is idle after each: DATA of the old session
 * is answered with one RESET (once per token pair), then a SYN works.
 */
START_TEST(t_echo)
{
	static const char	 hello[] = "hello vios\n";
	struct fix		 f;
	struct frame_hdr	 h;
	struct gs		*s;
	uint32_t		 g, ht;
	char			 buf[VIOS_CAPS_MAX];

	fix_start(&f, true, 1, NULL);
	s = gs_open(&f, "g1", "ch0");

	/* With caps: SYNACK says "VIOSX1 fin"; FIN ends it both ways. */
	gs_connect(s, true);
	gs_send(s, VIOS_DATA, s->g, s->h, hello, strlen(hello));
	gs_recv(s, &h, buf, sizeof(buf), TL_TIMEOUT_MS);
	gs_check(s, &h, VIOS_DATA, s->g, s->h);
	ck_assert_uint_eq(h.len, strlen(hello));
	ck_assert_mem_eq(buf, hello, h.len);
	gs_echo(s, 300000, 1);
	gs_send(s, VIOS_FIN, s->g, s->h, NULL, 0);
	/* The echo service answers our EOF with its own: FIN. */
	gs_expect(s, VIOS_FIN, s->g, s->h, TL_TIMEOUT_MS);
	log_wait(&f, 0, "ended: closed both ways", TL_TIMEOUT_MS);
	g = s->g;
	ht = s->h;
	gs_send(s, VIOS_DATA, g, ht, "late", 4);
	gs_expect(s, VIOS_RESET, g, ht, TL_TIMEOUT_MS);

	/* Without caps: SYNACK has no payload; RESET ends it. */
	gs_connect(s, false);
	gs_echo(s, 70000, 2);
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);
	g = s->g;
	ht = s->h;
	gs_send(s, VIOS_DATA, g, ht, "x", 1);
	gs_send(s, VIOS_DATA, g, ht, "y", 1);
	gs_send(s, VIOS_ACK, g, ht, NULL, 0);
	/* One RESET for the pair, then the next SYN's SYNACK. */
	gs_expect(s, VIOS_RESET, g, ht, TL_TIMEOUT_MS);
	gs_syn(s, NULL, NULL);
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);

	/* Caps the host does not know: the SYNACK lists none of them. */
	gs_syn(s, "VIOSX1 mux  probe", "VIOSX1");
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);
	gs_syn(s, "VIOSX1  probe fin", CAPS_FIN);
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);
	/* Only the first VIOS_CAPS_MAX bytes count; the rest is skipped. */
	memset(payload, ' ', sizeof(payload));
	memcpy(payload, CAPS_FIN, strlen(CAPS_FIN));
	memcpy(payload + sizeof(payload) - 4, "fin", 3);
	s->g = token_new();
	gs_send(s, VIOS_SYN, s->g, VIOS_TOKEN_UNKNOWN, payload, sizeof(payload));
	gs_synack(s, CAPS_FIN);
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);
	/* "fin" straddles the limit: only "f" is examined. */
	memcpy(payload + VIOS_CAPS_MAX - 2, " fin", 4);
	memcpy(payload, "VIOSX1 ", 7);
	memset(payload + 7, 'x', strlen(CAPS_FIN) - 7);
	s->g = token_new();
	gs_send(s, VIOS_SYN, s->g, VIOS_TOKEN_UNKNOWN, payload, 2000);
	gs_synack(s, VIOS_CAPS_MAGIC);
	/* Payload on ACK, FIN and RESET is tolerated and dropped. */
	gs_send(s, VIOS_ACK, s->g, s->h, "ack payload", 11);
	gs_echo(s, 100, 4);
	gs_send(s, VIOS_RESET, s->g, s->h, "reset payload", 13);
	gs_syn(s, CAPS_FIN, CAPS_FIN);
	gs_send(s, VIOS_ACK, s->g, s->h, NULL, 0);
	gs_send(s, VIOS_FIN, s->g, s->h, "fin payload", 11);
	gs_expect(s, VIOS_FIN, s->g, s->h, TL_TIMEOUT_MS);

	/* Not a caps list at all: no payload. */
	gs_syn(s, "VIOSX1fin", NULL);
	gs_send(s, VIOS_ACK, s->g, s->h, NULL, 0);
	gs_echo(s, 10, 3);
	/* FIN without the "fin" capability is a protocol error. */
	gs_send(s, VIOS_FIN, s->g, s->h, NULL, 0);
	gs_expect(s, VIOS_RESET, s->g, s->h, TL_TIMEOUT_MS);
	fix_done(&f);
}
END_TEST

/*
 * 16 MiB guest -> service in DATA frames up to 65535, then FIN (caps) or
 * RESET (none): the service gets every byte, then EOF.
 */
static void
upload(bool fin)
{
	struct fix	 f;
	struct gs	*s;
	uint64_t	 hash;
	int64_t		 t0, ms;
	pid_t		 w;
	int		 svc;

	fix_start(&f, false, 1, NULL);
	s = gs_open(&f, "g1", "ch0");
	gs_connect(s, fin);
	svc = svc_accept(&f);
	t0 = tl_now_ms();
	ck_assert_int_gt(w = frame_writer(s->fd, s->g, s->h, BULK_BYTES, 11,
	    fin ? VIOS_FIN : VIOS_RESET), 0);
	HOST_ASSERT(&f, tl_read_fnv(svc, BULK_BYTES, BULK_MS, &hash) == 0);
	HOST_ASSERT(&f, hash == tl_pattern_fnv(BULK_BYTES, 11));
	/* The guest's FIN or RESET is the service's EOF, after the data. */
	svc_expect_eof(&f, svc, TL_TIMEOUT_MS);
	ms = tl_now_ms() - t0;
	writer_done(&f, w, TL_TIMEOUT_MS);
	fprintf(stderr, "# upload (%s): %u MiB in %lld ms (%.1f MiB/s)\n",
	    fin ? "fin" : "no caps", BULK_BYTES >> 20, (long long)ms,
	    (BULK_BYTES >> 20) * 1000.0 / (double)(ms > 0 ? ms : 1));
	HOST_ASSERT(&f, ms < BULK_MS);
	if (fin) {
		/* The service's EOF goes back as FIN: the session is over. */
		close(svc);
		gs_expect(s, VIOS_FIN, s->g, s->h, TL_TIMEOUT_MS);
		log_wait(&f, 0, "ended: closed both ways (16777216 bytes to "
		    "TCP, 0 from TCP", TL_TIMEOUT_MS);
	} else {
		log_wait(&f, 0, "ended: reset by peer (16777216 bytes to TCP, "
		    "0 from TCP", TL_TIMEOUT_MS);
		close(svc);
	}
	fix_done(&f);
}

START_TEST(t_upload)
{
	upload(true);
}
END_TEST

START_TEST(t_upload_reset)
{
	upload(false);
}
END_TEST

/*
 * 16 MiB service -> guest, then the service closes: every byte arrives
 * before FIN (caps) or RESET (none), and no frame is ever late by more
 * than STALL_MS (the 2011 host stalled at 64 KiB).
 */
static void
download(bool fin)
{
	struct fix		 f;
	struct frame_hdr	 h;
	struct gs		*s;
	uint64_t		 hash;
	int64_t			 t0, ms;
	pid_t			 w;
	int			 svc;

	fix_start(&f, false, 1, NULL);
	s = gs_open(&f, "g1", "ch0");
	gs_connect(s, fin);
	svc = svc_accept(&f);
	t0 = tl_now_ms();
	ck_assert_int_gt(w = tl_writer(svc, BULK_BYTES, 12), 0);
	close(svc);		/* the writer's exit is the service's EOF */
	gs_stream(s, BULK_BYTES, STALL_MS, &hash);
	ms = tl_now_ms() - t0;
	HOST_ASSERT(&f, hash == tl_pattern_fnv(BULK_BYTES, 12));
	gs_recv(s, &h, NULL, 0, TL_TIMEOUT_MS);
	gs_check(s, &h, fin ? VIOS_FIN : VIOS_RESET, s->g, s->h);
	writer_done(&f, w, TL_TIMEOUT_MS);
	fprintf(stderr, "# download (%s): %u MiB in %lld ms (%.1f MiB/s)\n",
	    fin ? "fin" : "no caps", BULK_BYTES >> 20, (long long)ms,
	    (BULK_BYTES >> 20) * 1000.0 / (double)(ms > 0 ? ms : 1));
	HOST_ASSERT(&f, ms < BULK_MS);
	if (fin) {
		gs_send(s, VIOS_FIN, s->g, s->h, NULL, 0);
		log_wait(&f, 0, "ended: closed both ways (0 bytes to TCP, "
		    "16777216 from TCP", TL_TIMEOUT_MS);
	} else
		log_wait(&f, 0, "ended: closed by local peer (0 bytes to TCP, "
		    "16777216 from TCP", TL_TIMEOUT_MS);
	fix_done(&f);
}

START_TEST(t_download)
{
	download(true);
}
END_TEST

START_TEST(t_download_nocaps)
{
	download(false);
}
END_TEST

/* 8 MiB each way at once through the echo service: no deadlock. */
START_TEST(t_duplex)
{
	struct fix	 f;
	struct gs	*s;
	uint64_t	 hash;
	int64_t		 t0, ms;
	pid_t		 w;

	fix_start(&f, true, 1, NULL);
	s = gs_session(&f, "g1", "ch0");
	t0 = tl_now_ms();
	ck_assert_int_gt(w = frame_writer(s->fd, s->g, s->h, DUPLEX_BYTES, 21,
	    0), 0);
	gs_stream(s, DUPLEX_BYTES, STALL_MS, &hash);
	ms = tl_now_ms() - t0;
	HOST_ASSERT(&f, hash == tl_pattern_fnv(DUPLEX_BYTES, 21));
	writer_done(&f, w, TL_TIMEOUT_MS);
	fprintf(stderr, "# duplex: %u MiB each way in %lld ms\n",
	    DUPLEX_BYTES >> 20, (long long)ms);
	HOST_ASSERT(&f, ms < BULK_MS);
	gs_echo(s, 1000, 22);
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);
	fix_done(&f);
}
END_TEST

/*
 * Nothing listens on the port: RESET(G, RRRR) promptly, every time; once
 * the service is back, sessions work.
 */
START_TEST(t_service_down)
{
	struct fix	 f;
	struct gs	*s;
	int64_t		 t0, ms;
	uint32_t	 g;
	int		 i, fd;

	fix_init(&f);
	ck_assert_int_ge(fd = tl_tcp_listen(&f.port), 0);
	close(fd);		/* a port with nothing listening */
	standin_start(&f, 0, "g1", 1);
	host_start(&f, NULL);
	host_wait_open(&f, "g1/ch0");
	s = gs_open(&f, "g1", "ch0");
	for (i = 0; i < 3; i++) {
		g = token_new();
		t0 = tl_now_ms();
		gs_send(s, VIOS_SYN, g, VIOS_TOKEN_UNKNOWN, i == 1 ? NULL :
		    CAPS_FIN, i == 1 ? 0 : strlen(CAPS_FIN));
		gs_expect(s, VIOS_RESET, g, VIOS_TOKEN_NONE, QUICK_MS);
		ms = tl_now_ms() - t0;
		fprintf(stderr, "# service down: refused in %lld ms\n",
		    (long long)ms);
		HOST_ASSERT(&f, ms < QUICK_MS);
	}
	log_wait(&f, 0, "ended: service unreachable", TL_TIMEOUT_MS);

	/* The service comes back on its port: sessions work again. */
	ck_assert_int_gt(f.echo = tl_echo_server_at(f.port), 0);
	gs_connect(s, true);
	gs_echo(s, 1000, 5);
	fix_done(&f);
}
END_TEST

/*
 * A SYN in syn-rcvd or established ends the current session (the service
 * sees EOF) and is answered with a SYNACK for the new one, never dropped.
 */
START_TEST(t_syn_supersedes)
{
	struct fix	 f;
	struct gs	*s;
	char		 buf[16];
	uint64_t	 hash;
	uint32_t	 h1;
	int		 svc1, svc2, svc3;

	fix_start(&f, false, 1, NULL);
	s = gs_open(&f, "g1", "ch0");

	/* Established: relaying both ways. */
	gs_connect(s, true);
	svc1 = svc_accept(&f);
	gs_send(s, VIOS_DATA, s->g, s->h, "one", 3);
	HOST_ASSERT(&f, tl_read_full(svc1, buf, 3, TL_TIMEOUT_MS) == 0);
	ck_assert_mem_eq(buf, "one", 3);
	h1 = s->h;

	/* A new SYN: the old service connection closes, SYNACK follows. */
	gs_syn(s, CAPS_FIN, CAPS_FIN);
	ck_assert_uint_ne(s->h, h1);
	svc_expect_eof(&f, svc1, TL_TIMEOUT_MS);
	svc2 = svc_accept(&f);

	/* In syn-rcvd (no ACK yet) likewise. */
	gs_syn(s, NULL, NULL);
	svc_expect_eof(&f, svc2, TL_TIMEOUT_MS);
	svc3 = svc_accept(&f);
	/* The service speaks first: held until the ACK, then relayed. */
	HOST_ASSERT(&f, tl_write_full(svc3, "early", 5, TL_TIMEOUT_MS) == 0);
	gs_send(s, VIOS_ACK, s->g, s->h, NULL, 0);
	gs_stream(s, 5, TL_TIMEOUT_MS, &hash);
	HOST_ASSERT(&f, hash == tl_fnv("early", 5, TL_FNV_INIT));
	gs_send(s, VIOS_DATA, s->g, s->h, "two", 3);
	HOST_ASSERT(&f, tl_read_full(svc3, buf, 3, TL_TIMEOUT_MS) == 0);
	ck_assert_mem_eq(buf, "two", 3);
	HOST_ASSERT(&f, tl_write_full(svc3, "back", 4, TL_TIMEOUT_MS) == 0);
	gs_stream(s, 4, TL_TIMEOUT_MS, &hash);
	HOST_ASSERT(&f, hash == tl_fnv("back", 4, TL_FNV_INIT));
	/* Without caps the service's EOF is RESET. */
	close(svc3);
	gs_expect(s, VIOS_RESET, s->g, s->h, TL_TIMEOUT_MS);
	close(svc1);
	close(svc2);

	/* The guest gives up before its ACK: RESET(G, ????) suffices. */
	gs_syn(s, CAPS_FIN, CAPS_FIN);
	svc1 = svc_accept(&f);
	gs_send(s, VIOS_RESET, s->g, VIOS_TOKEN_UNKNOWN, NULL, 0);
	svc_expect_eof(&f, svc1, TL_TIMEOUT_MS);
	close(svc1);
	log_wait(&f, 0, "ended: reset by guest before ACK", TL_TIMEOUT_MS);

	/* The service resets its connection: RESET(G, H). */
	gs_connect(s, true);
	svc1 = svc_accept(&f);
	gs_echo_svc(s, svc1, "ping", 4);
	ck_assert_int_eq(setsockopt(svc1, SOL_SOCKET, SO_LINGER,
	    &(struct linger){ 1, 0 }, sizeof(struct linger)), 0);
	close(svc1);
	gs_expect(s, VIOS_RESET, s->g, s->h, TL_TIMEOUT_MS);
	log_wait(&f, 0, "ended: service connection failed", TL_TIMEOUT_MS);
	fix_done(&f);
}
END_TEST

/*
 * Junk, 'V' runs longer than a frame, bad versions (one claiming the
 * largest length) and a frame cut short then completed by the resync
 * preamble: the SYN after them is answered.
 */
START_TEST(t_junk_before_syn)
{
	static const uint8_t	 badver[] = { 'V', 'S', '2', 'A', 1, 2, 3, 4,
				    5, 6, 7, 8, 0xff, 0xff };
	struct fix		 f;
	struct gs		*s;
	struct frame_hdr	 hd = { VIOS_DATA, 0, 0, 1000 };
	uint8_t			*run, hdr[VIOS_HDR_LEN];
	size_t			 runlen = 2 * VIOS_MAX_PAYLOAD;

	fix_start(&f, true, 1, NULL);
	s = gs_open(&f, "g1", "ch0");
	ck_assert_ptr_nonnull(run = malloc(runlen));

	gs_put(s, "\0\377 some junk, no sync here\r\n", 29);
	memset(run, 'V', runlen);
	gs_put(s, run, runlen);
	gs_put(s, badver, sizeof(badver));
	gs_put(s, "VS\0VSVVS9xyzVS", 14);
	gs_put(s, badver, sizeof(badver));
	gs_put(s, "VVVS2", 5);		/* the SYN's header comes right after */
	gs_connect(s, true);
	gs_echo(s, 100, 31);
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);

	/* A guest died inside a DATA frame; the next one sends the preamble. */
	hd.gtok = token_new();
	hd.htok = token_new();
	frame_hdr_encode(hdr, &hd);
	gs_put(s, hdr, sizeof(hdr));
	gs_put(s, "partial", 7);
	gs_put(s, run, VIOS_PREAMBLE_LEN);
	/* The completed frame is stale: one RESET, then our SYNACK. */
	s->g = token_new();
	gs_send(s, VIOS_SYN, s->g, VIOS_TOKEN_UNKNOWN, NULL, 0);
	gs_expect(s, VIOS_RESET, hd.gtok, hd.htok, TL_TIMEOUT_MS);
	gs_synack(s, NULL);
	gs_send(s, VIOS_ACK, s->g, s->h, NULL, 0);
	gs_echo(s, 100, 32);
	free(run);
	fix_done(&f);
}
END_TEST

/* Zero-length DATA is a no-op: no RESET, and the echo goes on. */
START_TEST(t_zero_data)
{
	struct fix	 f;
	struct gs	*s;
	int		 i;

	fix_start(&f, true, 1, NULL);
	s = gs_session(&f, "g1", "ch0");
	for (i = 0; i < 5; i++)
		gs_send(s, VIOS_DATA, s->g, s->h, NULL, 0);
	/* The next frame must be the echo, not a RESET. */
	gs_echo(s, 5, 41);
	gs_send(s, VIOS_DATA, s->g, s->h, NULL, 0);
	gs_echo(s, 200000, 42);
	/* Likewise in a session without caps. */
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);
	gs_connect(s, false);
	gs_send(s, VIOS_DATA, s->g, s->h, NULL, 0);
	gs_echo(s, 3, 43);
	fix_done(&f);
}
END_TEST

/*
 * fin: each direction closes on its own.  The service's EOF becomes FIN
 * while the guest goes on sending; the guest's FIN then ends the session.
 * The other way round, a repeated FIN is ignored, the service's reply
 * still flows, and DATA after our FIN is a protocol error.
 */
START_TEST(t_half_close)
{
	struct fix	 f;
	struct gs	*s;
	char		 buf[16];
	uint64_t	 hash;
	int		 svc;

	fix_start(&f, false, 1, NULL);
	s = gs_open(&f, "g1", "ch0");

	/* The service closes first. */
	gs_connect(s, true);
	svc = svc_accept(&f);
	HOST_ASSERT(&f, tl_write_full(svc, "bye", 3, TL_TIMEOUT_MS) == 0);
	ck_assert_int_eq(shutdown(svc, SHUT_WR), 0);
	gs_stream(s, 3, TL_TIMEOUT_MS, &hash);
	HOST_ASSERT(&f, hash == tl_fnv("bye", 3, TL_FNV_INIT));
	gs_expect(s, VIOS_FIN, s->g, s->h, TL_TIMEOUT_MS);
	gs_send(s, VIOS_DATA, s->g, s->h, "more", 4);
	HOST_ASSERT(&f, tl_read_full(svc, buf, 4, TL_TIMEOUT_MS) == 0);
	ck_assert_mem_eq(buf, "more", 4);
	gs_send(s, VIOS_FIN, s->g, s->h, NULL, 0);
	svc_expect_eof(&f, svc, TL_TIMEOUT_MS);
	log_wait(&f, 0, "ended: closed both ways (4 bytes to TCP, 3 from TCP",
	    TL_TIMEOUT_MS);
	close(svc);

	/* The guest closes first. */
	gs_connect(s, true);
	svc = svc_accept(&f);
	gs_send(s, VIOS_DATA, s->g, s->h, "q", 1);
	gs_send(s, VIOS_FIN, s->g, s->h, NULL, 0);
	gs_send(s, VIOS_FIN, s->g, s->h, NULL, 0);
	HOST_ASSERT(&f, tl_read_full(svc, buf, 1, TL_TIMEOUT_MS) == 0);
	svc_expect_eof(&f, svc, TL_TIMEOUT_MS);
	HOST_ASSERT(&f, tl_write_full(svc, "reply", 5, TL_TIMEOUT_MS) == 0);
	gs_stream(s, 5, TL_TIMEOUT_MS, &hash);
	HOST_ASSERT(&f, hash == tl_fnv("reply", 5, TL_FNV_INIT));
	gs_send(s, VIOS_DATA, s->g, s->h, "x", 1);
	gs_expect(s, VIOS_RESET, s->g, s->h, TL_TIMEOUT_MS);
	log_wait(&f, 0, "ended: DATA after FIN", TL_TIMEOUT_MS);
	close(svc);
	fix_done(&f);
}
END_TEST

/*
 * A guest sends small DATA frames, one write each, to a service that does
 * not read, until the daemon stops reading the channel: its output for
 * the service is full.  What it holds there are those bytes copied into
 * buffers of its own, not the 256 KiB read buffers each frame came in
 * (its watermarks count bytes, not memory), so its RSS stays small.
 */
START_TEST(t_small_frames)
{
	static uint8_t	 buf[VIOS_HDR_LEN + SMALL_PAYLOAD];
	struct frame_hdr hd;
	struct fix	 f;
	struct gs	*s;
	off_t		 from;
	pid_t		 w;
	long		 rss;
	int		 svc, rcvbuf = 4096;

	fix_init(&f);
	fix_listen(&f);
	/* A small window: the daemon's own output soon takes the rest. */
	ck_assert_int_eq(setsockopt(f.lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf)), 0);
	standin_start(&f, 0, "g1", 1);
	host_start(&f, NULL);
	s = gs_session(&f, "g1", "ch0");
	svc = svc_accept(&f);
	from = log_size(f.log);
	ck_assert_int_gt(w = tl_fork(&s->fd, 1), -1);
	if (w == 0) {
		hd = (struct frame_hdr){ VIOS_DATA, s->g, s->h, SMALL_PAYLOAD };
		frame_hdr_encode(buf, &hd);
		tl_pattern(buf + VIOS_HDR_LEN, SMALL_PAYLOAD, 0, 93);
		while (tl_write_full(s->fd, buf, sizeof(buf), WRITER_MS) == 0)
			;
		_exit(0);
	}
	dump_wait(&f, from, "g1/ch0: paused");
	rss = tl_proc_rss_kb(f.host);
	fprintf(stderr, "# %d-byte frames held for a stalled service: host rss "
	    "%ld KiB\n", SMALL_PAYLOAD, rss);
	HOST_ASSERT(&f, rss > 0 && (tl_wrapped() || rss < SMALL_RSS_KB));
	ck_assert_int_eq(tl_kill(w, SIGKILL), 0);
	ck_assert_int_eq(tl_waitpid_timeout(w, TL_TIMEOUT_MS, NULL), 0);
	close(svc);
	fix_done(&f);
}
END_TEST

/*
 * A RESET does not cut what the service has not read yet: that output
 * drains after the session ended (a new one already running), then EOF.
 */
START_TEST(t_reset_drains)
{
	struct fix	 f;
	struct gs	*s;
	char		 buf[8];
	uint64_t	 hash;
	int		 svc1, svc2, small = 4096;
	const uint64_t	 len = 200000;	/* below the TCP output HIGH mark */

	fix_init(&f);
	fix_listen(&f);
	/* Accepted sockets inherit it: little room in the kernel. */
	ck_assert_int_eq(setsockopt(f.lfd, SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)), 0);
	standin_start(&f, 0, "g1", 1);
	host_start(&f, NULL);
	s = gs_session(&f, "g1", "ch0");
	svc1 = svc_accept(&f);
	gs_send_data(s, len, 55);
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);
	log_wait(&f, 0, "ended: reset by peer (200000 bytes to TCP",
	    TL_TIMEOUT_MS);
	gs_connect(s, false);
	svc2 = svc_accept(&f);
	HOST_ASSERT(&f, tl_read_fnv(svc1, len, TL_TIMEOUT_MS, &hash) == 0);
	HOST_ASSERT(&f, hash == tl_pattern_fnv(len, 55));
	svc_expect_eof(&f, svc1, TL_TIMEOUT_MS);
	gs_send(s, VIOS_DATA, s->g, s->h, "new", 3);
	HOST_ASSERT(&f, tl_read_full(svc2, buf, 3, TL_TIMEOUT_MS) == 0);
	ck_assert_mem_eq(buf, "new", 3);
	close(svc1);
	close(svc2);
	fix_done(&f);
}
END_TEST

/*
 * A host killed with a session open loses it; once restarted it answers
 * the guest's frames for that session with one RESET, then serves SYNs.
 */
START_TEST(t_host_restart)
{
	struct fix	 f;
	struct gs	*s;
	char		 buf[8];
	uint32_t	 g, h;
	int		 svc, st;

	fix_start(&f, false, 1, NULL);
	s = gs_session(&f, "g1", "ch0");
	svc = svc_accept(&f);
	gs_send(s, VIOS_DATA, s->g, s->h, "a", 1);
	HOST_ASSERT(&f, tl_read_full(svc, buf, 1, TL_TIMEOUT_MS) == 0);
	ck_assert_int_eq(tl_kill(f.host, SIGKILL), 0);
	ck_assert_int_eq(tl_waitpid_timeout(f.host, TL_TIMEOUT_MS, &st), 0);
	f.host = -1;
	svc_expect_eof(&f, svc, TL_TIMEOUT_MS);
	close(svc);

	/* Written while no host is there: the stand-in keeps them. */
	g = s->g;
	h = s->h;
	gs_send(s, VIOS_DATA, g, h, "lost", 4);
	gs_send(s, VIOS_DATA, g, h, "lost", 4);
	gs_send(s, VIOS_FIN, g, h, NULL, 0);
	host_start(&f, NULL);
	gs_expect(s, VIOS_RESET, g, h, TL_TIMEOUT_MS);
	/* Once per token pair: the next frame is the SYNACK. */
	gs_connect(s, true);
	svc = svc_accept(&f);
	gs_send(s, VIOS_DATA, s->g, s->h, "b", 1);
	HOST_ASSERT(&f, tl_read_full(svc, buf, 1, TL_TIMEOUT_MS) == 0);
	ck_assert_mem_eq(buf, "b", 1);
	close(svc);
	fix_done(&f);
}
END_TEST

/*
 * QEMU drops the daemon's connection (chardev hangup): the session ends
 * without a word, the service is closed, and the daemon reconnects.
 */
START_TEST(t_qemu_hangup)
{
	struct fix	 f;
	struct gs	*s;
	int64_t		 t0, ms;
	off_t		 from;
	int		 svc;

	fix_start(&f, false, 1, NULL);
	s = gs_session(&f, "g1", "ch0");
	svc = svc_accept(&f);
	from = log_size(f.log);
	standin_cmd(&f, 0, "hup ch0");
	svc_expect_eof(&f, svc, TL_TIMEOUT_MS);
	close(svc);
	log_wait(&f, from, "g1/ch0: channel lost", TL_TIMEOUT_MS);
	t0 = tl_now_ms();
	gs_connect(s, true);
	ms = tl_now_ms() - t0;
	fprintf(stderr, "# hangup: new session %lld ms after channel lost\n",
	    (long long)ms);
	HOST_ASSERT(&f, ms < QUICK_MS);
	svc = svc_accept(&f);
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);
	svc_expect_eof(&f, svc, TL_TIMEOUT_MS);
	close(svc);
	fix_done(&f);
}
END_TEST

/*
 * A service whose accept queue is full never completes the connect:
 * RESET(G, RRRR) after --connect-timeout, for two channels at once (the
 * connect does not block the daemon); with room again, SYNs succeed.
 */
START_TEST(t_connect_timeout)
{
	static const char *const extra[] = { "--connect-timeout", ACK_TIMEOUT,
				    NULL };
	struct fix		 f;
	struct gs		*s0, *s1;
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	int64_t			 t0, ms;
	off_t			 from;
	int			 fill, one;

	fix_init(&f);
	ck_assert_int_ge(f.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
	    0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(f.lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(f.lfd, 0), 0);
	ck_assert_int_eq(getsockname(f.lfd, (struct sockaddr *)&sin, &slen), 0);
	f.port = ntohs(sin.sin_port);
	/* One connection fills a backlog of 0; later SYNs are dropped. */
	ck_assert_int_ge(fill = tl_tcp_connect(f.port, TL_TIMEOUT_MS), 0);
	standin_start(&f, 0, "g1", 2);
	host_start(&f, extra);
	host_wait_open(&f, "g1/ch0");
	host_wait_open(&f, "g1/ch1");
	s0 = gs_open(&f, "g1", "ch0");
	s1 = gs_open(&f, "g1", "ch1");
	s0->g = token_new();
	s1->g = token_new();
	t0 = tl_now_ms();
	gs_send(s0, VIOS_SYN, s0->g, VIOS_TOKEN_UNKNOWN, CAPS_FIN,
	    strlen(CAPS_FIN));
	gs_send(s1, VIOS_SYN, s1->g, VIOS_TOKEN_UNKNOWN, NULL, 0);
	gs_expect(s0, VIOS_RESET, s0->g, VIOS_TOKEN_NONE, QUICK_MS);
	gs_expect(s1, VIOS_RESET, s1->g, VIOS_TOKEN_NONE, QUICK_MS);
	ms = tl_now_ms() - t0;
	fprintf(stderr, "# connect timeout: both refused after %lld ms\n",
	    (long long)ms);
	HOST_ASSERT(&f, ms >= ACK_MS - TIMER_SLACK_MS && ms < QUICK_MS);
	log_wait(&f, 0, "ended: service connect timed out", TL_TIMEOUT_MS);

	/* While connecting the guest knows only G: RESET(G, ????) ends it. */
	s0->g = token_new();
	gs_send(s0, VIOS_SYN, s0->g, VIOS_TOKEN_UNKNOWN, NULL, 0);
	gs_send(s0, VIOS_RESET, s0->g, VIOS_TOKEN_UNKNOWN, NULL, 0);
	log_wait(&f, 0, "ended: reset by guest while connecting",
	    TL_TIMEOUT_MS);

	/* Exit while connecting: RESET(G, RRRR), then status 0. */
	s1->g = token_new();
	from = log_size(f.log);
	gs_send(s1, VIOS_SYN, s1->g, VIOS_TOKEN_UNKNOWN, NULL, 0);
	dump_wait(&f, from, "g1/ch1: attached, connecting");
	host_stop(&f);
	gs_expect(s1, VIOS_RESET, s1->g, VIOS_TOKEN_NONE, TL_TIMEOUT_MS);

	/* Room again. */
	host_start(&f, extra);
	ck_assert_int_ge(one = tl_accept(f.lfd, TL_TIMEOUT_MS), 0);
	close(one);
	close(fill);
	gs_connect(s0, true);
	ck_assert_int_ge(one = tl_accept(f.lfd, TL_TIMEOUT_MS), 0);
	gs_send(s0, VIOS_DATA, s0->g, s0->h, "z", 1);
	HOST_ASSERT(&f, tl_read_full(one, (char[2]){ 0 }, 1, TL_TIMEOUT_MS) ==
	    0);
	close(one);
	fix_done(&f);
}
END_TEST

/*
 * Only sockets in real guest directories are claimed, and with --match
 * only those whose name matches: not other entries, not symlinks.
 */
START_TEST(t_match)
{
	static const char *const extra[] = { "--match", "ch[02]", NULL };
	struct fix	 f;
	struct gs	*s;
	char		 path[PATH_MAX], target[PATH_MAX];
	off_t		 from;
	int		 fd;

	fix_init(&f);
	fix_echo(&f);
	standin_start(&f, 0, "g1", 2);
	/* A symlinked guest, a symlinked channel, a file and a FIFO. */
	snprintf(path, sizeof(path), "%s/link", f.root);
	ck_assert_int_eq(symlink("g1", path), 0);
	snprintf(path, sizeof(path), "%s/g1/ch2", f.root);
	snprintf(target, sizeof(target), "%s/g1/ch0", f.root);
	ck_assert_int_eq(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/g1/ch02", f.root);
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC,
	    0644), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/g1/ch00", f.root);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	host_start(&f, extra);
	host_wait_open(&f, "g1/ch0");
	HOST_ASSERT(&f, log_count(f.log, 0, "g1/ch2") == 0);
	snprintf(path, sizeof(path), "%s/g1/ch2", f.root);
	ck_assert_int_eq(unlink(path), 0);
	host_wait_open(&f, "g1/ch0");
	standin_cmd(&f, 0, "add ch2");
	host_wait_open(&f, "g1/ch2");
	s = gs_session(&f, "g1", "ch2");
	gs_echo(s, 100, 65);
	from = log_size(f.log);
	ck_assert_int_eq(tl_kill(f.host, SIGHUP), 0);
	log_wait(&f, from, "SIGHUP: rescanning", TL_TIMEOUT_MS);
	ck_assert_int_eq(tl_kill(f.host, SIGUSR1), 0);
	log_wait(&f, from, "1 guests under", TL_TIMEOUT_MS);
	HOST_ASSERT(&f, log_count(f.log, from, "g1/ch0: attached") == 1);
	HOST_ASSERT(&f, log_count(f.log, from, "g1/ch2: attached") == 1);
	HOST_ASSERT(&f, log_count(f.log, 0, "g1/ch1") == 0);
	HOST_ASSERT(&f, log_count(f.log, 0, "g1/ch0") ==
	    log_count(f.log, 0, "g1/ch0:"));
	HOST_ASSERT(&f, log_count(f.log, 0, "link") == 0);
	HOST_ASSERT(&f, log_count(f.log, 0, "1 guests under") == 1);
	fix_done(&f);
}
END_TEST

/*
 * Without --match, other agents' well-known sockets are never claimed:
 * QEMU serves one client per socket, and libvirt's is the guest agent's.
 */
START_TEST(t_default_match)
{
	struct fix	 f;
	struct gs	*s;
	off_t		 from;

	fix_init(&f);
	fix_echo(&f);
	standin_start(&f, 0, "g1", 1);
	standin_cmd(&f, 0, "add org.qemu.guest_agent.0");
	standin_cmd(&f, 0, "add com.redhat.spice.0");
	host_start(&f, NULL);
	host_wait_open(&f, "g1/ch0");
	s = gs_session(&f, "g1", "ch0");
	gs_echo(s, 100, 65);
	from = log_size(f.log);
	ck_assert_int_eq(tl_kill(f.host, SIGUSR1), 0);
	log_wait(&f, from, "1 guests under", TL_TIMEOUT_MS);
	HOST_ASSERT(&f, log_count(f.log, from, "g1/ch0: attached") == 1);
	HOST_ASSERT(&f, log_count(f.log, 0, "org.qemu") == 0);
	HOST_ASSERT(&f, log_count(f.log, 0, "com.redhat") == 0);
	fix_done(&f);
}
END_TEST

/* --service-addr ::1: the service on IPv6 loopback (skipped without it). */
START_TEST(t_service_addr6)
{
	static const char *const extra[] = { "--service-addr", "::1", NULL };
	struct fix		 f;
	struct gs		*s;
	struct sockaddr_in6	 sin6;
	socklen_t		 slen = sizeof(sin6);
	int			 svc;

	fix_init(&f);
	ck_assert_int_ge(f.lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC,
	    0), 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	if (bind(f.lfd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1) {
		fprintf(stderr, "# service_addr6: no IPv6 loopback, skipped\n");
		fix_done(&f);
		return;
	}
	ck_assert_int_eq(listen(f.lfd, 16), 0);
	ck_assert_int_eq(getsockname(f.lfd, (struct sockaddr *)&sin6, &slen),
	    0);
	f.port = ntohs(sin6.sin6_port);
	standin_start(&f, 0, "g1", 1);
	host_start(&f, extra);
	log_wait(&f, 0, "service ::1 port", TL_TIMEOUT_MS);
	s = gs_session(&f, "g1", "ch0");
	svc = svc_accept(&f);
	gs_echo_svc(s, svc, "over IPv6", 9);
	close(svc);
	gs_expect(s, VIOS_FIN, s->g, s->h, TL_TIMEOUT_MS);
	fix_done(&f);
}
END_TEST

/* Frames with foreign tokens or ctrl in an established session: RESET. */
START_TEST(t_foreign_tokens)
{
	struct fix	 f;
	struct gs	*s;
	char		 buf[8];
	int		 svc, i;
	struct {
		uint8_t		ctrl;
		uint32_t	gx;	/* xor into G */
		uint32_t	hx;	/* xor into H */
	} bad[] = {
		{ VIOS_DATA, 0, 1 },
		{ VIOS_DATA, 0x80000000, 0 },
		{ VIOS_FIN, 2, 0 },
		{ VIOS_SYNACK, 0, 0 },
		{ 'Z', 0, 0 },
	};

	fix_start(&f, false, 1, NULL);
	s = gs_open(&f, "g1", "ch0");
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		gs_connect(s, true);
		svc = svc_accept(&f);
		gs_send(s, VIOS_DATA, s->g, s->h, "ok", 2);
		HOST_ASSERT(&f, tl_read_full(svc, buf, 2, TL_TIMEOUT_MS) == 0);
		gs_send(s, bad[i].ctrl, s->g ^ bad[i].gx, s->h ^ bad[i].hx,
		    "zz", 2);
		gs_expect(s, VIOS_RESET, s->g, s->h, TL_TIMEOUT_MS);
		/* Nothing of the bad frame reached the service. */
		svc_expect_eof(&f, svc, TL_TIMEOUT_MS);
		close(svc);
	}
	ck_assert_int_eq(log_count(f.log, 0, "ended: frame with foreign "
	    "tokens"), 3);
	fix_done(&f);
}
END_TEST

/*
 * RESETs for other sessions (a late one of the last session too) and SYNs
 * with a reserved guest token are ignored: the session goes on.
 */
START_TEST(t_late_reset)
{
	struct fix	 f;
	struct gs	*s;
	uint32_t	 g1, h1;

	fix_start(&f, true, 1, NULL);
	s = gs_session(&f, "g1", "ch0");
	g1 = s->g;
	h1 = s->h;
	gs_send(s, VIOS_RESET, g1, h1, NULL, 0);
	gs_connect(s, true);
	gs_echo(s, 10, 51);
	gs_send(s, VIOS_RESET, g1, h1, NULL, 0);
	gs_send(s, VIOS_RESET, s->g ^ 1, s->h, NULL, 0);
	gs_send(s, VIOS_RESET, s->g, s->h ^ 1, NULL, 0);
	gs_send(s, VIOS_RESET, s->g, VIOS_TOKEN_UNKNOWN, NULL, 0);
	gs_send(s, VIOS_RESET, VIOS_TOKEN_NONE, VIOS_TOKEN_NONE, NULL, 0);
	gs_send(s, VIOS_RESET, s->h, s->g, "payload", 7);
	/* A duplicate ACK is harmless too. */
	gs_send(s, VIOS_ACK, s->g, s->h, NULL, 0);
	/* A SYN with a reserved guest token is no session: ignored too. */
	gs_send(s, VIOS_SYN, VIOS_TOKEN_NONE, VIOS_TOKEN_UNKNOWN, NULL, 0);
	gs_send(s, VIOS_SYN, VIOS_TOKEN_UNKNOWN, VIOS_TOKEN_UNKNOWN, CAPS_FIN,
	    strlen(CAPS_FIN));
	/* Still established: the echo comes back, no RESET before it. */
	gs_echo(s, 100000, 52);
	ck_assert_int_eq(log_count(f.log, 0, "ended:"), 1);
	fix_done(&f);
}
END_TEST

/* No ACK within --ack-timeout: RESET(G, H) and the service closed. */
START_TEST(t_no_ack)
{
	static const char *const extra[] = { "--ack-timeout", ACK_TIMEOUT,
				    NULL };
	struct fix	 f;
	struct gs	*s;
	int64_t		 t0, ms;
	int		 svc;

	fix_start(&f, false, 1, extra);
	s = gs_open(&f, "g1", "ch0");
	t0 = tl_now_ms();		/* the timer starts after this */
	gs_syn(s, CAPS_FIN, CAPS_FIN);
	svc = svc_accept(&f);
	/* Neither establishes, nor reaches the service. */
	gs_send(s, VIOS_ACK, s->g, s->h ^ 1, NULL, 0);
	gs_send(s, VIOS_ACK, s->g ^ 1, s->h, NULL, 0);
	gs_send(s, VIOS_DATA, s->g, s->h, "early", 5);
	svc_expect_eof(&f, svc, ACK_MS + QUICK_MS);
	ms = tl_now_ms() - t0;
	fprintf(stderr, "# no ACK: service closed %lld ms after SYN\n",
	    (long long)ms);
	HOST_ASSERT(&f, ms >= ACK_MS - TIMER_SLACK_MS &&
	    ms < ACK_MS + QUICK_MS);
	gs_expect(s, VIOS_RESET, s->g, s->h, QUICK_MS);
	/* A late ACK is stale by now: answered with one RESET. */
	gs_send(s, VIOS_ACK, s->g, s->h, NULL, 0);
	gs_expect(s, VIOS_RESET, s->g, s->h, TL_TIMEOUT_MS);
	close(svc);
	log_wait(&f, 0, "ended: no ACK from guest", TL_TIMEOUT_MS);
	fix_done(&f);
}
END_TEST

struct nfds_arg {
	pid_t	 pid;
	int	 want;
};

static int
nfds_cond(void *arg)
{
	struct nfds_arg	*a = arg;

	return tl_proc_nfds(a->pid) == a->want;
}

/* Wait until the daemon holds want descriptors. */
static void
host_wait_nfds(struct fix *f, int want, int ms)
{
	struct nfds_arg	 a = { f->host, want };

	if (tl_wait_for(nfds_cond, &a, ms) == -1) {
		tl_dump_file(f->log, "host log");
		ck_abort_msg("daemon holds %d fds, expected %d",
		    tl_proc_nfds(f->host), want);
	}
}

/* SYN on guest/ch; the SYNACK within ms of t0 (a stand-in came up). */
static struct gs *
gs_syn_by(struct fix *f, const char *guest, const char *ch, int64_t t0,
    int ms)
{
	struct gs	*s;
	int64_t		 took;

	s = gs_open(f, guest, ch);
	gs_connect(s, true);
	took = tl_now_ms() - t0;
	fprintf(stderr, "# %s/%s: SYNACK %lld ms after the socket appeared\n",
	    guest, ch, (long long)took);
	HOST_ASSERT(f, took < ms);
	gs_echo(s, 1000, 61);
	return s;
}

/*
 * Guests and channels that appear after start are used within QUICK_MS;
 * removed ones are dropped (log and descriptors).
 */
START_TEST(t_hotplug)
{
	struct fix	 f;
	struct gs	*s;
	char		 path[PATH_MAX];
	int64_t		 t0;
	off_t		 from;
	int		 n0;

	fix_start(&f, true, 1, NULL);
	host_wait_open(&f, "g1/ch0");
	n0 = tl_proc_nfds(f.host);
	ck_assert_int_gt(n0, 0);

	/* A new guest directory with two channels. */
	standin_start(&f, 1, "g2", 2);
	t0 = tl_now_ms();
	s = gs_syn_by(&f, "g2", "ch1", t0, QUICK_MS);
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);
	gs_close(s);

	/* A new channel of a known guest. */
	standin_cmd(&f, 0, "add ch5");
	t0 = tl_now_ms();
	s = gs_syn_by(&f, "g1", "ch5", t0, QUICK_MS);
	gs_send(s, VIOS_RESET, s->g, s->h, NULL, 0);
	gs_close(s);
	host_wait_nfds(&f, n0 + 3, TL_TIMEOUT_MS);

	/* Removed: the channel, then the whole guest. */
	from = log_size(f.log);
	standin_cmd(&f, 0, "del ch5");
	log_wait(&f, from, "g1/ch5: channel removed", QUICK_MS);
	host_wait_nfds(&f, n0 + 2, QUICK_MS);
	standin_stop(&f, 1, SIGTERM);
	log_wait(&f, from, "g2/ch0: channel removed", QUICK_MS);
	log_wait(&f, from, "g2/ch1: channel removed", QUICK_MS);
	snprintf(path, sizeof(path), "%s/g2", f.root);
	ck_assert_int_eq(tl_rmtree(path), 0);
	log_wait2(&f, from, "g2: guest removed", "g2: guest directory gone",
	    QUICK_MS);
	host_wait_nfds(&f, n0, QUICK_MS);

	/* The guest that stayed is unharmed. */
	s = gs_session(&f, "g1", "ch0");
	gs_echo(s, 1000, 62);
	fix_done(&f);
}
END_TEST

/*
 * guest_dir itself vanishes with a session open: the daemon drops its
 * guests and goes on; when guest_dir comes back, new guests are served.
 */
START_TEST(t_root_gone)
{
	struct fix	 f;
	struct gs	*s;
	int64_t		 t0, ms;
	int		 svc;

	fix_start(&f, false, 1, NULL);
	s = gs_session(&f, "g1", "ch0");
	svc = svc_accept(&f);
	ck_assert_int_eq(tl_rmtree(f.root), 0);
	svc_expect_eof(&f, svc, TL_TIMEOUT_MS);
	close(svc);
	log_wait(&f, 0, "vanished; waiting for it to come back", TL_TIMEOUT_MS);
	ck_assert_int_eq(tl_kill(f.host, 0), 0);

	standin_start(&f, 1, "g2", 1);		/* makes guest_dir again */
	t0 = tl_now_ms();
	s = gs_session(&f, "g2", "ch0");
	ms = tl_now_ms() - t0;
	fprintf(stderr, "# guest_dir back: SYNACK after %lld ms\n",
	    (long long)ms);
	HOST_ASSERT(&f, ms < QUICK_MS);
	svc = svc_accept(&f);
	gs_send(s, VIOS_DATA, s->g, s->h, "x", 1);
	HOST_ASSERT(&f, tl_read_full(svc, (char[2]){ 0 }, 1, TL_TIMEOUT_MS) ==
	    0);
	close(svc);
	fix_done(&f);
}
END_TEST

/*
 * Stale sockets (a killed QEMU) are connected once they come alive.  The
 * failing retries are said once at WARN, then only at DEBUG.  (The
 * stand-in re-creates the sockets, so the daemon may have dropped and
 * found the channels again: the INFO line of an open after failures is
 * t_sighup_retry's to check.)
 */
START_TEST(t_stale_socket)
{
	static const char *const extra[] = { "--log-level", "debug", NULL };
	struct fix	 f;
	struct gs	*s;
	int64_t		 t0;
	off_t		 from;

	fix_init(&f);
	fix_echo(&f);
	/* Stale before the daemon starts. */
	standin_start(&f, 0, "g1", 2);
	standin_stop(&f, 0, SIGKILL);
	host_start(&f, extra);
	log_wait(&f, 0, "g1/ch1: cannot open", TL_TIMEOUT_MS);
	log_wait(&f, 0, "(4 attempts)", TL_TIMEOUT_MS);
	/* Each of the two channels said it once, then only counted. */
	HOST_ASSERT(&f, log_count(f.log, 0, "WARN: g1/ch") == 2);
	HOST_ASSERT(&f, log_count(f.log, 0, "retrying with back-off") == 2);
	standin_start(&f, 0, "g1", 2);
	t0 = tl_now_ms();
	s = gs_syn_by(&f, "g1", "ch1", t0, QUICK_MS);
	gs_close(s);

	/* Killed while the daemon is connected, with a session on it. */
	s = gs_session(&f, "g1", "ch0");
	gs_echo(s, 1000, 71);
	from = log_size(f.log);
	standin_stop(&f, 0, SIGKILL);
	gs_close(s);
	log_wait(&f, from, "ended: channel down", TL_TIMEOUT_MS);
	log_wait(&f, from, "g1/ch0: channel lost", TL_TIMEOUT_MS);
	standin_start(&f, 0, "g1", 2);
	t0 = tl_now_ms();
	gs_syn_by(&f, "g1", "ch0", t0, QUICK_MS);
	gs_syn_by(&f, "g1", "ch1", t0, QUICK_MS);
	fix_done(&f);
}
END_TEST

/*
 * SIGHUP retries a closed channel now, not at its next back-off step.  A
 * socket bound but not listening refuses without a sign inotify sees;
 * once the retries are 3.2 s apart it starts listening, then SIGHUP.
 */
START_TEST(t_sighup_retry)
{
	static const char *const extra[] = { "--log-level", "debug", NULL };
	struct sockaddr_un	 sun;
	struct fix		 f;
	char			 path[PATH_MAX];
	int64_t			 t0;
	int			 lfd, fd;

	fix_init(&f);
	fix_echo(&f);
	snprintf(path, sizeof(path), "%s/g1", f.root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/g1/ch0", f.root);
	ck_assert_int_eq(util_sockaddr_un(&sun, path), 0);
	ck_assert_int_ge(lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	host_start(&f, extra);
	/* The 6th failure: the next try is 3.2 s away. */
	log_wait(&f, 0, "g1/ch0: cannot open", TL_TIMEOUT_MS);
	log_wait(&f, 0, "(6 attempts)", TL_TIMEOUT_MS);
	ck_assert_int_eq(listen(lfd, 1), 0);
	t0 = tl_now_ms();
	ck_assert_int_eq(tl_kill(f.host, SIGHUP), 0);
	/* Well before the natural retry, even if this noticed it late. */
	HOST_ASSERT(&f, (fd = tl_accept(lfd, 1000)) >= 0);
	fprintf(stderr, "# SIGHUP: closed channel connected after %lld ms\n",
	    (long long)(tl_now_ms() - t0));
	log_wait(&f, 0, "g1/ch0: open after 6 failed attempts", TL_TIMEOUT_MS);
	close(fd);
	close(lfd);
	fix_done(&f);
}
END_TEST

/*
 * inotify reports a channel's removal after its name holds a socket again
 * (QEMU re-creating it, a rename away and back): the late REMOVE must
 * leave the live channel and its session alone.  The daemon is stopped
 * while the name goes and comes back, so it reads both events in one
 * batch; a guest created meanwhile, later in the same inotify queue, is
 * the sign that the batch has been handled.
 */
START_TEST(t_late_remove)
{
	struct fix	 f;
	struct gs	*s;
	char		 path[PATH_MAX], away[PATH_MAX];
	off_t		 from;
	int		 svc;

	fix_start(&f, false, 1, NULL);
	s = gs_session(&f, "g1", "ch0");
	svc = svc_accept(&f);
	gs_echo_svc(s, svc, "before", 6);
	from = log_size(f.log);

	snprintf(path, sizeof(path), "%s/g1/ch0", f.root);
	snprintf(away, sizeof(away), "%s/g1/.ch0", f.root);
	ck_assert_int_eq(tl_stop(f.host), 0);
	ck_assert_int_eq(rename(path, away), 0);
	ck_assert_int_eq(rename(away, path), 0);
	standin_start(&f, 1, "g2", 1);
	ck_assert_int_eq(tl_kill(f.host, SIGCONT), 0);
	host_wait_open(&f, "g2/ch0");

	HOST_ASSERT(&f, log_count(f.log, from, "channel removed") == 0);
	gs_echo_svc(s, svc, "after", 5);
	close(svc);
	fix_done(&f);
}
END_TEST

/* 20 guests x 4 channels: 80 sessions at once, each its own payload. */
START_TEST(t_many_guests)
{
	struct fix	 f;
	struct gs	*s[NGUESTS * NCHANS];
	char		 guest[NAME_LEN], ch[NAME_LEN];
	uint64_t	 hash, len;
	int64_t		 t0, ms;
	int		 i, n = NGUESTS * NCHANS;

	fix_init(&f);
	fix_echo(&f);
	for (i = 0; i < NGUESTS; i++) {
		snprintf(guest, sizeof(guest), "vm%02d", i);
		standin_start(&f, i, guest, NCHANS);
	}
	host_start(&f, NULL);
	t0 = tl_now_ms();
	for (i = 0; i < n; i++) {
		snprintf(guest, sizeof(guest), "vm%02d", i / NCHANS);
		snprintf(ch, sizeof(ch), "ch%d", i % NCHANS);
		s[i] = gs_open(&f, guest, ch);
		s[i]->g = token_new();
		gs_send(s[i], VIOS_SYN, s[i]->g, VIOS_TOKEN_UNKNOWN, CAPS_FIN,
		    strlen(CAPS_FIN));
	}
	/* Every SYN is out before the first SYNACK is read. */
	for (i = 0; i < n; i++) {
		gs_synack(s[i], CAPS_FIN);
		gs_send(s[i], VIOS_ACK, s[i]->g, s[i]->h, NULL, 0);
	}
	/* Every session carries its data before any is read back. */
	for (i = 0; i < n; i++)
		gs_send_data(s[i], MANY_BASE + (uint64_t)i * MANY_STEP,
		    1000 + (uint32_t)i);
	for (i = 0; i < n; i++) {
		len = MANY_BASE + (uint64_t)i * MANY_STEP;
		gs_stream(s[i], len, STALL_MS, &hash);
		HOST_ASSERT(&f, hash == tl_pattern_fnv(len, 1000 + (uint32_t)i));
	}
	ms = tl_now_ms() - t0;
	fprintf(stderr, "# %d sessions on %d guests: handshakes and echoes in "
	    "%lld ms\n", n, NGUESTS, (long long)ms);
	for (i = 0; i < n; i++) {
		gs_send(s[i], VIOS_FIN, s[i]->g, s[i]->h, NULL, 0);
		gs_expect(s[i], VIOS_FIN, s[i]->g, s[i]->h, TL_TIMEOUT_MS);
	}
	fix_done(&f);
}
END_TEST

/* 64 KiB of garbage: random, 'V' runs, bad versions, never "VS1". */
static void
garbage_fill(uint8_t *b, size_t n)
{
	size_t	 i;

	tl_pattern(b, n, 0, 99);
	for (i = 0; i + 64 < n; i += 4099) {
		memset(b + i, 'V', 40);
		memcpy(b + i + 40, "VS2D", 4);
	}
	for (i = 0; i + 2 < n; i++)
		if (b[i] == 'V' && b[i + 1] == 'S' && b[i + 2] == '1')
			b[i + 2] = '2';
	b[0] = b[n - 1] = '.';
}

/*
 * Stale frames an idle host must answer: DATA for two lost sessions in
 * turn, so that the RESET-once memory never holds the next one back.
 */
static void
stale_fill(uint8_t *b, size_t n)
{
	struct frame_hdr	 h = { VIOS_DATA, 0, 0, 0 };
	size_t			 i;

	for (i = 0; i + VIOS_HDR_LEN <= n; i += VIOS_HDR_LEN) {
		h.gtok = (i / VIOS_HDR_LEN) % 2 == 0 ? 0x11111111 : 0x22222222;
		h.htok = h.gtok + 1;
		frame_hdr_encode(b + i, &h);
	}
	memset(b + i, '.', n - i);
}

/* Fork a child writing block to fd count times (UINT64_MAX: until killed). */
static pid_t
block_writer(int fd, void (*fill)(uint8_t *, size_t), uint64_t count)
{
	static uint8_t	 block[GARBAGE_BLOCK];
	uint64_t	 i;
	pid_t		 pid;

	if ((pid = tl_fork(&fd, 1)) != 0)
		return pid;
	fill(block, sizeof(block));
	for (i = 0; i < count; i++)
		if (tl_write_full(fd, block, sizeof(block), WRITER_MS) == -1)
			_exit(1);
	_exit(0);
}

/* The "N bytes skipped" figure of label's SIGUSR1 line, after from. */
static unsigned long long
dump_skipped(struct fix *f, off_t from, const char *label)
{
	char			 needle[64], *buf, *p, *e;
	unsigned long long	 v = 0;

	snprintf(needle, sizeof(needle), "%s: attached", label);
	buf = log_read(f->log, from);
	if ((p = strstr(buf, needle)) != NULL &&
	    (e = strstr(p, " bytes skipped")) != NULL) {
		while (e > p && e[-1] >= '0' && e[-1] <= '9')
			e--;
		v = strtoull(e, NULL, 10);
	}
	free(buf);
	return v;
}

/* A non-reading guest's writer is still blocked, not done; then end it. */
static void
nonreader_done(struct fix *f, int i, struct gs *s, pid_t w)
{
	int	 st;

	HOST_ASSERT(f, waitpid(w, &st, WNOHANG) == 0);
	ck_assert_int_eq(tl_kill(w, SIGKILL), 0);
	ck_assert_int_eq(tl_waitpid_timeout(w, TL_TIMEOUT_MS, NULL), 0);
	/* Its unread output would hold the daemon's exit drain. */
	gs_close(s);
	standin_stop(f, i, SIGTERM);
}

/*
 * Guest ga floods 64 MiB of garbage; gb sends DATA without end and never
 * reads the echo; gd sends stale frames without end (each one answered
 * with RESET) and never reads.  Meanwhile gc's echo round trips stay
 * quick, and the daemon's memory stays bounded.  The window lasts until
 * the garbage is through, RTT_COUNT round trips and NOISY_MIN_MS at least:
 * long enough for an unbounded buffer to show.
 */
START_TEST(t_noisy_neighbours)
{
	struct fix	 f;
	struct gs	*ga, *gb, *gc, *gd;
	int64_t		 t0, t, rtt, rtt_max = 0, rtt_sum = 0;
	long		 rss, rss_max = 0;
	off_t		 from;
	pid_t		 wa, wb, wd;
	int		 n = 0, during = 0, st;
	bool		 flooding = true;

	fix_init(&f);
	fix_echo(&f);
#ifdef ASAN_QUARANTINE
	{
		const char	*old = getenv("ASAN_OPTIONS");
		char		 opts[1024];

		/* Read by the daemon at exec; this process is past its start. */
		snprintf(opts, sizeof(opts), "%s%s" ASAN_QUARANTINE,
		    old != NULL ? old : "", old != NULL && *old != '\0' ? ":" :
		    "");
		ck_assert_int_eq(setenv("ASAN_OPTIONS", opts, 1), 0);
	}
#endif
	standin_start(&f, 0, "ga", 1);
	standin_start(&f, 1, "gb", 1);
	standin_start(&f, 2, "gc", 1);
	standin_start(&f, 3, "gd", 1);
	host_start(&f, NULL);
	ga = gs_open(&f, "ga", "ch0");
	gb = gs_open(&f, "gb", "ch0");
	gc = gs_open(&f, "gc", "ch0");
	gd = gs_open(&f, "gd", "ch0");
	gs_connect(gb, true);
	gs_connect(gc, true);
	gs_echo(gc, RTT_BYTES, 80);
	host_wait_open(&f, "ga/ch0");
	host_wait_open(&f, "gd/ch0");

	t0 = tl_now_ms();
	ck_assert_int_gt(wb = frame_writer(gb->fd, gb->g, gb->h, UINT64_MAX,
	    81, 0), 0);
	ck_assert_int_gt(wd = block_writer(gd->fd, stale_fill, UINT64_MAX), 0);
	ck_assert_int_gt(wa = block_writer(ga->fd, garbage_fill,
	    GARBAGE_BYTES / GARBAGE_BLOCK), 0);
	while (flooding || n < RTT_COUNT || tl_now_ms() - t0 < NOISY_MIN_MS) {
		HOST_ASSERT(&f, tl_now_ms() - t0 < NOISY_MS);
		t = tl_now_ms();
		gs_echo(gc, RTT_BYTES, 82 + (uint32_t)n);
		rtt = tl_now_ms() - t;
		rtt_sum += rtt;
		if (rtt > rtt_max)
			rtt_max = rtt;
		n++;
		if (flooding)
			during++;
		if ((rss = tl_proc_rss_kb(f.host)) > rss_max)
			rss_max = rss;
		if (flooding && waitpid(wa, &st, WNOHANG) == wa) {
			flooding = false;
			HOST_ASSERT(&f, WIFEXITED(st) && WEXITSTATUS(st) == 0);
			fprintf(stderr, "# noisy: 64 MiB of garbage written in "
			    "%lld ms\n", (long long)(tl_now_ms() - t0));
		}
	}
	fprintf(stderr, "# noisy: %d round trips in %lld ms (%d during the "
	    "garbage), max %lld ms, mean %.2f ms; daemon RSS max %ld KiB\n",
	    n, (long long)(tl_now_ms() - t0), during, (long long)rtt_max,
	    (double)rtt_sum / n, rss_max);
	HOST_ASSERT(&f, rtt_max < RTT_MAX_MS);
	/* Under valgrind the RSS is mostly valgrind's: no bound there. */
	HOST_ASSERT(&f, rss_max > 0 && (tl_wrapped() || rss_max < RSS_MAX_KB));

	/* All garbage was parsed and skipped; the channel still answers. */
	gs_syn(ga, CAPS_FIN, CAPS_FIN);
	from = log_size(f.log);
	ck_assert_int_eq(tl_kill(f.host, SIGUSR1), 0);
	log_wait(&f, from, "guests under", TL_TIMEOUT_MS);
	ck_assert_uint_eq(dump_skipped(&f, from, "ga/ch0"), GARBAGE_BYTES);
	gs_send(ga, VIOS_RESET, ga->g, ga->h, NULL, 0);

	nonreader_done(&f, 1, gb, wb);
	nonreader_done(&f, 3, gd, wd);
	fix_done(&f);
}
END_TEST

/*
 * Write stream seed into fd until it takes nothing for QUIET_MS: every
 * buffer behind it is full.  Returns the byte count (below FILL_MAX).
 */
static size_t
fill(struct fix *f, int fd, uint32_t seed)
{
	uint8_t	 buf[4096];
	size_t	 total = 0;
	ssize_t	 r;

	for (;;) {
		tl_pattern(buf, sizeof(buf), total, seed);
		r = send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0)
			total += (size_t)r;
		else {
			HOST_ASSERT(f, errno == EAGAIN);
			if (tl_wait_writable(fd, QUIET_MS) == 0)
				break;
		}
		HOST_ASSERT(f, total < FILL_MAX);
	}
	return total;
}

/*
 * SIGTERM: exit 0 at once when idle, with a session (RESET sent), and
 * within the drain cut-off when the guest reads nothing.
 */
START_TEST(t_sigterm)
{
	struct fix	 f;
	struct gs	*s;
	int64_t		 ms;
	int		 svc;

	fix_start(&f, false, 2, NULL);
	host_wait_open(&f, "g1/ch0");
	host_wait_open(&f, "g1/ch1");
	ms = host_stop(&f);
	fprintf(stderr, "# SIGTERM, idle: exit 0 in %lld ms\n", (long long)ms);
	log_wait(&f, 0, "exiting", TL_TIMEOUT_MS);

	host_start(&f, NULL);
	s = gs_session(&f, "g1", "ch1");
	svc = svc_accept(&f);
	gs_send(s, VIOS_DATA, s->g, s->h, "abc", 3);
	HOST_ASSERT(&f, tl_read_full(svc, (char[4]){ 0 }, 3, TL_TIMEOUT_MS) ==
	    0);
	ms = host_stop(&f);
	fprintf(stderr, "# SIGTERM, a session: exit 0 in %lld ms\n",
	    (long long)ms);
	gs_expect(s, VIOS_RESET, s->g, s->h, TL_TIMEOUT_MS);
	svc_expect_eof(&f, svc, TL_TIMEOUT_MS);
	close(svc);

	/*
	 * A guest that reads nothing: its channel cannot drain, and the
	 * daemon waits for the cut-off (doc/protocol.md, section 8), however
	 * early its other channel (ch1, idle, its guest still there) is done.
	 */
	host_start(&f, NULL);
	s = gs_session(&f, "g1", "ch0");
	svc = svc_accept(&f);
	ck_assert_uint_gt(fill(&f, svc, 31), 0);
	ms = host_stop_within(&f, DRAIN_CUT_MS + EXIT_MS);
	fprintf(stderr, "# SIGTERM, a guest not reading: exit 0 in %lld ms\n",
	    (long long)ms);
	HOST_ASSERT(&f, ms >= DRAIN_CUT_MS * 9 / 10);
	close(svc);
	fix_done(&f);
}
END_TEST

/* Run the daemon with args; its exit status, stdout and stderr. */
static int
run_host(struct fix *f, const char *const *args, char *out, size_t outlen,
    char *err, size_t errlen)
{
	const char		*argv[16];
	char			 errpath[TMP_MAX_LEN + 16];
	struct tl_spawn_opts	 o = { NULL, NULL, NULL, -1 };
	ssize_t			 r;
	pid_t			 pid;
	int			 n = 0, st, fd;

	argv[n++] = HOST_PATH;
	while (*args != NULL && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	snprintf(errpath, sizeof(errpath), "%s/stderr", f->dir);
	unlink(errpath);
	o.stdout_fd = &fd;
	o.errlog = errpath;
	ck_assert_int_gt(pid = tl_spawn_ex((char *const *)argv, &o), 0);
	r = tl_read_until_eof(fd, out, outlen - 1, TL_TIMEOUT_MS);
	close(fd);
	ck_assert_int_ge(r, 0);
	out[r] = '\0';
	if (tl_waitpid_timeout(pid, TL_TIMEOUT_MS, &st) == -1) {
		tl_terminate(pid, TL_TIMEOUT_MS, NULL);
		ck_abort_msg("%s %s: did not exit", argv[1], argv[2]);
	}
	ck_assert_int_ge(fd = open(errpath, O_RDONLY | O_CLOEXEC), 0);
	r = read(fd, err, errlen - 1);
	close(fd);
	ck_assert_int_ge(r, 0);
	err[r] = '\0';
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Bad values: status 1, one line on stderr; --help, --version: 0. */
START_TEST(t_cmdline)
{
	struct fix	 f;
	char		 out[8192], err[8192], missing[TMP_MAX_LEN + 16];
	char		 file[TMP_MAX_LEN + 16];
	const char	*r, *m = missing, *fl = file;
	size_t		 i, len;
	int		 fd;

	fix_init(&f);
	r = f.root;
	snprintf(missing, sizeof(missing), "%s/missing", f.dir);
	snprintf(file, sizeof(file), "%s/file", f.dir);
	ck_assert_int_ge(fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644),
	    0);
	close(fd);
	{
		const char *const bad[][8] = {
			{ "--guest-dir", r, "--port", "0", NULL },
			{ "--guest-dir", r, "--port", "65536", NULL },
			{ "--guest-dir", r, "--port", "56x", NULL },
			{ "--guest-dir", r, "--port", "", NULL },
			{ "--guest-dir", r, "--log-level", "LOUD", NULL },
			{ "--guest-dir", r, "--log-level", NULL },
			{ "--guest-dir", r, "--service-addr", "localhost",
			    NULL },
			{ "--guest-dir", r, "--service-addr", "300.1.2.3",
			    NULL },
			{ "--guest-dir", r, "--service-addr", "", NULL },
			{ "--guest-dir", r, "--service-addr",
			    "127.0.0.1:9999", NULL },
			{ "--guest-dir", r, "--ack-timeout", "5x", NULL },
			{ "--guest-dir", r, "--connect-timeout", "-1s", NULL },
			{ "--guest-dir", m, NULL },
			{ "--guest-dir", fl, NULL },
			{ m, NULL },
			{ r, "5672", "debug", "extra", NULL },
			{ r, "0", NULL },
			{ r, "5672", "chatty", NULL },
			{ "--guest-dir", r, "--frob", NULL },
			{ "--guest-dir", "", NULL },
			{ "--guest-dir", r, "--match", "", NULL },
			{ "--guest-dir", r, "--match", "g1/ch*", NULL },
			{ "--guest-dir", r, "--ack-timeout", "0", NULL },
			{ "--guest-dir", r, r, NULL },
		};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			ck_assert_msg(run_host(&f, bad[i], out, sizeof(out),
			    err, sizeof(err)) == 1, "case %zu: status", i);
			len = strlen(err);
			ck_assert_msg(len > 0 && err[len - 1] == '\n' &&
			    strchr(err, '\n') == err + len - 1,
			    "case %zu: not one line: \"%s\"", i, err);
			ck_assert_msg(strncmp(err, "vios-proxy-host: ", 17) ==
			    0, "case %zu: \"%s\"", i, err);
			ck_assert_msg(out[0] == '\0', "case %zu: stdout", i);
		}
	}
	{
		const char *const help[] = { "--help", NULL };
		const char *const vers[] = { "--version", NULL };
		const char *const h2[] = { "-h", NULL };

		ck_assert_int_eq(run_host(&f, help, out, sizeof(out), err,
		    sizeof(err)), 0);
		ck_assert_str_eq(err, "");
		ck_assert(strncmp(out, "Usage: vios-proxy-host ", 23) == 0);
		ck_assert_ptr_nonnull(strstr(out, "--ack-timeout"));
		ck_assert_int_eq(run_host(&f, h2, out, sizeof(out), err,
		    sizeof(err)), 0);
		ck_assert(strncmp(out, "Usage: ", 7) == 0);
		ck_assert_int_eq(run_host(&f, vers, out, sizeof(out), err,
		    sizeof(err)), 0);
		ck_assert_str_eq(err, "");
		ck_assert_str_eq(out, "vios-proxy-host " PACKAGE_VERSION "\n");
	}
	fix_done(&f);
}
END_TEST

/* SIGUSR1: one line per channel, with state and counters; SIGHUP: no harm. */
START_TEST(t_usr1_hup)
{
	struct fix	 f;
	struct gs	*s;
	char		 line[256], buf[16];
	uint64_t	 hash;
	off_t		 from;
	int		 n0, svc;

	fix_start(&f, false, 2, NULL);
	host_wait_open(&f, "g1/ch1");
	s = gs_session(&f, "g1", "ch0");
	svc = svc_accept(&f);
	gs_send_data(s, 12345, 91);
	HOST_ASSERT(&f, tl_read_fnv(svc, 12345, TL_TIMEOUT_MS, &hash) == 0);
	tl_pattern(payload, 999, 0, 92);
	HOST_ASSERT(&f, tl_write_full(svc, payload, 999, TL_TIMEOUT_MS) == 0);
	gs_stream(s, 999, TL_TIMEOUT_MS, &hash);

	from = log_size(f.log);
	ck_assert_int_eq(tl_kill(f.host, SIGUSR1), 0);
	log_wait(&f, from, "1 guests under", TL_TIMEOUT_MS);
	HOST_ASSERT(&f, log_count(f.log, from, "g1/ch") == 2);
	snprintf(line, sizeof(line), "g1/ch0: attached, established, session "
	    "%08x/%08x, 1 sessions, 0 errors, 12345 bytes to TCP, 999 from "
	    "TCP, ", s->g, s->h);
	HOST_ASSERT(&f, log_count(f.log, from, line) == 1);
	HOST_ASSERT(&f, log_count(f.log, from, "g1/ch1: attached, idle, "
	    "session 52525252/52525252, 0 sessions, 0 errors, 0 bytes to TCP, "
	    "0 from TCP, 0 frames, 0 bytes skipped") == 1);
	HOST_ASSERT(&f, log_count(f.log, from, "NOTICE: guest g1: ") == 1);

	/* SIGHUP rescans: nothing reopened, the session goes on. */
	n0 = tl_proc_nfds(f.host);
	from = log_size(f.log);
	ck_assert_int_eq(tl_kill(f.host, SIGHUP), 0);
	log_wait(&f, from, "SIGHUP: rescanning", TL_TIMEOUT_MS);
	gs_send(s, VIOS_DATA, s->g, s->h, "hup", 3);
	HOST_ASSERT(&f, tl_read_full(svc, buf, 3, TL_TIMEOUT_MS) == 0);
	ck_assert_mem_eq(buf, "hup", 3);
	ck_assert_int_eq(tl_kill(f.host, SIGUSR1), 0);
	log_wait(&f, from, "1 guests under", TL_TIMEOUT_MS);
	snprintf(line, sizeof(line), "g1/ch0: attached, established, session "
	    "%08x/%08x, 1 sessions, 0 errors, 12348 bytes to TCP, 999 from "
	    "TCP, ", s->g, s->h);
	HOST_ASSERT(&f, log_count(f.log, from, line) == 1);
	HOST_ASSERT(&f, log_count(f.log, from, "channel found") == 0);
	HOST_ASSERT(&f, log_count(f.log, from, "channel open") == 0);
	HOST_ASSERT(&f, log_count(f.log, from, "ended") == 0);
	ck_assert_int_eq(tl_proc_nfds(f.host), n0);
	close(svc);
	fix_done(&f);
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("host");

	tcase_add_test(checkmain_tcase(s, "echo"), t_echo);
	tcase_add_test(checkmain_tcase(s, "upload"), t_upload);
	tcase_add_test(checkmain_tcase(s, "upload_reset"), t_upload_reset);
	tcase_add_test(checkmain_tcase(s, "download"), t_download);
	tcase_add_test(checkmain_tcase(s, "download_nocaps"),
	    t_download_nocaps);
	tcase_add_test(checkmain_tcase(s, "duplex"), t_duplex);
	tcase_add_test(checkmain_tcase(s, "service_down"), t_service_down);
	tcase_add_test(checkmain_tcase(s, "syn_supersedes"), t_syn_supersedes);
	tcase_add_test(checkmain_tcase(s, "junk_before_syn"),
	    t_junk_before_syn);
	tcase_add_test(checkmain_tcase(s, "zero_data"), t_zero_data);
	tcase_add_test(checkmain_tcase(s, "half_close"), t_half_close);
	tcase_add_test(checkmain_tcase(s, "reset_drains"), t_reset_drains);
	tcase_add_test(checkmain_tcase(s, "small_frames"), t_small_frames);
	tcase_add_test(checkmain_tcase(s, "host_restart"), t_host_restart);
	tcase_add_test(checkmain_tcase(s, "qemu_hangup"), t_qemu_hangup);
	tcase_add_test(checkmain_tcase(s, "connect_timeout"),
	    t_connect_timeout);
	tcase_add_test(checkmain_tcase(s, "match"), t_match);
	tcase_add_test(checkmain_tcase(s, "default_match"), t_default_match);
	tcase_add_test(checkmain_tcase(s, "service_addr6"), t_service_addr6);
	tcase_add_test(checkmain_tcase(s, "foreign_tokens"), t_foreign_tokens);
	tcase_add_test(checkmain_tcase(s, "late_reset"), t_late_reset);
	tcase_add_test(checkmain_tcase(s, "no_ack"), t_no_ack);
	tcase_add_test(checkmain_tcase(s, "hotplug"), t_hotplug);
	tcase_add_test(checkmain_tcase(s, "stale_socket"), t_stale_socket);
	tcase_add_test(checkmain_tcase(s, "sighup_retry"), t_sighup_retry);
	tcase_add_test(checkmain_tcase(s, "late_remove"), t_late_remove);
	tcase_add_test(checkmain_tcase(s, "root_gone"), t_root_gone);
	tcase_add_test(checkmain_tcase(s, "many_guests"), t_many_guests);
	tcase_add_test(checkmain_tcase(s, "noisy_neighbours"),
	    t_noisy_neighbours);
	tcase_add_test(checkmain_tcase(s, "sigterm"), t_sigterm);
	tcase_add_test(checkmain_tcase(s, "cmdline"), t_cmdline);
	tcase_add_test(checkmain_tcase(s, "usr1_hup"), t_usr1_hup);
	return s;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_faults.c: fault injection and hostile guests (issue 6).  Each case
 * runs the fixture of check_e2e.c: the stand-in for guest "vm1", both
 * daemons and a loopback service, clients connecting to the guest daemon.
 * Fault cases break one piece mid-session (SIGKILL a daemon, the stand-in
 * or the service, a client RST, a stalled service, a channel removed) and
 * require that the next session works, that neither daemon holds more
 * descriptors than before and that both stay under RSS_MAX_KB.  Hostile
 * cases add a second stand-in, guest "evil", whose channels a forked
 * attacker drives with raw bytes; meanwhile vm1's echo median latency must
 * stay within twice its quiet baseline (plus LAT_FLOOR_MS).  Figures go to
 * stderr (the test log); stdout is the TAP stream.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkmain.h"
#include "testlib.h"
#include "vios.h"

#if !defined(STANDIN_PATH) || !defined(HOST_PATH) || !defined(GUEST_PATH)
#error "STANDIN_PATH, HOST_PATH and GUEST_PATH must name the built programs"
#endif

#define VM		"vm1"		/* the well-behaved guest */
#define EVIL		"evil"		/* the hostile one */
#define EVIL_CHANS	4
#define EVIL_G		0x0a0b0c0dU	/* the evil guest's well-behaved SYN */
#define CHANS_MAX	8
#define TMP_MAX_LEN	200
#define CHUNK		(64 * 1024)

#define RECOVER_MS	5000	/* a restarted piece serves the next client */
#define REFUSE_MS	2000	/* a cut client sees EOF or RST */
#define STOP_MS		2000	/* SIGTERM to exit */
#define QUIET_MS	300	/* a writer that moves nothing for this is blocked */
#define SETTLE_MS	100	/* a just-ended session's fds are closed */

#define SMALL		4096
#define MID		(256 * 1024)
#define MIB		(1u << 20)
#define ENDLESS		(1ULL << 40)
#define MIDWAY		MIB
#define KILL_POINTS	3	/* guest SIGKILLs at random points */
#define KILL_MAX_MIB	6	/* ... after 1..this many MiB */
#define KILL_SEED	20261121u
#define STALL_BYTES	(64u << 20)	/* a client pushes at a stalled service */
#define LAT_RTT		50	/* round trips per median */
#define LAT_BYTES	1024
#define LAT_WINDOWS	1000	/* windows of LAT_RTT in one attack, at most */

#define SYN_FLOOD	5000	/* SYNs with fresh G */
#define HOSTILE_MIN_MS	1000	/* the attack runs at least this long */

#ifdef __SANITIZE_ADDRESS__
/* ASan's shadow and free quarantine are not the daemons' buffers: the
 * quarantine is capped (read by each daemon at exec), the shadow allowed. */
#define RSS_MAX_KB	(128 * 1024)
#define ASAN_QUARANTINE	"quarantine_size_mb=16"
#define LAT_FLOOR_MS	5.0	/* instrumented hunting for sync is slow */
#else
#define RSS_MAX_KB	(32 * 1024)	/* each daemon, any fault or attack */
#define LAT_FLOOR_MS	2.0	/* absolute slack over twice the baseline */
#endif

struct fx {
	char		 dir[TMP_MAX_LEN];
	char		 root[TMP_MAX_LEN + 16];	/* HOSTROOT */
	char		 gdir[TMP_MAX_LEN + 32];	/* HOSTROOT.guest/vm1 */
	char		 log[TMP_MAX_LEN + 16];
	const char	*si_opt;			/* stand-in option */
	const char	*host_level;			/* --log-level */
	int		 nchans;
	pid_t		 standin;
	pid_t		 evil;
	pid_t		 host;
	pid_t		 guest;
	pid_t		 svc;
	int		 cmd_in, cmd_out;
	int		 evil_in, evil_out;
	uint16_t	 svc_port;
	uint16_t	 port;
	int		 hfds, gfds;		/* baselines */
};

static double
now_ms_f(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* --- processes ----------------------------------------------------------- */

static pid_t
standin_spawn(struct fx *f, const char *vm, int nchans, int *in, int *out)
{
	pid_t	 pid;

	ck_assert_int_le(nchans, CHANS_MAX);
	pid = tl_standin(f->root, vm, nchans, strcmp(vm, VM) == 0 ?
	    f->si_opt : NULL, f->log, in, out);
	TL_ASSERT_LOG(pid > 0, f->log);
	return pid;
}

static void
standin_start(struct fx *f)
{
	f->standin = standin_spawn(f, VM, f->nchans, &f->cmd_in, &f->cmd_out);
}

static void
host_start(struct fx *f)
{
	f->host = tl_daemon(f->log, HOST_PATH, "--guest-dir", f->root,
	    f->svc_port, f->host_level, NULL, NULL);
	TL_ASSERT_LOG(f->host > 0, f->log);
}

static void
guest_start(struct fx *f)
{
	f->guest = tl_daemon(f->log, GUEST_PATH, "--host-dir", f->gdir,
	    f->port, "debug", NULL, NULL);
	TL_ASSERT_LOG(f->guest > 0, f->log);
}

/* SIGKILL pid and reap it (*pid becomes -1). */
static void
proc_kill(struct fx *f, pid_t *pid)
{
	TL_ASSERT_LOG(tl_kill_reap(*pid) == 0, f->log);
	*pid = -1;
}

static void
daemon_stop(struct fx *f, pid_t *pid)
{
	int	 st;

	TL_ASSERT_LOG(tl_kill(*pid, SIGTERM) == 0, f->log);
	TL_ASSERT_LOG(tl_waitpid_timeout(*pid, STOP_MS, &st) == 0, f->log);
	TL_ASSERT_LOG(WIFEXITED(st) && WEXITSTATUS(st) == 0, f->log);
	*pid = -1;
}

/* --- clients ------------------------------------------------------------- */

static int
client(struct fx *f, int timeout_ms)
{
	int	 fd = tl_tcp_connect(f->port, timeout_ms);

	TL_ASSERT_LOG(fd >= 0, f->log);
	return fd;
}

static void
put(struct fx *f, int fd, const void *buf, size_t n)
{
	TL_ASSERT_LOG(tl_write_full(fd, buf, n, TL_TIMEOUT_MS) == 0, f->log);
}

static void
say(struct fx *f, int fd, const void *p, size_t n)
{
	uint8_t	 got[LAT_BYTES];

	ck_assert_uint_le(n, sizeof(got));
	put(f, fd, p, n);
	TL_ASSERT_LOG(tl_read_full(fd, got, n, TL_TIMEOUT_MS) == 0, f->log);
	ck_assert_mem_eq(got, p, n);
}

/* Read and drop until EOF or a reset: 0, or -1 when none came in time. */
static int
wait_closed(int fd, int timeout_ms)
{
	uint8_t	 buf[CHUNK];
	int64_t	 deadline = tl_now_ms() + timeout_ms;
	ssize_t	 r;

	for (;;) {
		if (tl_now_ms() >= deadline ||
		    tl_readable(fd, tl_left_ms(deadline)) != 1)
			return -1;
		r = read(fd, buf, sizeof(buf));
		if (r == 0 || (r == -1 && (errno == ECONNRESET ||
		    errno == EPIPE)))
			return 0;
		if (r == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

/*
 * One client: n bytes of stream seed, half-close, echo read to EOF.  1
 * when exactly those bytes came back, 0 when closed before any byte came
 * back (refused while a piece is still coming back); else the case fails.
 */
static int
echo_try(struct fx *f, uint32_t seed, size_t n, int64_t deadline)
{
	uint8_t	*out, *in;
	ssize_t	 got;
	int	 fd, served;

	ck_assert_ptr_nonnull(out = malloc(n));
	ck_assert_ptr_nonnull(in = malloc(n + 1));
	tl_pattern(out, n, 0, seed);
	fd = client(f, tl_left_ms(deadline));
	if (tl_write_full(fd, out, n, tl_left_ms(deadline)) == 0)
		ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	else
		TL_ASSERT_LOG(errno == EPIPE || errno == ECONNRESET, f->log);
	got = tl_read_until_eof(fd, in, n + 1, tl_left_ms(deadline));
	if (got == -1)
		TL_ASSERT_LOG(errno == ECONNRESET, f->log);
	served = got > 0;
	if (served) {
		TL_ASSERT_LOG((size_t)got == n, f->log);
		ck_assert_mem_eq(in, out, n);
	}
	close(fd);
	free(out);
	free(in);
	return served;
}

/* Clients until one is served, within timeout_ms; returns the ms. */
static int64_t
echo_served(struct fx *f, uint32_t seed, size_t n, int timeout_ms)
{
	int64_t	 t0 = tl_now_ms(), deadline = t0 + timeout_ms;

	while (echo_try(f, seed, n, deadline) == 0)
		TL_ASSERT_LOG(tl_now_ms() < deadline, f->log);
	return tl_now_ms() - t0;
}

static void
writer_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	tl_waitpid_timeout(pid, TL_TIMEOUT_MS, NULL);
}

/* A client mid-way through an endless echo: mib MiB came back intact. */
static int
midway_client(struct fx *f, uint32_t seed, uint64_t bytes, pid_t *writer)
{
	uint64_t	 h;
	int		 fd;

	fd = client(f, TL_TIMEOUT_MS);
	ck_assert_int_gt(*writer = tl_writer(fd, ENDLESS, seed), 0);
	TL_ASSERT_LOG(tl_read_fnv(fd, bytes, TL_TIMEOUT_MS, &h) == 0, f->log);
	ck_assert(h == tl_pattern_fnv(bytes, seed));
	return fd;
}

/* --- leaks ---------------------------------------------------------------- */

/* The /proc/PID/net lines of socket inode ino ("123]"), to stderr. */
static void
sock_dump(pid_t pid, const char *ino)
{
	static const char	*tables[] = { "tcp", "tcp6", "unix" };
	char			 path[64], line[512], needle[32], *p;
	FILE			*fp;
	size_t			 i;

	snprintf(needle, sizeof(needle), " %.*s", (int)strcspn(ino, "]"),
	    ino);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid,
		    tables[i]);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL)
			if ((p = strstr(line, needle)) != NULL &&
			    strchr(" \n", p[strlen(needle)]) != NULL)
				fprintf(stderr, "#   %s: %s", tables[i], line);
		fclose(fp);
	}
}

/* What pid holds, to stderr: which descriptor leaked. */
static void
fds_dump(pid_t pid, const char *what)
{
	char	 path[64], target[256];
	ssize_t	 n;
	int	 i;

	for (i = 0; i < 1024; i++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, i);
		if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
			continue;
		target[n] = '\0';
		fprintf(stderr, "# %s fd %d: %s\n", what, i, target);
		if (strncmp(target, "socket:[", 8) == 0)
			sock_dump(pid, target + 8);
	}
}

/* The daemon pid (what) holds at most max fds within TL_TIMEOUT_MS. */
static void
fds_settle(struct fx *f, pid_t pid, int max, const char *what)
{
	if (tl_wait_nfds(pid, max, TL_TIMEOUT_MS) == 0)
		return;
	tl_dump_file(f->log, "log");
	fds_dump(pid, what);
	ck_abort_msg("%s holds %d descriptors, at most %d before", what,
	    tl_proc_nfds(pid), max);
}

/*
 * The descriptors pid holds once the session just ended is closed: a
 * count caught mid-close drops within SETTLE_MS (a short bounded poll;
 * if nothing drops the count stands).
 */
static int
fds_idle(pid_t pid)
{
	int	 cur;

	ck_assert_int_gt(cur = tl_proc_nfds(pid), 0);
	while (tl_wait_nfds(pid, cur - 1, SETTLE_MS) == 0)
		ck_assert_int_gt(cur = tl_proc_nfds(pid), 0);
	return cur;
}

/* RSS of one daemon, under the bound unless wrapped (valgrind). */
static long
rss_check(struct fx *f, pid_t pid)
{
	long	 kb = tl_proc_rss_kb(pid);

	TL_ASSERT_LOG(kb > 0, f->log);
	TL_ASSERT_LOG(tl_wrapped() || kb < RSS_MAX_KB, f->log);
	return kb;
}

/*
 * After a fault: the next session works, no descriptor more than the
 * baselines (a restarted daemon is held to its predecessor's count), both
 * RSS bounded.
 */
static void
after_fault(struct fx *f, const char *what, uint32_t seed)
{
	int64_t	 ms;
	long	 hk, gk;

	ms = echo_served(f, seed, MID, RECOVER_MS);
	ck_assert_int_eq(echo_try(f, seed + 1, SMALL, tl_now_ms() +
	    TL_TIMEOUT_MS), 1);
	fds_settle(f, f->host, f->hfds, "host daemon");
	fds_settle(f, f->guest, f->gfds, "guest daemon");
	hk = rss_check(f, f->host);
	gk = rss_check(f, f->guest);
	fprintf(stderr, "# faults %s: next client served in %lld ms; fds host "
	    "%d guest %d; rss host %ld KiB guest %ld KiB\n", what,
	    (long long)ms, tl_proc_nfds(f->host), tl_proc_nfds(f->guest), hk,
	    gk);
}

/* --- fixture ------------------------------------------------------------- */

/*
 * Everything up and one client served.  host_level: the host daemon's
 * --log-level ("info" where a flood of debug lines per hostile frame
 * would be what the case measures).
 */
static void
fx_start_ex(struct fx *f, int nchans, const char *si_opt,
    const char *host_level)
{
	char	*dir;

	memset(f, 0, sizeof(*f));
	f->standin = f->evil = f->host = f->guest = f->svc = -1;
	f->cmd_in = f->cmd_out = f->evil_in = f->evil_out = -1;
	f->nchans = nchans;
	f->si_opt = si_opt;
	f->host_level = host_level;
	ck_assert_ptr_nonnull(dir = tl_tmpdir("faults"));
	ck_assert_uint_lt(strlen(dir), TMP_MAX_LEN);
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	snprintf(f->root, sizeof(f->root), "%s/host", dir);
	snprintf(f->gdir, sizeof(f->gdir), "%s/host.guest/%s", dir, VM);
	snprintf(f->log, sizeof(f->log), "%s/faults.log", dir);
	free(dir);

#ifdef ASAN_QUARANTINE
	{
		const char	*old = getenv("ASAN_OPTIONS");
		char		 opts[1024];

		if (old == NULL || strstr(old, ASAN_QUARANTINE) == NULL) {
			snprintf(opts, sizeof(opts), "%s%s" ASAN_QUARANTINE,
			    old != NULL ? old : "", old != NULL &&
			    *old != '\0' ? ":" : "");
			ck_assert_int_eq(setenv("ASAN_OPTIONS", opts, 1), 0);
		}
	}
#endif
	ck_assert_int_gt(f->svc = tl_echo_server(&f->svc_port), 0);
	standin_start(f);
	host_start(f);
	f->port = tl_free_port();
	ck_assert_uint_gt(f->port, 0);
	guest_start(f);
	echo_served(f, 1, SMALL, TL_TIMEOUT_MS);
	ck_assert_int_eq(echo_try(f, 2, SMALL, tl_now_ms() + TL_TIMEOUT_MS), 1);
	f->hfds = fds_idle(f->host);
	f->gfds = fds_idle(f->guest);
}

static void
fx_start(struct fx *f, int nchans, const char *si_opt)
{
	fx_start_ex(f, nchans, si_opt, "debug");
}

static void
fx_stop(struct fx *f)
{
	int	 st;

	/* The hostile guest's unread output would hold the host's exit
	 * drain (up to VIOS_SHUTDOWN_MS): its stand-in goes first. */
	if (f->evil > 0)
		tl_terminate(f->evil, TL_TIMEOUT_MS, NULL);
	f->evil = -1;
	if (f->guest > 0)
		daemon_stop(f, &f->guest);
	if (f->host > 0)
		daemon_stop(f, &f->host);
	TL_ASSERT_LOG(tl_terminate(f->standin, TL_TIMEOUT_MS, &st) == 0,
	    f->log);
	TL_ASSERT_LOG(WIFEXITED(st) && WEXITSTATUS(st) == 0, f->log);
	if (f->svc > 0)
		tl_terminate(f->svc, TL_TIMEOUT_MS, NULL);
	close(f->cmd_in);
	close(f->cmd_out);
	if (f->evil_in >= 0) {
		close(f->evil_in);
		close(f->evil_out);
	}
	ck_assert_int_eq(tl_rmtree(f->dir), 0);
}

static void
standin_cmd(struct fx *f, const char *cmd)
{
	char	 reply[256];

	put(f, f->cmd_in, cmd, strlen(cmd));
	put(f, f->cmd_in, "\n", 1);
	TL_ASSERT_LOG(tl_wait_line(f->cmd_out, "", TL_TIMEOUT_MS, reply,
	    sizeof(reply)) == 0, f->log);
	ck_assert_str_eq(reply, "ok");
}

/* --- fault cases --------------------------------------------------------- */

/*
 * The guest daemon SIGKILLed at KILL_POINTS seeded random points of an
 * endless echo (after 1..KILL_MAX_MIB MiB), restarted each time.
 */
START_TEST(t_guest_kill_random)
{
	struct fx	 f;
	unsigned int	 seed = KILL_SEED;
	uint64_t	 at;
	char		 what[64];
	pid_t		 w;
	int		 i, fd;

	fx_start(&f, 1, NULL);
	for (i = 0; i < KILL_POINTS; i++) {
		at = (uint64_t)(1 + rand_r(&seed) % KILL_MAX_MIB) * MIB +
		    (uint64_t)(rand_r(&seed) % MIB);
		fd = midway_client(&f, 100 + (uint32_t)i, at, &w);
		proc_kill(&f, &f.guest);
		TL_ASSERT_LOG(wait_closed(fd, REFUSE_MS) == 0, f.log);
		close(fd);
		writer_kill(w);
		guest_start(&f);
		snprintf(what, sizeof(what), "guest SIGKILL after %llu bytes",
		    (unsigned long long)at);
		after_fault(&f, what, 110 + 2 * (uint32_t)i);
	}
	fx_stop(&f);
}
END_TEST

/* The host daemon SIGKILLed mid-transfer, restarted (QEMU hangs up). */
START_TEST(t_host_kill)
{
	struct fx	 f;
	pid_t		 w;
	int		 fd;

	fx_start(&f, 1, "--hup-guest");
	fd = midway_client(&f, 120, MIDWAY, &w);
	proc_kill(&f, &f.host);
	TL_ASSERT_LOG(wait_closed(fd, REFUSE_MS) == 0, f.log);
	close(fd);
	writer_kill(w);
	host_start(&f);
	after_fault(&f, "host SIGKILL", 121);
	fx_stop(&f);
}
END_TEST

/*
 * The stand-in SIGKILLed mid-transfer: its sockets vanish, the socket
 * files stay.  Restarted on the same paths, both daemons reconnect.
 */
START_TEST(t_standin_kill)
{
	struct fx	 f;
	char		*hsock;
	pid_t		 w;
	int		 fd;

	fx_start(&f, 1, NULL);
	fd = midway_client(&f, 130, MIDWAY, &w);
	proc_kill(&f, &f.standin);
	close(f.cmd_in);
	close(f.cmd_out);
	ck_assert_ptr_nonnull(hsock = tl_path(f.root, VM "/ch0"));
	ck_assert_int_eq(tl_cond_exists(hsock), 1);	/* stale */
	free(hsock);
	TL_ASSERT_LOG(wait_closed(fd, RECOVER_MS) == 0, f.log);
	close(fd);
	writer_kill(w);
	standin_start(&f);
	after_fault(&f, "stand-in SIGKILL", 131);
	fx_stop(&f);
}
END_TEST

/* The service SIGKILLed mid-session and restarted on the same port. */
START_TEST(t_service_kill)
{
	struct fx	 f;
	pid_t		 w;
	int		 fd;

	fx_start(&f, 1, NULL);
	fd = midway_client(&f, 140, MIDWAY, &w);
	proc_kill(&f, &f.svc);
	TL_ASSERT_LOG(wait_closed(fd, REFUSE_MS) == 0, f.log);
	close(fd);
	writer_kill(w);
	ck_assert_int_gt(f.svc = tl_echo_server_at(f.svc_port), 0);
	after_fault(&f, "service SIGKILL", 141);
	fx_stop(&f);
}
END_TEST

/*
 * A client resets (SO_LINGER 0) mid-transfer, twice.  Regression: the
 * guest's write to it failed with output pending, and the session was
 * left draining with libevent's write disabled, holding its fd for good.
 */
START_TEST(t_client_rst)
{
	struct fx	 f;
	struct linger	 lg = { 1, 0 };
	pid_t		 w;
	int		 i, fd;

	fx_start(&f, 1, NULL);
	for (i = 0; i < 2; i++) {
		fd = midway_client(&f, 150 + (uint32_t)i, MIDWAY, &w);
		writer_kill(w);
		ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg)), 0);
		close(fd);
		fds_settle(&f, f.guest, f.gfds, "guest daemon after RST");
		after_fault(&f, "client RST", 160 + 2 * (uint32_t)i);
	}
	fx_stop(&f);
}
END_TEST

/*
 * A service that accepts and never reads while the client pushes up to
 * STALL_BYTES: the client's writes stall well before that (backpressure
 * all the way back), and both daemons stay under RSS_MAX_KB meanwhile.
 */
START_TEST(t_stalled_service)
{
	struct fx	 f;
	uint8_t		 buf[CHUNK];
	uint64_t	 sent = 0;
	long		 hk = 0, gk = 0, k;
	ssize_t		 r;
	int		 lfd, sfd, fd;

	fx_start(&f, 1, NULL);
	proc_kill(&f, &f.svc);
	ck_assert_int_ge(lfd = tl_tcp_listen_at(f.svc_port), 0);
	fd = client(&f, TL_TIMEOUT_MS);
	TL_ASSERT_LOG((sfd = tl_accept(lfd, TL_TIMEOUT_MS)) >= 0, f.log);
	ck_assert_int_eq(tl_set_nonblock(fd, 1), 0);
	tl_pattern(buf, sizeof(buf), 0, 170);
	while (sent < STALL_BYTES) {
		r = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
		if (r > 0) {
			sent += (uint64_t)r;
			continue;
		}
		TL_ASSERT_LOG(r == -1 && errno == EAGAIN, f.log);
		if (tl_wait_writable(fd, QUIET_MS) == 0)
			break;			/* blocked: backpressure */
	}
	if ((k = rss_check(&f, f.host)) > hk)
		hk = k;
	if ((k = rss_check(&f, f.guest)) > gk)
		gk = k;
	fprintf(stderr, "# faults stalled service: client blocked after %llu "
	    "bytes; rss host %ld KiB guest %ld KiB\n",
	    (unsigned long long)sent, hk, gk);
	TL_ASSERT_LOG(sent < STALL_BYTES, f.log);
	/* Still blocked a while later: nothing is buffered without bound. */
	TL_ASSERT_LOG(tl_wait_writable(fd, QUIET_MS) == 0, f.log);
	rss_check(&f, f.host);
	rss_check(&f, f.guest);

	close(fd);
	close(sfd);
	close(lfd);
	ck_assert_int_gt(f.svc = tl_echo_server_at(f.svc_port), 0);
	after_fault(&f, "stalled service", 171);
	fx_stop(&f);
}
END_TEST

/* The only channel removed mid-session (stand-in del), then re-added. */
START_TEST(t_chan_del)
{
	struct fx	 f;
	pid_t		 w;
	int		 fd;

	fx_start(&f, 1, NULL);
	fd = midway_client(&f, 180, MIDWAY, &w);
	standin_cmd(&f, "del ch0");
	TL_ASSERT_LOG(wait_closed(fd, REFUSE_MS) == 0, f.log);
	close(fd);
	writer_kill(w);
	standin_cmd(&f, "add ch0");
	after_fault(&f, "channel removed", 181);
	fx_stop(&f);
}
END_TEST

/* --- hostile guests ------------------------------------------------------ */

static int
dbl_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n samples (sorted in place). */
static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), dbl_cmp);
	return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* LAT_RTT round trips on a live session fd: their ms into v. */
static void
rtt_window(struct fx *f, int fd, uint32_t seed, double *v)
{
	uint8_t	 msg[LAT_BYTES];
	double	 t;
	int	 i;

	for (i = 0; i < LAT_RTT; i++) {
		tl_pattern(msg, sizeof(msg), (uint64_t)i, seed);
		t = now_ms_f();
		say(f, fd, msg, sizeof(msg));
		v[i] = now_ms_f() - t;
	}
}

/* The attacker's raw channel ch<i> of guest EVIL (what the guest opens). */
static int
evil_open(struct fx *f, int i)
{
	char	 path[TMP_MAX_LEN + 64];
	int	 fd;

	snprintf(path, sizeof(path), "%s.guest/%s/ch%d", f->root, EVIL, i);
	fd = tl_unix_connect(path, TL_TIMEOUT_MS);
	TL_ASSERT_LOG(fd >= 0, f->log);
	return fd;
}

/* What the host's SIGUSR1 dump says of one channel. */
struct chan_dump {
	unsigned long long	 sessions, errors, to_tcp, from_tcp, frames,
				 skipped;
};

struct dump_wait {
	const char	*log;
	off_t		 from;
	const char	*label;
	char		*line;		/* malloc'd once found */
};

static int
dump_cond(void *arg)
{
	struct dump_wait	*w = arg;
	FILE			*fp;
	char			 buf[1024], needle[64];
	int			 found = 0;

	snprintf(needle, sizeof(needle), " %s: ", w->label);
	if ((fp = fopen(w->log, "r")) == NULL)
		return 0;
	if (fseeko(fp, w->from, SEEK_SET) == 0)
		while (!found && fgets(buf, sizeof(buf), fp) != NULL)
			if (strstr(buf, needle) != NULL &&
			    strstr(buf, "bytes skipped") != NULL) {
				w->line = strdup(buf);
				found = 1;
			}
	fclose(fp);
	return found;
}

/* SIGUSR1 the host daemon and parse its line for channel label. */
static void
host_dump(struct fx *f, const char *label, struct chan_dump *d)
{
	struct dump_wait	 w = { f->log, 0, label, NULL };
	FILE			*fp;
	const char		*p;

	ck_assert_ptr_nonnull(fp = fopen(f->log, "r"));
	ck_assert_int_eq(fseeko(fp, 0, SEEK_END), 0);
	w.from = ftello(fp);
	fclose(fp);
	ck_assert_int_eq(tl_kill(f->host, SIGUSR1), 0);
	TL_ASSERT_LOG(tl_wait_for(dump_cond, &w, TL_TIMEOUT_MS) == 0, f->log);
	ck_assert_ptr_nonnull(p = strstr(w.line, ", session "));
	ck_assert_msg(sscanf(p, ", session %*x/%*x, %llu sessions, %llu "
	    "errors, %llu bytes to TCP, %llu from TCP, %llu frames, %llu bytes "
	    "skipped", &d->sessions, &d->errors, &d->to_tcp, &d->from_tcp,
	    &d->frames, &d->skipped) == 6, "%s", w.line);
	fprintf(stderr, "# %s", w.line);
	free(w.line);
}

/*
 * The attacks: each runs in a forked child on the fds of the evil
 * channels until killed (exit 1 if a write fails).
 */

/* Uniform random bytes, endless. */
static void
atk_random(int *fds, int n)
{
	static uint8_t	 b[CHUNK];
	uint64_t	 off = 0;

	for (;; off += sizeof(b)) {
		tl_pattern(b, sizeof(b), off, 666);
		if (tl_write_full(fds[off / sizeof(b) % (uint64_t)n], b,
		    sizeof(b), TL_TIMEOUT_MS) == -1)
			_exit(1);
	}
}

/* 'V' without end on every channel. */
static void
atk_v(int *fds, int n)
{
	static uint8_t	 b[CHUNK];
	int		 i;

	memset(b, 'V', sizeof(b));
	for (i = 0;; i = (i + 1) % n)
		if (tl_write_full(fds[i], b, sizeof(b), TL_TIMEOUT_MS) == -1)
			_exit(1);
}

/*
 * A real session per channel (SYN, SYNACK read, ACK), then max-length DATA
 * frames without end, replies (the echo) never read.
 */
static void
atk_maxframes(int *fds, int n)
{
	static uint8_t		 b[VIOS_HDR_LEN + VIOS_MAX_PAYLOAD];
	static struct tl_framer	 fr;
	struct frame_hdr	 h;
	uint32_t		 g[CHANS_MAX], ht[CHANS_MAX];
	int			 i;

	for (i = 0; i < n; i++) {
		g[i] = 0x0e000001u + (uint32_t)i;
		tl_framer_init(&fr, fds[i]);
		if (tl_send_frame(fds[i], VIOS_SYN, g[i], VIOS_TOKEN_UNKNOWN,
		    NULL, 0) == -1 || tl_recv_frame(&fr, &h, NULL, 0,
		    TL_TIMEOUT_MS) != 1 || h.ctrl != VIOS_SYNACK)
			_exit(1);
		ht[i] = h.htok;
		if (tl_send_frame(fds[i], VIOS_ACK, g[i], ht[i], NULL, 0) == -1)
			_exit(1);
	}
	tl_pattern(b + VIOS_HDR_LEN, VIOS_MAX_PAYLOAD, 0, 667);
	for (i = 0;; i = (i + 1) % n) {
		h.ctrl = VIOS_DATA;
		h.gtok = g[i];
		h.htok = ht[i];
		h.len = VIOS_MAX_PAYLOAD;
		frame_hdr_encode(b, &h);
		/* A full channel blocks: move to the next. */
		if (tl_wait_writable(fds[i], 10) == 1)
			(void)send(fds[i], b, sizeof(b), MSG_DONTWAIT |
			    MSG_NOSIGNAL);
	}
}

/* SYN_FLOOD SYNs with fresh G, round the channels; replies never read. */
static void
atk_synflood(int *fds, int n)
{
	uint32_t	 g;
	int		 i;

	for (i = 0;; i++) {
		g = 0x5f000000u + (uint32_t)i;
		if (i < SYN_FLOOD && tl_wait_writable(fds[i % n], 10) == 1)
			(void)tl_send_frame(fds[i % n], VIOS_SYN, g,
			    VIOS_TOKEN_UNKNOWN, NULL, 0);
		if (i >= SYN_FLOOD)
			pause();
	}
}

/* Frames of every kind with tokens of no session. */
static void
atk_wrong_tokens(int *fds, int n)
{
	static const uint8_t	 ctrls[] = { VIOS_ACK, VIOS_DATA, VIOS_FIN,
				    VIOS_RESET, VIOS_SYNACK };
	uint8_t			 p[64];
	uint32_t		 i;

	memset(p, 'x', sizeof(p));
	for (i = 0;; i++) {
		if (tl_wait_writable(fds[i % (uint32_t)n], 10) != 1)
			continue;
		(void)tl_send_frame(fds[i % (uint32_t)n], ctrls[i % 5],
		    0x77000000u + i, 0x66000000u + i * 7, p,
		    ctrls[i % 5] == VIOS_DATA ? sizeof(p) : 0);
	}
}

/* Half a header on every channel, then nothing. */
static void
atk_half_header(int *fds, int n)
{
	static const uint8_t	 half[] = { 'V', 'S', '1', VIOS_SYN, 0x12,
				    0x34 };
	int			 i;

	for (i = 0; i < n; i++)
		if (tl_write_full(fds[i], half, sizeof(half), TL_TIMEOUT_MS) ==
		    -1)
			_exit(1);
	for (;;)
		pause();
}

/*
 * A well-behaved guest on the attacker's channel ch0 gets a SYNACK: as a
 * guest daemon does after a failure, the preamble completes any half
 * frame the host still holds, then SYN.  A child writes them while we
 * read: the host may be paused until what it sent the attacker is read.
 */
static void
evil_serves(struct fx *f)
{
	struct tl_framer	*fr;
	struct frame_hdr	 h;
	int			 r, e, st;
	pid_t			 w;

	ck_assert_ptr_nonnull(fr = malloc(sizeof(*fr)));
	e = evil_open(f, 0);
	tl_framer_init(fr, e);
	if ((w = tl_fork(&e, 1)) == 0) {
		memset(fr->buf, 'V', VIOS_PREAMBLE_LEN);
		_exit(tl_write_full(e, fr->buf, VIOS_PREAMBLE_LEN,
		    TL_TIMEOUT_MS) == -1 || tl_send_frame(e, VIOS_SYN, EVIL_G,
		    VIOS_TOKEN_UNKNOWN, NULL, 0) == -1);
	}
	ck_assert_int_gt(w, 0);
	/* Stale replies to the attacker may come first. */
	do
		r = tl_recv_frame(fr, &h, NULL, 0, TL_TIMEOUT_MS);
	while (r == 1 && !(h.ctrl == VIOS_SYNACK && h.gtok == EVIL_G));
	TL_ASSERT_LOG(r == 1, f->log);
	TL_ASSERT_LOG(tl_waitpid_timeout(w, TL_TIMEOUT_MS, &st) == 0 &&
	    WIFEXITED(st) && WEXITSTATUS(st) == 0, f->log);
	ck_assert_int_eq(tl_send_frame(e, VIOS_RESET, EVIL_G, h.htok, NULL, 0),
	    0);
	close(e);
	free(fr);
}

/*
 * vm1's quiet median, then the attack on EVIL's channels while vm1 keeps
 * echoing (median within 2x + LAT_FLOOR_MS, host RSS bounded), then the
 * attacker goes and both guests are served.
 */
static void
hostile(const char *name, void (*atk)(int *, int),
    const struct chan_dump *want)
{
	struct chan_dump	 d;
	struct fx	 f;
	static double	 all[LAT_WINDOWS * LAT_RTT];
	double		 win[LAT_RTT], quiet, noisy, worst, m;
	int64_t		 t0;
	long		 k, hk = 0;
	int		 fds[EVIL_CHANS], i, fd, n = 0, st;
	pid_t		 a;

	fx_start_ex(&f, 1, NULL, "info");
	f.evil = standin_spawn(&f, EVIL, EVIL_CHANS, &f.evil_in, &f.evil_out);
	for (i = 0; i < EVIL_CHANS; i++)
		fds[i] = evil_open(&f, i);
	fd = client(&f, TL_TIMEOUT_MS);
	rtt_window(&f, fd, 200, all);
	quiet = median(all, LAT_RTT);

	ck_assert_int_gt(a = tl_fork(fds, EVIL_CHANS), -1);
	if (a == 0) {
		atk(fds, EVIL_CHANS);
		_exit(0);
	}
	t0 = tl_now_ms();
	worst = 0;
	while (n < 3 || tl_now_ms() - t0 < HOSTILE_MIN_MS) {
		TL_ASSERT_LOG(n < LAT_WINDOWS, f.log);
		rtt_window(&f, fd, 201 + (uint32_t)n, all + n * LAT_RTT);
		memcpy(win, all + n * LAT_RTT, sizeof(win));
		if ((m = median(win, LAT_RTT)) > worst)
			worst = m;
		if ((k = rss_check(&f, f.host)) > hk)
			hk = k;
		n++;
	}
	/* The attacker is still at it (none of them ends by itself). */
	TL_ASSERT_LOG(waitpid(a, &st, WNOHANG) == 0, f.log);
	noisy = median(all, n * LAT_RTT);
	fprintf(stderr, "# hostile %s: vm1 median rtt quiet %.3f ms, under "
	    "attack %.3f ms (%d round trips; worst median of %d %.3f ms); host "
	    "rss max %ld KiB\n", name, quiet, noisy, n * LAT_RTT, LAT_RTT,
	    worst, hk);
	/* Under valgrind (check-valgrind) the daemons' timing is valgrind's. */
	TL_ASSERT_LOG(tl_wrapped() || noisy <= 2 * quiet + LAT_FLOOR_MS, f.log);

	writer_kill(a);
	/* The attack reached the host: the case is not vacuous. */
	host_dump(&f, EVIL "/ch0", &d);
	TL_ASSERT_LOG(d.skipped >= want->skipped && d.frames >= want->frames &&
	    d.to_tcp >= want->to_tcp && d.sessions >= want->sessions, f.log);
	close(fd);
	for (i = 0; i < EVIL_CHANS; i++)
		close(fds[i]);
	/* vm1 still served; the evil guest's channel too, once well-behaved. */
	echo_served(&f, 210, MID, TL_TIMEOUT_MS);
	evil_serves(&f);
	rss_check(&f, f.host);
	fx_stop(&f);
}

START_TEST(t_hostile_random)
{
	const struct chan_dump	 want = { .skipped = MIB };

	hostile("random bytes", atk_random, &want);
}
END_TEST

START_TEST(t_hostile_v)
{
	const struct chan_dump	 want = { .skipped = MIB };

	hostile("endless V", atk_v, &want);
}
END_TEST

START_TEST(t_hostile_maxframes)
{
	const struct chan_dump	 want = { .sessions = 1, .to_tcp = VIOS_MAX_PAYLOAD };

	hostile("max frames unread", atk_maxframes, &want);
}
END_TEST

START_TEST(t_hostile_synflood)
{
	const struct chan_dump	 want = { .frames = 100 };

	hostile("syn flood", atk_synflood, &want);
}
END_TEST

START_TEST(t_hostile_tokens)
{
	const struct chan_dump	 want = { .frames = 100 };

	hostile("wrong tokens", atk_wrong_tokens, &want);
}
END_TEST

START_TEST(t_hostile_half)
{
	const struct chan_dump	 want = { 0 };

	hostile("half headers", atk_half_header, &want);
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("faults");

	tcase_add_test(checkmain_tcase(s, "guest_kill_random"),
	    t_guest_kill_random);
	tcase_add_test(checkmain_tcase(s, "host_kill"), t_host_kill);
	tcase_add_test(checkmain_tcase(s, "standin_kill"), t_standin_kill);
	tcase_add_test(checkmain_tcase(s, "service_kill"), t_service_kill);
	tcase_add_test(checkmain_tcase(s, "client_rst"), t_client_rst);
	tcase_add_test(checkmain_tcase(s, "stalled_service"),
	    t_stalled_service);
	tcase_add_test(checkmain_tcase(s, "chan_del"), t_chan_del);
	tcase_add_test(checkmain_tcase(s, "hostile_random"), t_hostile_random);
	tcase_add_test(checkmain_tcase(s, "hostile_v"), t_hostile_v);
	tcase_add_test(checkmain_tcase(s, "hostile_maxframes"),
	    t_hostile_maxframes);
	tcase_add_test(checkmain_tcase(s, "hostile_synflood"),
	    t_hostile_synflood);
	tcase_add_test(checkmain_tcase(s, "hostile_tokens"), t_hostile_tokens);
	tcase_add_test(checkmain_tcase(s, "hostile_half"), t_hostile_half);
	return s;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_e2e.c: both real daemons end to end through the QEMU stand-in.
 * Each case makes a temporary directory, starts the stand-in for guest
 * "vm1" with its channels, a TCP service, vios-proxy-host on the stand-in's
 * host root and vios-proxy-guest on its guest side, listening on a port the
 * kernel picked; clients connect to the guest daemon.  Every process logs
 * into one file, copied to stderr when an assertion fails.  Children die
 * with the case (testlib); teardown SIGTERMs both daemons and requires a
 * prompt exit 0.  Figures (MB/s, sessions/s, recovery times) go to stderr,
 * which the test log keeps: stdout is the TAP stream.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/sockios.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkmain.h"
#include "testlib.h"

#if !defined(STANDIN_PATH) || !defined(HOST_PATH) || !defined(GUEST_PATH)
#error "STANDIN_PATH, HOST_PATH and GUEST_PATH must name the built programs"
#endif

#define VM		"vm1"		/* the stand-in's guest */
#define CHANS_MAX	8		/* channels a case starts with */
#define TMP_MAX_LEN	256		/* a temporary directory's path */
#define CHUNK		(64 * 1024)	/* bytes per write or read */

/* Acceptance bounds, milliseconds. */
#define RECOVER_MS	5000	/* a restarted daemon serves the next client */
#define REFUSE_MS	2000	/* a refused or dropped client sees EOF */
#define STOP_MS		2000	/* SIGTERM to exit */
#define QUIET_MS	200	/* "nothing happens" is judged in ms */
#define SHUTDOWN_CAP_MS	5000	/* exit drain cut off (doc/protocol.md 8) */

#define SMALL		4096		/* bytes: a quick echo */
#define MID		(256 * 1024)	/* bytes: an echo of several frames */
#define BULK_BYTES	(32u << 20)	/* each way */
#define BULK_MS		60000		/* one bulk transfer, even sanitized */
#define BULK_CASE_S	60		/* check timeout of the bulk case */
#define PAR_CLIENTS	8
#define PAR_BYTES	(1u << 20)	/* per client */
#define QUEUE_CHANS	2
#define QUEUE_CLIENTS	6
#define QUEUE_BYTES	(64 * 1024)	/* per client: fits socket buffers */
#define SESSIONS	500
#define ENDLESS		(1ULL << 40)	/* bytes: a transfer that is cut */
#define MIDWAY		(1u << 20)	/* bytes echoed before the cut */
#define STALLED		(1u << 20)	/* bytes a stalled client cannot send */

/* The bulk service: 'U' then bytes until EOF, answered with count and
 * FNV-1a; 'D', a uint64 n and a uint32 seed, answered with n bytes of
 * the stream seed; anything else ('E' for one) is echoed until EOF.  Then
 * the service shuts down its side and waits for EOF. */
#define BULK_UP		'U'
#define BULK_DOWN	'D'
#define BULK_REQ_LEN	(1 + 8 + 4)

struct e2e {
	char		 dir[TMP_MAX_LEN];
	char		 root[TMP_MAX_LEN + 16];	/* HOSTROOT */
	char		 gdir[TMP_MAX_LEN + 32];	/* HOSTROOT.guest/vm1 */
	char		 log[TMP_MAX_LEN + 16];		/* everyone's stderr */
	char		 status[TMP_MAX_LEN + 16];	/* host --status-socket */
	pid_t		 standin;
	pid_t		 host;
	pid_t		 guest;
	pid_t		 svc;
	int		 cmd_in;		/* the stand-in's stdin */
	int		 cmd_out;		/* its stdout */
	uint16_t	 svc_port;
	uint16_t	 port;			/* the guest daemon's */
};

static double
mb_per_s(uint64_t bytes, int64_t ms)
{
	return (double)bytes / 1e6 / ((double)(ms > 0 ? ms : 1) / 1000.0);
}

/* --- the bulk service ---------------------------------------------------- */

/* Wait up to BULK_MS for fd; read what is there: > 0, 0 at EOF, -1. */
static ssize_t
bulk_read(int fd, uint8_t *buf, size_t len)
{
	ssize_t	 r;

	for (;;) {
		if (tl_readable(fd, BULK_MS) != 1)
			return -1;
		r = read(fd, buf, len);
		if (r >= 0 || (errno != EINTR && errno != EAGAIN))
			return r;
	}
}

/* One connection of the bulk service, then EOF from the client. */
static void
bulk_conn(int fd)
{
	uint8_t		 buf[CHUNK], req[BULK_REQ_LEN];
	uint64_t	 n, off, res[2] = { 0, TL_FNV_INIT };
	uint32_t	 seed;
	size_t		 k;
	ssize_t		 r;

	if ((r = bulk_read(fd, buf, sizeof(buf))) <= 0)
		return;
	if (buf[0] != BULK_UP && buf[0] != BULK_DOWN) {
		do {
			if (tl_write_full(fd, buf, (size_t)r, BULK_MS) == -1)
				return;
		} while ((r = bulk_read(fd, buf, sizeof(buf))) > 0);
		if (r == -1)
			return;
	} else if (buf[0] == BULK_UP) {
		res[0] = (uint64_t)r - 1;
		res[1] = tl_fnv(buf + 1, (size_t)r - 1, res[1]);
		while ((r = bulk_read(fd, buf, sizeof(buf))) > 0) {
			res[0] += (uint64_t)r;
			res[1] = tl_fnv(buf, (size_t)r, res[1]);
		}
		if (r == -1 ||
		    tl_write_full(fd, res, sizeof(res), BULK_MS) == -1)
			return;
	} else {
		/* The client sends the request in one write; it may still
		 * come in pieces. */
		k = (size_t)r < sizeof(req) ? (size_t)r : sizeof(req);
		memcpy(req, buf, k);
		if (k < sizeof(req) && tl_read_full(fd, req + k,
		    sizeof(req) - k, BULK_MS) == -1)
			return;
		memcpy(&n, req + 1, sizeof(n));
		memcpy(&seed, req + 1 + sizeof(n), sizeof(seed));
		for (off = 0; off < n; off += k) {
			k = n - off < sizeof(buf) ? (size_t)(n - off) :
			    sizeof(buf);
			tl_pattern(buf, k, off, seed);
			if (tl_write_full(fd, buf, k, BULK_MS) == -1)
				return;
		}
	}
	shutdown(fd, SHUT_WR);
	while (bulk_read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Serves one connection at a time; port read back into *port. */
static pid_t
bulk_service(uint16_t *port)
{
	pid_t	 pid;
	int	 lfd, fd;

	if ((lfd = tl_tcp_listen(port)) == -1)
		return -1;
	if ((pid = tl_fork(&lfd, 1)) == 0) {
		for (;;) {
			if ((fd = tl_accept(lfd, BULK_MS)) == -1)
				continue;
			bulk_conn(fd);
			close(fd);
		}
	}
	close(lfd);
	return pid;
}

/* --- processes --------------------------------------------------------- */

/* The stand-in for VM with channels ch0..ch<nchans-1>, until "ready". */
static void
standin_start(struct e2e *f, int nchans, const char *opt)
{
	ck_assert_int_le(nchans, CHANS_MAX);
	f->standin = tl_standin(f->root, VM, nchans, opt, f->log, &f->cmd_in,
	    &f->cmd_out);
	TL_ASSERT_LOG(f->standin > 0, f->log);
}

/* The daemons at debug level, their stderr into the case's log. */
static void
host_start(struct e2e *f)
{
	f->host = tl_daemon(f->log, HOST_PATH, "--guest-dir", f->root,
	    f->svc_port, "debug", "--status-socket", f->status);
	TL_ASSERT_LOG(f->host > 0, f->log);
}

static void
guest_start(struct e2e *f)
{
	f->guest = tl_daemon(f->log, GUEST_PATH, "--host-dir", f->gdir,
	    f->port, "debug", NULL, NULL);
	TL_ASSERT_LOG(f->guest > 0, f->log);
}

/*
 * Require exit 0 from a daemon signalled at t0 within limit_ms of it
 * (*pid becomes -1); returns the ms it took.
 */
static int64_t
daemon_reap(struct e2e *f, pid_t *pid, int64_t t0, int limit_ms)
{
	int	 st;

	TL_ASSERT_LOG(tl_waitpid_timeout(*pid, tl_left_ms(t0 + limit_ms), &st) ==
	    0, f->log);
	*pid = -1;
	TL_ASSERT_LOG(WIFEXITED(st) && WEXITSTATUS(st) == 0, f->log);
	return tl_now_ms() - t0;
}

/* SIGTERM pid and require exit 0 within STOP_MS. */
static int64_t
daemon_stop(struct e2e *f, pid_t *pid)
{
	int64_t	 t0 = tl_now_ms();

	TL_ASSERT_LOG(tl_kill(*pid, SIGTERM) == 0, f->log);
	return daemon_reap(f, pid, t0, STOP_MS);
}

/* SIGKILL a daemon and reap it (*pid becomes -1). */
static void
daemon_kill(struct e2e *f, pid_t *pid)
{
	TL_ASSERT_LOG(tl_kill_reap(*pid) == 0, f->log);
	*pid = -1;
}

/* --- clients ------------------------------------------------------------ */

/* A client of the guest daemon; connecting retries until timeout_ms. */
static int
client(struct e2e *f, int timeout_ms)
{
	int	 fd = tl_tcp_connect(f->port, timeout_ms);

	TL_ASSERT_LOG(fd >= 0, f->log);
	return fd;
}

static void
put(struct e2e *f, int fd, const void *buf, size_t n)
{
	TL_ASSERT_LOG(tl_write_full(fd, buf, n, TL_TIMEOUT_MS) == 0, f->log);
}

static void
expect(struct e2e *f, int fd, const void *want, size_t n, int timeout_ms)
{
	uint8_t	*got;

	ck_assert_ptr_nonnull(got = malloc(n));
	TL_ASSERT_LOG(tl_read_full(fd, got, n, timeout_ms) == 0, f->log);
	ck_assert_mem_eq(got, want, n);
	free(got);
}

/* Say s on fd and hear it back. */
static void
say(struct e2e *f, int fd, const char *s)
{
	put(f, fd, s, strlen(s));
	expect(f, fd, s, strlen(s), TL_TIMEOUT_MS);
}

/*
 * Read and drop until fd shows EOF or a reset: the ms it took, or -1 when
 * nothing of the kind came within timeout_ms.
 */
static int64_t
wait_closed(int fd, int timeout_ms)
{
	uint8_t	 buf[CHUNK];
	int64_t	 t0 = tl_now_ms(), deadline = t0 + timeout_ms;
	ssize_t	 r;

	for (;;) {
		if (tl_now_ms() >= deadline ||
		    tl_readable(fd, tl_left_ms(deadline)) != 1)
			return -1;
		r = read(fd, buf, sizeof(buf));
		if (r == 0 || (r == -1 && (errno == ECONNRESET ||
		    errno == EPIPE)))
			return tl_now_ms() - t0;
		if (r == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

/*
 * One whole client: n bytes of stream seed out, our half-close, then the
 * echo read to EOF, by deadline (the connect retries meanwhile).  Returns
 * 1 when exactly those bytes came back and not one more, 0 when the client
 * was closed before a byte came back: refused (the service is down, or the
 * channel lost its host just as the client was paired with it).  Anything
 * else fails the case.
 */
static int
echo_try(struct e2e *f, uint32_t seed, size_t n, int64_t deadline)
{
	uint8_t	*out, *in, spill;
	size_t	 got = 0;
	ssize_t	 r;
	int	 fd, served;

	ck_assert_ptr_nonnull(out = malloc(n));
	ck_assert_ptr_nonnull(in = malloc(n));
	tl_pattern(out, n, 0, seed);
	fd = client(f, tl_left_ms(deadline));
	/* A refused client may be closed while it still writes. */
	if (tl_write_full(fd, out, n, tl_left_ms(deadline)) == 0)
		ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	else
		TL_ASSERT_LOG(errno == EPIPE || errno == ECONNRESET, f->log);
	for (;;) {
		TL_ASSERT_LOG(tl_readable(fd, tl_left_ms(deadline)) == 1, f->log);
		if (got < n)
			r = read(fd, in + got, n - got);
		else
			r = read(fd, &spill, 1);
		if (r > 0) {
			TL_ASSERT_LOG(got < n, f->log);	/* not a byte more */
			got += (size_t)r;
		} else if (r == 0 || (errno != EINTR && errno != EAGAIN))
			break;
	}
	TL_ASSERT_LOG(r == 0 || errno == ECONNRESET, f->log);
	served = got > 0;
	if (served) {
		TL_ASSERT_LOG(r == 0 && got == n, f->log);
		ck_assert_mem_eq(in, out, n);
	}
	close(fd);
	free(out);
	free(in);
	return served;
}

/* echo_try() that must be served within timeout_ms; returns the ms taken. */
static int64_t
echo_check(struct e2e *f, uint32_t seed, size_t n, int timeout_ms)
{
	int64_t	 t0 = tl_now_ms();

	TL_ASSERT_LOG(echo_try(f, seed, n, t0 + timeout_ms) == 1, f->log);
	return tl_now_ms() - t0;
}

/*
 * Clients one after the other until one is served (echo_try), within
 * timeout_ms; *refused counts those closed unserved.  Returns the ms.
 */
static int64_t
echo_served(struct e2e *f, uint32_t seed, size_t n, int timeout_ms,
    int *refused)
{
	int64_t	 t0 = tl_now_ms(), deadline = t0 + timeout_ms;

	for (*refused = 0; echo_try(f, seed, n, deadline) == 0; (*refused)++)
		TL_ASSERT_LOG(tl_now_ms() < deadline, f->log);
	return tl_now_ms() - t0;
}

/* --- fixture ------------------------------------------------------------ */

/*
 * Everything up, and ready: a client served through the whole tunnel
 * (bounded retry: with --hup-guest a guest channel opened before the host
 * came refuses its first client).  svc starts the service (port read
 * back); standin_opt is an extra stand-in option or NULL.
 */
static void
e2e_start(struct e2e *f, int nchans, const char *standin_opt,
    pid_t (*svc)(uint16_t *))
{
	char	*dir;
	int	 refused;

	memset(f, 0, sizeof(*f));
	f->standin = f->host = f->guest = f->svc = -1;
	ck_assert_ptr_nonnull(dir = tl_tmpdir("e2e"));
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	snprintf(f->root, sizeof(f->root), "%s/host", dir);
	snprintf(f->gdir, sizeof(f->gdir), "%s/host.guest/%s", dir, VM);
	snprintf(f->log, sizeof(f->log), "%s/e2e.log", dir);
	snprintf(f->status, sizeof(f->status), "%s/status.sock", dir);
	free(dir);

	f->svc = svc(&f->svc_port);
	ck_assert_int_gt(f->svc, 0);
	standin_start(f, nchans, standin_opt);
	host_start(f);
	f->port = tl_free_port();
	ck_assert_uint_gt(f->port, 0);
	guest_start(f);
	echo_served(f, 1, SMALL, TL_TIMEOUT_MS, &refused);
}

/* SIGTERM both daemons (exit 0 within STOP_MS each), stop the rest. */
static void
e2e_stop(struct e2e *f)
{
	int	 st;

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
	ck_assert_int_eq(tl_rmtree(f->dir), 0);
}

/* A stand-in command and its reply. */
static void
standin_cmd(struct e2e *f, const char *cmd, const char *want)
{
	char	 reply[256];

	put(f, f->cmd_in, cmd, strlen(cmd));
	put(f, f->cmd_in, "\n", 1);
	TL_ASSERT_LOG(tl_wait_line(f->cmd_out, "", TL_TIMEOUT_MS, reply,
	    sizeof(reply)) == 0, f->log);
	ck_assert_str_eq(reply, want);
}

/* One of several echo streams read side by side. */
struct stream {
	int		 fd;
	pid_t		 writer;
	uint64_t	 want;
	uint64_t	 got;
	uint64_t	 h;
};

/*
 * Read each stream's fd to want bytes, hashing into h: 0, or -1 when one
 * ended early or the deadline passed.
 */
static int
streams_read(struct stream *s, int n, int timeout_ms)
{
	struct pollfd	 pfd[PAR_CLIENTS];
	uint8_t		 buf[CHUNK];
	int64_t		 deadline = tl_now_ms() + timeout_ms;
	int		 i, busy;
	ssize_t		 r;
	size_t		 k;

	if (n > PAR_CLIENTS)
		return -1;
	for (;;) {
		for (i = busy = 0; i < n; i++) {
			pfd[i].fd = s[i].got < s[i].want ? s[i].fd : -1;
			pfd[i].events = POLLIN;
			busy += pfd[i].fd >= 0;
		}
		if (busy == 0)
			return 0;
		if (tl_now_ms() >= deadline)
			return -1;
		if (poll(pfd, (nfds_t)n, tl_left_ms(deadline)) == -1 &&
		    errno != EINTR)
			return -1;
		for (i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			k = s[i].want - s[i].got < sizeof(buf) ?
			    (size_t)(s[i].want - s[i].got) : sizeof(buf);
			r = read(s[i].fd, buf, k);
			if (r == 0 || (r == -1 && errno != EAGAIN &&
			    errno != EINTR))
				return -1;
			if (r > 0) {
				s[i].h = tl_fnv(buf, (size_t)r, s[i].h);
				s[i].got += (uint64_t)r;
			}
		}
	}
}

/* The writer child wrote everything and exited 0. */
static void
writer_reap(struct e2e *f, pid_t pid)
{
	int	 st;

	TL_ASSERT_LOG(tl_waitpid_timeout(pid, TL_TIMEOUT_MS, &st) == 0,
	    f->log);
	TL_ASSERT_LOG(WIFEXITED(st) && WEXITSTATUS(st) == 0, f->log);
}

/* Stop a writer child, done or not. */
static void
writer_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	tl_waitpid_timeout(pid, TL_TIMEOUT_MS, NULL);
}

/*
 * A client in the middle of an endless echo: a writer child feeds it and
 * MIDWAY bytes have come back intact.  Returns the fd; *writer the child.
 */
static int
midway_client(struct e2e *f, uint32_t seed, pid_t *writer)
{
	uint64_t	 h;
	int		 fd;

	fd = client(f, TL_TIMEOUT_MS);
	ck_assert_int_gt(*writer = tl_writer(fd, ENDLESS, seed), 0);
	TL_ASSERT_LOG(tl_read_fnv(fd, MIDWAY, TL_TIMEOUT_MS, &h) == 0, f->log);
	ck_assert(h == tl_pattern_fnv(MIDWAY, seed));
	return fd;
}

/*
 * n clients at once, each heard back while all are open: n sessions, so
 * every one of the n channels serves (a channel carries one session).
 * Each then half-closes and sees EOF: all sessions are over at both ends.
 */
static void
all_channels_serve(struct e2e *f, int n)
{
	char	 msg[32];
	int	 fd[CHANS_MAX], i;

	ck_assert_int_le(n, CHANS_MAX);
	for (i = 0; i < n; i++) {
		fd[i] = client(f, TL_TIMEOUT_MS);
		snprintf(msg, sizeof(msg), "client %d of %d", i, n);
		put(f, fd[i], msg, strlen(msg));
	}
	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "client %d of %d", i, n);
		expect(f, fd[i], msg, strlen(msg), TL_TIMEOUT_MS);
	}
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(shutdown(fd[i], SHUT_WR), 0);
		TL_ASSERT_LOG(tl_read_until_eof(fd[i], msg, sizeof(msg),
		    TL_TIMEOUT_MS) == 0, f->log);
		close(fd[i]);
	}
}

/* --- cases -------------------------------------------------------------- */

START_TEST(t_echo)
{
	struct e2e	 f;
	int		 a, b;

	e2e_start(&f, 2, NULL, tl_echo_server);
	a = client(&f, TL_TIMEOUT_MS);
	say(&f, a, "hello vios\n");
	b = client(&f, TL_TIMEOUT_MS);		/* the other channel */
	say(&f, b, "x");
	say(&f, a, "again\n");
	close(a);
	close(b);
	echo_check(&f, 2, 1, TL_TIMEOUT_MS);
	/* More than one frame, not a multiple of the payload size. */
	echo_check(&f, 3, VIOS_MAX_PAYLOAD * 3 + 7, TL_TIMEOUT_MS);
	echo_check(&f, 4, MID, TL_TIMEOUT_MS);
	e2e_stop(&f);
}
END_TEST

/*
 * 32 MiB up into a hashing service, 32 MiB down from a generating one,
 * then 32 MiB echoed both ways at once; each checked by hash and ended
 * by a half-close carried end to end.
 */
START_TEST(t_bulk)
{
	struct e2e	 f;
	uint8_t		*buf, req[BULK_REQ_LEN], tail[1];
	uint64_t	 off, n = BULK_BYTES, res[2], h;
	uint32_t	 seed = 77;
	int64_t		 t0, up_ms, down_ms, echo_ms;
	size_t		 k;
	pid_t		 w;
	int		 fd;

	e2e_start(&f, 1, NULL, bulk_service);
	ck_assert_ptr_nonnull(buf = malloc(CHUNK));

	fd = client(&f, TL_TIMEOUT_MS);
	t0 = tl_now_ms();
	put(&f, fd, "U", 1);
	for (off = 0; off < n; off += k) {
		k = n - off < CHUNK ? (size_t)(n - off) : CHUNK;
		tl_pattern(buf, k, off, 76);
		TL_ASSERT_LOG(tl_write_full(fd, buf, k, BULK_MS) == 0, f.log);
	}
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	TL_ASSERT_LOG(tl_read_full(fd, res, sizeof(res), BULK_MS) == 0, f.log);
	up_ms = tl_now_ms() - t0;
	ck_assert_uint_eq(res[0], n);
	ck_assert(res[1] == tl_pattern_fnv(n, 76));
	TL_ASSERT_LOG(tl_read_until_eof(fd, tail, sizeof(tail),
	    TL_TIMEOUT_MS) == 0, f.log);
	close(fd);

	fd = client(&f, TL_TIMEOUT_MS);
	req[0] = BULK_DOWN;
	memcpy(req + 1, &n, sizeof(n));
	memcpy(req + 1 + sizeof(n), &seed, sizeof(seed));
	t0 = tl_now_ms();
	put(&f, fd, req, sizeof(req));
	TL_ASSERT_LOG(tl_read_fnv(fd, n, BULK_MS, &h) == 0, f.log);
	down_ms = tl_now_ms() - t0;
	ck_assert(h == tl_pattern_fnv(n, seed));
	TL_ASSERT_LOG(tl_read_until_eof(fd, tail, sizeof(tail),
	    TL_TIMEOUT_MS) == 0, f.log);
	close(fd);

	/* Both ways at once: 32 MiB echoed while it is sent. */
	fd = client(&f, TL_TIMEOUT_MS);
	t0 = tl_now_ms();
	put(&f, fd, "E", 1);
	ck_assert_int_gt(w = tl_writer(fd, n, 78), 0);
	TL_ASSERT_LOG(tl_read_full(fd, tail, 1, BULK_MS) == 0, f.log);
	ck_assert_int_eq(tail[0], 'E');
	TL_ASSERT_LOG(tl_read_fnv(fd, n, BULK_MS, &h) == 0, f.log);
	echo_ms = tl_now_ms() - t0;
	ck_assert(h == tl_pattern_fnv(n, 78));
	writer_reap(&f, w);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	TL_ASSERT_LOG(tl_read_until_eof(fd, tail, sizeof(tail),
	    TL_TIMEOUT_MS) == 0, f.log);
	close(fd);

	fprintf(stderr, "# e2e bulk: 32 MiB guest->host in %lld ms: %.1f MB/s; "
	    "host->guest in %lld ms: %.1f MB/s; echoed both ways at once in "
	    "%lld ms: %.1f MB/s each way\n", (long long)up_ms,
	    mb_per_s(n, up_ms), (long long)down_ms, mb_per_s(n, down_ms),
	    (long long)echo_ms, mb_per_s(n, echo_ms));
	free(buf);
	e2e_stop(&f);
}
END_TEST

/* 8 sessions established at once, then 1 MiB echoed on each. */
START_TEST(t_parallel)
{
	struct e2e	 f;
	struct stream	 s[PAR_CLIENTS];
	char		 hello[32];
	int64_t		 t0, ms;
	int		 i;

	e2e_start(&f, PAR_CLIENTS, NULL, tl_echo_server);
	for (i = 0; i < PAR_CLIENTS; i++) {
		s[i].fd = client(&f, TL_TIMEOUT_MS);
		snprintf(hello, sizeof(hello), "hello %d", i);
		put(&f, s[i].fd, hello, strlen(hello));
	}
	/* A channel carries one session: 8 answering means 8 channels. */
	for (i = 0; i < PAR_CLIENTS; i++) {
		snprintf(hello, sizeof(hello), "hello %d", i);
		expect(&f, s[i].fd, hello, strlen(hello), TL_TIMEOUT_MS);
	}
	t0 = tl_now_ms();
	for (i = 0; i < PAR_CLIENTS; i++) {
		s[i].want = PAR_BYTES;
		s[i].got = 0;
		s[i].h = TL_FNV_INIT;
		ck_assert_int_gt(s[i].writer = tl_writer(s[i].fd, PAR_BYTES,
		    100 + (uint32_t)i), 0);
	}
	TL_ASSERT_LOG(streams_read(s, PAR_CLIENTS, BULK_MS) == 0, f.log);
	ms = tl_now_ms() - t0;
	for (i = 0; i < PAR_CLIENTS; i++) {
		ck_assert(s[i].h == tl_pattern_fnv(PAR_BYTES,
		    100 + (uint32_t)i));
		writer_reap(&f, s[i].writer);
		ck_assert_int_eq(shutdown(s[i].fd, SHUT_WR), 0);
		TL_ASSERT_LOG(tl_read_until_eof(s[i].fd, hello, sizeof(hello),
		    TL_TIMEOUT_MS) == 0, f.log);
		close(s[i].fd);
	}
	fprintf(stderr, "# e2e parallel: %d x 1 MiB echoed in %lld ms: "
	    "%.1f MB/s each way in all\n", PAR_CLIENTS, (long long)ms,
	    mb_per_s((uint64_t)PAR_CLIENTS * PAR_BYTES, ms));
	e2e_stop(&f);
}
END_TEST

/*
 * The guest daemon dies mid-transfer on the only channel and comes back:
 * the host's stale frames and half-sent data must not reach the next
 * client, which is served within RECOVER_MS.
 */
START_TEST(t_guest_kill)
{
	struct e2e	 f;
	int64_t		 t0, ms;
	pid_t		 w;
	int		 fd;

	e2e_start(&f, 1, NULL, tl_echo_server);
	fd = midway_client(&f, 5, &w);
	daemon_kill(&f, &f.guest);
	TL_ASSERT_LOG(wait_closed(fd, REFUSE_MS) >= 0, f.log);
	close(fd);
	writer_kill(w);

	t0 = tl_now_ms();
	guest_start(&f);
	echo_check(&f, 6, MID, RECOVER_MS);
	ms = tl_now_ms() - t0;
	TL_ASSERT_LOG(ms < RECOVER_MS, f.log);
	fprintf(stderr, "# e2e guest SIGKILL mid-transfer: next client served "
	    "%lld ms after the restart\n", (long long)ms);
	echo_check(&f, 7, SMALL, TL_TIMEOUT_MS);
	e2e_stop(&f);
}
END_TEST

/*
 * The host daemon is killed mid-transfer on the only channel and started
 * again.  The stand-in hangs up the guest's port when the host goes, as
 * QEMU shows a reading guest (--hup-guest): the cut session ends at once,
 * and clients are served within RECOVER_MS of the restart.  Until the host
 * is back the guest re-opens its port every VIOS_BACKOFF_MIN_MS; a client
 * paired with a port just before its hangup shows is closed unserved
 * (doc/protocol.md section 6, syn-sent: host side lost), never hung.
 */
START_TEST(t_host_kill)
{
	struct e2e	 f;
	int64_t		 t0, ms;
	pid_t		 w;
	int		 fd, refused;

	e2e_start(&f, 1, "--hup-guest", tl_echo_server);
	fd = midway_client(&f, 8, &w);
	daemon_kill(&f, &f.host);
	TL_ASSERT_LOG(wait_closed(fd, REFUSE_MS) >= 0, f.log);
	close(fd);
	writer_kill(w);

	t0 = tl_now_ms();
	host_start(&f);
	echo_served(&f, 9, MID, RECOVER_MS, &refused);
	ms = tl_now_ms() - t0;
	TL_ASSERT_LOG(ms < RECOVER_MS, f.log);
	fprintf(stderr, "# e2e host SIGKILL mid-transfer: a client served %lld "
	    "ms after the restart (%d refused before)\n", (long long)ms,
	    refused);
	echo_check(&f, 10, SMALL, TL_TIMEOUT_MS);
	e2e_stop(&f);
}
END_TEST

/*
 * The host daemon is stopped (SIGTERM, exit 0) with a session open, the
 * guest not seeing it go (the stand-in's default: a quick reconnect): its
 * RESET ends the session.  Started again, it serves; then it is killed
 * with no session open and started again, and serves again.
 */
START_TEST(t_host_restart)
{
	struct e2e	 f;
	int64_t		 t0, ms;
	int		 fd;

	e2e_start(&f, 2, NULL, tl_echo_server);
	fd = client(&f, TL_TIMEOUT_MS);
	say(&f, fd, "open session");
	daemon_stop(&f, &f.host);
	/* The host's RESET reaches the guest: its client is closed. */
	TL_ASSERT_LOG(wait_closed(fd, REFUSE_MS) >= 0, f.log);
	close(fd);
	t0 = tl_now_ms();
	host_start(&f);
	echo_check(&f, 11, MID, RECOVER_MS);
	ms = tl_now_ms() - t0;
	TL_ASSERT_LOG(ms < RECOVER_MS, f.log);
	fprintf(stderr, "# e2e host SIGTERM: next client served %lld ms after "
	    "the restart\n", (long long)ms);
	all_channels_serve(&f, 2);

	daemon_kill(&f, &f.host);
	t0 = tl_now_ms();
	host_start(&f);
	echo_check(&f, 12, MID, RECOVER_MS);
	ms = tl_now_ms() - t0;
	TL_ASSERT_LOG(ms < RECOVER_MS, f.log);
	fprintf(stderr, "# e2e host SIGKILL while idle: next client served "
	    "%lld ms after the restart\n", (long long)ms);
	all_channels_serve(&f, 2);
	e2e_stop(&f);
}
END_TEST

/* No service: clients are refused at once; served again once it is back. */
START_TEST(t_service_down)
{
	struct e2e	 f;
	int64_t		 ms, worst = 0;
	int		 i, fd, st;

	e2e_start(&f, 2, NULL, tl_echo_server);
	TL_ASSERT_LOG(tl_terminate(f.svc, TL_TIMEOUT_MS, &st) == 0, f.log);
	f.svc = -1;
	for (i = 0; i < 4; i++) {
		fd = client(&f, TL_TIMEOUT_MS);
		if (i % 2 == 1)		/* data waiting: EOF or a reset */
			put(&f, fd, "anyone?", 7);
		ms = wait_closed(fd, REFUSE_MS);
		TL_ASSERT_LOG(ms >= 0, f.log);
		if (ms > worst)
			worst = ms;
		close(fd);
	}
	fprintf(stderr, "# e2e service down: clients refused within %lld ms\n",
	    (long long)worst);
	f.svc = tl_echo_server_at(f.svc_port);
	TL_ASSERT_LOG(f.svc > 0, f.log);
	echo_check(&f, 13, MID, TL_TIMEOUT_MS);
	e2e_stop(&f);
}
END_TEST

/* 500 sessions one after the other on one channel. */
START_TEST(t_sessions)
{
	struct e2e	 f;
	char		 msg[64];
	int64_t		 t0, ms;
	int		 i, fd, hfds, gfds;

	e2e_start(&f, 1, NULL, tl_echo_server);
	hfds = tl_proc_nfds(f.host);
	gfds = tl_proc_nfds(f.guest);
	ck_assert(hfds > 0 && gfds > 0);
	t0 = tl_now_ms();
	for (i = 0; i < SESSIONS; i++) {
		snprintf(msg, sizeof(msg), "session %d of %d\n", i, SESSIONS);
		fd = client(&f, TL_TIMEOUT_MS);
		say(&f, fd, msg);
		close(fd);
	}
	ms = tl_now_ms() - t0;
	fprintf(stderr, "# e2e sessions: %d in %lld ms: %.0f sessions/s\n",
	    SESSIONS, (long long)ms, SESSIONS * 1000.0 / (double)(ms > 0 ?
	    ms : 1));
	echo_check(&f, 14, SMALL, TL_TIMEOUT_MS);
	/* Nothing left behind: no descriptor grew with the sessions (the
	 * last one's may still be closing). */
	TL_ASSERT_LOG(tl_wait_nfds(f.host, hfds, TL_TIMEOUT_MS) == 0, f.log);
	TL_ASSERT_LOG(tl_wait_nfds(f.guest, gfds, TL_TIMEOUT_MS) == 0, f.log);
	e2e_stop(&f);
}
END_TEST

/* The client's half-close travels as FIN; the echo comes back whole. */
START_TEST(t_half_close)
{
	struct e2e	 f;
	uint8_t		*out, *in;
	int		 fd;

	e2e_start(&f, 1, NULL, tl_echo_server);
	ck_assert_ptr_nonnull(out = malloc(MID));
	ck_assert_ptr_nonnull(in = malloc(MID));
	tl_pattern(out, MID, 0, 15);
	fd = client(&f, TL_TIMEOUT_MS);
	say(&f, fd, "established");
	put(&f, fd, out, MID);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	TL_ASSERT_LOG(tl_read_until_eof(fd, in, MID, TL_TIMEOUT_MS) == MID,
	    f.log);
	ck_assert_mem_eq(in, out, MID);
	close(fd);

	/* Half-closed before a byte was sent, even before the handshake. */
	fd = client(&f, TL_TIMEOUT_MS);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	TL_ASSERT_LOG(tl_read_until_eof(fd, in, MID, TL_TIMEOUT_MS) == 0,
	    f.log);
	close(fd);
	echo_check(&f, 16, SMALL, TL_TIMEOUT_MS);
	free(out);
	free(in);
	e2e_stop(&f);
}
END_TEST

/* 6 clients at once on 2 channels: the 4 others wait, all are served. */
START_TEST(t_queue)
{
	struct e2e	 f;
	uint8_t		*out, *in;
	int		 fd[QUEUE_CLIENTS], i;

	e2e_start(&f, QUEUE_CHANS, NULL, tl_echo_server);
	ck_assert_ptr_nonnull(out = malloc(QUEUE_BYTES));
	ck_assert_ptr_nonnull(in = malloc(QUEUE_BYTES));
	for (i = 0; i < QUEUE_CLIENTS; i++)
		fd[i] = client(&f, TL_TIMEOUT_MS);
	for (i = 0; i < QUEUE_CLIENTS; i++) {
		tl_pattern(out, QUEUE_BYTES, 0, 20 + (uint32_t)i);
		put(&f, fd[i], out, QUEUE_BYTES);
		ck_assert_int_eq(shutdown(fd[i], SHUT_WR), 0);
	}
	for (i = QUEUE_CLIENTS - 1; i >= 0; i--) {
		tl_pattern(out, QUEUE_BYTES, 0, 20 + (uint32_t)i);
		TL_ASSERT_LOG(tl_read_until_eof(fd[i], in, QUEUE_BYTES,
		    TL_TIMEOUT_MS) == QUEUE_BYTES, f.log);
		ck_assert_mem_eq(in, out, QUEUE_BYTES);
		close(fd[i]);
	}
	free(out);
	free(in);
	e2e_stop(&f);
}
END_TEST

/*
 * A channel hot-added while the only other one is busy carries the next
 * client; removed, it takes its client with it; the rest goes on, and it
 * can come back.
 */
START_TEST(t_hotplug)
{
	struct e2e	 f;
	int64_t		 ms;
	int		 a, b, c;

	e2e_start(&f, 1, NULL, tl_echo_server);
	a = client(&f, TL_TIMEOUT_MS);
	say(&f, a, "a holds ch0");
	standin_cmd(&f, "add ch1", "ok");
	b = client(&f, TL_TIMEOUT_MS);
	say(&f, b, "b on the new ch1");
	standin_cmd(&f, "del ch1", "ok");
	ms = wait_closed(b, REFUSE_MS);
	TL_ASSERT_LOG(ms >= 0, f.log);
	close(b);
	say(&f, a, "a still works");

	standin_cmd(&f, "add ch1", "ok");
	c = client(&f, TL_TIMEOUT_MS);
	say(&f, c, "c on ch1 again");
	close(c);
	close(a);
	echo_check(&f, 17, MID, TL_TIMEOUT_MS);
	fprintf(stderr, "# e2e hotplug: client of a removed channel closed in "
	    "%lld ms\n", (long long)ms);
	e2e_stop(&f);
}
END_TEST

/*
 * An idle session and a busy one: their clients in *a and *b, the busy
 * one fed by the writer *w.
 */
static void
two_sessions(struct e2e *f, int *a, int *b, pid_t *w, uint32_t seed)
{
	*a = client(f, TL_TIMEOUT_MS);
	say(f, *a, "idle session");
	*b = midway_client(f, seed, w);
}

/*
 * Both clients are closed within REFUSE_MS: their sessions were ended.
 * The busy one is read meanwhile, as a client does: a client that stops
 * reading holds up the channel behind it (doc/protocol.md section 8).
 */
static void
two_closed(struct e2e *f, int a, int b, pid_t w)
{
	TL_ASSERT_LOG(wait_closed(b, REFUSE_MS) >= 0, f->log);
	TL_ASSERT_LOG(wait_closed(a, REFUSE_MS) >= 0, f->log);
	close(a);
	close(b);
	writer_kill(w);
}

/* A client that stopped reading its echo, watched until all is full. */
struct stall {
	int		 fd;
	int		 unread;	/* bytes of echo waiting in fd */
	int64_t		 since;		/* ... unchanged since, ms */
};

/*
 * For tl_wait_for(): the echo stopped coming for QUIET_MS / 4 and the
 * client has STALLED bytes it cannot send: the buffers between the two,
 * the host's channel output among them, have filled up.
 */
static int
client_stalled(void *arg)
{
	struct stall	*st = arg;
	int		 unread, queued;

	if (ioctl(st->fd, FIONREAD, &unread) == -1 ||
	    ioctl(st->fd, SIOCOUTQ, &queued) == -1)
		return 0;
	if (unread != st->unread) {
		st->unread = unread;
		st->since = tl_now_ms();
		return 0;
	}
	return tl_now_ms() - st->since >= QUIET_MS / 4 &&
	    queued >= (int)STALLED;
}

/*
 * SIGTERM to each daemon while sessions are open, the other one running:
 * the clients are closed and it exits 0 within STOP_MS; after a restart
 * both channels serve.  The host is stopped while the busy client does
 * not read: its RESET waits behind the echo, and the host must stay until
 * it is delivered, not leave once its idle channel is done.
 */
START_TEST(t_sigterm)
{
	struct e2e	 f;
	struct stall	 stall;
	int64_t		 t0, hms = 0, gms;
	pid_t		 w;
	int		 a, b, st;

	e2e_start(&f, 2, NULL, tl_echo_server);
	two_sessions(&f, &a, &b, &w, 18);
	stall.fd = b;
	stall.unread = -1;
	stall.since = tl_now_ms();
	TL_ASSERT_LOG(tl_wait_for(client_stalled, &stall, TL_TIMEOUT_MS) == 0,
	    f.log);
	t0 = tl_now_ms();
	TL_ASSERT_LOG(tl_kill(f.host, SIGTERM) == 0, f.log);
	/* Leaving now would lose the RESET: b would never be closed. */
	if (tl_waitpid_timeout(f.host, QUIET_MS, &st) == 0) {
		hms = tl_now_ms() - t0;
		TL_ASSERT_LOG(WIFEXITED(st) && WEXITSTATUS(st) == 0, f.log);
		f.host = -1;
	}
	two_closed(&f, a, b, w);
	if (f.host > 0)
		hms = daemon_reap(&f, &f.host, t0, STOP_MS);
	host_start(&f);
	all_channels_serve(&f, 2);

	two_sessions(&f, &a, &b, &w, 20);
	t0 = tl_now_ms();
	TL_ASSERT_LOG(tl_kill(f.guest, SIGTERM) == 0, f.log);
	two_closed(&f, a, b, w);
	gms = daemon_reap(&f, &f.guest, t0, STOP_MS);
	/* The host may hold that session until a guest reads the channel
	 * again: its RESET waits behind data for the gone guest. */
	guest_start(&f);
	all_channels_serve(&f, 2);
	fprintf(stderr, "# e2e SIGTERM with sessions open: host exited 0 in "
	    "%lld ms, guest in %lld ms\n", (long long)hms, (long long)gms);
	e2e_stop(&f);
}
END_TEST

/*
 * SIGTERM to both daemons at once, sessions open.  Both exit 0.  A daemon
 * whose last frames the stand-in no longer reads (its peer left first:
 * QEMU does not read a socket whose other side is gone) cannot tell that
 * from a slow reader: it drains for at most SHUTDOWN_CAP_MS
 * (doc/protocol.md section 8), never longer.
 */
START_TEST(t_sigterm_both)
{
	struct e2e	 f;
	int64_t		 t0, gms, hms;
	pid_t		 w;
	int		 a, b;

	e2e_start(&f, 2, NULL, tl_echo_server);
	two_sessions(&f, &a, &b, &w, 22);
	t0 = tl_now_ms();
	TL_ASSERT_LOG(tl_kill(f.guest, SIGTERM) == 0, f.log);
	TL_ASSERT_LOG(tl_kill(f.host, SIGTERM) == 0, f.log);
	two_closed(&f, a, b, w);
	gms = daemon_reap(&f, &f.guest, t0, SHUTDOWN_CAP_MS + STOP_MS);
	hms = daemon_reap(&f, &f.host, t0, SHUTDOWN_CAP_MS + STOP_MS);
	fprintf(stderr, "# e2e SIGTERM to both at once: guest exited 0 in %lld "
	    "ms, host in %lld ms\n", (long long)gms, (long long)hms);
	e2e_stop(&f);
}
END_TEST

/* The host's status document, read from its socket into buf. */
static void
status_fetch(struct e2e *f, char *buf, size_t len)
{
	ssize_t	 n;
	int	 fd;

	TL_ASSERT_LOG((fd = tl_unix_connect(f->status, TL_TIMEOUT_MS)) != -1,
	    f->log);
	n = tl_read_until_eof(fd, buf, len - 1, TL_TIMEOUT_MS);
	close(fd);
	TL_ASSERT_LOG(n > 0, f->log);
	buf[n] = '\0';
}

/* vios-proxy-status's table for the host, into buf; it must exit 0. */
static void
status_table(struct e2e *f, char *buf, size_t len)
{
	const char		*argv[] = { STATUS_PATH, f->status, NULL };
	struct tl_spawn_opts	 o = { NULL, NULL, f->log, -1 };
	ssize_t			 n;
	pid_t			 pid;
	int			 out, st;

	o.stdout_fd = &out;
	pid = tl_spawn_ex((char *const *)argv, &o);
	ck_assert_int_gt(pid, 0);
	n = tl_read_until_eof(out, buf, len - 1, TL_TIMEOUT_MS);
	close(out);
	TL_ASSERT_LOG(tl_waitpid_timeout(pid, TL_TIMEOUT_MS, &st) == 0, f->log);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
}

/* The JSON object of the channel whose "state" is state, copied to obj. */
static int
status_channel(const char *doc, const char *state, char *obj, size_t len)
{
	char		 key[64];
	const char	*p, *start, *end;

	snprintf(key, sizeof(key), "\"state\":\"%s\"", state);
	if ((p = strstr(doc, key)) == NULL)
		return -1;
	for (start = p; start > doc && *start != '{'; start--)
		;
	if ((end = strchr(p, '}')) == NULL ||
	    (size_t)(end - start + 2) > len)
		return -1;
	memcpy(obj, start, (size_t)(end - start + 1));
	obj[end - start + 1] = '\0';
	return 0;
}

/* A channel's counters, from the JSON or from a row of the table. */
struct counters {
	unsigned long long	 sessions;
	unsigned long long	 errors;
	unsigned long long	 to_tcp;	/* bytes_to_tcp, TO-SERVICE */
	unsigned long long	 from_tcp;	/* bytes_from_tcp, FROM-SERVICE */
	unsigned long long	 sess_to_tcp;	/* the current session's */
	char			 state[32];
};

/* The number after "key": in the flat object obj..end; fails if absent. */
static unsigned long long
json_num(const char *obj, const char *end, const char *key)
{
	char		 k[64];
	const char	*p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(obj, k);
	ck_assert_msg(p != NULL && p < end, "no %s in %.*s", k,
	    (int)(end - obj), obj);
	return strtoull(p + strlen(k), NULL, 10);
}

/* The counters of channel VM/chan in the status document doc. */
static void
status_counters(const char *doc, const char *chan, struct counters *c)
{
	char		 key[64];
	const char	*obj, *end, *p;

	snprintf(key, sizeof(key), "{\"name\":\"" VM "/%s\",", chan);
	ck_assert_msg((obj = strstr(doc, key)) != NULL, "no %s in %s", key,
	    doc);
	/* port_json() objects are flat: the first '}' ends this one. */
	ck_assert_ptr_nonnull(end = strchr(obj, '}'));
	memset(c, 0, sizeof(*c));
	c->sessions = json_num(obj, end, "sessions");
	c->errors = json_num(obj, end, "errors");
	c->to_tcp = json_num(obj, end, "bytes_to_tcp");
	c->from_tcp = json_num(obj, end, "bytes_from_tcp");
	c->sess_to_tcp = json_num(obj, end, "session_bytes_to_tcp");
	ck_assert_ptr_nonnull(p = strstr(obj, "\"state\":\""));
	p += strlen("\"state\":\"");
	snprintf(c->state, sizeof(c->state), "%.*s", (int)strcspn(p, "\""), p);
}

/*
 * The row of channel chan in vios-proxy-status's table: its nine columns
 * (the header's), the session's tokens into tok.
 */
static void
table_counters(const char *table, const char *chan, struct counters *c,
    char *tok, size_t toklen)
{
	char		 guest[64], ch[64], link[32], session[64], line[256];
	const char	*p, *nl;
	int		 found = 0;

	for (p = table; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		memset(c, 0, sizeof(*c));
		if (sscanf(line, "%63s %63s %31s %31s %63s %llu %llu %llu %llu",
		    guest, ch, link, c->state, session, &c->sessions,
		    &c->errors, &c->to_tcp, &c->from_tcp) == 9 &&
		    strcmp(guest, VM) == 0 && strcmp(ch, chan) == 0) {
			found = 1;
			break;
		}
	}
	ck_assert_msg(found, "no row of %s in\n%s", chan, table);
	ck_assert_str_eq(link, "attached");
	snprintf(tok, toklen, "%s", session);
}

/* Channel counters as the test expects them. */
static void
counters_check(const struct counters *got, const struct counters *want,
    const char *what)
{
	ck_assert_msg(got->sessions == want->sessions &&
	    got->errors == want->errors && got->to_tcp == want->to_tcp &&
	    got->from_tcp == want->from_tcp && strcmp(got->state,
	    want->state) == 0,
	    "%s: sessions %llu errors %llu to %llu from %llu %s, want "
	    "%llu %llu %llu %llu %s", what, got->sessions, got->errors,
	    got->to_tcp, got->from_tcp, got->state, want->sessions,
	    want->errors, want->to_tcp, want->from_tcp, want->state);
}

/* tl_wait_for() condition: the host reports no established session. */
static int
status_all_idle(void *arg)
{
	struct e2e	*f = arg;
	static char	 doc[65536];

	status_fetch(f, doc, sizeof(doc));
	return strstr(doc, "established") == NULL &&
	    strstr(doc, "\"channel\":\"attached\"") != NULL &&
	    strstr(doc, "\"channel\":\"detached\"") == NULL;
}

/* A guest directory named in UTF-8 and one invalid byte. */
#define ODD_GUEST	"g\xc3\xa4st\xff"
#define ODD_GUEST_JSON	"\"name\":\"g\xc3\xa4st\\ufffd\",\"channels\":[]"
#define ODD_GUEST_TABLE	"g\xc3\xa4st\xef\xbf\xbd"

/* tl_wait_for() condition: the host lists ODD_GUEST. */
static int
status_has_odd_guest(void *arg)
{
	struct e2e	*f = arg;
	static char	 doc[65536];

	status_fetch(f, doc, sizeof(doc));
	return strstr(doc, ODD_GUEST_JSON) != NULL;
}

#define STATUS_A	1000	/* bytes session a fetches ('D') */
#define STATUS_B	3000	/* bytes session b has echoed ('E') */

/* The one of two channels whose counters differ from base's, or -1. */
static int
status_grown(const char *doc, const char *const chans[2],
    const struct counters base[2])
{
	struct counters	 c;
	int		 i, grown = -1;

	for (i = 0; i < 2; i++) {
		status_counters(doc, chans[i], &c);
		if (c.sessions != base[i].sessions) {
			ck_assert_int_eq(grown, -1);
			grown = i;
		}
	}
	return grown;
}

/*
 * --status-socket: the JSON and vios-proxy-status against known sessions
 * on two channels.  a fetches STATUS_A bytes (13 sent) and ends cleanly; b
 * has STATUS_B bytes echoed, then loses its channel: an error on the
 * host.  The channels' counters must have grown by exactly those sessions,
 * errors and bytes each way, in the JSON and in the table's columns.
 */
START_TEST(t_status)
{
	struct e2e		 f;
	static char		 doc[65536], obj[2048], table[8192];
	static uint8_t		 buf[STATUS_B], got_buf[STATUS_A];
	uint8_t			 req[BULK_REQ_LEN];
	char			 want[128], gtok[16], tok[64];
	char			 odd[TMP_MAX_LEN + 32];
	const char *const	 chans[2] = { "ch0", "ch1" };
	struct counters		 base[2], got;
	const char		*p;
	struct stat		 sb;
	uint64_t		 n = STATUS_A, sum_to = 0, sum_from = 0;
	uint64_t		 sum_err = 0;
	uint32_t		 seed = 7;
	int			 a, b, i, ia, ib;

	e2e_start(&f, 2, NULL, bulk_service);
	TL_ASSERT_LOG(tl_wait_for(status_all_idle, &f, TL_TIMEOUT_MS) == 0,
	    f.log);

	/* The socket: mode 0660, as documented; no x bit. */
	ck_assert_int_eq(stat(f.status, &sb), 0);
	ck_assert(S_ISSOCK(sb.st_mode));
	ck_assert_uint_eq(sb.st_mode & 07777, 0660);

	/* Before: e2e_start()'s one SMALL echo, somewhere, no error. */
	status_fetch(&f, doc, sizeof(doc));
	ck_assert_msg(strncmp(doc, "{\"daemon\":\"vios-proxy-host\"", 26) == 0,
	    "%s", doc);
	ck_assert_ptr_nonnull(strstr(doc, "\"guests\":[{\"name\":\"" VM "\""));
	for (i = 0; i < 2; i++) {
		status_counters(doc, chans[i], &base[i]);
		ck_assert_str_eq(base[i].state, "idle");
		sum_to += base[i].to_tcp;
		sum_from += base[i].from_tcp;
		sum_err += base[i].errors;
	}
	ck_assert_uint_eq(sum_to, SMALL);
	ck_assert_uint_eq(sum_from, SMALL);
	ck_assert_uint_eq(sum_err, 0);

	/* a: BULK_REQ_LEN bytes to the service, STATUS_A back, both EOF. */
	a = client(&f, TL_TIMEOUT_MS);
	req[0] = BULK_DOWN;
	memcpy(req + 1, &n, sizeof(n));
	memcpy(req + 1 + sizeof(n), &seed, sizeof(seed));
	put(&f, a, req, sizeof(req));
	tl_pattern(got_buf, STATUS_A, 0, seed);
	expect(&f, a, got_buf, STATUS_A, TL_TIMEOUT_MS);
	TL_ASSERT_LOG(tl_read_until_eof(a, got_buf, sizeof(got_buf),
	    TL_TIMEOUT_MS) == 0, f.log);
	close(a);
	TL_ASSERT_LOG(tl_wait_for(status_all_idle, &f, TL_TIMEOUT_MS) == 0,
	    f.log);
	status_fetch(&f, doc, sizeof(doc));
	ck_assert_int_ge(ia = status_grown(doc, chans, base), 0);
	base[ia].sessions++;
	base[ia].to_tcp += BULK_REQ_LEN;
	base[ia].from_tcp += STATUS_A;
	for (i = 0; i < 2; i++) {
		status_counters(doc, chans[i], &got);
		counters_check(&got, &base[i], "json, a ended");
	}

	/* b: echoed, held open. */
	b = client(&f, TL_TIMEOUT_MS);
	tl_pattern(buf, STATUS_B, 0, 8);
	buf[0] = 'E';
	put(&f, b, buf, STATUS_B);
	expect(&f, b, buf, STATUS_B, TL_TIMEOUT_MS);
	status_fetch(&f, doc, sizeof(doc));
	ck_assert_int_ge(ib = status_grown(doc, chans, base), 0);
	base[ib].sessions++;
	base[ib].to_tcp += STATUS_B;
	base[ib].from_tcp += STATUS_B;
	snprintf(base[ib].state, sizeof(base[ib].state), "established");
	for (i = 0; i < 2; i++) {
		status_counters(doc, chans[i], &got);
		counters_check(&got, &base[i], "json, b established");
	}
	ck_assert_int_eq(status_channel(doc, "established", obj, sizeof(obj)),
	    0);
	snprintf(want, sizeof(want), "{\"name\":\"" VM "/%s\",", chans[ib]);
	ck_assert_msg(strncmp(obj, want, strlen(want)) == 0, "%s", obj);
	ck_assert_ptr_nonnull(strstr(obj, "\"fin\":true"));
	ck_assert_ptr_nonnull(strstr(obj, "\"session_bytes_to_tcp\":3000,"));
	ck_assert_ptr_nonnull(strstr(obj, "\"session_bytes_from_tcp\":3000,"));
	ck_assert_ptr_nonnull(p = strstr(obj, "\"guest_token\":\""));
	snprintf(gtok, sizeof(gtok), "%.8s", p + 15);

	/* The table: its header, and the same counters, b by its tokens. */
	status_table(&f, table, sizeof(table));
	ck_assert_msg(strstr(table, "\nGUEST ") != NULL, "%s", table);
	i = 0;
	ck_assert_int_eq(sscanf(strstr(table, "\nGUEST ") + 1,
	    "GUEST CHANNEL LINK STATE SESSION SESSIONS ERRORS TO-SERVICE "
	    "FROM-SERVICE%n", &i), 0);
	ck_assert_msg(i > 0, "%s", table);
	for (i = 0; i < 2; i++) {
		table_counters(table, chans[i], &got, tok, sizeof(tok));
		counters_check(&got, &base[i], "table, b established");
		snprintf(want, sizeof(want), "%s/", gtok);
		if (i == ib)
			ck_assert_msg(strncmp(tok, want, strlen(want)) == 0,
			    "%s, not %s", tok, want);
		else
			ck_assert_str_eq(tok, "-");
	}

	/* b's channel drops from under it: an error on the host. */
	snprintf(want, sizeof(want), "hup %s", chans[ib]);
	standin_cmd(&f, want, "ok");
	base[ib].errors++;
	snprintf(base[ib].state, sizeof(base[ib].state), "idle");
	close(b);
	TL_ASSERT_LOG(tl_wait_for(status_all_idle, &f, TL_TIMEOUT_MS) == 0,
	    f.log);

	/* A guest named in UTF-8 and a stray byte: no channels, its name. */
	snprintf(odd, sizeof(odd), "%s/%s", f.root, ODD_GUEST);
	ck_assert_int_eq(mkdir(odd, 0755), 0);
	TL_ASSERT_LOG(tl_wait_for(status_has_odd_guest, &f, TL_TIMEOUT_MS) ==
	    0, f.log);

	status_fetch(&f, doc, sizeof(doc));
	status_table(&f, table, sizeof(table));
	for (i = 0; i < 2; i++) {
		status_counters(doc, chans[i], &got);
		counters_check(&got, &base[i], "json, b ended");
		table_counters(table, chans[i], &got, tok, sizeof(tok));
		counters_check(&got, &base[i], "table, b ended");
		ck_assert_str_eq(tok, "-");
	}
	ck_assert_msg(strstr(table, "\n" ODD_GUEST_TABLE " ") != NULL, "%s",
	    table);
	e2e_stop(&f);
	ck_assert_int_eq(access(f.status, F_OK), -1);
}
END_TEST

/*
 * A second host given a live status socket leaves it alone: exit 1 with
 * one line on stderr, --syslog or not, and the first one still answers.
 * A stale socket (its daemon killed) is replaced.
 */
START_TEST(t_status_socket)
{
	struct e2e		 f;
	static char		 doc[65536], err[4096];
	char			 errlog[TMP_MAX_LEN + 16], want[64];
	const char		*argv[] = { HOST_PATH, "--syslog", "--log-level",
				    "error", "--status-socket", f.status,
				    "--guest-dir", f.root, NULL };
	struct tl_spawn_opts	 o = { NULL, NULL, errlog, -1 };
	ssize_t			 n;
	pid_t			 pid;
	int			 fd, st;

	e2e_start(&f, 1, NULL, tl_echo_server);
	snprintf(errlog, sizeof(errlog), "%s/second.err", f.dir);
	pid = tl_spawn_ex((char *const *)argv, &o);
	ck_assert_int_gt(pid, 0);
	TL_ASSERT_LOG(tl_waitpid_timeout(pid, TL_TIMEOUT_MS, &st) == 0, f.log);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	ck_assert_int_ge(fd = open(errlog, O_RDONLY | O_CLOEXEC), 0);
	n = read(fd, err, sizeof(err) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	err[n] = '\0';
	ck_assert_msg(strchr(err, '\n') == err + n - 1 &&
	    strstr(err, f.status) != NULL &&
	    strstr(err, "another daemon") != NULL, "stderr: %s", err);

	status_fetch(&f, doc, sizeof(doc));
	snprintf(want, sizeof(want), "\"pid\":%ld,", (long)f.host);
	ck_assert_msg(strstr(doc, want) != NULL, "%s lacks %s", doc, want);
	echo_check(&f, 3, SMALL, TL_TIMEOUT_MS);

	/* Killed, the host leaves its socket; the next one replaces it. */
	daemon_kill(&f, &f.host);
	ck_assert_int_eq(access(f.status, F_OK), 0);
	host_start(&f);
	status_fetch(&f, doc, sizeof(doc));
	snprintf(want, sizeof(want), "\"pid\":%ld,", (long)f.host);
	ck_assert_msg(strstr(doc, want) != NULL, "%s lacks %s", doc, want);
	e2e_stop(&f);
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("e2e");
	TCase	*tc;

	tcase_add_test(checkmain_tcase(s, "echo"), t_echo);
	tc = checkmain_tcase(s, "bulk");
	tcase_set_timeout(tc, BULK_CASE_S);
	tcase_add_test(tc, t_bulk);
	tcase_add_test(checkmain_tcase(s, "parallel"), t_parallel);
	tcase_add_test(checkmain_tcase(s, "guest_kill"), t_guest_kill);
	tcase_add_test(checkmain_tcase(s, "host_kill"), t_host_kill);
	tcase_add_test(checkmain_tcase(s, "host_restart"), t_host_restart);
	tcase_add_test(checkmain_tcase(s, "service_down"), t_service_down);
	tcase_add_test(checkmain_tcase(s, "sessions"), t_sessions);
	tcase_add_test(checkmain_tcase(s, "half_close"), t_half_close);
	tcase_add_test(checkmain_tcase(s, "queue"), t_queue);
	tcase_add_test(checkmain_tcase(s, "hotplug"), t_hotplug);
	tcase_add_test(checkmain_tcase(s, "sigterm"), t_sigterm);
	tcase_add_test(checkmain_tcase(s, "sigterm_both"), t_sigterm_both);
	tcase_add_test(checkmain_tcase(s, "status"), t_status);
	tcase_add_test(checkmain_tcase(s, "status_socket"), t_status_socket);
	return s;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * soak.c: "make soak".  Starts the stand-in (guest vm1, SOAK_CHANS
 * channels), both daemons and an echo service, then SOAK_WORKERS forked
 * workers drive $SOAK_SESSIONS sessions in all (seeded by $SOAK_SEED) of
 * random sizes from 1 byte to SOAK_MAX (skewed to small).  Each session
 * sends and receives at once and hashes both ways; it ends by a
 * half-close and reading to EOF, by reading everything then closing, or
 * by an abort (RST mid-transfer).  Every completed session must hash
 * equal.  At the end neither daemon may hold more descriptors than at the
 * start and both stay under SOAK_RSS_MAX_KB.  One summary line on stdout;
 * exit 0 only when all holds.
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

#include "testlib.h"

#define VM		"vm1"
#define SOAK_CHANS	4
#define SOAK_WORKERS	8
#define SOAK_MAX	(4u << 20)	/* bytes per session, at most */
#define SOAK_CHUNK	(64 * 1024)
#define SOAK_STALL_MS	30000		/* no progress this long: failure */
#define SOAK_SETTLE_MS	10000		/* descriptors back to baseline */
#define SOAK_ABORT_PCT	5		/* sessions reset mid-transfer */
#define SOAK_HALF_PCT	50		/* of the rest: ended by a half-close */
#ifdef __SANITIZE_ADDRESS__
#define SOAK_RSS_MAX_KB	(256 * 1024)
#else
#define SOAK_RSS_MAX_KB	(32 * 1024)
#endif

struct result {
	unsigned	 done;
	unsigned	 aborted;
	unsigned	 mismatches;
	unsigned	 failures;
	uint64_t	 bytes;
};

/* 1..SOAK_MAX, log-uniform: most sessions small, some of megabytes. */
static size_t
soak_size(unsigned int *seed)
{
	unsigned int	 bits = (unsigned int)rand_r(seed) % 23;	/* 2^22 */
	size_t		 n = ((size_t)1 << bits) +
			    (size_t)rand_r(seed) % ((size_t)1 << bits);

	return n > SOAK_MAX ? SOAK_MAX : n;
}

/*
 * One session of n bytes: send and receive at once, hashing both.  mode
 * 0: half-close after sending, read to EOF; 1: read all, then close; 2:
 * RST after abort_at bytes sent.  Returns 0 completed and equal, 1
 * aborted, 2 mismatch, -1 failure.
 */
static int
soak_session(uint16_t port, size_t n, int mode, size_t abort_at,
    uint32_t seed)
{
	static uint8_t	 out[SOAK_CHUNK], in[SOAK_CHUNK];
	struct pollfd	 pfd;
	struct linger	 lg = { 1, 0 };
	uint64_t	 hs = TL_FNV_INIT, hr = TL_FNV_INIT;
	size_t		 sent = 0, got = 0, k;
	ssize_t		 r;
	int		 fd, eof = 0, shut = 0;

	if ((fd = tl_tcp_connect(port, TL_TIMEOUT_MS)) == -1 ||
	    tl_set_nonblock(fd, 1) == -1)
		return -1;
	for (;;) {
		if (mode == 2 && sent >= abort_at) {
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(fd);
			return 1;
		}
		if (sent == n && mode == 0 && !shut) {
			if (shutdown(fd, SHUT_WR) == -1)
				goto fail;
			shut = 1;
		}
		if (got == n && (mode == 1 || eof))
			break;
		pfd.fd = fd;
		pfd.events = POLLIN | (sent < n ? POLLOUT : 0);
		if ((r = poll(&pfd, 1, SOAK_STALL_MS)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			goto fail;
		}
		if (sent < n && (pfd.revents & (POLLOUT | POLLERR))) {
			k = n - sent < sizeof(out) ? n - sent : sizeof(out);
			if (mode == 2 && abort_at - sent < k)
				k = abort_at - sent + 1;
			tl_pattern(out, k, sent, seed);
			r = send(fd, out, k, MSG_NOSIGNAL);
			if (r > 0) {
				hs = tl_fnv(out, (size_t)r, hs);
				sent += (size_t)r;
			} else if (errno != EAGAIN && errno != EINTR)
				goto fail;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			r = read(fd, in, sizeof(in));
			if (r > 0) {
				hr = tl_fnv(in, (size_t)r, hr);
				got += (size_t)r;
				if (got > n)
					goto mismatch;
			} else if (r == 0) {
				if (got < n)
					goto fail;
				eof = 1;
			} else if (errno != EAGAIN && errno != EINTR)
				goto fail;
		}
	}
	close(fd);
	return hs == hr ? 0 : 2;
mismatch:
	close(fd);
	return 2;
fail:
	fprintf(stderr, "soak: session of %zu bytes (mode %d) failed at %zu "
	    "sent, %zu received: %s\n", n, mode, sent, got, strerror(errno));
	close(fd);
	return -1;
}

/* A worker's share of the sessions; its result written to wfd. */
static void
soak_worker(int id, uint16_t port, unsigned count, unsigned int seed,
    int wfd)
{
	struct result	 res;
	unsigned	 i;
	size_t		 n;
	int		 mode, r;

	memset(&res, 0, sizeof(res));
	seed = seed * 7919u + (unsigned int)id * 104729u;
	for (i = 0; i < count; i++) {
		n = soak_size(&seed);
		if ((unsigned)rand_r(&seed) % 100 < SOAK_ABORT_PCT)
			mode = 2;
		else
			mode = (unsigned)rand_r(&seed) % 100 < SOAK_HALF_PCT ?
			    0 : 1;
		r = soak_session(port, n, mode, (size_t)rand_r(&seed) % n,
		    (uint32_t)rand_r(&seed));
		if (r == 0) {
			res.done++;
			res.bytes += n;
		} else if (r == 1)
			res.aborted++;
		else if (r == 2)
			res.mismatches++;
		else
			res.failures++;
	}
	if (write(wfd, &res, sizeof(res)) != sizeof(res))
		_exit(1);
	_exit(0);
}

static pid_t
spawn_logged(const char **argv, const char *log, int *in, int *out)
{
	struct tl_spawn_opts	 o = { in, out, log, -1 };

	return tl_spawn_ex((char *const *)argv, &o);
}

int
main(void)
{
	struct result	 tot, r;
	const char	*env;
	char		*dir, root[512], gdir[512], log[512], hport[8],
			 gport[8];
	unsigned	 sessions = 2000, share, i;
	unsigned int	 seed = 1;
	uint16_t	 svc_port, port;
	int64_t		 t0, ms;
	long		 hrss, grss;
	int		 p[2], cin, cout, h0, g0, h1, g1, st, ok = 1;
	pid_t		 svc, si, host, guest, w[SOAK_WORKERS];

	if ((env = getenv("SOAK_SESSIONS")) != NULL && *env != '\0')
		sessions = (unsigned)strtoul(env, NULL, 10);
	if ((env = getenv("SOAK_SEED")) != NULL && *env != '\0')
		seed = (unsigned int)strtoul(env, NULL, 10);
	signal(SIGPIPE, SIG_IGN);
	if ((dir = tl_tmpdir("soak")) == NULL) {
		perror("soak: tmpdir");
		return 1;
	}
	snprintf(root, sizeof(root), "%s/host", dir);
	snprintf(gdir, sizeof(gdir), "%s/host.guest/%s", dir, VM);
	snprintf(log, sizeof(log), "%s/soak.log", dir);

	if ((svc = tl_echo_server(&svc_port)) == -1) {
		perror("soak: echo service");
		return 1;
	}
	{
		const char *argv[] = { STANDIN_PATH, root, VM, "ch0", "ch1",
		    "ch2", "ch3", NULL };

		if ((si = spawn_logged(argv, log, &cin, &cout)) == -1 ||
		    tl_wait_line(cout, "ready", TL_TIMEOUT_MS, NULL, 0) == -1) {
			fprintf(stderr, "soak: stand-in did not start\n");
			return 1;
		}
	}
	snprintf(hport, sizeof(hport), "%u", (unsigned)svc_port);
	port = tl_free_port();
	snprintf(gport, sizeof(gport), "%u", (unsigned)port);
	{
		const char *ha[] = { HOST_PATH, "--guest-dir", root, "--port",
		    hport, NULL };
		const char *ga[] = { GUEST_PATH, "--host-dir", gdir, "--port",
		    gport, NULL };

		host = spawn_logged(ha, log, NULL, NULL);
		guest = spawn_logged(ga, log, NULL, NULL);
	}
	if (host == -1 || guest == -1) {
		fprintf(stderr, "soak: daemons did not start\n");
		return 1;
	}
	/* Ready: one session served (a 1-byte echo). */
	t0 = tl_now_ms();
	while (soak_session(port, 1, 0, 0, 0) != 0)
		if (tl_now_ms() - t0 > TL_TIMEOUT_MS) {
			fprintf(stderr, "soak: tunnel not ready\n");
			tl_dump_file(log, "soak log");
			return 1;
		}
	h0 = tl_proc_nfds(host);
	g0 = tl_proc_nfds(guest);

	t0 = tl_now_ms();
	if (pipe(p) == -1)
		return 1;
	for (i = 0; i < SOAK_WORKERS; i++) {
		share = sessions / SOAK_WORKERS +
		    (i < sessions % SOAK_WORKERS ? 1 : 0);
		if ((w[i] = tl_fork(&p[1], 1)) == 0)
			soak_worker((int)i, port, share, seed, p[1]);
		if (w[i] == -1)
			return 1;
	}
	close(p[1]);
	memset(&tot, 0, sizeof(tot));
	for (i = 0; i < SOAK_WORKERS; i++) {
		if (tl_read_full(p[0], &r, sizeof(r), 3600 * 1000) == -1) {
			fprintf(stderr, "soak: a worker gave no result\n");
			ok = 0;
			break;
		}
		tot.done += r.done;
		tot.aborted += r.aborted;
		tot.mismatches += r.mismatches;
		tot.failures += r.failures;
		tot.bytes += r.bytes;
	}
	for (i = 0; i < SOAK_WORKERS; i++)
		if (waitpid(w[i], &st, 0) != w[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			ok = 0;
	ms = tl_now_ms() - t0;

	/* The last aborts may still be closing: settle within a bound. */
	if (tl_wait_nfds(host, h0, SOAK_SETTLE_MS) == -1 ||
	    tl_wait_nfds(guest, g0, SOAK_SETTLE_MS) == -1)
		ok = 0;
	h1 = tl_proc_nfds(host);
	g1 = tl_proc_nfds(guest);
	hrss = tl_proc_rss_kb(host);
	grss = tl_proc_rss_kb(guest);
	if (!tl_wrapped() && (hrss <= 0 || hrss >= SOAK_RSS_MAX_KB ||
	    grss <= 0 || grss >= SOAK_RSS_MAX_KB))
		ok = 0;
	/* And the tunnel still serves. */
	if (soak_session(port, SOAK_CHUNK * 3 + 1, 0, 0, 9) != 0)
		ok = 0;
	if (tot.mismatches != 0 || tot.failures != 0 ||
	    tot.done + tot.aborted != sessions)
		ok = 0;

	printf("soak: %u sessions, %u aborted, %u mismatches, %u failed, "
	    "%.1f MiB echoed in %lld ms; fds host %d->%d guest %d->%d, rss "
	    "host %ld KiB guest %ld KiB (bound %d KiB): %s\n", sessions,
	    tot.aborted, tot.mismatches, tot.failures,
	    (double)tot.bytes / (1 << 20), (long long)ms, h0, h1, g0, g1,
	    hrss, grss, SOAK_RSS_MAX_KB, ok ? "ok" : "FAILED");
	fflush(stdout);
	if (!ok)
		tl_dump_file(log, "soak log (tail)");

	if (tl_terminate(guest, TL_TIMEOUT_MS, &st) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		ok = 0;
	if (tl_terminate(host, TL_TIMEOUT_MS, &st) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		ok = 0;
	tl_terminate(si, TL_TIMEOUT_MS, NULL);
	tl_terminate(svc, TL_TIMEOUT_MS, NULL);
	if (ok)
		tl_rmtree(dir);
	else
		fprintf(stderr, "soak: logs kept in %s\n", dir);
	free(dir);
	return ok ? 0 : 1;
}

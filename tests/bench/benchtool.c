/* SPDX-License-Identifier: Apache-2.0 */
/*
 * benchtool: the peers of `make bench` (tests/bench/bench.sh).  "serve
 * PORTFILE" is the TCP service; "rawpeer PATH" serves the same stream on
 * a channel's host-side socket (the no-proxy baseline).  Both answer a
 * byte stream of commands: 'E' is echoed, 'U'+len is counted and checked,
 * 'D'+len is sent.  "client ADDR OP N" runs one measurement (up, down,
 * ping, sessions) against a service behind ADDR (tcp:PORT or unix:PATH)
 * and prints one "key=value" line; "scale ROOT NGUEST NCHAN HOSTBIN PORT"
 * plays QEMU for many idle guests and measures the host daemon.  Blocking
 * and bounded by deadlines; not part of the proxy.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BT_BUF		(256 * 1024)	/* I/O chunk, bytes */
#define BT_TIMEOUT_MS	30000		/* one blocking wait at most */
#define BT_RETRY_MAX	1000		/* busy channel: reconnects per session */
#define BT_IDLE_S	3		/* idle CPU sample, seconds */
#define BT_SUM_INIT	0xcbf29ce484222325ULL
#define BT_SUM_PRIME	0x100000001b3ULL

static uint64_t
bt_now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The payload: a table with a prime period, so frames and reads never line
 * up with it; filled and checked with memcpy/memcmp, not per byte, so the
 * peers stay well ahead of what they measure.
 */
#define BT_PERIOD	65521
static uint8_t	bt_table[BT_PERIOD + BT_BUF];

static void
bt_table_init(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(bt_table); i++)
		bt_table[i] = (uint8_t)((i % BT_PERIOD) * 131 + (i % BT_PERIOD >> 7));
}

/* Whether buf holds the pattern at stream offset off (len <= BT_BUF). */
static uint64_t
bt_check(const uint8_t *buf, size_t len, uint64_t off)
{
	return memcmp(buf, bt_table + off % BT_PERIOD, len) != 0;
}

static void
bt_fill(uint8_t *buf, size_t len, uint64_t off)
{
	memcpy(buf, bt_table + off % BT_PERIOD, len);
}

/* Wait for fd to be ready for events; -1 on timeout. */
static int
bt_wait(int fd, short events)
{
	struct pollfd	 p = { fd, events, 0 };
	int		 r;

	while ((r = poll(&p, 1, BT_TIMEOUT_MS)) == -1 && errno == EINTR)
		;
	if (r == 0)
		errno = ETIMEDOUT;
	return r == 1 ? 0 : -1;
}

/* Read exactly len bytes; 0, or -1 (errno set; 0 = EOF). */
static int
bt_read_full(int fd, void *buf, size_t len)
{
	uint8_t	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		if ((n = read(fd, p, len)) > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n == 0) {
			errno = 0;
			return -1;
		} else if (errno != EINTR)
			return -1;
	}
	return 0;
}

static int
bt_write_full(int fd, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

static void
bt_put64(uint8_t *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
bt_get64(const uint8_t *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Serve one command stream until EOF: 'E' echoes itself; 'U' len: read
 * len pattern bytes, answer count and mismatches; 'D' len: send len bytes.
 */
static void
bt_serve_stream(int fd)
{
	uint8_t		*buf, hdr[16];
	uint64_t	 len, off, bad;
	size_t		 n;
	ssize_t		 r;

	if ((buf = malloc(BT_BUF)) == NULL)
		return;
	while (bt_read_full(fd, hdr, 1) == 0) {
		switch (hdr[0]) {
		case 'E':
			if (bt_write_full(fd, hdr, 1) == -1)
				goto out;
			break;
		case 'U':
			if (bt_read_full(fd, hdr + 1, 8) == -1)
				goto out;
			len = bt_get64(hdr + 1);
			for (off = 0, bad = 0; off < len; off += (uint64_t)r) {
				n = len - off < BT_BUF ? len - off : BT_BUF;
				if ((r = read(fd, buf, n)) <= 0) {
					if (r == -1 && errno == EINTR) {
						r = 0;
						continue;
					}
					goto out;
				}
				bad += bt_check(buf, (size_t)r, off);
			}
			bt_put64(hdr, off);
			bt_put64(hdr + 8, bad);
			if (bt_write_full(fd, hdr, 16) == -1)
				goto out;
			break;
		case 'D':
			if (bt_read_full(fd, hdr + 1, 8) == -1)
				goto out;
			len = bt_get64(hdr + 1);
			for (off = 0; off < len; off += n) {
				n = len - off < BT_BUF ? len - off : BT_BUF;
				bt_fill(buf, n, off);
				if (bt_write_full(fd, buf, n) == -1)
					goto out;
			}
			break;
		default:
			goto out;
		}
	}
out:
	free(buf);
}

static void *
bt_serve_thread(void *arg)
{
	int	 fd = (int)(intptr_t)arg;

	bt_serve_stream(fd);
	close(fd);
	return NULL;
}

static int
bt_serve(const char *portfile)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	pthread_t		 t;
	FILE			*f;
	int			 s, c, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 128) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1)
		err(1, "listen");
	if ((f = fopen(portfile, "w")) == NULL)
		err(1, "%s", portfile);
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	fclose(f);
	for (;;) {
		if ((c = accept(s, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			err(1, "accept");
		}
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, NULL, bt_serve_thread,
		    (void *)(intptr_t)c) != 0) {
			close(c);
			continue;
		}
		pthread_detach(t);
	}
}

static int
bt_unix_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The host side of a raw channel: one stream, served until EOF. */
static int
bt_rawpeer(const char *path)
{
	int	 fd;

	if ((fd = bt_unix_connect(path)) == -1)
		err(1, "%s", path);
	bt_serve_stream(fd);
	return 0;
}

/* Connect to tcp:PORT (127.0.0.1) or unix:PATH. */
static int
bt_connect(const char *addr)
{
	struct sockaddr_in	 sin;
	int			 fd, one = 1;

	if (strncmp(addr, "unix:", 5) == 0)
		return bt_unix_connect(addr + 5);
	if (strncmp(addr, "tcp:", 4) != 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)atoi(addr + 4));
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* One 'E' round trip; 0, or -1 (EOF: the channel was busy). */
static int
bt_echo(int fd)
{
	uint8_t	 b = 'E';

	if (bt_write_full(fd, &b, 1) == -1 || bt_wait(fd, POLLIN) == -1 ||
	    bt_read_full(fd, &b, 1) == -1)
		return -1;
	return b == 'E' ? 0 : -1;
}

static int
bt_cmp_u64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A connection whose first echo came back: the channel is ours. */
static int
bt_connect_live(const char *addr)
{
	int	 fd, i;

	for (i = 0; i < BT_RETRY_MAX; i++) {
		if ((fd = bt_connect(addr)) == -1) {
			if (errno != ECONNREFUSED && errno != EAGAIN &&
			    errno != ENOENT)
				return -1;
		} else if (bt_echo(fd) == 0)
			return fd;
		else
			close(fd);
		usleep(1000);
	}
	errno = EBUSY;
	return -1;
}

static int
bt_client(const char *addr, const char *op, uint64_t n)
{
	uint8_t		*buf, hdr[16];
	uint64_t	 t0, t1, off, bad = 0, *rtt, i, retries = 0;
	size_t		 len;
	ssize_t		 r;
	int		 fd;

	if ((buf = malloc(BT_BUF)) == NULL)
		err(1, NULL);
	if (strcmp(op, "sessions") == 0) {
		t0 = bt_now_ns();
		for (i = 0; i < n; ) {
			if ((fd = bt_connect(addr)) == -1)
				err(1, "connect %s", addr);
			if (bt_echo(fd) == 0)
				i++;
			else if (++retries > n * BT_RETRY_MAX)
				errx(1, "sessions: channel stays busy");
			close(fd);
		}
		t1 = bt_now_ns();
		printf("sessions n=%" PRIu64 " retries=%" PRIu64
		    " secs=%.3f rate=%.1f ok\n", n, retries,
		    (t1 - t0) / 1e9, n / ((t1 - t0) / 1e9));
		return 0;
	}
	if ((fd = bt_connect_live(addr)) == -1)
		err(1, "connect %s", addr);
	if (strcmp(op, "ping") == 0) {
		if ((rtt = calloc(n, sizeof(*rtt))) == NULL)
			err(1, NULL);
		for (i = 0; i < n; i++) {
			t0 = bt_now_ns();
			if (bt_echo(fd) == -1)
				err(1, "ping %" PRIu64, i);
			rtt[i] = bt_now_ns() - t0;
		}
		qsort(rtt, n, sizeof(*rtt), bt_cmp_u64);
		printf("ping n=%" PRIu64 " p50us=%.1f p99us=%.1f ok\n", n,
		    rtt[n / 2] / 1e3, rtt[n * 99 / 100] / 1e3);
		return 0;
	}
	t0 = bt_now_ns();
	hdr[0] = strcmp(op, "up") == 0 ? 'U' : 'D';
	bt_put64(hdr + 1, n);
	if (bt_write_full(fd, hdr, 9) == -1)
		err(1, "%s", op);
	if (hdr[0] == 'U') {
		for (off = 0; off < n; off += len) {
			len = n - off < BT_BUF ? n - off : BT_BUF;
			bt_fill(buf, len, off);
			if (bt_write_full(fd, buf, len) == -1)
				err(1, "up");
		}
		if (bt_wait(fd, POLLIN) == -1 || bt_read_full(fd, hdr, 16) == -1)
			err(1, "up: no count");
		off = bt_get64(hdr);
		bad = bt_get64(hdr + 8);
	} else {
		for (off = 0; off < n; off += (uint64_t)r) {
			len = n - off < BT_BUF ? n - off : BT_BUF;
			if (bt_wait(fd, POLLIN) == -1 ||
			    (r = read(fd, buf, len)) <= 0)
				err(1, "down at %" PRIu64, off);
			bad += bt_check(buf, (size_t)r, off);
		}
	}
	t1 = bt_now_ns();
	close(fd);
	printf("%s bytes=%" PRIu64 " secs=%.3f mbps=%.1f %s\n", op, off,
	    (t1 - t0) / 1e9, off / ((t1 - t0) / 1e3), off == n && bad == 0 ?
	    "ok" : "CORRUPT");
	return off == n && bad == 0 ? 0 : 1;
}

/* utime + stime of pid in clock ticks, and its RSS in KiB. */
static void
bt_proc(pid_t pid, uint64_t *ticks, uint64_t *rss_kb)
{
	char		 path[64], line[512], *p;
	unsigned long	 ut, st;
	FILE		*f;

	*ticks = *rss_kb = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(line, sizeof(line), f) != NULL &&
		    (p = strrchr(line, ')')) != NULL &&
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		    "%lu %lu", &ut, &st) == 2)
			*ticks = ut + st;
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "VmRSS: %" SCNu64, rss_kb) == 1)
				break;
		fclose(f);
	}
}

/* Make ROOT/NAME with nchan listening channel sockets, watched by ep. */
static void
bt_guest_dir(int ep, const char *root, const char *name, int nchan)
{
	struct sockaddr_un	 sun;
	struct epoll_event	 ev;
	char			 dir[256];
	int			 i, fd;

	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		err(1, "%s", dir);
	for (i = 0; i < nchan; i++) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%.80s/vios.%d",
		    dir, i) >= (int)sizeof(sun.sun_path))
			errx(1, "%s: path too long", dir);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1 ||
		    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    listen(fd, 4) == -1)
			err(1, "%s", sun.sun_path);
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			err(1, "epoll_ctl");
	}
}

/* Accept until want connections are live; the time it took, ns. */
static uint64_t
bt_accept_until(int ep, int *live, int want, uint64_t t0)
{
	struct epoll_event	 evs[256];
	int			 i, n, c;

	while (*live < want) {
		if ((n = epoll_wait(ep, evs, 256, BT_TIMEOUT_MS)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			errx(1, "scale: %d of %d channels connected", *live,
			    want);
		}
		for (i = 0; i < n; i++) {
			while ((c = accept4(evs[i].data.fd, NULL, NULL,
			    SOCK_CLOEXEC)) != -1)
				(*live)++;
		}
	}
	return bt_now_ns() - t0;
}

/*
 * QEMU for nguest idle guests of nchan channels each: start the host
 * daemon on them and report its RSS, the time until every channel is
 * connected, the time a new guest's channels take, and idle CPU.
 */
static int
bt_scale(const char *root, int nguest, int nchan, const char *hostbin,
    const char *port)
{
	struct rlimit	 rl;
	char		 name[32];
	uint64_t	 t0, all_ns, new_ns, tick0, tick1, rss;
	pid_t		 pid;
	int		 ep, i, live = 0, status;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");
	for (i = 0; i < nguest; i++) {
		snprintf(name, sizeof(name), "guest%04d", i);
		bt_guest_dir(ep, root, name, nchan);
	}
	t0 = bt_now_ns();
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		execl(hostbin, hostbin, "--log-level", "WARN", "--guest-dir",
		    root, "--port", port, (char *)NULL);
		err(127, "%s", hostbin);
	}
	all_ns = bt_accept_until(ep, &live, nguest * nchan, t0);
	/* Let the start-up settle before the new guest appears. */
	usleep(200000);
	t0 = bt_now_ns();
	bt_guest_dir(ep, root, "guestnew", nchan);
	new_ns = bt_accept_until(ep, &live, (nguest + 1) * nchan, t0);
	usleep(200000);
	bt_proc(pid, &tick0, &rss);
	sleep(BT_IDLE_S);
	bt_proc(pid, &tick1, &rss);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	printf("scale guests=%d chans=%d rss_kb=%" PRIu64 " all_ms=%.1f "
	    "new_ms=%.1f idle_cpu_ms=%.1f idle_s=%d ok\n", nguest, nchan, rss,
	    all_ns / 1e6, new_ns / 1e6,
	    (tick1 - tick0) * 1000.0 / sysconf(_SC_CLK_TCK), BT_IDLE_S);
	return 0;
}

static void __attribute__((noreturn))
bt_usage(void)
{
	fprintf(stderr, "usage: benchtool serve PORTFILE | rawpeer PATH |\n"
	    "       client tcp:PORT|unix:PATH up|down|ping|sessions N |\n"
	    "       scale ROOT NGUEST NCHAN HOSTBIN SERVICE_PORT\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	signal(SIGPIPE, SIG_IGN);
	bt_table_init();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return bt_serve(argv[2]);
	if (argc == 3 && strcmp(argv[1], "rawpeer") == 0)
		return bt_rawpeer(argv[2]);
	if (argc == 5 && strcmp(argv[1], "client") == 0)
		return bt_client(argv[2], argv[3], strtoull(argv[4], NULL, 0));
	if (argc == 7 && strcmp(argv[1], "scale") == 0)
		return bt_scale(argv[2], atoi(argv[3]), atoi(argv[4]), argv[5],
		    argv[6]);
	bt_usage();
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmtool: the test peers of the QEMU suite (tests/qemu/t-qemu.sh), one
 * binary for both sides.  On the host: "serve" is the proxied TCP service,
 * "rawpeer" serves the same commands straight on a port's QEMU socket (the
 * no-proxy baseline), "qmp" and "qmpevents" talk to QEMU's monitor.  In
 * the guest: "client" runs operations through the tunnel, "rawclient" the
 * same operations on /dev/virtio-ports/NAME, "relay" is a plain TCP relay
 * to such a port, the yardstick.  Every operation verifies its
 * bytes (count and checksum) and prints one "key=value" line with its
 * throughput.  Plain libc and pthreads, so it runs in a busybox guest with
 * only ld.so and libc copied in.  Blocking is bounded by deadlines.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VT_BUF		(64 * 1024)	/* I/O chunk and receive buffer */
#define VT_LINE		(64 * 1024)	/* longest command or QMP line */
#define VT_TIMEOUT_S	60		/* default deadline of one operation */
#define VT_RETRY_MS	10		/* connect and host-presence retries */
#define VT_STREAM_MARK	(1024 * 1024)	/* "streaming" printed after this */
#define VT_SUM_INIT	0xcbf29ce484222325ULL
#define VT_SUM_PRIME	0x100000001b3ULL

/* A connection: a fd (TCP, UNIX socket or virtio port) and read-ahead. */
struct vt_conn {
	int		 fd;
	size_t		 off, len;
	uint8_t		 buf[VT_BUF];
};

/* Streaming checksum over 64-bit words: cheap enough for TCG guests. */
struct vt_sum {
	uint64_t	 h;
	uint64_t	 n;
	uint8_t		 carry[8];
	unsigned	 nc;
};

/* The host service's state shared by its connection threads. */
struct vt_svc {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	unsigned	 waiting;	/* connections inside "barrier" */
	unsigned	 generation;	/* bumped each time a barrier opens */
	unsigned	 nconn;
};

struct vt_svc_arg {
	struct vt_svc	*svc;
	struct vt_conn	*conn;
	unsigned	 id;
};

static int	 vt_timeout_ms = VT_TIMEOUT_S * 1000;

static int	 vt_printf(struct vt_conn *, int64_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
vt_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fputs("vmtool: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int64_t
vt_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
vt_now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
vt_sleep_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* splitmix64: the pattern's word generator. */
static uint64_t
vt_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Bytes off..off+n-1 of the pattern stream named by seed. */
static void
vt_pattern(uint8_t *buf, size_t n, uint64_t off, uint32_t seed)
{
	uint64_t	 w;
	size_t		 b, take;
	uint8_t		 wb[8];

	while (n > 0) {
		w = vt_mix((off >> 3) ^ ((uint64_t)seed << 40));
		memcpy(wb, &w, sizeof(wb));
		b = off & 7;
		take = 8 - b < n ? 8 - b : n;
		memcpy(buf, wb + b, take);
		buf += take;
		off += take;
		n -= take;
	}
}

static void
vt_sum_init(struct vt_sum *s)
{
	memset(s, 0, sizeof(*s));
	s->h = VT_SUM_INIT;
}

static void
vt_sum_word(struct vt_sum *s, uint64_t w)
{
	s->h = (s->h ^ w) * VT_SUM_PRIME;
	s->h ^= s->h >> 29;
}

static void
vt_sum_update(struct vt_sum *s, const uint8_t *p, size_t n)
{
	uint64_t	 w;
	size_t		 take;

	s->n += n;
	if (s->nc > 0) {
		take = 8 - s->nc < n ? 8 - s->nc : n;
		memcpy(s->carry + s->nc, p, take);
		s->nc += (unsigned)take;
		p += take;
		n -= take;
		if (s->nc < 8)
			return;
		memcpy(&w, s->carry, 8);
		vt_sum_word(s, w);
		s->nc = 0;
	}
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		vt_sum_word(s, w);
	}
	memcpy(s->carry, p, n);
	s->nc = (unsigned)n;
}

static uint64_t
vt_sum_final(const struct vt_sum *s)
{
	struct vt_sum	 t = *s;
	uint64_t	 w = 0;

	if (t.nc > 0) {
		memcpy(&w, t.carry, t.nc);
		vt_sum_word(&t, w);
	}
	vt_sum_word(&t, t.n);
	return t.h;
}

/* A size with an optional K, M or G (binary) suffix; -1 if malformed. */
static int
vt_parse_size(const char *s, uint64_t *out)
{
	char		*end;
	uint64_t	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	switch (*end) {
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
vt_set_nonblock(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* poll() one fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int
vt_wait(int fd, short events, int64_t deadline)
{
	struct pollfd	 pfd = { .fd = fd, .events = events };
	int64_t		 left;
	int		 r;

	for (;;) {
		left = deadline - vt_now_ms();
		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (r > 0)
			return 1;
		if (r == -1 && errno != EINTR)
			return -1;
	}
}

static void
vt_conn_init(struct vt_conn *c, int fd)
{
	c->fd = fd;
	c->off = c->len = 0;
}

/*
 * Read up to n bytes, read-ahead first.  deadline < 0 waits forever.
 * Returns the count, 0 at EOF, -1 on error or timeout (ETIMEDOUT).
 */
static ssize_t
vt_read(struct vt_conn *c, void *buf, size_t n, int64_t deadline)
{
	ssize_t	 r;
	int	 w;

	if (c->len > c->off) {
		if (n > c->len - c->off)
			n = c->len - c->off;
		memcpy(buf, c->buf + c->off, n);
		c->off += n;
		return (ssize_t)n;
	}
	for (;;) {
		r = read(c->fd, buf, n);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		w = vt_wait(c->fd, POLLIN, deadline < 0 ? INT64_MAX : deadline);
		if (w == 0)
			errno = ETIMEDOUT;
		if (w <= 0)
			return -1;
	}
}

static int
vt_write_all(int fd, const void *buf, size_t n, int64_t deadline)
{
	const uint8_t	*p = buf;
	ssize_t		 r;
	int		 w;

	while (n > 0) {
		r = write(fd, p, n);	/* SIGPIPE is ignored */
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno != EAGAIN)
			return -1;
		w = vt_wait(fd, POLLOUT, deadline);
		if (w == 0)
			errno = ETIMEDOUT;
		if (w <= 0)
			return -1;
	}
	return 0;
}

/* One line without its "\r\n"; 0, or -1 at EOF (ENODATA) or error. */
static int
vt_getline(struct vt_conn *c, char *line, size_t cap, int64_t deadline)
{
	size_t	 n = 0;
	ssize_t	 r;
	uint8_t	*nl;

	for (;;) {
		if (c->len > c->off) {
			nl = memchr(c->buf + c->off, '\n', c->len - c->off);
			r = (ssize_t)(nl != NULL ? (size_t)(nl - c->buf) + 1 :
			    c->len) - (ssize_t)c->off;
			if (n + (size_t)r >= cap) {
				errno = EMSGSIZE;
				return -1;
			}
			memcpy(line + n, c->buf + c->off, (size_t)r);
			n += (size_t)r;
			c->off += (size_t)r;
			if (nl != NULL)
				break;
			continue;
		}
		c->off = 0;
		c->len = 0;
		r = vt_read(c, c->buf, sizeof(c->buf), deadline);
		if (r == 0)
			errno = ENODATA;
		if (r <= 0)
			return -1;
		c->len = (size_t)r;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	line[n] = '\0';
	return 0;
}

static int
vt_printf(struct vt_conn *c, int64_t deadline, const char *fmt, ...)
{
	char	 line[256];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	return vt_write_all(c->fd, line, (size_t)n, deadline);
}

/* Read exactly n bytes into the checksum; 0, or -1 (EOF: ENODATA). */
static int
vt_read_sum(struct vt_conn *c, uint64_t n, struct vt_sum *s,
    int64_t deadline)
{
	uint8_t	 buf[VT_BUF];
	ssize_t	 r;

	while (n > 0) {
		r = vt_read(c, buf, n < sizeof(buf) ? (size_t)n : sizeof(buf),
		    deadline);
		if (r == 0)
			errno = ENODATA;
		if (r <= 0)
			return -1;
		vt_sum_update(s, buf, (size_t)r);
		n -= (uint64_t)r;
	}
	return 0;
}

static int64_t
vt_deadline(void)
{
	return vt_now_ms() + vt_timeout_ms;
}

/* ---- the service side: host TCP service and raw port peer ---------- */

static int
vt_svc_echo(struct vt_conn *c, uint64_t n)
{
	uint8_t	 buf[VT_BUF];
	int64_t	 deadline = vt_deadline();
	ssize_t	 r;

	while (n > 0) {
		r = vt_read(c, buf, n < sizeof(buf) ? (size_t)n : sizeof(buf),
		    deadline);
		if (r <= 0 || vt_write_all(c->fd, buf, (size_t)r, deadline) == -1)
			return -1;
		n -= (uint64_t)r;
	}
	return 0;
}

static int
vt_svc_up(struct vt_conn *c, uint64_t n)
{
	struct vt_sum	 s;
	int64_t		 deadline = vt_deadline();

	vt_sum_init(&s);
	if (vt_read_sum(c, n, &s, deadline) == -1)
		return -1;
	return vt_printf(c, deadline, "ok %" PRIu64 " %016" PRIx64 "\n", n,
	    vt_sum_final(&s));
}

/* n == 0 streams until the peer goes away. */
static int
vt_svc_down(struct vt_conn *c, uint64_t n, uint32_t seed)
{
	uint8_t		 buf[VT_BUF];
	uint64_t	 off = 0;
	size_t		 k;

	while (n == 0 || off < n) {
		k = n == 0 || n - off > sizeof(buf) ? sizeof(buf) :
		    (size_t)(n - off);
		vt_pattern(buf, k, off, seed);
		if (vt_write_all(c->fd, buf, k, vt_deadline()) == -1)
			return -1;
		off += k;
	}
	return 0;
}

static int
vt_svc_barrier(struct vt_svc *svc, struct vt_conn *c, unsigned k)
{
	struct timespec	 until;
	unsigned	 gen;
	int		 rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += vt_timeout_ms / 1000;
	pthread_mutex_lock(&svc->mtx);
	gen = svc->generation;
	if (++svc->waiting >= k) {
		svc->waiting = 0;
		svc->generation++;
		pthread_cond_broadcast(&svc->cond);
	}
	while (gen == svc->generation && rc == 0)
		rc = pthread_cond_timedwait(&svc->cond, &svc->mtx, &until);
	if (gen == svc->generation)
		svc->waiting--;
	pthread_mutex_unlock(&svc->mtx);
	return vt_printf(c, vt_deadline(), rc == 0 ? "go\n" : "timeout\n");
}

/* Serve one connection's commands until EOF or "quit"; 0 on success. */
static int
vt_serve_conn(struct vt_svc *svc, struct vt_conn *c, unsigned id)
{
	char		 line[256], arg[64];
	uint64_t	 n;
	unsigned	 u;
	int		 rc;

	for (;;) {
		if (vt_getline(c, line, sizeof(line), -1) == -1)
			return errno == ENODATA ? 0 : -1;
		n = 0;
		u = 0;
		if (sscanf(line, "echo %63s", arg) == 1 &&
		    vt_parse_size(arg, &n) == 0)
			rc = vt_svc_echo(c, n);
		else if (sscanf(line, "up %63s", arg) == 1 &&
		    vt_parse_size(arg, &n) == 0)
			rc = vt_svc_up(c, n);
		else if (sscanf(line, "down %63s %u", arg, &u) == 2 &&
		    vt_parse_size(arg, &n) == 0)
			rc = vt_svc_down(c, n, u);
		else if (sscanf(line, "barrier %u", &u) == 1 && svc != NULL)
			rc = vt_svc_barrier(svc, c, u);
		else if (strcmp(line, "hold") == 0)
			rc = vt_printf(c, vt_deadline(), "held\n");
		else if (strcmp(line, "quit") == 0)
			return 0;
		else {
			vt_warnx("conn %u: bad command \"%.60s\"", id, line);
			vt_printf(c, vt_deadline(), "error\n");
			return -1;
		}
		fprintf(stderr, "vmtool: conn %u: %s: %s\n", id, line,
		    rc == 0 ? "done" : strerror(errno));
		if (rc == -1)
			return -1;
	}
}

static void *
vt_svc_thread(void *p)
{
	struct vt_svc_arg	*a = p;

	vt_serve_conn(a->svc, a->conn, a->id);
	close(a->conn->fd);
	free(a->conn);
	free(a);
	return NULL;
}

/* Write the port to path atomically, so a reader never sees half of it. */
static int
vt_write_portfile(const char *path, unsigned port)
{
	char	 tmp[4096];
	FILE	*f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    (f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) == EOF || rename(tmp, path) == -1)
		return -1;
	return 0;
}

static int
vt_cmd_serve(const char *portfile)
{
	struct vt_svc		 svc;
	struct vt_svc_arg	*a;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	pthread_t		 t;
	int			 s, fd, on = 1;

	memset(&svc, 0, sizeof(svc));
	pthread_mutex_init(&svc.mtx, NULL);
	pthread_cond_init(&svc.cond, NULL);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 64) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
		vt_warnx("listen: %s", strerror(errno));
		return 1;
	}
	if (vt_write_portfile(portfile, ntohs(sin.sin_port)) == -1) {
		vt_warnx("%s: %s", portfile, strerror(errno));
		return 1;
	}
	for (;;) {
		if ((fd = accept4(s, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			vt_warnx("accept: %s", strerror(errno));
			return 1;
		}
		/* Commands are small writes followed by data: no Nagle. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if ((a = calloc(1, sizeof(*a))) == NULL ||
		    (a->conn = malloc(sizeof(*a->conn))) == NULL ||
		    vt_set_nonblock(fd) == -1) {
			vt_warnx("conn: %s", strerror(errno));
			if (a != NULL)
				free(a->conn);
			free(a);
			close(fd);
			continue;
		}
		a->svc = &svc;
		a->id = ++svc.nconn;
		vt_conn_init(a->conn, fd);
		fprintf(stderr, "vmtool: conn %u: accepted\n", a->id);
		if (pthread_create(&t, NULL, vt_svc_thread, a) != 0) {
			vt_warnx("thread: %s", strerror(errno));
			close(fd);
			free(a->conn);
			free(a);
			continue;
		}
		pthread_detach(t);
	}
}

/* Connect to a UNIX socket, retrying while it is absent or refusing. */
static int
vt_unix_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int64_t			 deadline = vt_deadline();
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	for (;;) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		close(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) ||
		    vt_now_ms() >= deadline)
			return -1;
		vt_sleep_ms(VT_RETRY_MS);
	}
}

static int
vt_cmd_rawpeer(const char *path)
{
	struct vt_conn	*c;
	int		 fd, rc;

	if ((fd = vt_unix_connect(path)) == -1 || vt_set_nonblock(fd) == -1) {
		vt_warnx("%s: %s", path, strerror(errno));
		return 1;
	}
	if ((c = malloc(sizeof(*c))) == NULL)
		return 1;
	vt_conn_init(c, fd);
	rc = vt_serve_conn(NULL, c, 0);
	close(fd);
	free(c);
	return rc == 0 ? 0 : 1;
}

/*
 * relay DEVICE PORTFILE: the least any TCP relay in the guest does, as a
 * yardstick for the tunnel's figures: one connection on 127.0.0.1 copied
 * to and from the port by two threads in blocking 256 KiB reads and
 * writes, no framing, no sessions.  Ends when the client closes, or at
 * the deadline (SIGALRM).
 */
#define VT_RELAY_BUF	(256 * 1024)

struct vt_pipe {
	int	 from;
	int	 to;
};

/* Copy from -> to until EOF or an error. */
static void *
vt_relay_copy(void *arg)
{
	const struct vt_pipe	*p = arg;
	uint8_t			*buf;
	ssize_t			 r, w, off;

	if ((buf = malloc(VT_RELAY_BUF)) == NULL)
		return NULL;
	while ((r = read(p->from, buf, VT_RELAY_BUF)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			break;
		for (off = 0; off < r; off += w)
			if ((w = write(p->to, buf + off, (size_t)(r - off))) <=
			    0) {
				if (w == -1 && errno == EINTR) {
					w = 0;
					continue;
				}
				goto out;
			}
	}
out:
	free(buf);
	return NULL;
}

static int
vt_cmd_relay(const char *dev, const char *portfile)
{
	struct sockaddr_in	 sin;
	struct vt_pipe		 up, down;
	socklen_t		 len = sizeof(sin);
	pthread_t		 t;
	int			 s, c, d, on = 1;

	alarm((unsigned)(vt_timeout_ms / 1000));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 1) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1 ||
	    vt_write_portfile(portfile, ntohs(sin.sin_port)) == -1) {
		vt_warnx("relay: listen: %s", strerror(errno));
		return 1;
	}
	if ((c = accept4(s, NULL, NULL, SOCK_CLOEXEC)) == -1 ||
	    (d = open(dev, O_RDWR | O_CLOEXEC | O_NOCTTY)) == -1) {
		vt_warnx("relay: %s: %s", dev, strerror(errno));
		return 1;
	}
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	up.from = c;
	up.to = d;
	down.from = d;
	down.to = c;
	if (pthread_create(&t, NULL, vt_relay_copy, &down) != 0) {
		vt_warnx("relay: thread: %s", strerror(errno));
		return 1;
	}
	vt_relay_copy(&up);
	return 0;
}

/* ---- the client side: operations through the tunnel or a raw port -- */

static void
vt_report(const char *op, uint64_t n, double secs, int ok, const char *why)
{
	printf("%s bytes=%" PRIu64 " secs=%.3f mbps=%.1f %s%s\n", op, n, secs,
	    secs > 0 ? (double)n / secs / 1e6 : 0.0, ok ? "ok" : "FAILED: ",
	    ok ? "" : why);
	fflush(stdout);
}

/* A pattern buffer made before the clock starts; NULL on ENOMEM. */
static uint8_t *
vt_pattern_buf(uint64_t n, uint32_t seed, uint64_t *sum)
{
	struct vt_sum	 s;
	uint8_t		*p;

	if ((p = malloc(n > 0 ? (size_t)n : 1)) == NULL)
		return NULL;
	vt_pattern(p, (size_t)n, 0, seed);
	vt_sum_init(&s);
	vt_sum_update(&s, p, (size_t)n);
	*sum = vt_sum_final(&s);
	return p;
}

static int
vt_op_echo(struct vt_conn *c, uint64_t n, uint32_t seed)
{
	struct pollfd	 pfd;
	struct vt_sum	 s;
	uint8_t		*p, buf[VT_BUF];
	uint64_t	 want, sent = 0, got = 0;
	int64_t		 deadline, left;
	double		 t0;
	ssize_t		 r;

	if ((p = vt_pattern_buf(n, seed, &want)) == NULL)
		return -1;
	vt_sum_init(&s);
	t0 = vt_now_s();
	deadline = vt_deadline();
	if (vt_printf(c, deadline, "echo %" PRIu64 "\n", n) == -1)
		goto fail;
	while (got < n) {
		pfd.fd = c->fd;
		pfd.events = POLLIN | (sent < n ? POLLOUT : 0);
		pfd.revents = 0;
		if (c->len == c->off) {
			left = deadline - vt_now_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				goto fail;
			}
			if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) == -1 &&
			    errno != EINTR)
				goto fail;
		}
		if (sent < n && (pfd.revents & POLLOUT)) {
			r = send(c->fd, p + sent, n - sent > VT_BUF ? VT_BUF :
			    (size_t)(n - sent), MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r == -1 && errno != EAGAIN && errno != EINTR)
				goto fail;
			if (r > 0)
				sent += (uint64_t)r;
		}
		if (c->len > c->off || (pfd.revents & (POLLIN | POLLHUP))) {
			r = vt_read(c, buf, n - got > sizeof(buf) ? sizeof(buf) :
			    (size_t)(n - got), deadline);
			if (r == 0)
				errno = ENODATA;
			if (r <= 0)
				goto fail;
			vt_sum_update(&s, buf, (size_t)r);
			got += (uint64_t)r;
		}
	}
	free(p);
	vt_report("echo", n, vt_now_s() - t0, vt_sum_final(&s) == want,
	    "checksum mismatch");
	return vt_sum_final(&s) == want ? 0 : -1;
fail:
	vt_report("echo", got, vt_now_s() - t0, 0, strerror(errno));
	free(p);
	return -1;
}

static int
vt_op_up(struct vt_conn *c, uint64_t n, uint32_t seed)
{
	char		 line[256], why[256];
	uint8_t		*p;
	uint64_t	 want, got_n, got_sum;
	int64_t		 deadline;
	double		 t0;

	if ((p = vt_pattern_buf(n, seed, &want)) == NULL)
		return -1;
	t0 = vt_now_s();
	deadline = vt_deadline();
	if (vt_printf(c, deadline, "up %" PRIu64 "\n", n) == -1 ||
	    vt_write_all(c->fd, p, (size_t)n, deadline) == -1 ||
	    vt_getline(c, line, sizeof(line), deadline) == -1) {
		vt_report("up", n, vt_now_s() - t0, 0, strerror(errno));
		free(p);
		return -1;
	}
	free(p);
	if (sscanf(line, "ok %" SCNu64 " %" SCNx64, &got_n, &got_sum) != 2 ||
	    got_n != n || got_sum != want) {
		snprintf(why, sizeof(why), "service answered \"%.80s\", "
		    "expected %016" PRIx64, line, want);
		vt_report("up", n, vt_now_s() - t0, 0, why);
		return -1;
	}
	vt_report("up", n, vt_now_s() - t0, 1, NULL);
	return 0;
}

static int
vt_op_down(struct vt_conn *c, uint64_t n, uint32_t seed)
{
	struct vt_sum	 s;
	uint8_t		*p;
	uint64_t	 want;
	int64_t		 deadline;
	double		 t0;

	/* The expected checksum, computed before the clock starts. */
	if ((p = vt_pattern_buf(n, seed, &want)) == NULL)
		return -1;
	free(p);
	vt_sum_init(&s);
	t0 = vt_now_s();
	deadline = vt_deadline();
	if (vt_printf(c, deadline, "down %" PRIu64 " %u\n", n, seed) == -1 ||
	    vt_read_sum(c, n, &s, deadline) == -1) {
		vt_report("down", s.n, vt_now_s() - t0, 0, strerror(errno));
		return -1;
	}
	vt_report("down", n, vt_now_s() - t0, vt_sum_final(&s) == want,
	    "checksum mismatch");
	return vt_sum_final(&s) == want ? 0 : -1;
}

/* Receive an endless download until the connection ends. */
static int
vt_op_stream(struct vt_conn *c, uint32_t seed)
{
	uint8_t		 buf[VT_BUF];
	uint64_t	 got = 0;
	int64_t		 deadline = vt_deadline();
	ssize_t		 r;
	int		 marked = 0;

	if (vt_printf(c, deadline, "down 0 %u\n", seed) == -1)
		return -1;
	while ((r = vt_read(c, buf, sizeof(buf), deadline)) > 0) {
		got += (uint64_t)r;
		if (!marked && got >= VT_STREAM_MARK) {
			printf("streaming\n");
			fflush(stdout);
			marked = 1;
		}
	}
	if (r == -1 && errno == ETIMEDOUT) {
		printf("stream bytes=%" PRIu64 " FAILED: still running\n", got);
		return -1;
	}
	printf("stream bytes=%" PRIu64 " ended: %s\n", got,
	    r == 0 ? "eof" : strerror(errno));
	return 0;
}

static int
vt_op_barrier(struct vt_conn *c, unsigned k)
{
	char	 line[64];
	int64_t	 deadline = vt_deadline();
	double	 t0 = vt_now_s();

	if (vt_printf(c, deadline, "barrier %u\n", k) == -1 ||
	    vt_getline(c, line, sizeof(line), deadline) == -1 ||
	    strcmp(line, "go") != 0) {
		printf("barrier %u FAILED after %.3f s\n", k, vt_now_s() - t0);
		return -1;
	}
	printf("barrier %u passed after %.3f s\n", k, vt_now_s() - t0);
	fflush(stdout);
	return 0;
}

/* Hold the session until it ends; it must end before the deadline. */
static int
vt_op_hold(struct vt_conn *c)
{
	char	 line[64];
	uint8_t	 buf[256];
	int64_t	 deadline = vt_deadline();
	ssize_t	 r;

	if (vt_printf(c, deadline, "hold\n") == -1 ||
	    vt_getline(c, line, sizeof(line), deadline) == -1 ||
	    strcmp(line, "held") != 0) {
		printf("hold FAILED: %s\n", strerror(errno));
		return -1;
	}
	printf("held\n");
	fflush(stdout);
	while ((r = vt_read(c, buf, sizeof(buf), deadline)) > 0)
		;
	if (r == -1 && errno == ETIMEDOUT) {
		printf("hold FAILED: session still open\n");
		return -1;
	}
	printf("hold ended: %s\n", r == 0 ? "eof" : strerror(errno));
	return 0;
}

/* Run "op[:arg]" words in order on one connection. */
static int
vt_run_ops(struct vt_conn *c, int argc, char *argv[])
{
	uint64_t	 n;
	uint32_t	 seed = (uint32_t)getpid() << 8;
	const char	*arg;
	int		 i, rc = 0;

	for (i = 0; i < argc && rc == 0; i++) {
		seed++;
		arg = strchr(argv[i], ':');
		arg = arg != NULL ? arg + 1 : "";
		if (strncmp(argv[i], "echo:", 5) == 0 &&
		    vt_parse_size(arg, &n) == 0)
			rc = vt_op_echo(c, n, seed);
		else if (strncmp(argv[i], "up:", 3) == 0 &&
		    vt_parse_size(arg, &n) == 0)
			rc = vt_op_up(c, n, seed);
		else if (strncmp(argv[i], "down:", 5) == 0 &&
		    vt_parse_size(arg, &n) == 0 && n > 0)
			rc = vt_op_down(c, n, seed);
		else if (strcmp(argv[i], "stream") == 0)
			rc = vt_op_stream(c, seed);
		else if (strncmp(argv[i], "barrier:", 8) == 0 &&
		    vt_parse_size(arg, &n) == 0 && n > 0 && n < 1000)
			rc = vt_op_barrier(c, (unsigned)n);
		else if (strcmp(argv[i], "hold") == 0)
			rc = vt_op_hold(c);
		else {
			vt_warnx("bad operation \"%s\"", argv[i]);
			return 2;
		}
	}
	return rc == 0 ? 0 : 1;
}

static int
vt_cmd_client(const char *port, int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	struct vt_conn		*c;
	int64_t			 deadline = vt_deadline();
	int			 fd, rc, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(port));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* The daemon may be starting: retry refusals until the deadline. */
	for (;;) {
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return 1;
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			break;
		close(fd);
		if (errno != ECONNREFUSED || vt_now_ms() >= deadline) {
			printf("connect FAILED: %s\n", strerror(errno));
			return 1;
		}
		vt_sleep_ms(VT_RETRY_MS);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (vt_set_nonblock(fd) == -1 || (c = malloc(sizeof(*c))) == NULL)
		return 1;
	vt_conn_init(c, fd);
	rc = vt_run_ops(c, argc, argv);
	close(fd);
	free(c);
	return rc;
}

/*
 * The raw baseline: the same operations straight over a virtio port.
 * A port whose host side is absent reads EOF at once (POLLHUP), so wait
 * for the host peer first; "quit" tells it to go away at the end.
 */
static int
vt_cmd_rawclient(const char *dev, int argc, char *argv[])
{
	struct pollfd	 pfd;
	struct vt_conn	*c;
	int64_t		 deadline = vt_deadline();
	int		 fd, rc;

	if ((fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) == -1) {
		printf("open %s FAILED: %s\n", dev, strerror(errno));
		return 1;
	}
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 0) == 1 && !(pfd.revents & POLLHUP))
			break;
		if (vt_now_ms() >= deadline) {
			printf("%s FAILED: no host peer\n", dev);
			return 1;
		}
		vt_sleep_ms(VT_RETRY_MS);
	}
	if ((c = malloc(sizeof(*c))) == NULL)
		return 1;
	vt_conn_init(c, fd);
	rc = vt_run_ops(c, argc, argv);
	if (vt_printf(c, vt_deadline(), "quit\n") == -1)
		rc = 1;
	close(fd);
	free(c);
	return rc;
}

/* ---- QMP ------------------------------------------------------------ */

static int
vt_qmp_is_event(const char *line, const char *name)
{
	char	 a[128], b[128];

	snprintf(a, sizeof(a), "\"event\": \"%s\"", name);
	snprintf(b, sizeof(b), "\"event\":\"%s\"", name);
	return strstr(line, a) != NULL || strstr(line, b) != NULL;
}

/* Connect, read the greeting and leave negotiation mode. */
static int
vt_qmp_open(const char *path, struct vt_conn *c, char *line, size_t cap)
{
	int64_t	 deadline = vt_deadline();
	int	 fd;

	if ((fd = vt_unix_connect(path)) == -1 || vt_set_nonblock(fd) == -1)
		return -1;
	vt_conn_init(c, fd);
	if (vt_getline(c, line, cap, deadline) == -1 ||
	    strstr(line, "\"QMP\"") == NULL ||
	    vt_printf(c, deadline, "{\"execute\": \"qmp_capabilities\"}\n") ==
	    -1)
		return -1;
	do {
		if (vt_getline(c, line, cap, deadline) == -1)
			return -1;
	} while (strstr(line, "\"return\"") == NULL);
	return 0;
}

/* Send each command, print its return line; then wait for an event. */
static int
vt_cmd_qmp(const char *path, const char *event, int argc, char *argv[])
{
	struct vt_conn	*c;
	char		*line;
	int64_t		 deadline;
	int		 i, seen = 0;

	if ((c = malloc(sizeof(*c))) == NULL || (line = malloc(VT_LINE)) == NULL)
		return 1;
	if (vt_qmp_open(path, c, line, VT_LINE) == -1) {
		vt_warnx("qmp %s: %s", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < argc; i++) {
		deadline = vt_deadline();
		if (vt_printf(c, deadline, "%s\n", argv[i]) == -1)
			return 1;
		for (;;) {
			if (vt_getline(c, line, VT_LINE, deadline) == -1) {
				vt_warnx("qmp: %s", strerror(errno));
				return 1;
			}
			if (event != NULL && vt_qmp_is_event(line, event))
				seen = 1;
			if (strstr(line, "\"event\"") != NULL)
				continue;
			if (strstr(line, "\"error\"") != NULL) {
				vt_warnx("qmp: %s: %s", argv[i], line);
				return 1;
			}
			if (strstr(line, "\"return\"") != NULL)
				break;
		}
		printf("%s\n", line);
	}
	deadline = vt_deadline();
	while (event != NULL && !seen) {
		if (vt_getline(c, line, VT_LINE, deadline) == -1) {
			vt_warnx("qmp: waiting for %s: %s", event,
			    strerror(errno));
			return 1;
		}
		seen = vt_qmp_is_event(line, event);
	}
	close(c->fd);
	free(line);
	free(c);
	return 0;
}

/* Append every event line to out until QEMU goes away. */
static int
vt_cmd_qmpevents(const char *path, const char *out)
{
	struct vt_conn	*c;
	char		*line;
	size_t		 n;
	int		 fd;

	if ((c = malloc(sizeof(*c))) == NULL || (line = malloc(VT_LINE)) == NULL)
		return 1;
	if ((fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) == -1 || vt_qmp_open(path, c, line, VT_LINE) == -1) {
		vt_warnx("qmpevents %s: %s", path, strerror(errno));
		return 1;
	}
	while (vt_getline(c, line, VT_LINE, -1) == 0) {
		n = strlen(line);
		line[n++] = '\n';
		if (write(fd, line, n) != (ssize_t)n)
			return 1;
	}
	close(fd);
	return 0;
}

static void
vt_usage(void)
{
	fprintf(stderr,
	    "usage: vmtool [-t SECONDS] COMMAND ...\n"
	    "  serve PORTFILE             host TCP service on 127.0.0.1\n"
	    "  rawpeer SOCKET             serve the same commands on a port's "
	    "QEMU socket\n"
	    "  client PORT OP...          run OPs through 127.0.0.1:PORT\n"
	    "  rawclient DEVICE OP...     run OPs over a virtio port directly\n"
	    "  relay DEVICE PORTFILE      relay one client on 127.0.0.1 to a "
	    "port\n"
	    "  qmp SOCKET [-e EVENT] JSON...  QMP commands (then wait for "
	    "EVENT)\n"
	    "  qmpevents SOCKET FILE      append QMP events to FILE\n"
	    "OPs: echo:N up:N down:N (N with K/M/G) stream barrier:K hold\n");
}

int
main(int argc, char *argv[])
{
	const char	*event = NULL;

	signal(SIGPIPE, SIG_IGN);
	/* A later -t wins, so callers can override a default one. */
	while (argc > 2 && strcmp(argv[1], "-t") == 0) {
		vt_timeout_ms = atoi(argv[2]) * 1000;
		if (vt_timeout_ms <= 0) {
			vt_usage();
			return 2;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return vt_cmd_serve(argv[2]);
	if (argc == 3 && strcmp(argv[1], "rawpeer") == 0)
		return vt_cmd_rawpeer(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "client") == 0)
		return vt_cmd_client(argv[2], argc - 3, argv + 3);
	if (argc >= 4 && strcmp(argv[1], "rawclient") == 0)
		return vt_cmd_rawclient(argv[2], argc - 3, argv + 3);
	if (argc == 4 && strcmp(argv[1], "relay") == 0)
		return vt_cmd_relay(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "qmp") == 0) {
		if (argc >= 5 && strcmp(argv[3], "-e") == 0) {
			event = argv[4];
			return vt_cmd_qmp(argv[2], event, argc - 5, argv + 5);
		}
		return vt_cmd_qmp(argv[2], NULL, argc - 3, argv + 3);
	}
	if (argc == 4 && strcmp(argv[1], "qmpevents") == 0)
		return vt_cmd_qmpevents(argv[2], argv[3]);
	vt_usage();
	return 2;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.c: bounded decimal and duration parsing, fd flags, the monotonic
 * clock and the open-file limit.  Nothing here logs or allocates: errors
 * are returned as -1 with errno and, for parsers, a short reason that the
 * caller puts into its own message.
 */
#include "config.h"

#include <sys/resource.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define UTIL_MS_PER_S	1000

/* Report a parse error: errno and *errstr (when wanted), then -1. */
static int
util_parse_fail(int err, const char *why, const char **errstr)
{
	if (errstr != NULL)
		*errstr = why;
	errno = err;
	return -1;
}

/*
 * Parse exactly the n bytes at s as [-]digits into [min, max].  Junk is
 * reported before range ("99999999999999999999x" is not a number).  The
 * value is accumulated towards its sign so LLONG_MIN is reachable and
 * overflow is caught before it happens, without strtoll's tolerance for
 * blanks, '+' and prefixes.
 */
static int
util_parse_ll_n(const char *s, size_t n, long long min, long long max,
    long long *out, const char **errstr)
{
	long long	 v = 0;
	bool		 neg = false;
	size_t		 i = 0;
	int		 d;

	if (n > 0 && s[0] == '-') {
		neg = true;
		i++;
	}
	if (i == n || strspn(s + i, "0123456789") < n - i)
		return util_parse_fail(EINVAL, "not a number", errstr);
	for (; i < n; i++) {
		d = s[i] - '0';
		if (neg) {
			if (v < (LLONG_MIN + d) / 10)
				return util_parse_fail(ERANGE, "too small",
				    errstr);
			v = v * 10 - d;
		} else {
			if (v > (LLONG_MAX - d) / 10)
				return util_parse_fail(ERANGE, "too large",
				    errstr);
			v = v * 10 + d;
		}
	}
	if (v < min)
		return util_parse_fail(ERANGE, "too small", errstr);
	if (v > max)
		return util_parse_fail(ERANGE, "too large", errstr);
	*out = v;
	if (errstr != NULL)
		*errstr = NULL;
	return 0;
}

int
util_parse_ll(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	if (s == NULL)
		return util_parse_fail(EINVAL, "not a number", errstr);
	return util_parse_ll_n(s, strlen(s), min, max, out, errstr);
}

/* Split "<digits><unit>", parse the digits, scale without overflow. */
int
util_parse_ms(const char *s, unsigned min_ms, unsigned max_ms, unsigned *out,
    const char **errstr)
{
	const char	*unit;
	long long	 v, mult;
	size_t		 n;

	if (s == NULL)
		return util_parse_fail(EINVAL, "not a number", errstr);
	n = (s[0] == '-') + strspn(s + (s[0] == '-'), "0123456789");
	unit = s + n;
	if (strcmp(unit, "ms") == 0)
		mult = 1;
	else if (*unit == '\0' || strcmp(unit, "s") == 0)
		mult = UTIL_MS_PER_S;
	else if (n == 0 || (n == 1 && s[0] == '-'))
		return util_parse_fail(EINVAL, "not a number", errstr);
	else
		return util_parse_fail(EINVAL, "unknown unit", errstr);

	if (util_parse_ll_n(s, n, LLONG_MIN, LLONG_MAX, &v, errstr) == -1)
		return -1;
	if (v < 0)
		return util_parse_fail(ERANGE, "too small", errstr);
	/* v * mult <= max_ms, without computing a product that overflows. */
	if (v > (long long)max_ms / mult)
		return util_parse_fail(ERANGE, "too large", errstr);
	if (v * mult < (long long)min_ms)
		return util_parse_fail(ERANGE, "too small", errstr);
	*out = (unsigned)(v * mult);
	if (errstr != NULL)
		*errstr = NULL;
	return 0;
}

int
util_set_nonblock(int fd)
{
	int	 flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return -1;
	if (flags & O_NONBLOCK)
		return 0;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ? -1 : 0;
}

int
util_set_cloexec(int fd)
{
	int	 flags;

	if ((flags = fcntl(fd, F_GETFD)) == -1)
		return -1;
	if (flags & FD_CLOEXEC)
		return 0;
	return fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1 ? -1 : 0;
}

int
util_parse_addr(const char *s, uint16_t port, struct sockaddr_storage *ss,
    unsigned *len, const char **errstr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 buf[INET6_ADDRSTRLEN + 2];
	size_t			 n = strlen(s);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	/* "[::1]" as in URLs; whatever follows ']' (a port) is refused. */
	if (n >= 2 && n < sizeof(buf) && s[0] == '[' && s[n - 1] == ']') {
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		s = buf;
	}
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	*errstr = "not an IPv4 or IPv6 address (the port goes in --port)";
	return -1;
}

/*
 * A relay forwards what it got at once: with Nagle, a reply written in two
 * pieces waits for the peer's delayed ACK (40 ms) before the second goes.
 */
int
util_sockaddr_un(struct sockaddr_un *sun, const char *path)
{
	size_t	 n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, n);
	return 0;
}

void
util_tcp_nodelay(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	int			 on = 1;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

uint64_t
util_now_ms(void)
{
	struct timespec	 ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UTIL_MS_PER_S +
	    (uint64_t)ts.tv_nsec / 1000000;
}

/* On failure *soft still gets the limit in force, for the caller's log. */
int
util_raise_nofile(unsigned long long *soft)
{
	struct rlimit	 rl;
	int		 err = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			err = errno;
			/* Report the limit still in force. */
			if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
				return -1;
		}
	}
	if (soft != NULL)
		*soft = (unsigned long long)rl.rlim_cur;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

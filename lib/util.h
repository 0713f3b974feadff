/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.h: small helpers both daemons use: bounded number parsing, file
 * descriptor flags, a monotonic clock.  No logging here: callers report.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Parse a whole decimal string into [min, max].  Leading/trailing blanks,
 * signs beyond a leading '-', hex, empty strings and overflow are errors.
 * Returns 0, or -1 with *errstr set to a short reason ("not a number",
 * "too small", "too large") and errno EINVAL or ERANGE.  errstr may be
 * NULL; on success *errstr is set to NULL.
 */
int	util_parse_ll(const char *s, long long min, long long max,
	    long long *out, const char **errstr);

/*
 * Parse a duration: a number with an optional unit "ms" or "s" (default
 * seconds), into milliseconds within [min_ms, max_ms].  Same errors, plus
 * "unknown unit" for any other suffix.
 */
int	util_parse_ms(const char *s, unsigned min_ms, unsigned max_ms,
	    unsigned *out, const char **errstr);

/* fd flags; return 0 or -1 with errno. */
int	util_set_nonblock(int fd);
int	util_set_cloexec(int fd);
/*
 * An IPv4 or IPv6 address literal ("127.0.0.1", "::1" or "[::1]"), no
 * port and no name, into *ss with port (host order) and *len.  Returns 0,
 * or -1 with *errstr set.
 */
struct sockaddr_storage;
int	util_parse_addr(const char *s, uint16_t port, struct sockaddr_storage *ss,
	    unsigned *len, const char **errstr);

/* *sun for the UNIX socket path: 0, or -1 (ENAMETOOLONG). */
struct sockaddr_un;
int	util_sockaddr_un(struct sockaddr_un *sun, const char *path);

/* TCP_NODELAY on a TCP socket; other sockets are left alone. */
void	util_tcp_nodelay(int fd);

/* Monotonic milliseconds. */
uint64_t util_now_ms(void);

/*
 * Raise the soft RLIMIT_NOFILE to the hard limit; *soft (may be NULL)
 * receives the soft limit in force afterwards, also when raising it
 * failed.  Returns 0 or -1 with errno.
 */
int	util_raise_nofile(unsigned long long *soft);

#endif /* UTIL_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_util.c: unit tests of lib/util.c and of the small helper
 * lib/json.c.  The parsers are table-driven over every error class and
 * boundary; fd flags are checked on a pipe; RLIMIT_NOFILE is only ever
 * lowered then raised back within the forked test process, so no
 * privilege is needed.  json_quote() is table-driven over ASCII escapes,
 * well-formed UTF-8 of each length and each kind of ill-formed byte.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "checkmain.h"
#include "json.h"
#include "util.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct ll_case {
	const char	*s;
	long long	 min, max;
	int		 rc;
	long long	 val;		/* when rc == 0 */
	const char	*errstr;	/* when rc == -1 */
};

static const struct ll_case ll_cases[] = {
	{ "0", 0, 10, 0, 0, NULL },
	{ "1", 1, 65535, 0, 1, NULL },
	{ "65535", 1, 65535, 0, 65535, NULL },
	{ "65536", 1, 65535, -1, 0, "too large" },
	{ "0", 1, 65535, -1, 0, "too small" },
	{ "-1", 1, 65535, -1, 0, "too small" },
	{ "-1", -1, 1, 0, -1, NULL },
	{ "-0", 0, 0, 0, 0, NULL },
	{ "010", 0, 100, 0, 10, NULL },		/* decimal, not octal */
	{ "", 0, 10, -1, 0, "not a number" },
	{ "-", 0, 10, -1, 0, "not a number" },
	{ "--1", -10, 10, -1, 0, "not a number" },
	{ "1-", 0, 10, -1, 0, "not a number" },
	{ " 1", 0, 10, -1, 0, "not a number" },
	{ "1 ", 0, 10, -1, 0, "not a number" },
	{ "\t1", 0, 10, -1, 0, "not a number" },
	{ "1\n", 0, 10, -1, 0, "not a number" },
	{ "0x10", 0, 100, -1, 0, "not a number" },
	{ "+5", 0, 10, -1, 0, "not a number" },
	{ "1e3", 0, 10000, -1, 0, "not a number" },
	{ "1.0", 0, 10, -1, 0, "not a number" },
	{ "abc", 0, 10, -1, 0, "not a number" },
	{ "9223372036854775807", LLONG_MIN, LLONG_MAX, 0, LLONG_MAX, NULL },
	{ "9223372036854775808", LLONG_MIN, LLONG_MAX, -1, 0, "too large" },
	{ "-9223372036854775808", LLONG_MIN, LLONG_MAX, 0, LLONG_MIN, NULL },
	{ "-9223372036854775809", LLONG_MIN, LLONG_MAX, -1, 0, "too small" },
	{ "99999999999999999999999", 0, 10, -1, 0, "too large" },
	{ "-99999999999999999999999", 0, 10, -1, 0, "too small" },
	/* Junk beats range: an overflowing prefix with junk is junk. */
	{ "99999999999999999999999x", 0, 10, -1, 0, "not a number" },
};

START_TEST(test_parse_ll_table)
{
	const struct ll_case	*c = &ll_cases[_i];
	const char		*errstr = "unset";
	long long		 v = 12345;
	int			 rc;

	errno = 0;
	rc = util_parse_ll(c->s, c->min, c->max, &v, &errstr);
	ck_assert_msg(rc == c->rc, "'%s': rc %d, want %d", c->s, rc, c->rc);
	if (c->rc == 0) {
		ck_assert_msg(v == c->val, "'%s': %lld, want %lld", c->s, v,
		    c->val);
		ck_assert_ptr_null(errstr);
	} else {
		ck_assert_msg(v == 12345, "'%s': *out written on error", c->s);
		ck_assert_str_eq(errstr, c->errstr);
		ck_assert_int_eq(errno, strcmp(c->errstr, "not a number") == 0 ?
		    EINVAL : ERANGE);
	}
}
END_TEST

START_TEST(test_parse_ll_null)
{
	long long	 v = 7;
	const char	*errstr = NULL;

	ck_assert_int_eq(util_parse_ll(NULL, 0, 10, &v, &errstr), -1);
	ck_assert_str_eq(errstr, "not a number");
	ck_assert_int_eq(v, 7);
	/* errstr is optional. */
	ck_assert_int_eq(util_parse_ll("11", 0, 10, &v, NULL), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(util_parse_ll("9", 0, 10, &v, NULL), 0);
	ck_assert_int_eq(v, 9);
}
END_TEST

struct ms_case {
	const char	*s;
	unsigned	 min, max;
	int		 rc;
	unsigned	 val;
	const char	*errstr;
};

static const struct ms_case ms_cases[] = {
	{ "30", 0, UINT_MAX, 0, 30000, NULL },
	{ "30s", 0, UINT_MAX, 0, 30000, NULL },
	{ "250ms", 0, UINT_MAX, 0, 250, NULL },
	{ "0", 0, UINT_MAX, 0, 0, NULL },
	{ "0ms", 0, UINT_MAX, 0, 0, NULL },
	{ "010s", 0, UINT_MAX, 0, 10000, NULL },
	{ "4294967s", 0, UINT_MAX, 0, 4294967000U, NULL },
	{ "4294967295ms", 0, UINT_MAX, 0, UINT_MAX, NULL },
	{ "100ms", 100, 1000, 0, 100, NULL },
	{ "1s", 100, 1000, 0, 1000, NULL },
	{ "1001ms", 100, 1000, -1, 0, "too large" },
	{ "2", 100, 1000, -1, 0, "too large" },
	{ "99ms", 100, 1000, -1, 0, "too small" },
	{ "0", 1, 1000, -1, 0, "too small" },
	{ "4294968s", 0, UINT_MAX, -1, 0, "too large" },
	{ "4294967296ms", 0, UINT_MAX, -1, 0, "too large" },
	{ "99999999999999999999s", 0, UINT_MAX, -1, 0, "too large" },
	{ "-5", 0, UINT_MAX, -1, 0, "too small" },
	{ "-5ms", 0, UINT_MAX, -1, 0, "too small" },
	{ "5m", 0, UINT_MAX, -1, 0, "unknown unit" },
	{ "5S", 0, UINT_MAX, -1, 0, "unknown unit" },
	{ "5sec", 0, UINT_MAX, -1, 0, "unknown unit" },
	{ "5mss", 0, UINT_MAX, -1, 0, "unknown unit" },
	{ "5 s", 0, UINT_MAX, -1, 0, "unknown unit" },
	{ "1.5s", 0, UINT_MAX, -1, 0, "unknown unit" },
	{ "", 0, UINT_MAX, -1, 0, "not a number" },
	{ "s", 0, UINT_MAX, -1, 0, "not a number" },
	{ "ms", 0, UINT_MAX, -1, 0, "not a number" },
	{ "-", 0, UINT_MAX, -1, 0, "not a number" },
	{ "-s", 0, UINT_MAX, -1, 0, "not a number" },
	{ " 5", 0, UINT_MAX, -1, 0, "not a number" },
	{ "+5", 0, UINT_MAX, -1, 0, "not a number" },
	{ "x5s", 0, UINT_MAX, -1, 0, "not a number" },
};

START_TEST(test_parse_ms_table)
{
	const struct ms_case	*c = &ms_cases[_i];
	const char		*errstr = "unset";
	unsigned		 v = 12345;
	int			 rc;

	rc = util_parse_ms(c->s, c->min, c->max, &v, &errstr);
	ck_assert_msg(rc == c->rc, "'%s': rc %d, want %d", c->s, rc, c->rc);
	if (c->rc == 0) {
		ck_assert_msg(v == c->val, "'%s': %u, want %u", c->s, v,
		    c->val);
		ck_assert_ptr_null(errstr);
	} else {
		ck_assert_msg(v == 12345, "'%s': *out written on error", c->s);
		ck_assert_msg(strcmp(errstr, c->errstr) == 0,
		    "'%s': '%s', want '%s'", c->s, errstr, c->errstr);
	}
}
END_TEST

START_TEST(test_fd_flags)
{
	int	 p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_eq(fcntl(p[0], F_GETFD) & FD_CLOEXEC, 0);

	ck_assert_int_eq(util_set_nonblock(p[0]), 0);
	ck_assert_int_ne(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_eq(fcntl(p[0], F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(util_set_cloexec(p[0]), 0);
	ck_assert_int_ne(fcntl(p[0], F_GETFD) & FD_CLOEXEC, 0);
	/* Idempotent. */
	ck_assert_int_eq(util_set_nonblock(p[0]), 0);
	ck_assert_int_eq(util_set_cloexec(p[0]), 0);
	ck_assert_int_ne(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	/* The other end is untouched. */
	ck_assert_int_eq(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_eq(fcntl(p[1], F_GETFD) & FD_CLOEXEC, 0);

	close(p[0]);
	close(p[1]);
	errno = 0;
	ck_assert_int_eq(util_set_nonblock(p[0]), -1);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_int_eq(util_set_cloexec(-1), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(test_now_ms)
{
	struct timespec	 ts;
	uint64_t	 a, b, ref;

	a = util_now_ms();
	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	ref = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	b = util_now_ms();
	ck_assert_uint_le(a, ref);
	ck_assert_uint_le(ref, b);
	ck_assert_uint_lt(b - a, 1000);
}
END_TEST

START_TEST(test_raise_nofile)
{
	struct rlimit		 rl, lowered;
	unsigned long long	 soft = 0;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	/* Lower the soft limit (never the hard one), then raise it back. */
	lowered = rl;
	lowered.rlim_cur = rl.rlim_max > 64 ? 64 : rl.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lowered), 0);

	ck_assert_int_eq(util_raise_nofile(&soft), 0);
	ck_assert_uint_eq(soft, (unsigned long long)rl.rlim_max);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &lowered), 0);
	ck_assert_uint_eq(lowered.rlim_cur, rl.rlim_max);
	ck_assert_uint_eq(lowered.rlim_max, rl.rlim_max);

	/* Already raised: a no-op; soft may be NULL. */
	ck_assert_int_eq(util_raise_nofile(NULL), 0);
	ck_assert_int_eq(util_raise_nofile(&soft), 0);
	ck_assert_uint_eq(soft, (unsigned long long)rl.rlim_max);
}
END_TEST

static const struct {
	const char	*in;
	int		 family;	/* 0: rejected */
} addr_cases[] = {
	{ "127.0.0.1", AF_INET },
	{ "0.0.0.0", AF_INET },
	{ "::1", AF_INET6 },
	{ "[::1]", AF_INET6 },
	{ "fe80::1", AF_INET6 },
	{ "", 0 },
	{ "localhost", 0 },
	{ "300.1.2.3", 0 },
	{ "127.0.0.1:5672", 0 },
	{ "[::1]:5672", 0 },
	{ "[::1", 0 },
	{ "::1]", 0 },
	{ "[]", 0 },
	{ " 127.0.0.1", 0 },
};

START_TEST(test_parse_addr_table)
{
	struct sockaddr_storage	 ss;
	const char		*err = NULL;
	unsigned		 len = 0;
	int			 rc;

	rc = util_parse_addr(addr_cases[_i].in, 5672, &ss, &len, &err);
	if (addr_cases[_i].family == 0) {
		ck_assert_msg(rc == -1 && err != NULL, "'%s' accepted",
		    addr_cases[_i].in);
		return;
	}
	ck_assert_msg(rc == 0, "'%s' rejected", addr_cases[_i].in);
	ck_assert_int_eq(ss.ss_family, addr_cases[_i].family);
	if (ss.ss_family == AF_INET) {
		ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
		ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port),
		    5672);
	} else {
		ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
		ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port),
		    5672);
	}
}
END_TEST

struct quote_case {
	const char	*in;
	const char	*out;	/* the JSON string, quotes included */
};

static const struct quote_case quote_cases[] = {
	{ "", "\"\"" },
	{ "vm1", "\"vm1\"" },
	{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
	{ "\001\n\037\177", "\"\\u0001\\u000a\\u001f\\u007f\"" },
	/* Well-formed UTF-8 as it is: 2, 3 and 4 bytes, each bound. */
	{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	{ "\xc2\xa0\xdf\xbf", "\"\xc2\xa0\xdf\xbf\"" },
	/* C1 controls escaped, as C0: U+0080, U+009B (CSI), U+009F. */
	{ "\xc2\x80\xc2\x9b\xc2\x9f", "\"\\u0080\\u009b\\u009f\"" },
	{ "\xe6\x97\xa5\xe0\xa0\x80\xed\x9f\xbf\xef\xbf\xbf",
	    "\"\xe6\x97\xa5\xe0\xa0\x80\xed\x9f\xbf\xef\xbf\xbf\"" },
	{ "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
	    "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"" },
	/* Each ill-formed byte is one U+FFFD. */
	{ "\xe9t\xe9", "\"\\ufffdt\\ufffd\"" },		/* Latin-1 */
	{ "\x80", "\"\\ufffd\"" },			/* lone continuation */
	{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },		/* overlong */
	{ "\xc1\xbf", "\"\\ufffd\\ufffd\"" },
	{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
	{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "\xf5\xff\xfe", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xc3", "\"\\ufffd\"" },			/* cut by the end */
	{ "\xe6\x97", "\"\\ufffd\\ufffd\"" },
	{ "\xe6\x97x", "\"\\ufffd\\ufffdx\"" },		/* cut by ASCII */
	{ "\xf0\x90\x80\xc3\xa9",
	    "\"\\ufffd\\ufffd\\ufffd\xc3\xa9\"" },
};

START_TEST(test_json_quote_table)
{
	struct evbuffer	*b;
	size_t		 n;
	char		*got;

	ck_assert_ptr_nonnull(b = evbuffer_new());
	json_quote(b, quote_cases[_i].in);
	n = evbuffer_get_length(b);
	got = (char *)evbuffer_pullup(b, -1);
	ck_assert_msg(n == strlen(quote_cases[_i].out) &&
	    memcmp(got, quote_cases[_i].out, n) == 0,
	    "case %d: got %.*s", _i, (int)n, got);
	evbuffer_free(b);
}
END_TEST

/* A path that fits with its NUL is taken whole; one byte more is not. */
START_TEST(test_sockaddr_un)
{
	struct sockaddr_un	 sun;
	char			 p[sizeof(sun.sun_path) + 1];

	ck_assert_int_eq(util_sockaddr_un(&sun, "/run/x.sock"), 0);
	ck_assert_int_eq(sun.sun_family, AF_UNIX);
	ck_assert_str_eq(sun.sun_path, "/run/x.sock");
	memset(p, 'a', sizeof(p));
	p[sizeof(sun.sun_path) - 1] = '\0';
	ck_assert_int_eq(util_sockaddr_un(&sun, p), 0);
	ck_assert_uint_eq(strlen(sun.sun_path), sizeof(sun.sun_path) - 1);
	p[sizeof(sun.sun_path) - 1] = 'a';
	p[sizeof(sun.sun_path)] = '\0';
	errno = 0;
	ck_assert_int_eq(util_sockaddr_un(&sun, p), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("util");
	TCase	*tc;

	tc = checkmain_tcase(s, "parse_ll");
	tcase_add_loop_test(tc, test_parse_ll_table, 0, (int)NELEM(ll_cases));
	tcase_add_test(tc, test_parse_ll_null);
	tc = checkmain_tcase(s, "parse_ms");
	tcase_add_loop_test(tc, test_parse_ms_table, 0, (int)NELEM(ms_cases));
	tc = checkmain_tcase(s, "parse_addr");
	tcase_add_loop_test(tc, test_parse_addr_table, 0,
	    (int)NELEM(addr_cases));
	tc = checkmain_tcase(s, "fd");
	tcase_add_test(tc, test_fd_flags);
	tc = checkmain_tcase(s, "sockaddr_un");
	tcase_add_test(tc, test_sockaddr_un);
	tc = checkmain_tcase(s, "clock");
	tcase_add_test(tc, test_now_ms);
	tc = checkmain_tcase(s, "rlimit");
	tcase_add_test(tc, test_raise_nofile);
	tc = checkmain_tcase(s, "json_quote");
	tcase_add_loop_test(tc, test_json_quote_table, 0,
	    (int)NELEM(quote_cases));
	return s;
}

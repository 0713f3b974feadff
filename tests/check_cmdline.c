/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_cmdline.c: unit tests of lib/cmdline.c.  argv is built in static
 * storage (getopt permutes it; common points into it).  stdout and stderr
 * are redirected to tmpfiles inside the forked test, so --help never
 * reaches the TAP stream and every error can be checked to be exactly one
 * line.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkmain.h"
#include "cmdline.h"
#include "util.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define ARGS_MAX	16
#define ARG_LEN		256
#define CAPTURE_MAX	8192
#define PROG		"vios-proxy-test"

struct test_ctx {
	long long	 rate;
	int		 rate_calls;
	int		 once_calls;
	const char	*once_val;
};

/* --rate N: 1..100. */
static int
set_rate(void *ctx, const char *val, const char **errstr)
{
	struct test_ctx	*t = ctx;
	long long	 v;

	if (util_parse_ll(val, 1, 100, &v, errstr) == -1)
		return -1;
	t->rate = v;
	t->rate_calls++;
	return 0;
}

/* --once: a flag. */
static int
set_once(void *ctx, const char *val, const char **errstr)
{
	struct test_ctx	*t = ctx;

	t->once_calls++;
	t->once_val = val;
	return 0;
}

/* --refuse: a flag whose set() always fails. */
static int
set_refuse(void *ctx, const char *val, const char **errstr)
{
	*errstr = "not supported here";
	return -1;
}

static const struct cmdline_opt test_opts[] = {
	{ "rate", "N", "sessions per second, 1..100 (default: 10)", set_rate },
	{ "once", NULL, "exit after the first session", set_once },
	{ "refuse", NULL, "an option that always fails", set_refuse },
	{ NULL, NULL, NULL, NULL }
};

static const struct cmdline_spec test_spec = {
	.prog = PROG,
	.summary = "Tunnel test connections over virtio-serial.",
	.dir_opt = "guest-dir",
	.dir_arg = "guest_dir",
	.dir_default = "/tmp/qpid",
	.dir_help = "directory of the guests' channel sockets",
	.match_help = "only use sockets whose name matches GLOB",
	.opts = test_opts
};

static char		 argbuf[ARGS_MAX][ARG_LEN];
static char		*argv_[ARGS_MAX + 1];
static struct test_ctx	 ctx;
static struct cmdline_common common;

/* A redirected fd: its tmpfile and the original, to restore. */
struct capture {
	FILE	*f;
	int	 fd, saved;
	char	 buf[CAPTURE_MAX];
};

static struct capture	 cap_out, cap_err;

static void
capture_start(struct capture *c, int fd)
{
	c->f = tmpfile();
	ck_assert_ptr_nonnull(c->f);
	c->fd = fd;
	c->saved = dup(fd);
	ck_assert_int_ne(c->saved, -1);
	ck_assert_int_eq(dup2(fileno(c->f), fd), fd);
}

/* Restore the fd; return what was written to it meanwhile. */
static const char *
capture_stop(struct capture *c)
{
	size_t	 n;

	fflush(c->fd == STDOUT_FILENO ? stdout : stderr);
	ck_assert_int_eq(dup2(c->saved, c->fd), c->fd);
	close(c->saved);
	rewind(c->f);
	n = fread(c->buf, 1, sizeof(c->buf) - 1, c->f);
	c->buf[n] = '\0';
	fclose(c->f);
	return c->buf;
}

/*
 * Parse PROG followed by the NULL-terminated arguments, with stdout and
 * stderr captured into cap_out.buf and cap_err.buf.
 */
static enum cmdline_result
parse(const char *arg, ...)
{
	enum cmdline_result	 rc;
	va_list			 ap;
	int			 argc = 0;

	snprintf(argbuf[argc], ARG_LEN, "%s", PROG);
	argv_[argc] = argbuf[argc];
	argc++;
	va_start(ap, arg);
	for (; arg != NULL; arg = va_arg(ap, const char *)) {
		ck_assert_int_lt(argc, ARGS_MAX);
		snprintf(argbuf[argc], ARG_LEN, "%s", arg);
		argv_[argc] = argbuf[argc];
		argc++;
	}
	va_end(ap);
	argv_[argc] = NULL;

	memset(&common, 0xa5, sizeof(common));
	capture_start(&cap_out, STDOUT_FILENO);
	capture_start(&cap_err, STDERR_FILENO);
	rc = cmdline_parse(&test_spec, argc, argv_, &common, &ctx);
	capture_stop(&cap_err);
	capture_stop(&cap_out);
	return rc;
}

static int
count_lines(const char *s)
{
	int	 n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* The last parse failed with exactly this one line (no prog, no hint). */
static void
expect_error(enum cmdline_result rc, const char *msg)
{
	char	 want[512];

	snprintf(want, sizeof(want), PROG ": %s (try --help)\n", msg);
	ck_assert_int_eq(rc, CMDLINE_ERROR);
	ck_assert_str_eq(cap_err.buf, want);
	ck_assert_str_eq(cap_out.buf, "");
}

static void
expect_ok(enum cmdline_result rc)
{
	ck_assert_msg(rc == CMDLINE_OK, "rc %d, stderr '%s'", rc, cap_err.buf);
	ck_assert_str_eq(cap_err.buf, "");
	ck_assert_str_eq(cap_out.buf, "");
}

static void
expect_defaults_except(const char *dir, uint16_t port, enum log_level level)
{
	ck_assert_str_eq(common.dir, dir);
	ck_assert_uint_eq(common.port, port);
	ck_assert_int_eq(common.level, level);
}

START_TEST(test_defaults)
{
	expect_ok(parse(NULL));
	ck_assert_str_eq(common.dir, "/tmp/qpid");
	ck_assert_ptr_eq(common.dir, test_spec.dir_default);
	ck_assert_uint_eq(common.port, CMDLINE_DEFAULT_PORT);
	ck_assert_uint_eq(common.port, 5672);
	ck_assert_int_eq(common.level, LOG_LVL_INFO);
	ck_assert(!common.use_syslog);
	ck_assert_ptr_null(common.match);
	ck_assert_int_eq(ctx.rate_calls, 0);
	ck_assert_int_eq(ctx.once_calls, 0);
}
END_TEST

START_TEST(test_positional)
{
	expect_ok(parse("/srv/guests", NULL));
	expect_defaults_except("/srv/guests", 5672, LOG_LVL_INFO);
	ck_assert_ptr_null(common.match);
	ck_assert(!common.use_syslog);

	expect_ok(parse("/srv/guests", "6000", NULL));
	expect_defaults_except("/srv/guests", 6000, LOG_LVL_INFO);

	expect_ok(parse("/srv/guests", "6000", "debug", NULL));
	expect_defaults_except("/srv/guests", 6000, LOG_LVL_DEBUG);

	expect_ok(parse("/srv/guests", "1", "WARN", NULL));
	expect_defaults_except("/srv/guests", 1, LOG_LVL_WARN);

	expect_ok(parse("/srv/guests", "65535", "Fatal", NULL));
	expect_defaults_except("/srv/guests", 65535, LOG_LVL_FATAL);

	/* After "--", a leading '-' is a directory name. */
	expect_ok(parse("--", "-odd-dir", NULL));
	expect_defaults_except("-odd-dir", 5672, LOG_LVL_INFO);
}
END_TEST

START_TEST(test_too_many)
{
	expect_error(parse("/srv/guests", "6000", "debug", "extra", NULL),
	    "too many arguments: 'extra'");
	expect_error(parse("a", "1", "info", "b", "c", NULL),
	    "too many arguments: 'b'");
}
END_TEST

START_TEST(test_long_options)
{
	expect_ok(parse("--guest-dir", "/srv/g", "--port", "1", "--log-level",
	    "nOtIcE", "--match", "guest*", "--syslog", NULL));
	expect_defaults_except("/srv/g", 1, LOG_LVL_NOTICE);
	ck_assert_str_eq(common.match, "guest*");
	ck_assert(common.use_syslog);

	expect_ok(parse("--port=65535", "--log-level=debug",
	    "--guest-dir=/x", NULL));
	expect_defaults_except("/x", 65535, LOG_LVL_DEBUG);
	ck_assert(!common.use_syslog);

	/* Options after positionals (GNU permutation). */
	expect_ok(parse("/srv/g", "--port", "7", "--syslog", NULL));
	expect_defaults_except("/srv/g", 7, LOG_LVL_INFO);
	ck_assert(common.use_syslog);

	/* Unambiguous abbreviations, as getopt_long allows. */
	expect_ok(parse("--po", "8", NULL));
	ck_assert_uint_eq(common.port, 8);

	/* A repeated option: the last one wins. */
	expect_ok(parse("--port", "1", "--port", "2", NULL));
	ck_assert_uint_eq(common.port, 2);
}
END_TEST

START_TEST(test_given_twice)
{
	expect_error(parse("--port", "1", "/srv/g", "2", NULL),
	    "port given twice");
	expect_error(parse("--guest-dir", "/a", "/b", NULL),
	    "guest_dir given twice");
	expect_error(parse("--log-level", "debug", "/a", "1", "info", NULL),
	    "log level given twice");
	/* Different settings do not conflict. */
	expect_ok(parse("--port", "9", "/a", NULL));
	expect_defaults_except("/a", 9, LOG_LVL_INFO);
	expect_ok(parse("--log-level", "error", "/a", "9", NULL));
	expect_defaults_except("/a", 9, LOG_LVL_ERROR);
}
END_TEST

struct bad_port {
	const char	*s;
	const char	*why;
};

static const struct bad_port bad_ports[] = {
	{ "0", "too small" },
	{ "-1", "too small" },
	{ "65536", "too large" },
	{ "99999999999999999999", "too large" },
	{ "", "not a number" },
	{ " 1", "not a number" },
	{ "1 ", "not a number" },
	{ "0x10", "not a number" },
	{ "+5", "not a number" },
	{ "abc", "not a number" },
	{ "80\nforged", "not a number" },
};

START_TEST(test_bad_port)
{
	const struct bad_port	*b = &bad_ports[_i];
	char			 want[256], shown[64];
	size_t			 i;

	/* Control characters are shown as '?': one line, always. */
	snprintf(shown, sizeof(shown), "%s", b->s);
	for (i = 0; shown[i] != '\0'; i++)
		if ((unsigned char)shown[i] < 0x20)
			shown[i] = '?';
	snprintf(want, sizeof(want), "invalid port '%s': %s", shown, b->why);

	expect_error(parse("--port", b->s, NULL), want);
	ck_assert_int_eq(count_lines(cap_err.buf), 1);
	/* Positional; after "--" so that "-1" is not taken for an option. */
	expect_error(parse("--", "/srv/g", b->s, NULL), want);
	ck_assert_int_eq(count_lines(cap_err.buf), 1);
}
END_TEST

START_TEST(test_cmdline_port)
{
	const char	*errstr;
	uint16_t	 port = 7;

	ck_assert_int_eq(cmdline_port("1", &port, &errstr), 0);
	ck_assert_uint_eq(port, 1);
	ck_assert_int_eq(cmdline_port("65535", &port, &errstr), 0);
	ck_assert_uint_eq(port, 65535);
	ck_assert_int_eq(cmdline_port("5672", &port, &errstr), 0);
	ck_assert_uint_eq(port, 5672);
	ck_assert_int_eq(cmdline_port("0", &port, &errstr), -1);
	ck_assert_str_eq(errstr, "too small");
	ck_assert_int_eq(cmdline_port("65536", &port, &errstr), -1);
	ck_assert_str_eq(errstr, "too large");
	ck_assert_int_eq(cmdline_port("x", &port, &errstr), -1);
	ck_assert_str_eq(errstr, "not a number");
	ck_assert_uint_eq(port, 5672);		/* untouched on error */
}
END_TEST

START_TEST(test_bad_level)
{
	expect_error(parse("--log-level", "loud", NULL),
	    "invalid log level 'loud': expected FATAL, ALERT, ERROR, WARN, "
	    "NOTICE, INFO or DEBUG");
	expect_error(parse("/a", "1", "7", NULL),
	    "invalid log level '7': expected FATAL, ALERT, ERROR, WARN, "
	    "NOTICE, INFO or DEBUG");
	expect_error(parse("--log-level", "", NULL),
	    "invalid log level '': expected FATAL, ALERT, ERROR, WARN, "
	    "NOTICE, INFO or DEBUG");
}
END_TEST

START_TEST(test_bad_dir_match)
{
	expect_error(parse("--guest-dir", "", NULL),
	    "invalid guest_dir '': empty");
	expect_error(parse("", NULL), "invalid guest_dir '': empty");
	expect_error(parse("--match", "", NULL),
	    "invalid match glob '': empty");
	expect_error(parse("--match", "a/b*", NULL),
	    "invalid match glob 'a/b*': contains '/'");
}
END_TEST

START_TEST(test_bad_options)
{
	expect_error(parse("--bogus", NULL), "unknown option '--bogus'");
	expect_error(parse("--bogus=1", "/a", NULL),
	    "unknown option '--bogus'");
	expect_error(parse("-x", NULL), "unknown option '-x'");
	expect_error(parse("/a", "-1", NULL), "unknown option '-1'");
	expect_error(parse("-xh", NULL), "unknown option '-x'");
	expect_error(parse("/a", "--port", NULL),
	    "option '--port' requires an argument");
	expect_error(parse("--guest-dir", NULL),
	    "option '--guest-dir' requires an argument");
	expect_error(parse("--rate", NULL),
	    "option '--rate' requires an argument");
	expect_error(parse("--syslog=yes", NULL),
	    "option '--syslog' does not take an argument");
	expect_error(parse("--once=1", NULL),
	    "option '--once' does not take an argument");
	ck_assert_int_eq(ctx.once_calls, 0);
}
END_TEST

START_TEST(test_help)
{
	static const char	*want[] = {
		"Usage: " PROG " [options] [guest_dir [service_port "
		    "[log_level]]]\n",
		"Tunnel test connections over virtio-serial.\n",
		"--guest-dir DIR", "directory of the guests' channel sockets "
		    "(default: /tmp/qpid)",
		"--port PORT", "(default: 5672)",
		"--log-level LEVEL", "(default: INFO)",
		"--match GLOB", "only use sockets whose name matches GLOB "
		    "(default: all but other agents' ports)",
		"--syslog", "log to syslog instead of stderr",
		"--rate N", "sessions per second, 1..100 (default: 10)",
		"--once", "exit after the first session",
		"--refuse", "an option that always fails",
		"-h, --help", "-V, --version",
		"FATAL ALERT ERROR WARN NOTICE INFO DEBUG",
	};
	size_t			 i;

	ck_assert_int_eq(parse("--help", NULL), CMDLINE_EXIT);
	ck_assert_str_eq(cap_err.buf, "");
	ck_assert_msg(strncmp(cap_out.buf, want[0], strlen(want[0])) == 0,
	    "starts '%s'", cap_out.buf);
	for (i = 0; i < NELEM(want); i++)
		ck_assert_msg(strstr(cap_out.buf, want[i]) != NULL,
		    "'%s' missing from:\n%s", want[i], cap_out.buf);

	/* -h, and --help wins over a later bad argument. */
	ck_assert_int_eq(parse("-h", "--port", "0", NULL), CMDLINE_EXIT);
	ck_assert_str_eq(cap_err.buf, "");
	ck_assert_ptr_nonnull(strstr(cap_out.buf, "Usage: "));
	ck_assert_int_eq(ctx.rate_calls, 0);
}
END_TEST

START_TEST(test_usage_to_file)
{
	FILE	*f = tmpfile();
	char	 buf[CAPTURE_MAX];
	size_t	 n;

	ck_assert_ptr_nonnull(f);
	cmdline_usage(&test_spec, f);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "--rate N"));
	/* Every line ends with a newline, none is empty but separators. */
	ck_assert(n > 0 && buf[n - 1] == '\n');
}
END_TEST

START_TEST(test_version)
{
	ck_assert_int_eq(parse("--version", NULL), CMDLINE_EXIT);
	ck_assert_str_eq(cap_out.buf, PROG " " PACKAGE_VERSION "\n");
	ck_assert_str_eq(cap_err.buf, "");
	ck_assert_int_eq(parse("-V", NULL), CMDLINE_EXIT);
	ck_assert_str_eq(cap_out.buf, PROG " " PACKAGE_VERSION "\n");
}
END_TEST

START_TEST(test_help_write_error)
{
	enum cmdline_result	 rc;
	int			 saved, ro;
	char			 want[128];

	/* stdout on a read-only descriptor: the write fails with EBADF. */
	ro = open("/dev/null", O_RDONLY);
	ck_assert_int_ne(ro, -1);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	ck_assert_int_eq(dup2(ro, STDOUT_FILENO), STDOUT_FILENO);
	capture_start(&cap_err, STDERR_FILENO);
	snprintf(argbuf[0], ARG_LEN, "%s", PROG);
	snprintf(argbuf[1], ARG_LEN, "%s", "--version");
	argv_[0] = argbuf[0];
	argv_[1] = argbuf[1];
	argv_[2] = NULL;
	rc = cmdline_parse(&test_spec, 2, argv_, &common, &ctx);
	capture_stop(&cap_err);
	/* Drop what could not be written, or exit() would retry it. */
	__fpurge(stdout);
	clearerr(stdout);
	ck_assert_int_eq(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	close(ro);
	ck_assert_int_eq(rc, CMDLINE_ERROR);
	snprintf(want, sizeof(want), PROG ": write error: %s\n",
	    strerror(EBADF));
	ck_assert_str_eq(cap_err.buf, want);
}
END_TEST

START_TEST(test_daemon_options)
{
	expect_ok(parse("--rate", "5", NULL));
	ck_assert_int_eq(ctx.rate_calls, 1);
	ck_assert_int_eq(ctx.rate, 5);
	ck_assert_int_eq(ctx.once_calls, 0);

	expect_ok(parse("--once", "--rate=100", "/a", NULL));
	ck_assert_int_eq(ctx.once_calls, 1);
	ck_assert_ptr_null(ctx.once_val);
	ck_assert_int_eq(ctx.rate_calls, 2);
	ck_assert_int_eq(ctx.rate, 100);
	expect_defaults_except("/a", 5672, LOG_LVL_INFO);

	expect_error(parse("--rate", "0", NULL),
	    "invalid --rate '0': too small");
	expect_error(parse("--rate", "lots", NULL),
	    "invalid --rate 'lots': not a number");
	ck_assert_int_eq(ctx.rate, 100);
	expect_error(parse("--refuse", NULL), "--refuse: not supported here");
}
END_TEST

START_TEST(test_repeated_parse)
{
	/* Each call starts from the defaults and a reset getopt. */
	expect_ok(parse("--port", "1", "--syslog", "--match", "g*", "/a",
	    NULL));
	expect_defaults_except("/a", 1, LOG_LVL_INFO);
	expect_ok(parse("/b", NULL));
	expect_defaults_except("/b", 5672, LOG_LVL_INFO);
	ck_assert(!common.use_syslog);
	ck_assert_ptr_null(common.match);
	expect_error(parse("-x", NULL), "unknown option '-x'");
	expect_error(parse("/a", "-1", NULL), "unknown option '-1'");
	expect_ok(parse("/c", "2", NULL));
	expect_defaults_except("/c", 2, LOG_LVL_INFO);
}
END_TEST

START_TEST(test_no_daemon_options)
{
	struct cmdline_spec	 spec = test_spec;
	char			 a0[] = PROG, a1[] = "--rate", a2[] = "1";
	char			*argv[] = { a0, a1, a2, NULL };

	spec.opts = NULL;
	capture_start(&cap_err, STDERR_FILENO);
	ck_assert_int_eq(cmdline_parse(&spec, 3, argv, &common, NULL),
	    CMDLINE_ERROR);
	capture_stop(&cap_err);
	ck_assert_str_eq(cap_err.buf,
	    PROG ": unknown option '--rate' (try --help)\n");
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("cmdline");
	TCase	*tc;

	tc = checkmain_tcase(s, "parse");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_positional);
	tcase_add_test(tc, test_long_options);
	tcase_add_test(tc, test_daemon_options);
	tcase_add_test(tc, test_repeated_parse);
	tc = checkmain_tcase(s, "errors");
	tcase_add_test(tc, test_too_many);
	tcase_add_test(tc, test_given_twice);
	tcase_add_loop_test(tc, test_bad_port, 0, (int)NELEM(bad_ports));
	tcase_add_test(tc, test_cmdline_port);
	tcase_add_test(tc, test_bad_level);
	tcase_add_test(tc, test_bad_dir_match);
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_no_daemon_options);
	tc = checkmain_tcase(s, "exit");
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_usage_to_file);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_help_write_error);
	return s;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_log.c: unit tests of lib/log.c.  Foreground output goes to a
 * tmpfile (or /dev/full, where errno must survive a failed write) through
 * log_set_output and the rate limiter's clock is driven
 * through log_set_clock, so nothing sleeps.  Every test runs in its own
 * forked process, so the module's globals start at their defaults.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "checkmain.h"
#include "log.h"
#include "vios.h"

#define OUT_MAX		(64 * 1024)	/* bytes of captured output */
#define WINDOW_MS	((uint64_t)VIOS_WARN_INTERVAL_S * 1000)

static FILE	*out;
static char	 outbuf[OUT_MAX];
static uint64_t	 fake_now;

static uint64_t
fake_clock(void)
{
	return fake_now;
}

/* Send log output to a fresh tmpfile. */
static void
capture(void)
{
	out = tmpfile();
	ck_assert_ptr_nonnull(out);
	log_set_output(out);
}

/* Everything written since capture() (or the last take()), then reset. */
static const char *
take(void)
{
	size_t	 n;

	ck_assert_int_eq(fflush(out), 0);
	rewind(out);
	n = fread(outbuf, 1, sizeof(outbuf) - 1, out);
	outbuf[n] = '\0';
	rewind(out);
	ck_assert_int_eq(ftruncate(fileno(out), 0), 0);
	return outbuf;
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

/* The message part of a single captured line: after "LEVEL: ". */
static const char *
message_of(const char *line, const char *level)
{
	char		 tag[32];
	const char	*p;

	snprintf(tag, sizeof(tag), "]: %s: ", level);
	p = strstr(line, tag);
	ck_assert_msg(p != NULL, "no '%s' in '%s'", tag, line);
	return p + strlen(tag);
}

/* Assert the captured output is exactly one line "... LEVEL: msg". */
static void
expect_line(const char *level, const char *msg)
{
	const char	*s = take();
	char		 want[LOG_MSG_MAX + 2];

	ck_assert_msg(count_lines(s) == 1, "want one line, got '%s'", s);
	snprintf(want, sizeof(want), "%s\n", msg);
	ck_assert_str_eq(message_of(s, level), want);
}

static void
expect_nothing(void)
{
	ck_assert_str_eq(take(), "");
}

START_TEST(test_level_names)
{
	static const char	*names[LOG_LVL_COUNT] = { "FATAL", "ALERT",
	    "ERROR", "WARN", "NOTICE", "INFO", "DEBUG" };
	int			 i;

	for (i = 0; i < LOG_LVL_COUNT; i++) {
		ck_assert_str_eq(log_level_name((enum log_level)i), names[i]);
		ck_assert_int_eq(log_level_parse(names[i]), i);
	}
	ck_assert_int_eq(log_level_parse("warn"), LOG_LVL_WARN);
	ck_assert_int_eq(log_level_parse("Debug"), LOG_LVL_DEBUG);
	ck_assert_int_eq(log_level_parse("nOtIcE"), LOG_LVL_NOTICE);
	ck_assert_int_eq(log_level_parse("fatal"), LOG_LVL_FATAL);
	ck_assert_int_eq(log_level_parse("WARNING"), -1);
	ck_assert_int_eq(log_level_parse("INF"), -1);
	ck_assert_int_eq(log_level_parse("INFO "), -1);
	ck_assert_int_eq(log_level_parse("5"), -1);
	ck_assert_int_eq(log_level_parse(""), -1);
	ck_assert_int_eq(log_level_parse(NULL), -1);
	ck_assert_str_eq(log_level_name(LOG_LVL_COUNT), "UNKNOWN");
	ck_assert_str_eq(log_level_name((enum log_level)-1), "UNKNOWN");
}
END_TEST

START_TEST(test_defaults)
{
	char	 want[64];

	capture();
	ck_assert_int_eq(log_get_level(), LOG_LVL_INFO);
	log_info("before init");
	snprintf(want, sizeof(want), " vios[%ld]: INFO: before init\n",
	    (long)getpid());
	ck_assert_ptr_nonnull(strstr(take(), want));
	log_debug("hidden");
	expect_nothing();
}
END_TEST

START_TEST(test_format)
{
	regex_t		 re;
	char		 pattern[256];
	const char	*s;
	int		 rc;

	capture();
	log_init("vios-test", LOG_LVL_DEBUG, false);
	log_warnx("hello %d %s", 42, "world");
	s = take();
	snprintf(pattern, sizeof(pattern), "^[0-9]{4}-[0-9]{2}-[0-9]{2}T"
	    "[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z vios-test\\[%ld\\]: "
	    "WARN: hello 42 world\n$", (long)getpid());
	ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED), 0);
	rc = regexec(&re, s, 0, NULL, 0);
	regfree(&re);
	ck_assert_msg(rc == 0, "'%s' does not match '%s'", s, pattern);
}
END_TEST

START_TEST(test_each_level)
{
	capture();
	log_init("vios-test", LOG_LVL_DEBUG, false);
	log_alert("a %d", 1);
	expect_line("ALERT", "a 1");
	log_error("e");
	expect_line("ERROR", "e");
	log_warnx("w");
	expect_line("WARN", "w");
	log_notice("n");
	expect_line("NOTICE", "n");
	log_info("i");
	expect_line("INFO", "i");
	log_debug("d");
	expect_line("DEBUG", "d");
	log_msg(LOG_LVL_NOTICE, "m %s", "x");
	expect_line("NOTICE", "m x");
	log_msg(LOG_LVL_COUNT, "invalid level");
	expect_nothing();
}
END_TEST

START_TEST(test_log_warn_strerror)
{
	char	 want[256];

	capture();
	errno = ENOENT;
	log_warn("open %s", "/nonexistent");
	snprintf(want, sizeof(want), "open /nonexistent: %s", strerror(ENOENT));
	expect_line("WARN", want);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/*
 * Log to /dev/full, unbuffered: each message is written inside the call
 * and the write fails with ENOSPC, so only the logger's own save and
 * restore leaves the caller's errno as it was.
 */
static FILE *
capture_full(void)
{
	FILE	*f;

	f = fopen("/dev/full", "w");
	ck_assert_msg(f != NULL, "/dev/full: %s", strerror(errno));
	ck_assert_int_eq(setvbuf(f, NULL, _IONBF, 0), 0);
	log_set_output(f);
	return f;
}

/* log_vmsg() needs a va_list. */
static void __attribute__((format(printf, 2, 3)))
vmsg(enum log_level level, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/*
 * call, with errno EAGAIN before it, leaves errno EAGAIN; wrote says
 * whether it must have tried a write (which failed, clobbering errno
 * underneath), so the check cannot pass by logging nothing.
 */
#define ERRNO_KEPT(f, wrote, call) do {					\
	clearerr(f);							\
	errno = EAGAIN;							\
	call;								\
	ck_assert_msg(errno == EAGAIN, "%s: errno %d (%s)", #call,	\
	    errno, strerror(errno));					\
	ck_assert_msg(!ferror(f) == !(wrote), "%s: %s", #call,		\
	    (wrote) ? "no failed write" : "wrote");			\
} while (0)

START_TEST(test_errno_preserved)
{
	FILE	*f = capture_full();

	log_set_clock(fake_clock);
	fake_now = 1000;
	errno = EAGAIN;
	log_init("vios-test", LOG_LVL_DEBUG, false);
	ck_assert_int_eq(errno, EAGAIN);
	ERRNO_KEPT(f, true, log_alert("x"));
	ERRNO_KEPT(f, true, log_error("x"));
	ERRNO_KEPT(f, true, log_warn("x"));
	ERRNO_KEPT(f, true, log_warnx("x"));
	ERRNO_KEPT(f, true, log_notice("x"));
	ERRNO_KEPT(f, true, log_info("x"));
	ERRNO_KEPT(f, true, log_debug("x"));
	ERRNO_KEPT(f, true, log_msg(LOG_LVL_INFO, "x"));
	ERRNO_KEPT(f, true, vmsg(LOG_LVL_INFO, "%s", "x"));
	ERRNO_KEPT(f, true, log_warnx_rl("x"));
	ERRNO_KEPT(f, false, log_warnx_rl("x"));	/* suppressed */
	fake_now += WINDOW_MS;
	ERRNO_KEPT(f, true, log_warnx_rl("x"));	/* with the count */
	/* Filtered messages too. */
	log_set_level(LOG_LVL_FATAL);
	ERRNO_KEPT(f, false, log_debug("x"));
	ERRNO_KEPT(f, false, log_warn("x"));
	ERRNO_KEPT(f, false, log_warnx_rl("y"));
	log_set_output(NULL);
	ck_assert_int_eq(fclose(f), 0);
}
END_TEST

START_TEST(test_level_filter)
{
	capture();
	log_init("vios-test", LOG_LVL_WARN, false);
	ck_assert_int_eq(log_get_level(), LOG_LVL_WARN);
	ck_assert(log_enabled(LOG_LVL_FATAL));
	ck_assert(log_enabled(LOG_LVL_WARN));
	ck_assert(!log_enabled(LOG_LVL_NOTICE));
	ck_assert(!log_enabled(LOG_LVL_DEBUG));
	ck_assert(!log_enabled(LOG_LVL_COUNT));
	log_info("no");
	log_notice("no");
	log_debug("no");
	expect_nothing();
	log_warnx("yes");
	expect_line("WARN", "yes");
	log_error("yes");
	expect_line("ERROR", "yes");

	log_set_level(LOG_LVL_DEBUG);
	ck_assert_int_eq(log_get_level(), LOG_LVL_DEBUG);
	log_debug("now");
	expect_line("DEBUG", "now");
	/* An invalid level is ignored. */
	log_set_level(LOG_LVL_COUNT);
	ck_assert_int_eq(log_get_level(), LOG_LVL_DEBUG);

	log_set_level(LOG_LVL_FATAL);
	log_alert("no");
	log_error("no");
	expect_nothing();
}
END_TEST

/*
 * With syslog, errors before log_started() also reach stderr (here the
 * capture) as "ident: message": why a daemon did not start is seen where
 * it was started.  Nothing else is, and nothing at all once it runs.
 */
START_TEST(test_syslog_startup)
{
	capture();
	log_init("vios-test", LOG_LVL_INFO, true);
	log_error("status socket /x: in use");
	ck_assert_str_eq(take(), "vios-test: status socket /x: in use\n");
	log_warnx("a warning");
	log_info("started");
	expect_nothing();
	log_started();
	log_error("a later error");
	expect_nothing();
}
END_TEST

START_TEST(test_rate_limit)
{
	capture();
	log_set_clock(fake_clock);
	fake_now = 0;		/* 0 is a valid time, not "never" */
	log_warnx_rl("peer %s busy", "a");
	expect_line("WARN", "peer a busy");
	log_warnx_rl("peer %s busy", "a");
	log_warnx_rl("peer %s busy", "a");
	expect_nothing();

	/* A different message is not held back by the first. */
	fake_now = 1000;
	log_warnx_rl("peer %s busy", "b");
	expect_line("WARN", "peer b busy");

	/* Still inside the window of the first emission. */
	fake_now = WINDOW_MS - 1;
	log_warnx_rl("peer %s busy", "a");
	expect_nothing();

	/* The window is over: written, with the count of the dropped three. */
	fake_now = WINDOW_MS;
	log_warnx_rl("peer %s busy", "a");
	expect_line("WARN", "peer a busy (3 similar messages suppressed)");
	/* A new window starts at that emission. */
	fake_now = 2 * WINDOW_MS - 1;
	log_warnx_rl("peer %s busy", "a");
	expect_nothing();
	fake_now = 2 * WINDOW_MS;
	log_warnx_rl("peer %s busy", "a");
	expect_line("WARN", "peer a busy (1 similar messages suppressed)");

	/* Nothing suppressed meanwhile: no count appended. */
	fake_now = 5 * WINDOW_MS;
	log_warnx_rl("peer %s busy", "a");
	expect_line("WARN", "peer a busy");
	log_warnx_rl("peer %s busy", "b");
	expect_line("WARN", "peer b busy");

	/* log_warnx is never rate-limited. */
	log_warnx("peer a busy");
	log_warnx("peer a busy");
	ck_assert_int_eq(count_lines(take()), 2);
}
END_TEST

START_TEST(test_rate_limit_many)
{
	int	 i;

	capture();
	log_set_clock(fake_clock);
	fake_now = 12345;
	/* More distinct messages than the table has slots: none dropped. */
	for (i = 0; i < 200; i++)
		log_warnx_rl("distinct %d", i);
	ck_assert_int_eq(count_lines(take()), 200);
	/* The most recent ones are still remembered. */
	for (i = 190; i < 200; i++)
		log_warnx_rl("distinct %d", i);
	expect_nothing();

	/* A message still repeating is not evicted by a flood of others. */
	log_warnx_rl("hot");
	expect_line("WARN", "hot");
	for (i = 0; i < 200; i++) {
		log_warnx_rl("cold %d", i);
		log_warnx_rl("hot");
	}
	ck_assert_int_eq(count_lines(take()), 200);
	fake_now += WINDOW_MS;
	log_warnx_rl("hot");
	expect_line("WARN", "hot (200 similar messages suppressed)");
}
END_TEST

START_TEST(test_sanitize)
{
	capture();
	log_warnx("evil\nWARN: forged\r\x1b[31m\tend\x7f");
	expect_line("WARN", "evil?WARN: forged??[31m?end?");
	/* Bytes above 0x7f (UTF-8) pass through. */
	log_info("caf\xc3\xa9");
	expect_line("INFO", "caf\xc3\xa9");
	log_warnx_rl("rl\nforged");
	expect_line("WARN", "rl?forged");
}
END_TEST

START_TEST(test_truncate)
{
	static char	 big[4 * LOG_MSG_MAX];
	const char	*s, *msg;

	memset(big, 'a', sizeof(big) - 1);
	capture();
	log_info("%s", big);
	s = take();
	ck_assert_int_eq(count_lines(s), 1);
	msg = message_of(s, "INFO");
	ck_assert_uint_eq(strlen(msg), LOG_MSG_MAX - 1 + 1);	/* + '\n' */

	/* strerror is cut, never the line structure. */
	errno = EPERM;
	log_warn("%s", big);
	s = take();
	ck_assert_int_eq(count_lines(s), 1);
	ck_assert_uint_eq(strlen(message_of(s, "WARN")), LOG_MSG_MAX);
}
END_TEST

/* Run fn in a child; return its exit status and its log output. */
static int
run_fatal(void (*fn)(void), const char **output)
{
	pid_t	 pid;
	int	 status;

	capture();
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		fn();
		_exit(99);	/* not reached: fn exits */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	*output = take();
	return WEXITSTATUS(status);
}

static void
do_fatal(void)
{
	errno = EACCES;
	fatal("cannot %s", "start");
}

static void
do_fatalx(void)
{
	errno = EACCES;
	fatalx("bad %s", "config");
}

START_TEST(test_fatal)
{
	const char	*s;
	char		 want[256];

	ck_assert_int_eq(run_fatal(do_fatal, &s), 1);
	ck_assert_int_eq(count_lines(s), 1);
	snprintf(want, sizeof(want), "cannot start: %s\n", strerror(EACCES));
	ck_assert_str_eq(message_of(s, "FATAL"), want);

	ck_assert_int_eq(run_fatal(do_fatalx, &s), 1);
	ck_assert_int_eq(count_lines(s), 1);
	ck_assert_str_eq(message_of(s, "FATAL"), "bad config\n");
}
END_TEST

START_TEST(test_libevent)
{
	const char	*s, *msg;

	capture();
	log_libevent();
	/* libevent warns about freeing no base: a WARN through our path. */
	event_base_free(NULL);
	s = take();
	ck_assert_int_eq(count_lines(s), 1);
	msg = message_of(s, "WARN");
	ck_assert_msg(strncmp(msg, "libevent: ", 10) == 0, "'%s'", msg);
	ck_assert_ptr_nonnull(strstr(msg, "no base to free\n"));
	/* Its messages obey our level. */
	log_set_level(LOG_LVL_ERROR);
	event_base_free(NULL);
	expect_nothing();
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc;

	tc = checkmain_tcase(s, "levels");
	tcase_add_test(tc, test_level_names);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_level_filter);
	tc = checkmain_tcase(s, "output");
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_each_level);
	tcase_add_test(tc, test_log_warn_strerror);
	tcase_add_test(tc, test_errno_preserved);
	tcase_add_test(tc, test_sanitize);
	tcase_add_test(tc, test_truncate);
	tc = checkmain_tcase(s, "rate_limit");
	tcase_add_test(tc, test_syslog_startup);
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_rate_limit_many);
	tc = checkmain_tcase(s, "fatal");
	tcase_add_test(tc, test_fatal);
	tc = checkmain_tcase(s, "libevent");
	tcase_add_test(tc, test_libevent);
	return s;
}

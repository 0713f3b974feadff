/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h: OpenBSD-shaped logging for both daemons.  Levels FATAL ALERT ERROR
 * WARN NOTICE INFO DEBUG map onto syslog priorities.  Messages go to stderr
 * with a timestamp in the foreground, or to syslog when asked.  Every call
 * preserves errno.  libevent's own messages are routed in.  The only
 * mutable globals of the project live in log.c.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Buffer size of one message (NUL, strerror and suppression count
 * included); longer messages are truncated.  Control characters in the
 * message are written as '?' so peer-supplied text cannot forge lines.
 */
#define LOG_MSG_MAX	1024

enum log_level {
	LOG_LVL_FATAL,
	LOG_LVL_ALERT,
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	LOG_LVL_COUNT
};

/* Start logging as ident at level; to syslog when use_syslog, else stderr. */
void	log_init(const char *ident, enum log_level level, bool use_syslog);
/*
 * Start-up is over: the daemon enters its event loop.  Until then, when
 * logging to syslog, messages at ERROR and more severe also go to stderr
 * as "ident: message", so that whoever started the daemon sees why it
 * did not start.
 */
void	log_started(void);
void	log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* True when messages at level would be written (skip costly formatting). */
bool	log_enabled(enum log_level level);

/* Name <-> level, names case-insensitive; returns -1 for an unknown name. */
int	log_level_parse(const char *name);
const char *log_level_name(enum log_level level);

/* Route libevent's internal messages through this module. */
void	log_libevent(void);

void	log_alert(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_msg(enum log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vmsg(enum log_level level, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/*
 * Rate-limited warning: the same formatted message is written at most once
 * per VIOS_WARN_INTERVAL_S; when it is written again, the number of copies
 * suppressed meanwhile is appended.  Up to 256 different messages are
 * told apart (a table of recent ones, hashed, the least recently seen
 * evicted): for a warning per object with thousands of objects, keep
 * state in the object instead (chan.c's open failures).
 */
void	log_warnx_rl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log at FATAL and exit(1); fatal appends strerror(errno). */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Test hooks.  log_set_output sends foreground lines to f instead of
 * stderr (NULL restores stderr); log_set_clock replaces the monotonic
 * millisecond clock of log_warnx_rl (NULL restores util_now_ms).
 */
void	log_set_output(FILE *f);
void	log_set_clock(uint64_t (*now_ms)(void));

#endif /* LOG_H */

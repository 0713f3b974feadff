/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.c: OpenBSD-shaped logging.  Each message is formatted into one
 * fixed buffer (truncated, control characters replaced), then written as a
 * single line to stderr with a UTC timestamp, or handed to syslog.  The
 * project's only mutable globals live here: the ident, level and
 * destination, the test hooks, and the table of recent rate-limited
 * warnings.  Every entry point saves errno on entry and restores it on exit.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "util.h"
#include "vios.h"

#define LOG_IDENT_MAX	64	/* bytes kept of the ident, with its NUL */
#define LOG_TS_MAX	32	/* "2026-11-21T10:14:38" and NUL */
/* A whole stderr line: timestamp, ident, pid, level, message, newline. */
#define LOG_LINE_MAX	(LOG_MSG_MAX + LOG_IDENT_MAX + 96)
#define LOG_RL_SLOTS	256	/* rate-limited messages remembered */
#define LOG_RL_WINDOW_MS ((uint64_t)VIOS_WARN_INTERVAL_S * 1000)

/* One recently written rate-limited message, known by its hash. */
struct log_rl_slot {
	uint64_t	hash;
	uint64_t	last_ms;	/* when it was last written */
	uint64_t	seen;		/* log_rl_seq when last seen */
	unsigned long	suppressed;	/* copies dropped since then */
	bool		used;
};

static const struct {
	const char	*name;
	int		 prio;
} log_levels[LOG_LVL_COUNT] = {
	[LOG_LVL_FATAL] = { "FATAL", LOG_CRIT },
	[LOG_LVL_ALERT] = { "ALERT", LOG_ALERT },
	[LOG_LVL_ERROR] = { "ERROR", LOG_ERR },
	[LOG_LVL_WARN] = { "WARN", LOG_WARNING },
	[LOG_LVL_NOTICE] = { "NOTICE", LOG_NOTICE },
	[LOG_LVL_INFO] = { "INFO", LOG_INFO },
	[LOG_LVL_DEBUG] = { "DEBUG", LOG_DEBUG },
};

static char		 log_ident[LOG_IDENT_MAX] = "vios";
static enum log_level	 log_cur_level = LOG_LVL_INFO;
static bool		 log_to_syslog;
static bool		 log_running;		/* log_started() called */
static FILE		*log_out;		/* NULL: stderr */
static uint64_t		(*log_clock)(void);	/* NULL: util_now_ms() */
static struct log_rl_slot log_rl[LOG_RL_SLOTS];
static uint64_t		 log_rl_seq;		/* recency clock of log_rl */

/* May be called again: reopens syslog under the new ident. */
void
log_init(const char *ident, enum log_level level, bool use_syslog)
{
	int	 saved_errno = errno;

	/* openlog() keeps a pointer to log_ident: close before changing it. */
	if (log_to_syslog)
		closelog();
	if (ident != NULL)
		snprintf(log_ident, sizeof(log_ident), "%s", ident);
	log_set_level(level);
	log_to_syslog = use_syslog;
	if (log_to_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	errno = saved_errno;
}

void
log_started(void)
{
	log_running = true;
}

void
log_set_level(enum log_level level)
{
	if ((unsigned)level < LOG_LVL_COUNT)
		log_cur_level = level;
}

enum log_level
log_get_level(void)
{
	return log_cur_level;
}

bool
log_enabled(enum log_level level)
{
	return (unsigned)level < LOG_LVL_COUNT && level <= log_cur_level;
}

int
log_level_parse(const char *name)
{
	int	 i;

	if (name == NULL)
		return -1;
	for (i = 0; i < LOG_LVL_COUNT; i++)
		if (strcasecmp(name, log_levels[i].name) == 0)
			return i;
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	if ((unsigned)level >= LOG_LVL_COUNT)
		return "UNKNOWN";
	return log_levels[level].name;
}

void
log_set_output(FILE *f)
{
	log_out = f;
}

void
log_set_clock(uint64_t (*now_ms)(void))
{
	log_clock = now_ms;
}

/* Append to the NUL-terminated msg, truncating at size. */
static void __attribute__((format(printf, 3, 4)))
log_append(char *msg, size_t size, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 len = strlen(msg);

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg + len, size - len, fmt, ap);
	va_end(ap);
}

/* Format into msg (LOG_MSG_MAX bytes); errstr, if any, follows ": ". */
static void __attribute__((format(printf, 3, 0)))
log_format(char *msg, const char *errstr, const char *fmt, va_list ap)
{
	if (vsnprintf(msg, LOG_MSG_MAX, fmt, ap) < 0)
		snprintf(msg, LOG_MSG_MAX, "(unformattable message: %s)", fmt);
	if (errstr != NULL)
		log_append(msg, LOG_MSG_MAX, ": %s", errstr);
}

/* Write one formatted message at level; msg is sanitized in place. */
static void
log_write(enum log_level level, char *msg)
{
	char		 line[LOG_LINE_MAX], ts[LOG_TS_MAX];
	struct timespec	 now;
	struct tm	 tm;
	FILE		*f = log_out != NULL ? log_out : stderr;
	unsigned char	*p;

	/* A peer's bytes must not start a new line or drive a terminal. */
	for (p = (unsigned char *)msg; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';

	if (log_to_syslog) {
		syslog(log_levels[level].prio, "%s", msg);
		/* Why a daemon did not start belongs where it was started. */
		if (!log_running && level <= LOG_LVL_ERROR) {
			(void)fprintf(f, "%s: %s\n", log_ident, msg);
			(void)fflush(f);
		}
		return;
	}

	if (clock_gettime(CLOCK_REALTIME, &now) == -1) {
		now.tv_sec = 0;
		now.tv_nsec = 0;
	}
	if (gmtime_r(&now.tv_sec, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(ts, sizeof(ts), "%lld", (long long)now.tv_sec);
	/* One buffer, one write: concurrent writers do not interleave. */
	snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld]: %s: %s\n", ts,
	    now.tv_nsec / 1000000, log_ident, (long)getpid(),
	    log_levels[level].name, msg);
	(void)fputs(line, f);
	(void)fflush(f);
}

/* Format and write at level when enabled; errno is left unchanged. */
static void __attribute__((format(printf, 3, 0)))
log_emit(enum log_level level, const char *errstr, const char *fmt,
    va_list ap)
{
	char	 msg[LOG_MSG_MAX];

	if (!log_enabled(level))
		return;
	log_format(msg, errstr, fmt, ap);
	log_write(level, msg);
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	int	 saved_errno = errno;

	log_emit(level, NULL, fmt, ap);
	errno = saved_errno;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	int	 saved_errno = errno;
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(level, NULL, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_alert(const char *fmt, ...)
{
	int	 saved_errno = errno;
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ALERT, NULL, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_error(const char *fmt, ...)
{
	int	 saved_errno = errno;
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERROR, NULL, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	int	 saved_errno = errno;
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_WARN, strerror(saved_errno), fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_warnx(const char *fmt, ...)
{
	int	 saved_errno = errno;
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_notice(const char *fmt, ...)
{
	int	 saved_errno = errno;
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_NOTICE, NULL, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_info(const char *fmt, ...)
{
	int	 saved_errno = errno;
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_INFO, NULL, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_debug(const char *fmt, ...)
{
	int	 saved_errno = errno;
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_DEBUG, NULL, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

/* FNV-1a: cheap, and good enough to tell recent messages apart. */
static uint64_t
log_hash(const char *s)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * The slot of hash, marked as just seen: its own, else a free one, else
 * the least recently seen (a message still repeating is never evicted by
 * one-off messages, however many).
 */
static struct log_rl_slot *
log_rl_slot(uint64_t hash)
{
	struct log_rl_slot	*s, *pick = &log_rl[0];

	for (s = log_rl; s < log_rl + LOG_RL_SLOTS; s++) {
		if (s->used && s->hash == hash) {
			pick = s;
			break;
		}
		if (pick->used && (!s->used || s->seen < pick->seen))
			pick = s;
	}
	if (pick->used && pick->hash != hash)
		pick->used = false;	/* evicted: its count is lost */
	pick->seen = ++log_rl_seq;
	return pick;
}

/* Suppress a copy seen within the window; report the count later. */
void
log_warnx_rl(const char *fmt, ...)
{
	int			 saved_errno = errno;
	char			 msg[LOG_MSG_MAX];
	struct log_rl_slot	*s;
	uint64_t		 now, hash;
	va_list			 ap;

	if (!log_enabled(LOG_LVL_WARN))
		goto out;
	va_start(ap, fmt);
	log_format(msg, NULL, fmt, ap);
	va_end(ap);

	hash = log_hash(msg);
	now = log_clock != NULL ? log_clock() : util_now_ms();
	s = log_rl_slot(hash);
	if (s->used && now >= s->last_ms &&
	    now - s->last_ms < LOG_RL_WINDOW_MS) {
		s->suppressed++;
		goto out;
	}
	if (s->used && s->suppressed > 0)
		log_append(msg, sizeof(msg),
		    " (%lu similar messages suppressed)", s->suppressed);
	s->hash = hash;
	s->last_ms = now;
	s->suppressed = 0;
	s->used = true;
	log_write(LOG_LVL_WARN, msg);
out:
	errno = saved_errno;
}

void
fatal(const char *fmt, ...)
{
	int	 saved_errno = errno;
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_FATAL, strerror(saved_errno), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_FATAL, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

/* libevent's callback: map its severity, never call back into libevent. */
static void
log_event_cb(int severity, const char *msg)
{
	enum log_level	 level;

	switch (severity) {
	case EVENT_LOG_DEBUG:
		level = LOG_LVL_DEBUG;
		break;
	case EVENT_LOG_MSG:
		level = LOG_LVL_INFO;
		break;
	case EVENT_LOG_WARN:
		level = LOG_LVL_WARN;
		break;
	default:
		level = LOG_LVL_ERROR;
		break;
	}
	log_msg(level, "libevent: %s", msg);
}

void
log_libevent(void)
{
	event_set_log_callback(log_event_cb);
}

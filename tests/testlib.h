/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testlib.h: helpers for integration suites: temporary directories, child
 * processes with captured output, bounded waits, sockets with deadlines,
 * frames on a raw channel, an echo service, a data pattern and /proc
 * metrics.  Everything returns -1 (or NULL) on failure with errno set and
 * never exits: tests assert on the results.  Children started here die
 * with the test process (PR_SET_PDEATHSIG), because check's fork mode
 * skips teardown when an assertion fails; they inherit only the fds asked.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define TL_TIMEOUT_MS	10000	/* a sensible deadline for one step */
#define TL_POLL_MS	5	/* tl_wait_for(), connect retries: pause */
#define TL_FNV_INIT	0xcbf29ce484222325ULL	/* FNV-1a 64 offset basis */

/* ck_assert_msg() that first copies a log file to stderr (needs check.h). */
#define TL_ASSERT_LOG(cond, log) do {					\
	int tl_ok_ = (cond) ? 1 : 0;					\
	if (!tl_ok_)							\
		tl_dump_file((log), #cond);				\
	ck_assert_msg(tl_ok_, "%s", #cond);				\
} while (0)

/*
 * Temporary directories.  tl_tmpdir() makes $TMPDIR/vios-TAG.XXXXXX
 * (/tmp when TMPDIR is unset or too long for UNIX socket paths below it)
 * and returns it malloc'd.  tl_rmtree() removes a tree, symlinks not
 * followed; a missing path is success.  tl_path() returns malloc'd a/b.
 */
char	*tl_tmpdir(const char *tag);
int	 tl_rmtree(const char *path);
char	*tl_path(const char *dir, const char *name);

/*
 * Processes.  The child gets stdin from a pipe (*stdin_fd receives the
 * write end) or /dev/null; stdout into a pipe (*stdout_fd receives the read
 * end) or else wherever stderr goes, never the TAP stream; stderr appended
 * to errlog or inherited.  keep_fd (or -1) is inherited as is.  Returns
 * the pid, or -1 also when exec failed.  The daemons under test (HOST_PATH,
 * GUEST_PATH) run behind the words of $VIOS_TEST_WRAPPER when it is set
 * (make check-valgrind); the pid is still theirs, as valgrind execs in place.
 */
struct tl_spawn_opts {
	int		*stdin_fd;
	int		*stdout_fd;
	const char	*errlog;
	int		 keep_fd;
};

pid_t	 tl_spawn(char *const argv[], int *stdout_fd);
pid_t	 tl_spawn_ex(char *const argv[], const struct tl_spawn_opts *o);

/*
 * The processes every integration suite starts.  tl_standin() runs the
 * QEMU stand-in (STANDIN_PATH --verbose [opt] root guest ch0..ch<nch-1>),
 * stderr appended to errlog, *in and *out its command pipe, and waits for
 * its "ready".  tl_daemon() runs a daemon: prog diropt dir --port port
 * --log-level level [opt optarg].  Both return the pid or -1.
 * tl_kill_reap() SIGKILLs pid and reaps it: 0, or -1 when it did not die
 * of that signal in time.
 */
#define TL_STANDIN_CH_MAX	32
pid_t	 tl_standin(const char *root, const char *guest, int nch,
	    const char *opt, const char *errlog, int *in, int *out);
pid_t	 tl_daemon(const char *errlog, const char *prog, const char *diropt,
	    const char *dir, uint16_t port, const char *level,
	    const char *opt, const char *optarg);
int	 tl_kill_reap(pid_t pid);
/* Monotonic milliseconds; the ms left until deadline, at least 1. */
int64_t	 tl_now_ms(void);
int	 tl_left_ms(int64_t deadline);
/* A loopback TCP port the kernel just handed out, free again; 0 on error. */
uint16_t tl_free_port(void);
/* True under $VIOS_TEST_WRAPPER: a daemon's RSS is then the wrapper's. */
int	 tl_wrapped(void);

/*
 * Read lines from fd until one contains needle ("" matches any line) and
 * copy it, without its newline and truncated to len - 1, into buf (may be
 * NULL).  Reads byte by byte so later lines stay in fd.  Returns 0, or -1
 * on timeout (ETIMEDOUT), EOF (ENODATA) or error.
 */
int	 tl_wait_line(int fd, const char *needle, int timeout_ms, char *buf,
	    size_t len);

int	 tl_kill(pid_t pid, int sig);
/*
 * SIGSTOP child pid and return once it is stopped (0), or -1: whatever it
 * had not read yet then waits for SIGCONT in one batch.
 */
int	 tl_stop(pid_t pid);
/* Reap pid within the deadline: 0 (status filled, may be NULL) or -1. */
int	 tl_waitpid_timeout(pid_t pid, int timeout_ms, int *status);
/* SIGTERM, wait up to timeout_ms, then SIGKILL and reap; 0 or -1. */
int	 tl_terminate(pid_t pid, int timeout_ms, int *status);
/* Copy a file (a daemon's log) to stderr under a title; errors ignored. */
void	 tl_dump_file(const char *path, const char *title);

/* Bounded polling: 0 once cond(arg) returns non-zero, -1 on timeout. */
int	 tl_wait_for(int (*cond)(void *), void *arg, int timeout_ms);
int	 tl_cond_exists(void *path);	/* a path, for tl_wait_for() */
int	 tl_cond_absent(void *path);

/*
 * Sockets.  Every fd returned is blocking and close-on-exec.  Connects
 * retry ENOENT/ECONNREFUSED/EAGAIN until the deadline (the last error is
 * left in errno).  Reads and writes work on blocking or non-blocking fds
 * and never block past their deadline; writes never raise SIGPIPE.
 * tl_read_full/tl_write_full return 0 or -1 (EOF: ENODATA, timeout:
 * ETIMEDOUT).  tl_read_until_eof returns the byte count at EOF, or -1 on
 * timeout, error, or more than max bytes (EMSGSIZE).  tl_readable returns
 * 1 when fd has data or EOF, 0 when nothing came within timeout_ms;
 * tl_wait_writable likewise for room to write (or an error to report).
 */
int	 tl_unix_connect(const char *path, int timeout_ms);
int	 tl_tcp_listen(uint16_t *port);
int	 tl_tcp_listen_at(uint16_t port);	/* 127.0.0.1:port, or -1 */
int	 tl_tcp_connect(uint16_t port, int timeout_ms);
int	 tl_accept(int lfd, int timeout_ms);
int	 tl_read_full(int fd, void *buf, size_t n, int timeout_ms);
int	 tl_write_full(int fd, const void *buf, size_t n, int timeout_ms);
ssize_t	 tl_read_until_eof(int fd, void *buf, size_t max, int timeout_ms);
int	 tl_readable(int fd, int timeout_ms);
int	 tl_wait_writable(int fd, int timeout_ms);
int	 tl_set_nonblock(int fd, int on);

/*
 * Frames on a channel fd, as a daemon would see them.  A tl_framer keeps
 * the bytes read past the last frame, one per channel.  tl_recv_frame
 * hunts for sync like the daemons (junk and bad versions are skipped and
 * counted), copies at most cap payload bytes (h->len is the real length;
 * the whole frame is consumed) and returns 1, 0 on timeout, -1 on EOF
 * (ENODATA) or error.  tl_send_frame writes one whole frame.
 */
#define TL_FRAMER_CAP	(2 * (VIOS_HDR_LEN + VIOS_MAX_PAYLOAD))

struct tl_framer {
	int		fd;
	size_t		len;
	uint64_t	skipped;	/* bytes dropped while hunting */
	uint8_t		buf[TL_FRAMER_CAP];
};

void	 tl_framer_init(struct tl_framer *f, int fd);
int	 tl_recv_frame(struct tl_framer *f, struct frame_hdr *h, void *payload,
	    size_t cap, int timeout_ms);
int	 tl_send_frame(int fd, uint8_t ctrl, uint32_t g, uint32_t h,
	    const void *payload, uint16_t len);

/*
 * A TCP echo service on 127.0.0.1 (port read back into *port): any number
 * of connections; on a client's EOF it echoes what is left, then shuts
 * down its write side.  Stop it with tl_terminate().
 */
pid_t	 tl_echo_server(uint16_t *port);

/*
 * Data.  tl_pattern fills buf with bytes offset..offset+n-1 of the stream
 * named by seed.  tl_fnv is FNV-1a 64, chained through h (start with
 * TL_FNV_INIT).  tl_pattern_fnv hashes the first n bytes of a stream;
 * tl_read_fnv reads exactly n bytes from fd and hashes them into *h.
 * tl_writer forks a child that writes the first n bytes of the stream to
 * fd and exits 0 (1 on failure); the caller keeps its own fd open.
 */
void	 tl_pattern(uint8_t *buf, size_t n, uint64_t offset, uint32_t seed);
uint64_t tl_fnv(const void *p, size_t n, uint64_t h);
uint64_t tl_pattern_fnv(uint64_t n, uint32_t seed);
int	 tl_read_fnv(int fd, uint64_t n, int timeout_ms, uint64_t *h);
pid_t	 tl_writer(int fd, uint64_t n, uint32_t seed);

/* /proc metrics of a live process; -1 on error. */
long	 tl_proc_rss_kb(pid_t pid);
int	 tl_proc_nfds(pid_t pid);
/* pid holds at most max descriptors within timeout_ms: 0, or -1. */
int	 tl_wait_nfds(pid_t pid, int max, int timeout_ms);
long	 tl_proc_cpu_ms(pid_t pid);

/*
 * Helper children.  tl_fork() is fork() for a child that dies with the
 * test, has default signals and holds only fds 0-2 and the n in keep; it
 * returns 0 in the child, which must end with _exit().  tl_echo_server_at()
 * is tl_echo_server() on a given port: a service that comes back where it
 * was (-1 when the port cannot be bound).
 */
pid_t	 tl_fork(const int *keep, int n);
pid_t	 tl_echo_server_at(uint16_t port);

#endif /* TESTLIB_H */

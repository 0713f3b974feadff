/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testlib.c: the helpers of testlib.h.  Every wait is bounded by a
 * monotonic deadline; the only sleeps are the short pauses of bounded
 * polling (tl_wait_for, connect retries, the waitpid fallback without
 * pidfd).  Children are forked from the test process: they close every
 * fd they were not given, so a test's close() of a socket still means
 * EOF for its peer, and they die with the test (PR_SET_PDEATHSIG).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"
#include "util.h"

#define TL_MS_PER_S	1000
#define TL_NS_PER_MS	1000000L
#define TL_TMPDIR_MAX	48	/* longer $TMPDIR: socket paths overflow */
#define TL_LINE_MAX	1024	/* tl_wait_line: longer lines are truncated */
#define TL_CHUNK	(64 * 1024)	/* bytes per read/pattern chunk */
#define TL_WRITER_MS	60000	/* tl_writer: one chunk may wait this long */
#define TL_FD_LIMIT	65536	/* close loop bound without close_range() */
#define TL_ECHO_MAX	256	/* connections the echo service holds */
#define TL_FNV_PRIME	0x100000001b3ULL

/* --- time ------------------------------------------------------------- */

int64_t
tl_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * TL_MS_PER_S + ts.tv_nsec / TL_NS_PER_MS;
}

static int64_t
tl_deadline(int timeout_ms)
{
	return tl_now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
}

/* Milliseconds left until deadline, never negative. */
static int
tl_left(int64_t deadline)
{
	int64_t	 left = deadline - tl_now_ms();

	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

static void
tl_nap(int ms)
{
	struct timespec	 ts = { ms / TL_MS_PER_S,
	    (ms % TL_MS_PER_S) * TL_NS_PER_MS };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* poll() one fd until deadline: revents, 0 on timeout (ETIMEDOUT), -1. */
static int
tl_poll1(int fd, short events, int64_t deadline)
{
	struct pollfd	 pfd;
	int		 r;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, tl_left(deadline));
		if (r > 0)
			return pfd.revents;
		if (r == 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		if (errno != EINTR)
			return -1;
	}
}

static void
tl_close(int *fd)
{
	int	 saved = errno;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	errno = saved;
}

/* --- directories -------------------------------------------------------- */

char *
tl_tmpdir(const char *tag)
{
	const char	*base = getenv("TMPDIR");
	char		*p;
	int		 saved;

	if (base == NULL || *base == '\0' || strlen(base) > TL_TMPDIR_MAX)
		base = "/tmp";
	if (asprintf(&p, "%s/vios-%s.XXXXXX", base, tag) == -1)
		return NULL;
	if (mkdtemp(p) == NULL) {
		saved = errno;
		free(p);
		errno = saved;
		return NULL;
	}
	return p;
}

static int
tl_rmtree_cb(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	return remove(path) == -1 && errno != ENOENT ? -1 : 0;
}

int
tl_rmtree(const char *path)
{
	struct stat	 st;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, tl_rmtree_cb, 16, FTW_DEPTH | FTW_PHYS);
}

char *
tl_path(const char *dir, const char *name)
{
	char	*p;

	if (asprintf(&p, "%s/%s", dir, name) == -1)
		return NULL;
	return p;
}

/* --- processes ---------------------------------------------------------- */

static int
tl_close_range(unsigned lo, unsigned hi)
{
	unsigned	 fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return 0;
#endif
	for (fd = lo; fd <= hi && fd < TL_FD_LIMIT; fd++)
		close((int)fd);
	return 0;
}

/* In a child: close every fd from 3 up except the n in keep (sorted here). */
static void
tl_close_others(int *keep, int n)
{
	unsigned	 lo = 3;
	int		 i, j, t;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < lo)
			continue;
		if ((unsigned)keep[i] > lo)
			tl_close_range(lo, (unsigned)keep[i] - 1);
		lo = (unsigned)keep[i] + 1;
	}
	tl_close_range(lo, ~0U);
}

/* In a child: die with the parent, default signal dispositions. */
static int
tl_child_init(pid_t parent)
{
	sigset_t	 none;
	int		 sig;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		return -1;
	/* check's handlers (SIGTERM kills the whole test) must not leak in. */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	return 0;
}

/* Make src the child's fd dst, without close-on-exec. */
static int
tl_dup_to(int src, int dst)
{
	if (src != dst)
		return dup2(src, dst) == -1 ? -1 : 0;
	return fcntl(dst, F_SETFD, 0);
}

static void __attribute__((noreturn))
tl_spawn_child(char *const argv[], int in, int out, int errfd, int keep,
    int report, pid_t parent)
{
	int	 e, keepv[2];

	if (tl_child_init(parent) == -1 || tl_dup_to(in, STDIN_FILENO) == -1 ||
	    tl_dup_to(out, STDOUT_FILENO) == -1 ||
	    (errfd >= 0 && tl_dup_to(errfd, STDERR_FILENO) == -1) ||
	    (keep >= 0 && fcntl(keep, F_SETFD, 0) == -1))
		goto fail;
	keepv[0] = keep;
	keepv[1] = report;
	tl_close_others(keepv, 2);
	execvp(argv[0], argv);
fail:
	e = errno;
	if (write(report, &e, sizeof(e)) != sizeof(e))
		_exit(126);
	_exit(127);
}

/* At least 1, so a call past the deadline still polls once. */
int
tl_left_ms(int64_t deadline)
{
	int	 left = tl_left(deadline);

	return left < 1 ? 1 : left;
}

uint16_t
tl_free_port(void)
{
	uint16_t	 port;
	int		 fd;

	if ((fd = tl_tcp_listen(&port)) == -1)
		return 0;
	close(fd);
	return port;
}

int
tl_wrapped(void)
{
	const char	*w = getenv("VIOS_TEST_WRAPPER");

	return w != NULL && *w != '\0';
}

/* True for the daemons under test, the only programs a wrapper runs. */
static int
tl_is_daemon(const char *path)
{
#if defined(HOST_PATH) && defined(GUEST_PATH)
	return strcmp(path, HOST_PATH) == 0 || strcmp(path, GUEST_PATH) == 0;
#else
	return 0;
#endif
}

/*
 * make check-valgrind: the words of $VIOS_TEST_WRAPPER (split on blanks,
 * no quoting) go before a daemon's argv.  *wrapped receives one malloc'd
 * block (vector and words), or NULL when nothing is wrapped; -1 on ENOMEM.
 */
static int
tl_wrap_argv(char *const argv[], char ***wrapped)
{
	const char	*w = getenv("VIOS_TEST_WRAPPER");
	size_t		 na = 0, nw = 0, slen, wmax, i;
	char		**v, *s, *tok, *save;

	*wrapped = NULL;
	if (!tl_wrapped() || !tl_is_daemon(argv[0]))
		return 0;
	while (argv[na] != NULL)
		na++;
	slen = strlen(w) + 1;
	wmax = slen / 2 + 1;
	if ((v = malloc((wmax + na + 1) * sizeof(*v) + slen)) == NULL)
		return -1;
	s = (char *)(v + wmax + na + 1);
	memcpy(s, w, slen);
	for (tok = strtok_r(s, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save))
		v[nw++] = tok;
	for (i = 0; i <= na; i++)
		v[nw + i] = argv[i];
	*wrapped = v;
	return 0;
}

pid_t
tl_spawn_ex(char *const argv[], const struct tl_spawn_opts *o)
{
	int	 in[2] = { -1, -1 }, out[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int	 logfd = -1, e;
	pid_t	 pid = -1, parent = getpid();
	ssize_t	 n;
	char	**wrapped = NULL;

	if (tl_wrap_argv(argv, &wrapped) == -1)
		goto out;
	if (wrapped != NULL)
		argv = wrapped;
	if (o->stdin_fd != NULL) {
		if (pipe2(in, O_CLOEXEC) == -1)
			goto out;
	} else if ((in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		goto out;
	if (o->stdout_fd != NULL && pipe2(out, O_CLOEXEC) == -1)
		goto out;
	if (o->errlog != NULL && (logfd = open(o->errlog,
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) == -1)
		goto out;
	if (pipe2(rep, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		goto out;
	if (pid == 0)
		tl_spawn_child(argv, in[0], out[1] >= 0 ? out[1] :
		    logfd >= 0 ? logfd : STDERR_FILENO, logfd, o->keep_fd,
		    rep[1], parent);
	tl_close(&rep[1]);
	do
		n = read(rep[0], &e, sizeof(e));
	while (n == -1 && errno == EINTR);
	if (n == sizeof(e)) {
		waitpid(pid, NULL, 0);
		pid = -1;
		errno = e;
		goto out;
	}
	if (o->stdin_fd != NULL) {
		*o->stdin_fd = in[1];
		in[1] = -1;
	}
	if (o->stdout_fd != NULL) {
		*o->stdout_fd = out[0];
		out[0] = -1;
	}
out:
	tl_close(&in[0]);
	tl_close(&in[1]);
	tl_close(&out[0]);
	tl_close(&out[1]);
	tl_close(&rep[0]);
	tl_close(&rep[1]);
	tl_close(&logfd);
	free(wrapped);
	return pid;
}

pid_t
tl_spawn(char *const argv[], int *stdout_fd)
{
	struct tl_spawn_opts	 o = { NULL, stdout_fd, NULL, -1 };

	return tl_spawn_ex(argv, &o);
}

#ifdef STANDIN_PATH
pid_t
tl_standin(const char *root, const char *guest, int nch, const char *opt,
    const char *errlog, int *in, int *out)
{
	const char		*argv[6 + TL_STANDIN_CH_MAX];
	char			 names[TL_STANDIN_CH_MAX][16];
	struct tl_spawn_opts	 o = { in, out, errlog, -1 };
	pid_t			 pid;
	int			 i = 0, k;

	if (nch < 0 || nch > TL_STANDIN_CH_MAX) {
		errno = EINVAL;
		return -1;
	}
	argv[i++] = STANDIN_PATH;
	argv[i++] = "--verbose";
	if (opt != NULL)
		argv[i++] = opt;
	argv[i++] = root;
	argv[i++] = guest;
	for (k = 0; k < nch; k++) {
		snprintf(names[k], sizeof(names[k]), "ch%d", k);
		argv[i++] = names[k];
	}
	argv[i] = NULL;
	if ((pid = tl_spawn_ex((char *const *)argv, &o)) == -1)
		return -1;
	if (tl_wait_line(*out, "ready", TL_TIMEOUT_MS, NULL, 0) == -1) {
		(void)tl_terminate(pid, TL_TIMEOUT_MS, NULL);
		if (in != NULL)
			close(*in);
		close(*out);
		return -1;
	}
	return pid;
}
#endif

pid_t
tl_daemon(const char *errlog, const char *prog, const char *diropt,
    const char *dir, uint16_t port, const char *level, const char *opt,
    const char *optarg)
{
	char			 num[8];
	const char		*argv[] = { prog, diropt, dir, "--port", num,
				    "--log-level", level, opt, optarg, NULL };
	struct tl_spawn_opts	 o = { NULL, NULL, errlog, -1 };

	snprintf(num, sizeof(num), "%u", (unsigned)port);
	return tl_spawn_ex((char *const *)argv, &o);
}

int
tl_kill_reap(pid_t pid)
{
	int	 st;

	if (tl_kill(pid, SIGKILL) == -1 ||
	    tl_waitpid_timeout(pid, TL_TIMEOUT_MS, &st) == -1)
		return -1;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? 0 : -1;
}

int
tl_wait_line(int fd, const char *needle, int timeout_ms, char *buf,
    size_t len)
{
	char	 line[TL_LINE_MAX];
	int64_t	 deadline = tl_deadline(timeout_ms);
	size_t	 n = 0;
	ssize_t	 r;
	char	 c;

	for (;;) {
		if (tl_poll1(fd, POLLIN, deadline) <= 0)
			return -1;
		r = read(fd, &c, 1);
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r == -1)
			return -1;
		if (r == 0) {
			errno = ENODATA;
			return -1;
		}
		if (c != '\n') {
			if (n < sizeof(line) - 1)
				line[n++] = c;
			continue;
		}
		line[n] = '\0';
		if (strstr(line, needle) != NULL) {
			if (buf != NULL && len > 0)
				snprintf(buf, len, "%s", line);
			return 0;
		}
		n = 0;
	}
}

int
tl_kill(pid_t pid, int sig)
{
	return kill(pid, sig);
}

int
tl_stop(pid_t pid)
{
	int	 st;
	pid_t	 r;

	if (kill(pid, SIGSTOP) == -1)
		return -1;
	/* Stopping is immediate once the signal is delivered. */
	while ((r = waitpid(pid, &st, WUNTRACED)) == -1 && errno == EINTR)
		;
	return r == pid && WIFSTOPPED(st) ? 0 : -1;
}

int
tl_waitpid_timeout(pid_t pid, int timeout_ms, int *status)
{
	int64_t	 deadline = tl_deadline(timeout_ms);
	int	 pfd = -1, st, rc = -1;
	pid_t	 r;

#ifdef SYS_pidfd_open
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			if (status != NULL)
				*status = st;
			rc = 0;
			break;
		}
		if (r == -1 && errno != EINTR)
			break;
		if (tl_left(deadline) == 0) {
			errno = ETIMEDOUT;
			break;
		}
		/* Without a pidfd (kernel < 5.3): bounded polling. */
		if (pfd < 0)
			tl_nap(10);
		else if (tl_poll1(pfd, POLLIN, deadline) == -1)
			break;
	}
	tl_close(&pfd);
	return rc;
}

int
tl_terminate(pid_t pid, int timeout_ms, int *status)
{
	if (kill(pid, SIGTERM) == -1 && errno != ESRCH)
		return -1;
	if (tl_waitpid_timeout(pid, timeout_ms, status) == 0)
		return 0;
	kill(pid, SIGKILL);
	tl_waitpid_timeout(pid, TL_TIMEOUT_MS, status);
	errno = ETIMEDOUT;
	return -1;
}

void
tl_dump_file(const char *path, const char *title)
{
	char	 buf[4096];
	ssize_t	 n;
	int	 fd;

	if (path == NULL)
		return;
	fprintf(stderr, "---- %s: %s ----\n", title, path);
	fflush(stderr);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDERR_FILENO, buf, (size_t)n) != n)
			break;
	close(fd);
	fprintf(stderr, "---- end of %s ----\n", path);
}

int
tl_wait_for(int (*cond)(void *), void *arg, int timeout_ms)
{
	int64_t	 deadline = tl_deadline(timeout_ms);
	int	 left;

	for (;;) {
		if (cond(arg))
			return 0;
		if ((left = tl_left(deadline)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		tl_nap(left < TL_POLL_MS ? left : TL_POLL_MS);
	}
}

int
tl_cond_exists(void *path)
{
	struct stat	 st;

	return lstat(path, &st) == 0;
}

int
tl_cond_absent(void *path)
{
	struct stat	 st;

	return lstat(path, &st) == -1 && errno == ENOENT;
}

/* --- sockets ------------------------------------------------------------ */

int
tl_set_nonblock(int fd, int on)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

int
tl_unix_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un	 sun;
	int64_t			 deadline = tl_deadline(timeout_ms);
	int			 fd, saved;

	if (util_sockaddr_un(&sun, path) == -1)
		return -1;
	for (;;) {
		/* Non-blocking: a full backlog is EAGAIN, not a hang. */
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		saved = errno;
		tl_close(&fd);
		errno = saved;
		if ((saved != ENOENT && saved != ECONNREFUSED &&
		    saved != EAGAIN) || tl_left(deadline) == 0)
			return -1;
		tl_nap(TL_POLL_MS);
	}
	if (tl_set_nonblock(fd, 0) == -1) {
		tl_close(&fd);
		return -1;
	}
	return fd;
}

int
tl_tcp_listen_at(uint16_t port)
{
	struct sockaddr_in	 sin;
	int			 fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		tl_close(&fd);
		return -1;
	}
	return fd;
}

int
tl_tcp_listen(uint16_t *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	int			 fd;

	if ((fd = tl_tcp_listen_at(0)) == -1)
		return -1;
	if (getsockname(fd, (struct sockaddr *)&sin, &slen) == -1) {
		tl_close(&fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

int
tl_tcp_connect(uint16_t port, int timeout_ms)
{
	struct sockaddr_in	 sin;
	int64_t			 deadline = tl_deadline(timeout_ms);
	socklen_t		 elen;
	int			 fd, err, rev, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	for (;;) {
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1)
			return -1;
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			break;
		if (errno == EINPROGRESS) {
			if ((rev = tl_poll1(fd, POLLOUT, deadline)) <= 0) {
				tl_close(&fd);
				return -1;
			}
			elen = sizeof(err);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &elen) == -1)
				err = errno;
			if (err == 0)
				break;
			errno = err;
		}
		err = errno;
		tl_close(&fd);
		errno = err;
		if (err != ECONNREFUSED || tl_left(deadline) == 0)
			return -1;
		tl_nap(TL_POLL_MS);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (tl_set_nonblock(fd, 0) == -1) {
		tl_close(&fd);
		return -1;
	}
	return fd;
}

int
tl_accept(int lfd, int timeout_ms)
{
	int	 fd;

	if (tl_poll1(lfd, POLLIN, tl_deadline(timeout_ms)) <= 0)
		return -1;
	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd == -1 && errno == EINTR);
	return fd;
}

int
tl_read_full(int fd, void *buf, size_t n, int timeout_ms)
{
	int64_t	 deadline = tl_deadline(timeout_ms);
	uint8_t	*p = buf;
	ssize_t	 r;

	while (n > 0) {
		/* After POLLIN a read() returns at once, blocking fd or not. */
		if (tl_poll1(fd, POLLIN, deadline) <= 0)
			return -1;
		r = read(fd, p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r == 0) {
			errno = ENODATA;
			return -1;
		} else if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * Write what fits now.  Sockets: MSG_DONTWAIT | MSG_NOSIGNAL.  Pipes:
 * POLLOUT promises room for PIPE_BUF bytes; SIGPIPE is held and eaten.
 */
static ssize_t
tl_write_some(int fd, const void *p, size_t n)
{
	struct timespec	 zero = { 0, 0 };
	sigset_t	 set, old;
	ssize_t		 r;
	int		 e;

	r = send(fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r != -1 || errno != ENOTSOCK)
		return r;
	if (n > PIPE_BUF)
		n = PIPE_BUF;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, &old);
	r = write(fd, p, n);
	e = errno;
	if (r == -1 && e == EPIPE)
		sigtimedwait(&set, NULL, &zero);
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return r;
}

int
tl_write_full(int fd, const void *buf, size_t n, int timeout_ms)
{
	int64_t		 deadline = tl_deadline(timeout_ms);
	const uint8_t	*p = buf;
	ssize_t		 r;

	while (n > 0) {
		if (tl_poll1(fd, POLLOUT, deadline) <= 0)
			return -1;
		r = tl_write_some(fd, p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
	return 0;
}

ssize_t
tl_read_until_eof(int fd, void *buf, size_t max, int timeout_ms)
{
	int64_t	 deadline = tl_deadline(timeout_ms);
	uint8_t	*p = buf, spill;
	size_t	 got = 0;
	ssize_t	 r;

	for (;;) {
		if (tl_poll1(fd, POLLIN, deadline) <= 0)
			return -1;
		if (got < max)
			r = read(fd, p + got, max - got);
		else
			r = read(fd, &spill, 1);
		if (r == 0)
			return (ssize_t)got;
		if (r > 0 && got == max) {
			errno = EMSGSIZE;
			return -1;
		}
		if (r > 0)
			got += (size_t)r;
		else if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

int
tl_readable(int fd, int timeout_ms)
{
	int	 rev = tl_poll1(fd, POLLIN, tl_deadline(timeout_ms));

	return rev > 0 ? 1 : rev;
}

int
tl_wait_writable(int fd, int timeout_ms)
{
	int	 rev = tl_poll1(fd, POLLOUT, tl_deadline(timeout_ms));

	return rev > 0 ? 1 : rev;
}

/* --- frames ------------------------------------------------------------- */

void
tl_framer_init(struct tl_framer *f, int fd)
{
	f->fd = fd;
	f->len = 0;
	f->skipped = 0;
}

/* Drop junk before the first possible header; 1 when a frame is whole. */
static int
tl_framer_hunt(struct tl_framer *f, struct frame_hdr *h)
{
	const uint8_t	*v;
	size_t		 i = 0;
	enum frame_parse r = FRAME_SHORT;

	while (i < f->len) {
		if ((v = memchr(f->buf + i, VIOS_SYNC0, f->len - i)) == NULL) {
			i = f->len;
			break;
		}
		i = (size_t)(v - f->buf);
		if ((r = frame_hdr_parse(f->buf + i, f->len - i, h)) !=
		    FRAME_BAD)
			break;
		i++;
	}
	if (i > 0) {
		memmove(f->buf, f->buf + i, f->len - i);
		f->len -= i;
		f->skipped += i;
	}
	return f->len > 0 && r == FRAME_OK &&
	    f->len >= (size_t)VIOS_HDR_LEN + h->len;
}

int
tl_recv_frame(struct tl_framer *f, struct frame_hdr *h, void *payload,
    size_t cap, int timeout_ms)
{
	int64_t	 deadline = tl_deadline(timeout_ms);
	size_t	 take, whole;
	ssize_t	 r;
	int	 rev;

	for (;;) {
		if (tl_framer_hunt(f, h)) {
			whole = VIOS_HDR_LEN + (size_t)h->len;
			take = h->len < cap ? h->len : cap;
			if (take > 0)
				memcpy(payload, f->buf + VIOS_HDR_LEN, take);
			memmove(f->buf, f->buf + whole, f->len - whole);
			f->len -= whole;
			return 1;
		}
		if ((rev = tl_poll1(f->fd, POLLIN, deadline)) <= 0)
			return rev;
		r = read(f->fd, f->buf + f->len, sizeof(f->buf) - f->len);
		if (r > 0)
			f->len += (size_t)r;
		else if (r == 0) {
			errno = ENODATA;
			return -1;
		} else if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

int
tl_send_frame(int fd, uint8_t ctrl, uint32_t g, uint32_t h,
    const void *payload, uint16_t len)
{
	uint8_t			 buf[VIOS_HDR_LEN + VIOS_MAX_PAYLOAD];
	struct frame_hdr	 hdr;

	hdr.ctrl = ctrl;
	hdr.gtok = g;
	hdr.htok = h;
	hdr.len = len;
	frame_hdr_encode(buf, &hdr);
	if (len > 0)
		memcpy(buf + VIOS_HDR_LEN, payload, len);
	return tl_write_full(fd, buf, VIOS_HDR_LEN + (size_t)len,
	    TL_TIMEOUT_MS);
}

/* --- echo service ------------------------------------------------------- */

struct tl_echo_conn {
	int		fd;
	size_t		off;
	size_t		len;
	int		eof;
	uint8_t		buf[TL_CHUNK];
};

/* One step of a connection; -1 when it is finished (then closed). */
static int
tl_echo_step(struct tl_echo_conn *c)
{
	ssize_t	 r;

	if (c->len > c->off) {
		r = send(c->fd, c->buf + c->off, c->len - c->off,
		    MSG_NOSIGNAL);
		if (r == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->off += (size_t)r;
		if (c->off == c->len)
			c->off = c->len = 0;
	} else {
		r = read(c->fd, c->buf, sizeof(c->buf));
		if (r == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (r == 0)
			c->eof = 1;
		c->len = (size_t)r;
	}
	if (c->eof && c->len == 0) {
		shutdown(c->fd, SHUT_WR);
		return -1;
	}
	return 0;
}

static void __attribute__((noreturn))
tl_echo_loop(int lfd)
{
	struct tl_echo_conn	*c[TL_ECHO_MAX];
	struct pollfd		 pfd[TL_ECHO_MAX + 1];
	int			 n = 0, i, fd;

	for (;;) {
		pfd[0].fd = n < TL_ECHO_MAX ? lfd : -1;
		pfd[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			pfd[i + 1].fd = c[i]->fd;
			pfd[i + 1].events = c[i]->len > c[i]->off ?
			    POLLOUT : POLLIN;
		}
		if (poll(pfd, (nfds_t)n + 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		/* Backwards: a finished slot takes the (handled) last one. */
		for (i = n - 1; i >= 0; i--) {
			if (pfd[i + 1].revents == 0 || tl_echo_step(c[i]) == 0)
				continue;
			close(c[i]->fd);
			free(c[i]);
			c[i] = c[--n];
		}
		if ((pfd[0].revents & POLLIN) == 0)
			continue;
		if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) == -1)
			continue;
		if ((c[n] = calloc(1, sizeof(*c[n]))) == NULL) {
			close(fd);
			continue;
		}
		c[n++]->fd = fd;
	}
}

pid_t
tl_echo_server(uint16_t *port)
{
	int		 p[2], lfd, keep[2];
	uint16_t	 got = 0;
	pid_t		 pid, parent = getpid();

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		tl_close(&p[0]);
		tl_close(&p[1]);
		return -1;
	}
	if (pid == 0) {
		if (tl_child_init(parent) == -1 ||
		    (lfd = tl_tcp_listen(&got)) == -1)
			_exit(1);
		keep[0] = p[1];
		keep[1] = lfd;
		tl_close_others(keep, 2);
		if (write(p[1], &got, sizeof(got)) != sizeof(got))
			_exit(1);
		close(p[1]);
		tl_echo_loop(lfd);
	}
	tl_close(&p[1]);
	if (tl_read_full(p[0], &got, sizeof(got), TL_TIMEOUT_MS) == -1 ||
	    got == 0) {
		tl_close(&p[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	tl_close(&p[0]);
	*port = got;
	return pid;
}

/* --- data --------------------------------------------------------------- */

/* splitmix64's finaliser: each 8-byte word of a stream is mix(index). */
static uint64_t
tl_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void
tl_pattern(uint8_t *buf, size_t n, uint64_t offset, uint32_t seed)
{
	uint64_t	 pos = offset, word = 0;
	size_t		 i;

	for (i = 0; i < n; i++, pos++) {
		if (i == 0 || (pos & 7) == 0)
			word = tl_mix((pos >> 3) + ((uint64_t)seed << 40));
		buf[i] = (uint8_t)(word >> (8 * (pos & 7)));
	}
}

uint64_t
tl_fnv(const void *p, size_t n, uint64_t h)
{
	const uint8_t	*b = p;

	while (n-- > 0) {
		h ^= *b++;
		h *= TL_FNV_PRIME;
	}
	return h;
}

uint64_t
tl_pattern_fnv(uint64_t n, uint32_t seed)
{
	uint8_t		 buf[TL_CHUNK];
	uint64_t	 off, h = TL_FNV_INIT;
	size_t		 k;

	for (off = 0; off < n; off += k) {
		k = n - off < sizeof(buf) ? (size_t)(n - off) : sizeof(buf);
		tl_pattern(buf, k, off, seed);
		h = tl_fnv(buf, k, h);
	}
	return h;
}

int
tl_read_fnv(int fd, uint64_t n, int timeout_ms, uint64_t *h)
{
	uint8_t		 buf[TL_CHUNK];
	int64_t		 deadline = tl_deadline(timeout_ms);
	size_t		 k;
	ssize_t		 r;

	*h = TL_FNV_INIT;
	while (n > 0) {
		if (tl_poll1(fd, POLLIN, deadline) <= 0)
			return -1;
		k = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		r = read(fd, buf, k);
		if (r > 0) {
			*h = tl_fnv(buf, (size_t)r, *h);
			n -= (uint64_t)r;
		} else if (r == 0) {
			errno = ENODATA;
			return -1;
		} else if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
	return 0;
}

pid_t
tl_writer(int fd, uint64_t n, uint32_t seed)
{
	uint8_t		*buf;
	uint64_t	 off;
	size_t		 k;
	pid_t		 pid, parent = getpid();

	if ((pid = fork()) != 0)
		return pid;
	if (tl_child_init(parent) == -1 || (buf = malloc(TL_CHUNK)) == NULL)
		_exit(1);
	tl_close_others(&fd, 1);
	for (off = 0; off < n; off += k) {
		k = n - off < TL_CHUNK ? (size_t)(n - off) : TL_CHUNK;
		tl_pattern(buf, k, off, seed);
		if (tl_write_full(fd, buf, k, TL_WRITER_MS) == -1)
			_exit(1);
	}
	_exit(0);
}

/* --- /proc -------------------------------------------------------------- */

long
tl_proc_rss_kb(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 kb = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	if (kb < 0)
		errno = ESRCH;		/* a zombie has no VmRSS */
	return kb;
}

int
tl_proc_nfds(pid_t pid)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

long
tl_proc_cpu_ms(pid_t pid)
{
	char		 path[64], buf[1024], *p;
	unsigned long	 ut, st;
	long		 tck = sysconf(_SC_CLK_TCK);
	ssize_t		 n;
	int		 fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || tck <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may hold anything: fields resume after the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1,
	    " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2) {
		errno = EINVAL;
		return -1;
	}
	return (long)((ut + st) * TL_MS_PER_S / (unsigned long)tck);
}

/* --- helper children ---------------------------------------------------- */

#define TL_KEEP_MAX	8	/* fds a tl_fork() child may keep */

pid_t
tl_fork(const int *keep, int n)
{
	int	 kv[TL_KEEP_MAX];
	pid_t	 pid, parent = getpid();

	if (n < 0 || n > TL_KEEP_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((pid = fork()) != 0)
		return pid;
	if (tl_child_init(parent) == -1)
		_exit(1);
	if (n > 0)
		memcpy(kv, keep, (size_t)n * sizeof(kv[0]));
	tl_close_others(kv, n);
	return 0;
}

struct tl_nfds {
	pid_t	 pid;
	int	 max;
};

static int
tl_nfds_at_most(void *arg)
{
	const struct tl_nfds	*n = arg;
	int			 cur = tl_proc_nfds(n->pid);

	return cur >= 0 && cur <= n->max;
}

int
tl_wait_nfds(pid_t pid, int max, int timeout_ms)
{
	struct tl_nfds	 n = { pid, max };

	return tl_wait_for(tl_nfds_at_most, &n, timeout_ms);
}

pid_t
tl_echo_server_at(uint16_t port)
{
	pid_t	 pid;
	int	 lfd;

	if ((lfd = tl_tcp_listen_at(port)) == -1)
		return -1;
	if ((pid = tl_fork(&lfd, 1)) == -1) {
		tl_close(&lfd);
		return -1;
	}
	if (pid == 0)
		tl_echo_loop(lfd);
	tl_close(&lfd);
	return pid;
}

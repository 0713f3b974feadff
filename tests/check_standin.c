/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_standin.c: the QEMU stand-in (tests/standin) checked against the
 * virtio-serial behaviour it imitates, plus the testlib helpers that the
 * integration suites build on.  Each case starts its own stand-in on a
 * fresh temporary directory; it dies with the case if an assertion fails.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkmain.h"
#include "testlib.h"

#ifndef STANDIN_PATH
#error "STANDIN_PATH must name the built stand-in"
#endif

#define QUIET_MS	200		/* "nothing arrives" is judged in ms */
#define BULK_BYTES	(8u << 20)	/* each way, in the bulk case */
#define BULK_MS		25000
#define STALE_MAX	(4u << 20)	/* bytes taken without a reader */
#define CHUNK		4096
#define TMP_MAX_LEN	256		/* a temporary directory's path */

struct fix {
	char	 dir[TMP_MAX_LEN];
	char	 root[TMP_MAX_LEN + 16];	/* HOSTROOT */
	char	 log[TMP_MAX_LEN + 16];
	pid_t	 pid;
	int	 in;			/* the stand-in's stdin */
	int	 out;			/* its stdout */
};

static void
fix_start(struct fix *f, const char *opt)
{
	const char		*argv[8];
	struct tl_spawn_opts	 o = { &f->in, &f->out, NULL, -1 };
	char			*dir;
	int			 i = 0;

	if (f->dir[0] == '\0') {
		ck_assert_ptr_nonnull(dir = tl_tmpdir("standin"));
		snprintf(f->dir, sizeof(f->dir), "%s", dir);
		snprintf(f->root, sizeof(f->root), "%s/host", dir);
		snprintf(f->log, sizeof(f->log), "%s/standin.log", dir);
		free(dir);
	}
	o.errlog = f->log;
	argv[i++] = STANDIN_PATH;
	argv[i++] = "--verbose";
	if (opt != NULL)
		argv[i++] = opt;
	argv[i++] = f->root;
	argv[i++] = "g1";
	argv[i++] = "ch0";
	argv[i++] = "ch1";
	argv[i] = NULL;
	f->pid = tl_spawn_ex((char *const *)argv, &o);
	ck_assert_int_gt(f->pid, 0);
	TL_ASSERT_LOG(tl_wait_line(f->out, "ready", TL_TIMEOUT_MS, NULL, 0) ==
	    0, f->log);
}

static void
fix_stop(struct fix *f)
{
	int	 st;

	TL_ASSERT_LOG(tl_terminate(f->pid, TL_TIMEOUT_MS, &st) == 0, f->log);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(f->in);
	close(f->out);
	ck_assert_int_eq(tl_rmtree(f->dir), 0);
}

static void
host_path(struct fix *f, const char *ch, char *buf, size_t len)
{
	snprintf(buf, len, "%s/g1/%s", f->root, ch);
}

static void
guest_path(struct fix *f, const char *ch, char *buf, size_t len)
{
	snprintf(buf, len, "%s.guest/g1/%s", f->root, ch);
}

/* Connect as the host daemon would. */
static int
hconn(struct fix *f, const char *ch)
{
	char	 p[PATH_MAX];
	int	 fd;

	host_path(f, ch, p, sizeof(p));
	fd = tl_unix_connect(p, TL_TIMEOUT_MS);
	TL_ASSERT_LOG(fd >= 0, f->log);
	return fd;
}

/* Connect as the guest daemon would (in place of open()). */
static int
gconn(struct fix *f, const char *ch)
{
	char	 p[PATH_MAX];
	int	 fd;

	guest_path(f, ch, p, sizeof(p));
	fd = tl_unix_connect(p, TL_TIMEOUT_MS);
	TL_ASSERT_LOG(fd >= 0, f->log);
	return fd;
}

/* Send a command line, return its reply line in reply. */
static void
fix_cmd(struct fix *f, const char *cmd, char *reply, size_t len)
{
	ck_assert_int_eq(tl_write_full(f->in, cmd, strlen(cmd),
	    TL_TIMEOUT_MS), 0);
	ck_assert_int_eq(tl_write_full(f->in, "\n", 1, TL_TIMEOUT_MS), 0);
	TL_ASSERT_LOG(tl_wait_line(f->out, "", TL_TIMEOUT_MS, reply, len) == 0,
	    f->log);
}

static void
put(int fd, const char *s)
{
	ck_assert_int_eq(tl_write_full(fd, s, strlen(s), TL_TIMEOUT_MS), 0);
}

static void
expect(struct fix *f, int fd, const char *s)
{
	char	 buf[256];
	size_t	 n = strlen(s);

	TL_ASSERT_LOG(tl_read_full(fd, buf, n, TL_TIMEOUT_MS) == 0, f->log);
	ck_assert_mem_eq(buf, s, n);
}

/* The stand-in hung up on fd (EOF with nothing before it). */
static void
expect_eof(struct fix *f, int fd)
{
	char	 buf[64];

	TL_ASSERT_LOG(tl_read_until_eof(fd, buf, sizeof(buf), TL_TIMEOUT_MS) ==
	    0, f->log);
}

START_TEST(t_relay)
{
	struct fix	 f = { .pid = -1 };
	int		 h0, g0, h1, g1;

	fix_start(&f, NULL);
	h0 = hconn(&f, "ch0");
	g0 = gconn(&f, "ch0");
	h1 = hconn(&f, "ch1");
	g1 = gconn(&f, "ch1");
	put(h0, "hello");
	expect(&f, g0, "hello");
	put(g0, "world");
	expect(&f, h0, "world");
	put(g1, "one");
	expect(&f, h1, "one");
	put(h1, "two");
	expect(&f, g1, "two");
	ck_assert_int_eq(tl_readable(g0, QUIET_MS), 0);
	ck_assert_int_eq(tl_readable(h0, 0), 0);
	close(h0);
	close(g0);
	close(h1);
	close(g1);
	fix_stop(&f);
}
END_TEST

/*
 * Write the stream seed into fd until the peer stops taking it (no room
 * for QUIET_MS); returns the byte count, at most STALE_MAX.
 */
static size_t
fill(int fd, uint32_t seed)
{
	uint8_t	 buf[CHUNK];
	size_t	 total = 0;
	ssize_t	 r;

	for (;;) {
		tl_pattern(buf, sizeof(buf), total, seed);
		r = send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0)
			total += (size_t)r;
		else {
			ck_assert_int_eq(errno, EAGAIN);
			if (tl_wait_writable(fd, QUIET_MS) == 0)
				break;
		}
		ck_assert_uint_lt(total, STALE_MAX);
	}
	return total;
}

/* b1, b2: with no guest the host fills the socket buffer, then EAGAIN. */
START_TEST(t_stale_host_bytes)
{
	struct fix	 f = { .pid = -1 };
	uint64_t	 h;
	size_t		 total;
	int		 hc, gc;

	fix_start(&f, NULL);
	hc = hconn(&f, "ch0");
	put(hc, "stale-1|");
	total = fill(hc, 7);
	ck_assert_uint_gt(total, 0);
	gc = gconn(&f, "ch0");
	expect(&f, gc, "stale-1|");
	TL_ASSERT_LOG(tl_read_fnv(gc, total, TL_TIMEOUT_MS, &h) == 0, f.log);
	ck_assert(h == tl_pattern_fnv(total, 7));
	close(hc);
	close(gc);
	fix_stop(&f);
}
END_TEST

/* c1, 4: a guest close is invisible to the host; its bytes still arrive. */
START_TEST(t_guest_close)
{
	struct fix	 f = { .pid = -1 };
	uint64_t	 h;
	size_t		 total;
	int		 hc, gc;

	fix_start(&f, NULL);
	hc = hconn(&f, "ch0");
	gc = gconn(&f, "ch0");
	put(gc, "one.");
	close(gc);
	expect(&f, hc, "one.");
	ck_assert_int_eq(tl_readable(hc, QUIET_MS), 0);
	put(hc, "later|");
	gc = gconn(&f, "ch0");
	expect(&f, gc, "later|");
	put(gc, "two.");
	expect(&f, hc, "two.");

	/* Bytes still queued in the guest's socket when it closes. */
	total = fill(gc, 3);
	close(gc);
	gc = gconn(&f, "ch0");		/* the port is free at once */
	TL_ASSERT_LOG(tl_read_fnv(hc, total, TL_TIMEOUT_MS, &h) == 0, f.log);
	ck_assert(h == tl_pattern_fnv(total, 3));
	put(hc, "x");
	expect(&f, gc, "x");
	close(hc);
	close(gc);
	fix_stop(&f);
}
END_TEST

/* c4: a second host client waits until the first goes away. */
START_TEST(t_host_queue)
{
	struct fix	 f = { .pid = -1 };
	int		 h1, h2, gc;

	fix_start(&f, NULL);
	h1 = hconn(&f, "ch0");
	put(h1, "first.");
	gc = gconn(&f, "ch0");
	expect(&f, gc, "first.");
	h2 = hconn(&f, "ch0");
	put(h2, "second.");
	ck_assert_int_eq(tl_readable(gc, QUIET_MS), 0);
	put(gc, "to-h1.");
	expect(&f, h1, "to-h1.");
	shutdown(h1, SHUT_WR);
	expect_eof(&f, h1);
	expect(&f, gc, "second.");
	put(gc, "to-h2.");
	expect(&f, h2, "to-h2.");
	close(h1);
	close(h2);
	close(gc);
	fix_stop(&f);
}
END_TEST

/* c2, 5a: a host half-close loses nothing; the guest sees no EOF. */
START_TEST(t_host_reconnect)
{
	struct fix	 f = { .pid = -1 };
	uint8_t		 buf[64 * 1024];
	uint64_t	 h;
	int		 h1, h2, gc;

	fix_start(&f, NULL);
	gc = gconn(&f, "ch0");
	h1 = hconn(&f, "ch0");
	tl_pattern(buf, sizeof(buf), 0, 5);
	ck_assert_int_eq(tl_write_full(h1, buf, sizeof(buf), TL_TIMEOUT_MS), 0);
	shutdown(h1, SHUT_WR);
	expect_eof(&f, h1);
	TL_ASSERT_LOG(tl_read_fnv(gc, sizeof(buf), TL_TIMEOUT_MS, &h) == 0,
	    f.log);
	ck_assert(h == tl_pattern_fnv(sizeof(buf), 5));
	ck_assert_int_eq(tl_readable(gc, QUIET_MS), 0);
	h2 = hconn(&f, "ch0");
	put(h2, "B.");
	expect(&f, gc, "B.");
	put(gc, "still-works.");
	expect(&f, h2, "still-works.");
	close(h1);
	close(h2);
	close(gc);
	fix_stop(&f);
}
END_TEST

/* b3, 5a: a host client's close() drops what the stand-in had not read. */
START_TEST(t_host_hangup)
{
	struct fix	 f = { .pid = -1 };
	int		 h1, h2, gc;

	fix_start(&f, NULL);
	h1 = hconn(&f, "ch0");
	put(h1, "A.");
	close(h1);
	h2 = hconn(&f, "ch0");
	put(h2, "B.");
	gc = gconn(&f, "ch0");
	expect(&f, gc, "B.");
	put(gc, "to-b.");
	expect(&f, h2, "to-b.");
	close(h2);
	close(gc);
	fix_stop(&f);
}
END_TEST

/* d: one opener at a time; a second one gets EOF at once. */
START_TEST(t_guest_busy)
{
	struct fix	 f = { .pid = -1 };
	int		 g1, g2, hc;

	fix_start(&f, NULL);
	g1 = gconn(&f, "ch0");
	g2 = gconn(&f, "ch0");
	expect_eof(&f, g2);
	hc = hconn(&f, "ch0");
	put(hc, "x");
	expect(&f, g1, "x");
	close(g1);
	close(g2);
	close(hc);
	fix_stop(&f);
}
END_TEST

START_TEST(t_bulk)
{
	struct fix	 f = { .pid = -1 };
	uint64_t	 hg, hh;
	pid_t		 wh, wg;
	int		 hc, gc, st;

	fix_start(&f, NULL);
	hc = hconn(&f, "ch0");
	gc = gconn(&f, "ch0");
	ck_assert_int_gt(wh = tl_writer(hc, BULK_BYTES, 1), 0);
	ck_assert_int_gt(wg = tl_writer(gc, BULK_BYTES, 2), 0);
	TL_ASSERT_LOG(tl_read_fnv(gc, BULK_BYTES, BULK_MS, &hg) == 0, f.log);
	TL_ASSERT_LOG(tl_read_fnv(hc, BULK_BYTES, BULK_MS, &hh) == 0, f.log);
	ck_assert(hg == tl_pattern_fnv(BULK_BYTES, 1));
	ck_assert(hh == tl_pattern_fnv(BULK_BYTES, 2));
	ck_assert_int_eq(tl_waitpid_timeout(wh, TL_TIMEOUT_MS, &st), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(tl_waitpid_timeout(wg, TL_TIMEOUT_MS, &st), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_gt(tl_proc_rss_kb(f.pid), 0);
	ck_assert_int_gt(tl_proc_nfds(f.pid), 0);
	ck_assert_int_ge(tl_proc_cpu_ms(f.pid), 0);
	close(hc);
	close(gc);
	fix_stop(&f);
}
END_TEST

/* f: hot-plug through stdin commands. */
START_TEST(t_commands)
{
	struct fix	 f = { .pid = -1 };
	char		 r[256], hp[PATH_MAX], gp[PATH_MAX];
	int		 hc, gc, h0, h0b, g0;

	fix_start(&f, NULL);
	host_path(&f, "ch9", hp, sizeof(hp));
	guest_path(&f, "ch9", gp, sizeof(gp));
	fix_cmd(&f, "add ch9", r, sizeof(r));
	ck_assert_str_eq(r, "ok");
	ck_assert(tl_cond_exists(hp) && tl_cond_exists(gp));
	hc = hconn(&f, "ch9");
	gc = gconn(&f, "ch9");
	put(hc, "x");
	expect(&f, gc, "x");
	fix_cmd(&f, "add ch9", r, sizeof(r));
	ck_assert_str_eq(r, "error add ch9: exists");
	fix_cmd(&f, "del ch9", r, sizeof(r));
	ck_assert_str_eq(r, "ok");
	expect_eof(&f, gc);
	expect_eof(&f, hc);
	ck_assert(tl_cond_absent(hp) && tl_cond_absent(gp));
	fix_cmd(&f, "del ch9", r, sizeof(r));
	ck_assert_str_eq(r, "error del ch9: no such channel");
	fix_cmd(&f, "hup ch0", r, sizeof(r));
	ck_assert_str_eq(r, "error hup ch0: no host client");
	fix_cmd(&f, "add a/b", r, sizeof(r));
	ck_assert_str_eq(r, "error add a/b: bad channel name");
	fix_cmd(&f, "frob ch0", r, sizeof(r));
	ck_assert_str_eq(r, "error unknown command: frob");
	fix_cmd(&f, "add", r, sizeof(r));
	ck_assert_str_eq(r, "error usage: add|del|hup CHANNEL");

	h0 = hconn(&f, "ch0");
	g0 = gconn(&f, "ch0");
	put(h0, "y");
	expect(&f, g0, "y");
	h0b = hconn(&f, "ch0");
	fix_cmd(&f, "hup ch0", r, sizeof(r));
	ck_assert_str_eq(r, "ok");
	expect_eof(&f, h0);
	put(h0b, "z");
	expect(&f, g0, "z");
	close(hc);
	close(gc);
	close(h0);
	close(h0b);
	close(g0);
	fix_stop(&f);
}
END_TEST

static int
all_paths(struct fix *f, int (*cond)(void *))
{
	static const char *const chans[] = { "ch0", "ch1" };
	char	 p[PATH_MAX];
	size_t	 i;

	for (i = 0; i < sizeof(chans) / sizeof(chans[0]); i++) {
		host_path(f, chans[i], p, sizeof(p));
		if (!cond(p))
			return 0;
		guest_path(f, chans[i], p, sizeof(p));
		if (!cond(p))
			return 0;
	}
	return 1;
}

/* A clean exit removes the sockets; SIGKILL leaves them stale. */
START_TEST(t_signals)
{
	struct fix	 f = { .pid = -1 };
	char		 p[PATH_MAX];
	int		 st, hc, gc;

	fix_start(&f, NULL);
	ck_assert(all_paths(&f, tl_cond_exists));
	ck_assert_int_eq(tl_kill(f.pid, SIGTERM), 0);
	ck_assert_int_eq(tl_waitpid_timeout(f.pid, TL_TIMEOUT_MS, &st), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert(all_paths(&f, tl_cond_absent));
	close(f.in);
	close(f.out);

	fix_start(&f, NULL);
	ck_assert_int_eq(tl_kill(f.pid, SIGKILL), 0);
	ck_assert_int_eq(tl_waitpid_timeout(f.pid, TL_TIMEOUT_MS, &st), 0);
	ck_assert(WIFSIGNALED(st));
	ck_assert(all_paths(&f, tl_cond_exists));
	host_path(&f, "ch0", p, sizeof(p));
	ck_assert_int_eq(tl_unix_connect(p, 0), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	close(f.in);
	close(f.out);

	fix_start(&f, NULL);		/* over the stale files */
	hc = hconn(&f, "ch0");
	gc = gconn(&f, "ch0");
	put(hc, "fresh");
	expect(&f, gc, "fresh");
	close(hc);
	close(gc);
	fix_stop(&f);
}
END_TEST

/* --hup-guest: no host means EOF for the guest. */
START_TEST(t_hup_guest)
{
	struct fix	 f = { .pid = -1 };
	char		 buf[16];
	int		 hc, gc;

	fix_start(&f, "--hup-guest");
	gc = gconn(&f, "ch0");
	expect_eof(&f, gc);
	close(gc);
	hc = hconn(&f, "ch0");
	gc = gconn(&f, "ch0");
	ck_assert_int_eq(tl_readable(gc, QUIET_MS), 0);
	put(hc, "bye");
	shutdown(hc, SHUT_WR);
	ck_assert_int_eq(tl_read_until_eof(gc, buf, sizeof(buf),
	    TL_TIMEOUT_MS), 3);
	ck_assert_mem_eq(buf, "bye", 3);
	expect_eof(&f, hc);
	close(hc);
	close(gc);
	fix_stop(&f);
}
END_TEST

START_TEST(t_ready_fd)
{
	const char		*argv[8];
	struct tl_spawn_opts	 o = { NULL, NULL, NULL, -1 };
	char			 dir[TMP_MAX_LEN], root[TMP_MAX_LEN + 16];
	char			 log[TMP_MAX_LEN + 16], num[16], buf[16];
	char			*d;
	int			 p[2], st;
	pid_t			 pid;

	ck_assert_ptr_nonnull(d = tl_tmpdir("standin"));
	snprintf(dir, sizeof(dir), "%s", d);
	free(d);
	snprintf(root, sizeof(root), "%s/host", dir);
	snprintf(log, sizeof(log), "%s/standin.log", dir);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	snprintf(num, sizeof(num), "%d", p[1]);
	argv[0] = STANDIN_PATH;
	argv[1] = "--ready-fd";
	argv[2] = num;
	argv[3] = "--guest-side";
	argv[4] = dir;
	argv[5] = root;
	argv[6] = "g1";
	argv[7] = NULL;
	o.keep_fd = p[1];
	o.errlog = log;
	ck_assert_int_gt(pid = tl_spawn_ex((char *const *)argv, &o), 0);
	close(p[1]);
	ck_assert_int_eq(tl_wait_line(p[0], "ready", TL_TIMEOUT_MS, buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "ready");
	ck_assert_int_eq(tl_read_until_eof(p[0], buf, sizeof(buf),
	    TL_TIMEOUT_MS), 0);
	close(p[0]);
	ck_assert_int_eq(tl_terminate(pid, TL_TIMEOUT_MS, &st), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(tl_rmtree(dir), 0);
	ck_assert(tl_cond_absent(dir));
}
END_TEST

/* testlib itself: frame hunting, the echo service, spawn errors. */
START_TEST(t_testlib_frames)
{
	static struct tl_framer	 fr;
	struct frame_hdr	 h;
	uint8_t			 payload[8];
	int			 sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	tl_framer_init(&fr, sv[1]);
	ck_assert_int_eq(tl_recv_frame(&fr, &h, payload, sizeof(payload), 0),
	    0);
	put(sv[0], "junkVVVS2xxxxxxxxxxxVV");
	ck_assert_int_eq(tl_send_frame(sv[0], VIOS_DATA, 1, 2, "abcdefghij",
	    10), 0);
	ck_assert_int_eq(tl_send_frame(sv[0], VIOS_RESET, 3, 4, NULL, 0), 0);
	ck_assert_int_eq(tl_recv_frame(&fr, &h, payload, sizeof(payload),
	    TL_TIMEOUT_MS), 1);
	ck_assert_int_eq(h.ctrl, VIOS_DATA);
	ck_assert_uint_eq(h.gtok, 1);
	ck_assert_uint_eq(h.htok, 2);
	ck_assert_uint_eq(h.len, 10);
	ck_assert_mem_eq(payload, "abcdefgh", 8);
	ck_assert_uint_eq(fr.skipped, 22);
	ck_assert_int_eq(tl_recv_frame(&fr, &h, NULL, 0, TL_TIMEOUT_MS), 1);
	ck_assert_int_eq(h.ctrl, VIOS_RESET);
	ck_assert_uint_eq(h.len, 0);
	close(sv[0]);
	ck_assert_int_eq(tl_recv_frame(&fr, &h, NULL, 0, TL_TIMEOUT_MS), -1);
	ck_assert_int_eq(errno, ENODATA);
	close(sv[1]);
}
END_TEST

START_TEST(t_testlib_echo)
{
	char		 buf[16];
	uint16_t	 port;
	pid_t		 pid;
	int		 a, b, st;

	ck_assert_int_gt(pid = tl_echo_server(&port), 0);
	ck_assert_int_ge(a = tl_tcp_connect(port, TL_TIMEOUT_MS), 0);
	ck_assert_int_ge(b = tl_tcp_connect(port, TL_TIMEOUT_MS), 0);
	put(a, "ping");
	put(b, "pong");
	ck_assert_int_eq(tl_read_full(b, buf, 4, TL_TIMEOUT_MS), 0);
	ck_assert_mem_eq(buf, "pong", 4);
	put(a, "!");
	shutdown(a, SHUT_WR);
	ck_assert_int_eq(tl_read_until_eof(a, buf, sizeof(buf),
	    TL_TIMEOUT_MS), 5);
	ck_assert_mem_eq(buf, "ping!", 5);
	close(a);
	close(b);
	ck_assert_int_eq(tl_terminate(pid, TL_TIMEOUT_MS, &st), 0);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
}
END_TEST

START_TEST(t_testlib_spawn)
{
	char *const	 bad[] = { (char *)"/nonexistent/prog", NULL };
	char *const	 echo[] = { (char *)"/bin/sh", (char *)"-c",
			    (char *)"echo one; echo two three", NULL };
	char		 buf[32];
	uint8_t		 a[100], b[60];
	int		 out, st;
	pid_t		 pid;

	ck_assert_int_eq(tl_spawn(bad, NULL), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_gt(pid = tl_spawn(echo, &out), 0);
	ck_assert_int_eq(tl_wait_line(out, "two", TL_TIMEOUT_MS, buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "two three");
	ck_assert_int_eq(tl_wait_line(out, "", TL_TIMEOUT_MS, buf,
	    sizeof(buf)), -1);
	ck_assert_int_eq(errno, ENODATA);
	close(out);
	ck_assert_int_eq(tl_waitpid_timeout(pid, TL_TIMEOUT_MS, &st), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* The pattern is one stream however it is cut. */
	tl_pattern(a, sizeof(a), 1000, 9);
	tl_pattern(b, sizeof(b), 1000, 9);
	tl_pattern(b + 37, 23, 1037, 9);
	ck_assert_mem_eq(a, b, sizeof(b));
	ck_assert(tl_fnv(a + 37, 63, tl_fnv(a, 37, TL_FNV_INIT)) ==
	    tl_fnv(a, 100, TL_FNV_INIT));
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("standin");

	tcase_add_test(checkmain_tcase(s, "relay"), t_relay);
	tcase_add_test(checkmain_tcase(s, "stale_host_bytes"),
	    t_stale_host_bytes);
	tcase_add_test(checkmain_tcase(s, "guest_close"), t_guest_close);
	tcase_add_test(checkmain_tcase(s, "host_queue"), t_host_queue);
	tcase_add_test(checkmain_tcase(s, "host_reconnect"), t_host_reconnect);
	tcase_add_test(checkmain_tcase(s, "host_hangup"), t_host_hangup);
	tcase_add_test(checkmain_tcase(s, "guest_busy"), t_guest_busy);
	tcase_add_test(checkmain_tcase(s, "bulk"), t_bulk);
	tcase_add_test(checkmain_tcase(s, "commands"), t_commands);
	tcase_add_test(checkmain_tcase(s, "signals"), t_signals);
	tcase_add_test(checkmain_tcase(s, "hup_guest"), t_hup_guest);
	tcase_add_test(checkmain_tcase(s, "ready_fd"), t_ready_fd);
	tcase_add_test(checkmain_tcase(s, "testlib_frames"), t_testlib_frames);
	tcase_add_test(checkmain_tcase(s, "testlib_echo"), t_testlib_echo);
	tcase_add_test(checkmain_tcase(s, "testlib_spawn"), t_testlib_spawn);
	return s;
}

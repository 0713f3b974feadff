/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_bevread.c: unit tests of lib/bevread.c on socket pairs.  A read
 * callback takes more with bevread_more() and the case checks how much
 * came in: never more than the budget beyond libevent's own read, all of
 * what is ready when the budget allows, the bytes before an EOF or a
 * reset first and then the event, reported as libevent reports its own.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bevread.h"
#include "checkmain.h"

#define LIBEVENT_READ	4096		/* what libevent 2.1 reads per event */
#define BIG		(256 * 1024)	/* queued for the reader at once */
#define SMALL		50000

/* What the read callback saw, and what the event callback got. */
struct rd {
	struct event_base	*base;
	size_t			 room;		/* budget for bevread_more() */
	size_t			 len;		/* input length after it */
	short			 what;		/* its result */
	int			 err;
	short			 event;		/* event callback's what, or 0 */
	int			 event_errno;
	int			 enabled;	/* EV_READ enabled in the event cb */
};

/* Stands for the caller's event callback after bevread_end(). */
static void
rd_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct rd	*r = arg;

	r->event = what;
	r->event_errno = errno;
	r->enabled = bufferevent_get_enabled(bev) & EV_READ;
	event_base_loopbreak(r->base);
}

static void
rd_read_cb(struct bufferevent *bev, void *arg)
{
	struct rd	*r = arg;

	r->what = bevread_more(bev, r->room, &r->err);
	r->len = evbuffer_get_length(bufferevent_get_input(bev));
	if (r->what != 0) {
		errno = EINVAL;		/* the caller's own work in between */
		bevread_end(bev, r->what, r->err, rd_event_cb, r);
	}
	event_base_loopbreak(r->base);
}

/* Fill with a pattern, so that order and content can be checked. */
static void
pattern(unsigned char *b, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(i * 7 + (i >> 11));
}

/* A UNIX stream pair with room for BIG queued bytes; fds[0] reads. */
static void
pair(int fds[2])
{
	int	 sz = BIG;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0, fds), 0);
	ck_assert_int_eq(setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)), 0);
	ck_assert_int_eq(setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &sz,
	    sizeof(sz)), 0);
}

/* Write all of b (n bytes) to fd, which has room for it. */
static void
put(int fd, const unsigned char *b, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		w = write(fd, b, n);
		ck_assert_int_gt(w, 0);
		b += w;
		n -= (size_t)w;
	}
}

/*
 * Run one read event on fd with the given budget; the callback of the
 * event bevread_end() reports, if any, is waited for too.  Returns the
 * bufferevent for the case to inspect and free.
 */
static struct bufferevent *
run(struct rd *r, int fd, size_t room)
{
	struct bufferevent	*bev;

	memset(r, 0, sizeof(*r));
	r->room = room;
	ck_assert_ptr_nonnull(r->base = event_base_new());
	ck_assert_ptr_nonnull(bev = bufferevent_socket_new(r->base, fd, 0));
	bufferevent_setcb(bev, rd_read_cb, NULL, rd_event_cb, r);
	ck_assert_int_eq(bufferevent_enable(bev, EV_READ), 0);
	ck_assert_int_eq(event_base_dispatch(r->base), 0);
	return bev;
}

static void
done(struct rd *r, struct bufferevent *bev)
{
	bufferevent_free(bev);
	event_base_free(r->base);
}

/* The input holds exactly the first n bytes of the pattern. */
static void
check_input(struct bufferevent *bev, size_t n)
{
	static unsigned char	 want[BIG], got[BIG];

	pattern(want, n);
	ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(bev)), n);
	ck_assert_int_eq(evbuffer_remove(bufferevent_get_input(bev), got, n),
	    (int)n);
	ck_assert_mem_eq(got, want, n);
}

/* More is ready than the budget: exactly the budget more is taken. */
START_TEST(t_room_bounds)
{
	static unsigned char	 b[BIG];
	struct bufferevent	*bev;
	struct rd		 r;
	int			 fds[2];

	pair(fds);
	pattern(b, BIG);
	put(fds[1], b, BIG);
	bev = run(&r, fds[0], 100000);
	ck_assert_int_eq(r.what, 0);
	ck_assert_uint_eq(r.len, LIBEVENT_READ + 100000);
	check_input(bev, r.len);
	done(&r, bev);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A budget of 0 takes nothing; a large one all that is ready, no more. */
START_TEST(t_all_ready)
{
	static unsigned char	 b[BIG];
	struct bufferevent	*bev;
	struct rd		 r;
	int			 fds[2];

	pair(fds);
	pattern(b, SMALL);
	put(fds[1], b, SMALL);
	bev = run(&r, fds[0], 0);
	ck_assert_int_eq(r.what, 0);
	ck_assert_uint_eq(r.len, LIBEVENT_READ);
	done(&r, bev);

	bev = run(&r, fds[0], BIG);
	ck_assert_int_eq(r.what, 0);
	ck_assert_uint_eq(r.len, SMALL - LIBEVENT_READ);
	ck_assert_int_eq(r.event, 0);
	done(&r, bev);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* The bytes before an EOF come in, then the EOF as libevent reports it. */
START_TEST(t_eof_after_bytes)
{
	static unsigned char	 b[SMALL];
	struct bufferevent	*bev;
	struct rd		 r;
	int			 fds[2];

	pair(fds);
	pattern(b, SMALL);
	put(fds[1], b, SMALL);
	ck_assert_int_eq(shutdown(fds[1], SHUT_WR), 0);
	bev = run(&r, fds[0], BIG);
	ck_assert_int_eq(r.what, BEV_EVENT_EOF);
	ck_assert_uint_eq(r.len, SMALL);
	ck_assert_int_eq(r.event, BEV_EVENT_READING | BEV_EVENT_EOF);
	ck_assert_int_eq(r.enabled, 0);
	check_input(bev, SMALL);
	done(&r, bev);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/*
 * A TCP reset after some bytes: an error with the read's errno, which
 * reaches the event callback even though the caller ran code in between.
 */
START_TEST(t_reset_errno)
{
	static unsigned char	 b[SMALL];
	struct sockaddr_in	 sin;
	struct bufferevent	*bev;
	struct linger		 lg = { 1, 0 };
	struct rd		 r;
	socklen_t		 len = sizeof(sin);
	int			 lfd, c, a;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	ck_assert_int_ge(c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_ge(a = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC), 0);
	pattern(b, SMALL);
	put(c, b, SMALL);
	ck_assert_int_eq(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)),
	    0);
	close(c);
	bev = run(&r, a, BIG);
	ck_assert_int_eq(r.what, BEV_EVENT_ERROR);
	ck_assert_int_eq(r.err, ECONNRESET);
	ck_assert_uint_eq(r.len, SMALL);
	ck_assert_int_eq(r.event, BEV_EVENT_READING | BEV_EVENT_ERROR);
	ck_assert_int_eq(r.event_errno, ECONNRESET);
	ck_assert_int_eq(r.enabled, 0);
	check_input(bev, SMALL);
	done(&r, bev);
	close(a);
	close(lfd);
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("bevread");

	tcase_add_test(checkmain_tcase(s, "room_bounds"), t_room_bounds);
	tcase_add_test(checkmain_tcase(s, "all_ready"), t_all_ready);
	tcase_add_test(checkmain_tcase(s, "eof_after_bytes"),
	    t_eof_after_bytes);
	tcase_add_test(checkmain_tcase(s, "reset_errno"), t_reset_errno);
	return s;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_bevread.c: unit tests of lib/bevread.c on socket pairs.  A read
 * callback takes more with bevread_more() and the case checks how much
 * came in: never more than the budget beyond libevent's own read, all of
 * what is ready when the budget allows, an EOF left to libevent.  A read
 * event of the case's own drives bevread_fd(): the budget, then the
 * bytes before an EOF or a reset and then the EOF or the reset's errno.
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

/*
 * The bytes before an EOF come in; the EOF is left to libevent's next
 * read, which reports it itself.
 */
START_TEST(t_eof_left)
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
	ck_assert_int_eq(r.what, 0);
	ck_assert_uint_eq(r.len, SMALL);
	ck_assert_int_eq(r.event, 0);
	ck_assert_int_eq(event_base_dispatch(r.base), 0);
	ck_assert_int_eq(r.event, BEV_EVENT_READING | BEV_EVENT_EOF);
	check_input(bev, SMALL);
	done(&r, bev);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* bevread_end() reports with the errno of the read, not the caller's. */
START_TEST(t_end_errno)
{
	struct bufferevent	*bev;
	struct rd		 r;
	int			 fds[2];

	pair(fds);
	memset(&r, 0, sizeof(r));
	ck_assert_ptr_nonnull(r.base = event_base_new());
	ck_assert_ptr_nonnull(bev = bufferevent_socket_new(r.base, fds[0], 0));
	bufferevent_setcb(bev, NULL, NULL, rd_event_cb, &r);
	ck_assert_int_eq(bufferevent_enable(bev, EV_READ), 0);
	errno = EINVAL;
	bevread_end(bev, BEV_EVENT_ERROR, ECONNRESET, rd_event_cb, &r);
	ck_assert_int_eq(r.event, BEV_EVENT_READING | BEV_EVENT_ERROR);
	ck_assert_int_eq(r.event_errno, ECONNRESET);
	ck_assert_int_eq(r.enabled, 0);
	done(&r, bev);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* bevread_fd() on a readable socket: what it read, and how it ended. */
struct sk {
	struct evbuffer	*in;
	size_t		 room;
	short		 what;
	int		 err;
};

static void
sk_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct sk	*k = arg;

	k->what = bevread_fd(k->in, fd, k->room, true, &k->err);
}

/* One readable event on fd with budget room; *k says what came of it. */
static void
sock_once(struct sk *k, int fd, size_t room)
{
	struct event_base	*base;
	struct event		*ev;

	k->room = room;
	k->what = -1;
	ck_assert_ptr_nonnull(base = event_base_new());
	ck_assert_ptr_nonnull(ev = event_new(base, fd, EV_READ, sk_cb, k));
	ck_assert_int_eq(event_add(ev, NULL), 0);
	ck_assert_int_eq(event_base_dispatch(base), 1);
	event_free(ev);
	event_base_free(base);
}

/* The socket's bytes up to the budget, then all, then the EOF. */
START_TEST(t_sock_eof)
{
	static unsigned char	 b[SMALL], got[SMALL];
	struct sk		 k;
	int			 fds[2];

	pair(fds);
	pattern(b, SMALL);
	put(fds[1], b, SMALL);
	ck_assert_ptr_nonnull(k.in = evbuffer_new());
	sock_once(&k, fds[0], 1000);
	ck_assert_int_eq(k.what, 0);
	ck_assert_uint_eq(evbuffer_get_length(k.in), 1000);
	sock_once(&k, fds[0], BIG);
	ck_assert_int_eq(k.what, 0);
	ck_assert_uint_eq(evbuffer_get_length(k.in), SMALL);
	ck_assert_int_eq(shutdown(fds[1], SHUT_WR), 0);
	sock_once(&k, fds[0], BIG);
	ck_assert_int_eq(k.what, BEV_EVENT_EOF);
	ck_assert_int_eq(evbuffer_remove(k.in, got, SMALL), SMALL);
	ck_assert_mem_eq(got, b, SMALL);
	evbuffer_free(k.in);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A TCP reset after some bytes: the bytes, then an error with its errno. */
START_TEST(t_sock_reset)
{
	static unsigned char	 b[SMALL];
	struct sockaddr_in	 sin;
	struct linger		 lg = { 1, 0 };
	struct sk		 k;
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
	ck_assert_ptr_nonnull(k.in = evbuffer_new());
	/* Short reads end a call: as many events as it takes. */
	do
		sock_once(&k, a, BIG);
	while (k.what == 0);
	ck_assert_int_eq(k.what, BEV_EVENT_ERROR);
	ck_assert_int_eq(k.err, ECONNRESET);
	ck_assert_uint_eq(evbuffer_get_length(k.in), SMALL);
	evbuffer_free(k.in);
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
	tcase_add_test(checkmain_tcase(s, "eof_left"), t_eof_left);
	tcase_add_test(checkmain_tcase(s, "end_errno"), t_end_errno);
	tcase_add_test(checkmain_tcase(s, "sock_eof"), t_sock_eof);
	tcase_add_test(checkmain_tcase(s, "sock_reset"), t_sock_reset);
	return s;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bevread.c: large reads into a bufferevent's input (see bevread.h).
 * The input's end is frozen by libevent outside its own read; it is
 * thawed for each readv() here and frozen again, so the bufferevent
 * finds it as it left it.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/uio.h>

#include <errno.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "bevread.h"

/* Cut the vectors v[0..nv) to len bytes in all. */
static void
bevread_clip(struct evbuffer_iovec *v, int nv, size_t len)
{
	int	 i;

	for (i = 0; i < nv; i++) {
		if (v[i].iov_len > len)
			v[i].iov_len = len;
		len -= v[i].iov_len;
	}
}

/*
 * One readv() of at most want bytes into in: its result.  The space
 * reserved may be larger than asked for; only want bytes of it are read.
 */
static ssize_t
bevread_once(struct evbuffer *in, int fd, size_t want)
{
	struct evbuffer_iovec	 v[2];
	ssize_t			 n = -1;
	int			 nv;

	evbuffer_unfreeze(in, 0);
	if ((nv = evbuffer_reserve_space(in, (ev_ssize_t)want, v, 2)) <= 0) {
		errno = ENOMEM;
		goto out;
	}
	bevread_clip(v, nv, want);
	if ((n = readv(fd, (struct iovec *)v, nv)) > 0) {
		bevread_clip(v, nv, (size_t)n);
		if (evbuffer_commit_space(in, v, nv) == -1) {
			errno = ENOMEM;
			n = -1;
		}
	}
out:
	evbuffer_freeze(in, 0);
	return n;
}

/*
 * Read into in until EAGAIN, an EOF or error (returned, *err set), room
 * bytes, or with stop_short a read shorter than asked for.
 */
static short
bevread_loop(struct evbuffer *in, int fd, size_t room, bool stop_short,
    int *err)
{
	ssize_t	 n;
	size_t	 want;

	*err = 0;
	while (room > 0) {
		want = room < BEVREAD_CHUNK ? room : BEVREAD_CHUNK;
		n = bevread_once(in, fd, want);
		if (n == 0)
			return BEV_EVENT_EOF;
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 0;
			*err = errno;
			return BEV_EVENT_ERROR;
		}
		if (stop_short && (size_t)n < want)
			return 0;
		room -= (size_t)n;
	}
	return 0;
}

/*
 * room, cut to what fd holds when it says (FIONREAD: sockets; a virtio
 * port answers ENOTTY), but at least least bytes.
 */
static size_t
bevread_ready(int fd, size_t room, size_t least)
{
	int	 ready;

	if (ioctl(fd, FIONREAD, &ready) == -1 || ready < 0)
		return room;
	if ((size_t)ready < least)
		ready = (int)least;
	return (size_t)ready < room ? (size_t)ready : room;
}

short
bevread_more(struct bufferevent *bev, size_t room, int *err)
{
	int	 fd = bufferevent_getfd(bev);

	/*
	 * Nothing more is read (nor space reserved) from a socket when
	 * libevent's own read took it all, the common case for small
	 * messages; an EOF then waits for libevent's next read.  A virtio
	 * port hands out one buffer of at most a page per read however much
	 * is queued behind it: it is read until EAGAIN.
	 */
	return bevread_loop(bufferevent_get_input(bev), fd,
	    bevread_ready(fd, room, 0), false, err);
}

short
bevread_fd(struct evbuffer *in, int fd, size_t room, bool sock, int *err)
{
	/*
	 * What a socket holds is reserved and read, so a buffer is never
	 * much larger than its bytes.  Readable with nothing held is an EOF
	 * or an error, which a 1-byte read tells.
	 */
	if (sock)
		room = bevread_ready(fd, room, 1);
	return bevread_loop(in, fd, room, sock, err);
}

void
bevread_end(struct bufferevent *bev, short what, int err,
    bufferevent_event_cb cb, void *arg)
{
	bufferevent_disable(bev, EV_READ);
	errno = err;
	cb(bev, BEV_EVENT_READING | what, arg);
}

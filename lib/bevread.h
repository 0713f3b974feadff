/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bevread.h: reading more than libevent does.  libevent 2.1 reads at most
 * 4096 bytes per read event (EVBUFFER_MAX_READ in buffer.c), whatever
 * bufferevent_set_max_single_read() says: a relay on bufferevents alone
 * makes one epoll_wait, one FIONREAD and one readv per 4 KiB, and writes
 * as small.  Two ways out, both into a bufferevent's input buffer and
 * within a budget the caller derives from its watermarks: bevread_more()
 * takes, from the bufferevent's read callback, what else the fd has ready
 * (the QEMU stand-in); bevread_fd() serves a reader that watches the fd
 * with an event of its own and leaves the bufferevent to writing (the
 * daemons: lib/port.c).  bevread_end() reports an EOF or error met on the
 * way as libevent reports its own.
 */
#ifndef BEVREAD_H
#define BEVREAD_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/bufferevent.h>

/*
 * Bytes per readv(): socat's largest buffer, less room for libevent's
 * chain header so that a chain is one 256 KiB allocation (which the
 * daemons serve from the heap: daemon.c).  A budget of this many bytes
 * is one readv.
 */
#define BEVREAD_CHUNK	(256 * 1024 - 64)

/*
 * Append up to room more bytes that bev's fd has ready to its input,
 * without waiting.  Returns 0 (nothing more ready, or room used up), or
 * BEV_EVENT_EOF or BEV_EVENT_ERROR (*err set to the errno) when the fd
 * reported one: the caller uses the bytes first, then hands both to
 * bevread_end().
 */
short	bevread_more(struct bufferevent *bev, size_t room, int *err);

/*
 * For a reader with its own read event on fd instead of the bufferevent's:
 * read into in until EAGAIN or room bytes, and for a socket (sock) what
 * it holds (FIONREAD), at most room; a virtio port hands out a page per
 * read however much is queued, so it is read until EAGAIN.  Returns as
 * bevread_more(); an EOF is read here, so the caller's event does not
 * keep firing for it.
 */
short	bevread_fd(struct evbuffer *in, int fd, size_t room, bool sock,
	    int *err);

/*
 * Report what bevread_more() returned as libevent reports the end of its
 * own read: reading disabled, then cb(bev, BEV_EVENT_READING | what, arg)
 * with errno set to err.  cb may free bev.
 */
void	bevread_end(struct bufferevent *bev, short what, int err,
	    bufferevent_event_cb cb, void *arg);

#endif /* BEVREAD_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bevwrite.h: putting relayed bytes on a bufferevent's output.  Moving
 * evbuffer chains between buffers is free but keeps a peer's read buffers
 * alive; writing through the bufferevent always arms a write event.  These
 * copy what must be queued and write the rest straight to the fd.
 */
#ifndef BEVWRITE_H
#define BEVWRITE_H

#include <stddef.h>

#include <event2/bufferevent.h>

/*
 * Move len bytes from src to dst by copying them into dst's own chains.
 * Moving src's chains instead would be free, but a chain read from a
 * peer may hold a few bytes of a 256 KiB buffer, and the watermarks count
 * bytes, not memory: a guest sending tiny frames to a service that does
 * not read would have queued gigabytes.  Returns 0, or -1 (out of memory;
 * what was copied stays).
 */
int	bevwrite_copy(struct evbuffer *src, struct evbuffer *dst, size_t len);

/*
 * Append len bytes of src to bev's output, writing them to the fd at once
 * when nothing is queued before them: no write event to arm, wake up for
 * and disarm for what the fd takes now, and a loop turn less of latency.
 * The rest, or all of it after an error (which the bufferevent's own
 * write then meets and reports), is queued, copied (bevwrite_copy()).
 * Returns 0, or -1 when some could not even be queued (out of memory).
 */
int	bevwrite(struct bufferevent *bev, struct evbuffer *src, size_t len);

#endif /* BEVWRITE_H */

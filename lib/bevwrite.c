/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bevwrite.c: putting bytes on a bufferevent's output without the costs
 * libevent's own calls have for a relay (bevwrite.h).
 */
#include "config.h"

#include <event2/buffer.h>
#include <event2/event.h>

#include "bevwrite.h"

#define BEVWRITE_VECS	16	/* chains looked at per evbuffer_peek() */

int
bevwrite_copy(struct evbuffer *src, struct evbuffer *dst, size_t len)
{
	struct evbuffer_iovec	 v[BEVWRITE_VECS];
	size_t			 k, done;
	int			 n, i;

	while (len > 0) {
		n = evbuffer_peek(src, (ev_ssize_t)len, NULL, v,
		    BEVWRITE_VECS);
		if (n > BEVWRITE_VECS)
			n = BEVWRITE_VECS;
		for (i = 0, done = 0; i < n && done < len; i++) {
			k = v[i].iov_len < len - done ? v[i].iov_len :
			    len - done;
			if (evbuffer_add(dst, v[i].iov_base, k) == -1) {
				evbuffer_drain(src, done);
				return -1;
			}
			done += k;
		}
		if (done == 0)
			return -1;
		evbuffer_drain(src, done);
		len -= done;
	}
	return 0;
}

int
bevwrite(struct bufferevent *bev, struct evbuffer *src, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(bev);
	int		 n;

	if (len > 0 && evbuffer_get_length(out) == 0 &&
	    (bufferevent_get_enabled(bev) & EV_WRITE) != 0 &&
	    (n = evbuffer_write_atmost(src, bufferevent_getfd(bev),
	    (ev_ssize_t)len)) > 0)
		len -= (size_t)n;
	return len > 0 ? bevwrite_copy(src, out, len) : 0;
}

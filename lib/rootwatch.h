/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rootwatch.h: watch a daemon's top directory (guest_dir, host_dir) that
 * may vanish and come back.  Entries are reported as by dirwatch; when the
 * directory vanishes the owner is told (to drop what it found there) and
 * the parent directory is watched for its return, or, if the parent is
 * gone too, a timer retries.  Owns its dirwatch_dir handles and timer.
 */
#ifndef ROOTWATCH_H
#define ROOTWATCH_H

#include "dirwatch.h"

struct rootwatch;

/* An entry of the directory (ADD/REMOVE), or GONE with name NULL. */
typedef void (*rootwatch_cb)(enum dirwatch_ev ev, const char *name, void *arg);

/* Watch path; NULL with errno when it cannot be watched now. */
struct rootwatch *rootwatch_new(struct event_base *base, struct dirwatch *dw,
		    const char *path, rootwatch_cb cb, void *arg);
void		 rootwatch_free(struct rootwatch *rw);
/* Report every entry again (SIGHUP). */
void		 rootwatch_rescan(struct rootwatch *rw);

#endif /* ROOTWATCH_H */

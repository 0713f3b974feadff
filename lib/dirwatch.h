/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dirwatch.h: watch directories with inotify on an event_base.  One
 * struct dirwatch owns one inotify fd and one persistent read event; it
 * watches any number of directories (the host watches guest_dir and every
 * guest subdirectory).  Each watched directory is scanned once when added,
 * reporting its existing entries as DIRWATCH_ADD, then follows events.
 * Callbacks run from the event loop; they may add and remove watches,
 * including the one being reported.
 */
#ifndef DIRWATCH_H
#define DIRWATCH_H

#include <event2/event.h>

enum dirwatch_ev {
	DIRWATCH_ADD,		/* entry appeared (created, moved in, attrib changed, scan) */
	DIRWATCH_REMOVE,	/* entry vanished (deleted, moved out) */
	DIRWATCH_GONE		/* the watched directory itself vanished; watch dropped */
};

struct dirwatch;
struct dirwatch_dir;

/*
 * Called with the watch, the directory's user argument, the event and the
 * entry name (NULL for DIRWATCH_GONE).  DIRWATCH_ADD may be repeated for an
 * entry already reported (e.g. on attribute changes or a rescan), and may
 * name an entry already gone again: callers treat it as "look at this entry
 * again".  DIRWATCH_REMOVE may name an entry never reported; callers ignore
 * names they do not know.  A directory's first entry reports come from its
 * initial scan.  If the kernel queue overflows, every directory is rescanned:
 * REMOVE for the entries that vanished meanwhile, ADD for all present.
 *
 * DIRWATCH_GONE is reported once, when the directory is deleted, its
 * filesystem unmounted, or it is renamed so that its path no longer names
 * it.  d is freed when that callback returns: do not call dirwatch_remove()
 * on it afterwards (calling it from inside the GONE callback is harmless).
 */
typedef void (*dirwatch_cb)(struct dirwatch_dir *d, enum dirwatch_ev ev,
    const char *name, void *arg);

/* Returns NULL with errno set on failure. */
struct dirwatch	*dirwatch_new(struct event_base *base);
/* Frees all watches; no callbacks after this.  Safe from any callback. */
void		 dirwatch_free(struct dirwatch *dw);

/*
 * Watch path, a directory: the initial scan is reported through cb from
 * the event loop (not from inside this call), then inotify events.
 * Returns NULL with errno set (ENOENT, ENOTDIR, ...).  path is kept and
 * reopened for scans: give an absolute path.  Adding the same directory
 * twice (even under another name) gives two independent watches sharing
 * one kernel watch.
 */
struct dirwatch_dir *dirwatch_add(struct dirwatch *dw, const char *path,
		    dirwatch_cb cb, void *arg);
/*
 * Stop watching and free d: no further callbacks, not even a pending scan.
 * Safe from inside any callback, including this directory's own.
 */
void		 dirwatch_remove(struct dirwatch_dir *d);
/*
 * Report every present entry again as DIRWATCH_ADD, after DIRWATCH_REMOVE
 * for entries that vanished unreported (SIGHUP rescans); from the loop.
 */
void		 dirwatch_rescan(struct dirwatch_dir *d);
const char	*dirwatch_path(const struct dirwatch_dir *d);

#endif /* DIRWATCH_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rootwatch.c: a watched directory that survives its own removal.  Its
 * parent is watched too, for entries of its name: a directory holding
 * sockets that a process still has open sends no IN_DELETE_SELF when it
 * is removed (the sockets pin it), so only the parent tells.  If neither
 * can be watched, a timer retries every VIOS_BACKOFF_MAX_MS.  Nothing
 * polls while the directory is there.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rootwatch.h"
#include "vios.h"

struct rootwatch {
	struct dirwatch		*dw;
	char			 path[PATH_MAX];
	char			 parent_path[PATH_MAX];
	char			 base_name[NAME_MAX + 1];
	rootwatch_cb		 cb;
	void			*arg;
	struct dirwatch_dir	*dir;
	struct dirwatch_dir	*parent;
	struct event		*retry;
	dev_t			 dev;		/* the directory dir watches */
	ino_t			 ino;
	bool			 missing;	/* reported GONE, not back yet */
};

static void	rootwatch_try(struct rootwatch *);

/* Does path still name the directory that dir watches? */
static bool
rootwatch_in_place(const struct rootwatch *rw)
{
	struct stat	 st;

	return stat(rw->path, &st) == 0 && st.st_dev == rw->dev &&
	    st.st_ino == rw->ino;
}

/* The directory is gone from path: stop watching it, tell the owner. */
static void
rootwatch_lost(struct rootwatch *rw)
{
	if (rw->dir != NULL) {
		dirwatch_remove(rw->dir);
		rw->dir = NULL;
	}
	rw->missing = true;
	log_warnx("%s vanished; waiting for it to come back", rw->path);
	rw->cb(DIRWATCH_GONE, NULL, rw->arg);
}

static void
rootwatch_dir_cb(struct dirwatch_dir *d, enum dirwatch_ev ev, const char *name,
    void *arg)
{
	struct rootwatch	*rw = arg;

	if (ev == DIRWATCH_GONE) {
		rw->dir = NULL;	/* dropped by dirwatch */
		rootwatch_lost(rw);
		rootwatch_try(rw);
		return;
	}
	rw->cb(ev, name, rw->arg);
}

static void
rootwatch_parent_cb(struct dirwatch_dir *d, enum dirwatch_ev ev,
    const char *name, void *arg)
{
	struct rootwatch	*rw = arg;

	if (ev == DIRWATCH_GONE) {
		rw->parent = NULL;
		rootwatch_try(rw);
		return;
	}
	if (strcmp(name, rw->base_name) != 0)
		return;
	/* Removed, renamed or replaced, even if the old one said nothing. */
	if (rw->dir != NULL && !rootwatch_in_place(rw))
		rootwatch_lost(rw);
	rootwatch_try(rw);
}

static void
rootwatch_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	rootwatch_try(arg);
}

/* Watch the directory if it is there, and its parent for its comings. */
static void
rootwatch_try(struct rootwatch *rw)
{
	struct timeval	 tv = { VIOS_BACKOFF_MAX_MS / 1000, 0 };
	struct stat	 st;

	if (rw->parent == NULL)
		rw->parent = dirwatch_add(rw->dw, rw->parent_path,
		    rootwatch_parent_cb, rw);
	if (rw->dir == NULL && (rw->dir = dirwatch_add(rw->dw, rw->path,
	    rootwatch_dir_cb, rw)) != NULL) {
		/* Replaced again meanwhile: the parent's next event says. */
		if (stat(rw->path, &st) == 0) {
			rw->dev = st.st_dev;
			rw->ino = st.st_ino;
		}
		if (rw->missing) {
			rw->missing = false;
			log_info("%s is back", rw->path);
		}
	}
	if (rw->dir != NULL || rw->parent != NULL)
		evtimer_del(rw->retry);
	else
		evtimer_add(rw->retry, &tv);
}

struct rootwatch *
rootwatch_new(struct event_base *base, struct dirwatch *dw, const char *path,
    rootwatch_cb cb, void *arg)
{
	struct rootwatch	*rw;
	struct stat		 st;
	char			 copy[PATH_MAX];

	if (strlen(path) >= sizeof(rw->path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((rw = calloc(1, sizeof(*rw))) == NULL)
		return NULL;
	rw->dw = dw;
	rw->cb = cb;
	rw->arg = arg;
	snprintf(rw->path, sizeof(rw->path), "%s", path);
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(rw->parent_path, sizeof(rw->parent_path), "%s", dirname(copy));
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(rw->base_name, sizeof(rw->base_name), "%s", basename(copy));
	if ((rw->retry = evtimer_new(base, rootwatch_retry_cb, rw)) == NULL ||
	    (rw->dir = dirwatch_add(dw, path, rootwatch_dir_cb, rw)) == NULL) {
		rootwatch_free(rw);
		return NULL;
	}
	if (stat(path, &st) == 0) {
		rw->dev = st.st_dev;
		rw->ino = st.st_ino;
	}
	rootwatch_try(rw);	/* the parent */
	return rw;
}

void
rootwatch_free(struct rootwatch *rw)
{
	int	 saved = errno;

	if (rw == NULL)
		return;
	if (rw->dir != NULL)
		dirwatch_remove(rw->dir);
	if (rw->parent != NULL)
		dirwatch_remove(rw->parent);
	if (rw->retry != NULL)
		event_free(rw->retry);
	free(rw);
	errno = saved;
}

void
rootwatch_rescan(struct rootwatch *rw)
{
	if (rw->dir != NULL && !rootwatch_in_place(rw))
		rootwatch_lost(rw);
	if (rw->dir != NULL)
		dirwatch_rescan(rw->dir);
	rootwatch_try(rw);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dirwatch.c: inotify directory watcher on an event_base.  A struct dirwatch
 * owns the inotify fd, its persistent read event, a zero-timeout scan event,
 * an index of its directories sorted by (wd, serial) and every
 * struct dirwatch_dir.  A directory leaves through dirwatch_remove() or,
 * after DIRWATCH_GONE, on its own.  While a callback runs the watch is
 * "busy": removed directories and a freed watch are only marked DEAD,
 * unlinked from everything that can reach them, and freed when the outer
 * callback unwinds, so nothing is ever touched after it is freed.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/inotify.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "dirwatch.h"
#include "log.h"

/*
 * The kernel watch mask.  IN_ATTRIB makes a chmod or touch of an entry a
 * DIRWATCH_ADD ("look again"); IN_EXCL_UNLINK keeps events of unlinked but
 * still open entries out.
 */
#define DIRWATCH_MASK	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | \
			 IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | \
			 IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)
#define DIRWATCH_ADD_MASK	(IN_CREATE | IN_MOVED_TO | IN_ATTRIB)
#define DIRWATCH_REMOVE_MASK	(IN_DELETE | IN_MOVED_FROM)
/* The kernel has dropped the watch itself: no inotify_rm_watch. */
#define DIRWATCH_DROPPED_MASK	(IN_IGNORED | IN_UNMOUNT)
#define DIRWATCH_SELF_MASK	(IN_DELETE_SELF | IN_MOVE_SELF | \
				 DIRWATCH_DROPPED_MASK)

/* One read(2) of the inotify fd, bytes: room for hundreds of events. */
#define DIRWATCH_BUF_LEN	(64 * 1024)
/* A scan that ran out of fds or memory is retried after this, ms. */
#define DIRWATCH_RETRY_MS	1000

/* Sorted set of names, the entries last reported present. */
struct dirwatch_names {
	char		**v;
	size_t		  n;
	size_t		  cap;
};

struct dirwatch_dir {
	struct dirwatch		*dw;
	char			*path;
	dirwatch_cb		 cb;
	void			*arg;
	int			 wd;
	uint64_t		 serial;	/* creation order, unique */
	/* The watched directory, told apart from what path names later. */
	dev_t			 dev;
	ino_t			 ino;
	int			 flags;
#define DIRWATCH_DEAD		0x01	/* unreachable, freed on unwind */
#define DIRWATCH_SCANQ		0x02	/* on dw->scanq */
	uint64_t		 scan_gen;	/* dw->scan_gen when queued */
	struct dirwatch_names	 known;
	/* On dw->scanq when SCANQ, on dw->graveyard when DEAD. */
	TAILQ_ENTRY(dirwatch_dir) entry;
};

TAILQ_HEAD(dirwatch_dirs, dirwatch_dir);

struct dirwatch {
	struct event_base	*base;
	int			 fd;
	struct event		*read_ev;
	struct event		*scan_ev;
	/* Live dirs sorted by (wd, serial). */
	struct dirwatch_dir	**index;
	size_t			 nindex;
	size_t			 index_cap;
	struct dirwatch_dirs	 scanq;
	struct dirwatch_dirs	 graveyard;
	uint64_t		 next_serial;
	uint64_t		 scan_gen;
	unsigned int		 busy;		/* callbacks running */
	int			 dead;		/* freed while busy */
	union {
		struct inotify_event	ie;	/* aligns the buffer */
		char			b[DIRWATCH_BUF_LEN];
	} buf;
};

static const struct timeval dirwatch_now = { 0, 0 };
static const struct timeval dirwatch_retry = {
	DIRWATCH_RETRY_MS / 1000, (DIRWATCH_RETRY_MS % 1000) * 1000
};

static void	dirwatch_read_cb(evutil_socket_t, short, void *);
static void	dirwatch_scan_cb(evutil_socket_t, short, void *);

/* --- name sets ------------------------------------------------------------ */

static size_t
names_lower(const struct dirwatch_names *s, const char *name)
{
	size_t	lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(s->v[mid], name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
names_reserve(struct dirwatch_names *s)
{
	char	**v;
	size_t	  cap;

	if (s->n < s->cap)
		return 0;
	cap = s->cap == 0 ? 16 : s->cap * 2;
	if ((v = reallocarray(s->v, cap, sizeof(*v))) == NULL)
		return -1;
	s->v = v;
	s->cap = cap;
	return 0;
}

static int
names_append(struct dirwatch_names *s, const char *name)
{
	char	*copy;

	if (names_reserve(s) == -1 || (copy = strdup(name)) == NULL)
		return -1;
	s->v[s->n++] = copy;
	return 0;
}

static int
names_insert(struct dirwatch_names *s, const char *name)
{
	char	*copy;
	size_t	 i;

	i = names_lower(s, name);
	if (i < s->n && strcmp(s->v[i], name) == 0)
		return 0;
	if (names_reserve(s) == -1 || (copy = strdup(name)) == NULL)
		return -1;
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = copy;
	s->n++;
	return 0;
}

static void
names_delete(struct dirwatch_names *s, const char *name)
{
	size_t	i;

	i = names_lower(s, name);
	if (i == s->n || strcmp(s->v[i], name) != 0)
		return;
	free(s->v[i]);
	s->n--;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i) * sizeof(*s->v));
}

static int
names_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/* readdir may return an entry twice while the directory changes. */
static void
names_sort_unique(struct dirwatch_names *s)
{
	size_t	i, j;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), names_cmp);
	for (i = 0, j = 1; j < s->n; j++) {
		if (strcmp(s->v[i], s->v[j]) == 0)
			free(s->v[j]);
		else
			s->v[++i] = s->v[j];
	}
	s->n = i + 1;
}

static void
names_free(struct dirwatch_names *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* --- index: live dirs sorted by (wd, serial), binary searched ------------- */

/* First slot whose (wd, serial) is not below the given key. */
static size_t
dirwatch_index_lower(const struct dirwatch *dw, int wd, uint64_t serial)
{
	const struct dirwatch_dir	*d;
	size_t				 lo = 0, hi = dw->nindex, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		d = dw->index[mid];
		if (d->wd < wd || (d->wd == wd && d->serial < serial))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The first live dir on wd created after serial "after".  Callers walk a wd
 * with this rather than with a slot number: callbacks in between may add
 * and remove dirs, shifting the array.
 */
static struct dirwatch_dir *
dirwatch_index_next(const struct dirwatch *dw, int wd, uint64_t after)
{
	size_t	i;

	i = dirwatch_index_lower(dw, wd, after + 1);
	if (i < dw->nindex && dw->index[i]->wd == wd)
		return dw->index[i];
	return NULL;
}

static int
dirwatch_index_insert(struct dirwatch *dw, struct dirwatch_dir *d)
{
	struct dirwatch_dir	**v;
	size_t			  cap, i;

	if (dw->nindex == dw->index_cap) {
		cap = dw->index_cap == 0 ? 16 : dw->index_cap * 2;
		if ((v = reallocarray(dw->index, cap, sizeof(*v))) == NULL)
			return -1;
		dw->index = v;
		dw->index_cap = cap;
	}
	i = dirwatch_index_lower(dw, d->wd, d->serial);
	memmove(&dw->index[i + 1], &dw->index[i],
	    (dw->nindex - i) * sizeof(*dw->index));
	dw->index[i] = d;
	dw->nindex++;
	return 0;
}

static void
dirwatch_index_delete(struct dirwatch *dw, struct dirwatch_dir *d)
{
	size_t	i;

	i = dirwatch_index_lower(dw, d->wd, d->serial);
	assert(i < dw->nindex && dw->index[i] == d);
	dw->nindex--;
	memmove(&dw->index[i], &dw->index[i + 1],
	    (dw->nindex - i) * sizeof(*dw->index));
}

/* --- lifetime ------------------------------------------------------------- */

/* Frees d, which must already be unreachable. */
static void
dirwatch_dir_free(struct dirwatch_dir *d)
{
	names_free(&d->known);
	free(d->path);
	free(d);
}

/*
 * Makes d unreachable: out of the index and the scan queue, DEAD, onto the
 * graveyard.  Does not free d and leaves the kernel watch alone.
 */
static void
dirwatch_dir_unlink(struct dirwatch_dir *d)
{
	struct dirwatch	*dw = d->dw;

	dirwatch_index_delete(dw, d);
	if (d->flags & DIRWATCH_SCANQ)
		TAILQ_REMOVE(&dw->scanq, d, entry);
	d->flags = (d->flags & ~DIRWATCH_SCANQ) | DIRWATCH_DEAD;
	TAILQ_INSERT_TAIL(&dw->graveyard, d, entry);
}

/* Frees the dead dirs; only when no callback is on the stack. */
static void
dirwatch_reap(struct dirwatch *dw)
{
	struct dirwatch_dir	*d;

	while ((d = TAILQ_FIRST(&dw->graveyard)) != NULL) {
		TAILQ_REMOVE(&dw->graveyard, d, entry);
		dirwatch_dir_free(d);
	}
}

/* Frees dw and all its dirs; only when no callback is on the stack. */
static void
dirwatch_destroy(struct dirwatch *dw)
{
	size_t	i;

	for (i = 0; i < dw->nindex; i++)
		dirwatch_dir_free(dw->index[i]);
	dirwatch_reap(dw);
	free(dw->index);
	if (dw->read_ev != NULL)
		event_free(dw->read_ev);
	if (dw->scan_ev != NULL)
		event_free(dw->scan_ev);
	/* Closing the fd drops every kernel watch at once. */
	if (dw->fd != -1)
		close(dw->fd);
	free(dw);
}

static void
dirwatch_enter(struct dirwatch *dw)
{
	dw->busy++;
}

/* May free dw (when dirwatch_free was called from a callback). */
static void
dirwatch_leave(struct dirwatch *dw)
{
	if (--dw->busy > 0)
		return;
	if (dw->dead)
		dirwatch_destroy(dw);
	else
		dirwatch_reap(dw);
}

/* Calls the user; returns -1 when d or the whole watch died meanwhile. */
static int
dirwatch_report(struct dirwatch_dir *d, enum dirwatch_ev ev, const char *name)
{
	struct dirwatch	*dw = d->dw;

	d->cb(d, ev, name, d->arg);
	if (dw->dead || (d->flags & DIRWATCH_DEAD))
		return -1;
	return 0;
}

/* --- scans ---------------------------------------------------------------- */

static void
dirwatch_scan_enqueue(struct dirwatch_dir *d)
{
	struct dirwatch	*dw = d->dw;

	d->scan_gen = dw->scan_gen;
	d->flags |= DIRWATCH_SCANQ;
	TAILQ_INSERT_TAIL(&dw->scanq, d, entry);
}

/*
 * Queues a scan of d for the next loop iteration.  While queued, d gets no
 * name events: the scan happens later and reports the state they led to.
 */
static int
dirwatch_scan_queue(struct dirwatch_dir *d)
{
	struct dirwatch	*dw = d->dw;

	if (d->flags & DIRWATCH_SCANQ)
		return 0;
	if (!evtimer_pending(dw->scan_ev, NULL) &&
	    evtimer_add(dw->scan_ev, &dirwatch_now) == -1)
		return -1;
	dirwatch_scan_enqueue(d);
	return 0;
}

/* Out of fds or memory: worth another try later. */
static int
dirwatch_transient(int error)
{
	return error == EMFILE || error == ENFILE || error == ENOMEM;
}

/*
 * Reads d's directory and reports what changed since the last scan or
 * event: REMOVE for names no longer present, then ADD for every present
 * name.  Frees nothing itself, but a callback may kill d or dw.  Returns
 * -1, having reported nothing, when out of fds or memory: retry later.
 * Other failures return 0: a vanished or replaced directory is reported by
 * inotify as GONE.
 */
static int
dirwatch_scan(struct dirwatch_dir *d)
{
	struct dirwatch_names	 old, *now;
	DIR			*dir;
	struct dirent		*de;
	struct stat		 st;
	struct dirwatch_names	 found;
	size_t			 i, j;
	int			 error;

	memset(&found, 0, sizeof(found));
	if ((dir = opendir(d->path)) == NULL)
		return dirwatch_transient(errno) ? -1 : 0;
	if (fstat(dirfd(dir), &st) == -1 || st.st_dev != d->dev ||
	    st.st_ino != d->ino) {
		closedir(dir);
		return 0;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (names_append(&found, de->d_name) == -1)
			goto fail;
	}
	if (errno != 0)
		goto fail;
	closedir(dir);
	names_sort_unique(&found);

	old = d->known;
	d->known = found;
	/* d stays allocated until the callbacks unwind, even if removed. */
	now = &d->known;
	for (i = j = 0; i < old.n; i++) {
		while (j < now->n && strcmp(now->v[j], old.v[i]) < 0)
			j++;
		if (j < now->n && strcmp(now->v[j], old.v[i]) == 0)
			continue;
		if (dirwatch_report(d, DIRWATCH_REMOVE, old.v[i]) == -1)
			goto done;
	}
	for (i = 0; i < now->n; i++)
		if (dirwatch_report(d, DIRWATCH_ADD, now->v[i]) == -1)
			goto done;
done:
	names_free(&old);
	return 0;
fail:
	error = errno;
	closedir(dir);
	names_free(&found);
	errno = error;
	return dirwatch_transient(error) ? -1 : 0;
}

/*
 * Runs the scans queued before this iteration; later ones wait for the
 * next, failed ones for DIRWATCH_RETRY_MS.  Callbacks may free dirs or dw
 * (freed on leave).
 */
static void
dirwatch_scan_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dirwatch		*dw = arg;
	struct dirwatch_dir	*d;
	uint64_t		 gen;
	int			 retry = 0;

	dirwatch_enter(dw);
	gen = dw->scan_gen++;
	while (!dw->dead && (d = TAILQ_FIRST(&dw->scanq)) != NULL &&
	    d->scan_gen <= gen) {
		TAILQ_REMOVE(&dw->scanq, d, entry);
		d->flags &= ~DIRWATCH_SCANQ;
		/* Failed before any callback: d is alive, events held back.
		 * What it holds stays unknown meanwhile: say so. */
		if (dirwatch_scan(d) == -1) {
			log_warnx_rl("cannot read %s: %s (retrying)", d->path,
			    strerror(errno));
			dirwatch_scan_enqueue(d);
			retry = 1;
		}
	}
	if (!dw->dead && !TAILQ_EMPTY(&dw->scanq))
		(void)evtimer_add(dw->scan_ev,
		    retry ? &dirwatch_retry : &dirwatch_now);
	dirwatch_leave(dw);
}

/* --- inotify events ------------------------------------------------------- */

/* True when d's path still names the directory being watched. */
static int
dirwatch_dir_in_place(const struct dirwatch_dir *d)
{
	struct stat	st;

	if (stat(d->path, &st) == -1)
		return 0;
	return st.st_dev == d->dev && st.st_ino == d->ino;
}

/*
 * The watched directory itself went away.  Every dir on wd gets GONE once,
 * then is freed on unwind.  A rename (IN_MOVE_SELF) only ends the dirs
 * whose path no longer names the directory: after g1 is renamed to g2, a
 * watch already added on g2 shares the wd and stays.
 */
static void
dirwatch_event_self(struct dirwatch *dw, int wd, uint32_t mask)
{
	struct dirwatch_dir	*d;
	uint64_t		 limit = dw->next_serial, serial = 0;
	int			 moved_only, had = 0;

	moved_only = (mask & DIRWATCH_SELF_MASK) == IN_MOVE_SELF;
	while ((d = dirwatch_index_next(dw, wd, serial)) != NULL &&
	    d->serial < limit) {
		serial = d->serial;
		had = 1;
		if (moved_only && dirwatch_dir_in_place(d))
			continue;
		dirwatch_dir_unlink(d);
		(void)dirwatch_report(d, DIRWATCH_GONE, NULL);
		if (dw->dead)
			return;
	}
	if (had && !(mask & DIRWATCH_DROPPED_MASK) &&
	    dirwatch_index_next(dw, wd, 0) == NULL)
		(void)inotify_rm_watch(dw->fd, wd);
}

/*
 * Reports one entry event to every dir on wd with no scan pending.
 * Callbacks may kill dirs or dw: they are freed on unwind.
 */
static void
dirwatch_event_name(struct dirwatch *dw, int wd, enum dirwatch_ev ev,
    const char *name)
{
	struct dirwatch_dir	*d;
	uint64_t		 limit = dw->next_serial, serial = 0;

	while ((d = dirwatch_index_next(dw, wd, serial)) != NULL &&
	    d->serial < limit) {
		serial = d->serial;
		if (d->flags & DIRWATCH_SCANQ)
			continue;
		/* Out of memory only costs a REMOVE on a later rescan. */
		if (ev == DIRWATCH_ADD)
			(void)names_insert(&d->known, name);
		else
			names_delete(&d->known, name);
		(void)dirwatch_report(d, ev, name);
		if (dw->dead)
			return;
	}
}

/* Events were lost: rescan everything, the diff recovers them. */
static void
dirwatch_overflow(struct dirwatch *dw)
{
	size_t	i;

	for (i = 0; i < dw->nindex; i++)
		(void)dirwatch_scan_queue(dw->index[i]);
}

/* Routes one inotify event; callbacks may kill dirs or dw. */
static void
dirwatch_event(struct dirwatch *dw, const struct inotify_event *ie)
{
	if (ie->mask & IN_Q_OVERFLOW) {
		dirwatch_overflow(dw);
		return;
	}
	if (ie->mask & DIRWATCH_SELF_MASK) {
		dirwatch_event_self(dw, ie->wd, ie->mask);
		return;
	}
	/* Attribute changes of the directory itself come without a name. */
	if (ie->len == 0 || ie->name[0] == '\0')
		return;
	if (ie->mask & DIRWATCH_ADD_MASK)
		dirwatch_event_name(dw, ie->wd, DIRWATCH_ADD, ie->name);
	else if (ie->mask & DIRWATCH_REMOVE_MASK)
		dirwatch_event_name(dw, ie->wd, DIRWATCH_REMOVE, ie->name);
}

/* Drains the inotify fd; callbacks may free dirs or dw (freed on leave). */
static void
dirwatch_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dirwatch			*dw = arg;
	const struct inotify_event	*ie;
	const char			*p, *end;
	size_t				 len;
	ssize_t				 n;

	dirwatch_enter(dw);
	while (!dw->dead) {
		n = read(dw->fd, dw->buf.b, sizeof(dw->buf.b));
		if (n == -1 && errno == EINTR)
			continue;
		/* EAGAIN: drained.  Anything else: retried on readiness. */
		if (n <= 0)
			break;
		end = dw->buf.b + n;
		for (p = dw->buf.b; !dw->dead && p < end; p += len) {
			ie = (const struct inotify_event *)(const void *)p;
			/* The kernel returns whole events; check anyway. */
			if ((size_t)(end - p) < sizeof(*ie) ||
			    (len = sizeof(*ie) + ie->len) > (size_t)(end - p))
				break;
			dirwatch_event(dw, ie);
		}
	}
	dirwatch_leave(dw);
}

/* --- API ------------------------------------------------------------------ */

/* The watch is owned by the caller until dirwatch_free. */
struct dirwatch *
dirwatch_new(struct event_base *base)
{
	struct dirwatch	*dw;
	int		 saved;

	if (base == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((dw = calloc(1, sizeof(*dw))) == NULL)
		return NULL;
	dw->base = base;
	dw->next_serial = 1;
	TAILQ_INIT(&dw->scanq);
	TAILQ_INIT(&dw->graveyard);
	if ((dw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		goto fail;
	dw->read_ev = event_new(base, dw->fd, EV_READ | EV_PERSIST,
	    dirwatch_read_cb, dw);
	dw->scan_ev = evtimer_new(base, dirwatch_scan_cb, dw);
	if (dw->read_ev == NULL || dw->scan_ev == NULL ||
	    event_add(dw->read_ev, NULL) == -1) {
		errno = ENOMEM;
		goto fail;
	}
	return dw;
fail:
	saved = errno;
	dirwatch_destroy(dw);
	errno = saved;
	return NULL;
}

/* Frees dw now, or when the callback on the stack returns. */
void
dirwatch_free(struct dirwatch *dw)
{
	if (dw == NULL || dw->dead)
		return;
	if (dw->busy == 0) {
		dirwatch_destroy(dw);
		return;
	}
	dw->dead = 1;
	event_del(dw->read_ev);
	event_del(dw->scan_ev);
}

/* Never reports from here; the new dir belongs to dw. */
struct dirwatch_dir *
dirwatch_add(struct dirwatch *dw, const char *path, dirwatch_cb cb,
    void *arg)
{
	struct dirwatch_dir	*d;
	struct stat		 st;
	int			 saved, shared;

	if (dw == NULL || dw->dead || path == NULL || cb == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->dw = dw;
	d->cb = cb;
	d->arg = arg;
	if ((d->path = strdup(path)) == NULL)
		goto fail;
	/* Watch first, then scan: nothing created in between is missed. */
	if ((d->wd = inotify_add_watch(dw->fd, path, DIRWATCH_MASK)) == -1)
		goto fail;
	/* The same inode gives the same wd: share the kernel watch. */
	shared = dirwatch_index_next(dw, d->wd, 0) != NULL;
	if (stat(path, &st) == -1)
		goto fail_watch;
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->serial = dw->next_serial++;
	if (dirwatch_index_insert(dw, d) == -1)
		goto fail_watch;
	if (dirwatch_scan_queue(d) == -1) {
		dirwatch_index_delete(dw, d);
		errno = ENOMEM;
		goto fail_watch;
	}
	return d;
fail_watch:
	saved = errno;
	if (!shared)
		(void)inotify_rm_watch(dw->fd, d->wd);
	errno = saved;
fail:
	saved = errno;
	free(d->path);
	free(d);
	errno = saved;
	return NULL;
}

/* Frees d now, or when the callback on the stack returns. */
void
dirwatch_remove(struct dirwatch_dir *d)
{
	struct dirwatch	*dw;

	if (d == NULL || (d->flags & DIRWATCH_DEAD))
		return;
	dw = d->dw;
	dirwatch_dir_unlink(d);
	if (!dw->dead && dirwatch_index_next(dw, d->wd, 0) == NULL)
		(void)inotify_rm_watch(dw->fd, d->wd);
	if (dw->busy == 0)
		dirwatch_reap(dw);
}

/* Only queues a scan: frees nothing, reports nothing from here. */
void
dirwatch_rescan(struct dirwatch_dir *d)
{
	if (d == NULL || (d->flags & DIRWATCH_DEAD) || d->dw->dead)
		return;
	(void)dirwatch_scan_queue(d);
}

const char *
dirwatch_path(const struct dirwatch_dir *d)
{
	return d->path;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_dirwatch.c: unit tests of lib/dirwatch.c.  Each case gets its own
 * event_base and temporary directory (struct fix) and drives the loop with
 * EVLOOP_ONCE until the expected reports arrived, bounded by a guard timer
 * that breaks the loop and fails the case; nothing sleeps.  "No report
 * after X" is proven with a barrier: a file created in a control directory
 * on the same inotify fd, whose ADD comes after every earlier event.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "checkmain.h"
#include "dirwatch.h"

/* Seconds one wait may take; well below CHECK_CASE_TIMEOUT. */
#define TEST_GUARD_S	10
#define TEST_MANY	200
#define ID_CTL		(-1)	/* the barrier watcher */

struct fix;

/* One user of dirwatch_add: its arg, and what its callback should do. */
struct watcher {
	struct fix		*f;
	int			 id;
	struct dirwatch_dir	*d;
	int			 nev[3];	/* by enum dirwatch_ev */
	/* On every report, call: */
	int			 remove_self;	/* dirwatch_remove */
	int			 free_all;	/* dirwatch_free */
	int			 rescan_self;	/* dirwatch_rescan */
	/* Watch the first entry ADDed, as sub. */
	int			 add_subdirs;
	struct watcher		*sub;
};

struct rec {
	int			 id;
	enum dirwatch_ev	 ev;
	char			*name;		/* NULL for GONE */
};

struct fix {
	struct event_base	*base;
	struct dirwatch		*dw;
	struct event		*guard;
	int			 expired;
	char			 tmp[PATH_MAX];
	struct rec		*recs;
	size_t			 nrec;
	size_t			 cap;
	struct watcher		 ctl;
	unsigned int		 nbarrier;
};

static void
test_guard_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fix	*f = arg;

	f->expired = 1;
	event_base_loopbreak(f->base);
}

static void
test_record(struct fix *f, int id, enum dirwatch_ev ev, const char *name)
{
	struct rec	*r;

	if (f->nrec == f->cap) {
		f->cap = f->cap == 0 ? 256 : f->cap * 2;
		f->recs = reallocarray(f->recs, f->cap, sizeof(*f->recs));
		ck_assert_ptr_nonnull(f->recs);
	}
	r = &f->recs[f->nrec++];
	r->id = id;
	r->ev = ev;
	r->name = NULL;
	if (name != NULL)
		ck_assert_ptr_nonnull(r->name = strdup(name));
}

static void
test_cb(struct dirwatch_dir *d, enum dirwatch_ev ev, const char *name,
    void *arg)
{
	struct watcher	*w = arg;
	struct fix	*f = w->f;
	char		 path[PATH_MAX];

	ck_assert_ptr_eq(d, w->d);
	ck_assert_int_ge(ev, DIRWATCH_ADD);
	ck_assert_int_le(ev, DIRWATCH_GONE);
	if (ev == DIRWATCH_GONE)
		ck_assert_ptr_null(name);
	else {
		ck_assert_ptr_nonnull(name);
		ck_assert_str_ne(name, ".");
		ck_assert_str_ne(name, "..");
		ck_assert_ptr_null(strchr(name, '/'));
	}
	test_record(f, w->id, ev, name);
	w->nev[ev]++;
	if (w->add_subdirs && ev == DIRWATCH_ADD && w->sub->d == NULL) {
		snprintf(path, sizeof(path), "%s/%s", dirwatch_path(d), name);
		w->sub->d = dirwatch_add(f->dw, path, test_cb, w->sub);
		ck_assert_ptr_nonnull(w->sub->d);
	}
	if (w->rescan_self)
		dirwatch_rescan(d);
	if (w->remove_self)
		dirwatch_remove(d);
	if (w->free_all) {
		dirwatch_free(f->dw);
		f->dw = NULL;
	}
}

static int
test_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
fix_init(struct fix *f)
{
	const char	*tmpdir;

	memset(f, 0, sizeof(*f));
	if ((tmpdir = getenv("TMPDIR")) == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	ck_assert_int_lt(snprintf(f->tmp, sizeof(f->tmp),
	    "%s/check_dirwatch.XXXXXX", tmpdir), (int)sizeof(f->tmp));
	ck_assert_ptr_nonnull(mkdtemp(f->tmp));
	ck_assert_ptr_nonnull(f->base = event_base_new());
	ck_assert_ptr_nonnull(f->guard = evtimer_new(f->base, test_guard_cb,
	    f));
	ck_assert_ptr_nonnull(f->dw = dirwatch_new(f->base));
}

static void
fix_done(struct fix *f)
{
	size_t	i;

	dirwatch_free(f->dw);
	event_free(f->guard);
	event_base_free(f->base);
	ck_assert_int_eq(nftw(f->tmp, test_rm_cb, 16, FTW_DEPTH | FTW_PHYS), 0);
	for (i = 0; i < f->nrec; i++)
		free(f->recs[i].name);
	free(f->recs);
}

static void
watcher_init(struct watcher *w, struct fix *f, int id)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->id = id;
}

/* tmp/rel into buf. */
static const char *
fix_path(const struct fix *f, char *buf, const char *rel)
{
	ck_assert_int_lt(snprintf(buf, PATH_MAX, "%s/%s", f->tmp, rel),
	    PATH_MAX);
	return buf;
}

static void
fix_mkdir(const struct fix *f, const char *rel)
{
	char	p[PATH_MAX];

	ck_assert_int_eq(mkdir(fix_path(f, p, rel), 0700), 0);
}

static void
fix_touch(const struct fix *f, const char *rel)
{
	char	p[PATH_MAX];
	int	fd;

	fd = open(fix_path(f, p, rel), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void
fix_unlink(const struct fix *f, const char *rel)
{
	char	p[PATH_MAX];

	ck_assert_int_eq(unlink(fix_path(f, p, rel)), 0);
}

static void
fix_rename(const struct fix *f, const char *from, const char *to)
{
	char	p[PATH_MAX], q[PATH_MAX];

	ck_assert_int_eq(rename(fix_path(f, p, from), fix_path(f, q, to)), 0);
}

static struct dirwatch_dir *
fix_watch(struct fix *f, struct watcher *w, const char *rel)
{
	char	p[PATH_MAX];

	w->d = dirwatch_add(f->dw, fix_path(f, p, rel), test_cb, w);
	ck_assert_msg(w->d != NULL, "dirwatch_add %s: %s", p, strerror(errno));
	ck_assert_str_eq(dirwatch_path(w->d), p);
	return w->d;
}

/* Index of the first record at or after from matching id, ev and name. */
static ssize_t
fix_find(const struct fix *f, size_t from, int id, enum dirwatch_ev ev,
    const char *name)
{
	const struct rec	*r;
	size_t			 i;

	for (i = from; i < f->nrec; i++) {
		r = &f->recs[i];
		if (r->id != id || r->ev != ev)
			continue;
		if (name == NULL ? r->name == NULL :
		    r->name != NULL && strcmp(r->name, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

static size_t
fix_count(const struct fix *f, size_t from, int id)
{
	size_t	i, n = 0;

	for (i = from; i < f->nrec; i++)
		if (f->recs[i].id == id)
			n++;
	return n;
}

/* Runs the loop until done(f, arg) holds; fails the case on the guard. */
static void
fix_wait(struct fix *f, int (*done)(struct fix *, const void *),
    const void *arg, const char *what)
{
	struct timeval	tv = { TEST_GUARD_S, 0 };

	f->expired = 0;
	ck_assert_int_eq(evtimer_add(f->guard, &tv), 0);
	while (!done(f, arg) && !f->expired)
		ck_assert_int_ge(event_base_loop(f->base, EVLOOP_ONCE), 0);
	evtimer_del(f->guard);
	ck_assert_msg(!f->expired, "timed out waiting for %s", what);
}

struct want {
	int			 id;
	enum dirwatch_ev	 ev;
	const char		*name;
	size_t			 from;
};

static int
fix_has(struct fix *f, const void *arg)
{
	const struct want	*w = arg;

	return fix_find(f, w->from, w->id, w->ev, w->name) != -1;
}

/* Waits for a report at or after record from; returns its index. */
static size_t
fix_wait_rec(struct fix *f, size_t from, int id, enum dirwatch_ev ev,
    const char *name)
{
	struct want	w = { id, ev, name, from };
	char		what[PATH_MAX + 64];

	snprintf(what, sizeof(what), "id %d ev %d %s", id, (int)ev,
	    name == NULL ? "(null)" : name);
	fix_wait(f, fix_has, &w, what);
	return (size_t)fix_find(f, from, id, ev, name);
}

/* Watches tmp/ctl for barriers; call before any fix_barrier. */
static void
fix_ctl(struct fix *f)
{
	fix_mkdir(f, "ctl");
	watcher_init(&f->ctl, f, ID_CTL);
	fix_watch(f, &f->ctl, "ctl");
}

/*
 * Returns once every event queued before this call has been reported: one
 * inotify fd is one FIFO queue, and EVLOOP_ONCE also runs the scans that
 * were due in the same iteration.
 */
static void
fix_barrier(struct fix *f)
{
	char	name[64], rel[96];

	snprintf(name, sizeof(name), "barrier.%u", f->nbarrier++);
	snprintf(rel, sizeof(rel), "ctl/%s", name);
	fix_touch(f, rel);
	fix_wait_rec(f, 0, ID_CTL, DIRWATCH_ADD, name);
}

static int
test_tick_done(struct fix *f, const void *arg)
{
	return *(const int *)arg;
}

static void
test_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(*(int *)arg)++;
}

/* Runs n loop iterations that are due now, without dirwatch's help. */
static void
fix_spin(struct fix *f, int n)
{
	struct timeval	 now = { 0, 0 };
	struct event	*ev;
	int		 fired;

	for (; n > 0; n--) {
		fired = 0;
		ev = evtimer_new(f->base, test_tick_cb, &fired);
		ck_assert_ptr_nonnull(ev);
		ck_assert_int_eq(evtimer_add(ev, &now), 0);
		fix_wait(f, test_tick_done, &fired, "tick");
		event_free(ev);
	}
}

/*
 * Kernel watches held by this process, from /proc/self/fdinfo: proves that
 * dropped directories do not leak inotify watches.
 */
static int
fix_kernel_watches(void)
{
	DIR		*dir;
	struct dirent	*de;
	FILE		*fp;
	char		 p[PATH_MAX], line[512];
	int		 n = 0;

	ck_assert_ptr_nonnull(dir = opendir("/proc/self/fdinfo"));
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/self/fdinfo/%s", de->d_name);
		if ((fp = fopen(p, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL)
			if (strncmp(line, "inotify wd:", 11) == 0)
				n++;
		fclose(fp);
	}
	closedir(dir);
	return n;
}

/* --- cases ---------------------------------------------------------------- */

START_TEST(initial_scan)
{
	struct fix		f;
	struct watcher		w;
	struct sockaddr_un	sa;
	char			p[PATH_MAX];
	int			s;

	fix_init(&f);
	fix_mkdir(&f, "w");
	fix_touch(&f, "w/file");
	fix_touch(&f, "w/.hidden");
	fix_mkdir(&f, "w/dir");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	fix_path(&f, p, "w/sock");
	ck_assert_uint_lt(strlen(p), sizeof(sa.sun_path));
	strcpy(sa.sun_path, p);
	ck_assert_int_ge(s = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);

	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	/* Nothing from inside dirwatch_add. */
	ck_assert_uint_eq(f.nrec, 0);
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "file");
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, ".hidden");
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "dir");
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "sock");
	/* The scan reports each entry once, and nothing else. */
	ck_assert_uint_eq(f.nrec, 4);
	ck_assert_int_eq(w.nev[DIRWATCH_ADD], 4);
	close(s);
	fix_done(&f);
}
END_TEST

START_TEST(create_file)
{
	struct fix	f;
	struct watcher	w;
	size_t		mark;

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "w");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	fix_barrier(&f);
	ck_assert_uint_eq(fix_count(&f, 0, 1), 0);
	mark = f.nrec;
	fix_touch(&f, "w/new");
	fix_wait_rec(&f, mark, 1, DIRWATCH_ADD, "new");
	fix_done(&f);
}
END_TEST

START_TEST(unlink_file)
{
	struct fix	f;
	struct watcher	w;
	size_t		mark;

	fix_init(&f);
	fix_mkdir(&f, "w");
	fix_touch(&f, "w/old");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	mark = fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "old");
	fix_unlink(&f, "w/old");
	fix_wait_rec(&f, mark, 1, DIRWATCH_REMOVE, "old");
	fix_done(&f);
}
END_TEST

START_TEST(rename_within)
{
	struct fix	f;
	struct watcher	w;
	size_t		mark, rm, add;

	fix_init(&f);
	fix_mkdir(&f, "w");
	fix_touch(&f, "w/a");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	mark = fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "a");
	fix_rename(&f, "w/a", "w/b");
	rm = fix_wait_rec(&f, mark, 1, DIRWATCH_REMOVE, "a");
	add = fix_wait_rec(&f, mark, 1, DIRWATCH_ADD, "b");
	ck_assert_uint_lt(rm, add);
	fix_done(&f);
}
END_TEST

START_TEST(move_in_out)
{
	struct fix	f;
	struct watcher	w;
	size_t		mark;

	fix_init(&f);
	fix_mkdir(&f, "w");
	fix_mkdir(&f, "other");
	fix_touch(&f, "w/leaving");
	fix_touch(&f, "other/coming");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	mark = fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "leaving");
	fix_rename(&f, "other/coming", "w/coming");
	mark = fix_wait_rec(&f, mark, 1, DIRWATCH_ADD, "coming");
	fix_rename(&f, "w/leaving", "other/leaving");
	fix_wait_rec(&f, mark, 1, DIRWATCH_REMOVE, "leaving");
	ck_assert_int_eq(w.nev[DIRWATCH_GONE], 0);
	fix_done(&f);
}
END_TEST

START_TEST(mkdir_subdir)
{
	struct fix	f;
	struct watcher	w;
	size_t		mark;

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "w");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	fix_barrier(&f);
	mark = f.nrec;
	fix_mkdir(&f, "w/sub");
	fix_wait_rec(&f, mark, 1, DIRWATCH_ADD, "sub");
	/* Entries of the subdirectory are not the watch's business. */
	fix_touch(&f, "w/sub/deep");
	fix_barrier(&f);
	ck_assert_int_eq(fix_find(&f, 0, 1, DIRWATCH_ADD, "deep"), -1);
	fix_done(&f);
}
END_TEST

START_TEST(dir_deleted)
{
	struct fix	f;
	struct watcher	w;
	size_t		mark, gone;
	char		p[PATH_MAX];

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "w");
	fix_touch(&f, "w/f");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	mark = fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "f");
	fix_unlink(&f, "w/f");
	ck_assert_int_eq(rmdir(fix_path(&f, p, "w")), 0);
	gone = fix_wait_rec(&f, mark, 1, DIRWATCH_GONE, NULL);
	ck_assert_int_ne(fix_find(&f, mark, 1, DIRWATCH_REMOVE, "f"), -1);
	/* Once, nothing after: IN_DELETE_SELF and IN_IGNORED are one GONE. */
	fix_barrier(&f);
	ck_assert_uint_eq(fix_count(&f, gone + 1, 1), 0);
	ck_assert_int_eq(w.nev[DIRWATCH_GONE], 1);
	/* The path can be watched again once recreated. */
	fix_mkdir(&f, "w");
	fix_touch(&f, "w/again");
	fix_watch(&f, &w, "w");
	fix_wait_rec(&f, gone + 1, 1, DIRWATCH_ADD, "again");
	fix_done(&f);
}
END_TEST

START_TEST(dir_renamed)
{
	struct fix	f;
	struct watcher	w;
	size_t		gone;

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "w");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	fix_barrier(&f);
	fix_rename(&f, "w", "w2");
	gone = fix_wait_rec(&f, 0, 1, DIRWATCH_GONE, NULL);
	/* The renamed directory is no longer watched. */
	fix_touch(&f, "w2/late");
	fix_barrier(&f);
	ck_assert_uint_eq(fix_count(&f, gone + 1, 1), 0);
	ck_assert_int_eq(w.nev[DIRWATCH_GONE], 1);
	/* Only the control directory keeps a kernel watch. */
	ck_assert_int_eq(fix_kernel_watches(), 1);
	fix_done(&f);
}
END_TEST

/* g1 renamed to g2 and g2 watched before the events are read: one inode. */
START_TEST(renamed_and_readded)
{
	struct fix	f;
	struct watcher	a, b;
	size_t		mark;

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "g1");
	watcher_init(&a, &f, 1);
	watcher_init(&b, &f, 2);
	fix_watch(&f, &a, "g1");
	fix_barrier(&f);
	fix_rename(&f, "g1", "g2");
	fix_watch(&f, &b, "g2");
	fix_wait_rec(&f, 0, 1, DIRWATCH_GONE, NULL);
	fix_barrier(&f);
	mark = f.nrec;
	fix_touch(&f, "g2/x");
	fix_wait_rec(&f, mark, 2, DIRWATCH_ADD, "x");
	fix_barrier(&f);
	ck_assert_int_eq(a.nev[DIRWATCH_GONE], 1);
	ck_assert_int_eq(b.nev[DIRWATCH_GONE], 0);
	ck_assert_uint_eq(fix_count(&f, mark, 1), 0);
	ck_assert_int_eq(fix_kernel_watches(), 2);
	fix_done(&f);
}
END_TEST

START_TEST(same_dir_twice)
{
	struct fix	f;
	struct watcher	a, b;
	size_t		mark;
	char		p[PATH_MAX];

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "w");
	watcher_init(&a, &f, 1);
	watcher_init(&b, &f, 2);
	fix_watch(&f, &a, "w");
	fix_watch(&f, &b, "w/.");
	ck_assert_int_eq(fix_kernel_watches(), 2);
	fix_barrier(&f);
	mark = f.nrec;
	fix_touch(&f, "w/x");
	fix_wait_rec(&f, mark, 1, DIRWATCH_ADD, "x");
	fix_wait_rec(&f, mark, 2, DIRWATCH_ADD, "x");
	/* Removing one keeps the other's kernel watch. */
	dirwatch_remove(a.d);
	ck_assert_int_eq(fix_kernel_watches(), 2);
	mark = f.nrec;
	fix_touch(&f, "w/y");
	fix_wait_rec(&f, mark, 2, DIRWATCH_ADD, "y");
	fix_barrier(&f);
	ck_assert_uint_eq(fix_count(&f, mark, 1), 0);
	/* Deleted: both watches end, the removed one silently. */
	fix_unlink(&f, "w/x");
	fix_unlink(&f, "w/y");
	ck_assert_int_eq(rmdir(fix_path(&f, p, "w")), 0);
	fix_wait_rec(&f, mark, 2, DIRWATCH_GONE, NULL);
	fix_barrier(&f);
	ck_assert_uint_eq(fix_count(&f, mark, 1), 0);
	ck_assert_int_eq(b.nev[DIRWATCH_GONE], 1);
	ck_assert_int_eq(fix_kernel_watches(), 1);
	fix_done(&f);
}
END_TEST

START_TEST(add_errors)
{
	struct fix	f;
	struct watcher	w;
	char		p[PATH_MAX];

	fix_init(&f);
	watcher_init(&w, &f, 1);
	errno = 0;
	ck_assert_ptr_null(dirwatch_add(f.dw, fix_path(&f, p, "missing"),
	    test_cb, &w));
	ck_assert_int_eq(errno, ENOENT);
	fix_touch(&f, "file");
	errno = 0;
	ck_assert_ptr_null(dirwatch_add(f.dw, fix_path(&f, p, "file"),
	    test_cb, &w));
	ck_assert_int_eq(errno, ENOTDIR);
	errno = 0;
	ck_assert_ptr_null(dirwatch_add(f.dw, f.tmp, NULL, &w));
	ck_assert_int_eq(errno, EINVAL);
	fix_spin(&f, 2);
	ck_assert_uint_eq(f.nrec, 0);
	fix_done(&f);
}
END_TEST

START_TEST(remove_in_callback)
{
	struct fix	f;
	struct watcher	w;
	int		i;
	char		rel[32];

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "w");
	for (i = 0; i < 5; i++) {
		snprintf(rel, sizeof(rel), "w/f%d", i);
		fix_touch(&f, rel);
	}
	watcher_init(&w, &f, 1);
	w.remove_self = 1;
	fix_watch(&f, &w, "w");
	/* A rescan asked before the scan ran is the same scan. */
	dirwatch_rescan(w.d);
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "f0");
	fix_touch(&f, "w/later");
	fix_unlink(&f, "w/f1");
	fix_barrier(&f);
	fix_spin(&f, 2);
	ck_assert_uint_eq(fix_count(&f, 0, 1), 1);
	fix_done(&f);
}
END_TEST

START_TEST(remove_on_event)
{
	struct fix	f;
	struct watcher	w;

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "w");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	fix_barrier(&f);
	w.remove_self = 1;
	/* Several events land in one read(); only the first is reported. */
	fix_touch(&f, "w/a");
	fix_touch(&f, "w/b");
	fix_unlink(&f, "w/a");
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "a");
	fix_barrier(&f);
	ck_assert_uint_eq(fix_count(&f, 0, 1), 1);
	fix_done(&f);
}
END_TEST

START_TEST(add_in_callback)
{
	struct fix	f;
	struct watcher	parent, child;
	size_t		mark;

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "top");
	watcher_init(&parent, &f, 1);
	watcher_init(&child, &f, 2);
	parent.add_subdirs = 1;
	parent.sub = &child;
	fix_watch(&f, &parent, "top");
	fix_barrier(&f);
	fix_mkdir(&f, "top/guest");
	fix_touch(&f, "top/guest/early");
	fix_wait_rec(&f, 0, 2, DIRWATCH_ADD, "early");
	mark = f.nrec;
	fix_touch(&f, "top/guest/sock");
	fix_wait_rec(&f, mark, 2, DIRWATCH_ADD, "sock");
	fix_done(&f);
}
END_TEST

START_TEST(two_dirs)
{
	struct fix	f;
	struct watcher	a, b;
	size_t		mark;

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "a");
	fix_mkdir(&f, "b");
	fix_touch(&f, "a/only-a");
	fix_touch(&f, "b/only-b");
	watcher_init(&a, &f, 1);
	watcher_init(&b, &f, 2);
	fix_watch(&f, &a, "a");
	fix_watch(&f, &b, "b");
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "only-a");
	fix_wait_rec(&f, 0, 2, DIRWATCH_ADD, "only-b");
	mark = f.nrec;
	fix_touch(&f, "a/x");
	fix_touch(&f, "b/y");
	fix_unlink(&f, "a/only-a");
	fix_wait_rec(&f, mark, 1, DIRWATCH_ADD, "x");
	fix_wait_rec(&f, mark, 2, DIRWATCH_ADD, "y");
	fix_wait_rec(&f, mark, 1, DIRWATCH_REMOVE, "only-a");
	fix_barrier(&f);
	/* test_cb checks d against the watcher; check the names too. */
	ck_assert_int_eq(fix_find(&f, 0, 2, DIRWATCH_ADD, "x"), -1);
	ck_assert_int_eq(fix_find(&f, 0, 1, DIRWATCH_ADD, "y"), -1);
	ck_assert_int_eq(fix_find(&f, 0, 2, DIRWATCH_ADD, "only-a"), -1);
	ck_assert_int_eq(fix_find(&f, 0, 1, DIRWATCH_ADD, "only-b"), -1);
	ck_assert_uint_eq(fix_count(&f, 0, 1), 3);
	ck_assert_uint_eq(fix_count(&f, 0, 2), 2);
	fix_done(&f);
}
END_TEST

START_TEST(rescan)
{
	struct fix	f;
	struct watcher	w;
	size_t		mark;

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "w");
	fix_touch(&f, "w/one");
	fix_touch(&f, "w/two");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "one");
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "two");
	fix_barrier(&f);
	mark = f.nrec;
	dirwatch_rescan(w.d);
	dirwatch_rescan(w.d);
	ck_assert_uint_eq(f.nrec, mark);
	fix_wait_rec(&f, mark, 1, DIRWATCH_ADD, "one");
	fix_wait_rec(&f, mark, 1, DIRWATCH_ADD, "two");
	fix_barrier(&f);
	/* Two requests before the loop ran are one scan. */
	ck_assert_uint_eq(fix_count(&f, mark, 1), 2);
	fix_done(&f);
}
END_TEST

/* Events read before the initial scan are left to it: it comes first. */
START_TEST(events_before_scan)
{
	struct fix	f;
	struct watcher	w;

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "w");
	fix_touch(&f, "w/pre");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	fix_touch(&f, "w/x");
	fix_unlink(&f, "w/pre");
	fix_barrier(&f);
	ck_assert_uint_eq(fix_count(&f, 0, 1), 1);
	ck_assert_int_ne(fix_find(&f, 0, 1, DIRWATCH_ADD, "x"), -1);
	fix_done(&f);
}
END_TEST

START_TEST(remove_pending)
{
	struct fix	f;
	struct watcher	w;

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "w");
	fix_touch(&f, "w/pre");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	ck_assert_int_eq(fix_kernel_watches(), 2);
	dirwatch_remove(w.d);
	ck_assert_int_eq(fix_kernel_watches(), 1);
	fix_touch(&f, "w/x");
	fix_barrier(&f);
	fix_spin(&f, 2);
	ck_assert_uint_eq(fix_count(&f, 0, 1), 0);
	fix_done(&f);
}
END_TEST

static int
test_rescans_done(struct fix *f, const void *arg)
{
	const struct watcher	*w = arg;

	return w->nev[DIRWATCH_ADD] >= 5;
}

/* A callback asking for a rescan gets it on a later loop iteration. */
START_TEST(rescan_in_callback)
{
	struct fix	f;
	struct watcher	w;
	size_t		mark;

	fix_init(&f);
	fix_ctl(&f);
	fix_mkdir(&f, "w");
	fix_touch(&f, "w/x");
	watcher_init(&w, &f, 1);
	w.rescan_self = 1;
	fix_watch(&f, &w, "w");
	fix_wait(&f, test_rescans_done, &w, "5 scans");
	w.rescan_self = 0;
	fix_barrier(&f);
	mark = f.nrec;
	fix_barrier(&f);
	ck_assert_uint_eq(fix_count(&f, mark, 1), 0);
	fix_done(&f);
}
END_TEST

/* A scan that runs out of fds is retried, and covers what it held back. */
START_TEST(scan_emfile_retry)
{
	struct fix	f;
	struct watcher	w;
	struct rlimit	rl;
	int		fds[256], nfd = 0;
	char		p[PATH_MAX];

	fix_init(&f);
	fix_mkdir(&f, "w");
	fix_touch(&f, "w/pre");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	fix_path(&f, p, "w/during");

	/* Fork mode: the lowered limit dies with this child. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 64;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	while (nfd < (int)(sizeof(fds) / sizeof(fds[0])) &&
	    (fds[nfd] = dup(0)) != -1)
		nfd++;
	ck_assert_int_eq(errno, EMFILE);
	fix_spin(&f, 2);
	ck_assert_uint_eq(f.nrec, 0);
	/* Held back by the pending scan, not lost. */
	ck_assert_int_eq(mkdir(p, 0700), 0);
	fix_spin(&f, 2);
	ck_assert_uint_eq(f.nrec, 0);
	while (nfd > 0)
		close(fds[--nfd]);

	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "pre");
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "during");
	fix_done(&f);
}
END_TEST

static int
test_many_done(struct fix *f, const void *arg)
{
	const struct watcher	*w = arg;
	int			 i;

	for (i = 0; i < TEST_MANY; i++)
		if (w[i].nev[DIRWATCH_ADD] < 2)
			return 0;
	return 1;
}

START_TEST(many_dirs)
{
	struct fix	 f;
	struct watcher	*w;
	char		 rel[64];
	int		 i;

	fix_init(&f);
	ck_assert_ptr_nonnull(w = calloc(TEST_MANY, sizeof(*w)));
	for (i = 0; i < TEST_MANY; i++) {
		snprintf(rel, sizeof(rel), "g%03d", i);
		fix_mkdir(&f, rel);
		snprintf(rel, sizeof(rel), "g%03d/pre%d", i, i);
		fix_touch(&f, rel);
		watcher_init(&w[i], &f, i);
		snprintf(rel, sizeof(rel), "g%03d", i);
		fix_watch(&f, &w[i], rel);
	}
	for (i = 0; i < TEST_MANY; i++) {
		snprintf(rel, sizeof(rel), "g%03d/new%d", i, i);
		fix_touch(&f, rel);
	}
	fix_wait(&f, test_many_done, w, "an ADD in every directory");
	for (i = 0; i < TEST_MANY; i++) {
		snprintf(rel, sizeof(rel), "pre%d", i);
		ck_assert_int_ne(fix_find(&f, 0, i, DIRWATCH_ADD, rel), -1);
		snprintf(rel, sizeof(rel), "new%d", i);
		ck_assert_int_ne(fix_find(&f, 0, i, DIRWATCH_ADD, rel), -1);
	}
	/* Remove every other watch; the rest still hear. */
	ck_assert_int_eq(fix_kernel_watches(), TEST_MANY);
	for (i = 0; i < TEST_MANY; i += 2)
		dirwatch_remove(w[i].d);
	ck_assert_int_eq(fix_kernel_watches(), TEST_MANY / 2);
	for (i = 0; i < TEST_MANY; i++) {
		w[i].nev[DIRWATCH_REMOVE] = 0;
		snprintf(rel, sizeof(rel), "g%03d/new%d", i, i);
		fix_unlink(&f, rel);
	}
	for (i = 1; i < TEST_MANY; i += 2) {
		snprintf(rel, sizeof(rel), "new%d", i);
		fix_wait_rec(&f, 0, i, DIRWATCH_REMOVE, rel);
	}
	for (i = 0; i < TEST_MANY; i += 2)
		ck_assert_int_eq(w[i].nev[DIRWATCH_REMOVE], 0);
	fix_done(&f);
	free(w);
}
END_TEST

START_TEST(free_pending)
{
	struct fix	f;
	struct watcher	w[3];
	char		rel[32];
	int		i;

	fix_init(&f);
	for (i = 0; i < 3; i++) {
		snprintf(rel, sizeof(rel), "d%d", i);
		fix_mkdir(&f, rel);
		snprintf(rel, sizeof(rel), "d%d/f", i);
		fix_touch(&f, rel);
		watcher_init(&w[i], &f, i);
		snprintf(rel, sizeof(rel), "d%d", i);
		fix_watch(&f, &w[i], rel);
		dirwatch_rescan(w[i].d);
	}
	dirwatch_remove(w[1].d);
	dirwatch_free(f.dw);
	f.dw = NULL;
	fix_touch(&f, "d0/after");
	fix_spin(&f, 3);
	ck_assert_uint_eq(f.nrec, 0);
	fix_done(&f);
}
END_TEST

START_TEST(free_in_callback)
{
	struct fix	f;
	struct watcher	a, b;
	char		rel[32];
	int		i;

	fix_init(&f);
	fix_mkdir(&f, "a");
	fix_mkdir(&f, "b");
	for (i = 0; i < 10; i++) {
		snprintf(rel, sizeof(rel), "a/f%d", i);
		fix_touch(&f, rel);
		snprintf(rel, sizeof(rel), "b/f%d", i);
		fix_touch(&f, rel);
	}
	watcher_init(&a, &f, 1);
	watcher_init(&b, &f, 2);
	a.free_all = b.free_all = 1;
	fix_watch(&f, &a, "a");
	fix_watch(&f, &b, "b");
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "f0");
	ck_assert_ptr_null(f.dw);
	fix_spin(&f, 3);
	ck_assert_uint_eq(f.nrec, 1);
	fix_done(&f);
}
END_TEST

/*
 * Overflow the kernel queue: the lost unlink is recovered by the rescan
 * as a REMOVE, and untouched entries are reported again.
 */
START_TEST(queue_overflow)
{
	struct fix	 f;
	struct watcher	 w;
	char		 p[PATH_MAX];
	FILE		*fp;
	long		 max = 0, i;
	int		 fd[2];
	size_t		 mark;

	fp = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	if (fp == NULL)
		return;
	if (fscanf(fp, "%ld", &max) != 1)
		max = 0;
	fclose(fp);
	/* Too slow to fill on this host: nothing to check. */
	if (max <= 0 || max > 1000000)
		return;

	fix_init(&f);
	fix_mkdir(&f, "w");
	fix_touch(&f, "w/keep");
	fix_touch(&f, "w/lost");
	watcher_init(&w, &f, 1);
	fix_watch(&f, &w, "w");
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "keep");
	fix_wait_rec(&f, 0, 1, DIRWATCH_ADD, "lost");
	mark = f.nrec;

	/* Alternate two names: the kernel merges identical tail events. */
	fd[0] = open(fix_path(&f, p, "w/c0"), O_RDWR | O_CREAT | O_CLOEXEC,
	    0600);
	fd[1] = open(fix_path(&f, p, "w/c1"), O_RDWR | O_CREAT | O_CLOEXEC,
	    0600);
	ck_assert_int_ge(fd[0], 0);
	ck_assert_int_ge(fd[1], 0);
	for (i = 0; i < max + 16; i++)
		ck_assert_int_eq(fchmod(fd[i & 1], (i & 2) ? 0600 : 0644), 0);
	close(fd[0]);
	close(fd[1]);
	fix_unlink(&f, "w/lost");

	fix_wait_rec(&f, mark, 1, DIRWATCH_REMOVE, "lost");
	fix_wait_rec(&f, mark, 1, DIRWATCH_ADD, "keep");
	fix_wait_rec(&f, mark, 1, DIRWATCH_ADD, "c0");
	fix_wait_rec(&f, mark, 1, DIRWATCH_ADD, "c1");
	fix_done(&f);
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("dirwatch");

	tcase_add_test(checkmain_tcase(s, "initial_scan"), initial_scan);
	tcase_add_test(checkmain_tcase(s, "create_file"), create_file);
	tcase_add_test(checkmain_tcase(s, "unlink_file"), unlink_file);
	tcase_add_test(checkmain_tcase(s, "rename_within"), rename_within);
	tcase_add_test(checkmain_tcase(s, "move_in_out"), move_in_out);
	tcase_add_test(checkmain_tcase(s, "mkdir_subdir"), mkdir_subdir);
	tcase_add_test(checkmain_tcase(s, "dir_deleted"), dir_deleted);
	tcase_add_test(checkmain_tcase(s, "dir_renamed"), dir_renamed);
	tcase_add_test(checkmain_tcase(s, "renamed_and_readded"),
	    renamed_and_readded);
	tcase_add_test(checkmain_tcase(s, "same_dir_twice"), same_dir_twice);
	tcase_add_test(checkmain_tcase(s, "add_errors"), add_errors);
	tcase_add_test(checkmain_tcase(s, "remove_in_callback"),
	    remove_in_callback);
	tcase_add_test(checkmain_tcase(s, "remove_on_event"), remove_on_event);
	tcase_add_test(checkmain_tcase(s, "add_in_callback"), add_in_callback);
	tcase_add_test(checkmain_tcase(s, "two_dirs"), two_dirs);
	tcase_add_test(checkmain_tcase(s, "rescan"), rescan);
	tcase_add_test(checkmain_tcase(s, "events_before_scan"),
	    events_before_scan);
	tcase_add_test(checkmain_tcase(s, "remove_pending"), remove_pending);
	tcase_add_test(checkmain_tcase(s, "rescan_in_callback"),
	    rescan_in_callback);
	tcase_add_test(checkmain_tcase(s, "scan_emfile_retry"),
	    scan_emfile_retry);
	tcase_add_test(checkmain_tcase(s, "many_dirs"), many_dirs);
	tcase_add_test(checkmain_tcase(s, "free_pending"), free_pending);
	tcase_add_test(checkmain_tcase(s, "free_in_callback"),
	    free_in_callback);
	tcase_add_test(checkmain_tcase(s, "queue_overflow"), queue_overflow);
	return s;
}

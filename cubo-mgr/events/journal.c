/* SPDX-License-Identifier: Apache-2.0 */
/* The event journal: see journal.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/events/journal.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/xalloc.h"

#define OLD_SUFFIX ".1"
#define LOCK_FILE "journal.lock"
#define READ_CAP (2 * EV_LINE_MAX)

static int open_journal(const char *path, int flags)
{
	return open(path, flags | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/*
 * The file fd was written passed the cap: rename it to .1, unless another
 * writer did already (the name is another file now).
 */
static struct cubo_error *rotate(const char *dir, const char *path, const struct stat *st)
{
	char *lock_path = cubo_path_join(dir, LOCK_FILE);
	int lock;
	struct cubo_error *err = cubo_lock_path(lock_path, true, &lock);
	free(lock_path);
	CUBO_TRY(err);
	struct stat now;
	if (lstat(path, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino) {
		char *old = xasprintf("%s%s", path, OLD_SUFFIX);
		if (rename(path, old) < 0)
			err = cubo_error_errno("rename %s", path);
		free(old);
	}
	cubo_unlock(lock);
	return err;
}

struct cubo_error *ev_journal_append(const char *root, struct ev_event *e)
{
	if (!e->time_ns) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		e->time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	char *line;
	size_t len;
	CUBO_TRY(ev_event_encode(e, &line, &len));
	char *dir = cubo_path_join(root, EV_JOURNAL_DIR);
	char *path = cubo_path_join(dir, EV_JOURNAL_FILE);
	struct cubo_error *err = NULL;
	int fd = open_journal(path, O_WRONLY | O_APPEND | O_CREAT);
	if (fd < 0 && errno == ENOENT) {
		err = cubo_mkdir_p(dir, 0700);
		fd = err ? -1 : open_journal(path, O_WRONLY | O_APPEND | O_CREAT);
	}
	if (!err && fd < 0)
		err = cubo_error_errno("open %s", path);
	if (!err) {
		/* one write: O_APPEND places it whole after every other writer's line */
		ssize_t w = write(fd, line, len);
		if (w < 0)
			err = cubo_error_errno("write %s", path);
		else if ((size_t)w != len)
			err = cubo_error_new("write %s: short write", path);
	}
	struct stat st;
	if (!err && fstat(fd, &st) == 0 && st.st_size > (off_t)EV_JOURNAL_MAX)
		err = rotate(dir, path, &st);
	if (fd >= 0)
		close(fd);
	free(line);
	free(path);
	free(dir);
	return err;
}

static void set_current(struct ev_reader *r, int fd, off_t pos)
{
	struct stat st;
	r->fd = fd;
	r->pos = pos;
	if (fd >= 0 && fstat(fd, &st) == 0) {
		r->dev = st.st_dev;
		r->ino = st.st_ino;
	}
}

struct cubo_error *ev_reader_open(const char *root, bool from_start, struct ev_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->old_fd = r->fd = -1;
	r->dir = cubo_path_join(root, EV_JOURNAL_DIR);
	r->path = cubo_path_join(r->dir, EV_JOURNAL_FILE);
	r->buf = xmalloc(READ_CAP);
	CUBO_TRY(cubo_mkdir_p(r->dir, 0700));
	int fd = open_journal(r->path, O_RDONLY);
	if (fd < 0 && errno != ENOENT)
		return cubo_error_errno("open %s", r->path);
	struct stat st;
	if (!from_start) {
		set_current(r, fd, fd >= 0 && fstat(fd, &st) == 0 ? st.st_size : 0);
		return NULL;
	}
	set_current(r, fd, 0);
	char *old = xasprintf("%s%s", r->path, OLD_SUFFIX);
	r->old_fd = open_journal(old, O_RDONLY);
	free(old);
	/* rotated between the two opens: the older file is the one we hold */
	if (r->old_fd >= 0 && fd >= 0 && fstat(r->old_fd, &st) == 0 && st.st_ino == r->ino &&
	    st.st_dev == r->dev) {
		close(r->old_fd);
		r->old_fd = fd;
		set_current(r, open_journal(r->path, O_RDONLY), 0);
	}
	return NULL;
}

/* The lines of r->buf[0..len): each whole one to fn; the last, unended, kept. */
static struct cubo_error *feed(struct ev_reader *r, ev_fn fn, void *ctx)
{
	size_t start = 0;
	char *nl;
	while ((nl = memchr(r->buf + start, '\n', r->len - start))) {
		size_t n = (size_t)(nl - (r->buf + start));
		if (!r->skipping && n > 0) {
			struct ev_event e;
			struct cubo_error *perr = ev_event_parse(r->buf + start, n, &e);
			if (perr) { /* not an event: a torn write, or garbage */
				cubo_error_free(perr);
			} else {
				struct cubo_error *err = fn(&e, ctx);
				ev_event_free(&e);
				if (err) {
					memmove(r->buf, nl + 1, r->len - (start + n + 1));
					r->len -= start + n + 1;
					return err;
				}
			}
		}
		r->skipping = false;
		start += n + 1;
	}
	memmove(r->buf, r->buf + start, r->len - start);
	r->len -= start;
	if (r->len == READ_CAP) { /* no end in sight: too long to be an event */
		r->skipping = true;
		r->len = 0;
	}
	return NULL;
}

static struct cubo_error *drain(struct ev_reader *r, int fd, off_t *pos, ev_fn fn, void *ctx)
{
	for (;;) {
		ssize_t n = pread(fd, r->buf + r->len, READ_CAP - r->len, *pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cubo_error_errno("read %s", r->path);
		if (n == 0)
			return NULL;
		*pos += n;
		r->len += (size_t)n;
		CUBO_TRY(feed(r, fn, ctx));
	}
}

/* A file ends with whole lines, unless its writer died mid-line: drop that. */
static void end_of_file(struct ev_reader *r)
{
	r->len = 0;
	r->skipping = false;
}

struct cubo_error *ev_reader_read(struct ev_reader *r, ev_fn fn, void *ctx)
{
	if (r->old_fd >= 0) {
		off_t pos = 0;
		struct cubo_error *err = drain(r, r->old_fd, &pos, fn, ctx);
		close(r->old_fd);
		r->old_fd = -1;
		end_of_file(r);
		CUBO_TRY(err);
	}
	for (;;) {
		if (r->fd >= 0)
			CUBO_TRY(drain(r, r->fd, &r->pos, fn, ctx));
		struct stat st;
		if (stat(r->path, &st) < 0 ||
		    (r->fd >= 0 && st.st_dev == r->dev && st.st_ino == r->ino))
			return NULL;
		/* rotated (or made): what is left of the old file, then the new one */
		if (r->fd >= 0) {
			CUBO_TRY(drain(r, r->fd, &r->pos, fn, ctx));
			close(r->fd);
			end_of_file(r);
		}
		set_current(r, open_journal(r->path, O_RDONLY), 0);
		if (r->fd < 0)
			return NULL;
	}
}

void ev_reader_close(struct ev_reader *r)
{
	if (r->old_fd >= 0)
		close(r->old_fd);
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r->path);
	free(r->dir);
	memset(r, 0, sizeof(*r));
	r->old_fd = r->fd = -1;
}

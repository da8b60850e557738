/* SPDX-License-Identifier: Apache-2.0 */
/* A rotated container log's files, oldest first: see logset.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/container/logconf.h"
#include "cubo-mgr/container/logfile.h"
#include "cubo-mgr/container/logset.h"
#include "shared/lock.h"
#include "shared/xalloc.h"

/* a set opened again this often while rotations kept moving it: give up */
#define OPEN_ATTEMPTS 20

void log_set_close(struct log_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].fd >= 0)
			close(v[i].fd);
	free(v);
}

size_t log_set_find(const struct log_file *v, size_t n, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].dev == dev && v[i].ino == ino)
			return i;
	return n;
}

static struct cubo_error *open_set(const char *path, struct log_file **out, size_t *n);

/* Newest first; *moved when a file came twice (a rotation moved the names). */
static struct cubo_error *open_once(const char *path, struct log_file **out, size_t *n, bool *moved)
{
	struct log_file *v = NULL;
	size_t len = 0;
	*moved = false;
	for (unsigned i = 0; i <= LOG_MAX_FILES; i++) {
		char *name = i ? xasprintf("%s.%u", path, i) : xstrdup(path);
		int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		struct cubo_error *err = NULL;
		if (fd < 0 && errno != ENOENT)
			err = cubo_error_errno("open %s", name);
		free(name);
		if (err) {
			log_set_close(v, len);
			return err;
		}
		if (fd < 0)
			break;
		struct stat st;
		if (fstat(fd, &st) < 0) {
			close(fd);
			log_set_close(v, len);
			return cubo_error_errno("stat the container log");
		}
		if (log_set_find(v, len, st.st_dev, st.st_ino) < len) {
			close(fd);
			*moved = true;
			break;
		}
		v = xrealloc(v, (len + 1) * sizeof(*v));
		v[len++] = (struct log_file){fd, st.st_dev, st.st_ino};
	}
	/* oldest first */
	for (size_t i = 0; i < len / 2; i++) {
		struct log_file t = v[i];
		v[i] = v[len - 1 - i];
		v[len - 1 - i] = t;
	}
	*out = v;
	*n = len;
	return NULL;
}

struct cubo_error *log_set_open(const char *path, struct log_file **out, size_t *n)
{
	/* the writer renames under this lock: a set opened under it has no gap */
	char *lock_path = xasprintf("%s" LOG_LOCK_SUFFIX, path);
	int lock = -1;
	struct cubo_error *err = cubo_lock_path(lock_path, false, &lock);
	free(lock_path);
	if (err && err->errnum != ENOENT)
		return err;
	cubo_error_free(err);
	err = open_set(path, out, n);
	if (lock >= 0)
		cubo_unlock(lock);
	return err;
}

static struct cubo_error *open_set(const char *path, struct log_file **out, size_t *n)
{
	for (int attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
		bool moved;
		CUBO_TRY(open_once(path, out, n, &moved));
		if (!moved)
			return NULL;
		log_set_close(*out, *n);
	}
	return cubo_error_new("%s: rotated too fast to be read", path);
}

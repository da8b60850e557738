/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/fs.h"
#include "shared/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

/* Temp names are ".tmp-<name>-XXXXXX"; retry this often if a name is taken. */
#define TEMP_ATTEMPTS 100
#define TEMP_SUFFIX_LEN 6

static struct cubo_error *write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cubo_error_errno("write");
		if (n == 0)
			return cubo_error_new_errno(EIO, "write");
		p += n;
		len -= (size_t)n;
	}
	return NULL;
}

static void random_suffix(char out[TEMP_SUFFIX_LEN + 1], unsigned attempt)
{
	static const char chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[TEMP_SUFFIX_LEN];

	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
		/* Uniqueness, not secrecy, matters here: O_EXCL catches clashes. */
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20) ^ ((uint64_t)attempt << 40);
		for (int i = 0; i < TEMP_SUFFIX_LEN; i++, x >>= 8)
			rnd[i] = (unsigned char)x;
	}
	for (int i = 0; i < TEMP_SUFFIX_LEN; i++)
		out[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	out[TEMP_SUFFIX_LEN] = '\0';
}

/* Create a fresh temp file next to name in dirfd; its name goes to tmp. */
static int create_temp(int dirfd, const char *name, char tmp[NAME_MAX + 1])
{
	/* Long names are shortened so the temp name stays within NAME_MAX. */
	int keep = NAME_MAX - (int)strlen(".tmp--") - TEMP_SUFFIX_LEN;

	for (unsigned attempt = 0; attempt < TEMP_ATTEMPTS; attempt++) {
		char suffix[TEMP_SUFFIX_LEN + 1];
		int fd;

		random_suffix(suffix, attempt);
		snprintf(tmp, NAME_MAX + 1, ".tmp-%.*s-%s", keep, name, suffix);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

/*
 * The write itself, once the parent directory is open. shown is the path as
 * the caller gave it, so every error reads "write <path>: <step>: <reason>".
 */
static struct cubo_error *write_atomic_in(int dfd, const char *base, const char *shown,
					  const void *data, size_t len, mode_t mode, bool durable)
{
	char tmp[NAME_MAX + 1];
	struct cubo_error *err = NULL;
	int fd;

	fd = create_temp(dfd, base, tmp);
	if (fd < 0)
		return cubo_error_errno("write %s: create temp file", shown);
	err = write_all(fd, data, len);
	if (err) {
		err = cubo_error_wrap(err, "write %s", shown);
		goto fail;
	}
	if (fchmod(fd, mode) < 0) {
		err = cubo_error_errno("write %s: chmod", shown);
		goto fail;
	}
	if (durable && fsync(fd) < 0) {
		err = cubo_error_errno("write %s: fsync", shown);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = cubo_error_errno("write %s: close", shown);
		goto fail;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, base) < 0) {
		err = cubo_error_errno("write %s: rename", shown);
		goto fail;
	}
	/* The rename is durable only once the directory entry is on disk too. */
	if (durable && fsync(dfd) < 0)
		return cubo_error_errno("write %s: fsync directory", shown);
	return NULL;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
	return err;
}

/* Split name into the directory to open and the last component. */
static struct cubo_error *write_atomic(int dirfd, const char *name, const void *data, size_t len,
				       mode_t mode, bool durable)
{
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	struct cubo_error *err;
	char *dir;
	int dfd;

	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return cubo_error_new_errno(EISDIR, "write %s", name);
	if (!slash)
		dir = xstrdup(".");
	else if (slash == name)
		dir = xstrdup("/");
	else
		dir = xstrndup(name, (size_t)(slash - name));
	dfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err = cubo_error_errno("write %s: open directory %s", name, dir);
		free(dir);
		return err;
	}
	free(dir);
	err = write_atomic_in(dfd, base, name, data, len, mode, durable);
	close(dfd);
	return err;
}

struct cubo_error *cubo_write_file_atomic(const char *path, const void *data, size_t len,
					  mode_t mode)
{
	return write_atomic(AT_FDCWD, path, data, len, mode, true);
}

struct cubo_error *cubo_write_file_atomic_at(int dirfd, const char *name, const void *data,
					     size_t len, mode_t mode)
{
	return write_atomic(dirfd, name, data, len, mode, true);
}

struct cubo_error *cubo_write_file_replace(const char *path, const void *data, size_t len,
					   mode_t mode)
{
	return write_atomic(AT_FDCWD, path, data, len, mode, false);
}

struct cubo_error *cubo_write_file_replace_at(int dirfd, const char *name, const void *data,
					      size_t len, mode_t mode)
{
	return write_atomic(dirfd, name, data, len, mode, false);
}

/*
 * Read until EOF rather than trusting st_size: files in /proc and /sys
 * report 0 (or a page) whatever their content.
 */
static struct cubo_error *read_fd(int fd, const char *shown, char **out, size_t *out_len)
{
	struct stat st;
	size_t cap = 4096, len = 0;
	char *buf;

	/* Room for the NUL and the read that sees EOF: a plain file needs no realloc. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size < SIZE_MAX - 2)
		cap = (size_t)st.st_size + 2;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *grown;

			if (cap > SIZE_MAX / 2) {
				free(buf);
				return cubo_error_new_errno(EFBIG, "read %s", shown);
			}
			grown = xrealloc(buf, cap * 2);
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			struct cubo_error *err = cubo_error_errno("read %s: read", shown);

			free(buf);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	if (out_len)
		*out_len = len;
	return NULL;
}

struct cubo_error *cubo_read_file_at(int dirfd, const char *name, char **out, size_t *len)
{
	struct cubo_error *err;
	int fd;

	*out = NULL;
	if (len)
		*len = 0;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cubo_error_errno("read %s: open", name);
	err = read_fd(fd, name, out, len);
	close(fd);
	return err;
}

struct cubo_error *cubo_read_file(const char *path, char **out, size_t *len)
{
	return cubo_read_file_at(AT_FDCWD, path, out, len);
}

struct cubo_error *cubo_write_existing(const char *path, const char *data, size_t len)
{
	struct cubo_error *err;
	int fd;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cubo_error_errno("write %s: open", path);
	err = cubo_error_wrap(write_all(fd, data, len), "write %s", path);
	/* Kernel knobs report a rejected value from write(); close only matters for files. */
	if (close(fd) < 0 && !err)
		err = cubo_error_errno("write %s: close", path);
	return err;
}

/* mkdir one prefix; an existing directory (or a symlink to one) is fine. */
static struct cubo_error *mkdir_one(const char *prefix, const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(prefix, mode) == 0)
		return NULL;
	if (errno != EEXIST)
		return cubo_error_errno("mkdir %s: %s", path, prefix);
	if (stat(prefix, &st) < 0)
		return cubo_error_errno("mkdir %s: stat %s", path, prefix);
	if (!S_ISDIR(st.st_mode))
		return cubo_error_new_errno(ENOTDIR, "mkdir %s: %s", path, prefix);
	return NULL;
}

struct cubo_error *cubo_mkdir_p(const char *path, mode_t mode)
{
	struct cubo_error *err = NULL;
	struct stat st;
	char *copy;

	if (!*path)
		return cubo_error_new_errno(ENOENT, "mkdir \"\"");
	/* The common case, everything already there, costs one stat. */
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return NULL;
		return cubo_error_new_errno(ENOTDIR, "mkdir %s", path);
	}
	copy = xstrdup(path);
	for (char *p = copy + 1; *p && !err; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		err = mkdir_one(copy, path, mode);
		*p = '/';
	}
	if (!err)
		err = mkdir_one(copy, path, mode);
	free(copy);
	return err;
}

static struct cubo_error *lstat_at(int dirfd, const char *name, const char *shown,
				   struct statx *stx)
{
	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_INO, stx) <
	    0)
		return cubo_error_errno("%s: stat", shown);
	return NULL;
}

/* A different device, or the root of a bind mount of the same one. */
static bool is_mount_point(const struct statx *stx, dev_t dev)
{
	if (makedev(stx->stx_dev_major, stx->stx_dev_minor) != dev)
		return true;
	return (stx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx->stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static struct cubo_error *mount_point_error(const char *shown)
{
	return cubo_error_new_errno(EBUSY, "%s is a mount point (not removing across it)", shown);
}

/* Empty the directory dfd (shown for errors); dfd is consumed. */
static struct cubo_error *rm_children(int dfd, const char *shown, dev_t dev)
{
	struct cubo_error *err = NULL;
	struct dirent *de;
	DIR *d;

	d = fdopendir(dfd);
	if (!d) {
		err = cubo_error_errno("%s: open directory", shown);
		close(dfd);
		return err;
	}
	for (;;) {
		struct statx stx;
		char *child;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				err = cubo_error_errno("%s: read directory", shown);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		child = cubo_path_join(shown, de->d_name);
		err = lstat_at(dirfd(d), de->d_name, child, &stx);
		if (err && err->errnum == ENOENT) {
			/* Someone else removed it meanwhile: that is what we wanted. */
			cubo_error_free(err);
			err = NULL;
			free(child);
			continue;
		}
		if (!err && is_mount_point(&stx, dev))
			err = mount_point_error(child);
		if (!err && S_ISDIR(stx.stx_mode)) {
			int cfd = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0)
				err = cubo_error_errno("%s: open directory", child);
			else
				err = rm_children(cfd, child, dev);
			if (!err && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 &&
			    errno != ENOENT)
				err = cubo_error_errno("%s: rmdir", child);
		} else if (!err && unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			err = cubo_error_errno("%s: unlink", child);
		}
		free(child);
		if (err)
			break;
	}
	closedir(d);
	return err;
}

struct cubo_error *cubo_rm_rf(const char *path)
{
	struct cubo_error *err;
	struct statx stx;
	dev_t dev;
	int dfd;

	err = lstat_at(AT_FDCWD, path, path, &stx);
	if (err && err->errnum == ENOENT) {
		cubo_error_free(err);
		return NULL;
	}
	if (err)
		return cubo_error_wrap(err, "remove %s", path);
	/* Emptying a mounted filesystem is never what removing a path means. */
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT &&
	    stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)
		return cubo_error_wrap(mount_point_error(path), "remove %s", path);
	if (!S_ISDIR(stx.stx_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return cubo_error_errno("remove %s: unlink", path);
		return NULL;
	}
	dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return cubo_error_errno("remove %s: open directory", path);
	CUBO_TRY_CTX(rm_children(dfd, path, dev), "remove %s", path);
	if (rmdir(path) < 0 && errno != ENOENT)
		return cubo_error_errno("remove %s: rmdir", path);
	return NULL;
}

struct cubo_error *cubo_realpath(const char *path, char **out)
{
	*out = realpath(path, NULL);
	if (!*out)
		return cubo_error_errno("realpath %s", path);
	return NULL;
}

char *cubo_path_join(const char *a, const char *b)
{
	size_t alen = strlen(a);
	char *joined;

	while (alen > 0 && a[alen - 1] == '/')
		alen--;
	while (*b == '/')
		b++;
	/* "" + "x" is "x"; "/" + "x" is "/x" (a was all slashes). */
	if (alen == 0 && *a == '\0')
		joined = xstrdup(b);
	else
		joined = xasprintf("%.*s/%s", (int)alen, a, b);
	return joined;
}

bool cubo_path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool cubo_dir_is_empty(int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	rewinddir(d);
	struct dirent *e;
	bool empty = true;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

void cubo_unescape_octal(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

struct cubo_error *cubo_random_hex(char *out, size_t digits)
{
	unsigned char raw[64];
	size_t bytes = (digits + 1) / 2;
	if (bytes > sizeof(raw))
		return cubo_error_new("random hex: %zu digits is too many", digits);
	if (getrandom(raw, bytes, 0) != (ssize_t)bytes)
		return cubo_error_errno("getrandom");
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < digits; i++)
		out[i] = hex[(raw[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[digits] = '\0';
	return NULL;
}

struct cubo_error *cubo_copy_fd(int in, int out)
{
	bool plain = false; /* copy_file_range cannot do these two files */
	char buf[65536];
	for (;;) {
		ssize_t r;
		if (!plain) {
			r = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
			if (r < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
				      errno == EOPNOTSUPP)) {
				plain = true;
				continue;
			}
		} else {
			r = read(in, buf, sizeof(buf));
			for (ssize_t done = 0; r > 0 && done < r;) {
				ssize_t w = write(out, buf + done, (size_t)(r - done));
				if (w < 0 && errno != EINTR)
					return cubo_error_errno("write");
				done += w > 0 ? w : 0;
			}
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cubo_error_errno("copy");
		if (r == 0)
			return NULL;
	}
}

struct cubo_error *cubo_copy_symlink(int sdir, const char *sname, int ddir, const char *dname)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);
	if (n < 0)
		return cubo_error_errno("readlink %s", sname);
	target[n] = '\0';
	if (symlinkat(target, ddir, dname) < 0)
		return cubo_error_errno("symlink %s", dname);
	return NULL;
}

/* open, one sync call, close: what both durability helpers share */
static struct cubo_error *sync_open(const char *path, int (*sync_fn)(int), const char *what)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("%s %s: open", what, path);
	struct cubo_error *err = NULL;
	if (sync_fn(fd) < 0)
		err = cubo_error_errno("%s %s", what, path);
	close(fd);
	return err;
}

struct cubo_error *cubo_sync_tree(const char *path)
{
	return sync_open(path, syncfs, "syncfs");
}

struct cubo_error *cubo_fsync_dir(const char *dir)
{
	return sync_open(dir, fsync, "fsync");
}

struct cubo_error *cubo_fsync_dir_files(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cubo_error_errno("fsync %s: open", dir);
	int fds[FSYNC_DIR_MAX_FILES];
	size_t n = 0;
	struct cubo_error *err = NULL;
	DIR *d = fdopendir(dup(dfd));
	if (!d)
		err = cubo_error_errno("fsync %s: read", dir);
	struct dirent *e;
	while (!err && (e = readdir(d))) {
		if (e->d_type != DT_REG)
			continue;
		if (n == FSYNC_DIR_MAX_FILES) {
			err = cubo_error_new("fsync %s: more than %d files", dir,
					     FSYNC_DIR_MAX_FILES);
			break;
		}
		int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			err = cubo_error_errno("fsync %s/%s: open", dir, e->d_name);
			break;
		}
		/* every file's data on its way before the first wait */
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		fds[n++] = fd;
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++) {
		if (!err && fsync(fds[i]) < 0)
			err = cubo_error_errno("fsync a file of %s", dir);
		close(fds[i]);
	}
	if (!err && fsync(dfd) < 0)
		err = cubo_error_errno("fsync %s", dir);
	close(dfd);
	return err;
}

/* Below this, the kernel's own batching at syncfs time does better than a call per file. */
#define WRITEBACK_EARLY_BYTES (256 * 1024)

void cubo_writeback_start(int fd, off_t size)
{
	if (size >= WRITEBACK_EARLY_BYTES)
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

size_t cubo_read_until_eof(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	while (len + 1 < cap) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (cap)
		buf[len] = '\0';
	return len;
}

struct cubo_error *cubo_read_regular_file(const char *path, size_t max, char **out, size_t *len)
{
	/* O_NONBLOCK: a FIFO put there must not hang the command */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return cubo_error_errno("open %s", path);
	struct stat st;
	struct cubo_error *err = NULL;
	if (fstat(fd, &st) < 0)
		err = cubo_error_errno("stat %s", path);
	else if (!S_ISREG(st.st_mode))
		err = cubo_error_new("%s: not a regular file", path);
	else if ((uint64_t)st.st_size > max)
		err = cubo_error_new("%s: larger than %zu bytes", path, max);
	if (!err) {
		char *buf = xmalloc(max + 2);
		size_t n = cubo_read_until_eof(fd, buf, max + 2);
		if (n > max) {
			free(buf);
			err = cubo_error_new("%s: larger than %zu bytes", path, max);
		} else {
			*out = buf;
			*len = n;
		}
	}
	close(fd);
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/path_in_root.h"
#include "shared/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's own limit on symlinks followed in one lookup. */
#define MAX_SYMLINKS 40
/* openat2 returns EAGAIN when a rename raced with a RESOLVE_IN_ROOT lookup. */
#define OPENAT2_RETRIES 16

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/*
 * Returns the fd, or -errno. -ENOSYS means "use the walker": the kernel (or a
 * seccomp filter around us) does not know openat2.
 */
static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	for (int i = 0; i < OPENAT2_RETRIES; i++) {
		int fd = sys_openat2(rootfd, path, &how);
		if (fd >= 0)
			return fd;
		if (errno == EAGAIN)
			continue;
		if (errno == E2BIG || errno == EPERM)
			return -ENOSYS;
		return -errno;
	}
	return -EAGAIN;
}

/*
 * The component walk: a stack of directory fds from the root down to the
 * current directory. ".." pops (never below the root), an absolute symlink
 * empties the stack back to the root, every step is an O_NOFOLLOW openat on
 * a directory we already hold, so nothing can lead the walk outside.
 */
struct walk {
	int rootfd;
	int *stack; /* stack[0] is a dup of rootfd */
	size_t depth, cap;
	char *rest; /* what is left to resolve, components separated by '/' */
	int links;
};

static int walk_cur(const struct walk *w)
{
	return w->stack[w->depth - 1];
}

static void walk_push(struct walk *w, int fd)
{
	if (w->depth == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->stack = xreallocarray(w->stack, w->cap, sizeof(*w->stack));
	}
	w->stack[w->depth++] = fd;
}

static void walk_pop_to(struct walk *w, size_t depth)
{
	while (w->depth > depth)
		close(w->stack[--w->depth]);
}

static void walk_free(struct walk *w)
{
	walk_pop_to(w, 0);
	free(w->stack);
	free(w->rest);
}

/* Replace w->rest with "<prefix>/<rest>". */
static void walk_prepend(struct walk *w, const char *prefix, const char *rest)
{
	/* An empty rest must stay empty: a '/' would turn the end into a directory. */
	char *joined = xasprintf("%s%s%s", prefix, *rest ? "/" : "", rest);

	free(w->rest);
	w->rest = joined;
}

/* Cut the next non-empty component off w->rest into name (NUL-terminated). */
static bool walk_next(struct walk *w, char *name, size_t size, const char **after)
{
	char *p = w->rest;
	while (*p == '/')
		p++;
	if (!*p)
		return false;
	char *end = strchrnul(p, '/');
	size_t len = (size_t)(end - p);
	if (len >= size)
		len = size - 1; /* NAME_MAX overflow: the lookup will fail with ENOENT */
	memcpy(name, p, len);
	name[len] = '\0';
	*after = end;
	return true;
}

/* Is there anything but slashes left? */
static bool only_slashes(const char *s)
{
	while (*s == '/')
		s++;
	return !*s;
}

/*
 * Resolve path beneath rootfd and open it with flags. WALK_MKDIR creates
 * missing directories on the way and at the end (mode), WALK_MKFILE creates
 * missing directories (0755) on the way and an empty file (mode) at the end.
 * Returns the fd or -errno.
 */
enum walk_create { WALK_OPEN, WALK_MKDIR, WALK_MKFILE };

static int walk_open(int rootfd, const char *path, int flags, mode_t mode, enum walk_create create)
{
	struct walk w = {.rootfd = rootfd};
	char name[NAME_MAX + 1];
	const char *after;
	int ret;

	w.rest = xstrdup(path);
	int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	walk_push(&w, fd);

	for (;;) {
		if (!walk_next(&w, name, sizeof(name), &after)) {
			/* Path ended on a directory (or was "/"): open it. */
			ret = openat(walk_cur(&w), ".", flags | O_CLOEXEC, mode);
			ret = ret < 0 ? -errno : ret;
			goto out;
		}
		bool last = only_slashes(after);
		bool trailing_slash = last && *after == '/';
		char *tail = xstrdup(after);
		free(w.rest);
		w.rest = tail;

		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			if (w.depth > 1)
				walk_pop_to(&w, w.depth - 1);
			continue;
		}

		int cur = walk_cur(&w);
		struct stat st;
		if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) {
				ret = -errno;
				goto out;
			}
			if (create == WALK_MKFILE && last && !trailing_slash) {
				int f = openat(cur, name,
					       O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
					       mode);
				if (f < 0 && errno != EEXIST) {
					ret = -errno;
					goto out;
				}
				if (f >= 0)
					close(f);
				if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
					ret = -errno;
					goto out;
				}
			} else if (create != WALK_OPEN) {
				mode_t dmode = create == WALK_MKDIR ? mode : 0755;
				if (mkdirat(cur, name, dmode) < 0 && errno != EEXIST) {
					ret = -errno;
					goto out;
				}
				/* Re-examine: a racing creator may have left a symlink. */
				if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
					ret = -errno;
					goto out;
				}
			} else if (last && !trailing_slash) {
				/* Let O_CREAT (or ENOENT) happen on the real parent. */
				ret = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
				ret = ret < 0 ? -errno : ret;
				goto out;
			} else {
				ret = -ENOENT;
				goto out;
			}
		}

		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(cur, name, target, sizeof(target) - 1);
			if (n < 0) {
				ret = -errno;
				goto out;
			}
			target[n] = '\0';
			if (++w.links > MAX_SYMLINKS) {
				ret = -ELOOP;
				goto out;
			}
			if (target[0] == '/')
				walk_pop_to(&w, 1);
			walk_prepend(&w, target, w.rest);
			continue;
		}

		if (last && !S_ISDIR(st.st_mode)) {
			if (trailing_slash) {
				ret = -ENOTDIR;
				goto out;
			}
			ret = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			ret = ret < 0 ? -errno : ret;
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			ret = -ENOTDIR;
			goto out;
		}
		fd = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			goto out;
		}
		walk_push(&w, fd);
	}
out:
	walk_free(&w);
	return ret;
}

static int open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	int fd = openat2_in_root(rootfd, path, flags, mode);
	if (fd == -ENOSYS)
		fd = walk_open(rootfd, path, flags, mode, WALK_OPEN);
	return fd;
}

struct cubo_error *cubo_open_in_root(int rootfd, const char *path, int flags, mode_t mode,
				     int *out_fd)
{
	int fd = open_in_root(rootfd, path, flags, mode);
	if (fd < 0)
		return cubo_error_new_errno(-fd, "open %s in rootfs", path);
	*out_fd = fd;
	return NULL;
}

static const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symlink";
	default:
		return "not a regular file";
	}
}

static struct cubo_error *too_large(const char *path, size_t max)
{
	return cubo_error_new_errno(EFBIG, "%s in rootfs: larger than %zu bytes", path, max);
}

/* What fd holds, at most max bytes (EFBIG past that); guess (st_size) sizes the first buffer. */
static struct cubo_error *read_capped(int fd, const char *path, size_t max, size_t guess,
				      char **out, size_t *len)
{
	/* room for one byte past max, which tells a file that grew, and the NUL */
	size_t cap = (guess < max ? guess : max) + 2, n = 0;
	char *buf = xmalloc(cap);
	struct cubo_error *err = NULL;
	while (!err) {
		if (n + 1 == cap) {
			if (n > max) {
				err = too_large(path, max);
				break;
			}
			size_t next = cap > (max + 2) / 2 ? max + 2 : cap * 2;
			buf = xrealloc(buf, next);
			cap = next;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno != EINTR)
			err = cubo_error_errno("read %s in rootfs", path);
		else if (r == 0)
			break;
		else if (r > 0)
			n += (size_t)r;
	}
	if (!err && n > max)
		err = too_large(path, max);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return NULL;
}

struct cubo_error *cubo_read_file_in_root(int rootfd, const char *path, size_t max, char **out,
					  size_t *len)
{
	*out = NULL;
	int pfd = open_in_root(rootfd, path, O_PATH, 0);
	if (pfd < 0)
		return cubo_error_new_errno(-pfd, "open %s in rootfs", path);
	struct stat st;
	if (fstat(pfd, &st) < 0) {
		int e = errno;
		close(pfd);
		return cubo_error_new_errno(e, "stat %s in rootfs", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(pfd);
		return cubo_error_new("%s in rootfs: %s, not a regular file", path,
				      file_type_name(st.st_mode));
	}
	if ((uint64_t)st.st_size > max) {
		close(pfd);
		return too_large(path, max);
	}
	/* the very inode checked above, through the O_PATH fd: no second lookup to race */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	int fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	int e = errno;
	close(pfd);
	if (fd < 0)
		return cubo_error_new_errno(e, "reopen %s in rootfs", path);
	struct cubo_error *err = read_capped(fd, path, max, (size_t)st.st_size, out, len);
	close(fd);
	return err;
}

struct cubo_error *cubo_mkdir_all_in_root(int rootfd, const char *path, mode_t mode, int *out_fd)
{
	int fd = walk_open(rootfd, path, O_PATH | O_DIRECTORY, mode, WALK_MKDIR);
	if (fd < 0)
		return cubo_error_new_errno(-fd, "mkdir %s in rootfs", path);
	if (out_fd)
		*out_fd = fd;
	else
		close(fd);
	return NULL;
}

struct cubo_error *cubo_mkfile_in_root(int rootfd, const char *path, mode_t mode, int *out_fd)
{
	struct stat st;
	/*
	 * The walker, not openat2: a dangling symlink (an image's
	 * /etc/resolv.conf -> /run/...) must get its target's parents created,
	 * as runc does, and only the walker can create along the way.
	 */
	int fd = walk_open(rootfd, path, O_PATH, mode, WALK_MKFILE);
	if (fd < 0)
		return cubo_error_new_errno(-fd, "create file %s in rootfs", path);
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return cubo_error_new_errno(e, "stat %s in rootfs", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return cubo_error_new_errno(EISDIR, "create file %s in rootfs", path);
	}
	if (out_fd)
		*out_fd = fd;
	else
		close(fd);
	return NULL;
}

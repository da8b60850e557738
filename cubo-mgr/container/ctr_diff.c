/* SPDX-License-Identifier: Apache-2.0 */
/* A container's changes over its image: see ctr_diff.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cubo-mgr/container/ctr_diff.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

struct diff {
	struct ctr_change *v;
	size_t n, cap;
	char *const *skip;
};

/* one level of the walk: the layers' directories at this path, topmost first */
struct lower {
	int *fd;
	size_t n;
};

char ctr_change_letter(enum ctr_change_kind k)
{
	return k == CTR_CHANGE_ADD ? 'A' : k == CTR_CHANGE_DELETE ? 'D' : 'C';
}

void ctr_changes_free(struct ctr_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

static void add(struct diff *d, const char *path, enum ctr_change_kind k)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 32;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	d->v[d->n++] = (struct ctr_change){xstrdup(path), k};
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(int dirfd)
{
	static const char *const keys[] = {"trusted.overlay.opaque", "user.overlay.opaque"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		char v[2];
		if (fgetxattr(dirfd, keys[i], v, sizeof(v)) == 1 && v[0] == 'y')
			return true;
	}
	return false;
}

static void lower_close(struct lower *l)
{
	for (size_t i = 0; i < l->n; i++)
		close(l->fd[i]);
	free(l->fd);
	l->fd = NULL;
	l->n = 0;
}

/*
 * name as the layers show it below this level: *found with its stat from
 * the topmost layer that has it (a whiteout there: not found), and into
 * sub, when it is a directory, the layers' directories of that name, as
 * overlay merges them (down to an opaque one or one that is not a
 * directory).
 */
static void lower_lookup(const struct lower *l, const char *name, bool *found, struct stat *st,
			 struct lower *sub)
{
	*found = false;
	bool first = true;
	for (size_t i = 0; i < l->n; i++) {
		struct stat s;
		if (fstatat(l->fd[i], name, &s, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (first) {
			first = false;
			*found = !is_whiteout(&s);
			*st = s;
		}
		if (!S_ISDIR(s.st_mode) || !sub)
			break;
		int fd = openat(l->fd[i], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			break;
		sub->fd = xreallocarray(sub->fd, sub->n + 1, sizeof(int));
		sub->fd[sub->n++] = fd;
		if (is_opaque(fd))
			break;
	}
}

/* The names the layers show in this directory (whiteouts applied), for an opaque one. */
static char **lower_names(const struct lower *l)
{
	char **seen = NULL, **shown = NULL;
	size_t n_seen = 0, n_shown = 0;
	for (size_t i = 0; i < l->n; i++) {
		int fd = dup(l->fd[i]);
		DIR *d = fd < 0 ? NULL : fdopendir(fd);
		if (!d) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		rewinddir(d);
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
			    cubo_strv_contains(seen, e->d_name))
				continue;
			cubo_strv_push(&seen, &n_seen, e->d_name);
			struct stat s;
			if (fstatat(l->fd[i], e->d_name, &s, AT_SYMLINK_NOFOLLOW) == 0 &&
			    !is_whiteout(&s))
				cubo_strv_push(&shown, &n_shown, e->d_name);
		}
		closedir(d);
	}
	cubo_strv_free(seen);
	return shown;
}

/* a name of this directory: from the upper one, or only the layers' under an opaque one */
struct entry {
	char *name;
	bool hidden; /* the layers' entry an opaque upper directory hides */
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static struct cubo_error *read_names(int dirfd, const char *rel, char **hidden, struct entry **out,
				     size_t *n)
{
	*out = NULL;
	*n = 0;
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return cubo_error_errno("read %s", rel);
	}
	struct entry *v = NULL;
	size_t cnt = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		v = xreallocarray(v, cnt + 1, sizeof(*v));
		v[cnt++] = (struct entry){xstrdup(e->d_name), false};
	}
	closedir(d);
	for (size_t i = 0; hidden && hidden[i]; i++) {
		bool there = false;
		for (size_t j = 0; j < cnt && !there; j++)
			there = !v[j].hidden && !strcmp(v[j].name, hidden[i]);
		if (there)
			continue;
		v = xreallocarray(v, cnt + 1, sizeof(*v));
		v[cnt++] = (struct entry){xstrdup(hidden[i]), true};
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), by_name);
	*out = v;
	*n = cnt;
	return NULL;
}

static bool skipped(const struct diff *d, const char *path)
{
	for (size_t i = 0; d->skip && d->skip[i]; i++) {
		size_t n = strlen(d->skip[i]);
		if (!strncmp(path, d->skip[i], n) && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

/*
 * A mount point the runtime had to make in a directory (/etc/hosts in an
 * image without one) changed its mtime: docker makes those in its init
 * layer, below the container's, so that is no change of the container's.
 */
static bool made_mount_point(const struct diff *d, int fd, const char *path,
			     const struct lower *sub)
{
	size_t len = strlen(path);
	for (size_t i = 0; d->skip && d->skip[i]; i++) {
		const char *s = d->skip[i];
		if (strncmp(s, path, len) || s[len] != '/' || strchr(s + len + 1, '/'))
			continue;
		struct stat st;
		bool found;
		lower_lookup(sub, s + len + 1, &found, &st, NULL);
		if (!found && fstatat(fd, s + len + 1, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return true;
	}
	return false;
}

static bool same_dir(const struct diff *d, int fd, const char *path, const struct lower *sub,
		     const struct stat *a, const struct stat *b)
{
	if (a->st_mode != b->st_mode || a->st_size != b->st_size)
		return false;
	return (a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
		a->st_mtim.tv_nsec == b->st_mtim.tv_nsec) ||
	       made_mount_point(d, fd, path, sub);
}

/*
 * The parent of an added or deleted entry is changed: once, unless it is
 * the root, and listed before it, as docker does.
 */
static void parent_changed(struct diff *d, const char *rel, bool *recorded)
{
	if (!*recorded && rel[0]) {
		add(d, rel, CTR_CHANGE_MODIFY);
		*recorded = true;
	}
}

static struct cubo_error *walk(struct diff *d, int dirfd, const char *rel, struct lower *l,
			       bool opaque, bool *dir_recorded, int depth);

static struct cubo_error *visit(struct diff *d, int dirfd, const char *rel, struct lower *l,
				const struct entry *en, bool *dir_recorded, int depth)
{
	char *path = xasprintf("%s/%s", rel, en->name);
	struct cubo_error *err = NULL;
	if (skipped(d, path))
		goto out;
	if (en->hidden) {
		parent_changed(d, rel, dir_recorded);
		add(d, path, CTR_CHANGE_DELETE);
		goto out;
	}
	struct stat st;
	if (fstatat(dirfd, en->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		/* gone since the listing (a running container): no longer a change */
		if (errno != ENOENT)
			err = cubo_error_errno("stat %s", path);
		goto out;
	}
	if (is_whiteout(&st)) {
		parent_changed(d, rel, dir_recorded);
		add(d, path, CTR_CHANGE_DELETE);
		goto out;
	}
	struct lower sub = {0};
	bool found;
	struct stat lst;
	lower_lookup(l, en->name, &found, &lst, S_ISDIR(st.st_mode) ? &sub : NULL);
	int fd = -1;
	bool opaque = false;
	if (S_ISDIR(st.st_mode)) {
		fd = openat(dirfd, en->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			/* gone or replaced since the stat (a running container) */
			err = errno == ENOENT || errno == ENOTDIR || errno == ELOOP
				      ? NULL
				      : cubo_error_errno("open %s", path);
			lower_close(&sub);
			goto out;
		}
		opaque = is_opaque(fd);
	}
	bool recorded = false;
	if (!found) {
		parent_changed(d, rel, dir_recorded);
		add(d, path, CTR_CHANGE_ADD);
		recorded = true;
	} else if (!(S_ISDIR(st.st_mode) && S_ISDIR(lst.st_mode) &&
		     same_dir(d, fd, path, &sub, &st, &lst)) ||
		   opaque) {
		add(d, path, CTR_CHANGE_MODIFY);
		recorded = true;
	}
	if (fd >= 0) {
		err = walk(d, fd, path, &sub, opaque, &recorded, depth + 1);
		close(fd);
	}
	lower_close(&sub);
out:
	free(path);
	return err;
}

static struct cubo_error *walk(struct diff *d, int dirfd, const char *rel, struct lower *l,
			       bool opaque, bool *dir_recorded, int depth)
{
	if (depth > CTR_DIFF_MAX_DEPTH)
		return cubo_error_new("%s: directories nested deeper than %d levels", rel,
				      CTR_DIFF_MAX_DEPTH);
	char **hidden = opaque ? lower_names(l) : NULL;
	struct entry *v;
	size_t n;
	struct cubo_error *err = read_names(dirfd, rel[0] ? rel : "/", hidden, &v, &n);
	cubo_strv_free(hidden);
	for (size_t i = 0; i < n; i++) {
		if (!err)
			err = visit(d, dirfd, rel, l, &v[i], dir_recorded, depth);
		free(v[i].name);
	}
	free(v);
	return err;
}

struct cubo_error *ctr_diff(const char *upper, char *const *lowers, char *const *skip,
			    struct ctr_change **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct diff d = {.skip = skip};
	struct lower l = {0};
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && lowers && lowers[i]; i++) {
		int fd = open(lowers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			err = cubo_error_errno("open layer %s", lowers[i]);
			break;
		}
		l.fd = xreallocarray(l.fd, l.n + 1, sizeof(int));
		l.fd[l.n++] = fd;
	}
	int ufd = -1;
	if (!err && (ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err = cubo_error_errno("open %s", upper);
	bool root_recorded = true; /* "/" itself is never listed */
	if (!err)
		err = walk(&d, ufd, "", &l, false, &root_recorded, 0);
	if (ufd >= 0)
		close(ufd);
	lower_close(&l);
	if (err) {
		ctr_changes_free(d.v, d.n);
		return err;
	}
	*out = d.v;
	*n = d.n;
	return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* COPY and ADD sources and their copying: see copy.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/builder/copy.h"
#include "cubo-mgr/builder/ignore.h"
#include "cubo-mgr/image/unpack.h"
#include "shared/fs.h"
#include "shared/path_in_root.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

struct cubo_error *build_path_clean(const char *path, char **out)
{
	char **parts = cubo_strv_split(path, '/');
	char **kept = NULL;
	size_t n = 0;
	struct cubo_error *err = NULL;
	for (size_t i = 0; parts && parts[i]; i++) {
		if (!parts[i][0] || !strcmp(parts[i], "."))
			continue;
		if (!strcmp(parts[i], "..")) {
			if (n == 0) {
				err = cubo_error_new("\"%s\" is outside the build context", path);
				break;
			}
			free(kept[--n]);
			kept[n] = NULL;
			continue;
		}
		cubo_strv_push(&kept, &n, parts[i]);
	}
	cubo_strv_free(parts);
	if (err) {
		cubo_strv_free(kept);
		return err;
	}
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(kept[i]) + 1;
	char *s = xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, "/");
		strcat(s, kept[i]);
	}
	cubo_strv_free(kept);
	*out = s;
	return NULL;
}

static char *join_rel(const char *dir, const char *name)
{
	return xasprintf("%s%s%s", dir, dir[0] ? "/" : "", name);
}

static bool ignored(const struct build_ignore *ig, const char *rel)
{
	return ig && rel[0] && build_ignore_match(ig, rel);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted. */
static struct cubo_error *list_dir(int dirfd, char ***names, size_t *n)
{
	*names = NULL;
	*n = 0;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("open directory");
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cubo_error_errno("read directory");
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			cubo_strv_push(names, n, de->d_name);
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(char *), by_name);
	return NULL;
}

static bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

struct cubo_error *build_sources_find(int rootfd, const char *word, const struct build_ignore *ig,
				      const char *what, char ***rels, size_t *n)
{
	char *rel;
	CUBO_TRY_CTX(build_path_clean(word, &rel), "source \"%s\"", word);
	char *slash = strrchr(rel, '/');
	const char *last = slash ? slash + 1 : rel;
	struct cubo_error *err = NULL;
	if (!has_wildcard(last)) {
		int fd;
		err = cubo_open_in_root(rootfd, rel[0] ? rel : ".", O_PATH | O_CLOEXEC, 0, &fd);
		if (err) {
			cubo_error_free(err);
			err = cubo_error_new("source \"%s\": no such file or directory in %s", word,
					     what);
		} else {
			close(fd);
			if (ignored(ig, rel))
				err = cubo_error_new("source \"%s\" is excluded by .cuboignore",
						     word);
			else
				cubo_strv_push(rels, n, rel);
		}
		free(rel);
		return err;
	}
	char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
	int dfd;
	err = cubo_open_in_root(rootfd, dir[0] ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0,
				&dfd);
	char **names = NULL;
	size_t nn = 0, found = 0;
	if (!err) {
		err = list_dir(dfd, &names, &nn);
		close(dfd);
	}
	for (size_t i = 0; !err && i < nn; i++) {
		if (fnmatch(last, names[i], 0) != 0)
			continue;
		char *r = join_rel(dir, names[i]);
		if (!ignored(ig, r)) {
			cubo_strv_push(rels, n, r);
			found++;
		}
		free(r);
	}
	if (!err && !found)
		err = cubo_error_new("source \"%s\": no files match in %s", word, what);
	else if (err) {
		cubo_error_free(err);
		err = cubo_error_new("source \"%s\": no such directory in %s", word, what);
	}
	cubo_strv_free(names);
	free(dir);
	free(rel);
	return err;
}

/* ---- hashing ---- */

static struct cubo_error *hash_str(struct cubo_sha256 *h, const char *s)
{
	return cubo_sha256_update(h, s, strlen(s) + 1);
}

static struct cubo_error *hash_entry(int dirfd, const char *name, const char *rel,
				     const struct build_ignore *ig, struct cubo_sha256 *h,
				     bool top);

static struct cubo_error *hash_dir(int fd, const char *rel, const struct build_ignore *ig,
				   struct cubo_sha256 *h)
{
	char **names;
	size_t n;
	CUBO_TRY(list_dir(fd, &names, &n));
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < n; i++) {
		char *r = join_rel(rel, names[i]);
		if (!ignored(ig, r) || (ig && build_ignore_may_include_beneath(ig, r)))
			err = hash_entry(fd, names[i], r, ig, h, false);
		free(r);
	}
	cubo_strv_free(names);
	return err;
}

static struct cubo_error *hash_file(int dirfd, const char *name, const char *rel,
				    struct cubo_sha256 *h)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("open %s", rel);
	char buf[65536];
	struct cubo_error *err = NULL;
	ssize_t r;
	while (!err && (r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = cubo_error_errno("read %s", rel);
		else
			err = cubo_sha256_update(h, buf, (size_t)r);
	}
	close(fd);
	return err;
}

static struct cubo_error *hash_entry(int dirfd, const char *name, const char *rel,
				     const struct build_ignore *ig, struct cubo_sha256 *h, bool top)
{
	struct stat st;
	/* a source named on its own is followed; what is beneath it is not */
	int flags = top ? 0 : AT_SYMLINK_NOFOLLOW;
	if (fstatat(dirfd, name, &st, flags) < 0)
		return cubo_error_errno("stat %s", rel);
	char meta[128];
	snprintf(meta, sizeof(meta), "%o %lld", (unsigned)st.st_mode,
		 S_ISREG(st.st_mode) ? (long long)st.st_size : 0LL);
	CUBO_TRY(hash_str(h, rel));
	CUBO_TRY(hash_str(h, meta));
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return cubo_error_errno("readlink %s", rel);
		target[n] = '\0';
		return hash_str(h, target);
	}
	if (S_ISREG(st.st_mode))
		return hash_file(dirfd, name, rel, h);
	if (!S_ISDIR(st.st_mode))
		return NULL;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (flags ? O_NOFOLLOW : 0));
	if (fd < 0)
		return cubo_error_errno("open %s", rel);
	struct cubo_error *err = hash_dir(fd, rel, ig, h);
	close(fd);
	return err;
}

struct cubo_error *build_sources_hash(int rootfd, char *const *rels, const struct build_ignore *ig,
				      struct cubo_sha256 *h)
{
	for (size_t i = 0; rels[i]; i++) {
		int fd;
		CUBO_TRY(cubo_open_in_root(rootfd, rels[i][0] ? rels[i] : ".", O_PATH | O_CLOEXEC,
					   0, &fd));
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		struct cubo_error *err = hash_entry(AT_FDCWD, self, rels[i], ig, h, true);
		close(fd);
		CUBO_TRY(err);
	}
	return NULL;
}

/* ---- copying ---- */

/* Make room for name in dstfd: whatever is there goes, unless both are directories. */
static struct cubo_error *clear_name(int dstfd, const char *name, bool want_dir, bool *is_dir)
{
	struct stat st;
	*is_dir = false;
	if (fstatat(dstfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? NULL : cubo_error_errno("stat %s", name);
	if (S_ISDIR(st.st_mode) && want_dir) {
		*is_dir = true;
		return NULL;
	}
	if (unlinkat(dstfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
		return cubo_error_errno("replace %s (a %s in the image)", name,
					S_ISDIR(st.st_mode) ? "non-empty directory" : "file");
	return NULL;
}

static struct cubo_error *set_meta(int fd, const struct stat *st, const struct build_copy_opts *o)
{
	if (fchown(fd, o->uid, o->gid) < 0)
		return cubo_error_errno("chown");
	mode_t mode = o->mode >= 0 ? (mode_t)o->mode : st->st_mode & 07777;
	if (fchmod(fd, mode) < 0)
		return cubo_error_errno("chmod");
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	if (futimens(fd, ts) < 0)
		return cubo_error_errno("set times");
	return NULL;
}

static bool is_archive(int fd)
{
	unsigned char b[512];
	ssize_t n = pread(fd, b, sizeof(b), 0);
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return true;
	if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return true;
	return n >= 262 && !memcmp(b + 257, "ustar", 5);
}

static struct cubo_error *unpack_into(int fd, int dstdir, const char *rel)
{
	char dest[64];
	snprintf(dest, sizeof(dest), "/proc/self/fd/%d", dstdir);
	struct unpack_opts uo = {.layer_name = rel};
	return cubo_error_wrap(unpack_fd(fd, dest, &uo, NULL), "ADD %s", rel);
}

static struct cubo_error *copy_entry(int srcdir, const char *name, const char *rel, int dstdir,
				     const char *dst_name, const struct build_copy_opts *o,
				     bool top);

static struct cubo_error *copy_dir_contents(int srcfd, const char *rel, int dstfd,
					    const struct build_copy_opts *o)
{
	char **names;
	size_t n;
	CUBO_TRY(list_dir(srcfd, &names, &n));
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < n; i++) {
		char *r = join_rel(rel, names[i]);
		if (!ignored(o->ig, r) || (o->ig && build_ignore_may_include_beneath(o->ig, r)))
			err = copy_entry(srcfd, names[i], r, dstfd, names[i], o, false);
		free(r);
	}
	cubo_strv_free(names);
	return err;
}

static struct cubo_error *copy_entry(int srcdir, const char *name, const char *rel, int dstdir,
				     const char *dst_name, const struct build_copy_opts *o,
				     bool top)
{
	struct stat st;
	if (fstatat(srcdir, name, &st, top ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
		return cubo_error_errno("stat %s", rel);
	bool exists_dir;
	struct cubo_error *err = NULL;
	if (S_ISDIR(st.st_mode)) {
		CUBO_TRY_CTX(clear_name(dstdir, dst_name, true, &exists_dir), "copy %s", rel);
		if (!exists_dir && mkdirat(dstdir, dst_name, 0700) < 0)
			return cubo_error_errno("mkdir for %s", rel);
		int s = openat(srcdir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int d = openat(dstdir, dst_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			err = cubo_error_errno("open %s", rel);
		if (!err)
			err = copy_dir_contents(s, rel, d, o);
		if (!err)
			err = cubo_error_wrap(set_meta(d, &st, o), "%s", rel);
		if (s >= 0)
			close(s);
		if (d >= 0)
			close(d);
		return err;
	}
	if (S_ISREG(st.st_mode)) {
		int s = openat(srcdir, name, O_RDONLY | O_CLOEXEC | (top ? 0 : O_NOFOLLOW));
		if (s < 0)
			return cubo_error_errno("open %s", rel);
		if (top && o->unpack && is_archive(s)) {
			err = unpack_into(s, dstdir, rel);
			close(s);
			return err;
		}
		err = clear_name(dstdir, dst_name, false, &exists_dir);
		int d = -1;
		if (!err) {
			d = openat(dstdir, dst_name,
				   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (d < 0)
				err = cubo_error_errno("create");
		}
		if (!err)
			err = cubo_copy_fd(s, d);
		if (!err)
			err = set_meta(d, &st, o);
		close(s);
		if (d >= 0)
			close(d);
		return cubo_error_wrap(err, "copy %s", rel);
	}
	CUBO_TRY_CTX(clear_name(dstdir, dst_name, false, &exists_dir), "copy %s", rel);
	if (S_ISLNK(st.st_mode)) {
		CUBO_TRY_CTX(cubo_copy_symlink(srcdir, name, dstdir, dst_name), "%s", rel);
	} else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		if (mknodat(dstdir, dst_name, st.st_mode, st.st_rdev) < 0)
			return cubo_error_errno("mknod %s", rel);
	} else {
		return NULL; /* sockets mean nothing in an image */
	}
	if (fchownat(dstdir, dst_name, o->uid, o->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cubo_error_errno("chown %s", rel);
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	if (utimensat(dstdir, dst_name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return cubo_error_errno("set times of %s", rel);
	if (!S_ISLNK(st.st_mode) &&
	    fchmodat(dstdir, dst_name, o->mode >= 0 ? (mode_t)o->mode : st.st_mode & 07777, 0) < 0)
		return cubo_error_errno("chmod %s", rel);
	return NULL;
}

static const char *base_name(const char *rel)
{
	const char *s = strrchr(rel, '/');
	return s ? s + 1 : rel;
}

struct cubo_error *build_copy(int src_root, char *const *rels, int dst_root, const char *dest,
			      const struct build_copy_opts *o)
{
	size_t n = cubo_strv_len((char **)rels);
	bool into = n > 1 || dest[strlen(dest) - 1] == '/';
	for (size_t i = 0; !into && i < n; i++) {
		struct stat st;
		int fd;
		struct cubo_error *e = cubo_open_in_root(src_root, rels[i][0] ? rels[i] : ".",
							 O_PATH | O_CLOEXEC, 0, &fd);
		if (!e) {
			into = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
			close(fd);
		}
		cubo_error_free(e);
		if (into)
			break;
		e = cubo_open_in_root(dst_root, dest, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, &fd);
		if (!e) {
			into = true;
			close(fd);
		}
		cubo_error_free(e);
	}
	char *dir = NULL;
	const char *file_name = NULL;
	if (into) {
		dir = xstrdup(dest);
	} else {
		const char *slash = strrchr(dest, '/');
		dir = xstrndup(dest, (size_t)(slash - dest));
		file_name = slash + 1;
	}
	int dfd;
	struct cubo_error *err = cubo_mkdir_all_in_root(dst_root, dir[0] ? dir : "/", 0755, &dfd);
	free(dir);
	CUBO_TRY_CTX(err, "destination %s", dest);
	for (size_t i = 0; !err && i < n; i++) {
		int sfd;
		err = cubo_open_in_root(src_root, rels[i][0] ? rels[i] : ".", O_PATH | O_CLOEXEC, 0,
					&sfd);
		if (err)
			break;
		struct stat st;
		if (fstat(sfd, &st) < 0) {
			err = cubo_error_errno("stat %s", rels[i]);
		} else if (S_ISDIR(st.st_mode)) {
			int s = openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (s < 0)
				err = cubo_error_errno("open %s", rels[i]);
			else {
				err = copy_dir_contents(s, rels[i], dfd, o);
				close(s);
			}
		} else {
			char self[64];
			snprintf(self, sizeof(self), "/proc/self/fd/%d", sfd);
			err = copy_entry(AT_FDCWD, self, rels[i], dfd,
					 file_name ? file_name : base_name(rels[i]), o, true);
		}
		close(sfd);
	}
	close(dfd);
	return err;
}

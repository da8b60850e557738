/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a layer's tar entries beneath the layer directory: every path is
 * cleaned and resolved component by component (openat2 RESOLVE_IN_ROOT
 * where the kernel has it) without following a symlink out, OCI whiteouts
 * become overlay whiteouts, hard links must stay inside, and owners, modes,
 * xattrs and times are set with fd-relative calls only.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cubo-mgr/image/unpack_priv.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

static struct cubo_error *clean_path(const char *in, char *out)
{
	size_t o = 0;
	const char *p = in;

	if (*in == '/')
		return cubo_error_new("absolute path refused");
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return cubo_error_new("path leaves the layer");
		if (n && !(n == 1 && p[0] == '.')) {
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = *end ? end + 1 : end;
	}
	out[o] = '\0';
	if (o >= PATH_MAX)
		return cubo_error_new("path too long");
	return NULL;
}

/* Split a cleaned path in place: *base points after the last '/', the path becomes the parent. */
static void split_path(char *path, char **base)
{
	char *slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		*base = slash + 1;
	} else {
		*base = path;
	}
}

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/*
 * Why a component walk stopped: a symlink in the way is its own message, as
 * it is the usual shape of an escape attempt.
 */
static struct cubo_error *walk_error(int dirfd, const char *comp, const char *path, size_t plen,
				     int err)
{
	struct stat st;
	if ((err == ENOTDIR || err == ELOOP) &&
	    fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return cubo_error_new("\"%.*s\" is a symlink: refusing to write through it",
					      (int)plen, path);
		return cubo_error_new("\"%.*s\" is not a directory", (int)plen, path);
	}
	return cubo_error_new_errno(err, "open directory \"%.*s\"", (int)plen, path);
}

/* A parent the layer does not list: 0755 (as docker makes them), whatever the umask. */
static struct cubo_error *make_parent(struct unpacker *u, int dirfd, const char *name)
{
	int fd;

	if (mkdirat(dirfd, name, 0755) < 0)
		return errno == EEXIST ? NULL : cubo_error_errno("mkdir");
	if (u->umask_known && !(u->umask & 0755))
		return NULL;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("open");
	if (fchmod(fd, 0755) < 0) {
		int e = errno;
		close(fd);
		return cubo_error_new_errno(e, "chmod");
	}
	close(fd);
	return NULL;
}

/*
 * Open the directory at a cleaned path as O_PATH, one O_NOFOLLOW step at a
 * time from the root, creating missing ones (0755, as docker does) if create.
 */
static struct cubo_error *walk_dir(struct unpacker *u, const char *path, bool create, int *out)
{
	char comp[NAME_MAX + 1];
	int cur = u->rootfd;
	const char *p = path;

	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		int fd;

		if (n > NAME_MAX) {
			if (cur != u->rootfd)
				close(cur);
			return cubo_error_new("path component too long");
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			struct cubo_error *err = make_parent(u, cur, comp);
			if (err) {
				if (cur != u->rootfd)
					close(cur);
				return cubo_error_wrap(err, "create directory \"%.*s\"",
						       (int)(end - path), path);
			}
			fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			struct cubo_error *err =
				walk_error(cur, comp, path, (size_t)(end - path), errno);
			if (cur != u->rootfd)
				close(cur);
			return err;
		}
		if (cur != u->rootfd)
			close(cur);
		cur = fd;
		p = *end ? end + 1 : end;
	}
	if (cur == u->rootfd) {
		cur = fcntl(u->rootfd, F_DUPFD_CLOEXEC, 3);
		if (cur < 0)
			return cubo_error_errno("dup the layer directory");
	}
	*out = cur;
	return NULL;
}

/*
 * An O_PATH fd of the directory at a cleaned path. One openat2 call in the
 * common case; the walk gives the precise error, creates missing parents,
 * and stands in when the kernel has no openat2.
 */
static struct cubo_error *open_dir(struct unpacker *u, const char *path, bool create, int *out)
{
	if (*path && u->use_openat2) {
		struct open_how how = {
			.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
				   RESOLVE_NO_XDEV,
		};
		int fd = sys_openat2(u->rootfd, path, &how);
		if (fd >= 0) {
			*out = fd;
			return NULL;
		}
		if (errno == ENOSYS || errno == E2BIG || errno == EPERM)
			u->use_openat2 = false;
	}
	return walk_dir(u, path, create, out);
}

void cache_drop(struct unpacker *u)
{
	if (u->cache_fd >= 0 && u->cache_fd != u->rootfd)
		close(u->cache_fd);
	u->cache_fd = -1;
	free(u->cache_path);
	u->cache_path = NULL;
}

/* The parent directory of an entry (owned by the cache: do not close). */
static struct cubo_error *parent_dir(struct unpacker *u, const char *parent, int *out)
{
	int fd;

	struct stat st;

	if (!*parent) {
		*out = u->rootfd;
		u->new_gid = u->root_new_gid;
		return NULL;
	}
	if (u->cache_path && strcmp(u->cache_path, parent) == 0) {
		*out = u->cache_fd;
		u->new_gid = u->cache_new_gid;
		return NULL;
	}
	cache_drop(u);
	CUBO_TRY(open_dir(u, parent, true, &fd));
	u->cache_path = xstrdup(parent);
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return cubo_error_new_errno(e, "directory \"%s\"", parent);
	}
	u->cache_fd = fd;
	/* A setgid directory hands its group down. */
	u->cache_new_gid = u->new_gid = (st.st_mode & S_ISGID) ? st.st_gid : u->egid;
	*out = fd;
	return NULL;
}

/*
 * Make room for a new entry called name: an earlier entry of the same name
 * in this layer is replaced (the later one wins, as in tar). A non-empty
 * directory is not removed.
 */
static struct cubo_error *remove_existing(struct unpacker *u, int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return NULL;
	if (errno != EISDIR)
		return cubo_error_errno("remove the existing entry");
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		return cubo_error_errno("replace the existing directory");
	/*
	 * A cached directory other than dirfd may have been the removed one
	 * (an empty directory replaced from the root). Its fd could never
	 * lead outside (it is the dead inode, not a path), but later entries
	 * must see the new entry there.
	 */
	if (u->cache_fd != dirfd)
		cache_drop(u);
	return NULL;
}

/* ---- entry metadata ---- */

struct meta {
	uid_t uid;
	gid_t gid;
	mode_t perm;
	struct timespec times[2]; /* atime, mtime */
};

static struct cubo_error *entry_meta(struct archive_entry *e, struct meta *m)
{
	la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);

	if (uid < 0 || uid >= (la_int64_t)UINT32_MAX || gid < 0 || gid >= (la_int64_t)UINT32_MAX)
		return cubo_error_new("owner %lld:%lld out of range", (long long)uid,
				      (long long)gid);
	m->uid = (uid_t)uid;
	m->gid = (gid_t)gid;
	m->perm = archive_entry_perm(e) & 07777;
	m->times[1].tv_sec = archive_entry_mtime(e);
	m->times[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		m->times[0].tv_sec = archive_entry_atime(e);
		m->times[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		m->times[0] = m->times[1];
	}
	return NULL;
}

static struct cubo_error *set_xattrs_fd(int fd, struct archive_entry *e)
{
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (strncmp(name, OVERLAY_XATTR_PREFIX, strlen(OVERLAY_XATTR_PREFIX)) == 0)
			continue;
		/* A filesystem without xattrs still gets the layer (as docker does). */
		if (fsetxattr(fd, name, value, size, 0) < 0 && errno != ENOTSUP)
			return cubo_error_errno("set xattr %s", name);
	}
	return NULL;
}

/*
 * Owner, then mode (chown clears setuid/setgid), then xattrs (chown clears
 * security.capability), on an fd we opened ourselves.
 */
static bool owner_differs(const struct unpacker *u, const struct meta *m)
{
	return !u->ignore_owners && (m->uid != u->euid || m->gid != u->new_gid);
}

/*
 * A failed chown. EINVAL: an id the user namespace does not map (a rootless
 * manager has its user's subordinate ranges only).
 */
static struct cubo_error *chown_error(const struct meta *m)
{
	if (errno == EINVAL)
		return cubo_error_new("chown to %u:%u: an id outside this user namespace (a "
				      "rootless manager maps only its user's ranges in /etc/subuid "
				      "and /etc/subgid: give it a larger one)",
				      m->uid, m->gid);
	return cubo_error_errno("chown to %u:%u", m->uid, m->gid);
}

/* mode_unknown: the entry was not created with exactly m->perm & 0777. */
static struct cubo_error *set_owner_mode_fd(struct unpacker *u, int fd, const struct meta *m,
					    bool mode_unknown)
{
	bool chown_it = owner_differs(u, m);

	if (chown_it && fchown(fd, m->uid, m->gid) < 0)
		return chown_error(m);
	if ((mode_unknown || chown_it || (m->perm & 07000)) && fchmod(fd, m->perm) < 0)
		return cubo_error_errno("chmod %04o", m->perm);
	return NULL;
}

static struct cubo_error *set_meta_fd(struct unpacker *u, int fd, struct archive_entry *e,
				      const struct meta *m)
{
	CUBO_TRY(set_owner_mode_fd(u, fd, m, true));
	return set_xattrs_fd(fd, e);
}

/* For entries that cannot be opened for writing (symlinks, devices, fifos). */
static struct cubo_error *set_meta_at(struct unpacker *u, int dirfd, const char *name,
				      const struct meta *m, bool chmod_too)
{
	if (owner_differs(u, m) && fchownat(dirfd, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return chown_error(m);
	/* Not a symlink (we just made it), so following is moot. */
	if (chmod_too && fchmodat(dirfd, name, m->perm, 0) < 0)
		return cubo_error_errno("chmod %04o", m->perm);
	if (utimensat(dirfd, name, m->times, AT_SYMLINK_NOFOLLOW) < 0)
		return cubo_error_errno("set times");
	return NULL;
}

/* ---- entry kinds ---- */

static struct cubo_error *write_data(struct unpacker *u, int fd, struct archive_entry *e)
{
	const void *buf;
	size_t size;
	la_int64_t off, end = 0;
	int r;

	while ((r = archive_read_data_block(u->tar_reader, &buf, &size, &off)) == ARCHIVE_OK) {
		const char *p = buf;
		while (size) {
			ssize_t n = pwrite(fd, p, size, off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return cubo_error_errno("write");
			}
			p += n;
			off += n;
			size -= (size_t)n;
			u->res.file_bytes += (uint64_t)n;
		}
		if (off > end)
			end = off;
	}
	if (r != ARCHIVE_EOF)
		return cubo_error_new("reading the layer: %s", archive_error_string(u->tar_reader));
	/* A sparse file may end in a hole. */
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > end &&
	    ftruncate(fd, archive_entry_size(e)) < 0)
		return cubo_error_errno("extend to %lld bytes", (long long)archive_entry_size(e));
	return NULL;
}

static struct cubo_error *make_file(struct unpacker *u, int dirfd, const char *name,
				    struct archive_entry *e, const struct meta *m)
{
	struct cubo_error *err;
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	mode_t plain = m->perm & 0777; /* setuid & co. only after the data */
	/* O_EXCL: never write into an existing inode (a hardlink shares it). */
	int fd = openat(dirfd, name, flags, plain);

	if (fd < 0 && errno == EEXIST) {
		CUBO_TRY(remove_existing(u, dirfd, name));
		fd = openat(dirfd, name, flags, plain);
	}
	if (fd < 0)
		return cubo_error_errno("create file");
	/* Data first: writing clears setuid and file capabilities. */
	err = write_data(u, fd, e);
	if (!err)
		err = set_owner_mode_fd(u, fd, m, !u->umask_known || (plain & u->umask));
	if (!err)
		err = set_xattrs_fd(fd, e);
	if (!err && futimens(fd, m->times) < 0)
		err = cubo_error_errno("set times");
	if (close(fd) < 0 && !err)
		err = cubo_error_errno("close");
	return err;
}

static void record_dir_time(struct unpacker *u, const char *path, const struct meta *m)
{
	if (u->ndirs == u->dirs_cap) {
		size_t cap = u->dirs_cap ? u->dirs_cap * 2 : 64;
		u->dirs = xreallocarray(u->dirs, cap, sizeof(*u->dirs));
		u->dirs_cap = cap;
	}
	u->dirs[u->ndirs].path = xstrdup(path);
	memcpy(u->dirs[u->ndirs].times, m->times, sizeof(m->times));
	u->ndirs++;
}

static struct cubo_error *make_dir(struct unpacker *u, int dirfd, const char *name,
				   const char *path, struct archive_entry *e, const struct meta *m)
{
	struct cubo_error *err;
	int fd;

	if (!*path) {
		/* "./" itself: the layer root takes the entry's metadata. */
		fd = u->rootfd;
	} else {
		if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
			return cubo_error_errno("create directory");
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && (errno == ENOTDIR || errno == ELOOP)) {
			CUBO_TRY(remove_existing(u, dirfd, name));
			if (mkdirat(dirfd, name, 0700) < 0)
				return cubo_error_errno("create directory");
			fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0)
			return cubo_error_errno("open directory");
	}
	err = set_meta_fd(u, fd, e, m);
	if (fd == u->rootfd) {
		/* The root is never cached, but its setgid bit may just have changed. */
		struct stat st;
		if (!err && fstat(fd, &st) < 0)
			err = cubo_error_errno("stat the layer root");
		if (!err)
			u->root_new_gid = (st.st_mode & S_ISGID) ? st.st_gid : u->egid;
	} else {
		close(fd);
	}
	/* Times last: creating the directory's entries would change them. */
	if (!err)
		record_dir_time(u, path, m);
	return err;
}

static struct cubo_error *make_symlink(struct unpacker *u, int dirfd, const char *name,
				       struct archive_entry *e, const struct meta *m)
{
	/* Names that do not convert to the locale's charset still have their UTF-8 form. */
	const char *target = archive_entry_symlink(e) ?: archive_entry_symlink_utf8(e);

	if (!target || !*target)
		return cubo_error_new("symlink without a target");
	if (symlinkat(target, dirfd, name) < 0) {
		if (errno != EEXIST)
			return cubo_error_errno("create symlink");
		CUBO_TRY(remove_existing(u, dirfd, name));
		if (symlinkat(target, dirfd, name) < 0)
			return cubo_error_errno("create symlink");
	}
	return set_meta_at(u, dirfd, name, m, false);
}

static struct cubo_error *make_node(struct unpacker *u, int dirfd, const char *name,
				    struct archive_entry *e, const struct meta *m)
{
	mode_t type = archive_entry_filetype(e);
	dev_t dev = type == AE_IFIFO
			    ? 0
			    : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));

	if (mknodat(dirfd, name, type | m->perm, dev) < 0) {
		if (errno != EEXIST)
			return cubo_error_errno("create %s", type == AE_IFIFO ? "fifo" : "device");
		CUBO_TRY(remove_existing(u, dirfd, name));
		if (mknodat(dirfd, name, type | m->perm, dev) < 0)
			return cubo_error_errno("create %s", type == AE_IFIFO ? "fifo" : "device");
	}
	return set_meta_at(u, dirfd, name, m, true);
}

/*
 * A hardlink's target is a path in this layer, under the same rules as entry
 * names; it must already exist. The new name shares the target's inode and
 * metadata, so nothing else is applied.
 */
static struct cubo_error *make_hardlink(struct unpacker *u, int dirfd, const char *name,
					const char *target)
{
	char *clean, *tbase;
	struct cubo_error *err;
	int tdir = -1;

	clean = xmalloc(strlen(target) + 1);
	err = clean_path(target, clean);
	if (!err && !*clean)
		err = cubo_error_new("hardlink to the layer root");
	if (!err) {
		split_path(clean, &tbase);
		err = open_dir(u, tbase == clean ? "" : clean, false, &tdir);
	}
	if (!err && linkat(tdir, tbase, dirfd, name, 0) < 0) {
		if (errno == EEXIST) {
			err = remove_existing(u, dirfd, name);
			if (!err && linkat(tdir, tbase, dirfd, name, 0) < 0)
				err = cubo_error_errno("create hardlink");
		} else if (errno == ENOENT) {
			err = cubo_error_new("target not found in the layer");
		} else {
			err = cubo_error_errno("create hardlink");
		}
	}
	if (tdir >= 0)
		close(tdir);
	free(clean);
	return cubo_error_wrap(err, "hardlink to \"%s\"", target);
}

/* ".wh.<name>": an overlay whiteout for name; ".wh..wh..opq": this directory is opaque. */
static struct cubo_error *make_whiteout(struct unpacker *u, int dirfd, const char *base,
					const struct meta *m)
{
	const char *name = base + strlen(WHITEOUT_PREFIX);
	int fd;

	if (strcmp(base, WHITEOUT_OPAQUE) == 0) {
		/* dirfd is O_PATH: reopen it for fsetxattr. */
		fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return cubo_error_errno("open the opaque directory");
		if (fsetxattr(fd, OVERLAY_OPAQUE_XATTR, "y", 1, 0) < 0) {
			int e = errno;
			close(fd);
			return cubo_error_new_errno(e, "set %s", OVERLAY_OPAQUE_XATTR);
		}
		close(fd);
		return NULL;
	}
	if (strncmp(base, WHITEOUT_META_PREFIX, strlen(WHITEOUT_META_PREFIX)) == 0)
		return NULL; /* aufs bookkeeping (.wh..wh.plnk and such): meaningless here */
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return cubo_error_new("whiteout of \"%s\" refused", name);
	if (mknodat(dirfd, name, S_IFCHR, makedev(0, 0)) < 0) {
		if (errno != EEXIST)
			return cubo_error_errno("create whiteout");
		CUBO_TRY(remove_existing(u, dirfd, name));
		if (mknodat(dirfd, name, S_IFCHR, makedev(0, 0)) < 0)
			return cubo_error_errno("create whiteout");
	}
	if (owner_differs(u, m) && fchownat(dirfd, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cubo_error_errno("chown whiteout");
	return NULL;
}

static struct cubo_error *apply_entry_path(struct unpacker *u, struct archive_entry *e,
					   const char *raw, char *path)
{
	const char *hardlink = archive_entry_hardlink(e) ?: archive_entry_hardlink_utf8(e);
	mode_t type = archive_entry_filetype(e);
	char *parent = path, *base;
	bool whiteout;
	struct meta m;
	int dirfd;

	CUBO_TRY(clean_path(raw, path));
	CUBO_TRY(entry_meta(e, &m));
	if (!*path) {
		if (type != AE_IFDIR || hardlink)
			return cubo_error_new("only a directory may name the layer root");
		return make_dir(u, u->rootfd, ".", "", e, &m);
	}
	/* Whiteouts go by name, whatever their type. */
	base = strrchr(path, '/');
	whiteout = !u->plain_tar &&
		   strncmp(base ? base + 1 : path, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0;
	/* Directory times are recorded by full path, before it is split. */
	if (type == AE_IFDIR && !hardlink && !whiteout) {
		char *full = xstrdup(path);
		struct cubo_error *err;
		split_path(path, &base);
		err = parent_dir(u, base == path ? "" : parent, &dirfd);
		if (!err)
			err = make_dir(u, dirfd, base, full, e, &m);
		free(full);
		return err;
	}
	split_path(path, &base);
	CUBO_TRY(parent_dir(u, base == path ? "" : parent, &dirfd));
	if (whiteout)
		return make_whiteout(u, dirfd, base, &m);
	if (hardlink)
		return make_hardlink(u, dirfd, base, hardlink);
	switch (type) {
	case AE_IFREG:
		return make_file(u, dirfd, base, e, &m);
	case AE_IFLNK:
		return make_symlink(u, dirfd, base, e, &m);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return make_node(u, dirfd, base, e, &m);
	default:
		return cubo_error_new("unsupported entry type 0%o", (unsigned)type);
	}
}

struct cubo_error *apply_entry(struct unpacker *u, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e);
	struct cubo_error *err;
	char *path;

	if (!raw)
		raw = archive_entry_pathname_utf8(e);
	if (!raw || !*raw)
		return cubo_error_new("entry without a path");
	path = xmalloc(strlen(raw) + 1);
	err = apply_entry_path(u, e, raw, path);
	free(path);
	u->res.entries++;
	return cubo_error_wrap(err, "entry \"%s\"", raw);
}

/*
 * Directories get their times after everything inside them was written.
 * Setting them changes no parent's mtime, so in tar order: a later entry for
 * the same directory wins.
 */
struct cubo_error *apply_dir_times(struct unpacker *u)
{
	for (size_t i = 0; i < u->ndirs; i++) {
		const struct dir_time *d = &u->dirs[i];
		int fd = -1;

		if (*d->path) {
			char *parent = xstrdup(d->path), *base;
			int pfd;
			struct cubo_error *err;
			split_path(parent, &base);
			err = open_dir(u, base == parent ? "" : parent, false, &pfd);
			if (err) {
				free(parent);
				return cubo_error_wrap(err, "entry \"%s\"", d->path);
			}
			fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			close(pfd);
			free(parent);
			/* Replaced by a later entry of this layer: nothing to do. */
			if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
				continue;
			if (fd < 0)
				return cubo_error_errno("entry \"%s\": open directory", d->path);
		}
		if (futimens(fd >= 0 ? fd : u->rootfd, d->times) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return cubo_error_new_errno(e, "entry \"%s\": set times", d->path);
		}
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

/* ---- rings and failures ---- */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One pass over a layer, in three stages on three threads, so that inflating
 * (user time), hashing and creating files (mostly system time) overlap:
 *
 *   input ──► [decompress: libarchive gzip/zstd + format "raw"] ──► tar ring
 *   tar ring ──► [hash: sha256 of the whole tar stream = the diff_id]
 *   tar ring ──► [extract: libarchive tar reader, our own fd-relative calls]
 *
 * The input is a ring filled by unpack_feed (downloads push, while libarchive
 * pulls), or an fd for unpack_fd. The tar ring has two readers, each with its
 * own position. Both rings are bounded, so memory stays small whatever the
 * layer size.
 */
#include "cubo-mgr/image/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "shared/fs.h"

/*
 * Compressed bytes buffered between the download and the decompressor, and
 * tar bytes between the decompressor and the extractor. Large enough that
 * neither side waits on the other for every chunk, small enough for several
 * layers in flight within the pull's memory budget.
 */
#define INPUT_RING_SIZE (256 * 1024)
#define TAR_RING_SIZE (1024 * 1024)
/* Read size for unpack_fd. */
#define FD_READ_SIZE (256 * 1024)

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"
/* Overlay's own metadata must come only from whiteout conversion, never from the tar. */
#define OVERLAY_XATTR_PREFIX "trusted.overlay."

struct dir_time {
	char *path; /* cleaned, relative to the layer root; "" is the root */
	struct timespec times[2];
};

enum { READER_EXTRACT, READER_HASH, MAX_READERS };

struct ring_reader {
	uint64_t tail; /* bytes released, ever */
	size_t held;   /* bytes handed out and not yet released */
	bool gone;     /* stopped reading: its position no longer holds the writer */
};

/* A bounded byte pipe from one writer thread to one or two reader threads. */
struct ring {
	unsigned char *buf;
	size_t size;
	uint64_t head; /* bytes written, ever */
	struct ring_reader rd[MAX_READERS];
	unsigned nreaders;
	bool closed; /* the writer is done */
	pthread_cond_t readable, writable;
};

struct unpacker {
	char *layer_name;
	char *expected_diff_id;
	enum unpack_compression compression;
	bool ignore_owners;
	bool use_openat2; /* cleared when the kernel lacks it: the component walk is used */
	int rootfd;

	/* Input: the ring (fed by unpack_feed) or src_fd (unpack_fd). */
	int src_fd;
	unsigned char *fdbuf;
	pthread_mutex_t lock; /* guards both rings, failed and err */
	struct ring in, tar;
	bool failed;		/* err is set: every stage stops */
	struct cubo_error *err; /* the first failure of any stage */
	pthread_t decompressor, hasher, extractor;
	bool have_decompressor, have_hasher, have_extractor;
	uint64_t seen_bytes; /* compressed bytes handed to libarchive (decompressor only) */
	int read_errno;	     /* reading src_fd failed (decompressor only) */

	/* The two readers and the digest of the stream between them. */
	struct archive *raw, *tar_reader;
	struct cubo_sha256 *hash;

	/* The last parent directory resolved: entries come grouped by directory. */
	char *cache_path;
	int cache_fd;
	gid_t cache_new_gid;

	/*
	 * What a new entry gets without chown/chmod, so those calls are made
	 * only when they change something: most files of a layer are root's
	 * and 0644 or 0755.
	 */
	uid_t euid;
	gid_t egid, root_new_gid;
	gid_t new_gid; /* the group a new entry in the current parent gets */
	mode_t umask;
	bool umask_known;

	struct dir_time *dirs;
	size_t ndirs, dirs_cap;

	struct unpack_result res;
};

/* ---- paths ---- */

/*
 * Clean an entry path into out (same size as in): drop "." and empty
 * components, refuse absolute paths and "..". "" means the layer root.
 */
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

static void cache_drop(struct unpacker *u)
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
	u->cache_path = strdup(parent);
	if (!u->cache_path || fstat(fd, &st) < 0) {
		int e = u->cache_path ? errno : ENOMEM;
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

/* mode_unknown: the entry was not created with exactly m->perm & 0777. */
static struct cubo_error *set_owner_mode_fd(struct unpacker *u, int fd, const struct meta *m,
					    bool mode_unknown)
{
	bool chown_it = owner_differs(u, m);

	if (chown_it && fchown(fd, m->uid, m->gid) < 0)
		return cubo_error_errno("chown to %u:%u", m->uid, m->gid);
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
		return cubo_error_errno("chown to %u:%u", m->uid, m->gid);
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

static struct cubo_error *record_dir_time(struct unpacker *u, const char *path,
					  const struct meta *m)
{
	if (u->ndirs == u->dirs_cap) {
		size_t cap = u->dirs_cap ? u->dirs_cap * 2 : 64;
		struct dir_time *d = realloc(u->dirs, cap * sizeof(*d));
		if (!d)
			return cubo_error_new_errno(ENOMEM, "remember directory times");
		u->dirs = d;
		u->dirs_cap = cap;
	}
	u->dirs[u->ndirs].path = strdup(path);
	if (!u->dirs[u->ndirs].path)
		return cubo_error_new_errno(ENOMEM, "remember directory times");
	memcpy(u->dirs[u->ndirs].times, m->times, sizeof(m->times));
	u->ndirs++;
	return NULL;
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
	return err ? err : record_dir_time(u, path, m);
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

	clean = malloc(strlen(target) + 1);
	if (!clean)
		return cubo_error_new_errno(ENOMEM, "hardlink");
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
	whiteout = strncmp(base ? base + 1 : path, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0;
	/* Directory times are recorded by full path, before it is split. */
	if (type == AE_IFDIR && !hardlink && !whiteout) {
		char *full = strdup(path);
		struct cubo_error *err;
		if (!full)
			return cubo_error_new_errno(ENOMEM, "entry path");
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

static struct cubo_error *apply_entry(struct unpacker *u, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e);
	struct cubo_error *err;
	char *path;

	if (!raw)
		raw = archive_entry_pathname_utf8(e);
	if (!raw || !*raw)
		return cubo_error_new("entry without a path");
	path = malloc(strlen(raw) + 1);
	if (!path)
		return cubo_error_new_errno(ENOMEM, "entry path");
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
static struct cubo_error *apply_dir_times(struct unpacker *u)
{
	for (size_t i = 0; i < u->ndirs; i++) {
		const struct dir_time *d = &u->dirs[i];
		int fd = -1;

		if (*d->path) {
			char *parent = strdup(d->path), *base;
			int pfd;
			struct cubo_error *err;
			if (!parent)
				return cubo_error_new_errno(ENOMEM, "directory times");
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

/* Conditions are set up for both rings always (fail() signals them); buffers as needed. */
static void ring_init(struct ring *r, unsigned nreaders)
{
	r->nreaders = nreaders;
	pthread_cond_init(&r->readable, NULL);
	pthread_cond_init(&r->writable, NULL);
}

static struct cubo_error *ring_alloc(struct ring *r, size_t size)
{
	r->size = size;
	r->buf = malloc(size);
	if (!r->buf)
		return cubo_error_new_errno(ENOMEM, "allocate %zu bytes", size);
	return NULL;
}

static void ring_destroy(struct ring *r)
{
	free(r->buf);
	pthread_cond_destroy(&r->readable);
	pthread_cond_destroy(&r->writable);
}

/* Bytes the slowest remaining reader has not released; false when no reader is left. */
static bool ring_used(const struct ring *r, size_t *used)
{
	bool any = false;

	*used = 0;
	for (unsigned i = 0; i < r->nreaders; i++) {
		if (r->rd[i].gone)
			continue;
		any = true;
		if (r->head - r->rd[i].tail > *used)
			*used = (size_t)(r->head - r->rd[i].tail);
	}
	return any;
}

/*
 * Copy n bytes in, waiting for room. False when they will never be read: all
 * readers stopped or some stage failed.
 */
static bool ring_write(struct unpacker *u, struct ring *r, const void *data, size_t n)
{
	const unsigned char *p = data;

	while (n) {
		size_t off, chunk, used = 0;
		bool readers;

		pthread_mutex_lock(&u->lock);
		while ((readers = ring_used(r, &used)) && used == r->size && !u->failed)
			pthread_cond_wait(&r->writable, &u->lock);
		if (!readers || u->failed) {
			pthread_mutex_unlock(&u->lock);
			return false;
		}
		off = (size_t)(r->head % r->size);
		chunk = r->size - used;
		if (chunk > r->size - off)
			chunk = r->size - off;
		if (chunk > n)
			chunk = n;
		pthread_mutex_unlock(&u->lock);

		/* No reader touches [head, head + size - used): copy unlocked. */
		memcpy(r->buf + off, p, chunk);
		p += chunk;
		n -= chunk;

		pthread_mutex_lock(&u->lock);
		r->head += chunk;
		pthread_cond_broadcast(&r->readable);
		pthread_mutex_unlock(&u->lock);
	}
	return true;
}

/*
 * libarchive's read callback contract: the block stays valid until the next
 * call. So each call first releases the previous block, then hands out the
 * next contiguous one. 0 at the end, -1 when a stage failed.
 */
static la_ssize_t ring_read(struct unpacker *u, struct ring *r, unsigned reader, const void **buf)
{
	struct ring_reader *rd = &r->rd[reader];
	size_t off, n;

	pthread_mutex_lock(&u->lock);
	rd->tail += rd->held;
	rd->held = 0;
	pthread_cond_signal(&r->writable);
	while (r->head == rd->tail && !r->closed && !u->failed)
		pthread_cond_wait(&r->readable, &u->lock);
	if (u->failed) {
		pthread_mutex_unlock(&u->lock);
		return -1;
	}
	off = (size_t)(rd->tail % r->size);
	n = (size_t)(r->head - rd->tail);
	if (n > r->size - off)
		n = r->size - off;
	/* A block is held until the next call: leave the writer room meanwhile. */
	if (n > r->size / 4)
		n = r->size / 4;
	rd->held = n;
	pthread_mutex_unlock(&u->lock);
	*buf = r->buf + off;
	return (la_ssize_t)n;
}

static void ring_close(struct unpacker *u, struct ring *r)
{
	pthread_mutex_lock(&u->lock);
	r->closed = true;
	pthread_cond_broadcast(&r->readable);
	pthread_mutex_unlock(&u->lock);
}

static void ring_stop_reading(struct unpacker *u, struct ring *r, unsigned reader)
{
	pthread_mutex_lock(&u->lock);
	r->rd[reader].gone = true;
	pthread_cond_signal(&r->writable);
	pthread_mutex_unlock(&u->lock);
}

/*
 * The first failure wins and stops every stage; later ones are its echoes
 * ("the ring was closed on me") and are dropped.
 */
static void fail(struct unpacker *u, struct cubo_error *err)
{
	if (!err)
		return;
	err = cubo_error_wrap(err, "layer %s", u->layer_name);
	pthread_mutex_lock(&u->lock);
	if (!u->failed) {
		u->failed = true;
		u->err = err;
		err = NULL;
		pthread_cond_broadcast(&u->in.readable);
		pthread_cond_broadcast(&u->in.writable);
		pthread_cond_broadcast(&u->tar.readable);
		pthread_cond_broadcast(&u->tar.writable);
	}
	pthread_mutex_unlock(&u->lock);
	cubo_error_free(err);
}

static bool has_failed(struct unpacker *u)
{
	bool failed;

	pthread_mutex_lock(&u->lock);
	failed = u->failed;
	pthread_mutex_unlock(&u->lock);
	return failed;
}

/* ---- stage 1: decompress ---- */

/* Compressed input for the "raw" reader: from the ring or from src_fd. */
static la_ssize_t source_read(struct archive *a, void *data, const void **buf)
{
	struct unpacker *u = data;
	la_ssize_t n;

	if (u->src_fd < 0) {
		n = ring_read(u, &u->in, 0, buf);
		if (n < 0)
			archive_set_error(a, ECANCELED, "unpacking stopped");
	} else {
		do
			n = read(u->src_fd, u->fdbuf, FD_READ_SIZE);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			u->read_errno = errno;
			archive_set_error(a, errno, "read: %s", strerror(errno));
		} else
			u->res.compressed_bytes += (uint64_t)n;
		*buf = u->fdbuf;
	}
	if (n > 0)
		u->seen_bytes += (uint64_t)n;
	return n;
}

static const char *compression_name(enum unpack_compression c)
{
	switch (c) {
	case UNPACK_COMPRESSION_GZIP:
		return "gzip";
	case UNPACK_COMPRESSION_ZSTD:
		return "zstd";
	case UNPACK_COMPRESSION_NONE:
		return "uncompressed";
	default:
		return "auto";
	}
}

static struct cubo_error *raw_error(struct unpacker *u)
{
	if (u->read_errno)
		return cubo_error_new_errno(u->read_errno, "read the layer");
	if (!u->seen_bytes && !has_failed(u))
		return cubo_error_new("empty layer stream");
	return cubo_error_new("reading the layer: %s", archive_error_string(u->raw));
}

static struct cubo_error *open_raw(struct unpacker *u)
{
	struct archive_entry *e;
	enum unpack_compression got;
	int r;

	u->raw = archive_read_new();
	if (!u->raw)
		return cubo_error_new_errno(ENOMEM, "archive_read_new");
	/* Both always, even when the compression is given: the error can then say what it is. */
	archive_read_support_filter_gzip(u->raw);
	archive_read_support_filter_zstd(u->raw);
	archive_read_support_format_raw(u->raw);
	r = archive_read_open(u->raw, u, NULL, source_read, NULL);
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(u->raw, &e);
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return raw_error(u);

	switch (archive_filter_code(u->raw, 0)) {
	case ARCHIVE_FILTER_GZIP:
		got = UNPACK_COMPRESSION_GZIP;
		break;
	case ARCHIVE_FILTER_ZSTD:
		got = UNPACK_COMPRESSION_ZSTD;
		break;
	default:
		got = UNPACK_COMPRESSION_NONE;
	}
	if (u->compression != UNPACK_COMPRESSION_AUTO && got != u->compression)
		return cubo_error_new("expected a %s layer, the stream is %s",
				      compression_name(u->compression), compression_name(got));
	return NULL;
}

static struct cubo_error *decompress(struct unpacker *u)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	CUBO_TRY(open_raw(u));
	while ((r = archive_read_data_block(u->raw, &buf, &size, &off)) == ARCHIVE_OK ||
	       r == ARCHIVE_WARN)
		if (!ring_write(u, &u->tar, buf, size))
			return NULL; /* another stage failed: its error says why */
	if (r != ARCHIVE_EOF)
		return raw_error(u);
	return NULL;
}

static void *decompressor_main(void *arg)
{
	struct unpacker *u = arg;

	fail(u, decompress(u));
	/* Input past the end of the compressed stream is ignored. */
	ring_stop_reading(u, &u->in, 0);
	ring_close(u, &u->tar);
	return NULL;
}

/* ---- stage 2: hash ---- */

/*
 * All of the tar stream, also what follows its end-of-archive blocks (the
 * padding counts for the diff_id), on a thread of its own: the decompressor
 * is busy inflating, the extractor in system calls.
 */
static struct cubo_error *hash(struct unpacker *u)
{
	const void *buf;
	la_ssize_t n;

	while ((n = ring_read(u, &u->tar, READER_HASH, &buf)) > 0) {
		CUBO_TRY(cubo_sha256_update(u->hash, buf, (size_t)n));
		u->res.tar_bytes += (uint64_t)n;
	}
	if (n < 0)
		return NULL; /* another stage failed */
	return cubo_sha256_final(u->hash, u->res.diff_id);
}

static void *hasher_main(void *arg)
{
	struct unpacker *u = arg;

	fail(u, hash(u));
	ring_stop_reading(u, &u->tar, READER_HASH);
	return NULL;
}

/* ---- stage 3: extract ---- */

static la_ssize_t tar_read(struct archive *a, void *data, const void **buf)
{
	struct unpacker *u = data;
	la_ssize_t n = ring_read(u, &u->tar, READER_EXTRACT, buf);

	if (n < 0)
		archive_set_error(a, ECANCELED, "unpacking stopped");
	return n;
}

static struct cubo_error *extract(struct unpacker *u)
{
	struct archive_entry *e;
	int r;

	u->tar_reader = archive_read_new();
	if (!u->tar_reader)
		return cubo_error_new_errno(ENOMEM, "archive_read_new");
	archive_read_support_format_tar(u->tar_reader);
	if (archive_read_open(u->tar_reader, u, NULL, tar_read, NULL) != ARCHIVE_OK)
		return cubo_error_new("reading the tar stream: %s",
				      archive_error_string(u->tar_reader));
	while ((r = archive_read_next_header(u->tar_reader, &e)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return cubo_error_new("reading the tar stream: %s",
					      archive_error_string(u->tar_reader));
		CUBO_TRY(apply_entry(u, e));
	}
	return apply_dir_times(u);
}

static void *extractor_main(void *arg)
{
	struct unpacker *u = arg;

	fail(u, extract(u));
	ring_stop_reading(u, &u->tar, READER_EXTRACT);
	return NULL;
}

/* ---- life cycle ---- */

static void unpacker_free(struct unpacker *u)
{
	if (u->tar_reader)
		archive_read_free(u->tar_reader);
	if (u->raw)
		archive_read_free(u->raw);
	cubo_sha256_free(u->hash);
	cache_drop(u);
	for (size_t i = 0; i < u->ndirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	if (u->rootfd >= 0)
		close(u->rootfd);
	ring_destroy(&u->in);
	ring_destroy(&u->tar);
	free(u->fdbuf);
	free(u->layer_name);
	free(u->expected_diff_id);
	cubo_error_free(u->err);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/*
 * The process umask, without umask(2): setting it, even back, would race
 * with other threads creating files.
 */
static bool read_umask(mode_t *out)
{
	char *text = NULL, *line;
	struct cubo_error *err = cubo_read_file("/proc/self/status", &text, NULL);
	bool ok = false;

	if (err) {
		cubo_error_free(err);
		return false;
	}
	line = strstr(text, "\nUmask:");
	if (line) {
		char *end;
		unsigned long v = strtoul(line + strlen("\nUmask:"), &end, 8);
		if (end != line + strlen("\nUmask:") && v <= 0777) {
			*out = (mode_t)v;
			ok = true;
		}
	}
	free(text);
	return ok;
}

static struct cubo_error *unpacker_new(const char *dest_dir, const struct unpack_opts *opts,
				       int src_fd, struct unpacker **out)
{
	static const struct unpack_opts defaults;
	struct cubo_error *err = NULL;
	struct unpacker *u;

	if (!opts)
		opts = &defaults;
	u = calloc(1, sizeof(*u));
	if (!u)
		return cubo_error_new_errno(ENOMEM, "unpack %s", dest_dir);
	pthread_mutex_init(&u->lock, NULL);
	ring_init(&u->in, 1);
	ring_init(&u->tar, MAX_READERS);
	u->rootfd = -1;
	u->cache_fd = -1;
	u->src_fd = src_fd;
	u->compression = opts->compression;
	u->ignore_owners = opts->ignore_owners;
	u->use_openat2 = true;
	u->euid = geteuid();
	u->egid = getegid();
	u->umask_known = read_umask(&u->umask);
	u->layer_name = strdup(opts->layer_name ? opts->layer_name : dest_dir);
	u->expected_diff_id = opts->expected_diff_id ? strdup(opts->expected_diff_id) : NULL;
	if (!u->layer_name || (opts->expected_diff_id && !u->expected_diff_id))
		err = cubo_error_new_errno(ENOMEM, "unpack %s", dest_dir);
	if (!err && src_fd >= 0 && !(u->fdbuf = malloc(FD_READ_SIZE)))
		err = cubo_error_new_errno(ENOMEM, "unpack %s", dest_dir);
	if (!err && src_fd < 0)
		err = ring_alloc(&u->in, INPUT_RING_SIZE);
	if (!err)
		err = ring_alloc(&u->tar, TAR_RING_SIZE);
	if (!err)
		err = cubo_sha256_new(&u->hash);
	if (!err) {
		struct stat st;
		u->rootfd = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (u->rootfd < 0 || fstat(u->rootfd, &st) < 0)
			err = cubo_error_errno("open %s", dest_dir);
		else
			u->root_new_gid = (st.st_mode & S_ISGID) ? st.st_gid : u->egid;
	}
	if (err) {
		unpacker_free(u);
		return cubo_error_wrap(err, "layer %s",
				       opts->layer_name ? opts->layer_name : dest_dir);
	}
	*out = u;
	return NULL;
}

static struct cubo_error *start_thread(struct unpacker *u, pthread_t *t, void *(*fn)(void *),
				       bool *started)
{
	int r = pthread_create(t, NULL, fn, u);
	if (r)
		return cubo_error_new_errno(r, "layer %s: start an unpack thread", u->layer_name);
	*started = true;
	return NULL;
}

/* Wait for every stage; with abort, make them stop first. */
static void join_stages(struct unpacker *u, bool abort)
{
	if (abort)
		fail(u, cubo_error_new("unpacking aborted"));
	if (u->src_fd < 0)
		ring_close(u, &u->in);
	if (u->have_decompressor)
		pthread_join(u->decompressor, NULL);
	if (u->have_hasher)
		pthread_join(u->hasher, NULL);
	if (u->have_extractor)
		pthread_join(u->extractor, NULL);
	u->have_decompressor = u->have_hasher = u->have_extractor = false;
}

static struct cubo_error *take_result(struct unpacker *u, struct unpack_result *out)
{
	struct cubo_error *err = u->err;

	u->err = NULL;
	if (!err && u->expected_diff_id && strcmp(u->expected_diff_id, u->res.diff_id) != 0)
		err = cubo_error_new("layer %s: diff_id mismatch: expected %s, got %s",
				     u->layer_name, u->expected_diff_id, u->res.diff_id);
	if (!err && out)
		*out = u->res;
	unpacker_free(u);
	return err;
}

enum unpack_compression unpack_compression_from_media_type(const char *media_type)
{
	size_t n;

	if (!media_type)
		return UNPACK_COMPRESSION_AUTO;
	n = strlen(media_type);
#define ENDS_WITH(s) (n >= strlen(s) && strcmp(media_type + n - strlen(s), s) == 0)
	if (ENDS_WITH("+gzip") || ENDS_WITH(".tar.gzip"))
		return UNPACK_COMPRESSION_GZIP;
	if (ENDS_WITH("+zstd") || ENDS_WITH(".tar.zstd"))
		return UNPACK_COMPRESSION_ZSTD;
	if (ENDS_WITH(".tar") || ENDS_WITH(".tar.uncompressed"))
		return UNPACK_COMPRESSION_NONE;
#undef ENDS_WITH
	return UNPACK_COMPRESSION_AUTO;
}

struct cubo_error *unpack_begin(const char *dest_dir, const struct unpack_opts *opts,
				struct unpacker **out)
{
	struct cubo_error *err;
	struct unpacker *u;

	CUBO_TRY(unpacker_new(dest_dir, opts, -1, &u));
	err = start_thread(u, &u->decompressor, decompressor_main, &u->have_decompressor);
	if (!err)
		err = start_thread(u, &u->hasher, hasher_main, &u->have_hasher);
	if (!err)
		err = start_thread(u, &u->extractor, extractor_main, &u->have_extractor);
	if (err) {
		unpack_abort(u);
		return err;
	}
	*out = u;
	return NULL;
}

struct cubo_error *unpack_feed(struct unpacker *u, const void *buf, size_t len)
{
	struct cubo_error *err = NULL;

	u->res.compressed_bytes += len;
	if (ring_write(u, &u->in, buf, len))
		return NULL;
	/* Failed, or the stream ended early: bytes past its end are ignored. */
	pthread_mutex_lock(&u->lock);
	if (u->err)
		err = cubo_error_new_errno(u->err->errnum, "%s", u->err->msg);
	pthread_mutex_unlock(&u->lock);
	return err;
}

struct cubo_error *unpack_finish(struct unpacker *u, struct unpack_result *out)
{
	join_stages(u, false);
	return take_result(u, out);
}

void unpack_abort(struct unpacker *u)
{
	if (!u)
		return;
	join_stages(u, true);
	unpacker_free(u);
}

/* unpack_fd on a prepared unpacker; frees u. */
static struct cubo_error *run_fd(struct unpacker *u, struct unpack_result *out)
{
	/* The decompressor and the hasher on threads of their own, the extractor on ours. */
	struct cubo_error *err =
		start_thread(u, &u->decompressor, decompressor_main, &u->have_decompressor);
	if (!err)
		err = start_thread(u, &u->hasher, hasher_main, &u->have_hasher);
	if (err) {
		unpack_abort(u);
		return err;
	}
	extractor_main(u);
	join_stages(u, false);
	return take_result(u, out);
}

struct cubo_error *unpack_fd(int fd, const char *dest_dir, const struct unpack_opts *opts,
			     struct unpack_result *out)
{
	struct unpacker *u;

	if (fd < 0)
		return cubo_error_new("layer %s: no input fd", dest_dir);
	CUBO_TRY(unpacker_new(dest_dir, opts, fd, &u));
	return run_fd(u, out);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/image/unpack.c */
/*
 * Layer unpacking, against tar streams built here with libarchive's writer,
 * also through the component walk (the fallback for kernels without
 * openat2).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cubo-mgr/image/unpack_priv.h" /* the ring sizes, to wrap them */

#include <dirent.h>
#include <linux/capability.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "tests/unit/helpers.h"

#define MTIME 1700000000
#define DIR_MTIME 1600000000

struct fixture {
	char *base;	   /* temp dir holding both of the below */
	char layer[128];   /* dest_dir */
	char outside[128]; /* a sibling that must never be written */
	bool root;
};

struct buf {
	unsigned char *data;
	size_t len, cap;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->base = th_tmpdir("unpack");
	snprintf(fx->layer, sizeof(fx->layer), "%s/layer", fx->base);
	snprintf(fx->outside, sizeof(fx->outside), "%s/outside", fx->base);
	assert_int_equal(mkdir(fx->layer, 0755), 0);
	assert_int_equal(mkdir(fx->outside, 0755), 0);
	fx->root = geteuid() == 0;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	th_tmpdir_free(fx->base);
	free(fx);
	return 0;
}

/* A fresh empty dest_dir, for tests that unpack several times. */
static void reset_layer(struct fixture *fx)
{
	th_rm_tree(fx->layer);
	assert_int_equal(mkdir(fx->layer, 0755), 0);
}

/* ---- building tar streams ---- */

static la_ssize_t buf_write(struct archive *a, void *data, const void *p, size_t n)
{
	struct buf *b = data;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->data = realloc(b->data, b->cap);
		assert_non_null(b->data);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return (la_ssize_t)n;
}

static struct archive *tar_new(struct buf *out)
{
	struct archive *a = archive_write_new();
	assert_int_equal(archive_write_set_format_pax(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, out, NULL, buf_write, NULL), ARCHIVE_OK);
	return a;
}

static void tar_end(struct archive *a)
{
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static struct archive_entry *entry_new(const char *path, mode_t type, mode_t perm)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_mtime(e, MTIME, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	return e;
}

static void entry_put(struct archive *a, struct archive_entry *e, const void *data, size_t len)
{
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	if (len)
		assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
}

static void add_file(struct archive *a, const char *path, mode_t perm, const char *text)
{
	struct archive_entry *e = entry_new(path, AE_IFREG, perm);
	archive_entry_set_size(e, (la_int64_t)strlen(text));
	entry_put(a, e, text, strlen(text));
}

static void add_dir(struct archive *a, const char *path, mode_t perm)
{
	entry_put(a, entry_new(path, AE_IFDIR, perm), NULL, 0);
}

static void add_symlink(struct archive *a, const char *path, const char *target)
{
	struct archive_entry *e = entry_new(path, AE_IFLNK, 0777);
	archive_entry_set_symlink(e, target);
	entry_put(a, e, NULL, 0);
}

static void add_hardlink(struct archive *a, const char *path, const char *target)
{
	struct archive_entry *e = entry_new(path, AE_IFREG, 0644);
	archive_entry_set_hardlink(e, target);
	entry_put(a, e, NULL, 0);
}

/* Compress a finished tar stream with libarchive's "raw" writer. */
static void compress(const struct buf *tar, enum unpack_compression c, struct buf *out)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = entry_new("layer.tar", AE_IFREG, 0644);

	memset(out, 0, sizeof(*out));
	if (c == UNPACK_COMPRESSION_GZIP)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	else if (c == UNPACK_COMPRESSION_ZSTD)
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	/* Unpadded: the output is exactly the compressed tar. */
	assert_int_equal(archive_write_set_bytes_per_block(a, 0), ARCHIVE_OK);
	assert_int_equal(archive_write_open(a, out, NULL, buf_write, NULL), ARCHIVE_OK);
	archive_entry_set_size(e, (la_int64_t)tar->len);
	entry_put(a, e, tar->data, tar->len);
	tar_end(a);
}

/* ---- running the unpacker ---- */

/* Feed data in chunks of chunk bytes (0: all at once). */
static struct cubo_error *unpack_chunks(const char *dest, const struct buf *in, size_t chunk,
					const struct unpack_opts *opts, struct unpack_result *res)
{
	struct unpacker *u;
	struct cubo_error *err;

	err = unpack_begin(dest, opts, &u);
	if (err)
		return err;
	for (size_t off = 0; off < in->len;) {
		size_t n = chunk && chunk < in->len - off ? chunk : in->len - off;
		err = unpack_feed(u, in->data + off, n);
		if (err) {
			/* finish must report the same failure. */
			struct cubo_error *again = unpack_finish(u, res);
			assert_non_null(again);
			assert_string_equal(again->msg, err->msg);
			cubo_error_free(again);
			return err;
		}
		off += n;
	}
	return unpack_finish(u, res);
}

static struct cubo_error *unpack_memfd(const char *dest, const struct buf *in,
				       const struct unpack_opts *opts, struct unpack_result *res)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	struct cubo_error *err;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, in->data, in->len), (ssize_t)in->len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	err = unpack_fd(fd, dest, opts, res);
	close(fd);
	return err;
}

/* Expect a refusal whose text contains want. */
static void assert_refused(struct fixture *fx, const struct buf *tar, const char *want)
{
	struct unpack_opts opts = {.layer_name = "sha256:abc", .ignore_owners = !fx->root};

	th_expect_text(unpack_chunks(fx->layer, tar, 0, &opts, NULL), want);
}

static void assert_dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			fail_msg("%s/%s was created", path, de->d_name);
	closedir(d);
}

/* End the tar a writes to tar, expect it refused with want, nothing written outside. */
static void finish_refused(struct fixture *fx, struct archive *a, struct buf *tar, const char *want)
{
	tar_end(a);
	assert_refused(fx, tar, want);
	assert_dir_empty(fx->outside);
	free(tar->data);
}

static void lstat_at(const struct fixture *fx, const char *rel, struct stat *st)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", fx->layer, rel);
	if (lstat(path, st) < 0)
		fail_msg("lstat %s: %s", path, strerror(errno));
}

static bool exists_at(const struct fixture *fx, const char *rel)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", fx->layer, rel);
	return lstat(path, &st) == 0;
}

static void read_at(const struct fixture *fx, const char *rel, char *out, size_t size)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", fx->layer, rel);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* ---- a listing of a tree, to compare two unpacks ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_tree(const char *root, const char *rel, char ***lines, size_t *n)
{
	char dirpath[1024];
	DIR *d;
	struct dirent *de;

	snprintf(dirpath, sizeof(dirpath), "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(dirpath);
	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[2048], sub[1024], link[256] = "", *line;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		snprintf(path, sizeof(path), "%s/%s", root, sub);
		assert_int_equal(lstat(path, &st), 0);
		if (S_ISLNK(st.st_mode))
			assert_true(readlink(path, link, sizeof(link) - 1) > 0);
		/* Parents the layer did not list get the time they were made. */
		if (st.st_mtim.tv_sec > MTIME + 86400)
			st.st_mtim = (struct timespec){0};
		assert_true(asprintf(&line, "%s %o %u:%u %lld %lld.%09ld nlink=%lu rdev=%lu -> %s",
				     sub, st.st_mode, st.st_uid, st.st_gid,
				     S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size,
				     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
				     (unsigned long)st.st_nlink, (unsigned long)st.st_rdev,
				     link) > 0);
		*lines = realloc(*lines, (*n + 1) * sizeof(char *));
		(*lines)[(*n)++] = line;
		if (S_ISDIR(st.st_mode))
			list_tree(root, sub, lines, n);
	}
	closedir(d);
}

/* The whole tree as one sorted text. */
static char *tree_text(const char *root)
{
	char **lines = NULL, *text = strdup("");
	size_t n = 0;

	list_tree(root, "", &lines, &n);
	qsort(lines, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *t;
		assert_true(asprintf(&t, "%s%s\n", text, lines[i]) > 0);
		free(text);
		free(lines[i]);
		text = t;
	}
	free(lines);
	return text;
}

/* The layer's tree is the one *first holds; with *first NULL, it becomes that one. */
static void assert_tree_as_first(const struct fixture *fx, char **first)
{
	char *text = tree_text(fx->layer);

	if (*first)
		assert_string_equal(text, *first);
	else
		*first = strdup(text);
	free(text);
}

/* ---- layers ---- */

/* Files, dirs, links, a setuid binary, owners, times and a user xattr: no root needed. */
static void build_plain_layer(struct buf *tar, bool root)
{
	struct archive *a = tar_new(tar);
	struct archive_entry *e;

	e = entry_new("./", AE_IFDIR, 0755);
	entry_put(a, e, NULL, 0);
	e = entry_new("etc/", AE_IFDIR, 0750);
	archive_entry_set_mtime(e, DIR_MTIME, 123);
	entry_put(a, e, NULL, 0);
	e = entry_new("etc/hostname", AE_IFREG, 0644);
	archive_entry_set_size(e, 5);
	if (root) {
		archive_entry_set_uid(e, 1000);
		archive_entry_set_gid(e, 1001);
	}
	archive_entry_xattr_add_entry(e, "user.cubo", "yes", 3);
	archive_entry_set_mtime(e, MTIME, 500);
	entry_put(a, e, "cubo\n", 5);
	add_dir(a, "./bin", 0755);
	add_file(a, "bin/busybox", 04755, "#!binary");
	add_symlink(a, "bin/sh", "busybox");
	add_hardlink(a, "bin/su", "bin/busybox");
	/* Parents that have no entry of their own are made. */
	add_symlink(a, "usr/local/bin/env", "/bin/env");
	add_file(a, "tmp-sticky/.keep", 0600, "");
	add_dir(a, "tmp-sticky", 01777);
	e = entry_new("run/ctl", AE_IFIFO, 0620);
	entry_put(a, e, NULL, 0);
	/* Modes the umask would narrow. */
	add_file(a, "etc/shared", 0666, "");
	/* A later entry of the same name wins. */
	add_file(a, "etc/motd", 0644, "old");
	add_file(a, "etc/motd", 0640, "new");
	e = entry_new("tmp-sticky", AE_IFDIR, 01777);
	archive_entry_set_mtime(e, DIR_MTIME + 1, 0);
	entry_put(a, e, NULL, 0);
	tar_end(a);
}

static void test_plain_layer(void **state)
{
	struct fixture *fx = *state;
	struct unpack_opts opts = {.ignore_owners = !fx->root};
	struct unpack_result res;
	struct buf tar = {0};
	char digest[CUBO_DIGEST_LEN + 1], text[64], xattr[16], path[512];
	struct stat st, st2;

	build_plain_layer(&tar, fx->root);
	assert_null(cubo_sha256_buffer(tar.data, tar.len, digest));
	assert_null(unpack_chunks(fx->layer, &tar, 0, &opts, &res));
	assert_string_equal(res.diff_id, digest);
	assert_int_equal(res.tar_bytes, tar.len);
	assert_int_equal(res.compressed_bytes, tar.len);
	assert_int_equal(res.entries, 15);
	assert_int_equal(res.file_bytes, 5 + 8 + 3 + 3);

	lstat_at(fx, "etc", &st);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	/* Set after its files were written. */
	assert_int_equal(st.st_mtim.tv_sec, DIR_MTIME);
	assert_int_equal(st.st_mtim.tv_nsec, 123);

	lstat_at(fx, "etc/hostname", &st);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_mtim.tv_sec, MTIME);
	assert_int_equal(st.st_mtim.tv_nsec, 500);
	if (fx->root) {
		assert_int_equal(st.st_uid, 1000);
		assert_int_equal(st.st_gid, 1001);
	}
	read_at(fx, "etc/hostname", text, sizeof(text));
	assert_string_equal(text, "cubo\n");
	snprintf(path, sizeof(path), "%s/etc/hostname", fx->layer);
	assert_int_equal(getxattr(path, "user.cubo", xattr, sizeof(xattr)), 3);
	assert_memory_equal(xattr, "yes", 3);

	lstat_at(fx, "bin/busybox", &st);
	assert_int_equal(st.st_mode & 07777, 04755);
	lstat_at(fx, "bin/su", &st2);
	assert_int_equal(st.st_ino, st2.st_ino);
	assert_int_equal(st.st_nlink, 2);

	lstat_at(fx, "bin/sh", &st);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_mtim.tv_sec, MTIME);
	lstat_at(fx, "usr/local/bin/env", &st);
	assert_true(S_ISLNK(st.st_mode));
	lstat_at(fx, "usr/local", &st);
	assert_int_equal(st.st_mode & 07777, 0755);

	lstat_at(fx, "tmp-sticky", &st);
	assert_int_equal(st.st_mode & 07777, 01777);
	assert_int_equal(st.st_mtim.tv_sec, DIR_MTIME + 1);
	lstat_at(fx, "run/ctl", &st);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0620);

	lstat_at(fx, "etc/shared", &st);
	assert_int_equal(st.st_mode & 07777, 0666);
	read_at(fx, "etc/motd", text, sizeof(text));
	assert_string_equal(text, "new");
	lstat_at(fx, "etc/motd", &st);
	assert_int_equal(st.st_mode & 07777, 0640);
	free(tar.data);
}

/* Device nodes, file capabilities and foreign owners need root. */
static void test_root_only_entries(void **state)
{
	struct fixture *fx = *state;
	struct buf tar = {0};
	struct archive *a;
	struct archive_entry *e;
	struct vfs_cap_data cap = {
		.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
		.data = {{.permitted = 1u << CAP_NET_RAW}},
	};
	struct vfs_cap_data got;
	char path[512];
	struct stat st;

	if (!fx->root)
		skip();
	a = tar_new(&tar);
	e = entry_new("dev/null", AE_IFCHR, 0666);
	archive_entry_set_rdevmajor(e, 1);
	archive_entry_set_rdevminor(e, 3);
	entry_put(a, e, NULL, 0);
	e = entry_new("dev/sda", AE_IFBLK, 0660);
	archive_entry_set_rdevmajor(e, 8);
	archive_entry_set_gid(e, 6);
	entry_put(a, e, NULL, 0);
	e = entry_new("bin/ping", AE_IFREG, 04711);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 5);
	archive_entry_set_size(e, 4);
	archive_entry_xattr_add_entry(e, "security.capability", &cap, sizeof(cap));
	entry_put(a, e, "ping", 4);
	e = entry_new("home/u", AE_IFDIR, 02750);
	archive_entry_set_uid(e, 4242);
	archive_entry_set_gid(e, 4343);
	entry_put(a, e, NULL, 0);
	/* In a setgid directory a new file takes its group: root's must be restored. */
	add_file(a, "home/u/root-owned", 0644, "r");
	e = entry_new("home/u/user-owned", AE_IFREG, 0644);
	archive_entry_set_uid(e, 4242);
	archive_entry_set_gid(e, 4343);
	entry_put(a, e, NULL, 0);
	/* The same for the layer root itself. */
	e = entry_new("./", AE_IFDIR, 02755);
	archive_entry_set_gid(e, 77);
	entry_put(a, e, NULL, 0);
	add_file(a, "top", 0644, "t");
	tar_end(a);

	assert_null(unpack_chunks(fx->layer, &tar, 0, NULL, NULL));
	lstat_at(fx, "dev/null", &st);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 1);
	assert_int_equal(minor(st.st_rdev), 3);
	assert_int_equal(st.st_mode & 07777, 0666);
	lstat_at(fx, "dev/sda", &st);
	assert_true(S_ISBLK(st.st_mode));
	assert_int_equal(major(st.st_rdev), 8);
	assert_int_equal(st.st_gid, 6);
	lstat_at(fx, "bin/ping", &st);
	/* chmod after chown kept setuid; the capability survived the chown. */
	assert_int_equal(st.st_mode & 07777, 04711);
	assert_int_equal(st.st_gid, 5);
	snprintf(path, sizeof(path), "%s/bin/ping", fx->layer);
	assert_int_equal(getxattr(path, "security.capability", &got, sizeof(got)), sizeof(cap));
	assert_memory_equal(&got, &cap, sizeof(cap));
	lstat_at(fx, "home/u", &st);
	assert_int_equal(st.st_mode & 07777, 02750);
	assert_int_equal(st.st_uid, 4242);
	assert_int_equal(st.st_gid, 4343);
	lstat_at(fx, "home/u/root-owned", &st);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 0);
	lstat_at(fx, "home/u/user-owned", &st);
	assert_int_equal(st.st_uid, 4242);
	assert_int_equal(st.st_gid, 4343);
	lstat_at(fx, "top", &st);
	assert_int_equal(st.st_gid, 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	free(tar.data);
}

static void test_compressions_agree(void **state)
{
	struct fixture *fx = *state;
	static const enum unpack_compression kinds[] = {
		UNPACK_COMPRESSION_NONE, UNPACK_COMPRESSION_GZIP, UNPACK_COMPRESSION_ZSTD};
	struct unpack_opts opts = {.ignore_owners = !fx->root};
	struct buf tar = {0};
	char digest[CUBO_DIGEST_LEN + 1], *first = NULL;

	build_plain_layer(&tar, fx->root);
	assert_null(cubo_sha256_buffer(tar.data, tar.len, digest));
	for (size_t i = 0; i < 3; i++) {
		struct unpack_result res;
		struct buf in;

		compress(&tar, kinds[i], &in);
		if (kinds[i] != UNPACK_COMPRESSION_NONE)
			assert_true(in.len < tar.len);
		reset_layer(fx);
		/* Detected, and then again as given by the media type. */
		opts.compression = UNPACK_COMPRESSION_AUTO;
		assert_null(unpack_chunks(fx->layer, &in, 0, &opts, &res));
		assert_string_equal(res.diff_id, digest);
		assert_int_equal(res.compressed_bytes, in.len);
		assert_int_equal(res.tar_bytes, tar.len);
		assert_tree_as_first(fx, &first);

		reset_layer(fx);
		opts.compression = kinds[i];
		opts.expected_diff_id = digest;
		assert_null(unpack_memfd(fx->layer, &in, &opts, &res));
		assert_string_equal(res.diff_id, digest);
		opts.expected_diff_id = NULL;
		assert_tree_as_first(fx, &first);
		free(in.data);
	}
	free(first);
	free(tar.data);
}

/* The same n pseudo-random (so incompressible) bytes every time. */
static void fill_incompressible(unsigned char *data, size_t n)
{
	uint32_t x = 12345;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (unsigned char)(x >> 24);
	}
}

/* A file bigger than the ring, so the buffer wraps, fed in many chunk sizes. */
static void test_chunk_sizes_agree(void **state)
{
	struct fixture *fx = *state;
	static const size_t chunks[] = {1, 7, 4093, 65536, 0};
	struct unpack_opts opts = {.ignore_owners = !fx->root};
	struct buf tar = {0}, gz;
	struct archive *a = tar_new(&tar);
	struct archive_entry *e;
	size_t big = TAR_RING_SIZE + INPUT_RING_SIZE / 3;
	unsigned char *data = malloc(big);
	char digest[CUBO_DIGEST_LEN + 1], *first = NULL;

	/* Incompressible, so the gzip stream is big too. */
	fill_incompressible(data, big);
	add_dir(a, "data", 0755);
	e = entry_new("data/blob", AE_IFREG, 0644);
	archive_entry_set_size(e, (la_int64_t)big);
	entry_put(a, e, data, big);
	add_file(a, "data/small", 0644, "small");
	tar_end(a);
	assert_null(cubo_sha256_buffer(tar.data, tar.len, digest));
	compress(&tar, UNPACK_COMPRESSION_GZIP, &gz);

	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct unpack_result res;
		const struct buf *in = &gz;
		struct buf small = {0};

		/* One byte at a time is slow under valgrind: only the small tail. */
		if (chunks[i] == 1) {
			struct archive *s = tar_new(&small);
			add_file(s, "data/small", 0644, "small");
			tar_end(s);
			reset_layer(fx);
			assert_null(unpack_chunks(fx->layer, &small, 1, &opts, &res));
			read_at(fx, "data/small", (char *)data, 16);
			assert_string_equal((char *)data, "small");
			free(small.data);
			continue;
		}
		reset_layer(fx);
		assert_null(unpack_chunks(fx->layer, in, chunks[i], &opts, &res));
		assert_string_equal(res.diff_id, digest);
		assert_int_equal(res.file_bytes, big + 5);
		assert_tree_as_first(fx, &first);
	}
	/* The data itself came through intact. */
	{
		char path[512], got[CUBO_DIGEST_LEN + 1], want[CUBO_DIGEST_LEN + 1];
		fill_incompressible(data, big);
		snprintf(path, sizeof(path), "%s/data/blob", fx->layer);
		assert_null(cubo_sha256_file(path, got));
		assert_null(cubo_sha256_buffer(data, big, want));
		assert_string_equal(got, want);
	}
	free(first);
	free(data);
	free(gz.data);
	free(tar.data);
}

static void test_sparse_file(void **state)
{
	struct fixture *fx = *state;
	struct unpack_opts opts = {.ignore_owners = !fx->root};
	struct buf tar = {0};
	struct archive *a = tar_new(&tar);
	struct archive_entry *e = entry_new("sparse", AE_IFREG, 0644);
	char *logical = calloc(1, 1 << 20), text[16];
	struct stat st;
	int fd;

	/* 1 MiB: "head" at 0, a hole, "tail" at the end. */
	archive_entry_set_size(e, 1 << 20);
	archive_entry_sparse_add_entry(e, 0, 4);
	archive_entry_sparse_add_entry(e, (1 << 20) - 4, 4);
	/* The writer takes the whole logical content and stores only the data regions. */
	memcpy(logical, "head", 4);
	memcpy(logical + (1 << 20) - 4, "tail", 4);
	entry_put(a, e, logical, 1 << 20);
	free(logical);
	tar_end(a);

	assert_null(unpack_chunks(fx->layer, &tar, 0, &opts, NULL));
	lstat_at(fx, "sparse", &st);
	assert_int_equal(st.st_size, 1 << 20);
	/* The hole was not written. */
	assert_true(st.st_blocks * 512 < (1 << 20) / 2);
	read_at(fx, "sparse", text, 5);
	assert_string_equal(text, "head");
	snprintf(text, sizeof(text), "x");
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/sparse", fx->layer);
		fd = open(path, O_RDONLY);
	}
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, text, 4, (1 << 20) - 4), 4);
	assert_memory_equal(text, "tail", 4);
	assert_int_equal(pread(fd, text, 4, 4096), 4);
	assert_memory_equal(text, "\0\0\0\0", 4);
	close(fd);
	free(tar.data);
}

static void test_whiteouts(void **state)
{
	struct fixture *fx = *state;
	struct buf tar = {0};
	struct archive *a;
	char path[512], val[8];
	struct stat st;

	if (!fx->root)
		skip(); /* whiteout devices and trusted.* xattrs */
	a = tar_new(&tar);
	add_dir(a, "a", 0755);
	add_file(a, "a/keep", 0644, "k");
	add_file(a, ".wh.gone", 0000, "");
	add_file(a, "a/.wh.old", 0000, "");
	add_file(a, "b/.wh..wh..opq", 0000, "");
	add_file(a, "b/new", 0644, "n");
	add_file(a, "a/.wh..wh.plnk", 0000, "");
	add_file(a, ".wh..wh..opq", 0000, "");
	add_dir(a, "a/.wh.olddir", 0755); /* a whiteout by name, whatever its type */
	tar_end(a);

	assert_null(unpack_chunks(fx->layer, &tar, 0, NULL, NULL));
	lstat_at(fx, "gone", &st);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	lstat_at(fx, "a/old", &st);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, 0);
	assert_true(exists_at(fx, "a/keep"));
	lstat_at(fx, "a/olddir", &st);
	assert_true(S_ISCHR(st.st_mode));
	assert_false(exists_at(fx, "a/.wh.olddir"));
	assert_false(exists_at(fx, ".wh.gone"));
	assert_false(exists_at(fx, "a/.wh.old"));
	assert_false(exists_at(fx, "a/.wh..wh.plnk"));
	assert_false(exists_at(fx, "a/plnk"));
	assert_false(exists_at(fx, "b/.wh..wh..opq"));
	/* The opaque directory keeps this layer's own entries. */
	assert_true(exists_at(fx, "b/new"));
	snprintf(path, sizeof(path), "%s/b", fx->layer);
	assert_int_equal(getxattr(path, "trusted.overlay.opaque", val, sizeof(val)), 1);
	assert_int_equal(val[0], 'y');
	assert_int_equal(getxattr(fx->layer, "trusted.overlay.opaque", val, sizeof(val)), 1);
	snprintf(path, sizeof(path), "%s/a", fx->layer);
	assert_true(getxattr(path, "trusted.overlay.opaque", val, sizeof(val)) < 0);
	free(tar.data);
}

/*
 * Non-ASCII names, stored as UTF-8 in pax headers (as Go's archive/tar and
 * docker write them), come out byte for byte in the C locale too.
 */
static void test_utf8_names(void **state)
{
	struct fixture *fx = *state;
	struct unpack_opts opts = {.ignore_owners = !fx->root};
	struct buf tar = {0};
	struct archive *a;
	struct archive_entry *e;
	char link[64] = "";
	struct stat st, st2;

	/* libarchive's writer needs a UTF-8 locale for these; the reader gets "C" below. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		skip();
	a = tar_new(&tar);
	e = entry_new("x", AE_IFREG, 0644);
	archive_entry_set_pathname_utf8(e, "caf\xc3\xa9");
	archive_entry_set_size(e, 1);
	entry_put(a, e, "c", 1);
	e = entry_new("x", AE_IFLNK, 0777);
	archive_entry_set_pathname_utf8(e, "lien-\xc3\xbc");
	archive_entry_set_symlink_utf8(e, "caf\xc3\xa9");
	entry_put(a, e, NULL, 0);
	e = entry_new("x", AE_IFREG, 0644);
	archive_entry_set_pathname_utf8(e, "dur-\xc3\xbc");
	archive_entry_set_hardlink_utf8(e, "caf\xc3\xa9");
	entry_put(a, e, NULL, 0);
	tar_end(a);
	assert_non_null(setlocale(LC_CTYPE, "C"));

	assert_null(unpack_chunks(fx->layer, &tar, 0, &opts, NULL));
	lstat_at(fx, "caf\xc3\xa9", &st);
	assert_true(S_ISREG(st.st_mode));
	lstat_at(fx, "dur-\xc3\xbc", &st2);
	assert_int_equal(st.st_ino, st2.st_ino);
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/lien-\xc3\xbc", fx->layer);
		assert_true(readlink(path, link, sizeof(link) - 1) > 0);
	}
	assert_string_equal(link, "caf\xc3\xa9");
	free(tar.data);
}

/* A layer cannot bring its own overlay metadata. */
static void test_overlay_xattrs_dropped(void **state)
{
	struct fixture *fx = *state;
	struct buf tar = {0};
	struct archive *a;
	struct archive_entry *e;
	char path[512], val[8];

	if (!fx->root)
		skip();
	a = tar_new(&tar);
	e = entry_new("d", AE_IFDIR, 0755);
	archive_entry_xattr_add_entry(e, "trusted.overlay.redirect", "/x", 2);
	entry_put(a, e, NULL, 0);
	tar_end(a);
	assert_null(unpack_chunks(fx->layer, &tar, 0, NULL, NULL));
	snprintf(path, sizeof(path), "%s/d", fx->layer);
	assert_true(getxattr(path, "trusted.overlay.redirect", val, sizeof(val)) < 0);
	free(tar.data);
}

/* ---- refusals: nothing may appear outside the layer ---- */

static void test_refuse_dotdot(void **state)
{
	struct fixture *fx = *state;
	struct buf tar = {0};
	struct archive *a = tar_new(&tar);
	add_file(a, "../outside/x", 0644, "escaped");
	finish_refused(fx, a, &tar,
		       "layer sha256:abc: entry \"../outside/x\": path leaves the layer");

	reset_layer(fx);
	tar = (struct buf){0};
	a = tar_new(&tar);
	add_dir(a, "a", 0755);
	add_file(a, "a/../../outside/x", 0644, "escaped");
	finish_refused(fx, a, &tar, "entry \"a/../../outside/x\": path leaves the layer");
}

static void test_refuse_absolute(void **state)
{
	struct fixture *fx = *state;
	struct buf tar = {0};
	struct archive *a = tar_new(&tar);
	char abs[256];

	snprintf(abs, sizeof(abs), "%s/x", fx->outside);
	add_file(a, abs, 0644, "escaped");
	finish_refused(fx, a, &tar, "absolute path refused");
}

static void test_refuse_through_symlink(void **state)
{
	struct fixture *fx = *state;
	struct buf tar = {0};
	struct archive *a = tar_new(&tar);

	add_symlink(a, "evil", fx->outside);
	add_file(a, "evil/file", 0644, "escaped");
	finish_refused(fx, a, &tar,
		       "entry \"evil/file\": \"evil\" is a symlink: refusing to write through it");

	/* The same with a directory on the way, and as a directory entry. */
	reset_layer(fx);
	tar = (struct buf){0};
	a = tar_new(&tar);
	add_dir(a, "a", 0755);
	add_symlink(a, "a/evil", fx->outside);
	add_dir(a, "a/evil/sub", 0755);
	finish_refused(fx, a, &tar, "\"a/evil\" is a symlink");
}

static void test_refuse_symlink_dotdot_chain(void **state)
{
	struct fixture *fx = *state;
	struct buf tar = {0};
	struct archive *a = tar_new(&tar);

	add_symlink(a, "up", "..");
	add_symlink(a, "l1", "l2");
	add_symlink(a, "l2", "up/outside");
	add_file(a, "l1/x", 0644, "escaped");
	finish_refused(fx, a, &tar, "\"l1\" is a symlink");

	reset_layer(fx);
	tar = (struct buf){0};
	a = tar_new(&tar);
	add_symlink(a, "up", "..");
	add_file(a, "up/outside/x", 0644, "escaped");
	finish_refused(fx, a, &tar, "\"up\" is a symlink");

	/* Even a symlink that stays inside is not written through. */
	reset_layer(fx);
	tar = (struct buf){0};
	a = tar_new(&tar);
	add_dir(a, "d", 0755);
	add_symlink(a, "s", "d");
	add_file(a, "s/f", 0644, "x");
	tar_end(a);
	assert_refused(fx, &tar, "\"s\" is a symlink");
	assert_false(exists_at(fx, "d/f"));
	free(tar.data);
}

static void test_refuse_hardlinks(void **state)
{
	struct fixture *fx = *state;
	struct buf tar = {0};
	struct archive *a = tar_new(&tar);
	char secret[512];
	struct stat st;
	FILE *f;

	add_hardlink(a, "passwd", "/etc/passwd");
	tar_end(a);
	assert_refused(fx, &tar, "entry \"passwd\": hardlink to \"/etc/passwd\": absolute path");
	assert_false(exists_at(fx, "passwd"));
	free(tar.data);

	snprintf(secret, sizeof(secret), "%s/secret", fx->outside);
	f = fopen(secret, "w");
	assert_non_null(f);
	fputs("secret", f);
	fclose(f);

	reset_layer(fx);
	tar = (struct buf){0};
	a = tar_new(&tar);
	add_hardlink(a, "h", "../outside/secret");
	tar_end(a);
	assert_refused(fx, &tar, "hardlink to \"../outside/secret\": path leaves the layer");
	free(tar.data);

	reset_layer(fx);
	tar = (struct buf){0};
	a = tar_new(&tar);
	add_symlink(a, "evil", fx->outside);
	add_hardlink(a, "h", "evil/secret");
	tar_end(a);
	assert_refused(fx, &tar, "hardlink to \"evil/secret\": \"evil\" is a symlink");
	free(tar.data);

	reset_layer(fx);
	tar = (struct buf){0};
	a = tar_new(&tar);
	add_hardlink(a, "h", "missing");
	tar_end(a);
	assert_refused(fx, &tar, "target not found in the layer");
	free(tar.data);

	assert_int_equal(stat(secret, &st), 0);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(unlink(secret), 0);
	assert_dir_empty(fx->outside);
}

static void test_refuse_whiteout_escapes(void **state)
{
	struct fixture *fx = *state;
	struct buf tar = {0};
	struct archive *a = tar_new(&tar);

	add_symlink(a, "evil", fx->outside);
	add_file(a, "evil/.wh.x", 0000, "");
	finish_refused(fx, a, &tar, "\"evil\" is a symlink");

	reset_layer(fx);
	tar = (struct buf){0};
	a = tar_new(&tar);
	add_symlink(a, "evil", fx->outside);
	add_file(a, "evil/.wh..wh..opq", 0000, "");
	tar_end(a);
	assert_refused(fx, &tar, "\"evil\" is a symlink");
	free(tar.data);

	reset_layer(fx);
	tar = (struct buf){0};
	a = tar_new(&tar);
	add_dir(a, "d", 0755);
	add_file(a, "d/.wh...", 0000, "");
	tar_end(a);
	assert_refused(fx, &tar, "whiteout of \"..\" refused");
	free(tar.data);
	assert_dir_empty(fx->outside);
}

/* An entry replaces a symlink of the same name; it never writes through it. */
static void test_replace_symlink_not_follow(void **state)
{
	struct fixture *fx = *state;
	struct unpack_opts opts = {.ignore_owners = !fx->root};
	struct buf tar = {0};
	struct archive *a = tar_new(&tar);
	char target[512], text[16];
	struct stat st;

	snprintf(target, sizeof(target), "%s/victim", fx->outside);
	add_symlink(a, "f", target);
	add_file(a, "f", 0644, "inside");
	add_symlink(a, "d", fx->outside);
	add_dir(a, "d", 0755);
	add_file(a, "d/x", 0644, "inside");
	tar_end(a);
	assert_null(unpack_chunks(fx->layer, &tar, 0, &opts, NULL));
	lstat_at(fx, "f", &st);
	assert_true(S_ISREG(st.st_mode));
	read_at(fx, "f", text, sizeof(text));
	assert_string_equal(text, "inside");
	lstat_at(fx, "d", &st);
	assert_true(S_ISDIR(st.st_mode));
	assert_true(exists_at(fx, "d/x"));
	assert_dir_empty(fx->outside);
	free(tar.data);
}

/*
 * A directory remembered for the entries that follow it is replaced by a
 * symlink to the outside: the next entry below it must see the symlink.
 */
static void test_replaced_parent_not_reused(void **state)
{
	struct fixture *fx = *state;
	struct buf tar = {0};
	struct archive *a = tar_new(&tar);

	add_file(a, "a/.wh..wh.plnk", 0000, ""); /* makes "a", puts nothing in it */
	add_symlink(a, "a", fx->outside);
	add_file(a, "a/evil", 0644, "escaped");
	finish_refused(fx, a, &tar, "entry \"a/evil\": \"a\" is a symlink");
}

/* The component walk (kernels without openat2) refuses the same things. */
static void test_walk_fallback(void **state)
{
	struct fixture *fx = *state;
	struct unpack_opts opts = {.ignore_owners = !fx->root};
	struct buf tar = {0}, evil = {0};
	struct archive *a;
	char *want = NULL;

	build_plain_layer(&tar, fx->root);
	assert_null(unpack_chunks(fx->layer, &tar, 0, &opts, NULL));
	assert_tree_as_first(fx, &want);
	reset_layer(fx);

	opts.component_walk = true;
	assert_null(unpack_memfd(fx->layer, &tar, &opts, NULL));
	assert_tree_as_first(fx, &want);
	free(want);

	reset_layer(fx);
	a = tar_new(&evil);
	add_symlink(a, "evil", fx->outside);
	add_file(a, "evil/x", 0644, "escaped");
	tar_end(a);
	th_expect_msg(unpack_memfd(fx->layer, &evil, &opts, NULL), "\"evil\" is a symlink");
	assert_dir_empty(fx->outside);
	free(evil.data);
	free(tar.data);
}

/* ---- broken streams ---- */

static void test_truncated_gzip(void **state)
{
	struct fixture *fx = *state;
	struct unpack_opts opts = {.ignore_owners = !fx->root};
	struct buf tar = {0}, gz;

	build_plain_layer(&tar, fx->root);
	compress(&tar, UNPACK_COMPRESSION_GZIP, &gz);
	gz.len -= 20; /* inside the deflate data or its trailer */
	th_expect_msg(unpack_chunks(fx->layer, &gz, 100, &opts, NULL), "layer ");
	reset_layer(fx);
	th_expect_failure(unpack_memfd(fx->layer, &gz, &opts, NULL));

	/* Cut in the middle of a tar entry's data. */
	reset_layer(fx);
	tar.len = 1024 + 700;
	th_expect_failure(unpack_chunks(fx->layer, &tar, 0, &opts, NULL));
	free(gz.data);
	free(tar.data);
}

static void test_garbage(void **state)
{
	struct fixture *fx = *state;
	unsigned char junk[5000];
	struct buf in = {junk, sizeof(junk), sizeof(junk)};
	struct buf empty = {junk, 0, 0};

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7 + 3);
	th_expect_failure(unpack_chunks(fx->layer, &in, 512, NULL, NULL));

	/* gzip magic, then nonsense. */
	junk[0] = 0x1f;
	junk[1] = 0x8b;
	junk[2] = 8;
	junk[3] = 0;
	th_expect_failure(unpack_chunks(fx->layer, &in, 0, NULL, NULL));

	th_expect_msg(unpack_chunks(fx->layer, &empty, 0, NULL, NULL), "empty layer stream");
	assert_dir_empty(fx->layer);
}

/*
 * Damaged copies of an evil layer (a symlink to the outside, then entries
 * below it): whatever each does, it must end cleanly and write nothing
 * outside. Under valgrind this also checks the error paths for bad reads.
 */
static void test_damaged_streams(void **state)
{
	struct fixture *fx = *state;
	struct unpack_opts opts = {.ignore_owners = !fx->root};
	struct buf tar = {0}, bad = {0};
	struct archive *a = tar_new(&tar);
	uint32_t x = 7;

	add_dir(a, "d", 0755);
	add_file(a, "d/f", 0644, "data");
	add_symlink(a, "evil", fx->outside);
	add_file(a, "evil/x", 0644, "escaped");
	add_hardlink(a, "d/h", "d/f");
	tar_end(a);
	bad.data = malloc(tar.len);
	bad.len = bad.cap = tar.len;
	for (int i = 0; i < 60; i++) {
		struct cubo_error *err;
		memcpy(bad.data, tar.data, tar.len);
		/* Damage within the headers and data (the first 4 KiB). */
		for (int k = 0; k < 1 + i % 4; k++) {
			x = x * 1103515245u + 12345u;
			bad.data[(x >> 8) % 4096] ^= (unsigned char)(1u << (x % 8));
		}
		reset_layer(fx);
		err = unpack_chunks(fx->layer, &bad, 1000, &opts, NULL);
		cubo_error_free(err);
		assert_dir_empty(fx->outside);
	}
	free(bad.data);
	free(tar.data);
}

static void test_wrong_compression_and_diff_id(void **state)
{
	struct fixture *fx = *state;
	struct unpack_opts opts = {.ignore_owners = !fx->root};
	struct buf tar = {0}, zst;

	build_plain_layer(&tar, fx->root);
	compress(&tar, UNPACK_COMPRESSION_ZSTD, &zst);
	opts.compression = UNPACK_COMPRESSION_GZIP;
	th_expect_msg(unpack_chunks(fx->layer, &zst, 0, &opts, NULL),
		      "expected a gzip layer, the stream is zstd");

	opts.compression = UNPACK_COMPRESSION_AUTO;
	opts.expected_diff_id =
		"sha256:0000000000000000000000000000000000000000000000000000000000000000";
	th_expect_msg(unpack_chunks(fx->layer, &zst, 0, &opts, NULL), "diff_id mismatch");
	free(zst.data);
	free(tar.data);
}

static void test_abort_midway(void **state)
{
	struct fixture *fx = *state;
	struct buf tar = {0};
	struct unpacker *u;

	build_plain_layer(&tar, fx->root);
	assert_null(unpack_begin(fx->layer, NULL, &u));
	assert_null(unpack_feed(u, tar.data, tar.len / 2));
	unpack_abort(u);
	/* Aborting before any byte is fine too. */
	assert_null(unpack_begin(fx->layer, NULL, &u));
	unpack_abort(u);
	unpack_abort(NULL);
	free(tar.data);
}

static void test_begin_errors(void **state)
{
	struct fixture *fx = *state;
	struct unpacker *u = NULL;
	struct cubo_error *err;
	char missing[256];

	snprintf(missing, sizeof(missing), "%s/missing", fx->base);
	err = unpack_begin(missing, NULL, &u);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, missing));
	assert_null(u);
	cubo_error_free(err);

	th_expect_failure(unpack_fd(-1, fx->layer, NULL, NULL));

	/* A read error reaches the caller with its cause. */
	{
		int fd = open(fx->base, O_RDONLY | O_DIRECTORY);
		char *text;
		assert_true(fd >= 0);
		err = unpack_fd(fd, fx->layer, NULL, NULL);
		close(fd);
		assert_non_null(err);
		text = cubo_error_text(err);
		assert_non_null(strstr(text, strerror(EISDIR)));
		free(text);
		cubo_error_free(err);
	}
}

static void test_media_types(void **state)
{
	assert_int_equal(
		unpack_compression_from_media_type("application/vnd.oci.image.layer.v1.tar+gzip"),
		UNPACK_COMPRESSION_GZIP);
	assert_int_equal(
		unpack_compression_from_media_type("application/vnd.oci.image.layer.v1.tar+zstd"),
		UNPACK_COMPRESSION_ZSTD);
	assert_int_equal(
		unpack_compression_from_media_type("application/vnd.oci.image.layer.v1.tar"),
		UNPACK_COMPRESSION_NONE);
	assert_int_equal(unpack_compression_from_media_type(
				 "application/vnd.docker.image.rootfs.diff.tar.gzip"),
			 UNPACK_COMPRESSION_GZIP);
	assert_int_equal(unpack_compression_from_media_type(
				 "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"),
			 UNPACK_COMPRESSION_GZIP);
	assert_int_equal(unpack_compression_from_media_type("application/octet-stream"),
			 UNPACK_COMPRESSION_AUTO);
	assert_int_equal(unpack_compression_from_media_type(NULL), UNPACK_COMPRESSION_AUTO);
}

/* A layer of one file of size zero bytes: a few KiB compressed, size uncompressed. */
static void build_bomb(size_t size, enum unpack_compression c, struct buf *tar, struct buf *out)
{
	struct archive *a = tar_new(tar);
	struct archive_entry *e = entry_new("zeros", AE_IFREG, 0644);
	unsigned char *zeros = calloc(1, size);

	assert_non_null(zeros);
	archive_entry_set_size(e, (la_int64_t)size);
	entry_put(a, e, zeros, size);
	tar_end(a);
	free(zeros);
	compress(tar, c, out);
}

/* Sizes of the regular files in dir (what a refused layer left there). */
static uint64_t file_bytes(const char *dir)
{
	uint64_t total = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d))) {
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	}
	closedir(d);
	return total;
}

/*
 * A small gzip or zstd blob that inflates past the limit is refused, naming
 * the layer and the limit, before more than the limit reaches the disk.
 */
static void test_size_limit(void **state)
{
	struct fixture *fx = *state;
	const size_t limit = 1 << 20;
	static const enum unpack_compression cs[] = {UNPACK_COMPRESSION_GZIP,
						     UNPACK_COMPRESSION_ZSTD};
	struct unpack_opts opts = {
		.layer_name = "sha256:b0mb", .ignore_owners = !fx->root, .max_size = limit};

	for (size_t i = 0; i < sizeof(cs) / sizeof(*cs); i++) {
		struct buf tar = {0}, z;
		build_bomb(8u << 20, cs[i], &tar, &z);
		assert_true(z.len < 64 * 1024); /* 8 MiB from under 64 KiB */
		th_expect_text(unpack_chunks(fx->layer, &z, 4096, &opts, NULL),
			       "layer sha256:b0mb: more than 1048576 bytes uncompressed, the limit "
			       "(CUBO_MAX_LAYER_SIZE)");
		assert_true(file_bytes(fx->layer) <= limit);
		reset_layer(fx);
		th_expect_text(unpack_memfd(fx->layer, &z, &opts, NULL), "more than 1048576 bytes");
		assert_true(file_bytes(fx->layer) <= limit);
		reset_layer(fx);
		free(z.data);
		free(tar.data);
	}

	/* a stream of exactly the limit is fine */
	struct buf tar = {0}, z;
	struct unpack_result res;
	build_bomb(64 * 1024, UNPACK_COMPRESSION_GZIP, &tar, &z);
	opts.max_size = tar.len;
	assert_null(unpack_chunks(fx->layer, &z, 0, &opts, &res));
	assert_int_equal(res.tar_bytes, tar.len);
	reset_layer(fx);
	opts.max_size = tar.len - 1;
	th_expect_text(unpack_chunks(fx->layer, &z, 0, &opts, NULL), "the limit");
	reset_layer(fx);

	/* no max_size: CUBO_MAX_LAYER_SIZE, else the default */
	opts.max_size = 0;
	uint64_t v;
	assert_int_equal(unsetenv(UNPACK_MAX_SIZE_ENV), 0);
	assert_null(unpack_max_size_from_env(&v));
	assert_true(v == UNPACK_DEFAULT_MAX_SIZE);
	assert_null(unpack_chunks(fx->layer, &z, 0, &opts, NULL));
	reset_layer(fx);
	assert_int_equal(setenv(UNPACK_MAX_SIZE_ENV, "32k", 1), 0);
	th_expect_text(unpack_memfd(fx->layer, &z, &opts, NULL), "more than 32768 bytes");
	reset_layer(fx);
	assert_int_equal(setenv(UNPACK_MAX_SIZE_ENV, "1.5G", 1), 0);
	assert_null(unpack_max_size_from_env(&v));
	assert_true(v == 3ull << 29);
	assert_int_equal(setenv(UNPACK_MAX_SIZE_ENV, "0", 1), 0); /* no limit */
	assert_null(unpack_max_size_from_env(&v));
	assert_true(v == UINT64_MAX);
	assert_null(unpack_chunks(fx->layer, &z, 0, &opts, NULL));
	reset_layer(fx);
	assert_int_equal(setenv(UNPACK_MAX_SIZE_ENV, "lots", 1), 0);
	th_expect_text(unpack_chunks(fx->layer, &z, 0, &opts, NULL),
		       "CUBO_MAX_LAYER_SIZE: invalid size \"lots\"");
	assert_int_equal(unsetenv(UNPACK_MAX_SIZE_ENV), 0);
	free(z.data);
	free(tar.data);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_plain_layer),
		T(test_root_only_entries),
		T(test_compressions_agree),
		T(test_chunk_sizes_agree),
		T(test_sparse_file),
		T(test_whiteouts),
		T(test_utf8_names),
		T(test_overlay_xattrs_dropped),
		T(test_refuse_dotdot),
		T(test_refuse_absolute),
		T(test_refuse_through_symlink),
		T(test_refuse_symlink_dotdot_chain),
		T(test_refuse_hardlinks),
		T(test_refuse_whiteout_escapes),
		T(test_replace_symlink_not_follow),
		T(test_replaced_parent_not_reused),
		T(test_walk_fallback),
		T(test_truncated_gzip),
		T(test_garbage),
		T(test_damaged_streams),
		T(test_wrong_compression_and_diff_id),
		T(test_abort_midway),
		T(test_begin_errors),
		T(test_size_limit),
		cmocka_unit_test(test_media_types),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}

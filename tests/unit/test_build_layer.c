/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/builder/cache.c, cubo-mgr/builder/copy.c, cubo-mgr/builder/layer_tar.c */
/*
 * COPY's sources, hashing and copying (cubo-mgr/builder/copy.c), and a layer
 * directory written as a blob (cubo-mgr/builder/layer_tar.c), read back with
 * libarchive and with the store's own unpacker. Runs as root (whiteouts,
 * trusted.* xattrs, chown) and skips what needs it otherwise.
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/builder/cache.h"
#include "cubo-mgr/builder/copy.h"
#include "cubo-mgr/builder/layer_tar.h"
#include "cubo-mgr/image/unpack.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

static void test_path_clean(void **state)
{
	static const char *const good[][2] = {
		{"a", "a"}, {"./a/b/", "a/b"},	   {"/abs/x", "abs/x"},	 {"a/../b", "b"},
		{".", ""},  {"a//b/./c", "a/b/c"}, {"a/b/../../c", "c"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		char *out;
		assert_null(build_path_clean(good[i][0], &out));
		assert_string_equal(out, good[i][1]);
		free(out);
	}
	char *out;
	th_expect_msg(build_path_clean("../x", &out), "outside the build context");
	th_expect_msg(build_path_clean("a/../../x", &out), "outside the build context");
}

static void test_find_and_hash(void **state)
{
	char *ctx = th_tmpdir("build-layer");
	th_put(ctx, "a.txt", "a");
	th_put(ctx, "b.txt", "b");
	th_put(ctx, "c.md", "c");
	int fd = open(ctx, O_PATH | O_DIRECTORY);
	char **rels = NULL;
	size_t n = 0;
	assert_null(build_sources_find(fd, "*.txt", NULL, "the build context", &rels, &n));
	assert_int_equal(n, 2);
	assert_string_equal(rels[0], "a.txt");
	assert_string_equal(rels[1], "b.txt");
	th_expect_msg(build_sources_find(fd, "nope", NULL, "the build context", &rels, &n),
		      "source \"nope\": no such file or directory in the build context");
	th_expect_msg(build_sources_find(fd, "*.none", NULL, "the build context", &rels, &n),
		      "no files match");
	th_expect_msg(build_sources_find(fd, "../etc/passwd", NULL, "the build context", &rels, &n),
		      "outside the build context");
	/* a symlink that leaves the context is resolved inside it: nothing there */
	char *link = cubo_path_join(ctx, "out");
	assert_int_equal(symlink("/etc/passwd", link), 0);
	free(link);
	th_expect_msg(build_sources_find(fd, "out", NULL, "the build context", &rels, &n),
		      "no such file");
	/* the hash changes with a file's content, not with its mtime */
	char h1[CUBO_DIGEST_LEN + 1], h2[CUBO_DIGEST_LEN + 1], h3[CUBO_DIGEST_LEN + 1];
	struct cubo_sha256 *h;
	assert_null(cubo_sha256_new(&h));
	assert_null(build_sources_hash(fd, rels, NULL, h));
	assert_null(cubo_sha256_final(h, h1));
	cubo_sha256_free(h);
	th_put(ctx, "a.txt", "a");
	assert_null(cubo_sha256_new(&h));
	assert_null(build_sources_hash(fd, rels, NULL, h));
	assert_null(cubo_sha256_final(h, h2));
	cubo_sha256_free(h);
	assert_string_equal(h1, h2);
	th_put(ctx, "a.txt", "A");
	assert_null(cubo_sha256_new(&h));
	assert_null(build_sources_hash(fd, rels, NULL, h));
	assert_null(cubo_sha256_final(h, h3));
	cubo_sha256_free(h);
	assert_string_not_equal(h1, h3);
	cubo_strv_free(rels);
	close(fd);
	th_tmpdir_free(ctx);
}

static void test_copy_semantics(void **state)
{
	if (geteuid() != 0)
		skip();
	char *ctx = th_tmpdir("build-layer"), *root = th_tmpdir("build-layer");
	th_put(ctx, "f", "file");
	char *sub = cubo_path_join(ctx, "dir");
	assert_int_equal(mkdir(sub, 0750), 0);
	th_put(sub, "inner", "in");
	free(sub);
	/* the image has /bin -> usr/bin: a copy into /bin lands in /usr/bin, inside the root */
	char *usr = cubo_path_join(root, "usr/bin");
	assert_null(cubo_mkdir_p(usr, 0755));
	char *bin = cubo_path_join(root, "bin");
	assert_int_equal(symlink("/usr/bin", bin), 0);
	int src = open(ctx, O_PATH | O_DIRECTORY), dst = open(root, O_PATH | O_DIRECTORY);
	char *one[] = {"f", NULL}, *dir[] = {"dir", NULL}, *both[] = {"f", "dir", NULL};
	struct build_copy_opts o = {.uid = 12, .gid = 34, .mode = -1};
	assert_null(build_copy(src, one, dst, "/bin/", &o));
	char *got = th_read_at(usr, "f");
	assert_string_equal(got, "file");
	free(got);
	/* a file to a name that is not a directory: that name */
	assert_null(build_copy(src, one, dst, "/etc/renamed", &o));
	got = th_read_at(root, "etc/renamed");
	assert_string_equal(got, "file");
	free(got);
	struct stat st;
	char *p = cubo_path_join(root, "etc/renamed");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, 12);
	assert_int_equal(st.st_gid, 34);
	free(p);
	/* a directory: its contents */
	o.mode = 0700;
	assert_null(build_copy(src, dir, dst, "/opt/d", &o));
	got = th_read_at(root, "opt/d/inner");
	assert_string_equal(got, "in");
	free(got);
	p = cubo_path_join(root, "opt/d/inner");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	free(p);
	/* several sources: into the directory */
	o.mode = -1;
	assert_null(build_copy(src, both, dst, "/many", &o));
	got = th_read_at(root, "many/f");
	assert_string_equal(got, "file");
	free(got);
	got = th_read_at(root, "many/inner");
	assert_string_equal(got, "in");
	free(got);
	close(src);
	close(dst);
	free(usr);
	free(bin);
	th_tmpdir_free(ctx);
	th_tmpdir_free(root);
}

/* Every entry name in the blob, in order, with ".wh." ones as they are. */
static char *list_blob(const char *path)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
	char *out = calloc(1, 4096);
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		strcat(out, archive_entry_pathname(e));
		if (archive_entry_hardlink(e)) {
			strcat(out, "=>");
			strcat(out, archive_entry_hardlink(e));
		}
		strcat(out, " ");
	}
	archive_read_free(a);
	return out;
}

static void check_layer(enum layer_compression c, const char *media_type)
{
	char *root = th_tmpdir("build-layer"), *dir = th_tmpdir("build-layer");
	struct store *s;
	assert_null(store_open(root, &s));
	char *d = cubo_path_join(dir, "opaque");
	assert_int_equal(mkdir(d, 0755), 0);
	assert_int_equal(setxattr(d, "trusted.overlay.opaque", "y", 1, 0), 0);
	assert_int_equal(setxattr(d, "trusted.overlay.origin", "x", 1, 0), 0);
	th_put(d, "kept", "k");
	free(d);
	th_put(dir, "a", "data");
	char *a = cubo_path_join(dir, "a"), *hl = cubo_path_join(dir, "b-link");
	assert_int_equal(link(a, hl), 0);
	assert_int_equal(setxattr(a, "user.note", "hi", 2, 0), 0);
	char *wh = cubo_path_join(dir, "gone");
	assert_int_equal(mknod(wh, S_IFCHR, makedev(0, 0)), 0);
	char *sl = cubo_path_join(dir, "sym");
	assert_int_equal(symlink("a", sl), 0);
	struct layer_blob b;
	assert_null(layer_tar_write(s, dir, c, &b));
	assert_string_equal(b.media_type, media_type);
	assert_true(store_blob_has(s, b.digest));
	char *blob = store_blob_path(s, b.digest);
	char *names = list_blob(blob);
	assert_string_equal(names,
			    "a b-link=>a .wh.gone opaque/ opaque/.wh..wh..opq opaque/kept sym ");
	free(names);
	/* overlay's bookkeeping is gone from the tree; the opaque mark stays */
	char v[8];
	char *od = cubo_path_join(dir, "opaque");
	assert_int_equal(getxattr(od, "trusted.overlay.origin", v, sizeof(v)), -1);
	assert_int_equal(getxattr(od, "trusted.overlay.opaque", v, sizeof(v)), 1);
	free(od);
	/* the store's unpacker agrees on the diff_id and makes the same tree */
	char *back = th_tmpdir("build-layer");
	int fd = open(blob, O_RDONLY);
	struct unpack_opts uo = {.expected_diff_id = b.diff_id};
	struct unpack_result r;
	assert_null(unpack_fd(fd, back, &uo, &r));
	close(fd);
	struct stat st;
	char *g = cubo_path_join(back, "gone");
	assert_int_equal(lstat(g, &st), 0);
	assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	free(g);
	char *note = cubo_path_join(back, "a");
	assert_int_equal(getxattr(note, "user.note", v, sizeof(v)), 2);
	free(note);
	/* the same tree gives the same blob */
	struct layer_blob again;
	assert_null(layer_tar_write(s, dir, c, &again));
	assert_string_equal(again.digest, b.digest);
	free(blob);
	free(a);
	free(hl);
	free(wh);
	free(sl);
	store_close(s);
	th_tmpdir_free(back);
	th_tmpdir_free(dir);
	th_tmpdir_free(root);
}

static void test_layer_gzip(void **state)
{
	if (geteuid() != 0)
		skip();
	check_layer(LAYER_GZIP, "application/vnd.oci.image.layer.v1.tar+gzip");
}

static void test_layer_zstd(void **state)
{
	if (geteuid() != 0)
		skip();
	check_layer(LAYER_ZSTD, "application/vnd.oci.image.layer.v1.tar+zstd");
}

static void test_layer_refuses_redirects(void **state)
{
	if (geteuid() != 0)
		skip();
	char *root = th_tmpdir("build-layer"), *dir = th_tmpdir("build-layer");
	struct store *s;
	assert_null(store_open(root, &s));
	char *d = cubo_path_join(dir, "moved");
	assert_int_equal(mkdir(d, 0755), 0);
	assert_int_equal(setxattr(d, "trusted.overlay.redirect", "/x", 2, 0), 0);
	free(d);
	struct layer_blob b;
	th_expect_msg(layer_tar_write(s, dir, LAYER_GZIP, &b), "redirect_dir or metacopy");
	enum layer_compression c;
	th_expect_msg(layer_compression_parse("lz4", &c), "expected gzip or zstd");
	assert_null(layer_compression_parse("zstd", &c));
	assert_int_equal(c, LAYER_ZSTD);
	store_close(s);
	th_tmpdir_free(dir);
	th_tmpdir_free(root);
}

/* The cache's keys chain every part; records read back as written; junk is a miss. */
static void test_cache(void **state)
{
	char a[CUBO_DIGEST_LEN + 1] = "sha256:0", b[CUBO_DIGEST_LEN + 1] = "sha256:0";
	assert_null(build_cache_key_next(a, "RUN x", NULL));
	assert_null(build_cache_key_next(b, "RUN x", NULL));
	assert_string_equal(a, b);
	assert_true(cubo_digest_valid(a));
	char c[CUBO_DIGEST_LEN + 1], d[CUBO_DIGEST_LEN + 1];
	memcpy(c, a, sizeof(c));
	memcpy(d, a, sizeof(d));
	assert_null(build_cache_key_next(c, "COPY ab", "c"));
	assert_null(build_cache_key_next(d, "COPY a", "bc"));
	assert_string_not_equal(c, d);
	assert_null(build_cache_key_next(b, "RUN x", "extra"));
	assert_string_not_equal(a, b);

	char *dir = th_tmpdir("build-layer");
	struct build_cache_rec r = {.has_layer = true, .size = 158};
	snprintf(r.created, sizeof(r.created), "2026-12-04T03:10:16.777987096Z");
	snprintf(r.media_type, sizeof(r.media_type), "application/vnd.oci.image.layer.v1.tar+gzip");
	snprintf(r.digest, sizeof(r.digest), "sha256:%064d", 1);
	snprintf(r.diff_id, sizeof(r.diff_id), "sha256:%064d", 2);
	struct build_cache_rec got;
	assert_false(build_cache_get(dir, a, &got));
	assert_null(build_cache_put(dir, a, &r));
	assert_true(build_cache_get(dir, a, &got));
	assert_true(got.has_layer);
	assert_string_equal(got.created, r.created);
	assert_string_equal(got.media_type, r.media_type);
	assert_string_equal(got.digest, r.digest);
	assert_string_equal(got.diff_id, r.diff_id);
	assert_int_equal(got.size, 158);
	struct build_cache_rec plain = {0};
	snprintf(plain.created, sizeof(plain.created), "2026-12-04T03:10:17Z");
	assert_null(build_cache_put(dir, b, &plain));
	assert_true(build_cache_get(dir, b, &got));
	assert_false(got.has_layer);
	/* a record whose layer line does not read is a miss, not a half-filled hit */
	char *p = cubo_path_join(dir, b + 7);
	const char *junk = "created x\nlayer t sha256:zz 1 sha256:yy\n";
	assert_null(cubo_write_file_atomic(p, junk, strlen(junk), 0600));
	assert_false(build_cache_get(dir, b, &got));
	/* what a power cut can leave of a record (they are not fsync'd): a miss */
	assert_null(cubo_write_file_atomic(p, "", 0, 0600));
	assert_false(build_cache_get(dir, b, &got));
	char zeros[64] = {0};
	assert_null(cubo_write_file_atomic(p, zeros, sizeof(zeros), 0600));
	assert_false(build_cache_get(dir, b, &got));
	free(p);
	th_expect_msg(build_cache_put(dir, "../escape", &plain), "is not a key");
	assert_false(build_cache_get(dir, "../escape", &got));
	th_tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_clean),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_find_and_hash),
		cmocka_unit_test(test_copy_semantics),
		cmocka_unit_test(test_layer_gzip),
		cmocka_unit_test(test_layer_zstd),
		cmocka_unit_test(test_layer_refuses_redirects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/image/tree_tar.c */
/* A hostile tree into a tar: nothing followed, nothing but regular files opened. */
#include <archive.h>
#include <archive_entry.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>

#include "tests/unit/helpers.h"

#include "cubo-mgr/image/tree_tar.h"
#include "shared/strbuf.h"

/* ls -l's letter of an entry's kind; 'h' for a hard link */
static char type_letter(struct archive_entry *e)
{
	if (archive_entry_hardlink(e))
		return 'h';
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
		return 'd';
	case AE_IFLNK:
		return 'l';
	case AE_IFIFO:
		return 'p';
	case AE_IFCHR:
		return 'c';
	default:
		return '-';
	}
}

/* The tar of dir written with t's options as "TYPE PATH[ -> TARGET]" lines. */
static struct cubo_error *tar_lines_with(const char *dir, struct tree_tar t, char **out)
{
	size_t cap = 1 << 22;
	char *buf = xmalloc(cap);
	size_t used = 0;
	struct archive *w = archive_write_new();
	archive_write_set_format_pax_restricted(w);
	assert_int_equal(archive_write_open_memory(w, buf, cap, &used), ARCHIVE_OK);
	t.tar = w;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	struct cubo_error *err = tree_tar_walk(&t, fd);
	close(fd);
	tree_tar_free(&t);
	archive_write_close(w);
	archive_write_free(w);
	struct cubo_strbuf b = {0};
	cubo_strbuf_adds(&b, "");
	struct archive *r = archive_read_new();
	archive_read_support_format_tar(r);
	assert_int_equal(archive_read_open_memory(r, buf, used), ARCHIVE_OK);
	struct archive_entry *e;
	while (!err && archive_read_next_header(r, &e) == ARCHIVE_OK) {
		const char *hl = archive_entry_hardlink(e), *sl = archive_entry_symlink(e);
		const char *target = hl ? hl : sl;
		char *line = xasprintf("%c %s%s%s %jd%s\n", type_letter(e),
				       archive_entry_pathname(e), target ? " -> " : "",
				       target ? target : "", (intmax_t)archive_entry_size(e),
				       archive_entry_xattr_count(e) ? " xattrs" : "");
		cubo_strbuf_adds(&b, line);
		free(line);
	}
	archive_read_free(r);
	free(buf);
	*out = cubo_strbuf_take(&b);
	return err;
}

/* ... as export writes it, or in overlay's form */
static struct cubo_error *tar_lines(const char *dir, bool overlay, char *const *skip, char **out)
{
	return tar_lines_with(dir, (struct tree_tar){.overlay = overlay, .skip = skip}, out);
}

static void put(const char *root, const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", root, rel);
	th_write_file(p, text);
	free(p);
}

static void test_hostile_entries_are_entries(void **state)
{
	(void)state;
	char *dir = th_tmpdir("tree-tar");
	put(dir, "f", "hello");
	char *p = xasprintf("%s/sub", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/sub/up", dir);
	assert_int_equal(symlink("../../../../../etc", p), 0);
	free(p);
	p = xasprintf("%s/shadow", dir);
	assert_int_equal(symlink("/etc/shadow", p), 0);
	free(p);
	p = xasprintf("%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	free(p);
	p = xasprintf("%s/null", dir);
	assert_int_equal(mknod(p, S_IFCHR | 0600, makedev(1, 3)), 0);
	free(p);
	char *a = xasprintf("%s/f", dir), *l = xasprintf("%s/link", dir);
	assert_int_equal(link(a, l), 0);
	free(a);
	free(l);
	p = xasprintf("%s/f", dir);
	assert_int_equal(setxattr(p, "user.kept", "v", 1, 0), 0);
	free(p);
	/* a socket means nothing in a tar: left out */
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(sock >= 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", dir);
	assert_int_equal(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(sock);
	char *got;
	th_assert_ok(tar_lines(dir, false, NULL, &got));
	assert_string_equal(got, "- f 5 xattrs\n"
				 "p fifo 0\n"
				 "h link -> f 0 xattrs\n"
				 "c null 0\n"
				 "l shadow -> /etc/shadow 0\n"
				 "d sub/ 0\n"
				 "l sub/up -> ../../../../../etc 0\n");
	free(got);
	/* skip leaves a path and what is beneath out */
	char *skip[] = {"sub", "null", NULL};
	th_assert_ok(tar_lines(dir, false, skip, &got));
	assert_null(strstr(got, "sub"));
	assert_null(strstr(got, "null"));
	free(got);
	th_tmpdir_free(dir);
}

static void test_overlay_form(void **state)
{
	(void)state;
	char *dir = th_tmpdir("tree-tar");
	char *p = xasprintf("%s/gone", dir);
	assert_int_equal(mknod(p, S_IFCHR, makedev(0, 0)), 0);
	free(p);
	p = xasprintf("%s/opq", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(setxattr(p, "trusted.overlay.opaque", "y", 1, 0), 0);
	assert_int_equal(setxattr(p, "trusted.overlay.origin", "x", 1, 0), 0);
	char *got;
	th_assert_ok(tar_lines(dir, true, NULL, &got));
	assert_string_equal(got, "- .wh.gone 0\nd opq/ 0\n- opq/.wh..wh..opq 0\n");
	free(got);
	/* without strip_overlay the tree keeps overlay's bookkeeping */
	char v[4];
	assert_int_equal(getxattr(p, "trusted.overlay.origin", v, sizeof(v)), 1);
	/* in the export form a 0/0 device is a device */
	th_assert_ok(tar_lines(dir, false, NULL, &got));
	assert_non_null(strstr(got, "c gone 0\n"));
	free(got);
	/* a redirect means the files do not hold what the layer holds */
	assert_int_equal(setxattr(p, "trusted.overlay.redirect", "/x", 2, 0), 0);
	th_expect_msg(tar_lines(dir, true, NULL, &got), "redirect_dir or metacopy");
	free(got);
	free(p);
	th_tmpdir_free(dir);
}

/* cp's form: a regular file's capabilities are the one xattr, and not a second name's */
static void test_caps_only(void **state)
{
	(void)state;
	char *dir = th_tmpdir("tree-tar");
	put(dir, "f", "hello");
	put(dir, "plain", "x");
	char *p = xasprintf("%s/f", dir), *l = xasprintf("%s/g", dir);
	assert_int_equal(link(p, l), 0);
	const uint32_t caps[5] = {0x02000001, 1u << 13, 0, 0, 0};
	bool have_caps = setxattr(p, "security.capability", caps, sizeof(caps), 0) == 0;
	free(l);
	free(p);
	p = xasprintf("%s/plain", dir);
	assert_int_equal(setxattr(p, "user.dropped", "v", 1, 0), 0);
	free(p);
	char *got;
	th_assert_ok(tar_lines_with(dir, (struct tree_tar){.caps_only = true}, &got));
	assert_string_equal(got, have_caps ? "- f 5 xattrs\nh g -> f 0\n- plain 1\n"
					   : "- f 5\nh g -> f 0\n- plain 1\n");
	free(got);
	th_tmpdir_free(dir);
}

/*
 * A procfs directory comes empty: none of the kernel's files is read. The
 * mount is made in a mount namespace of this test's own: nothing reaches
 * the host, even when the test fails half-way.
 */
static void test_kernel_views_come_empty(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		skip();
	char *dir = th_tmpdir("tree-tar");
	char *p = xasprintf("%s/proc", dir);
	assert_int_equal(mkdir(p, 0555), 0);
	if (mount("proc", p, "proc", 0, NULL) < 0) {
		free(p);
		th_tmpdir_free(dir);
		skip();
	}
	char *got = NULL;
	struct cubo_error *err = tar_lines(dir, false, NULL, &got);
	umount2(p, MNT_DETACH);
	th_assert_ok(err);
	assert_string_equal(got, "d proc/ 0\n");
	free(got);
	free(p);
	th_tmpdir_free(dir);
}

static void test_depth_limit(void **state)
{
	(void)state;
	char *dir = th_tmpdir("tree-tar");
	struct cubo_strbuf b = {0};
	cubo_strbuf_adds(&b, dir);
	for (int i = 0; i < TREE_TAR_MAX_DEPTH + 3; i++) {
		cubo_strbuf_adds(&b, "/d");
		if (mkdir(b.s, 0755) < 0)
			fail_msg("mkdir depth %d: %s", i, strerror(errno));
	}
	free(cubo_strbuf_take(&b));
	char *got;
	th_expect_msg(tar_lines(dir, false, NULL, &got), "nested deeper than");
	free(got);
	th_tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_entries_are_entries),
		cmocka_unit_test(test_overlay_form),
		cmocka_unit_test(test_caps_only),
		cmocka_unit_test(test_kernel_views_come_empty),
		cmocka_unit_test(test_depth_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* ctr_diff: docker diff's rules over upper and lower trees made here. */
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "tests/unit/helpers.h"

#include "cubo-mgr/container/ctr_diff.h"
#include "shared/strbuf.h"

struct tree {
	char *base, *upper, *low1, *low2; /* low1 above low2 */
};

static void mk(const char *root, const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", p, strerror(errno));
	free(p);
}

static void put(const char *root, const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", root, rel);
	th_write_file(p, text);
	free(p);
}

static void whiteout(const char *root, const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	if (mknod(p, S_IFCHR | 0, makedev(0, 0)) < 0)
		fail_msg("mknod %s: %s", p, strerror(errno));
	free(p);
}

/* the upper directory's times those of the layer's: a directory only copied up */
static void same_times(const char *upper, const char *lower, const char *rel)
{
	char *u = xasprintf("%s/%s", upper, rel), *l = xasprintf("%s/%s", lower, rel);
	struct stat st;
	assert_int_equal(stat(l, &st), 0);
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	assert_int_equal(utimensat(AT_FDCWD, u, ts, 0), 0);
	free(u);
	free(l);
}

static int setup(void **state)
{
	struct tree *t = xcalloc(1, sizeof(*t));
	t->base = th_tmpdir("ctr-diff");
	t->upper = xasprintf("%s/upper", t->base);
	t->low1 = xasprintf("%s/low1", t->base);
	t->low2 = xasprintf("%s/low2", t->base);
	mk(t->base, "upper");
	mk(t->base, "low1");
	mk(t->base, "low2");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	th_tmpdir_free(t->base);
	free(t->upper);
	free(t->low1);
	free(t->low2);
	free(t);
	return 0;
}

/* "A /x\nC /y\n" */
static char *diff_text(const struct tree *t, char *const *skip)
{
	char *lowers[] = {t->low1, t->low2, NULL};
	struct ctr_change *v;
	size_t n;
	th_assert_ok(ctr_diff(t->upper, lowers, skip, &v, &n));
	struct cubo_strbuf b = {0};
	cubo_strbuf_adds(&b, "");
	for (size_t i = 0; i < n; i++) {
		cubo_strbuf_addc(&b, ctr_change_letter(v[i].kind));
		cubo_strbuf_addc(&b, ' ');
		cubo_strbuf_adds(&b, v[i].path);
		cubo_strbuf_addc(&b, '\n');
	}
	ctr_changes_free(v, n);
	return cubo_strbuf_take(&b);
}

static void expect(const struct tree *t, char *const *skip, const char *want)
{
	char *got = diff_text(t, skip);
	assert_string_equal(got, want);
	free(got);
}

static void test_add_change_delete(void **state)
{
	struct tree *t = *state;
	mk(t->low2, "etc");
	put(t->low2, "etc/passwd", "root\n");
	put(t->low2, "etc/group", "root\n");
	mk(t->low2, "home");
	mk(t->low2, "home/user");
	mk(t->upper, "etc");
	put(t->upper, "etc/passwd", "root\nx\n");
	whiteout(t->upper, "etc/group");
	same_times(t->upper, t->low2, "etc");
	whiteout(t->upper, "home");
	mk(t->upper, "new");
	mk(t->upper, "new/sub");
	put(t->upper, "new/sub/f", "f");
	expect(t, NULL,
	       "C /etc\nD /etc/group\nC /etc/passwd\nD /home\nA /new\nA /new/sub\nA /new/sub/f\n");
}

static void test_dir_only_copied_up_is_no_change(void **state)
{
	struct tree *t = *state;
	mk(t->low2, "etc");
	put(t->low2, "etc/passwd", "root\n");
	mk(t->upper, "etc");
	put(t->upper, "etc/passwd", "other\n");
	same_times(t->upper, t->low2, "etc");
	expect(t, NULL, "C /etc/passwd\n");
	/* a directory whose own attributes changed is a change */
	char *p = xasprintf("%s/etc", t->upper);
	assert_int_equal(chmod(p, 0700), 0);
	free(p);
	expect(t, NULL, "C /etc\nC /etc/passwd\n");
}

static void test_opaque_dir_deletes_lower_entries(void **state)
{
	struct tree *t = *state;
	mk(t->low2, "home");
	mk(t->low2, "home/user");
	put(t->low2, "home/keep", "k");
	mk(t->low1, "home");
	put(t->low1, "home/upper-layer", "u");
	mk(t->upper, "home");
	put(t->upper, "home/keep", "again");
	put(t->upper, "home/new", "n");
	char *p = xasprintf("%s/home", t->upper);
	assert_int_equal(setxattr(p, "user.overlay.opaque", "y", 1, 0), 0);
	free(p);
	same_times(t->upper, t->low2, "home");
	expect(t, NULL, "C /home\nC /home/keep\nA /home/new\nD /home/upper-layer\nD /home/user\n");
}

static void test_whiteout_in_a_higher_layer_hides_lower(void **state)
{
	struct tree *t = *state;
	put(t->low2, "a", "bottom");
	whiteout(t->low1, "a");
	put(t->upper, "a", "new");
	/* a file above a directory hides it too */
	mk(t->low2, "d");
	put(t->low2, "d/x", "x");
	put(t->low1, "d", "file");
	mk(t->upper, "d");
	put(t->upper, "d/x", "y");
	expect(t, NULL, "A /a\nC /d\nA /d/x\n");
}

static void test_symlinks_and_fifos_are_not_followed_or_opened(void **state)
{
	struct tree *t = *state;
	char *l = xasprintf("%s/out", t->upper);
	assert_int_equal(symlink("/etc", l), 0);
	free(l);
	l = xasprintf("%s/up", t->upper);
	assert_int_equal(symlink("../../../..", l), 0);
	free(l);
	char *f = xasprintf("%s/fifo", t->upper);
	assert_int_equal(mkfifo(f, 0600), 0);
	free(f);
	/* a layer's symlink where the upper directory has a directory: not looked through */
	l = xasprintf("%s/dir", t->low1);
	assert_int_equal(symlink("/etc", l), 0);
	free(l);
	mk(t->upper, "dir");
	put(t->upper, "dir/passwd", "p");
	expect(t, NULL, "C /dir\nA /dir/passwd\nA /fifo\nA /out\nA /up\n");
}

static void test_mount_points_skipped(void **state)
{
	struct tree *t = *state;
	mk(t->low2, "etc");
	put(t->low2, "etc/passwd", "root\n");
	mk(t->upper, "etc");
	put(t->upper, "etc/hosts", "");
	mk(t->upper, "proc");
	mk(t->upper, "proc/sub");
	/* the runtime made /etc/hosts: /etc's new mtime is not the container's change */
	char *skip[] = {"/etc/hosts", "/proc", NULL};
	expect(t, skip, "");
	put(t->upper, "etc/new", "n");
	expect(t, skip, "C /etc\nA /etc/new\n");
}

static void test_depth_limit(void **state)
{
	struct tree *t = *state;
	struct cubo_strbuf b = {0};
	cubo_strbuf_adds(&b, "");
	for (int i = 0; i < CTR_DIFF_MAX_DEPTH + 5; i++) {
		cubo_strbuf_adds(&b, i ? "/d" : "d");
		mk(t->upper, b.s);
	}
	free(cubo_strbuf_take(&b));
	char *lowers[] = {t->low1, NULL};
	struct ctr_change *v;
	size_t n;
	th_expect_msg(ctr_diff(t->upper, lowers, NULL, &v, &n), "nested deeper than");
}

static void test_missing_upper(void **state)
{
	struct tree *t = *state;
	char *lowers[] = {t->low1, NULL};
	struct ctr_change *v;
	size_t n;
	char *gone = xasprintf("%s/none", t->base);
	th_expect_msg(ctr_diff(gone, lowers, NULL, &v, &n), "none");
	free(gone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_change_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_only_copied_up_is_no_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_opaque_dir_deletes_lower_entries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_in_a_higher_layer_hides_lower, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlinks_and_fifos_are_not_followed_or_opened,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount_points_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_upper, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: shared/path_in_root.c */
/*
 * The source is included so the component walker (the fallback for kernels
 * without openat2) is tested on its own, not only through openat2.
 */
#include "shared/path_in_root.c"
#include "tests/unit/helpers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include <cmocka.h>

struct fixture {
	char *base;	   /* temp dir holding both of the below */
	char root[128];	   /* the "rootfs" */
	char outside[128]; /* must never be touched */
	int rootfd;
};

static void mkdir_or_fail(const char *path)
{
	assert_int_equal(mkdir(path, 0755), 0);
}

static void symlink_at(struct fixture *fx, const char *target, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", fx->root, name);
	assert_int_equal(symlink(target, path), 0);
}

/* Which real directory entry does fd point at? Compared by device + inode. */
static void assert_same_file(int fd, const char *path)
{
	struct stat a, b;
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat(path, &b), 0);
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char path[512];

	fx->base = th_tmpdir("pir");
	snprintf(fx->root, sizeof(fx->root), "%s/root", fx->base);
	snprintf(fx->outside, sizeof(fx->outside), "%s/outside", fx->base);
	mkdir_or_fail(fx->root);
	mkdir_or_fail(fx->outside);
	snprintf(path, sizeof(path), "%s/etc", fx->root);
	mkdir_or_fail(path);
	snprintf(path, sizeof(path), "%s/etc/passwd", fx->root);
	th_write_file(path, "inside\n");
	snprintf(path, sizeof(path), "%s/passwd", fx->outside);
	th_write_file(path, "outside\n");
	fx->rootfd = open(fx->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fx->rootfd >= 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	close(fx->rootfd);
	th_tmpdir_free(fx->base);
	free(fx);
	return 0;
}

/* Both resolvers must agree on every case: run each check through both. */
typedef int (*opener)(int rootfd, const char *path, int flags, mode_t mode);

static int walker(int rootfd, const char *path, int flags, mode_t mode)
{
	return walk_open(rootfd, path, flags, mode, WALK_OPEN);
}

static const opener openers[] = {open_in_root, walker};

static void test_absolute_symlink_stays_inside(void **state)
{
	struct fixture *fx = *state;
	char target[256], inside[256];

	/* An absolute link naming the real outside dir means root/<that path>. */
	symlink_at(fx, fx->outside, "escape");
	symlink_at(fx, "/etc", "etclink");
	snprintf(inside, sizeof(inside), "%s/etc/passwd", fx->root);
	for (size_t i = 0; i < 2; i++) {
		int fd = openers[i](fx->rootfd, "/etclink/passwd", O_RDONLY, 0);
		assert_true(fd >= 0);
		assert_same_file(fd, inside);
		close(fd);
		/* root has no copy of the outside path, so it must not be found. */
		snprintf(target, sizeof(target), "escape/passwd");
		assert_int_equal(openers[i](fx->rootfd, target, O_RDONLY, 0), -ENOENT);
	}
}

static void test_dotdot_stays_inside(void **state)
{
	struct fixture *fx = *state;
	char inside[256];

	snprintf(inside, sizeof(inside), "%s/etc/passwd", fx->root);
	symlink_at(fx, "../../../outside", "up");
	for (size_t i = 0; i < 2; i++) {
		int fd = openers[i](fx->rootfd, "../../etc/passwd", O_RDONLY, 0);
		assert_true(fd >= 0);
		assert_same_file(fd, inside);
		close(fd);
		/* "up" would be base/outside from the host's view; inside it is /outside. */
		assert_int_equal(openers[i](fx->rootfd, "up/passwd", O_RDONLY, 0), -ENOENT);
		fd = openers[i](fx->rootfd, "/etc/../../..", O_PATH | O_DIRECTORY, 0);
		assert_true(fd >= 0);
		assert_same_file(fd, fx->root);
		close(fd);
	}
}

static void test_symlink_loop_is_eloop(void **state)
{
	struct fixture *fx = *state;

	symlink_at(fx, "b", "a");
	symlink_at(fx, "/a", "b");
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(openers[i](fx->rootfd, "a/x", O_RDONLY, 0), -ELOOP);

	int fd = -1;
	struct cubo_error *err = cubo_open_in_root(fx->rootfd, "/a", O_RDONLY, 0, &fd);
	assert_non_null(err);
	assert_int_equal(err->errnum, ELOOP);
	assert_string_equal(err->msg, "open /a in rootfs");
	assert_int_equal(fd, -1);
	cubo_error_free(err);
}

static void test_nofollow_and_notdir(void **state)
{
	struct fixture *fx = *state;
	struct stat st;

	symlink_at(fx, "/etc/passwd", "pw");
	for (size_t i = 0; i < 2; i++) {
		int fd = openers[i](fx->rootfd, "pw", O_PATH | O_NOFOLLOW, 0);
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		close(fd);
		assert_int_equal(openers[i](fx->rootfd, "etc/passwd/x", O_RDONLY, 0), -ENOTDIR);
	}
}

static void test_mkdir_all_through_symlink(void **state)
{
	struct fixture *fx = *state;
	char path[512];
	struct stat st;
	int fd = -1;

	/* A link to the real outside path: creation must happen under root. */
	symlink_at(fx, fx->outside, "link");
	assert_null(cubo_mkdir_all_in_root(fx->rootfd, "/link/x/y", 0755, &fd));
	snprintf(path, sizeof(path), "%s%s/x/y", fx->root, fx->outside);
	assert_same_file(fd, path);
	close(fd);
	snprintf(path, sizeof(path), "%s/x", fx->outside);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);

	/* Relative link climbing out, then "..": clamped at root. */
	symlink_at(fx, "../../..", "up");
	assert_null(cubo_mkdir_all_in_root(fx->rootfd, "up/../z", 0755, NULL));
	snprintf(path, sizeof(path), "%s/z", fx->root);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/z", fx->base);
	assert_int_equal(stat(path, &st), -1);

	/* Existing dirs are fine; a file in the way is not. */
	assert_null(cubo_mkdir_all_in_root(fx->rootfd, "etc", 0755, NULL));
	struct cubo_error *err = cubo_mkdir_all_in_root(fx->rootfd, "etc/passwd/sub", 0755, NULL);
	assert_non_null(err);
	assert_int_equal(err->errnum, ENOTDIR);
	assert_string_equal(err->msg, "mkdir etc/passwd/sub in rootfs");
	cubo_error_free(err);
}

static void test_mkfile(void **state)
{
	struct fixture *fx = *state;
	char path[512];
	struct stat st;
	int fd = -1;

	assert_null(cubo_mkfile_in_root(fx->rootfd, "/new/dir/file", 0644, &fd));
	snprintf(path, sizeof(path), "%s/new/dir/file", fx->root);
	assert_same_file(fd, path);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	close(fd);

	/* An existing file is returned as is, not truncated. */
	assert_null(cubo_mkfile_in_root(fx->rootfd, "etc/passwd", 0644, &fd));
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 7);
	close(fd);

	/* A dangling absolute link is created inside root, not on the host. */
	snprintf(path, sizeof(path), "%s/created", fx->outside);
	symlink_at(fx, path, "dangling");
	assert_null(cubo_mkfile_in_root(fx->rootfd, "dangling", 0644, NULL));
	assert_int_equal(stat(path, &st), -1);
	char inside[1024];
	snprintf(inside, sizeof(inside), "%s%s", fx->root, path);
	assert_int_equal(stat(inside, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* A directory in the way is an error. */
	struct cubo_error *err = cubo_mkfile_in_root(fx->rootfd, "etc", 0644, &fd);
	assert_non_null(err);
	assert_int_equal(err->errnum, EISDIR);
	cubo_error_free(err);
}

static void test_walker_creates_under_real_parent(void **state)
{
	struct fixture *fx = *state;
	char path[512];
	struct stat st;

	symlink_at(fx, "/etc", "e");
	int fd = walk_open(fx->rootfd, "e/created", O_CREAT | O_WRONLY, 0600, WALK_OPEN);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/etc/created", fx->root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/*
 * An image's /etc/passwd as anything but a regular file, or huge, or a link
 * leading out: an error naming the file, at once (a FIFO must not block).
 */
static void test_read_file_in_root(void **state)
{
	struct fixture *fx = *state;
	char path[512], *text = NULL;
	size_t len;

	assert_null(cubo_read_file_in_root(fx->rootfd, "/etc/passwd", 64, &text, &len));
	assert_string_equal(text, "inside\n");
	assert_int_equal(len, 7);
	free(text);
	/* a link to the host's path is that path in the root: missing there */
	symlink_at(fx, fx->outside, "escape");
	snprintf(path, sizeof(path), "%s/etc/out", fx->root);
	assert_int_equal(symlink("../../../../../../../outside/passwd", path), 0);
	const char *missing[] = {"/etc/nothing", "escape/passwd", "/etc/out"};
	for (size_t i = 0; i < sizeof(missing) / sizeof(*missing); i++) {
		struct cubo_error *err =
			cubo_read_file_in_root(fx->rootfd, missing[i], 64, &text, NULL);
		assert_non_null(err);
		assert_int_equal(err->errnum, ENOENT);
		assert_null(text);
		cubo_error_free(err);
	}
	/* a link that stays inside is followed */
	symlink_at(fx, "/etc/passwd", "plink");
	assert_null(cubo_read_file_in_root(fx->rootfd, "plink", 64, &text, NULL));
	assert_string_equal(text, "inside\n");
	free(text);

	snprintf(path, sizeof(path), "%s/etc/fifo", fx->root);
	assert_int_equal(mkfifo(path, 0644), 0);
	th_expect_text(cubo_read_file_in_root(fx->rootfd, "/etc/fifo", 64, &text, NULL),
		       "/etc/fifo in rootfs: a FIFO, not a regular file");
	th_expect_text(cubo_read_file_in_root(fx->rootfd, "/etc", 64, &text, NULL),
		       "/etc in rootfs: a directory");
	snprintf(path, sizeof(path), "%s/etc/null", fx->root);
	if (mknod(path, S_IFCHR | 0644, makedev(1, 3)) == 0)
		th_expect_text(cubo_read_file_in_root(fx->rootfd, "/etc/null", 64, &text, NULL),
			       "/etc/null in rootfs: a character device");
	int sock = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(path, sizeof(path), "%s/etc/sock", fx->root);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	th_expect_text(cubo_read_file_in_root(fx->rootfd, "/etc/sock", 64, &text, NULL),
		       "a socket");
	close(sock);

	/* the size cap: at most max bytes, also for a sparse giant */
	snprintf(path, sizeof(path), "%s/etc/big", fx->root);
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 100), 0);
	assert_null(cubo_read_file_in_root(fx->rootfd, "/etc/big", 100, &text, &len));
	assert_int_equal(len, 100);
	free(text);
	th_expect_text(cubo_read_file_in_root(fx->rootfd, "/etc/big", 99, &text, NULL),
		       "/etc/big in rootfs: larger than 99 bytes");
	assert_int_equal(ftruncate(fd, (off_t)1 << 40), 0);
	th_expect_text(cubo_read_file_in_root(fx->rootfd, "/etc/big", 1 << 20, &text, NULL),
		       "larger than 1048576 bytes");
	close(fd);
	assert_null(text);
	/* a file whose size says nothing (procfs-like) is still bounded while read */
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(root >= 0);
	th_expect_text(cubo_read_file_in_root(root, "/proc/self/mountinfo", 8, &text, NULL),
		       "larger than 8 bytes");
	close(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_absolute_symlink_stays_inside, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dotdot_stays_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_loop_is_eloop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nofollow_and_notdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_all_through_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walker_creates_under_real_parent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_file_in_root, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

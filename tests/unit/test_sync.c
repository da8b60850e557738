/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/sync.c, cubo-runc/mount_sources.c */
/*
 * The runtime/init protocol over a socketpair, without a container: typed
 * messages carrying an fd, and the bind trees of a user-namespaced
 * container, which both sides must agree on mount by mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-runc/mount_sources.h"
#include "cubo-runc/sync.h"
#include "tests/unit/helpers.h"

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void test_fd_with_type_and_payload(void **state)
{
	(void)state;
	struct sync_msg msg;
	int sv[2], fd = open("/", O_PATH | O_CLOEXEC), got = -1;

	pair(sv);
	assert_null(sync_send_fd_as(sv[0], SYNC_MOUNT_SOURCE, fd, "7"));
	assert_null(sync_recv_fd_as(sv[1], SYNC_MOUNT_SOURCE, &got, &msg));
	assert_true(got >= 0 && got != fd);
	assert_true(same_file(fd, got));
	assert_int_equal(msg.type, SYNC_MOUNT_SOURCE);
	assert_string_equal(msg.payload, "7");
	/* never inherited across an execve */
	assert_true(fcntl(got, F_GETFD) & FD_CLOEXEC);
	close(got);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

static void test_fd_of_another_type_is_refused_and_closed(void **state)
{
	(void)state;
	struct sync_msg msg;
	int sv[2], fd = open("/", O_PATH | O_CLOEXEC), got = 0;

	pair(sv);
	/* the number the fd that comes along gets: the lowest free one */
	int lowest = open("/", O_PATH | O_CLOEXEC);
	close(lowest);
	assert_null(sync_send_fd_as(sv[0], SYNC_CONSOLE, fd, NULL));
	struct cubo_error *err = sync_recv_fd_as(sv[1], SYNC_MOUNT_SOURCE, &got, &msg);
	assert_non_null(err);
	assert_int_equal(got, -1);
	cubo_error_free(err);
	/* it was closed: that number is free again */
	int again = open("/", O_PATH | O_CLOEXEC);
	close(again);
	assert_int_equal(again, lowest);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

static void test_error_text_comes_through(void **state)
{
	(void)state;
	struct sync_msg msg;
	int sv[2], got = 0;

	pair(sv);
	assert_null(sync_send(sv[0], SYNC_ERROR, "mounts[3]: source /x: denied"));
	struct cubo_error *err = sync_recv_fd_as(sv[1], SYNC_MOUNT_SOURCE, &got, &msg);
	assert_non_null(err);
	assert_int_equal(got, -1);
	char *text = cubo_error_text(err);
	assert_non_null(strstr(text, "mounts[3]: source /x: denied"));
	free(text);
	cubo_error_free(err);
	close(sv[0]);
	close(sv[1]);
}

static void test_console_wrappers(void **state)
{
	(void)state;
	int sv[2], fd = open("/", O_PATH | O_CLOEXEC), got = -1;

	pair(sv);
	assert_null(sync_send_fd(sv[0], fd));
	assert_null(sync_recv_fd(sv[1], &got));
	assert_true(same_file(fd, got));
	close(got);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/* Four mounts: a bind, a tmpfs, a bind remount, an rbind given by option only. */
static struct oci_config *four_mounts(void)
{
	static const char json[] =
		"{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"mounts\": ["
		"{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/srv/a\","
		" \"options\": [\"bind\"]},"
		"{\"destination\": \"/t\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},"
		"{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/srv/a\","
		" \"options\": [\"remount\", \"bind\", \"ro\"]},"
		"{\"destination\": \"/d\", \"source\": \"data\", \"options\": [\"rbind\"]}]}";
	struct oci_config *cfg = NULL;
	assert_null(oci_config_parse(json, strlen(json), "test", &cfg));
	return cfg;
}

static void test_needed_only_with_new_user_and_mount_namespaces(void **state)
{
	(void)state;
	struct ns_plan ns = {.clone_flags = CLONE_NEWNS | CLONE_NEWPID};

	assert_false(mount_sources_needed(&ns));
	ns.clone_flags |= CLONE_NEWUSER;
	assert_true(mount_sources_needed(&ns));
	/* a mount namespace joined by path is the init's business */
	ns.clone_flags = CLONE_NEWUSER;
	ns.joins[ns.n_joins++] = (struct ns_join){.flag = CLONE_NEWNS, .fd = -1, .type = "mount"};
	assert_false(mount_sources_needed(&ns));
	/* so is a user namespace joined by path */
	ns.clone_flags = CLONE_NEWNS;
	ns.joins[0] = (struct ns_join){.flag = CLONE_NEWUSER, .fd = -1, .type = "user"};
	assert_false(mount_sources_needed(&ns));
}

static void test_without_user_namespace_nothing_is_sent(void **state)
{
	(void)state;
	struct oci_config *cfg = four_mounts();
	struct ns_plan ns = {.clone_flags = CLONE_NEWNS};
	struct mount_sources got;
	int sv[2];

	pair(sv);
	assert_null(mount_sources_send(cfg, "/bundle", &ns, getpid(), sv[0]));
	assert_null(mount_sources_recv(cfg, &ns, sv[1], &got));
	assert_int_equal(got.n, 0);
	assert_null(got.trees);
	/* nothing is waiting on the socket */
	char c;
	assert_int_equal(recv(sv[1], &c, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	mount_sources_close(&got);
	oci_config_free(cfg);
	close(sv[0]);
	close(sv[1]);
}

static void test_init_takes_one_tree_per_bind(void **state)
{
	(void)state;
	struct oci_config *cfg = four_mounts();
	struct ns_plan ns = {.clone_flags = CLONE_NEWNS | CLONE_NEWUSER};
	struct mount_sources got;
	int sv[2], a = open("/", O_PATH | O_CLOEXEC), d = open(".", O_PATH | O_CLOEXEC);

	pair(sv);
	/* what the runtime's helper sends: the bind and the rbind, not the remount */
	assert_null(sync_send_fd_as(sv[0], SYNC_MOUNT_SOURCE, a, "0"));
	assert_null(sync_send_fd_as(sv[0], SYNC_MOUNT_SOURCE, d, "3"));
	assert_null(mount_sources_recv(cfg, &ns, sv[1], &got));
	assert_int_equal(got.n, 4);
	assert_true(same_file(got.trees[0], a));
	assert_int_equal(got.trees[1], -1);
	assert_int_equal(got.trees[2], -1);
	assert_true(same_file(got.trees[3], d));
	mount_sources_close(&got);
	assert_int_equal(got.n, 0);
	assert_null(got.trees);
	close(a);
	close(d);
	oci_config_free(cfg);
	close(sv[0]);
	close(sv[1]);
}

static void test_a_tree_for_the_wrong_mount_is_refused(void **state)
{
	(void)state;
	struct oci_config *cfg = four_mounts();
	struct ns_plan ns = {.clone_flags = CLONE_NEWNS | CLONE_NEWUSER};
	struct mount_sources got;
	int sv[2], a = open("/", O_PATH | O_CLOEXEC);

	pair(sv);
	assert_null(sync_send_fd_as(sv[0], SYNC_MOUNT_SOURCE, a, "3"));
	struct cubo_error *err = mount_sources_recv(cfg, &ns, sv[1], &got);
	assert_non_null(err);
	char *text = cubo_error_text(err);
	assert_non_null(strstr(text, "mounts[3] for mounts[0]"));
	free(text);
	cubo_error_free(err);
	/* what did arrive is still closed by the owner */
	mount_sources_close(&got);
	close(a);
	oci_config_free(cfg);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_with_type_and_payload),
		cmocka_unit_test(test_fd_of_another_type_is_refused_and_closed),
		cmocka_unit_test(test_error_text_comes_through),
		cmocka_unit_test(test_console_wrappers),
		cmocka_unit_test(test_needed_only_with_new_user_and_mount_namespaces),
		cmocka_unit_test(test_without_user_namespace_nothing_is_sent),
		cmocka_unit_test(test_init_takes_one_tree_per_bind),
		cmocka_unit_test(test_a_tree_for_the_wrong_mount_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

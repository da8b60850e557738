/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Covers: cubo-runc/criu.c (the flags criu gets, its log, finding it; not
 * running it), cubo-runc/criu_rpc.c (the RPC config file, criu_req and
 * criu_resp on the wire)
 */
#include "helpers.h"

#include "cubo-runc/criu.h"
#include "cubo-runc/criu_rpc.h"
#include "shared/strv.h"

static char *joined(char **v)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; v && v[i]; i++)
		len += strlen(v[i]) + 1;
	out = xcalloc(1, len);
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, v[i]);
	}
	return out;
}

static char *common_args(const struct criu_opts *o)
{
	char **argv = NULL, *s;
	size_t n = 0;

	th_assert_ok(criu_common_args(o, &argv, &n));
	s = joined(argv);
	cubo_strv_free(argv);
	return s;
}

static void test_common_args_default_mode_is_soft(void **state)
{
	struct criu_opts o = {0};
	char *s = common_args(&o);

	(void)state;
	assert_string_equal(s, "--manage-cgroups=soft");
	free(s);
}

static void test_common_args_every_flag(void **state)
{
	struct criu_opts o = {.manage_cgroups_mode = "full",
			      .empty_ns = "network",
			      .tcp_established = true,
			      .ext_unix_sk = true,
			      .shell_job = true,
			      .file_locks = true,
			      .auto_dedup = true};
	char *s = common_args(&o);

	(void)state;
	assert_string_equal(s, "--manage-cgroups=full --empty-ns net --tcp-established "
			       "--ext-unix-sk --shell-job --file-locks --auto-dedup");
	free(s);
}

static void test_common_args_refusals(void **state)
{
	struct criu_opts bad_mode = {.manage_cgroups_mode = "soft --leave-running"};
	struct criu_opts bad_ns = {.empty_ns = "pid"};
	char **argv = NULL;
	size_t n = 0;

	(void)state;
	/* a mode is one of criu's words: nothing else reaches its command line */
	th_expect_msg(criu_common_args(&bad_mode, &argv, &n), "--manage-cgroups-mode",
		      "soft --leave-running");
	th_expect_msg(criu_common_args(&bad_ns, &argv, &n), "--empty-ns pid");
	cubo_strv_free(argv);
}

static char *dump_only_args(const struct checkpoint_opts *o)
{
	char **argv = NULL, *s;
	size_t n = 0;

	th_assert_ok(criu_dump_only_args(o, &argv, &n));
	s = joined(argv);
	cubo_strv_free(argv);
	return s;
}

static void test_dump_only_args(void **state)
{
	struct checkpoint_opts o = {.parent_path = "../parent",
				    .leave_running = true,
				    .page_server = "10.0.0.1:27",
				    .status_fd = 1};
	char *s = dump_only_args(&o);

	(void)state;
	/* without --lazy-pages the status fd is not criu's business (as runc) */
	assert_string_equal(s, "--track-mem --prev-images-dir ../parent --leave-running "
			       "--page-server --address 10.0.0.1 --port 27");
	free(s);
	/* lazily criu serves the pages itself; an IPv6 address loses its brackets */
	o = (struct checkpoint_opts){
		.criu.lazy_pages = true, .page_server = "[::1]:27277", .status_fd = 1};
	s = dump_only_args(&o);
	assert_string_equal(s, "--lazy-pages --address ::1 --port 27277 --status-fd 1");
	free(s);
	/* a pre-dump leaves the container running by itself */
	o = (struct checkpoint_opts){.pre_dump = true, .leave_running = true, .status_fd = -1};
	s = dump_only_args(&o);
	assert_string_equal(s, "--track-mem");
	free(s);
}

static void test_dump_only_args_refusals(void **state)
{
	struct checkpoint_opts o = {.criu.lazy_pages = true, .status_fd = -1};
	char **argv = NULL;
	size_t n = 0;
	int fds[2];

	(void)state;
	th_expect_msg(criu_dump_only_args(&o, &argv, &n), "--lazy-pages needs --page-server");
	o.pre_dump = true;
	th_expect_msg(criu_dump_only_args(&o, &argv, &n), "--pre-dump");
	o.pre_dump = false;
	const char *bad[] = {"nocolon",	   ":27",      "host:", "host:0",
			     "host:65536", "host:27x", "[]:27"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.page_server = bad[i];
		th_expect_msg(criu_dump_only_args(&o, &argv, &n), "--page-server", bad[i]);
	}
	o.page_server = "127.0.0.1:27";
	assert_int_equal(pipe(fds), 0);
	o.status_fd = fds[0];
	th_expect_msg(criu_dump_only_args(&o, &argv, &n), "not open for writing");
	close(fds[0]);
	th_expect_msg(criu_dump_only_args(&o, &argv, &n), "--status-fd");
	o.status_fd = fds[1];
	cubo_strv_free(argv);
	argv = NULL;
	n = 0;
	th_assert_ok(criu_dump_only_args(&o, &argv, &n));
	close(fds[1]);
	cubo_strv_free(argv);
}

static void test_restore_only_args(void **state)
{
	struct restore_opts o = {.criu.lazy_pages = true,
				 .lsm_profile = "apparmor:unconfined",
				 .lsm_mount_context = "system_u:object_r:container_file_t:s0",
				 .detach = true,
				 .no_subreaper = true};
	char **argv = NULL, *s;
	size_t n = 0;

	(void)state;
	th_assert_ok(criu_restore_only_args(&o, &argv, &n));
	s = joined(argv);
	assert_string_equal(s, "--lazy-pages --lsm-profile apparmor:unconfined "
			       "--lsm-mount-context system_u:object_r:container_file_t:s0");
	free(s);
	cubo_strv_free(argv);
	argv = NULL;
	n = 0;
	o = (struct restore_opts){.lsm_profile = "unconfined"};
	th_expect_msg(criu_restore_only_args(&o, &argv, &n), "--lsm-profile unconfined",
		      "TYPE:NAME");
	o = (struct restore_opts){.lsm_mount_context = ""};
	th_expect_msg(criu_restore_only_args(&o, &argv, &n), "--lsm-mount-context");
	/* in the foreground the restored init must be ours to wait for */
	o = (struct restore_opts){.no_subreaper = true};
	th_expect_msg(criu_restore_only_args(&o, &argv, &n), "--no-subreaper", "--detach");
	cubo_strv_free(argv);
}

static void test_rpc_config(void **state)
{
	char *argv[] = {"criu",
			"dump",
			"--tree",
			"12",
			"--images-dir",
			"/i",
			"-v4",
			"--manage-cgroups=soft",
			"--leave-running",
			"--ext-mount-map",
			"/data:/data",
			NULL};
	char *text;

	(void)state;
	th_assert_ok(criu_rpc_config(argv, &text));
	assert_string_equal(text, "tree \"12\"\nverbosity 4\n"
				  "manage-cgroups \"soft\"\nleave-running\n"
				  "ext-mount-map \"/data:/data\"\n");
	free(text);
}

static void test_rpc_config_refusals(void **state)
{
	/* a mount destination from the config must not add an option of its own */
	char *inject[] = {"criu", "dump", "--ext-mount-map", "/x\"\nleave-running", NULL};
	char *newline[] = {"criu", "dump", "--external", "file[1:2]\nleave-running", NULL};
	char *backslash[] = {"criu", "dump", "--root", "/r\\", NULL};
	char *novalue[] = {"criu", "dump", "--tree", NULL};
	char *positional[] = {"criu", "dump", "stray", NULL};
	char *text = NULL;

	(void)state;
	th_expect_msg(criu_rpc_config(inject, &text), "ext-mount-map", "quote");
	th_expect_msg(criu_rpc_config(newline, &text), "external", "line break");
	th_expect_msg(criu_rpc_config(backslash, &text), "root", "backslash");
	th_expect_msg(criu_rpc_config(novalue, &text), "--tree", "no value");
	th_expect_msg(criu_rpc_config(positional, &text), "stray");
	assert_null(text);
}

static void test_rpc_encode(void **state)
{
	struct criu_rpc_req req = {
		.type = CRIU_REQ_RESTORE, .images_dir_fd = 5, .config_file = "/w/c"};
	const unsigned char want[] = {0x08, 0x02, 0x12, 0x10, 0x08, 0x05, 0x48, 0x04, 0x60, 0x01,
				      0x90, 0x03, 0x01, 0x9a, 0x03, 0x04, '/',	'w',  '/',  'c'};
	const unsigned char ack[] = {0x08, 0x06, 0x18, 0x01};
	const unsigned char dump_pid[] = {0x10, 0xb9, 0x60};
	char *buf;
	size_t len;

	(void)state;
	criu_rpc_encode(&req, &buf, &len);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	free(buf);
	/* a dump names its tree: pid 12345 */
	req = (struct criu_rpc_req){.type = CRIU_REQ_DUMP, .images_dir_fd = 5, .pid = 12345};
	criu_rpc_encode(&req, &buf, &len);
	assert_non_null(memmem(buf, len, dump_pid, sizeof(dump_pid)));
	free(buf);
	req = (struct criu_rpc_req){.type = CRIU_REQ_NOTIFY, .notify_success = true};
	criu_rpc_encode(&req, &buf, &len);
	assert_int_equal(len, sizeof(ack));
	assert_memory_equal(buf, ack, sizeof(ack));
	free(buf);
}

static void test_rpc_decode(void **state)
{
	/* restore: success, pid 1234, an unknown fixed32 and fixed64 field skipped */
	const char restored[] = {0x08,	     0x02,	 0x10,	     0x01, 0x22, 0x03, 0x08,
				 (char)0xd2, 0x09,	 (char)0xa5, 0x01, 1,	 2,    3,
				 4,	     (char)0xa9, 0x01,	     1,	   2,	 3,    4,
				 5,	     6,		 7,	     8};
	const char failed[] = {0x08, 0x01, 0x10, 0x00, 0x38, 0x02, 0x4a, 0x03, 'b', 'a', 'd'};
	const char notify[] = {0x08, 0x06, 0x10, 0x01, 0x2a, 0x13, 0x0a, 0x11, 'o',
			       'r',  'p',  'h',	 'a',  'n',  '-',  'p',	 't',  's',
			       '-',  'm',  'a',	 's',  't',  'e',  'r'};
	struct criu_rpc_resp r;

	(void)state;
	th_assert_ok(criu_rpc_decode(restored, sizeof(restored), &r));
	assert_int_equal(r.type, CRIU_REQ_RESTORE);
	assert_true(r.success);
	assert_int_equal(r.restored_pid, 1234);
	assert_null(r.script);
	criu_rpc_resp_free(&r);
	th_assert_ok(criu_rpc_decode(failed, sizeof(failed), &r));
	assert_int_equal(r.type, CRIU_REQ_DUMP);
	assert_false(r.success);
	assert_int_equal(r.cr_errno, 2);
	assert_string_equal(r.errmsg, "bad");
	criu_rpc_resp_free(&r);
	th_assert_ok(criu_rpc_decode(notify, sizeof(notify), &r));
	assert_int_equal(r.type, CRIU_REQ_NOTIFY);
	assert_string_equal(r.script, "orphan-pts-master");
	criu_rpc_resp_free(&r);
	/* cut short anywhere, or with no type: not an answer */
	for (size_t n = 1; n < sizeof(notify); n++) {
		struct cubo_error *err = criu_rpc_decode(notify, n, &r);
		if (n == 2 || n == 4) {
			th_assert_ok(err);
			criu_rpc_resp_free(&r);
			continue;
		}
		th_expect_msg(err, "not a criu_resp");
	}
	th_expect_msg(criu_rpc_decode(failed + 2, sizeof(failed) - 2, &r), "not a criu_resp");
	/* a length past the end */
	const char overlong[] = {0x08, 0x02, 0x4a, 0x7f, 'x'};
	th_expect_msg(criu_rpc_decode(overlong, sizeof(overlong), &r), "not a criu_resp");
}

static void test_log_first_error(void **state)
{
	struct th_dir *d = th_dir_new("criu", "dump.log");
	char *line;

	(void)state;
	th_write_file(d->path, "(00.1) Dumping processes\n"
			       "(00.2) Error (criu/files-reg.c:1710): Can't lookup mount=23\n"
			       "(00.3) Error (criu/cr-dump.c:2053): Dumping FAILED.\n");
	line = criu_log_first_error(d->path);
	assert_string_equal(line, "(00.2) Error (criu/files-reg.c:1710): Can't lookup mount=23");
	free(line);
	th_write_file(d->path, "(00.1) Dumping finished successfully\n");
	assert_null(criu_log_first_error(d->path));
	unlink(d->path);
	assert_null(criu_log_first_error(d->path));
	th_dir_free(d);
}

static void test_locate(void **state)
{
	struct th_dir *d = th_dir_new("criu", "criu");
	char *old = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL, *found = NULL;

	(void)state;
	th_expect_msg(criu_locate("/nonexistent/criu", &found), "/nonexistent/criu", "--criu");
	setenv("PATH", "/nonexistent", 1);
	th_expect_msg(criu_locate(NULL, &found), "criu not found", "install criu");
	th_write_file(d->path, "#!/bin/sh\n");
	chmod(d->path, 0755);
	setenv("PATH", d->dir, 1);
	th_assert_ok(criu_locate(NULL, &found));
	assert_string_equal(found, d->path);
	free(found);
	th_assert_ok(criu_locate(d->path, &found));
	assert_string_equal(found, d->path);
	free(found);
	if (old)
		setenv("PATH", old, 1);
	free(old);
	th_dir_free(d);
}

static void test_dirs_defaults(void **state)
{
	struct th_dir *d = th_dir_new("criu", NULL);
	struct criu_opts o = {0};
	char *image, *work, *want;

	(void)state;
	assert_int_equal(chdir(d->dir), 0);
	th_assert_ok(criu_dirs(&o, true, &image, &work));
	want = th_path(d->dir, "checkpoint");
	assert_string_equal(image, want);
	assert_string_equal(work, want);
	free(image);
	free(work);
	free(want);
	/* restore: the images must be there */
	o.image_path = "none";
	o.work_path = "w";
	th_expect_msg(criu_dirs(&o, false, &image, &work), "--image-path", "none");
	free(image);
	free(work);
	assert_int_equal(chdir("/"), 0);
	th_dir_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_args_default_mode_is_soft),
		cmocka_unit_test(test_common_args_every_flag),
		cmocka_unit_test(test_common_args_refusals),
		cmocka_unit_test(test_dump_only_args),
		cmocka_unit_test(test_dump_only_args_refusals),
		cmocka_unit_test(test_restore_only_args),
		cmocka_unit_test(test_rpc_config),
		cmocka_unit_test(test_rpc_config_refusals),
		cmocka_unit_test(test_rpc_encode),
		cmocka_unit_test(test_rpc_decode),
		cmocka_unit_test(test_log_first_error),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_dirs_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

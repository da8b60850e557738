/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/{record,ctr_store,reconcile,runtime,runtime_exec}.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/ctr_store.h"
#include "cubo-mgr/container/record.h"
#include "cubo-mgr/container/runtime.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void fill(struct ctr_record *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->id, ID);
	r->name = strdup("web");
	r->image = strdup("busybox");
	r->image_id = strdup("sha256:aa");
	r->command = strdup("sh -c 'x'");
	char *layers[] = {"sha256:l1", "sha256:l2", NULL};
	r->layers = cubo_strv_dup(layers);
	char *ports[] = {"0.0.0.0:8080->80/tcp", NULL};
	r->ports = cubo_strv_dup(ports);
	r->user = strdup("alice");
	r->stop_signal = strdup("SIGQUIT");
	r->auto_remove = true;
	r->tty = true;
	r->status = CTR_EXITED;
	strcpy(r->created, "2026-11-24T09:00:00Z");
	strcpy(r->finished, "2026-11-24T09:00:05Z");
	r->exit_code = 137;
	r->monitor_pid = 42;
	r->monitor_start_time = 12345678901ull;
	r->error = strdup("boom");
	r->cgroup_manager = strdup("systemd");
	r->log_driver = strdup("json-file");
	char *log_opts[] = {"max-size=1m", "max-file=2", NULL};
	r->log_opts = cubo_strv_dup(log_opts);
	r->init = true;
	char *tmpfs[] = {"/run", "/scratch:size=1m,exec", NULL};
	r->tmpfs = cubo_strv_dup(tmpfs);
	r->shm_size = 1 << 30;
	char *groups[] = {"audio", "1234", NULL};
	r->group_add = cubo_strv_dup(groups);
	r->privileged = true;
	char *devices[] = {"/dev/null:/dev/n:r", "vendor.com/gpu=all", NULL};
	r->devices = cubo_strv_dup(devices);
	char *rules[] = {"c 10:* rwm", NULL};
	r->device_cgroup_rules = cubo_strv_dup(rules);
	r->restart_policy = strdup("on-failure");
	r->restart_max = 3;
	r->restart_count = 2;
	r->restarting = true;
	r->stopped_by_user = true;
	char *exposed[] = {"80/tcp", "53/udp", NULL};
	r->exposed = cubo_strv_dup(exposed);
	char *dns_options[] = {"ndots:2", NULL};
	r->dns_options = cubo_strv_dup(dns_options);
	r->pid_mode = strdup("host");
	r->ipc_mode = strdup("container:" ID);
	r->uts_mode = strdup("host");
	r->cgroupns_mode = strdup("private");
	char *blkio[] = {"device-read-bps=/dev/vda:1048576", NULL};
	r->blkio_devices = cubo_strv_dup(blkio);
	r->cgroup_parent = strdup("/mine");
	r->nano_cpus = 1500000000;
	char *dests[] = {"/data", "/anon", NULL};
	r->volume_dests = cubo_strv_dup(dests);
	char *from[] = {"db:ro", NULL};
	r->volumes_from = cubo_strv_dup(from);
	char *volumes[] = {"own", "lent", NULL};
	r->volumes = cubo_strv_dup(volumes);
	char *borrowed[] = {"lent", NULL};
	r->borrowed_volumes = cubo_strv_dup(borrowed);
}

static void test_round_trip(void **state)
{
	struct ctr_record a, b;
	fill(&a);
	char *json;
	size_t len;
	assert_null(ctr_record_to_json(&a, false, &json, &len));
	assert_null(ctr_record_parse(json, len, "state.json", &b));
	assert_string_equal(b.id, ID);
	assert_string_equal(b.name, "web");
	assert_string_equal(b.layers[1], "sha256:l2");
	assert_string_equal(b.ports[0], "0.0.0.0:8080->80/tcp");
	assert_string_equal(b.user, "alice");
	assert_string_equal(b.stop_signal, "SIGQUIT");
	assert_true(b.auto_remove);
	assert_true(b.tty);
	assert_false(b.interactive);
	assert_int_equal(b.status, CTR_EXITED);
	assert_string_equal(b.finished, "2026-11-24T09:00:05Z");
	assert_string_equal(b.started, "");
	assert_int_equal(b.exit_code, 137);
	assert_int_equal(b.monitor_pid, 42);
	assert_int_equal(b.monitor_start_time, 12345678901ull);
	assert_string_equal(b.error, "boom");
	assert_string_equal(b.cgroup_manager, "systemd");
	assert_true(ctr_record_systemd(&b));
	assert_string_equal(b.log_driver, "json-file");
	assert_string_equal(b.log_opts[1], "max-file=2");
	assert_null(b.log_opts[2]);
	assert_true(b.init);
	th_assert_strv(b.tmpfs, "/run", "/scratch:size=1m,exec");
	assert_int_equal(b.shm_size, 1 << 30);
	th_assert_strv(b.group_add, "audio", "1234");
	assert_true(b.privileged);
	th_assert_strv(b.devices, "/dev/null:/dev/n:r", "vendor.com/gpu=all");
	th_assert_strv(b.device_cgroup_rules, "c 10:* rwm");
	assert_string_equal(b.restart_policy, "on-failure");
	assert_int_equal(b.restart_max, 3);
	assert_int_equal(b.restart_count, 2);
	assert_true(b.restarting);
	assert_true(b.stopped_by_user);
	th_assert_strv(b.exposed, "80/tcp", "53/udp");
	th_assert_strv(b.dns_options, "ndots:2");
	assert_string_equal(b.pid_mode, "host");
	assert_string_equal(b.ipc_mode, "container:" ID);
	assert_string_equal(b.uts_mode, "host");
	assert_string_equal(b.cgroupns_mode, "private");
	th_assert_strv(b.blkio_devices, "device-read-bps=/dev/vda:1048576");
	assert_string_equal(b.cgroup_parent, "/mine");
	assert_int_equal(b.nano_cpus, 1500000000);
	th_assert_strv(b.volume_dests, "/data", "/anon");
	th_assert_strv(b.volumes_from, "db:ro");
	assert_true(ctr_record_owns_volume(&b, "own"));
	assert_false(ctr_record_owns_volume(&b, "lent"));
	assert_string_equal(ctr_record_volume_of(&b, "/var/lib/cubo/volumes/lent/_data"), "lent");
	assert_null(ctr_record_volume_of(&b, "/srv/lent/_data"));
	assert_string_equal(ctr_record_state(&b), "restarting");
	b.restarting = false;
	assert_string_equal(ctr_record_state(&b), "exited");
	free(json);
	/* a record of before log drivers: the default driver, no init */
	struct ctr_record c;
	const char old[] = "{\"id\":\"" ID "\",\"status\":\"created\"}";
	assert_null(ctr_record_parse(old, sizeof(old) - 1, "state.json", &c));
	assert_null(c.log_driver);
	assert_null(c.log_opts);
	assert_false(c.init);
	/* and of before --tmpfs, --shm-size, --group-add: none, the default */
	assert_null(c.tmpfs);
	assert_int_equal(c.shm_size, 0);
	assert_null(c.group_add);
	/* and of before --privileged and --device */
	assert_false(c.privileged);
	assert_null(c.devices);
	/* and of before restart policies: none, nothing held */
	assert_null(c.restart_policy);
	assert_false(c.restarting);
	assert_false(c.stopped_by_user);
	ctr_record_free(&c);
	ctr_record_free(&a);
	ctr_record_free(&b);
}

static void expect_parse_err(const char *json, const char *part)
{
	struct ctr_record r;

	th_expect_msg(ctr_record_parse(json, strlen(json), "state.json", &r), part);
}

static void test_bad_records(void **state)
{
	expect_parse_err("{", "state.json");
	expect_parse_err("{\"status\":\"running\"}", "id");
	expect_parse_err("{\"id\":\"xyz\",\"status\":\"running\"}", "64-digit");
	expect_parse_err("{\"id\":\"" ID "\",\"status\":\"dancing\"}", "status");
	expect_parse_err("{\"id\":\"" ID "\",\"status\":\"running\",\"pid\":\"x\"}", "pid");
	expect_parse_err("{\"id\":\"" ID "\",\"status\":\"running\",\"layers\":[1]}", "layers");
	expect_parse_err("{\"id\":\"" ID "\",\"status\":\"running\",\"cgroupManager\":\"x\"}",
			 "cgroupManager");
}

/* --cgroup-manager: the choice, the cgroupsPath it gives, the runtime's flag. */
static void test_cgroup_manager(void **state)
{
	bool sd = true;

	(void)state;
	assert_null(runtime_cgroup_manager(NULL, false, &sd));
	assert_false(sd);
	assert_null(runtime_cgroup_manager(NULL, true, &sd));
	assert_true(sd);
	assert_null(runtime_cgroup_manager("cgroupfs", true, &sd));
	assert_false(sd);
	assert_null(runtime_cgroup_manager("systemd", false, &sd));
	assert_true(sd);
	th_expect_msg(runtime_cgroup_manager("Systemd", true, &sd), "--cgroup-manager Systemd");

	char *p = runtime_cgroups_path(true, NULL, ID);
	assert_string_equal(p, "machine.slice:cubo:" ID);
	free(p);
	p = runtime_cgroups_path(false, NULL, ID);
	assert_string_equal(p, "cubo-" ID);
	free(p);
	/* --cgroup-parent */
	p = runtime_cgroups_path(true, "my.slice", ID);
	assert_string_equal(p, "my.slice:cubo:" ID);
	free(p);
	p = runtime_cgroups_path(false, "/mine/sub", ID);
	assert_string_equal(p, "/mine/sub/cubo-" ID);
	free(p);

	const char *args[] = {"delete", "--force", "x", NULL};
	struct ctr_runtime rt = {.path = "/bin/cubo-runc", .root = "/r", .systemd_cgroup = true};
	char **argv = runtime_argv(&rt, args);
	assert_string_equal(argv[3], "--systemd-cgroup");
	assert_string_equal(argv[4], "delete");
	assert_null(argv[7]);
	free(argv);
	rt.systemd_cgroup = false;
	argv = runtime_argv(&rt, args);
	assert_string_equal(argv[3], "delete");
	assert_null(argv[6]);
	free(argv);
}

/* cubo-mgr exec's code from the runtime's status and its JSON log. */
static void test_exec_code(void **state)
{
	const char *notfound = "{\"level\":\"debug\",\"msg\":\"x\"}\n"
			       "{\"level\":\"error\",\"msg\":\"exec failed: exec: \\\"nosuch\\\": "
			       "executable file not found in $PATH\",\"time\":\"t\"}\n";
	const char *nofile = "{\"level\":\"error\",\"msg\":\"exec x: exec: \\\"/a\\\": No such "
			     "file or directory\"}\n";
	const char *denied = "{\"level\":\"error\",\"msg\":\"exec: \\\"/etc\\\": permission "
			     "denied\"}\n";
	const char *paused = "{\"level\":\"error\",\"msg\":\"cannot exec in a paused container\"}";

	(void)state;
	assert_int_equal(runtime_exec_code(255, notfound), 127);
	assert_int_equal(runtime_exec_code(255, nofile), 127);
	assert_int_equal(runtime_exec_code(255, denied), 126);
	assert_int_equal(runtime_exec_code(255, paused), 126);
	/* the command's own codes pass, 255 among them when nothing failed */
	assert_int_equal(runtime_exec_code(255, NULL), 255);
	assert_int_equal(runtime_exec_code(255, "{\"level\":\"warning\",\"msg\":\"not found\"}"),
			 255);
	assert_int_equal(runtime_exec_code(127, notfound), 127);
	assert_int_equal(runtime_exec_code(3, denied), 3);
	assert_int_equal(runtime_exec_code(0, NULL), 0);
	/* the message of a health check that could not start */
	char *msg = runtime_exec_error(255, notfound);
	assert_string_equal(msg,
			    "exec failed: exec: \"nosuch\": executable file not found in $PATH");
	free(msg);
	msg = runtime_exec_error(255, paused); /* the last line, without its newline */
	assert_string_equal(msg, "cannot exec in a paused container");
	free(msg);
	assert_null(runtime_exec_error(3, notfound));
	assert_null(runtime_exec_error(255, NULL));
	assert_null(runtime_exec_error(255, "{\"level\":\"error\",\"msg\":"));
	/* the last error decides */
	char *both = xasprintf("%s%s", notfound, denied);
	assert_int_equal(runtime_exec_code(255, both), 126);
	free(both);
}

static void test_names_and_ids(void **state)
{
	assert_true(ctr_id_valid(ID));
	assert_false(ctr_id_valid("0123"));
	assert_false(
		ctr_id_valid("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
	struct cubo_error *err;
	assert_null(ctr_name_check("web-1.a_b"));
	assert_non_null(err = ctr_name_check("-web"));
	cubo_error_free(err);
	assert_non_null(err = ctr_name_check("we b"));
	cubo_error_free(err);
	assert_non_null(err = ctr_name_check(""));
	cubo_error_free(err);
	assert_non_null(err = ctr_name_check("../etc"));
	cubo_error_free(err);
}

/* The store: begin, commit under a name, find by name and prefix, refuse a taken name. */
static void test_store(void **state)
{
	char *root = th_tmpdir("ctr-store");
	struct ctr_store s;
	assert_null(ctr_store_open(root, &s));
	char ids[2][CTR_ID_LEN + 1];
	for (int i = 0; i < 2; i++) {
		assert_null(ctr_new_id(ids[i]));
		char *tmp;
		int lock;
		assert_null(ctr_store_begin(&s, ids[i], &tmp, &lock));
		struct ctr_record r;
		fill(&r);
		strcpy(r.id, ids[i]);
		snprintf(r.created, sizeof(r.created), "2026-11-24T09:00:0%dZ", i);
		assert_null(ctr_record_save(tmp, &r));
		struct cubo_error *err = ctr_store_commit(&s, tmp, ids[i], "web", true);
		if (i == 0) {
			assert_null(err);
			cubo_unlock(lock);
		} else {
			assert_non_null(err);
			assert_non_null(strstr(err->msg, "is already in use by container"));
			cubo_error_free(err);
			ctr_store_abort(tmp, lock);
		}
		ctr_record_free(&r);
		free(tmp);
	}
	char got[CTR_ID_LEN + 1];
	assert_null(ctr_store_resolve(&s, "web", got));
	assert_string_equal(got, ids[0]);
	char prefix[8];
	snprintf(prefix, sizeof(prefix), "%.6s", ids[0]);
	assert_null(ctr_store_resolve(&s, prefix, got));
	assert_string_equal(got, ids[0]);
	struct cubo_error *err = ctr_store_resolve(&s, ids[1], got);
	assert_non_null(err); /* the loser's directory is gone */
	cubo_error_free(err);
	assert_non_null(err = ctr_store_resolve(&s, "nosuch", got));
	assert_non_null(strstr(err->msg, "no such container: nosuch"));
	cubo_error_free(err);
	struct ctr_record *v;
	size_t n;
	assert_null(ctr_store_list(&s, &v, &n));
	assert_int_equal(n, 1);
	ctr_records_free(v, n);
	/* a maker killed before commit leaves a temp dir nobody holds: reconciled away */
	char *tmp;
	int lock;
	char other[CTR_ID_LEN + 1];
	assert_null(ctr_new_id(other));
	assert_null(ctr_store_begin(&s, other, &tmp, &lock));
	assert_null(ctr_reconcile_store(&s));
	assert_true(cubo_path_exists(tmp)); /* held: a maker at work */
	cubo_unlock(lock);
	assert_null(ctr_reconcile_store(&s));
	assert_false(cubo_path_exists(tmp));
	free(tmp);

	/* a --rm container: no fsyncs, a mark; what a power cut emptied goes */
	char vol[CTR_ID_LEN + 1];
	assert_null(ctr_new_id(vol));
	assert_null(ctr_store_begin(&s, vol, &tmp, &lock));
	struct ctr_record r;
	fill(&r);
	strcpy(r.id, vol);
	free(r.name);
	r.name = strdup("once"); /* the record names the container as its link does */
	r.auto_remove = true;
	assert_null(ctr_record_write(tmp, &r, false));
	assert_null(ctr_store_commit(&s, tmp, vol, "once", false));
	cubo_unlock(lock);
	free(tmp);
	ctr_record_free(&r);
	char *vdir = ctr_store_dir(&s, vol);
	char *mark = cubo_path_join(vdir, CTR_VOLATILE_MARK);
	char *vstate = cubo_path_join(vdir, "state.json");
	assert_true(cubo_path_exists(mark));
	assert_null(ctr_reconcile_store(&s)); /* intact: kept */
	assert_null(ctr_store_resolve(&s, "once", got));
	assert_string_equal(got, vol);
	assert_int_equal(truncate(vstate, 0), 0);
	assert_null(ctr_reconcile_store(&s));
	assert_false(cubo_path_exists(vdir));
	assert_non_null(err = ctr_store_resolve(&s, "once", got));
	cubo_error_free(err);
	/* a durable record is never dropped for damage: it is reported */
	char *wdir = ctr_store_dir(&s, ids[0]);
	char *wstate = cubo_path_join(wdir, "state.json");
	char *saved;
	size_t saved_len;
	assert_null(cubo_read_file(wstate, &saved, &saved_len));
	assert_int_equal(truncate(wstate, 0), 0);
	assert_null(ctr_reconcile_store(&s));
	assert_true(cubo_path_exists(wstate));
	assert_null(cubo_write_file_atomic(wstate, saved, saved_len, 0600));
	free(saved);
	free(wstate);
	free(wdir);
	free(vstate);
	free(mark);
	free(vdir);
	assert_null(ctr_store_remove(&s, ids[0], "web"));
	assert_non_null(err = ctr_store_resolve(&s, "web", got));
	cubo_error_free(err);
	char *name;
	assert_null(ctr_store_pick_name(&s, &name));
	assert_null(ctr_name_check(name));
	assert_non_null(strchr(name, '_'));
	free(name);
	ctr_store_close(&s);
	th_tmpdir_free(root);
}

/* One container made under name in the store. */
static void make_named(struct ctr_store *s, const char *name, char id[CTR_ID_LEN + 1])
{
	char *tmp;
	int lock;
	assert_null(ctr_new_id(id));
	assert_null(ctr_store_begin(s, id, &tmp, &lock));
	struct ctr_record r;
	fill(&r);
	strcpy(r.id, id);
	free(r.name);
	r.name = strdup(name);
	assert_null(ctr_record_save(tmp, &r));
	assert_null(ctr_store_commit(s, tmp, id, name, true));
	cubo_unlock(lock);
	ctr_record_free(&r);
	free(tmp);
}

/*
 * unlist then remove_dir (a --rm container's monitor): the name is free at
 * once, the directory stays while held; one whose holder died is
 * reconciled away.
 */
static void test_unlist(void **state)
{
	(void)state;
	char *root = th_tmpdir("ctr-unlist");
	struct ctr_store s;
	assert_null(ctr_store_open(root, &s));
	char id[CTR_ID_LEN + 1], again[CTR_ID_LEN + 1], got[CTR_ID_LEN + 1];
	make_named(&s, "gone", id);
	char *dir = ctr_store_dir(&s, id);
	int held;
	assert_null(ctr_store_unlist(&s, id, "gone", &held));
	struct cubo_error *err = ctr_store_resolve(&s, "gone", got);
	assert_non_null(err);
	cubo_error_free(err);
	err = ctr_store_resolve(&s, id, got); /* nor by its ID, while its directory stays */
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "no such container"));
	cubo_error_free(err);
	make_named(&s, "gone", again); /* the name is taken again at once */
	assert_null(ctr_reconcile_store(&s));
	assert_true(cubo_path_exists(dir)); /* held: its monitor is at work */
	assert_null(ctr_store_remove_dir(&s, id, held));
	assert_false(cubo_path_exists(dir));
	/* the holder dies before remove_dir: the next reconciliation finishes it */
	free(dir);
	dir = ctr_store_dir(&s, again);
	assert_null(ctr_store_unlist(&s, again, "gone", &held));
	cubo_unlock(held);
	assert_true(cubo_path_exists(dir));
	assert_null(ctr_reconcile_store(&s));
	assert_false(cubo_path_exists(dir));
	free(dir);
	ctr_store_close(&s);
	th_tmpdir_free(root);
}

/* rename: the record and the links follow; docker's refusals; the old name free (names that are
 * no hex ID prefix, which a name not found would be taken for) */
static void test_rename(void **state)
{
	(void)state;
	char *root = th_tmpdir("ctr-rename");
	struct ctr_store s;
	assert_null(ctr_store_open(root, &s));
	char a[CTR_ID_LEN + 1], b[CTR_ID_LEN + 1], got[CTR_ID_LEN + 1];
	make_named(&s, "one", a);
	make_named(&s, "two", b);
	char *old = NULL;
	assert_null(ctr_store_rename(&s, a, "three", &old));
	assert_string_equal(old, "one");
	free(old);
	assert_null(ctr_store_resolve(&s, "three", got));
	assert_string_equal(got, a);
	struct cubo_error *err = ctr_store_resolve(&s, "one", got);
	th_expect_msg(err, "no such container: one");
	char *dir = ctr_store_dir(&s, a);
	struct ctr_record r;
	assert_null(ctr_record_load(dir, &r));
	assert_string_equal(r.name, "three");
	ctr_record_free(&r);
	th_expect_msg(ctr_store_rename(&s, a, "two", &old), "Conflict. The container name \"two\"");
	assert_null(old);
	th_expect_msg(ctr_store_rename(&s, a, "three", &old), "same name as its current name");
	th_expect_msg(ctr_store_rename(&s, a, "x/y", &old), "invalid container name");
	/* a link a killed rename left (to a container named otherwise) holds no name */
	char *stale = cubo_path_join(s.names_dir, "stale");
	assert_int_equal(symlink(a, stale), 0);
	free(stale);
	th_expect_msg(ctr_store_resolve(&s, "stale", got), "no such container: stale");
	assert_null(ctr_store_rename(&s, b, "stale", &old));
	free(old);
	assert_null(ctr_store_resolve(&s, "stale", got));
	assert_string_equal(got, b);
	free(dir);
	ctr_store_close(&s);
	th_tmpdir_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_cgroup_manager), cmocka_unit_test(test_names_and_ids),
		cmocka_unit_test(test_store),	       cmocka_unit_test(test_exec_code),
		cmocka_unit_test(test_rename),	       cmocka_unit_test(test_unlist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: spec/config_parse.c, spec/config_free.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>

#include <cmocka.h>

#include "spec/config.h"
#include "tests/unit/helpers.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static struct oci_config *load_fixture(const char *name)
{
	struct oci_config *cfg = NULL;
	char *path = th_fixture_path(name);
	struct cubo_error *err = oci_config_load(path, &cfg);

	if (err)
		fail_msg("%s: %s", path, err->msg);
	free(path);
	return cfg;
}

/* Parse json and return the error text (caller frees), or NULL on success. */
static char *parse_error(const char *json)
{
	struct oci_config *cfg = NULL;
	struct cubo_error *err = oci_config_parse(json, strlen(json), "config.json", &cfg);
	char *text;

	if (!err) {
		assert_non_null(cfg);
		oci_config_free(cfg);
		return NULL;
	}
	assert_null(cfg);
	text = cubo_error_text(err);
	cubo_error_free(err);
	return text;
}

static void expect_error(const char *json, const char *want)
{
	char *got = parse_error(json);

	if (!got)
		fail_msg("parsed without error, wanted \"%s\":\n%s", want, json);
	if (strcmp(got, want) != 0)
		fail_msg("got  \"%s\"\nwant \"%s\"\nfor %s", got, want, json);
	free(got);
}

static void test_minimal(void **state)
{
	struct oci_config *cfg = load_fixture("minimal.json");

	assert_string_equal(cfg->oci_version, "1.2.0");
	assert_null(cfg->root);
	assert_null(cfg->process);
	assert_null(cfg->mounts);
	assert_int_equal(cfg->n_mounts, 0);
	assert_null(cfg->hooks);
	assert_null(cfg->linux_);
	assert_null(cfg->hostname);
	assert_int_equal(cfg->annotations.n, 0);
	oci_config_free(cfg);
}

static void test_full_process(void **state)
{
	struct oci_config *cfg = load_fixture("full.json");
	struct oci_process *p = cfg->process;

	assert_non_null(p);
	assert_true(p->terminal);
	assert_int_equal(p->console_size->height, 25);
	assert_int_equal(p->console_size->width, 80);
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 1001);
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.umask, 022);
	assert_int_equal(p->user.n_additional_gids, 3);
	assert_int_equal(p->user.additional_gids[2], UINT32_MAX);
	assert_string_equal(p->user.username, "app");
	assert_int_equal(p->args.n, 3);
	assert_string_equal(p->args.v[2], "echo \"hi\" \\ there");
	assert_null(p->args.v[3]);
	assert_string_equal(p->command_line, "sh -c echo");
	assert_string_equal(p->env.v[2], "UNICODE=h\xc3\xa9llo");
	assert_string_equal(p->cwd, "/home/app");
	assert_int_equal(p->capabilities->bounding.n, 2);
	assert_non_null(p->capabilities->inheritable.v); /* present but empty */
	assert_int_equal(p->capabilities->inheritable.n, 0);
	assert_null(p->capabilities->inheritable.v[0]);
	assert_string_equal(p->capabilities->ambient.v[0], "CAP_KILL");
	assert_int_equal(p->n_rlimits, 3);
	assert_string_equal(p->rlimits[0].type, "RLIMIT_NOFILE");
	assert_int_equal(p->rlimits[0].hard, 1024);
	assert_int_equal(p->rlimits[0].soft, 512);
	assert_true(p->rlimits[1].hard == UINT64_MAX);
	assert_true(p->rlimits[1].soft == UINT64_MAX);
	assert_true(p->rlimits[2].hard == 9223372036854775808ULL);
	assert_true(p->no_new_privileges);
	assert_string_equal(p->apparmor_profile, "cubo-default");
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);
	assert_string_equal(p->scheduler->policy, "SCHED_DEADLINE");
	assert_true(p->scheduler->has_nice);
	assert_int_equal(p->scheduler->nice, -5);
	assert_int_equal(p->scheduler->priority, 3);
	assert_string_equal(p->scheduler->flags.v[0], "SCHED_FLAG_RESET_ON_FORK");
	assert_int_equal(p->scheduler->runtime, 10000000);
	assert_int_equal(p->scheduler->deadline, 20000000);
	assert_int_equal(p->scheduler->period, 30000000);
	assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
	assert_string_equal(p->io_priority->klass, "IOPRIO_CLASS_BE");
	assert_int_equal(p->io_priority->priority, 4);
	assert_string_equal(p->exec_cpu_affinity->initial, "0");
	assert_string_equal(p->exec_cpu_affinity->final, "0-1");
	oci_config_free(cfg);
}

static void test_full_top_level(void **state)
{
	struct oci_config *cfg = load_fixture("full.json");

	assert_string_equal(cfg->root->path, "rootfs");
	assert_true(cfg->root->readonly);
	assert_string_equal(cfg->hostname, "full");
	assert_string_equal(cfg->domainname, "example.org");
	assert_int_equal(cfg->n_mounts, 3);
	assert_string_equal(cfg->mounts[0].destination, "/proc");
	assert_null(cfg->mounts[0].options.v);
	assert_string_equal(cfg->mounts[1].source, "/srv/data");
	assert_string_equal(cfg->mounts[1].type, "bind");
	assert_int_equal(cfg->mounts[1].options.n, 3);
	assert_int_equal(cfg->mounts[1].n_uid_mappings, 1);
	assert_int_equal(cfg->mounts[1].uid_mappings[0].host_id, 100000);
	assert_int_equal(cfg->mounts[1].gid_mappings[0].host_id, 200000);
	assert_int_equal(cfg->mounts[1].gid_mappings[0].size, 65536);
	assert_null(cfg->mounts[2].type);
	assert_non_null(cfg->mounts[2].options.v);
	assert_int_equal(cfg->mounts[2].options.n, 0);

	struct oci_hooks *h = cfg->hooks;
	assert_int_equal(h->prestart.n, 1);
	assert_string_equal(h->prestart.v[0].path, "/bin/true");
	assert_false(h->prestart.v[0].has_timeout);
	assert_true(h->create_runtime.v[0].has_timeout);
	assert_int_equal(h->create_runtime.v[0].timeout, 5);
	assert_string_equal(h->create_runtime.v[0].env.v[0], "A=1");
	assert_string_equal(h->create_container.v[0].args.v[1], "create-container");
	assert_string_equal(h->start_container.v[0].args.v[1], "start-container");
	assert_string_equal(h->poststart.v[0].args.v[1], "poststart");
	assert_int_equal(h->poststop.v[0].timeout, 60);

	assert_int_equal(cfg->annotations.n, 2);
	assert_string_equal(cfg->annotations.v[0].key, "org.example.key");
	assert_string_equal(cfg->annotations.v[0].value, "value");
	assert_string_equal(cfg->annotations.v[1].key, "io.github.cubo.name");
	oci_config_free(cfg);
}

static void test_full_linux(void **state)
{
	struct oci_config *cfg = load_fixture("full.json");
	struct oci_linux *l = cfg->linux_;

	assert_int_equal(l->n_uid_mappings, 1);
	assert_int_equal(l->uid_mappings[0].host_id, 1000);
	assert_int_equal(l->n_gid_mappings, 1);
	assert_int_equal(l->sysctl.n, 2);
	assert_string_equal(l->sysctl.v[0].key, "net.ipv4.ip_forward");
	assert_string_equal(l->sysctl.v[0].value, "1");
	assert_string_equal(l->cgroups_path, "cubo/full");
	assert_int_equal(l->n_namespaces, 8);
	assert_string_equal(l->namespaces[1].type, "network");
	assert_string_equal(l->namespaces[1].path, "/var/run/netns/full");
	assert_null(l->namespaces[0].path);
	assert_true(l->time_offsets->has_monotonic);
	assert_int_equal(l->time_offsets->monotonic.secs, -3600);
	assert_int_equal(l->time_offsets->monotonic.nanosecs, 500);
	assert_int_equal(l->time_offsets->boottime.secs, 86400);
	assert_int_equal(l->n_devices, 2);
	assert_string_equal(l->devices[0].path, "/dev/fuse");
	assert_int_equal(l->devices[0].major, 10);
	assert_int_equal(l->devices[0].minor, 229);
	assert_true(l->devices[0].has_file_mode);
	assert_int_equal(l->devices[0].file_mode, 0666);
	assert_true(l->devices[0].has_uid);
	assert_false(l->devices[1].has_uid);
	assert_false(l->devices[1].has_file_mode);
	assert_string_equal(l->rootfs_propagation, "rslave");
	assert_int_equal(l->masked_paths.n, 2);
	assert_string_equal(l->readonly_paths.v[0], "/proc/sys");
	assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0");
	assert_string_equal(l->intel_rdt->clos_id, "guaranteed_group");
	assert_string_equal(l->intel_rdt->l3_cache_schema, "L3:0=7f0;1=1f");
	assert_string_equal(l->intel_rdt->mem_bw_schema, "MB:0=20;1=70");
	assert_true(l->intel_rdt->enable_cmt);
	assert_true(l->intel_rdt->enable_mbm);
	assert_string_equal(l->personality->domain, "LINUX32");
	assert_string_equal(l->memory_policy->mode, "MPOL_INTERLEAVE");
	assert_string_equal(l->memory_policy->nodes, "0-1");
	assert_string_equal(l->memory_policy->flags.v[0], "MPOL_F_STATIC_NODES");
	assert_int_equal(l->n_net_devices, 2);
	assert_string_equal(l->net_devices[0].host_name, "eth1");
	assert_string_equal(l->net_devices[0].name, "net0");
	assert_string_equal(l->net_devices[1].host_name, "dummy0");
	assert_null(l->net_devices[1].name);

	struct oci_seccomp *s = l->seccomp;
	assert_string_equal(s->default_action, "SCMP_ACT_ERRNO");
	assert_true(s->has_default_errno_ret);
	assert_int_equal(s->default_errno_ret, 1);
	assert_int_equal(s->architectures.n, 2);
	assert_string_equal(s->flags.v[0], "SECCOMP_FILTER_FLAG_LOG");
	assert_string_equal(s->listener_path, "/run/seccomp.sock");
	assert_string_equal(s->listener_metadata, "meta");
	assert_int_equal(s->n_syscalls, 3);
	assert_string_equal(s->syscalls[0].names.v[1], "write");
	assert_int_equal(s->syscalls[1].n_args, 2);
	assert_true(s->syscalls[1].args[0].value == UINT64_MAX);
	assert_false(s->syscalls[1].args[0].has_value_two);
	assert_true(s->syscalls[1].args[1].has_value_two);
	assert_int_equal(s->syscalls[1].args[1].value_two, 8);
	assert_string_equal(s->syscalls[1].args[1].op, "SCMP_CMP_MASKED_EQ");
	assert_true(s->syscalls[2].has_errno_ret);
	assert_int_equal(s->syscalls[2].errno_ret, 38);
	assert_false(s->syscalls[0].has_errno_ret);
	oci_config_free(cfg);
}

static void test_full_resources(void **state)
{
	struct oci_config *cfg = load_fixture("full.json");
	struct oci_resources *r = cfg->linux_->resources;

	assert_int_equal(r->n_devices, 3);
	assert_false(r->devices[0].allow);
	assert_null(r->devices[0].type);
	assert_false(r->devices[0].has_major);
	assert_true(r->devices[1].allow);
	assert_string_equal(r->devices[1].type, "c");
	assert_int_equal(r->devices[1].major, 1);
	assert_int_equal(r->devices[1].minor, 3);
	assert_true(r->devices[2].has_major);
	assert_false(r->devices[2].has_minor);

	assert_int_equal(r->memory->limit, 536870912);
	assert_int_equal(r->memory->swap, -1);
	assert_true(r->memory->has_kernel);
	assert_int_equal(r->memory->kernel, 0);
	assert_int_equal(r->memory->kernel_tcp, 1048576);
	assert_int_equal(r->memory->swappiness, 60);
	assert_true(r->memory->has_disable_oom_killer);
	assert_false(r->memory->disable_oom_killer);
	assert_true(r->memory->use_hierarchy);
	assert_true(r->memory->check_before_update);

	assert_int_equal(r->cpu->shares, 1024);
	assert_int_equal(r->cpu->quota, -1);
	assert_int_equal(r->cpu->burst, 1000);
	assert_int_equal(r->cpu->period, 100000);
	assert_int_equal(r->cpu->realtime_runtime, 950000);
	assert_int_equal(r->cpu->realtime_period, 1000000);
	assert_string_equal(r->cpu->cpus, "0-1");
	assert_string_equal(r->cpu->mems, "0");
	assert_true(r->cpu->has_idle);

	assert_int_equal(r->pids->limit, 32768);

	assert_int_equal(r->block_io->weight, 500);
	assert_int_equal(r->block_io->leaf_weight, 300);
	assert_int_equal(r->block_io->n_weight_device, 2);
	assert_int_equal(r->block_io->weight_device[0].leaf_weight, 200);
	assert_false(r->block_io->weight_device[1].has_leaf_weight);
	assert_int_equal(r->block_io->throttle_read_bps.v[0].rate, 104857600);
	assert_true(r->block_io->throttle_write_bps.v[0].rate == UINT64_MAX);
	assert_int_equal(r->block_io->throttle_read_iops.v[0].rate, 1000);
	assert_non_null(r->block_io->throttle_write_iops.v);
	assert_int_equal(r->block_io->throttle_write_iops.n, 0);

	assert_int_equal(r->n_hugepage_limits, 1);
	assert_string_equal(r->hugepage_limits[0].page_size, "2MB");
	assert_int_equal(r->hugepage_limits[0].limit, 209715200);

	assert_int_equal(r->network->class_id, 1048577);
	assert_int_equal(r->network->n_priorities, 2);
	assert_string_equal(r->network->priorities[1].name, "lo");

	assert_int_equal(r->n_rdma, 2);
	assert_string_equal(r->rdma[0].device, "mlx5_1");
	assert_int_equal(r->rdma[0].hca_handles, 3);
	assert_false(r->rdma[1].has_hca_handles);
	assert_int_equal(r->rdma[1].hca_objects, 1000);

	assert_int_equal(r->unified.n, 2);
	assert_string_equal(r->unified.v[1].key, "io.weight");
	assert_string_equal(r->unified.v[1].value, "default 100");
	oci_config_free(cfg);
}

static void test_unknown_fields_ignored(void **state)
{
	char *err =
		parse_error("{\"ociVersion\": \"1.2.0\", \"future\": {\"x\": [1, 2]},"
			    " \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"newThing\": 1},"
			    " \"linux\": {\"futureDevices\": {\"eth0\": {}}, \"namespaces\": []}}");
	assert_null(err);
}

static void test_null_means_absent(void **state)
{
	struct oci_config *cfg;
	const char *json = "{\"ociVersion\": \"1.2.0\", \"hostname\": null, \"linux\": null}";

	assert_null(oci_config_parse(json, strlen(json), "c", &cfg));
	assert_null(cfg->hostname);
	assert_null(cfg->linux_);
	oci_config_free(cfg);
}

static void test_huge_uint64(void **state)
{
	struct oci_config *cfg;
	const char *json =
		"{\"ociVersion\": \"1.2.0\", \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"],"
		" \"rlimits\": [{\"type\": \"RLIMIT_AS\", \"hard\": 18446744073709551615,"
		" \"soft\": 9223372036854775807}]}}";

	assert_null(oci_config_parse(json, strlen(json), "c", &cfg));
	assert_true(cfg->process->rlimits[0].hard == 18446744073709551615ULL);
	assert_true(cfg->process->rlimits[0].soft == 9223372036854775807ULL);
	oci_config_free(cfg);

	expect_error("{\"ociVersion\": \"1\", \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"],"
		     " \"rlimits\": [{\"type\": \"RLIMIT_AS\", \"hard\": 18446744073709551616,"
		     " \"soft\": 1}]}}",
		     "config.json: process.rlimits[0].hard: unsigned integer "
		     "18446744073709551616 out of range");
	expect_error("{\"ociVersion\": \"1\", \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"],"
		     " \"rlimits\": [{\"type\": \"RLIMIT_AS\", \"hard\": -1, \"soft\": 1}]}}",
		     "config.json: process.rlimits[0].hard: expected unsigned integer, got -1");
	expect_error("{\"ociVersion\": \"1\", \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"],"
		     " \"rlimits\": [{\"type\": \"RLIMIT_AS\", \"hard\": 1.5, \"soft\": 1}]}}",
		     "config.json: process.rlimits[0].hard: expected unsigned integer, got "
		     "number 1.5");
}

#define PROC(inner) "{\"ociVersion\": \"1.2.0\", \"process\": {" inner "}}"
#define PROC_OK(inner) PROC("\"cwd\": \"/\", \"args\": [\"sh\"], " inner)
#define LINUX(inner) "{\"ociVersion\": \"1.2.0\", \"linux\": {" inner "}}"

static void test_required_fields(void **state)
{
	expect_error("{}", "config.json: ociVersion: missing required field");
	expect_error("{\"ociVersion\": \"1.2.0\", \"root\": {\"readonly\": true}}",
		     "config.json: root.path: missing required field");
	expect_error(PROC("\"args\": [\"sh\"]"),
		     "config.json: process.cwd: missing required field");
	expect_error(PROC("\"cwd\": \"/\""), "config.json: process.args: missing required field");
	expect_error(PROC("\"cwd\": \"/\", \"args\": []"),
		     "config.json: process.args: must have at least one entry");
	expect_error("{\"ociVersion\": \"1\", \"mounts\": [{\"destination\": \"/a\"}, "
		     "{\"source\": \"x\"}]}",
		     "config.json: mounts[1].destination: missing required field");
	expect_error("{\"ociVersion\": \"1\", \"hooks\": {\"poststop\": [{\"args\": []}]}}",
		     "config.json: hooks.poststop[0].path: missing required field");
	expect_error(
		"{\"ociVersion\": \"1\", \"hooks\": {\"createRuntime\": [{\"path\": \"/a\"},"
		" {\"path\": \"/b\", \"timeout\": 0}]}}",
		"config.json: hooks.createRuntime[1].timeout: must be greater than zero, got 0");
	expect_error(LINUX("\"namespaces\": [{\"path\": \"/proc/1/ns/pid\"}]"),
		     "config.json: linux.namespaces[0].type: missing required field");
	expect_error(PROC_OK("\"rlimits\": [{\"hard\": 1, \"soft\": 1}]"),
		     "config.json: process.rlimits[0].type: missing required field");
	expect_error(LINUX("\"devices\": [{\"type\": \"c\", \"major\": 1, \"minor\": 3}]"),
		     "config.json: linux.devices[0].path: missing required field");
	expect_error(LINUX("\"devices\": [{\"path\": \"/dev/null\"}]"),
		     "config.json: linux.devices[0].type: missing required field");
	expect_error(LINUX("\"resources\": {\"devices\": [{\"access\": \"rwm\"}]}"),
		     "config.json: linux.resources.devices[0].allow: missing required field");
	expect_error(LINUX("\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\":"
			   " [{\"action\": \"SCMP_ACT_ERRNO\"}]}"),
		     "config.json: linux.seccomp.syscalls[0].names: missing required field");
	expect_error(LINUX("\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\":"
			   " [{\"names\": [\"read\"]}]}"),
		     "config.json: linux.seccomp.syscalls[0].action: missing required field");
	expect_error(LINUX("\"seccomp\": {}"),
		     "config.json: linux.seccomp.defaultAction: missing required field");
	expect_error(LINUX("\"uidMappings\": [{\"containerID\": 0, \"size\": 1}]"),
		     "config.json: linux.uidMappings[0].hostID: missing required field");
}

static void test_wrong_types(void **state)
{
	expect_error("[]", "config.json: expected object, got array");
	expect_error("{\"ociVersion\": 1}", "config.json: ociVersion: expected string, got number");
	expect_error(
		PROC_OK("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 1},"
			" {\"type\": \"RLIMIT_CORE\", \"hard\": 1, \"soft\": 1},"
			" {\"type\": \"RLIMIT_AS\", \"hard\": \"lots\", \"soft\": 1}]"),
		"config.json: process.rlimits[2].hard: expected unsigned integer, got string");
	expect_error(PROC_OK("\"terminal\": \"yes\""),
		     "config.json: process.terminal: expected boolean, got string");
	expect_error(PROC("\"cwd\": \"/\", \"args\": [\"sh\", 3]"),
		     "config.json: process.args[1]: expected string, got number");
	expect_error(PROC_OK("\"user\": {\"uid\": 4294967296}"),
		     "config.json: process.user.uid: 4294967296 out of range [0, 4294967295]");
	expect_error(PROC_OK("\"user\": {\"additionalGids\": [1, \"2\"]}"),
		     "config.json: process.user.additionalGids[1]: expected unsigned integer, got "
		     "string");
	expect_error(PROC_OK("\"capabilities\": {\"bounding\": \"CAP_KILL\"}"),
		     "config.json: process.capabilities.bounding: expected array of strings, got "
		     "string");
	expect_error(PROC_OK("\"oomScoreAdj\": 1.5"),
		     "config.json: process.oomScoreAdj: expected integer, got number 1.5");
	expect_error("{\"ociVersion\": \"1\", \"mounts\": {}}",
		     "config.json: mounts: expected array, got object");
	expect_error("{\"ociVersion\": \"1\", \"mounts\": [\"/proc\"]}",
		     "config.json: mounts[0]: expected object, got string");
	expect_error("{\"ociVersion\": \"1\", \"annotations\": {\"org.a.b\": 1}}",
		     "config.json: annotations[\"org.a.b\"]: expected string, got number");
	expect_error(LINUX("\"resources\": {\"memory\": {\"limit\": true}}"),
		     "config.json: linux.resources.memory.limit: expected integer, got boolean");
	expect_error(LINUX("\"resources\": {\"blockIO\": {\"weight\": 70000}}"),
		     "config.json: linux.resources.blockIO.weight: 70000 out of range [0, 65535]");
	expect_error(LINUX("\"resources\": {\"rdma\": {\"mlx\": {\"hcaHandles\": -1}}}"),
		     "config.json: linux.resources.rdma.mlx.hcaHandles: expected unsigned "
		     "integer, got -1");
	expect_error(
		LINUX("\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\":"
		      " [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\","
		      " \"args\": [{\"index\": 0, \"value\": \"1\", \"op\": \"SCMP_CMP_EQ\"}]}]}"),
		"config.json: linux.seccomp.syscalls[0].args[0].value: expected unsigned "
		"integer, got string");
	expect_error(LINUX("\"netDevices\": {\"eth0\": \"eth1\"}"),
		     "config.json: linux.netDevices.eth0: expected object, got string");
	expect_error(LINUX("\"sysctl\": []"),
		     "config.json: linux.sysctl: expected object, got array");
	expect_error(LINUX("\"timeOffsets\": {\"monotonic\": {\"secs\": \"1\"}}"),
		     "config.json: linux.timeOffsets.monotonic.secs: expected integer, got string");
}

static void test_namespace_checks(void **state)
{
	expect_error(LINUX("\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"},"
			   " {\"type\": \"uts\"}, {\"type\": \"foo\"}]"),
		     "config.json: linux.namespaces[3].type: unknown namespace type \"foo\"");
	expect_error(LINUX("\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"},"
			   " {\"type\": \"pid\", \"path\": \"/proc/1/ns/pid\"}]"),
		     "config.json: linux.namespaces[2].type: duplicate namespace type \"pid\" "
		     "(also at index 0)");
}

static void test_process_checks(void **state)
{
	expect_error(PROC("\"cwd\": \"home\", \"args\": [\"sh\"]"),
		     "config.json: process.cwd: \"home\" is not an absolute path");
	expect_error(PROC_OK("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024,"
			     " \"soft\": 2048}]"),
		     "config.json: process.rlimits[0]: RLIMIT_NOFILE: soft limit 2048 is above "
		     "the hard limit 1024");
	expect_error(
		PROC_OK("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 1},"
			" {\"type\": \"RLIMIT_NOFILE\", \"hard\": 2, \"soft\": 2}]"),
		"config.json: process.rlimits[1]: duplicate rlimit type RLIMIT_NOFILE");
	/* Host policy is not checked here: a huge hard limit parses. */
	assert_null(parse_error(PROC_OK("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\","
					" \"hard\": 18446744073709551615, \"soft\": 1}]")));
}

static void test_invalid_json(void **state)
{
	expect_error("{\n  \"ociVersion\": \"1.2.0\",\n  \"hostname\": x\n}",
		     "config.json: invalid JSON at line 3, column 15 (byte 41): lexical error: "
		     "invalid char in json text.");
	expect_error("{\"ociVersion\": \"1.2.0\",",
		     "config.json: invalid JSON at line 1, column 24 (byte 23): parse error: "
		     "premature EOF");
	expect_error("", "config.json: invalid JSON at line 1, column 1 (byte 0): parse error: "
			 "premature EOF");
	expect_error("{} {}", "config.json: invalid JSON at line 1, column 4 (byte 3): parse "
			      "error: trailing garbage");
}

static void test_load_missing_file(void **state)
{
	struct oci_config *cfg = (void *)1;
	struct cubo_error *err = oci_config_load("/nonexistent/config.json", &cfg);

	assert_non_null(err);
	assert_null(cfg);
	assert_non_null(strstr(err->msg, "/nonexistent/config.json"));
	cubo_error_free(err);
}

static void test_load_names_file_in_errors(void **state)
{
	const char *json = "{\"ociVersion\": \"1\", \"hostname\": 7}";
	char *path = th_tmpfile("config", json, strlen(json));
	struct oci_config *cfg;
	struct cubo_error *err;
	char *want;

	err = oci_config_load(path, &cfg);
	unlink(path);
	assert_non_null(err);
	assert_true(asprintf(&want, "%s: hostname: expected string, got number", path) > 0);
	assert_string_equal(err->msg, want);
	free(want);
	free(path);
	cubo_error_free(err);
}

static void test_namespace_flag(void **state)
{
	assert_int_equal(oci_namespace_flag("pid"), CLONE_NEWPID);
	assert_int_equal(oci_namespace_flag("network"), CLONE_NEWNET);
	assert_int_equal(oci_namespace_flag("mount"), CLONE_NEWNS);
	assert_int_equal(oci_namespace_flag("ipc"), CLONE_NEWIPC);
	assert_int_equal(oci_namespace_flag("uts"), CLONE_NEWUTS);
	assert_int_equal(oci_namespace_flag("user"), CLONE_NEWUSER);
	assert_int_equal(oci_namespace_flag("cgroup"), CLONE_NEWCGROUP);
	assert_int_equal(oci_namespace_flag("time"), CLONE_NEWTIME);
	assert_int_equal(oci_namespace_flag("net"), 0);
	assert_int_equal(oci_namespace_flag(""), 0);
	assert_int_equal(oci_namespace_flag(NULL), 0);
}

/* `exec --process FILE` and `update -r FILE` parse one object each. */
static void test_process_and_resources_alone(void **state)
{
	static const char proc[] = "{\"args\":[\"sh\",\"-c\",\"id\"],\"cwd\":\"/tmp\","
				   "\"env\":[\"A=1\"],\"user\":{\"uid\":7,\"gid\":8}}";
	static const char res[] = "{\"memory\":{\"limit\":1048576},\"pids\":{\"limit\":9}}";
	struct oci_process *p;
	struct oci_resources *r;
	struct cubo_error *err;

	assert_null(oci_process_parse(proc, sizeof(proc) - 1, "process.json", &p));
	assert_int_equal(p->args.n, 3);
	assert_string_equal(p->cwd, "/tmp");
	assert_int_equal(p->user.uid, 7);
	assert_int_equal(p->user.gid, 8);
	oci_process_free(p);

	static const char rel[] = "{\"args\":[\"x\"],\"cwd\":\"rel\"}";
	err = oci_process_parse(rel, sizeof(rel) - 1, "process.json", &p);
	assert_non_null(err);
	assert_null(p);
	assert_non_null(strstr(err->msg, "process.json"));
	assert_non_null(strstr(err->msg, "cwd"));
	cubo_error_free(err);
	th_expect_failure(oci_process_parse("[1]", 3, "process.json", &p));

	assert_null(oci_resources_parse(res, sizeof(res) - 1, "update.json", &r));
	assert_true(r->memory && r->memory->has_limit);
	assert_int_equal(r->memory->limit, 1048576);
	assert_int_equal(r->pids->limit, 9);
	oci_resources_free(r);
	static const char bad[] = "{\"pids\":{\"limit\":\"x\"}}";
	th_expect_msg(oci_resources_parse(bad, sizeof(bad) - 1, "update.json", &r), "pids.limit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full_process),
		cmocka_unit_test(test_full_top_level),
		cmocka_unit_test(test_full_linux),
		cmocka_unit_test(test_full_resources),
		cmocka_unit_test(test_unknown_fields_ignored),
		cmocka_unit_test(test_null_means_absent),
		cmocka_unit_test(test_huge_uint64),
		cmocka_unit_test(test_required_fields),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_namespace_checks),
		cmocka_unit_test(test_process_checks),
		cmocka_unit_test(test_invalid_json),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_names_file_in_errors),
		cmocka_unit_test(test_namespace_flag),
		cmocka_unit_test(test_process_and_resources_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

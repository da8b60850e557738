/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/bundle.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/container/bundle.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct oci_image_config *image(const char *json)
{
	struct oci_image_config *c;
	assert_null(oci_image_config_parse(json, strlen(json), "config", &c));
	return c;
}

static const char img_json[] =
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
	"\"diff_ids\":[]},\"config\":{\"Env\":[\"PATH=/usr/bin:/bin\",\"LANG=C\"],"
	"\"Entrypoint\":[\"/entry\"],\"Cmd\":[\"serve\",\"--port\",\"80\"],"
	"\"WorkingDir\":\"/app\",\"User\":\"app\"}}";

static struct oci_config *build(const struct oci_image_config *img, struct ctr_opts *o)
{
	char *sources[8] = {NULL};
	for (size_t i = 0; i < o->n_volumes; i++)
		sources[i] = o->volumes[i].source ? o->volumes[i].source : "/vol/data";
	struct bundle_input in = {
		.id = ID, .image = img, .opts = o, .volume_sources = sources, .etc_dir = "/ctr"};
	struct oci_config *cfg;
	assert_null(bundle_build(&in, &cfg));
	/* whatever it builds, the runtime's parser takes it back */
	char *json;
	size_t len;
	assert_null(oci_config_to_json(cfg, false, &json, &len));
	struct oci_config *again;
	assert_null(oci_config_parse(json, len, "config.json", &again));
	oci_config_free(again);
	free(json);
	return cfg;
}

static const struct oci_mount *find_mount(const struct oci_config *c, const char *dest)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (!strcmp(c->mounts[i].destination, dest))
			return &c->mounts[i];
	return NULL;
}

static void test_image_defaults(void **state)
{
	struct oci_image_config *img = image(img_json);
	struct ctr_opts o = {0};
	struct oci_config *c = build(img, &o);
	char **a = c->process->args.v;
	assert_int_equal(c->process->args.n, 4);
	assert_string_equal(a[0], "/entry");
	assert_string_equal(a[3], "80");
	assert_string_equal(c->process->cwd, "/app");
	assert_string_equal(c->hostname, "0123456789ab");
	assert_string_equal(cubo_strv_env_get(c->process->env.v, "PATH"), "/usr/bin:/bin");
	assert_string_equal(cubo_strv_env_get(c->process->env.v, "HOSTNAME"), "0123456789ab");
	assert_null(cubo_strv_env_get(c->process->env.v, "TERM"));
	assert_false(c->process->terminal);
	assert_false(c->root->readonly);
	assert_string_equal(c->linux_->cgroups_path, "cubo-" ID);
	/* docker's 14 default capabilities, docker's masked paths, a seccomp profile */
	assert_int_equal(c->process->capabilities->bounding.n, 14);
	assert_true(cubo_strv_contains(c->process->capabilities->bounding.v, "CAP_NET_RAW"));
	assert_false(cubo_strv_contains(c->process->capabilities->bounding.v, "CAP_SYS_ADMIN"));
	assert_true(cubo_strv_contains(c->linux_->masked_paths.v, "/proc/kcore"));
	assert_true(cubo_strv_contains(c->linux_->readonly_paths.v, "/proc/sys"));
	assert_non_null(c->linux_->seccomp);
	assert_int_equal(c->linux_->n_namespaces, 6);
	const struct oci_mount *hosts = find_mount(c, "/etc/hosts");
	assert_non_null(hosts);
	assert_string_equal(hosts->source, "/ctr/hosts");
	assert_null(c->linux_->resources->memory);
	oci_config_free(c);
	oci_image_config_free(img);
}

static void test_flags(void **state)
{
	struct oci_image_config *img = image(img_json);
	char *env[] = {"LANG=fr", "NEW=1", NULL};
	char *cmd[] = {"sh", "-c", "true", NULL};
	char *drop[] = {"CAP_NET_RAW", NULL};
	char *add[] = {"CAP_SYS_ADMIN", NULL};
	struct ctr_volume_spec vols[] = {{.source = "/srv", .dest = "/data", .readonly = true},
					 {.source = "named", .dest = "/n", .named = true}};
	struct ctr_opts o = {.env = env,
			     .cmd = cmd,
			     .workdir = "/w",
			     .tty = true,
			     .read_only = true,
			     .memory = 64 << 20,
			     .cpu_quota = 50000,
			     .cpu_period = 100000,
			     .pids_limit = 100,
			     .cap_drop = drop,
			     .cap_add = add,
			     .hostname = "box",
			     .network = "host",
			     .volumes = vols,
			     .n_volumes = 2,
			     .no_new_privileges = true};
	struct oci_config *c = build(img, &o);
	/* the command replaces CMD, the entrypoint stays */
	assert_int_equal(c->process->args.n, 4);
	assert_string_equal(c->process->args.v[0], "/entry");
	assert_string_equal(c->process->args.v[1], "sh");
	assert_string_equal(c->process->cwd, "/w");
	assert_string_equal(cubo_strv_env_get(c->process->env.v, "LANG"), "fr");
	assert_string_equal(cubo_strv_env_get(c->process->env.v, "NEW"), "1");
	assert_string_equal(cubo_strv_env_get(c->process->env.v, "TERM"), "xterm");
	assert_string_equal(cubo_strv_env_get(c->process->env.v, "HOSTNAME"), "box");
	assert_true(c->process->terminal);
	assert_true(c->process->no_new_privileges);
	assert_true(c->root->readonly);
	assert_string_equal(c->hostname, "box");
	assert_int_equal(c->linux_->resources->memory->limit, 64 << 20);
	assert_int_equal(c->linux_->resources->cpu->quota, 50000);
	assert_int_equal(c->linux_->resources->pids->limit, 100);
	assert_false(cubo_strv_contains(c->process->capabilities->bounding.v, "CAP_NET_RAW"));
	assert_true(cubo_strv_contains(c->process->capabilities->bounding.v, "CAP_SYS_ADMIN"));
	/* host network: no network namespace */
	for (size_t i = 0; i < c->linux_->n_namespaces; i++)
		assert_string_not_equal(c->linux_->namespaces[i].type, "network");
	const struct oci_mount *m = find_mount(c, "/data");
	assert_non_null(m);
	assert_string_equal(m->source, "/srv");
	assert_true(cubo_strv_contains(m->options.v, "ro"));
	m = find_mount(c, "/n");
	assert_string_equal(m->source, "named");
	assert_false(cubo_strv_contains(m->options.v, "ro"));
	oci_config_free(c);

	/* --entrypoint drops the image's CMD too; "" clears it */
	struct ctr_opts e = {.has_entrypoint = true, .entrypoint = (char *[]){"/bin/echo", NULL}};
	c = build(img, &e);
	assert_int_equal(c->process->args.n, 1);
	assert_string_equal(c->process->args.v[0], "/bin/echo");
	oci_config_free(c);
	struct ctr_opts all = {.cap_drop = (char *[]){"ALL", NULL},
			       .cap_add = (char *[]){"CAP_CHOWN", NULL},
			       .seccomp_unconfined = true};
	c = build(img, &all);
	assert_int_equal(c->process->capabilities->bounding.n, 1);
	assert_null(c->linux_->seccomp);
	oci_config_free(c);
	oci_image_config_free(img);
}

/* --init: the init first, bound read-only from the host, the command after "--" */
static void test_init(void **state)
{
	struct oci_image_config *img = image(img_json);
	struct ctr_opts o = {.init_path = "/usr/libexec/cubo/cubo-init"};
	struct oci_config *c = build(img, &o);
	assert_int_equal(c->process->args.n, 6);
	assert_string_equal(c->process->args.v[0], BUNDLE_INIT_DEST);
	assert_string_equal(c->process->args.v[1], "--");
	assert_string_equal(c->process->args.v[2], "/entry");
	assert_string_equal(c->process->args.v[5], "80");
	const struct oci_mount *m = find_mount(c, BUNDLE_INIT_DEST);
	assert_non_null(m);
	assert_string_equal(m->source, "/usr/libexec/cubo/cubo-init");
	assert_string_equal(m->type, "bind");
	assert_true(cubo_strv_contains(m->options.v, "ro"));
	oci_config_free(c);
	/* without it: neither */
	struct ctr_opts none = {0};
	c = build(img, &none);
	assert_string_equal(c->process->args.v[0], "/entry");
	assert_null(find_mount(c, BUNDLE_INIT_DEST));
	oci_config_free(c);
	oci_image_config_free(img);
}

static void test_errors(void **state)
{
	struct oci_image_config *img = image(
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
		"\"diff_ids\":[]},\"config\":{\"WorkingDir\":\"rel\"}}");
	struct ctr_opts o = {0};
	struct bundle_input in = {.id = ID, .image = img, .opts = &o};
	struct oci_config *c;
	struct cubo_error *err = bundle_build(&in, &c);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "no command specified"));
	cubo_error_free(err);
	o.cmd = (char *[]){"true", NULL};
	th_expect_msg(bundle_build(&in, &c), "absolute");
	oci_image_config_free(img);
}

static void test_apply_user(void **state)
{
	struct oci_image_config *img = image(img_json);
	struct ctr_opts o = {0};
	struct oci_config *c = build(img, &o);
	uint32_t groups[] = {50, 100};
	struct ctr_user u = {
		.uid = 1000, .gid = 1000, .groups = groups, .n_groups = 2, .home = "/home/app"};
	assert_true(bundle_apply_user(c, &u));
	assert_int_equal(c->process->user.uid, 1000);
	assert_int_equal(c->process->user.n_additional_gids, 2);
	assert_int_equal(c->process->user.additional_gids[1], 100);
	assert_string_equal(cubo_strv_env_get(c->process->env.v, "HOME"), "/home/app");
	/* a HOME given already wins */
	u.home = "/elsewhere";
	assert_false(bundle_apply_user(c, &u)); /* nothing changed: nothing to write */
	assert_string_equal(cubo_strv_env_get(c->process->env.v, "HOME"), "/home/app");
	u.gid = 7;
	assert_true(bundle_apply_user(c, &u));
	assert_int_equal(c->process->user.gid, 7);
	oci_config_free(c);
	oci_image_config_free(img);
}

/*
 * Without the newer flags (--tmpfs, --shm-size, --sysctl, --cpuset-*, -c,
 * --memory-swap, --memory-reservation, --oom-score-adj) config.json stays
 * byte for byte what it was before they came: the fixture pins it.
 */
static void pin_json(const struct oci_image_config *img, struct ctr_opts *o, const char *fixture)
{
	struct oci_config *c = build(img, o);
	char *json;
	size_t len;
	assert_null(oci_config_to_json(c, true, &json, &len));
	char *path = th_fixture_path(fixture);
	size_t want_len;
	char *want = th_read_file(path, &want_len);
	assert_int_equal(len, want_len);
	assert_memory_equal(json, want, len);
	free(want);
	free(path);
	free(json);
	oci_config_free(c);
}

static void test_pinned_json(void **state)
{
	struct oci_image_config *img = image(img_json);
	struct ctr_opts none = {0};
	pin_json(img, &none, "bundle-default.json");
	char *cmd[] = {"sh", "-c", "true", NULL};
	struct ctr_ulimit ul[] = {{.type = "RLIMIT_NOFILE", .soft = 100, .hard = 200}};
	struct ctr_opts some = {.cmd = cmd,
				.memory = 64 << 20,
				.cpu_quota = 50000,
				.cpu_period = 100000,
				.pids_limit = 100,
				.network = "none",
				.ulimits = ul,
				.n_ulimits = 1};
	pin_json(img, &some, "bundle-flags.json");
	oci_image_config_free(img);
}

/* --tmpfs, --shm-size, --sysctl, --cpuset-*, -c, --memory-swap/-reservation, --oom-score-adj */
static void test_resource_flags(void **state)
{
	struct oci_image_config *img = image(img_json);
	struct ctr_tmpfs tmpfs[] = {
		{.dest = "/run", .options = (char *[]){"rw", "noexec", "size=1024", NULL}}};
	char *sysctls[] = {"net.core.somaxconn=100", "kernel.shmmni=10", "net.core.somaxconn=200",
			   NULL};
	struct ctr_opts o = {.tmpfs = tmpfs,
			     .n_tmpfs = 1,
			     .shm_size = 1 << 20,
			     .sysctls = sysctls,
			     .cpuset_cpus = "0-1",
			     .cpuset_mems = "0",
			     .cpu_shares = 512,
			     .memory = 64 << 20,
			     .memory_swap = -1,
			     .memory_reservation = 32 << 20,
			     .has_oom_score_adj = true,
			     .oom_score_adj = -500};
	struct oci_config *c = build(img, &o);
	const struct oci_mount *m = find_mount(c, "/run");
	assert_non_null(m);
	assert_string_equal(m->type, "tmpfs");
	th_assert_strv(m->options.v, "rw", "noexec", "size=1024");
	m = find_mount(c, "/dev/shm");
	th_assert_strv(m->options.v, "nosuid", "noexec", "nodev", "mode=1777", "size=1048576");
	/* the last value of a key wins, at its first place */
	const struct oci_map *sc = &c->linux_->sysctl;
	assert_int_equal(sc->n, 2);
	assert_string_equal(sc->v[0].key, "net.core.somaxconn");
	assert_string_equal(sc->v[0].value, "200");
	assert_string_equal(sc->v[1].key, "kernel.shmmni");
	assert_string_equal(sc->v[1].value, "10");
	const struct oci_resources *r = c->linux_->resources;
	assert_string_equal(r->cpu->cpus, "0-1");
	assert_string_equal(r->cpu->mems, "0");
	assert_true(r->cpu->has_shares);
	assert_int_equal(r->cpu->shares, 512);
	assert_false(r->cpu->has_quota);
	assert_int_equal(r->memory->limit, 64 << 20);
	assert_true(r->memory->has_swap);
	assert_int_equal(r->memory->swap, -1);
	assert_true(r->memory->has_reservation);
	assert_int_equal(r->memory->reservation, 32 << 20);
	assert_true(c->process->has_oom_score_adj);
	assert_int_equal(c->process->oom_score_adj, -500);
	oci_config_free(c);

	/* a reservation alone, an oom_score_adj of 0: both still written */
	struct ctr_opts lone = {.memory_reservation = 8 << 20, .has_oom_score_adj = true};
	c = build(img, &lone);
	assert_false(c->linux_->resources->memory->has_limit);
	assert_false(c->linux_->resources->memory->has_swap);
	assert_int_equal(c->linux_->resources->memory->reservation, 8 << 20);
	assert_null(c->linux_->resources->cpu);
	assert_true(c->process->has_oom_score_adj);
	assert_int_equal(c->process->oom_score_adj, 0);
	oci_config_free(c);
	oci_image_config_free(img);
}

static bool has_opt(const struct oci_mount *m, const char *opt)
{
	return cubo_strv_contains(m->options.v, opt);
}

static void test_mount_options(void **state)
{
	struct oci_image_config *img = image(img_json);
	struct ctr_volume_spec vols[] = {
		{.source = "/srv", .dest = "/a", .nonrecursive = true, .propagation = "rshared"},
		{.source = "/srv", .dest = "/b", .readonly = true}};
	struct ctr_opts o = {.volumes = vols, .n_volumes = 2};
	struct oci_config *c = build(img, &o);
	const struct oci_mount *a = find_mount(c, "/a"), *b = find_mount(c, "/b");
	assert_true(has_opt(a, "bind") && has_opt(a, "rshared") && !has_opt(a, "rbind"));
	assert_false(has_opt(a, "ro") || has_opt(a, "rprivate"));
	assert_true(has_opt(b, "rbind") && has_opt(b, "rprivate") && has_opt(b, "ro"));
	assert_false(has_opt(b, "rro"));
	oci_config_free(c);
	/* bind-recursive=readonly asks for it whatever the kernel; writable never */
	vols[1].ro_recursive = true;
	c = build(img, &o);
	assert_true(has_opt(find_mount(c, "/b"), "rro"));
	oci_config_free(c);
	vols[1].ro_recursive = false;
	vols[1].ro_top_only = true;
	c = build(img, &o);
	assert_false(has_opt(find_mount(c, "/b"), "rro"));
	oci_config_free(c);
	oci_image_config_free(img);
}

static void test_privileged_devices(void **state)
{
	struct oci_image_config *img = image(img_json);
	struct ctr_device devs[] = {{.path = "/dev/x",
				     .type = 'c',
				     .major = 1,
				     .minor = 3,
				     .mode = 0666,
				     .access = "r"},
				    {.path = "/dev/y",
				     .type = 'b',
				     .major = 8,
				     .minor = 0,
				     .mode = 0660,
				     .access = "rw"},
				    {.path = "/dev/x",
				     .type = 'c',
				     .major = 1,
				     .minor = 5,
				     .mode = 0600,
				     .access = "rwm"}};
	struct oci_device_cgroup rule = {.allow = true, .type = "c", .major = 10, .access = "m"};
	char *caps[] = {"CAP_CHOWN", "CAP_SYS_ADMIN", NULL};
	struct ctr_opts o = {.devices = {devs, 3}, .cgroup_rules = &rule, .n_cgroup_rules = 1};
	struct oci_config *c = build(img, &o);
	struct oci_linux *l = c->linux_;
	/* the later /dev/x wins */
	assert_int_equal(l->n_devices, 2);
	assert_string_equal(l->devices[0].path, "/dev/y");
	assert_string_equal(l->devices[1].path, "/dev/x");
	assert_int_equal(l->devices[1].minor, 5);
	assert_int_equal(l->devices[1].file_mode, 0600);
	struct oci_resources *r = l->resources;
	assert_int_equal(r->n_devices, 4); /* deny all, two nodes, the rule */
	assert_false(r->devices[0].allow);
	assert_string_equal(r->devices[1].access, "rw");
	assert_string_equal(r->devices[1].type, "b");
	assert_string_equal(r->devices[3].access, "m");
	assert_false(r->devices[3].has_major);
	assert_non_null(l->seccomp);
	assert_true(l->masked_paths.n > 0);
	assert_true(has_opt(find_mount(c, "/sys"), "ro"));
	oci_config_free(c);
	/* --privileged: the caps given, no seccomp, no masked paths, /sys rw, every device */
	o = (struct ctr_opts){.privileged = true, .privileged_caps = caps};
	o.cap_drop = (char *[]){"CAP_CHOWN", NULL};
	c = build(img, &o);
	l = c->linux_;
	assert_null(l->seccomp);
	assert_int_equal(l->masked_paths.n, 0);
	assert_int_equal(l->readonly_paths.n, 0);
	assert_false(has_opt(find_mount(c, "/sys"), "ro"));
	assert_false(has_opt(find_mount(c, "/sys/fs/cgroup"), "ro"));
	assert_int_equal(c->process->capabilities->effective.n, 2);
	assert_string_equal(c->process->capabilities->bounding.v[1], "CAP_SYS_ADMIN");
	assert_int_equal(l->resources->n_devices, 2);
	assert_true(l->resources->devices[1].allow);
	assert_null(l->resources->devices[1].type);
	assert_false(c->process->no_new_privileges);
	oci_config_free(c);
	oci_image_config_free(img);
}

/* The later run flags: annotations, names, namespace modes, blkio, cgroup parent. */
static bool has_ns(const struct oci_config *c, const char *type, const char **path)
{
	for (size_t i = 0; i < c->linux_->n_namespaces; i++)
		if (!strcmp(c->linux_->namespaces[i].type, type)) {
			if (path)
				*path = c->linux_->namespaces[i].path;
			return true;
		}
	return false;
}

static void test_later_run_flags(void **state)
{
	struct oci_image_config *img = image(img_json);
	char *annotations[] = {"org.a=1", "org.b=x=y", "org.a=2", NULL};
	struct blkio_dev rbps = {.path = "/dev/vda", .value = 1 << 20, .major = 254, .minor = 0};
	struct blkio_dev weight = {.path = "/dev/vda", .value = 300, .major = 254, .minor = 0};
	struct ctr_opts o = {.annotations = annotations,
			     .domainname = "example.org",
			     .pid_mode = "host",
			     .ipc_mode = "none",
			     .uts_mode = "host",
			     .hostname = "hostbox",
			     .cgroupns_mode = "host",
			     .cpu_period = 50000,
			     .cpu_quota = -1,
			     .blkio_weight = 500,
			     .cgroup_parent = "/parent",
			     .has_memory_swappiness = true,
			     .memory_swappiness = 0,
			     .oom_kill_disable = true};
	o.blkio_devs[BLKIO_READ_BPS] = &rbps;
	o.n_blkio_devs[BLKIO_READ_BPS] = 1;
	o.blkio_devs[BLKIO_WEIGHT_DEVICE] = &weight;
	o.n_blkio_devs[BLKIO_WEIGHT_DEVICE] = 1;
	struct oci_config *c = build(img, &o);
	assert_int_equal(c->annotations.n, 2);
	assert_string_equal(c->annotations.v[0].key, "org.a");
	assert_string_equal(c->annotations.v[0].value, "2");
	assert_string_equal(c->annotations.v[1].value, "x=y");
	assert_string_equal(c->domainname, "example.org");
	/* the host's UTS namespace: the runtime must not set a name in it */
	assert_null(c->hostname);
	assert_true(cubo_strv_contains(c->process->env.v, "HOSTNAME=hostbox"));
	assert_false(has_ns(c, "pid", NULL));
	assert_false(has_ns(c, "uts", NULL));
	assert_false(has_ns(c, "cgroup", NULL));
	assert_true(has_ns(c, "ipc", NULL));
	assert_null(find_mount(c, "/dev/shm")); /* --ipc none */
	const struct oci_resources *r = c->linux_->resources;
	assert_true(r->cpu->has_period);
	assert_int_equal(r->cpu->period, 50000);
	assert_true(r->cpu->has_quota);
	assert_int_equal(r->cpu->quota, -1);
	assert_true(r->block_io->has_weight);
	assert_int_equal(r->block_io->weight, 500);
	assert_int_equal(r->block_io->n_weight_device, 1);
	assert_int_equal(r->block_io->weight_device[0].weight, 300);
	assert_int_equal(r->block_io->throttle_read_bps.n, 1);
	assert_int_equal(r->block_io->throttle_read_bps.v[0].major, 254);
	assert_int_equal(r->block_io->throttle_read_bps.v[0].rate, 1 << 20);
	assert_int_equal(r->block_io->throttle_write_iops.n, 0);
	/* a swappiness of 0 is one */
	assert_true(r->memory->has_swappiness);
	assert_int_equal(r->memory->swappiness, 0);
	assert_true(r->memory->disable_oom_killer);
	assert_string_equal(c->linux_->cgroups_path, "/parent/cubo-" ID);
	oci_config_free(c);

	/* --ipc host: the host's /dev/shm; container:ID: the namespace, its path set at start */
	struct ctr_opts host = {.ipc_mode = "host", .pid_mode = "container:" ID};
	c = build(img, &host);
	const struct oci_mount *m = find_mount(c, "/dev/shm");
	assert_non_null(m);
	assert_string_equal(m->type, "bind");
	assert_string_equal(m->source, "/dev/shm");
	assert_false(has_ns(c, "ipc", NULL));
	const char *path = "x";
	assert_true(has_ns(c, "pid", &path));
	assert_null(path);
	assert_string_equal(c->hostname, "0123456789ab");
	assert_null(c->linux_->resources->block_io);
	oci_config_free(c);
	oci_image_config_free(img);
}

/* A rootless manager: sysfs needs a network namespace of its own, else the host's /sys bound. */
static void test_rootless_sys(void **state)
{
	struct oci_image_config *img = image(img_json);
	struct ctr_opts o = {.network = "host"};
	struct bundle_input in = {.id = ID, .image = img, .opts = &o, .rootless = true};
	struct oci_config *c;
	assert_null(bundle_build(&in, &c));
	const struct oci_mount *m = find_mount(c, "/sys");
	assert_string_equal(m->type, "bind");
	assert_string_equal(m->source, "/sys");
	assert_true(has_opt(m, "rbind"));
	assert_true(has_opt(m, "ro"));
	assert_true(has_opt(m, "nosuid"));
	oci_config_free(c);
	/* its own network namespace: sysfs, as for root */
	o.network = "none";
	assert_null(bundle_build(&in, &c));
	assert_string_equal(find_mount(c, "/sys")->type, "sysfs");
	oci_config_free(c);
	/* root on the host's network: sysfs too */
	o.network = "host";
	in.rootless = false;
	assert_null(bundle_build(&in, &c));
	assert_string_equal(find_mount(c, "/sys")->type, "sysfs");
	oci_config_free(c);
	oci_image_config_free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_defaults), cmocka_unit_test(test_flags),
		cmocka_unit_test(test_init),	       cmocka_unit_test(test_errors),
		cmocka_unit_test(test_apply_user),     cmocka_unit_test(test_pinned_json),
		cmocka_unit_test(test_resource_flags), cmocka_unit_test(test_later_run_flags),
		cmocka_unit_test(test_mount_options),  cmocka_unit_test(test_privileged_devices),
		cmocka_unit_test(test_rootless_sys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

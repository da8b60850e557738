/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr inspect (and container inspect): containers as JSON, else images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/bundle.h"
#include "cubo-mgr/container/cdi.h"
#include "cubo-mgr/container/device_opt.h"
#include "cubo-mgr/container/logconf.h"
#include "cubo-mgr/container/restart.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/net/net_inspect.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"
#include "spec/config.h"

static void gen_strlist(struct cubo_json_gen *g, const char *key, const struct oci_strlist *l)
{
	cubo_json_gen_key(g, key);
	if (l->v)
		cubo_json_gen_strv(g, l->v, l->n);
	else
		cubo_json_gen_null(g);
}

static void gen_int(struct cubo_json_gen *g, const char *key, bool has, int64_t v)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_int(g, has ? v : 0);
}

/* Docker's HostConfig fields of --tmpfs, --shm-size, --sysctl, --cpuset-*, -c, ... */
static void gen_run_flags(struct cubo_json_gen *g, const struct ctr_record *r,
			  const struct oci_config *cfg)
{
	const struct oci_linux *l = cfg->linux_;
	const struct oci_resources *res = l ? l->resources : NULL;
	const struct oci_cpu *cpu = res ? res->cpu : NULL;
	const struct oci_memory *mem = res ? res->memory : NULL;
	cubo_json_gen_key(g, "Tmpfs");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; r->tmpfs && r->tmpfs[i]; i++) {
		char *dest = xstrdup(r->tmpfs[i]), *colon = strchr(dest, ':');
		if (colon)
			*colon = '\0';
		mgr_json_kv(g, dest, colon ? colon + 1 : "");
		free(dest);
	}
	cubo_json_gen_map_close(g);
	gen_int(g, "ShmSize", true, r->shm_size > 0 ? r->shm_size : 64 << 20);
	cubo_json_gen_key(g, "Sysctls");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; l && i < l->sysctl.n; i++)
		mgr_json_kv(g, l->sysctl.v[i].key, l->sysctl.v[i].value);
	cubo_json_gen_map_close(g);
	mgr_json_kv(g, "CpusetCpus", cpu && cpu->cpus ? cpu->cpus : "");
	mgr_json_kv(g, "CpusetMems", cpu && cpu->mems ? cpu->mems : "");
	gen_int(g, "CpuShares", cpu && cpu->has_shares, cpu ? (int64_t)cpu->shares : 0);
	gen_int(g, "MemorySwap", mem && mem->has_swap, mem ? mem->swap : 0);
	gen_int(g, "MemoryReservation", mem && mem->has_reservation, mem ? mem->reservation : 0);
	gen_int(g, "OomScoreAdj", cfg->process && cfg->process->has_oom_score_adj,
		cfg->process ? cfg->process->oom_score_adj : 0);
	mgr_json_kv(g, "PidMode", r->pid_mode);
	mgr_json_kv(g, "IpcMode", r->ipc_mode ? r->ipc_mode : "private");
	mgr_json_kv(g, "UTSMode", r->uts_mode);
	mgr_json_kv(g, "CgroupnsMode", r->cgroupns_mode ? r->cgroupns_mode : "private");
	cubo_json_gen_key(g, "Dns");
	cubo_json_gen_strv(g, r->dns ? r->dns : (char *[]){NULL}, SIZE_MAX);
	cubo_json_gen_key(g, "DnsSearch");
	cubo_json_gen_strv(g, r->dns_search ? r->dns_search : (char *[]){NULL}, SIZE_MAX);
	cubo_json_gen_key(g, "DnsOptions");
	cubo_json_gen_strv(g, r->dns_options ? r->dns_options : (char *[]){NULL}, SIZE_MAX);
	cubo_json_gen_key(g, "Annotations");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; i < cfg->annotations.n; i++)
		mgr_json_kv(g, cfg->annotations.v[i].key, cfg->annotations.v[i].value);
	cubo_json_gen_map_close(g);
	cubo_json_gen_key(g, "GroupAdd");
	if (r->group_add)
		cubo_json_gen_strv(g, r->group_add, SIZE_MAX);
	else
		cubo_json_gen_null(g);
}

/* One of the blkio device lists: [{"Path": ..., KEY: N}] from the record's "FLAG=PATH:N". */
static void gen_blkio_list(struct cubo_json_gen *g, const struct ctr_record *r, const char *name,
			   const char *flag, const char *key)
{
	cubo_json_gen_key(g, name);
	cubo_json_gen_array_open(g);
	size_t fl = strlen(flag);
	for (size_t i = 0; r->blkio_devices && r->blkio_devices[i]; i++) {
		const char *e = r->blkio_devices[i], *colon = strrchr(e, ':');
		if (strncmp(e, flag, fl) || e[fl] != '=' || !colon || colon < e + fl)
			continue;
		cubo_json_gen_map_open(g);
		char *path = xstrndup(e + fl + 1, (size_t)(colon - e - fl - 1));
		mgr_json_kv(g, "Path", path);
		free(path);
		cubo_json_gen_key(g, key);
		cubo_json_gen_uint(g, strtoull(colon + 1, NULL, 10));
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
}

/* Docker's HostConfig fields of the cgroup flags beyond gen_run_flags'. */
static void gen_cgroup_flags(struct cubo_json_gen *g, const struct ctr_record *r,
			     const struct oci_config *cfg)
{
	const struct oci_resources *res = cfg->linux_ ? cfg->linux_->resources : NULL;
	const struct oci_cpu *cpu = res ? res->cpu : NULL;
	const struct oci_memory *mem = res ? res->memory : NULL;
	const struct oci_block_io *b = res ? res->block_io : NULL;
	/* docker keeps --cpus apart: NanoCpus, with no period or quota shown */
	bool cfs = cpu && !r->nano_cpus;
	gen_int(g, "CpuPeriod", cfs && cpu->has_period, cfs ? (int64_t)cpu->period : 0);
	gen_int(g, "CpuQuota", cfs && cpu->has_quota, cfs ? cpu->quota : 0);
	gen_int(g, "CpuRealtimePeriod", cpu && cpu->has_realtime_period,
		cpu ? (int64_t)cpu->realtime_period : 0);
	gen_int(g, "CpuRealtimeRuntime", cpu && cpu->has_realtime_runtime,
		cpu ? cpu->realtime_runtime : 0);
	gen_int(g, "BlkioWeight", b && b->has_weight, b ? b->weight : 0);
	gen_blkio_list(g, r, "BlkioWeightDevice", "blkio-weight-device", "Weight");
	gen_blkio_list(g, r, "BlkioDeviceReadBps", "device-read-bps", "Rate");
	gen_blkio_list(g, r, "BlkioDeviceWriteBps", "device-write-bps", "Rate");
	gen_blkio_list(g, r, "BlkioDeviceReadIOps", "device-read-iops", "Rate");
	gen_blkio_list(g, r, "BlkioDeviceWriteIOps", "device-write-iops", "Rate");
	cubo_json_gen_key(g, "MemorySwappiness");
	if (mem && mem->has_swappiness)
		cubo_json_gen_int(g, (int64_t)mem->swappiness);
	else
		cubo_json_gen_null(g);
	cubo_json_gen_key(g, "OomKillDisable");
	cubo_json_gen_bool(g, mem && mem->has_disable_oom_killer && mem->disable_oom_killer);
	mgr_json_kv(g, "CgroupParent", r->cgroup_parent);
	cubo_json_gen_key(g, "VolumesFrom");
	if (r->volumes_from)
		cubo_json_gen_strv(g, r->volumes_from, SIZE_MAX);
	else
		cubo_json_gen_null(g);
}

/* docker's Mounts: the binds and volumes (not the /etc files, nor --init's binary). */
static void gen_mounts(struct cubo_json_gen *g, const struct ctr_record *r,
		       const struct oci_config *cfg)
{
	static const char *const own[] = {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf",
					  BUNDLE_INIT_DEST, NULL};
	static const char *const propagations[] = {"shared", "slave",	 "private", "rshared",
						   "rslave", "rprivate", NULL};
	cubo_json_gen_key(g, "Mounts");
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct oci_mount *mt = &cfg->mounts[i];
		if (!mt->type || strcmp(mt->type, "bind") ||
		    cubo_strv_contains((char *const *)own, mt->destination))
			continue;
		/* --ipc host's /dev/shm is the IPC mode's, not a mount of the user's */
		if (r->ipc_mode && !strcmp(r->ipc_mode, "host") &&
		    !strcmp(mt->destination, "/dev/shm") && mt->source &&
		    !strcmp(mt->source, "/dev/shm"))
			continue;
		bool ro = cubo_strv_contains(mt->options.v, "ro");
		const char *prop = "";
		for (size_t j = 0; j < mt->options.n; j++)
			if (cubo_strv_contains((char *const *)propagations, mt->options.v[j]))
				prop = mt->options.v[j];
		const char *vol = ctr_record_volume_of(r, mt->source);
		cubo_json_gen_map_open(g);
		mgr_json_kv(g, "Type", vol ? "volume" : "bind");
		if (vol) {
			mgr_json_kv(g, "Name", vol);
			mgr_json_kv(g, "Driver", "local");
		}
		mgr_json_kv(g, "Source", mt->source);
		mgr_json_kv(g, "Destination", mt->destination);
		mgr_json_kv(g, "Mode", ro ? "ro" : "");
		cubo_json_gen_key(g, "RW");
		cubo_json_gen_bool(g, !ro);
		mgr_json_kv(g, "Propagation", vol ? "" : prop);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
}

/* Devices (docker's DeviceMappings), DeviceRequests (CDI names), DeviceCgroupRules. */
static void gen_devices(struct cubo_json_gen *g, const struct ctr_record *r)
{
	cubo_json_gen_key(g, "Devices");
	cubo_json_gen_array_open(g);
	char **cdi = NULL;
	size_t n_cdi = 0;
	for (size_t i = 0; r->devices && r->devices[i]; i++) {
		char *host, *ctr, perms[4];
		if (cdi_is_device(r->devices[i])) {
			cubo_strv_push(&cdi, &n_cdi, r->devices[i]);
			continue;
		}
		struct cubo_error *err = run_opt_parse_device(r->devices[i], &host, &ctr, perms);
		if (err) { /* checked at create: a record edited since */
			cubo_error_free(err);
			continue;
		}
		cubo_json_gen_map_open(g);
		mgr_json_kv(g, "PathOnHost", host);
		mgr_json_kv(g, "PathInContainer", ctr);
		mgr_json_kv(g, "CgroupPermissions", perms);
		cubo_json_gen_map_close(g);
		free(host);
		free(ctr);
	}
	cubo_json_gen_array_close(g);
	cubo_json_gen_key(g, "DeviceRequests");
	cubo_json_gen_array_open(g);
	if (cdi) {
		cubo_json_gen_map_open(g);
		mgr_json_kv(g, "Driver", "cdi");
		cubo_json_gen_key(g, "DeviceIDs");
		cubo_json_gen_strv(g, cdi, SIZE_MAX);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
	cubo_strv_free(cdi);
	cubo_json_gen_key(g, "DeviceCgroupRules");
	cubo_json_gen_strv(g, r->device_cgroup_rules ? r->device_cgroup_rules : (char *[]){NULL},
			   SIZE_MAX);
}

/* docker's State.Health, for a container with a check */
static void gen_health(struct cubo_json_gen *g, const char *dir, const struct ctr_record *r)
{
	struct health_state st;

	if (!health_enabled(r->healthcheck))
		return;
	struct cubo_error *err = health_state_load(dir, &st);
	if (err) { /* a damaged file: as if no result came yet */
		cubo_error_free(err);
		memset(&st, 0, sizeof(st));
	}
	/* no file and not running: never started (docker has no Health then) */
	st.status = ctr_health_shown(r, st.status);
	if (st.status == HEALTH_NONE) {
		health_state_free(&st);
		return;
	}
	cubo_json_gen_key(g, "Health");
	health_state_gen(g, &st);
	health_state_free(&st);
}

static void gen_state(struct cubo_json_gen *g, const char *dir, const struct ctr_record *r)
{
	cubo_json_gen_key(g, "State");
	cubo_json_gen_map_open(g);
	mgr_json_kv(g, "Status", ctr_record_state(r));
	cubo_json_gen_key(g, "Running"); /* docker: a restarting container counts as running */
	cubo_json_gen_bool(g, r->status == CTR_RUNNING || r->status == CTR_PAUSED || r->restarting);
	cubo_json_gen_key(g, "Paused");
	cubo_json_gen_bool(g, r->status == CTR_PAUSED);
	cubo_json_gen_key(g, "Restarting");
	cubo_json_gen_bool(g, r->restarting);
	cubo_json_gen_key(g, "Pid");
	cubo_json_gen_int(g, r->pid);
	cubo_json_gen_key(g, "MonitorPid");
	cubo_json_gen_int(g, r->monitor_pid);
	cubo_json_gen_key(g, "ExitCode");
	cubo_json_gen_int(g, r->exit_code);
	mgr_json_kv(g, "Error", r->error);
	mgr_json_kv(g, "StartedAt", r->started[0] ? r->started : "0001-01-01T00:00:00Z");
	mgr_json_kv(g, "FinishedAt", r->finished[0] ? r->finished : "0001-01-01T00:00:00Z");
	gen_health(g, dir, r);
	cubo_json_gen_map_close(g);
}

static void gen_config(struct cubo_json_gen *g, const struct ctr_record *r,
		       const struct oci_config *cfg)
{
	const struct oci_process *p = cfg->process;
	cubo_json_gen_key(g, "Config");
	cubo_json_gen_map_open(g);
	mgr_json_kv(g, "Hostname", cfg->hostname);
	mgr_json_kv(g, "Domainname", cfg->domainname ? cfg->domainname : "");
	mgr_json_kv(g, "User", r->user);
	cubo_json_gen_key(g, "Tty");
	cubo_json_gen_bool(g, r->tty);
	cubo_json_gen_key(g, "OpenStdin");
	cubo_json_gen_bool(g, r->interactive);
	gen_strlist(g, "Env", &p->env);
	gen_strlist(g, "Cmd", &p->args);
	mgr_json_kv(g, "Image", r->image);
	mgr_json_kv(g, "WorkingDir", p->cwd);
	cubo_json_gen_key(g, "ExposedPorts");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; r->exposed && r->exposed[i]; i++) {
		cubo_json_gen_key(g, r->exposed[i]);
		cubo_json_gen_map_open(g);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_map_close(g);
	mgr_json_kv(g, "StopSignal", r->stop_signal);
	cubo_json_gen_key(g, "StopTimeout");
	cubo_json_gen_int(g, r->stop_timeout >= 0 ? r->stop_timeout : CTR_STOP_TIMEOUT_DEFAULT);
	if (r->healthcheck)
		oci_healthcheck_gen(g, "Healthcheck", r->healthcheck);
	cubo_json_gen_key(g, "Labels");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; r->labels && r->labels[i]; i++) {
		const char *eq = strchr(r->labels[i], '=');
		char key[256];
		snprintf(key, sizeof(key), "%.*s", (int)(eq ? eq - r->labels[i] : 255),
			 r->labels[i]);
		mgr_json_kv(g, key, eq ? eq + 1 : "");
	}
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);
	cubo_json_gen_key(g, "HostConfig");
	cubo_json_gen_map_open(g);
	const struct oci_resources *res = cfg->linux_ ? cfg->linux_->resources : NULL;
	cubo_json_gen_key(g, "Memory");
	cubo_json_gen_int(g, res && res->memory && res->memory->has_limit ? res->memory->limit : 0);
	cubo_json_gen_key(g, "NanoCpus");
	cubo_json_gen_int(g, r->nano_cpus);
	cubo_json_gen_key(g, "PidsLimit");
	cubo_json_gen_int(g, res && res->pids ? res->pids->limit : 0);
	gen_run_flags(g, r, cfg);
	gen_cgroup_flags(g, r, cfg);
	cubo_json_gen_key(g, "ReadonlyRootfs");
	cubo_json_gen_bool(g, cfg->root && cfg->root->readonly);
	cubo_json_gen_key(g, "AutoRemove");
	cubo_json_gen_bool(g, r->auto_remove);
	gen_strlist(g, "CapAdd",
		    p->capabilities ? &p->capabilities->bounding : &(struct oci_strlist){0});
	cubo_json_gen_key(g, "PortBindings");
	cubo_json_gen_strv(g, r->ports ? r->ports : (char *[]){NULL}, SIZE_MAX);
	mgr_json_kv(g, "Runtime", r->runtime);
	mgr_json_kv(g, "NetworkMode", r->networks ? r->networks[0] : "none");
	log_config_gen_json(g, "LogConfig", r->log_driver, r->log_opts);
	cubo_json_gen_key(g, "Init");
	cubo_json_gen_bool(g, r->init);
	cubo_json_gen_key(g, "Privileged");
	cubo_json_gen_bool(g, r->privileged);
	gen_devices(g, r);
	struct restart_policy rp = restart_policy_of(r);
	cubo_json_gen_key(g, "RestartPolicy");
	cubo_json_gen_map_open(g);
	mgr_json_kv(g, "Name", restart_kind_name(rp.kind));
	cubo_json_gen_key(g, "MaximumRetryCount");
	cubo_json_gen_uint(g, rp.max);
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);
	gen_mounts(g, r, cfg);
}

/* One object of the inspect array (ctx: the containers). */
static struct cubo_error *inspect_one(void *ctx, const char *arg, struct cubo_json_gen *g)
{
	struct ctr_ctx *c = ctx;
	struct ctr_record r;
	CUBO_TRY(ctr_find(c, arg, &r));
	char *dir = ctr_store_dir(&c->store, r.id);
	char *path = cubo_path_join(dir, "config.json");
	struct oci_config *cfg = NULL;
	struct cubo_error *err = oci_config_load(path, &cfg);
	if (!err) {
		cubo_json_gen_map_open(g);
		mgr_json_kv(g, "Id", r.id);
		mgr_json_kv(g, "Created", r.created);
		mgr_json_kv(g, "Path", cfg->process->args.n ? cfg->process->args.v[0] : "");
		cubo_json_gen_key(g, "Args");
		cubo_json_gen_strv(
			g, cfg->process->args.n ? cfg->process->args.v + 1 : (char *[]){NULL},
			SIZE_MAX);
		gen_state(g, dir, &r);
		mgr_json_kv(g, "Image", r.image_id);
		char name[300];
		snprintf(name, sizeof(name), "/%s", r.name ? r.name : "");
		mgr_json_kv(g, "Name", name);
		cubo_json_gen_key(g, "RestartCount");
		cubo_json_gen_uint(g, r.restart_count);
		char *log = cubo_path_join(dir, "ctr.log");
		mgr_json_kv(g, "LogPath", log);
		free(log);
		mgr_json_kv(g, "BundlePath", dir);
		gen_config(g, &r, cfg);
		net_inspect_settings(g, dir, &r);
		cubo_json_gen_map_close(g);
		oci_config_free(cfg);
	}
	free(path);
	free(dir);
	ctr_record_free(&r);
	return err;
}

int cmd_inspect(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *format = NULL;
	const char *type = NULL;
	const struct cli_opt opts[] = {
		{"format", 'f', CLI_STRING, &format, "FORMAT",
		 "json (the default) or a Go template run for each object (\"{{.State.Status}}\")"},
		{"type", 0, CLI_STRING, &type, "TYPE", "container or image (default: either)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "inspect",
		.usage = "inspect [OPTIONS] CONTAINER|IMAGE [...]",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected at least one container or image"),
		.description = "Print a JSON array describing containers, or images.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (type && strcmp(type, "container") && strcmp(type, "image"))
		return mgr_usage_error(
			m, "inspect",
			cubo_error_new("--type \"%s\": expected container or image", type));
	struct ctr_ctx c;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (err)
		return mgr_fail(m, err);
	/* a name that is a container's is the container, as docker decides */
	char id[CTR_ID_LEN + 1];
	struct cubo_error *probe = type && !strcmp(type, "image")
					   ? cubo_error_new("image wanted")
					   : ctr_store_resolve(&c.store, args.v[0], id);
	if (probe && !(type && !strcmp(type, "container"))) {
		cubo_error_free(probe);
		ctr_ctx_close(&c);
		return cmd_image_inspect(m, argc, argv);
	}
	cubo_error_free(probe);
	if (format && strcmp(format, "json")) {
		rc = mgr_format_inspect(m, "inspect", format, args.v, args.n, mgr_gen_text,
					&(struct mgr_gen_ctx){inspect_one, &c});
		ctr_ctx_close(&c);
		return rc;
	}
	struct cubo_json_gen *g;
	rc = 0;
	if ((err = cubo_json_gen_new(true, &g))) {
		ctr_ctx_close(&c);
		return mgr_fail(m, err);
	}
	cubo_json_gen_array_open(g);
	for (int i = 0; i < args.n; i++)
		if ((err = inspect_one(&c, args.v[i], g)))
			rc = mgr_fail(m, err);
	cubo_json_gen_array_close(g);
	char *out;
	size_t len;
	if ((err = cubo_json_gen_finish(g, &out, &len))) {
		rc = mgr_fail(m, err);
	} else {
		printf("%s\n", out);
		free(out);
	}
	ctr_ctx_close(&c);
	return rc;
}

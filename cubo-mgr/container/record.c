/* SPDX-License-Identifier: Apache-2.0 */
/* state.json of a container: see record.h. */
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/record.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

static const char *const status_names[] = {
	[CTR_CREATED] = "created", [CTR_RUNNING] = "running",	[CTR_PAUSED] = "paused",
	[CTR_EXITED] = "exited",   [CTR_REMOVING] = "removing",
};

const char *ctr_status_name(enum ctr_status s)
{
	return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s]
									    : "unknown";
}

void ctr_record_free(struct ctr_record *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->image);
	free(r->image_id);
	free(r->command);
	cubo_strv_free(r->layers);
	free(r->runtime);
	free(r->cgroup_manager);
	cubo_strv_free(r->ports);
	cubo_strv_free(r->volumes);
	cubo_strv_free(r->networks);
	cubo_strv_free(r->net_aliases);
	cubo_strv_free(r->net_endpoints);
	cubo_strv_free(r->dns);
	cubo_strv_free(r->dns_search);
	cubo_strv_free(r->add_hosts);
	cubo_strv_free(r->published);
	free(r->user);
	free(r->stop_signal);
	oci_healthcheck_free(r->healthcheck);
	cubo_strv_free(r->labels);
	free(r->log_driver);
	cubo_strv_free(r->log_opts);
	cubo_strv_free(r->tmpfs);
	cubo_strv_free(r->group_add);
	cubo_strv_free(r->devices);
	cubo_strv_free(r->device_cgroup_rules);
	cubo_strv_free(r->exposed);
	cubo_strv_free(r->dns_options);
	free(r->pid_mode);
	free(r->ipc_mode);
	free(r->uts_mode);
	free(r->cgroupns_mode);
	cubo_strv_free(r->blkio_devices);
	free(r->cgroup_parent);
	cubo_strv_free(r->volume_dests);
	cubo_strv_free(r->volumes_from);
	cubo_strv_free(r->borrowed_volumes);
	free(r->error);
	free(r->restart_policy);
	memset(r, 0, sizeof(*r));
}

const char *ctr_record_volume_of(const struct ctr_record *r, const char *source)
{
	for (size_t i = 0; r->volumes && r->volumes[i]; i++) {
		char *tail = xasprintf("/volumes/%s/_data", r->volumes[i]);
		size_t n = strlen(source), t = strlen(tail);
		bool is = n > t && !strcmp(source + n - t, tail);
		free(tail);
		if (is)
			return r->volumes[i];
	}
	return NULL;
}

bool ctr_record_owns_volume(const struct ctr_record *r, const char *name)
{
	return !cubo_strv_contains(r->borrowed_volumes, name);
}

bool ctr_id_valid(const char *s)
{
	if (strlen(s) != CTR_ID_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static bool name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

struct cubo_error *ctr_name_check(const char *name)
{
	size_t n = strlen(name);
	if (n == 0)
		return cubo_error_new("container name is empty");
	if (n > 253)
		return cubo_error_new("container name \"%.20s...\" is longer than 253 bytes", name);
	for (size_t i = 0; i < n; i++)
		if (!name_char(name[i], i == 0))
			return cubo_error_new(
				"invalid container name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-]"
				" are allowed",
				name);
	return NULL;
}

/* ---- generating ---- */

static void kstr(struct cubo_json_gen *g, const char *k, const char *v)
{
	if (!v || !*v)
		return;
	cubo_json_gen_key(g, k);
	cubo_json_gen_string(g, v);
}

static void kstrv(struct cubo_json_gen *g, const char *k, char **v)
{
	if (!v || !v[0])
		return;
	cubo_json_gen_key(g, k);
	cubo_json_gen_strv(g, v, SIZE_MAX);
}

struct cubo_error *ctr_record_to_json(const struct ctr_record *r, bool pretty, char **out,
				      size_t *len)
{
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(pretty, &g));
	cubo_json_gen_map_open(g);
	kstr(g, "id", r->id);
	kstr(g, "name", r->name);
	kstr(g, "status", ctr_status_name(r->status));
	kstr(g, "image", r->image);
	kstr(g, "imageId", r->image_id);
	kstr(g, "command", r->command);
	kstrv(g, "layers", r->layers);
	kstr(g, "runtime", r->runtime);
	kstr(g, "cgroupManager", r->cgroup_manager);
	kstrv(g, "ports", r->ports);
	kstrv(g, "volumes", r->volumes);
	kstrv(g, "networks", r->networks);
	kstrv(g, "networkAliases", r->net_aliases);
	kstrv(g, "networkEndpoints", r->net_endpoints);
	kstrv(g, "dns", r->dns);
	kstrv(g, "dnsSearch", r->dns_search);
	kstrv(g, "addHosts", r->add_hosts);
	kstrv(g, "published", r->published);
	kstr(g, "user", r->user);
	kstr(g, "stopSignal", r->stop_signal);
	if (r->stop_timeout >= 0) {
		cubo_json_gen_key(g, "stopTimeout");
		cubo_json_gen_int(g, r->stop_timeout);
	}
	if (r->healthcheck)
		oci_healthcheck_gen(g, "healthcheck", r->healthcheck);
	kstrv(g, "labels", r->labels);
	kstr(g, "logDriver", r->log_driver);
	kstrv(g, "logOpts", r->log_opts);
	kstrv(g, "tmpfs", r->tmpfs);
	if (r->shm_size > 0) {
		cubo_json_gen_key(g, "shmSize");
		cubo_json_gen_int(g, r->shm_size);
	}
	kstrv(g, "groupAdd", r->group_add);
	kstrv(g, "devices", r->devices);
	kstrv(g, "deviceCgroupRules", r->device_cgroup_rules);
	kstrv(g, "exposedPorts", r->exposed);
	kstrv(g, "dnsOptions", r->dns_options);
	kstr(g, "pidMode", r->pid_mode);
	kstr(g, "ipcMode", r->ipc_mode);
	kstr(g, "utsMode", r->uts_mode);
	kstr(g, "cgroupnsMode", r->cgroupns_mode);
	kstrv(g, "blkioDevices", r->blkio_devices);
	kstr(g, "cgroupParent", r->cgroup_parent);
	if (r->nano_cpus > 0) {
		cubo_json_gen_key(g, "nanoCpus");
		cubo_json_gen_int(g, r->nano_cpus);
	}
	kstrv(g, "volumeDests", r->volume_dests);
	kstrv(g, "volumesFrom", r->volumes_from);
	kstrv(g, "borrowedVolumes", r->borrowed_volumes);
	if (r->init) {
		cubo_json_gen_key(g, "init");
		cubo_json_gen_bool(g, true);
	}
	if (r->privileged) {
		cubo_json_gen_key(g, "privileged");
		cubo_json_gen_bool(g, true);
	}
	cubo_json_gen_key(g, "autoRemove");
	cubo_json_gen_bool(g, r->auto_remove);
	cubo_json_gen_key(g, "tty");
	cubo_json_gen_bool(g, r->tty);
	cubo_json_gen_key(g, "interactive");
	cubo_json_gen_bool(g, r->interactive);
	kstr(g, "created", r->created);
	kstr(g, "started", r->started);
	kstr(g, "finished", r->finished);
	cubo_json_gen_key(g, "exitCode");
	cubo_json_gen_int(g, r->exit_code);
	cubo_json_gen_key(g, "pid");
	cubo_json_gen_int(g, r->pid);
	cubo_json_gen_key(g, "monitorPid");
	cubo_json_gen_int(g, r->monitor_pid);
	cubo_json_gen_key(g, "monitorStartTime");
	cubo_json_gen_uint(g, r->monitor_start_time);
	cubo_json_gen_key(g, "restartCount");
	cubo_json_gen_uint(g, r->restart_count);
	kstr(g, "restartPolicy", r->restart_policy);
	if (r->restart_max) {
		cubo_json_gen_key(g, "restartMax");
		cubo_json_gen_uint(g, r->restart_max);
	}
	if (r->restarting) {
		cubo_json_gen_key(g, "restarting");
		cubo_json_gen_bool(g, true);
	}
	if (r->stopped_by_user) {
		cubo_json_gen_key(g, "stoppedByUser");
		cubo_json_gen_bool(g, true);
	}
	kstr(g, "error", r->error);
	cubo_json_gen_map_close(g);
	return cubo_json_gen_finish(g, out, len);
}

/* ---- parsing ---- */

static struct cubo_error *copy_time(struct cubo_json_ctx *c, yajl_val obj, const char *key,
				    char out[40])
{
	char *s = NULL;
	CUBO_TRY(cubo_json_field_string(c, obj, key, false, &s));
	if (!s)
		return NULL;
	size_t n = strlen(s);
	if (n >= 40) {
		free(s);
		size_t mark = cubo_json_push_key(c, key);
		struct cubo_error *err = cubo_json_error(c, "time is too long");
		cubo_json_pop(c, mark);
		return err;
	}
	memcpy(out, s, n + 1);
	free(s);
	return NULL;
}

static struct cubo_error *parse_tree(struct cubo_json_ctx *c, yajl_val t, struct ctr_record *r)
{
	CUBO_TRY(cubo_json_expect_object(c, t));
	char *id = NULL, *status = NULL;
	CUBO_TRY(cubo_json_field_string(c, t, "id", true, &id));
	bool ok = ctr_id_valid(id);
	if (ok)
		memcpy(r->id, id, CTR_ID_LEN + 1);
	free(id);
	if (!ok)
		return cubo_json_error(c, "id: not a 64-digit hex container ID");
	CUBO_TRY(cubo_json_field_string(c, t, "status", true, &status));
	size_t i;
	for (i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (!strcmp(status, status_names[i]))
			break;
	free(status);
	if (i == sizeof(status_names) / sizeof(status_names[0]))
		return cubo_json_error(c, "status: unknown value");
	r->status = (enum ctr_status)i;
	size_t n;
	bool present;
	int32_t i32;
	uint32_t u32;
	uint64_t u64;
	CUBO_TRY(cubo_json_field_string(c, t, "name", false, &r->name));
	CUBO_TRY(cubo_json_field_string(c, t, "image", false, &r->image));
	CUBO_TRY(cubo_json_field_string(c, t, "imageId", false, &r->image_id));
	CUBO_TRY(cubo_json_field_string(c, t, "command", false, &r->command));
	CUBO_TRY(cubo_json_field_strv(c, t, "layers", false, &r->layers, &n));
	CUBO_TRY(cubo_json_field_string(c, t, "runtime", false, &r->runtime));
	CUBO_TRY(cubo_json_field_string(c, t, "cgroupManager", false, &r->cgroup_manager));
	if (r->cgroup_manager && strcmp(r->cgroup_manager, "cgroupfs") &&
	    strcmp(r->cgroup_manager, "systemd"))
		return cubo_error_new("cgroupManager: \"%s\" is neither cgroupfs nor systemd",
				      r->cgroup_manager);
	CUBO_TRY(cubo_json_field_strv(c, t, "ports", false, &r->ports, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "volumes", false, &r->volumes, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "networks", false, &r->networks, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "networkAliases", false, &r->net_aliases, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "networkEndpoints", false, &r->net_endpoints, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "dns", false, &r->dns, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "dnsSearch", false, &r->dns_search, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "addHosts", false, &r->add_hosts, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "published", false, &r->published, &n));
	CUBO_TRY(cubo_json_field_string(c, t, "user", false, &r->user));
	CUBO_TRY(cubo_json_field_string(c, t, "stopSignal", false, &r->stop_signal));
	CUBO_TRY(cubo_json_field_int32(c, t, "stopTimeout", false, &i32, &present));
	r->stop_timeout = present ? i32 : -1;
	yajl_val hc;
	CUBO_TRY(cubo_json_field_object(c, t, "healthcheck", false, &hc));
	if (hc) {
		r->healthcheck = xcalloc(1, sizeof(*r->healthcheck));
		size_t mark = cubo_json_push_key(c, "healthcheck");
		struct cubo_error *err = oci_healthcheck_parse(c, hc, r->healthcheck);
		cubo_json_pop(c, mark);
		if (err)
			return err;
	}
	CUBO_TRY(cubo_json_field_strv(c, t, "labels", false, &r->labels, &n));
	CUBO_TRY(cubo_json_field_string(c, t, "logDriver", false, &r->log_driver));
	CUBO_TRY(cubo_json_field_strv(c, t, "logOpts", false, &r->log_opts, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "tmpfs", false, &r->tmpfs, &n));
	CUBO_TRY(cubo_json_field_int64(c, t, "shmSize", false, &r->shm_size, NULL));
	CUBO_TRY(cubo_json_field_strv(c, t, "groupAdd", false, &r->group_add, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "devices", false, &r->devices, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "deviceCgroupRules", false, &r->device_cgroup_rules,
				      &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "exposedPorts", false, &r->exposed, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "dnsOptions", false, &r->dns_options, &n));
	CUBO_TRY(cubo_json_field_string(c, t, "pidMode", false, &r->pid_mode));
	CUBO_TRY(cubo_json_field_string(c, t, "ipcMode", false, &r->ipc_mode));
	CUBO_TRY(cubo_json_field_string(c, t, "utsMode", false, &r->uts_mode));
	CUBO_TRY(cubo_json_field_string(c, t, "cgroupnsMode", false, &r->cgroupns_mode));
	CUBO_TRY(cubo_json_field_strv(c, t, "blkioDevices", false, &r->blkio_devices, &n));
	CUBO_TRY(cubo_json_field_string(c, t, "cgroupParent", false, &r->cgroup_parent));
	CUBO_TRY(cubo_json_field_int64(c, t, "nanoCpus", false, &r->nano_cpus, NULL));
	CUBO_TRY(cubo_json_field_strv(c, t, "volumeDests", false, &r->volume_dests, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "volumesFrom", false, &r->volumes_from, &n));
	CUBO_TRY(cubo_json_field_strv(c, t, "borrowedVolumes", false, &r->borrowed_volumes, &n));
	CUBO_TRY(cubo_json_field_bool(c, t, "init", &r->init, NULL));
	CUBO_TRY(cubo_json_field_bool(c, t, "privileged", &r->privileged, NULL));
	CUBO_TRY(cubo_json_field_bool(c, t, "autoRemove", &r->auto_remove, NULL));
	CUBO_TRY(cubo_json_field_bool(c, t, "tty", &r->tty, NULL));
	CUBO_TRY(cubo_json_field_bool(c, t, "interactive", &r->interactive, NULL));
	CUBO_TRY(copy_time(c, t, "created", r->created));
	CUBO_TRY(copy_time(c, t, "started", r->started));
	CUBO_TRY(copy_time(c, t, "finished", r->finished));
	CUBO_TRY(cubo_json_field_int32(c, t, "exitCode", false, &i32, &present));
	r->exit_code = present ? i32 : 0;
	CUBO_TRY(cubo_json_field_int32(c, t, "pid", false, &i32, &present));
	r->pid = present ? i32 : 0;
	CUBO_TRY(cubo_json_field_int32(c, t, "monitorPid", false, &i32, &present));
	r->monitor_pid = present ? i32 : 0;
	CUBO_TRY(cubo_json_field_uint64(c, t, "monitorStartTime", false, &u64, &present));
	r->monitor_start_time = present ? u64 : 0;
	CUBO_TRY(cubo_json_field_uint32(c, t, "restartCount", false, &u32, &present));
	r->restart_count = present ? u32 : 0;
	CUBO_TRY(cubo_json_field_string(c, t, "restartPolicy", false, &r->restart_policy));
	CUBO_TRY(cubo_json_field_uint32(c, t, "restartMax", false, &u32, &present));
	r->restart_max = present ? u32 : 0;
	CUBO_TRY(cubo_json_field_bool(c, t, "restarting", &r->restarting, NULL));
	CUBO_TRY(cubo_json_field_bool(c, t, "stoppedByUser", &r->stopped_by_user, NULL));
	CUBO_TRY(cubo_json_field_string(c, t, "error", false, &r->error));
	return NULL;
}

struct cubo_error *ctr_record_parse(const char *json, size_t len, const char *source,
				    struct ctr_record *out)
{
	yajl_val t;
	memset(out, 0, sizeof(*out));
	CUBO_TRY(cubo_json_parse(json, len, source, &t));
	struct cubo_json_ctx c;
	cubo_json_ctx_init(&c, source);
	struct cubo_error *err = parse_tree(&c, t, out);
	yajl_tree_free(t);
	if (err)
		ctr_record_free(out);
	return err;
}

struct cubo_error *ctr_record_load(const char *dir, struct ctr_record *out)
{
	char *path = cubo_path_join(dir, "state.json"), *text = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file(path, &text, &len);
	if (!err)
		err = ctr_record_parse(text, len, path, out);
	free(text);
	free(path);
	return err;
}

struct cubo_error *ctr_record_write(const char *dir, const struct ctr_record *r, bool durable)
{
	char *text, *path;
	size_t len;
	CUBO_TRY(ctr_record_to_json(r, false, &text, &len));
	path = cubo_path_join(dir, "state.json");
	struct cubo_error *err = durable ? cubo_write_file_atomic(path, text, len, 0600)
					 : cubo_write_file_replace(path, text, len, 0600);
	free(path);
	free(text);
	return err;
}

struct cubo_error *ctr_record_save(const char *dir, const struct ctr_record *r)
{
	return ctr_record_write(dir, r, !r->auto_remove);
}

const char *ctr_record_state(const struct ctr_record *r)
{
	return r->restarting && r->status == CTR_EXITED ? "restarting" : ctr_status_name(r->status);
}

bool ctr_record_systemd(const struct ctr_record *r)
{
	return r->cgroup_manager && !strcmp(r->cgroup_manager, "systemd");
}

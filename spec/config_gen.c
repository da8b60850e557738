/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct oci_config -> config.json. Members come in the order of the Go
 * structs in runtime-spec (what `runc spec` prints); absent optionals are
 * left out, and a list that is present but empty stays as [] so a round trip
 * keeps the difference.
 */
#include <stdlib.h>

#include "shared/json.h"
#include "spec/config.h"
#include "spec/spec_json.h"

typedef struct cubo_json_gen gen_t;

static void kbool_if(gen_t *g, const char *key, bool v)
{
	if (!v)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_bool(g, v);
}

static void kbool_has(gen_t *g, const char *key, bool has, bool v)
{
	if (!has)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_bool(g, v);
}

static void kint(gen_t *g, const char *key, int64_t v)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_int(g, v);
}

static void kuint(gen_t *g, const char *key, uint64_t v)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_uint(g, v);
}

static void kint_has(gen_t *g, const char *key, bool has, int64_t v)
{
	if (has)
		kint(g, key, v);
}

static void kuint_has(gen_t *g, const char *key, bool has, uint64_t v)
{
	if (has)
		kuint(g, key, v);
}

static void id_mappings(gen_t *g, const char *key, const struct oci_id_mapping *m, size_t n)
{
	if (!m)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		cubo_json_gen_map_open(g);
		kuint(g, "containerID", m[i].container_id);
		kuint(g, "hostID", m[i].host_id);
		kuint(g, "size", m[i].size);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
}

static void root(gen_t *g, const struct oci_root *r)
{
	if (!r)
		return;
	cubo_json_gen_key(g, "root");
	cubo_json_gen_map_open(g);
	spec_kstr(g, "path", r->path);
	kbool_if(g, "readonly", r->readonly);
	cubo_json_gen_map_close(g);
}

static void mounts(gen_t *g, const struct oci_mount *m, size_t n)
{
	if (!m)
		return;
	cubo_json_gen_key(g, "mounts");
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		cubo_json_gen_map_open(g);
		spec_kstr(g, "destination", m[i].destination);
		spec_kstr(g, "type", m[i].type);
		spec_kstr(g, "source", m[i].source);
		spec_kstrlist(g, "options", &m[i].options);
		id_mappings(g, "uidMappings", m[i].uid_mappings, m[i].n_uid_mappings);
		id_mappings(g, "gidMappings", m[i].gid_mappings, m[i].n_gid_mappings);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
}

static void user(gen_t *g, const struct oci_user *u)
{
	cubo_json_gen_key(g, "user");
	cubo_json_gen_map_open(g);
	kuint(g, "uid", u->uid);
	kuint(g, "gid", u->gid);
	kuint_has(g, "umask", u->has_umask, u->umask);
	if (u->additional_gids) {
		cubo_json_gen_key(g, "additionalGids");
		cubo_json_gen_array_open(g);
		for (size_t i = 0; i < u->n_additional_gids; i++)
			cubo_json_gen_uint(g, u->additional_gids[i]);
		cubo_json_gen_array_close(g);
	}
	spec_kstr(g, "username", u->username);
	cubo_json_gen_map_close(g);
}

static void capabilities(gen_t *g, const struct oci_capabilities *c)
{
	if (!c)
		return;
	cubo_json_gen_key(g, "capabilities");
	cubo_json_gen_map_open(g);
	spec_kstrlist(g, "bounding", &c->bounding);
	spec_kstrlist(g, "effective", &c->effective);
	spec_kstrlist(g, "inheritable", &c->inheritable);
	spec_kstrlist(g, "permitted", &c->permitted);
	spec_kstrlist(g, "ambient", &c->ambient);
	cubo_json_gen_map_close(g);
}

static void rlimits(gen_t *g, const struct oci_rlimit *r, size_t n)
{
	if (!r)
		return;
	cubo_json_gen_key(g, "rlimits");
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		cubo_json_gen_map_open(g);
		spec_kstr(g, "type", r[i].type);
		kuint(g, "hard", r[i].hard);
		kuint(g, "soft", r[i].soft);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
}

static void scheduler(gen_t *g, const struct oci_scheduler *s)
{
	if (!s)
		return;
	cubo_json_gen_key(g, "scheduler");
	cubo_json_gen_map_open(g);
	spec_kstr(g, "policy", s->policy);
	kint_has(g, "nice", s->has_nice, s->nice);
	kint_has(g, "priority", s->has_priority, s->priority);
	spec_kstrlist(g, "flags", &s->flags);
	kuint_has(g, "runtime", s->has_runtime, s->runtime);
	kuint_has(g, "deadline", s->has_deadline, s->deadline);
	kuint_has(g, "period", s->has_period, s->period);
	cubo_json_gen_map_close(g);
}

static void process(gen_t *g, const struct oci_process *p)
{
	if (!p)
		return;
	cubo_json_gen_key(g, "process");
	cubo_json_gen_map_open(g);
	kbool_if(g, "terminal", p->terminal);
	if (p->console_size) {
		cubo_json_gen_key(g, "consoleSize");
		cubo_json_gen_map_open(g);
		kuint(g, "height", p->console_size->height);
		kuint(g, "width", p->console_size->width);
		cubo_json_gen_map_close(g);
	}
	user(g, &p->user);
	spec_kstrlist(g, "args", &p->args);
	spec_kstr(g, "commandLine", p->command_line);
	spec_kstrlist(g, "env", &p->env);
	spec_kstr(g, "cwd", p->cwd);
	capabilities(g, p->capabilities);
	rlimits(g, p->rlimits, p->n_rlimits);
	kbool_if(g, "noNewPrivileges", p->no_new_privileges);
	spec_kstr(g, "apparmorProfile", p->apparmor_profile);
	kint_has(g, "oomScoreAdj", p->has_oom_score_adj, p->oom_score_adj);
	scheduler(g, p->scheduler);
	spec_kstr(g, "selinuxLabel", p->selinux_label);
	if (p->io_priority) {
		cubo_json_gen_key(g, "ioPriority");
		cubo_json_gen_map_open(g);
		spec_kstr(g, "class", p->io_priority->klass);
		kint(g, "priority", p->io_priority->priority);
		cubo_json_gen_map_close(g);
	}
	if (p->exec_cpu_affinity) {
		cubo_json_gen_key(g, "execCPUAffinity");
		cubo_json_gen_map_open(g);
		spec_kstr(g, "initial", p->exec_cpu_affinity->initial);
		spec_kstr(g, "final", p->exec_cpu_affinity->final);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_map_close(g);
}

static void hook_list(gen_t *g, const char *key, const struct oci_hook_list *l)
{
	if (!l->v)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < l->n; i++) {
		const struct oci_hook *h = &l->v[i];
		cubo_json_gen_map_open(g);
		spec_kstr(g, "path", h->path);
		spec_kstrlist(g, "args", &h->args);
		spec_kstrlist(g, "env", &h->env);
		kint_has(g, "timeout", h->has_timeout, h->timeout);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
}

static void hooks(gen_t *g, const struct oci_hooks *h)
{
	if (!h)
		return;
	cubo_json_gen_key(g, "hooks");
	cubo_json_gen_map_open(g);
	hook_list(g, "prestart", &h->prestart);
	hook_list(g, "createRuntime", &h->create_runtime);
	hook_list(g, "createContainer", &h->create_container);
	hook_list(g, "startContainer", &h->start_container);
	hook_list(g, "poststart", &h->poststart);
	hook_list(g, "poststop", &h->poststop);
	cubo_json_gen_map_close(g);
}

/* ---- linux ---- */

static void devices_cgroup(gen_t *g, const struct oci_device_cgroup *d, size_t n)
{
	if (!d)
		return;
	cubo_json_gen_key(g, "devices");
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		cubo_json_gen_map_open(g);
		cubo_json_gen_key(g, "allow");
		cubo_json_gen_bool(g, d[i].allow);
		spec_kstr(g, "type", d[i].type);
		kint_has(g, "major", d[i].has_major, d[i].major);
		kint_has(g, "minor", d[i].has_minor, d[i].minor);
		spec_kstr(g, "access", d[i].access);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
}

static void memory(gen_t *g, const struct oci_memory *m)
{
	if (!m)
		return;
	cubo_json_gen_key(g, "memory");
	cubo_json_gen_map_open(g);
	kint_has(g, "limit", m->has_limit, m->limit);
	kint_has(g, "reservation", m->has_reservation, m->reservation);
	kint_has(g, "swap", m->has_swap, m->swap);
	kint_has(g, "kernel", m->has_kernel, m->kernel);
	kint_has(g, "kernelTCP", m->has_kernel_tcp, m->kernel_tcp);
	kuint_has(g, "swappiness", m->has_swappiness, m->swappiness);
	kbool_has(g, "disableOOMKiller", m->has_disable_oom_killer, m->disable_oom_killer);
	kbool_has(g, "useHierarchy", m->has_use_hierarchy, m->use_hierarchy);
	kbool_has(g, "checkBeforeUpdate", m->has_check_before_update, m->check_before_update);
	cubo_json_gen_map_close(g);
}

static void cpu(gen_t *g, const struct oci_cpu *c)
{
	if (!c)
		return;
	cubo_json_gen_key(g, "cpu");
	cubo_json_gen_map_open(g);
	kuint_has(g, "shares", c->has_shares, c->shares);
	kint_has(g, "quota", c->has_quota, c->quota);
	kuint_has(g, "burst", c->has_burst, c->burst);
	kuint_has(g, "period", c->has_period, c->period);
	kint_has(g, "realtimeRuntime", c->has_realtime_runtime, c->realtime_runtime);
	kuint_has(g, "realtimePeriod", c->has_realtime_period, c->realtime_period);
	spec_kstr(g, "cpus", c->cpus);
	spec_kstr(g, "mems", c->mems);
	kint_has(g, "idle", c->has_idle, c->idle);
	cubo_json_gen_map_close(g);
}

static void throttle(gen_t *g, const char *key, const struct oci_throttle_list *l)
{
	if (!l->v)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < l->n; i++) {
		cubo_json_gen_map_open(g);
		kint(g, "major", l->v[i].major);
		kint(g, "minor", l->v[i].minor);
		kuint(g, "rate", l->v[i].rate);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
}

static void block_io(gen_t *g, const struct oci_block_io *b)
{
	if (!b)
		return;
	cubo_json_gen_key(g, "blockIO");
	cubo_json_gen_map_open(g);
	kuint_has(g, "weight", b->has_weight, b->weight);
	kuint_has(g, "leafWeight", b->has_leaf_weight, b->leaf_weight);
	if (b->weight_device) {
		cubo_json_gen_key(g, "weightDevice");
		cubo_json_gen_array_open(g);
		for (size_t i = 0; i < b->n_weight_device; i++) {
			const struct oci_weight_device *w = &b->weight_device[i];
			cubo_json_gen_map_open(g);
			kint(g, "major", w->major);
			kint(g, "minor", w->minor);
			kuint_has(g, "weight", w->has_weight, w->weight);
			kuint_has(g, "leafWeight", w->has_leaf_weight, w->leaf_weight);
			cubo_json_gen_map_close(g);
		}
		cubo_json_gen_array_close(g);
	}
	throttle(g, "throttleReadBpsDevice", &b->throttle_read_bps);
	throttle(g, "throttleWriteBpsDevice", &b->throttle_write_bps);
	throttle(g, "throttleReadIOPSDevice", &b->throttle_read_iops);
	throttle(g, "throttleWriteIOPSDevice", &b->throttle_write_iops);
	cubo_json_gen_map_close(g);
}

static void resources(gen_t *g, const struct oci_resources *r)
{
	if (!r)
		return;
	cubo_json_gen_key(g, "resources");
	cubo_json_gen_map_open(g);
	devices_cgroup(g, r->devices, r->n_devices);
	memory(g, r->memory);
	cpu(g, r->cpu);
	if (r->pids) {
		cubo_json_gen_key(g, "pids");
		cubo_json_gen_map_open(g);
		kint(g, "limit", r->pids->limit);
		cubo_json_gen_map_close(g);
	}
	block_io(g, r->block_io);
	if (r->hugepage_limits) {
		cubo_json_gen_key(g, "hugepageLimits");
		cubo_json_gen_array_open(g);
		for (size_t i = 0; i < r->n_hugepage_limits; i++) {
			cubo_json_gen_map_open(g);
			spec_kstr(g, "pageSize", r->hugepage_limits[i].page_size);
			kuint(g, "limit", r->hugepage_limits[i].limit);
			cubo_json_gen_map_close(g);
		}
		cubo_json_gen_array_close(g);
	}
	if (r->network) {
		cubo_json_gen_key(g, "network");
		cubo_json_gen_map_open(g);
		kuint_has(g, "classID", r->network->has_class_id, r->network->class_id);
		if (r->network->priorities) {
			cubo_json_gen_key(g, "priorities");
			cubo_json_gen_array_open(g);
			for (size_t i = 0; i < r->network->n_priorities; i++) {
				cubo_json_gen_map_open(g);
				spec_kstr(g, "name", r->network->priorities[i].name);
				kuint(g, "priority", r->network->priorities[i].priority);
				cubo_json_gen_map_close(g);
			}
			cubo_json_gen_array_close(g);
		}
		cubo_json_gen_map_close(g);
	}
	if (r->rdma) {
		cubo_json_gen_key(g, "rdma");
		cubo_json_gen_map_open(g);
		for (size_t i = 0; i < r->n_rdma; i++) {
			cubo_json_gen_key(g, r->rdma[i].device);
			cubo_json_gen_map_open(g);
			kuint_has(g, "hcaHandles", r->rdma[i].has_hca_handles,
				  r->rdma[i].hca_handles);
			kuint_has(g, "hcaObjects", r->rdma[i].has_hca_objects,
				  r->rdma[i].hca_objects);
			cubo_json_gen_map_close(g);
		}
		cubo_json_gen_map_close(g);
	}
	spec_kmap(g, "unified", &r->unified);
	cubo_json_gen_map_close(g);
}

static void seccomp(gen_t *g, const struct oci_seccomp *s)
{
	if (!s)
		return;
	cubo_json_gen_key(g, "seccomp");
	cubo_json_gen_map_open(g);
	spec_kstr(g, "defaultAction", s->default_action);
	kuint_has(g, "defaultErrnoRet", s->has_default_errno_ret, s->default_errno_ret);
	spec_kstrlist(g, "architectures", &s->architectures);
	spec_kstrlist(g, "flags", &s->flags);
	spec_kstr(g, "listenerPath", s->listener_path);
	spec_kstr(g, "listenerMetadata", s->listener_metadata);
	if (s->syscalls) {
		cubo_json_gen_key(g, "syscalls");
		cubo_json_gen_array_open(g);
		for (size_t i = 0; i < s->n_syscalls; i++) {
			const struct oci_seccomp_syscall *sc = &s->syscalls[i];
			cubo_json_gen_map_open(g);
			spec_kstrlist(g, "names", &sc->names);
			spec_kstr(g, "action", sc->action);
			kuint_has(g, "errnoRet", sc->has_errno_ret, sc->errno_ret);
			if (sc->args) {
				cubo_json_gen_key(g, "args");
				cubo_json_gen_array_open(g);
				for (size_t j = 0; j < sc->n_args; j++) {
					const struct oci_seccomp_arg *a = &sc->args[j];
					cubo_json_gen_map_open(g);
					kuint(g, "index", a->index);
					kuint(g, "value", a->value);
					kuint_has(g, "valueTwo", a->has_value_two, a->value_two);
					spec_kstr(g, "op", a->op);
					cubo_json_gen_map_close(g);
				}
				cubo_json_gen_array_close(g);
			}
			cubo_json_gen_map_close(g);
		}
		cubo_json_gen_array_close(g);
	}
	cubo_json_gen_map_close(g);
}

static void time_offset(gen_t *g, const char *key, const struct oci_time_offset *t)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_map_open(g);
	kint(g, "secs", t->secs);
	kuint(g, "nanosecs", t->nanosecs);
	cubo_json_gen_map_close(g);
}

static void linux_(gen_t *g, const struct oci_linux *l)
{
	if (!l)
		return;
	cubo_json_gen_key(g, "linux");
	cubo_json_gen_map_open(g);
	id_mappings(g, "uidMappings", l->uid_mappings, l->n_uid_mappings);
	id_mappings(g, "gidMappings", l->gid_mappings, l->n_gid_mappings);
	spec_kmap(g, "sysctl", &l->sysctl);
	resources(g, l->resources);
	spec_kstr(g, "cgroupsPath", l->cgroups_path);
	if (l->namespaces) {
		cubo_json_gen_key(g, "namespaces");
		cubo_json_gen_array_open(g);
		for (size_t i = 0; i < l->n_namespaces; i++) {
			cubo_json_gen_map_open(g);
			spec_kstr(g, "type", l->namespaces[i].type);
			spec_kstr(g, "path", l->namespaces[i].path);
			cubo_json_gen_map_close(g);
		}
		cubo_json_gen_array_close(g);
	}
	if (l->devices) {
		cubo_json_gen_key(g, "devices");
		cubo_json_gen_array_open(g);
		for (size_t i = 0; i < l->n_devices; i++) {
			const struct oci_device *d = &l->devices[i];
			cubo_json_gen_map_open(g);
			spec_kstr(g, "path", d->path);
			spec_kstr(g, "type", d->type);
			kint_has(g, "major", d->has_major, d->major);
			kint_has(g, "minor", d->has_minor, d->minor);
			kuint_has(g, "fileMode", d->has_file_mode, d->file_mode);
			kuint_has(g, "uid", d->has_uid, d->uid);
			kuint_has(g, "gid", d->has_gid, d->gid);
			cubo_json_gen_map_close(g);
		}
		cubo_json_gen_array_close(g);
	}
	seccomp(g, l->seccomp);
	spec_kstr(g, "rootfsPropagation", l->rootfs_propagation);
	spec_kstrlist(g, "maskedPaths", &l->masked_paths);
	spec_kstrlist(g, "readonlyPaths", &l->readonly_paths);
	spec_kstr(g, "mountLabel", l->mount_label);
	if (l->intel_rdt) {
		cubo_json_gen_key(g, "intelRdt");
		cubo_json_gen_map_open(g);
		spec_kstr(g, "closID", l->intel_rdt->clos_id);
		spec_kstr(g, "l3CacheSchema", l->intel_rdt->l3_cache_schema);
		spec_kstr(g, "memBwSchema", l->intel_rdt->mem_bw_schema);
		kbool_if(g, "enableCMT", l->intel_rdt->enable_cmt);
		kbool_if(g, "enableMBM", l->intel_rdt->enable_mbm);
		cubo_json_gen_map_close(g);
	}
	if (l->personality) {
		cubo_json_gen_key(g, "personality");
		cubo_json_gen_map_open(g);
		spec_kstr(g, "domain", l->personality->domain);
		spec_kstrlist(g, "flags", &l->personality->flags);
		cubo_json_gen_map_close(g);
	}
	if (l->time_offsets) {
		cubo_json_gen_key(g, "timeOffsets");
		cubo_json_gen_map_open(g);
		if (l->time_offsets->has_monotonic)
			time_offset(g, "monotonic", &l->time_offsets->monotonic);
		if (l->time_offsets->has_boottime)
			time_offset(g, "boottime", &l->time_offsets->boottime);
		cubo_json_gen_map_close(g);
	}
	if (l->memory_policy) {
		cubo_json_gen_key(g, "memoryPolicy");
		cubo_json_gen_map_open(g);
		spec_kstr(g, "mode", l->memory_policy->mode);
		spec_kstr(g, "nodes", l->memory_policy->nodes);
		spec_kstrlist(g, "flags", &l->memory_policy->flags);
		cubo_json_gen_map_close(g);
	}
	if (l->net_devices) {
		cubo_json_gen_key(g, "netDevices");
		cubo_json_gen_map_open(g);
		for (size_t i = 0; i < l->n_net_devices; i++) {
			cubo_json_gen_key(g, l->net_devices[i].host_name);
			cubo_json_gen_map_open(g);
			spec_kstr(g, "name", l->net_devices[i].name);
			cubo_json_gen_map_close(g);
		}
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_map_close(g);
}

struct cubo_error *oci_config_to_json(const struct oci_config *cfg, bool pretty, char **out,
				      size_t *out_len)
{
	gen_t *g;

	CUBO_TRY(cubo_json_gen_new(pretty, &g));
	cubo_json_gen_map_open(g);
	spec_kstr(g, "ociVersion", cfg->oci_version);
	process(g, cfg->process);
	root(g, cfg->root);
	spec_kstr(g, "hostname", cfg->hostname);
	spec_kstr(g, "domainname", cfg->domainname);
	mounts(g, cfg->mounts, cfg->n_mounts);
	hooks(g, cfg->hooks);
	spec_kmap(g, "annotations", &cfg->annotations);
	linux_(g, cfg->linux_);
	cubo_json_gen_map_close(g);
	return cubo_json_gen_finish(g, out, out_len);
}

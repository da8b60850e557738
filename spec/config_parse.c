/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json -> struct oci_config. Field names follow runtime-spec v1.2
 * (specs-go/config.go). Every allocation is hung on the config as soon as it
 * is made, so a failure anywhere is cleaned up by one oci_config_free().
 *
 * Only checks that need nothing but the document itself live here (required
 * fields, types, namespace names, soft <= hard); host-dependent policy (does
 * the rootfs exist, may this rlimit be raised) belongs to the runtime.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "shared/fs.h"
#include "shared/json.h"
#include "shared/xalloc.h"
#include "spec/config.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

typedef struct cubo_json_ctx ctx_t;

#include "spec/spec_json.h"

/* ---- small objects ---- */

static struct cubo_error *id_mapping(ctx_t *c, yajl_val v, void *p)
{
	struct oci_id_mapping *m = p;

	CUBO_TRY(cubo_json_field_uint32(c, v, "containerID", true, &m->container_id, NULL));
	CUBO_TRY(cubo_json_field_uint32(c, v, "hostID", true, &m->host_id, NULL));
	CUBO_TRY(cubo_json_field_uint32(c, v, "size", true, &m->size, NULL));
	return NULL;
}

static struct cubo_error *id_mappings(ctx_t *c, yajl_val obj, const char *key,
				      struct oci_id_mapping **arr, size_t *n)
{
	return spec_object_array(c, obj, key, false, sizeof(**arr), (void **)arr, n, id_mapping);
}

static struct cubo_error *root(ctx_t *c, yajl_val obj, struct oci_config *cfg)
{
	yajl_val v;

	CUBO_TRY(cubo_json_field_object(c, obj, "root", false, &v));
	if (!v)
		return NULL;
	cfg->root = xcalloc(1, sizeof(*cfg->root));
	size_t mark = cubo_json_push_key(c, "root");
	struct cubo_error *err = cubo_json_field_string(c, v, "path", true, &cfg->root->path);
	if (!err)
		err = cubo_json_field_bool(c, v, "readonly", &cfg->root->readonly, NULL);
	cubo_json_pop(c, mark);
	return err;
}

static struct cubo_error *mount(ctx_t *c, yajl_val v, void *p)
{
	struct oci_mount *m = p;

	CUBO_TRY(cubo_json_field_string(c, v, "destination", true, &m->destination));
	CUBO_TRY(cubo_json_field_string(c, v, "source", false, &m->source));
	CUBO_TRY(cubo_json_field_string(c, v, "type", false, &m->type));
	CUBO_TRY(spec_strlist(c, v, "options", false, &m->options));
	CUBO_TRY(id_mappings(c, v, "uidMappings", &m->uid_mappings, &m->n_uid_mappings));
	CUBO_TRY(id_mappings(c, v, "gidMappings", &m->gid_mappings, &m->n_gid_mappings));
	return NULL;
}

/* ---- process ---- */

static struct cubo_error *user(ctx_t *c, yajl_val v, struct oci_user *u)
{
	yajl_val a;

	/* uid and gid are REQUIRED by the spec, but runc reads a missing one as 0 */
	CUBO_TRY(cubo_json_field_uint32(c, v, "uid", false, &u->uid, NULL));
	CUBO_TRY(cubo_json_field_uint32(c, v, "gid", false, &u->gid, NULL));
	CUBO_TRY(cubo_json_field_uint32(c, v, "umask", false, &u->umask, &u->has_umask));
	CUBO_TRY(cubo_json_field_string(c, v, "username", false, &u->username));
	CUBO_TRY(cubo_json_field_array(c, v, "additionalGids", false, &a));
	if (!a)
		return NULL;
	u->additional_gids = xcalloc(a->u.array.len, sizeof(uint32_t));
	u->n_additional_gids = a->u.array.len;
	size_t mark = cubo_json_push_key(c, "additionalGids");
	for (size_t i = 0; i < a->u.array.len; i++) {
		size_t m2 = cubo_json_push_index(c, i);
		struct cubo_error *err =
			cubo_json_as_uint32(c, a->u.array.values[i], &u->additional_gids[i]);
		cubo_json_pop(c, m2);
		if (err) {
			cubo_json_pop(c, mark);
			return err;
		}
	}
	cubo_json_pop(c, mark);
	return NULL;
}

static struct cubo_error *capabilities(ctx_t *c, yajl_val v, struct oci_capabilities *caps)
{
	CUBO_TRY(spec_strlist(c, v, "bounding", false, &caps->bounding));
	CUBO_TRY(spec_strlist(c, v, "effective", false, &caps->effective));
	CUBO_TRY(spec_strlist(c, v, "inheritable", false, &caps->inheritable));
	CUBO_TRY(spec_strlist(c, v, "permitted", false, &caps->permitted));
	CUBO_TRY(spec_strlist(c, v, "ambient", false, &caps->ambient));
	return NULL;
}

static struct cubo_error *rlimit(ctx_t *c, yajl_val v, void *p)
{
	struct oci_rlimit *r = p;

	CUBO_TRY(cubo_json_field_string(c, v, "type", true, &r->type));
	CUBO_TRY(cubo_json_field_uint64(c, v, "hard", true, &r->hard, NULL));
	CUBO_TRY(cubo_json_field_uint64(c, v, "soft", true, &r->soft, NULL));
	if (r->soft > r->hard)
		return cubo_json_error(c, "%s: soft limit %llu is above the hard limit %llu",
				       r->type, (unsigned long long)r->soft,
				       (unsigned long long)r->hard);
	return NULL;
}

static struct cubo_error *check_rlimits(ctx_t *c, const struct oci_process *p)
{
	for (size_t i = 0; i < p->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->rlimits[i].type, p->rlimits[j].type) == 0) {
				size_t mark = cubo_json_push_key(c, "rlimits");
				cubo_json_push_index(c, i);
				struct cubo_error *err = cubo_json_error(
					c, "duplicate rlimit type %s", p->rlimits[i].type);
				cubo_json_pop(c, mark);
				return err;
			}
	return NULL;
}

static struct cubo_error *scheduler(ctx_t *c, yajl_val v, struct oci_scheduler *s)
{
	CUBO_TRY(cubo_json_field_string(c, v, "policy", true, &s->policy));
	CUBO_TRY(cubo_json_field_int32(c, v, "nice", false, &s->nice, &s->has_nice));
	CUBO_TRY(cubo_json_field_int32(c, v, "priority", false, &s->priority, &s->has_priority));
	CUBO_TRY(spec_strlist(c, v, "flags", false, &s->flags));
	CUBO_TRY(cubo_json_field_uint64(c, v, "runtime", false, &s->runtime, &s->has_runtime));
	CUBO_TRY(cubo_json_field_uint64(c, v, "deadline", false, &s->deadline, &s->has_deadline));
	CUBO_TRY(cubo_json_field_uint64(c, v, "period", false, &s->period, &s->has_period));
	return NULL;
}

static struct cubo_error *console_size(ctx_t *c, yajl_val v, struct oci_console_size *s)
{
	CUBO_TRY(cubo_json_field_uint32(c, v, "height", true, &s->height, NULL));
	CUBO_TRY(cubo_json_field_uint32(c, v, "width", true, &s->width, NULL));
	return NULL;
}

static struct cubo_error *io_priority(ctx_t *c, yajl_val v, struct oci_io_priority *io)
{
	CUBO_TRY(cubo_json_field_string(c, v, "class", true, &io->klass));
	CUBO_TRY(cubo_json_field_int32(c, v, "priority", false, &io->priority, NULL));
	return NULL;
}

static struct cubo_error *cpu_affinity(ctx_t *c, yajl_val v, struct oci_cpu_affinity *a)
{
	CUBO_TRY(cubo_json_field_string(c, v, "initial", false, &a->initial));
	CUBO_TRY(cubo_json_field_string(c, v, "final", false, &a->final));
	return NULL;
}

/* An optional object member: allocate *out and parse it with the key pushed. */
#define SUB_OBJECT(c, obj, key, out, fn)                                                           \
	do {                                                                                       \
		yajl_val _v;                                                                       \
		CUBO_TRY(cubo_json_field_object(c, obj, key, false, &_v));                         \
		if (_v) {                                                                          \
			*(out) = xcalloc(1, sizeof(**(out)));                                      \
			WITH_KEY(c, key, fn(c, _v, *(out)));                                       \
		}                                                                                  \
	} while (0)

static struct cubo_error *process_body(ctx_t *c, yajl_val v, struct oci_process *p)
{
	yajl_val u;

	CUBO_TRY(cubo_json_field_bool(c, v, "terminal", &p->terminal, NULL));
	SUB_OBJECT(c, v, "consoleSize", &p->console_size, console_size);
	CUBO_TRY(cubo_json_field_object(c, v, "user", false, &u));
	if (u)
		WITH_KEY(c, "user", user(c, u, &p->user));
	CUBO_TRY(spec_strlist(c, v, "args", false, &p->args));
	CUBO_TRY(cubo_json_field_string(c, v, "commandLine", false, &p->command_line));
	if (!p->args.v && !p->command_line)
		WITH_KEY(c, "args", cubo_json_error(c, "missing required field"));
	if (p->args.v && p->args.n == 0)
		WITH_KEY(c, "args", cubo_json_error(c, "must have at least one entry"));
	CUBO_TRY(spec_strlist(c, v, "env", false, &p->env));
	CUBO_TRY(cubo_json_field_string(c, v, "cwd", true, &p->cwd));
	if (p->cwd[0] != '/')
		WITH_KEY(c, "cwd", cubo_json_error(c, "\"%s\" is not an absolute path", p->cwd));
	SUB_OBJECT(c, v, "capabilities", &p->capabilities, capabilities);
	CUBO_TRY(spec_object_array(c, v, "rlimits", false, sizeof(*p->rlimits),
				   (void **)&p->rlimits, &p->n_rlimits, rlimit));
	CUBO_TRY(check_rlimits(c, p));
	CUBO_TRY(cubo_json_field_bool(c, v, "noNewPrivileges", &p->no_new_privileges, NULL));
	CUBO_TRY(cubo_json_field_string(c, v, "apparmorProfile", false, &p->apparmor_profile));
	CUBO_TRY(cubo_json_field_int32(c, v, "oomScoreAdj", false, &p->oom_score_adj,
				       &p->has_oom_score_adj));
	SUB_OBJECT(c, v, "scheduler", &p->scheduler, scheduler);
	CUBO_TRY(cubo_json_field_string(c, v, "selinuxLabel", false, &p->selinux_label));
	SUB_OBJECT(c, v, "ioPriority", &p->io_priority, io_priority);
	SUB_OBJECT(c, v, "execCPUAffinity", &p->exec_cpu_affinity, cpu_affinity);
	return NULL;
}

/* ---- hooks ---- */

static struct cubo_error *hook(ctx_t *c, yajl_val v, void *p)
{
	struct oci_hook *h = p;

	CUBO_TRY(cubo_json_field_string(c, v, "path", true, &h->path));
	CUBO_TRY(spec_strlist(c, v, "args", false, &h->args));
	CUBO_TRY(spec_strlist(c, v, "env", false, &h->env));
	CUBO_TRY(cubo_json_field_int32(c, v, "timeout", false, &h->timeout, &h->has_timeout));
	if (h->has_timeout && h->timeout <= 0)
		WITH_KEY(c, "timeout",
			 cubo_json_error(c, "must be greater than zero, got %d", (int)h->timeout));
	return NULL;
}

static struct cubo_error *hook_list(ctx_t *c, yajl_val v, const char *key, struct oci_hook_list *l)
{
	return spec_object_array(c, v, key, false, sizeof(*l->v), (void **)&l->v, &l->n, hook);
}

static struct cubo_error *hooks(ctx_t *c, yajl_val v, struct oci_hooks *h)
{
	CUBO_TRY(hook_list(c, v, "prestart", &h->prestart));
	CUBO_TRY(hook_list(c, v, "createRuntime", &h->create_runtime));
	CUBO_TRY(hook_list(c, v, "createContainer", &h->create_container));
	CUBO_TRY(hook_list(c, v, "startContainer", &h->start_container));
	CUBO_TRY(hook_list(c, v, "poststart", &h->poststart));
	CUBO_TRY(hook_list(c, v, "poststop", &h->poststop));
	return NULL;
}

/* ---- linux ---- */

int oci_namespace_flag(const char *type)
{
	static const struct {
		const char *name;
		int flag;
	} map[] = {
		{"pid", CLONE_NEWPID},	     {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
		{"ipc", CLONE_NEWIPC},	     {"uts", CLONE_NEWUTS},	{"user", CLONE_NEWUSER},
		{"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
	};

	if (!type)
		return 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].name, type) == 0)
			return map[i].flag;
	return 0;
}

static struct cubo_error *namespace(ctx_t *c, yajl_val v, void *p)
{
	struct oci_namespace *ns = p;

	CUBO_TRY(cubo_json_field_string(c, v, "type", true, &ns->type));
	if (!oci_namespace_flag(ns->type))
		WITH_KEY(c, "type", cubo_json_error(c, "unknown namespace type \"%s\"", ns->type));
	CUBO_TRY(cubo_json_field_string(c, v, "path", false, &ns->path));
	return NULL;
}

static struct cubo_error *check_namespaces(ctx_t *c, const struct oci_linux *l)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(l->namespaces[i].type, l->namespaces[j].type) == 0) {
				size_t mark = cubo_json_push_key(c, "namespaces");
				cubo_json_push_index(c, i);
				cubo_json_push_key(c, "type");
				struct cubo_error *err = cubo_json_error(
					c, "duplicate namespace type \"%s\" (also at index %zu)",
					l->namespaces[i].type, j);
				cubo_json_pop(c, mark);
				return err;
			}
	return NULL;
}

static struct cubo_error *time_offset(ctx_t *c, yajl_val v, struct oci_time_offset *t)
{
	CUBO_TRY(cubo_json_field_int64(c, v, "secs", false, &t->secs, NULL));
	CUBO_TRY(cubo_json_field_uint32(c, v, "nanosecs", false, &t->nanosecs, NULL));
	return NULL;
}

static struct cubo_error *time_offsets(ctx_t *c, yajl_val v, struct oci_time_offsets *t)
{
	yajl_val o;

	CUBO_TRY(cubo_json_field_object(c, v, "monotonic", false, &o));
	if (o) {
		t->has_monotonic = true;
		WITH_KEY(c, "monotonic", time_offset(c, o, &t->monotonic));
	}
	CUBO_TRY(cubo_json_field_object(c, v, "boottime", false, &o));
	if (o) {
		t->has_boottime = true;
		WITH_KEY(c, "boottime", time_offset(c, o, &t->boottime));
	}
	return NULL;
}

static struct cubo_error *device(ctx_t *c, yajl_val v, void *p)
{
	struct oci_device *d = p;

	CUBO_TRY(cubo_json_field_string(c, v, "path", true, &d->path));
	CUBO_TRY(cubo_json_field_string(c, v, "type", true, &d->type));
	CUBO_TRY(cubo_json_field_int64(c, v, "major", false, &d->major, &d->has_major));
	CUBO_TRY(cubo_json_field_int64(c, v, "minor", false, &d->minor, &d->has_minor));
	CUBO_TRY(cubo_json_field_uint32(c, v, "fileMode", false, &d->file_mode, &d->has_file_mode));
	CUBO_TRY(cubo_json_field_uint32(c, v, "uid", false, &d->uid, &d->has_uid));
	CUBO_TRY(cubo_json_field_uint32(c, v, "gid", false, &d->gid, &d->has_gid));
	return NULL;
}

static struct cubo_error *device_cgroup(ctx_t *c, yajl_val v, void *p)
{
	struct oci_device_cgroup *d = p;
	bool present;

	CUBO_TRY(cubo_json_field_bool(c, v, "allow", &d->allow, &present));
	if (!present)
		WITH_KEY(c, "allow", cubo_json_error(c, "missing required field"));
	CUBO_TRY(cubo_json_field_string(c, v, "type", false, &d->type));
	CUBO_TRY(cubo_json_field_int64(c, v, "major", false, &d->major, &d->has_major));
	CUBO_TRY(cubo_json_field_int64(c, v, "minor", false, &d->minor, &d->has_minor));
	CUBO_TRY(cubo_json_field_string(c, v, "access", false, &d->access));
	return NULL;
}

static struct cubo_error *memory(ctx_t *c, yajl_val v, struct oci_memory *m)
{
	CUBO_TRY(cubo_json_field_int64(c, v, "limit", false, &m->limit, &m->has_limit));
	CUBO_TRY(cubo_json_field_int64(c, v, "reservation", false, &m->reservation,
				       &m->has_reservation));
	CUBO_TRY(cubo_json_field_int64(c, v, "swap", false, &m->swap, &m->has_swap));
	CUBO_TRY(cubo_json_field_int64(c, v, "kernel", false, &m->kernel, &m->has_kernel));
	CUBO_TRY(cubo_json_field_int64(c, v, "kernelTCP", false, &m->kernel_tcp,
				       &m->has_kernel_tcp));
	CUBO_TRY(cubo_json_field_uint64(c, v, "swappiness", false, &m->swappiness,
					&m->has_swappiness));
	CUBO_TRY(cubo_json_field_bool(c, v, "disableOOMKiller", &m->disable_oom_killer,
				      &m->has_disable_oom_killer));
	CUBO_TRY(cubo_json_field_bool(c, v, "useHierarchy", &m->use_hierarchy,
				      &m->has_use_hierarchy));
	CUBO_TRY(cubo_json_field_bool(c, v, "checkBeforeUpdate", &m->check_before_update,
				      &m->has_check_before_update));
	return NULL;
}

static struct cubo_error *cpu(ctx_t *c, yajl_val v, struct oci_cpu *p)
{
	CUBO_TRY(cubo_json_field_uint64(c, v, "shares", false, &p->shares, &p->has_shares));
	CUBO_TRY(cubo_json_field_int64(c, v, "quota", false, &p->quota, &p->has_quota));
	CUBO_TRY(cubo_json_field_uint64(c, v, "burst", false, &p->burst, &p->has_burst));
	CUBO_TRY(cubo_json_field_uint64(c, v, "period", false, &p->period, &p->has_period));
	CUBO_TRY(cubo_json_field_int64(c, v, "realtimeRuntime", false, &p->realtime_runtime,
				       &p->has_realtime_runtime));
	CUBO_TRY(cubo_json_field_uint64(c, v, "realtimePeriod", false, &p->realtime_period,
					&p->has_realtime_period));
	CUBO_TRY(cubo_json_field_string(c, v, "cpus", false, &p->cpus));
	CUBO_TRY(cubo_json_field_string(c, v, "mems", false, &p->mems));
	CUBO_TRY(cubo_json_field_int64(c, v, "idle", false, &p->idle, &p->has_idle));
	return NULL;
}

static struct cubo_error *weight_device(ctx_t *c, yajl_val v, void *p)
{
	struct oci_weight_device *d = p;

	CUBO_TRY(cubo_json_field_int64(c, v, "major", true, &d->major, NULL));
	CUBO_TRY(cubo_json_field_int64(c, v, "minor", true, &d->minor, NULL));
	CUBO_TRY(cubo_json_field_uint16(c, v, "weight", false, &d->weight, &d->has_weight));
	CUBO_TRY(cubo_json_field_uint16(c, v, "leafWeight", false, &d->leaf_weight,
					&d->has_leaf_weight));
	return NULL;
}

static struct cubo_error *throttle_device(ctx_t *c, yajl_val v, void *p)
{
	struct oci_throttle_device *d = p;

	CUBO_TRY(cubo_json_field_int64(c, v, "major", true, &d->major, NULL));
	CUBO_TRY(cubo_json_field_int64(c, v, "minor", true, &d->minor, NULL));
	CUBO_TRY(cubo_json_field_uint64(c, v, "rate", true, &d->rate, NULL));
	return NULL;
}

static struct cubo_error *throttle_list(ctx_t *c, yajl_val v, const char *key,
					struct oci_throttle_list *l)
{
	return spec_object_array(c, v, key, false, sizeof(*l->v), (void **)&l->v, &l->n,
				 throttle_device);
}

static struct cubo_error *block_io(ctx_t *c, yajl_val v, struct oci_block_io *b)
{
	CUBO_TRY(cubo_json_field_uint16(c, v, "weight", false, &b->weight, &b->has_weight));
	CUBO_TRY(cubo_json_field_uint16(c, v, "leafWeight", false, &b->leaf_weight,
					&b->has_leaf_weight));
	CUBO_TRY(spec_object_array(c, v, "weightDevice", false, sizeof(*b->weight_device),
				   (void **)&b->weight_device, &b->n_weight_device, weight_device));
	CUBO_TRY(throttle_list(c, v, "throttleReadBpsDevice", &b->throttle_read_bps));
	CUBO_TRY(throttle_list(c, v, "throttleWriteBpsDevice", &b->throttle_write_bps));
	CUBO_TRY(throttle_list(c, v, "throttleReadIOPSDevice", &b->throttle_read_iops));
	CUBO_TRY(throttle_list(c, v, "throttleWriteIOPSDevice", &b->throttle_write_iops));
	return NULL;
}

static struct cubo_error *hugepage_limit(ctx_t *c, yajl_val v, void *p)
{
	struct oci_hugepage_limit *h = p;

	CUBO_TRY(cubo_json_field_string(c, v, "pageSize", true, &h->page_size));
	CUBO_TRY(cubo_json_field_uint64(c, v, "limit", true, &h->limit, NULL));
	return NULL;
}

static struct cubo_error *net_priority(ctx_t *c, yajl_val v, void *p)
{
	struct oci_net_priority *n = p;

	CUBO_TRY(cubo_json_field_string(c, v, "name", true, &n->name));
	CUBO_TRY(cubo_json_field_uint32(c, v, "priority", true, &n->priority, NULL));
	return NULL;
}

static struct cubo_error *network(ctx_t *c, yajl_val v, struct oci_network *n)
{
	CUBO_TRY(cubo_json_field_uint32(c, v, "classID", false, &n->class_id, &n->has_class_id));
	CUBO_TRY(spec_object_array(c, v, "priorities", false, sizeof(*n->priorities),
				   (void **)&n->priorities, &n->n_priorities, net_priority));
	return NULL;
}

static struct cubo_error *pids(ctx_t *c, yajl_val v, struct oci_pids *p)
{
	return cubo_json_field_int64(c, v, "limit", true, &p->limit, NULL);
}

static struct cubo_error *rdma_entry(ctx_t *c, yajl_val v, struct oci_rdma *r)
{
	CUBO_TRY(cubo_json_expect_object(c, v));
	CUBO_TRY(cubo_json_field_uint32(c, v, "hcaHandles", false, &r->hca_handles,
					&r->has_hca_handles));
	CUBO_TRY(cubo_json_field_uint32(c, v, "hcaObjects", false, &r->hca_objects,
					&r->has_hca_objects));
	return NULL;
}

static struct cubo_error *rdma(ctx_t *c, yajl_val v, struct oci_resources *res)
{
	yajl_val m;

	CUBO_TRY(cubo_json_field_object(c, v, "rdma", false, &m));
	if (!m)
		return NULL;
	res->rdma = xcalloc(m->u.object.len, sizeof(*res->rdma));
	size_t mark = cubo_json_push_key(c, "rdma");
	for (size_t i = 0; i < m->u.object.len; i++) {
		struct oci_rdma *r = &res->rdma[res->n_rdma++];
		r->device = xstrdup(m->u.object.keys[i]);
		size_t m2 = cubo_json_push_key(c, r->device);
		struct cubo_error *err = rdma_entry(c, m->u.object.values[i], r);
		cubo_json_pop(c, m2);
		if (err) {
			cubo_json_pop(c, mark);
			return err;
		}
	}
	cubo_json_pop(c, mark);
	return NULL;
}

static struct cubo_error *resources(ctx_t *c, yajl_val v, struct oci_resources *r)
{
	CUBO_TRY(spec_object_array(c, v, "devices", false, sizeof(*r->devices),
				   (void **)&r->devices, &r->n_devices, device_cgroup));
	SUB_OBJECT(c, v, "memory", &r->memory, memory);
	SUB_OBJECT(c, v, "cpu", &r->cpu, cpu);
	SUB_OBJECT(c, v, "blockIO", &r->block_io, block_io);
	CUBO_TRY(spec_object_array(c, v, "hugepageLimits", false, sizeof(*r->hugepage_limits),
				   (void **)&r->hugepage_limits, &r->n_hugepage_limits,
				   hugepage_limit));
	SUB_OBJECT(c, v, "network", &r->network, network);
	SUB_OBJECT(c, v, "pids", &r->pids, pids);
	CUBO_TRY(rdma(c, v, r));
	CUBO_TRY(spec_string_map(c, v, "unified", &r->unified));
	return NULL;
}

static struct cubo_error *intel_rdt(ctx_t *c, yajl_val v, struct oci_intel_rdt *r)
{
	CUBO_TRY(cubo_json_field_string(c, v, "closID", false, &r->clos_id));
	CUBO_TRY(cubo_json_field_string(c, v, "l3CacheSchema", false, &r->l3_cache_schema));
	CUBO_TRY(cubo_json_field_string(c, v, "memBwSchema", false, &r->mem_bw_schema));
	CUBO_TRY(cubo_json_field_bool(c, v, "enableCMT", &r->enable_cmt, NULL));
	CUBO_TRY(cubo_json_field_bool(c, v, "enableMBM", &r->enable_mbm, NULL));
	return NULL;
}

static struct cubo_error *seccomp_arg(ctx_t *c, yajl_val v, void *p)
{
	struct oci_seccomp_arg *a = p;

	CUBO_TRY(cubo_json_field_uint32(c, v, "index", true, &a->index, NULL));
	CUBO_TRY(cubo_json_field_uint64(c, v, "value", true, &a->value, NULL));
	CUBO_TRY(cubo_json_field_uint64(c, v, "valueTwo", false, &a->value_two, &a->has_value_two));
	CUBO_TRY(cubo_json_field_string(c, v, "op", true, &a->op));
	return NULL;
}

static struct cubo_error *seccomp_syscall(ctx_t *c, yajl_val v, void *p)
{
	struct oci_seccomp_syscall *s = p;

	CUBO_TRY(spec_strlist(c, v, "names", true, &s->names));
	CUBO_TRY(cubo_json_field_string(c, v, "action", true, &s->action));
	CUBO_TRY(cubo_json_field_uint32(c, v, "errnoRet", false, &s->errno_ret, &s->has_errno_ret));
	CUBO_TRY(spec_object_array(c, v, "args", false, sizeof(*s->args), (void **)&s->args,
				   &s->n_args, seccomp_arg));
	return NULL;
}

static struct cubo_error *seccomp(ctx_t *c, yajl_val v, struct oci_seccomp *s)
{
	CUBO_TRY(cubo_json_field_string(c, v, "defaultAction", true, &s->default_action));
	CUBO_TRY(cubo_json_field_uint32(c, v, "defaultErrnoRet", false, &s->default_errno_ret,
					&s->has_default_errno_ret));
	CUBO_TRY(spec_strlist(c, v, "architectures", false, &s->architectures));
	CUBO_TRY(spec_strlist(c, v, "flags", false, &s->flags));
	CUBO_TRY(cubo_json_field_string(c, v, "listenerPath", false, &s->listener_path));
	CUBO_TRY(cubo_json_field_string(c, v, "listenerMetadata", false, &s->listener_metadata));
	CUBO_TRY(spec_object_array(c, v, "syscalls", false, sizeof(*s->syscalls),
				   (void **)&s->syscalls, &s->n_syscalls, seccomp_syscall));
	return NULL;
}

static struct cubo_error *personality(ctx_t *c, yajl_val v, struct oci_personality *p)
{
	CUBO_TRY(cubo_json_field_string(c, v, "domain", true, &p->domain));
	CUBO_TRY(spec_strlist(c, v, "flags", false, &p->flags));
	return NULL;
}

static struct cubo_error *memory_policy(ctx_t *c, yajl_val v, struct oci_memory_policy *m)
{
	CUBO_TRY(cubo_json_field_string(c, v, "mode", true, &m->mode));
	CUBO_TRY(cubo_json_field_string(c, v, "nodes", false, &m->nodes));
	CUBO_TRY(spec_strlist(c, v, "flags", false, &m->flags));
	return NULL;
}

static struct cubo_error *net_devices(ctx_t *c, yajl_val v, struct oci_linux *l)
{
	yajl_val m;
	struct cubo_error *err = NULL;

	CUBO_TRY(cubo_json_field_object(c, v, "netDevices", false, &m));
	if (!m)
		return NULL;
	l->net_devices = xcalloc(m->u.object.len, sizeof(*l->net_devices));
	size_t mark = cubo_json_push_key(c, "netDevices");
	for (size_t i = 0; i < m->u.object.len && !err; i++) {
		struct oci_net_device *d = &l->net_devices[l->n_net_devices++];
		d->host_name = xstrdup(m->u.object.keys[i]);
		size_t m2 = cubo_json_push_key(c, d->host_name);
		err = cubo_json_expect_object(c, m->u.object.values[i]);
		if (!err)
			err = cubo_json_field_string(c, m->u.object.values[i], "name", false,
						     &d->name);
		cubo_json_pop(c, m2);
	}
	cubo_json_pop(c, mark);
	return err;
}

static struct cubo_error *linux_body(ctx_t *c, yajl_val v, struct oci_linux *l)
{
	CUBO_TRY(spec_object_array(c, v, "namespaces", false, sizeof(*l->namespaces),
				   (void **)&l->namespaces, &l->n_namespaces, namespace));
	CUBO_TRY(check_namespaces(c, l));
	CUBO_TRY(id_mappings(c, v, "uidMappings", &l->uid_mappings, &l->n_uid_mappings));
	CUBO_TRY(id_mappings(c, v, "gidMappings", &l->gid_mappings, &l->n_gid_mappings));
	SUB_OBJECT(c, v, "timeOffsets", &l->time_offsets, time_offsets);
	CUBO_TRY(spec_object_array(c, v, "devices", false, sizeof(*l->devices),
				   (void **)&l->devices, &l->n_devices, device));
	CUBO_TRY(cubo_json_field_string(c, v, "cgroupsPath", false, &l->cgroups_path));
	SUB_OBJECT(c, v, "resources", &l->resources, resources);
	SUB_OBJECT(c, v, "intelRdt", &l->intel_rdt, intel_rdt);
	CUBO_TRY(spec_string_map(c, v, "sysctl", &l->sysctl));
	SUB_OBJECT(c, v, "seccomp", &l->seccomp, seccomp);
	CUBO_TRY(cubo_json_field_string(c, v, "rootfsPropagation", false, &l->rootfs_propagation));
	CUBO_TRY(spec_strlist(c, v, "maskedPaths", false, &l->masked_paths));
	CUBO_TRY(spec_strlist(c, v, "readonlyPaths", false, &l->readonly_paths));
	CUBO_TRY(cubo_json_field_string(c, v, "mountLabel", false, &l->mount_label));
	SUB_OBJECT(c, v, "personality", &l->personality, personality);
	SUB_OBJECT(c, v, "memoryPolicy", &l->memory_policy, memory_policy);
	CUBO_TRY(net_devices(c, v, l));
	return NULL;
}

/* ---- top level ---- */

static struct cubo_error *config_body(ctx_t *c, yajl_val top, struct oci_config *cfg)
{
	CUBO_TRY(cubo_json_expect_object(c, top));
	CUBO_TRY(cubo_json_field_string(c, top, "ociVersion", true, &cfg->oci_version));
	CUBO_TRY(root(c, top, cfg));
	CUBO_TRY(spec_object_array(c, top, "mounts", false, sizeof(*cfg->mounts),
				   (void **)&cfg->mounts, &cfg->n_mounts, mount));
	SUB_OBJECT(c, top, "process", &cfg->process, process_body);
	CUBO_TRY(cubo_json_field_string(c, top, "hostname", false, &cfg->hostname));
	CUBO_TRY(cubo_json_field_string(c, top, "domainname", false, &cfg->domainname));
	SUB_OBJECT(c, top, "hooks", &cfg->hooks, hooks);
	CUBO_TRY(spec_string_map(c, top, "annotations", &cfg->annotations));
	SUB_OBJECT(c, top, "linux", &cfg->linux_, linux_body);
	return NULL;
}

struct cubo_error *oci_config_parse(const char *json, size_t len, const char *source,
				    struct oci_config **out)
{
	struct cubo_json_ctx c;
	struct oci_config *cfg;
	struct cubo_error *err;
	yajl_val top;

	if (!source)
		source = "config.json";
	*out = NULL;
	CUBO_TRY(cubo_json_parse(json, len, source, &top));
	cubo_json_ctx_init(&c, source);
	cfg = xcalloc(1, sizeof(*cfg));
	err = config_body(&c, top, cfg);
	yajl_tree_free(top);
	if (err) {
		oci_config_free(cfg);
		return err;
	}
	*out = cfg;
	return NULL;
}

/*
 * One document holding a single process or resources object: the input of
 * `exec --process FILE` and `update -r FILE`. Errors name `source`.
 */
#define PARSE_ONE(name, type, body, freefn)                                                        \
	struct cubo_error *name(const char *json, size_t len, const char *source, type **out)      \
	{                                                                                          \
		struct cubo_json_ctx c;                                                            \
		struct cubo_error *err;                                                            \
		yajl_val top;                                                                      \
		type *obj;                                                                         \
                                                                                                   \
		*out = NULL;                                                                       \
		CUBO_TRY(cubo_json_parse(json, len, source, &top));                                \
		cubo_json_ctx_init(&c, source);                                                    \
		obj = xcalloc(1, sizeof(*obj));                                                    \
		err = cubo_json_expect_object(&c, top);                                            \
		if (!err)                                                                          \
			err = body(&c, top, obj);                                                  \
		yajl_tree_free(top);                                                               \
		if (err) {                                                                         \
			freefn(obj);                                                               \
			return err;                                                                \
		}                                                                                  \
		*out = obj;                                                                        \
		return NULL;                                                                       \
	}

PARSE_ONE(oci_process_parse, struct oci_process, process_body, oci_process_free)
PARSE_ONE(oci_resources_parse, struct oci_resources, resources, oci_resources_free)

struct cubo_error *oci_config_load(const char *path, struct oci_config **out)
{
	char *text;
	size_t len;
	struct cubo_error *err;

	*out = NULL;
	CUBO_TRY(cubo_read_file(path, &text, &len));
	err = oci_config_parse(text, len, path, out);
	free(text);
	return err;
}

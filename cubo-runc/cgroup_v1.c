/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v1 writers: which file of which hierarchy gets which string, in
 * the order runc writes them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/cgroup_priv.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

#define R "linux.resources."

static bool has_file(const char *dir, const char *name)
{
	char *f = cubo_path_join(dir, name);
	bool yes = cubo_path_exists(f);

	free(f);
	return yes;
}

static struct cubo_error *read_u64(const char *dir, const char *name, uint64_t *out)
{
	char *f = cubo_path_join(dir, name), *text = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file(f, &text, &len);

	if (!err) {
		char *end;

		*out = strtoull(text, &end, 10);
		if (end == text)
			err = cubo_error_new("%s: not a number: %s", f, text);
	}
	free(text);
	free(f);
	return err;
}

/* -1 means unlimited in the spec; v1 files take -1 as well. */
static void mem_write(struct cgroup_plan *p, const char *what, const char *file, const char *why,
		      int64_t v)
{
	cgroup_plan_add(p, what, file, why, false, "%" PRId64, v);
}

#define MEMSW "memory.memsw.limit_in_bytes"
#define SWAP_WHY "swap accounting disabled"

static struct cubo_error *plan_memory(const char *dir, const struct oci_memory *m,
				      struct cgroup_plan *p)
{
	int64_t limit = m->has_limit ? m->limit : 0, swap = m->has_swap ? m->swap : 0;

	/* Unlimited memory with no swap given means unlimited swap too, if it is accounted. */
	if (limit == -1 && !m->has_swap && has_file(dir, MEMSW))
		swap = -1;
	if (limit && swap) {
		uint64_t cur = 0;

		/* The kernel wants memory <= memory+swap at every step: order by direction. */
		CUBO_TRY(read_u64(dir, "memory.limit_in_bytes", &cur));
		if (swap == -1 || cur < (uint64_t)swap) {
			mem_write(p, R "memory.swap", MEMSW, SWAP_WHY, swap);
			mem_write(p, R "memory.limit", "memory.limit_in_bytes", NULL, limit);
		} else {
			mem_write(p, R "memory.limit", "memory.limit_in_bytes", NULL, limit);
			mem_write(p, R "memory.swap", MEMSW, SWAP_WHY, swap);
		}
	} else {
		if (limit)
			mem_write(p, R "memory.limit", "memory.limit_in_bytes", NULL, limit);
		if (swap)
			mem_write(p, R "memory.swap", MEMSW, SWAP_WHY, swap);
	}
	if (m->has_reservation && m->reservation)
		mem_write(p, R "memory.reservation", "memory.soft_limit_in_bytes", NULL,
			  m->reservation);
	/* Kernels from 6.x drop kernel memory limits; runc skips them too. */
	if (m->has_kernel && m->kernel)
		cgroup_plan_add(p, R "memory.kernel", "memory.kmem.limit_in_bytes", NULL, true,
				"%" PRId64, m->kernel);
	if (m->has_kernel_tcp && m->kernel_tcp)
		cgroup_plan_add(p, R "memory.kernelTCP", "memory.kmem.tcp.limit_in_bytes", NULL,
				true, "%" PRId64, m->kernel_tcp);
	if (m->has_swappiness) {
		if (m->swappiness > 100)
			return cubo_error_new(R "memory.swappiness: %" PRIu64
						" is out of range (0-100)",
					      m->swappiness);
		cgroup_plan_add(p, R "memory.swappiness", "memory.swappiness", NULL, false,
				"%" PRIu64, m->swappiness);
	}
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		cgroup_plan_add(p, R "memory.disableOOMKiller", "memory.oom_control", NULL, false,
				"1");
	if (m->has_use_hierarchy) {
		uint64_t cur = 2;

		/* Kernels from 5.x are always hierarchical and refuse a 0: ask only for a change.
		 */
		cubo_error_free(read_u64(dir, "memory.use_hierarchy", &cur));
		if (cur != (m->use_hierarchy ? 1 : 0))
			cgroup_plan_add(p, R "memory.useHierarchy", "memory.use_hierarchy",
					"not a memory cgroup", false, "%d",
					m->use_hierarchy ? 1 : 0);
	}
	return NULL;
}

static void plan_cpu(const struct oci_cpu *c, struct cgroup_plan *p)
{
	/* runc's order: realtime first (a child cannot get more than its parent). */
	if (c->has_realtime_period && c->realtime_period)
		cgroup_plan_add(p, R "cpu.realtimePeriod", "cpu.rt_period_us",
				"CONFIG_RT_GROUP_SCHED disabled", false, "%" PRIu64,
				c->realtime_period);
	if (c->has_realtime_runtime && c->realtime_runtime)
		cgroup_plan_add(p, R "cpu.realtimeRuntime", "cpu.rt_runtime_us",
				"CONFIG_RT_GROUP_SCHED disabled", false, "%" PRId64,
				c->realtime_runtime);
	if (c->has_shares && c->shares)
		cgroup_plan_add(p, R "cpu.shares", "cpu.shares", NULL, false, "%" PRIu64,
				c->shares);
	if (c->has_period && c->period)
		cgroup_plan_add(p, R "cpu.period", "cpu.cfs_period_us",
				"CONFIG_CFS_BANDWIDTH disabled", false, "%" PRIu64, c->period);
	if (c->has_quota && c->quota)
		cgroup_plan_add(p, R "cpu.quota", "cpu.cfs_quota_us",
				"CONFIG_CFS_BANDWIDTH disabled", false, "%" PRId64, c->quota);
	if (c->has_burst)
		cgroup_plan_add(p, R "cpu.burst", "cpu.cfs_burst_us", "kernel older than 5.14",
				false, "%" PRIu64, c->burst);
	if (c->has_idle)
		cgroup_plan_add(p, R "cpu.idle", "cpu.idle", "kernel older than 5.15", false,
				"%" PRId64, c->idle);
}

static void plan_throttle(struct cgroup_plan *p, const char *what, const char *file,
			  const struct oci_throttle_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		cgroup_plan_add(p, what, file, NULL, false, "%" PRId64 ":%" PRId64 " %" PRIu64,
				l->v[i].major, l->v[i].minor, l->v[i].rate);
}

static void plan_blkio(const char *dir, const struct oci_block_io *b, struct cgroup_plan *p)
{
	/* Without CFQ (gone since 5.0) the weights live in BFQ's files, as runc knows. */
	bool bfq = !has_file(dir, "blkio.weight") && has_file(dir, "blkio.bfq.weight");
	const char *wfile = bfq ? "blkio.bfq.weight" : "blkio.weight";
	const char *wdfile = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
	const char *why = "no CFQ or BFQ I/O scheduler";

	if (b->has_weight && b->weight)
		cgroup_plan_add(p, R "blockIO.weight", wfile, why, false, "%u", b->weight);
	if (b->has_leaf_weight && b->leaf_weight)
		cgroup_plan_add(p, R "blockIO.leafWeight", "blkio.leaf_weight",
				"CFQ only, gone since Linux 5.0", false, "%u", b->leaf_weight);
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct oci_weight_device *w = &b->weight_device[i];

		if (w->has_weight)
			cgroup_plan_add(p, R "blockIO.weightDevice", wdfile, why, false,
					"%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
					w->weight);
		if (w->has_leaf_weight)
			cgroup_plan_add(p, R "blockIO.weightDevice", "blkio.leaf_weight_device",
					"CFQ only, gone since Linux 5.0", false,
					"%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
					w->leaf_weight);
	}
	plan_throttle(p, R "blockIO.throttleReadBpsDevice", "blkio.throttle.read_bps_device",
		      &b->throttle_read_bps);
	plan_throttle(p, R "blockIO.throttleWriteBpsDevice", "blkio.throttle.write_bps_device",
		      &b->throttle_write_bps);
	plan_throttle(p, R "blockIO.throttleReadIOPSDevice", "blkio.throttle.read_iops_device",
		      &b->throttle_read_iops);
	plan_throttle(p, R "blockIO.throttleWriteIOPSDevice", "blkio.throttle.write_iops_device",
		      &b->throttle_write_iops);
}

static void plan_devices(const struct oci_resources *res, struct cgroup_plan *p)
{
	struct oci_device_cgroup *rules;
	size_t n;

	cgroup_devices_effective(res, &rules, &n);
	for (size_t i = 0; i < n; i++) {
		char rule[64];

		cgroup_device_rule_string(&rules[i], rule, sizeof(rule));
		cgroup_plan_add(p, R "devices", rules[i].allow ? "devices.allow" : "devices.deny",
				NULL, false, "%s", rule);
	}
	free(rules);
}

struct cubo_error *cgroup_v1_plan(const char *key, const char *dir, const struct oci_resources *res,
				  struct cgroup_plan *out)
{
	const struct oci_cpu *c = res->cpu;

	if (cgroup_key_has(key, "cpuset") && c) {
		if (c->cpus && *c->cpus)
			cgroup_plan_add(out, R "cpu.cpus", "cpuset.cpus", NULL, false, "%s",
					c->cpus);
		if (c->mems && *c->mems)
			cgroup_plan_add(out, R "cpu.mems", "cpuset.mems", NULL, false, "%s",
					c->mems);
	}
	if (cgroup_key_has(key, "memory") && res->memory)
		CUBO_TRY(plan_memory(dir, res->memory, out));
	if (cgroup_key_has(key, "cpu") && c)
		plan_cpu(c, out);
	if (cgroup_key_has(key, "pids") && res->pids && res->pids->limit) {
		if (res->pids->limit > 0)
			cgroup_plan_add(out, R "pids.limit", "pids.max", NULL, false, "%" PRId64,
					res->pids->limit);
		else
			cgroup_plan_add(out, R "pids.limit", "pids.max", NULL, false, "max");
	}
	if (cgroup_key_has(key, "blkio") && res->block_io)
		plan_blkio(dir, res->block_io, out);
	if (cgroup_key_has(key, "hugetlb"))
		for (size_t i = 0; i < res->n_hugepage_limits; i++) {
			const struct oci_hugepage_limit *h = &res->hugepage_limits[i];
			char file[96];

			snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", h->page_size);
			cgroup_plan_add(out, R "hugepageLimits", file, "no such huge page size",
					false, "%" PRIu64, h->limit);
		}
	if (cgroup_key_has(key, "net_cls") && res->network && res->network->has_class_id)
		cgroup_plan_add(out, R "network.classID", "net_cls.classid", NULL, false,
				"%" PRIu32, res->network->class_id);
	if (cgroup_key_has(key, "net_prio") && res->network)
		for (size_t i = 0; i < res->network->n_priorities; i++)
			cgroup_plan_add(out, R "network.priorities", "net_prio.ifpriomap", NULL,
					false, "%s %" PRIu32, res->network->priorities[i].name,
					res->network->priorities[i].priority);
	if (cgroup_key_has(key, "rdma"))
		for (size_t i = 0; i < res->n_rdma; i++) {
			const struct oci_rdma *r = &res->rdma[i];
			char h[32] = "", o[32] = "";

			if (!r->has_hca_handles && !r->has_hca_objects)
				continue;
			if (r->has_hca_handles)
				snprintf(h, sizeof(h), " hca_handle=%" PRIu32, r->hca_handles);
			if (r->has_hca_objects)
				snprintf(o, sizeof(o), " hca_object=%" PRIu32, r->hca_objects);
			cgroup_plan_add(out, R "rdma", "rdma.max", NULL, false, "%s%s%s", r->device,
					h, o);
		}
	if (cgroup_key_has(key, "devices") && res->n_devices)
		plan_devices(res, out);
	return NULL;
}

struct cubo_error *cgroup_v1_apply(const char *key, const char *dir,
				   const struct oci_resources *res)
{
	struct cgroup_plan p = {0};
	struct cubo_error *err = cgroup_v1_plan(key, dir, res, &p);

	if (!err)
		err = cgroup_plan_run(&p, dir);
	cgroup_plan_free(&p);
	return err;
}

/* ---- device rules (shared with the v2 program) ---- */

void cgroup_device_rule_string(const struct oci_device_cgroup *r, char *buf, size_t len)
{
	char maj[24] = "*", min[24] = "*";
	const char *type = r->type && *r->type ? r->type : "a";

	if (r->has_major && r->major >= 0)
		snprintf(maj, sizeof(maj), "%" PRId64, r->major);
	if (r->has_minor && r->minor >= 0)
		snprintf(min, sizeof(min), "%" PRId64, r->minor);
	snprintf(buf, len, "%s %s:%s %s", type, maj, min,
		 r->access && *r->access ? r->access : "rwm");
}

/*
 * The devices runc lets every container use whatever the config says
 * (specconv's AllowedDevices): the standard character devices and ptys.
 */
static const struct oci_device_cgroup default_allowed[] = {
	{.allow = true,
	 .type = "c",
	 .has_major = true,
	 .major = 1,
	 .has_minor = true,
	 .minor = 3,
	 .access = "rwm"},
	{.allow = true,
	 .type = "c",
	 .has_major = true,
	 .major = 1,
	 .has_minor = true,
	 .minor = 5,
	 .access = "rwm"},
	{.allow = true,
	 .type = "c",
	 .has_major = true,
	 .major = 1,
	 .has_minor = true,
	 .minor = 7,
	 .access = "rwm"},
	{.allow = true,
	 .type = "c",
	 .has_major = true,
	 .major = 1,
	 .has_minor = true,
	 .minor = 8,
	 .access = "rwm"},
	{.allow = true,
	 .type = "c",
	 .has_major = true,
	 .major = 1,
	 .has_minor = true,
	 .minor = 9,
	 .access = "rwm"},
	{.allow = true,
	 .type = "c",
	 .has_major = true,
	 .major = 5,
	 .has_minor = true,
	 .minor = 0,
	 .access = "rwm"},
	{.allow = true,
	 .type = "c",
	 .has_major = true,
	 .major = 5,
	 .has_minor = true,
	 .minor = 1,
	 .access = "rwm"},
	{.allow = true,
	 .type = "c",
	 .has_major = true,
	 .major = 5,
	 .has_minor = true,
	 .minor = 2,
	 .access = "rwm"},
	{.allow = true, .type = "c", .has_major = true, .major = 136, .access = "rwm"},
	{.allow = true,
	 .type = "c",
	 .has_major = true,
	 .major = 10,
	 .has_minor = true,
	 .minor = 200,
	 .access = "rwm"},
};

void cgroup_devices_effective(const struct oci_resources *res, struct oci_device_cgroup **out,
			      size_t *n)
{
	size_t nd = sizeof(default_allowed) / sizeof(default_allowed[0]);
	size_t nu = res ? res->n_devices : 0;

	*n = 0;
	*out = xcalloc(nu + nd + 1, sizeof(**out));
	if (!nu)
		return;
	memcpy(*out, res->devices, nu * sizeof(**out));
	memcpy(*out + nu, default_allowed, nd * sizeof(**out));
	*n = nu + nd;
}

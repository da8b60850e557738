/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v2 writers: value conversions, the files, and the
 * cgroup.subtree_control entries a directory needs for them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/cgroup_bpf.h"
#include "cubo-runc/cgroup_priv.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define R "linux.resources."

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	/* runc's mapping of [2, 262144] onto [1, 10000]. */
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_blkio_weight_to_io(uint64_t weight)
{
	/* runc's mapping of blkio [10, 1000] onto io [1, 10000]. */
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + (weight - 10) * 9999 / 990;
}

struct cubo_error *cgroup_v2_swap_value(const struct oci_memory *m, char *buf, size_t len)
{
	int64_t limit = m->has_limit ? m->limit : 0, swap = m->has_swap ? m->swap : 0;

	buf[0] = '\0';
	/* The spec's swap is memory+swap; v2's memory.swap.max is swap alone. */
	if (swap == 0 && limit == -1)
		swap = -1;
	if (swap == -1) {
		snprintf(buf, len, "max");
		return NULL;
	}
	if (swap == 0)
		return NULL;
	if (limit == 0 || limit == -1)
		return cubo_error_new(R "memory.swap: %" PRId64 " needs a memory limit", swap);
	if (swap < limit)
		return cubo_error_new(R "memory.swap: %" PRId64 " is less than the memory limit "
					"%" PRId64 " (it counts memory plus swap)",
				      swap, limit);
	snprintf(buf, len, "%" PRId64, swap - limit);
	return NULL;
}

static void need(char ***enable, const char *ctrl)
{
	size_t n = cubo_strv_len(*enable);

	if (!cubo_strv_contains(*enable, ctrl))
		cubo_strv_push(enable, &n, ctrl);
}

static void limit_or_max(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRId64, v);
}

static struct cubo_error *plan_memory(const struct oci_memory *m, struct cgroup_plan *p,
				      char ***enable)
{
	char swap[32], v[32];

	/*
	 * v2 has no per-cgroup swappiness. runc's v2 driver ignores the value;
	 * so do we (configs written for v1 carry it), but say so.
	 */
	if (m->has_swappiness)
		fprintf(stderr,
			"cubo-runc: warning: " R "memory.swappiness (%" PRIu64 "): cgroup v2 "
			"has no memory.swappiness; ignored\n",
			m->swappiness);
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		return cubo_error_new(R "memory.disableOOMKiller: not supported on cgroup v2");
	CUBO_TRY(cgroup_v2_swap_value(m, swap, sizeof(swap)));
	/* Swap first, as runc: memory.max may be lowered below the old memory+swap. */
	if (*swap)
		cgroup_plan_add(p, R "memory.swap", "memory.swap.max", "swap accounting disabled",
				false, "%s", swap);
	if (m->has_limit && m->limit) {
		limit_or_max(v, sizeof(v), m->limit);
		cgroup_plan_add(p, R "memory.limit", "memory.max", NULL, false, "%s", v);
	}
	if (m->has_reservation && m->reservation) {
		limit_or_max(v, sizeof(v), m->reservation);
		cgroup_plan_add(p, R "memory.reservation", "memory.low", NULL, false, "%s", v);
	}
	/* kernel and kernelTCP have no v2 file; runc ignores them as well. */
	if (p->n)
		need(enable, "memory");
	return NULL;
}

static struct cubo_error *plan_cpu(const struct oci_cpu *c, struct cgroup_plan *p, char ***enable)
{
	size_t before = p->n;

	if ((c->has_realtime_period && c->realtime_period) ||
	    (c->has_realtime_runtime && c->realtime_runtime))
		return cubo_error_new(R "cpu.realtimeRuntime/realtimePeriod: not supported on "
					"cgroup v2");
	if (c->has_shares && c->shares)
		cgroup_plan_add(p, R "cpu.shares", "cpu.weight", NULL, false, "%" PRIu64,
				cgroup_shares_to_weight(c->shares));
	if ((c->has_quota && c->quota) || (c->has_period && c->period)) {
		char q[32] = "max";

		if (c->has_quota && c->quota > 0)
			snprintf(q, sizeof(q), "%" PRId64, c->quota);
		if (c->has_period && c->period)
			cgroup_plan_add(p, R "cpu.quota", "cpu.max", NULL, false, "%s %" PRIu64, q,
					c->period);
		else
			cgroup_plan_add(p, R "cpu.quota", "cpu.max", NULL, false, "%s", q);
	}
	if (c->has_burst)
		cgroup_plan_add(p, R "cpu.burst", "cpu.max.burst", "kernel older than 5.14", false,
				"%" PRIu64, c->burst);
	if (c->has_idle)
		cgroup_plan_add(p, R "cpu.idle", "cpu.idle", "kernel older than 5.15", false,
				"%" PRId64, c->idle);
	if (p->n > before)
		need(enable, "cpu");
	before = p->n;
	if (c->cpus && *c->cpus)
		cgroup_plan_add(p, R "cpu.cpus", "cpuset.cpus", NULL, false, "%s", c->cpus);
	if (c->mems && *c->mems)
		cgroup_plan_add(p, R "cpu.mems", "cpuset.mems", NULL, false, "%s", c->mems);
	if (p->n > before)
		need(enable, "cpuset");
	return NULL;
}

static void plan_throttle(struct cgroup_plan *p, const char *what, const char *kind,
			  const struct oci_throttle_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		cgroup_plan_add(p, what, "io.max", NULL, false,
				"%" PRId64 ":%" PRId64 " %s=%" PRIu64, l->v[i].major, l->v[i].minor,
				kind, l->v[i].rate);
}

static struct cubo_error *plan_io(const char *dir, const struct oci_block_io *b,
				  struct cgroup_plan *p, char ***enable)
{
	char *f = cubo_path_join(dir, "io.bfq.weight");
	bool bfq = cubo_path_exists(f);
	size_t before = p->n;

	free(f);
	if (b->has_leaf_weight && b->leaf_weight)
		return cubo_error_new(R "blockIO.leafWeight: not supported on cgroup v2");
	/* BFQ takes blkio-range weights as they are; io.weight needs them converted. */
	if (b->has_weight && b->weight) {
		if (bfq)
			cgroup_plan_add(p, R "blockIO.weight", "io.bfq.weight", NULL, false, "%u",
					b->weight);
		else
			cgroup_plan_add(p, R "blockIO.weight", "io.weight", NULL, false,
					"default %" PRIu64, cgroup_blkio_weight_to_io(b->weight));
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct oci_weight_device *w = &b->weight_device[i];

		if (w->has_leaf_weight)
			return cubo_error_new(R "blockIO.weightDevice[%zu].leafWeight: not "
						"supported on cgroup v2",
					      i);
		if (!w->has_weight)
			continue;
		if (bfq)
			cgroup_plan_add(p, R "blockIO.weightDevice", "io.bfq.weight", NULL, false,
					"%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
					w->weight);
		else
			cgroup_plan_add(p, R "blockIO.weightDevice", "io.weight", NULL, false,
					"%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
					cgroup_blkio_weight_to_io(w->weight));
	}
	plan_throttle(p, R "blockIO.throttleReadBpsDevice", "rbps", &b->throttle_read_bps);
	plan_throttle(p, R "blockIO.throttleWriteBpsDevice", "wbps", &b->throttle_write_bps);
	plan_throttle(p, R "blockIO.throttleReadIOPSDevice", "riops", &b->throttle_read_iops);
	plan_throttle(p, R "blockIO.throttleWriteIOPSDevice", "wiops", &b->throttle_write_iops);
	if (p->n > before)
		need(enable, "io");
	return NULL;
}

/* A unified key names one file of the directory, nothing else. */
static struct cubo_error *plan_unified(const struct oci_map *u, struct cgroup_plan *p,
				       char ***enable)
{
	for (size_t i = 0; i < u->n; i++) {
		const char *k = u->v[i].key;
		const char *dot = strchr(k, '.');
		char what[256], ctrl[64];

		if (!*k || strchr(k, '/') || strstr(k, "..") || !dot || dot == k)
			return cubo_error_new(R "unified: %s is not a cgroup file name", k);
		snprintf(what, sizeof(what), R "unified.%s", k);
		cgroup_plan_add(p, what, k, "controller or knob unknown to this kernel", false,
				"%s", u->v[i].value ? u->v[i].value : "");
		snprintf(ctrl, sizeof(ctrl), "%.*s", (int)(dot - k), k);
		/* cgroup.* is core; every other prefix is a controller. */
		if (strcmp(ctrl, "cgroup"))
			need(enable, ctrl);
	}
	return NULL;
}

struct cubo_error *cgroup_v2_plan(const char *dir, const struct oci_resources *res,
				  struct cgroup_plan *out, char ***enable)
{
	if (res->cpu)
		CUBO_TRY(plan_cpu(res->cpu, out, enable));
	if (res->memory)
		CUBO_TRY(plan_memory(res->memory, out, enable));
	if (res->pids && res->pids->limit) {
		char v[32];

		limit_or_max(v, sizeof(v), res->pids->limit);
		cgroup_plan_add(out, R "pids.limit", "pids.max", NULL, false, "%s", v);
		need(enable, "pids");
	}
	if (res->block_io)
		CUBO_TRY(plan_io(dir, res->block_io, out, enable));
	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const struct oci_hugepage_limit *h = &res->hugepage_limits[i];
		char file[96];

		snprintf(file, sizeof(file), "hugetlb.%s.max", h->page_size);
		cgroup_plan_add(out, R "hugepageLimits", file, "no such huge page size", false,
				"%" PRIu64, h->limit);
		need(enable, "hugetlb");
	}
	for (size_t i = 0; i < res->n_rdma; i++) {
		const struct oci_rdma *r = &res->rdma[i];
		char h[32] = "", o[32] = "";

		if (!r->has_hca_handles && !r->has_hca_objects)
			continue;
		if (r->has_hca_handles)
			snprintf(h, sizeof(h), " hca_handle=%" PRIu32, r->hca_handles);
		if (r->has_hca_objects)
			snprintf(o, sizeof(o), " hca_object=%" PRIu32, r->hca_objects);
		cgroup_plan_add(out, R "rdma", "rdma.max", NULL, false, "%s%s%s", r->device, h, o);
		need(enable, "rdma");
	}
	/* Last, so a unified value overrides the same knob set above (runc's order). */
	return plan_unified(&res->unified, out, enable);
}

static bool word_in_file(const char *dir, const char *name, const char *word, bool *exists)
{
	char *f = cubo_path_join(dir, name), *text = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file(f, &text, &len);
	bool yes;

	free(f);
	*exists = !err;
	if (err) {
		cubo_error_free(err);
		return false;
	}
	text[strcspn(text, "\n")] = '\0';
	yes = cgroup_list_has(text, ' ', word);
	free(text);
	return yes;
}

static struct cubo_error *enable_one(const char *dir, unsigned made_depth, const char *ctrl)
{
	char *p = xstrdup(dir), **chain = NULL;
	size_t n = 0;
	unsigned level = 1; /* dir itself */
	struct cubo_error *err = NULL;
	bool exists;

	/*
	 * Walk up from the parent: every ancestor below the nearest one that
	 * already has ctrl in subtree_control must enable it for the next
	 * level. Only cgroups the runtime created (the lowest made_depth
	 * levels) are written: a cgroup above them belongs to someone else,
	 * so a controller it does not pass down is an error, not a write.
	 */
	for (;;) {
		char *slash = strrchr(p, '/');

		if (!slash || slash == p) {
			err = cubo_error_new("the %s controller is not available above %s", ctrl,
					     dir);
			break;
		}
		*slash = '\0';
		level++;
		if (word_in_file(p, "cgroup.subtree_control", ctrl, &exists))
			break;
		if (!exists) {
			err = cubo_error_new("the %s controller is not available above %s", ctrl,
					     dir);
			break;
		}
		if (level > made_depth) {
			if (word_in_file(p, "cgroup.controllers", ctrl, &exists))
				err = cubo_error_new(
					"the %s controller is not enabled in "
					"%s/cgroup.subtree_control, a cgroup the runtime "
					"did not create (enable it there first)",
					ctrl, p);
			else
				err = cubo_error_new("the %s controller is not available in %s",
						     ctrl, p);
			break;
		}
		cubo_strv_push(&chain, &n, p);
	}
	free(p);
	/* Enable top-down: a child can only enable what its parent enabled. */
	for (size_t i = n; !err && i-- > 0;) {
		char *f = cubo_path_join(chain[i], "cgroup.subtree_control"), buf[72];
		int len = snprintf(buf, sizeof(buf), "+%s", ctrl);

		err = cubo_error_wrap(cubo_write_existing(f, buf, (size_t)len),
				      "enable the %s controller", ctrl);
		free(f);
	}
	cubo_strv_free(chain);
	return err;
}

static bool cpu_needs_cpu(const struct oci_cpu *c)
{
	return c && (c->has_shares || c->has_quota || c->has_period || c->has_burst ||
		     c->has_realtime_runtime || c->has_realtime_period || c->has_idle);
}

/*
 * The part of the config that needs a controller, for error messages: the
 * field that asked for it (the structured one first, as they are planned
 * first), else the unified key, e.g. linux.resources.unified."memory.max".
 */
static void needed_by(const char *ctrl, const struct oci_resources *res, char *buf, size_t size)
{
	const struct {
		const char *ctrl, *field;
		bool set;
	} map[] = {
		{"memory", R "memory", res->memory != NULL},
		{"cpu", R "cpu", cpu_needs_cpu(res->cpu)},
		{"cpuset", R "cpu.cpus/mems", res->cpu && (res->cpu->cpus || res->cpu->mems)},
		{"pids", R "pids", res->pids && res->pids->limit},
		{"io", R "blockIO", res->block_io != NULL},
		{"hugetlb", R "hugepageLimits", res->n_hugepage_limits > 0},
		{"rdma", R "rdma", res->n_rdma > 0},
	};
	size_t len = strlen(ctrl);

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].set && !strcmp(map[i].ctrl, ctrl)) {
			snprintf(buf, size, "%s", map[i].field);
			return;
		}
	}
	for (size_t i = 0; i < res->unified.n; i++) {
		const char *k = res->unified.v[i].key;
		if (!strncmp(k, ctrl, len) && k[len] == '.') {
			snprintf(buf, size, R "unified.\"%s\"", k);
			return;
		}
	}
	snprintf(buf, size, R "unified");
}

struct cubo_error *cgroup_v2_enable(const char *dir, unsigned made_depth,
				    const struct oci_resources *res, char *const *enable)
{
	for (size_t i = 0; enable && enable[i]; i++) {
		char field[192];

		needed_by(enable[i], res, field, sizeof(field));
		CUBO_TRY_CTX(enable_one(dir, made_depth, enable[i]), "%s", field);
	}
	return NULL;
}

struct cubo_error *cgroup_v2_apply(const char *dir, unsigned made_depth,
				   const struct oci_resources *res)
{
	struct cgroup_plan p = {0};
	char **enable = NULL;
	struct cubo_error *err = cgroup_v2_plan(dir, res, &p, &enable);

	if (!err)
		err = cgroup_v2_enable(dir, made_depth, res, enable);
	if (!err)
		err = cgroup_plan_run(&p, dir);
	cgroup_plan_free(&p);
	cubo_strv_free(enable);
	if (!err && res->n_devices) {
		struct oci_device_cgroup *rules;
		size_t n;

		cgroup_devices_effective(res, &rules, &n);
		err = cgroup_bpf_devices_apply(dir, rules, n);
		free(rules);
		err = cubo_error_wrap(err, R "devices");
	}
	return err;
}

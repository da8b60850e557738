/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the cgroup drivers, shared by cgroup.c, cgroup_layout.c,
 * cgroup_v1.c and cgroup_v2.c. The pure parts (text parsing, path
 * computation, "which file gets which string") are here so unit tests can
 * drive them with text and temporary directories standing in for cgroup trees.
 */
#ifndef CUBO_RUNC_CGROUP_PRIV_H
#define CUBO_RUNC_CGROUP_PRIV_H

#include "cubo-runc/cgroup.h"

/* true when word is one of the sep-separated items of list. */
bool cgroup_list_has(const char *list, char sep, const char *word);
/* true when the comma-separated key ("cpu,cpuacct") names controller. */
bool cgroup_key_has(const char *key, const char *controller);

/*
 * The container's directory in hierarchy h: a relative cgroups_path (or id,
 * when cgroups_path is NULL or empty) under h->own_dir (v1) or its parent
 * (v2, unless h->own_dir is the root), an absolute one under
 * h->mount_point (minus the mount's root). ".." components are refused.
 */
struct cubo_error *cgroup_container_dir(const struct cgroup_hierarchy *h, const char *cgroups_path,
					const char *id, char **out);

/* One write into a cgroup directory. */
struct cgroup_write {
	char *file;	 /* name inside the directory: "memory.limit_in_bytes" */
	char *value;	 /* what is written */
	char *what;	 /* the config path it comes from: "linux.resources.memory.limit" */
	const char *why; /* hint when the file is missing: "swap accounting disabled" */
	bool optional;	 /* a missing file is skipped (only where runc skips too) */
};

struct cgroup_plan {
	struct cgroup_write *w;
	size_t n;
};

/* Append a write; never fails (aborts on OOM, like cubo_path_join). */
void cgroup_plan_add(struct cgroup_plan *p, const char *what, const char *file, const char *why,
		     bool optional, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void cgroup_plan_free(struct cgroup_plan *p);
/*
 * Check first that every non-optional file exists (so a config is never half
 * applied because of a missing file), then write in order.
 */
struct cubo_error *cgroup_plan_run(const struct cgroup_plan *p, const char *dir);

/*
 * The writes for one v1 hierarchy (key lists its controllers). dir is read
 * for the values some decisions need (current memory limit, which blkio
 * files this kernel has).
 */
struct cubo_error *cgroup_v1_plan(const char *key, const char *dir, const struct oci_resources *res,
				  struct cgroup_plan *out);
/* The writes for a v2 directory; enable names the controllers they need. */
struct cubo_error *cgroup_v2_plan(const char *dir, const struct oci_resources *res,
				  struct cgroup_plan *out, char ***enable);
/*
 * Make sure every controller in enable is in the cgroup.subtree_control of
 * each directory from the highest one that lacks it down to dir's parent,
 * writing only the lowest made_depth levels (ours). A failure names the
 * field of res that needs the controller.
 */
struct cubo_error *cgroup_v2_enable(const char *dir, unsigned made_depth,
				    const struct oci_resources *res, char *const *enable);
/* Apply res to a v2 directory (plan + enable + run, and the devices program). */
struct cubo_error *cgroup_v2_apply(const char *dir, unsigned made_depth,
				   const struct oci_resources *res);
/* Apply res to a v1 directory of hierarchy key. */
struct cubo_error *cgroup_v1_apply(const char *key, const char *dir,
				   const struct oci_resources *res);

/* Value conversions runc makes for v2. */
uint64_t cgroup_shares_to_weight(uint64_t shares);
uint64_t cgroup_blkio_weight_to_io(uint64_t weight);
/* memory.swap.max from the v1-style swap (memory+swap) and limit; "" when nothing to write. */
struct cubo_error *cgroup_v2_swap_value(const struct oci_memory *m, char *buf, size_t len);

/* "a *:* rwm", "c 1:3 rw" for one device rule. */
void cgroup_device_rule_string(const struct oci_device_cgroup *r, char *buf, size_t len);
/*
 * The device rules a container gets: the config's, then (when it has any)
 * the devices every container needs, as runc adds them. Caller frees *out
 * (the strings in it are static or borrowed).
 */
void cgroup_devices_effective(const struct oci_resources *res, struct oci_device_cgroup **out,
			      size_t *n);

#endif

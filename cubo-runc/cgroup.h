/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's cgroups on a v1, v2 or hybrid host. The layout is read once
 * per call from /proc/self/mountinfo and /proc/self/cgroup. A container gets
 * one directory per hierarchy it uses; a relative cgroupsPath (and the
 * default, "<id>") nests under the caller's own cgroup in each v1 hierarchy
 * and under its parent on v2 (runc's fs2 rule: see cgroup_container_dir), an
 * absolute one starts at the hierarchy's root as seen in the caller's cgroup
 * namespace (runc's rule).
 *
 * What `create` made is recorded in state.json ("cgroupPaths", one
 * "hierarchy-key=absolute-dir" line each, see cgroup_set_to_strlist), so
 * delete, exec, pause, update, ps and events work from the state file alone,
 * also after the runtime or the container was killed.
 */
#ifndef CUBO_RUNC_CGROUP_H
#define CUBO_RUNC_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <yajl/yajl_gen.h>

#include "shared/error.h"
#include "shared/json.h"
#include "spec/config.h"

enum cgroup_mode {
	CGROUP_MODE_V1,	    /* only v1 controller mounts */
	CGROUP_MODE_V2,	    /* /sys/fs/cgroup is cgroup2 */
	CGROUP_MODE_HYBRID, /* v1 controllers plus a cgroup2 mount (usually .../unified) */
};

/* One mounted hierarchy. */
struct cgroup_hierarchy {
	char *key;	   /* "memory", "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
	char *mount_point; /* /sys/fs/cgroup/memory */
	char *own_dir;	   /* absolute directory of the caller's cgroup in this hierarchy */
	bool v2;
	char *v2_controllers; /* v2: contents of cgroup.controllers of own_dir's root */
	char *mount_root;     /* the mount's root inside the hierarchy ("/" usually) */
};

struct cgroup_layout {
	enum cgroup_mode mode;
	struct cgroup_hierarchy *h;
	size_t n;
};

/* Read the layout of the calling process. */
struct cubo_error *cgroup_layout_detect(struct cgroup_layout *out);
/*
 * Build a layout from the text of /proc/self/mountinfo and a /proc/PID/cgroup
 * (own_dir: that process's directories; the manager reads a container
 * init's). v2_controllers is left NULL (cgroup_layout_detect reads it from
 * the tree).
 */
struct cubo_error *cgroup_layout_parse(const char *mountinfo, const char *proc_cgroup,
				       struct cgroup_layout *out);
void cgroup_layout_free(struct cgroup_layout *l);
/* The hierarchy that holds controller (v1 name such as "memory", or v2 name); NULL if none. */
const struct cgroup_hierarchy *cgroup_layout_find(const struct cgroup_layout *l,
						  const char *controller);

/* The container's cgroup directories, parallel to nothing: each knows its hierarchy. */
struct cgroup_dir {
	char *key;  /* hierarchy key as in struct cgroup_hierarchy */
	char *path; /* absolute directory */
	bool v2;
	bool made;	     /* created by us (delete removes it) */
	bool unit;	     /* a systemd unit's (--systemd-cgroup): ours, delete stops the unit */
	unsigned made_depth; /* how many levels (leaf and parents) we created */
};

struct cgroup_set {
	struct cgroup_dir *d;
	size_t n;
};

/*
 * Make (mkdir -p) the container's directories in every usable hierarchy,
 * apply res (may be NULL), and fail with a clear error naming the resource
 * and file when the kernel lacks a file a set value needs. On failure
 * whatever was made is removed.
 */
struct cubo_error *cgroup_set_create(const struct cgroup_layout *l, const char *cgroups_path,
				     const char *id, const struct oci_resources *res,
				     struct cgroup_set **out);
/* Apply (or re-apply, for `update`) resources to an existing set. */
struct cubo_error *cgroup_set_apply(const struct cgroup_set *s, const struct oci_resources *res);
/* Every pid in the container's cgroup (from the first hierarchy holding "pids" or any). */
struct cubo_error *cgroup_set_pids(const struct cgroup_set *s, pid_t **pids, size_t *n);
/* SIGKILL every process (freezing first so none can fork away), until the cgroup is empty. */
struct cubo_error *cgroup_set_kill_all(const struct cgroup_set *s, int sig);
/* Freeze or thaw: v1 freezer.state, v2 cgroup.freeze; waits until the state is reached. */
struct cubo_error *cgroup_set_freeze(const struct cgroup_set *s, bool frozen);
/* true when frozen (for `state` to say "paused"). */
bool cgroup_set_is_frozen(const struct cgroup_set *s);
/*
 * Frozen in effect: by its own freezer or an ancestor's (v1 freezer.state not
 * THAWED, v2 cgroup.events "frozen 1"). A process put there stops at once.
 */
bool cgroup_set_frozen_in_effect(const struct cgroup_set *s);
/* rmdir the directories we made, deepest first; an already missing one is fine. */
struct cubo_error *cgroup_set_destroy(const struct cgroup_set *s);
void cgroup_set_free(struct cgroup_set *s);

/*
 * state.json round trip ("key=path" lines; "made" is kept with a trailing
 * "=made", or "=made=N" when N levels were created; a unit's with "=unit").
 */
struct cubo_error *cgroup_set_to_strlist(const struct cgroup_set *s, struct oci_strlist *out);
struct cubo_error *cgroup_set_from_strlist(const struct oci_strlist *in, struct cgroup_set **out);

/*
 * What create, delete and state need, kept here so they stay one call each.
 *
 * The set is also recorded in CGROUP_RECORD_FILE in the state directory
 * before any process enters it, so a `create` that crashed before writing
 * state.json still leaves delete enough to remove the cgroups.
 */
#define CGROUP_RECORD_FILE "cgroups"
/* More than any kernel mounts: v1 has about 14 controllers, plus named hierarchies. */
#define CGROUP_MAX_HIERARCHIES 32
/*
 * create: make the set for the config and record it (state_dirfd), before
 * the init exists; it joins at birth (struct cgroup_entry).
 * Of res only cpuset's cpus and mems are applied here (a process may not
 * enter an empty cpuset); the rest is for cgroup_set_apply once the init has
 * made its device nodes, as runc orders it.
 * *out is set as soon as the set exists, also when a later step fails: the
 * caller then calls cgroup_set_remove.
 */
struct cubo_error *cgroup_container_prepare(const struct cgroup_layout *l, const char *cgroups_path,
					    const char *id, const struct oci_resources *res,
					    int state_dirfd, struct cgroup_set **out);

/*
 * How the init enters the set at birth, without the runtime moving it:
 * a v2 directory for clone3's CLONE_INTO_CGROUP, and a `tasks` file per v1
 * hierarchy that the init writes "0" to. Both skip the kernel's global
 * threadgroup lock, whose first write after a quiet moment waits for an RCU
 * grace period (8 to 11 ms here): moving a pid through cgroup.procs takes
 * it, moving the calling single thread through `tasks` does not.
 */
struct cgroup_entry {
	int v2_dirfd; /* -1: no v2 directory, or clone3 refused it: see v2_procs */
	int v2_procs; /* the v2 cgroup.procs, written "0" when CLONE_INTO_CGROUP is not used */
	int tasks[CGROUP_MAX_HIERARCHIES];
	size_t n_tasks;
};
/* Open the files (O_CLOEXEC); on error nothing stays open. */
struct cubo_error *cgroup_entry_open(const struct cgroup_set *s, struct cgroup_entry *e);
/*
 * In the init, first thing: write "0" to every tasks file (and to v2_procs
 * when it is open). Returns 0 or a negative errno; no allocation.
 */
int cgroup_entry_join_self(const struct cgroup_entry *e);
/* clone3 did not take the v2 directory: the init writes its cgroup.procs instead. */
struct cubo_error *cgroup_entry_v2_fallback(struct cgroup_entry *e, const struct cgroup_set *s);
void cgroup_entry_close(struct cgroup_entry *e);
/* The recorded set: paths from state.json, else the record file in state_dir; may be empty. */
struct cubo_error *cgroup_set_load(const char *state_dir, const struct oci_strlist *paths,
				   struct cgroup_set **out);
/* --systemd-cgroup: the set of one v2 directory, a systemd unit's cgroup. */
struct cgroup_set *cgroup_set_new_unit(const char *dir);
/* Write the set to CGROUP_RECORD_FILE in state_dirfd (atomically). */
struct cubo_error *cgroup_set_record(const struct cgroup_set *s, int state_dirfd);
/* delete: SIGKILL what is left in cgroups we (or systemd for us) made, then remove ours. */
struct cubo_error *cgroup_set_remove(const struct cgroup_set *s);
/*
 * SIGKILL what is in the directories the set made (never in one it joined),
 * until they are empty: the leftovers of a create that did not finish.
 */
struct cubo_error *cgroup_set_kill_made(const struct cgroup_set *s);
/* state: true when the recorded cgroups are frozen. */
bool cgroup_paths_frozen(const struct oci_strlist *paths);

/* `events --stats`: the "data" object runc prints (cpu, memory, pids, blkio, hugetlb). */
struct cubo_error *cgroup_set_stats_json(const struct cgroup_set *s, struct cubo_json_gen *g);
/*
 * The same with only some controllers' files read (the others' fields zero):
 * a reader that wants a few figures of many containers reads a few files.
 */
enum cgroup_stats_part {
	CGROUP_STATS_CPU = 1 << 0,
	CGROUP_STATS_CPUSET = 1 << 1,
	CGROUP_STATS_MEMORY = 1 << 2,
	CGROUP_STATS_PIDS = 1 << 3,
	CGROUP_STATS_BLKIO = 1 << 4,
	CGROUP_STATS_HUGETLB = 1 << 5,
	CGROUP_STATS_ALL = (1 << 6) - 1,
};
struct cubo_error *cgroup_set_stats_json_parts(const struct cgroup_set *s, unsigned parts,
					       struct cubo_json_gen *g);

#endif

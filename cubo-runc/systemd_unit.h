/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systemd cgroup driver's pure half (--systemd-cgroup): what the
 * container's unit is called, where its slice puts it, and which unit
 * properties its resources become. The D-Bus half, which asks systemd for
 * the transient unit, sends exactly this.
 *
 * cgroupsPath is "slice:prefix:name", as runc and crun read it:
 *   "system.slice:libpod:abc"  ->  unit libpod-abc.scope in system.slice,
 *                                  /system.slice/libpod-abc.scope
 *   "machine-x.slice:cubo:abc" ->  /machine.slice/machine-x.slice/cubo-abc.scope
 *   ":cubo:abc"                ->  the default slice (system.slice; user.slice
 *                                  for a rootless caller)
 *   "x.slice::y.slice"         ->  a slice unit y.slice below x.slice
 *   ""                         ->  "system.slice:cubo:<container id>"
 */
#ifndef CUBO_RUNC_SYSTEMD_UNIT_H
#define CUBO_RUNC_SYSTEMD_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"
#include "spec/config.h"

/* systemd's "infinity" for a uint64 property */
#define SYSTEMD_INFINITY UINT64_MAX

struct systemd_unit {
	char *slice; /* "system.slice" */
	char *unit;  /* "libpod-abc.scope", or "y.slice" */
	char *path;  /* the unit's cgroup below the root: "/system.slice/libpod-abc.scope" */
};

/*
 * Parse cgroups_path (NULL or "": the default for container id). rootless:
 * the default slice is user.slice. Errors name the path and what is wrong.
 */
struct cubo_error *systemd_unit_parse(const char *cgroups_path, const char *id, bool rootless,
				      struct systemd_unit *out);
void systemd_unit_free(struct systemd_unit *u);
/* A scope (holds the init's pid), not a slice unit. */
bool systemd_unit_is_scope(const struct systemd_unit *u);

/*
 * "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "" (the
 * root). A name that is no slice (no ".slice", a '/', an empty part between
 * dashes) is an error.
 */
struct cubo_error *systemd_slice_expand(const char *slice, char **path);

enum systemd_prop_type {
	SYSTEMD_PROP_BOOL,   /* "b" */
	SYSTEMD_PROP_U64,    /* "t" */
	SYSTEMD_PROP_STRING, /* "s" */
	SYSTEMD_PROP_BYTES,  /* "ay": a CPU or memory-node mask */
};

struct systemd_prop {
	const char *name; /* "MemoryMax" */
	enum systemd_prop_type type;
	bool b;
	uint64_t u64;
	char *str;
	uint8_t *bytes;
	size_t n_bytes;
};

struct systemd_props {
	struct systemd_prop *v;
	size_t n;
};

/*
 * The unit properties that res becomes where systemd owns the setting
 * (memory, CPU weight and quota, cpuset, tasks, IO weight), plus
 * Delegate=yes so the runtime may write below the unit what systemd has no
 * property for (device throttles, hugetlb, the device program), as runc
 * does. Errors name the resource's JSON path.
 */
struct cubo_error *systemd_props_from_resources(const struct oci_resources *res,
						struct systemd_props *out);
void systemd_props_free(struct systemd_props *p);

/*
 * A cpuset list ("0-3,8") as systemd's AllowedCPUs / AllowedMemoryNodes
 * mask: bit N of byte N/8 is CPU N. what names the field in errors.
 */
struct cubo_error *systemd_cpuset_mask(const char *list, const char *what, uint8_t **mask,
				       size_t *n);

#endif

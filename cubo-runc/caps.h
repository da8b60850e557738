/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.capabilities, applied exactly as the config says (all five sets):
 * a set the config leaves out is empty, so nothing inheritable or ambient
 * leaks into the container (CVE-2022-29162).
 */
#ifndef CUBO_RUNC_CAPS_H
#define CUBO_RUNC_CAPS_H

#include <stdint.h>

#include "shared/error.h"
#include "shared/log.h"
#include "spec/config.h"

struct caps_plan {
	uint64_t bounding, effective, inheritable, permitted, ambient;
	int last_cap; /* caps_last_cap(), asked once */
};

/*
 * Turn capability names into masks. Names the kernel does not know are
 * skipped with a warning, as runc does; a config without `capabilities`
 * gives empty sets. A capability the runtime could not hand on fails,
 * naming it; joins_userns: the process joins a user namespace, where it
 * holds every capability of its bounding set.
 */
struct cubo_error *caps_plan_make(const struct oci_capabilities *caps, const struct cubo_log *log,
				  bool joins_userns, struct caps_plan *out);
/* Drop from the bounding set everything not in plan->bounding (needs CAP_SETPCAP). */
struct cubo_error *caps_apply_bounding(const struct caps_plan *plan);
/* After the uid/gid switch: permitted, effective, inheritable, then ambient. */
struct cubo_error *caps_apply_sets(const struct caps_plan *plan);
/*
 * setgroups, setresgid, then setresuid keeping the permitted set, with the
 * bounding set dropped while still privileged, then caps_apply_sets.
 */
struct cubo_error *caps_switch_user(const struct oci_user *u, const struct caps_plan *caps);
/* Index of the highest capability this kernel knows. */
int caps_last_cap(void);

#endif

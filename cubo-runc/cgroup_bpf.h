/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device access on cgroup v2: there is no devices.allow file, so the OCI
 * allow/deny list becomes a BPF_PROG_TYPE_CGROUP_DEVICE program attached to
 * the container's cgroup directory. The program is built by hand (the raw
 * bpf(2) syscall, no libbpf): the list is small and its semantics are simple.
 */
#ifndef CUBO_RUNC_CGROUP_BPF_H
#define CUBO_RUNC_CGROUP_BPF_H

#include <linux/bpf.h>
#include <stddef.h>

#include "shared/error.h"
#include "spec/config.h"

/*
 * The program for rules, as runc reads them: in order, the last rule that
 * matches a request decides, and a request no rule matches is denied. An
 * allow rule matches when it grants every access asked for; a deny rule
 * matches when it refuses any of them. Each rule is checked (type a, b or c;
 * access of r, w, m; major and minor -1 or absent for any); errors name it as
 * "devices[i]", for the caller to put under its own JSON path. *out is
 * malloc'd.
 */
struct cubo_error *cgroup_bpf_devices_program(const struct oci_device_cgroup *rules, size_t n,
					      struct bpf_insn **out, size_t *n_out);

/*
 * Load the program for rules and attach it to cgroup_dir. A program this
 * function attached before is detached only after the new one is in place,
 * so a running container is never without a filter (for that moment both
 * apply, and a request must pass both).
 */
struct cubo_error *cgroup_bpf_devices_apply(const char *cgroup_dir,
					    const struct oci_device_cgroup *rules, size_t n);

#endif

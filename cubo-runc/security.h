/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process attributes beyond ids and capabilities: AppArmor profile,
 * SELinux label, personality, scheduler, I/O priority, memory policy, CPU
 * affinity, and linux.intelRdt. Each is either applied or refused with a
 * clear error naming the config field: never silently ignored.
 */
#ifndef CUBO_RUNC_SECURITY_H
#define CUBO_RUNC_SECURITY_H

#include <stdbool.h>

#include "shared/error.h"
#include "spec/config.h"

/* What the host offers; read once at create (and exec). */
struct security_host {
	bool apparmor; /* /sys/module/apparmor/parameters/enabled is Y */
	bool selinux;  /* selinuxfs is mounted */
	bool resctrl;  /* /sys/fs/resctrl is mounted */
};

void security_host_probe(struct security_host *out);

/*
 * At create, before the clone: every value is checked and whatever the host
 * cannot apply is refused here, so the init never fails half-way on it.
 * lx may be NULL (exec checks only its process).
 */
struct cubo_error *security_check(const struct oci_process *proc, const struct oci_linux *lx,
				  const struct security_host *host);

/*
 * In the init or exec's child, while still privileged: personality,
 * scheduler, I/O priority, memory policy and the initial CPU affinity.
 */
struct cubo_error *security_apply_process(const struct oci_process *proc,
					  const struct oci_linux *lx);

/*
 * Last, right before execve: the final CPU affinity and the AppArmor/SELinux
 * exec label, written through procfd (procfd.h).
 */
struct cubo_error *security_apply_exec(const struct oci_process *proc, int procfd);

/* "0-3,7" -> bits in mask (nbits wide); an error names what is wrong. Exposed for tests. */
struct cubo_error *security_parse_cpu_list(const char *list, unsigned long *mask, size_t nbits);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runc's ENOSYS stub. A profile lists the syscalls its author knew of; one
 * newer than all of them would get the profile's default action, usually
 * EPERM. A new C library tries clone3, faccessat2, openat2 or close_range
 * first and falls back to the old call only on ENOSYS, so EPERM breaks it.
 * Before the filter proper, a few instructions answer ENOSYS for any syscall
 * number above the highest the profile names on that architecture.
 */
#ifndef CUBO_RUNC_SECCOMP_ENOSYS_H
#define CUBO_RUNC_SECCOMP_ENOSYS_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* One architecture of the filter: its AUDIT_ARCH_* value and the highest syscall the profile names.
 */
struct enosys_arch {
	uint32_t audit_arch;
	uint32_t max_nr;
};

/*
 * Prepend the stub for arches to the n instructions at *insns (replaced by a
 * new array). x86_64's x32 calls (number bit 30) are left to the filter. At
 * most 32 arches; none: unchanged.
 */
void seccomp_enosys_prepend(struct sock_filter **insns, size_t *n, const struct enosys_arch *arches,
			    size_t n_arches);

#endif

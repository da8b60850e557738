/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's default seccomp profile, equal in effect: the same allow list,
 * the same argument-filtered rules, the same per-capability additions and
 * the same ENOSYS-vs-EPERM defaults, for the host's architecture.
 */
#ifndef CUBO_MGR_CONTAINER_SECCOMP_DEFAULT_H
#define CUBO_MGR_CONTAINER_SECCOMP_DEFAULT_H

#include "spec/config.h"

/*
 * caps: the container's bounding capability names, NULL-terminated; rules
 * docker adds for a capability appear only when it is in caps. Returns a new
 * object that belongs in cfg->linux_->seccomp (oci_config_free frees it).
 * Never fails (aborts on OOM).
 */
struct oci_seccomp *ctr_seccomp_default(char *const *caps);

/* A new rule of s with action (names and args empty); also seccomp_profile.c's. */
struct oci_seccomp_syscall *ctr_seccomp_add_rule(struct oci_seccomp *s, const char *action);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp: the config's profile compiled with libseccomp. The runtime
 * compiles it before the clone, so a bad profile fails `create` with the
 * JSON path of the culprit; the init (or exec's child) only loads it, as
 * the last step that needs privileges.
 */
#ifndef CUBO_RUNC_SECCOMP_H
#define CUBO_RUNC_SECCOMP_H

#include "shared/error.h"
#include "shared/log.h"
#include "spec/config.h"

struct seccomp_prog;

/* Build the filter for sc; a syscall name libseccomp does not know is skipped (logged). */
struct cubo_error *seccomp_prog_compile(const struct oci_seccomp *sc, const struct cubo_log *log,
					struct seccomp_prog **out);
/*
 * Install the filter on the calling thread (all threads with the TSYNC flag).
 * Needs no_new_privs or CAP_SYS_ADMIN; never sets no_new_privs itself.
 */
struct cubo_error *seccomp_prog_load(const struct seccomp_prog *p);
void seccomp_prog_free(struct seccomp_prog *p);

#endif

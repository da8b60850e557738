/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CUBO_RUNC_RLIMITS_H
#define CUBO_RUNC_RLIMITS_H

#include "shared/error.h"
#include "spec/config.h"

/* setrlimit for each process.rlimits entry; errors name the rlimit. */
struct cubo_error *rlimits_apply(const struct oci_process *proc);

#endif

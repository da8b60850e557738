/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What this runtime supports, as the JSON object `features` prints
 * (runtime-spec features.md, the same shape as `runc features`).
 */
#ifndef CUBO_SPEC_FEATURES_H
#define CUBO_SPEC_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"

/* Every capability name the kernel defines, in number order; NULL-terminated. */
extern const char *const oci_capability_names[];

/*
 * Whether this runtime knows a seccomp name of kind "action" (SCMP_ACT_*),
 * "operator" (SCMP_CMP_*), "arch" (SCMP_ARCH_*) or "flag" (SECCOMP_FILTER_FLAG_*).
 */
bool oci_seccomp_name_known(const char *kind, const char *name);

/* The features document, pretty-printed; *out is malloc'd and NUL-terminated. */
struct cubo_error *oci_features_to_json(char **out, size_t *len);

#endif

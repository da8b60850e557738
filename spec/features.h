/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What this runtime supports, as the JSON object `features` prints
 * (runtime-spec features.md, the same shape as `runc features`).
 */
#ifndef CUBO_SPEC_FEATURES_H
#define CUBO_SPEC_FEATURES_H

#include <stddef.h>

#include "shared/error.h"

/* Every capability name the kernel defines, in number order; NULL-terminated. */
extern const char *const oci_capability_names[];

/* The features document, pretty-printed; *out is malloc'd and NUL-terminated. */
struct cubo_error *oci_features_to_json(char **out, size_t *len);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Byte sizes as docker writes them: for flags (--memory) and settings (CUBO_MAX_LAYER_SIZE). */
#ifndef CUBO_SHARED_SIZE_H
#define CUBO_SHARED_SIZE_H

#include <stdint.h>

#include "shared/error.h"

/*
 * 1024, 512k, 512m, 1.5g, 2t: binary units (b/k/m/g/t, any case, an
 * optional "b" after the unit). Errors quote s: "invalid size \"x\"".
 */
struct cubo_error *cubo_parse_size(const char *s, int64_t *bytes);

#endif

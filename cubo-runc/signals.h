/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CUBO_RUNC_SIGNALS_H
#define CUBO_RUNC_SIGNALS_H

#include "shared/error.h"

/*
 * Parse a signal as runc accepts it: "KILL", "SIGKILL", "sigkill", "9",
 * "RTMIN+3", "SIGRTMAX-1".
 */
struct cubo_error *signal_parse(const char *s, int *out);
/* "SIGTERM" style name, or NULL for unknown numbers. */
const char *signal_name(int sig);

#endif

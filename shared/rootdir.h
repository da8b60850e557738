/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr's root directory, chosen as users were promised:
 *   --root-dir > $CUBO_ROOT > $XDG_STATE_HOME/cubo > $XDG_DATA_HOME/cubo
 *   > $HOME/.local/state/cubo > /tmp/cubo
 * An empty variable counts as unset. A relative result is made absolute
 * against the current directory, so later chdirs do not move it.
 */
#ifndef CUBO_SHARED_ROOTDIR_H
#define CUBO_SHARED_ROOTDIR_H

#include "shared/error.h"

/* env: a NULL-terminated "KEY=VALUE" array (environ), so tests pass their own. */
struct cubo_error *cubo_rootdir_resolve(const char *flag, char *const *env, char **out);

#endif

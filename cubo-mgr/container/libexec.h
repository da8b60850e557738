/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The helper programs installed in the package's libexec directory
 * (PKGLIBEXECDIR): cubo-init (run --init) and cubo-journal (the journald
 * log driver). Run uninstalled, cubo-mgr finds them in the build tree
 * instead: <tree>/cubo-mgr/cubo-mgr beside <tree>/NAME/NAME.
 */
#ifndef CUBO_MGR_CONTAINER_LIBEXEC_H
#define CUBO_MGR_CONTAINER_LIBEXEC_H

#include <stdbool.h>

/* A regular file we may execute. */
bool libexec_is_executable(const char *path);

/* The path of helper NAME to free, or NULL when neither place has it. */
char *libexec_find(const char *name);

#endif

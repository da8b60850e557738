/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Disk use of a directory tree, as docker's system df measures a
 * container's writable layer or a volume: the apparent sizes of its files,
 * symlinks not followed, a file with several hard links counted once, and
 * the tree not left for another filesystem. The tree may belong to a
 * container, running: nothing in it is opened but directories, each checked
 * to be the one found (fts(3)), so a symlink swapped in cannot lead out.
 * Changes the working directory while it walks (one thread only).
 */
#ifndef CUBO_SHARED_DU_H
#define CUBO_SHARED_DU_H

#include <stdint.h>

#include "shared/error.h"

/* *bytes: the size of what is under path (0 when path is missing). */
struct cubo_error *cubo_du(const char *path, uint64_t *bytes);

#endif

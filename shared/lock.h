/* SPDX-License-Identifier: Apache-2.0 */
/* Advisory whole-file locks (flock) guarding a container's state directory. */
#ifndef CUBO_SHARED_LOCK_H
#define CUBO_SHARED_LOCK_H

#include <stdbool.h>

#include "shared/error.h"

/*
 * Open (creating, 0600, O_CLOEXEC) path and take an exclusive or shared lock,
 * waiting for it. *out_fd holds the lock until closed.
 */
struct cubo_error *cubo_lock_path(const char *path, bool exclusive, int *out_fd);
struct cubo_error *cubo_lock_at(int dirfd, const char *name, bool exclusive, int *out_fd);
void cubo_unlock(int fd);

#endif

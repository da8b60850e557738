/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resolve paths beneath a root directory without ever leaving it: symlinks
 * and ".." are resolved as if root were "/" (openat2 RESOLVE_IN_ROOT, with a
 * component-by-component fallback for kernels without openat2). This is what
 * keeps a malicious rootfs from redirecting a mount onto the host
 * (CVE-2021-30465 and its kind).
 */
#ifndef CUBO_SHARED_PATH_IN_ROOT_H
#define CUBO_SHARED_PATH_IN_ROOT_H

#include <sys/types.h>

#include "shared/error.h"

/* Open path (absolute or relative; both taken relative to root) beneath rootfd. */
struct cubo_error *cubo_open_in_root(int rootfd, const char *path, int flags, mode_t mode,
				     int *out_fd);
/*
 * mkdir -p beneath rootfd; returns an O_PATH|O_DIRECTORY fd of the final
 * directory (out_fd may be NULL).
 */
struct cubo_error *cubo_mkdir_all_in_root(int rootfd, const char *path, mode_t mode, int *out_fd);
/*
 * Make sure a regular file exists at path beneath rootfd (creating parent
 * dirs); returns an O_PATH fd of it (for file bind mounts).
 */
struct cubo_error *cubo_mkfile_in_root(int rootfd, const char *path, mode_t mode, int *out_fd);

#endif

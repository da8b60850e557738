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
 * Read a whole file that an image or a container controls (an image's
 * /etc/passwd, a container's hostname file) beneath rootfd: resolved inside
 * the root as above, opened O_PATH first and reopened for reading only once
 * fstat shows a regular file, so a FIFO is never waited on and a device node
 * is never opened, not even for open's own side effects. Anything but a
 * regular file is an error naming its type; a file over max bytes is EFBIG
 * (also one that grows past max while read). A missing file is ENOENT (or
 * ENOTDIR) for the caller to tell apart. *out is NUL-terminated; len may be
 * NULL.
 */
struct cubo_error *cubo_read_file_in_root(int rootfd, const char *path, size_t max, char **out,
					  size_t *len);
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

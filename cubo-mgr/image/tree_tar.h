/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A file or directory tree as a plain tar stream (cp's wire format, as
 * docker's: owners, modes, times, file capabilities (the one xattr docker
 * carries), symlinks, hardlinks, device nodes and fifos as entries; sockets left out, as docker leaves them; the contents
 * of procfs and sysfs directories left out too: a running container's
 * /proc and /sys are the kernel's, not its files).
 *
 * The tree may belong to a container and change while it is read, so every
 * entry is opened once, O_PATH without following a symlink, and everything
 * after that (its type, its link target, its data) comes from that fd: a
 * symlink or a FIFO swapped in after the directory was listed is never
 * followed or opened, a device node is never opened at all, and a file
 * that shrinks is padded to the size its header gave.
 */
#ifndef CUBO_MGR_IMAGE_TREE_TAR_H
#define CUBO_MGR_IMAGE_TREE_TAR_H

#include <stdint.h>

#include "shared/error.h"

/*
 * Write the tree at fd (an O_PATH fd; a symlink itself when it was opened
 * O_NOFOLLOW) to out_fd. name: the top entry's name; NULL for a directory's
 * entries to be at the top (the directory itself left out). *bytes (may be
 * NULL): the size of the stream.
 */
struct cubo_error *tree_tar_write(int fd, const char *name, int out_fd, uint64_t *bytes);

#endif

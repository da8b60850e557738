/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A directory tree as a tar, entries in name order: a layer directory as a
 * layer (builder/layer_tar.h, commit), a container's filesystem for export,
 * a file or tree for cp (docker's cp format: file capabilities the one
 * xattr). Sockets are left out, as docker leaves them; so are the contents
 * of procfs and sysfs directories: a running container's /proc and /sys
 * are the kernel's views, not its files.
 *
 * The tree may be a container's and change while it is read, so every
 * entry is opened once, O_PATH without following a symlink, and everything
 * after that (its type, its xattrs, its link target, its data, its
 * children) comes from that fd: a symlink or a FIFO swapped in after the
 * directory was listed is never followed or opened, only regular files and
 * directories are ever opened for reading (without blocking), a file that
 * grows or shrinks meanwhile is written at the size its header gave (zeros
 * for what it lost), what goes between the listing and the open is left
 * out, and the walk stops at a depth limit. Device nodes, fifos, symlinks
 * and hard links become tar entries of their own.
 */
#ifndef CUBO_MGR_IMAGE_TREE_TAR_H
#define CUBO_MGR_IMAGE_TREE_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shared/error.h"

struct archive;

/*
 * Deeper directories are refused: the walk holds two descriptors a level
 * (the directory's O_PATH and the one it is read through), and a deeper
 * limit would run into the usual soft limit of 1024 open files (systemd's
 * default for services) with a bare EMFILE before this clear refusal.
 */
#define TREE_TAR_MAX_DEPTH 256

struct tree_tar_link {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct tree_tar {
	struct archive *tar;
	/*
	 * Where the tar's write callback keeps its failure (the caller's):
	 * reported in place of libarchive's own message. May be NULL.
	 */
	struct cubo_error **write_err;
	/*
	 * The tree is in overlay's form (an upper or layer directory): 0/0
	 * character devices become ".wh.NAME" entries, opaque directories a
	 * ".wh..wh..opq" entry, and overlay's xattrs are left out of the tar.
	 * With strip_overlay they are also removed from the tree, which then
	 * serves as a layer's extracted directory as it is.
	 */
	bool overlay, strip_overlay;
	/* docker cp's xattrs: a regular file's capabilities, and only a first name's */
	bool caps_only;
	char *const *skip; /* relative paths left out with what is beneath ("etc/hosts") */
	struct tree_tar_link *links;
	size_t n_links;
};

/* Write every entry beneath dirfd (not dirfd itself; any fd of it, O_PATH too). */
struct cubo_error *tree_tar_walk(struct tree_tar *t, int dirfd);
void tree_tar_free(struct tree_tar *t); /* the hard link table */

/*
 * The tree at fd as a plain tar (pax, as docker's cp and export write it)
 * on out_fd, with t's options (t->tar and t->write_err are set here, and
 * its hard link table freed before it returns). fd may be O_PATH, and a
 * symlink itself when opened O_NOFOLLOW. name: the top entry's name; NULL
 * for fd's entries to be at the top (fd itself left out). *bytes (may be
 * NULL): the size of the stream.
 */
struct cubo_error *tree_tar_write(struct tree_tar *t, int fd, const char *name, int out_fd,
				  uint64_t *bytes);

#endif

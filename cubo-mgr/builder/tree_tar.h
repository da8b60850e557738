/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A directory tree written into a tar (libarchive, opened by the caller),
 * entries in name order: a layer directory as a layer (layer_tar.h), a
 * container's filesystem for export. The tree may be a container's doing:
 * names are opened relative to their directory, never following a
 * symlink; only regular files are opened for reading, without blocking,
 * and only when still the file just stat'ed (else its entry gets zeros);
 * a file that grows or shrinks meanwhile is written at the size its header
 * gave, and what goes between the listing and the stat is left out; device
 * nodes, fifos, symlinks and hard links become tar entries of their own;
 * the walk stops at a depth limit.
 */
#ifndef CUBO_MGR_BUILDER_TREE_TAR_H
#define CUBO_MGR_BUILDER_TREE_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shared/error.h"

struct archive;

/* deeper directories are refused: the walk holds a descriptor per level */
#define TREE_TAR_MAX_DEPTH 1024

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
	char *const *skip; /* relative paths left out with what is beneath ("etc/hosts") */
	struct tree_tar_link *links;
	size_t n_links;
};

/* Write every entry beneath dirfd (not dirfd itself). */
struct cubo_error *tree_tar_walk(struct tree_tar *t, int dirfd);
void tree_tar_free(struct tree_tar *t); /* the hard link table */

#endif

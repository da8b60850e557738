/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COPY and ADD: finding the sources in a tree (the build context, or a
 * stage's root filesystem), hashing them for the cache, and copying them
 * into the image's root filesystem. Sources never leave their tree: a
 * cleaned path that climbs above it is refused, and symlinks are resolved
 * inside it. The destination is resolved inside the image's root the same
 * way, so a symlink in the image cannot send files onto the host.
 */
#ifndef CUBO_MGR_BUILDER_COPY_H
#define CUBO_MGR_BUILDER_COPY_H

#include <stdbool.h>
#include <sys/types.h>

#include "shared/digest.h"
#include "shared/error.h"

struct build_ignore;

/*
 * "./a/../b/" -> "b"; "/x" -> "x" (sources are relative to their tree);
 * "" for the tree itself. Error when the path climbs out of the tree.
 */
struct cubo_error *build_path_clean(const char *path, char **out);

/*
 * The sources one COPY/ADD word names in the tree at rootfd: itself, or
 * with * ? [..] in its last component every matching entry (sorted). what
 * names the tree in errors ("the build context", "stage builder"). ig may
 * be NULL. Appends cleaned relative paths to *rels.
 */
struct cubo_error *build_sources_find(int rootfd, const char *word, const struct build_ignore *ig,
				      const char *what, char ***rels, size_t *n);

/* Feed the names, types, modes, link targets and contents of the sources to h. */
struct cubo_error *build_sources_hash(int rootfd, char *const *rels, const struct build_ignore *ig,
				      struct cubo_sha256 *h);

struct build_copy_opts {
	uid_t uid; /* owner of everything copied (docker: root unless --chown) */
	gid_t gid;
	int mode;    /* --chmod, or -1 to keep each source's */
	bool unpack; /* ADD: local tar archives are unpacked into the destination */
	const struct build_ignore *ig;
};

/*
 * Copy the sources into the tree at dst_root (an image's root) at dest, an
 * absolute path: into the directory dest when dest ends in "/", when there
 * are several sources, when a source is a directory (its contents are
 * copied) or when dest is a directory already; otherwise as the file dest.
 */
struct cubo_error *build_copy(int src_root, char *const *rels, int dst_root, const char *dest,
			      const struct build_copy_opts *o);

#endif

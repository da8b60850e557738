/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mount flags of run/create, parsed the way docker parses them:
 *
 *   -v [SRC:]DEST[:OPTS]  SRC an absolute host path, a relative one ("./d",
 *                         "../d", "."), or a volume name; OPTS a comma list of
 *                         ro, rw, z, Z, nocopy and one propagation mode
 *   --mount KEY=VALUE,... type (bind, volume, tmpfs; default volume),
 *                         source/src, target/dst/destination, readonly/ro,
 *                         bind-propagation, bind-nonrecursive, volume-nocopy,
 *                         volume-label, volume-driver (local), tmpfs-size,
 *                         tmpfs-mode
 *
 * Pure: relative host paths are made absolute against the cwd given, but
 * nothing on the host is looked at (a missing bind source is checked when
 * the container is made).
 */
#ifndef CUBO_MGR_CONTAINER_MOUNT_OPT_H
#define CUBO_MGR_CONTAINER_MOUNT_OPT_H

#include "cubo-mgr/container/run_opts.h"

/* One --mount: a bind or volume (vol), or a tmpfs (tmpfs). */
struct ctr_mount_arg {
	bool is_tmpfs;
	struct ctr_volume_spec vol;
	struct ctr_tmpfs tmpfs;
};

/*
 * PATH made absolute against cwd (when relative) and cleaned lexically:
 * no ".", "..", or repeated "/" ("/a/./b/../c/" -> "/a/c"). cwd NULL and a
 * relative PATH: NULL.
 */
char *run_opt_path_abs(const char *cwd, const char *path);

/* -v; cwd resolves a relative host path. */
struct cubo_error *run_opt_parse_volume(const char *s, const char *cwd,
					struct ctr_volume_spec *out);

/* --mount; cwd resolves a relative bind source. */
struct cubo_error *run_opt_parse_mount(const char *s, const char *cwd, struct ctr_mount_arg *out);
void ctr_mount_arg_free(struct ctr_mount_arg *m);

#endif

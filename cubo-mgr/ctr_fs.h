/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a container's filesystem is, for the commands that read it (diff,
 * commit, export): its overlay's upper directory over its image's layers.
 * A container whose rootfs was copied (the vfs driver) has no upper
 * directory: its rootfs/ is the whole filesystem, kept.
 */
#ifndef CUBO_MGR_CTR_FS_H
#define CUBO_MGR_CTR_FS_H

#include "cubo-mgr/ctr_view.h"

struct ctr_fs {
	char *dir;     /* <root>/<id> */
	char *upper;   /* <id>/upper */
	char **lowers; /* the layers' directories, topmost first */
	char **mounts; /* config.json's mount destinations: mount points, not changes */
	bool copied;   /* the vfs driver: no upper directory, rootfs/ holds it all */
};

struct cubo_error *ctr_fs_open(const struct ctr_ctx *c, const struct ctr_record *r,
			       struct ctr_fs *out);
void ctr_fs_free(struct ctr_fs *f);

/* For what needs the changes apart (diff, commit): an error for a copied container. */
struct cubo_error *ctr_fs_need_upper(const struct ctr_fs *f, const char *name);

#endif

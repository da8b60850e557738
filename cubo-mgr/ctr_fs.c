/* SPDX-License-Identifier: Apache-2.0 */
/* A container's filesystem's parts: see ctr_fs.h. */
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/ctr_fs.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"
#include "spec/config.h"

void ctr_fs_free(struct ctr_fs *f)
{
	free(f->dir);
	free(f->upper);
	cubo_strv_free(f->lowers);
	cubo_strv_free(f->mounts);
	memset(f, 0, sizeof(*f));
}

struct cubo_error *ctr_fs_open(const struct ctr_ctx *c, const struct ctr_record *r,
			       struct ctr_fs *out)
{
	memset(out, 0, sizeof(*out));
	out->dir = ctr_store_dir(&c->store, r->id);
	char *mark = cubo_path_join(out->dir, ".rootfs-copied");
	out->copied = cubo_path_exists(mark);
	free(mark);
	struct cubo_error *err = NULL;
	out->upper = cubo_path_join(out->dir, "upper");
	size_t n = cubo_strv_len(r->layers), k = 0;
	for (size_t i = n; !err && i-- > 0;) {
		const char *hex = strchr(r->layers[i], ':');
		char *p = cubo_path_join(c->layers_dir, hex ? hex + 1 : r->layers[i]);
		cubo_strv_push(&out->lowers, &k, p);
		free(p);
	}
	char *cfgpath = cubo_path_join(out->dir, "config.json");
	struct oci_config *cfg = NULL;
	if (!err)
		err = oci_config_load(cfgpath, &cfg);
	free(cfgpath);
	k = 0;
	for (size_t i = 0; !err && i < cfg->n_mounts; i++)
		cubo_strv_push(&out->mounts, &k, cfg->mounts[i].destination);
	oci_config_free(cfg);
	if (err)
		ctr_fs_free(out);
	return err;
}

struct cubo_error *ctr_fs_need_upper(const struct ctr_fs *f, const char *name)
{
	if (!f->copied)
		return NULL;
	return cubo_error_new("container %s has a copied root filesystem (the vfs driver): its "
			      "changes are not kept apart from its image",
			      name);
}

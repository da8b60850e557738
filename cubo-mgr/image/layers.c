/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/image/layers.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/xalloc.h"

struct cubo_error *image_layer_extract(struct store *s, const char *blob, const char *diff_id,
				       const char *chain_id, char out_diff_id[CUBO_DIGEST_LEN + 1])
{
	char *tmp = NULL;
	int fd = -1;
	struct unpack_result res;
	struct unpack_opts uo = {
		.layer_name = blob,
		.compression = UNPACK_COMPRESSION_AUTO,
		.expected_diff_id = diff_id,
		.ignore_owners = geteuid() != 0,
	};
	CUBO_TRY(store_layer_tmp(s, chain_id, &tmp));
	struct cubo_error *err = store_blob_open(s, blob, &fd);
	if (!err)
		err = unpack_fd(fd, tmp, &uo, &res);
	if (fd >= 0)
		close(fd);
	if (!err) {
		const char *chain = chain_id ? chain_id : res.diff_id;
		int lock = -1;
		/* import learns the chain ID only now: its lock, for the commit */
		if (!chain_id)
			err = store_layer_lock(s, chain, &lock);
		if (!err)
			err = store_layer_commit(s, tmp, chain);
		if (lock >= 0)
			cubo_unlock(lock);
	}
	if (err)
		cubo_error_free(cubo_rm_rf(tmp));
	else if (out_diff_id)
		memcpy(out_diff_id, res.diff_id, CUBO_DIGEST_LEN + 1);
	free(tmp);
	return err;
}

struct cubo_error *image_layers_extract(struct store *s, const struct oci_manifest *m,
					const struct oci_image_config *c)
{
	if (c->diff_ids.n != m->n_layers)
		return cubo_error_new("%zu layers but %zu diff_ids", m->n_layers, c->diff_ids.n);
	char(*chain)[CUBO_DIGEST_LEN + 1] = xcalloc(m->n_layers + 1, sizeof(*chain));
	struct cubo_error *err = oci_chain_ids(c->diff_ids.v, c->diff_ids.n, chain);
	for (size_t i = 0; !err && i < m->n_layers; i++) {
		int lock;
		if ((err = store_layer_lock(s, chain[i], &lock)))
			break;
		if (!store_layer_has(s, chain[i]))
			err = image_layer_extract(s, m->layers[i].digest, c->diff_ids.v[i],
						  chain[i], NULL);
		cubo_unlock(lock);
	}
	free(chain);
	return err;
}

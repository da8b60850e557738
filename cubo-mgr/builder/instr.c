/* SPDX-License-Identifier: Apache-2.0 */
/* Freeing what the build-file parsers make. */
#include "cubo-mgr/builder/instr.h"

#include <stdlib.h>
#include <string.h>

#include "shared/strv.h"

static void kv_free(struct build_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void build_instr_clear(struct build_instr *in)
{
	if (!in)
		return;
	free(in->text);
	free(in->image);
	free(in->stage_name);
	cubo_strv_free(in->args);
	cubo_strv_free(in->sources);
	free(in->dest);
	free(in->from_stage);
	free(in->chown);
	free(in->chmod);
	kv_free(in->kv, in->n_kv);
	free(in->value);
	cubo_strv_free(in->list);
	oci_healthcheck_free(in->health);
	memset(in, 0, sizeof(*in));
}

void build_file_free(struct build_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		build_instr_clear(&f->v[i]);
	free(f->v);
	kv_free(f->global_args, f->n_global_args);
	free(f->path);
	free(f);
}

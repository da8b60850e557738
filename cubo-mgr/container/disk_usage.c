/* SPDX-License-Identifier: Apache-2.0 */
/* system df's arithmetic: see disk_usage.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/disk_usage.h"
#include "cubo-mgr/image/progress.h"
#include "shared/xalloc.h"

/* how many images have the blob, and how many used ones */
static void blob_users(const struct df_image *v, size_t n, const char *digest, unsigned *all,
		       unsigned *used)
{
	*all = *used = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; v[i].digests && v[i].digests[j]; j++)
			if (!strcmp(v[i].digests[j], digest)) {
				(*all)++;
				*used += v[i].used;
				break;
			}
}

/* whether an image before v[i] (or an earlier blob of v[i]) has the blob */
static bool seen_before(const struct df_image *v, size_t i, size_t j)
{
	const char *d = v[i].digests[j];
	for (size_t k = 0; k <= i; k++)
		for (size_t l = 0; v[k].digests && v[k].digests[l] && (k < i || l < j); l++)
			if (!strcmp(v[k].digests[l], d))
				return true;
	return false;
}

void df_images_row(const struct df_image *v, size_t n, struct df_row *out, uint64_t **unique)
{
	memset(out, 0, sizeof(*out));
	uint64_t *own = xcalloc(n ? n : 1, sizeof(*own));
	for (size_t i = 0; i < n; i++) {
		out->total++;
		out->active += v[i].used;
		for (size_t j = 0; v[i].digests && v[i].digests[j]; j++) {
			unsigned all, used;
			blob_users(v, n, v[i].digests[j], &all, &used);
			if (all == 1)
				own[i] += v[i].sizes[j];
			if (seen_before(v, i, j))
				continue;
			out->size += v[i].sizes[j];
			if (!used)
				out->reclaimable += v[i].sizes[j];
		}
	}
	if (unique)
		*unique = own;
	else
		free(own);
}

void df_row_add(struct df_row *r, uint64_t size, bool active)
{
	r->total++;
	r->active += active;
	r->size += size;
	if (!active)
		r->reclaimable += size;
}

void df_reclaimable_text(const struct df_row *r, char *buf, size_t size)
{
	char bytes[16];
	progress_format_bytes(r->reclaimable, bytes);
	unsigned pct = r->size ? (unsigned)(r->reclaimable * 100 / r->size) : 0;
	snprintf(buf, size, "%s (%u%%)", bytes, pct);
}

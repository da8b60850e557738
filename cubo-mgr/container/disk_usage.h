/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The arithmetic of system df: a row per kind of thing (TOTAL, ACTIVE,
 * SIZE, RECLAIMABLE), images' blobs counted once however many images share
 * them. Pure: the command measures, this adds up.
 */
#ifndef CUBO_MGR_CONTAINER_DISK_USAGE_H
#define CUBO_MGR_CONTAINER_DISK_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct df_row {
	unsigned total, active;
	uint64_t size, reclaimable;
};

/* An image: its blobs (config and layers) with their sizes; used: a container has it. */
struct df_image {
	bool used;
	char **digests; /* NULL-terminated */
	const uint64_t *sizes;
};

/*
 * The images' row: each blob once over every image; reclaimable is what no
 * used image has. *unique (may be NULL) gets each image's bytes no other
 * image shares, in order (a new array, to free).
 */
void df_images_row(const struct df_image *v, size_t n, struct df_row *out, uint64_t **unique);

/* One container, volume or cache record of size bytes; an active one is not reclaimable. */
void df_row_add(struct df_row *r, uint64_t size, bool active);

/* RECLAIMABLE as docker prints it: "41.2MB (45%)". */
void df_reclaimable_text(const struct df_row *r, char *buf, size_t size);

#endif

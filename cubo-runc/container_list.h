/* SPDX-License-Identifier: Apache-2.0 */
/* The containers under a runtime root, as `list` shows them. */
#ifndef CUBO_RUNC_CONTAINER_LIST_H
#define CUBO_RUNC_CONTAINER_LIST_H

#include <stddef.h>

#include "shared/error.h"

struct container_summary {
	char *oci_version;
	char *id;
	int pid;
	const char *status;
	char *bundle;
	char *rootfs;
	char *created;
	char owner[64];
};

/*
 * Every container under root, sorted by ID; one that vanishes or cannot be
 * read while listed is left out. No root yet: none.
 */
void container_list(const char *root, struct container_summary **rows, size_t *n);
void container_summaries_free(struct container_summary *rows, size_t n);

#endif

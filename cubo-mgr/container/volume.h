/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named volumes of the "local" driver, as docker keeps them:
 *
 *   <root>/volumes/<name>/volume.json   {"name", "driver", "created", "anonymous", "labels"}
 *   <root>/volumes/<name>/_data/        what containers see
 *
 * A volume appears whole (made under a temp name and renamed) and
 * disappears whole (renamed away, then removed). Which containers use a
 * volume is in their records; callers check that before removing one.
 */
#ifndef CUBO_MGR_CONTAINER_VOLUME_H
#define CUBO_MGR_CONTAINER_VOLUME_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"

struct ctr_volume {
	char *name;
	char *driver;	  /* "local" */
	char *created;	  /* RFC 3339 */
	char *mountpoint; /* <root>/volumes/<name>/_data */
	char **labels;	  /* "k=v", NULL-terminated, or NULL */
	bool anonymous;
};

void ctr_volume_free(struct ctr_volume *v);
void ctr_volumes_free(struct ctr_volume *v, size_t n);

/* [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
struct cubo_error *volume_name_check(const char *name);

/*
 * Create a volume; name NULL makes an anonymous one with a random 64-hex
 * name. An existing volume of that name is returned as it is (*existed).
 */
struct cubo_error *volume_create(const char *root, const char *name, char *const *labels,
				 struct ctr_volume *out, bool *existed);
/* Error "no such volume: X" when it is missing. */
struct cubo_error *volume_get(const char *root, const char *name, struct ctr_volume *out);
/* Sorted by name. */
struct cubo_error *volume_list(const char *root, struct ctr_volume **out, size_t *n);
struct cubo_error *volume_remove(const char *root, const char *name);
/*
 * Beside a volume's _data: the image's files were copied in on its first
 * mount, or are not to be (nocopy; a volume that was not empty).
 */
#define VOLUME_FILLED_MARK ".filled"
/* -v ...:nocopy, --mount volume-nocopy: the first mount leaves the volume as it is. */
struct cubo_error *volume_skip_fill(const struct ctr_volume *v);
/* JSON as `volume inspect` prints one (docker's field names). */
struct cubo_error *volume_to_json(const struct ctr_volume *v, bool pretty, char **out, size_t *len);

#endif

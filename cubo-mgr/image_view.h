/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the image commands show, computed from the store: names split into
 * repository and tag as docker prints them, short IDs, sizes, ages.
 */
#ifndef CUBO_MGR_IMAGE_VIEW_H
#define CUBO_MGR_IMAGE_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cubo-mgr/image/store.h"

struct image_row {
	char *repository;		    /* "alpine", "127.0.0.1:5000/x", "<none>" */
	char *tag;			    /* "latest", "<none>" */
	char id[CUBO_DIGEST_LEN + 1];	    /* config digest */
	char manifest[CUBO_DIGEST_LEN + 1]; /* manifest digest */
	char *created;			    /* RFC 3339 from the config, or NULL */
	uint64_t size;			    /* config + layers, as stored (compressed) */
};

/* One row per index.json entry, in index order. */
struct cubo_error *image_rows(struct store *s, struct image_row **out, size_t *n);
void image_rows_free(struct image_row *v, size_t n);

/* Split a full name into familiar repository and tag ("<none>" when absent). */
void image_name_split(const char *full, char **repository, char **tag);

/* docker's wording of a duration: "1 second", "About a minute", "3 hours", "2 weeks". */
void human_duration(time_t seconds, char *buf, size_t size);

/* "2 days ago", "About an hour ago", "Less than a second ago" (docker's wording). */
void image_human_age(const char *rfc3339, time_t now, char *buf, size_t size);

/* docker's CreatedAt: "2026-01-02 03:04:05 +0000 UTC" (local time); the text itself when bad. */
void image_docker_time(const char *rfc3339, char *buf, size_t size);

/* Parse an RFC 3339 time ("2026-01-02T03:04:05.123Z", "+02:00" offsets); -1 when bad. */
time_t image_parse_time(const char *rfc3339);

/* The short image ID: 12 hex digits of a digest (in a buffer of the calling thread). */
const char *image_short_id(const char *digest);

/* An image's labels as "k=v" from its config (NULL: none, or an unreadable config). */
char **image_labels(struct store *s, const char *config_digest);

/*
 * The prunes' --filter (image, container, system prune): until=TIME (created
 * before it; RFC 3339, unix seconds or a duration back from now) and
 * label=KEY[=VALUE]. Checked before anything is removed.
 */
struct cubo_error *prune_filter_check(char *const *filters);
/* The until= values of checked filters: each a time or a duration, else an error. */
struct cubo_error *filter_until_check(char *const *filters);
/* until=value: created (-1: unknown, never matches) is before that time. */
bool filter_until(const char *value, time_t created);

/* Whether an image or container created at created (RFC 3339; NULL) with labels passes them. */
bool prune_filter_match(char *const *filters, const char *created, char *const *labels);

/* The containers' images: each image ID with the name of one container using it. */
struct image_users {
	char **image_ids;
	char **containers;
};

struct cubo_error *image_users_list(const char *root, struct image_users *u);
void image_users_free(struct image_users *u);

/* The container using an image, or NULL. */
const char *image_user_of(const struct image_users *u, const char *image_id);

#endif

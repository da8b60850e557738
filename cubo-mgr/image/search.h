/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search's pure parts: what a TERM names ("REGISTRY/TERM", or TERM on the
 * short-name domain), docker's --filter (stars=N, is-official=BOOL) and
 * which catalog entries match. A v2 registry has no search API: its
 * /v2/_catalog (registry_list.h) is listed and filtered here, as podman
 * does for registries that are not Docker Hub.
 */
#ifndef CUBO_MGR_IMAGE_SEARCH_H
#define CUBO_MGR_IMAGE_SEARCH_H

#include <stdbool.h>

#include "shared/error.h"

struct search_query {
	char *domain; /* "127.0.0.1:5000", "docker.io" */
	char *term;   /* what a repository's path must contain; "" matches every one */
};

/* default_domain: the registries config's short-name domain (NULL: docker.io). */
struct cubo_error *search_query_parse(const char *arg, const char *default_domain,
				      struct search_query *q);
void search_query_free(struct search_query *q);

/* Docker Hub (docker.io, index.docker.io, registry-1.docker.io): its search is not v2's. */
bool search_domain_is_hub(const char *domain);

struct search_filters {
	long stars;   /* at least this many stars (0: any) */
	int official; /* 1: official only, 0: not official, -1: either */
};

/* docker's --filter values: stars=N, is-official=true|false (is-automated: refused). */
struct cubo_error *search_filters_parse(char *const *filters, struct search_filters *f);

/* Whether a catalog entry (no stars, not official) passes the query and filters. */
bool search_matches(const char *repo, const char *term, const struct search_filters *f);

#endif

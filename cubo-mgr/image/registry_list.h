/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The distribution API's lists: a repository's tags (/v2/NAME/tags/list,
 * pull -a) and a registry's repositories (/v2/_catalog, search), page by
 * page as the registry's Link header leads. Hostile input: each page is
 * capped, the pages and names too, a next page must be a /v2/ path of the
 * same registry, and every name must read as a tag or a repository path.
 */
#ifndef CUBO_MGR_IMAGE_REGISTRY_LIST_H
#define CUBO_MGR_IMAGE_REGISTRY_LIST_H

#include <stddef.h>

#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/registry.h"
#include "shared/error.h"

/* the most names one list gathers (every page together) */
#define REGISTRY_LIST_MAX 100000
/* the largest page read */
#define REGISTRY_LIST_PAGE_BYTES (4u << 20)

/* Every tag of ref's repository (its tag and digest aside), in the registry's order. */
struct cubo_error *registry_list_tags(struct registry_client *c, const struct image_ref *ref,
				      char ***tags);

/* Every repository of the registry at domain ("library/alpine", ...). */
struct cubo_error *registry_catalog(struct registry_client *c, const char *domain, char ***repos);

/*
 * Pure parts, for the tests. The next page of a Link header value
 * ('</v2/x/tags/list?n=2&last=b>; rel="next"'): *path is NULL when there is
 * none; an error when it leaves the registry's /v2/ API.
 */
struct cubo_error *registry_link_next(const char *link, char **path);
/*
 * Add the strings of a page's member key ("tags", "repositories"; null is
 * none) to *v (n entries so far, NULL-terminated); tags says which syntax
 * each must have. source names the page in errors.
 */
struct cubo_error *registry_list_page(const char *body, size_t len, const char *key, bool tags,
				      const char *source, char ***v, size_t *n);

#endif

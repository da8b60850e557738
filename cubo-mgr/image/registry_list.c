/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/image/registry_list.h"
#include "cubo-mgr/image/registry_priv.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* pages one list may take: a registry that keeps linking on is an error */
#define MAX_PAGES 10000

struct cubo_error *registry_link_next(const char *link, char **path)
{
	*path = NULL;
	/* Link: <url>; rel="next"[, <url>; rel="..."] */
	for (const char *p = link; p && (p = strchr(p, '<'));) {
		const char *end = strchr(p, '>');
		if (!end)
			break;
		const char *next = strchr(end, ',');
		size_t plen = next ? (size_t)(next - end) : strlen(end);
		char *params = xstrndup(end + 1, plen - 1);
		bool is_next = strstr(params, "rel=\"next\"") || strstr(params, "rel=next");
		free(params);
		if (is_next) {
			char *url = xstrndup(p + 1, (size_t)(end - p - 1));
			if (strncmp(url, "/v2/", 4) || strpbrk(url, " \t\r\n\\") ||
			    strstr(url, "/../") || strlen(url) > 1024) {
				struct cubo_error *err =
					cubo_error_new("Link header: next page \"%.100s\" is not a "
						       "/v2/ path of the "
						       "registry",
						       url);
				free(url);
				return err;
			}
			*path = url;
			return NULL;
		}
		p = next;
	}
	return NULL;
}

static bool name_ok(const char *s, bool tag)
{
	if (tag) {
		char *ref = xasprintf("x:%s", s);
		bool ok = !strpbrk(s, ":@/") && image_ref_valid(ref);
		free(ref);
		return ok;
	}
	return !strpbrk(s, ":@") && image_ref_valid(s);
}

struct cubo_error *registry_list_page(const char *body, size_t len, const char *key, bool tags,
				      const char *source, char ***v, size_t *n)
{
	yajl_val root = NULL;
	CUBO_TRY(cubo_json_parse(body ? body : "", len, source, &root));
	struct cubo_json_ctx ctx;
	cubo_json_ctx_init(&ctx, source);
	char **names = NULL;
	size_t count = 0;
	struct cubo_error *err = cubo_json_expect_object(&ctx, root);
	if (!err)
		err = cubo_json_field_strv(&ctx, root, key, false, &names, &count);
	for (size_t i = 0; !err && i < count; i++) {
		if (*n >= REGISTRY_LIST_MAX)
			err = cubo_error_new("%s: more than %d names", source, REGISTRY_LIST_MAX);
		else if (!name_ok(names[i], tags))
			err = cubo_error_new("%s: %s[%zu] \"%.100s\" is not a valid %s", source,
					     key, i, names[i], tags ? "tag" : "repository name");
		else
			cubo_strv_push(v, n, names[i]);
	}
	cubo_strv_free(names);
	yajl_tree_free(root);
	return err;
}

/* GET path and every page after it, gathering key's names. */
static struct cubo_error *list_all(struct registry_client *c, const char *domain, const char *first,
				   const char *scope, const char *key, bool tags, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	char *path = xstrdup(first);
	struct cubo_error *err = NULL;
	for (int page = 0; !err && path; page++) {
		if (page >= MAX_PAGES) {
			err = cubo_error_new("%s: more than %d pages", first, MAX_PAGES);
			break;
		}
		struct registry_request r = {.method = "GET",
					     .domain = domain,
					     .path = path,
					     .scope = scope,
					     .accept = "application/json",
					     .body_fd = -1,
					     .max_body = REGISTRY_LIST_PAGE_BYTES};
		err = registry_do(c, &r);
		char *source = xasprintf("%s%s", domain, path);
		if (!err)
			err = registry_list_page(r.body_out, r.body_out_len, key, tags, source, &v,
						 &n);
		free(source);
		free(path);
		path = NULL;
		if (!err && r.link)
			err = registry_link_next(r.link, &path);
		registry_request_clear(&r);
		curl_easy_cleanup(r.curl);
	}
	free(path);
	if (err) {
		cubo_strv_free(v);
		return err;
	}
	if (!v)
		v = xcalloc(1, sizeof(*v));
	*out = v;
	return NULL;
}

struct cubo_error *registry_list_tags(struct registry_client *c, const struct image_ref *ref,
				      char ***tags)
{
	char *path = xasprintf("/v2/%s/tags/list", ref->path);
	char *scope = registry_repo_scope(ref, false);
	struct cubo_error *err = list_all(c, ref->domain, path, scope, "tags", true, tags);
	free(scope);
	free(path);
	return err;
}

struct cubo_error *registry_catalog(struct registry_client *c, const char *domain, char ***repos)
{
	return list_all(c, domain, "/v2/_catalog", "registry:catalog:*", "repositories", false,
			repos);
}

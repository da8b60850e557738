/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/image/search.h"
#include "shared/filter.h"
#include "shared/xalloc.h"

/* the longest TERM taken: a search term, not a document */
#define MAX_TERM 255

/* docker's rule: a first component with a dot or a port, or localhost, is a registry */
static bool is_domain(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !strncmp(s, "localhost", 9));
}

struct cubo_error *search_query_parse(const char *arg, const char *default_domain,
				      struct search_query *q)
{
	memset(q, 0, sizeof(*q));
	if (!*arg)
		return cubo_error_new("search: the term is empty");
	if (strlen(arg) > MAX_TERM)
		return cubo_error_new("search: the term is longer than %d characters", MAX_TERM);
	for (const char *p = arg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return cubo_error_new("search \"%s\": control characters in the term", arg);
	const char *slash = strchr(arg, '/');
	if (slash && is_domain(arg, (size_t)(slash - arg))) {
		if (slash == arg || strspn(arg, "abcdefghijklmnopqrstuvwxyz"
						"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
					    (size_t)(slash - arg))
			return cubo_error_new("search \"%s\": not a registry name before the /",
					      arg);
		q->domain = xstrndup(arg, (size_t)(slash - arg));
		q->term = xstrdup(slash + 1);
	} else {
		q->domain = xstrdup(default_domain ? default_domain : "docker.io");
		q->term = xstrdup(arg);
	}
	return NULL;
}

void search_query_free(struct search_query *q)
{
	free(q->domain);
	free(q->term);
	memset(q, 0, sizeof(*q));
}

bool search_domain_is_hub(const char *domain)
{
	return !strcmp(domain, "docker.io") || !strcmp(domain, "index.docker.io") ||
	       !strcmp(domain, "registry-1.docker.io");
}

struct cubo_error *search_filters_parse(char *const *filters, struct search_filters *f)
{
	static const char *const keys[] = {"stars", "is-official", "is-automated", NULL};
	f->stars = 0;
	f->official = -1;
	CUBO_TRY(cubo_filter_check(filters, keys));
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *v = strchr(filters[i], '=') + 1;
		if (!strncmp(filters[i], "stars=", 6)) {
			char *end;
			errno = 0;
			long n = strtol(v, &end, 10);
			if (!*v || *end || errno || n < 0)
				return cubo_error_new("invalid filter 'stars=%s'", v);
			f->stars = n;
		} else if (!strncmp(filters[i], "is-official=", 12)) {
			if (strcmp(v, "true") && strcmp(v, "false"))
				return cubo_error_new("invalid filter 'is-official=%s'", v);
			f->official = !strcmp(v, "true");
		} else {
			return cubo_error_new("filter is-automated: Docker Hub's automated builds "
					      "are gone, and a registry's catalog has none");
		}
	}
	return NULL;
}

bool search_matches(const char *repo, const char *term, const struct search_filters *f)
{
	return strstr(repo, term) && f->stars == 0 && f->official != 1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr search: a registry's repositories whose names hold TERM, in
 * docker's columns. A v2 registry's only list is /v2/_catalog (no
 * descriptions, no stars): that is what is searched, as podman does;
 * Docker Hub's own search API is another service, not reached from here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/image/registry_list.h"
#include "cubo-mgr/image/search.h"
#include "cubo-mgr/mgr.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* docker's: --limit's default and its largest value */
#define LIMIT_DEFAULT 25
#define LIMIT_MAX 100
/* docker's table shortens a description to this many characters */
#define DESCRIPTION_WIDTH 45

static const struct mgr_title titles[] = {
	{"Name", "NAME"},
	{"Description", "DESCRIPTION"},
	{"StarCount", "STARS"},
	{"IsOfficial", "OFFICIAL"},
};

static struct cubo_json_gen *row_json(const char *name)
{
	struct cubo_json_gen *g = mgr_format_object();
	if (!g)
		return NULL;
	mgr_json_kv(g, "Name", name);
	mgr_json_kv(g, "Description", "");
	mgr_json_kv(g, "StarCount", "0");
	mgr_json_kv(g, "IsOfficial", "");
	cubo_json_gen_map_close(g);
	return g;
}

static void print_table(char *const *names, size_t n)
{
	int w = (int)strlen("NAME");
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(names[i]) > w)
			w = (int)strlen(names[i]);
	/* the catalog has no descriptions, stars or official images: nothing after the 0 */
	printf("%-*s   %-*s   %-5s   %s\n", w, "NAME", DESCRIPTION_WIDTH, "DESCRIPTION", "STARS",
	       "OFFICIAL");
	for (size_t i = 0; i < n; i++)
		printf("%-*s   %-*s   0\n", w, names[i], DESCRIPTION_WIDTH, "");
}

static struct cubo_error *search(struct registry_client *c, const struct search_query *q,
				 const struct search_filters *f, long limit, char ***found,
				 size_t *n)
{
	if (search_domain_is_hub(q->domain))
		return cubo_error_new(
			"%s: Docker Hub's search API is not reachable from cubo (a "
			"v2 registry has only /v2/_catalog, which Docker Hub does not "
			"serve); search another registry as REGISTRY/TERM",
			q->domain);
	char **repos = NULL;
	CUBO_TRY(registry_catalog(c, q->domain, &repos));
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && repos[i] && *n < (size_t)limit; i++)
		if (search_matches(repos[i], q->term, f)) {
			char *name = xasprintf("%s/%s", q->domain, repos[i]);
			cubo_strv_push(found, n, name);
			free(name);
		}
	cubo_strv_free(repos);
	return err;
}

int cmd_search(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	long limit = LIMIT_DEFAULT;
	bool no_trunc = false;
	const char *format = NULL;
	char **filters = NULL;
	const struct cli_opt opts[] = {
		{"limit", 0, CLI_INT, &limit, "N", "at most N results (default 25, at most 100)"},
		{"filter", 'f', CLI_LIST, &filters, "KEY=VALUE",
		 "stars=N, is-official=true|false (a catalog has no stars and no official "
		 "images)"},
		{"format", 0, CLI_STRING, &format, "FORMAT",
		 "table (default), json, or a Go template (\"{{.Name}}\")"},
		{"no-trunc", 0, CLI_BOOL, &no_trunc, NULL,
		 "do not shorten descriptions (a catalog has none: no effect)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "search",
		.usage = "search [OPTIONS] [REGISTRY/]TERM",
		MGR_ARGS(1, 1, "expected exactly one search term"),
		.description =
			"List a registry's repositories whose names contain TERM, from its\n"
			"/v2/_catalog: REGISTRY/TERM names the registry, else the registries\n"
			"config's short-name domain. Docker Hub's search API is not reached.",
		MGR_OPTS(opts),
	};
	struct mgr_format fmt;
	int rc = mgr_parse_format(m, &spec, argc, argv, &args, &format, &fmt);
	if (rc >= 0) {
		cubo_strv_free(filters);
		return rc;
	}
	struct search_filters f;
	struct search_query q = {0};
	struct cubo_error *err = NULL;
	if (limit < 1 || limit > LIMIT_MAX)
		err = cubo_error_new("limit %ld is outside the range of [1, %d]", limit, LIMIT_MAX);
	if (!err)
		err = search_filters_parse(filters, &f);
	cubo_strv_free(filters);
	if (err) {
		mgr_format_close(&fmt);
		return mgr_usage_error(m, "search", err);
	}
	struct registry_opts ro = {.auth_file = m->auth_file,
				   .tls_verify = true,
				   .registries_conf = m->registries_conf};
	struct registry_client *c = NULL;
	char **found = NULL;
	size_t n = 0;
	err = registry_client_new(&ro, &c);
	if (!err)
		err = search_query_parse(args.v[0], registry_client_short_name_domain(c), &q);
	if (!err)
		err = search(c, &q, &f, limit, &found, &n);
	registry_client_free(c);
	for (size_t i = 0; !err && fmt.kind != MGR_FORMAT_DEFAULT && i < n; i++)
		err = mgr_format_add(&fmt, row_json(found[i]));
	if (!err && fmt.kind != MGR_FORMAT_DEFAULT)
		mgr_format_flush(&fmt, titles, CLI_N(titles));
	else if (!err)
		print_table(found, n);
	mgr_format_close(&fmt);
	cubo_strv_free(found);
	search_query_free(&q);
	return err ? mgr_fail(m, cubo_error_wrap(err, "search %s", args.v[0])) : 0;
}

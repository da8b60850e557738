/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr images: list the images in the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/ctr_store.h"
#include "cubo-mgr/format.h"
#include "shared/strv.h"
#include "cubo-mgr/image/progress.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image_view.h"
#include "cubo-mgr/mgr.h"
#include "shared/filter.h"
#include "shared/json.h"
#include "shared/xalloc.h"

/* docker's column titles of images --format "table ..." */
static const struct mgr_title titles[] = {
	{"Repository", "REPOSITORY"},
	{"Tag", "TAG"},
	{"Digest", "DIGEST"},
	{"ID", "IMAGE ID"},
	{"CreatedAt", "CREATED AT"},
	{"CreatedSince", "CREATED"},
	{"Size", "SIZE"},
	{"SizeBytes", "SIZE BYTES"},
};

/* before= and since= images, resolved to their creation times once */
struct img_times {
	char **names;
	time_t *created;
	size_t n;
};

/* One row and what the filters need of it. */
struct img_item {
	const struct image_row *r;
	char **labels; /* the image's, "k=v"; loaded only for a label filter */
	const struct img_times *times;
};

static time_t time_of(const struct img_times *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->names[i], name))
			return t->created[i];
	return -1;
}

static bool img_filter(const char *key, const char *value, void *item)
{
	const struct img_item *it = item;
	const struct image_row *r = it->r;
	if (!strcmp(key, "dangling")) {
		bool want = false; /* checked before listing */
		cubo_error_free(cubo_filter_bool(key, value, &want));
		return want == !strcmp(r->repository, "<none>");
	}
	if (!strcmp(key, "reference"))
		return cubo_filter_reference(value, r->repository, r->tag);
	if (!strcmp(key, "label"))
		return cubo_filter_label(it->labels, value);
	time_t t = r->created ? image_parse_time(r->created) : -1;
	if (!strcmp(key, "until"))
		return filter_until(value, t);
	time_t ref = time_of(it->times, value);
	return t >= 0 && ref >= 0 && (key[0] == 'b' ? t < ref : t > ref);
}

/*
 * Check images' filters, and find the images before= and since= name (an
 * unknown one is an error, as in docker) among rows.
 */
static struct cubo_error *img_filter_prepare(struct store *s, char *const *filters,
					     const struct image_row *rows, size_t n,
					     struct img_times *t)
{
	static const char *const keys[] = {"dangling", "reference", "label", "before",
					   "since",    "until",	    NULL};
	memset(t, 0, sizeof(*t));
	CUBO_TRY(cubo_filter_check(filters, keys));
	CUBO_TRY(filter_until_check(filters));
	size_t k = 0;
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *v = strchr(filters[i], '=') + 1;
		bool b;
		if (!strncmp(filters[i], "dangling=", 9))
			CUBO_TRY(cubo_filter_bool("dangling", v, &b));
		if (strncmp(filters[i], "before=", 7) && strncmp(filters[i], "since=", 6))
			continue;
		struct store_match match;
		CUBO_TRY_CTX(store_image_find(s, v, NULL, &match), "--filter %s", filters[i]);
		time_t when = -1;
		for (size_t j = 0; j < n && when < 0; j++)
			if (!strcmp(rows[j].id, match.config_digest) && rows[j].created)
				when = image_parse_time(rows[j].created);
		store_match_free(&match);
		t->created = xrealloc(t->created, (t->n + 1) * sizeof(*t->created));
		t->created[t->n++] = when;
		cubo_strv_push(&t->names, &k, v);
	}
	return NULL;
}

static void img_times_free(struct img_times *t)
{
	cubo_strv_free(t->names);
	free(t->created);
}

int cmd_images(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool quiet = false, digests = false, all = false, no_trunc = false;
	const char *format = NULL;
	char **filters = NULL;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only image IDs"},
		{"filter", 'f', CLI_LIST, &filters, "KEY=VALUE",
		 "dangling=true|false, reference=PATTERN, label=KEY[=VALUE], before=IMAGE, "
		 "since=IMAGE, until=TIME"},
		{"digests", 0, CLI_BOOL, &digests, NULL, "show the manifest digests"},
		{"all", 'a', CLI_BOOL, &all, NULL,
		 "show all images (the store keeps no intermediate ones)"},
		{"no-trunc", 0, CLI_BOOL, &no_trunc, NULL, "show full image IDs"},
		{"format", 0, CLI_STRING, &format, "FORMAT",
		 "table (default), json (one object a line), or a Go template"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "images",
		.usage = "images [OPTIONS] [REPOSITORY[:TAG]]",
		MGR_ARGS(0, 1, "expected at most one REPOSITORY[:TAG] filter"),
		.description =
			"List the images in the store (alias: blueprint). Filters of one key "
			"match either\nvalue; different keys must all match.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		cubo_strv_free(filters);
		return rc;
	}
	struct mgr_format fmt;
	struct cubo_error *err = mgr_format_open(format, &fmt);
	if (err) {
		cubo_strv_free(filters);
		return mgr_usage_error(m, "images", err);
	}
	bool custom = fmt.kind != MGR_FORMAT_DEFAULT;
	char *want_repo = NULL, *want_tag = NULL;
	if (args.n == 1) {
		struct image_ref r;
		if ((err = image_ref_parse(args.v[0], NULL, &r))) {
			mgr_format_close(&fmt);
			cubo_strv_free(filters);
			return mgr_fail(m, err);
		}
		char *full = image_ref_string(&r);
		image_name_split(full, &want_repo, &want_tag);
		/* "images alpine" lists every tag; "images alpine:3" one */
		if (!strchr(strrchr(args.v[0], '/') ? strrchr(args.v[0], '/') : args.v[0], ':')) {
			free(want_tag);
			want_tag = NULL;
		}
		free(full);
		image_ref_free(&r);
	}
	struct store *s = NULL;
	struct image_row *rows = NULL;
	size_t n = 0;
	struct img_times times = {0};
	if ((err = store_open(m->root, &s)) || (err = image_rows(s, &rows, &n)) ||
	    (err = img_filter_prepare(s, filters, rows, n, &times))) {
		store_close(s);
		image_rows_free(rows, n);
		img_times_free(&times);
		free(want_repo);
		free(want_tag);
		cubo_strv_free(filters);
		mgr_format_close(&fmt);
		return mgr_fail(m, err);
	}
	bool want_labels = cubo_filter_has(filters, "label");
	time_t now = time(NULL);
	if (!quiet && !custom)
		printf(digests ? "%-40s %-20s %-71s %-12s %-20s %s\n"
			       : "%-40s %-20s%.0s %-12s %-20s %s\n",
		       "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE");
	char **seen = xcalloc(n + 1, sizeof(char *));
	size_t n_seen = 0;
	for (size_t i = 0; i < n; i++) {
		struct image_row *r = &rows[i];
		if (want_repo &&
		    (strcmp(r->repository, want_repo) || (want_tag && strcmp(r->tag, want_tag))))
			continue;
		struct img_item it = {r, want_labels ? image_labels(s, r->id) : NULL, &times};
		bool pass = cubo_filter_match(filters, img_filter, &it);
		cubo_strv_free(it.labels);
		if (!pass)
			continue;
		const char *id = no_trunc ? r->id : image_short_id(r->id);
		char age[64], size[16];
		image_human_age(r->created, now, age, sizeof(age));
		progress_format_bytes(r->size, size);
		if (quiet) {
			bool dup = false;
			for (size_t k = 0; k < n_seen && !dup; k++)
				dup = !strcmp(seen[k], r->id);
			if (!dup) {
				seen[n_seen++] = r->id;
				printf("%s\n", id);
			}
		} else if (custom) {
			struct cubo_json_gen *g;
			char when[64];
			if ((err = cubo_json_gen_new(false, &g)))
				break;
			cubo_json_gen_map_open(g);
			cubo_json_gen_key(g, "Repository");
			cubo_json_gen_string(g, r->repository);
			cubo_json_gen_key(g, "Tag");
			cubo_json_gen_string(g, r->tag);
			cubo_json_gen_key(g, "Digest");
			cubo_json_gen_string(g, r->manifest);
			cubo_json_gen_key(g, "ID");
			cubo_json_gen_string(g, id);
			image_docker_time(r->created, when, sizeof(when));
			cubo_json_gen_key(g, "CreatedAt");
			cubo_json_gen_string(g, when);
			cubo_json_gen_key(g, "CreatedSince");
			cubo_json_gen_string(g, age);
			cubo_json_gen_key(g, "Size");
			cubo_json_gen_string(g, size);
			cubo_json_gen_key(g, "SizeBytes");
			cubo_json_gen_uint(g, r->size);
			cubo_json_gen_map_close(g);
			if ((err = mgr_format_add(&fmt, g)))
				break;
		} else if (digests) {
			printf("%-40s %-20s %-71s %-12s %-20s %s\n", r->repository, r->tag,
			       r->manifest, id, age, size);
		} else {
			printf("%-40s %-20s %-12s %-20s %s\n", r->repository, r->tag, id, age,
			       size);
		}
	}
	if (!err && !quiet)
		mgr_format_flush(&fmt, titles, CLI_N(titles));
	mgr_format_close(&fmt);
	store_close(s);
	img_times_free(&times);
	cubo_strv_free(filters);
	free(seen);
	image_rows_free(rows, n);
	free(want_repo);
	free(want_tag);
	return err ? mgr_fail(m, err) : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr history: the steps that made an image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/image/progress.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image_view.h"
#include "cubo-mgr/mgr.h"
#include "shared/json.h"
#include "shared/xalloc.h"

/* docker's column titles of history --format "table ..." */
static const struct mgr_title titles[] = {
	{"ID", "IMAGE"},
	{"CreatedSince", "CREATED"},
	{"CreatedAt", "CREATED AT"},
	{"CreatedBy", "CREATED BY"},
	{"Size", "SIZE"},
	{"SizeBytes", "SIZE BYTES"},
	{"Comment", "COMMENT"},
};

int cmd_history(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool quiet = false, no_trunc = false;
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only the image ID"},
		{"no-trunc", 0, CLI_BOOL, &no_trunc, NULL, "do not shorten the output"},
		{"format", 0, CLI_STRING, &format, "FORMAT",
		 "table (default), json (one object a step), or a Go template"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "history",
		.usage = "history [OPTIONS] IMAGE",
		MGR_ARGS(1, 1, "expected exactly one image"),
		.description =
			"Show the steps that made an image, newest first, with the size of the\n"
			"layer each step added.",
		MGR_OPTS(opts),
	};
	struct mgr_format fmt;
	int rc = mgr_parse_format(m, &spec, argc, argv, &args, &format, &fmt);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	bool custom = fmt.kind != MGR_FORMAT_DEFAULT;
	struct store *s = NULL;
	struct store_match match = {0};
	struct oci_manifest *man = NULL;
	struct oci_image_config *cfg = NULL;
	if ((err = store_open(m->root, &s)) ||
	    (err = store_image_find(s, args.v[0], NULL, &match)) ||
	    (err = store_image_load(s, &match.v[0].manifest, &man, &cfg))) {
		store_close(s);
		store_match_free(&match);
		mgr_format_close(&fmt);
		return mgr_fail(m, err);
	}
	/* history entries that made a layer take the layers in order */
	size_t n = cfg->n_history, layer = 0;
	int64_t *sizes = xcalloc(n + 1, sizeof(*sizes));
	for (size_t i = 0; i < n; i++)
		if (!cfg->history[i].empty_layer && layer < man->n_layers)
			sizes[i] = man->layers[layer++].size;
	time_t now = time(NULL);
	if (!quiet && !custom)
		printf("%-12s %-20s %-45s %-10s %s\n", "IMAGE", "CREATED", "CREATED BY", "SIZE",
		       "COMMENT");
	for (size_t k = n; k-- > 0;) {
		const struct oci_history *h = &cfg->history[k];
		const char *id = k == n - 1 ? (no_trunc ? match.config_digest
							: image_short_id(match.config_digest))
					    : "<missing>";
		if (quiet) {
			printf("%s\n", id);
			continue;
		}
		char age[64], size[16], by[48];
		image_human_age(h->created, now, age, sizeof(age));
		progress_format_bytes((uint64_t)sizes[k], size);
		const char *cb = h->created_by ? h->created_by : "";
		if (!no_trunc && strlen(cb) > 44)
			snprintf(by, sizeof(by), "%.41s...", cb);
		else
			snprintf(by, sizeof(by), "%s", cb);
		if (custom) {
			struct cubo_json_gen *g;
			char when[64];
			if ((err = cubo_json_gen_new(false, &g)))
				break;
			image_docker_time(h->created, when, sizeof(when));
			cubo_json_gen_map_open(g);
			mgr_json_kv(g, "ID", id);
			mgr_json_kv(g, "CreatedAt", when);
			mgr_json_kv(g, "CreatedSince", age);
			mgr_json_kv(g, "CreatedBy",
				    no_trunc || fmt.kind == MGR_FORMAT_JSON ? cb : by);
			mgr_json_kv(g, "Size", size);
			cubo_json_gen_key(g, "SizeBytes");
			cubo_json_gen_int(g, sizes[k]);
			mgr_json_kv(g, "Comment", h->comment);
			cubo_json_gen_map_close(g);
			if ((err = mgr_format_add(&fmt, g)))
				break;
			continue;
		}
		printf("%-12s %-20s %-45s %-10s %s\n", id, age, no_trunc ? cb : by, size,
		       h->comment ? h->comment : "");
	}
	if (!err && !quiet)
		mgr_format_flush(&fmt, titles, CLI_N(titles));
	mgr_format_close(&fmt);
	free(sizes);
	oci_manifest_free(man);
	oci_image_config_free(cfg);
	store_match_free(&match);
	store_close(s);
	return err ? mgr_fail(m, err) : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr image inspect: images as JSON, docker's shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/image/doc_limits.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/mgr.h"
#include "shared/json.h"

/* One object of the inspect array (ctx: the image store). */
static struct cubo_error *inspect_one(void *ctx, const char *arg, struct cubo_json_gen *g)
{
	struct store *s = ctx;
	struct store_match match;
	CUBO_TRY(store_image_find(s, arg, NULL, &match));
	struct oci_manifest *man = NULL;
	char *cfg_text = NULL;
	size_t cfg_len = 0;
	yajl_val cfg = NULL;
	struct cubo_error *err = store_image_load(s, &match.v[0].manifest, &man, NULL);
	if (!err)
		err = store_blob_read(s, man->config.digest, MAX_CONFIG_BYTES, &cfg_text, &cfg_len);
	if (!err)
		err = cubo_json_parse(cfg_text, cfg_len, man->config.digest, &cfg);
	if (err)
		goto out;
	/* every name of the image, also when found by one name */
	struct store_match all;
	bool have_all = !store_image_find(s, match.config_digest, NULL, &all);
	const struct store_match *names = have_all ? &all : &match;
	cubo_json_gen_map_open(g);
	mgr_json_kv(g, "Id", match.config_digest);
	cubo_json_gen_key(g, "RepoTags");
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < names->n; i++) {
		struct image_ref r;
		if (!names->v[i].name || image_ref_parse(names->v[i].name, NULL, &r))
			continue;
		char *familiar = image_ref_familiar(&r); /* "alpine:3", as docker shows it */
		cubo_json_gen_string(g, familiar ? familiar : names->v[i].name);
		free(familiar);
		image_ref_free(&r);
	}
	cubo_json_gen_array_close(g);
	cubo_json_gen_key(g, "RepoDigests");
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < names->n; i++) {
		if (!names->v[i].name)
			continue;
		char *repo, buf[1024];
		struct image_ref r;
		if (image_ref_parse(names->v[i].name, NULL, &r))
			continue;
		repo = image_ref_name(&r);
		snprintf(buf, sizeof(buf), "%s@%s", repo, names->v[i].manifest.digest);
		cubo_json_gen_string(g, buf);
		free(repo);
		image_ref_free(&r);
	}
	cubo_json_gen_array_close(g);
	static const struct {
		const char *ours, *theirs;
	} fields[] = {
		{"Created", "created"}, {"Author", "author"},	{"Architecture", "architecture"},
		{"Os", "os"},		{"Variant", "variant"}, {"Config", "config"},
		{"History", "history"}};
	for (size_t i = 0; i < CLI_N(fields); i++) {
		yajl_val v = cubo_json_get(cfg, fields[i].theirs);
		if (!v)
			continue;
		cubo_json_gen_key(g, fields[i].ours);
		cubo_json_gen_value(g, v);
	}
	/* docker's shape: {"Type": "layers", "Layers": [diff_ids]} */
	yajl_val rootfs = cubo_json_get(cfg, "rootfs");
	cubo_json_gen_key(g, "RootFS");
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "Type");
	cubo_json_gen_value(g, cubo_json_get(rootfs, "type"));
	cubo_json_gen_key(g, "Layers");
	cubo_json_gen_value(g, cubo_json_get(rootfs, "diff_ids"));
	cubo_json_gen_map_close(g);
	uint64_t size = (uint64_t)man->config.size;
	for (size_t i = 0; i < man->n_layers; i++)
		size += (uint64_t)man->layers[i].size;
	cubo_json_gen_key(g, "Size");
	cubo_json_gen_uint(g, size);
	mgr_json_kv(g, "ManifestDigest", match.v[0].manifest.digest);
	mgr_json_kv(g, "ManifestMediaType", match.v[0].manifest.media_type);
	cubo_json_gen_key(g, "Layers");
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < man->n_layers; i++) {
		cubo_json_gen_map_open(g);
		mgr_json_kv(g, "Digest", man->layers[i].digest);
		mgr_json_kv(g, "MediaType", man->layers[i].media_type);
		cubo_json_gen_key(g, "Size");
		cubo_json_gen_int(g, man->layers[i].size);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
	cubo_json_gen_map_close(g);
	if (have_all)
		store_match_free(&all);
out:
	if (cfg)
		yajl_tree_free(cfg);
	free(cfg_text);
	oci_manifest_free(man);
	store_match_free(&match);
	return err;
}

int cmd_image_inspect(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *format = NULL, *type = NULL;
	const struct cli_opt opts[] = {
		{"format", 'f', CLI_STRING, &format, "FORMAT",
		 "json (the default) or a Go template run for each image (\"{{.Id}}\")"},
		{"type", 0, CLI_STRING, &type, "image",
		 NULL}, /* `inspect --type image` lands here */
	};
	const struct mgr_cmd_spec spec = {
		.name = "inspect",
		.usage = "inspect IMAGE [IMAGE...]",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected at least one image"),
		.description =
			"Print a JSON array with each image's ID, names, digests, config, layers\n"
			"and history.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	struct store *s = NULL;
	struct cubo_json_gen *g = NULL;
	if (format && strcmp(format, "json")) {
		if ((err = store_open(m->root, &s)))
			return mgr_fail(m, err);
		rc = mgr_format_inspect(m, "inspect", format, args.v, args.n, mgr_gen_text,
					&(struct mgr_gen_ctx){inspect_one, s});
		store_close(s);
		return rc;
	}
	if ((err = store_open(m->root, &s)) || (err = cubo_json_gen_new(true, &g))) {
		store_close(s);
		return mgr_fail(m, err);
	}
	cubo_json_gen_array_open(g);
	rc = 0;
	for (int i = 0; i < args.n; i++)
		if ((err = inspect_one(s, args.v[i], g)))
			rc = mgr_fail(m, err);
	cubo_json_gen_array_close(g);
	mgr_print_json_line(g);
	store_close(s);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr manifest inspect|create|annotate|push|rm: docker's manifest
 * lists. inspect prints what a registry has for a reference (an index or
 * one image's manifest) without pulling it, or the local list of that name;
 * create fetches each image's manifest and config for its digest, size and
 * platform into a local list (image/manifest_list.h), annotate changes an
 * entry's platform, push sends the list as one index into the list's own
 * repository, where its images must be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/image/doc_limits.h"
#include "cubo-mgr/image/manifest_list.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/registry.h"
#include "cubo-mgr/mgr.h"
#include "shared/digest.h"
#include "shared/json.h"
#include "shared/strv.h"

/* What every manifest subcommand opens: the registry client, for its names too. */
struct mctx {
	struct mgr *m;
	struct registry_client *c;
};

static struct cubo_error *mctx_open(struct mgr *m, bool insecure, struct mctx *x)
{
	struct registry_opts ro = {.auth_file = m->auth_file,
				   .tls_verify = !insecure,
				   .registries_conf = m->registries_conf};
	x->m = m;
	return registry_client_new(&ro, &x->c);
}

typedef struct cubo_error *(*manifest_fn)(struct mctx *x, char **args, void *ctx);

/* Parse, open the client (*insecure read once parsed), run fn on the arguments. */
static int run_manifest(struct mgr *m, const struct mgr_cmd_spec *spec, int argc, char **argv,
			const bool *insecure, manifest_fn fn, void *ctx)
{
	struct cli_args args;
	int rc = mgr_parse_args(m, spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct mctx x;
	struct cubo_error *err = mctx_open(m, insecure && *insecure, &x);
	if (!err)
		err = fn(&x, args.v, ctx);
	registry_client_free(x.c);
	return err ? mgr_fail(m, cubo_error_wrap(err, "%s %s", spec->name, args.v[0])) : 0;
}

#define INSECURE_OPT(var)                                                                          \
	{                                                                                          \
		"insecure", 0, CLI_BOOL, &(var), NULL,                                             \
			"allow a registry without a valid certificate"                             \
	}

/* A manifest list's name: a tag, never a digest (it is made here). */
static struct cubo_error *list_ref(struct mctx *x, const char *arg, struct image_ref *ref,
				   char **name)
{
	CUBO_TRY(image_ref_parse(arg, registry_client_short_name_domain(x->c), ref));
	if (ref->digest) {
		image_ref_free(ref);
		return cubo_error_new("manifest list %s: a list is named by a tag, not a digest",
				      arg);
	}
	*name = image_ref_string(ref);
	return NULL;
}

static void print_pretty(const char *body, size_t len)
{
	yajl_val v = NULL;
	struct cubo_json_gen *g = NULL;
	char *out = NULL;
	size_t n = 0;
	struct cubo_error *err = cubo_json_parse(body, len, "manifest", &v);
	if (!err)
		err = cubo_json_gen_new(true, &g);
	if (!err) {
		cubo_json_gen_value(g, v);
		err = cubo_json_gen_finish(g, &out, &n);
	}
	if (err) /* not JSON we can read: as it came */
		fwrite(body, 1, len, stdout);
	else
		fwrite(out, 1, n, stdout);
	putchar('\n');
	cubo_error_free(err);
	free(out);
	if (v)
		yajl_tree_free(v);
}

/* docker's verbose entry: {"Ref", "Descriptor", "SchemaV2Manifest"|"OCIManifest"}. */
static struct cubo_error *verbose_entry(struct cubo_json_gen *g, const struct image_ref *ref,
					const struct oci_descriptor *d, const char *body,
					size_t len)
{
	yajl_val v;
	CUBO_TRY(cubo_json_parse(body, len, d->digest, &v));
	char *name = image_ref_name(ref);
	char *r = xasprintf("%s@%s", name, d->digest);
	free(name);
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "Ref");
	cubo_json_gen_string(g, r);
	oci_descriptor_gen(g, "Descriptor", d);
	bool docker = d->media_type && !strcmp(d->media_type, DOCKER_MT_MANIFEST);
	cubo_json_gen_key(g, docker ? "SchemaV2Manifest" : "OCIManifest");
	cubo_json_gen_value(g, v);
	cubo_json_gen_map_close(g);
	free(r);
	yajl_tree_free(v);
	return NULL;
}

/* inspect -v: each image's manifest, fetched by the digest the list gives. */
static struct cubo_error *inspect_verbose(struct mctx *x, const struct image_ref *ref,
					  const struct registry_manifest *top)
{
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(true, &g));
	struct cubo_error *err = NULL;
	enum oci_doc_kind kind = oci_doc_kind_detect(top->content_type, top->body, top->len);
	if (kind == OCI_DOC_INDEX) {
		struct oci_index *idx;
		err = oci_index_parse(top->body, top->len, top->digest, &idx);
		if (!err) {
			cubo_json_gen_array_open(g);
			for (size_t i = 0; !err && i < idx->n_manifests; i++) {
				struct registry_manifest one = {0};
				err = registry_get_manifest(x->c, ref, idx->manifests[i].digest,
							    &one);
				if (!err)
					err = verbose_entry(g, ref, &idx->manifests[i], one.body,
							    one.len);
				registry_manifest_free(&one);
			}
			cubo_json_gen_array_close(g);
			oci_index_free(idx);
		}
	} else {
		struct oci_descriptor d = {.media_type = top->content_type,
					   .digest = (char *)top->digest,
					   .size = (int64_t)top->len};
		err = verbose_entry(g, ref, &d, top->body, top->len);
	}
	char *out = NULL;
	size_t n;
	if (err)
		cubo_json_gen_free(g);
	else
		err = cubo_json_gen_finish(g, &out, &n);
	if (!err)
		printf("%s\n", out);
	free(out);
	return err;
}

static struct cubo_error *inspect(struct mctx *x, char **args, void *ctx)
{
	const char *arg = args[0];
	bool verbose = *(const bool *)ctx;
	struct image_ref ref;
	CUBO_TRY(image_ref_parse(arg, registry_client_short_name_domain(x->c), &ref));
	struct cubo_error *err = NULL;
	/* a list made here and not pushed yet: what push would send */
	if (!ref.digest) {
		char *name = image_ref_string(&ref);
		struct oci_index *idx;
		err = mlist_load(x->m->root, name, &idx);
		free(name);
		if (!err && idx) {
			char *json = NULL;
			size_t len;
			const char *mt;
			err = mlist_push_json(idx, true, &json, &len, &mt);
			if (!err)
				printf("%s\n", json);
			free(json);
			oci_index_free(idx);
			image_ref_free(&ref);
			return err;
		}
	}
	struct registry_manifest top = {0};
	if (!err)
		err = registry_get_manifest(x->c, &ref, ref.digest ? ref.digest : ref.tag, &top);
	if (!err && verbose)
		err = inspect_verbose(x, &ref, &top);
	else if (!err)
		print_pretty(top.body, top.len);
	registry_manifest_free(&top);
	image_ref_free(&ref);
	return err;
}

static int manifest_inspect(struct mgr *m, int argc, char **argv)
{
	bool verbose = false, insecure = false;
	const struct cli_opt opts[] = {
		{"verbose", 'v', CLI_BOOL, &verbose, NULL,
		 "each image's manifest too, with its reference and descriptor"},
		INSECURE_OPT(insecure),
	};
	const struct mgr_cmd_spec spec = {
		.name = "manifest inspect",
		.usage = "manifest inspect [OPTIONS] MANIFEST_LIST|MANIFEST",
		.description = "Print the registry's manifest or index for a reference as JSON, "
			       "without pulling\nthe image; or the local list of that name "
			       "(manifest create).",
		MGR_ARGS(1, 1, "expected one reference"),
		MGR_OPTS(opts),
	};
	return run_manifest(m, &spec, argc, argv, &insecure, inspect, &verbose);
}

/* One image for a list: its manifest's descriptor, its platform from its config. */
static struct cubo_error *entry_of(struct mctx *x, const char *arg, struct oci_descriptor *d,
				   char **source)
{
	struct image_ref ref;
	CUBO_TRY(image_ref_parse(arg, registry_client_short_name_domain(x->c), &ref));
	struct registry_manifest rm = {0};
	struct oci_manifest *man = NULL;
	struct oci_image_config *cfg = NULL;
	char *data = NULL;
	size_t len = 0;
	struct cubo_error *err =
		registry_get_manifest(x->c, &ref, ref.digest ? ref.digest : ref.tag, &rm);
	enum oci_doc_kind kind =
		err ? OCI_DOC_UNKNOWN : oci_doc_kind_detect(rm.content_type, rm.body, rm.len);
	if (!err && kind == OCI_DOC_INDEX)
		err = cubo_error_new("%s is a manifest list", arg);
	else if (!err && kind != OCI_DOC_MANIFEST)
		err = cubo_error_new("%s: not an image manifest (%s)", arg,
				     rm.content_type ? rm.content_type : "no media type");
	if (!err)
		err = oci_manifest_parse(rm.body, rm.len, rm.digest, &man);
	if (!err)
		err = registry_get_blob_mem(x->c, &ref, man->config.digest, MAX_CONFIG_BYTES, &data,
					    &len);
	char got[CUBO_DIGEST_LEN + 1];
	if (!err)
		err = cubo_sha256_buffer(data ? data : "", len, got);
	if (!err && strcmp(got, man->config.digest))
		err = cubo_error_new("config %s: digest mismatch (got %s)", man->config.digest,
				     got);
	if (!err)
		err = oci_image_config_parse(data, len, man->config.digest, &cfg);
	if (!err && (!cfg->os || !cfg->architecture))
		err = cubo_error_new("config %s has no os or architecture", man->config.digest);
	if (!err) {
		*d = (struct oci_descriptor){
			.media_type = xstrdup(man->media_type ? man->media_type : rm.content_type),
			.digest = xstrdup(rm.digest),
			.size = (int64_t)rm.len,
			.platform = xcalloc(1, sizeof(struct oci_platform)),
		};
		d->platform->os = xstrdup(cfg->os);
		d->platform->architecture = xstrdup(cfg->architecture);
		d->platform->variant = xstrdup(cfg->variant);
		d->platform->os_version = xstrdup(cfg->os_version);
		*source = image_ref_string(&ref);
	}
	free(data);
	if (cfg)
		oci_image_config_free(cfg);
	if (man)
		oci_manifest_free(man);
	registry_manifest_free(&rm);
	image_ref_free(&ref);
	return cubo_error_wrap(err, "manifest %s", arg);
}

static struct cubo_error *create(struct mctx *x, char **args, void *ctx)
{
	bool amend = *(const bool *)ctx;
	struct image_ref lref;
	char *name;
	CUBO_TRY(list_ref(x, args[0], &lref, &name));
	struct oci_index *idx;
	struct cubo_error *err = mlist_load(x->m->root, name, &idx);
	if (!err && idx && !amend)
		err = cubo_error_new("refusing to amend an existing manifest list with no "
				     "--amend flag");
	if (!err && !idx)
		idx = xcalloc(1, sizeof(*idx));
	for (int i = 1; !err && args[i]; i++) {
		struct oci_descriptor d;
		char *source = NULL;
		err = entry_of(x, args[i], &d, &source);
		if (!err) {
			mlist_put(idx, &d, source);
			oci_descriptor_clear(&d);
			free(source);
		}
	}
	if (!err)
		err = mlist_save(x->m->root, name, idx);
	if (!err)
		printf("Created manifest list %s\n", name);
	oci_index_free(idx);
	image_ref_free(&lref);
	free(name);
	return err;
}

static int manifest_create(struct mgr *m, int argc, char **argv)
{
	bool amend = false, insecure = false;
	const struct cli_opt opts[] = {
		{"amend", 'a', CLI_BOOL, &amend, NULL, "add to (or update) a list that exists"},
		INSECURE_OPT(insecure),
	};
	const struct mgr_cmd_spec spec = {
		.name = "manifest create",
		.usage = "manifest create [OPTIONS] MANIFEST_LIST MANIFEST [MANIFEST...]",
		.description = "Make a local manifest list of images already in a registry (each "
			       "one's digest, size\nand platform are read there); manifest push "
			       "sends it.",
		MGR_ARGS(2, MGR_ARGS_ANY, "expected a list and at least one image"),
		MGR_OPTS(opts),
	};
	return run_manifest(m, &spec, argc, argv, &insecure, create, &amend);
}

struct annotate_opts {
	const char *os, *arch, *variant;
	char **os_features;
};

static struct cubo_error *annotate(struct mctx *x, char **args, void *ctx)
{
	const char *list = args[0], *image = args[1];
	const struct annotate_opts *o = ctx;
	struct image_ref lref, iref;
	char *name;
	CUBO_TRY(list_ref(x, list, &lref, &name));
	struct oci_index *idx;
	struct cubo_error *err = mlist_load(x->m->root, name, &idx);
	if (!err && !idx)
		err = cubo_error_new("No such manifest: %s", name);
	if (!err)
		err = image_ref_parse(image, registry_client_short_name_domain(x->c), &iref);
	if (!err) {
		char *source = image_ref_string(&iref);
		size_t i;
		err = mlist_find(idx, source, iref.digest, &i);
		if (!err)
			err = mlist_set_platform(&idx->manifests[i], o->os, o->arch, o->variant,
						 o->os_features);
		if (!err)
			err = mlist_save(x->m->root, name, idx);
		free(source);
		image_ref_free(&iref);
	}
	oci_index_free(idx);
	image_ref_free(&lref);
	free(name);
	return err;
}

static int manifest_annotate(struct mgr *m, int argc, char **argv)
{
	struct annotate_opts o = {0};
	const struct cli_opt opts[] = {
		{"os", 0, CLI_STRING, &o.os, "OS", "the image's operating system"},
		{"arch", 0, CLI_STRING, &o.arch, "ARCH", "the image's architecture"},
		{"variant", 0, CLI_STRING, &o.variant, "VARIANT", "the architecture's variant"},
		{"os-features", 0, CLI_LIST, &o.os_features, "FEATURE",
		 "an operating system feature the image needs (repeat)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "manifest annotate",
		.usage = "manifest annotate [OPTIONS] MANIFEST_LIST MANIFEST",
		.description = "Change the platform an entry of a local manifest list is for.",
		MGR_ARGS(2, 2, "expected a list and one of its images"),
		MGR_OPTS(opts),
	};
	int rc = run_manifest(m, &spec, argc, argv, NULL, annotate, &o);
	cubo_strv_free(o.os_features);
	return rc;
}

/* Every entry must be in the list's repository: a registry takes no index of others'. */
static struct cubo_error *same_repository(struct mctx *x, const struct image_ref *lref,
					  const struct oci_index *idx)
{
	char *want = image_ref_name(lref);
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < idx->n_manifests; i++) {
		const char *src =
			mlist_annotation(&idx->manifests[i].annotations, MLIST_SOURCE_KEY);
		struct image_ref r;
		err = image_ref_parse(src ? src : "", registry_client_short_name_domain(x->c), &r);
		if (err)
			break;
		char *have = image_ref_name(&r);
		if (strcmp(have, want))
			err = cubo_error_new("%s is in repository %s, not in %s: push it there "
					     "first",
					     src, have, want);
		free(have);
		image_ref_free(&r);
	}
	free(want);
	return err;
}

static struct cubo_error *push(struct mctx *x, char **args, void *ctx)
{
	const char *list = args[0];
	bool purge = *(const bool *)ctx;
	struct image_ref lref;
	char *name;
	CUBO_TRY(list_ref(x, list, &lref, &name));
	struct oci_index *idx;
	char *json = NULL;
	size_t len;
	const char *mt;
	struct cubo_error *err = mlist_load(x->m->root, name, &idx);
	if (!err && !idx)
		err = cubo_error_new("No such manifest: %s", name);
	if (!err)
		err = same_repository(x, &lref, idx);
	if (!err)
		err = mlist_push_json(idx, false, &json, &len, &mt);
	if (!err)
		err = registry_put_manifest(x->c, &lref, lref.tag, mt, json, len);
	char digest[CUBO_DIGEST_LEN + 1];
	if (!err)
		err = cubo_sha256_buffer(json, len, digest);
	if (!err) {
		printf("%s\n", digest);
		ev_image(x->m->root, "push", name, NULL, &x->m->events_warned);
	}
	if (!err && purge)
		err = mlist_remove(x->m->root, name);
	oci_index_free(idx);
	free(json);
	image_ref_free(&lref);
	free(name);
	return err;
}

static int manifest_push(struct mgr *m, int argc, char **argv)
{
	bool purge = false, insecure = false;
	const struct cli_opt opts[] = {
		{"purge", 'p', CLI_BOOL, &purge, NULL, "remove the local list once it is pushed"},
		INSECURE_OPT(insecure),
	};
	const struct mgr_cmd_spec spec = {
		.name = "manifest push",
		.usage = "manifest push [OPTIONS] MANIFEST_LIST",
		.description = "Send a local manifest list to its registry, as one index in the "
			       "list's repository\n(where its images must be). Prints its digest.",
		MGR_ARGS(1, 1, "expected one manifest list"),
		MGR_OPTS(opts),
	};
	return run_manifest(m, &spec, argc, argv, &insecure, push, &purge);
}

static int manifest_rm(struct mgr *m, int argc, char **argv)
{
	const struct mgr_cmd_spec spec = {
		.name = "manifest rm",
		.usage = "manifest rm MANIFEST_LIST [MANIFEST_LIST...]",
		.description = "Remove local manifest lists (not what a registry holds).",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected at least one manifest list"),
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct mctx x;
	struct cubo_error *err = mctx_open(m, false, &x);
	if (err)
		return mgr_fail(m, err);
	for (int i = 0; i < args.n; i++) {
		struct image_ref ref;
		char *name;
		err = list_ref(&x, args.v[i], &ref, &name);
		if (!err) {
			err = mlist_remove(m->root, name);
			image_ref_free(&ref);
			free(name);
		}
		if (err)
			rc = mgr_fail(m, err);
	}
	registry_client_free(x.c);
	return rc < 0 ? 0 : rc;
}

static const struct mgr_subcommand manifest_commands[] = {
	{"inspect", manifest_inspect, "print a registry's manifest or index (or a local list)"},
	{"create", manifest_create, "make a local manifest list of images in a registry"},
	{"annotate", manifest_annotate, "change an entry's platform in a local list"},
	{"push", manifest_push, "send a local manifest list to its registry"},
	{"rm", manifest_rm, "remove local manifest lists"},
};

int cmd_manifest(struct mgr *m, int argc, char **argv)
{
	return mgr_run_group(m, "manifest", "Manage manifest lists (multi-platform images).",
			     manifest_commands, CLI_N(manifest_commands), 9, argc, argv);
}

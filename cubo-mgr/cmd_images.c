/* SPDX-License-Identifier: Apache-2.0 */
/* The image commands that need no registry: images, rmi, tag, inspect, history, image prune. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/ctr_store.h"
#include "shared/strv.h"
#include "cubo-mgr/image/progress.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image_view.h"
#include "cubo-mgr/mgr.h"
#include "shared/json.h"

static const char *short_id(const char *digest)
{
	static _Thread_local char buf[13];
	snprintf(buf, sizeof(buf), "%.12s", strchr(digest, ':') ? strchr(digest, ':') + 1 : digest);
	return buf;
}

static void print_json_line(struct cubo_json_gen *g)
{
	char *out;
	size_t len;
	struct cubo_error *err = cubo_json_gen_finish(g, &out, &len);
	if (err) {
		cubo_error_free(err);
		return;
	}
	printf("%s\n", out);
	free(out);
}

/* ---- images ---- */

int cmd_images(struct mgr *m, int argc, char **argv)
{
	bool quiet = false, digests = false, all = false, no_trunc = false;
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only image IDs"},
		{"digests", 0, CLI_BOOL, &digests, NULL, "show the manifest digests"},
		{"all", 'a', CLI_BOOL, &all, NULL,
		 "show all images (the store keeps no intermediate ones)"},
		{"no-trunc", 0, CLI_BOOL, &no_trunc, NULL, "show full image IDs"},
		{"format", 0, CLI_STRING, &format, "json", "print one JSON object per image"},
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, "images", "images [OPTIONS] [REPOSITORY[:TAG]]",
				"List the images in the store (alias: blueprint).", argc, argv,
				opts, CLI_N(opts), &args);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	if (format && strcmp(format, "json"))
		err = cubo_error_new("--format \"%s\": only json is supported", format);
	if (!err && args.n > 1)
		err = cubo_error_new("expected at most one REPOSITORY[:TAG] filter");
	if (err) {
		free(args.v);
		return mgr_usage_error(m, "images", err);
	}
	char *want_repo = NULL, *want_tag = NULL;
	if (args.n == 1) {
		struct image_ref r;
		if ((err = image_ref_parse(args.v[0], NULL, &r))) {
			free(args.v);
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
	free(args.v);
	struct store *s = NULL;
	struct image_row *rows = NULL;
	size_t n = 0;
	if ((err = store_open(m->root, &s)) || (err = image_rows(s, &rows, &n))) {
		store_close(s);
		free(want_repo);
		free(want_tag);
		return mgr_fail(m, err);
	}
	store_close(s);
	time_t now = time(NULL);
	if (!quiet && !format)
		printf(digests ? "%-40s %-20s %-71s %-12s %-20s %s\n"
			       : "%-40s %-20s%.0s %-12s %-20s %s\n",
		       "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE");
	char **seen = calloc(n + 1, sizeof(char *));
	size_t n_seen = 0;
	for (size_t i = 0; i < n; i++) {
		struct image_row *r = &rows[i];
		if (want_repo &&
		    (strcmp(r->repository, want_repo) || (want_tag && strcmp(r->tag, want_tag))))
			continue;
		const char *id = no_trunc ? r->id : short_id(r->id);
		char age[64], size[16];
		image_human_age(r->created, now, age, sizeof(age));
		progress_format_bytes(r->size, size);
		if (quiet) {
			bool dup = false;
			for (size_t k = 0; k < n_seen && !dup; k++)
				dup = !strcmp(seen[k], r->id);
			if (!dup && seen) {
				seen[n_seen++] = r->id;
				printf("%s\n", id);
			}
		} else if (format) {
			struct cubo_json_gen *g;
			if (cubo_json_gen_new(false, &g))
				continue;
			cubo_json_gen_map_open(g);
			cubo_json_gen_key(g, "Repository");
			cubo_json_gen_string(g, r->repository);
			cubo_json_gen_key(g, "Tag");
			cubo_json_gen_string(g, r->tag);
			cubo_json_gen_key(g, "Digest");
			cubo_json_gen_string(g, r->manifest);
			cubo_json_gen_key(g, "ID");
			cubo_json_gen_string(g, id);
			cubo_json_gen_key(g, "CreatedAt");
			cubo_json_gen_string(g, r->created ? r->created : "");
			cubo_json_gen_key(g, "CreatedSince");
			cubo_json_gen_string(g, age);
			cubo_json_gen_key(g, "Size");
			cubo_json_gen_string(g, size);
			cubo_json_gen_key(g, "SizeBytes");
			cubo_json_gen_uint(g, r->size);
			cubo_json_gen_map_close(g);
			print_json_line(g);
		} else if (digests) {
			printf("%-40s %-20s %-71s %-12s %-20s %s\n", r->repository, r->tag,
			       r->manifest, id, age, size);
		} else {
			printf("%-40s %-20s %-12s %-20s %s\n", r->repository, r->tag, id, age,
			       size);
		}
	}
	free(seen);
	image_rows_free(rows, n);
	free(want_repo);
	free(want_tag);
	return 0;
}

/* ---- rmi ---- */

/* The containers' images: each image ID with the name of one container using it. */
struct in_use {
	char **image_ids;
	char **containers;
};

static struct cubo_error *images_in_use(struct mgr *m, struct in_use *u)
{
	memset(u, 0, sizeof(*u));
	struct ctr_store cs;
	CUBO_TRY(ctr_store_open(m->root, &cs));
	struct ctr_record *v;
	size_t n, ni = 0, nc = 0;
	struct cubo_error *err = ctr_store_list(&cs, &v, &n);
	for (size_t i = 0; !err && i < n; i++) {
		if (!v[i].image_id || cubo_strv_contains(u->image_ids, v[i].image_id))
			continue;
		cubo_strv_push(&u->image_ids, &ni, v[i].image_id);
		cubo_strv_push(&u->containers, &nc, v[i].name ? v[i].name : v[i].id);
	}
	if (!err)
		ctr_records_free(v, n);
	ctr_store_close(&cs);
	return err;
}

static void in_use_free(struct in_use *u)
{
	cubo_strv_free(u->image_ids);
	cubo_strv_free(u->containers);
}

/* The container using an image, or NULL. */
static const char *user_of(const struct in_use *u, const char *image_id)
{
	for (size_t i = 0; u->image_ids && u->image_ids[i]; i++)
		if (!strcmp(u->image_ids[i], image_id))
			return u->containers[i];
	return NULL;
}

/* Remove what arg names; prints docker's Untagged/Deleted lines. */
static struct cubo_error *remove_one(struct store *s, const char *arg, bool force,
				     const struct in_use *u, bool *deleted)
{
	struct store_match match;
	CUBO_TRY(store_image_find(s, arg, NULL, &match));
	struct cubo_error *err = NULL;
	/* a container's layers must outlive the image's last name */
	const char *user = user_of(u, match.config_digest);
	struct store_match all;
	size_t entries = 0;
	if (user && !store_image_find(s, match.config_digest, NULL, &all)) {
		entries = all.n;
		store_match_free(&all);
	}
	bool last = !match.by_name || entries <= 1;
	if (user && last && !force) {
		err = cubo_error_new("image %s is in use by container %s: remove the container "
				     "first (or use --force to remove only its name)",
				     arg, user);
		store_match_free(&match);
		return err;
	}
	if (user && last) {
		/* --force: the names go, the image stays, unnamed, for its containers */
		for (size_t i = 0; !err && i < match.n; i++) {
			if (!match.v[i].name)
				continue;
			err = store_image_untag(s, match.v[i].name);
			if (!err)
				err = store_image_set(s, NULL, &match.v[i].manifest);
			if (!err)
				printf("Untagged: %s\n", match.v[i].name);
		}
		store_match_free(&match);
		return err;
	}
	if (match.by_name) {
		err = store_image_untag(s, match.v[0].name);
		if (!err)
			printf("Untagged: %s\n", match.v[0].name);
	} else {
		size_t names = 0;
		for (size_t i = 0; i < match.n; i++)
			names += match.v[i].name != NULL;
		if (names > 1 && !force)
			err = cubo_error_new("image %s is referenced by %zu names (untag them, or "
					     "use --force)",
					     short_id(match.config_digest), names);
		for (size_t i = 0; !err && i < match.n; i++) {
			err = store_image_drop(s, match.v[i].manifest.digest);
			if (!err && match.v[i].name)
				printf("Untagged: %s\n", match.v[i].name);
		}
	}
	/* deleted when no entry of this image is left */
	if (!err) {
		struct store_match rest;
		struct cubo_error *e = store_image_find(s, match.config_digest, NULL, &rest);
		if (e) {
			printf("Deleted: %s\n", match.config_digest);
			*deleted = true;
			cubo_error_free(e);
		} else {
			store_match_free(&rest);
		}
	}
	store_match_free(&match);
	return err;
}

int cmd_rmi(struct mgr *m, int argc, char **argv)
{
	bool force = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "remove an image that has several names"},
	};
	struct cli_args args;
	int rc = mgr_parse_args(
		m, "rmi", "rmi [OPTIONS] IMAGE [IMAGE...]",
		"Remove images by name or ID (alias: rmb), and the blobs and extracted\n"
		"layers no other image uses.",
		argc, argv, opts, CLI_N(opts), &args);
	if (rc >= 0)
		return rc;
	if (args.n == 0) {
		free(args.v);
		return mgr_usage_error(m, "rmi", cubo_error_new("expected at least one image"));
	}
	/* alone in the store before looking at what containers use: see store.h */
	struct store *s = NULL;
	struct in_use u;
	struct cubo_error *err = store_open_exclusive(m->root, &s);
	if (!err && (err = images_in_use(m, &u)))
		store_close(s);
	if (err) {
		free(args.v);
		return mgr_fail(m, err);
	}
	rc = 0;
	bool deleted = false;
	for (int i = 0; i < args.n; i++) {
		err = remove_one(s, args.v[i], force, &u, &deleted);
		if (err)
			rc = mgr_fail(m, err);
	}
	if (deleted) {
		struct store_gc_report rep;
		if ((err = store_gc(s, &rep)))
			rc = mgr_fail(m, err);
	}
	store_close(s);
	in_use_free(&u);
	free(args.v);
	return rc;
}

/* ---- tag ---- */

int cmd_tag(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	int rc = mgr_parse_args(m, "tag", "tag SOURCE_IMAGE TARGET_IMAGE[:TAG]",
				"Give an image in the store another name.", argc, argv, NULL, 0,
				&args);
	if (rc >= 0)
		return rc;
	if (args.n != 2) {
		free(args.v);
		return mgr_usage_error(m, "tag", cubo_error_new("expected SOURCE and TARGET"));
	}
	struct image_ref target;
	struct cubo_error *err = image_ref_parse(args.v[1], NULL, &target);
	if (!err && target.digest) {
		err = cubo_error_new("target \"%s\": a tag cannot contain a digest", args.v[1]);
		image_ref_free(&target);
	}
	if (err) {
		free(args.v);
		return mgr_fail(m, err);
	}
	char *name = image_ref_string(&target);
	image_ref_free(&target);
	struct store *s = NULL;
	struct store_match match = {0};
	if (!(err = store_open(m->root, &s)) &&
	    !(err = store_image_find(s, args.v[0], NULL, &match)))
		err = store_image_set(s, name, &match.v[0].manifest);
	store_match_free(&match);
	store_close(s);
	free(name);
	free(args.v);
	return err ? mgr_fail(m, err) : 0;
}

/* ---- inspect ---- */

static void gen_str(struct cubo_json_gen *g, const char *key, const char *v)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_string(g, v ? v : "");
}

static struct cubo_error *inspect_one(struct store *s, const char *arg, struct cubo_json_gen *g)
{
	struct store_match match;
	CUBO_TRY(store_image_find(s, arg, NULL, &match));
	struct oci_manifest *man = NULL;
	char *cfg_text = NULL;
	size_t cfg_len = 0;
	yajl_val cfg = NULL;
	struct cubo_error *err = store_image_load(s, &match.v[0].manifest, &man, NULL);
	if (!err)
		err = store_blob_read(s, man->config.digest, 8u << 20, &cfg_text, &cfg_len);
	if (!err)
		err = cubo_json_parse(cfg_text, cfg_len, man->config.digest, &cfg);
	if (err)
		goto out;
	/* every name of the image, also when found by one name */
	struct store_match all;
	bool have_all = !store_image_find(s, match.config_digest, NULL, &all);
	const struct store_match *names = have_all ? &all : &match;
	cubo_json_gen_map_open(g);
	gen_str(g, "Id", match.config_digest);
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
	gen_str(g, "ManifestDigest", match.v[0].manifest.digest);
	gen_str(g, "ManifestMediaType", match.v[0].manifest.media_type);
	cubo_json_gen_key(g, "Layers");
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < man->n_layers; i++) {
		cubo_json_gen_map_open(g);
		gen_str(g, "Digest", man->layers[i].digest);
		gen_str(g, "MediaType", man->layers[i].media_type);
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

int cmd_inspect(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *format = NULL, *type = NULL;
	const struct cli_opt opts[] = {
		{"format", 'f', CLI_STRING, &format, "json", "output format (json, the default)"},
		{"type", 0, CLI_STRING, &type, "image",
		 NULL}, /* `inspect --type image` lands here */
	};
	int rc = mgr_parse_args(
		m, "inspect", "inspect IMAGE [IMAGE...]",
		"Print a JSON array with each image's ID, names, digests, config, layers\n"
		"and history.",
		argc, argv, opts, CLI_N(opts), &args);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	if (format && strcmp(format, "json"))
		err = cubo_error_new("--format \"%s\": only json is supported", format);
	else if (args.n == 0)
		err = cubo_error_new("expected at least one image");
	if (err) {
		free(args.v);
		return mgr_usage_error(m, "inspect", err);
	}
	struct store *s = NULL;
	struct cubo_json_gen *g = NULL;
	if ((err = store_open(m->root, &s)) || (err = cubo_json_gen_new(true, &g))) {
		store_close(s);
		free(args.v);
		return mgr_fail(m, err);
	}
	cubo_json_gen_array_open(g);
	rc = 0;
	for (int i = 0; i < args.n; i++)
		if ((err = inspect_one(s, args.v[i], g)))
			rc = mgr_fail(m, err);
	cubo_json_gen_array_close(g);
	print_json_line(g);
	store_close(s);
	free(args.v);
	return rc;
}

/* ---- history ---- */

int cmd_history(struct mgr *m, int argc, char **argv)
{
	bool quiet = false, no_trunc = false;
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only the image ID"},
		{"no-trunc", 0, CLI_BOOL, &no_trunc, NULL, "do not shorten the output"},
		{"format", 0, CLI_STRING, &format, "json", "print one JSON object per step"},
	};
	struct cli_args args;
	int rc = mgr_parse_args(
		m, "history", "history [OPTIONS] IMAGE",
		"Show the steps that made an image, newest first, with the size of the\n"
		"layer each step added.",
		argc, argv, opts, CLI_N(opts), &args);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	if (format && strcmp(format, "json"))
		err = cubo_error_new("--format \"%s\": only json is supported", format);
	else if (args.n != 1)
		err = cubo_error_new("expected exactly one image");
	if (err) {
		free(args.v);
		return mgr_usage_error(m, "history", err);
	}
	struct store *s = NULL;
	struct store_match match = {0};
	struct oci_manifest *man = NULL;
	struct oci_image_config *cfg = NULL;
	if ((err = store_open(m->root, &s)) ||
	    (err = store_image_find(s, args.v[0], NULL, &match)) ||
	    (err = store_image_load(s, &match.v[0].manifest, &man, &cfg))) {
		store_close(s);
		store_match_free(&match);
		free(args.v);
		return mgr_fail(m, err);
	}
	/* history entries that made a layer take the layers in order */
	size_t n = cfg->n_history, layer = 0;
	int64_t *sizes = calloc(n + 1, sizeof(*sizes));
	for (size_t i = 0; sizes && i < n; i++)
		if (!cfg->history[i].empty_layer && layer < man->n_layers)
			sizes[i] = man->layers[layer++].size;
	time_t now = time(NULL);
	if (!quiet && !format)
		printf("%-12s %-20s %-45s %-10s %s\n", "IMAGE", "CREATED", "CREATED BY", "SIZE",
		       "COMMENT");
	for (size_t k = n; sizes && k-- > 0;) {
		const struct oci_history *h = &cfg->history[k];
		const char *id = k == n - 1 ? (no_trunc ? match.config_digest
							: short_id(match.config_digest))
					    : "<missing>";
		if (quiet) {
			printf("%s\n", id);
			continue;
		}
		char age[64], size[16], by[48];
		image_human_age(h->created, now, age, sizeof(age));
		progress_format_bytes((uint64_t)sizes[k], size);
		const char *cb = h->created_by ? h->created_by : "";
		if (format) {
			struct cubo_json_gen *g;
			if (cubo_json_gen_new(false, &g))
				continue;
			cubo_json_gen_map_open(g);
			gen_str(g, "ID", id);
			gen_str(g, "CreatedAt", h->created);
			gen_str(g, "CreatedSince", age);
			gen_str(g, "CreatedBy", cb);
			gen_str(g, "Size", size);
			cubo_json_gen_key(g, "SizeBytes");
			cubo_json_gen_int(g, sizes[k]);
			gen_str(g, "Comment", h->comment);
			cubo_json_gen_map_close(g);
			print_json_line(g);
			continue;
		}
		if (!no_trunc && strlen(cb) > 44)
			snprintf(by, sizeof(by), "%.41s...", cb);
		else
			snprintf(by, sizeof(by), "%s", cb);
		printf("%-12s %-20s %-45s %-10s %s\n", id, age, no_trunc ? cb : by, size,
		       h->comment ? h->comment : "");
	}
	free(sizes);
	oci_manifest_free(man);
	oci_image_config_free(cfg);
	store_match_free(&match);
	store_close(s);
	free(args.v);
	return 0;
}

/* ---- image prune ---- */

int cmd_image_prune(struct mgr *m, int argc, char **argv)
{
	bool force = false, all = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "do not ask for confirmation"},
		{"all", 'a', CLI_BOOL, &all, NULL, "remove every image, not only dangling ones"},
	};
	struct cli_args args;
	int rc = mgr_parse_args(
		m, "image prune", "image prune [OPTIONS]",
		"Remove dangling (unnamed) images, then every blob, extracted layer and\n"
		"partial download that no image uses.",
		argc, argv, opts, CLI_N(opts), &args);
	if (rc >= 0)
		return rc;
	free(args.v);
	if (!force && !mgr_confirm(all ? "This will remove all images."
				       : "This will remove all dangling images."))
		return 0;
	struct store *s = NULL;
	struct store_image *imgs = NULL;
	size_t n = 0;
	struct store_gc_report rep = {0};
	struct in_use u = {0};
	/* alone in the store before looking at what containers use: see store.h */
	struct cubo_error *err = store_open_exclusive(m->root, &s);
	if (!err)
		err = images_in_use(m, &u);
	if (!err)
		err = store_image_list(s, &imgs, &n);
	for (size_t i = 0; !err && i < n; i++) {
		if (imgs[i].name && !all)
			continue;
		/* an image a container runs on stays, named or not */
		struct oci_manifest *man = NULL;
		bool used = false;
		if (!store_image_load(s, &imgs[i].manifest, &man, NULL)) {
			used = user_of(&u, man->config.digest) != NULL;
			oci_manifest_free(man);
		}
		if (used)
			continue;
		err = store_image_drop(s, imgs[i].manifest.digest);
		if (!err)
			printf("Deleted: %s\n", imgs[i].manifest.digest);
	}
	if (!err)
		err = store_gc(s, &rep);
	store_images_free(imgs, n);
	store_close(s);
	in_use_free(&u);
	if (err)
		return mgr_fail(m, err);
	char size[16];
	progress_format_bytes(rep.bytes, size);
	printf("Total reclaimed space: %s\n", size);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr commit: a new image of a container's image with the container's
 * changes (its upper directory) as one more layer, the container's own
 * settings and --change instructions in its config (builder/commit.h), and
 * a history entry with --author and --message. A running container is
 * paused meanwhile (through the runtime, as `pause` does, and shown paused)
 * unless --pause=false. Blobs and the image's name are written as every
 * store write is: durably, the name last.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/builder/commit.h"
#include "cubo-mgr/builder/layer_tar.h"
#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/bundle.h"
#include "cubo-mgr/ctr_fs.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/store.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/strv.h"
#include "shared/testpoint.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"
#include "spec/config.h"

struct commit_opts {
	const char *author, *message;
	char **changes;
	bool pause;
	char *name; /* REPO[:TAG] in full; NULL: a dangling image */
};

/* The container's image, its config carrying the container's settings and the changes. */
static struct cubo_error *new_config(struct store *s, const struct ctr_record *r,
				     const struct ctr_fs *f, const struct commit_opts *o,
				     struct build_stage *st)
{
	struct store_match match = {0};
	struct oci_manifest *man = NULL;
	struct oci_image_config *cfg = NULL;
	struct cubo_error *err = r->image_id ? store_image_find(s, r->image_id, NULL, &match)
					     : cubo_error_new("the record names no image ID");
	if (!err)
		err = store_image_load(s, &match.v[0].manifest, &man, &cfg);
	store_match_free(&match);
	if (err)
		return cubo_error_wrap(err, "the container's image %s", r->image);
	build_stage_init(st, cfg);
	st->layers = xcalloc(man->n_layers + 1, sizeof(*st->layers));
	for (size_t i = 0; i < man->n_layers; i++)
		oci_descriptor_copy(&man->layers[i], &st->layers[i]);
	st->n_layers = man->n_layers;
	oci_manifest_free(man);
	oci_image_config_free(cfg);
	char *path = cubo_path_join(f->dir, "config.json");
	struct oci_config *rt = NULL;
	err = oci_config_load(path, &rt);
	free(path);
	if (!err && rt->process) {
		struct commit_settings cs = {.env = rt->process->env.v,
					     .args = rt->process->args.v,
					     .cwd = rt->process->cwd,
					     .user = r->user,
					     .labels = r->labels,
					     .stop_signal = r->stop_signal};
		commit_settings_apply(st, &cs, BUNDLE_INIT_DEST);
	}
	if (rt)
		oci_config_free(rt);
	for (size_t i = 0; !err && o->changes && o->changes[i]; i++)
		err = commit_change_apply(st, o->changes[i]);
	return err;
}

/* Pause (or resume) a running container through its runtime, shown in its record. */
static struct cubo_error *set_paused(struct ctr_ctx *c, const char *id, bool paused)
{
	char *dir = ctr_store_dir(&c->store, id);
	struct ctr_record now = {0};
	struct cubo_error *err = ctr_record_load(dir, &now);
	if (!err) {
		struct ctr_runtime rt = ctr_runtime_of(c, &now);
		err = runtime_pause(&rt, id, !paused);
	}
	if (!err) {
		now.status = paused ? CTR_PAUSED : CTR_RUNNING;
		err = ctr_record_save(dir, &now);
	}
	ctr_record_free(&now);
	free(dir);
	return err;
}

/* The upper directory as a layer blob, the container paused meanwhile when it runs. */
static struct cubo_error *write_layer(struct ctr_ctx *c, struct store *s, const char *id,
				      const struct ctr_fs *f, bool pause, struct layer_blob *blob)
{
	int lock;
	CUBO_TRY(ctr_store_lock(&c->store, id, &lock));
	struct ctr_record now;
	char *dir = ctr_store_dir(&c->store, id);
	struct cubo_error *err = ctr_record_load(dir, &now);
	free(dir);
	bool paused = false;
	if (!err) {
		if (pause && now.status == CTR_RUNNING && !(err = set_paused(c, id, true)))
			paused = true;
		ctr_record_free(&now);
	}
	cubo_test_point("commit-paused");
	/* the runtime's mount points are no change of the container's */
	char **skip = NULL;
	size_t n = 0;
	for (size_t i = 0; f->mounts && f->mounts[i]; i++)
		cubo_strv_push(&skip, &n, f->mounts[i] + strspn(f->mounts[i], "/"));
	if (!err)
		err = layer_tar_write_tree(s, f->upper, LAYER_GZIP, false, skip, blob);
	cubo_strv_free(skip);
	if (paused) {
		struct cubo_error *rerr = set_paused(c, id, false);
		if (!err)
			err = rerr;
		else
			cubo_error_free(rerr);
	}
	cubo_unlock(lock);
	return err;
}

static struct cubo_error *store_image(struct store *s, struct build_stage *st,
				      const struct ctr_record *r, const struct commit_opts *o,
				      const struct layer_blob *blob, char id[CUBO_DIGEST_LEN + 1])
{
	struct oci_image_config *c = st->config;
	char now[CUBO_RFC3339_LEN];
	cubo_time_now_rfc3339(now);
	free(c->created);
	c->created = xstrdup(now);
	if (o->author) {
		free(c->author);
		c->author = xstrdup(o->author);
	}
	cubo_strv_push(&c->diff_ids.v, &c->diff_ids.n, blob->diff_id);
	snprintf(st->created, sizeof(st->created), "%s", now);
	build_stage_history(st, r->command ? r->command : "", false);
	struct oci_history *h = &c->history[c->n_history - 1];
	h->author = o->author ? xstrdup(o->author) : NULL;
	h->comment = o->message ? xstrdup(o->message) : NULL;
	st->layers = xreallocarray(st->layers, st->n_layers + 1, sizeof(*st->layers));
	st->layers[st->n_layers++] = (struct oci_descriptor){
		.media_type = xstrdup(blob->media_type),
		.digest = xstrdup(blob->digest),
		.size = blob->size,
	};
	char md[CUBO_DIGEST_LEN + 1];
	int64_t mlen;
	struct cubo_error *err = store_image_put(s, c, st->layers, st->n_layers, id, md, &mlen);
	if (!err) {
		struct oci_descriptor d = {
			.media_type = OCI_MT_MANIFEST, .digest = md, .size = mlen};
		err = store_image_set(s, o->name, &d);
	}
	return err;
}

static struct cubo_error *commit(struct mgr *m, const char *arg, const struct commit_opts *o,
				 char id[CUBO_DIGEST_LEN + 1])
{
	struct ctr_ctx c;
	CUBO_TRY(ctr_ctx_open(m, &c));
	struct ctr_record r = {0};
	struct ctr_fs f = {0};
	struct store *s = NULL;
	struct build_stage st = {0};
	struct layer_blob blob;
	struct cubo_error *err = ctr_find(&c, arg, &r);
	bool found = !err;
	if (!err)
		err = ctr_fs_open(&c, &r, &f);
	if (!err)
		err = ctr_fs_need_upper(&f, r.name);
	if (!err)
		err = store_open(m->root, &s);
	if (!err)
		err = new_config(s, &r, &f, o, &st);
	if (!err)
		err = write_layer(&c, s, r.id, &f, o->pause, &blob);
	if (!err)
		err = store_image(s, &st, &r, o, &blob, id);
	build_stage_free(&st);
	store_close(s);
	ctr_fs_free(&f);
	if (found)
		ctr_record_free(&r);
	ctr_ctx_close(&c);
	return err;
}

/* The changes' mistakes, found before any container or image is looked at. */
static struct cubo_error *check_changes(char *const *changes)
{
	struct build_stage st;
	build_stage_init(&st, NULL);
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && changes && changes[i]; i++)
		err = commit_change_apply(&st, changes[i]);
	build_stage_free(&st);
	return err;
}

int cmd_commit(struct mgr *m, int argc, char **argv)
{
	struct commit_opts o = {.pause = true};
	const struct cli_opt opts[] = {
		{"author", 'a', CLI_STRING, &o.author, "STRING",
		 "the image's author (\"Jane <jane@example.com>\")"},
		{"message", 'm', CLI_STRING, &o.message, "STRING", "the history entry's comment"},
		{"change", 'c', CLI_LIST, &o.changes, "INSTRUCTION",
		 "a Cubofile instruction for the image: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, "
		 "USER, VOLUME or WORKDIR"},
		{"pause", 'p', CLI_BOOL, &o.pause, NULL,
		 "pause a running container meanwhile (default true; --pause=false)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "commit",
		.usage = "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
		.description = "Make a new image of a container's image with the container's "
			       "changes as one more\nlayer, and its settings. Prints the image ID.",
		MGR_ARGS(1, 2, "expected CONTAINER and an optional REPOSITORY[:TAG]"),
		MGR_OPTS(opts),
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		cubo_strv_free(o.changes);
		return rc;
	}
	struct cubo_error *err = check_changes(o.changes);
	if (!err && args.n == 2) {
		struct image_ref ref;
		if (!(err = image_ref_parse(args.v[1], NULL, &ref))) {
			o.name = image_ref_string(&ref);
			image_ref_free(&ref);
		}
	}
	if (err) {
		cubo_strv_free(o.changes);
		return mgr_usage_error(m, "commit", err);
	}
	char id[CUBO_DIGEST_LEN + 1];
	err = commit(m, args.v[0], &o, id);
	cubo_strv_free(o.changes);
	free(o.name);
	if (err)
		return mgr_fail(m, cubo_error_wrap(err, "commit %s", args.v[0]));
	printf("%s\n", id);
	return 0;
}

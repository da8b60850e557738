/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/image/doc_limits.h"
#include "cubo-mgr/image/progress.h"
#include "cubo-mgr/image/pull.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/unpack.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/testpoint.h"
#include "shared/xalloc.h"
#include "spec/image.h"

#define PULL_DEFAULT_PARALLEL 4

struct pull_ctx {
	struct store *store;
	struct registry_client *client;
	const struct image_ref *ref;
	struct progress *progress;
	const struct cubo_log *log;
	atomic_bool failed;	  /* one layer failed: the others stop early */
	atomic_long first_failed; /* the job whose error is reported: the cause, not an echo */
	atomic_size_t next;	  /* next layer job to take */
	size_t n_jobs;
	struct layer_job *jobs;
};

struct layer_job {
	struct pull_ctx *ctx;
	size_t index;
	const struct oci_descriptor *desc;
	const char *diff_id;
	const char *chain_id;
	struct cubo_error *err;
	/* while downloading */
	struct store_blob_writer *writer;
	struct unpacker *unpacker;
};

/* Where every downloaded byte of a layer goes: the store and the unpacker. */
static struct cubo_error *layer_sink(void *arg, const void *buf, size_t len)
{
	struct layer_job *j = arg;
	if (atomic_load(&j->ctx->failed))
		return cubo_error_new("stopped: another layer failed");
	CUBO_TRY(store_blob_writer_write(j->writer, buf, len));
	if (j->unpacker)
		CUBO_TRY(unpack_feed(j->unpacker, buf, len));
	progress_item_add(j->ctx->progress, j->index, len);
	return NULL;
}

static struct unpack_opts layer_unpack_opts(const struct layer_job *j)
{
	return (struct unpack_opts){
		.layer_name = j->desc->digest,
		.compression = UNPACK_COMPRESSION_AUTO,
		.expected_diff_id = j->diff_id,
		.ignore_owners = geteuid() != 0,
	};
}

/* The blob is stored: extract it from the store (a resumed download). */
static struct cubo_error *extract_stored_blob(struct layer_job *j)
{
	struct pull_ctx *c = j->ctx;
	char *tmp = NULL;
	int fd = -1;
	struct cubo_error *err = store_layer_tmp(c->store, j->chain_id, &tmp);
	if (err)
		return err;
	struct unpack_opts uo = layer_unpack_opts(j);
	if (!(err = store_blob_open(c->store, j->desc->digest, &fd)) &&
	    !(err = unpack_fd(fd, tmp, &uo, NULL)))
		err = store_layer_commit(c->store, tmp, j->chain_id);
	if (fd >= 0)
		close(fd);
	if (err)
		cubo_error_free(cubo_rm_rf(tmp));
	free(tmp);
	return err;
}

/* Download the blob (resuming a partial one), extracting on the way when we can. */
static struct cubo_error *download_layer(struct layer_job *j, bool need_layer)
{
	struct pull_ctx *c = j->ctx;
	uint64_t offset = 0;
	bool present = false;
	char *tmp = NULL;
	struct cubo_error *err = store_blob_writer_begin(
		c->store, j->desc->digest, (uint64_t)j->desc->size, &j->writer, &offset, &present);
	if (err)
		return err;
	if (present) /* another pull stored it while we waited for the lock */
		return need_layer ? extract_stored_blob(j) : NULL;
	progress_item_add(c->progress, j->index, offset);
	if (offset && c->log)
		cubo_info(c->log, "blob %s: resuming a partial download at byte %llu of %lld",
			  j->desc->digest, (unsigned long long)offset, (long long)j->desc->size);
	/* A resumed blob is extracted once complete: the unpacker needs the start. */
	if (need_layer && offset == 0) {
		struct unpack_opts uo = layer_unpack_opts(j);
		if ((err = store_layer_tmp(c->store, j->chain_id, &tmp)) ||
		    (err = unpack_begin(tmp, &uo, &j->unpacker)))
			goto fail;
	}
	if ((err = registry_get_blob(c->client, c->ref, j->desc->digest, offset, layer_sink, j)))
		goto fail;
	if ((err = store_blob_writer_commit(j->writer))) {
		j->writer = NULL; /* commit frees it, success or not */
		goto fail;
	}
	j->writer = NULL;
	cubo_test_point("pull-blob-fetched");
	if (j->unpacker) {
		struct unpacker *u = j->unpacker;
		j->unpacker = NULL;
		if ((err = unpack_finish(u, NULL)) ||
		    (err = store_layer_commit(c->store, tmp, j->chain_id)))
			goto fail;
		free(tmp);
		return NULL;
	}
	return need_layer ? extract_stored_blob(j) : NULL;
fail:
	unpack_abort(j->unpacker);
	j->unpacker = NULL;
	if (j->writer) /* keep what arrived: the next pull resumes from there */
		store_blob_writer_abort(j->writer, true);
	j->writer = NULL;
	if (tmp) {
		cubo_error_free(cubo_rm_rf(tmp));
		free(tmp);
	}
	return err;
}

static struct cubo_error *pull_layer(struct layer_job *j)
{
	struct pull_ctx *c = j->ctx;
	int lock = -1;
	CUBO_TRY(store_layer_lock(c->store, j->chain_id, &lock));
	bool have_layer = store_layer_has(c->store, j->chain_id);
	bool have_blob = store_blob_has(c->store, j->desc->digest);
	struct cubo_error *err = NULL;
	progress_item_start(c->progress, j->index, j->desc->digest, (uint64_t)j->desc->size);
	if (have_layer && have_blob) {
		progress_item_done(c->progress, j->index, "Already exists");
	} else if (have_blob) {
		err = extract_stored_blob(j);
		if (!err)
			progress_item_done(c->progress, j->index, "Extracted");
	} else {
		err = download_layer(j, !have_layer);
		if (!err)
			progress_item_done(c->progress, j->index, "Pull complete");
	}
	if (err)
		progress_item_done(c->progress, j->index, "Failed");
	cubo_unlock(lock);
	return err; /* the unpacker, the store and the client all name the layer */
}

static void *layer_worker(void *arg)
{
	struct pull_ctx *c = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&c->next, 1);
		if (i >= c->n_jobs || atomic_load(&c->failed))
			break;
		struct layer_job *j = &c->jobs[i];
		if ((j->err = pull_layer(j))) {
			long none = -1;
			atomic_compare_exchange_strong(&c->first_failed, &none, (long)i);
			atomic_store(&c->failed, true);
		}
	}
	return NULL;
}

/* Run every layer job on up to `parallel` threads; the first error wins. */
static struct cubo_error *pull_layers(struct pull_ctx *c, unsigned parallel)
{
	size_t n_threads = parallel < c->n_jobs ? parallel : c->n_jobs;
	pthread_t *threads = xcalloc(n_threads ? n_threads : 1, sizeof(*threads));
	size_t started = 0;
	struct cubo_error *err = NULL;
	for (; started < n_threads; started++) {
		int rc = pthread_create(&threads[started], NULL, layer_worker, c);
		if (rc) {
			if (started == 0)
				err = cubo_error_new_errno(rc, "starting a download thread");
			break;
		}
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	long first = atomic_load(&c->first_failed);
	for (size_t i = 0; i < c->n_jobs; i++) {
		if ((long)i == first && !err)
			err = c->jobs[i].err;
		else
			cubo_error_free(c->jobs[i].err);
		c->jobs[i].err = NULL;
	}
	return err;
}

/* Fetch a small document (manifest or config) and keep it in the store. */
static struct cubo_error *fetch_manifest(struct pull_ctx *c, const char *reference,
					 struct registry_manifest *m)
{
	CUBO_TRY(registry_get_manifest(c->client, c->ref, reference, m));
	return store_blob_put(c->store, m->body, m->len, m->digest, NULL);
}

/* The image config: from the store when present, else downloaded and stored. */
static struct cubo_error *fetch_config(struct pull_ctx *c, const struct oci_descriptor *d,
				       struct oci_image_config **out)
{
	char *data = NULL;
	size_t len = 0;
	struct cubo_error *err;
	if (d->size < 0 || (uint64_t)d->size > MAX_CONFIG_BYTES)
		return cubo_error_new("config %s: size %lld is out of range", d->digest,
				      (long long)d->size);
	if (store_blob_has(c->store, d->digest)) {
		err = store_blob_read(c->store, d->digest, MAX_CONFIG_BYTES, &data, &len);
	} else {
		err = registry_get_blob_mem(c->client, c->ref, d->digest, MAX_CONFIG_BYTES, &data,
					    &len);
		if (!err)
			err = store_blob_put(c->store, data, len, d->digest, NULL);
	}
	if (!err)
		err = oci_image_config_parse(data, len, d->digest, out);
	free(data);
	return err ? cubo_error_wrap(err, "config %s", d->digest) : NULL;
}

/* An index: choose the platform's manifest and fetch it. */
static struct cubo_error *select_platform(struct pull_ctx *c,
					  const struct registry_manifest *idx_doc,
					  const char *platform, struct registry_manifest *out)
{
	struct oci_index *idx = NULL;
	struct oci_platform want = {0};
	size_t pick;
	struct cubo_error *err =
		oci_index_parse(idx_doc->body, idx_doc->len, idx_doc->digest, &idx);
	if (!err)
		err = platform ? oci_platform_parse(platform, &want) : oci_platform_host(&want);
	if (!err)
		err = oci_index_select(idx, &want, &pick);
	if (!err) {
		const struct oci_descriptor *d = &idx->manifests[pick];
		err = fetch_manifest(c, d->digest, out);
	}
	oci_platform_free(&want);
	oci_index_free(idx);
	return err;
}

static struct cubo_error *pull_image(struct pull_ctx *c, const struct pull_opts *o,
				     struct pull_result *out)
{
	struct registry_manifest top = {0}, plat = {0};
	struct oci_manifest *man = NULL;
	struct oci_image_config *cfg = NULL;
	char(*chain)[CUBO_DIGEST_LEN + 1] = NULL;
	const struct registry_manifest *mdoc = &top;
	struct cubo_error *err;

	const char *reference = c->ref->digest ? c->ref->digest : c->ref->tag;
	if ((err = fetch_manifest(c, reference, &top)))
		goto out;
	switch (oci_doc_kind_detect(top.content_type, top.body, top.len)) {
	case OCI_DOC_INDEX:
		if ((err = select_platform(c, &top, o->platform, &plat)))
			goto out;
		mdoc = &plat;
		break;
	case OCI_DOC_MANIFEST:
		break;
	default:
		err = cubo_error_new("manifest %s: unsupported media type \"%s\"", top.digest,
				     top.content_type ? top.content_type : "");
		goto out;
	}
	if ((err = oci_manifest_parse(mdoc->body, mdoc->len, mdoc->digest, &man)) ||
	    (err = fetch_config(c, &man->config, &cfg)))
		goto out;
	if (cfg->diff_ids.n != man->n_layers) {
		err = cubo_error_new(
			"manifest %s has %zu layers but its config %s has %zu diff_ids",
			mdoc->digest, man->n_layers, man->config.digest, cfg->diff_ids.n);
		goto out;
	}
	chain = xcalloc(man->n_layers, sizeof(*chain));
	c->jobs = xcalloc(man->n_layers, sizeof(*c->jobs));
	if ((err = oci_chain_ids(cfg->diff_ids.v, cfg->diff_ids.n, chain)))
		goto out;
	c->n_jobs = man->n_layers;
	for (size_t i = 0; i < man->n_layers; i++)
		c->jobs[i] = (struct layer_job){.ctx = c,
						.index = i,
						.desc = &man->layers[i],
						.diff_id = cfg->diff_ids.v[i],
						.chain_id = chain[i]};
	if ((err = progress_new(o->progress, o->progress_tty, man->n_layers, &c->progress)))
		goto out;
	err = pull_layers(c, o->parallel ? o->parallel : PULL_DEFAULT_PARALLEL);
	progress_free(c->progress);
	c->progress = NULL;
	if (err)
		goto out;

	/* Everything is stored and verified: only now does the name point at it. */
	struct oci_descriptor desc = {
		.media_type = man->media_type ? man->media_type
					      : (char *)(mdoc->content_type ? mdoc->content_type
									    : OCI_MT_MANIFEST),
		.digest = (char *)mdoc->digest,
		.size = (int64_t)mdoc->len,
	};
	out->name = image_ref_string(c->ref);
	cubo_test_point("pull-before-index");
	if ((err = store_image_set(c->store, out->name, &desc)))
		goto out;
	cubo_test_point("pull-after-index");
	memcpy(out->manifest_digest, mdoc->digest, sizeof(out->manifest_digest));
	memcpy(out->repo_digest, top.digest, sizeof(out->repo_digest));
	memcpy(out->image_id, man->config.digest, sizeof(out->image_id));
out:
	free(chain);
	free(c->jobs);
	c->jobs = NULL;
	oci_image_config_free(cfg);
	oci_manifest_free(man);
	registry_manifest_free(&plat);
	registry_manifest_free(&top);
	return err;
}

struct cubo_error *image_pull(struct store *store, struct registry_client *client,
			      const char *reference, const struct pull_opts *opts,
			      struct pull_result *out)
{
	struct image_ref ref;
	memset(out, 0, sizeof(*out));
	CUBO_TRY(image_ref_parse(reference, opts->short_name_domain, &ref));
	struct pull_ctx c = {.store = store, .client = client, .ref = &ref, .log = opts->log};
	atomic_init(&c.first_failed, -1);
	struct cubo_error *err = pull_image(&c, opts, out);
	image_ref_free(&ref);
	if (err)
		pull_result_free(out);
	return err;
}

void pull_result_free(struct pull_result *r)
{
	free(r->name);
	r->name = NULL;
}

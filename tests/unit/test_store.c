/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/image/{store,store_blob,store_gc,store_index,store_sync}.c */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/image/store.h"
#include "shared/fs.h"
#include "tests/unit/helpers.h"

struct fixture {
	char *root;
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->root = th_tmpdir("store");
	char *root = cubo_path_join(f->root, "r");
	struct cubo_error *err = store_open(root, &f->s);
	free(root);
	if (err)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	th_tmpdir_free(f->root);
	free(f);
	return 0;
}

static void digest_of(const char *data, char out[CUBO_DIGEST_LEN + 1])
{
	assert_null(cubo_sha256_buffer(data, strlen(data), out));
}

static void test_layout(void **state)
{
	struct fixture *f = *state;
	char path[256];
	snprintf(path, sizeof(path), "%s/r/images/oci-layout", f->root);
	assert_true(cubo_path_exists(path));
	snprintf(path, sizeof(path), "%s/r/images/index.json", f->root);
	assert_true(cubo_path_exists(path));
	struct stat st;
	snprintf(path, sizeof(path), "%s/r", f->root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* opening again keeps what is there */
	struct store *again;
	assert_null(store_open(path, &again));
	store_close(again);
}

static void test_writer(void **state)
{
	struct fixture *f = *state;
	const char *blob = "hello, layer";
	char d[CUBO_DIGEST_LEN + 1];
	digest_of(blob, d);
	struct store_blob_writer *w;
	uint64_t off;
	bool present;
	assert_false(store_blob_has(f->s, d));
	assert_null(store_blob_writer_begin(f->s, d, strlen(blob), &w, &off, &present));
	assert_false(present);
	assert_int_equal(off, 0);
	assert_null(store_blob_writer_write(w, blob, 5));
	assert_null(store_blob_writer_write(w, blob + 5, strlen(blob) - 5));
	assert_null(store_blob_writer_commit(w));
	assert_true(store_blob_has(f->s, d));
	char *data;
	size_t len;
	assert_null(store_blob_read(f->s, d, 100, &data, &len));
	assert_int_equal(len, strlen(blob));
	assert_memory_equal(data, blob, len);
	free(data);
	th_expect_msg(store_blob_read(f->s, d, 3, &data, &len), "more than the 3 allowed");
	/* present now: no writer */
	assert_null(store_blob_writer_begin(f->s, d, strlen(blob), &w, &off, &present));
	assert_true(present);
	assert_null(w);
}

static void test_writer_mismatch_and_size(void **state)
{
	struct fixture *f = *state;
	char d[CUBO_DIGEST_LEN + 1];
	digest_of("the real content", d);
	struct store_blob_writer *w;
	uint64_t off;
	bool present;
	assert_null(store_blob_writer_begin(f->s, d, 16, &w, &off, &present));
	assert_null(store_blob_writer_write(w, "the fake content", 16));
	th_expect_msg(store_blob_writer_commit(w), "digest mismatch (got sha256:");
	assert_false(store_blob_has(f->s, d));
	/* the bad bytes are gone: a new attempt starts at 0 */
	assert_null(store_blob_writer_begin(f->s, d, 16, &w, &off, &present));
	assert_int_equal(off, 0);
	th_expect_msg(store_blob_writer_write(w, "the real content!", 17),
		      "more than its 16 bytes");
	assert_null(store_blob_writer_write(w, "the real", 8));
	th_expect_msg(store_blob_writer_commit(w), "8 of 16 bytes (truncated)");
	assert_false(store_blob_has(f->s, d));
}

static void test_resume(void **state)
{
	struct fixture *f = *state;
	const char *blob = "0123456789abcdefghijklmnopqrstuvwxyz";
	char d[CUBO_DIGEST_LEN + 1];
	digest_of(blob, d);
	struct store_blob_writer *w;
	uint64_t off;
	bool present;
	assert_null(store_blob_writer_begin(f->s, d, strlen(blob), &w, &off, &present));
	assert_null(store_blob_writer_write(w, blob, 10));
	store_blob_writer_abort(w, true);
	assert_null(store_blob_writer_begin(f->s, d, strlen(blob), &w, &off, &present));
	assert_int_equal(off, 10);
	assert_null(store_blob_writer_write(w, blob + 10, strlen(blob) - 10));
	assert_null(store_blob_writer_commit(w));
	assert_true(store_blob_has(f->s, d));
	/* abort without keeping: the next attempt starts over */
	char d2[CUBO_DIGEST_LEN + 1];
	digest_of("other", d2);
	assert_null(store_blob_writer_begin(f->s, d2, 5, &w, &off, &present));
	assert_null(store_blob_writer_write(w, "oth", 3));
	store_blob_writer_abort(w, false);
	assert_null(store_blob_writer_begin(f->s, d2, 5, &w, &off, &present));
	assert_int_equal(off, 0);
	store_blob_writer_abort(w, false);
}

static void test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	const char *blob = "written by two processes at once";
	char d[CUBO_DIGEST_LEN + 1];
	digest_of(blob, d);
	pid_t pids[2];
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct store_blob_writer *w;
			uint64_t off;
			bool present;
			struct cubo_error *err =
				store_blob_writer_begin(f->s, d, strlen(blob), &w, &off, &present);
			if (err)
				_exit(1);
			if (present)
				_exit(0);
			for (size_t k = 0; k < strlen(blob); k++) {
				if (store_blob_writer_write(w, blob + k, 1))
					_exit(2);
				usleep(1000);
			}
			_exit(store_blob_writer_commit(w) ? 3 : 0);
		}
	}
	for (int i = 0; i < 2; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	char *data;
	size_t len;
	assert_null(store_blob_read(f->s, d, 100, &data, &len));
	assert_memory_equal(data, blob, len);
	free(data);
}

static void test_blob_put(void **state)
{
	struct fixture *f = *state;
	char d[CUBO_DIGEST_LEN + 1], got[CUBO_DIGEST_LEN + 1];
	digest_of("{\"a\":1}", d);
	assert_null(store_blob_put(f->s, "{\"a\":1}", 7, d, got));
	assert_string_equal(got, d);
	assert_true(store_blob_has(f->s, d));
	assert_null(store_blob_put(f->s, "{\"a\":1}", 7, NULL, NULL)); /* again: fine */
	th_expect_msg(store_blob_put(f->s, "{\"a\":2}", 7, d, NULL), "digest mismatch");
	/* a damaged store is noticed */
	char *p = store_blob_path(f->s, d);
	assert_null(cubo_write_file_atomic(p, "{\"a\":3}", 7, 0644));
	free(p);
	char *data = NULL;
	size_t len;
	th_expect_msg(store_blob_read(f->s, d, 100, &data, &len), "the store is damaged");
	assert_null(data);
}

static void test_layers(void **state)
{
	struct fixture *f = *state;
	char chain[CUBO_DIGEST_LEN + 1];
	digest_of("a chain", chain);
	int lock;
	assert_null(store_layer_lock(f->s, chain, &lock));
	assert_false(store_layer_has(f->s, chain));
	char *tmp, *tmp2;
	assert_null(store_layer_tmp(f->s, chain, &tmp));
	char *file = cubo_path_join(tmp, "etc");
	assert_int_equal(mkdir(file, 0755), 0);
	free(file);
	assert_null(store_layer_commit(f->s, tmp, chain));
	assert_true(store_layer_has(f->s, chain));
	assert_false(cubo_path_exists(tmp));
	/* lost race: the layer is there already, our copy goes */
	assert_null(store_layer_tmp(f->s, chain, &tmp2));
	file = cubo_path_join(tmp2, "x");
	assert_int_equal(mkdir(file, 0755), 0);
	free(file);
	assert_null(store_layer_commit(f->s, tmp2, chain));
	assert_false(cubo_path_exists(tmp2));
	char *lp = store_layer_path(f->s, chain);
	file = cubo_path_join(lp, "etc");
	assert_true(cubo_path_exists(file));
	free(file);
	free(lp);
	free(tmp);
	free(tmp2);
	/* what a killed extraction left goes, under the layer's lock; others' stay */
	char other[CUBO_DIGEST_LEN + 1];
	digest_of("another chain", other);
	assert_null(store_layer_tmp(f->s, chain, &tmp));
	assert_null(store_layer_tmp(f->s, other, &tmp2));
	store_layer_clean_stale(f->s, chain);
	assert_false(cubo_path_exists(tmp));
	assert_true(cubo_path_exists(tmp2));
	free(tmp);
	free(tmp2);
	close(lock);
}

static char *mark_of(struct fixture *f, const char *chain)
{
	char *p;
	assert_true(asprintf(&p, "%s/r/unsynced/%s", f->root, chain + 7) > 0);
	return p;
}

static void commit_layer_with(struct fixture *f, const char *chain, const char *name)
{
	char *tmp;
	assert_null(store_layer_tmp(f->s, chain, &tmp));
	char *file = cubo_path_join(tmp, name);
	assert_int_equal(mkdir(file, 0755), 0);
	free(file);
	assert_null(store_layer_commit(f->s, tmp, chain));
	free(tmp);
}

/* A layer committed in this boot is marked until synced; another boot's mark makes it stale. */
static void test_layer_sync_marks(void **state)
{
	struct fixture *f = *state;
	char chain[CUBO_DIGEST_LEN + 1], boot[STORE_BOOT_ID_LEN] = "";
	digest_of("a synced chain", chain);
	char *mark = mark_of(f, chain), *root = cubo_path_join(f->root, "r");
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY);
	if (fd < 0 || read(fd, boot, 36) != 36)
		skip(); /* no boot ID: commits sync at once, nothing is marked */
	close(fd);
	int lock;
	assert_null(store_layer_lock(f->s, chain, &lock));
	commit_layer_with(f, chain, "etc");
	/* marked with this boot, durably, before the rename; usable meanwhile */
	char *text = NULL;
	size_t len;
	assert_null(cubo_read_file(mark, &text, &len));
	assert_int_equal(len, 36);
	assert_memory_equal(text, boot, 36);
	free(text);
	assert_true(store_layer_has(f->s, chain));
	assert_false(store_layer_stale_at(root, chain));
	/* synced: the mark goes */
	store_sync_now(f->s);
	assert_false(cubo_path_exists(mark));
	assert_true(store_layer_has(f->s, chain));
	/* a power cut before the sync: the mark names another boot, or was lost empty */
	const char *other_boots[] = {"00000000-0000-0000-0000-000000000000\n", ""};
	for (size_t i = 0; i < 2; i++) {
		assert_null(
			cubo_write_file_atomic(mark, other_boots[i], strlen(other_boots[i]), 0600));
		assert_false(store_layer_has(f->s, chain));
		assert_true(store_layer_stale_at(root, chain));
		/* cleaned under the lock: the layer and its mark go, then it is made again */
		store_layer_clean_stale(f->s, chain);
		char *lp = store_layer_path(f->s, chain);
		assert_false(cubo_path_exists(lp));
		free(lp);
		assert_false(cubo_path_exists(mark));
		commit_layer_with(f, chain, "again");
		assert_true(store_layer_has(f->s, chain));
		store_sync_now(f->s);
	}
	/* a layer of another chain, never marked, is not stale */
	char other[CUBO_DIGEST_LEN + 1];
	digest_of("never marked", other);
	assert_false(store_layer_stale_at(root, other));
	close(lock);
	free(mark);
	free(root);
}

/* store_close syncs in the background: the marks go without the command waiting for it. */
static void test_layer_sync_in_background(void **state)
{
	struct fixture *f = *state;
	char chain[CUBO_DIGEST_LEN + 1];
	digest_of("a background chain", chain);
	if (access("/proc/sys/kernel/random/boot_id", R_OK) < 0)
		skip();
	char *mark = mark_of(f, chain);
	int lock;
	assert_null(store_layer_lock(f->s, chain, &lock));
	commit_layer_with(f, chain, "etc");
	close(lock);
	assert_true(cubo_path_exists(mark));
	store_close(f->s);
	f->s = NULL;
	/* bounded: the syncer holds gc.lock until it is done; wait for that */
	char *root = cubo_path_join(f->root, "r");
	assert_null(store_open_exclusive(root, &f->s));
	assert_false(cubo_path_exists(mark));
	free(root);
	free(mark);
}

static void config_json(const char *tag_text, char *cfg, size_t size)
{
	char layer[CUBO_DIGEST_LEN + 1];
	digest_of(tag_text, layer);
	snprintf(cfg, size,
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"T=%s\"]},"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
		 tag_text, layer);
}

/* An image in the store: config + manifest blobs (layers need not exist). */
static void make_image(struct store *s, const char *tag_text, struct oci_descriptor *out)
{
	char layer[CUBO_DIGEST_LEN + 1], cfgd[CUBO_DIGEST_LEN + 1], mand[CUBO_DIGEST_LEN + 1];
	char cfg[512], man[1024];
	digest_of(tag_text, layer);
	config_json(tag_text, cfg, sizeof(cfg));
	assert_null(store_blob_put(s, cfg, strlen(cfg), NULL, cfgd));
	assert_null(store_blob_put(s, tag_text, strlen(tag_text), NULL, NULL));
	snprintf(man, sizeof(man),
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
		 "\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":\"%s\",\"digest\":"
		 "\"%s\",\"size\":%zu}]}",
		 OCI_MT_MANIFEST, OCI_MT_CONFIG, cfgd, strlen(cfg), OCI_MT_LAYER, layer,
		 strlen(tag_text));
	assert_null(store_blob_put(s, man, strlen(man), NULL, mand));
	memset(out, 0, sizeof(*out));
	out->media_type = strdup(OCI_MT_MANIFEST);
	out->digest = strdup(mand);
	out->size = (int64_t)strlen(man);
}

static const char *name_of(const struct store_image *v, size_t n, const char *digest)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].manifest.digest, digest))
			return v[i].name ? v[i].name : "<none>";
	return NULL;
}

static void test_images(void **state)
{
	struct fixture *f = *state;
	struct oci_descriptor a, b;
	make_image(f->s, "image a", &a);
	make_image(f->s, "image b", &b);
	assert_null(store_image_set(f->s, "docker.io/library/x:1", &a));
	assert_null(store_image_set(f->s, "docker.io/library/x:1", &a)); /* no-op */
	assert_null(store_image_set(f->s, "docker.io/library/y:latest", &a));
	struct store_image *v;
	size_t n;
	assert_null(store_image_list(f->s, &v, &n));
	assert_int_equal(n, 2);
	store_images_free(v, n);

	/* find by short name, full name, ID prefix, manifest digest */
	struct store_match m;
	assert_null(store_image_find(f->s, "x:1", NULL, &m));
	assert_true(m.by_name);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].name, "docker.io/library/x:1");
	char id[CUBO_DIGEST_LEN + 1];
	strcpy(id, m.config_digest);
	store_match_free(&m);
	char prefix[16];
	snprintf(prefix, sizeof(prefix), "%.6s", id + 7);
	assert_null(store_image_find(f->s, prefix, NULL, &m));
	assert_false(m.by_name);
	assert_int_equal(m.n, 2); /* both names of the image */
	store_match_free(&m);
	assert_null(store_image_find(f->s, id, NULL, &m));
	assert_int_equal(m.n, 2);
	store_match_free(&m);
	assert_null(store_image_find(f->s, a.digest, NULL, &m));
	assert_string_equal(m.config_digest, id);
	store_match_free(&m);
	th_expect_msg(store_image_find(f->s, "nothere", NULL, &m), "no such image: nothere");
	th_expect_msg(store_image_find(f->s, "x:2", NULL, &m), "no such image");

	/* moving x:1 to b: a keeps its other name, so no dangling entry */
	assert_null(store_image_set(f->s, "docker.io/library/x:1", &b));
	assert_null(store_image_list(f->s, &v, &n));
	assert_int_equal(n, 2);
	assert_string_equal(name_of(v, n, a.digest), "docker.io/library/y:latest");
	assert_string_equal(name_of(v, n, b.digest), "docker.io/library/x:1");
	store_images_free(v, n);
	/* moving y to b: a is left dangling */
	assert_null(store_image_set(f->s, "docker.io/library/y:latest", &b));
	assert_null(store_image_list(f->s, &v, &n));
	assert_int_equal(n, 3);
	assert_string_equal(name_of(v, n, a.digest), "<none>");
	store_images_free(v, n);
	/* naming a again reuses its dangling entry */
	assert_null(store_image_set(f->s, "docker.io/library/z:1", &a));
	assert_null(store_image_list(f->s, &v, &n));
	assert_int_equal(n, 3);
	assert_string_equal(name_of(v, n, a.digest), "docker.io/library/z:1");
	store_images_free(v, n);

	assert_null(store_image_untag(f->s, "docker.io/library/z:1"));
	th_expect_msg(store_image_untag(f->s, "docker.io/library/z:1"), "no such image");
	assert_null(store_image_drop(f->s, b.digest));
	assert_null(store_image_list(f->s, &v, &n));
	assert_int_equal(n, 0);
	store_images_free(v, n);
	oci_descriptor_clear(&a);
	oci_descriptor_clear(&b);
}

/* A named entry carries what `images` shows; a damaged one is read from its blobs instead. */
static void test_image_summary(void **state)
{
	struct fixture *f = *state;
	struct oci_descriptor a;
	make_image(f->s, "image s", &a);
	assert_null(store_image_set(f->s, "docker.io/library/s:1", &a));
	struct store_image *v;
	size_t n;
	assert_null(store_image_list(f->s, &v, &n));
	assert_int_equal(n, 1);
	assert_true(v[0].summarized);
	struct oci_manifest *m;
	struct oci_image_config *c;
	assert_null(store_image_load(f->s, &v[0].manifest, &m, &c));
	assert_string_equal(v[0].id, m->config.digest);
	assert_int_equal(v[0].size, (uint64_t)m->config.size + (uint64_t)m->layers[0].size);
	assert_null(v[0].created); /* this config has none */
	oci_manifest_free(m);
	oci_image_config_free(c);
	store_images_free(v, n);

	/* a size that is no number, an ID that is no digest: not trusted */
	const char *bad[][2] = {{"io.cubo.image.size", "12x"},
				{"io.cubo.image.size", "-1"},
				{"io.cubo.image.id", "sha256:zz"}};
	for (size_t i = 0; i < 3; i++) {
		char *path = cubo_path_join(f->root, "r/images/index.json"), *json;
		size_t len;
		assert_null(cubo_read_file(path, &json, &len));
		struct oci_index *idx;
		assert_null(oci_index_parse(json, len, path, &idx));
		free(json);
		struct oci_map *ann = &idx->manifests[0].annotations;
		for (size_t k = 0; k < ann->n; k++)
			if (!strcmp(ann->v[k].key, bad[i][0])) {
				free(ann->v[k].value);
				ann->v[k].value = strdup(bad[i][1]);
			}
		char *out;
		assert_null(oci_index_to_json(idx, false, &out, &len));
		char *saved = NULL;
		size_t saved_len;
		assert_null(cubo_read_file(path, &saved, &saved_len));
		assert_null(cubo_write_file_atomic(path, out, len, 0644));
		assert_null(store_image_list(f->s, &v, &n));
		assert_false(v[0].summarized);
		store_images_free(v, n);
		assert_null(cubo_write_file_atomic(path, saved, saved_len, 0644));
		free(saved);
		free(out);
		oci_index_free(idx);
		free(path);
	}
	oci_descriptor_clear(&a);
}

static void test_ambiguous_prefix(void **state)
{
	struct fixture *f = *state;
	/* two images whose IDs share 4 hex digits: a few hundred tries (birthday bound) */
	char seen[4096][5], text[32], cfg[512], d[CUBO_DIGEST_LEN + 1];
	int a = -1, b = -1;
	for (int i = 0; i < 4096 && a < 0; i++) {
		snprintf(text, sizeof(text), "img %d", i);
		config_json(text, cfg, sizeof(cfg));
		digest_of(cfg, d);
		memcpy(seen[i], d + 7, 4);
		seen[i][4] = 0;
		for (int k = 0; k < i; k++)
			if (!strcmp(seen[k], seen[i])) {
				a = k;
				b = i;
				break;
			}
	}
	assert_true(a >= 0);
	struct oci_descriptor da, db;
	snprintf(text, sizeof(text), "img %d", a);
	make_image(f->s, text, &da);
	snprintf(text, sizeof(text), "img %d", b);
	make_image(f->s, text, &db);
	assert_null(store_image_set(f->s, "docker.io/library/a:1", &da));
	assert_null(store_image_set(f->s, "docker.io/library/b:1", &db));
	struct store_match m;
	th_expect_msg(store_image_find(f->s, seen[a], NULL, &m), "is ambiguous");
	/* three digits are not an ID at all */
	seen[a][3] = 0;
	th_expect_msg(store_image_find(f->s, seen[a], NULL, &m), "no such image");
	oci_descriptor_clear(&da);
	oci_descriptor_clear(&db);
}

static void test_gc(void **state)
{
	struct fixture *f = *state;
	struct oci_descriptor keep, drop;
	make_image(f->s, "kept", &keep);
	make_image(f->s, "dropped", &drop);
	assert_null(store_image_set(f->s, "docker.io/library/keep:1", &keep));
	/* the kept image's layer directory, and one nobody uses */
	struct oci_manifest *m;
	struct oci_image_config *c;
	assert_null(store_image_load(f->s, &keep, &m, &c));
	char chain[1][CUBO_DIGEST_LEN + 1], junk[CUBO_DIGEST_LEN + 1];
	assert_null(oci_chain_ids(c->diff_ids.v, 1, chain));
	char *tmp;
	assert_null(store_layer_tmp(f->s, chain[0], &tmp));
	assert_null(store_layer_commit(f->s, tmp, chain[0]));
	free(tmp);
	digest_of("junk layer", junk);
	assert_null(store_layer_tmp(f->s, junk, &tmp));
	assert_null(store_layer_commit(f->s, tmp, junk));
	free(tmp);
	assert_null(store_layer_tmp(f->s, NULL, &tmp)); /* a crashed extraction */
	/* and a partial download */
	struct store_blob_writer *w;
	uint64_t off;
	bool present;
	char pd[CUBO_DIGEST_LEN + 1];
	digest_of("partial", pd);
	assert_null(store_blob_writer_begin(f->s, pd, 7, &w, &off, &present));
	assert_null(store_blob_writer_write(w, "par", 3));
	store_blob_writer_abort(w, true);

	struct store_gc_report r;
	assert_null(store_gc(f->s, &r));
	assert_int_equal(r.blobs, 3);  /* drop's manifest, config and layer */
	assert_int_equal(r.layers, 2); /* the junk layer and the temp dir */
	assert_int_equal(r.partials, 1);
	assert_true(r.bytes > 0);
	assert_true(store_blob_has(f->s, keep.digest));
	assert_true(store_blob_has(f->s, m->config.digest));
	assert_true(store_blob_has(f->s, m->layers[0].digest));
	assert_false(store_blob_has(f->s, drop.digest));
	assert_true(store_layer_has(f->s, chain[0]));
	assert_false(store_layer_has(f->s, junk));
	assert_false(cubo_path_exists(tmp));
	/* again: nothing left to do, and the store still works */
	assert_null(store_gc(f->s, &r));
	assert_int_equal(r.blobs + r.layers + r.partials, 0);
	assert_null(store_image_set(f->s, "docker.io/library/keep:2", &keep));
	free(tmp);
	oci_manifest_free(m);
	oci_image_config_free(c);
	oci_descriptor_clear(&keep);
	oci_descriptor_clear(&drop);
}

static void test_skopeo_reads_the_layout(void **state)
{
	struct fixture *f = *state;
	if (system("command -v skopeo >/dev/null 2>&1") != 0)
		skip();
	struct oci_descriptor a;
	make_image(f->s, "for skopeo", &a);
	assert_null(store_image_set(f->s, "docker.io/library/sk:1", &a));
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "skopeo inspect --raw oci:%s/r/images:docker.io/library/sk:1 2>&1 | "
		 "grep -q '%s'",
		 f->root, OCI_MT_CONFIG);
	assert_int_equal(system(cmd), 0);
	oci_descriptor_clear(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_mismatch_and_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_put, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layer_sync_marks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layer_sync_in_background, setup, teardown),
		cmocka_unit_test_setup_teardown(test_images, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ambiguous_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skopeo_reads_the_layout, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/image/archive.h"
#include "cubo-mgr/image/doc_limits.h"
#include "cubo-mgr/image/layers.h"
#include "cubo-mgr/image/reference.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* ---- save ---- */

static struct cubo_error *ar_error(struct archive *a, const char *what)
{
	return cubo_error_new("%s: %s", what,
			      archive_error_string(a) ? archive_error_string(a) : "archive error");
}

static struct cubo_error *add_bytes(struct archive *a, const char *name, const void *data,
				    size_t len)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	struct cubo_error *err = NULL;
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (len && archive_write_data(a, data, len) != (la_ssize_t)len))
		err = ar_error(a, name);
	archive_entry_free(e);
	return err;
}

static struct cubo_error *add_blob(struct archive *a, struct store *s, const char *digest,
				   char ***done, size_t *n_done)
{
	if (cubo_strv_contains(*done, digest))
		return NULL;
	int fd;
	CUBO_TRY(store_blob_open(s, digest, &fd));
	struct stat st;
	char name[128];
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	struct archive_entry *e = archive_entry_new();
	struct cubo_error *err = NULL;
	if (fstat(fd, &st) < 0) {
		err = cubo_error_errno("blob %s", digest);
		goto out;
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, st.st_size);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		err = ar_error(a, name);
		goto out;
	}
	char buf[1 << 16];
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = cubo_error_errno("reading blob %s", digest);
			break;
		}
		if (r == 0)
			break;
		if (archive_write_data(a, buf, (size_t)r) != r) {
			err = ar_error(a, name);
			break;
		}
	}
	if (!err)
		cubo_strv_push(done, n_done, digest);
out:
	archive_entry_free(e);
	close(fd);
	return err;
}

static char *familiar(const char *full)
{
	struct image_ref r;
	struct cubo_error *err = image_ref_parse(full, NULL, &r);
	if (err) {
		cubo_error_free(err);
		return xstrdup(full);
	}
	char *f = image_ref_familiar(&r);
	image_ref_free(&r);
	return f;
}

static struct cubo_error *write_images(struct archive *a, struct store *s,
				       const struct archive_image *images, size_t n)
{
	char **done = NULL;
	size_t n_done = 0;
	struct cubo_json_gen *g;
	struct oci_index idx = {.schema_version = 2, .media_type = OCI_MT_INDEX};
	struct cubo_error *err = cubo_json_gen_new(false, &g);
	if (err)
		return err;
	idx.manifests = xcalloc(n ? n : 1, sizeof(*idx.manifests));
	CUBO_TRY(add_bytes(a, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30));
	cubo_json_gen_array_open(g);
	for (size_t i = 0; !err && i < n; i++) {
		struct oci_manifest *m;
		if ((err = store_image_load(s, images[i].manifest, &m, NULL)))
			break;
		err = add_blob(a, s, images[i].manifest->digest, &done, &n_done);
		if (!err)
			err = add_blob(a, s, m->config.digest, &done, &n_done);
		for (size_t l = 0; !err && l < m->n_layers; l++)
			err = add_blob(a, s, m->layers[l].digest, &done, &n_done);
		/* the docker-archive view of the same blobs */
		char path[128];
		cubo_json_gen_map_open(g);
		cubo_json_gen_key(g, "Config");
		snprintf(path, sizeof(path), "blobs/sha256/%s", m->config.digest + 7);
		cubo_json_gen_string(g, path);
		cubo_json_gen_key(g, "RepoTags");
		cubo_json_gen_array_open(g);
		char *fam = familiar(images[i].name);
		cubo_json_gen_string(g, fam);
		free(fam);
		cubo_json_gen_array_close(g);
		cubo_json_gen_key(g, "Layers");
		cubo_json_gen_array_open(g);
		for (size_t l = 0; l < m->n_layers; l++) {
			snprintf(path, sizeof(path), "blobs/sha256/%s", m->layers[l].digest + 7);
			cubo_json_gen_string(g, path);
		}
		cubo_json_gen_array_close(g);
		cubo_json_gen_map_close(g);
		/* the OCI view: the manifest, named */
		struct oci_descriptor *d = &idx.manifests[idx.n_manifests++];
		d->media_type = xstrdup(images[i].manifest->media_type);
		d->digest = xstrdup(images[i].manifest->digest);
		d->size = images[i].manifest->size;
		d->annotations.v = xcalloc(1, sizeof(struct oci_kv));
		d->annotations.v[0].key = xstrdup(OCI_ANNOTATION_REF_NAME);
		d->annotations.v[0].value = xstrdup(images[i].name);
		d->annotations.n = 1;
		oci_manifest_free(m);
	}
	cubo_json_gen_array_close(g);
	char *json = NULL;
	size_t len;
	if (!err && !(err = cubo_json_gen_finish(g, &json, &len)))
		err = add_bytes(a, "manifest.json", json, len);
	else if (err)
		cubo_json_gen_free(g);
	free(json);
	json = NULL;
	if (!err && !(err = oci_index_to_json(&idx, false, &json, &len)))
		err = add_bytes(a, "index.json", json, len);
	free(json);
	for (size_t i = 0; i < idx.n_manifests; i++)
		oci_descriptor_clear(&idx.manifests[i]);
	free(idx.manifests);
	cubo_strv_free(done);
	return err;
}

struct cubo_error *image_archive_save(struct store *s, const struct archive_image *images, size_t n,
				      const char *path)
{
	struct archive *a = archive_write_new();
	char *tmp = NULL;
	struct cubo_error *err = NULL;
	archive_write_set_format_pax_restricted(a);
	if (!strcmp(path, "-")) {
		if (archive_write_open_fd(a, STDOUT_FILENO) != ARCHIVE_OK)
			err = ar_error(a, "stdout");
	} else {
		/* a finished archive or none: written aside, renamed into place */
		tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
		if (archive_write_open_filename(a, tmp) != ARCHIVE_OK)
			err = ar_error(a, path);
	}
	if (!err)
		err = write_images(a, s, images, n);
	if (archive_write_close(a) != ARCHIVE_OK && !err)
		err = ar_error(a, path);
	archive_write_free(a);
	if (tmp) {
		if (!err && rename(tmp, path) < 0)
			err = cubo_error_errno("rename %s to %s", tmp, path);
		if (err)
			unlink(tmp);
		free(tmp);
	}
	return err ? cubo_error_wrap(err, "save to %s", path) : NULL;
}

/* ---- load ---- */

/* Unpack the archive's regular files into dir (names checked: nothing outside). */
static struct cubo_error *extract_archive(const char *path, const char *dir)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	struct cubo_error *err = NULL;
	int rc = !strcmp(path, "-") ? archive_read_open_fd(a, STDIN_FILENO, 1 << 16)
				    : archive_read_open_filename(a, path, 1 << 16);
	if (rc != ARCHIVE_OK)
		err = ar_error(a, path);
	struct archive_entry *e;
	while (!err && (rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		while (name && !strncmp(name, "./", 2))
			name += 2;
		if (!name || archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (name[0] == '/' || !strcmp(name, "..") || !strncmp(name, "../", 3) ||
		    strstr(name, "/../") ||
		    (strlen(name) >= 3 && !strcmp(name + strlen(name) - 3, "/.."))) {
			err = cubo_error_new("entry \"%s\" leaves the archive", name);
			break;
		}
		char *out = cubo_path_join(dir, name);
		char *slash = strrchr(out, '/');
		*slash = 0;
		err = cubo_mkdir_p(out, 0700);
		*slash = '/';
		int fd =
			err ? -1
			    : open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (!err && fd < 0)
			err = cubo_error_errno("entry \"%s\"", name);
		if (!err && archive_read_data_into_fd(a, fd) != ARCHIVE_OK)
			err = ar_error(a, name);
		if (fd >= 0)
			close(fd);
		free(out);
	}
	if (!err && rc != ARCHIVE_EOF)
		err = ar_error(a, path);
	archive_read_free(a);
	return err;
}

/* A file of the unpacked archive into the store; named blobs must match their name. */
static struct cubo_error *import_file(struct store *s, const char *dir, const char *rel,
				      char out[CUBO_DIGEST_LEN + 1])
{
	char expected[CUBO_DIGEST_LEN + 1] = "";
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	size_t bl = strlen(base);
	if (!strncmp(rel, "blobs/sha256/", 13) || (bl == 69 && !strcmp(base + 64, ".json")))
		snprintf(expected, sizeof(expected), "sha256:%.64s", base);
	if (*expected && !cubo_digest_valid(expected))
		*expected = 0;
	if (strstr(rel, "..") || rel[0] == '/')
		return cubo_error_new("\"%s\": path leaves the archive", rel);
	char *p = cubo_path_join(dir, rel);
	int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct cubo_error *err =
		fd < 0 ? cubo_error_errno("\"%s\" (named by the archive)", rel)
		       : store_blob_put_file(s, fd, *expected ? expected : NULL, out);
	if (fd >= 0)
		close(fd);
	free(p);
	return err;
}

static struct cubo_error *import_digest(struct store *s, const char *dir, const char *digest)
{
	char rel[128];
	if (!cubo_digest_valid(digest))
		return cubo_error_new("\"%s\" is not a sha256 digest", digest);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest + 7);
	return import_file(s, dir, rel, NULL);
}

/* Extract the image's layers and name it (NULL: unnamed); print what was loaded. */
static struct cubo_error *finish_image(struct store *s, const struct oci_descriptor *desc,
				       const char *name, FILE *out)
{
	struct oci_manifest *m;
	struct oci_image_config *c;
	CUBO_TRY(store_image_load(s, desc, &m, &c));
	struct cubo_error *err = image_layers_extract(s, m, c);
	char *full = NULL;
	if (!err && name) {
		struct image_ref r;
		if (!(err = image_ref_parse(name, NULL, &r))) {
			full = image_ref_string(&r);
			image_ref_free(&r);
		}
	}
	if (!err)
		err = store_image_set(s, full, desc);
	if (!err && out) {
		if (full) {
			char *f = familiar(full);
			fprintf(out, "Loaded image: %s\n", f);
			free(f);
		} else {
			fprintf(out, "Loaded image ID: %s\n", m->config.digest);
		}
	}
	free(full);
	oci_manifest_free(m);
	oci_image_config_free(c);
	return err;
}

static struct cubo_error *load_oci(struct store *s, const char *dir, FILE *out)
{
	char *text;
	size_t len;
	char *p = cubo_path_join(dir, "index.json");
	struct oci_index *idx = NULL;
	struct cubo_error *err = cubo_read_file(p, &text, &len);
	free(p);
	if (err)
		return err;
	err = oci_index_parse(text, len, "index.json", &idx);
	free(text);
	for (size_t i = 0; !err && i < idx->n_manifests; i++) {
		struct oci_descriptor d;
		oci_descriptor_copy(&idx->manifests[i], &d);
		/*
		 * The name: containerd's annotation (docker 25 archives), else
		 * ref.name when it is a whole name, not only a tag as some
		 * tools write it.
		 */
		const char *name = NULL, *ref_name = NULL;
		for (size_t k = 0; k < d.annotations.n; k++) {
			if (!strcmp(d.annotations.v[k].key, "io.containerd.image.name"))
				name = d.annotations.v[k].value;
			else if (!strcmp(d.annotations.v[k].key, OCI_ANNOTATION_REF_NAME))
				ref_name = d.annotations.v[k].value;
		}
		if (!name && ref_name && (strchr(ref_name, '/') || strchr(ref_name, ':')))
			name = ref_name;
		char *doc = NULL;
		size_t dl;
		if (!(err = import_digest(s, dir, d.digest)) &&
		    !(err = store_blob_read(s, d.digest, MAX_DOC_BYTES, &doc, &dl)) &&
		    oci_doc_kind_detect(d.media_type, doc, dl) == OCI_DOC_INDEX) {
			/* a multi-platform image: this host's manifest */
			struct oci_index *sub = NULL;
			struct oci_platform host = {0};
			size_t pick;
			if (!(err = oci_index_parse(doc, dl, d.digest, &sub)) &&
			    !(err = oci_platform_host(&host)) &&
			    !(err = oci_index_select(sub, &host, &pick))) {
				oci_descriptor_clear(&d);
				oci_descriptor_copy(&sub->manifests[pick], &d);
				err = import_digest(s, dir, d.digest);
			}
			oci_platform_free(&host);
			oci_index_free(sub);
		}
		free(doc);
		struct oci_manifest *m = NULL;
		if (!err)
			err = store_image_load(s, &d, &m, NULL);
		if (!err)
			err = import_digest(s, dir, m->config.digest);
		for (size_t l = 0; !err && l < m->n_layers; l++)
			err = import_digest(s, dir, m->layers[l].digest);
		oci_manifest_free(m);
		if (!err)
			err = finish_image(s, &d, name, out);
		oci_descriptor_clear(&d);
	}
	oci_index_free(idx);
	return err;
}

static const char *layer_media_type(struct store *s, const char *digest)
{
	unsigned char magic[4] = {0};
	int fd;
	struct cubo_error *err = store_blob_open(s, digest, &fd);
	if (err) {
		cubo_error_free(err);
		return OCI_MT_LAYER;
	}
	ssize_t n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		return OCI_MT_LAYER_GZIP;
	if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
		return OCI_MT_LAYER_ZSTD;
	return OCI_MT_LAYER;
}

/* One manifest.json entry: store its files, make an OCI manifest for it. */
static struct cubo_error *load_docker_entry(struct store *s, const char *dir, yajl_val e, size_t i,
					    FILE *out)
{
	struct cubo_json_ctx c;
	cubo_json_ctx_init(&c, "manifest.json");
	cubo_json_push_index(&c, i);
	char *config = NULL, **layers = NULL, **tags = NULL;
	size_t n_layers = 0, n_tags = 0;
	struct oci_manifest m = {.schema_version = 2, .media_type = OCI_MT_MANIFEST};
	struct cubo_error *err = cubo_json_expect_object(&c, e);
	if (!err)
		err = cubo_json_field_string(&c, e, "Config", true, &config);
	if (!err)
		err = cubo_json_field_strv(&c, e, "Layers", true, &layers, &n_layers);
	if (!err)
		err = cubo_json_field_strv(&c, e, "RepoTags", false, &tags, &n_tags);
	char cfg[CUBO_DIGEST_LEN + 1];
	if (!err)
		err = import_file(s, dir, config, cfg);
	m.layers = xcalloc(n_layers + 1, sizeof(*m.layers));
	for (size_t l = 0; !err && l < n_layers; l++) {
		char d[CUBO_DIGEST_LEN + 1];
		struct stat st;
		char *p = cubo_path_join(dir, layers[l]);
		if (!(err = import_file(s, dir, layers[l], d))) {
			m.layers[l].digest = xstrdup(d);
			m.layers[l].media_type = xstrdup(layer_media_type(s, d));
			m.layers[l].size = stat(p, &st) == 0 ? st.st_size : 0;
			m.n_layers++;
		}
		free(p);
	}
	char *json = NULL, md[CUBO_DIGEST_LEN + 1];
	size_t len = 0;
	if (!err) {
		struct stat st;
		char *p = cubo_path_join(dir, config);
		m.config.media_type = xstrdup(OCI_MT_CONFIG);
		m.config.digest = xstrdup(cfg);
		m.config.size = stat(p, &st) == 0 ? st.st_size : 0;
		free(p);
		m.media_type = xstrdup(OCI_MT_MANIFEST);
		err = oci_manifest_to_json(&m, false, &json, &len);
		free(m.media_type);
	}
	if (!err)
		err = store_blob_put(s, json, len, NULL, md);
	if (!err) {
		struct oci_descriptor d = {
			.media_type = OCI_MT_MANIFEST, .digest = md, .size = (int64_t)len};
		for (size_t t = 0; !err && t < (n_tags ? n_tags : 1); t++)
			err = finish_image(s, &d, n_tags ? tags[t] : NULL, out);
	}
	free(json);
	oci_descriptor_clear(&m.config);
	for (size_t l = 0; l < m.n_layers; l++)
		oci_descriptor_clear(&m.layers[l]);
	free(m.layers);
	free(config);
	cubo_strv_free(layers);
	cubo_strv_free(tags);
	return err;
}

static struct cubo_error *load_docker(struct store *s, const char *dir, FILE *out)
{
	char *text;
	size_t len;
	yajl_val root;
	char *p = cubo_path_join(dir, "manifest.json");
	struct cubo_error *err = cubo_read_file(p, &text, &len);
	free(p);
	if (err)
		return err;
	err = cubo_json_parse(text, len, "manifest.json", &root);
	free(text);
	if (err)
		return err;
	if (!YAJL_IS_ARRAY(root))
		err = cubo_error_new("manifest.json: expected an array");
	for (size_t i = 0; !err && i < root->u.array.len; i++)
		err = load_docker_entry(s, dir, root->u.array.values[i], i, out);
	yajl_tree_free(root);
	return err;
}

struct cubo_error *image_archive_load(struct store *s, const char *path, FILE *out)
{
	char *dir = cubo_path_join(store_root(s), ".load-XXXXXX");
	if (!mkdtemp(dir)) {
		struct cubo_error *err = cubo_error_errno("mkdtemp %s", dir);
		free(dir);
		return err;
	}
	struct cubo_error *err = extract_archive(path, dir);
	char *idx = cubo_path_join(dir, "index.json"), *man = cubo_path_join(dir, "manifest.json");
	if (!err) {
		if (cubo_path_exists(idx))
			err = load_oci(s, dir, out);
		else if (cubo_path_exists(man))
			err = load_docker(s, dir, out);
		else
			err = cubo_error_new(
				"neither an OCI archive nor a docker-archive (no index.json "
				"or manifest.json)");
	}
	free(idx);
	free(man);
	cubo_error_free(cubo_rm_rf(dir));
	free(dir);
	return err ? cubo_error_wrap(err, "load %s", strcmp(path, "-") ? path : "from stdin")
		   : NULL;
}

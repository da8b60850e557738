/* SPDX-License-Identifier: Apache-2.0 */
/* The local manifest lists of `manifest create/annotate/push/rm`. See manifest_list.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/image/doc_limits.h"
#include "cubo-mgr/image/manifest_list.h"
#include "shared/digest.h"
#include "shared/fs.h"
#include "shared/xalloc.h"
#include "spec/spec_json.h"

char *mlist_path(const char *root, const char *ref)
{
	char digest[CUBO_DIGEST_LEN + 1];
	struct cubo_error *err = cubo_sha256_buffer(ref, strlen(ref), digest);
	if (err) /* OpenSSL without sha256: nothing else works either */
		abort();
	char *dir = cubo_path_join(root, MLIST_DIR);
	char name[80];
	snprintf(name, sizeof(name), "%s.json", digest + 7);
	char *p = cubo_path_join(dir, name);
	free(dir);
	return p;
}

struct cubo_error *mlist_load(const char *root, const char *ref, struct oci_index **idx)
{
	*idx = NULL;
	char *path = mlist_path(root, ref);
	char *text = NULL;
	size_t len = 0;
	struct cubo_error *err = cubo_read_file(path, &text, &len);
	if (err && err->errnum == ENOENT) {
		cubo_error_free(err);
		free(path);
		return NULL;
	}
	if (!err && len > MAX_MANIFEST_BYTES)
		err = cubo_error_new("%s: larger than %u bytes", path, MAX_MANIFEST_BYTES);
	if (!err)
		err = oci_index_parse(text, len, path, idx);
	free(text);
	if (!err && strcmp(mlist_annotation(&(*idx)->annotations, MLIST_REF_KEY) ?: "", ref)) {
		oci_index_free(*idx);
		*idx = NULL;
		err = cubo_error_new("%s: not the manifest list %s", path, ref);
	}
	free(path);
	return cubo_error_wrap(err, "manifest list %s", ref);
}

struct cubo_error *mlist_save(const char *root, const char *ref, struct oci_index *idx)
{
	idx->schema_version = 2;
	mlist_annotate_set(&idx->annotations, MLIST_REF_KEY, ref);
	char *dir = cubo_path_join(root, MLIST_DIR);
	struct cubo_error *err = cubo_mkdir_p(dir, 0700);
	free(dir);
	char *json = NULL, *path = mlist_path(root, ref);
	size_t len;
	if (!err)
		err = oci_index_to_json(idx, true, &json, &len);
	if (!err)
		err = cubo_write_file_atomic(path, json, len, 0600);
	free(json);
	free(path);
	return cubo_error_wrap(err, "manifest list %s", ref);
}

struct cubo_error *mlist_remove(const char *root, const char *ref)
{
	char *path = mlist_path(root, ref);
	struct cubo_error *err = NULL;
	if (unlink(path) < 0)
		err = errno == ENOENT ? cubo_error_new("No such manifest: %s", ref)
				      : cubo_error_errno("remove %s", path);
	free(path);
	if (!err) {
		char *dir = cubo_path_join(root, MLIST_DIR);
		err = cubo_fsync_dir(dir);
		free(dir);
	}
	return err;
}

const char *mlist_annotation(const struct oci_map *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].key, key))
			return m->v[i].value;
	return NULL;
}

void mlist_annotate_set(struct oci_map *m, const char *key, const char *value)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].key, key)) {
			free(m->v[i].value);
			m->v[i].value = xstrdup(value);
			return;
		}
	m->v = xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
	m->v[m->n++] = (struct oci_kv){xstrdup(key), xstrdup(value)};
}

void mlist_put(struct oci_index *idx, const struct oci_descriptor *d, const char *source)
{
	size_t i;
	for (i = 0; i < idx->n_manifests; i++)
		if (!strcmp(idx->manifests[i].digest, d->digest))
			break;
	if (i == idx->n_manifests)
		idx->manifests = xrealloc(idx->manifests, ++idx->n_manifests * sizeof(*d));
	else
		oci_descriptor_clear(&idx->manifests[i]);
	oci_descriptor_copy(d, &idx->manifests[i]);
	mlist_annotate_set(&idx->manifests[i].annotations, MLIST_SOURCE_KEY, source);
}

struct cubo_error *mlist_find(const struct oci_index *idx, const char *ref, const char *digest,
			      size_t *i)
{
	for (*i = 0; *i < idx->n_manifests; (*i)++) {
		const struct oci_descriptor *d = &idx->manifests[*i];
		const char *src = mlist_annotation(&d->annotations, MLIST_SOURCE_KEY);
		if ((ref && src && !strcmp(src, ref)) || (digest && !strcmp(d->digest, digest)))
			return NULL;
	}
	return cubo_error_new("manifest %s is not in the list", ref ? ref : digest);
}

static void set_str(char **field, const char *value)
{
	if (!value || !*value)
		return;
	free(*field);
	*field = xstrdup(value);
}

/* The os/arch pairs docker's manifest annotate accepts (Go's GOOS/GOARCH pairs). */
static bool known_os_arch(const char *os, const char *arch)
{
	static const char *const pairs[] = {
		"aix/ppc64",	 "android/386",	  "android/amd64", "android/arm",
		"android/arm64", "darwin/amd64",  "darwin/arm64",  "dragonfly/amd64",
		"freebsd/386",	 "freebsd/amd64", "freebsd/arm",   "freebsd/arm64",
		"illumos/amd64", "ios/arm64",	  "js/wasm",	   "linux/386",
		"linux/amd64",	 "linux/arm",	  "linux/arm64",   "linux/loong64",
		"linux/mips",	 "linux/mipsle",  "linux/mips64",  "linux/mips64le",
		"linux/ppc64",	 "linux/ppc64le", "linux/riscv64", "linux/s390x",
		"netbsd/386",	 "netbsd/amd64",  "netbsd/arm",	   "netbsd/arm64",
		"openbsd/386",	 "openbsd/amd64", "openbsd/arm",   "openbsd/arm64",
		"plan9/386",	 "plan9/amd64",	  "plan9/arm",	   "solaris/amd64",
		"windows/386",	 "windows/amd64", "windows/arm",   "windows/arm64",
	};
	size_t ol = strlen(os);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++)
		if (!strncmp(pairs[i], os, ol) && pairs[i][ol] == '/' &&
		    !strcmp(pairs[i] + ol + 1, arch))
			return true;
	return false;
}

struct cubo_error *mlist_set_platform(struct oci_descriptor *d, const char *os, const char *arch,
				      const char *variant, char *const *os_features)
{
	/* the platform checked and normalized as a pull reads it */
	const struct oci_platform *was = d->platform;
	const char *o = os && *os ? os : was ? was->os : NULL;
	const char *a = arch && *arch ? arch : was ? was->architecture : NULL;
	const char *v = variant && *variant ? variant : was ? was->variant : NULL;
	if (!o || !a)
		return cubo_error_new(
			"the platform needs an os and an architecture (--os, --arch)");
	char *s = xasprintf("%s/%s%s%s", o, a, v ? "/" : "", v ? v : "");
	struct oci_platform p = {0};
	struct cubo_error *err = oci_platform_parse(s, &p);
	free(s);
	CUBO_TRY(err);
	if (!known_os_arch(p.os, p.architecture)) {
		err = cubo_error_new(
			"manifest entry for image has unsupported os/arch combination: "
			"%s/%s",
			p.os, p.architecture);
		oci_platform_free(&p);
		return err;
	}
	if (!d->platform)
		d->platform = xcalloc(1, sizeof(*d->platform));
	set_str(&d->platform->os, p.os);
	set_str(&d->platform->architecture, p.architecture);
	free(d->platform->variant);
	d->platform->variant = p.variant ? xstrdup(p.variant) : NULL;
	if (os_features && os_features[0]) {
		spec_strlist_free(&d->platform->os_features);
		size_t n = 0;
		while (os_features[n])
			n++;
		d->platform->os_features.v = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			d->platform->os_features.v[i] = xstrdup(os_features[i]);
		d->platform->os_features.n = n;
	}
	oci_platform_free(&p);
	return NULL;
}

struct cubo_error *mlist_push_json(const struct oci_index *idx, bool pretty, char **json,
				   size_t *len, const char **media_type)
{
	struct oci_index *out = xcalloc(1, sizeof(*out));
	out->schema_version = 2;
	bool docker = idx->n_manifests > 0;
	out->manifests = xcalloc(idx->n_manifests ? idx->n_manifests : 1, sizeof(*out->manifests));
	out->n_manifests = idx->n_manifests;
	for (size_t i = 0; i < idx->n_manifests; i++) {
		oci_descriptor_copy(&idx->manifests[i], &out->manifests[i]);
		spec_map_free(&out->manifests[i].annotations);
		out->manifests[i].annotations = (struct oci_map){0};
		docker = docker && idx->manifests[i].media_type &&
			 !strcmp(idx->manifests[i].media_type, DOCKER_MT_MANIFEST);
	}
	*media_type = docker ? DOCKER_MT_LIST : OCI_MT_INDEX;
	out->media_type = xstrdup(*media_type);
	struct cubo_error *err = oci_index_to_json(out, pretty, json, len);
	oci_index_free(out);
	return err;
}

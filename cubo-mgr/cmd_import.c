/* SPDX-License-Identifier: Apache-2.0 */
/* Images in and out of the store: save, load, import, push. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/image/archive.h"
#include "cubo-mgr/image/layers.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/registry.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/mgr.h"
#include "shared/fs.h"
#include "shared/timeutil.h"

/* ---- save ---- */

int cmd_save(struct mgr *m, int argc, char **argv)
{
	const char *output = NULL;
	const struct cli_opt opts[] = {
		{"output", 'o', CLI_STRING, &output, "FILE", "write to FILE instead of stdout"},
	};
	struct cli_args args;
	int rc = mgr_parse_args(
		m, "save", "save [OPTIONS] IMAGE [IMAGE...]",
		"Write images to a tar archive that is both an OCI image layout and a\n"
		"docker-archive, so cubo-mgr, podman, docker and skopeo all load it.",
		argc, argv, opts, CLI_N(opts), &args);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	if (args.n == 0)
		err = cubo_error_new("expected at least one image");
	else if (!output && isatty(STDOUT_FILENO))
		err = cubo_error_new("refusing to write an archive to a terminal: use -o FILE");
	if (err) {
		free(args.v);
		return mgr_usage_error(m, "save", err);
	}
	struct store *s = NULL;
	struct store_match *matches = calloc((size_t)args.n, sizeof(*matches));
	struct archive_image *images = calloc((size_t)args.n, sizeof(*images));
	int found = 0;
	if (!matches || !images)
		err = cubo_error_new_errno(ENOMEM, "save");
	if (!err)
		err = store_open(m->root, &s);
	for (; !err && found < args.n; found++) {
		if ((err = store_image_find(s, args.v[found], NULL, &matches[found])))
			break;
		/* by ID: the image under its first name */
		size_t k = 0;
		while (k + 1 < matches[found].n && !matches[found].v[k].name)
			k++;
		images[found].name =
			matches[found].v[k].name ? matches[found].v[k].name : args.v[found];
		images[found].manifest = &matches[found].v[k].manifest;
	}
	if (!err)
		err = image_archive_save(s, images, (size_t)args.n, output ? output : "-");
	for (int i = 0; i < found; i++)
		store_match_free(&matches[i]);
	free(matches);
	free(images);
	store_close(s);
	free(args.v);
	return err ? mgr_fail(m, err) : 0;
}

/* ---- load ---- */

int cmd_load(struct mgr *m, int argc, char **argv)
{
	const char *input = NULL;
	bool quiet = false;
	const struct cli_opt opts[] = {
		{"input", 'i', CLI_STRING, &input, "FILE", "read from FILE instead of stdin"},
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print nothing"},
	};
	struct cli_args args;
	int rc = mgr_parse_args(
		m, "load", "load [OPTIONS]",
		"Load images from an OCI archive or a docker-archive (plain, gzip or\n"
		"zstd), checking every blob's digest and every layer's diff_id.",
		argc, argv, opts, CLI_N(opts), &args);
	if (rc >= 0)
		return rc;
	int n = args.n;
	free(args.v);
	if (n)
		return mgr_usage_error(m, "load",
				       cubo_error_new("unexpected argument: use -i FILE"));
	if (!input && isatty(STDIN_FILENO))
		return mgr_usage_error(
			m, "load", cubo_error_new("no archive on stdin: use -i FILE or a pipe"));
	struct store *s = NULL;
	struct cubo_error *err = store_open(m->root, &s);
	if (!err)
		err = image_archive_load(s, input ? input : "-", quiet ? NULL : stdout);
	store_close(s);
	return err ? mgr_fail(m, err) : 0;
}

/* ---- import ---- */

static const char *media_type_of(int fd)
{
	unsigned char b[4] = {0};
	ssize_t n = pread(fd, b, sizeof(b), 0);
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return OCI_MT_LAYER_GZIP;
	if (n == 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return OCI_MT_LAYER_ZSTD;
	return OCI_MT_LAYER;
}

static struct cubo_error *import_rootfs(struct store *s, int fd, const char *name,
					const char *message, char id[CUBO_DIGEST_LEN + 1])
{
	char blob[CUBO_DIGEST_LEN + 1], diff[CUBO_DIGEST_LEN + 1];
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cubo_error_errno("import");
	const char *mt = media_type_of(fd);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return cubo_error_errno("import: rewinding the tarball");
	CUBO_TRY(store_blob_put_file(s, fd, NULL, blob));
	/* one layer: its chain ID is its diff_id, known once extracted */
	CUBO_TRY(image_layer_extract(s, blob, NULL, NULL, diff));
	char now[CUBO_RFC3339_LEN];
	cubo_time_now_rfc3339(now);
	struct oci_platform host;
	CUBO_TRY(oci_platform_host(&host));
	char *diff_ids[] = {diff, NULL};
	struct oci_history h = {.created = now,
				.created_by = (char *)(message ? message : "cubo-mgr import")};
	struct oci_image_config cfg = {
		.created = now,
		.architecture = host.architecture,
		.os = host.os,
		.variant = host.variant,
		.rootfs_type = "layers",
		.diff_ids = {.v = diff_ids, .n = 1},
		.history = &h,
		.n_history = 1,
	};
	char *cjson = NULL, *mjson = NULL, cd[CUBO_DIGEST_LEN + 1], md[CUBO_DIGEST_LEN + 1];
	size_t clen = 0, mlen = 0;
	struct cubo_error *err = oci_image_config_to_json(&cfg, false, &cjson, &clen);
	if (!err)
		err = store_blob_put(s, cjson, clen, NULL, cd);
	if (!err) {
		struct oci_descriptor layer = {
			.media_type = (char *)mt, .digest = blob, .size = st.st_size};
		struct oci_manifest man = {
			.schema_version = 2,
			.media_type = OCI_MT_MANIFEST,
			.config = {.media_type = OCI_MT_CONFIG,
				   .digest = cd,
				   .size = (int64_t)clen},
			.layers = &layer,
			.n_layers = 1,
		};
		err = oci_manifest_to_json(&man, false, &mjson, &mlen);
	}
	if (!err)
		err = store_blob_put(s, mjson, mlen, NULL, md);
	if (!err) {
		struct oci_descriptor d = {
			.media_type = OCI_MT_MANIFEST, .digest = md, .size = (int64_t)mlen};
		err = store_image_set(s, name, &d);
	}
	if (!err)
		memcpy(id, cd, CUBO_DIGEST_LEN + 1);
	free(cjson);
	free(mjson);
	oci_platform_free(&host);
	return err;
}

int cmd_import(struct mgr *m, int argc, char **argv)
{
	const char *message = NULL;
	const struct cli_opt opts[] = {
		{"message", 'm', CLI_STRING, &message, "TEXT", "the history entry of the layer"},
	};
	struct cli_args args;
	int rc = mgr_parse_args(
		m, "import", "import [OPTIONS] TARBALL|- [NAME[:TAG]]",
		"Make a one-layer image from a root filesystem tarball (plain, gzip\n"
		"or zstd; \"-\" reads stdin). Prints the image ID.",
		argc, argv, opts, CLI_N(opts), &args);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	if (args.n < 1 || args.n > 2)
		err = cubo_error_new("expected TARBALL and an optional NAME[:TAG]");
	char *name = NULL;
	if (!err && args.n == 2) {
		struct image_ref r;
		if (!(err = image_ref_parse(args.v[1], NULL, &r))) {
			name = image_ref_string(&r);
			image_ref_free(&r);
		}
	}
	if (err) {
		free(args.v);
		return mgr_usage_error(m, "import", err);
	}
	struct store *s = NULL;
	int fd = -1;
	char id[CUBO_DIGEST_LEN + 1];
	if (!(err = store_open(m->root, &s))) {
		fd = strcmp(args.v[0], "-") ? open(args.v[0], O_RDONLY | O_CLOEXEC)
					    : dup(STDIN_FILENO);
		if (fd < 0)
			err = cubo_error_errno("import %s", args.v[0]);
	}
	/* stdin may be a pipe: the layer is read twice (stored, then extracted) */
	if (!err && lseek(fd, 0, SEEK_CUR) < 0) {
		char tmpl[] = "/var/tmp/cubo-import.XXXXXX";
		int t = mkostemp(tmpl, O_CLOEXEC);
		char buf[1 << 16];
		ssize_t n;
		if (t < 0)
			err = cubo_error_errno("import: temp file");
		while (!err && (n = read(fd, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || write(t, buf, (size_t)n) != n)
				err = cubo_error_errno("import: copying stdin");
		}
		if (t >= 0)
			unlink(tmpl);
		close(fd);
		fd = t;
	}
	if (!err)
		err = import_rootfs(s, fd, name, message, id);
	if (fd >= 0)
		close(fd);
	store_close(s);
	free(name);
	if (err) {
		err = cubo_error_wrap(err, "import %s", args.v[0]);
		free(args.v);
		return mgr_fail(m, err);
	}
	free(args.v);
	printf("%s\n", id);
	return 0;
}

/* ---- push ---- */

static struct cubo_error *push_blob(struct store *s, struct registry_client *c,
				    const struct image_ref *ref, const char *digest, int64_t size,
				    bool quiet)
{
	bool exists;
	CUBO_TRY(registry_blob_exists(c, ref, digest, &exists));
	if (!quiet)
		printf("%.12s: %s\n", digest + 7, exists ? "Layer already exists" : "Pushing");
	if (exists)
		return NULL;
	int fd;
	CUBO_TRY(store_blob_open(s, digest, &fd));
	struct cubo_error *err = registry_put_blob(c, ref, digest, fd, (uint64_t)size);
	close(fd);
	return err;
}

int cmd_push(struct mgr *m, int argc, char **argv)
{
	bool quiet = false, tls_verify = true;
	const char *cert_dir = NULL;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only the digest"},
		{"tls-verify", 0, CLI_BOOL, &tls_verify, NULL, "verify the registry's certificate"},
		{"cert-dir", 0, CLI_STRING, &cert_dir, "DIR", "CA certificates for the registry"},
	};
	struct cli_args args;
	int rc = mgr_parse_args(
		m, "push", "push [OPTIONS] IMAGE [DESTINATION]",
		"Upload an image to a registry: to its own name, or to DESTINATION.\n"
		"Blobs the registry has are not sent again.",
		argc, argv, opts, CLI_N(opts), &args);
	if (rc >= 0)
		return rc;
	if (args.n < 1 || args.n > 2) {
		free(args.v);
		return mgr_usage_error(
			m, "push", cubo_error_new("expected IMAGE and an optional DESTINATION"));
	}
	struct store *s = NULL;
	struct registry_client *c = NULL;
	struct store_match match = {0};
	struct oci_manifest *man = NULL;
	struct image_ref dest = {0};
	char *body = NULL;
	size_t len = 0;
	struct registry_opts ro = {.auth_file = m->auth_file,
				   .tls_verify = tls_verify,
				   .certs_dir = cert_dir,
				   .registries_conf = m->registries_conf};
	struct cubo_error *err = store_open(m->root, &s);
	if (!err)
		err = registry_client_new(&ro, &c);
	if (!err)
		err = store_image_find(s, args.v[0], registry_client_short_name_domain(c), &match);
	const char *to = args.n == 2 ? args.v[1] : NULL;
	if (!err && !to) {
		to = match.v[0].name;
		if (!to)
			err = cubo_error_new("%s has no name: give a DESTINATION", args.v[0]);
	}
	if (!err)
		err = image_ref_parse(to, registry_client_short_name_domain(c), &dest);
	if (!err)
		err = store_image_load(s, &match.v[0].manifest, &man, NULL);
	for (size_t i = 0; !err && i < man->n_layers; i++)
		err = push_blob(s, c, &dest, man->layers[i].digest, man->layers[i].size, quiet);
	if (!err)
		err = push_blob(s, c, &dest, man->config.digest, man->config.size, true);
	if (!err)
		err = store_blob_read(s, match.v[0].manifest.digest, 4u << 20, &body, &len);
	if (!err)
		err = registry_put_manifest(c, &dest, dest.tag ? dest.tag : dest.digest,
					    match.v[0].manifest.media_type, body, len);
	if (!err)
		printf(quiet ? "%s\n" : "Digest: %s\n", match.v[0].manifest.digest);
	free(body);
	oci_manifest_free(man);
	image_ref_free(&dest);
	store_match_free(&match);
	registry_client_free(c);
	store_close(s);
	if (err) {
		err = cubo_error_wrap(err, "push %s", args.v[0]);
		free(args.v);
		return mgr_fail(m, err);
	}
	free(args.v);
	return 0;
}

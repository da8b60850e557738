/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr import: a one-layer image from a root filesystem tarball. */
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
	char cd[CUBO_DIGEST_LEN + 1], md[CUBO_DIGEST_LEN + 1];
	int64_t mlen;
	struct oci_descriptor layer = {
		.media_type = (char *)mt, .digest = blob, .size = st.st_size};
	struct cubo_error *err = store_image_put(s, &cfg, &layer, 1, cd, md, &mlen);
	if (!err) {
		struct oci_descriptor d = {
			.media_type = OCI_MT_MANIFEST, .digest = md, .size = mlen};
		err = store_image_set(s, name, &d);
	}
	if (!err)
		memcpy(id, cd, CUBO_DIGEST_LEN + 1);
	oci_platform_free(&host);
	return err;
}

int cmd_import(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *message = NULL;
	const struct cli_opt opts[] = {
		{"message", 'm', CLI_STRING, &message, "TEXT", "the history entry of the layer"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "import",
		.usage = "import [OPTIONS] TARBALL|- [NAME[:TAG]]",
		MGR_ARGS(1, 2, "expected TARBALL and an optional NAME[:TAG]"),
		.description =
			"Make a one-layer image from a root filesystem tarball (plain, gzip\n"
			"or zstd; \"-\" reads stdin). Prints the image ID.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	char *name = NULL;
	if (args.n == 2) {
		struct image_ref r;
		if (!(err = image_ref_parse(args.v[1], NULL, &r))) {
			name = image_ref_string(&r);
			image_ref_free(&r);
		}
	}
	if (err)
		return mgr_usage_error(m, "import", err);
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
	if (err)
		return mgr_fail(m, cubo_error_wrap(err, "import %s", args.v[0]));
	printf("%s\n", id);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr push: upload an image to a registry. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/image/doc_limits.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/registry.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/mgr.h"

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
	struct cli_args args;
	bool quiet = false, tls_verify = true;
	const char *cert_dir = NULL;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only the digest"},
		{"tls-verify", 0, CLI_BOOL, &tls_verify, NULL, "verify the registry's certificate"},
		{"cert-dir", 0, CLI_STRING, &cert_dir, "DIR", "CA certificates for the registry"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "push",
		.usage = "push [OPTIONS] IMAGE [DESTINATION]",
		MGR_ARGS(1, 2, "expected IMAGE and an optional DESTINATION"),
		.description =
			"Upload an image to a registry: to its own name, or to DESTINATION.\n"
			"Blobs the registry has are not sent again.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
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
		err = store_blob_read(s, match.v[0].manifest.digest, MAX_MANIFEST_BYTES, &body,
				      &len);
	if (!err)
		err = registry_put_manifest(c, &dest, dest.tag ? dest.tag : dest.digest,
					    match.v[0].manifest.media_type, body, len);
	if (!err) {
		printf(quiet ? "%s\n" : "Digest: %s\n", match.v[0].manifest.digest);
		char *pushed = image_ref_string(&dest);
		ev_image(m->root, "push", pushed, NULL, &m->events_warned);
		free(pushed);
	}
	free(body);
	oci_manifest_free(man);
	image_ref_free(&dest);
	store_match_free(&match);
	registry_client_free(c);
	store_close(s);
	if (err)
		return mgr_fail(m, cubo_error_wrap(err, "push %s", args.v[0]));
	return 0;
}

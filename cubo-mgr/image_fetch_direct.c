/* SPDX-License-Identifier: Apache-2.0 */
/* image_fetch.h in-process: what cubo-mgr-image does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/image/layers.h"
#include "cubo-mgr/image/pull.h"
#include "cubo-mgr/image_fetch.h"

struct cubo_error *image_fetch_pull(struct mgr *m, struct store *s, const char *ref)
{
	return image_fetch_pull_platform(m, s, ref, NULL);
}

struct cubo_error *image_fetch_pull_platform(struct mgr *m, struct store *s, const char *ref,
					     const char *platform)
{
	struct registry_client *client = NULL;
	struct registry_opts ropts = {.auth_file = m->auth_file,
				      .tls_verify = true,
				      .registries_conf = m->registries_conf};
	struct pull_opts popts = {.progress = stderr,
				  .progress_tty = isatty(STDERR_FILENO),
				  .log = &m->log,
				  .platform = platform};
	struct pull_result res = {0};
	struct cubo_error *err = registry_client_new(&ropts, &client);
	if (!err) {
		popts.short_name_domain = registry_client_short_name_domain(client);
		err = image_pull(s, client, ref, &popts, &res);
	}
	if (!err)
		ev_image(m->root, "pull", res.name, NULL, &m->events_warned);
	registry_client_free(client);
	pull_result_free(&res);
	return err ? cubo_error_wrap(err, "pull %s", ref) : NULL;
}

struct cubo_error *image_fetch_extract(struct mgr *m, struct store *s,
				       const struct oci_descriptor *manifest)
{
	(void)m;
	struct oci_manifest *man;
	struct oci_image_config *cfg;
	CUBO_TRY(store_image_load(s, manifest, &man, &cfg));
	struct cubo_error *err = image_layers_extract(s, man, cfg);
	oci_manifest_free(man);
	oci_image_config_free(cfg);
	return err;
}

int mgr_delegate(struct mgr *m, int argc, char **argv)
{
	(void)m;
	(void)argc;
	(void)argv;
	abort(); /* cubo-mgr-image runs every command itself */
}

int cmd_extract_layers(struct mgr *m, int argc, char **argv)
{
	if (argc != 2)
		return mgr_usage_error(m, argv[0], cubo_error_new("expected a manifest digest"));
	struct store *s;
	struct cubo_error *err = store_open(m->root, &s);
	if (!err) {
		struct oci_descriptor d = {.digest = argv[1]};
		err = image_fetch_extract(m, s, &d);
		store_close(s);
	}
	return err ? mgr_fail(m, err) : 0;
}

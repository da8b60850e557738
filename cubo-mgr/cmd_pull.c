/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr pull: download an image into the store. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/image/pull.h"
#include "cubo-mgr/mgr.h"

/* the most layers --parallel downloads at once */
#define MAX_PARALLEL 64

int cmd_pull(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool quiet = false, tls_verify = true;
	const char *platform = NULL, *cert_dir = NULL;
	long parallel = 0;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only the image ID"},
		{"platform", 0, CLI_STRING, &platform, "OS/ARCH[/VARIANT]",
		 "pull this platform's image from a multi-platform index (default: this host's)"},
		{"tls-verify", 0, CLI_BOOL, &tls_verify, NULL,
		 "verify the registry's TLS certificate (default true; false also allows plain "
		 "HTTP)"},
		{"cert-dir", 0, CLI_STRING, &cert_dir, "DIR",
		 "CA certificates (*.crt) for the registry (default /etc/cubo/certs.d/HOST)"},
		{"parallel", 0, CLI_INT, &parallel, "N",
		 "download up to N layers at once (default 4)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "pull",
		.usage = "pull [OPTIONS] NAME[:TAG|@DIGEST]",
		MGR_ARGS(1, 1, "expected exactly one image reference"),
		.description =
			"Download an image and its layers from a registry into the store,\n"
			"extracting each layer while it downloads. The last line printed is\n"
			"the image ID.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (parallel < 0 || parallel > MAX_PARALLEL)
		return mgr_usage_error(
			m, "pull", cubo_error_new("--parallel %ld: expected 1 to 64", parallel));

	struct store *store = NULL;
	struct registry_client *client = NULL;
	struct pull_result res = {0};
	const char *ref = args.v[0];
	struct registry_opts ropts = {
		.auth_file = m->auth_file,
		.tls_verify = tls_verify,
		.certs_dir = cert_dir,
		.registries_conf = m->registries_conf,
	};
	struct pull_opts popts = {
		.platform = platform,
		.progress = quiet ? NULL : stdout,
		.progress_tty = isatty(STDOUT_FILENO),
		.parallel = (unsigned)parallel,
		.log = &m->log,
	};
	struct cubo_error *err = store_open(m->root, &store);
	if (!err && !(err = registry_client_new(&ropts, &client))) {
		popts.short_name_domain = registry_client_short_name_domain(client);
		err = image_pull(store, client, ref, &popts, &res);
	}
	registry_client_free(client);
	store_close(store);
	if (err)
		return mgr_fail(m, cubo_error_wrap(err, "pull %s", ref));
	ev_image(m->root, "pull", res.name, NULL, &m->events_warned);
	if (!quiet)
		printf("Digest: %s\nStored: %s\n", res.repo_digest, res.name);
	printf("%s\n", res.image_id);
	pull_result_free(&res);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr pull: download an image into the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/image/pull.h"
#include "cubo-mgr/image/registry_list.h"
#include "cubo-mgr/mgr.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* the most layers --parallel downloads at once */
#define MAX_PARALLEL 64

/* Whether the reference as typed names a tag or a digest ("x:1", "h:5000/x@sha256:..."). */
static bool names_version(const char *ref)
{
	const char *last = strrchr(ref, '/');
	return strchr(last ? last : ref, ':') || strchr(ref, '@');
}

/*
 * pull -a: every tag of the repository, one pull each as docker prints
 * them ("TAG: Pulling from REPO"), then the repository's name.
 */
static struct cubo_error *pull_all_tags(struct mgr *m, struct store *store,
					struct registry_client *client, const char *arg,
					const struct pull_opts *popts)
{
	struct image_ref ref;
	CUBO_TRY(image_ref_parse(arg, popts->short_name_domain, &ref));
	char **tags = NULL;
	struct cubo_error *err = registry_list_tags(client, &ref, &tags);
	char *repo = image_ref_name(&ref);
	if (!err && !tags[0])
		err = cubo_error_new("%s: the repository has no tags", repo);
	for (size_t i = 0; !err && tags[i]; i++) {
		char *one = xasprintf("%s:%s", repo, tags[i]);
		struct pull_result res = {0};
		if (popts->progress)
			printf("%s: Pulling from %s\n", tags[i], ref.path);
		err = image_pull(store, client, one, popts, &res);
		if (!err) {
			ev_image(m->root, "pull", res.name, NULL, &m->events_warned);
			if (popts->progress)
				printf("Digest: %s\nStored: %s\n", res.repo_digest, res.name);
		}
		pull_result_free(&res);
		if (err)
			err = cubo_error_wrap(err, "tag %s", tags[i]);
		free(one);
	}
	if (!err)
		printf("%s\n", repo);
	free(repo);
	cubo_strv_free(tags);
	image_ref_free(&ref);
	return err;
}

int cmd_pull(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool quiet = false, tls_verify = true, all_tags = false;
	const char *platform = NULL, *cert_dir = NULL;
	long parallel = 0;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only the image ID"},
		{"all-tags", 'a', CLI_BOOL, &all_tags, NULL,
		 "every tag of the repository (the registry's tag list)"},
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
	if (all_tags && names_version(args.v[0]))
		return mgr_usage_error(m, "pull",
				       cubo_error_new("tag can't be used with --all-tags/-a"));

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
		if (all_tags)
			err = pull_all_tags(m, store, client, ref, &popts);
		else
			err = image_pull(store, client, ref, &popts, &res);
	}
	registry_client_free(client);
	store_close(store);
	if (err)
		return mgr_fail(m, cubo_error_wrap(err, "pull %s", ref));
	if (all_tags)
		return 0;
	ev_image(m->root, "pull", res.name, NULL, &m->events_warned);
	if (!quiet)
		printf("Digest: %s\nStored: %s\n", res.repo_digest, res.name);
	printf("%s\n", res.image_id);
	pull_result_free(&res);
	return 0;
}

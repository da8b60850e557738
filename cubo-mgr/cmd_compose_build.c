/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr compose build, pull (and up's builds): the services' images through the
 * manager's own build and pull. A service with `build:` and no `image:` is built as
 * PROJECT-SERVICE, the name up runs it by.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cmd_compose.h"
#include "cubo-mgr/image/store.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

char *compose_image_of(const struct compose_project *p, const char *service,
		       const struct cnode *svc)
{
	const struct cnode *image = ctree_get(svc, "image");
	return image ? xstrdup(image->str) : xasprintf("%s-%s", p->name, service);
}

/* The image ID ref names in the store, or false. */
static bool image_id(struct mgr *m, const char *ref, char id[CUBO_DIGEST_LEN + 1])
{
	struct store *s;
	struct store_match match;
	struct cubo_error *err = store_open(m->root, &s);
	if (!err && !(err = store_image_find(s, ref, NULL, &match))) {
		memcpy(id, match.config_digest, CUBO_DIGEST_LEN + 1);
		store_match_free(&match);
	}
	store_close(s);
	bool found = !err;
	cubo_error_free(err);
	return found;
}

static bool image_present(struct mgr *m, const char *ref)
{
	char id[CUBO_DIGEST_LEN + 1];
	return image_id(m, ref, id);
}

bool compose_image_changed(struct mgr *m, const char *ref, const char *was)
{
	char id[CUBO_DIGEST_LEN + 1];
	return was && image_id(m, ref, id) && strcmp(id, was);
}

/* build -t IMAGE [-f FILE] [--build-arg K=V]... [--target T] CONTEXT */
static struct cubo_error *build_argv(const char *image, const struct cnode *b, char ***out)
{
	const struct cnode *ctx = ctree_get(b, "context"), *file = ctree_get(b, "dockerfile"),
			   *target = ctree_get(b, "target"), *args = ctree_get(b, "args");
	if (!ctx || strstr(ctx->str, "://") || ctree_get(b, "dockerfile_inline"))
		return cubo_error_new("only a directory is supported as a build context, with "
				      "a dockerfile in it");
	char **v = NULL;
	size_t n = 0;
	cubo_strv_push(&v, &n, "build");
	cubo_strv_push(&v, &n, "--tag");
	cubo_strv_push(&v, &n, image);
	if (file) {
		/* compose reads it from the context, build -f from the working directory */
		char *f = file->str[0] == '/' ? xstrdup(file->str)
					      : cubo_path_join(ctx->str, file->str);
		cubo_strv_push(&v, &n, "--file");
		cubo_strv_push(&v, &n, f);
		free(f);
	}
	for (size_t i = 0; args && i < args->n; i++) {
		if (ctree_is_null(args->v[i]))
			continue;
		char *kv = xasprintf("%s=%s", args->keys[i], args->v[i]->str);
		cubo_strv_push(&v, &n, "--build-arg");
		cubo_strv_push(&v, &n, kv);
		free(kv);
	}
	if (target) {
		cubo_strv_push(&v, &n, "--target");
		cubo_strv_push(&v, &n, target->str);
	}
	cubo_strv_push(&v, &n, ctx->str);
	*out = v;
	return NULL;
}

int compose_build_services(struct mgr *m, const struct compose_project *p, char *const *services,
			   bool always)
{
	const struct cnode *svcs = ctree_get(p->model, "services");
	int rc = 0;
	for (size_t i = 0; !rc && svcs && i < svcs->n; i++) {
		const struct cnode *b = ctree_get(svcs->v[i], "build");
		if (!b || (services && !cubo_strv_contains((char **)services, svcs->keys[i])))
			continue;
		char *image = compose_image_of(p, svcs->keys[i], svcs->v[i]);
		if (always || !image_present(m, image)) {
			char **argv = NULL;
			struct cubo_error *err = build_argv(image, b, &argv);
			if (err) {
				rc = mgr_fail(m, cubo_error_wrap(err, "service %s", svcs->keys[i]));
			} else {
				fprintf(stderr, " Service %s  Building\n", svcs->keys[i]);
				/* build's own output (its steps, the image ID) is for the user */
				rc = compose_dispatch(m, argv, true);
				if (!rc)
					fprintf(stderr, " Service %s  Built\n", svcs->keys[i]);
				cubo_strv_free(argv);
			}
		}
		free(image);
	}
	return rc;
}

int compose_remove_images(struct mgr *m, const struct compose_project *p, bool all)
{
	const struct cnode *svcs = ctree_get(p->model, "services");
	char **done = xcalloc(1, sizeof(char *));
	size_t n = 0;
	int rc = 0;
	for (size_t i = 0; !rc && svcs && i < svcs->n; i++) {
		/* local: the images compose named itself (built, no image:) */
		if (!all && ctree_get(svcs->v[i], "image"))
			continue;
		char *image = compose_image_of(p, svcs->keys[i], svcs->v[i]);
		if (!cubo_strv_contains(done, image) && image_present(m, image)) {
			char *rmi[] = {"rmi", image, NULL};
			rc = compose_dispatch(m, rmi, false);
			if (!rc)
				fprintf(stderr, " Image %s  Removed\n", image);
			cubo_strv_push(&done, &n, image);
		}
		free(image);
	}
	cubo_strv_free(done);
	return rc;
}

int compose_build_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	const struct mgr_cmd_spec spec = {
		.name = "compose build",
		.usage = "compose build [SERVICE...]",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = "Build the images of the services with build: (context, "
			       "dockerfile, args, target) through the manager's build, named as "
			       "their image: or PROJECT-SERVICE.",
	};
	struct compose_project p;
	int rc = compose_parse_load(m, c, &spec, argc, argv, &args, &p);
	if (rc >= 0)
		return rc;
	rc = compose_check_services(m, &p, &args);
	if (!rc)
		rc = compose_build_services(m, &p, args.n ? args.v : NULL, true);
	compose_project_free(&p);
	return rc;
}

int compose_pull_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	bool ignore_failures = false, quiet = false;
	const struct cli_opt opts[] = {
		{"ignore-pull-failures", 0, CLI_BOOL, &ignore_failures, NULL,
		 "go on after an image that cannot be pulled"},
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "no progress"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose pull",
		.usage = "compose pull [OPTIONS] [SERVICE...]",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = "Pull the services' images (those with build: are built, not "
			       "pulled, unless they name an image).",
		MGR_OPTS(opts),
	};
	struct compose_project p;
	int rc = compose_parse_load(m, c, &spec, argc, argv, &args, &p);
	if (rc >= 0)
		return rc;
	const struct cnode *svcs = ctree_get(p.model, "services");
	rc = compose_check_services(m, &p, &args);
	for (size_t i = 0; !rc && svcs && i < svcs->n; i++) {
		const struct cnode *image = ctree_get(svcs->v[i], "image");
		if (!image || (args.n && !cubo_strv_contains(args.v, svcs->keys[i])))
			continue;
		char *pull[] = {"pull", quiet ? "--quiet" : image->str, quiet ? image->str : NULL,
				NULL};
		fprintf(stderr, " Image %s  Pulling\n", image->str);
		rc = compose_dispatch(m, pull, false);
		/* a service that is built anyway needs no image from a registry */
		if (rc && (ignore_failures || ctree_get(svcs->v[i], "build"))) {
			fprintf(stderr, "%s: warning: service %s: %s could not be pulled\n",
				m->prog, svcs->keys[i], image->str);
			rc = 0;
		} else if (!rc) {
			fprintf(stderr, " Image %s  Pulled\n", image->str);
		}
	}
	compose_project_free(&p);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr compose build, pull (and up's builds): the services' images through the
 * manager's own build and pull. A service with `build:` and no `image:` is built as
 * PROJECT-SERVICE, the name up runs it by.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/builder/git_context.h"
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

/*
 * dockerfile_inline's text in a directory of its own (0700, under the temporary
 * directory) as its Dockerfile, for build -f; *dir: the directory, for the caller to
 * remove.
 */
static struct cubo_error *write_inline(const char *text, char **dir)
{
	const char *tmp = getenv("TMPDIR");
	char *d = xasprintf("%s/cubo-compose-inline-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d)) {
		struct cubo_error *err = cubo_error_errno("dockerfile_inline: mkdtemp %s", d);
		free(d);
		return err;
	}
	char *f = cubo_path_join(d, "Dockerfile");
	struct cubo_error *err = cubo_write_file_replace(f, text, strlen(text), 0600);
	free(f);
	if (err) {
		cubo_rm_rf(d);
		free(d);
		return cubo_error_wrap(err, "dockerfile_inline");
	}
	*dir = d;
	return NULL;
}

/*
 * build -t IMAGE [-f FILE] [--build-arg K=V]... [--target T] CONTEXT; with
 * dockerfile_inline, FILE is in *inline_file, a directory written here for the caller
 * to remove.
 */
static struct cubo_error *build_argv(const char *image, const struct cnode *b, char ***out,
				     char **inline_file)
{
	const struct cnode *ctx = ctree_get(b, "context"), *file = ctree_get(b, "dockerfile"),
			   *target = ctree_get(b, "target"), *args = ctree_get(b, "args"),
			   *text = ctree_get(b, "dockerfile_inline");
	*inline_file = NULL;
	bool git = ctx && git_context_is_url(ctx->str);
	if (!ctx || (strstr(ctx->str, "://") && !git))
		return cubo_error_new("build.context: %s: only a local directory or a git "
				      "repository is supported as a build context",
				      ctx ? ctx->str : "(none)");
	if (text)
		CUBO_TRY(write_inline(text->str, inline_file));
	char **v = NULL;
	size_t n = 0;
	cubo_strv_push(&v, &n, "build");
	cubo_strv_push(&v, &n, "--tag");
	cubo_strv_push(&v, &n, image);
	if (*inline_file) {
		char *f = cubo_path_join(*inline_file, "Dockerfile");
		cubo_strv_push(&v, &n, "--file");
		cubo_strv_push(&v, &n, f);
		free(f);
	} else if (file) {
		/*
		 * compose reads it from the context, build -f from the working directory
		 * (from a git repository's context: as given)
		 */
		char *f = file->str[0] == '/' || git ? xstrdup(file->str)
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
			char **argv = NULL, *inline_file = NULL;
			struct cubo_error *err = build_argv(image, b, &argv, &inline_file);
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
			if (inline_file) {
				struct cubo_error *rm = cubo_rm_rf(inline_file);
				cubo_error_free(rm);
			}
			free(inline_file);
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

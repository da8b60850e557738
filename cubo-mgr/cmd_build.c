/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr build: a Cubofile or Cubofile.toml into an image (see builder/builder.h). */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/builder/build_net.h"
#include "cubo-mgr/builder/builder.h"
#include "cubo-mgr/builder/git_context.h"
#include "cubo-mgr/cli.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/container/run_opts.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/mgr.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

static const char build_description[] =
	"Build an image from a Cubofile or Cubofile.toml. PATH (default \".\") is the\n"
	"build context: the files COPY and ADD can take, less those .cuboignore\n"
	"excludes. The build file is -f FILE, else PATH/Cubofile.toml, else\n"
	"PATH/Cubofile. The image is named -t NAME[:TAG], else after the context's\n"
	"directory (<dir>:latest). Steps whose inputs did not change come from the\n"
	"cache. Prints each step, then the image ID (only the ID with -q).\n\n"
	"PATH may be a git repository, as docker takes one: URL[#REF][:DIR], URL a\n"
	"git://, git@HOST:, github.com/ or http(s) address ending in .git, fetched\n"
	"one commit deep at REF (default HEAD) with git; DIR the context in it, and\n"
	"a relative -f FILE is found there.";

static struct cubo_error *normalize_tag(const char *s, char **out)
{
	struct image_ref r;
	CUBO_TRY_CTX(image_ref_parse(s, NULL, &r), "-t %s", s);
	if (r.digest) {
		image_ref_free(&r);
		return cubo_error_new("-t %s: a build cannot be named by a digest", s);
	}
	*out = image_ref_string(&r);
	image_ref_free(&r);
	return NULL;
}

/*
 * <dir>:latest, the way docker-compose and podman name a build without -t (for
 * a git repository, its name).
 */
static struct cubo_error *default_tag(const char *context, char **out)
{
	char *abs;
	if (git_context_is_url(context)) {
		abs = git_context_name(context);
		if (!abs)
			abs = xstrdup("image");
	} else {
		CUBO_TRY(cubo_realpath(context, &abs));
	}
	const char *base = strrchr(abs, '/');
	base = base && base[1] ? base + 1 : (base ? "image" : abs);
	char name[256];
	size_t n = 0;
	for (; *base && n < sizeof(name) - 8; base++)
		name[n++] = (char)tolower((unsigned char)*base);
	snprintf(name + n, sizeof(name) - n, ":latest");
	free(abs);
	struct cubo_error *err = normalize_tag(name, out);
	if (err)
		err = cubo_error_wrap(err,
				      "the context's directory cannot name the image; give -t");
	return err;
}

int cmd_build(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	char **tags = NULL, **build_args = NULL, **labels = NULL;
	const char *file = NULL, *target = NULL, *network = "default", *compress = "gzip";
	const char *iidfile = NULL;
	bool no_cache = false, quiet = false;
	const struct cli_opt opts[] = {
		{"tag", 't', CLI_LIST, &tags, "NAME[:TAG]", "name the image (repeatable)"},
		{"file", 'f', CLI_STRING, &file, "FILE",
		 "the build file (default: Cubofile.toml, "
		 "else Cubofile, in PATH)"},
		{"no-cache", 0, CLI_BOOL, &no_cache, NULL, "run every step, ignoring the cache"},
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only the image ID"},
		{"build-arg", 0, CLI_LIST, &build_args, "KEY=VALUE", "set an ARG (repeatable)"},
		{"target", 0, CLI_STRING, &target, "STAGE", "build up to this stage and keep it"},
		{"label", 0, CLI_LIST, &labels, "KEY=VALUE",
		 "add a label to the image (repeatable)"},
		{"iidfile", 0, CLI_STRING, &iidfile, "FILE", "write the image ID to FILE"},
		{"network", 0, CLI_STRING, &network, "NETWORK",
		 "RUN steps' network: default (the build's own, on the bridge), a network's "
		 "NAME, none, or host (trusted files only)"},
		{"compress", 0, CLI_STRING, &compress, "gzip|zstd",
		 "compression of new layers (default gzip)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "build",
		.usage = "build [OPTIONS] [PATH]",
		MGR_ARGS(0, 1, "expected at most one PATH"),
		.description = build_description,
		MGR_OPTS(opts),
		.count_error_says_n = true,
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		cubo_strv_free(tags);
		cubo_strv_free(build_args);
		cubo_strv_free(labels);
		return rc;
	}
	struct build_opts o = {
		.context = args.n ? args.v[0] : ".",
		.file = file,
		.build_args = build_args,
		.labels = labels,
		.target = target,
		.network = network,
		.no_cache = no_cache,
		.quiet = quiet,
		.out = stdout,
	};
	struct build_net check;
	struct cubo_error *err = build_net_init(&check, network);
	build_net_free(&check);
	if (!err)
		err = layer_compression_parse(compress, &o.compression);
	/* as run's: a label shows in inspect, ps and image listings, where an ESC would reach a
	 * terminal */
	for (size_t i = 0; !err && labels && labels[i]; i++) {
		char *kv = NULL;
		err = run_opt_parse_label("--label", labels[i], &kv);
		free(kv);
	}
	for (size_t i = 0; !err && build_args && build_args[i]; i++)
		if (!strchr(build_args[i], '=') || build_args[i][0] == '=')
			err = cubo_error_new("--build-arg %s: expected KEY=VALUE", build_args[i]);
	char **names = NULL;
	size_t n_names = 0;
	for (size_t i = 0; !err && tags && tags[i]; i++) {
		char *t;
		if (!(err = normalize_tag(tags[i], &t))) {
			cubo_strv_push(&names, &n_names, t);
			free(t);
		}
	}
	if (err) {
		cubo_strv_free(tags);
		cubo_strv_free(build_args);
		cubo_strv_free(labels);
		cubo_strv_free(names);
		return mgr_usage_error(m, "build", err);
	}
	if (!names) {
		char *t;
		if (!(err = default_tag(o.context, &t))) {
			cubo_strv_push(&names, &n_names, t);
			free(t);
		}
	}
	o.tags = names;
	char id[CUBO_DIGEST_LEN + 1];
	char *git_top = NULL, *git_ctx = NULL, *git_file = NULL;
	if (!err && git_context_is_url(o.context)) {
		err = git_context_fetch(o.context, &git_top, &git_ctx);
		if (!err) {
			o.context = git_ctx;
			/* docker: a relative -f names a file of the repository's context */
			if (file && file[0] != '/')
				o.file = git_file = cubo_path_join(git_ctx, file);
		}
	}
	if (!err)
		err = build_image(m, &o, id);
	if (git_top)
		cubo_error_free(cubo_rm_rf(git_top));
	free(git_top);
	free(git_ctx);
	free(git_file);
	if (!err && iidfile)
		err = cubo_error_wrap(cubo_write_file_atomic(iidfile, id, strlen(id), 0644),
				      "--iidfile");
	if (!err) {
		for (size_t i = 0; !quiet && names[i]; i++)
			printf("Successfully tagged %s\n", names[i]);
		printf("%s\n", id + strlen("sha256:"));
		ev_image(m->root, "build", id, names[0], &m->events_warned);
	}
	cubo_strv_free(tags);
	cubo_strv_free(build_args);
	cubo_strv_free(labels);
	cubo_strv_free(names);
	return err ? mgr_fail(m, err) : 0;
}

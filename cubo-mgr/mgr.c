/* SPDX-License-Identifier: Apache-2.0 */
/* What every command shares: its preamble, its errors, its JSON output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/image/progress.h"
#include "cubo-mgr/mgr.h"
#include "shared/json.h"
#include "shared/strv.h"

int mgr_fail(struct mgr *m, struct cubo_error *err)
{
	cubo_error_print(err, m->prog, stderr);
	cubo_error_free(err);
	return MGR_EXIT_FAILURE;
}

bool mgr_confirm(const char *warning)
{
	fprintf(stderr, "WARNING! %s\nAre you sure you want to continue? [y/N] ", warning);
	char line[16] = "";
	return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

int mgr_prune_done(struct mgr *m, struct cubo_error *err, uint64_t bytes)
{
	if (err)
		return mgr_fail(m, err);
	char size[16];
	progress_format_bytes(bytes, size);
	printf("Total reclaimed space: %s\n", size);
	return 0;
}

int mgr_print_json_array(struct mgr *m, char *const *names, int n, mgr_json_fn fn, void *ctx)
{
	int rc = 0;
	bool first = true;
	printf("[");
	for (int i = 0; i < n; i++) {
		char *out = NULL;
		struct cubo_error *err = fn(m, ctx, names[i], &out);
		if (err) {
			rc = mgr_fail(m, err);
			continue;
		}
		printf("%s%s", first ? "\n" : ",\n", out);
		first = false;
		free(out);
	}
	printf("%s]\n", first ? "" : "\n");
	return rc;
}

int mgr_usage_error(struct mgr *m, const char *cmd, struct cubo_error *err)
{
	char *text = cubo_error_text(err);
	fprintf(stderr, "%s %s: %s\nSee '%s %s --help'.\n", m->prog, cmd, text, m->prog, cmd);
	free(text);
	cubo_error_free(err);
	return MGR_EXIT_FAILURE;
}

int mgr_parse_args(struct mgr *m, const struct mgr_cmd_spec *spec, int argc, char **argv,
		   struct cli_args *args)
{
	struct cubo_error *err =
		cli_parse(argc, argv, spec->opts, spec->n_opts, spec->stop_at_arg, args);
	if (err)
		return mgr_usage_error(m, spec->name, err);
	if (args->help) {
		cli_print_help(stdout, m->prog, spec->usage, spec->description, spec->opts,
			       spec->n_opts);
		return 0;
	}
	bool too_few = args->n < spec->min_args;
	bool too_many = spec->max_args != MGR_ARGS_ANY && args->n > spec->max_args;
	if (spec->count_error && (too_few || too_many))
		return mgr_usage_error(
			m, spec->name,
			spec->count_error_says_n
				? cubo_error_new("%s, got %d arguments", spec->count_error, args->n)
				: cubo_error_new("%s", spec->count_error));
	return -1;
}

void mgr_list_subcommands(FILE *out, const struct mgr_subcommand *subs, size_t n, int width)
{
	for (size_t i = 0; i < n; i++)
		if (subs[i].summary)
			fprintf(out, "  %-*s %s\n", width, subs[i].name, subs[i].summary);
}

const struct mgr_subcommand *mgr_find_subcommand(const struct mgr_subcommand *subs, size_t n,
						 const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(subs[i].name, name))
			return &subs[i];
	return NULL;
}

char **mgr_full_argv(const struct mgr *m, char *const *w)
{
	static const char *const levels[] = {"error", "warn", "info", "debug"};
	char **v = NULL;
	size_t n = 0;
	cubo_strv_push(&v, &n, m->argv[0]);
	cubo_strv_push(&v, &n, "--root-dir");
	cubo_strv_push(&v, &n, m->root);
	cubo_strv_push(&v, &n, "--log-level");
	cubo_strv_push(&v, &n, levels[m->log.level < 4 ? m->log.level : 1]);
	const char *pairs[][2] = {{"--registries-conf", m->registries_conf},
				  {"--authfile", m->auth_file},
				  {"--runtime", m->runtime},
				  {"--cgroup-manager", m->cgroup_manager}};
	for (size_t i = 0; i < CLI_N(pairs); i++)
		if (pairs[i][1]) {
			cubo_strv_push(&v, &n, pairs[i][0]);
			cubo_strv_push(&v, &n, pairs[i][1]);
		}
	for (; *w; w++)
		cubo_strv_push(&v, &n, *w);
	return v;
}

int mgr_dispatch(struct mgr *m, int argc, char **argv)
{
	const struct mgr_subcommand *c = mgr_find_subcommand(m->commands, m->n_commands, argv[0]);
	if (!c) {
		fprintf(stderr, "%s: \"%s\" is not a %s command.\nSee '%s --help'.\n", m->prog,
			argv[0], m->prog, m->prog);
		return MGR_EXIT_FAILURE;
	}
	return c->fn(m, argc, argv);
}

int mgr_run_group(struct mgr *m, const char *group, const char *description,
		  const struct mgr_subcommand *subs, size_t n, int width, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		FILE *out = argc < 2 ? stderr : stdout;
		fprintf(out, "Usage: %s %s COMMAND\n\n%s\n\nCommands:\n", m->prog, group,
			description);
		mgr_list_subcommands(out, subs, n, width);
		return argc < 2 ? MGR_EXIT_FAILURE : 0;
	}
	const struct mgr_subcommand *c = mgr_find_subcommand(subs, n, argv[1]);
	if (!c)
		return mgr_usage_error(m, group, cubo_error_new("unknown command \"%s\"", argv[1]));
	return c->fn(m, argc - 1, argv + 1);
}

int mgr_run_subcommand(struct mgr *m, const char *group, const char *description,
		       const struct mgr_subcommand *subs, size_t n, int argc, char **argv)
{
	return mgr_run_group(m, group, description, subs, n, 11, argc, argv);
}

void mgr_json_kv(struct cubo_json_gen *g, const char *key, const char *value)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_string(g, value ? value : "");
}

void mgr_print_json_line(struct cubo_json_gen *g)
{
	char *out;
	size_t len;
	struct cubo_error *err = cubo_json_gen_finish(g, &out, &len);
	if (err) {
		cubo_error_free(err);
		return;
	}
	printf("%s\n", out);
	free(out);
}

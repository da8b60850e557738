/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr compose [-f FILE]... [-p NAME] [--env-file F] [--profile P] COMMAND: compose files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/compose/interp.h"
#include "cubo-mgr/compose/project.h"
#include "cubo-mgr/mgr.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* The project's flags, given before the command. */
struct compose_cli {
	char **files, **env_files, **profiles;
	const char *name;
	const char *project_dir;
};

typedef int (*compose_fn)(struct mgr *m, struct compose_cli *c, int argc, char **argv);

static int load(struct mgr *m, struct compose_cli *c, struct compose_project *p)
{
	extern char **environ;
	char *cwd = c->project_dir ? realpath(c->project_dir, NULL) : getcwd(NULL, 0);
	if (!cwd)
		return mgr_fail(m,
				cubo_error_errno("%s", c->project_dir ? c->project_dir
								      : "the working directory"));
	const struct compose_opts o = {
		.files = c->files,
		.name = c->name,
		.env_files = c->env_files,
		.profiles = c->profiles,
		.environ = environ,
		.cwd = cwd,
	};
	struct cubo_error *err = compose_project_load(&o, p);
	free(cwd);
	if (err) {
		compose_project_free(p);
		return mgr_fail(m, err);
	}
	for (size_t i = 0; p->unset && p->unset[i]; i++)
		fprintf(stderr,
			"%s: warning: the \"%s\" variable is not set. Defaulting to a blank "
			"string.\n",
			m->prog, p->unset[i]);
	return -1;
}

static void print_names(const struct cnode *map)
{
	for (size_t i = 0; map && i < map->n; i++)
		printf("%s\n", map->keys[i]);
}

static int config_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	bool quiet = false, services = false, volumes = false, profiles = false, networks = false;
	const char *format = "yaml", *output = NULL;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "only check the files, print nothing"},
		{"services", 0, CLI_BOOL, &services, NULL, "print the services' names"},
		{"volumes", 0, CLI_BOOL, &volumes, NULL, "print the volumes' names"},
		{"networks", 0, CLI_BOOL, &networks, NULL, "print the networks' names"},
		{"profiles", 0, CLI_BOOL, &profiles, NULL, "print the profiles services name"},
		{"format", 0, CLI_STRING, &format, "yaml|json", "the output's format"},
		{"output", 'o', CLI_STRING, &output, "FILE", "write to FILE instead of stdout"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose config",
		.usage = "compose config [OPTIONS] [SERVICE...]",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = "Check the compose files and print the resolved model: files "
			       "merged, variables replaced, every short syntax in its long form.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (strcmp(format, "yaml") && strcmp(format, "json"))
		return mgr_usage_error(m, "compose config",
				       cubo_error_new("--format: \"%s\": yaml or json", format));
	struct compose_project p;
	if ((rc = load(m, c, &p)) >= 0)
		return rc;
	struct cnode *svcs = ctree_get(p.model, "services");
	for (int i = 0; i < args.n; i++)
		if (!ctree_get(svcs, args.v[i])) {
			compose_project_free(&p);
			return mgr_fail(m, cubo_error_new("no such service: %s", args.v[i]));
		}
	/* the services named and those they depend on, as compose */
	char **keep = NULL;
	size_t n_keep = 0;
	for (int i = 0; i < args.n; i++)
		cubo_strv_push(&keep, &n_keep, args.v[i]);
	for (size_t i = 0; i < n_keep; i++) {
		const struct cnode *deps = ctree_get(ctree_get(svcs, keep[i]), "depends_on");
		for (size_t j = 0; deps && j < deps->n; j++)
			if (!cubo_strv_contains(keep, deps->keys[j]))
				cubo_strv_push(&keep, &n_keep, deps->keys[j]);
	}
	for (size_t i = 0; keep && i < svcs->n;) {
		if (!cubo_strv_contains(keep, svcs->keys[i]))
			ctree_del(svcs, svcs->keys[i]);
		else
			i++;
	}
	cubo_strv_free(keep);
	rc = 0;
	if (quiet) {
	} else if (services) {
		print_names(svcs);
	} else if (volumes) {
		print_names(ctree_get(p.model, "volumes"));
	} else if (networks) {
		print_names(ctree_get(p.model, "networks"));
	} else if (profiles) {
		/* the profiles every service names, whether active or not, from the files */
		char **all = NULL;
		size_t n = 0;
		for (size_t i = 0; svcs && i < svcs->n; i++) {
			const struct cnode *pr = ctree_get(svcs->v[i], "profiles");
			for (size_t j = 0; pr && j < pr->n; j++)
				if (!cubo_strv_contains(all, pr->v[j]->str))
					cubo_strv_push(&all, &n, pr->v[j]->str);
		}
		for (size_t i = 0; i < n; i++)
			printf("%s\n", all[i]);
		cubo_strv_free(all);
	} else {
		char *text;
		size_t len;
		/* as docker compose: the output is a compose file that reads back the same */
		compose_escape_dollars(p.model);
		struct cubo_error *err = !strcmp(format, "json")
						 ? ctree_to_json(p.model, &text, &len)
						 : ctree_to_yaml(p.model, &text, &len);
		if (!err && output) {
			FILE *f = fopen(output, "w");
			if (!f || fwrite(text, 1, len, f) != len || fclose(f))
				err = cubo_error_errno("%s", output);
		} else if (!err) {
			fwrite(text, 1, len, stdout);
			if (!strcmp(format, "json"))
				putchar('\n');
		}
		if (!err)
			free(text);
		if (err)
			rc = mgr_fail(m, err);
	}
	compose_project_free(&p);
	return rc;
}

struct compose_sub {
	const char *name;
	compose_fn fn;
	const char *summary;
};

static const struct compose_sub subs[] = {
	{"config", config_cmd, "check the files and print the resolved model"},
};

int cmd_compose(struct mgr *m, int argc, char **argv)
{
	struct compose_cli c = {0};
	struct cli_args args;
	const struct cli_opt opts[] = {
		{"file", 'f', CLI_LIST, &c.files, "FILE",
		 "a compose file (- for stdin); repeat to merge"},
		{"project-name", 'p', CLI_STRING, &c.name, "NAME", "the project's name"},
		{"env-file", 0, CLI_LIST, &c.env_files, "FILE",
		 "variables from FILE instead of .env"},
		{"profile", 0, CLI_LIST, &c.profiles, "NAME", "enable the services of a profile"},
		{"project-directory", 0, CLI_STRING, &c.project_dir, "DIR",
		 "look for the files in DIR (default: the working directory)"},
	};
	struct cubo_error *err = cli_parse(argc, argv, opts, CLI_N(opts), true, &args);
	int rc;
	if (err) {
		rc = mgr_usage_error(m, "compose", err);
	} else if (args.help || !args.n) {
		FILE *out = args.help ? stdout : stderr;
		cli_print_help(
			out, m->prog, "compose [OPTIONS] COMMAND",
			"Run multi-container applications from compose files (compose.yaml, "
			"compose.yml, docker-compose.yml, docker-compose.yaml in the working "
			"directory or a parent).",
			opts, CLI_N(opts));
		fprintf(out, "\nCommands:\n");
		for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++)
			fprintf(out, "  %-10s %s\n", subs[i].name, subs[i].summary);
		rc = args.help ? 0 : MGR_EXIT_FAILURE;
	} else {
		rc = -1;
		for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++)
			if (!strcmp(subs[i].name, args.v[0]))
				rc = subs[i].fn(m, &c, args.n, args.v);
		if (rc < 0)
			rc = mgr_usage_error(m, "compose",
					     cubo_error_new("unknown command \"%s\"", args.v[0]));
	}
	cubo_strv_free(c.files);
	cubo_strv_free(c.env_files);
	cubo_strv_free(c.profiles);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr compose run: a one-off container of a service, PROJECT-SERVICE-run-HEX, made
 * from the service's model with the command line's changes, after what it depends on is
 * up; attached (the manager's run) unless -d.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cubo-mgr/cmd_compose.h"
#include "cubo-mgr/compose/run_args.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

struct run_flags {
	bool rm, detach, no_deps, no_tty, service_ports;
	const char *name, *entrypoint, *user, *workdir;
	char **env, **publish;
};

static void set_scalar(struct cnode *svc, const char *key, const char *value)
{
	ctree_set(svc, key, ctree_scalar(NULL, 0, value, false));
}

/* The service's model as the command line changes it (command, environment, ...). */
static void apply(struct cnode *svc, const struct run_flags *f, const char *name, int argc,
		  char **argv)
{
	extern char **environ;
	set_scalar(svc, "container_name", name);
	/* as compose: a one-off container neither restarts nor publishes the service's ports */
	ctree_del(svc, "restart");
	if (!f->service_ports)
		ctree_del(svc, "ports");
	if (argc > 0) {
		struct cnode *cmd = ctree_new(CTREE_SEQ, NULL, 0);
		for (int i = 0; i < argc; i++)
			ctree_push(cmd, ctree_scalar(NULL, 0, argv[i], false));
		ctree_set(svc, "command", cmd);
	}
	if (f->entrypoint) {
		struct cnode *ep = ctree_new(CTREE_SEQ, NULL, 0);
		ctree_push(ep, ctree_scalar(NULL, 0, f->entrypoint, false));
		ctree_set(svc, "entrypoint", ep);
	}
	if (f->user)
		set_scalar(svc, "user", f->user);
	if (f->workdir)
		set_scalar(svc, "working_dir", f->workdir);
	struct cnode *env = ctree_get(svc, "environment");
	if (f->env && !env) {
		env = ctree_new(CTREE_MAP, NULL, 0);
		ctree_set(svc, "environment", env);
	}
	for (size_t i = 0; f->env && f->env[i]; i++) {
		char *k = xstrdup(f->env[i]), *eq = strchr(k, '=');
		const char *v = eq ? eq + 1 : cubo_strv_env_get(environ, k);
		if (eq)
			*eq = '\0';
		if (v)
			ctree_set(env, k, ctree_scalar(NULL, 0, v, false));
		free(k);
	}
}

/* run's argv for the one-off container: labelled one-off, attached unless -d. */
static void adjust(char ***argv, const struct run_flags *f)
{
	char **v = *argv, **out = NULL;
	size_t n = 0;
	const char *oneoff = COMPOSE_LABEL_ONEOFF "=False";
	cubo_strv_push(&out, &n, v[0]);
	if (f->detach)
		cubo_strv_push(&out, &n, "--detach");
	else
		cubo_strv_push(&out, &n, "--interactive");
	if (!f->detach && !f->no_tty && isatty(STDIN_FILENO))
		cubo_strv_push(&out, &n, "--tty");
	if (f->rm)
		cubo_strv_push(&out, &n, "--rm");
	for (size_t i = 0; f->publish && f->publish[i]; i++) {
		cubo_strv_push(&out, &n, "--publish");
		cubo_strv_push(&out, &n, f->publish[i]);
	}
	for (size_t i = 1; v[i]; i++) {
		if (!strcmp(v[i], "--detach"))
			continue;
		cubo_strv_push(&out, &n,
			       !strcmp(v[i], oneoff) ? COMPOSE_LABEL_ONEOFF "=True" : v[i]);
	}
	cubo_strv_free(v);
	*argv = out;
}

int compose_run_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	struct run_flags f = {0};
	const struct cli_opt opts[] = {
		{"rm", 0, CLI_BOOL, &f.rm, NULL, "remove the container when it exits"},
		{"detach", 'd', CLI_BOOL, &f.detach, NULL, "run in the background, print its name"},
		{"env", 'e', CLI_LIST, &f.env, "KEY[=VALUE]", "set an environment variable"},
		{"name", 0, CLI_STRING, &f.name, "NAME", "the container's name"},
		{"entrypoint", 0, CLI_STRING, &f.entrypoint, "CMD", "the entrypoint instead"},
		{"user", 'u', CLI_STRING, &f.user, "USER[:GROUP]", "run as that user"},
		{"workdir", 'w', CLI_STRING, &f.workdir, "DIR", "the working directory"},
		{"no-deps", 0, CLI_BOOL, &f.no_deps, NULL,
		 "do not start the services it depends on"},
		{"publish", 'p', CLI_LIST, &f.publish, "[IP:]HOST:CTR", "publish a port"},
		{"service-ports", 0, CLI_BOOL, &f.service_ports, NULL,
		 "publish the service's ports"},
		{"no-TTY", 'T', CLI_BOOL, &f.no_tty, NULL,
		 "no terminal (the default when stdin is not one)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose run",
		.usage = "compose run [OPTIONS] SERVICE [COMMAND [ARG...]]",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected a service"),
		.description = "Run a one-off container of the service "
			       "(PROJECT-SERVICE-run-HEX), what it depends on started first; "
			       "attached, with the command's exit code, unless -d.",
		MGR_OPTS(opts),
		.stop_at_arg = true,
	};
	struct compose_project p;
	int rc = compose_parse_load(m, c, &spec, argc, argv, &args, &p);
	if (rc >= 0) {
		cubo_strv_free(f.env);
		cubo_strv_free(f.publish);
		return rc;
	}
	const char *service = args.v[0];
	const struct cnode *svc = ctree_get(ctree_get(p.model, "services"), service);
	char *name = NULL;
	char **run = NULL, **ignored = NULL;
	if (!svc) {
		rc = mgr_fail(m, cubo_error_new("no such service: %s", service));
		goto out;
	}
	if (f.name) {
		name = xstrdup(f.name);
	} else {
		unsigned char r[6];
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
			rc = mgr_fail(m, cubo_error_errno("getrandom"));
			goto out;
		}
		name = xasprintf("%s-%s-run-%02x%02x%02x%02x%02x%02x", p.name, service, r[0], r[1],
				 r[2], r[3], r[4], r[5]);
	}
	rc = compose_up_dependencies(m, &p, service, !f.no_deps);
	if (rc)
		goto out;
	struct cnode *one = ctree_copy(svc);
	apply(one, &f, name, args.n - 1, args.v + 1);
	char hash[65];
	struct cubo_error *err = compose_config_hash(one, hash);
	if (!err)
		err = compose_run_args(&p, service, one, 1, hash, &run, &ignored);
	ctree_free(one);
	if (err) {
		rc = mgr_fail(m, err);
		goto out;
	}
	adjust(&run, &f);
	if (f.detach) {
		rc = compose_dispatch(m, run, false);
		if (!rc)
			printf("%s\n", name);
	} else {
		rc = mgr_dispatch(m, (int)cubo_strv_len(run), run);
	}
out:
	cubo_strv_free(run);
	cubo_strv_free(ignored);
	free(name);
	cubo_strv_free(f.env);
	cubo_strv_free(f.publish);
	compose_project_free(&p);
	return rc;
}

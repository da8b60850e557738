/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr compose start, stop, restart, kill, rm, pause, unpause, top: the manager's own
 * command of that name on the project's containers of the SERVICE arguments (every
 * service's when none), in up's order, or its reverse for what stops them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/cmd_compose.h"
#include "cubo-mgr/compose/run_args.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* How one compose command becomes the manager's. */
struct forward {
	const char *cmd;	  /* the manager's command */
	enum compose_which which; /* the containers it acts on */
	bool reverse;		  /* dependents first */
	const char *done;	  /* said of each container after, or NULL */
	bool confirm;		  /* asked on stdin first */
	const char *none;	  /* said when no container is as which says, or NULL */
};

/* cmd FLAGS... NAMES... with the containers of the project's SERVICE arguments. */
static int forward(struct mgr *m, struct compose_cli *c, const struct cli_args *args,
		   const struct forward *f, char **flags)
{
	struct compose_project p;
	int rc = compose_load(m, c, &p);
	if (rc >= 0)
		return rc;
	char **names;
	if ((rc = compose_targets(m, &p, args, f->which, &names)) >= 0) {
		compose_project_free(&p);
		return rc;
	}
	size_t n = cubo_strv_len(names);
	if (f->reverse)
		for (size_t i = 0; i < n / 2; i++) {
			char *t = names[i];
			names[i] = names[n - 1 - i];
			names[n - 1 - i] = t;
		}
	rc = 0;
	if (!n && f->none)
		fprintf(stderr, "%s\n", f->none);
	if (n && f->confirm) {
		fprintf(stderr, "Going to remove");
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s %s", i ? "," : "", names[i]);
		fprintf(stderr, "\nAre you sure? [yN] ");
		char line[16] = "";
		if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
			n = 0;
	}
	if (n) {
		char **argv = NULL;
		size_t k = 0;
		cubo_strv_push(&argv, &k, f->cmd);
		for (size_t i = 0; flags && flags[i]; i++)
			cubo_strv_push(&argv, &k, flags[i]);
		for (size_t i = 0; i < n; i++)
			cubo_strv_push(&argv, &k, names[i]);
		rc = compose_dispatch(m, argv, false);
		cubo_strv_free(argv);
	}
	for (size_t i = 0; !rc && f->done && i < n; i++)
		fprintf(stderr, " Container %s  %s\n", names[i], f->done);
	cubo_strv_free(names);
	compose_project_free(&p);
	return rc;
}

/* A compose flag passed on to the manager's command: its value, or itself when set. */
struct pass {
	const char *flag;
	const char **value;
	bool *set;
};

static int simple_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv,
		      const char *usage, const char *description, const struct cli_opt *opts,
		      size_t n_opts, const struct forward *f, const struct pass *pass,
		      size_t n_pass)
{
	struct cli_args args;
	char *name = xasprintf("compose %s", argv[0]);
	const struct mgr_cmd_spec spec = {
		.name = name,
		.usage = usage,
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = description,
		.opts = opts,
		.n_opts = n_opts,
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	free(name);
	if (rc >= 0)
		return rc;
	char **flags = xcalloc(1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n_pass; i++) {
		if (pass[i].value && *pass[i].value) {
			cubo_strv_push(&flags, &k, pass[i].flag);
			cubo_strv_push(&flags, &k, *pass[i].value);
		} else if (pass[i].set && *pass[i].set) {
			cubo_strv_push(&flags, &k, pass[i].flag);
		}
	}
	rc = forward(m, c, &args, f, flags);
	cubo_strv_free(flags);
	return rc;
}

int compose_start_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	const struct forward f = {"start", COMPOSE_STOPPED, false, "Started"};
	return simple_cmd(m, c, argc, argv, "compose start [SERVICE...]",
			  "Start the project's stopped containers, dependencies first.", NULL, 0,
			  &f, NULL, 0);
}

static int stop_like(struct mgr *m, struct compose_cli *c, int argc, char **argv, bool restart)
{
	const char *timeout = NULL;
	const struct cli_opt opts[] = {
		{"timeout", 't', CLI_STRING, &timeout, "SECONDS",
		 "SIGKILL after that long (default: each container's stop timeout)"},
	};
	const struct pass pass[] = {{"--time", &timeout, NULL}};
	const struct forward stop = {"stop", COMPOSE_UP, true, "Stopped"},
			     again = {"restart", COMPOSE_ALL, false, "Started"};
	return simple_cmd(
		m, c, argc, argv,
		restart ? "compose restart [OPTIONS] [SERVICE...]"
			: "compose stop [OPTIONS] [SERVICE...]",
		restart ? "Restart the project's containers (stopped ones are started)."
			: "Stop the project's running containers (their stop signal, then "
			  "SIGKILL), dependents first.",
		opts, CLI_N(opts), restart ? &again : &stop, pass, CLI_N(pass));
}

int compose_stop_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	return stop_like(m, c, argc, argv, false);
}

int compose_restart_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	return stop_like(m, c, argc, argv, true);
}

int compose_kill_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	const char *sig = NULL;
	const struct cli_opt opts[] = {
		{"signal", 's', CLI_STRING, &sig, "SIGNAL", "the signal (default SIGKILL)"},
	};
	const struct pass pass[] = {{"--signal", &sig, NULL}};
	const struct forward f = {"kill", COMPOSE_UP, true, "Killed"};
	return simple_cmd(m, c, argc, argv, "compose kill [OPTIONS] [SERVICE...]",
			  "Send a signal to the project's running containers.", opts, CLI_N(opts),
			  &f, pass, CLI_N(pass));
}

static int pause_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv, bool pause)
{
	const struct forward f = {pause ? "pause" : "unpause",
				  pause ? COMPOSE_RUNNING : COMPOSE_PAUSED, false,
				  pause ? "Paused" : "Unpaused"};
	return simple_cmd(m, c, argc, argv,
			  pause ? "compose pause [SERVICE...]" : "compose unpause [SERVICE...]",
			  pause ? "Freeze the processes of the project's running containers."
				: "Thaw the processes of the project's paused containers.",
			  NULL, 0, &f, NULL, 0);
}

int compose_pause_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	return pause_cmd(m, c, argc, argv, true);
}

int compose_unpause_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	return pause_cmd(m, c, argc, argv, false);
}

int compose_rm_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	bool force = false, stop = false, volumes = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "do not ask"},
		{"stop", 's', CLI_BOOL, &stop, NULL, "stop the running containers first"},
		{"volumes", 'v', CLI_BOOL, &volumes, NULL, "their anonymous volumes too"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose rm",
		.usage = "compose rm [OPTIONS] [SERVICE...]",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = "Remove the project's stopped containers (after asking, unless -f).",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	const struct forward fs = {"stop", COMPOSE_UP, true, "Stopped"};
	if (stop && (rc = forward(m, c, &args, &fs, NULL)))
		return rc;
	const struct forward f = {"rm",	     COMPOSE_STOPPED, true,
				  "Removed", !force,	      "No stopped containers"};
	char *flags[] = {volumes ? "--volumes" : NULL, NULL};
	return forward(m, c, &args, &f, flags);
}

int compose_top_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	const struct mgr_cmd_spec spec = {
		.name = "compose top",
		.usage = "compose top [SERVICE...]",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = "The processes of each running container of the project, after "
			       "its name.",
	};
	struct compose_project p;
	int rc = compose_parse_load(m, c, &spec, argc, argv, &args, &p);
	if (rc >= 0)
		return rc;
	char **names;
	if ((rc = compose_targets(m, &p, &args, COMPOSE_UP, &names)) < 0) {
		rc = 0;
		for (size_t i = 0; !rc && names[i]; i++) {
			char *top[] = {"top", names[i], NULL};
			printf("%s\n", names[i]);
			rc = compose_dispatch(m, top, true);
			printf("\n");
		}
		cubo_strv_free(names);
	}
	compose_project_free(&p);
	return rc;
}

/* The name of container index of the SERVICE argument: -1 when found, else the exit code. */
static int service_container(struct mgr *m, const struct compose_project *p, const char *service,
			     long index, char **name)
{
	const struct cnode *svc = ctree_get(ctree_get(p->model, "services"), service);
	if (!svc)
		return mgr_fail(m, cubo_error_new("no such service: %s", service));
	if (index < 1 || index > 100000)
		return mgr_fail(m, cubo_error_new("--index %ld: expected 1 or more", index));
	*name = compose_container_name(p, service, svc, (int)index);
	return -1;
}

int compose_port_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	const char *proto = "tcp";
	long index = 1;
	const struct cli_opt opts[] = {
		{"protocol", 0, CLI_STRING, &proto, "tcp|udp", "the port's protocol"},
		{"index", 0, CLI_INT, &index, "N", "the service's Nth container (default 1)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose port",
		.usage = "compose port [OPTIONS] SERVICE PRIVATE_PORT",
		MGR_ARGS(2, 2, "expected a service and a port"),
		.description = "Print the host address a container port of the service is "
			       "published on.",
		MGR_OPTS(opts),
	};
	struct compose_project p;
	int rc = compose_parse_load(m, c, &spec, argc, argv, &args, &p);
	if (rc >= 0)
		return rc;
	char *name = NULL;
	if ((rc = service_container(m, &p, args.v[0], index, &name)) < 0) {
		struct ctr_ctx cc;
		struct ctr_record r;
		struct cubo_error *err = ctr_ctx_open(m, &cc);
		if (!err && !(err = ctr_find(&cc, name, &r))) {
			/* recorded as HOSTIP:HOSTPORT->CTR/PROTO */
			char *want = xasprintf("->%s/%s", args.v[1], proto);
			char *const *ports = ctr_shown_ports(&r);
			const char *found = NULL;
			for (size_t i = 0; !found && ports && ports[i]; i++) {
				const char *arrow = strstr(ports[i], "->");
				if (arrow && !strcmp(arrow, want))
					found = ports[i];
			}
			if (found)
				printf("%.*s\n", (int)(strstr(found, "->") - found), found);
			else
				err = cubo_error_new("no port %s/%s published for service %s",
						     args.v[1], proto, args.v[0]);
			free(want);
			ctr_record_free(&r);
		}
		ctr_ctx_close(&cc);
		rc = err ? mgr_fail(m, err) : 0;
	}
	free(name);
	compose_project_free(&p);
	return rc;
}

int compose_exec_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	bool detach = false, no_tty = false, privileged = false;
	const char *user = NULL, *workdir = NULL;
	char **env = NULL;
	long index = 1;
	const struct cli_opt opts[] = {
		{"detach", 'd', CLI_BOOL, &detach, NULL, "run the command in the background"},
		{"no-TTY", 'T', CLI_BOOL, &no_tty, NULL,
		 "no terminal (the default when stdin is not one)"},
		{"user", 'u', CLI_STRING, &user, "USER[:GROUP]", "run as that user"},
		{"env", 'e', CLI_LIST, &env, "KEY=VALUE", "set an environment variable"},
		{"workdir", 'w', CLI_STRING, &workdir, "DIR", "the working directory"},
		{"privileged", 0, CLI_BOOL, &privileged, NULL, "every capability"},
		{"index", 0, CLI_INT, &index, "N", "the service's Nth container (default 1)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose exec",
		.usage = "compose exec [OPTIONS] SERVICE COMMAND [ARG...]",
		MGR_ARGS(2, MGR_ARGS_ANY, "expected a service and a command"),
		.description = "Run a command in a running container of the service, with stdin "
			       "and, when stdin is a terminal, a terminal. Exits with the "
			       "command's code.",
		MGR_OPTS(opts),
		.stop_at_arg = true,
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	struct compose_project p;
	if (rc < 0 && (rc = compose_load(m, c, &p)) < 0) {
		char *name = NULL;
		if ((rc = service_container(m, &p, args.v[0], index, &name)) < 0) {
			char **v = NULL;
			size_t n = 0;
			cubo_strv_push(&v, &n, "exec");
			if (detach)
				cubo_strv_push(&v, &n, "--detach");
			else
				cubo_strv_push(&v, &n, "--interactive");
			if (!detach && !no_tty && isatty(STDIN_FILENO))
				cubo_strv_push(&v, &n, "--tty");
			const char *pairs[][2] = {{"--user", user}, {"--workdir", workdir}};
			for (size_t i = 0; i < CLI_N(pairs); i++)
				if (pairs[i][1]) {
					cubo_strv_push(&v, &n, pairs[i][0]);
					cubo_strv_push(&v, &n, pairs[i][1]);
				}
			for (size_t i = 0; env && env[i]; i++) {
				cubo_strv_push(&v, &n, "--env");
				cubo_strv_push(&v, &n, env[i]);
			}
			if (privileged)
				cubo_strv_push(&v, &n, "--privileged");
			cubo_strv_push(&v, &n, name);
			for (int i = 1; i < args.n; i++)
				cubo_strv_push(&v, &n, args.v[i]);
			rc = mgr_dispatch(m, (int)n, v);
			cubo_strv_free(v);
			free(name);
		}
		compose_project_free(&p);
	}
	cubo_strv_free(env);
	return rc;
}

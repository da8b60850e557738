/* SPDX-License-Identifier: Apache-2.0 */
/* What the compose commands share: the project loaded from the flags, its containers. */
#ifndef CUBO_MGR_CMD_COMPOSE_H
#define CUBO_MGR_CMD_COMPOSE_H

#include <stdbool.h>
#include <sys/types.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/compose/project.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/mgr.h"

/* The project's flags, given before the command. */
struct compose_cli {
	char **files, **env_files, **profiles;
	const char *name;
	const char *project_dir;
};

/* Load the project of the flags; -1 when loaded, else the exit code (the error said). */
int compose_load(struct mgr *m, struct compose_cli *c, struct compose_project *p);

/* mgr_parse_args, then compose_load: -1 when both went well, else the exit code. */
int compose_parse_load(struct mgr *m, struct compose_cli *c, const struct mgr_cmd_spec *spec,
		       int argc, char **argv, struct cli_args *args, struct compose_project *p);

/*
 * One of the manager's own commands in a fork (argv[0] the command), its stdout dropped
 * unless keep_stdout: its exit code.
 */
int compose_dispatch(struct mgr *m, char **argv, bool keep_stdout);
/* The same, not waited for: the fork's pid in *pid, for waitpid. */
struct cubo_error *compose_dispatch_start(struct mgr *m, char **argv, bool keep_stdout, pid_t *pid);

/* The label key=value of a record, or NULL. */
const char *compose_label(const struct ctr_record *r, const char *key);

/* The project's containers (records with its label). */
struct cubo_error *compose_containers(struct ctr_ctx *c, const char *project,
				      struct ctr_record **out, size_t *n);

/* 0 when every SERVICE argument is a service of the model, else the exit code (said). */
int compose_check_services(struct mgr *m, const struct compose_project *p,
			   const struct cli_args *args);

enum compose_which {
	COMPOSE_UP, /* running or paused */
	COMPOSE_ALL,
	COMPOSE_STOPPED, /* neither */
	COMPOSE_RUNNING,
	COMPOSE_PAUSED,
};

/*
 * The names of the project's containers of the SERVICE arguments (every service when
 * none) that are as which says, in up's order (a service's by number); one-off ones (of
 * compose run) left out. -1 when done, else the exit code. Error: a service the model
 * does not have.
 */
int compose_targets(struct mgr *m, const struct compose_project *p, const struct cli_args *args,
		    enum compose_which which, char ***names);

/*
 * The networks and volumes, and (with deps) the services service depends on, made and
 * started as up does.
 */
int compose_up_dependencies(struct mgr *m, const struct compose_project *p, const char *service,
			    bool deps);

/* A container's name as compose shows it: without "PROJECT-". */
const char *compose_short_name(const struct compose_project *p, const char *name);

struct compose_log_opts {
	bool follow, timestamps, colour, no_prefix;
	const char *tail, *since, *until; /* as logs takes them, or NULL */
	/*
	 * Attached up: each SIGINT, SIGTERM and SIGCHLD while following, handed over
	 * instead of ending it (true: end it now). NULL: the first SIGINT or SIGTERM ends it.
	 */
	bool (*on_signal)(void *arg, int signo);
	void *arg;
};

/*
 * The logs of the containers names, each line after its short name; with follow, until
 * every one has stopped or SIGINT/SIGTERM came (*interrupted; or o->on_signal said to
 * end). The first non-zero exit of a container's logs, else 0.
 */
int compose_print_logs(struct mgr *m, const struct compose_project *p, char **names,
		       const struct compose_log_opts *o, bool *interrupted);

/*
 * Attached up (cmd_compose_attach.c): the logs of the containers of the SERVICE
 * arguments from since on, until they have all stopped (0); SIGINT or SIGTERM stops
 * them (130), a second signal meanwhile kills them.
 */
struct timespec;
int compose_attach(struct mgr *m, const struct compose_project *p, const struct cli_args *args,
		   const struct timespec *since);

/* The commands of other files. */
#define COMPOSE_CMD(name)                                                                          \
	int compose_##name##_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
COMPOSE_CMD(logs);
COMPOSE_CMD(start);
COMPOSE_CMD(stop);
COMPOSE_CMD(restart);
COMPOSE_CMD(kill);
COMPOSE_CMD(rm);
COMPOSE_CMD(pause);
COMPOSE_CMD(unpause);
COMPOSE_CMD(top);
COMPOSE_CMD(port);
COMPOSE_CMD(exec);
COMPOSE_CMD(ls);
COMPOSE_CMD(events);
COMPOSE_CMD(images);
COMPOSE_CMD(run);
COMPOSE_CMD(build);
COMPOSE_CMD(pull);

/* The image a service runs: its image:, else PROJECT-SERVICE (built). Caller frees. */
char *compose_image_of(const struct compose_project *p, const char *service,
		       const struct cnode *svc);

/* down --rmi: the services' images (all, or local: those without image:). */
int compose_remove_images(struct mgr *m, const struct compose_project *p, bool all);

/* Whether ref now names another image than was (an image ID; NULL: unknown, no). */
bool compose_image_changed(struct mgr *m, const char *ref, const char *was);

/*
 * Build the services with build: (of services; NULL: all) through the manager's build:
 * always, or only those whose image is missing. 0, else the exit code.
 */
int compose_build_services(struct mgr *m, const struct compose_project *p, char *const *services,
			   bool always);

#endif

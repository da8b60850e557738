/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every cubo-mgr command gets from main: the resolved root directory,
 * the logger and the global settings. Owned by main, passed down; commands
 * return the process exit status (docker's: 0, or 125 when cubo-mgr itself
 * failed).
 */
#ifndef CUBO_MGR_MGR_H
#define CUBO_MGR_MGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cubo-mgr/settings.h"
#include "shared/error.h"
#include "shared/log.h"

#define MGR_EXIT_FAILURE 125

struct mgr {
	const char *prog;	      /* "cubo-mgr", or "cubo" when called through the link */
	char *root;		      /* absolute root directory (see shared/rootdir.h) */
	struct cubo_log log;	      /* --log-level, to stderr */
	const char *registries_conf;  /* --registries-conf; NULL: the default file */
	const char *auth_file;	      /* --authfile; NULL: the default search */
	const char *runtime;	      /* --runtime; NULL: $CUBO_RUNTIME, then cubo-runc */
	const char *cgroup_manager;   /* --cgroup-manager; NULL: systemd on a systemd v2 host */
	char **argv;		      /* the whole command line, for handing it on */
	struct mgr_settings settings; /* from the environment, read once */
	/* the top-level commands (main's table), for mgr_dispatch and the REPL */
	const struct mgr_subcommand *commands;
	size_t n_commands;
	bool events_warned; /* an event could not be written: said once (events/emit.h) */
};

typedef int (*mgr_cmd_fn)(struct mgr *m, int argc, char **argv);

/* Print "prog: <error>" and return MGR_EXIT_FAILURE. Frees err. */
int mgr_fail(struct mgr *m, struct cubo_error *err);

/*
 * For flag and argument mistakes: "prog CMD: <error>" plus a pointer to
 * `prog CMD --help`, as docker prints them. Frees err.
 */
int mgr_usage_error(struct mgr *m, const char *cmd, struct cubo_error *err);

/*
 * Ask "WARNING! <warning>\nAre you sure you want to continue? [y/N] " on
 * stderr; true when the answer read from stdin starts with y.
 */
bool mgr_confirm(const char *warning);

/* The end of a prune: err reported (125), else "Total reclaimed space: 1.2MB" and 0. */
int mgr_prune_done(struct mgr *m, struct cubo_error *err, uint64_t bytes);

/*
 * docker's inspect output: "[\n{...},\n{...}\n]\n" with one JSON object per
 * name from fn. A name fn fails on is reported and left out; returns 0, or
 * MGR_EXIT_FAILURE when any failed.
 */
typedef struct cubo_error *(*mgr_json_fn)(struct mgr *m, void *ctx, const char *name, char **json);
int mgr_print_json_array(struct mgr *m, char *const *names, int n, mgr_json_fn fn, void *ctx);

struct cubo_json_gen;
/* A string member; NULL is written as "". */
void mgr_json_kv(struct cubo_json_gen *g, const char *key, const char *value);

/* Finish g and print it on one line (nothing when it cannot be finished). */
void mgr_print_json_line(struct cubo_json_gen *g);

/* One verb of a command group ("volume ls"); a NULL summary hides an alias. */
struct mgr_subcommand {
	const char *name;
	mgr_cmd_fn fn;
	const char *summary;
};

/*
 * Run `GROUP VERB ...`: the verb's function with argv from VERB on, or the
 * group's help (--help, or no verb: then exit 125), or a usage error.
 */
int mgr_run_subcommand(struct mgr *m, const char *group, const char *description,
		       const struct mgr_subcommand *subs, size_t n, int argc, char **argv);

/* The same, the verbs' names in a column of width characters in the help. */
int mgr_run_group(struct mgr *m, const char *group, const char *description,
		  const struct mgr_subcommand *subs, size_t n, int width, int argc, char **argv);

/* "  NAME  summary" lines, aliases left out. */
void mgr_list_subcommands(FILE *out, const struct mgr_subcommand *subs, size_t n, int width);

/*
 * Run the top-level command argv[0] from m->commands with argv[0..argc)
 * (NULL-terminated), or report an unknown one (125). main and the REPL's
 * lines go through here.
 */
int mgr_dispatch(struct mgr *m, int argc, char **argv);

/*
 * The command line main would have got for the command w (the global flags of m, then
 * w): what a command handed to the image helper (mgr_delegate) runs with when it is not
 * the one main was given (the prompt, compose). Caller frees.
 */
char **mgr_full_argv(const struct mgr *m, char *const *w);

/* The verb called name, or NULL. */
const struct mgr_subcommand *mgr_find_subcommand(const struct mgr_subcommand *subs, size_t n,
						 const char *name);

struct cli_opt;
struct cli_args;

/* max_args for "any number" */
#define MGR_ARGS_ANY (-1)

/* A command's preamble: its flags, its help and how many arguments it takes. */
struct mgr_cmd_spec {
	const char *name;	 /* as usage errors name it: "rm", "network create" */
	const char *usage;	 /* the help's first line after the program's name */
	const char *description; /* the help's paragraph */
	const struct cli_opt *opts;
	size_t n_opts;
	bool stop_at_arg;	 /* the first argument ends the flags: `run IMAGE CMD -x` */
	int min_args, max_args;	 /* max_args MGR_ARGS_ANY: no upper bound */
	const char *count_error; /* the usage error for another count; NULL: any count */
	bool count_error_says_n; /* ", got N arguments" follows count_error */
};

/* .opts and .n_opts of a struct mgr_cmd_spec from an array of flags */
#define MGR_OPTS(a) .opts = (a), .n_opts = CLI_N(a)
/* the argument count of a struct mgr_cmd_spec: min, max (or MGR_ARGS_ANY), the usage error */
#define MGR_ARGS(min, max, error) .min_args = (min), .max_args = (max), .count_error = (error)

/*
 * Parse a command's flags and check its argument count, as crun's
 * crun_assert_n_args. Returns -1 to go on with *args filled (args->v points
 * into argv: nothing to free), or the exit status: 0 after printing
 * --help, 125 after a flag error or a wrong count.
 */
int mgr_parse_args(struct mgr *m, const struct mgr_cmd_spec *spec, int argc, char **argv,
		   struct cli_args *args);

int cmd_pull(struct mgr *m, int argc, char **argv);
int cmd_search(struct mgr *m, int argc, char **argv);
int cmd_images(struct mgr *m, int argc, char **argv);
int cmd_rmi(struct mgr *m, int argc, char **argv);
int cmd_tag(struct mgr *m, int argc, char **argv);
int cmd_image_inspect(struct mgr *m, int argc, char **argv);
int cmd_history(struct mgr *m, int argc, char **argv);
int cmd_image_prune(struct mgr *m, int argc, char **argv);
/*
 * image prune's work (system prune's too): dangling images, or with all every
 * image no container uses, that pass filters (checked: image_view.h); then
 * what no image uses. Prints "Deleted Images:" and a line per image; adds
 * the bytes freed to *reclaimed.
 */
struct cubo_error *image_prune(struct mgr *m, bool all, char *const *filters, uint64_t *reclaimed);
int cmd_save(struct mgr *m, int argc, char **argv);
int cmd_load(struct mgr *m, int argc, char **argv);
int cmd_import(struct mgr *m, int argc, char **argv);
int cmd_push(struct mgr *m, int argc, char **argv);
int cmd_build(struct mgr *m, int argc, char **argv);
int cmd_login(struct mgr *m, int argc, char **argv);
int cmd_logout(struct mgr *m, int argc, char **argv);
int cmd_version(struct mgr *m, int argc, char **argv);

/* containers */
int cmd_run(struct mgr *m, int argc, char **argv);
int cmd_create(struct mgr *m, int argc, char **argv);
int cmd_start(struct mgr *m, int argc, char **argv);
int cmd_stop(struct mgr *m, int argc, char **argv);
int cmd_restart(struct mgr *m, int argc, char **argv);
int cmd_kill(struct mgr *m, int argc, char **argv);
int cmd_update(struct mgr *m, int argc, char **argv);
int cmd_rm(struct mgr *m, int argc, char **argv);
int cmd_wait(struct mgr *m, int argc, char **argv);
int cmd_pause(struct mgr *m, int argc, char **argv);
int cmd_unpause(struct mgr *m, int argc, char **argv);
int cmd_container_prune(struct mgr *m, int argc, char **argv);
/*
 * The prunes' work, for their commands and system prune: each prints its
 * "Deleted ...:" header and a line per thing removed, adds the bytes freed
 * to *reclaimed and stops at the first error. container_prune: stopped
 * containers passing filters (image_view.h); volume_prune: anonymous
 * volumes (all: every volume) no container uses, with the filters' label=
 * labels (their other keys do not apply to volumes); network_prune: user
 * networks no container uses.
 */
struct cubo_error *container_prune(struct mgr *m, char *const *filters, uint64_t *reclaimed);
struct cubo_error *volume_prune(struct mgr *m, bool all, char *const *filters, uint64_t *reclaimed);
struct cubo_error *network_prune(struct mgr *m);
/* builder prune and system prune: the build cache's records passing filters' until=. */
#define BUILD_CACHE_DIR "build-cache"
struct cubo_error *build_cache_prune(struct mgr *m, char *const *filters, uint64_t *reclaimed);
int cmd_builder_prune(struct mgr *m, int argc, char **argv);
int cmd_ps(struct mgr *m, int argc, char **argv);
int cmd_port(struct mgr *m, int argc, char **argv);
int cmd_top(struct mgr *m, int argc, char **argv);
int cmd_stats(struct mgr *m, int argc, char **argv);
int cmd_events(struct mgr *m, int argc, char **argv);
int cmd_compose(struct mgr *m, int argc, char **argv);
int cmd_logs(struct mgr *m, int argc, char **argv);
int cmd_attach(struct mgr *m, int argc, char **argv);
int cmd_exec(struct mgr *m, int argc, char **argv);
int cmd_healthcheck(struct mgr *m, int argc, char **argv);
int cmd_checkpoint(struct mgr *m, int argc, char **argv);
int cmd_manifest(struct mgr *m, int argc, char **argv);
int cmd_cp(struct mgr *m, int argc, char **argv);
int cmd_inspect(struct mgr *m, int argc, char **argv);
int cmd_volume(struct mgr *m, int argc, char **argv);
int cmd_network(struct mgr *m, int argc, char **argv);
int cmd_info(struct mgr *m, int argc, char **argv);
int cmd_system(struct mgr *m, int argc, char **argv);
int cmd_init(struct mgr *m, int argc, char **argv);
int cmd_container(struct mgr *m, int argc, char **argv);
int cmd_repl(struct mgr *m, int argc, char **argv);
int cmd_diff(struct mgr *m, int argc, char **argv);
int cmd_commit(struct mgr *m, int argc, char **argv);
int cmd_export(struct mgr *m, int argc, char **argv);
int cmd_rename(struct mgr *m, int argc, char **argv);
int cmd_unshare(struct mgr *m, int argc, char **argv);

#endif

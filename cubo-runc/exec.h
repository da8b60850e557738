/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `exec`: the parts that touch no kernel state, so they are unit-tested: the
 * command line (with runc's repeatable flags) and the process it describes,
 * built from the flags on top of the container's config.json process or of
 * a --process file, as runc builds it.
 *
 * Also the foreground loop `run` and `exec` share: wait for the process,
 * forward signals to it, proxy its terminal.
 */
#ifndef CUBO_RUNC_EXEC_H
#define CUBO_RUNC_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <termios.h>

#include "shared/error.h"
#include "spec/config.h"

struct exec_flags {
	const char *process_file; /* --process: a JSON process object */
	const char *console_socket;
	const char *cwd;
	const char *user; /* "UID[:GID]" */
	const char *pid_file;
	const char *process_label;
	const char *apparmor;
	bool tty, tty_set;
	bool no_new_privs, no_new_privs_set;
	bool detach;
	bool ignore_paused;
	int preserve_fds;
	/* repeatable flags: copies, in the order given */
	struct oci_strlist env;	    /* --env KEY=VALUE */
	struct oci_strlist caps;    /* --cap CAP_NAME */
	struct oci_strlist gids;    /* --additional-gids N */
	struct oci_strlist cgroups; /* --cgroup [CONTROLLER[,CONTROLLER]:]PATH */
	const char *id;
	char **args; /* COMMAND [ARG...]: points into argv; NULL-terminated copy of the pointers */
	size_t n_args;
};

/*
 * Parse `exec [options] CONTAINER_ID [COMMAND [ARG...]]` (argv[0] is "exec").
 * Sets *help and returns NULL for -h/--help. Checks that a command
 * is given unless --process, and that no command is given with --process.
 */
struct cubo_error *exec_flags_parse(int argc, char **argv, struct exec_flags *f, bool *help);
void exec_flags_free(struct exec_flags *f);
void exec_print_help(FILE *out, const char *summary);

/* "UID[:GID]" as --user takes it: decimal ids only. */
struct cubo_error *exec_parse_user(const char *s, uint32_t *uid, uint32_t *gid, bool *has_gid);

/*
 * The process to exec: file_proc (from --process) when given, else
 * cfg_proc (the container's config.json process) with COMMAND as its args,
 * then the flags on top. What --process leaves out (capabilities, rlimits,
 * apparmor and SELinux labels, oomScoreAdj) comes from cfg_proc, as runc
 * does. Takes ownership of both (either may be NULL); on success *out is
 * the one process to free with oci_process_free.
 */
struct cubo_error *exec_process_build(const struct exec_flags *f, struct oci_process *file_proc,
				      struct oci_process *cfg_proc, struct oci_process **out);

/* One --cgroup value: the sub-cgroup `path` for `controller` (NULL: every hierarchy). */
struct exec_cgroup_sub {
	char *controller;
	char *path;
};

/*
 * Parse the --cgroup values: PATH (every hierarchy) or
 * CONTROLLER[,CONTROLLER...]:PATH, PATH relative to the container's cgroup
 * and never leaving it. *out is an array of *n entries; free with
 * exec_cgroup_subs_free.
 */
struct cubo_error *exec_cgroup_subs_parse(const struct oci_strlist *values,
					  struct exec_cgroup_sub **out, size_t *n);
void exec_cgroup_subs_free(struct exec_cgroup_sub *subs, size_t n);
/*
 * The sub-cgroup for a hierarchy with key `key` ("cpu,cpuacct", "memory",
 * "" for cgroup2): a controller-specific entry wins over a path-only one;
 * NULL when none applies.
 */
const char *exec_cgroup_sub_for(const struct exec_cgroup_sub *subs, size_t n, const char *key);

/*
 * The home directory of uid in /etc/passwd text (malloc'd), or NULL when the
 * uid has no entry: exec sets HOME from it when the environment has none,
 * as runc does.
 */
char *exec_passwd_home(const char *passwd, uint32_t uid);

/* The exit code of a waited-for process as shells report it: 128+N for signal N. */
int exec_exit_code(int code, int status);

/* --- the foreground loop (run and exec) --- */

struct fg_proxy {
	int master; /* pty master, -1 without a terminal */
	bool stdin_open;
	bool raw; /* stdin was put in raw mode */
	struct termios saved;
};

/* Start proxying master (-1: nothing to proxy); puts a terminal stdin in raw mode. */
void fg_proxy_start(struct fg_proxy *px, int master);
/* Restore the terminal and close master. */
void fg_proxy_stop(struct fg_proxy *px, int master);
/*
 * Until the process behind pidfd (our child) exits: forward signals to it,
 * copy the pty both ways. Reaps it and returns its exit code (128+N for a
 * signal).
 */
int fg_wait(int pidfd, struct fg_proxy *px);

#endif

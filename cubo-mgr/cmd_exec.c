/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr exec: run a command in a running container. The runtime's own
 * exec does the work (`RUNTIME exec`, the container's process as template);
 * it shares our stdio, and its exit code is the command's (runtime_exec.c
 * turns the runtime's own failure into docker's 126/127).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/passwd.h"
#include "cubo-mgr/container/run_opts.h"
#include "cubo-mgr/ctr_view.h"
#include "shared/fs.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

extern char **environ;

/*
 * -u NAME and --group-add names are looked up in the container's files,
 * through its init's root. Without -u only the groups are filled in: the
 * runtime adds them to the container process's own.
 */
static struct cubo_error *resolve_user(pid_t pid, const char *spec, char *const *groups,
				       struct ctr_user *u)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cubo_error_errno("open %s", path);
	memset(u, 0, sizeof(*u));
	struct cubo_error *err = spec ? passwd_resolve_in_root(root, spec, u) : NULL;
	if (!err)
		err = passwd_add_groups_in_root(root, groups, u);
	close(root);
	if (err)
		ctr_user_free(u);
	return err;
}

/*
 * docker's exec events: "exec_create: CMD ARGS" and "exec_start: CMD ARGS"
 * (code < 0: before the command, which fills id), else exec_die with its
 * exit code; an execID attribute ties them together.
 */
static void exec_events(struct ctr_ctx *c, const struct ctr_record *r, char *const *cmd, int n,
			char id[65], int code)
{
	if (code >= 0) {
		char num[16];
		snprintf(num, sizeof(num), "%d", code);
		const char *const extra[] = {"execID", id, "exitCode", num, NULL};
		ctr_event(c, r, "exec_die", extra);
		return;
	}
	struct cubo_error *err = cubo_random_hex(id, 64);
	if (err) {
		cubo_error_free(err);
		strcpy(id, "");
	}
	struct cubo_strbuf b = {0};
	for (int i = 0; i < n; i++) {
		if (i)
			cubo_strbuf_addc(&b, ' ');
		cubo_strbuf_adds(&b, cmd[i]);
	}
	char *line = cubo_strbuf_take(&b);
	const char *const extra[] = {"execID", id, NULL};
	char *action = xasprintf("exec_create: %s", line);
	ctr_event(c, r, action, extra);
	free(action);
	action = xasprintf("exec_start: %s", line);
	ctr_event(c, r, action, extra);
	free(action);
	free(line);
}

int cmd_exec(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool interactive = false, tty = false, detach = false, privileged = false;
	const char *workdir = NULL, *user = NULL;
	char **env = NULL, **env_file = NULL, **group_add = NULL;
	const struct cli_opt opts[] = {
		{"interactive", 'i', CLI_BOOL, &interactive, NULL, "keep stdin open"},
		{"tty", 't', CLI_BOOL, &tty, NULL, "give the command a terminal"},
		{"detach", 'd', CLI_BOOL, &detach, NULL, "run it in the background"},
		{"env", 'e', CLI_LIST, &env, "KEY=VALUE", "set an environment variable"},
		{"env-file", 0, CLI_LIST, &env_file, "FILE", "read environment variables"},
		{"workdir", 'w', CLI_STRING, &workdir, "DIR", "working directory"},
		{"user", 'u', CLI_STRING, &user, "USER[:GROUP]", "user (name or ID) to run as"},
		{"group-add", 0, CLI_LIST, &group_add, "GROUP",
		 "another supplementary group (name in the container's /etc/group, or GID)"},
		{"privileged", 0, CLI_BOOL, &privileged, NULL,
		 "give the command every capability (the container's seccomp filter stays)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "exec",
		.usage = "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
		MGR_ARGS(2, MGR_ARGS_ANY, "expected a container and a command"),
		.description = "Run a command in a running container. Exits with the command's "
			       "code:\n126 when it cannot be run, 127 when it is not found.",
		MGR_OPTS(opts),
		.stop_at_arg = true,
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		cubo_strv_free(env);
		cubo_strv_free(env_file);
		cubo_strv_free(group_add);
		return rc;
	}
	struct cubo_error *err = NULL;
	rc = MGR_EXIT_FAILURE;
	char **extra = NULL;
	size_t n_extra = 0;
	struct ctr_ctx c = {0};
	struct ctr_record r = {0};
	bool ctx_open = false;
	for (size_t i = 0; !err && env_file && env_file[i]; i++)
		err = run_opt_read_env_file(env_file[i], environ, &extra, &n_extra);
	for (size_t i = 0; !err && env && env[i]; i++)
		err = run_opt_env_arg(env[i], environ, &extra, &n_extra);
	if (!err && workdir && workdir[0] != '/')
		err = cubo_error_new("-w \"%s\": the working directory must be absolute", workdir);
	for (size_t i = 0; !err && group_add && group_add[i]; i++)
		err = run_opt_check_group(group_add[i]);
	if (err) {
		rc = mgr_usage_error(m, "exec", err);
		goto out;
	}
	if ((err = ctr_ctx_open(m, &c))) {
		rc = mgr_fail(m, err);
		goto out;
	}
	ctx_open = true;
	if ((err = ctr_find(&c, args.v[0], &r))) {
		rc = mgr_fail(m, err);
		goto out;
	}
	if (r.status != CTR_RUNNING) {
		rc = mgr_fail(m, cubo_error_new("container %s is not running", r.name));
		goto out;
	}
	char **rargs = NULL;
	size_t nr = 0;
	char ug[64];
	char **gids = NULL;
	size_t ng = 0;
	cubo_strv_push(&rargs, &nr, "exec");
	if (tty)
		cubo_strv_push(&rargs, &nr, "--tty");
	if (detach)
		cubo_strv_push(&rargs, &nr, "--detach");
	for (size_t i = 0; extra && extra[i]; i++) {
		cubo_strv_push(&rargs, &nr, "--env");
		cubo_strv_push(&rargs, &nr, extra[i]);
	}
	/* docker's: bounding, effective and permitted sets full, whatever the container's */
	char **caps = privileged ? run_opt_privileged_caps() : NULL;
	for (size_t i = 0; caps && caps[i]; i++) {
		cubo_strv_push(&rargs, &nr, "--cap");
		cubo_strv_push(&rargs, &nr, caps[i]);
	}
	cubo_strv_free(caps);
	if (workdir) {
		cubo_strv_push(&rargs, &nr, "--cwd");
		cubo_strv_push(&rargs, &nr, workdir);
	}
	if (user || group_add) {
		struct ctr_user u;
		if ((err = resolve_user(r.pid, user, group_add, &u))) {
			cubo_strv_free(rargs);
			rc = mgr_fail(m, err);
			goto out;
		}
		snprintf(ug, sizeof(ug), "%u:%u", u.uid, u.gid);
		if (user) {
			cubo_strv_push(&rargs, &nr, "--user");
			cubo_strv_push(&rargs, &nr, ug);
		}
		for (size_t i = 0; i < u.n_groups; i++) {
			char g[16];
			snprintf(g, sizeof(g), "%u", u.groups[i]);
			cubo_strv_push(&gids, &ng, g);
			cubo_strv_push(&rargs, &nr, "--additional-gids");
			cubo_strv_push(&rargs, &nr, g);
		}
		ctr_user_free(&u);
	}
	cubo_strv_push(&rargs, &nr, r.id);
	for (int i = 1; i < args.n; i++)
		cubo_strv_push(&rargs, &nr, args.v[i]);
	/* without -i the command reads nothing, as in docker */
	if (!interactive && !detach) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			close(null);
		}
	}
	struct ctr_runtime rt = ctr_runtime_of(&c, &r);
	int code = 0;
	char exec_id[65] = "";
	exec_events(&c, &r, args.v + 1, args.n - 1, exec_id, -1);
	err = runtime_exec_fg(&rt, rargs, &code);
	if (!err && !detach)
		exec_events(&c, &r, NULL, 0, exec_id, code);
	cubo_strv_free(rargs);
	cubo_strv_free(gids);
	rc = err ? mgr_fail(m, err) : code;
out:
	ctr_record_free(&r);
	if (ctx_open)
		ctr_ctx_close(&c);
	cubo_strv_free(extra);
	cubo_strv_free(env);
	cubo_strv_free(env_file);
	cubo_strv_free(group_add);
	return rc;
}

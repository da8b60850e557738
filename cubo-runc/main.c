/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-runc: global flags, then one command, with runc's command line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seccomp.h>
#include <unistd.h>

#include "cubo-runc/cloned_binary.h"
#include "cubo-runc/exe_overlay.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/rootless.h"
#include "cubo-runc/runc.h"
#include "cubo-runc/validate.h"

/* the runtime spec version we implement, as --version and help print it */
#define RUNC_SPEC_VERSION "1.2.0"

struct command {
	const char *name;
	runc_cmd_fn fn;
	bool enters_container; /* runs from a binary no one can write */
	const char *summary;
};

static const struct command commands[] = {
	{"create", cmd_create, true, "create a container"},
	{"start", cmd_start, false, "run the user process of a created container"},
	{"run", cmd_run, true, "create and start a container"},
	{"exec", cmd_exec, true, "run a new process inside a container"},
	{"state", cmd_state, false, "print the state of a container as JSON"},
	{"kill", cmd_kill, false, "send a signal to the container's init process"},
	{"delete", cmd_delete, false, "delete a container and what the runtime made for it"},
	{"list", cmd_list, false, "list the containers started with the given --root"},
	{"spec", cmd_spec, false, "write a new config.json to the bundle"},
	{"features", cmd_features, false, "print the features this runtime supports as JSON"},
	{"update", cmd_update, false, "change the resource limits of a running container"},
	{"events", cmd_events, false, "print statistics and OOM events as JSON lines"},
	{"pause", cmd_pause, false, "suspend every process of a container"},
	{"resume", cmd_resume, false, "resume a paused container"},
	{"ps", cmd_ps, false, "list the processes running in a container"},
	{"checkpoint", cmd_checkpoint, false, "checkpoint a running container with criu"},
	{"restore", cmd_restore, false, "restore a container from a criu checkpoint"},
};

/* runc's layout: NAME:, USAGE:, VERSION:, COMMANDS:, GLOBAL OPTIONS:. */
static void usage(FILE *out, const struct runc_opt *opts, size_t n)
{
	fprintf(out, "NAME:\n   cubo-runc - Open Container Initiative runtime\n\n"
		     "cubo-runc runs containers from OCI bundles (a config.json and a root\n"
		     "filesystem) following the OCI runtime specification, with runc's command\n"
		     "line.\n\nUSAGE:\n   cubo-runc [global options] command [command options] "
		     "[arguments...]\n\nVERSION:\n   " PACKAGE_VERSION "\ncommit: " CUBO_COMMIT
		     "\nspec: " RUNC_SPEC_VERSION "\n\nCOMMANDS:\n");
	for (size_t i = 0; i < OPTS_N(commands); i++)
		fprintf(out, "   %-10s  %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "   %-10s  %s\n", "help, h",
		"Shows a list of commands or help for one command");
	fprintf(out, "\nGLOBAL OPTIONS:\n");
	for (size_t i = 0; i < n; i++) {
		char left[64];
		if (opts[i].short_name)
			snprintf(left, sizeof(left), "--%s, -%c", opts[i].name, opts[i].short_name);
		else
			snprintf(left, sizeof(left), "--%s%s%s", opts[i].name,
				 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		fprintf(out, "   %-28s %s\n", left, opts[i].help);
	}
	fprintf(out, "   %-28s %s\n", "--help, -h", "show help");
}

void runc_print_json(char *json, size_t len)
{
	fwrite(json, 1, len, stdout);
	putchar('\n');
	free(json);
}

int runc_fail(struct runc_globals *g, struct cubo_error *err)
{
	/* debugging to stderr: the error is one more logrus line there, as runc's */
	bool logged_on_stderr = g->log.fd == STDERR_FILENO && g->log.level == CUBO_LOG_DEBUG;

	if (!logged_on_stderr)
		cubo_error_print(err, "cubo-runc", stderr);
	if (g->log.fd >= 0 && (g->log.fd != STDERR_FILENO || logged_on_stderr))
		cubo_log_error(&g->log, err);
	cubo_error_free(err);
	return 1;
}

bool runc_take_id(struct runc_globals *g, int argc, char **argv, const char *verb,
		  const char *description, const char **id, int *rc)
{
	char usage[64];
	bool help;
	int first;
	struct cubo_error *err = opts_parse_anywhere(argc, argv, NULL, 0, &help, &first);

	snprintf(usage, sizeof(usage), "cubo-runc %s CONTAINER_ID", verb);
	if (!err && help) {
		opts_print_help(stdout, g->summary, usage, description, NULL, 0);
		*rc = 0;
		return false;
	}
	if (!err && argc - first != 1)
		err = cubo_error_new("%s: expected exactly one container id", verb);
	if (!err)
		err = validate_container_id(argv[first]);
	if (err) {
		*rc = runc_fail(g, err);
		return false;
	}
	*id = argv[first];
	return true;
}

/* runc's lines, in runc's order: callers parse "spec:" and "commit:". */
static void print_version(void)
{
	const struct scmp_version *sv = seccomp_version();

	printf("cubo-runc version %s\ncommit: %s\nspec: %s\n", PACKAGE_VERSION, CUBO_COMMIT,
	       RUNC_SPEC_VERSION);
	if (sv)
		printf("libseccomp: %u.%u.%u\n", sv->major, sv->minor, sv->micro);
}

/* Keep 0, 1 and 2 open, so no file the runtime opens can land on them. */
static void ensure_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int nfd = open("/dev/null", O_RDWR);
			if (nfd >= 0 && nfd != fd) {
				dup2(nfd, fd);
				close(nfd);
			}
		}
	}
}

static int runc_main(int argc, char **argv, char **envp)
{
	struct runc_globals g = {.argv0 = argv[0]};
	const char *log_path = NULL, *log_format = "text";
	bool systemd_cgroup = false, version = false, help = false;
	const char *rootless = NULL;
	char *user_root = NULL;
	const struct runc_opt global_opts[] = {
		{"root", 0, OPT_STRING, &g.root, "DIR",
		 "directory for container state (default " RUNC_DEFAULT_ROOT
		 ", $XDG_RUNTIME_DIR/" ROOTLESS_ROOT_NAME " for a user who is not root)"},
		{"log", 0, OPT_STRING, &log_path, "FILE", "write errors and debug output to FILE"},
		{"log-format", 0, OPT_STRING, &log_format, "FORMAT", "log format: text or json"},
		{"debug", 0, OPT_BOOL, &g.debug, NULL, "log debug messages"},
		{"systemd-cgroup", 0, OPT_BOOL, &systemd_cgroup, NULL,
		 "create puts containers in systemd scopes (cgroupsPath slice:prefix:name)"},
		{"criu", 0, OPT_STRING, &g.criu, "PATH",
		 "criu binary for checkpoint and restore (default: criu on PATH)"},
		{"rootless", 0, OPT_STRING, &rootless, "true|false|auto",
		 "no cgroups unless delegated, as for a user who is not root (default auto)"},
		{"version", 'v', OPT_BOOL, &version, NULL, "print the version"},
	};
	enum cubo_log_format fmt;
	struct cubo_error *err;
	const struct command *cmd = NULL;
	int first, rc;
	char *help_argv[3] = {NULL, (char *)"--help", NULL};
	bool help_topic = false;

	ensure_stdio();
	err = opts_parse(argc, argv, global_opts, OPTS_N(global_opts), &help, &first);
	if (!err)
		err = rootless_mode_parse(rootless, &g.rootless);
	if (err) {
		cubo_error_print(err, "cubo-runc", stderr);
		cubo_error_free(err);
		return 1;
	}
	if (version) {
		print_version();
		return 0;
	}
	if (first >= argc || help) {
		usage(help ? stdout : stderr, global_opts, OPTS_N(global_opts));
		return help ? 0 : 1;
	}
	/* runc's `help [COMMAND]`: the list, or COMMAND --help */
	if (strcmp(argv[first], "help") == 0 || strcmp(argv[first], "h") == 0) {
		if (first + 1 >= argc) {
			usage(stdout, global_opts, OPTS_N(global_opts));
			return 0;
		}
		help_argv[0] = argv[first + 1];
		argv = help_argv;
		argc = 2;
		first = 0;
		help_topic = true;
	}
	for (size_t i = 0; i < OPTS_N(commands); i++)
		if (strcmp(argv[first], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd && help_topic) {
		/* runc's words and exit status, which callers test for */
		fprintf(stderr, "cubo-runc: No help topic for '%s'\n", argv[first]);
		return 3;
	}
	if (!cmd) {
		fprintf(stderr, "cubo-runc: unknown command \"%s\" (see cubo-runc --help)\n",
			argv[first]);
		return 1;
	}
	g.systemd_cgroup = systemd_cgroup;
	g.summary = cmd->summary;
	/* before anything is opened: the re-exec would only redo it */
	if (cmd->enters_container) {
		bool cmd_help = false;
		for (int i = first + 1; i < argc; i++)
			if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
				cmd_help = true;
		if (!cmd_help) {
			err = cloned_binary_ensure(argv, envp);
			if (err) {
				cubo_error_print(err, "cubo-runc", stderr);
				cubo_error_free(err);
				return 1;
			}
		}
	}
	/* before the log or anything else is opened: only these may reach a container */
	if (cmd->enters_container)
		spawn_fds_record(&g.inherited_fds);
	err = cubo_log_format_parse(log_format, &fmt);
	if (!err)
		err = cubo_log_open(&g.log, "cubo-runc", log_path, fmt,
				    g.debug ? CUBO_LOG_DEBUG : CUBO_LOG_WARN);
	if (err) {
		cubo_error_print(err, "cubo-runc", stderr);
		cubo_error_free(err);
		spawn_fds_free(&g.inherited_fds);
		return 1;
	}
	g.log.logrus_stderr = true;
	if (!g.root) {
		user_root = rootless_default_root();
		g.root = user_root ? user_root : RUNC_DEFAULT_ROOT;
	}
	rc = cmd->fn(&g, argc - first, argv + first);
	free(user_root);
	cubo_log_close(&g.log);
	spawn_fds_free(&g.inherited_fds);
	return rc;
}

int main(int argc, char **argv, char **envp)
{
	/* before any child of ours: the one our re-exec left is the only one */
	pid_t dissolver = exe_overlay_take_dissolver();
	int rc = runc_main(argc, argv, envp);

	exe_overlay_reap(dissolver);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr: global flags, then one command, with docker's command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/image_fetch.h"
#include "cubo-mgr/mgr.h"
#include "cubo-mgr/userns/userns.h"
#include "shared/json.h"
#include "shared/rootdir.h"

/* The width of the commands' names in the help. */
#define COLUMN 10

static int cmd_image(struct mgr *m, int argc, char **argv);
static int cmd_builder(struct mgr *m, int argc, char **argv);

/* Commands that need the registry client or libarchive: see image_fetch.h. */
#ifdef CUBO_MGR_LEAN
#define HEAVY(fn) mgr_delegate
#else
#define HEAVY(fn) fn
#endif

/* A NULL summary: an alias, left out of the help. */
static const struct mgr_subcommand commands[] = {
	{"run", cmd_run, "make a container from an image and start it"},
	{"create", cmd_create, "make a container without starting it"},
	{"start", cmd_start, "start containers"},
	{"stop", cmd_stop, "stop containers (stop signal, then SIGKILL)"},
	{"restart", cmd_restart, "stop, then start containers"},
	{"kill", cmd_kill, "send a signal to containers"},
	{"rm", cmd_rm, "remove containers"},
	{"ps", cmd_ps, "list containers"},
	{"logs", cmd_logs, "print a container's output"},
	{"exec", cmd_exec, "run a command in a running container"},
	{"healthcheck", cmd_healthcheck, "run a container's health check now (healthcheck run)"},
	{"attach", cmd_attach, "connect to a running container's stdio"},
	{"checkpoint", cmd_checkpoint, "save running containers with criu (create, ls, rm)"},
	{"cp", HEAVY(cmd_cp), "copy files between a container and the host"},
	{"wait", cmd_wait, "wait for containers to stop; print their exit codes"},
	{"pause", cmd_pause, "freeze containers"},
	{"unpause", cmd_unpause, "thaw containers"},
	{"port", cmd_port, "list a container's published ports"},
	{"top", cmd_top, "show a running container's processes"},
	{"update", cmd_update, "change containers' limits (live) and restart policy"},
	{"stats", cmd_stats, "show containers' CPU, memory, network and block I/O use"},
	{"diff", cmd_diff, "list the files a container changed"},
	{"commit", HEAVY(cmd_commit), "make an image from a container's changes"},
	{"export", HEAVY(cmd_export), "write a container's filesystem as a tar archive"},
	{"rename", cmd_rename, "give a container another name"},
	{"events", cmd_events, "print what happens to containers, images, volumes, networks"},
	{"container", cmd_container, "manage containers (ls, run, rm, prune, ...)"},
	{"compose", cmd_compose, "run multi-container applications from compose files"},
	{"volume", cmd_volume, "manage volumes (create, ls, inspect, rm, prune)"},
	{"network", cmd_network, "manage networks (create, ls, inspect, rm, prune, connect, ...)"},
	{"info", cmd_info, "show the setup and counts"},
	{"system", cmd_system, "disk usage, pruning everything unused, info (df, prune, info)"},
	{"init", cmd_init, "prepare the root directory"},
	{"pull", HEAVY(cmd_pull), "download an image from a registry"},
	{"push", HEAVY(cmd_push), "upload an image to a registry"},
	{"manifest", HEAVY(cmd_manifest),
	 "manage manifest lists (inspect, create, annotate, push, rm)"},
	{"search", HEAVY(cmd_search), "list a registry's repositories matching a term"},
	{"images", cmd_images, "list images"},
	{"blueprint", cmd_images, NULL},
	{"rmi", cmd_rmi, "remove images"},
	{"rmb", cmd_rmi, NULL},
	{"tag", cmd_tag, "give an image another name"},
	{"inspect", cmd_inspect, "print details of containers or images as JSON"},
	{"history", cmd_history, "show how an image's layers were made"},
	{"save", HEAVY(cmd_save), "write images to an archive (OCI layout and docker-archive)"},
	{"load", HEAVY(cmd_load), "read images from an OCI archive or a docker-archive"},
	{"import", HEAVY(cmd_import), "make an image from a root filesystem tarball"},
	{"build", HEAVY(cmd_build), "build an image from a Cubofile or Cubofile.toml"},
	{"login", HEAVY(cmd_login), "store credentials for a registry"},
	{"logout", HEAVY(cmd_logout), "remove stored credentials for a registry"},
	{"builder", cmd_builder, "manage the build cache (build, prune)"},
	{"image", cmd_image,
	 "manage images (ls, rm, pull, push, tag, inspect, history, prune, save, "
	 "load, import)"},
	{"version", cmd_version, "print version information"},
	{"unshare", cmd_unshare, "run a command in the rootless manager's user namespace"},
#ifdef CUBO_MGR_LEAN /* cubo-mgr-image is never the prompt: it has no line editor */
	{"repl", cmd_repl, "an interactive prompt for cubo commands"},
#endif
	{"__extract-layers", cmd_extract_layers, NULL},
};

/* `image SUB`: docker's management-command spellings of the same verbs. */
static const struct mgr_subcommand image_commands[] = {
	{"ls", cmd_images, "list images"},
	{"list", cmd_images, NULL},
	{"rm", cmd_rmi, "remove images"},
	{"remove", cmd_rmi, NULL},
	{"pull", HEAVY(cmd_pull), "download an image from a registry"},
	{"tag", cmd_tag, "give an image another name"},
	{"inspect", cmd_image_inspect, "print an image's details as JSON"},
	{"history", cmd_history, "show how an image's layers were made"},
	{"prune", cmd_image_prune, "remove dangling images and unused data"},
	{"push", HEAVY(cmd_push), "upload an image to a registry"},
	{"save", HEAVY(cmd_save), "write images to an archive"},
	{"load", HEAVY(cmd_load), "read images from an archive"},
	{"import", HEAVY(cmd_import), "make an image from a root filesystem tarball"},
	{"build", HEAVY(cmd_build), "build an image from a Cubofile or Cubofile.toml"},
};

/* `container SUB`: docker's management-command spellings. */
static const struct mgr_subcommand container_commands[] = {
	{"ls", cmd_ps, "list containers"},
	{"list", cmd_ps, NULL},
	{"ps", cmd_ps, NULL},
	{"run", cmd_run, "make a container and start it"},
	{"create", cmd_create, "make a container"},
	{"start", cmd_start, "start containers"},
	{"stop", cmd_stop, "stop containers"},
	{"restart", cmd_restart, "restart containers"},
	{"kill", cmd_kill, "signal containers"},
	{"rm", cmd_rm, "remove containers"},
	{"remove", cmd_rm, NULL},
	{"logs", cmd_logs, "print a container's output"},
	{"exec", cmd_exec, "run a command in a container"},
	{"attach", cmd_attach, "attach to a container"},
	{"cp", HEAVY(cmd_cp), "copy files between a container and the host"},
	{"wait", cmd_wait, "wait for containers to stop"},
	{"pause", cmd_pause, "freeze containers"},
	{"unpause", cmd_unpause, "thaw containers"},
	{"port", cmd_port, "list published ports"},
	{"top", cmd_top, "show a container's processes"},
	{"update", cmd_update, "change containers' settings"},
	{"stats", cmd_stats, "show containers' resource use"},
	{"inspect", cmd_inspect, "print containers as JSON"},
	{"prune", cmd_container_prune, "remove stopped containers"},
	{"diff", cmd_diff, "list the files a container changed"},
	{"commit", HEAVY(cmd_commit), "make an image from a container's changes"},
	{"export", HEAVY(cmd_export), "write a container's filesystem as a tar archive"},
	{"rename", cmd_rename, "rename a container"},
};

/* `builder SUB`: docker's classic builder commands (ls is buildx's). */
static const struct mgr_subcommand builder_commands[] = {
	{"build", HEAVY(cmd_build), "build an image from a Cubofile or Cubofile.toml"},
	{"prune", cmd_builder_prune, "remove the build cache"},
};

static int cmd_builder(struct mgr *m, int argc, char **argv)
{
	return mgr_run_subcommand(m, "builder", "Manage builds.", builder_commands,
				  CLI_N(builder_commands), argc, argv);
}

static int cmd_image(struct mgr *m, int argc, char **argv)
{
	return mgr_run_group(m, "image", "Manage images.", image_commands, CLI_N(image_commands),
			     COLUMN, argc, argv);
}

int cmd_container(struct mgr *m, int argc, char **argv)
{
	return mgr_run_group(m, "container", "Manage containers.", container_commands,
			     CLI_N(container_commands), COLUMN, argc, argv);
}

static void usage(FILE *out, const char *prog, const struct cli_opt *opts, size_t n)
{
	fprintf(out,
		"Usage: %s [OPTIONS] COMMAND [ARG...]\n\n"
		"cubo-mgr pulls, stores and manages container images and runs containers\n"
		"through the cubo-runc OCI runtime, with docker's command line.\n\nCommands:\n",
		prog);
	mgr_list_subcommands(out, commands, CLI_N(commands), COLUMN);
	fprintf(out, "\nGlobal options:\n");
	for (size_t i = 0; i < n; i++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name, opts[i].arg ? " " : "",
			 opts[i].arg ? opts[i].arg : "");
		fprintf(out, "  %-28s %s\n", left, opts[i].help);
	}
	fprintf(out,
		"  %-28s %s\n  %-28s %s\n\n"
		"The root directory is the first of: --root-dir, $CUBO_ROOT, "
		"$XDG_STATE_HOME/cubo,\n"
		"$XDG_DATA_HOME/cubo, $HOME/.local/state/cubo, /tmp/cubo.\n\n"
		"Run '%s COMMAND --help' for a command's options.\n",
		"-v, --version", "print the version", "-h, --help", "show this help", prog);
}

static struct cubo_error *parse_level(const char *s, enum cubo_log_level *out)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	for (size_t i = 0; i < CLI_N(names); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum cubo_log_level)i;
			return NULL;
		}
	if (!strcmp(s, "warning") || !strcmp(s, "fatal") || !strcmp(s, "panic")) {
		*out = s[0] == 'w' ? CUBO_LOG_WARN : CUBO_LOG_ERROR;
		return NULL;
	}
	return cubo_error_new("--log-level: \"%s\" is not one of error, warn, info, debug", s);
}

/* version as docker's version --format sees it: {"Client": {...}, "Server": {...}} */
static struct cubo_json_gen *version_json(void)
{
	struct cubo_json_gen *g = mgr_format_object();
	if (!g)
		return NULL;
	struct utsname u;
	uname(&u);
	/* one program is both ends */
	for (int end = 0; end < 2; end++) {
		cubo_json_gen_key(g, end ? "Server" : "Client");
		cubo_json_gen_map_open(g);
		mgr_json_kv(g, "Version", PACKAGE_VERSION);
		mgr_json_kv(g, "Os", "linux");
		mgr_json_kv(g, "Arch", u.machine);
		mgr_json_kv(g, "KernelVersion", u.release);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_map_close(g);
	return g;
}

int cmd_version(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"format", 'f', CLI_STRING, &format, "FORMAT",
		 "json, or a Go template (\"{{.Server.Version}}\")"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "version",
		.usage = "version [OPTIONS]",
		.description = "Print version information.",
		MGR_OPTS(opts),
	};
	struct mgr_format fmt;
	int rc = mgr_parse_format(m, &spec, argc, argv, &args, &format, &fmt);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	if (fmt.kind == MGR_FORMAT_DEFAULT)
		printf("cubo-mgr version %s\n", PACKAGE_VERSION);
	else if (!(err = mgr_format_add(&fmt, version_json())))
		mgr_format_flush(&fmt, NULL, 0);
	mgr_format_close(&fmt);
	return err ? mgr_fail(m, err) : 0;
}

int main(int argc, char **argv)
{
	/* the rootless manager's pause process, exec'd fresh (userns/userns.h) */
	if (argc == 2 && !strcmp(argv[0], USERNS_PAUSE_NAME) && !strcmp(argv[1], USERNS_PAUSE_ARG))
		userns_pause_forever();
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	struct mgr m = {.prog = strcmp(base, "cubo") ? "cubo-mgr" : "cubo",
			.argv = argv,
			.commands = commands,
			.n_commands = CLI_N(commands)};
	const char *root_flag = NULL, *level = "warn";
	bool version = false;
	const struct cli_opt opts[] = {
		{"root-dir", 0, CLI_STRING, &root_flag, "DIR", "where images and containers live"},
		{"log-level", 0, CLI_STRING, &level, "LEVEL",
		 "error, warn (default), info or debug"},
		{"registries-conf", 0, CLI_STRING, &m.registries_conf, "FILE",
		 "registries config (default /etc/cubo/registries.conf)"},
		{"authfile", 0, CLI_STRING, &m.auth_file, "FILE",
		 "credentials file (default: see cubo-mgr login --help)"},
		{"runtime", 0, CLI_STRING, &m.runtime, "PATH",
		 "OCI runtime for new containers (default $CUBO_RUNTIME, else cubo-runc)"},
		{"cgroup-manager", 0, CLI_STRING, &m.cgroup_manager, "MANAGER",
		 "cgroupfs or systemd, for new containers (default: systemd when PID 1 is "
		 "systemd on cgroup v2)"},
		{"version", 'v', CLI_BOOL, &version, NULL, NULL},
	};
	struct cli_args args;
	struct cubo_error *err = cli_parse(argc, argv, opts, CLI_N(opts), true, &args);
	if (err) {
		cubo_error_print(err, m.prog, stderr);
		cubo_error_free(err);
		fprintf(stderr, "See '%s --help'.\n", m.prog);
		return MGR_EXIT_FAILURE;
	}
	int rc = 0;
	if (version) {
		printf("cubo-mgr version %s\n", PACKAGE_VERSION);
		goto out;
	}
	if (args.help || args.n == 0) {
		usage(args.help ? stdout : stderr, m.prog, opts, CLI_N(opts) - 1);
		rc = args.help ? 0 : MGR_EXIT_FAILURE;
		goto out;
	}
	enum cubo_log_level lv = CUBO_LOG_WARN;
	if ((err = parse_level(level, &lv)) ||
	    (err = cubo_log_open(&m.log, m.prog, NULL, CUBO_LOG_TEXT, lv))) {
		rc = mgr_fail(&m, err);
		goto out;
	}
	if (!mgr_find_subcommand(commands, CLI_N(commands), args.v[0])) {
		rc = mgr_dispatch(&m, args.n, args.v); /* the unknown-command error */
		goto out;
	}
	/* a user who is not root: into its namespace while single-threaded (userns.h) */
	bool help = args.n > 1 && (!strcmp(args.v[1], "--help") || !strcmp(args.v[1], "-h"));
	if (strcmp(args.v[0], "version") && !help && (err = userns_join())) {
		rc = mgr_fail(&m, err);
		goto out;
	}
	extern char **environ;
	mgr_settings_read(environ, &m.settings);
	if ((err = cubo_rootdir_resolve(root_flag, environ, &m.root))) {
		rc = mgr_fail(&m, err);
		goto out;
	}
	rc = mgr_dispatch(&m, args.n, args.v);
out:
	free(m.root);
	cubo_log_close(&m.log);
	return rc;
}

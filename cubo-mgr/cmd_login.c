/* SPDX-License-Identifier: Apache-2.0 */
/* login / logout: credentials in a docker-compatible auth file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/image/auth.h"
#include "cubo-mgr/image/registry.h"
#include "cubo-mgr/mgr.h"
#include "shared/xalloc.h"

extern char **environ;

/* "https://Host:5000/" -> "Host:5000"; none -> docker.io. Caller frees. */
static char *server_host(const char *arg)
{
	if (!arg)
		return xstrdup("docker.io");
	const char *p = strstr(arg, "://");
	p = p ? p + 3 : arg;
	size_t n = strcspn(p, "/");
	char *h = xstrndup(p, n);
	if (!strcmp(h, "index.docker.io") || !strcmp(h, "registry-1.docker.io")) {
		free(h);
		h = xstrdup("docker.io");
	}
	return h;
}

/* A line from stdin without its newline; echo off when it is a terminal and secret. */
static char *read_line(const char *prompt, bool secret)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO);
	if (tty && prompt)
		fprintf(stderr, "%s", prompt);
	if (tty && secret && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	} else {
		secret = false;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (secret) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	return line;
}

int cmd_login(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *user = NULL, *pass = NULL, *cert_dir = NULL;
	bool pass_stdin = false, tls_verify = true;
	const struct cli_opt opts[] = {
		{"username", 'u', CLI_STRING, &user, "USER", "user name"},
		{"password", 'p', CLI_STRING, &pass, "PASSWORD",
		 "password (visible to other users in ps: prefer --password-stdin)"},
		{"password-stdin", 0, CLI_BOOL, &pass_stdin, NULL, "read the password from stdin"},
		{"tls-verify", 0, CLI_BOOL, &tls_verify, NULL, "verify the registry's certificate"},
		{"cert-dir", 0, CLI_STRING, &cert_dir, "DIR", "CA certificates for the registry"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "login",
		.usage = "login [OPTIONS] [SERVER]",
		MGR_ARGS(0, 1, "expected at most one SERVER"),
		.description =
			"Check a user name and password with a registry (Docker Hub when no\n"
			"SERVER is given) and store them in the auth file: --authfile, else\n"
			"$REGISTRY_AUTH_FILE, else $XDG_CONFIG_HOME/cubo/auth.json. Pulls also\n"
			"read podman's and docker's files.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (pass && pass_stdin)
		return mgr_usage_error(
			m, "login",
			cubo_error_new("--password and --password-stdin exclude each other"));
	struct cubo_error *err = NULL;
	char *host = server_host(args.n ? args.v[0] : NULL);
	char *u = user ? xstrdup(user) : read_line("Username: ", false);
	char *p = pass ? xstrdup(pass) : read_line(pass_stdin ? NULL : "Password: ", !pass_stdin);
	if (!u || !*u || !p) {
		err = cubo_error_new("login to %s: %s", host,
				     !u || !*u ? "no user name given" : "no password given");
		goto out;
	}
	struct registry_opts ro = {.auth_file = m->auth_file,
				   .tls_verify = tls_verify,
				   .certs_dir = cert_dir,
				   .registries_conf = m->registries_conf};
	struct registry_client *c = NULL;
	if (!(err = registry_client_new(&ro, &c)))
		err = registry_ping(c, host, u, p);
	registry_client_free(c);
	if (!err) {
		char *file = m->auth_file	     ? xstrdup(m->auth_file)
			     : m->settings.auth_file ? xstrdup(m->settings.auth_file)
						     : auth_default_file(environ);
		err = auth_file_store(file, host, u, p);
		free(file);
	}
	if (!err)
		printf("Login Succeeded\n");
out:
	free(u);
	if (p)
		memset(p, 0, strlen(p));
	free(p);
	free(host);
	return err ? mgr_fail(m, err) : 0;
}

int cmd_logout(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const struct mgr_cmd_spec spec = {
		.name = "logout",
		.usage = "logout [SERVER]",
		MGR_ARGS(0, 1, "expected at most one SERVER"),
		.description = "Remove the credentials stored for a registry (Docker Hub when no\n"
			       "SERVER is given) from the auth file login writes.",
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	char *host = server_host(args.n ? args.v[0] : NULL);
	char *file = m->auth_file	     ? xstrdup(m->auth_file)
		     : m->settings.auth_file ? xstrdup(m->settings.auth_file)
					     : auth_default_file(environ);
	bool found = false;
	err = auth_file_remove(file, host, &found);
	if (!err && !found)
		err = cubo_error_new("not logged in to %s (no entry in %s)", host, file);
	if (!err)
		printf("Removed login credentials for %s\n", host);
	free(file);
	free(host);
	return err ? mgr_fail(m, err) : 0;
}

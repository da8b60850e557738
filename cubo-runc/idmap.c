/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

extern char **environ;

/* what the kernel lets a process without CAP_SETUID/CAP_SETGID write itself */
bool idmap_needs_helper(const struct oci_id_mapping *maps, size_t n, uid_t caller, uint32_t own)
{
	if (caller == 0)
		return false;
	return !(n == 1 && maps[0].size == 1 && maps[0].host_id == own);
}

char **idmap_helper_argv(const char *helper, pid_t pid, const struct oci_id_mapping *maps, size_t n)
{
	char **v = NULL, buf[16];
	size_t len = 0;

	cubo_strv_push(&v, &len, helper);
	snprintf(buf, sizeof(buf), "%d", pid);
	cubo_strv_push(&v, &len, buf);
	for (size_t i = 0; i < n; i++) {
		uint32_t f[3] = {maps[i].container_id, maps[i].host_id, maps[i].size};
		for (int k = 0; k < 3; k++) {
			snprintf(buf, sizeof(buf), "%u", f[k]);
			cubo_strv_push(&v, &len, buf);
		}
	}
	return v;
}

static struct cubo_error *write_direct(pid_t pid, const char *file,
				       const struct oci_id_mapping *maps, size_t n)
{
	char path[64], *buf;
	size_t cap = n * 40 + 1, len = 0;
	struct cubo_error *err;

	buf = xmalloc(cap);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%u %u %u\n", maps[i].container_id,
					maps[i].host_id, maps[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	err = cubo_write_existing(path, buf, len);
	free(buf);
	return err;
}

/* The helper on PATH, else where Debian installs it. */
static char *find_helper(const char *name)
{
	const char *path = getenv("PATH");
	char **dirs = cubo_strv_split(path && *path ? path : "/usr/bin:/bin", ':');
	char *found = NULL;

	for (size_t i = 0; dirs[i] && !found; i++) {
		char *p = cubo_path_join(*dirs[i] ? dirs[i] : ".", name);
		if (dirs[i][0] == '/' && access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	cubo_strv_free(dirs);
	if (!found) {
		found = cubo_path_join("/usr/bin", name);
		if (access(found, X_OK) < 0) {
			free(found);
			found = NULL;
		}
	}
	return found;
}

/* Run argv with stdout and stderr into *out (at most cap-1 bytes kept); its exit status. */
static struct cubo_error *run_helper(char **argv, char *out, size_t cap, int *status)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2];
	size_t len = 0;
	pid_t pid;
	ssize_t r;
	int rc;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return cubo_error_errno("pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc) {
		close(pipefd[0]);
		return cubo_error_new_errno(rc, "run %s", argv[0]);
	}
	while ((r = read(pipefd[0], out + len, cap - 1 - len)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			len += (size_t)r;
	/* drain what did not fit, so the helper never blocks on a full pipe */
	for (char sink[256]; read(pipefd[0], sink, sizeof(sink)) > 0;)
		;
	close(pipefd[0]);
	out[len] = '\0';
	while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	for (char *c = out; *c; c++)
		if (*c == '\n')
			*c = ' ';
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return cubo_error_errno("wait for %s", argv[0]);
	return NULL;
}

struct id_kind {
	const char *field;  /* linux.uidMappings */
	const char *file;   /* uid_map */
	const char *helper; /* newuidmap */
	const char *subids; /* /etc/subuid */
	const char *what;   /* uid */
};

static const struct id_kind uid_kind = {"linux.uidMappings", "uid_map", "newuidmap", "/etc/subuid",
					"uid"};
static const struct id_kind gid_kind = {"linux.gidMappings", "gid_map", "newgidmap", "/etc/subgid",
					"gid"};

/* The first host id of maps that is not own, for messages. */
static uint32_t foreign_id(const struct oci_id_mapping *maps, size_t n, uint32_t own)
{
	for (size_t i = 0; i < n; i++) {
		if (maps[i].host_id != own)
			return maps[i].host_id;
		if (maps[i].size > 1)
			return maps[i].host_id + 1;
	}
	return own;
}

/*
 * The caller's name for messages, from /etc/passwd itself (the runtime may
 * be linked statically: no NSS); its uid when it has none there, which
 * /etc/subuid takes too.
 */
static void caller_name(char *buf, size_t cap)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;

	snprintf(buf, cap, "%u", getuid());
	while (f && (pw = fgetpwent(f)))
		if (pw->pw_uid == getuid()) {
			snprintf(buf, cap, "%s", pw->pw_name);
			break;
		}
	if (f)
		fclose(f);
}

static struct cubo_error *write_with_helper(pid_t pid, const struct id_kind *k,
					    const struct oci_id_mapping *maps, size_t n,
					    uint32_t own)
{
	char user[64];
	char *helper = find_helper(k->helper), msg[1024], **argv;
	struct cubo_error *err;
	int status = 0;

	caller_name(user, sizeof(user));
	if (!helper)
		return cubo_error_new("%s: host %s %u is not the caller's own (%u): mapping it "
				      "needs %s, from package uidmap (apt-get install uidmap), and "
				      "a range of %s in %s",
				      k->field, k->what, foreign_id(maps, n, own), own, k->helper,
				      user, k->subids);
	argv = idmap_helper_argv(helper, pid, maps, n);
	err = run_helper(argv, msg, sizeof(msg), &status);
	cubo_strv_free(argv);
	free(helper);
	if (err)
		return cubo_error_wrap(err, "%s", k->field);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return NULL;
	return cubo_error_new("%s: %s refused the mapping: %s (the caller may map its own %s %u "
			      "and the ranges a line \"%s:FIRST:COUNT\" in %s gives it)",
			      k->field, k->helper, *msg ? msg : "no message", k->what, own, user,
			      k->subids);
}

static struct cubo_error *write_one(pid_t pid, const struct id_kind *k,
				    const struct oci_id_mapping *maps, size_t n, uint32_t own)
{
	if (idmap_needs_helper(maps, n, geteuid(), own))
		return write_with_helper(pid, k, maps, n, own);
	if (geteuid() != 0 && k == &gid_kind) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
		CUBO_TRY_CTX(cubo_write_existing(path, "deny", 4), "%s", k->field);
	}
	CUBO_TRY_CTX(write_direct(pid, k->file, maps, n), "%s", k->field);
	return NULL;
}

struct cubo_error *idmap_write(pid_t pid, const struct oci_config *cfg)
{
	const struct oci_linux *lx = cfg->linux_;

	CUBO_TRY(write_one(pid, &uid_kind, lx->uid_mappings, lx->n_uid_mappings, geteuid()));
	CUBO_TRY(write_one(pid, &gid_kind, lx->gid_mappings, lx->n_gid_mappings, getegid()));
	return NULL;
}

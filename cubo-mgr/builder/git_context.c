/* SPDX-License-Identifier: Apache-2.0 */
/* A build context fetched from a git repository: see git_context.h. */
#include "cubo-mgr/builder/git_context.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

void git_context_ref_free(struct git_context_ref *r)
{
	free(r->url);
	free(r->ref);
	free(r->dir);
	*r = (struct git_context_ref){0};
}

/* A DIR within the repository: relative, without "..", no control characters. */
static struct cubo_error *check_dir(const char *s, const char *dir)
{
	if (dir[0] == '/')
		return cubo_error_new("%s: the directory \"%s\" must be relative to the repository",
				      s, dir);
	for (const char *p = dir; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && !strncmp(p, "..", 2))
			return cubo_error_new(
				"%s: the directory \"%s\" climbs out of the repository", s, dir);
		p += n;
		while (*p == '/')
			p++;
	}
	for (const char *p = dir; *p; p++)
		if (iscntrl((unsigned char)*p))
			return cubo_error_new("%s: a control character in the directory", s);
	return NULL;
}

struct cubo_error *git_context_parse(const char *s, struct git_context_ref *out)
{
	*out = (struct git_context_ref){0};
	const char *hash = strchr(s, '#');
	out->url = hash ? xstrndup(s, (size_t)(hash - s)) : xstrdup(s);
	if (starts(out->url, "github.com/")) {
		char *u = xasprintf("https://%s", out->url);
		free(out->url);
		out->url = u;
	}
	if (hash) {
		const char *frag = hash + 1, *colon = strchr(frag, ':');
		size_t rn = colon ? (size_t)(colon - frag) : strlen(frag);
		if (rn)
			out->ref = xstrndup(frag, rn);
		if (colon && colon[1])
			out->dir = xstrdup(colon + 1);
	}
	/* a ref is handed to git fetch: never an option */
	if (out->ref && (out->ref[0] == '-' || strpbrk(out->ref, " \t\n\\")))
		return cubo_error_new("%s: \"%s\" is not a git ref", s, out->ref);
	if (out->dir)
		CUBO_TRY(check_dir(s, out->dir));
	return NULL;
}

/*
 * git ARGS in dir (NULL: here), no terminal prompt, its stderr kept: a failure
 * names what git said last.
 */
static struct cubo_error *run_git(const char *what, const char *const *args)
{
	char **argv = NULL, **env = NULL;
	size_t n = 0, ne = 0;
	cubo_strv_push(&argv, &n, "git");
	/* only the transports a build context names: no file:// or ext:: */
	cubo_strv_push(&argv, &n, "-c");
	cubo_strv_push(&argv, &n, "protocol.file.allow=never");
	cubo_strv_push(&argv, &n, "-c");
	cubo_strv_push(&argv, &n, "protocol.ext.allow=never");
	for (size_t i = 0; args[i]; i++)
		cubo_strv_push(&argv, &n, args[i]);
	for (size_t i = 0; environ && environ[i]; i++)
		if (!starts(environ[i], "GIT_TERMINAL_PROMPT="))
			cubo_strv_push(&env, &ne, environ[i]);
	cubo_strv_push(&env, &ne, "GIT_TERMINAL_PROMPT=0");
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		cubo_strv_free(argv);
		cubo_strv_free(env);
		return cubo_error_errno("%s: pipe", what);
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	pid_t pid;
	int r = posix_spawnp(&pid, "git", &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	cubo_strv_free(argv);
	cubo_strv_free(env);
	if (r) {
		close(p[0]);
		return cubo_error_new_errno(r, "%s: run git (Debian package git)", what);
	}
	char buf[4096];
	size_t len = 0;
	ssize_t got;
	while ((got = read(p[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		len += (size_t)got;
		if (len == sizeof(buf) - 1) /* keep the end: the last line says why */
			memmove(buf, buf + len / 2, len - len / 2), len -= len / 2;
	}
	close(p[0]);
	buf[len] = '\0';
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return NULL;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	char *last = strrchr(buf, '\n');
	last = last ? last + 1 : buf;
	for (char *c = last; *c; c++)
		if (iscntrl((unsigned char)*c))
			*c = '?';
	return cubo_error_new("%s: git failed%s%s", what, *last ? ": " : "", last);
}

struct cubo_error *git_context_fetch(const char *s, char **top, char **context)
{
	struct git_context_ref r;
	struct cubo_error *err = git_context_parse(s, &r);
	if (err) {
		git_context_ref_free(&r);
		return err;
	}
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/cubo-git-context-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		err = cubo_error_errno("%s: mkdtemp %s", s, dir);
		free(dir);
		git_context_ref_free(&r);
		return err;
	}
	char *what = xasprintf("build context %s", s);
	const char *init[] = {"init", "-q", dir, NULL};
	const char *remote[] = {"-C", dir, "remote", "add", "origin", r.url, NULL};
	const char *fetch[] = {"-C",	    dir,       "fetch",
			       "-q",	    "--depth", "1",
			       "--no-tags", "origin",  r.ref ? r.ref : "HEAD",
			       NULL};
	const char *checkout[] = {"-C",	      dir,  "-c",	  "advice.detachedHead=false",
				  "checkout", "-q", "FETCH_HEAD", NULL};
	err = run_git(what, init);
	if (!err)
		err = run_git(what, remote);
	if (!err)
		err = run_git(what, fetch);
	if (!err)
		err = run_git(what, checkout);
	char *ctx = NULL;
	if (!err) {
		ctx = r.dir ? cubo_path_join(dir, r.dir) : xstrdup(dir);
		/* the directory is the repository's: one of its symlinks may not lead out */
		char *real = NULL, *real_top = NULL;
		err = cubo_realpath(ctx, &real);
		if (!err)
			err = cubo_realpath(dir, &real_top);
		if (!err && (strncmp(real, real_top, strlen(real_top)) ||
			     (real[strlen(real_top)] && real[strlen(real_top)] != '/')))
			err = cubo_error_new("%s: the directory \"%s\" leads out of the repository",
					     s, r.dir);
		if (err && !strstr(err->msg, "leads out"))
			err = cubo_error_wrap(err, "%s: the directory \"%s\"", s, r.dir);
		free(real);
		free(real_top);
	}
	free(what);
	git_context_ref_free(&r);
	if (err) {
		cubo_error_free(cubo_rm_rf(dir));
		free(dir);
		free(ctx);
		return err;
	}
	*top = dir;
	*context = ctx;
	return NULL;
}

char *git_context_name(const char *s)
{
	size_t n = strcspn(s, "#");
	while (n && s[n - 1] == '/')
		n--;
	if (n >= 4 && !strncmp(s + n - 4, ".git", 4))
		n -= 4;
	size_t start = n;
	while (start && s[start - 1] != '/' && s[start - 1] != ':')
		start--;
	return n > start ? xstrndup(s + start, n - start) : NULL;
}

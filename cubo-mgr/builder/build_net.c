/* SPDX-License-Identifier: Apache-2.0 */
/* The network of a build's RUN steps, and its keeper: see build_net.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-mgr/builder/build_net.h"
#include "cubo-mgr/net/ctr_net.h"
#include "cubo-mgr/net/hosts.h"
#include "cubo-mgr/net/link.h"
#include "cubo-mgr/net/netconf.h"
#include "cubo-mgr/net/netns.h"
#include "cubo-mgr/userns/userns.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define KEEPER_UP 'U'
#define KEEPER_FAILED 'F'

struct cubo_error *build_net_init(struct build_net *n, const char *network)
{
	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (!strcmp(network, "host")) {
		n->mode = BUILD_NET_HOST;
		n->hosts = xstrdup("/etc/hosts");
		n->resolv = xstrdup("/etc/resolv.conf");
		return NULL;
	}
	if (!strcmp(network, "none")) {
		n->mode = BUILD_NET_NONE;
		return NULL;
	}
	n->mode = BUILD_NET_CNI;
	if (!strcmp(network, "default") || !strcmp(network, "bridge")) {
		n->network = xstrdup("bridge");
		return NULL;
	}
	CUBO_TRY_CTX(net_name_check(network),
		     "--network %s: expected host, none, default or a network's name", network);
	n->network = xstrdup(network);
	return NULL;
}

void build_net_free(struct build_net *n)
{
	free(n->network);
	free(n->netns);
	free(n->hosts);
	free(n->resolv);
	memset(n, 0, sizeof(*n));
	n->fd = -1;
}

bool build_net_pending(const struct build_net *n)
{
	return n->mode == BUILD_NET_CNI && !n->netns;
}

/* ---- the keeper ---- */

/* The build may be gone before it reads us: no SIGPIPE. */
static void keeper_report(int fd, char kind, const struct cubo_error *err)
{
	char *text = err ? cubo_error_text(err) : NULL;
	(void)!send(fd, &kind, 1, MSG_NOSIGNAL);
	if (text)
		(void)!send(fd, text, strlen(text), MSG_NOSIGNAL);
	free(text);
}

static _Noreturn void keeper_main(const struct build_net_env *env, const char *network, int fd)
{
	/* out of the build's session and terminal: their signals are the build's */
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int std = 0; null >= 0 && std < 3; std++)
		dup2(null, std);
	struct ctr_record r;
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", env->id);
	r.name = (char *)env->hostname;
	char *networks[] = {(char *)network, NULL};
	r.networks = networks;
	struct ctr_net held;
	struct cubo_error *err = ctr_net_prepare(env->root, env->settings, env->work, &r, &held);
	if (!err) {
		err = ctr_net_attach(env->root, env->settings, env->work, &r);
		ctr_net_free(&held);
	}
	if (err) {
		cubo_error_free(ctr_net_down(env->root, env->settings, env->work, env->id));
		keeper_report(fd, KEEPER_FAILED, err);
		_exit(1);
	}
	keeper_report(fd, KEEPER_UP, NULL);
	char c;
	ssize_t got;
	while ((got = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	bool abandoned = got != 1;
	if (abandoned && env->abandoned)
		env->abandoned(env->arg);
	/*
	 * The namespace goes first: no step runs in it any more, so the kernel
	 * destroys it, with the veth end in it and its peer on the bridge, once
	 * it is unmounted. DEL then deletes the host end if it is still there
	 * and frees the address (through the plugins, CUBO_NET_CNI=1, the
	 * bridge plugin would otherwise enter the namespace to delete the veth:
	 * bridge DEL ~30-50 ms here).
	 */
	char **veths = ctr_net_host_veths(env->root, env->work);
	char *ns = netns_path(env->id);
	err = netns_remove(ns);
	free(ns);
	if (!err)
		err = ctr_net_down(env->root, env->settings, env->work, env->id);
	/*
	 * The kernel destroys the namespace in the background; its veths' host
	 * ends, usually gone by now, go here at the latest: none outlives the
	 * build.
	 */
	for (size_t i = 0; !err && veths && veths[i]; i++)
		err = net_link_delete(veths[i]);
	cubo_strv_free(veths);
	/*
	 * The build does not wait for this (the release is off its path): the
	 * work directory is ours to remove once the build is done with it, that
	 * is, once it closed its end (or died). Should the release have failed,
	 * the directory stays, with net.json, and the lock we hold goes with
	 * us: the next build's clean-up releases what it lists.
	 */
	while (!abandoned && ((got = read(fd, &c, 1)) > 0 || (got < 0 && errno == EINTR)))
		;
	if (!err)
		cubo_error_free(cubo_rm_rf(env->work));
	_exit(err ? 1 : 0);
}

/* ---- the build's side ---- */

static struct cubo_error *write_in(const char *dir, const char *name, const char *text, char **path)
{
	/* the work directory does not outlive the build: no fsync */
	char *p = cubo_path_join(dir, name);
	struct cubo_error *err = cubo_write_file_replace(p, text, strlen(text), 0644);
	if (err || !path)
		free(p);
	else
		*path = p;
	return err;
}

/* hostname (read by ctr_net_attach for the hosts file) and resolv.conf */
static struct cubo_error *write_etc(struct build_net *n, const struct build_net_env *env)
{
	char line[128];
	snprintf(line, sizeof(line), "%s\n", env->hostname);
	CUBO_TRY(write_in(env->work, "hostname", line, NULL));
	char *host = NULL;
	size_t len;
	cubo_error_free(cubo_read_file("/etc/resolv.conf", &host, &len));
	char *text = resolv_render(host, NULL, NULL, NULL, true);
	struct cubo_error *err = write_in(env->work, "resolv.conf", text, &n->resolv);
	free(text);
	free(host);
	if (!err)
		n->hosts = cubo_path_join(env->work, "hosts"); /* the keeper writes it */
	return err;
}

struct cubo_error *build_net_start(struct build_net *n, const struct build_net_env *env)
{
	if (!build_net_pending(n))
		return NULL;
	/* as run's: bridges need the host's root (container/create.c) */
	if (userns_rootless())
		return cubo_error_new("build: network \"%s\": a rootless manager has no networking "
				      "yet (bridges need root): build with --network none, or "
				      "--network host",
				      n->network);
	CUBO_TRY(write_etc(n, env));
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return cubo_error_errno("socketpair");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(sp[0]);
		keeper_main(env, n->network, sp[1]);
	}
	close(sp[1]);
	if (pid < 0) {
		close(sp[0]);
		return cubo_error_errno("fork");
	}
	n->keeper = pid;
	n->fd = sp[0];
	n->netns = netns_path(env->id);
	return NULL;
}

/* The error text a keeper that failed to attach sends after its 'F', then reap it. */
static struct cubo_error *keeper_end(struct build_net *n)
{
	char msg[4096];
	cubo_read_until_eof(n->fd, msg, sizeof(msg));
	close(n->fd);
	n->fd = -1;
	int ws = 0;
	while (waitpid(n->keeper, &ws, 0) < 0 && errno == EINTR)
		;
	n->keeper = 0;
	if (*msg)
		return cubo_error_new("%s", msg);
	if (!WIFEXITED(ws) || WEXITSTATUS(ws))
		return cubo_error_new("the network keeper of the build died");
	return NULL;
}

struct cubo_error *build_net_wait_up(struct build_net *n)
{
	if (n->mode != BUILD_NET_CNI || n->up)
		return NULL;
	if (!n->keeper)
		return cubo_error_new("the build's network is not up");
	char c = 0;
	ssize_t r;
	while ((r = read(n->fd, &c, 1)) < 0 && errno == EINTR)
		;
	if (r == 1 && c == KEEPER_UP) {
		n->up = true;
		return NULL;
	}
	build_net_release(n);
	struct cubo_error *err = keeper_end(n);
	if (!err)
		err = cubo_error_new("the network keeper of the build died");
	return cubo_error_wrap(err, "--network %s", n->network);
}

struct cubo_error *build_net_wait_ready(const struct build_net *n)
{
	if (n->mode != BUILD_NET_CNI || n->up)
		return NULL;
	char c = 0;
	ssize_t r = -1;
	/* a peek: the answer stays for the build's own read */
	while (n->fd >= 0 && (r = recv(n->fd, &c, 1, MSG_PEEK)) < 0 && errno == EINTR)
		;
	if (r == 1 && c == KEEPER_UP)
		return NULL;
	return cubo_error_new("--network %s: the network could not be attached", n->network);
}

void build_net_release(struct build_net *n)
{
	if (n->fd < 0 || n->released)
		return;
	/* the keeper may have failed and gone: no SIGPIPE */
	(void)!send(n->fd, "d", 1, MSG_NOSIGNAL);
	n->released = true;
}

bool build_net_finish(struct build_net *n)
{
	build_net_release(n);
	if (!n->keeper)
		return false;
	/*
	 * Our end closes: the keeper finishes the release and removes the work
	 * directory without us. It is our child; a command exits right after
	 * this, and init reaps it.
	 */
	close(n->fd);
	n->fd = -1;
	n->keeper = 0;
	return true;
}

struct cubo_error *build_net_reap(const char *root, const struct mgr_settings *set,
				  const char *work, const char *id)
{
	return ctr_net_down(root, set, work, id);
}

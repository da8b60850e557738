/* SPDX-License-Identifier: Apache-2.0 */
/* Bind sources cloned on the host side for a container in a user namespace: see mount_sources.h. */
#include "cubo-runc/mount_sources.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-runc/mount_opts.h"
#include "cubo-runc/mounts.h"
#include "cubo-runc/mounts_priv.h"
#include "cubo-runc/sync.h"
#include "shared/xalloc.h"

bool mount_sources_needed(const struct ns_plan *ns)
{
	/*
	 * Only in a mount namespace the clone made, a copy of the runtime's
	 * own: one joined by path may be arranged by whoever else runs in it,
	 * and the host's root must not resolve paths there for the container.
	 */
	int both = CLONE_NEWUSER | CLONE_NEWNS;
	return (ns->clone_flags & both) == both;
}

/*
 * A bind with a source, made afresh (not a remount): the runtime clones
 * it. Both sides ask this of every mount, so they agree on what is sent.
 * Options that do not parse leave the mount to the init, which reports them.
 */
static bool from_host(const struct oci_mount *m, struct mount_opts *o)
{
	struct cubo_error *err;

	if (!m->destination || !*m->destination || !m->source)
		return false;
	err = mount_opts_parse(&m->options, o);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	if (mount_is_bind_opts(m, o) && !o->remount)
		return true;
	mount_opts_free(o);
	return false;
}

/* ns/<name> of the init, which the clone gave its own namespace of this kind. */
static struct cubo_error *open_init_ns(pid_t pid, const char *name, int *fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return cubo_error_errno("open the container's %s namespace", name);
	return NULL;
}

/*
 * A plain bind refused where an rbind is not: in the container's
 * namespace the mounts beneath the source are locked to it.
 */
static bool whole_tree_clones(const char *src)
{
	int fd = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static struct cubo_error *send_one(const struct oci_mount *m, const struct mount_opts *o,
				   size_t index, const char *bundle, int userns, int sock)
{
	struct cubo_error *err = NULL;
	char what[512], idx[24];
	char *src = mount_bind_source(bundle, m->source);
	int tree;

	mount_describe(what, sizeof(what), "bind", m->destination, index);
	tree = open_tree(AT_FDCWD, src,
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o->rbind ? AT_RECURSIVE : 0));
	if (tree < 0 && errno == EINVAL && !o->rbind && whole_tree_clones(src))
		err = cubo_error_new_errno(EINVAL,
					   "%s: source %s has mounts beneath it, which a user "
					   "namespace takes along only with rbind",
					   what, src);
	else if (tree < 0)
		err = cubo_error_errno("%s: source %s", what, src);
	if (tree < 0) {
		free(src);
		return err;
	}
	free(src);
	if (mount_wants_idmap(m, o))
		err = mount_idmap_tree(m, o->ridmap, what, tree, userns);
	snprintf(idx, sizeof(idx), "%zu", index);
	if (!err)
		err = sync_send_fd_as(sock, SYNC_MOUNT_SOURCE, tree, idx);
	close(tree);
	return err;
}

/* The helper's work, in a copy of the runtime (its own fd table and memory). */
static struct cubo_error *helper_send(const struct oci_config *cfg, const char *bundle, pid_t pid,
				      int sock)
{
	struct cubo_error *err;
	int mntns = -1, userns;

	CUBO_TRY(open_init_ns(pid, "user", &userns));
	err = open_init_ns(pid, "mnt", &mntns);
	/*
	 * A caller who is not root may join the mount namespace only from the
	 * user namespace that owns it, where it reaches what it reaches outside.
	 */
	if (!err && geteuid() != 0 && setns(userns, CLONE_NEWUSER) < 0)
		err = cubo_error_errno("join the container's user namespace");
	/* the host's root, seeing the mounts as the init does before it changes any */
	if (!err && setns(mntns, CLONE_NEWNS) < 0)
		err = cubo_error_errno("join the container's mount namespace");
	for (size_t i = 0; !err && i < cfg->n_mounts; i++) {
		struct mount_opts o;
		if (!from_host(&cfg->mounts[i], &o))
			continue;
		err = send_one(&cfg->mounts[i], &o, i, bundle, userns, sock);
		mount_opts_free(&o);
	}
	if (mntns >= 0)
		close(mntns);
	close(userns);
	return err;
}

static bool any_from_host(const struct oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		struct mount_opts o;
		if (from_host(&cfg->mounts[i], &o)) {
			mount_opts_free(&o);
			return true;
		}
	}
	return false;
}

struct cubo_error *mount_sources_send(const struct oci_config *cfg, const char *bundle,
				      const struct ns_plan *ns, pid_t pid, int sock)
{
	char text[SYNC_MAX_PAYLOAD + 1];
	size_t len = 0;
	int report[2], status = 0;
	ssize_t n;

	if (!mount_sources_needed(ns) || !any_from_host(cfg))
		return NULL;
	if (pipe2(report, O_CLOEXEC) < 0)
		return cubo_error_errno("bind sources: pipe");
	/*
	 * A helper, not the runtime itself: joining the container's mount
	 * namespace would change the runtime's root and working directory.
	 */
	fflush(NULL);
	pid_t helper = fork();
	if (helper == 0) {
		close(report[0]);
		struct cubo_error *err = helper_send(cfg, bundle, pid, sock);
		if (err) {
			char *msg = cubo_error_text(err);
			(void)!write(report[1], msg, strlen(msg));
			_exit(1);
		}
		_exit(0);
	}
	int fork_errno = errno;
	close(report[1]);
	if (helper < 0) {
		close(report[0]);
		return cubo_error_new_errno(fork_errno, "bind sources: fork");
	}
	/* the helper's report, up to its exit (EOF, also if it dies) */
	while (len < sizeof(text) - 1 &&
	       ((n = read(report[0], text + len, sizeof(text) - 1 - len)) > 0 ||
		(n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	text[len] = '\0';
	close(report[0]);
	while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
		;
	if (len)
		return cubo_error_new("%s", text);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return cubo_error_new("bind sources: the helper died (status %d)", status);
	return NULL;
}

struct cubo_error *mount_sources_recv(const struct oci_config *cfg, const struct ns_plan *ns,
				      int sock, struct mount_sources *out)
{
	out->trees = NULL;
	out->n = 0;
	if (!mount_sources_needed(ns))
		return NULL;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		struct mount_opts o;
		struct sync_msg msg;
		char want[24];
		int fd;

		if (!from_host(&cfg->mounts[i], &o))
			continue;
		mount_opts_free(&o);
		if (!out->trees) {
			out->n = cfg->n_mounts;
			out->trees = xmalloc(out->n * sizeof(*out->trees));
			for (size_t k = 0; k < out->n; k++)
				out->trees[k] = -1;
		}
		CUBO_TRY_CTX(sync_recv_fd_as(sock, SYNC_MOUNT_SOURCE, &fd, &msg),
			     "receive the source of mounts[%zu]", i);
		out->trees[i] = fd;
		snprintf(want, sizeof(want), "%zu", i);
		if (strcmp(msg.payload, want))
			return cubo_error_new("sync: got the source of mounts[%s] for mounts[%zu]",
					      msg.payload, i);
	}
	return NULL;
}

void mount_sources_close(struct mount_sources *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->trees[i] >= 0)
			close(s->trees[i]);
	free(s->trees);
	s->trees = NULL;
	s->n = 0;
}

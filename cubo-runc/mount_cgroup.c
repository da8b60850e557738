/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup and cgroup2 config mounts: see mount_cgroup.h. */
#include "cubo-runc/mount_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-runc/mounts.h"
#include "cubo-runc/mounts_priv.h"
#include "cubo-runc/procfd.h"
#include "shared/path_in_root.h"
#include "shared/xalloc.h"

/* /proc/self/cgroup's text (malloc'd), or NULL when it cannot be read. */
static char *self_cgroup_text(int procfd)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f, *out = open_memstream(&text, &len);
	char buf[4096];
	size_t n;
	struct cubo_error *err = procfd_fopen_self(procfd, "cgroup", &f);

	if (err) {
		cubo_error_free(err);
		fclose(out);
		free(text);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, out);
	fclose(f);
	fclose(out);
	return text;
}

/* The cgroup in the hierarchy with these controllers ("" for cgroup2) in a /proc/PID/cgroup text.
 */
static char *own_cgroup_in(const char *text, const char *controllers)
{
	size_t want = strlen(controllers);

	for (const char *line = text; line && *line;) {
		const char *end = strchrnul(line, '\n');
		const char *c = memchr(line, ':', (size_t)(end - line));
		const char *path = c ? memchr(c + 1, ':', (size_t)(end - c - 1)) : NULL;
		if (path && (size_t)(path - c - 1) == want && !strncmp(c + 1, controllers, want))
			return xstrndup(path + 1, (size_t)(end - path - 1));
		line = *end ? end + 1 : end;
	}
	return NULL;
}

/* This process's cgroup in the hierarchy with these controllers ("" for cgroup2). */
static char *own_cgroup(int procfd, const char *controllers)
{
	char *text = self_cgroup_text(procfd);
	char *found = text ? own_cgroup_in(text, controllers) : NULL;

	free(text);
	return found;
}

char *mount_cgroup_v1_controllers(const char *super_opts)
{
	char *out = xcalloc(1, strlen(super_opts) + 1);
	char *copy = xstrdup(super_opts), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		/* What the kernel's cgroup1 show_options prints besides controller names. */
		if (!strcmp(t, "rw") || !strcmp(t, "ro") || !strcmp(t, "xattr") ||
		    !strncmp(t, "release_agent=", 14) || !strcmp(t, "clone_children") ||
		    !strcmp(t, "noprefix") || !strcmp(t, "cpuset_v2_mode") ||
		    !strcmp(t, "favordynmods"))
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, t);
	}
	free(copy);
	return out;
}

/* Host directory to bind for a hierarchy: our own cgroup in it (self_cgroup: /proc/self/cgroup's
 * text) when it exists. */
static char *hierarchy_source(const char *self_cgroup, const struct mountinfo_entry *e,
			      const char *controllers)
{
	char *own = self_cgroup ? own_cgroup_in(self_cgroup, controllers) : NULL;
	char *src = NULL;
	if (own && mount_path_has_prefix(own, e->root)) {
		const char *rel = own + (strcmp(e->root, "/") ? strlen(e->root) : 0);
		src = xasprintf("%s%s", e->mountpoint, rel);
		struct stat st;
		if (stat(src, &st) < 0) {
			free(src);
			src = NULL;
		}
	}
	free(own);
	return src ? src : xstrdup(e->mountpoint);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* One hierarchy under the cgroup tmpfs (dirfd), named after its host mountpoint. */
static struct cubo_error *mount_hierarchy(const struct mount_job *j, int dirfd,
					  const struct mountinfo_entry *e, bool v2,
					  const char *self_cgroup)
{
	const char *name = base_name(e->mountpoint);
	struct cubo_error *err = NULL;
	char p[32];
	uint64_t set, clr;

	char *controllers = v2 ? xstrdup("") : mount_cgroup_v1_controllers(e->super_opts);
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST) {
		err = cubo_error_errno("%s: mkdir %s", j->what, name);
		goto out;
	}
	int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = cubo_error_errno("%s: open %s", j->what, name);
		goto out;
	}
	mount_opts_to_attr(&j->o, &set, &clr);
	unsigned long flags = j->o.ms_set & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	if (j->ctx->new_cgroup_ns) {
		/* In our own cgroup namespace a fresh mount shows our cgroup as its root. */
		mount_fd_path(p, fd);
		if (mount("cgroup", p, v2 ? "cgroup2" : "cgroup", flags, v2 ? NULL : controllers) <
		    0)
			err = cubo_error_errno("%s: mount %s hierarchy %s", j->what,
					       v2 ? "cgroup2" : "cgroup", name);
	} else {
		char *src = hierarchy_source(self_cgroup, e, controllers);
		if ((err = mount_bind_onto(AT_FDCWD, src, false, set, fd)))
			err = cubo_error_wrap(err, "%s: bind %s", j->what, src);
		free(src);
	}
	close(fd);
	/* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct", as on the host. */
	if (!err && strchr(name, ',')) {
		char *copy = xstrdup(name), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (symlinkat(name, dirfd, t) < 0 && errno != EEXIST) {
				err = cubo_error_errno("%s: symlink %s -> %s", j->what, t, name);
				break;
			}
		}
		free(copy);
	}
out:
	free(controllers);
	return err;
}

bool mount_cgroup_is_unified_root(const struct mountinfo_entry *e)
{
	return !strcmp(e->fstype, "cgroup2") && !strcmp(e->mountpoint, "/sys/fs/cgroup");
}

bool mount_cgroup_is_hierarchy(const struct mountinfo_entry *e, bool *v2)
{
	bool is_v1 = !strcmp(e->fstype, "cgroup");
	bool is_v2 = !strcmp(e->fstype, "cgroup2");
	*v2 = is_v2;
	return (is_v1 || is_v2) && mount_path_has_prefix(e->mountpoint, "/sys/fs/cgroup") &&
	       strcmp(e->mountpoint, "/sys/fs/cgroup");
}

struct cubo_error *mount_job_cgroup(const struct mount_job *j)
{
	struct mountinfo mi;
	struct cubo_error *err = NULL;
	bool pure_v2 = false;
	int dirfd = -1;
	char *self_cgroup = NULL;

	CUBO_TRY_CTX(mountinfo_read_self(j->ctx->procfd, &mi), "%s", j->what);
	for (size_t i = 0; i < mi.n; i++)
		pure_v2 |= mount_cgroup_is_unified_root(&mi.v[i]);
	if (pure_v2) {
		err = mount_job_new_fs(j, "cgroup2", "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC);
		/* Without a cgroup namespace a user namespace may not mount cgroup2: bind it. */
		if (err && (err->errnum == EPERM || err->errnum == EBUSY) &&
		    !j->ctx->new_cgroup_ns) {
			cubo_error_free(err);
			char *own = own_cgroup(j->ctx->procfd, "");
			char *src = own ? xasprintf("/sys/fs/cgroup%s", own) : NULL;
			err = mount_job_bind(j, src ? src : "/sys/fs/cgroup", true);
			free(src);
			free(own);
		}
		goto out;
	}

	/* v1 or hybrid: a tmpfs holding one directory per hierarchy, as on the host. */
	struct mount_job tj = *j;
	tj.o.data = "mode=755";
	tj.o.ms_set = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	tj.o.rattr_set = tj.o.rattr_clr = 0;
	tj.o.n_propagation = 0;
	if ((err = mount_job_new_fs(&tj, "tmpfs", "tmpfs", 0)))
		goto out;
	if ((err = cubo_open_in_root(j->rootfd, j->dest, O_PATH | O_DIRECTORY, 0, &dirfd))) {
		err = cubo_error_wrap(err, "%s", j->what);
		goto out;
	}
	self_cgroup = j->ctx->new_cgroup_ns ? NULL : self_cgroup_text(j->ctx->procfd);
	for (size_t i = 0; i < mi.n && !err; i++) {
		bool v2;
		if (mount_cgroup_is_hierarchy(&mi.v[i], &v2))
			err = mount_hierarchy(j, dirfd, &mi.v[i], v2, self_cgroup);
	}
	if (!err && (j->o.ms_set & MS_RDONLY) &&
	    mount_fd_setattr(dirfd, false, MOUNT_ATTR_RDONLY, 0, 0) < 0)
		err = mount_job_error(j, errno, "make the cgroup tmpfs read-only");
	if (!err)
		err = mount_job_finish(j, dirfd);
out:
	if (dirfd >= 0)
		close(dirfd);
	free(self_cgroup);
	mountinfo_free(&mi);
	return err;
}

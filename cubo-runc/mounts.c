/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/mounts.h"
#include "shared/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include "cubo-runc/proc_guard.h"
#include "cubo-runc/procfd.h"
#include "shared/path_in_root.h"

/* ---- options ---- */

enum opt_kind {
	OPT_MS_SET,    /* ro, nosuid, ...: an MS_* flag on */
	OPT_MS_CLR,    /* rw, suid, ...: the same flag explicitly off */
	OPT_RATTR_SET, /* rro, rnosuid, ... */
	OPT_RATTR_CLR, /* rrw, rsuid, ... */
	OPT_RATIME,    /* rnoatime, rrelatime, ...: one recursive atime mode */
	OPT_PROPAGATION,
	OPT_BIND,
	OPT_RBIND,
	OPT_REMOUNT,
	OPT_IDMAP,
	OPT_RIDMAP,
	OPT_IGNORE, /* runtime extensions that are not filesystem data */
};

struct opt_def {
	const char *name;
	enum opt_kind kind;
	unsigned long ms;
	uint64_t attr;
};

/* The runtime-spec "Mount options" list (config.md), plus runc's extensions. */
static const struct opt_def opt_defs[] = {
	{"ro", OPT_MS_SET, MS_RDONLY, 0},
	{"rw", OPT_MS_CLR, MS_RDONLY, 0},
	{"nosuid", OPT_MS_SET, MS_NOSUID, 0},
	{"suid", OPT_MS_CLR, MS_NOSUID, 0},
	{"nodev", OPT_MS_SET, MS_NODEV, 0},
	{"dev", OPT_MS_CLR, MS_NODEV, 0},
	{"noexec", OPT_MS_SET, MS_NOEXEC, 0},
	{"exec", OPT_MS_CLR, MS_NOEXEC, 0},
	{"sync", OPT_MS_SET, MS_SYNCHRONOUS, 0},
	{"async", OPT_MS_CLR, MS_SYNCHRONOUS, 0},
	{"dirsync", OPT_MS_SET, MS_DIRSYNC, 0},
	{"remount", OPT_REMOUNT, 0, 0},
	{"mand", OPT_MS_SET, MS_MANDLOCK, 0},
	{"nomand", OPT_MS_CLR, MS_MANDLOCK, 0},
	{"noatime", OPT_MS_SET, MS_NOATIME, 0},
	{"atime", OPT_MS_CLR, MS_NOATIME, 0},
	{"nodiratime", OPT_MS_SET, MS_NODIRATIME, 0},
	{"diratime", OPT_MS_CLR, MS_NODIRATIME, 0},
	{"relatime", OPT_MS_SET, MS_RELATIME, 0},
	{"norelatime", OPT_MS_CLR, MS_RELATIME, 0},
	{"strictatime", OPT_MS_SET, MS_STRICTATIME, 0},
	{"nostrictatime", OPT_MS_CLR, MS_STRICTATIME, 0},
	{"lazytime", OPT_MS_SET, MS_LAZYTIME, 0},
	{"nolazytime", OPT_MS_CLR, MS_LAZYTIME, 0},
	{"iversion", OPT_MS_SET, MS_I_VERSION, 0},
	{"noiversion", OPT_MS_CLR, MS_I_VERSION, 0},
	{"silent", OPT_MS_SET, MS_SILENT, 0},
	{"loud", OPT_MS_CLR, MS_SILENT, 0},
	{"nosymfollow", OPT_MS_SET, MS_NOSYMFOLLOW, 0},
	{"symfollow", OPT_MS_CLR, MS_NOSYMFOLLOW, 0},
	{"bind", OPT_BIND, 0, 0},
	{"rbind", OPT_RBIND, 0, 0},
	{"private", OPT_PROPAGATION, MS_PRIVATE, 0},
	{"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC, 0},
	{"shared", OPT_PROPAGATION, MS_SHARED, 0},
	{"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC, 0},
	{"slave", OPT_PROPAGATION, MS_SLAVE, 0},
	{"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC, 0},
	{"unbindable", OPT_PROPAGATION, MS_UNBINDABLE, 0},
	{"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC, 0},
	{"rro", OPT_RATTR_SET, 0, MOUNT_ATTR_RDONLY},
	{"rrw", OPT_RATTR_CLR, 0, MOUNT_ATTR_RDONLY},
	{"rnosuid", OPT_RATTR_SET, 0, MOUNT_ATTR_NOSUID},
	{"rsuid", OPT_RATTR_CLR, 0, MOUNT_ATTR_NOSUID},
	{"rnodev", OPT_RATTR_SET, 0, MOUNT_ATTR_NODEV},
	{"rdev", OPT_RATTR_CLR, 0, MOUNT_ATTR_NODEV},
	{"rnoexec", OPT_RATTR_SET, 0, MOUNT_ATTR_NOEXEC},
	{"rexec", OPT_RATTR_CLR, 0, MOUNT_ATTR_NOEXEC},
	{"rnodiratime", OPT_RATTR_SET, 0, MOUNT_ATTR_NODIRATIME},
	{"rdiratime", OPT_RATTR_CLR, 0, MOUNT_ATTR_NODIRATIME},
	{"rnosymfollow", OPT_RATTR_SET, 0, MOUNT_ATTR_NOSYMFOLLOW},
	{"rsymfollow", OPT_RATTR_CLR, 0, MOUNT_ATTR_NOSYMFOLLOW},
	{"rnoatime", OPT_RATIME, 0, MOUNT_ATTR_NOATIME},
	{"ratime", OPT_RATIME, 0, MOUNT_ATTR_RELATIME},
	{"rrelatime", OPT_RATIME, 0, MOUNT_ATTR_RELATIME},
	{"rnorelatime", OPT_RATIME, 0, MOUNT_ATTR_RELATIME},
	{"rstrictatime", OPT_RATIME, 0, MOUNT_ATTR_STRICTATIME},
	{"rnostrictatime", OPT_RATIME, 0, MOUNT_ATTR_RELATIME},
	{"idmap", OPT_IDMAP, 0, 0},
	{"ridmap", OPT_RIDMAP, 0, 0},
	/* fstab's placeholder: no filesystem takes it as data (tmpfs refuses it). */
	{"defaults", OPT_IGNORE, 0, 0},
	/* runc's tmpfs copy-up: not filesystem data, and not done here yet. */
	{"tmpcopyup", OPT_IGNORE, 0, 0},
};

static const struct opt_def *opt_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
		if (!strcmp(opt_defs[i].name, name))
			return &opt_defs[i];
	return NULL;
}

unsigned long mount_propagation_flag(const char *name)
{
	const struct opt_def *d = name ? opt_lookup(name) : NULL;
	return d && d->kind == OPT_PROPAGATION ? d->ms : 0;
}

static bool data_append(char **data, const char *opt)
{
	char *joined;
	if (asprintf(&joined, "%s%s%s", *data ? *data : "", *data ? "," : "", opt) < 0)
		return false;
	free(*data);
	*data = joined;
	return true;
}

struct cubo_error *mount_opts_parse(const struct oci_strlist *options, struct mount_opts *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < options->n; i++) {
		const char *name = options->v[i];
		const struct opt_def *d = opt_lookup(name);

		if (!d) {
			if (!data_append(&out->data, name)) {
				mount_opts_free(out);
				return cubo_error_new_errno(ENOMEM, "mount options");
			}
			continue;
		}
		switch (d->kind) {
		case OPT_MS_SET:
			out->ms_set |= d->ms;
			out->ms_clr &= ~d->ms;
			break;
		case OPT_MS_CLR:
			out->ms_clr |= d->ms;
			out->ms_set &= ~d->ms;
			break;
		case OPT_RATTR_SET:
			out->rattr_set |= d->attr;
			out->rattr_clr &= ~d->attr;
			break;
		case OPT_RATTR_CLR:
			out->rattr_clr |= d->attr;
			out->rattr_set &= ~d->attr;
			break;
		case OPT_RATIME:
			out->rattr_clr |= MOUNT_ATTR__ATIME;
			out->rattr_set = (out->rattr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | d->attr;
			break;
		case OPT_PROPAGATION:
			if (out->n_propagation == MOUNT_MAX_PROPAGATION) {
				mount_opts_free(out);
				return cubo_error_new(
					"mount options: more than %d propagation options",
					MOUNT_MAX_PROPAGATION);
			}
			out->propagation[out->n_propagation++] = d->ms;
			break;
		case OPT_BIND:
			out->bind = true;
			break;
		case OPT_RBIND:
			out->rbind = true;
			break;
		case OPT_REMOUNT:
			out->remount = true;
			break;
		case OPT_IDMAP:
			out->idmap = true;
			break;
		case OPT_RIDMAP:
			out->ridmap = true;
			break;
		case OPT_IGNORE:
			break;
		}
	}
	return NULL;
}

void mount_opts_free(struct mount_opts *o)
{
	free(o->data);
	o->data = NULL;
}

void mount_opts_to_attr(const struct mount_opts *o, uint64_t *set, uint64_t *clr)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
		{MS_RDONLY, MOUNT_ATTR_RDONLY},		{MS_NOSUID, MOUNT_ATTR_NOSUID},
		{MS_NODEV, MOUNT_ATTR_NODEV},		{MS_NOEXEC, MOUNT_ATTR_NOEXEC},
		{MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
	};
	*set = *clr = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (o->ms_set & map[i].ms)
			*set |= map[i].attr;
		if (o->ms_clr & map[i].ms)
			*clr |= map[i].attr;
	}
	/* atime is one mode, not three flags: the last word wins, default relatime. */
	if (o->ms_set & MS_STRICTATIME) {
		*clr |= MOUNT_ATTR__ATIME;
		*set |= MOUNT_ATTR_STRICTATIME;
	} else if (o->ms_set & MS_NOATIME) {
		*clr |= MOUNT_ATTR__ATIME;
		*set |= MOUNT_ATTR_NOATIME;
	} else if ((o->ms_set & MS_RELATIME) ||
		   (o->ms_clr & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME))) {
		*clr |= MOUNT_ATTR__ATIME;
		*set |= MOUNT_ATTR_RELATIME;
	}
}

/* ---- /proc/self/mountinfo ---- */

/* A field of mountinfo, its escapes undone; NULL on OOM. */
static char *unescape(const char *s)
{
	char *out = strdup(s);
	if (out)
		cubo_unescape_octal(out);
	return out;
}

static void entry_free(struct mountinfo_entry *e)
{
	free(e->root);
	free(e->mountpoint);
	free(e->optional);
	free(e->fstype);
	free(e->source);
	free(e->super_opts);
}

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
static bool parse_line(char *line, struct mountinfo_entry *e)
{
	char *f[64];
	size_t n = 0;

	memset(e, 0, sizeof(*e));
	/*
	 * Fields are separated by exactly one space, and one may be empty: a
	 * mount made with source "" reads "... - tmpfs  rw". Collapsing spaces
	 * would shift the super options into the source.
	 */
	line[strcspn(line, "\n")] = '\0';
	while (line && n < 64)
		f[n++] = strsep(&line, " ");
	size_t sep = 6;
	while (sep < n && strcmp(f[sep], "-"))
		sep++;
	if (sep + 3 >= n + 1 || sep + 2 >= n)
		return false;
	e->id = atoi(f[0]);
	e->parent = atoi(f[1]);
	e->root = unescape(f[3]);
	e->mountpoint = unescape(f[4]);
	/* The optional fields, space-joined. */
	size_t len = 1;
	for (size_t i = 6; i < sep; i++)
		len += strlen(f[i]) + 1;
	e->optional = calloc(1, len);
	for (size_t i = 6; e->optional && i < sep; i++) {
		if (i > 6)
			strcat(e->optional, " ");
		strcat(e->optional, f[i]);
	}
	e->fstype = strdup(f[sep + 1]);
	e->source = unescape(f[sep + 2]);
	e->super_opts = strdup(sep + 3 < n ? f[sep + 3] : "");
	if (!e->root || !e->mountpoint || !e->optional || !e->fstype || !e->source ||
	    !e->super_opts) {
		entry_free(e);
		return false;
	}
	return true;
}

static struct cubo_error *mountinfo_parse_file(FILE *f, const char *path, struct mountinfo *out)
{
	char *line = NULL;
	size_t cap = 0, alloc = 0;

	while (getline(&line, &cap, f) > 0) {
		struct mountinfo_entry e;
		if (!parse_line(line, &e))
			continue;
		if (out->n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			struct mountinfo_entry *v = realloc(out->v, alloc * sizeof(*v));
			if (!v) {
				entry_free(&e);
				free(line);
				mountinfo_free(out);
				return cubo_error_new_errno(ENOMEM, "read %s", path);
			}
			out->v = v;
		}
		out->v[out->n++] = e;
	}
	free(line);
	return NULL;
}

struct cubo_error *mountinfo_read(const char *path, struct mountinfo *out)
{
	FILE *f = fopen(path, "re");

	memset(out, 0, sizeof(*out));
	if (!f)
		return cubo_error_errno("open %s", path);
	struct cubo_error *err = mountinfo_parse_file(f, path, out);
	fclose(f);
	return err;
}

struct cubo_error *mountinfo_read_self(int procfd, struct mountinfo *out)
{
	FILE *f;

	memset(out, 0, sizeof(*out));
	CUBO_TRY(procfd_fopen_self(procfd, "mountinfo", &f));
	struct cubo_error *err = mountinfo_parse_file(f, "/proc/self/mountinfo", out);
	fclose(f);
	return err;
}

void mountinfo_free(struct mountinfo *mi)
{
	for (size_t i = 0; i < mi->n; i++)
		entry_free(&mi->v[i]);
	free(mi->v);
	mi->v = NULL;
	mi->n = 0;
}

bool mount_path_has_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	if (!strcmp(prefix, "/"))
		return path[0] == '/';
	return !strncmp(path, prefix, n) && (path[n] == '/' || path[n] == '\0');
}

const struct mountinfo_entry *mountinfo_find_parent(const struct mountinfo *mi, const char *path)
{
	const struct mountinfo_entry *best = NULL;
	/* The last match of the longest prefix: later lines are mounted on top. */
	for (size_t i = 0; i < mi->n; i++) {
		const struct mountinfo_entry *e = &mi->v[i];
		if (mount_path_has_prefix(path, e->mountpoint) &&
		    (!best || strlen(e->mountpoint) >= strlen(best->mountpoint)))
			best = e;
	}
	return best;
}

/* ---- helpers ---- */

bool mount_is_bind(const struct oci_mount *m)
{
	if (m->type && !strcmp(m->type, "bind"))
		return true;
	for (size_t i = 0; i < m->options.n; i++)
		if (!strcmp(m->options.v[i], "bind") || !strcmp(m->options.v[i], "rbind"))
			return true;
	return false;
}

char *mount_clean_path(const char *path)
{
	char *out = malloc(strlen(path) + 2), *p = out;
	if (!out)
		return NULL;
	const char *s = path;
	if (*s == '/')
		*p++ = '/';
	while (*s) {
		while (*s == '/')
			s++;
		const char *end = strchrnul(s, '/');
		size_t len = (size_t)(end - s);
		if (len && !(len == 1 && s[0] == '.')) {
			if (p > out && p[-1] != '/')
				*p++ = '/';
			memcpy(p, s, len);
			p += len;
		}
		s = end;
	}
	if (p == out)
		*p++ = path[0] == '/' ? '/' : '.';
	*p = '\0';
	return out;
}

static void fd_path(char buf[32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

static int setattr(int fd, bool recursive, uint64_t set, uint64_t clr, uint64_t propagation)
{
	struct mount_attr attr = {.attr_set = set, .attr_clr = clr, .propagation = propagation};
	return mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
			     sizeof(attr));
}

/*
 * In a user namespace the flags a mount inherited from a more privileged
 * one (ro, nosuid, nodev, noexec, atime) are locked: asking to clear them is
 * EPERM. runc keeps them silently; so do we, on the second try.
 */
static int setattr_keep_locked(int fd, bool recursive, uint64_t set, uint64_t clr)
{
	if (!set && !clr)
		return 0;
	if (setattr(fd, recursive, set, clr, 0) == 0)
		return 0;
	if (errno != EPERM || !clr)
		return -1;
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		return -1;
	uint64_t locked = 0;
	if (sv.f_flag & ST_RDONLY)
		locked |= MOUNT_ATTR_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		locked |= MOUNT_ATTR_NOSUID;
	if (sv.f_flag & ST_NODEV)
		locked |= MOUNT_ATTR_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		locked |= MOUNT_ATTR_NOEXEC;
	if (sv.f_flag & (ST_NOATIME | ST_RELATIME))
		locked |= MOUNT_ATTR__ATIME;
	if (clr & MOUNT_ATTR__ATIME & locked)
		set &= ~(uint64_t)MOUNT_ATTR__ATIME;
	clr &= ~locked;
	errno = 0;
	return setattr(fd, recursive, set, clr, 0);
}

struct cubo_error *mount_bind_onto(int dirfd, const char *path, bool recursive, uint64_t attr_set,
				   int targetfd)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	if (!*path)
		flags |= AT_EMPTY_PATH;
	int tree = open_tree(dirfd, path, flags);
	if (tree < 0)
		return cubo_error_errno("open_tree %s", *path ? path : "(fd)");
	if (attr_set && setattr(tree, recursive, attr_set, 0, 0) < 0) {
		int e = errno;
		close(tree);
		return cubo_error_new_errno(e, "set mount attributes");
	}
	if (move_mount(tree, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0) {
		int e = errno;
		close(tree);
		return cubo_error_new_errno(e, "move_mount");
	}
	close(tree);
	return NULL;
}

struct cubo_error *mount_empty_tmpfs_onto(int targetfd)
{
	struct cubo_error *err = NULL;
	int fs, mnt = -1;

	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return cubo_error_errno("fsopen tmpfs");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		err = cubo_error_errno("create a tmpfs");
	if (!err) {
		mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
		if (mnt < 0)
			err = cubo_error_errno("fsmount tmpfs");
	}
	if (!err && move_mount(mnt, "", targetfd, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		err = cubo_error_errno("attach a tmpfs");
	if (mnt >= 0)
		close(mnt);
	close(fs);
	return err;
}

/* ---- one config mount ---- */

struct mount_job {
	const struct rootfs_ctx *ctx;
	int rootfd;
	const struct oci_mount *m;
	const char *dest;
	const char *type; /* "bind" for binds */
	struct mount_opts o;
	char what[512]; /* "mount tmpfs on /dev (mounts[1])" */
};

static struct cubo_error *job_error(const struct mount_job *j, int errnum, const char *step)
{
	if (step)
		return cubo_error_new_errno(errnum, "%s: %s", j->what, step);
	return cubo_error_new_errno(errnum, "%s", j->what);
}

static struct cubo_error *apply_propagation(const struct mount_job *j, int mntfd)
{
	for (size_t i = 0; i < j->o.n_propagation; i++) {
		unsigned long p = j->o.propagation[i];
		if (setattr(mntfd, p & MS_REC, 0, 0, p & ~(unsigned long)MS_REC) < 0)
			return job_error(j, errno, "set propagation");
	}
	return NULL;
}

static struct cubo_error *write_map(int procfd, const char *file, const struct oci_id_mapping *v,
				    size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return cubo_error_errno("write %s", file);
	for (size_t i = 0; i < n; i++)
		fprintf(mem, "%u %u %u\n", v[i].container_id, v[i].host_id, v[i].size);
	fclose(mem);
	int fd = openat(procfd, file, O_WRONLY | O_CLOEXEC);
	struct cubo_error *err = NULL;
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		err = cubo_error_errno("write %s", file);
	if (fd >= 0)
		close(fd);
	free(text);
	return err;
}

/*
 * An idmapped mount takes its mapping from a user namespace: make one with
 * the mount's uidMappings/gidMappings in a short-lived child and keep its fd.
 * The child shares our fd table and opens its own /proc/self for us: /proc
 * may belong to another pid namespace than ours, so its pid is no use.
 */
static struct cubo_error *idmap_userns(const struct mount_job *j, int *out)
{
	const struct oci_mount *m = j->m;
	struct cubo_error *err = NULL;
	int ready[2], done[2];

	if (!m->n_uid_mappings || !m->n_gid_mappings)
		return cubo_error_new("%s: an idmap mount needs uidMappings and gidMappings",
				      j->what);
	if (pipe2(ready, O_CLOEXEC) < 0)
		return cubo_error_errno("%s: pipe", j->what);
	if (pipe2(done, O_CLOEXEC) < 0) {
		err = cubo_error_errno("%s: pipe", j->what);
		close(ready[0]);
		close(ready[1]);
		return err;
	}
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_FILES | SIGCHLD, NULL, NULL,
				   NULL, NULL);
	if (pid == 0) {
		/* Shared fd table: close nothing here. */
		int procfd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
		char c;
		(void)!write(ready[1], &procfd, sizeof(procfd));
		(void)!read(done[0], &c, 1);
		_exit(0);
	}
	if (pid < 0) {
		err = cubo_error_errno("%s: create user namespace", j->what);
	} else {
		int procfd = -1;
		if (read(ready[0], &procfd, sizeof(procfd)) != sizeof(procfd) || procfd < 0)
			err = cubo_error_new("open the helper's /proc entry");
		if (!err)
			err = write_map(procfd, "uid_map", m->uid_mappings, m->n_uid_mappings);
		if (!err)
			err = write_map(procfd, "gid_map", m->gid_mappings, m->n_gid_mappings);
		if (!err) {
			*out = openat(procfd, "ns/user", O_RDONLY | O_CLOEXEC);
			if (*out < 0)
				err = cubo_error_errno("open user namespace");
		}
		if (procfd >= 0)
			close(procfd);
	}
	close(done[1]); /* lets the child go */
	close(done[0]);
	close(ready[0]);
	close(ready[1]);
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return cubo_error_wrap(err, "%s: idmap", j->what);
}

static struct cubo_error *apply_idmap(const struct mount_job *j, int tree)
{
	int usernsfd = -1;
	CUBO_TRY(idmap_userns(j, &usernsfd));
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)usernsfd};
	int r = mount_setattr(tree, "", AT_EMPTY_PATH | (j->o.ridmap ? AT_RECURSIVE : 0), &attr,
			      sizeof(attr));
	int e = errno;
	close(usernsfd);
	return r < 0 ? job_error(j, e, "set idmap") : NULL;
}

static bool wants_idmap(const struct mount_job *j)
{
	return j->o.idmap || j->o.ridmap || j->m->n_uid_mappings || j->m->n_gid_mappings;
}

/* Recursive attributes and propagation, on a mount already in place. */
static struct cubo_error *finish_mount(const struct mount_job *j, int mntfd)
{
	if ((j->o.rattr_set || j->o.rattr_clr) &&
	    setattr_keep_locked(mntfd, true, j->o.rattr_set, j->o.rattr_clr) < 0)
		return job_error(j, errno, "set recursive attributes");
	return apply_propagation(j, mntfd);
}

/* After mount(2) onto an fd, that fd still names what is underneath: look again. */
static struct cubo_error *reopen_and_finish(const struct mount_job *j)
{
	int fd;
	if (!j->o.rattr_set && !j->o.rattr_clr && !j->o.n_propagation)
		return NULL;
	CUBO_TRY_CTX(cubo_open_in_root(j->rootfd, j->dest, O_PATH, 0, &fd), "%s", j->what);
	struct cubo_error *err = finish_mount(j, fd);
	close(fd);
	return err;
}

char *mount_bind_source(const char *bundle, const char *src)
{
	/* Relative bind sources are relative to the bundle (config.md "Mounts"). */
	if (src[0] != '/' && bundle) {
		char *joined;
		if (asprintf(&joined, "%s/%s", bundle, src) < 0)
			return NULL;
		return joined;
	}
	return strdup(src);
}

/* The target: a directory, or a file when what goes there is not one. */
static struct cubo_error *open_target(const struct mount_job *j, bool is_dir, int *fd)
{
	if (is_dir)
		CUBO_TRY_CTX(cubo_mkdir_all_in_root(j->rootfd, j->dest, 0755, fd), "%s", j->what);
	else
		CUBO_TRY_CTX(cubo_mkfile_in_root(j->rootfd, j->dest, 0644, fd), "%s", j->what);
	return NULL;
}

static struct cubo_error *do_bind(const struct mount_job *j, const char *source, bool recursive)
{
	struct stat st;
	struct cubo_error *err = NULL;
	int targetfd = -1, tree = -1;
	uint64_t set, clr;

	if (!source)
		return cubo_error_new("%s: a bind mount needs a source", j->what);
	char *src = mount_bind_source(j->ctx->bundle, source);
	if (!src)
		return cubo_error_new_errno(ENOMEM, "%s", j->what);
	if (stat(src, &st) < 0) {
		err = cubo_error_errno("%s: source %s", j->what, src);
		goto out;
	}
	if ((err = open_target(j, S_ISDIR(st.st_mode), &targetfd)))
		goto out;

	tree = open_tree(AT_FDCWD, src,
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
	if (tree < 0) {
		err = cubo_error_errno("%s: open_tree %s", j->what, src);
		goto out;
	}
	if ((err = proc_guard_target(j->rootfd, j->dest, targetfd, tree, false, j->what)))
		goto out;
	/* On the detached clone: nothing is visible until it is all set. */
	if (wants_idmap(j) && (err = apply_idmap(j, tree)))
		goto out;
	if ((j->o.rattr_set || j->o.rattr_clr) &&
	    setattr_keep_locked(tree, true, j->o.rattr_set, j->o.rattr_clr) < 0) {
		err = job_error(j, errno, "set recursive attributes");
		goto out;
	}
	mount_opts_to_attr(&j->o, &set, &clr);
	if (setattr_keep_locked(tree, false, set, clr) < 0) {
		err = job_error(j, errno, "set attributes");
		goto out;
	}
	if (move_mount(tree, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0) {
		err = job_error(j, errno, NULL);
		goto out;
	}
	err = apply_propagation(j, tree);
out:
	if (tree >= 0)
		close(tree);
	if (targetfd >= 0)
		close(targetfd);
	free(src);
	return err;
}

/* sysfs and mqueue cannot be mounted in a user namespace that does not own the net/ipc ns. */
static const char *userns_fallback_source(const struct mount_job *j)
{
	if (!j->ctx->in_userns)
		return NULL;
	if (!strcmp(j->type, "sysfs"))
		return "/sys";
	if (!strcmp(j->type, "mqueue"))
		return "/dev/mqueue";
	return NULL;
}

static struct cubo_error *open_fs_target(const struct mount_job *j, int *fd)
{
	/* An existing file stays a file (mounting a filesystem image on it is legal). */
	int r = -1;
	struct cubo_error *err = cubo_open_in_root(j->rootfd, j->dest, O_PATH, 0, &r);
	if (!err) {
		struct stat st;
		if (fstat(r, &st) == 0 && !S_ISDIR(st.st_mode)) {
			*fd = r;
			return NULL;
		}
		close(r);
	} else {
		cubo_error_free(err);
	}
	return open_target(j, true, fd);
}

static struct cubo_error *do_new_fs(const struct mount_job *j, const char *type, const char *source,
				    unsigned long extra_ms)
{
	bool is_proc = !strcmp(type, "proc");
	char p[32];
	int fd;

	if (is_proc || !strcmp(type, "sysfs"))
		CUBO_TRY(proc_guard_plain_dir(j->rootfd, j->dest, j->what));
	CUBO_TRY(open_fs_target(j, &fd));
	struct cubo_error *guard = proc_guard_target(j->rootfd, j->dest, fd, -1, is_proc, j->what);
	if (guard) {
		close(fd);
		return guard;
	}
	fd_path(p, fd);
	unsigned long flags = (j->o.ms_set | extra_ms) & ~(unsigned long)(MS_BIND | MS_REC);
	int r = mount(source ? source : type, p, type, flags, j->o.data);
	int e = errno;
	close(fd);
	if (r < 0) {
		const char *fallback = e == EPERM ? userns_fallback_source(j) : NULL;
		struct stat st;
		if (fallback && stat(fallback, &st) == 0)
			return do_bind(j, fallback, true);
		return job_error(j, e, NULL);
	}
	return reopen_and_finish(j);
}

static struct cubo_error *do_remount(const struct mount_job *j, bool bind)
{
	char p[32];
	int fd;

	CUBO_TRY_CTX(cubo_open_in_root(j->rootfd, j->dest, O_PATH, 0, &fd), "%s", j->what);
	struct cubo_error *err = NULL;
	if (bind) {
		uint64_t set, clr;
		mount_opts_to_attr(&j->o, &set, &clr);
		if (setattr_keep_locked(fd, false, set, clr) < 0)
			err = job_error(j, errno, "set attributes");
	} else {
		fd_path(p, fd);
		if (mount(j->m->source, p, j->m->type, j->o.ms_set | MS_REMOUNT, j->o.data) < 0)
			err = job_error(j, errno, NULL);
	}
	if (!err)
		err = finish_mount(j, fd);
	close(fd);
	return err;
}

/* ---- cgroup mounts ---- */

/* This process's cgroup in the hierarchy with these controllers ("" for cgroup2). */
static char *own_cgroup(int procfd, const char *controllers)
{
	char *line = NULL, *found = NULL;
	size_t cap = 0;
	FILE *f;
	struct cubo_error *err = procfd_fopen_self(procfd, "cgroup", &f);

	if (err) {
		cubo_error_free(err);
		return NULL;
	}
	while (!found && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *c = strchr(line, ':');
		char *path = c ? strchr(c + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = '\0';
		if (!strcmp(c + 1, controllers))
			found = strdup(path);
	}
	free(line);
	fclose(f);
	return found;
}

char *mount_cgroup_v1_controllers(const char *super_opts)
{
	char *out = calloc(1, strlen(super_opts) + 1);
	char *copy = strdup(super_opts), *save = NULL;
	if (!out || !copy) {
		free(out);
		free(copy);
		return NULL;
	}
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

/* Host directory to bind for a hierarchy: our own cgroup in it when it exists. */
static char *hierarchy_source(int procfd, const struct mountinfo_entry *e, const char *controllers)
{
	char *own = own_cgroup(procfd, controllers);
	char *src = NULL;
	if (own && mount_path_has_prefix(own, e->root)) {
		const char *rel = own + (strcmp(e->root, "/") ? strlen(e->root) : 0);
		if (asprintf(&src, "%s%s", e->mountpoint, rel) < 0)
			src = NULL;
		struct stat st;
		if (src && stat(src, &st) < 0) {
			free(src);
			src = NULL;
		}
	}
	free(own);
	return src ? src : strdup(e->mountpoint);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* One hierarchy under the cgroup tmpfs (dirfd), named after its host mountpoint. */
static struct cubo_error *mount_hierarchy(const struct mount_job *j, int dirfd,
					  const struct mountinfo_entry *e, bool v2)
{
	const char *name = base_name(e->mountpoint);
	struct cubo_error *err = NULL;
	char p[32];
	uint64_t set, clr;

	char *controllers = v2 ? strdup("") : mount_cgroup_v1_controllers(e->super_opts);
	if (!controllers)
		return cubo_error_new_errno(ENOMEM, "%s", j->what);
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
		fd_path(p, fd);
		if (mount("cgroup", p, v2 ? "cgroup2" : "cgroup", flags, v2 ? NULL : controllers) <
		    0)
			err = cubo_error_errno("%s: mount %s hierarchy %s", j->what,
					       v2 ? "cgroup2" : "cgroup", name);
	} else {
		char *src = hierarchy_source(j->ctx->procfd, e, controllers);
		if (!src)
			err = cubo_error_new_errno(ENOMEM, "%s", j->what);
		else if ((err = mount_bind_onto(AT_FDCWD, src, false, set, fd)))
			err = cubo_error_wrap(err, "%s: bind %s", j->what, src);
		free(src);
	}
	close(fd);
	/* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct", as on the host. */
	if (!err && strchr(name, ',')) {
		char *copy = strdup(name), *save = NULL;
		for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t;
		     t = strtok_r(NULL, ",", &save)) {
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

static struct cubo_error *do_cgroup(const struct mount_job *j)
{
	struct mountinfo mi;
	struct cubo_error *err = NULL;
	bool pure_v2 = false;
	int dirfd = -1;

	CUBO_TRY_CTX(mountinfo_read_self(j->ctx->procfd, &mi), "%s", j->what);
	for (size_t i = 0; i < mi.n; i++)
		pure_v2 |= mount_cgroup_is_unified_root(&mi.v[i]);
	if (pure_v2) {
		err = do_new_fs(j, "cgroup2", "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC);
		/* Without a cgroup namespace a user namespace may not mount cgroup2: bind it. */
		if (err && (err->errnum == EPERM || err->errnum == EBUSY) &&
		    !j->ctx->new_cgroup_ns) {
			cubo_error_free(err);
			char *own = own_cgroup(j->ctx->procfd, "");
			char *src = NULL;
			if (own && asprintf(&src, "/sys/fs/cgroup%s", own) < 0)
				src = NULL;
			err = do_bind(j, src ? src : "/sys/fs/cgroup", true);
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
	if ((err = do_new_fs(&tj, "tmpfs", "tmpfs", 0)))
		goto out;
	if ((err = cubo_open_in_root(j->rootfd, j->dest, O_PATH | O_DIRECTORY, 0, &dirfd))) {
		err = cubo_error_wrap(err, "%s", j->what);
		goto out;
	}
	for (size_t i = 0; i < mi.n && !err; i++) {
		bool v2;
		if (mount_cgroup_is_hierarchy(&mi.v[i], &v2))
			err = mount_hierarchy(j, dirfd, &mi.v[i], v2);
	}
	if (!err && (j->o.ms_set & MS_RDONLY) && setattr(dirfd, false, MOUNT_ATTR_RDONLY, 0, 0) < 0)
		err = job_error(j, errno, "make the cgroup tmpfs read-only");
	if (!err)
		err = finish_mount(j, dirfd);
out:
	if (dirfd >= 0)
		close(dirfd);
	mountinfo_free(&mi);
	return err;
}

static struct cubo_error *mount_one(const struct rootfs_ctx *ctx, int rootfd,
				    const struct oci_mount *m, size_t index)
{
	struct mount_job j = {.ctx = ctx, .rootfd = rootfd, .m = m, .dest = m->destination};
	struct cubo_error *err;

	if (!m->destination || !*m->destination)
		return cubo_error_new("mounts[%zu]: destination is empty", index);
	CUBO_TRY_CTX(mount_opts_parse(&m->options, &j.o), "mounts[%zu]", index);
	bool bind = j.o.bind || j.o.rbind || (m->type && !strcmp(m->type, "bind"));
	j.type = bind ? "bind" : (m->type ? m->type : "none");
	snprintf(j.what, sizeof(j.what), "mount %s on %s (mounts[%zu])", j.type, j.dest, index);

	if (wants_idmap(&j) && !bind)
		err = cubo_error_new("%s: idmap is only supported for bind mounts", j.what);
	else if (j.o.remount)
		err = do_remount(&j, bind);
	else if (bind)
		err = do_bind(&j, m->source, j.o.rbind);
	else if (!m->type)
		err = cubo_error_new("%s: no type", j.what);
	else if (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2"))
		err = do_cgroup(&j);
	else
		err = do_new_fs(&j, m->type, m->source, 0);
	mount_opts_free(&j.o);
	return err;
}

struct cubo_error *mounts_apply(const struct rootfs_ctx *ctx, int rootfd)
{
	for (size_t i = 0; i < ctx->cfg->n_mounts; i++) {
		if (ctx->log)
			cubo_debug(ctx->log, "mount %s", ctx->cfg->mounts[i].destination);
		CUBO_TRY(mount_one(ctx, rootfd, &ctx->cfg->mounts[i], i));
	}
	return NULL;
}

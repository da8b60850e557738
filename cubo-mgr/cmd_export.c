/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr export: a container's filesystem (its image's layers with its
 * changes, no volumes) as a tar stream, as docker export writes it. A
 * running container's is read where its monitor mounted it; a stopped one's
 * overlay is mounted read-only, with the upper directory as its top layer,
 * in a mount namespace of this process's own (nothing is left mounted
 * whatever kills it), while holding the container's lock so that a start
 * does not change the directories under the mount. The tree is the
 * container's: tree_tar.h reads it without following anything out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cubo-mgr/image/tree_tar.h"
#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/rootfs.h"
#include "cubo-mgr/ctr_fs.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/procstat.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/*
 * A running container's tree as its monitor mounted it, reached through the
 * monitor's /proc entry: opened first, then checked to be the monitor's
 * (its start time), so a reused pid never leads elsewhere. -1 when there is
 * none to reach.
 */
static int live_tree(const struct ctr_record *r, const char *dir)
{
	if ((r->status != CTR_RUNNING && r->status != CTR_PAUSED) || r->monitor_pid <= 0)
		return -1;
	char proc[32];
	snprintf(proc, sizeof(proc), "/proc/%d", (int)r->monitor_pid);
	int pfd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	int fd = -1;
	if (r->monitor_start_time &&
	    cubo_proc_start_time(r->monitor_pid) == r->monitor_start_time) {
		char *rel = xasprintf("root%s/rootfs", dir);
		fd = openat(pfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		free(rel);
	}
	close(pfd);
	return fd;
}

/* The container's merged tree, read-only, as a directory fd no path reaches. */
static struct cubo_error *export_tree_open(const struct ctr_ctx *c, const struct ctr_record *r,
					   const struct ctr_fs *f, int *out)
{
	if (!f->copied && (*out = live_tree(r, f->dir)) >= 0)
		return NULL;
	if (f->copied) {
		char *rootfs = cubo_path_join(f->dir, "rootfs");
		*out = open(rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct cubo_error *err = *out < 0 ? cubo_error_errno("open %s", rootfs) : NULL;
		free(rootfs);
		return err;
	}
	CUBO_TRY(rootfs_private_namespace());
	char **layers = cubo_strv_dup(r->layers);
	size_t n = cubo_strv_len(layers);
	cubo_strv_push(&layers, &n, f->upper);
	char *mnt = xasprintf("%s/.export-XXXXXX", f->dir);
	struct cubo_error *err = NULL;
	if (!mkdtemp(mnt))
		err = cubo_error_errno("mkdtemp %s", mnt);
	else {
		err = rootfs_mount_dirs(c->layers_dir, layers, NULL, NULL, mnt, NULL);
		if (!err && (*out = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			err = cubo_error_errno("open %s", mnt);
		/* the fd keeps the tree; the mount point goes at once */
		umount2(mnt, MNT_DETACH);
		rmdir(mnt);
	}
	free(mnt);
	cubo_strv_free(layers);
	return err;
}

/* docker export's tar: every xattr, no whiteouts (the tree is the merged one) */
static struct cubo_error *write_tar(int tree, int fd)
{
	struct tree_tar t = {0};
	return tree_tar_write(&t, tree, NULL, fd, NULL);
}

/* FILE written aside and renamed into place once whole and on the disk. */
static struct cubo_error *write_file(int tree, const char *path)
{
	char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		struct cubo_error *err = cubo_error_errno("create %s", tmp);
		free(tmp);
		return err;
	}
	struct cubo_error *err = write_tar(tree, fd);
	if (!err && fsync(fd) < 0)
		err = cubo_error_errno("fsync %s", tmp);
	if (close(fd) < 0 && !err)
		err = cubo_error_errno("close %s", tmp);
	if (!err && rename(tmp, path) < 0)
		err = cubo_error_errno("rename %s to %s", tmp, path);
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

static struct cubo_error *export(struct ctr_ctx *c, const char *arg, const char *output)
{
	struct ctr_record r;
	CUBO_TRY(ctr_find(c, arg, &r));
	struct ctr_fs f;
	int lock = -1, tree = -1;
	struct cubo_error *err = ctr_fs_open(c, &r, &f);
	if (!err)
		err = ctr_store_lock(&c->store, r.id, &lock);
	if (!err)
		err = export_tree_open(c, &r, &f, &tree);
	if (lock >= 0)
		cubo_unlock(lock);
	if (!err)
		err = output ? write_file(tree, output) : write_tar(tree, STDOUT_FILENO);
	if (tree >= 0)
		close(tree);
	ctr_fs_free(&f);
	ctr_record_free(&r);
	return err;
}

int cmd_export(struct mgr *m, int argc, char **argv)
{
	const char *output = NULL;
	const struct cli_opt opts[] = {
		{"output", 'o', CLI_STRING, &output, "FILE", "write to FILE instead of stdout"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "export",
		.usage = "export [OPTIONS] CONTAINER",
		.description = "Write a container's filesystem (without its volumes) as a tar "
			       "archive,\nrunning or not.",
		MGR_ARGS(1, 1, "expected one container"),
		MGR_OPTS(opts),
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (!output && isatty(STDOUT_FILENO))
		return mgr_usage_error(m, "export",
				       cubo_error_new("cowardly refusing to save to a terminal: "
						      "use the -o flag or redirect"));
	struct ctr_ctx c;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err)
		err = export(&c, args.v[0], output);
	ctr_ctx_close(&c);
	if (err)
		return mgr_fail(m, cubo_error_wrap(err, "export %s", args.v[0]));
	return 0;
}

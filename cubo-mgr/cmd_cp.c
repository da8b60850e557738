/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr cp: copy files between a container and the host, docker's rules
 * (container/cp_rule.h). Every copy is a tar stream: the source tree written
 * by image/tree_tar.c, read into the destination by the layer unpacker
 * (image/unpack.h), whose protections hold here too: nothing is created
 * outside the destination directory, no entry goes through a symlink, a
 * file is never written through an existing one. Paths in the container are
 * resolved inside its root (shared/path_in_root.h), never joined as strings.
 * `-` stands for a tar stream on stdin or stdout.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/cp_rule.h"
#include "cubo-mgr/container/ctr_root.h"
#include "cubo-mgr/container/stats.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/image/tree_tar.h"
#include "cubo-mgr/image/unpack.h"
#include "shared/path_in_root.h"
#include "shared/xalloc.h"

/* docker's status for a copy that failed (its own flag errors stay 125) */
#define CP_EXIT_FAILURE 1
/* symlinks followed at DEST_PATH, as the kernel follows at most */
#define CP_MAX_LINKS 40

/* One end of the copy: a path on the host, or in a container's root. */
struct cp_end {
	char *container; /* NULL: the host */
	char *path;	 /* "-": a tar stream on stdin or stdout */
	int root;	 /* the container's root (O_PATH), or -1 */
};

static struct cubo_error *end_open(const struct cp_end *e, const char *path, int flags, int *fd)
{
	if (e->root < 0) {
		*fd = open(path, flags | O_CLOEXEC);
		return *fd < 0 ? cubo_error_errno("%s", path) : NULL;
	}
	struct cubo_error *err = cubo_open_in_root(e->root, path, flags, 0, fd);
	if (err) { /* one line naming it as the user did: "web:/etc/x: Permission denied" */
		int e2 = err->errnum;
		cubo_error_free(err);
		err = cubo_error_new_errno(e2, "%s:%s", e->container, path);
	}
	return err;
}

/* What path is there (following symlinks inside the root unless nofollow); *fd: O_PATH of it. */
static struct cubo_error *end_stat(const struct cp_end *e, const char *path, bool nofollow,
				   enum cp_kind *kind, int *fd)
{
	*fd = -1;
	struct cubo_error *err = end_open(e, path, O_PATH | (nofollow ? O_NOFOLLOW : 0), fd);
	if (err && err->errnum == ENOENT) {
		cubo_error_free(err);
		*kind = CP_MISSING;
		return NULL;
	}
	CUBO_TRY(err);
	struct stat st;
	if (fstat(*fd, &st) < 0)
		return cubo_error_errno("stat %s", path);
	*kind = S_ISDIR(st.st_mode) ? CP_DIR : CP_FILE;
	return NULL;
}

/*
 * docker follows a symlink at DEST_PATH to the file it names (in a
 * container, inside its root): the path it leads to, or path itself.
 */
static struct cubo_error *follow_dest(const struct cp_end *e, const char *path, char **out)
{
	char *cur = xstrdup(path);
	for (int i = 0; i < CP_MAX_LINKS; i++) {
		int fd;
		struct cubo_error *err = end_open(e, cur, O_PATH | O_NOFOLLOW, &fd);
		struct stat st;
		if (err || fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode)) {
			cubo_error_free(err);
			if (!err)
				close(fd);
			*out = cur;
			return NULL;
		}
		char target[PATH_MAX];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		close(fd);
		if (n <= 0) {
			free(cur);
			return cubo_error_errno("readlink %s", path);
		}
		target[n] = '\0';
		char *dir = cp_dir_name(cur);
		char *next = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", dir, target);
		free(dir);
		free(cur);
		cur = next;
	}
	free(cur);
	return cubo_error_new_errno(ELOOP, "%s", path);
}

/* "CTR:/path" or "/path", for messages */
static char *end_name(const struct cp_end *e)
{
	return e->container ? xasprintf("%s:%s", e->container, e->path) : xstrdup(e->path);
}

struct writer {
	int src, out;
	const char *name;
	struct cubo_error *err;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct tree_tar t = {.caps_only = true};
	w->err = tree_tar_write(&t, w->src, w->name, w->out, NULL);
	close(w->out); /* the reader's end of the stream */
	return NULL;
}

/* Unpack a tar stream read from in into the directory dirfd; *bytes: the stream's size. */
static struct cubo_error *unpack_into(int in, int dirfd, const char *what, bool archive,
				      uint64_t *bytes)
{
	char dest[64];
	snprintf(dest, sizeof(dest), "/proc/self/fd/%d", dirfd);
	struct unpack_opts uo = {
		.layer_name = what,
		.plain_tar = true,
		.compression = UNPACK_COMPRESSION_NONE,
		/* docker: the copy belongs to the receiving side's root unless -a */
		.ignore_owners = !archive,
	};
	struct unpack_result res = {0};
	struct cubo_error *err = unpack_fd(in, dest, &uo, &res);
	*bytes = res.tar_bytes;
	return err;
}

/* The tree at src as the entry name (NULL: its entries) in dirfd, through a pipe. */
static struct cubo_error *copy_tree(int src, const char *name, int dirfd, const char *what,
				    bool archive, uint64_t *bytes)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cubo_error_errno("pipe");
	struct writer w = {.src = src, .out = p[1], .name = name};
	pthread_t t;
	int r = pthread_create(&t, NULL, writer_main, &w);
	if (r) {
		close(p[0]);
		close(p[1]);
		return cubo_error_new_errno(r, "start the copy");
	}
	struct cubo_error *err = unpack_into(p[0], dirfd, what, archive, bytes);
	/* a failed reader: the writer's next write fails (EPIPE) and it stops */
	close(p[0]);
	pthread_join(t, NULL);
	/* a writer that failed reading cut the stream short: its error says why */
	if (w.err && w.err->errnum != EPIPE) {
		cubo_error_free(err);
		return w.err;
	}
	if (err) {
		cubo_error_free(w.err);
		return err;
	}
	return w.err;
}

struct cp_opts {
	bool archive, follow, quiet;
};

static struct cubo_error *do_copy(struct cp_end *src, struct cp_end *dst, const struct cp_opts *o,
				  uint64_t *bytes)
{
	char *what = end_name(dst), *src_name = end_name(src), *dest_path = NULL;
	struct cubo_error *err = NULL;
	int sfd = -1, dfd = -1, dirfd = -1;
	struct cp_plan plan = {0};
	enum cp_kind sk = CP_MISSING, dk = CP_MISSING;
	bool from_stdin = !strcmp(src->path, "-") && !src->container;
	bool to_stdout = !strcmp(dst->path, "-") && !dst->container;
	if (!from_stdin) {
		/* a symlink at SRC is copied as one, unless -L (or SRC names a directory) */
		err = end_stat(src, src->path, !o->follow && !cp_names_dir(src->path), &sk, &sfd);
		if (!err && sk == CP_MISSING)
			err = cubo_error_new("%s: no such file or directory", src_name);
	}
	if (!err && to_stdout) {
		char *base = cp_base_name(src->path);
		bool entries = sk == CP_DIR && (cp_names_contents(src->path) || !strcmp(base, "/"));
		struct tree_tar t = {.caps_only = true};
		err = tree_tar_write(&t, sfd, entries ? NULL : base, STDOUT_FILENO, bytes);
		free(base);
		goto out;
	}
	if (!err)
		err = end_stat(dst, dst->path, false, &dk, &dfd);
	if (!err && from_stdin) {
		if (dk != CP_DIR)
			err = cubo_error_new("destination \"%s\" must be a directory", what);
		else
			err = unpack_into(STDIN_FILENO, dfd, what, o->archive, bytes);
		goto out;
	}
	/* a file reached through a symlink is written where the link leads */
	if (!err && dk == CP_FILE && !cp_names_dir(dst->path))
		err = follow_dest(dst, dst->path, &dest_path);
	struct cp_side ss = {src->path, sk, src_name},
		       ds = {dest_path ? dest_path : dst->path, dk, what};
	if (!err)
		err = cp_plan_make(&ss, &ds, &plan);
	if (!err) {
		err = end_open(dst, plan.dir, O_PATH | O_DIRECTORY, &dirfd);
		if (err && (err->errnum == ENOENT || err->errnum == ENOTDIR)) {
			cubo_error_free(err);
			struct cp_end parent = {dst->container, plan.dir, -1};
			char *n = end_name(&parent);
			err = cubo_error_new("%s: no such directory", n);
			free(n);
		}
	}
	if (!err)
		err = copy_tree(sfd, plan.name, dirfd, what, o->archive, bytes);
out:
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	if (dirfd >= 0)
		close(dirfd);
	cp_plan_free(&plan);
	free(dest_path);
	free(what);
	free(src_name);
	return err;
}

static struct cubo_error *parse_end(const char *arg, struct cp_end *e)
{
	e->root = -1;
	return cp_arg_split(arg, &e->container, &e->path);
}

static void end_free(struct cp_end *e)
{
	free(e->container);
	free(e->path);
}

int cmd_cp(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	struct cp_opts o = {0};
	const struct cli_opt opts[] = {
		{"archive", 'a', CLI_BOOL, &o.archive, NULL,
		 "keep the files' owners (uid and gid) as they are"},
		{"follow-link", 'L', CLI_BOOL, &o.follow, NULL,
		 "copy what a symlink at SRC_PATH names"},
		{"quiet", 'q', CLI_BOOL, &o.quiet, NULL, "print nothing on success"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "cp",
		.usage = "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
			 "       cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
		.description =
			"Copy files and directories between a container and the host, docker's "
			"rules.\nA DEST_PATH that does not exist is made from SRC_PATH (its parent "
			"must exist);\nSRC_PATH ending in \"/.\" copies a directory's contents. "
			"'-' reads or writes\na tar stream. The copy belongs to root on the "
			"receiving side unless -a.\nThe container may be running or stopped.",
		MGR_OPTS(opts),
		MGR_ARGS(2, 2, "expected a source and a destination"),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct cp_end src = {0}, dst = {0};
	struct cubo_error *err = parse_end(args.v[0], &src);
	if (!err)
		err = parse_end(args.v[1], &dst);
	if (!err && src.container && dst.container)
		err = cubo_error_new("copying between containers is not supported");
	if (!err && !src.container && !dst.container)
		err = cubo_error_new("must specify at least one container source");
	if (err) {
		end_free(&src);
		end_free(&dst);
		return mgr_usage_error(m, "cp", err);
	}
	struct cp_end *ce = src.container ? &src : &dst;
	struct ctr_ctx c = {0};
	struct ctr_record r = {0};
	struct ctr_root root = {.fd = -1, .lock = -1};
	uint64_t bytes = 0;
	/* a reader gone (`cp ctr:/x - | head`) is an error to report, not a signal to die of */
	signal(SIGPIPE, SIG_IGN);
	err = ctr_ctx_open(m, &c);
	if (!err) {
		err = ctr_find(&c, ce->container, &r);
		if (!err)
			err = ctr_root_open(&c.store, c.layers_dir, m->settings.storage_driver, &r,
					    &root);
		if (!err) {
			ce->root = root.fd;
			err = do_copy(&src, &dst, &o, &bytes);
		}
		ctr_root_close(&root);
		ctr_record_free(&r);
		ctr_ctx_close(&c);
	}
	rc = 0;
	if (err) {
		(void)mgr_fail(m, err);
		rc = CP_EXIT_FAILURE;
	} else if (!o.quiet && strcmp(dst.path, "-") && isatty(STDERR_FILENO)) {
		char size[32], *to = end_name(&dst);
		ctr_stats_decimal_size(bytes, size, sizeof(size));
		fprintf(stderr, "Successfully copied %s to %s\n", size, to);
		free(to);
	}
	end_free(&src);
	end_free(&dst);
	return rc;
}

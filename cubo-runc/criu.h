/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checkpoint and restore through CRIU's command line (`criu dump`,
 * `criu pre-dump`, `criu restore`), as Debian ships criu without libcriu:
 * one criu process per operation, its log in the work directory, its
 * failure reported with the log's path and first error line.
 *
 * What the images depend on, as runc arranges it: bind mounts from the
 * host are external mounts keyed by their destination (restore binds
 * them again from the bundle's config), a network namespace the config
 * joins by path is external ("extRootNetNS", restored into the one the
 * new config names), and the init's stdio is recorded in
 * descriptors.json so restore hands its own pipes on in their place (and
 * its own streams for host files the init had open there, dumped as
 * external files).
 */
#ifndef CUBO_RUNC_CRIU_H
#define CUBO_RUNC_CRIU_H

#include <stdbool.h>
#include <sys/types.h>

#include "cubo-runc/container.h"

/* The flags checkpoint and restore share (runc's names). */
struct criu_opts {
	const char *criu;		 /* --criu (global): the binary; NULL: "criu" on PATH */
	const char *image_path;		 /* default ./checkpoint */
	const char *work_path;		 /* default: image_path */
	const char *manage_cgroups_mode; /* soft (default), full, strict, ignore, props, none */
	const char *empty_ns;		 /* a namespace type created empty on restore ("network") */
	bool tcp_established;
	bool ext_unix_sk;
	bool shell_job;
	bool file_locks;
	bool auto_dedup;
	bool lazy_pages; /* checkpoint: serve pages to a lazy restore; restore: fetch them lazily */
};

/* The flags checkpoint and restore share, as runc_opt table entries filling o. */
#define CRIU_OPTS(o)                                                                                 \
	{"image-path",	  0,	 OPT_STRING,                                                         \
	 &(o).image_path, "DIR", "criu's image files (default: ./checkpoint)"},                      \
		{"work-path",	 0,	OPT_STRING,                                                  \
		 &(o).work_path, "DIR", "criu's work files and logs (default: the image path)"},     \
		{"tcp-established",    0,    OPT_BOOL,                                               \
		 &(o).tcp_established, NULL, "allow open TCP connections"},                          \
		{"ext-unix-sk", 0, OPT_BOOL, &(o).ext_unix_sk, NULL, "allow external unix sockets"}, \
		{"shell-job", 0, OPT_BOOL, &(o).shell_job, NULL, "allow shell jobs"},                \
		{"file-locks", 0, OPT_BOOL, &(o).file_locks, NULL, "handle file locks"},             \
		{"manage-cgroups-mode",                                                              \
		 0,                                                                                  \
		 OPT_STRING,                                                                         \
		 &(o).manage_cgroups_mode,                                                           \
		 "MODE",                                                                             \
		 "criu's cgroup mode: soft (default), full, strict, ignore, props or none"},         \
		{"empty-ns", 0,                                                                      \
		 OPT_STRING, &(o).empty_ns,                                                          \
		 "network",  "restore this namespace empty (its properties not restored)"},          \
		{"auto-dedup",	  0,	OPT_BOOL,                                                    \
		 &(o).auto_dedup, NULL, "deduplicate memory images against the parent's"},           \
	{                                                                                            \
		"lazy-pages", 0, OPT_BOOL, &(o).lazy_pages, NULL,                                    \
			"memory pages through userfaultfd, on demand (see --page-server)"            \
	}

struct checkpoint_opts {
	struct criu_opts criu;
	const char *parent_path; /* pre-dump images, relative to image_path */
	const char *page_server; /* ADDRESS:PORT */
	int status_fd;		 /* with lazy_pages: criu writes a \0 there once it serves pages */
	bool leave_running;
	bool pre_dump;
};

struct restore_opts {
	struct criu_opts criu;
	const char *id;
	const char *bundle; /* default "." */
	const char *pid_file;
	const char *console_socket;
	const char *lsm_profile;       /* TYPE:NAME for the restored tasks */
	const char *lsm_mount_context; /* the SELinux context of the restored mounts */
	bool detach;
	bool no_pivot;
	bool no_subreaper; /* only with detach: the restored init is not ours to wait for */
};

/* The criu binary: `path` if given, else "criu" on PATH; a clear error when there is none. */
struct cubo_error *criu_locate(const char *path, char **out);

/*
 * Run criu with argv (argv[0] is the binary) with the fds of keep inherited
 * at their numbers (every other fd above 2 closed); in the cgroups of entry
 * when it is not NULL; holder (when > 0), the process that kept those
 * cgroups alive until then, is killed once criu is in them. On failure the
 * error names the log (work_dir/log) and quotes its first error line.
 */
struct cgroup_entry;
struct cgroup_set;
struct cubo_error *criu_run(char **argv, const int *keep, int n_keep, struct cgroup_entry *entry,
			    const struct cgroup_set *cg, pid_t holder, const char *work_dir,
			    const char *log);

/* criu_run's halves: start criu (argv, keep, entry, cg, holder as there); wait for it. */
struct cubo_error *criu_spawn(char **argv, const int *keep, int n_keep, struct cgroup_entry *entry,
			      const struct cgroup_set *cg, pid_t holder, pid_t *pid);
/* argv as criu_run's (the binary, the command); failed: criu said so over RPC, whatever its exit.
 */
struct cubo_error *criu_wait(pid_t pid, char *const *argv, bool failed, const char *work_dir,
			     const char *log);

/*
 * The same command line through criu's RPC ("criu swrk"), for the one thing
 * its command line cannot do: a terminal whose pty master is outside the
 * container (orphan-pts-master). argv's options reach criu as an RPC
 * config file in work_dir; on restore, the new pty master criu makes is
 * sent to console_socket (runc's protocol: SCM_RIGHTS).
 */
struct cubo_error *criu_run_rpc(char **argv, const int *keep, int n_keep,
				struct cgroup_entry *entry, const struct cgroup_set *cg,
				pid_t holder, const char *work_dir, const char *log,
				const char *console_socket);

/*
 * The first line of a criu log that reports an error (the cause: the later
 * ones say what failed because of it); NULL when none (or no log).
 */
char *criu_log_first_error(const char *path);

/* Append the shared flags (mode, tcp, unix sockets, shell job, locks, dedup, empty ns). */
struct cubo_error *criu_common_args(const struct criu_opts *o, char ***argv, size_t *n);

/*
 * Append what only a dump or pre-dump takes: memory tracking and the
 * parent images, --leave-running, the page server (or, with --lazy-pages,
 * the address criu serves the pages on) and the status fd.
 */
struct cubo_error *criu_dump_only_args(const struct checkpoint_opts *o, char ***argv, size_t *n);

/* Append what only a restore takes: lazy pages, the LSM profile and mount context. */
struct cubo_error *criu_restore_only_args(const struct restore_opts *o, char ***argv, size_t *n);

/* Resolve the image and work directories (defaults as runc), creating them when make. */
struct cubo_error *criu_dirs(const struct criu_opts *o, bool make, char **image, char **work);

/* `checkpoint`: dump (or pre-dump) a running or paused container. */
struct cubo_error *criu_checkpoint(const struct runc_ctx *ctx, const char *id,
				   const struct checkpoint_opts *o);

/*
 * `restore`: a new container `o->id` from the bundle's config and the
 * images. Detached, *exit_code is 0; else the restored process is waited
 * for, its exit code returned there and the container removed, as `run`.
 */
struct cubo_error *criu_restore(const struct runc_ctx *ctx, const struct restore_opts *o,
				int *exit_code);

/* The names descriptors.json is kept under in the image directory. */
#define CRIU_DESCRIPTORS "descriptors.json"
/* Per standard stream, the key criu dumped a host file under ("" for none). */
#define CRIU_STDIO_EXTERNAL "stdio-external.json"
/* The key of an external network namespace, in the images and on restore (runc's). */
#define CRIU_NETNS_KEY "extRootNetNS"

#endif

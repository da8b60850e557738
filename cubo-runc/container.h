/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container on disk: <root>/<id>/ holds state.json (OCI state plus the
 * runtime's private fields) and, between create and start, exec.fifo.
 * Status is derived, never trusted from the file: the init pid (checked
 * against its start time, so a reused pid is not mistaken for it) and the
 * FIFO's presence tell created, running or stopped.
 */
#ifndef CUBO_RUNC_CONTAINER_H
#define CUBO_RUNC_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "cubo-runc/spawn.h"
#include "shared/log.h"
#include "shared/error.h"
#include "shared/procstat.h"
#include "spec/state.h"

/*
 * What every operation of the library needs from its caller: where
 * containers live (`--root`), where messages go, and the fds the caller
 * handed the runtime (recorded at its start; spawn.h).
 */
struct runc_ctx {
	const char *root;
	const struct cubo_log *log;
	const struct spawn_fds *inherited; /* NULL: the caller passed nothing */
	bool systemd_cgroup;		   /* --systemd-cgroup: create asks systemd for a scope */
	bool rootless;			   /* cgroups only where delegated (rootless.h) */
};

struct container {
	char *id;
	char *dir;		 /* <root>/<id> */
	int lockfd;		 /* the directory, flock'ed; -1 when not locked */
	struct oci_state *state; /* NULL while "creating" (no state.json yet) */
};

enum container_status {
	STATUS_CREATING,
	STATUS_CREATED,
	STATUS_RUNNING,
	STATUS_PAUSED,
	STATUS_STOPPED,
};

const char *container_status_name(enum container_status s);

/* Open <root>/<id>; `lock` takes the exclusive lock (start/kill/delete). */
struct cubo_error *container_load(const char *root, const char *id, bool lock,
				  struct container **out);
void container_free(struct container *c);
enum container_status container_status(const struct container *c);
/*
 * Unmount everything mounted below (not at) dir in our mount namespace, deepest
 * first: the mounts of a container that had no mount namespace of its own.
 */
struct cubo_error *unmount_below(const char *dir);
/* Remove the state directory (the container must be stopped or forced). */
struct cubo_error *container_destroy(struct container *c);
/* A container without a state (its create crashed): SIGKILL what its recorded cgroups hold. */
struct cubo_error *container_kill_leftovers(const struct container *c);
/* Open a pidfd for the container's init when it is still the same process; -1 if gone. */
int container_pidfd(const struct container *c);

struct create_opts {
	const char *id;
	const char *bundle; /* defaults to "." */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	bool for_run;	     /* started by sync message, not exec.fifo */
	bool proxy_terminal; /* run in the foreground: the runtime proxies the pty */
};

/* The flags `create` and `run` share, as runc_opt table entries filling o. */
#define CREATE_OPTS(o)                                                                              \
	{"bundle", 'b', OPT_STRING, &(o).bundle, "DIR", "path to the bundle (default: .)"},         \
		{"console-socket",                                                                  \
		 0,                                                                                 \
		 OPT_STRING,                                                                        \
		 &(o).console_socket,                                                               \
		 "PATH",                                                                            \
		 "unix socket that receives the pty master when process.terminal is true"},         \
		{"pid-file", 0, OPT_STRING, &(o).pid_file, "FILE", "write the init's pid to FILE"}, \
		{"no-pivot",	0,    OPT_BOOL,                                                     \
		 &(o).no_pivot, NULL, "chroot instead of pivot_root (for ramdisk roots)"},          \
		{"no-new-keyring",    0,    OPT_BOOL,                                               \
		 &(o).no_new_keyring, NULL, "keep the caller's session keyring"},                   \
	{                                                                                           \
		"preserve-fds", 0, OPT_INT, &(o).preserve_fds, "N",                                 \
			"pass N more fds (from fd 3) to the container"                              \
	}

struct created {
	pid_t pid;
	int pidfd;
	int sync_fd;	    /* run: parent end, for SYNC_START */
	int console_master; /* run in the foreground with a terminal: the pty master */
};

/*
 * Make <root>/<id> and lock it (create, restore); "already exists" when it
 * does. *dir is set once the directory is ours to remove on a later failure.
 */
struct cubo_error *container_dir_make(const char *root, const char *id, char **dir, int *lockfd);
/* Keep the bundle's config.json in the state directory when it has poststart/poststop hooks. */
struct oci_config;
struct cubo_error *container_keep_config(const struct oci_config *cfg, const char *bundle,
					 int state_dirfd);
/*
 * The bundle (default "."), its config.json and root filesystem as absolute
 * paths (rootfs unresolved when it does not exist: validate_config names it).
 */
struct cubo_error *container_bundle_load(const char *arg, char **bundle, struct oci_config **cfg,
					 char **rootfs);
/* --pid-file: the init's pid, written atomically. */
struct cubo_error *container_write_pid_file(const char *path, pid_t pid);

/* Everything `create` does; on failure nothing is left behind. */
struct cubo_error *container_create(const struct runc_ctx *ctx, const struct create_opts *o,
				    struct created *out);
/* `start`: release a created container's init through its FIFO. */
struct cubo_error *container_start(struct container *c);
/* Send sig to the init (all = every process in the container). */
struct cubo_error *container_kill(struct container *c, int sig, bool all);
/* Wait (with a pidfd) until the init has exited; bounded by timeout_ms (-1: forever). */
struct cubo_error *container_wait_gone(const struct container *c, int timeout_ms);

#endif

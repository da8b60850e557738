/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's init: the child of the one clone(), from its first
 * instruction to execve() of process.args. It is never re-executed: it runs
 * the runtime's own code, already in memory, inside the new namespaces.
 */
#ifndef CUBO_RUNC_INIT_H
#define CUBO_RUNC_INIT_H

#include <stdbool.h>

#include "cubo-runc/namespaces.h"
#include "cubo-runc/seccomp.h"
#include "shared/log.h"
#include "spec/config.h"

enum init_wait {
	INIT_WAIT_FIFO, /* create: block on <state>/exec.fifo until `start` */
	INIT_WAIT_SYNC, /* run: wait for SYNC_START on the sync socket */
};

struct cgroup_entry;
struct spawn_fds;

struct init_args {
	const struct oci_config *cfg;
	const char *rootfs; /* absolute */
	const char *bundle; /* absolute: relative bind sources start here */
	const struct ns_plan *ns;
	int sync_fd;		     /* child end of the socketpair */
	int state_dirfd;	     /* for exec.fifo */
	int console_socket;	     /* -1 without --console-socket */
	bool send_console_to_parent; /* run in the foreground: the runtime proxies the pty */
	int preserve_fds;	     /* of fds 3..3+n-1, those in `inherited` reach the process */
	const struct spawn_fds *inherited; /* the caller's fds, recorded at the runtime's start */
	bool no_pivot;
	bool no_new_keyring;
	/*
	 * Stay dumpable until the go-ahead: a caller who is not root writes the
	 * id maps of our new user namespace (idmap.h) and needs our /proc files
	 * to be its own until then.
	 */
	bool dumpable_until_go;
	const char *id;
	enum init_wait wait;
	const struct cubo_log *log;
	const struct seccomp_prog *seccomp;	 /* NULL: no linux.seccomp */
	const struct cgroup_entry *cgroup_entry; /* joined first thing; NULL: none */
};

/* Runs in the child; never returns. */
__attribute__((noreturn)) void init_run(const struct init_args *args);

#endif

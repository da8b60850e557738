/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one path from clone to execve that the container's init (create/run)
 * and every `exec` share, so the rules that keep a container away from the
 * host are written once:
 *
 *  - a child is born in its cgroup (clone3 CLONE_INTO_CGROUP, with the
 *    fallback older kernels and some cgroups need);
 *  - at execve the process holds stdio, the --preserve-fds fds the caller
 *    really passed, and nothing of the runtime (CVE-2024-21626: an fd on a
 *    host directory is a way out through /proc/self/fd/N/..);
 *  - args[0] and every $PATH entry are resolved inside the container with
 *    openat2(RESOLVE_NO_MAGICLINKS) and exec'd relative to the directory fd
 *    found there (a script by the name found, which its interpreter needs),
 *    after the fds are closed, so no name can lead the kernel to a host file;
 *  - a failure to find or run the executable is 127 (not found) or 126
 *    (found, not runnable), as shells and runc report it.
 */
#ifndef CUBO_RUNC_SPAWN_H
#define CUBO_RUNC_SPAWN_H

#include <linux/sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shared/error.h"
#include "spec/config.h"

struct cgroup_entry;
struct cgroup_set;

/*
 * The fds the runtime inherited through its own execve (the caller's),
 * recorded before the runtime opens anything. --preserve-fds N passes the
 * ones among [3, 3+N); a number in that range the caller left free may be
 * taken by one of the runtime's own fds, which must never be passed on.
 */
struct spawn_fds {
	int *fds; /* sorted, all >= 3 */
	size_t n;
};

/* Read /proc/self/fd (or probe, without /proc); never fails: an empty set passes nothing. */
void spawn_fds_record(struct spawn_fds *out);
void spawn_fds_free(struct spawn_fds *f);
bool spawn_fds_has(const struct spawn_fds *f, int fd);

/*
 * Close every fd from 3 up except the preserved ones the caller passed
 * (close-on-exec cleared) and keep[] (negative entries ignored; they stay
 * open, close-on-exec, for the runtime's own use until execve). Used first
 * thing in the child, with what setup still needs in keep, and again just
 * before execve, with (almost) nothing in keep. No allocation.
 */
void spawn_close_fds(const struct spawn_fds *inherited, int preserve, const int *keep,
		     size_t n_keep);

/*
 * chdir to cwd inside the current root (the container's): no magic link is
 * followed (/proc/self/fd/N/.. leads out), and the result is checked to lie
 * under the root (CVE-2024-21626). With `create`, a missing cwd is made by
 * the in-root walker first (runc creates it; images rely on that). `what`
 * names the field in errors ("process.cwd", "--cwd").
 */
struct cubo_error *spawn_enter_cwd(const char *cwd, bool create, const char *what);

/* Where args[0] was found: the directory (an O_PATH fd inside the container) and the name. */
struct spawn_exe {
	int dirfd;
	char name[256];
	char path[4096]; /* for messages: the path tried last */
};

/*
 * Find proc->args[0] as execvp would, with the process's PATH (runc's
 * default when it has none), in the current root. *code is 127 (not
 * found) or 126 (not a runnable file) when an error is returned.
 */
struct cubo_error *spawn_find_executable(const struct oci_process *proc, struct spawn_exe *out,
					 int *code);
void spawn_exe_close(struct spawn_exe *exe);

/* execve of what spawn_find_executable found; returns only on failure, with errno set. */
void spawn_exec(const struct spawn_exe *exe, char *const argv[], char *const envp[]);
/*
 * The signal state the process starts with, as runc's: no signal blocked,
 * and every signal the caller ignored back at its default (a service
 * manager ignores SIGPIPE for its services, nohup SIGHUP; the container's
 * process inherits neither). Handlers need nothing: execve resets them.
 */
void spawn_reset_signals(void);

/* The exit code for a failed execve with this errno. */
int spawn_exec_code(int errnum);

/*
 * clone3 with ca (CLONE_PIDFD etc. already set) into the v2 cgroup of e when
 * it has one. Kernels before 5.7 and cgroups clone3 cannot place into get
 * the fallback: the child writes cgroup.procs itself (cgroup_entry_join_self).
 * Returns the pid (0 in the child), or an error.
 */
struct cubo_error *spawn_clone(struct clone_args *ca, struct cgroup_entry *e,
			       const struct cgroup_set *cg, pid_t *pid);

/*
 * In a user namespace just created or joined: become its root, so the setup
 * that follows acts as it. EINVAL (uid 0 not mapped yet, as with a joined
 * namespace that maps only the final user) leaves the ids as they are: the
 * final switch decides.
 */
struct cubo_error *spawn_become_ns_root(void);

#endif

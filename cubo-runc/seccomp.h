/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp: the config's profile compiled with libseccomp. The runtime
 * compiles it before the clone, so a bad profile fails `create` with the
 * JSON path of the culprit; the init (or exec's child) only loads it, as
 * the last step that needs privileges.
 */
#ifndef CUBO_RUNC_SECCOMP_H
#define CUBO_RUNC_SECCOMP_H

#include <stdbool.h>
#include <sys/types.h>

#include "shared/error.h"
#include "shared/log.h"
#include "spec/config.h"

struct seccomp_prog;

/* Build the filter for sc; a syscall name libseccomp does not know is skipped (logged). */
struct cubo_error *seccomp_prog_compile(const struct oci_seccomp *sc, const struct cubo_log *log,
					struct seccomp_prog **out);
/*
 * Install the filter on the calling thread (all threads with the TSYNC flag).
 * Needs no_new_privs or CAP_SYS_ADMIN; never sets no_new_privs itself.
 */
struct cubo_error *seccomp_prog_load(const struct seccomp_prog *p);
/* Some rule's action is SCMP_ACT_NOTIFY (then listenerPath is set). */
bool seccomp_prog_notifies(const struct seccomp_prog *p);
/*
 * Install the filter with a notification listener, whose fd is returned:
 * the supervisor at listenerPath gets it (seccomp_notify_send).
 */
struct cubo_error *seccomp_prog_load_listener(const struct seccomp_prog *p, int *listener);
void seccomp_prog_free(struct seccomp_prog *p);

/*
 * The compiled filter as bytes (flags, notify, BPF instructions), and back:
 * what the cache (seccomp_cache.c) keeps. Import checks the layout only.
 */
struct cubo_error *seccomp_prog_export(const struct seccomp_prog *p, void **buf, size_t *len);
struct cubo_error *seccomp_prog_import(const void *buf, size_t len, struct seccomp_prog **out);

/*
 * seccomp_prog_compile through a cache of compiled filters in cache_dir
 * (NULL: no cache), keyed by the profile's content and the libseccomp
 * version: the same profile, as every container of a manager has, is
 * compiled once instead of at every create and exec.
 */
/* The cache's directory under the runtime's --root (a dot name: `list` skips it). */
#define SECCOMP_CACHE_DIR ".seccomp-cache"

struct cubo_error *seccomp_prog_compile_cached(const struct oci_seccomp *sc,
					       const struct cubo_log *log, const char *cache_dir,
					       struct seccomp_prog **out);

/*
 * The containerProcessState message of the runtime spec, sent to a seccomp
 * listener: {"ociVersion", "fds": ["seccompFd"], "pid", "metadata",
 * "state": STATE}, where state_json is the container's state document.
 */
struct cubo_error *seccomp_notify_message(const char *oci_version, pid_t pid, const char *metadata,
					  const char *state_json, char **out, size_t *len);
/* Connect to the listener's UNIX socket and send it the message with fd attached. */
struct cubo_error *seccomp_notify_send(const char *listener_path, const char *message, size_t len,
				       int fd);

/*
 * The runtime's side: receive the listener fd the process sent over the
 * sync socket and forward it, with the containerProcessState built around
 * state_json, to sc's listenerPath.
 */
struct cubo_error *seccomp_notify_forward(int sync_fd, const struct oci_seccomp *sc,
					  const char *oci_version, pid_t pid,
					  const char *state_json);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user namespace of a manager run by a user who is not root (podman's
 * model). Every such run of cubo-mgr joins ONE persistent namespace of its
 * user, early in main while single-threaded: uid and gid 0 inside are the
 * user's own ids, 1.. the user's subordinate ranges (/etc/subuid,
 * /etc/subgid), mapped by shadow's setuid newuidmap and newgidmap. So the
 * store keeps the owners of image files (as subordinate ids on the host),
 * the monitor's mount namespace belongs to the user and may mount overlays,
 * and cubo-runc runs as root of a user namespace (its rootless mode).
 *
 * A pause process holds the namespace: it makes it, then sleeps, with no fd
 * open, in a session of its own; its pid is in $XDG_RUNTIME_DIR/cubo/pause.pid.
 * When it is gone the next run starts another: in the namespace of the
 * user's running monitors if there are any (their containers stay within
 * the manager's reach), else in a new one with the same maps (the store's
 * files keep their ids).
 *
 * Root runs in the initial user namespace as before: none of this applies.
 */
#ifndef CUBO_MGR_USERNS_USERNS_H
#define CUBO_MGR_USERNS_USERNS_H

#include <stdbool.h>

#include "shared/error.h"

/* The process name of the pause process (/proc/PID/comm). */
#define USERNS_PAUSE_NAME "cubo-pause"
/* Its only argument: cubo-mgr given it alone is the pause process (main.c). */
#define USERNS_PAUSE_ARG "__pause"

/*
 * Join the user's namespace, making it first when there is none. Nothing
 * for root, or for a process already in a user namespace as its root (a
 * command the manager runs, cubo-mgr-image, the monitor). Must be called
 * while the process has one thread.
 */
struct cubo_error *userns_join(void);

/* The pause process's life once it is mapped: sleep until killed. */
__attribute__((noreturn)) void userns_pause_forever(void);

/*
 * True when the manager runs rootless: as a user who is not root, or in a
 * user namespace other than the initial one (after userns_join).
 */
bool userns_rootless(void);

/*
 * $XDG_RUNTIME_DIR/cubo, made 0700 when missing, for a rootless manager's
 * runtime state; an error when XDG_RUNTIME_DIR is unset, relative, or not a
 * directory of the caller's.
 */
struct cubo_error *userns_runtime_dir(char **out);

#endif

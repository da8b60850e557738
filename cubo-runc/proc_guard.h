/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mount destinations the runtime refuses, because what is mounted there
 * would change what the kernel's own files say (CVE-2019-16884,
 * CVE-2025-52881) or redirect a pseudo-filesystem (runc's rules, which
 * orchestrators already respect):
 *
 *  - on /proc itself, only a procfs: a fresh one, or a bind of a procfs's
 *    root. A volume there would hand the process (and anything that trusts
 *    the container's /proc) files that merely look like the kernel's;
 *  - beneath /proc, only the few files lxcfs emulates (cpuinfo, meminfo, ...);
 *  - proc and sysfs only on an ordinary directory of the rootfs, never
 *    through a symlink an image placed at /proc or /sys.
 *
 * "/proc" is where the destination resolves inside the rootfs, so a symlink
 * to /proc under another name is caught too.
 */
#ifndef CUBO_RUNC_PROC_GUARD_H
#define CUBO_RUNC_PROC_GUARD_H

#include <stdbool.h>

#include "shared/error.h"

/* One of the files beneath /proc a mount may go onto (a cleaned absolute path). */
bool proc_guard_file_allowed(const char *clean_dest);

/*
 * Before a new proc or sysfs mount: the destination in rootfd, if it
 * exists, must be a directory and not a symlink. `what` names the mount.
 */
struct cubo_error *proc_guard_plain_dir(int rootfd, const char *dest, const char *what);

/*
 * With the target opened (targetfd) and before anything is attached to it:
 * refuse what the rules above refuse. fresh_proc: a new procfs is being
 * mounted; srcfd: the tree being bound (-1 when not a bind).
 */
struct cubo_error *proc_guard_target(int rootfd, const char *dest, int targetfd, int srcfd,
				     bool fresh_proc, const char *what);

#endif

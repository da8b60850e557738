/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container lifecycle as the runtime spec orders it, for the commands
 * to call: what runs when (poststart after the process was released,
 * poststop once the container is gone), which states allow what (delete
 * refuses a container that is not stopped, unless forced). The commands
 * only parse flags and print.
 */
#ifndef CUBO_RUNC_LIFECYCLE_H
#define CUBO_RUNC_LIFECYCLE_H

#include <stdbool.h>

#include "cubo-runc/container.h"

/* `start`: release a created container's process, then its poststart hooks. */
struct cubo_error *lifecycle_start(const struct runc_ctx *ctx, const char *id);

/*
 * `delete`: remove a stopped container, then its poststop hooks. A
 * container that still runs is an error unless `force`, which kills it
 * first; with `force`, a container that does not exist is no error (runc).
 */
struct cubo_error *lifecycle_delete(const struct runc_ctx *ctx, const char *id, bool force);

/*
 * `run`, after container_create (for_run): release the process through the
 * sync socket (closed here), then run poststart. On failure the pidfd and
 * the pty master are closed too.
 */
struct cubo_error *lifecycle_release(const struct runc_ctx *ctx, const char *id,
				     struct created *cr);

/* `run` in the foreground, once the process exited: remove the container, then poststop. */
void lifecycle_run_done(const struct runc_ctx *ctx, const char *id);

struct cgroup_set;

/*
 * A container that runs (or is created or paused) and its cgroups, for the
 * commands that read or change them (`events`, `update`). A container still
 * being created, a stopped one, or one whose state records no cgroup is an
 * error. The caller frees both.
 */
struct cubo_error *lifecycle_live_cgroups(const struct runc_ctx *ctx, const char *id,
					  struct container **c, struct cgroup_set **set);

/*
 * `update`: write the limits res gives (only those) to the container's
 * cgroups. Device rules stay as created and kernel memory limits are
 * dropped, as runc's update does; a v2 period alone keeps the quota.
 */
struct cubo_error *lifecycle_update(const struct runc_ctx *ctx, const char *id,
				    const struct oci_resources *res);

#endif

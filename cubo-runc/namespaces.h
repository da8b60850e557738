/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which namespaces a container gets: created in the one clone (flags), or
 * joined by path. pid and time namespaces are joined by the parent before
 * the clone, since setns() on them only affects children.
 */
#ifndef CUBO_RUNC_NAMESPACES_H
#define CUBO_RUNC_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "shared/error.h"
#include "spec/config.h"

struct ns_join {
	int flag; /* CLONE_NEW* */
	int fd;	  /* open namespace file, O_CLOEXEC */
	const char *type;
};

struct ns_plan {
	int clone_flags;   /* namespaces created by the clone */
	bool unshare_time; /* time namespace: parent unshares, writes offsets */
	/*
	 * Joined by the child: user (first) and mount, which would change what
	 * the runtime itself may do or see.
	 */
	struct ns_join joins[8];
	int n_joins;
	/*
	 * Joined by the parent before the clone, so the child inherits them:
	 * pid and time (setns only affects children), and net, ipc, uts and
	 * cgroup, which a child already in a new user namespace could no longer
	 * join (they belong to the caller's user namespace). A runtime in a
	 * user namespace that makes none for the container leaves all but pid
	 * to the child: it could not return to its own (namespaces.c).
	 */
	struct ns_join parent_joins[8];
	int n_parent_joins;
	/*
	 * The runtime's own namespaces of the kinds it joins or unshares for
	 * its child: it goes back to them right after the clone, so the hooks
	 * it runs (prestart, createRuntime) and the rest of create run where
	 * the spec says, in the runtime's namespaces.
	 */
	struct ns_join own[8];
	int n_own;
};

/* Open every namespace path now, so a bad path fails before anything is made. */
struct cubo_error *ns_plan_make(const struct oci_config *cfg, struct ns_plan *out);
void ns_plan_close(struct ns_plan *plan);
/* Parent, before clone: join parent_joins, unshare time and write timeOffsets. */
struct cubo_error *ns_parent_prepare(const struct ns_plan *plan, const struct oci_config *cfg);
/* Parent, after clone: back into the namespaces ns_parent_prepare left. */
struct cubo_error *ns_parent_restore(const struct ns_plan *plan);
/* Child: setns() into every joined namespace (user first). */
/*
 * Bring the loopback interface of a new network namespace up, as runc and
 * crun do: a container without other networking still talks to itself on
 * 127.0.0.1 (a server and its client in one container).
 */
struct cubo_error *ns_loopback_up(void);
struct cubo_error *ns_child_join(const struct ns_plan *plan);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shared/fs.h"
#include "shared/procstat.h"
#include "shared/xalloc.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The name under /proc/self/ns of the runtime's own namespace of this kind. */
static const char *own_ns_name(int flag)
{
	switch (flag) {
	case CLONE_NEWNET:
		return "net";
	case CLONE_NEWIPC:
		return "ipc";
	case CLONE_NEWUTS:
		return "uts";
	case CLONE_NEWCGROUP:
		return "cgroup";
	case CLONE_NEWPID:
		return "pid"; /* the active one: pid_for_children goes back to it */
	case CLONE_NEWTIME:
		return "time";
	}
	return NULL;
}

static struct cubo_error *remember_own(struct ns_plan *plan, int flag, const char *type)
{
	char path[64];
	const char *name = own_ns_name(flag);
	int fd;

	for (int i = 0; i < plan->n_own; i++)
		if (plan->own[i].flag == flag)
			return NULL;
	if (!name || plan->n_own == 8)
		return NULL;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("open the runtime's own %s namespace", type);
	plan->own[plan->n_own++] = (struct ns_join){.flag = flag, .fd = fd, .type = type};
	return NULL;
}

/*
 * A runtime in a user namespace (a rootless manager's) cannot go back to its
 * own net, ipc, uts or cgroup namespace once it joined one made in that user
 * namespace: the initial user namespace owns the runtime's. With no new user
 * namespace for the container, the child joins them instead (it is in the
 * runtime's user namespace, which owns both); pid stays the parent's (setns
 * only affects children). A config that joins a user namespace by path
 * keeps the parent's joins, as before.
 */
static void joins_to_child(struct ns_plan *plan)
{
	for (int i = 0; i < plan->n_joins; i++)
		if (plan->joins[i].flag == CLONE_NEWUSER)
			return;
	int kept = 0;
	for (int i = 0; i < plan->n_parent_joins; i++) {
		struct ns_join j = plan->parent_joins[i];
		if (j.flag == CLONE_NEWPID || plan->n_joins == 8) {
			plan->parent_joins[kept++] = j;
			continue;
		}
		plan->joins[plan->n_joins++] = j;
		/* nothing to return to: the runtime never leaves its own */
		for (int k = 0; k < plan->n_own; k++)
			if (plan->own[k].flag == j.flag) {
				close(plan->own[k].fd);
				plan->own[k] = plan->own[--plan->n_own];
				break;
			}
	}
	plan->n_parent_joins = kept;
}

struct cubo_error *ns_plan_make(const struct oci_config *cfg, struct ns_plan *out)
{
	memset(out, 0, sizeof(*out));
	if (!cfg->linux_)
		return NULL;

	for (size_t i = 0; i < cfg->linux_->n_namespaces; i++) {
		const struct oci_namespace *ns = &cfg->linux_->namespaces[i];
		int flag = oci_namespace_flag(ns->type);
		int fd;

		if (!flag) {
			ns_plan_close(out);
			return cubo_error_new("linux.namespaces[%zu].type: unknown namespace type "
					      "\"%s\"",
					      i, ns->type);
		}
		if (!ns->path || !*ns->path) {
			if (flag == CLONE_NEWTIME) {
				struct cubo_error *err = remember_own(out, flag, ns->type);
				if (err) {
					ns_plan_close(out);
					return err;
				}
				out->unshare_time = true;
			} else
				out->clone_flags |= flag;
			continue;
		}
		fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			struct cubo_error *err =
				cubo_error_errno("linux.namespaces[%zu]: open %s namespace %s", i,
						 ns->type, ns->path);
			ns_plan_close(out);
			return err;
		}
		struct ns_join j = {.flag = flag, .fd = fd, .type = ns->type};
		if (flag != CLONE_NEWUSER && flag != CLONE_NEWNS) {
			struct cubo_error *err = remember_own(out, flag, ns->type);
			if (err) {
				close(fd);
				ns_plan_close(out);
				return err;
			}
		}
		if (flag == CLONE_NEWUSER) {
			/* the user namespace first: it owns the others' permissions */
			memmove(&out->joins[1], &out->joins[0],
				out->n_joins * sizeof(out->joins[0]));
			out->joins[0] = j;
			out->n_joins++;
		} else if (flag == CLONE_NEWNS) {
			out->joins[out->n_joins++] = j;
		} else {
			out->parent_joins[out->n_parent_joins++] = j;
		}
	}
	if (!cubo_in_initial_userns() && !(out->clone_flags & CLONE_NEWUSER))
		joins_to_child(out);
	return NULL;
}

void ns_plan_close(struct ns_plan *plan)
{
	for (int i = 0; i < plan->n_joins; i++)
		close(plan->joins[i].fd);
	for (int i = 0; i < plan->n_parent_joins; i++)
		close(plan->parent_joins[i].fd);
	for (int i = 0; i < plan->n_own; i++)
		close(plan->own[i].fd);
	plan->n_joins = plan->n_parent_joins = plan->n_own = 0;
}

static struct cubo_error *write_time_offsets(const struct oci_time_offsets *off)
{
	char buf[128];
	int len = 0;

	if (off->has_monotonic)
		len += snprintf(buf + len, sizeof(buf) - len, "monotonic %lld %u\n",
				(long long)off->monotonic.secs, off->monotonic.nanosecs);
	if (off->has_boottime)
		len += snprintf(buf + len, sizeof(buf) - len, "boottime %lld %u\n",
				(long long)off->boottime.secs, off->boottime.nanosecs);
	if (!len)
		return NULL;
	/* the kernel takes one clock per write */
	for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		CUBO_TRY_CTX(cubo_write_existing("/proc/self/timens_offsets", line,
						 (size_t)(nl - line + 1)),
			     "linux.timeOffsets");
	}
	return NULL;
}

struct cubo_error *ns_parent_prepare(const struct ns_plan *plan, const struct oci_config *cfg)
{
	for (int i = 0; i < plan->n_parent_joins; i++)
		if (setns(plan->parent_joins[i].fd, plan->parent_joins[i].flag) < 0)
			return cubo_error_errno("join %s namespace", plan->parent_joins[i].type);
	if (plan->unshare_time) {
		if (unshare(CLONE_NEWTIME) < 0)
			return cubo_error_errno("create time namespace");
		if (cfg->linux_ && cfg->linux_->time_offsets)
			CUBO_TRY(write_time_offsets(cfg->linux_->time_offsets));
	}
	return NULL;
}

struct cubo_error *ns_parent_restore(const struct ns_plan *plan)
{
	for (int i = 0; i < plan->n_own; i++)
		if (setns(plan->own[i].fd, plan->own[i].flag) < 0)
			return cubo_error_errno("return to the runtime's own %s namespace",
						plan->own[i].type);
	return NULL;
}

struct cubo_error *ns_loopback_up(void)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cubo_error_errno("loopback: socket");
	strcpy(ifr.ifr_name, "lo");
	struct cubo_error *err = NULL;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = cubo_error_errno("loopback: read the flags of lo");
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			err = cubo_error_errno("loopback: bring lo up");
	}
	close(fd);
	return err;
}

struct cubo_error *ns_child_join(const struct ns_plan *plan)
{
	for (int i = 0; i < plan->n_joins; i++) {
		if (setns(plan->joins[i].fd, plan->joins[i].flag) < 0)
			return cubo_error_errno("join %s namespace", plan->joins[i].type);
	}
	return NULL;
}

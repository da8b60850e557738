/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host devices for run/create, found the way docker finds them:
 *
 *   --device HOST[:CTR][:PERMS]  the node at HOST (a symlink followed; a
 *                                directory gives every node beneath it, at
 *                                CTR/relative), PERMS the cgroup access
 *                                (r, w, m; default rwm)
 *   --device-cgroup-rule "c 1:3 rwm"   a device cgroup rule of its own
 *   --privileged                 every node under the host's /dev
 *
 * The parsers are pure; the gathering functions stat the host's nodes, so
 * the type, major and minor given to the runtime are the host's own.
 */
#ifndef CUBO_MGR_CONTAINER_DEVICE_OPT_H
#define CUBO_MGR_CONTAINER_DEVICE_OPT_H

#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"
#include "spec/config.h"

/* One node to make in the container, and its cgroup access. */
struct ctr_device {
	char *path; /* in the container */
	char type;  /* 'c' or 'b' */
	int64_t major, minor;
	uint32_t mode; /* the host node's permission bits */
	uint32_t uid, gid;
	char access[4]; /* "rwm", "r", ... */
};

struct ctr_devices {
	struct ctr_device *v;
	size_t n;
};

void ctr_devices_free(struct ctr_devices *d);

/*
 * --device HOST[:CTR][:PERMS] -> *host, *ctr (HOST when not given), perms.
 * CTR absolute; PERMS of r, w, m, each at most once.
 */
struct cubo_error *run_opt_parse_device(const char *s, char **host, char **ctr, char perms[4]);

/* --device-cgroup-rule "TYPE MAJOR:MINOR ACCESS" (TYPE a, b or c; "*" any number). */
struct cubo_error *run_opt_parse_cgroup_rule(const char *s, struct oci_device_cgroup *out);

/*
 * The nodes of one --device (flag is it, for errors), appended to d.
 * Errors: "error gathering device information while adding custom device
 * HOST: not a device node" when HOST is neither a node nor a directory
 * holding one.
 */
struct cubo_error *device_gather(const char *flag, const char *host, const char *ctr,
				 const char *perms, struct ctr_devices *d);

/*
 * --privileged: every character and block node under /dev (docker's walk:
 * not console, nor what is under pts, shm, fd, mqueue), at the same path.
 */
struct cubo_error *device_gather_host(struct ctr_devices *d);

/* The OCI entries: linux.devices and an allow rule each (the caller denies first). */
void device_to_oci(const struct ctr_device *d, struct oci_device *od,
		   struct oci_device_cgroup *rule);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image config + run flags -> the OCI runtime config of a container, with
 * docker's defaults: its capability set, its seccomp profile, its masked and
 * read-only /proc paths, its mounts, ENTRYPOINT/CMD/ENV/WORKDIR rules.
 * Pure: the files it names are made by the caller.
 */
#ifndef CUBO_MGR_CONTAINER_BUNDLE_H
#define CUBO_MGR_CONTAINER_BUNDLE_H

#include "cubo-mgr/container/passwd.h"
#include "cubo-mgr/container/run_opts.h"
#include "spec/config.h"
#include "spec/image.h"

/*
 * Where --init's binary is bound (read-only) in the container, and run as
 * PID 1 with the command after "--" (podman uses /run/podman-init).
 */
#define BUNDLE_INIT_DEST "/run/cubo-init"

struct bundle_input {
	const char *id;
	const struct oci_image_config *image; /* its "config" may be NULL */
	const struct ctr_opts *opts;
	/* per opts->volumes[i]: the host directory to bind (a named volume's data dir) */
	char *const *volume_sources;
	/* directory holding the hostname, hosts and resolv.conf files to bind over /etc */
	const char *etc_dir;
	/* the network namespace to join (made by the monitor); NULL: a new one, or host's */
	const char *netns;
	bool systemd_cgroup; /* the runtime runs with --systemd-cgroup: a slice:prefix:name path */
	/* the kernel has mount_setattr (5.12): a read-only bind is read-only all the way down */
	bool recursive_ro;
	/*
	 * The manager runs in a user namespace (userns/userns.h): sysfs may be
	 * mounted only in a network namespace of its own, so a container on the
	 * host's network gets the host's /sys bound read-only instead (as runc
	 * and podman do).
	 */
	bool rootless;
};

/*
 * Build the config. Errors: "no command specified", a relative -w, a
 * capability that cannot be dropped, ...
 */
struct cubo_error *bundle_build(const struct bundle_input *in, struct oci_config **out);

/* The process arguments: --entrypoint / image ENTRYPOINT, then the command or image CMD. */
struct cubo_error *bundle_command(const struct oci_image_config *image, const struct ctr_opts *o,
				  char ***argv);

/*
 * The user as resolved in the rootfs: uid, gid, groups, and HOME unless
 * set. False when the config had them already (nothing to write).
 */
bool bundle_apply_user(struct oci_config *cfg, const struct ctr_user *u);

/* Docker's default capabilities. */
extern const char *const bundle_default_caps[];

#endif

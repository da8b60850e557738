/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device nodes and /dev symlinks inside the rootfs (config-linux.md
 * "Devices", "Default devices"), made beneath the rootfs fd before
 * pivot_root. Nothing is made when /dev is bind-mounted from the host.
 */
#ifndef CUBO_RUNC_DEVICES_H
#define CUBO_RUNC_DEVICES_H

#include <stddef.h>
#include <sys/types.h>

#include "cubo-runc/rootfs.h"
#include "shared/error.h"
#include "spec/config.h"

/* A device to make: from the config, or one of the defaults. */
struct dev_spec {
	const char *path;
	char type; /* c, u, b, p */
	unsigned major, minor;
	mode_t perm;
	uid_t uid;
	gid_t gid;
};

struct cubo_error *devices_setup(const struct rootfs_ctx *ctx, int rootfd);

/*
 * Check linux.devices[index] and fill d (d->path points into od): an
 * absolute path, a known type, major/minor unless a FIFO; mode 0666 and
 * owner 0:0 unless given.
 */
struct cubo_error *device_spec_from_config(const struct oci_device *od, size_t index,
					   struct dev_spec *d);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device nodes and /dev symlinks inside the rootfs (config-linux.md
 * "Devices", "Default devices"), made beneath the rootfs fd before
 * pivot_root. Nothing is made when /dev is bind-mounted from the host.
 */
#ifndef CUBO_RUNC_DEVICES_H
#define CUBO_RUNC_DEVICES_H

#include "cubo-runc/rootfs.h"
#include "shared/error.h"

struct cubo_error *devices_setup(const struct rootfs_ctx *ctx, int rootfd);

#endif

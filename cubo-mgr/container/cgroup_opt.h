/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The values of run/create's cgroup flags beyond the plain sizes and
 * counts: --blkio-weight-device and --device-{read,write}-{bps,iops}
 * ("DEVICE:VALUE", the device a block device of the host), the real-time
 * CPU flags (only where the host's cpu controller has them) and
 * --cgroup-parent. The parsers are pure; the device and host checks read
 * the host.
 */
#ifndef CUBO_MGR_CONTAINER_CGROUP_OPT_H
#define CUBO_MGR_CONTAINER_CGROUP_OPT_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/error.h"

/* The kinds of per-device blkio flag, in ctr_opts' order. */
enum blkio_dev_kind {
	BLKIO_WEIGHT_DEVICE,
	BLKIO_READ_BPS,
	BLKIO_WRITE_BPS,
	BLKIO_READ_IOPS,
	BLKIO_WRITE_IOPS,
	N_BLKIO_DEV_KINDS,
};

/* "--blkio-weight-device", "--device-read-bps", ... */
const char *blkio_dev_flag(enum blkio_dev_kind k);

struct blkio_dev {
	char *path;	      /* as given */
	uint64_t value;	      /* weight 10-1000 (0: the device's default), bytes or IOs a second */
	int64_t major, minor; /* of the host's block device, from blkio_dev_resolve */
};

/*
 * "DEVICE:VALUE": DEVICE an absolute path; VALUE a weight (10 to 1000, or
 * 0), a size (1mb, docker's units) for bps, a count for iops.
 */
struct cubo_error *blkio_dev_parse(enum blkio_dev_kind k, const char *s, struct blkio_dev *out);
/* The device's numbers, on the host: it must be a block device. */
struct cubo_error *blkio_dev_resolve(enum blkio_dev_kind k, struct blkio_dev *d);
void blkio_dev_free(struct blkio_dev *d);

/*
 * --cgroup-parent: a cgroup path of names ([A-Za-z0-9_.@-], no "." or
 * ".." component), absolute or relative; with the systemd driver a slice
 * name ("my.slice") instead.
 */
struct cubo_error *cgroup_parent_check(const char *s, bool systemd);

/*
 * The host's cpu controller lets real-time time be set (cgroup v1 with
 * CONFIG_RT_GROUP_SCHED: cpu.rt_runtime_us); cgroup_root is
 * /sys/fs/cgroup but for tests.
 */
bool cgroup_host_has_rt(const char *cgroup_root);
/*
 * A v1 blkio hierarchy here has no weight files (no CFQ or BFQ I/O
 * scheduler): docker then warns and drops the weights. False without a v1
 * blkio hierarchy (v2 decides per cgroup, in the runtime).
 */
bool cgroup_host_lacks_blkio_weight(const char *cgroup_root);

#endif

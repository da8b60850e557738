/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container addresses allocated on the CNI host-local plugin's own on-disk
 * format, so that the plugin and cubo share one allocation directory
 * (<dataDir>/<network>/, the dataDir the network's conflist names): an
 * ADD made by either is released by a DEL of either, and containers
 * started before cubo allocated in process keep their addresses.
 *
 *   <address>            one file per allocated address: "<container id>\r\n<ifname>"
 *                        (a file holding the id alone is the plugin's older format)
 *   last_reserved_ip.0   the last address handed out (range set 0): the next
 *                        search starts after it, so a released address is
 *                        reused only once the whole range has been gone through
 *   lock                 flock'ed (exclusive) around every allocation and release
 *
 * Like the plugin, nothing is fsync'ed: an allocation means nothing after a
 * reboot (the default network's directory is under /run), and the files
 * are created O_EXCL, so a torn last_reserved_ip only loses the round robin
 * once (it is replaced by rename here).
 */
#ifndef CUBO_MGR_NET_IPAM_H
#define CUBO_MGR_NET_IPAM_H

#include <stdbool.h>
#include <stdint.h>

#include "cubo-mgr/net/cidr.h"
#include "shared/error.h"

struct ipam_range {
	struct net_cidr subnet;
	uint32_t start, end, gateway; /* inclusive; host byte order */
};

/* host-local's defaults: the subnet's first to its last host address (no broadcast). Pure. */
void ipam_range_default(const struct net_cidr *subnet, uint32_t gateway, struct ipam_range *r);
bool ipam_range_contains(const struct ipam_range *r, uint32_t ip);

/*
 * host-local's search, pure: from the address after *last (when last is not
 * NULL and in the range; wrapping from end to start) else from start, once
 * round the range, skipping the gateway, until try_reserve answers 1 (then
 * *out is that address). try_reserve answers 0 for a taken address, or an
 * error that ends the search. false: the range is full.
 */
typedef int (*ipam_try_fn)(uint32_t ip, void *arg, struct cubo_error **err);
bool ipam_search(const struct ipam_range *r, const uint32_t *last, ipam_try_fn try_reserve,
		 void *arg, uint32_t *out, struct cubo_error **err);

/*
 * A container id and interface name as they may appear in an allocation
 * file and a CNI call: errors name them. Pure.
 */
struct cubo_error *ipam_id_check(const char *id);

/*
 * Allocate an address of r in dir (<dataDir>/<network>, made if missing)
 * for id's ifname. Errors: id already holds one there (as host-local: no
 * duplicate allocation), or the range is full -- naming `network`.
 */
struct cubo_error *ipam_allocate(const char *dir, const char *network, const struct ipam_range *r,
				 const char *id, const char *ifname, uint32_t *out);
/*
 * A fixed address (--ip) of network: within r (not the subnet's network or
 * broadcast address) and not its gateway; the error names both. Pure.
 */
struct cubo_error *ipam_static_check(const struct ipam_range *r, const char *network, uint32_t ip);
/*
 * Reserve that address in dir for id's ifname, as ipam_allocate would have
 * had it come up (the same file; the round robin's last address left
 * alone). Errors: not in r, or held by another container or interface.
 */
struct cubo_error *ipam_reserve(const char *dir, const char *network, const struct ipam_range *r,
				const char *id, const char *ifname, uint32_t ip);
/* Release whatever id's ifname holds in dir; nothing held is no error. */
struct cubo_error *ipam_release(const char *dir, const char *id, const char *ifname);

#endif

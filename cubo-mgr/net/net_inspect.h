/* SPDX-License-Identifier: Apache-2.0 */
/* The NetworkSettings member of `inspect` for a container, docker's shape. */
#ifndef CUBO_MGR_NET_NET_INSPECT_H
#define CUBO_MGR_NET_NET_INSPECT_H

#include "cubo-mgr/container/record.h"
#include "shared/json.h"

/*
 * "NetworkSettings": {IPAddress, Gateway, MacAddress (of its first
 * network), Ports {"80/tcp": [{HostIp, HostPort}]}, Networks {NAME:
 * {IPAddress, IPPrefixLen, Gateway, MacAddress, Aliases}}} from its record
 * and <ctr_dir>/net.json (empty while it does not run).
 */
void net_inspect_settings(struct cubo_json_gen *g, const char *ctr_dir, const struct ctr_record *r);

#endif

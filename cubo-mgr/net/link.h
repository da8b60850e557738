/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Removing a network's bridge when the network goes: no CNI plugin deletes
 * a bridge (DEL only takes a container off it), so `network rm` does, with
 * one rtnetlink request rather than running ip(8).
 */
#ifndef CUBO_MGR_NET_LINK_H
#define CUBO_MGR_NET_LINK_H

#include "shared/error.h"

/* Delete the link; one that does not exist is no error. */
struct cubo_error *net_link_delete(const char *ifname);

#endif

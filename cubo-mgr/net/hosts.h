/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The /etc/hosts and /etc/resolv.conf a container gets. Pure text work.
 *
 * Name resolution between containers is done with the hosts file, not a DNS
 * server: each container's hosts file ends with a section listing the other
 * containers on its user networks (IP, name, aliases), rewritten whenever
 * one of them starts or stops. Every resolver reads /etc/hosts, nothing
 * runs per container or per network, and a lookup costs no packets.
 */
#ifndef CUBO_MGR_NET_HOSTS_H
#define CUBO_MGR_NET_HOSTS_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/error.h"

#define HOSTS_PEERS_MARK "# cubo: containers on the same networks\n"

/* --add-host NAME:IP (or NAME=IP); IP may be "host-gateway". */
struct cubo_error *hosts_check_add_host(const char *s);

/*
 * The container's own part: localhost lines, "IP HOSTNAME NAMES..." (ip
 * NULL: no network address, 127.0.1.1 as Debian does), the --add-host
 * entries (host-gateway becomes gateway, "" when there is none), then the
 * peers mark with peers (lines "IP NAME...\n", may be NULL) after it.
 */
char *hosts_render(const char *ip, const char *hostname, char *const *names, char *const *add_hosts,
		   const char *gateway, const char *peers);

/* --network host: the host's hosts file with the --add-host lines after it. */
char *hosts_append_add_hosts(const char *text, char *const *add_hosts);

/* text with everything after the peers mark replaced by peers (mark added when missing). */
char *hosts_replace_peers(const char *text, const char *peers);

/*
 * resolv.conf from the host's: with dns, its nameserver lines replaced by
 * those; loopback nameservers dropped when the container has its own
 * network (127.0.0.53 would be the container itself); with search or
 * options (--dns-option), the host's lines of that kind replaced by one.
 */
char *resolv_render(const char *host_text, char *const *dns, char *const *search,
		    char *const *options, bool own_network);

/* --dns IP: an IPv4 or IPv6 address. */
struct cubo_error *resolv_check_dns(const char *s);

#endif

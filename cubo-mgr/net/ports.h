/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Published ports. The portmap plugin forwards with iptables rules and binds
 * nothing, so by itself it would neither notice a port that a host program
 * (or another container) already has nor pick a free one for `-p 80`. The
 * monitor therefore binds each published host address and port itself and
 * keeps the socket for the container's life, as docker's proxy holds it:
 * the kernel then reports a port in use (EADDRINUSE), picks free ports for
 * host port 0, and frees them the moment the monitor goes, even by kill -9.
 * The sockets are bound, never listened on: the DNAT rules take the traffic.
 */
#ifndef CUBO_MGR_NET_PORTS_H
#define CUBO_MGR_NET_PORTS_H

#include <stddef.h>

#include "cubo-mgr/container/run_opts.h"
#include "shared/error.h"

/*
 * Bind every spec's host address and port; host ports 0 are replaced by the
 * ones the kernel gave. fds[i] (n of them) stay open while the container
 * runs. Errors: "port 127.0.0.1:8080/tcp is already in use" -- nothing stays
 * bound then.
 */
struct cubo_error *ports_reserve(struct ctr_port_spec *specs, size_t n, int *fds);
void ports_release(int *fds, size_t n);

/*
 * For a program that binds the ports itself (a rootless manager's pasta):
 * each spec bound for a moment, as that program would (SO_REUSEADDR: the
 * connections a stopped container left in TIME_WAIT do not count), so a
 * port in use is the same error as above; host ports 0 are replaced by
 * ones the kernel has free.
 */
struct cubo_error *ports_probe(struct ctr_port_spec *specs, size_t n);

/* The portmap plugin's runtimeConfig.portMappings (a JSON array); NULL when n is 0. */
struct cubo_error *ports_mappings_json(const struct ctr_port_spec *specs, size_t n, char **out);

/*
 * One key of an image's ExposedPorts: PORT[/PROTO] ("80", "53/udp") and
 * nothing else. The image is untrusted: a key in -p's fuller grammar
 * ("127.0.0.1:22:80/tcp", "0.0.0.0:2222:22") would let it pick the host
 * address and port that -P publishes, so it is an error naming the key, as
 * docker's is. Ranges ("8000-8010") are refused too.
 */
struct cubo_error *ports_parse_exposed(const char *key, struct ctr_port_spec *out);

/*
 * -P: the image's EXPOSEd ports ("80/tcp", "53/udp", "8080") not published
 * already become specs with a random host port on every address. Appends to
 * *specs. A bad key is an error, and the run that asked fails.
 */
struct cubo_error *ports_add_exposed(char *const *exposed, size_t n_exposed,
				     struct ctr_port_spec **specs, size_t *n);

/* Back from what the record keeps ("127.0.0.1:8080->80/tcp", "0.0.0.0:*->53/udp"). */
struct cubo_error *ports_parse_record(const char *s, struct ctr_port_spec *out);

#endif

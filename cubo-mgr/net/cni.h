/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running CNI plugins the way the CNI specification (1.0) says a runtime
 * does: each plugin of a network's list is executed with CNI_COMMAND,
 * CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME and CNI_PATH in its environment
 * and its configuration on stdin -- the list's "name" and "cniVersion"
 * added, the previous plugin's result as "prevResult", and the published
 * ports as "runtimeConfig" for plugins that declare the portMappings
 * capability. ADD runs the list in order, DEL in reverse (every plugin,
 * even after one failed: DEL must release what it can), CHECK in order.
 *
 * cubo's own networks are attached in process (bridge_attach.h); this
 * runs portmap for them, and every plugin for any other conflist or when
 * CUBO_NET_CNI=1.
 *
 * The plugins are looked up in $CUBO_CNI_PATH, else /usr/lib/cni (Debian's
 * containernetworking-plugins) and /opt/cni/bin. A plugin that runs longer
 * than a minute is killed.
 */
#ifndef CUBO_MGR_NET_CNI_H
#define CUBO_MGR_NET_CNI_H

#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "shared/error.h"

struct cni_call {
	const char *container_id;
	const char *netns;  /* path of the network namespace; "" for a DEL after it went */
	const char *ifname; /* "eth0" */
	/* JSON array of {"hostPort","containerPort","protocol"[,"hostIP"]}, or NULL */
	const char *port_mappings;
	const char *cni_path; /* $CUBO_CNI_PATH (settings.h); NULL: the default */
};

/* The plugin directories searched ("DIR:DIR"): configured, else the default. */
const char *cni_path(const char *configured);

/*
 * ADD: *result is the last plugin's result (JSON text, caller frees). A
 * plugin declaring the portMappings capability is skipped when the call has
 * no port mappings: portmap would only pass its prevResult on, at the cost
 * of a process. DEL and CHECK skip it the same way (the mappings are those
 * ADD had).
 */
struct cubo_error *cni_add(const struct cni_call *c, const char *conflist, size_t len,
			   char **result);
/* DEL with the result ADD gave (NULL when it never gave one). */
struct cubo_error *cni_del(const struct cni_call *c, const char *conflist, size_t len,
			   const char *prev_result);
/*
 * The same from plugin `from` of the list on, the first ones' work having
 * been done in process (bridge_attach.h): ADD starts from prev_result (and
 * gives it back when no plugin runs), DEL ends before plugin `from`.
 */
struct cubo_error *cni_add_after(const struct cni_call *c, const char *conflist, size_t len,
				 size_t from, const char *prev_result, char **result);
struct cubo_error *cni_del_after(const struct cni_call *c, const char *conflist, size_t len,
				 size_t from, const char *prev_result);
struct cubo_error *cni_check(const struct cni_call *c, const char *conflist, size_t len,
			     const char *prev_result);

/*
 * What plugin `index` of a parsed list gets on stdin (pure; for tests):
 * its own members, then name, cniVersion, runtimeConfig and prevResult.
 */
struct cubo_error *cni_plugin_config(yajl_val list, size_t index, yajl_val prev_result,
				     yajl_val port_mappings, char **out, size_t *len);

/* "bridge: failed to allocate for range 0: no IP addresses available" from an error result. */
char *cni_error_message(const char *type, const char *stdout_text);

#endif

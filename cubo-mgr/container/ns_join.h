/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --pid/--ipc container:ID: at each start, the namespaces of the other
 * container's init (/proc/PID/ns/TYPE) go into config.json, since the
 * other container's pid changes when it restarts. That container must be
 * running (docker's rule); the check and the runtime's open are not
 * atomic, so a container that stops in between fails our start.
 */
#ifndef CUBO_MGR_CONTAINER_NS_JOIN_H
#define CUBO_MGR_CONTAINER_NS_JOIN_H

#include <stdbool.h>

#include "cubo-mgr/container/ctr_store.h"
#include "cubo-mgr/container/record.h"
#include "spec/config.h"

/* Sets the paths rec's modes ask for; *changed: cfg was changed. */
struct cubo_error *ctr_ns_join(const struct ctr_store *s, const struct ctr_record *rec,
			       struct oci_config *cfg, bool *changed);

#endif

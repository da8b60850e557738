/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's health state on disk, changed by its writers (the
 * monitor's checks, a start, a pause or a stop, `healthcheck run`): each
 * change read, made and written under a lock, and a changed verdict told
 * to the event journal. Apart from health.h so that the parsers there
 * (run's flags, the image config) need neither records nor events.
 */
#ifndef CUBO_MGR_CONTAINER_HEALTH_STORE_H
#define CUBO_MGR_CONTAINER_HEALTH_STORE_H

#include "cubo-mgr/container/health.h"

typedef void (*health_update_fn)(struct health_state *s, void *ctx);
/*
 * The status of the container in dir (<root>/<id>) changed, written by
 * health_state_update: the monitor's checks, a start, a pause or a stop,
 * and `healthcheck run` all go through it, so this is where an event
 * ("health_status: healthy", docker's) is emitted.
 */
void health_status_changed(const char *dir, enum health_status status);
/*
 * Read, change and write <dir>/health.json atomically (not durably: it is
 * rebuilt by the next check) under <dir>/health.lock, so the monitor and a
 * `healthcheck run` do not lose each other's results.
 */
struct cubo_error *health_state_update(const char *dir, health_update_fn fn, void *ctx);

#endif

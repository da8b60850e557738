/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the commands and the monitors call when something happens: one event
 * with docker's attributes, appended to the journal (journal.h). An event
 * that cannot be written never fails what caused it: it is a warning on
 * stderr, once per process where the caller keeps *warned (NULL: silent, as
 * in a monitor, whose stderr goes nowhere).
 */
#ifndef CUBO_MGR_EVENTS_EMIT_H
#define CUBO_MGR_EVENTS_EMIT_H

#include <stdbool.h>

#include "cubo-mgr/container/record.h"
#include "cubo-mgr/events/event.h"

/* e appended to root's journal, its failure a warning; e is freed. */
void ev_emit(const char *root, struct ev_event *e, bool *warned);

/*
 * A container event: its name, image and labels, and extra's "key", "value"
 * pairs (NULL-terminated; NULL: none), as exitCode of die, signal of kill.
 */
void ev_container(const char *root, const struct ctr_record *r, const char *action,
		  const char *const *extra, bool *warned);

/* The health check's verdict: action "health_status: STATUS" (healthy, unhealthy, starting). */
void ev_health_status(const char *root, const struct ctr_record *r, const char *status,
		      bool *warned);

/*
 * An image event: id the reference or the image ID, name its name attribute
 * (NULL: id's repository, as docker's pull and push name it).
 */
void ev_image(const char *root, const char *action, const char *id, const char *name, bool *warned);

/* A volume event (driver local); container: the container it concerns, or NULL. */
void ev_volume(const char *root, const char *action, const char *name, const char *container,
	       bool *warned);

/* A network event (type bridge); container: what connect and disconnect attach, or NULL. */
void ev_network(const char *root, const char *action, const char *id, const char *name,
		const char *container, bool *warned);

#endif

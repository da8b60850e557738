/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `events --filter KEY=VALUE`, docker's rules: values of one key are ORed,
 * different keys ANDed. Keys: type, event (the action; health_status,
 * exec_create and exec_start match every action they begin), container,
 * volume, network (the actor's ID or its name attribute, or a prefix of
 * either: so container=x keeps only events whose actor is x), image (the
 * ID or the image/name attribute, with or without its tag), label (KEY or
 * KEY=VALUE among the attributes). Pure: unit-tested.
 */
#ifndef CUBO_MGR_EVENTS_FILTER_H
#define CUBO_MGR_EVENTS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "cubo-mgr/events/event.h"
#include "shared/error.h"

struct ev_filter {
	char **keys, **values; /* parallel, n of each */
	size_t n;
};

/* Add one --filter argument; an unknown key or a missing '=' is an error naming it. */
struct cubo_error *ev_filter_add(struct ev_filter *f, const char *arg);

/* Whether e passes every key of f (an empty filter passes everything). */
bool ev_filter_match(const struct ev_filter *f, const struct ev_event *e);

void ev_filter_free(struct ev_filter *f);

#endif

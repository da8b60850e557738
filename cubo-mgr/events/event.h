/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One event of the journal, docker's events.Message: what happened (Type,
 * Action) to what (Actor ID and Attributes), and when. As a line of the
 * journal it is docker's JSON, members in docker's order:
 *
 *   {"status":"die","id":"ab..","from":"busybox","Type":"container","Action":"die",
 *    "Actor":{"ID":"ab..","Attributes":{"exitCode":"3","image":"busybox","name":"x"}},
 *    "scope":"local","time":1796652000,"timeNano":1796652000123456789}
 *
 * status, id and from are docker's deprecated members: status and id for
 * container and image events, from (the image) for container events only.
 * Text in, text out, no I/O: unit-tested on sample lines.
 */
#ifndef CUBO_MGR_EVENTS_EVENT_H
#define CUBO_MGR_EVENTS_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"

struct cubo_json_gen;

/* A journal line longer than this is not an event (it is skipped when read). */
#define EV_LINE_MAX 65536

struct ev_event {
	char *type;   /* "container", "image", "volume", "network" */
	char *action; /* "start", "die", "health_status: healthy", ... */
	char *id;     /* Actor.ID */
	char **attrs; /* Actor.Attributes as "key=value", sorted by key; NULL-terminated or NULL */
	int64_t time_ns;
};

void ev_event_free(struct ev_event *e); /* frees members, not e */

/* Set attribute key (replacing its value); value NULL: "". Keys stay sorted. */
void ev_event_set(struct ev_event *e, const char *key, const char *value);
/* The value of attribute key, or NULL. */
const char *ev_event_get(const struct ev_event *e, const char *key);

/* e as docker's JSON object, written into g. */
void ev_event_gen(const struct ev_event *e, struct cubo_json_gen *g);

/* e as one journal line: JSON and a newline, at most EV_LINE_MAX bytes. */
struct cubo_error *ev_event_encode(const struct ev_event *e, char **line, size_t *len);

/* A journal line (without its newline) back into an event. */
struct cubo_error *ev_event_parse(const char *line, size_t len, struct ev_event *out);

/*
 * docker's line for e: "2026-12-07T14:00:00.123456789Z container start ID
 * (image=busybox, name=web)", UTC; control characters shown as \xNN, so a
 * hostile value cannot start a line of its own. No newline at the end.
 */
char *ev_event_text(const struct ev_event *e);

/*
 * docker compose's forms of a container event: its text line
 * "2026-12-07 14:00:00.123456 container start ID (image=busybox, name=p-web-1)"
 * (UTC, microseconds) and its --json object {"time", "type", "action", "id",
 * "service", "attributes"}; the com.docker.compose.* labels are left out of
 * the attributes (the service is a member of its own), as compose leaves them.
 */
char *ev_event_compose_text(const struct ev_event *e);
void ev_event_compose_gen(const struct ev_event *e, struct cubo_json_gen *g);

#endif

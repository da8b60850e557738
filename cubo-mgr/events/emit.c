/* SPDX-License-Identifier: Apache-2.0 */
/* Events with docker's attributes, written where they happen: see emit.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/events/journal.h"
#include "shared/xalloc.h"

/* labels beyond this many bytes are left out, so that the line stays an event */
#define LABELS_MAX (EV_LINE_MAX / 2)

void ev_emit(const char *root, struct ev_event *e, bool *warned)
{
	struct cubo_error *err = ev_journal_append(root, e);
	if (err && warned && !*warned) {
		char *text = cubo_error_text(err);
		fprintf(stderr, "WARNING: event %s %s not recorded: %s\n", e->type, e->action,
			text);
		free(text);
		*warned = true;
	}
	cubo_error_free(err);
	ev_event_free(e);
}

static void start(struct ev_event *e, const char *type, const char *action, const char *id)
{
	memset(e, 0, sizeof(*e));
	e->type = xstrdup(type);
	e->action = xstrdup(action);
	e->id = xstrdup(id ? id : "");
}

static void set_extra(struct ev_event *e, const char *const *extra)
{
	for (size_t i = 0; extra && extra[i] && extra[i + 1]; i += 2)
		ev_event_set(e, extra[i], extra[i + 1]);
}

static void container_event(struct ev_event *e, const struct ctr_record *r, const char *action)
{
	start(e, "container", action, r->id);
	size_t budget = LABELS_MAX;
	/* docker: the labels first, so that image and name win over labels of those names */
	for (size_t i = 0; r->labels && r->labels[i]; i++) {
		const char *eq = strchr(r->labels[i], '=');
		size_t len = strlen(r->labels[i]);
		if (!eq || eq == r->labels[i] || len > budget)
			continue;
		budget -= len;
		char *key = xstrndup(r->labels[i], (size_t)(eq - r->labels[i]));
		ev_event_set(e, key, eq + 1);
		free(key);
	}
	ev_event_set(e, "image", r->image);
	ev_event_set(e, "name", r->name);
}

void ev_container(const char *root, const struct ctr_record *r, const char *action,
		  const char *const *extra, bool *warned)
{
	struct ev_event e;
	container_event(&e, r, action);
	set_extra(&e, extra);
	ev_emit(root, &e, warned);
}

void ev_health_status(const char *root, const struct ctr_record *r, const char *status,
		      bool *warned)
{
	char *action = xasprintf("health_status: %s", status);
	ev_container(root, r, action, NULL, warned);
	free(action);
}

/* "host:5000/x:1" or "x@sha256:..." -> "host:5000/x", "x" */
static char *repository(const char *ref)
{
	size_t n = strcspn(ref, "@");
	const char *colon = memrchr(ref, ':', n);
	if (colon && !memchr(colon, '/', n - (size_t)(colon - ref)))
		n = (size_t)(colon - ref);
	return xstrndup(ref, n);
}

void ev_image(const char *root, const char *action, const char *id, const char *name, bool *warned)
{
	struct ev_event e;
	start(&e, "image", action, id);
	char *repo = name ? NULL : repository(id);
	ev_event_set(&e, "name", name ? name : repo);
	free(repo);
	ev_emit(root, &e, warned);
}

void ev_volume(const char *root, const char *action, const char *name, const char *container,
	       bool *warned)
{
	struct ev_event e;
	start(&e, "volume", action, name);
	ev_event_set(&e, "driver", "local");
	if (container)
		ev_event_set(&e, "container", container);
	ev_emit(root, &e, warned);
}

void ev_network(const char *root, const char *action, const char *id, const char *name,
		const char *container, bool *warned)
{
	struct ev_event e;
	start(&e, "network", action, id);
	ev_event_set(&e, "name", name);
	ev_event_set(&e, "type", "bridge");
	if (container)
		ev_event_set(&e, "container", container);
	ev_emit(root, &e, warned);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* events --filter: see filter.h. */
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/events/filter.h"
#include "shared/xalloc.h"

static const char *const known_keys[] = {"type",   "event",   "container", "image",
					 "volume", "network", "label",	   NULL};

struct cubo_error *ev_filter_add(struct ev_filter *f, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		return cubo_error_new("--filter \"%s\": expected KEY=VALUE", arg);
	char *key = xstrndup(arg, (size_t)(eq - arg));
	const char *const *k = known_keys;
	while (*k && strcmp(*k, key))
		k++;
	if (!*k) {
		struct cubo_error *err = cubo_error_new(
			"--filter \"%s\": invalid filter '%s' (type, event, container, image, "
			"volume, network or label)",
			arg, key);
		free(key);
		return err;
	}
	f->keys = xrealloc(f->keys, (f->n + 1) * sizeof(*f->keys));
	f->values = xrealloc(f->values, (f->n + 1) * sizeof(*f->values));
	f->keys[f->n] = key;
	f->values[f->n] = xstrdup(eq + 1);
	f->n++;
	return NULL;
}

void ev_filter_free(struct ev_filter *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->keys[i]);
		free(f->values[i]);
	}
	free(f->keys);
	free(f->values);
	memset(f, 0, sizeof(*f));
}

static bool has_prefix(const char *s, const char *p)
{
	return s && !strncmp(s, p, strlen(p));
}

static bool eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* "name:tag" without its tag (a registry's port is not a tag); digests kept */
static bool eq_untagged(const char *s, const char *v)
{
	if (!s || strchr(s, '@'))
		return false;
	const char *colon = strrchr(s, ':');
	if (!colon || strchr(colon, '/'))
		return false;
	return strlen(v) == (size_t)(colon - s) && !strncmp(s, v, (size_t)(colon - s));
}

/* docker's short form of a name of Docker Hub: "docker.io/library/x:1" -> "x:1" */
static const char *familiar(const char *s)
{
	if (s && !strncmp(s, "docker.io/library/", 18))
		return s + 18;
	if (s && !strncmp(s, "docker.io/", 10))
		return s + 10;
	return s;
}

/* docker's image filter: the name as given, in its short form, without its tag */
static bool image_match(const char *s, const char *v)
{
	return eq(s, v) || eq(familiar(s), v) || eq_untagged(s, v) || eq_untagged(familiar(s), v);
}

static bool label_match(const struct ev_event *e, const char *v)
{
	const char *veq = strchr(v, '=');
	if (!veq) {
		for (size_t i = 0; e->attrs && e->attrs[i]; i++) {
			const char *aeq = strchr(e->attrs[i], '=');
			if ((size_t)(aeq - e->attrs[i]) == strlen(v) &&
			    !strncmp(e->attrs[i], v, strlen(v)))
				return true;
		}
		return false;
	}
	for (size_t i = 0; e->attrs && e->attrs[i]; i++)
		if (!strcmp(e->attrs[i], v))
			return true;
	return false;
}

/* Whether value v of key passes e. */
static bool value_match(const char *key, const char *v, const struct ev_event *e)
{
	if (!strcmp(key, "type"))
		return eq(e->type, v);
	if (!strcmp(key, "event")) {
		/* docker's #25798: these carry more after a colon */
		if (!strcmp(v, "health_status") || !strcmp(v, "exec_create") ||
		    !strcmp(v, "exec_start"))
			return has_prefix(e->action, v);
		return eq(e->action, v);
	}
	if (!strcmp(key, "label"))
		return label_match(e, v);
	if (!strcmp(key, "image")) {
		const char *name = ev_event_get(e, eq(e->type, "image") ? "name" : "image");
		return image_match(e->id, v) || image_match(name, v);
	}
	/* container, volume, network: the actor, by ID or name, or a prefix of either */
	return has_prefix(e->id, v) || has_prefix(ev_event_get(e, "name"), v);
}

bool ev_filter_match(const struct ev_filter *f, const struct ev_event *e)
{
	for (size_t i = 0; i < f->n; i++) {
		bool any = false;
		/* the values of this key: ORed */
		for (size_t j = 0; j < f->n && !any; j++)
			if (!strcmp(f->keys[j], f->keys[i]))
				any = value_match(f->keys[j], f->values[j], e);
		if (!any)
			return false;
	}
	return true;
}

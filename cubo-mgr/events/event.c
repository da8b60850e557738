/* SPDX-License-Identifier: Apache-2.0 */
/* One event, docker's JSON and docker's text line: see event.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cubo-mgr/events/event.h"
#include "shared/json.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

void ev_event_free(struct ev_event *e)
{
	free(e->type);
	free(e->action);
	free(e->id);
	cubo_strv_free(e->attrs);
	memset(e, 0, sizeof(*e));
}

/* Whether attribute a ("key=value") has key k. */
static int key_cmp(const char *a, const char *k)
{
	size_t kl = strlen(k);
	const char *eq = strchr(a, '=');
	size_t al = eq ? (size_t)(eq - a) : strlen(a);
	int c = strncmp(a, k, al < kl ? al : kl);
	if (c)
		return c;
	return al < kl ? -1 : al > kl ? 1 : 0;
}

void ev_event_set(struct ev_event *e, const char *key, const char *value)
{
	char *kv = xasprintf("%s=%s", key, value ? value : "");
	size_t n = cubo_strv_len(e->attrs), i = 0;
	while (i < n && key_cmp(e->attrs[i], key) < 0)
		i++;
	if (i < n && key_cmp(e->attrs[i], key) == 0) {
		free(e->attrs[i]);
		e->attrs[i] = kv;
		return;
	}
	e->attrs = xrealloc(e->attrs, (n + 2) * sizeof(*e->attrs));
	e->attrs[n] = NULL; /* a NULL vector had no terminator to move */
	memmove(e->attrs + i + 1, e->attrs + i, (n + 1 - i) * sizeof(*e->attrs));
	e->attrs[i] = kv;
}

const char *ev_event_get(const struct ev_event *e, const char *key)
{
	for (size_t i = 0; e->attrs && e->attrs[i]; i++)
		if (key_cmp(e->attrs[i], key) == 0)
			return strchr(e->attrs[i], '=') + 1;
	return NULL;
}

#define COMPOSE_LABEL_PREFIX "com.docker.compose."

static bool compose_shown(const char *attr)
{
	return strncmp(attr, COMPOSE_LABEL_PREFIX, strlen(COMPOSE_LABEL_PREFIX)) != 0;
}

/* The attributes as a JSON object; compose_only: without compose's own labels. */
static void gen_attrs(const struct ev_event *e, struct cubo_json_gen *g, bool compose_only)
{
	cubo_json_gen_map_open(g);
	for (size_t i = 0; e->attrs && e->attrs[i]; i++) {
		const char *eq = strchr(e->attrs[i], '=');
		if (compose_only && !compose_shown(e->attrs[i]))
			continue;
		char *key = xstrndup(e->attrs[i], (size_t)(eq - e->attrs[i]));
		cubo_json_gen_key(g, key);
		cubo_json_gen_string(g, eq + 1);
		free(key);
	}
	cubo_json_gen_map_close(g);
}

void ev_event_gen(const struct ev_event *e, struct cubo_json_gen *g)
{
	bool ctr = !strcmp(e->type, "container");
	cubo_json_gen_map_open(g);
	if (ctr || !strcmp(e->type, "image")) {
		cubo_json_gen_key(g, "status");
		cubo_json_gen_string(g, e->action);
		cubo_json_gen_key(g, "id");
		cubo_json_gen_string(g, e->id);
	}
	const char *from = ctr ? ev_event_get(e, "image") : NULL;
	if (from) {
		cubo_json_gen_key(g, "from");
		cubo_json_gen_string(g, from);
	}
	cubo_json_gen_key(g, "Type");
	cubo_json_gen_string(g, e->type);
	cubo_json_gen_key(g, "Action");
	cubo_json_gen_string(g, e->action);
	cubo_json_gen_key(g, "Actor");
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "ID");
	cubo_json_gen_string(g, e->id);
	cubo_json_gen_key(g, "Attributes");
	gen_attrs(e, g, false);
	cubo_json_gen_map_close(g);
	cubo_json_gen_key(g, "scope");
	cubo_json_gen_string(g, "local");
	cubo_json_gen_key(g, "time");
	cubo_json_gen_int(g, e->time_ns / 1000000000);
	cubo_json_gen_key(g, "timeNano");
	cubo_json_gen_int(g, e->time_ns);
	cubo_json_gen_map_close(g);
}

struct cubo_error *ev_event_encode(const struct ev_event *e, char **line, size_t *len)
{
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(false, &g));
	ev_event_gen(e, g);
	char *text;
	size_t n;
	CUBO_TRY(cubo_json_gen_finish(g, &text, &n));
	/* yajl escapes control characters: the text holds no newline of its own */
	if (n + 1 > EV_LINE_MAX) {
		free(text);
		return cubo_error_new("event %s %s: %zu bytes, more than a journal line holds",
				      e->type, e->action, n);
	}
	text = xrealloc(text, n + 2);
	text[n++] = '\n';
	text[n] = '\0';
	*line = text;
	*len = n;
	return NULL;
}

static struct cubo_error *parse_attrs(struct cubo_json_ctx *c, yajl_val obj, struct ev_event *out)
{
	if (!obj)
		return NULL;
	size_t mark = cubo_json_push_key(c, "Attributes");
	struct cubo_error *err = cubo_json_expect_object(c, obj);
	for (size_t i = 0; !err && i < obj->u.object.len; i++) {
		const char *key = obj->u.object.keys[i];
		yajl_val v = obj->u.object.values[i];
		size_t km = cubo_json_push_key(c, key);
		if (strchr(key, '='))
			err = cubo_json_error(c, "a key may not hold '='");
		else if (!YAJL_IS_STRING(v))
			err = cubo_json_error(c, "expected string, got %s", cubo_json_type_name(v));
		else
			ev_event_set(out, key, v->u.string);
		cubo_json_pop(c, km);
	}
	cubo_json_pop(c, mark);
	return err;
}

struct cubo_error *ev_event_parse(const char *line, size_t len, struct ev_event *out)
{
	memset(out, 0, sizeof(*out));
	yajl_val root;
	CUBO_TRY(cubo_json_parse(line, len, "event", &root));
	struct cubo_json_ctx c;
	cubo_json_ctx_init(&c, "event");
	struct cubo_error *err = cubo_json_expect_object(&c, root);
	yajl_val actor = cubo_json_get(root, "Actor");
	if (!err)
		err = cubo_json_field_string(&c, root, "Type", true, &out->type);
	if (!err)
		err = cubo_json_field_string(&c, root, "Action", true, &out->action);
	if (!err)
		err = cubo_json_field_int64(&c, root, "timeNano", true, &out->time_ns, NULL);
	if (!err && !actor)
		err = cubo_json_error(&c, "missing required field \"Actor\"");
	if (!err) {
		size_t mark = cubo_json_push_key(&c, "Actor");
		err = cubo_json_expect_object(&c, actor);
		if (!err)
			err = cubo_json_field_string(&c, actor, "ID", true, &out->id);
		if (!err)
			err = parse_attrs(&c, cubo_json_get(actor, "Attributes"), out);
		cubo_json_pop(&c, mark);
	}
	yajl_tree_free(root);
	if (err)
		ev_event_free(out);
	return err;
}

/* s with control characters as \xNN */
static void add_shown(struct cubo_strbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch == 0x7f) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\x%02x", ch);
			cubo_strbuf_adds(b, esc);
		} else {
			cubo_strbuf_addc(b, (char)ch);
		}
	}
}

static void rfc3339_of(int64_t ns, char when[CUBO_RFC3339_LEN])
{
	struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
	cubo_time_rfc3339(&ts, when);
}

/*
 * "WHEN TYPE ACTION ID (ATTRIBUTES)", control characters escaped; compose: only
 * the attributes compose shows, and the parentheses even around none.
 */
static char *event_line(const struct ev_event *e, const char *when, bool compose)
{
	struct cubo_strbuf b = {0};
	bool first = true;
	cubo_strbuf_adds(&b, when);
	cubo_strbuf_addc(&b, ' ');
	add_shown(&b, e->type);
	cubo_strbuf_addc(&b, ' ');
	add_shown(&b, e->action);
	cubo_strbuf_addc(&b, ' ');
	add_shown(&b, e->id);
	for (size_t i = 0; e->attrs && e->attrs[i]; i++) {
		if (compose && !compose_shown(e->attrs[i]))
			continue;
		cubo_strbuf_adds(&b, first ? " (" : ", ");
		add_shown(&b, e->attrs[i]);
		first = false;
	}
	if (!first)
		cubo_strbuf_addc(&b, ')');
	else if (compose)
		cubo_strbuf_adds(&b, " ()");
	return cubo_strbuf_take(&b);
}

char *ev_event_text(const struct ev_event *e)
{
	char when[CUBO_RFC3339_LEN];
	rfc3339_of(e->time_ns, when);
	return event_line(e, when, false);
}

char *ev_event_compose_text(const struct ev_event *e)
{
	time_t sec = (time_t)(e->time_ns / 1000000000);
	struct tm tm;
	char when[64];
	gmtime_r(&sec, &tm);
	size_t n = strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%06lld",
		 (long long)(e->time_ns % 1000000000 / 1000));
	return event_line(e, when, true);
}

void ev_event_compose_gen(const struct ev_event *e, struct cubo_json_gen *g)
{
	char when[CUBO_RFC3339_LEN];
	const char *service = ev_event_get(e, COMPOSE_LABEL_PREFIX "service");
	rfc3339_of(e->time_ns, when);
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "time");
	cubo_json_gen_string(g, when);
	cubo_json_gen_key(g, "type");
	cubo_json_gen_string(g, e->type);
	cubo_json_gen_key(g, "action");
	cubo_json_gen_string(g, e->action);
	cubo_json_gen_key(g, "id");
	cubo_json_gen_string(g, e->id);
	cubo_json_gen_key(g, "service");
	cubo_json_gen_string(g, service ? service : "");
	cubo_json_gen_key(g, "attributes");
	gen_attrs(e, g, true);
	cubo_json_gen_map_close(g);
}

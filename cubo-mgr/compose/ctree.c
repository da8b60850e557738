/* SPDX-License-Identifier: Apache-2.0 */
/* Compose files into node trees (libyaml events), and node trees back out as YAML or JSON. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cubo-mgr/compose/ctree.h"
#include "shared/json.h"
#include "shared/strbuf.h"
#include "shared/xalloc.h"

struct cnode *ctree_new(enum ctree_kind kind, const char *file, unsigned line)
{
	struct cnode *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->file = file;
	n->line = line;
	return n;
}

struct cnode *ctree_scalar(const char *file, unsigned line, const char *s, bool plain)
{
	struct cnode *n = ctree_new(CTREE_SCALAR, file, line);
	n->str = xstrdup(s);
	n->plain = plain;
	return n;
}

void ctree_free(struct cnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			free(n->keys[i]);
		ctree_free(n->v[i]);
	}
	free(n->keys);
	free(n->v);
	free(n->str);
	free(n);
}

/* A copy, counting its nodes into *count; NULL once the count passes the bound. */
static struct cnode *copy_counted(const struct cnode *n, size_t *count)
{
	if (++*count > CTREE_MAX_NODES)
		return NULL;
	struct cnode *c = ctree_new(n->kind, n->file, n->line);
	c->plain = n->plain;
	c->str = xstrdup(n->str);
	c->n = n->n;
	c->v = xcalloc(n->n ? n->n : 1, sizeof(*c->v));
	if (n->keys)
		c->keys = xcalloc(n->n ? n->n : 1, sizeof(*c->keys));
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			c->keys[i] = xstrdup(n->keys[i]);
		c->v[i] = copy_counted(n->v[i], count);
		if (!c->v[i]) {
			ctree_free(c);
			return NULL;
		}
	}
	return c;
}

struct cnode *ctree_copy(const struct cnode *n)
{
	if (!n)
		return NULL;
	struct cnode *c = ctree_new(n->kind, n->file, n->line);
	c->plain = n->plain;
	c->str = xstrdup(n->str);
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == CTREE_MAP)
			ctree_set(c, n->keys[i], ctree_copy(n->v[i]));
		else
			ctree_push(c, ctree_copy(n->v[i]));
	}
	return c;
}

static void append(struct cnode *n, char *key, struct cnode *v)
{
	n->v = xreallocarray(n->v, n->n + 1, sizeof(*n->v));
	if (n->kind == CTREE_MAP) {
		n->keys = xreallocarray(n->keys, n->n + 1, sizeof(*n->keys));
		n->keys[n->n] = key;
	}
	n->v[n->n++] = v;
}

static ssize_t find(const struct cnode *map, const char *key)
{
	if (!map || map->kind != CTREE_MAP)
		return -1;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i], key))
			return (ssize_t)i;
	return -1;
}

void ctree_set(struct cnode *map, const char *key, struct cnode *v)
{
	ssize_t i = find(map, key);
	if (i >= 0) {
		ctree_free(map->v[i]);
		map->v[i] = v;
		return;
	}
	append(map, xstrdup(key), v);
}

void ctree_push(struct cnode *seq, struct cnode *v)
{
	append(seq, NULL, v);
}

void ctree_del(struct cnode *map, const char *key)
{
	ssize_t i = find(map, key);
	if (i < 0)
		return;
	free(map->keys[i]);
	ctree_free(map->v[i]);
	memmove(&map->keys[i], &map->keys[i + 1], (map->n - i - 1) * sizeof(*map->keys));
	memmove(&map->v[i], &map->v[i + 1], (map->n - i - 1) * sizeof(*map->v));
	map->n--;
}

struct cnode *ctree_get(const struct cnode *map, const char *key)
{
	ssize_t i = find(map, key);
	return i < 0 ? NULL : map->v[i];
}

bool ctree_is_null(const struct cnode *n)
{
	if (!n)
		return true;
	if (n->kind != CTREE_SCALAR || !n->plain)
		return false;
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	for (size_t i = 0; i < sizeof(nulls) / sizeof(*nulls); i++)
		if (!strcmp(n->str, nulls[i]))
			return true;
	return false;
}

/* ---- paths and errors ---- */

static void cpath_add(struct cpath *p, const char *s)
{
	size_t n = strlen(s);
	if (p->len + n >= sizeof(p->buf) - 4) {
		strcpy(p->buf + (sizeof(p->buf) - 4), "...");
		p->len = sizeof(p->buf) - 1;
		return;
	}
	memcpy(p->buf + p->len, s, n + 1);
	p->len += n;
}

void cpath_push_key(struct cpath *p, const char *key)
{
	if (p->len)
		cpath_add(p, ".");
	cpath_add(p, key);
}

void cpath_push_index(struct cpath *p, size_t i)
{
	char b[32];
	snprintf(b, sizeof(b), "[%zu]", i);
	cpath_add(p, b);
}

struct cubo_error *cnode_error(const struct cnode *n, const struct cpath *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	struct cubo_error *e;
	if (n && p && p->len)
		e = cubo_error_new("%s:%u: %s: %s", n->file, n->line, p->buf, msg);
	else if (n)
		e = cubo_error_new("%s:%u: %s", n->file, n->line, msg);
	else
		e = cubo_error_new("%s%s%s", p && p->len ? p->buf : "", p && p->len ? ": " : "",
				   msg);
	free(msg);
	return e;
}

/* ---- loading ---- */

struct anchor {
	char *name;
	const struct cnode *node;
};

struct loader {
	yaml_parser_t p;
	const char *file;
	size_t count; /* nodes made, copies of aliases included */
	struct anchor *anchors;
	size_t n_anchors;
	yaml_event_t ev; /* the event being looked at */
	bool have_ev;
};

static struct cubo_error *next_event(struct loader *l)
{
	if (l->have_ev)
		yaml_event_delete(&l->ev);
	l->have_ev = false;
	if (!yaml_parser_parse(&l->p, &l->ev))
		return cubo_error_new("%s:%zu: invalid YAML (column %zu): %s", l->file,
				      l->p.problem_mark.line + 1, l->p.problem_mark.column + 1,
				      l->p.problem ? l->p.problem : "parse error");
	l->have_ev = true;
	return NULL;
}

static struct cubo_error *too_big(struct loader *l, unsigned line)
{
	return cubo_error_new("%s:%u: the document expands into more than %d nodes (aliases "
			      "are copied)",
			      l->file, line, CTREE_MAX_NODES);
}

static void remember_anchor(struct loader *l, const char *name, const struct cnode *n)
{
	if (!name)
		return;
	for (size_t i = 0; i < l->n_anchors; i++)
		if (!strcmp(l->anchors[i].name, name)) {
			l->anchors[i].node = n;
			return;
		}
	l->anchors = xreallocarray(l->anchors, l->n_anchors + 1, sizeof(*l->anchors));
	l->anchors[l->n_anchors++] = (struct anchor){xstrdup(name), n};
}

static struct cubo_error *parse_node(struct loader *l, unsigned depth, struct cnode **out);

/*
 * `<<: *x` or `<<: [*x, *y]`: the members of the merged maps the map does not have
 * (keys written in the map win, then the first merged map).
 */
static struct cubo_error *apply_merge(struct loader *l, struct cnode *map, struct cnode *src)
{
	struct cnode *one[1] = {src};
	struct cnode **maps = one;
	size_t n = 1;
	if (src->kind == CTREE_SEQ)
		maps = src->v, n = src->n;
	for (size_t i = 0; i < n; i++) {
		if (maps[i]->kind != CTREE_MAP)
			return cubo_error_new("%s:%u: a merge key (<<) takes a mapping or a list "
					      "of mappings",
					      l->file, maps[i]->line);
		for (size_t j = 0; j < maps[i]->n; j++) {
			if (find(map, maps[i]->keys[j]) >= 0)
				continue;
			append(map, xstrdup(maps[i]->keys[j]), maps[i]->v[j]);
			maps[i]->v[j] = NULL;
		}
	}
	return NULL;
}

static struct cubo_error *parse_map(struct loader *l, unsigned depth, struct cnode *map)
{
	struct cnode *merges = ctree_new(CTREE_SEQ, l->file, map->line);
	struct cubo_error *err = NULL;
	for (;;) {
		if ((err = next_event(l)))
			break;
		if (l->ev.type == YAML_MAPPING_END_EVENT)
			break;
		unsigned line = l->ev.start_mark.line + 1;
		if (l->ev.type != YAML_SCALAR_EVENT) {
			err = cubo_error_new("%s:%u: a mapping's key must be a string", l->file,
					     line);
			break;
		}
		/* YAML's implicit keys end within 1024 characters: longer ones could not be
		 * written back the same way, and no compose key needs them */
		if (l->ev.data.scalar.length > CTREE_MAX_KEY) {
			err = cubo_error_new("%s:%u: a key longer than %d bytes", l->file, line,
					     CTREE_MAX_KEY);
			break;
		}
		bool merge = l->ev.data.scalar.plain_implicit &&
			     !strcmp((const char *)l->ev.data.scalar.value, "<<");
		char *key = xstrdup((const char *)l->ev.data.scalar.value);
		if (!merge && find(map, key) >= 0) {
			err = cubo_error_new("%s:%u: key \"%s\" is already defined", l->file, line,
					     key);
			free(key);
			break;
		}
		struct cnode *v;
		if ((err = next_event(l)) || (err = parse_node(l, depth + 1, &v))) {
			free(key);
			break;
		}
		if (merge) {
			free(key);
			ctree_push(merges, v);
		} else {
			append(map, key, v);
		}
	}
	for (size_t i = 0; !err && i < merges->n; i++)
		err = apply_merge(l, map, merges->v[i]);
	ctree_free(merges);
	return err;
}

/* The node starting at the current event. */
static struct cubo_error *parse_node(struct loader *l, unsigned depth, struct cnode **out)
{
	*out = NULL;
	unsigned line = l->ev.start_mark.line + 1;
	if (depth > CTREE_MAX_DEPTH)
		return cubo_error_new("%s:%u: nested deeper than %d levels", l->file, line,
				      CTREE_MAX_DEPTH);
	if (++l->count > CTREE_MAX_NODES)
		return too_big(l, line);
	struct cubo_error *err = NULL;
	struct cnode *n = NULL;
	char *anchor = NULL;
	switch (l->ev.type) {
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)l->ev.data.alias.anchor;
		for (size_t i = l->n_anchors; i-- > 0;)
			if (!strcmp(l->anchors[i].name, name)) {
				n = copy_counted(l->anchors[i].node, &l->count);
				if (!n)
					return too_big(l, line);
				n->line = line;
				*out = n;
				return NULL;
			}
		return cubo_error_new("%s:%u: unknown anchor \"%s\"", l->file, line, name);
	}
	case YAML_SCALAR_EVENT:
		n = ctree_scalar(l->file, line, (const char *)l->ev.data.scalar.value,
				 l->ev.data.scalar.plain_implicit &&
					 l->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
		anchor = xstrdup((const char *)l->ev.data.scalar.anchor);
		break;
	case YAML_SEQUENCE_START_EVENT:
		n = ctree_new(CTREE_SEQ, l->file, line);
		anchor = xstrdup((const char *)l->ev.data.sequence_start.anchor);
		for (;;) {
			if ((err = next_event(l)))
				break;
			if (l->ev.type == YAML_SEQUENCE_END_EVENT)
				break;
			struct cnode *v;
			if ((err = parse_node(l, depth + 1, &v)))
				break;
			ctree_push(n, v);
		}
		break;
	case YAML_MAPPING_START_EVENT:
		n = ctree_new(CTREE_MAP, l->file, line);
		anchor = xstrdup((const char *)l->ev.data.mapping_start.anchor);
		err = parse_map(l, depth, n);
		break;
	default:
		return cubo_error_new("%s:%u: unexpected YAML event", l->file, line);
	}
	if (err) {
		free(anchor);
		ctree_free(n);
		return err;
	}
	remember_anchor(l, anchor, n);
	free(anchor);
	*out = n;
	return NULL;
}

struct cubo_error *ctree_load(const char *text, size_t len, const char *file, struct cnode **out)
{
	*out = NULL;
	struct loader l = {.file = file};
	if (!yaml_parser_initialize(&l.p))
		return cubo_error_new("%s: cannot start the YAML parser", file);
	yaml_parser_set_input_string(&l.p, (const unsigned char *)text, len);
	struct cubo_error *err = NULL;
	struct cnode *root = NULL;
	bool done = false;
	while (!err && !done) {
		if ((err = next_event(&l)))
			break;
		switch (l.ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (root)
				err = cubo_error_new("%s:%zu: more than one YAML document", file,
						     l.ev.start_mark.line + 1);
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
		case YAML_ALIAS_EVENT:
			err = parse_node(&l, 0, &root);
			break;
		default:
			break;
		}
	}
	if (l.have_ev)
		yaml_event_delete(&l.ev);
	yaml_parser_delete(&l.p);
	for (size_t i = 0; i < l.n_anchors; i++)
		free(l.anchors[i].name);
	free(l.anchors);
	if (!err && root && ctree_is_null(root)) {
		ctree_free(root);
		root = NULL;
	}
	if (!err && root && root->kind != CTREE_MAP)
		err = cubo_error_new("%s:%u: the top level must be a mapping", file, root->line);
	if (err) {
		ctree_free(root);
		return err;
	}
	*out = root ? root : ctree_new(CTREE_MAP, file, 1);
	return NULL;
}

/* ---- writing ---- */

static bool is_int(const char *s)
{
	const char *d = s + (*s == '-' || *s == '+');
	if (!*d)
		return false;
	for (; *d; d++)
		if (*d < '0' || *d > '9')
			return false;
	return true;
}

/* A string YAML would read as null, a boolean or a number. */
static bool looks_typed(const char *s)
{
	static const char *const special[] = {"true", "false", "yes", "no", "on",
					      "off",  "null",  "~",   "y",  "n"};
	if (!*s)
		return true;
	if (strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-_~") !=
	    strlen(s))
		return false;
	for (size_t i = 0; i < sizeof(special) / sizeof(*special); i++)
		if (!strcasecmp(s, special[i]))
			return true;
	char *end;
	errno = 0;
	(void)strtod(s, &end);
	return !*end || is_int(s) || !strncmp(s, "0x", 2) || !strncmp(s, "0o", 2);
}

/*
 * YAML reads NEL (U+0085), LS (U+2028) and PS (U+2029) as line breaks, even
 * inside quotes, and folds the spaces after them: they are written escaped.
 * The length of the one at s, or 0.
 */
static size_t yaml_break_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] == 0xc2 && u[1] == 0x85)
		return 2;
	if (u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xa9))
		return 3;
	return 0;
}

/* A string that YAML would read as something else, or not read back the same. */
static bool needs_quotes(const char *s)
{
	if (looks_typed(s) || strchr(",[]{}#&*!|>'\"%@` \t", *s) || !strcmp(s, "<<"))
		return true;
	/* "- x", "? x", ": x" start block structure; "-g" does not */
	if (strchr("-?:", *s) && (!s[1] || s[1] == ' '))
		return true;
	size_t n = strlen(s);
	if (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == ':')
		return true;
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f || yaml_break_len(p))
			return true;
		if ((p[0] == ':' && p[1] == ' ') || (p[0] == ' ' && p[1] == '#'))
			return true;
	}
	return false;
}

static void add_quoted(struct cubo_strbuf *b, const char *s)
{
	cubo_strbuf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t brk = yaml_break_len(s);
		if (brk) {
			cubo_strbuf_adds(b, brk == 2 ? "\\N" : s[2] == '\xa8' ? "\\L" : "\\P");
			s += brk - 1;
		} else if (c == '"' || c == '\\') {
			cubo_strbuf_addc(b, '\\');
			cubo_strbuf_addc(b, (char)c);
		} else if (c == '\n') {
			cubo_strbuf_adds(b, "\\n");
		} else if (c == '\t') {
			cubo_strbuf_adds(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			char e[8];
			snprintf(e, sizeof(e), "\\x%02x", c);
			cubo_strbuf_adds(b, e);
		} else {
			cubo_strbuf_addc(b, (char)c);
		}
	}
	cubo_strbuf_addc(b, '"');
}

static void add_scalar(struct cubo_strbuf *b, const struct cnode *n)
{
	if (n->plain && ctree_is_null(n))
		cubo_strbuf_adds(b, "null");
	else if ((n->plain && looks_typed(n->str)) || !needs_quotes(n->str))
		cubo_strbuf_adds(b, n->str);
	else
		add_quoted(b, n->str);
}

static void indent(struct cubo_strbuf *b, unsigned level)
{
	for (unsigned i = 0; i < level; i++)
		cubo_strbuf_adds(b, "  ");
}

static bool is_empty_coll(const struct cnode *n)
{
	return n->kind != CTREE_SCALAR && !n->n;
}

static void emit_yaml(struct cubo_strbuf *b, const struct cnode *n, unsigned level);

/* After "key:" or "- ": a scalar or an empty collection on the same line, else below. */
static void emit_value(struct cubo_strbuf *b, const struct cnode *v, unsigned level)
{
	if (v->kind == CTREE_SCALAR) {
		cubo_strbuf_addc(b, ' ');
		add_scalar(b, v);
		cubo_strbuf_addc(b, '\n');
	} else if (is_empty_coll(v)) {
		cubo_strbuf_adds(b, v->kind == CTREE_MAP ? " {}\n" : " []\n");
	} else {
		cubo_strbuf_addc(b, '\n');
		emit_yaml(b, v, level);
	}
}

static void emit_yaml(struct cubo_strbuf *b, const struct cnode *n, unsigned level)
{
	for (size_t i = 0; i < n->n; i++) {
		indent(b, level);
		if (n->kind == CTREE_MAP) {
			struct cnode k = {.kind = CTREE_SCALAR, .str = n->keys[i]};
			add_scalar(b, &k);
			cubo_strbuf_addc(b, ':');
			emit_value(b, n->v[i], level + 1);
			continue;
		}
		cubo_strbuf_addc(b, '-');
		const struct cnode *v = n->v[i];
		if (v->kind != CTREE_MAP || !v->n) {
			emit_value(b, v, level + 1);
			continue;
		}
		/* "- key: value" with the other keys under the first */
		struct cubo_strbuf sub = {0};
		emit_yaml(&sub, v, level + 1);
		cubo_strbuf_adds(b, " ");
		cubo_strbuf_adds(b, sub.s + 2 * (level + 1));
		free(sub.s);
	}
}

struct cubo_error *ctree_to_yaml(const struct cnode *n, char **out, size_t *len)
{
	struct cubo_strbuf b = {0};
	if (n->kind == CTREE_SCALAR) {
		add_scalar(&b, n);
		cubo_strbuf_addc(&b, '\n');
	} else if (is_empty_coll(n)) {
		cubo_strbuf_adds(&b, n->kind == CTREE_MAP ? "{}\n" : "[]\n");
	} else {
		emit_yaml(&b, n, 0);
	}
	*len = b.len;
	*out = cubo_strbuf_take(&b);
	return NULL;
}

static void emit_json(struct cubo_json_gen *g, const struct cnode *n)
{
	switch (n->kind) {
	case CTREE_SCALAR:
		if (!n->plain)
			cubo_json_gen_string(g, n->str);
		else if (ctree_is_null(n))
			cubo_json_gen_null(g);
		else if (!strcmp(n->str, "true") || !strcmp(n->str, "false"))
			cubo_json_gen_bool(g, n->str[0] == 't');
		else if (is_int(n->str) && strlen(n->str) < 19)
			cubo_json_gen_int(g, strtoll(n->str, NULL, 10));
		else
			cubo_json_gen_string(g, n->str);
		break;
	case CTREE_MAP:
		cubo_json_gen_map_open(g);
		for (size_t i = 0; i < n->n; i++) {
			cubo_json_gen_key(g, n->keys[i]);
			emit_json(g, n->v[i]);
		}
		cubo_json_gen_map_close(g);
		break;
	case CTREE_SEQ:
		cubo_json_gen_array_open(g);
		for (size_t i = 0; i < n->n; i++)
			emit_json(g, n->v[i]);
		cubo_json_gen_array_close(g);
		break;
	}
}

struct cubo_error *ctree_to_json(const struct cnode *n, char **out, size_t *len)
{
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(true, &g));
	emit_json(g, n);
	return cubo_json_gen_finish(g, out, len);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Services and top-level resources checked against the Compose Specification, normalised. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/compose/model.h"
#include "cubo-mgr/compose/interp.h"
#include "cubo-mgr/container/mount_opt.h"
#include "shared/fs.h"
#include "shared/size.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

enum kind {
	K_STR,	    /* a scalar, kept as a string */
	K_BOOL,	    /* true/false */
	K_INT,	    /* an integer */
	K_NUM,	    /* a number, kept as written (cpus: 0.5) */
	K_DURATION, /* "1m30s" */
	K_SIZE,	    /* "512m": bytes */
	K_CMD,	    /* a command line or a list of words: a list */
	K_LIST,	    /* a string or a list of scalars: a list of strings */
	K_MAP,	    /* a map or a list of "K=V": a map of strings (null for "K") */
	K_ANY,	    /* taken as written (driver options and such) */
	K_SPECIAL,  /* a function of its own */
};

struct key {
	const char *name;
	enum kind kind;
	struct cubo_error *(*fn)(struct compose_norm *c, struct cnode *v, struct cpath *p,
				 struct cnode **out);
	const struct key *sub; /* K_SPECIAL of a map checked by sub's table (NULL-ended) */
};

static struct cubo_error *check_map(struct compose_norm *c, struct cnode *m, struct cpath *p,
				    const struct key *keys);

static struct cnode *str_node(const struct cnode *at, const char *s)
{
	return ctree_scalar(at->file, at->line, s, false);
}

static struct cnode *raw_node(const struct cnode *at, const char *s)
{
	return ctree_scalar(at->file, at->line, s, true);
}

static struct cnode *int_node(const struct cnode *at, long long v)
{
	char b[32];
	snprintf(b, sizeof(b), "%lld", v);
	return raw_node(at, b);
}

static struct cubo_error *want(const struct cnode *v, struct cpath *p, enum ctree_kind kind)
{
	static const char *const names[] = {"a scalar", "a mapping", "a list"};
	if (v->kind != kind)
		return cnode_error(v, p, "expected %s, got %s", names[kind], names[v->kind]);
	return NULL;
}

static bool parse_bool(const char *s, bool *b)
{
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return *b = true, true;
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return *b = false, true;
	return false;
}

static bool parse_ll(const char *s, long long *v)
{
	char *end;
	if (!*s)
		return false;
	*v = strtoll(s, &end, 10);
	return !*end;
}

/* Shell-like words, as compose splits a command string: quotes and backslashes. */
static struct cubo_error *split_words(const struct cnode *at, struct cpath *p, const char *s,
				      struct cnode *seq)
{
	struct cubo_strbuf w = {0};
	bool in_word = false;
	char q = 0;
	for (; *s; s++) {
		if (q) {
			if (*s == q)
				q = 0;
			else if (q == '"' && *s == '\\' && s[1] && strchr("\"\\$`", s[1]))
				cubo_strbuf_addc(&w, *++s);
			else
				cubo_strbuf_addc(&w, *s);
		} else if (*s == '\'' || *s == '"') {
			q = *s;
			in_word = true;
		} else if (*s == '\\' && s[1]) {
			cubo_strbuf_addc(&w, *++s);
			in_word = true;
		} else if (isspace((unsigned char)*s)) {
			if (in_word) {
				char *t = cubo_strbuf_take(&w);
				ctree_push(seq, str_node(at, t));
				free(t);
			}
			in_word = false;
		} else {
			cubo_strbuf_addc(&w, *s);
			in_word = true;
		}
	}
	if (q) {
		free(w.s);
		return cnode_error(at, p, "unterminated quote in the command line");
	}
	if (in_word) {
		char *t = cubo_strbuf_take(&w);
		ctree_push(seq, str_node(at, t));
		free(t);
	}
	free(w.s);
	return NULL;
}

/* A list of strings from a string or a list of scalars. */
static struct cubo_error *to_list(const struct cnode *v, struct cpath *p, bool words,
				  struct cnode **out)
{
	struct cnode *seq = ctree_new(CTREE_SEQ, v->file, v->line);
	*out = seq;
	if (v->kind == CTREE_SCALAR) {
		if (ctree_is_null(v))
			return NULL;
		if (words)
			return split_words(v, p, v->str, seq);
		ctree_push(seq, str_node(v, v->str));
		return NULL;
	}
	CUBO_TRY(want(v, p, CTREE_SEQ));
	for (size_t i = 0; i < v->n; i++) {
		size_t l = p->len;
		cpath_push_index(p, i);
		struct cubo_error *err = want(v->v[i], p, CTREE_SCALAR);
		if (err)
			return err;
		cpath_pop(p, l);
		ctree_push(seq, str_node(v->v[i], v->v[i]->str));
	}
	return NULL;
}

/* A map of strings from a map or a list of "K=V" (sep '=') or "K:V" (sep ':'). */
static struct cubo_error *to_map(const struct cnode *v, struct cpath *p, char sep,
				 struct cnode **out)
{
	struct cnode *m = ctree_new(CTREE_MAP, v->file, v->line);
	*out = m;
	if (ctree_is_null(v))
		return NULL;
	if (v->kind == CTREE_MAP) {
		for (size_t i = 0; i < v->n; i++) {
			const struct cnode *x = v->v[i];
			size_t l = p->len;
			cpath_push_key(p, v->keys[i]);
			if (x->kind != CTREE_SCALAR)
				return cnode_error(x, p,
						   "expected a string, a number or a boolean");
			cpath_pop(p, l);
			ctree_set(m, v->keys[i],
				  ctree_is_null(x) ? raw_node(x, "null") : str_node(x, x->str));
		}
		return NULL;
	}
	CUBO_TRY(want(v, p, CTREE_SEQ));
	for (size_t i = 0; i < v->n; i++) {
		const struct cnode *x = v->v[i];
		size_t l = p->len;
		cpath_push_index(p, i);
		CUBO_TRY(want(x, p, CTREE_SCALAR));
		const char *eq = strchr(x->str, sep);
		if (eq == x->str)
			return cnode_error(x, p, "\"%s\": an empty name", x->str);
		cpath_pop(p, l);
		char *k = eq ? xstrndup(x->str, (size_t)(eq - x->str)) : xstrdup(x->str);
		ctree_set(m, k, eq ? str_node(x, eq + 1) : raw_node(x, "null"));
		free(k);
	}
	return NULL;
}

static struct cubo_error *scalar_kind(const struct cnode *v, struct cpath *p, enum kind kind,
				      struct cnode **out)
{
	CUBO_TRY(want(v, p, CTREE_SCALAR));
	bool b;
	long long ll;
	int64_t n;
	char buf[CUBO_DURATION_LEN];
	switch (kind) {
	case K_STR:
		*out = str_node(v, v->str);
		return NULL;
	case K_BOOL:
		if (!parse_bool(v->str, &b))
			return cnode_error(v, p, "\"%s\": expected true or false", v->str);
		*out = raw_node(v, b ? "true" : "false");
		return NULL;
	case K_INT:
		if (!parse_ll(v->str, &ll))
			return cnode_error(v, p, "\"%s\": expected an integer", v->str);
		*out = int_node(v, ll);
		return NULL;
	case K_NUM: {
		char *end;
		(void)strtod(v->str, &end);
		if (!*v->str || *end)
			return cnode_error(v, p, "\"%s\": expected a number", v->str);
		*out = raw_node(v, v->str);
		return NULL;
	}
	case K_DURATION:
		if (!cubo_duration_parse(v->str, &n))
			return cnode_error(v, p, "\"%s\": expected a duration (1m30s)", v->str);
		cubo_duration_format(n, buf);
		*out = str_node(v, buf);
		return NULL;
	case K_SIZE: {
		struct cubo_error *err = cubo_parse_size(v->str, &n);
		if (err) {
			cubo_error_free(err);
			return cnode_error(v, p, "\"%s\": expected a size (512m)", v->str);
		}
		*out = int_node(v, n);
		return NULL;
	}
	default:
		return cnode_error(v, p, "internal: not a scalar kind");
	}
}

/* ---- the special keys ---- */

static struct cubo_error *norm_any(struct compose_norm *c, struct cnode *v, struct cpath *p,
				   struct cnode **out)
{
	(void)c, (void)p;
	*out = ctree_copy(v);
	return NULL;
}

/* m[key] = v unless m has key already (then v is freed). */
static void set_default(struct cnode *m, const char *key, struct cnode *v)
{
	if (ctree_get(m, key))
		ctree_free(v);
	else
		ctree_set(m, key, v);
}

/* A long-syntax list entry: a copy of x checked against keys, appended to seq. */
static struct cubo_error *long_entry(struct compose_norm *c, const struct cnode *x, struct cpath *p,
				     const struct key *keys, struct cnode *seq, struct cnode **e)
{
	CUBO_TRY(want(x, p, CTREE_MAP));
	*e = ctree_copy(x);
	ctree_push(seq, *e);
	return check_map(c, *e, p, keys);
}

/* One short-syntax port: [[IP:]PUBLISHED[-END]:]TARGET[-END][/PROTO], into long entries. */
static struct cubo_error *port_short(const struct cnode *v, struct cpath *p, struct cnode *seq)
{
	char *s = xstrdup(v->str), *proto = strrchr(s, '/');
	if (proto)
		*proto++ = 0;
	char *ip = NULL, *published = NULL, *target = s;
	char *last = strrchr(s, ':');
	if (last) {
		*last = 0;
		target = last + 1;
		published = s;
		char *prev = strrchr(s, ':');
		if (s[0] == '[') { /* [::1]:8080:80 */
			char *close = strchr(s, ']');
			if (close && close[1] == ':') {
				*close = 0;
				ip = s + 1;
				published = close + 2;
			}
		} else if (prev) {
			*prev = 0;
			ip = s;
			published = prev + 1;
		}
	}
	long long t0 = 0, t1 = 0, p0 = 0, p1 = 0;
	char *dash = strchr(target, '-');
	if (dash)
		*dash = 0;
	bool ok = parse_ll(target, &t0) && (!dash || parse_ll(dash + 1, &t1));
	if (!dash)
		t1 = t0;
	if (ok && published && *published) {
		char *pd = strchr(published, '-');
		if (pd)
			*pd = 0;
		ok = parse_ll(published, &p0) && (!pd || parse_ll(pd + 1, &p1));
		if (!pd)
			p1 = p0 + (t1 - t0);
	}
	unsigned char addr[16];
	if (ip && *ip && inet_pton(AF_INET, ip, addr) != 1 && inet_pton(AF_INET6, ip, addr) != 1)
		ok = false;
	ok = ok && t0 > 0 && t1 >= t0 && t1 <= 65535 && p0 >= 0 && p1 <= 65535 &&
	     (!p0 || p1 - p0 == t1 - t0 || t0 == t1);
	struct cubo_error *err = NULL;
	if (!ok || (proto && strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
		err = cnode_error(v, p,
				  "\"%s\": invalid port (expected [[IP:]PUBLISHED:]TARGET[/PROTO])",
				  v->str);
	for (long long t = t0; !err && t <= t1; t++) {
		struct cnode *e = ctree_new(CTREE_MAP, v->file, v->line);
		if (ip && *ip)
			ctree_set(e, "host_ip", str_node(v, ip));
		ctree_set(e, "mode", str_node(v, "ingress"));
		ctree_set(e, "protocol", str_node(v, proto ? proto : "tcp"));
		if (p0) {
			char b[32];
			if (t0 == t1 && p1 != p0)
				snprintf(b, sizeof(b), "%lld-%lld", p0, p1);
			else
				snprintf(b, sizeof(b), "%lld", p0 + (t - t0));
			ctree_set(e, "published", str_node(v, b));
		}
		ctree_set(e, "target", int_node(v, t));
		ctree_push(seq, e);
	}
	free(s);
	return err;
}

static const struct key port_keys[] = {
	{"name", K_STR},     {"target", K_INT}, {"published", K_STR},	 {"host_ip", K_STR},
	{"protocol", K_STR}, {"mode", K_STR},	{"app_protocol", K_STR}, {NULL},
};

static struct cubo_error *norm_ports(struct compose_norm *c, struct cnode *v, struct cpath *p,
				     struct cnode **out)
{
	CUBO_TRY(want(v, p, CTREE_SEQ));
	struct cnode *seq = ctree_new(CTREE_SEQ, v->file, v->line);
	*out = seq;
	for (size_t i = 0; i < v->n; i++) {
		size_t l = p->len;
		cpath_push_index(p, i);
		struct cnode *x = v->v[i];
		if (x->kind == CTREE_SCALAR) {
			CUBO_TRY(port_short(x, p, seq));
		} else {
			struct cnode *e;
			CUBO_TRY(long_entry(c, x, p, port_keys, seq, &e));
			if (!ctree_get(e, "target"))
				return cnode_error(x, p, "target is required");
			set_default(e, "mode", str_node(x, "ingress"));
			set_default(e, "protocol", str_node(x, "tcp"));
			compose_sort_keys(e);
		}
		cpath_pop(p, l);
	}
	return NULL;
}

static struct cubo_error *norm_expose(struct compose_norm *c, struct cnode *v, struct cpath *p,
				      struct cnode **out)
{
	(void)c;
	return to_list(v, p, false, out);
}

/* A path relative to the project directory made absolute ("~" is the home directory), cleaned. */
static char *abs_path(struct compose_norm *c, const char *s)
{
	if (s[0] == '~' && (s[1] == '/' || !s[1])) {
		const char *home = getenv("HOME");
		char *h = xasprintf("%s/%s", home ? home : "/", s + 1);
		char *a = run_opt_path_abs(c->dir, h);
		free(h);
		return a;
	}
	return run_opt_path_abs(c->dir, s);
}

/* A mount target cleaned ("/a/b/" -> "/a/b"); a relative one stays as written. */
static struct cnode *target_node(const struct cnode *at, const char *s)
{
	char *t = run_opt_path_abs(NULL, s);
	struct cnode *n = str_node(at, t ? t : s);
	free(t);
	return n;
}

static bool is_path(const char *s)
{
	return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

static const struct key volume_bind_keys[] = {
	{"propagation", K_STR}, {"create_host_path", K_BOOL}, {"selinux", K_STR}, {NULL}};
static const struct key volume_vol_keys[] = {{"nocopy", K_BOOL}, {"subpath", K_STR}, {NULL}};
static const struct key volume_tmpfs_keys[] = {{"size", K_SIZE}, {"mode", K_INT}, {NULL}};
static const struct key mount_keys[] = {
	{"type", K_STR},
	{"source", K_STR},
	{"target", K_STR},
	{"read_only", K_BOOL},
	{"consistency", K_STR},
	{"bind", K_SPECIAL, NULL, volume_bind_keys},
	{"volume", K_SPECIAL, NULL, volume_vol_keys},
	{"tmpfs", K_SPECIAL, NULL, volume_tmpfs_keys},
	{NULL},
};

/* SOURCE:TARGET[:MODE], TARGET (anonymous): the long syntax. */
static struct cubo_error *volume_short(struct compose_norm *c, const struct cnode *v,
				       struct cpath *p, struct cnode **out)
{
	char **parts = NULL;
	size_t n = 0;
	/* split on ':' but not inside a Windows-free Linux path: just ':' */
	const char *s = v->str;
	for (const char *q = s;; q++)
		if (!*q || *q == ':') {
			char *part = xstrndup(s, (size_t)(q - s));
			cubo_strv_push(&parts, &n, part);
			free(part);
			if (!*q)
				break;
			s = q + 1;
		}
	struct cubo_error *err = NULL;
	if (n > 3 || !*parts[0] || (n > 1 && !*parts[1])) {
		err = cnode_error(v, p, "\"%s\": invalid volume (expected [SOURCE:]TARGET[:MODE])",
				  v->str);
		goto out;
	}
	struct cnode *e = ctree_new(CTREE_MAP, v->file, v->line);
	*out = e;
	const char *target = n == 1 ? parts[0] : parts[1];
	if (n == 1) {
		ctree_set(e, "type", str_node(v, "volume"));
	} else if (is_path(parts[0])) {
		char *src = abs_path(c, parts[0]);
		ctree_set(e, "type", str_node(v, "bind"));
		ctree_set(e, "source", str_node(v, src));
		free(src);
	} else {
		ctree_set(e, "type", str_node(v, "volume"));
		ctree_set(e, "source", str_node(v, parts[0]));
	}
	ctree_set(e, "target", target_node(v, target));
	bool bind = n > 1 && is_path(parts[0]);
	struct cnode *opts = ctree_new(CTREE_MAP, v->file, v->line);
	if (bind)
		ctree_set(opts, "create_host_path", raw_node(v, "true"));
	if (n == 3) {
		char **modes = cubo_strv_split(parts[2], ',');
		for (size_t i = 0; !err && modes[i]; i++) {
			const char *m = modes[i];
			if (!strcmp(m, "ro"))
				ctree_set(e, "read_only", raw_node(v, "true"));
			else if (!strcmp(m, "rw"))
				;
			else if (!strcmp(m, "z") || !strcmp(m, "Z"))
				ctree_set(opts, "selinux", str_node(v, m));
			else if (!strcmp(m, "nocopy") && !bind)
				ctree_set(opts, "nocopy", raw_node(v, "true"));
			else if (bind && (!strcmp(m, "shared") || !strcmp(m, "rshared") ||
					  !strcmp(m, "slave") || !strcmp(m, "rslave") ||
					  !strcmp(m, "private") || !strcmp(m, "rprivate")))
				ctree_set(opts, "propagation", str_node(v, m));
			else
				err = cnode_error(v, p, "\"%s\": unknown volume mode \"%s\"",
						  v->str, m);
		}
		cubo_strv_free(modes);
	}
	ctree_set(e, bind ? "bind" : "volume", opts);
	compose_sort_keys(e);
out:
	cubo_strv_free(parts);
	return err;
}

static struct cubo_error *norm_volumes(struct compose_norm *c, struct cnode *v, struct cpath *p,
				       struct cnode **out)
{
	CUBO_TRY(want(v, p, CTREE_SEQ));
	struct cnode *seq = ctree_new(CTREE_SEQ, v->file, v->line);
	*out = seq;
	for (size_t i = 0; i < v->n; i++) {
		size_t l = p->len;
		cpath_push_index(p, i);
		struct cnode *x = v->v[i], *e = NULL;
		if (x->kind == CTREE_SCALAR) {
			struct cubo_error *err = volume_short(c, x, p, &e);
			if (e)
				ctree_push(seq, e);
			CUBO_TRY(err);
		} else {
			CUBO_TRY(long_entry(c, x, p, mount_keys, seq, &e));
			const struct cnode *type = ctree_get(e, "type");
			const struct cnode *src = ctree_get(e, "source");
			if (!type || !ctree_get(e, "target"))
				return cnode_error(x, p, "type and target are required");
			static const char *const types[] = {"bind",    "volume", "tmpfs", "npipe",
							    "cluster", "image",	 NULL};
			bool known = false;
			for (size_t t = 0; types[t]; t++)
				known = known || !strcmp(type->str, types[t]);
			if (!known)
				return cnode_error(type, p, "unknown mount type \"%s\"", type->str);
			const struct cnode *tgt = ctree_get(e, "target");
			ctree_set(e, "target", target_node(tgt, tgt->str));
			if (!strcmp(type->str, "bind")) {
				if (!src)
					return cnode_error(x, p, "a bind mount needs a source");
				char *a = abs_path(c, src->str);
				ctree_set(e, "source", str_node(src, a));
				free(a);
			}
			compose_sort_keys(e);
		}
		cpath_pop(p, l);
	}
	return NULL;
}

static const struct key depends_keys[] = {
	{"condition", K_STR}, {"required", K_BOOL}, {"restart", K_BOOL}, {NULL}};

static struct cubo_error *norm_depends_on(struct compose_norm *c, struct cnode *v, struct cpath *p,
					  struct cnode **out)
{
	struct cnode *m = ctree_new(CTREE_MAP, v->file, v->line);
	*out = m;
	if (v->kind == CTREE_SEQ) {
		for (size_t i = 0; i < v->n; i++) {
			size_t l = p->len;
			cpath_push_index(p, i);
			CUBO_TRY(want(v->v[i], p, CTREE_SCALAR));
			cpath_pop(p, l);
			struct cnode *e = ctree_new(CTREE_MAP, v->file, v->v[i]->line);
			ctree_set(e, "condition", str_node(v->v[i], "service_started"));
			ctree_set(e, "required", raw_node(v->v[i], "true"));
			ctree_set(m, v->v[i]->str, e);
		}
		return NULL;
	}
	CUBO_TRY(want(v, p, CTREE_MAP));
	for (size_t i = 0; i < v->n; i++) {
		size_t l = p->len;
		cpath_push_key(p, v->keys[i]);
		struct cnode *e = ctree_is_null(v->v[i]) ? ctree_new(CTREE_MAP, v->file, v->line)
							 : ctree_copy(v->v[i]);
		ctree_set(m, v->keys[i], e);
		CUBO_TRY(want(e, p, CTREE_MAP));
		CUBO_TRY(check_map(c, e, p, depends_keys));
		set_default(e, "condition", str_node(e, "service_started"));
		set_default(e, "required", raw_node(e, "true"));
		const struct cnode *cond = ctree_get(e, "condition");
		if (strcmp(cond->str, "service_started") && strcmp(cond->str, "service_healthy") &&
		    strcmp(cond->str, "service_completed_successfully"))
			return cnode_error(cond, p,
					   "unknown condition \"%s\" (service_started, "
					   "service_healthy, service_completed_successfully)",
					   cond->str);
		compose_sort_keys(e);
		cpath_pop(p, l);
	}
	return NULL;
}

static struct cubo_error *norm_test(struct compose_norm *c, struct cnode *v, struct cpath *p,
				    struct cnode **out)
{
	(void)c;
	if (v->kind == CTREE_SCALAR) {
		struct cnode *seq = ctree_new(CTREE_SEQ, v->file, v->line);
		*out = seq;
		ctree_push(seq, str_node(v, "CMD-SHELL"));
		ctree_push(seq, str_node(v, v->str));
		return NULL;
	}
	CUBO_TRY(to_list(v, p, false, out));
	const char *first = (*out)->n ? (*out)->v[0]->str : "";
	if (strcmp(first, "CMD") && strcmp(first, "CMD-SHELL") && strcmp(first, "NONE"))
		return cnode_error(v, p, "a test list starts with CMD, CMD-SHELL or NONE");
	return NULL;
}

static const struct key health_keys[] = {
	{"test", K_SPECIAL, norm_test},
	{"interval", K_DURATION},
	{"timeout", K_DURATION},
	{"retries", K_INT},
	{"start_period", K_DURATION},
	{"start_interval", K_DURATION},
	{"disable", K_BOOL},
	{NULL},
};

static struct cubo_error *norm_build(struct compose_norm *c, struct cnode *v, struct cpath *p,
				     struct cnode **out);

static const struct key limit_keys[] = {
	{"cpus", K_NUM}, {"memory", K_SIZE}, {"pids", K_INT}, {"devices", K_ANY}, {NULL}};
static const struct key resources_keys[] = {
	{"limits", K_SPECIAL, NULL, limit_keys},
	{"reservations", K_SPECIAL, NULL, limit_keys},
	{NULL},
};
static const struct key deploy_keys[] = {
	{"mode", K_STR},
	{"replicas", K_INT},
	{"resources", K_SPECIAL, NULL, resources_keys},
	{"restart_policy", K_ANY},
	{"labels", K_MAP},
	{"placement", K_ANY},
	{"endpoint_mode", K_STR},
	{"update_config", K_ANY},
	{"rollback_config", K_ANY},
	{NULL},
};

static struct cubo_error *norm_networks(struct compose_norm *c, struct cnode *v, struct cpath *p,
					struct cnode **out);

static struct cubo_error *norm_ulimits(struct compose_norm *c, struct cnode *v, struct cpath *p,
				       struct cnode **out)
{
	(void)c;
	CUBO_TRY(want(v, p, CTREE_MAP));
	struct cnode *m = ctree_new(CTREE_MAP, v->file, v->line);
	*out = m;
	for (size_t i = 0; i < v->n; i++) {
		size_t l = p->len;
		cpath_push_key(p, v->keys[i]);
		struct cnode *x = v->v[i], *e;
		if (x->kind == CTREE_SCALAR) {
			CUBO_TRY(scalar_kind(x, p, K_INT, &e));
		} else {
			CUBO_TRY(want(x, p, CTREE_MAP));
			const struct key keys[] = {{"soft", K_INT}, {"hard", K_INT}, {NULL}};
			e = ctree_copy(x);
			ctree_set(m, v->keys[i], e);
			CUBO_TRY(check_map(c, e, p, keys));
			if (!ctree_get(e, "soft") || !ctree_get(e, "hard"))
				return cnode_error(x, p, "soft and hard are both required");
			cpath_pop(p, l);
			continue;
		}
		ctree_set(m, v->keys[i], e);
		cpath_pop(p, l);
	}
	return NULL;
}

/* secrets/configs of a service: "name" or {source, target, uid, gid, mode}. */
static struct cubo_error *norm_file_refs(struct compose_norm *c, struct cnode *v, struct cpath *p,
					 struct cnode **out)
{
	static const struct key keys[] = {{"source", K_STR}, {"target", K_STR}, {"uid", K_STR},
					  {"gid", K_STR},    {"mode", K_INT},	{NULL}};
	CUBO_TRY(want(v, p, CTREE_SEQ));
	struct cnode *seq = ctree_new(CTREE_SEQ, v->file, v->line);
	*out = seq;
	for (size_t i = 0; i < v->n; i++) {
		size_t l = p->len;
		cpath_push_index(p, i);
		struct cnode *x = v->v[i], *e;
		if (x->kind == CTREE_SCALAR) {
			e = ctree_new(CTREE_MAP, x->file, x->line);
			ctree_set(e, "source", str_node(x, x->str));
			ctree_push(seq, e);
		} else {
			CUBO_TRY(long_entry(c, x, p, keys, seq, &e));
			if (!ctree_get(e, "source"))
				return cnode_error(x, p, "source is required");
			compose_sort_keys(e);
		}
		cpath_pop(p, l);
	}
	return NULL;
}

static const struct key extends_keys[] = {{"service", K_STR}, {"file", K_STR}, {NULL}};
static const struct key logging_keys[] = {{"driver", K_STR}, {"options", K_MAP}, {NULL}};

static struct cubo_error *norm_env_file(struct compose_norm *c, struct cnode *v, struct cpath *p,
					struct cnode **out);

static const struct key service_keys[] = {
	{"annotations", K_MAP},
	{"attach", K_BOOL},
	{"blkio_config", K_ANY},
	{"build", K_SPECIAL, norm_build},
	{"cap_add", K_LIST},
	{"cap_drop", K_LIST},
	{"cgroup", K_STR},
	{"cgroup_parent", K_STR},
	{"command", K_CMD},
	{"configs", K_SPECIAL, norm_file_refs},
	{"container_name", K_STR},
	{"cpu_count", K_INT},
	{"cpu_percent", K_INT},
	{"cpu_period", K_INT},
	{"cpu_quota", K_INT},
	{"cpu_rt_period", K_INT},
	{"cpu_rt_runtime", K_INT},
	{"cpu_shares", K_INT},
	{"cpus", K_NUM},
	{"cpuset", K_STR},
	{"depends_on", K_SPECIAL, norm_depends_on},
	{"deploy", K_SPECIAL, NULL, deploy_keys},
	{"develop", K_ANY},
	{"device_cgroup_rules", K_LIST},
	{"devices", K_LIST},
	{"dns", K_LIST},
	{"dns_opt", K_LIST},
	{"dns_search", K_LIST},
	{"domainname", K_STR},
	{"entrypoint", K_CMD},
	{"env_file", K_SPECIAL, norm_env_file},
	{"environment", K_MAP},
	{"expose", K_SPECIAL, norm_expose},
	{"extends", K_SPECIAL, NULL, extends_keys},
	{"external_links", K_LIST},
	{"extra_hosts", K_LIST},
	{"group_add", K_LIST},
	{"healthcheck", K_SPECIAL, NULL, health_keys},
	{"hostname", K_STR},
	{"image", K_STR},
	{"init", K_BOOL},
	{"ipc", K_STR},
	{"isolation", K_STR},
	{"labels", K_MAP},
	{"links", K_LIST},
	{"logging", K_SPECIAL, NULL, logging_keys},
	{"mac_address", K_STR},
	{"mem_limit", K_SIZE},
	{"mem_reservation", K_SIZE},
	{"mem_swappiness", K_INT},
	{"memswap_limit", K_SIZE},
	{"network_mode", K_STR},
	{"networks", K_SPECIAL, norm_networks},
	{"oom_kill_disable", K_BOOL},
	{"oom_score_adj", K_INT},
	{"pid", K_STR},
	{"pids_limit", K_INT},
	{"platform", K_STR},
	{"ports", K_SPECIAL, norm_ports},
	{"privileged", K_BOOL},
	{"profiles", K_LIST},
	{"pull_policy", K_STR},
	{"read_only", K_BOOL},
	{"restart", K_STR},
	{"runtime", K_STR},
	{"scale", K_INT},
	{"secrets", K_SPECIAL, norm_file_refs},
	{"security_opt", K_LIST},
	{"shm_size", K_SIZE},
	{"stdin_open", K_BOOL},
	{"stop_grace_period", K_DURATION},
	{"stop_signal", K_STR},
	{"storage_opt", K_ANY},
	{"sysctls", K_MAP},
	{"tmpfs", K_LIST},
	{"tty", K_BOOL},
	{"ulimits", K_SPECIAL, norm_ulimits},
	{"user", K_STR},
	{"userns_mode", K_STR},
	{"uts", K_STR},
	{"volumes", K_SPECIAL, norm_volumes},
	{"volumes_from", K_LIST},
	{"working_dir", K_STR},
	{NULL},
};

static const struct key build_keys[] = {
	{"context", K_STR},
	{"dockerfile", K_STR},
	{"dockerfile_inline", K_STR},
	{"args", K_MAP},
	{"target", K_STR},
	{"labels", K_MAP},
	{"cache_from", K_LIST},
	{"cache_to", K_LIST},
	{"network", K_STR},
	{"shm_size", K_SIZE},
	{"extra_hosts", K_LIST},
	{"no_cache", K_BOOL},
	{"pull", K_BOOL},
	{"platforms", K_LIST},
	{"tags", K_LIST},
	{"secrets", K_SPECIAL, norm_file_refs},
	{"ssh", K_LIST},
	{"additional_contexts", K_MAP},
	{"privileged", K_BOOL},
	{"isolation", K_STR},
	{NULL},
};

static struct cubo_error *norm_build(struct compose_norm *c, struct cnode *v, struct cpath *p,
				     struct cnode **out)
{
	struct cnode *m;
	if (v->kind == CTREE_SCALAR) {
		m = ctree_new(CTREE_MAP, v->file, v->line);
		ctree_set(m, "context", str_node(v, v->str));
	} else {
		CUBO_TRY(want(v, p, CTREE_MAP));
		m = ctree_copy(v);
	}
	*out = m;
	CUBO_TRY(check_map(c, m, p, build_keys));
	const struct cnode *ctx = ctree_get(m, "context");
	/* a URL (git, http) stays as it is; a path is made absolute */
	if (!ctx || !strstr(ctx->str, "://")) {
		char *a = abs_path(c, ctx ? ctx->str : ".");
		ctree_set(m, "context", str_node(ctx ? ctx : v, a));
		free(a);
	}
	if (!ctree_get(m, "dockerfile") && !ctree_get(m, "dockerfile_inline"))
		ctree_set(m, "dockerfile", str_node(v, "Dockerfile"));
	compose_sort_keys(m);
	return NULL;
}

static struct cubo_error *norm_networks(struct compose_norm *c, struct cnode *v, struct cpath *p,
					struct cnode **out)
{
	static const struct key keys[] = {
		{"aliases", K_LIST},	   {"ipv4_address", K_STR},
		{"ipv6_address", K_STR},   {"link_local_ips", K_LIST},
		{"mac_address", K_STR},	   {"priority", K_INT},
		{"gw_priority", K_INT},	   {"driver_opts", K_MAP},
		{"interface_name", K_STR}, {NULL},
	};
	struct cnode *m = ctree_new(CTREE_MAP, v->file, v->line);
	*out = m;
	if (v->kind == CTREE_SEQ) {
		struct cnode *names;
		CUBO_TRY(to_list(v, p, false, &names));
		for (size_t i = 0; i < names->n; i++)
			ctree_set(m, names->v[i]->str, raw_node(names->v[i], "null"));
		ctree_free(names);
	} else {
		CUBO_TRY(want(v, p, CTREE_MAP));
		for (size_t i = 0; i < v->n; i++) {
			size_t l = p->len;
			cpath_push_key(p, v->keys[i]);
			struct cnode *e = ctree_copy(v->v[i]);
			ctree_set(m, v->keys[i], e);
			if (!ctree_is_null(e)) {
				CUBO_TRY(want(e, p, CTREE_MAP));
				CUBO_TRY(check_map(c, e, p, keys));
				compose_sort_keys(e);
			}
			cpath_pop(p, l);
		}
	}
	return NULL;
}

/* env_file: read now, its variables become environment entries (environment wins). */
static struct cubo_error *norm_env_file(struct compose_norm *c, struct cnode *v, struct cpath *p,
					struct cnode **out)
{
	static const struct key keys[] = {
		{"path", K_STR}, {"required", K_BOOL}, {"format", K_STR}, {NULL}};
	struct cnode *files = v->kind == CTREE_SEQ ? ctree_copy(v) : NULL;
	if (!files) {
		CUBO_TRY(want(v, p, CTREE_SCALAR));
		files = ctree_new(CTREE_SEQ, v->file, v->line);
		ctree_push(files, ctree_copy(v));
	}
	struct cnode *env = ctree_new(CTREE_MAP, v->file, v->line);
	*out = env;
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < files->n; i++) {
		size_t l = p->len;
		cpath_push_index(p, i);
		struct cnode *f = files->v[i];
		bool required = true;
		if (f->kind == CTREE_MAP) {
			err = check_map(c, f, p, keys);
			const struct cnode *path = ctree_get(f, "path");
			if (!err && !path)
				err = cnode_error(f, p, "path is required");
			if (err)
				break;
			const struct cnode *r = ctree_get(f, "required");
			required = !r || !strcmp(r->str, "true");
			f = (struct cnode *)path;
		} else if ((err = want(f, p, CTREE_SCALAR))) {
			break;
		}
		char *path = abs_path(c, f->str), *text = NULL, **vars = NULL;
		size_t len;
		struct cubo_error *rerr = compose_read_file(path, &text, &len);
		if (rerr && (required || rerr->errnum != ENOENT)) {
			char *why = cubo_error_text(rerr);
			err = cnode_error(f, p, "env file %s", why);
			free(why);
		} else if (!rerr)
			err = compose_dotenv_parse(text, path, c->env, &vars);
		cubo_error_free(rerr);
		for (size_t j = 0; !err && vars && vars[j]; j++) {
			char *eq = strchr(vars[j], '=');
			*eq = 0;
			ctree_set(env, vars[j], str_node(f, eq + 1));
		}
		cubo_strv_free(vars);
		free(text);
		free(path);
		cpath_pop(p, l);
	}
	ctree_free(files);
	return err;
}

/* ---- tables ---- */

void compose_sort_keys(struct cnode *map)
{
	/* insertion sort: maps are small, and it is stable */
	for (size_t i = 1; i < map->n; i++)
		for (size_t j = i; j > 0 && strcmp(map->keys[j - 1], map->keys[j]) > 0; j--) {
			char *k = map->keys[j];
			struct cnode *v = map->v[j];
			map->keys[j] = map->keys[j - 1];
			map->v[j] = map->v[j - 1];
			map->keys[j - 1] = k;
			map->v[j - 1] = v;
		}
}

static const struct key *find_key(const struct key *keys, const char *name)
{
	for (; keys->name; keys++)
		if (!strcmp(keys->name, name))
			return keys;
	return NULL;
}

/* Check every member of m against keys, replacing each value by its normal form. */
static struct cubo_error *check_map(struct compose_norm *c, struct cnode *m, struct cpath *p,
				    const struct key *keys)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *name = m->keys[i];
		size_t l = p->len;
		cpath_push_key(p, name);
		if (!strncmp(name, "x-", 2)) {
			cpath_pop(p, l);
			continue;
		}
		const struct key *k = find_key(keys, name);
		if (!k)
			return cnode_error(m->v[i], p, "unknown key \"%s\"", name);
		struct cnode *v = m->v[i], *nv = NULL;
		struct cubo_error *err;
		switch (k->kind) {
		case K_CMD:
			err = to_list(v, p, true, &nv);
			break;
		case K_LIST:
			err = to_list(v, p, false, &nv);
			break;
		case K_MAP:
			err = to_map(v, p, '=', &nv);
			break;
		case K_ANY:
			err = norm_any(c, v, p, &nv);
			break;
		case K_SPECIAL:
			if (k->fn) {
				err = k->fn(c, v, p, &nv);
			} else if (ctree_is_null(v)) {
				err = NULL;
				nv = ctree_new(CTREE_MAP, v->file, v->line);
			} else if (!(err = want(v, p, CTREE_MAP))) {
				nv = ctree_copy(v);
				err = check_map(c, nv, p, k->sub);
				compose_sort_keys(nv);
			}
			break;
		default:
			err = ctree_is_null(v) && k->kind == K_STR
				      ? NULL
				      : scalar_kind(v, p, k->kind, &nv);
			if (!nv)
				nv = raw_node(v, "null");
		}
		if (err) {
			ctree_free(nv);
			return err;
		}
		ctree_free(m->v[i]);
		m->v[i] = nv;
		cpath_pop(p, l);
	}
	return NULL;
}

struct cubo_error *compose_norm_service(struct compose_norm *c, struct cnode *svc,
					struct cpath *path)
{
	if (ctree_is_null(svc))
		return cnode_error(svc, path, "a service needs an image or a build");
	CUBO_TRY(want(svc, path, CTREE_MAP));
	CUBO_TRY(check_map(c, svc, path, service_keys));
	/* env_file's variables under environment's, then env_file goes */
	struct cnode *ef = ctree_get(svc, "env_file");
	if (ef) {
		struct cnode *env = ctree_copy(ef);
		struct cnode *given = ctree_get(svc, "environment");
		for (size_t i = 0; given && i < given->n; i++)
			ctree_set(env, given->keys[i], ctree_copy(given->v[i]));
		ctree_del(svc, "env_file");
		ctree_set(svc, "environment", env);
	}
	/* environment: [NAME] takes NAME from the environment, if it has it */
	struct cnode *env = ctree_get(svc, "environment");
	for (size_t i = 0; env && i < env->n; i++)
		if (env->v[i]->plain) {
			const char *val = cubo_strv_env_get(c->env, env->keys[i]);
			if (val) {
				ctree_free(env->v[i]);
				env->v[i] = str_node(env, val);
			}
		}
	compose_sort_keys(svc);
	return NULL;
}

struct cubo_error *compose_finish_service(struct compose_norm *c, struct cnode *svc,
					  struct cpath *path)
{
	if (!ctree_get(svc, "image") && !ctree_get(svc, "build"))
		return cnode_error(svc, path, "a service needs an image or a build");
	struct cnode *nets = ctree_get(svc, "networks");
	for (size_t i = 0; nets && i < nets->n; i++)
		if (!cubo_strv_contains(c->used_networks, nets->keys[i])) {
			size_t n = cubo_strv_len(c->used_networks);
			cubo_strv_push(&c->used_networks, &n, nets->keys[i]);
		}
	if (!nets && !ctree_get(svc, "network_mode")) {
		nets = ctree_new(CTREE_MAP, svc->file, svc->line);
		ctree_set(nets, "default", raw_node(svc, "null"));
		ctree_set(svc, "networks", nets);
		if (!cubo_strv_contains(c->used_networks, "default")) {
			size_t n = cubo_strv_len(c->used_networks);
			cubo_strv_push(&c->used_networks, &n, "default");
		}
	}
	compose_sort_keys(svc);
	return NULL;
}

static const struct key ipam_config_keys[] = {{"subnet", K_STR},
					      {"ip_range", K_STR},
					      {"gateway", K_STR},
					      {"aux_addresses", K_MAP},
					      {NULL}};

static struct cubo_error *norm_ipam_config(struct compose_norm *c, struct cnode *v, struct cpath *p,
					   struct cnode **out)
{
	CUBO_TRY(want(v, p, CTREE_SEQ));
	*out = ctree_copy(v);
	for (size_t i = 0; i < (*out)->n; i++) {
		size_t l = p->len;
		cpath_push_index(p, i);
		CUBO_TRY(want((*out)->v[i], p, CTREE_MAP));
		CUBO_TRY(check_map(c, (*out)->v[i], p, ipam_config_keys));
		cpath_pop(p, l);
	}
	return NULL;
}

static const struct key ipam_keys[] = {
	{"driver", K_STR}, {"config", K_SPECIAL, norm_ipam_config}, {"options", K_MAP}, {NULL}};

static const struct key network_keys[] = {
	{"name", K_STR},
	{"driver", K_STR},
	{"driver_opts", K_MAP},
	{"external", K_BOOL},
	{"internal", K_BOOL},
	{"attachable", K_BOOL},
	{"enable_ipv4", K_BOOL},
	{"enable_ipv6", K_BOOL},
	{"labels", K_MAP},
	{"ipam", K_SPECIAL, NULL, ipam_keys},
	{NULL},
};
static const struct key volume_keys[] = {
	{"name", K_STR},      {"driver", K_STR}, {"driver_opts", K_MAP},
	{"external", K_BOOL}, {"labels", K_MAP}, {NULL},
};
static const struct key secret_keys[] = {
	{"name", K_STR},
	{"file", K_STR},
	{"environment", K_STR},
	{"content", K_STR},
	{"external", K_BOOL},
	{"labels", K_MAP},
	{"driver", K_STR},
	{"driver_opts", K_MAP},
	{"template_driver", K_STR},
	{NULL},
};

struct cubo_error *compose_norm_resource(struct compose_norm *c, const char *kind, const char *name,
					 struct cnode *res, struct cpath *path)
{
	const struct key *keys = !strcmp(kind, "networks")  ? network_keys
				 : !strcmp(kind, "volumes") ? volume_keys
							    : secret_keys;
	if (res->kind != CTREE_MAP)
		return cnode_error(res, path, "expected a mapping");
	CUBO_TRY(check_map(c, res, path, keys));
	const struct cnode *ext = ctree_get(res, "external");
	bool external = ext && !strcmp(ext->str, "true");
	if (!ctree_get(res, "name") && strcmp(kind, "secrets") && strcmp(kind, "configs")) {
		char *full = external ? xstrdup(name) : xasprintf("%s_%s", c->project, name);
		ctree_set(res, "name", str_node(res, full));
		free(full);
	}
	if (!strcmp(kind, "secrets") || !strcmp(kind, "configs")) {
		struct cnode *file = ctree_get(res, "file");
		int sources = !!file + !!ctree_get(res, "environment") +
			      !!ctree_get(res, "content") + external;
		if (sources != 1)
			return cnode_error(res, path,
					   "exactly one of file, environment, content or "
					   "external is needed");
		if (file) {
			char *a = abs_path(c, file->str);
			ctree_set(res, "file", str_node(file, a));
			free(a);
		}
	}
	compose_sort_keys(res);
	return NULL;
}

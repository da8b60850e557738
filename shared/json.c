/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/json.h"
#include "shared/xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

/* ---- generating ---- */

struct cubo_json_gen {
	yajl_gen gen;
	yajl_gen_status status; /* first failure, reported by finish */
};

struct cubo_error *cubo_json_gen_new(bool pretty, struct cubo_json_gen **out)
{
	struct cubo_json_gen *g = xcalloc(1, sizeof(*g));

	g->gen = yajl_gen_alloc(NULL);
	if (!g->gen) {
		free(g);
		return cubo_error_new("JSON generator: out of memory");
	}
	if (pretty) {
		yajl_gen_config(g->gen, yajl_gen_beautify, 1);
		yajl_gen_config(g->gen, yajl_gen_indent_string, "\t");
	}
	g->status = yajl_gen_status_ok;
	*out = g;
	return NULL;
}

static void note(struct cubo_json_gen *g, yajl_gen_status st)
{
	if (g->status == yajl_gen_status_ok)
		g->status = st;
}

void cubo_json_gen_map_open(struct cubo_json_gen *g)
{
	note(g, yajl_gen_map_open(g->gen));
}

void cubo_json_gen_map_close(struct cubo_json_gen *g)
{
	note(g, yajl_gen_map_close(g->gen));
}

void cubo_json_gen_array_open(struct cubo_json_gen *g)
{
	note(g, yajl_gen_array_open(g->gen));
}

void cubo_json_gen_array_close(struct cubo_json_gen *g)
{
	note(g, yajl_gen_array_close(g->gen));
}

void cubo_json_gen_key(struct cubo_json_gen *g, const char *key)
{
	note(g, yajl_gen_string(g->gen, (const unsigned char *)key, strlen(key)));
}

void cubo_json_gen_string_len(struct cubo_json_gen *g, const char *s, size_t len)
{
	note(g, yajl_gen_string(g->gen, (const unsigned char *)s, len));
}

void cubo_json_gen_string(struct cubo_json_gen *g, const char *s)
{
	if (!s)
		cubo_json_gen_null(g);
	else
		cubo_json_gen_string_len(g, s, strlen(s));
}

void cubo_json_gen_int(struct cubo_json_gen *g, int64_t v)
{
	note(g, yajl_gen_integer(g->gen, (long long)v));
}

void cubo_json_gen_uint(struct cubo_json_gen *g, uint64_t v)
{
	char buf[24];
	int n;

	/* yajl_gen_integer is signed: write the digits ourselves */
	n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
	note(g, yajl_gen_number(g->gen, buf, (size_t)n));
}

void cubo_json_gen_bool(struct cubo_json_gen *g, bool v)
{
	note(g, yajl_gen_bool(g->gen, v));
}

void cubo_json_gen_null(struct cubo_json_gen *g)
{
	note(g, yajl_gen_null(g->gen));
}

void cubo_json_gen_strv(struct cubo_json_gen *g, char *const *v, size_t n)
{
	cubo_json_gen_array_open(g);
	for (size_t i = 0; v && i < n && v[i]; i++)
		cubo_json_gen_string(g, v[i]);
	cubo_json_gen_array_close(g);
}

void cubo_json_gen_value(struct cubo_json_gen *g, yajl_val v)
{
	if (YAJL_IS_OBJECT(v)) {
		cubo_json_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			cubo_json_gen_key(g, v->u.object.keys[i]);
			cubo_json_gen_value(g, v->u.object.values[i]);
		}
		cubo_json_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		cubo_json_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			cubo_json_gen_value(g, v->u.array.values[i]);
		cubo_json_gen_array_close(g);
	} else if (YAJL_IS_STRING(v)) {
		cubo_json_gen_string(g, v->u.string);
	} else if (YAJL_IS_INTEGER(v)) {
		cubo_json_gen_int(g, YAJL_GET_INTEGER(v));
	} else if (YAJL_IS_NUMBER(v)) {
		/* a non-integer keeps its text: no precision is lost on the way */
		note(g, yajl_gen_number(g->gen, v->u.number.r, strlen(v->u.number.r)));
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		cubo_json_gen_bool(g, YAJL_IS_TRUE(v));
	} else {
		cubo_json_gen_null(g);
	}
}

void cubo_json_gen_free(struct cubo_json_gen *g)
{
	if (!g)
		return;
	yajl_gen_free(g->gen);
	free(g);
}

static const char *gen_status_text(yajl_gen_status st)
{
	switch (st) {
	case yajl_gen_keys_must_be_strings:
		return "a map key must be a string";
	case yajl_max_depth_exceeded:
		return "nested too deep";
	case yajl_gen_in_error_state:
		return "generator in error state";
	case yajl_gen_generation_complete:
		return "value after the end of the document";
	case yajl_gen_invalid_number:
		return "invalid number";
	case yajl_gen_invalid_string:
		return "invalid UTF-8 string";
	default:
		return "generator error";
	}
}

struct cubo_error *cubo_json_gen_finish(struct cubo_json_gen *g, char **out, size_t *len)
{
	const unsigned char *buf;
	size_t n = 0;
	struct cubo_error *err = NULL;

	if (g->status != yajl_gen_status_ok) {
		err = cubo_error_new("generate JSON: %s", gen_status_text(g->status));
	} else if (yajl_gen_get_buf(g->gen, &buf, &n) != yajl_gen_status_ok || n == 0) {
		err = cubo_error_new("generate JSON: empty document");
	} else {
		/* beautify leaves a trailing newline after the last close; drop it */
		while (n && buf[n - 1] == '\n')
			n--;
		*out = xmalloc(n + 1);
		memcpy(*out, buf, n);
		(*out)[n] = '\0';
		if (len)
			*len = n;
	}
	cubo_json_gen_free(g);
	return err;
}

/* ---- parsing ---- */

/*
 * Nesting depth of JSON text, counting brackets outside strings. Run before
 * yajl so that a hostile file cannot make yajl_tree_free recurse off the stack.
 * Also finds a \u0000 escape in a string (*nul_at, else len): yajl_tree hands
 * strings over NUL-terminated, so "/bin/sh\u0000x" would quietly become
 * "/bin/sh".
 */
static size_t max_depth(const char *s, size_t len, size_t *nul_at)
{
	size_t depth = 0, max = 0;
	bool in_str = false;

	*nul_at = len;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (in_str) {
			if (ch == '\\') {
				if (*nul_at == len && i + 5 < len && s[i + 1] == 'u' &&
				    memcmp(s + i + 2, "0000", 4) == 0)
					*nul_at = i;
				i++;
			} else if (ch == '"') {
				in_str = false;
			}
		} else if (ch == '"') {
			in_str = true;
		} else if (ch == '/' && i + 1 < len && (s[i + 1] == '*' || s[i + 1] == '/')) {
			/*
			 * yajl_tree_parse allows comments: a quote in one opens
			 * no string, or brackets after it would go uncounted.
			 */
			bool block = s[i + 1] == '*';
			const char *end = block ? memmem(s + i + 2, len - i - 2, "*/", 2)
						: memchr(s + i + 2, '\n', len - i - 2);
			/* on the comment's last byte; the loop steps past it */
			i = end ? (size_t)(end - s) + block : len;
		} else if (ch == '[' || ch == '{') {
			if (++depth > max)
				max = depth;
		} else if ((ch == ']' || ch == '}') && depth) {
			depth--;
		}
	}
	return max;
}

/* Where a parse fails: rerun yajl's event parser (no callbacks) to learn the offset. */
static struct cubo_error *syntax_error(const char *text, size_t len, const char *source)
{
	yajl_handle h = yajl_alloc(NULL, NULL, NULL);
	yajl_status st;
	size_t off, line = 1, col = 1;
	unsigned char *msg = NULL;
	struct cubo_error *err;

	if (!h)
		xalloc_die();
	st = yajl_parse(h, (const unsigned char *)text, len);
	/* yajl has consumed the offending character: point at it */
	off = yajl_get_bytes_consumed(h);
	if (off)
		off--;
	if (st == yajl_status_ok) {
		/* the text ended early: the error is at its end */
		st = yajl_complete_parse(h);
		off = len;
	}
	if (off > len)
		off = len;
	if (st != yajl_status_ok)
		msg = yajl_get_error(h, 0, (const unsigned char *)text, len);
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	if (msg) {
		size_t l = strlen((char *)msg);
		while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
			msg[--l] = '\0';
	}
	err = cubo_error_new("%s: invalid JSON at line %zu, column %zu (byte %zu): %s", source,
			     line, col, off, msg && *msg ? (char *)msg : "parse error");
	if (msg)
		yajl_free_error(h, msg);
	yajl_free(h);
	return err;
}

struct cubo_error *cubo_json_parse(const char *text, size_t len, const char *source, yajl_val *out)
{
	char errbuf[256] = "";
	char *copy;

	if (!source)
		source = "JSON";
	*out = NULL;
	if (memchr(text, '\0', len))
		return cubo_error_new("%s: invalid JSON: NUL byte at byte %zu", source,
				      (size_t)((const char *)memchr(text, '\0', len) - text));
	size_t nul_at;
	if (max_depth(text, len, &nul_at) > CUBO_JSON_MAX_DEPTH)
		return cubo_error_new("%s: invalid JSON: nested deeper than %d levels", source,
				      CUBO_JSON_MAX_DEPTH);
	if (nul_at < len)
		return cubo_error_new("%s: a string holds a NUL character (\\u0000) at byte %zu: "
				      "not supported",
				      source, nul_at);
	/* yajl_tree_parse wants a NUL-terminated string; text need not be one */
	copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	*out = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	if (!*out) {
		struct cubo_error *err = syntax_error(copy, len, source);
		free(copy);
		return err;
	}
	free(copy);
	return NULL;
}

void cubo_json_ctx_init(struct cubo_json_ctx *c, const char *source)
{
	c->source = source ? source : "JSON";
	c->path[0] = '\0';
	c->len = 0;
}

static void path_append(struct cubo_json_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void path_append(struct cubo_json_ctx *c, const char *fmt, ...)
{
	size_t room = sizeof(c->path) - c->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->path + c->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		/* mark the truncation rather than print a misleading path */
		c->len = sizeof(c->path) - 1;
		memcpy(c->path + c->len - 3, "...", 3);
		c->path[c->len] = '\0';
		return;
	}
	c->len += (size_t)n;
}

size_t cubo_json_push_key(struct cubo_json_ctx *c, const char *key)
{
	size_t mark = c->len;

	/* keys with dots (annotations) would read as nesting: quote them */
	if (strpbrk(key, ".[]\"") || !*key)
		path_append(c, "[\"%s\"]", key);
	else
		path_append(c, "%s%s", c->len ? "." : "", key);
	return mark;
}

size_t cubo_json_push_index(struct cubo_json_ctx *c, size_t index)
{
	size_t mark = c->len;

	path_append(c, "[%zu]", index);
	return mark;
}

void cubo_json_pop(struct cubo_json_ctx *c, size_t mark)
{
	if (mark < sizeof(c->path)) {
		c->len = mark;
		c->path[mark] = '\0';
	}
}

struct cubo_error *cubo_json_error(const struct cubo_json_ctx *c, const char *fmt, ...)
{
	char *msg = NULL;
	struct cubo_error *err;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (c->len)
		err = cubo_error_new("%s: %s: %s", c->source, c->path, msg);
	else
		err = cubo_error_new("%s: %s", c->source, msg);
	free(msg);
	return err;
}

const char *cubo_json_type_name(yajl_val v)
{
	if (!v)
		return "nothing";
	switch (v->type) {
	case yajl_t_string:
		return "string";
	case yajl_t_number:
		return "number";
	case yajl_t_object:
		return "object";
	case yajl_t_array:
		return "array";
	case yajl_t_true:
	case yajl_t_false:
		return "boolean";
	case yajl_t_null:
		return "null";
	default:
		return "value";
	}
}

yajl_val cubo_json_get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	/* the last duplicate wins, as in Go's encoding/json */
	for (size_t i = obj->u.object.len; i-- > 0;)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

static struct cubo_error *type_error(const struct cubo_json_ctx *c, const char *want, yajl_val v)
{
	return cubo_json_error(c, "expected %s, got %s", want, cubo_json_type_name(v));
}

struct cubo_error *cubo_json_expect_object(const struct cubo_json_ctx *c, yajl_val v)
{
	return YAJL_IS_OBJECT(v) ? NULL : type_error(c, "object", v);
}

struct cubo_error *cubo_json_expect_array(const struct cubo_json_ctx *c, yajl_val v)
{
	return YAJL_IS_ARRAY(v) ? NULL : type_error(c, "array", v);
}

struct cubo_error *cubo_json_as_string(const struct cubo_json_ctx *c, yajl_val v, char **out)
{
	if (!YAJL_IS_STRING(v))
		return type_error(c, "string", v);
	*out = xstrdup(v->u.string);
	return NULL;
}

struct cubo_error *cubo_json_as_bool(const struct cubo_json_ctx *c, yajl_val v, bool *out)
{
	if (YAJL_IS_TRUE(v))
		*out = true;
	else if (YAJL_IS_FALSE(v))
		*out = false;
	else
		return type_error(c, "boolean", v);
	return NULL;
}

/* An integer literal: optional '-', then digits only (no fraction or exponent). */
static bool is_integer_text(const char *r)
{
	if (!r)
		return false;
	if (*r == '-')
		r++;
	if (!*r)
		return false;
	for (; *r; r++)
		if (*r < '0' || *r > '9')
			return false;
	return true;
}

struct cubo_error *cubo_json_as_int64(const struct cubo_json_ctx *c, yajl_val v, int64_t *out)
{
	if (!YAJL_IS_NUMBER(v))
		return type_error(c, "integer", v);
	if (YAJL_IS_INTEGER(v)) {
		*out = v->u.number.i;
		return NULL;
	}
	if (is_integer_text(v->u.number.r))
		return cubo_json_error(c, "integer %s out of range", v->u.number.r);
	return cubo_json_error(c, "expected integer, got number %s", v->u.number.r);
}

struct cubo_error *cubo_json_as_uint64(const struct cubo_json_ctx *c, yajl_val v, uint64_t *out)
{
	const char *r;
	char *end;
	unsigned long long u;

	if (!YAJL_IS_NUMBER(v))
		return type_error(c, "unsigned integer", v);
	r = v->u.number.r;
	if (YAJL_IS_INTEGER(v)) {
		if (v->u.number.i < 0)
			return cubo_json_error(c, "expected unsigned integer, got %s", r);
		*out = (uint64_t)v->u.number.i;
		return NULL;
	}
	/* yajl keeps integers as long long: above LLONG_MAX only the text is exact */
	if (!is_integer_text(r))
		return cubo_json_error(c, "expected unsigned integer, got number %s", r);
	if (*r == '-')
		return cubo_json_error(c, "expected unsigned integer, got %s", r);
	errno = 0;
	u = strtoull(r, &end, 10);
	if (errno == ERANGE || *end)
		return cubo_json_error(c, "unsigned integer %s out of range", r);
	*out = (uint64_t)u;
	return NULL;
}

struct cubo_error *cubo_json_as_int_range(const struct cubo_json_ctx *c, yajl_val v, int64_t min,
					  int64_t max, int64_t *out)
{
	int64_t x = 0;

	CUBO_TRY(cubo_json_as_int64(c, v, &x));
	if (x < min || x > max)
		return cubo_json_error(c, "%" PRId64 " out of range [%" PRId64 ", %" PRId64 "]", x,
				       min, max);
	*out = x;
	return NULL;
}

struct cubo_error *cubo_json_as_uint_range(const struct cubo_json_ctx *c, yajl_val v, uint64_t max,
					   uint64_t *out)
{
	uint64_t x = 0;

	CUBO_TRY(cubo_json_as_uint64(c, v, &x));
	if (x > max)
		return cubo_json_error(c, "%" PRIu64 " out of range [0, %" PRIu64 "]", x, max);
	*out = x;
	return NULL;
}

struct cubo_error *cubo_json_as_int32(const struct cubo_json_ctx *c, yajl_val v, int32_t *out)
{
	int64_t x = 0;

	CUBO_TRY(cubo_json_as_int_range(c, v, INT32_MIN, INT32_MAX, &x));
	*out = (int32_t)x;
	return NULL;
}

struct cubo_error *cubo_json_as_uint32(const struct cubo_json_ctx *c, yajl_val v, uint32_t *out)
{
	uint64_t x = 0;

	CUBO_TRY(cubo_json_as_uint_range(c, v, UINT32_MAX, &x));
	*out = (uint32_t)x;
	return NULL;
}

struct cubo_error *cubo_json_as_uint16(const struct cubo_json_ctx *c, yajl_val v, uint16_t *out)
{
	uint64_t x = 0;

	CUBO_TRY(cubo_json_as_uint_range(c, v, UINT16_MAX, &x));
	*out = (uint16_t)x;
	return NULL;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

struct cubo_error *cubo_json_as_strv(const struct cubo_json_ctx *c, yajl_val v, char ***out,
				     size_t *n)
{
	struct cubo_json_ctx *mc = (struct cubo_json_ctx *)c;
	char **vec;
	size_t len;

	if (!YAJL_IS_ARRAY(v))
		return type_error(c, "array of strings", v);
	len = v->u.array.len;
	vec = xcalloc(len + 1, sizeof(*vec));
	for (size_t i = 0; i < len; i++) {
		yajl_val e = v->u.array.values[i];
		if (!YAJL_IS_STRING(e)) {
			/* the path is restored before returning: the cast is safe */
			size_t mark = cubo_json_push_index(mc, i);
			struct cubo_error *err = type_error(mc, "string", e);
			cubo_json_pop(mc, mark);
			strv_free(vec);
			return err;
		}
		vec[i] = xstrdup(e->u.string);
	}
	*out = vec;
	if (n)
		*n = len;
	return NULL;
}

/* ---- member readers ---- */

/* The member, or NULL (also for JSON null); an error when required and absent. */
static struct cubo_error *member(struct cubo_json_ctx *c, yajl_val obj, const char *key,
				 bool required, yajl_val *out)
{
	yajl_val v = cubo_json_get(obj, key);

	if (v && YAJL_IS_NULL(v))
		v = NULL;
	*out = v;
	if (!v && required) {
		size_t mark = cubo_json_push_key(c, key);
		struct cubo_error *err = cubo_json_error(c, "missing required field");
		cubo_json_pop(c, mark);
		return err;
	}
	return NULL;
}

/*
 * Look up a member, and when present run READ (an expression using the
 * current path) with the key pushed.
 */
#define FIELD(c, obj, key, required, present, READ)                                                \
	do {                                                                                       \
		yajl_val v;                                                                        \
		size_t mark;                                                                       \
		struct cubo_error *err;                                                            \
		CUBO_TRY(member(c, obj, key, required, &v));                                       \
		if (present)                                                                       \
			*(bool *)(present) = v != NULL;                                            \
		if (!v)                                                                            \
			return NULL;                                                               \
		mark = cubo_json_push_key(c, key);                                                 \
		err = (READ);                                                                      \
		cubo_json_pop(c, mark);                                                            \
		if (err && present)                                                                \
			*(bool *)(present) = false;                                                \
		return err;                                                                        \
	} while (0)

struct cubo_error *cubo_json_field_string(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					  bool required, char **out)
{
	FIELD(c, obj, key, required, (bool *)NULL, cubo_json_as_string(c, v, out));
}

struct cubo_error *cubo_json_field_bool(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					bool *out, bool *present)
{
	FIELD(c, obj, key, false, present, cubo_json_as_bool(c, v, out));
}

struct cubo_error *cubo_json_field_int64(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					 bool required, int64_t *out, bool *present)
{
	FIELD(c, obj, key, required, present, cubo_json_as_int64(c, v, out));
}

struct cubo_error *cubo_json_field_uint64(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					  bool required, uint64_t *out, bool *present)
{
	FIELD(c, obj, key, required, present, cubo_json_as_uint64(c, v, out));
}

struct cubo_error *cubo_json_field_int32(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					 bool required, int32_t *out, bool *present)
{
	FIELD(c, obj, key, required, present, cubo_json_as_int32(c, v, out));
}

struct cubo_error *cubo_json_field_uint32(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					  bool required, uint32_t *out, bool *present)
{
	FIELD(c, obj, key, required, present, cubo_json_as_uint32(c, v, out));
}

struct cubo_error *cubo_json_field_uint16(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					  bool required, uint16_t *out, bool *present)
{
	FIELD(c, obj, key, required, present, cubo_json_as_uint16(c, v, out));
}

struct cubo_error *cubo_json_field_strv(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					bool required, char ***out, size_t *n)
{
	FIELD(c, obj, key, required, (bool *)NULL, cubo_json_as_strv(c, v, out, n));
}

struct cubo_error *cubo_json_field_object(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					  bool required, yajl_val *out)
{
	*out = NULL;
	FIELD(c, obj, key, required, (bool *)NULL,
	      YAJL_IS_OBJECT(v) ? (*out = v, NULL) : type_error(c, "object", v));
}

struct cubo_error *cubo_json_field_array(struct cubo_json_ctx *c, yajl_val obj, const char *key,
					 bool required, yajl_val *out)
{
	*out = NULL;
	FIELD(c, obj, key, required, (bool *)NULL,
	      YAJL_IS_ARRAY(v) ? (*out = v, NULL) : type_error(c, "array", v));
}

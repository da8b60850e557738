/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The functions a template calls: Go's builtins and docker's (see
 * gotmpl.h). Each takes evaluated arguments and sets *out, or records an
 * error with gt_fail and returns false.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/gotmpl_int.h"
#include "shared/xalloc.h"

/* Go's fmt refuses widths and precisions above this (fmt's tooLarge); pad follows */
#define MAX_PAD 1000000

#define FUNC(name)                                                                                 \
	static bool name(struct gt_exec *e, const struct gt_cmd *c, struct gv *args, size_t n,     \
			 struct gv *out)

static bool want_args(struct gt_exec *e, const struct gt_cmd *c, const char *name, size_t n,
		      size_t min, size_t max)
{
	if (n >= min && n <= max)
		return true;
	return gt_fail(e, c->pos, c->end, "wrong number of args for %s: want %s%zu got %zu", name,
		       max > min ? "at least " : "", min, n);
}

/* The value printed as a string (docker's functions take strings). */
static char *text_of(const struct gv *v, size_t *len)
{
	struct cubo_strbuf b = {0};
	gv_print(&b, v, false);
	*len = b.len;
	return cubo_strbuf_take(&b);
}

static bool as_int(struct gt_exec *e, const struct gt_cmd *c, const struct gv *v, int64_t *out)
{
	if (v->k == GV_INT) {
		*out = v->i;
		return true;
	}
	if (v->k == GV_FLOAT && v->f == floor(v->f) && fabs(v->f) < 9e18) {
		*out = (int64_t)v->f;
		return true;
	}
	return gt_fail(e, c->pos, c->end, "cannot use %s as an integer", gv_type_name(v));
}

static bool set_str(struct gt_exec *e, const struct gt_cmd *c, struct gv *out, char *s, size_t len)
{
	if (!gt_charge(e, c->pos, c->end, len)) {
		free(s);
		return false;
	}
	*out = gv_str_take(s, len);
	return true;
}

/* ---- Go's builtins ---- */

FUNC(fn_not)
{
	if (!want_args(e, c, "not", n, 1, 1))
		return false;
	*out = gv_bool(!gv_truth(&args[0]));
	return true;
}

FUNC(fn_len)
{
	if (!want_args(e, c, "len", n, 1, 1))
		return false;
	const struct gv *v = &args[0];
	if (v->k == GV_STR)
		*out = gv_int((int64_t)v->len);
	else if (v->k == GV_LIST)
		*out = gv_int((int64_t)v->n);
	else if (v->k == GV_JSON)
		*out = gv_int(
			(int64_t)(YAJL_IS_OBJECT(v->j) ? v->j->u.object.len : v->j->u.array.len));
	else
		return gt_fail(e, c->pos, c->end, "len of type %s", gv_type_name(v));
	return true;
}

/* One step of index: item[key]. */
static bool index_one(struct gt_exec *e, const struct gt_cmd *c, const struct gv *item,
		      const struct gv *key, struct gv *out)
{
	if (item->k == GV_JSON && YAJL_IS_OBJECT(item->j)) {
		if (key->k != GV_STR)
			return gt_fail(e, c->pos, c->end, "value has type %s; should be string",
				       gv_type_name(key));
		*out = gv_nil();
		for (size_t i = 0; i < item->j->u.object.len; i++)
			if (!strcmp(item->j->u.object.keys[i], key->s))
				*out = gv_from_json(item->j->u.object.values[i]);
		return true;
	}
	size_t len = item->k == GV_STR	  ? item->len
		     : item->k == GV_LIST ? item->n
		     : item->k == GV_JSON ? item->j->u.array.len
					  : 0;
	if (item->k == GV_NIL)
		return gt_fail(e, c->pos, c->end, "index of untyped nil");
	if (item->k != GV_STR && item->k != GV_LIST && item->k != GV_JSON)
		return gt_fail(e, c->pos, c->end, "can't index item of type %s",
			       gv_type_name(item));
	int64_t i;
	if (key->k != GV_INT && key->k != GV_FLOAT)
		return gt_fail(e, c->pos, c->end, "cannot index slice/array with type %s",
			       gv_type_name(key));
	if (!as_int(e, c, key, &i))
		return false;
	if (i < 0 || (uint64_t)i >= len)
		return gt_fail(e, c->pos, c->end, "index out of range: %lld", (long long)i);
	if (item->k == GV_STR)
		*out = gv_int((unsigned char)item->s[i]);
	else if (item->k == GV_LIST)
		*out = gv_str(item->list[i], strlen(item->list[i]));
	else
		*out = gv_from_json(item->j->u.array.values[i]);
	return true;
}

FUNC(fn_index)
{
	if (!want_args(e, c, "index", n, 1, SIZE_MAX))
		return false;
	struct gv cur = gv_dup(&args[0]);
	for (size_t k = 1; k < n; k++) {
		struct gv next;
		if (!index_one(e, c, &cur, &args[k], &next)) {
			gv_free(&cur);
			return false;
		}
		gv_free(&cur);
		cur = next;
	}
	*out = cur;
	return true;
}

FUNC(fn_slice)
{
	if (!want_args(e, c, "slice", n, 1, 4))
		return false;
	const struct gv *v = &args[0];
	size_t len = v->k == GV_STR			      ? v->len
		     : v->k == GV_LIST			      ? v->n
		     : v->k == GV_JSON && YAJL_IS_ARRAY(v->j) ? v->j->u.array.len
							      : SIZE_MAX;
	if (len == SIZE_MAX)
		return gt_fail(e, c->pos, c->end, "can't slice item of type %s", gv_type_name(v));
	if (v->k == GV_STR && n > 3)
		return gt_fail(e, c->pos, c->end, "cannot 3-index slice a string");
	int64_t idx[3] = {0, (int64_t)len, (int64_t)len};
	for (size_t k = 1; k < n; k++) {
		if (!as_int(e, c, &args[k], &idx[k - 1]))
			return false;
		if (idx[k - 1] < 0 || idx[k - 1] > (int64_t)len)
			return gt_fail(e, c->pos, c->end, "index out of range: %lld",
				       (long long)idx[k - 1]);
	}
	if (n == 2)
		idx[1] = (int64_t)len;
	if (idx[0] > idx[1])
		return gt_fail(e, c->pos, c->end, "invalid slice index: %lld > %lld",
			       (long long)idx[0], (long long)idx[1]);
	size_t from = (size_t)idx[0], to = (size_t)idx[1];
	if (v->k == GV_STR) {
		struct gv part = gv_str(v->s + from, to - from);
		return set_str(e, c, out, part.s, part.len);
	}
	struct gv l = {
		.k = GV_LIST, .list = xcalloc(to - from + 1, sizeof(char *)), .n = to - from};
	for (size_t i = from; i < to; i++) {
		size_t tl;
		if (v->k == GV_LIST) {
			l.list[i - from] = xstrdup(v->list[i]);
		} else {
			struct gv el = gv_from_json(v->j->u.array.values[i]);
			l.list[i - from] = text_of(&el, &tl);
			gv_free(&el);
		}
	}
	*out = l;
	return true;
}

/* Go's fmt.Sprint: a space between operands when neither is a string; println: always. */
static bool sprint(struct gt_exec *e, const struct gt_cmd *c, struct gv *args, size_t n, bool ln,
		   struct gv *out)
{
	struct cubo_strbuf b = {0};
	for (size_t i = 0; i < n; i++) {
		if (i && (ln || (args[i - 1].k != GV_STR && args[i].k != GV_STR)))
			cubo_strbuf_addc(&b, ' ');
		gv_print(&b, &args[i], false);
	}
	if (ln)
		cubo_strbuf_addc(&b, '\n');
	size_t len = b.len;
	return set_str(e, c, out, cubo_strbuf_take(&b), len);
}

FUNC(fn_print)
{
	return sprint(e, c, args, n, false, out);
}

FUNC(fn_println)
{
	return sprint(e, c, args, n, true, out);
}

FUNC(fn_printf)
{
	if (!want_args(e, c, "printf", n, 1, SIZE_MAX))
		return false;
	if (args[0].k != GV_STR)
		return gt_fail(e, c->pos, c->end, "wrong type for value; expected string; got %s",
			       gv_type_name(&args[0]));
	struct cubo_strbuf b = {0};
	if (!gt_sprintf(e, c, args[0].s, args[0].len, args + 1, n - 1, &b)) {
		free(b.s);
		return false;
	}
	size_t len = b.len;
	return set_str(e, c, out, cubo_strbuf_take(&b), len);
}

/* ---- comparisons ---- */

static bool basic(const struct gv *v)
{
	return v->k == GV_BOOL || v->k == GV_INT || v->k == GV_FLOAT || v->k == GV_STR;
}

/* -1, 0, 1; 2 when not ordered (bools: only equal or not) */
static bool compare(struct gt_exec *e, const struct gt_cmd *c, const struct gv *a,
		    const struct gv *b, int *r)
{
	if (a->k == GV_NIL || b->k == GV_NIL) {
		if (a->k == b->k) {
			*r = 0;
			return true;
		}
		*r = 2;
		return true;
	}
	if (!basic(a) || !basic(b)) {
		const struct gv *bad = basic(a) ? b : a;
		struct cubo_strbuf t = {0};
		gv_print(&t, bad, false);
		gt_fail(e, c->pos, c->end, "non-comparable type %.60s: %s", t.s, gv_type_name(bad));
		free(t.s);
		return false;
	}
	bool num_a = a->k == GV_INT || a->k == GV_FLOAT, num_b = b->k == GV_INT || b->k == GV_FLOAT;
	if (num_a && num_b) {
		if (a->k == GV_INT && b->k == GV_INT)
			*r = (a->i > b->i) - (a->i < b->i);
		else {
			double x = a->k == GV_INT ? (double)a->i : a->f;
			double y = b->k == GV_INT ? (double)b->i : b->f;
			*r = (x > y) - (x < y);
		}
		return true;
	}
	if (a->k != b->k)
		return gt_fail(e, c->pos, c->end, "incompatible types for comparison");
	if (a->k == GV_STR) {
		size_t m = a->len < b->len ? a->len : b->len;
		int d = memcmp(a->s, b->s, m);
		*r = d ? (d > 0) - (d < 0) : (a->len > b->len) - (a->len < b->len);
	} else {
		*r = a->b == b->b ? 0 : 2;
	}
	return true;
}

FUNC(fn_eq)
{
	if (!want_args(e, c, "eq", n, 2, SIZE_MAX))
		return false;
	for (size_t k = 1; k < n; k++) {
		int r;
		if (!compare(e, c, &args[0], &args[k], &r))
			return false;
		if (r == 0) {
			*out = gv_bool(true);
			return true;
		}
	}
	*out = gv_bool(false);
	return true;
}

FUNC(fn_ne)
{
	int r;
	if (!want_args(e, c, "ne", n, 2, 2) || !compare(e, c, &args[0], &args[1], &r))
		return false;
	*out = gv_bool(r != 0);
	return true;
}

static bool order(struct gt_exec *e, const struct gt_cmd *c, struct gv *args, size_t n,
		  const char *name, int *r)
{
	if (!want_args(e, c, name, n, 2, 2) || !compare(e, c, &args[0], &args[1], r))
		return false;
	if (*r == 2 || args[0].k == GV_BOOL || args[0].k == GV_NIL)
		return gt_fail(e, c->pos, c->end, "invalid type for comparison");
	return true;
}

FUNC(fn_lt)
{
	int r;
	if (!order(e, c, args, n, "lt", &r))
		return false;
	*out = gv_bool(r < 0);
	return true;
}

FUNC(fn_le)
{
	int r;
	if (!order(e, c, args, n, "le", &r))
		return false;
	*out = gv_bool(r <= 0);
	return true;
}

FUNC(fn_gt)
{
	int r;
	if (!order(e, c, args, n, "gt", &r))
		return false;
	*out = gv_bool(r > 0);
	return true;
}

FUNC(fn_ge)
{
	int r;
	if (!order(e, c, args, n, "ge", &r))
		return false;
	*out = gv_bool(r >= 0);
	return true;
}

/* ---- docker's ---- */

/* In a table's header row docker's string functions hand their argument back. */
static bool header_passthrough(struct gt_exec *e, struct gv *args, size_t n, struct gv *out)
{
	if (!e->header || !n)
		return false;
	*out = gv_dup(&args[0]);
	return true;
}

FUNC(fn_json)
{
	if (header_passthrough(e, args, n, out))
		return true;
	if (!want_args(e, c, "json", n, 1, 1))
		return false;
	char *s = gv_json(&args[0]);
	return set_str(e, c, out, s, strlen(s));
}

FUNC(fn_join)
{
	if (header_passthrough(e, args, n, out))
		return true;
	if (!want_args(e, c, "join", n, 2, 2))
		return false;
	const struct gv *v = &args[0];
	if (args[1].k != GV_STR)
		return gt_fail(e, c->pos, c->end, "join: the separator must be a string");
	if (v->k == GV_NIL) /* a nil list, as strings.Join(nil, sep) */
		return set_str(e, c, out, xstrdup(""), 0);
	struct cubo_strbuf b = {0};
	size_t count = v->k == GV_LIST				? v->n
		       : v->k == GV_JSON && YAJL_IS_ARRAY(v->j) ? v->j->u.array.len
								: SIZE_MAX;
	if (count == SIZE_MAX)
		return gt_fail(e, c->pos, c->end, "join: expected a list, got %s", gv_type_name(v));
	for (size_t i = 0; i < count; i++) {
		if (i)
			cubo_strbuf_add(&b, args[1].s, args[1].len);
		if (v->k == GV_LIST) {
			cubo_strbuf_adds(&b, v->list[i]);
		} else {
			struct gv el = gv_from_json(v->j->u.array.values[i]);
			gv_print(&b, &el, false);
			gv_free(&el);
		}
		if (b.len > GOTMPL_MAX_BYTES) {
			free(b.s);
			return gt_charge(e, c->pos, c->end, b.len);
		}
	}
	size_t len = b.len;
	return set_str(e, c, out, cubo_strbuf_take(&b), len);
}

FUNC(fn_split)
{
	if (header_passthrough(e, args, n, out))
		return true;
	if (!want_args(e, c, "split", n, 2, 2))
		return false;
	size_t len, seplen;
	char *s = text_of(&args[0], &len), *sep = text_of(&args[1], &seplen);
	struct gv l = {.k = GV_LIST};
	size_t cap = 0;
	const char *p = s, *end = s + len;
	for (;;) {
		const char *hit;
		size_t step_len;
		if (seplen) {
			hit = memmem(p, (size_t)(end - p), sep, seplen);
			step_len = seplen;
		} else { /* Go splits "" into UTF-8 characters */
			if (p == end)
				break;
			hit = p + 1;
			while (hit < end && ((unsigned char)*hit & 0xc0) == 0x80)
				hit++;
			step_len = 0;
		}
		if (l.n + 2 > cap) {
			cap = cap ? 2 * cap : 8;
			l.list = xreallocarray(l.list, cap, sizeof(char *));
		}
		if (!hit) {
			l.list[l.n++] = xstrndup(p, (size_t)(end - p));
			break;
		}
		l.list[l.n++] = xstrndup(p, (size_t)(hit - p));
		p = hit + step_len;
		if (!seplen && p == end)
			break;
	}
	if (!l.list)
		l.list = xcalloc(1, sizeof(char *));
	l.list[l.n] = NULL;
	free(s);
	free(sep);
	*out = l;
	return gt_charge(e, c->pos, c->end, len + l.n * sizeof(char *));
}

static bool change_case(struct gt_exec *e, const struct gt_cmd *c, struct gv *args, size_t n,
			const char *name, int mode, struct gv *out)
{
	if (header_passthrough(e, args, n, out))
		return true;
	if (!want_args(e, c, name, n, 1, 1))
		return false;
	size_t len;
	char *s = text_of(&args[0], &len);
	bool word_start = true;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (mode == 0)
			s[i] = (char)tolower(ch);
		else if (mode == 1 || word_start)
			s[i] = (char)toupper(ch);
		/* strings.Title: a letter after a non-letter starts a word */
		word_start = !(isalnum(ch) || ch == '_' || ch == '\'' || ch >= 0x80);
	}
	return set_str(e, c, out, s, len);
}

FUNC(fn_lower)
{
	return change_case(e, c, args, n, "lower", 0, out);
}

FUNC(fn_upper)
{
	return change_case(e, c, args, n, "upper", 1, out);
}

FUNC(fn_title)
{
	return change_case(e, c, args, n, "title", 2, out);
}

FUNC(fn_truncate)
{
	if (header_passthrough(e, args, n, out))
		return true;
	int64_t max;
	if (!want_args(e, c, "truncate", n, 2, 2) || !as_int(e, c, &args[1], &max))
		return false;
	size_t len;
	char *s = text_of(&args[0], &len);
	/* in characters, as docker counts them */
	size_t chars = 0, cut = len;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 &&
		    chars++ == (uint64_t)(max < 0 ? 0 : max)) {
			cut = i;
			break;
		}
	s[cut] = '\0';
	return set_str(e, c, out, s, cut);
}

FUNC(fn_pad)
{
	int64_t before, after;
	if (!want_args(e, c, "pad", n, 3, 3) || !as_int(e, c, &args[1], &before) ||
	    !as_int(e, c, &args[2], &after))
		return false;
	if (before < 0 || after < 0 || before > MAX_PAD || after > MAX_PAD)
		return gt_fail(e, c->pos, c->end, "pad: counts must be within 0..%d", MAX_PAD);
	size_t len;
	char *s = text_of(&args[0], &len);
	if (!len) /* docker pads nothing around an empty string */
		return set_str(e, c, out, s, 0);
	size_t total = (size_t)before + len + (size_t)after;
	char *p = xmalloc(total + 1);
	memset(p, ' ', (size_t)before);
	memcpy(p + before, s, len);
	memset(p + before + len, ' ', (size_t)after);
	p[total] = '\0';
	free(s);
	return set_str(e, c, out, p, total);
}

static const struct {
	const char *name;
	gt_func fn;
} funcs[] = {
	{"and", NULL},		 {"or", NULL},
	{"not", fn_not},	 {"len", fn_len},
	{"index", fn_index},	 {"slice", fn_slice},
	{"print", fn_print},	 {"printf", fn_printf},
	{"println", fn_println}, {"eq", fn_eq},
	{"ne", fn_ne},		 {"lt", fn_lt},
	{"le", fn_le},		 {"gt", fn_gt},
	{"ge", fn_ge},		 {"json", fn_json},
	{"join", fn_join},	 {"split", fn_split},
	{"lower", fn_lower},	 {"upper", fn_upper},
	{"title", fn_title},	 {"truncate", fn_truncate},
	{"pad", fn_pad},
};

gt_func gt_func_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(*funcs); i++)
		if (!strcmp(funcs[i].name, name))
			return funcs[i].fn;
	return NULL;
}

bool gt_func_exists(const char *name)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(*funcs); i++)
		if (!strcmp(funcs[i].name, name))
			return true;
	return false;
}

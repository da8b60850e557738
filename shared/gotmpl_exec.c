/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running a parsed template over JSON data (see gotmpl.h). Recursion follows
 * the parsed tree, whose depth the parser bounds; every node, call and
 * iteration counts against GOTMPL_MAX_STEPS and every byte produced against
 * GOTMPL_MAX_BYTES.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/gotmpl_int.h"
#include "shared/xalloc.h"

enum flow { F_OK, F_BREAK, F_CONTINUE, F_ERR };

bool gt_fail(struct gt_exec *e, size_t pos, size_t end, const char *fmt, ...)
{
	if (e->err)
		return false;
	va_list ap;
	va_start(ap, fmt);
	e->err = xvasprintf(fmt, ap);
	va_end(ap);
	e->err_pos = pos;
	e->err_end = end;
	return false;
}

bool gt_charge(struct gt_exec *e, size_t pos, size_t end, size_t bytes)
{
	e->bytes += bytes;
	if (e->bytes > GOTMPL_MAX_BYTES)
		return gt_fail(e, pos, end, "the template produces more than %d bytes",
			       GOTMPL_MAX_BYTES);
	return true;
}

static bool step(struct gt_exec *e, size_t pos, size_t end)
{
	if (++e->steps > GOTMPL_MAX_STEPS)
		return gt_fail(e, pos, end, "the template takes more than %d steps",
			       GOTMPL_MAX_STEPS);
	return true;
}

/* ---- variables ---- */

static void var_push(struct gt_exec *e, const char *name, struct gv v)
{
	if (e->n_vars == e->cap_vars) {
		e->cap_vars = e->cap_vars ? 2 * e->cap_vars : 8;
		e->vars = xreallocarray(e->vars, e->cap_vars, sizeof(*e->vars));
	}
	e->vars[e->n_vars].name = xstrdup(name);
	e->vars[e->n_vars++].v = v;
}

static void vars_pop(struct gt_exec *e, size_t mark)
{
	while (e->n_vars > mark) {
		struct gt_var *v = &e->vars[--e->n_vars];
		free(v->name);
		gv_free(&v->v);
	}
}

static struct gt_var *var_find(struct gt_exec *e, const char *name)
{
	for (size_t i = e->n_vars; i-- > 0;)
		if (!strcmp(e->vars[i].name, name))
			return &e->vars[i];
	return NULL;
}

/* ---- fields ---- */

static bool get_field(struct gt_exec *e, const struct gt_arg *a, const struct gv *recv,
		      const char *name, struct gv *out)
{
	if (recv->k == GV_JSON && YAJL_IS_OBJECT(recv->j)) {
		yajl_val o = recv->j;
		for (size_t i = 0; i < o->u.object.len; i++)
			if (!strcmp(o->u.object.keys[i], name)) {
				*out = gv_from_json(o->u.object.values[i]);
				return true;
			}
		*out = gv_nil(); /* a missing key of a map */
		return true;
	}
	if (recv->k == GV_NIL) { /* as Go does on a missing map key: no value, no error */
		*out = gv_nil();
		return true;
	}
	return gt_fail(e, a->pos, a->end, "can't evaluate field %s in type %s", name,
		       gv_type_name(recv));
}

/* Follow a's fields (the first `skip_last` of them left out) from *v, in place. */
static bool follow_chain(struct gt_exec *e, const struct gt_arg *a, struct gv *v, bool skip_last)
{
	size_t n = a->n_fields - (skip_last && a->n_fields);
	for (size_t i = 0; i < n; i++) {
		struct gv next;
		if (!get_field(e, a, v, a->fields[i], &next)) {
			gv_free(v);
			return false;
		}
		gv_free(v);
		*v = next;
	}
	return true;
}

/* ---- evaluation ---- */

static bool eval_pipe(struct gt_exec *e, const struct gt_pipe *pp, const struct gv *dot, bool bind,
		      struct gv *out);
static bool eval_cmd(struct gt_exec *e, const struct gt_cmd *c, const struct gv *dot,
		     struct gv *final, struct gv *out);

static bool call_func(struct gt_exec *e, const struct gt_cmd *c, size_t first, const struct gv *dot,
		      struct gv *final, struct gv *out);

/* The term of a (without its chain), or a function called with no arguments. */
static bool eval_term(struct gt_exec *e, const struct gt_arg *a, const struct gv *dot,
		      struct gv *out)
{
	switch (a->kind) {
	case GA_DOT:
	case GA_FIELD:
		*out = gv_dup(dot);
		return true;
	case GA_NIL:
		*out = gv_nil();
		return true;
	case GA_BOOL:
		*out = gv_bool(a->b);
		return true;
	case GA_NUMBER:
		*out = a->is_int ? gv_int(a->i) : gv_float(a->f);
		return true;
	case GA_STRING:
		*out = gv_str(a->s, a->slen);
		return true;
	case GA_VAR: {
		struct gt_var *v = var_find(e, a->s);
		if (!v)
			return gt_fail(e, a->pos, a->end, "undefined variable: %s", a->s);
		*out = gv_dup(&v->v);
		return true;
	}
	case GA_PIPE:
		return eval_pipe(e, a->pipe, dot, true, out);
	case GA_FUNC: {
		struct gt_cmd alone = {
			.args = (struct gt_arg *)a, .n = 1, .pos = a->pos, .end = a->end};
		return call_func(e, &alone, 0, dot, NULL, out);
	}
	}
	return false;
}

static bool eval_arg(struct gt_exec *e, const struct gt_arg *a, const struct gv *dot,
		     struct gv *out)
{
	return eval_term(e, a, dot, out) && follow_chain(e, a, out, false);
}

static bool call_func(struct gt_exec *e, const struct gt_cmd *c, size_t first, const struct gv *dot,
		      struct gv *final, struct gv *out)
{
	const struct gt_arg *fn = &c->args[first];
	if (!step(e, c->pos, c->end))
		return false;
	size_t n = c->n - first - 1 + (final != NULL);
	bool and = !strcmp(fn->s, "and"), or = !strcmp(fn->s, "or");
	if (and || or) { /* lazy: stop at the first false (and) or true (or) argument */
		if (!n)
			return gt_fail(e, c->pos, c->end,
				       "wrong number of args for %s: want at "
				       "least 1 got 0",
				       fn->s);
		*out = gv_nil();
		for (size_t i = 0; i < n; i++) {
			gv_free(out);
			bool from_final = final && i == n - 1;
			if (from_final)
				*out = gv_dup(final);
			else if (!eval_arg(e, &c->args[first + 1 + i], dot, out))
				return false;
			if (gv_truth(out) == or)
				return true;
		}
		return true;
	}
	gt_func f = gt_func_lookup(fn->s);
	struct gv *args = xcalloc(n + 1, sizeof(*args));
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++) {
		if (final && i == n - 1)
			args[i] = gv_dup(final);
		else
			ok = eval_arg(e, &c->args[first + 1 + i], dot, &args[i]);
	}
	if (ok && f) {
		char *err_before = e->err;
		ok = f(e, c, args, n, out);
		if (!ok && e->err && e->err != err_before && strncmp(e->err, "the template ", 13)) {
			char *wrapped = xasprintf("error calling %s: %s", fn->s, e->err);
			free(e->err);
			e->err = wrapped;
		}
	} else if (ok) {
		ok = gt_fail(e, fn->pos, fn->end, "function \"%s\" not defined", fn->s);
	}
	for (size_t i = 0; i < n; i++)
		gv_free(&args[i]);
	free(args);
	return ok;
}

/* docker's `.Label "KEY"`: KEY of the receiver's Labels (an object, or "k=v,k2=v2"). */
static bool call_label(struct gt_exec *e, const struct gt_cmd *c, const struct gv *dot,
		       struct gv *final, struct gv *out)
{
	const struct gt_arg *a = &c->args[0];
	size_t n = c->n - 1 + (final != NULL);
	if (n != 1)
		return gt_fail(e, c->pos, c->end, "wrong number of args for Label: want 1 got %zu",
			       n);
	struct gv recv, key;
	if (!eval_term(e, a, dot, &recv) || !follow_chain(e, a, &recv, true))
		return false;
	if (final)
		key = gv_dup(final);
	else if (!eval_arg(e, &c->args[1], dot, &key)) {
		gv_free(&recv);
		return false;
	}
	bool ok = true;
	struct gv labels = gv_nil();
	if (key.k != GV_STR)
		ok = gt_fail(e, c->pos, c->end, "Label: the key must be a string, not %s",
			     gv_type_name(&key));
	else if (recv.k == GV_JSON && YAJL_IS_OBJECT(recv.j))
		ok = get_field(e, a, &recv, "Labels", &labels);
	else
		ok = get_field(e, a, &recv, "Label", &labels);
	*out = gv_str("", 0);
	if (ok && labels.k == GV_JSON && YAJL_IS_OBJECT(labels.j)) {
		for (size_t i = 0; i < labels.j->u.object.len; i++)
			if (!strcmp(labels.j->u.object.keys[i], key.s)) {
				gv_free(out);
				*out = gv_from_json(labels.j->u.object.values[i]);
			}
	} else if (ok && labels.k == GV_STR) {
		for (const char *p = labels.s; *p;) {
			const char *comma = strchr(p, ','),
				   *next = comma ? comma + 1 : p + strlen(p);
			size_t len = (size_t)(next - p) - (comma != NULL);
			if (len > key.len && p[key.len] == '=' && !memcmp(p, key.s, key.len)) {
				gv_free(out);
				*out = gv_str(p + key.len + 1, len - key.len - 1);
				break;
			}
			p = next;
		}
	}
	gv_free(&labels);
	gv_free(&recv);
	gv_free(&key);
	if (!ok)
		gv_free(out);
	return ok;
}

static bool eval_cmd(struct gt_exec *e, const struct gt_cmd *c, const struct gv *dot,
		     struct gv *final, struct gv *out)
{
	const struct gt_arg *a = &c->args[0];
	if (a->kind == GA_FUNC)
		return call_func(e, c, 0, dot, final, out);
	bool has_args = c->n > 1 || final;
	if (has_args && a->n_fields && !strcmp(a->fields[a->n_fields - 1], "Label"))
		return call_label(e, c, dot, final, out);
	if (has_args && a->n_fields)
		return gt_fail(e, a->pos, a->end, "%s is not a method but has arguments",
			       a->fields[a->n_fields - 1]);
	if (has_args)
		return gt_fail(e, a->pos, a->end, "can't give argument to non-function %.*s",
			       (int)(a->end - a->pos > 60 ? 60 : a->end - a->pos),
			       e->t->src + a->pos);
	return eval_arg(e, a, dot, out);
}

static bool eval_pipe(struct gt_exec *e, const struct gt_pipe *pp, const struct gv *dot, bool bind,
		      struct gv *out)
{
	struct gv v = gv_nil();
	for (size_t i = 0; i < pp->n_cmds; i++) {
		struct gv next;
		if (!eval_cmd(e, &pp->cmds[i], dot, i ? &v : NULL, &next)) {
			gv_free(&v);
			return false;
		}
		gv_free(&v);
		v = next;
	}
	if (bind && pp->n_decl) {
		if (pp->assign) {
			struct gt_var *var = var_find(e, pp->decl[0]);
			if (!var) {
				gv_free(&v);
				return gt_fail(e, pp->pos, pp->pos, "undefined variable: %s",
					       pp->decl[0]);
			}
			gv_free(&var->v);
			var->v = gv_dup(&v);
		} else {
			var_push(e, pp->decl[0], gv_dup(&v));
		}
	}
	*out = v;
	return true;
}

/* ---- control ---- */

static enum flow exec_list(struct gt_exec *e, const struct gt_list *l, const struct gv *dot);

/* One pass of a range body, with its variables bound; takes elem and key. */
static enum flow range_pass(struct gt_exec *e, const struct gt_node *n, struct gv key,
			    struct gv elem)
{
	size_t mark = e->n_vars;
	if (!step(e, n->pos, n->pos)) {
		gv_free(&key);
		gv_free(&elem);
		return F_ERR;
	}
	if (n->pipe->n_decl == 2) {
		var_push(e, n->pipe->decl[0], key);
		var_push(e, n->pipe->decl[1], gv_dup(&elem));
	} else {
		if (n->pipe->n_decl == 1)
			var_push(e, n->pipe->decl[0], gv_dup(&elem));
		gv_free(&key);
	}
	enum flow f = exec_list(e, &n->list, &elem);
	vars_pop(e, mark);
	gv_free(&elem);
	return f;
}

static enum flow exec_range(struct gt_exec *e, const struct gt_node *n, const struct gv *dot,
			    const struct gv *v)
{
	size_t count = 0;
	enum flow f = F_OK;
	if (v->k == GV_JSON && YAJL_IS_ARRAY(v->j)) {
		count = v->j->u.array.len;
		for (size_t i = 0; i < count && f != F_ERR && f != F_BREAK; i++)
			f = range_pass(e, n, gv_int((int64_t)i),
				       gv_from_json(v->j->u.array.values[i]));
	} else if (v->k == GV_JSON) {
		count = v->j->u.object.len;
		size_t *order = gv_sorted_keys(v->j);
		for (size_t i = 0; i < count && f != F_ERR && f != F_BREAK; i++) {
			const char *k = v->j->u.object.keys[order[i]];
			f = range_pass(e, n, gv_str(k, strlen(k)),
				       gv_from_json(v->j->u.object.values[order[i]]));
		}
		free(order);
	} else if (v->k == GV_LIST) {
		count = v->n;
		for (size_t i = 0; i < count && f != F_ERR && f != F_BREAK; i++)
			f = range_pass(e, n, gv_int((int64_t)i),
				       gv_str(v->list[i], strlen(v->list[i])));
	} else if (v->k == GV_INT) { /* Go 1.22: range over an integer */
		if (n->pipe->n_decl == 2) {
			gt_fail(e, n->pos, n->pos,
				"can't use %lld to iterate over more than one "
				"variable",
				(long long)v->i);
			return F_ERR;
		}
		count = v->i > 0 ? (size_t)v->i : 0;
		for (size_t i = 0; i < count && f != F_ERR && f != F_BREAK; i++)
			f = range_pass(e, n, gv_nil(), gv_int((int64_t)i));
	} else if (v->k != GV_NIL) {
		struct cubo_strbuf b = {0};
		gv_print(&b, v, false);
		const struct gt_pipe *pp = n->pipe;
		gt_fail(e, pp->cmds[0].pos, pp->cmds[pp->n_cmds - 1].end,
			"range can't iterate over %.60s", b.s);
		free(b.s);
		return F_ERR;
	}
	if (f == F_ERR)
		return F_ERR;
	if (!count)
		return exec_list(e, &n->else_list, dot);
	return F_OK;
}

static enum flow exec_node(struct gt_exec *e, const struct gt_node *n, const struct gv *dot)
{
	if (!step(e, n->pos, n->pos))
		return F_ERR;
	switch (n->kind) {
	case GT_TEXT:
		if (!gt_charge(e, n->pos, n->pos, n->len))
			return F_ERR;
		cubo_strbuf_add(e->out, n->text, n->len);
		return F_OK;
	case GT_BREAK:
		return F_BREAK;
	case GT_CONTINUE:
		return F_CONTINUE;
	case GT_ACTION: {
		struct gv v;
		if (!eval_pipe(e, n->pipe, dot, true, &v))
			return F_ERR;
		if (!n->pipe->n_decl) {
			size_t before = e->out->len;
			gv_print(e->out, &v, true);
			if (!gt_charge(e, n->pos, n->pos, e->out->len - before)) {
				gv_free(&v);
				return F_ERR;
			}
		}
		gv_free(&v);
		return F_OK;
	}
	default:
		break;
	}
	size_t mark = e->n_vars;
	struct gv v;
	enum flow f;
	if (!eval_pipe(e, n->pipe, dot, n->kind != GT_RANGE, &v))
		return F_ERR;
	if (n->kind == GT_RANGE)
		f = exec_range(e, n, dot, &v);
	else if (gv_truth(&v))
		f = exec_list(e, &n->list, n->kind == GT_WITH ? &v : dot);
	else
		f = exec_list(e, &n->else_list, dot);
	gv_free(&v);
	vars_pop(e, mark);
	return f;
}

static enum flow exec_list(struct gt_exec *e, const struct gt_list *l, const struct gv *dot)
{
	for (size_t i = 0; i < l->n; i++) {
		enum flow f = exec_node(e, &l->v[i], dot);
		if (f != F_OK)
			return f;
	}
	return F_OK;
}

static struct cubo_error *run(const struct gotmpl *t, yajl_val data, bool header,
			      struct cubo_strbuf *out)
{
	struct gt_exec e = {.t = t, .out = out, .header = header};
	struct gv dot = gv_from_json(data);
	var_push(&e, "$", gv_dup(&dot));
	if (!out->s)
		cubo_strbuf_add(out, "", 0);
	exec_list(&e, &t->root, &dot);
	vars_pop(&e, 0);
	free(e.vars);
	gv_free(&dot);
	if (!e.err)
		return NULL;
	char at[48];
	gt_position(t->src, t->len, e.err_pos, at, sizeof(at));
	size_t span = e.err_end > e.err_pos ? e.err_end - e.err_pos : 0;
	struct cubo_error *err;
	if (span)
		err = cubo_error_new("template: :%s: executing \"\" at <%.*s%s>: %s", at,
				     (int)(span > 60 ? 60 : span), t->src + e.err_pos,
				     span > 60 ? "..." : "", e.err);
	else
		err = cubo_error_new("template: :%s: executing \"\": %s", at, e.err);
	free(e.err);
	return err;
}

struct cubo_error *gotmpl_exec(const struct gotmpl *t, yajl_val data, struct cubo_strbuf *out)
{
	return run(t, data, false, out);
}

struct cubo_error *gotmpl_exec_header(const struct gotmpl *t, yajl_val data,
				      struct cubo_strbuf *out)
{
	return run(t, data, true, out);
}

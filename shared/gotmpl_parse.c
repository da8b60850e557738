/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsing Go templates (see gotmpl.h): text and {{actions}}, trim markers,
 * comments, pipelines, control structures. Recursion follows the nesting of
 * the template, bounded by GOTMPL_MAX_DEPTH.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/gotmpl_int.h"
#include "shared/xalloc.h"

enum tok_type {
	T_EOF,
	T_RDELIM, /* }} or  -}} */
	T_FIELD,  /* .Name */
	T_DOT,
	T_VAR, /* $ or $name */
	T_IDENT,
	T_STRING,
	T_RAW,
	T_CHAR,
	T_NUMBER,
	T_LPAREN,
	T_RPAREN,
	T_PIPE,
	T_DECLARE,
	T_ASSIGN,
	T_COMMA,
	T_BAD,
};

struct tok {
	enum tok_type type;
	size_t pos, len;
	bool space; /* whitespace before it */
};

struct parser {
	const char *s;
	size_t len;
	size_t cur;	/* inside an action: the next byte to scan */
	bool trim_next; /* the last action ended with -}} */
	int depth;
	char **vars; /* variables in scope, for "undefined variable" */
	size_t n_vars;
	size_t range_depth;
	char *err;
	size_t err_pos;
};

static bool perr(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Room for element n of an array of that many: capacities double (n a power of two: full). */
static void *grow(void *v, size_t n, size_t size)
{
	if (n == 0 || !(n & (n - 1)))
		v = xreallocarray(v, n ? 2 * n : 1, size);
	return v;
}

static bool perr(struct parser *p, size_t pos, const char *fmt, ...)
{
	if (p->err)
		return false;
	va_list ap;
	va_start(ap, fmt);
	p->err = xvasprintf(fmt, ap);
	va_end(ap);
	p->err_pos = pos;
	return false;
}

void gt_position(const char *src, size_t len, size_t pos, char *buf, size_t size)
{
	/* as Go counts: lines from 1, the column in bytes from 0 */
	size_t line = 1, line_start = 0;
	for (size_t i = 0; i < pos && i < len; i++)
		if (src[i] == '\n') {
			line++;
			line_start = i + 1;
		}
	snprintf(buf, size, "%zu:%zu", line, pos - line_start);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum(char c)
{
	return isalnum((unsigned char)c) || c == '_' || ((unsigned char)c & 0x80);
}

/* " -}}" or "}}" at i: its length, else 0. */
static size_t rdelim_at(const struct parser *p, size_t i)
{
	if (i + 4 <= p->len && is_space(p->s[i]) && !memcmp(p->s + i + 1, "-}}", 3))
		return 4;
	if (i + 2 <= p->len && !memcmp(p->s + i, "}}", 2))
		return 2;
	return 0;
}

static size_t scan_quoted(const struct parser *p, size_t i, char q)
{
	for (i++; i < p->len; i++) {
		if (p->s[i] == '\\' && q != '`') {
			i++;
			continue;
		}
		if (p->s[i] == '\n' && q != '`')
			return 0;
		if (p->s[i] == q)
			return i + 1;
	}
	return 0;
}

static struct tok next_tok(struct parser *p)
{
	struct tok t = {T_BAD, p->cur, 0, false};
	size_t i = p->cur;
	while (i < p->len && is_space(p->s[i])) {
		if (rdelim_at(p, i) == 4)
			break;
		i++;
		t.space = true;
	}
	t.pos = i;
	size_t end = i + 1;
	if (i >= p->len) {
		t.type = T_EOF;
		end = i;
	} else if (rdelim_at(p, i)) {
		t.type = T_RDELIM;
		end = i + rdelim_at(p, i);
	} else {
		char c = p->s[i];
		switch (c) {
		case '(':
			t.type = T_LPAREN;
			break;
		case ')':
			t.type = T_RPAREN;
			break;
		case '|':
			t.type = T_PIPE;
			break;
		case ',':
			t.type = T_COMMA;
			break;
		case '=':
			t.type = T_ASSIGN;
			break;
		case ':':
			if (i + 1 < p->len && p->s[i + 1] == '=') {
				t.type = T_DECLARE;
				end = i + 2;
			}
			break;
		case '"':
		case '`':
		case '\'':
			end = scan_quoted(p, i, c);
			t.type = !end ? T_BAD : c == '"' ? T_STRING : c == '`' ? T_RAW : T_CHAR;
			if (!end)
				end = i + 1;
			break;
		case '$':
			for (end = i + 1; end < p->len && is_alnum(p->s[end]); end++)
				;
			t.type = T_VAR;
			break;
		case '.':
			if (i + 1 < p->len && isdigit((unsigned char)p->s[i + 1]))
				goto number;
			for (end = i + 1; end < p->len && is_alnum(p->s[end]); end++)
				;
			t.type = end == i + 1 ? T_DOT : T_FIELD;
			break;
		default:
			if (isdigit((unsigned char)c) || c == '-' || c == '+') {
			number:
				for (end = i + 1; end < p->len; end++) {
					char d = p->s[end];
					bool sign = (d == '-' || d == '+') &&
						    strchr("eEpP", p->s[end - 1]) &&
						    !(p->s[i] == '0' && end > i + 1 &&
						      (p->s[i + 1] == 'x' || p->s[i + 1] == 'X') &&
						      strchr("eE", p->s[end - 1]));
					if (!is_alnum(d) && d != '.' && !sign)
						break;
				}
				t.type = T_NUMBER;
			} else if (is_alnum(c)) {
				for (end = i + 1; end < p->len && is_alnum(p->s[end]); end++)
					;
				t.type = T_IDENT;
			}
		}
	}
	t.len = end - i;
	p->cur = end;
	return t;
}

static struct tok peek_tok(struct parser *p)
{
	size_t save = p->cur;
	struct tok t = next_tok(p);
	p->cur = save;
	return t;
}

static bool tok_is(const struct parser *p, struct tok t, const char *word)
{
	return t.type == T_IDENT && t.len == strlen(word) && !memcmp(p->s + t.pos, word, t.len);
}

static const char *tok_desc(const struct parser *p, struct tok t, char *buf, size_t size)
{
	if (t.type == T_EOF)
		return "EOF";
	snprintf(buf, size, "\"%.*s\"", (int)(t.len > 40 ? 40 : t.len), p->s + t.pos);
	return buf;
}

static bool unexpected(struct parser *p, struct tok t, const char *context)
{
	char buf[64];
	if (t.type == T_EOF)
		return perr(p, t.pos, "unclosed action");
	if (t.type == T_BAD && strchr("\"'`", p->s[t.pos]))
		return perr(p, t.pos, "unterminated quoted string");
	return perr(p, t.pos, "unexpected %s in %s", tok_desc(p, t, buf, sizeof(buf)), context);
}

/* ---- literals ---- */

/* Go's unquoting of "..." and '...' bodies: false on a bad escape. */
static bool unquote(const char *s, size_t n, struct cubo_strbuf *b)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			cubo_strbuf_addc(b, s[i]);
			continue;
		}
		if (++i >= n)
			return false;
		const char *simple = strchr("abfnrtv\\\"'", s[i]);
		if (simple && s[i]) {
			cubo_strbuf_addc(b, "\a\b\f\n\r\t\v\\\"'"[simple - "abfnrtv\\\"'"]);
			continue;
		}
		int digits = s[i] == 'x' ? 2 : s[i] == 'u' ? 4 : s[i] == 'U' ? 8 : 0;
		if (digits) {
			unsigned long cp = 0;
			for (int k = 0; k < digits; k++) {
				if (i + 1 + k >= n ||
				    cubo_hex_value((unsigned char)s[i + 1 + k]) < 0)
					return false;
				cp = cp * 16 +
				     (unsigned long)cubo_hex_value((unsigned char)s[i + 1 + k]);
			}
			i += (size_t)digits;
			if (digits == 2)
				cubo_strbuf_addc(b, (char)cp);
			else
				gv_put_utf8(b, (int64_t)cp);
			continue;
		}
		if (s[i] >= '0' && s[i] <= '7' && i + 2 < n) {
			unsigned v = 0;
			for (int k = 0; k < 3; k++) {
				if (s[i + k] < '0' || s[i + k] > '7')
					return false;
				v = v * 8 + (unsigned)(s[i + k] - '0');
			}
			if (v > 255)
				return false;
			cubo_strbuf_addc(b, (char)v);
			i += 2;
			continue;
		}
		return false;
	}
	return true;
}

/* The first UTF-8 character of s (n bytes) as a code point; -1 when bad. */
static long utf8_decode(const unsigned char *s, size_t n, size_t *used)
{
	if (!n)
		return -1;
	int extra = s[0] < 0x80		? 0
		    : (s[0] >> 5) == 6	? 1
		    : (s[0] >> 4) == 14 ? 2
		    : (s[0] >> 3) == 30 ? 3
					: -1;
	if (extra < 0 || (size_t)extra + 1 > n)
		return -1;
	long cp = extra ? s[0] & (0x3f >> extra) : s[0];
	for (int k = 1; k <= extra; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	*used = (size_t)extra + 1;
	return cp;
}

static bool parse_number(struct parser *p, struct tok t, struct gt_arg *a)
{
	char buf[128];
	if (t.len >= sizeof(buf))
		return perr(p, t.pos, "bad number syntax: \"%.40s...\"", p->s + t.pos);
	/* Go allows _ between digits */
	size_t n = 0;
	for (size_t k = 0; k < t.len; k++)
		if (p->s[t.pos + k] != '_')
			buf[n++] = p->s[t.pos + k];
	buf[n] = '\0';
	a->kind = GA_NUMBER;
	char *end;
	errno = 0;
	const char *digits = buf + (buf[0] == '-' || buf[0] == '+');
	int base = 10;
	if (digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B'))
		base = 2;
	else if (digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'O'))
		base = 8;
	bool hexint = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') &&
		      !strpbrk(digits, ".pP");
	if (base != 10 || hexint || !strpbrk(buf, ".eEpP")) {
		const char *from = base != 10 ? digits + 2 : buf;
		long long v = strtoll(from, &end, base != 10 ? base : hexint ? 16 : 10);
		if (base != 10 && buf[0] == '-')
			v = -v;
		if (*end || errno || end == from ||
		    (base == 10 && !hexint && digits[0] == '0' && digits[1] && digits[1] != 'x'))
			goto octal_or_bad;
		a->is_int = true;
		a->i = v;
		a->f = (double)v;
		return true;
	}
	a->f = strtod(buf, &end);
	if (*end || end == buf || !isdigit((unsigned char)buf[strlen(buf) - 1]))
		return perr(p, t.pos, "bad number syntax: \"%s\"", buf);
	return true;
octal_or_bad:
	/* Go reads 0755 as octal */
	if (base == 10 && digits[0] == '0') {
		errno = 0;
		long long v = strtoll(digits, &end, 8);
		if (!*end && !errno) {
			a->is_int = true;
			a->i = buf[0] == '-' ? -v : v;
			a->f = (double)a->i;
			return true;
		}
	}
	return perr(p, t.pos, "bad number syntax: \"%s\"", buf);
}

static bool parse_literal(struct parser *p, struct tok t, struct gt_arg *a)
{
	struct cubo_strbuf b = {0};
	switch (t.type) {
	case T_NUMBER:
		return parse_number(p, t, a);
	case T_RAW:
		a->kind = GA_STRING;
		cubo_strbuf_add(&b, p->s + t.pos + 1, t.len - 2); /* NUL bytes and all */
		a->slen = b.len;
		a->s = cubo_strbuf_take(&b);
		return true;
	case T_STRING:
		if (!unquote(p->s + t.pos + 1, t.len - 2, &b)) {
			free(b.s);
			return perr(p, t.pos, "bad string syntax: %.*s",
				    (int)(t.len > 40 ? 40 : t.len), p->s + t.pos);
		}
		a->kind = GA_STRING;
		a->slen = b.len;
		a->s = cubo_strbuf_take(&b);
		return true;
	default: { /* T_CHAR: a number, as in Go */
		bool ok = unquote(p->s + t.pos + 1, t.len - 2, &b);
		size_t used = 0;
		long cp = ok && b.len ? utf8_decode((unsigned char *)b.s, b.len, &used) : -1;
		if (t.len > 2 && p->s[t.pos + 1] == '\\' && p->s[t.pos + 2] == 'x' && b.len == 1) {
			cp = (unsigned char)b.s[0];
			used = 1;
		}
		free(b.s);
		if (cp < 0 || used != b.len)
			return perr(p, t.pos, "malformed character constant: %.*s",
				    (int)(t.len > 40 ? 40 : t.len), p->s + t.pos);
		a->kind = GA_NUMBER;
		a->is_int = true;
		a->i = cp;
		a->f = (double)cp;
		return true;
	}
	}
}

/* ---- pipelines ---- */

static void free_pipe(struct gt_pipe *pp);

static void free_arg(struct gt_arg *a)
{
	free(a->s);
	for (size_t i = 0; i < a->n_fields; i++)
		free(a->fields[i]);
	free(a->fields);
	free_pipe(a->pipe);
}

static void free_pipe(struct gt_pipe *pp)
{
	if (!pp)
		return;
	for (size_t i = 0; i < pp->n_decl; i++)
		free(pp->decl[i]);
	for (size_t c = 0; c < pp->n_cmds; c++) {
		for (size_t i = 0; i < pp->cmds[c].n; i++)
			free_arg(&pp->cmds[c].args[i]);
		free(pp->cmds[c].args);
	}
	free(pp->cmds);
	free(pp);
}

static bool var_known(const struct parser *p, const char *s, size_t n)
{
	for (size_t i = p->n_vars; i-- > 0;)
		if (strlen(p->vars[i]) == n && !memcmp(p->vars[i], s, n))
			return true;
	return false;
}

static void var_push(struct parser *p, const char *name)
{
	p->vars = grow(p->vars, p->n_vars, sizeof(*p->vars));
	p->vars[p->n_vars++] = xstrdup(name);
}

static void vars_pop(struct parser *p, size_t mark)
{
	while (p->n_vars > mark)
		free(p->vars[--p->n_vars]);
}

static struct gt_pipe *parse_pipe(struct parser *p, const char *context, bool in_parens,
				  bool range);

/* Fields right after a term, with no space between: (x).A.B, $v.A */
static void parse_chain(struct parser *p, struct gt_arg *a)
{
	for (;;) {
		struct tok t = peek_tok(p);
		if (t.type != T_FIELD || t.space)
			break;
		next_tok(p);
		a->fields = grow(a->fields, a->n_fields, sizeof(*a->fields));
		a->fields[a->n_fields++] = xstrndup(p->s + t.pos + 1, t.len - 1);
		a->end = t.pos + t.len;
	}
}

static bool parse_operand(struct parser *p, struct tok t, struct gt_arg *a)
{
	memset(a, 0, sizeof(*a));
	a->pos = t.pos;
	a->end = t.pos + t.len;
	switch (t.type) {
	case T_DOT:
		a->kind = GA_DOT;
		break;
	case T_FIELD:
		a->kind = GA_FIELD;
		p->cur = t.pos; /* the chain starts with this field */
		parse_chain(p, a);
		return true;
	case T_VAR:
		if (!var_known(p, p->s + t.pos, t.len))
			return perr(p, t.pos, "undefined variable \"%.*s\"",
				    (int)(t.len > 40 ? 40 : t.len), p->s + t.pos);
		a->kind = GA_VAR;
		a->s = xstrndup(p->s + t.pos, t.len);
		break;
	case T_IDENT:
		a->s = xstrndup(p->s + t.pos, t.len);
		if (!strcmp(a->s, "true") || !strcmp(a->s, "false")) {
			a->kind = GA_BOOL;
			a->b = a->s[0] == 't';
		} else if (!strcmp(a->s, "nil")) {
			a->kind = GA_NIL;
		} else if (gt_func_exists(a->s)) {
			a->kind = GA_FUNC;
			return true; /* no chain after a function name */
		} else {
			return perr(p, t.pos, "function \"%s\" not defined", a->s);
		}
		return true;
	case T_LPAREN:
		if (++p->depth > GOTMPL_MAX_DEPTH)
			return perr(p, t.pos, "nested too deeply (more than %d levels)",
				    GOTMPL_MAX_DEPTH);
		a->kind = GA_PIPE;
		a->pipe = parse_pipe(p, "parenthesized pipeline", true, false);
		p->depth--;
		if (!a->pipe)
			return false;
		a->end = p->cur;
		break;
	case T_NUMBER:
	case T_STRING:
	case T_RAW:
	case T_CHAR:
		return parse_literal(p, t, a);
	default:
		return unexpected(p, t, "operand");
	}
	parse_chain(p, a);
	return true;
}

/* A declaration "$x :=", "$x =", or "$i, $v :=" (range only)? Consumes it if so. */
static bool parse_decl(struct parser *p, struct gt_pipe *pp, bool range)
{
	size_t save = p->cur;
	struct tok v1 = next_tok(p), op = next_tok(p);
	if (v1.type != T_VAR)
		goto none;
	if (op.type == T_COMMA && range) {
		struct tok v2 = next_tok(p), op2 = next_tok(p);
		if (v2.type == T_VAR && op2.type == T_COMMA)
			return perr(p, op2.pos, "too many declarations in range");
		if (v2.type != T_VAR || op2.type != T_DECLARE)
			goto none;
		pp->decl[0] = xstrndup(p->s + v1.pos, v1.len);
		pp->decl[1] = xstrndup(p->s + v2.pos, v2.len);
		pp->n_decl = 2;
		return true;
	}
	if (op.type != T_DECLARE && op.type != T_ASSIGN)
		goto none;
	pp->assign = op.type == T_ASSIGN;
	if (pp->assign && !var_known(p, p->s + v1.pos, v1.len))
		return perr(p, v1.pos, "undefined variable \"%.*s\"",
			    (int)(v1.len > 40 ? 40 : v1.len), p->s + v1.pos);
	pp->decl[0] = xstrndup(p->s + v1.pos, v1.len);
	pp->n_decl = 1;
	return true;
none:
	p->cur = save;
	return true;
}

static struct gt_pipe *parse_pipe(struct parser *p, const char *context, bool in_parens, bool range)
{
	struct gt_pipe *pp = xcalloc(1, sizeof(*pp));
	pp->pos = p->cur;
	if (!parse_decl(p, pp, range))
		goto fail;
	struct gt_cmd *c = NULL;
	for (;;) {
		struct tok t = next_tok(p);
		bool ends = in_parens ? t.type == T_RPAREN : t.type == T_RDELIM;
		if (ends || t.type == T_PIPE) {
			if (!c || !c->n) {
				if (ends && !pp->n_cmds && !c)
					perr(p, t.pos, "missing value for %s", context);
				else
					perr(p, t.pos, "missing value for command");
				goto fail;
			}
			if (ends) {
				p->trim_next = !in_parens && t.len == 4;
				break;
			}
			c = NULL;
			continue;
		}
		if (in_parens && (t.type == T_EOF || t.type == T_RDELIM)) {
			perr(p, t.pos, "unclosed left paren");
			goto fail;
		}
		if (t.type == T_EOF || t.type == T_RDELIM || t.type == T_RPAREN ||
		    t.type == T_DECLARE || t.type == T_ASSIGN || t.type == T_COMMA) {
			unexpected(p, t, in_parens ? "parenthesized pipeline" : "operand");
			goto fail;
		}
		if (!c) {
			pp->cmds = grow(pp->cmds, pp->n_cmds, sizeof(*pp->cmds));
			c = &pp->cmds[pp->n_cmds++];
			memset(c, 0, sizeof(*c));
			c->pos = t.pos;
		} else if (!t.space && t.type != T_LPAREN) {
			unexpected(p, t, "operand");
			goto fail;
		}
		c->args = grow(c->args, c->n, sizeof(*c->args));
		struct gt_arg *a = &c->args[c->n++];
		if (!parse_operand(p, t, a))
			goto fail; /* free_pipe frees what a holds */
		c->end = a->end;
	}
	/* Go: "non executable command in pipeline stage 2" for `x | "lit"` */
	for (size_t k = 1; k < pp->n_cmds; k++) {
		enum gt_arg_kind first = pp->cmds[k].args[0].kind;
		if (first == GA_NUMBER || first == GA_STRING || first == GA_BOOL ||
		    first == GA_NIL || first == GA_DOT) {
			perr(p, pp->cmds[k].pos, "non executable command in pipeline stage %zu",
			     k + 1);
			goto fail;
		}
	}
	for (size_t k = 0; k < pp->n_cmds; k++)
		if (pp->cmds[k].args[0].kind == GA_NIL) {
			perr(p, pp->cmds[k].pos, "nil is not a command");
			goto fail;
		}
	if (pp->n_decl && !pp->assign && p->n_vars + pp->n_decl > GOTMPL_MAX_VARS) {
		perr(p, pp->pos, "more than %d variables in scope", GOTMPL_MAX_VARS);
		goto fail;
	}
	if (pp->n_decl && !pp->assign)
		for (size_t k = 0; k < pp->n_decl; k++)
			var_push(p, pp->decl[k]);
	return pp;
fail:
	free_pipe(pp);
	return NULL;
}

/* ---- lists and control structures ---- */

static void free_list(struct gt_list *l);

static void free_node(struct gt_node *n)
{
	free_pipe(n->pipe);
	free_list(&n->list);
	free_list(&n->else_list);
}

static void free_list(struct gt_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free_node(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static struct gt_node *list_add(struct gt_list *l, enum gt_node_kind kind, size_t pos)
{
	l->v = grow(l->v, l->n, sizeof(*l->v));
	struct gt_node *n = &l->v[l->n++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->pos = pos;
	return n;
}

enum list_end { END_EOF, END_END, END_ELSE, END_ERROR };

static enum list_end parse_list(struct parser *p, struct gt_list *l);

/* After "if"/"range"/"with" (at p->cur): pipeline, body, else, end. */
static bool parse_control(struct parser *p, struct gt_node *n, const char *word)
{
	if (++p->depth > GOTMPL_MAX_DEPTH)
		return perr(p, n->pos, "nested too deeply (more than %d levels)", GOTMPL_MAX_DEPTH);
	size_t mark = p->n_vars;
	bool ok = false;
	n->pipe = parse_pipe(p, word, false, n->kind == GT_RANGE);
	if (!n->pipe)
		goto out;
	if (n->kind == GT_RANGE)
		p->range_depth++;
	enum list_end e = parse_list(p, &n->list);
	if (n->kind == GT_RANGE)
		p->range_depth--;
	if (e == END_ERROR)
		goto out;
	if (e == END_EOF) {
		perr(p, p->len, "unexpected EOF");
		goto out;
	}
	if (e == END_ELSE) {
		/* {{else if ...}} and {{else with ...}}: a nested structure sharing the {{end}} */
		struct tok t = next_tok(p);
		if ((n->kind == GT_IF && tok_is(p, t, "if")) ||
		    (n->kind == GT_WITH && tok_is(p, t, "with"))) {
			vars_pop(p, mark);
			struct gt_node *inner = list_add(&n->else_list, n->kind, t.pos);
			ok = parse_control(p, inner, word);
			goto out;
		}
		if (t.type != T_RDELIM) {
			unexpected(p, t, "else");
			goto out;
		}
		p->trim_next = t.len == 4;
		vars_pop(p, mark);
		e = parse_list(p, &n->else_list);
		if (e == END_ERROR)
			goto out;
		if (e != END_END) {
			perr(p, p->len,
			     e == END_EOF ? "unexpected EOF" : "expected end; found {{else}}");
			goto out;
		}
	}
	ok = true;
out:
	vars_pop(p, mark);
	p->depth--;
	return ok;
}

/* What follows a keyword with no arguments: "}}". */
static bool expect_rdelim(struct parser *p, const char *word)
{
	struct tok t = next_tok(p);
	if (t.type != T_RDELIM)
		return unexpected(p, t, word);
	p->trim_next = t.len == 4;
	return true;
}

/* One action at p->cur (after "{{" and a trim marker). */
static enum list_end parse_action(struct parser *p, struct gt_list *l)
{
	struct tok t = peek_tok(p);
	static const char *const unsupported[] = {"define", "template", "block"};
	for (size_t k = 0; k < 3; k++)
		if (tok_is(p, t, unsupported[k])) {
			perr(p, t.pos, "{{%s}} is not supported", unsupported[k]);
			return END_ERROR;
		}
	if (tok_is(p, t, "end") || tok_is(p, t, "else")) {
		next_tok(p);
		bool end = tok_is(p, t, "end");
		if (end && !expect_rdelim(p, "end"))
			return END_ERROR;
		return end ? END_END : END_ELSE;
	}
	if (tok_is(p, t, "break") || tok_is(p, t, "continue")) {
		next_tok(p);
		bool brk = tok_is(p, t, "break");
		if (!p->range_depth) {
			perr(p, t.pos, "{{%s}} outside {{range}}", brk ? "break" : "continue");
			return END_ERROR;
		}
		list_add(l, brk ? GT_BREAK : GT_CONTINUE, t.pos);
		return expect_rdelim(p, brk ? "break" : "continue") ? END_EOF : END_ERROR;
	}
	enum gt_node_kind kind = tok_is(p, t, "if")	 ? GT_IF
				 : tok_is(p, t, "range") ? GT_RANGE
				 : tok_is(p, t, "with")	 ? GT_WITH
							 : GT_ACTION;
	if (kind != GT_ACTION) {
		next_tok(p);
		struct gt_node *n = list_add(l, kind, t.pos);
		char word[8];
		snprintf(word, sizeof(word), "%.*s", (int)t.len, p->s + t.pos);
		return parse_control(p, n, word) ? END_EOF : END_ERROR;
	}
	struct gt_node *n = list_add(l, GT_ACTION, t.pos);
	n->pipe = parse_pipe(p, "command", false, false);
	return n->pipe ? END_EOF : END_ERROR;
}

/*
 * Text and actions up to {{end}}, {{else}} (consumed: after else, p->cur is
 * inside the action) or the end of the template.
 */
static enum list_end parse_list(struct parser *p, struct gt_list *l)
{
	for (;;) {
		size_t start = p->cur;
		const char *open = memmem(p->s + start, p->len - start, "{{", 2);
		size_t stop = open ? (size_t)(open - p->s) : p->len;
		bool trim_left = open && stop + 3 < p->len + 0 && p->s[stop + 2] == '-' &&
				 stop + 3 < p->len && is_space(p->s[stop + 3]);
		size_t from = start, to = stop;
		if (p->trim_next)
			while (from < to && is_space(p->s[from]))
				from++;
		if (trim_left)
			while (to > from && is_space(p->s[to - 1]))
				to--;
		p->trim_next = false;
		if (to > from) {
			struct gt_node *n = list_add(l, GT_TEXT, from);
			n->text = p->s + from;
			n->len = to - from;
		}
		if (!open)
			return END_EOF;
		p->cur = stop + 2 + (trim_left ? 2 : 0);
		/* a comment ("{{/" "*" ... "*" "/}}"), with optional trim markers */
		if (p->cur + 2 <= p->len && !memcmp(p->s + p->cur, "/*", 2)) {
			const char *close = memmem(p->s + p->cur + 2, p->len - p->cur - 2, "*/", 2);
			if (!close) {
				perr(p, stop, "unclosed comment");
				return END_ERROR;
			}
			p->cur = (size_t)(close - p->s) + 2;
			size_t d = rdelim_at(p, p->cur);
			if (!d) {
				perr(p, stop, "comment ends before closing delimiter");
				return END_ERROR;
			}
			p->trim_next = d == 4;
			p->cur += d;
			continue;
		}
		enum list_end e = parse_action(p, l);
		if (e != END_EOF)
			return e;
	}
}

struct cubo_error *gotmpl_parse(const char *text, size_t len, struct gotmpl **out)
{
	*out = NULL;
	if (len > GOTMPL_MAX_TEXT)
		return cubo_error_new("template: longer than %d bytes", GOTMPL_MAX_TEXT);
	struct gotmpl *t = xcalloc(1, sizeof(*t));
	t->src = xmalloc(len + 1);
	memcpy(t->src, text, len);
	t->src[len] = '\0';
	t->len = len;
	struct parser p = {.s = t->src, .len = len};
	var_push(&p, "$");
	enum list_end e = parse_list(&p, &t->root);
	if (e == END_END && !p.err)
		perr(&p, p.cur, "unexpected {{end}}");
	if (e == END_ELSE && !p.err)
		perr(&p, p.cur, "unexpected {{else}}");
	vars_pop(&p, 0);
	free(p.vars);
	if (p.err) {
		char at[48];
		gt_position(t->src, len, p.err_pos, at, sizeof(at));
		struct cubo_error *err = cubo_error_new("template: :%s: %s", at, p.err);
		free(p.err);
		gotmpl_free(t);
		return err;
	}
	*out = t;
	return NULL;
}

void gotmpl_free(struct gotmpl *t)
{
	if (!t)
		return;
	free_list(&t->root);
	free(t->src);
	free(t);
}

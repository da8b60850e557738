/* SPDX-License-Identifier: Apache-2.0 */
/* Compose's ${VAR} interpolation, and its .env files. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/compose/ctree.h"
#include "cubo-mgr/compose/interp.h"
#include "shared/fs.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* Nested defaults (`${A:-${B:-x}}`) deeper than this are refused. */
#define MAX_NESTING 16

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The last NAME= of env wins, as with cubo_strv_env_get. */
static const char *lookup(char *const *env, const char *name, size_t n)
{
	const char *found = NULL;
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], name, n) && env[i][n] == '=')
			found = env[i] + n + 1;
	return found;
}

static void note_unset(char ***unset, const char *name)
{
	if (unset && !cubo_strv_contains(*unset, name)) {
		size_t n = cubo_strv_len(*unset);
		cubo_strv_push(unset, &n, name);
	}
}

static struct cubo_error *expand(const char *s, size_t len, char *const *env, char ***unset,
				 unsigned depth, struct cubo_strbuf *out);

/* The end of a `${` ... `}` starting at s (just after the brace), nested braces counted. */
static const char *closing_brace(const char *s, const char *end)
{
	unsigned open = 1;
	for (; s < end; s++) {
		if (s[0] == '$' && s + 1 < end && s[1] == '$') {
			s++;
			continue;
		}
		if (s[0] == '$' && s + 1 < end && s[1] == '{')
			open++, s++;
		else if (*s == '}' && !--open)
			return s;
	}
	return NULL;
}

/* The inside of `${...}`: NAME, then nothing or one of :- - :? ? :+ + and a word. */
static struct cubo_error *braced(const char *in, size_t len, char *const *env, char ***unset,
				 unsigned depth, struct cubo_strbuf *out)
{
	size_t n = 0;
	while (n < len && name_char(in[n]))
		n++;
	if (!n || !name_start(in[0]))
		return cubo_error_new("invalid interpolation format: \"${%.*s}\"", (int)len, in);
	char *name = xstrndup(in, n);
	const char *val = lookup(env, in, n);
	const char *op = in + n, *end = in + len;
	bool colon = op < end && *op == ':';
	if (colon)
		op++;
	struct cubo_error *err = NULL;
	if (op == end && !colon) {
		if (!val)
			note_unset(unset, name);
		cubo_strbuf_adds(out, val ? val : "");
	} else if (op < end && (*op == '-' || *op == '?' || *op == '+')) {
		bool missing = !val || (colon && !*val);
		const char *word = op + 1;
		size_t wlen = (size_t)(end - word);
		if (*op == '-') {
			if (missing)
				err = expand(word, wlen, env, unset, depth + 1, out);
			else
				cubo_strbuf_adds(out, val);
		} else if (*op == '+') {
			if (!missing)
				err = expand(word, wlen, env, unset, depth + 1, out);
		} else if (missing) {
			struct cubo_strbuf msg = {0};
			err = expand(word, wlen, env, unset, depth + 1, &msg);
			if (!err)
				err = cubo_error_new("required variable %s is missing a value%s%s",
						     name, msg.len ? ": " : "",
						     msg.len ? msg.s : "");
			free(msg.s);
		} else {
			cubo_strbuf_adds(out, val);
		}
	} else {
		err = cubo_error_new("invalid interpolation format: \"${%.*s}\"", (int)len, in);
	}
	free(name);
	return err;
}

static struct cubo_error *expand(const char *s, size_t len, char *const *env, char ***unset,
				 unsigned depth, struct cubo_strbuf *out)
{
	if (depth > MAX_NESTING)
		return cubo_error_new("variables nested deeper than %d levels", MAX_NESTING);
	const char *end = s + len;
	while (s < end) {
		const char *d = memchr(s, '$', (size_t)(end - s));
		if (!d) {
			cubo_strbuf_add(out, s, (size_t)(end - s));
			break;
		}
		cubo_strbuf_add(out, s, (size_t)(d - s));
		if (d + 1 < end && d[1] == '$') {
			cubo_strbuf_addc(out, '$');
			s = d + 2;
		} else if (d + 1 < end && d[1] == '{') {
			const char *close = closing_brace(d + 2, end);
			if (!close)
				return cubo_error_new("invalid interpolation format: \"%.*s\": "
						      "no closing brace",
						      (int)(end - d), d);
			CUBO_TRY(braced(d + 2, (size_t)(close - d - 2), env, unset, depth, out));
			s = close + 1;
		} else if (d + 1 < end && name_start(d[1])) {
			const char *e = d + 1;
			while (e < end && name_char(*e))
				e++;
			const char *val = lookup(env, d + 1, (size_t)(e - d - 1));
			if (!val) {
				char *name = xstrndup(d + 1, (size_t)(e - d - 1));
				note_unset(unset, name);
				free(name);
			}
			cubo_strbuf_adds(out, val ? val : "");
			s = e;
		} else {
			return cubo_error_new("invalid interpolation format: \"%.*s\": a $ that "
					      "starts no variable (write $$ for a dollar)",
					      (int)(end - d > 20 ? 20 : end - d), d);
		}
	}
	return NULL;
}

struct cubo_error *compose_interpolate(const char *s, char *const *env, char ***unset, char **out)
{
	*out = NULL;
	if (!strchr(s, '$')) {
		*out = xstrdup(s);
		return NULL;
	}
	struct cubo_strbuf b = {0};
	struct cubo_error *err = expand(s, strlen(s), env, unset, 0, &b);
	if (err) {
		free(b.s);
		return err;
	}
	*out = cubo_strbuf_take(&b);
	return NULL;
}

void compose_escape_dollars(struct cnode *n)
{
	if (n->kind != CTREE_SCALAR) {
		for (size_t i = 0; i < n->n; i++)
			compose_escape_dollars(n->v[i]);
		return;
	}
	if (!strchr(n->str, '$'))
		return;
	struct cubo_strbuf b = {0};
	for (const char *s = n->str; *s; s++) {
		if (*s == '$')
			cubo_strbuf_addc(&b, '$');
		cubo_strbuf_addc(&b, *s);
	}
	free(n->str);
	n->str = cubo_strbuf_take(&b);
}

/* ---- .env files ---- */

/* A double-quoted value's escapes: \n \t \r \\ \" \$ (others stay as written). */
static void unescape_double(const char *s, size_t n, struct cubo_strbuf *b)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			cubo_strbuf_addc(b, s[i]);
			continue;
		}
		char c = s[++i];
		switch (c) {
		case 'n':
			cubo_strbuf_addc(b, '\n');
			break;
		case 't':
			cubo_strbuf_addc(b, '\t');
			break;
		case 'r':
			cubo_strbuf_addc(b, '\r');
			break;
		case '\\':
		case '"':
			cubo_strbuf_addc(b, c);
			break;
		case '$':
			cubo_strbuf_adds(b, "$$");
			break;
		default:
			cubo_strbuf_addc(b, '\\');
			cubo_strbuf_addc(b, c);
		}
	}
}

/* The env to look values up in: the file's variables so far, env winning (it comes last). */
static char **lookup_env(char *const *vars, char *const *env)
{
	char **v = cubo_strv_dup(vars);
	size_t n = cubo_strv_len(v);
	for (size_t i = 0; env && env[i]; i++)
		cubo_strv_push(&v, &n, env[i]);
	return v;
}

static struct cubo_error *add_var(const char *key, size_t klen, const char *raw, bool interp,
				  char *const *env, char ***vars)
{
	char *val;
	if (interp) {
		char **look = lookup_env(*vars, env);
		struct cubo_error *err = compose_interpolate(raw, look, NULL, &val);
		cubo_strv_free(look);
		CUBO_TRY(err);
	} else {
		val = xstrdup(raw);
	}
	char *kv = xasprintf("%.*s=%s", (int)klen, key, val);
	free(val);
	size_t n = cubo_strv_len(*vars);
	cubo_strv_push(vars, &n, kv);
	free(kv);
	return NULL;
}

struct cubo_error *compose_dotenv_parse(const char *text, const char *name, char *const *env,
					char ***vars)
{
	if (!*vars)
		*vars = xcalloc(1, sizeof(**vars));
	const char *p = text;
	unsigned line = 0;
	while (*p) {
		line++;
		const char *eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		const char *s = p;
		while (s < eol && isspace((unsigned char)*s))
			s++;
		p = *eol ? eol + 1 : eol;
		if (s == eol || *s == '#')
			continue;
		if (!strncmp(s, "export", 6) && s + 6 < eol && isblank((unsigned char)s[6]))
			for (s += 6; s < eol && isblank((unsigned char)*s);)
				s++;
		const char *k = s;
		while (s < eol && (name_char(*s) || *s == '.' || *s == '-'))
			s++;
		size_t klen = (size_t)(s - k);
		while (s < eol && isblank((unsigned char)*s))
			s++;
		if (!klen || (s < eol && *s != '='))
			return cubo_error_new("%s:%u: expected NAME=VALUE", name, line);
		if (s == eol || eol[-1] == '\r') {
			/* a bare name: its value comes from the environment, if it has one */
			const char *v = lookup(env, k, klen);
			if (v)
				CUBO_TRY(add_var(k, klen, v, false, env, vars));
			continue;
		}
		s++;
		while (s < eol && isblank((unsigned char)*s))
			s++;
		struct cubo_error *err;
		if (s < eol && (*s == '\'' || *s == '"')) {
			char q = *s++;
			const char *close = s;
			/* a quoted value may go on over lines */
			while (*close && !(*close == q && (q == '\'' || close[-1] != '\\')))
				close++;
			if (!*close)
				return cubo_error_new(
					"%s:%u: a %s-quoted value without its closing "
					"quote",
					name, line, q == '"' ? "double" : "single");
			for (const char *c = s; c < close; c++)
				line += *c == '\n';
			struct cubo_strbuf b = {0};
			if (q == '"')
				unescape_double(s, (size_t)(close - s), &b);
			else
				cubo_strbuf_add(&b, s, (size_t)(close - s));
			char *raw = cubo_strbuf_take(&b);
			err = add_var(k, klen, raw, q == '"', env, vars);
			free(raw);
			eol = strchr(close, '\n');
			p = eol ? eol + 1 : close + strlen(close);
		} else {
			/* unquoted: up to a " #" comment, trailing blanks dropped */
			const char *e = s;
			while (e < eol && !(*e == '#' && e > s && isblank((unsigned char)e[-1])))
				e++;
			while (e > s && isspace((unsigned char)e[-1]))
				e--;
			char *raw = xstrndup(s, (size_t)(e - s));
			err = add_var(k, klen, raw, true, env, vars);
			free(raw);
		}
		if (err)
			return cubo_error_wrap(err, "%s:%u", name, line);
	}
	return NULL;
}

struct cubo_error *compose_read_file(const char *path, char **text, size_t *len)
{
	return cubo_read_regular_file(path, COMPOSE_MAX_FILE, text, len);
}

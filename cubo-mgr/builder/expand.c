/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's variable substitution for build-file words: $NAME, ${NAME},
 * ${NAME:-word}, ${NAME-word}, ${NAME:+word}, ${NAME+word}, ${NAME:?msg} and
 * ${NAME?msg}; the word of a modifier is expanded itself.
 *
 * Escapes: \$ is a literal dollar and \\ a literal backslash (so a literal
 * backslash in front of a $ can be written); inside a modifier word \} is a
 * literal brace. Any other backslash is kept as it is, so Windows-looking
 * paths and regular expressions pass through. The text Cubofile parser
 * writes quoted values in this form (a '$' inside single quotes becomes
 * \$), so quoting keeps docker's meaning.
 *
 * As in docker, a '$' not followed by a name or '{' is kept, $1 (digits)
 * names a variable that is never set, and an unknown name expands to "".
 */
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/builder/instr.h"
#include "shared/strbuf.h"

struct expand {
	const char *word; /* the whole word, for messages */
	char *const *vars;
	size_t n_vars;
	int depth; /* of nested modifier words */
};

/* ${a:-${b:-...}} deeper than this is refused rather than recursed into */
#define EXPAND_MAX_DEPTH 32

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || is_digit(c);
}

/* A name at p: letters, digits and '_' not starting with a digit, or digits only. */
static size_t name_len(const char *p)
{
	size_t n = 0;

	if (is_digit(p[0])) {
		while (is_digit(p[n]))
			n++;
		return n;
	}
	if (!is_name_start(p[0]))
		return 0;
	while (is_name_char(p[n]))
		n++;
	return n;
}

/* The value of the last "NAME=..." entry, NULL when there is none. */
static const char *lookup(const struct expand *x, const char *name, size_t len)
{
	const char *found = NULL;

	for (size_t i = 0; i < x->n_vars; i++) {
		const char *v = x->vars[i];
		if (v && strncmp(v, name, len) == 0 && v[len] == '=')
			found = v + len + 1;
	}
	return found;
}

static struct cubo_error *expand_into(struct expand *x, const char **pp, bool in_brace,
				      struct cubo_strbuf *b);

/* p is just past "${". */
static struct cubo_error *expand_brace(struct expand *x, const char **pp, struct cubo_strbuf *b)
{
	const char *p = *pp;
	size_t n = name_len(p);
	const char *name = p;
	bool colon = false;
	char op = 0;

	if (n == 0) {
		if (!*p)
			return cubo_error_new("unterminated \"${\" in \"%s\"", x->word);
		return cubo_error_new("bad variable name in \"%s\"", x->word);
	}
	p += n;
	if (*p == ':' && (p[1] == '-' || p[1] == '+' || p[1] == '?')) {
		colon = true;
		op = p[1];
		p += 2;
	} else if (*p == '-' || *p == '+' || *p == '?') {
		op = *p++;
	} else if (*p == '\0') {
		return cubo_error_new("unterminated \"${\" in \"%s\"", x->word);
	} else if (*p != '}') {
		if (is_digit(name[0]) && is_name_char(*p))
			return cubo_error_new("bad variable name in \"%s\"", x->word);
		return cubo_error_new("bad substitution in \"%s\"", x->word);
	}

	const char *val = lookup(x, name, n);
	if (!op) {
		p++; /* the '}' */
		if (val)
			cubo_strbuf_add(b, val, strlen(val));
		*pp = p;
		return NULL;
	}

	if (x->depth >= EXPAND_MAX_DEPTH)
		return cubo_error_new("substitutions nested too deeply in \"%s\"", x->word);
	struct cubo_strbuf alt = {0};
	cubo_strbuf_add(&alt, "", 0);
	x->depth++;
	struct cubo_error *err = expand_into(x, &p, true, &alt);
	x->depth--;
	if (err) {
		free(alt.s);
		return err;
	}
	p++; /* the '}' */
	bool set = colon ? val && *val : val != NULL;
	switch (op) {
	case '-':
		if (set)
			cubo_strbuf_add(b, val, strlen(val));
		else
			cubo_strbuf_add(b, alt.s, alt.len);
		break;
	case '+':
		if (set)
			cubo_strbuf_add(b, alt.s, alt.len);
		break;
	case '?':
		if (!set) {
			if (alt.len)
				err = cubo_error_new("%.*s: %s", (int)n, name, alt.s);
			else
				err = cubo_error_new("%.*s is not set", (int)n, name);
			free(alt.s);
			return err;
		}
		cubo_strbuf_add(b, val, strlen(val));
		break;
	}
	free(alt.s);
	*pp = p;
	return NULL;
}

/* Expand up to the end of the string, or in a modifier word up to its '}' (left at *pp). */
static struct cubo_error *expand_into(struct expand *x, const char **pp, bool in_brace,
				      struct cubo_strbuf *b)
{
	const char *p = *pp;

	while (*p) {
		if (*p == '\\' && (p[1] == '$' || p[1] == '\\' || (in_brace && p[1] == '}'))) {
			cubo_strbuf_addc(b, p[1]);
			p += 2;
			continue;
		}
		if (in_brace && *p == '}') {
			*pp = p;
			return NULL;
		}
		if (*p != '$') {
			const char *end = p + 1;
			while (*end && *end != '$' && *end != '\\' && !(in_brace && *end == '}'))
				end++;
			cubo_strbuf_add(b, p, (size_t)(end - p));
			p = end;
			continue;
		}
		p++;
		if (*p == '{') {
			p++;
			CUBO_TRY(expand_brace(x, &p, b));
			continue;
		}
		size_t n = name_len(p);
		if (n == 0) {
			cubo_strbuf_addc(b, '$'); /* a lone dollar stays */
			continue;
		}
		const char *val = lookup(x, p, n);
		if (val)
			cubo_strbuf_add(b, val, strlen(val));
		p += n;
	}
	if (in_brace)
		return cubo_error_new("unterminated \"${\" in \"%s\"", x->word);
	*pp = p;
	return NULL;
}

struct cubo_error *build_expand(const char *word, char *const *vars, size_t n_vars, char **out)
{
	struct expand x = {.word = word, .vars = vars, .n_vars = vars ? n_vars : 0};
	struct cubo_strbuf b = {0};
	const char *p = word;

	*out = NULL;
	cubo_strbuf_add(&b, "", 0);
	struct cubo_error *err = expand_into(&x, &p, false, &b);
	if (err) {
		free(b.s);
		return err;
	}
	*out = b.s;
	return NULL;
}

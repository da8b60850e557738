/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The text Cubofile: Dockerfile syntax, with BASE as a synonym of FROM.
 *
 * Lines are read as docker's parser reads them: parser directives at the top
 * (only "# escape=" changes anything; "# syntax=" and "# check=" are
 * accepted and ignored), '#' comments at the start of a line, the escape
 * character (\ or `) at the end of a line continuing the instruction, and
 * comment and blank lines inside a continued instruction skipped. The
 * continuation is removed with its newline: "a \<newline>  b" is "a   b".
 *
 * Words docker expands (FROM, COPY/ADD and their flags, ENV, ARG, LABEL,
 * WORKDIR, USER, STOPSIGNAL, EXPOSE, VOLUME outside the JSON form) are split
 * and unquoted here as docker's word lexer does: "double" quotes (where the
 * escape character escapes only ", $ and itself), 'single' quotes, and the
 * escape character outside quotes taking the next character literally. What
 * is stored is the input of build_expand(): a $ that must stay literal (in
 * single quotes, or escaped) is written \$, and a literal backslash \\, so
 *
 *   ENV A='$HOME' B="$HOME" C=\$HOME
 *
 * stores A=\$HOME B=$HOME C=\$HOME, and the executor's build_expand() gives
 * "$HOME", the value of HOME, and "$HOME", as docker does. The shell and
 * JSON forms of RUN, CMD, ENTRYPOINT and SHELL are kept exactly as written
 * (docker does not expand them either).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yajl/yajl_tree.h>

#include "cubo-mgr/builder/instr.h"
#include "cubo-mgr/container/health.h"
#include "shared/json.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* ---- small helpers ---- */

/* An empty, NULL-terminated vector. */
static char **strv_empty(void)
{
	return xcalloc(1, sizeof(char *));
}

/* Whitespace as docker's reWhitespace: [\t\v\f\r ] (a newline cannot occur here). */
static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

static const char *skip_ws(const char *s)
{
	while (is_ws(*s))
		s++;
	return s;
}

/* ---- the parser ---- */

struct parser {
	const char *path;
	char esc; /* the escape character: '\\' or '`' */
	struct build_file *f;
	bool seen_from;
	int line;	      /* of the instruction being parsed */
	const char *keyword;  /* as written, upper-cased */
	size_t n_ports;	      /* EXPOSE entries so far, a range counted port by port */
	bool heredoc;	      /* the RUN being parsed has heredocs, already read in */
	char *heredoc_script; /* RUN <<EOF with no command: the script itself */
	bool no_line;	      /* one trigger, not a file: errors name no line */
};

static struct cubo_error *perr(const struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct cubo_error *perr(const struct parser *p, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	struct cubo_error *err = p->no_line ? cubo_error_new("%s: %s", p->path, msg)
					    : cubo_error_new("%s:%d: %s", p->path, p->line, msg);
	free(msg);
	return err;
}

/*
 * The end of the raw word starting at s (not at whitespace): docker's
 * parseWords, which keeps quotes and escapes in the word. Quotes group
 * whitespace; an unterminated quote runs to the end of the line.
 */
static const char *word_end(const struct parser *p, const char *s)
{
	char quote = 0;

	while (*s) {
		if (!quote) {
			if (is_ws(*s))
				break;
			if (*s == '\'' || *s == '"') {
				quote = *s++;
				continue;
			}
			if (*s == p->esc) {
				s++;
				if (*s)
					s++;
				continue;
			}
			s++;
			continue;
		}
		if (*s == quote) {
			quote = 0;
			s++;
			continue;
		}
		if (*s == p->esc && quote != '\'') {
			s++;
			if (*s)
				s++;
			continue;
		}
		s++;
	}
	return s;
}

/* Where the first '=' outside quotes is in the raw word [s, end), or NULL. */
static const char *find_eq(const struct parser *p, const char *s, const char *end)
{
	char quote = 0;

	for (; s < end; s++) {
		if (quote) {
			if (*s == quote)
				quote = 0;
			else if (*s == p->esc && quote != '\'' && s + 1 < end)
				s++;
		} else if (*s == '\'' || *s == '"') {
			quote = *s;
		} else if (*s == p->esc && s + 1 < end) {
			s++;
		} else if (*s == '=') {
			return s;
		}
	}
	return NULL;
}

/* A literal character in build_expand's input: '$' and '\' are escaped. */
static void add_literal(struct cubo_strbuf *b, char c)
{
	if (c == '$' || c == '\\')
		cubo_strbuf_addc(b, '\\');
	cubo_strbuf_addc(b, c);
}

/*
 * Unquote the raw text [s, end) as docker's word lexer does, into
 * build_expand's input (see the top of the file). Whitespace outside quotes
 * is kept (the callers split words first where words are wanted).
 */
static struct cubo_error *unquote(const struct parser *p, const char *s, const char *end,
				  char **out)
{
	struct cubo_strbuf b = {0};
	char quote = 0;

	for (; s < end; s++) {
		char c = *s;
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				add_literal(&b, c);
		} else if (quote == '"') {
			if (c == '"') {
				quote = 0;
			} else if (c == p->esc) {
				if (s + 1 == end)
					continue; /* ignored at the end, as docker does */
				char n = s[1];
				if (n == '$' || n == '"' || n == p->esc) {
					add_literal(&b, n);
					s++;
				} else {
					add_literal(&b, c); /* kept, and n is read normally */
				}
			} else {
				/* '$' stays a reference inside double quotes */
				if (c == '\\')
					cubo_strbuf_add(&b, "\\\\", 2);
				else
					cubo_strbuf_addc(&b, c);
			}
		} else if (c == '\'' || c == '"') {
			quote = c;
		} else if (c == p->esc) {
			if (s + 1 < end)
				add_literal(&b, *++s);
		} else if (c == '\\') {
			cubo_strbuf_add(&b, "\\\\", 2); /* with ` as the escape, \ is plain */
		} else {
			cubo_strbuf_addc(&b, c);
		}
	}
	if (quote) {
		free(b.s);
		*out = NULL;
		return perr(p, "%s: unterminated %s quote", p->keyword,
			    quote == '"' ? "double" : "single");
	}
	*out = cubo_strbuf_take(&b);
	return NULL;
}

/* A raw word, for messages. */
static char *raw(const char *s, const char *end)
{
	return xstrndup(s, (size_t)(end - s));
}

/*
 * Split s into words (quotes group whitespace) and unquote each. *out is
 * NULL-terminated, *n its length.
 */
static struct cubo_error *split_words(const struct parser *p, const char *s, char ***out, size_t *n)
{
	char **v = strv_empty();
	size_t len = 0;

	for (s = skip_ws(s); *s; s = skip_ws(s)) {
		const char *end = word_end(p, s);
		char *w;
		struct cubo_error *err = unquote(p, s, end, &w);
		if (err) {
			cubo_strv_free(v);
			return err;
		}
		cubo_strv_push(&v, &len, w);
		free(w);
		s = end;
	}
	*out = v;
	*n = len;
	return NULL;
}

/*
 * A JSON array of strings (docker's exec form). *is_json is false when rest
 * is not valid JSON at all (the caller then takes the shell or word form);
 * valid JSON that is not an array of strings is an error, as in docker.
 */
static struct cubo_error *parse_json_array(const struct parser *p, const char *rest, bool *is_json,
					   char ***out, size_t *n)
{
	yajl_val v = NULL;
	struct cubo_error *err;

	*is_json = false;
	*out = NULL;
	if (*rest != '[')
		return NULL;
	err = cubo_json_parse(rest, strlen(rest), p->path, &v);
	if (err) {
		cubo_error_free(err);
		return NULL;
	}
	*is_json = true;
	if (!YAJL_IS_ARRAY(v)) {
		yajl_tree_free(v);
		return perr(p, "%s: the JSON form must be an array of strings", p->keyword);
	}
	char **vec = strv_empty();
	size_t len = 0;
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val e = v->u.array.values[i];
		if (!YAJL_IS_STRING(e)) {
			cubo_strv_free(vec);
			yajl_tree_free(v);
			return perr(p, "%s: the JSON form must be an array of strings", p->keyword);
		}
		cubo_strv_push(&vec, &len, e->u.string);
	}
	yajl_tree_free(v);
	*out = vec;
	*n = len;
	return NULL;
}

/* The JSON form, or else words: COPY, ADD, VOLUME. */
static struct cubo_error *parse_json_or_words(const struct parser *p, const char *rest, char ***out,
					      size_t *n)
{
	bool is_json;

	CUBO_TRY(parse_json_array(p, rest, &is_json, out, n));
	if (is_json)
		return NULL;
	return split_words(p, rest, out, n);
}

/* ---- flags: --name=value before the arguments ---- */

struct flag {
	char *name;  /* without the "--" */
	char *value; /* unquoted; NULL for a bare --name */
};

struct flags {
	struct flag *v;
	size_t n;
};

static void flags_free(struct flags *fl)
{
	for (size_t i = 0; i < fl->n; i++) {
		free(fl->v[i].name);
		free(fl->v[i].value);
	}
	free(fl->v);
	memset(fl, 0, sizeof(*fl));
}

/* Words starting with "--" at the start of *rest; *rest is left at the arguments. */
static struct cubo_error *parse_flags(const struct parser *p, const char **rest, struct flags *fl)
{
	const char *s = skip_ws(*rest);

	while (s[0] == '-' && s[1] == '-') {
		const char *end = word_end(p, s);
		if (end == s + 2) { /* "--" ends the flags */
			s = skip_ws(end);
			break;
		}
		const char *eq = find_eq(p, s, end);
		struct flag f = {0};
		struct cubo_error *err = NULL;
		if (eq) {
			f.name = raw(s + 2, eq);
			err = unquote(p, eq + 1, end, &f.value);
		} else {
			f.name = raw(s + 2, end);
		}
		if (err) {
			free(f.name);
			return err;
		}
		fl->v = xreallocarray(fl->v, fl->n + 1, sizeof(*fl->v));
		fl->v[fl->n++] = f;
		s = skip_ws(end);
	}
	*rest = s;
	return NULL;
}

/* ---- instructions ---- */

static struct build_instr *new_instr(struct parser *p, enum build_op op, const char *text)
{
	struct build_file *f = p->f;

	f->v = xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	struct build_instr *in = &f->v[f->n++];
	memset(in, 0, sizeof(*in));
	in->op = op;
	in->line = p->line;
	in->text = xstrdup(text);
	return in;
}

/* Drop the instruction just added (its parse failed). */
static void drop_last(struct parser *p)
{
	build_instr_clear(&p->f->v[--p->f->n]);
}

static void kv_add(struct build_kv **v, size_t *n, char *key, char *value, bool has_value)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].key = key;
	(*v)[*n].value = value ? value : xstrdup("");
	(*v)[*n].has_value = has_value;
	(*n)++;
}

static struct cubo_error *no_flags(const struct parser *p, const struct flags *fl)
{
	if (fl->n)
		return perr(p, "unknown %s flag \"--%s\"", p->keyword, fl->v[0].name);
	return NULL;
}

static bool valid_stage_name(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == '.'))
			return false;
	return true;
}

static struct cubo_error *do_from(struct parser *p, struct build_instr *in, const char *rest,
				  const struct flags *fl)
{
	for (size_t i = 0; i < fl->n; i++) {
		const struct flag *f = &fl->v[i];
		if (strcmp(f->name, "platform") != 0)
			return perr(p, "unknown %s flag \"--%s\"", p->keyword, f->name);
		/* the build runs for this machine: only the platforms that name it */
		if (!f->value || (strcmp(f->value, "$BUILDPLATFORM") != 0 &&
				  strcmp(f->value, "${BUILDPLATFORM}") != 0 &&
				  strcmp(f->value, "$TARGETPLATFORM") != 0 &&
				  strcmp(f->value, "${TARGETPLATFORM}") != 0))
			return perr(p,
				    "%s --platform=%s is not supported: builds are for this "
				    "machine's platform (only $BUILDPLATFORM and $TARGETPLATFORM "
				    "are accepted)",
				    p->keyword, f->value ? f->value : "");
	}

	char **w;
	size_t n;
	CUBO_TRY(split_words(p, rest, &w, &n));
	if (n == 0) {
		cubo_strv_free(w);
		return perr(p, "%s needs an image", p->keyword);
	}
	if (n != 1 && (n != 3 || strcasecmp(w[1], "AS") != 0)) {
		cubo_strv_free(w);
		return perr(p, "expected %s IMAGE [AS NAME]", p->keyword);
	}
	if (!*w[0]) {
		cubo_strv_free(w);
		return perr(p, "%s needs an image", p->keyword);
	}
	in->image = xstrdup(w[0]);
	if (n == 3) {
		for (char *c = w[2]; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!valid_stage_name(w[2])) {
			struct cubo_error *err =
				perr(p,
				     "bad stage name \"%s\": a letter, then letters, digits, '-', "
				     "'_' or '.'",
				     w[2]);
			cubo_strv_free(w);
			return err;
		}
		for (size_t i = 0; i + 1 < p->f->n; i++) {
			const struct build_instr *o = &p->f->v[i];
			if (o->op == BUILD_FROM && o->stage_name && !strcmp(o->stage_name, w[2])) {
				struct cubo_error *err =
					perr(p, "duplicate stage name \"%s\" (first at line %d)",
					     w[2], o->line);
				cubo_strv_free(w);
				return err;
			}
		}
		in->stage_name = xstrdup(w[2]);
	}
	cubo_strv_free(w);
	return NULL;
}

/* RUN, CMD, ENTRYPOINT: the JSON form, or else the shell form (the line as written). */
static struct cubo_error *do_command(struct parser *p, struct build_instr *in, const char *rest,
				     const struct flags *fl)
{
	bool is_json;
	size_t n;

	if (fl->n) {
		const char *name = fl->v[0].name;
		if (in->op == BUILD_RUN && (!strcmp(name, "mount") || !strcmp(name, "network") ||
					    !strcmp(name, "security")))
			return perr(p, "RUN --%s is not supported", name);
		return no_flags(p, fl);
	}
	if (in->op == BUILD_RUN && p->heredoc) {
		/* the shell runs the script, or reads the heredocs as it would from a script */
		in->shell_form = true;
		in->args = strv_empty();
		cubo_strv_push(&in->args, NULL, p->heredoc_script ? p->heredoc_script : rest);
		return NULL;
	}
	if (rest[0] == '<' && rest[1] == '<')
		return perr(p, "%s: heredocs are supported in RUN only", p->keyword);
	CUBO_TRY(parse_json_array(p, rest, &is_json, &in->args, &n));
	if (is_json) {
		if (n == 0 && in->op == BUILD_RUN)
			return perr(p, "RUN needs a command");
		return NULL;
	}
	if (!*rest)
		return perr(p, "%s needs a command", p->keyword);
	in->shell_form = true;
	in->args = strv_empty();
	cubo_strv_push(&in->args, NULL, rest);
	return NULL;
}

static struct cubo_error *do_shell(struct parser *p, struct build_instr *in, const char *rest,
				   const struct flags *fl)
{
	bool is_json;
	size_t n;

	CUBO_TRY(no_flags(p, fl));
	CUBO_TRY(parse_json_array(p, rest, &is_json, &in->args, &n));
	if (!is_json || n == 0)
		return perr(p, "SHELL needs the JSON form: SHELL [\"executable\", \"parameters\"]");
	return NULL;
}

static bool is_octal_mode(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 4)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '7')
			return false;
	return true;
}

static struct cubo_error *do_copy(struct parser *p, struct build_instr *in, const char *rest,
				  const struct flags *fl)
{
	bool is_copy = in->op == BUILD_COPY;

	for (size_t i = 0; i < fl->n; i++) {
		const struct flag *f = &fl->v[i];
		char **slot = NULL;
		if (is_copy && !strcmp(f->name, "from"))
			slot = &in->from_stage;
		else if (!strcmp(f->name, "chown"))
			slot = &in->chown;
		else if (!strcmp(f->name, "chmod"))
			slot = &in->chmod;
		else if (!strcmp(f->name, "link"))
			/* only a cache optimisation in docker: the result is the same */
			continue;
		else if ((is_copy &&
			  (!strcmp(f->name, "parents") || !strcmp(f->name, "exclude"))) ||
			 (!is_copy &&
			  (!strcmp(f->name, "checksum") || !strcmp(f->name, "keep-git-dir") ||
			   !strcmp(f->name, "exclude"))))
			return perr(p, "%s --%s is not supported", p->keyword, f->name);
		else
			return perr(p, "unknown %s flag \"--%s\"", p->keyword, f->name);
		if (!f->value || !*f->value)
			return perr(p, "%s --%s needs a value (--%s=...)", p->keyword, f->name,
				    f->name);
		if (*slot)
			return perr(p, "%s --%s given twice", p->keyword, f->name);
		if (slot == &in->chmod && !strchr(f->value, '$') && !is_octal_mode(f->value))
			return perr(p, "%s --chmod=%s: expected an octal mode such as 0755",
				    p->keyword, f->value);
		*slot = xstrdup(f->value);
	}
	if (rest[0] == '<' && rest[1] == '<')
		return perr(p, "%s: heredocs are supported in RUN only", p->keyword);

	char **w;
	size_t n;
	CUBO_TRY(parse_json_or_words(p, rest, &w, &n));
	if (n < 2) {
		cubo_strv_free(w);
		return perr(p, "%s needs a source and a destination", p->keyword);
	}
	if (!is_copy)
		for (size_t i = 0; i + 1 < n; i++)
			if (!strncmp(w[i], "http://", 7) || !strncmp(w[i], "https://", 8) ||
			    !strncmp(w[i], "git@", 4)) {
				struct cubo_error *err =
					perr(p,
					     "ADD from a URL is not supported (\"%s\"): download "
					     "it in a RUN step",
					     w[i]);
				cubo_strv_free(w);
				return err;
			}
	in->dest = w[n - 1];
	w[n - 1] = NULL;
	in->sources = w;
	return NULL;
}

/* ENV and LABEL: NAME=VALUE pairs, or the legacy NAME VALUE WITH SPACES. */
static struct cubo_error *do_pairs(struct parser *p, struct build_instr *in, const char *rest,
				   const struct flags *fl)
{
	const char *what = in->op == BUILD_ENV ? "NAME=VALUE" : "KEY=VALUE";
	const char *s = rest;

	CUBO_TRY(no_flags(p, fl));
	if (!*s)
		return perr(p, "%s needs %s", p->keyword, what);
	const char *end = word_end(p, s);
	if (!find_eq(p, s, end)) {
		/* legacy: the first word is the name, the rest of the line the value */
		char *key, *value;
		const char *v = skip_ws(end);
		CUBO_TRY(unquote(p, s, end, &key));
		if (!*v) {
			struct cubo_error *err = perr(p, "%s %s needs a value (%s %s=VALUE)",
						      p->keyword, key, p->keyword, key);
			free(key);
			return err;
		}
		struct cubo_error *err = unquote(p, v, v + strlen(v), &value);
		if (err) {
			free(key);
			return err;
		}
		kv_add(&in->kv, &in->n_kv, key, value, true);
		return NULL;
	}
	for (; *s; s = skip_ws(end)) {
		end = word_end(p, s);
		const char *eq = find_eq(p, s, end);
		if (!eq) {
			char *w = raw(s, end);
			struct cubo_error *err =
				perr(p, "%s: expected %s, got \"%s\"", p->keyword, what, w);
			free(w);
			return err;
		}
		char *key, *value;
		CUBO_TRY(unquote(p, s, eq, &key));
		if (!*key) {
			char *w = raw(s, end);
			struct cubo_error *err = perr(p, "%s: empty name in \"%s\"", p->keyword, w);
			free(w);
			free(key);
			return err;
		}
		struct cubo_error *err = unquote(p, eq + 1, end, &value);
		if (err) {
			free(key);
			return err;
		}
		kv_add(&in->kv, &in->n_kv, key, value, true);
	}
	return NULL;
}

/* ARG NAME, ARG NAME=default, several in one line; into v or, before any FROM, global_args. */
static struct cubo_error *do_arg(struct parser *p, struct build_kv **kv, size_t *n_kv,
				 const char *rest, const struct flags *fl)
{
	const char *s = rest, *end;

	CUBO_TRY(no_flags(p, fl));
	if (!*s)
		return perr(p, "ARG needs a name");
	for (; *s; s = skip_ws(end)) {
		end = word_end(p, s);
		const char *eq = find_eq(p, s, end);
		char *key, *value = NULL;
		CUBO_TRY(unquote(p, s, eq ? eq : end, &key));
		if (!*key || strchr(key, '$') || strchr(key, '\\')) {
			char *w = raw(s, end);
			struct cubo_error *err = perr(p, "ARG: bad name in \"%s\"", w);
			free(w);
			free(key);
			return err;
		}
		if (eq) {
			struct cubo_error *err = unquote(p, eq + 1, end, &value);
			if (err) {
				free(key);
				return err;
			}
		}
		kv_add(kv, n_kv, key, value, eq != NULL);
	}
	return NULL;
}

/* WORKDIR, USER, STOPSIGNAL: the rest of the line, unquoted. */
static struct cubo_error *do_value(struct parser *p, struct build_instr *in, const char *rest,
				   const struct flags *fl)
{
	static const char *const needs[] = {
		[BUILD_WORKDIR] = "a directory",
		[BUILD_USER] = "a user",
		[BUILD_STOPSIGNAL] = "a signal",
	};

	CUBO_TRY(no_flags(p, fl));
	CUBO_TRY(unquote(p, rest, rest + strlen(rest), &in->value));
	if (!*in->value)
		return perr(p, "%s needs %s", p->keyword, needs[in->op]);
	return NULL;
}

/* "80", "8080/tcp", "53/udp", "8000-8010/tcp": start and end port, protocol. */
static bool parse_port(const char *s, unsigned *lo, unsigned *hi, const char **proto)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	unsigned long a = strtoul(s, &end, 10), b = a;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return false;
		b = strtoul(end + 1, &end, 10);
	}
	if (*end != '\0' && *end != '/')
		return false;
	if (a < 1 || a > 65535 || b < a || b > 65535)
		return false;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	*proto = *end == '/' ? end + 1 : NULL;
	return true;
}

/* every port of every protocol: more can only be the same ports again */
#define EXPOSE_MAX_PORTS (3 * 65535)

static struct cubo_error *do_expose(struct parser *p, struct build_instr *in, const char *rest,
				    const struct flags *fl)
{
	char **w;
	size_t n, len = 0;

	CUBO_TRY(no_flags(p, fl));
	CUBO_TRY(split_words(p, rest, &w, &n));
	if (n == 0) {
		cubo_strv_free(w);
		return perr(p, "EXPOSE needs a port");
	}
	in->list = strv_empty();
	for (size_t i = 0; i < n; i++) {
		unsigned lo, hi;
		const char *proto;
		char lower[8];
		if (strchr(w[i], '$')) { /* checked by the executor once expanded */
			cubo_strv_push(&in->list, &len, w[i]);
			continue;
		}
		if (!parse_port(w[i], &lo, &hi, &proto)) {
			struct cubo_error *err =
				perr(p, "EXPOSE: bad port \"%s\" (a port is 1 to 65535)", w[i]);
			cubo_strv_free(w);
			return err;
		}
		if (proto) {
			size_t pl = strlen(proto);
			for (size_t k = 0; k < pl && k < sizeof(lower) - 1; k++)
				lower[k] = (char)tolower((unsigned char)proto[k]);
			lower[pl < sizeof(lower) - 1 ? pl : sizeof(lower) - 1] = '\0';
			if (pl >= sizeof(lower) || (strcmp(lower, "tcp") && strcmp(lower, "udp") &&
						    strcmp(lower, "sctp"))) {
				struct cubo_error *err =
					perr(p, "EXPOSE: bad protocol in \"%s\" (tcp, udp or sctp)",
					     w[i]);
				cubo_strv_free(w);
				return err;
			}
		}
		if (lo == hi && (!proto || !strcmp(proto, lower))) {
			cubo_strv_push(&in->list, &len, w[i]);
			continue;
		}
		/* a range, or an upper-case protocol: one entry per port, as docker stores them */
		p->n_ports += hi - lo + 1;
		if (p->n_ports > EXPOSE_MAX_PORTS) {
			struct cubo_error *err =
				perr(p, "EXPOSE: more than %d ports in the file", EXPOSE_MAX_PORTS);
			cubo_strv_free(w);
			return err;
		}
		/*
		 * Room for the whole range at once: a push per port reallocates the
		 * vector each time, and where realloc moves it (valgrind, ASan, a
		 * fragmented heap) 196605 ports copy it quadratically.
		 */
		in->list = xreallocarray(in->list, len + (hi - lo + 1) + 1, sizeof(*in->list));
		for (unsigned port = lo; port <= hi; port++) {
			char one[32];
			if (proto)
				snprintf(one, sizeof(one), "%u/%s", port, lower);
			else
				snprintf(one, sizeof(one), "%u", port);
			in->list[len] = xstrdup(one);
			in->list[++len] = NULL;
		}
	}
	cubo_strv_free(w);
	return NULL;
}

static struct cubo_error *do_volume(struct parser *p, struct build_instr *in, const char *rest,
				    const struct flags *fl)
{
	size_t n;

	CUBO_TRY(no_flags(p, fl));
	CUBO_TRY(parse_json_or_words(p, rest, &in->list, &n));
	if (n == 0)
		return perr(p, "VOLUME needs a path");
	for (size_t i = 0; i < n; i++)
		if (!*in->list[i])
			return perr(p, "VOLUME: a path cannot be empty");
	return NULL;
}

/* HEALTHCHECK's flags: docker's names, durations of Go's syntax (0 or >= 1ms). */
static struct cubo_error *healthcheck_flags(const struct parser *p, const struct flags *fl,
					    struct oci_healthcheck *h)
{
	for (size_t i = 0; i < fl->n; i++) {
		const char *name = fl->v[i].name, *v = fl->v[i].value ? fl->v[i].value : "";
		int64_t *d = !strcmp(name, "interval")	       ? &h->interval
			     : !strcmp(name, "timeout")	       ? &h->timeout
			     : !strcmp(name, "start-period")   ? &h->start_period
			     : !strcmp(name, "start-interval") ? &h->start_interval
							       : NULL;
		char what[64];
		snprintf(what, sizeof(what), "HEALTHCHECK --%s", name);
		struct cubo_error *err = NULL;
		if (d)
			err = health_duration_parse(what, v, d);
		else if (!strcmp(name, "retries"))
			err = health_retries_parse(what, v, &h->retries);
		else
			return no_flags(p, &(struct flags){.v = fl->v + i, .n = 1});
		if (err) {
			char *text = cubo_error_text(err);
			cubo_error_free(err);
			err = perr(p, "%s", text);
			free(text);
			return err;
		}
	}
	return NULL;
}

/* HEALTHCHECK [flags] CMD command (JSON or shell form), or HEALTHCHECK NONE. */
static struct cubo_error *do_healthcheck(struct parser *p, struct build_instr *in, const char *rest,
					 const struct flags *fl)
{
	const char *end = rest;
	while (*end && !is_ws(*end))
		end++;
	size_t n = (size_t)(end - rest);
	const char *args = skip_ws(end);
	struct oci_healthcheck *h = in->health = xcalloc(1, sizeof(*h));

	if (n == 4 && !strncasecmp(rest, "NONE", 4)) {
		if (*args || fl->n)
			return perr(p, "HEALTHCHECK NONE takes no arguments");
		oci_healthcheck_test_push(h, "NONE");
		return NULL;
	}
	if (n != 3 || strncasecmp(rest, "CMD", 3))
		return perr(p, "HEALTHCHECK needs CMD or NONE (got \"%.*s\")",
			    (int)(n > 64 ? 64 : n), rest);
	CUBO_TRY(healthcheck_flags(p, fl, h));
	bool is_json;
	size_t argc;
	char **argv = NULL;
	CUBO_TRY(parse_json_array(p, args, &is_json, &argv, &argc));
	if (is_json) {
		if (argc == 0) {
			cubo_strv_free(argv);
			return perr(p, "HEALTHCHECK CMD needs a command");
		}
		oci_healthcheck_test_push(h, "CMD");
		for (size_t i = 0; i < argc; i++)
			oci_healthcheck_test_push(h, argv[i]);
		cubo_strv_free(argv);
		return NULL;
	}
	if (!*args)
		return perr(p, "HEALTHCHECK CMD needs a command");
	oci_healthcheck_test_push(h, "CMD-SHELL");
	oci_healthcheck_test_push(h, args);
	return NULL;
}

/* MAINTAINER NAME: docker's deprecated form of LABEL maintainer="NAME". */
static struct cubo_error *do_maintainer(struct parser *p, struct build_instr *in, const char *rest,
					const struct flags *fl)
{
	struct cubo_strbuf b = {0};

	CUBO_TRY(no_flags(p, fl));
	if (!*rest)
		return perr(p, "MAINTAINER needs a name");
	for (const char *s = rest; *s; s++)
		add_literal(&b, *s); /* docker does not expand MAINTAINER */
	kv_add(&in->kv, &in->n_kv, xstrdup("maintainer"), cubo_strbuf_take(&b), true);
	return NULL;
}

enum kw_kind {
	KW_OP,	       /* an instruction of instr.h */
	KW_MAINTAINER, /* a LABEL */
	KW_ONBUILD,    /* a trigger for the builds FROM this image */
};

static const struct keyword {
	const char *name;
	enum kw_kind kind;
	enum build_op op;
} keywords[] = {
	{"FROM", KW_OP, BUILD_FROM},
	{"BASE", KW_OP, BUILD_FROM},
	{"RUN", KW_OP, BUILD_RUN},
	{"COPY", KW_OP, BUILD_COPY},
	{"ADD", KW_OP, BUILD_ADD},
	{"ENV", KW_OP, BUILD_ENV},
	{"ARG", KW_OP, BUILD_ARG},
	{"LABEL", KW_OP, BUILD_LABEL},
	{"WORKDIR", KW_OP, BUILD_WORKDIR},
	{"USER", KW_OP, BUILD_USER},
	{"STOPSIGNAL", KW_OP, BUILD_STOPSIGNAL},
	{"EXPOSE", KW_OP, BUILD_EXPOSE},
	{"VOLUME", KW_OP, BUILD_VOLUME},
	{"CMD", KW_OP, BUILD_CMD},
	{"ENTRYPOINT", KW_OP, BUILD_ENTRYPOINT},
	{"SHELL", KW_OP, BUILD_SHELL},
	{"MAINTAINER", KW_MAINTAINER, BUILD_LABEL},
	{"HEALTHCHECK", KW_OP, BUILD_HEALTHCHECK},
	{"ONBUILD", KW_ONBUILD, BUILD_ONBUILD},
};

static struct cubo_error *dispatch(struct parser *p, const struct keyword *kw, const char *text,
				   const char *rest, const struct flags *fl)
{
	if (kw->op == BUILD_ARG && !p->seen_from)
		return do_arg(p, &p->f->global_args, &p->f->n_global_args, rest, fl);

	struct build_instr *in = new_instr(p, kw->op, text);
	struct cubo_error *err = NULL;
	if (kw->kind == KW_MAINTAINER) {
		err = do_maintainer(p, in, rest, fl);
	} else {
		switch (kw->op) {
		case BUILD_FROM:
			err = do_from(p, in, rest, fl);
			break;
		case BUILD_RUN:
		case BUILD_CMD:
		case BUILD_ENTRYPOINT:
			err = do_command(p, in, rest, fl);
			break;
		case BUILD_SHELL:
			err = do_shell(p, in, rest, fl);
			break;
		case BUILD_COPY:
		case BUILD_ADD:
			err = do_copy(p, in, rest, fl);
			break;
		case BUILD_ENV:
		case BUILD_LABEL:
			err = do_pairs(p, in, rest, fl);
			break;
		case BUILD_ARG:
			err = do_arg(p, &in->kv, &in->n_kv, rest, fl);
			break;
		case BUILD_WORKDIR:
		case BUILD_USER:
		case BUILD_STOPSIGNAL:
			err = do_value(p, in, rest, fl);
			break;
		case BUILD_EXPOSE:
			err = do_expose(p, in, rest, fl);
			break;
		case BUILD_VOLUME:
			err = do_volume(p, in, rest, fl);
			break;
		case BUILD_HEALTHCHECK:
			err = do_healthcheck(p, in, rest, fl);
			break;
		case BUILD_ONBUILD: /* do_onbuild, before the flags are read */
			abort();
		}
	}
	if (err) {
		drop_last(p);
		return err;
	}
	if (kw->op == BUILD_FROM)
		p->seen_from = true;
	return NULL;
}

static struct cubo_error *instruction(struct parser *p, const char *line, int lineno);

struct heredoc {
	char word[64];
	bool strip_tabs; /* <<-WORD */
};

/*
 * The heredoc markers of a RUN line: <<WORD, <<-WORD, <<"WORD", <<'WORD',
 * outside quotes. Returns how many (at most max).
 */
static size_t heredoc_markers(const char *line, struct heredoc *v, size_t max)
{
	size_t n = 0;
	char quote = 0;
	for (const char *c = line; *c; c++) {
		if (quote) {
			if (*c == quote)
				quote = 0;
			continue;
		}
		if (*c == '"' || *c == '\'') {
			quote = *c;
			continue;
		}
		if (c[0] != '<' || c[1] != '<' || c[2] == '<')
			continue;
		const char *w = c + 2;
		bool strip = *w == '-';
		w += strip;
		char q = *w == '"' || *w == '\'' ? *w : 0;
		w += q != 0;
		size_t len = strspn(
			w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
		if (len == 0 || len >= sizeof(v->word) || (q && w[len] != q))
			continue;
		if (n < max) {
			memcpy(v[n].word, w, len);
			v[n].word[len] = '\0';
			v[n].strip_tabs = strip;
		}
		n++;
		c = w + len - 1 + (q != 0);
	}
	return n;
}

/* What docker refuses as an ONBUILD trigger, by its first word. */
static struct cubo_error *trigger_check(const struct parser *p, const char *trigger)
{
	const char *s = skip_ws(trigger);
	size_t n = 0;
	while (s[n] && !is_ws(s[n]))
		n++;
	if (n == 0)
		return perr(p, "ONBUILD needs an instruction");
	char *kw = xstrndup(s, n);
	for (char *c = kw; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	struct cubo_error *err = NULL;
	if (!strcmp(kw, "ONBUILD"))
		err = perr(p, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	else if (!strcmp(kw, "FROM") || !strcmp(kw, "BASE") || !strcmp(kw, "MAINTAINER"))
		err = perr(p, "%s isn't allowed as an ONBUILD trigger", kw);
	else if (!strcmp(kw, "RUN") && heredoc_markers(s + n, (struct heredoc[1]){0}, 1))
		err = perr(p, "an ONBUILD RUN cannot have heredocs (it is one line)");
	free(kw);
	return err;
}

/*
 * ONBUILD INSTRUCTION: the instruction is parsed as it will be in the
 * builds FROM the image (errors now, not there), and kept as its text.
 */
static struct cubo_error *do_onbuild(struct parser *p, const char *text, const char *rest)
{
	CUBO_TRY(trigger_check(p, rest));
	int line = p->line;
	const char *keyword = p->keyword;
	struct cubo_error *err = instruction(p, rest, line);
	p->line = line;
	p->keyword = keyword;
	if (err)
		return err;
	char *trigger = xstrdup(p->f->v[p->f->n - 1].text);
	drop_last(p);
	/* a line break the file's lines kept (a lone CR) would not parse back */
	if (strpbrk(trigger, "\n\r")) {
		free(trigger);
		return perr(p, "an ONBUILD trigger of more than one line");
	}
	struct build_instr *in = new_instr(p, BUILD_ONBUILD, text);
	in->value = trigger;
	return NULL;
}

struct cubo_error *cubofile_parse_trigger(const char *trigger, const char *source,
					  struct build_instr *out)
{
	memset(out, 0, sizeof(*out));
	struct parser p = {
		.path = source, .esc = '\\', .seen_from = true, .line = 1, .no_line = true};
	if (strpbrk(trigger, "\n\r"))
		return perr(&p, "an ONBUILD trigger of more than one line");
	p.f = xcalloc(1, sizeof(*p.f));
	struct cubo_error *err = trigger_check(&p, trigger);
	if (!err)
		err = instruction(&p, trigger, 1);
	if (!err && p.f->n != 1) /* an ARG alone would not be one: it is, after FROM */
		err = perr(&p, "ONBUILD needs an instruction");
	if (!err) {
		*out = p.f->v[0];
		p.f->n = 0;
	}
	build_file_free(p.f);
	return err;
}

/* One instruction, its continuations joined: "KEYWORD rest". */
static struct cubo_error *instruction(struct parser *p, const char *line, int lineno)
{
	const char *s = skip_ws(line), *e = s + strlen(s);

	while (e > s && is_ws(e[-1]))
		e--;
	if (e == s)
		return NULL;
	p->line = lineno;

	const char *kw_end = s;
	while (kw_end < e && !is_ws(*kw_end))
		kw_end++;
	char *kw_text = raw(s, kw_end);
	char *rest = raw(skip_ws(kw_end), e);
	char *upper = xstrdup(kw_text);
	for (char *c = upper; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	p->keyword = upper;

	const struct keyword *kw = NULL;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (!strcmp(upper, keywords[i].name))
			kw = &keywords[i];

	struct cubo_error *err = NULL;
	struct flags fl = {0};
	char *text = NULL;
	if (!kw) {
		err = perr(p, "unknown instruction \"%s\"", kw_text);
	} else if (!p->seen_from && kw->op != BUILD_FROM && kw->op != BUILD_ARG) {
		err = perr(p, "the first instruction must be FROM (or BASE), got \"%s\"", upper);
	} else if (kw->kind == KW_ONBUILD) {
		text = xasprintf("%s%s%s", upper, *rest ? " " : "", rest);
		err = do_onbuild(p, text, rest);
	} else {
		text = xasprintf("%s%s%s", upper, *rest ? " " : "", rest);
		const char *args = rest;
		err = parse_flags(p, &args, &fl);
		if (!err)
			err = dispatch(p, kw, text, args, &fl);
	}
	flags_free(&fl);
	free(text);
	free(rest);
	free(upper);
	free(kw_text);
	p->keyword = NULL;
	return err;
}

/* ---- lines ---- */

struct lines {
	const char *s, *end;
	int lineno;
};

/* The next physical line without its "\n" or "\r\n"; false at the end. */
static bool next_line(struct lines *l, const char **line, size_t *len)
{
	if (l->s >= l->end)
		return false;
	const char *nl = memchr(l->s, '\n', (size_t)(l->end - l->s));
	const char *stop = nl ? nl : l->end;
	*line = l->s;
	*len = (size_t)(stop - l->s);
	if (*len && (*line)[*len - 1] == '\r')
		(*len)--;
	l->s = nl ? nl + 1 : l->end;
	l->lineno++;
	return true;
}

static bool is_comment(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_ws(s[i]))
		i++;
	return i < len && s[i] == '#';
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_ws(s[i]))
			return false;
	return true;
}

/* Drop a trailing escape character (and blanks after it): true when the line continues. */
static bool trim_continuation(const struct parser *p, const char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > 0 && s[n - 1] == p->esc) {
		*len = n - 1;
		return true;
	}
	return false;
}

/*
 * A parser directive: "# key=value" at the top of the file. Returns false
 * when the line is not one (which ends the directives).
 */
static bool directive(const char *s, size_t len, char **key, char **value)
{
	size_t i = 0;

	while (i < len && is_ws(s[i]))
		i++;
	if (i >= len || s[i] != '#')
		return false;
	i++;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	size_t k = i;
	if (i >= len || !isalpha((unsigned char)s[i]))
		return false;
	while (i < len && isalnum((unsigned char)s[i]))
		i++;
	size_t klen = i - k;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= len || s[i] != '=')
		return false;
	i++;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	size_t v = i, vend = len;
	while (vend > v && (s[vend - 1] == ' ' || s[vend - 1] == '\t'))
		vend--;
	if (vend == v)
		return false;
	*key = xstrndup(s + k, klen);
	for (char *c = *key; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	*value = xstrndup(s + v, vend - v);
	return true;
}

/* Handle one line of the directive block; *done when the block has ended. */
static struct cubo_error *directives(struct parser *p, const char *s, size_t len, int lineno,
				     unsigned *seen, bool *done)
{
	static const char *const known[] = {"syntax", "escape", "check"};
	char *key, *value;

	if (!directive(s, len, &key, &value)) {
		*done = true;
		return NULL;
	}
	size_t i;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(key, known[i]))
			break;
	struct cubo_error *err = NULL;
	p->line = lineno;
	if (i == sizeof(known) / sizeof(known[0])) {
		*done = true; /* an unknown directive is a comment, and ends them */
	} else if (*seen & (1u << i)) {
		err = perr(p, "only one %s parser directive can be used", key);
	} else {
		*seen |= 1u << i;
		if (i == 1) {
			if (!strcmp(value, "\\") || !strcmp(value, "`"))
				p->esc = value[0];
			else
				err = perr(p,
					   "bad escape directive \"%s\": the escape character "
					   "is \\ or `",
					   value);
		}
	}
	free(key);
	free(value);
	return err;
}

/* ---- heredocs (RUN <<EOF ... EOF) ---- */

/* Is instr a RUN (after its flags) whose command starts with "<<"? */
static bool run_line(const char *instr, bool *script_only)
{
	const char *s = skip_ws(instr);
	if (strncasecmp(s, "RUN", 3) || !is_ws(s[3]))
		return false;
	s = skip_ws(s + 3);
	while (s[0] == '-' && s[1] == '-') { /* flags */
		while (*s && !is_ws(*s))
			s++;
		s = skip_ws(s);
	}
	*script_only = s[0] == '<' && s[1] == '<';
	return true;
}

/*
 * Read the bodies of a RUN's heredocs from the lines after it, appending
 * them and their terminators to instr (the shell reads them from there),
 * or, for RUN <<EOF alone, keeping the body as the script.
 */
static struct cubo_error *read_heredocs(struct parser *p, struct lines *l,
					struct cubo_strbuf *instr, int start)
{
	bool script_only;
	struct heredoc hd[8];
	if (!run_line(instr->s, &script_only))
		return NULL;
	size_t n = heredoc_markers(instr->s, hd, 8);
	if (n == 0)
		return NULL;
	p->line = start;
	if (n > 8)
		return perr(p, "RUN has more than 8 heredocs");
	if (script_only && n > 1)
		return perr(p, "RUN <<%s with no command takes one heredoc", hd[0].word);
	struct cubo_strbuf script = {0};
	for (size_t i = 0; i < n; i++) {
		bool done = false;
		const char *s;
		size_t len;
		while (!done && next_line(l, &s, &len)) {
			const char *t = s;
			size_t tl = len;
			while (hd[i].strip_tabs && tl && *t == '\t') {
				t++;
				tl--;
			}
			done = tl == strlen(hd[i].word) && !memcmp(t, hd[i].word, tl);
			if (script_only && !done) {
				cubo_strbuf_add(&script, t, tl);
				cubo_strbuf_addc(&script, '\n');
			}
			cubo_strbuf_addc(instr, '\n');
			cubo_strbuf_add(instr, s, len);
		}
		if (!done) {
			free(script.s);
			return perr(p, "heredoc <<%s has no line \"%s\" to end it", hd[i].word,
				    hd[i].word);
		}
	}
	p->heredoc = true;
	p->heredoc_script = script_only ? cubo_strbuf_take(&script) : NULL;
	return NULL;
}

struct cubo_error *cubofile_parse(const char *text, size_t len, const char *path,
				  struct build_file **out)
{
	struct parser p = {.path = path ? path : "Cubofile", .esc = '\\'};
	struct lines l = {.s = text, .end = text + len};
	struct cubo_strbuf instr = {0};
	struct cubo_error *err = NULL;
	bool directives_done = false;
	unsigned seen_directives = 0;
	const char *s;
	size_t n;

	*out = NULL;
	p.f = xcalloc(1, sizeof(*p.f));
	p.f->path = xstrdup(p.path);
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		l.s += 3; /* a UTF-8 byte-order mark */

	while (!err && next_line(&l, &s, &n)) {
		if (memchr(s, '\0', n)) {
			p.line = l.lineno;
			err = perr(&p, "a NUL byte in the file");
			break;
		}
		if (!directives_done) {
			err = directives(&p, s, n, l.lineno, &seen_directives, &directives_done);
			if (err || !directives_done)
				continue;
		}
		while (n > 0 && is_ws(*s)) {
			s++;
			n--;
		}
		if (is_comment(s, n))
			continue;
		bool more = trim_continuation(&p, s, &n);
		if (!more && n == 0)
			continue;
		int start = l.lineno;
		instr.len = 0;
		cubo_strbuf_add(&instr, s, n);
		while (more && next_line(&l, &s, &n)) {
			if (memchr(s, '\0', n)) {
				p.line = l.lineno;
				err = perr(&p, "a NUL byte in the file");
				break;
			}
			if (is_comment(s, n) || is_blank(s, n))
				continue; /* inside a continued instruction, as docker does */
			more = trim_continuation(&p, s, &n);
			cubo_strbuf_add(&instr, s, n);
		}
		if (!err)
			err = read_heredocs(&p, &l, &instr, start);
		if (!err)
			err = instruction(&p, instr.s, start);
		p.heredoc = false;
		free(p.heredoc_script);
		p.heredoc_script = NULL;
	}
	free(instr.s);
	if (!err && !p.seen_from)
		err = cubo_error_new("%s: no FROM (or BASE) instruction", p.path);
	if (err) {
		build_file_free(p.f);
		return err;
	}
	*out = p.f;
	return NULL;
}

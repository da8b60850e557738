/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .cuboignore patterns (see ignore.h). A pattern is compiled into a list of
 * tokens and matched by simulating the automaton over the path (the set of
 * token positions still alive), so any pattern matches in time linear in
 * the path: no backtracking on '*'.
 *
 * The meaning of a double star follows docker's translation of patterns into
 * regular expressions: a double star (eating a '/' right after it) at the end
 * of a pattern matches anything; elsewhere it matches nothing or anything
 * ending in '/'. So "a/" + double star matches everything under a, a double
 * star + "/x" matches x at any depth, and "a/" + double star + "/b" matches
 * a/b, a/x/b and a/x/y/b.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/builder/ignore.h"
#include "shared/xalloc.h"

enum tok_kind {
	T_LIT,	 /* one character */
	T_ANY,	 /* ?: one character but '/' */
	T_CLASS, /* [...]: one character but '/' in (or, negated, not in) the ranges */
	T_STAR,	 /* *: any run of characters but '/' */
	T_DIRS,	 /* a double star not at the end: nothing, or anything ending in '/' */
	T_REST,	 /* a double star at the end: anything */
};

struct range {
	uint32_t lo, hi;
};

struct tok {
	enum tok_kind kind;
	uint32_t c; /* T_LIT */
	bool negated;
	struct range *r; /* T_CLASS */
	size_t n_r;
};

struct pattern {
	struct tok *t;
	size_t n;
	bool include; /* "!pattern" */
};

struct build_ignore {
	struct pattern *v;
	size_t n;
};

/*
 * One UTF-8 character at *s (s < end), advancing *s. A byte that does not
 * start a valid sequence is a character of its own, outside Unicode.
 */
static uint32_t next_char(const char **s, const char *end)
{
	const unsigned char *p = (const unsigned char *)*s;
	size_t left = (size_t)(end - *s);
	uint32_t c = p[0];
	size_t n = 0;

	if (c < 0x80) {
		*s += 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		c &= 0x07;
	}
	if (n == 0 || n >= left)
		goto bad;
	for (size_t i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*s += n + 1;
	return c;
bad:
	*s += 1;
	return 0x110000 + p[0];
}

static void pattern_clear(struct pattern *pat)
{
	for (size_t i = 0; i < pat->n; i++)
		free(pat->t[i].r);
	free(pat->t);
	memset(pat, 0, sizeof(*pat));
}

static void add_tok(struct pattern *pat, struct tok t)
{
	pat->t = xreallocarray(pat->t, pat->n + 1, sizeof(*pat->t));
	pat->t[pat->n++] = t;
}

/* Go's getEsc: a class character, maybe escaped; false on a bad one. */
static bool class_char(const char **s, const char *end, uint32_t *c)
{
	if (*s >= end || **s == '-' || **s == ']')
		return false;
	if (**s == '\\') {
		(*s)++;
		if (*s >= end)
			return false;
	}
	*c = next_char(s, end);
	return *s < end; /* the class must still be closed */
}

/* s is past the '['. */
static bool compile_class(const char **s, const char *end, struct tok *t)
{
	t->kind = T_CLASS;
	if (*s < end && (**s == '^' || **s == '!')) {
		t->negated = true;
		(*s)++;
	}
	for (;;) {
		if (*s < end && **s == ']' && t->n_r > 0) {
			(*s)++;
			return true;
		}
		struct range r;
		if (!class_char(s, end, &r.lo))
			return false;
		r.hi = r.lo;
		if (**s == '-') {
			(*s)++;
			if (!class_char(s, end, &r.hi))
				return false;
		}
		t->r = xreallocarray(t->r, t->n_r + 1, sizeof(*t->r));
		t->r[t->n_r++] = r;
	}
}

/* The cleaned pattern [s, end) into tokens; false when it is malformed. */
static bool compile(const char *s, const char *end, struct pattern *pat)
{
	while (s < end) {
		struct tok t = {0};
		if (*s == '*') {
			if (s + 1 < end && s[1] == '*') {
				s += 2;
				if (s < end && *s == '/')
					s++;
				t.kind = s == end ? T_REST : T_DIRS;
			} else {
				s++;
				t.kind = T_STAR;
			}
		} else if (*s == '?') {
			s++;
			t.kind = T_ANY;
		} else if (*s == '[') {
			s++;
			if (!compile_class(&s, end, &t)) {
				free(t.r);
				return false;
			}
		} else {
			if (*s == '\\') {
				s++;
				if (s == end)
					return false; /* a trailing '\' escapes nothing */
			}
			t.kind = T_LIT;
			t.c = next_char(&s, end);
		}
		add_tok(pat, t);
	}
	return true;
}

/* Go's filepath.Clean of [s, s+len) into out (room for len + 2), then no leading "/". */
static void clean(const char *path, size_t n, char *out)
{
	size_t w = 0, r = 0, dotdot = 0;
	bool rooted = n > 0 && path[0] == '/';

	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' &&
			   (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			while (r < n && path[r] != '/')
				out[w++] = path[r++];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	if (w > 1 && out[0] == '/')
		memmove(out, out + 1, w);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

struct cubo_error *build_ignore_parse(const char *text, size_t len, const char *path,
				      struct build_ignore **out)
{
	struct build_ignore *ig = xcalloc(1, sizeof(*ig));
	const char *s = text, *end = text + len;
	int lineno = 0;

	*out = NULL;
	if (!path)
		path = ".cuboignore";
	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *a = s, *b = nl ? nl : end;
		s = nl ? nl + 1 : end;
		lineno++;
		if (memchr(a, '\0', (size_t)(b - a))) {
			build_ignore_free(ig);
			return cubo_error_new("%s:%d: a NUL byte in the file", path, lineno);
		}
		if (a < b && *a == '#') /* a comment only at the start of the line, as docker */
			continue;
		while (a < b && is_space(*a))
			a++;
		while (b > a && is_space(b[-1]))
			b--;
		if (a == b)
			continue;
		const char *line = a;
		struct pattern pat = {0};
		if (*a == '!') {
			pat.include = true;
			for (a++; a < b && is_space(*a); a++)
				;
		}
		char *cleaned = xmalloc((size_t)(b - a) + 2);
		clean(a, (size_t)(b - a), cleaned);
		bool ok = a < b && compile(cleaned, cleaned + strlen(cleaned), &pat);
		free(cleaned);
		if (!ok) {
			pattern_clear(&pat);
			build_ignore_free(ig);
			return cubo_error_new("%s:%d: bad pattern \"%.*s\"", path, lineno,
					      (int)(b - line), line);
		}
		ig->v = xreallocarray(ig->v, ig->n + 1, sizeof(*ig->v));
		ig->v[ig->n++] = pat;
	}
	*out = ig;
	return NULL;
}

/* ---- matching ---- */

/* States: 2i is "before token i", 2i+1 "inside token i" (a T_DIRS part way through). */
struct sim {
	const struct pattern *pat;
	unsigned char *cur, *next;
	size_t n_states;
};

static void sim_init(struct sim *m, const struct pattern *pat)
{
	m->pat = pat;
	m->n_states = 2 * (pat->n + 1);
	m->cur = xcalloc(2, m->n_states);
	m->next = m->cur + m->n_states;
	m->cur[0] = 1;
}

/* Follow the moves that consume nothing (they only go forward: one sweep). */
static void closure(const struct pattern *pat, unsigned char *st)
{
	for (size_t i = 0; i < pat->n; i++) {
		if (!st[2 * i])
			continue;
		switch (pat->t[i].kind) {
		case T_STAR:
		case T_REST:
			st[2 * (i + 1)] = 1;
			break;
		case T_DIRS:
			st[2 * (i + 1)] = 1;
			st[2 * i + 1] = 1;
			break;
		default:
			break;
		}
	}
}

static bool in_class(const struct tok *t, uint32_t c)
{
	bool in = false;

	for (size_t i = 0; i < t->n_r && !in; i++)
		in = t->r[i].lo <= c && c <= t->r[i].hi;
	return in != t->negated;
}

/* Consume c; false when no state is left. */
static bool sim_step(struct sim *m, uint32_t c)
{
	const struct pattern *pat = m->pat;
	bool any = false;

	memset(m->next, 0, m->n_states);
	for (size_t i = 0; i < pat->n; i++) {
		const struct tok *t = &pat->t[i];
		if (m->cur[2 * i]) {
			switch (t->kind) {
			case T_LIT:
				if (c == t->c)
					m->next[2 * (i + 1)] = 1;
				break;
			case T_ANY:
				if (c != '/')
					m->next[2 * (i + 1)] = 1;
				break;
			case T_CLASS:
				if (c != '/' && in_class(t, c))
					m->next[2 * (i + 1)] = 1;
				break;
			case T_STAR:
				if (c != '/')
					m->next[2 * i] = 1;
				break;
			case T_REST:
				m->next[2 * i] = 1;
				break;
			case T_DIRS:
				break; /* consumes from its inside state */
			}
		}
		if (t->kind == T_DIRS && m->cur[2 * i + 1]) {
			m->next[2 * i + 1] = 1;
			if (c == '/')
				m->next[2 * (i + 1)] = 1;
		}
	}
	closure(pat, m->next);
	unsigned char *tmp = m->cur;
	m->cur = m->next;
	m->next = tmp;
	for (size_t i = 0; i < m->n_states && !any; i++)
		any = m->cur[i];
	return any;
}

static bool sim_accepts(const struct sim *m)
{
	return m->cur[2 * m->pat->n];
}

static void sim_free(struct sim *m)
{
	free(m->cur < m->next ? m->cur : m->next);
}

/* Whether pat matches path or one of its parent directories. */
static bool pattern_match(const struct pattern *pat, const char *path)
{
	const char *s = path, *end = path + strlen(path);
	struct sim m;
	bool match = false;

	sim_init(&m, pat);
	closure(pat, m.cur);
	while (s < end) {
		if (*s == '/' && s > path && sim_accepts(&m)) {
			match = true; /* a parent directory */
			break;
		}
		if (!sim_step(&m, next_char(&s, end)))
			break;
	}
	if (!match && s == end)
		match = sim_accepts(&m);
	sim_free(&m);
	return match;
}

/* Whether pat may match dir, a parent of it, or something beneath it. */
static bool pattern_may_match_beneath(const struct pattern *pat, const char *dir)
{
	const char *s = dir, *end = dir + strlen(dir);
	struct sim m;
	bool may = true;

	sim_init(&m, pat);
	closure(pat, m.cur);
	for (;;) {
		if (s == end || *s == '/') {
			if (s > dir && sim_accepts(&m))
				break; /* dir or a parent of it matches */
		}
		if (s == end) {
			/* what is left of the pattern may still match past "dir/" */
			may = sim_step(&m, '/');
			break;
		}
		if (!sim_step(&m, next_char(&s, end))) {
			may = false;
			break;
		}
	}
	sim_free(&m);
	return may;
}

/* "./a/b/" as "a/b", "." as "": what callers may pass for a relative path. */
static char *normalize(const char *path)
{
	while (path[0] == '/' || (path[0] == '.' && path[1] == '/'))
		path += path[0] == '/' ? 1 : 2;
	size_t n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n == 1 && path[0] == '.')
		n = 0; /* the context itself */
	return xstrndup(path, n);
}

bool build_ignore_match(const struct build_ignore *ig, const char *relpath)
{
	bool matched = false;

	if (!ig || ig->n == 0)
		return false;
	char *path = normalize(relpath);
	if (!*path) { /* the context itself is never excluded */
		free(path);
		return false;
	}
	for (size_t i = 0; i < ig->n; i++) {
		const struct pattern *pat = &ig->v[i];
		/* only a pattern that would change the answer needs matching */
		if (pat->include != matched)
			continue;
		if (pattern_match(pat, path))
			matched = !pat->include;
	}
	free(path);
	return matched;
}

bool build_ignore_may_include_beneath(const struct build_ignore *ig, const char *reldir)
{
	bool may = true;

	if (!ig || ig->n == 0)
		return true;
	char *dir = normalize(reldir);
	if (!*dir) { /* the context itself is always walked */
		free(dir);
		return true;
	}
	/*
	 * Everything beneath dir is matched by the last excluding pattern that
	 * matches dir (or a parent): only "!" patterns after it can bring
	 * something back.
	 */
	size_t last = ig->n;
	for (size_t i = ig->n; i-- > 0;)
		if (!ig->v[i].include && pattern_match(&ig->v[i], dir)) {
			last = i;
			break;
		}
	if (last < ig->n) {
		may = false;
		for (size_t i = last + 1; i < ig->n && !may; i++)
			if (ig->v[i].include)
				may = pattern_may_match_beneath(&ig->v[i], dir);
	}
	free(dir);
	return may;
}

size_t build_ignore_count(const struct build_ignore *ig)
{
	return ig ? ig->n : 0;
}

void build_ignore_free(struct build_ignore *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->n; i++)
		pattern_clear(&ig->v[i]);
	free(ig->v);
	free(ig);
}

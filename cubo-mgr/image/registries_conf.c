/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/image/registries_conf.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

/* A value: "quoted" or bare (a bare one ends at '#'). NULL on a bad quote. */
static char *unquote(char *v)
{
	if (*v != '"') {
		char *hash = strchr(v, '#');
		if (hash)
			*hash = 0;
		return trim(v);
	}
	char *end = strchr(v + 1, '"');
	if (!end)
		return NULL;
	*end = 0;
	char *rest = trim(end + 1);
	if (*rest && *rest != '#')
		return NULL;
	return v + 1;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else
		return false;
	return true;
}

static struct cubo_error *parse_line(char *line, const char *source, size_t lineno,
				     struct registries_conf *c, struct registry_conf_entry **cur)
{
	char *s = trim(line);
	if (!*s || *s == '#')
		return NULL;
	if (*s == '[') {
		/* exactly [registry "HOST"], HOST without quotes */
		static const char head[] = "[registry \"";
		size_t n = strlen(s), hl = strlen(head);
		char host[256];
		if (n < hl + 3 || strncmp(s, head, hl) || strcmp(s + n - 2, "\"]") ||
		    n - hl - 2 >= sizeof(host) || memchr(s + hl, '"', n - hl - 2))
			return cubo_error_new("%s:%zu: expected [registry \"HOST\"]", source,
					      lineno);
		memcpy(host, s + hl, n - hl - 2);
		host[n - hl - 2] = 0;
		struct registry_conf_entry *v = xrealloc(c->v, (c->n + 1) * sizeof(*v));
		c->v = v;
		*cur = &c->v[c->n++];
		memset(*cur, 0, sizeof(**cur));
		(*cur)->host = xstrdup(host);
		return NULL;
	}
	char *eq = strchr(s, '=');
	if (!eq)
		return cubo_error_new("%s:%zu: expected key = value", source, lineno);
	*eq = 0;
	char *key = trim(s), *val = unquote(trim(eq + 1));
	if (!val)
		return cubo_error_new("%s:%zu: unterminated or misplaced quote", source, lineno);
	if (!*cur) {
		if (strcmp(key, "short-name-domain"))
			return cubo_error_new("%s:%zu: unknown key \"%s\"", source, lineno, key);
		if (!*val)
			return cubo_error_new("%s:%zu: short-name-domain is empty", source, lineno);
		free(c->short_name_domain);
		c->short_name_domain = xstrdup(val);
		return NULL;
	}
	if (!strcmp(key, "insecure")) {
		if (!parse_bool(val, &(*cur)->insecure))
			return cubo_error_new("%s:%zu: insecure: \"%s\" is not true or false",
					      source, lineno, val);
		(*cur)->insecure_set = true;
	} else if (!strcmp(key, "mirror")) {
		if (!*val)
			return cubo_error_new("%s:%zu: mirror is empty", source, lineno);
		cubo_strv_push(&(*cur)->mirrors, &(*cur)->n_mirrors, val);
	} else {
		return cubo_error_new("%s:%zu: unknown key \"%s\" in [registry \"%s\"]", source,
				      lineno, key, (*cur)->host);
	}
	return NULL;
}

struct cubo_error *registries_conf_parse(const char *text, const char *source,
					 struct registries_conf *out)
{
	memset(out, 0, sizeof(*out));
	char *copy = xstrdup(text);
	struct registry_conf_entry *cur = NULL;
	struct cubo_error *err = NULL;
	size_t lineno = 0;
	for (char *line = copy, *next; line && !err; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		err = parse_line(line, source, ++lineno, out, &cur);
	}
	free(copy);
	if (err)
		registries_conf_free(out);
	return err;
}

struct cubo_error *registries_conf_load(const char *path, bool must_exist,
					struct registries_conf *out)
{
	memset(out, 0, sizeof(*out));
	if (!must_exist && !cubo_path_exists(path))
		return NULL;
	char *text;
	size_t len;
	CUBO_TRY(cubo_read_file(path, &text, &len));
	struct cubo_error *err = registries_conf_parse(text, path, out);
	free(text);
	return err;
}

const struct registry_conf_entry *registries_conf_find(const struct registries_conf *c,
						       const char *host)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].host, host))
			return &c->v[i];
	return NULL;
}

void registries_conf_free(struct registries_conf *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].host);
		cubo_strv_free(c->v[i].mirrors);
	}
	free(c->v);
	free(c->short_name_domain);
	memset(c, 0, sizeof(*c));
}

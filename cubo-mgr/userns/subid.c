/* SPDX-License-Identifier: Apache-2.0 */
/* Subordinate id files: see subid.h. */
#include "cubo-mgr/userns/subid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/strv.h"
#include "shared/xalloc.h"

/* A decimal number filling [s, end); false when it is not one. */
static bool parse_ulong(const char *s, const char *end, unsigned long *out)
{
	if (s == end || *s < '0' || *s > '9' || end - s > 10)
		return false;
	char buf[16];
	memcpy(buf, s, (size_t)(end - s));
	buf[end - s] = '\0';
	char *e;
	errno = 0;
	unsigned long v = strtoul(buf, &e, 10);
	if (errno || *e || v > 0xffffffffUL)
		return false;
	*out = v;
	return true;
}

/* Whether the first field [s, end) names the user. */
static bool is_user(const char *s, const char *end, const char *name, unsigned long id)
{
	unsigned long v;
	if (name && strlen(name) == (size_t)(end - s) && !memcmp(s, name, (size_t)(end - s)))
		return true;
	return parse_ulong(s, end, &v) && v == id;
}

struct cubo_error *subid_parse(const char *text, const char *file, const char *name,
			       unsigned long id, struct subid_range **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	unsigned lineno = 0;
	for (const char *line = text; line && *line; lineno++) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *next = eol ? eol + 1 : NULL;
		if (*line == '#' || !c1 || !is_user(line, c1, name, id)) {
			line = next;
			continue;
		}
		const char *c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
		struct subid_range r;
		if (!c2 || !parse_ulong(c1 + 1, c2, &r.start) ||
		    !parse_ulong(c2 + 1, end, &r.count) || r.count == 0 ||
		    r.start + r.count - 1 > 0xfffffffeUL) {
			free(*out);
			*out = NULL;
			*n = 0;
			return cubo_error_new("%s:%u: expected NAME:START:COUNT with numbers, got "
					      "\"%.*s\"",
					      file, lineno + 1, (int)(end - line), line);
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = r;
		line = next;
	}
	return NULL;
}

char *subid_user_name(const char *passwd, unsigned long uid)
{
	for (const char *line = passwd; line && *line;) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		const char *c3 = c2 ? memchr(c2 + 1, ':', (size_t)(end - c2 - 1)) : NULL;
		unsigned long v;
		if (c3 && c1 > line && parse_ulong(c2 + 1, c3, &v) && v == uid)
			return xstrndup(line, (size_t)(c1 - line));
		line = eol ? eol + 1 : NULL;
	}
	return NULL;
}

char **subid_map_args(unsigned long outside_id, const struct subid_range *r, size_t n)
{
	char **v = NULL;
	size_t len = 0;
	char buf[32];
	unsigned long inside = 1;
	cubo_strv_push(&v, &len, "0");
	snprintf(buf, sizeof(buf), "%lu", outside_id);
	cubo_strv_push(&v, &len, buf);
	cubo_strv_push(&v, &len, "1");
	for (size_t i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%lu", inside);
		cubo_strv_push(&v, &len, buf);
		snprintf(buf, sizeof(buf), "%lu", r[i].start);
		cubo_strv_push(&v, &len, buf);
		snprintf(buf, sizeof(buf), "%lu", r[i].count);
		cubo_strv_push(&v, &len, buf);
		inside += r[i].count;
	}
	return v;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CDI spec files in YAML, read as Go's sigs.k8s.io/yaml reads them (YAML
 * 1.1 into JSON): plain scalars that look like null, booleans or integers
 * (0666 octal, 0x hex) become those, everything else a string. One
 * document; aliases are refused (a few bytes of them can expand into
 * gigabytes), and so is nesting deeper than MAX_DEPTH.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cubo-mgr/container/cdi.h"
#include "shared/json.h"

#define MAX_DEPTH 64

struct level {
	bool map;
	bool want_key;
};

static bool is_any(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return true;
	return false;
}

/* A plain scalar as a JSON value. */
static void plain_scalar(struct cubo_json_gen *g, const char *s)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
					  "YES",  "on",	  "On",	  "ON",	 NULL};
	static const char *const no[] = {"false", "False", "FALSE", "no",  "No",
					 "NO",	  "off",   "Off",   "OFF", NULL};
	if (is_any(s, nulls)) {
		cubo_json_gen_null(g);
		return;
	}
	if (is_any(s, yes) || is_any(s, no)) {
		cubo_json_gen_bool(g, is_any(s, yes));
		return;
	}
	const char *d = s + (s[0] == '-' || s[0] == '+');
	int base = 10;
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
		base = 16, d += 2;
	else if (d[0] == '0' && d[1] == 'o')
		base = 8, d += 2;
	else if (d[0] == '0' && d[1])
		base = 8, d += 1;
	char *end = NULL;
	errno = 0;
	long long v = isxdigit((unsigned char)d[0]) ? strtoll(d, &end, base) : 0;
	if (end && !*end && !errno) {
		cubo_json_gen_int(g, s[0] == '-' ? -v : v);
		return;
	}
	cubo_json_gen_string(g, s);
}

struct cubo_error *cdi_yaml_to_json(const char *text, size_t len, const char *file, char **json,
				    size_t *json_len)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return cubo_error_new("%s: cannot start the YAML parser", file);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	struct cubo_json_gen *g;
	struct cubo_error *err = cubo_json_gen_new(false, &g);
	struct level stack[MAX_DEPTH];
	size_t depth = 0, docs = 0;
	bool done = false, wrote = false;
	while (!err && !done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			err = cubo_error_new("%s: invalid YAML at line %zu, column %zu: %s", file,
					     p.problem_mark.line + 1, p.problem_mark.column + 1,
					     p.problem ? p.problem : "parse error");
			break;
		}
		struct level *top = depth ? &stack[depth - 1] : NULL;
		bool key = top && top->map && top->want_key;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				err = cubo_error_new("%s: more than one YAML document", file);
			break;
		case YAML_ALIAS_EVENT:
			err = cubo_error_new("%s: line %zu: YAML aliases are not supported", file,
					     ev.start_mark.line + 1);
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (key || depth == MAX_DEPTH) {
				err = cubo_error_new(
					"%s: line %zu: %s", file, ev.start_mark.line + 1,
					key ? "a mapping or list as a key" : "nested too deep");
				break;
			}
			if (top && top->map)
				top->want_key = true;
			stack[depth++] = (struct level){ev.type == YAML_MAPPING_START_EVENT, true};
			if (ev.type == YAML_MAPPING_START_EVENT)
				cubo_json_gen_map_open(g);
			else
				cubo_json_gen_array_open(g);
			wrote = true;
			break;
		case YAML_MAPPING_END_EVENT:
			cubo_json_gen_map_close(g);
			depth--;
			break;
		case YAML_SEQUENCE_END_EVENT:
			cubo_json_gen_array_close(g);
			depth--;
			break;
		case YAML_SCALAR_EVENT: {
			const char *s = (const char *)ev.data.scalar.value;
			if (key) {
				cubo_json_gen_key(g, s);
				top->want_key = false;
				break;
			}
			if (top && top->map)
				top->want_key = true;
			if (ev.data.scalar.plain_implicit &&
			    ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
				plain_scalar(g, s);
			else
				cubo_json_gen_string_len(g, s, ev.data.scalar.length);
			wrote = true;
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (!err && !wrote)
		err = cubo_error_new("%s: an empty YAML document", file);
	if (err) {
		cubo_json_gen_free(g);
		return err;
	}
	return cubo_error_wrap(cubo_json_gen_finish(g, json, json_len), "%s", file);
}

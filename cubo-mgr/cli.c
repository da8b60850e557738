/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cli.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

static const struct cli_opt *find_long(const struct cli_opt *opts, size_t n, const char *name,
				       size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (opts[i].name && strlen(opts[i].name) == len &&
		    !strncmp(opts[i].name, name, len))
			return &opts[i];
	return NULL;
}

static const struct cli_opt *find_short(const struct cli_opt *opts, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (opts[i].short_name == c)
			return &opts[i];
	return NULL;
}

static struct cubo_error *parse_bool(const char *flag, const char *value, bool *out)
{
	if (!value || !strcmp(value, "true") || !strcmp(value, "1")) {
		*out = true;
		return NULL;
	}
	if (!strcmp(value, "false") || !strcmp(value, "0")) {
		*out = false;
		return NULL;
	}
	return cubo_error_new("flag \"%s\": \"%s\" is not true or false", flag, value);
}

/* Store value (never NULL for non-booleans) into the flag's target. */
static struct cubo_error *assign(const struct cli_opt *o, const char *flag, const char *value)
{
	switch (o->kind) {
	case CLI_BOOL:
		return parse_bool(flag, value, o->target);
	case CLI_STRING:
		*(const char **)o->target = value;
		return NULL;
	case CLI_INT: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (!*value || *end || errno)
			return cubo_error_new("flag \"%s\": \"%s\" is not an integer", flag, value);
		*(long *)o->target = v;
		return NULL;
	}
	case CLI_LIST: {
		char ***list = o->target;
		size_t n = cubo_strv_len(*list);
		cubo_strv_push(list, &n, value);
		return NULL;
	}
	}
	return cubo_error_new("flag \"%s\": unknown kind", flag);
}

/* --name, --name=value, --name value. *i is advanced past a separate value. */
static struct cubo_error *parse_long(int argc, char **argv, int *i, const struct cli_opt *opts,
				     size_t n, bool *help)
{
	const char *arg = argv[*i];
	const char *name = arg + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_opt *o = find_long(opts, n, name, len);
	if (!o) {
		if (len == 4 && !strncmp(name, "help", 4) && !eq) {
			*help = true;
			return NULL;
		}
		return cubo_error_new("unknown flag \"--%.*s\"", (int)len, name);
	}
	char flag[80];
	snprintf(flag, sizeof(flag), "--%s", o->name);
	if (o->kind == CLI_BOOL)
		return assign(o, flag, eq ? eq + 1 : NULL);
	if (eq)
		return assign(o, flag, eq + 1);
	if (*i + 1 >= argc)
		return cubo_error_new("flag \"%s\" needs a value", flag);
	return assign(o, flag, argv[++*i]);
}

/* -a, -abc (booleans), -nVALUE, -n VALUE, -a=false. */
static struct cubo_error *parse_short(int argc, char **argv, int *i, const struct cli_opt *opts,
				      size_t n, bool *help)
{
	const char *arg = argv[*i];
	for (const char *p = arg + 1; *p; p++) {
		const struct cli_opt *o = find_short(opts, n, *p);
		char flag[3] = {'-', *p, 0};
		if (!o) {
			if (*p == 'h') {
				*help = true;
				continue;
			}
			return cubo_error_new("unknown flag \"%s\"%s%s%s", flag,
					      p != arg + 1 ? " in \"" : "", p != arg + 1 ? arg : "",
					      p != arg + 1 ? "\"" : "");
		}
		if (o->kind == CLI_BOOL) {
			if (p[1] == '=')
				return assign(o, flag, p + 2);
			CUBO_TRY(assign(o, flag, NULL));
			continue;
		}
		if (p[1])
			return assign(o, flag, p[1] == '=' ? p + 2 : p + 1);
		if (*i + 1 >= argc)
			return cubo_error_new("flag \"%s\" needs a value", flag);
		return assign(o, flag, argv[++*i]);
	}
	return NULL;
}

/*
 * Flags (with their values, and "--") first, then the arguments, each in
 * the order given: the arguments end up at argv's end, NULL-terminated.
 */
static void move_args_last(int argc, char **argv, const bool *is_arg)
{
	char **sorted = xreallocarray(NULL, (size_t)argc, sizeof(char *));
	int k = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 1; i < argc; i++)
			if (is_arg[i] == (pass == 1))
				sorted[k++] = argv[i];
	memcpy(argv + 1, sorted, (size_t)k * sizeof(char *));
	free(sorted);
}

struct cubo_error *cli_parse(int argc, char **argv, const struct cli_opt *opts, size_t n_opts,
			     bool stop_at_arg, struct cli_args *out)
{
	memset(out, 0, sizeof(*out));
	bool *is_arg = xcalloc(argc > 0 ? (size_t)argc : 1, sizeof(bool));
	bool flags_done = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		struct cubo_error *err = NULL;
		if (flags_done || a[0] != '-' || !a[1]) {
			is_arg[i] = true;
			out->n++;
			if (stop_at_arg)
				flags_done = true;
			continue;
		}
		if (!strcmp(a, "--")) {
			flags_done = true;
			continue;
		}
		if (a[1] == '-')
			err = parse_long(argc, argv, &i, opts, n_opts, &out->help);
		else
			err = parse_short(argc, argv, &i, opts, n_opts, &out->help);
		if (err) {
			free(is_arg);
			out->n = 0;
			out->help = false;
			return err;
		}
	}
	move_args_last(argc, argv, is_arg);
	free(is_arg);
	out->v = argv + (argc > 0 ? argc : 0) - out->n;
	return NULL;
}

void cli_print_help(FILE *out, const char *prog, const char *usage, const char *description,
		    const struct cli_opt *opts, size_t n_opts)
{
	fprintf(out, "Usage: %s %s\n\n%s\n", prog, usage, description);
	fprintf(out, "\nOptions:\n");
	for (size_t i = 0; i < n_opts; i++) {
		const struct cli_opt *o = &opts[i];
		if (!o->help)
			continue;
		char left[80];
		int k = 0;
		if (o->short_name)
			k = snprintf(left, sizeof(left), "-%c%s", o->short_name,
				     o->name ? ", " : "");
		else
			k = snprintf(left, sizeof(left), "    ");
		if (o->name)
			snprintf(left + k, sizeof(left) - k, "--%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else if (o->arg)
			snprintf(left + k, sizeof(left) - k, " %s", o->arg);
		fprintf(out, "  %-28s %s\n", left, o->help);
	}
	fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
}

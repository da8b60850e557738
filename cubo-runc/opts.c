/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/opts.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const struct runc_opt *find_long(const struct runc_opt *opts, size_t n, const char *name,
					size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

static const struct runc_opt *find_short(const struct runc_opt *opts, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (opts[i].short_name && opts[i].short_name == c)
			return &opts[i];
	return NULL;
}

/* value equals one of the space-separated words */
static bool is_one_of(const char *value, const char *words)
{
	size_t len = strlen(value);

	for (const char *w = words; *w;) {
		size_t wl = strcspn(w, " ");
		if (wl == len && strncmp(w, value, len) == 0)
			return true;
		w += wl;
		w += *w == ' ';
	}
	return false;
}

static struct cubo_error *set_value(const struct runc_opt *o, const char *value)
{
	switch (o->kind) {
	case OPT_BOOL:
		/* the spellings Go's strconv.ParseBool (and so runc) accepts */
		if (!value || is_one_of(value, "1 t T true TRUE True"))
			*(bool *)o->target = true;
		else if (is_one_of(value, "0 f F false FALSE False"))
			*(bool *)o->target = false;
		else
			return cubo_error_new("--%s: invalid boolean \"%s\"", o->name, value);
		return NULL;
	case OPT_STRING:
		*(const char **)o->target = value;
		return NULL;
	case OPT_INT: {
		char *end;
		long v;
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || !*value || *end || v < INT_MIN || v > INT_MAX)
			return cubo_error_new("--%s: invalid number \"%s\"", o->name, value);
		*(int *)o->target = (int)v;
		return NULL;
	}
	}
	return NULL;
}

struct cubo_error *opts_parse(int argc, char **argv, const struct runc_opt *opts, size_t n_opts,
			      bool *help, int *first_arg)
{
	int i;

	*help = false;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *value = NULL;
		const struct runc_opt *o;
		size_t len;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		name = a + 1 + (a[1] == '-');
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if ((len == 1 && name[0] == 'h') || (len == 4 && strncmp(name, "help", 4) == 0)) {
			*help = true;
			continue;
		}
		o = find_long(opts, n_opts, name, len);
		if (!o && len == 1)
			o = find_short(opts, n_opts, name[0]);
		if (!o)
			return cubo_error_new("flag provided but not defined: %s", a);
		if (eq)
			value = eq + 1;
		else if (o->kind != OPT_BOOL) {
			if (i + 1 >= argc)
				return cubo_error_new("flag needs an argument: %s", a);
			value = argv[++i];
		}
		CUBO_TRY(set_value(o, value));
	}
	*first_arg = i;
	return NULL;
}

void opts_print_help(FILE *out, const char *usage, const char *description,
		     const struct runc_opt *opts, size_t n_opts)
{
	fprintf(out, "Usage: %s\n\n%s\n", usage, description);
	if (n_opts)
		fprintf(out, "\nOptions:\n");
	for (size_t i = 0; i < n_opts; i++) {
		char left[64];
		if (opts[i].short_name)
			snprintf(left, sizeof(left), "--%s, -%c%s%s", opts[i].name,
				 opts[i].short_name, opts[i].arg ? " " : "",
				 opts[i].arg ? opts[i].arg : "");
		else
			snprintf(left, sizeof(left), "--%s%s%s", opts[i].name,
				 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		fprintf(out, "   %-28s %s\n", left, opts[i].help);
	}
	fprintf(out, "   %-28s %s\n", "--help, -h", "show this help");
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/opts.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "shared/xalloc.h"

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

/* The option "--name", "-name" or "-n" names (len: the name's length), or NULL. */
static const struct runc_opt *find_opt(const struct runc_opt *opts, size_t n, const char *name,
				       size_t len)
{
	const struct runc_opt *o = find_long(opts, n, name, len);

	return !o && len == 1 ? find_short(opts, n, name[0]) : o;
}

static bool is_help(const char *name, size_t len)
{
	return (len == 1 && name[0] == 'h') || (len == 4 && strncmp(name, "help", 4) == 0);
}

struct cubo_error *opts_next(int argc, char **argv, int *i, const struct runc_opt *opts,
			     size_t n_opts, bool *help, struct opt_word *w)
{
	w->opt = NULL;
	w->value = NULL;
	for (; *i < argc; ++*i) {
		const char *a = argv[*i], *name, *eq;
		size_t len;

		if (strcmp(a, "--") == 0) {
			++*i;
			return NULL;
		}
		if (a[0] != '-' || a[1] == '\0')
			return NULL;
		name = a + 1 + (a[1] == '-');
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (is_help(name, len)) {
			*help = true;
			continue;
		}
		w->opt = find_opt(opts, n_opts, name, len);
		if (!w->opt)
			return cubo_error_new("flag provided but not defined: %s", a);
		if (eq) {
			w->value = eq + 1;
		} else if (w->opt->kind != OPT_BOOL) {
			if (*i + 1 >= argc)
				return cubo_error_new("flag needs an argument: %s", a);
			w->value = argv[++*i];
		}
		++*i;
		return NULL;
	}
	return NULL;
}

struct cubo_error *opts_set(const struct runc_opt *o, const char *value)
{
	return set_value(o, value);
}

struct cubo_error *opts_parse(int argc, char **argv, const struct runc_opt *opts, size_t n_opts,
			      bool *help, int *first_arg)
{
	struct opt_word w;
	int i = 1;

	*help = false;
	do {
		CUBO_TRY(opts_next(argc, argv, &i, opts, n_opts, help, &w));
		if (w.opt)
			CUBO_TRY(set_value(w.opt, w.value));
	} while (w.opt);
	*first_arg = i;
	return NULL;
}

/* The option a word names ("--x", "-x", "--x=v"), or NULL; help counts as an option. */
static bool word_is_flag(const char *a, const struct runc_opt *opts, size_t n_opts,
			 const struct runc_opt **opt)
{
	const char *name;
	size_t len;

	*opt = NULL;
	if (a[0] != '-' || a[1] == '\0' || strcmp(a, "--") == 0)
		return false;
	name = a + 1 + (a[1] == '-');
	len = strcspn(name, "=");
	if (is_help(name, len))
		return true;
	*opt = find_opt(opts, n_opts, name, len);
	return *opt != NULL;
}

void opts_reorder(int argc, char **argv, const struct runc_opt *opts, size_t n_opts)
{
	char **args = xcalloc(argc > 0 ? (size_t)argc : 1, sizeof(*args));
	int n_flags = 0, n_args = 0, i;

	for (i = 1; i < argc; i++) {
		const struct runc_opt *o;

		if (strcmp(argv[i], "--") == 0)
			break;
		if (!word_is_flag(argv[i], opts, n_opts, &o)) {
			args[n_args++] = argv[i];
			continue;
		}
		argv[1 + n_flags++] = argv[i];
		if (o && o->kind != OPT_BOOL && !strchr(argv[i], '=') && i + 1 < argc)
			argv[1 + n_flags++] = argv[++i];
	}
	/* Every word before i was a flag, a flag's value or an argument, so
	 * the arguments fill exactly the gap up to "--" and what follows it. */
	if (n_args)
		memcpy(argv + 1 + n_flags, args, (size_t)n_args * sizeof(*argv));
	free(args);
}

struct cubo_error *opts_parse_anywhere(int argc, char **argv, const struct runc_opt *opts,
				       size_t n_opts, bool *help, int *first_arg)
{
	opts_reorder(argc, argv, opts, n_opts);
	return opts_parse(argc, argv, opts, n_opts, help, first_arg);
}

/* The usage with runc's "[command options]" for our "[options]". */
static void put_usage(FILE *out, const char *usage)
{
	for (const char *p = usage; *p;) {
		const char *o = strstr(p, "[options]");
		if (!o) {
			fputs(p, out);
			break;
		}
		fprintf(out, "%.*s[command options]", (int)(o - p), p);
		p = o + strlen("[options]");
	}
}

/*
 * runc's layout (NAME:, USAGE:, OPTIONS:), which callers and people who
 * know runc look for. NAME is the usage's words before its first argument.
 */
void opts_print_help(FILE *out, const char *summary, const char *usage, const char *description,
		     const struct runc_opt *opts, size_t n_opts)
{
	size_t name_len = 0;

	/* the leading words, up to the first argument: "[...]", "<...>" or UPPER */
	for (const char *w = usage; *w && *w != '\n';) {
		if (*w == '[' || *w == '<' || (*w >= 'A' && *w <= 'Z'))
			break;
		w += strcspn(w, " \n");
		name_len = (size_t)(w - usage);
		w += strspn(w, " ");
	}
	fprintf(out, "NAME:\n   %.*s%s%s\n\nUSAGE:\n   ", (int)name_len, usage,
		summary ? " - " : "", summary ? summary : "");
	put_usage(out, usage);
	fprintf(out, "\n\n%s\n\nOPTIONS:\n", description);
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
	fprintf(out, "   %-28s %s\n", "--help, -h", "show help");
}

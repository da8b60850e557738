/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flags the way runc (urfave/cli) takes them, so orchestrators' command
 * lines work unchanged: --name value, --name=value, -name value, -n value,
 * booleans as --flag or --flag=false; parsing stops at the first argument.
 * Commands whose arguments are not a command line of their own first call
 * opts_reorder, so flags may also follow the arguments (`update ID --pids-limit
 * 5`), as runc's command-line library allows.
 */
#ifndef CUBO_RUNC_OPTS_H
#define CUBO_RUNC_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "shared/error.h"

enum opt_kind { OPT_BOOL, OPT_STRING, OPT_INT };

struct runc_opt {
	const char *name; /* long name, without dashes */
	char short_name;  /* 0 for none */
	enum opt_kind kind;
	void *target;	 /* bool *, const char **, int * */
	const char *arg; /* placeholder in help, e.g. "PATH" */
	const char *help;
};

/*
 * Parse flags from argv[1..]; *first_arg is the index of the first argument
 * that is not a flag. -h/--help sets *help.
 */
struct cubo_error *opts_parse(int argc, char **argv, const struct runc_opt *opts, size_t n_opts,
			      bool *help, int *first_arg);

/* One flag of argv, as opts_next reads it. */
struct opt_word {
	const struct runc_opt *opt; /* NULL: no more flags */
	const char *value;	    /* NULL for a boolean given without "=" */
};

/*
 * The flag at argv[*i] (help flags set *help and are skipped), with its
 * value; *i moves past both. At the first argument, or past "--", w->opt is
 * NULL and *i indexes the first argument. For parsers with flags of their own
 * kind (exec's repeatable ones); opts_set stores a value as opts_parse would.
 */
struct cubo_error *opts_next(int argc, char **argv, int *i, const struct runc_opt *opts,
			     size_t n_opts, bool *help, struct opt_word *w);
struct cubo_error *opts_set(const struct runc_opt *o, const char *value);
/*
 * Move the flags of argv[1..] (and the value after each known flag that takes
 * one and has no "=") before the other arguments, keeping the order within
 * each group; nothing after "--" moves. Unknown "-x" words stay arguments,
 * so a command's own checks report them. Not for exec and ps, whose trailing
 * arguments belong to the process or to ps(1).
 */
void opts_reorder(int argc, char **argv, const struct runc_opt *opts, size_t n_opts);
/* opts_reorder, then opts_parse: what every command but exec and ps uses. */
struct cubo_error *opts_parse_anywhere(int argc, char **argv, const struct runc_opt *opts,
				       size_t n_opts, bool *help, int *first_arg);
/*
 * A command's --help in runc's layout: NAME: (the usage's leading words and
 * the summary, if any), USAGE: ("[options]" printed as runc's "[command
 * options]"), the description, OPTIONS:.
 */
void opts_print_help(FILE *out, const char *summary, const char *usage, const char *description,
		     const struct runc_opt *opts, size_t n_opts);

#define OPTS_N(a) (sizeof(a) / sizeof((a)[0]))

#endif

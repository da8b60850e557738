/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flags the way runc (urfave/cli) takes them, so orchestrators' command
 * lines work unchanged: --name value, --name=value, -name value, -n value,
 * booleans as --flag or --flag=false; parsing stops at the first argument.
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
void opts_print_help(FILE *out, const char *usage, const char *description,
		     const struct runc_opt *opts, size_t n_opts);

#define OPTS_N(a) (sizeof(a) / sizeof((a)[0]))

#endif

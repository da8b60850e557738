/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flags the way docker and podman take them: --name value, --name=value,
 * -n value, -nvalue, combined short booleans (-it, -aq), booleans as --flag
 * or --flag=false, repeatable list flags (-e A -e B), "--" to end the flags.
 * Flags may come after arguments (`rmi a b --force`) unless the command
 * stops at its first argument (`run IMAGE CMD -x` hands "-x" to CMD).
 *
 * No hidden state: the parser keeps everything in its arguments, unlike
 * getopt's optind.
 */
#ifndef CUBO_MGR_CLI_H
#define CUBO_MGR_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "shared/error.h"

enum cli_kind {
	CLI_BOOL,   /* bool *; --x, --x=true, --x=false */
	CLI_STRING, /* const char **; the last one given wins */
	CLI_INT,    /* long *; decimal, may be negative */
	CLI_LIST,   /* char ***: NULL-terminated, appended to; free with cubo_strv_free */
};

struct cli_opt {
	const char *name; /* long name without dashes; NULL for a short-only flag */
	char short_name;  /* 0 for none */
	enum cli_kind kind;
	void *target;
	const char *arg;  /* placeholder in the help, e.g. "FILE" */
	const char *help; /* NULL hides the flag from the help (aliases) */
};

struct cli_args {
	char **v; /* the non-flag arguments: the tail of argv, NULL-terminated */
	int n;
	bool help; /* -h/--help was given */
};

/*
 * Parse argv[1..argc-1] (argv[0] is the command name; argv[argc] is NULL,
 * as main's is). stop_at_arg: the first non-flag argument ends the flags
 * and it and everything after it are arguments. Errors name the flag:
 * `unknown flag "--x"`, `flag "--tail" needs a value`, `flag "-n": "x" is
 * not an integer`; out->v is NULL then.
 *
 * On success argv is reordered in place, as GNU getopt does: the flags
 * (with their values) first, then the arguments, so out->v points into
 * argv and nothing needs freeing. Parsing the reordered argv again gives
 * the same result.
 */
struct cubo_error *cli_parse(int argc, char **argv, const struct cli_opt *opts, size_t n_opts,
			     bool stop_at_arg, struct cli_args *out);

/* "Usage: cubo-mgr USAGE\n\nDESCRIPTION\n\nOptions:\n  -q, --quiet   ..." */
void cli_print_help(FILE *out, const char *prog, const char *usage, const char *description,
		    const struct cli_opt *opts, size_t n_opts);

#define CLI_N(a) (sizeof(a) / sizeof((a)[0]))

#endif

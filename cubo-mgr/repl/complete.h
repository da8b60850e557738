/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tab completion for the REPL, the pure part: what kind of word the cursor
 * stands on, the flags and verbs a command's --help lists (so completion
 * offers exactly what the commands' own option tables take), and matching
 * candidates against a prefix. cmd_repl.c fetches the candidates.
 */
#ifndef CUBO_MGR_REPL_COMPLETE_H
#define CUBO_MGR_REPL_COMPLETE_H

#include <stddef.h>

/* what the word being completed names: a mask (inspect takes both containers and images) */
enum {
	REPL_COMMAND = 1 << 0,	 /* the first word */
	REPL_VERB = 1 << 1,	 /* the second word of image/container/volume/network */
	REPL_FLAG = 1 << 2,	 /* a word starting with '-' */
	REPL_CONTAINER = 1 << 3, /* a container name or ID */
	REPL_IMAGE = 1 << 4,	 /* an image reference */
	REPL_VOLUME = 1 << 5,
	REPL_NETWORK = 1 << 6,
};

/*
 * words[0..n): the complete words before the cursor; partial: the word under
 * the cursor so far (NULL: a new word); value_flags: the flags of the
 * command that take a value (repl_help_flags), so that `-e A=1 IMAGE`
 * counts one argument. Returns a mask of the kinds above, 0 for nothing.
 */
unsigned repl_complete_kind(char *const *words, int n, const char *partial,
			    char *const *value_flags);

/*
 * The flags of a command's --help text ("  -e, --env KEY=VALUE  help"):
 * *flags every spelling ("-e", "--env"), *value_flags those followed by a
 * placeholder. Both NULL-terminated, never NULL; free with cubo_strv_free.
 */
void repl_help_flags(const char *help, char ***flags, char ***value_flags);

/* The verbs a group's --help lists under "Commands:"; never NULL. */
char **repl_help_verbs(const char *help);

/*
 * The candidates from cands (NULL-terminated) that start with prefix,
 * sorted, each once; never NULL.
 */
char **repl_matches(char *const *cands, const char *prefix);

/* How many leading bytes every string of v (NULL-terminated, non-empty) shares. */
size_t repl_common_prefix(char *const *v);

#endif

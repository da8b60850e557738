/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A REPL line into words, as a POSIX shell splits a simple command: blanks
 * separate words; '...' keeps everything literally; "..." keeps everything
 * but \" \\ \$ \` (a backslash before anything else stays); an unquoted
 * backslash keeps the next character. No globbing, no variables, no
 * operators: "a|b" is one word. Bounded: a line longer than REPL_LINE_MAX
 * bytes or with more than REPL_WORDS_MAX words is refused, as is a NUL byte.
 */
#ifndef CUBO_MGR_REPL_SPLIT_H
#define CUBO_MGR_REPL_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"

#define REPL_LINE_MAX 65536
#define REPL_WORDS_MAX 4096

/*
 * The words of line[0..len): *words is NULL-terminated (free with
 * cubo_strv_free), *n its length. Errors ("unterminated double quote",
 * "a backslash ends the line", ...) leave *words NULL.
 */
struct cubo_error *repl_split(const char *line, size_t len, char ***words, int *n);

/*
 * For completion: the words of a line cut at the cursor, where the last
 * word may be open (an unterminated quote is fine). *partial is that last
 * word unquoted when the line ends inside a word, else NULL (the cursor
 * stands after a blank: a new, empty word); *quote the quote it is open in
 * ('\'' or '"'), else 0, so that a completion can close it. Never fails; a
 * line past the limits gives no words.
 */
void repl_split_partial(const char *line, size_t len, char ***words, int *n, char **partial,
			char *quote);

#endif

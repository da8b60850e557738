/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .cuboignore: which files of the build context the build does not see, with
 * the semantics of docker's .dockerignore:
 *
 *  - one pattern a line; a line starting with '#' is a comment; blank lines
 *    are skipped; leading and trailing whitespace is trimmed
 *  - a pattern is cleaned as Go's filepath.Clean does ("./a//b/" is "a/b")
 *    and a leading "/" dropped: patterns are relative to the context
 *  - Go filepath.Match syntax: '*' (any run of characters but '/'), '?'
 *    (one character but '/'), "[a-z]", "[^x]" or "[!x]", '\' escaping the
 *    next character; and "**" matching any number of directories (also none)
 *  - "!pattern" includes again what an earlier pattern excluded; the last
 *    pattern that matches a path decides
 *  - a pattern that matches a directory matches everything beneath it
 */
#ifndef CUBO_MGR_BUILDER_IGNORE_H
#define CUBO_MGR_BUILDER_IGNORE_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"

struct build_ignore;

/*
 * Parse the text of a .cuboignore (need not be NUL-terminated). path names
 * it in errors: ".cuboignore:3: bad pattern \"[a-\"". An empty text gives a
 * matcher that ignores nothing.
 */
struct cubo_error *build_ignore_parse(const char *text, size_t len, const char *path,
				      struct build_ignore **out);

/*
 * Whether relpath ("a/b/c", relative to the context, no leading "/") is
 * excluded from the build: by a pattern matching it or one of its parent
 * directories, unless a later "!" pattern includes it again. NULL ig
 * excludes nothing.
 */
bool build_ignore_match(const struct build_ignore *ig, const char *relpath);

/*
 * Whether a walk of the context must descend into the directory reldir: false
 * only when reldir is excluded and no later "!" pattern can include anything
 * beneath it (then every path under it is excluded, and the walk can skip the
 * directory). May say true when nothing beneath turns out included: callers
 * still check each path with build_ignore_match().
 */
bool build_ignore_may_include_beneath(const struct build_ignore *ig, const char *reldir);

/* The number of patterns (comments and blank lines not counted). */
size_t build_ignore_count(const struct build_ignore *ig);

void build_ignore_free(struct build_ignore *ig); /* NULL is fine */

#endif

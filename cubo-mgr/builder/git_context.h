/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A build context in a git repository, as docker takes one:
 * "URL[#REF][:DIR]" where URL is git://..., git@HOST:PATH, github.com/...,
 * or an http(s) URL whose path ends in .git. The repository is fetched at
 * REF (a branch, a tag or a commit; default HEAD), one commit deep, with
 * the git program, into a directory of its own; DIR (relative, no "..")
 * is the context within it.
 */
#ifndef CUBO_MGR_BUILDER_GIT_CONTEXT_H
#define CUBO_MGR_BUILDER_GIT_CONTEXT_H

#include <stdbool.h>
#include <string.h>

#include "shared/error.h"

struct git_context_ref {
	char *url; /* without the fragment */
	char *ref; /* NULL: HEAD */
	char *dir; /* NULL: the top */
};

/*
 * Whether s names a git repository rather than a directory (inline: the lean
 * manager, which has no builder, asks it of compose files).
 */
static inline bool git_context_is_url(const char *s)
{
	if (!strncmp(s, "git://", 6) || !strncmp(s, "git@", 4) || !strncmp(s, "github.com/", 11))
		return true;
	if (strncmp(s, "http://", 7) && strncmp(s, "https://", 8))
		return false;
	size_t n = strcspn(s, "#");
	return n >= 4 && !strncmp(s + n - 4, ".git", 4);
}

/* Split "URL#REF:DIR"; a DIR that is absolute or climbs out ("..") is refused. */
struct cubo_error *git_context_parse(const char *s, struct git_context_ref *out);
void git_context_ref_free(struct git_context_ref *r);

/*
 * Fetch s into a new directory under $TMPDIR (or /tmp): *top is that directory
 * (for the caller to remove with cubo_rm_rf), *context the directory to build.
 */
struct cubo_error *git_context_fetch(const char *s, char **top, char **context);

/* The repository's name ("app" for https://host/x/app.git#main): NULL when none. */
char *git_context_name(const char *s);

#endif

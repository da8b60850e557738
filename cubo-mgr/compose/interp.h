/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compose's variables: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, `$VAR` and `$$` for a dollar, in the
 * values of a compose file; and the `.env` files they come from (comments, quotes,
 * `export`), read as compose reads them.
 */
#ifndef CUBO_MGR_COMPOSE_INTERP_H
#define CUBO_MGR_COMPOSE_INTERP_H

#include "shared/error.h"

/*
 * s with its variables replaced from env ("KEY=VALUE" strings, the last match wins).
 * An unset variable without a default becomes "" and its name is added to *unset (when
 * unset is not NULL and does not have it yet). Errors: a `${VAR:?msg}` of an unset
 * variable ("required variable VAR is missing a value: msg"), a `$` that starts
 * nothing ("invalid interpolation format").
 */
struct cubo_error *compose_interpolate(const char *s, char *const *env, char ***unset, char **out);

/*
 * Every string value of a tree with its dollars doubled, so that written out (compose
 * config) it reads back as the same values. Keys stay as they are.
 */
struct cnode;
void compose_escape_dollars(struct cnode *n);

/*
 * The variables of an env file's text, appended to *vars as "KEY=VALUE" (a later line for
 * the same name comes later: the last wins, as with cubo_strv_env_get). Values may use
 * variables set before them in the file or in env (both looked up, the file first).
 * A line of just a name takes it from env. Errors say "NAME:LINE: ...".
 */
struct cubo_error *compose_dotenv_parse(const char *text, const char *name, char *const *env,
					char ***vars);

/*
 * A compose file or an env file: a regular file (not a FIFO, a device or /dev/zero) of at
 * most COMPOSE_MAX_FILE bytes, NUL-terminated. A missing file's error has ENOENT.
 */
#define COMPOSE_MAX_FILE (16 << 20)
struct cubo_error *compose_read_file(const char *path, char **text, size_t *len);

#endif

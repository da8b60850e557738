/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry credentials and challenges, without any I/O beyond the auth
 * files:
 *  - WWW-Authenticate challenges (RFC 7235): `Bearer realm="https://auth",
 *    service="registry",scope="repository:x:pull"` or `Basic realm="r"`;
 *  - docker-compatible auth files: {"auths": {"HOST": {"auth":
 *    base64("user:password")}}}, where Docker Hub may be keyed
 *    "https://index.docker.io/v1/".
 *
 * Files searched for credentials, first hit wins: --authfile if given
 * (then only it), $REGISTRY_AUTH_FILE, $XDG_CONFIG_HOME/cubo/auth.json
 * (~/.config/cubo/auth.json: where `login` writes),
 * $XDG_RUNTIME_DIR/containers/auth.json (podman's), $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json.
 */
#ifndef CUBO_MGR_IMAGE_AUTH_H
#define CUBO_MGR_IMAGE_AUTH_H

#include <stdbool.h>

#include "shared/error.h"

struct auth_challenge {
	char *scheme; /* "Bearer" or "Basic" (as sent) */
	char *realm;
	char *service;
	char *scope;
};

/* Parse one challenge; unknown parameters are ignored. */
struct cubo_error *auth_challenge_parse(const char *header, struct auth_challenge *out);
void auth_challenge_free(struct auth_challenge *c);

/* The file `login` writes by default (env as for cubo_rootdir_resolve). Caller frees. */
char *auth_default_file(char *const *env);

/*
 * Credentials for host from the files above (explicit: --authfile or
 * NULL). *user and *pass are NULL when none are stored. A file that exists
 * but is not valid JSON is an error naming it.
 */
struct cubo_error *auth_lookup(const char *explicit_file, char *const *env, const char *host,
			       char **user, char **pass);

/* Add or replace host's entry in path (created 0600; other entries kept; atomic). */
struct cubo_error *auth_file_store(const char *path, const char *host, const char *user,
				   const char *pass);
/* Remove host's entry; *found tells whether there was one. */
struct cubo_error *auth_file_remove(const char *path, const char *host, bool *found);

/* base64 (RFC 4648, with padding). Caller frees; only decode returns NULL (on bad input). */
char *auth_base64_encode(const void *data, size_t len);
char *auth_base64_decode(const char *s, size_t *len);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a registry's credentials may go. The user and password stored for a
 * registry, and the tokens bought with them, are the registry's secret; the
 * URLs they could be sent to are named by the registry's answers (a token
 * realm, an upload Location, a redirect), which an attacker may write. So:
 *
 *  - to the registry itself (an API request, a Location it names): only
 *    when the URL's scheme, host and port are the registry's endpoint's,
 *    over HTTPS, or over HTTP when that registry is insecure (loopback, or
 *    so configured, or --tls-verify=false);
 *  - to the token service its challenge names (the realm): over HTTPS, on
 *    any host (Docker Hub's is auth.docker.io); over HTTP only when the
 *    registry is insecure and the realm is on the registry's own host and
 *    port, or the realm's host is itself configured insecure;
 *  - across a redirect: only to the same scheme, host and port, never from
 *    HTTPS down to HTTP (the redirect is followed without them otherwise);
 *  - never to a URL that carries a user name of its own, nor to a scheme
 *    other than http and https.
 */
#ifndef CUBO_MGR_IMAGE_CRED_POLICY_H
#define CUBO_MGR_IMAGE_CRED_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "cubo-mgr/image/registries_conf.h"

enum cred_dest {
	CRED_TO_REGISTRY, /* a request to the registry's API */
	CRED_TO_REALM,	  /* the token service of the registry's challenge */
};

struct cred_origin {
	const char *endpoint; /* host[:port] the credentials were stored for, as contacted */
	bool insecure;	      /* that registry may be spoken to over plain HTTP */
	const struct registries_conf *conf; /* for a realm's own insecure entry; may be NULL */
};

/*
 * Whether credentials of o may be sent to url as dest. When not, *why (if
 * not NULL) says why, for an error message (a static string).
 */
bool cred_may_send(const struct cred_origin *o, const char *url, enum cred_dest dest,
		   const char **why);
/* Whether an Authorization header sent to from may follow a redirect to to. */
bool cred_may_follow(const char *from, const char *to);
/* url's host[:port] (the port only when the URL gives one) into buf; false when unparsable. */
bool cred_url_authority(const char *url, char *buf, size_t size);

#endif

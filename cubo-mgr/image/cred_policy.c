/* SPDX-License-Identifier: Apache-2.0 */
/* The rules are in cred_policy.h. URLs are parsed by libcurl, which is what connects to them. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cubo-mgr/image/cred_policy.h"

struct url_parts {
	bool https;
	bool has_user;
	char host[256];
	long port;	 /* the effective port: the given one, or the scheme's */
	bool port_given; /* the URL names a port */
};

static bool get_part(CURLU *u, CURLUPart what, unsigned flags, char *buf, size_t size)
{
	char *v = NULL;
	if (curl_url_get(u, what, &v, flags) != CURLUE_OK || !v)
		return false;
	bool ok = strlen(v) < size;
	if (ok)
		strcpy(buf, v);
	curl_free(v);
	return ok;
}

static bool has_part(CURLU *u, CURLUPart what)
{
	char *v = NULL;
	bool has = curl_url_get(u, what, &v, 0) == CURLUE_OK;
	curl_free(v);
	return has;
}

static bool parse(const char *url, struct url_parts *p)
{
	memset(p, 0, sizeof(*p));
	CURLU *u = curl_url();
	if (!u)
		return false;
	char scheme[16], port[16];
	bool ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		  get_part(u, CURLUPART_SCHEME, 0, scheme, sizeof(scheme)) &&
		  get_part(u, CURLUPART_HOST, 0, p->host, sizeof(p->host)) &&
		  get_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, port, sizeof(port));
	if (ok) {
		p->https = !strcasecmp(scheme, "https");
		ok = p->https || !strcasecmp(scheme, "http");
		p->port = strtol(port, NULL, 10);
		char given[16];
		p->port_given = get_part(u, CURLUPART_PORT, 0, given, sizeof(given));
		p->has_user = has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD);
	}
	curl_url_cleanup(u);
	return ok && p->host[0];
}

/* The endpoint (host[:port]) of a registry as a URL of the target's scheme. */
static bool parse_endpoint(const char *endpoint, bool https, struct url_parts *p)
{
	char url[512];
	if (snprintf(url, sizeof(url), "%s://%s/", https ? "https" : "http", endpoint) >=
	    (int)sizeof(url))
		return false;
	return parse(url, p) && !p->has_user;
}

/* Same host and port; the scheme is each caller's concern. */
static bool same_place(const struct url_parts *a, const struct url_parts *b)
{
	return !strcasecmp(a->host, b->host) && a->port == b->port;
}

bool cred_url_authority(const char *url, char *buf, size_t size)
{
	struct url_parts p;
	if (!parse(url, &p))
		return false;
	int n = p.port_given ? snprintf(buf, size, "%s:%ld", p.host, p.port)
			     : snprintf(buf, size, "%s", p.host);
	return n > 0 && (size_t)n < size;
}

bool cred_may_send(const struct cred_origin *o, const char *url, enum cred_dest dest,
		   const char **why)
{
	const char *reason = NULL;
	struct url_parts t, e;
	if (!parse(url, &t))
		reason = "not an http or https URL";
	else if (t.has_user)
		reason = "the URL names a user of its own";
	else if (!parse_endpoint(o->endpoint, t.https, &e))
		reason = "the registry's address is not a host";
	else if (dest == CRED_TO_REGISTRY && !same_place(&t, &e))
		reason = "another host or port than the registry's";
	else if (dest == CRED_TO_REGISTRY && !t.https && !o->insecure)
		reason = "plain HTTP to a secure registry";
	else if (dest == CRED_TO_REALM && !t.https) {
		char authority[300];
		const struct registry_conf_entry *c =
			o->conf && cred_url_authority(url, authority, sizeof(authority))
				? registries_conf_find(o->conf, authority)
				: NULL;
		bool realm_insecure = c && c->insecure_set && c->insecure;
		if (!realm_insecure && !(o->insecure && same_place(&t, &e)))
			reason = "a token service over plain HTTP on another host or port "
				 "than the registry's";
	}
	if (why)
		*why = reason;
	return !reason;
}

bool cred_may_follow(const char *from, const char *to)
{
	struct url_parts f, t;
	return parse(from, &f) && parse(to, &t) && !t.has_user && same_place(&f, &t) &&
	       (t.https || !f.https);
}

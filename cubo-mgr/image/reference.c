/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/image/reference.h"
#include "shared/digest.h"
#include "shared/xalloc.h"

#define MAX_NAME 255
#define MAX_TAG 128

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool component_valid(const char *s, size_t len)
{
	size_t i = 0;
	if (len == 0 || !is_alnum_lower(s[0]) || !is_alnum_lower(s[len - 1]))
		return false;
	while (i < len) {
		if (is_alnum_lower(s[i])) {
			i++;
			continue;
		}
		size_t run = 0;
		char sep = s[i];
		while (i < len && s[i] == sep) {
			run++;
			i++;
		}
		if (!((sep == '.' && run == 1) || (sep == '_' && run <= 2) || sep == '-'))
			return false;
		if (i >= len || !is_alnum_lower(s[i]))
			return false;
	}
	return true;
}

/* host[:port]: letters, digits, '-' and '.' (an IPv6 literal in [] too). */
static bool domain_valid(const char *s, size_t len)
{
	if (len == 0)
		return false;
	size_t host_end = len;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close)
			return false;
		host_end = (size_t)(close - s) + 1;
		for (size_t i = 1; i + 1 < host_end; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':')
				return false;
	} else {
		const char *colon = memchr(s, ':', len);
		host_end = colon ? (size_t)(colon - s) : len;
		if (host_end == 0 || s[0] == '-' || s[0] == '.')
			return false;
		for (size_t i = 0; i < host_end; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
				return false;
	}
	if (host_end == len)
		return true;
	if (s[host_end] != ':' || host_end + 1 == len)
		return false;
	for (size_t i = host_end + 1; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool tag_valid(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > MAX_TAG || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

static struct cubo_error *invalid(const char *ref, const char *why)
{
	return cubo_error_new("invalid reference \"%s\": %s", ref, why);
}

static struct cubo_error *parse(const char *s, const char *default_domain, struct image_ref *out)
{
	if (!*s)
		return invalid(s, "empty");
	const char *at = strchr(s, '@');
	size_t name_len = at ? (size_t)(at - s) : strlen(s);
	if (at) {
		if (!cubo_digest_valid(at + 1))
			return invalid(
				s, "digest must be sha256: followed by 64 lowercase hex digits");
		out->digest = xstrdup(at + 1);
	}
	/* A ':' after the last '/' starts the tag (before it, it is a port). */
	const char *slash = memrchr(s, '/', name_len);
	const char *colon =
		memrchr(slash ? slash : s, ':', name_len - (size_t)(slash ? slash - s : 0));
	if (colon) {
		out->tag = xstrndup(colon + 1, name_len - (size_t)(colon + 1 - s));
		if (!tag_valid(out->tag))
			return invalid(s, "tag must be up to 128 of [A-Za-z0-9_.-], not starting "
					  "with '.' or '-'");
		name_len = (size_t)(colon - s);
	}
	if (name_len == 0)
		return invalid(s, "no repository name");
	/* The first component is a domain if it looks like one (docker's rule). */
	const char *first_slash = memchr(s, '/', name_len);
	const char *path = s;
	if (first_slash) {
		size_t dl = (size_t)(first_slash - s);
		if (memchr(s, '.', dl) || memchr(s, ':', dl) ||
		    (dl == 9 && !strncmp(s, "localhost", 9))) {
			if (!domain_valid(s, dl))
				return invalid(s, "bad registry host");
			out->domain = xstrndup(s, dl);
			path = first_slash + 1;
		}
	}
	if (!out->domain)
		out->domain = xstrdup(default_domain ? default_domain : IMAGE_REF_DEFAULT_DOMAIN);
	if (!strcmp(out->domain, "index.docker.io") ||
	    !strcmp(out->domain, "registry-1.docker.io")) {
		free(out->domain);
		out->domain = xstrdup(IMAGE_REF_DEFAULT_DOMAIN);
	}
	size_t path_len = name_len - (size_t)(path - s);
	if (path_len == 0) /* "docker.io/" */
		return invalid(s, "no repository name");
	for (const char *c = path; c < path + path_len;) {
		const char *end = memchr(c, '/', (size_t)(path + path_len - c));
		size_t cl = end ? (size_t)(end - c) : (size_t)(path + path_len - c);
		if (!component_valid(c, cl)) {
			for (size_t i = 0; i < cl; i++)
				if (isupper((unsigned char)c[i]))
					return invalid(s, "repository name must be lowercase");
			return invalid(s, cl ? "repository name components are [a-z0-9] joined "
					       "by '.', '_', '__' or '-'"
					     : "empty path component");
		}
		c += cl + (end ? 1 : 0);
		if (end && c == path + path_len)
			return invalid(s, "empty path component");
	}
	bool library =
		!strcmp(out->domain, IMAGE_REF_DEFAULT_DOMAIN) && !memchr(path, '/', path_len);
	out->path = xasprintf("%s%.*s", library ? "library/" : "", (int)path_len, path);
	if (strlen(out->domain) + 1 + strlen(out->path) > MAX_NAME)
		return invalid(s, "repository name longer than 255 characters");
	if (!out->tag && !out->digest)
		out->tag = xstrdup(IMAGE_REF_DEFAULT_TAG);
	return NULL;
}

struct cubo_error *image_ref_parse(const char *s, const char *default_domain, struct image_ref *out)
{
	memset(out, 0, sizeof(*out));
	struct cubo_error *err = parse(s, default_domain, out);
	if (err)
		image_ref_free(out);
	return err;
}

bool image_ref_valid(const char *s)
{
	struct image_ref r;
	struct cubo_error *err = image_ref_parse(s, NULL, &r);
	cubo_error_free(err);
	image_ref_free(&r);
	return !err;
}

char *image_ref_name(const struct image_ref *r)
{
	return xasprintf("%s/%s", r->domain, r->path);
}

static char *with_suffixes(const char *name, const struct image_ref *r)
{
	return xasprintf("%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ? r->tag : "",
			 r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *image_ref_string(const struct image_ref *r)
{
	char *name = image_ref_name(r);
	char *s = with_suffixes(name, r);
	free(name);
	return s;
}

char *image_ref_familiar(const struct image_ref *r)
{
	if (strcmp(r->domain, IMAGE_REF_DEFAULT_DOMAIN))
		return image_ref_string(r);
	const char *p = r->path;
	if (!strncmp(p, "library/", 8) && !strchr(p + 8, '/'))
		p += 8;
	return with_suffixes(p, r);
}

void image_ref_copy(const struct image_ref *src, struct image_ref *dst)
{
	dst->domain = xstrdup(src->domain);
	dst->path = xstrdup(src->path);
	dst->tag = xstrdup(src->tag);
	dst->digest = xstrdup(src->digest);
}

void image_ref_free(struct image_ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

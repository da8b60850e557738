/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references as docker and podman read them:
 *
 *	alpine				-> docker.io/library/alpine:latest
 *	alpine:3.19			-> docker.io/library/alpine:3.19
 *	owner/app			-> docker.io/owner/app:latest
 *	ghcr.io/owner/image:tag		-> ghcr.io/owner/image:tag
 *	localhost:5000/x@sha256:<hex>	-> digest only, no tag
 *	localhost/x:1			-> "localhost" is a domain on its own
 *
 * The first path component is a domain when it contains '.' or ':' or is
 * "localhost" (docker's rule); otherwise the default domain is used and, on
 * docker.io, a one-component path gets "library/". Repository components
 * are lowercase [a-z0-9] separated by '.', '_', "__" or '-' runs; tags are
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; digests must be "sha256:<64 hex>".
 * A reference with both a tag and a digest keeps both (the digest wins when
 * pulling, as in docker). Errors name the reference and what is wrong:
 *	invalid reference "Alpine": repository name must be lowercase
 */
#ifndef CUBO_MGR_IMAGE_REFERENCE_H
#define CUBO_MGR_IMAGE_REFERENCE_H

#include <stdbool.h>

#include "shared/error.h"

#define IMAGE_REF_DEFAULT_DOMAIN "docker.io"
#define IMAGE_REF_DEFAULT_TAG "latest"

struct image_ref {
	char *domain; /* "docker.io", "localhost:5000", "ghcr.io" */
	char *path;   /* "library/alpine", "owner/image" */
	char *tag;    /* "latest"; NULL only when digest is set and no tag was given */
	char *digest; /* "sha256:<hex>" or NULL */
};

/*
 * Parse and normalise s. default_domain (NULL: docker.io) is used for a
 * reference without a domain; short-name defaults from the registries
 * config come in this way. On error *out is left zeroed.
 */
struct cubo_error *image_ref_parse(const char *s, const char *default_domain,
				   struct image_ref *out);

/* True when s parses as a reference (cheap check for "NAME or ID" arguments). */
bool image_ref_valid(const char *s);

/* "docker.io/library/alpine" (domain/path). Caller frees. */
char *image_ref_name(const struct image_ref *r);

/*
 * Full form: "docker.io/library/alpine:latest", "localhost:5000/x@sha256:..",
 * "d/p:t@sha256:..". This is what the store records as the image name.
 */
char *image_ref_string(const struct image_ref *r);

/*
 * Short form users see in `images`: "alpine:latest" for docker.io/library,
 * "owner/app:1" for docker.io, otherwise the full form.
 */
char *image_ref_familiar(const struct image_ref *r);

/* Deep copy. */
void image_ref_copy(const struct image_ref *src, struct image_ref *dst);
void image_ref_free(struct image_ref *r); /* frees members, zeroes r */

#endif

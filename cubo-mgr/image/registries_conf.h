/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registries config (/etc/cubo/registries.conf): how to reach
 * registries. Lines of `key = value`, `#` comments, and sections per
 * registry host:
 *
 *	short-name-domain = docker.io	# domain of "alpine", "owner/app"
 *
 *	[registry "registry.local:5000"]
 *	insecure = true			# plain HTTP allowed, certificates not checked
 *					# (false makes even a loopback registry secure)
 *	mirror = mirror.local:5000	# tried first; may repeat
 *
 * Values may be quoted with "". Errors give file:line.
 */
#ifndef CUBO_MGR_IMAGE_REGISTRIES_CONF_H
#define CUBO_MGR_IMAGE_REGISTRIES_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"

#define REGISTRIES_CONF_DEFAULT "/etc/cubo/registries.conf"

struct registry_conf_entry {
	char *host;
	bool insecure;	    /* meaningful when insecure_set */
	bool insecure_set;  /* the file said true or false */
	char **mirrors; /* NULL-terminated; NULL when none */
	size_t n_mirrors;
};

struct registries_conf {
	char *short_name_domain; /* NULL: docker.io */
	struct registry_conf_entry *v;
	size_t n;
};

/* Parse text (source names it in errors). */
struct cubo_error *registries_conf_parse(const char *text, const char *source,
					 struct registries_conf *out);
/* Load path; a missing file is an empty config unless must_exist. */
struct cubo_error *registries_conf_load(const char *path, bool must_exist,
					struct registries_conf *out);
const struct registry_conf_entry *registries_conf_find(const struct registries_conf *c,
						       const char *host);
void registries_conf_free(struct registries_conf *c);

#endif

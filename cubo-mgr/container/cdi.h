/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CDI, the Container Device Interface (spec versions 0.3 to 0.8): devices
 * named "vendor.com/class=name" on `run --device`, described by spec files
 * (*.json, *.yaml, *.yml) that an administrator or a driver installs in
 * /etc/cdi and /var/run/cdi. A device's containerEdits, then its spec's
 * own, are applied to the container's config as the CDI spec says: env,
 * deviceNodes (type and numbers read on the host when the spec leaves them
 * out; an allow rule each), mounts, hooks, additionalGids.
 *
 * Spec files are trusted as the admin's word (a mount of any host path is
 * what was asked for) but read defensively: at most CDI_MAX_SPEC bytes, no
 * YAML aliases, and an error names the file. A file that cannot be read or
 * parsed is an error only when no other file gives the devices asked for.
 */
#ifndef CUBO_MGR_CONTAINER_CDI_H
#define CUBO_MGR_CONTAINER_CDI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"
#include "spec/config.h"

#define CDI_MAX_SPEC (1024 * 1024)
/* Lowest priority first: a later directory's device replaces an earlier one's. */
#define CDI_DEFAULT_DIRS                                                                           \
	{                                                                                          \
		"/etc/cdi", "/var/run/cdi", NULL                                                   \
	}

struct cdi_node {
	char *path;	 /* in the container */
	char *host_path; /* NULL: path */
	char *type;	 /* NULL: the host node's */
	bool has_major, has_minor, has_file_mode, has_uid, has_gid;
	int64_t major, minor;
	uint32_t file_mode, uid, gid;
	char *permissions; /* cgroup access; NULL: rwm */
};

struct cdi_hook {
	char *name; /* prestart, createRuntime, createContainer, startContainer, poststart, poststop
		     */
	struct oci_hook hook;
};

struct cdi_edits {
	char **env;
	struct cdi_node *nodes;
	size_t n_nodes;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct cdi_hook *hooks;
	size_t n_hooks;
	uint32_t *gids;
	size_t n_gids;
};

struct cdi_device {
	char *name;
	struct cdi_edits edits;
};

struct cdi_spec {
	char *file; /* where it was read, for errors */
	char *version, *kind;
	struct cdi_device *devices;
	size_t n_devices;
	struct cdi_edits edits;
};

void cdi_spec_free(struct cdi_spec *s);

/*
 * "vendor.com/class=name": vendor and class as CDI allows them (a letter
 * first; letters, digits, "-", "_", "." in the vendor), name of letters,
 * digits, "-", "_", ".", ":" beginning and ending with a letter or digit.
 * *kind is "vendor.com/class". cdi_is_device tells a CDI name from a path.
 */
bool cdi_is_device(const char *s);
struct cubo_error *cdi_parse_name(const char *s, char **kind, char **name);

/* A spec file's text (JSON, or YAML when yaml) -> *out; errors name file. */
struct cubo_error *cdi_spec_parse(const char *text, size_t len, bool yaml, const char *file,
				  struct cdi_spec *out);

/* YAML text -> the same document as JSON text (block/flow maps, sequences, scalars). */
struct cubo_error *cdi_yaml_to_json(const char *text, size_t len, const char *file, char **json,
				    size_t *json_len);

/*
 * Find each of names (vendor.com/class=name, or =all for every device of the
 * class) in the spec files of dirs (NULL: CDI_DEFAULT_DIRS) and apply their
 * edits to cfg. *gids gets additionalGids (the user's groups are set again
 * at start: the caller keeps these with --group-add's).
 */
struct cubo_error *cdi_apply(char *const *dirs, char *const *names, struct oci_config *cfg,
			     char ***gids);

/* Apply one set of edits (nodes read on the host when the spec leaves their numbers out). */
struct cubo_error *cdi_apply_edits(const struct cdi_edits *e, const char *file,
				   struct oci_config *cfg, char ***gids, size_t *n_gids);

#endif

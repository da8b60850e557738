/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Making a container (run, create): an image and checked options become a
 * container directory -- the OCI bundle, its hostname, hosts and
 * resolv.conf, the rootfs mount point and the record -- that appears under
 * its ID and name at once, or not at all.
 *
 * Contract: the caller found the image with the image store open and keeps
 * it open (its shared lock held) until ctr_create returns, so an image
 * removal waits and then sees the container using the image (the lock
 * discipline in image/store.h). ctr_create repairs what killed creates and
 * removals left first, so their names are free again; makes the named and
 * anonymous volumes the container uses (the image's VOLUMEs too) and checks
 * its networks exist. On failure nothing of the container is left: no
 * directory, no name, no anonymous volume made for it.
 */
#ifndef CUBO_MGR_CONTAINER_CREATE_H
#define CUBO_MGR_CONTAINER_CREATE_H

#include <stdbool.h>

#include "cubo-mgr/container/ctr_store.h"
#include "cubo-mgr/container/run_opts.h"
#include "cubo-mgr/image/store.h"
#include "spec/image.h"

/* The image a container is made from, as found in the store. */
struct ctr_image {
	char *name; /* as found */
	char image_id[CUBO_DIGEST_LEN + 1];
	struct oci_image_config *config;
	char **layers; /* chain IDs, bottom first */
};

void ctr_image_free(struct ctr_image *ii);

struct ctr_create_input {
	const char *root;	 /* the root directory: volumes and networks */
	struct ctr_store *store; /* where the container goes */
	const struct ctr_image *image;
	const char *image_ref; /* as the user gave it, recorded */
	struct ctr_opts *opts; /* checked; the image's VOLUMEs and -P's ports are added */
	const char *runtime;   /* recorded; NULL: the default runtime */
	bool systemd_cgroup;   /* the cgroup manager new containers get */
};

struct ctr_created {
	char id[CTR_ID_LEN + 1];
	char *name; /* the one given, or picked; free it */
	bool tty, interactive, auto_remove;
};

/*
 * --init-path (NULL: the default) -> the init binary to bind: ours, beside
 * cubo-mgr in the build tree or in PKGLIBEXECDIR when installed, else
 * catatonit or tini-static when the host has them. A given path must be an
 * executable regular file.
 */
struct cubo_error *ctr_init_path(const char *given, char **out);

struct cubo_error *ctr_create(const struct ctr_create_input *in, struct ctr_created *out);

#endif

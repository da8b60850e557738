/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The build executor: runs a parsed build file (instr.h) stage by stage
 * and stores the last stage (or --target) as an image.
 *
 *   FROM       a stored image (pulled when missing), an earlier stage, or scratch
 *   RUN        through the OCI runtime, in a container whose rootfs is an
 *              overlay of the layers so far; the overlay's upper directory is
 *              the new layer, tarred for the blob and moved into
 *              <root>/layers as the layer's extracted form
 *   COPY/ADD   into an overlay of the layers so far, without a container
 *   the rest   the config only: a history entry, no layer
 *
 * Cache: every step's key is sha256(previous key, the instruction, and for
 * COPY/ADD a hash of the sources' names, modes and contents); a record per
 * key in <root>/build-cache holds the layer the step made and its time, so
 * an unchanged rebuild reuses every step and gives the same image ID.
 *
 * Nothing is named until the end: a failed or killed build leaves the
 * image index as it was, and at worst blobs and layers nothing refers to
 * (image prune collects them) and a scratch directory under <root>/build
 * that the next build removes.
 */
#ifndef CUBO_MGR_BUILDER_BUILDER_H
#define CUBO_MGR_BUILDER_BUILDER_H

#include <stdbool.h>
#include <stdio.h>

#include "cubo-mgr/builder/layer_tar.h"
#include "cubo-mgr/mgr.h"

struct build_opts {
	const char *context; /* the build context directory */
	const char *file;    /* the build file; NULL: found in the context */
	char **tags;	     /* full references to name the image; NULL: unnamed */
	char **build_args;   /* --build-arg "K=V" */
	char **labels;	     /* --label "K=V": labels of the image */
	const char *target;  /* --target STAGE; NULL: the last one */
	const char *network; /* for RUN: build_net.h; "default": the bridge */
	bool no_cache, quiet;
	enum layer_compression compression;
	FILE *out; /* the step-by-step report (NULL with quiet) */
};

/*
 * The build file in the context when none is given: Cubofile.toml, else
 * Cubofile (then Dockerfile and Containerfile, as docker and podman users
 * have them). Caller frees.
 */
struct cubo_error *build_find_file(const char *context, char **path);

struct cubo_error *build_image(struct mgr *m, const struct build_opts *o,
			       char image_id[CUBO_DIGEST_LEN + 1]);

#endif

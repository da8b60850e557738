/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pulling an image into the store, in one pass per layer:
 *
 *   manifest (by tag or digest; an index picks the platform)
 *   -> config blob (verified, stored)
 *   -> every layer at once (a thread per layer, at most `parallel`):
 *        registry bytes --+--> blob writer (sha256 verified, stored)
 *                         +--> unpacker (decompress + extract + diff_id)
 *      the layer directory is committed only when both check out;
 *      a layer already extracted and stored is skipped ("Already exists");
 *      a partial blob left by a killed pull resumes with an HTTP range
 *      (then the layer is extracted from the finished blob);
 *   -> the name is recorded in index.json last.
 *
 * So a pull killed at any point leaves the store as it was plus verified
 * blobs and layers that the next pull reuses (and `image prune` collects if
 * nothing does). Two pulls of the same image serialise per blob and per
 * layer (store locks), and both succeed.
 */
#ifndef CUBO_MGR_IMAGE_PULL_H
#define CUBO_MGR_IMAGE_PULL_H

#include <stdbool.h>
#include <stdio.h>

#include "cubo-mgr/image/registry.h"
#include "cubo-mgr/image/store.h"
#include "shared/digest.h"
#include "shared/error.h"
#include "shared/log.h"

struct pull_opts {
	const char *platform;	       /* "os/arch[/variant]"; NULL: this host's */
	FILE *progress;		       /* NULL: no progress (--quiet) */
	bool progress_tty;	       /* redraw progress bars in place */
	unsigned parallel;	       /* layers at once; 0: the default (4) */
	const char *short_name_domain; /* domain for references without one; NULL: docker.io */
	const struct cubo_log *log;    /* resumes and skips at info level; may be NULL */
};

struct pull_result {
	char *name; /* full reference recorded ("docker.io/library/x:1") */
	char manifest_digest[CUBO_DIGEST_LEN + 1]; /* the platform's manifest */
	char repo_digest[CUBO_DIGEST_LEN + 1];	   /* what the tag pointed at (index or manifest) */
	char image_id[CUBO_DIGEST_LEN + 1];	   /* the config digest, as docker shows it */
};

struct cubo_error *image_pull(struct store *store, struct registry_client *client,
			      const char *reference, const struct pull_opts *opts,
			      struct pull_result *out);
void pull_result_free(struct pull_result *r);

#endif

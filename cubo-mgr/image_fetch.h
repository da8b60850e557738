/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `run` needs from the registry and from layer extraction, which are
 * rare on its path (a missing image, a loaded image not extracted yet) but
 * bring libcurl, libarchive and their forty libraries with them. cubo-mgr
 * itself is built without them and asks cubo-mgr-image, the same program
 * with every image command, to do these (image_fetch_exec.c); that program
 * does them in-process (image_fetch_direct.c). Loading those libraries cost
 * every cubo-mgr command some 6 ms.
 */
#ifndef CUBO_MGR_IMAGE_FETCH_H
#define CUBO_MGR_IMAGE_FETCH_H

#include "cubo-mgr/image/store.h"
#include "cubo-mgr/mgr.h"

/* Pull ref into the store, with progress on stderr. */
struct cubo_error *image_fetch_pull(struct mgr *m, struct store *s, const char *ref);
/* The same for platform ("os/arch[/variant]"; NULL: this host's), as pull --platform. */
struct cubo_error *image_fetch_pull_platform(struct mgr *m, struct store *s, const char *ref,
					     const char *platform);
/* Extract the image's layers that are not extracted yet. */
struct cubo_error *image_fetch_extract(struct mgr *m, struct store *s,
				       const struct oci_descriptor *manifest);

/*
 * Commands that cubo-mgr hands to cubo-mgr-image whole (pull, push, save,
 * load, import, login, logout): replace this process with it, same argv.
 */
int mgr_delegate(struct mgr *m, int argc, char **argv);

/* The hidden command behind image_fetch_extract: `__extract-layers MANIFEST-DIGEST`. */
int cmd_extract_layers(struct mgr *m, int argc, char **argv);

#endif

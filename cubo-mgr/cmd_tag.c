/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr tag: give an image another name. */
#include <stdlib.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/mgr.h"

int cmd_tag(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const struct mgr_cmd_spec spec = {
		.name = "tag",
		.usage = "tag SOURCE_IMAGE TARGET_IMAGE[:TAG]",
		MGR_ARGS(2, 2, "expected SOURCE and TARGET"),
		.description = "Give an image in the store another name.",
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct image_ref target;
	struct cubo_error *err = image_ref_parse(args.v[1], NULL, &target);
	if (!err && target.digest) {
		err = cubo_error_new("target \"%s\": a tag cannot contain a digest", args.v[1]);
		image_ref_free(&target);
	}
	if (err)
		return mgr_fail(m, err);
	char *name = image_ref_string(&target);
	image_ref_free(&target);
	struct store *s = NULL;
	struct store_match match = {0};
	if (!(err = store_open(m->root, &s)) &&
	    !(err = store_image_find(s, args.v[0], NULL, &match)))
		err = store_image_set(s, name, &match.v[0].manifest);
	if (!err)
		ev_image(m->root, "tag", match.config_digest, name, &m->events_warned);
	store_match_free(&match);
	store_close(s);
	free(name);
	return err ? mgr_fail(m, err) : 0;
}

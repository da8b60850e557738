/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr tag: give an image another name. */
#include <stdlib.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/mgr.h"

int cmd_tag(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	int rc = mgr_parse_args(m, "tag", "tag SOURCE_IMAGE TARGET_IMAGE[:TAG]",
				"Give an image in the store another name.", argc, argv, NULL, 0,
				&args);
	if (rc >= 0)
		return rc;
	if (args.n != 2) {
		free(args.v);
		return mgr_usage_error(m, "tag", cubo_error_new("expected SOURCE and TARGET"));
	}
	struct image_ref target;
	struct cubo_error *err = image_ref_parse(args.v[1], NULL, &target);
	if (!err && target.digest) {
		err = cubo_error_new("target \"%s\": a tag cannot contain a digest", args.v[1]);
		image_ref_free(&target);
	}
	if (err) {
		free(args.v);
		return mgr_fail(m, err);
	}
	char *name = image_ref_string(&target);
	image_ref_free(&target);
	struct store *s = NULL;
	struct store_match match = {0};
	if (!(err = store_open(m->root, &s)) &&
	    !(err = store_image_find(s, args.v[0], NULL, &match)))
		err = store_image_set(s, name, &match.v[0].manifest);
	store_match_free(&match);
	store_close(s);
	free(name);
	free(args.v);
	return err ? mgr_fail(m, err) : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr rmi: remove images, and what no other image uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image_view.h"
#include "cubo-mgr/mgr.h"

/* docker's untag event: the image's ID, the name that went */
static void untagged(struct mgr *m, const char *image_id, const char *name)
{
	printf("Untagged: %s\n", name);
	ev_image(m->root, "untag", image_id, name, &m->events_warned);
}

/* Remove what arg names; prints docker's Untagged/Deleted lines. */
static struct cubo_error *remove_one(struct mgr *m, struct store *s, const char *arg, bool force,
				     const struct image_users *u, bool *deleted)
{
	struct store_match match;
	CUBO_TRY(store_image_find(s, arg, NULL, &match));
	struct cubo_error *err = NULL;
	/* a container's layers must outlive the image's last name */
	const char *user = image_user_of(u, match.config_digest);
	struct store_match all;
	size_t entries = 0;
	if (user && !store_image_find(s, match.config_digest, NULL, &all)) {
		entries = all.n;
		store_match_free(&all);
	}
	bool last = !match.by_name || entries <= 1;
	if (user && last && !force) {
		err = cubo_error_new("image %s is in use by container %s: remove the container "
				     "first (or use --force to remove only its name)",
				     arg, user);
		store_match_free(&match);
		return err;
	}
	if (user && last) {
		/* --force: the names go, the image stays, unnamed, for its containers */
		for (size_t i = 0; !err && i < match.n; i++) {
			if (!match.v[i].name)
				continue;
			err = store_image_untag(s, match.v[i].name);
			if (!err)
				err = store_image_set(s, NULL, &match.v[i].manifest);
			if (!err)
				untagged(m, match.config_digest, match.v[i].name);
		}
		store_match_free(&match);
		return err;
	}
	if (match.by_name) {
		err = store_image_untag(s, match.v[0].name);
		if (!err)
			untagged(m, match.config_digest, match.v[0].name);
	} else {
		size_t names = 0;
		for (size_t i = 0; i < match.n; i++)
			names += match.v[i].name != NULL;
		if (names > 1 && !force)
			err = cubo_error_new("image %s is referenced by %zu names (untag them, or "
					     "use --force)",
					     image_short_id(match.config_digest), names);
		for (size_t i = 0; !err && i < match.n; i++) {
			err = store_image_drop(s, match.v[i].manifest.digest);
			if (!err && match.v[i].name)
				untagged(m, match.config_digest, match.v[i].name);
		}
	}
	/* deleted when no entry of this image is left */
	if (!err) {
		struct store_match rest;
		struct cubo_error *e = store_image_find(s, match.config_digest, NULL, &rest);
		if (e) {
			printf("Deleted: %s\n", match.config_digest);
			ev_image(m->root, "delete", match.config_digest, match.config_digest,
				 &m->events_warned);
			*deleted = true;
			cubo_error_free(e);
		} else {
			store_match_free(&rest);
		}
	}
	store_match_free(&match);
	return err;
}

int cmd_rmi(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool force = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "remove an image that has several names"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "rmi",
		.usage = "rmi [OPTIONS] IMAGE [IMAGE...]",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected at least one image"),
		.description =
			"Remove images by name or ID (alias: rmb), and the blobs and extracted\n"
			"layers no other image uses.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	/* alone in the store before looking at what containers use: see store.h */
	struct store *s = NULL;
	struct image_users u;
	struct cubo_error *err = store_open_exclusive(m->root, &s);
	if (!err && (err = image_users_list(m->root, &u)))
		store_close(s);
	if (err)
		return mgr_fail(m, err);
	rc = 0;
	bool deleted = false;
	for (int i = 0; i < args.n; i++) {
		err = remove_one(m, s, args.v[i], force, &u, &deleted);
		if (err)
			rc = mgr_fail(m, err);
	}
	if (deleted) {
		struct store_gc_report rep;
		if ((err = store_gc(s, &rep)))
			rc = mgr_fail(m, err);
	}
	store_close(s);
	image_users_free(&u);
	return rc;
}

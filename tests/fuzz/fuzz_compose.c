/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compose files (cubo-mgr/compose/): any input loads or fails cleanly, also with
 * aliases and merge keys; a tree that loads writes out as YAML that loads again and
 * writes out the same; every scalar interpolates or fails cleanly; every service
 * normalises or fails cleanly (env_file left out: it reads files).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/compose/ctree.h"
#include "cubo-mgr/compose/interp.h"
#include "cubo-mgr/compose/model.h"
#include "shared/strv.h"
#include "tests/fuzz/fuzz.h"

static char *env[] = {"A=1", "EMPTY=", "B=$A", NULL};

static void interpolate_all(const struct cnode *n)
{
	if (n->kind == CTREE_SCALAR) {
		char *out = NULL;
		char **unset = NULL;
		fuzz_drop(compose_interpolate(n->str, env, &unset, &out));
		free(out);
		cubo_strv_free(unset);
		return;
	}
	for (size_t i = 0; i < n->n; i++)
		interpolate_all(n->v[i]);
}

static void normalise(struct cnode *root)
{
	struct cnode *svcs = ctree_get(root, "services");
	if (!svcs || svcs->kind != CTREE_MAP)
		return;
	struct compose_norm c = {.project = "p", .dir = "/p", .env = env};
	for (size_t i = 0; i < svcs->n; i++) {
		struct cpath path = {0};
		cpath_push_key(&path, "services");
		cpath_push_key(&path, svcs->keys[i]);
		ctree_del(svcs->v[i], "env_file");
		fuzz_drop(compose_norm_service(&c, svcs->v[i], &path));
	}
	cubo_strv_free(c.used_networks);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct cnode *root;
	struct cubo_error *err = ctree_load((const char *)data, size, "f.yaml", &root);
	if (err) {
		fuzz_drop(err);
		return 0;
	}
	char *a, *b;
	size_t la, lb;
	fuzz_must(ctree_to_yaml(root, &a, &la), "write the tree");
	struct cnode *again;
	err = ctree_load(a, la, "again.yaml", &again);
	if (err)
		FUZZ_FAIL("written YAML does not load: %s\n%s", err->msg, a);
	fuzz_must(ctree_to_yaml(again, &b, &lb), "write it again");
	if (la != lb || memcmp(a, b, la))
		FUZZ_FAIL("YAML round trip differs:\n%s---\n%s", a, b);
	free(a);
	free(b);
	ctree_free(again);
	fuzz_must(ctree_to_json(root, &a, &la), "write the tree as JSON");
	free(a);
	interpolate_all(root);
	normalise(root);
	ctree_free(root);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* --volumes-from: see volumes_from.h. */
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/bundle.h"
#include "cubo-mgr/container/record.h"
#include "cubo-mgr/container/volumes_from.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"
#include "spec/config.h"

struct cubo_error *volumes_from_parse(const char *s, char **name, enum volumes_from_mode *mode)
{
	*name = NULL;
	*mode = VOLUMES_FROM_AS_IS;
	const char *colon = strchr(s, ':');
	if (colon && !strcmp(colon, ":ro"))
		*mode = VOLUMES_FROM_RO;
	else if (colon && !strcmp(colon, ":rw"))
		*mode = VOLUMES_FROM_RW;
	else if (colon)
		return cubo_error_new("--volumes-from \"%s\": expected CONTAINER[:ro|:rw]", s);
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	char *c = xstrndup(s, n);
	struct cubo_error *err = ctr_name_check(c);
	if (err) {
		free(c);
		return cubo_error_wrap(err, "--volumes-from \"%s\"", s);
	}
	*name = c;
	return NULL;
}

static bool taken(const struct ctr_opts *o, const char *dest)
{
	for (size_t i = 0; i < o->n_volumes; i++)
		if (!strcmp(o->volumes[i].dest, dest))
			return true;
	for (size_t i = 0; i < o->n_tmpfs; i++)
		if (!strcmp(o->tmpfs[i].dest, dest))
			return true;
	return false;
}

/* One of the other container's mounts as a -v of this one. */
static struct ctr_volume_spec spec_of(const struct ctr_record *r, const struct oci_mount *mt,
				      enum volumes_from_mode mode)
{
	static const char *const propagations[] = {"shared", "slave",	 "private", "rshared",
						   "rslave", "rprivate", NULL};
	struct ctr_volume_spec v = {.dest = xstrdup(mt->destination)};
	const char *vol = ctr_record_volume_of(r, mt->source);
	v.named = vol != NULL;
	v.source = xstrdup(vol ? vol : mt->source);
	v.must_exist = !vol;
	v.borrowed = true;
	v.readonly = mode == VOLUMES_FROM_RO ||
		     (mode == VOLUMES_FROM_AS_IS && cubo_strv_contains(mt->options.v, "ro"));
	v.nonrecursive = cubo_strv_contains(mt->options.v, "bind");
	for (size_t i = 0; i < mt->options.n; i++)
		if (cubo_strv_contains((char *const *)propagations, mt->options.v[i]))
			snprintf(v.propagation, sizeof(v.propagation), "%s", mt->options.v[i]);
	return v;
}

static void add_from(const struct ctr_record *r, const struct oci_config *cfg,
		     enum volumes_from_mode mode, struct ctr_opts *o)
{
	static const char *const own[] = {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf",
					  BUNDLE_INIT_DEST, NULL};
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct oci_mount *mt = &cfg->mounts[i];
		if (!mt->type || strcmp(mt->type, "bind") || !mt->source || !mt->destination)
			continue;
		bool shared = r->volume_dests
				      ? cubo_strv_contains(r->volume_dests, mt->destination)
				      : !cubo_strv_contains((char *const *)own, mt->destination);
		if (!shared || taken(o, mt->destination))
			continue;
		o->volumes = xreallocarray(o->volumes, o->n_volumes + 2, sizeof(*o->volumes));
		o->volumes[o->n_volumes++] = spec_of(r, mt, mode);
		memset(&o->volumes[o->n_volumes], 0, sizeof(*o->volumes));
	}
}

struct cubo_error *volumes_from_add(const struct ctr_store *s, const char *arg, struct ctr_opts *o)
{
	char *name, id[CTR_ID_LEN + 1];
	enum volumes_from_mode mode;
	CUBO_TRY(volumes_from_parse(arg, &name, &mode));
	struct cubo_error *err = ctr_store_resolve(s, name, id);
	free(name);
	if (err)
		return cubo_error_wrap(err, "--volumes-from \"%s\"", arg);
	char *dir = ctr_store_dir(s, id);
	char *path = cubo_path_join(dir, "config.json");
	struct ctr_record r = {0};
	struct oci_config *cfg = NULL;
	err = ctr_record_load(dir, &r);
	if (!err)
		err = oci_config_load(path, &cfg);
	if (!err)
		add_from(&r, cfg, mode, o);
	if (cfg)
		oci_config_free(cfg);
	ctr_record_free(&r);
	free(path);
	free(dir);
	return err ? cubo_error_wrap(err, "--volumes-from \"%s\"", arg) : NULL;
}

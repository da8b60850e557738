/* SPDX-License-Identifier: Apache-2.0 */
/* A mount's options sorted for mount(2) and mount_setattr(2): see mount_opts.h. */
#include "cubo-runc/mount_opts.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "shared/xalloc.h"

enum opt_kind {
	OPT_MS_SET,    /* ro, nosuid, ...: an MS_* flag on */
	OPT_MS_CLR,    /* rw, suid, ...: the same flag explicitly off */
	OPT_RATTR_SET, /* rro, rnosuid, ... */
	OPT_RATTR_CLR, /* rrw, rsuid, ... */
	OPT_RATIME,    /* rnoatime, rrelatime, ...: one recursive atime mode */
	OPT_PROPAGATION,
	OPT_BIND,
	OPT_RBIND,
	OPT_REMOUNT,
	OPT_IDMAP,
	OPT_RIDMAP,
	OPT_IGNORE, /* runtime extensions that are not filesystem data */
};

struct opt_def {
	const char *name;
	enum opt_kind kind;
	unsigned long ms;
	uint64_t attr;
};

/* The runtime-spec "Mount options" list (config.md), plus runc's extensions. */
static const struct opt_def opt_defs[] = {
	{"ro", OPT_MS_SET, MS_RDONLY, 0},
	{"rw", OPT_MS_CLR, MS_RDONLY, 0},
	{"nosuid", OPT_MS_SET, MS_NOSUID, 0},
	{"suid", OPT_MS_CLR, MS_NOSUID, 0},
	{"nodev", OPT_MS_SET, MS_NODEV, 0},
	{"dev", OPT_MS_CLR, MS_NODEV, 0},
	{"noexec", OPT_MS_SET, MS_NOEXEC, 0},
	{"exec", OPT_MS_CLR, MS_NOEXEC, 0},
	{"sync", OPT_MS_SET, MS_SYNCHRONOUS, 0},
	{"async", OPT_MS_CLR, MS_SYNCHRONOUS, 0},
	{"dirsync", OPT_MS_SET, MS_DIRSYNC, 0},
	{"remount", OPT_REMOUNT, 0, 0},
	{"mand", OPT_MS_SET, MS_MANDLOCK, 0},
	{"nomand", OPT_MS_CLR, MS_MANDLOCK, 0},
	{"noatime", OPT_MS_SET, MS_NOATIME, 0},
	{"atime", OPT_MS_CLR, MS_NOATIME, 0},
	{"nodiratime", OPT_MS_SET, MS_NODIRATIME, 0},
	{"diratime", OPT_MS_CLR, MS_NODIRATIME, 0},
	{"relatime", OPT_MS_SET, MS_RELATIME, 0},
	{"norelatime", OPT_MS_CLR, MS_RELATIME, 0},
	{"strictatime", OPT_MS_SET, MS_STRICTATIME, 0},
	{"nostrictatime", OPT_MS_CLR, MS_STRICTATIME, 0},
	{"lazytime", OPT_MS_SET, MS_LAZYTIME, 0},
	{"nolazytime", OPT_MS_CLR, MS_LAZYTIME, 0},
	{"iversion", OPT_MS_SET, MS_I_VERSION, 0},
	{"noiversion", OPT_MS_CLR, MS_I_VERSION, 0},
	{"silent", OPT_MS_SET, MS_SILENT, 0},
	{"loud", OPT_MS_CLR, MS_SILENT, 0},
	{"nosymfollow", OPT_MS_SET, MS_NOSYMFOLLOW, 0},
	{"symfollow", OPT_MS_CLR, MS_NOSYMFOLLOW, 0},
	{"bind", OPT_BIND, 0, 0},
	{"rbind", OPT_RBIND, 0, 0},
	{"private", OPT_PROPAGATION, MS_PRIVATE, 0},
	{"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC, 0},
	{"shared", OPT_PROPAGATION, MS_SHARED, 0},
	{"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC, 0},
	{"slave", OPT_PROPAGATION, MS_SLAVE, 0},
	{"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC, 0},
	{"unbindable", OPT_PROPAGATION, MS_UNBINDABLE, 0},
	{"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC, 0},
	{"rro", OPT_RATTR_SET, 0, MOUNT_ATTR_RDONLY},
	{"rrw", OPT_RATTR_CLR, 0, MOUNT_ATTR_RDONLY},
	{"rnosuid", OPT_RATTR_SET, 0, MOUNT_ATTR_NOSUID},
	{"rsuid", OPT_RATTR_CLR, 0, MOUNT_ATTR_NOSUID},
	{"rnodev", OPT_RATTR_SET, 0, MOUNT_ATTR_NODEV},
	{"rdev", OPT_RATTR_CLR, 0, MOUNT_ATTR_NODEV},
	{"rnoexec", OPT_RATTR_SET, 0, MOUNT_ATTR_NOEXEC},
	{"rexec", OPT_RATTR_CLR, 0, MOUNT_ATTR_NOEXEC},
	{"rnodiratime", OPT_RATTR_SET, 0, MOUNT_ATTR_NODIRATIME},
	{"rdiratime", OPT_RATTR_CLR, 0, MOUNT_ATTR_NODIRATIME},
	{"rnosymfollow", OPT_RATTR_SET, 0, MOUNT_ATTR_NOSYMFOLLOW},
	{"rsymfollow", OPT_RATTR_CLR, 0, MOUNT_ATTR_NOSYMFOLLOW},
	{"rnoatime", OPT_RATIME, 0, MOUNT_ATTR_NOATIME},
	{"ratime", OPT_RATIME, 0, MOUNT_ATTR_RELATIME},
	{"rrelatime", OPT_RATIME, 0, MOUNT_ATTR_RELATIME},
	{"rnorelatime", OPT_RATIME, 0, MOUNT_ATTR_RELATIME},
	{"rstrictatime", OPT_RATIME, 0, MOUNT_ATTR_STRICTATIME},
	{"rnostrictatime", OPT_RATIME, 0, MOUNT_ATTR_RELATIME},
	{"idmap", OPT_IDMAP, 0, 0},
	{"ridmap", OPT_RIDMAP, 0, 0},
	/* fstab's placeholder: no filesystem takes it as data (tmpfs refuses it). */
	{"defaults", OPT_IGNORE, 0, 0},
	/* runc's tmpfs copy-up: not filesystem data, and not done here yet. */
	{"tmpcopyup", OPT_IGNORE, 0, 0},
};

static const struct opt_def *opt_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
		if (!strcmp(opt_defs[i].name, name))
			return &opt_defs[i];
	return NULL;
}

unsigned long mount_propagation_flag(const char *name)
{
	const struct opt_def *d = name ? opt_lookup(name) : NULL;
	return d && d->kind == OPT_PROPAGATION ? d->ms : 0;
}

static void data_append(char **data, const char *opt)
{
	char *joined = xasprintf("%s%s%s", *data ? *data : "", *data ? "," : "", opt);
	free(*data);
	*data = joined;
}

struct cubo_error *mount_opts_parse(const struct oci_strlist *options, struct mount_opts *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < options->n; i++) {
		const char *name = options->v[i];
		const struct opt_def *d = opt_lookup(name);

		if (!d) {
			data_append(&out->data, name);
			continue;
		}
		switch (d->kind) {
		case OPT_MS_SET:
			out->ms_set |= d->ms;
			out->ms_clr &= ~d->ms;
			break;
		case OPT_MS_CLR:
			out->ms_clr |= d->ms;
			out->ms_set &= ~d->ms;
			break;
		case OPT_RATTR_SET:
			out->rattr_set |= d->attr;
			out->rattr_clr &= ~d->attr;
			break;
		case OPT_RATTR_CLR:
			out->rattr_clr |= d->attr;
			out->rattr_set &= ~d->attr;
			break;
		case OPT_RATIME:
			out->rattr_clr |= MOUNT_ATTR__ATIME;
			out->rattr_set = (out->rattr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | d->attr;
			break;
		case OPT_PROPAGATION:
			if (out->n_propagation == MOUNT_MAX_PROPAGATION) {
				mount_opts_free(out);
				return cubo_error_new(
					"mount options: more than %d propagation options",
					MOUNT_MAX_PROPAGATION);
			}
			out->propagation[out->n_propagation++] = d->ms;
			break;
		case OPT_BIND:
			out->bind = true;
			break;
		case OPT_RBIND:
			out->rbind = true;
			break;
		case OPT_REMOUNT:
			out->remount = true;
			break;
		case OPT_IDMAP:
			out->idmap = true;
			break;
		case OPT_RIDMAP:
			out->ridmap = true;
			break;
		case OPT_IGNORE:
			break;
		}
	}
	return NULL;
}

void mount_opts_free(struct mount_opts *o)
{
	free(o->data);
	o->data = NULL;
}

void mount_opts_to_attr(const struct mount_opts *o, uint64_t *set, uint64_t *clr)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
		{MS_RDONLY, MOUNT_ATTR_RDONLY},		{MS_NOSUID, MOUNT_ATTR_NOSUID},
		{MS_NODEV, MOUNT_ATTR_NODEV},		{MS_NOEXEC, MOUNT_ATTR_NOEXEC},
		{MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
	};
	*set = *clr = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (o->ms_set & map[i].ms)
			*set |= map[i].attr;
		if (o->ms_clr & map[i].ms)
			*clr |= map[i].attr;
	}
	/* atime is one mode, not three flags: the last word wins, default relatime. */
	if (o->ms_set & MS_STRICTATIME) {
		*clr |= MOUNT_ATTR__ATIME;
		*set |= MOUNT_ATTR_STRICTATIME;
	} else if (o->ms_set & MS_NOATIME) {
		*clr |= MOUNT_ATTR__ATIME;
		*set |= MOUNT_ATTR_NOATIME;
	} else if ((o->ms_set & MS_RELATIME) ||
		   (o->ms_clr & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME))) {
		*clr |= MOUNT_ATTR__ATIME;
		*set |= MOUNT_ATTR_RELATIME;
	}
}

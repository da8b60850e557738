/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A config mount's "options" (runtime-spec config.md, plus runc's
 * extensions), sorted into what each system call wants: MS_* flags for
 * mount(2), MOUNT_ATTR_* for mount_setattr(2), propagation in order, and the
 * rest as the filesystem's data string. Pure: no system call is made here.
 */
#ifndef CUBO_RUNC_MOUNT_OPTS_H
#define CUBO_RUNC_MOUNT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"
#include "spec/config.h"

#define MOUNT_MAX_PROPAGATION 8

/* A mount's "options", sorted into what each system call wants. */
struct mount_opts {
	unsigned long ms_set; /* MS_* for mount(2) of a new filesystem */
	unsigned long ms_clr; /* MS_* explicitly turned off (rw, suid, ...) */
	uint64_t attr_set;    /* MOUNT_ATTR_* for this mount only (binds) */
	uint64_t attr_clr;
	uint64_t rattr_set; /* the r* variants: MOUNT_ATTR_* with AT_RECURSIVE */
	uint64_t rattr_clr;
	unsigned long propagation[MOUNT_MAX_PROPAGATION]; /* MS_SHARED... (|MS_REC), in order */
	size_t n_propagation;
	bool bind, rbind, remount;
	bool idmap, ridmap;
	char *data; /* everything else, comma-joined, for the filesystem; NULL when empty */
};

/* Sort options; unknown ones go to data. Only fails on too many propagation options. */
struct cubo_error *mount_opts_parse(const struct oci_strlist *options, struct mount_opts *out);
void mount_opts_free(struct mount_opts *o);
/* "shared", "rslave"... -> MS_* (|MS_REC); 0 when not a propagation name. */
unsigned long mount_propagation_flag(const char *name);
/*
 * The per-mount (not per-superblock) part of o's MS_* flags as MOUNT_ATTR_*
 * for mount_setattr(2) on a bind. atime is one mode: strictatime over
 * noatime over relatime, as mount(2) decides.
 */
void mount_opts_to_attr(const struct mount_opts *o, uint64_t *set, uint64_t *clr);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /proc/<pid>/mountinfo read into entries, escapes undone, and the lookups
 * made on it: which mount a path lies on.
 */
#ifndef CUBO_RUNC_MOUNTINFO_H
#define CUBO_RUNC_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"

/* One line of /proc/self/mountinfo, unescaped. */
struct mountinfo_entry {
	int id, parent;
	char *root; /* path inside the filesystem that is mounted */
	char *mountpoint;
	char *optional; /* "shared:1 master:2" ("" when none) */
	char *fstype;
	char *source;
	char *super_opts;
};

struct mountinfo {
	struct mountinfo_entry *v;
	size_t n;
};

struct cubo_error *mountinfo_read(const char *path, struct mountinfo *out);
/* This process's mountinfo, through the proven procfs (procfd.h; -1: /proc as seen). */
struct cubo_error *mountinfo_read_self(int procfd, struct mountinfo *out);
void mountinfo_free(struct mountinfo *mi);
/* The entry whose mountpoint is the longest prefix of path (path is absolute). */
const struct mountinfo_entry *mountinfo_find_parent(const struct mountinfo *mi, const char *path);

/* Is path prefix itself or beneath it (whole components: /a/b is not beneath /a/bc)? */
bool mount_path_has_prefix(const char *path, const char *prefix);

#endif

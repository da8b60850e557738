/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure part of `cp`, docker's rules exactly: which argument names a
 * container ("CTR:PATH"; a local path holding ':' is written "./a:b" or
 * "/x/a:b"), and, from what SRC_PATH and DEST_PATH are, where the copy
 * goes and under which name:
 *
 *   SRC file, DEST missing          -> the file DEST (its parent must exist)
 *   SRC file, DEST missing, "DEST/" -> error: the directory must exist
 *   SRC file, DEST a file           -> DEST overwritten
 *   SRC file, DEST a directory      -> DEST/basename(SRC)
 *   SRC dir,  DEST missing          -> DEST made, with SRC's contents
 *   SRC dir,  DEST a file           -> error: cannot copy a directory to a file
 *   SRC dir,  DEST a directory      -> DEST/basename(SRC), or with "SRC/." the
 *                                      contents of SRC into DEST
 *   SRC "file/"                     -> error: not a directory
 *
 * The copy is a tar stream: plan->name is the name its top entry takes in
 * plan->dir (an existing directory), or NULL when SRC's entries go there
 * one by one.
 */
#ifndef CUBO_MGR_CONTAINER_CP_RULE_H
#define CUBO_MGR_CONTAINER_CP_RULE_H

#include <stdbool.h>

#include "shared/error.h"

/*
 * "CTR:PATH" -> *container "CTR", *path "PATH" ("CTR:" is its root); a local
 * path: *container NULL.
 */
struct cubo_error *cp_arg_split(const char *arg, char **container, char **path);

enum cp_kind {
	CP_MISSING,
	CP_FILE, /* anything but a directory: a file, a symlink, a device, ... */
	CP_DIR,
};

struct cp_plan {
	char *dir;  /* the existing directory the entries go into */
	char *name; /* the top entry's name there; NULL: SRC's contents */
};

/* One end of the copy: its path, what is there, and how errors name it ("web:/etc"). */
struct cp_side {
	const char *path;
	enum cp_kind kind;
	const char *label; /* NULL: the path */
};

struct cubo_error *cp_plan_make(const struct cp_side *src, const struct cp_side *dest,
				struct cp_plan *out);
void cp_plan_free(struct cp_plan *p);

/* The last component of path ("a/b/" -> "b"; "/" and "" -> "/" and "."); caller frees. */
char *cp_base_name(const char *path);
/* The directory holding path's last component ("a/b/" -> "a", "b" -> "."); caller frees. */
char *cp_dir_name(const char *path);
/* Whether path ends in "/." or is "." ("copy the contents"). */
bool cp_names_contents(const char *path);
/* Whether path ends in '/' or "/." (it must be a directory). */
bool cp_names_dir(const char *path);

#endif

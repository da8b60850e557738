/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a container changed, as docker diff lists it, from its overlay's
 * upper directory and its image's layers (lower directories, each in
 * overlay's form: whiteouts are 0/0 character devices, opaque directories
 * carry trusted.overlay.opaque or user.overlay.opaque = "y").
 *
 * docker's rules: an entry of the upper directory is added (A) when no
 * layer has it, changed (C) when one has, and deleted (D) when it is a
 * whiteout; a directory in both with the same mode, size and mtime is not
 * a change itself, but the parent of an added or deleted entry always is.
 * An opaque directory hides all the layers had in it: each such entry is
 * deleted, unless the upper directory has it again. Entries come in the
 * order of a walk with each directory's names sorted.
 *
 * Both trees are the container's to shape: nothing is followed (every
 * name is opened relative to its directory with O_NOFOLLOW), nothing but
 * directories is opened, and the walk stops at a depth limit.
 */
#ifndef CUBO_MGR_CONTAINER_CTR_DIFF_H
#define CUBO_MGR_CONTAINER_CTR_DIFF_H

#include <stddef.h>

#include "shared/error.h"

/* docker's numbering of Kind in its API */
enum ctr_change_kind {
	CTR_CHANGE_MODIFY = 0,
	CTR_CHANGE_ADD = 1,
	CTR_CHANGE_DELETE = 2,
};

struct ctr_change {
	char *path; /* "/etc/passwd" */
	enum ctr_change_kind kind;
};

/* directories deeper than this are refused: the walk holds a descriptor per level */
#define CTR_DIFF_MAX_DEPTH 256

/*
 * The changes of upper over lowers (directory paths, topmost first,
 * NULL-terminated). skip: absolute paths left out with what is beneath
 * them (the mount points the runtime made, which docker keeps in its init
 * layer), NULL-terminated or NULL.
 */
struct cubo_error *ctr_diff(const char *upper, char *const *lowers, char *const *skip,
			    struct ctr_change **out, size_t *n);
void ctr_changes_free(struct ctr_change *v, size_t n);

/* 'A', 'C' or 'D' */
char ctr_change_letter(enum ctr_change_kind k);

#endif

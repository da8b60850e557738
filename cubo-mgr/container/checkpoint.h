/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's checkpoints (checkpoint create/ls/rm, start --checkpoint):
 * each one a directory of criu's images named as the user chose, under
 * <container dir>/checkpoints/ by default (docker's
 * /var/lib/docker/containers/ID/checkpoints/NAME) or under the
 * --checkpoint-dir given. Names follow docker's rule, so a name is always
 * one plain path component (no "/", no "..", nothing hidden).
 */
#ifndef CUBO_MGR_CONTAINER_CHECKPOINT_H
#define CUBO_MGR_CONTAINER_CHECKPOINT_H

#include "shared/error.h"

#define CHECKPOINT_SUBDIR "checkpoints"
/* criu's work files and logs (dump.log, restore.log) of the last dump or restore */
#define CHECKPOINT_WORK_SUBDIR "criu-work"

/* docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+, at most 255 bytes. */
struct cubo_error *checkpoint_name_check(const char *name);

/* Where a container's checkpoints are: custom (--checkpoint-dir), else ctr_dir/checkpoints. */
char *checkpoint_parent(const char *ctr_dir, const char *custom);

/*
 * Make parent/name (0700, parent made as needed) for a new checkpoint of
 * container ctr (as errors name it); one already there is an error.
 */
struct cubo_error *checkpoint_make(const char *parent, const char *name, const char *ctr,
				   char **path);

/* parent/name, which must be a directory (not a symlink to one). */
struct cubo_error *checkpoint_find(const char *parent, const char *name, const char *ctr,
				   char **path);

/*
 * ctr_dir/criu-work, made empty: the work path of a dump or restore, kept
 * after it so that the log a failure names can be read.
 */
struct cubo_error *checkpoint_work_dir(const char *ctr_dir, char **path);

/*
 * The checkpoints in parent, sorted, NULL-terminated (*names NULL when
 * none, also when parent does not exist): its directories with valid
 * names; anything else there is not a checkpoint.
 */
struct cubo_error *checkpoint_list(const char *parent, char ***names);

#endif

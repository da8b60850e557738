/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `-u USER[:GROUP]` the way docker resolves it: names are looked up in the
 * container's own /etc/passwd and /etc/group (never the host's), numbers
 * need no entry. The user's primary group comes from passwd (0 when the
 * uid has no entry), supplementary groups from every group that lists the
 * user, and HOME from passwd ("/" without an entry).
 */
#ifndef CUBO_MGR_CONTAINER_PASSWD_H
#define CUBO_MGR_CONTAINER_PASSWD_H

#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"

struct ctr_user {
	uint32_t uid, gid;
	uint32_t *groups; /* supplementary */
	size_t n_groups;
	char *home;
};

void ctr_user_free(struct ctr_user *u);

/* passwd and group are the files' text (NULL when the file is missing). */
struct cubo_error *passwd_resolve(const char *spec, const char *passwd, const char *group,
				  struct ctr_user *out);
/*
 * Same, reading etc/passwd and etc/group beneath a root directory fd: the
 * image's or the running container's, so hostile. They are resolved inside
 * the root, read only when regular files and at most 16 MiB; a FIFO, a
 * device, a directory or a larger file there is an error naming the file
 * (a missing one is fine).
 */
struct cubo_error *passwd_resolve_in_root(int root_fd, const char *spec, struct ctr_user *out);

/*
 * --group-add: each of names (a group name in the group file's text, or a
 * GID) joins out's supplementary groups once; an unknown name is an error.
 */
struct cubo_error *passwd_add_groups(const char *group, char *const *names, struct ctr_user *out);
/* Same, reading etc/group beneath a root directory fd, as passwd_resolve_in_root. */
struct cubo_error *passwd_add_groups_in_root(int root_fd, char *const *names, struct ctr_user *out);

#endif

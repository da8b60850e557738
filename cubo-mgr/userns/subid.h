/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subordinate ids of a user (/etc/subuid, /etc/subgid: "NAME:START:COUNT"
 * or "UID:START:COUNT", one range a line, as shadow's newuidmap reads them),
 * and the user's name from /etc/passwd. Pure: the callers read the files.
 */
#ifndef CUBO_MGR_USERNS_SUBID_H
#define CUBO_MGR_USERNS_SUBID_H

#include <stddef.h>
#include <sys/types.h>

#include "shared/error.h"

struct subid_range {
	unsigned long start;
	unsigned long count;
};

/*
 * The ranges in text (the content of file, named in errors) that belong to
 * the user called name (may be NULL) or numbered id, in file order: *out
 * (malloc'd, NULL when none) and *n. Lines of other users are not looked
 * at; a malformed line of this user is an error naming file and line.
 */
struct cubo_error *subid_parse(const char *text, const char *file, const char *name,
			       unsigned long id, struct subid_range **out, size_t *n);

/* The name of uid in text (an /etc/passwd), malloc'd; NULL when not there. */
char *subid_user_name(const char *passwd, unsigned long uid);

/*
 * The map of a namespace whose id 0 is outside_id and 1.. the ranges in
 * order, as the arguments newuidmap and newgidmap take after the pid
 * ("0 1000 1 1 100000 65536 ..."), in a malloc'd vector of strings
 * (NULL-terminated, free with cubo_strv_free).
 */
char **subid_map_args(unsigned long outside_id, const struct subid_range *r, size_t n);

#endif

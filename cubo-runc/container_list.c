/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/container_list.h"

#include <dirent.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cubo-runc/container.h"
#include "shared/xalloc.h"

/*
 * The state directory's owner, named from /etc/passwd itself rather than
 * through NSS, which a static runtime cannot load (runc reads the file too).
 */
static void owner_name(const char *dir, char out[64])
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		snprintf(out, 64, "?");
		return;
	}
	snprintf(out, 64, "#%u", st.st_uid);
	FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return;
	struct passwd *pw;
	while ((pw = fgetpwent(f)))
		if (pw->pw_uid == st.st_uid) {
			snprintf(out, 64, "%s", pw->pw_name);
			break;
		}
	fclose(f);
}

static int compare_rows(const void *a, const void *b)
{
	return strcmp(((const struct container_summary *)a)->id,
		      ((const struct container_summary *)b)->id);
}

void container_list(const char *root, struct container_summary **rows, size_t *n)
{
	DIR *d = opendir(root);
	struct dirent *de;
	size_t cap = 0;

	*rows = NULL;
	*n = 0;
	if (!d)
		return; /* no root yet: no containers */
	while ((de = readdir(d))) {
		struct container *c;
		struct container_summary *r;
		struct cubo_error *err;

		if (de->d_name[0] == '.')
			continue;
		err = container_load(root, de->d_name, false, &c);
		if (err) { /* vanished or unreadable: list shows what it can */
			cubo_error_free(err);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*rows = xreallocarray(*rows, cap, sizeof(**rows));
		}
		r = &(*rows)[(*n)++];
		memset(r, 0, sizeof(*r));
		enum container_status st = container_status(c);
		r->id = xstrdup(c->id);
		r->status = container_status_name(st);
		if (c->state) {
			r->pid = st == STATUS_STOPPED ? 0 : c->state->pid;
			r->oci_version = xstrdup(c->state->oci_version);
			r->bundle = xstrdup(c->state->bundle);
			r->rootfs = xstrdup(c->state->rootfs);
			r->created = xstrdup(c->state->created);
		}
		owner_name(c->dir, r->owner);
		container_free(c);
	}
	closedir(d);
	/* with no container *rows is NULL, which qsort must not be given */
	if (*n > 1)
		qsort(*rows, *n, sizeof(**rows), compare_rows);
}

void container_summaries_free(struct container_summary *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].oci_version);
		free(rows[i].bundle);
		free(rows[i].rootfs);
		free(rows[i].created);
	}
	free(rows);
}

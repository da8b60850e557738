/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/self/mountinfo, read and searched: see mountinfo.h. */
#include "cubo-runc/mountinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/procfd.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

/* A field of mountinfo, its escapes undone. */
static char *unescape(const char *s)
{
	char *out = xstrdup(s);
	cubo_unescape_octal(out);
	return out;
}

static void entry_free(struct mountinfo_entry *e)
{
	free(e->root);
	free(e->mountpoint);
	free(e->optional);
	free(e->fstype);
	free(e->source);
	free(e->super_opts);
}

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
static bool parse_line(char *line, struct mountinfo_entry *e)
{
	char *f[64];
	size_t n = 0;

	memset(e, 0, sizeof(*e));
	/*
	 * Fields are separated by exactly one space, and one may be empty: a
	 * mount made with source "" reads "... - tmpfs  rw". Collapsing spaces
	 * would shift the super options into the source.
	 */
	line[strcspn(line, "\n")] = '\0';
	while (line && n < 64)
		f[n++] = strsep(&line, " ");
	size_t sep = 6;
	while (sep < n && strcmp(f[sep], "-"))
		sep++;
	if (sep + 3 >= n + 1 || sep + 2 >= n)
		return false;
	e->id = atoi(f[0]);
	e->parent = atoi(f[1]);
	e->root = unescape(f[3]);
	e->mountpoint = unescape(f[4]);
	/* The optional fields, space-joined. */
	size_t len = 1;
	for (size_t i = 6; i < sep; i++)
		len += strlen(f[i]) + 1;
	e->optional = xcalloc(1, len);
	for (size_t i = 6; i < sep; i++) {
		if (i > 6)
			strcat(e->optional, " ");
		strcat(e->optional, f[i]);
	}
	e->fstype = xstrdup(f[sep + 1]);
	e->source = unescape(f[sep + 2]);
	e->super_opts = xstrdup(sep + 3 < n ? f[sep + 3] : "");
	return true;
}

static void mountinfo_parse_file(FILE *f, struct mountinfo *out)
{
	char *line = NULL;
	size_t cap = 0, alloc = 0;

	while (getline(&line, &cap, f) > 0) {
		struct mountinfo_entry e;
		if (!parse_line(line, &e))
			continue;
		if (out->n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			out->v = xreallocarray(out->v, alloc, sizeof(*out->v));
		}
		out->v[out->n++] = e;
	}
	free(line);
}

struct cubo_error *mountinfo_read(const char *path, struct mountinfo *out)
{
	FILE *f = fopen(path, "re");

	memset(out, 0, sizeof(*out));
	if (!f)
		return cubo_error_errno("open %s", path);
	mountinfo_parse_file(f, out);
	fclose(f);
	return NULL;
}

struct cubo_error *mountinfo_read_self(int procfd, struct mountinfo *out)
{
	FILE *f;

	memset(out, 0, sizeof(*out));
	CUBO_TRY(procfd_fopen_self(procfd, "mountinfo", &f));
	mountinfo_parse_file(f, out);
	fclose(f);
	return NULL;
}

void mountinfo_free(struct mountinfo *mi)
{
	for (size_t i = 0; i < mi->n; i++)
		entry_free(&mi->v[i]);
	free(mi->v);
	mi->v = NULL;
	mi->n = 0;
}

bool mount_path_has_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	if (!strcmp(prefix, "/"))
		return path[0] == '/';
	return !strncmp(path, prefix, n) && (path[n] == '/' || path[n] == '\0');
}

const struct mountinfo_entry *mountinfo_find_parent(const struct mountinfo *mi, const char *path)
{
	const struct mountinfo_entry *best = NULL;
	/* The last match of the longest prefix: later lines are mounted on top. */
	for (size_t i = 0; i < mi->n; i++) {
		const struct mountinfo_entry *e = &mi->v[i];
		if (mount_path_has_prefix(path, e->mountpoint) &&
		    (!best || strlen(e->mountpoint) >= strlen(best->mountpoint)))
			best = e;
	}
	return best;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* User and group lookup in a container's files: see passwd.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/container/passwd.h"
#include "shared/path_in_root.h"
#include "shared/xalloc.h"

void ctr_user_free(struct ctr_user *u)
{
	free(u->groups);
	free(u->home);
	u->groups = NULL;
	u->home = NULL;
}

static bool parse_id(const char *s, size_t n, uint32_t *out)
{
	if (n == 0 || n > 10)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Split one colon-separated line into at most max fields (pointers into line). */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/*
 * Visit the lines of an /etc/passwd- or /etc/group-style text. fn returns
 * true to stop.
 */
typedef bool (*line_fn)(char **f, size_t n, void *ctx);
static void each_line(const char *text, size_t max_fields, line_fn fn, void *ctx)
{
	if (!text)
		return;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, len);
		char *f[8];
		bool stop = false;
		if (line[0] && line[0] != '#')
			stop = fn(f, split_fields(line, f, max_fields), ctx);
		free(line);
		if (stop || !nl)
			return;
		p = nl + 1;
	}
}

struct pw_find {
	const char *name; /* or NULL to match uid */
	size_t name_len;
	uint32_t uid;
	bool found;
	char *user_name;
	uint32_t found_uid, gid;
	char *home;
};

static bool pw_match(char **f, size_t n, void *ctx)
{
	struct pw_find *q = ctx;
	uint32_t uid, gid;
	if (n < 7 || !parse_id(f[2], strlen(f[2]), &uid) || !parse_id(f[3], strlen(f[3]), &gid))
		return false;
	if (q->name ? strlen(f[0]) != q->name_len || strncmp(f[0], q->name, q->name_len)
		    : uid != q->uid)
		return false;
	q->found = true;
	q->found_uid = uid;
	q->gid = gid;
	q->user_name = xstrdup(f[0]);
	q->home = xstrdup(f[5]);
	return true;
}

struct gr_find {
	const char *name; /* the group asked for, or NULL */
	size_t name_len;
	bool found;
	uint32_t gid;
	const char *member; /* collect groups listing this user */
	uint32_t primary;
	uint32_t *groups;
	size_t n_groups;
};

static bool gr_match(char **f, size_t n, void *ctx)
{
	struct gr_find *q = ctx;
	uint32_t gid;
	if (n < 4 || !parse_id(f[2], strlen(f[2]), &gid))
		return false;
	if (q->name) {
		if (strlen(f[0]) != q->name_len || strncmp(f[0], q->name, q->name_len))
			return false;
		q->found = true;
		q->gid = gid;
		return true;
	}
	char *save = NULL;
	for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		if (strcmp(m, q->member) || gid == q->primary)
			continue;
		uint32_t *g = xrealloc(q->groups, (q->n_groups + 1) * sizeof(*g));
		q->groups = g;
		q->groups[q->n_groups++] = gid;
		break;
	}
	return false;
}

struct cubo_error *passwd_resolve(const char *spec, const char *passwd, const char *group,
				  struct ctr_user *out)
{
	memset(out, 0, sizeof(*out));
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	if (ulen == 0)
		return cubo_error_new("user \"%s\": no user name or ID", spec);
	struct pw_find pw = {.name = spec, .name_len = ulen};
	bool numeric = parse_id(spec, ulen, &pw.uid);
	if (numeric)
		pw.name = NULL;
	each_line(passwd, 7, pw_match, &pw);
	if (!pw.found && !numeric)
		return cubo_error_new(
			"unable to find user %.*s: no matching entries in passwd file", (int)ulen,
			spec);
	out->uid = numeric ? pw.uid : pw.found_uid;
	out->gid = pw.found ? pw.gid : 0;
	out->home = xstrdup(pw.found && pw.home[0] ? pw.home : "/");
	if (colon) {
		const char *g = colon + 1;
		size_t glen = strlen(g);
		if (glen == 0) {
			free(pw.user_name);
			free(pw.home);
			ctr_user_free(out);
			return cubo_error_new("user \"%s\": empty group", spec);
		}
		if (!parse_id(g, glen, &out->gid)) {
			struct gr_find gq = {.name = g, .name_len = glen};
			each_line(group, 4, gr_match, &gq);
			if (!gq.found) {
				free(pw.user_name);
				free(pw.home);
				ctr_user_free(out);
				return cubo_error_new(
					"unable to find group %s: no matching entries in "
					"group file",
					g);
			}
			out->gid = gq.gid;
		}
	}
	if (pw.found) {
		/* docker adds the groups that list the user, also with an explicit group */
		struct gr_find gq = {.member = pw.user_name, .primary = out->gid};
		each_line(group, 4, gr_match, &gq);
		out->groups = gq.groups;
		out->n_groups = gq.n_groups;
	}
	free(pw.user_name);
	free(pw.home);
	return NULL;
}

/*
 * Larger than any real passwd or group file (a directory of 100,000 users is
 * some 6 MiB), small enough to hold in memory.
 */
#define PASSWD_FILE_MAX (16u << 20)

/* The file's text, or NULL when the image has none. */
static struct cubo_error *read_in_root(int root_fd, const char *path, char **out)
{
	struct cubo_error *err = cubo_read_file_in_root(root_fd, path, PASSWD_FILE_MAX, out, NULL);
	if (err && (err->errnum == ENOENT || err->errnum == ENOTDIR)) {
		cubo_error_free(err);
		return NULL;
	}
	return err;
}

struct cubo_error *passwd_resolve_in_root(int root_fd, const char *spec, struct ctr_user *out)
{
	char *passwd = NULL, *group = NULL;
	struct cubo_error *err = read_in_root(root_fd, "/etc/passwd", &passwd);
	if (!err)
		err = read_in_root(root_fd, "/etc/group", &group);
	if (!err)
		err = passwd_resolve(spec, passwd, group, out);
	else
		err = cubo_error_wrap(err, "look up user \"%s\"", spec);
	free(passwd);
	free(group);
	return err;
}

struct cubo_error *passwd_add_groups(const char *group, char *const *names, struct ctr_user *out)
{
	for (size_t i = 0; names && names[i]; i++) {
		const char *g = names[i];
		uint32_t gid;
		if (!parse_id(g, strlen(g), &gid)) {
			struct gr_find gq = {.name = g, .name_len = strlen(g)};
			each_line(group, 4, gr_match, &gq);
			if (!gq.found)
				return cubo_error_new("--group-add: unable to find group %s: no "
						      "matching entries in group file",
						      g);
			gid = gq.gid;
		}
		bool have = false;
		for (size_t j = 0; j < out->n_groups && !have; j++)
			have = out->groups[j] == gid;
		if (have)
			continue;
		out->groups = xrealloc(out->groups, (out->n_groups + 1) * sizeof(*out->groups));
		out->groups[out->n_groups++] = gid;
	}
	return NULL;
}

struct cubo_error *passwd_add_groups_in_root(int root_fd, char *const *names, struct ctr_user *out)
{
	if (!names || !names[0])
		return NULL;
	char *group = NULL;
	struct cubo_error *err = read_in_root(root_fd, "/etc/group", &group);
	if (!err)
		err = passwd_add_groups(group, names, out);
	free(group);
	return err;
}

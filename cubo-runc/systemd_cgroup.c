/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/systemd_cgroup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-runc/systemd_bus.h"
#include "cubo-runc/systemd_unit.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

static const struct cgroup_hierarchy *v2_of(const struct cgroup_layout *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->h[i].v2)
			return &l->h[i];
	return NULL;
}

/* The unit, its properties and the v2 mount, or an error saying which is wrong. */
static struct cubo_error *plan(const struct cgroup_layout *l, const char *cgroups_path,
			       const char *id, const struct oci_resources *res,
			       struct systemd_unit *u, struct systemd_props *props)
{
	size_t n;

	memset(u, 0, sizeof(*u));
	memset(props, 0, sizeof(*props));
	CUBO_TRY(systemd_check_running());
	if (l->mode != CGROUP_MODE_V2 || !v2_of(l))
		return cubo_error_new("--systemd-cgroup: needs a pure cgroup v2 host (this one "
				      "has cgroup v1 hierarchies)");
	if (geteuid() != 0)
		return cubo_error_new("--systemd-cgroup: only as root (the user's systemd "
				      "instance is not supported)");
	CUBO_TRY_CTX(systemd_unit_parse(cgroups_path, id, false, u), "linux.cgroupsPath");
	n = strlen(u->unit);
	if (n < 6 || strcmp(u->unit + n - 6, ".scope")) {
		struct cubo_error *err = cubo_error_new(
			"linux.cgroupsPath %s: names the slice unit %s; --systemd-cgroup runs a "
			"container in a scope (\"slice:prefix:name\")",
			cgroups_path, u->unit);

		systemd_unit_free(u);
		return err;
	}
	struct cubo_error *err = systemd_props_from_resources(res, props);
	if (err)
		systemd_unit_free(u);
	return err;
}

struct cubo_error *systemd_cgroup_check(const struct cgroup_layout *l, const char *cgroups_path,
					const char *id, const struct oci_resources *res)
{
	struct systemd_unit u;
	struct systemd_props props;

	CUBO_TRY(plan(l, cgroups_path, id, res, &u, &props));
	systemd_unit_free(&u);
	systemd_props_free(&props);
	return NULL;
}

/* systemd put pid where the unit's path says (and nowhere else). */
static struct cubo_error *check_placed(pid_t pid, const char *want)
{
	char f[64], *text = NULL, *line, *save = NULL;
	size_t len;
	struct cubo_error *err;
	bool ok = false;

	snprintf(f, sizeof(f), "/proc/%d/cgroup", (int)pid);
	CUBO_TRY(cubo_read_file(f, &text, &len));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "0::", 3))
			ok = !strcmp(line + 3, want);
	err = ok ? NULL : cubo_error_new("systemd placed the init elsewhere than %s (%s)", want, f);
	free(text);
	return err;
}

struct cubo_error *systemd_cgroup_create(const struct cgroup_layout *l, const char *cgroups_path,
					 const char *id, const struct oci_resources *res, pid_t pid,
					 int state_dirfd, struct cgroup_set **out)
{
	struct systemd_unit u;
	struct systemd_props props;
	struct cubo_error *err;
	char description[160], *dir;
	const struct cgroup_hierarchy *h;

	*out = NULL;
	CUBO_TRY(plan(l, cgroups_path, id, res, &u, &props));
	h = v2_of(l);
	snprintf(description, sizeof(description), "cubo container %s", id);
	err = systemd_scope_start(&u, &props, description, pid);
	systemd_props_free(&props);
	if (err) {
		systemd_unit_free(&u);
		return cubo_error_wrap(err, "--systemd-cgroup");
	}
	if (strcmp(h->mount_root, "/"))
		err = cubo_error_new("--systemd-cgroup: the cgroup2 mount shows %s, not the "
				     "root systemd names units from",
				     h->mount_root);
	if (!err)
		err = check_placed(pid, u.path);
	if (!err) {
		dir = cubo_path_join(h->mount_point, u.path);
		*out = cgroup_set_new_unit(dir);
		free(dir);
		err = cgroup_set_record(*out, state_dirfd);
	}
	if (err) {
		/* the caller kills the init; the unit must not outlive it */
		cubo_error_free(systemd_unit_stop(u.unit));
		cgroup_set_free(*out);
		*out = NULL;
	}
	systemd_unit_free(&u);
	return err;
}

struct cubo_error *systemd_cgroup_unit_of(const char *dir, char **unit)
{
	const char *base = strrchr(dir, '/');
	size_t n;

	*unit = NULL;
	base = base ? base + 1 : dir;
	n = strlen(base);
	if (n < 7 || n > 255 || strcmp(base + n - 6, ".scope") ||
	    strspn(base, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\") !=
		    n)
		return cubo_error_new("cgroup %s: not a systemd scope's cgroup", dir);
	*unit = xstrdup(base);
	return NULL;
}

struct cubo_error *systemd_cgroup_update(const struct cgroup_set *s,
					 const struct oci_resources *res)
{
	for (size_t i = 0; s && i < s->n; i++) {
		struct systemd_props props;
		char *unit;
		struct cubo_error *err;

		if (!s->d[i].unit)
			continue;
		CUBO_TRY(systemd_cgroup_unit_of(s->d[i].path, &unit));
		err = systemd_props_from_resources(res, &props);
		/* Delegate alone is no change */
		if (!err && props.n > 1)
			err = systemd_unit_set_props(unit, &props);
		systemd_props_free(&props);
		free(unit);
		CUBO_TRY(err);
	}
	return NULL;
}

struct cubo_error *systemd_cgroup_remove(const struct cgroup_set *s)
{
	for (size_t i = 0; s && i < s->n; i++) {
		char *unit;
		struct cubo_error *err;

		if (!s->d[i].unit)
			continue;
		CUBO_TRY(systemd_cgroup_unit_of(s->d[i].path, &unit));
		err = systemd_unit_stop(unit);
		free(unit);
		CUBO_TRY(err);
	}
	return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* --device, --device-cgroup-rule, --privileged's devices: see device_opt.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cubo-mgr/container/device_opt.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* How deep a directory of devices is walked (/dev/dri/by-path/... is 2). */
#define MAX_DEPTH 8
/* More nodes than any host has: a --device of a huge tree stops there. */
#define MAX_DEVICES 65536

void ctr_devices_free(struct ctr_devices *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].path);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* docker's validDeviceMode: r, w, m, each at most once, at least one. */
static bool access_ok(const char *s)
{
	if (!*s || strlen(s) > 3)
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("rwm", *p) || strchr(p + 1, *p))
			return false;
	return true;
}

struct cubo_error *run_opt_parse_device(const char *s, char **host, char **ctr, char perms[4])
{
	*host = *ctr = NULL;
	char **parts = cubo_strv_split(s, ':');
	size_t n = cubo_strv_len(parts);
	struct cubo_error *err = NULL;
	const char *dst = NULL, *mode = "rwm";
	if (n == 0 || n > 3 || !parts[0][0] || strchr(s, '\0')[-1] == ':') {
		err = cubo_error_new("--device \"%s\": invalid device specification: expected "
				     "HOST[:CONTAINER][:PERMS]",
				     s);
		goto out;
	}
	if (n == 3) {
		dst = parts[1];
		mode = parts[2];
		if (!access_ok(mode))
			err = cubo_error_new("--device \"%s\": bad mode specified: %s (r, w, m)", s,
					     mode);
	} else if (n == 2) {
		if (access_ok(parts[1]))
			mode = parts[1];
		else
			dst = parts[1];
	}
	if (!dst)
		dst = parts[0];
	if (!err && parts[0][0] != '/')
		err = cubo_error_new("--device \"%s\": the host path \"%s\" is not absolute", s,
				     parts[0]);
	if (!err && dst[0] != '/')
		err = cubo_error_new("--device \"%s\": bad format for path: %s (the container "
				     "path must be absolute)",
				     s, dst);
	if (!err) {
		*host = xstrdup(parts[0]);
		*ctr = xstrdup(dst);
		snprintf(perms, 4, "%s", mode);
	}
out:
	cubo_strv_free(parts);
	return err;
}

static bool parse_devnum(const char *s, size_t len, bool *any, int64_t *v)
{
	*any = len == 1 && s[0] == '*';
	if (*any)
		return true;
	if (!len || len > 9)
		return false;
	*v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

struct cubo_error *run_opt_parse_cgroup_rule(const char *s, struct oci_device_cgroup *out)
{
	memset(out, 0, sizeof(*out));
	char type[2], nums[32], acc[8];
	char tail;
	bool ok = sscanf(s, "%1s %31s %7s %c", type, nums, acc, &tail) == 3 &&
		  strchr("abc", type[0]) && access_ok(acc);
	const char *colon = ok ? strchr(nums, ':') : NULL;
	bool any_major = false, any_minor = false;
	ok = ok && colon && parse_devnum(nums, (size_t)(colon - nums), &any_major, &out->major) &&
	     parse_devnum(colon + 1, strlen(colon + 1), &any_minor, &out->minor);
	if (!ok)
		return cubo_error_new("--device-cgroup-rule \"%s\": invalid device cgroup rule: "
				      "expected \"TYPE MAJOR:MINOR ACCESS\" (TYPE a, b or c; MAJOR "
				      "and MINOR numbers or *; ACCESS of r, w, m)",
				      s);
	out->allow = true;
	out->type = xstrdup(type);
	out->has_major = !any_major;
	out->has_minor = !any_minor;
	out->access = xstrdup(acc);
	return NULL;
}

/* A node at host_path (not followed) as one device at ctr_path; false if not a c/b node. */
static bool node(const char *host_path, const char *ctr_path, const char *perms,
		 struct ctr_devices *d)
{
	struct stat st;
	if (lstat(host_path, &st) < 0 || (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)))
		return false;
	d->v = xreallocarray(d->v, d->n + 1, sizeof(*d->v));
	struct ctr_device *x = &d->v[d->n++];
	memset(x, 0, sizeof(*x));
	x->path = xstrdup(ctr_path);
	x->type = S_ISCHR(st.st_mode) ? 'c' : 'b';
	x->major = major(st.st_rdev);
	x->minor = minor(st.st_rdev);
	x->mode = st.st_mode & 07777;
	x->uid = st.st_uid;
	x->gid = st.st_gid;
	snprintf(x->access, sizeof(x->access), "%s", perms);
	return true;
}

/* Every node beneath dir (symlinks not followed), at ctr/relative; skip names some of /dev's. */
static void walk(const char *dir, const char *ctr, const char *perms, char *const *skip, int depth,
		 struct ctr_devices *d)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	while (dh && (e = readdir(dh)) && d->n < MAX_DEVICES) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (skip && cubo_strv_contains(skip, e->d_name)))
			continue;
		char *hp = cubo_path_join(dir, e->d_name);
		char *cp = cubo_path_join(ctr, e->d_name);
		struct stat st;
		if (!node(hp, cp, perms, d) && depth < MAX_DEPTH && lstat(hp, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			walk(hp, cp, perms, NULL, depth + 1, d);
		free(hp);
		free(cp);
	}
	if (dh)
		closedir(dh);
}

struct cubo_error *device_gather(const char *flag, const char *host, const char *ctr,
				 const char *perms, struct ctr_devices *d)
{
	/* docker follows a symlink given (/dev/disk/by-id/x -> ../../sda), not those beneath */
	char *real = realpath(host, NULL);
	const char *p = real ? real : host;
	size_t before = d->n;
	struct stat st;
	if (!node(p, ctr, perms, d) && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		walk(p, ctr, perms, NULL, 0, d);
	int e = errno;
	free(real);
	if (d->n > before)
		return NULL;
	if (!real && e == ENOENT)
		return cubo_error_new("%s: error gathering device information while adding custom "
				      "device \"%s\": no such file or directory",
				      flag, host);
	return cubo_error_new("%s: error gathering device information while adding custom "
			      "device \"%s\": not a device node",
			      flag, host);
}

struct cubo_error *device_gather_host(struct ctr_devices *d)
{
	static const char *const skip[] = {"pts",	  "shm",   "fd",      "mqueue", ".lxc",
					   ".lxd-mounts", ".udev", "console", NULL};
	walk("/dev", "/dev", "rwm", (char *const *)skip, 0, d);
	return NULL;
}

void device_to_oci(const struct ctr_device *d, struct oci_device *od,
		   struct oci_device_cgroup *rule)
{
	char type[2] = {d->type, '\0'};
	memset(od, 0, sizeof(*od));
	od->type = xstrdup(type);
	od->path = xstrdup(d->path);
	od->has_major = od->has_minor = true;
	od->major = d->major;
	od->minor = d->minor;
	od->has_file_mode = true;
	od->file_mode = d->mode;
	od->has_uid = od->has_gid = true;
	od->uid = d->uid;
	od->gid = d->gid;
	memset(rule, 0, sizeof(*rule));
	rule->allow = true;
	rule->type = xstrdup(type);
	rule->has_major = rule->has_minor = true;
	rule->major = d->major;
	rule->minor = d->minor;
	rule->access = xstrdup(d->access);
}

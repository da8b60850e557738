/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup flag values of run/create: see cgroup_opt.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cubo-mgr/container/cgroup_opt.h"
#include "cubo-mgr/container/run_opts.h"
#include "shared/size.h"
#include "shared/xalloc.h"

const char *blkio_dev_flag(enum blkio_dev_kind k)
{
	static const char *const flags[N_BLKIO_DEV_KINDS] = {
		"--blkio-weight-device", "--device-read-bps",	"--device-write-bps",
		"--device-read-iops",	 "--device-write-iops",
	};
	return flags[k];
}

void blkio_dev_free(struct blkio_dev *d)
{
	free(d->path);
	memset(d, 0, sizeof(*d));
}

static bool parse_count(const char *s, uint64_t max, uint64_t *out)
{
	if (!*s || strlen(s) > 20)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return v <= max;
}

struct cubo_error *blkio_dev_parse(enum blkio_dev_kind k, const char *s, struct blkio_dev *out)
{
	memset(out, 0, sizeof(*out));
	const char *flag = blkio_dev_flag(k);
	CUBO_TRY(run_opt_check_line(flag, s));
	/* the last colon: a device path may hold one, a value never */
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || s[0] != '/')
		return cubo_error_new("%s \"%s\": expected /DEVICE:VALUE", flag, s);
	const char *v = colon + 1;
	bool ok;
	if (k == BLKIO_WEIGHT_DEVICE) {
		ok = parse_count(v, 1000, &out->value) && (out->value == 0 || out->value >= 10);
		if (!ok)
			return cubo_error_new("%s \"%s\": a weight is 10 to 1000 (or 0)", flag, s);
	} else if (k == BLKIO_READ_BPS || k == BLKIO_WRITE_BPS) {
		int64_t bytes;
		struct cubo_error *err = cubo_parse_size(v, &bytes);
		if (err)
			return cubo_error_wrap(err, "%s \"%s\"", flag, s);
		if (bytes <= 0)
			return cubo_error_new("%s \"%s\": the rate must be above 0", flag, s);
		out->value = (uint64_t)bytes;
	} else {
		ok = parse_count(v, UINT64_MAX, &out->value) && out->value > 0;
		if (!ok)
			return cubo_error_new("%s \"%s\": the rate is a number of IOs a second, "
					      "above 0",
					      flag, s);
	}
	out->path = xstrndup(s, (size_t)(colon - s));
	return NULL;
}

struct cubo_error *blkio_dev_resolve(enum blkio_dev_kind k, struct blkio_dev *d)
{
	struct stat st;
	if (stat(d->path, &st) < 0)
		return cubo_error_errno("%s %s", blkio_dev_flag(k), d->path);
	if (!S_ISBLK(st.st_mode))
		return cubo_error_new("%s %s: not a block device", blkio_dev_flag(k), d->path);
	d->major = major(st.st_rdev);
	d->minor = minor(st.st_rdev);
	return NULL;
}

static bool cgroup_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 255 || (n == 1 && s[0] == '.') || (n == 2 && !strncmp(s, "..", 2)))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.@-", s[i]))
			return false;
	return true;
}

struct cubo_error *cgroup_parent_check(const char *s, bool systemd)
{
	CUBO_TRY(run_opt_check_line("--cgroup-parent", s));
	if (systemd) {
		size_t n = strlen(s);
		if (n <= 6 || strcmp(s + n - 6, ".slice") || !cgroup_name_ok(s, n))
			return cubo_error_new("--cgroup-parent \"%s\": with the systemd cgroup "
					      "driver, a slice name such as \"my.slice\"",
					      s);
		return NULL;
	}
	const char *p = s[0] == '/' ? s + 1 : s;
	bool ok = *p != '\0' && strlen(s) <= 4096;
	while (ok && *p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		ok = cgroup_name_ok(p, n);
		p += n + (slash ? 1 : 0);
		ok = ok && !(slash && !*p); /* no trailing slash */
	}
	if (!ok)
		return cubo_error_new("--cgroup-parent \"%s\": expected a cgroup path (names of "
				      "[A-Za-z0-9_.@-] separated by '/', no \".\" or \"..\")",
				      s);
	return NULL;
}

bool cgroup_host_has_rt(const char *cgroup_root)
{
	static const char *const dirs[] = {"cpu", "cpu,cpuacct", "cpuacct,cpu"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s/cpu.rt_runtime_us", cgroup_root, dirs[i]);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

bool cgroup_host_lacks_blkio_weight(const char *cgroup_root)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/blkio", cgroup_root);
	if (access(path, F_OK) < 0)
		return false;
	static const char *const files[] = {"blkio.weight", "blkio.bfq.weight"};
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		snprintf(path, sizeof(path), "%s/blkio/%s", cgroup_root, files[i]);
		if (access(path, F_OK) == 0)
			return false;
	}
	return true;
}

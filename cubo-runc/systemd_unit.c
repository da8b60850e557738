/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/systemd_unit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/cgroup_priv.h"
#include "cubo-runc/cgroup_stat_parse.h"
#include "shared/xalloc.h"

#define R "linux.resources."
#define DEFAULT_PREFIX "cubo"
/* systemd's limit on a unit name */
#define UNIT_NAME_MAX 255
/* CPUQuotaPerSecUSec is kept by systemd as a whole percent of a CPU */
#define QUOTA_STEP_USEC 10000

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

bool systemd_unit_is_scope(const struct systemd_unit *u)
{
	return ends_with(u->unit, ".scope");
}

struct cubo_error *systemd_slice_expand(const char *slice, char **path)
{
	*path = NULL;
	if (!strcmp(slice, "-.slice")) {
		*path = xstrdup("");
		return NULL;
	}
	size_t stem = strlen(slice) - (ends_with(slice, ".slice") ? strlen(".slice") : 0);
	if (!ends_with(slice, ".slice") || stem == 0 || strchr(slice, '/'))
		return cubo_error_new("\"%s\" is not a slice: a slice's name ends in .slice and "
				      "holds no '/'",
				      slice);
	/* "a-b-c" nests as a, a-b, a-b-c: every part between dashes must be there */
	if (slice[0] == '-' || slice[stem - 1] == '-' || memmem(slice, stem, "--", 2))
		return cubo_error_new("\"%s\" is not a slice: an empty part between dashes", slice);
	size_t cap = 1;
	for (size_t i = 0; i <= stem; i++)
		if (i == stem || slice[i] == '-')
			cap += 1 + i + strlen(".slice");
	char *p = xmalloc(cap);
	size_t len = 0;
	for (size_t i = 0; i <= stem; i++)
		if (i == stem || slice[i] == '-')
			len += (size_t)snprintf(p + len, cap - len, "/%.*s.slice", (int)i, slice);
	*path = p;
	return NULL;
}

/* What systemd takes in a unit name: letters, digits and ":-_.\\". */
static struct cubo_error *unit_name_check(const char *unit)
{
	if (strlen(unit) > UNIT_NAME_MAX)
		return cubo_error_new("unit name \"%.40s...\" is longer than %d characters", unit,
				      UNIT_NAME_MAX);
	size_t ok = strspn(unit, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789:-_.\\");
	if (unit[ok])
		return cubo_error_new("unit name \"%s\": systemd does not take '%c' in a unit name",
				      unit, unit[ok]);
	return NULL;
}

static struct cubo_error *parse_parts(const char *cgroups_path, const char *id, bool rootless,
				      struct systemd_unit *u)
{
	char *parts[3] = {NULL, NULL, NULL};
	struct cubo_error *err = NULL;
	if (!cgroups_path || !*cgroups_path) {
		parts[1] = xstrdup(DEFAULT_PREFIX);
		parts[2] = xstrdup(id);
	} else {
		const char *a = strchr(cgroups_path, ':');
		const char *b = a ? strchr(a + 1, ':') : NULL;
		if (!b || strchr(b + 1, ':'))
			return cubo_error_new(
				"expected \"slice:prefix:name\" for the systemd driver");
		parts[0] = xstrndup(cgroups_path, (size_t)(a - cgroups_path));
		parts[1] = xstrndup(a + 1, (size_t)(b - a - 1));
		parts[2] = xstrdup(b + 1);
	}
	if (!*parts[2])
		err = cubo_error_new("the name (after the second ':') is empty");
	if (!err && (!parts[0] || !*parts[0])) {
		free(parts[0]);
		parts[0] = xstrdup(rootless ? "user.slice" : "system.slice");
	}
	if (!err && ends_with(parts[2], ".slice")) {
		if (*parts[1])
			err = cubo_error_new("a slice (\"%s\") takes no prefix", parts[2]);
		else
			u->unit = xstrdup(parts[2]);
	} else if (!err) {
		u->unit = xasprintf("%s%s%s.scope", parts[1], *parts[1] ? "-" : "", parts[2]);
	}
	if (!err) {
		u->slice = parts[0];
		parts[0] = NULL;
	}
	for (int i = 0; i < 3; i++)
		free(parts[i]);
	return err;
}

struct cubo_error *systemd_unit_parse(const char *cgroups_path, const char *id, bool rootless,
				      struct systemd_unit *out)
{
	memset(out, 0, sizeof(*out));
	char *parent_path = NULL;
	struct cubo_error *err = parse_parts(cgroups_path, id, rootless, out);
	if (!err)
		err = unit_name_check(out->unit);
	if (!err)
		err = systemd_slice_expand(out->slice, &parent_path);
	if (!err && ends_with(out->unit, ".slice")) {
		/* a slice's place is in its name: x-y.slice is below x.slice */
		err = systemd_slice_expand(out->unit, &out->path);
		size_t n = parent_path ? strlen(parent_path) : 0;
		if (!err && (strncmp(out->path, parent_path, n) || out->path[n] != '/'))
			err = cubo_error_new("slice %s is not below %s: name it with %s's name and "
					     "a dash first",
					     out->unit, out->slice, out->slice);
	} else if (!err) {
		out->path = xasprintf("%s/%s", parent_path, out->unit);
	}
	free(parent_path);
	if (err) {
		systemd_unit_free(out);
		return cubo_error_wrap(err, "linux.cgroupsPath \"%s\"",
				       cgroups_path ? cgroups_path : "");
	}
	return NULL;
}

void systemd_unit_free(struct systemd_unit *u)
{
	free(u->slice);
	free(u->unit);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

/* ---- properties ---- */

static struct systemd_prop *prop_add(struct systemd_props *p, const char *name,
				     enum systemd_prop_type type)
{
	struct systemd_prop *v = xrealloc(p->v, (p->n + 1) * sizeof(*v));
	/* a handful of small entries */
	p->v = v;
	v = &p->v[p->n++];
	memset(v, 0, sizeof(*v));
	v->name = name;
	v->type = type;
	return v;
}

static void prop_u64(struct systemd_props *p, const char *name, uint64_t value)
{
	prop_add(p, name, SYSTEMD_PROP_U64)->u64 = value;
}

/* A spec limit where -1 means none. */
static uint64_t limit_of(int64_t v)
{
	return v < 0 ? SYSTEMD_INFINITY : (uint64_t)v;
}

static struct cubo_error *memory_props(const struct oci_memory *m, struct systemd_props *p)
{
	if (m->has_limit && m->limit)
		prop_u64(p, "MemoryMax", limit_of(m->limit));
	if (m->has_reservation && m->reservation)
		prop_u64(p, "MemoryLow", limit_of(m->reservation));
	char swap[32];
	CUBO_TRY(cgroup_v2_swap_value(m, swap, sizeof(swap)));
	if (!strcmp(swap, "max"))
		prop_u64(p, "MemorySwapMax", SYSTEMD_INFINITY);
	else if (*swap)
		prop_u64(p, "MemorySwapMax", strtoull(swap, NULL, 10));
	return NULL;
}

struct cubo_error *systemd_cpuset_mask(const char *list, const char *what, uint8_t **mask,
				       size_t *n)
{
	uint16_t *ids = NULL;
	size_t count = 0;
	*mask = NULL;
	*n = 0;
	CUBO_TRY(stat_parse_cpu_list(list, what, &ids, &count));
	size_t bytes = 0;
	for (size_t i = 0; i < count; i++)
		if ((size_t)ids[i] / 8 + 1 > bytes)
			bytes = (size_t)ids[i] / 8 + 1;
	uint8_t *m = xcalloc(bytes ? bytes : 1, 1);
	for (size_t i = 0; i < count; i++)
		m[ids[i] / 8] |= (uint8_t)(1u << (ids[i] % 8));
	free(ids);
	*mask = m;
	*n = bytes;
	return NULL;
}

static struct cubo_error *cpuset_prop(struct systemd_props *p, const char *name, const char *list,
				      const char *what)
{
	if (!list || !*list)
		return NULL;
	uint8_t *mask;
	size_t n;
	CUBO_TRY(systemd_cpuset_mask(list, what, &mask, &n));
	struct systemd_prop *v = prop_add(p, name, SYSTEMD_PROP_BYTES);
	v->bytes = mask;
	v->n_bytes = n;
	return NULL;
}

static struct cubo_error *cpu_props(const struct oci_cpu *c, struct systemd_props *p)
{
	if ((c->has_realtime_period && c->realtime_period) ||
	    (c->has_realtime_runtime && c->realtime_runtime))
		return cubo_error_new(R "cpu.realtimeRuntime/realtimePeriod: not supported on "
					"cgroup v2");
	if (c->has_shares && c->shares)
		prop_u64(p, "CPUWeight", cgroup_shares_to_weight(c->shares));
	uint64_t period = c->has_period && c->period ? c->period : 100000;
	if (c->has_period && c->period)
		prop_u64(p, "CPUQuotaPeriodUSec", period);
	if (c->has_quota && c->quota > 0) {
		/* runtime per second of CPU, rounded up to systemd's whole percent */
		uint64_t per_sec = ((uint64_t)c->quota * 1000000 + period - 1) / period;
		per_sec = (per_sec + QUOTA_STEP_USEC - 1) / QUOTA_STEP_USEC * QUOTA_STEP_USEC;
		prop_u64(p, "CPUQuotaPerSecUSec", per_sec);
	} else if ((c->has_quota && c->quota < 0) || (c->has_period && c->period)) {
		prop_u64(p, "CPUQuotaPerSecUSec", SYSTEMD_INFINITY);
	}
	CUBO_TRY(cpuset_prop(p, "AllowedCPUs", c->cpus, R "cpu.cpus"));
	return cpuset_prop(p, "AllowedMemoryNodes", c->mems, R "cpu.mems");
}

struct cubo_error *systemd_props_from_resources(const struct oci_resources *res,
						struct systemd_props *out)
{
	memset(out, 0, sizeof(*out));
	/* the runtime writes below the unit what has no property */
	prop_add(out, "Delegate", SYSTEMD_PROP_BOOL)->b = true;
	struct cubo_error *err = NULL;
	if (res && res->memory)
		err = memory_props(res->memory, out);
	if (!err && res && res->cpu)
		err = cpu_props(res->cpu, out);
	if (!err && res && res->pids)
		prop_u64(out, "TasksMax",
			 res->pids->limit > 0 ? (uint64_t)res->pids->limit : SYSTEMD_INFINITY);
	if (!err && res && res->block_io && res->block_io->has_weight && res->block_io->weight)
		prop_u64(out, "IOWeight", cgroup_blkio_weight_to_io(res->block_io->weight));
	if (err)
		systemd_props_free(out);
	return err;
}

void systemd_props_free(struct systemd_props *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].str);
		free(p->v[i].bytes);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

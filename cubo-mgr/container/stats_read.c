/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/container/stats_read.h"
#include "cubo-runc/cgroup.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

char *ctr_stats_cgroup_dir(const char *init_dir, const char *id)
{
	char *name = xasprintf("/cubo-%s", id);
	size_t nl = strlen(name);
	char *out = NULL;
	for (const char *p = strstr(init_dir, name); p; p = strstr(p + 1, name)) {
		const char *end = p + nl;
		if (!strncmp(end, ".scope", 6))
			end += 6;
		if (*end == '/' || !*end) {
			out = xstrndup(init_dir, (size_t)(end - init_dir));
			break;
		}
	}
	free(name);
	return out;
}

/* The container's directory in each hierarchy its init is in. */
static struct cubo_error *container_set(const char *mountinfo, const struct ctr_stats_target *t,
					struct cgroup_set *set)
{
	char path[64], *text;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)t->pid);
	CUBO_TRY(cubo_read_file(path, &text, &len));
	struct cgroup_layout l;
	struct cubo_error *err = cgroup_layout_parse(mountinfo, text, &l);
	free(text);
	CUBO_TRY(err);
	set->d = xcalloc(l.n + 1, sizeof(*set->d));
	set->n = 0;
	for (size_t i = 0; i < l.n; i++) {
		char *dir = ctr_stats_cgroup_dir(l.h[i].own_dir, t->id);
		if (!dir)
			continue;
		set->d[set->n++] = (struct cgroup_dir){
			.key = xstrdup(l.h[i].key), .path = dir, .v2 = l.h[i].v2};
	}
	cgroup_layout_free(&l);
	if (!set->n)
		return cubo_error_new("its init (pid %d) is in no cgroup named cubo-%.12s…",
				      (int)t->pid, t->id);
	return NULL;
}

static void set_clear(struct cgroup_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->d[i].key);
		free(set->d[i].path);
	}
	free(set->d);
}

/* The runtime's statistics of the set, as events --stats prints them, into s. */
static struct cubo_error *read_set(const struct cgroup_set *set, bool cpu_only,
				   struct ctr_stats_sample *s)
{
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(false, &g));
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "data");
	unsigned parts = CGROUP_STATS_CPU;
	if (!cpu_only)
		parts |= CGROUP_STATS_MEMORY | CGROUP_STATS_PIDS | CGROUP_STATS_BLKIO;
	struct cubo_error *err = cgroup_set_stats_json_parts(set, parts, g);
	if (err) {
		cubo_json_gen_free(g);
		return err;
	}
	cubo_json_gen_map_close(g);
	char *json;
	size_t len;
	CUBO_TRY(cubo_json_gen_finish(g, &json, &len));
	err = ctr_stats_parse_event(json, len, s);
	free(json);
	return err;
}

static struct cubo_error *read_one(const char *mountinfo, const struct ctr_stats_target *t,
				   bool cpu_only, struct ctr_stats_sample *s)
{
	struct cgroup_set set = {0};
	struct cubo_error *err = container_set(mountinfo, t, &set);
	s->when_ns = cubo_monotonic_ns();
	if (!err)
		err = read_set(&set, cpu_only, s);
	set_clear(&set);
	if (err || cpu_only)
		return err;
	char path[64], *text;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)t->pid);
	CUBO_TRY(cubo_read_file(path, &text, &len));
	err = ctr_stats_parse_net_dev(text, &s->net_rx, &s->net_tx);
	free(text);
	return err;
}

void ctr_stats_read(const struct ctr_stats_target *t, size_t n, bool cpu_only,
		    struct ctr_stats_sample *out, struct cubo_error **errs)
{
	memset(out, 0, n * sizeof(*out));
	memset(errs, 0, n * sizeof(*errs));
	char *mountinfo = NULL;
	size_t len;
	struct cubo_error *mi_err = cubo_read_file("/proc/self/mountinfo", &mountinfo, &len);
	for (size_t i = 0; i < n; i++) {
		if (!t[i].pid)
			continue;
		struct cubo_error *err =
			mi_err ? cubo_error_new_errno(mi_err->errnum, "read /proc/self/mountinfo")
			       : read_one(mountinfo, &t[i], cpu_only, &out[i]);
		/* the init may have exited since: the container stopped meanwhile */
		errs[i] = err ? cubo_error_wrap(err, "container %.12s", t[i].id) : NULL;
	}
	cubo_error_free(mi_err);
	free(mountinfo);
}

/* Whether a v1 hierarchy's key ("memory", "cpu,memory") names the memory controller. */
static bool has_memory(const char *key)
{
	for (const char *p = key; (p = strstr(p, "memory")); p++)
		if ((p == key || p[-1] == ',') && (p[6] == ',' || !p[6]))
			return true;
	return false;
}

char *ctr_stats_oom_file(pid_t pid, const char *id)
{
	char *mountinfo, *out = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file("/proc/self/mountinfo", &mountinfo, &len);
	if (err) {
		cubo_error_free(err);
		return NULL;
	}
	struct ctr_stats_target t = {.id = id, .pid = pid};
	struct cgroup_set set = {0};
	err = container_set(mountinfo, &t, &set);
	free(mountinfo);
	for (size_t i = 0; !err && !out && i < set.n; i++) {
		const char *file = set.d[i].v2 ? "memory.events" : "memory.oom_control";
		if (!set.d[i].v2 && !has_memory(set.d[i].key))
			continue;
		char *path = cubo_path_join(set.d[i].path, file);
		if (access(path, R_OK) == 0)
			out = path;
		else
			free(path);
	}
	cubo_error_free(err);
	set_clear(&set);
	return out;
}

uint64_t ctr_stats_oom_kills(const char *file)
{
	char *text;
	size_t len;
	struct cubo_error *err = cubo_read_file(file, &text, &len);
	if (err) {
		cubo_error_free(err);
		return 0;
	}
	uint64_t n = 0;
	for (char *line = text; line && *line;) {
		if (!strncmp(line, "oom_kill ", 9)) {
			n = strtoull(line + 9, NULL, 10);
			break;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	free(text);
	return n;
}

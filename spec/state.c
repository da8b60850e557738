/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI state object, and the runtime's state file.
 *
 * Public form (what `state` prints), per runtime-spec runtime.md:
 *   {"ociVersion", "id", "status", "pid", "bundle", "annotations"?}
 * "pid" is always written (runc does the same; 0 once stopped), annotations
 * only when there are some.
 *
 * Internal form (state.json in the state directory) is the same object with
 * one more member, "cubo", holding the private fields, so a reader that
 * knows only the OCI state (or runc's tools) still reads the file:
 *   "cubo": {"pidStartTime": 123, "created": "...", "rootfs": "...",
 *            "owner": "", "cgroupPaths": ["memory:/x", ...],
 *            "ownPidNs": true, "hostMounts": false, "systemdCgroup": false, "extra": {"k": "v"}}
 */
#include <stdlib.h>
#include <string.h>

#include "shared/json.h"
#include "shared/xalloc.h"
#include "spec/state.h"

static void map_free(struct oci_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].value);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

void oci_state_free(struct oci_state *st)
{
	if (!st)
		return;
	free(st->oci_version);
	free(st->id);
	free(st->status);
	free(st->bundle);
	map_free(&st->annotations);
	free(st->created);
	free(st->rootfs);
	free(st->owner);
	for (size_t i = 0; st->cgroup_paths.v && st->cgroup_paths.v[i]; i++)
		free(st->cgroup_paths.v[i]);
	free(st->cgroup_paths.v);
	map_free(&st->extra);
	free(st);
}

/* ---- generating ---- */

static void kstr(struct cubo_json_gen *g, const char *key, const char *s)
{
	if (!s)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_string(g, s);
}

static void kmap(struct cubo_json_gen *g, const char *key, const struct oci_map *m)
{
	if (!m->n)
		return;
	cubo_json_gen_key(g, key);
	cubo_json_gen_map_open(g);
	for (size_t i = 0; i < m->n; i++)
		kstr(g, m->v[i].key, m->v[i].value ? m->v[i].value : "");
	cubo_json_gen_map_close(g);
}

static void private_fields(struct cubo_json_gen *g, const struct oci_state *st)
{
	cubo_json_gen_key(g, "cubo");
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "pidStartTime");
	cubo_json_gen_uint(g, st->pid_start_time);
	kstr(g, "created", st->created);
	kstr(g, "rootfs", st->rootfs);
	kstr(g, "owner", st->owner);
	if (st->cgroup_paths.v) {
		cubo_json_gen_key(g, "cgroupPaths");
		cubo_json_gen_strv(g, st->cgroup_paths.v, st->cgroup_paths.n);
	}
	cubo_json_gen_key(g, "ownPidNs");
	cubo_json_gen_bool(g, st->own_pid_ns);
	cubo_json_gen_key(g, "hostMounts");
	cubo_json_gen_bool(g, st->host_mounts);
	cubo_json_gen_key(g, "systemdCgroup");
	cubo_json_gen_bool(g, st->systemd_cgroup);
	kmap(g, "extra", &st->extra);
	cubo_json_gen_map_close(g);
}

static void oci_fields(struct cubo_json_gen *g, const struct oci_state *st)
{
	kstr(g, "ociVersion", st->oci_version);
	kstr(g, "id", st->id);
	kstr(g, "status", st->status);
	cubo_json_gen_key(g, "pid");
	cubo_json_gen_int(g, st->pid);
	kstr(g, "bundle", st->bundle);
	kmap(g, "annotations", &st->annotations);
}

struct cubo_error *oci_state_to_json(const struct oci_state *st, bool internal, bool pretty,
				     char **out, size_t *out_len)
{
	struct cubo_json_gen *g;

	CUBO_TRY(cubo_json_gen_new(pretty, &g));
	cubo_json_gen_map_open(g);
	oci_fields(g, st);
	if (internal)
		private_fields(g, st);
	cubo_json_gen_map_close(g);
	return cubo_json_gen_finish(g, out, out_len);
}

struct cubo_error *oci_state_to_runc_json(const struct oci_state *st, bool pretty, char **out,
					  size_t *out_len)
{
	struct cubo_json_gen *g;

	CUBO_TRY(cubo_json_gen_new(pretty, &g));
	cubo_json_gen_map_open(g);
	oci_fields(g, st);
	kstr(g, "rootfs", st->rootfs ? st->rootfs : "");
	kstr(g, "created", st->created ? st->created : "");
	kstr(g, "owner", "");
	cubo_json_gen_map_close(g);
	return cubo_json_gen_finish(g, out, out_len);
}

/* ---- parsing ---- */

static const char *const statuses[] = {"creating", "created", "running", "stopped", "paused"};

static struct cubo_error *string_map(struct cubo_json_ctx *c, yajl_val obj, const char *key,
				     struct oci_map *out)
{
	yajl_val m;
	struct cubo_error *err = NULL;

	CUBO_TRY(cubo_json_field_object(c, obj, key, false, &m));
	if (!m)
		return NULL;
	out->v = xcalloc(m->u.object.len, sizeof(*out->v));
	size_t mark = cubo_json_push_key(c, key);
	for (size_t i = 0; i < m->u.object.len && !err; i++) {
		size_t m2 = cubo_json_push_key(c, m->u.object.keys[i]);
		err = cubo_json_as_string(c, m->u.object.values[i], &out->v[out->n].value);
		cubo_json_pop(c, m2);
		if (!err)
			out->v[out->n++].key = xstrdup(m->u.object.keys[i]);
	}
	cubo_json_pop(c, mark);
	return err;
}

static struct cubo_error *private_body(struct cubo_json_ctx *c, yajl_val v, struct oci_state *st)
{
	CUBO_TRY(cubo_json_field_uint64(c, v, "pidStartTime", false, &st->pid_start_time, NULL));
	CUBO_TRY(cubo_json_field_string(c, v, "created", false, &st->created));
	CUBO_TRY(cubo_json_field_string(c, v, "rootfs", false, &st->rootfs));
	CUBO_TRY(cubo_json_field_string(c, v, "owner", false, &st->owner));
	CUBO_TRY(cubo_json_field_strv(c, v, "cgroupPaths", false, &st->cgroup_paths.v,
				      &st->cgroup_paths.n));
	CUBO_TRY(cubo_json_field_bool(c, v, "ownPidNs", &st->own_pid_ns, NULL));
	CUBO_TRY(cubo_json_field_bool(c, v, "hostMounts", &st->host_mounts, NULL));
	CUBO_TRY(cubo_json_field_bool(c, v, "systemdCgroup", &st->systemd_cgroup, NULL));
	CUBO_TRY(string_map(c, v, "extra", &st->extra));
	return NULL;
}

static struct cubo_error *state_body(struct cubo_json_ctx *c, yajl_val top, struct oci_state *st)
{
	yajl_val priv;
	bool known = false;

	CUBO_TRY(cubo_json_expect_object(c, top));
	CUBO_TRY(cubo_json_field_string(c, top, "ociVersion", true, &st->oci_version));
	CUBO_TRY(cubo_json_field_string(c, top, "id", true, &st->id));
	CUBO_TRY(cubo_json_field_string(c, top, "status", true, &st->status));
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		known = known || strcmp(st->status, statuses[i]) == 0;
	if (!known) {
		size_t mark = cubo_json_push_key(c, "status");
		struct cubo_error *err = cubo_json_error(c, "unknown status \"%s\"", st->status);
		cubo_json_pop(c, mark);
		return err;
	}
	int32_t pid = 0;
	CUBO_TRY(cubo_json_field_int32(c, top, "pid", false, &pid, NULL));
	if (pid < 0) {
		size_t mark = cubo_json_push_key(c, "pid");
		struct cubo_error *err = cubo_json_error(c, "negative pid %d", (int)pid);
		cubo_json_pop(c, mark);
		return err;
	}
	st->pid = pid;
	CUBO_TRY(cubo_json_field_string(c, top, "bundle", false, &st->bundle));
	CUBO_TRY(string_map(c, top, "annotations", &st->annotations));
	CUBO_TRY(cubo_json_field_object(c, top, "cubo", false, &priv));
	if (priv) {
		size_t mark = cubo_json_push_key(c, "cubo");
		struct cubo_error *err = private_body(c, priv, st);
		cubo_json_pop(c, mark);
		return err;
	}
	return NULL;
}

struct cubo_error *oci_state_parse(const char *json, size_t len, const char *source,
				   struct oci_state **out)
{
	struct cubo_json_ctx c;
	struct oci_state *st;
	struct cubo_error *err;
	yajl_val top;

	if (!source)
		source = "state.json";
	*out = NULL;
	CUBO_TRY(cubo_json_parse(json, len, source, &top));
	cubo_json_ctx_init(&c, source);
	st = xcalloc(1, sizeof(*st));
	err = state_body(&c, top, st);
	yajl_tree_free(top);
	if (err) {
		oci_state_free(st);
		return err;
	}
	*out = st;
	return NULL;
}

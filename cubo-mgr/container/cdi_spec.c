/* SPDX-License-Identifier: Apache-2.0 */
/* CDI device names and spec files: see cdi.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/cdi.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

static const char *const hook_names[] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
	NULL};

static void edits_free(struct cdi_edits *e)
{
	cubo_strv_free(e->env);
	for (size_t i = 0; i < e->n_nodes; i++) {
		free(e->nodes[i].path);
		free(e->nodes[i].host_path);
		free(e->nodes[i].type);
		free(e->nodes[i].permissions);
	}
	free(e->nodes);
	for (size_t i = 0; i < e->n_mounts; i++) {
		free(e->mounts[i].destination);
		free(e->mounts[i].source);
		free(e->mounts[i].type);
		cubo_strv_free(e->mounts[i].options.v);
	}
	free(e->mounts);
	for (size_t i = 0; i < e->n_hooks; i++) {
		free(e->hooks[i].name);
		free(e->hooks[i].hook.path);
		cubo_strv_free(e->hooks[i].hook.args.v);
		cubo_strv_free(e->hooks[i].hook.env.v);
	}
	free(e->hooks);
	free(e->gids);
	memset(e, 0, sizeof(*e));
}

void cdi_spec_free(struct cdi_spec *s)
{
	free(s->file);
	free(s->version);
	free(s->kind);
	for (size_t i = 0; i < s->n_devices; i++) {
		free(s->devices[i].name);
		edits_free(&s->devices[i].edits);
	}
	free(s->devices);
	edits_free(&s->edits);
	memset(s, 0, sizeof(*s));
}

/* first: a letter (vendor, class) or alphanumeric (name); last alphanumeric; extra allowed inside.
 */
static bool name_ok(const char *s, size_t len, bool letter_first, const char *extra)
{
	if (!len || !(letter_first ? isalpha((unsigned char)s[0]) : isalnum((unsigned char)s[0])) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(extra, s[i]))
			return false;
	return true;
}

/* "vendor/class" */
static bool kind_ok(const char *k, size_t len)
{
	const char *slash = memchr(k, '/', len);
	if (!slash)
		return false;
	size_t vl = (size_t)(slash - k);
	return name_ok(k, vl, true, "-_.") && name_ok(slash + 1, len - vl - 1, true, "-_");
}

bool cdi_is_device(const char *s)
{
	const char *eq = strchr(s, '=');
	return eq && kind_ok(s, (size_t)(eq - s)) && name_ok(eq + 1, strlen(eq + 1), false, "-_.:");
}

struct cubo_error *cdi_parse_name(const char *s, char **kind, char **name)
{
	if (!cdi_is_device(s))
		return cubo_error_new("CDI device \"%s\": expected vendor.com/class=name", s);
	const char *eq = strchr(s, '=');
	*kind = xstrndup(s, (size_t)(eq - s));
	*name = xstrdup(eq + 1);
	return NULL;
}

static struct cubo_error *parse_node(struct cubo_json_ctx *c, yajl_val v, struct cdi_node *n)
{
	CUBO_TRY(cubo_json_expect_object(c, v));
	CUBO_TRY(cubo_json_field_string(c, v, "path", true, &n->path));
	CUBO_TRY(cubo_json_field_string(c, v, "hostPath", false, &n->host_path));
	CUBO_TRY(cubo_json_field_string(c, v, "type", false, &n->type));
	CUBO_TRY(cubo_json_field_int64(c, v, "major", false, &n->major, &n->has_major));
	CUBO_TRY(cubo_json_field_int64(c, v, "minor", false, &n->minor, &n->has_minor));
	CUBO_TRY(cubo_json_field_uint32(c, v, "fileMode", false, &n->file_mode, &n->has_file_mode));
	CUBO_TRY(cubo_json_field_uint32(c, v, "uid", false, &n->uid, &n->has_uid));
	CUBO_TRY(cubo_json_field_uint32(c, v, "gid", false, &n->gid, &n->has_gid));
	CUBO_TRY(cubo_json_field_string(c, v, "permissions", false, &n->permissions));
	if (n->path[0] != '/')
		return cubo_json_error(c, "path \"%s\" is not absolute", n->path);
	if (n->host_path && n->host_path[0] != '/')
		return cubo_json_error(c, "hostPath \"%s\" is not absolute", n->host_path);
	if (n->type && strcmp(n->type, "c") && strcmp(n->type, "b") && strcmp(n->type, "u") &&
	    strcmp(n->type, "p"))
		return cubo_json_error(c, "type \"%s\" is not c, b, u or p", n->type);
	if (n->has_major != n->has_minor)
		return cubo_json_error(c, "major and minor go together");
	for (const char *p = n->permissions; p && *p; p++)
		if (!strchr("rwm", *p) || strchr(p + 1, *p))
			return cubo_json_error(c, "permissions \"%s\": r, w, m, each once",
					       n->permissions);
	if (n->permissions && !n->permissions[0])
		return cubo_json_error(c, "permissions is empty");
	return NULL;
}

static struct cubo_error *parse_mount(struct cubo_json_ctx *c, yajl_val v, struct oci_mount *m)
{
	CUBO_TRY(cubo_json_expect_object(c, v));
	CUBO_TRY(cubo_json_field_string(c, v, "hostPath", true, &m->source));
	CUBO_TRY(cubo_json_field_string(c, v, "containerPath", true, &m->destination));
	CUBO_TRY(cubo_json_field_string(c, v, "type", false, &m->type));
	CUBO_TRY(cubo_json_field_strv(c, v, "options", false, &m->options.v, &m->options.n));
	if (m->destination[0] != '/')
		return cubo_json_error(c, "containerPath \"%s\" is not absolute", m->destination);
	/* relative, it would name a file of whatever directory the runtime runs in */
	bool bind = !m->type || !strcmp(m->type, "bind");
	if (bind && m->source[0] != '/')
		return cubo_json_error(c, "hostPath \"%s\" is not absolute", m->source);
	return NULL;
}

static struct cubo_error *parse_hook(struct cubo_json_ctx *c, yajl_val v, struct cdi_hook *h)
{
	CUBO_TRY(cubo_json_expect_object(c, v));
	CUBO_TRY(cubo_json_field_string(c, v, "hookName", true, &h->name));
	CUBO_TRY(cubo_json_field_string(c, v, "path", true, &h->hook.path));
	CUBO_TRY(cubo_json_field_strv(c, v, "args", false, &h->hook.args.v, &h->hook.args.n));
	CUBO_TRY(cubo_json_field_strv(c, v, "env", false, &h->hook.env.v, &h->hook.env.n));
	CUBO_TRY(cubo_json_field_int32(c, v, "timeout", false, &h->hook.timeout,
				       &h->hook.has_timeout));
	if (!cubo_strv_contains((char *const *)hook_names, h->name))
		return cubo_json_error(c,
				       "hookName \"%s\" is not one of prestart, "
				       "createRuntime, createContainer, startContainer, "
				       "poststart, poststop",
				       h->name);
	if (h->hook.path[0] != '/')
		return cubo_json_error(c, "path \"%s\" is not absolute", h->hook.path);
	if (h->hook.has_timeout && h->hook.timeout <= 0)
		return cubo_json_error(c, "timeout must be above 0");
	return NULL;
}

/* Each element of the array at key, read by one (the struct at *v, elem bytes each). */
static struct cubo_error *
parse_list(struct cubo_json_ctx *c, yajl_val obj, const char *key, size_t elem, void **v, size_t *n,
	   struct cubo_error *(*one)(struct cubo_json_ctx *, yajl_val, void *))
{
	yajl_val a;
	CUBO_TRY(cubo_json_field_array(c, obj, key, false, &a));
	if (!a)
		return NULL;
	size_t count = YAJL_GET_ARRAY(a)->len;
	*v = xcalloc(count + 1, elem);
	size_t mark = cubo_json_push_key(c, key);
	for (size_t i = 0; i < count; i++) {
		size_t m = cubo_json_push_index(c, i);
		struct cubo_error *err =
			one(c, YAJL_GET_ARRAY(a)->values[i], (char *)*v + i * elem);
		*n = i + 1; /* freed with the rest, even half read */
		if (err)
			return err;
		cubo_json_pop(c, m);
	}
	cubo_json_pop(c, mark);
	return NULL;
}

static struct cubo_error *node_cb(struct cubo_json_ctx *c, yajl_val v, void *out)
{
	return parse_node(c, v, out);
}

static struct cubo_error *mount_cb(struct cubo_json_ctx *c, yajl_val v, void *out)
{
	return parse_mount(c, v, out);
}

static struct cubo_error *hook_cb(struct cubo_json_ctx *c, yajl_val v, void *out)
{
	return parse_hook(c, v, out);
}

static struct cubo_error *gid_cb(struct cubo_json_ctx *c, yajl_val v, void *out)
{
	return cubo_json_as_uint32(c, v, out);
}

static struct cubo_error *parse_edits(struct cubo_json_ctx *c, yajl_val obj, const char *key,
				      bool required, struct cdi_edits *e)
{
	yajl_val v;
	CUBO_TRY(cubo_json_field_object(c, obj, key, required, &v));
	if (!v)
		return NULL;
	size_t mark = cubo_json_push_key(c, key);
	CUBO_TRY(cubo_json_expect_object(c, v));
	size_t n_env;
	CUBO_TRY(cubo_json_field_strv(c, v, "env", false, &e->env, &n_env));
	for (size_t i = 0; e->env && e->env[i]; i++)
		if (!strchr(e->env[i], '=') || e->env[i][0] == '=')
			return cubo_json_error(c, "env \"%s\": expected KEY=VALUE", e->env[i]);
	CUBO_TRY(parse_list(c, v, "deviceNodes", sizeof(*e->nodes), (void **)&e->nodes, &e->n_nodes,
			    node_cb));
	CUBO_TRY(parse_list(c, v, "mounts", sizeof(*e->mounts), (void **)&e->mounts, &e->n_mounts,
			    mount_cb));
	CUBO_TRY(parse_list(c, v, "hooks", sizeof(*e->hooks), (void **)&e->hooks, &e->n_hooks,
			    hook_cb));
	CUBO_TRY(parse_list(c, v, "additionalGids", sizeof(*e->gids), (void **)&e->gids, &e->n_gids,
			    gid_cb));
	static const char *const unsupported[] = {"intelRdt", "netDevices"};
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(*unsupported); i++)
		if (cubo_json_get(v, unsupported[i]))
			return cubo_json_error(c, "%s is not supported", unsupported[i]);
	cubo_json_pop(c, mark);
	return NULL;
}

/* 0.3.0 to 0.8.x: the versions whose fields are read here. */
static bool version_ok(const char *v)
{
	unsigned maj, min, patch;
	char tail;
	return sscanf(v, "%u.%u.%u%c", &maj, &min, &patch, &tail) == 3 && maj == 0 && min >= 3 &&
	       min <= 8;
}

static struct cubo_error *device_cb(struct cubo_json_ctx *c, yajl_val v, void *out)
{
	struct cdi_device *d = out;
	CUBO_TRY(cubo_json_expect_object(c, v));
	CUBO_TRY(cubo_json_field_string(c, v, "name", true, &d->name));
	if (!name_ok(d->name, strlen(d->name), false, "-_.:"))
		return cubo_json_error(c, "device name \"%s\" is not valid", d->name);
	return parse_edits(c, v, "containerEdits", true, &d->edits);
}

static struct cubo_error *parse_tree(struct cubo_json_ctx *c, yajl_val t, struct cdi_spec *s)
{
	CUBO_TRY(cubo_json_expect_object(c, t));
	CUBO_TRY(cubo_json_field_string(c, t, "cdiVersion", true, &s->version));
	if (!version_ok(s->version))
		return cubo_json_error(c, "cdiVersion \"%s\" is not supported (0.3.0 to 0.8.x)",
				       s->version);
	CUBO_TRY(cubo_json_field_string(c, t, "kind", true, &s->kind));
	if (!kind_ok(s->kind, strlen(s->kind)))
		return cubo_json_error(c, "kind \"%s\" is not vendor.com/class", s->kind);
	yajl_val devs;
	CUBO_TRY(cubo_json_field_array(c, t, "devices", true, &devs));
	CUBO_TRY(parse_list(c, t, "devices", sizeof(*s->devices), (void **)&s->devices,
			    &s->n_devices, device_cb));
	for (size_t i = 0; i < s->n_devices; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->devices[i].name, s->devices[j].name))
				return cubo_json_error(c, "device \"%s\" is defined twice",
						       s->devices[i].name);
	return parse_edits(c, t, "containerEdits", false, &s->edits);
}

struct cubo_error *cdi_spec_parse(const char *text, size_t len, bool yaml, const char *file,
				  struct cdi_spec *out)
{
	memset(out, 0, sizeof(*out));
	char *json = NULL;
	if (yaml) {
		CUBO_TRY(cdi_yaml_to_json(text, len, file, &json, &len));
		text = json;
	}
	yajl_val t;
	struct cubo_error *err = cubo_json_parse(text, len, file, &t);
	free(json);
	CUBO_TRY(err);
	struct cubo_json_ctx c;
	cubo_json_ctx_init(&c, file);
	err = parse_tree(&c, t, out);
	yajl_tree_free(t);
	if (err)
		cdi_spec_free(out);
	else
		out->file = xstrdup(file);
	return err;
}

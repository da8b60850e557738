/* SPDX-License-Identifier: Apache-2.0 */
/* A build stage and its config-only instructions: see stage.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/builder/stage.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

static struct oci_image_config *config_copy(const struct oci_image_config *c)
{
	struct oci_image_config *out = NULL;
	if (c) {
		char *json = NULL;
		size_t len = 0;
		struct cubo_error *err = oci_image_config_to_json(c, false, &json, &len);
		if (!err)
			err = oci_image_config_parse(json, len, "base config", &out);
		free(json);
		if (err) /* it was parsed from the same kind of JSON: cannot happen */
			abort();
	} else {
		out = xcalloc(1, sizeof(*out));
		out->rootfs_type = xstrdup("layers");
	}
	if (!out->config)
		out->config = xcalloc(1, sizeof(*out->config));
	return out;
}

void build_stage_init(struct build_stage *st, const struct oci_image_config *base)
{
	memset(st, 0, sizeof(*st));
	st->config = config_copy(base);
	if (base && base->created)
		snprintf(st->created, sizeof(st->created), "%s", base->created);
}

void build_stage_copy(const struct build_stage *src, struct build_stage *dst)
{
	build_stage_init(dst, src->config);
	dst->layers = xcalloc(src->n_layers + 1, sizeof(*dst->layers));
	for (size_t i = 0; i < src->n_layers; i++)
		oci_descriptor_copy(&src->layers[i], &dst->layers[i]);
	dst->n_layers = src->n_layers;
	dst->chain = cubo_strv_dup(src->chain);
	dst->args = cubo_strv_dup(src->args);
	dst->shell = cubo_strv_dup(src->shell);
	memcpy(dst->key, src->key, sizeof(dst->key));
	memcpy(dst->created, src->created, sizeof(dst->created));
}

void build_stage_free(struct build_stage *st)
{
	if (!st)
		return;
	free(st->name);
	if (st->config)
		oci_image_config_free(st->config);
	for (size_t i = 0; i < st->n_layers; i++)
		oci_descriptor_clear(&st->layers[i]);
	free(st->layers);
	cubo_strv_free(st->chain);
	cubo_strv_free(st->args);
	cubo_strv_free(st->shell);
	memset(st, 0, sizeof(*st));
}

char **build_stage_take_onbuild(struct build_stage *st)
{
	struct oci_strlist *l = &st->config->config->on_build;
	char **v = l->v;
	l->v = NULL;
	l->n = 0;
	return v;
}

bool build_op_is_config(enum build_op op)
{
	switch (op) {
	case BUILD_FROM:
	case BUILD_RUN:
	case BUILD_COPY:
	case BUILD_ADD:
		return false;
	default:
		return true;
	}
}

char **build_stage_vars(const struct build_stage *st)
{
	char **v = NULL;
	size_t n = 0;
	for (size_t i = 0; st->args && st->args[i]; i++)
		cubo_strv_push(&v, &n, st->args[i]);
	const struct oci_strlist *env = &st->config->config->env;
	for (size_t i = 0; i < env->n; i++)
		cubo_strv_push(&v, &n, env->v[i]);
	if (!v)
		v = xcalloc(1, sizeof(*v));
	return v;
}

struct cubo_error *build_stage_expand(const struct build_stage *st, const char *word, char **out)
{
	char **vars = build_stage_vars(st);
	struct cubo_error *err = build_expand(word, vars, cubo_strv_len(vars), out);
	cubo_strv_free(vars);
	return err;
}

char **build_stage_shell_argv(const struct build_stage *st, const char *cmdline)
{
	char **v = NULL;
	size_t n = 0;
	if (st->shell && st->shell[0]) {
		for (size_t i = 0; st->shell[i]; i++)
			cubo_strv_push(&v, &n, st->shell[i]);
	} else {
		cubo_strv_push(&v, &n, "/bin/sh");
		cubo_strv_push(&v, &n, "-c");
	}
	cubo_strv_push(&v, &n, cmdline);
	return v;
}

static size_t key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');
	return eq ? (size_t)(eq - kv) : strlen(kv);
}

char **build_stage_run_env(const struct build_stage *st)
{
	char **v = NULL;
	size_t n = 0;
	const struct oci_strlist *env = &st->config->config->env;
	for (size_t i = 0; st->args && st->args[i]; i++) {
		bool shadowed = false;
		for (size_t j = 0; j < env->n && !shadowed; j++)
			shadowed = key_len(env->v[j]) == key_len(st->args[i]) &&
				   !strncmp(env->v[j], st->args[i], key_len(st->args[i]));
		if (!shadowed)
			cubo_strv_push(&v, &n, st->args[i]);
	}
	if (!v)
		v = xcalloc(1, sizeof(*v));
	return v;
}

/* ---- lists and maps of the config ---- */

static void strlist_free(struct oci_strlist *l)
{
	cubo_strv_free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void strlist_set(struct oci_strlist *l, char *const *v)
{
	strlist_free(l);
	l->v = cubo_strv_dup(v);
	l->n = cubo_strv_len(l->v);
}

/* Add s, or replace the entry with the same key (up to '=', or the whole string). */
static void strlist_put(struct oci_strlist *l, const char *s, bool by_key)
{
	size_t kl = by_key ? key_len(s) : strlen(s) + 1;
	for (size_t i = 0; i < l->n; i++) {
		if ((by_key && key_len(l->v[i]) == kl && !strncmp(l->v[i], s, kl)) ||
		    (!by_key && !strcmp(l->v[i], s))) {
			free(l->v[i]);
			l->v[i] = xstrdup(s);
			return;
		}
	}
	cubo_strv_push(&l->v, &l->n, s);
}

static void map_put(struct oci_map *m, const char *key, const char *value)
{
	for (size_t i = 0; i < m->n; i++) {
		if (!strcmp(m->v[i].key, key)) {
			free(m->v[i].value);
			m->v[i].value = xstrdup(value);
			return;
		}
	}
	m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
	m->v[m->n].key = xstrdup(key);
	m->v[m->n].value = xstrdup(value);
	m->n++;
}

void build_stage_label(struct build_stage *st, const char *key, const char *value)
{
	map_put(&st->config->config->labels, key, value);
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

void build_stage_history(struct build_stage *st, const char *created_by, bool empty_layer)
{
	struct oci_image_config *c = st->config;
	c->history = xreallocarray(c->history, c->n_history + 1, sizeof(*c->history));
	struct oci_history *h = &c->history[c->n_history++];
	memset(h, 0, sizeof(*h));
	h->created = xstrdup(st->created[0] ? st->created : NULL);
	h->created_by = xstrdup(created_by);
	h->empty_layer = empty_layer;
}

/* ---- the instructions ---- */

static struct cubo_error *port_spec(const char *s, char **out)
{
	char *end;
	long port = strtol(s, &end, 10);
	const char *proto = "tcp";
	if (*end == '/')
		proto = end + 1;
	else if (*end)
		port = 0;
	if (end == s || port < 1 || port > 65535 ||
	    (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
		return cubo_error_new("EXPOSE %s: expected PORT or PORT/tcp|udp|sctp", s);
	*out = xasprintf("%ld/%s", port, proto);
	return NULL;
}

static struct cubo_error *apply_arg(struct build_stage *st, const struct build_kv *kv,
				    char *const *build_args, char ***used)
{
	const char *given = cubo_strv_env_get(build_args, kv->key);
	/* a bare ARG of a global ARG takes the global's value (passed in as a default) */
	const char *value = given ? given : (kv->has_value ? kv->value : NULL);
	char *expanded = NULL;
	if (value && !given)
		CUBO_TRY(build_stage_expand(st, value, &expanded));
	if (given && used) {
		size_t n = cubo_strv_len(*used);
		if (!cubo_strv_contains(*used, kv->key))
			cubo_strv_push(used, &n, kv->key);
	}
	if (!value)
		return NULL;
	char *entry = xasprintf("%s=%s", kv->key, expanded ? expanded : value);
	free(expanded);
	struct oci_strlist l = {.v = st->args, .n = cubo_strv_len(st->args)};
	strlist_put(&l, entry, true);
	st->args = l.v;
	free(entry);
	return NULL;
}

static struct cubo_error *apply_kv(struct build_stage *st, const struct build_instr *in)
{
	struct oci_image_runconfig *rc = st->config->config;
	/* every value sees the variables as they were before the instruction, as in docker */
	char **vals = xcalloc(in->n_kv + 1, sizeof(char *));
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < in->n_kv; i++)
		err = build_stage_expand(st, in->kv[i].value ? in->kv[i].value : "", &vals[i]);
	for (size_t i = 0; !err && i < in->n_kv; i++) {
		if (in->op == BUILD_LABEL) {
			map_put(&rc->labels, in->kv[i].key, vals[i]);
			continue;
		}
		char *entry = xasprintf("%s=%s", in->kv[i].key, vals[i]);
		strlist_put(&rc->env, entry, true);
		free(entry);
	}
	cubo_strv_free(vals);
	return err;
}

static char **command_argv(const struct build_stage *st, const struct build_instr *in)
{
	if (in->shell_form)
		return build_stage_shell_argv(st, in->args && in->args[0] ? in->args[0] : "");
	return cubo_strv_dup(in->args);
}

struct cubo_error *build_stage_apply(struct build_stage *st, const struct build_instr *in,
				     char *const *build_args, char ***used)
{
	struct oci_image_runconfig *rc = st->config->config;
	char *v = NULL;
	struct cubo_error *err = NULL;
	switch (in->op) {
	case BUILD_ENV:
	case BUILD_LABEL:
		return apply_kv(st, in);
	case BUILD_ARG:
		for (size_t i = 0; !err && i < in->n_kv; i++)
			err = apply_arg(st, &in->kv[i], build_args, used);
		return err;
	case BUILD_WORKDIR:
		CUBO_TRY(build_stage_expand(st, in->value, &v));
		if (v[0] != '/') { /* relative: to the previous WORKDIR, as in docker */
			const char *cur =
				rc->working_dir && rc->working_dir[0] ? rc->working_dir : "/";
			char *abs =
				xasprintf("%s%s%s", cur, cur[strlen(cur) - 1] == '/' ? "" : "/", v);
			free(v);
			v = abs;
		}
		set_str(&rc->working_dir, v);
		break;
	case BUILD_USER:
		CUBO_TRY(build_stage_expand(st, in->value, &v));
		set_str(&rc->user, v);
		break;
	case BUILD_STOPSIGNAL:
		CUBO_TRY(build_stage_expand(st, in->value, &v));
		set_str(&rc->stop_signal, v);
		break;
	case BUILD_EXPOSE:
	case BUILD_VOLUME:
		for (size_t i = 0; !err && in->list && in->list[i]; i++) {
			char *word = NULL, *port = NULL;
			err = build_stage_expand(st, in->list[i], &word);
			if (!err && in->op == BUILD_EXPOSE && !(err = port_spec(word, &port)))
				strlist_put(&rc->exposed_ports, port, false);
			else if (!err && in->op == BUILD_VOLUME)
				strlist_put(&rc->volumes, word, false);
			free(word);
			free(port);
		}
		return err;
	case BUILD_CMD: {
		char **argv = command_argv(st, in);
		strlist_set(&rc->cmd, argv);
		cubo_strv_free(argv);
		st->cmd_set = true;
		break;
	}
	case BUILD_ENTRYPOINT: {
		char **argv = command_argv(st, in);
		strlist_set(&rc->entrypoint, argv);
		cubo_strv_free(argv);
		/* docker: a new ENTRYPOINT drops the base image's CMD */
		if (!st->cmd_set)
			strlist_free(&rc->cmd);
		break;
	}
	case BUILD_SHELL:
		cubo_strv_free(st->shell);
		st->shell = cubo_strv_dup(in->args);
		break;
	case BUILD_ONBUILD: /* as written: the builds FROM the image expand it */
		cubo_strv_push(&rc->on_build.v, &rc->on_build.n, in->value);
		break;
	case BUILD_HEALTHCHECK: /* the whole check is replaced, NONE included, as in docker */
		oci_healthcheck_free(rc->healthcheck);
		rc->healthcheck = oci_healthcheck_dup(in->health);
		break;
	default:
		return cubo_error_new("%s: not a config instruction", in->text);
	}
	free(v);
	return NULL;
}

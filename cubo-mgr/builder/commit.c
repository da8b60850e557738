/* SPDX-License-Identifier: Apache-2.0 */
/* A committed container's image config: see commit.h. */
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/builder/commit.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

static void set_list(struct oci_strlist *l, char *const *v)
{
	cubo_strv_free(l->v);
	l->v = v ? cubo_strv_dup(v) : NULL;
	l->n = cubo_strv_len(l->v);
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

void commit_settings_apply(struct build_stage *st, const struct commit_settings *cs,
			   const char *init_path)
{
	struct oci_image_runconfig *rc = st->config->config;
	char **env = NULL;
	size_t n = 0;
	for (size_t i = 0; cs->env && cs->env[i]; i++)
		if (strncmp(cs->env[i], "HOSTNAME=", 9))
			cubo_strv_push(&env, &n, cs->env[i]);
	set_list(&rc->env, env);
	cubo_strv_free(env);
	char *const *args = cs->args;
	/* the init the manager put before the command is not the image's */
	if (args && args[0] && args[1] && init_path && !strcmp(args[0], init_path) &&
	    !strcmp(args[1], "--"))
		args += 2;
	size_t ne = rc->entrypoint.n, na = cubo_strv_len(args);
	bool keeps_entrypoint = ne <= na;
	for (size_t i = 0; keeps_entrypoint && i < ne; i++)
		keeps_entrypoint = !strcmp(rc->entrypoint.v[i], args[i]);
	if (!keeps_entrypoint)
		set_list(&rc->entrypoint, NULL);
	else
		args += ne;
	set_list(&rc->cmd, args && *args ? args : NULL);
	if (cs->cwd)
		set_str(&rc->working_dir, cs->cwd);
	if (cs->user)
		set_str(&rc->user, cs->user);
	if (cs->stop_signal)
		set_str(&rc->stop_signal, cs->stop_signal);
	for (size_t i = 0; cs->labels && cs->labels[i]; i++) {
		const char *eq = strchr(cs->labels[i], '=');
		char *key = xstrndup(cs->labels[i],
				     eq ? (size_t)(eq - cs->labels[i]) : strlen(cs->labels[i]));
		build_stage_label(st, key, eq ? eq + 1 : "");
		free(key);
	}
}

static bool allowed(enum build_op op)
{
	switch (op) {
	case BUILD_CMD:
	case BUILD_ENTRYPOINT:
	case BUILD_ENV:
	case BUILD_EXPOSE:
	case BUILD_LABEL:
	case BUILD_ONBUILD:
	case BUILD_USER:
	case BUILD_VOLUME:
	case BUILD_WORKDIR:
		return true;
	default:
		return false;
	}
}

struct cubo_error *commit_change_apply(struct build_stage *st, const char *change)
{
	/* the parser wants a whole file: a FROM first, the change as its second line */
	char *text = xasprintf("FROM scratch\n%s\n", change);
	struct build_file *f = NULL;
	struct cubo_error *err = NULL;
	if (strchr(change, '\n'))
		err = cubo_error_new("one instruction a --change, on one line");
	if (!err)
		err = cubofile_parse(text, strlen(text), "change", &f);
	if (!err && f->n != 2)
		err = cubo_error_new("expected one instruction");
	if (!err && !allowed(f->v[1].op))
		err = cubo_error_new(
			"%.*s is not one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, "
			"VOLUME, WORKDIR",
			(int)strcspn(f->v[1].text, " \t"), f->v[1].text);
	if (!err)
		err = build_stage_apply(st, &f->v[1], NULL, NULL);
	build_file_free(f);
	free(text);
	return err ? cubo_error_wrap(err, "--change \"%s\"", change) : NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/builder/commit.c */
/* commit's image config: the container's settings and --change (cubo-mgr/builder/commit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/builder/commit.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

/* A stage on an image with ENTRYPOINT ["/entry"], CMD ["default"], ENV PATH, a label. */
static void base_stage(struct build_stage *st)
{
	struct oci_image_config *c = xcalloc(1, sizeof(*c));
	c->rootfs_type = xstrdup("layers");
	c->config = xcalloc(1, sizeof(*c->config));
	char *ep[] = {"/entry", NULL}, *cmd[] = {"default", NULL}, *env[] = {"PATH=/bin", NULL};
	c->config->entrypoint.v = cubo_strv_dup(ep);
	c->config->entrypoint.n = 1;
	c->config->cmd.v = cubo_strv_dup(cmd);
	c->config->cmd.n = 1;
	c->config->env.v = cubo_strv_dup(env);
	c->config->env.n = 1;
	build_stage_init(st, c);
	build_stage_label(st, "from", "image");
	oci_image_config_free(c);
}

static const char *label(const struct build_stage *st, const char *key)
{
	const struct oci_map *m = &st->config->config->labels;
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].key, key))
			return m->v[i].value;
	return NULL;
}

static void test_settings_kept(void **state)
{
	(void)state;
	struct build_stage st;
	base_stage(&st);
	char *env[] = {"PATH=/bin", "HOSTNAME=abc", "FOO=$bar", NULL};
	char *args[] = {"/run/cubo-init", "--", "/entry", "x", "y", NULL};
	char *labels[] = {"from=image", "team=a=b", NULL};
	struct commit_settings cs = {.env = env,
				     .args = args,
				     .cwd = "/work",
				     .user = "1000:1000",
				     .labels = labels,
				     .stop_signal = "SIGINT"};
	commit_settings_apply(&st, &cs, "/run/cubo-init");
	const struct oci_image_runconfig *rc = st.config->config;
	th_assert_strv(rc->env.v, "PATH=/bin", "FOO=$bar");
	assert_int_equal(rc->env.n, 2);
	th_assert_strv(rc->entrypoint.v, "/entry");
	th_assert_strv(rc->cmd.v, "x", "y");
	assert_string_equal(rc->working_dir, "/work");
	assert_string_equal(rc->user, "1000:1000");
	assert_string_equal(rc->stop_signal, "SIGINT");
	assert_string_equal(label(&st, "team"), "a=b");
	assert_string_equal(label(&st, "from"), "image");
	build_stage_free(&st);
}

static void test_other_entrypoint_cleared(void **state)
{
	(void)state;
	struct build_stage st;
	base_stage(&st);
	/* --entrypoint sh: the whole command is the Cmd, the image's entrypoint goes */
	char *args[] = {"sh", "-c", "true", NULL};
	struct commit_settings cs = {.args = args};
	commit_settings_apply(&st, &cs, "/run/cubo-init");
	assert_null(st.config->config->entrypoint.v);
	assert_int_equal(st.config->config->entrypoint.n, 0);
	th_assert_strv(st.config->config->cmd.v, "sh", "-c", "true");
	/* the entrypoint alone: no Cmd */
	char *only[] = {"/entry", NULL};
	build_stage_free(&st);
	base_stage(&st);
	cs.args = only;
	commit_settings_apply(&st, &cs, NULL);
	th_assert_strv(st.config->config->entrypoint.v, "/entry");
	assert_null(st.config->config->cmd.v);
	build_stage_free(&st);
}

static void test_changes(void **state)
{
	(void)state;
	struct build_stage st;
	base_stage(&st);
	th_assert_ok(commit_change_apply(&st, "CMD [\"cat\", \"/f\"]"));
	th_assert_ok(commit_change_apply(&st, "ENV A=1 B=\"two words\""));
	th_assert_ok(commit_change_apply(&st, "LABEL k=v"));
	th_assert_ok(commit_change_apply(&st, "WORKDIR /srv"));
	th_assert_ok(commit_change_apply(&st, "USER nobody"));
	th_assert_ok(commit_change_apply(&st, "EXPOSE 80 53/udp"));
	th_assert_ok(commit_change_apply(&st, "VOLUME /data"));
	th_assert_ok(commit_change_apply(&st, "ENTRYPOINT /bin/sh"));
	th_assert_ok(commit_change_apply(&st, "env C=$A"));
	th_assert_ok(commit_change_apply(&st, "ONBUILD run echo $A"));
	th_assert_ok(commit_change_apply(&st, "ONBUILD RUN echo $A"));
	const struct oci_image_runconfig *rc = st.config->config;
	/* triggers in order, duplicates kept, not expanded: the child build does that */
	th_assert_strv(rc->on_build.v, "RUN echo $A", "RUN echo $A");
	th_assert_strv(rc->cmd.v, "cat", "/f");
	assert_true(cubo_strv_contains(rc->env.v, "B=two words"));
	assert_true(cubo_strv_contains(rc->env.v, "C=1"));
	assert_string_equal(label(&st, "k"), "v");
	assert_string_equal(rc->working_dir, "/srv");
	assert_string_equal(rc->user, "nobody");
	assert_true(cubo_strv_contains(rc->exposed_ports.v, "80/tcp"));
	assert_true(cubo_strv_contains(rc->exposed_ports.v, "53/udp"));
	assert_true(cubo_strv_contains(rc->volumes.v, "/data"));
	th_assert_strv(rc->entrypoint.v, "/bin/sh", "-c", "/bin/sh");
	build_stage_free(&st);
}

static void test_bad_changes(void **state)
{
	(void)state;
	struct build_stage st;
	base_stage(&st);
	th_expect_msg(commit_change_apply(&st, "RUN rm -rf /"), "--change \"RUN rm -rf /\"",
		      "RUN is not one of CMD");
	th_expect_msg(commit_change_apply(&st, "COPY a b"), "COPY is not one of");
	th_expect_msg(commit_change_apply(&st, "FROM other"), "FROM is not one of");
	th_expect_msg(commit_change_apply(&st, "STOPSIGNAL 9"), "STOPSIGNAL is not one of");
	th_expect_msg(commit_change_apply(&st, "BOGUS x"), "BOGUS");
	th_expect_msg(commit_change_apply(&st, "ONBUILD FROM x"),
		      "FROM isn't allowed as an ONBUILD trigger");
	th_expect_msg(commit_change_apply(&st, "ONBUILD ONBUILD RUN x"), "Chaining ONBUILD");
	th_expect_msg(commit_change_apply(&st, "EXPOSE 99999"), "99999");
	th_expect_msg(commit_change_apply(&st, "CMD x\nRUN y"), "one instruction");
	th_expect_failure(commit_change_apply(&st, ""));
	th_expect_failure(commit_change_apply(&st, "# only a comment"));
	/* nothing applied: CMD is the image's still */
	th_assert_strv(st.config->config->cmd.v, "default");
	assert_null(st.config->config->on_build.v);
	build_stage_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_kept),
		cmocka_unit_test(test_other_entrypoint_cleared),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_bad_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/builder/stage.c */
/* The config-only build instructions applied to a stage (cubo-mgr/builder/stage.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/builder/stage.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

/* An instruction from a Cubofile line, through the real parser. */
static struct build_file *parse(const char *text)
{
	struct build_file *f = NULL;
	struct cubo_error *err = cubofile_parse(text, strlen(text), "Cubofile", &f);
	if (err)
		fail_msg("%s", err->msg);
	return f;
}

static void apply_all(struct build_stage *st, const char *text, char *const *build_args,
		      char ***used)
{
	struct build_file *f = parse(text);
	for (size_t i = 0; i < f->n; i++) {
		if (!build_op_is_config(f->v[i].op))
			continue;
		struct cubo_error *err = build_stage_apply(st, &f->v[i], build_args, used);
		if (err)
			fail_msg("%s: %s", f->v[i].text, err->msg);
	}
	build_file_free(f);
}

static void test_env_label_workdir(void **state)
{
	struct build_stage st;
	struct oci_image_config base = {.rootfs_type = "layers"};
	struct oci_image_runconfig rc = {0};
	char *env[] = {"PATH=/bin", "KEEP=1", NULL};
	rc.env.v = env;
	rc.env.n = 2;
	base.config = &rc;
	build_stage_init(&st, &base);
	apply_all(&st,
		  "FROM x\n"
		  "ENV PATH=/usr/bin:$PATH A=1\n"
		  "ENV B=${A}2 C=\"quoted value\"\n"
		  "ENV LEGACY several words here\n"
		  "LABEL version=1 team=\"the team\"\n"
		  "LABEL version=2\n"
		  "WORKDIR /app\n"
		  "WORKDIR sub\n"
		  "USER 1000:1000\n"
		  "STOPSIGNAL SIGINT\n"
		  "EXPOSE 8080 53/udp\n"
		  "VOLUME /data\n",
		  NULL, NULL);
	const struct oci_image_runconfig *c = st.config->config;
	assert_string_equal(cubo_strv_env_get(c->env.v, "PATH"), "/usr/bin:/bin");
	assert_string_equal(cubo_strv_env_get(c->env.v, "A"), "1");
	assert_string_equal(cubo_strv_env_get(c->env.v, "B"), "12");
	assert_string_equal(cubo_strv_env_get(c->env.v, "C"), "quoted value");
	assert_string_equal(cubo_strv_env_get(c->env.v, "LEGACY"), "several words here");
	assert_string_equal(cubo_strv_env_get(c->env.v, "KEEP"), "1");
	/* PATH replaced in place: it keeps its first position */
	assert_true(!strncmp(c->env.v[0], "PATH=", 5));
	assert_int_equal(c->labels.n, 2);
	assert_string_equal(c->labels.v[0].key, "version");
	assert_string_equal(c->labels.v[0].value, "2");
	assert_string_equal(c->labels.v[1].value, "the team");
	assert_string_equal(c->working_dir, "/app/sub");
	assert_string_equal(c->user, "1000:1000");
	assert_string_equal(c->stop_signal, "SIGINT");
	assert_int_equal(c->exposed_ports.n, 2);
	assert_string_equal(c->exposed_ports.v[0], "8080/tcp");
	assert_string_equal(c->exposed_ports.v[1], "53/udp");
	assert_string_equal(c->volumes.v[0], "/data");
	build_stage_free(&st);
}

static void test_cmd_entrypoint_shell(void **state)
{
	struct build_stage st;
	struct oci_image_config base = {.rootfs_type = "layers"};
	struct oci_image_runconfig rc = {0};
	char *cmd[] = {"sh", NULL};
	rc.cmd.v = cmd;
	rc.cmd.n = 1;
	base.config = &rc;
	build_stage_init(&st, &base);
	/* a new ENTRYPOINT drops the base's CMD */
	apply_all(&st, "FROM x\nENTRYPOINT [\"/bin/app\"]\n", NULL, NULL);
	assert_int_equal(st.config->config->cmd.n, 0);
	assert_string_equal(st.config->config->entrypoint.v[0], "/bin/app");
	apply_all(&st, "FROM x\nCMD echo $HOME\n", NULL, NULL);
	assert_int_equal(st.config->config->cmd.n, 3);
	assert_string_equal(st.config->config->cmd.v[0], "/bin/sh");
	assert_string_equal(st.config->config->cmd.v[1], "-c");
	assert_string_equal(st.config->config->cmd.v[2], "echo $HOME");
	/* CMD set in this stage stays when an ENTRYPOINT follows */
	apply_all(&st, "FROM x\nSHELL [\"/bin/ash\", \"-eo\"]\nENTRYPOINT top -b\n", NULL, NULL);
	assert_int_equal(st.config->config->cmd.n, 3);
	assert_string_equal(st.config->config->entrypoint.v[0], "/bin/ash");
	assert_string_equal(st.config->config->entrypoint.v[1], "-eo");
	assert_string_equal(st.config->config->entrypoint.v[2], "top -b");
	char **argv = build_stage_shell_argv(&st, "ls");
	assert_string_equal(argv[0], "/bin/ash");
	assert_string_equal(argv[2], "ls");
	cubo_strv_free(argv);
	build_stage_free(&st);
}

static void test_args(void **state)
{
	struct build_stage st;
	build_stage_init(&st, NULL);
	char *given[] = {"WHO=world", "UNUSED=1", NULL};
	char **used = NULL;
	apply_all(&st,
		  "FROM scratch\nARG WHO=nobody\nARG GREETING=hello\nARG NOVALUE\n"
		  "ENV MSG=\"$GREETING $WHO\" GREETING=hi\n",
		  given, &used);
	assert_string_equal(cubo_strv_env_get(st.args, "WHO"), "world");
	assert_string_equal(cubo_strv_env_get(st.args, "GREETING"), "hello");
	assert_null(cubo_strv_env_get(st.args, "NOVALUE"));
	assert_true(cubo_strv_contains(used, "WHO"));
	assert_false(cubo_strv_contains(used, "UNUSED"));
	assert_string_equal(cubo_strv_env_get(st.config->config->env.v, "MSG"), "hello world");
	/* RUN sees the ARGs an ENV does not shadow; the image keeps none of them */
	char **env = build_stage_run_env(&st);
	assert_string_equal(cubo_strv_env_get(env, "WHO"), "world");
	assert_null(cubo_strv_env_get(env, "GREETING"));
	cubo_strv_free(env);
	assert_null(cubo_strv_env_get(st.config->config->env.v, "WHO"));
	/* for $X, an ENV wins over an ARG of the same name */
	char *out;
	assert_null(build_stage_expand(&st, "$GREETING-$WHO", &out));
	assert_string_equal(out, "hi-world");
	free(out);
	cubo_strv_free(used);
	build_stage_free(&st);
}

static void test_errors_and_copy(void **state)
{
	struct build_stage st, copy;
	build_stage_init(&st, NULL);
	struct build_instr bad = {.op = BUILD_EXPOSE, .text = "EXPOSE 99999"};
	char *ports[] = {"99999", NULL};
	bad.list = ports;
	th_expect_msg(build_stage_apply(&st, &bad, NULL, NULL), "EXPOSE 99999");
	char *proto[] = {"80/icmp", NULL};
	bad.list = proto;
	th_expect_msg(build_stage_apply(&st, &bad, NULL, NULL), "tcp|udp|sctp");
	struct build_instr run = {.op = BUILD_RUN, .text = "RUN x"};
	th_expect_msg(build_stage_apply(&st, &run, NULL, NULL), "not a config instruction");
	assert_false(build_op_is_config(BUILD_COPY));
	assert_true(build_op_is_config(BUILD_SHELL));
	apply_all(&st, "FROM scratch\nENV A=1\n", NULL, NULL);
	build_stage_history(&st, "ENV A=1", true);
	snprintf(st.key, sizeof(st.key), "sha256:%064d", 7);
	build_stage_copy(&st, &copy);
	assert_string_equal(cubo_strv_env_get(copy.config->config->env.v, "A"), "1");
	assert_string_equal(copy.key, st.key);
	assert_int_equal(copy.config->n_history, 1);
	assert_true(copy.config->history[0].empty_layer);
	build_stage_free(&copy);
	build_stage_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_label_workdir),
		cmocka_unit_test(test_cmd_entrypoint_shell),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_errors_and_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

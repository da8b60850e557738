/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/builder/cubofile_toml.c, cubo-mgr/builder/instr.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/builder/instr.h"
#include "tests/unit/helpers.h"

static struct build_file *parse(const char *doc)
{
	struct build_file *f = NULL;
	struct cubo_error *err = cubofile_toml_parse(doc, strlen(doc), "Cubofile.toml", &f);
	if (err)
		fail_msg("%s\n---\n%s", err->msg, doc);
	assert_string_equal(f->path, "Cubofile.toml");
	return f;
}

struct want {
	enum build_op op;
	int line;
	const char *text;
};

/* f holds exactly the instructions of want, in that order. */
static void expect(const struct build_file *f, const struct want *want, size_t n)
{
	for (size_t i = 0; i < f->n && i < n; i++) {
		if (f->v[i].op != want[i].op || f->v[i].line != want[i].line ||
		    strcmp(f->v[i].text, want[i].text))
			fail_msg("instruction %zu: op %d line %d \"%s\", want op %d line %d \"%s\"",
				 i, f->v[i].op, f->v[i].line, f->v[i].text, want[i].op,
				 want[i].line, want[i].text);
	}
	assert_int_equal(f->n, n);
}

#define EXPECT(f, ...)                                                                             \
	do {                                                                                       \
		const struct want _w[] = {__VA_ARGS__};                                            \
		expect(f, _w, sizeof(_w) / sizeof(_w[0]));                                         \
	} while (0)

static void test_dialect_a(void **state)
{
	struct build_file *f = parse("[image]\n"
				     "base = \"alpine:latest\"\n"
				     "[[run]]\n"
				     "command = \"apk add python3\"\n"
				     "[config]\n"
				     "workdir = \"/app\"\n"
				     "cmd = [\"python3\", \"app.py\"]\n"
				     "expose = [\"8080/tcp\"]\n"
				     "[config.env]\n"
				     "APP_ENV = \"production\"\n");
	EXPECT(f, {BUILD_FROM, 2, "FROM alpine:latest"}, {BUILD_RUN, 3, "RUN apk add python3"},
	       {BUILD_WORKDIR, 6, "WORKDIR /app"}, {BUILD_CMD, 7, "CMD [\"python3\",\"app.py\"]"},
	       {BUILD_EXPOSE, 8, "EXPOSE 8080/tcp"}, {BUILD_ENV, 9, "ENV APP_ENV=production"});
	assert_string_equal(f->v[0].image, "alpine:latest");
	assert_null(f->v[0].stage_name);
	assert_true(f->v[1].shell_form);
	th_assert_strv(f->v[1].args, "apk add python3");
	assert_string_equal(f->v[2].value, "/app");
	assert_false(f->v[3].shell_form);
	th_assert_strv(f->v[3].args, "python3", "app.py");
	th_assert_strv(f->v[4].list, "8080/tcp");
	assert_int_equal(f->v[5].n_kv, 1);
	assert_string_equal(f->v[5].kv[0].key, "APP_ENV");
	assert_string_equal(f->v[5].kv[0].value, "production");
	assert_true(f->v[5].kv[0].has_value);
	assert_int_equal(f->n_global_args, 0);
	build_file_free(f);
}

static void test_dialect_b(void **state)
{
	struct build_file *f = parse("[image]\n"
				     "base = \"alpine:latest\"\n"
				     "[[config.run]]\n"
				     "command = \"mkdir -p /app\"\n"
				     "[[config.copy]]\n"
				     "source = \"app.py\"\n"
				     "destination = \"/app/app.py\"\n"
				     "[config.cmd]\n"
				     "command = [\"python3\", \"app.py\"]\n");
	EXPECT(f, {BUILD_FROM, 2, "FROM alpine:latest"}, {BUILD_RUN, 3, "RUN mkdir -p /app"},
	       {BUILD_COPY, 5, "COPY app.py /app/app.py"},
	       {BUILD_CMD, 8, "CMD [\"python3\",\"app.py\"]"});
	th_assert_strv(f->v[2].sources, "app.py");
	assert_string_equal(f->v[2].dest, "/app/app.py");
	assert_null(f->v[2].from_stage);
	assert_null(f->v[2].chown);
	assert_null(f->v[2].chmod);
	th_assert_strv(f->v[3].args, "python3", "app.py");
	assert_false(f->v[3].shell_form);
	build_file_free(f);
}

/* The order is the order of the definitions in the file, whatever the dialect. */
static void test_order(void **state)
{
	struct build_file *f =
		parse("[config]\n"
		      "env = { A = \"1\" }\n"
		      "run = [{ command = \"echo one\" }, { command = [\"echo\", \"two\"] }]\n"
		      "[[run]]\n"
		      "command = \"echo three\"\n"
		      "[image]\n"
		      "base = \"busybox\"\n"
		      "[[config.copy]]\n"
		      "source = \"a\"\n"
		      "destination = \"/a\"\n"
		      "[config.labels]\n"
		      "x = \"y\"\n"
		      "[[run]]\n"
		      "command = \"echo four\"\n");
	EXPECT(f, {BUILD_FROM, 7, "FROM busybox"}, {BUILD_ENV, 2, "ENV A=1"},
	       {BUILD_RUN, 3, "RUN echo one"}, {BUILD_RUN, 3, "RUN [\"echo\",\"two\"]"},
	       {BUILD_RUN, 4, "RUN echo three"}, {BUILD_COPY, 8, "COPY a /a"},
	       {BUILD_LABEL, 11, "LABEL x=y"}, {BUILD_RUN, 13, "RUN echo four"});
	build_file_free(f);
}

static void test_args(void **state)
{
	struct build_file *f = parse("[image]\n"
				     "base = \"alpine:${VERSION}\"\n"
				     "[[run]]\n"
				     "command = \"echo $VERSION\"\n"
				     "[args]\n"
				     "VERSION = \"3.19\"\n"
				     "JOBS = 4\n"
				     "DEBUG = false\n"
				     "EMPTY = \"\"\n"
				     "SPACED = \"a b\"\n");
	EXPECT(f, {BUILD_FROM, 2, "FROM alpine:${VERSION}"}, {BUILD_ARG, 6, "ARG VERSION=3.19"},
	       {BUILD_ARG, 7, "ARG JOBS=4"}, {BUILD_ARG, 8, "ARG DEBUG=false"},
	       {BUILD_ARG, 9, "ARG EMPTY=\"\""}, {BUILD_ARG, 10, "ARG SPACED=\"a b\""},
	       {BUILD_RUN, 3, "RUN echo $VERSION"});
	assert_string_equal(f->v[1].kv[0].key, "VERSION");
	assert_string_equal(f->v[1].kv[0].value, "3.19");
	assert_true(f->v[1].kv[0].has_value);
	assert_string_equal(f->v[4].kv[0].value, "");
	/* usable in base, as global ARGs */
	assert_int_equal(f->n_global_args, 5);
	assert_string_equal(f->global_args[0].key, "VERSION");
	assert_string_equal(f->global_args[0].value, "3.19");
	assert_string_equal(f->global_args[2].value, "false");
	build_file_free(f);
}

static void test_copy(void **state)
{
	struct build_file *f = parse("[image]\n"
				     "base = \"alpine\"\n"
				     "[[copy]]\n"
				     "source = [\"a.txt\", \"b.txt\"]\n"
				     "destination = \"/srv/\"\n"
				     "from = \"builder\"\n"
				     "chown = \"1000:1000\"\n"
				     "chmod = \"0644\"\n"
				     "[[copy]]\n"
				     "source = \"my file\"\n"
				     "destination = \"/x\"\n");
	EXPECT(f, {BUILD_FROM, 2, "FROM alpine"},
	       {BUILD_COPY, 3,
		"COPY --from=builder --chown=1000:1000 --chmod=0644 a.txt b.txt /srv/"},
	       {BUILD_COPY, 9, "COPY [\"my file\",\"/x\"]"});
	th_assert_strv(f->v[1].sources, "a.txt", "b.txt");
	assert_string_equal(f->v[1].dest, "/srv/");
	assert_string_equal(f->v[1].from_stage, "builder");
	assert_string_equal(f->v[1].chown, "1000:1000");
	assert_string_equal(f->v[1].chmod, "0644");
	th_assert_strv(f->v[2].sources, "my file");
	build_file_free(f);
}

static void test_config_keys(void **state)
{
	struct build_file *f =
		parse("[image]\n"
		      "base = \"alpine\"\n"
		      "name = \"myapp\" # ignored: the tag comes from cubo build -t\n"
		      "[config]\n"
		      "entrypoint = \"/init --verbose\"\n"
		      "user = \"app:app\"\n"
		      "volumes = [\"/data\", \"/var/log\"]\n"
		      "stopsignal = \"SIGINT\"\n"
		      "expose = [80, \"53/udp\"]\n"
		      "labels = { \"org.example.team\" = \"web\", version = 2 }\n"
		      "[config.env]\n"
		      "PATH = \"/app/bin:$PATH\"\n"
		      "GREETING = \"hello world\"\n"
		      "QUOTE = 'say \"hi\"'\n");
	EXPECT(f, {BUILD_FROM, 2, "FROM alpine"},
	       {BUILD_ENTRYPOINT, 5, "ENTRYPOINT /init --verbose"}, {BUILD_USER, 6, "USER app:app"},
	       {BUILD_VOLUME, 7, "VOLUME /data /var/log"},
	       {BUILD_STOPSIGNAL, 8, "STOPSIGNAL SIGINT"}, {BUILD_EXPOSE, 9, "EXPOSE 80 53/udp"},
	       {BUILD_LABEL, 10, "LABEL org.example.team=web version=2"},
	       {BUILD_ENV, 11,
		"ENV PATH=/app/bin:$PATH GREETING=\"hello world\" QUOTE=\"say \\\"hi\\\"\""});
	assert_true(f->v[1].shell_form);
	th_assert_strv(f->v[1].args, "/init --verbose");
	assert_string_equal(f->v[2].value, "app:app");
	th_assert_strv(f->v[3].list, "/data", "/var/log");
	th_assert_strv(f->v[5].list, "80", "53/udp");
	assert_int_equal(f->v[6].n_kv, 2);
	assert_string_equal(f->v[6].kv[1].key, "version");
	assert_string_equal(f->v[6].kv[1].value, "2");
	assert_int_equal(f->v[7].n_kv, 3);
	assert_string_equal(f->v[7].kv[2].value, "say \"hi\"");
	build_file_free(f);
}

static void test_config_tables(void **state)
{
	struct build_file *f = parse("[image]\n"
				     "base = \"alpine\"\n"
				     "[config]\n"
				     "volumes = \"/data\"\n"
				     "stopsignal = 15\n"
				     "cmd = \"python3 app.py\"\n"
				     "[config.entrypoint]\n"
				     "command = [\"/bin/sh\", \"-c\"]\n"
				     "[config.labels]\n"
				     "org.opencontainers.image.title = \"demo\"\n"
				     "\"com.example.x\" = true\n"
				     "[config.env] # empty: no ENV\n"
				     "[[config.run]]\n"
				     "command = [\"echo\", \"a \\\"b\\\"\"]\n");
	EXPECT(f, {BUILD_FROM, 2, "FROM alpine"}, {BUILD_VOLUME, 4, "VOLUME /data"},
	       {BUILD_STOPSIGNAL, 5, "STOPSIGNAL 15"}, {BUILD_CMD, 6, "CMD python3 app.py"},
	       {BUILD_ENTRYPOINT, 7, "ENTRYPOINT [\"/bin/sh\",\"-c\"]"},
	       {BUILD_LABEL, 9, "LABEL org.opencontainers.image.title=demo com.example.x=true"},
	       {BUILD_RUN, 13, "RUN [\"echo\",\"a \\\"b\\\"\"]"});
	assert_true(f->v[3].shell_form);
	assert_false(f->v[4].shell_form);
	assert_string_equal(f->v[5].kv[0].key, "org.opencontainers.image.title");
	build_file_free(f);
}

static void test_onbuild(void **state)
{
	struct build_file *f = parse("[image]\n"
				     "base = \"alpine\"\n"
				     "[config]\n"
				     "onbuild = [\"copy . /src\", \"RUN make\"]\n"
				     "user = \"app\"\n");
	EXPECT(f, {BUILD_FROM, 2, "FROM alpine"}, {BUILD_ONBUILD, 4, "ONBUILD COPY . /src"},
	       {BUILD_ONBUILD, 4, "ONBUILD RUN make"}, {BUILD_USER, 5, "USER app"});
	assert_string_equal(f->v[1].value, "COPY . /src");
	build_file_free(f);
	f = parse("[image]\nbase = \"a\"\n[config]\nonbuild = \"ENV A=1\"\n");
	EXPECT(f, {BUILD_FROM, 2, "FROM a"}, {BUILD_ONBUILD, 4, "ONBUILD ENV A=1"});
	build_file_free(f);
}

static const struct {
	const char *doc, *msg;
} bad[] = {
	{"[image]\nbase = \"a\"\n[config]\nonbuild = [\"RUN a\", \"FROM b\"]\n",
	 "Cubofile.toml:4:21: [config] onbuild: FROM isn't allowed as an ONBUILD trigger"},
	{"[image]\nbase = \"a\"\n[config]\nonbuild = \"ONBUILD RUN a\"\n",
	 "Cubofile.toml:4:11: [config] onbuild: Chaining ONBUILD via `ONBUILD ONBUILD` isn't "
	 "allowed"},
	{"[image]\nbase = \"a\"\n[config]\nonbuild = [\"RUNN a\"]\n",
	 "Cubofile.toml:4:12: [config] onbuild: unknown instruction \"RUNN\""},
	{"[image]\nbase = \"a\"\n[config]\nonbuild = [\"RUN a\\nRUN b\"]\n",
	 "Cubofile.toml:4:12: [config] onbuild: an ONBUILD trigger of more than one line"},
	{"[image]\nbase = \"a\"\n[config]\nonbuild = [1]\n",
	 "Cubofile.toml:4:12: [config] onbuild: expected string, got integer"},
	{"[image]\nbase = \"a\"\n[config.healthcheck]\ninterval = \"1s\"\n",
	 "Cubofile.toml:3:1: [config.healthcheck]: command is missing"},
	{"[image]\nbase = \"a\"\n[config.healthcheck]\ncommand = \"x\"\ninterval = \"1us\"\n",
	 "Cubofile.toml:5:12: [config.healthcheck] interval \"1us\": cannot be less than 1ms"},
	{"[image]\nbase = \"a\"\n[config.healthcheck]\ncommand = \"x\"\ntimeout = 5\n",
	 "Cubofile.toml:5:11: [config.healthcheck] timeout: expected string, got integer"},
	{"[image]\nbase = \"a\"\n[config.healthcheck]\ncommand = \"x\"\nretries = -1\n",
	 "Cubofile.toml:5:11: [config.healthcheck] retries: must be 0 to 2147483647"},
	{"[image]\nbase = \"a\"\n[config.healthcheck]\ncommand = \"x\"\nevery = 1\n",
	 "Cubofile.toml:5:1: unknown key \"config.healthcheck.every\""},
	{"[image]\nbase = \"a\"\n[config]\nhealthcheck = \"off\"\n",
	 "Cubofile.toml:4:15: [config] healthcheck: expected \"none\" or a table, got \"off\""},
	{"[image]\nname = \"x\"\n", "Cubofile.toml: [image] base is missing"},
	{"", "Cubofile.toml: [image] base is missing"},
	{"[image]\nbase = 1\n", "Cubofile.toml:2:8: [image] base: expected string, got integer"},
	{"[image]\nbase = \"\"\n", "Cubofile.toml:2:8: [image] base: must not be empty"},
	{"[image]\nbase = \"a\\u0000b\"\n",
	 "Cubofile.toml:2:8: [image] base: contains a NUL character"},
	{"[image]\nbase = \"a\"\nname = 2\n",
	 "Cubofile.toml:3:8: [image] name: expected string, got integer"},
	{"image = \"alpine\"\n", "Cubofile.toml:1:9: image: expected table, got string"},
	{"[image]\nbase = \"a\"\ntag = \"x\"\n", "Cubofile.toml:3:1: unknown key \"image.tag\""},
	{"[image]\nbase = \"a\"\n[config]\n\nwrkdir = \"/app\"\n",
	 "Cubofile.toml:5:1: unknown key \"config.wrkdir\""},
	{"[image]\nbase = \"a\"\n[build]\n", "Cubofile.toml:3:2: unknown key \"build\""},
	{"config.wrkdir = \"/app\"\n[image]\nbase = \"a\"\n",
	 "Cubofile.toml:1:8: unknown key \"config.wrkdir\""},
	{"[image]\nbase = \"a\"\nconfig.workdir = \"/app\"\n",
	 "Cubofile.toml:3:1: unknown key \"image.config\""},
	{"[image]\nbase = \"a\"\n[[run]]\ncmd = \"ls\"\n",
	 "Cubofile.toml:4:1: unknown key \"run.cmd\""},
	{"[image]\nbase = \"a\"\n[[config.run]]\ncommand = \"ls\"\nuser = \"x\"\n",
	 "Cubofile.toml:5:1: unknown key \"config.run.user\""},
	{"[image]\nbase = \"a\"\n[[run]]\n", "Cubofile.toml:3:1: [[run]]: command is missing"},
	{"[image]\nbase = \"a\"\n[run]\ncommand = \"ls\"\n",
	 "Cubofile.toml:3:1: run: expected array of tables, got table"},
	{"run = [\"ls\"]\n[image]\nbase = \"a\"\n",
	 "Cubofile.toml:1:8: [[run]]: expected table, got string"},
	{"[image]\nbase = \"a\"\n[[run]]\ncommand = 5\n",
	 "Cubofile.toml:4:11: [[run]] command: expected string or array of strings, got integer"},
	{"[image]\nbase = \"a\"\n[[run]]\ncommand = []\n",
	 "Cubofile.toml:4:11: [[run]] command: must not be empty"},
	{"[image]\nbase = \"a\"\n[[run]]\ncommand = \"\"\n",
	 "Cubofile.toml:4:11: [[run]] command: must not be empty"},
	{"[image]\nbase = \"a\"\n[[run]]\ncommand = [\"ls\", 1]\n",
	 "Cubofile.toml:4:18: [[run]] command: expected string, got integer"},
	{"[image]\nbase = \"a\"\n[[copy]]\ndestination = \"/x\"\n",
	 "Cubofile.toml:3:1: [[copy]]: source is missing"},
	{"[image]\nbase = \"a\"\n[[config.copy]]\nsource = \"x\"\n",
	 "Cubofile.toml:3:1: [[config.copy]]: destination is missing"},
	{"[image]\nbase = \"a\"\n[[copy]]\nsource = \"x\"\ndestination = \"/x\"\nmode = 1\n",
	 "Cubofile.toml:6:1: unknown key \"copy.mode\""},
	{"[image]\nbase = \"a\"\n[[copy]]\nsource = \"x\"\ndestination = \"/x\"\nchown = 0\n",
	 "Cubofile.toml:6:9: [[copy]] chown: expected string, got integer"},
	{"[image]\nbase = \"a\"\n[config]\nworkdir = [\"/a\"]\n",
	 "Cubofile.toml:4:11: [config] workdir: expected string, got array"},
	{"[image]\nbase = \"a\"\n[config]\ncmd = 1\n",
	 "Cubofile.toml:4:7: [config] cmd: expected string, array of strings or table, got "
	 "integer"},
	{"[image]\nbase = \"a\"\n[config.cmd]\nargs = [\"x\"]\n",
	 "Cubofile.toml:4:1: unknown key \"config.cmd.args\""},
	{"[image]\nbase = \"a\"\n[config.entrypoint]\n",
	 "Cubofile.toml:3:1: [config.entrypoint]: command is missing"},
	{"[image]\nbase = \"a\"\n[config]\nexpose = [0]\n",
	 "Cubofile.toml:4:11: [config] expose: port 0 is out of range (1 to 65535)"},
	{"[image]\nbase = \"a\"\n[config]\nexpose = [true]\n",
	 "Cubofile.toml:4:11: [config] expose: expected string or integer, got boolean"},
	{"[image]\nbase = \"a\"\n[config]\nvolumes = []\n",
	 "Cubofile.toml:4:11: [config] volumes: must not be empty"},
	{"[image]\nbase = \"a\"\n[config]\nenv = \"A=1\"\n",
	 "Cubofile.toml:4:7: [config] env: expected table, got string"},
	{"[image]\nbase = \"a\"\n[config.env]\nA = [1]\n",
	 "Cubofile.toml:4:5: [config.env] A: expected string, integer or boolean, got array"},
	{"[image]\nbase = \"a\"\n[config.env]\n\"A B\" = 1\n",
	 "Cubofile.toml:4:1: [config.env] A B: not a variable name (no \"=\", spaces or NULs)"},
	{"[image]\nbase = \"a\"\n[config.labels]\nx = 1.5\n",
	 "Cubofile.toml:4:5: [config.labels] x: expected string, integer or boolean, got float"},
	{"[image]\nbase = \"a\"\n[args]\n\"1ST\" = 1\n",
	 "Cubofile.toml:4:1: [args] 1ST: an ARG name is letters, digits and \"_\""},
	{"args = [1]\n[image]\nbase = \"a\"\n",
	 "Cubofile.toml:1:8: args: expected table, got array"},
	{"[image]\nbase = \"a\"\n[config]\nuser = \"\"\n",
	 "Cubofile.toml:4:8: [config] user: must not be empty"},
	/* TOML errors come through as they are */
	{"[image]\nbase \"alpine\"\n",
	 "Cubofile.toml:2:6: expected \"=\" after key \"base\", found \"\"\""},
	{"[image]\nbase = \"a\"\n[image]\n",
	 "Cubofile.toml:3:2: duplicate table \"image\" (first defined at line 1)"},
};

static void test_healthcheck(void **state)
{
	struct build_file *f = parse("[image]\nbase = \"a\"\n"
				     "[config.healthcheck]\n"
				     "command = [\"/bin/check\", \"-q\"]\n"
				     "interval = \"10s\"\n"
				     "start_period = \"1m\"\n"
				     "retries = 2\n");
	static const struct want w[] = {
		{BUILD_FROM, 2, "FROM a"},
		{BUILD_HEALTHCHECK, 3,
		 "HEALTHCHECK --interval=10s --start-period=1m0s --retries=2 CMD "
		 "[\"/bin/check\",\"-q\"]"},
	};
	expect(f, w, 2);
	const struct oci_healthcheck *h = f->v[1].health;
	assert_string_equal(h->test.v[0], "CMD");
	assert_int_equal(h->interval, 10000000000LL);
	assert_int_equal(h->start_period, 60000000000LL);
	assert_int_equal(h->retries, 2);
	build_file_free(f);

	f = parse("[image]\nbase = \"a\"\n[config]\nhealthcheck = { command = \"true\" }\n");
	assert_string_equal(f->v[1].text, "HEALTHCHECK CMD true");
	assert_string_equal(f->v[1].health->test.v[0], "CMD-SHELL");
	build_file_free(f);
	f = parse("[image]\nbase = \"a\"\n[config]\nhealthcheck = \"NONE\"\n");
	assert_string_equal(f->v[1].text, "HEALTHCHECK NONE");
	assert_string_equal(f->v[1].health->test.v[0], "NONE");
	build_file_free(f);
}

static void test_errors(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct build_file *f = (struct build_file *)1;
		struct cubo_error *err =
			cubofile_toml_parse(bad[i].doc, strlen(bad[i].doc), "Cubofile.toml", &f);
		if (!err)
			fail_msg("parsed: %s", bad[i].doc);
		assert_null(f);
		if (strcmp(err->msg, bad[i].msg))
			fail_msg("%s\n got: %s\nwant: %s", bad[i].doc, err->msg, bad[i].msg);
		cubo_error_free(err);
	}
}

static void test_clear(void **state)
{
	struct build_instr in = {.op = BUILD_RUN};
	build_file_free(NULL);
	build_instr_clear(NULL);
	build_instr_clear(&in);
	in.text = strdup("RUN x");
	in.args = calloc(2, sizeof(char *));
	in.args[0] = strdup("x");
	in.kv = calloc(1, sizeof(*in.kv));
	in.kv[0].key = strdup("k");
	in.n_kv = 1;
	build_instr_clear(&in);
	assert_null(in.text);
	assert_null(in.args);
	assert_int_equal(in.n_kv, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dialect_a),     cmocka_unit_test(test_dialect_b),
		cmocka_unit_test(test_order),	      cmocka_unit_test(test_args),
		cmocka_unit_test(test_copy),	      cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_config_tables), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_clear),	      cmocka_unit_test(test_healthcheck),
		cmocka_unit_test(test_onbuild),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

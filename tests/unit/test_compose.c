/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/compose/ctree.c, interp.c, model.c, project.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/compose/ctree.h"
#include "cubo-mgr/compose/interp.h"
#include "cubo-mgr/compose/project.h"
#include "cubo-mgr/compose/run_args.h"
#include "shared/fs.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/xalloc.h"
#include "tests/unit/helpers.h"

static void expect_in(const char *out, const char *part)
{
	if (!strstr(out, part))
		fail_msg("no \"%s\" in:\n%s", part, out);
}

static char *env_vars[] = {"SET=value", "EMPTY=", "PORT=8080", NULL};

static char *interp_ok(const char *s)
{
	char *out = NULL;
	struct cubo_error *err = compose_interpolate(s, env_vars, NULL, &out);
	if (err)
		fail_msg("%s: %s", s, err->msg);
	return out;
}

static void expect_interp(const char *s, const char *want)
{
	char *got = interp_ok(s);
	assert_string_equal(got, want);
	free(got);
}

static void expect_interp_error(const char *s, const char *part)
{
	char *out = NULL;
	struct cubo_error *err = compose_interpolate(s, env_vars, NULL, &out);
	assert_non_null(err);
	assert_null(out);
	if (!strstr(err->msg, part))
		fail_msg("%s: %s lacks %s", s, err->msg, part);
	cubo_error_free(err);
}

/* The examples of compose's documentation (interpolation.md). */
static void test_interpolate(void **state)
{
	(void)state;
	expect_interp("${SET}", "value");
	expect_interp("$SET", "value");
	expect_interp("a-$SET-b", "a-value-b");
	expect_interp("${UNSET}", "");
	expect_interp("${UNSET:-default}", "default");
	expect_interp("${EMPTY:-default}", "default");
	expect_interp("${EMPTY-default}", "");
	expect_interp("${UNSET-default}", "default");
	expect_interp("${SET:-default}", "value");
	expect_interp("${SET:+alt}", "alt");
	expect_interp("${EMPTY:+alt}", "");
	expect_interp("${EMPTY+alt}", "alt");
	expect_interp("${UNSET+alt}", "");
	expect_interp("$$SET", "$SET");
	expect_interp("$${SET}", "${SET}");
	expect_interp("${UNSET:-${PORT}}", "8080");
	expect_interp("${UNSET:-${ALSO_UNSET:-x}y}", "xy");
	expect_interp("no dollars", "no dollars");
	expect_interp("127.0.0.1:${PORT}:80", "127.0.0.1:8080:80");
	expect_interp_error("${UNSET:?it is needed}",
			    "required variable UNSET is missing a value: it is needed");
	expect_interp_error("${EMPTY:?}", "required variable EMPTY");
	expect_interp_error("${UNSET?x}", "required variable UNSET");
	expect_interp_error("${SET", "no closing brace");
	expect_interp_error("${1BAD}", "invalid interpolation format");
	expect_interp_error("a $ b", "write $$ for a dollar");
	expect_interp_error("${SET!x}", "invalid interpolation format");
	char *out = NULL;
	assert_null(compose_interpolate("${EMPTY?x}", env_vars, NULL, &out));
	assert_string_equal(out, "");
	free(out);
	char **unset = NULL;
	assert_null(compose_interpolate("$A ${A} ${B:-x}", env_vars, &unset, &out));
	free(out);
	assert_int_equal(cubo_strv_len(unset), 1);
	assert_string_equal(unset[0], "A");
	cubo_strv_free(unset);
}

static void test_dotenv(void **state)
{
	(void)state;
	const char text[] = "# a comment\n"
			    "\n"
			    "A=1\n"
			    "export B = two words # a comment\n"
			    "C='single $A'\n"
			    "D=\"double $A\\n\"\n"
			    "E=${A}-${SET}\n"
			    "F=\"line1\nline2\"\n"
			    "SET\n"
			    "A=again\n"
			    "G=a#b\n";
	char **vars = NULL;
	struct cubo_error *err = compose_dotenv_parse(text, ".env", env_vars, &vars);
	if (err)
		fail_msg("%s", err->msg);
	assert_string_equal(cubo_strv_env_get(vars, "A"), "again");
	assert_string_equal(cubo_strv_env_get(vars, "B"), "two words");
	assert_string_equal(cubo_strv_env_get(vars, "C"), "single $A");
	assert_string_equal(cubo_strv_env_get(vars, "D"), "double 1\n");
	assert_string_equal(cubo_strv_env_get(vars, "E"), "1-value");
	assert_string_equal(cubo_strv_env_get(vars, "F"), "line1\nline2");
	assert_string_equal(cubo_strv_env_get(vars, "SET"), "value");
	assert_string_equal(cubo_strv_env_get(vars, "G"), "a#b");
	cubo_strv_free(vars);
	vars = NULL;
	err = compose_dotenv_parse("A=1\nnot a line\n", "x.env", env_vars, &vars);
	assert_non_null(err);
	assert_string_equal(err->msg, "x.env:2: expected NAME=VALUE");
	cubo_error_free(err);
	cubo_strv_free(vars);
	vars = NULL;
	err = compose_dotenv_parse("A=\"open\n", "x.env", env_vars, &vars);
	assert_non_null(err);
	cubo_error_free(err);
	cubo_strv_free(vars);
}

static struct cnode *load_ok(const char *text)
{
	struct cnode *n = NULL;
	struct cubo_error *err = ctree_load(text, strlen(text), "t.yaml", &n);
	if (err)
		fail_msg("%s", err->msg);
	return n;
}

static void expect_load_error(const char *text, const char *part)
{
	struct cnode *n = NULL;
	struct cubo_error *err = ctree_load(text, strlen(text), "t.yaml", &n);
	assert_non_null(err);
	assert_null(n);
	if (!strstr(err->msg, part))
		fail_msg("%s lacks %s", err->msg, part);
	cubo_error_free(err);
}

static void test_anchors(void **state)
{
	(void)state;
	struct cnode *n = load_ok("x-common: &common\n"
				  "  restart: always\n"
				  "  image: base\n"
				  "x-more: &more {user: nobody, image: other}\n"
				  "services:\n"
				  "  a:\n"
				  "    <<: [*common, *more]\n"
				  "    image: mine\n"
				  "  b: *common\n");
	struct cnode *a = ctree_get(ctree_get(n, "services"), "a");
	assert_string_equal(ctree_get(a, "image")->str, "mine");
	assert_string_equal(ctree_get(a, "restart")->str, "always");
	assert_string_equal(ctree_get(a, "user")->str, "nobody");
	assert_null(ctree_get(a, "<<"));
	struct cnode *b = ctree_get(ctree_get(n, "services"), "b");
	assert_string_equal(ctree_get(b, "image")->str, "base");
	assert_int_equal(b->line, 9);
	ctree_free(n);

	expect_load_error("a: 1\na: 2\n", "t.yaml:2: key \"a\" is already defined");
	expect_load_error("a: *nope\n", "unknown anchor");
	expect_load_error("a: [1\n", "t.yaml:");
	expect_load_error("- 1\n", "the top level must be a mapping");
	expect_load_error("a: &x 1\n<<: *x\n", "a merge key (<<) takes a mapping");
}

/* A "billion laughs": nine levels of ten aliases each fail, and quickly. */
static void test_billion_laughs(void **state)
{
	(void)state;
	char *doc = xstrdup("l0: &l0 [lol]\n");
	for (int i = 1; i < 10; i++) {
		char *line = xasprintf(
			"%sl%d: &l%d [*l%d,*l%d,*l%d,*l%d,*l%d,*l%d,*l%d,*l%d,*l%d,*l%d]\n", doc, i,
			i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
		free(doc);
		doc = line;
	}
	expect_load_error(doc, "expands into more than");
	free(doc);
	/* deep nesting, too */
	char deep[400];
	memset(deep, '[', 200);
	deep[0] = 'a', deep[1] = ':', deep[2] = ' ';
	deep[200] = 0;
	expect_load_error(deep, "nested deeper");
}

static void test_yaml_out(void **state)
{
	(void)state;
	struct cnode *n =
		load_ok("s: \"8080\"\nt: 'yes'\nu: -g\nv: ''\nw: \"a: b\"\nx: [1, true, null]\n"
			"y: {}\nz: \"line\\nnext\"\n");
	char *out;
	size_t len;
	assert_null(ctree_to_yaml(n, &out, &len));
	assert_string_equal(out, "s: \"8080\"\n"
				 "t: \"yes\"\n"
				 "u: -g\n"
				 "v: \"\"\n"
				 "w: \"a: b\"\n"
				 "x:\n"
				 "  - 1\n"
				 "  - true\n"
				 "  - null\n"
				 "\"y\": {}\n"
				 "z: \"line\\nnext\"\n");
	free(out);
	assert_null(ctree_to_json(n, &out, &len));
	expect_in(out, "\"s\": \"8080\"");
	expect_in(out, "true");
	free(out);
	ctree_free(n);
}

/* ---- projects ---- */

static void write_in(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	if (cubo_write_file_replace(path, text, strlen(text), 0644) != NULL)
		fail_msg("write %s", path);
	free(path);
}

static struct cubo_error *load_project(const char *dir, char *const *files, const char *name,
				       char *const *profiles, struct compose_project *p)
{
	char *environ_[] = {"SET=value", "PORT=8080", NULL};
	const struct compose_opts o = {
		.files = files,
		.name = name,
		.profiles = profiles,
		.environ = environ_,
		.cwd = dir,
	};
	return compose_project_load(&o, p);
}

static char *config_of(const char *dir, char *const *files, char *const *profiles)
{
	struct compose_project p;
	struct cubo_error *err = load_project(dir, files, NULL, profiles, &p);
	if (err)
		fail_msg("%s", err->msg);
	char *out;
	size_t len;
	assert_null(ctree_to_yaml(p.model, &out, &len));
	compose_project_free(&p);
	return out;
}

static char *project_error(const char *dir, const char *text)
{
	write_in(dir, "compose.yaml", text);
	struct compose_project p;
	struct cubo_error *err = load_project(dir, NULL, NULL, NULL, &p);
	compose_project_free(&p);
	if (!err)
		fail_msg("no error for:\n%s", text);
	char *msg = xstrdup(err->msg);
	cubo_error_free(err);
	return msg;
}

static void expect_project_error(const char *dir, const char *text, const char *part)
{
	char *msg = project_error(dir, text);
	if (!strstr(msg, part))
		fail_msg("\"%s\" lacks \"%s\"", msg, part);
	free(msg);
}

static void test_project_config(void **state)
{
	(void)state;
	char *dir = th_tmpdir("compose");
	char *sub = xasprintf("%s/My App.x", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	write_in(sub, ".env", "TAG=1.2\nPORT=9999\n");
	write_in(sub, "web.env", "FROM_FILE=1\nA=from-file\n");
	write_in(sub, "compose.yaml",
		 "version: '3'\n"
		 "services:\n"
		 "  web:\n"
		 "    image: \"nginx:${TAG}\"\n"
		 "    ports: [\"${PORT}:80\", {target: 443, published: 8443}]\n"
		 "    env_file: web.env\n"
		 "    environment: [A=given, SET]\n"
		 "    volumes: [./html:/srv:ro, data:/data, /anon]\n"
		 "    depends_on:\n"
		 "      db: {condition: service_healthy}\n"
		 "    stop_grace_period: 90s\n"
		 "    deploy: {resources: {limits: {memory: 512m, cpus: '0.5', pids: 100}}}\n"
		 "  db:\n"
		 "    build: ./db\n"
		 "    healthcheck: {test: [CMD, true], interval: 1m30s}\n"
		 "    networks: {back: {aliases: [database]}}\n"
		 "  debug:\n"
		 "    image: busybox\n"
		 "    profiles: [debug]\n"
		 "networks: {back: {}}\n"
		 "volumes: {data: {}}\n");
	char *out = config_of(sub, NULL, NULL);
	/* the directory's name, normalised; PORT from the environment over .env */
	expect_in(out, "name: myappx\n");
	expect_in(out, "image: nginx:1.2\n");
	expect_in(out, "published: \"8080\"\n        target: 80\n");
	expect_in(out, "published: \"8443\"\n        target: 443\n");
	expect_in(out, "A: given\n");
	expect_in(out, "FROM_FILE: \"1\"\n");
	expect_in(out, "SET: value\n");
	char *bind = xasprintf("source: %s/html\n", sub);
	expect_in(out, bind);
	free(bind);
	expect_in(out, "read_only: true\n");
	expect_in(out, "condition: service_healthy\n");
	expect_in(out, "stop_grace_period: 1m30s\n");
	expect_in(out, "memory: 536870912\n");
	expect_in(out, "dockerfile: Dockerfile\n");
	expect_in(out, "        - CMD\n        - \"true\"\n");
	expect_in(out, "name: myappx_back\n");
	expect_in(out, "name: myappx_default\n");
	expect_in(out, "name: myappx_data\n");
	assert_null(strstr(out, "debug:"));
	assert_null(strstr(out, "version"));
	free(out);
	/* a profile brings its service in */
	char *profiles[] = {"debug", NULL};
	out = config_of(sub, NULL, profiles);
	expect_in(out, "  debug:\n");
	free(out);
	/* from a subdirectory, the file is found in the parent */
	char *deeper = xasprintf("%s/db", sub);
	assert_int_equal(mkdir(deeper, 0755), 0);
	out = config_of(deeper, NULL, NULL);
	expect_in(out, "name: myappx\n");
	free(out);
	free(deeper);
	free(sub);
	th_tmpdir_free(dir);
}

static void test_project_merge_extends(void **state)
{
	(void)state;
	char *dir = th_tmpdir("compose");
	write_in(dir, "base.yaml",
		 "name: Proj\n"
		 "services:\n"
		 "  app:\n"
		 "    image: app:1\n"
		 "    command: [a, b]\n"
		 "    ports: ['80:80']\n"
		 "    environment: {A: '1', B: '2'}\n"
		 "    volumes: ['./x:/x', './y:/y']\n");
	write_in(dir, "over.yaml",
		 "services:\n"
		 "  app:\n"
		 "    command: c\n"
		 "    ports: ['81:81']\n"
		 "    environment: [B=3]\n"
		 "    volumes: ['./z:/y']\n"
		 "  worker:\n"
		 "    extends: {service: app}\n"
		 "    command: work\n"
		 "  other:\n"
		 "    extends: {file: common.yaml, service: base}\n");
	write_in(dir, "common.yaml", "services:\n  base:\n    image: common\n    user: nobody\n");
	char *files[] = {"base.yaml", "over.yaml", NULL};
	char *out = config_of(dir, files, NULL);
	expect_in(out, "name: proj\n");
	expect_in(out, "    command:\n      - c\n");
	expect_in(out, "published: \"80\"");
	expect_in(out, "published: \"81\"");
	expect_in(out, "A: \"1\"\n      B: \"3\"\n");
	char *z = xasprintf("source: %s/z\n", dir);
	expect_in(out, z);
	free(z);
	char *y = xasprintf("source: %s/y\n", dir);
	assert_null(strstr(out, y));
	free(y);
	expect_in(out, "  worker:\n    command:\n      - work\n");
	expect_in(out, "image: common\n");
	expect_in(out, "user: nobody\n");
	free(out);
	/* -p wins and is checked */
	struct compose_project p;
	struct cubo_error *err = load_project(dir, files, "_bad", NULL, &p);
	assert_non_null(err);
	compose_project_free(&p);
	cubo_error_free(err);
	th_tmpdir_free(dir);
}

static void test_project_errors(void **state)
{
	(void)state;
	char *dir = th_tmpdir("compose");
	char *want =
		xasprintf("%s/compose.yaml:4: services.web.ports[1]: \"x:80\": invalid port", dir);
	expect_project_error(dir,
			     "services:\n  web:\n    image: a\n    ports: ['80:80',\n"
			     "      'x:80']\n",
			     "services.web.ports[1]: \"x:80\": invalid port");
	free(want);
	expect_project_error(dir, "services:\n  web:\n    image: a\n    colour: red\n",
			     "compose.yaml:4: services.web.colour: unknown key \"colour\"");
	expect_project_error(
		dir,
		"services:\n  web:\n    image: a\n    x-ok: 1\n    healthcheck: {interval: soon}\n",
		"services.web.healthcheck.interval: \"soon\": expected a duration");
	expect_project_error(dir, "bogus: 1\nservices: {}\n", "unknown key \"bogus\"");
	expect_project_error(dir, "services:\n  web:\n    ports: ['80']\n",
			     "services.web: a service needs an image or a build");
	expect_project_error(dir,
			     "services:\n"
			     "  a: {image: x, depends_on: [b]}\n"
			     "  b: {image: x, depends_on: [c]}\n"
			     "  c: {image: x, depends_on: [a]}\n",
			     "dependency cycle: a -> b -> c -> a");
	expect_project_error(dir, "services:\n  a: {image: x, depends_on: [nope]}\n",
			     "depends on undefined service \"nope\"");
	expect_project_error(dir, "services:\n  a: {image: x, volumes: ['v:/v']}\n",
			     "refers to undefined volume v");
	expect_project_error(dir, "services:\n  a: {image: x, networks: [n]}\n",
			     "refers to undefined network n");
	expect_project_error(dir, "services:\n  a: {image: '${NOPE:?set it}'}\n",
			     "compose.yaml:2: services.a.image: required variable NOPE is missing "
			     "a value: set it");
	expect_project_error(dir, "services:\n  a: {image: x, read_only: maybe}\n",
			     "services.a.read_only: \"maybe\": expected true or false");
	expect_project_error(dir, "services:\n  a: {extends: {service: a}}\n",
			     "no service \"a\" to extend");
	expect_project_error(dir, "services:\n  a: {image: x, volumes: ['a:b:c:d']}\n",
			     "invalid volume");
	th_tmpdir_free(dir);
}

static void expect_error_with(struct cubo_error *err, const char *want)
{
	assert_non_null(err);
	if (!strstr(err->msg, want))
		fail_msg("\"%s\" does not hold \"%s\"", err->msg, want);
	cubo_error_free(err);
}

/* How many containers a service gets, and --scale's values checked. */
static void test_replicas(void **state)
{
	(void)state;
	char *dir = th_tmpdir("compose");
	write_in(dir, "compose.yaml",
		 "services:\n"
		 "  one: {image: x}\n"
		 "  rep: {image: x, deploy: {replicas: 3}}\n"
		 "  old: {image: x, scale: 2}\n"
		 "  named: {image: x, container_name: fixed}\n"
		 "  fixed: {image: x, ports: ['8080:80']}\n"
		 "  ranged: {image: x, ports: ['8080-8090:80', '90']}\n");
	struct compose_project p;
	struct cubo_error *err = load_project(dir, NULL, NULL, NULL, &p);
	if (err)
		fail_msg("%s", err->msg);
	const struct cnode *svcs = ctree_get(p.model, "services");
	long n;
	assert_null(compose_replicas("one", ctree_get(svcs, "one"), NULL, &n));
	assert_int_equal(n, 1);
	assert_null(compose_replicas("rep", ctree_get(svcs, "rep"), NULL, &n));
	assert_int_equal(n, 3);
	assert_null(compose_replicas("old", ctree_get(svcs, "old"), NULL, &n));
	assert_int_equal(n, 2);
	/* --scale wins; another service's does not count; 0 is fine */
	char *scale[] = {"rep=0", "one=5", "r=9", NULL};
	assert_null(compose_replicas("rep", ctree_get(svcs, "rep"), scale, &n));
	assert_int_equal(n, 0);
	assert_null(compose_replicas("one", ctree_get(svcs, "one"), scale, &n));
	assert_int_equal(n, 5);
	char *big[] = {"one=1001", NULL}, *two[] = {"named=2", "fixed=2", "ranged=2", NULL};
	expect_error_with(compose_replicas("one", ctree_get(svcs, "one"), big, &n),
			  "1001 containers: expected 0 to 1000");
	expect_error_with(compose_replicas("named", ctree_get(svcs, "named"), two, &n),
			  "can't set container_name and named as container name must be unique");
	expect_error_with(compose_replicas("fixed", ctree_get(svcs, "fixed"), two, &n),
			  "each would publish host port 8080");
	assert_null(compose_replicas("ranged", ctree_get(svcs, "ranged"), two, &n));
	assert_int_equal(n, 2);
	char *good[] = {"one=2", "rep=0", NULL};
	assert_null(compose_check_scale(svcs, good));
	assert_null(compose_check_scale(svcs, NULL));
	const char *bad[][2] = {{"nope=1", "no such service"},	 {"one", "expected SERVICE=N"},
				{"=1", "expected SERVICE=N"},	 {"one=", "expected SERVICE=N"},
				{"one=x", "expected SERVICE=N"}, {"one=1x", "expected SERVICE=N"}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *v[] = {(char *)bad[i][0], NULL};
		expect_error_with(compose_check_scale(svcs, v), bad[i][1]);
	}
	compose_project_free(&p);
	th_tmpdir_free(dir);
}

/* A service as run's flags: every key up knows, compose's names and labels. */
static void test_run_args(void **state)
{
	(void)state;
	char *dir = th_tmpdir("compose");
	write_in(dir, "s.txt", "secret");
	write_in(dir, "compose.yaml",
		 "name: p\n"
		 "services:\n"
		 "  web:\n"
		 "    image: busybox\n"
		 "    entrypoint: [/bin/sh, -c]\n"
		 "    command: echo hi\n"
		 "    environment: {A: '1'}\n"
		 "    ports: ['127.0.0.1:8080:80', '53/udp']\n"
		 "    volumes: [./d:/d:ro, v:/v, /anon, {type: tmpfs, target: /t}]\n"
		 "    networks: {back: {aliases: [www]}}\n"
		 "    healthcheck: {test: [CMD, wget, -q, 'http://x/a b'], interval: 5s, retries: "
		 "3}\n"
		 "    deploy: {resources: {limits: {memory: 64m, pids: 50}}}\n"
		 "    ulimits: {nofile: {soft: 10, hard: 20}}\n"
		 "    stop_grace_period: 1m30s\n"
		 "    extra_hosts: ['db=10.0.0.5']\n"
		 "    secrets: [s]\n"
		 "    read_only: true\n"
		 "    logging: {driver: json-file, options: {max-size: 1m}}\n"
		 "    mac_address: 02:42:ac:11:00:02\n"
		 "    annotations: {k: v}\n"
		 "    userns_mode: host\n"
		 "  built: {build: .}\n"
		 "networks: {back: {}}\n"
		 "volumes: {v: {}}\n"
		 "secrets: {s: {file: ./s.txt}}\n");
	struct compose_project p;
	struct cubo_error *err = load_project(dir, NULL, NULL, NULL, &p);
	if (err)
		fail_msg("%s", err->msg);
	const struct cnode *svc = ctree_get(ctree_get(p.model, "services"), "web");
	char **argv, **ignored;
	assert_null(compose_run_args(&p, "web", svc, 1, "abc", &argv, &ignored));
	struct cubo_strbuf b = {0};
	for (size_t i = 0; argv[i]; i++) {
		cubo_strbuf_adds(&b, argv[i]);
		cubo_strbuf_addc(&b, '|');
	}
	const char *want[] = {
		"run|--detach|--name|p-web-1|",
		"--label|com.docker.compose.project=p|--label|com.docker.compose.service=web|",
		"--label|com.docker.compose.config-hash=abc|",
		"--env|A=1|",
		"--read-only|",
		"--health-cmd|wget -q 'http://x/a b'|--health-interval|5s|--health-retries|3|",
		"--publish|127.0.0.1:8080:80/tcp|--publish|53/udp|",
		"--volume|p_v:/v|--volume|/anon|--tmpfs|/t|",
		"/s.txt:/run/secrets/s:ro|",
		"--network|p_back|--network-alias|www|--network-alias|web|",
		"--memory|67108864|--pids-limit|50|--ulimit|nofile=10:20|--stop-timeout|90|",
		"--log-driver|json-file|--log-opt|max-size=1m|--add-host|db:10.0.0.5|",
		"--entrypoint|/bin/sh|busybox|-c|echo|hi|",
		"--mac-address|02:42:ac:11:00:02|",
		"--annotation|k=v|",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		expect_in(b.s, want[i]);
	char *ro = xasprintf("--volume|%s/d:/d:ro|", dir);
	expect_in(b.s, ro);
	free(ro);
	assert_int_equal(cubo_strv_len(ignored), 1);
	assert_string_equal(ignored[0], "userns_mode");
	free(b.s);
	cubo_strv_free(argv);
	cubo_strv_free(ignored);
	/* a built service without an image runs PROJECT-SERVICE */
	svc = ctree_get(ctree_get(p.model, "services"), "built");
	assert_null(compose_run_args(&p, "built", svc, 2, "h", &argv, &ignored));
	assert_string_equal(argv[cubo_strv_len(argv) - 1], "p-built");
	assert_true(cubo_strv_contains(argv, "p-built-2"));
	char hash1[65], hash2[65];
	assert_null(compose_config_hash(svc, hash1));
	assert_null(compose_config_hash(ctree_get(ctree_get(p.model, "services"), "web"), hash2));
	assert_int_equal(strlen(hash1), 64);
	assert_string_not_equal(hash1, hash2);
	cubo_strv_free(argv);
	cubo_strv_free(ignored);
	compose_project_free(&p);
	th_tmpdir_free(dir);
}

/* dir/compose.yaml holding text, loaded; any error fails the test. */
static void load_written(const char *dir, const char *text, struct compose_project *p)
{
	write_in(dir, "compose.yaml", text);
	struct cubo_error *err = load_project(dir, NULL, NULL, NULL, p);
	if (err)
		fail_msg("%s", err->msg);
}

/* links and volumes_from: dependencies, the link's alias on its target, --volumes-from. */
static void test_links_volumes_from(void **state)
{
	(void)state;
	char *dir = th_tmpdir("compose");
	struct compose_project p;
	load_written(dir,
		     "name: p\n"
		     "services:\n"
		     "  web: {image: x, links: ['db:database', cache], volumes_from: ['data:ro', "
		     "'container:other']}\n"
		     "  db: {image: x}\n"
		     "  cache: {image: x}\n"
		     "  data: {image: x, volumes: [/shared]}\n",
		     &p);
	const struct cnode *svcs = ctree_get(p.model, "services");
	char **deps = compose_service_deps(ctree_get(svcs, "web"));
	assert_int_equal(cubo_strv_len(deps), 3);
	assert_string_equal(deps[0], "db");
	assert_string_equal(deps[1], "cache");
	assert_string_equal(deps[2], "data");
	cubo_strv_free(deps);
	char **order;
	assert_null(compose_service_order(p.model, &order));
	assert_string_equal(order[cubo_strv_len(order) - 1], "web");
	cubo_strv_free(order);

	char **argv, **ignored;
	struct cubo_strbuf b = {0};
	assert_null(compose_run_args(&p, "web", ctree_get(svcs, "web"), 1, "h", &argv, &ignored));
	for (size_t i = 0; argv[i]; i++) {
		cubo_strbuf_adds(&b, argv[i]);
		cubo_strbuf_addc(&b, '|');
	}
	expect_in(b.s, "--volumes-from|p-data-1:ro|--volumes-from|other|");
	assert_int_equal(cubo_strv_len(ignored), 0);
	cubo_strv_free(argv);
	cubo_strv_free(ignored);
	free(b.s);
	b = (struct cubo_strbuf){0};
	/* the alias another service's link gives, beside the service's own name */
	assert_null(compose_run_args(&p, "db", ctree_get(svcs, "db"), 1, "h", &argv, &ignored));
	for (size_t i = 0; argv[i]; i++) {
		cubo_strbuf_adds(&b, argv[i]);
		cubo_strbuf_addc(&b, '|');
	}
	expect_in(b.s, "--network-alias|db|--network-alias|database|");
	cubo_strv_free(argv);
	cubo_strv_free(ignored);
	free(b.s);
	compose_project_free(&p);

	expect_project_error(dir, "services:\n  a: {image: x, links: [nope]}\n",
			     "service \"a\" has a link to undefined service \"nope\"");
	expect_project_error(dir, "services:\n  a: {image: x, volumes_from: ['nope:ro']}\n",
			     "service \"a\" mounts volumes from undefined service \"nope\"");
	expect_project_error(dir,
			     "services:\n  a: {image: x, links: [b]}\n"
			     "  b: {image: x, volumes_from: [a]}\n",
			     "dependency cycle: a -> b -> a");
	th_tmpdir_free(dir);
}

static void test_project_name(void **state)
{
	(void)state;
	char *n = compose_project_name("My_App-1 .x");
	assert_string_equal(n, "my_app-1x");
	free(n);
	assert_null(compose_project_name("_x"));
	assert_null(compose_project_name("..."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interpolate),
		cmocka_unit_test(test_dotenv),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_yaml_out),
		cmocka_unit_test(test_project_config),
		cmocka_unit_test(test_project_merge_extends),
		cmocka_unit_test(test_project_errors),
		cmocka_unit_test(test_project_name),
		cmocka_unit_test(test_run_args),
		cmocka_unit_test(test_links_volumes_from),
		cmocka_unit_test(test_replicas),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

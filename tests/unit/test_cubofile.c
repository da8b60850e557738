/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/builder/cubofile.c, cubo-mgr/builder/expand.c, cubo-mgr/builder/instr.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/builder/instr.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

static struct build_file *parse_ok(const char *text)
{
	struct build_file *f = NULL;
	struct cubo_error *err = cubofile_parse(text, strlen(text), "Cubofile", &f);
	if (err)
		fail_msg("parse failed: %s\n---\n%s", err->msg, text);
	assert_non_null(f);
	return f;
}

static void parse_fails(const char *text, const char *msg)
{
	struct build_file *f = (struct build_file *)&f;
	struct cubo_error *err = cubofile_parse(text, strlen(text), "Cubofile", &f);
	if (!err)
		fail_msg("accepted:\n%s", text);
	assert_null(f);
	if (strcmp(err->msg, msg))
		fail_msg("got      \"%s\"\nexpected \"%s\"\n---\n%s", err->msg, msg, text);
	cubo_error_free(err);
}

static void assert_kv(const struct build_instr *in, size_t i, const char *key, const char *value,
		      bool has_value)
{
	assert_true(i < in->n_kv);
	assert_string_equal(in->kv[i].key, key);
	assert_string_equal(in->kv[i].value, value);
	assert_int_equal(in->kv[i].has_value, has_value);
}

static void test_base_dialect(void **state)
{
	struct build_file *f = parse_ok("BASE alpine:latest\n"
					"RUN apk add python3\n"
					"COPY app.py /app/\n"
					"ENV APP_ENV=production\n"
					"WORKDIR /app\n"
					"EXPOSE 8080/tcp\n"
					"CMD python3 app.py\n");
	assert_string_equal(f->path, "Cubofile");
	assert_int_equal(f->n, 7);
	assert_int_equal(f->n_global_args, 0);

	assert_int_equal(f->v[0].op, BUILD_FROM);
	assert_int_equal(f->v[0].line, 1);
	assert_string_equal(f->v[0].text, "BASE alpine:latest");
	assert_string_equal(f->v[0].image, "alpine:latest");
	assert_null(f->v[0].stage_name);

	assert_int_equal(f->v[1].op, BUILD_RUN);
	assert_int_equal(f->v[1].line, 2);
	assert_true(f->v[1].shell_form);
	th_assert_strv(f->v[1].args, "apk add python3");
	assert_string_equal(f->v[1].text, "RUN apk add python3");

	assert_int_equal(f->v[2].op, BUILD_COPY);
	th_assert_strv(f->v[2].sources, "app.py");
	assert_string_equal(f->v[2].dest, "/app/");
	assert_null(f->v[2].from_stage);
	assert_null(f->v[2].chown);
	assert_null(f->v[2].chmod);

	assert_int_equal(f->v[3].op, BUILD_ENV);
	assert_int_equal(f->v[3].n_kv, 1);
	assert_kv(&f->v[3], 0, "APP_ENV", "production", true);

	assert_int_equal(f->v[4].op, BUILD_WORKDIR);
	assert_string_equal(f->v[4].value, "/app");

	assert_int_equal(f->v[5].op, BUILD_EXPOSE);
	th_assert_strv(f->v[5].list, "8080/tcp");

	assert_int_equal(f->v[6].op, BUILD_CMD);
	assert_int_equal(f->v[6].line, 7);
	assert_true(f->v[6].shell_form);
	th_assert_strv(f->v[6].args, "python3 app.py");
	assert_string_equal(f->v[6].text, "CMD python3 app.py");
	build_file_free(f);
}

static void test_from_dialect(void **state)
{
	struct build_file *f = parse_ok("FROM alpine:latest\n"
					"RUN apk add python3\n"
					"COPY app.py /app/\n"
					"ENV APP_ENV=production\n"
					"WORKDIR /app\n"
					"EXPOSE 8080/tcp\n"
					"CMD [\"python3\", \"app.py\"]\n");
	assert_int_equal(f->n, 7);
	assert_int_equal(f->v[0].op, BUILD_FROM);
	assert_string_equal(f->v[0].text, "FROM alpine:latest");
	assert_string_equal(f->v[0].image, "alpine:latest");
	assert_int_equal(f->v[6].op, BUILD_CMD);
	assert_false(f->v[6].shell_form);
	th_assert_strv(f->v[6].args, "python3", "app.py");
	assert_string_equal(f->v[6].text, "CMD [\"python3\", \"app.py\"]");
	build_file_free(f);
}

static void test_keywords_case(void **state)
{
	struct build_file *f = parse_ok("from alpine\n"
					"  Run   echo  hi  \n"
					"base busybox As Second\n"
					"cOpY --from=second a b\n"
					"Cmd [\"x\"]\n");
	assert_int_equal(f->n, 5);
	assert_string_equal(f->v[0].text, "FROM alpine");
	assert_int_equal(f->v[1].op, BUILD_RUN);
	/* the arguments as written, the blanks around the line dropped */
	assert_string_equal(f->v[1].text, "RUN echo  hi");
	th_assert_strv(f->v[1].args, "echo  hi");
	assert_int_equal(f->v[2].op, BUILD_FROM);
	assert_string_equal(f->v[2].text, "BASE busybox As Second");
	assert_string_equal(f->v[2].stage_name, "second");
	assert_int_equal(f->v[3].op, BUILD_COPY);
	assert_string_equal(f->v[3].from_stage, "second");
	assert_string_equal(f->v[3].text, "COPY --from=second a b");
	assert_int_equal(f->v[4].op, BUILD_CMD);
	build_file_free(f);
}

static void test_multistage(void **state)
{
	struct build_file *f =
		parse_ok("FROM golang:1.22 AS Build\n"
			 "WORKDIR /src\n"
			 "COPY . .\n"
			 "RUN go build -o /out/app .\n"
			 "\n"
			 "FROM scratch as final\n"
			 "COPY --from=build --chown=app:app --chmod=0755 /out/app /app\n"
			 "COPY --from=0 /etc/ssl /etc/ssl\n"
			 "ENTRYPOINT [\"/app\"]\n");
	assert_int_equal(f->n, 8);
	assert_string_equal(f->v[0].image, "golang:1.22");
	assert_string_equal(f->v[0].stage_name, "build");
	assert_string_equal(f->v[0].text, "FROM golang:1.22 AS Build");
	th_assert_strv(f->v[2].sources, ".");
	assert_string_equal(f->v[2].dest, ".");
	assert_int_equal(f->v[4].op, BUILD_FROM);
	assert_int_equal(f->v[4].line, 6);
	assert_string_equal(f->v[4].image, "scratch");
	assert_string_equal(f->v[4].stage_name, "final");
	assert_string_equal(f->v[5].from_stage, "build");
	assert_string_equal(f->v[5].chown, "app:app");
	assert_string_equal(f->v[5].chmod, "0755");
	th_assert_strv(f->v[5].sources, "/out/app");
	assert_string_equal(f->v[5].dest, "/app");
	assert_string_equal(f->v[5].text,
			    "COPY --from=build --chown=app:app --chmod=0755 /out/app /app");
	assert_string_equal(f->v[6].from_stage, "0");
	assert_int_equal(f->v[7].op, BUILD_ENTRYPOINT);
	assert_false(f->v[7].shell_form);
	th_assert_strv(f->v[7].args, "/app");
	build_file_free(f);

	/* a stage used by a later stage as its base */
	f = parse_ok("FROM alpine AS base\nFROM base AS app\nRUN true\n");
	assert_string_equal(f->v[1].image, "base");
	build_file_free(f);

	parse_fails("FROM alpine AS a\nRUN true\nFROM busybox AS A\n",
		    "Cubofile:3: duplicate stage name \"a\" (first at line 1)");
	parse_fails("FROM alpine AS 1st\n",
		    "Cubofile:1: bad stage name \"1st\": a letter, then letters, digits, '-', '_' "
		    "or '.'");
	parse_fails("FROM alpine AS\n", "Cubofile:1: expected FROM IMAGE [AS NAME]");
	parse_fails("FROM alpine x y\n", "Cubofile:1: expected FROM IMAGE [AS NAME]");
	parse_fails("BASE alpine AS a b\n", "Cubofile:1: expected BASE IMAGE [AS NAME]");
	parse_fails("FROM\n", "Cubofile:1: FROM needs an image");
	parse_fails("base\n", "Cubofile:1: BASE needs an image");
}

static void test_from_platform(void **state)
{
	struct build_file *f = parse_ok("FROM --platform=$BUILDPLATFORM golang AS b\n"
					"FROM --platform=${TARGETPLATFORM} alpine\n");
	assert_string_equal(f->v[0].image, "golang");
	assert_string_equal(f->v[0].stage_name, "b");
	assert_string_equal(f->v[1].image, "alpine");
	build_file_free(f);
	parse_fails("FROM --platform=linux/arm64 alpine\n",
		    "Cubofile:1: FROM --platform=linux/arm64 is not supported: builds are for this "
		    "machine's platform (only $BUILDPLATFORM and $TARGETPLATFORM are accepted)");
	parse_fails("FROM --pull alpine\n", "Cubofile:1: unknown FROM flag \"--pull\"");
}

static void test_continuations(void **state)
{
	struct build_file *f = parse_ok("FROM alpine\n"
					"RUN mkdir /a && \\\n"
					"# a comment inside the instruction\n"
					"\n"
					"    # an indented one\n"
					"echo hi > /a/b\n"
					"RUN apk add \\\n"
					"      curl \\   \n"
					"      git\n"
					"LABEL a=1 \\\n"
					"      b=2\n"
					"CMD echo \\\n");
	assert_int_equal(f->n, 5);
	assert_int_equal(f->v[1].line, 2);
	assert_string_equal(f->v[1].text, "RUN mkdir /a && echo hi > /a/b");
	th_assert_strv(f->v[1].args, "mkdir /a && echo hi > /a/b");
	assert_int_equal(f->v[2].line, 7);
	th_assert_strv(f->v[2].args, "apk add       curl       git");
	assert_int_equal(f->v[3].line, 10);
	assert_int_equal(f->v[3].n_kv, 2);
	assert_kv(&f->v[3], 1, "b", "2", true);
	/* a continuation at the end of the file ends the instruction */
	assert_int_equal(f->v[4].line, 12);
	th_assert_strv(f->v[4].args, "echo");
	build_file_free(f);

	/* a comment line ending in \ does not continue; CRLF and a BOM are fine */
	f = parse_ok("\xef\xbb\xbf# comment \\\r\nFROM alpine\r\nRUN a \\\r\n b\r\n");
	assert_int_equal(f->n, 2);
	assert_int_equal(f->v[0].line, 2);
	th_assert_strv(f->v[1].args, "a  b");
	build_file_free(f);

	/* the error line is where the instruction starts */
	parse_fails("FROM alpine\nRUN a \\\n b\nRUNN \\\n x\n",
		    "Cubofile:4: unknown instruction \"RUNN\"");
}

static void test_escape_directive(void **state)
{
	struct build_file *f = parse_ok("# syntax=docker/dockerfile:1\n"
					"# escape=`\n"
					"\n"
					"FROM mcr.microsoft.com/windows/servercore\n"
					"COPY testfile.txt c:\\\n"
					"RUN dir c:\\ `\n"
					"    && echo done\n"
					"ENV A=`$HOME B=c:\\dir\n");
	assert_int_equal(f->n, 4);
	th_assert_strv(f->v[1].sources, "testfile.txt");
	assert_string_equal(f->v[1].dest, "c:\\\\");
	assert_int_equal(f->v[2].line, 6);
	th_assert_strv(f->v[2].args, "dir c:\\     && echo done");
	assert_string_equal(f->v[2].text, "RUN dir c:\\     && echo done");
	assert_kv(&f->v[3], 0, "A", "\\$HOME", true);
	assert_kv(&f->v[3], 1, "B", "c:\\\\dir", true);
	build_file_free(f);

	/* directives only count at the very top: here it is a comment */
	f = parse_ok("FROM alpine\n# escape=`\nRUN a \\\n b\n");
	th_assert_strv(f->v[1].args, "a  b");
	build_file_free(f);
	/* an unknown directive ends them */
	f = parse_ok("# foo=bar\n# escape=`\nFROM alpine\nRUN a \\\n b\n");
	th_assert_strv(f->v[1].args, "a  b");
	build_file_free(f);
	/* upper-case and spaced */
	f = parse_ok("#  ESCAPE = `  \nFROM alpine\nRUN a `\n b\n");
	th_assert_strv(f->v[1].args, "a  b");
	build_file_free(f);

	parse_fails("# escape=x\nFROM alpine\n",
		    "Cubofile:1: bad escape directive \"x\": the escape character is \\ or `");
	parse_fails("# escape=`\n# escape=\\\nFROM alpine\n",
		    "Cubofile:2: only one escape parser directive can be used");
}

static void test_run(void **state)
{
	struct build_file *f = parse_ok("FROM alpine\n"
					"RUN [\"echo\", \"a b\", \"$HOME\"]\n"
					"RUN [not json\n"
					"RUN   [ -f /etc/passwd ] && echo yes\n"
					"RUN echo 'single' \"double\" $VAR \\$x\n"
					"RUN [\"sh\"] && true\n");
	assert_false(f->v[1].shell_form);
	th_assert_strv(f->v[1].args, "echo", "a b", "$HOME");
	assert_true(f->v[2].shell_form);
	th_assert_strv(f->v[2].args, "[not json");
	assert_true(f->v[3].shell_form);
	th_assert_strv(f->v[3].args, "[ -f /etc/passwd ] && echo yes");
	assert_string_equal(f->v[3].text, "RUN [ -f /etc/passwd ] && echo yes");
	th_assert_strv(f->v[4].args, "echo 'single' \"double\" $VAR \\$x");
	assert_true(f->v[5].shell_form);
	build_file_free(f);

	parse_fails("FROM alpine\nRUN\n", "Cubofile:2: RUN needs a command");
	parse_fails("FROM alpine\nRUN []\n", "Cubofile:2: RUN needs a command");
	parse_fails("FROM alpine\nRUN [\"a\", 1]\n",
		    "Cubofile:2: RUN: the JSON form must be an array of strings");
	parse_fails("FROM alpine\nRUN --mount=type=cache,target=/x make\n",
		    "Cubofile:2: RUN --mount is not supported");
	parse_fails("FROM alpine\nRUN --foo make\n", "Cubofile:2: unknown RUN flag \"--foo\"");
	parse_fails("FROM alpine\nRUN <<EOF\necho\n", "Cubofile:2: heredoc <<EOF has no line "
						      "\"EOF\" to end it");
	parse_fails("FROM alpine\nRUN <<A <<B\na\nA\nb\nB\n",
		    "Cubofile:2: RUN <<A with no command takes one heredoc");
	parse_fails("FROM alpine\nCMD <<EOF\nx\nEOF\n",
		    "Cubofile:2: CMD: heredocs are supported in RUN only");
}

/* RUN <<EOF: the body is the script; RUN cmd <<EOF: the shell reads the heredoc. */
static void test_run_heredoc(void **state)
{
	struct build_file *f = parse_ok("FROM alpine\n"
					"RUN <<EOF\n"
					"echo one\n"
					"echo \"$HOME\" > /x\n"
					"EOF\n"
					"RUN cat <<-'END' > /y\n"
					"\tindented $NOT\n"
					"\tEND\n"
					"RUN echo after\n");
	assert_int_equal(f->n, 4);
	const struct build_instr *a = &f->v[1], *b = &f->v[2];
	assert_true(a->shell_form);
	th_assert_strv(a->args, "echo one\necho \"$HOME\" > /x\n");
	assert_int_equal(a->line, 2);
	assert_string_equal(a->text, "RUN <<EOF\necho one\necho \"$HOME\" > /x\nEOF");
	assert_true(b->shell_form);
	th_assert_strv(b->args, "cat <<-'END' > /y\n\tindented $NOT\n\tEND");
	assert_int_equal(f->v[3].line, 9);
	th_assert_strv(f->v[3].args, "echo after");
	build_file_free(f);
}

static void test_cmd_entrypoint(void **state)
{
	struct build_file *f = parse_ok("FROM alpine\n"
					"CMD []\n"
					"ENTRYPOINT [\"/bin/sh\", \"-c\"]\n"
					"ENTRYPOINT exec /app --flag\n"
					"CMD [\"unterminated\"\n"
					"CMD [ \"spaced\" , \"json\" ]  \n");
	assert_false(f->v[1].shell_form);
	assert_non_null(f->v[1].args);
	assert_null(f->v[1].args[0]);
	assert_int_equal(f->v[2].op, BUILD_ENTRYPOINT);
	th_assert_strv(f->v[2].args, "/bin/sh", "-c");
	assert_true(f->v[3].shell_form);
	th_assert_strv(f->v[3].args, "exec /app --flag");
	assert_true(f->v[4].shell_form);
	th_assert_strv(f->v[4].args, "[\"unterminated\"");
	assert_false(f->v[5].shell_form);
	th_assert_strv(f->v[5].args, "spaced", "json");
	build_file_free(f);
	parse_fails("FROM alpine\nCMD\n", "Cubofile:2: CMD needs a command");
	parse_fails("FROM alpine\nENTRYPOINT   \n", "Cubofile:2: ENTRYPOINT needs a command");
	parse_fails("FROM alpine\nCMD [\"a\", null]\n",
		    "Cubofile:2: CMD: the JSON form must be an array of strings");
}

static void test_shell(void **state)
{
	struct build_file *f = parse_ok("FROM alpine\nSHELL [\"/bin/bash\", \"-eo\", \"pipefail\", "
					"\"-c\"]\n");
	assert_int_equal(f->v[1].op, BUILD_SHELL);
	assert_false(f->v[1].shell_form);
	th_assert_strv(f->v[1].args, "/bin/bash", "-eo", "pipefail", "-c");
	build_file_free(f);
	const char *want = "Cubofile:2: SHELL needs the JSON form: SHELL [\"executable\", "
			   "\"parameters\"]";
	parse_fails("FROM alpine\nSHELL /bin/bash -c\n", want);
	parse_fails("FROM alpine\nSHELL []\n", want);
	parse_fails("FROM alpine\nSHELL\n", want);
	parse_fails("FROM alpine\nSHELL [\"a\", {}]\n",
		    "Cubofile:2: SHELL: the JSON form must be an array of strings");
}

static void test_copy_add(void **state)
{
	struct build_file *f = parse_ok("FROM alpine\n"
					"COPY a b c /dst/\n"
					"COPY [\"a b\", \"/dst dir/\"]\n"
					"COPY --chown=1000:1000 --link [\"x\", \"y\"]\n"
					"COPY \"with space\" 'and quote' my\\ file $DEST\n"
					"ADD --chown=app --chmod=644 rootfs.tar.gz /\n"
					"COPY -- --odd /x\n");
	th_assert_strv(f->v[1].sources, "a", "b", "c");
	assert_string_equal(f->v[1].dest, "/dst/");
	th_assert_strv(f->v[2].sources, "a b");
	assert_string_equal(f->v[2].dest, "/dst dir/");
	assert_string_equal(f->v[3].chown, "1000:1000");
	th_assert_strv(f->v[3].sources, "x");
	assert_string_equal(f->v[3].dest, "y");
	th_assert_strv(f->v[4].sources, "with space", "and quote", "my file");
	assert_string_equal(f->v[4].dest, "$DEST");
	assert_int_equal(f->v[5].op, BUILD_ADD);
	assert_string_equal(f->v[5].chown, "app");
	assert_string_equal(f->v[5].chmod, "644");
	th_assert_strv(f->v[5].sources, "rootfs.tar.gz");
	assert_string_equal(f->v[5].dest, "/");
	assert_null(f->v[5].from_stage);
	th_assert_strv(f->v[6].sources, "--odd");
	build_file_free(f);

	parse_fails("FROM alpine\nRUN true\nRUN true\nCOPY onlyone\n",
		    "Cubofile:4: COPY needs a source and a destination");
	parse_fails("FROM alpine\nCOPY\n", "Cubofile:2: COPY needs a source and a destination");
	parse_fails("FROM alpine\nCOPY [\"a\"]\n",
		    "Cubofile:2: COPY needs a source and a destination");
	parse_fails("FROM alpine\nADD x\n", "Cubofile:2: ADD needs a source and a destination");
	parse_fails("FROM alpine\nCOPY --frm=a x y\n", "Cubofile:2: unknown COPY flag \"--frm\"");
	parse_fails("FROM alpine\nADD --from=a x y\n", "Cubofile:2: unknown ADD flag \"--from\"");
	parse_fails("FROM alpine\nCOPY --from x y\n",
		    "Cubofile:2: COPY --from needs a value (--from=...)");
	parse_fails("FROM alpine\nCOPY --from= x y\n",
		    "Cubofile:2: COPY --from needs a value (--from=...)");
	parse_fails("FROM alpine\nCOPY --chmod=u+x x y\n",
		    "Cubofile:2: COPY --chmod=u+x: expected an octal mode such as 0755");
	parse_fails("FROM alpine\nCOPY --chown=a --chown=b x y\n",
		    "Cubofile:2: COPY --chown given twice");
	parse_fails("FROM alpine\nCOPY --parents a/b /x\n",
		    "Cubofile:2: COPY --parents is not supported");
	parse_fails("FROM alpine\nADD https://example.com/x.tgz /x\n",
		    "Cubofile:2: ADD from a URL is not supported (\"https://example.com/x.tgz\"): "
		    "download it in a RUN step");
	parse_fails("FROM alpine\nCOPY \"a /x\n", "Cubofile:2: COPY: unterminated double quote");
	parse_fails("FROM alpine\nCOPY <<EOF /x\nhi\nEOF\n",
		    "Cubofile:2: COPY: heredocs are supported in RUN only");
}

static void test_env(void **state)
{
	struct build_file *f =
		parse_ok("FROM alpine\n"
			 "ENV KEY=VAL K2=\"quoted val\" K3='single $X' K4=a\\ b K5= K6=$HOME\n"
			 "ENV LEGACY value with  spaces\n"
			 "ENV Q=\"say \\\"hi\\\" \\$5 \\\\ \\n\" R=\\$lit S=\\\\$HOME\n"
			 "ENV \"QK\"=v T=${A:-\"x y\"}\n"
			 "env lower=case\n");
	const struct build_instr *in = &f->v[1];
	assert_int_equal(in->op, BUILD_ENV);
	assert_int_equal(in->n_kv, 6);
	assert_kv(in, 0, "KEY", "VAL", true);
	assert_kv(in, 1, "K2", "quoted val", true);
	assert_kv(in, 2, "K3", "single \\$X", true);
	assert_kv(in, 3, "K4", "a b", true);
	assert_kv(in, 4, "K5", "", true);
	assert_kv(in, 5, "K6", "$HOME", true);
	assert_string_equal(in->text, "ENV KEY=VAL K2=\"quoted val\" K3='single $X' K4=a\\ b K5= "
				      "K6=$HOME");
	in = &f->v[2];
	assert_int_equal(in->n_kv, 1);
	assert_kv(in, 0, "LEGACY", "value with  spaces", true);
	in = &f->v[3];
	assert_kv(in, 0, "Q", "say \"hi\" \\$5 \\\\ \\\\n", true);
	assert_kv(in, 1, "R", "\\$lit", true);
	assert_kv(in, 2, "S", "\\\\$HOME", true);
	in = &f->v[4];
	assert_kv(in, 0, "QK", "v", true);
	assert_kv(in, 1, "T", "${A:-x y}", true);
	assert_string_equal(f->v[5].text, "ENV lower=case");

	/* what the executor makes of them */
	char *const vars[] = {"HOME=/root", NULL};
	char *out;
	assert_null(build_expand(f->v[3].kv[0].value, vars, 1, &out));
	assert_string_equal(out, "say \"hi\" $5 \\ \\n");
	free(out);
	assert_null(build_expand(f->v[3].kv[2].value, vars, 1, &out));
	assert_string_equal(out, "\\/root");
	free(out);
	assert_null(build_expand(f->v[1].kv[2].value, vars, 1, &out));
	assert_string_equal(out, "single $X");
	free(out);
	assert_null(build_expand(f->v[4].kv[1].value, vars, 1, &out));
	assert_string_equal(out, "x y");
	free(out);
	build_file_free(f);

	parse_fails("FROM alpine\nENV\n", "Cubofile:2: ENV needs NAME=VALUE");
	parse_fails("FROM alpine\nENV FOO\n", "Cubofile:2: ENV FOO needs a value (ENV FOO=VALUE)");
	parse_fails("FROM alpine\nENV A=1 B\n", "Cubofile:2: ENV: expected NAME=VALUE, got \"B\"");
	parse_fails("FROM alpine\nENV =x\n", "Cubofile:2: ENV: empty name in \"=x\"");
	parse_fails("FROM alpine\nENV A=\"open\n", "Cubofile:2: ENV: unterminated double quote");
	parse_fails("FROM alpine\nENV A='open\n", "Cubofile:2: ENV: unterminated single quote");
}

static void test_arg(void **state)
{
	struct build_file *f = parse_ok("ARG VERSION=3.19\n"
					"ARG REGISTRY\n"
					"# a comment\n"
					"FROM alpine:${VERSION}\n"
					"ARG VERSION\n"
					"ARG A=1 B \"C\"='x y'\n");
	assert_int_equal(f->n_global_args, 2);
	assert_string_equal(f->global_args[0].key, "VERSION");
	assert_string_equal(f->global_args[0].value, "3.19");
	assert_true(f->global_args[0].has_value);
	assert_string_equal(f->global_args[1].key, "REGISTRY");
	assert_string_equal(f->global_args[1].value, "");
	assert_false(f->global_args[1].has_value);
	assert_int_equal(f->n, 3);
	assert_string_equal(f->v[0].image, "alpine:${VERSION}");
	assert_int_equal(f->v[0].line, 4);
	assert_int_equal(f->v[1].op, BUILD_ARG);
	assert_kv(&f->v[1], 0, "VERSION", "", false);
	assert_int_equal(f->v[2].n_kv, 3);
	assert_kv(&f->v[2], 0, "A", "1", true);
	assert_kv(&f->v[2], 1, "B", "", false);
	assert_kv(&f->v[2], 2, "C", "x y", true);
	build_file_free(f);

	parse_fails("FROM alpine\nARG\n", "Cubofile:2: ARG needs a name");
	parse_fails("ARG =1\nFROM alpine\n", "Cubofile:1: ARG: bad name in \"=1\"");
	parse_fails("ARG ONLY=1\n", "Cubofile: no FROM (or BASE) instruction");
}

static void test_label_maintainer(void **state)
{
	struct build_file *f = parse_ok("FROM alpine\n"
					"LABEL \"com.example.vendor\"=\"ACME Inc\" version=1.0 "
					"description='a $thing'\n"
					"LABEL legacy the rest\n"
					"MAINTAINER Jo <jo@example.com> $5\n");
	assert_int_equal(f->v[1].op, BUILD_LABEL);
	assert_int_equal(f->v[1].n_kv, 3);
	assert_kv(&f->v[1], 0, "com.example.vendor", "ACME Inc", true);
	assert_kv(&f->v[1], 1, "version", "1.0", true);
	assert_kv(&f->v[1], 2, "description", "a \\$thing", true);
	assert_kv(&f->v[2], 0, "legacy", "the rest", true);
	assert_int_equal(f->v[3].op, BUILD_LABEL);
	assert_string_equal(f->v[3].text, "MAINTAINER Jo <jo@example.com> $5");
	assert_kv(&f->v[3], 0, "maintainer", "Jo <jo@example.com> \\$5", true);
	build_file_free(f);
	parse_fails("FROM alpine\nLABEL\n", "Cubofile:2: LABEL needs KEY=VALUE");
	parse_fails("FROM alpine\nLABEL x\n", "Cubofile:2: LABEL x needs a value (LABEL x=VALUE)");
	parse_fails("FROM alpine\nMAINTAINER\n", "Cubofile:2: MAINTAINER needs a name");
}

static void test_values(void **state)
{
	struct build_file *f = parse_ok("FROM alpine\n"
					"WORKDIR \"/my app\"\n"
					"WORKDIR $HOME/src\n"
					"USER app:app\n"
					"STOPSIGNAL SIGTERM\n"
					"user 1000\n");
	assert_int_equal(f->v[1].op, BUILD_WORKDIR);
	assert_string_equal(f->v[1].value, "/my app");
	assert_string_equal(f->v[2].value, "$HOME/src");
	assert_int_equal(f->v[3].op, BUILD_USER);
	assert_string_equal(f->v[3].value, "app:app");
	assert_int_equal(f->v[4].op, BUILD_STOPSIGNAL);
	assert_string_equal(f->v[4].value, "SIGTERM");
	assert_string_equal(f->v[5].text, "USER 1000");
	build_file_free(f);
	parse_fails("FROM alpine\nWORKDIR\n", "Cubofile:2: WORKDIR needs a directory");
	parse_fails("FROM alpine\nWORKDIR \"\"\n", "Cubofile:2: WORKDIR needs a directory");
	parse_fails("FROM alpine\nUSER\n", "Cubofile:2: USER needs a user");
	parse_fails("FROM alpine\nSTOPSIGNAL\n", "Cubofile:2: STOPSIGNAL needs a signal");
	parse_fails("FROM alpine\nUSER --x=1 a\n", "Cubofile:2: unknown USER flag \"--x\"");
}

static void test_expose(void **state)
{
	struct build_file *f = parse_ok("FROM alpine\n"
					"EXPOSE 80 8080/tcp 53/udp 9/sctp 65535\n"
					"EXPOSE 7000-7002/UDP 443/TCP $PORT ${P2}/udp\n");
	th_assert_strv(f->v[1].list, "80", "8080/tcp", "53/udp", "9/sctp", "65535");
	th_assert_strv(f->v[2].list, "7000/udp", "7001/udp", "7002/udp", "443/tcp", "$PORT",
		       "${P2}/udp");
	build_file_free(f);
	parse_fails("FROM alpine\nEXPOSE\n", "Cubofile:2: EXPOSE needs a port");
	parse_fails("FROM alpine\nEXPOSE 0\n",
		    "Cubofile:2: EXPOSE: bad port \"0\" (a port is 1 to 65535)");
	parse_fails("FROM alpine\nEXPOSE 80 65536/tcp\n",
		    "Cubofile:2: EXPOSE: bad port \"65536/tcp\" (a port is 1 to 65535)");
	parse_fails("FROM alpine\nEXPOSE http\n",
		    "Cubofile:2: EXPOSE: bad port \"http\" (a port is 1 to 65535)");
	parse_fails("FROM alpine\nEXPOSE 90-80\n",
		    "Cubofile:2: EXPOSE: bad port \"90-80\" (a port is 1 to 65535)");
	parse_fails("FROM alpine\nEXPOSE 80/icmp\n",
		    "Cubofile:2: EXPOSE: bad protocol in \"80/icmp\" (tcp, udp or sctp)");
	parse_fails("FROM alpine\nEXPOSE 1-65535 1-65535/udp 1-65535/sctp 1-2\n",
		    "Cubofile:2: EXPOSE: more than 196605 ports in the file");
	parse_fails("FROM alpine\nEXPOSE 80/\n",
		    "Cubofile:2: EXPOSE: bad protocol in \"80/\" (tcp, udp or sctp)");
}

static void test_volume(void **state)
{
	struct build_file *f = parse_ok("FROM alpine\n"
					"VOLUME /data /logs\n"
					"VOLUME [\"/var/lib/db\", \"/my vol\"]\n"
					"VOLUME [/not/json\n");
	assert_int_equal(f->v[1].op, BUILD_VOLUME);
	th_assert_strv(f->v[1].list, "/data", "/logs");
	th_assert_strv(f->v[2].list, "/var/lib/db", "/my vol");
	th_assert_strv(f->v[3].list, "[/not/json");
	build_file_free(f);
	parse_fails("FROM alpine\nVOLUME\n", "Cubofile:2: VOLUME needs a path");
	parse_fails("FROM alpine\nVOLUME []\n", "Cubofile:2: VOLUME needs a path");
	parse_fails("FROM alpine\nVOLUME [\"\"]\n", "Cubofile:2: VOLUME: a path cannot be empty");
}

static void test_healthcheck(void **state)
{
	struct build_file *f =
		parse_ok("FROM alpine\n"
			 "HEALTHCHECK --interval=1m30s --timeout=5s --start-period=0s \\\n"
			 "  --start-interval=500ms --retries=4 CMD curl -f http://x/ || exit 1\n"
			 "healthcheck cmd [\"/bin/check\", \"--fast\"]\n"
			 "HEALTHCHECK none\n");
	assert_int_equal(f->n, 4);
	const struct oci_healthcheck *h = f->v[1].health;
	assert_int_equal(f->v[1].op, BUILD_HEALTHCHECK);
	assert_int_equal(h->test.n, 2);
	assert_string_equal(h->test.v[0], "CMD-SHELL");
	assert_string_equal(h->test.v[1], "curl -f http://x/ || exit 1");
	assert_int_equal(h->interval, 90000000000LL);
	assert_int_equal(h->timeout, 5000000000LL);
	assert_int_equal(h->start_period, 0);
	assert_int_equal(h->start_interval, 500000000LL);
	assert_int_equal(h->retries, 4);
	h = f->v[2].health;
	assert_int_equal(h->test.n, 3);
	assert_string_equal(h->test.v[0], "CMD");
	assert_string_equal(h->test.v[2], "--fast");
	assert_int_equal(h->interval, 0); /* not given: inherited, else docker's default */
	assert_int_equal(f->v[3].health->test.n, 1);
	assert_string_equal(f->v[3].health->test.v[0], "NONE");
	build_file_free(f);

	parse_fails("FROM a\nHEALTHCHECK\n",
		    "Cubofile:2: HEALTHCHECK needs CMD or NONE (got \"\")");
	parse_fails("FROM a\nHEALTHCHECK RUN true\n",
		    "Cubofile:2: HEALTHCHECK needs CMD or NONE (got \"RUN\")");
	parse_fails("FROM a\nHEALTHCHECK NONE true\n",
		    "Cubofile:2: HEALTHCHECK NONE takes no arguments");
	parse_fails("FROM a\nHEALTHCHECK --retries=1 NONE\n",
		    "Cubofile:2: HEALTHCHECK NONE takes no arguments");
	parse_fails("FROM a\nHEALTHCHECK CMD\n", "Cubofile:2: HEALTHCHECK CMD needs a command");
	parse_fails("FROM a\nHEALTHCHECK CMD []\n", "Cubofile:2: HEALTHCHECK CMD needs a command");
	parse_fails("FROM a\nHEALTHCHECK --interval=10us CMD true\n",
		    "Cubofile:2: HEALTHCHECK --interval \"10us\": cannot be less than 1ms");
	parse_fails("FROM a\nHEALTHCHECK --timeout=-1s CMD true\n",
		    "Cubofile:2: HEALTHCHECK --timeout \"-1s\": cannot be less than 1ms");
	parse_fails("FROM a\nHEALTHCHECK --interval=99999999999h CMD true\n",
		    "Cubofile:2: HEALTHCHECK --interval \"99999999999h\": not a duration (as 30s, "
		    "1m30s, 500ms)");
	parse_fails("FROM a\nHEALTHCHECK --retries=-2 CMD true\n",
		    "Cubofile:2: HEALTHCHECK --retries cannot be negative (-2)");
	parse_fails("FROM a\nHEALTHCHECK --retries=lots CMD true\n",
		    "Cubofile:2: HEALTHCHECK --retries \"lots\": not an integer");
	parse_fails("FROM a\nHEALTHCHECK --every=1s CMD true\n",
		    "Cubofile:2: unknown HEALTHCHECK flag \"--every\"");
}

static void test_onbuild(void **state)
{
	struct build_file *f = parse_ok("FROM alpine\n"
					"onbuild copy --chown=1:1 . /src\n"
					"ONBUILD   run make \\\n  install\n"
					"Onbuild ENV A=1 B=\"two words\"\n"
					"ONBUILD ARG V\n"
					"RUN true\n");
	assert_int_equal(f->n, 6);
	/* kept as the instruction's text, its keyword upper-cased; parsed now, run later */
	assert_int_equal(f->v[1].op, BUILD_ONBUILD);
	assert_string_equal(f->v[1].text, "ONBUILD copy --chown=1:1 . /src");
	assert_string_equal(f->v[1].value, "COPY --chown=1:1 . /src");
	assert_int_equal(f->v[1].line, 2);
	assert_string_equal(f->v[2].value, "RUN make   install");
	assert_int_equal(f->v[2].line, 3);
	assert_int_equal(f->v[3].op, BUILD_ONBUILD);
	assert_string_equal(f->v[3].value, "ENV A=1 B=\"two words\"");
	assert_string_equal(f->v[4].value, "ARG V");
	assert_int_equal(f->v[5].op, BUILD_RUN);
	build_file_free(f);

	/* docker's refusals, and the trigger's own errors at the ONBUILD's line */
	parse_fails("FROM a\nONBUILD ONBUILD RUN x\n",
		    "Cubofile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	parse_fails("FROM a\nONBUILD from b\n",
		    "Cubofile:2: FROM isn't allowed as an ONBUILD trigger");
	parse_fails("FROM a\nONBUILD BASE b\n",
		    "Cubofile:2: BASE isn't allowed as an ONBUILD trigger");
	parse_fails("FROM a\nONBUILD MAINTAINER me\n",
		    "Cubofile:2: MAINTAINER isn't allowed as an ONBUILD trigger");
	parse_fails("FROM a\nONBUILD\n", "Cubofile:2: ONBUILD needs an instruction");
	parse_fails("FROM a\nONBUILD RUN cat <<EOF\nhi\nEOF\n",
		    "Cubofile:2: an ONBUILD RUN cannot have heredocs (it is one line)");
	parse_fails("FROM a\nRUN true\n\nONBUILD RUNN x\n",
		    "Cubofile:4: unknown instruction \"RUNN\"");
	parse_fails("FROM a\nONBUILD COPY --bogus=1 a b\n",
		    "Cubofile:2: unknown COPY flag \"--bogus\"");
	parse_fails("FROM a\nONBUILD EXPOSE 99999\n",
		    "Cubofile:2: EXPOSE: bad port \"99999\" (a port is 1 to 65535)");
	parse_fails("ONBUILD RUN x\nFROM a\n",
		    "Cubofile:1: the first instruction must be FROM (or BASE), got \"ONBUILD\"");

	/* one trigger as an image's config holds it */
	struct build_instr in;
	assert_null(cubofile_parse_trigger("run  echo $HOME", "img", &in));
	assert_int_equal(in.op, BUILD_RUN);
	assert_string_equal(in.text, "RUN echo $HOME");
	assert_true(in.shell_form);
	build_instr_clear(&in);
	assert_null(cubofile_parse_trigger("HEALTHCHECK NONE", "img", &in));
	assert_int_equal(in.op, BUILD_HEALTHCHECK);
	build_instr_clear(&in);
	static const char *const bad[][2] = {
		{"RUN a\nRUN b", "img: an ONBUILD trigger of more than one line"},
		{"RUN a\r", "img: an ONBUILD trigger of more than one line"},
		{"", "img: ONBUILD needs an instruction"},
		{"   ", "img: ONBUILD needs an instruction"},
		{"ONBUILD RUN a", "img: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"},
		{"FROM x", "img: FROM isn't allowed as an ONBUILD trigger"},
		{"maintainer x", "img: MAINTAINER isn't allowed as an ONBUILD trigger"},
		{"RUN", "img: RUN needs a command"},
		{"# RUN a", "img: unknown instruction \"#\""},
		{"COPY --from=x", "img: COPY needs a source and a destination"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct cubo_error *err = cubofile_parse_trigger(bad[i][0], "img", &in);
		if (!err)
			fail_msg("trigger \"%s\" accepted", bad[i][0]);
		if (strcmp(err->msg, bad[i][1]))
			fail_msg("got \"%s\", expected \"%s\"", err->msg, bad[i][1]);
		cubo_error_free(err);
		assert_null(in.text);
	}
}

static void test_errors(void **state)
{
	parse_fails("FROM alpine\nRUN true\nRUNN make\n",
		    "Cubofile:3: unknown instruction \"RUNN\"");
	parse_fails("FROM alpine\nfrobnicate\n", "Cubofile:2: unknown instruction \"frobnicate\"");
	parse_fails("RUN make\n",
		    "Cubofile:1: the first instruction must be FROM (or BASE), got \"RUN\"");
	parse_fails("# hi\n\nARG X\ncopy a b\nFROM alpine\n",
		    "Cubofile:4: the first instruction must be FROM (or BASE), got \"COPY\"");
	parse_fails("", "Cubofile: no FROM (or BASE) instruction");
	parse_fails("# only a comment\n\n   \n", "Cubofile: no FROM (or BASE) instruction");

	/* the path given is the one in messages */
	struct build_file *f = NULL;
	struct cubo_error *err = cubofile_parse("X", 1, "dir/Cubofile.dev", &f);
	assert_non_null(err);
	assert_string_equal(err->msg, "dir/Cubofile.dev:1: unknown instruction \"X\"");
	cubo_error_free(err);
	/* text need not be NUL-terminated */
	err = cubofile_parse("FROM alpineXXX", 11, "Cubofile", &f);
	assert_null(err);
	assert_string_equal(f->v[0].image, "alpine");
	build_file_free(f);
}

static void test_nul_inside(void **state)
{
	static const char text[] = "FROM alpine\nRUN a\0b\n";
	struct build_file *f = NULL;
	struct cubo_error *err = cubofile_parse(text, sizeof(text) - 1, "Cubofile", &f);
	assert_non_null(err);
	assert_string_equal(err->msg, "Cubofile:2: a NUL byte in the file");
	assert_null(f);
	cubo_error_free(err);
}

static void test_free_null(void **state)
{
	build_file_free(NULL);
	build_instr_clear(NULL);
	struct build_instr in = {0};
	build_instr_clear(&in);
}

/* ---- build_expand ---- */

static void expand_is(const char *word, char *const *vars, size_t n, const char *want)
{
	char *out = NULL;
	struct cubo_error *err = build_expand(word, vars, n, &out);
	if (err)
		fail_msg("\"%s\": %s", word, err->msg);
	if (strcmp(out, want))
		fail_msg("\"%s\" gave \"%s\", expected \"%s\"", word, out, want);
	free(out);
}

static void expand_fails(const char *word, const char *msg)
{
	char *out = (char *)&out;
	struct cubo_error *err = build_expand(word, NULL, 0, &out);
	if (!err)
		fail_msg("\"%s\" was accepted", word);
	assert_null(out);
	assert_string_equal(err->msg, msg);
	cubo_error_free(err);
}

static void test_expand(void **state)
{
	char *const vars[] = {"HOME=/root",	    "EMPTY=",	"A=first", "A=last",
			      "PATH=/bin:/usr/bin", "NOEQUALS", "V1=x"};
	size_t n = sizeof(vars) / sizeof(vars[0]);

	expand_is("", vars, n, "");
	expand_is("plain text", vars, n, "plain text");
	expand_is("$HOME", vars, n, "/root");
	expand_is("${HOME}", vars, n, "/root");
	expand_is("$HOME/bin:$PATH", vars, n, "/root/bin:/bin:/usr/bin");
	expand_is("${HOME}x $HOMEx", vars, n, "/rootx ");
	expand_is("$A ${A}", vars, n, "last last");
	expand_is("$UNKNOWN|${UNKNOWN}|$NOEQUALS", vars, n, "||");
	expand_is("\\$HOME \\${HOME}", vars, n, "$HOME ${HOME}");
	expand_is("\\\\$HOME", vars, n, "\\/root");
	expand_is("a\\b \\n c:\\dir\\", vars, n, "a\\b \\n c:\\dir\\");
	expand_is("$ $- $/ cost: 5$", vars, n, "$ $- $/ cost: 5$");
	expand_is("$1 ${1}", vars, n, " ");
	expand_is("$V1", vars, n, "x");
	/* modifiers */
	expand_is("${UNSET:-default}", vars, n, "default");
	expand_is("${EMPTY:-default}", vars, n, "default");
	expand_is("${HOME:-default}", vars, n, "/root");
	expand_is("${EMPTY-default}|${UNSET-default}", vars, n, "|default");
	expand_is("${HOME:+alt}|${EMPTY:+alt}|${UNSET:+alt}", vars, n, "alt||");
	expand_is("${EMPTY+alt}|${UNSET+alt}", vars, n, "alt|");
	expand_is("${UNSET:-$HOME/x}", vars, n, "/root/x");
	expand_is("${UNSET:-${ALSO:-${A}}}", vars, n, "last");
	expand_is("${HOME:+[${A}]}", vars, n, "[last]");
	expand_is("${UNSET:-a\\}b}", vars, n, "a}b");
	expand_is("${UNSET:-}", vars, n, "");
	expand_is("${UNSET:-\\$lit}", vars, n, "$lit");
	expand_is("${HOME:?must be set}", vars, n, "/root");
	expand_is("}{", vars, n, "}{");
	/* no vars at all */
	expand_is("$HOME${X:-y}", NULL, 0, "y");

	expand_fails("${HOME", "unterminated \"${\" in \"${HOME\"");
	expand_fails("abc ${", "unterminated \"${\" in \"abc ${\"");
	expand_fails("${X:-abc", "unterminated \"${\" in \"${X:-abc\"");
	expand_fails("${X:-${Y}", "unterminated \"${\" in \"${X:-${Y}\"");
	expand_fails("${}", "bad variable name in \"${}\"");
	expand_fails("${-x}", "bad variable name in \"${-x}\"");
	expand_fails("${1a}", "bad variable name in \"${1a}\"");
	expand_fails("${a b}", "bad substitution in \"${a b}\"");
	expand_fails("${a!}", "bad substitution in \"${a!}\"");
	expand_fails("${a:=x}", "bad substitution in \"${a:=x}\"");
	expand_fails("${NEEDED:?set NEEDED first}", "NEEDED: set NEEDED first");
	expand_fails("${NEEDED?}", "NEEDED is not set");

	char deep[400] = "";
	for (int i = 0; i < 40; i++)
		strcat(deep, "${A:-");
	for (int i = 0; i < 40; i++)
		strcat(deep, "}");
	char *out = NULL;
	th_expect_msg(build_expand(deep, NULL, 0, &out), "nested too deeply");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_dialect),
		cmocka_unit_test(test_from_dialect),
		cmocka_unit_test(test_keywords_case),
		cmocka_unit_test(test_multistage),
		cmocka_unit_test(test_from_platform),
		cmocka_unit_test(test_continuations),
		cmocka_unit_test(test_escape_directive),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_run_heredoc),
		cmocka_unit_test(test_cmd_entrypoint),
		cmocka_unit_test(test_shell),
		cmocka_unit_test(test_copy_add),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_arg),
		cmocka_unit_test(test_label_maintainer),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_expose),
		cmocka_unit_test(test_volume),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_onbuild),
		cmocka_unit_test(test_nul_inside),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_healthcheck),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

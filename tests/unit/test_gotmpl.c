/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Covers: shared/gotmpl_parse.c, shared/gotmpl_exec.c, shared/gotmpl_value.c,
 * shared/gotmpl_funcs.c, shared/gotmpl_printf.c, shared/gotmpl_format.c,
 * shared/tabwriter.c
 *
 * The corpus: the examples of docker's "Format command and log output" page
 * and of the --format sections of ps, images, inspect, volume, network and
 * history, over data shaped as docker's; then Go text/template's rules and
 * the limits that keep a hostile template harmless. The expected outputs and
 * error texts were checked against Go's text/template (Go 1.19, the data
 * decoded into interface{} values), save for what cubo-mgr words its own
 * way: parse errors with a column, int and float compared as numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shared/gotmpl.h"
#include "shared/gotmpl_format.h"
#include "shared/json.h"
#include "shared/tabwriter.h"
#include "tests/unit/helpers.h"

/* a container as docker inspect shows one (trimmed) */
static const char inspect_json[] =
	"{\"Id\":\"4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2\","
	"\"Name\":\"/web\",\"Path\":\"nginx\",\"Args\":[\"-g\",\"daemon off;\"],"
	"\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":4242,\"ExitCode\":0},"
	"\"Image\":\"sha256:abc\",\"LogPath\":\"/var/lib/cubo/x/ctr.log\","
	"\"Config\":{\"Image\":\"nginx:1.25\",\"Env\":[\"PATH=/usr/bin\",\"A=1\"],"
	"\"Labels\":{\"com.example.b\":\"2\",\"com.example.a\":\"1\"}},"
	"\"Mounts\":[{\"Source\":\"/data\",\"Destination\":\"/d\",\"RW\":true}],"
	"\"NetworkSettings\":{\"IPAddress\":\"10.88.0.2\",\"Networks\":{\"bridge\":{"
	"\"IPAddress\":\"10.88.0.2\",\"MacAddress\":\"02:42:ac:11:00:02\"}},"
	"\"Ports\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}],"
	"\"8787/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8787\"}]}},"
	"\"Ratio\":1.5,\"Big\":1000000.0,\"Nothing\":null,\"Empty\":[],\"Zero\":0}";

/* a row of docker ps --format */
static const char ps_json[] =
	"{\"ID\":\"4fa6e0f0c678\",\"Image\":\"nginx:1.25\",\"Command\":\"\\\"nginx -g 'daemon "
	"of…\\\"\","
	"\"RunningFor\":\"5 minutes ago\",\"Status\":\"Up 5 minutes\",\"State\":\"running\","
	"\"Ports\":\"0.0.0.0:8080->80/tcp\",\"Names\":\"web\","
	"\"Labels\":\"com.example.a=1,com.example.b=2\"}";

static yajl_val parse_json(const char *text)
{
	yajl_val v;
	th_assert_ok(cubo_json_parse(text, strlen(text), "test", &v));
	return v;
}

/* The output of tmpl over json; fails the test on an error. */
static char *render(const char *tmpl, const char *json)
{
	struct gotmpl *t;
	struct cubo_error *err = gotmpl_parse(tmpl, strlen(tmpl), &t);
	if (err) {
		char *text = cubo_error_text(err);
		fail_msg("%s: %s", tmpl, text);
	}
	yajl_val data = parse_json(json);
	struct cubo_strbuf b = {0};
	err = gotmpl_exec(t, data, &b);
	if (err) {
		char *text = cubo_error_text(err);
		fail_msg("%s: %s", tmpl, text);
	}
	yajl_tree_free(data);
	gotmpl_free(t);
	return cubo_strbuf_take(&b);
}

#define assert_render(tmpl, json, want)                                                            \
	do {                                                                                       \
		char *got_ = render(tmpl, json);                                                   \
		assert_string_equal(got_, want);                                                   \
		free(got_);                                                                        \
	} while (0)

/* The error of parsing (or, when it parses, running) tmpl. */
static char *error_of(const char *tmpl, size_t len, const char *json)
{
	struct gotmpl *t;
	struct cubo_error *err = gotmpl_parse(tmpl, len, &t);
	if (!err) {
		assert_non_null(t);
		yajl_val data = parse_json(json);
		struct cubo_strbuf b = {0};
		err = gotmpl_exec(t, data, &b);
		free(b.s);
		yajl_tree_free(data);
		gotmpl_free(t);
	} else {
		assert_null(t);
	}
	if (!err)
		fail_msg("no error from %s", tmpl);
	char *text = cubo_error_text(err);
	cubo_error_free(err);
	return text;
}

#define assert_error(tmpl, json, want)                                                             \
	do {                                                                                       \
		char *got_ = error_of(tmpl, strlen(tmpl), json);                                   \
		assert_string_equal(got_, want);                                                   \
		free(got_);                                                                        \
	} while (0)

/* ---- docker's documented examples ---- */

static void test_docker_formatting_page(void **state)
{
	(void)state;
	assert_render("{{join .Args \" , \"}}", inspect_json, "-g , daemon off;");
	assert_render("{{json .Mounts}}", inspect_json,
		      "[{\"Source\":\"/data\",\"Destination\":\"/d\",\"RW\":true}]");
	assert_render("{{lower .Name}}", "{\"Name\":\"/WeB\"}", "/web");
	assert_render("{{upper .Name}}", inspect_json, "/WEB");
	assert_render("{{title .Name}}", "{\"Name\":\"my web-app\"}", "My Web-App");
	assert_render("{{split .Config.Image \":\"}}", inspect_json, "[nginx 1.25]");
	assert_render("{{split (join .Args \"/\") \"/\"}}", inspect_json, "[-g daemon off;]");
	assert_render("{{range .NetworkSettings.Networks}}{{println .IPAddress}}{{end}}",
		      inspect_json, "10.88.0.2\n");
	assert_render("{{json .Config.Labels}}", inspect_json,
		      "{\"com.example.b\":\"2\",\"com.example.a\":\"1\"}");
}

static void test_docker_inspect_examples(void **state)
{
	(void)state;
	assert_render("{{.NetworkSettings.IPAddress}}", inspect_json, "10.88.0.2");
	assert_render("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", inspect_json,
		      "10.88.0.2");
	assert_render("{{range .NetworkSettings.Networks}}{{.MacAddress}}{{end}}", inspect_json,
		      "02:42:ac:11:00:02");
	assert_render("{{.LogPath}}", inspect_json, "/var/lib/cubo/x/ctr.log");
	assert_render("{{.Config.Image}}", inspect_json, "nginx:1.25");
	assert_render("{{range $p, $conf := .NetworkSettings.Ports}} {{$p}} -> "
		      "{{(index $conf 0).HostPort}} {{end}}",
		      inspect_json, " 80/tcp -> 8080  8787/tcp -> 8787 ");
	assert_render("{{(index (index .NetworkSettings.Ports \"8787/tcp\") 0).HostPort}}",
		      inspect_json, "8787");
	assert_render("{{.State.Status}} {{.State.Pid}} {{.State.Running}}", inspect_json,
		      "running 4242 true");
	assert_render("{{.Config.Env}}", inspect_json, "[PATH=/usr/bin A=1]");
	/* a map prints in Go's form, its keys sorted */
	assert_render("{{.Config.Labels}}", inspect_json, "map[com.example.a:1 com.example.b:2]");
	assert_render("{{index .Config.Labels \"com.example.a\"}}", inspect_json, "1");
	assert_render("{{.State}}", "{\"State\":{\"b\":[1,2],\"a\":{\"x\":null}}}",
		      "map[a:map[x:<nil>] b:[1 2]]");
}

static void test_docker_ps_examples(void **state)
{
	(void)state;
	assert_render("{{.ID}}: {{.Command}}", ps_json, "4fa6e0f0c678: \"nginx -g 'daemon of…\"");
	assert_render("{{.Names}}\t{{.Status}}", ps_json, "web\tUp 5 minutes");
	assert_render("{{.Label \"com.example.b\"}}", ps_json, "2");
	assert_render("{{.Label \"com.example.none\"}}", ps_json, "");
	/* over a Labels object (inspect's Config) too */
	assert_render("{{.Config.Label \"com.example.a\"}}", inspect_json, "1");
	assert_render("{{json .}}", "{\"ID\":\"x\",\"Names\":\"a<b>&\"}",
		      "{\"ID\":\"x\",\"Names\":\"a<b>&\"}");
	assert_render("{{json .Names}}", ps_json, "\"web\"");
}

static void test_docker_images_volume_network_history(void **state)
{
	(void)state;
	const char *img =
		"{\"ID\":\"77af4d6b9913\",\"Repository\":\"busybox\",\"Tag\":\"latest\","
		"\"CreatedSince\":\"2 weeks ago\",\"Size\":\"4.26MB\",\"Digest\":\"<none>\"}";
	assert_render("{{.ID}}: {{.Repository}}", img, "77af4d6b9913: busybox");
	assert_render("{{.Repository}}:{{.Tag}} {{.Size}}", img, "busybox:latest 4.26MB");
	assert_render("{{.Name}}: {{.Driver}}", "{\"Name\":\"vol1\",\"Driver\":\"local\"}",
		      "vol1: local");
	assert_render("{{.ID}}: {{.Driver}}", "{\"ID\":\"afaaab448eb2\",\"Driver\":\"bridge\"}",
		      "afaaab448eb2: bridge");
	assert_render("{{.ID}}: {{.CreatedSince}}",
		      "{\"ID\":\"ea2a61aa1f05\",\"CreatedSince\":\"3 days ago\"}",
		      "ea2a61aa1f05: 3 days ago");
	assert_render("{{.Server.Version}}",
		      "{\"Client\":{\"Version\":\"1\"},\"Server\":{\"Version\":\"2\"}}", "2");
}

/* ---- Go's rules ---- */

static void test_text_trim_comments(void **state)
{
	(void)state;
	assert_render("plain text", "{}", "plain text");
	assert_render("", "{}", "");
	assert_render("a  {{- .x -}}  b", "{\"x\":1}", "a1b");
	assert_render("a \n\t{{- .x}} b", "{\"x\":1}", "a1 b");
	assert_render("{{.x -}}\n\n  b", "{\"x\":1}", "1b");
	/* a minus without a space is a number */
	assert_render("{{-3}}", "{}", "-3");
	assert_render("a{{/* a comment */}}b", "{}", "ab");
	assert_render("a {{- /* trimmed */ -}} b", "{}", "ab");
	assert_render("{{/* {{.x}} */}}", "{}", "");
	assert_render("{{\"}}\"}}", "{}", "}}");
	assert_render("{{`a\\n`}}", "{}", "a\\n");
	assert_render("{{\"a\\tb\\u00e9\\x41\"}}", "{}",
		      "a\tb\xc3\xa9"
		      "A");
}

static void test_values_and_printing(void **state)
{
	(void)state;
	assert_render("{{.Missing}}", inspect_json, "<no value>");
	assert_render("{{.Nothing}}", inspect_json, "<no value>");
	assert_render("{{.Ratio}} {{.Big}} {{.Zero}}", inspect_json, "1.5 1e+06 0");
	assert_render("{{.Empty}} {{.Mounts}}", inspect_json,
		      "[] [map[Destination:/d RW:true Source:/data]]");
	assert_render("{{.}}", "[1,\"a\",true,null]", "[1 a true <nil>]");
	assert_render("{{1.0}} {{0.1}} {{123456.0}} {{1234567.0}} {{1e-5}}", "{}",
		      "1 0.1 123456 1.234567e+06 1e-05");
	assert_render("{{0x1F}} {{0o17}} {{017}} {{1_000}} {{'a'}} {{'\\n'}}", "{}",
		      "31 15 15 1000 97 10");
	assert_render("{{true}} {{false}} {{print nil}}", "{}", "true false <nil>");
	assert_render("{{$}}", "\"top\"", "top");
	assert_render("{{.a.b.c}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "deep");
}

static void test_variables(void **state)
{
	(void)state;
	assert_render("{{$x := 1}}{{$x}}{{$x = 2}}{{$x}}", "{}", "12");
	assert_render("{{$x := .a}}{{with .b}}{{$x}}{{.}}{{end}}", "{\"a\":1,\"b\":2}", "12");
	assert_render("{{range .v}}{{$.n}}{{.}}{{end}}", "{\"n\":0,\"v\":[1,2]}", "0102");
	assert_render("{{$n := .n}}{{range .v}}{{$n}}{{.}}{{end}}", "{\"n\":\"x\",\"v\":[1,2]}",
		      "x1x2");
	assert_render("{{range $i, $v := .}}{{$i}}={{$v}};{{end}}", "[\"a\",\"b\"]", "0=a;1=b;");
	assert_render("{{range $v := .}}{{$v}}{{end}}", "[\"a\",\"b\"]", "ab");
	/* assignment inside a range changes the outer variable */
	assert_render("{{$s := 0}}{{range .}}{{$s = .}}{{end}}{{$s}}", "[1,2,3]", "3");
	assert_render("{{($x := 5)}} {{$x}}", "{}", "5 5");
	assert_render("{{$x := \"v\"}}{{$x | printf \"%s!\"}}", "{}", "v!");
}

static void test_control(void **state)
{
	(void)state;
	const char *chain = "{{if eq .n 1}}one{{else if eq .n 2}}two{{else if eq .n 3}}three"
			    "{{else}}many{{end}}";
	assert_render(chain, "{\"n\":1}", "one");
	assert_render(chain, "{\"n\":2}", "two");
	assert_render(chain, "{\"n\":3}", "three");
	assert_render(chain, "{\"n\":9}", "many");
	assert_render("{{if .a}}A{{end}}{{if .b}}B{{end}}{{if .c}}C{{end}}{{if .d}}D{{end}}",
		      "{\"a\":\"\",\"b\":[],\"c\":{},\"d\":0.0}", "");
	assert_render("{{if and .a .b}}y{{else}}n{{end}}", "{\"a\":1,\"b\":\"x\"}", "y");
	assert_render("{{if or .a .b}}y{{else}}n{{end}}", "{\"a\":0,\"b\":\"\"}", "n");
	assert_render("{{and 1 0 2}} {{or 0 \"\" 3}} {{not 0}}", "{}", "0 3 true");
	/* and/or stop early: the index past the end is never evaluated */
	assert_render("{{and false (index .v 9)}}", "{\"v\":[]}", "false");
	assert_render("{{with .a}}{{.b}}{{else}}none{{end}}", "{\"a\":{\"b\":7}}", "7");
	assert_render("{{with .z}}{{.b}}{{else}}none{{end}}", "{}", "none");
	assert_render("{{with .z}}z{{else with .a}}{{.}}{{end}}", "{\"a\":3}", "3");
	assert_render("{{range .}}{{.}}{{else}}empty{{end}}", "[]", "empty");
	assert_render("{{range .x}}{{.}}{{else}}empty{{end}}", "{}", "empty");
	assert_render("{{range $k, $v := .}}{{$k}}:{{$v}} {{end}}", "{\"b\":2,\"a\":1,\"c\":3}",
		      "a:1 b:2 c:3 ");
	assert_render("{{range .}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}", "[1,2,3,4]", "12");
	assert_render("{{range .}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", "[1,2,3]", "13");
	assert_render("{{range .o}}{{range $.a}}{{.}}{{end}}{{.}}{{end}}",
		      "{\"o\":[\"x\",\"y\"],\"a\":[1,2]}", "12x12y");
	assert_render("{{range 3}}{{.}}{{end}}", "{}", "012");
	assert_render("{{range $i, $e := .}}{{if $i}}, {{end}}{{$e}}{{end}}", "[\"a\",\"b\",\"c\"]",
		      "a, b, c");
	assert_render("{{- range .}}\n  - {{.}}\n{{- end}}", "[1,2]", "\n  - 1\n  - 2");
	assert_render("{{$n := len .}}{{if gt $n 1}}many{{else if eq $n 1}}one{{else}}zero{{end}}",
		      "[1]", "one");
	assert_render("{{range split \"a,b\" \",\"}}[{{.}}]{{end}}", "{}", "[a][b]");
}

static void test_functions(void **state)
{
	(void)state;
	assert_render("{{len .Args}} {{len .Config.Labels}} {{len .Name}}", inspect_json, "2 2 4");
	assert_render("{{index .Args 1}} {{index .Config.Env 0}}", inspect_json,
		      "daemon off; PATH=/usr/bin");
	assert_render("{{index . \"k\" 1 \"z\"}}", "{\"k\":[0,{\"z\":\"deep\"}]}", "deep");
	assert_render("{{index .m \"none\"}}", "{\"m\":{}}", "<no value>");
	assert_render("{{slice .s 1 3}} {{slice .s 2}} {{slice .a 1}}",
		      "{\"s\":\"hello\",\"a\":[1,2,3]}", "el llo [2 3]");
	assert_render("{{print 1 2 \"a\" \"b\" 3}}", "{}", "1 2ab3");
	assert_render("{{println 1 \"a\"}}", "{}", "1 a\n");
	assert_render("{{eq .a \"x\" \"y\"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} "
		      "{{ge 1.5 2}}",
		      "{\"a\":\"y\"}", "true true true true true false");
	assert_render("{{eq .none nil}} {{eq 1 1.0}}", "{}", "true true");
	assert_render("{{truncate .Name 3}} {{truncate \"ab\" 5}} {{truncate \"héllo\" 2}}",
		      inspect_json, "/we ab hé");
	assert_render("[{{pad .n 2 3}}] [{{pad \"\" 2 2}}]", "{\"n\":\"x\"}", "[  x   ] []");
	assert_render("{{.Name | upper | printf \"%s!\"}}", inspect_json, "/WEB!");
	assert_render("{{join .Config.Env \",\"}}", inspect_json, "PATH=/usr/bin,A=1");
	assert_render("[{{join .Missing \",\"}}]", inspect_json, "[]");
	assert_render("{{json .Ratio}} {{json .Zero}} {{json .Nothing}} {{json \"q\\\"\"}}",
		      inspect_json, "1.5 0 null \"q\\\"\"");
	assert_render("{{split \"a\" \"\"}} {{split \"\" \",\"}} {{len (split \"a,,b\" \",\")}}",
		      "{}", "[a] [] 3");
}

static void test_printf(void **state)
{
	(void)state;
	assert_render("{{printf \"%s|%d|%v|%q\" \"a\" 42 true \"q\\n\"}}", "{}",
		      "a|42|true|\"q\\n\"");
	assert_render("{{printf \"[%5s][%-5s][%.2s]\" \"ab\" \"ab\" \"abc\"}}", "{}",
		      "[   ab][ab   ][ab]");
	assert_render("{{printf \"%.2f %5.1f %e %g %G\" 3.14159 2.0 1000.0 0.5 1e21}}", "{}",
		      "3.14   2.0 1.000000e+03 0.5 1E+21");
	assert_render("{{printf \"%x %X %x %o %b %c %U\" 255 255 \"hi\" 8 5 65 65}}", "{}",
		      "ff FF 6869 10 101 A U+0041");
	assert_render("{{printf \"%05d|%-4d|%+d|%x\" 42 7 3 -255}}", "{}", "00042|7   |+3|-ff");
	assert_render("{{printf \"%d %s\" \"x\" 1}}", "{}", "%!d(string=x) %!s(int=1)");
	assert_render("{{printf \"%s %s\" \"a\"}}", "{}", "a %!s(MISSING)");
	assert_render("{{printf \"%s\" \"a\" 2}}", "{}", "a%!(EXTRA int=2)");
	assert_render("{{printf \"%v %v\" .Args .Config.Labels}}", inspect_json,
		      "[-g daemon off;] map[com.example.a:1 com.example.b:2]");
	/* lists and maps: the verb applies to each element, as in Go */
	assert_render(
		"{{printf \"%q|%d|%-4v|\" .Args .Args .Args}}", inspect_json,
		"[\"-g\" \"daemon off;\"]|[%!d(string=-g) %!d(string=daemon off;)]|[-g   daemon "
		"off;]|");
	assert_render("{{printf \"%q\" .Config.Labels}}", inspect_json,
		      "map[\"com.example.a\":\"1\" \"com.example.b\":\"2\"]");
	assert_render("{{printf \"100%%\"}} {{printf \"%*d\" 4 7}}", "{}", "100%    7");
	assert_render("{{printf \"%9999999s\" \"x\"}}", "{}", "%!(BADWIDTH)x");
	assert_render("{{printf \"%v\" .none}} {{printf \"%\"}}", "{}", "<nil> %!(NOVERB)");
	assert_render("{{printf \"%x|%d\" -9223372036854775808 -9223372036854775808}}", "{}",
		      "-8000000000000000|-9223372036854775808");
	assert_render("{{printf \"%q %q %q %q\" 39 0 10 233}}", "{}", "'\\'' '\\x00' '\\n' 'é'");
	/* %+v is Go's field-name flag, not a sign; nil inside a list is <nil> for any verb */
	assert_render("{{printf \"%+v|%s\" 1 .}}", "[null]", "1|[<nil>]");
	/* a long conversion is not cut short */
	assert_render("{{len (printf \"%.200f\" 1e300)}}", "{}", "502");
}

/* ---- errors name the position ---- */

static void test_parse_errors(void **state)
{
	(void)state;
	assert_error("{{.Foo}", "{}", "template: :1:6: unexpected \"}\" in operand");
	assert_error("ab\n{{.Foo", "{}", "template: :2:6: unclosed action");
	assert_error("{{if .x}}a", "{}", "template: :1:10: unexpected EOF");
	assert_error("{{end}}", "{}", "template: :1:7: unexpected {{end}}");
	assert_error("{{else}}", "{}", "template: :1:6: unexpected {{else}}");
	assert_error("{{nosuch .x}}", "{}", "template: :1:2: function \"nosuch\" not defined");
	assert_error("{{$x}}", "{}", "template: :1:2: undefined variable \"$x\"");
	assert_error("{{$x = 1}}", "{}", "template: :1:2: undefined variable \"$x\"");
	assert_error("{{if true}}{{$x := 1}}{{end}}{{$x}}", "{}",
		     "template: :1:31: undefined variable \"$x\"");
	assert_error("{{}}", "{}", "template: :1:2: missing value for command");
	assert_error("{{if}}{{end}}", "{}", "template: :1:4: missing value for if");
	assert_error("{{.x | }}", "{}", "template: :1:7: missing value for command");
	assert_error("{{\"abc}}", "{}", "template: :1:2: unterminated quoted string");
	assert_error("{{break}}", "{}", "template: :1:2: {{break}} outside {{range}}");
	assert_error("{{/* open", "{}", "template: :1:0: unclosed comment");
	assert_error("{{/* x */ .y}}", "{}",
		     "template: :1:0: comment ends before closing delimiter");
	assert_error("{{define \"x\"}}{{end}}", "{}",
		     "template: :1:2: {{define}} is not supported");
	assert_error("{{1 | 2}}", "{}",
		     "template: :1:6: non executable command in pipeline stage 2");
	assert_error("{{nil}}", "{}", "template: :1:2: nil is not a command");
	assert_error("{{(1}}", "{}", "template: :1:4: unclosed left paren");
	assert_error("{{.x.}}", "{}", "template: :1:4: unexpected \".\" in operand");
	assert_error("{{1x}}", "{}", "template: :1:2: bad number syntax: \"1x\"");
	assert_error("{{range $i, $v, $w := .}}{{end}}", "{}",
		     "template: :1:14: too many declarations in range");
}

static void test_exec_errors(void **state)
{
	(void)state;
	assert_error(
		"{{index .Args 5}}", inspect_json,
		"template: :1:2: executing \"\" at <index .Args 5>: error calling index: index "
		"out of range: 5");
	assert_error(
		"{{.Name.First}}", inspect_json,
		"template: :1:2: executing \"\" at <.Name.First>: can't evaluate field First in "
		"type string");
	/* as Go on a missing map key: nothing, no error */
	assert_render("{{.Missing.Field}} {{.Nothing.x.y}}", inspect_json, "<no value> <no value>");
	assert_error("{{.Name 1}}", inspect_json,
		     "template: :1:2: executing \"\" at <.Name>: Name is not a method but has "
		     "arguments");
	assert_error(
		"{{$ 1}}", "{}",
		"template: :1:2: executing \"\" at <$>: can't give argument to non-function $");
	assert_error(
		"x\n {{len 3}}", "{}",
		"template: :2:3: executing \"\" at <len 3>: error calling len: len of type int");
	assert_error("{{lt true false}}", "{}",
		     "template: :1:2: executing \"\" at <lt true false>: error calling lt: invalid "
		     "type for comparison");
	assert_error(
		"{{eq \"a\" 1}}", "{}",
		"template: :1:2: executing \"\" at <eq \"a\" 1>: error calling eq: incompatible "
		"types for comparison");
	assert_error("{{range .Name}}{{end}}", inspect_json,
		     "template: :1:8: executing \"\" at <.Name>: range can't "
		     "iterate over /web");
}

/* ---- hostile templates ---- */

static void test_deep_nesting_is_refused(void **state)
{
	(void)state;
	struct cubo_strbuf b = {0};
	for (int i = 0; i < 100000; i++)
		cubo_strbuf_adds(&b, "{{if 1}}");
	char *err = error_of(b.s, b.len, "{}");
	assert_non_null(strstr(err, "nested too deeply"));
	free(err);
	b.len = 0;
	cubo_strbuf_adds(&b, "{{");
	for (int i = 0; i < 100000; i++)
		cubo_strbuf_adds(&b, "(");
	err = error_of(b.s, b.len, "{}");
	assert_non_null(strstr(err, "nested too deeply"));
	free(err);
	/* the limit itself is fine */
	b.len = 0;
	for (int i = 0; i < GOTMPL_MAX_DEPTH; i++)
		cubo_strbuf_adds(&b, "{{with .}}");
	cubo_strbuf_adds(&b, "x");
	for (int i = 0; i < GOTMPL_MAX_DEPTH; i++)
		cubo_strbuf_adds(&b, "{{end}}");
	char *got = render(b.s, "1");
	assert_string_equal(got, "x");
	free(got);
	free(b.s);
}

static void test_work_is_bounded(void **state)
{
	(void)state;
	/* 10^20 iterations, or 2^40 bytes: both stop at the limits, quickly */
	char *err = error_of("{{range 100000}}{{range 100000}}{{range 100000}}{{range 100000}}x"
			     "{{end}}{{end}}{{end}}{{end}}",
			     strlen("{{range 100000}}{{range 100000}}{{range 100000}}{{range "
				    "100000}}x{{end}}{{end}}{{end}}{{end}}"),
			     "{}");
	assert_non_null(strstr(err, "more than"));
	free(err);
	const char *doubling = "{{$s := \"xx\"}}{{range 40}}{{$s = print $s $s}}{{end}}{{len $s}}";
	err = error_of(doubling, strlen(doubling), "{}");
	assert_non_null(strstr(err, "more than"));
	free(err);
	const char *wide = "{{range 1000}}{{printf \"%999999s\" \"x\"}}{{end}}";
	err = error_of(wide, strlen(wide), "{}");
	assert_non_null(strstr(err, "more than"));
	free(err);
	const char *padded = "{{pad \"x\" 1000001 0}}";
	err = error_of(padded, strlen(padded), "{}");
	assert_non_null(strstr(err, "pad: counts"));
	free(err);
}

static void test_long_flat_template_is_linear(void **state)
{
	(void)state;
	/* 100k actions: parsed and run in one pass each (a quadratic parser takes minutes) */
	struct cubo_strbuf b = {0};
	for (int i = 0; i < 100000; i++)
		cubo_strbuf_adds(&b, "{{.a}}");
	char *got = render(b.s, "{\"a\":\"z\"}");
	assert_int_equal(strlen(got), 100000);
	free(got);
	free(b.s);
	char *big = xcalloc(GOTMPL_MAX_TEXT + 2, 1);
	memset(big, 'x', GOTMPL_MAX_TEXT + 1);
	char *err = error_of(big, GOTMPL_MAX_TEXT + 1, "{}");
	assert_non_null(strstr(err, "longer than"));
	free(err);
	free(big);
	/* variables: each lookup looks through those in scope, so their number is bounded */
	b = (struct cubo_strbuf){0};
	for (int i = 0; i <= GOTMPL_MAX_VARS; i++)
		cubo_strbuf_adds(&b, "{{$v := 1}}");
	err = error_of(b.s, b.len, "{}");
	assert_non_null(strstr(err, "variables in scope"));
	free(err);
	free(b.s);
}

static void test_garbage_never_crashes(void **state)
{
	(void)state;
	/* every prefix of a template full of constructs parses or fails cleanly */
	const char *full =
		"{{- range $i, $v := .a -}}{{if and (eq $i 0) (gt (len $v) 1)}}"
		"{{printf \"%-5.2s|%q\" (index $v 0) $v}}{{else if $v}}{{json $v}}{{end}}"
		"{{/* c */}}{{end}}{{with .b}}{{.c.d | upper}}{{end}}`'\"\\";
	for (size_t n = 0; n <= strlen(full); n++) {
		struct gotmpl *t;
		struct cubo_error *err = gotmpl_parse(full, n, &t);
		if (err) {
			cubo_error_free(err);
			continue;
		}
		yajl_val data = parse_json("{\"a\":[\"xy\",\"\"],\"b\":{\"c\":{\"d\":\"e\"}}}");
		struct cubo_strbuf b = {0};
		cubo_error_free(gotmpl_exec(t, data, &b));
		free(b.s);
		yajl_tree_free(data);
		gotmpl_free(t);
	}
	/* NUL bytes and invalid UTF-8 in text and strings */
	const char bin[] = "a\0b{{\"\xff\0\"}}\xc3";
	struct gotmpl *t;
	th_assert_ok(gotmpl_parse(bin, sizeof(bin) - 1, &t));
	struct cubo_strbuf b = {0};
	yajl_val data = parse_json("{}");
	th_assert_ok(gotmpl_exec(t, data, &b));
	assert_int_equal(b.len, sizeof(bin) - 1 - 8 + 2);
	free(b.s);
	gotmpl_free(t);
	/* a NUL inside a string keeps the rest of it */
	const char nul_in_string[] = "{{printf \"%s|\" \"a\\u0000b\"}}{{len `x\0y`}}";
	th_assert_ok(gotmpl_parse(nul_in_string, sizeof(nul_in_string) - 1, &t));
	b = (struct cubo_strbuf){0};
	th_assert_ok(gotmpl_exec(t, data, &b));
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.s, "a\0b|3", 5);
	free(b.s);
	yajl_tree_free(data);
	gotmpl_free(t);
}

/* ---- tables ---- */

static char *format_rows(const char *format, const char *const *rows, size_t n, const char *titles)
{
	struct gotmpl_format f;
	th_assert_ok(gotmpl_format_init(&f, format));
	for (size_t i = 0; i < n; i++) {
		yajl_val row = parse_json(rows[i]);
		th_assert_ok(gotmpl_format_add(&f, row));
		yajl_tree_free(row);
	}
	yajl_val t = parse_json(titles);
	char *out = gotmpl_format_finish(&f, t);
	yajl_tree_free(t);
	gotmpl_format_free(&f);
	return out;
}

static void test_table_format(void **state)
{
	(void)state;
	const char *titles = "{\"ID\":\"CONTAINER ID\",\"Image\":\"IMAGE\",\"Names\":\"NAMES\"}";
	const char *rows[] = {"{\"ID\":\"4fa6e0f0c678\",\"Image\":\"nginx\",\"Names\":\"web\"}",
			      "{\"ID\":\"01\",\"Image\":\"busybox:latest\",\"Names\":\"a\"}"};
	char *out = format_rows("table {{.ID}}\\t{{.Image}}\\t{{.Names}}", rows, 2, titles);
	assert_string_equal(out, "CONTAINER ID   IMAGE            NAMES\n"
				 "4fa6e0f0c678   nginx            web\n"
				 "01             busybox:latest   a\n");
	free(out);
	/* no rows: the header alone; narrow columns are 10 wide */
	out = format_rows("table {{.Names}}\\t{{.ID}}", NULL, 0, titles);
	assert_string_equal(out, "NAMES     CONTAINER ID\n");
	free(out);
	/* without "table": no header, no alignment, one line per object */
	out = format_rows("{{.ID}}\\t{{.Names}}", rows, 2, titles);
	assert_string_equal(out, "4fa6e0f0c678\tweb\n01\ta\n");
	free(out);
	/* header functions hand the title back */
	out = format_rows("table {{lower .Names}}|{{json .ID}}", rows, 1, titles);
	assert_string_equal(out, "NAMES|CONTAINER ID\nweb|\"4fa6e0f0c678\"\n");
	free(out);
	assert_true(gotmpl_format_is_table("table"));
	assert_false(gotmpl_format_is_table("{{.ID}}"));
}

static void test_tabwriter_runs(void **state)
{
	(void)state;
	/* a column's width is set per run of lines having it */
	const char *text = "a\tb\tc\nlonger\tx\ny\n\nzz\tq\n";
	char *out = tabwriter_align(text, strlen(text), 0, 1);
	assert_string_equal(out, "a      b c\nlonger x\ny\n\nzz q\n");
	free(out);
	/* widths count characters, not bytes */
	text = "é\tx\nab\ty";
	out = tabwriter_align(text, strlen(text), 0, 1);
	assert_string_equal(out, "é  x\nab y");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_formatting_page),
		cmocka_unit_test(test_docker_inspect_examples),
		cmocka_unit_test(test_docker_ps_examples),
		cmocka_unit_test(test_docker_images_volume_network_history),
		cmocka_unit_test(test_text_trim_comments),
		cmocka_unit_test(test_values_and_printing),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_deep_nesting_is_refused),
		cmocka_unit_test(test_work_is_bounded),
		cmocka_unit_test(test_long_flat_template_is_linear),
		cmocka_unit_test(test_garbage_never_crashes),
		cmocka_unit_test(test_table_format),
		cmocka_unit_test(test_tabwriter_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

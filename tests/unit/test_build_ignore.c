/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/builder/ignore.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cubo-mgr/builder/ignore.h"

static struct build_ignore *parse_ok(const char *text)
{
	struct build_ignore *ig = NULL;
	struct cubo_error *err = build_ignore_parse(text, strlen(text), ".cuboignore", &ig);
	if (err)
		fail_msg("parse failed: %s", err->msg);
	assert_non_null(ig);
	return ig;
}

static void parse_fails(const char *text, const char *msg)
{
	struct build_ignore *ig = (struct build_ignore *)&ig;
	struct cubo_error *err = build_ignore_parse(text, strlen(text), ".cuboignore", &ig);
	if (!err)
		fail_msg("accepted: %s", text);
	assert_null(ig);
	assert_string_equal(err->msg, msg);
	cubo_error_free(err);
}

/* Each of paths ("+x" excluded, "-x" kept) against the patterns in text. */
static void check(const char *text, const char *const *paths)
{
	struct build_ignore *ig = parse_ok(text);

	for (; *paths; paths++) {
		bool want = (*paths)[0] == '+';
		bool got = build_ignore_match(ig, *paths + 1);
		if (got != want)
			fail_msg("%s: \"%s\" %s, expected it %s\n---\n%s", ".cuboignore",
				 *paths + 1, got ? "excluded" : "kept", want ? "excluded" : "kept",
				 text);
	}
	build_ignore_free(ig);
}

#define PATHS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_basic(void **state)
{
	check("# comment\n"
	      "\n"
	      "   node_modules   \n"
	      "*.log\n"
	      "/build\n"
	      "./dist/\n"
	      "docs//old/./\n",
	      PATHS("+node_modules", "+node_modules/a/b.js", "-src/node_modules", "+x.log",
		    "-logs/x.log", "-a.log.txt", "+build", "+build/out/x", "-src/build", "+dist",
		    "+dist/a", "+docs/old", "+docs/old/x", "-docs/older", "-main.c", "-comment",
		    "-# comment"));
}

static void test_star_does_not_cross_slash(void **state)
{
	check("*\n", PATHS("+a", "+a/b", "+.hidden"));
	check("*/*.c\n", PATHS("-a.c", "+src/a.c", "-src/sub/a.c", "+src/a.c/inner"));
	check("a*b\n", PATHS("+ab", "+axxb", "-a/b", "+ab/x", "-a/xb"));
	check("src/?.c\n", PATHS("+src/a.c", "-src/ab.c", "-src//c", "-src/.c"));
	check("?\n", PATHS("+a", "+\xc3\xa9", "-ab"));
}

static void test_double_star(void **state)
{
	check("**/*.o\n", PATHS("+a.o", "+x/a.o", "+x/y/z/a.o", "-a.c", "-a.oo"));
	check("**/build\n", PATHS("+build", "+a/build", "+a/b/build/x", "-abuild", "-build2"));
	check("a/**/b\n", PATHS("+a/b", "+a/x/b", "+a/x/y/b", "-ab", "-a/xb", "-b", "+a/b/c"));
	check("a/**\n", PATHS("+a/b", "+a/b/c", "-ab", "-b/a"));
	check("**\n", PATHS("+a", "+a/b/c"));
	check("foo**\n", PATHS("+foo", "+foobar", "+foo/x", "-fo"));
}

static void test_exceptions(void **state)
{
	/* "*" does not reach into directories: sub/a.o is kept */
	check("*.o\n!keep.o\n", PATHS("+a.o", "-keep.o", "-sub/a.o", "-sub/keep.o"));
	check("**/*.o\n!**/keep.o\n", PATHS("+a.o", "-keep.o", "-sub/keep.o", "+sub/a.o"));
	/* the last matching pattern wins */
	check("*.md\n!README*.md\nREADME-secret.md\n",
	      PATHS("+CHANGES.md", "-README.md", "+README-secret.md"));
	check("!a\na\n", PATHS("+a"));
	/* an exception beneath an excluded directory */
	check("docs\n!docs/keep\n",
	      PATHS("+docs", "+docs/a", "-docs/keep", "-docs/keep/x", "+docs/keeper"));
	/* an exception for a directory includes what is beneath it */
	check("*\n!src\n", PATHS("+a", "-src", "-src/a/b.c"));
	/* spaces after the ! */
	check("*.o\n!  keep.o\n", PATHS("-keep.o"));
}

static void test_classes_and_escapes(void **state)
{
	check("[a-c].txt\n", PATHS("+a.txt", "+c.txt", "-d.txt", "-ab.txt"));
	check("[!a-c].txt\n", PATHS("-a.txt", "+d.txt", "+..txt"));
	check("[^x]y\n", PATHS("+ay", "-xy"));
}

static void test_escapes(void **state)
{
	check("\\*.c\n", PATHS("+*.c", "-a.c"));
	check("a\\?\n", PATHS("+a?", "-ab"));
	check("[\\]]\n", PATHS("+]", "-a"));
	check("\\[x]\n", PATHS("+[x]", "-x"));
	check("x]\n", PATHS("+x]"));
	check("\\#not-a-comment\n", PATHS("+#not-a-comment"));
	check("  #not-a-comment-either\n", PATHS("+#not-a-comment-either"));
	check("caf\xc3\xa9\n", PATHS("+caf\xc3\xa9", "-cafe"));
}

static void test_bad(void **state)
{
	parse_fails("a\nb\n[a-\n", ".cuboignore:3: bad pattern \"[a-\"");
	parse_fails("[abc\n", ".cuboignore:1: bad pattern \"[abc\"");
	parse_fails("[]\n", ".cuboignore:1: bad pattern \"[]\"");
	parse_fails("[]a]\n", ".cuboignore:1: bad pattern \"[]a]\"");
	parse_fails("[^]\n", ".cuboignore:1: bad pattern \"[^]\"");
	parse_fails("[-a]\n", ".cuboignore:1: bad pattern \"[-a]\"");
	parse_fails("[a-]\n", ".cuboignore:1: bad pattern \"[a-]\"");
	parse_fails("[a-b-c]\n", ".cuboignore:1: bad pattern \"[a-b-c]\"");
	parse_fails("x\\\n", ".cuboignore:1: bad pattern \"x\\\"");
	parse_fails("[a\\\n", ".cuboignore:1: bad pattern \"[a\\\"");
	parse_fails("# c\n!\n", ".cuboignore:2: bad pattern \"!\"");
	parse_fails("!   \n", ".cuboignore:1: bad pattern \"!\"");
	static const char nul[] = "a\nb\0c\n";
	struct build_ignore *ig;
	struct cubo_error *err = build_ignore_parse(nul, sizeof(nul) - 1, "ctx/.cuboignore", &ig);
	assert_non_null(err);
	assert_string_equal(err->msg, "ctx/.cuboignore:2: a NUL byte in the file");
	cubo_error_free(err);
}

static void test_clean(void **state)
{
	check("a/../b\n", PATHS("+b", "-a", "-a/b"));
	check("../x\n", PATHS("-x"));
	check("/../x\n", PATHS("+x"));
	check(".\n", PATHS("-a"));
	/* caller paths are normalized too */
	check("a/b\n", PATHS("+./a/b", "+/a/b", "+a/b/"));
}

static void test_empty_and_null(void **state)
{
	struct build_ignore *ig = parse_ok("");
	assert_int_equal(build_ignore_count(ig), 0);
	assert_false(build_ignore_match(ig, "a"));
	assert_true(build_ignore_may_include_beneath(ig, "a"));
	build_ignore_free(ig);
	ig = parse_ok("\xef\xbb\xbf"
		      "a\r\n# c\r\n\r\nb\r\n");
	assert_int_equal(build_ignore_count(ig), 2);
	assert_true(build_ignore_match(ig, "a"));
	assert_true(build_ignore_match(ig, "b"));
	build_ignore_free(ig);
	/* the context itself is never excluded, even by a pattern matching "" */
	ig = parse_ok("*\n");
	assert_false(build_ignore_match(ig, ""));
	assert_false(build_ignore_match(ig, "./"));
	assert_false(build_ignore_match(ig, "."));
	assert_true(build_ignore_may_include_beneath(ig, "."));
	assert_true(build_ignore_may_include_beneath(ig, ""));
	assert_true(build_ignore_match(ig, "a"));
	build_ignore_free(ig);
	assert_false(build_ignore_match(NULL, "a"));
	assert_true(build_ignore_may_include_beneath(NULL, "a"));
	build_ignore_free(NULL);
}

static void test_may_include_beneath(void **state)
{
	struct build_ignore *ig = parse_ok("node_modules\n"
					   "docs\n"
					   "!docs/keep.md\n"
					   "vendor\n"
					   "!vendor/*/LICENSE\n"
					   "tmp\n"
					   "!tmp/x\n"
					   "tmp\n");
	/* excluded, nothing can come back: skip */
	assert_true(build_ignore_match(ig, "node_modules"));
	assert_false(build_ignore_may_include_beneath(ig, "node_modules"));
	assert_false(build_ignore_may_include_beneath(ig, "node_modules/sub"));
	/* an exception beneath: descend */
	assert_true(build_ignore_match(ig, "docs"));
	assert_true(build_ignore_may_include_beneath(ig, "docs"));
	assert_false(build_ignore_match(ig, "docs/keep.md"));
	assert_true(build_ignore_match(ig, "docs/other.md"));
	assert_false(build_ignore_may_include_beneath(ig, "docs/sub"));
	/* a wildcard directory in the exception */
	assert_true(build_ignore_may_include_beneath(ig, "vendor"));
	assert_true(build_ignore_may_include_beneath(ig, "vendor/pkg"));
	assert_false(build_ignore_may_include_beneath(ig, "vendor/pkg/sub"));
	assert_false(build_ignore_match(ig, "vendor/pkg/LICENSE"));
	assert_true(build_ignore_match(ig, "vendor/pkg/main.go"));
	/* an exception undone by a later pattern */
	assert_true(build_ignore_match(ig, "tmp/x"));
	assert_false(build_ignore_may_include_beneath(ig, "tmp"));
	/* not excluded at all */
	assert_false(build_ignore_match(ig, "src"));
	assert_true(build_ignore_may_include_beneath(ig, "src"));
	build_ignore_free(ig);

	/* "**" in an exception: anything beneath anything may come back */
	ig = parse_ok("build\nnode_modules\n!**/keep.o\n");
	assert_true(build_ignore_may_include_beneath(ig, "build"));
	assert_true(build_ignore_may_include_beneath(ig, "node_modules/a/b"));
	assert_false(build_ignore_match(ig, "build/a/b/keep.o"));
	assert_true(build_ignore_match(ig, "build/a/b/keep.c"));
	build_ignore_free(ig);

	/* an exception naming the directory itself, or a parent */
	ig = parse_ok("a\n!a/b\n");
	assert_true(build_ignore_may_include_beneath(ig, "a/b"));
	assert_true(build_ignore_may_include_beneath(ig, "a/b/c"));
	assert_false(build_ignore_may_include_beneath(ig, "a/c"));
	assert_false(build_ignore_match(ig, "a/b/c/d"));
	build_ignore_free(ig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_star_does_not_cross_slash),
		cmocka_unit_test(test_double_star),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_classes_and_escapes),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_may_include_beneath),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

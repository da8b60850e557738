/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/repl/split.c */
#include "helpers.h"

#include "cubo-mgr/repl/split.h"
#include "shared/strv.h"

/* the words of line, which must split */
static char **words_of(const char *line, int *n)
{
	char **w;
	th_assert_ok(repl_split(line, strlen(line), &w, n));
	assert_int_equal((size_t)*n, cubo_strv_len(w));
	return w;
}

#define assert_split(line, ...)                                                                    \
	do {                                                                                       \
		int n_;                                                                            \
		char **w_ = words_of(line, &n_);                                                   \
		th_assert_strv(w_, __VA_ARGS__);                                                   \
		cubo_strv_free(w_);                                                                \
	} while (0)

static void test_blanks_separate_words(void **state)
{
	(void)state;
	assert_split("ps", "ps");
	assert_split("  run  -d\tbusybox   sleep 10 \n", "run", "-d", "busybox", "sleep", "10");
	int n;
	char **w = words_of(" \t ", &n);
	assert_int_equal(n, 0);
	assert_null(w[0]);
	cubo_strv_free(w);
}

static void test_quotes(void **state)
{
	(void)state;
	/* single quotes keep everything, backslashes and double quotes included */
	assert_split("run bb sh -c 'echo \"$HOME\" \\n'", "run", "bb", "sh", "-c",
		     "echo \"$HOME\" \\n");
	/* double quotes: \" \\ \$ \` are escapes, any other backslash stays */
	assert_split("echo \"a \\\"b\\\" \\\\ \\$x \\n\"", "echo", "a \"b\" \\ $x \\n");
	/* quoted parts join the word around them; empty quotes make an empty word */
	assert_split("-e A='x y'\"z\" '' \"\"", "-e", "A=x yz", "", "");
	/* no globbing, no variables, no operators */
	assert_split("ls * $HOME a|b;c", "ls", "*", "$HOME", "a|b;c");
}

static void test_backslash_outside_quotes(void **state)
{
	(void)state;
	assert_split("a\\ b c\\'d \\\\", "a b", "c'd", "\\");
	th_expect_msg(repl_split("ps \\", 4, &(char **){NULL}, &(int){0}), "backslash");
}

static void test_unterminated_quotes_are_errors(void **state)
{
	(void)state;
	char **w = (char **)1;
	int n = -1;
	th_expect_msg(repl_split("run 'abc", 8, &w, &n), "unterminated single quote");
	assert_null(w);
	assert_int_equal(n, 0);
	th_expect_msg(repl_split("run \"abc\\\"", 10, &w, &n), "unterminated double quote");
	assert_null(w);
}

static void test_hostile_lines_are_bounded(void **state)
{
	(void)state;
	char **w;
	int n;
	/* a NUL byte inside the length */
	th_expect_msg(repl_split("ps\0-a", 5, &w, &n), "NUL");
	/* a line over the limit */
	size_t big = REPL_LINE_MAX + 1;
	char *line = xmalloc(big);
	memset(line, 'a', big);
	th_expect_msg(repl_split(line, big, &w, &n), "longer");
	/* the limit itself: one long word */
	th_assert_ok(repl_split(line, REPL_LINE_MAX, &w, &n));
	assert_int_equal(n, 1);
	assert_int_equal(strlen(w[0]), REPL_LINE_MAX);
	cubo_strv_free(w);
	/* REPL_WORDS_MAX words split; one more is refused */
	for (size_t i = 0; i < big; i += 2) {
		line[i] = 'x';
		if (i + 1 < big)
			line[i + 1] = ' ';
	}
	th_assert_ok(repl_split(line, 2 * REPL_WORDS_MAX, &w, &n));
	assert_int_equal(n, REPL_WORDS_MAX);
	cubo_strv_free(w);
	th_expect_msg(repl_split(line, 2 * REPL_WORDS_MAX + 1, &w, &n), "4096 words");
	assert_null(w);
	free(line);
}

static void partial_of(const char *line, int want_n, const char *want_partial, char want_quote)
{
	char **w, *partial, quote;
	int n;
	repl_split_partial(line, strlen(line), &w, &n, &partial, &quote);
	assert_int_equal(n, want_n);
	assert_int_equal(quote, want_quote);
	assert_int_equal((size_t)n, cubo_strv_len(w));
	if (want_partial) {
		assert_non_null(partial);
		assert_string_equal(partial, want_partial);
	} else
		assert_null(partial);
	free(partial);
	cubo_strv_free(w);
}

static void test_partial_for_completion(void **state)
{
	(void)state;
	partial_of("", 0, NULL, 0);
	partial_of("ru", 0, "ru", 0);
	partial_of("run ", 1, NULL, 0);
	partial_of("rm al", 1, "al", 0);
	/* an open quote is the word being typed; completion closes it */
	partial_of("run 'my im", 1, "my im", '\'');
	partial_of("run \"x", 1, "x", '"');
	partial_of("run 'a'b", 1, "ab", 0);
	/* a backslash at the cursor escapes nothing yet */
	partial_of("rm a\\", 1, "a", 0);
	/* past the limits: nothing to complete */
	char nul[] = "rm a\0b";
	char **w, *partial, quote;
	int n;
	repl_split_partial(nul, sizeof(nul) - 1, &w, &n, &partial, &quote);
	assert_int_equal(n, 0);
	assert_null(partial);
	cubo_strv_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blanks_separate_words),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_backslash_outside_quotes),
		cmocka_unit_test(test_unterminated_quotes_are_errors),
		cmocka_unit_test(test_hostile_lines_are_bounded),
		cmocka_unit_test(test_partial_for_completion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

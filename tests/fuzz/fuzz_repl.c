/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REPL's line splitting and the parsing of help texts for completion.
 * The input is a line. Properties: a line either splits or is refused with
 * an error, never more than REPL_WORDS_MAX words; the words, quoted back in
 * single quotes and joined, split again into the same words; the partial
 * split of completion takes the same input without crashing; the help-text
 * parsers and the matcher take it as text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/repl/complete.h"
#include "cubo-mgr/repl/split.h"
#include "shared/strv.h"
#include "shared/xalloc.h"
#include "tests/fuzz/fuzz.h"

/* 'w' with each ' written as '\'' */
static void append_quoted(char **buf, size_t *len, const char *w)
{
	size_t need = *len + 4 * strlen(w) + 4;
	*buf = xrealloc(*buf, need);
	char *p = *buf + *len;
	*p++ = '\'';
	for (; *w; w++) {
		if (*w == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = *w;
	}
	*p++ = '\'';
	*p++ = ' ';
	*len = (size_t)(p - *buf);
}

static void check_round_trip(char **w, int n)
{
	char *line = NULL;
	size_t len = 0;
	for (int i = 0; i < n; i++)
		append_quoted(&line, &len, w[i]);
	if (len > REPL_LINE_MAX) {
		free(line);
		return; /* quoting made it longer than a line may be */
	}
	char **again;
	int m;
	fuzz_must(repl_split(line ? line : "", len, &again, &m), "split of the quoted words");
	if (m != n)
		FUZZ_FAIL("round trip: %d words, then %d", n, m);
	for (int i = 0; i < n; i++)
		if (strcmp(w[i], again[i]))
			FUZZ_FAIL("round trip: word %d \"%s\" came back as \"%s\"", i, w[i],
				  again[i]);
	cubo_strv_free(again);
	free(line);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *line = (const char *)data;
	char **w;
	int n;
	struct cubo_error *err = repl_split(line, size, &w, &n);
	if (err) {
		if (w || n)
			FUZZ_FAIL("a refused line gave words");
		fuzz_drop(err);
	} else {
		if (n < 0 || n > REPL_WORDS_MAX || (size_t)n != cubo_strv_len(w))
			FUZZ_FAIL("%d words (vector of %zu)", n, cubo_strv_len(w));
		check_round_trip(w, n);
		cubo_strv_free(w);
	}

	char *partial, quote;
	repl_split_partial(line, size, &w, &n, &partial, &quote);
	if (quote && !partial)
		FUZZ_FAIL("partial: a quote without a word");
	if ((size_t)n != cubo_strv_len(w))
		FUZZ_FAIL("partial: %d words (vector of %zu)", n, cubo_strv_len(w));

	char *text = xstrndup(line, size);
	char **flags, **values;
	repl_help_flags(text, &flags, &values);
	char **verbs = repl_help_verbs(text);
	char **m = repl_matches(w, partial ? partial : "");
	size_t common = repl_common_prefix(m);
	if (m[0] && common > strlen(m[0]))
		FUZZ_FAIL("common prefix longer than a match");
	cubo_strv_free(m);
	cubo_strv_free(verbs);
	cubo_strv_free(flags);
	cubo_strv_free(values);
	free(text);
	free(partial);
	cubo_strv_free(w);
	return 0;
}

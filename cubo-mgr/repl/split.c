/* SPDX-License-Identifier: Apache-2.0 */
/* Shell-like word splitting for the REPL (see split.h). */
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/repl/split.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

enum split_state { SP_BLANK, SP_WORD, SP_SINGLE, SP_DOUBLE };

struct splitter {
	char **v;
	size_t n;
	char *word; /* the word being built, len bytes (never more than the line) */
	size_t len;
	enum split_state st;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void end_word(struct splitter *s)
{
	s->word[s->len] = '\0';
	cubo_strv_push(&s->v, &s->n, s->word);
	s->len = 0;
}

/*
 * Run the splitter over line; returns NULL, or a static description of what
 * made the line unsplittable. The state at the end tells where it stopped.
 */
static const char *split_run(struct splitter *s, const char *line, size_t len)
{
	if (len > REPL_LINE_MAX)
		return "the line is longer than 65536 bytes";
	if (memchr(line, '\0', len))
		return "the line holds a NUL byte";
	s->word = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++) {
		char c = line[i];
		switch (s->st) {
		case SP_BLANK:
		case SP_WORD:
			if (is_blank(c)) {
				if (s->st == SP_WORD) {
					if (s->n >= REPL_WORDS_MAX)
						return "the line has more than 4096 words";
					end_word(s);
				}
				s->st = SP_BLANK;
				continue;
			}
			s->st = SP_WORD;
			if (c == '\'')
				s->st = SP_SINGLE;
			else if (c == '"')
				s->st = SP_DOUBLE;
			else if (c == '\\') {
				if (i + 1 == len)
					return "a backslash ends the line";
				s->word[s->len++] = line[++i];
			} else
				s->word[s->len++] = c;
			break;
		case SP_SINGLE:
			if (c == '\'')
				s->st = SP_WORD;
			else
				s->word[s->len++] = c;
			break;
		case SP_DOUBLE:
			if (c == '"')
				s->st = SP_WORD;
			else if (c == '\\' && i + 1 < len && strchr("\"\\$`", line[i + 1]))
				s->word[s->len++] = line[++i];
			else
				s->word[s->len++] = c;
			break;
		}
	}
	if (s->st == SP_SINGLE)
		return "unterminated single quote";
	if (s->st == SP_DOUBLE)
		return "unterminated double quote";
	return NULL;
}

struct cubo_error *repl_split(const char *line, size_t len, char ***words, int *n)
{
	struct splitter s = {.st = SP_BLANK};
	*words = NULL;
	*n = 0;
	const char *why = split_run(&s, line, len);
	if (!why && s.st == SP_WORD) {
		if (s.n >= REPL_WORDS_MAX)
			why = "the line has more than 4096 words";
		else
			end_word(&s);
	}
	free(s.word);
	if (why) {
		cubo_strv_free(s.v);
		return cubo_error_new("%s", why);
	}
	*words = s.v ? s.v : xcalloc(1, sizeof(char *));
	*n = (int)s.n;
	return NULL;
}

void repl_split_partial(const char *line, size_t len, char ***words, int *n, char **partial,
			char *quote)
{
	struct splitter s = {.st = SP_BLANK};
	const char *why = split_run(&s, line, len);
	*partial = NULL;
	*quote = 0;
	/* a backslash at the cursor escapes nothing yet: the word so far stands */
	bool open = s.st != SP_BLANK && (!why || !strcmp(why, "a backslash ends the line") ||
					 !strncmp(why, "unterminated", 12));
	if (why && !open) {
		cubo_strv_free(s.v);
		s.v = NULL;
		s.n = 0;
	} else if (open && s.word) {
		s.word[s.len] = '\0';
		*partial = xstrdup(s.word);
		*quote = s.st == SP_SINGLE ? '\'' : s.st == SP_DOUBLE ? '"' : 0;
	}
	free(s.word);
	*words = s.v ? s.v : xcalloc(1, sizeof(char *));
	*n = (int)s.n;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Tab completion for the REPL: the pure part (see complete.h). */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/repl/complete.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* what a flag's value names: --network NET, -v VOLUME:/dst, --volumes-from CTR */
static unsigned flag_value_kind(const char *flag)
{
	static const char *const nets[] = {"--network", "--net", NULL};
	static const char *const vols[] = {"-v", "--volume", NULL};
	if (in_list(flag, nets))
		return REPL_NETWORK;
	if (in_list(flag, vols))
		return REPL_VOLUME;
	if (!strcmp(flag, "--volumes-from"))
		return REPL_CONTAINER;
	return 0;
}

/* the kind of the argument at position pos (0: the first) of command cmd */
static unsigned arg_kind(const char *group, const char *cmd, int pos)
{
	static const char *const ctr_any[] = {"start",	"stop", "restart", "kill",    "rm",
					      "remove", "wait", "pause",   "unpause", NULL};
	static const char *const ctr_first[] = {"exec", "logs",	  "attach", "port",   "top",
						"diff", "commit", "export", "rename", NULL};
	static const char *const img_any[] = {"rmi", "rmb", "history", "push", "save", "tag", NULL};
	if (!group || !strcmp(group, "container")) {
		if (in_list(cmd, ctr_any) || (pos == 0 && in_list(cmd, ctr_first)))
			return REPL_CONTAINER;
		if (!strcmp(cmd, "inspect"))
			return group ? REPL_CONTAINER : REPL_CONTAINER | REPL_IMAGE;
		if (pos == 0 && (!strcmp(cmd, "run") || !strcmp(cmd, "create")))
			return REPL_IMAGE;
		if (!group && in_list(cmd, img_any))
			return REPL_IMAGE;
		return 0;
	}
	if (!strcmp(group, "image")) {
		static const char *const img_verbs[] = {"rm",	"remove", "inspect", "history",
							"push", "save",	  "tag",     NULL};
		return in_list(cmd, img_verbs) ? REPL_IMAGE : 0;
	}
	if (!strcmp(group, "volume"))
		return !strcmp(cmd, "rm") || !strcmp(cmd, "inspect") ? REPL_VOLUME : 0;
	if (!strcmp(group, "healthcheck"))
		return pos == 0 && !strcmp(cmd, "run") ? REPL_CONTAINER : 0;
	if (!strcmp(group, "network")) {
		if (!strcmp(cmd, "rm") || !strcmp(cmd, "inspect"))
			return REPL_NETWORK;
		if (!strcmp(cmd, "connect") || !strcmp(cmd, "disconnect"))
			return pos == 0 ? REPL_NETWORK : pos == 1 ? REPL_CONTAINER : 0;
	}
	return 0;
}

unsigned repl_complete_kind(char *const *words, int n, const char *partial,
			    char *const *value_flags)
{
	static const char *const groups[] = {"image",	"container",   "volume",
					     "network", "healthcheck", NULL};
	if (n == 0)
		return REPL_COMMAND;
	bool is_group = in_list(words[0], groups);
	if (is_group && n == 1)
		return partial && partial[0] == '-' ? REPL_FLAG : REPL_VERB;
	if (partial && partial[0] == '-')
		return REPL_FLAG;
	const char *prev = words[n - 1];
	if (prev[0] == '-' && !strchr(prev, '=') && cubo_strv_contains(value_flags, prev))
		return flag_value_kind(prev);
	int start = is_group ? 2 : 1, pos = 0;
	bool flags_done = false;
	for (int i = start; i < n; i++) {
		const char *w = words[i];
		if (!flags_done && !strcmp(w, "--"))
			flags_done = true;
		else if (!flags_done && w[0] == '-' && w[1]) {
			if (!strchr(w, '=') && cubo_strv_contains(value_flags, w))
				i++; /* its value */
		} else
			pos++;
	}
	return arg_kind(is_group ? words[0] : NULL, is_group ? words[1] : words[0], pos);
}

/* a flag spelling at s ("-e," or "--env"): its length without the comma, 0 when none */
static size_t flag_token(const char *s)
{
	if (s[0] != '-' || !(isalnum((unsigned char)s[1]) || s[1] == '-'))
		return 0;
	size_t k = 1;
	while (s[k] && s[k] != ' ' && s[k] != ',' && s[k] != '=' && s[k] != '\n')
		k++;
	return k;
}

void repl_help_flags(const char *help, char ***flags, char ***value_flags)
{
	size_t nf = 0, nv = 0;
	*flags = xcalloc(1, sizeof(char *));
	*value_flags = xcalloc(1, sizeof(char *));
	const char *sec = strstr(help, "\nOptions:\n");
	for (const char *l = sec ? sec + 10 : NULL; l && *l;
	     l = strchr(l, '\n'), l = l ? l + 1 : l) {
		if (l[0] != ' ')
			break; /* the section ends */
		const char *p = l;
		while (*p == ' ')
			p++;
		char *spell[2] = {NULL, NULL};
		int ns = 0;
		size_t k;
		while (ns < 2 && (k = flag_token(p))) {
			spell[ns++] = xstrndup(p, k);
			p += k;
			if (*p == ',')
				p++;
			if (*p == ' ' && p[1] == '-')
				p++;
			else
				break;
		}
		/* a placeholder follows after one blank and is not lower-case help text */
		bool takes_value =
			ns && p[0] == ' ' && (isupper((unsigned char)p[1]) || p[1] == '[');
		for (int i = 0; i < ns; i++) {
			cubo_strv_push(flags, &nf, spell[i]);
			if (takes_value)
				cubo_strv_push(value_flags, &nv, spell[i]);
			free(spell[i]);
		}
	}
}

char **repl_help_verbs(const char *help)
{
	size_t n = 0;
	char **v = xcalloc(1, sizeof(char *));
	const char *sec = strstr(help, "\nCommands:\n");
	for (const char *l = sec ? sec + 11 : NULL; l && l[0] == ' ';
	     l = strchr(l, '\n'), l = l ? l + 1 : l) {
		while (*l == ' ')
			l++;
		size_t k = strcspn(l, " \n");
		if (k) {
			char *w = xstrndup(l, k);
			cubo_strv_push(&v, &n, w);
			free(w);
		}
	}
	return v;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **repl_matches(char *const *cands, const char *prefix)
{
	size_t n = 0, plen = strlen(prefix);
	char **v = xcalloc(1, sizeof(char *));
	for (; cands && *cands; cands++)
		if (!strncmp(*cands, prefix, plen))
			cubo_strv_push(&v, &n, *cands);
	qsort(v, n, sizeof(*v), cmp_str);
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		if (out && !strcmp(v[out - 1], v[i]))
			free(v[i]);
		else
			v[out++] = v[i];
	}
	v[out] = NULL;
	return v;
}

size_t repl_common_prefix(char *const *v)
{
	if (!v[0])
		return 0;
	size_t k = strlen(v[0]);
	for (size_t i = 1; v[i]; i++) {
		size_t j = 0;
		while (j < k && v[i][j] == v[0][j])
			j++;
		k = j;
	}
	return k;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Build files: the text Cubofile, build-variable expansion and .cuboignore,
 * all read from the build context a user hands us. Any input parses or
 * fails with a "fuzz:..." message; what parses keeps the invariants the
 * executor relies on; every word it stores expands or fails cleanly; an
 * ONBUILD trigger as stored parses back to the same instruction; and a
 * directory that build_ignore_may_include_beneath() says can be skipped
 * really holds nothing that build_ignore_match() would keep.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/builder/ignore.h"
#include "cubo-mgr/builder/instr.h"
#include "tests/fuzz/fuzz.h"

static char *const fuzz_vars[] = {"A=1", "EMPTY=", "HOME=/root", "A=2", "X=$A"};

static void expand_any(const char *word)
{
	char *out = NULL;

	if (!word)
		return;
	struct cubo_error *err = build_expand(word, fuzz_vars, 5, &out);
	if (err) {
		if (out)
			FUZZ_FAIL("build_expand failed but set *out");
		fuzz_drop(err);
		return;
	}
	if (!out)
		FUZZ_FAIL("build_expand succeeded without *out");
	free(out);
}

static void check_strv(char **v, const char *what, bool nonempty)
{
	if (!v)
		FUZZ_FAIL("%s: NULL vector", what);
	if (nonempty && !v[0])
		FUZZ_FAIL("%s: empty vector", what);
	for (; *v; v++)
		expand_any(*v);
}

static void check_file(const struct build_file *f)
{
	int last = 0;

	if (!f->n || f->v[0].op != BUILD_FROM)
		FUZZ_FAIL("a parsed file must start with FROM");
	for (size_t i = 0; i < f->n_global_args; i++)
		if (!f->global_args[i].key || !f->global_args[i].value)
			FUZZ_FAIL("global ARG without key or value");
	for (size_t i = 0; i < f->n; i++) {
		const struct build_instr *in = &f->v[i];
		if (in->line <= last)
			FUZZ_FAIL("instruction %zu: line %d after %d", i, in->line, last);
		last = in->line;
		if (!in->text || !*in->text)
			FUZZ_FAIL("instruction %zu: no text", i);
		switch (in->op) {
		case BUILD_FROM:
			if (!in->image || !*in->image)
				FUZZ_FAIL("FROM without an image");
			expand_any(in->image);
			break;
		case BUILD_RUN:
		case BUILD_CMD:
		case BUILD_ENTRYPOINT:
		case BUILD_SHELL:
			check_strv(in->args, "args", in->op == BUILD_RUN || in->op == BUILD_SHELL);
			if (in->shell_form && (!in->args[0] || in->args[1]))
				FUZZ_FAIL("shell form with other than one argument");
			break;
		case BUILD_COPY:
		case BUILD_ADD:
			check_strv(in->sources, "sources", true);
			if (!in->dest)
				FUZZ_FAIL("COPY without a destination");
			expand_any(in->dest);
			expand_any(in->chown);
			expand_any(in->from_stage);
			break;
		case BUILD_ENV:
		case BUILD_ARG:
		case BUILD_LABEL:
			if (!in->n_kv)
				FUZZ_FAIL("ENV/ARG/LABEL without pairs");
			for (size_t k = 0; k < in->n_kv; k++) {
				if (!in->kv[k].key || !*in->kv[k].key || !in->kv[k].value)
					FUZZ_FAIL("pair without key or value");
				expand_any(in->kv[k].key);
				expand_any(in->kv[k].value);
			}
			break;
		case BUILD_WORKDIR:
		case BUILD_USER:
		case BUILD_STOPSIGNAL:
			if (!in->value || !*in->value)
				FUZZ_FAIL("empty value");
			expand_any(in->value);
			break;
		case BUILD_EXPOSE:
		case BUILD_VOLUME:
			check_strv(in->list, "list", true);
			break;
		case BUILD_ONBUILD: {
			/* what the image will hold parses back to itself in the child build */
			struct build_instr t;
			fuzz_must(cubofile_parse_trigger(in->value, "trigger", &t),
				  "parse a stored ONBUILD trigger");
			if (strcmp(t.text, in->value))
				FUZZ_FAIL("trigger \"%s\" came back as \"%s\"", in->value, t.text);
			build_instr_clear(&t);
			break;
		}
		default:
			break;
		}
	}
}

/* Lines of s as paths (at most a few, to keep each run quick). */
static void check_ignore(const struct build_ignore *ig, const char *s)
{
	char *copy = strdup(s);
	char *paths[16];
	size_t n = 0;

	if (!copy)
		return;
	for (char *save = NULL, *tok = strtok_r(copy, "\n", &save); tok && n < 16;
	     tok = strtok_r(NULL, "\n", &save))
		paths[n++] = tok;
	for (size_t i = 0; i < n; i++) {
		bool excluded = build_ignore_match(ig, paths[i]);
		bool may = build_ignore_may_include_beneath(ig, paths[i]);
		if (!excluded && !may)
			FUZZ_FAIL("\"%s\" is kept but its contents may be skipped", paths[i]);
		if (may)
			continue;
		for (size_t j = 0; j < n; j++) {
			char *under;
			if (asprintf(&under, "%s/%s", paths[i], paths[j]) < 0)
				abort();
			if (!build_ignore_match(ig, under))
				FUZZ_FAIL("\"%s\" may be skipped, but \"%s\" is kept", paths[i],
					  under);
			free(under);
		}
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;

	struct build_file *f = NULL;
	struct cubo_error *err = cubofile_parse((const char *)data, size, "fuzz", &f);
	if (err) {
		if (f)
			FUZZ_FAIL("cubofile_parse failed but set *out");
		if (strncmp(err->msg, "fuzz:", 5))
			FUZZ_FAIL("error without the path: %s", err->msg);
		fuzz_drop(err);
	} else {
		check_file(f);
		build_file_free(f);
	}

	expand_any(s);

	struct build_ignore *ig = NULL;
	err = build_ignore_parse((const char *)data, size, "fuzz", &ig);
	if (err) {
		if (ig)
			FUZZ_FAIL("build_ignore_parse failed but set *out");
		fuzz_drop(err);
	} else {
		check_ignore(ig, s);
		build_ignore_free(ig);
	}
	free(s);
	return 0;
}

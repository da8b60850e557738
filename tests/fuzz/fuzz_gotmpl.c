/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go templates (--format): the input up to its first NUL is a template,
 * what follows (when it is JSON) the data, else a container's inspect
 * object. gotmpl_parse either fails with no tree and a "template: " error
 * or gives a tree; running it either fails the same way or appends output
 * within GOTMPL_MAX_BYTES; a header run and the "table" path through the
 * tabwriter never break either.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/gotmpl.h"
#include "shared/gotmpl_format.h"
#include "shared/json.h"
#include "shared/tabwriter.h"
#include "tests/fuzz/fuzz.h"

static const char fallback[] =
	"{\"Id\":\"4fa6\",\"Name\":\"/web\",\"Args\":[\"-g\",\"x\"],\"State\":{\"Status\":"
	"\"running\",\"Pid\":42,\"Running\":true},\"Config\":{\"Labels\":{\"a\":\"1\",\"b\":\"2\"},"
	"\"Env\":[\"A=1\"]},\"Labels\":\"a=1,b=2\",\"Ratio\":1.5,\"Nothing\":null,\"Empty\":[]}";

static void check_error(struct cubo_error *err, const char *what)
{
	char *t = cubo_error_text(err);
	if (strncmp(t, "template: ", 10))
		FUZZ_FAIL("%s error without \"template: \": %s", what, t);
	free(t);
	cubo_error_free(err);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t tlen = nul ? (size_t)(nul - text) : size;
	yajl_val v = NULL;
	if (nul) {
		struct cubo_error *jerr = cubo_json_parse(nul + 1, size - tlen - 1, "fuzz", &v);
		if (!jerr && !v)
			FUZZ_FAIL("parsed JSON without a tree");
		fuzz_drop(jerr);
	}
	if (!v)
		fuzz_must(cubo_json_parse(fallback, sizeof(fallback) - 1, "fallback", &v),
			  "fallback");

	struct gotmpl *t = (struct gotmpl *)1;
	struct cubo_error *err = gotmpl_parse(text, tlen, &t);
	if (err) {
		if (t)
			FUZZ_FAIL("an error and a tree");
		check_error(err, "parse");
		yajl_tree_free(v);
		return 0;
	}
	struct cubo_strbuf out = {0};
	err = gotmpl_exec(t, v, &out);
	if (err)
		check_error(err, "exec");
	if (out.len > (size_t)GOTMPL_MAX_BYTES + 4096 || (out.s && strlen(out.s) > out.len))
		FUZZ_FAIL("output of %zu bytes", out.len);
	char *aligned = tabwriter_align(out.s ? out.s : "", out.len, GOTMPL_TABLE_MINWIDTH,
					GOTMPL_TABLE_PADDING);
	free(aligned);
	free(out.s);
	out = (struct cubo_strbuf){0};
	err = gotmpl_exec_header(t, v, &out);
	if (err)
		check_error(err, "header");
	free(out.s);
	gotmpl_free(t);
	yajl_tree_free(v);
	return 0;
}

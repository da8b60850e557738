/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TOML and Cubofile.toml: toml_parse on any bytes, then a walk over the tree
 * checking what the parser promises (positions set, strings NUL-terminated at
 * their length, no table or array deeper than TOML_MAX_DEPTH -- a scalar may
 * sit one level below the deepest table -- each key once per table
 * and found by toml_table_get), then cubofile_toml_parse on the same bytes:
 * every instruction has its text and a line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/builder/instr.h"
#include "shared/toml.h"
#include "tests/fuzz/fuzz.h"

static void check(const struct toml_value *v, int depth)
{
	bool nests = v->type == TOML_TABLE || v->type == TOML_ARRAY;
	if (depth > TOML_MAX_DEPTH + !nests)
		FUZZ_FAIL("%s %d levels deep", toml_type_name(v->type), depth);
	if (v->line < 1 || v->col < 1)
		FUZZ_FAIL("value at %d:%d", v->line, v->col);
	switch (v->type) {
	case TOML_STRING:
		if (!v->string.s || v->string.s[v->string.len])
			FUZZ_FAIL("string not terminated at its length");
		break;
	case TOML_ARRAY:
		for (size_t i = 0; i < v->array.n; i++)
			check(v->array.v[i], depth + 1);
		break;
	case TOML_TABLE:
		for (size_t i = 0; i < v->table.n; i++) {
			const struct toml_entry *e = &v->table.v[i];
			if (e->line < 1 || e->col < 1 || e->key[e->key_len])
				FUZZ_FAIL("bad entry %zu", i);
			for (size_t j = 0; j < i; j++)
				if (v->table.v[j].key_len == e->key_len &&
				    !memcmp(v->table.v[j].key, e->key, e->key_len))
					FUZZ_FAIL("key \"%s\" twice in one table", e->key);
			if (strlen(e->key) == e->key_len && toml_table_get(v, e->key) != e->value)
				FUZZ_FAIL("toml_table_get(\"%s\") missed", e->key);
			check(e->value, depth + 1);
		}
		break;
	case TOML_DATETIME: {
		const struct toml_datetime *d = &v->datetime;
		if (d->month > 12 || d->day > 31 || d->hour > 23 || d->minute > 59 ||
		    d->second > 60 || d->nanosecond < 0 || d->nanosecond > 999999999)
			FUZZ_FAIL("date-time out of range");
		break;
	}
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct toml_value *root;
	struct cubo_error *err = toml_parse((const char *)data, size, "fuzz.toml", &root);
	if (err) {
		if (root)
			FUZZ_FAIL("error and a tree");
		fuzz_drop(err);
	} else {
		if (root->type != TOML_TABLE)
			FUZZ_FAIL("root is a %s", toml_type_name(root->type));
		check(root, 0);
		toml_free(root);
	}

	struct build_file *f;
	err = cubofile_toml_parse((const char *)data, size, "Cubofile.toml", &f);
	if (err) {
		fuzz_drop(err);
		return 0;
	}
	if (f->n == 0 || f->v[0].op != BUILD_FROM)
		FUZZ_FAIL("no FROM first");
	for (size_t i = 0; i < f->n; i++)
		if (!f->v[i].text || f->v[i].line < 1)
			FUZZ_FAIL("instruction %zu without text or line", i);
	build_file_free(f);
	return 0;
}

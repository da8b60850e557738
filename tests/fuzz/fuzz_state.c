/* SPDX-License-Identifier: Apache-2.0 */
/*
 * State file parser. A state that parses must be writable in both forms
 * (public and internal); the internal form must parse back to the same
 * state, and the public form must parse too (any OCI reader takes it).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec/state.h"
#include "tests/fuzz/fuzz.h"

static void check(const struct oci_state *st, bool internal, bool pretty)
{
	struct oci_state *again = NULL;
	char *json = NULL, *json2 = NULL;
	size_t len = 0, len2 = 0;
	struct cubo_error *err;

	fuzz_must(oci_state_to_json(st, internal, pretty, &json, &len), "oci_state_to_json");
	err = oci_state_parse(json, len, "generated", &again);
	if (err) {
		char *t = cubo_error_text(err);
		FUZZ_FAIL("re-parse of generated state failed: %s\n%s", t, json);
	}
	fuzz_must(oci_state_to_json(again, internal, pretty, &json2, &len2),
		  "oci_state_to_json again");
	if (len != len2 || memcmp(json, json2, len))
		FUZZ_FAIL("round trip changed the state:\n%s\n---\n%s", json, json2);
	free(json2);
	free(json);
	oci_state_free(again);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct oci_state *st = NULL;
	struct cubo_error *err;

	err = oci_state_parse((const char *)data, size, "state.json", &st);
	if (err) {
		fuzz_drop(err);
		return 0;
	}
	check(st, false, false);
	check(st, false, true);
	check(st, true, false);
	check(st, true, true);
	oci_state_free(st);
	return 0;
}

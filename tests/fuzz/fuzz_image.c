/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image index, manifest and config parsers. Any input must parse or fail
 * cleanly; what parses must survive a round trip through the generator
 * (generated, parsed again, generated again: the same text), and the kind
 * detector must not crash on anything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec/image.h"
#include "tests/fuzz/fuzz.h"

#define ROUND_TRIP(type, parse, gen, release, value)                                               \
	do {                                                                                       \
		char *j1 = NULL, *j2 = NULL;                                                       \
		size_t l1 = 0, l2 = 0;                                                             \
		type *again = NULL;                                                                \
		fuzz_must(gen(value, false, &j1, &l1), #gen);                                     \
		struct cubo_error *e = parse(j1, l1, "generated", &again);                         \
		if (e)                                                                             \
			FUZZ_FAIL("re-parse failed: %s\n%s", cubo_error_text(e), j1);             \
		fuzz_must(gen(again, false, &j2, &l2), #gen " again");                            \
		if (l1 != l2 || memcmp(j1, j2, l1))                                                \
			FUZZ_FAIL("round trip changed the document:\n%s\n---\n%s", j1, j2);       \
		free(j1);                                                                          \
		free(j2);                                                                          \
		release(again);                                                                    \
	} while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *json = (const char *)data;
	struct oci_index *idx = NULL;
	struct oci_manifest *m = NULL;
	struct oci_image_config *c = NULL;
	struct cubo_error *err;

	(void)oci_doc_kind_detect(NULL, json, size);
	err = oci_index_parse(json, size, "fuzz", &idx);
	if (err) {
		fuzz_drop(err);
	} else {
		ROUND_TRIP(struct oci_index, oci_index_parse, oci_index_to_json, oci_index_free, idx);
		struct oci_platform host;
		size_t pick;
		fuzz_must(oci_platform_host(&host), "oci_platform_host");
		fuzz_drop(oci_index_select(idx, &host, &pick));
		oci_platform_free(&host);
		oci_index_free(idx);
	}
	err = oci_manifest_parse(json, size, "fuzz", &m);
	if (err) {
		fuzz_drop(err);
	} else {
		ROUND_TRIP(struct oci_manifest, oci_manifest_parse, oci_manifest_to_json,
			   oci_manifest_free, m);
		oci_manifest_free(m);
	}
	err = oci_image_config_parse(json, size, "fuzz", &c);
	if (err) {
		fuzz_drop(err);
	} else {
		ROUND_TRIP(struct oci_image_config, oci_image_config_parse,
			   oci_image_config_to_json, oci_image_config_free, c);
		oci_image_config_free(c);
	}
	return 0;
}

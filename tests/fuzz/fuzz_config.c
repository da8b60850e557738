/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json parser. Any input must parse or fail cleanly; a config that
 * parses must survive the round trip: its generated JSON (compact and pretty)
 * parses again, and generating from that second parse gives the same text,
 * so the writer never emits what the reader refuses or reads differently.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec/config.h"
#include "tests/fuzz/fuzz.h"

static void round_trip(const struct oci_config *cfg, bool pretty)
{
	struct oci_config *again = NULL;
	char *json = NULL, *json2 = NULL;
	size_t len = 0, len2 = 0;
	struct cubo_error *err;

	fuzz_must(oci_config_to_json(cfg, pretty, &json, &len), "oci_config_to_json");
	err = oci_config_parse(json, len, "generated", &again);
	if (err) {
		char *t = cubo_error_text(err);
		FUZZ_FAIL("re-parse of generated config failed: %s\n%s", t, json);
	}
	fuzz_must(oci_config_to_json(again, pretty, &json2, &len2), "oci_config_to_json again");
	if (len != len2 || memcmp(json, json2, len))
		FUZZ_FAIL("round trip changed the config:\n%s\n---\n%s", json, json2);
	free(json2);
	free(json);
	oci_config_free(again);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct oci_config *cfg = NULL;
	struct cubo_error *err;

	err = oci_config_parse((const char *)data, size, "config.json", &cfg);
	if (err) {
		fuzz_drop(err);
		return 0;
	}
	round_trip(cfg, false);
	round_trip(cfg, true);
	oci_config_free(cfg);
	return 0;
}

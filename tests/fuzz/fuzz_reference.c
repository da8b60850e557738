/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references, platforms, registries configs and WWW-Authenticate
 * challenges: text parsers that see what users and registries send. Any
 * input parses or fails cleanly; a reference that parses must parse again
 * from its full form to the same full form.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/image/auth.h"
#include "cubo-mgr/image/reference.h"
#include "cubo-mgr/image/registries_conf.h"
#include "spec/image.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;

	struct image_ref r, again;
	struct cubo_error *err = image_ref_parse(s, NULL, &r);
	if (err) {
		fuzz_drop(err);
	} else {
		char *full = image_ref_string(&r), *fam = image_ref_familiar(&r);
		fuzz_must(image_ref_parse(full, NULL, &again), "re-parse of a reference's full form");
		char *full2 = image_ref_string(&again);
		if (strcmp(full, full2))
			FUZZ_FAIL("reference round trip: \"%s\" -> \"%s\"", full, full2);
		free(full);
		free(full2);
		free(fam);
		image_ref_free(&again);
		image_ref_free(&r);
	}

	struct oci_platform p;
	err = oci_platform_parse(s, &p);
	if (err) {
		fuzz_drop(err);
	} else {
		free(oci_platform_string(&p));
		oci_platform_free(&p);
	}

	struct registries_conf conf;
	err = registries_conf_parse(s, "fuzz", &conf);
	if (err)
		fuzz_drop(err);
	else
		registries_conf_free(&conf);

	struct auth_challenge ch;
	err = auth_challenge_parse(s, &ch);
	if (err)
		fuzz_drop(err);
	else
		auth_challenge_free(&ch);

	size_t n;
	free(auth_base64_decode(s, &n));
	free(s);
	return 0;
}

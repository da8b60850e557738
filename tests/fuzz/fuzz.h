/* SPDX-License-Identifier: Apache-2.0 */
/* Shared bits of the libFuzzer targets: a broken property is a crash. */
#ifndef CUBO_TESTS_FUZZ_H
#define CUBO_TESTS_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "shared/error.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Print why, then abort so libFuzzer saves the input. */
#define FUZZ_FAIL(...)                                                                             \
	do {                                                                                       \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		abort();                                                                           \
	} while (0)

/* An error that the property says cannot happen. */
static inline void fuzz_must(struct cubo_error *err, const char *what)
{
	if (err) {
		char *t = cubo_error_text(err);
		FUZZ_FAIL("%s failed: %s", what, t);
	}
}

/* An expected failure: its text must still be buildable, then it is freed. */
static inline void fuzz_drop(struct cubo_error *err)
{
	if (err) {
		free(cubo_error_text(err));
		cubo_error_free(err);
	}
}

#endif

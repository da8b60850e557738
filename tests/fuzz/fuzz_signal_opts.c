/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line parsing: the input split on NUL bytes is an argv. Every
 * piece goes through signal_parse (what `kill` takes), and the argv through
 * opts_parse with a table holding each kind of flag, short names included.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/opts.h"
#include "cubo-runc/signals.h"
#include "tests/fuzz/fuzz.h"

/* NUL-separated pieces; argv[0] is a fixed program name as in a real call. */
static char **split(const unsigned char *data, size_t size, int *argc)
{
	size_t n = 2;
	char **argv;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\0';
	argv = calloc(n + 1, sizeof(*argv));
	if (!argv)
		abort();
	argv[0] = strdup("cubo-runc");
	*argc = 1;
	for (size_t start = 0, i = 0; i <= size; i++) {
		if (i == size || data[i] == '\0') {
			argv[(*argc)++] = strndup((const char *)data + start, i - start);
			start = i + 1;
		}
	}
	for (int i = 0; i < *argc; i++)
		if (!argv[i])
			abort();
	return argv;
}

static bool points_into(char **argv, int argc, const char *p)
{
	for (int i = 0; i < argc; i++) {
		uintptr_t a = (uintptr_t)argv[i], q = (uintptr_t)p;
		if (q >= a && q <= a + strlen(argv[i]))
			return true;
	}
	return false;
}

static void check_signal(const char *s)
{
	struct cubo_error *err;
	int sig = -1;

	err = signal_parse(s, &sig);
	if (err) {
		fuzz_drop(err);
		return;
	}
	if (sig < 1 || sig > SIGRTMAX)
		FUZZ_FAIL("signal_parse(\"%s\") gave signal %d", s, sig);
	(void)signal_name(sig);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	bool force = false, detach = false, help = false;
	const char *root = NULL, *bundle = NULL;
	int pid = 0, first = -1, argc;
	char **argv = split(data, size, &argc);
	const struct runc_opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "force"},
		{"detach", 'd', OPT_BOOL, &detach, NULL, "detach"},
		{"root", 0, OPT_STRING, &root, "PATH", "root"},
		{"bundle", 'b', OPT_STRING, &bundle, "PATH", "bundle"},
		{"preserve-fds", 0, OPT_INT, &pid, "N", "fds"},
	};
	struct cubo_error *err;

	for (int i = 1; i < argc; i++)
		check_signal(argv[i]);

	err = opts_parse(argc, argv, opts, OPTS_N(opts), &help, &first);
	if (err) {
		fuzz_drop(err);
	} else if (first < 1 || first > argc) {
		FUZZ_FAIL("opts_parse: first argument %d of %d", first, argc);
	}
	/* string flags point into argv, not at copies or freed memory */
	if (root && !points_into(argv, argc, root))
		FUZZ_FAIL("--root does not point into argv");
	if (bundle && !points_into(argv, argc, bundle))
		FUZZ_FAIL("--bundle does not point into argv");

	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	return 0;
}

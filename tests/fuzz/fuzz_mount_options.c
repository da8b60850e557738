/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mount options: the input split on commas and NUL bytes is a config
 * mount's "options" list. Whatever it holds, mount_opts_parse sorts it or
 * fails cleanly, and what it returns is consistent.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/mount_cgroup.h"
#include "cubo-runc/mount_opts.h"
#include "cubo-runc/mounts.h"
#include "tests/fuzz/fuzz.h"

static void split(const unsigned char *data, size_t size, struct oci_strlist *out)
{
	size_t n = 1;

	for (size_t i = 0; i < size; i++)
		n += data[i] == ',' || data[i] == '\0';
	out->v = calloc(n + 1, sizeof(*out->v));
	if (!out->v)
		abort();
	out->n = 0;
	for (size_t start = 0, i = 0; i <= size; i++) {
		if (i == size || data[i] == ',' || data[i] == '\0') {
			out->v[out->n] = strndup((const char *)data + start, i - start);
			if (!out->v[out->n++])
				abort();
			start = i + 1;
		}
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct oci_strlist opts;
	struct oci_mount m = {0};
	struct mount_opts mo;
	struct cubo_error *err;
	uint64_t set, clr;
	char *s;

	split(data, size, &opts);
	err = mount_opts_parse(&opts, &mo);
	if (err) {
		fuzz_drop(err);
	} else {
		if (mo.n_propagation > MOUNT_MAX_PROPAGATION)
			FUZZ_FAIL("%zu propagation options", mo.n_propagation);
		if (mo.ms_set & mo.ms_clr)
			FUZZ_FAIL("flags both set and cleared: %#lx", mo.ms_set & mo.ms_clr);
		mount_opts_to_attr(&mo, &set, &clr);
		mount_opts_free(&mo);
		if (mo.data)
			FUZZ_FAIL("mount_opts_free left data behind");
	}
	for (size_t i = 0; i < opts.n; i++) {
		(void)mount_propagation_flag(opts.v[i]);
		free(mount_clean_path(opts.v[i]));
		free(mount_cgroup_v1_controllers(opts.v[i]));
	}
	m.type = opts.n ? opts.v[0] : NULL;
	m.options = opts;
	(void)mount_is_bind(&m);
	s = mount_bind_source("/bundle", opts.v[0]);
	free(s);

	for (size_t i = 0; i < opts.n; i++)
		free(opts.v[i]);
	free(opts.v);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /proc/self/mountinfo parser. mountinfo_read takes a path, so each input is
 * written to a memfd and read back through /proc/self/fd/N. Every entry
 * read then goes through the helpers that consume entries.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cubo-runc/mount_cgroup.h"
#include "cubo-runc/mountinfo.h"
#include "tests/fuzz/fuzz.h"

/* One memfd for the whole run, rewritten per input. */
static int input_fd = -1;

static void write_input(const unsigned char *data, size_t size)
{
	if (input_fd < 0) {
		input_fd = memfd_create("mountinfo", MFD_CLOEXEC);
		if (input_fd < 0)
			FUZZ_FAIL("memfd_create failed");
	}
	if (ftruncate(input_fd, 0) < 0)
		FUZZ_FAIL("ftruncate failed");
	for (size_t off = 0; off < size;) {
		ssize_t n = pwrite(input_fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			FUZZ_FAIL("pwrite failed");
		off += (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct mountinfo mi;
	char path[64];
	bool v2;

	write_input(data, size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", input_fd);
	fuzz_must(mountinfo_read(path, &mi), "mountinfo_read");
	for (size_t i = 0; i < mi.n; i++) {
		const struct mountinfo_entry *e = &mi.v[i];

		if (!e->root || !e->mountpoint || !e->optional || !e->fstype || !e->source ||
		    !e->super_opts)
			FUZZ_FAIL("entry %zu has a NULL field", i);
		(void)mount_cgroup_is_unified_root(e);
		(void)mount_cgroup_is_hierarchy(e, &v2);
		free(mount_cgroup_v1_controllers(e->super_opts));
		if (e->mountpoint[0] == '/' && mountinfo_find_parent(&mi, e->mountpoint) == NULL)
			FUZZ_FAIL("no parent found for mountpoint %s", e->mountpoint);
	}
	(void)mountinfo_find_parent(&mi, "/");
	(void)mountinfo_find_parent(&mi, "/sys/fs/cgroup/memory");
	mountinfo_free(&mi);
	return 0;
}

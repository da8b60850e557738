/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/cloned_binary.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool is_sealed_copy(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
}

struct cubo_error *cloned_binary_ensure(char **argv, char **envp)
{
	struct cubo_error *err = NULL;
	struct stat st;
	off_t off = 0;
	int self, copy;

	self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return cubo_error_errno("open /proc/self/exe");
	if (is_sealed_copy(self)) {
		close(self);
		return NULL;
	}
	copy = memfd_create("cubo-runc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0) {
		err = cubo_error_errno("memfd_create");
		goto out;
	}
	if (fstat(self, &st) < 0) {
		err = cubo_error_errno("stat /proc/self/exe");
		goto out;
	}
	/*
	 * read and write, not sendfile: pages sendfile spliced into the memfd
	 * can stay referenced for a while, and F_SEAL_WRITE then fails with
	 * EBUSY (about one run in 400 here).
	 */
	char buf[1 << 16];
	while (off < st.st_size) {
		ssize_t n = pread(self, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || write(copy, buf, (size_t)n) != n) {
			err = cubo_error_errno("copy the runtime binary");
			goto out;
		}
		off += n;
	}
	/* and should a page still be busy, the kernel's own wait is short: try again */
	int rc, tries = 0;
	while ((rc = fcntl(copy, F_ADD_SEALS, REQUIRED_SEALS)) < 0 && errno == EBUSY &&
	       tries++ < 20)
		usleep(1000);
	if (rc < 0) {
		err = cubo_error_errno("seal the runtime copy");
		goto out;
	}
	close(self);
	self = -1;
	syscall(SYS_execveat, copy, "", argv, envp, AT_EMPTY_PATH);
	err = cubo_error_errno("exec the sealed runtime copy");
out:
	if (self >= 0)
		close(self);
	if (copy >= 0)
		close(copy);
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/cloned_binary.h"
#include "cubo-runc/exe_overlay.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010 /* Linux 5.1 */
#endif

#define BASE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW)
/* F_SEAL_WRITE fails with EBUSY while a mapping is still being torn down: retry briefly. */
#define SEAL_TRIES 20
#define SEAL_RETRY_US 1000

/* Sealed against growing, shrinking, new seals, and any write from now on. */
static bool is_sealed_copy(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & BASE_SEALS) == BASE_SEALS &&
	       (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
}

/*
 * F_SEAL_FUTURE_WRITE forbids every later write(2) and writable mapping,
 * which is all the protection needs: nothing maps the copy writably. It
 * does not wait, as F_SEAL_WRITE does, for pages the kernel still holds a
 * reference to (fresh pages can sit in another CPU's LRU batch; then
 * F_SEAL_WRITE waits about 75 ms and fails with EBUSY, about one run in
 * 400 here). F_SEAL_WRITE, retried while busy, is for kernels before 5.1.
 */
static int seal(int fd)
{
	if (fcntl(fd, F_ADD_SEALS, BASE_SEALS | F_SEAL_FUTURE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
	for (int tries = 0;; tries++) {
		if (fcntl(fd, F_ADD_SEALS, BASE_SEALS | F_SEAL_WRITE) == 0)
			return 0;
		if (errno != EBUSY || tries == SEAL_TRIES)
			return -1;
		usleep(SEAL_RETRY_US);
	}
}

/*
 * How much of the binary exec needs: up to the end of its last loaded
 * segment. The debug information and symbol tables after it (half of the
 * file) are never mapped, so they are not copied either. The whole file
 * when the headers do not read as this machine's ELF.
 */
static off_t loaded_size(int fd, off_t file_size)
{
	ElfW(Ehdr) eh;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof(ElfW(Phdr)) ||
	    eh.e_phnum == 0 || eh.e_phnum > 64)
		return file_size;
	ElfW(Phdr) ph[64];
	size_t n = eh.e_phnum * sizeof(ph[0]);
	if (pread(fd, ph, n, (off_t)eh.e_phoff) != (ssize_t)n)
		return file_size;
	off_t end = (off_t)(eh.e_phoff + n);
	for (size_t i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && (off_t)(ph[i].p_offset + ph[i].p_filesz) > end)
			end = (off_t)(ph[i].p_offset + ph[i].p_filesz);
	return end <= file_size ? end : file_size;
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
	switch (exe_overlay_kind(self)) {
	case EXE_PRIVATE_OVERLAY:
		close(self);
		return NULL;
	case EXE_NOT_OVERLAY:
		exe_overlay_exec(argv, envp);
		break;
	case EXE_OTHER_OVERLAY:
		/* not one of ours, or not provably: a new overlay would be judged the same */
		break;
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
	/* read and write: no page of ours stays spliced into the copy */
	char buf[1 << 16];
	off_t size = loaded_size(self, st.st_size);
	while (off < size) {
		size_t want = size - off < (off_t)sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
		ssize_t n = pread(self, buf, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || write(copy, buf, (size_t)n) != n) {
			err = cubo_error_errno("copy the runtime binary");
			goto out;
		}
		off += n;
	}
	if (seal(copy) < 0) {
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

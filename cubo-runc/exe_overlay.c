/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/exe_overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <signal.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U /* Linux 6.8 */
#endif
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#define STATMOUNT_SB_BASIC 0x1
#define MNT_ID_REQ_SIZE_VER0 24

/*
 * overlayfs wants two layers when none is writable. The second only fills
 * that place (the binary's directory is on top, so nothing in it can mask
 * the binary); it may neither contain nor lie within the first, or the
 * kernel refuses the pair and the caller copies the binary instead.
 */
#define FILLER_LAYER ":/dev"
_Static_assert(EXE_OVERLAY_LOWERDIR_MAX >= 2 * PATH_MAX + sizeof(FILLER_LAYER), "lowerdir buffer");

/*
 * exe_overlay_exec runs before the C library has started (early_exec.c):
 * no TLS (so no stack protector and no errno), no relocation, no IFUNC.
 * It calls no libc function: system calls are made here, errors returned
 * as -errno.
 */
#define EARLY_SAFE __attribute__((no_stack_protector))

#if defined(__x86_64__)
static inline EARLY_SAFE long raw6(long nr, long a, long b, long c, long d, long e)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}
#else
/* only ever called once the C library runs (early_exec.c is x86-64 only) */
static long raw6(long nr, long a, long b, long c, long d, long e)
{
	long ret = syscall(nr, a, b, c, d, e);
	return ret < 0 ? -errno : ret;
}
#endif

struct mnt_id_req0 {
	uint32_t size;
	uint32_t spare;
	uint64_t mnt_id;
	uint64_t param;
};

/* 1: mnt_id (mountinfo's first field) is in this namespace; 0: it is not; -1: unknown. */
static int mountinfo_has(uint64_t mnt_id)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	if (!f)
		return -1;
	while (!found && getline(&line, &cap, f) > 0)
		found = strtoull(line, NULL, 10) == mnt_id;
	if (!found && ferror(f))
		found = -1;
	free(line);
	fclose(f);
	return found;
}

/* Is fd's mount in this mount namespace (1), outside it (0), or unknown (-1)? */
static int mount_in_reach(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE, &stx) == 0 &&
	    (stx.stx_mask & STATX_MNT_ID_UNIQUE)) {
		struct mnt_id_req0 req = {
			.size = MNT_ID_REQ_SIZE_VER0,
			.mnt_id = stx.stx_mnt_id,
			.param = STATMOUNT_SB_BASIC,
		};
		uint64_t buf[512];
		/* statmount finds only mounts of the caller's namespace */
		if (syscall(SYS_statmount, &req, buf, sizeof(buf), 0) == 0)
			return 1;
		if (errno == ENOENT)
			return 0;
		if (errno != ENOSYS)
			return -1;
	}
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		return -1;
	return mountinfo_has(stx.stx_mnt_id);
}

enum exe_overlay_kind exe_overlay_kind(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0 || sf.f_type != OVERLAYFS_SUPER_MAGIC || !(sf.f_flags & ST_RDONLY))
		return EXE_NOT_OVERLAY;
	/*
	 * An overlay mounted read-only might have an upper layer and be
	 * remounted writable later, with a container's fd still on the file;
	 * one that no namespace holds is only ever made by exe_overlay_exec.
	 */
	return mount_in_reach(fd) == 0 ? EXE_PRIVATE_OVERLAY : EXE_OTHER_OVERLAY;
}

EARLY_SAFE const char *exe_overlay_lowerdir(const char *path, char *out)
{
	const char *name = NULL, *s;
	char *p = out;

	if (path[0] != '/')
		return NULL;
	for (s = path; *s; s++)
		if (*s == '/')
			name = s + 1;
	for (s = path; s < name - 1 || s == path; s++) {
		if (*s == ':' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	for (s = FILLER_LAYER; *s; s++)
		*p++ = *s;
	*p = '\0';
	return *name ? name : NULL;
}

/*
 * Closing the last fd of a mount that no namespace holds dissolves it, and
 * the kernel then waits for an RCU grace period: 0.1 to 25 ms on a VM, at
 * times more than the rest of a container's start. A child takes that
 * wait: it holds a copy of the fd until our exec has closed ours (the
 * pipe's write end is close-on-exec here), then exits, dropping the last
 * reference. The exec hands its pid on (EXE_OVERLAY_DISSOLVER_ENV) and the
 * new program reaps it before it exits: an init that reaps no orphan
 * (some container hosts' own) would keep it a zombie. Without a pipe or a
 * child, the fd is closed here and the wait is ours. Returns the pipe's
 * write end, for the caller to close if its exec fails, or -1; *child: the
 * child's pid, or -1.
 */
static EARLY_SAFE long dissolve_after_exec(long mnt, long *child)
{
	int p[2];
	char c;
	long pid = -1, wr = -1;

	if (raw6(SYS_pipe2, (long)p, O_CLOEXEC, 0, 0, 0) == 0) {
		/* fork(): the C library may not have started */
		pid = raw6(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (pid == 0) {
			raw6(SYS_close, p[1], 0, 0, 0, 0);
			while (raw6(SYS_read, p[0], (long)&c, 1, 0, 0) == -EINTR)
				;
			raw6(SYS_exit_group, 0, 0, 0, 0, 0);
		}
		raw6(SYS_close, p[0], 0, 0, 0, 0);
		if (pid < 0)
			raw6(SYS_close, p[1], 0, 0, 0, 0);
		else
			wr = p[1];
	}
	/* the child's copy keeps the mount; this close is cheap when it runs */
	raw6(SYS_close, mnt, 0, 0, 0, 0);
	*child = pid > 0 ? pid : -1;
	return wr;
}

/* "NAME=" then pid in decimal, into buf (EXE_OVERLAY_DISSOLVER_VAR_MAX bytes). */
#define EXE_OVERLAY_DISSOLVER_VAR_MAX 48
static EARLY_SAFE void dissolver_var(long pid, char *buf)
{
	const char *name = EXE_OVERLAY_DISSOLVER_ENV "=";
	char digits[24];
	int n = 0;

	while (*name)
		*buf++ = *name++;
	do
		digits[n++] = (char)('0' + pid % 10);
	while ((pid /= 10) > 0 && n < (int)sizeof(digits));
	while (n > 0)
		*buf++ = digits[--n];
	*buf = '\0';
}

static EARLY_SAFE bool is_dissolver_var(const char *s)
{
	const char *name = EXE_OVERLAY_DISSOLVER_ENV "=";

	while (*name && *s == *name)
		s++, name++;
	return !*name;
}

/* envp, less any dissolver variable, and "NAME=pid" after it, in out (n + 2 places). */
static EARLY_SAFE void env_with_dissolver(char **envp, long n, char *var, char **out)
{
	long k = 0;

	for (long i = 0; i < n; i++)
		if (!is_dissolver_var(envp[i]))
			out[k++] = envp[i];
	out[k++] = var;
	out[k] = 0;
}

EARLY_SAFE void exe_overlay_exec(char **argv, char **envp)
{
	char path[PATH_MAX], lower[EXE_OVERLAY_LOWERDIR_MAX];
	const char *name;
	long n, ctx, mnt, fd = -1, wake = -1, child = -1, n_env = 0;
	char var[EXE_OVERLAY_DISSOLVER_VAR_MAX];

	n = raw6(SYS_readlink, (long)"/proc/self/exe", (long)path, sizeof(path) - 1, 0, 0);
	if (n <= 0)
		return;
	path[n] = '\0';
	name = exe_overlay_lowerdir(path, lower);
	if (!name)
		return;
	ctx = raw6(SYS_fsopen, (long)"overlay", FSOPEN_CLOEXEC, 0, 0, 0);
	if (ctx < 0)
		return;
	/* xino would only log that the layers are on different filesystems */
	raw6(SYS_fsconfig, ctx, FSCONFIG_SET_STRING, (long)"xino", (long)"off", 0);
	if (raw6(SYS_fsconfig, ctx, FSCONFIG_SET_STRING, (long)"lowerdir", (long)lower, 0) == 0 &&
	    raw6(SYS_fsconfig, ctx, FSCONFIG_CMD_CREATE, 0, 0, 0) == 0) {
		mnt = raw6(SYS_fsmount, ctx, FSMOUNT_CLOEXEC,
			   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID, 0, 0);
		if (mnt >= 0) {
			fd = raw6(SYS_openat, mnt, (long)name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0,
				  0);
			wake = dissolve_after_exec(mnt, &child);
		}
	}
	raw6(SYS_close, ctx, 0, 0, 0, 0);
	while (envp[n_env])
		n_env++;
	/* a bounded copy on the stack; past the bound the child goes unreaped */
	if (fd >= 0 && child > 0 && n_env <= EXE_OVERLAY_ENV_MAX) {
		char *env[n_env + 2];

		dissolver_var(child, var);
		env_with_dissolver(envp, n_env, var, env);
		raw6(SYS_execveat, fd, (long)"", (long)argv, (long)env, AT_EMPTY_PATH);
	} else if (fd >= 0) {
		raw6(SYS_execveat, fd, (long)"", (long)argv, (long)envp, AT_EMPTY_PATH);
	}
	if (fd >= 0)
		raw6(SYS_close, fd, 0, 0, 0, 0);
	if (wake >= 0)
		raw6(SYS_close, wake, 0, 0, 0, 0);
}

EARLY_SAFE bool exe_overlay_worth_trying(void)
{
	struct statfs sf;

	/* a memfd (a sealed copy: shmem) or an overlay: cloned_binary_ensure judges it */
	return raw6(SYS_statfs, (long)"/proc/self/exe", (long)&sf, 0, 0, 0) == 0 &&
	       sf.f_type != OVERLAYFS_SUPER_MAGIC && sf.f_type != TMPFS_MAGIC &&
	       sf.f_type != HUGETLBFS_MAGIC;
}

pid_t exe_overlay_take_dissolver(void)
{
	const char *v = getenv(EXE_OVERLAY_DISSOLVER_ENV);
	char *end, path[64], stat[512];
	long pid = v ? strtol(v, &end, 10) : 0;
	pid_t ours = 0;
	FILE *f;

	if (!v)
		return 0;
	/* only our child: the variable may come from anyone who runs us */
	if (*end == '\0' && pid > 0 && pid < INT32_MAX) {
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		f = fopen(path, "re");
		if (f) {
			size_t len = fread(stat, 1, sizeof(stat) - 1, f);
			const char *rp;
			int ppid;

			stat[len] = '\0';
			rp = strrchr(stat, ')');
			if (rp && sscanf(rp + 1, " %*c %d", &ppid) == 1 && ppid == getpid())
				ours = (pid_t)pid;
			fclose(f);
		}
	}
	unsetenv(EXE_OVERLAY_DISSOLVER_ENV);
	return ours;
}

void exe_overlay_reap(pid_t pid)
{
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
}

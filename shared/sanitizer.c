/* SPDX-License-Identifier: Apache-2.0 */
/* Keeping a sanitizer report file across a change of root: see sanitizer.h. */
#include "shared/sanitizer.h"

#if defined(__SANITIZE_ADDRESS__)
#define CUBO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CUBO_ASAN 1
#endif
#endif

#ifdef CUBO_ASAN
#include <fcntl.h>
#include <limits.h>
#include <sanitizer/common_interface_defs.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * LeakSanitizer's check at exit clones a tracer thread. After
 * setns(CLONE_NEWPID), as exec does to have its child born in the
 * container's pid namespace, that thread would be born there too, where it
 * cannot see its parent: the check would wait for it forever. So children
 * are born in our own namespace again before the check runs (exit handlers
 * run in reverse order: the sanitizer registered its own before ours).
 */
/* Whether a and b name the same namespace; true when that cannot be told (no /proc). */
static bool same_ns(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return true;
	return sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

/*
 * A process in a user namespace of its own (a rootless exec) may not move its
 * children back to the host's pid namespace: then it leaves with its status
 * without the check, which could only hang.
 */
static void own_pid_ns_for_children(int status, void *arg)
{
	int fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);

	(void)arg;
	if (fd >= 0) {
		setns(fd, CLONE_NEWPID);
		close(fd);
	}
	if (!same_ns("/proc/self/ns/pid", "/proc/self/ns/pid_for_children")) {
		fflush(NULL);
		_exit(status);
	}
}

__attribute__((constructor)) static void restore_pid_ns_at_exit(void)
{
	on_exit(own_pid_ns_for_children, NULL);
}

/* The log_path option's value in ASAN_OPTIONS ("a=1:log_path=/x:b=2"), or NULL. */
static const char *log_path(size_t *len)
{
	const char *opts = getenv("ASAN_OPTIONS"), *p = opts;

	while (p && *p) {
		size_t n = strcspn(p, ":");

		if (!strncmp(p, "log_path=", 9)) {
			*len = n - 9;
			return p + 9;
		}
		p += n + (p[n] == ':');
	}
	return NULL;
}

int sanitizer_keep_report_file(void)
{
	char path[PATH_MAX];
	size_t len = 0;
	const char *p = log_path(&len);
	int fd;

	/* stderr and stdout are never reopened: they need nothing */
	if (!p || !len || (len == 6 && (!strncmp(p, "stderr", 6) || !strncmp(p, "stdout", 6))))
		return -1;
	if (snprintf(path, sizeof(path), "%.*s.root.XXXXXX", (int)len, p) >= (int)sizeof(path))
		return -1;
	fd = mkostemp(path, O_CLOEXEC | O_APPEND);
	/* reports go there from now on, whatever the root */
	if (fd >= 0)
		__sanitizer_set_report_fd((void *)(intptr_t)fd);
	return fd;
}
#else
int sanitizer_keep_report_file(void)
{
	return -1;
}
#endif

/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/testpoint.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WAIT_LIMIT_MS (120 * 1000)
#define POLL_MS 10

static void pause_at(const char *point)
{
	const char *at = getenv("CUBO_TEST_PAUSE_AT");
	const char *dir = getenv("CUBO_TEST_PAUSE_DIR");
	if (!at || strcmp(at, point) || !dir || !*dir)
		return;
	char paused[4096], go[4096];
	snprintf(paused, sizeof(paused), "%s/%s.paused", dir, point);
	snprintf(go, sizeof(go), "%s/%s.go", dir, point);
	int fd = open(paused, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "test point %s: cannot create %s\n", point, paused);
		return;
	}
	dprintf(fd, "%d\n", (int)getpid());
	close(fd);
	/* a test that died must not leave the command stuck for good */
	const struct timespec tick = {0, POLL_MS * 1000000L};
	for (int waited = 0; waited < WAIT_LIMIT_MS && access(go, F_OK) < 0; waited += POLL_MS)
		nanosleep(&tick, NULL);
	unlink(go);
	unlink(paused);
}

/*
 * The kind of process we are: the monitor names itself; cubo-runc runs
 * from its binary through a private overlay ("/cubo-runc"), from a sealed
 * copy of itself ("/memfd:cubo-runc (deleted)"), or from the file.
 */
static const char *process_kind(void)
{
	char comm[17] = "", exe[4096];
	prctl(PR_GET_NAME, comm);
	if (!strcmp(comm, "cubo-monitor"))
		return "monitor";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	const char *base = strrchr(exe, '/');
	if (base && !strncmp(base + 1, "cubo-runc", 9))
		return "runc";
	if (base && !strncmp(base + 1, "memfd:cubo-runc", 15))
		return "runc";
	return "mgr";
}

/* How many times POINT was reached, this time included, by every process sharing DIR. */
static long reached(const char *dir, const char *point)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.count", dir, point);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	struct stat st;
	long n = write(fd, ".", 1) == 1 && fstat(fd, &st) == 0 ? (long)st.st_size : -1;
	close(fd);
	return n;
}

static void crash_at(const char *point)
{
	const char *at = getenv("CUBO_TEST_CRASH_AT");
	if (!at || !*at)
		return;
	const char *colon = strchr(at, ':');
	if (colon) {
		const char *kind = process_kind();
		if ((size_t)(colon - at) != strlen(kind) || strncmp(at, kind, strlen(kind)))
			return;
		at = colon + 1;
	}
	const char *hash = strchr(at, '#');
	size_t len = hash ? (size_t)(hash - at) : strlen(at);
	if (len != strlen(point) || strncmp(at, point, len))
		return;
	const char *dir = getenv("CUBO_TEST_CRASH_DIR");
	bool has_dir = dir && *dir;
	if (hash && (!has_dir || reached(dir, point) != strtol(hash + 1, NULL, 10)))
		return;
	if (has_dir) {
		/* the test learns that the crash happened, and where */
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s.crashed", dir, point);
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dprintf(fd, "%s %d\n", process_kind(), (int)getpid());
			close(fd);
		}
	}
	kill(getpid(), SIGKILL);
	/* not reached: SIGKILL cannot be blocked */
	_exit(137);
}

void cubo_test_point(const char *point)
{
	pause_at(point);
	crash_at(point);
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/testpoint.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WAIT_LIMIT_MS (120 * 1000)
#define POLL_MS 10

void cubo_test_point(const char *point)
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

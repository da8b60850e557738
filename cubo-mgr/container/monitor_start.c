/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run by the starting command (cubo-mgr run, start, restart), not by the
 * monitor: fork the monitor, detached from us, and wait on the sync pipe
 * until it says the container runs or why it could not start. Also how any
 * command tells whether a recorded monitor still lives. See monitor.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-mgr/container/attach.h"
#include "cubo-mgr/container/monitor.h"
#include "cubo-mgr/container/monitor_priv.h"
#include "shared/procstat.h"
#include "shared/testpoint.h"

bool monitor_alive(pid_t pid, uint64_t start_time)
{
	if (pid <= 0)
		return false;
	uint64_t now = cubo_proc_start_time(pid);
	return now && now == start_time;
}

/* One "X ...\n" message from the monitor; false at EOF. */
static bool read_line(int fd, char *line, size_t cap)
{
	size_t len = 0;
	while (len < cap - 1) {
		ssize_t r = read(fd, line + len, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
	return true;
}

struct cubo_error *monitor_start(const struct monitor_start *ms, pid_t *pid, int *attach_fd,
				 int *exit_code)
{
	*exit_code = 125;
	if (attach_fd)
		*attach_fd = -1;
	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		return cubo_error_errno("pipe");
	fflush(NULL);
	pid_t mid = fork();
	if (mid < 0) {
		close(sync[0]);
		close(sync[1]);
		return cubo_error_errno("fork the monitor");
	}
	if (mid == 0) {
		/* the monitor must not be our child: nobody would reap it while we live */
		close(sync[0]);
		pid_t m = fork();
		if (m != 0)
			_exit(m < 0 ? 1 : 0);
		monitor_main(ms, sync[1]);
		_exit(1);
	}
	close(sync[1]);
	int ws;
	while (waitpid(mid, &ws, 0) < 0 && errno == EINTR)
		;
	cubo_test_point("start-after-fork");
	char line[4096];
	struct cubo_error *err = NULL;
	for (;;) {
		if (!read_line(sync[0], line, sizeof(line))) {
			err = cubo_error_new("the container's monitor exited before the container "
					     "started");
			break;
		}
		if (line[0] == 'C' && ms->attach) {
			char *dir = ctr_store_dir(ms->store, ms->id);
			err = attach_connect(dir, ms->attach_flags, attach_fd);
			free(dir);
			if (err)
				break;
			continue;
		}
		if (line[0] == 'S') {
			*pid = (pid_t)strtol(line + 1, NULL, 10);
			*exit_code = 0;
			break;
		}
		if (line[0] == 'E') {
			char *msg;
			*exit_code = (int)strtol(line + 1, &msg, 10);
			err = cubo_error_new("%s", *msg == ' ' ? msg + 1 : msg);
			break;
		}
	}
	close(sync[0]);
	if (err && attach_fd && *attach_fd >= 0) {
		close(*attach_fd);
		*attach_fd = -1;
	}
	return err;
}

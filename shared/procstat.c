/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/procstat.h"

#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shared/error.h"
#include "shared/fs.h"

uint64_t cubo_proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields start after the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return 0;
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu", &start) != 1)
		return 0;
	return start;
}

bool cubo_initial_uid_map(const char *uid_map)
{
	unsigned long inside, outside, count;
	const char *nl = strchr(uid_map, '\n');

	/* one line: "0 0 4294967295" with any spacing */
	if (sscanf(uid_map, "%lu %lu %lu", &inside, &outside, &count) != 3 || (nl && nl[1]))
		return false;
	return inside == 0 && outside == 0 && count == 4294967295UL;
}

bool cubo_in_initial_userns(void)
{
	char *text = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file("/proc/self/uid_map", &text, &len);
	bool initial = true; /* no /proc: nothing says otherwise */

	if (!err)
		initial = cubo_initial_uid_map(text);
	cubo_error_free(err);
	free(text);
	return initial;
}

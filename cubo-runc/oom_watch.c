/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/oom_watch.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cubo-runc/cgroup_priv.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

static uint64_t v2_oom_count(const char *dir)
{
	char *f = cubo_path_join(dir, "memory.events"), *text = NULL;
	size_t len;
	uint64_t n = 0;
	struct cubo_error *err = cubo_read_file(f, &text, &len);

	if (!err) {
		const char *p = strstr(text, "oom ");

		/* "oom " at a line start, not "oom_kill " or "oom_group_kill " */
		while (p && p != text && p[-1] != '\n')
			p = strstr(p + 1, "oom ");
		if (p)
			n = strtoull(p + 4, NULL, 10);
	}
	cubo_error_free(err);
	free(text);
	free(f);
	return n;
}

void oom_watch_start(const struct cgroup_set *s, struct oom_watch *w)
{
	const struct cgroup_dir *v1 = NULL, *v2 = NULL;

	/* every member: the v1 notifier sets neither v2 nor seen */
	*w = (struct oom_watch){.fd = -1};
	for (size_t i = 0; i < s->n; i++) {
		if (s->d[i].v2)
			v2 = &s->d[i];
		else if (cgroup_key_has(s->d[i].key, "memory"))
			v1 = &s->d[i];
	}
	if (v1) {
		char *ctl = cubo_path_join(v1->path, "memory.oom_control");
		char *evc = cubo_path_join(v1->path, "cgroup.event_control");
		int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		int ofd = open(ctl, O_RDONLY | O_CLOEXEC);
		char buf[32];

		if (efd >= 0 && ofd >= 0) {
			snprintf(buf, sizeof(buf), "%d %d", efd, ofd);
			if (!cubo_write_existing(evc, buf, strlen(buf))) {
				w->fd = efd;
				efd = -1;
				w->dir = xstrdup(v1->path);
			}
		}
		/* the registration keeps its own reference to oom_control */
		if (ofd >= 0)
			close(ofd);
		if (efd >= 0)
			close(efd);
		free(ctl);
		free(evc);
		return;
	}
	if (v2) {
		char *ev = cubo_path_join(v2->path, "memory.events");
		int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

		if (fd >= 0 && inotify_add_watch(fd, ev, IN_MODIFY) >= 0) {
			w->fd = fd;
			w->v2 = true;
			w->dir = xstrdup(v2->path);
			w->seen = v2_oom_count(v2->path);
		} else if (fd >= 0) {
			close(fd);
		}
		free(ev);
	}
}

unsigned oom_watch_read(struct oom_watch *w, bool *gone)
{
	char buf[4096];
	uint64_t n;

	*gone = false;
	if (!w->v2) {
		char *evc;

		if (read(w->fd, &n, sizeof(n)) != sizeof(n))
			return 0;
		/* the eventfd also fires when the cgroup is removed */
		evc = cubo_path_join(w->dir, "cgroup.event_control");
		*gone = !cubo_path_exists(evc);
		free(evc);
		return *gone ? 0 : (unsigned)(n > 1000 ? 1000 : n);
	}
	while (read(w->fd, buf, sizeof(buf)) > 0)
		;
	n = v2_oom_count(w->dir);
	if (n <= w->seen)
		return 0;
	uint64_t d = n - w->seen;
	w->seen = n;
	return (unsigned)(d > 1000 ? 1000 : d);
}

void oom_watch_stop(struct oom_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->dir);
	*w = (struct oom_watch){.fd = -1};
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Repairing what killed monitors and commands left: see ctr_store.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cubo-mgr/container/ctr_store.h"
#include "cubo-mgr/container/monitor.h"
#include "cubo-mgr/container/runtime.h"
#include "cubo-mgr/net/ctr_net.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/strv.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

static bool needs_repair(const struct ctr_record *r)
{
	return r->monitor_pid > 0 && !monitor_alive(r->monitor_pid, r->monitor_start_time);
}

struct cubo_error *ctr_reconcile_one(const struct ctr_store *s, struct ctr_record *r, bool *removed)
{
	*removed = false;
	if (!needs_repair(r))
		return NULL;
	int lock;
	CUBO_TRY(ctr_store_lock(s, r->id, &lock));
	char *dir = ctr_store_dir(s, r->id);
	struct ctr_record fresh;
	struct cubo_error *err = ctr_record_load(dir, &fresh);
	if (err || !needs_repair(&fresh)) {
		/* someone else repaired it, or it was removed meanwhile */
		if (!err) {
			ctr_record_free(r);
			*r = fresh;
		}
		cubo_unlock(lock);
		free(dir);
		return err && err->errnum == ENOENT ? (cubo_error_free(err), NULL) : err;
	}
	struct ctr_runtime rt = {.path = fresh.runtime ? fresh.runtime
						       : runtime_default_path(s->settings),
				 .root = s->runtime_root,
				 .systemd_cgroup = ctr_record_systemd(&fresh)};
	bool was_alive = fresh.pid > 0 && kill(fresh.pid, 0) == 0;
	struct cubo_error *gone = runtime_delete(&rt, fresh.id, true);
	cubo_error_free(gone); /* the runtime may never have created it */
	/* what its networks held: addresses, firewall and port rules, the namespace */
	struct cubo_error *net = ctr_net_down(s->root, s->settings, dir, fresh.id);
	if (net) {
		cubo_error_print(net, "warning", stderr);
		cubo_error_free(net);
	}
	cubo_strv_free(fresh.published);
	fresh.published = NULL;
	if (fresh.status == CTR_RUNNING || fresh.status == CTR_PAUSED) {
		fresh.status = CTR_EXITED;
		fresh.exit_code = was_alive ? 137 : 255;
		cubo_time_now_rfc3339(fresh.finished);
	}
	free(fresh.error);
	fresh.error = xstrdup("the container's monitor died");
	fresh.pid = 0;
	fresh.restarting = false; /* a monitor killed while waiting to restart it */
	fresh.monitor_pid = 0;
	fresh.monitor_start_time = 0;
	err = ctr_record_save(dir, &fresh);
	cubo_unlock(lock);
	free(dir);
	if (!err && fresh.auto_remove && fresh.status == CTR_EXITED) {
		err = ctr_store_remove(s, fresh.id, fresh.name);
		*removed = !err;
	}
	ctr_record_free(r);
	*r = fresh;
	return err;
}

/*
 * A --rm container's record is written without fsyncs (ctr_store.h): after
 * a power cut it may be empty or torn. It would have been removed at its
 * exit; it is now, with what its networks held, rather than kept as a
 * damaged record that holds its name.
 */
static bool lost_volatile(const char *dir)
{
	char *mark = cubo_path_join(dir, CTR_VOLATILE_MARK);
	bool marked = cubo_path_exists(mark);
	free(mark);
	if (!marked)
		return false;
	struct ctr_record r;
	struct cubo_error *err = ctr_record_load(dir, &r);
	if (!err) {
		ctr_record_free(&r);
		return false;
	}
	bool lost = err->errnum != ENOENT;
	cubo_error_free(err);
	return lost;
}

static void remove_lost(const struct ctr_store *s, const char *dir, const char *id)
{
	struct ctr_runtime rt = {.path = runtime_default_path(s->settings),
				 .root = s->runtime_root};
	cubo_error_free(runtime_delete(&rt, id, true));
	struct cubo_error *net = ctr_net_down(s->root, s->settings, dir, id);
	if (net) {
		cubo_error_print(net, "warning", stderr);
		cubo_error_free(net);
	}
	cubo_error_free(cubo_rm_rf(dir));
}

static void clean_temp_dirs(const struct ctr_store *s)
{
	DIR *d = opendir(s->root);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (ctr_id_valid(e->d_name)) {
			/*
			 * A removal killed after its record went: finish it, with
			 * what a monitor killed in its networks' release left. One
			 * still at it holds the directory.
			 */
			char *p = cubo_path_join(s->root, e->d_name);
			char *state = cubo_path_join(p, "state.json");
			bool listed = cubo_path_exists(state);
			if (!listed && !ctr_store_dir_held(dirfd(d), e->d_name))
				remove_lost(s, p, e->d_name);
			else if (listed && lost_volatile(p))
				remove_lost(s, p, e->d_name);
			free(state);
			free(p);
			continue;
		}
		if (strncmp(e->d_name, ".tmp-ctr-", 9))
			continue;
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* its maker holds it while it lives */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			char *p = cubo_path_join(s->root, e->d_name);
			cubo_error_free(cubo_rm_rf(p));
			free(p);
		}
		close(fd);
	}
	closedir(d);
}

static void clean_names(const struct ctr_store *s)
{
	DIR *d = opendir(s->names_dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char target[CTR_ID_LEN + 8];
		ssize_t n = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		char *dir = ctr_store_dir(s, target);
		char *state = cubo_path_join(dir, "state.json");
		if (!ctr_id_valid(target) || !cubo_path_exists(state))
			unlinkat(dirfd(d), e->d_name, 0);
		free(state);
		free(dir);
	}
	closedir(d);
}

struct cubo_error *ctr_reconcile_store(const struct ctr_store *s)
{
	int lock;
	CUBO_TRY(ctr_store_lock_all(s, &lock));
	clean_temp_dirs(s);
	clean_names(s);
	cubo_unlock(lock);
	return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-mgr/container/health_store.h"

#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/record.h"
#include "cubo-mgr/events/emit.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/xalloc.h"

void health_status_changed(const char *dir, enum health_status status)
{
	/* as docker: a verdict is an event, the reset to starting at a start is not */
	if (status != HEALTH_HEALTHY && status != HEALTH_UNHEALTHY)
		return;
	struct ctr_record r;
	struct cubo_error *err = ctr_record_load(dir, &r);
	if (err) { /* removed meanwhile: nobody to tell */
		cubo_error_free(err);
		return;
	}
	char *root = xstrdup(dir);
	char *slash = strrchr(root, '/');
	if (slash)
		*slash = '\0';
	/* silent: the monitor has no terminal, and `healthcheck run` reports its own result */
	ev_health_status(slash ? root : ".", &r, health_status_name(status), NULL);
	free(root);
	ctr_record_free(&r);
}

struct cubo_error *health_state_update(const char *dir, health_update_fn fn, void *ctx)
{
	char *lock_path = cubo_path_join(dir, "health.lock");
	int lock;
	struct cubo_error *err = cubo_lock_path(lock_path, true, &lock);
	free(lock_path);
	if (err)
		return err;
	struct health_state s;
	err = health_state_load(dir, &s);
	if (err) { /* a damaged file: the next results rebuild it */
		cubo_error_free(err);
		memset(&s, 0, sizeof(s));
	}
	enum health_status before = s.status;
	fn(&s, ctx);
	if (s.status != before)
		health_status_changed(dir, s.status);
	char *json;
	size_t len;
	err = health_state_to_json(&s, &json, &len);
	if (!err) {
		char *path = cubo_path_join(dir, HEALTH_STATE_FILE);
		err = cubo_write_file_replace(path, json, len, 0644);
		free(path);
		free(json);
	}
	health_state_free(&s);
	cubo_unlock(lock);
	return err;
}

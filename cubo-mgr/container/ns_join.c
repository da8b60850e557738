/* SPDX-License-Identifier: Apache-2.0 */
/* Joining another container's namespaces: see ns_join.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/ns_join.h"
#include "shared/procstat.h"
#include "shared/xalloc.h"

/* The init pid of the running container id, proven by its live monitor. */
static struct cubo_error *running_pid(const struct ctr_store *s, const char *id, pid_t *pid)
{
	if (!ctr_id_valid(id)) /* the record is ours, but a path is made of it */
		return cubo_error_new("\"%s\" is not a container ID", id);
	char *dir = ctr_store_dir(s, id);
	struct ctr_record r;
	struct cubo_error *err = ctr_record_load(dir, &r);
	free(dir);
	if (err)
		return cubo_error_wrap(err, "container %.12s", id);
	bool running = (r.status == CTR_RUNNING || r.status == CTR_PAUSED) && r.pid > 0 &&
		       r.monitor_pid > 0 &&
		       cubo_proc_start_time(r.monitor_pid) == r.monitor_start_time;
	*pid = r.pid;
	if (!running)
		err = cubo_error_new("container %s (%.12s) is not running", r.name ? r.name : "",
				     id);
	ctr_record_free(&r);
	return err;
}

static struct cubo_error *join(const struct ctr_store *s, const char *flag, const char *mode,
			       const char *type, struct oci_config *cfg, bool *changed)
{
	if (!mode || strncmp(mode, "container:", 10))
		return NULL;
	pid_t pid;
	CUBO_TRY_CTX(running_pid(s, mode + 10, &pid), "%s %s", flag, mode);
	char *path = xasprintf("/proc/%d/ns/%s", (int)pid, type);
	struct oci_linux *l = cfg->linux_;
	bool found = false;
	for (size_t i = 0; l && i < l->n_namespaces && !found; i++) {
		struct oci_namespace *ns = &l->namespaces[i];
		found = !strcmp(ns->type, type);
		if (found && (!ns->path || strcmp(ns->path, path))) {
			free(ns->path);
			ns->path = xstrdup(path);
			*changed = true;
		}
	}
	free(path);
	if (!found)
		return cubo_error_new("%s %s: config.json has no %s namespace to join", flag, mode,
				      type);
	return NULL;
}

struct cubo_error *ctr_ns_join(const struct ctr_store *s, const struct ctr_record *rec,
			       struct oci_config *cfg, bool *changed)
{
	*changed = false;
	CUBO_TRY(join(s, "--pid", rec->pid_mode, "pid", cfg, changed));
	CUBO_TRY(join(s, "--ipc", rec->ipc_mode, "ipc", cfg, changed));
	return NULL;
}

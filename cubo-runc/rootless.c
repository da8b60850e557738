/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/rootless.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-runc/cgroup_priv.h"
#include "shared/fs.h"
#include "shared/log.h"
#include "shared/procstat.h"
#include "shared/xalloc.h"

struct cubo_error *rootless_mode_parse(const char *value, bool *rootless)
{
	if (value && !strcmp(value, "true")) {
		*rootless = true;
	} else if (value && !strcmp(value, "false")) {
		*rootless = false;
	} else if (!value || !strcmp(value, "auto")) {
		*rootless = geteuid() != 0 || !cubo_in_initial_userns();
	} else {
		return cubo_error_new("--rootless: \"%s\": expected true, false or auto", value);
	}
	return NULL;
}

char *rootless_default_root(void)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0 || !dir || dir[0] != '/')
		return NULL;
	return cubo_path_join(dir, ROOTLESS_ROOT_NAME);
}

const char *rootless_limit_field(const struct oci_resources *res)
{
	if (!res)
		return NULL;
	if (res->memory)
		return "linux.resources.memory";
	if (res->cpu)
		return "linux.resources.cpu";
	if (res->pids)
		return "linux.resources.pids";
	if (res->block_io)
		return "linux.resources.blockIO";
	if (res->n_hugepage_limits)
		return "linux.resources.hugepageLimits";
	if (res->network)
		return "linux.resources.network";
	if (res->n_rdma)
		return "linux.resources.rdma";
	if (res->unified.n)
		return "linux.resources.unified";
	return NULL;
}

/* The first directory of path (itself or an ancestor) that exists; malloc'd. */
static char *existing_ancestor(const char *path)
{
	char *p = xstrdup(path);
	struct stat st;

	while (stat(p, &st) < 0) {
		char *slash = strrchr(p, '/');
		if (!slash || slash == p) {
			strcpy(p, "/");
			break;
		}
		*slash = '\0';
	}
	return p;
}

bool rootless_cgroup_delegated(const struct cgroup_layout *l, const char *cgroups_path,
			       const char *id)
{
	struct stat st;

	if (l->mode != CGROUP_MODE_V2)
		return false;
	for (size_t i = 0; i < l->n; i++) {
		const struct cgroup_hierarchy *h = &l->h[i];
		char *dir = NULL, *base, *procs;
		struct cubo_error *err;
		bool ok;

		if (!h->v2 || !h->own_dir)
			continue;
		/* where create would make it: its parent must be the caller's to write */
		err = cgroup_container_dir(h, cgroups_path, id, &dir);
		if (err) {
			cubo_error_free(err);
			return false;
		}
		base = existing_ancestor(dir);
		procs = cubo_path_join(base, "cgroup.procs");
		ok = !strcmp(base, dir)
			     ? false /* exists already: not ours to take */
			     : stat(base, &st) == 0 && st.st_uid == geteuid() &&
				       access(base, W_OK) == 0 && access(procs, W_OK) == 0;
		free(procs);
		free(base);
		free(dir);
		return ok;
	}
	return false;
}

static const char *annotation(const struct oci_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->annotations.n; i++)
		if (!strcmp(cfg->annotations.v[i].key, key))
			return cfg->annotations.v[i].value;
	return NULL;
}

struct cubo_error *rootless_check_limits(const struct oci_config *cfg, const struct cubo_log *log)
{
	const char *field = rootless_limit_field(cfg->linux_ ? cfg->linux_->resources : NULL);
	const char *policy = annotation(cfg, ROOTLESS_LIMITS_ANNOTATION);

	if (!field)
		return NULL;
	if (policy && !strcmp(policy, "ignore")) {
		cubo_log_write(log, CUBO_LOG_WARN,
			       "rootless: %s ignored: no cgroup of the caller's is delegated to it "
			       "(annotation %s=ignore)",
			       field, ROOTLESS_LIMITS_ANNOTATION);
		return NULL;
	}
	if (policy && strcmp(policy, "error"))
		return cubo_error_new("annotations.\"%s\": \"%s\": expected error or ignore",
				      ROOTLESS_LIMITS_ANNOTATION, policy);
	return cubo_error_new("%s: a rootless container gets limits only in a cgroup v2 subtree "
			      "delegated to its user, and the caller's cgroup is not (remove the "
			      "limits, or set the annotation %s to \"ignore\")",
			      field, ROOTLESS_LIMITS_ANNOTATION);
}

struct cubo_error *rootless_check_userns(const struct ns_plan *ns)
{
	if (geteuid() == 0 || (ns->clone_flags & CLONE_NEWUSER))
		return NULL;
	for (int i = 0; i < ns->n_joins; i++)
		if (ns->joins[i].flag == CLONE_NEWUSER)
			return NULL;
	return cubo_error_new("linux.namespaces: a user who is not root needs a user namespace "
			      "(\"cubo-runc spec --rootless\" writes a config with one)");
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr update: change the settings of existing containers: resource
 * limits (live, through the runtime's `update`, for a container that runs)
 * and the restart policy. The limits are kept in the container's
 * config.json, so a restart keeps them and inspect shows them.
 */
#include <stdlib.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/limits.h"
#include "cubo-mgr/container/restart.h"
#include "cubo-mgr/ctr_action.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/strv.h"
#include "spec/config.h"

struct update_ctx {
	const char *restart; /* --restart as given; NULL: unchanged */
	struct restart_policy policy;
	bool has_limits;
	struct ctr_limits limits;
};

/*
 * The limits into dir/config.json, and into the running container first:
 * when the runtime refuses them, nothing is recorded.
 */
static struct cubo_error *update_limits(struct ctr_ctx *c, const struct ctr_record *r,
					const char *dir, const struct ctr_limits *l)
{
	char *path = cubo_path_join(dir, "config.json");
	struct oci_config *cfg = NULL;
	struct cubo_error *err = oci_config_load(path, &cfg);
	if (!err && !cfg->linux_)
		err = cubo_error_new("%s: no linux section", path);
	if (!err)
		err = ctr_limits_apply(l, &cfg->linux_->resources);
	bool live = (r->status == CTR_RUNNING || r->status == CTR_PAUSED) && !r->restarting;
	if (!err && live) {
		struct ctr_runtime rt = ctr_runtime_of(c, r);
		char **flags = ctr_limits_runtime_args(l);
		err = runtime_update(&rt, r->id, flags);
		cubo_strv_free(flags);
	}
	char *json = NULL;
	size_t len;
	if (!err)
		err = oci_config_to_json(cfg, true, &json, &len);
	if (!err)
		err = r->auto_remove ? cubo_write_file_replace(path, json, len, 0600)
				     : cubo_write_file_atomic(path, json, len, 0600);
	free(json);
	if (cfg)
		oci_config_free(cfg);
	free(path);
	return err;
}

static struct cubo_error *update_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx)
{
	const struct update_ctx *u = ctx;
	int lock;
	CUBO_TRY(ctr_store_lock(&c->store, r->id, &lock));
	char *dir = ctr_store_dir(&c->store, r->id);
	struct ctr_record now;
	struct cubo_error *err = ctr_record_load(dir, &now);
	if (!err) {
		if (u->restart && u->policy.kind != RESTART_NO && now.auto_remove)
			err = cubo_error_new("container %s: the restart policy cannot be changed: "
					     "it is removed when it exits (--rm)",
					     now.name);
		if (!err && u->has_limits)
			err = cubo_error_wrap(update_limits(c, &now, dir, &u->limits),
					      "Cannot update container %s", now.name);
		/* inspect's NanoCpus is the last --cpus; a quota or period given alone replaces it
		 */
		bool nano = !err && u->has_limits &&
			    (u->limits.has_nano_cpus || u->limits.has_cpu_quota ||
			     u->limits.has_cpu_period);
		if (nano)
			now.nano_cpus = u->limits.has_nano_cpus ? u->limits.nano_cpus : 0;
		if (!err && u->restart)
			restart_policy_set(&now, &u->policy);
		if (!err && (u->restart || nano))
			err = ctr_record_save(dir, &now);
		if (!err)
			ctr_event(c, &now, "update", NULL);
		ctr_record_free(&now);
	}
	cubo_unlock(lock);
	free(dir);
	return err;
}

int cmd_update(struct mgr *m, int argc, char **argv)
{
	struct update_ctx u = {0};
	struct ctr_limits_flags f;
	ctr_limits_flags_init(&f);
	const struct cli_opt opts[] = {
		{"cpus", 0, CLI_STRING, &f.cpus, "N", "CPUs the container may use (1.5)"},
		{"cpu-shares", 'c', CLI_INT, &f.cpu_shares, "N", "CPU shares (relative weight)"},
		{"cpu-period", 0, CLI_INT, &f.cpu_period, "USEC", "CFS period (1000 to 1000000)"},
		{"cpu-quota", 0, CLI_INT, &f.cpu_quota, "USEC",
		 "CFS quota a period (-1: no limit)"},
		{"cpuset-cpus", 0, CLI_STRING, &f.cpuset_cpus, "LIST",
		 "CPUs it may run on (0-3,5)"},
		{"cpuset-mems", 0, CLI_STRING, &f.cpuset_mems, "LIST", "memory nodes it may use"},
		{"memory", 'm', CLI_STRING, &f.memory, "SIZE", "memory limit (512m, 1g)"},
		{"memory-reservation", 0, CLI_STRING, &f.memory_reservation, "SIZE",
		 "memory soft limit"},
		{"memory-swap", 0, CLI_STRING, &f.memory_swap, "SIZE",
		 "memory plus swap limit (-1: unlimited swap)"},
		{"pids-limit", 0, CLI_INT, &f.pids_limit, "N", "most processes (-1: no limit)"},
		{"blkio-weight", 0, CLI_INT, &f.blkio_weight, "N",
		 "block I/O weight (10 to 1000, 0: unchanged)"},
		{"restart", 0, CLI_STRING, &u.restart, "POLICY",
		 "no, on-failure[:N], always or unless-stopped"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "update",
		.usage = "update [OPTIONS] CONTAINER [CONTAINER...]",
		.description = "Change the settings of containers, running or not. The limits of a "
			       "running\ncontainer change at once (the runtime's update); every "
			       "change is kept for\nits next start. A new restart policy "
			       "applies from the container's next exit.",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected at least one container"),
		MGR_OPTS(opts),
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct cubo_error *err =
		ctr_limits_parse(&f, ncpu > 0 ? ncpu : 1, &u.limits, &u.has_limits);
	if (err)
		return mgr_usage_error(m, "update", err);
	if (!u.restart && !u.has_limits)
		return mgr_usage_error(m, "update",
				       cubo_error_new("expected at least one setting to change "
						      "(--memory, --cpus, --restart, ...)"));
	if (u.restart && (err = restart_policy_parse(u.restart, &u.policy)))
		return mgr_usage_error(m, "update", cubo_error_wrap(err, "--restart"));
	return each_container_of(m, &args, update_one, &u, NULL);
}

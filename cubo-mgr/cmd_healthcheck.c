/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr healthcheck run CONTAINER: podman's verb. The container's check
 * runs now, through the runtime as a scheduled one does, and its result goes
 * into the container's health state the same way. Healthy: nothing printed,
 * exit 0; a failed check: "unhealthy" (or "starting" while a failure does
 * not count yet) and exit 1 (0 with --ignore-result); a container not
 * running or without a check: 125.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/health_probe.h"
#include "cubo-mgr/container/health_store.h"
#include "cubo-mgr/container/logfile.h"
#include "cubo-mgr/ctr_view.h"

struct run_result {
	const struct health_timing *t;
	struct health_result *r;
	int64_t since_start_ns;
	enum health_status status;
};

static void record_result(struct health_state *s, void *ctx)
{
	struct run_result *rr = ctx;
	health_record(s, rr->t, rr->r, rr->since_start_ns);
	rr->status = s->status;
}

static struct cubo_error *run_check(struct ctr_ctx *c, const struct ctr_record *r, bool *healthy,
				    enum health_status *status)
{
	struct health_timing t;
	struct health_result res = {0};
	int64_t started = 0;
	struct timespec now;

	if (r->status != CTR_RUNNING)
		return cubo_error_new("container %s is not running", r->name);
	if (!health_enabled(r->healthcheck))
		return cubo_error_new("container %s has no health check", r->name);
	health_timing_of(r->healthcheck, &t);
	struct ctr_runtime rt = ctr_runtime_of(c, r);
	char *dir = ctr_store_dir(&c->store, r->id);
	clock_gettime(CLOCK_REALTIME, &now);
	struct cubo_error *err = health_probe_run(&rt, r->id, dir, r->healthcheck, &t, &res);
	if (!err) {
		log_time_parse_rfc3339(r->started, strlen(r->started), &started);
		struct run_result rr = {
			&t, &res, (int64_t)now.tv_sec * HEALTH_NS_PER_S + now.tv_nsec - started};
		*healthy = res.exit_code == 0;
		err = health_state_update(dir, record_result, &rr);
		*status = rr.status;
	}
	free(res.output);
	free(dir);
	return err;
}

static int healthcheck_run(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool ignore_result = false;
	const struct cli_opt opts[] = {
		{"ignore-result", 0, CLI_BOOL, &ignore_result, NULL,
		 "exit 0 whatever the check's result (errors still exit 125)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "healthcheck run",
		.usage = "healthcheck run [--ignore-result] CONTAINER",
		MGR_ARGS(1, 1, "expected one container"),
		.description = "Run a container's health check now and record its result. Prints "
			       "nothing and exits 0\nwhen it passes; prints \"unhealthy\" and "
			       "exits 1 when it fails.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct ctr_ctx c;
	struct ctr_record r = {0};
	bool healthy = false;
	enum health_status status = HEALTH_NONE;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err) {
		err = ctr_find(&c, args.v[0], &r);
		if (!err)
			err = run_check(&c, &r, &healthy, &status);
		ctr_record_free(&r);
		ctr_ctx_close(&c);
	}
	if (err)
		return mgr_fail(m, err);
	if (healthy)
		return 0;
	printf("%s\n", status == HEALTH_STARTING ? "starting" : "unhealthy");
	return ignore_result ? 0 : 1;
}

static const struct mgr_subcommand healthcheck_commands[] = {
	{"run", healthcheck_run, "run a container's health check now"},
};

int cmd_healthcheck(struct mgr *m, int argc, char **argv)
{
	return mgr_run_group(m, "healthcheck", "Run containers' health checks.",
			     healthcheck_commands, CLI_N(healthcheck_commands), 6, argc, argv);
}

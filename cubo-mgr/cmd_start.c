/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr start: start created or stopped containers. With --all, every
 * container that does not run, or those --filter restart-policy= picks:
 * `start --all --filter restart-policy=always --filter
 * restart-policy=unless-stopped` is the restore that cubo-restart.service
 * runs at boot (podman's podman-restart.service runs the same command).
 */
#include <string.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/attach.h"
#include "cubo-mgr/container/restart.h"
#include "cubo-mgr/ctr_action.h"
#include "shared/strv.h"

#define POLICY_KEY "restart-policy="

static struct cubo_error *check_filters(char **filters)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *f = filters[i];
		struct restart_policy p;
		if (strncmp(f, POLICY_KEY, strlen(POLICY_KEY)))
			return cubo_error_new("--filter \"%s\": expected restart-policy=POLICY", f);
		struct cubo_error *err = restart_policy_parse(f + strlen(POLICY_KEY), &p);
		if (err)
			return cubo_error_wrap(err, "--filter \"%s\"", f);
		if (strchr(f, ':'))
			return cubo_error_new("--filter \"%s\": a policy name has no count", f);
	}
	return NULL;
}

/*
 * A policy filter picks the containers that policy would bring back: an
 * unless-stopped container the user stopped stays stopped.
 */
static bool policy_matches(const struct ctr_record *r, char **filters)
{
	if (!filters || !filters[0])
		return true;
	struct restart_policy p = restart_policy_of(r);
	for (size_t i = 0; filters[i]; i++)
		if (!strcmp(filters[i] + strlen(POLICY_KEY), restart_kind_name(p.kind)) &&
		    (p.kind != RESTART_UNLESS_STOPPED || restart_restore_wanted(r)))
			return true;
	return false;
}

static int start_all(struct mgr *m, struct start_ctx *sc, char **filters)
{
	struct ctr_ctx c;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (err)
		return mgr_fail(m, err);
	struct ctr_record *v;
	size_t n;
	int rc = 0;
	err = ctr_store_list(&c.store, &v, &n);
	if (err) {
		ctr_ctx_close(&c);
		return mgr_fail(m, err);
	}
	/* oldest first: what was made first (a database) usually comes up first */
	for (size_t i = n; i-- > 0;) {
		struct ctr_record r;
		/* found again: a record whose monitor died (a reboot) is repaired first */
		err = ctr_find(&c, v[i].id, &r);
		if (err) {
			cubo_error_free(err); /* removed meanwhile */
			continue;
		}
		bool up = r.status == CTR_RUNNING || r.status == CTR_PAUSED || r.restarting;
		if (!up && policy_matches(&r, filters)) {
			err = ctr_start_one(&c, &r, sc);
			if (err)
				rc = mgr_fail(m, err);
			else
				printf("%s\n", r.name);
		}
		ctr_record_free(&r);
	}
	ctr_records_free(v, n);
	ctr_ctx_close(&c);
	return rc;
}

int cmd_start(struct mgr *m, int argc, char **argv)
{
	struct start_ctx sc = {.m = m};
	bool all = false;
	char **filters = NULL;
	const char *detach_keys = NULL;
	const struct cli_opt opts[] = {
		{"attach", 'a', CLI_BOOL, &sc.attach, NULL,
		 "attach to the output and exit with the container's code"},
		{"detach-keys", 0, CLI_STRING, &detach_keys, "KEYS",
		 "the keys that detach a terminal (default ctrl-p,ctrl-q)"},
		{"interactive", 'i', CLI_BOOL, &sc.interactive, NULL, "attach stdin too"},
		{"all", 0, CLI_BOOL, &all, NULL,
		 "start every container that does not run (or those --filter picks)"},
		{"filter", 'f', CLI_LIST, &filters, "KEY=VALUE",
		 "with --all, restart-policy=POLICY: those the policy would bring back "
		 "(repeat: any)"},
		{"checkpoint", 0, CLI_STRING, &sc.checkpoint, "NAME",
		 "restore the container from this checkpoint (checkpoint create)"},
		{"checkpoint-dir", 0, CLI_STRING, &sc.checkpoint_dir, "DIR",
		 "the checkpoint is in DIR (default: the container's directory)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "start",
		.usage = "start [OPTIONS] CONTAINER [CONTAINER...]\n"
			 "       start --checkpoint NAME [--checkpoint-dir DIR] CONTAINER\n"
			 "       start --all [--filter restart-policy=POLICY]...",
		.description = "Start created or stopped containers.",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		MGR_OPTS(opts),
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		cubo_strv_free(filters);
		return rc;
	}
	struct cubo_error *err = NULL;
	if (all && args.n)
		err = cubo_error_new("--all takes no container names");
	else if (!all && !args.n)
		err = cubo_error_new("expected at least one container");
	else if (!all && filters)
		err = cubo_error_new("--filter goes with --all");
	else if (all && sc.attach)
		err = cubo_error_new("--attach cannot go with --all");
	else if (sc.checkpoint && (all || args.n != 1))
		err = cubo_error_new("--checkpoint restores one container at a time");
	else if (sc.checkpoint_dir && !sc.checkpoint)
		err = cubo_error_new("--checkpoint-dir goes with --checkpoint");
	if (!err)
		err = check_filters(filters);
	struct detach_keys keys;
	if (!err)
		err = attach_detach_keys_parse(detach_keys, &keys);
	sc.keys = &keys;
	if (err) {
		cubo_strv_free(filters);
		return mgr_usage_error(m, "start", err);
	}
	if (all) {
		rc = start_all(m, &sc, filters);
		cubo_strv_free(filters);
		return rc;
	}
	/* attached, it prints no names, as docker */
	rc = each_container_of(m, &args, ctr_start_one, &sc, &sc.attach);
	if (sc.attach)
		return rc ? rc : sc.exit_code;
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Restart policies (run/create/update --restart), as docker has them: no,
 * on-failure[:N], always, unless-stopped. The monitor decides after each
 * exit (restart_wanted) and waits docker's backoff (restart_next_delay_ms)
 * before it hands the container to a fresh monitor. A user's stop or kill
 * holds the restart until the next start (restart_hold).
 */
#ifndef CUBO_MGR_CONTAINER_RESTART_H
#define CUBO_MGR_CONTAINER_RESTART_H

#include <stdbool.h>
#include <stdint.h>

#include "cubo-mgr/container/ctr_store.h"
#include "cubo-mgr/container/record.h"

enum restart_kind {
	RESTART_NO,
	RESTART_ON_FAILURE,
	RESTART_ALWAYS,
	RESTART_UNLESS_STOPPED,
};

struct restart_policy {
	enum restart_kind kind;
	unsigned max; /* on-failure: at most this many restarts; 0: no limit */
};

/* docker's backoff: 100 ms, doubled at each restart, at most a minute */
#define RESTART_DELAY_MIN_MS 100
#define RESTART_DELAY_MAX_MS 60000
/* a container that ran this long starts the backoff over */
#define RESTART_RESET_AFTER_MS 10000

/* "no", "on-failure", "on-failure:N", "always", "unless-stopped"; errors name the value. */
struct cubo_error *restart_policy_parse(const char *s, struct restart_policy *out);
/* "no", "on-failure", "always", "unless-stopped" */
const char *restart_kind_name(enum restart_kind k);
/* The policy a record holds; a record with none (or one it cannot read) has "no". */
struct restart_policy restart_policy_of(const struct ctr_record *r);
/* Store p in r. */
void restart_policy_set(struct ctr_record *r, const struct restart_policy *p);

/* Whether the monitor restarts a container that exited with exit_code. */
bool restart_wanted(const struct restart_policy *p, int exit_code, unsigned restart_count,
		    bool stopped_by_user);

/* The wait before the next restart, after prev_ms (0: none yet) and a run of ran_ms. */
unsigned restart_next_delay_ms(unsigned prev_ms, int64_t ran_ms);

/*
 * Whether the restore at boot (start --all --filter restart-policy=...)
 * starts r: always, or unless-stopped and not stopped by the user.
 */
bool restart_restore_wanted(const struct ctr_record *r);

/*
 * The user stopped or killed the container: no restart until the next
 * start. A monitor waiting to restart it is told to give up.
 */
struct cubo_error *restart_hold(const struct ctr_store *s, const char *id);

#endif

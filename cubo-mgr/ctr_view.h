/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the container commands share: opening the container store with the
 * runtime to use, finding a container by what the user typed (its record
 * repaired first when its monitor died), and docker's wording of times and
 * states ("Up 5 seconds", "Exited (0) 2 minutes ago").
 */
#ifndef CUBO_MGR_CTR_VIEW_H
#define CUBO_MGR_CTR_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cubo-mgr/container/ctr_store.h"
#include "cubo-mgr/container/health.h"
#include "cubo-mgr/container/runtime.h"
#include "cubo-mgr/mgr.h"

/* stop's wait before SIGKILL when neither --time nor the container's --stop-timeout says (docker's)
 */
#define CTR_STOP_TIMEOUT_DEFAULT 10
/* how often a wait on a container's record looks again */
#define CTR_POLL_MS 10

/* Sleep CTR_POLL_MS. */
void ctr_poll_sleep(void);

struct ctr_ctx {
	struct ctr_store store;
	char *layers_dir;
	struct ctr_runtime rt; /* rt.path: --runtime or the default */
	bool *events_warned;   /* the command's: an event not written is said once */
};

struct cubo_error *ctr_ctx_open(struct mgr *m, struct ctr_ctx *c);
void ctr_ctx_close(struct ctr_ctx *c);

/*
 * An event about r for the journal (events/emit.h): extra holds "key",
 * "value" pairs, NULL-terminated (NULL: none). It never fails the command.
 */
void ctr_event(struct ctr_ctx *c, const struct ctr_record *r, const char *action,
	       const char *const *extra);
/* "kill" with docker's attribute: the signal's number. */
void ctr_event_kill(struct ctr_ctx *c, const struct ctr_record *r, const char *signal);

/* The runtime that runs r (the one it was made with). */
struct ctr_runtime ctr_runtime_of(const struct ctr_ctx *c, const struct ctr_record *r);

/* Full ID, unique prefix or name -> its record (repaired when its monitor died). */
struct cubo_error *ctr_find(struct ctr_ctx *c, const char *arg, struct ctr_record *out);

/* "Up 5 seconds", "Exited (1) 3 minutes ago", "Created", "Up 2 hours (Paused)". */
void ctr_status_text(const struct ctr_record *r, time_t now, char *buf, size_t size);
/* The same with its health: "Up 5 seconds (healthy)", "Up 1 second (health: starting)". */
void ctr_status_text_health(const struct ctr_record *r, enum health_status health, time_t now,
			    char *buf, size_t size);
/*
 * Its health as health.json says (starting before the first result); NONE
 * without a check, or for one never started.
 */
enum health_status ctr_health(const struct ctr_store *s, const struct ctr_record *r);
/*
 * The status to show of r, whose health.json says st (NONE: no file): starting
 * before the first result, unhealthy once it stopped (as docker's).
 */
enum health_status ctr_health_shown(const struct ctr_record *r, enum health_status st);

/*
 * Wait until the container's monitor reports its exit: *exit_code, or -1
 * when timeout_ms (-1: forever) passed first. A container with no monitor
 * is done already.
 */
struct cubo_error *ctr_wait_exit(struct ctr_ctx *c, const struct ctr_record *r, int timeout_ms,
				 int *exit_code);

/*
 * Stop a running container: signal (NULL: its stop signal; as kill(1)
 * takes it), then SIGKILL after timeout seconds (<0: its --stop-timeout,
 * else 10).
 */
struct cubo_error *ctr_stop(struct ctr_ctx *c, struct ctr_record *r, long timeout,
			    const char *signal);

/*
 * The disk a container's own files use (system df, prune): its upper/
 * directory, and rootfs/ where the layers were copied instead of mounted
 * (overlay's rootfs/ is mounted only in the monitor's namespace: empty here).
 * Unreadable parts count as nothing.
 */
uint64_t ctr_disk_size(const struct ctr_ctx *c, const char *id);

/*
 * The ports as bound while it runs (random host ports resolved); before its
 * first start what was asked; after it stopped, none, as docker shows them.
 */
char *const *ctr_shown_ports(const struct ctr_record *r);

#endif

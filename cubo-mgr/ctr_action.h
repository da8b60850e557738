/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Acting on the containers named on a command line (`rm a b c`), and the
 * actions more than one command takes: starting (start, restart), stopping
 * (stop, restart) and removing a record (rm, container prune). Containers
 * are named by full ID, unique ID prefix or name.
 */
#ifndef CUBO_MGR_CTR_ACTION_H
#define CUBO_MGR_CTR_ACTION_H

#include <stdbool.h>
#include <stddef.h>

#include "cubo-mgr/ctr_view.h"

typedef struct cubo_error *(*ctr_action)(struct ctr_ctx *c, struct ctr_record *r, void *ctx);

/*
 * Parse (cmd's count fields are set here: one container or more), open,
 * then act on every container argument; one failure does not stop the
 * rest. Each one acted on is printed, unless *silent (read once the flags
 * are parsed; NULL: never silent).
 */
int each_container(struct mgr *m, const struct mgr_cmd_spec *cmd, int argc, char **argv,
		   ctr_action fn, void *ctx, const bool *silent);

/* The loop of each_container, over arguments the caller parsed (and checked). */
int each_container_of(struct mgr *m, const struct cli_args *args, ctr_action fn, void *ctx,
		      const bool *silent);

struct detach_keys;

struct start_ctx {
	struct mgr *m;
	bool attach, interactive;
	const struct detach_keys *keys; /* start -a --detach-keys; NULL: the default */
	const char *checkpoint;		/* --checkpoint NAME: restore it (checkpoint.h) */
	const char *checkpoint_dir;	/* --checkpoint-dir; NULL: the container's */
	int exit_code;
};

/* Start r unless it runs; ctx is a struct start_ctx, its exit_code set when attached. */
struct cubo_error *ctr_start_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx);

struct stop_ctx {
	long timeout;
	bool force;
	char *signal;  /* -s, parsed ("SIGUSR1"); NULL: the container's stop signal */
	struct mgr *m; /* restart: for ctr_start_one */
};

/* Stop r; ctx is a struct stop_ctx. */
struct cubo_error *ctr_stop_one(struct ctr_ctx *c, struct ctr_record *r, void *ctx);

/*
 * each_container for stop and restart: signal is -s as given (NULL: none),
 * checked before any container is touched and kept in sc->signal.
 */
int each_container_stop(struct mgr *m, const struct mgr_cmd_spec *cmd, int argc, char **argv,
			ctr_action fn, struct stop_ctx *sc, const char *const *signal);

/* Remove r's record and directory, and with volumes its anonymous volumes. */
struct cubo_error *ctr_remove_record(struct ctr_ctx *c, struct ctr_record *r, bool volumes);

#endif

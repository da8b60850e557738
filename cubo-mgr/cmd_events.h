/* SPDX-License-Identifier: Apache-2.0 */
/* The event stream of `events` and `compose events`. */
#ifndef CUBO_MGR_CMD_EVENTS_H
#define CUBO_MGR_CMD_EVENTS_H

#include "cubo-mgr/mgr.h"

enum mgr_events_style {
	MGR_EVENTS_DOCKER,	 /* docker's lines, or --format's */
	MGR_EVENTS_COMPOSE,	 /* docker compose's lines, container events only */
	MGR_EVENTS_COMPOSE_JSON, /* docker compose --json's objects, container events only */
};

/*
 * The journal's events that pass filters ("KEY=VALUE", as --filter) and, with services,
 * are of one of those compose services (com.docker.compose.service), from since (or
 * what comes next) until until (or SIGINT/SIGTERM), printed in style (format: docker's
 * --format, for MGR_EVENTS_DOCKER). Returns the exit status; cmd names the command in
 * a usage error.
 */
int mgr_events_stream(struct mgr *m, const char *cmd, char *const *filters, char *const *services,
		      const char *since, const char *until, const char *format,
		      enum mgr_events_style style);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event journal: <root>/events/journal.log, one event a line (event.h),
 * appended by whichever process causes the event (the commands, the
 * container monitors) with one O_APPEND write, so lines of concurrent
 * writers never interleave. It is a log, not a record: never fsync'd.
 *
 * Bounded: a writer whose line takes the file past EV_JOURNAL_MAX renames it
 * to journal.log.1 under journal.lock (the older .1 goes), so the journal
 * holds at most about twice that. A writer that opened the file just before
 * a rotation writes into .1, where readers still find it.
 *
 * Reading goes through the rotation: .1 first, then the current file, and a
 * follower that sees the file renamed drains the old one before it moves to
 * the new. Lines that are not events (torn, garbage, too long) are skipped.
 */
#ifndef CUBO_MGR_EVENTS_JOURNAL_H
#define CUBO_MGR_EVENTS_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cubo-mgr/events/event.h"
#include "shared/error.h"

#define EV_JOURNAL_DIR "events"
#define EV_JOURNAL_FILE "journal.log"
/* the cap of journal.log before it rotates: 4 MiB, some 10000 events */
#define EV_JOURNAL_MAX (4u << 20)

/* Append e (its time now when e->time_ns is 0) to root's journal. */
struct cubo_error *ev_journal_append(const char *root, struct ev_event *e);

struct ev_reader {
	char *dir, *path;
	int old_fd; /* the rotated file, read to its end before fd; -1 */
	int fd;	    /* the current file; -1 while there is none */
	dev_t dev;
	ino_t ino;
	off_t pos;
	char *buf;
	size_t len;    /* bytes of a line not yet ended */
	bool skipping; /* inside a line too long to be an event */
};

/*
 * Open root's journal for reading (making its directory, so that it can be
 * watched before the first event): from its oldest line with from_start,
 * else from its end (only what comes next).
 */
struct cubo_error *ev_reader_open(const char *root, bool from_start, struct ev_reader *r);

typedef struct cubo_error *(*ev_fn)(const struct ev_event *e, void *ctx);

/* Call fn with each event written since the last call, in order. */
struct cubo_error *ev_reader_read(struct ev_reader *r, ev_fn fn, void *ctx);

void ev_reader_close(struct ev_reader *r);

#endif

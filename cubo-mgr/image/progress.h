/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-layer progress of a pull or push. On a terminal, one line per layer
 * redrawn in place five times a second (bytes, total, rate, a bar); otherwise
 * one line per layer when it is done, so logs stay short. Byte counters are
 * updated from the download threads without locks.
 *
 *	b71f96345d44: Downloading [=======>          ]  41.2MB/98.1MB  12.3MB/s
 *	b71f96345d44: Pull complete  98.1MB in 7.9s
 */
#ifndef CUBO_MGR_IMAGE_PROGRESS_H
#define CUBO_MGR_IMAGE_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "shared/error.h"

struct progress; /* opaque */

/*
 * n items, shown in order. out NULL: nothing is shown (--quiet), every call
 * is still valid. tty: redraw in place (start a drawing thread).
 */
struct cubo_error *progress_new(FILE *out, bool tty, size_t n, struct progress **res);
/* Name the item (a digest: shown as its first 12 hex digits) and its size. */
void progress_item_start(struct progress *p, size_t i, const char *digest, uint64_t total);
/* Bytes moved for item i; callable from any thread. */
void progress_item_add(struct progress *p, size_t i, uint64_t bytes);
/* Final state of item i ("Pull complete", "Already exists", "Failed"). */
void progress_item_done(struct progress *p, size_t i, const char *status);
/* Stop drawing, leave the final lines on screen, free p (NULL is fine). */
void progress_free(struct progress *p);

/* "0B", "999B", "1.00kB", "41.2MB", "1.34GB": decimal units, as docker prints. */
void progress_format_bytes(uint64_t bytes, char buf[16]);

/*
 * One line for an item, without the newline: used by the drawing code and
 * the tests. elapsed_ns 0 leaves the rate out.
 */
void progress_format_line(char *buf, size_t size, const char *digest, const char *status,
			  uint64_t done, uint64_t total, uint64_t elapsed_ns, bool bar);

#endif

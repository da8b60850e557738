/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Aligning tab-separated columns as Go's text/tabwriter does (which docker's
 * tables go through): a cell ends at a tab; a column's width is set over each
 * run of consecutive lines that have a cell in it, as the widest cell plus
 * padding, at least minwidth; a line's last cell (after its last tab) is not
 * aligned. Widths count UTF-8 characters.
 */
#ifndef CUBO_SHARED_TABWRITER_H
#define CUBO_SHARED_TABWRITER_H

#include <stddef.h>

/* The aligned text (malloc'd), cells padded with spaces. */
char *tabwriter_align(const char *text, size_t len, size_t minwidth, size_t padding);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tab-aligned columns: see tabwriter.h. One pass finds the runs of lines
 * sharing a column (a run of column j lies inside a run of column j-1, so
 * runs can be tracked as a stack), a second writes the cells out.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shared/strbuf.h"
#include "shared/tabwriter.h"
#include "shared/xalloc.h"

struct cell {
	size_t off, len, width;
	size_t run; /* index into the widths of runs (unused for a line's last cell) */
};

static size_t utf8_width(const char *s, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

char *tabwriter_align(const char *text, size_t len, size_t minwidth, size_t padding)
{
	struct cell *cells = NULL;
	size_t n_cells = 0, cap_cells = 0;
	size_t *line_end = NULL, n_lines = 0, cap_lines = 0; /* cell index after each line */
	size_t *run_width = NULL, n_runs = 0, cap_runs = 0;
	size_t *open = NULL, n_open = 0, cap_open = 0; /* the open run of each column */

	size_t start = 0, line_first = 0;
	for (size_t i = 0; i <= len; i++) {
		bool eol = i == len || text[i] == '\n';
		if (!eol && text[i] != '\t')
			continue;
		if (n_cells == cap_cells) {
			cap_cells = cap_cells ? 2 * cap_cells : 64;
			cells = xreallocarray(cells, cap_cells, sizeof(*cells));
		}
		struct cell *c = &cells[n_cells++];
		c->off = start;
		c->len = i - start;
		c->width = utf8_width(text + start, c->len);
		c->run = 0;
		start = i + 1;
		if (!eol)
			continue;
		/* the line's tab-terminated cells are columns 0..k-1 */
		size_t k = n_cells - line_first - 1;
		if (n_open > k)
			n_open = k;
		for (size_t j = 0; j < k; j++) {
			if (j >= n_open) {
				if (n_runs == cap_runs) {
					cap_runs = cap_runs ? 2 * cap_runs : 16;
					run_width =
						xreallocarray(run_width, cap_runs, sizeof(size_t));
				}
				run_width[n_runs] = minwidth;
				if (n_open == cap_open) {
					cap_open = cap_open ? 2 * cap_open : 16;
					open = xreallocarray(open, cap_open, sizeof(size_t));
				}
				open[n_open++] = n_runs++;
			}
			struct cell *cj = &cells[line_first + j];
			cj->run = open[j];
			if (cj->width + padding > run_width[cj->run])
				run_width[cj->run] = cj->width + padding;
		}
		if (n_lines == cap_lines) {
			cap_lines = cap_lines ? 2 * cap_lines : 64;
			line_end = xreallocarray(line_end, cap_lines, sizeof(size_t));
		}
		line_end[n_lines++] = n_cells;
		line_first = n_cells;
	}

	struct cubo_strbuf b = {0};
	size_t first = 0;
	for (size_t l = 0; l < n_lines; l++) {
		for (size_t c = first; c < line_end[l]; c++) {
			cubo_strbuf_add(&b, text + cells[c].off, cells[c].len);
			if (c + 1 == line_end[l])
				break;
			for (size_t w = cells[c].width; w < run_width[cells[c].run]; w++)
				cubo_strbuf_addc(&b, ' ');
		}
		first = line_end[l];
		if (l + 1 < n_lines)
			cubo_strbuf_addc(&b, '\n');
	}
	free(cells);
	free(line_end);
	free(run_width);
	free(open);
	return cubo_strbuf_take(&b);
}

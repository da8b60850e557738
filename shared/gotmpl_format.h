/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker's --format over gotmpl: a "table" prefix makes a header row (the
 * template run over the column titles) and aligned columns (tabwriter: at
 * least 10 wide, 3 spaces of padding); the two characters \t and \n in the
 * format stand for a tab and a newline; every object formatted gives one
 * line (the template's output and a newline).
 */
#ifndef CUBO_SHARED_GOTMPL_FORMAT_H
#define CUBO_SHARED_GOTMPL_FORMAT_H

#include <stdbool.h>

#include "shared/gotmpl.h"

/* docker's tabwriter settings for tables */
#define GOTMPL_TABLE_MINWIDTH 10
#define GOTMPL_TABLE_PADDING 3

struct gotmpl_format {
	struct gotmpl *tmpl;
	bool table;
	struct cubo_strbuf rows;
};

/* Parse a --format value (not "json": the caller handles it). */
struct cubo_error *gotmpl_format_init(struct gotmpl_format *f, const char *format);
/* Format one object. */
struct cubo_error *gotmpl_format_add(struct gotmpl_format *f, yajl_val obj);
/*
 * The text to print (malloc'd): the lines so far, for a table after a header
 * row made from titles (field name -> column title) and aligned.
 */
char *gotmpl_format_finish(struct gotmpl_format *f, yajl_val titles);
void gotmpl_format_free(struct gotmpl_format *f);

/* Whether a --format value asks for a table ("table", "table {{.ID}}"). */
bool gotmpl_format_is_table(const char *format);

#endif

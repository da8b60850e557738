/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go text/template, as docker's --format flags use it, evaluated over a
 * JSON tree (yajl): {{.Names}}, {{.State.Status}}, {{json .}},
 * {{range $k, $v := .Labels}}, {{if}}/{{else if}}, {{printf "%-10s" .ID}}...
 *
 * The JSON object stands for the Go struct docker would hand its template:
 * a member is a field, a missing member prints "<no value>" (as a missing
 * key of a Go map does). One method exists: `.Label "KEY"`, which reads
 * KEY from the receiver's "Labels" (an object, or docker's "k=v,k2=v2").
 *
 * Functions: Go's builtins (and or not len index slice print printf println
 * eq ne lt le gt ge) and docker's (json join split lower upper title
 * truncate pad).
 *
 * Templates are user input: parsing bounds nesting (GOTMPL_MAX_DEPTH) and
 * size; running bounds the work done and the bytes produced, so no template
 * runs for long or grows memory without limit. Errors read as Go's:
 *
 *   template: :1:9: unexpected "}" in operand  (columns from 0, as Go counts)
 *   template: :1:2: executing "" at <index .Names 5>: error calling index: index out of range: 5
 */
#ifndef CUBO_SHARED_GOTMPL_H
#define CUBO_SHARED_GOTMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <yajl/yajl_tree.h>

#include "shared/error.h"
#include "shared/strbuf.h"

/* Nesting of control structures and parentheses, together. */
#define GOTMPL_MAX_DEPTH 100
/* Variables in scope at once (each lookup looks through them). */
#define GOTMPL_MAX_VARS 1000
/* Longest template accepted. */
#define GOTMPL_MAX_TEXT (1024 * 1024)
/* Steps (actions, calls, iterations) one execution may take. */
#define GOTMPL_MAX_STEPS (5 * 1000 * 1000)
/* Bytes one execution may produce, output and intermediate strings together. */
#define GOTMPL_MAX_BYTES (64 * 1024 * 1024)

struct gotmpl;

/* Parse text (len bytes, need not be NUL-terminated). */
struct cubo_error *gotmpl_parse(const char *text, size_t len, struct gotmpl **out);
void gotmpl_free(struct gotmpl *t);

/*
 * Run t with dot (and $) set to data, appending to out. On error, what was
 * appended so far stays (as Go's Execute leaves partial output).
 */
struct cubo_error *gotmpl_exec(const struct gotmpl *t, yajl_val data, struct cubo_strbuf *out);

/*
 * Run t for a table's header row: data maps field names to column titles,
 * and docker's header functions (json, join, split, lower, upper, title,
 * truncate) pass their argument through unchanged.
 */
struct cubo_error *gotmpl_exec_header(const struct gotmpl *t, yajl_val data,
				      struct cubo_strbuf *out);

#endif

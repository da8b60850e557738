/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The --format flag of the listing and inspecting commands, docker's way:
 * nothing or "table" (the command's own table), "json" (one JSON object a
 * line), or a Go template (shared/gotmpl.h) run over each object's JSON,
 * "table " before it for a header row and aligned columns.
 */
#ifndef CUBO_MGR_FORMAT_H
#define CUBO_MGR_FORMAT_H

#include <stddef.h>

#include "cubo-mgr/mgr.h"
#include "shared/gotmpl_format.h"

struct cubo_json_gen;

enum mgr_format_kind { MGR_FORMAT_DEFAULT, MGR_FORMAT_JSON, MGR_FORMAT_TEMPLATE };

struct mgr_format {
	enum mgr_format_kind kind;
	struct gotmpl_format tf;
};

/* A column's title in a table's header row, docker's: {"ID", "CONTAINER ID"}. */
struct mgr_title {
	const char *field, *title;
};

/* v's strings joined with sep ("" for NULL), as docker's rows show lists ("a=1,b=2"). */
char *mgr_format_join(char *const *v, const char *sep);

/* A generator with an object opened, for a row to close and mgr_format_add; NULL if none. */
struct cubo_json_gen *mgr_format_object(void);

/* Read a --format value; an error names the template mistake ("--format: template: :1:5: ..."). */
struct cubo_error *mgr_format_open(const char *format, struct mgr_format *f);

/*
 * One object, the document of g (finished and freed here): printed as a
 * JSON line, or formatted for mgr_format_flush(). Nothing for DEFAULT.
 */
struct cubo_error *mgr_format_add(struct mgr_format *f, struct cubo_json_gen *g);

/* Print what the template made: a table under its header row, aligned. */
void mgr_format_flush(struct mgr_format *f, const struct mgr_title *titles, size_t n_titles);

void mgr_format_close(struct mgr_format *f);

struct cli_args;
/*
 * A listing command's preamble: mgr_parse_args, then mgr_format_open of
 * *format as the flags left it (a template mistake is a usage error of
 * spec->name). -1 to go on with *f open; else the exit status.
 */
int mgr_parse_format(struct mgr *m, const struct mgr_cmd_spec *spec, int argc, char **argv,
		     struct cli_args *args, const char *const *format, struct mgr_format *f);

/* An inspect object written into g; for mgr_gen_text, which makes it a mgr_json_fn. */
typedef struct cubo_error *(*mgr_gen_fn)(void *ctx, const char *name, struct cubo_json_gen *g);
struct mgr_gen_ctx {
	mgr_gen_fn fn;
	void *ctx;
};
/* A mgr_json_fn over a struct mgr_gen_ctx: the object fn writes, as text. */
struct cubo_error *mgr_gen_text(struct mgr *m, void *ctx, const char *name, char **json);

/*
 * inspect's output: with no format or "json", docker's JSON array (see
 * mgr_print_json_array); with a template, its output and a newline for each
 * object. Returns the exit status: 125 for a bad template (a usage error of
 * cmd) or when an object failed.
 */
int mgr_format_inspect(struct mgr *m, const char *cmd, const char *format, char *const *names,
		       int n, mgr_json_fn fn, void *ctx);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inside of shared/gotmpl: the parsed tree (gotmpl_parse.c), the values
 * a running template handles and the functions over them (gotmpl_value.c,
 * gotmpl_funcs.c, gotmpl_printf.c), the evaluator (gotmpl_exec.c).
 */
#ifndef CUBO_SHARED_GOTMPL_INT_H
#define CUBO_SHARED_GOTMPL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/gotmpl.h"
#include "shared/strbuf.h"

/* ---- the tree ---- */

enum gt_arg_kind {
	GA_DOT,
	GA_NIL,
	GA_BOOL,
	GA_NUMBER,
	GA_STRING,
	GA_FIELD, /* .A.B: fields from dot */
	GA_VAR,	  /* $x.A.B */
	GA_FUNC,  /* an identifier: a function */
	GA_PIPE,  /* (pipeline).A.B */
};

struct gt_pipe;

struct gt_arg {
	enum gt_arg_kind kind;
	size_t pos, end; /* byte span in the template, for errors */
	bool b;
	bool is_int; /* GA_NUMBER: written as an integer (else a float) */
	int64_t i;
	double f;
	char *s; /* string literal, variable or function name */
	size_t slen;
	struct gt_pipe *pipe;
	char **fields; /* the field chain after the term */
	size_t n_fields;
};

struct gt_cmd {
	struct gt_arg *args;
	size_t n;
	size_t pos, end;
};

struct gt_pipe {
	size_t pos;
	char *decl[2]; /* declared or assigned variables ("$x") */
	size_t n_decl;
	bool assign; /* = rather than := */
	struct gt_cmd *cmds;
	size_t n_cmds;
};

enum gt_node_kind { GT_TEXT, GT_ACTION, GT_IF, GT_RANGE, GT_WITH, GT_BREAK, GT_CONTINUE };

struct gt_node;

struct gt_list {
	struct gt_node *v;
	size_t n;
};

struct gt_node {
	enum gt_node_kind kind;
	size_t pos;
	const char *text; /* GT_TEXT: into the template's copy */
	size_t len;
	struct gt_pipe *pipe;
	struct gt_list list, else_list;
};

struct gotmpl {
	char *src; /* the template, for positions and text nodes */
	size_t len;
	struct gt_list root;
};

/* "LINE:COL" of a byte offset in t's text, into buf. */
void gt_position(const char *src, size_t len, size_t pos, char *buf, size_t size);

/* ---- values ---- */

enum gv_kind {
	GV_NIL, /* Go's invalid value: a missing key, JSON null */
	GV_BOOL,
	GV_INT,
	GV_FLOAT,
	GV_STR,	 /* owned */
	GV_JSON, /* an object or array of the data (borrowed) */
	GV_LIST, /* owned strings (split's result, slices) */
};

struct gv {
	enum gv_kind k;
	bool b;
	int64_t i;
	double f;
	char *s; /* GV_STR */
	size_t len;
	yajl_val j;  /* GV_JSON */
	char **list; /* GV_LIST */
	size_t n;    /* GV_LIST */
};

struct gv gv_nil(void);
struct gv gv_bool(bool b);
struct gv gv_int(int64_t i);
struct gv gv_float(double f);
struct gv gv_str(const char *s, size_t len); /* copies */
struct gv gv_str_take(char *s, size_t len);  /* takes s */
struct gv gv_from_json(yajl_val v);
struct gv gv_dup(const struct gv *v);
void gv_free(struct gv *v);
bool gv_truth(const struct gv *v);
/* Go's name of the value's type: "string", "int", "map[string]interface {}"... */
const char *gv_type_name(const struct gv *v);
/* Print as Go's fmt %v does; top: a nil prints "<no value>" (else "<nil>"). */
void gv_print(struct cubo_strbuf *b, const struct gv *v, bool top);
/* The UTF-8 encoding of a code point (U+FFFD for what is none). */
void gv_put_utf8(struct cubo_strbuf *b, int64_t cp);
/* Go's float formatting of %v: shortest digits, exponent from 1e+06 on. */
void gv_print_float(struct cubo_strbuf *b, double f);
/* Members of an object in Go's order (sorted keys): indices into u.object, caller frees. */
size_t *gv_sorted_keys(yajl_val obj);
/* JSON text of the value, as docker's json function writes it. */
char *gv_json(const struct gv *v);

/* ---- running ---- */

struct gt_var {
	char *name;
	struct gv v;
};

struct gt_exec {
	const struct gotmpl *t;
	struct cubo_strbuf *out;
	struct gt_var *vars;
	size_t n_vars, cap_vars;
	uint64_t steps, bytes;
	bool header; /* docker's header functions */
	char *err;   /* the first error, without its "template: " prefix */
	size_t err_pos, err_end;
};

/* Record an error at the span [pos, end); returns false for `return gt_fail(...)`. */
bool gt_fail(struct gt_exec *e, size_t pos, size_t end, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Count produced bytes against GOTMPL_MAX_BYTES (false: the limit is hit). */
bool gt_charge(struct gt_exec *e, size_t pos, size_t end, size_t bytes);

typedef bool (*gt_func)(struct gt_exec *e, const struct gt_cmd *c, struct gv *args, size_t n,
			struct gv *out);

/* The function called name; NULL when there is none. and/or are not here (lazy). */
gt_func gt_func_lookup(const char *name);
/* Whether name is a function a template may call (including and, or). */
bool gt_func_exists(const char *name);

/* Go's fmt.Sprintf over values; false (with e's error) when too much output. */
bool gt_sprintf(struct gt_exec *e, const struct gt_cmd *c, const char *fmt, size_t fmt_len,
		struct gv *args, size_t n, struct cubo_strbuf *out);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A TOML 1.0 parser (https://toml.io/en/v1.0.0), all of the language, into a
 * tree of values that remember where they were written, so that whoever reads
 * the tree can point at the line and column of a value it does not like.
 *
 * Errors read "Cubofile.toml:3:7: expected \"=\" after key \"name\"": the
 * source name, the 1-based line and column (in characters, not bytes) and
 * what is wrong. Tables and arrays nest at most TOML_MAX_DEPTH levels deep,
 * so neither the parser nor a reader recursing over the tree can run out of
 * stack.
 */
#ifndef CUBO_SHARED_TOML_H
#define CUBO_SHARED_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"

#define TOML_MAX_DEPTH 128

enum toml_type {
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME,
	TOML_ARRAY,
	TOML_TABLE,
};

enum toml_datetime_kind {
	TOML_OFFSET_DATETIME, /* 1979-05-27T07:32:00-07:00 */
	TOML_LOCAL_DATETIME,  /* 1979-05-27T07:32:00 */
	TOML_LOCAL_DATE,      /* 1979-05-27 */
	TOML_LOCAL_TIME,      /* 07:32:00.5 */
};

struct toml_datetime {
	enum toml_datetime_kind kind;
	int year, month, day;	  /* 0 in a local time */
	int hour, minute, second; /* 0 in a local date; second can be 60 (a leap second) */
	int nanosecond;		  /* the fraction; digits after the ninth are dropped */
	int offset_minutes;	  /* east of UTC, "Z" is 0: offset date-times only */
};

struct toml_entry {
	char *key;	/* NUL-terminated; a quoted key can hold NULs ("\u0000"): key_len */
	size_t key_len; /* bytes */
	int line, col;	/* where the key (its last dotted part) was written */
	struct toml_value *value;
};

struct toml_value {
	enum toml_type type;
	/*
	 * Where the value starts; for a table made by a [header] or [[header]],
	 * where that header is; for a table made by a dotted key or as the
	 * parent in a header ([a] in [a.b]), where that key part is.
	 */
	int line, col;
	union {
		struct {
			char *s; /* NUL-terminated; may contain NULs: len counts bytes */
			size_t len;
		} string;
		int64_t integer;
		double fp; /* also inf, -inf, nan */
		bool boolean;
		struct toml_datetime datetime;
		struct {
			struct toml_value **v;
			size_t n;
		} array;
		struct {
			struct toml_entry *v; /* in the order the keys first appear */
			size_t n;
		} table;
	};
};

/*
 * Parse text (len bytes, need not be NUL-terminated) into *root, a
 * TOML_TABLE. source names the text in errors. On error *root is NULL.
 */
struct cubo_error *toml_parse(const char *text, size_t len, const char *source,
			      struct toml_value **root);

/* The value of key in table, or NULL (also when table is not a table). */
const struct toml_value *toml_table_get(const struct toml_value *table, const char *key);

/* "string", "integer", "float", "boolean", "datetime", "array", "table". */
const char *toml_type_name(enum toml_type t);

/* Free a tree toml_parse made; NULL is fine. */
void toml_free(struct toml_value *v);

#endif

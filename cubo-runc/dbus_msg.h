/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The D-Bus wire format (https://dbus.freedesktop.org/doc/dbus-specification.html,
 * "Message Protocol"): what the systemd cgroup driver needs to talk to
 * systemd without linking libsystemd, whose loading alone would add about
 * 2 ms to every run of the runtime. Pure: no I/O.
 *
 * Writing: messages go out little-endian. A dbus_writer grows a buffer and
 * keeps the alignment rules; it never fails midway (an allocation failure
 * aborts, as the JSON helpers do).
 *
 * Reading: a message from the other side is hostile until checked. Every
 * read is bounds-checked; strings must be NUL-terminated at their length
 * and hold no NUL; nesting stops at DBUS_MAX_DEPTH; a message is at most
 * DBUS_MAX_MESSAGE bytes. Either byte order is read.
 */
#ifndef CUBO_RUNC_DBUS_MSG_H
#define CUBO_RUNC_DBUS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"

enum dbus_msg_type {
	DBUS_METHOD_CALL = 1,
	DBUS_METHOD_RETURN = 2,
	DBUS_ERROR = 3,
	DBUS_SIGNAL = 4,
};

/* systemd's replies are small: a cap far above them keeps a bad peer's size claims harmless */
#define DBUS_MAX_MESSAGE (1 << 20)
/* the specification's limit: 32 arrays plus 32 structs */
#define DBUS_MAX_DEPTH 64
/* the fixed part of the header, and the header-field array's length after it */
#define DBUS_FIXED_HEADER 16

/* ---- writing ---- */

struct dbus_writer {
	uint8_t *buf;
	size_t len, cap;
};

void dbus_w_free(struct dbus_writer *w);
void dbus_w_byte(struct dbus_writer *w, uint8_t v);
void dbus_w_bool(struct dbus_writer *w, bool v);
void dbus_w_u32(struct dbus_writer *w, uint32_t v);
void dbus_w_u64(struct dbus_writer *w, uint64_t v);
/* "s" and "o": the caller has checked them (dbus_valid_path for "o") */
void dbus_w_string(struct dbus_writer *w, const char *s);
void dbus_w_signature(struct dbus_writer *w, const char *sig);
/*
 * An array: begin returns where its length goes; end writes it. elem_align
 * is the alignment of the element type (8 for structs and dict entries);
 * the padding to the first element is there even when the array is empty,
 * as the format requires, and is not counted in the length.
 */
size_t dbus_w_array_begin(struct dbus_writer *w, size_t elem_align);
void dbus_w_array_end(struct dbus_writer *w, size_t mark, size_t elem_align);
/* A struct or dict entry starts on 8. */
void dbus_w_struct_begin(struct dbus_writer *w);
/* A variant: its signature, then the caller writes the one value. */
void dbus_w_variant(struct dbus_writer *w, const char *sig);

/* What a call or signal carries besides its body. */
struct dbus_header {
	enum dbus_msg_type type;
	uint8_t flags;
	uint32_t serial;
	uint32_t reply_serial; /* 0: none */
	const char *path, *interface, *member, *error_name, *destination, *sender;
	const char *signature; /* of the body; NULL or "" when it is empty */
};

#define DBUS_FLAG_NO_REPLY_EXPECTED 0x1

/* The whole message, header then body (body's alignment is relative to its start). */
void dbus_msg_encode(const struct dbus_header *h, const struct dbus_writer *body,
		     struct dbus_writer *out);

/* ---- reading ---- */

struct dbus_reader {
	const uint8_t *p;
	size_t len, pos;
	bool big_endian;
};

struct cubo_error *dbus_r_byte(struct dbus_reader *r, uint8_t *v);
struct cubo_error *dbus_r_bool(struct dbus_reader *r, bool *v);
struct cubo_error *dbus_r_u32(struct dbus_reader *r, uint32_t *v);
struct cubo_error *dbus_r_u64(struct dbus_reader *r, uint64_t *v);
/* "s" and "o" (the text stays in the message) */
struct cubo_error *dbus_r_string(struct dbus_reader *r, const char **s);
struct cubo_error *dbus_r_signature(struct dbus_reader *r, const char **sig);
/* An array: its end offset, for `while (r->pos < end)`. */
struct cubo_error *dbus_r_array(struct dbus_reader *r, size_t elem_align, size_t *end);
struct cubo_error *dbus_r_struct(struct dbus_reader *r);
/* Skip one complete value of the single complete type at the start of *sig; *sig moves past it. */
struct cubo_error *dbus_r_skip(struct dbus_reader *r, const char **sig);

/* A message as read: pointers into raw, which the caller owns. */
struct dbus_msg {
	struct dbus_header h;
	const uint8_t *body;
	size_t body_len;
	bool big_endian;
};

/*
 * How long the message starting in buf is, once the first DBUS_FIXED_HEADER
 * bytes are there; an error when they cannot start a message or announce
 * more than DBUS_MAX_MESSAGE.
 */
struct cubo_error *dbus_msg_size(const uint8_t *buf, size_t have, size_t *total);
/* Parse a whole message (len as dbus_msg_size said). */
struct cubo_error *dbus_msg_parse(const uint8_t *raw, size_t len, struct dbus_msg *out);
/* A reader over the body. */
struct dbus_reader dbus_msg_body(const struct dbus_msg *m);

/* An object path: "/" or "/a/b_c", [A-Za-z0-9_] elements, no empty one. */
bool dbus_valid_path(const char *p);
/* A signature: complete types only, at most 255 bytes, nesting within DBUS_MAX_DEPTH. */
bool dbus_valid_signature(const char *sig);

#endif

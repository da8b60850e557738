/* SPDX-License-Identifier: Apache-2.0 */
/*
 * D-Bus messages as systemd or a bus daemon would send them, or not:
 * dbus_msg_size and dbus_msg_parse on any bytes. What parses must keep the
 * parser's promises: a size that is the length, header fields of their
 * types, a valid signature, and a body that a second walk over the
 * signature ends exactly at its end. Re-encoding a parsed call or signal and
 * parsing it again gives the same header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/dbus_msg.h"
#include "tests/fuzz/fuzz.h"

static void same(const char *a, const char *b, const char *what)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
		FUZZ_FAIL("%s differs after a round trip", what);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	size_t total;
	struct cubo_error *err = dbus_msg_size(data, size, &total);
	if (err) {
		fuzz_drop(err);
		return 0;
	}
	if (total > DBUS_MAX_MESSAGE)
		FUZZ_FAIL("size %zu past the cap", total);
	struct dbus_msg m;
	err = dbus_msg_parse(data, size, &m);
	if (err) {
		fuzz_drop(err);
		return 0;
	}
	if (total != size)
		FUZZ_FAIL("parsed %zu bytes of a %zu-byte message", size, total);
	if (m.h.path && !dbus_valid_path(m.h.path))
		FUZZ_FAIL("bad path kept");
	const char *sig = m.h.signature ? m.h.signature : "";
	if (!dbus_valid_signature(sig))
		FUZZ_FAIL("bad signature kept");
	struct dbus_reader r = dbus_msg_body(&m);
	while (*sig)
		fuzz_must(dbus_r_skip(&r, &sig), "walking a checked body");
	if (r.pos != r.len)
		FUZZ_FAIL("body walk ended at %zu of %zu", r.pos, r.len);

	struct dbus_writer body = {0}, out = {0};
	if (m.body_len && !m.big_endian) {
		body.buf = malloc(m.body_len);
		if (!body.buf)
			abort();
		memcpy(body.buf, m.body, m.body_len);
		body.len = body.cap = m.body_len;
	}
	if (!m.big_endian) {
		dbus_msg_encode(&m.h, &body, &out);
		struct dbus_msg again;
		fuzz_must(dbus_msg_parse(out.buf, out.len, &again), "parsing a re-encoded message");
		if (again.h.type != m.h.type || again.h.serial != m.h.serial ||
		    again.h.reply_serial != m.h.reply_serial || again.body_len != m.body_len)
			FUZZ_FAIL("header differs after a round trip");
		same(again.h.path, m.h.path, "path");
		same(again.h.member, m.h.member, "member");
		same(again.h.interface, m.h.interface, "interface");
		same(again.h.error_name, m.h.error_name, "error name");
	}
	dbus_w_free(&body);
	dbus_w_free(&out);
	return 0;
}

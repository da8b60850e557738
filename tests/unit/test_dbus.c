/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/dbus_msg.c, cubo-runc/dbus_conn.c, cubo-runc/systemd_manager.c */
/*
 * The D-Bus client: the wire format both ways (pure), hostile messages
 * refused, and the connection against a real dbus-daemon started for the
 * test (calls, error replies, a signal that arrives while a call waits, and
 * a systemd-shaped StartTransientUnit body the daemon must find well-formed).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-runc/dbus_conn.h"
#include "cubo-runc/dbus_msg.h"
#include "cubo-runc/systemd_manager.h"
#include "cubo-runc/systemd_unit.h"
#include "tests/unit/helpers.h"

static void encode_call(const char *sig, const struct dbus_writer *body, struct dbus_writer *out)
{
	struct dbus_header h = {.type = DBUS_METHOD_CALL,
				.serial = 7,
				.path = "/org/freedesktop/systemd1",
				.interface = "org.freedesktop.systemd1.Manager",
				.member = "StartTransientUnit",
				.destination = "org.freedesktop.systemd1",
				.signature = sig};
	dbus_msg_encode(&h, body, out);
}

static void fail_parse(const uint8_t *raw, size_t len, const char *want)
{
	struct dbus_msg m;
	struct cubo_error *err = dbus_msg_parse(raw, len, &m);
	if (!err)
		fail_msg("parsed, though it should fail with \"%s\"", want);
	if (!strstr(err->msg, want))
		fail_msg("\"%s\" does not say \"%s\"", err->msg, want);
	cubo_error_free(err);
}

/* Fixed-header bytes as the specification lays them out. */
static void test_header_bytes(void **state)
{
	struct dbus_writer body = {0}, out = {0};
	dbus_w_string(&body, "x");
	struct dbus_header h = {.type = DBUS_SIGNAL,
				.serial = 0x01020304,
				.path = "/a",
				.interface = "b.c",
				.member = "D",
				.signature = "s"};
	dbus_msg_encode(&h, &body, &out);
	const uint8_t fixed[] = {'l', 4, 0, 1, 6, 0, 0, 0, 4, 3, 2, 1};
	assert_memory_equal(out.buf, fixed, sizeof(fixed));
	/* path field first: code 1, signature "o", then "/a" at offset 24 */
	const uint8_t path_field[] = {1, 1, 'o', 0, 2, 0, 0, 0, '/', 'a', 0};
	assert_memory_equal(out.buf + 16, path_field, sizeof(path_field));
	assert_int_equal(out.len % 8, (8 + 6) % 8); /* header padded to 8, then the body */
	size_t total;
	assert_null(dbus_msg_size(out.buf, out.len, &total));
	assert_int_equal(total, out.len);
	struct dbus_msg m;
	assert_null(dbus_msg_parse(out.buf, out.len, &m));
	assert_int_equal(m.h.type, DBUS_SIGNAL);
	assert_int_equal(m.h.serial, 0x01020304);
	assert_string_equal(m.h.path, "/a");
	assert_string_equal(m.h.interface, "b.c");
	assert_string_equal(m.h.member, "D");
	assert_string_equal(m.h.signature, "s");
	struct dbus_reader r = dbus_msg_body(&m);
	const char *s;
	assert_null(dbus_r_string(&r, &s));
	assert_string_equal(s, "x");
	dbus_w_free(&body);
	dbus_w_free(&out);
}

/* What the systemd driver sends reads back exactly, and skips as one body. */
static void test_start_args_round_trip(void **state)
{
	struct systemd_unit u = {.slice = (char *)"machine.slice", .unit = (char *)"cubo-c1.scope"};
	uint8_t mask[] = {0x0f};
	struct systemd_prop pv[] = {
		{.name = "MemoryMax", .type = SYSTEMD_PROP_U64, .u64 = 268435456},
		{.name = "Delegate", .type = SYSTEMD_PROP_BOOL, .b = true},
		{.name = "AllowedCPUs", .type = SYSTEMD_PROP_BYTES, .bytes = mask, .n_bytes = 1},
	};
	struct systemd_props props = {.v = pv, .n = 3};
	struct dbus_writer body = {0}, out = {0};
	systemd_manager_start_args(&u, &props, 4242, "cubo container c1", &body);
	encode_call("ssa(sv)a(sa(sv))", &body, &out);
	struct dbus_msg m;
	assert_null(dbus_msg_parse(out.buf, out.len, &m));
	struct dbus_reader r = dbus_msg_body(&m);
	const char *s, *sig;
	assert_null(dbus_r_string(&r, &s));
	assert_string_equal(s, "cubo-c1.scope");
	assert_null(dbus_r_string(&r, &s));
	assert_string_equal(s, "replace");
	size_t end;
	assert_null(dbus_r_array(&r, 8, &end));
	const char *names[] = {"Description",	   "Slice",	    "DefaultDependencies",
			       "MemoryAccounting", "CPUAccounting", "IOAccounting",
			       "TasksAccounting",  "PIDs",	    "MemoryMax",
			       "Delegate",	   "AllowedCPUs"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_true(r.pos < end);
		assert_null(dbus_r_struct(&r));
		assert_null(dbus_r_string(&r, &s));
		assert_string_equal(s, names[i]);
		assert_null(dbus_r_signature(&r, &sig));
		if (!strcmp(s, "PIDs")) {
			assert_string_equal(sig, "au");
			size_t pend;
			uint32_t pid;
			assert_null(dbus_r_array(&r, 4, &pend));
			assert_null(dbus_r_u32(&r, &pid));
			assert_int_equal(pid, 4242);
			assert_int_equal(r.pos, pend);
		} else if (!strcmp(s, "MemoryMax")) {
			uint64_t v;
			assert_string_equal(sig, "t");
			assert_null(dbus_r_u64(&r, &v));
			assert_int_equal(v, 268435456);
		} else if (!strcmp(sig, "b")) {
			bool b;
			assert_null(dbus_r_bool(&r, &b));
			/* all on, but the implicit dependencies */
			assert_int_equal(b, strcmp(s, "DefaultDependencies") != 0);
		} else if (!strcmp(s, "AllowedCPUs")) {
			assert_string_equal(sig, "ay");
			size_t bend;
			uint8_t byte;
			assert_null(dbus_r_array(&r, 1, &bend));
			assert_null(dbus_r_byte(&r, &byte));
			assert_int_equal(byte, 0x0f);
			assert_int_equal(r.pos, bend);
		} else {
			assert_string_equal(sig, "s");
			assert_null(dbus_r_string(&r, &s));
		}
	}
	assert_int_equal(r.pos, end);
	assert_null(dbus_r_array(&r, 8, &end));
	assert_int_equal(r.pos, end); /* no auxiliary units */
	assert_int_equal(r.pos, r.len);
	/* and the generic walk agrees on where the body ends */
	r = dbus_msg_body(&m);
	const char *walk = m.h.signature;
	while (*walk)
		assert_null(dbus_r_skip(&r, &walk));
	assert_int_equal(r.pos, r.len);
	dbus_w_free(&body);
	dbus_w_free(&out);
}

/* SetUnitProperties leaves Delegate out: systemd refuses to change it on a running unit. */
static void test_set_args(void **state)
{
	struct systemd_prop pv[] = {
		{.name = "Delegate", .type = SYSTEMD_PROP_BOOL, .b = true},
		{.name = "TasksMax", .type = SYSTEMD_PROP_U64, .u64 = 100},
	};
	struct systemd_props props = {.v = pv, .n = 2};
	struct dbus_writer w = {0};
	systemd_manager_props_args(&props, &w);
	struct dbus_reader r = {.p = w.buf, .len = w.len};
	size_t end;
	const char *s, *sig;
	uint64_t v;
	assert_null(dbus_r_array(&r, 8, &end));
	assert_null(dbus_r_struct(&r));
	assert_null(dbus_r_string(&r, &s));
	assert_string_equal(s, "TasksMax");
	assert_null(dbus_r_signature(&r, &sig));
	assert_null(dbus_r_u64(&r, &v));
	assert_int_equal(v, 100);
	assert_int_equal(r.pos, end);
	dbus_w_free(&w);
}

/* A big-endian message (as s390x sends) reads the same. */
static void test_big_endian(void **state)
{
	/* "B", return, flags 0, v1, body 4, serial 2; fields: REPLY_SERIAL u 7, SIGNATURE g "u" */
	const uint8_t raw[] = {'B', 2, 0, 1, 0, 0, 0, 4, 0,   0, 0, 2,	 0, 0, 0, 0x0f, 5, 1,
			       'u', 0, 0, 0, 0, 7, 8, 1, 'g', 0, 1, 'u', 0, 0, 0, 0,	0, 0x2a};
	struct dbus_msg m;
	uint8_t buf[sizeof(raw)];
	memcpy(buf, raw, sizeof(raw));
	assert_null(dbus_msg_parse(buf, sizeof(buf), &m));
	assert_int_equal(m.h.type, DBUS_METHOD_RETURN);
	assert_int_equal(m.h.reply_serial, 7);
	struct dbus_reader r = dbus_msg_body(&m);
	uint32_t v;
	assert_null(dbus_r_u32(&r, &v));
	assert_int_equal(v, 42);
}

/* Hostile bytes: every one refused with a reason, nothing read out of bounds (ASan, valgrind). */
static void test_hostile(void **state)
{
	struct dbus_writer body = {0}, out = {0};
	dbus_w_string(&body, "unit.scope");
	encode_call("s", &body, &out);
	uint8_t *b = malloc(out.len);

	/* every truncation */
	for (size_t n = 0; n < out.len; n++) {
		struct dbus_msg m;
		memcpy(b, out.buf, n);
		th_expect_failure(dbus_msg_parse(b, n, &m));
	}
	/* a size claim past the cap */
	memcpy(b, out.buf, out.len);
	b[7] = 0x7f;
	size_t total;
	th_expect_msg(dbus_msg_size(b, out.len, &total), "more than");
	/* not D-Bus at all */
	memcpy(b, out.buf, out.len);
	b[0] = 'x';
	fail_parse(b, out.len, "not a version 1 message");
	/* the body's string loses its NUL */
	memcpy(b, out.buf, out.len);
	b[out.len - 1] = 'x';
	fail_parse(b, out.len, "not terminated");
	/* its length points past the end, or short of it */
	memcpy(b, out.buf, out.len);
	b[out.len - 15] = 0x40;
	fail_parse(b, out.len, "bytes needed");
	memcpy(b, out.buf, out.len);
	b[out.len - 15] = 4;
	fail_parse(b, out.len, "not terminated");
	/* more bytes than the signature's values */
	struct dbus_writer extra = {0}, with_extra = {0};
	dbus_w_string(&extra, "unit.scope");
	dbus_w_u32(&extra, 5);
	encode_call("s", &extra, &with_extra);
	fail_parse(with_extra.buf, with_extra.len, "after the body's values");
	dbus_w_free(&extra);
	dbus_w_free(&with_extra);
	/* serial 0 */
	memcpy(b, out.buf, out.len);
	memset(b + 8, 0, 4);
	fail_parse(b, out.len, "serial 0");
	/* nonzero padding between the header fields and the body */
	memcpy(b, out.buf, out.len);
	size_t fields_end = 16 + (b[12] | b[13] << 8 | b[14] << 16 | (size_t)b[15] << 24);
	assert_true(fields_end % 8 != 0); /* this message has some */
	b[fields_end] = 1;
	fail_parse(b, out.len, "padding");
	free(b);
	dbus_w_free(&out);

	/* a header field of the wrong type: MEMBER as a uint32 */
	struct dbus_writer bad = {0};
	dbus_w_byte(&bad, 'l');
	dbus_w_byte(&bad, DBUS_METHOD_CALL);
	dbus_w_byte(&bad, 0);
	dbus_w_byte(&bad, 1);
	dbus_w_u32(&bad, 0);
	dbus_w_u32(&bad, 1);
	size_t a = dbus_w_array_begin(&bad, 8);
	dbus_w_struct_begin(&bad);
	dbus_w_byte(&bad, 3);
	dbus_w_variant(&bad, "u");
	dbus_w_u32(&bad, 9);
	dbus_w_array_end(&bad, a, 8);
	dbus_w_struct_begin(&bad);
	fail_parse(bad.buf, bad.len, "header field 3 of type \"u\"");
	dbus_w_free(&bad);
	/* a call without PATH and MEMBER */
	struct dbus_header h = {.type = DBUS_METHOD_CALL, .serial = 3};
	dbus_msg_encode(&h, &(struct dbus_writer){0}, &bad);
	fail_parse(bad.buf, bad.len, "without its required header fields");
	dbus_w_free(&bad);
	dbus_w_free(&body);
}

static void test_signatures(void **state)
{
	assert_true(dbus_valid_signature(""));
	assert_true(dbus_valid_signature("ssa(sv)a(sa(sv))"));
	assert_true(dbus_valid_signature("a{sv}uoss"));
	assert_false(dbus_valid_signature("a"));
	assert_false(dbus_valid_signature("()"));
	assert_false(dbus_valid_signature("(s"));
	assert_false(dbus_valid_signature("{sv}"));   /* a dict entry outside an array */
	assert_false(dbus_valid_signature("a{vs}"));  /* a key that is no basic type */
	assert_false(dbus_valid_signature("a{sss}")); /* three in an entry */
	assert_false(dbus_valid_signature("z"));
	char deep[200];
	memset(deep, 'a', 100);
	strcpy(deep + 100, "u");
	assert_false(dbus_valid_signature(deep)); /* deeper than the limit */
	memset(deep, 'a', 30);
	strcpy(deep + 30, "u");
	assert_true(dbus_valid_signature(deep));
	assert_true(dbus_valid_path("/"));
	assert_true(dbus_valid_path("/org/freedesktop/systemd1/job/12"));
	assert_false(dbus_valid_path(""));
	assert_false(dbus_valid_path("org"));
	assert_false(dbus_valid_path("/a/"));
	assert_false(dbus_valid_path("/a//b"));
	assert_false(dbus_valid_path("/a-b"));
	assert_false(dbus_valid_path(NULL));
}

/* Variants nested past the limit are refused, not followed down the stack. */
static void test_variant_bomb(void **state)
{
	struct dbus_writer w = {0};
	for (int i = 0; i < 200; i++)
		dbus_w_variant(&w, "v");
	dbus_w_variant(&w, "u");
	dbus_w_u32(&w, 1);
	struct dbus_reader r = {.p = w.buf, .len = w.len};
	const char *sig = "v";
	th_expect_failure(dbus_r_skip(&r, &sig));
	dbus_w_free(&w);
}

/* ---- against a real dbus-daemon ---- */

struct bus {
	pid_t pid;
	char *dir, sock[128];
};

/* The bus accepts connections (its socket file appears at bind, before listen). */
static bool bus_listening(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static int bus_start(void **state)
{
	struct bus *b = calloc(1, sizeof(*b));
	*state = b;
	if (access("/usr/bin/dbus-daemon", X_OK))
		return 0; /* the live tests skip */
	b->dir = th_tmpdir("dbus");
	snprintf(b->sock, sizeof(b->sock), "%s/bus", b->dir);
	char addr[160];
	snprintf(addr, sizeof(addr), "--address=unix:path=%s", b->sock);
	b->pid = fork();
	if (b->pid == 0) {
		execl("/usr/bin/dbus-daemon", "dbus-daemon", "--session", "--nofork", "--nopidfile",
		      addr, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && !bus_listening(b->sock); i++)
		usleep(10000);
	return bus_listening(b->sock) ? 0 : -1;
}

static int bus_stop(void **state)
{
	struct bus *b = *state;
	if (b->pid > 0) {
		kill(b->pid, SIGTERM);
		waitpid(b->pid, NULL, 0);
		th_tmpdir_free(b->dir);
	}
	free(b);
	return 0;
}

static struct dbus_conn *connect_bus(struct bus *b)
{
	if (b->pid <= 0)
		skip();
	struct dbus_conn *c;
	struct cubo_error *err = dbus_conn_open(b->sock, true, 5000, &c);
	if (err)
		fail_msg("%s", err->msg);
	return c;
}

static void test_live_calls(void **state)
{
	struct bus *b = *state;
	struct dbus_conn *c = connect_bus(b);
	struct dbus_writer none = {0};
	struct dbus_reply r;
	assert_null(dbus_conn_call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				   "org.freedesktop.DBus", "GetId", NULL, &none, 5000, &r));
	struct dbus_reader rd = dbus_msg_body(&r.m);
	const char *id;
	assert_null(dbus_r_string(&rd, &id));
	assert_int_equal(strlen(id), 32);
	dbus_reply_free(&r);

	/* an error reply names the error and carries its message */
	struct cubo_error *err =
		dbus_conn_call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			       "org.freedesktop.DBus", "NoSuchMethod", NULL, &none, 5000, NULL);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "NoSuchMethod: org.freedesktop.DBus.Error.UnknownMethod"));
	cubo_error_free(err);

	/* systemd's StartTransientUnit body: the daemon checks it and answers, not hangs up */
	struct systemd_unit u = {.slice = (char *)"system.slice", .unit = (char *)"cubo-x.scope"};
	struct systemd_prop pv[] = {{.name = "Delegate", .type = SYSTEMD_PROP_BOOL, .b = true},
				    {.name = "TasksMax", .type = SYSTEMD_PROP_U64, .u64 = 512}};
	struct systemd_props props = {.v = pv, .n = 2};
	struct dbus_writer args = {0};
	systemd_manager_start_args(&u, &props, 1, "test", &args);
	err = dbus_conn_call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			     "org.freedesktop.systemd1.Manager", "StartTransientUnit",
			     "ssa(sv)a(sa(sv))", &args, 5000, NULL);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "UnknownInterface") ?: strstr(err->msg, "UnknownMethod"));
	cubo_error_free(err);
	dbus_w_free(&args);
	/* the connection still works afterwards */
	assert_null(dbus_conn_call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				   "org.freedesktop.DBus", "GetId", NULL, &none, 5000, NULL));
	dbus_conn_close(c);
}

static bool owner_changed_for(const struct dbus_msg *m, void *arg)
{
	struct dbus_reader r = dbus_msg_body(m);
	const char *name;
	struct cubo_error *err = dbus_r_string(&r, &name);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	return !strcmp(name, arg);
}

/* A signal that arrives while a call waits is kept for the wait that wants it. */
static void test_live_signal(void **state)
{
	struct bus *b = *state;
	struct dbus_conn *a = connect_bus(b), *other = connect_bus(b);
	struct dbus_writer rule = {0}, name = {0};
	dbus_w_string(&rule,
		      "type='signal',interface='org.freedesktop.DBus',member='NameOwnerChanged'");
	assert_null(dbus_conn_call(a, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				   "org.freedesktop.DBus", "AddMatch", "s", &rule, 5000, NULL));
	dbus_w_string(&name, "org.cubo.Test");
	dbus_w_u32(&name, 0);
	assert_null(dbus_conn_call(other, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				   "org.freedesktop.DBus", "RequestName", "su", &name, 5000, NULL));
	/* a call on a before the wait: the signal comes in meanwhile and is queued */
	struct dbus_writer none = {0};
	assert_null(dbus_conn_call(a, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				   "org.freedesktop.DBus", "GetId", NULL, &none, 5000, NULL));
	struct dbus_reply r;
	assert_null(dbus_conn_wait_signal(a, "org.freedesktop.DBus", "NameOwnerChanged",
					  owner_changed_for, (void *)"org.cubo.Test", 5000, &r));
	assert_string_equal(r.m.h.signature, "sss");
	dbus_reply_free(&r);
	/* none more: a bounded wait ends in a timeout */
	struct cubo_error *err =
		dbus_conn_wait_signal(a, "org.freedesktop.DBus", "NameOwnerChanged",
				      owner_changed_for, (void *)"org.cubo.Test", 100, &r);
	assert_non_null(err);
	assert_int_equal(err->errnum, ETIMEDOUT);
	cubo_error_free(err);
	dbus_w_free(&rule);
	dbus_w_free(&name);
	dbus_conn_close(other);
	dbus_conn_close(a);
}

/* No systemd as PID 1: the error says so and what to do. */
static void test_no_systemd(void **state)
{
	char *root = th_tmpdir("nosystemd");
	struct dbus_conn *c;
	th_expect_msg(systemd_manager_connect(root, &c), "systemd is not running as PID 1",
		      "cgroupfs");
	th_tmpdir_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_start_args_round_trip),
		cmocka_unit_test(test_set_args),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_variant_bomb),
		cmocka_unit_test(test_no_systemd),
		cmocka_unit_test_setup_teardown(test_live_calls, bus_start, bus_stop),
		cmocka_unit_test_setup_teardown(test_live_signal, bus_start, bus_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

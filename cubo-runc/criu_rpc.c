/* SPDX-License-Identifier: Apache-2.0 */
/* criu's RPC messages and config file (criu_rpc.h). */
#include "cubo-runc/criu_rpc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/strbuf.h"
#include "shared/xalloc.h"

/* criu's options that take a value, as our command lines pass them (no "=" form). */
static const char *const with_value[] = {
	"tree",		 "images-dir",	  "work-dir",	       "log-file",	  "root",
	"freeze-cgroup", "ext-mount-map", "external",	       "prev-images-dir", "address",
	"port",		 "status-fd",	  "empty-ns",	       "cgroup-root",	  "inherit-fd",
	"pidfile",	 "lsm-profile",	  "lsm-mount-context",
};

static bool takes_value(const char *name)
{
	for (size_t i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
		if (!strcmp(name, with_value[i]))
			return true;
	return false;
}

/* criu's parser ends a quoted value at the first quote not after a backslash. */
static struct cubo_error *add_value(struct cubo_strbuf *b, const char *name, const char *value)
{
	size_t len = strlen(value);

	if (strpbrk(value, "\"\n\r") || (len && value[len - 1] == '\\'))
		return cubo_error_new("criu option %s \"%s\": criu's RPC config file cannot carry "
				      "a quote, a line break or a trailing backslash",
				      name, value);
	cubo_strbuf_adds(b, " \"");
	cubo_strbuf_adds(b, value);
	cubo_strbuf_addc(b, '"');
	return NULL;
}

struct cubo_error *criu_rpc_config(char *const *argv, char **text)
{
	struct cubo_strbuf b = {0};
	struct cubo_error *err = NULL;

	*text = NULL;
	for (size_t i = 2; argv[i] && !err; i++) {
		const char *a = argv[i], *eq;
		char *name;

		if (!strncmp(a, "-v", 2) && a[2] && !a[2 + strspn(a + 2, "0123456789")]) {
			cubo_strbuf_adds(&b, "verbosity ");
			cubo_strbuf_adds(&b, a + 2);
			cubo_strbuf_addc(&b, '\n');
			continue;
		}
		if (strncmp(a, "--", 2) || !a[2])
			err = cubo_error_new("criu argument \"%s\": not an option", a);
		if (err)
			break;
		/* the images go as images_dir_fd: criu reads their path back from /proc */
		if (!strcmp(a, "--images-dir") && argv[i + 1]) {
			i++;
			continue;
		}
		eq = strchr(a + 2, '=');
		name = eq ? xstrndup(a + 2, (size_t)(eq - a - 2)) : xstrdup(a + 2);
		cubo_strbuf_adds(&b, name);
		if (eq)
			err = add_value(&b, name, eq + 1);
		else if (takes_value(name) && !argv[i + 1])
			err = cubo_error_new("criu option --%s: no value", name);
		else if (takes_value(name))
			err = add_value(&b, name, argv[++i]);
		cubo_strbuf_addc(&b, '\n');
		free(name);
	}
	if (err) {
		free(cubo_strbuf_take(&b));
		return err;
	}
	*text = cubo_strbuf_take(&b);
	return NULL;
}

/* protobuf's wire format: what criu_req and criu_opts need. */
enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

static void pb_varint(struct cubo_strbuf *b, uint64_t v)
{
	do {
		char c = (char)(v & 0x7f);
		v >>= 7;
		cubo_strbuf_addc(b, (char)(c | (v ? 0x80 : 0)));
	} while (v);
}

static void pb_uint(struct cubo_strbuf *b, unsigned field, uint64_t v)
{
	pb_varint(b, (uint64_t)field << 3 | WT_VARINT);
	pb_varint(b, v);
}

static void pb_bytes(struct cubo_strbuf *b, unsigned field, const char *data, size_t len)
{
	pb_varint(b, (uint64_t)field << 3 | WT_LEN);
	pb_varint(b, len);
	cubo_strbuf_add(b, data, len);
}

/* criu_opts' field numbers (images/rpc.proto) */
enum {
	OPT_IMAGES_DIR_FD = 1,
	OPT_PID = 2,
	OPT_LOG_LEVEL = 9,
	OPT_NOTIFY_SCRIPTS = 12,
	OPT_ORPHAN_PTS_MASTER = 50,
	OPT_CONFIG_FILE = 51,
};

void criu_rpc_encode(const struct criu_rpc_req *req, char **buf, size_t *len)
{
	struct cubo_strbuf b = {0}, o = {0};

	pb_uint(&b, 1, (uint64_t)req->type);
	if (req->type == CRIU_REQ_NOTIFY) {
		pb_uint(&b, 3, req->notify_success);
	} else {
		pb_uint(&o, OPT_IMAGES_DIR_FD, (uint64_t)req->images_dir_fd);
		if (req->pid > 0)
			pb_uint(&o, OPT_PID, (uint64_t)req->pid);
		pb_uint(&o, OPT_LOG_LEVEL, 4);
		/* the new pty master comes as a notification with the fd */
		pb_uint(&o, OPT_NOTIFY_SCRIPTS, 1);
		pb_uint(&o, OPT_ORPHAN_PTS_MASTER, 1);
		if (req->config_file)
			pb_bytes(&o, OPT_CONFIG_FILE, req->config_file, strlen(req->config_file));
		pb_bytes(&b, 2, o.s ? o.s : "", o.len);
		free(cubo_strbuf_take(&o));
	}
	*len = b.len;
	*buf = cubo_strbuf_take(&b);
}

struct pb_reader {
	const unsigned char *p, *end;
};

static bool pb_read_varint(struct pb_reader *r, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end)
			return false;
		unsigned char c = *r->p++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return true;
	}
	return false;
}

/* One field: its number and wire type, its varint value or its bytes. */
static bool pb_next(struct pb_reader *r, unsigned *field, uint64_t *v, struct pb_reader *sub)
{
	uint64_t key;

	if (!pb_read_varint(r, &key) || key >> 3 == 0 || key >> 3 > UINT32_MAX)
		return false;
	*field = (unsigned)(key >> 3);
	*v = 0;
	*sub = (struct pb_reader){NULL, NULL};
	switch (key & 7) {
	case WT_VARINT:
		return pb_read_varint(r, v);
	case WT_I64:
	case WT_I32: {
		size_t n = (key & 7) == WT_I64 ? 8 : 4;
		if ((size_t)(r->end - r->p) < n)
			return false;
		r->p += n;
		return true;
	}
	case WT_LEN:
		if (!pb_read_varint(r, v) || *v > (uint64_t)(r->end - r->p))
			return false;
		*sub = (struct pb_reader){r->p, r->p + *v};
		r->p += *v;
		return true;
	default:
		return false;
	}
}

static char *pb_string(const struct pb_reader *s)
{
	return xstrndup((const char *)s->p, (size_t)(s->end - s->p));
}

/* criu_restore_resp's pid, criu_notify's script: field 1 of a submessage. */
static bool pb_field1(struct pb_reader s, bool string, uint64_t *v, char **str)
{
	unsigned field;
	struct pb_reader sub;
	uint64_t x;

	while (s.p < s.end) {
		if (!pb_next(&s, &field, &x, &sub))
			return false;
		if (field != 1)
			continue;
		if (string && sub.p) {
			free(*str);
			*str = pb_string(&sub);
		} else if (!string && !sub.p) {
			*v = x;
		}
	}
	return true;
}

struct cubo_error *criu_rpc_decode(const char *buf, size_t len, struct criu_rpc_resp *resp)
{
	struct pb_reader r = {(const unsigned char *)buf, (const unsigned char *)buf + len}, sub;
	bool ok = true, has_type = false;
	unsigned field;
	uint64_t v, pid = 0;

	*resp = (struct criu_rpc_resp){0};
	while (ok && r.p < r.end) {
		ok = pb_next(&r, &field, &v, &sub);
		if (!ok)
			break;
		if (field == 1 && !sub.p) {
			resp->type = (int)v;
			has_type = true;
		} else if (field == 2 && !sub.p) {
			resp->success = v != 0;
		} else if (field == 4 && sub.p) {
			ok = pb_field1(sub, false, &pid, NULL);
		} else if (field == 5 && sub.p) {
			ok = pb_field1(sub, true, NULL, &resp->script);
		} else if (field == 7 && !sub.p) {
			resp->cr_errno = (int)v;
		} else if (field == 9 && sub.p) {
			free(resp->errmsg);
			resp->errmsg = pb_string(&sub);
		}
	}
	if (!ok || !has_type) {
		criu_rpc_resp_free(resp);
		return cubo_error_new("criu's RPC answer (%zu bytes): not a criu_resp", len);
	}
	if (pid > 0 && pid <= INT32_MAX)
		resp->restored_pid = (pid_t)pid;
	return NULL;
}

void criu_rpc_resp_free(struct criu_rpc_resp *resp)
{
	free(resp->script);
	free(resp->errmsg);
	*resp = (struct criu_rpc_resp){0};
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The cgroup statistics file formats; see cgroup_stat_parse.h. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/cgroup_stat_parse.h"
#include "shared/xalloc.h"

/*
 * One value as runc reads it: "max" is UINT64_MAX, a negative number is 0
 * (memory.soft_limit_in_bytes may read -1 on some kernels).
 */
struct cubo_error *stat_parse_u64(const char *s, size_t len, const char *file, uint64_t *out)
{
	char buf[32], *end;

	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len || len >= sizeof(buf))
		return cubo_error_new("%s: \"%.*s\" is not a number", file,
				      (int)(len > 40 ? 40 : len), s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!strcmp(buf, "max")) {
		*out = UINT64_MAX;
		return NULL;
	}
	errno = 0;
	if (buf[0] == '-') {
		long long v = strtoll(buf, &end, 10);

		if (*end || end == buf + 1 || (errno && errno != ERANGE) || v >= 0)
			return cubo_error_new("%s: \"%s\" is not a number", file, buf);
		*out = 0;
		return NULL;
	}
	*out = strtoull(buf, &end, 10);
	if (*end || !isdigit((unsigned char)buf[0]) || errno)
		return cubo_error_new("%s: \"%s\" is not a number", file, buf);
	return NULL;
}

void stat_kv_list_free(struct stat_kv_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].key);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const uint64_t *stat_kv_get(const struct stat_kv_list *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return &l->v[i].value;
	return NULL;
}

uint64_t stat_kv_get0(const struct stat_kv_list *l, const char *key)
{
	const uint64_t *v = stat_kv_get(l, key);

	return v ? *v : 0;
}

/* Calls fn for each non-empty line (without its newline). */
static struct cubo_error *each_line(const char *text, const char *file,
				    struct cubo_error *(*fn)(const char *line, size_t len,
							     size_t lineno, const char *file,
							     void *arg),
				    void *arg)
{
	size_t lineno = 0;

	while (*text) {
		size_t len = strcspn(text, "\n");

		lineno++;
		if (len)
			CUBO_TRY(fn(text, len, lineno, file, arg));
		text += len;
		if (*text)
			text++;
	}
	return NULL;
}

static struct cubo_error *kv_line(const char *line, size_t len, size_t lineno, const char *file,
				  void *arg)
{
	struct stat_kv_list *l = arg;
	const char *sp = memchr(line, ' ', len);
	uint64_t v;

	if (!sp || sp == line || memchr(sp + 1, ' ', len - (size_t)(sp - line) - 1))
		return cubo_error_new("%s: line %zu: expected \"key value\", got \"%.*s\"", file,
				      lineno, (int)len, line);
	CUBO_TRY_CTX(stat_parse_u64(sp + 1, len - (size_t)(sp - line) - 1, file, &v),
		     "%s: line %zu", file, lineno);
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].key = xstrndup(line, (size_t)(sp - line));
	l->v[l->n++].value = v;
	return NULL;
}

/* "key value" lines: memory.stat, cpu.stat, cpuacct.stat, memory.events. */
struct cubo_error *stat_parse_flat_keyed(const char *text, const char *file,
					 struct stat_kv_list *out)
{
	struct cubo_error *err;

	out->v = NULL;
	out->n = 0;
	err = each_line(text, file, kv_line, out);
	if (err)
		stat_kv_list_free(out);
	return err;
}

/* Numbers separated by blanks: cpuacct.usage_percpu. */
struct cubo_error *stat_parse_u64_list(const char *text, const char *file, uint64_t **out,
				       size_t *n)
{
	*out = NULL;
	*n = 0;
	for (;;) {
		size_t len;

		text += strspn(text, " \t\n");
		if (!*text)
			return NULL;
		len = strcspn(text, " \t\n");
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		struct cubo_error *err = stat_parse_u64(text, len, file, &(*out)[*n]);
		if (err) {
			free(*out);
			*out = NULL;
			*n = 0;
			return err;
		}
		(*n)++;
		text += len;
	}
}

/*
 * cpuacct.usage_all: a header line, then "cpu user system" per cpu, in
 * nanoseconds.
 */
struct cubo_error *stat_parse_usage_all(const char *text, const char *file, uint64_t **kernel,
					uint64_t **user, size_t *n)
{
	size_t lineno = 1; /* the header */

	*kernel = *user = NULL;
	*n = 0;
	text += strcspn(text, "\n");
	while (*text) {
		unsigned long long cpu, u, s;
		int used = 0;

		text++;
		if (!*text)
			break;
		if (sscanf(text, "%llu %llu %llu%n", &cpu, &u, &s, &used) != 3 ||
		    (text[used] && text[used] != '\n')) {
			free(*kernel);
			free(*user);
			*kernel = *user = NULL;
			*n = 0;
			return cubo_error_new("%s: line %zu: expected \"cpu user system\"", file,
					      lineno + 1);
		}
		*kernel = xrealloc(*kernel, (*n + 1) * sizeof(**kernel));
		*user = xrealloc(*user, (*n + 1) * sizeof(**user));
		(*kernel)[*n] = s;
		(*user)[*n] = u;
		(*n)++;
		lineno++;
		text += strcspn(text, "\n");
	}
	return NULL;
}

static void blkio_add(struct blkio_list *l, uint64_t major, uint64_t minor, const char *op,
		      size_t oplen, uint64_t value)
{
	struct blkio_entry *e;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	e = &l->v[l->n++];
	e->major = major;
	e->minor = minor;
	if (oplen >= sizeof(e->op))
		oplen = sizeof(e->op) - 1;
	memcpy(e->op, op, oplen);
	e->op[oplen] = '\0';
	e->value = value;
}

static struct cubo_error *blkio_line(const char *line, size_t len, size_t lineno, const char *file,
				     void *arg)
{
	char buf[256], op[16] = "";
	unsigned long long major, minor, value;
	int used = 0;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	/* "Total 1234" closes each list */
	if (!strncmp(buf, "Total ", 6))
		return NULL;
	if (sscanf(buf, "%llu:%llu %15s %llu%n", &major, &minor, op, &value, &used) == 4 &&
	    !buf[used]) {
		blkio_add(arg, major, minor, op, strlen(op), value);
		return NULL;
	}
	used = 0;
	if (sscanf(buf, "%llu:%llu %llu%n", &major, &minor, &value, &used) == 3 && !buf[used]) {
		blkio_add(arg, major, minor, "", 0, value);
		return NULL;
	}
	return cubo_error_new("%s: line %zu: expected \"major:minor [op] value\", got \"%s\"", file,
			      lineno, buf);
}

/* v1 blkio statistics: "8:0 Read 4096" lines (or "8:0 4096"), then "Total N". */
struct cubo_error *stat_parse_blkio(const char *text, const char *file, struct blkio_list *out)
{
	struct cubo_error *err;

	out->v = NULL;
	out->n = 0;
	err = each_line(text, file, blkio_line, out);
	if (err) {
		free(out->v);
		out->v = NULL;
		out->n = 0;
	}
	return err;
}

struct io_stat_out {
	struct blkio_list *bytes, *ios;
};

static struct cubo_error *io_stat_line(const char *line, size_t len, size_t lineno,
				       const char *file, void *arg)
{
	struct io_stat_out *o = arg;
	unsigned long long major, minor;
	char dev[48];
	const char *p = line, *end = line + len;
	size_t dl = strcspn(line, " \n");

	if (dl >= sizeof(dev) || dl > len)
		dl = 0;
	memcpy(dev, line, dl);
	dev[dl] = '\0';
	int used = 0;
	if (!dl || sscanf(dev, "%llu:%llu%n", &major, &minor, &used) != 2 || dev[used])
		return cubo_error_new("%s: line %zu: expected \"major:minor key=value...\", got "
				      "\"%.*s\"",
				      file, lineno, (int)len, line);
	p += dl;
	while (p < end) {
		const char *item, *eq;
		size_t il;
		uint64_t v;
		struct blkio_list *to = NULL;
		const char *op = NULL;

		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		item = p;
		while (p < end && *p != ' ')
			p++;
		il = (size_t)(p - item);
		eq = memchr(item, '=', il);
		if (!eq)
			return cubo_error_new("%s: line %zu: expected key=value, got \"%.*s\"",
					      file, lineno, (int)il, item);
		/* runc maps these onto v1's tables and leaves out the rest */
		if ((size_t)(eq - item) == 6 && !strncmp(item, "rbytes", 6))
			to = o->bytes, op = "Read";
		else if ((size_t)(eq - item) == 6 && !strncmp(item, "wbytes", 6))
			to = o->bytes, op = "Write";
		else if ((size_t)(eq - item) == 4 && !strncmp(item, "rios", 4))
			to = o->ios, op = "Read";
		else if ((size_t)(eq - item) == 4 && !strncmp(item, "wios", 4))
			to = o->ios, op = "Write";
		if (!to)
			continue;
		CUBO_TRY_CTX(stat_parse_u64(eq + 1, il - (size_t)(eq - item) - 1, file, &v),
			     "%s: line %zu", file, lineno);
		blkio_add(to, major, minor, op, strlen(op), v);
	}
	return NULL;
}

/* v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device. */
struct cubo_error *stat_parse_io_stat(const char *text, const char *file, struct blkio_list *bytes,
				      struct blkio_list *ios)
{
	struct io_stat_out o = {bytes, ios};
	struct cubo_error *err;

	bytes->v = ios->v = NULL;
	bytes->n = ios->n = 0;
	err = each_line(text, file, io_stat_line, &o);
	if (err) {
		free(bytes->v);
		free(ios->v);
		bytes->v = ios->v = NULL;
		bytes->n = ios->n = 0;
	}
	return err;
}

/* A cpuset list ("0-3,8,10-11") as numbers, as runc reports cpuset.cpus and .mems. */
struct cubo_error *stat_parse_cpu_list(const char *text, const char *file, uint16_t **out,
				       size_t *n)
{
	const char *p = text;

	*out = NULL;
	*n = 0;
	p += strspn(p, " \t\n");
	while (*p && *p != '\n') {
		char *end;
		unsigned long lo, hi;

		errno = 0;
		lo = strtoul(p, &end, 10);
		hi = lo;
		if (end == p || !isdigit((unsigned char)*p))
			goto bad;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p || !isdigit((unsigned char)*p))
				goto bad;
		}
		if (errno || hi > UINT16_MAX || lo > hi)
			goto bad;
		for (unsigned long i = lo; i <= hi; i++) {
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = (uint16_t)i;
		}
		p = end;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n' && !isspace((unsigned char)*p))
			goto bad;
		else
			break;
	}
	return NULL;
bad:
	free(*out);
	*out = NULL;
	*n = 0;
	return cubo_error_new("%s: \"%.*s\" is not a cpu list", file, (int)strcspn(text, "\n"),
			      text);
}

/*
 * "hugepages-2048kB" (a directory of /sys/kernel/mm/hugepages) as the size
 * name the hugetlb files use: "2MB". false for other names.
 */
bool stat_hugepage_name(const char *dirname, char *buf, size_t len)
{
	const char *p = dirname + strlen("hugepages-");
	char *end;
	unsigned long long kb;

	if (strncmp(dirname, "hugepages-", strlen("hugepages-")) || !isdigit((unsigned char)*p))
		return false;
	kb = strtoull(p, &end, 10);
	if (strcmp(end, "kB"))
		return false;
	if (kb >= 1ULL << 20)
		snprintf(buf, len, "%lluGB", kb >> 20);
	else if (kb >= 1ULL << 10)
		snprintf(buf, len, "%lluMB", kb >> 10);
	else
		snprintf(buf, len, "%lluKB", kb);
	return true;
}

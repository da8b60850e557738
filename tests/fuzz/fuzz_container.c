/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manager's container parsers: state.json records, the CRI-format log
 * (records, tail, printing), run's flag values (volumes, ports, sizes,
 * CPUs, mounts, devices), update's limits, docker's --filter lists, CDI spec
 * files (JSON and YAML) and /etc/passwd and /etc/group lookups in a
 * container's files.
 * Any input parses or fails cleanly; a record that parses generates JSON
 * that parses to the same JSON; a port that parses formats to text that
 * names the same port.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/container/cdi.h"
#include "cubo-mgr/container/limits.h"
#include "cubo-mgr/container/logfile.h"
#include "cubo-mgr/container/passwd.h"
#include "cubo-mgr/container/record.h"
#include "cubo-mgr/container/mount_opt.h"
#include "cubo-mgr/container/run_opts.h"
#include "shared/filter.h"
#include "shared/strv.h"
#include "shared/xalloc.h"
#include "spec/config.h"
#include "tests/fuzz/fuzz.h"

static void record(const char *s, size_t n)
{
	struct ctr_record r, again;
	struct cubo_error *err = ctr_record_parse(s, n, "state.json", &r);
	if (err) {
		fuzz_drop(err);
		return;
	}
	char *a, *b;
	size_t la, lb;
	fuzz_must(ctr_record_to_json(&r, false, &a, &la), "generate a parsed record");
	fuzz_must(ctr_record_parse(a, la, "again", &again), "parse a generated record");
	fuzz_must(ctr_record_to_json(&again, false, &b, &lb), "generate it again");
	if (la != lb || memcmp(a, b, la))
		FUZZ_FAIL("record round trip differs:\n%s\n%s", a, b);
	free(a);
	free(b);
	ctr_record_free(&r);
	ctr_record_free(&again);
}

static void log_text(const char *s, size_t n)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0)
		return;
	/* both formats, with a time window now and then */
	enum log_format fmt = n & 2 ? LOG_FORMAT_JSON : LOG_FORMAT_K8S;
	struct log_parser ps;
	log_parser_init(&ps, fmt);
	long found;
	size_t start = log_tail_offset(&ps, s, n, (long)(n % 7), &found);
	log_parser_free(&ps);
	if (start > n)
		FUZZ_FAIL("tail offset %zu past the end %zu", start, n);
	struct log_print_opts o = {.fmt = fmt,
				   .timestamps = n & 1,
				   .tail = -1,
				   .since = n & 4 ? 1 : 0,
				   .until = n & 8 ? 1800000000000000000 : 0,
				   .out_fd = null,
				   .err_fd = null};
	struct log_printer pr;
	log_printer_init(&pr, &o);
	size_t used;
	fuzz_must(log_printer_feed(&pr, s + start, n - start, &used), "print log records");
	if (used > n - start)
		FUZZ_FAIL("printer used %zu of %zu bytes", used, n - start);
	log_printer_free(&pr);
	int64_t ns;
	(void)log_time_arg(s, 0, &ns);
	close(null);
}

/* The values of run's later flags: --expose, --label-file's lines, the blkio and namespace ones. */
static void run_flags(const char *s)
{
	char **ex = NULL;
	size_t n = 0;
	struct cubo_error *err = run_opt_parse_expose(s, &ex, &n);
	for (size_t i = 0; !err && i < n; i++)
		if (!strchr(ex[i], '/') || ex[i][0] < '1' || ex[i][0] > '9')
			FUZZ_FAIL("--expose \"%s\" gave the key \"%s\"", s, ex[i]);
	char **merged = run_opt_expose_merge(ex, n, ex);
	if (cubo_strv_len(merged) != n)
		FUZZ_FAIL("--expose \"%s\": %zu keys merged into %zu", s, n, cubo_strv_len(merged));
	cubo_strv_free(merged);
	cubo_strv_free(ex);
	fuzz_drop(err);
	for (int k = 0; k < N_BLKIO_DEV_KINDS; k++) {
		struct blkio_dev d;
		err = blkio_dev_parse((enum blkio_dev_kind)k, s, &d);
		if (!err && (!d.path || d.path[0] != '/'))
			FUZZ_FAIL("%s \"%s\" parsed to a bad device", blkio_dev_flag(k), s);
		if (!err)
			blkio_dev_free(&d);
		fuzz_drop(err);
	}
	for (int systemd = 0; systemd < 2; systemd++) {
		err = cgroup_parent_check(s, systemd);
		/* an accepted path has no "." or ".." component to climb with */
		char *copy = err ? NULL : xstrdup(s);
		for (char *save, *c = copy ? strtok_r(copy, "/", &save) : NULL; c;
		     c = strtok_r(NULL, "/", &save))
			if (!strcmp(c, ".") || !strcmp(c, ".."))
				FUZZ_FAIL("--cgroup-parent \"%s\" accepted with \"%s\"", s, c);
		free(copy);
		fuzz_drop(err);
	}
	static const char *const ipc[] = {"private", "shareable",  "none",
					  "host",    "container:", NULL};
	const char *join;
	err = run_opt_parse_ns_mode("--ipc", s, ipc, &join);
	if (!err && join && (join != s + 10 || !*join))
		FUZZ_FAIL("--ipc \"%s\": a bad container name", s);
	fuzz_drop(err);
	fuzz_drop(run_opt_check_dns_option(s));
	fuzz_drop(run_opt_check_domainname(s));
}

static void flags(const char *s)
{
	struct ctr_volume_spec v;
	struct cubo_error *err = run_opt_parse_volume(s, "/cwd", &v);
	if (!err) {
		if (!v.dest || v.dest[0] != '/' || (!v.named && (!v.source || v.source[0] != '/')))
			FUZZ_FAIL("volume \"%s\" parsed to a bad spec", s);
		ctr_volume_spec_free(&v);
	}
	fuzz_drop(err);
	struct ctr_mount_arg m;
	err = run_opt_parse_mount(s, "/cwd", &m);
	if (!err) {
		const char *d = m.is_tmpfs ? m.tmpfs.dest : m.vol.dest;
		if (!d || d[0] != '/' || (!m.is_tmpfs && !m.vol.named && m.vol.source[0] != '/'))
			FUZZ_FAIL("mount \"%s\" parsed to a bad spec", s);
		ctr_mount_arg_free(&m);
	}
	fuzz_drop(err);
	struct ctr_port_spec p, q;
	err = run_opt_parse_publish(s, &p);
	if (!err) {
		char text[128], again[128];
		run_opt_format_port(&p, text, sizeof(text));
		/* "ip:host->ctr/proto" back into "ip:host:ctr/proto" form */
		char *arrow = strstr(text, "->");
		if (!arrow || p.ctr_port == 0)
			FUZZ_FAIL("port \"%s\" formatted as \"%s\"", s, text);
		if (p.host_port) {
			snprintf(again, sizeof(again), "%.*s:%s", (int)(arrow - text), text,
				 arrow + 2);
			fuzz_must(run_opt_parse_publish(again, &q), "parse a formatted port");
			if (q.host_port != p.host_port || q.ctr_port != p.ctr_port ||
			    strcmp(q.proto, p.proto))
				FUZZ_FAIL("port \"%s\" -> \"%s\" -> another port", s, again);
		}
	}
	fuzz_drop(err);
	int64_t bytes, quota;
	uint64_t period;
	fuzz_drop(run_opt_parse_size("--memory", s, &bytes));
	fuzz_drop(run_opt_parse_cpus(s, 4, &quota, &period));
	char *c = NULL;
	err = run_opt_cap_name(s, &c);
	free(c);
	fuzz_drop(err);
	struct ctr_ulimit u;
	err = run_opt_parse_ulimit(s, &u);
	if (!err && (u.soft > u.hard || strncmp(u.type, "RLIMIT_", 7)))
		FUZZ_FAIL("ulimit \"%s\" parsed to a bad limit", s);
	fuzz_drop(err);
	c = NULL;
	err = run_opt_parse_signal("--stop-signal", s, &c);
	free(c);
	fuzz_drop(err);
	char *host, *ctr, perms[4];
	err = run_opt_parse_device(s, &host, &ctr, perms);
	if (!err && (host[0] != '/' || ctr[0] != '/' || !perms[0]))
		FUZZ_FAIL("device \"%s\" parsed to a bad spec", s);
	if (!err) {
		free(host);
		free(ctr);
	}
	fuzz_drop(err);
	struct oci_device_cgroup rule;
	err = run_opt_parse_cgroup_rule(s, &rule);
	if (!err) {
		free(rule.type);
		free(rule.access);
	}
	fuzz_drop(err);
	run_flags(s);
}

static void cdi(const char *s, size_t n)
{
	for (int yaml = 0; yaml < 2; yaml++) {
		struct cdi_spec spec;
		struct cubo_error *err = cdi_spec_parse(s, n, yaml, "spec", &spec);
		if (!err) {
			if (!spec.kind || !spec.version || (spec.n_devices && !spec.devices))
				FUZZ_FAIL("CDI spec parsed without its kind or devices");
			cdi_spec_free(&spec);
		}
		fuzz_drop(err);
	}
	char *kind, *name;
	struct cubo_error *err = cdi_parse_name(s, &kind, &name);
	if (!err) {
		free(kind);
		free(name);
	}
	fuzz_drop(err);
}

/* update's flags with s as each value, merged into an empty resources object */
static void limits(const char *s)
{
	struct ctr_limits_flags f;
	ctr_limits_flags_init(&f);
	f.memory = f.memory_swap = f.memory_reservation = f.cpuset_cpus = s;
	f.pids_limit = (long)strlen(s) - 2;
	struct ctr_limits l;
	bool any;
	struct cubo_error *err = ctr_limits_parse(&f, 4, &l, &any);
	struct oci_resources *res = NULL;
	if (!err && !(err = ctr_limits_apply(&l, &res))) {
		/* flag, value pairs: no value the runtime could read as a flag */
		char **args = ctr_limits_runtime_args(&l);
		for (size_t i = 0; args && args[i]; i++)
			if ((i % 2 == 0) != !strncmp(args[i], "--", 2))
				FUZZ_FAIL("runtime argument %zu \"%s\" from \"%s\"", i, args[i], s);
		cubo_strv_free(args);
	}
	if (res)
		oci_resources_free(res);
	fuzz_drop(err);
	/* s as a filter list of one, and as a pattern, a label and a name */
	char *list[] = {(char *)s, NULL};
	static const char *const keys[] = {"dangling", "label", "name", NULL};
	fuzz_drop(cubo_filter_check(list, keys));
	(void)cubo_filter_reference(s, s, "latest");
	(void)cubo_filter_label(list, s);
}

static void users(const char *s)
{
	/* "spec\0passwd\0group" */
	const char *passwd = s + strlen(s) + 1;
	struct ctr_user u;
	struct cubo_error *err = passwd_resolve(s, passwd, passwd, &u);
	if (!err) {
		if (!u.home || (u.n_groups && !u.groups))
			FUZZ_FAIL("user \"%s\" resolved without a home or groups", s);
		ctr_user_free(&u);
	}
	fuzz_drop(err);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* two NULs at the end keep every sub-parser's strings terminated */
	char *s = malloc(size + 2);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = s[size + 1] = 0;
	record(s, size);
	log_text(s, size);
	flags(s);
	cdi(s, size);
	limits(s);
	users(s);
	free(s);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Flag values of run/create: see run_opts.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "cubo-mgr/container/mount_opt.h"
#include "cubo-mgr/container/run_opts.h"
#include "cubo-mgr/container/health.h"
#include "shared/size.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/xalloc.h"
#include "spec/features.h"

void ctr_volume_spec_free(struct ctr_volume_spec *v)
{
	free(v->source);
	free(v->dest);
	cubo_strv_free(v->labels);
	memset(v, 0, sizeof(*v));
}

void ctr_opts_free(struct ctr_opts *o)
{
	free(o->name);
	free(o->workdir);
	cubo_strv_free(o->env);
	for (size_t i = 0; i < o->n_volumes; i++)
		ctr_volume_spec_free(&o->volumes[i]);
	free(o->volumes);
	free(o->ports);
	free(o->user);
	free(o->hostname);
	cubo_strv_free(o->entrypoint);
	cubo_strv_free(o->cmd);
	cubo_strv_free(o->cap_add);
	cubo_strv_free(o->cap_drop);
	free(o->network);
	cubo_strv_free(o->networks);
	cubo_strv_free(o->net_aliases);
	cubo_strv_free(o->net_endpoints);
	cubo_strv_free(o->dns);
	cubo_strv_free(o->dns_search);
	cubo_strv_free(o->add_hosts);
	free(o->ulimits);
	cubo_strv_free(o->labels);
	free(o->stop_signal);
	free(o->log_driver);
	cubo_strv_free(o->log_opts);
	free(o->init_path);
	for (size_t i = 0; i < o->n_tmpfs; i++)
		ctr_tmpfs_free(&o->tmpfs[i]);
	free(o->tmpfs);
	cubo_strv_free(o->sysctls);
	free(o->cpuset_cpus);
	free(o->cpuset_mems);
	cubo_strv_free(o->group_add);
	ctr_devices_free(&o->devices);
	cubo_strv_free(o->privileged_caps);
	free(o->seccomp_file);
	free(o->seccomp_profile);
	cubo_strv_free(o->cdi_devices);
	cubo_strv_free(o->cdi_spec_dirs);
	cubo_strv_free(o->device_args);
	cubo_strv_free(o->cgroup_rule_args);
	cubo_strv_free(o->annotations);
	free(o->domainname);
	cubo_strv_free(o->expose);
	cubo_strv_free(o->dns_options);
	free(o->pid_mode);
	free(o->ipc_mode);
	free(o->uts_mode);
	free(o->cgroupns_mode);
	for (size_t k = 0; k < N_BLKIO_DEV_KINDS; k++) {
		for (size_t i = 0; i < o->n_blkio_devs[k]; i++)
			blkio_dev_free(&o->blkio_devs[k][i]);
		free(o->blkio_devs[k]);
	}
	free(o->cgroup_parent);
	cubo_strv_free(o->volumes_from);
	for (size_t i = 0; i < o->n_cgroup_rules; i++) {
		free(o->cgroup_rules[i].type);
		free(o->cgroup_rules[i].access);
	}
	free(o->cgroup_rules);
	oci_healthcheck_free(o->healthcheck);
	memset(o, 0, sizeof(*o));
}

struct cubo_error *run_opt_parse_size(const char *flag, const char *s, int64_t *bytes)
{
	return cubo_error_wrap(cubo_parse_size(s, bytes), "%s", flag);
}

struct cubo_error *run_opt_parse_memory(const char *flag, const char *s, int64_t *bytes)
{
	CUBO_TRY(run_opt_parse_size(flag, s, bytes));
	if (*bytes > 0 && *bytes < RUN_OPT_MIN_MEMORY)
		return cubo_error_new("%s %s: the minimum memory %s is 6MB", flag, s,
				      strstr(flag, "reservation") ? "reservation" : "limit");
	return NULL;
}

struct cubo_error *run_opt_check_cpu_shares(long shares)
{
	if (shares < 0 || shares > RUN_OPT_MAX_CPU_SHARES)
		return cubo_error_new("--cpu-shares %ld: expected 0 to 262144", shares);
	return NULL;
}

struct cubo_error *run_opt_parse_cpus(const char *s, long ncpus, int64_t *quota, uint64_t *period)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || isnan(v))
		return cubo_error_new("--cpus: invalid number \"%s\"", s);
	if (v < 0.01 || v > (double)ncpus)
		return cubo_error_new("--cpus: range of CPUs is from 0.01 to %ld.00, as there are "
				      "only %ld CPUs available",
				      ncpus, ncpus);
	*period = 100000;
	*quota = (int64_t)llround(v * 100000.0);
	return NULL;
}

int64_t run_opt_nano_cpus(int64_t quota, uint64_t period)
{
	return quota * (1000000000 / (int64_t)period);
}

static bool parse_port(const char *s, bool zero_ok, uint16_t *out)
{
	if (!*s || strlen(s) > 5)
		return false;
	unsigned long v = 0;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535 || (v == 0 && !zero_ok))
		return false;
	*out = (uint16_t)v;
	return true;
}

struct cubo_error *run_opt_parse_publish(const char *s, struct ctr_port_spec *out)
{
	memset(out, 0, sizeof(*out));
	char buf[128];
	if (strlen(s) >= sizeof(buf))
		return cubo_error_new("-p \"%.40s...\": too long", s);
	strcpy(buf, s);
	char *proto = strchr(buf, '/');
	strcpy(out->proto, "tcp");
	if (proto) {
		*proto++ = '\0';
		if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
			return cubo_error_new(
				"-p \"%s\": unknown protocol \"%s\" (tcp, udp or sctp)", s, proto);
		strcpy(out->proto, proto);
	}
	/* the address may be [v6] and hold colons itself */
	char *ports = buf;
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (!close || close[1] != ':')
			return cubo_error_new("-p \"%s\": bad [address]", s);
		*close = '\0';
		struct in6_addr a6;
		if (inet_pton(AF_INET6, buf + 1, &a6) != 1)
			return cubo_error_new("-p \"%s\": \"%s\" is not an IPv6 address", s,
					      buf + 1);
		if (strlen(buf + 1) >= sizeof(out->host_ip))
			return cubo_error_new("-p \"%s\": address too long", s);
		memcpy(out->host_ip, buf + 1, strlen(buf + 1) + 1);
		ports = close + 2;
	} else {
		char *last = strrchr(buf, ':');
		char *first = strchr(buf, ':');
		if (first && first != last) {
			*first = '\0';
			struct in_addr a4;
			if (inet_pton(AF_INET, buf, &a4) != 1 ||
			    strlen(buf) >= sizeof(out->host_ip))
				return cubo_error_new("-p \"%s\": \"%s\" is not an IP address", s,
						      buf);
			memcpy(out->host_ip, buf, strlen(buf) + 1);
			ports = first + 1;
		}
	}
	char *colon = strchr(ports, ':');
	const char *ctr = ports;
	if (colon) {
		*colon = '\0';
		ctr = colon + 1;
		if (*ports && !parse_port(ports, false, &out->host_port))
			return cubo_error_new("-p \"%s\": invalid host port \"%s\" (1-65535)", s,
					      ports);
	}
	if (!parse_port(ctr, false, &out->ctr_port))
		return cubo_error_new("-p \"%s\": invalid container port \"%s\" (1-65535)", s, ctr);
	return NULL;
}

void run_opt_format_port(const struct ctr_port_spec *p, char *buf, size_t size)
{
	const char *ip = p->host_ip[0] ? p->host_ip : "0.0.0.0";
	bool v6 = strchr(ip, ':') != NULL;
	if (p->host_port)
		snprintf(buf, size, "%s%s%s:%u->%u/%s", v6 ? "[" : "", ip, v6 ? "]" : "",
			 p->host_port, p->ctr_port, p->proto);
	else
		snprintf(buf, size, "%s%s%s:*->%u/%s", v6 ? "[" : "", ip, v6 ? "]" : "",
			 p->ctr_port, p->proto);
}

/* The first control character (newline, CR, ESC, DEL, ...) in the first n bytes of s, or NULL. */
static const char *find_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++)
		if (iscntrl((unsigned char)s[i]))
			return s + i;
	return NULL;
}

static bool has_control(const char *s, size_t n)
{
	return find_control(s, n) != NULL;
}

struct cubo_error *run_opt_check_line(const char *flag, const char *value)
{
	const char *c = find_control(value, strlen(value));
	/* the value is not echoed past it: an ESC would reach the terminal */
	if (c)
		return cubo_error_new("%s \"%.*s\\x%02x...\": a newline or other control "
				      "character is not allowed",
				      flag, (int)(c - value), value, (unsigned char)*c);
	return NULL;
}

static struct cubo_error *check_host_name(const char *flag, const char *s)
{
	CUBO_TRY(run_opt_check_line(flag, s));
	/* it is a name of /etc/hosts as well: a blank would make it two */
	if (!*s || strlen(s) > 64 || strpbrk(s, "/ \t"))
		return cubo_error_new("%s \"%s\": not a valid host name (1 to 64 "
				      "characters, no '/' or blanks)",
				      flag, s);
	return NULL;
}

struct cubo_error *run_opt_check_hostname(const char *s)
{
	return check_host_name("--hostname", s);
}

struct cubo_error *run_opt_check_domainname(const char *s)
{
	return check_host_name("--domainname", s);
}

struct cubo_error *run_opt_check_dns_search(const char *s)
{
	CUBO_TRY(run_opt_check_line("--dns-search", s));
	/* "." asks for no search list, as with docker */
	bool ok = *s && strlen(s) <= 253;
	for (const char *p = s; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_';
	if (!ok)
		return cubo_error_new("--dns-search \"%s\": not a domain name", s);
	return NULL;
}

struct cubo_error *run_opt_check_dns_option(const char *s)
{
	CUBO_TRY(run_opt_check_line("--dns-option", s));
	/* one word of the options line: a blank would make it two */
	if (!*s || strlen(s) > 255 || strpbrk(s, " \t"))
		return cubo_error_new("--dns-option \"%s\": expected one option without blanks "
				      "(ndots:2, edns0, ...)",
				      s);
	return NULL;
}

struct cubo_error *run_opt_parse_ns_mode(const char *flag, const char *s, const char *const *modes,
					 const char **join)
{
	*join = NULL;
	CUBO_TRY(run_opt_check_line(flag, s));
	bool can_join = false;
	for (size_t i = 0; modes[i]; i++) {
		if (!strcmp(modes[i], "container:"))
			can_join = true;
		else if (!strcmp(s, modes[i]))
			return NULL;
	}
	if (can_join && !strncmp(s, "container:", 10) && s[10]) {
		*join = s + 10;
		return NULL;
	}
	struct cubo_strbuf list = {0};
	for (size_t i = 0; modes[i]; i++) {
		cubo_strbuf_adds(&list, i ? ", " : "");
		cubo_strbuf_adds(&list, modes[i]);
	}
	struct cubo_error *err = cubo_error_new("%s \"%s\": invalid mode (expected %s%s)", flag, s,
						list.s, can_join ? "NAME" : "");
	free(list.s);
	return err;
}

struct cubo_error *run_opt_parse_label(const char *flag, const char *s, char **out)
{
	*out = NULL;
	CUBO_TRY(run_opt_check_line(flag, s));
	if (s[0] == '=' || !s[0])
		return cubo_error_new("%s \"%s\": expected KEY[=VALUE]", flag, s);
	*out = xasprintf("%s%s", s, strchr(s, '=') ? "" : "=");
	return NULL;
}

static bool env_key_ok(const char *k, size_t n)
{
	if (n == 0 || has_control(k, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)k[i]))
			return false;
	return true;
}

struct cubo_error *run_opt_env_arg(const char *arg, char *const *host_env, char ***env, size_t *n)
{
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
	if (!env_key_ok(arg, klen))
		return cubo_error_new("-e \"%s\": invalid variable name", arg);
	if (eq) {
		cubo_strv_push(env, n, arg);
		return NULL;
	}
	const char *v = cubo_strv_env_get(host_env, arg);
	if (!v)
		return NULL;
	char *kv = xasprintf("%s=%s", arg, v);
	cubo_strv_push(env, n, kv);
	free(kv);
	return NULL;
}

/*
 * A KEY[=VALUE] file of docker's (--env-file, --label-file): each line
 * that is neither blank nor a "#" comment goes to add (ctx), which checks
 * it; flag names the file in errors.
 */
static struct cubo_error *read_kv_file(const char *flag, const char *path,
				       struct cubo_error *(*add)(void *ctx, const char *kv),
				       void *ctx)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return cubo_error_errno("%s %s", flag, path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	struct cubo_error *err = NULL;
	while (!err && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		if (strlen(line) != (size_t)len) {
			err = cubo_error_new("%s:%u: NUL byte in line", path, lineno);
			break;
		}
		const char *eq = strchr(p, '=');
		size_t klen = eq ? (size_t)(eq - p) : strlen(p);
		if (!env_key_ok(p, klen)) {
			err = cubo_error_new("%s:%u: invalid variable name \"%.*s\"", path, lineno,
					     (int)klen, p);
			break;
		}
		if ((err = add(ctx, p)))
			err = cubo_error_wrap(err, "%s:%u", path, lineno);
	}
	if (!err && ferror(f))
		err = cubo_error_errno("%s %s: read", flag, path);
	free(line);
	fclose(f);
	return err;
}

struct env_file_ctx {
	char *const *host_env;
	char ***env;
	size_t *n;
};

static struct cubo_error *env_file_add(void *ctx, const char *kv)
{
	struct env_file_ctx *c = ctx;
	return run_opt_env_arg(kv, c->host_env, c->env, c->n);
}

struct cubo_error *run_opt_read_env_file(const char *path, char *const *host_env, char ***env,
					 size_t *n)
{
	struct env_file_ctx c = {host_env, env, n};
	return read_kv_file("--env-file", path, env_file_add, &c);
}

struct label_file_ctx {
	char ***labels;
	size_t *n;
};

static struct cubo_error *label_file_add(void *ctx, const char *kv)
{
	struct label_file_ctx *c = ctx;
	char *label;
	CUBO_TRY(run_opt_parse_label("--label-file", kv, &label));
	cubo_strv_push(c->labels, c->n, label);
	free(label);
	return NULL;
}

struct cubo_error *run_opt_read_label_file(const char *path, char ***labels, size_t *n)
{
	struct label_file_ctx c = {labels, n};
	return read_kv_file("--label-file", path, label_file_add, &c);
}

/*
 * A set of "PORT/PROTO" keys, one bit a port and protocol: ranges of
 * --expose hold up to 65535 ports each, which a list search would make
 * quadratic.
 */
struct port_set {
	uint8_t *bits;
};

static const char *const port_protos[] = {"tcp", "udp", "sctp"};

/* The bit of "PORT/PROTO", or -1 for anything else. */
static long port_set_slot(const char *key)
{
	char *slash;
	if (!isdigit((unsigned char)key[0]))
		return -1;
	unsigned long p = strtoul(key, &slash, 10);
	if (p == 0 || p > 65535 || *slash != '/')
		return -1;
	for (size_t i = 0; i < sizeof(port_protos) / sizeof(*port_protos); i++)
		if (!strcmp(slash + 1, port_protos[i]))
			return (long)(i * 65536 + p);
	return -1;
}

/* Adds key; false when it was there. Keys that are not "PORT/PROTO" go by a search of v. */
static bool port_set_add(struct port_set *s, char *const *v, const char *key)
{
	long slot = port_set_slot(key);
	if (slot < 0)
		return !cubo_strv_contains(v, key);
	uint8_t bit = (uint8_t)(1u << (slot % 8));
	if (s->bits[slot / 8] & bit)
		return false;
	s->bits[slot / 8] |= bit;
	return true;
}

static void port_set_init(struct port_set *s, char *const *v)
{
	s->bits = xcalloc(sizeof(port_protos) / sizeof(*port_protos) * 65536 / 8, 1);
	for (size_t i = 0; v && v[i]; i++)
		port_set_add(s, v, v[i]);
}

struct cubo_error *run_opt_parse_expose(const char *s, char ***out, size_t *n)
{
	char buf[32];
	if (strlen(s) >= sizeof(buf))
		return cubo_error_new("--expose \"%.40s...\": too long", s);
	strcpy(buf, s);
	char *proto = strchr(buf, '/');
	if (proto)
		*proto++ = '\0';
	if (proto && strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
		return cubo_error_new("--expose \"%s\": unknown protocol \"%s\" (tcp, udp or "
				      "sctp)",
				      s, proto);
	char *dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	uint16_t first, last;
	if (!parse_port(buf, false, &first) || (dash && !parse_port(dash, false, &last)))
		return cubo_error_new("--expose \"%s\": invalid port (1-65535, or a range "
				      "FIRST-LAST)",
				      s);
	if (!dash)
		last = first;
	if (last < first)
		return cubo_error_new("--expose \"%s\": invalid range: %u is below %u", s, last,
				      first);
	struct port_set set;
	port_set_init(&set, *out);
	for (unsigned p = first; p <= last; p++) {
		char key[16];
		snprintf(key, sizeof(key), "%u/%s", p, proto ? proto : "tcp");
		if (port_set_add(&set, *out, key))
			cubo_strv_push(out, n, key);
	}
	free(set.bits);
	return NULL;
}

char **run_opt_expose_merge(char *const *image, size_t n_image, char *const *flags)
{
	struct port_set set;
	port_set_init(&set, NULL);
	char **out = NULL;
	size_t n = 0;
	for (size_t i = 0; i < n_image; i++)
		if (port_set_add(&set, out, image[i]))
			cubo_strv_push(&out, &n, image[i]);
	for (size_t i = 0; flags && flags[i]; i++)
		if (port_set_add(&set, out, flags[i]))
			cubo_strv_push(&out, &n, flags[i]);
	free(set.bits);
	return out;
}

static size_t key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');
	return eq ? (size_t)(eq - kv) : strlen(kv);
}

char **run_opt_env_merge(char *const *base, char *const *overrides)
{
	char **out = NULL;
	size_t n = 0;
	for (size_t i = 0; base && base[i]; i++)
		cubo_strv_push(&out, &n, base[i]);
	for (size_t i = 0; overrides && overrides[i]; i++) {
		size_t k = key_len(overrides[i]);
		size_t j;
		for (j = 0; j < n; j++)
			if (key_len(out[j]) == k && !strncmp(out[j], overrides[i], k))
				break;
		if (j < n) {
			char *copy = xstrdup(overrides[i]);
			free(out[j]);
			out[j] = copy;
		} else {
			cubo_strv_push(&out, &n, overrides[i]);
		}
	}
	if (!out) /* never NULL: an empty vector */
		out = xcalloc(1, sizeof(char *));
	return out;
}

struct cubo_error *run_opt_cap_name(const char *s, char **out)
{
	char buf[64];
	size_t n = strlen(s);
	if (n == 0 || n + 5 > sizeof(buf))
		return cubo_error_new("unknown capability \"%s\"", s);
	bool prefixed = strncasecmp(s, "CAP_", 4) == 0;
	snprintf(buf, sizeof(buf), "%s%s", prefixed ? "" : "CAP_", s);
	for (char *p = buf; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if (!strcmp(buf, "CAP_ALL")) {
		*out = xstrdup("ALL");
		return NULL;
	}
	for (size_t i = 0; oci_capability_names[i]; i++)
		if (!strcmp(buf, oci_capability_names[i])) {
			*out = xstrdup(buf);
			return NULL;
		}
	return cubo_error_new("unknown capability \"%s\"", s);
}

static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_./=:,+@%", *s))
			return true;
	return false;
}

char *run_opt_command_line(char *const *argv, size_t max)
{
	size_t cap = 64, len = 0;
	char *out = xmalloc(cap);
	out[0] = '\0';
	for (size_t i = 0; argv && argv[i]; i++) {
		const char *a = argv[i];
		size_t need = 4 * strlen(a) + 4;
		if (len + need + 1 > cap) {
			cap = 2 * (len + need + 1);
			out = xrealloc(out, cap);
		}
		if (i)
			out[len++] = ' ';
		bool q = needs_quotes(a);
		if (q)
			out[len++] = '\'';
		for (; *a; a++) {
			if (*a == '\'') {
				memcpy(out + len, "'\\''", 4);
				len += 4;
			} else {
				out[len++] = *a;
			}
		}
		if (q)
			out[len++] = '\'';
		out[len] = '\0';
	}
	if (max && len > max)
		out[max] = '\0';
	return out;
}

static const struct {
	const char *name, *type;
} ulimit_names[] = {
	{"as", "RLIMIT_AS"},
	{"core", "RLIMIT_CORE"},
	{"cpu", "RLIMIT_CPU"},
	{"data", "RLIMIT_DATA"},
	{"fsize", "RLIMIT_FSIZE"},
	{"locks", "RLIMIT_LOCKS"},
	{"memlock", "RLIMIT_MEMLOCK"},
	{"msgqueue", "RLIMIT_MSGQUEUE"},
	{"nice", "RLIMIT_NICE"},
	{"nofile", "RLIMIT_NOFILE"},
	{"nproc", "RLIMIT_NPROC"},
	{"rss", "RLIMIT_RSS"},
	{"rtprio", "RLIMIT_RTPRIO"},
	{"rttime", "RLIMIT_RTTIME"},
	{"sigpending", "RLIMIT_SIGPENDING"},
	{"stack", "RLIMIT_STACK"},
};

static bool parse_limit(const char *s, size_t n, uint64_t *out)
{
	if (n == 2 && !strncmp(s, "-1", 2)) {
		*out = UINT64_MAX;
		return true;
	}
	if (n == 0 || n > 20)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]) || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

struct cubo_error *run_opt_parse_ulimit(const char *s, struct ctr_ulimit *out)
{
	memset(out, 0, sizeof(*out));
	const char *eq = strchr(s, '=');
	if (!eq)
		return cubo_error_new("--ulimit \"%s\": expected NAME=SOFT[:HARD]", s);
	size_t i, klen = (size_t)(eq - s);
	for (i = 0; i < sizeof(ulimit_names) / sizeof(*ulimit_names); i++)
		if (strlen(ulimit_names[i].name) == klen && !strncmp(s, ulimit_names[i].name, klen))
			break;
	if (i == sizeof(ulimit_names) / sizeof(*ulimit_names))
		return cubo_error_new("--ulimit \"%s\": unknown limit \"%.*s\"", s, (int)klen, s);
	snprintf(out->type, sizeof(out->type), "%s", ulimit_names[i].type);
	const char *v = eq + 1, *colon = strchr(v, ':');
	size_t slen = colon ? (size_t)(colon - v) : strlen(v);
	if (!parse_limit(v, slen, &out->soft) ||
	    (colon && !parse_limit(colon + 1, strlen(colon + 1), &out->hard)))
		return cubo_error_new("--ulimit \"%s\": limits are numbers or -1", s);
	if (!colon)
		out->hard = out->soft;
	if (out->soft > out->hard)
		return cubo_error_new("--ulimit \"%s\": the soft limit is above the hard one", s);
	return NULL;
}

static const char *const signal_names[] = {
	"HUP",	"INT",	"QUIT", "ILL",	  "TRAP",   "ABRT",  "BUS",  "FPE",  "KILL", "USR1", "SEGV",
	"USR2", "PIPE", "ALRM", "TERM",	  "STKFLT", "CHLD",  "CONT", "STOP", "TSTP", "TTIN", "TTOU",
	"URG",	"XCPU", "XFSZ", "VTALRM", "PROF",   "WINCH", "IO",   "PWR",  "SYS",
};

struct cubo_error *run_opt_parse_signal(const char *flag, const char *s, char **out)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end) {
		if (n < 1 || n > 64)
			return cubo_error_new("%s \"%s\": not a signal number", flag, s);
		*out = xstrdup(s);
		return NULL;
	}
	const char *name = strncasecmp(s, "SIG", 3) ? s : s + 3;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(*signal_names); i++)
		if (!strcasecmp(name, signal_names[i])) {
			*out = xasprintf("SIG%s", signal_names[i]);
			return NULL;
		}
	return cubo_error_new("%s \"%s\": unknown signal", flag, s);
}

int run_opt_signal_number(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n >= 1 && n <= 64 ? (int)n : 0;
	const char *name = strncasecmp(s, "SIG", 3) ? s : s + 3;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(*signal_names); i++)
		if (!strcasecmp(name, signal_names[i]))
			return (int)i + 1;
	return 0;
}

#define N_TMPFS_PAIRS (sizeof(tmpfs_flag_pairs) / sizeof(*tmpfs_flag_pairs))

void ctr_tmpfs_free(struct ctr_tmpfs *t)
{
	free(t->dest);
	cubo_strv_free(t->options);
	free(t->given);
	memset(t, 0, sizeof(*t));
}

/* Mount flags that come in pairs; the first of each is docker's default for --tmpfs. */
static const char *const tmpfs_flag_pairs[][2] = {
	{"rw", "ro"},
	{"noexec", "exec"},
	{"nosuid", "suid"},
	{"nodev", "dev"},
};

static const char *const tmpfs_flags[] = {
	"atime",	 "noatime",  "relatime",   "norelatime", "strictatime",
	"nostrictatime", "diratime", "nodiratime", "sync",	 "async",
	"dirsync",	 "mand",     "nomand",	   NULL,
};

static bool all_digits(const char *s, int base)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (base == 8 ? (*s < '0' || *s > '7') : !isdigit((unsigned char)*s))
			return false;
	return true;
}

/* A tmpfs data option ("size=64m", "mode=1777", ...) -> its text for the kernel, or NULL. */
static char *tmpfs_data_option(const char *opt)
{
	const char *eq = strchr(opt, '=');
	if (!eq)
		return NULL;
	size_t k = (size_t)(eq - opt);
	const char *v = eq + 1;
	if (k == 4 && !strncmp(opt, "size", 4)) {
		int64_t bytes;
		struct cubo_error *err = cubo_parse_size(v, &bytes);
		if (err || bytes <= 0) {
			cubo_error_free(err);
			return NULL;
		}
		return xasprintf("size=%lld", (long long)bytes);
	}
	if (k == 4 && !strncmp(opt, "mode", 4))
		return all_digits(v, 8) && strlen(v) <= 4 ? xstrdup(opt) : NULL;
	if ((k == 3 && (!strncmp(opt, "uid", 3) || !strncmp(opt, "gid", 3))) ||
	    (k == 9 && !strncmp(opt, "nr_inodes", 9)) || (k == 9 && !strncmp(opt, "nr_blocks", 9)))
		return all_digits(v, 10) && strlen(v) <= 19 ? xstrdup(opt) : NULL;
	return NULL;
}

struct cubo_error *run_opt_parse_tmpfs(const char *s, struct ctr_tmpfs *out)
{
	memset(out, 0, sizeof(*out));
	CUBO_TRY(run_opt_check_line("--tmpfs", s));
	const char *colon = strchr(s, ':');
	size_t dlen = colon ? (size_t)(colon - s) : strlen(s);
	if (dlen == 0 || s[0] != '/')
		return cubo_error_new("--tmpfs \"%s\": the container path must be absolute", s);
	if (dlen == 1)
		return cubo_error_new("--tmpfs \"%s\": cannot mount over the container's root", s);
	const char *pair[N_TMPFS_PAIRS];
	for (size_t i = 0; i < N_TMPFS_PAIRS; i++)
		pair[i] = tmpfs_flag_pairs[i][0];
	char **opts = colon ? cubo_strv_split(colon + 1, ',') : NULL;
	char **extra = NULL;
	size_t n_extra = 0;
	struct cubo_error *err = NULL;
	if (colon && !colon[1])
		err = cubo_error_new("--tmpfs \"%s\": empty options after ':'", s);
	else if (colon && (colon[1] == ',' || strstr(colon, ",,") || strchr(s, '\0')[-1] == ','))
		err = cubo_error_new("--tmpfs \"%s\": invalid option \"\" (an empty one)", s);
	for (size_t i = 0; !err && opts && opts[i]; i++) {
		const char *o = opts[i];
		bool known = false;
		for (size_t j = 0; j < N_TMPFS_PAIRS && !known; j++)
			for (size_t k = 0; k < 2 && !known; k++)
				if (!strcmp(o, tmpfs_flag_pairs[j][k])) {
					pair[j] = tmpfs_flag_pairs[j][k];
					known = true;
				}
		if (!known && cubo_strv_contains((char *const *)tmpfs_flags, o)) {
			cubo_strv_push(&extra, &n_extra, o);
			known = true;
		}
		char *data = known ? NULL : tmpfs_data_option(o);
		if (data) {
			cubo_strv_push(&extra, &n_extra, data);
			free(data);
			known = true;
		}
		if (!known)
			err = cubo_error_new("--tmpfs \"%s\": invalid option \"%s\"", s, o);
	}
	cubo_strv_free(opts);
	if (err) {
		cubo_strv_free(extra);
		return err;
	}
	size_t n = 0;
	for (size_t i = 0; i < N_TMPFS_PAIRS; i++)
		cubo_strv_push(&out->options, &n, pair[i]);
	for (size_t i = 0; i < n_extra; i++)
		cubo_strv_push(&out->options, &n, extra[i]);
	cubo_strv_free(extra);
	char *dest = xstrndup(s, dlen);
	out->dest = run_opt_path_abs(NULL, dest); /* "/x/" is "/x", a duplicate of it */
	free(dest);
	out->given = xstrdup(colon ? colon + 1 : "");
	if (!strcmp(out->dest, "/")) {
		ctr_tmpfs_free(out);
		return cubo_error_new("--tmpfs \"%s\": cannot mount over the container's root", s);
	}
	return NULL;
}

/* Docker's list: sysctls that belong to the container's own IPC or network namespace. */
static bool sysctl_allowed(const char *key)
{
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};
	for (size_t i = 0; i < sizeof(ipc) / sizeof(*ipc); i++)
		if (!strcmp(key, ipc[i]))
			return true;
	return !strncmp(key, "fs.mqueue.", 10) || !strncmp(key, "net.", 4);
}

struct cubo_error *run_opt_parse_sysctl(const char *s, char **out)
{
	*out = NULL;
	CUBO_TRY(run_opt_check_line("--sysctl", s));
	const char *eq = strchr(s, '=');
	if (!eq || eq == s)
		return cubo_error_new("--sysctl \"%s\": expected KEY=VALUE", s);
	char *key = xstrndup(s, (size_t)(eq - s));
	/* a key is a path under /proc/sys: nothing that could climb out of it */
	bool ok = key[0] != '.' && !strstr(key, "..") && strchr(key, '\0')[-1] != '.';
	for (const char *p = key; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || strchr("._-/", *p);
	struct cubo_error *err = NULL;
	if (!ok)
		err = cubo_error_new("--sysctl \"%s\": invalid key \"%s\"", s, key);
	else if (!sysctl_allowed(key))
		err = cubo_error_new("--sysctl \"%s\": sysctl '%s' is not whitelisted", s, key);
	if (!err)
		*out = xstrdup(s);
	free(key);
	return err;
}

struct cubo_error *run_opt_check_cpuset(const char *flag, const char *s)
{
	/* docker's syntax: N or N-M, comma-separated, each range ascending */
	const char *p = s;
	bool ok = *s != '\0';
	while (ok && *p) {
		char *end;
		if (!isdigit((unsigned char)*p))
			break;
		unsigned long a = strtoul(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				break;
			b = strtoul(p + 1, &end, 10);
			p = end;
		}
		if (a > b || b > 65535)
			ok = false;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			break;
	}
	ok = ok && !*p;
	if (!ok)
		return cubo_error_new("%s \"%s\": invalid value (expected a list such as 0-3,5)",
				      flag, s);
	return NULL;
}

struct cubo_error *run_opt_parse_memory_swap(const char *s, int64_t memory, int64_t *out)
{
	if (!strcmp(s, "-1"))
		*out = -1;
	else
		CUBO_TRY(run_opt_parse_size("--memory-swap", s, out));
	if (*out == 0)
		return NULL;
	if (memory <= 0)
		return cubo_error_new("--memory-swap %s: you should always set the memory limit "
				      "(--memory) when using the memory+swap limit",
				      s);
	if (*out > 0 && *out < memory)
		return cubo_error_new("--memory-swap %s: the minimum memory+swap limit should be "
				      "larger than the memory limit",
				      s);
	return NULL;
}

struct cubo_error *run_opt_check_group(const char *s)
{
	CUBO_TRY(run_opt_check_line("--group-add", s));
	/* a name is a field of /etc/group: no separator of that file in it */
	if (!*s || strpbrk(s, ":, \t"))
		return cubo_error_new("--group-add \"%s\": not a group name or ID", s);
	if (all_digits(s, 10) && (strlen(s) > 10 || strtoull(s, NULL, 10) >= UINT32_MAX))
		return cubo_error_new("--group-add \"%s\": a group ID is at most 4294967294", s);
	return NULL;
}

char **run_opt_privileged_caps(void)
{
	char **caps = NULL;
	size_t n = 0;
	for (int i = 0; oci_capability_names[i]; i++)
		if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
			cubo_strv_push(&caps, &n, oci_capability_names[i]);
	return caps;
}

/* ---- health checks ---- */

static struct cubo_error *health_opts(const struct run_health_flags *f, struct oci_healthcheck *h)
{
	const struct {
		const char *flag, *value;
		int64_t *out;
	} durations[] = {
		{"--health-interval", f->interval, &h->interval},
		{"--health-timeout", f->timeout, &h->timeout},
		{"--health-start-period", f->start_period, &h->start_period},
		{"--health-start-interval", f->start_interval, &h->start_interval},
	};
	bool any = f->cmd || f->retries;

	for (size_t i = 0; i < sizeof(durations) / sizeof(*durations); i++) {
		if (!durations[i].value)
			continue;
		any = true;
		CUBO_TRY(health_duration_parse(durations[i].flag, durations[i].value,
					       durations[i].out));
	}
	if (f->none && any)
		return cubo_error_new("--no-healthcheck conflicts with --health-* options");
	if (f->none) {
		oci_healthcheck_test_push(h, "NONE");
		return NULL;
	}
	if (f->retries)
		CUBO_TRY(health_retries_parse("--health-retries", f->retries, &h->retries));
	if (f->cmd) {
		if (!*f->cmd)
			return cubo_error_new("--health-cmd: the command is empty");
		oci_healthcheck_test_push(h, "CMD-SHELL");
		oci_healthcheck_test_push(h, f->cmd);
	}
	return NULL;
}

struct cubo_error *run_opt_health(const struct run_health_flags *f, struct oci_healthcheck **out)
{
	*out = NULL;
	if (!f->none && !f->cmd && !f->interval && !f->timeout && !f->start_period &&
	    !f->start_interval && !f->retries)
		return NULL;
	struct oci_healthcheck *h = xcalloc(1, sizeof(*h));
	struct cubo_error *err = health_opts(f, h);
	if (err) {
		oci_healthcheck_free(h);
		return err;
	}
	*out = h;
	return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* -v and --mount values: see mount_opt.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/mount_opt.h"
#include "shared/size.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

static const char *const propagations[] = {"shared", "slave",	 "private", "rshared",
					   "rslave", "rprivate", NULL};

char *run_opt_path_abs(const char *cwd, const char *path)
{
	if (path[0] != '/' && (!cwd || cwd[0] != '/'))
		return NULL;
	char *joined = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", cwd, path);
	char **parts = cubo_strv_split(joined, '/');
	size_t n = 0;
	for (size_t i = 0; parts[i]; i++) {
		if (!parts[i][0] || !strcmp(parts[i], "."))
			continue;
		if (!strcmp(parts[i], "..")) {
			n -= n > 0;
			continue;
		}
		char *keep = parts[i];
		parts[i] = parts[n];
		parts[n++] = keep;
	}
	struct cubo_strbuf b = {0};
	for (size_t i = 0; i < n; i++) {
		cubo_strbuf_addc(&b, '/');
		cubo_strbuf_adds(&b, parts[i]);
	}
	if (!n)
		cubo_strbuf_addc(&b, '/');
	cubo_strv_free(parts);
	free(joined);
	return cubo_strbuf_take(&b);
}

static bool volume_name_ok(const char *s)
{
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return strlen(s) >= 2;
}

/* The container path: absolute, not "/", cleaned. */
static struct cubo_error *set_dest(const char *flag, const char *s, const char *dest, char **out)
{
	if (dest[0] != '/')
		return cubo_error_new("%s \"%s\": container path \"%s\" is not absolute", flag, s,
				      dest);
	*out = run_opt_path_abs(NULL, dest);
	if (!strcmp(*out, "/"))
		return cubo_error_new("%s \"%s\": cannot mount over the container's root", flag, s);
	return NULL;
}

/* A host path, made absolute against cwd. */
static struct cubo_error *set_host_path(const char *flag, const char *s, const char *cwd,
					const char *src, char **out)
{
	*out = run_opt_path_abs(cwd, src);
	if (!*out)
		return cubo_error_new("%s \"%s\": the relative path \"%s\" needs a current "
				      "directory, which is unknown",
				      flag, s, src);
	return NULL;
}

/* -v's OPTS: ro, rw, z, Z, nocopy, a propagation; each at most once, ro and rw not both. */
static struct cubo_error *volume_options(const char *s, const char *opts, struct ctr_volume_spec *v)
{
	if (opts[0] == ',' || strstr(opts, ",,") || strchr(opts, '\0')[-1] == ',')
		return cubo_error_new("-v \"%s\": invalid mode \"\" (an empty one)", s);
	char **o = cubo_strv_split(opts, ',');
	struct cubo_error *err = NULL;
	bool ro = false, rw = false;
	for (size_t i = 0; !err && o[i]; i++) {
		const char *x = o[i];
		if (!strcmp(x, "ro") || !strcmp(x, "rw")) {
			if (ro || rw)
				err = cubo_error_new("-v \"%s\": conflicting options \"%s\": give "
						     "one of ro and rw",
						     s, opts);
			ro |= !strcmp(x, "ro");
			rw |= !strcmp(x, "rw");
		} else if (!strcmp(x, "z") || !strcmp(x, "Z")) {
			/* SELinux relabelling: there is no SELinux policy to label for */
		} else if (!strcmp(x, "nocopy")) {
			v->nocopy = true;
		} else if (cubo_strv_contains((char *const *)propagations, x)) {
			if (v->propagation[0])
				err = cubo_error_new("-v \"%s\": more than one propagation mode",
						     s);
			snprintf(v->propagation, sizeof(v->propagation), "%s", x);
		} else {
			err = cubo_error_new(
				"-v \"%s\": invalid mode \"%s\" (ro, rw, z, Z, nocopy, "
				"shared, slave, private, rshared, rslave, rprivate)",
				s, x);
		}
	}
	cubo_strv_free(o);
	v->readonly = ro;
	return err;
}

/* What only a bind or only a volume may have. */
static struct cubo_error *check_kind(const char *flag, const char *s,
				     const struct ctr_volume_spec *v)
{
	if (v->named && v->propagation[0])
		return cubo_error_new("%s \"%s\": a propagation mode is for bind mounts, not "
				      "volumes",
				      flag, s);
	if (!v->named && v->nocopy)
		return cubo_error_new("%s \"%s\": nocopy is for volumes, not bind mounts", flag, s);
	return NULL;
}

struct cubo_error *run_opt_parse_volume(const char *s, const char *cwd, struct ctr_volume_spec *out)
{
	memset(out, 0, sizeof(*out));
	char **parts = cubo_strv_split(s, ':');
	size_t n = cubo_strv_len(parts);
	struct cubo_error *err = NULL;
	const char *src = NULL, *dest, *mode = NULL;
	if (n == 0 || n > 3 || strchr(s, '\0')[-1] == ':' || s[0] == ':') {
		err = cubo_error_new("-v \"%s\": expected HOST-DIR:CONTAINER-DIR[:OPTS], "
				     "NAME:CONTAINER-DIR[:OPTS] or CONTAINER-DIR[:OPTS]",
				     s);
		goto out;
	}
	if (n == 1) {
		dest = parts[0];
	} else if (n == 2 && parts[0][0] == '/' && parts[1][0] != '/') {
		dest = parts[0];
		mode = parts[1];
	} else {
		src = parts[0];
		dest = parts[1];
		mode = n == 3 ? parts[2] : NULL;
	}
	/* docker ≥ 23: "./d", "../d" and "." are host paths */
	bool path = src && (src[0] == '/' || src[0] == '.');
	if (src && !path && !volume_name_ok(src)) {
		err = cubo_error_new("-v \"%s\": \"%s\" is neither a host path (/abs, ./rel) nor "
				     "a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)",
				     s, src);
		goto out;
	}
	out->named = !path;
	err = set_dest("-v", s, dest, &out->dest);
	if (!err && path)
		err = set_host_path("-v", s, cwd, src, &out->source);
	else if (!err)
		out->source = xstrdup(src);
	if (!err && mode)
		err = volume_options(s, mode, out);
	if (!err)
		err = check_kind("-v", s, out);
out:
	cubo_strv_free(parts);
	if (err)
		ctr_volume_spec_free(out);
	return err;
}

void ctr_mount_arg_free(struct ctr_mount_arg *m)
{
	ctr_volume_spec_free(&m->vol);
	ctr_tmpfs_free(&m->tmpfs);
	memset(m, 0, sizeof(*m));
}

/*
 * docker reads --mount as one CSV record: a field may be double-quoted to
 * hold commas ("src=/a,b"), "" inside being one quote.
 */
static struct cubo_error *csv_fields(const char *s, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	struct cubo_strbuf b = {0};
	bool quoted = false;
	for (const char *p = s;; p++) {
		if (quoted && *p == '"' && p[1] == '"') {
			cubo_strbuf_addc(&b, '"');
			p++;
		} else if (*p == '"' && (quoted || b.len == 0)) {
			quoted = !quoted;
		} else if (*p && (quoted || *p != ',')) {
			cubo_strbuf_addc(&b, *p);
		} else if (quoted) {
			break; /* the end inside quotes */
		} else {
			char *f = cubo_strbuf_take(&b);
			cubo_strv_push(&v, &n, f);
			free(f);
			if (!*p)
				break;
		}
	}
	free(b.s);
	if (quoted) {
		cubo_strv_free(v);
		return cubo_error_new("--mount \"%s\": a quote is not closed", s);
	}
	*out = v;
	return NULL;
}

/* Go's strconv.ParseBool, which docker uses for --mount's booleans. */
static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True", NULL};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False", NULL};
	*out = cubo_strv_contains((char *const *)yes, s);
	return *out || cubo_strv_contains((char *const *)no, s);
}

/* The fields seen, for docker's "cannot mix" checks and what each type needs. */
struct mount_fields {
	char *type, *source, *target;
	bool readonly, nonrecursive, nocopy, ro_top_only, ro_recursive;
	char propagation[9];
	char **labels;
	size_t n_labels;
	const char *bind_key, *volume_key, *tmpfs_key; /* a field of each family, if any */
	int64_t tmpfs_size;
	long tmpfs_mode;
};

static struct cubo_error *mount_field(const char *s, const char *field, struct mount_fields *m)
{
	const char *eq = strchr(field, '=');
	char *key = eq ? xstrndup(field, (size_t)(eq - field)) : xstrdup(field);
	const char *val = eq ? eq + 1 : NULL;
	struct cubo_error *err = NULL;
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	bool b = true;
	const char *bool_keys[] = {"readonly", "ro", "bind-nonrecursive", "volume-nocopy", NULL};
	bool is_bool = cubo_strv_contains((char *const *)bool_keys, key);
	if (!val && !is_bool) {
		err = cubo_error_new("--mount \"%s\": invalid field '%s': it must be a key=value "
				     "pair",
				     s, field);
		goto out;
	}
	if (val && is_bool && !parse_bool(val, &b)) {
		err = cubo_error_new("--mount \"%s\": invalid value for %s: %s", s, key, val);
		goto out;
	}
	if (!strncmp(key, "bind-", 5))
		m->bind_key = m->bind_key ? m->bind_key : "bind-*";
	else if (!strncmp(key, "volume-", 7))
		m->volume_key = "volume-*";
	else if (!strncmp(key, "tmpfs-", 6))
		m->tmpfs_key = "tmpfs-*";
	if (!strcmp(key, "type")) {
		free(m->type);
		m->type = xstrdup(val);
	} else if (!strcmp(key, "source") || !strcmp(key, "src")) {
		free(m->source);
		m->source = xstrdup(val);
	} else if (!strcmp(key, "target") || !strcmp(key, "dst") || !strcmp(key, "destination")) {
		free(m->target);
		m->target = xstrdup(val);
	} else if (!strcmp(key, "readonly") || !strcmp(key, "ro")) {
		m->readonly = b;
	} else if (!strcmp(key, "bind-nonrecursive")) {
		m->nonrecursive = b;
	} else if (!strcmp(key, "volume-nocopy")) {
		m->nocopy = b;
	} else if (!strcmp(key, "bind-propagation")) {
		if (!cubo_strv_contains((char *const *)propagations, val))
			err = cubo_error_new("--mount \"%s\": invalid value for bind-propagation: "
					     "%s (shared, slave, private, rshared, rslave, "
					     "rprivate)",
					     s, val);
		else
			snprintf(m->propagation, sizeof(m->propagation), "%s", val);
	} else if (!strcmp(key, "bind-recursive")) {
		/* docker 25's: enabled (the default), disabled, writable, readonly */
		static const char *const modes[] = {"enabled", "disabled", "writable", "readonly",
						    NULL};
		if (!cubo_strv_contains((char *const *)modes, val))
			err = cubo_error_new("--mount \"%s\": invalid value for bind-recursive: "
					     "%s (enabled, disabled, writable, readonly)",
					     s, val);
		m->nonrecursive = !strcmp(val, "disabled");
		m->ro_top_only = !strcmp(val, "writable");
		m->ro_recursive = !strcmp(val, "readonly");
	} else if (!strcmp(key, "volume-label")) {
		if (!strchr(val, '=') || val[0] == '=')
			err = cubo_error_new("--mount \"%s\": volume-label \"%s\": expected "
					     "KEY=VALUE",
					     s, val);
		else
			cubo_strv_push(&m->labels, &m->n_labels, val);
	} else if (!strcmp(key, "volume-driver")) {
		if (strcmp(val, "local"))
			err = cubo_error_new("--mount \"%s\": volume driver \"%s\" is not "
					     "supported (only local)",
					     s, val);
	} else if (!strcmp(key, "volume-opt")) {
		err = cubo_error_new("--mount \"%s\": volume-opt is not supported: the local "
				     "driver here keeps plain directories (mount a device or "
				     "NFS share on the host and bind it)",
				     s);
	} else if (!strcmp(key, "consistency")) {
		/* macOS file sharing: nothing to do on Linux, as with docker */
	} else if (!strcmp(key, "tmpfs-size")) {
		err = cubo_error_wrap(cubo_parse_size(val, &m->tmpfs_size),
				      "--mount \"%s\": tmpfs-size", s);
	} else if (!strcmp(key, "tmpfs-mode")) {
		char *end;
		errno = 0;
		m->tmpfs_mode = strtol(val, &end, 8);
		if (!*val || *end || errno || m->tmpfs_mode < 0 || m->tmpfs_mode > 07777)
			err = cubo_error_new("--mount \"%s\": invalid value for tmpfs-mode: %s "
					     "(octal, e.g. 1777)",
					     s, val);
	} else {
		err = cubo_error_new("--mount \"%s\": unexpected key '%s' in '%s'", s, key, field);
	}
out:
	free(key);
	return err;
}

static struct cubo_error *mount_tmpfs(const char *s, const struct mount_fields *m,
				      struct ctr_mount_arg *out)
{
	if (m->source)
		return cubo_error_new("--mount \"%s\": invalid mount config for type \"tmpfs\": "
				      "field Source must not be specified",
				      s);
	char size[32] = "", mode[32] = "";
	if (m->tmpfs_size > 0)
		snprintf(size, sizeof(size), ",size=%lld", (long long)m->tmpfs_size);
	if (m->tmpfs_mode >= 0)
		snprintf(mode, sizeof(mode), ",mode=%lo", (unsigned long)m->tmpfs_mode);
	/* rw first: --tmpfs's OPTS syntax wants at least one option */
	char *arg = xasprintf("%s:%s%s%s", m->target, m->readonly ? "ro" : "rw", size, mode);
	out->is_tmpfs = true;
	struct cubo_error *err = run_opt_parse_tmpfs(arg, &out->tmpfs);
	free(arg);
	return cubo_error_wrap(err, "--mount \"%s\"", s);
}

struct cubo_error *run_opt_parse_mount(const char *s, const char *cwd, struct ctr_mount_arg *out)
{
	memset(out, 0, sizeof(*out));
	CUBO_TRY(run_opt_check_line("--mount", s));
	char **fields = NULL;
	CUBO_TRY(csv_fields(s, &fields));
	struct mount_fields m = {.tmpfs_mode = -1};
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && fields && fields[i]; i++)
		if (fields[i][0])
			err = mount_field(s, fields[i], &m);
	cubo_strv_free(fields);
	const char *type = m.type ? m.type : "volume";
	bool bind = !strcmp(type, "bind"), vol = !strcmp(type, "volume"),
	     tmpfs = !strcmp(type, "tmpfs");
	if (!err && !bind && !vol && !tmpfs)
		err = cubo_error_new("--mount \"%s\": mount type \"%s\" is not supported (bind, "
				     "volume, tmpfs)",
				     s, type);
	const char *mixed = !err ? (!bind ? m.bind_key : NULL) : NULL;
	mixed = mixed ? mixed : (!err && !vol ? m.volume_key : NULL);
	mixed = mixed ? mixed : (!err && !tmpfs ? m.tmpfs_key : NULL);
	if (mixed)
		err = cubo_error_new("--mount \"%s\": cannot mix '%s' options with mount type "
				     "'%s'",
				     s, mixed, type);
	if (!err && (m.ro_top_only || m.ro_recursive) && !m.readonly)
		err = cubo_error_new("--mount \"%s\": bind-recursive=%s needs readonly", s,
				     m.ro_top_only ? "writable" : "readonly");
	if (!err && !m.target)
		err = cubo_error_new("--mount \"%s\": target is required", s);
	if (!err && tmpfs) {
		err = mount_tmpfs(s, &m, out);
	} else if (!err) {
		struct ctr_volume_spec *v = &out->vol;
		v->named = vol;
		v->must_exist = bind;
		v->readonly = m.readonly;
		v->nonrecursive = m.nonrecursive;
		v->nocopy = m.nocopy;
		v->ro_top_only = m.ro_top_only;
		v->ro_recursive = m.ro_recursive;
		memcpy(v->propagation, m.propagation, sizeof(v->propagation));
		v->labels = m.labels;
		m.labels = NULL;
		err = set_dest("--mount", s, m.target, &v->dest);
		if (!err && bind && (!m.source || !m.source[0]))
			err = cubo_error_new("--mount \"%s\": invalid mount config for type "
					     "\"bind\": field Source must not be empty",
					     s);
		if (!err && bind)
			err = set_host_path("--mount", s, cwd, m.source, &v->source);
		if (!err && vol && m.source && m.source[0] && !volume_name_ok(m.source))
			err = cubo_error_new("--mount \"%s\": invalid volume name \"%s\": it must "
					     "match [a-zA-Z0-9][a-zA-Z0-9_.-]+",
					     s, m.source);
		if (!err && vol && m.source && m.source[0])
			v->source = xstrdup(m.source);
	}
	free(m.type);
	free(m.source);
	free(m.target);
	cubo_strv_free(m.labels);
	if (err)
		ctr_mount_arg_free(out);
	return err;
}

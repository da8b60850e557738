/* SPDX-License-Identifier: Apache-2.0 */
/* Finding CDI devices in the spec directories and applying their edits: see cdi.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cubo-mgr/container/cdi.h"
#include "cubo-mgr/container/run_opts.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* More spec files than a host has: the rest of a directory is not read. */
#define MAX_FILES 1024
/* The unreadable files an error names. */
#define MAX_BROKEN 8

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcmp(s + n - m, suffix);
}

/* A spec file, bounded before it is read; not a FIFO or a device to hang on. */
static struct cubo_error *read_spec(const char *path, struct cdi_spec *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return cubo_error_errno("CDI spec %s", path);
	struct stat st;
	struct cubo_error *err = NULL;
	if (fstat(fd, &st) < 0)
		err = cubo_error_errno("CDI spec %s", path);
	else if (!S_ISREG(st.st_mode))
		err = cubo_error_new("CDI spec %s: not a regular file", path);
	else if (st.st_size > CDI_MAX_SPEC)
		err = cubo_error_new("CDI spec %s: larger than %d bytes", path, CDI_MAX_SPEC);
	char *text = err ? NULL : xmalloc(CDI_MAX_SPEC + 1);
	size_t len = 0;
	while (!err && len <= CDI_MAX_SPEC) {
		ssize_t n = read(fd, text + len, CDI_MAX_SPEC + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = cubo_error_errno("CDI spec %s: read", path);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!err && len > CDI_MAX_SPEC) /* grew since fstat */
		err = cubo_error_new("CDI spec %s: larger than %d bytes", path, CDI_MAX_SPEC);
	if (!err)
		err = cdi_spec_parse(text, len, !has_suffix(path, ".json"), path, out);
	free(text);
	return err;
}

static int spec_file(const struct dirent *e)
{
	return e->d_name[0] != '.' &&
	       (has_suffix(e->d_name, ".json") || has_suffix(e->d_name, ".yaml") ||
		has_suffix(e->d_name, ".yml"));
}

struct registry {
	struct cdi_spec *specs; /* the ones of a kind asked for, lowest priority first */
	size_t n;
	char **broken; /* "file: why" of the files that could not be read */
	size_t n_broken;
};

static void registry_free(struct registry *r)
{
	for (size_t i = 0; i < r->n; i++)
		cdi_spec_free(&r->specs[i]);
	free(r->specs);
	cubo_strv_free(r->broken);
}

static void scan_dir(const char *dir, char *const *kinds, struct registry *r)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, spec_file, alphasort);
	for (int i = 0; i < n; i++) {
		char *path = cubo_path_join(dir, ents[i]->d_name);
		struct cdi_spec s;
		struct cubo_error *err = i < MAX_FILES ? read_spec(path, &s) : NULL;
		if (err && r->n_broken < MAX_BROKEN) {
			cubo_strv_push(&r->broken, &r->n_broken, err->msg);
			cubo_error_free(err);
		} else if (err) {
			cubo_error_free(err);
		} else if (i < MAX_FILES && cubo_strv_contains(kinds, s.kind)) {
			r->specs = xreallocarray(r->specs, r->n + 1, sizeof(*r->specs));
			r->specs[r->n++] = s;
		} else if (i < MAX_FILES) {
			cdi_spec_free(&s);
		}
		free(path);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

struct found {
	const struct cdi_spec *spec;
	const struct cdi_device *dev;
};

/* The device of spec i, unless a later spec of its kind has one of that name. */
static bool overridden(const struct registry *r, size_t i, const char *name)
{
	for (size_t j = i + 1; j < r->n; j++)
		if (!strcmp(r->specs[j].kind, r->specs[i].kind))
			for (size_t k = 0; k < r->specs[j].n_devices; k++)
				if (!strcmp(r->specs[j].devices[k].name, name))
					return true;
	return false;
}

static void add_found(struct found **f, size_t *n, const struct cdi_spec *s,
		      const struct cdi_device *d)
{
	for (size_t i = 0; i < *n; i++)
		if ((*f)[i].dev == d)
			return;
	*f = xreallocarray(*f, *n + 1, sizeof(**f));
	(*f)[(*n)++] = (struct found){s, d};
}

/* name's devices (the highest priority one, or every one for "all"); false if none. */
static bool resolve(const struct registry *r, const char *kind, const char *name, struct found **f,
		    size_t *n)
{
	for (size_t i = r->n; i-- > 0;) {
		if (strcmp(r->specs[i].kind, kind))
			continue;
		for (size_t k = 0; k < r->specs[i].n_devices; k++)
			if (!strcmp(r->specs[i].devices[k].name, name)) {
				add_found(f, n, &r->specs[i], &r->specs[i].devices[k]);
				return true;
			}
	}
	if (strcmp(name, "all"))
		return false;
	size_t before = *n;
	for (size_t i = 0; i < r->n; i++)
		for (size_t k = 0; !strcmp(r->specs[i].kind, kind) && k < r->specs[i].n_devices;
		     k++)
			if (!overridden(r, i, r->specs[i].devices[k].name))
				add_found(f, n, &r->specs[i], &r->specs[i].devices[k]);
	return *n > before;
}

static struct cubo_error *not_found(const char *name, char *const *dirs, const struct registry *r)
{
	char *where = NULL;
	for (size_t i = 0; dirs[i]; i++) {
		char *w = xasprintf("%s%s%s", where ? where : "", where ? ", " : "", dirs[i]);
		free(where);
		where = w;
	}
	char *why = xstrdup("");
	for (size_t i = 0; i < r->n_broken; i++) { /* one of these may be the one */
		char *w = xasprintf("%s; %s", why, r->broken[i]);
		free(why);
		why = w;
	}
	struct cubo_error *err = cubo_error_new(
		"--device %s: unresolvable CDI device: no spec file in %s defines it%s", name,
		where, why);
	free(why);
	free(where);
	return err;
}

struct cubo_error *cdi_apply(char *const *dirs, char *const *names, struct oci_config *cfg,
			     char ***gids)
{
	static const char *const defaults[] = CDI_DEFAULT_DIRS;
	dirs = dirs ? dirs : (char *const *)defaults;
	char **kinds = NULL, **devs = NULL;
	size_t nk = 0, nd = 0;
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && names[i]; i++) {
		char *kind, *name;
		err = cdi_parse_name(names[i], &kind, &name);
		if (err)
			break;
		if (!cubo_strv_contains(kinds, kind))
			cubo_strv_push(&kinds, &nk, kind);
		cubo_strv_push(&devs, &nd, kind);
		cubo_strv_push(&devs, &nd, name);
		free(kind);
		free(name);
	}
	struct registry r = {0};
	for (size_t i = 0; !err && dirs[i]; i++)
		scan_dir(dirs[i], kinds, &r);
	struct found *f = NULL;
	size_t nf = 0;
	for (size_t i = 0; !err && i < nd; i += 2)
		if (!resolve(&r, devs[i], devs[i + 1], &f, &nf))
			err = not_found(names[i / 2], dirs, &r);
	size_t ng = 0;
	const struct cdi_spec **applied = xcalloc(nf + 1, sizeof(*applied));
	size_t na = 0;
	for (size_t i = 0; !err && i < nf; i++) {
		err = cdi_apply_edits(&f[i].dev->edits, f[i].spec->file, cfg, gids, &ng);
		bool seen = false;
		for (size_t j = 0; j < na; j++)
			seen |= applied[j] == f[i].spec;
		if (!err && !seen) {
			applied[na++] = f[i].spec;
			err = cdi_apply_edits(&f[i].spec->edits, f[i].spec->file, cfg, gids, &ng);
		}
	}
	free(applied);
	free(f);
	registry_free(&r);
	cubo_strv_free(kinds);
	cubo_strv_free(devs);
	return err;
}

/* ---- the edits ---- */

static struct cubo_error *fill_node(const struct cdi_node *n, const char *file,
				    struct oci_device *od)
{
	const char *host = n->host_path ? n->host_path : n->path;
	od->path = xstrdup(n->path);
	od->type = xstrdup(n->type);
	od->has_major = n->has_major;
	od->major = n->major;
	od->has_minor = n->has_minor;
	od->minor = n->minor;
	od->has_file_mode = n->has_file_mode;
	od->file_mode = n->file_mode;
	od->has_uid = n->has_uid;
	od->uid = n->uid;
	od->has_gid = n->has_gid;
	od->gid = n->gid;
	if (n->type && (n->has_major || !strcmp(n->type, "p")))
		return NULL;
	/* what the spec leaves out is the host node's, as CDI fills it */
	struct stat st;
	if (stat(host, &st) < 0)
		return cubo_error_errno("CDI spec %s: device node %s", file, host);
	const char *t = S_ISCHR(st.st_mode)    ? "c"
			: S_ISBLK(st.st_mode)  ? "b"
			: S_ISFIFO(st.st_mode) ? "p"
					       : NULL;
	if (!t)
		return cubo_error_new("CDI spec %s: %s is not a device node", file, host);
	if (od->type && strcmp(od->type, t) && !(!strcmp(od->type, "u") && !strcmp(t, "c")))
		return cubo_error_new("CDI spec %s: %s: type \"%s\" does not match the host's "
				      "\"%s\"",
				      file, host, od->type, t);
	if (!od->type)
		od->type = xstrdup(t);
	if (!od->has_major && strcmp(t, "p")) {
		od->has_major = od->has_minor = true;
		od->major = major(st.st_rdev);
		od->minor = minor(st.st_rdev);
	}
	if (!od->has_file_mode) {
		od->has_file_mode = true;
		od->file_mode = st.st_mode & 0777;
	}
	return NULL;
}

static void oci_device_clear(struct oci_device *d)
{
	free(d->type);
	free(d->path);
}

static struct cubo_error *apply_node(const struct cdi_node *n, const char *file,
				     struct oci_config *cfg)
{
	struct oci_device od = {0};
	struct cubo_error *err = fill_node(n, file, &od);
	if (err) {
		oci_device_clear(&od);
		return err;
	}
	struct oci_linux *l = cfg->linux_;
	/* a node the config has at that path already is replaced */
	for (size_t i = 0; i < l->n_devices; i++)
		if (!strcmp(l->devices[i].path, od.path)) {
			oci_device_clear(&l->devices[i]);
			memmove(&l->devices[i], &l->devices[i + 1],
				(l->n_devices - i - 1) * sizeof(*l->devices));
			l->n_devices--;
			break;
		}
	l->devices = xreallocarray(l->devices, l->n_devices + 1, sizeof(*l->devices));
	l->devices[l->n_devices++] = od;
	if (!strcmp(od.type, "p"))
		return NULL;
	struct oci_resources *r = l->resources;
	r->devices = xreallocarray(r->devices, r->n_devices + 1, sizeof(*r->devices));
	r->devices[r->n_devices++] = (struct oci_device_cgroup){
		.allow = true,
		.type = xstrdup(!strcmp(od.type, "b") ? "b" : "c"),
		.has_major = true,
		.major = od.major,
		.has_minor = true,
		.minor = od.minor,
		.access = xstrdup(n->permissions ? n->permissions : "rwm"),
	};
	return NULL;
}

static void apply_mount(const struct oci_mount *m, struct oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (!strcmp(cfg->mounts[i].destination, m->destination)) {
			struct oci_mount *x = &cfg->mounts[i];
			free(x->destination);
			free(x->source);
			free(x->type);
			cubo_strv_free(x->options.v);
			free(x->uid_mappings);
			free(x->gid_mappings);
			memmove(x, x + 1, (cfg->n_mounts - i - 1) * sizeof(*x));
			cfg->n_mounts--;
			break;
		}
	cfg->mounts = xreallocarray(cfg->mounts, cfg->n_mounts + 1, sizeof(*cfg->mounts));
	struct oci_mount *x = &cfg->mounts[cfg->n_mounts++];
	memset(x, 0, sizeof(*x));
	x->destination = xstrdup(m->destination);
	x->source = xstrdup(m->source);
	x->type = xstrdup(m->type ? m->type : "bind");
	x->options.v = cubo_strv_dup(m->options.v ? m->options.v : (char *[]){NULL});
	x->options.n = cubo_strv_len(x->options.v);
	if (!m->type && !cubo_strv_contains(x->options.v, "bind") &&
	    !cubo_strv_contains(x->options.v, "rbind")) {
		size_t n = x->options.n;
		cubo_strv_push(&x->options.v, &n, "bind");
		x->options.n = n;
	}
}

static void apply_hook(const struct cdi_hook *h, struct oci_config *cfg)
{
	if (!cfg->hooks)
		cfg->hooks = xcalloc(1, sizeof(*cfg->hooks));
	struct oci_hooks *hs = cfg->hooks;
	struct oci_hook_list *lists[] = {&hs->prestart,		&hs->create_runtime,
					 &hs->create_container, &hs->start_container,
					 &hs->poststart,	&hs->poststop};
	static const char *const names[] = {"prestart",	      "createRuntime", "createContainer",
					    "startContainer", "poststart",     "poststop"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		if (strcmp(h->name, names[i]))
			continue;
		struct oci_hook_list *l = lists[i];
		l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
		struct oci_hook *x = &l->v[l->n++];
		*x = h->hook;
		x->path = xstrdup(h->hook.path);
		x->args.v = h->hook.args.v ? cubo_strv_dup(h->hook.args.v) : NULL;
		x->env.v = h->hook.env.v ? cubo_strv_dup(h->hook.env.v) : NULL;
	}
}

struct cubo_error *cdi_apply_edits(const struct cdi_edits *e, const char *file,
				   struct oci_config *cfg, char ***gids, size_t *n_gids)
{
	if (e->env) {
		struct oci_process *p = cfg->process;
		char **env = run_opt_env_merge(p->env.v, e->env);
		cubo_strv_free(p->env.v);
		p->env.v = env;
		p->env.n = cubo_strv_len(env);
	}
	for (size_t i = 0; i < e->n_nodes; i++)
		CUBO_TRY(apply_node(&e->nodes[i], file, cfg));
	for (size_t i = 0; i < e->n_mounts; i++)
		apply_mount(&e->mounts[i], cfg);
	for (size_t i = 0; i < e->n_hooks; i++)
		apply_hook(&e->hooks[i], cfg);
	for (size_t i = 0; i < e->n_gids; i++) {
		char g[16];
		snprintf(g, sizeof(g), "%u", e->gids[i]);
		if (e->gids[i] && !cubo_strv_contains(*gids, g)) /* CDI leaves out root's */
			cubo_strv_push(gids, n_gids, g);
	}
	return NULL;
}

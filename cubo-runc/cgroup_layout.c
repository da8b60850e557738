/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which cgroup hierarchies this process sees and where its own cgroup is in
 * each: two small /proc files, no directory scans.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/cgroup_priv.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

bool cgroup_list_has(const char *list, char sep, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, word, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

bool cgroup_key_has(const char *key, const char *controller)
{
	return cgroup_list_has(key, ',', controller);
}

struct cg_mount {
	char *root, *mount_point, *super_opts;
	bool v2;
};

/* The cgroup and cgroup2 entries of a mountinfo text, in order. */
static struct cubo_error *parse_mounts(const char *text, struct cg_mount **out, size_t *n)
{
	char *copy = xstrdup(text), *save = NULL;
	struct cg_mount *v = NULL;
	size_t cnt = 0, lineno = 0;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[6], *sep, *fstype, *source, *super, *s2 = NULL;
		int i;

		lineno++;
		sep = strstr(line, " - ");
		if (!sep)
			goto bad;
		*sep = '\0';
		f[0] = strtok_r(line, " ", &s2);
		for (i = 1; i < 6 && f[i - 1]; i++)
			f[i] = strtok_r(NULL, " ", &s2);
		if (!f[4])
			goto bad;
		fstype = strtok_r(sep + 3, " ", &s2);
		source = fstype ? strtok_r(NULL, " ", &s2) : NULL;
		super = source ? strtok_r(NULL, " ", &s2) : NULL;
		if (!fstype || !super)
			goto bad;
		if (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2"))
			continue;
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt].v2 = !strcmp(fstype, "cgroup2");
		v[cnt].root = xstrdup(f[3]);
		v[cnt].mount_point = xstrdup(f[4]);
		v[cnt].super_opts = xstrdup(super);
		cubo_unescape_octal(v[cnt].root);
		cubo_unescape_octal(v[cnt].mount_point);
		cnt++;
	}
	free(copy);
	*out = v;
	*n = cnt;
	return NULL;
bad:
	free(copy);
	for (size_t i = 0; i < cnt; i++) {
		free(v[i].root);
		free(v[i].mount_point);
		free(v[i].super_opts);
	}
	free(v);
	return cubo_error_new("mountinfo line %zu: malformed", lineno);
}

/* A v1 mount carries every controller of key among its super options. */
static bool mount_has_key(const struct cg_mount *m, const char *key)
{
	char **want = cubo_strv_split(key, ',');
	bool ok = want != NULL;

	for (size_t i = 0; ok && want[i]; i++)
		ok = cgroup_key_has(m->super_opts, want[i]);
	cubo_strv_free(want);
	return ok;
}

/* The caller's cgroup as a directory of a mount whose root is root, or NULL. */
static char *own_dir_in(const char *mount_point, const char *root, const char *cg_path)
{
	size_t rl = strlen(root);

	if (!strcmp(root, "/"))
		return cubo_path_join(mount_point, cg_path);
	if (strncmp(cg_path, root, rl) || (cg_path[rl] && cg_path[rl] != '/'))
		return NULL; /* our cgroup is not visible through this mount */
	return cubo_path_join(mount_point, cg_path + rl);
}

/* Drop trailing '/' (but keep "/"), so joined paths compare equal. */
static void trim_slash(char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
}

static void add_hierarchy(struct cgroup_layout *l, const char *key, const struct cg_mount *m,
			  char *own)
{
	struct cgroup_hierarchy *h;

	l->h = xrealloc(l->h, (l->n + 1) * sizeof(*l->h));
	h = &l->h[l->n++];
	memset(h, 0, sizeof(*h));
	h->key = xstrdup(key);
	h->mount_point = xstrdup(m->mount_point);
	h->mount_root = xstrdup(m->root);
	h->own_dir = own;
	h->v2 = m->v2;
	trim_slash(h->own_dir);
}

struct cubo_error *cgroup_layout_parse(const char *mountinfo, const char *proc_cgroup,
				       struct cgroup_layout *out)
{
	struct cg_mount *m = NULL;
	size_t nm = 0, lineno = 0;
	bool any_v1 = false, any_v2 = false;
	char *copy, *save = NULL;
	struct cubo_error *err = NULL;

	memset(out, 0, sizeof(*out));
	CUBO_TRY(parse_mounts(mountinfo, &m, &nm));
	copy = xstrdup(proc_cgroup);
	for (char *line = strtok_r(copy, "\n", &save); line && !err;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		const char *key, *path;
		bool v2;

		lineno++;
		if (!c2 || c2[1] != '/') {
			err = cubo_error_new("/proc/self/cgroup line %zu: malformed", lineno);
			break;
		}
		*c1 = '\0';
		*c2 = '\0';
		key = c1 + 1;
		path = c2 + 1;
		v2 = !strcmp(line, "0") && !*key;
		/* A v1 hierarchy with no controller and no name cannot be found again. */
		if (!v2 && !*key)
			continue;
		for (size_t i = 0; i < nm; i++) {
			char *own;

			if (m[i].v2 != v2 || (!v2 && !mount_has_key(&m[i], key)))
				continue;
			own = own_dir_in(m[i].mount_point, m[i].root, path);
			if (!own)
				continue;
			add_hierarchy(out, v2 ? "" : key, &m[i], own);
			any_v1 |= !v2;
			any_v2 |= v2;
			break;
		}
	}
	free(copy);
	for (size_t i = 0; i < nm; i++) {
		free(m[i].root);
		free(m[i].mount_point);
		free(m[i].super_opts);
	}
	free(m);
	if (err) {
		cgroup_layout_free(out);
		return err;
	}
	if (!out->n) {
		cgroup_layout_free(out);
		return cubo_error_new("no cgroup hierarchy is mounted");
	}
	out->mode = !any_v2 ? CGROUP_MODE_V1 : any_v1 ? CGROUP_MODE_HYBRID : CGROUP_MODE_V2;
	return NULL;
}

struct cubo_error *cgroup_layout_detect(struct cgroup_layout *out)
{
	char *mi = NULL, *pc = NULL;
	size_t len;
	struct cubo_error *err;

	memset(out, 0, sizeof(*out));
	err = cubo_read_file("/proc/self/mountinfo", &mi, &len);
	if (!err)
		err = cubo_read_file("/proc/self/cgroup", &pc, &len);
	if (!err)
		err = cgroup_layout_parse(mi, pc, out);
	free(mi);
	free(pc);
	CUBO_TRY_CTX(err, "cgroup layout");
	for (size_t i = 0; i < out->n; i++) {
		struct cgroup_hierarchy *h = &out->h[i];
		char *f, *text = NULL;

		if (!h->v2)
			continue;
		f = cubo_path_join(h->own_dir, "cgroup.controllers");
		if (cubo_error_wrap(cubo_read_file(f, &text, &len), "%s", f) == NULL) {
			text[strcspn(text, "\n")] = '\0';
			h->v2_controllers = text;
		} else {
			/* Our own cgroup may be hidden (another namespace): no controllers. */
			h->v2_controllers = xstrdup("");
		}
		free(f);
	}
	return NULL;
}

void cgroup_layout_free(struct cgroup_layout *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->h[i].key);
		free(l->h[i].mount_point);
		free(l->h[i].own_dir);
		free(l->h[i].v2_controllers);
		free(l->h[i].mount_root);
	}
	free(l->h);
	memset(l, 0, sizeof(*l));
}

const struct cgroup_hierarchy *cgroup_layout_find(const struct cgroup_layout *l,
						  const char *controller)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->h[i].v2 && cgroup_key_has(l->h[i].key, controller))
			return &l->h[i];
	for (size_t i = 0; i < l->n; i++)
		if (l->h[i].v2 && l->h[i].v2_controllers &&
		    cgroup_list_has(l->h[i].v2_controllers, ' ', controller))
			return &l->h[i];
	return NULL;
}

static bool has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return true;
	return false;
}

/*
 * Where a relative cgroupsPath starts. v1: the caller's own cgroup. v2: its
 * parent, as runc's fs2 driver does: the caller's own cgroup holds the
 * caller, and the kernel's "no internal processes" rule then forbids it to
 * pass controllers down (a systemd service such as the one running us there
 * can never enable memory for a child). The root is exempt from that rule,
 * so a caller at the root keeps it.
 */
static char *relative_base(const struct cgroup_hierarchy *h)
{
	const char *slash = strrchr(h->own_dir, '/');
	size_t len = strlen(h->own_dir);
	char *base;

	if (h->v2 && strcmp(h->own_dir, h->mount_point) && slash &&
	    (size_t)(slash - h->own_dir) >= strlen(h->mount_point))
		len = (size_t)(slash - h->own_dir);
	base = xstrndup(h->own_dir, len);
	return base;
}

struct cubo_error *cgroup_container_dir(const struct cgroup_hierarchy *h, const char *cgroups_path,
					const char *id, char **out)
{
	const char *p = cgroups_path && *cgroups_path ? cgroups_path : id;
	size_t rl;

	*out = NULL;
	if (!p || !*p)
		return cubo_error_new("linux.cgroupsPath: empty and no container id");
	if (has_dotdot(p))
		return cubo_error_new("linux.cgroupsPath %s: \"..\" is not allowed", p);
	if (p[0] != '/') {
		char *base = relative_base(h);

		*out = cubo_path_join(base, p);
		free(base);
	} else {
		/* The path is in the hierarchy; the mount shows it below its own root. */
		rl = strlen(h->mount_root);
		if (!strcmp(h->mount_root, "/"))
			*out = cubo_path_join(h->mount_point, p);
		else if (!strncmp(p, h->mount_root, rl) && (p[rl] == '/' || !p[rl]))
			*out = cubo_path_join(h->mount_point, p + rl);
		else
			return cubo_error_new("linux.cgroupsPath %s: outside of the %s mount at %s "
					      "(root %s)",
					      p, *h->key ? h->key : "cgroup2", h->mount_point,
					      h->mount_root);
	}
	trim_slash(*out);
	if (!strcmp(*out, h->own_dir) || !strcmp(*out, h->mount_point)) {
		free(*out);
		*out = NULL;
		return cubo_error_new("linux.cgroupsPath %s: names the caller's own cgroup; a "
				      "container needs a cgroup of its own",
				      p);
	}
	return NULL;
}

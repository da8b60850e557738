/* SPDX-License-Identifier: Apache-2.0 */
/* A compose project from its files: discovery, interpolation, merging, extends, profiles. */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/compose/interp.h"
#include "cubo-mgr/compose/model.h"
#include "cubo-mgr/compose/project.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* The longest chain of extends. */
#define MAX_EXTENDS 32

static const char *const default_files[] = {"compose.yaml", "compose.yml", "docker-compose.yml",
					    "docker-compose.yaml"};
static const char *const override_files[] = {"compose.override.yaml", "compose.override.yml",
					     "docker-compose.override.yml",
					     "docker-compose.override.yaml"};

static bool exists(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static void strv_add(char ***v, const char *s)
{
	size_t n = cubo_strv_len(*v);
	cubo_strv_push(v, &n, s);
}

/* compose.yaml (and its override) in dir or the nearest parent that has one. */
static struct cubo_error *find_files(const char *cwd, char ***files)
{
	char *dir = xstrdup(cwd);
	for (;;) {
		for (size_t i = 0; i < sizeof(default_files) / sizeof(*default_files); i++) {
			char *f = xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", default_files[i]);
			if (!exists(f)) {
				free(f);
				continue;
			}
			strv_add(files, f);
			free(f);
			for (size_t j = 0; j < sizeof(override_files) / sizeof(*override_files);
			     j++) {
				f = xasprintf("%s/%s", strcmp(dir, "/") ? dir : "",
					      override_files[j]);
				if (exists(f)) {
					strv_add(files, f);
					free(f);
					break;
				}
				free(f);
			}
			free(dir);
			return NULL;
		}
		if (!strcmp(dir, "/"))
			break;
		char *slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = 0;
		else
			*slash = 0;
	}
	free(dir);
	return cubo_error_new("no configuration file provided: not found (compose.yaml, "
			      "compose.yml, docker-compose.yml or docker-compose.yaml in %s or a "
			      "parent directory)",
			      cwd);
}

char *compose_project_name(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++) {
		char c = (char)tolower((unsigned char)*s);
		if (isalnum((unsigned char)c) || c == '_' || c == '-')
			*o++ = c;
	}
	*o = 0;
	if (!isalnum((unsigned char)out[0])) {
		free(out);
		return NULL;
	}
	return out;
}

/* Interpolate every scalar of n (keys stay as written, as in compose). */
static struct cubo_error *interpolate(struct cnode *n, struct cpath *p, char *const *env,
				      char ***unset)
{
	if (n->kind == CTREE_SCALAR) {
		char *s;
		struct cubo_error *err = compose_interpolate(n->str, env, unset, &s);
		if (err) {
			struct cubo_error *e = cnode_error(n, p, "%s", err->msg);
			cubo_error_free(err);
			return e;
		}
		free(n->str);
		n->str = s;
		return NULL;
	}
	for (size_t i = 0; i < n->n; i++) {
		size_t l = p->len;
		if (n->kind == CTREE_MAP)
			cpath_push_key(p, n->keys[i]);
		else
			cpath_push_index(p, i);
		CUBO_TRY(interpolate(n->v[i], p, env, unset));
		cpath_pop(p, l);
	}
	return NULL;
}

static const char *const top_keys[] = {"version", "name",    "services", "networks",
				       "volumes", "secrets", "configs",	 NULL};

/* One file read, interpolated, checked and normalised (relative paths from dir). */
static struct cubo_error *load_file(struct compose_project *p, const char *file, const char *dir,
				    struct cnode **out)
{
	char *text = NULL;
	size_t len = 0;
	if (!strcmp(file, "-")) {
		text = xmalloc(COMPOSE_MAX_FILE + 2);
		len = cubo_read_until_eof(0, text, COMPOSE_MAX_FILE + 2);
		if (len > COMPOSE_MAX_FILE) {
			free(text);
			return cubo_error_new("stdin: larger than %d bytes", COMPOSE_MAX_FILE);
		}
	} else {
		CUBO_TRY(compose_read_file(file, &text, &len));
	}
	/* the nodes point at the name: keep it in the project */
	strv_add(&p->files, file);
	const char *name = p->files[cubo_strv_len(p->files) - 1];
	struct cnode *root;
	struct cubo_error *err = ctree_load(text, len, name, &root);
	free(text);
	CUBO_TRY(err);
	struct cpath path = {0};
	err = interpolate(root, &path, p->env, &p->unset);
	struct compose_norm c = {.project = p->name, .dir = dir, .env = p->env};
	for (size_t i = 0; !err && i < root->n; i++) {
		const char *k = root->keys[i];
		bool known = !strncmp(k, "x-", 2);
		for (size_t j = 0; top_keys[j]; j++)
			known = known || !strcmp(k, top_keys[j]);
		cpath_pop(&path, 0);
		cpath_push_key(&path, k);
		if (!known) {
			err = cnode_error(root->v[i], &path, "unknown key \"%s\"", k);
			break;
		}
		if (!strcmp(k, "services")) {
			struct cnode *svcs = root->v[i];
			if (ctree_is_null(svcs))
				continue;
			if (svcs->kind != CTREE_MAP) {
				err = cnode_error(svcs, &path, "expected a mapping of services");
				break;
			}
			for (size_t s = 0; !err && s < svcs->n; s++) {
				size_t l = path.len;
				cpath_push_key(&path, svcs->keys[s]);
				err = compose_norm_service(&c, svcs->v[s], &path);
				cpath_pop(&path, l);
			}
		}
	}
	cubo_strv_free(c.used_networks);
	if (err) {
		ctree_free(root);
		return err;
	}
	*out = root;
	return NULL;
}

/* ---- merging ---- */

/* Sequences an override file replaces rather than adds to. */
static bool replaces(const char *key)
{
	static const char *const keys[] = {"command",  "entrypoint", "test",
					   "profiles", "aliases",    NULL};
	for (size_t i = 0; key && keys[i]; i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static bool same(const struct cnode *a, const struct cnode *b)
{
	if (a->kind != b->kind || a->n != b->n)
		return false;
	if (a->kind == CTREE_SCALAR)
		return !strcmp(a->str, b->str);
	for (size_t i = 0; i < a->n; i++)
		if ((a->keys && strcmp(a->keys[i], b->keys[i])) || !same(a->v[i], b->v[i]))
			return false;
	return true;
}

/* The member of a mount-like list that e replaces: the same target (or source). */
static struct cnode **same_target(struct cnode *seq, const struct cnode *e)
{
	const struct cnode *t = ctree_get(e, "target");
	const char *key = t ? "target" : "source";
	t = t ? t : ctree_get(e, "source");
	if (!t)
		return NULL;
	for (size_t i = 0; i < seq->n; i++) {
		const struct cnode *o = ctree_get(seq->v[i], key);
		if (o && !strcmp(o->str, t->str))
			return &seq->v[i];
	}
	return NULL;
}

void compose_merge(struct cnode *base, const struct cnode *over, const char *key)
{
	if (base->kind == CTREE_MAP && over->kind == CTREE_MAP) {
		for (size_t i = 0; i < over->n; i++) {
			struct cnode *b = ctree_get(base, over->keys[i]);
			if (b && b->kind == over->v[i]->kind && b->kind != CTREE_SCALAR &&
			    !replaces(over->keys[i]))
				compose_merge(b, over->v[i], over->keys[i]);
			else
				ctree_set(base, over->keys[i], ctree_copy(over->v[i]));
		}
		return;
	}
	bool by_target = key && (!strcmp(key, "volumes") || !strcmp(key, "secrets") ||
				 !strcmp(key, "configs"));
	for (size_t i = 0; i < over->n; i++) {
		const struct cnode *e = over->v[i];
		struct cnode **slot =
			by_target && e->kind == CTREE_MAP ? same_target(base, e) : NULL;
		if (slot) {
			ctree_free(*slot);
			*slot = ctree_copy(e);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < base->n && !dup; j++)
			dup = same(base->v[j], e);
		if (!dup)
			ctree_push(base, ctree_copy(e));
	}
}

/* ---- extends ---- */

static struct cubo_error *resolve_extends(struct compose_project *p, struct cnode *services,
					  const char *name, unsigned depth);

static struct cubo_error *extend_one(struct compose_project *p, struct cnode *services,
				     const char *name, unsigned depth)
{
	struct cnode *svc = ctree_get(services, name);
	struct cnode *ext = ctree_get(svc, "extends");
	if (!ext)
		return NULL;
	struct cpath path = {0};
	cpath_push_key(&path, "services");
	cpath_push_key(&path, name);
	cpath_push_key(&path, "extends");
	if (depth > MAX_EXTENDS)
		return cnode_error(ext, &path, "extends nested deeper than %d (a cycle?)",
				   MAX_EXTENDS);
	const struct cnode *from = ctree_get(ext, "service");
	if (!from)
		return cnode_error(ext, &path, "service is required");
	const struct cnode *file = ctree_get(ext, "file");
	struct cnode *other = NULL, *base;
	if (file) {
		char *f = file->str[0] == '/' ? xstrdup(file->str)
					      : xasprintf("%s/%s", p->dir, file->str);
		char *d = xstrdup(f);
		struct cubo_error *err = load_file(p, f, dirname(d), &other);
		free(d);
		free(f);
		if (err)
			return cubo_error_wrap(err, "%s:%u: %s", ext->file, ext->line, path.buf);
		struct cnode *osvcs = ctree_get(other, "services");
		base = ctree_get(osvcs, from->str);
		if (!base || base->kind != CTREE_MAP) {
			ctree_free(other);
			return cnode_error(from, &path, "no service \"%s\" in %s", from->str,
					   file->str);
		}
		err = resolve_extends(p, osvcs, from->str, depth + 1);
		if (err) {
			ctree_free(other);
			return err;
		}
	} else {
		base = ctree_get(services, from->str);
		if (!base || base->kind != CTREE_MAP || !strcmp(from->str, name))
			return cnode_error(from, &path, "no service \"%s\" to extend", from->str);
		CUBO_TRY(resolve_extends(p, services, from->str, depth + 1));
		base = ctree_get(services, from->str);
	}
	struct cnode *merged = ctree_copy(base);
	ctree_free(other);
	/* depends_on is not inherited, as in compose */
	ctree_del(merged, "depends_on");
	ctree_del(svc, "extends");
	compose_merge(merged, svc, NULL);
	compose_sort_keys(merged);
	ctree_set(services, name, merged);
	return NULL;
}

static struct cubo_error *resolve_extends(struct compose_project *p, struct cnode *services,
					  const char *name, unsigned depth)
{
	return extend_one(p, services, name, depth);
}

/* ---- checks over the whole model ---- */

static struct cubo_error *visit(const struct cnode *svcs, const char *name, char ***stack,
				char ***done)
{
	if (cubo_strv_contains(*done, name))
		return NULL;
	size_t depth = cubo_strv_len(*stack);
	for (size_t i = 0; i < depth; i++)
		if (!strcmp((*stack)[i], name)) {
			char *chain = xstrdup(name);
			for (size_t j = depth; j-- > i;) {
				char *c = xasprintf("%s -> %s", (*stack)[j], chain);
				free(chain);
				chain = c;
			}
			struct cubo_error *e = cubo_error_new("dependency cycle: %s", chain);
			free(chain);
			return e;
		}
	strv_add(stack, name);
	char **deps = compose_service_deps(ctree_get(svcs, name));
	struct cubo_error *err = NULL;
	for (size_t i = 0; deps[i] && !err; i++)
		if (ctree_get(svcs, deps[i]))
			err = visit(svcs, deps[i], stack, done);
	cubo_strv_free(deps);
	CUBO_TRY(err);
	free((*stack)[depth]);
	(*stack)[depth] = NULL;
	strv_add(done, name);
	return NULL;
}

/* The service a links or volumes_from entry names (malloc'd), or NULL for "container:NAME". */
static char *entry_service(const char *entry)
{
	if (!strncmp(entry, "container:", 10))
		return NULL;
	return xstrndup(entry, strcspn(entry, ":"));
}

char **compose_service_deps(const struct cnode *svc)
{
	char **out = xcalloc(1, sizeof(char *));
	size_t n = 0;
	const struct cnode *deps = ctree_get(svc, "depends_on");
	for (size_t i = 0; deps && i < deps->n; i++)
		if (!cubo_strv_contains(out, deps->keys[i]))
			cubo_strv_push(&out, &n, deps->keys[i]);
	static const char *const keys[] = {"links", "volumes_from"};
	for (size_t k = 0; k < 2; k++) {
		const struct cnode *l = ctree_get(svc, keys[k]);
		for (size_t i = 0; l && i < l->n; i++) {
			char *name = entry_service(l->v[i]->str);
			if (name && !cubo_strv_contains(out, name))
				cubo_strv_push(&out, &n, name);
			free(name);
		}
	}
	return out;
}

struct cubo_error *compose_service_order(const struct cnode *model, char ***order)
{
	const struct cnode *svcs = ctree_get(model, "services");
	char **stack = NULL, **done = xcalloc(1, sizeof(char *));
	struct cubo_error *err = NULL;
	for (size_t i = 0; svcs && !err && i < svcs->n; i++)
		err = visit(svcs, svcs->keys[i], &stack, &done);
	cubo_strv_free(stack);
	if (err) {
		cubo_strv_free(done);
		return err;
	}
	*order = done;
	return NULL;
}

static bool active(const struct compose_project *p, const struct cnode *svc)
{
	const struct cnode *prof = ctree_get(svc, "profiles");
	if (!prof || !prof->n)
		return true;
	for (size_t i = 0; i < prof->n; i++)
		if (cubo_strv_contains(p->profiles, prof->v[i]->str) ||
		    cubo_strv_contains(p->profiles, "*"))
			return true;
	return false;
}

/* Every network, volume, secret and config a service names is declared. */
static struct cubo_error *check_refs(const struct cnode *model, const char *name,
				     const struct cnode *svc)
{
	struct cpath path = {0};
	cpath_push_key(&path, "services");
	cpath_push_key(&path, name);
	const struct cnode *nets = ctree_get(svc, "networks");
	for (size_t i = 0; nets && i < nets->n; i++)
		if (strcmp(nets->keys[i], "default") &&
		    !ctree_get(ctree_get(model, "networks"), nets->keys[i]))
			return cnode_error(nets->v[i], &path,
					   "service \"%s\" refers to undefined network %s", name,
					   nets->keys[i]);
	const struct cnode *vols = ctree_get(svc, "volumes");
	for (size_t i = 0; vols && i < vols->n; i++) {
		const struct cnode *t = ctree_get(vols->v[i], "type");
		const struct cnode *s = ctree_get(vols->v[i], "source");
		if (t && s && !strcmp(t->str, "volume") &&
		    !ctree_get(ctree_get(model, "volumes"), s->str))
			return cnode_error(vols->v[i], &path,
					   "service \"%s\" refers to undefined volume %s", name,
					   s->str);
	}
	static const char *const kinds[] = {"secrets", "configs"};
	for (size_t k = 0; k < 2; k++) {
		const struct cnode *refs = ctree_get(svc, kinds[k]);
		for (size_t i = 0; refs && i < refs->n; i++) {
			const struct cnode *s = ctree_get(refs->v[i], "source");
			if (s && !ctree_get(ctree_get(model, kinds[k]), s->str))
				return cnode_error(refs->v[i], &path,
						   "service \"%s\" refers to undefined %.6s %s",
						   name, kinds[k], s->str);
		}
	}
	static const char *const refs_to[][2] = {{"links", "has a link to"},
						 {"volumes_from", "mounts volumes from"}};
	for (size_t k = 0; k < 2; k++) {
		const struct cnode *l = ctree_get(svc, refs_to[k][0]);
		for (size_t i = 0; l && i < l->n; i++) {
			char *target = entry_service(l->v[i]->str);
			bool undefined = target && !ctree_get(ctree_get(model, "services"), target);
			struct cubo_error *e =
				undefined
					? cnode_error(l->v[i], &path,
						      "service \"%s\" %s undefined service \"%s\"",
						      name, refs_to[k][1], target)
					: NULL;
			free(target);
			if (e)
				return e;
		}
	}
	const struct cnode *deps = ctree_get(svc, "depends_on");
	for (size_t i = 0; deps && i < deps->n; i++) {
		const struct cnode *req = ctree_get(deps->v[i], "required");
		if (!ctree_get(ctree_get(model, "services"), deps->keys[i]) &&
		    (!req || strcmp(req->str, "false")))
			return cnode_error(deps->v[i], &path,
					   "service \"%s\" depends on undefined service \"%s\"",
					   name, deps->keys[i]);
	}
	return NULL;
}

static struct cubo_error *finish(struct compose_project *p)
{
	struct cnode *m = p->model;
	struct cnode *svcs = ctree_get(m, "services");
	if (!svcs || ctree_is_null(svcs)) {
		svcs = ctree_new(CTREE_MAP, m->file, m->line);
		ctree_set(m, "services", svcs);
	}
	for (size_t i = 0; i < svcs->n; i++)
		CUBO_TRY(extend_one(p, svcs, svcs->keys[i], 0));
	for (size_t i = 0; i < svcs->n;) {
		if (active(p, svcs->v[i]))
			i++;
		else
			ctree_del(svcs, svcs->keys[i]);
	}
	compose_sort_keys(svcs);
	struct compose_norm c = {.project = p->name, .dir = p->dir, .env = p->env};
	struct cpath path = {0};
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < svcs->n; i++) {
		cpath_pop(&path, 0);
		cpath_push_key(&path, "services");
		cpath_push_key(&path, svcs->keys[i]);
		err = compose_finish_service(&c, svcs->v[i], &path);
	}
	static const char *const kinds[] = {"networks", "volumes", "secrets", "configs"};
	for (size_t k = 0; !err && k < 4; k++) {
		struct cnode *res = ctree_get(m, kinds[k]);
		if (!res && !(k == 0 && cubo_strv_contains(c.used_networks, "default")))
			continue;
		if (!res || ctree_is_null(res)) {
			res = ctree_new(CTREE_MAP, m->file, m->line);
			ctree_set(m, kinds[k], res);
		}
		if (res->kind != CTREE_MAP) {
			cpath_pop(&path, 0);
			cpath_push_key(&path, kinds[k]);
			err = cnode_error(res, &path, "expected a mapping");
			break;
		}
		if (k == 0 && cubo_strv_contains(c.used_networks, "default") &&
		    !ctree_get(res, "default"))
			ctree_set(res, "default", ctree_new(CTREE_MAP, m->file, m->line));
		for (size_t i = 0; !err && i < res->n; i++) {
			cpath_pop(&path, 0);
			cpath_push_key(&path, kinds[k]);
			cpath_push_key(&path, res->keys[i]);
			if (ctree_is_null(res->v[i])) {
				ctree_free(res->v[i]);
				res->v[i] = ctree_new(CTREE_MAP, m->file, m->line);
			}
			err = compose_norm_resource(&c, kinds[k], res->keys[i], res->v[i], &path);
		}
		compose_sort_keys(res);
	}
	cubo_strv_free(c.used_networks);
	for (size_t i = 0; !err && i < svcs->n; i++)
		err = check_refs(m, svcs->keys[i], svcs->v[i]);
	char **order = NULL;
	if (!err)
		err = compose_service_order(m, &order);
	cubo_strv_free(order);
	if (err)
		return err;
	/* compose config's order: name, services, networks, volumes, secrets, configs */
	ctree_del(m, "version");
	ctree_set(m, "name", ctree_scalar(m->file, m->line, p->name, false));
	static const char *const order_keys[] = {"name",    "services", "networks",
						 "volumes", "secrets",	"configs"};
	struct cnode *sorted = ctree_new(CTREE_MAP, m->file, m->line);
	for (size_t i = 0; i < 6; i++) {
		struct cnode *v = ctree_get(m, order_keys[i]);
		if (v)
			ctree_set(sorted, order_keys[i], ctree_copy(v));
	}
	for (size_t i = 0; i < m->n; i++)
		if (!strncmp(m->keys[i], "x-", 2))
			ctree_set(sorted, m->keys[i], ctree_copy(m->v[i]));
	ctree_free(m);
	p->model = sorted;
	return NULL;
}

static struct cubo_error *read_env(const struct compose_opts *o, struct compose_project *p)
{
	char **vars = NULL;
	char *deflt = xasprintf("%s/.env", p->dir);
	char *one[] = {deflt, NULL};
	char *const *files = o->env_files ? o->env_files : one;
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && files[i]; i++) {
		char *text;
		size_t len;
		err = compose_read_file(files[i], &text, &len);
		if (err && !o->env_files && err->errnum == ENOENT) {
			cubo_error_free(err);
			err = NULL;
			continue;
		}
		if (!err)
			err = compose_dotenv_parse(text, files[i], o->environ, &vars);
		if (!err)
			free(text);
	}
	free(deflt);
	/* the environment wins over the files: it comes last */
	p->env = vars ? vars : xcalloc(1, sizeof(char *));
	size_t n = cubo_strv_len(p->env);
	for (size_t i = 0; o->environ && o->environ[i]; i++)
		cubo_strv_push(&p->env, &n, o->environ[i]);
	return err;
}

static char *abs_from(const char *cwd, const char *f)
{
	return f[0] == '/' || !strcmp(f, "-") ? xstrdup(f) : xasprintf("%s/%s", cwd, f);
}

struct cubo_error *compose_project_load(const struct compose_opts *o, struct compose_project *p)
{
	*p = (struct compose_project){0};
	p->files = xcalloc(1, sizeof(char *));
	char **files = NULL;
	const char *env_files = cubo_strv_env_get(o->environ, "COMPOSE_FILE");
	struct cubo_error *err = NULL;
	if (o->files && o->files[0]) {
		for (size_t i = 0; o->files[i]; i++) {
			char *f = abs_from(o->cwd, o->files[i]);
			strv_add(&files, f);
			free(f);
		}
	} else if (env_files && *env_files) {
		char **v = cubo_strv_split(env_files, ':');
		for (size_t i = 0; v[i]; i++) {
			char *f = abs_from(o->cwd, v[i]);
			strv_add(&files, f);
			free(f);
		}
		cubo_strv_free(v);
	} else {
		err = find_files(o->cwd, &files);
	}
	if (err)
		return err;
	if (!files)
		return cubo_error_new("no compose file given");
	if (!strcmp(files[0], "-")) {
		p->dir = xstrdup(o->cwd);
	} else {
		char *d = xstrdup(files[0]);
		p->dir = xstrdup(dirname(d));
		free(d);
	}
	const char *prof = cubo_strv_env_get(o->environ, "COMPOSE_PROFILES");
	p->profiles = o->profiles && o->profiles[0] ? cubo_strv_dup(o->profiles)
						    : cubo_strv_split(prof ? prof : "", ',');
	err = read_env(o, p);
	struct cnode *model = NULL;
	for (size_t i = 0; !err && files[i]; i++) {
		struct cnode *one;
		err = load_file(p, files[i], p->dir, &one);
		if (err)
			break;
		if (!model) {
			model = one;
			continue;
		}
		compose_merge(model, one, NULL);
		ctree_free(one);
	}
	cubo_strv_free(files);
	if (err) {
		ctree_free(model);
		return err;
	}
	p->model = model;
	/* -p, COMPOSE_PROJECT_NAME, name:, the directory */
	const char *name = o->name;
	const char *why = "-p";
	if (!name && (name = cubo_strv_env_get(p->env, "COMPOSE_PROJECT_NAME")))
		why = "COMPOSE_PROJECT_NAME";
	const struct cnode *top = ctree_get(model, "name");
	if (!name && top && top->kind == CTREE_SCALAR)
		name = top->str, why = "name";
	char *base = xstrdup(p->dir);
	if (!name)
		name = basename(base), why = "the project directory's name";
	p->name = compose_project_name(name);
	if (!p->name)
		err = cubo_error_new("project name from %s: \"%s\" must start with a letter or "
				     "a digit",
				     why, name);
	free(base);
	return err ? err : finish(p);
}

void compose_project_free(struct compose_project *p)
{
	free(p->name);
	free(p->dir);
	ctree_free(p->model);
	cubo_strv_free(p->files);
	cubo_strv_free(p->env);
	cubo_strv_free(p->unset);
	cubo_strv_free(p->profiles);
	*p = (struct compose_project){0};
}

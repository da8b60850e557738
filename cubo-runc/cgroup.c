/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's set of cgroup directories: making them, entering, applying
 * resources through the v1 or v2 writer of each, signalling, freezing, and
 * removing what we made.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cubo-runc/cgroup_priv.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* How long kill/freeze/rmdir wait for the kernel to catch up. */
#define CGROUP_WAIT_MS 10000
/* How often a cgroup about to empty or change state is looked at again. */
#define CGROUP_POLL_MS 10

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void set_add(struct cgroup_set *s, const char *key, const char *path, bool v2,
		    unsigned made_depth)
{
	struct cgroup_dir *d;

	s->d = xrealloc(s->d, (s->n + 1) * sizeof(*s->d));
	d = &s->d[s->n++];
	d->key = xstrdup(key);
	d->path = xstrdup(path);
	d->v2 = v2;
	d->made = made_depth > 0;
	d->made_depth = made_depth;
	d->unit = false;
}

struct cgroup_set *cgroup_set_new_unit(const char *dir)
{
	struct cgroup_set *s = xcalloc(1, sizeof(*s));

	set_add(s, "", dir, true, 0);
	s->d[0].unit = true;
	return s;
}

void cgroup_set_free(struct cgroup_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->d[i].key);
		free(s->d[i].path);
	}
	free(s->d);
	free(s);
}

/*
 * The value of dir's cpuset FILE (cpuset.cpus or cpuset.mems). An empty one
 * is first filled from its parent's, found the same way, so every empty
 * level up to the nearest full ancestor below root (the hierarchy's mount
 * point) is filled top down. Each file is read once a level.
 */
static struct cubo_error *cpuset_value(const char *dir, const char *root, const char *file,
				       char **val, size_t *len)
{
	char *path = cubo_path_join(dir, file), *parent;
	struct cubo_error *err = cubo_read_file(path, val, len);

	if (!err && strspn(*val, " \n") == *len && strlen(dir) > strlen(root)) {
		free(*val);
		*val = NULL;
		parent = xstrdup(dir);
		*strrchr(parent, '/') = '\0';
		err = cpuset_value(parent, root, file, val, len);
		free(parent);
		if (!err)
			err = cubo_write_existing(path, *val, *len);
	}
	free(path);
	return err;
}

/*
 * An empty v1 cpuset takes no process, so a container below one could never
 * start (ENOSPC): dir and every empty level above it get the cpus and mems of
 * the nearest ancestor that has them, also a level that was there before us,
 * as runc does.
 */
static struct cubo_error *cpuset_fill(const char *dir, const char *root)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};

	for (size_t i = 0; i < 2; i++) {
		char *val = NULL;
		size_t len;
		struct cubo_error *err = cpuset_value(dir, root, files[i], &val, &len);

		free(val);
		CUBO_TRY_CTX(err, "cpuset of %s", dir);
	}
	return NULL;
}

/* rmdir path and the cgroups inside it (a container may make its own), deepest first. */
static struct cubo_error *rmdir_tree(const char *path)
{
	DIR *dir;
	struct dirent *de;
	struct cubo_error *err = NULL;

	/* the usual case, a cgroup with nothing inside any more: no listing */
	if (rmdir(path) == 0 || errno == ENOENT)
		return NULL;
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? NULL : cubo_error_errno("open %s", path);
	while (!err && (de = readdir(dir))) {
		char *sub;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = cubo_path_join(path, de->d_name);
		err = rmdir_tree(sub);
		free(sub);
	}
	closedir(dir);
	CUBO_TRY(err);
	/* Processes just killed may take a moment to leave the cgroup. */
	for (int ms = 0; rmdir(path) < 0; ms += CGROUP_POLL_MS) {
		if (errno == ENOENT)
			return NULL;
		if (errno != EBUSY || ms >= CGROUP_WAIT_MS)
			return cubo_error_errno("remove cgroup %s", path);
		sleep_ms(CGROUP_POLL_MS);
	}
	return NULL;
}

struct cubo_error *cgroup_set_destroy(const struct cgroup_set *s)
{
	struct cubo_error *first = NULL;

	if (!s)
		return NULL;
	for (size_t i = s->n; i-- > 0;) {
		const struct cgroup_dir *d = &s->d[i];
		char *p;
		struct cubo_error *err;

		if (!d->made)
			continue;
		err = rmdir_tree(d->path);
		if (err) {
			if (!first)
				first = err;
			else
				cubo_error_free(err);
			continue;
		}
		/* Parents we made go too, unless another container still uses them. */
		p = xstrdup(d->path);
		for (unsigned lvl = 1; lvl < d->made_depth; lvl++) {
			char *slash = strrchr(p, '/');

			if (!slash || slash == p)
				break;
			*slash = '\0';
			if (rmdir(p) < 0 && errno != ENOENT)
				break;
		}
		free(p);
	}
	return first;
}

/* mkdir -p dir, counting the levels that did not exist. */
static struct cubo_error *make_dir(const char *dir, unsigned *made)
{
	char *p = xstrdup(dir);
	size_t n = 0;
	char *slash;

	*made = 0;
	/* Walk up to the first existing ancestor, then create downwards. */
	while (access(p, F_OK) < 0) {
		if (errno != ENOENT) {
			free(p);
			return cubo_error_errno("cgroup %s", dir);
		}
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = '\0';
		n++;
	}
	free(p);
	for (size_t k = n; k > 0; k--) {
		p = xstrdup(dir);
		for (size_t j = 1; j < k; j++)
			*strrchr(p, '/') = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			struct cubo_error *err = cubo_error_errno("make cgroup %s", p);

			free(p);
			return err;
		}
		free(p);
		(*made)++;
	}
	return NULL;
}

struct cubo_error *cgroup_set_create(const struct cgroup_layout *l, const char *cgroups_path,
				     const char *id, const struct oci_resources *res,
				     struct cgroup_set **out)
{
	struct cgroup_set *s = xcalloc(1, sizeof(*s));
	struct cubo_error *err = NULL;

	*out = NULL;
	for (size_t i = 0; i < l->n && !err; i++) {
		const struct cgroup_hierarchy *h = &l->h[i];
		char *dir = NULL;
		unsigned made = 0;

		err = cgroup_container_dir(h, cgroups_path, id, &dir);
		if (!err)
			err = make_dir(dir, &made);
		if (!err || made)
			set_add(s, h->key, dir, h->v2, made);
		if (!err && !h->v2 && cgroup_key_has(h->key, "cpuset")) {
			err = cpuset_fill(dir, h->mount_point);
		}
		free(dir);
	}
	if (!err && res)
		err = cgroup_set_apply(s, res);
	if (err) {
		cubo_error_free(cgroup_set_destroy(s));
		cgroup_set_free(s);
		return err;
	}
	*out = s;
	return NULL;
}

/* ---- state.json round trip ---- */

struct cubo_error *cgroup_set_to_strlist(const struct cgroup_set *s, struct oci_strlist *out)
{
	out->v = NULL;
	out->n = 0;
	for (size_t i = 0; s && i < s->n; i++) {
		const struct cgroup_dir *d = &s->d[i];
		char *line;

		if (d->unit)
			line = xasprintf("%s=%s=unit", d->key, d->path);
		else if (d->made_depth > 1)
			line = xasprintf("%s=%s=made=%u", d->key, d->path, d->made_depth);
		else
			line = xasprintf("%s=%s%s", d->key, d->path, d->made ? "=made" : "");
		cubo_strv_push(&out->v, &out->n, line);
		free(line);
	}
	return NULL;
}

struct cubo_error *cgroup_set_from_strlist(const struct oci_strlist *in, struct cgroup_set **out)
{
	struct cgroup_set *s = xcalloc(1, sizeof(*s));

	*out = NULL;
	for (size_t i = 0; in && i < in->n; i++) {
		const char *line = in->v[i];
		/* The key never holds '/', the path always starts with one. */
		const char *sep = strstr(line, "=/");
		char *key, *path, *m;
		unsigned depth = 0;
		bool unit = false;
		size_t plen;

		if (!sep || memchr(line, '/', (size_t)(sep - line))) {
			cgroup_set_free(s);
			return cubo_error_new("cgroupPaths[%zu] %s: expected key=/path", i, line);
		}
		key = xstrndup(line, (size_t)(sep - line));
		path = xstrdup(sep + 1);
		plen = strlen(path);
		if (plen > 5 && !strcmp(path + plen - 5, "=unit")) {
			path[plen - 5] = '\0';
			unit = true;
		}
		m = unit ? NULL : strstr(path, "=made");
		if (m && (!m[5] || m[5] == '=')) {
			char *end = NULL;

			depth = 1;
			if (m[5] == '=') {
				unsigned long v = strtoul(m + 6, &end, 10);

				if (!*(m + 6) || *end || v < 1 || v > 4096) {
					free(key);
					free(path);
					cgroup_set_free(s);
					return cubo_error_new(
						"cgroupPaths[%zu] %s: bad level count", i, line);
				}
				depth = (unsigned)v;
			}
			*m = '\0';
		}
		set_add(s, key, path, !*key, depth);
		s->d[s->n - 1].unit = unit;
		free(key);
		free(path);
	}
	*out = s;
	return NULL;
}

/* ---- processes ---- */

static const struct cgroup_dir *dir_with(const struct cgroup_set *s, const char *controller)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->d[i].v2 && cgroup_key_has(s->d[i].key, controller))
			return &s->d[i];
	return NULL;
}

static const struct cgroup_dir *dir_v2(const struct cgroup_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->d[i].v2)
			return &s->d[i];
	return NULL;
}

static struct cubo_error *read_pids(const char *dir, pid_t **pids, size_t *n)
{
	char *f = cubo_path_join(dir, "cgroup.procs"), *text = NULL, *save = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file(f, &text, &len);

	free(f);
	*pids = NULL;
	*n = 0;
	/* A cgroup already removed holds nobody: ENOENT once it is gone, ENODEV when
	 * it goes between the open and the read (systemd removes a scope's cgroup as
	 * soon as its last process has died, while delete --force waits for them). */
	if (err && (err->errnum == ENOENT || err->errnum == ENODEV)) {
		cubo_error_free(err);
		return NULL;
	}
	CUBO_TRY(err);
	for (char *t = strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		*pids = xreallocarray(*pids, *n + 1, sizeof(**pids));
		(*pids)[(*n)++] = (pid_t)atoi(t);
	}
	free(text);
	return NULL;
}

/* cgroup.procs lists only a directory's own members: add the sub-cgroups'. */
static struct cubo_error *read_pids_tree(const char *dir, pid_t **pids, size_t *n)
{
	DIR *d;
	struct dirent *de;
	struct cubo_error *err;

	CUBO_TRY(read_pids(dir, pids, n));
	d = opendir(dir);
	if (!d)
		return NULL;
	err = NULL;
	while (!err && (de = readdir(d))) {
		pid_t *more;
		size_t nm;
		char *sub;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = cubo_path_join(dir, de->d_name);
		err = read_pids_tree(sub, &more, &nm);
		free(sub);
		if (err)
			break;
		if (nm) { /* an empty sub-cgroup gives no array at all */
			*pids = xreallocarray(*pids, *n + nm + 1, sizeof(**pids));
			memcpy(*pids + *n, more, nm * sizeof(*more));
			*n += nm;
		}
		free(more);
	}
	closedir(d);
	return err;
}

struct cubo_error *cgroup_set_pids(const struct cgroup_set *s, pid_t **pids, size_t *n)
{
	const struct cgroup_dir *d = dir_with(s, "pids");

	*pids = NULL;
	*n = 0;
	if (!d)
		d = dir_v2(s);
	if (!d && s->n)
		d = &s->d[0];
	if (!d)
		return cubo_error_new("the container has no cgroup");
	CUBO_TRY_CTX(read_pids_tree(d->path, pids, n), "processes of %s", d->path);
	return NULL;
}

/* ---- freezing ---- */

static const struct cgroup_dir *freezer_dir(const struct cgroup_set *s)
{
	const struct cgroup_dir *d = dir_with(s, "freezer");

	return d ? d : dir_v2(s);
}

static bool file_is(const char *dir, const char *name, const char *want)
{
	char *f = cubo_path_join(dir, name), *text = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file(f, &text, &len);
	bool yes = false;

	free(f);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	text[strcspn(text, "\n")] = '\0';
	yes = !strcmp(text, want);
	free(text);
	return yes;
}

/* "frozen 1" in cgroup.events. */
static bool v2_frozen(const char *dir)
{
	char *f = cubo_path_join(dir, "cgroup.events"), *text = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file(f, &text, &len);
	bool yes;

	free(f);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	yes = strstr(text, "frozen 1") != NULL;
	free(text);
	return yes;
}

struct cubo_error *cgroup_set_freeze(const struct cgroup_set *s, bool frozen)
{
	const struct cgroup_dir *d = freezer_dir(s);
	char *f;
	struct cubo_error *err;

	if (!d)
		return cubo_error_new("no freezer cgroup: the container cannot be %s",
				      frozen ? "paused" : "resumed");
	if (!d->v2) {
		const char *want = frozen ? "FROZEN" : "THAWED";

		f = cubo_path_join(d->path, "freezer.state");
		for (int ms = 0;; ms += 1) {
			/* Rewriting FROZEN retries a freeze the kernel gave up on. */
			err = cubo_write_existing(f, want, strlen(want));
			if (err || file_is(d->path, "freezer.state", want))
				break;
			if (ms >= CGROUP_WAIT_MS) {
				err = cubo_error_new("%s: still not %s after %d s", f, want,
						     CGROUP_WAIT_MS / 1000);
				break;
			}
			sleep_ms(1);
		}
		free(f);
		return err;
	}
	f = cubo_path_join(d->path, "cgroup.freeze");
	err = cubo_write_existing(f, frozen ? "1" : "0", 1);
	for (int ms = 0; !err && v2_frozen(d->path) != frozen; ms++) {
		if (ms >= CGROUP_WAIT_MS) {
			err = cubo_error_new("%s: the cgroup did not %s in %d s", f,
					     frozen ? "freeze" : "thaw", CGROUP_WAIT_MS / 1000);
			break;
		}
		sleep_ms(1);
	}
	free(f);
	return err;
}

bool cgroup_set_is_frozen(const struct cgroup_set *s)
{
	const struct cgroup_dir *d = freezer_dir(s);

	if (!d)
		return false;
	if (!d->v2)
		return file_is(d->path, "freezer.state", "FROZEN");
	return file_is(d->path, "cgroup.freeze", "1");
}

bool cgroup_set_frozen_in_effect(const struct cgroup_set *s)
{
	const struct cgroup_dir *d = freezer_dir(s);
	char *f, *text = NULL;
	size_t len;
	struct cubo_error *err;
	bool frozen;

	if (!d)
		return false;
	if (!d->v2)
		return !file_is(d->path, "freezer.state", "THAWED");
	f = cubo_path_join(d->path, "cgroup.events");
	err = cubo_read_file(f, &text, &len);
	free(f);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	frozen = strncmp(text, "frozen 1\n", 9) == 0 || strstr(text, "\nfrozen 1\n");
	free(text);
	return frozen;
}

static struct cubo_error *signal_all(const struct cgroup_set *s, int sig)
{
	pid_t *pids;
	size_t n;

	CUBO_TRY(cgroup_set_pids(s, &pids, &n));
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH) {
			struct cubo_error *err = cubo_error_errno("signal %d to %d", sig, pids[i]);

			free(pids);
			return err;
		}
	free(pids);
	return NULL;
}

struct cubo_error *cgroup_set_kill_all(const struct cgroup_set *s, int sig)
{
	bool frozen = false, was_frozen;
	struct cubo_error *err;

	if (!s || !s->n)
		return NULL;
	was_frozen = cgroup_set_is_frozen(s);
	/* Frozen, no process can fork a child we would miss. */
	if (was_frozen) {
		frozen = true;
	} else if (freezer_dir(s)) {
		err = cgroup_set_freeze(s, true);
		if (err)
			cubo_error_free(err);
		else
			frozen = true;
	}
	err = signal_all(s, sig);
	/* A paused container stays paused, unless it must die: frozen tasks cannot. */
	if (frozen && (!was_frozen || sig == SIGKILL)) {
		struct cubo_error *e2 = cgroup_set_freeze(s, false);

		if (!err)
			err = e2;
		else
			cubo_error_free(e2);
	}
	CUBO_TRY_CTX(err, "kill the container's processes");
	if (sig != SIGKILL)
		return NULL;
	for (int ms = 0;; ms += 5) {
		pid_t *pids;
		size_t n;

		CUBO_TRY(cgroup_set_pids(s, &pids, &n));
		free(pids);
		if (!n)
			return NULL;
		if (ms >= CGROUP_WAIT_MS)
			return cubo_error_new("%zu processes still in the cgroup after %d s", n,
					      CGROUP_WAIT_MS / 1000);
		/* One that forked between the read and the signal gets it now. */
		if (ms % 100 == 0)
			cubo_error_free(signal_all(s, SIGKILL));
		sleep_ms(5);
	}
}

/* ---- resources ---- */

/* Where each part of res goes; the parts no v1 hierarchy takes go to v2. */
struct cubo_error *cgroup_set_apply(const struct cgroup_set *s, const struct oci_resources *res)
{
	const struct cgroup_dir *v2 = dir_v2(s);
	struct oci_resources r2;
	struct oci_cpu cpu2 = {0};
	struct oci_network net2;

	if (!res)
		return NULL;
	r2 = *res;
	/* What a v1 hierarchy takes, v2 must not write again. */
	if (r2.memory && dir_with(s, "memory"))
		r2.memory = NULL;
	if (r2.cpu) {
		cpu2 = *r2.cpu;
		if (dir_with(s, "cpu")) {
			cpu2.has_shares = cpu2.has_quota = cpu2.has_burst = cpu2.has_period = false;
			cpu2.has_realtime_period = cpu2.has_realtime_runtime = false;
			cpu2.has_idle = false;
		}
		if (dir_with(s, "cpuset"))
			cpu2.cpus = cpu2.mems = NULL;
		r2.cpu = &cpu2;
	}
	if (r2.block_io && dir_with(s, "blkio"))
		r2.block_io = NULL;
	if (r2.n_hugepage_limits && dir_with(s, "hugetlb"))
		r2.n_hugepage_limits = 0;
	if (r2.pids && dir_with(s, "pids"))
		r2.pids = NULL;
	if (r2.n_rdma && dir_with(s, "rdma"))
		r2.n_rdma = 0;
	if (r2.n_devices && dir_with(s, "devices"))
		r2.n_devices = 0;
	if (r2.network) {
		net2 = *r2.network;
		if (dir_with(s, "net_cls"))
			net2.has_class_id = false;
		if (dir_with(s, "net_prio"))
			net2.n_priorities = 0;
		r2.network = &net2;
		if (net2.has_class_id)
			return cubo_error_new("linux.resources.network.classID: the net_cls "
					      "controller is not mounted");
		if (net2.n_priorities)
			return cubo_error_new("linux.resources.network.priorities: the net_prio "
					      "controller is not mounted");
		r2.network = NULL;
	}
	for (size_t i = 0; i < s->n; i++)
		if (!s->d[i].v2)
			CUBO_TRY(cgroup_v1_apply(s->d[i].key, s->d[i].path, res));
	if (v2)
		return cgroup_v2_apply(v2->path, v2->made_depth, &r2);
	/* Nothing left may be silently dropped. */
	if (r2.n_hugepage_limits)
		return cubo_error_new("linux.resources.hugepageLimits: the hugetlb controller is "
				      "not mounted");
	if (r2.n_rdma)
		return cubo_error_new("linux.resources.rdma: the rdma controller is not mounted");
	if (r2.unified.n)
		return cubo_error_new("linux.resources.unified: needs a cgroup v2 hierarchy");
	if (r2.memory)
		return cubo_error_new("linux.resources.memory: the memory controller is not "
				      "mounted");
	if (r2.pids)
		return cubo_error_new("linux.resources.pids: the pids controller is not mounted");
	if (r2.block_io)
		return cubo_error_new("linux.resources.blockIO: the blkio controller is not "
				      "mounted");
	if (r2.n_devices)
		return cubo_error_new("linux.resources.devices: the devices controller is not "
				      "mounted");
	if (r2.cpu && (cpu2.has_shares || cpu2.has_quota || cpu2.has_period || cpu2.has_burst ||
		       cpu2.has_idle || cpu2.has_realtime_period || cpu2.has_realtime_runtime))
		return cubo_error_new("linux.resources.cpu: the cpu controller is not mounted");
	if (r2.cpu && ((cpu2.cpus && *cpu2.cpus) || (cpu2.mems && *cpu2.mems)))
		return cubo_error_new("linux.resources.cpu.cpus/mems: the cpuset controller is "
				      "not mounted");
	return NULL;
}

/* ---- planned writes ---- */

void cgroup_plan_add(struct cgroup_plan *p, const char *what, const char *file, const char *why,
		     bool optional, const char *fmt, ...)
{
	struct cgroup_write *w;
	va_list ap;

	p->w = xrealloc(p->w, (p->n + 1) * sizeof(*p->w));
	w = &p->w[p->n++];
	w->what = xstrdup(what);
	w->file = xstrdup(file);
	w->why = why;
	w->optional = optional;
	va_start(ap, fmt);
	w->value = xvasprintf(fmt, ap);
	va_end(ap);
}

void cgroup_plan_free(struct cgroup_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->w[i].what);
		free(p->w[i].file);
		free(p->w[i].value);
	}
	free(p->w);
	p->w = NULL;
	p->n = 0;
}

/* One planned write on fd, the file at f; a knob rejects a value from write(). */
static struct cubo_error *plan_write(int fd, const char *f, const struct cgroup_write *w)
{
	size_t len = strlen(w->value);
	ssize_t n;

	do
		n = write(fd, w->value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cubo_error_wrap(cubo_error_errno("write %s", f), "%s: %s", w->what,
				       w->value);
	if ((size_t)n != len)
		return cubo_error_new("%s: %s: write %s: %zd of %zu bytes", w->what, w->value, f, n,
				      len);
	return NULL;
}

/*
 * Consecutive writes to one file (a device rule list) share one open: each
 * write() is one command to a cgroup file, whatever its offset.
 */
struct cubo_error *cgroup_plan_run(const struct cgroup_plan *p, const char *dir)
{
	struct cubo_error *err = NULL;
	const char *open_file = NULL;
	char *f = NULL;
	int fd = -1;

	/* every file first: one that is missing fails before anything is written */
	for (size_t i = 0; i < p->n; i++) {
		const struct cgroup_write *w = &p->w[i];

		if (w->optional || (i > 0 && !strcmp(p->w[i - 1].file, w->file)))
			continue;
		f = cubo_path_join(dir, w->file);
		if (!cubo_path_exists(f))
			err = cubo_error_new("%s: %s does not exist%s%s%s", w->what, f,
					     w->why ? " (" : "", w->why ? w->why : "",
					     w->why ? ")" : "");
		free(f);
		f = NULL;
		CUBO_TRY(err);
	}
	for (size_t i = 0; i < p->n && !err; i++) {
		const struct cgroup_write *w = &p->w[i];

		if (!open_file || strcmp(open_file, w->file)) {
			if (fd >= 0)
				close(fd);
			free(f);
			f = cubo_path_join(dir, w->file);
			open_file = w->file;
			fd = open(f, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
			/* an optional knob this kernel lacks is skipped, as it was planned */
			if (fd < 0 && errno != ENOENT)
				err = cubo_error_wrap(cubo_error_errno("write %s: open", f),
						      "%s: %s", w->what, w->value);
		}
		if (fd >= 0 && !err)
			err = plan_write(fd, f, w);
	}
	if (fd >= 0)
		close(fd);
	free(f);
	return err;
}

/* ---- what create, delete and state use ---- */

struct cubo_error *cgroup_set_record(const struct cgroup_set *s, int dirfd)
{
	struct oci_strlist l;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	struct cubo_error *err;

	CUBO_TRY(cgroup_set_to_strlist(s, &l));
	f = open_memstream(&text, &len);
	if (!f) {
		cubo_strv_free(l.v);
		return cubo_error_errno("record cgroups");
	}
	for (size_t i = 0; i < l.n; i++)
		fprintf(f, "%s\n", l.v[i]);
	fclose(f);
	cubo_strv_free(l.v);
	err = cubo_write_file_replace_at(dirfd, CGROUP_RECORD_FILE, text, len, 0600);
	free(text);
	return cubo_error_wrap(err, "record cgroups");
}

/* runc's warning: processes already in the cgroup share the container's limits and fate. */
static void warn_if_populated(const struct cgroup_set *s)
{
	pid_t *pids = NULL;
	size_t n = 0;
	bool all_new = true;
	struct cubo_error *err;

	/* A cgroup made just now holds nothing: the usual case costs no read. */
	for (size_t i = 0; i < s->n && all_new; i++)
		all_new = s->d[i].made > 0;
	if (all_new)
		return;
	err = cgroup_set_pids(s, &pids, &n);

	if (!err && n)
		fprintf(stderr,
			"cubo-runc: warning: container's cgroup is not empty: %zu process(es) "
			"found\n",
			n);
	cubo_error_free(err);
	free(pids);
}

struct cubo_error *cgroup_container_prepare(const struct cgroup_layout *l, const char *cgroups_path,
					    const char *id, const struct oci_resources *res,
					    int state_dirfd, struct cgroup_set **out)
{
	/* Only what must be there before a process enters: cpuset cpus and mems. */
	struct oci_cpu cpu = {0};
	struct oci_resources early = {0};

	if (res && res->cpu) {
		cpu.cpus = res->cpu->cpus;
		cpu.mems = res->cpu->mems;
		early.cpu = &cpu;
	}
	*out = NULL;
	CUBO_TRY_CTX(cgroup_set_create(l, cgroups_path, id, &early, out), "cgroups");
	/*
	 * An init joining a frozen cgroup stops before it can report, and create
	 * would wait for it forever: refuse, as runc does, with runc's words.
	 */
	if (cgroup_set_frozen_in_effect(*out)) {
		cubo_error_free(cgroup_set_destroy(*out));
		cgroup_set_free(*out);
		*out = NULL;
		return cubo_error_new("container's cgroup unexpectedly frozen");
	}
	warn_if_populated(*out);
	return cgroup_set_record(*out, state_dirfd);
}

static struct cubo_error *open_in(const char *dir, const char *name, int flags, int *fd)
{
	char *f = cubo_path_join(dir, name);
	*fd = open(f, flags | O_CLOEXEC);
	struct cubo_error *err =
		*fd < 0 ? cubo_error_errno("join cgroup %s: open %s", dir, f) : NULL;
	free(f);
	return err;
}

struct cubo_error *cgroup_entry_open(const struct cgroup_set *s, struct cgroup_entry *e)
{
	struct cubo_error *err = NULL;

	e->v2_dirfd = e->v2_procs = -1;
	e->n_tasks = 0;
	for (size_t i = 0; !err && i < s->n; i++) {
		const struct cgroup_dir *d = &s->d[i];

		if (d->v2) {
			e->v2_dirfd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (e->v2_dirfd < 0)
				err = cubo_error_errno("join cgroup %s", d->path);
		} else if (e->n_tasks == CGROUP_MAX_HIERARCHIES) {
			err = cubo_error_new("join cgroups: more than %d hierarchies",
					     CGROUP_MAX_HIERARCHIES);
		} else {
			err = open_in(d->path, "tasks", O_WRONLY, &e->tasks[e->n_tasks]);
			if (!err)
				e->n_tasks++;
		}
	}
	if (err)
		cgroup_entry_close(e);
	return err;
}

struct cubo_error *cgroup_entry_v2_fallback(struct cgroup_entry *e, const struct cgroup_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->d[i].v2)
			CUBO_TRY(open_in(s->d[i].path, "cgroup.procs", O_WRONLY, &e->v2_procs));
	if (e->v2_dirfd >= 0)
		close(e->v2_dirfd);
	e->v2_dirfd = -1;
	return NULL;
}

int cgroup_entry_join_self(const struct cgroup_entry *e)
{
	for (size_t i = 0; i < e->n_tasks; i++)
		if (write(e->tasks[i], "0", 1) != 1)
			return -errno;
	if (e->v2_procs >= 0 && write(e->v2_procs, "0", 1) != 1)
		return -errno;
	return 0;
}

void cgroup_entry_close(struct cgroup_entry *e)
{
	for (size_t i = 0; i < e->n_tasks; i++)
		close(e->tasks[i]);
	e->n_tasks = 0;
	if (e->v2_dirfd >= 0)
		close(e->v2_dirfd);
	if (e->v2_procs >= 0)
		close(e->v2_procs);
	e->v2_dirfd = e->v2_procs = -1;
}

struct cubo_error *cgroup_set_load(const char *state_dir, const struct oci_strlist *paths,
				   struct cgroup_set **out)
{
	struct oci_strlist l = {0};
	char *f, *text = NULL;
	size_t len;
	struct cubo_error *err;

	*out = NULL;
	if (paths && paths->n)
		return cgroup_set_from_strlist(paths, out);
	f = cubo_path_join(state_dir, CGROUP_RECORD_FILE);
	err = cubo_read_file(f, &text, &len);
	free(f);
	if (err && err->errnum == ENOENT) {
		cubo_error_free(err);
		return cgroup_set_from_strlist(&l, out);
	}
	CUBO_TRY(err);
	l.v = cubo_strv_split(text, '\n');
	l.n = cubo_strv_len(l.v);
	free(text);
	err = cgroup_set_from_strlist(&l, out);
	cubo_strv_free(l.v);
	return err;
}

struct cubo_error *cgroup_set_kill_made(const struct cgroup_set *s)
{
	struct cgroup_dir made[CGROUP_MAX_HIERARCHIES];
	struct cgroup_set view = {.d = made};

	for (size_t i = 0; s && i < s->n && view.n < CGROUP_MAX_HIERARCHIES; i++)
		if (s->d[i].made)
			made[view.n++] = s->d[i];
	return cgroup_set_kill_all(&view, SIGKILL);
}

struct cubo_error *cgroup_set_remove(const struct cgroup_set *s)
{
	bool ours = s && s->n;

	/* Never signal a cgroup shared with others (one we joined, not made). */
	for (size_t i = 0; ours && i < s->n; i++)
		ours = s->d[i].made || s->d[i].unit;
	if (ours) {
		pid_t *pids;
		size_t n;

		/* The usual case, an empty cgroup, needs no freezing and no signal. */
		CUBO_TRY(cgroup_set_pids(s, &pids, &n));
		free(pids);
		if (n)
			CUBO_TRY(cgroup_set_kill_all(s, SIGKILL));
	}
	return cgroup_set_destroy(s);
}

bool cgroup_paths_frozen(const struct oci_strlist *paths)
{
	struct cgroup_set *s;
	struct cubo_error *err;
	bool frozen;

	if (!paths || !paths->n)
		return false;
	err = cgroup_set_from_strlist(paths, &s);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	frozen = cgroup_set_is_frozen(s);
	cgroup_set_free(s);
	return frozen;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The build executor: see builder.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-mgr/builder/build_net.h"
#include "cubo-mgr/builder/builder.h"
#include "cubo-mgr/builder/cache.h"
#include "cubo-mgr/builder/copy.h"
#include "cubo-mgr/builder/etc_stubs.h"
#include "cubo-mgr/builder/ignore.h"
#include "cubo-mgr/builder/instr.h"
#include "cubo-mgr/builder/stage.h"
#include "cubo-mgr/container/bundle.h"
#include "cubo-mgr/container/passwd.h"
#include "cubo-mgr/container/rootfs.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/image/layers.h"
#include "cubo-mgr/image_fetch.h"
#include "cubo-mgr/userns/userns.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/json.h"
#include "shared/path_in_root.h"
#include "shared/strv.h"
#include "shared/timeutil.h"
#include "shared/testpoint.h"
#include "shared/xalloc.h"

/* overlay features that would leave the upper directory unlike a layer */
#define BUILD_OVERLAY_OPTS "redirect_dir=off,index=off,metacopy=off"
/*
 * In a user namespace the kernel refuses redirect_dir=off where it means
 * "follow" (redirect_always_follow): nofollow neither creates nor follows
 * redirects, which is what a step's upper (its layer) needs as well.
 */
#define BUILD_OVERLAY_OPTS_USERNS "redirect_dir=nofollow,index=off,metacopy=off"

struct builder {
	struct mgr *m;
	const struct build_opts *o;
	struct build_file *file;
	struct build_ignore *ig;
	struct store *s;
	struct ctr_ctx ctx;   /* the runtime and <root>/layers */
	int ctx_fd;	      /* the build context */
	char *work;	      /* <root>/build/<random>: this build's scratch space */
	int work_fd;	      /* locked while the build runs */
	char *id;	      /* "build-<random>": its network's container ID and netns name */
	char hostname[13];    /* of its RUN steps: the ID's first 12 characters, as docker's */
	struct build_net net; /* what RUN steps join */
	size_t last_run;      /* the step number of the last RUN to run; 0: none */
	char *cache_dir;      /* <root>/build-cache */
	struct build_stage *stages;
	size_t n_stages;
	struct build_stage *images; /* COPY --from=IMAGE sources */
	size_t n_images;
	char **used_args;
	char **global_args;   /* "K=V" of the ARGs before the first FROM */
	char **platform_args; /* TARGETPLATFORM, TARGETARCH, BUILDOS, ...: docker's automatic ARGs
			       */
	size_t step, n_steps;
};

static FILE *report_to(const struct builder *b)
{
	return b->o->quiet ? NULL : b->o->out;
}

static void say(const struct builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct builder *b, const char *fmt, ...)
{
	FILE *f = report_to(b);
	if (!f)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fflush(f);
}

/* ---- the build file ---- */

struct cubo_error *build_find_file(const char *context, char **path)
{
	static const char *const names[] = {"Cubofile.toml", "Cubofile", "Dockerfile",
					    "Containerfile"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		char *p = cubo_path_join(context, names[i]);
		if (cubo_path_exists(p)) {
			*path = p;
			return NULL;
		}
		free(p);
	}
	return cubo_error_new("%s: no Cubofile.toml or Cubofile (give one with -f)", context);
}

static bool is_toml(const char *path)
{
	size_t n = strlen(path);
	return n >= 5 && !strcasecmp(path + n - 5, ".toml");
}

static struct cubo_error *load_file(struct builder *b)
{
	char *path = NULL;
	bool from_stdin = b->o->file && !strcmp(b->o->file, "-");
	if (b->o->file)
		path = xstrdup(from_stdin ? "/dev/stdin" : b->o->file);
	else
		CUBO_TRY(build_find_file(b->o->context, &path));
	char *text = NULL;
	size_t len = 0;
	struct cubo_error *err = cubo_read_file(path, &text, &len);
	/* errors name the file as users know it: Cubofile:3 ("-f -": a text Cubofile) */
	const char *shown = from_stdin ? "Cubofile" : b->o->file ? path : strrchr(path, '/') + 1;
	if (!err)
		err = is_toml(path) ? cubofile_toml_parse(text, len, shown, &b->file)
				    : cubofile_parse(text, len, shown, &b->file);
	free(text);
	free(path);
	return err;
}

/* .cuboignore, else the .dockerignore a docker user's context already has */
static struct cubo_error *load_ignore(struct builder *b)
{
	static const char *const names[] = {".cuboignore", ".dockerignore"};
	for (size_t i = 0; i < 2; i++) {
		char *text = NULL;
		size_t len = 0;
		struct cubo_error *err = cubo_read_file_at(b->ctx_fd, names[i], &text, &len);
		if (err && err->errnum == ENOENT) {
			cubo_error_free(err);
			continue;
		}
		if (!err)
			err = build_ignore_parse(text, len, names[i], &b->ig);
		free(text);
		return err;
	}
	return NULL;
}

/* ---- scratch space ---- */

/* A RUN container a killed build left running: its ID is in its step directory. */
static void clean_stale_containers(const struct ctr_runtime *rt, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "step-", 5))
			continue;
		char *p = cubo_path_join(dir, de->d_name);
		char *idf = cubo_path_join(p, "container-id");
		char *id = NULL;
		size_t len;
		struct cubo_error *err = cubo_read_file(idf, &id, &len);
		if (!err && len && !strncmp(id, "cubo-build-", 11))
			cubo_error_free(runtime_delete(rt, id, true));
		cubo_error_free(err);
		free(id);
		free(idf);
		free(p);
	}
	closedir(d);
}

/* A build's ID from its work directory's name. */
static char *build_id(const char *work_name)
{
	return xasprintf("build-%s", work_name);
}

/* Remove what killed builds left: their directories are no longer locked. */
static void clean_stale_work(const struct ctr_runtime *rt, const char *root,
			     const struct mgr_settings *set, const char *build_dir)
{
	DIR *d = opendir(build_dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *p = cubo_path_join(build_dir, de->d_name);
		int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			clean_stale_containers(rt, p);
			/* its network, if its keeper was killed too */
			char *id = build_id(de->d_name);
			cubo_error_free(build_net_reap(root, set, p, id));
			free(id);
			cubo_error_free(cubo_rm_rf(p));
		}
		if (fd >= 0)
			close(fd);
		free(p);
	}
	closedir(d);
}

static struct cubo_error *make_work(struct builder *b)
{
	char *build_dir = cubo_path_join(b->m->root, "build");
	struct cubo_error *err = cubo_mkdir_p(build_dir, 0700);
	if (!err)
		clean_stale_work(&b->ctx.rt, b->m->root, &b->m->settings, build_dir);
	char hex[17];
	if (!err)
		err = cubo_random_hex(hex, 16);
	if (!err) {
		b->work = cubo_path_join(build_dir, hex);
		b->id = build_id(hex);
		snprintf(b->hostname, sizeof(b->hostname), "%s", b->id);
		if (mkdir(b->work, 0700) < 0)
			err = cubo_error_errno("mkdir %s", b->work);
	}
	if (!err) {
		b->work_fd = open(b->work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (b->work_fd < 0 || flock(b->work_fd, LOCK_EX) < 0)
			err = cubo_error_errno("lock %s", b->work);
	}
	free(build_dir);
	return err;
}

/* ---- the cache ---- */

static bool cache_get(const struct builder *b, const char *key, struct build_cache_rec *r)
{
	return !b->o->no_cache && build_cache_get(b->cache_dir, key, r);
}

static struct cubo_error *cache_put(const struct builder *b, const char *key,
				    const struct build_cache_rec *r)
{
	return build_cache_put(b->cache_dir, key, r);
}

static struct cubo_error *key_next(struct build_stage *st, const char *text, const char *extra)
{
	return build_cache_key_next(st->key, text, extra);
}

/* ---- layers ---- */

static struct cubo_error *chain_of(const struct build_stage *st, const char *diff_id,
				   char out[CUBO_DIGEST_LEN + 1])
{
	if (st->n_layers == 0) {
		memcpy(out, diff_id, CUBO_DIGEST_LEN + 1);
		return NULL;
	}
	char *text = xasprintf("%s %s", st->chain[st->n_layers - 1], diff_id);
	struct cubo_error *err = cubo_sha256_buffer(text, strlen(text), out);
	free(text);
	return err;
}

static void add_layer(struct build_stage *st, const struct build_cache_rec *r, const char *chain,
		      const char *created_by)
{
	st->layers = xreallocarray(st->layers, st->n_layers + 1, sizeof(*st->layers));
	struct oci_descriptor *d = &st->layers[st->n_layers++];
	memset(d, 0, sizeof(*d));
	d->media_type = xstrdup(r->media_type);
	d->digest = xstrdup(r->digest);
	d->size = r->size;
	size_t n = cubo_strv_len(st->chain);
	cubo_strv_push(&st->chain, &n, chain);
	struct oci_strlist *ids = &st->config->diff_ids;
	cubo_strv_push(&ids->v, &ids->n, r->diff_id);
	snprintf(st->created, sizeof(st->created), "%s", r->created);
	build_stage_history(st, created_by, false);
}

/* A cached layer is usable when its blob is stored and it is extracted (again, if need be). */
static bool cached_layer_usable(struct builder *b, const struct build_stage *st,
				const struct build_cache_rec *r, char chain[CUBO_DIGEST_LEN + 1])
{
	if (chain_of(st, r->diff_id, chain) || !store_blob_has(b->s, r->digest))
		return false;
	if (store_layer_has(b->s, chain))
		return true;
	int lock;
	struct cubo_error *err = store_layer_lock(b->s, chain, &lock);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	char got[CUBO_DIGEST_LEN + 1];
	if (!store_layer_has(b->s, chain))
		err = image_layer_extract(b->s, r->digest, r->diff_id, chain, got);
	cubo_unlock(lock);
	cubo_error_free(err);
	return !err;
}

/* ---- work in a child with its own mount namespace ---- */

typedef struct cubo_error *(*child_fn)(struct builder *b, void *ctx, int *code);

/* Run fn in a child; its mounts die with it. *code: what fn set, or the signal (128+N). */
static struct cubo_error *in_child(struct builder *b, child_fn fn, void *ctx, int *code)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cubo_error_errno("pipe");
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return cubo_error_errno("fork");
	}
	if (pid == 0) {
		close(p[0]);
		/* the build's lock and its mounts go when the build does */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(255);
		int c = 0;
		struct cubo_error *err = fn(b, ctx, &c);
		if (err) {
			char *t = cubo_error_text(err);
			ssize_t w = write(p[1], t, strlen(t));
			(void)w;
			_exit(255);
		}
		fflush(NULL);
		_exit(c & 0xff);
	}
	close(p[1]);
	char msg[4096];
	size_t len = cubo_read_until_eof(p[0], msg, sizeof(msg));
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (len)
		return cubo_error_new("%s", msg);
	*code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return NULL;
}

struct step_dirs {
	char *dir, *upper, *work, *rootfs;
};

static void step_dirs_free(struct step_dirs *d)
{
	if (d->dir)
		cubo_error_free(cubo_rm_rf(d->dir));
	free(d->dir);
	free(d->upper);
	free(d->work);
	free(d->rootfs);
}

static struct cubo_error *step_dirs_make(struct builder *b, struct step_dirs *d)
{
	char name[32];
	snprintf(name, sizeof(name), "step-%zu", b->step);
	d->dir = cubo_path_join(b->work, name);
	d->upper = cubo_path_join(d->dir, "upper");
	d->work = cubo_path_join(d->dir, "work");
	d->rootfs = cubo_path_join(d->dir, "rootfs");
	if (mkdir(d->dir, 0700) < 0)
		return cubo_error_errno("mkdir %s", d->dir);
	return rootfs_prepare(d->dir);
}

/* The stage's layers, read-write over upper, or read-only when upper is NULL. */
static struct cubo_error *mount_stage_layers(struct builder *b, const struct build_stage *st,
					     const char *upper, const char *work,
					     const char *target);

static struct cubo_error *mount_stage(struct builder *b, const struct build_stage *st,
				      const char *upper, const char *work, const char *target)
{
	struct cubo_error *err = mount_stage_layers(b, st, upper, work, target);
	if (err && err->errnum == ENODEV)
		err = cubo_error_wrap(err, "builds need overlayfs, which this kernel lacks");
	return err;
}

/* The overlay options of a step's rootfs. */
static const char *overlay_opts(void)
{
	return userns_rootless() ? BUILD_OVERLAY_OPTS_USERNS : BUILD_OVERLAY_OPTS;
}

static struct cubo_error *mount_stage_layers(struct builder *b, const struct build_stage *st,
					     const char *upper, const char *work,
					     const char *target)
{
	if (st->n_layers == 0 || (!upper && st->n_layers == 1)) {
		/* scratch, or one layer read-only: no overlay needed below */
		char *empty = cubo_path_join(b->work, "empty");
		char *src = st->n_layers ? cubo_path_join(b->ctx.layers_dir, st->chain[0] + 7)
					 : xstrdup(empty);
		struct cubo_error *err = NULL;
		if (!st->n_layers && mkdir(empty, 0755) < 0 && errno != EEXIST)
			err = cubo_error_errno("mkdir %s", empty);
		if (!err && upper) {
			char *const lower[] = {"empty", NULL};
			err = rootfs_mount_dirs(b->work, lower, upper, work, target,
						overlay_opts());
		} else if (!err) {
			if (mount(src, target, NULL, MS_BIND, NULL) < 0 ||
			    mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
				err = cubo_error_errno("bind %s on %s", src, target);
		}
		free(empty);
		free(src);
		return err;
	}
	return rootfs_mount_dirs(b->ctx.layers_dir, st->chain, upper, work, target,
				 upper ? overlay_opts() : NULL);
}

/* ---- RUN ---- */

struct run_ctx {
	const struct build_stage *st;
	struct step_dirs *d;
	struct oci_config *cfg;
	const char *id;
};

static void add_bind(struct oci_config *cfg, const char *src, const char *dest)
{
	cfg->mounts = xreallocarray(cfg->mounts, cfg->n_mounts + 1, sizeof(*cfg->mounts));
	struct oci_mount *mt = &cfg->mounts[cfg->n_mounts++];
	memset(mt, 0, sizeof(*mt));
	mt->destination = xstrdup(dest);
	mt->type = xstrdup("bind");
	mt->source = xstrdup(src);
	char *const opts[] = {"rbind", "ro", "rprivate", NULL};
	mt->options.v = cubo_strv_dup(opts);
	mt->options.n = 3;
}

static struct cubo_error *run_child(struct builder *b, void *p, int *code)
{
	struct run_ctx *c = p;
	CUBO_TRY(rootfs_private_namespace());
	CUBO_TRY(mount_stage(b, c->st, c->d->upper, c->d->work, c->d->rootfs));
	int root = open(c->d->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cubo_error_errno("open %s", c->d->rootfs);
	struct ctr_user u;
	const char *user = c->st->config->config->user;
	struct cubo_error *err = passwd_resolve_in_root(root, user && *user ? user : "0", &u);
	if (!err) {
		bundle_apply_user(c->cfg, &u);
		ctr_user_free(&u);
	}
	/* the keeper writes the hosts file before it says the network is up */
	if (!err)
		err = build_net_wait_ready(&b->net);
	/* the network's name service files (build_net.h); see etc_stubs.h */
	static const char *const etc[] = {"/etc/resolv.conf", "/etc/hosts"};
	const char *src[] = {b->net.resolv, b->net.hosts};
	struct etc_stubs stubs = {0};
	for (size_t i = 0; !err && i < 2; i++)
		if (src[i] && cubo_path_exists(src[i]) &&
		    etc_stub_bindable(root, etc[i] + 1, &stubs))
			add_bind(c->cfg, src[i], etc[i]);
	close(root);
	char *json = NULL;
	size_t len = 0;
	if (!err)
		err = oci_config_to_json(c->cfg, false, &json, &len);
	/* the step's bundle goes with the work directory: no fsync */
	char *cfg_path = cubo_path_join(c->d->dir, "config.json");
	if (!err)
		err = cubo_write_file_replace(cfg_path, json, len, 0600);
	free(cfg_path);
	free(json);
	CUBO_TRY(err);
	char *idf = cubo_path_join(c->d->dir, "container-id");
	err = cubo_write_file_replace(idf, c->id, strlen(c->id), 0600);
	free(idf);
	CUBO_TRY(err);
	const char *args[] = {"run", "--bundle", c->d->dir, c->id, NULL};
	int out = STDOUT_FILENO, errfd = STDERR_FILENO;
	if (b->o->quiet)
		out = errfd = STDERR_FILENO;
	CUBO_TRY(runtime_spawn_wait(&b->ctx.rt, args, -1, out, errfd, code));
	if (!stubs.n)
		return NULL;
	/* the upper directory is changed only with the overlay gone */
	if (umount2(c->d->rootfs, 0) < 0)
		return cubo_error_errno("unmount %s", c->d->rootfs);
	return etc_stubs_remove(c->d->upper, &stubs);
}

static struct cubo_error *run_config(struct builder *b, const struct build_stage *st,
				     const struct build_instr *in, const char *id,
				     struct oci_config **cfg)
{
	char **env = build_stage_run_env(st);
	char **argv =
		in->shell_form ? build_stage_shell_argv(st, in->args[0]) : cubo_strv_dup(in->args);
	struct ctr_opts o = {
		.env = env,
		.cmd = argv,
		.has_entrypoint = true,
		.network = (char *)b->o->network,
		.hostname = b->hostname,
		.pids_limit = 0,
		.stop_timeout = -1,
	};
	/* NULL for none (a namespace per step) and host (none at all) */
	struct bundle_input bi = {.id = id,
				  .image = st->config,
				  .opts = &o,
				  .netns = b->net.netns,
				  .systemd_cgroup = b->ctx.rt.systemd_cgroup,
				  .rootless = userns_rootless()};
	struct cubo_error *err = bundle_build(&bi, cfg);
	cubo_strv_free(env);
	cubo_strv_free(argv);
	return err;
}

/* ---- the network of RUN steps ---- */

/* A killed build's step container, removed by the network's keeper. */
static void abandon_steps(void *arg)
{
	struct builder *b = arg;
	clean_stale_containers(&b->ctx.rt, b->work);
}

static struct cubo_error *net_start(struct builder *b)
{
	struct build_net_env env = {.root = b->m->root,
				    .settings = &b->m->settings,
				    .work = b->work,
				    .id = b->id,
				    .hostname = b->hostname,
				    .abandoned = abandon_steps,
				    .arg = b};
	return build_net_start(&b->net, &env);
}

/*
 * A step missed the cache: every later step of its stage runs, so when a
 * RUN is among them, the network is attached while this step works.
 */
static struct cubo_error *net_ahead(struct builder *b)
{
	for (size_t i = b->step - 1; i < b->n_steps; i++) {
		const struct build_instr *in = &b->file->v[i];
		if (i >= b->step && in->op == BUILD_FROM)
			break;
		if (in->op == BUILD_RUN)
			return net_start(b);
	}
	return NULL;
}

/* ---- steps that make a layer ---- */

typedef struct cubo_error *(*layer_fn)(struct builder *b, struct build_stage *st,
				       const struct build_instr *in, struct step_dirs *d,
				       void *ctx);

static struct cubo_error *commit_layer(struct builder *b, struct build_stage *st,
				       const struct build_instr *in, struct step_dirs *d,
				       struct build_cache_rec *r)
{
	struct layer_blob blob;
	CUBO_TRY(layer_tar_write(b->s, d->upper, b->o->compression, &blob));
	char chain[CUBO_DIGEST_LEN + 1];
	CUBO_TRY(chain_of(st, blob.diff_id, chain));
	cubo_test_point("build-before-layer-commit");
	int lock;
	CUBO_TRY(store_layer_lock(b->s, chain, &lock));
	struct cubo_error *err = store_layer_commit(b->s, d->upper, chain);
	cubo_unlock(lock);
	CUBO_TRY(err);
	r->has_layer = true;
	snprintf(r->media_type, sizeof(r->media_type), "%s", blob.media_type);
	memcpy(r->digest, blob.digest, sizeof(r->digest));
	memcpy(r->diff_id, blob.diff_id, sizeof(r->diff_id));
	r->size = blob.size;
	cubo_time_now_rfc3339(r->created);
	CUBO_TRY(cache_put(b, st->key, r));
	add_layer(st, r, chain, in->text);
	return NULL;
}

/* The cache, else fn in fresh step directories and a new layer from them. */
static struct cubo_error *layer_step(struct builder *b, struct build_stage *st,
				     const struct build_instr *in, const char *extra, layer_fn fn,
				     void *ctx)
{
	CUBO_TRY(key_next(st, in->text, extra));
	struct build_cache_rec r;
	char chain[CUBO_DIGEST_LEN + 1];
	if (cache_get(b, st->key, &r) && r.has_layer && cached_layer_usable(b, st, &r, chain)) {
		say(b, "--> Using cache %.12s\n", st->key + 7);
		add_layer(st, &r, chain, in->text);
		return NULL;
	}
	CUBO_TRY(net_ahead(b));
	struct step_dirs d = {0};
	struct cubo_error *err = step_dirs_make(b, &d);
	if (!err)
		err = fn(b, st, in, &d, ctx);
	memset(&r, 0, sizeof(r));
	if (!err)
		err = commit_layer(b, st, in, &d, &r);
	step_dirs_free(&d);
	if (!err)
		say(b, "--> %.12s\n", st->key + 7);
	return err;
}

static struct cubo_error *do_run(struct builder *b, struct build_stage *st,
				 const struct build_instr *in, struct step_dirs *d, void *ctx)
{
	/* the step's child waits for the network (build_net_wait_ready), this after it */
	CUBO_TRY(net_start(b));
	char hex[13], id[32];
	CUBO_TRY(cubo_random_hex(hex, 12));
	snprintf(id, sizeof(id), "cubo-build-%s", hex);
	struct oci_config *cfg = NULL;
	CUBO_TRY(run_config(b, st, in, id, &cfg));
	struct run_ctx c = {.st = st, .d = d, .cfg = cfg, .id = id};
	int code = 0;
	struct cubo_error *err = in_child(b, run_child, &c, &code);
	struct cubo_error *net_err = build_net_wait_up(&b->net);
	if (net_err) { /* the keeper's own error says more than the step's */
		cubo_error_free(err);
		err = net_err;
	}
	cubo_test_point("build-after-run");
	if (err || code != 0) /* a runtime killed half way leaves its state and cgroups */
		cubo_error_free(runtime_delete(&b->ctx.rt, id, true));
	oci_config_free(cfg);
	/* no step needs the network any more: its release overlaps the layer's commit */
	if (b->step == b->last_run)
		build_net_release(&b->net);
	CUBO_TRY(err);
	if (code != 0) {
		char **argv = in->shell_form ? build_stage_shell_argv(st, in->args[0])
					     : cubo_strv_dup(in->args);
		char *line = run_opt_command_line(argv, 200);
		err = cubo_error_new("the command %s returned a non-zero code: %d", line, code);
		free(line);
		cubo_strv_free(argv);
	}
	return err;
}

/* ---- COPY and ADD ---- */

struct copy_ctx {
	const struct build_stage *st;	/* copied into */
	const struct build_stage *from; /* COPY --from; NULL: the context */
	const char *from_name;		/* for messages: "stage builder" */
	char **words;			/* the sources as written, expanded */
	char **rels;			/* found in the context already; NULL for a stage */
	char *dest;			/* absolute */
	char *chown;
	int mode;
	bool unpack;
	struct step_dirs *d;
};

static struct cubo_error *copy_child(struct builder *b, void *p, int *code)
{
	struct copy_ctx *c = p;
	CUBO_TRY(rootfs_private_namespace());
	CUBO_TRY(mount_stage(b, c->st, c->d->upper, c->d->work, c->d->rootfs));
	int src = b->ctx_fd, root = -1;
	struct cubo_error *err = NULL;
	if (c->from) {
		char *from_dir = cubo_path_join(c->d->dir, "from");
		if (mkdir(from_dir, 0755) < 0)
			err = cubo_error_errno("mkdir %s", from_dir);
		if (!err)
			err = mount_stage(b, c->from, NULL, NULL, from_dir);
		if (!err && (src = open(from_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			err = cubo_error_errno("open %s", from_dir);
		free(from_dir);
		size_t n = 0;
		for (size_t i = 0; !err && c->words[i]; i++)
			err = build_sources_find(src, c->words[i], NULL, c->from_name, &c->rels,
						 &n);
	}
	if (!err && (root = open(c->d->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		err = cubo_error_errno("open %s", c->d->rootfs);
	struct build_copy_opts o = {
		.mode = c->mode, .unpack = c->unpack, .ig = c->from ? NULL : b->ig};
	if (!err && c->chown) {
		struct ctr_user u;
		err = cubo_error_wrap(passwd_resolve_in_root(root, c->chown, &u), "--chown=%s",
				      c->chown);
		if (!err) {
			o.uid = u.uid;
			o.gid = u.gid;
			ctr_user_free(&u);
		}
	}
	if (!err)
		err = build_copy(src, c->rels, root, c->dest, &o);
	if (root >= 0)
		close(root);
	if (c->from && src >= 0)
		close(src);
	*code = 0;
	return err;
}

static struct cubo_error *do_copy(struct builder *b, struct build_stage *st,
				  const struct build_instr *in, struct step_dirs *d, void *ctx)
{
	struct copy_ctx *c = ctx;
	c->d = d;
	int code;
	return in_child(b, copy_child, c, &code);
}

static struct build_stage *find_stage(struct builder *b, const char *name)
{
	char *end;
	long idx = strtol(name, &end, 10);
	if (!*end && end != name)
		return idx >= 0 && (size_t)idx < b->n_stages ? &b->stages[idx] : NULL;
	for (size_t i = 0; i < b->n_stages; i++)
		if (b->stages[i].name && !strcasecmp(b->stages[i].name, name))
			return &b->stages[i];
	return NULL;
}

static struct cubo_error *load_base(struct builder *b, const char *ref, struct build_stage *st);

/* An image as a COPY --from source, loaded once per build. */
static struct cubo_error *from_image(struct builder *b, const char *ref,
				     const struct build_stage **out)
{
	for (size_t i = 0; i < b->n_images; i++) {
		if (!strcmp(b->images[i].name, ref)) {
			*out = &b->images[i];
			return NULL;
		}
	}
	struct build_stage st;
	memset(&st, 0, sizeof(st));
	struct cubo_error *err = load_base(b, ref, &st);
	if (err) {
		build_stage_free(&st);
		return err;
	}
	st.name = xstrdup(ref);
	b->images = xreallocarray(b->images, b->n_images + 1, sizeof(*b->images));
	b->images[b->n_images] = st;
	*out = &b->images[b->n_images++];
	return NULL;
}

static void copy_ctx_free(struct copy_ctx *c)
{
	cubo_strv_free(c->words);
	cubo_strv_free(c->rels);
	free(c->dest);
	free(c->chown);
}

static struct cubo_error *copy_prepare(struct builder *b, struct build_stage *st,
				       const struct build_instr *in, struct copy_ctx *c,
				       char extra[CUBO_DIGEST_LEN + 1])
{
	const char *verb = in->op == BUILD_ADD ? "ADD" : "COPY";
	size_t n = 0;
	for (size_t i = 0; in->sources[i]; i++) {
		char *w;
		CUBO_TRY(build_stage_expand(st, in->sources[i], &w));
		if (in->op == BUILD_ADD && (strstr(w, "://") || !strncmp(w, "git@", 4))) {
			struct cubo_error *err = cubo_error_new(
				"ADD %s: remote sources are not supported; download the file into "
				"the build context and COPY it",
				w);
			free(w);
			return err;
		}
		cubo_strv_push(&c->words, &n, w);
		free(w);
	}
	char *dest;
	CUBO_TRY(build_stage_expand(st, in->dest, &dest));
	if (dest[0] != '/') {
		const char *wd = st->config->config->working_dir;
		wd = wd && wd[0] ? wd : "/";
		c->dest = xasprintf("%s%s%s", wd, wd[strlen(wd) - 1] == '/' ? "" : "/",
				    strcmp(dest, ".") ? dest : "");
		free(dest);
	} else {
		c->dest = dest;
	}
	if (in->chown)
		CUBO_TRY(build_stage_expand(st, in->chown, &c->chown));
	c->mode = -1;
	if (in->chmod) {
		char *end;
		long m = strtol(in->chmod, &end, 8);
		if (*end || end == in->chmod || m < 0 || m > 07777)
			return cubo_error_new("%s --chmod=%s: expected an octal mode", verb,
					      in->chmod);
		c->mode = (int)m;
	}
	c->st = st;
	c->unpack = in->op == BUILD_ADD;
	if (in->from_stage) {
		c->from = find_stage(b, in->from_stage);
		if (!c->from)
			CUBO_TRY_CTX(from_image(b, in->from_stage, &c->from),
				     "COPY --from=%s (no earlier stage has that name)",
				     in->from_stage);
		c->from_name = c->from->name ? c->from->name : in->from_stage;
		/* what the stage holds is fixed by its key */
		memcpy(extra, c->from->key, CUBO_DIGEST_LEN + 1);
		return NULL;
	}
	size_t n_rels = 0;
	for (size_t i = 0; c->words[i]; i++)
		CUBO_TRY_CTX(build_sources_find(b->ctx_fd, c->words[i], b->ig, "the build context",
						&c->rels, &n_rels),
			     "%s", verb);
	struct cubo_sha256 *h;
	CUBO_TRY(cubo_sha256_new(&h));
	struct cubo_error *err = build_sources_hash(b->ctx_fd, c->rels, b->ig, h);
	if (!err)
		err = cubo_sha256_final(h, extra);
	cubo_sha256_free(h);
	return err;
}

static struct cubo_error *step_copy(struct builder *b, struct build_stage *st,
				    const struct build_instr *in)
{
	struct copy_ctx c = {0};
	char extra[CUBO_DIGEST_LEN + 1];
	struct cubo_error *err = copy_prepare(b, st, in, &c, extra);
	if (!err)
		err = layer_step(b, st, in, extra, do_copy, &c);
	copy_ctx_free(&c);
	return err;
}

/* ---- config-only steps ---- */

static struct cubo_error *step_config(struct builder *b, struct build_stage *st,
				      const struct build_instr *in)
{
	const struct build_instr *use = in;
	struct build_instr arg = {0};
	char *resolved = NULL;
	if (in->op == BUILD_ARG) {
		/* a bare ARG takes the value of a global one; the key gets the value used */
		arg = *in;
		arg.kv = xcalloc(in->n_kv, sizeof(*arg.kv));
		char **vals = NULL;
		size_t nv = 0;
		for (size_t i = 0; i < in->n_kv; i++) {
			arg.kv[i] = in->kv[i];
			const char *g = cubo_strv_env_get(b->global_args, in->kv[i].key);
			if (!g)
				g = cubo_strv_env_get(b->platform_args, in->kv[i].key);
			if (!in->kv[i].has_value && g) {
				arg.kv[i].value = (char *)g;
				arg.kv[i].has_value = true;
			}
			const char *v = cubo_strv_env_get(b->o->build_args, in->kv[i].key);
			char *kv = xasprintf("%s=%s", in->kv[i].key,
					     v ? v : (arg.kv[i].has_value ? arg.kv[i].value : ""));
			cubo_strv_push(&vals, &nv, kv);
			free(kv);
		}
		size_t len = 1;
		for (size_t i = 0; i < nv; i++)
			len += strlen(vals[i]) + 1;
		resolved = xcalloc(1, len);
		for (size_t i = 0; i < nv; i++) {
			strcat(resolved, vals[i]);
			strcat(resolved, "\n");
		}
		cubo_strv_free(vals);
		use = &arg;
	}
	struct cubo_error *err = key_next(st, in->text, resolved);
	struct build_cache_rec r;
	if (!err) {
		err = build_stage_apply(st, use, b->o->build_args, &b->used_args);
		err = cubo_error_wrap(err, "%s", in->text);
	}
	free(arg.kv);
	free(resolved);
	CUBO_TRY(err);
	if (cache_get(b, st->key, &r) && !r.has_layer) {
		snprintf(st->created, sizeof(st->created), "%s", r.created);
		say(b, "--> Using cache %.12s\n", st->key + 7);
	} else {
		CUBO_TRY(net_ahead(b));
		memset(&r, 0, sizeof(r));
		cubo_time_now_rfc3339(r.created);
		snprintf(st->created, sizeof(st->created), "%s", r.created);
		CUBO_TRY(cache_put(b, st->key, &r));
		say(b, "--> %.12s\n", st->key + 7);
	}
	build_stage_history(st, in->text, true);
	return NULL;
}

/* ---- FROM ---- */

static struct cubo_error *load_base(struct builder *b, const char *ref, struct build_stage *st)
{
	struct store_match match;
	struct cubo_error *err = store_image_find(b->s, ref, NULL, &match);
	if (err && strstr(err->msg, "no such image")) {
		cubo_error_free(err);
		err = image_fetch_pull(b->m, b->s, ref);
		if (!err)
			err = store_image_find(b->s, ref, NULL, &match);
	}
	CUBO_TRY_CTX(err, "FROM %s", ref);
	struct oci_manifest *man = NULL;
	struct oci_image_config *cfg = NULL;
	err = store_image_load(b->s, &match.v[0].manifest, &man, &cfg);
	if (!err)
		err = image_layers_extract(b->s, man, cfg);
	if (!err && man->n_layers != cfg->diff_ids.n)
		err = cubo_error_new("the manifest lists %zu layers, the config %zu", man->n_layers,
				     cfg->diff_ids.n);
	if (!err) {
		build_stage_init(st, cfg);
		st->layers = xcalloc(man->n_layers + 1, sizeof(*st->layers));
		for (size_t i = 0; i < man->n_layers; i++)
			oci_descriptor_copy(&man->layers[i], &st->layers[i]);
		st->n_layers = man->n_layers;
		char(*chain)[CUBO_DIGEST_LEN + 1] = xcalloc(cfg->diff_ids.n + 1, sizeof(*chain));
		err = oci_chain_ids(cfg->diff_ids.v, cfg->diff_ids.n, chain);
		size_t n = 0;
		for (size_t i = 0; !err && i < cfg->diff_ids.n; i++)
			cubo_strv_push(&st->chain, &n, chain[i]);
		free(chain);
		char seed[CUBO_DIGEST_LEN + 16];
		snprintf(seed, sizeof(seed), "FROM %s", match.config_digest);
		if (!err)
			err = cubo_sha256_buffer(seed, strlen(seed), st->key);
	}
	if (man)
		oci_manifest_free(man);
	if (cfg)
		oci_image_config_free(cfg);
	store_match_free(&match);
	return cubo_error_wrap(err, "FROM %s", ref);
}

static struct cubo_error *step_from(struct builder *b, const struct build_instr *in,
				    struct build_stage *st)
{
	char *ref;
	char **vars = cubo_strv_dup(b->platform_args);
	size_t nv = cubo_strv_len(vars);
	for (size_t i = 0; b->global_args && b->global_args[i]; i++)
		cubo_strv_push(&vars, &nv, b->global_args[i]);
	if (!vars)
		vars = xcalloc(1, sizeof(*vars));
	struct cubo_error *err = build_expand(in->image, vars, cubo_strv_len(vars), &ref);
	cubo_strv_free(vars);
	CUBO_TRY(err);
	const struct build_stage *prev = find_stage(b, ref);
	if (prev && strspn(ref, "0123456789") != strlen(ref)) {
		build_stage_copy(prev, st);
	} else if (!strcmp(ref, "scratch")) {
		build_stage_init(st, NULL);
		err = cubo_sha256_buffer("FROM scratch", 12, st->key);
	} else {
		err = load_base(b, ref, st);
	}
	free(ref);
	if (!err && in->stage_name)
		st->name = xstrdup(in->stage_name);
	if (!err)
		say(b, "--> %.12s\n", st->key + 7);
	return err;
}

/* ---- the image ---- */

static struct cubo_error *store_result(struct builder *b, struct build_stage *st,
				       char id[CUBO_DIGEST_LEN + 1])
{
	struct oci_image_config *c = st->config;
	struct oci_platform host;
	CUBO_TRY(oci_platform_host(&host));
	free(c->created);
	c->created = xstrdup(st->created[0] ? st->created : NULL);
	if (!c->architecture) {
		c->architecture = host.architecture;
		host.architecture = NULL;
	}
	if (!c->os) {
		c->os = host.os;
		host.os = NULL;
	}
	oci_platform_free(&host);
	if (!c->created) {
		char now[CUBO_RFC3339_LEN];
		cubo_time_now_rfc3339(now);
		c->created = xstrdup(now);
	}
	char md[CUBO_DIGEST_LEN + 1];
	int64_t mlen;
	struct cubo_error *err = store_image_put(b->s, c, st->layers, st->n_layers, id, md, &mlen);
	cubo_test_point("build-before-image-commit");
	if (!err) {
		struct oci_descriptor d = {
			.media_type = OCI_MT_MANIFEST, .digest = md, .size = (int64_t)mlen};
		err = store_image_set(b->s, b->o->tags ? b->o->tags[0] : NULL, &d);
		for (size_t i = 1; !err && b->o->tags && b->o->tags[i]; i++)
			err = store_image_set(b->s, b->o->tags[i], &d);
	}
	return err;
}

/* ---- the whole build ---- */

/* What docker defines in the global scope of every build: the platform, built on and for. */
static struct cubo_error *platform_args(struct builder *b)
{
	struct oci_platform p;
	CUBO_TRY(oci_platform_host(&p));
	char *plat = oci_platform_string(&p);
	size_t n = 0;
	static const char *const sides[] = {"TARGET", "BUILD"};
	for (size_t i = 0; i < 2; i++) {
		const char *vals[][2] = {{"PLATFORM", plat},
					 {"OS", p.os},
					 {"ARCH", p.architecture},
					 {"VARIANT", p.variant ? p.variant : ""}};
		for (size_t j = 0; j < 4; j++) {
			char *e = xasprintf("%s%s=%s", sides[i], vals[j][0], vals[j][1]);
			cubo_strv_push(&b->platform_args, &n, e);
			free(e);
		}
	}
	free(plat);
	oci_platform_free(&p);
	return NULL;
}

static struct cubo_error *global_args(struct builder *b)
{
	CUBO_TRY(platform_args(b));
	size_t n = 0;
	for (size_t i = 0; i < b->file->n_global_args; i++) {
		const struct build_kv *kv = &b->file->global_args[i];
		const char *given = cubo_strv_env_get(b->o->build_args, kv->key);
		if (given) {
			size_t u = cubo_strv_len(b->used_args);
			cubo_strv_push(&b->used_args, &u, kv->key);
		}
		if (!given && !kv->has_value)
			continue;
		char *e = xasprintf("%s=%s", kv->key, given ? given : kv->value);
		cubo_strv_push(&b->global_args, &n, e);
		free(e);
	}
	return NULL;
}

/* The last instruction to run: the end of --target's stage, or the file's end. */
static struct cubo_error *last_step(struct builder *b, size_t *end)
{
	*end = b->file->n;
	if (!b->o->target)
		return NULL;
	for (size_t i = 0; i < b->file->n; i++) {
		const struct build_instr *in = &b->file->v[i];
		if (in->op != BUILD_FROM || !in->stage_name ||
		    strcasecmp(in->stage_name, b->o->target))
			continue;
		size_t j = i + 1;
		while (j < b->file->n && b->file->v[j].op != BUILD_FROM)
			j++;
		*end = j;
		return NULL;
	}
	return cubo_error_new("--target %s: no stage has that name", b->o->target);
}

/* A --label value is literal: its "$" and "\\" are escaped from the expansion LABEL does. */
static char *escape_dollars(const char *s)
{
	size_t n = 0;
	for (const char *p = s; *p; p++)
		n += *p == '$' || *p == '\\' ? 2 : 1;
	char *out = xmalloc(n + 1), *w = out;
	for (const char *p = s; *p; p++) {
		if (*p == '$' || *p == '\\')
			*w++ = '\\';
		*w++ = *p;
	}
	*w = '\0';
	return out;
}

/* A step other than FROM. */
static struct cubo_error *step_one(struct builder *b, struct build_stage *st,
				   const struct build_instr *in)
{
	if (in->op == BUILD_RUN)
		return layer_step(b, st, in, NULL, do_run, NULL);
	if (in->op == BUILD_COPY || in->op == BUILD_ADD)
		return step_copy(b, st, in);
	return step_config(b, st, in);
}

/*
 * The base's ONBUILD triggers, in order, as the first steps of the stage
 * (docker's semantics); the new image keeps none of them. They come from
 * the image, so they are parsed as any build file's lines are, one each.
 */
static struct cubo_error *run_triggers(struct builder *b, struct build_stage *st,
				       const struct build_instr *from)
{
	char **triggers = build_stage_take_onbuild(st);
	size_t n = cubo_strv_len(triggers);
	if (n)
		say(b, "--> Executing %zu build trigger%s\n", n, n == 1 ? "" : "s");
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < n; i++) {
		char *source = xasprintf("%s: ONBUILD trigger %zu", from->text, i + 1);
		struct build_instr in;
		err = cubofile_parse_trigger(triggers[i], source, &in);
		if (!err) {
			in.line = from->line;
			say(b, "--> %s\n", in.text);
			err = cubo_error_wrap(step_one(b, st, &in), "%s", source);
			build_instr_clear(&in);
		}
		free(source);
	}
	cubo_strv_free(triggers);
	return err;
}

static struct cubo_error *run_steps(struct builder *b, char id[CUBO_DIGEST_LEN + 1])
{
	size_t end;
	CUBO_TRY(last_step(b, &end));
	CUBO_TRY(global_args(b));
	b->n_steps = end;
	for (size_t i = 0; i < end; i++)
		if (b->file->v[i].op == BUILD_RUN)
			b->last_run = i + 1;
	/* a base's ONBUILD RUN after the last RUN of the file would need it again: kept */
	for (size_t i = b->last_run; b->last_run && i < end; i++)
		if (b->file->v[i].op == BUILD_FROM)
			b->last_run = SIZE_MAX;
	/* every RUN will run: the network is attached while the first steps go */
	if (b->o->no_cache && b->last_run)
		CUBO_TRY(net_start(b));
	struct build_stage *st = NULL;
	for (size_t i = 0; i < end; i++) {
		const struct build_instr *in = &b->file->v[i];
		b->step = i + 1;
		say(b, "STEP %zu/%zu: %s\n", b->step, b->n_steps, in->text);
		struct cubo_error *err = NULL;
		if (in->op == BUILD_FROM) {
			struct build_stage next;
			memset(&next, 0, sizeof(next));
			err = step_from(b, in, &next);
			if (!err) {
				b->stages = xreallocarray(b->stages, b->n_stages + 1,
							  sizeof(*b->stages));
				b->stages[b->n_stages++] = next;
				st = &b->stages[b->n_stages - 1];
				err = run_triggers(b, st, in);
			} else {
				build_stage_free(&next);
			}
		} else {
			err = step_one(b, st, in);
		}
		if (err)
			return cubo_error_wrap(err, "%s:%d", b->file->path, in->line);
	}
	if (!st)
		return cubo_error_new("%s: no FROM instruction", b->file->path);
	for (size_t i = 0; b->o->build_args && b->o->build_args[i]; i++) {
		char *k = xstrndup(b->o->build_args[i], strcspn(b->o->build_args[i], "="));
		if (!cubo_strv_contains(b->used_args, k) && report_to(b))
			fprintf(stderr, "[Warning] the build arg %s was not consumed\n", k);
		free(k);
	}
	for (size_t i = 0; b->o->labels && b->o->labels[i]; i++) {
		const char *eq = strchr(b->o->labels[i], '=');
		char *key = xstrndup(b->o->labels[i],
				     eq ? (size_t)(eq - b->o->labels[i]) : strlen(b->o->labels[i]));
		char *value = escape_dollars(eq ? eq + 1 : "");
		struct build_kv kv = {.key = key, .value = value, .has_value = true};
		/* as a LABEL, but no history entry: docker adds --label values the same way */
		struct build_instr label = {
			.op = BUILD_LABEL, .text = "LABEL", .kv = &kv, .n_kv = 1};
		struct cubo_error *err = build_stage_apply(st, &label, NULL, NULL);
		free(value);
		free(key);
		CUBO_TRY_CTX(err, "--label %s", b->o->labels[i]);
	}
	say(b, "COMMIT%s%s\n", b->o->tags ? " " : "", b->o->tags ? b->o->tags[0] : "");
	return store_result(b, st, id);
}

struct cubo_error *build_image(struct mgr *m, const struct build_opts *o,
			       char image_id[CUBO_DIGEST_LEN + 1])
{
	struct builder b = {.m = m, .o = o, .ctx_fd = -1, .work_fd = -1};
	struct cubo_error *err = build_net_init(&b.net, o->network);
	if (err)
		return err;
	b.ctx_fd = open(o->context, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b.ctx_fd < 0)
		err = cubo_error_errno("build context %s", o->context);
	if (!err)
		err = load_file(&b);
	if (!err)
		err = load_ignore(&b);
	if (!err)
		err = ctr_ctx_open(m, &b.ctx);
	if (!err)
		err = store_open(m->root, &b.s);
	if (!err) {
		b.cache_dir = cubo_path_join(m->root, "build-cache");
		err = cubo_mkdir_p(b.cache_dir, 0700);
	}
	if (!err)
		err = make_work(&b);
	if (!err)
		err = run_steps(&b, image_id);
	/* the keeper, if any, removes the work directory once the network is released */
	bool keeper_owns_work = build_net_finish(&b.net);
	build_net_free(&b.net);
	free(b.id);
	for (size_t i = 0; i < b.n_stages; i++)
		build_stage_free(&b.stages[i]);
	free(b.stages);
	for (size_t i = 0; i < b.n_images; i++)
		build_stage_free(&b.images[i]);
	free(b.images);
	if (b.work) {
		if (!keeper_owns_work)
			cubo_error_free(cubo_rm_rf(b.work));
		free(b.work);
	}
	if (b.work_fd >= 0)
		close(b.work_fd);
	if (b.s)
		store_close(b.s);
	if (b.ctx.layers_dir)
		ctr_ctx_close(&b.ctx);
	free(b.cache_dir);
	cubo_strv_free(b.used_args);
	cubo_strv_free(b.global_args);
	cubo_strv_free(b.platform_args);
	if (b.ig)
		build_ignore_free(b.ig);
	build_file_free(b.file);
	if (b.ctx_fd >= 0)
		close(b.ctx_fd);
	return err;
}

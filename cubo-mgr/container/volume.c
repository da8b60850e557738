/* SPDX-License-Identifier: Apache-2.0 */
/* Named volumes: see volume.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/container/volume.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/timeutil.h"
#include "shared/testpoint.h"
#include "shared/xalloc.h"

void ctr_volume_free(struct ctr_volume *v)
{
	free(v->name);
	free(v->driver);
	free(v->created);
	free(v->mountpoint);
	cubo_strv_free(v->labels);
	memset(v, 0, sizeof(*v));
}

void ctr_volumes_free(struct ctr_volume *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ctr_volume_free(&v[i]);
	free(v);
}

struct cubo_error *volume_name_check(const char *name)
{
	size_t n = strlen(name);
	bool ok = n >= 2 && n <= 255 && isalnum((unsigned char)name[0]);
	for (size_t i = 1; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || strchr("_.-", name[i]);
	if (!ok)
		return cubo_error_new("invalid volume name \"%s\": it must match "
				      "[a-zA-Z0-9][a-zA-Z0-9_.-]+",
				      name);
	return NULL;
}

static char *volumes_dir(const char *root)
{
	return cubo_path_join(root, "volumes");
}

/* A directory held (flock) by the command making or removing it; -1 if it cannot be. */
static int hold_dir(const char *path, bool wait)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * A create's ".tmp-" directory and a removal's ".rm-" one that nobody holds
 * any more: their command was killed. Neither is a volume: they go.
 */
static void clean_leftovers(const char *vdir)
{
	DIR *d = opendir(vdir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, ".tmp-", 5) && strncmp(e->d_name, ".rm-", 4))
			continue;
		char *p = cubo_path_join(vdir, e->d_name);
		int fd = hold_dir(p, false);
		if (fd >= 0) {
			cubo_error_free(cubo_rm_rf(p));
			close(fd);
		}
		free(p);
	}
	if (d)
		closedir(d);
}

/*
 * volumes/.tmp-RANDOM with its _data, held. Between the mkdir and the
 * flock another command's clean_leftovers can take it for a killed
 * create's and remove it: then it is made again under a new name.
 */
static struct cubo_error *make_held_tmp(const char *vdir, const char *name, char **tmp, int *held)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		char tmpname[16] = ".tmp-";
		CUBO_TRY(cubo_random_hex(tmpname + 5, 8));
		char *t = cubo_path_join(vdir, tmpname);
		char *data = cubo_path_join(t, "_data");
		int fd = -1;
		bool ok = mkdir(t, 0700) == 0;
		cubo_test_point("volume-create-after-mkdir");
		ok = ok && (fd = hold_dir(t, true)) >= 0 && mkdir(data, 0755) == 0;
		int saved = errno;
		free(data);
		if (ok) {
			*tmp = t;
			*held = fd;
			return NULL;
		}
		if (fd >= 0)
			close(fd);
		free(t);
		if (saved != ENOENT)
			return cubo_error_new_errno(saved, "create volume %s", name);
	}
	return cubo_error_new("create volume %s: its temporary directory kept vanishing", name);
}

struct cubo_error *volume_to_json(const struct ctr_volume *v, bool pretty, char **out, size_t *len)
{
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(pretty, &g));
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "Name");
	cubo_json_gen_string(g, v->name);
	cubo_json_gen_key(g, "Driver");
	cubo_json_gen_string(g, v->driver ? v->driver : "local");
	cubo_json_gen_key(g, "Mountpoint");
	cubo_json_gen_string(g, v->mountpoint);
	cubo_json_gen_key(g, "CreatedAt");
	cubo_json_gen_string(g, v->created);
	cubo_json_gen_key(g, "Labels");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; v->labels && v->labels[i]; i++) {
		const char *eq = strchr(v->labels[i], '=');
		size_t kl = eq ? (size_t)(eq - v->labels[i]) : strlen(v->labels[i]);
		char *k = xstrndup(v->labels[i], kl);
		cubo_json_gen_key(g, k);
		cubo_json_gen_string(g, eq ? eq + 1 : "");
		free(k);
	}
	cubo_json_gen_map_close(g);
	cubo_json_gen_key(g, "Scope");
	cubo_json_gen_string(g, "local");
	cubo_json_gen_key(g, "Anonymous");
	cubo_json_gen_bool(g, v->anonymous);
	cubo_json_gen_map_close(g);
	return cubo_json_gen_finish(g, out, len);
}

static struct cubo_error *load(const char *root, const char *name, struct ctr_volume *out)
{
	memset(out, 0, sizeof(*out));
	char *vdir = volumes_dir(root), *dir = cubo_path_join(vdir, name);
	char *meta = cubo_path_join(dir, "volume.json"), *text = NULL;
	size_t len;
	yajl_val t = NULL;
	struct cubo_error *err = cubo_read_file(meta, &text, &len);
	if (err && err->errnum == ENOENT) {
		cubo_error_free(err);
		err = cubo_error_new("no such volume: %s", name);
	}
	if (!err)
		err = cubo_json_parse(text, len, meta, &t);
	if (!err) {
		struct cubo_json_ctx c;
		size_t n;
		cubo_json_ctx_init(&c, meta);
		err = cubo_json_field_string(&c, t, "driver", false, &out->driver);
		if (!err)
			err = cubo_json_field_string(&c, t, "created", false, &out->created);
		if (!err)
			err = cubo_json_field_bool(&c, t, "anonymous", &out->anonymous, NULL);
		if (!err)
			err = cubo_json_field_strv(&c, t, "labels", false, &out->labels, &n);
	}
	if (!err) {
		out->name = xstrdup(name);
		out->mountpoint = cubo_path_join(dir, "_data");
		if (!out->driver)
			out->driver = xstrdup("local");
		if (!out->created)
			out->created = xstrdup("");
	} else {
		ctr_volume_free(out);
	}
	if (t)
		yajl_tree_free(t);
	free(text);
	free(meta);
	free(dir);
	free(vdir);
	return err;
}

struct cubo_error *volume_get(const char *root, const char *name, struct ctr_volume *out)
{
	CUBO_TRY(volume_name_check(name));
	return load(root, name, out);
}

static struct cubo_error *write_meta(const char *dir, const char *created, bool anonymous,
				     char *const *labels)
{
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(false, &g));
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "driver");
	cubo_json_gen_string(g, "local");
	cubo_json_gen_key(g, "created");
	cubo_json_gen_string(g, created);
	cubo_json_gen_key(g, "anonymous");
	cubo_json_gen_bool(g, anonymous);
	if (labels && labels[0]) {
		cubo_json_gen_key(g, "labels");
		cubo_json_gen_strv(g, labels, SIZE_MAX);
	}
	cubo_json_gen_map_close(g);
	char *text;
	size_t len;
	CUBO_TRY(cubo_json_gen_finish(g, &text, &len));
	char *meta = cubo_path_join(dir, "volume.json");
	struct cubo_error *err = cubo_write_file_atomic(meta, text, len, 0600);
	free(meta);
	free(text);
	return err;
}

struct cubo_error *volume_create(const char *root, const char *name, char *const *labels,
				 struct ctr_volume *out, bool *existed)
{
	char random_name[65];
	bool anonymous = !name;
	*existed = false;
	if (anonymous) {
		CUBO_TRY_CTX(cubo_random_hex(random_name, 64), "volume name");
		name = random_name;
	}
	CUBO_TRY(volume_name_check(name));
	char *vdir = volumes_dir(root);
	char *dir = cubo_path_join(vdir, name);
	char *tmp = NULL;
	char created[CUBO_RFC3339_LEN];
	cubo_time_now_rfc3339(created);
	struct cubo_error *err = cubo_mkdir_p(vdir, 0700);
	if (!err)
		clean_leftovers(vdir);
	if (!err && cubo_path_exists(dir)) {
		*existed = true;
	} else if (!err) {
		int held = -1;
		err = make_held_tmp(vdir, name, &tmp, &held);
		if (!err)
			err = write_meta(tmp, created, anonymous, labels);
		cubo_test_point("volume-create-before-rename");
		if (!err && rename(tmp, dir) < 0) {
			if (errno == EEXIST || errno == ENOTEMPTY)
				*existed = true; /* made meanwhile by someone else: theirs stands */
			else
				err = cubo_error_errno("create volume %s: rename", name);
		} else if (!err) {
			err = cubo_fsync_dir(vdir);
		}
		if ((err || *existed) && tmp)
			cubo_error_free(cubo_rm_rf(tmp));
		if (held >= 0)
			close(held);
	}
	free(tmp);
	free(dir);
	free(vdir);
	if (err)
		return err;
	return load(root, name, out);
}

struct cubo_error *volume_skip_fill(const struct ctr_volume *v)
{
	char *dir = xstrdup(v->mountpoint);
	char *slash = strrchr(dir, '/'); /* <volumes>/<name>/_data */
	if (slash)
		*slash = '\0';
	char *mark = cubo_path_join(dir, VOLUME_FILLED_MARK);
	struct cubo_error *err =
		cubo_path_exists(mark) ? NULL : cubo_write_file_atomic(mark, "", 0, 0600);
	free(mark);
	free(dir);
	return err;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ctr_volume *)a)->name, ((const struct ctr_volume *)b)->name);
}

struct cubo_error *volume_list(const char *root, struct ctr_volume **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char *vdir = volumes_dir(root);
	DIR *d = opendir(vdir);
	if (!d) {
		int e = errno;
		free(vdir);
		return e == ENOENT ? NULL : cubo_error_new_errno(e, "read volumes");
	}
	struct ctr_volume *v = NULL;
	size_t count = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		struct ctr_volume one;
		struct cubo_error *err = load(root, e->d_name, &one);
		if (err) { /* being removed, or not ours */
			cubo_error_free(err);
			continue;
		}
		struct ctr_volume *nv = xrealloc(v, (count + 1) * sizeof(*v));
		v = nv;
		v[count++] = one;
	}
	closedir(d);
	free(vdir);
	if (count > 1) /* no volume: no array, which qsort must not be given */
		qsort(v, count, sizeof(*v), by_name);
	*out = v;
	*n = count;
	return NULL;
}

struct cubo_error *volume_remove(const char *root, const char *name)
{
	CUBO_TRY(volume_name_check(name));
	char gone[16] = ".rm-";
	CUBO_TRY(cubo_random_hex(gone + 4, 8));
	char *vdir = volumes_dir(root);
	char *dir = cubo_path_join(vdir, name);
	char *away = cubo_path_join(vdir, gone);
	struct cubo_error *err = NULL;
	clean_leftovers(vdir);
	/* held through the rename: a killed removal's ".rm-" is what nobody holds */
	int held = hold_dir(dir, true);
	if (rename(dir, away) < 0) {
		err = errno == ENOENT ? cubo_error_new("no such volume: %s", name)
				      : cubo_error_errno("remove volume %s", name);
	} else {
		cubo_test_point("volume-rm-after-rename");
		err = cubo_fsync_dir(vdir);
		if (!err)
			err = cubo_rm_rf(away);
	}
	if (held >= 0)
		close(held);
	free(away);
	free(dir);
	free(vdir);
	return err;
}

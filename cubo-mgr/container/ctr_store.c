/* SPDX-License-Identifier: Apache-2.0 */
/* The containers' directories, names and locks: see ctr_store.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/container/ctr_store.h"
#include "cubo-mgr/userns/userns.h"
#include "shared/digest.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/testpoint.h"
#include "shared/xalloc.h"

#define TMP_PREFIX ".tmp-ctr-"

/*
 * The runtime's state root: <root>/runc, or for a rootless manager
 * $XDG_RUNTIME_DIR/cubo/runc-<16 hex digits of the root's sha256> (one per
 * root directory of the user's), which goes with the user's session as
 * root's /run goes with a boot.
 */
static struct cubo_error *runtime_root(const char *root, char **out)
{
	if (!userns_rootless()) {
		*out = cubo_path_join(root, "runc");
		return NULL;
	}
	char *dir, hex[CUBO_DIGEST_LEN + 1];
	CUBO_TRY(userns_runtime_dir(&dir));
	struct cubo_error *err = cubo_sha256_buffer(root, strlen(root), hex);
	if (!err)
		*out = xasprintf("%s/runc-%.16s", dir, hex + 7); /* past "sha256:" */
	free(dir);
	return err;
}

struct cubo_error *ctr_store_open(const char *root, struct ctr_store *out)
{
	memset(out, 0, sizeof(*out));
	out->root = xstrdup(root);
	out->names_dir = cubo_path_join(root, "names");
	char *locks = cubo_path_join(root, "locks");
	struct cubo_error *err = runtime_root(root, &out->runtime_root);
	if (!err)
		err = cubo_mkdir_p(root, 0700);
	if (!err)
		err = cubo_mkdir_p(out->names_dir, 0700);
	if (!err)
		err = cubo_mkdir_p(out->runtime_root, 0700);
	if (!err)
		err = cubo_mkdir_p(locks, 0700);
	free(locks);
	if (err) {
		ctr_store_close(out);
		return cubo_error_wrap(err, "container store %s", root);
	}
	return NULL;
}

void ctr_store_close(struct ctr_store *s)
{
	free(s->root);
	free(s->names_dir);
	free(s->runtime_root);
	memset(s, 0, sizeof(*s));
}

char *ctr_store_dir(const struct ctr_store *s, const char *id)
{
	return cubo_path_join(s->root, id);
}

struct cubo_error *ctr_store_lock_all(const struct ctr_store *s, int *fd)
{
	char *path = cubo_path_join(s->root, "locks/containers.lock");
	struct cubo_error *err = cubo_lock_path(path, true, fd);
	free(path);
	return err;
}

struct cubo_error *ctr_store_lock(const struct ctr_store *s, const char *id, int *fd)
{
	char name[CTR_ID_LEN + 32];
	snprintf(name, sizeof(name), "locks/ctr-%s.lock", id);
	char *path = cubo_path_join(s->root, name);
	struct cubo_error *err = cubo_lock_path(path, true, fd);
	free(path);
	return err;
}

struct cubo_error *ctr_new_id(char id[CTR_ID_LEN + 1])
{
	return cubo_error_wrap(cubo_random_hex(id, CTR_ID_LEN), "container ID");
}

/* Words of our own choosing; a name is left_right, as docker users expect. */
static const char *const left_words[] = {
	"agile", "amber",  "bold",   "brave", "bright", "calm",	 "clever", "cosy",   "eager",
	"fancy", "gentle", "happy",  "jolly", "keen",	"lucid", "merry",  "nimble", "proud",
	"quiet", "rapid",  "serene", "sharp", "silent", "swift", "tender", "vivid",  "witty",
};
static const char *const right_words[] = {
	"acorn",   "badger", "beacon", "cedar",	 "comet",   "delta",   "ember",	 "falcon", "fjord",
	"glacier", "harbor", "heron",  "island", "juniper", "kestrel", "lagoon", "maple",  "meadow",
	"nebula",  "otter",  "pebble", "quartz", "raven",   "summit",  "tundra", "willow", "zephyr",
};

struct cubo_error *ctr_store_pick_name(const struct ctr_store *s, char **name)
{
	for (int attempt = 0; attempt < 64; attempt++) {
		unsigned r[3];
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return cubo_error_errno("container name: getrandom");
		char buf[64];
		int len =
			snprintf(buf, sizeof(buf), "%s_%s",
				 left_words[r[0] % (sizeof(left_words) / sizeof(*left_words))],
				 right_words[r[1] % (sizeof(right_words) / sizeof(*right_words))]);
		if (attempt >= 8)
			snprintf(buf + len, sizeof(buf) - len, "%u", r[2] % 1000);
		char *link = cubo_path_join(s->names_dir, buf);
		bool taken = faccessat(AT_FDCWD, link, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		free(link);
		if (!taken) {
			*name = xstrdup(buf);
			return NULL;
		}
	}
	return cubo_error_new("could not find a free container name");
}

struct cubo_error *ctr_store_begin(const struct ctr_store *s, const char *id, char **tmp_dir,
				   int *lock_fd)
{
	char name[CTR_ID_LEN + sizeof(TMP_PREFIX)];
	snprintf(name, sizeof(name), TMP_PREFIX "%s", id);
	char *dir = cubo_path_join(s->root, name);
	/*
	 * Reconciliation removes temp dirs nobody holds: this one is made and
	 * held under the lock it takes, so it never sees it unheld.
	 */
	int all;
	struct cubo_error *err = ctr_store_lock_all(s, &all);
	if (err) {
		free(dir);
		return err;
	}
	if (mkdir(dir, 0700) < 0) {
		err = cubo_error_errno("create container directory %s", dir);
		cubo_unlock(all);
		free(dir);
		return err;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		err = cubo_error_errno("lock %s", dir);
		if (fd >= 0)
			close(fd);
		rmdir(dir);
		cubo_unlock(all);
		free(dir);
		return err;
	}
	cubo_unlock(all);
	*tmp_dir = dir;
	*lock_fd = fd;
	return NULL;
}

static struct cubo_error *name_owner(const struct ctr_store *s, const char *name, char *owner,
				     size_t size, bool *taken)
{
	char *link = cubo_path_join(s->names_dir, name);
	ssize_t n = readlink(link, owner, size - 1);
	int e = errno;
	free(link);
	*taken = n > 0;
	if (n < 0 && e != ENOENT)
		return cubo_error_new_errno(e, "read name link %s", name);
	owner[n > 0 ? n : 0] = '\0';
	return NULL;
}

/*
 * A name link whose container has no record: what a create killed between
 * taking the name and moving its directory into place left, or a removal
 * killed after its record went; or whose container's record has another
 * name: what a rename killed before it freed the old name left. Called
 * under the containers' lock.
 */
static bool name_dangles(const struct ctr_store *s, const char *owner, const char *name)
{
	if (!ctr_id_valid(owner))
		return true;
	char *dir = ctr_store_dir(s, owner);
	struct ctr_record r;
	struct cubo_error *err = ctr_record_load(dir, &r);
	bool dangles = err ? err->errnum == ENOENT : strcmp(r.name, name) != 0;
	if (!err)
		ctr_record_free(&r);
	cubo_error_free(err);
	free(dir);
	return dangles;
}

static struct cubo_error *take_name(const struct ctr_store *s, const char *id, const char *name)
{
	char *link = cubo_path_join(s->names_dir, name);
	struct cubo_error *err = NULL;
	if (symlink(id, link) < 0) {
		char owner[CTR_ID_LEN + 8];
		bool taken = false;
		if (errno != EEXIST)
			err = cubo_error_errno("take name %s", name);
		else
			err = name_owner(s, name, owner, sizeof(owner), &taken);
		if (!err && taken && !name_dangles(s, owner, name))
			err = cubo_error_new(
				"Conflict. The container name \"%s\" is already in use by "
				"container %s: remove or rename that container",
				name, owner);
		else if (!err && (unlink(link) < 0 || symlink(id, link) < 0))
			err = cubo_error_errno("take name %s", name);
	}
	free(link);
	return err;
}

static struct cubo_error *mark_volatile(const char *tmp_dir)
{
	char *p = cubo_path_join(tmp_dir, CTR_VOLATILE_MARK);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct cubo_error *err = fd < 0 ? cubo_error_errno("create %s", p) : NULL;
	if (fd >= 0)
		close(fd);
	free(p);
	return err;
}

struct cubo_error *ctr_store_commit(const struct ctr_store *s, const char *tmp_dir, const char *id,
				    const char *name, bool durable)
{
	CUBO_TRY(durable ? cubo_fsync_dir_files(tmp_dir) : mark_volatile(tmp_dir));
	int lock;
	CUBO_TRY(ctr_store_lock_all(s, &lock));
	char *dir = ctr_store_dir(s, id);
	struct cubo_error *err = take_name(s, id, name);
	bool named = !err;
	if (!err && durable)
		err = cubo_fsync_dir(s->names_dir);
	cubo_test_point("create-after-name");
	bool placed = false;
	if (!err && rename(tmp_dir, dir) < 0)
		err = cubo_error_errno("move %s into place", tmp_dir);
	else if (!err)
		placed = true;
	if (placed) {
		/* the container exists once its directory's new name is on the disk */
		if (durable)
			err = cubo_fsync_dir(s->root);
	} else if (named) {
		char *link = cubo_path_join(s->names_dir, name);
		unlink(link);
		free(link);
	}
	free(dir);
	cubo_unlock(lock);
	return err;
}

void ctr_store_abort(const char *tmp_dir, int lock_fd)
{
	struct cubo_error *err = cubo_rm_rf(tmp_dir);
	cubo_error_free(err);
	cubo_unlock(lock_fd);
}

static bool is_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* A directory whose record went is a container being removed (ctr_store_unlist): none. */
static bool listed(const struct ctr_store *s, const char *id)
{
	char *dir = ctr_store_dir(s, id);
	char *state = cubo_path_join(dir, "state.json");
	bool ok = cubo_path_exists(state);
	free(state);
	free(dir);
	return ok;
}

struct cubo_error *ctr_store_resolve(const struct ctr_store *s, const char *arg,
				     char id[CTR_ID_LEN + 1])
{
	if (ctr_id_valid(arg)) {
		if (listed(s, arg)) {
			memcpy(id, arg, CTR_ID_LEN + 1);
			return NULL;
		}
		return cubo_error_new("no such container: %s", arg);
	}
	/* a name wins over an ID prefix, as in docker */
	struct cubo_error *bad = ctr_name_check(arg);
	if (!bad) {
		char owner[CTR_ID_LEN + 8];
		bool taken;
		CUBO_TRY(name_owner(s, arg, owner, sizeof(owner), &taken));
		/* a link a killed rename left names the container no longer */
		if (taken && !name_dangles(s, owner, arg)) {
			memcpy(id, owner, CTR_ID_LEN + 1);
			return NULL;
		}
	}
	cubo_error_free(bad);
	size_t len = strlen(arg);
	if (len == 0 || len > CTR_ID_LEN || !is_hex(arg))
		return cubo_error_new("no such container: %s", arg);
	DIR *d = opendir(s->root);
	if (!d)
		return cubo_error_errno("read %s", s->root);
	int found = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, arg, len) || !ctr_id_valid(e->d_name) ||
		    !listed(s, e->d_name))
			continue;
		if (found++ == 0)
			memcpy(id, e->d_name, CTR_ID_LEN + 1);
	}
	closedir(d);
	if (found == 1)
		return NULL;
	if (found > 1)
		return cubo_error_new("container ID prefix %s is ambiguous: give more digits", arg);
	return cubo_error_new("no such container: %s", arg);
}

void ctr_records_free(struct ctr_record *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ctr_record_free(&v[i]);
	free(v);
}

static int newest_first(const void *a, const void *b)
{
	const struct ctr_record *x = a, *y = b;
	return strcmp(y->created, x->created);
}

struct cubo_error *ctr_store_list(const struct ctr_store *s, struct ctr_record **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(s->root);
	if (!d)
		return cubo_error_errno("read %s", s->root);
	size_t cap = 0, count = 0;
	struct ctr_record *v = NULL;
	struct dirent *e;
	struct cubo_error *err = NULL;
	while (!err && (e = readdir(d))) {
		if (!ctr_id_valid(e->d_name))
			continue;
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			struct ctr_record *nv = xrealloc(v, cap * sizeof(*v));
			v = nv;
		}
		char *dir = cubo_path_join(s->root, e->d_name);
		struct cubo_error *bad = ctr_record_load(dir, &v[count]);
		free(dir);
		if (bad) {
			/* a container being removed, or a damaged record: not a listing's failure
			 */
			if (bad->errnum != ENOENT)
				cubo_error_print(bad, "warning", stderr);
			cubo_error_free(bad);
			continue;
		}
		count++;
	}
	closedir(d);
	if (err) {
		ctr_records_free(v, count);
		return err;
	}
	if (count > 1) /* no record: no array, which qsort must not be given */
		qsort(v, count, sizeof(*v), newest_first);
	*out = v;
	*n = count;
	return NULL;
}

/* Free name, when it is id's (another container may have taken it since). */
static struct cubo_error *drop_name(const struct ctr_store *s, const char *name, const char *id)
{
	char owner[CTR_ID_LEN + 8];
	bool taken;
	CUBO_TRY(name_owner(s, name, owner, sizeof(owner), &taken));
	if (!taken || strcmp(owner, id))
		return NULL;
	char *link = cubo_path_join(s->names_dir, name);
	struct cubo_error *err = NULL;
	if (unlink(link) < 0 && errno != ENOENT)
		err = cubo_error_errno("remove name link %s", link);
	free(link);
	return err;
}

/* The record, then the name; under the store lock. */
static struct cubo_error *unlist(const struct ctr_store *s, const char *id, const char *name,
				 const char *dir)
{
	char *state = cubo_path_join(dir, "state.json");
	struct cubo_error *err = NULL;
	if (unlink(state) < 0 && errno != ENOENT)
		err = cubo_error_errno("remove %s", state);
	free(state);
	/*
	 * Gone for good before its name is free: a power cut must not bring it
	 * back named. A volatile (--rm) one that came back would be removed by
	 * the reconciliation anyway.
	 */
	char *mark = cubo_path_join(dir, CTR_VOLATILE_MARK);
	if (!err && !cubo_path_exists(mark))
		err = cubo_fsync_dir(dir);
	free(mark);
	cubo_test_point("rm-after-record");
	if (!err && name)
		err = drop_name(s, name, id);
	cubo_test_point("rm-after-name");
	return err;
}

/* The directory, then its lock file. */
static struct cubo_error *remove_dir(const struct ctr_store *s, const char *id, const char *dir)
{
	CUBO_TRY(cubo_rm_rf(dir));
	char lockname[CTR_ID_LEN + 32];
	snprintf(lockname, sizeof(lockname), "locks/ctr-%s.lock", id);
	char *lp = cubo_path_join(s->root, lockname);
	unlink(lp);
	free(lp);
	return NULL;
}

struct cubo_error *ctr_store_remove(const struct ctr_store *s, const char *id, const char *name)
{
	int lock;
	CUBO_TRY(ctr_store_lock_all(s, &lock));
	char *dir = ctr_store_dir(s, id);
	struct cubo_error *err = unlist(s, id, name, dir);
	if (!err)
		err = remove_dir(s, id, dir);
	free(dir);
	cubo_unlock(lock);
	return err ? cubo_error_wrap(err, "remove container %.12s", id) : NULL;
}

struct cubo_error *ctr_store_unlist(const struct ctr_store *s, const char *id, const char *name,
				    int *dir_lock)
{
	char *dir = ctr_store_dir(s, id);
	struct cubo_error *err = NULL;
	/* taken before the record goes: the reconciliation must never see it free without one */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		err = cubo_error_errno("lock %s", dir);
	int lock = -1;
	if (!err)
		err = ctr_store_lock_all(s, &lock);
	if (!err)
		err = unlist(s, id, name, dir);
	if (lock >= 0)
		cubo_unlock(lock);
	free(dir);
	if (err && fd >= 0)
		close(fd);
	*dir_lock = err ? -1 : fd;
	return err ? cubo_error_wrap(err, "remove container %.12s", id) : NULL;
}

struct cubo_error *ctr_store_remove_dir(const struct ctr_store *s, const char *id, int dir_lock)
{
	char *dir = ctr_store_dir(s, id);
	struct cubo_error *err = remove_dir(s, id, dir);
	free(dir);
	cubo_unlock(dir_lock);
	return err ? cubo_error_wrap(err, "remove container %.12s", id) : NULL;
}

/* A directory with no record: whether its remover is still at work in it (ctr_store_unlist). */
bool ctr_store_dir_held(int dirfd, const char *id)
{
	int fd = openat(dirfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

struct cubo_error *ctr_store_rename(const struct ctr_store *s, const char *id, const char *new_name,
				    char **old_name)
{
	*old_name = NULL;
	CUBO_TRY(ctr_name_check(new_name));
	int all, one;
	CUBO_TRY(ctr_store_lock_all(s, &all));
	struct cubo_error *err = ctr_store_lock(s, id, &one);
	if (err) {
		cubo_unlock(all);
		return err;
	}
	char *dir = ctr_store_dir(s, id);
	struct ctr_record r;
	bool loaded = false;
	/* read under the locks: the name another rename gave it a moment ago counts */
	if (!(err = ctr_record_load(dir, &r)))
		loaded = true;
	if (!err && !strcmp(r.name, new_name))
		err = cubo_error_new("renaming a container with the same name as its current name");
	/*
	 * The new name first, then the record, then the old name freed: a kill
	 * in between leaves a second link to the container, never none; the
	 * link whose name the record does not give holds nothing (name_dangles).
	 */
	if (!err)
		err = take_name(s, id, new_name);
	if (!err)
		err = cubo_fsync_dir(s->names_dir);
	cubo_test_point("rename-after-name");
	char *old = NULL; /* the record's name once replaced */
	if (!err) {
		old = r.name;
		r.name = xstrdup(new_name);
		err = ctr_record_save(dir, &r);
		if (err) {
			char *link = cubo_path_join(s->names_dir, new_name);
			unlink(link);
			free(link);
		}
	}
	if (!err)
		err = drop_name(s, old, id);
	if (!err)
		err = cubo_fsync_dir(s->names_dir);
	if (!err) {
		*old_name = old;
		old = NULL;
	}
	free(old);
	if (loaded)
		ctr_record_free(&r);
	free(dir);
	cubo_unlock(one);
	cubo_unlock(all);
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Opening the store, its paths and locks, and the extracted layers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/image/store_priv.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/testpoint.h"
#include "shared/xalloc.h"

#define OCI_LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"
#define EMPTY_INDEX "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"manifests\":[]}"

char *store_hex_path(const char *dir, const char *digest, const char *suffix)
{
	char *p;
	if (!digest || !cubo_digest_valid(digest))
		return NULL;
	p = xasprintf("%s/%s%s", dir, digest + 7, suffix ? suffix : "");
	return p;
}

struct cubo_error *store_lock(struct store *s, const char *prefix, const char *digest,
			      bool exclusive, int *fd)
{
	char name[128];
	if (digest && !cubo_digest_valid(digest))
		return cubo_error_new("\"%s\" is not a sha256 digest", digest);
	snprintf(name, sizeof(name), "%s%s.lock", prefix, digest ? digest + 7 : "");
	char *path = cubo_path_join(s->locks, name);
	struct cubo_error *err = cubo_lock_path(path, exclusive, fd);
	free(path);
	return err;
}

static struct cubo_error *init_file(const char *dir, const char *name, const char *content)
{
	char *path = cubo_path_join(dir, name);
	struct cubo_error *err = NULL;
	if (!cubo_path_exists(path))
		err = cubo_write_file_atomic(path, content, strlen(content), 0644);
	free(path);
	return err;
}

static struct cubo_error *open_store(const char *root, bool exclusive, struct store **out)
{
	struct store *s = xcalloc(1, sizeof(*s));
	s->gc_lock = -1;
	s->root = xstrdup(root);
	s->images = cubo_path_join(root, "images");
	s->blobs = cubo_path_join(s->images, "blobs/sha256");
	s->layers = cubo_path_join(root, "layers");
	s->ingest = cubo_path_join(root, "ingest");
	s->locks = cubo_path_join(root, "locks");
	struct cubo_error *err = NULL;
	if (!cubo_path_exists(root)) {
		err = cubo_mkdir_p(root, 0700);
		if (!err && chmod(root, 0700) < 0)
			err = cubo_error_errno("chmod %s", root);
	}
	char *unsynced = cubo_path_join(root, STORE_UNSYNCED_DIR);
	const char *dirs[] = {s->blobs, s->layers, s->ingest, s->locks, unsynced};
	for (size_t i = 0; !err && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		err = cubo_mkdir_p(dirs[i], 0700);
	free(unsynced);
	store_boot_id_read(s->boot_id);
	/* The layout itself is readable, as OCI tools expect. */
	if (!err)
		err = init_file(s->images, "oci-layout", OCI_LAYOUT);
	if (!err) {
		int fd;
		/* index.json is created under the index lock: a racing opener must not
		 * replace an index another process has just written. */
		err = store_lock(s, "index", NULL, true, &fd);
		if (!err) {
			err = init_file(s->images, "index.json", EMPTY_INDEX);
			cubo_unlock(fd);
		}
	}
	if (!err)
		err = store_lock(s, "gc", NULL, exclusive, &s->gc_lock);
	s->exclusive = exclusive;
	if (err) {
		store_close(s);
		return cubo_error_wrap(err, "image store %s", root);
	}
	*out = s;
	return NULL;
}

struct cubo_error *store_open(const char *root, struct store **out)
{
	return open_store(root, false, out);
}

struct cubo_error *store_open_exclusive(const char *root, struct store **out)
{
	return open_store(root, true, out);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	/* before the lock goes: the syncer takes its own while we hold ours */
	store_sync_later(s);
	if (s->gc_lock >= 0)
		cubo_unlock(s->gc_lock);
	free(s->root);
	free(s->images);
	free(s->blobs);
	free(s->layers);
	free(s->ingest);
	free(s->locks);
	free(s);
}

const char *store_root(const struct store *s)
{
	return s->root;
}

/* ---- layers ---- */

void store_layer_clean_stale(struct store *s, const char *chain_id)
{
	char prefix[32];
	if (!cubo_digest_valid(chain_id))
		return;
	snprintf(prefix, sizeof(prefix), ".tmp-%.12s-", chain_id + 7);
	DIR *d = opendir(s->layers);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		char *p = cubo_path_join(s->layers, e->d_name);
		cubo_error_free(cubo_rm_rf(p));
		free(p);
	}
	if (d)
		closedir(d);
	if (store_layer_stale(s, chain_id)) {
		char *p = store_layer_path(s, chain_id);
		struct cubo_error *err = p ? cubo_rm_rf(p) : NULL;
		if (!err)
			store_layer_unmark(s, chain_id);
		cubo_error_free(err);
		free(p);
	}
}

struct cubo_error *store_layer_lock(struct store *s, const char *chain_id, int *fd)
{
	CUBO_TRY(store_lock(s, "layer-", chain_id, true, fd));
	/* whoever extracts or commits the layer next starts from what is whole */
	store_layer_clean_stale(s, chain_id);
	return NULL;
}

char *store_layer_path(struct store *s, const char *chain_id)
{
	return store_hex_path(s->layers, chain_id, NULL);
}

bool store_layer_has(struct store *s, const char *chain_id)
{
	char *p = store_layer_path(s, chain_id);
	struct stat st;
	bool ok = p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return ok && !store_layer_stale(s, chain_id);
}

struct cubo_error *store_layer_tmp(struct store *s, const char *chain_id, char **tmpdir)
{
	char name[96];
	/* marked before its first file is written: the mark's fsync has little to wait for */
	if (chain_id && cubo_digest_valid(chain_id))
		CUBO_TRY(store_layer_mark_unsynced(s, chain_id));
	snprintf(name, sizeof(name), ".tmp-%.12s-XXXXXX",
		 chain_id && cubo_digest_valid(chain_id) ? chain_id + 7 : "new");
	char *t = cubo_path_join(s->layers, name);
	if (!mkdtemp(t)) {
		struct cubo_error *err = cubo_error_errno("mkdtemp %s", t);
		free(t);
		return err;
	}
	/* a layer's root directory is the container's "/" unless the tar says otherwise */
	chmod(t, 0755);
	*tmpdir = t;
	return NULL;
}

/*
 * The rename is the commit: a layer directory exists only whole. Either it
 * is marked unsynced first (durably; its files reach the disk after the
 * command, see store.h), or, without a boot ID to mark it with, its files
 * reach the disk first (one syncfs for the whole tree), then the rename,
 * then the directory holding it. A power cut before the rename leaves the
 * temp dir, which is removed, never used.
 */
struct cubo_error *store_layer_commit(struct store *s, const char *tmpdir, const char *chain_id)
{
	char *dst = store_layer_path(s, chain_id);
	if (!dst)
		return cubo_error_new("layer \"%s\": not a chain ID", chain_id);
	struct cubo_error *err =
		s->boot_id[0] ? store_layer_mark_unsynced(s, chain_id) : cubo_sync_tree(tmpdir);
	cubo_test_point("layer-before-rename");
	if (!err && rename(tmpdir, dst) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			err = cubo_rm_rf(tmpdir); /* extracted by someone else meanwhile */
		else
			err = cubo_error_errno("rename %s to %s", tmpdir, dst);
	} else if (!err && !s->boot_id[0]) {
		err = cubo_fsync_dir(s->layers);
	}
	free(dst);
	return err ? cubo_error_wrap(err, "layer %s", chain_id) : NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Disk use of a tree: see du.h. */
#include <errno.h>
#include <fts.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/du.h"
#include "shared/xalloc.h"

/*
 * The (device, inode) pairs of files with more than one link seen so far:
 * an open-addressing hash set, so a tree of a million links costs linear
 * time (the tree may be a hostile container's).
 */
struct seen {
	struct seen_key {
		dev_t dev;
		ino_t ino;
		bool used;
	} * v;
	size_t n, cap;
};

static size_t seen_slot(const struct seen *s, dev_t dev, ino_t ino)
{
	size_t h = ((size_t)ino * 0x9e3779b97f4a7c15ull) ^ (size_t)dev;
	size_t i = h & (s->cap - 1);
	while (s->v[i].used && (s->v[i].dev != dev || s->v[i].ino != ino))
		i = (i + 1) & (s->cap - 1);
	return i;
}

/* false when the pair was there already */
static bool seen_add(struct seen *s, dev_t dev, ino_t ino)
{
	if (2 * (s->n + 1) > s->cap) {
		struct seen bigger = {.cap = s->cap ? 2 * s->cap : 64};
		bigger.v = xcalloc(bigger.cap, sizeof(*bigger.v));
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i].used)
				bigger.v[seen_slot(&bigger, s->v[i].dev, s->v[i].ino)] = s->v[i];
		bigger.n = s->n;
		free(s->v);
		*s = bigger;
	}
	size_t i = seen_slot(s, dev, ino);
	if (s->v[i].used)
		return false;
	s->v[i] = (struct seen_key){dev, ino, true};
	s->n++;
	return true;
}

struct cubo_error *cubo_du(const char *path, uint64_t *bytes)
{
	*bytes = 0;
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? NULL : cubo_error_errno("%s", path);
	char *const roots[] = {(char *)path, NULL};
	/*
	 * Not FTS_NOCHDIR: fts then enters each directory by fd and checks it
	 * is the one it stat'd, so a container that swaps a directory for a
	 * symlink while we walk cannot send us into the host's tree (and
	 * paths past PATH_MAX are walked too). The cwd is back at fts_close.
	 */
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_XDEV, NULL);
	if (!fts)
		return cubo_error_errno("%s", path);
	struct seen seen = {0};
	FTSENT *e;
	while ((e = fts_read(fts))) {
		/* unreadable parts count as nothing: the tree is the container's */
		if (e->fts_info == FTS_D || e->fts_info == FTS_DP || e->fts_info == FTS_DNR ||
		    e->fts_info == FTS_ERR || e->fts_info == FTS_NS || !e->fts_statp)
			continue;
		const struct stat *s = e->fts_statp;
		if (s->st_nlink > 1 && !S_ISDIR(s->st_mode) &&
		    !seen_add(&seen, s->st_dev, s->st_ino))
			continue;
		if (s->st_size > 0)
			*bytes += (uint64_t)s->st_size;
	}
	int saved = errno;
	fts_close(fts);
	free(seen.v);
	if (saved && saved != ENOENT)
		return cubo_error_new_errno(saved, "walk %s", path);
	return NULL;
}

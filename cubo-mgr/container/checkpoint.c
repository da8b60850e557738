/* SPDX-License-Identifier: Apache-2.0 */
/* Naming, making, finding and listing a container's checkpoints. See checkpoint.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/container/checkpoint.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define NAME_MAX_LEN 255

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (!first && (c == '_' || c == '.' || c == '-'));
}

struct cubo_error *checkpoint_name_check(const char *name)
{
	size_t len = strlen(name);
	bool ok = len >= 2 && len <= NAME_MAX_LEN;
	for (size_t i = 0; ok && i < len; i++)
		ok = name_char(name[i], i == 0);
	if (!ok)
		return cubo_error_new(
			"invalid checkpoint name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-]+ "
			"(at most %d characters) are allowed",
			name, NAME_MAX_LEN);
	return NULL;
}

char *checkpoint_parent(const char *ctr_dir, const char *custom)
{
	return custom ? xstrdup(custom) : cubo_path_join(ctr_dir, CHECKPOINT_SUBDIR);
}

struct cubo_error *checkpoint_make(const char *parent, const char *name, const char *ctr,
				   char **path)
{
	CUBO_TRY(checkpoint_name_check(name));
	CUBO_TRY_CTX(cubo_mkdir_p(parent, 0700), "checkpoint directory %s", parent);
	char *p = cubo_path_join(parent, name);
	if (mkdir(p, 0700) < 0) {
		struct cubo_error *err =
			errno == EEXIST
				? cubo_error_new("checkpoint with name %s already exists for "
						 "container %s",
						 name, ctr)
				: cubo_error_errno("make %s", p);
		free(p);
		return err;
	}
	*path = p;
	return NULL;
}

struct cubo_error *checkpoint_find(const char *parent, const char *name, const char *ctr,
				   char **path)
{
	CUBO_TRY(checkpoint_name_check(name));
	char *p = cubo_path_join(parent, name);
	struct stat st;
	struct cubo_error *err = NULL;
	if (lstat(p, &st) < 0)
		err = errno == ENOENT || errno == ENOTDIR
			      ? cubo_error_new("checkpoint %s does not exist for container %s",
					       name, ctr)
			      : cubo_error_errno("checkpoint %s", p);
	else if (!S_ISDIR(st.st_mode))
		err = cubo_error_new("%s exists and is not a directory", p);
	if (err) {
		free(p);
		return err;
	}
	*path = p;
	return NULL;
}

struct cubo_error *checkpoint_work_dir(const char *ctr_dir, char **path)
{
	char *p = cubo_path_join(ctr_dir, CHECKPOINT_WORK_SUBDIR);
	struct cubo_error *err = cubo_rm_rf(p);
	if (!err && mkdir(p, 0700) < 0)
		err = cubo_error_errno("make %s", p);
	if (err) {
		free(p);
		return err;
	}
	*path = p;
	return NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct cubo_error *checkpoint_list(const char *parent, char ***names)
{
	*names = NULL;
	int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? NULL : cubo_error_errno("open %s", parent);
	DIR *d = fdopendir(fd);
	if (!d) {
		struct cubo_error *err = cubo_error_errno("read %s", parent);
		close(fd);
		return err;
	}
	char **v = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st;
		struct cubo_error *bad = checkpoint_name_check(e->d_name);
		if (bad) {
			cubo_error_free(bad);
			continue;
		}
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
			cubo_strv_push(&v, &n, e->d_name);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	return NULL;
}

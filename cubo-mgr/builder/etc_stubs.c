/* SPDX-License-Identifier: Apache-2.0 */
/* Mount points for /etc/hosts and /etc/resolv.conf kept out of layers: see etc_stubs.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cubo-mgr/builder/etc_stubs.h"

bool etc_stub_bindable(int root_fd, const char *name, struct etc_stubs *s)
{
	struct stat st;
	if (fstatat(root_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISREG(st.st_mode);
	if (errno != ENOENT || s->n >= ETC_STUBS_MAX)
		return false;
	struct stat etc;
	if (fstatat(root_fd, "etc", &etc, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(etc.st_mode))
		return false;
	s->mode = etc.st_mode;
	s->uid = etc.st_uid;
	s->gid = etc.st_gid;
	s->names[s->n++] = name;
	return true;
}

/* upper/etc holds nothing but what the overlay made for the stubs. */
static bool etc_only_copied_up(int etc_fd, const struct etc_stubs *s)
{
	struct stat st;
	if (fstat(etc_fd, &st) < 0 || st.st_mode != s->mode || st.st_uid != s->uid ||
	    st.st_gid != s->gid)
		return false;
	char v;
	/* an opaque directory replaced the image's: not a copy-up */
	if (fgetxattr(etc_fd, "trusted.overlay.opaque", &v, 1) >= 0 || errno != ENODATA)
		return false;
	return true;
}

struct cubo_error *etc_stubs_remove(const char *upper, const struct etc_stubs *s)
{
	if (!s->n)
		return NULL;
	int up = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (up < 0)
		return cubo_error_errno("open %s", upper);
	struct cubo_error *err = NULL;
	int etc = openat(up, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	for (size_t i = 0; etc >= 0 && !err && i < s->n; i++) {
		const char *base = s->names[i] + strlen("etc/");
		struct stat st;
		if (fstatat(etc, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size == 0 && unlinkat(etc, base, 0) < 0)
			err = cubo_error_errno("remove the mount point %s/%s", upper, s->names[i]);
	}
	if (etc >= 0 && !err && etc_only_copied_up(etc, s) &&
	    unlinkat(up, "etc", AT_REMOVEDIR) < 0 && errno != ENOTEMPTY && errno != EEXIST)
		err = cubo_error_errno("remove %s/etc", upper);
	if (etc >= 0)
		close(etc);
	close(up);
	return err;
}

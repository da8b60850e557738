/* SPDX-License-Identifier: Apache-2.0 */
/* Where cubo-mgr's helper programs are: see libexec.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/container/libexec.h"
#include "shared/xalloc.h"

bool libexec_is_executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *libexec_find(const char *name)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			char *p = xasprintf("%s/../%s/%s", self, name, name);
			if (libexec_is_executable(p))
				return p;
			free(p);
		}
	}
	char *p = xasprintf("%s/%s", PKGLIBEXECDIR, name);
	if (libexec_is_executable(p))
		return p;
	free(p);
	return NULL;
}

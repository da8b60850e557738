/* SPDX-License-Identifier: Apache-2.0 */
/* Network namespaces bound on files: see netns.h. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-mgr/net/netns.h"
#include "cubo-mgr/userns/userns.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

/*
 * lo up with one ioctl in the namespace we are in: cheaper than running the
 * loopback plugin (a process of its own) for every container.
 */
static struct cubo_error *loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return cubo_error_errno("socket");
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	struct cubo_error *err = NULL;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		err = cubo_error_errno("lo: get flags");
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		err = cubo_error_errno("lo: bring up");
	close(s);
	return err;
}

/*
 * Rootless: the user's own directory ($XDG_RUNTIME_DIR, checked when the
 * manager joined its namespace), for /run/netns is root's.
 */
static char *netns_dir(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (userns_rootless() && xdg && xdg[0] == '/')
		return xasprintf("%s/cubo/netns", xdg);
	return xstrdup(NETNS_DIR);
}

char *netns_path(const char *id)
{
	char *dir = netns_dir();
	char *p = xasprintf("%s/cubo-%s", dir, id);
	free(dir);
	return p;
}

/* NETNS_DIR as a shared mount of itself, as `ip netns add` leaves it. */
static struct cubo_error *shared_dir(void)
{
	if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return cubo_error_errno("netns: mkdir %s", NETNS_DIR);
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return NULL;
	if (errno != EINVAL)
		return cubo_error_errno("netns: make %s shared", NETNS_DIR);
	/* not a mount point yet */
	if (mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
	    mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return cubo_error_errno("netns: bind %s on itself", NETNS_DIR);
	return NULL;
}

/* A new network namespace with lo up, bound on path; leaves the caller in it. */
static struct cubo_error *unshare_bound(const char *path)
{
	if (unshare(CLONE_NEWNET) < 0)
		return cubo_error_errno("netns: unshare");
	CUBO_TRY(loopback_up());
	if (mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL) < 0)
		return cubo_error_errno("netns: bind on %s", path);
	return NULL;
}

/*
 * Rootless: nobody returns to the host's namespace (the initial user
 * namespace owns it), so a child makes the new one; the mount is the
 * caller's, in the mount namespace they share.
 */
static struct cubo_error *create_in_child(const char *path)
{
	pid_t pid = fork();
	if (pid < 0)
		return cubo_error_errno("fork");
	if (pid == 0) {
		/* the errno of the step that failed is all the parent needs */
		struct cubo_error *err = unshare_bound(path);
		_exit(!err ? 0 : err->errnum > 0 && err->errnum < 256 ? err->errnum : 255);
	}
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return NULL;
	int e = WIFEXITED(ws) && WEXITSTATUS(ws) != 255 ? WEXITSTATUS(ws) : EIO;
	return cubo_error_new_errno(e, "netns: make %s (unshare, lo up, bind)", path);
}

struct cubo_error *netns_create(const char *path)
{
	bool rootless = userns_rootless();
	if (!rootless) {
		CUBO_TRY(shared_dir());
	} else {
		/* the monitor's mount namespace is private already: its mount is seen there only */
		char *dir = netns_dir();
		struct cubo_error *err = cubo_mkdir_p(dir, 0700);
		free(dir);
		CUBO_TRY(err);
	}
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
	if (fd < 0)
		return cubo_error_errno("netns: create %s", path);
	close(fd);
	if (rootless) {
		struct cubo_error *err = create_in_child(path);
		if (err)
			(void)netns_remove(path);
		return err;
	}
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return cubo_error_errno("netns: open our own network namespace");
	struct cubo_error *err = unshare_bound(path);
	/* back where we were, whatever happened: the new one lives on through the mount */
	if (setns(self, CLONE_NEWNET) < 0 && !err)
		err = cubo_error_errno("netns: return to our network namespace");
	close(self);
	if (err)
		(void)netns_remove(path);
	return err;
}

struct cubo_error *netns_remove(const char *path)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return cubo_error_errno("netns: unmount %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return cubo_error_errno("netns: remove %s", path);
	return NULL;
}

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
#include <unistd.h>

#include "cubo-mgr/net/netns.h"
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

char *netns_path(const char *id)
{
	char *p = xasprintf("%s/cubo-%s", NETNS_DIR, id);
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

struct cubo_error *netns_create(const char *path)
{
	CUBO_TRY(shared_dir());
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
	if (fd < 0)
		return cubo_error_errno("netns: create %s", path);
	close(fd);
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return cubo_error_errno("netns: open our own network namespace");
	struct cubo_error *err = NULL;
	if (unshare(CLONE_NEWNET) < 0) {
		err = cubo_error_errno("netns: unshare");
		close(self);
		return err;
	}
	err = loopback_up();
	if (!err && mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL) < 0)
		err = cubo_error_errno("netns: bind on %s", path);
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

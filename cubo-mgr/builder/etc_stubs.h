/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The name service files a RUN step gets (build_net.h) are bound over
 * /etc/hosts and /etc/resolv.conf. An image without them still gets them,
 * as `run` gives them, on a mount point the runtime makes in the step's
 * upper directory, which would end up in the layer: once the step is done,
 * the stubs, and an /etc copied up only to hold them, are taken out of the
 * upper directory again (what BuildKit does too). A step cannot write
 * through a read-only bind, so an empty file there is a stub.
 */
#ifndef CUBO_MGR_BUILDER_ETC_STUBS_H
#define CUBO_MGR_BUILDER_ETC_STUBS_H

#include <stdbool.h>
#include <sys/types.h>

#include "shared/error.h"

#define ETC_STUBS_MAX 2

struct etc_stubs {
	const char *names[ETC_STUBS_MAX]; /* "etc/hosts": static strings */
	size_t n;
	/* the image's /etc, to tell a copy-up made for the stubs from a change */
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/*
 * Whether name ("etc/hosts", a static string) can be bound over in the
 * rootfs: a regular file, or missing from a real /etc directory (then noted
 * in s as a stub the runtime will make). A symlink, a missing /etc, or
 * anything else: no.
 */
bool etc_stub_bindable(int root_fd, const char *name, struct etc_stubs *s);

/* After the step, the overlay unmounted: the stubs out of upper. */
struct cubo_error *etc_stubs_remove(const char *upper, const struct etc_stubs *s);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --security-opt seccomp=PROFILE.json: docker's profile format (moby
 * profiles/seccomp: defaultAction, defaultErrnoRet, architectures or
 * archMap, flags, syscalls with name/names, action, errnoRet, args and
 * includes/excludes of caps, arches and minKernel) made into the OCI
 * linux.seccomp of one container on this host, as docker does at create:
 * rules whose includes/excludes do not fit the container's capabilities,
 * the host's architecture or its kernel are left out. The file is the
 * user's, but checked as hostile: a size cap, and every field's type and
 * name (actions, operators, architectures) checked with its JSON path.
 */
#ifndef CUBO_MGR_CONTAINER_SECCOMP_PROFILE_H
#define CUBO_MGR_CONTAINER_SECCOMP_PROFILE_H

#include <stddef.h>

#include "shared/error.h"
#include "spec/config.h"

/* the largest profile read (docker's default is about 20 KiB) */
#define SECCOMP_PROFILE_MAX (1u << 20)

/* What a profile is made for. */
struct seccomp_host {
	const char *arch;   /* libseccomp's name of the native one: "SCMP_ARCH_X86_64" */
	const char *goarch; /* docker's name in includes/excludes arches: "amd64" */
	const char *kernel; /* uname's release: "6.1.0-13-amd64" */
	char *const *caps;  /* the container's bounding set, NULL-terminated */
};

/* This machine's arch, goarch and kernel (caps left NULL); kernel points into release. */
void seccomp_host_native(struct seccomp_host *h, char release[65]);

/* Read a profile file: a regular file of at most SECCOMP_PROFILE_MAX bytes. */
struct cubo_error *seccomp_profile_read(const char *path, char **json, size_t *len);

/* json (source names it in errors) -> a new linux.seccomp (oci_seccomp_free). */
struct cubo_error *seccomp_profile_convert(const char *json, size_t len, const char *source,
					   const struct seccomp_host *h, struct oci_seccomp **out);

#endif

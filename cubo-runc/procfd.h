/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /proc as the runtime trusts it (CVE-2019-16884, CVE-2025-52881): once a
 * container's root is in place, its /proc is whatever the image and the
 * config made of it — a directory of plain files, a volume, a procfs with
 * things mounted over it. Nothing the runtime writes or reopens may go
 * through it. Instead the init and exec open the runtime's own /proc before
 * they enter the container, prove it is the root of a procfs (fstatfs and
 * its inode number), and reach every file through that fd without leaving
 * that mount or following a magic link.
 */
#ifndef CUBO_RUNC_PROCFD_H
#define CUBO_RUNC_PROCFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shared/error.h"

/* Is fd on a procfs (root_only: the root of one, inode 1, which only that root has)? */
bool procfd_is_procfs(int fd, bool root_only);

/* Open and check the runtime's /proc (O_PATH, close-on-exec). */
struct cubo_error *procfd_open(int *out);

/*
 * Open rel ("self/attr/exec", "sys/net/ipv4/ip_forward") beneath procfd:
 * no "..", no magic link, no other mount; the result is checked to be on
 * procfs.
 */
struct cubo_error *procfd_openat(int procfd, const char *rel, int flags, int *out);

/* Write all of buf to rel beneath procfd (one write: /proc files take one value per write). */
struct cubo_error *procfd_write(int procfd, const char *rel, const char *buf, size_t len);

/*
 * Open self/NAME (mountinfo, cgroup) for reading through procfd; with
 * procfd < 0, /proc/self/NAME as this process sees it (the runtime's own
 * view, before any container's root is entered).
 */
struct cubo_error *procfd_fopen_self(int procfd, const char *name, FILE **out);

/* Reopen one of our own fds (an O_PATH one, say) with flags through self/fd/N. */
struct cubo_error *procfd_reopen(int procfd, int fd, int flags, int *out);

#endif

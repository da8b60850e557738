/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sanitizer reports of a process that is about to leave the host's root.
 *
 * With ASAN_OPTIONS=log_path=P, a sanitized process writes its report to
 * P.<pid>, a file it opens when the report comes. A container's init or an
 * exec'd process that has pivoted, chrooted or joined the container's mount
 * namespace would resolve P inside the container: the report would be lost.
 * So, before it changes root, such a process opens its report file on the
 * host (P.root.XXXXXX) and keeps it. The descriptor is close-on-exec, so it
 * never reaches the container's process.
 *
 * In a build without AddressSanitizer, or without log_path, this does
 * nothing.
 *
 * Linked in, the module also keeps LeakSanitizer's check at exit working
 * in a process that joined a pid namespace (see sanitizer.c).
 */
#ifndef CUBO_SHARED_SANITIZER_H
#define CUBO_SHARED_SANITIZER_H

/*
 * Returns the report file's descriptor (-1 when there is none), for the
 * spawn path to keep open, like its own, until execve.
 */
int sanitizer_keep_report_file(void);

#endif

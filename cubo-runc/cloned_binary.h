/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVE-2019-5736: a container must never get a writable handle on the runtime
 * binary through /proc/<pid>/exe. Commands that put a process into a
 * container first re-execute the runtime from a file no one can ever write:
 * the binary through a private read-only overlay (exe_overlay.h), or where
 * the kernel, the privileges or the binary's filesystem do not allow that,
 * a sealed, private memfd copy.
 */
#ifndef CUBO_RUNC_CLONED_BINARY_H
#define CUBO_RUNC_CLONED_BINARY_H

#include "shared/error.h"

/*
 * Returns NULL when already running from such a file; otherwise execs one
 * with the same argv/envp (returns only on failure).
 */
struct cubo_error *cloned_binary_ensure(char **argv, char **envp);

#endif

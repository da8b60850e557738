/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVE-2019-5736: a container must never get a writable handle on the runtime
 * binary through /proc/<pid>/exe. Commands that put a process into a
 * container first re-execute the runtime from a sealed, private memfd copy,
 * so /proc/self/exe is a read-only file that belongs to no one else.
 */
#ifndef CUBO_RUNC_CLONED_BINARY_H
#define CUBO_RUNC_CLONED_BINARY_H

#include "shared/error.h"

/*
 * Returns NULL when already running from a sealed copy; otherwise makes the
 * copy and execs it with the same argv/envp (returns only on failure).
 */
struct cubo_error *cloned_binary_ensure(char **argv, char **envp);

#endif

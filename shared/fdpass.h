/* SPDX-License-Identifier: Apache-2.0 */
/* Passing one file descriptor with a message over a unix socket (SCM_RIGHTS). */
#ifndef CUBO_SHARED_FDPASS_H
#define CUBO_SHARED_FDPASS_H

#include <stddef.h>

#include "shared/error.h"

/* Send data (at least one byte) with fd attached. */
struct cubo_error *fdpass_send(int sock, int fd, const void *data, size_t len);
/*
 * Receive one message into data (up to cap bytes; *len gets its size) and
 * the fd that came with it, or -1 in *fd when none did. EOF is an error.
 */
struct cubo_error *fdpass_recv(int sock, void *data, size_t cap, size_t *len, int *fd);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Messages between the runtime and the container's init over a
 * SOCK_SEQPACKET socketpair: each message is one packet, so no framing is
 * needed, and EOF tells either side that the other one died.
 */
#ifndef CUBO_RUNC_SYNC_H
#define CUBO_RUNC_SYNC_H

#include <stddef.h>

#include "shared/error.h"

enum sync_type {
	SYNC_GO = 1,	     /* parent -> child: ids mapped, namespaces prepared: set up */
	SYNC_READY = 2,	     /* child -> parent: set up, waiting to be started */
	SYNC_ERROR = 3,	     /* child -> parent: setup failed; payload is the message */
	SYNC_START = 4,	     /* parent -> child (run): exec the process now */
	SYNC_CONSOLE = 5,    /* child -> parent (run): the pty master, as SCM_RIGHTS */
	SYNC_HOOKS = 6,	     /* child -> parent: mounts made, run prestart and createRuntime now */
	SYNC_HOOKS_DONE = 7, /* parent -> child: they succeeded: run createContainer, pivot */
	SYNC_MOUNT_SOURCE = 8, /* parent -> child: a bind's tree (SCM_RIGHTS); payload: its index */
};

#define SYNC_MAX_PAYLOAD 4000

struct sync_msg {
	enum sync_type type;
	char payload[SYNC_MAX_PAYLOAD + 1]; /* NUL-terminated */
};

struct cubo_error *sync_send(int fd, enum sync_type type, const char *payload);
/* Send err's one-line text as SYNC_ERROR (best effort; used by the child). */
void sync_send_error(int fd, const struct cubo_error *err);
/* Receive one message; EOF is an error saying the peer is gone. */
struct cubo_error *sync_recv(int fd, struct sync_msg *msg);
/* Receive and expect `type`; a SYNC_ERROR becomes an error with its text. */
struct cubo_error *sync_expect(int fd, enum sync_type type);

/* Send an fd with SCM_RIGHTS as a SYNC_CONSOLE message. */
struct cubo_error *sync_send_fd(int fd, int payload_fd);
/* Receive a SYNC_CONSOLE fd; a SYNC_ERROR becomes an error with its text. */
struct cubo_error *sync_recv_fd(int fd, int *out_fd);

/* Send payload_fd with SCM_RIGHTS as a message of this type, with a text payload. */
struct cubo_error *sync_send_fd_as(int fd, enum sync_type type, int payload_fd,
				   const char *payload);
/*
 * Receive a message of this type carrying an fd (close-on-exec) into
 * *out_fd, its text into msg; a SYNC_ERROR becomes an error with its text.
 */
struct cubo_error *sync_recv_fd_as(int fd, enum sync_type type, int *out_fd, struct sync_msg *msg);

#endif

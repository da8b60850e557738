/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attach protocol between a container's monitor and clients (run -i,
 * start -a, attach, wait), over the monitor's unix socket <id>/attach.sock.
 * Every message is a frame: 1 byte type, 4 bytes big-endian length, data.
 *
 *   client -> monitor: HELLO (1 byte: ATTACH_WANT_* flags), STDIN data,
 *                      STDIN_EOF, RESIZE (rows, cols: 2 bytes each, BE),
 *                      SIGNAL (1 byte: a signal for the container's init)
 *   monitor -> client: STDOUT / STDERR data (when wanted), then EXIT
 *                      (4 bytes BE exit code) once the container is gone
 *                      and, for --rm, removed.
 *
 * A client that sees the socket close without EXIT lost its monitor: it
 * reads the record instead.
 */
#ifndef CUBO_MGR_CONTAINER_ATTACH_H
#define CUBO_MGR_CONTAINER_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"

enum attach_frame_type {
	ATTACH_STDOUT = 1,
	ATTACH_STDERR = 2,
	ATTACH_EXIT = 3,
	ATTACH_STDIN = 4,
	ATTACH_STDIN_EOF = 5,
	ATTACH_RESIZE = 6,
	ATTACH_HELLO = 7,
	ATTACH_SIGNAL = 8,
};

/* 1 meant both streams before stderr had a flag of its own: a client says both */
#define ATTACH_WANT_STDOUT 1u
#define ATTACH_WANT_STDIN 2u
#define ATTACH_WANT_STDERR 4u
#define ATTACH_WANT_OUTPUT (ATTACH_WANT_STDOUT | ATTACH_WANT_STDERR)

#define ATTACH_MAX_FRAME (1u << 20)
#define ATTACH_SOCKET "attach.sock"

struct cubo_error *attach_send(int fd, uint8_t type, const void *data, uint32_t len);
/*
 * Read one frame into buf (size cap). *len gets its length. Returns an
 * error on a short read or a frame larger than cap; *eof is set (no error)
 * when the peer closed before a frame began.
 */
struct cubo_error *attach_recv(int fd, uint8_t *type, void *buf, uint32_t cap, uint32_t *len,
			       bool *eof);

/* Connect to the monitor of the container in ctr_dir and say hello. */
struct cubo_error *attach_connect(const char *ctr_dir, uint8_t flags, int *fd);

/* *exit_code of a client that the user detached (the container runs on). */
#define ATTACH_DETACHED (-2)

/* The longest --detach-keys sequence. */
#define ATTACH_DETACH_KEYS_MAX 16

/*
 * Detach keys (docker's default ctrl-p ctrl-q) in what a terminal user
 * types. A prefix of the sequence that ends a chunk is held back until the
 * next chunk shows whether the rest follows.
 */
struct detach_keys {
	char seq[ATTACH_DETACH_KEYS_MAX];
	size_t len;  /* 0: nothing detaches */
	size_t held; /* how many bytes of seq are held back */
};

/*
 * docker's --detach-keys: keys separated by commas, each one character or
 * ctrl-@, ctrl-a .. ctrl-z, ctrl-[, ctrl-\, ctrl-], ctrl-^, ctrl-_. NULL or
 * "": ctrl-p,ctrl-q.
 */
struct cubo_error *attach_detach_keys_parse(const char *spec, struct detach_keys *out);

/*
 * Copy in to out (room for n + ATTACH_DETACH_KEYS_MAX bytes), leaving out
 * the sequence. True when it was typed: out then holds what came before it.
 */
bool attach_detach_scan(struct detach_keys *k, const char *in, size_t n, char *out,
			size_t *out_len);

struct attach_client {
	bool forward_stdin; /* copy this process's stdin to the container */
	bool tty;	    /* the container has a terminal: send its size, detach keys */
	/*
	 * Forward the signals this process gets (SIGINT, SIGTERM, SIGHUP, ...)
	 * to the container's init, as docker's --sig-proxy: not with a tty,
	 * whose ^C reaches the container as a byte.
	 */
	bool sig_proxy;
	const struct detach_keys *keys; /* with tty; NULL: ctrl-p ctrl-q */
};

/* Whether the client forwards sig under sig_proxy (not SIGCHLD, SIGPIPE, faults, ...). */
bool attach_signal_proxied(int sig);

/*
 * The client's side until the container exits: stdin to the container,
 * its output (the streams HELLO asked for) to stdout/stderr, the terminal
 * size and signals as o says. With a terminal, ctrl-p ctrl-q detaches.
 * *exit_code is the container's, ATTACH_DETACHED, or -1 when the monitor
 * went away without saying.
 */
struct cubo_error *attach_client_run(int fd, const struct attach_client *o, int *exit_code);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/sync.h"

#include "shared/fdpass.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct cubo_error *sync_send(int fd, enum sync_type type, const char *payload)
{
	char buf[sizeof(uint32_t) + SYNC_MAX_PAYLOAD];
	uint32_t t = type;
	size_t plen = payload ? strnlen(payload, SYNC_MAX_PAYLOAD) : 0;
	ssize_t n;

	memcpy(buf, &t, sizeof(t));
	if (plen)
		memcpy(buf + sizeof(t), payload, plen);
	do
		n = send(fd, buf, sizeof(t) + plen, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cubo_error_errno("sync: send");
	return NULL;
}

void sync_send_error(int fd, const struct cubo_error *err)
{
	char *text = cubo_error_text(err);
	cubo_error_free(sync_send(fd, SYNC_ERROR, text));
	free(text);
}

struct cubo_error *sync_recv(int fd, struct sync_msg *msg)
{
	char buf[sizeof(uint32_t) + SYNC_MAX_PAYLOAD];
	uint32_t t;
	ssize_t n;

	do
		n = recv(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cubo_error_errno("sync: receive");
	if (n == 0)
		return cubo_error_new("sync: the other side exited");
	if ((size_t)n < sizeof(t))
		return cubo_error_new("sync: short message");
	memcpy(&t, buf, sizeof(t));
	msg->type = t;
	memcpy(msg->payload, buf + sizeof(t), n - sizeof(t));
	msg->payload[n - sizeof(t)] = '\0';
	return NULL;
}

struct cubo_error *sync_expect(int fd, enum sync_type type)
{
	struct sync_msg msg;

	CUBO_TRY(sync_recv(fd, &msg));
	if (msg.type == SYNC_ERROR)
		return cubo_error_new("%s", msg.payload);
	if (msg.type != type)
		return cubo_error_new("sync: expected message %d, got %d", type, msg.type);
	return NULL;
}

struct cubo_error *sync_send_fd_as(int fd, enum sync_type type, int payload_fd, const char *payload)
{
	char buf[sizeof(uint32_t) + SYNC_MAX_PAYLOAD];
	uint32_t t = type;
	size_t plen = payload ? strnlen(payload, SYNC_MAX_PAYLOAD) : 0;

	memcpy(buf, &t, sizeof(t));
	if (plen)
		memcpy(buf + sizeof(t), payload, plen);
	return fdpass_send(fd, payload_fd, buf, sizeof(t) + plen);
}

struct cubo_error *sync_recv_fd_as(int fd, enum sync_type type, int *out_fd, struct sync_msg *msg)
{
	char buf[sizeof(uint32_t) + SYNC_MAX_PAYLOAD + 1];
	size_t n;
	uint32_t t;

	*out_fd = -1;
	CUBO_TRY(fdpass_recv(fd, buf, sizeof(buf) - 1, &n, out_fd));
	if (n < sizeof(t)) {
		if (*out_fd >= 0)
			close(*out_fd);
		*out_fd = -1;
		return cubo_error_new("sync: short message");
	}
	memcpy(&t, buf, sizeof(t));
	msg->type = t;
	memcpy(msg->payload, buf + sizeof(t), n - sizeof(t));
	msg->payload[n - sizeof(t)] = '\0';
	if (t == type && *out_fd >= 0)
		return NULL;
	if (*out_fd >= 0)
		close(*out_fd);
	*out_fd = -1;
	if (t == SYNC_ERROR)
		return cubo_error_new("%s", msg->payload);
	return cubo_error_new("sync: expected message %d with an fd, got %u", type, t);
}

struct cubo_error *sync_send_fd(int fd, int payload_fd)
{
	return sync_send_fd_as(fd, SYNC_CONSOLE, payload_fd, NULL);
}

struct cubo_error *sync_recv_fd(int fd, int *out_fd)
{
	struct sync_msg msg;
	return sync_recv_fd_as(fd, SYNC_CONSOLE, out_fd, &msg);
}

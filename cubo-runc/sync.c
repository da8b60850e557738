/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/sync.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
	cubo_error_free(sync_send(fd, SYNC_ERROR, text ? text : "out of memory"));
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

struct cubo_error *sync_send_fd(int fd, int payload_fd)
{
	uint32_t t = SYNC_CONSOLE;
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &t, .iov_len = sizeof(t)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &payload_fd, sizeof(int));
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cubo_error_errno("sync: send fd");
	return NULL;
}

struct cubo_error *sync_recv_fd(int fd, int *out_fd)
{
	char buf[sizeof(uint32_t) + SYNC_MAX_PAYLOAD + 1];
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	uint32_t t;
	ssize_t n;

	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cubo_error_errno("sync: receive fd");
	if (n == 0)
		return cubo_error_new("sync: the other side exited");
	if ((size_t)n < sizeof(t))
		return cubo_error_new("sync: short message");
	memcpy(&t, buf, sizeof(t));
	c = CMSG_FIRSTHDR(&msg);
	if (t == SYNC_CONSOLE && c && c->cmsg_type == SCM_RIGHTS) {
		memcpy(out_fd, CMSG_DATA(c), sizeof(int));
		return NULL;
	}
	buf[n] = '\0';
	if (t == SYNC_ERROR)
		return cubo_error_new("%s", buf + sizeof(t));
	return cubo_error_new("sync: expected the console, got message %u", t);
}

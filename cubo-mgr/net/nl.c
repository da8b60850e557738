/* SPDX-License-Identifier: Apache-2.0 */
/* rtnetlink requests and answers: see nl.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cubo-mgr/net/nl.h"
#include "shared/xalloc.h"

struct cubo_error *nl_open(struct nl_sock *s)
{
	return nl_open_proto(s, NETLINK_ROUTE);
}

struct cubo_error *nl_open_proto(struct nl_sock *s, int protocol)
{
	s->seq = 0;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (s->fd < 0)
		return cubo_error_errno("netlink socket");
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		struct cubo_error *err = cubo_error_errno("netlink bind");
		nl_close(s);
		return err;
	}
	return NULL;
}

void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* Requests are built from constants and checked names: one that overflows is a bug here. */
static void *grow(struct nl_msg *m, size_t len)
{
	size_t off = NLMSG_ALIGN(m->h.nlmsg_len);
	if (off + len > sizeof(m->buf))
		abort();
	m->h.nlmsg_len = (uint32_t)(off + len);
	return m->buf + off;
}

void nl_msg_init(struct nl_msg *m, uint16_t type, uint16_t flags, const void *fam, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->h.nlmsg_len = NLMSG_HDRLEN;
	m->h.nlmsg_type = type;
	m->h.nlmsg_flags = NLM_F_REQUEST | flags;
	memcpy(grow(m, len), fam, len);
}

void nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = grow(m, RTA_LENGTH(len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
}

void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	nl_put(m, type, s, strlen(s) + 1);
}

void nl_put_raw(struct nl_msg *m, const void *data, size_t len)
{
	memcpy(grow(m, len), data, len);
}

struct rtattr *nl_nest_begin(struct nl_msg *m, uint16_t type)
{
	struct rtattr *a = grow(m, RTA_LENGTH(0));
	a->rta_type = type;
	return a;
}

void nl_nest_end(struct nl_msg *m, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(m->buf + m->h.nlmsg_len - (char *)nest);
}

void nl_attrs_each(const struct rtattr *rta, size_t len,
		   void (*fn)(const struct rtattr *a, void *arg), void *arg)
{
	while (len >= sizeof(*rta) && rta->rta_len >= sizeof(*rta) && rta->rta_len <= len) {
		fn(rta, arg);
		size_t step = RTA_ALIGN(rta->rta_len);
		if (step >= len)
			break;
		len -= step;
		rta = (const struct rtattr *)((const char *)rta + step);
	}
}

static struct cubo_error *send_req(struct nl_sock *s, struct nl_msg *m)
{
	m->h.nlmsg_seq = ++s->seq;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	ssize_t n;
	do
		n = sendto(s->fd, m->buf, m->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cubo_error_errno("netlink send");
	return NULL;
}

/*
 * Read answers until the one to our request: an NLMSG_ERROR (its errno, 0
 * for an acknowledgement) or, with fn, a message of another type. A dump:
 * every message of another type to fn, until NLMSG_DONE.
 */
static struct cubo_error *wait_answer(struct nl_sock *s,
				      void (*fn)(const struct nlmsghdr *h, void *arg), void *arg,
				      int *kerr, bool dump)
{
	/* a link's full description is a few KiB; 32 KiB leaves room and MSG_TRUNC says if not */
	static const size_t cap = 32768;
	char *buf = xmalloc(cap);
	struct cubo_error *err = NULL;
	for (;;) {
		ssize_t n = recv(s->fd, buf, cap, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = cubo_error_errno("netlink answer");
			break;
		}
		if ((size_t)n > cap) {
			err = cubo_error_new("netlink answer of %zd bytes truncated", n);
			break;
		}
		size_t left = (size_t)n;
		bool done = false;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != s->seq)
				continue; /* an answer to an earlier request we gave up on */
			if (dump && h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
					err = cubo_error_new("netlink: short error message");
				} else {
					const struct nlmsgerr *e = NLMSG_DATA(h);
					*kerr = e->error < 0 ? -e->error : e->error;
				}
				done = true;
				break;
			}
			if (fn && h->nlmsg_type >= RTM_BASE) {
				fn(h, arg);
				*kerr = 0;
				if (!dump)
					fn = NULL; /* the acknowledgement still follows */
			}
		}
		if (done || err)
			break;
	}
	free(buf);
	return err;
}

struct cubo_error *nl_call(struct nl_sock *s, struct nl_msg *m, int *kerr)
{
	*kerr = 0;
	m->h.nlmsg_flags |= NLM_F_ACK;
	CUBO_TRY(send_req(s, m));
	return wait_answer(s, NULL, NULL, kerr, false);
}

struct cubo_error *nl_query(struct nl_sock *s, struct nl_msg *m,
			    void (*fn)(const struct nlmsghdr *h, void *arg), void *arg, int *kerr)
{
	*kerr = 0;
	/* the ACK after the answer ends the wait */
	m->h.nlmsg_flags |= NLM_F_ACK;
	CUBO_TRY(send_req(s, m));
	return wait_answer(s, fn, arg, kerr, false);
}

struct cubo_error *nl_dump(struct nl_sock *s, struct nl_msg *m,
			   void (*fn)(const struct nlmsghdr *h, void *arg), void *arg, int *kerr)
{
	*kerr = 0;
	m->h.nlmsg_flags |= NLM_F_DUMP;
	CUBO_TRY(send_req(s, m));
	return wait_answer(s, fn, arg, kerr, true);
}

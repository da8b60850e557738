/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rtnetlink requests and answers, the protocol only: a request is built in
 * a fixed buffer (attributes, nested attributes), sent, and its answer
 * read and checked -- every length before the bytes it covers, since the
 * answer of a dump may be truncated or carry attributes newer than this
 * code. What the requests do lives in link.h, addr_route.h.
 */
#ifndef CUBO_MGR_NET_NL_H
#define CUBO_MGR_NET_NL_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"

#define NL_MSG_MAX 1024

/* One netlink socket, opened O_CLOEXEC in the caller's (thread's) network namespace. */
struct nl_sock {
	int fd;
	uint32_t seq;
};

struct cubo_error *nl_open(struct nl_sock *s); /* NETLINK_ROUTE */
struct cubo_error *nl_open_proto(struct nl_sock *s, int protocol);
void nl_close(struct nl_sock *s);

struct nl_msg {
	union {
		struct nlmsghdr h;
		char buf[NL_MSG_MAX];
	};
};

/* A request: the netlink header, then the family header (ifinfomsg, ifaddrmsg, rtmsg). */
void nl_msg_init(struct nl_msg *m, uint16_t type, uint16_t flags, const void *fam, size_t len);
void nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
void nl_put_str(struct nl_msg *m, uint16_t type, const char *s);
struct rtattr *nl_nest_begin(struct nl_msg *m, uint16_t type);
void nl_nest_end(struct nl_msg *m, struct rtattr *nest);
/* Bytes of raw data (a nested family header) appended as they are. */
void nl_put_raw(struct nl_msg *m, const void *data, size_t len);

/*
 * Send the request (NLM_F_ACK is added) and wait for its acknowledgement:
 * *kerr is the kernel's errno for it (0: done). The error return is for the
 * socket itself failing.
 */
struct cubo_error *nl_call(struct nl_sock *s, struct nl_msg *m, int *kerr);

/*
 * Send a request that answers with one message (RTM_GETLINK by name) and
 * hand its payload to fn: *kerr the kernel's errno when it answered with
 * an error instead.
 */
struct cubo_error *nl_query(struct nl_sock *s, struct nl_msg *m,
			    void (*fn)(const struct nlmsghdr *h, void *arg), void *arg, int *kerr);

/*
 * Send a dump request (NLM_F_DUMP is added) and hand every message of its
 * answer to fn, until the end; *kerr as for nl_query.
 */
struct cubo_error *nl_dump(struct nl_sock *s, struct nl_msg *m,
			   void (*fn)(const struct nlmsghdr *h, void *arg), void *arg, int *kerr);
/*
 * Walk the attributes in [rta, rta + len): fn is called only for whole
 * attributes (header and payload within len). Pure, for tests.
 */
void nl_attrs_each(const struct rtattr *rta, size_t len,
		   void (*fn)(const struct rtattr *a, void *arg), void *arg);

#endif

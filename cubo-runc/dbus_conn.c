/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/dbus_conn.h"
#include "shared/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* signals kept while waiting; past this the oldest go (a busy private socket sends many) */
#define MAX_QUEUED 4096
/* an authentication line from the server */
#define MAX_AUTH_LINE 512
/* Longest single poll: a long deadline is waited for in slices this long. */
#define POLL_SLICE_MS 60000

struct queued {
	struct dbus_reply r;
	struct queued *next;
};

struct dbus_conn {
	int fd;
	bool bus;
	uint32_t serial;
	uint8_t *rbuf;
	size_t rlen, rcap;
	struct queued *head, **tail;
	size_t n_queued;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct cubo_error *send_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return cubo_error_errno("D-Bus: send");
		b += w;
		n -= (size_t)w;
	}
	return NULL;
}

/* More bytes into rbuf, waiting until deadline. */
static struct cubo_error *fill(struct dbus_conn *c, long long deadline, const char *waiting)
{
	if (c->rcap - c->rlen < 4096) {
		size_t cap = c->rcap ? c->rcap * 2 : 8192;
		uint8_t *nb = xrealloc(c->rbuf, cap);
		c->rbuf = nb;
		c->rcap = cap;
	}
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return cubo_error_new_errno(ETIMEDOUT, "D-Bus: no %s", waiting);
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		int r = poll(&pfd, 1, (int)(left > POLL_SLICE_MS ? POLL_SLICE_MS : left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cubo_error_errno("D-Bus: poll");
		if (r == 0)
			continue;
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return cubo_error_errno("D-Bus: receive");
		if (n == 0)
			return cubo_error_new(
				"D-Bus: the peer closed the connection while we waited "
				"for %s",
				waiting);
		c->rlen += (size_t)n;
		return NULL;
	}
}

/* CUBO_DBUS_TRACE=1: every message in and out, one line each, on stderr. */
static void trace(const char *dir, const struct dbus_header *h)
{
	if (!getenv("CUBO_DBUS_TRACE"))
		return;
	fprintf(stderr, "dbus %s type %u serial %u reply_serial %u %s.%s %s sig %s\n", dir, h->type,
		h->serial, h->reply_serial, h->interface ? h->interface : "-",
		h->member ? h->member : "-", h->path ? h->path : "-",
		h->signature ? h->signature : "-");
}

/* The next whole message. */
static struct cubo_error *next_msg(struct dbus_conn *c, long long deadline, const char *waiting,
				   struct dbus_reply *out)
{
	size_t total = 0;
	for (;;) {
		if (c->rlen >= DBUS_FIXED_HEADER) {
			CUBO_TRY(dbus_msg_size(c->rbuf, c->rlen, &total));
			if (c->rlen >= total)
				break;
		}
		CUBO_TRY(fill(c, deadline, waiting));
	}
	uint8_t *raw = xmalloc(total);
	memcpy(raw, c->rbuf, total);
	memmove(c->rbuf, c->rbuf + total, c->rlen - total);
	c->rlen -= total;
	struct cubo_error *err = dbus_msg_parse(raw, total, &out->m);
	if (err) {
		free(raw);
		return err;
	}
	out->raw = raw;
	trace("<-", &out->m.h);
	return NULL;
}

void dbus_reply_free(struct dbus_reply *r)
{
	if (!r)
		return;
	free(r->raw);
	r->raw = NULL;
}

static void enqueue(struct dbus_conn *c, struct dbus_reply *r)
{
	if (c->n_queued == MAX_QUEUED) {
		struct queued *old = c->head;
		c->head = old->next;
		if (!c->head)
			c->tail = &c->head;
		dbus_reply_free(&old->r);
		free(old);
		c->n_queued--;
	}
	struct queued *q = xcalloc(1, sizeof(*q));
	q->r = *r;
	*c->tail = q;
	c->tail = &q->next;
	c->n_queued++;
}

/* One authentication line ("OK 1234...\r\n"), NUL-terminated without its CRLF. */
static struct cubo_error *auth_line(struct dbus_conn *c, long long deadline, char *line, size_t cap)
{
	for (;;) {
		for (size_t i = 0; i + 1 < c->rlen; i++)
			if (c->rbuf[i] == '\r' && c->rbuf[i + 1] == '\n') {
				if (i >= cap)
					break;
				memcpy(line, c->rbuf, i);
				line[i] = '\0';
				memmove(c->rbuf, c->rbuf + i + 2, c->rlen - i - 2);
				c->rlen -= i + 2;
				return NULL;
			}
		if (c->rlen >= MAX_AUTH_LINE)
			return cubo_error_new("D-Bus: authentication line longer than %d bytes",
					      MAX_AUTH_LINE);
		CUBO_TRY(fill(c, deadline, "answer to the authentication"));
	}
}

static struct cubo_error *authenticate(struct dbus_conn *c, long long deadline)
{
	char uid[16], hex[40], msg[80], line[MAX_AUTH_LINE];
	snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	for (size_t i = 0; uid[i]; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
	/*
	 * A NUL first (the credentials byte), then AUTH and BEGIN in one
	 * write, as libsystemd's clients send them: systemd's server (sd-bus)
	 * was seen, now and then, to leave a call unanswered when BEGIN came
	 * alone and the call right after it.
	 */
	int n = snprintf(msg, sizeof(msg), "%cAUTH EXTERNAL %s\r\nBEGIN\r\n", '\0', hex);
	CUBO_TRY(send_all(c->fd, msg, (size_t)n));
	CUBO_TRY(auth_line(c, deadline, line, sizeof(line)));
	if (strncmp(line, "OK ", 3))
		return cubo_error_new("D-Bus: authentication as uid %s refused: %.80s", uid, line);
	return NULL;
}

struct cubo_error *dbus_conn_open(const char *path, bool bus, int timeout_ms,
				  struct dbus_conn **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return cubo_error_new("D-Bus: socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	struct dbus_conn *c = xcalloc(1, sizeof(*c));
	c->tail = &c->head;
	c->bus = bus;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct cubo_error *err = NULL;
	if (c->fd < 0)
		err = cubo_error_errno("D-Bus: socket");
	else if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = cubo_error_errno("D-Bus: connect to %s", path);
	long long deadline = now_ms() + timeout_ms;
	if (!err)
		err = authenticate(c, deadline);
	if (!err && bus) {
		struct dbus_writer none = {0};
		err = dbus_conn_call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				     "org.freedesktop.DBus", "Hello", NULL, &none, timeout_ms,
				     NULL);
	}
	if (err) {
		dbus_conn_close(c);
		return cubo_error_wrap(err, "%s", path);
	}
	*out = c;
	return NULL;
}

bool dbus_conn_is_bus(const struct dbus_conn *c)
{
	return c->bus;
}

void dbus_conn_close(struct dbus_conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	while (c->head) {
		struct queued *q = c->head;
		c->head = q->next;
		dbus_reply_free(&q->r);
		free(q);
	}
	free(c->rbuf);
	free(c);
}

/* An error reply as an error: its name, and its message when it has one. */
static struct cubo_error *error_of(const char *member, const struct dbus_msg *m)
{
	const char *text = "";
	if (m->h.signature && m->h.signature[0] == 's') {
		struct dbus_reader r = dbus_msg_body(m);
		struct cubo_error *bad = dbus_r_string(&r, &text);
		if (bad) {
			cubo_error_free(bad);
			text = "";
		}
	}
	return cubo_error_new("%s: %s%s%s", member, m->h.error_name, *text ? ": " : "", text);
}

struct cubo_error *dbus_conn_call(struct dbus_conn *c, const char *dest, const char *path,
				  const char *iface, const char *member, const char *sig,
				  const struct dbus_writer *args, int timeout_ms,
				  struct dbus_reply *reply)
{
	struct dbus_header h = {.type = DBUS_METHOD_CALL,
				.serial = ++c->serial,
				.path = path,
				.interface = iface,
				.member = member,
				.destination = dest,
				.signature = sig};
	struct dbus_writer msg = {0};
	dbus_msg_encode(&h, args, &msg);
	trace("->", &h);
	struct cubo_error *err = send_all(c->fd, msg.buf, msg.len);
	dbus_w_free(&msg);
	CUBO_TRY_CTX(err, "%s", member);
	long long deadline = now_ms() + timeout_ms;
	char waiting[96];
	snprintf(waiting, sizeof(waiting), "reply to %s within %d ms", member, timeout_ms);
	for (;;) {
		struct dbus_reply r;
		CUBO_TRY(next_msg(c, deadline, waiting, &r));
		bool ours = (r.m.h.type == DBUS_METHOD_RETURN || r.m.h.type == DBUS_ERROR) &&
			    r.m.h.reply_serial == h.serial;
		if (ours && r.m.h.type == DBUS_ERROR) {
			err = error_of(member, &r.m);
			dbus_reply_free(&r);
			return err;
		}
		if (ours) {
			if (reply)
				*reply = r;
			else
				dbus_reply_free(&r);
			return NULL;
		}
		if (r.m.h.type == DBUS_SIGNAL)
			enqueue(c, &r);
		else
			dbus_reply_free(&r);
	}
}

static bool is_signal(const struct dbus_msg *m, const char *iface, const char *member)
{
	return m->h.type == DBUS_SIGNAL && !strcmp(m->h.interface, iface) &&
	       !strcmp(m->h.member, member);
}

struct cubo_error *dbus_conn_wait_signal(struct dbus_conn *c, const char *iface, const char *member,
					 bool (*match)(const struct dbus_msg *m, void *arg),
					 void *arg, int timeout_ms, struct dbus_reply *out)
{
	for (struct queued **p = &c->head; *p; p = &(*p)->next) {
		struct queued *q = *p;
		if (!is_signal(&q->r.m, iface, member) || !match(&q->r.m, arg))
			continue;
		*p = q->next;
		if (c->tail == &q->next)
			c->tail = p;
		c->n_queued--;
		*out = q->r;
		free(q);
		return NULL;
	}
	long long deadline = now_ms() + timeout_ms;
	char waiting[96];
	snprintf(waiting, sizeof(waiting), "%s signal within %d ms", member, timeout_ms);
	for (;;) {
		struct dbus_reply r;
		CUBO_TRY(next_msg(c, deadline, waiting, &r));
		if (is_signal(&r.m, iface, member) && match(&r.m, arg)) {
			*out = r;
			return NULL;
		}
		dbus_reply_free(&r);
	}
}

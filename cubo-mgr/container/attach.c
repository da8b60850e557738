/* SPDX-License-Identifier: Apache-2.0 */
/* The attach protocol, client side and framing: see attach.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cubo-mgr/container/attach.h"
#include "shared/xalloc.h"

static struct cubo_error *write_full(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t r = write(fd, c, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cubo_error_errno("write");
		}
		c += r;
		n -= (size_t)r;
	}
	return NULL;
}

static struct cubo_error *read_full(int fd, void *p, size_t n, bool *eof)
{
	char *c = p;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, c + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cubo_error_errno("read");
		}
		if (r == 0) {
			if (got == 0 && eof) {
				*eof = true;
				return NULL;
			}
			return cubo_error_new("connection closed in the middle of a frame");
		}
		got += (size_t)r;
	}
	return NULL;
}

/*
 * Frames go to a socket whose peer may be gone (a monitor that finished, a
 * client that left): EPIPE, never a SIGPIPE that would end this process.
 */
struct cubo_error *attach_send(int fd, uint8_t type, const void *data, uint32_t len)
{
	unsigned char h[5] = {type, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
			      (unsigned char)(len >> 8), (unsigned char)len};
	struct iovec iov[2] = {{h, sizeof(h)}, {(void *)data, len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
	size_t left = sizeof(h) + len;
	while (left) {
		ssize_t r = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cubo_error_errno("attach: send");
		left -= (size_t)r;
		/* a partial send: on from where it stopped */
		while (r > 0 && msg.msg_iovlen) {
			size_t n =
				(size_t)r < msg.msg_iov->iov_len ? (size_t)r : msg.msg_iov->iov_len;
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= n;
			r -= (ssize_t)n;
			if (!msg.msg_iov->iov_len) {
				msg.msg_iov++;
				msg.msg_iovlen--;
			}
		}
	}
	return NULL;
}

struct cubo_error *attach_recv(int fd, uint8_t *type, void *buf, uint32_t cap, uint32_t *len,
			       bool *eof)
{
	unsigned char h[5];
	*eof = false;
	CUBO_TRY_CTX(read_full(fd, h, sizeof(h), eof), "attach: receive");
	if (*eof)
		return NULL;
	uint32_t n = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
	if (n > cap)
		return cubo_error_new("attach: frame of %u bytes is larger than %u", n, cap);
	*type = h[0];
	*len = n;
	if (n)
		CUBO_TRY_CTX(read_full(fd, buf, n, NULL), "attach: receive");
	return NULL;
}

struct cubo_error *attach_connect(const char *ctr_dir, uint8_t flags, int *out)
{
	/* the path may be too long for sun_path: go through a directory fd */
	int dfd = open(ctr_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cubo_error_errno("attach: open %s", ctr_dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" ATTACH_SOCKET, dfd);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		close(dfd);
		return cubo_error_errno("attach: socket");
	}
	int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	close(dfd);
	if (r < 0) {
		close(fd);
		return cubo_error_new_errno(e, "attach: connect to the container's monitor");
	}
	struct cubo_error *err = attach_send(fd, ATTACH_HELLO, &flags, 1);
	if (err) {
		close(fd);
		return err;
	}
	*out = fd;
	return NULL;
}

struct cubo_error *attach_detach_keys_parse(const char *spec, struct detach_keys *out)
{
	static const char ctrl_names[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
	*out = (struct detach_keys){.seq = {0x10, 0x11}, .len = 2};
	if (!spec || !*spec)
		return NULL;
	out->len = 0;
	const char *key = spec;
	for (;;) {
		size_t n = strcspn(key, ",");
		const char *c = NULL;
		if (n == 1)
			c = key;
		else if (n == 6 && !strncmp(key, "ctrl-", 5) && key[5])
			c = strchr(ctrl_names, key[5]);
		if (!c)
			return cubo_error_new(
				"--detach-keys \"%s\": unknown key \"%.*s\" (a single "
				"character, or ctrl- and one of @, a-z, [, \\, ], ^, _)",
				spec, (int)n, key);
		if (out->len == ATTACH_DETACH_KEYS_MAX)
			return cubo_error_new("--detach-keys \"%s\": more than %d keys", spec,
					      ATTACH_DETACH_KEYS_MAX);
		out->seq[out->len++] = n == 1 ? *c : (char)(c - ctrl_names);
		if (!key[n])
			return NULL;
		key += n + 1;
	}
}

bool attach_detach_scan(struct detach_keys *k, const char *in, size_t n, char *out, size_t *out_len)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (k->len && c != k->seq[k->held]) {
			/* not the sequence: what was held goes on, and c may begin it anew */
			memcpy(out + o, k->seq, k->held);
			o += k->held;
			k->held = 0;
		}
		if (k->len && c == k->seq[k->held]) {
			if (++k->held < k->len)
				continue;
			k->held = 0;
			*out_len = o;
			return true;
		}
		out[o++] = c;
	}
	*out_len = o;
	return false;
}

static void send_size(int sock)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
		return;
	unsigned char b[4] = {(unsigned char)(ws.ws_row >> 8), (unsigned char)ws.ws_row,
			      (unsigned char)(ws.ws_col >> 8), (unsigned char)ws.ws_col};
	struct cubo_error *err = attach_send(sock, ATTACH_RESIZE, b, sizeof(b));
	cubo_error_free(err);
}

bool attach_signal_proxied(int sig)
{
	switch (sig) {
	case SIGKILL:
	case SIGSTOP: /* cannot be caught */
	case SIGCHLD:
	case SIGPIPE:
	case SIGURG:
	case SIGWINCH:
	case SIGTTIN:
	case SIGTTOU: /* about this process and its terminal, not meant for the container */
	case SIGSEGV:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGTRAP:
	case SIGSYS:
	case SIGABRT: /* this process's own faults: blocking them would hide a crash */
		return false;
	default:
		/* 32 and 33 are the C library's own */
		return (sig > 0 && sig < 32) || (sig >= SIGRTMIN && sig <= SIGRTMAX);
	}
}

/* What the terminal and the proxy need: SIGWINCH, and the proxied signals. */
static bool client_signals(const struct attach_client *o, sigset_t *mask)
{
	sigemptyset(mask);
	bool any = false;
	if (o->tty) {
		sigaddset(mask, SIGWINCH);
		any = true;
	}
	for (int sig = 1; o->sig_proxy && sig <= SIGRTMAX; sig++)
		if (attach_signal_proxied(sig)) {
			sigaddset(mask, sig);
			any = true;
		}
	return any;
}

static void on_signals(int sfd, int sock, const struct attach_client *o)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;
		if (sig == SIGWINCH && o->tty) {
			send_size(sock);
		} else if (o->sig_proxy && attach_signal_proxied(sig)) {
			uint8_t b = (uint8_t)sig;
			cubo_error_free(attach_send(sock, ATTACH_SIGNAL, &b, 1));
		}
	}
}

struct cubo_error *attach_client_run(int sock, const struct attach_client *o, int *exit_code)
{
	*exit_code = -1;
	struct termios saved;
	bool tty = o->tty;
	bool raw = tty && o->forward_stdin && isatty(STDIN_FILENO) &&
		   tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		t.c_oflag |= OPOST | ONLCR; /* keep our own output readable */
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	sigset_t mask, old;
	int sfd = -1;
	bool blocked = client_signals(o, &mask);
	if (blocked) {
		sigprocmask(SIG_BLOCK, &mask, &old);
		sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	}
	if (tty && isatty(STDIN_FILENO))
		send_size(sock);
	char *buf = xmalloc(ATTACH_MAX_FRAME);
	char scan[65536 + ATTACH_DETACH_KEYS_MAX];
	struct detach_keys keys;
	if (o->keys)
		keys = *o->keys;
	else
		cubo_error_free(attach_detach_keys_parse(NULL, &keys));
	keys.held = 0;
	struct cubo_error *err = NULL;
	bool in_open = o->forward_stdin;
	while (!err) {
		struct pollfd p[3] = {{sock, POLLIN, 0},
				      {in_open ? STDIN_FILENO : -1, POLLIN, 0},
				      {sfd, POLLIN, 0}};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = cubo_error_errno("attach: poll");
			break;
		}
		if (p[2].revents & POLLIN)
			on_signals(sfd, sock, o);
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(STDIN_FILENO, buf, 65536);
			if (r < 0 && errno == EINTR)
				continue;
			bool detach = false;
			if (r > 0 && tty) {
				size_t n;
				detach = attach_detach_scan(&keys, buf, (size_t)r, scan, &n);
				memcpy(buf, scan, n);
				r = (ssize_t)n;
				if (r == 0 && !detach)
					continue; /* only a held-back ctrl-p */
			}
			if (detach) {
				if (r > 0)
					cubo_error_free(
						attach_send(sock, ATTACH_STDIN, buf, (uint32_t)r));
				*exit_code = ATTACH_DETACHED;
				break;
			}
			if (r <= 0) {
				in_open = false;
				err = attach_send(sock, ATTACH_STDIN_EOF, NULL, 0);
				if (err && (err->errnum == EPIPE || err->errnum == ECONNRESET)) {
					cubo_error_free(err);
					err = NULL;
				}
			} else if ((err = attach_send(sock, ATTACH_STDIN, buf, (uint32_t)r))) {
				if (err->errnum == EPIPE || err->errnum == ECONNRESET) {
					cubo_error_free(err);
					err = NULL;
					in_open = false;
				}
			}
			continue;
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		uint8_t type;
		uint32_t len;
		bool eof;
		if ((err = attach_recv(sock, &type, buf, ATTACH_MAX_FRAME, &len, &eof)))
			break;
		if (eof)
			break;
		if (type == ATTACH_STDOUT || type == ATTACH_STDERR) {
			err = write_full(type == ATTACH_STDOUT ? STDOUT_FILENO : STDERR_FILENO, buf,
					 len);
			/*
			 * `cubo run IMAGE yes | head` with SIGPIPE ignored: end as the
			 * signal would have ended us; the container runs on, its monitor
			 * keeps the output in the log.
			 */
			if (err && err->errnum == EPIPE) {
				cubo_error_free(err);
				err = NULL;
				*exit_code = 128 + SIGPIPE;
				break;
			}
		} else if (type == ATTACH_EXIT && len == 4) {
			unsigned char *b = (unsigned char *)buf;
			*exit_code = (int)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
					   (uint32_t)b[2] << 8 | b[3]);
			break;
		}
	}
	free(buf);
	if (sfd >= 0) {
		/* what came as the container ended has nobody to go to: not on us either */
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		close(sfd);
	}
	if (blocked)
		sigprocmask(SIG_SETMASK, &old, NULL);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return err;
}

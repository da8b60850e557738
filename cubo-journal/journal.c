/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-journal: the journald log driver's side that needs libsystemd, a
 * helper of cubo-mgr (installed in its libexec directory). cubo-mgr itself
 * is linked statically and libsystemd has no static library, so the monitor
 * and `logs` run this program:
 *
 *   cubo-journal write ID NAME TAG   frames on stdin -> journal entries
 *   cubo-journal read ID [-n N] [-f] journal entries -> CRI records on stdout
 *
 * write: stdin carries frames, a byte for the stream (1 stdout, 2 stderr),
 * four for the length (big-endian) and the output. Each line becomes an
 * entry (sd_journal_sendv) with docker's fields: MESSAGE, CONTAINER_ID (12
 * hex), CONTAINER_ID_FULL, CONTAINER_NAME, CONTAINER_TAG and
 * SYSLOG_IDENTIFIER, PRIORITY 6 (stdout) or 3 (stderr); a piece without its
 * newline (at a chunk's end) has CONTAINER_PARTIAL_MESSAGE=true.
 *
 * read: the entries whose CONTAINER_ID_FULL is ID, oldest first (the last
 * N with -n), printed as logfile.h's k8s-file records so that `logs` prints
 * them as it prints a file. -f keeps printing new entries until stdin is
 * closed, then prints what is left and exits.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "shared/timeutil.h"
#include "shared/xalloc.h"

#define MAX_FRAME (1u << 20)
/* how long a follower waits for the journal before it looks at stdin again */
#define WAIT_USEC 250000

static int usage(void)
{
	fputs("usage: cubo-journal write ID NAME TAG | cubo-journal read ID [-n N] [-f]\n", stderr);
	return 2;
}

static bool read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

static char *field(const char *key, const char *value)
{
	return xasprintf("%s=%s", key, value);
}

static int send_line(char *const fixed[5], int stream, const char *text, size_t len, bool partial)
{
	char *msg = xmalloc(len + 8);
	memcpy(msg, "MESSAGE=", 8);
	memcpy(msg + 8, text, len);
	struct iovec iov[9];
	int n = 0;
	iov[n++] = (struct iovec){msg, len + 8};
	for (int i = 0; i < 5; i++)
		iov[n++] = (struct iovec){fixed[i], strlen(fixed[i])};
	iov[n++] = (struct iovec){stream == 2 ? "PRIORITY=3" : "PRIORITY=6", 10};
	if (partial)
		iov[n++] = (struct iovec){"CONTAINER_PARTIAL_MESSAGE=true", 30};
	int r = sd_journal_sendv(iov, n);
	free(msg);
	return r;
}

static int do_write(const char *id, const char *name, const char *tag)
{
	char short_id[13];
	snprintf(short_id, sizeof(short_id), "%.12s", id);
	char *fixed[5] = {field("CONTAINER_ID", short_id), field("CONTAINER_ID_FULL", id),
			  field("CONTAINER_NAME", name), field("CONTAINER_TAG", tag),
			  field("SYSLOG_IDENTIFIER", tag)};
	char *buf = xmalloc(MAX_FRAME);
	int rc = 0;
	for (;;) {
		unsigned char hdr[5];
		if (!read_full(STDIN_FILENO, hdr, sizeof(hdr)))
			break;
		uint32_t len = (uint32_t)hdr[1] << 24 | (uint32_t)hdr[2] << 16 |
			       (uint32_t)hdr[3] << 8 | hdr[4];
		if (len > MAX_FRAME || !read_full(STDIN_FILENO, buf, len)) {
			fputs("cubo-journal: a torn frame\n", stderr);
			rc = 1;
			break;
		}
		for (size_t off = 0; off < len;) {
			const char *nl = memchr(buf + off, '\n', len - off);
			size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
			int r = send_line(fixed, hdr[0], buf + off, n, !nl);
			if (r < 0) /* journald away for a moment: the container goes on */
				fprintf(stderr, "cubo-journal: send: %s\n", strerror(-r));
			off += n + (nl ? 1 : 0);
		}
	}
	free(buf);
	for (int i = 0; i < 5; i++)
		free(fixed[i]);
	return rc;
}

static bool write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* The current entry as CRI records: one per line of its MESSAGE. */
static bool print_entry(sd_journal *j)
{
	const void *data;
	size_t len;
	/* a field's data stays valid until the next get_data: MESSAGE last */
	const char *stream = "stdout";
	if (sd_journal_get_data(j, "PRIORITY", &data, &len) >= 0 && len == 10 &&
	    !memcmp(data, "PRIORITY=3", 10))
		stream = "stderr";
	bool partial = sd_journal_get_data(j, "CONTAINER_PARTIAL_MESSAGE", &data, &len) >= 0;
	if (sd_journal_get_data(j, "MESSAGE", &data, &len) < 0 || len < 8)
		return true;
	const char *msg = (const char *)data + 8;
	len -= 8;
	uint64_t usec = 0;
	sd_journal_get_realtime_usec(j, &usec);
	struct timespec ts = {(time_t)(usec / 1000000), (long)(usec % 1000000) * 1000};
	char t[CUBO_RFC3339_LEN];
	cubo_time_rfc3339(&ts, t);
	for (size_t off = 0; off <= len;) {
		const char *nl = memchr(msg + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (msg + off)) : len - off;
		char head[CUBO_RFC3339_LEN + 16];
		int hn = snprintf(head, sizeof(head), "%s %s %c ", t, stream,
				  !nl && partial ? 'P' : 'F');
		if (!write_all(head, (size_t)hn) || !write_all(msg + off, n) || !write_all("\n", 1))
			return false;
		if (!nl)
			break;
		off += n + 1;
	}
	return true;
}

static bool stdin_closed(void)
{
	struct pollfd p = {STDIN_FILENO, POLLIN, 0};
	if (poll(&p, 1, 0) <= 0)
		return false;
	char c;
	return (p.revents & (POLLHUP | POLLERR)) || read(STDIN_FILENO, &c, 1) <= 0;
}

static int do_read(const char *id, long tail, bool follow)
{
	sd_journal *j;
	int r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
	if (r < 0) {
		fprintf(stderr, "cubo-journal: open the journal: %s\n", strerror(-r));
		return 1;
	}
	char *match = field("CONTAINER_ID_FULL", id);
	r = sd_journal_add_match(j, match, 0);
	free(match);
	if (r >= 0 && tail >= 0) {
		r = sd_journal_seek_tail(j);
		/* to the entry before the last `tail`: the next one read is the first shown */
		if (r >= 0 && tail > 0) {
			r = sd_journal_previous_skip(j, (uint64_t)tail + 1);
			if (r >= 0 && r < tail + 1) /* fewer entries than that: all of them */
				r = sd_journal_seek_head(j);
		}
	} else if (r >= 0) {
		r = sd_journal_seek_head(j);
	}
	if (r < 0) {
		fprintf(stderr, "cubo-journal: seek the journal: %s\n", strerror(-r));
		sd_journal_close(j);
		return 1;
	}
	int rc = 0;
	bool closing = false;
	for (;;) {
		r = sd_journal_next(j);
		if (r < 0) {
			fprintf(stderr, "cubo-journal: read the journal: %s\n", strerror(-r));
			rc = 1;
			break;
		}
		if (r > 0) {
			if (!print_entry(j))
				break; /* the reader went away */
			continue;
		}
		if (!follow || closing)
			break;
		sd_journal_wait(j, WAIT_USEC);
		/* told to stop: what is in the journal now is printed, then the end */
		closing = stdin_closed();
	}
	sd_journal_close(j);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "write"))
		return do_write(argv[2], argv[3], argv[4]);
	if (argc < 3 || strcmp(argv[1], "read"))
		return usage();
	long tail = -1;
	bool follow = false;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "-f"))
			follow = true;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			tail = strtol(argv[++i], NULL, 10);
		else
			return usage();
	}
	return do_read(argv[2], tail, follow);
}

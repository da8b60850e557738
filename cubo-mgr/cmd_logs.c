/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr logs: a container's recorded output, or followed as it grows. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/attach.h"
#include "cubo-mgr/container/logfile.h"
#include "cubo-mgr/ctr_view.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

#define READ_CHUNK (1u << 20)
/* how often logs -f looks whether the monitor still lives, when the log is quiet */
#define FOLLOW_RECHECK_MS 1000

/* Print what the log holds from offset on, keeping a torn last record for later. */
struct follower {
	int fd;
	off_t pos;
	char *buf;
	size_t len; /* bytes of a torn record carried over */
	struct log_printer pr;
};

static struct cubo_error *drain(struct follower *f)
{
	for (;;) {
		ssize_t r = pread(f->fd, f->buf + f->len, READ_CHUNK - f->len, f->pos);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cubo_error_errno("read the container log");
		}
		if (r == 0)
			return NULL;
		f->pos += r;
		f->len += (size_t)r;
		size_t used;
		CUBO_TRY(log_printer_feed(&f->pr, f->buf, f->len, &used));
		if (used == 0 && f->len == READ_CHUNK)
			used = f->len; /* one record larger than the buffer: not ours to print */
		memmove(f->buf, f->buf + used, f->len - used);
		f->len -= used;
	}
}

/* Where printing starts: the whole log, or its last `tail` lines. */
static struct cubo_error *start_offset(int fd, long tail, off_t *pos)
{
	*pos = 0;
	if (tail < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cubo_error_errno("stat the container log");
	if (st.st_size == 0)
		return NULL;
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return cubo_error_errno("map the container log");
	*pos = (off_t)log_tail_offset(map, (size_t)st.st_size, tail);
	munmap(map, (size_t)st.st_size);
	return NULL;
}

static bool still_running(struct ctr_ctx *c, const char *id)
{
	struct ctr_record r;
	if (ctr_find(c, id, &r))
		return false;
	bool running = r.monitor_pid != 0;
	ctr_record_free(&r);
	return running;
}

static struct cubo_error *follow(struct ctr_ctx *c, const char *id, const char *dir,
				 struct follower *f)
{
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0)
		return cubo_error_errno("inotify");
	/* the log grows; the record is replaced (renamed over) when the container stops */
	char *log = cubo_path_join(dir, "ctr.log");
	inotify_add_watch(in, log, IN_MODIFY);
	inotify_add_watch(in, dir, IN_MOVED_TO | IN_DELETE_SELF);
	free(log);
	struct cubo_error *err = NULL;
	while (!err) {
		err = drain(f);
		if (err || !still_running(c, id))
			break;
		struct pollfd p = {in, POLLIN, 0};
		/* the timeout notices a monitor killed without a word */
		if (poll(&p, 1, FOLLOW_RECHECK_MS) > 0) {
			char ev[4096];
			while (read(in, ev, sizeof(ev)) > 0)
				;
		}
	}
	if (!err)
		err = drain(f); /* what came between the last read and the stop */
	close(in);
	return err;
}

static bool parse_tail(const char *s, long *out)
{
	if (!s || !strcmp(s, "all")) {
		*out = -1;
		return true;
	}
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < -1)
		return false;
	*out = v;
	return true;
}

int cmd_logs(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool follow_flag = false, timestamps = false;
	const char *tail_s = NULL;
	const struct cli_opt opts[] = {
		{"follow", 'f', CLI_BOOL, &follow_flag, NULL,
		 "keep printing until the container stops"},
		{"tail", 'n', CLI_STRING, &tail_s, "N",
		 "print only the last N lines (default all)"},
		{"timestamps", 't', CLI_BOOL, &timestamps, NULL, "prefix each line with its time"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "logs",
		.usage = "logs [OPTIONS] CONTAINER",
		MGR_ARGS(1, 1, "expected one container"),
		.description = "Print a container's output: its stdout to stdout, its stderr to "
			       "stderr.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	long tail;
	if (!parse_tail(tail_s, &tail))
		return mgr_usage_error(m, "logs",
				       cubo_error_new("--tail: expected a number or all"));
	struct ctr_ctx c;
	struct ctr_record r = {0};
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err)
		err = ctr_find(&c, args.v[0], &r);
	char *dir = NULL, *path = NULL;
	struct follower f = {.fd = -1};
	if (!err) {
		dir = ctr_store_dir(&c.store, r.id);
		path = cubo_path_join(dir, "ctr.log");
		f.fd = open(path, O_RDONLY | O_CLOEXEC);
		if (f.fd < 0 && errno != ENOENT)
			err = cubo_error_errno("open %s", path);
	}
	if (!err && f.fd < 0 && follow_flag && r.monitor_pid) {
		/* started a moment ago: the monitor makes the log first thing */
		f.fd = open(path, O_RDONLY | O_CLOEXEC | O_CREAT, 0600);
	}
	if (!err && f.fd >= 0) {
		struct log_print_opts po = {.timestamps = timestamps,
					    .tail = tail,
					    .out_fd = STDOUT_FILENO,
					    .err_fd = STDERR_FILENO};
		log_printer_init(&f.pr, &po);
		f.buf = xmalloc(READ_CHUNK);
		err = start_offset(f.fd, tail, &f.pos);
		if (!err)
			err = follow_flag ? follow(&c, r.id, dir, &f) : drain(&f);
	}
	if (err && err->errnum == EPIPE) { /* `logs x | head` */
		cubo_error_free(err);
		err = NULL;
	}
	if (f.fd >= 0)
		close(f.fd);
	free(f.buf);
	free(path);
	free(dir);
	ctr_record_free(&r);
	ctr_ctx_close(&c);
	return err ? mgr_fail(m, err) : 0;
}

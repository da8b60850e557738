/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr logs: a container's recorded output, or followed as it grows.
 * The file drivers' rotated files are read oldest first, then the current
 * one; -f follows the current file and, when the monitor rotates it, the
 * files that came after it, so no line is lost or printed twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/libexec.h"
#include "cubo-mgr/container/logconf.h"
#include "cubo-mgr/container/logfile.h"
#include "cubo-mgr/container/logset.h"
#include "cubo-mgr/ctr_view.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

extern char **environ;

#define READ_CHUNK (1u << 20)
/* how often logs -f looks whether the monitor still lives, when the log is quiet */
#define FOLLOW_RECHECK_MS 1000

/* Print what a log file holds from pos on, keeping a torn last record for later. */
struct follower {
	int fd;
	dev_t dev;
	ino_t ino;
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

/* Make the follower read file (taking its fd) from pos. */
static void switch_to(struct follower *f, struct log_file *file, off_t pos)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = file->fd;
	f->dev = file->dev;
	f->ino = file->ino;
	file->fd = -1;
	f->pos = pos;
	f->len = 0; /* files hold whole records: what is left of the last one is torn */
}

/* Print files v[from..n-1] whole; the follower is left on the last. */
static struct cubo_error *read_from(struct follower *f, struct log_file *v, size_t n, size_t from,
				    off_t pos)
{
	for (size_t i = from; i < n; i++) {
		switch_to(f, &v[i], i == from ? pos : 0);
		CUBO_TRY(drain(f));
	}
	return NULL;
}

/*
 * Where printing starts for --tail: the last lines of the newest files. *file
 * and *pos: the file to start in (an index of v) and where in it.
 */
static struct cubo_error *tail_start(const struct log_file *v, size_t n, enum log_format fmt,
				     long tail, size_t *file, off_t *pos)
{
	*file = 0;
	*pos = 0;
	if (tail < 0 || n == 0)
		return NULL;
	struct log_parser ps;
	log_parser_init(&ps, fmt);
	struct cubo_error *err = NULL;
	for (size_t i = n; i-- > 0;) {
		struct stat st;
		if (fstat(v[i].fd, &st) < 0) {
			err = cubo_error_errno("stat the container log");
			break;
		}
		long found = 0;
		size_t off = 0;
		if (st.st_size > 0) {
			void *map =
				mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, v[i].fd, 0);
			if (map == MAP_FAILED) {
				err = cubo_error_errno("map the container log");
				break;
			}
			off = log_tail_offset(&ps, map, (size_t)st.st_size, tail, &found);
			munmap(map, (size_t)st.st_size);
		}
		*file = i;
		*pos = (off_t)off;
		if (found >= tail)
			break;
		tail -= found;
	}
	log_parser_free(&ps);
	return err;
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

/*
 * The monitor renamed the file we follow: it wrote its last record before,
 * so it is read to its end, then every file that came after it.
 */
static struct cubo_error *catch_up(struct follower *f, const char *path, bool *rotated)
{
	struct stat st;
	*rotated = false;
	if (stat(path, &st) < 0 || (st.st_dev == f->dev && st.st_ino == f->ino))
		return NULL;
	*rotated = true;
	CUBO_TRY(drain(f));
	struct log_file *v;
	size_t n;
	CUBO_TRY(log_set_open(path, &v, &n));
	size_t at = log_set_find(v, n, f->dev, f->ino);
	/* dropped already (max-file reached while we were away): from the oldest left */
	size_t from = at < n ? at + 1 : 0;
	struct cubo_error *err = from < n ? read_from(f, v, n, from, 0) : NULL;
	log_set_close(v, n);
	return err;
}

static struct cubo_error *follow(struct ctr_ctx *c, const char *id, const char *dir,
				 struct follower *f)
{
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0)
		return cubo_error_errno("inotify");
	/* the log grows, rotates (a file renamed over it); the record is renamed over at exit */
	char *log = cubo_path_join(dir, LOG_FILE_NAME);
	inotify_add_watch(in, log, IN_MODIFY);
	inotify_add_watch(in, dir, IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF);
	struct cubo_error *err = NULL;
	bool rotated = false;
	while (!err) {
		err = drain(f);
		if (!err)
			err = catch_up(f, log, &rotated);
		if (err)
			break;
		if (rotated) {
			inotify_add_watch(in, log, IN_MODIFY);
			continue;
		}
		if (!still_running(c, id))
			break;
		struct pollfd p = {in, POLLIN, 0};
		/* the timeout notices a monitor killed without a word */
		if (poll(&p, 1, FOLLOW_RECHECK_MS) > 0) {
			char ev[4096];
			while (read(in, ev, sizeof(ev)) > 0)
				;
		}
	}
	/* what came between the last read and the stop */
	if (!err)
		err = drain(f);
	if (!err)
		err = catch_up(f, log, &rotated);
	free(log);
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

static struct cubo_error *parse_times(const char *since, const char *until,
				      struct log_print_opts *po)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	if (since && !log_time_arg(since, now_ns, &po->since))
		return cubo_error_new("--since \"%s\": expected a time (RFC 3339, unix seconds) or "
				      "a duration (10m, 1h30m)",
				      since);
	if (until && !log_time_arg(until, now_ns, &po->until))
		return cubo_error_new("--until \"%s\": expected a time (RFC 3339, unix seconds) or "
				      "a duration (10m, 1h30m)",
				      until);
	return NULL;
}

/* The file drivers: the rotated files, then the current one (followed with -f). */
static struct cubo_error *print_files(struct ctr_ctx *c, const struct ctr_record *r,
				      const struct log_print_opts *po, bool follow_flag)
{
	char *dir = ctr_store_dir(&c->store, r->id);
	char *path = cubo_path_join(dir, LOG_FILE_NAME);
	struct follower f = {.fd = -1};
	log_printer_init(&f.pr, po);
	struct log_file *v = NULL;
	size_t n = 0;
	struct cubo_error *err = log_set_open(path, &v, &n);
	if (!err && n == 0 && follow_flag && r->monitor_pid) {
		/* started a moment ago: the monitor makes the log first thing */
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_CREAT, 0600);
		if (fd >= 0)
			close(fd);
		log_set_close(v, n);
		err = log_set_open(path, &v, &n);
	}
	if (!err && n > 0) {
		size_t first;
		off_t pos;
		f.buf = xmalloc(READ_CHUNK);
		err = tail_start(v, n, po->fmt, po->tail, &first, &pos);
		if (!err)
			err = read_from(&f, v, n, first, pos);
		if (!err && follow_flag)
			err = follow(c, r->id, dir, &f);
	}
	log_set_close(v, n);
	if (f.fd >= 0)
		close(f.fd);
	free(f.buf);
	log_printer_free(&f.pr);
	free(path);
	free(dir);
	return err;
}

/*
 * journald: cubo-journal reads the container's entries (CONTAINER_ID_FULL)
 * and prints them as k8s-file records, printed here as a file's are. With
 * -f it follows the journal until its stdin closes: when the container
 * stopped, then it prints what is left and ends.
 */
static struct cubo_error *print_journal(struct ctr_ctx *c, const struct ctr_record *r,
					const struct log_print_opts *po, bool follow_flag)
{
	char *helper = libexec_find("cubo-journal");
	if (!helper)
		return cubo_error_new("log driver journald: the cubo-journal helper is not "
				      "installed");
	int out[2], in[2];
	if (pipe2(out, O_CLOEXEC) < 0) {
		free(helper);
		return cubo_error_errno("pipe");
	}
	if (pipe2(in, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		free(helper);
		return cubo_error_errno("pipe");
	}
	char tail[24];
	snprintf(tail, sizeof(tail), "%ld", po->tail);
	char *argv[8] = {helper, "read", (char *)r->id};
	size_t n = 3;
	if (po->tail >= 0) {
		argv[n++] = "-n";
		argv[n++] = tail;
	}
	if (follow_flag)
		argv[n++] = "-f";
	argv[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	pid_t pid;
	int rc = posix_spawn(&pid, helper, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	free(helper);
	if (rc != 0) {
		close(in[1]);
		close(out[0]);
		errno = rc;
		return cubo_error_errno("run cubo-journal");
	}
	struct log_printer pr;
	log_printer_init(&pr, po);
	char *buf = xmalloc(READ_CHUNK);
	size_t len = 0;
	struct cubo_error *err = NULL;
	for (;;) {
		struct pollfd p = {out[0], POLLIN, 0};
		int pr_rc = poll(&p, 1, FOLLOW_RECHECK_MS);
		if (pr_rc < 0 && errno == EINTR)
			continue;
		if (pr_rc < 0) {
			err = cubo_error_errno("poll");
			break;
		}
		if (pr_rc == 0) {
			/* the container stopped: the helper prints the rest, then ends */
			if (in[1] >= 0 && !still_running(c, r->id)) {
				close(in[1]);
				in[1] = -1;
			}
			continue;
		}
		ssize_t got = read(out[0], buf + len, READ_CHUNK - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = cubo_error_errno("read from cubo-journal");
			break;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		size_t used;
		if ((err = log_printer_feed(&pr, buf, len, &used)))
			break;
		if (used == 0 && len == READ_CHUNK)
			used = len;
		memmove(buf, buf + used, len - used);
		len -= used;
	}
	if (in[1] >= 0)
		close(in[1]);
	close(out[0]);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!err && (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0))
		err = cubo_error_new("cubo-journal could not read the journal");
	free(buf);
	log_printer_free(&pr);
	return err;
}

int cmd_logs(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool follow_flag = false, timestamps = false;
	const char *tail_s = NULL, *since = NULL, *until = NULL;
	const struct cli_opt opts[] = {
		{"follow", 'f', CLI_BOOL, &follow_flag, NULL,
		 "keep printing until the container stops"},
		{"since", 0, CLI_STRING, &since, "TIME",
		 "only lines from then on (RFC 3339, unix seconds, or 10m for 10 minutes ago)"},
		{"until", 0, CLI_STRING, &until, "TIME",
		 "only lines up to then (RFC 3339, unix seconds, or 10m for 10 minutes ago)"},
		{"tail", 'n', CLI_STRING, &tail_s, "N",
		 "print only the last N lines (default all)"},
		{"timestamps", 't', CLI_BOOL, &timestamps, NULL, "prefix each line with its time"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "logs",
		.usage = "logs [OPTIONS] CONTAINER",
		MGR_ARGS(1, 1, "expected one container"),
		.description = "Print a container's output: its stdout to stdout, its stderr to "
			       "stderr.\nThe k8s-file, json-file and journald log drivers can be "
			       "read; rotated\nfiles are read oldest first.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct log_print_opts po = {
		.timestamps = timestamps, .out_fd = STDOUT_FILENO, .err_fd = STDERR_FILENO};
	if (!parse_tail(tail_s, &po.tail))
		return mgr_usage_error(m, "logs",
				       cubo_error_new("--tail: expected a number or all"));
	struct cubo_error *err = parse_times(since, until, &po);
	if (err)
		return mgr_usage_error(m, "logs", err);
	struct ctr_ctx c;
	struct ctr_record r = {0};
	struct log_config lc = {0};
	err = ctr_ctx_open(m, &c);
	if (!err)
		err = ctr_find(&c, args.v[0], &r);
	if (!err)
		err = log_config_parse(r.log_driver, r.log_opts, &lc);
	if (!err && lc.driver == LOG_DRIVER_NONE)
		err = cubo_error_new("configured logging driver does not support reading");
	if (!err && lc.driver == LOG_DRIVER_JOURNALD) {
		po.fmt = LOG_FORMAT_K8S;
		err = print_journal(&c, &r, &po, follow_flag);
	} else if (!err) {
		po.fmt = lc.driver == LOG_DRIVER_JSON_FILE ? LOG_FORMAT_JSON : LOG_FORMAT_K8S;
		err = print_files(&c, &r, &po, follow_flag);
	}
	if (err && err->errnum == EPIPE) { /* `logs x | head` */
		cubo_error_free(err);
		err = NULL;
	}
	log_config_free(&lc);
	ctr_record_free(&r);
	ctr_ctx_close(&c);
	return err ? mgr_fail(m, err) : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run by the monitor process itself (forked by monitor_start.c): the
 * container's parent for its whole life. It brings the container up, tells
 * the starting command how that went over the sync pipe, then serves the
 * container's stdio, log and attach clients until it exits, and records the
 * exit. See monitor.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/container/attach.h"
#include "cubo-mgr/container/bundle.h"
#include "cubo-mgr/container/checkpoint.h"
#include "cubo-mgr/container/health_sched.h"
#include "cubo-mgr/container/libexec.h"
#include "cubo-mgr/container/logconf.h"
#include "cubo-mgr/container/logfile.h"
#include "cubo-mgr/container/monitor.h"
#include "cubo-mgr/container/monitor_priv.h"
#include "cubo-mgr/container/ns_join.h"
#include "cubo-mgr/container/passwd.h"
#include "cubo-mgr/container/restart.h"
#include "cubo-mgr/container/rootfs.h"
#include "cubo-mgr/container/stats_read.h"
#include "cubo-mgr/container/volume.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/net/ctr_net.h"
#include "cubo-mgr/userns/userns.h"
#include "shared/fdpass.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/path_in_root.h"
#include "shared/procstat.h"
#include "shared/strv.h"
#include "shared/timeutil.h"
#include "shared/testpoint.h"
#include "shared/xalloc.h"

extern char **environ;

#define MAX_CLIENTS 32
#define CHUNK 65536
/*
 * Once the container exited, how long its output pipes may stay open: a
 * process that escaped the pid namespace could hold them forever.
 */
#define ESCAPED_OUTPUT_MS 2000

struct client {
	int fd;
	uint8_t flags;
};

struct mon {
	const struct monitor_start *ms;
	struct ctr_runtime rt;
	char *dir;
	int sync_fd; /* to the starting command; -1 once it is told */
	int sig_fd;
	int listen_fd; /* attach.sock */
	int stdin_fd;  /* our end of the container's stdin (pipe or pty master); -1 */
	int out_fd[3]; /* [LOG_STDOUT], [LOG_STDERR]: our read ends; pty: out_fd[1] */
	bool tty;
	bool owner; /* set_monitor made us the container's monitor */
	pid_t pid;
	int exit_code;
	bool exited;
	struct log_writer log;
	int journal_fd;	   /* journald: frames to cubo-journal write (cubo-journal/journal.c); -1 */
	pid_t journal_pid; /* that helper, or -1 */
	struct ctr_net net; /* its networks' ports, held while it runs */
	pid_t net_pid;	    /* the process attaching its networks (CNI ADD), or -1 */
	int net_fd;	    /* its error message comes here */
	struct client clients[MAX_CLIENTS];
	size_t n_clients;
	char *buf;
	int host_mnt_fd;    /* the mount namespace it started in: a restart starts from there */
	int64_t started_ms; /* when the container started (monotonic) */
	bool restart;	    /* its policy restarts it: set with the exit on record */
	bool held;	    /* the user stopped it while it was being started */
	struct health_sched health; /* its health checks while it runs */
	char *oom_file; /* what counts its memory cgroup's OOM kills (stats_read.h); NULL */
};

typedef struct cubo_error *(*record_fn)(struct ctr_record *r, void *ctx);

/*
 * Read, change and write the record under the container's lock; with held,
 * the lock is kept in *held (-1 after an error) for the caller to release.
 */
static struct cubo_error *update_record_held(struct mon *m, record_fn fn, void *ctx, int *held)
{
	int lock;
	CUBO_TRY(ctr_store_lock(m->ms->store, m->ms->id, &lock));
	struct ctr_record r;
	struct cubo_error *err = ctr_record_load(m->dir, &r);
	if (!err) {
		err = fn(&r, ctx);
		if (!err)
			err = ctr_record_save(m->dir, &r);
		ctr_record_free(&r);
	}
	if (held && !err)
		*held = lock;
	else
		cubo_unlock(lock);
	return err;
}

static struct cubo_error *update_record(struct mon *m, record_fn fn, void *ctx)
{
	return update_record_held(m, fn, ctx, NULL);
}

/* What the starting command is told: "S pid", "C" (created, attach now), "E code message". */
static void report(struct mon *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct mon *m, const char *fmt, ...)
{
	if (m->sync_fd < 0)
		return;
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n++] = '\n';
	(void)!write(m->sync_fd, line, (size_t)n);
}

/*
 * docker's exit codes for a command that cannot run, from the runtime's
 * words in any case (runc's and ours are lower case, strerror's are not).
 */
static int failure_code(const char *msg)
{
	if (strcasestr(msg, "not found") || strcasestr(msg, "no such file"))
		return strstr(msg, "executable") || strstr(msg, "exec") ? 127 : 125;
	if (strcasestr(msg, "permission denied") && strstr(msg, "exec"))
		return 126;
	return 125;
}

static struct cubo_error *set_error(struct ctr_record *r, void *ctx)
{
	if (r->monitor_pid != getpid()) /* another monitor's start: not ours to record */
		return NULL;
	free(r->error);
	r->error = xstrdup(ctx);
	r->restarting = false;
	r->monitor_pid = 0;
	r->pid = 0;
	cubo_strv_free(r->published);
	r->published = NULL;
	if (r->status != CTR_CREATED) {
		r->status = CTR_EXITED;
		r->exit_code = failure_code(ctx);
		cubo_time_now_rfc3339(r->finished);
	}
	return NULL;
}

static struct cubo_error *set_monitor(struct ctr_record *r, void *ctx)
{
	(void)ctx;
	/* two starts at once: the first to get here owns the container */
	if (r->monitor_pid && monitor_alive(r->monitor_pid, r->monitor_start_time))
		return cubo_error_new("container %s is already running or starting", r->name);
	/* the user's start: the policy applies again, counted afresh */
	r->stopped_by_user = false;
	r->restart_count = 0;
	r->restarting = false;
	r->monitor_pid = getpid();
	r->monitor_start_time = cubo_proc_start_time(getpid());
	free(r->error);
	r->error = NULL;
	return NULL;
}

static struct cubo_error *set_running(struct ctr_record *r, void *ctx)
{
	struct mon *m = ctx;
	r->status = CTR_RUNNING;
	r->restarting = false;
	m->held = r->stopped_by_user;
	r->pid = m->pid;
	r->exit_code = 0;
	r->finished[0] = '\0';
	cubo_time_now_rfc3339(r->started);
	cubo_strv_free(r->published);
	r->published = cubo_strv_dup(m->net.published);
	return NULL;
}

static struct cubo_error *set_exited(struct ctr_record *r, void *ctx)
{
	struct mon *m = ctx;
	r->status = CTR_EXITED;
	r->exit_code = m->exit_code;
	r->pid = 0;
	cubo_strv_free(r->published);
	r->published = NULL;
	cubo_time_now_rfc3339(r->finished);
	struct restart_policy p = restart_policy_of(r);
	/* decided with the exit on record, so a stop after this point cancels the wait */
	m->restart = !r->auto_remove && r->monitor_pid == getpid() &&
		     restart_wanted(&p, m->exit_code, r->restart_count, r->stopped_by_user);
	if (m->restart) {
		/* docker counts the restart when it decides it; the monitor stays on record */
		r->restarting = true;
		r->restart_count++;
		return NULL;
	}
	r->monitor_pid = 0;
	r->monitor_start_time = 0;
	return NULL;
}

static struct cubo_error *listen_at(const char *name, int *out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", name);
	unlink(name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return cubo_error_errno("socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		struct cubo_error *err = cubo_error_errno("listen on %s", name);
		close(fd);
		return err;
	}
	*out = fd;
	return NULL;
}

/*
 * Accept one connection within ms. peer, when not -1, is the sync pipe to
 * the starting command: once that command is gone (killed half way through
 * `run`), nobody will connect, and the bring-up fails at once instead of
 * holding a created container for the whole wait.
 */
static struct cubo_error *accept_within(int lfd, int peer, int ms, int *out)
{
	struct pollfd p[2] = {{lfd, POLLIN, 0}, {peer, 0, 0}};
	int r;
	do
		r = poll(p, peer >= 0 ? 2 : 1, ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return r == 0 ? cubo_error_new("nobody connected within %d s", ms / 1000)
			      : cubo_error_errno("poll");
	if (!(p[0].revents & POLLIN))
		return cubo_error_new("the starting command went away");
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("accept");
	*out = fd;
	return NULL;
}

/* The user is looked up in the container's own files, now that they are mounted. */
/*
 * A volume mounted for the first time gets what the image has at its
 * mount point, as docker does: an empty volume on /var/lib/db would
 * otherwise hide the image's files there. A ".filled" mark beside the
 * volume's data says it was done (or that the volume was not empty).
 */
static struct cubo_error *fill_new_volumes(const struct oci_config *cfg, const char *volumes_dir)
{
	size_t prefix = strlen(volumes_dir);
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct oci_mount *mt = &cfg->mounts[i];
		if (!mt->source || strncmp(mt->source, volumes_dir, prefix) ||
		    mt->source[prefix] != '/')
			continue;
		char *vol = xstrdup(mt->source);
		char *slash = strrchr(vol, '/'); /* <volumes>/<name>/_data */
		if (slash)
			*slash = '\0';
		char *mark = cubo_path_join(vol, VOLUME_FILLED_MARK);
		free(vol);
		struct cubo_error *err = NULL;
		if (!cubo_path_exists(mark)) {
			int root = open("rootfs", O_PATH | O_DIRECTORY | O_CLOEXEC), src = -1;
			int dst = open(mt->source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (root >= 0) {
				struct cubo_error *missing = cubo_open_in_root(
					root, mt->destination, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
					0, &src);
				cubo_error_free(
					missing); /* nothing there in the image: nothing to copy */
			}
			if (dst < 0)
				err = cubo_error_errno("open volume %s", mt->source);
			else if (src >= 0 && cubo_dir_is_empty(dst))
				err = rootfs_copy_tree(src, dst);
			if (!err)
				err = cubo_write_file_atomic(mark, "", 0, 0600);
			if (root >= 0)
				close(root);
			if (src >= 0)
				close(src);
			if (dst >= 0)
				close(dst);
		}
		free(mark);
		if (err)
			return cubo_error_wrap(err, "fill volume for %s", mt->destination);
	}
	return NULL;
}

static struct cubo_error *resolve_user(const struct ctr_store *store, const struct ctr_record *rec,
				       const char *volumes_dir)
{
	int root = open("rootfs", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cubo_error_errno("open rootfs");
	struct ctr_user u;
	bool durable = !rec->auto_remove;
	struct cubo_error *err = passwd_resolve_in_root(root, rec->user ? rec->user : "0", &u);
	if (!err) {
		err = passwd_add_groups_in_root(root, rec->group_add, &u);
		if (err)
			ctr_user_free(&u);
	}
	close(root);
	if (err)
		return err;
	struct oci_config *cfg = NULL;
	err = oci_config_load("config.json", &cfg);
	if (!err)
		err = fill_new_volumes(cfg, volumes_dir);
	bool joined = false;
	if (!err)
		err = ctr_ns_join(store, rec, cfg, &joined);
	/* a restart finds the user resolved already: no rewrite then */
	bool user_set = !err && bundle_apply_user(cfg, &u);
	if (!err && (user_set || joined)) {
		char *json;
		size_t len;
		err = oci_config_to_json(cfg, false, &json, &len);
		if (!err) {
			err = durable ? cubo_write_file_atomic("config.json", json, len, 0600)
				      : cubo_write_file_replace("config.json", json, len, 0600);
			free(json);
		}
	}
	if (cfg)
		oci_config_free(cfg);
	ctr_user_free(&u);
	return err;
}

static void read_available(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (len < cap - 1) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	fcntl(fd, F_SETFL, fl);
	buf[len] = '\0';
}

static struct cubo_error *read_pid(const char *path, pid_t *pid)
{
	char *text;
	size_t len;
	CUBO_TRY(cubo_read_file(path, &text, &len));
	long v = strtol(text, NULL, 10);
	free(text);
	if (v <= 0)
		return cubo_error_new("%s: no pid", path);
	*pid = (pid_t)v;
	return NULL;
}

/*
 * CNI ADD takes tens of milliseconds of plugin and iptables runs: a child
 * does it while the monitor mounts the rootfs and the runtime creates the
 * container, which joins the namespace that exists already. The container
 * is started only after net_attach_wait.
 */
static struct cubo_error *net_attach_start(struct mon *m, const struct ctr_record *rec)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cubo_error_errno("pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return cubo_error_errno("fork");
	}
	if (pid == 0) {
		close(p[0]);
		struct cubo_error *err =
			ctr_net_attach(m->ms->store->root, m->ms->store->settings, m->dir, rec);
		if (err) {
			char *text = cubo_error_text(err);
			(void)!write(p[1], text, strlen(text));
			_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	m->net_pid = pid;
	m->net_fd = p[0];
	return NULL;
}

static struct cubo_error *net_attach_wait(struct mon *m)
{
	if (m->net_pid <= 0)
		return NULL;
	char msg[4096];
	size_t len = cubo_read_until_eof(m->net_fd, msg, sizeof(msg));
	close(m->net_fd);
	m->net_fd = -1;
	int ws = 0;
	while (waitpid(m->net_pid, &ws, 0) < 0 && errno == EINTR)
		;
	m->net_pid = -1;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return NULL;
	return cubo_error_new("%s", len ? msg : "the container's networks could not be attached");
}

/* A client (run -i, start -a) that attaches before the container starts. */
static struct cubo_error *take_attach_client(struct mon *m)
{
	if (!m->ms->attach)
		return NULL;
	report(m, "C");
	int c;
	struct cubo_error *err = accept_within(m->listen_fd, m->sync_fd, 30000, &c);
	if (!err) {
		uint8_t type, flags = 0;
		uint32_t len;
		bool eof;
		err = attach_recv(c, &type, &flags, 1, &len, &eof);
		if (!err && (eof || type != ATTACH_HELLO))
			err = cubo_error_new("the attaching client said no hello");
		if (!err)
			m->clients[m->n_clients++] = (struct client){c, flags};
		else
			close(c);
	}
	return cubo_error_wrap(err, "wait for the attaching client");
}

/* journald: cubo-journal sends what comes on its stdin to the journal. */
static struct cubo_error *start_journal(struct mon *m, const struct ctr_record *rec,
					const char *tag)
{
	char *helper = libexec_find("cubo-journal");
	if (!helper)
		return cubo_error_new("log driver journald: the cubo-journal helper is not "
				      "installed (%s)",
				      PKGLIBEXECDIR);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(helper);
		return cubo_error_errno("pipe");
	}
	char short_id[13];
	snprintf(short_id, sizeof(short_id), "%.12s", rec->id);
	char *const argv[] = {helper,
			      "write",
			      (char *)rec->id,
			      rec->name ? rec->name : short_id,
			      (char *)(tag ? tag : short_id),
			      NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
	/* the monitor blocks its signals for its signalfd: the helper gets its own */
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	int rc = posix_spawn(&m->journal_pid, helper, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[0]);
	free(helper);
	if (rc != 0) {
		close(p[1]);
		m->journal_pid = -1;
		errno = rc;
		return cubo_error_errno("run cubo-journal");
	}
	m->journal_fd = p[1];
	return NULL;
}

static void journal_send(struct mon *m, enum log_stream s, const char *data, uint32_t len)
{
	unsigned char hdr[5] = {(unsigned char)s, (unsigned char)(len >> 24),
				(unsigned char)(len >> 16), (unsigned char)(len >> 8),
				(unsigned char)len};
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)data, len}};
	size_t want = sizeof(hdr) + len;
	/* a pipe write of up to PIPE_BUF... is not atomic past it: finish a partial one */
	ssize_t w;
	do
		w = writev(m->journal_fd, iov, 2);
	while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w == want)
		return;
	size_t done = (size_t)w;
	while (done < want) {
		const char *p =
			done < sizeof(hdr) ? (const char *)hdr + done : data + (done - sizeof(hdr));
		size_t n = done < sizeof(hdr) ? sizeof(hdr) - done : want - done;
		w = write(m->journal_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		done += (size_t)w;
	}
}

static void stop_journal(struct mon *m)
{
	if (m->journal_fd >= 0)
		close(m->journal_fd);
	m->journal_fd = -1;
	/* it sends what it has and exits at the end of its input */
	while (m->journal_pid > 0 && waitpid(m->journal_pid, NULL, 0) < 0 && errno == EINTR)
		;
	m->journal_pid = -1;
}

/* The log driver's sink: a rotated file, the journal, or nothing (none). */
static struct cubo_error *open_log(struct mon *m, const struct ctr_record *rec)
{
	struct log_config lc;
	CUBO_TRY(log_config_parse(rec->log_driver, rec->log_opts, &lc));
	struct cubo_error *err = NULL;
	if (lc.driver == LOG_DRIVER_JOURNALD)
		err = start_journal(m, rec, lc.tag);
	if (log_driver_is_file(lc.driver)) {
		char *path = cubo_path_join(m->dir, LOG_FILE_NAME);
		err = log_writer_open(&m->log, path,
				      lc.driver == LOG_DRIVER_JSON_FILE ? LOG_FORMAT_JSON
									: LOG_FORMAT_K8S,
				      lc.max_size, lc.max_file);
		free(path);
	}
	log_config_free(&lc);
	return err;
}

/*
 * Mount, create, (wait for the attach client and the networks), start; or,
 * with no network to wait for, the client first and then create and start
 * in one `run --detach`. *code: the exit code the starting command should
 * give on failure.
 */
static struct cubo_error *bring_up(struct mon *m, struct ctr_record *rec, int *code)
{
	*code = 125;
	/* the namespace's mount must be made in the host's mount namespace: first */
	CUBO_TRY(ctr_net_prepare(m->ms->store->root, m->ms->store->settings, m->dir, rec, &m->net));
	cubo_test_point("monitor-after-netns");
	if (m->net.netns)
		CUBO_TRY(net_attach_start(m, rec));
	CUBO_TRY(rootfs_private_namespace());
	CUBO_TRY(rootfs_prepare(m->dir));
	bool copied;
	const struct mgr_settings *set = m->ms->store->settings;
	CUBO_TRY(rootfs_mount_or_copy(m->ms->layers_dir, rec->layers, m->dir,
				      set ? set->storage_driver : NULL, &copied));
	cubo_test_point("monitor-after-rootfs");
	if (chdir(m->dir) < 0)
		return cubo_error_errno("chdir %s", m->dir);
	char *volumes_dir = cubo_path_join(m->ms->store->root, "volumes");
	struct cubo_error *uerr = resolve_user(m->ms->store, rec, volumes_dir);
	free(volumes_dir);
	CUBO_TRY(uerr);
	CUBO_TRY_CTX(listen_at(ATTACH_SOCKET, &m->listen_fd), "attach socket");
	CUBO_TRY(open_log(m, rec));

	int in = -1, out = -1, errw = -1, console = -1;
	int p[2];
	char *pidfile = cubo_path_join(m->dir, "pid");
	unlink(pidfile);
	struct cubo_error *err = NULL;
	if (m->tty) {
		/* the runtime talks on its stderr; the container gets the terminal */
		err = listen_at("console.sock", &console);
		if (!err && pipe2(p, O_CLOEXEC) == 0) {
			m->out_fd[LOG_STDERR] = p[0];
			errw = p[1];
		} else if (!err) {
			err = cubo_error_errno("pipe");
		}
	} else {
		if (rec->interactive) {
			if (pipe2(p, O_CLOEXEC) < 0)
				err = cubo_error_errno("pipe");
			else {
				in = p[0];
				m->stdin_fd = p[1];
			}
		}
		if (!err && pipe2(p, O_CLOEXEC) == 0) {
			m->out_fd[LOG_STDOUT] = p[0];
			out = p[1];
		} else if (!err) {
			err = cubo_error_errno("pipe");
		}
		if (!err && pipe2(p, O_CLOEXEC) == 0) {
			m->out_fd[LOG_STDERR] = p[0];
			errw = p[1];
		} else if (!err) {
			err = cubo_error_errno("pipe");
		}
	}
	/*
	 * With no network to attach between create and start, one `run
	 * --detach` does both: a runtime process fewer on the path of every
	 * such container. The attach client is then taken first, so that it
	 * still sees all the output. A restore is one step too: its processes
	 * go on at once, in a network attached already.
	 */
	const char *restore = m->ms->checkpoint;
	bool one_step = m->net_pid <= 0 || restore;
	if (!err && one_step)
		err = take_attach_client(m);
	if (!err && restore)
		err = net_attach_wait(m);
	char *work = NULL;
	if (!err && restore)
		err = checkpoint_work_dir(m->dir, &work);
	int status = 0;
	if (!err) {
		char *sock = cubo_path_join(m->dir, "console.sock");
		const char *args[16];
		size_t n = 0;
		args[n++] = restore ? "restore" : one_step ? "run" : "create";
		if (one_step)
			args[n++] = "--detach";
		args[n++] = "--bundle";
		args[n++] = m->dir;
		args[n++] = "--pid-file";
		args[n++] = pidfile;
		if (restore) {
			args[n++] = "--image-path";
			args[n++] = restore;
			args[n++] = "--work-path";
			args[n++] = work;
		}
		if (m->tty) {
			args[n++] = "--console-socket";
			args[n++] = strlen(sock) < 100 ? sock : "console.sock";
		}
		args[n++] = m->ms->id;
		args[n] = NULL;
		err = runtime_spawn_wait(&m->rt, args, in, out, errw, &status);
		free(sock);
	}
	free(work);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (errw >= 0)
		close(errw);
	if (!err && status != 0) {
		char msg[4096];
		read_available(m->out_fd[LOG_STDERR], msg, sizeof(msg));
		runtime_tidy_message(msg);
		*code = failure_code(msg);
		err = cubo_error_new("%s",
				     msg[0] ? msg : "the runtime failed to create the container");
	}
	if (!err && m->tty) {
		int conn;
		err = accept_within(console, -1, 10000, &conn);
		if (!err) {
			char name[256];
			size_t len;
			err = fdpass_recv(conn, name, sizeof(name), &len, &m->stdin_fd);
			close(conn);
			if (!err && m->stdin_fd < 0)
				err = cubo_error_new("the runtime sent no terminal");
			m->out_fd[LOG_STDOUT] = m->stdin_fd;
		}
		err = cubo_error_wrap(err, "receive the container's terminal");
	}
	if (console >= 0) {
		close(console);
		unlink("console.sock");
	}
	if (m->tty && m->out_fd[LOG_STDERR] >= 0) { /* only the runtime's messages came there */
		close(m->out_fd[LOG_STDERR]);
		m->out_fd[LOG_STDERR] = -1;
	}
	if (!err)
		err = read_pid(pidfile, &m->pid);
	free(pidfile);
	if (!err)
		cubo_test_point("monitor-after-create");
	if (!err && !one_step)
		err = take_attach_client(m);
	/* waited for even after a failure: its DEL must not race its ADD */
	struct cubo_error *nerr = net_attach_wait(m);
	if (!err)
		err = nerr;
	else
		cubo_error_free(nerr);
	if (!err)
		cubo_test_point("monitor-after-net-attach");
	if (!err && !one_step)
		err = runtime_start(&m->rt, m->ms->id);
	if (!err)
		cubo_test_point("monitor-after-start");
	return err;
}

static void drop_client(struct mon *m, size_t i)
{
	close(m->clients[i].fd);
	m->clients[i] = m->clients[--m->n_clients];
}

static void broadcast(struct mon *m, uint8_t type, const void *data, uint32_t len)
{
	for (size_t i = 0; i < m->n_clients;) {
		uint8_t f = m->clients[i].flags;
		bool wants = type == ATTACH_EXIT ||
			     (type == ATTACH_STDOUT && (f & ATTACH_WANT_STDOUT)) ||
			     (type == ATTACH_STDERR && (f & ATTACH_WANT_STDERR));
		struct cubo_error *err =
			wants ? attach_send(m->clients[i].fd, type, data, len) : NULL;
		if (err) {
			cubo_error_free(err);
			drop_client(m, i);
			continue;
		}
		i++;
	}
}

static void on_output(struct mon *m, enum log_stream s)
{
	ssize_t r = read(m->out_fd[s], m->buf, CHUNK);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) { /* EOF, or EIO from a terminal whose last user left */
		if (m->out_fd[s] != m->stdin_fd)
			close(m->out_fd[s]);
		m->out_fd[s] = -1;
		return;
	}
	if (m->log.fd >= 0) {
		struct cubo_error *err = log_writer_write(&m->log, s, m->buf, (size_t)r);
		cubo_error_free(err); /* a full disk must not stop the container */
	}
	if (m->journal_fd >= 0)
		journal_send(m, s, m->buf, (uint32_t)r);
	broadcast(m, s == LOG_STDOUT ? ATTACH_STDOUT : ATTACH_STDERR, m->buf, (uint32_t)r);
}

static void on_client(struct mon *m, size_t i)
{
	uint8_t type;
	uint32_t len;
	bool eof;
	struct cubo_error *err = attach_recv(m->clients[i].fd, &type, m->buf, CHUNK, &len, &eof);
	if (err || eof) {
		cubo_error_free(err);
		drop_client(m, i);
		return;
	}
	switch (type) {
	case ATTACH_HELLO:
		if (len == 1)
			m->clients[i].flags = (uint8_t)m->buf[0];
		break;
	case ATTACH_STDIN:
		if (m->stdin_fd >= 0 && (m->clients[i].flags & ATTACH_WANT_STDIN)) {
			size_t off = 0;
			while (off < len) {
				ssize_t w = write(m->stdin_fd, m->buf + off, len - off);
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					break;
				off += (size_t)w;
			}
		}
		break;
	case ATTACH_STDIN_EOF:
		if (!m->tty && m->stdin_fd >= 0 && (m->clients[i].flags & ATTACH_WANT_STDIN)) {
			close(m->stdin_fd);
			m->stdin_fd = -1;
		}
		break;
	case ATTACH_RESIZE:
		if (m->tty && m->stdin_fd >= 0 && len == 4) {
			unsigned char *b = (unsigned char *)m->buf;
			struct winsize ws = {.ws_row = (unsigned short)(b[0] << 8 | b[1]),
					     .ws_col = (unsigned short)(b[2] << 8 | b[3])};
			ioctl(m->stdin_fd, TIOCSWINSZ, &ws);
		}
		break;
	case ATTACH_SIGNAL:
		/*
		 * The init is our child until we reap it: its pid cannot have been
		 * reused, so a plain kill reaches the container and nothing else.
		 */
		if (len == 1 && !m->exited && m->pid > 0) {
			int sig = (uint8_t)m->buf[0];
			if (sig > 0 && sig <= SIGRTMAX)
				kill(m->pid, sig);
		}
		break;
	default:
		break;
	}
}

static void on_signal(struct mon *m)
{
	struct signalfd_siginfo si;
	while (read(m->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	int ws;
	pid_t p;
	while ((p = waitpid(-1, &ws, WNOHANG)) > 0)
		if (p == m->pid) {
			m->exited = true;
			m->exit_code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
		} else if (health_sched_reaped(&m->health, p, ws)) {
			continue;
		} else if (p == m->journal_pid) { /* gone early: the output is not kept */
			m->journal_pid = -1;
			close(m->journal_fd);
			m->journal_fd = -1;
		}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Serve until the container exits and its output has been read to the end. */
static void serve(struct mon *m)
{
	int64_t deadline = -1;
	for (;;) {
		bool outputs = m->out_fd[LOG_STDOUT] >= 0 || m->out_fd[LOG_STDERR] >= 0;
		if (m->exited)
			health_sched_stop(&m->health);
		if (m->exited && !outputs)
			return;
		/* a process that escaped the pid namespace could hold the pipes forever */
		if (m->exited && deadline < 0)
			deadline = now_ms() + ESCAPED_OUTPUT_MS;
		if (deadline >= 0 && now_ms() >= deadline)
			return;
		struct pollfd p[5 + MAX_CLIENTS];
		size_t n = 0;
		p[n++] = (struct pollfd){m->sig_fd, POLLIN, 0};
		p[n++] = (struct pollfd){m->listen_fd, POLLIN, 0};
		p[n++] = (struct pollfd){m->out_fd[LOG_STDOUT], POLLIN, 0};
		p[n++] = (struct pollfd){m->tty ? -1 : m->out_fd[LOG_STDERR], POLLIN, 0};
		p[n++] = (struct pollfd){health_sched_fd(&m->health), POLLIN, 0};
		for (size_t i = 0; i < m->n_clients; i++)
			p[n++] = (struct pollfd){m->clients[i].fd, POLLIN, 0};
		int timeout = deadline >= 0 ? (int)(deadline - now_ms()) : -1;
		if (timeout < 0 && deadline >= 0)
			timeout = 0;
		int health_ms = health_sched_timeout_ms(&m->health);
		if (health_ms >= 0 && (timeout < 0 || health_ms < timeout))
			timeout = health_ms;
		if (poll(p, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents)
			on_signal(m);
		if (!m->exited)
			health_sched_tick(&m->health, p[4].revents != 0);
		if (p[2].revents)
			on_output(m, LOG_STDOUT);
		if (p[3].revents)
			on_output(m, LOG_STDERR);
		if (p[1].revents & POLLIN) {
			int c = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0 && m->n_clients < MAX_CLIENTS)
				m->clients[m->n_clients++] = (struct client){c, 0};
			else if (c >= 0)
				close(c);
		}
		/* clients last: on_client may reorder the array */
		for (size_t i = m->n_clients; i-- > 0;)
			if (5 + i < n && p[5 + i].revents && p[5 + i].fd == m->clients[i].fd)
				on_client(m, i);
	}
}

static void remove_anonymous_volumes(struct mon *m, const struct ctr_record *r)
{
	char **volumes = r->volumes;
	for (size_t i = 0; volumes && volumes[i]; i++) {
		struct ctr_volume v;
		if (!ctr_record_owns_volume(r, volumes[i]))
			continue;
		struct cubo_error *err = volume_get(m->ms->store->root, volumes[i], &v);
		bool removed = false;
		if (!err && v.anonymous) {
			err = volume_remove(m->ms->store->root, volumes[i]);
			removed = !err;
		}
		if (!err)
			ctr_volume_free(&v);
		cubo_error_free(err);
		if (removed)
			ev_volume(m->ms->store->root, "destroy", volumes[i], NULL, NULL);
	}
}

/*
 * oom (when the kernel killed in its memory cgroup, read before the cgroup
 * goes), then die with the exit code: before the exit is on record, so a
 * stop or kill that waits for it writes its own event after these.
 */
static void exit_events(struct mon *m, const struct ctr_record *rec)
{
	const char *root = m->ms->store->root;
	if (m->oom_file && ctr_stats_oom_kills(m->oom_file) > 0)
		ev_container(root, rec, "oom", NULL, NULL);
	free(m->oom_file);
	m->oom_file = NULL;
	char code[16];
	snprintf(code, sizeof(code), "%d", m->exit_code);
	const char *const extra[] = {"exitCode", code, NULL};
	ev_container(root, rec, "die", extra, NULL);
}

/*
 * A --rm container's rootfs, mounted in the monitor's namespace only: it
 * goes before its directory.
 */
static struct cubo_error *unmount_rootfs(struct mon *m)
{
	if (chdir("/") < 0)
		return cubo_error_errno("chdir /");
	char *rootfs = cubo_path_join(m->dir, "rootfs");
	struct cubo_error *err = NULL;
	if (umount2(rootfs, MNT_DETACH) < 0 && errno != EINVAL)
		err = cubo_error_errno("unmount %s", rootfs);
	free(rootfs);
	cubo_test_point("monitor-rm-after-unmount");
	return err;
}

/*
 * The exit is reported once what a following container may ask for is
 * free: its name (the record goes, for --rm), its addresses and published
 * ports (ctr_net_release). The rest of its networks' release -- the host
 * ends of veths the kernel has not destroyed with the namespace yet, each
 * delete waiting 20-30 ms for synchronize_net -- comes after, off the path
 * of an attached `run --rm`, under the container's lock (a start or rm
 * waits for it) or, for --rm, with its directory held until it is gone.
 * The unmount of a --rm container's rootfs (an RCU grace period, 2.5-6
 * ms) and its directory's removal come after it too, network or not.
 */
static void finish(struct mon *m, const struct ctr_record *first)
{
	exit_events(m, first);
	cubo_test_point("monitor-exit-before-delete");
	struct cubo_error *err = runtime_delete(&m->rt, m->ms->id, true);
	cubo_error_free(err);
	cubo_test_point("monitor-exit-after-delete");
	/* its processes are gone, its namespace not yet: DEL finds all it made */
	const char *root = m->ms->store->root;
	const struct mgr_settings *set = m->ms->store->settings;
	cubo_error_free(ctr_net_release(root, set, m->dir, m->ms->id));
	ctr_net_free(&m->net);
	cubo_test_point("monitor-exit-after-net-release");
	/* with nothing left to release, the container's lock is not held past the exit */
	bool rest = ctr_net_pending(m->dir);
	int ctr_lock = -1, dir_lock = -1;
	err = update_record_held(m, set_exited, m, rest ? &ctr_lock : NULL);
	/*
	 * The exit is on record: from now on a new client learns it there.
	 * One that connected but was never accepted sees the socket reset.
	 */
	close(m->listen_fd);
	m->listen_fd = -1;
	unlink(ATTACH_SOCKET);
	struct ctr_record rec;
	if (!err && !(err = ctr_record_load(m->dir, &rec))) {
		if (rec.auto_remove) {
			/* nobody's record to lock any more: the directory is held instead */
			cubo_unlock(ctr_lock);
			ctr_lock = -1;
			err = ctr_store_unlist(m->ms->store, m->ms->id, rec.name, &dir_lock);
			if (!err)
				ev_container(root, &rec, "destroy", NULL, NULL);
			if (!err)
				remove_anonymous_volumes(m, &rec);
		}
		ctr_record_free(&rec);
	}
	cubo_error_free(err);
	unsigned char code[4] = {(unsigned char)(m->exit_code >> 24),
				 (unsigned char)(m->exit_code >> 16),
				 (unsigned char)(m->exit_code >> 8), (unsigned char)m->exit_code};
	broadcast(m, ATTACH_EXIT, code, 4);
	for (size_t i = 0; i < m->n_clients; i++)
		close(m->clients[i].fd);
	m->n_clients = 0;
	cubo_test_point("monitor-exit-after-report");
	if (rest)
		cubo_error_free(ctr_net_down(root, set, m->dir, m->ms->id));
	cubo_test_point("monitor-exit-after-net-down");
	cubo_unlock(ctr_lock);
	if (dir_lock >= 0) {
		err = unmount_rootfs(m);
		if (!err)
			err = ctr_store_remove_dir(m->ms->store, m->ms->id, dir_lock);
		else
			cubo_unlock(dir_lock); /* left to the reconciliation */
		cubo_error_free(err);
	}
}

static void fail(struct mon *m, struct cubo_error *err, int code)
{
	char *text = cubo_error_text(err);
	cubo_error_free(err);
	/*
	 * Also when the create failed: a runtime killed half way leaves its state
	 * directory and cgroups, and the next start would find the ID taken.
	 */
	if (m->owner) {
		const char *args[] = {"delete", "--force", m->ms->id, NULL};
		cubo_error_free(runtime_call(&m->rt, args));
	}
	cubo_error_free(net_attach_wait(m)); /* a bring-up that failed early */
	/* a monitor that lost the race for the container must not undo the winner's network */
	if (m->owner)
		cubo_error_free(ctr_net_down(m->ms->store->root, m->ms->store->settings, m->dir,
					     m->ms->id));
	ctr_net_free(&m->net);
	cubo_error_free(update_record(m, set_error, text));
	report(m, "E %d %s", code, text);
	free(text);
	unlink(ATTACH_SOCKET);
}

/*
 * After the backoff: whether the restart still stands. A stop, kill or
 * update --restart no meanwhile says no; rm -f removed the record.
 */
static struct cubo_error *restart_still_wanted(struct ctr_record *r, void *ctx)
{
	bool *go = ctx;
	struct restart_policy p = restart_policy_of(r);
	*go = r->restarting && !r->stopped_by_user && r->monitor_pid == getpid() &&
	      p.kind != RESTART_NO;
	if (!*go && r->monitor_pid == getpid()) {
		r->restarting = false;
		r->monitor_pid = 0;
		r->monitor_start_time = 0;
	}
	return NULL;
}

/* Sleep until deadline_ms; a signal (restart_hold's SIGTERM) cuts it short. */
static void backoff_wait(struct mon *m, int64_t deadline_ms)
{
	for (int64_t left; (left = deadline_ms - now_ms()) > 0;) {
		struct pollfd p = {m->sig_fd, POLLIN, 0};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return;
		if (r <= 0)
			continue;
		struct signalfd_siginfo si;
		bool term = false;
		while (read(m->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			term |= si.ssi_signo == SIGTERM;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (term)
			return;
	}
}

/*
 * The policy restarts the container: back in the mount namespace the
 * monitor started in (the next bring-up makes a fresh private one there),
 * wait docker's backoff, and say whether to go on.
 */
static bool restart_wait(struct mon *m, unsigned delay_ms)
{
	bool go = m->host_mnt_fd >= 0 && chdir("/") == 0 && setns(m->host_mnt_fd, CLONE_NEWNS) == 0;
	if (go)
		backoff_wait(m, now_ms() + (int64_t)delay_ms);
	struct cubo_error *err = update_record(m, restart_still_wanted, &go);
	if (err) /* removed meanwhile */
		go = false;
	cubo_error_free(err);
	return go;
}

/* What the last run left in m, cleared for the next bring-up; rec is read again. */
static struct cubo_error *reset_for_restart(struct mon *m, struct ctr_record *rec)
{
	for (int s = LOG_STDOUT; s <= LOG_STDERR; s++) {
		if (m->out_fd[s] >= 0 && m->out_fd[s] != m->stdin_fd)
			close(m->out_fd[s]);
		m->out_fd[s] = -1;
	}
	if (m->stdin_fd >= 0)
		close(m->stdin_fd);
	m->stdin_fd = -1;
	m->n_clients = 0; /* finish closed them */
	m->log = (struct log_writer){.fd = -1};
	m->net = (struct ctr_net){0};
	m->pid = 0;
	m->exit_code = 0;
	m->exited = false;
	m->restart = false;
	ctr_record_free(rec);
	CUBO_TRY(ctr_record_load(m->dir, rec));
	m->rt.path = rec->runtime ? rec->runtime : runtime_default_path(m->ms->store->settings);
	m->rt.systemd_cgroup = ctr_record_systemd(rec);
	return NULL;
}

/* Close every fd above stdio except keep. */
static void close_fds_but(int keep)
{
	if (keep > 3)
		close_range(3, (unsigned)keep - 1, 0);
	close_range((unsigned)keep + 1, ~0U, 0);
}

void monitor_main(const struct monitor_start *ms, int sync_fd)
{
	setsid();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	prctl(PR_SET_NAME, MONITOR_NAME);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3 && null >= 0; fd++)
		dup2(null, fd);
	if (null > 2)
		close(null);
	/*
	 * The monitor is a fork of whatever command started it (run, start, a
	 * REPL, compose up): every fd that command had, the caller's pipes,
	 * terminals and files included, would stay open for the container's
	 * whole life, so a `... | cat` would never see EOF. It opens what it
	 * needs itself.
	 */
	close_fds_but(sync_fd);
	signal(SIGPIPE, SIG_IGN);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	/* the monitor outlives terminals and sessions: these must not end it */
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	struct mon m = {.ms = ms,
			.dir = ctr_store_dir(ms->store, ms->id),
			.sync_fd = sync_fd,
			.listen_fd = -1,
			.stdin_fd = -1,
			.net_pid = -1,
			.net_fd = -1,
			.out_fd = {-1, -1, -1},
			.log = {.fd = -1},
			.journal_fd = -1,
			.journal_pid = -1,
			.buf = xmalloc(CHUNK)};
	m.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	struct ctr_record rec;
	/*
	 * Rootless: a restart cannot go back to the host's mount namespace (the
	 * initial user namespace owns it), so start from one of the user's.
	 */
	if (userns_rootless())
		cubo_error_free(rootfs_private_namespace()); /* else bring_up says why */
	m.host_mnt_fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	struct cubo_error *err = update_record(&m, set_monitor, NULL);
	m.owner = !err;
	if (!err)
		cubo_test_point("monitor-after-claim");
	if (!err)
		err = ctr_record_load(m.dir, &rec);
	if (err) {
		fail(&m, err, 125);
		_exit(1);
	}
	m.rt = (struct ctr_runtime){.path = rec.runtime ? rec.runtime
							: runtime_default_path(ms->store->settings),
				    .root = ms->store->runtime_root,
				    .systemd_cgroup = ctr_record_systemd(&rec)};
	m.tty = rec.tty;
	/* the attaching client of the first run only: a restart is nobody's command */
	struct monitor_start run = *ms;
	m.ms = &run;
	unsigned delay = 0;
	for (;;) {
		int code;
		err = bring_up(&m, &rec, &code);
		if (err) {
			fail(&m, err, code);
			_exit(1);
		}
		m.started_ms = now_ms();
		/* the container may be gone already: its exit is in the signalfd */
		cubo_error_free(update_record(&m, set_running, &m));
		ev_container(ms->store->root, &rec, "start", NULL, NULL);
		cubo_test_point("monitor-after-running");
		/* a stop that came while a restart brought it up */
		if (m.held)
			cubo_error_free(runtime_kill(&m.rt, ms->id, "SIGKILL", true));
		report(&m, "S %d", m.pid);
		health_sched_start(&m.health, &rec, &m.rt, ms->id, m.dir);
		if (m.sync_fd >= 0)
			close(m.sync_fd);
		m.sync_fd = -1;
		/* ~0.2 ms of parsing: after the starting command was told */
		m.oom_file = ctr_stats_oom_file(m.pid, ms->id);
		for (int s = LOG_STDOUT; s <= LOG_STDERR; s++)
			if (m.out_fd[s] >= 0 && m.out_fd[s] != m.stdin_fd)
				fcntl(m.out_fd[s], F_SETFL, O_NONBLOCK);
		serve(&m);
		/* its entries are in the journal before the exit is on record */
		stop_journal(&m);
		finish(&m, &rec);
		log_writer_close(&m.log);
		if (!m.restart)
			break;
		delay = restart_next_delay_ms(delay, now_ms() - m.started_ms);
		if (!restart_wait(&m, delay))
			break;
		cubo_test_point("monitor-before-restart");
		run.attach = false;
		run.checkpoint = NULL; /* a restart starts the command afresh, as docker's */
		err = reset_for_restart(&m, &rec);
		if (err) {
			fail(&m, err, 125);
			_exit(1);
		}
		ev_container(ms->store->root, &rec, "restart", NULL, NULL);
	}
	_exit(0);
}

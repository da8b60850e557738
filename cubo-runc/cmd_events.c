/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `events`: JSON lines about a container, as runc prints them:
 *
 *   {"type":"stats","id":"c1","data":{"cpu":{...},"memory":{...},...}}
 *   {"type":"oom","id":"c1"}
 *
 * --stats prints one stats line and exits; otherwise a stats line comes
 * every --interval, and an oom line whenever the kernel reports one, until
 * the container's init exits. The loop sleeps in poll() on the init's pidfd
 * and the OOM notifier, so it wakes for exactly those and the next tick.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/container.h"
#include "cubo-runc/lifecycle.h"
#include "cubo-runc/oom_watch.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/validate.h"
#include "cubo-runc/runc.h"
#include "shared/fs.h"
#include "shared/json.h"

/*
 * Between stats, a pidfd wakes us when the init exits, so a long sleep is
 * fine; without one (old kernels, valgrind) we must look for its exit.
 */
#define PIDFD_WAKE_MS 60000
#define NO_PIDFD_LOOK_MS 250

/* A Go duration ("5s", "250ms", "1m30s", "1.5h") in milliseconds; must be > 0. */
static struct cubo_error *parse_interval(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {
		{"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"ms", 1},
		{"s", 1e3},   {"m", 60e3},  {"h", 3600e3},
	};
	const char *p = s;
	double total = 0;

	if (!*p)
		goto bad;
	while (*p) {
		char *end;
		double v;
		size_t best = 0, which = 0;

		if (!isdigit((unsigned char)*p) && *p != '.')
			goto bad;
		v = strtod(p, &end);
		if (end == p)
			goto bad;
		p = end;
		/* the longest unit that matches: "ms" before "m" */
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);

			if (l > best && !strncmp(p, units[i].unit, l)) {
				best = l;
				which = i;
			}
		}
		if (!best)
			goto bad;
		total += v * units[which].ms;
		p += best;
	}
	if (total > 86400e3 * 365)
		goto bad;
	*ms = (int64_t)total;
	if (*ms <= 0)
		return cubo_error_new("--interval %s: the interval must be at least 1ms", s);
	return NULL;
bad:
	return cubo_error_new("--interval: invalid duration \"%s\" (expected e.g. 5s, 500ms or "
			      "1m30s)",
			      s);
}

static struct cubo_error *print_event(const char *type, const char *id,
				      const struct cgroup_set *stats_of)
{
	struct cubo_json_gen *g;
	struct cubo_error *err;
	char *json;
	size_t len;

	CUBO_TRY(cubo_json_gen_new(false, &g));
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "type");
	cubo_json_gen_string(g, type);
	cubo_json_gen_key(g, "id");
	cubo_json_gen_string(g, id);
	if (stats_of) {
		cubo_json_gen_key(g, "data");
		err = cgroup_set_stats_json(stats_of, g);
		if (err) {
			cubo_json_gen_free(g);
			return err;
		}
	}
	cubo_json_gen_map_close(g);
	CUBO_TRY(cubo_json_gen_finish(g, &json, &len));
	runc_print_json(json, len);
	/* a reader of the pipe wants each line when it happens */
	fflush(stdout);
	return NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Without a pidfd (an old kernel, or valgrind), the init is looked for in /proc. */
static bool init_gone(const struct container *c)
{
	return cubo_proc_start_time(c->state->pid) != c->state->pid_start_time;
}

static struct cubo_error *watch(struct runc_globals *g, const struct container *c,
				const struct cgroup_set *set, int64_t interval_ms)
{
	struct oom_watch w;
	int pidfd = container_pidfd(c);
	int64_t next = now_ms() + interval_ms;
	struct cubo_error *err = NULL;

	if (pidfd < 0 && init_gone(c))
		return cubo_error_new("container is not running");
	oom_watch_start(set, &w);
	for (;;) {
		/* poll skips an entry whose fd is -1 */
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
				      {.fd = w.fd, .events = POLLIN}};
		int64_t wait = next - now_ms(), cap = pidfd >= 0 ? PIDFD_WAKE_MS : NO_PIDFD_LOOK_MS;
		bool stopped;
		int r;

		if (wait <= 0) {
			err = print_event("stats", c->id, set);
			if (err) {
				/* a passing failure (a file read as it changed) does not end the
				 * stream */
				cubo_log_error(&g->log, err);
				cubo_error_free(err);
				err = NULL;
			}
			next += interval_ms;
			if (next <= now_ms())
				next = now_ms() + interval_ms;
			continue;
		}
		r = poll(p, 2, (int)(wait > cap ? cap : wait));
		if (r < 0 && errno != EINTR) {
			err = cubo_error_errno("poll");
			break;
		}
		stopped = r > 0 && p[0].revents;
		if (pidfd < 0)
			stopped = init_gone(c);
		/* an OOM kill of the init ends it too: report the OOM before ending */
		if (w.fd >= 0 && ((r > 0 && p[1].revents) || stopped)) {
			bool gone;
			unsigned n = oom_watch_read(&w, &gone);

			for (unsigned i = 0; i < n && !err; i++)
				err = print_event("oom", c->id, NULL);
			if (err || gone)
				break;
		}
		if (stopped)
			break;
	}
	oom_watch_stop(&w);
	if (pidfd >= 0)
		close(pidfd);
	return err;
}

static struct cubo_error *events(struct runc_globals *g, const char *id, bool once,
				 int64_t interval_ms)
{
	struct container *c;
	struct cgroup_set *set;
	struct cubo_error *err = lifecycle_live_cgroups(RUNC_CTX(g), id, &c, &set);

	if (!err)
		err = once ? print_event("stats", id, set) : watch(g, c, set, interval_ms);
	cgroup_set_free(set);
	container_free(c);
	return cubo_error_wrap(err, "events %s", id);
}

int cmd_events(struct runc_globals *g, int argc, char **argv)
{
	const char *interval = "5s";
	bool stats = false, help;
	const struct runc_opt opts[] = {
		{"interval", 0, OPT_STRING, &interval, "DURATION",
		 "time between stats lines (default 5s; e.g. 500ms, 1m)"},
		{"stats", 0, OPT_BOOL, &stats, NULL, "print the container's stats once and exit"},
	};
	struct cubo_error *err;
	int64_t ms = 0;
	int first;

	err = opts_parse_anywhere(argc, argv, opts, OPTS_N(opts), &help, &first);
	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, g->summary, "cubo-runc events [options] CONTAINER_ID",
				"Print JSON lines about a container: its cgroup statistics every "
				"--interval, and OOM kills as they happen, until the container "
				"stops.",
				opts, OPTS_N(opts));
		return 0;
	}
	if (argc - first != 1)
		return runc_fail(g, cubo_error_new("events: expected exactly one container id"));
	err = parse_interval(interval, &ms);
	if (!err)
		err = validate_container_id(argv[first]);
	if (!err)
		err = events(g, argv[first], stats, ms);
	return err ? runc_fail(g, err) : 0;
}

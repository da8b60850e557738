/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr stats: docker's live table of what containers use (CPU %, memory
 * against its limit, network and block I/O, pids). The counters come from
 * the runtime's `events --stats` (see container/stats_read.h) and the
 * figures are docker's (container/stats.c). Without --no-stream it refreshes
 * every second: on a terminal in place, else one block per refresh.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/stats_read.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/format.h"
#include "shared/json.h"
#include "shared/timeutil.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define STATS_TABLE                                                                                \
	"table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t"        \
	"{{.BlockIO}}\t{{.PIDs}}"
#define REFRESH_NS 1000000000LL
#define MIN_WINDOW_NS 40000000LL

static const struct mgr_title titles[] = {
	{"ID", "CONTAINER ID"},
	{"Name", "NAME"},
	{"Container", "CONTAINER"},
	{"CPUPerc", "CPU %"},
	{"MemUsage", "MEM USAGE / LIMIT"},
	{"MemPerc", "MEM %"},
	{"NetIO", "NET I/O"},
	{"BlockIO", "BLOCK I/O"},
	{"PIDs", "PIDS"},
};

/* The containers of one refresh, with the samples taken of them. */
struct frame {
	struct ctr_record *recs;
	char **shown; /* the Container column: as the user named it, else the short ID */
	size_t n;
	struct ctr_stats_target *targets;
	struct ctr_stats_sample *samples;
	struct cubo_error **errs;
};

static void frame_free(struct frame *f)
{
	ctr_records_free(f->recs, f->n);
	cubo_strv_free(f->shown);
	free(f->targets);
	free(f->samples);
	for (size_t i = 0; f->errs && i < f->n; i++)
		cubo_error_free(f->errs[i]);
	free(f->errs);
	memset(f, 0, sizeof(*f));
}

static void frame_add(struct frame *f, struct ctr_record *r, const char *shown, size_t *cap)
{
	if (f->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		f->recs = xreallocarray(f->recs, *cap, sizeof(*f->recs));
	}
	f->recs[f->n++] = *r;
	memset(r, 0, sizeof(*r));
	size_t k = f->n - 1;
	cubo_strv_push(&f->shown, &k, shown);
}

/*
 * The containers to show: those named (every one must exist: else each
 * unknown one is reported and *unknown set), or the running ones (all with
 * -a), repaired first when their monitor died.
 */
static struct cubo_error *frame_select(struct ctr_ctx *c, const char *prog, char **names, bool all,
				       struct frame *f, bool *unknown)
{
	size_t cap = 0;
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; names && names[i]; i++) {
		struct ctr_record r = {0};
		struct cubo_error *err = ctr_find(c, names[i], &r);
		if (err) {
			cubo_error_print(err, prog, stderr);
			cubo_error_free(err);
			*unknown = true;
			continue;
		}
		frame_add(f, &r, names[i], &cap);
	}
	if (names && names[0])
		return NULL;
	struct ctr_record *v;
	size_t n;
	CUBO_TRY(ctr_store_list(&c->store, &v, &n));
	for (size_t i = 0; i < n; i++) {
		bool removed;
		struct cubo_error *err = ctr_reconcile_one(&c->store, &v[i], &removed);
		if (err) {
			cubo_error_print(err, "warning", stderr);
			cubo_error_free(err);
		}
		if (removed || (!all && v[i].status != CTR_RUNNING && v[i].status != CTR_PAUSED))
			continue;
		char shown[13];
		snprintf(shown, sizeof(shown), "%.12s", v[i].id);
		frame_add(f, &v[i], shown, &cap);
	}
	ctr_records_free(v, n);
	return NULL;
}

static bool running(const struct ctr_record *r)
{
	return (r->status == CTR_RUNNING || r->status == CTR_PAUSED) && r->pid > 0;
}

static void frame_read(struct frame *f, bool cpu_only)
{
	if (!f->targets) {
		f->targets = xcalloc(f->n + 1, sizeof(*f->targets));
		f->samples = xcalloc(f->n + 1, sizeof(*f->samples));
		f->errs = xcalloc(f->n + 1, sizeof(*f->errs));
		for (size_t i = 0; i < f->n; i++)
			f->targets[i] = (struct ctr_stats_target){
				.id = f->recs[i].id,
				.pid = running(&f->recs[i]) ? f->recs[i].pid : 0,
			};
	}
	for (size_t i = 0; i < f->n; i++)
		cubo_error_free(f->errs[i]);
	ctr_stats_read(f->targets, f->n, cpu_only, f->samples, f->errs);
}

/* The sample of id in the frame before, for the CPU time since; NULL if none. */
static const struct ctr_stats_sample *previous(const struct frame *prev, const char *id)
{
	for (size_t i = 0; i < prev->n; i++)
		if (!strcmp(prev->recs[i].id, id) && prev->targets && prev->targets[i].pid &&
		    !prev->errs[i])
			return &prev->samples[i];
	return NULL;
}

static struct cubo_json_gen *row_json(const struct frame *f, size_t i,
				      const struct ctr_stats_sample *prev, uint64_t host_mem,
				      bool no_trunc)
{
	struct ctr_stats_row row;
	bool read = f->targets[i].pid && !f->errs[i];
	ctr_stats_row(read ? prev : NULL, read ? &f->samples[i] : NULL, host_mem, &row);
	struct cubo_json_gen *g = mgr_format_object();
	if (!g)
		return NULL;
	char id[CTR_ID_LEN + 1];
	snprintf(id, sizeof(id), "%.*s", no_trunc ? CTR_ID_LEN : 12, f->recs[i].id);
	mgr_json_kv(g, "BlockIO", row.block);
	mgr_json_kv(g, "CPUPerc", row.cpu);
	mgr_json_kv(g, "Container", f->shown[i]);
	mgr_json_kv(g, "ID", id);
	mgr_json_kv(g, "MemPerc", row.mem_pct);
	mgr_json_kv(g, "MemUsage", row.mem);
	mgr_json_kv(g, "Name", f->recs[i].name);
	mgr_json_kv(g, "NetIO", row.net);
	mgr_json_kv(g, "PIDs", row.pids);
	cubo_json_gen_map_close(g);
	return g;
}

/*
 * A container that could not be read although its init still runs is worth
 * a warning; one that stopped meanwhile shows zeros, as docker's do.
 */
static void warn_unread(const struct frame *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->errs[i] && kill(f->targets[i].pid, 0) == 0)
			cubo_error_print(f->errs[i], "warning", stderr);
}

static struct cubo_error *frame_print(const struct frame *f, const struct frame *prev,
				      const char *format, bool no_trunc, bool clear)
{
	struct sysinfo si;
	uint64_t host_mem = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
	struct mgr_format fmt;
	CUBO_TRY(mgr_format_open(!format || !strcmp(format, "table") ? STATS_TABLE : format, &fmt));
	struct cubo_error *err = NULL;
	for (size_t i = 0; i < f->n && !err; i++)
		err = mgr_format_add(
			&fmt, row_json(f, i, previous(prev, f->recs[i].id), host_mem, no_trunc));
	if (clear)
		fputs("\033[2J\033[H", stdout);
	if (!err)
		mgr_format_flush(&fmt, titles, CLI_N(titles));
	mgr_format_close(&fmt);
	fflush(stdout);
	return err;
}

static void sleep_until(int64_t deadline_ns)
{
	struct timespec ts = {.tv_sec = deadline_ns / 1000000000,
			      .tv_nsec = deadline_ns % 1000000000};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
		;
}

int cmd_stats(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool all = false, no_stream = false, no_trunc = false;
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"all", 'a', CLI_BOOL, &all, NULL, "show every container (default: running ones)"},
		{"no-stream", 0, CLI_BOOL, &no_stream, NULL,
		 "print one result and exit (default: refresh every second)"},
		{"format", 0, CLI_STRING, &format, "FORMAT",
		 "table (default), json, or a Go template (\"table {{.Name}}\\t{{.CPUPerc}}\")"},
		{"no-trunc", 0, CLI_BOOL, &no_trunc, NULL, "do not shorten IDs"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "stats",
		.usage = "stats [OPTIONS] [CONTAINER...]",
		.description = "Show what containers use: CPU %, memory usage against its limit, "
			       "network\nand block I/O, and pids, as docker stats does. Refreshes "
			       "every second\n(in place on a terminal) until interrupted, unless "
			       "--no-stream.\nWithout a CONTAINER: the running containers.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct mgr_format check;
	struct cubo_error *err =
		mgr_format_open(!format || !strcmp(format, "table") ? STATS_TABLE : format, &check);
	if (err)
		return mgr_usage_error(m, "stats", err);
	mgr_format_close(&check);
	bool json = format && !strcmp(format, "json");
	bool clear = !no_stream && !json && isatty(STDOUT_FILENO);
	struct ctr_ctx c;
	if ((err = ctr_ctx_open(m, &c)))
		return mgr_fail(m, err);
	struct frame prev = {0}, cur = {0};
	bool unknown = false;
	/* the first figures need two samples: the CPU % is a rate */
	err = frame_select(&c, m->prog, args.v, all, &prev, &unknown);
	if (!err && !unknown) {
		int64_t first = cubo_monotonic_ns();
		frame_read(&prev, true);
		/*
		 * CPU time advances by scheduler ticks: over a few ms one tick
		 * is most of the figure. The second sample comes MIN_WINDOW_NS
		 * after the first at least (a refresh is REFRESH_NS anyway).
		 */
		sleep_until(first + MIN_WINDOW_NS);
	}
	for (int64_t next = cubo_monotonic_ns(); !err && !unknown;) {
		if ((err = frame_select(&c, m->prog, args.v, all, &cur, &unknown)) || unknown)
			break;
		frame_read(&cur, false);
		warn_unread(&cur);
		if ((err = frame_print(&cur, &prev, format, no_trunc, clear)) || no_stream)
			break;
		frame_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		next += REFRESH_NS;
		sleep_until(next);
	}
	frame_free(&prev);
	frame_free(&cur);
	ctr_ctx_close(&c);
	if (err)
		return mgr_fail(m, err);
	/* docker's status for a container that does not exist */
	return unknown ? 1 : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cubo-mgr/image/progress.h"
#include "shared/xalloc.h"

#define REDRAW_NS 200000000L

struct progress_item {
	char short_id[13];
	uint64_t total;
	_Atomic uint64_t done;
	const char *status; /* static strings only; guarded by the mutex */
	struct timespec start, end;
};

struct progress {
	FILE *out;
	bool tty;
	size_t n;
	struct progress_item *items;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool have_thread, stop, drawn;
};

static uint64_t elapsed(const struct timespec *a, const struct timespec *b)
{
	return (uint64_t)(b->tv_sec - a->tv_sec) * 1000000000ull + (uint64_t)b->tv_nsec -
	       (uint64_t)a->tv_nsec;
}

void progress_format_bytes(uint64_t bytes, char buf[16])
{
	static const char *const units[] = {"kB", "MB", "GB", "TB"};
	if (bytes < 1000) {
		snprintf(buf, 16, "%uB", (unsigned)bytes);
		return;
	}
	double v = (double)bytes;
	size_t u = 0;
	v /= 1000;
	while (v >= 999.995 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000;
		u++;
	}
	/* three significant digits, like docker's units.HumanSize */
	if (v < 9.995)
		snprintf(buf, 16, "%.2f%s", v, units[u]);
	else if (v < 99.95)
		snprintf(buf, 16, "%.1f%s", v, units[u]);
	else
		snprintf(buf, 16, "%.0f%s", v, units[u]);
}

void progress_format_line(char *buf, size_t size, const char *digest, const char *status,
			  uint64_t done, uint64_t total, uint64_t elapsed_ns, bool bar)
{
	char d[16], t[16], r[16];
	progress_format_bytes(done, d);
	progress_format_bytes(total, t);
	int k = snprintf(buf, size, "%s: %s", digest, status);
	if (k < 0 || (size_t)k >= size)
		return;
	if (bar && total > 0) {
		char b[22];
		size_t fill = (size_t)(done >= total ? 20 : done * 20 / total);
		memset(b, ' ', 20);
		memset(b, '=', fill);
		if (fill < 20)
			b[fill] = '>';
		b[20] = 0;
		k += snprintf(buf + k, size - k, " [%s]", b);
		if ((size_t)k >= size)
			return;
	}
	if (total > 0 && done < total)
		k += snprintf(buf + k, size - k, " %s/%s", d, t);
	else
		k += snprintf(buf + k, size - k, " %s", d);
	if ((size_t)k >= size || elapsed_ns == 0)
		return;
	if (done < total || bar) {
		progress_format_bytes((uint64_t)((double)done * 1e9 / (double)elapsed_ns), r);
		snprintf(buf + k, size - k, " %s/s", r);
	} else {
		snprintf(buf + k, size - k, " in %.1fs", (double)elapsed_ns / 1e9);
	}
}

static void item_line(const struct progress_item *it, char *buf, size_t size, bool tty)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	const char *status = it->status ? it->status : "Waiting";
	uint64_t done = atomic_load(&it->done);
	bool finished = it->end.tv_sec || it->end.tv_nsec;
	uint64_t ns = 0;
	if (it->start.tv_sec || it->start.tv_nsec)
		ns = elapsed(&it->start, finished ? &it->end : &now);
	if (finished && done == 0) { /* nothing moved: "Already exists" */
		snprintf(buf, size, "%s: %s", it->short_id, status);
		return;
	}
	progress_format_line(buf, size, it->short_id, status, done, it->total, ns,
			     tty && !finished && it->status);
}

/* Called with the mutex held. */
static void redraw(struct progress *p)
{
	char line[256];
	if (p->drawn)
		fprintf(p->out, "\033[%zuA", p->n);
	for (size_t i = 0; i < p->n; i++) {
		item_line(&p->items[i], line, sizeof(line), true);
		fprintf(p->out, "\r\033[K%s\n", line);
	}
	fflush(p->out);
	p->drawn = true;
}

static void *draw_loop(void *arg)
{
	struct progress *p = arg;
	pthread_mutex_lock(&p->mu);
	/* at least one frame before the final one, however short the pull */
	redraw(p);
	while (!p->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += REDRAW_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cv, &p->mu, &until);
		if (!p->stop)
			redraw(p);
	}
	redraw(p);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct cubo_error *progress_new(FILE *out, bool tty, size_t n, struct progress **res)
{
	struct progress *p = xcalloc(1, sizeof(*p));

	p->items = xcalloc(n, sizeof(*p->items));
	p->out = out;
	p->tty = tty && out;
	p->n = n;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (p->tty && n > 0) {
		int rc = pthread_create(&p->thread, NULL, draw_loop, p);
		if (rc) {
			progress_free(p);
			return cubo_error_new_errno(rc, "progress: starting the display thread");
		}
		p->have_thread = true;
	}
	*res = p;
	return NULL;
}

void progress_item_start(struct progress *p, size_t i, const char *digest, uint64_t total)
{
	if (!p || i >= p->n)
		return;
	struct progress_item *it = &p->items[i];
	const char *hex = strchr(digest, ':');
	hex = hex ? hex + 1 : digest;
	pthread_mutex_lock(&p->mu);
	snprintf(it->short_id, sizeof(it->short_id), "%.12s", hex);
	it->total = total;
	it->status = "Downloading";
	clock_gettime(CLOCK_MONOTONIC, &it->start);
	pthread_mutex_unlock(&p->mu);
}

void progress_item_add(struct progress *p, size_t i, uint64_t bytes)
{
	if (p && i < p->n)
		atomic_fetch_add(&p->items[i].done, bytes);
}

void progress_item_done(struct progress *p, size_t i, const char *status)
{
	if (!p || i >= p->n)
		return;
	struct progress_item *it = &p->items[i];
	char line[256];
	pthread_mutex_lock(&p->mu);
	it->status = status;
	clock_gettime(CLOCK_MONOTONIC, &it->end);
	if (!p->tty && p->out) {
		item_line(it, line, sizeof(line), false);
		fprintf(p->out, "%s\n", line);
		fflush(p->out);
	}
	pthread_mutex_unlock(&p->mu);
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	if (p->have_thread) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->items);
	free(p);
}

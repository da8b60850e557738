/* SPDX-License-Identifier: Apache-2.0 */
/* Health checks: the check, its timing, its state (health.h). */
#include "cubo-mgr/container/health.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

struct cubo_error *health_duration_parse(const char *what, const char *s, int64_t *out)
{
	int64_t ns;

	if (!cubo_duration_parse(s, &ns))
		return cubo_error_new("%s \"%s\": not a duration (as 30s, 1m30s, 500ms)", what, s);
	if (ns != 0 && ns < HEALTH_MIN_DURATION)
		return cubo_error_new("%s \"%s\": cannot be less than 1ms", what, s);
	*out = ns;
	return NULL;
}

struct cubo_error *health_retries_parse(const char *what, const char *s, int *out)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v > INT_MAX || v < INT_MIN)
		return cubo_error_new("%s \"%s\": not an integer", what, s);
	if (v < 0)
		return cubo_error_new("%s cannot be negative (%ld)", what, v);
	*out = (int)v;
	return NULL;
}

bool health_enabled(const struct oci_healthcheck *h)
{
	return h && h->test.n >= 2 &&
	       (!strcmp(h->test.v[0], "CMD") || !strcmp(h->test.v[0], "CMD-SHELL"));
}

struct oci_healthcheck *health_merge(const struct oci_healthcheck *image,
				     const struct oci_healthcheck *flags)
{
	if (!flags)
		return oci_healthcheck_dup(image);
	struct oci_healthcheck *h = oci_healthcheck_dup(flags);
	if (!image)
		return h;
	if (!h->test.n) {
		free(h->test.v);
		struct oci_healthcheck *t = oci_healthcheck_dup(image);
		h->test = t->test;
		t->test = (struct oci_strlist){0};
		oci_healthcheck_free(t);
	}
	h->interval = h->interval ? h->interval : image->interval;
	h->timeout = h->timeout ? h->timeout : image->timeout;
	h->start_period = h->start_period ? h->start_period : image->start_period;
	h->start_interval = h->start_interval ? h->start_interval : image->start_interval;
	h->retries = h->retries ? h->retries : image->retries;
	return h;
}

/* v, or def for 0 (or less), at most HEALTH_MAX_DURATION */
static int64_t duration_or(int64_t v, int64_t def)
{
	if (v <= 0)
		return def;
	return v > HEALTH_MAX_DURATION ? HEALTH_MAX_DURATION : v;
}

void health_timing_of(const struct oci_healthcheck *h, struct health_timing *t)
{
	t->interval = duration_or(h->interval, HEALTH_DEFAULT_INTERVAL);
	t->timeout = duration_or(h->timeout, HEALTH_DEFAULT_TIMEOUT);
	t->start_period = duration_or(h->start_period, 0);
	t->start_interval = duration_or(h->start_interval, HEALTH_DEFAULT_START_INTERVAL);
	t->retries = h->retries > 0 ? h->retries : HEALTH_DEFAULT_RETRIES;
}

int64_t health_next_wait(const struct health_timing *t, int64_t since_start_ns, bool starting)
{
	if (since_start_ns >= t->start_period || !starting)
		return t->interval;
	return t->start_interval;
}

char **health_argv(const struct oci_healthcheck *h)
{
	char **v = NULL;
	size_t n = 0;

	if (!strcmp(h->test.v[0], "CMD-SHELL")) {
		/* docker's shell of a Linux container when the image sets none */
		cubo_strv_push(&v, &n, "/bin/sh");
		cubo_strv_push(&v, &n, "-c");
		cubo_strv_push(&v, &n, h->test.v[1]);
		return v;
	}
	for (size_t i = 1; i < h->test.n; i++)
		cubo_strv_push(&v, &n, h->test.v[i]);
	return v;
}

static const char *const status_names[] = {
	[HEALTH_NONE] = "none",
	[HEALTH_STARTING] = "starting",
	[HEALTH_HEALTHY] = "healthy",
	[HEALTH_UNHEALTHY] = "unhealthy",
};

const char *health_status_name(enum health_status s)
{
	return status_names[s];
}

bool health_status_parse(const char *s, enum health_status *out)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(*status_names); i++)
		if (!strcmp(s, status_names[i])) {
			*out = (enum health_status)i;
			return true;
		}
	return false;
}

bool health_set_status(struct health_state *s, enum health_status status)
{
	if (s->status == status)
		return false;
	s->status = status;
	return true;
}

void health_record(struct health_state *s, const struct health_timing *t, struct health_result *r,
		   int64_t since_start_ns)
{
	if (s->n_log == HEALTH_LOG_MAX) {
		free(s->log[0].output);
		memmove(&s->log[0], &s->log[1], (HEALTH_LOG_MAX - 1) * sizeof(s->log[0]));
		s->n_log--;
	}
	s->log[s->n_log++] = *r;
	int exit_code = r->exit_code;
	r->output = NULL;
	if (s->status == HEALTH_NONE)
		health_set_status(s, HEALTH_STARTING);
	if (exit_code == 0) {
		s->failing_streak = 0;
		health_set_status(s, HEALTH_HEALTHY);
		return;
	}
	/* failures while it starts up, within its start period, do not count */
	if (s->status == HEALTH_STARTING && since_start_ns < t->start_period)
		return;
	s->failing_streak++;
	if (s->failing_streak >= (unsigned)t->retries)
		health_set_status(s, HEALTH_UNHEALTHY);
}

void health_state_reset(struct health_state *s)
{
	health_set_status(s, HEALTH_STARTING);
	s->failing_streak = 0;
}

void health_state_free(struct health_state *s)
{
	for (size_t i = 0; i < s->n_log; i++)
		free(s->log[i].output);
	memset(s, 0, sizeof(*s));
}

static struct cubo_error *stamp(struct cubo_json_ctx *c, yajl_val v, const char *key, char *out)
{
	char *s = NULL;
	CUBO_TRY(cubo_json_field_string(c, v, key, false, &s));
	if (s && strlen(s) < CUBO_RFC3339_LEN)
		strcpy(out, s);
	free(s);
	return NULL;
}

static struct cubo_error *parse_log(struct cubo_json_ctx *c, yajl_val log, struct health_state *s)
{
	size_t n = log->u.array.len;
	size_t first = n > HEALTH_LOG_MAX ? n - HEALTH_LOG_MAX : 0;
	for (size_t i = first; i < n; i++) {
		yajl_val e = log->u.array.values[i];
		size_t mark = cubo_json_push_index(c, i);
		struct health_result *r = &s->log[s->n_log];
		struct cubo_error *err = cubo_json_expect_object(c, e);
		int32_t code = 0;
		if (!err)
			err = stamp(c, e, "Start", r->start);
		if (!err)
			err = stamp(c, e, "End", r->end);
		if (!err)
			err = cubo_json_field_int32(c, e, "ExitCode", false, &code, NULL);
		if (!err)
			err = cubo_json_field_string(c, e, "Output", false, &r->output);
		cubo_json_pop(c, mark);
		r->exit_code = code;
		s->n_log++;
		if (err)
			return err;
	}
	return NULL;
}

struct cubo_error *health_state_parse(const char *json, size_t len, const char *source,
				      struct health_state *out)
{
	yajl_val root, log;
	struct cubo_json_ctx c;
	char *status = NULL;
	uint32_t streak = 0;

	memset(out, 0, sizeof(*out));
	CUBO_TRY(cubo_json_parse(json, len, source, &root));
	cubo_json_ctx_init(&c, source);
	struct cubo_error *err = cubo_json_expect_object(&c, root);
	if (!err)
		err = cubo_json_field_string(&c, root, "Status", true, &status);
	if (!err && !health_status_parse(status, &out->status))
		err = cubo_json_error(&c, "Status: unknown status \"%s\"", status);
	if (!err)
		err = cubo_json_field_uint32(&c, root, "FailingStreak", false, &streak, NULL);
	out->failing_streak = streak;
	if (!err)
		err = cubo_json_field_array(&c, root, "Log", false, &log);
	if (!err && log) {
		size_t mark = cubo_json_push_key(&c, "Log");
		err = parse_log(&c, log, out);
		cubo_json_pop(&c, mark);
	}
	free(status);
	yajl_tree_free(root);
	if (err)
		health_state_free(out);
	return err;
}

void health_state_gen(struct cubo_json_gen *g, const struct health_state *s)
{
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "Status");
	cubo_json_gen_string(g, health_status_name(s->status));
	cubo_json_gen_key(g, "FailingStreak");
	cubo_json_gen_uint(g, s->failing_streak);
	cubo_json_gen_key(g, "Log");
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < s->n_log; i++) {
		const struct health_result *r = &s->log[i];
		cubo_json_gen_map_open(g);
		cubo_json_gen_key(g, "Start");
		cubo_json_gen_string(g, r->start);
		cubo_json_gen_key(g, "End");
		cubo_json_gen_string(g, r->end);
		cubo_json_gen_key(g, "ExitCode");
		cubo_json_gen_int(g, r->exit_code);
		cubo_json_gen_key(g, "Output");
		cubo_json_gen_string(g, r->output ? r->output : "");
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
	cubo_json_gen_map_close(g);
}

struct cubo_error *health_state_to_json(const struct health_state *s, char **out, size_t *len)
{
	struct cubo_json_gen *g;

	CUBO_TRY(cubo_json_gen_new(false, &g));
	health_state_gen(g, s);
	return cubo_json_gen_finish(g, out, len);
}

struct cubo_error *health_state_load(const char *dir, struct health_state *out)
{
	char *path = cubo_path_join(dir, HEALTH_STATE_FILE), *text;
	size_t len;

	memset(out, 0, sizeof(*out));
	struct cubo_error *err = cubo_read_file(path, &text, &len);
	if (err && err->errnum == ENOENT) {
		cubo_error_free(err);
		free(path);
		return NULL;
	}
	if (!err) {
		err = health_state_parse(text, len, path, out);
		free(text);
	}
	free(path);
	return err;
}

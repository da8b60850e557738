/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Covers: cubo-mgr/events/event.c (the JSON line and docker's text line),
 * filter.c (docker's filter rules), journal.c (append, rotation, reading
 * across it, garbage skipped), emit.c's health_status event.
 */
#include "tests/unit/helpers.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/events/event.h"
#include "cubo-mgr/events/filter.h"
#include "cubo-mgr/events/journal.h"
#include "shared/json.h"
#include "shared/strv.h"

static void make(struct ev_event *e, const char *type, const char *action, const char *id)
{
	memset(e, 0, sizeof(*e));
	e->type = xstrdup(type);
	e->action = xstrdup(action);
	e->id = xstrdup(id);
	e->time_ns = 1796652000123456789;
}

static void test_encode_docker_shape(void **state)
{
	(void)state;
	struct ev_event e;
	make(&e, "container", "die", "abc");
	ev_event_set(&e, "name", "web");
	ev_event_set(&e, "image", "busybox");
	ev_event_set(&e, "exitCode", "3");
	ev_event_set(&e, "name", "web2"); /* replaced, not added */
	char *line;
	size_t len;
	th_assert_ok(ev_event_encode(&e, &line, &len));
	assert_string_equal(
		line,
		"{\"status\":\"die\",\"id\":\"abc\",\"from\":\"busybox\",\"Type\":\"container\","
		"\"Action\":\"die\",\"Actor\":{\"ID\":\"abc\",\"Attributes\":{\"exitCode\":"
		"\"3\",\"image\":\"busybox\",\"name\":\"web2\"}},\"scope\":\"local\",\"time\":"
		"1796652000,\"timeNano\":1796652000123456789}\n");
	assert_int_equal(len, strlen(line));
	free(line);
	ev_event_free(&e);
	/* volumes and networks have no deprecated members */
	make(&e, "volume", "create", "v");
	th_assert_ok(ev_event_encode(&e, &line, &len));
	assert_non_null(strstr(line, "{\"Type\":\"volume\""));
	assert_null(strstr(line, "status"));
	free(line);
	ev_event_free(&e);
}

static void test_round_trip_hostile(void **state)
{
	(void)state;
	struct ev_event e, back;
	make(&e, "container", "start", "abc");
	ev_event_set(&e, "name", "x\"}\n{\"Type\":\"forged\"");
	ev_event_set(&e, "label", "a\\b\t\x01");
	char *line;
	size_t len;
	th_assert_ok(ev_event_encode(&e, &line, &len));
	/* one line: the newline of the value is escaped */
	assert_ptr_equal(strchr(line, '\n'), line + len - 1);
	th_assert_ok(ev_event_parse(line, len - 1, &back));
	assert_string_equal(back.type, "container");
	assert_string_equal(ev_event_get(&back, "name"), "x\"}\n{\"Type\":\"forged\"");
	assert_string_equal(ev_event_get(&back, "label"), "a\\b\t\x01");
	assert_true(back.time_ns == e.time_ns);
	/* the text line shows control characters escaped */
	char *text = ev_event_text(&back);
	assert_string_equal(text, "2026-12-07T14:00:00.123456789Z container start abc (label=a\\b"
				  "\\x09\\x01, name=x\"}\\x0a{\"Type\":\"forged\")");
	free(text);
	free(line);
	ev_event_free(&back);
	ev_event_free(&e);
}

/* docker compose's text line and --json object: compose's labels left out */
static void test_compose_forms(void **state)
{
	(void)state;
	struct ev_event e;
	make(&e, "container", "start", "abc");
	ev_event_set(&e, "image", "busybox");
	ev_event_set(&e, "name", "p-web-1\n");
	ev_event_set(&e, "com.docker.compose.service", "web");
	ev_event_set(&e, "com.docker.compose.project", "p");
	char *text = ev_event_compose_text(&e);
	assert_string_equal(text, "2026-12-07 14:00:00.123456 container start abc (image=busybox, "
				  "name=p-web-1\\x0a)");
	free(text);
	struct cubo_json_gen *g;
	size_t len;
	th_assert_ok(cubo_json_gen_new(false, &g));
	ev_event_compose_gen(&e, g);
	th_assert_ok(cubo_json_gen_finish(g, &text, &len));
	assert_string_equal(text, "{\"time\":\"2026-12-07T14:00:00.123456789Z\",\"type\":"
				  "\"container\",\"action\":\"start\",\"id\":\"abc\","
				  "\"service\":\"web\",\"attributes\":{\"image\":\"busybox\","
				  "\"name\":\"p-web-1\\n\"}}");
	free(text);
	ev_event_free(&e);
}

static void test_parse_errors(void **state)
{
	(void)state;
	struct ev_event e;
	const char *bad[] = {
		"garbage",
		"{\"Type\":\"container\"}",
		"[1,2]",
		"{\"Type\":\"c\",\"Action\":\"a\",\"timeNano\":1}",
		"{\"Type\":\"c\",\"Action\":\"a\",\"timeNano\":\"x\",\"Actor\":{\"ID\":\"i\"}}",
		"{\"Type\":\"c\",\"Action\":\"a\",\"timeNano\":1,\"Actor\":{\"ID\":\"i\","
		"\"Attributes\":{\"k\":1}}}",
		"{\"Type\":\"c\",\"Action\":\"a\",\"timeNano\":1,\"Actor\":{\"ID\":\"i\","
		"\"Attributes\":{\"k=v\":\"x\"}}}",
		"{\"Type\":\"c\",\"Action\":\"a\",\"timeNano\":1,\"Actor\":{\"ID\":\"i\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cubo_error *err = ev_event_parse(bad[i], strlen(bad[i]), &e);
		if (!err)
			fail_msg("accepted: %s", bad[i]);
		cubo_error_free(err);
	}
	const char *minimal = "{\"Type\":\"c\",\"Action\":\"a\",\"timeNano\":1,\"Actor\":{"
			      "\"ID\":\"i\"}}";
	th_assert_ok(ev_event_parse(minimal, strlen(minimal), &e));
	assert_null(e.attrs);
	ev_event_free(&e);
}

static bool passes(const char *const *filters, const struct ev_event *e)
{
	struct ev_filter f = {0};
	for (size_t i = 0; filters[i]; i++)
		th_assert_ok(ev_filter_add(&f, filters[i]));
	bool ok = ev_filter_match(&f, e);
	ev_filter_free(&f);
	return ok;
}

#define PASSES(e, ...) passes((const char *const[]){__VA_ARGS__, NULL}, (e))

static void test_filter(void **state)
{
	(void)state;
	struct ev_event c, img, net;
	make(&c, "container", "die", "abcdef0123");
	ev_event_set(&c, "name", "web");
	ev_event_set(&c, "image", "127.0.0.1:5000/busybox:latest");
	ev_event_set(&c, "tier", "front");
	make(&img, "image", "tag", "sha256:11");
	ev_event_set(&img, "name", "mine:1");
	make(&net, "network", "connect", "n1");
	ev_event_set(&net, "name", "app");
	ev_event_set(&net, "container", "abcdef0123");

	assert_true(PASSES(&c, "type=container"));
	assert_false(PASSES(&c, "type=image"));
	/* one key's values ORed, different keys ANDed */
	assert_true(PASSES(&c, "type=image", "type=container"));
	assert_false(PASSES(&c, "type=container", "event=start"));
	assert_true(PASSES(&c, "type=container", "event=start", "event=die"));
	/* a container by ID, ID prefix, name or name prefix */
	assert_true(PASSES(&c, "container=abcdef0123"));
	assert_true(PASSES(&c, "container=abc"));
	assert_true(PASSES(&c, "container=web"));
	assert_false(PASSES(&c, "container=other"));
	/* docker: a network event's actor is the network, not the container */
	assert_false(PASSES(&net, "container=web"));
	assert_true(PASSES(&net, "network=app"));
	assert_true(PASSES(&net, "network=n1"));
	/* image: the container's image with or without its tag, an image event's name */
	assert_true(PASSES(&c, "image=127.0.0.1:5000/busybox:latest"));
	assert_true(PASSES(&c, "image=127.0.0.1:5000/busybox"));
	assert_false(PASSES(&c, "image=127.0.0.1"));
	assert_true(PASSES(&img, "image=mine:1"));
	assert_true(PASSES(&img, "image=mine"));
	assert_true(PASSES(&img, "image=sha256:11"));
	assert_false(PASSES(&img, "image=busybox"));
	ev_event_set(&img, "name", "docker.io/library/mine:2");
	assert_true(PASSES(&img, "image=mine:2"));
	assert_true(PASSES(&img, "image=mine"));
	assert_true(PASSES(&img, "image=docker.io/library/mine"));
	/* labels: the key, or key=value */
	assert_true(PASSES(&c, "label=tier"));
	assert_true(PASSES(&c, "label=tier=front"));
	assert_false(PASSES(&c, "label=tier=back"));
	assert_false(PASSES(&c, "label=tie"));
	/* health_status matches every status after it */
	ev_event_free(&c);
	make(&c, "container", "health_status: healthy", "abc");
	assert_true(PASSES(&c, "event=health_status"));
	assert_true(PASSES(&c, "event=health_status: healthy"));
	assert_false(PASSES(&c, "event=health"));

	struct ev_filter f = {0};
	struct cubo_error *err = ev_filter_add(&f, "colour=red");
	th_expect_msg(err, "colour");
	err = ev_filter_add(&f, "type");
	th_expect_msg(err, "KEY=VALUE");
	ev_filter_free(&f);
	ev_event_free(&c);
	ev_event_free(&img);
	ev_event_free(&net);
}

struct collected {
	char **actions;
	size_t n;
};

static struct cubo_error *collect(const struct ev_event *e, void *ctx)
{
	struct collected *c = ctx;
	cubo_strv_push(&c->actions, &c->n, e->action);
	return NULL;
}

static void append(const char *root, const char *action)
{
	struct ev_event e;
	make(&e, "volume", action, "v");
	e.time_ns = 0; /* now */
	th_assert_ok(ev_journal_append(root, &e));
	assert_true(e.time_ns > 0);
	ev_event_free(&e);
}

static void append_raw(const char *root, const char *text)
{
	char *path = xasprintf("%s/" EV_JOURNAL_DIR "/" EV_JOURNAL_FILE, root);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	free(path);
}

static void test_journal_read_follow(void **state)
{
	struct th_dir *d = th_dir_new("events", NULL);
	*state = d;
	struct ev_reader from_end, all;
	/* a reader from the end, before there is a journal at all */
	th_assert_ok(ev_reader_open(d->dir, false, &from_end));
	append(d->dir, "a");
	append_raw(d->dir, "not json\n\n{\"Type\":1}\n");
	append(d->dir, "b");
	struct collected c = {0};
	th_assert_ok(ev_reader_read(&from_end, collect, &c));
	th_assert_strv(c.actions, "a", "b");
	/* a torn line waits for its end */
	append_raw(d->dir, "{\"Type\":\"volume\",\"Action\":\"c\",\"Actor\":{\"ID\":\"v\"},");
	th_assert_ok(ev_reader_read(&from_end, collect, &c));
	assert_int_equal(c.n, 2);
	append_raw(d->dir, "\"timeNano\":5}\n");
	th_assert_ok(ev_reader_read(&from_end, collect, &c));
	th_assert_strv(c.actions, "a", "b", "c");
	cubo_strv_free(c.actions);
	c = (struct collected){0};
	/* a reader from the end sees nothing old */
	th_assert_ok(ev_reader_open(d->dir, false, &all));
	th_assert_ok(ev_reader_read(&all, collect, &c));
	assert_int_equal(c.n, 0);
	ev_reader_close(&all);
	ev_reader_close(&from_end);
}

static void test_journal_rotation(void **state)
{
	struct th_dir *d = th_dir_new("events", NULL);
	*state = d;
	append(d->dir, "first");
	struct ev_reader follower;
	th_assert_ok(ev_reader_open(d->dir, false, &follower));
	/* a line longer than any event is skipped, and the file goes past the cap */
	size_t big = EV_JOURNAL_MAX + 10;
	char *junk = xmalloc(big + 2);
	memset(junk, 'x', big);
	junk[big] = '\n';
	junk[big + 1] = '\0';
	append_raw(d->dir, junk);
	free(junk);
	append(d->dir, "rotates");
	char *old = xasprintf("%s/" EV_JOURNAL_DIR "/" EV_JOURNAL_FILE ".1", d->dir);
	struct stat st;
	assert_int_equal(stat(old, &st), 0);
	append(d->dir, "after");
	/* the follower drains the renamed file, then reads the new one */
	struct collected c = {0};
	th_assert_ok(ev_reader_read(&follower, collect, &c));
	th_assert_strv(c.actions, "rotates", "after");
	cubo_strv_free(c.actions);
	ev_reader_close(&follower);
	/* from the start: the rotated file first */
	struct ev_reader all;
	c = (struct collected){0};
	th_assert_ok(ev_reader_open(d->dir, true, &all));
	th_assert_ok(ev_reader_read(&all, collect, &c));
	th_assert_strv(c.actions, "first", "rotates", "after");
	cubo_strv_free(c.actions);
	ev_reader_close(&all);
	free(old);
}

/* what the health checks call: docker's "health_status: STATUS" with the container's attributes */
static void test_health_status(void **state)
{
	struct th_dir *d = th_dir_new("events", NULL);
	*state = d;
	struct ctr_record r = {.name = xstrdup("web"), .image = xstrdup("busybox")};
	strcpy(r.id, "abc");
	char *labels[] = {"tier=front", NULL};
	r.labels = cubo_strv_dup(labels);
	struct ev_reader rd;
	th_assert_ok(ev_reader_open(d->dir, false, &rd));
	bool warned = false;
	ev_health_status(d->dir, &r, "healthy", &warned);
	assert_false(warned);
	struct collected c = {0};
	th_assert_ok(ev_reader_read(&rd, collect, &c));
	th_assert_strv(c.actions, "health_status: healthy");
	cubo_strv_free(c.actions);
	ev_reader_close(&rd);
	/* a root where the journal cannot be: the caller is told once, nothing fails */
	char *file = xasprintf("%s/file", d->dir);
	int fd = open(file, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	ev_health_status(file, &r, "unhealthy", &warned);
	assert_true(warned);
	free(file);
	ctr_record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_docker_shape),
		cmocka_unit_test(test_round_trip_hostile),
		cmocka_unit_test(test_compose_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_filter),
		cmocka_unit_test_teardown(test_journal_read_follow, th_dir_teardown),
		cmocka_unit_test_teardown(test_journal_rotation, th_dir_teardown),
		cmocka_unit_test_teardown(test_health_status, th_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event journal's lines (cubo-mgr/events/event.c) and events --filter
 * (filter.c): any line parses or fails cleanly; an event that parses
 * encodes to one line (its only newline the last byte) that parses to the
 * same line again, and its text line holds no control character; any
 * filter argument is taken or refused, and matching never crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/events/event.h"
#include "cubo-mgr/events/filter.h"
#include "tests/fuzz/fuzz.h"

static void line(const char *s, size_t n, const char *filter_arg)
{
	struct ev_event e, again;
	struct cubo_error *err = ev_event_parse(s, n, &e);
	if (err) {
		fuzz_drop(err);
		return;
	}
	char *a, *b;
	size_t la, lb;
	err = ev_event_encode(&e, &a, &la);
	if (err) { /* longer than a journal line: refused, never written */
		fuzz_drop(err);
		ev_event_free(&e);
		return;
	}
	if (!la || a[la - 1] != '\n' || memchr(a, '\n', la - 1))
		FUZZ_FAIL("an event encoded to more or less than one line:\n%s", a);
	fuzz_must(ev_event_parse(a, la - 1, &again), "parse an encoded event");
	fuzz_must(ev_event_encode(&again, &b, &lb), "encode it again");
	if (la != lb || memcmp(a, b, la))
		FUZZ_FAIL("event round trip differs:\n%s%s", a, b);
	char *text = ev_event_text(&e);
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			FUZZ_FAIL("control character 0x%02x in the text line", (unsigned char)*p);
	struct ev_filter f = {0};
	err = ev_filter_add(&f, filter_arg);
	if (!err)
		(void)ev_filter_match(&f, &e);
	fuzz_drop(err);
	ev_filter_free(&f);
	free(text);
	free(a);
	free(b);
	ev_event_free(&again);
	ev_event_free(&e);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* "line\0filter": the filter argument after the first NUL, if any */
	char *s = malloc(size + 2);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = s[size + 1] = 0;
	size_t n = strlen(s);
	line(s, n, s + n + 1);
	free(s);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/timeutil.h"

#include <string.h>

/* Zero-padded decimal of exactly width digits; callers keep value in range. */
static char *put_digits(char *p, long value, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + value % 10);
		value /= 10;
	}
	return p + width;
}

void cubo_time_rfc3339(const struct timespec *ts, char buf[CUBO_RFC3339_LEN])
{
	struct tm tm;
	time_t secs = ts->tv_sec;
	long nsec = ts->tv_nsec;
	char *p = buf;

	/* A normalized timespec keeps 0 <= tv_nsec < 1e9; fold anything else in. */
	if (nsec < 0 || nsec >= 1000000000L) {
		secs += nsec / 1000000000L;
		nsec %= 1000000000L;
		if (nsec < 0) {
			nsec += 1000000000L;
			secs--;
		}
	}
	/* RFC 3339 has four-digit years; a clock outside them is garbage anyway. */
	if (!gmtime_r(&secs, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		strcpy(buf, "1970-01-01T00:00:00.000000000Z");
		return;
	}
	p = put_digits(p, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_sec, 2);
	*p++ = '.';
	p = put_digits(p, nsec, 9);
	*p++ = 'Z';
	*p = '\0';
}

void cubo_time_now_rfc3339(char buf[CUBO_RFC3339_LEN])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	cubo_time_rfc3339(&ts, buf);
}

int64_t cubo_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

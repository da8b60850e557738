/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
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

bool cubo_duration_parse(const char *s, int64_t *ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1},	 {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6},
		     {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	double total = 0;
	bool neg = *s == '-';

	if (*s == '-' || *s == '+')
		s++;
	if (!strcmp(s, "0")) {
		*ns = 0;
		return true;
	}
	if (!*s)
		return false;
	while (*s) {
		char *end;
		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return false;
		double v = strtod(s, &end);
		if (end == s)
			return false;
		s = end;
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
			size_t n = strlen(units[i].unit);
			if (!strncmp(s, units[i].unit, n) && n > best_len)
				best = i, best_len = n;
		}
		if (!best_len)
			return false;
		total += v * units[best].ns;
		s += best_len;
	}
	if (total > 9.2e18)
		return false;
	*ns = neg ? -(int64_t)total : (int64_t)total;
	return true;
}

/* "1.5" from 1500000000 and 1e9: the quotient, and the fraction without trailing zeros. */
static size_t put_fraction(char *p, uint64_t v, uint64_t unit)
{
	size_t n = (size_t)sprintf(p, "%llu", (unsigned long long)(v / unit));
	uint64_t frac = v % unit;
	if (!frac)
		return n;
	int digits = 0;
	for (uint64_t u = unit; u > 1; u /= 10)
		digits++;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	n += (size_t)sprintf(p + n, ".%0*llu", digits, (unsigned long long)frac);
	return n;
}

void cubo_duration_format(int64_t ns, char buf[CUBO_DURATION_LEN])
{
	char *p = buf;
	uint64_t v = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	if (ns < 0)
		*p++ = '-';
	if (v == 0) {
		strcpy(buf, "0s");
		return;
	}
	if (v < 1000000000ULL) { /* below a second: the largest unit that fits */
		const char *unit = v < 1000 ? "ns" : v < 1000000 ? "\xc2\xb5s" : "ms";
		uint64_t div = v < 1000 ? 1 : v < 1000000 ? 1000 : 1000000;
		p += put_fraction(p, v, div);
		strcpy(p, unit);
		return;
	}
	uint64_t h = v / 3600000000000ULL, m = v / 60000000000ULL % 60;
	if (h)
		p += sprintf(p, "%lluh", (unsigned long long)h);
	if (h || m)
		p += sprintf(p, "%llum", (unsigned long long)m);
	p += put_fraction(p, v % 60000000000ULL, 1000000000ULL);
	strcpy(p, "s");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Byte sizes: see size.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "shared/size.h"

struct cubo_error *cubo_parse_size(const char *s, int64_t *bytes)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0 || isnan(v))
		return cubo_error_new("invalid size \"%s\"", s);
	double mult = 1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'b':
		end++;
		goto check_end;
	case 'k':
		mult = 1024.0;
		break;
	case 'm':
		mult = 1024.0 * 1024;
		break;
	case 'g':
		mult = 1024.0 * 1024 * 1024;
		break;
	case 't':
		mult = 1024.0 * 1024 * 1024 * 1024;
		break;
	default:
		return cubo_error_new("invalid size \"%s\": unknown unit", s);
	}
	if (*end) {
		end++;
		if (tolower((unsigned char)*end) == 'b')
			end++;
	}
check_end:
	if (*end)
		return cubo_error_new("invalid size \"%s\"", s);
	double r = v * mult;
	if (r >= 9.2e18)
		return cubo_error_new("size \"%s\" is too large", s);
	*bytes = (int64_t)r;
	return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/signals.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct signal_entry {
	const char *name; /* without "SIG" */
	int sig;
};

static const struct signal_entry signal_table[] = {
	{"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},	     {"CHLD", SIGCHLD},
	{"CLD", SIGCHLD},  {"CONT", SIGCONT}, {"FPE", SIGFPE},	     {"HUP", SIGHUP},
	{"ILL", SIGILL},   {"INT", SIGINT},   {"IO", SIGIO},	     {"IOT", SIGIOT},
	{"KILL", SIGKILL}, {"PIPE", SIGPIPE}, {"POLL", SIGPOLL},     {"PROF", SIGPROF},
	{"PWR", SIGPWR},   {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV},     {"STKFLT", SIGSTKFLT},
	{"STOP", SIGSTOP}, {"SYS", SIGSYS},   {"TERM", SIGTERM},     {"TRAP", SIGTRAP},
	{"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
	{"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH},
	{"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

static bool parse_small_int(const char *s, int *out)
{
	char *end;
	long v;

	if (!*s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > 1000)
		return false;
	*out = (int)v;
	return true;
}

/* "RTMIN", "RTMIN+n", "RTMAX-n" (name already stripped of SIG); *out only on success. */
static bool parse_realtime(const char *name, int *out)
{
	int sig, off = 0;

	if (strncasecmp(name, "RTMIN", 5) == 0) {
		name += 5;
		if (*name == '+' && !parse_small_int(name + 1, &off))
			return false;
		if (*name && *name != '+')
			return false;
		sig = SIGRTMIN + off;
	} else if (strncasecmp(name, "RTMAX", 5) == 0) {
		name += 5;
		if (*name == '-' && !parse_small_int(name + 1, &off))
			return false;
		if (*name && *name != '-')
			return false;
		sig = SIGRTMAX - off;
	} else {
		return false;
	}
	if (sig < SIGRTMIN || sig > SIGRTMAX)
		return false;
	*out = sig;
	return true;
}

struct cubo_error *signal_parse(const char *s, int *out)
{
	const char *name = s;
	int sig;

	if (!s || !*s)
		return cubo_error_new("empty signal");
	if (parse_small_int(s, &sig)) {
		if (sig < 1 || sig > SIGRTMAX)
			return cubo_error_new("invalid signal number %s", s);
		*out = sig;
		return NULL;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof(signal_table) / sizeof(signal_table[0]); i++) {
		if (strcasecmp(name, signal_table[i].name) == 0) {
			*out = signal_table[i].sig;
			return NULL;
		}
	}
	if (parse_realtime(name, out))
		return NULL;
	return cubo_error_new("unknown signal \"%s\"", s);
}

const char *signal_name(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP",	   [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL",	   [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS",	   [SIGFPE] = "SIGFPE",	  [SIGKILL] = "SIGKILL",
		[SIGUSR1] = "SIGUSR1",	   [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE",	   [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
		[SIGCHLD] = "SIGCHLD",	   [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP",
		[SIGTSTP] = "SIGTSTP",	   [SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",
		[SIGURG] = "SIGURG",	   [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
		[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
		[SIGSTKFLT] = "SIGSTKFLT", [SIGIO] = "SIGIO",	  [SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};
	if (sig > 0 && (size_t)sig < sizeof(names) / sizeof(names[0]))
		return names[sig];
	return NULL;
}

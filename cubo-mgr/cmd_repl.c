/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo repl: a prompt (libedit: line editing, history, Tab completion) whose
 * lines are cubo commands, run by this process through the same dispatch as
 * main's command line.
 *
 * Quick commands (ps, images, inspect, ...) run in-process: a line costs no
 * exec, no dynamic loading, no re-reading of settings. A command that can
 * block on the container, the terminal or the network (run, exec, attach,
 * logs, stop, pull, ...) runs in a forked child, for three reasons: Ctrl-C
 * must stop it and not the prompt; it may put the terminal in raw mode or
 * install signal handling that must not outlive it; and the image commands
 * of the lean cubo-mgr exec cubo-mgr-image, which would replace the prompt.
 * The fork is of this process (no exec of cubo), so it is as cheap as a fork.
 */
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/mgr.h"
#include "cubo-mgr/repl/complete.h"
#include "cubo-mgr/repl/split.h"
#include "shared/fs.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define HISTORY_LINES 1000
/* what one capture of a command's output (help text, names) may bring back */
#define CAPTURE_MAX (1 << 20)
/* and how long it may take (ms) */
#define CAPTURE_MS 3000

struct repl {
	struct mgr *m;
	EditLine *el;
	History *hist;
	char *hist_path; /* NULL: no history file */
	int last_rc;
	bool cancelled;	     /* Ctrl-C on the line being edited */
	bool history_failed; /* said once: not after every line */
	char prompt[64];
};

/*
 * The quick commands run in-process; anything else forks (see the top). Of
 * the network verbs only the listings: the others run CNI plugins and
 * iptables, and connect enters the container's network namespace.
 */
static bool runs_in_process(char *const *w, int n)
{
	static const char *const quick[] = {"ps",      "images",  "blueprint", "inspect", "info",
					    "version", "port",	  "top",       "tag",	  "rmi",
					    "rmb",     "history", "volume",    "kill",	  "pause",
					    "unpause", "init",	  NULL};
	static const char *const container_quick[] = {"ls",	 "list",  "ps",	  "inspect",
						      "port",	 "top",	  "kill", "pause",
						      "unpause", "prune", NULL};
	static const char *const image_quick[] = {"ls",	     "list",	"rm",	 "remove", "tag",
						  "inspect", "history", "prune", NULL};
	static const char *const network_quick[] = {"ls", "list", "inspect", NULL};
	static const struct {
		const char *group;
		const char *const *verbs;
	} groups[] = {
		{"container", container_quick}, {"image", image_quick}, {"network", network_quick}};
	const char *const *list = quick;
	const char *cmd = w[0];
	for (size_t i = 0; i < CLI_N(groups); i++)
		if (!strcmp(w[0], groups[i].group)) {
			if (n < 2)
				return true; /* the group's help */
			list = groups[i].verbs;
			cmd = w[1];
		}
	for (; *list; list++)
		if (!strcmp(*list, cmd))
			return true;
	return false;
}

/* mgr_dispatch on a copy of w (commands reorder their argv) with m->argv to match */
static int dispatch(struct repl *r, char *const *w)
{
	char **argv = cubo_strv_dup(w);
	char **full = mgr_full_argv(r->m, w);
	char **saved = r->m->argv;
	r->m->argv = full;
	int rc = mgr_dispatch(r->m, (int)cubo_strv_len(argv), argv);
	r->m->argv = saved;
	fflush(stdout);
	fflush(stderr);
	cubo_strv_free(full);
	cubo_strv_free(argv);
	return rc;
}

static void child_signals(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
}

/* Run w in a child of this process; its exit status, or 128 + the signal that ended it. */
static int run_forked(struct repl *r, char *const *w)
{
	struct termios tio;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tio) == 0;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return mgr_fail(r->m, cubo_error_errno("fork"));
	if (pid == 0) {
		child_signals();
		_exit(dispatch(r, w) & 0xff);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* a command killed in raw mode leaves the terminal so */
	if (tty)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &tio);
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGINT)
			fputc('\n', stderr);
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Read fd to EOF into buf (at most cap bytes) within CAPTURE_MS; false when it took longer. */
static bool read_bounded(int fd, char *buf, size_t cap, size_t *len)
{
	long deadline = now_ms() + CAPTURE_MS;
	for (;;) {
		long left = deadline - now_ms();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (left <= 0)
			return false;
		int k = poll(&pfd, 1, (int)left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		ssize_t got = read(fd, buf + *len, cap - *len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return true; /* EOF, or an error: what came is what there is */
		*len += (size_t)got;
		if (*len == cap)
			return true;
	}
}

/*
 * The stdout of w, run in a child with stdin and stderr on /dev/null; NULL
 * when it failed. At most CAPTURE_MAX bytes.
 */
static char *capture(struct repl *r, char *const *w)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	if (pid == 0) {
		child_signals();
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(p[1], STDOUT_FILENO) < 0 || dup2(null, STDIN_FILENO) < 0 ||
		    dup2(null, STDERR_FILENO) < 0)
			_exit(MGR_EXIT_FAILURE);
		_exit(dispatch(r, w) & 0xff);
	}
	close(p[1]);
	char *buf = xmalloc(CAPTURE_MAX + 1);
	size_t len = 0;
	bool whole = read_bounded(p[0], buf, CAPTURE_MAX, &len);
	buf[len] = '\0';
	close(p[0]);
	if (!whole)
		kill(pid, SIGKILL); /* a Tab must not hang the prompt (a lock held elsewhere) */
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* --help exits 0; a group without a verb prints its help and 125 */
	if (!whole || !WIFEXITED(status) || len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Every blank-separated word of the output of w, pushed onto *v. */
static void capture_words(struct repl *r, char *const *w, char ***v, size_t *n)
{
	char *out = capture(r, w);
	if (!out)
		return;
	char *save = NULL;
	for (char *t = strtok_r(out, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
		if (strcmp(t, "<none>:<none>"))
			cubo_strv_push(v, n, t);
	free(out);
}

/* The help of words[0] (and its verb for a group): NULL when it cannot be had. */
static char *command_help(struct repl *r, char *const *words, int n)
{
	if (n == 0 || !mgr_find_subcommand(r->m->commands, r->m->n_commands, words[0]))
		return NULL;
	bool group =
		n >= 2 && (!strcmp(words[0], "image") || !strcmp(words[0], "container") ||
			   !strcmp(words[0], "volume") || !strcmp(words[0], "network") ||
			   !strcmp(words[0], "healthcheck") || !strcmp(words[0], "checkpoint") ||
			   !strcmp(words[0], "manifest") || !strcmp(words[0], "system"));
	char *argv[] = {words[0], group ? words[1] : "--help", group ? "--help" : NULL, NULL};
	return capture(r, argv);
}

static const char *const builtins[] = {"help", "exit", "quit", "clear", "list", "ls", "time", NULL};

/* The candidates for the kinds in mask (complete.h). */
static char **candidates(struct repl *r, unsigned mask, char *const *words, int n, const char *help)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t k = 0;
	if (mask & REPL_COMMAND) {
		for (size_t i = 0; i < r->m->n_commands; i++)
			if (r->m->commands[i].summary)
				cubo_strv_push(&v, &k, r->m->commands[i].name);
		for (size_t i = 0; builtins[i]; i++)
			cubo_strv_push(&v, &k, builtins[i]);
	}
	if ((mask & REPL_VERB) || (mask & REPL_FLAG)) {
		char *group_help = NULL;
		if ((mask & REPL_VERB) && !help) {
			char *argv[] = {words[0], "--help", NULL};
			help = group_help = capture(r, argv);
		}
		if (help && (mask & REPL_VERB)) {
			char **verbs = repl_help_verbs(help);
			for (size_t i = 0; verbs[i]; i++)
				cubo_strv_push(&v, &k, verbs[i]);
			cubo_strv_free(verbs);
		}
		if (help && (mask & REPL_FLAG)) {
			char **flags, **values;
			repl_help_flags(help, &flags, &values);
			for (size_t i = 0; flags[i]; i++)
				cubo_strv_push(&v, &k, flags[i]);
			cubo_strv_free(flags);
			cubo_strv_free(values);
		}
		free(group_help);
	}
	if (mask & REPL_CONTAINER) {
		char *argv[] = {"ps", "-a", "--format", "{{.ID}} {{.Names}}", NULL};
		capture_words(r, argv, &v, &k);
	}
	if (mask & REPL_IMAGE) {
		char *argv[] = {"images", "--format", "{{.Repository}}:{{.Tag}}", NULL};
		capture_words(r, argv, &v, &k);
	}
	if (mask & REPL_VOLUME) {
		char *argv[] = {"volume", "ls", "-q", NULL};
		capture_words(r, argv, &v, &k);
	}
	if (mask & REPL_NETWORK) {
		char *argv[] = {"network", "ls", "--format", "{{.Name}}", NULL};
		capture_words(r, argv, &v, &k);
	}
	(void)n;
	return v;
}

static struct repl *repl_of(EditLine *el)
{
	struct repl *r = NULL;
	el_get(el, EL_CLIENTDATA, &r);
	return r;
}

/* Tab: complete the word under the cursor, or list the choices. */
static unsigned char on_tab(EditLine *el, int ch)
{
	(void)ch;
	struct repl *r = repl_of(el);
	const LineInfo *li = el_line(el);
	if (li->cursor - li->buffer > REPL_LINE_MAX)
		return CC_REFRESH_BEEP; /* a line that cannot run: nothing to complete */
	char **words, *partial, quote;
	int n;
	repl_split_partial(li->buffer, (size_t)(li->cursor - li->buffer), &words, &n, &partial,
			   &quote);
	char *help = command_help(r, words, n);
	char **flags = NULL, **values = NULL;
	if (help)
		repl_help_flags(help, &flags, &values);
	unsigned mask = repl_complete_kind(words, n, partial, values);
	char **cands = candidates(r, mask, words, n, help);
	const char *prefix = partial ? partial : "";
	char **match = repl_matches(cands, prefix);
	unsigned char rc = CC_REFRESH_BEEP;
	size_t plen = strlen(prefix), common = repl_common_prefix(match);
	if (match[0] && !match[1]) {
		/* one match: the word is done, its open quote closed */
		char *ins = quote ? xasprintf("%s%c ", match[0] + plen, quote)
				  : xasprintf("%s ", match[0] + plen);
		el_insertstr(el, ins);
		free(ins);
		rc = CC_REFRESH;
	} else if (match[0] && common > plen) {
		char *ins = xstrndup(match[0] + plen, common - plen);
		el_insertstr(el, ins);
		free(ins);
		rc = CC_REFRESH;
	} else if (match[0]) {
		fputc('\n', stdout);
		for (size_t i = 0; match[i]; i++)
			printf("%s%s", match[i], match[i + 1] ? "  " : "\n");
		fflush(stdout);
		rc = CC_REDISPLAY;
	}
	cubo_strv_free(match);
	cubo_strv_free(cands);
	cubo_strv_free(flags);
	cubo_strv_free(values);
	free(help);
	free(partial);
	cubo_strv_free(words);
	return rc;
}

/* Ctrl-C while editing: drop the line, a new prompt (the terminal sends it as a key: -isig). */
static unsigned char on_cancel(EditLine *el, int ch)
{
	(void)ch;
	repl_of(el)->cancelled = true;
	fputs("^C", stdout);
	fflush(stdout);
	return CC_NEWLINE;
}

static char *prompt_of(EditLine *el)
{
	struct repl *r = repl_of(el);
	if (r->last_rc)
		snprintf(r->prompt, sizeof(r->prompt), "%s [%d]> ", r->m->prog, r->last_rc);
	else
		snprintf(r->prompt, sizeof(r->prompt), "%s> ", r->m->prog);
	return r->prompt;
}

/* $XDG_STATE_HOME/cubo/history, else ~/.cubo_history; NULL without either */
static char *history_path(const struct mgr_settings *s)
{
	if (s->xdg_state_home) {
		char *dir = xasprintf("%s/cubo", s->xdg_state_home);
		struct cubo_error *err = cubo_mkdir_p(dir, 0700);
		cubo_error_free(err);
		char *p = err ? NULL : xasprintf("%s/history", dir);
		free(dir);
		return p;
	}
	return s->home ? xasprintf("%s/.cubo_history", s->home) : NULL;
}

/*
 * Write the history (its last HISTORY_LINES lines) through a temp file and
 * a rename: a crash leaves the old file or the new, never half of one.
 */
static void history_save(struct repl *r)
{
	if (!r->hist_path)
		return;
	/* libedit writes to a FILE with a descriptor (it fchmods it): an unnamed temp file */
	FILE *f = tmpfile();
	HistEvent ev;
	struct cubo_error *err = NULL;
	struct stat st;
	if (!f || history(r->hist, &ev, H_SAVE_FP, f) < 0 || fflush(f) || fseek(f, 0, SEEK_SET) ||
	    fstat(fileno(f), &st))
		err = cubo_error_errno("write a temporary file");
	if (!err) {
		char *buf = xmalloc((size_t)st.st_size + 1);
		size_t len = cubo_read_until_eof(fileno(f), buf, (size_t)st.st_size + 1);
		err = cubo_write_file_replace(r->hist_path, buf, len, 0600);
		free(buf);
	}
	if (f)
		fclose(f);
	if (err && !r->history_failed) {
		err = cubo_error_wrap(err, "history %s (not saved)", r->hist_path);
		cubo_error_print(err, r->m->prog, stderr);
	}
	r->history_failed = err != NULL;
	cubo_error_free(err);
}

static void print_help(struct repl *r)
{
	printf("Type cubo commands as in a shell, without the leading \"%s\": ps, run --rm -it "
	       "IMAGE sh, ...\nQuoting: '...', \"...\", \\; no globbing, no variables.\n\n"
	       "Built-ins:\n"
	       "  help        this help\n"
	       "  list, ls    all containers (ps -a)\n"
	       "  time CMD    run CMD, then print how long it took\n"
	       "  clear       clear the screen\n"
	       "  exit, quit  leave (Ctrl-D too); Ctrl-C drops the line being typed\n\n"
	       "Commands:\n",
	       r->m->prog);
	for (size_t i = 0; i < r->m->n_commands; i++)
		if (r->m->commands[i].summary && strcmp(r->m->commands[i].name, "repl"))
			printf("  %-10s %s\n", r->m->commands[i].name, r->m->commands[i].summary);
	fflush(stdout);
}

static int run_line(struct repl *r, char **w, int n, bool *leave);

/* `time CMD`: run CMD, then its wall-clock time on stderr (for measuring, see tests/bench) */
static int run_timed(struct repl *r, char **w, int n, bool *leave)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int rc = run_line(r, w, n, leave);
	clock_gettime(CLOCK_MONOTONIC, &b);
	fprintf(stderr, "real %.3f ms\n",
		(double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	return rc;
}

/* One line's words: a built-in, or a command. Returns its exit status. */
static int run_line(struct repl *r, char **w, int n, bool *leave)
{
	if (n == 0)
		return 0;
	if (!strcmp(w[0], "exit") || !strcmp(w[0], "quit")) {
		char *end = NULL;
		long code = n > 1 ? strtol(w[1], &end, 10) : r->last_rc;
		if (n > 2 || (end && (end == w[1] || *end)))
			return mgr_fail(
				r->m,
				cubo_error_new("%s: takes one number, the exit status", w[0]));
		*leave = true;
		return (int)(code & 0xff);
	}
	if (!strcmp(w[0], "help")) {
		print_help(r);
		return 0;
	}
	if (!strcmp(w[0], "clear")) {
		fputs("\033[H\033[2J", stdout);
		fflush(stdout);
		return 0;
	}
	if (!strcmp(w[0], "time"))
		return run_timed(r, w + 1, n - 1, leave);
	if (!strcmp(w[0], "repl"))
		return mgr_fail(r->m, cubo_error_new("repl: already at the prompt"));
	if (!strcmp(w[0], "list") || !strcmp(w[0], "ls")) {
		/* ps -a, with the rest of the line as more flags */
		char **v = NULL;
		size_t k = 0;
		cubo_strv_push(&v, &k, "ps");
		cubo_strv_push(&v, &k, "-a");
		for (int i = 1; i < n; i++)
			cubo_strv_push(&v, &k, w[i]);
		int rc = dispatch(r, v);
		cubo_strv_free(v);
		return rc;
	}
	return runs_in_process(w, n) ? dispatch(r, w) : run_forked(r, w);
}

static void on_sigint(int sig)
{
	(void)sig; /* a command in a child gets the signal; the prompt stays */
}

static struct cubo_error *repl_open(struct repl *r)
{
	r->hist = history_init();
	r->el = el_init(r->m->prog, stdin, stdout, stderr);
	if (!r->hist || !r->el)
		return cubo_error_new("libedit: cannot set up the line editor");
	HistEvent ev;
	history(r->hist, &ev, H_SETSIZE, HISTORY_LINES);
	history(r->hist, &ev, H_SETUNIQUE, 1);
	r->hist_path = history_path(&r->m->settings);
	if (r->hist_path)
		history(r->hist, &ev, H_LOAD, r->hist_path); /* missing: a new history */
	el_set(r->el, EL_CLIENTDATA, r);
	el_set(r->el, EL_EDITOR, "emacs");
	el_set(r->el, EL_HIST, history, r->hist);
	el_set(r->el, EL_PROMPT, prompt_of);
	el_set(r->el, EL_SIGNAL, 1);
	/* Ctrl-C is a key while editing, so that it cancels the line, not the program */
	el_set(r->el, EL_SETTY, "-d", "-isig", NULL);
	/* the wide call keeps the names as given; el_set's copies of them are never freed */
	el_wset(r->el, EL_ADDFN, L"cubo-complete", L"complete a cubo word", on_tab);
	el_set(r->el, EL_BIND, "^I", "cubo-complete", NULL);
	el_wset(r->el, EL_ADDFN, L"cubo-cancel", L"drop the line", on_cancel);
	el_set(r->el, EL_BIND, "^C", "cubo-cancel", NULL);
	el_source(r->el, NULL); /* ~/.editrc, as other libedit programs */
	return NULL;
}

static void repl_close(struct repl *r)
{
	if (r->el)
		el_end(r->el);
	if (r->hist)
		history_end(r->hist);
	free(r->hist_path);
}

int cmd_repl(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const struct mgr_cmd_spec spec = {
		.name = "repl",
		.usage = "repl",
		.description =
			"An interactive prompt: each line is a cubo command, typed as in a shell\n"
			"(quotes and backslashes; no globbing or variables), run in this process\n"
			"(one that may wait on a container, the terminal or the network runs in\n"
			"a fork of it, which Ctrl-C stops). Line editing, Tab completion of\n"
			"commands, flags and names, history in $XDG_STATE_HOME/cubo/history or\n"
			"~/.cubo_history. Type help for the built-ins; exit, quit or Ctrl-D "
			"leaves.",
		MGR_ARGS(0, 0, "\"repl\" accepts no arguments"),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	/*
	 * libedit reads its lines with read(2); a command that reads stdin
	 * through stdio (prune's confirmation) must not buffer the lines after
	 * its own away from it
	 */
	setvbuf(stdin, NULL, _IONBF, 0);
	struct repl r = {.m = m};
	struct cubo_error *err = repl_open(&r);
	if (err) {
		repl_close(&r);
		return mgr_fail(m, err);
	}
	struct sigaction sa = {.sa_handler = on_sigint, .sa_flags = SA_RESTART}, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	bool leave = false;
	while (!leave) {
		int count = 0;
		r.cancelled = false;
		const char *line = el_gets(r.el, &count);
		if (!line) {
			if (count < 0 && errno == EINTR)
				continue;
			if (isatty(STDIN_FILENO))
				fputc('\n', stdout);
			break; /* Ctrl-D, or the end of the input */
		}
		if (r.cancelled) {
			fputc('\n', stdout);
			continue;
		}
		size_t len = strlen(line);
		/* libedit stops the line at a NUL but counts what it read past it */
		bool nul = count > 0 && (size_t)count > len;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		char **w = NULL;
		int n = 0;
		err = nul ? cubo_error_new("the line holds a NUL byte")
			  : repl_split(line, len, &w, &n);
		if (n > 0 || err) {
			HistEvent ev;
			char *entry = xstrndup(line, len);
			history(r.hist, &ev, H_ENTER, entry);
			free(entry);
			history_save(&r);
		}
		if (err) {
			r.last_rc = mgr_fail(m, err);
			continue;
		}
		if (n > 0)
			r.last_rc = run_line(&r, w, n, &leave);
		cubo_strv_free(w);
		clearerr(stdin);
	}
	sigaction(SIGINT, &old, NULL);
	rc = r.last_rc;
	repl_close(&r);
	fflush(stdout);
	return rc;
}

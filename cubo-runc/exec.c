/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/exec.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-runc/opts.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* The flag table; `f` is where the values go. */
#define EXEC_OPTS(f)                                                                               \
	{"process",	     'p',    OPT_STRING,                                                   \
	 &(f)->process_file, "FILE", "a JSON process object to run instead of COMMAND"},           \
		{"tty", 't', OPT_BOOL, &(f)->tty, NULL, "allocate a pseudo-terminal"},             \
		{"console-socket", 0,                                                              \
		 OPT_STRING,	   &(f)->console_socket,                                           \
		 "PATH",	   "unix socket that receives the pty master (with --tty)"},       \
		{"cwd", 0, OPT_STRING, &(f)->cwd, "DIR", "working directory in the container"},    \
		{"env",	    'e',	 OPT_STRING,                                               \
		 &(f)->env, "KEY=VALUE", "set an environment variable (repeatable)"},              \
		{"user", 'u', OPT_STRING, &(f)->user, "UID[:GID]", "run as this user"},            \
		{"additional-gids", 'g',   OPT_STRING,                                             \
		 &(f)->gids,	    "GID", "add a supplementary group (repeatable)"},              \
		{"cap",	     'c',   OPT_STRING,                                                    \
		 &(f)->caps, "CAP", "add a capability to the container's (repeatable)"},           \
		{"detach",     'd',  OPT_BOOL,                                                     \
		 &(f)->detach, NULL, "return once the process has started"},                       \
		{"pid-file",	 0,	 OPT_STRING,                                               \
		 &(f)->pid_file, "FILE", "write the process's pid (as the host sees it) to FILE"}, \
		{"preserve-fds",     0,	  OPT_INT,                                                 \
		 &(f)->preserve_fds, "N", "pass N more fds (from fd 3) to the process"},           \
		{"no-new-privs",     0,	   OPT_BOOL,                                               \
		 &(f)->no_new_privs, NULL, "set no_new_privs for the process"},                    \
		{"process-label",     0,       OPT_STRING,                                         \
		 &(f)->process_label, "LABEL", "SELinux label of the process"},                    \
		{"apparmor",	 0,	    OPT_STRING,                                            \
		 &(f)->apparmor, "PROFILE", "AppArmor profile of the process"},                    \
		{"cgroup",                                                                         \
		 0,                                                                                \
		 OPT_STRING,                                                                       \
		 &(f)->cgroups,                                                                    \
		 "[CONTROLLER:]PATH",                                                              \
		 "run in an existing sub-cgroup of the container (repeatable)"},                   \
	{                                                                                          \
		"ignore-paused", 0, OPT_BOOL, &(f)->ignore_paused, NULL,                           \
			"allow exec into a paused container"                                       \
	}

static bool is_repeatable(const struct runc_opt *o, const struct exec_flags *f)
{
	return o->target == &f->env || o->target == &f->caps || o->target == &f->gids ||
	       o->target == &f->cgroups;
}

/*
 * runc's grammar (see opts.h), plus flags that may be repeated. Repeated
 * ones are collected here; every other flag is stored by opts_set, so values
 * are checked exactly as for the other commands.
 */
static struct cubo_error *walk_flags(int argc, char **argv, const struct runc_opt *opts, size_t n,
				     struct exec_flags *f, bool *help, int *first)
{
	struct opt_word w;
	int i = 1;

	for (;;) {
		CUBO_TRY(opts_next(argc, argv, &i, opts, n, help, &w));
		if (!w.opt)
			break;
		if (is_repeatable(w.opt, f)) {
			struct oci_strlist *l = w.opt->target;

			cubo_strv_push(&l->v, &l->n, w.value);
			continue;
		}
		CUBO_TRY(opts_set(w.opt, w.value));
		if (w.opt->target == &f->tty)
			f->tty_set = true;
		if (w.opt->target == &f->no_new_privs)
			f->no_new_privs_set = true;
	}
	*first = i;
	return NULL;
}

struct cubo_error *exec_flags_parse(int argc, char **argv, struct exec_flags *f, bool *help)
{
	const struct runc_opt opts[] = {EXEC_OPTS(f)};
	int first = argc;

	memset(f, 0, sizeof(*f));
	*help = false;
	CUBO_TRY(walk_flags(argc, argv, opts, OPTS_N(opts), f, help, &first));
	if (*help)
		return NULL;
	if (first >= argc)
		return cubo_error_new("exec: expected a container id");
	f->id = argv[first];
	f->args = argv + first + 1;
	f->n_args = (size_t)(argc - first - 1);
	if (f->process_file && f->n_args)
		return cubo_error_new("exec: a COMMAND cannot be given with --process %s (the "
				      "process object names its args)",
				      f->process_file);
	if (!f->process_file && !f->n_args)
		return cubo_error_new("exec: process args cannot be empty: give a COMMAND or "
				      "--process");
	if (f->preserve_fds < 0)
		return cubo_error_new("--preserve-fds: must not be negative");
	return NULL;
}

void exec_flags_free(struct exec_flags *f)
{
	cubo_strv_free(f->env.v);
	cubo_strv_free(f->caps.v);
	cubo_strv_free(f->gids.v);
	cubo_strv_free(f->cgroups.v);
	memset(f, 0, sizeof(*f));
}

void exec_print_help(FILE *out, const char *summary)
{
	struct exec_flags f;
	const struct runc_opt opts[] = {EXEC_OPTS(&f)};

	opts_print_help(out, summary,
			"cubo-runc exec [options] CONTAINER_ID COMMAND [ARG...]\n"
			"       cubo-runc exec [options] --process FILE CONTAINER_ID",
			"Run a new process inside a created or running container: it joins the "
			"init's\nnamespaces and cgroups and gets the config's process settings, "
			"changed by the\noptions. In the foreground, exit with its exit code "
			"(128+N for signal N).",
			opts, OPTS_N(opts));
}

/* A decimal id as runc's --user and --additional-gids take it. */
static bool parse_id(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX - 1) /* (uint32_t)-1 means "no change" to setresuid */
		return false;
	*out = (uint32_t)v;
	return true;
}

struct cubo_error *exec_parse_user(const char *s, uint32_t *uid, uint32_t *gid, bool *has_gid)
{
	const char *colon = strchr(s, ':');
	size_t ulen = colon ? (size_t)(colon - s) : strlen(s);

	*has_gid = false;
	if (!parse_id(s, ulen, uid))
		return cubo_error_new("--user \"%s\": the uid \"%.*s\" is not a number (UID[:GID] "
				      "with numeric ids)",
				      s, (int)ulen, s);
	if (colon) {
		if (!parse_id(colon + 1, strlen(colon + 1), gid))
			return cubo_error_new("--user \"%s\": the gid \"%s\" is not a number "
					      "(UID[:GID] with numeric ids)",
					      s, colon + 1);
		*has_gid = true;
	}
	return NULL;
}

static struct cubo_error *check_env(const struct oci_strlist *env, const char *what)
{
	for (size_t i = 0; i < env->n; i++) {
		const char *eq = strchr(env->v[i], '=');
		if (!eq)
			return cubo_error_new("%s \"%s\": not in KEY=VALUE form", what, env->v[i]);
		if (eq == env->v[i])
			return cubo_error_new("%s \"%s\": the name is empty", what, env->v[i]);
	}
	return NULL;
}

/* KEY=VALUE replaces KEY's entry where it is, or is appended. */
static void env_set(struct oci_strlist *env, const char *kv)
{
	size_t klen = (size_t)(strchr(kv, '=') - kv) + 1;

	for (size_t i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], kv, klen) == 0) {
			char *copy = xstrdup(kv);
			free(env->v[i]);
			env->v[i] = copy;
			return;
		}
	}
	cubo_strv_push(&env->v, &env->n, kv);
}

static bool cap_known(const char *name)
{
	char lower[64];
	cap_value_t cap;
	size_t j;

	for (j = 0; name[j] && j < sizeof(lower) - 1; j++)
		lower[j] = (char)tolower((unsigned char)name[j]);
	lower[j] = '\0';
	return strncmp(lower, "cap_", 4) == 0 && cap_from_name(lower, &cap) == 0;
}

static void add_unique(struct oci_strlist *l, const char *s)
{
	if (!cubo_strv_contains(l->v, s))
		cubo_strv_push(&l->v, &l->n, s);
}

/* runc: --cap goes to bounding, effective and permitted; to ambient only with inheritable. */
static struct cubo_error *add_caps(struct oci_process *p, const struct oci_strlist *caps)
{
	if (!caps->n)
		return NULL;
	if (!p->capabilities)
		p->capabilities = xcalloc(1, sizeof(*p->capabilities));
	for (size_t i = 0; i < caps->n; i++) {
		struct oci_capabilities *c = p->capabilities;
		const char *name = caps->v[i];
		if (!cap_known(name))
			return cubo_error_new("--cap \"%s\": unknown capability (use names such as "
					      "CAP_NET_ADMIN)",
					      name);
		add_unique(&c->bounding, name);
		add_unique(&c->effective, name);
		add_unique(&c->permitted, name);
		if (c->inheritable.v)
			add_unique(&c->ambient, name);
	}
	return NULL;
}

static struct cubo_error *add_gids(struct oci_user *u, const struct oci_strlist *gids)
{
	uint32_t *v;

	if (!gids->n)
		return NULL;
	v = xrealloc(u->additional_gids, (u->n_additional_gids + gids->n) * sizeof(*v));
	u->additional_gids = v;
	for (size_t i = 0; i < gids->n; i++) {
		if (!parse_id(gids->v[i], strlen(gids->v[i]), &v[u->n_additional_gids]))
			return cubo_error_new("--additional-gids \"%s\": not a group id (a "
					      "non-negative number)",
					      gids->v[i]);
		u->n_additional_gids++;
	}
	return NULL;
}

static void set_string(char **field, const char *value)
{
	char *copy = xstrdup(value);

	free(*field);
	*field = copy;
}

/* What a --process object leaves out comes from the container's process. */
static void inherit_from_config(struct oci_process *p, struct oci_process *cfg)
{
	if (!cfg)
		return;
	if (!p->capabilities) {
		p->capabilities = cfg->capabilities;
		cfg->capabilities = NULL;
	}
	if (!p->n_rlimits) {
		free(p->rlimits);
		p->rlimits = cfg->rlimits;
		p->n_rlimits = cfg->n_rlimits;
		cfg->rlimits = NULL;
		cfg->n_rlimits = 0;
	}
	if (!p->apparmor_profile) {
		p->apparmor_profile = cfg->apparmor_profile;
		cfg->apparmor_profile = NULL;
	}
	if (!p->selinux_label) {
		p->selinux_label = cfg->selinux_label;
		cfg->selinux_label = NULL;
	}
	if (!p->has_oom_score_adj) {
		p->has_oom_score_adj = cfg->has_oom_score_adj;
		p->oom_score_adj = cfg->oom_score_adj;
	}
}

static void set_args(struct oci_process *p, char *const *args, size_t n)
{
	char **v = xcalloc(n + 1, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(args[i]);
	cubo_strv_free(p->args.v);
	p->args.v = v;
	p->args.n = n;
}

static struct cubo_error *apply_flags(const struct exec_flags *f, struct oci_process *p)
{
	if (f->cwd)
		set_string(&p->cwd, f->cwd);
	if (!p->cwd || p->cwd[0] != '/')
		return cubo_error_new("--cwd \"%s\": must be an absolute path",
				      p->cwd ? p->cwd : "");
	CUBO_TRY(check_env(&f->env, "--env"));
	for (size_t i = 0; i < f->env.n; i++)
		env_set(&p->env, f->env.v[i]);
	if (f->tty_set)
		p->terminal = f->tty;
	if (f->no_new_privs_set)
		p->no_new_privileges = f->no_new_privs;
	if (f->user) {
		uint32_t uid, gid;
		bool has_gid;
		CUBO_TRY(exec_parse_user(f->user, &uid, &gid, &has_gid));
		p->user.uid = uid;
		if (has_gid)
			p->user.gid = gid;
	}
	CUBO_TRY(add_gids(&p->user, &f->gids));
	CUBO_TRY(add_caps(p, &f->caps));
	if (f->apparmor)
		set_string(&p->apparmor_profile, f->apparmor);
	if (f->process_label)
		set_string(&p->selinux_label, f->process_label);
	if (!p->args.n || !p->args.v[0][0])
		return cubo_error_new("process args cannot be empty");
	return check_env(&p->env, "process.env");
}

struct cubo_error *exec_process_build(const struct exec_flags *f, struct oci_process *file_proc,
				      struct oci_process *cfg_proc, struct oci_process **out)
{
	struct oci_process *p;
	struct cubo_error *err = NULL;

	*out = NULL;
	if (file_proc) {
		p = file_proc;
		inherit_from_config(p, cfg_proc);
		oci_process_free(cfg_proc);
	} else {
		p = cfg_proc;
		if (!p)
			p = xcalloc(1, sizeof(*p));
		/* runc: a terminal only with --tty, whatever config.json says */
		p->terminal = false;
		set_args(p, f->args, f->n_args);
		if (!p->cwd)
			set_string(&p->cwd, "/");
	}
	if (!err)
		err = apply_flags(f, p);
	if (err) {
		oci_process_free(p);
		return err;
	}
	*out = p;
	return NULL;
}

static bool path_escapes(const char *path)
{
	for (const char *s = path; *s;) {
		size_t len = strcspn(s, "/");
		if (len == 2 && s[0] == '.' && s[1] == '.')
			return true;
		s += len;
		s += *s == '/';
	}
	return false;
}

static bool key_has_controller(const char *key, const char *controller)
{
	size_t len = strlen(controller);

	for (const char *k = key; *k;) {
		size_t kl = strcspn(k, ",");
		if (kl == len && strncmp(k, controller, len) == 0)
			return true;
		k += kl;
		k += *k == ',';
	}
	return false;
}

static struct cubo_error *push_sub(struct exec_cgroup_sub **subs, size_t *n, const char *ctrl,
				   size_t ctrl_len, const char *path)
{
	struct exec_cgroup_sub *v;

	for (size_t i = 0; i < *n; i++) {
		bool same = ctrl ? (*subs)[i].controller &&
					    strlen((*subs)[i].controller) == ctrl_len &&
					    strncmp((*subs)[i].controller, ctrl, ctrl_len) == 0
				 : !(*subs)[i].controller;
		if (same && ctrl)
			return cubo_error_new("--cgroup: controller %.*s given twice",
					      (int)ctrl_len, ctrl);
		if (same)
			return cubo_error_new("--cgroup: more than one path for all controllers");
	}
	v = xrealloc(*subs, (*n + 1) * sizeof(*v));
	*subs = v;
	v[*n].controller = ctrl ? xstrndup(ctrl, ctrl_len) : NULL;
	v[*n].path = xstrdup(path);
	(*n)++;
	return NULL;
}

struct cubo_error *exec_cgroup_subs_parse(const struct oci_strlist *values,
					  struct exec_cgroup_sub **out, size_t *n)
{
	struct cubo_error *err = NULL;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < values->n && !err; i++) {
		const char *val = values->v[i], *colon = strchr(val, ':');
		const char *path = colon ? colon + 1 : val;

		/* "/" (or "memory:/") is the container's own cgroup, as in runc */
		bool root = *path == '/';
		while (*path == '/')
			path++;
		if ((!*path && !root) || path_escapes(path)) {
			err = cubo_error_new("--cgroup \"%s\": expected [CONTROLLER:]PATH with a "
					     "PATH inside the container's cgroup",
					     val);
			break;
		}
		if (!colon) {
			err = push_sub(out, n, NULL, 0, path);
			continue;
		}
		for (const char *c = val; c < colon && !err;) {
			size_t len = strcspn(c, ",:");
			if (len == 0)
				err = cubo_error_new("--cgroup \"%s\": empty controller name", val);
			else
				err = push_sub(out, n, c, len, path);
			c += len;
			c += *c == ',';
		}
	}
	if (err) {
		exec_cgroup_subs_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return err;
}

void exec_cgroup_subs_free(struct exec_cgroup_sub *subs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(subs[i].controller);
		free(subs[i].path);
	}
	free(subs);
}

const char *exec_cgroup_sub_for(const struct exec_cgroup_sub *subs, size_t n, const char *key)
{
	const char *all = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!subs[i].controller)
			all = subs[i].path;
		else if (key_has_controller(key, subs[i].controller))
			return subs[i].path;
	}
	return all;
}

char *exec_passwd_home(const char *passwd, uint32_t uid)
{
	/* name:password:uid:gid:gecos:home:shell */
	for (const char *line = passwd; line && *line;) {
		const char *end = strchrnul(line, '\n'), *f = line;
		const char *field[7];
		int n = 0;

		while (n < 7 && f <= end) {
			field[n++] = f;
			const char *colon = memchr(f, ':', (size_t)(end - f));
			if (!colon)
				break;
			f = colon + 1;
		}
		uint32_t id;
		size_t idlen = n >= 4 ? (size_t)(field[3] - field[2] - 1) : 0;
		if (n >= 6 && parse_id(field[2], idlen, &id) && id == uid) {
			const char *home = field[5];
			size_t len = n >= 7 ? (size_t)(field[6] - home - 1) : (size_t)(end - home);
			return len ? xstrndup(home, len) : NULL;
		}
		line = *end ? end + 1 : end;
	}
	return NULL;
}

int exec_exit_code(int code, int status)
{
	if (code == CLD_EXITED)
		return status;
	return 128 + status;
}

/* --- the foreground loop --- */

static const int forwarded_signals[] = {SIGHUP,	 SIGINT,   SIGQUIT, SIGTERM, SIGUSR1,
					SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP};

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Copy what is available from one fd to another; false at EOF or error. */
static bool pump(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return true; /* the reader went away: drop output, keep running */
		off += w;
	}
	return true;
}

int fg_wait(int pidfd, struct fg_proxy *px)
{
	sigset_t mask;
	int sfd;
	siginfo_t info;

	sigemptyset(&mask);
	for (size_t i = 0; i < OPTS_N(forwarded_signals); i++)
		sigaddset(&mask, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	for (;;) {
		struct pollfd p[4] = {
			{.fd = pidfd, .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
			{.fd = px->master, .events = POLLIN},
			{.fd = px->master >= 0 && px->stdin_open ? 0 : -1, .events = POLLIN},
		};
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH && px->master >= 0)
					copy_winsize(0, px->master);
				else
					syscall(SYS_pidfd_send_signal, pidfd, si.ssi_signo, NULL,
						0);
			}
		}
		if (p[2].revents & (POLLIN | POLLHUP)) {
			if (!pump(px->master, STDOUT_FILENO))
				px->master = -1; /* all slave ends closed */
		}
		if (p[3].revents & (POLLIN | POLLHUP)) {
			if (!pump(STDIN_FILENO, px->master))
				px->stdin_open = false;
		}
		if (p[0].revents & POLLIN)
			break;
	}
	if (px->master >= 0)
		while (pump(px->master, STDOUT_FILENO))
			;
	memset(&info, 0, sizeof(info));
	while (waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED) < 0 && errno == EINTR)
		;
	if (sfd >= 0)
		close(sfd);
	return exec_exit_code(info.si_code, info.si_status);
}

void fg_proxy_start(struct fg_proxy *px, int master)
{
	px->master = master;
	px->stdin_open = true;
	px->raw = false;
	if (master < 0)
		return;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &px->saved) == 0) {
		struct termios raw = px->saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			px->raw = true;
		copy_winsize(STDIN_FILENO, master);
	}
}

void fg_proxy_stop(struct fg_proxy *px, int master)
{
	if (px->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &px->saved);
	if (master >= 0)
		close(master);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI seccomp profile -> libseccomp filter. Names and rules follow
 * runtime-spec config-linux.md "Seccomp" and runc's behaviour where the
 * spec is silent: unknown syscall names are skipped (profiles list syscalls
 * of newer kernels), a rule with the default action is dropped (libseccomp
 * refuses it), conditions on the same argument index become separate
 * rules, ORed, since one rule can only AND them, and syscalls newer than
 * any the profile names get ENOSYS (seccomp_enosys.h).
 */
#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cubo-runc/seccomp.h"
#include "cubo-runc/seccomp_enosys.h"
#include "shared/xalloc.h"

/*
 * The filter is turned into BPF when it is compiled, in the runtime: the
 * init then installs ready-made instructions with one system call in the
 * window between `start` and execve, instead of generating them there.
 */
struct seccomp_prog {
	scmp_filter_ctx ctx;
	struct sock_filter *insns;
	size_t n_insns;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
	bool notify;	    /* some action is SCMP_ACT_NOTIFY: load with a listener */
};

#define SC "linux.seccomp"

/* An action name (with its errnoRet) to libseccomp's value; path names it in errors. */
static struct cubo_error *parse_action(const char *name, bool has_ret, uint32_t ret,
				       const char *path, uint32_t *out)
{
	uint32_t e = has_ret ? ret : EPERM;

	if (!name)
		return cubo_error_new("%s: missing required field", path);
	if (!strcmp(name, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO(e);
	else if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE(e);
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		*out = SCMP_ACT_NOTIFY;
	else
		return cubo_error_new("%s: unknown action \"%s\"", path, name);
	return NULL;
}

static struct cubo_error *parse_op(const char *name, const char *path, enum scmp_compare *out)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
		{"SCMP_CMP_NE", SCMP_CMP_NE},
		{"SCMP_CMP_LT", SCMP_CMP_LT},
		{"SCMP_CMP_LE", SCMP_CMP_LE},
		{"SCMP_CMP_EQ", SCMP_CMP_EQ},
		{"SCMP_CMP_GE", SCMP_CMP_GE},
		{"SCMP_CMP_GT", SCMP_CMP_GT},
		{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (name && !strcmp(name, ops[i].name)) {
			*out = ops[i].op;
			return NULL;
		}
	}
	return cubo_error_new("%s.op: unknown operator \"%s\"", path, name ? name : "");
}

static struct cubo_error *set_flags(scmp_filter_ctx ctx, const struct oci_strlist *flags,
				    unsigned int *kernel_flags)
{
	for (size_t i = 0; i < flags->n; i++) {
		const char *f = flags->v[i];
		enum scmp_filter_attr attr;
		int rc;

		if (!strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC")) {
			attr = SCMP_FLTATR_CTL_TSYNC;
			*kernel_flags |= SECCOMP_FILTER_FLAG_TSYNC;
		} else if (!strcmp(f, "SECCOMP_FILTER_FLAG_LOG")) {
			attr = SCMP_FLTATR_CTL_LOG;
			*kernel_flags |= SECCOMP_FILTER_FLAG_LOG;
		} else if (!strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW")) {
			attr = SCMP_FLTATR_CTL_SSB;
			*kernel_flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		} else
			return cubo_error_new(SC ".flags[%zu]: unknown flag \"%s\"", i, f);
		rc = seccomp_attr_set(ctx, attr, 1);
		if (rc < 0)
			return cubo_error_new_errno(-rc, SC ".flags[%zu]: %s", i, f);
	}
	return NULL;
}

/* The filter's architectures: the native one, then the config's. */
struct arch_set {
	uint32_t v[33];
	size_t n;
};

static void arch_set_add(struct arch_set *set, uint32_t arch)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i] == arch)
			return;
	if (set->n < sizeof(set->v) / sizeof(set->v[0]))
		set->v[set->n++] = arch;
}

static struct cubo_error *add_arches(scmp_filter_ctx ctx, const struct oci_strlist *arches,
				     struct arch_set *set)
{
	for (size_t i = 0; i < arches->n; i++) {
		const char *name = arches->v[i];
		char lower[32];
		uint32_t arch;
		size_t j;
		int rc;

		if (strncmp(name, "SCMP_ARCH_", 10) != 0 || strlen(name + 10) >= sizeof(lower))
			return cubo_error_new(SC ".architectures[%zu]: unknown architecture \"%s\"",
					      i, name);
		for (j = 0; name[10 + j]; j++)
			lower[j] = (char)tolower((unsigned char)name[10 + j]);
		lower[j] = '\0';
		arch = seccomp_arch_resolve_name(lower);
		if (!arch)
			return cubo_error_new(SC ".architectures[%zu]: unknown architecture \"%s\"",
					      i, name);
		rc = seccomp_arch_add(ctx, arch);
		if (rc < 0 && rc != -EEXIST)
			return cubo_error_new_errno(-rc, SC ".architectures[%zu]: add %s", i, name);
		arch_set_add(set, arch);
	}
	return NULL;
}

/*
 * The ENOSYS stub's view of the filter: per architecture, the highest
 * syscall number the profile names there. x32 calls reach the filter as
 * x86_64 ones (number bit 30), which the stub leaves alone.
 */
static size_t enosys_arches(const struct oci_seccomp *sc, const struct arch_set *set,
			    struct enosys_arch *out)
{
	size_t n = 0;

	for (size_t a = 0; a < set->n; a++) {
		int max = -1;

		if (set->v[a] == SCMP_ARCH_X32)
			continue;
		for (size_t i = 0; i < sc->n_syscalls; i++)
			for (size_t k = 0; k < sc->syscalls[i].names.n; k++) {
				int nr = seccomp_syscall_resolve_name_arch(
					set->v[a], sc->syscalls[i].names.v[k]);

				if (nr > max)
					max = nr;
			}
		if (max >= 0)
			out[n++] = (struct enosys_arch){set->v[a], (uint32_t)max};
	}
	return n;
}

/* True when two of the rule's conditions test the same argument. */
static bool repeats_an_index(const struct oci_seccomp_syscall *s)
{
	for (size_t a = 0; a < s->n_args; a++)
		for (size_t b = a + 1; b < s->n_args; b++)
			if (s->args[a].index == s->args[b].index)
				return true;
	return false;
}

static struct cubo_error *add_syscall(scmp_filter_ctx ctx, uint32_t def,
				      const struct oci_seccomp_syscall *s, size_t i,
				      const struct cubo_log *log)
{
	char path[64];
	struct scmp_arg_cmp cmp[6];
	uint32_t action;

	snprintf(path, sizeof(path), SC ".syscalls[%zu].action", i);
	CUBO_TRY(parse_action(s->action, s->has_errno_ret, s->errno_ret, path, &action));
	if (s->n_args > 6)
		return cubo_error_new(SC ".syscalls[%zu].args: at most 6 arguments", i);
	for (size_t a = 0; a < s->n_args; a++) {
		const struct oci_seccomp_arg *arg = &s->args[a];
		enum scmp_compare op = SCMP_CMP_EQ;

		snprintf(path, sizeof(path), SC ".syscalls[%zu].args[%zu]", i, a);
		if (arg->index > 5)
			return cubo_error_new("%s.index: %u is not an argument index (0-5)", path,
					      arg->index);
		CUBO_TRY(parse_op(arg->op, path, &op));
		cmp[a] = (struct scmp_arg_cmp){.arg = arg->index,
					       .op = op,
					       .datum_a = arg->value,
					       .datum_b = arg->value_two};
	}
	if (action == def)
		return NULL;
	for (size_t n = 0; n < s->names.n; n++) {
		const char *name = s->names.v[n];
		int nr = seccomp_syscall_resolve_name(name), rc = 0;

		if (nr == __NR_SCMP_ERROR) {
			cubo_debug(log, "seccomp: syscall \"%s\" is unknown here, skipped", name);
			continue;
		}
		if (s->n_args && repeats_an_index(s)) {
			for (size_t a = 0; a < s->n_args && rc == 0; a++)
				rc = seccomp_rule_add_array(ctx, action, nr, 1, &cmp[a]);
		} else {
			rc = seccomp_rule_add_array(ctx, action, nr, (unsigned)s->n_args, cmp);
		}
		if (rc < 0)
			return cubo_error_new_errno(-rc, SC ".syscalls[%zu]: add a rule for %s", i,
						    name);
	}
	return NULL;
}

/* libseccomp writes BPF only to an fd: a memfd brings it back into memory. */
static struct cubo_error *export_bpf(struct seccomp_prog *p)
{
	int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	struct cubo_error *err = NULL;
	off_t size;
	int rc;

	if (fd < 0)
		return cubo_error_errno(SC ": memfd_create");
	rc = seccomp_export_bpf(p->ctx, fd);
	size = lseek(fd, 0, SEEK_END);
	if (rc < 0)
		err = cubo_error_new_errno(-rc, SC ": export the filter");
	else if (size <= 0 || size % sizeof(struct sock_filter) || size > 65536 * 8)
		err = cubo_error_new(SC ": the exported filter has %lld bytes", (long long)size);
	if (!err) {
		p->insns = xmalloc((size_t)size);
		if (pread(fd, p->insns, (size_t)size, 0) != size)
			err = cubo_error_errno(SC ": read the exported filter");
		p->n_insns = (size_t)size / sizeof(struct sock_filter);
	}
	close(fd);
	return err;
}

static struct cubo_error *build(struct seccomp_prog *p, const struct oci_seccomp *sc,
				const struct cubo_log *log)
{
	struct arch_set arches = {.n = 0};
	uint32_t def;
	int rc;

	CUBO_TRY(parse_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
			      SC ".defaultAction", &def));
	p->ctx = seccomp_init(def);
	if (!p->ctx)
		return cubo_error_new(SC ": cannot create a filter");
	/* no_new_privs is the config's business (process.noNewPrivileges), not libseccomp's */
	rc = seccomp_attr_set(p->ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc < 0)
		return cubo_error_new_errno(-rc, SC ": clear the no_new_privs attribute");
	CUBO_TRY(set_flags(p->ctx, &sc->flags, &p->flags));
	arch_set_add(&arches, seccomp_arch_native());
	CUBO_TRY(add_arches(p->ctx, &sc->architectures, &arches));
	for (size_t i = 0; i < sc->n_syscalls; i++)
		CUBO_TRY(add_syscall(p->ctx, def, &sc->syscalls[i], i, log));
	CUBO_TRY(export_bpf(p));
	/* An allow-by-default profile lets new syscalls through anyway. */
	if (def != SCMP_ACT_ALLOW && def != SCMP_ACT_ERRNO(ENOSYS)) {
		struct enosys_arch stub[33];
		size_t n = enosys_arches(sc, &arches, stub);

		seccomp_enosys_prepend(&p->insns, &p->n_insns, stub, n);
	}
	return NULL;
}

static bool uses_notify(const struct oci_seccomp *sc)
{
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (sc->syscalls[i].action && !strcmp(sc->syscalls[i].action, "SCMP_ACT_NOTIFY"))
			return true;
	return false;
}

struct cubo_error *seccomp_prog_compile(const struct oci_seccomp *sc, const struct cubo_log *log,
					struct seccomp_prog **out)
{
	struct seccomp_prog *p = xcalloc(1, sizeof(*p));
	struct cubo_error *err;

	*out = NULL;
	/* the spec: notifications need somewhere to go, and the default cannot notify */
	p->notify = uses_notify(sc);
	if (sc->default_action && !strcmp(sc->default_action, "SCMP_ACT_NOTIFY"))
		err = cubo_error_new(SC ".defaultAction: SCMP_ACT_NOTIFY is not allowed (the "
					"runtime's own calls would wait for the listener)");
	else if (p->notify && !(sc->listener_path && *sc->listener_path))
		err = cubo_error_new(SC ".listenerPath: required when an action is "
					"SCMP_ACT_NOTIFY");
	else
		err = build(p, sc, log);
	if (err) {
		seccomp_prog_free(p);
		return err;
	}
	*out = p;
	return NULL;
}

struct cubo_error *seccomp_prog_load(const struct seccomp_prog *p)
{
	struct sock_fprog prog = {.len = (unsigned short)p->n_insns, .filter = p->insns};

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog) == 0)
		return NULL;
	/* kernels before 3.17 have only the prctl, and no flags */
	if (errno == ENOSYS && !p->flags && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0)
		return NULL;
	return cubo_error_errno("load the seccomp filter");
}

bool seccomp_prog_notifies(const struct seccomp_prog *p)
{
	return p && p->notify;
}

struct cubo_error *seccomp_prog_load_listener(const struct seccomp_prog *p, int *listener)
{
	struct sock_fprog prog = {.len = (unsigned short)p->n_insns, .filter = p->insns};
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  p->flags | SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);

	if (fd < 0)
		return cubo_error_errno("load the seccomp filter with a notification listener");
	*listener = (int)fd;
	return NULL;
}

/* "CUBOBPF1", flags (u32), notify (u32), then the instructions. */
#define EXPORT_MAGIC "CUBOBPF1"
#define EXPORT_HEADER (8 + 4 + 4)

struct cubo_error *seccomp_prog_export(const struct seccomp_prog *p, void **buf, size_t *len)
{
	size_t n = EXPORT_HEADER + p->n_insns * sizeof(struct sock_filter);
	unsigned char *b = xmalloc(n);
	uint32_t flags = p->flags, notify = p->notify;
	memcpy(b, EXPORT_MAGIC, 8);
	memcpy(b + 8, &flags, 4);
	memcpy(b + 12, &notify, 4);
	memcpy(b + EXPORT_HEADER, p->insns, p->n_insns * sizeof(struct sock_filter));
	*buf = b;
	*len = n;
	return NULL;
}

struct cubo_error *seccomp_prog_import(const void *buf, size_t len, struct seccomp_prog **out)
{
	const unsigned char *b = buf;
	size_t body = len > EXPORT_HEADER ? len - EXPORT_HEADER : 0;
	if (len <= EXPORT_HEADER || memcmp(b, EXPORT_MAGIC, 8) ||
	    body % sizeof(struct sock_filter) || body / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return cubo_error_new(SC ": not a compiled filter");
	struct seccomp_prog *p = xcalloc(1, sizeof(*p));
	uint32_t flags, notify;
	memcpy(&flags, b + 8, 4);
	memcpy(&notify, b + 12, 4);
	p->flags = flags;
	p->notify = notify != 0;
	p->n_insns = body / sizeof(struct sock_filter);
	p->insns = xmalloc(body);
	memcpy(p->insns, b + EXPORT_HEADER, body);
	*out = p;
	return NULL;
}

void seccomp_prog_free(struct seccomp_prog *p)
{
	if (!p)
		return;
	if (p->ctx)
		seccomp_release(p->ctx);
	free(p->insns);
	free(p);
}

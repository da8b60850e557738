/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process attributes applied with plain system calls (no libnuma, no
 * libapparmor): everything is validated at create, before the clone, so the
 * init only applies values already known to be well-formed.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cubo-runc/security.h"

#include "cubo-runc/procfd.h"
#include "shared/fs.h"

#define NODE_BITS 1024
#define MASK_LONGS (NODE_BITS / (8 * sizeof(unsigned long)))

struct named {
	const char *name;
	unsigned long value;
};

static const struct named sched_policies[] = {
	{"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},	      {"SCHED_BATCH", 3},
	{"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6}, {NULL, 0},
};
static const struct named sched_flags[] = {
	{"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
	{"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
	{"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
	{"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}, {NULL, 0},
};
static const struct named io_classes[] = {
	{"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3}, {NULL, 0}};
static const struct named mpol_modes[] = {
	{"MPOL_DEFAULT", 0},
	{"MPOL_PREFERRED", 1},
	{"MPOL_BIND", 2},
	{"MPOL_INTERLEAVE", 3},
	{"MPOL_LOCAL", 4},
	{"MPOL_PREFERRED_MANY", 5},
	{"MPOL_WEIGHTED_INTERLEAVE", 6},
	{NULL, 0},
};
static const struct named mpol_flags[] = {
	{"MPOL_F_NUMA_BALANCING", 1 << 13},
	{"MPOL_F_RELATIVE_NODES", 1 << 14},
	{"MPOL_F_STATIC_NODES", 1 << 15},
	{NULL, 0},
};
static const struct named domains[] = {{"LINUX", PER_LINUX}, {"LINUX32", PER_LINUX32}, {NULL, 0}};

static bool lookup(const struct named *t, const char *name, unsigned long *out)
{
	for (; name && t->name; t++) {
		if (!strcmp(t->name, name)) {
			*out = t->value;
			return true;
		}
	}
	return false;
}

/* The kernel's struct sched_attr (first version, 48 bytes). */
struct sched_attr_v1 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

void security_host_probe(struct security_host *out)
{
	char *text = NULL;
	size_t len;
	struct cubo_error *err =
		cubo_read_file("/sys/module/apparmor/parameters/enabled", &text, &len);

	out->apparmor = !err && len > 0 && text[0] == 'Y';
	cubo_error_free(err);
	free(text);
	out->selinux = access("/sys/fs/selinux/enforce", F_OK) == 0;
	out->resctrl = access("/sys/fs/resctrl/info", F_OK) == 0;
}

struct cubo_error *security_parse_cpu_list(const char *list, unsigned long *mask, size_t nbits)
{
	const char *p = list;
	size_t words = nbits / (8 * sizeof(unsigned long));

	memset(mask, 0, words * sizeof(unsigned long));
	if (!*p)
		return cubo_error_new("empty list");
	while (*p) {
		char *end;
		unsigned long lo, hi;

		if (*p < '0' || *p > '9')
			return cubo_error_new("\"%s\": expected a number at \"%s\"", list, p);
		lo = strtoul(p, &end, 10);
		hi = lo;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return cubo_error_new("\"%s\": bad range at \"%s\"", list, p);
			hi = strtoul(end + 1, &end, 10);
		}
		if (hi < lo || hi >= nbits)
			return cubo_error_new("\"%s\": range %lu-%lu is invalid (at most %zu)",
					      list, lo, hi, nbits - 1);
		for (unsigned long b = lo; b <= hi; b++)
			mask[b / (8 * sizeof(unsigned long))] |=
				1UL << (b % (8 * sizeof(unsigned long)));
		if (*end == ',')
			end++;
		else if (*end)
			return cubo_error_new("\"%s\": unexpected \"%c\"", list, *end);
		p = end;
	}
	return NULL;
}

static struct cubo_error *check_flags(const struct named *table, const struct oci_strlist *flags,
				      const char *path, unsigned long *out)
{
	*out = 0;
	for (size_t i = 0; i < flags->n; i++) {
		unsigned long v;

		if (!lookup(table, flags->v[i], &v))
			return cubo_error_new("%s[%zu]: unknown flag \"%s\"", path, i, flags->v[i]);
		*out |= v;
	}
	return NULL;
}

static struct cubo_error *check_process(const struct oci_process *proc,
					const struct security_host *host)
{
	unsigned long v, mask[MASK_LONGS];

	if (proc->apparmor_profile && *proc->apparmor_profile && !host->apparmor)
		return cubo_error_new("process.apparmorProfile \"%s\": AppArmor is not enabled on "
				      "this host",
				      proc->apparmor_profile);
	if (proc->selinux_label && *proc->selinux_label && !host->selinux)
		return cubo_error_new("process.selinuxLabel \"%s\": SELinux is not enabled on this "
				      "host",
				      proc->selinux_label);
	if (proc->scheduler) {
		const struct oci_scheduler *s = proc->scheduler;

		if (!lookup(sched_policies, s->policy, &v))
			return cubo_error_new("process.scheduler.policy: unknown policy \"%s\"",
					      s->policy ? s->policy : "");
		CUBO_TRY(check_flags(sched_flags, &s->flags, "process.scheduler.flags", &v));
		if (s->has_nice && (s->nice < -20 || s->nice > 19))
			return cubo_error_new("process.scheduler.nice: %d is not in -20..19",
					      s->nice);
	}
	if (proc->io_priority) {
		if (!lookup(io_classes, proc->io_priority->klass, &v))
			return cubo_error_new("process.ioPriority.class: unknown class \"%s\"",
					      proc->io_priority->klass ? proc->io_priority->klass
								       : "");
		if (proc->io_priority->priority < 0 || proc->io_priority->priority > 7)
			return cubo_error_new("process.ioPriority.priority: %d is not in 0..7",
					      proc->io_priority->priority);
	}
	if (proc->exec_cpu_affinity) {
		if (proc->exec_cpu_affinity->initial)
			CUBO_TRY_CTX(security_parse_cpu_list(proc->exec_cpu_affinity->initial, mask,
							     NODE_BITS),
				     "process.execCPUAffinity.initial");
		if (proc->exec_cpu_affinity->final)
			CUBO_TRY_CTX(security_parse_cpu_list(proc->exec_cpu_affinity->final, mask,
							     NODE_BITS),
				     "process.execCPUAffinity.final");
	}
	return NULL;
}

static struct cubo_error *check_linux(const struct oci_linux *lx, const struct security_host *host)
{
	unsigned long v, mask[MASK_LONGS];

	if (lx->mount_label && *lx->mount_label)
		return cubo_error_new(host->selinux ? "linux.mountLabel: SELinux mount labels are "
						      "not supported by cubo-runc yet"
						    : "linux.mountLabel: SELinux is not enabled on "
						      "this host");
	if (lx->personality) {
		if (!lookup(domains, lx->personality->domain, &v))
			return cubo_error_new("linux.personality.domain: unknown domain \"%s\" "
					      "(LINUX or LINUX32)",
					      lx->personality->domain ? lx->personality->domain
								      : "");
		if (lx->personality->flags.n)
			return cubo_error_new("linux.personality.flags[0]: unknown flag \"%s\"",
					      lx->personality->flags.v[0]);
	}
	if (lx->memory_policy) {
		const struct oci_memory_policy *m = lx->memory_policy;

		if (!lookup(mpol_modes, m->mode, &v))
			return cubo_error_new("linux.memoryPolicy.mode: unknown mode \"%s\"",
					      m->mode ? m->mode : "");
		CUBO_TRY(check_flags(mpol_flags, &m->flags, "linux.memoryPolicy.flags", &v));
		if (m->nodes && *m->nodes)
			CUBO_TRY_CTX(security_parse_cpu_list(m->nodes, mask, NODE_BITS),
				     "linux.memoryPolicy.nodes");
	}
	if (lx->intel_rdt)
		return cubo_error_new(host->resctrl ? "linux.intelRdt: not supported by cubo-runc "
						      "yet"
						    : "linux.intelRdt: resctrl is not mounted at "
						      "/sys/fs/resctrl");
	return NULL;
}

struct cubo_error *security_check(const struct oci_process *proc, const struct oci_linux *lx,
				  const struct security_host *host)
{
	if (proc)
		CUBO_TRY(check_process(proc, host));
	if (lx)
		CUBO_TRY(check_linux(lx, host));
	return NULL;
}

static struct cubo_error *set_affinity(const char *list, const char *what)
{
	unsigned long mask[MASK_LONGS];
	cpu_set_t set;

	CUBO_TRY_CTX(security_parse_cpu_list(list, mask, NODE_BITS), "%s", what);
	_Static_assert(sizeof(set) == sizeof(mask), "cpu_set_t is 1024 bits");
	memcpy(&set, mask, sizeof(set));
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return cubo_error_errno("%s: sched_setaffinity(%s)", what, list);
	return NULL;
}

static struct cubo_error *apply_scheduler(const struct oci_scheduler *s)
{
	struct sched_attr_v1 attr = {.size = sizeof(attr)};
	unsigned long v = 0;

	lookup(sched_policies, s->policy, &v);
	attr.sched_policy = (uint32_t)v;
	check_flags(sched_flags, &s->flags, "", &v);
	attr.sched_flags = v;
	attr.sched_nice = s->has_nice ? s->nice : 0;
	attr.sched_priority = s->has_priority ? (uint32_t)s->priority : 0;
	attr.sched_runtime = s->has_runtime ? s->runtime : 0;
	attr.sched_deadline = s->has_deadline ? s->deadline : 0;
	attr.sched_period = s->has_period ? s->period : 0;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return cubo_error_errno("process.scheduler: sched_setattr(%s)", s->policy);
	return NULL;
}

static struct cubo_error *apply_memory_policy(const struct oci_memory_policy *m)
{
	unsigned long mode = 0, flags = 0, mask[MASK_LONGS];
	bool nodes = m->nodes && *m->nodes;

	lookup(mpol_modes, m->mode, &mode);
	check_flags(mpol_flags, &m->flags, "", &flags);
	if (nodes)
		CUBO_TRY(security_parse_cpu_list(m->nodes, mask, NODE_BITS));
	if (syscall(SYS_set_mempolicy, mode | flags, nodes ? mask : NULL,
		    nodes ? NODE_BITS + 1 : 0) < 0)
		return cubo_error_errno("linux.memoryPolicy: set_mempolicy(%s)", m->mode);
	return NULL;
}

struct cubo_error *security_apply_process(const struct oci_process *proc,
					  const struct oci_linux *lx)
{
	unsigned long v = 0;

	if (lx && lx->personality) {
		lookup(domains, lx->personality->domain, &v);
		if (personality(v) < 0)
			return cubo_error_errno("linux.personality: personality(%s)",
						lx->personality->domain);
	}
	if (lx && lx->memory_policy)
		CUBO_TRY(apply_memory_policy(lx->memory_policy));
	if (!proc)
		return NULL;
	if (proc->scheduler)
		CUBO_TRY(apply_scheduler(proc->scheduler));
	if (proc->io_priority) {
		lookup(io_classes, proc->io_priority->klass, &v);
		/* IOPRIO_WHO_PROCESS, ourselves; class in the top bits, as IOPRIO_PRIO_VALUE */
		if (syscall(SYS_ioprio_set, 1, 0, (int)(v << 13 | proc->io_priority->priority)) < 0)
			return cubo_error_errno("process.ioPriority: ioprio_set(%s, %d)",
						proc->io_priority->klass,
						proc->io_priority->priority);
	}
	if (proc->exec_cpu_affinity && proc->exec_cpu_affinity->initial)
		CUBO_TRY(set_affinity(proc->exec_cpu_affinity->initial,
				      "process.execCPUAffinity.initial"));
	return NULL;
}

/*
 * Write an on-exec label: the kernel applies it at the next execve. Through
 * the proven procfs: a fake attr/exec in the container's /proc would leave
 * the process unconfined (CVE-2019-16884).
 */
static struct cubo_error *write_exec_attr(int procfd, const char *rel, const char *fallback,
					  const char *text, const char *what)
{
	struct cubo_error *err = procfd_write(procfd, rel, text, strlen(text));

	if (err && err->errnum == ENOENT && fallback) {
		cubo_error_free(err);
		err = procfd_write(procfd, fallback, text, strlen(text));
	}
	return cubo_error_wrap(err, "%s: set \"%s\"", what, text);
}

struct cubo_error *security_apply_exec(const struct oci_process *proc, int procfd)
{
	if (proc->exec_cpu_affinity && proc->exec_cpu_affinity->final)
		CUBO_TRY(set_affinity(proc->exec_cpu_affinity->final,
				      "process.execCPUAffinity.final"));
	if (proc->apparmor_profile && *proc->apparmor_profile) {
		char buf[4096];

		snprintf(buf, sizeof(buf), "exec %s", proc->apparmor_profile);
		CUBO_TRY(write_exec_attr(procfd, "thread-self/attr/apparmor/exec",
					 "thread-self/attr/exec", buf, "process.apparmorProfile"));
	}
	if (proc->selinux_label && *proc->selinux_label)
		CUBO_TRY(write_exec_attr(procfd, "thread-self/attr/exec", NULL, proc->selinux_label,
					 "process.selinuxLabel"));
	return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v2 device filter. The program reads the request from struct
 * bpf_cgroup_dev_ctx into registers once:
 *
 *   r2 = device type (BPF_DEVCG_DEV_CHAR or _BLOCK)
 *   r3 = requested access (BPF_DEVCG_ACC_* bits, possibly several at once)
 *   r4 = major, r5 = minor
 *
 * then has one block per rule, last rule first, each falling through to the
 * next block when the request does not match and returning the rule's verdict
 * when it does; after the last block, everything is denied.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cubo-runc/cgroup_bpf.h"
#include "shared/xalloc.h"

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

struct prog {
	struct bpf_insn *v;
	size_t n, cap;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

/* One rule, checked and reduced to what the program compares. */
struct rule {
	bool allow;
	int32_t type; /* 0: any */
	int32_t access;
	int32_t major, minor; /* -1: any */
};

static struct cubo_error *dev_number(size_t i, const char *what, bool has, int64_t v, int32_t *out)
{
	*out = -1;
	if (!has || v == -1)
		return NULL;
	/* The program compares 64-bit registers with a sign-extended 32-bit immediate. */
	if (v < -1 || v > INT32_MAX)
		return cubo_error_new("devices[%zu].%s: %" PRId64
				      " is not a device number (-1 means any)",
				      i, what, v);
	*out = (int32_t)v;
	return NULL;
}

static struct cubo_error *rule_check(size_t i, const struct oci_device_cgroup *r, struct rule *out)
{
	out->allow = r->allow;
	if (!r->type || !strcmp(r->type, "a"))
		out->type = 0;
	else if (!strcmp(r->type, "c"))
		out->type = BPF_DEVCG_DEV_CHAR;
	else if (!strcmp(r->type, "b"))
		out->type = BPF_DEVCG_DEV_BLOCK;
	else
		return cubo_error_new("devices[%zu].type: invalid device type "
				      "\"%s\" (expected a, b or c)",
				      i, r->type);
	out->access = 0;
	for (const char *a = r->access ? r->access : ""; *a; a++) {
		switch (*a) {
		case 'r':
			out->access |= BPF_DEVCG_ACC_READ;
			break;
		case 'w':
			out->access |= BPF_DEVCG_ACC_WRITE;
			break;
		case 'm':
			out->access |= BPF_DEVCG_ACC_MKNOD;
			break;
		default:
			return cubo_error_new("devices[%zu].access: invalid access "
					      "\"%s\" (expected letters of rwm)",
					      i, r->access);
		}
	}
	/* No access given means all of it, as devices.allow reads "c 1:3". */
	if (!out->access)
		out->access = ACC_ALL;
	CUBO_TRY(dev_number(i, "major", r->has_major, r->major, &out->major));
	return dev_number(i, "minor", r->has_minor, r->minor, &out->minor);
}

/*
 * Appends r's block. Returns true when the block matches every request: the
 * blocks after it could never run, and the verifier refuses unreachable code.
 */
static bool emit_rule(struct prog *p, const struct rule *r)
{
	bool check_access = r->access != ACC_ALL;
	size_t len = 2, at = 0;

	len += (r->type != 0) + (check_access ? 3 : 0) + (r->major >= 0) + (r->minor >= 0);
	/* Jumps go to the first instruction after this block. */
#define SKIP() ((int16_t)(len - at - 1))
	if (r->type) {
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, SKIP(), r->type);
		at++;
	}
	if (check_access) {
		emit(p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
		at++;
		if (r->allow) {
			/* not matched when asking for anything outside the rule */
			emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, ~r->access & ACC_ALL);
			at++;
			emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, SKIP(), 0);
		} else {
			/* not matched when asking for none of the refused accesses */
			emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, r->access);
			at++;
			emit(p, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, SKIP(), 0);
		}
		at++;
	}
	if (r->major >= 0) {
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, SKIP(), r->major);
		at++;
	}
	if (r->minor >= 0) {
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, SKIP(), r->minor);
		at++;
	}
#undef SKIP
	emit(p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, r->allow ? 1 : 0);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return len == 2;
}

struct cubo_error *cgroup_bpf_devices_program(const struct oci_device_cgroup *rules, size_t n,
					      struct bpf_insn **out, size_t *n_out)
{
	struct prog p = {0};
	struct rule *checked = xcalloc(n + 1, sizeof(*checked));
	bool decided = false;

	*out = NULL;
	*n_out = 0;
	for (size_t i = 0; i < n; i++) {
		struct cubo_error *err = rule_check(i, &rules[i], &checked[i]);

		if (err) {
			free(checked);
			return err;
		}
	}
	/* struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major, minor; } */
	emit(&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
	emit(&p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
	emit(&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
	emit(&p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	emit(&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
	emit(&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
	/* The last matching rule wins: test the rules from the end. */
	for (size_t i = n; i-- > 0 && !decided;)
		decided = emit_rule(&p, &checked[i]);
	if (!decided) {
		emit(&p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
		emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	free(checked);
	*out = p.v;
	*n_out = p.n;
	return NULL;
}

/* ---- loading and attaching ---- */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static struct cubo_error *load(const struct bpf_insn *insns, size_t n, int *fd)
{
	static const char license[] = "Apache";
	union bpf_attr a;
	char log[4096];
	int saved;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)license;
	*fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (*fd >= 0)
		return NULL;
	saved = errno;
	if (saved != EINVAL && saved != EACCES)
		return cubo_error_new_errno(saved, "load the device program");
	/* Load again with the verifier's log, so the error says what it disliked. */
	log[0] = '\0';
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	*fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (*fd >= 0)
		return NULL;
	log[sizeof(log) - 1] = '\0';
	for (char *c = log; *c; c++)
		if (*c == '\n')
			*c = ' ';
	return cubo_error_new_errno(saved, "load the device program (verifier: %s)", log);
}

/* The ids of the device programs attached to the directory itself (not inherited). */
static struct cubo_error *query(int cgfd, uint32_t **ids, uint32_t *n, uint32_t *flags)
{
	uint32_t cap = 16;

	*ids = NULL;
	for (;;) {
		union bpf_attr a;

		*ids = xreallocarray(*ids, cap, sizeof(**ids));
		memset(&a, 0, sizeof(a));
		a.query.target_fd = (uint32_t)cgfd;
		a.query.attach_type = BPF_CGROUP_DEVICE;
		a.query.prog_ids = (uint64_t)(uintptr_t)*ids;
		a.query.prog_cnt = cap;
		if (sys_bpf(BPF_PROG_QUERY, &a) == 0) {
			*n = a.query.prog_cnt;
			*flags = a.query.attach_flags;
			return NULL;
		}
		if (errno != ENOSPC || a.query.prog_cnt <= cap) {
			int e = errno;

			free(*ids);
			*ids = NULL;
			return cubo_error_new_errno(e, "query the attached device programs");
		}
		cap = a.query.prog_cnt;
	}
}

static struct cubo_error *attach(int cgfd, int progfd, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)progfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = flags;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return cubo_error_errno("attach the device program");
	return NULL;
}

static struct cubo_error *detach_id(int cgfd, uint32_t id)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (fd < 0)
		/* gone already: nothing left to detach */
		return errno == ENOENT ? NULL
				       : cubo_error_errno("open the old device program %u", id);
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	if (sys_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT) {
		int e = errno;

		close(fd);
		return cubo_error_new_errno(e, "detach the old device program %u", id);
	}
	close(fd);
	return NULL;
}

static struct cubo_error *apply_fd(int cgfd, const struct bpf_insn *insns, size_t n_insns)
{
	struct cubo_error *err;
	uint32_t *old = NULL, n_old = 0, old_flags = 0;
	int progfd;

	CUBO_TRY(query(cgfd, &old, &n_old, &old_flags));
	err = load(insns, n_insns, &progfd);
	if (err) {
		free(old);
		return err;
	}
	if (n_old && !(old_flags & BPF_F_ALLOW_MULTI)) {
		/* Someone attached in single-program mode: attaching again replaces it. */
		err = attach(cgfd, progfd, old_flags);
		n_old = 0;
	} else {
		err = attach(cgfd, progfd, BPF_F_ALLOW_MULTI);
	}
	/* The attachment holds the program now. */
	close(progfd);
	for (uint32_t i = 0; !err && i < n_old; i++)
		err = detach_id(cgfd, old[i]);
	free(old);
	return err;
}

struct cubo_error *cgroup_bpf_devices_apply(const char *cgroup_dir,
					    const struct oci_device_cgroup *rules, size_t n)
{
	struct bpf_insn *insns;
	size_t n_insns;
	struct cubo_error *err;
	int cgfd;

	CUBO_TRY(cgroup_bpf_devices_program(rules, n, &insns, &n_insns));
	cgfd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		free(insns);
		return cubo_error_errno("open %s", cgroup_dir);
	}
	err = apply_fd(cgfd, insns, n_insns);
	close(cgfd);
	free(insns);
	return cubo_error_wrap(err, "%s", cgroup_dir);
}

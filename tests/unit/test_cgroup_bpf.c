/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/cgroup_bpf.c, cubo-runc/cgroup_stat_parse.c, cubo-runc/cgroup_stats.c */
/*
 * The cgroup v2 device program (instructions for concrete rule lists, their
 * verdicts through a small interpreter, the kernel running it for a real
 * process when we may load BPF), and the parsers of cgroup statistics files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cubo-runc/cgroup.h"
#include "cubo-runc/cgroup_bpf.h"
#include "shared/fs.h"

#include "cubo-runc/cgroup_stat_parse.h"
#include "tests/unit/helpers.h"

/* ---- device program: instructions ---- */

#define RULE(al, t, maj, min, acc)                                                                 \
	{                                                                                          \
		.allow = (al), .type = (t), .has_major = (maj) != -2, .major = (maj),              \
		.has_minor = (min) != -2, .minor = (min), .access = (acc)                          \
	}
/* -2: the field is absent */
#define ABSENT -2

static void assert_insn(const struct bpf_insn *i, uint8_t code, uint8_t dst, uint8_t src,
			int16_t off, int32_t imm)
{
	assert_int_equal(i->code, code);
	assert_int_equal(i->dst_reg, dst);
	assert_int_equal(i->src_reg, src);
	assert_int_equal(i->off, off);
	assert_int_equal(i->imm, imm);
}

static void assert_prologue(const struct bpf_insn *v)
{
	assert_insn(&v[0], BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0);
	assert_insn(&v[1], BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff);
	assert_insn(&v[2], BPF_LDX | BPF_MEM | BPF_W, 3, 1, 0, 0);
	assert_insn(&v[3], BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16);
	assert_insn(&v[4], BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0);
	assert_insn(&v[5], BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0);
}

static void test_bpf_empty_list_denies_everything(void **state)
{
	struct bpf_insn *v;
	size_t n;

	assert_null(cgroup_bpf_devices_program(NULL, 0, &v, &n));
	assert_int_equal(n, 8);
	assert_prologue(v);
	assert_insn(&v[6], BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0);
	assert_insn(&v[7], BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	free(v);
}

static void test_bpf_instructions_reverse_order(void **state)
{
	/* deny everything, then allow c 1:3 rwm, then allow c 1:5 r */
	const struct oci_device_cgroup rules[] = {
		RULE(false, "a", ABSENT, ABSENT, "rwm"),
		RULE(true, "c", 1, 3, "rwm"),
		RULE(true, "c", 1, 5, "r"),
	};
	struct bpf_insn *v;
	size_t n;

	assert_null(cgroup_bpf_devices_program(rules, 3, &v, &n));
	assert_prologue(v);
	/* c 1:5 r: type, access (3), major, minor, verdict (2) = 8 instructions */
	assert_insn(&v[6], BPF_JMP | BPF_JNE | BPF_K, 2, 0, 7, BPF_DEVCG_DEV_CHAR);
	assert_insn(&v[7], BPF_ALU | BPF_MOV | BPF_X, 1, 3, 0, 0);
	assert_insn(&v[8], BPF_ALU | BPF_AND | BPF_K, 1, 0, 0,
		    BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD);
	assert_insn(&v[9], BPF_JMP | BPF_JNE | BPF_K, 1, 0, 4, 0);
	assert_insn(&v[10], BPF_JMP | BPF_JNE | BPF_K, 4, 0, 3, 1);
	assert_insn(&v[11], BPF_JMP | BPF_JNE | BPF_K, 5, 0, 2, 5);
	assert_insn(&v[12], BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 1);
	assert_insn(&v[13], BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	/* c 1:3 rwm: no access check */
	assert_insn(&v[14], BPF_JMP | BPF_JNE | BPF_K, 2, 0, 4, BPF_DEVCG_DEV_CHAR);
	assert_insn(&v[15], BPF_JMP | BPF_JNE | BPF_K, 4, 0, 3, 1);
	assert_insn(&v[16], BPF_JMP | BPF_JNE | BPF_K, 5, 0, 2, 3);
	assert_insn(&v[17], BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 1);
	assert_insn(&v[18], BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	/* deny a *:* rwm matches everything: it ends the program, no default after it */
	assert_insn(&v[19], BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0);
	assert_insn(&v[20], BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	assert_int_equal(n, 21);
	free(v);
}

static void test_bpf_deny_partial_access_instructions(void **state)
{
	const struct oci_device_cgroup rules[] = {
		RULE(false, "b", -1, ABSENT, "w"),
	};
	struct bpf_insn *v;
	size_t n;

	assert_null(cgroup_bpf_devices_program(rules, 1, &v, &n));
	assert_int_equal(n, 6 + 6 + 2);
	assert_insn(&v[6], BPF_JMP | BPF_JNE | BPF_K, 2, 0, 5, BPF_DEVCG_DEV_BLOCK);
	assert_insn(&v[7], BPF_ALU | BPF_MOV | BPF_X, 1, 3, 0, 0);
	assert_insn(&v[8], BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, BPF_DEVCG_ACC_WRITE);
	/* a deny rule matches when any refused access is asked for */
	assert_insn(&v[9], BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2, 0);
	assert_insn(&v[10], BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0);
	assert_insn(&v[11], BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	assert_insn(&v[12], BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 0);
	free(v);
}

static void test_bpf_rule_after_catch_all_is_unreachable(void **state)
{
	/* the allow-all rule comes last, so it decides everything and nothing else is emitted */
	const struct oci_device_cgroup rules[] = {
		RULE(false, "c", 1, 3, "rwm"),
		RULE(true, NULL, ABSENT, ABSENT, NULL),
	};
	struct bpf_insn *v;
	size_t n;

	assert_null(cgroup_bpf_devices_program(rules, 2, &v, &n));
	assert_int_equal(n, 8);
	assert_insn(&v[6], BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 1);
	assert_insn(&v[7], BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	free(v);
}

static void expect_rule_error(const struct oci_device_cgroup *r, size_t n, const char *text)
{
	struct bpf_insn *v = (void *)1;
	size_t nv = 99;

	th_expect_msg(cgroup_bpf_devices_program(r, n, &v, &nv), text);
	assert_null(v);
	assert_int_equal(nv, 0);
}

static void test_bpf_invalid_rules(void **state)
{
	const struct oci_device_cgroup bad_type[] = {
		RULE(true, "c", 1, 3, "rwm"),
		RULE(true, "x", 1, 3, "rwm"),
	};
	const struct oci_device_cgroup bad_access[] = {RULE(true, "c", 1, 3, "rwx")};
	const struct oci_device_cgroup bad_major[] = {RULE(true, "c", -5, 3, "r")};
	const struct oci_device_cgroup huge_minor[] = {RULE(true, "c", 1, 1LL << 40, "r")};

	expect_rule_error(bad_type, 2, "devices[1].type: invalid device type \"x\"");
	expect_rule_error(bad_access, 1, "devices[0].access: invalid access \"rwx\"");
	expect_rule_error(bad_major, 1, "devices[0].major: -5");
	expect_rule_error(huge_minor, 1, "devices[0].minor: 1099511627776");
}

/* ---- device program: verdicts, through an interpreter of the emitted subset ---- */

static int run_prog(const struct bpf_insn *v, size_t n, uint32_t type, uint32_t access,
		    uint32_t major, uint32_t minor)
{
	uint32_t ctx[3] = {access << 16 | type, major, minor};
	uint64_t r[11] = {0};
	size_t pc = 0;

	for (int steps = 0; steps < 10000 && pc < n; steps++) {
		const struct bpf_insn *i = &v[pc++];
		uint64_t dst = r[i->dst_reg];

		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			assert_int_equal(i->src_reg, 1);
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = (uint32_t)dst & (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[i->dst_reg] = (uint32_t)dst >> i->imm;
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			r[i->dst_reg] = (uint32_t)r[i->src_reg];
			break;
		case BPF_ALU | BPF_MOV | BPF_K:
			r[i->dst_reg] = (uint32_t)i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (dst != (uint64_t)(int64_t)i->imm)
				pc += i->off;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			if (dst == (uint64_t)(int64_t)i->imm)
				pc += i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			fail_msg("unexpected opcode 0x%x at %zu", i->code, pc - 1);
		}
	}
	fail_msg("program ran off its end");
	return -1;
}

#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK
#define RD BPF_DEVCG_ACC_READ
#define WR BPF_DEVCG_ACC_WRITE
#define MK BPF_DEVCG_ACC_MKNOD

static void test_bpf_verdicts_last_match_wins(void **state)
{
	const struct oci_device_cgroup rules[] = {
		RULE(false, "a", ABSENT, ABSENT, "rwm"),
		RULE(true, "c", 1, -1, "rw"),	  /* every c 1:* for read and write */
		RULE(false, "c", 1, 3, "w"),	  /* ...but /dev/null not for writing */
		RULE(true, "b", 8, ABSENT, "m"),  /* mknod of sd* */
		RULE(true, NULL, 136, -1, "rwm"), /* any type, major 136 */
	};
	struct bpf_insn *v;
	size_t n;

	assert_null(cgroup_bpf_devices_program(rules, 5, &v, &n));
	assert_int_equal(run_prog(v, n, C, RD, 1, 5), 1);
	assert_int_equal(run_prog(v, n, C, RD | WR, 1, 5), 1);
	assert_int_equal(run_prog(v, n, C, MK, 1, 5), 0); /* mknod not granted */
	assert_int_equal(run_prog(v, n, C, RD, 1, 3), 1);
	assert_int_equal(run_prog(v, n, C, WR, 1, 3), 0);
	assert_int_equal(run_prog(v, n, C, RD | WR, 1, 3), 0); /* asks for a refused access */
	assert_int_equal(run_prog(v, n, B, RD, 1, 5), 0);      /* wrong type */
	assert_int_equal(run_prog(v, n, B, MK, 8, 0), 1);
	assert_int_equal(run_prog(v, n, B, MK | RD, 8, 0), 0);
	assert_int_equal(run_prog(v, n, B, RD, 136, 4), 1);
	assert_int_equal(run_prog(v, n, C, WR, 136, 0), 1);
	assert_int_equal(run_prog(v, n, C, RD, 2, 0), 0); /* no rule: denied */
	free(v);
}

static void test_bpf_verdicts_allow_after_deny_of_same_device(void **state)
{
	const struct oci_device_cgroup rules[] = {
		RULE(true, "a", ABSENT, ABSENT, "rwm"),
		RULE(false, "c", 5, 1, "rwm"),
		RULE(true, "c", 5, 1, "r"),
	};
	struct bpf_insn *v;
	size_t n;

	assert_null(cgroup_bpf_devices_program(rules, 3, &v, &n));
	assert_int_equal(run_prog(v, n, C, RD, 5, 1), 1);
	assert_int_equal(run_prog(v, n, C, WR, 5, 1), 0);
	assert_int_equal(run_prog(v, n, C, WR, 5, 2), 1);
	assert_int_equal(run_prog(v, n, B, RD | WR | MK, 7, 7), 1);
	free(v);
}

/* ---- device program: the kernel runs it (root, with a cgroup2 mount) ---- */

/*
 * Our own cgroup2 directory: the cgroup2 mount from /proc/self/mountinfo
 * (assumed to show the hierarchy's root) joined with the "0::" line of
 * /proc/self/cgroup. NULL when there is none.
 */
static char *own_cgroup2_dir(void)
{
	char *mi, *pc, *mount = NULL, *own = NULL, *save = NULL;
	size_t len;

	assert_null(cubo_read_file("/proc/self/mountinfo", &mi, &len));
	assert_null(cubo_read_file("/proc/self/cgroup", &pc, &len));
	for (char *l = strtok_r(mi, "\n", &save); l && !mount; l = strtok_r(NULL, "\n", &save)) {
		char root[4096], point[4096], fstype[64];
		const char *dash = strstr(l, " - ");

		if (dash && sscanf(l, "%*s %*s %*s %4095s %4095s", root, point) == 2 &&
		    sscanf(dash + 3, "%63s", fstype) == 1 && !strcmp(fstype, "cgroup2") &&
		    !strcmp(root, "/"))
			mount = strdup(point);
	}
	for (char *l = strtok_r(pc, "\n", &save); l && mount && !own;
	     l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, "0::/", 4))
			own = cubo_path_join(mount, l + 4);
	free(mount);
	free(mi);
	free(pc);
	return own;
}

/* A fresh cgroup beneath our own in the cgroup2 hierarchy, or NULL to skip. */
static char *make_test_cgroup(void)
{
	char name[64], *own, *dir;

	if (geteuid() != 0) {
		print_message("skipping: needs root\n");
		return NULL;
	}
	own = own_cgroup2_dir();
	if (!own) {
		print_message("skipping: no cgroup2 hierarchy mounted\n");
		return NULL;
	}
	snprintf(name, sizeof(name), "cubo-bpf-test-%d", (int)getpid());
	dir = cubo_path_join(own, name);
	free(own);
	if (mkdir(dir, 0755) < 0) {
		print_message("skipping: mkdir %s: %s\n", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

/* In a child moved into dir: 0 when open(path) gives want_errno (0 for success). */
static int open_in_cgroup(const char *dir, const char *path, int want_errno)
{
	int st, status;
	char procs[4096];
	pid_t pid;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(procs, O_WRONLY);

		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(100);
		close(fd);
		fd = open(path, O_RDONLY);
		if (fd >= 0)
			_exit(want_errno == 0 ? 0 : 1);
		_exit(errno == want_errno ? 0 : 2);
	}
	while ((st = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	assert_int_equal(st, pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static uint32_t attached_count(const char *dir)
{
	union bpf_attr a;
	uint32_t ids[8];
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)fd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = 8;
	assert_int_equal(syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof(a)), 0);
	close(fd);
	return a.query.prog_cnt;
}

static void test_bpf_kernel_enforces_and_reapply_replaces(void **state)
{
	const struct oci_device_cgroup deny_null[] = {
		RULE(false, "a", ABSENT, ABSENT, "rwm"),
		RULE(true, "c", 1, -1, "rwm"),
		RULE(false, "c", 1, 3, "rwm"),
	};
	const struct oci_device_cgroup deny_zero[] = {
		RULE(true, "c", 1, 3, "rwm"),
		RULE(true, "c", 1, 5, "w"),
	};
	struct cubo_error *err;
	char *dir = *state;

	if (!dir)
		skip();
	err = cgroup_bpf_devices_apply(dir, deny_null, 3);
	if (err && (err->errnum == EPERM || err->errnum == ENOSYS)) {
		print_message("skipping: BPF loading is not permitted here: %s\n", err->msg);
		cubo_error_free(err);
		skip();
	}
	if (err)
		fail_msg("%s: %s", err->msg, strerror(err->errnum));
	assert_int_equal(open_in_cgroup(dir, "/dev/null", EPERM), 0);
	assert_int_equal(open_in_cgroup(dir, "/dev/zero", 0), 0);
	assert_int_equal(attached_count(dir), 1);

	/* update: the new rules replace the old program rather than adding to it */
	assert_null(cgroup_bpf_devices_apply(dir, deny_zero, 2));
	assert_int_equal(attached_count(dir), 1);
	assert_int_equal(open_in_cgroup(dir, "/dev/null", 0), 0);
	assert_int_equal(open_in_cgroup(dir, "/dev/zero", EPERM), 0);

	/* a bad list leaves the old program in place */
	const struct oci_device_cgroup bad[] = {RULE(true, "q", 1, 3, "r")};
	th_expect_failure(cgroup_bpf_devices_apply(dir, bad, 1));
	assert_int_equal(attached_count(dir), 1);
	assert_int_equal(open_in_cgroup(dir, "/dev/zero", EPERM), 0);
}

static int setup_test_cgroup(void **state)
{
	*state = make_test_cgroup();
	return 0;
}

/* Also after a failed assertion: the children have exited, so the cgroup is empty. */
static int remove_test_cgroup(void **state)
{
	char *dir = *state;

	if (dir && rmdir(dir) < 0) {
		print_error("rmdir %s: %s\n", dir, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	return 0;
}

static void test_bpf_apply_missing_dir(void **state)
{
	struct cubo_error *err = cgroup_bpf_devices_apply("/nonexistent/cubo-cg", NULL, 0);

	assert_non_null(err);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->msg, "/nonexistent/cubo-cg"));
	cubo_error_free(err);
}

/* ---- statistics: file parsers ---- */

static void test_stats_parse_u64(void **state)
{
	uint64_t v = 7;

	assert_null(stat_parse_u64("1234\n", 5, "f", &v));
	assert_int_equal(v, 1234);
	assert_null(stat_parse_u64("max\n", 4, "f", &v));
	assert_true(v == UINT64_MAX);
	/* negative values (an unset soft limit on some kernels) read as 0, as in runc */
	assert_null(stat_parse_u64("-1", 2, "f", &v));
	assert_int_equal(v, 0);
	assert_null(stat_parse_u64("18446744073709551615", 20, "f", &v));
	assert_true(v == UINT64_MAX);
	th_expect_msg(stat_parse_u64("12a", 3, "memory.current", &v),
		      "memory.current: \"12a\" is not a number");
	th_expect_msg(stat_parse_u64("", 0, "pids.max", &v), "pids.max");
	th_expect_msg(stat_parse_u64("18446744073709551616", 20, "f", &v), "not a number");
	th_expect_msg(stat_parse_u64("-", 1, "f", &v), "not a number");
}

static void test_stats_parse_flat_keyed(void **state)
{
	const char *memory_stat = "anon 4096\nfile 8192\nkernel 0\nsock 0\n";
	struct stat_kv_list l;

	assert_null(stat_parse_flat_keyed(memory_stat, "memory.stat", &l));
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[1].key, "file");
	assert_int_equal(l.v[1].value, 8192);
	assert_int_equal(stat_kv_get0(&l, "anon"), 4096);
	assert_null(stat_kv_get(&l, "missing"));
	stat_kv_list_free(&l);

	th_expect_msg(stat_parse_flat_keyed("usage_usec 10\nbroken\n", "cpu.stat", &l),
		      "cpu.stat: line 2: expected \"key value\"");
	assert_null(l.v);
	th_expect_msg(stat_parse_flat_keyed("a 1\nb x\n", "memory.stat", &l),
		      "memory.stat: line 2");
	th_expect_msg(stat_parse_flat_keyed("a 1 2\n", "memory.stat", &l), "line 1");
	assert_null(stat_parse_flat_keyed("", "memory.stat", &l));
	assert_int_equal(l.n, 0);
}

static void test_stats_parse_percpu(void **state)
{
	uint64_t *v, *k, *u;
	size_t n;

	assert_null(stat_parse_u64_list("3068858 11272995 \n", "cpuacct.usage_percpu", &v, &n));
	assert_int_equal(n, 2);
	assert_int_equal(v[0], 3068858);
	assert_int_equal(v[1], 11272995);
	free(v);
	th_expect_msg(stat_parse_u64_list("1 x 3\n", "cpuacct.usage_percpu", &v, &n),
		      "cpuacct.usage_percpu: \"x\"");
	assert_null(v);

	assert_null(stat_parse_usage_all("cpu user system\n0 100 200\n1 300 400\n",
					 "cpuacct.usage_all", &k, &u, &n));
	assert_int_equal(n, 2);
	assert_int_equal(u[0], 100);
	assert_int_equal(k[0], 200);
	assert_int_equal(u[1], 300);
	assert_int_equal(k[1], 400);
	free(k);
	free(u);
	th_expect_msg(
		stat_parse_usage_all("cpu user system\n0 100\n", "cpuacct.usage_all", &k, &u, &n),
		"cpuacct.usage_all: line 2");
	assert_null(k);
}

static void test_stats_parse_blkio_v1(void **state)
{
	const char *text = "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n"
			   "8:0 Discard 0\n8:0 Total 12288\nTotal 12288\n";
	struct blkio_list l;

	assert_null(stat_parse_blkio(text, "blkio.throttle.io_service_bytes", &l));
	assert_int_equal(l.n, 6);
	assert_int_equal(l.v[1].major, 8);
	assert_int_equal(l.v[1].minor, 0);
	assert_string_equal(l.v[1].op, "Write");
	assert_int_equal(l.v[1].value, 8192);
	free(l.v);

	assert_null(stat_parse_blkio("253:1 77\n", "blkio.time_recursive", &l));
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].major, 253);
	assert_string_equal(l.v[0].op, "");
	assert_int_equal(l.v[0].value, 77);
	free(l.v);

	th_expect_msg(stat_parse_blkio("8:0 Read\n", "blkio.x", &l),
		      "blkio.x: line 1: expected \"major:minor [op] value\"");
	assert_null(l.v);
}

static void test_stats_parse_io_stat(void **state)
{
	const char *text = "8:16 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n"
			   "253:0 rbytes=10 wbytes=20 rios=30 wios=40\n";
	struct blkio_list bytes, ios;

	assert_null(stat_parse_io_stat(text, "io.stat", &bytes, &ios));
	assert_int_equal(bytes.n, 4);
	assert_int_equal(ios.n, 4);
	assert_int_equal(bytes.v[0].minor, 16);
	assert_string_equal(bytes.v[0].op, "Read");
	assert_int_equal(bytes.v[0].value, 1);
	assert_string_equal(bytes.v[3].op, "Write");
	assert_int_equal(bytes.v[3].major, 253);
	assert_int_equal(bytes.v[3].value, 20);
	assert_string_equal(ios.v[2].op, "Read");
	assert_int_equal(ios.v[2].value, 30);
	free(bytes.v);
	free(ios.v);

	th_expect_msg(stat_parse_io_stat("8:0 rbytes=x\n", "io.stat", &bytes, &ios),
		      "io.stat: line 1");
	th_expect_msg(stat_parse_io_stat("sda rbytes=1\n", "io.stat", &bytes, &ios),
		      "expected \"major:minor key=value...\"");
	assert_null(bytes.v);
}

static void test_stats_parse_cpu_list(void **state)
{
	uint16_t *v;
	size_t n;

	assert_null(stat_parse_cpu_list("0-2,5,7-8\n", "cpuset.cpus", &v, &n));
	assert_int_equal(n, 6);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[2], 2);
	assert_int_equal(v[3], 5);
	assert_int_equal(v[5], 8);
	free(v);
	assert_null(stat_parse_cpu_list("\n", "cpuset.mems", &v, &n));
	assert_int_equal(n, 0);
	th_expect_msg(stat_parse_cpu_list("3-1\n", "cpuset.cpus", &v, &n),
		      "cpuset.cpus: \"3-1\" is not a cpu list");
	th_expect_msg(stat_parse_cpu_list("1,a\n", "cpuset.cpus", &v, &n), "not a cpu list");
	assert_null(v);
}

static void test_stats_hugepage_names(void **state)
{
	char b[24];

	assert_true(stat_hugepage_name("hugepages-2048kB", b, sizeof(b)));
	assert_string_equal(b, "2MB");
	assert_true(stat_hugepage_name("hugepages-1048576kB", b, sizeof(b)));
	assert_string_equal(b, "1GB");
	assert_true(stat_hugepage_name("hugepages-64kB", b, sizeof(b)));
	assert_string_equal(b, "64KB");
	assert_false(stat_hugepage_name("hugepages-2048MB", b, sizeof(b)));
	assert_false(stat_hugepage_name("nr_hugepages", b, sizeof(b)));
}

/* ---- statistics: the JSON of a set, from directories standing in for cgroups ---- */

static char *stats_json_of(struct cgroup_set *s)
{
	struct cubo_json_gen *g;
	char *out;
	size_t len;

	assert_null(cubo_json_gen_new(false, &g));
	assert_null(cgroup_set_stats_json(s, g));
	assert_null(cubo_json_gen_finish(g, &out, &len));
	return out;
}

static void assert_contains(const char *json, const char *part)
{
	if (!strstr(json, part))
		fail_msg("%s\ndoes not contain\n%s", json, part);
}

static void test_stats_json_v1(void **state)
{
	char *root = th_tmpdir("stats"), *mem, *acct, *cpu, *pids, *blkio;
	struct cgroup_dir d[5];
	struct cgroup_set s = {d, 5};
	char *json;

	mem = cubo_path_join(root, "memory");
	acct = cubo_path_join(root, "cpuacct");
	cpu = cubo_path_join(root, "cpu");
	pids = cubo_path_join(root, "pids");
	blkio = cubo_path_join(root, "blkio");
	d[0] = (struct cgroup_dir){.key = "memory", .path = mem};
	d[1] = (struct cgroup_dir){.key = "cpuacct", .path = acct};
	d[2] = (struct cgroup_dir){.key = "cpu", .path = cpu};
	d[3] = (struct cgroup_dir){.key = "pids", .path = pids};
	d[4] = (struct cgroup_dir){.key = "blkio", .path = blkio};
	for (int i = 0; i < 5; i++)
		assert_int_equal(mkdir(d[i].path, 0755), 0);
	th_put(mem, "memory.stat", "rss 53248\ncache 4096\ntotal_rss 53248\n");
	th_put(mem, "memory.usage_in_bytes", "995328\n");
	th_put(mem, "memory.max_usage_in_bytes", "2838528\n");
	th_put(mem, "memory.failcnt", "0\n");
	th_put(mem, "memory.limit_in_bytes", "9223372036854771712\n");
	th_put(acct, "cpuacct.usage", "14341853\n");
	th_put(acct, "cpuacct.usage_percpu", "3068858 11272995 \n");
	th_put(acct, "cpuacct.stat", "user 2\nsystem 1\n");
	th_put(acct, "cpuacct.usage_all", "cpu user system\n0 0 3068858\n1 4000000 8000000\n");
	th_put(cpu, "cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 500\n");
	th_put(pids, "pids.current", "3\n");
	th_put(pids, "pids.max", "max\n");
	th_put(blkio, "blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\nTotal 4096\n");
	th_put(blkio, "blkio.throttle.io_serviced_recursive", "8:0 Read 1\nTotal 1\n");

	json = stats_json_of(&s);
	assert_contains(json, "\"cpu\":{\"usage\":{\"total\":14341853,\"percpu\":[3068858,"
			      "11272995],\"percpu_kernel\":[3068858,8000000],\"percpu_user\":[0,"
			      "4000000],\"kernel\":10000000,\"user\":20000000},\"throttling\":{"
			      "\"periods\":10,\"throttledPeriods\":2,\"throttledTime\":500}}");
	assert_contains(json, "\"memory\":{\"cache\":4096,\"usage\":{\"limit\":"
			      "9223372036854771712,\"usage\":995328,\"max\":2838528,\"failcnt\":0},"
			      "\"swap\":{\"limit\":0,\"failcnt\":0}");
	/* raw is sorted by key, as Go prints a map */
	assert_contains(json, "\"raw\":{\"cache\":4096,\"rss\":53248,\"total_rss\":53248}");
	/* "max" pids is no limit, which runc leaves out */
	assert_contains(json, "\"pids\":{\"current\":3}");
	assert_contains(json, "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":"
			      "\"Read\",\"value\":4096}],\"ioServicedRecursive\":[{\"major\":8,"
			      "\"op\":\"Read\",\"value\":1}]}");
	assert_contains(json, "\"hugetlb\":{},\"intel_rdt\":{},\"network_interfaces\":null}");
	free(json);

	/* a malformed file is an error naming it */
	th_put(mem, "memory.failcnt", "lots\n");
	struct cubo_json_gen *g;
	assert_null(cubo_json_gen_new(false, &g));
	struct cubo_error *err = cgroup_set_stats_json(&s, g);
	cubo_json_gen_free(g);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "memory/memory.failcnt"));
	cubo_error_free(err);

	th_tmpdir_free(root);
	free(mem);
	free(acct);
	free(cpu);
	free(pids);
	free(blkio);
}

static void test_stats_json_v2(void **state)
{
	char *root = th_tmpdir("stats");
	struct cgroup_dir d = {.key = "", .path = root, .v2 = true};
	struct cgroup_set s = {&d, 1};
	char *json;

	th_put(root, "cpu.stat",
	       "usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 0\n"
	       "nr_throttled 0\nthrottled_usec 0\n");
	th_put(root, "memory.current", "1000\n");
	th_put(root, "memory.max", "max\n");
	th_put(root, "memory.stat", "anon 600\nfile 400\n");
	th_put(root, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
	th_put(root, "memory.swap.current", "10\n");
	th_put(root, "memory.swap.max", "max\n");
	th_put(root, "pids.current", "2\n");
	th_put(root, "pids.max", "50\n");
	th_put(root, "io.stat", "8:0 rbytes=512 wbytes=0 rios=1 wios=0\n");
	th_put(root, "cpuset.cpus.effective", "0-1\n");
	th_put(root, "cpuset.mems.effective", "0\n");

	json = stats_json_of(&s);
	assert_contains(json, "\"cpu\":{\"usage\":{\"total\":100000,\"kernel\":40000,\"user\":"
			      "60000},\"throttling\":{}}");
	assert_contains(json, "\"cpuset\":{\"cpus\":[0,1],\"cpu_exclusive\":0,\"mems\":[0],");
	assert_contains(json, "\"memory\":{\"cache\":400,\"usage\":{\"limit\":18446744073709551615,"
			      "\"usage\":1000,\"failcnt\":3},\"swap\":{\"limit\":"
			      "18446744073709551615,\"usage\":1010,\"failcnt\":0}");
	assert_contains(json, "\"pids\":{\"current\":2,\"limit\":50}");
	assert_contains(json, "\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":"
			      "512},{\"major\":8,\"op\":\"Write\"}]");
	free(json);

	/* without the pids controller, the members are counted; without memory, no usage */
	char *f = cubo_path_join(root, "pids.current");
	assert_int_equal(unlink(f), 0);
	free(f);
	f = cubo_path_join(root, "memory.current");
	assert_int_equal(unlink(f), 0);
	free(f);
	th_put(root, "cgroup.procs", "10\n11\n12\n");
	json = stats_json_of(&s);
	assert_contains(json, "\"pids\":{\"current\":3}");
	assert_contains(json, "\"memory\":{\"usage\":{\"limit\":0,\"failcnt\":0}");
	free(json);
	th_tmpdir_free(root);
}

/* some controllers only: the others' files are not read (a broken one is no error) */
static void test_stats_json_parts(void **state)
{
	char *root = th_tmpdir("stats");
	struct cgroup_dir d = {.key = "", .path = root, .v2 = true};
	struct cgroup_set s = {&d, 1};
	struct cubo_json_gen *g;
	char *json;
	size_t len;

	(void)state;
	th_put(root, "cpu.stat", "usage_usec 7\n");
	th_put(root, "memory.current", "not a number\n");
	th_put(root, "pids.current", "4\n");
	th_put(root, "io.stat", "8:0 rbytes=5 wbytes=6\n");
	assert_null(cubo_json_gen_new(false, &g));
	assert_null(cgroup_set_stats_json_parts(&s, CGROUP_STATS_CPU | CGROUP_STATS_PIDS, g));
	assert_null(cubo_json_gen_finish(g, &json, &len));
	assert_contains(json, "\"cpu\":{\"usage\":{\"total\":7000,");
	assert_contains(json, "\"pids\":{\"current\":4}");
	assert_contains(json, "\"memory\":{\"usage\":{\"limit\":0,\"failcnt\":0}");
	assert_contains(json, "\"blkio\":{}");
	free(json);
	/* all of them: the broken file is read, and named */
	assert_null(cubo_json_gen_new(false, &g));
	struct cubo_error *err = cgroup_set_stats_json(&s, g);
	cubo_json_gen_free(g);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "memory.current"));
	cubo_error_free(err);
	th_tmpdir_free(root);
}

static void test_stats_json_hugetlb_v1(void **state)
{
	char *root;
	struct cgroup_dir d = {.key = "hugetlb"};
	struct cgroup_set s = {&d, 1};
	char *json;

	/* the page sizes come from the running kernel */
	if (!cubo_path_exists("/sys/kernel/mm/hugepages/hugepages-2048kB"))
		skip();
	root = th_tmpdir("stats");
	d.path = root;
	th_put(root, "hugetlb.2MB.usage_in_bytes", "4194304\n");
	th_put(root, "hugetlb.2MB.max_usage_in_bytes", "6291456\n");
	th_put(root, "hugetlb.2MB.failcnt", "2\n");
	json = stats_json_of(&s);
	/* sizes without files (another page size) are left out */
	assert_contains(json, "\"hugetlb\":{\"2MB\":{\"usage\":4194304,\"max\":6291456,"
			      "\"failcnt\":2}}");
	free(json);
	th_tmpdir_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bpf_empty_list_denies_everything),
		cmocka_unit_test(test_bpf_instructions_reverse_order),
		cmocka_unit_test(test_bpf_deny_partial_access_instructions),
		cmocka_unit_test(test_bpf_rule_after_catch_all_is_unreachable),
		cmocka_unit_test(test_bpf_invalid_rules),
		cmocka_unit_test(test_bpf_verdicts_last_match_wins),
		cmocka_unit_test(test_bpf_verdicts_allow_after_deny_of_same_device),
		cmocka_unit_test_setup_teardown(test_bpf_kernel_enforces_and_reapply_replaces,
						setup_test_cgroup, remove_test_cgroup),
		cmocka_unit_test(test_bpf_apply_missing_dir),
		cmocka_unit_test(test_stats_parse_u64),
		cmocka_unit_test(test_stats_parse_flat_keyed),
		cmocka_unit_test(test_stats_parse_percpu),
		cmocka_unit_test(test_stats_parse_blkio_v1),
		cmocka_unit_test(test_stats_parse_io_stat),
		cmocka_unit_test(test_stats_parse_cpu_list),
		cmocka_unit_test(test_stats_hugepage_names),
		cmocka_unit_test(test_stats_json_v1),
		cmocka_unit_test(test_stats_json_v2),
		cmocka_unit_test(test_stats_json_parts),
		cmocka_unit_test(test_stats_json_hugetlb_v1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

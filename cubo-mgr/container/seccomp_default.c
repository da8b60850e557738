/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default seccomp profile of cubo-mgr containers: the same effect as
 * docker's default profile (moby profiles/seccomp/default.json) on x86_64
 * and aarch64. Names the kernel or libseccomp do not know on this
 * architecture are skipped by the runtime, so the lists hold the 32-bit and
 * time64 spellings too, as docker's does.
 *
 * io_uring_setup, io_uring_enter and io_uring_register are left out, as
 * docker's current profile leaves them out (moby#46762): io_uring has been
 * the source of a long run of kernel privilege escalations, and its
 * operations bypass the per-syscall filtering that seccomp is. They fail
 * with the default EPERM, whatever capabilities the container has.
 */
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/seccomp_default.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* Allowed for everyone. Space-separated to keep the table compact. */
static const char always[] =
	"accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32 "
	"clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime "
	"clock_gettime64 clock_nanosleep clock_nanosleep_time64 close close_range connect "
	"copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old "
	"epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit "
	"exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir "
	"fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr "
	"flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync "
	"ftruncate ftruncate64 futex futex_time64 futex_waitv futimesat getcpu getcwd getdents "
	"getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 "
	"getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid "
	"getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname "
	"getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr inotify_add_watch "
	"inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents "
	"io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit "
	"ipc kill landlock_add_rule "
	"landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat "
	"listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise "
	"membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 "
	"mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive "
	"mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget "
	"msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat "
	"_newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc "
	"pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 "
	"process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead "
	"readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg "
	"remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq "
	"rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend "
	"rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity "
	"sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min "
	"sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 "
	"sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp "
	"select semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 "
	"sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 "
	"setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid "
	"setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid "
	"setsockopt set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl shmdt "
	"shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall "
	"socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync "
	"sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete "
	"timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 "
	"timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 "
	"times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat "
	"utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev "
	/* docker allows these from kernel 4.8 on, where ptrace no longer bypasses seccomp */
	"process_vm_readv process_vm_writev ptrace";

#if defined(__x86_64__) || defined(__i386__)
static const char arch_calls[] = "arch_prctl modify_ldt";
static const char *const arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
#elif defined(__aarch64__) || defined(__arm__)
static const char arch_calls[] =
	"arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls";
static const char *const arches[] = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL};
#else
static const char arch_calls[] = "";
static const char *const arches[] = {NULL};
#endif

/* What a capability adds. */
struct cap_rule {
	const char *cap;
	const char *calls;
};

static const struct cap_rule cap_rules[] = {
	{"CAP_DAC_READ_SEARCH", "open_by_handle_at"},
	{"CAP_SYS_ADMIN",
	 "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount "
	 "mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname "
	 "sethostname setns syslog umount umount2 unshare"},
	{"CAP_SYS_BOOT", "reboot"},
	{"CAP_SYS_CHROOT", "chroot"},
	{"CAP_SYS_MODULE", "delete_module init_module finit_module"},
	{"CAP_SYS_PACCT", "acct"},
	{"CAP_SYS_PTRACE",
	 "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace"},
	{"CAP_SYS_RAWIO", "iopl ioperm"},
	{"CAP_SYS_TIME", "settimeofday stime clock_settime clock_settime64"},
	{"CAP_SYS_TTY_CONFIG", "vhangup"},
	{"CAP_SYS_NICE", "get_mempolicy mbind set_mempolicy set_mempolicy_home_node"},
	{"CAP_SYSLOG", "syslog"},
	{"CAP_BPF", "bpf"},
	{"CAP_PERFMON", "perf_event_open"},
};

/* The clone flags that make namespaces (CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET).
 */
#define CLONE_NS_FLAGS 2114060288ull
#define AF_VSOCK_NUM 40
#define ENOSYS_NUM 38

/* The personality values docker allows: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32,
 * query. */
static const uint64_t personalities[] = {0, 8, 131072, 131080, 4294967295ull};

struct oci_seccomp_syscall *ctr_seccomp_add_rule(struct oci_seccomp *s, const char *action)
{
	s->syscalls = xreallocarray(s->syscalls, s->n_syscalls + 1, sizeof(*s->syscalls));
	struct oci_seccomp_syscall *r = &s->syscalls[s->n_syscalls++];
	memset(r, 0, sizeof(*r));
	r->action = xstrdup(action);
	return r;
}

static void set_names(struct oci_seccomp_syscall *r, const char *spaced)
{
	char **v = cubo_strv_split(spaced, ' ');

	r->names.v = v;
	r->names.n = cubo_strv_len(v);
}

static void add_arg(struct oci_seccomp_syscall *r, uint32_t index, uint64_t value, const char *op)
{
	r->args = xcalloc(1, sizeof(*r->args));
	r->n_args = 1;
	r->args[0].index = index;
	r->args[0].value = value;
	r->args[0].op = xstrdup(op);
}

static bool has_cap(char *const *caps, const char *cap)
{
	return caps && cubo_strv_contains(caps, cap);
}

struct oci_seccomp *ctr_seccomp_default(char *const *caps)
{
	struct oci_seccomp *s = xcalloc(1, sizeof(*s));
	s->default_action = xstrdup("SCMP_ACT_ERRNO");
	s->has_default_errno_ret = true;
	s->default_errno_ret = 1; /* EPERM */
	s->architectures.n = cubo_strv_len((char *const *)arches);
	s->architectures.v = cubo_strv_dup((char *const *)arches);

	set_names(ctr_seccomp_add_rule(s, "SCMP_ACT_ALLOW"), always);
	if (arch_calls[0])
		set_names(ctr_seccomp_add_rule(s, "SCMP_ACT_ALLOW"), arch_calls);
	/* sockets of every family but vsock, which reaches the host */
	struct oci_seccomp_syscall *r = ctr_seccomp_add_rule(s, "SCMP_ACT_ALLOW");
	set_names(r, "socket");
	add_arg(r, 0, AF_VSOCK_NUM, "SCMP_CMP_NE");
	for (size_t i = 0; i < sizeof(personalities) / sizeof(*personalities); i++) {
		r = ctr_seccomp_add_rule(s, "SCMP_ACT_ALLOW");
		set_names(r, "personality");
		add_arg(r, 0, personalities[i], "SCMP_CMP_EQ");
	}
	for (size_t i = 0; i < sizeof(cap_rules) / sizeof(*cap_rules); i++)
		if (has_cap(caps, cap_rules[i].cap))
			set_names(ctr_seccomp_add_rule(s, "SCMP_ACT_ALLOW"), cap_rules[i].calls);
	if (!has_cap(caps, "CAP_SYS_ADMIN")) {
		/* threads and forks, but no new namespaces */
		r = ctr_seccomp_add_rule(s, "SCMP_ACT_ALLOW");
		set_names(r, "clone");
		add_arg(r, 0, CLONE_NS_FLAGS, "SCMP_CMP_MASKED_EQ");
		/* clone3's flags sit behind a pointer: say ENOSYS so libc falls back to clone */
		r = ctr_seccomp_add_rule(s, "SCMP_ACT_ERRNO");
		set_names(r, "clone3");
		r->has_errno_ret = true;
		r->errno_ret = ENOSYS_NUM;
	}
	return s;
}

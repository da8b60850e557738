/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The features document. The lists are what the runtime implements, kept
 * here as data so that `features` needs no host probing and stays fast.
 */
#include <string.h>

#include "spec/features.h"

#include "shared/json.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const hooks[] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* runtime-spec config.md mount options, plus idmap/ridmap for idmapped binds. */
static const char *const mount_options[] = {
	"async",
	"atime",
	"bind",
	"defaults",
	"dev",
	"diratime",
	"dirsync",
	"exec",
	"iversion",
	"lazytime",
	"loud",
	"mand",
	"noatime",
	"nodev",
	"nodiratime",
	"noexec",
	"noiversion",
	"nolazytime",
	"nomand",
	"norelatime",
	"nostrictatime",
	"nosuid",
	"nosymfollow",
	"private",
	"ratime",
	"rbind",
	"rdev",
	"rdiratime",
	"relatime",
	"remount",
	"rexec",
	"rnoatime",
	"rnodev",
	"rnodiratime",
	"rnoexec",
	"rnorelatime",
	"rnostrictatime",
	"rnosuid",
	"rnosymfollow",
	"ro",
	"rprivate",
	"rrelatime",
	"rro",
	"rrw",
	"rshared",
	"rslave",
	"rstrictatime",
	"rsuid",
	"rsymfollow",
	"runbindable",
	"rw",
	"shared",
	"silent",
	"slave",
	"strictatime",
	"suid",
	"symfollow",
	"sync",
	"unbindable",
	"idmap",
	"ridmap",
};

static const char *const namespaces[] = {
	"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts",
};

/* Capability numbers 0 .. CAP_CHECKPOINT_RESTORE (40), in kernel order. */
const char *const oci_capability_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
	NULL,
};

static const char *const seccomp_actions[] = {
	"SCMP_ACT_ALLOW",	 "SCMP_ACT_ERRNO",	 "SCMP_ACT_KILL",
	"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
	"SCMP_ACT_NOTIFY",	 "SCMP_ACT_TRACE",	 "SCMP_ACT_TRAP",
};

static const char *const seccomp_operators[] = {
	"SCMP_CMP_EQ", "SCMP_CMP_GE",	     "SCMP_CMP_GT", "SCMP_CMP_LE",
	"SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};

static const char *const seccomp_archs[] = {
	"SCMP_ARCH_AARCH64",   "SCMP_ARCH_ARM",	   "SCMP_ARCH_MIPS",	 "SCMP_ARCH_MIPS64",
	"SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
	"SCMP_ARCH_PPC",       "SCMP_ARCH_PPC64",  "SCMP_ARCH_PPC64LE",	 "SCMP_ARCH_RISCV64",
	"SCMP_ARCH_S390",      "SCMP_ARCH_S390X",  "SCMP_ARCH_X32",	 "SCMP_ARCH_X86",
	"SCMP_ARCH_X86_64",
};

static const char *const seccomp_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
};

bool oci_seccomp_name_known(const char *kind, const char *name)
{
	static const struct {
		const char *kind;
		const char *const *v;
		size_t n;
	} lists[] = {
		{"action", seccomp_actions, N(seccomp_actions)},
		{"operator", seccomp_operators, N(seccomp_operators)},
		{"arch", seccomp_archs, N(seccomp_archs)},
		{"flag", seccomp_flags, N(seccomp_flags)},
	};
	for (size_t l = 0; l < N(lists); l++)
		for (size_t i = 0; !strcmp(lists[l].kind, kind) && i < lists[l].n; i++)
			if (!strcmp(lists[l].v[i], name))
				return true;
	return false;
}

static void klist(struct cubo_json_gen *g, const char *key, const char *const *v, size_t n)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_strv(g, (char *const *)v, n);
}

static void kbool(struct cubo_json_gen *g, const char *key, bool v)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_bool(g, v);
}

/* {"enabled": v} under key */
static void enabled(struct cubo_json_gen *g, const char *key, bool v)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_map_open(g);
	kbool(g, "enabled", v);
	cubo_json_gen_map_close(g);
}

static void linux_features(struct cubo_json_gen *g)
{
	cubo_json_gen_key(g, "linux");
	cubo_json_gen_map_open(g);
	klist(g, "namespaces", namespaces, N(namespaces));
	klist(g, "capabilities", oci_capability_names, N(oci_capability_names) - 1);

	/* only what the runtime really applies: cgroupfs v1/v2, systemd (as root, pure v2) */
	cubo_json_gen_key(g, "cgroup");
	cubo_json_gen_map_open(g);
	kbool(g, "v1", true);
	kbool(g, "v2", true);
	kbool(g, "systemd", true);
	kbool(g, "systemdUser", false);
	cubo_json_gen_map_close(g);

	cubo_json_gen_key(g, "seccomp");
	cubo_json_gen_map_open(g);
	kbool(g, "enabled", true);
	klist(g, "actions", seccomp_actions, N(seccomp_actions));
	klist(g, "operators", seccomp_operators, N(seccomp_operators));
	klist(g, "archs", seccomp_archs, N(seccomp_archs));
	/* the flags runc reports */
	klist(g, "supportedFlags", seccomp_flags, N(seccomp_flags));
	cubo_json_gen_map_close(g);

	enabled(g, "apparmor", false);
	enabled(g, "selinux", false);
	enabled(g, "intelRdt", false);

	cubo_json_gen_key(g, "mountExtensions");
	cubo_json_gen_map_open(g);
	enabled(g, "idmap", true);
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);
}

struct cubo_error *oci_features_to_json(char **out, size_t *len)
{
	struct cubo_json_gen *g;

	CUBO_TRY(cubo_json_gen_new(true, &g));
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "ociVersionMin");
	cubo_json_gen_string(g, "1.0.0");
	cubo_json_gen_key(g, "ociVersionMax");
	cubo_json_gen_string(g, "1.2.0");
	klist(g, "hooks", hooks, N(hooks));
	klist(g, "mountOptions", mount_options, N(mount_options));
	linux_features(g);
	cubo_json_gen_key(g, "annotations");
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "io.github.cubo.version");
	cubo_json_gen_string(g, PACKAGE_VERSION);
	cubo_json_gen_key(g, "org.opencontainers.runc.checkpoint.enabled");
	cubo_json_gen_string(g, "true");
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);
	return cubo_json_gen_finish(g, out, len);
}

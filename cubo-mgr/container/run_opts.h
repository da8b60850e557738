/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The values of `run`/`create` flags, parsed and checked the way docker
 * checks them: sizes ("512m"), CPU counts ("1.5"), volumes
 * ("/host:/ctr:ro", "name:/ctr"), published ports ("127.0.0.1:8080:80/udp"),
 * env files, capability names. Pure functions: no container is touched.
 */
#ifndef CUBO_MGR_CONTAINER_RUN_OPTS_H
#define CUBO_MGR_CONTAINER_RUN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cubo-mgr/container/cgroup_opt.h"
#include "cubo-mgr/container/device_opt.h"
#include "cubo-mgr/container/restart.h"
#include "shared/error.h"
#include "spec/image.h"

struct ctr_volume_spec {
	char *source; /* absolute host path (bind), a volume name, or NULL (anonymous volume) */
	char *dest;   /* absolute path in the container */
	bool named;   /* source is a volume name (or anonymous) */
	bool readonly;
	bool must_exist;     /* --mount bind: a missing source is refused, not made */
	bool nonrecursive;   /* a bind without the mounts below its source */
	bool ro_top_only;    /* bind-recursive=writable: the mounts below stay writable */
	bool ro_recursive;   /* bind-recursive=readonly: read-only below too, or an error */
	bool nocopy;	     /* a new volume is not filled from the image */
	char propagation[9]; /* "rprivate" (the default), "rshared", "slave", ... */
	char **labels;	     /* --mount volume-label "k=v": a new volume's labels */
	bool borrowed;	     /* --volumes-from's: never removed with this container */
};

struct ctr_port_spec {
	char host_ip[48];   /* "" = every address */
	uint16_t host_port; /* 0 = pick one */
	uint16_t ctr_port;
	char proto[5]; /* tcp, udp, sctp */
};

struct ctr_ulimit {
	char type[24]; /* "RLIMIT_NOFILE" */
	uint64_t soft, hard;
};

/* --tmpfs DEST[:OPTS]: the mount options, docker's defaults merged with OPTS. */
struct ctr_tmpfs {
	char *dest;
	char **options; /* "rw", "noexec", "nosuid", "nodev", then OPTS' others */
	char *given;	/* OPTS as given ("" without), for inspect */
};

struct ctr_opts {
	char *name;
	char *workdir;
	char **env; /* -e and --env-file, in order; "KEY=VAL" */
	struct ctr_volume_spec *volumes;
	size_t n_volumes;
	struct ctr_port_spec *ports;
	size_t n_ports;
	bool auto_remove, interactive, tty, read_only, no_new_privileges, seccomp_unconfined;
	char *seccomp_file;    /* --security-opt seccomp=FILE: the path, for errors */
	char *seccomp_profile; /* and its text (docker's format: seccomp_profile.h) */
	size_t seccomp_profile_len;
	char *user;
	char *hostname;
	bool has_entrypoint; /* --entrypoint given ("" clears the image's) */
	char **entrypoint;
	char **cmd;	   /* the command after IMAGE; NULL: the image's */
	int64_t memory;	   /* bytes; 0: no limit */
	int64_t cpu_quota; /* µs per period; 0: no limit */
	uint64_t cpu_period;
	int64_t pids_limit;	    /* 0: no limit; -1: unlimited */
	char **cap_add, **cap_drop; /* "CAP_X" or "ALL" */
	char *network;		    /* the first of networks: "none", "host", a network name */
	char **networks;	    /* --network, in order; default: the "cubo" network */
	char **net_aliases;	    /* --network-alias */
	char **net_endpoints;	    /* --ip, --mac-address, --link-local-ip (net/endpoint.h) */
	char **dns, **dns_search, **add_hosts; /* --dns, --dns-search, --add-host */
	bool publish_all;		       /* -P */
	struct ctr_ulimit *ulimits;
	size_t n_ulimits;
	char **labels;	   /* --label "key=value" */
	char *stop_signal; /* --stop-signal; NULL: the image's */
	int stop_timeout;  /* --stop-timeout; -1: not given */
	char *log_driver;  /* --log-driver, checked (logconf.h); NULL: the default */
	char **log_opts;   /* --log-opt "key=value", checked */
	char *init_path;   /* --init: the init binary bound into the container; NULL: none */
	struct restart_policy restart; /* --restart; zeroed: "no" */
	struct ctr_tmpfs *tmpfs;       /* --tmpfs */
	size_t n_tmpfs;
	int64_t shm_size;		 /* --shm-size in bytes; 0: the default (64m) */
	char **sysctls;			 /* --sysctl "key=value" */
	char *cpuset_cpus, *cpuset_mems; /* --cpuset-cpus, --cpuset-mems; NULL: all */
	uint64_t cpu_shares;		 /* -c; 0: not given */
	int64_t memory_swap;		 /* memory+swap bytes; 0: not given; -1: unlimited */
	int64_t memory_reservation;	 /* bytes; 0: none */
	bool has_oom_score_adj;
	int oom_score_adj;
	char **group_add;	    /* --group-add: group names or gids, checked */
	bool privileged;	    /* every capability and host device, no seccomp, rw /sys */
	char **privileged_caps;	    /* --privileged: the caps of the manager's bounding set */
	struct ctr_devices devices; /* --privileged's, then --device's, read on the host */
	struct oci_device_cgroup *cgroup_rules; /* --device-cgroup-rule */
	size_t n_cgroup_rules;
	char **cdi_devices;   /* --device vendor.com/class=name (cdi.h) */
	char **cdi_spec_dirs; /* --cdi-spec-dir; NULL: /etc/cdi, /var/run/cdi */
	/* --device, --device-cgroup-rule as given (for inspect) */
	char **device_args, **cgroup_rule_args;
	/* --annotation, --label-file (into labels), --domainname, --expose */
	char **annotations; /* "key=value", for config.json's annotations */
	char *domainname;
	char **expose; /* "80/tcp", one a port (ranges expanded), no duplicates */
	/*
	 * --dns-option, and the namespace modes (NULL: docker's default, a
	 * private one): --pid host|container:ID, --ipc
	 * host|private|shareable|none|container:ID, --uts host, --cgroupns
	 * host|private; container:NAME is resolved to the ID at create.
	 */
	char **dns_options;
	char *pid_mode, *ipc_mode, *uts_mode, *cgroupns_mode;
	/*
	 * --cpu-period/--cpu-quota (into cpu_period/cpu_quota; a quota of
	 * -1: none), --cpu-rt-*, --blkio-weight, the per-device blkio flags
	 * (blkio_dev_kind's order), --memory-swappiness, --oom-kill-disable,
	 * --cgroup-parent.
	 */
	int64_t nano_cpus;	/* --cpus in billionths (docker's NanoCpus); 0: not given */
	uint64_t cpu_rt_period; /* µs; 0: not given */
	int64_t cpu_rt_runtime; /* µs; 0: not given */
	uint16_t blkio_weight;	/* 10 to 1000; 0: not given */
	struct blkio_dev *blkio_devs[N_BLKIO_DEV_KINDS];
	size_t n_blkio_devs[N_BLKIO_DEV_KINDS];
	bool has_memory_swappiness;
	int memory_swappiness; /* 0 to 100 */
	bool oom_kill_disable;
	char *cgroup_parent;
	char **volumes_from; /* --volumes-from CONTAINER[:ro|:rw], checked; added at create */
	/* --health-*, --no-healthcheck; NULL: the image's check (health.h) */
	struct oci_healthcheck *healthcheck;
};

void ctr_opts_free(struct ctr_opts *o);

/* Docker's size syntax: 1024, 512k, 512m, 1.5g (b/k/m/g/t, any case, optional "b"). */
struct cubo_error *run_opt_parse_size(const char *flag, const char *s, int64_t *bytes);
/* docker's smallest --memory and --memory-reservation */
#define RUN_OPT_MIN_MEMORY (6 * 1024 * 1024)
/* the kernel's largest cpu.shares */
#define RUN_OPT_MAX_CPU_SHARES 262144
/* --memory, --memory-reservation (flag names it): a size, 0 or at least 6MB. */
struct cubo_error *run_opt_parse_memory(const char *flag, const char *s, int64_t *bytes);
/* -c/--cpu-shares: 0 to 262144. */
struct cubo_error *run_opt_check_cpu_shares(long shares);
/* --cpus 1.5 -> quota 150000 per period 100000; 0.01 up to ncpus. */
struct cubo_error *run_opt_parse_cpus(const char *s, long ncpus, int64_t *quota, uint64_t *period);
/* docker's NanoCpus (billionths of a CPU) of a quota per period, as --cpus gives them. */
int64_t run_opt_nano_cpus(int64_t quota, uint64_t period);
/* -v and --mount are parsed in mount_opt.h. */
void ctr_volume_spec_free(struct ctr_volume_spec *v);
/* -p [IP:][HOSTPORT:]CTRPORT[/PROTO]. */
struct cubo_error *run_opt_parse_publish(const char *s, struct ctr_port_spec *out);
/* "127.0.0.1:8080:80/tcp" (what `port` and `ps` print). */
void run_opt_format_port(const struct ctr_port_spec *p, char *buf, size_t size);
/*
 * --env-file: KEY=VALUE lines; "#" comments and blank lines skipped; a
 * lone KEY takes the value from host_env (left out when unset there).
 * Appends to *env. Errors name FILE:LINE.
 */
struct cubo_error *run_opt_read_env_file(const char *path, char *const *host_env, char ***env,
					 size_t *n);
/* -e KEY=VAL, or -e KEY taken from host_env (left out when unset). */
struct cubo_error *run_opt_env_arg(const char *arg, char *const *host_env, char ***env, size_t *n);
/*
 * Start from base (the image's env), then apply overrides in order; a key
 * given twice keeps its last value at its first place. New vector.
 */
char **run_opt_env_merge(char *const *base, char *const *overrides);
/*
 * --ulimit NAME=SOFT[:HARD] (docker's names: nofile, nproc, core, ...; -1 is
 * unlimited; HARD defaults to SOFT, and must not be below it).
 */
struct cubo_error *run_opt_parse_ulimit(const char *s, struct ctr_ulimit *out);
/* --stop-signal, -s (flag names it): "TERM", "SIGTERM" or a number -> "SIGTERM" / "15". */
struct cubo_error *run_opt_parse_signal(const char *flag, const char *s, char **out);
/* A signal's number from "TERM", "SIGTERM" or "15" (what events show); 0 when unknown. */
int run_opt_signal_number(const char *s);

/*
 * Values that become lines of files (/etc/hostname, /etc/hosts,
 * resolv.conf) or entries of records: a newline there would let one flag
 * write lines of its own (another nameserver, another host), so a control
 * character (newline, CR, ESC, DEL...) is refused with the flag named. NUL
 * cannot reach a C string; files that could carry one (--env-file) check it
 * when they are read.
 */
struct cubo_error *run_opt_check_line(const char *flag, const char *value);
/* --hostname: one line, 1 to 64 bytes, no '/', no blanks. */
struct cubo_error *run_opt_check_hostname(const char *s);
/* --domainname: as --hostname (the kernel's limit is the same 64 bytes). */
struct cubo_error *run_opt_check_domainname(const char *s);
/* --dns-search: a domain name ([A-Za-z0-9._-], at most 253 bytes), or ".". */
struct cubo_error *run_opt_check_dns_search(const char *s);
/* --dns-option: one resolv.conf option ("ndots:2", "edns0"), no blanks. */
struct cubo_error *run_opt_check_dns_option(const char *s);
/*
 * --pid, --ipc, --uts, --cgroupns (flag names it): s must be one of the
 * NULL-terminated modes; "container:NAME" too when the list has
 * "container:". *join: the NAME, or NULL.
 */
struct cubo_error *run_opt_parse_ns_mode(const char *flag, const char *s, const char *const *modes,
					 const char **join);
/* --label KEY[=VALUE] (flag names it in errors) -> "KEY=VALUE", one line. */
struct cubo_error *run_opt_parse_label(const char *flag, const char *s, char **out);
/*
 * --label-file: docker's format, one KEY[=VALUE] a line, "#" comments and
 * blank lines skipped; each becomes "KEY=VALUE" appended to *labels.
 * Errors name FILE:LINE.
 */
struct cubo_error *run_opt_read_label_file(const char *path, char ***labels, size_t *n);
/*
 * --expose PORT[/PROTO] or FIRST-LAST[/PROTO] (tcp, udp, sctp; default
 * tcp): each port's "80/tcp" appended to *out unless there already.
 */
struct cubo_error *run_opt_parse_expose(const char *s, char ***out, size_t *n);
/*
 * Config.ExposedPorts: the image's keys, then --expose's, each once, in
 * linear time however many. New vector, or NULL when both are empty.
 */
char **run_opt_expose_merge(char *const *image, size_t n_image, char *const *flags);

/*
 * --tmpfs DEST[:OPTS]: DEST absolute (not "/"); OPTS comma-separated tmpfs
 * and mount flags (size=64m, mode=1777, uid=, gid=, nr_inodes=, ro/rw,
 * exec/noexec, suid/nosuid, dev/nodev, atime flags). Docker's defaults
 * rw,noexec,nosuid,nodev apply unless OPTS says otherwise.
 */
struct cubo_error *run_opt_parse_tmpfs(const char *s, struct ctr_tmpfs *out);
void ctr_tmpfs_free(struct ctr_tmpfs *t);
/*
 * --sysctl KEY=VALUE -> "key=value": the namespaced sysctls docker allows
 * (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.*).
 */
struct cubo_error *run_opt_parse_sysctl(const char *s, char **out);
/* --cpuset-cpus / --cpuset-mems (flag names it): "0-3,5", ascending ranges. */
struct cubo_error *run_opt_check_cpuset(const char *flag, const char *s);
/* --memory-swap: a size or -1 (unlimited); with memory (0: none) as docker checks it. */
struct cubo_error *run_opt_parse_memory_swap(const char *s, int64_t memory, int64_t *out);

/* --group-add: a GID (0 to 4294967294) or a group name (looked up at start). */
struct cubo_error *run_opt_check_group(const char *s);

/*
 * --privileged (run, exec): every capability the runtime can grant, the
 * ones this process may still hold ("CAP_CHOWN", ...; NULL when none).
 */
char **run_opt_privileged_caps(void);

/* "net_admin", "CAP_NET_ADMIN", "all" -> "CAP_NET_ADMIN", "ALL"; unknown names are errors. */
struct cubo_error *run_opt_cap_name(const char *s, char **out);

/* ---- health checks ---- */
/* The --health-* flags as given (NULL: not given) and --no-healthcheck. */
struct run_health_flags {
	const char *cmd, *interval, *timeout, *start_period, *start_interval, *retries;
	bool none;
};
/*
 * Checked as docker checks them: --health-cmd is a CMD-SHELL check, the
 * durations Go's ("30s", 0 or at least 1ms), retries not negative, and
 * --no-healthcheck alone (its Test ["NONE"]). *out NULL when none was given.
 */
struct cubo_error *run_opt_health(const struct run_health_flags *f, struct oci_healthcheck **out);

/* Shell-style quoting of a command for `ps` ("sh -c 'echo hi'"). */
char *run_opt_command_line(char *const *argv, size_t max);

#endif

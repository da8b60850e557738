/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI runtime configuration (runtime-spec v1.2, config.json) as C data.
 *
 * Conventions:
 *  - strings are malloc'd, NULL when absent;
 *  - string lists are NULL-terminated char ** (NULL when absent) with a count;
 *  - optional objects are pointers, NULL when absent;
 *  - optional scalars carry a `has_<name>` flag;
 *  - maps (annotations, sysctl, unified, rdma) are ordered key/value arrays.
 *
 * oci_config_parse() is the only code that knows the JSON field names; a bad
 * value gives an error naming its JSON path ("process.rlimits[2].hard:
 * expected integer"). Unknown fields are ignored.
 */
#ifndef CUBO_SPEC_CONFIG_H
#define CUBO_SPEC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"

struct oci_strlist {
	char **v; /* NULL-terminated; NULL when absent */
	size_t n;
};

struct oci_kv {
	char *key;
	char *value;
};

struct oci_map {
	struct oci_kv *v;
	size_t n;
};

struct oci_root {
	char *path; /* required */
	bool readonly;
};

struct oci_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct oci_mount {
	char *destination; /* required */
	char *source;
	char *type;
	struct oci_strlist options;
	struct oci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct oci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
};

struct oci_console_size {
	uint32_t height;
	uint32_t width;
};

struct oci_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username;
};

struct oci_capabilities {
	struct oci_strlist bounding;
	struct oci_strlist effective;
	struct oci_strlist inheritable;
	struct oci_strlist permitted;
	struct oci_strlist ambient;
};

struct oci_rlimit {
	char *type; /* "RLIMIT_NOFILE" */
	uint64_t soft;
	uint64_t hard;
};

struct oci_scheduler {
	char *policy; /* required: SCHED_OTHER, ... */
	bool has_nice;
	int32_t nice;
	bool has_priority;
	int32_t priority;
	struct oci_strlist flags;
	bool has_runtime;
	uint64_t runtime;
	bool has_deadline;
	uint64_t deadline;
	bool has_period;
	uint64_t period;
};

struct oci_io_priority {
	char *klass; /* "class": IOPRIO_CLASS_RT|BE|IDLE */
	int32_t priority;
};

struct oci_cpu_affinity {
	char *initial;
	char *final;
};

struct oci_process {
	bool terminal;
	struct oci_console_size *console_size;
	struct oci_user user;
	struct oci_strlist args;
	char *command_line;
	struct oci_strlist env;
	char *cwd; /* required */
	struct oci_capabilities *capabilities;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	bool has_oom_score_adj;
	int32_t oom_score_adj;
	struct oci_scheduler *scheduler;
	char *selinux_label;
	struct oci_io_priority *io_priority;
	struct oci_cpu_affinity *exec_cpu_affinity;
};

struct oci_hook {
	char *path; /* required */
	struct oci_strlist args;
	struct oci_strlist env;
	bool has_timeout;
	int32_t timeout; /* seconds, > 0 */
};

struct oci_hook_list {
	struct oci_hook *v;
	size_t n;
};

struct oci_hooks {
	struct oci_hook_list prestart;
	struct oci_hook_list create_runtime;
	struct oci_hook_list create_container;
	struct oci_hook_list start_container;
	struct oci_hook_list poststart;
	struct oci_hook_list poststop;
};

struct oci_namespace {
	char *type; /* pid network mount ipc uts user cgroup time */
	char *path;
};

struct oci_time_offset {
	int64_t secs;
	uint32_t nanosecs;
};

struct oci_time_offsets {
	bool has_monotonic;
	struct oci_time_offset monotonic;
	bool has_boottime;
	struct oci_time_offset boottime;
};

struct oci_device {
	char *type; /* c, b, u, p */
	char *path;
	bool has_major;
	int64_t major;
	bool has_minor;
	int64_t minor;
	bool has_file_mode;
	uint32_t file_mode;
	bool has_uid;
	uint32_t uid;
	bool has_gid;
	uint32_t gid;
};

struct oci_device_cgroup {
	bool allow;
	char *type; /* a, c, b; NULL = all */
	bool has_major;
	int64_t major;
	bool has_minor;
	int64_t minor;
	char *access; /* rwm */
};

struct oci_memory {
	bool has_limit;
	int64_t limit;
	bool has_reservation;
	int64_t reservation;
	bool has_swap;
	int64_t swap;
	bool has_kernel;
	int64_t kernel;
	bool has_kernel_tcp;
	int64_t kernel_tcp;
	bool has_swappiness;
	uint64_t swappiness;
	bool has_disable_oom_killer;
	bool disable_oom_killer;
	bool has_use_hierarchy;
	bool use_hierarchy;
	bool has_check_before_update;
	bool check_before_update;
};

struct oci_cpu {
	bool has_shares;
	uint64_t shares;
	bool has_quota;
	int64_t quota;
	bool has_burst;
	uint64_t burst;
	bool has_period;
	uint64_t period;
	bool has_realtime_runtime;
	int64_t realtime_runtime;
	bool has_realtime_period;
	uint64_t realtime_period;
	char *cpus;
	char *mems;
	bool has_idle;
	int64_t idle;
};

struct oci_weight_device {
	int64_t major;
	int64_t minor;
	bool has_weight;
	uint16_t weight;
	bool has_leaf_weight;
	uint16_t leaf_weight;
};

struct oci_throttle_device {
	int64_t major;
	int64_t minor;
	uint64_t rate;
};

struct oci_throttle_list {
	struct oci_throttle_device *v;
	size_t n;
};

struct oci_block_io {
	bool has_weight;
	uint16_t weight;
	bool has_leaf_weight;
	uint16_t leaf_weight;
	struct oci_weight_device *weight_device;
	size_t n_weight_device;
	struct oci_throttle_list throttle_read_bps;
	struct oci_throttle_list throttle_write_bps;
	struct oci_throttle_list throttle_read_iops;
	struct oci_throttle_list throttle_write_iops;
};

struct oci_hugepage_limit {
	char *page_size; /* "2MB" */
	uint64_t limit;
};

struct oci_net_priority {
	char *name;
	uint32_t priority;
};

struct oci_network {
	bool has_class_id;
	uint32_t class_id;
	struct oci_net_priority *priorities;
	size_t n_priorities;
};

struct oci_pids {
	int64_t limit;
};

struct oci_rdma {
	char *device; /* map key */
	bool has_hca_handles;
	uint32_t hca_handles;
	bool has_hca_objects;
	uint32_t hca_objects;
};

struct oci_resources {
	struct oci_device_cgroup *devices;
	size_t n_devices;
	struct oci_memory *memory;
	struct oci_cpu *cpu;
	struct oci_block_io *block_io;
	struct oci_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	struct oci_network *network;
	struct oci_pids *pids;
	struct oci_rdma *rdma;
	size_t n_rdma;
	struct oci_map unified;
};

struct oci_intel_rdt {
	char *clos_id;
	char *l3_cache_schema;
	char *mem_bw_schema;
	bool enable_cmt;
	bool enable_mbm;
};

struct oci_seccomp_arg {
	uint32_t index;
	uint64_t value;
	bool has_value_two;
	uint64_t value_two;
	char *op; /* SCMP_CMP_EQ, ... */
};

struct oci_seccomp_syscall {
	struct oci_strlist names;
	char *action;
	bool has_errno_ret;
	uint32_t errno_ret;
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	struct oci_strlist architectures;
	struct oci_strlist flags;
	char *listener_path;
	char *listener_metadata;
	struct oci_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct oci_personality {
	char *domain; /* LINUX, LINUX32 */
	struct oci_strlist flags;
};

struct oci_memory_policy {
	char *mode; /* MPOL_DEFAULT, ... */
	char *nodes;
	struct oci_strlist flags;
};

/* linux.netDevices: a host interface moved into the container (runtime-spec 1.2). */
struct oci_net_device {
	char *host_name; /* map key: the name on the host */
	char *name;	 /* name in the container; NULL = keep host_name */
};

struct oci_linux {
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct oci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
	struct oci_time_offsets *time_offsets;
	struct oci_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct oci_resources *resources;
	struct oci_intel_rdt *intel_rdt;
	struct oci_map sysctl;
	struct oci_seccomp *seccomp;
	char *rootfs_propagation;
	struct oci_strlist masked_paths;
	struct oci_strlist readonly_paths;
	char *mount_label;
	struct oci_personality *personality;
	struct oci_memory_policy *memory_policy;
	struct oci_net_device *net_devices; /* NULL when absent */
	size_t n_net_devices;
};

struct oci_config {
	char *oci_version; /* required */
	struct oci_root *root;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_process *process;
	char *hostname;
	char *domainname;
	struct oci_hooks *hooks;
	struct oci_map annotations;
	struct oci_linux *linux_; /* "linux" is a predefined macro in GNU C */
};

/*
 * Parse config.json text. `source` names the input in errors (a file path).
 * On success *out is a new config to free with oci_config_free().
 */
struct cubo_error *oci_config_parse(const char *json, size_t len, const char *source,
				    struct oci_config **out);
/* Read and parse a file. */
struct cubo_error *oci_config_load(const char *path, struct oci_config **out);
/* Generate JSON (pretty when `pretty`); *out is malloc'd and NUL-terminated. */
struct cubo_error *oci_config_to_json(const struct oci_config *cfg, bool pretty, char **out,
				      size_t *out_len);
/*
 * The default config `cubo-runc spec` writes (like `runc spec`): sh in a
 * busybox-style rootfs, the default mounts, masked/readonly paths and caps.
 * `rootless` adds a user namespace mapping the caller's uid/gid.
 */
struct cubo_error *oci_config_default(bool rootless, uint32_t uid, uint32_t gid,
				      struct oci_config **out);
void oci_config_free(struct oci_config *cfg);
/* A linux.seccomp object alone (NULL is fine). */
void oci_seccomp_free(struct oci_seccomp *s);

/* A lone process object (`exec --process FILE`) and its free. */
struct cubo_error *oci_process_parse(const char *json, size_t len, const char *source,
				     struct oci_process **out);
void oci_process_free(struct oci_process *p);
/* A lone linux.resources object (`update -r FILE`) and its free. */
struct cubo_error *oci_resources_parse(const char *json, size_t len, const char *source,
				       struct oci_resources **out);
void oci_resources_free(struct oci_resources *r);

/* Namespace type string -> CLONE_NEW* flag; 0 for unknown. */
int oci_namespace_flag(const char *type);

#endif

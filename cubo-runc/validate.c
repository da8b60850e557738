/* SPDX-License-Identifier: Apache-2.0 */
#include "cubo-runc/validate.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>

struct cubo_error *validate_container_id(const char *id)
{
	size_t len;

	if (!id || !*id)
		return cubo_error_new("container id cannot be empty");
	len = strlen(id);
	if (len > CONTAINER_ID_MAX)
		return cubo_error_new("invalid container id: longer than %d bytes",
				      CONTAINER_ID_MAX);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return cubo_error_new("invalid container id \"%s\"", id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '+' || c == '-' || c == '.')
			continue;
		/* the id itself may not be printable: name the byte, not the id */
		if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
			return cubo_error_new("invalid container id: byte 0x%02x is not allowed "
					      "(use letters, digits, '_', '+', '-' and '.')",
					      (unsigned char)c);
		return cubo_error_new("invalid container id \"%s\": character '%c' is not allowed "
				      "(use letters, digits, '_', '+', '-' and '.')",
				      id, c);
	}
	return NULL;
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},
};

int rlimit_resource(const char *name)
{
	for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (strcmp(name, rlimit_names[i].name) == 0)
			return rlimit_names[i].resource;
	return -1;
}

static bool has_namespace(const struct oci_config *cfg, const char *type, bool *with_path)
{
	if (!cfg->linux_)
		return false;
	for (size_t i = 0; i < cfg->linux_->n_namespaces; i++) {
		const struct oci_namespace *ns = &cfg->linux_->namespaces[i];
		if (strcmp(ns->type, type) == 0) {
			if (with_path)
				*with_path = ns->path && *ns->path;
			return true;
		}
	}
	return false;
}

/*
 * A sysctl may only be set inside a namespace the container has to itself,
 * or it would change the host (runc's rule).
 */
static struct cubo_error *validate_sysctl(const struct oci_config *cfg, const char *key)
{
	static const char *const ipc_keys[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};
	const char *ns = NULL;

	if (strstr(key, "..") || key[0] == '/' || key[0] == '.' || strchr(key, '/'))
		return cubo_error_new("linux.sysctl: invalid key \"%s\"", key);
	for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(ipc_keys[0]); i++)
		if (strcmp(key, ipc_keys[i]) == 0)
			ns = "ipc";
	if (strncmp(key, "fs.mqueue.", 10) == 0)
		ns = "ipc";
	else if (strncmp(key, "net.", 4) == 0)
		ns = "network";
	else if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		ns = "uts";
	if (!ns)
		return cubo_error_new("linux.sysctl: \"%s\" is not namespaced: setting it would "
				      "change the host",
				      key);
	if (!has_namespace(cfg, ns, NULL))
		return cubo_error_new("linux.sysctl: \"%s\" needs the container's own %s "
				      "namespace",
				      key, ns);
	return NULL;
}

static struct cubo_error *validate_rlimits(const struct oci_process *proc,
					   const struct rlimit current[RLIM_NLIMITS],
					   bool can_raise_hard)
{
	for (size_t i = 0; i < proc->n_rlimits; i++) {
		const struct oci_rlimit *rl = &proc->rlimits[i];
		int res = rlimit_resource(rl->type);
		rlim_t cur_hard;

		if (res < 0)
			return cubo_error_new("process.rlimits[%zu].type: unknown rlimit \"%s\"", i,
					      rl->type);
		if (rl->soft > rl->hard)
			return cubo_error_new(
				"process.rlimits[%zu]: %s soft limit %llu exceeds its "
				"hard limit %llu",
				i, rl->type, (unsigned long long)rl->soft,
				(unsigned long long)rl->hard);
		cur_hard = current[res].rlim_max;
		if (!can_raise_hard && cur_hard != RLIM_INFINITY && rl->hard > cur_hard)
			return cubo_error_new(
				"process.rlimits[%zu]: %s hard limit %llu exceeds the current hard "
				"limit %llu, and raising it needs CAP_SYS_RESOURCE",
				i, rl->type, (unsigned long long)rl->hard,
				(unsigned long long)cur_hard);
	}
	return NULL;
}

/* Settings that need the container's own namespaces. */
static struct cubo_error *validate_namespaced_settings(const struct oci_config *cfg)
{
	bool userns_path = false;

	if (has_namespace(cfg, "user", &userns_path) && !userns_path) {
		if (!cfg->linux_->n_uid_mappings || !cfg->linux_->n_gid_mappings)
			return cubo_error_new("linux.uidMappings/gidMappings: required when a user "
					      "namespace is created");
	} else if (cfg->linux_ && (cfg->linux_->n_uid_mappings || cfg->linux_->n_gid_mappings) &&
		   !userns_path) {
		return cubo_error_new("linux.uidMappings: given without a user namespace");
	}
	if (cfg->linux_ && cfg->linux_->time_offsets) {
		bool time_path = false;
		if (!has_namespace(cfg, "time", &time_path))
			return cubo_error_new("linux.timeOffsets: given without a time namespace");
		if (time_path)
			return cubo_error_new("linux.timeOffsets: cannot be set when joining an "
					      "existing time namespace");
	}
	if (cfg->hostname && *cfg->hostname && !has_namespace(cfg, "uts", NULL))
		return cubo_error_new("hostname: setting it needs a new uts namespace");
	if (cfg->linux_)
		for (size_t i = 0; i < cfg->linux_->sysctl.n; i++)
			CUBO_TRY(validate_sysctl(cfg, cfg->linux_->sysctl.v[i].key));
	return NULL;
}

struct cubo_error *validate_config(const struct oci_config *cfg, const char *rootfs,
				   const struct rlimit current[RLIM_NLIMITS], bool can_raise_hard)
{
	struct stat st;

	if (!cfg->root || !cfg->root->path)
		return cubo_error_new("root.path: required");
	if (stat(rootfs, &st) < 0)
		return cubo_error_errno("root.path: rootfs %s", rootfs);
	if (!S_ISDIR(st.st_mode))
		return cubo_error_new("root.path: rootfs %s is not a directory", rootfs);
	/*
	 * process is optional in the spec: such a container is set up, and its
	 * init exits when started (what the runtime-tools suite expects).
	 */
	if (!cfg->process)
		return validate_namespaced_settings(cfg);
	if (cfg->process->args.n == 0)
		return cubo_error_new("process.args: at least one argument is required");
	if (!cfg->process->cwd || cfg->process->cwd[0] != '/')
		return cubo_error_new("process.cwd: must be an absolute path");
	CUBO_TRY(validate_rlimits(cfg->process, current, can_raise_hard));

	CUBO_TRY(validate_namespaced_settings(cfg));
	if (cfg->process->has_oom_score_adj &&
	    (cfg->process->oom_score_adj < -1000 || cfg->process->oom_score_adj > 1000))
		return cubo_error_new("process.oomScoreAdj: %d is outside -1000..1000",
				      cfg->process->oom_score_adj);
	return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr run / create: an image and flags become a container directory
 * (an OCI bundle with its record), named atomically; run then starts its
 * monitor and, with -i, attaches to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/attach.h"
#include "cubo-mgr/container/cdi.h"
#include "cubo-mgr/container/create.h"
#include "cubo-mgr/container/logconf.h"
#include "cubo-mgr/container/monitor.h"
#include "cubo-mgr/container/rootfs.h"
#include "cubo-mgr/container/seccomp_profile.h"
#include "cubo-mgr/container/mount_opt.h"
#include "cubo-mgr/container/volume.h"
#include "cubo-mgr/container/volumes_from.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/image_fetch.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/net/endpoint.h"
#include "cubo-mgr/net/hosts.h"
#include "cubo-mgr/net/netns.h"
#include "cubo-mgr/net/ports.h"
#include "cubo-mgr/net/store.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/strv.h"
#include "shared/testpoint.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

extern char **environ;

/* the longest --stop-timeout, in seconds: a day */
#define MAX_STOP_TIMEOUT 86400

/* The flags as the parser leaves them, before they are checked. */
struct run_flags {
	const char *name, *workdir, *user, *hostname, *entrypoint, *memory, *cpus, *runtime,
		*stop_signal, *log_driver, *init_path, *restart, *shm_size, *cpuset_cpus,
		*cpuset_mems, *memory_swap, *memory_reservation, *cidfile, *pull, *detach_keys;
	char **env, **env_file, **attach, **volume, **publish, **cap_add, **cap_drop,
		**security_opt, **ulimit, **label, **network, **net_alias, **dns, **dns_search,
		**add_host, **log_opt, **tmpfs, **sysctl, **group_add, **mount, **device,
		**device_cgroup_rule, **cdi_spec_dir;
	long stop_timeout, cpu_shares, oom_score_adj;
	bool detach, interactive, tty, rm, read_only, quiet, publish_all, init, sig_proxy,
		privileged;
	long pids_limit;
	bool pids_set;
	/* --annotation, --label-file, --domainname, --expose */
	char **annotation, **label_file, **expose;
	const char *domainname;
	/* --dns-option and the namespace modes */
	char **dns_option;
	const char *pid_mode, *ipc_mode, *uts_mode, *cgroupns_mode;
	/* --ip, --ip6, --mac-address, --link-local-ip */
	const char *ip, *ip6, *mac_address;
	char **link_local_ip;
	/* the cgroup flags (the per-device ones in blkio_dev_kind's order) */
	long cpu_period, cpu_quota, cpu_rt_period, cpu_rt_runtime, blkio_weight, memory_swappiness;
	char **blkio_dev[N_BLKIO_DEV_KINDS];
	bool oom_kill_disable;
	const char *cgroup_parent;
	char **volumes_from;
	struct run_health_flags health;
	const char *platform; /* --platform: the image's, checked */
};

static void run_flags_free(struct run_flags *f)
{
	cubo_strv_free(f->env);
	cubo_strv_free(f->env_file);
	cubo_strv_free(f->attach);
	cubo_strv_free(f->volume);
	cubo_strv_free(f->publish);
	cubo_strv_free(f->cap_add);
	cubo_strv_free(f->cap_drop);
	cubo_strv_free(f->security_opt);
	cubo_strv_free(f->ulimit);
	cubo_strv_free(f->label);
	cubo_strv_free(f->network);
	cubo_strv_free(f->net_alias);
	cubo_strv_free(f->link_local_ip);
	cubo_strv_free(f->dns);
	cubo_strv_free(f->dns_search);
	cubo_strv_free(f->add_host);
	cubo_strv_free(f->log_opt);
	cubo_strv_free(f->tmpfs);
	cubo_strv_free(f->sysctl);
	cubo_strv_free(f->group_add);
	cubo_strv_free(f->mount);
	cubo_strv_free(f->device);
	cubo_strv_free(f->device_cgroup_rule);
	cubo_strv_free(f->cdi_spec_dir);
	cubo_strv_free(f->annotation);
	cubo_strv_free(f->label_file);
	cubo_strv_free(f->expose);
	cubo_strv_free(f->dns_option);
	for (size_t k = 0; k < N_BLKIO_DEV_KINDS; k++)
		cubo_strv_free(f->blkio_dev[k]);
	cubo_strv_free(f->volumes_from);
}

/* docker's rule: one mount a destination, whichever flag gives it. */
static struct cubo_error *check_dest(const struct ctr_opts *o, const char *flag, const char *arg,
				     const char *dest)
{
	bool dup = false;
	for (size_t i = 0; i < o->n_volumes && !dup; i++)
		dup = !strcmp(o->volumes[i].dest, dest);
	for (size_t i = 0; i < o->n_tmpfs && !dup; i++)
		dup = !strcmp(o->tmpfs[i].dest, dest);
	if (dup)
		return cubo_error_new("%s \"%s\": duplicate mount point: %s", flag, arg, dest);
	return NULL;
}

/* -v, --mount, --tmpfs, in that order; relative host paths are the caller's. */
static struct cubo_error *mount_opts(const struct run_flags *f, struct ctr_opts *o)
{
	char *cwd = getcwd(NULL, 0);
	size_t nv = cubo_strv_len(f->volume) + cubo_strv_len(f->mount);
	size_t nt = cubo_strv_len(f->tmpfs) + cubo_strv_len(f->mount);
	o->volumes = xcalloc(nv + 1, sizeof(*o->volumes));
	o->tmpfs = xcalloc(nt + 1, sizeof(*o->tmpfs));
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && f->volume && f->volume[i]; i++) {
		struct ctr_volume_spec v;
		err = run_opt_parse_volume(f->volume[i], cwd, &v);
		if (!err && (err = check_dest(o, "-v", f->volume[i], v.dest)))
			ctr_volume_spec_free(&v);
		if (!err)
			o->volumes[o->n_volumes++] = v;
	}
	for (size_t i = 0; !err && f->mount && f->mount[i]; i++) {
		struct ctr_mount_arg m;
		err = run_opt_parse_mount(f->mount[i], cwd, &m);
		if (!err)
			err = check_dest(o, "--mount", f->mount[i],
					 m.is_tmpfs ? m.tmpfs.dest : m.vol.dest);
		if (!err && m.is_tmpfs) {
			o->tmpfs[o->n_tmpfs++] = m.tmpfs;
			m.tmpfs = (struct ctr_tmpfs){0};
		} else if (!err) {
			o->volumes[o->n_volumes++] = m.vol;
			m.vol = (struct ctr_volume_spec){0};
		}
		ctr_mount_arg_free(&m);
	}
	for (size_t i = 0; !err && f->tmpfs && f->tmpfs[i]; i++) {
		struct ctr_tmpfs t;
		err = run_opt_parse_tmpfs(f->tmpfs[i], &t);
		if (!err && (err = check_dest(o, "--tmpfs", f->tmpfs[i], t.dest)))
			ctr_tmpfs_free(&t);
		if (!err)
			o->tmpfs[o->n_tmpfs++] = t;
	}
	free(cwd);
	/* --volumes-from: the other container's mounts are read at create */
	for (size_t i = 0; !err && f->volumes_from && f->volumes_from[i]; i++) {
		char *name;
		enum volumes_from_mode mode;
		err = volumes_from_parse(f->volumes_from[i], &name, &mode);
		free(name);
	}
	o->volumes_from = cubo_strv_dup(f->volumes_from);
	return err;
}

/* --privileged, --device, --device-cgroup-rule: the nodes are read on the host now. */
static struct cubo_error *device_opts(const struct run_flags *f, struct ctr_opts *o)
{
	o->privileged = f->privileged;
	if (f->privileged) {
		o->privileged_caps = run_opt_privileged_caps();
		CUBO_TRY(device_gather_host(&o->devices));
	}
	size_t ncdi = 0;
	for (size_t i = 0; f->device && f->device[i]; i++) {
		if (cdi_is_device(f->device[i])) { /* found in the spec files at create */
			cubo_strv_push(&o->cdi_devices, &ncdi, f->device[i]);
			continue;
		}
		char *host, *ctr, perms[4];
		CUBO_TRY(run_opt_parse_device(f->device[i], &host, &ctr, perms));
		struct cubo_error *err = device_gather("--device", host, ctr, perms, &o->devices);
		free(host);
		free(ctr);
		CUBO_TRY(err);
	}
	for (size_t i = 0; f->cdi_spec_dir && f->cdi_spec_dir[i]; i++)
		if (f->cdi_spec_dir[i][0] != '/')
			return cubo_error_new("--cdi-spec-dir \"%s\": expected an absolute path",
					      f->cdi_spec_dir[i]);
	o->cdi_spec_dirs = cubo_strv_dup(f->cdi_spec_dir);
	o->device_args = cubo_strv_dup(f->device);
	o->cgroup_rule_args = cubo_strv_dup(f->device_cgroup_rule);
	size_t n = cubo_strv_len(f->device_cgroup_rule);
	o->cgroup_rules = xcalloc(n + 1, sizeof(*o->cgroup_rules));
	for (; o->n_cgroup_rules < n; o->n_cgroup_rules++)
		CUBO_TRY(run_opt_parse_cgroup_rule(f->device_cgroup_rule[o->n_cgroup_rules],
						   &o->cgroup_rules[o->n_cgroup_rules]));
	return NULL;
}

/* --network, --network-alias, --dns, --add-host: checked here, networks found in ctr_create. */
static struct cubo_error *net_opts(const struct run_flags *f, struct ctr_opts *o)
{
	size_t n = 0;
	size_t given = cubo_strv_len(f->network);
	for (size_t i = 0; i < given; i++) {
		const char *net = f->network[i];
		bool special = !strcmp(net, "none") || !strcmp(net, "host");
		if (!strncmp(net, "container:", 10))
			return cubo_error_new("--network \"%s\": joining another container's "
					      "network is not supported",
					      net);
		if (special && given > 1)
			return cubo_error_new("--network \"%s\": cannot be combined with other "
					      "networks",
					      net);
		if (!special)
			CUBO_TRY_CTX(net_name_check(net), "--network \"%s\"", net);
		if (cubo_strv_contains(o->networks, net_canonical_name(net)))
			return cubo_error_new("--network \"%s\": given twice", net);
		cubo_strv_push(&o->networks, &n, net_canonical_name(net));
	}
	if (!o->networks)
		cubo_strv_push(&o->networks, &n, NET_DEFAULT_NAME);
	o->network = xstrdup(o->networks[0]);
	bool user_net = strcmp(o->network, "none") && strcmp(o->network, "host") &&
			!net_is_default(o->network);
	if (f->net_alias && !user_net)
		return cubo_error_new("--network-alias: network-scoped aliases are supported only "
				      "for containers on user-defined networks");
	for (size_t i = 0; f->net_alias && f->net_alias[i]; i++)
		CUBO_TRY_CTX(ctr_name_check(f->net_alias[i]), "--network-alias");
	/* as docker's legacy flags: for the first network */
	const struct net_endpoint_flags ef = {
		.ip = f->ip, .ip6 = f->ip6, .mac = f->mac_address, .link_local = f->link_local_ip};
	char *ep;
	CUBO_TRY(net_endpoint_from_flags(&ef, o->network, user_net, &ep));
	size_t n_ep = 0;
	if (ep)
		cubo_strv_push(&o->net_endpoints, &n_ep, ep);
	free(ep);
	for (size_t i = 0; f->dns && f->dns[i]; i++)
		CUBO_TRY(resolv_check_dns(f->dns[i]));
	for (size_t i = 0; f->dns_search && f->dns_search[i]; i++)
		CUBO_TRY(run_opt_check_dns_search(f->dns_search[i]));
	for (size_t i = 0; f->add_host && f->add_host[i]; i++)
		CUBO_TRY(hosts_check_add_host(f->add_host[i]));
	o->net_aliases = f->net_alias ? cubo_strv_dup(f->net_alias) : NULL;
	o->dns = f->dns ? cubo_strv_dup(f->dns) : NULL;
	o->dns_search = f->dns_search ? cubo_strv_dup(f->dns_search) : NULL;
	o->add_hosts = f->add_host ? cubo_strv_dup(f->add_host) : NULL;
	o->publish_all = f->publish_all;
	return NULL;
}

/* --log-driver, --log-opt: checked now, applied by the monitor (logconf.h). */
static struct cubo_error *log_opts(const struct run_flags *f, struct ctr_opts *o)
{
	struct log_config lc;
	CUBO_TRY(log_config_parse(f->log_driver, f->log_opt, &lc));
	enum log_driver d = lc.driver;
	log_config_free(&lc);
	/* a journal that is not there would lose every line: refused before the start */
	if (d == LOG_DRIVER_JOURNALD && access(LOG_JOURNAL_SOCKET, W_OK) < 0)
		return cubo_error_new("--log-driver journald: no systemd journal is running here "
				      "(%s is missing)",
				      LOG_JOURNAL_SOCKET);
	o->log_driver = f->log_driver ? xstrdup(log_driver_name(d)) : NULL;
	o->log_opts = f->log_opt ? cubo_strv_dup(f->log_opt) : NULL;
	return NULL;
}

/*
 * --shm-size, --sysctl, --cpuset-*, -c, --memory-swap,
 * --memory-reservation, --oom-score-adj, --group-add, with docker's checks
 * (after --memory).
 */
static struct cubo_error *resource_opts(const struct run_flags *f, struct ctr_opts *o)
{
	/* 0, as with docker: the default size */
	if (f->shm_size)
		CUBO_TRY(run_opt_parse_size("--shm-size", f->shm_size, &o->shm_size));
	size_t n = 0;
	for (size_t i = 0; f->sysctl && f->sysctl[i]; i++) {
		char *kv;
		CUBO_TRY(run_opt_parse_sysctl(f->sysctl[i], &kv));
		cubo_strv_push(&o->sysctls, &n, kv);
		free(kv);
	}
	if (f->cpuset_cpus)
		CUBO_TRY(run_opt_check_cpuset("--cpuset-cpus", f->cpuset_cpus));
	if (f->cpuset_mems)
		CUBO_TRY(run_opt_check_cpuset("--cpuset-mems", f->cpuset_mems));
	o->cpuset_cpus = xstrdup(f->cpuset_cpus);
	o->cpuset_mems = xstrdup(f->cpuset_mems);
	if (f->cpu_shares != LONG_MIN) {
		CUBO_TRY(run_opt_check_cpu_shares(f->cpu_shares));
		o->cpu_shares = (uint64_t)f->cpu_shares;
	}
	if (f->memory_swap)
		CUBO_TRY(run_opt_parse_memory_swap(f->memory_swap, o->memory, &o->memory_swap));
	if (f->memory_reservation) {
		CUBO_TRY(run_opt_parse_memory("--memory-reservation", f->memory_reservation,
					      &o->memory_reservation));
		if (o->memory > 0 && o->memory_reservation > o->memory)
			return cubo_error_new("--memory-reservation %s: the memory limit "
					      "(--memory) cannot be less than the reservation",
					      f->memory_reservation);
	}
	for (size_t i = 0; f->group_add && f->group_add[i]; i++)
		CUBO_TRY(run_opt_check_group(f->group_add[i]));
	o->group_add = cubo_strv_dup(f->group_add);
	if (f->oom_score_adj != LONG_MIN) {
		if (f->oom_score_adj < -1000 || f->oom_score_adj > 1000)
			return cubo_error_new("--oom-score-adj %ld: invalid value, the range is "
					      "[-1000, 1000]",
					      f->oom_score_adj);
		o->has_oom_score_adj = true;
		o->oom_score_adj = (int)f->oom_score_adj;
	}
	return NULL;
}

/* Each KEY[=VALUE] of given, checked as a label is, appended to *out as "KEY=VALUE". */
static struct cubo_error *kv_opts(const char *flag, char *const *given, char ***out, size_t *n)
{
	for (size_t i = 0; given && given[i]; i++) {
		char *kv;
		CUBO_TRY(run_opt_parse_label(flag, given[i], &kv));
		cubo_strv_push(out, n, kv);
		free(kv);
	}
	return NULL;
}

/* --label-file then --label (docker's order: a --label wins), --annotation, --domainname, --expose.
 */
static struct cubo_error *meta_opts(const struct run_flags *f, struct ctr_opts *o)
{
	size_t nl = 0, na = 0, ne = 0;
	for (size_t i = 0; f->label_file && f->label_file[i]; i++)
		CUBO_TRY(run_opt_read_label_file(f->label_file[i], &o->labels, &nl));
	CUBO_TRY(kv_opts("--label", f->label, &o->labels, &nl));
	CUBO_TRY(kv_opts("--annotation", f->annotation, &o->annotations, &na));
	if (f->domainname)
		CUBO_TRY(run_opt_check_domainname(f->domainname));
	o->domainname = xstrdup(f->domainname);
	for (size_t i = 0; f->expose && f->expose[i]; i++)
		CUBO_TRY(run_opt_parse_expose(f->expose[i], &o->expose, &ne));
	return NULL;
}

/*
 * --dns-option, --pid, --ipc, --uts, --cgroupns, with docker's conflicts
 * (after --hostname, --domainname, --shm-size and the networks).
 */
static struct cubo_error *ns_opts(const struct run_flags *f, struct ctr_opts *o)
{
	static const char *const pid[] = {"host", "container:", NULL};
	static const char *const ipc[] = {"private", "shareable",  "none",
					  "host",    "container:", NULL};
	static const char *const uts[] = {"host", NULL};
	static const char *const cgroupns[] = {"private", "host", NULL};
	size_t n = 0;
	for (size_t i = 0; f->dns_option && f->dns_option[i]; i++) {
		CUBO_TRY(run_opt_check_dns_option(f->dns_option[i]));
		cubo_strv_push(&o->dns_options, &n, f->dns_option[i]);
	}
	const char *join;
	if (f->pid_mode)
		CUBO_TRY(run_opt_parse_ns_mode("--pid", f->pid_mode, pid, &join));
	if (f->ipc_mode)
		CUBO_TRY(run_opt_parse_ns_mode("--ipc", f->ipc_mode, ipc, &join));
	if (f->uts_mode && *f->uts_mode) /* docker takes "" for the default */
		CUBO_TRY(run_opt_parse_ns_mode("--uts", f->uts_mode, uts, &join));
	if (f->cgroupns_mode)
		CUBO_TRY(run_opt_parse_ns_mode("--cgroupns", f->cgroupns_mode, cgroupns, &join));
	o->pid_mode = xstrdup(f->pid_mode);
	o->ipc_mode = xstrdup(f->ipc_mode);
	o->uts_mode = f->uts_mode && *f->uts_mode ? xstrdup(f->uts_mode) : NULL;
	o->cgroupns_mode = xstrdup(f->cgroupns_mode);
	if (o->uts_mode && (f->hostname || f->domainname))
		return cubo_error_new("conflicting options: %s and --uts host (the host's names "
				      "are not the container's to change)",
				      f->hostname ? "--hostname" : "--domainname");
	if (o->uts_mode) { /* /etc/hostname and $HOSTNAME say the host's name */
		char name[256] = "";
		if (gethostname(name, sizeof(name) - 1) < 0 || !name[0])
			return cubo_error_errno("--uts host: gethostname");
		CUBO_TRY_CTX(run_opt_check_hostname(name), "--uts host: the host's name");
		o->hostname = xstrdup(name);
	}
	bool host_ipc =
		o->ipc_mode && (!strcmp(o->ipc_mode, "host") || !strcmp(o->ipc_mode, "none") ||
				!strncmp(o->ipc_mode, "container:", 10));
	if (host_ipc && o->shm_size)
		return cubo_error_new("conflicting options: --shm-size and --ipc %s (only a "
				      "private /dev/shm has a size to set)",
				      o->ipc_mode);
	return NULL;
}

/* A CLI_INT that was not given keeps LONG_MIN. */
#define GIVEN(v) ((v) != LONG_MIN)

/* --cpu-period, --cpu-quota, --cpu-rt-*, with docker's checks (after --cpus). */
static struct cubo_error *cpu_opts(const struct run_flags *f, struct ctr_opts *o)
{
	if (f->cpus && (GIVEN(f->cpu_period) || GIVEN(f->cpu_quota)))
		return cubo_error_new("conflicting options: --cpus and --cpu-%s (--cpus sets "
				      "both period and quota)",
				      GIVEN(f->cpu_period) ? "period" : "quota");
	if (GIVEN(f->cpu_period)) {
		if (f->cpu_period != 0 && (f->cpu_period < 1000 || f->cpu_period > 1000000))
			return cubo_error_new("--cpu-period %ld: CPU cfs period can not be less "
					      "than 1ms (i.e. 1000) or larger than 1 second (i.e. "
					      "1000000)",
					      f->cpu_period);
		o->cpu_period = (uint64_t)f->cpu_period;
	}
	if (GIVEN(f->cpu_quota)) {
		if (f->cpu_quota < -1 || (f->cpu_quota > 0 && f->cpu_quota < 1000))
			return cubo_error_new("--cpu-quota %ld: CPU cfs quota can not be less than "
					      "1ms (i.e. 1000), or -1 (no limit)",
					      f->cpu_quota);
		o->cpu_quota = f->cpu_quota;
	}
	bool rt = GIVEN(f->cpu_rt_period) || GIVEN(f->cpu_rt_runtime);
	if (rt && !cgroup_host_has_rt("/sys/fs/cgroup"))
		return cubo_error_new("--cpu-rt-%s: this host's cgroups cannot limit real-time "
				      "tasks (no cpu.rt_runtime_us: cgroup v2, or a kernel without "
				      "CONFIG_RT_GROUP_SCHED)",
				      GIVEN(f->cpu_rt_period) ? "period" : "runtime");
	if (GIVEN(f->cpu_rt_period)) {
		if (f->cpu_rt_period < 1 || f->cpu_rt_period > 1000000)
			return cubo_error_new("--cpu-rt-period %ld: expected 1 to 1000000 µs",
					      f->cpu_rt_period);
		o->cpu_rt_period = (uint64_t)f->cpu_rt_period;
	}
	if (GIVEN(f->cpu_rt_runtime)) {
		long period = GIVEN(f->cpu_rt_period) ? f->cpu_rt_period : 1000000;
		if (f->cpu_rt_runtime < 1 || f->cpu_rt_runtime > period)
			return cubo_error_new("--cpu-rt-runtime %ld: expected 1 µs up to the "
					      "period (%ld)",
					      f->cpu_rt_runtime, period);
		o->cpu_rt_runtime = f->cpu_rt_runtime;
	}
	return NULL;
}

/* --blkio-weight and the per-device flags: each device a block device of the host. */
static struct cubo_error *blkio_opts(const struct run_flags *f, struct ctr_opts *o)
{
	if (GIVEN(f->blkio_weight)) {
		if (f->blkio_weight != 0 && (f->blkio_weight < 10 || f->blkio_weight > 1000))
			return cubo_error_new(
				"--blkio-weight %ld: range of blkio weight is from 10 "
				"to 1000",
				f->blkio_weight);
		o->blkio_weight = (uint16_t)f->blkio_weight;
	}
	for (size_t k = 0; k < N_BLKIO_DEV_KINDS; k++) {
		size_t n = cubo_strv_len(f->blkio_dev[k]);
		o->blkio_devs[k] = xcalloc(n + 1, sizeof(*o->blkio_devs[k]));
		for (size_t i = 0; i < n; i++) {
			struct blkio_dev d;
			CUBO_TRY(blkio_dev_parse(k, f->blkio_dev[k][i], &d));
			struct cubo_error *err = blkio_dev_resolve(k, &d);
			if (err) {
				blkio_dev_free(&d);
				return err;
			}
			o->blkio_devs[k][o->n_blkio_devs[k]++] = d;
		}
	}
	bool weights = o->blkio_weight || o->n_blkio_devs[BLKIO_WEIGHT_DEVICE];
	if (weights && cgroup_host_lacks_blkio_weight("/sys/fs/cgroup")) {
		fprintf(stderr, "WARNING: Your kernel does not support Block I/O weight or the "
				"cgroup is not mounted. Weight discarded.\n");
		o->blkio_weight = 0;
		for (size_t i = 0; i < o->n_blkio_devs[BLKIO_WEIGHT_DEVICE]; i++)
			blkio_dev_free(&o->blkio_devs[BLKIO_WEIGHT_DEVICE][i]);
		o->n_blkio_devs[BLKIO_WEIGHT_DEVICE] = 0;
	}
	return NULL;
}

/*
 * The cgroup flags of docker's beyond resource_opts': the CPU and blkio
 * ones, --memory-swappiness, --oom-kill-disable, --cgroup-parent
 * (checked against the driver at create).
 */
static struct cubo_error *cgroup_opts(const struct run_flags *f, struct ctr_opts *o)
{
	CUBO_TRY(cpu_opts(f, o));
	CUBO_TRY(blkio_opts(f, o));
	if (GIVEN(f->memory_swappiness) && f->memory_swappiness != -1) {
		if (f->memory_swappiness < 0 || f->memory_swappiness > 100)
			return cubo_error_new(
				"--memory-swappiness %ld: invalid value, valid memory "
				"swappiness range is 0-100",
				f->memory_swappiness);
		o->has_memory_swappiness = true;
		o->memory_swappiness = (int)f->memory_swappiness;
	}
	/* only a v1 memory controller has these: docker warns and drops them elsewhere */
	bool v1_memory = access("/sys/fs/cgroup/memory/memory.oom_control", F_OK) == 0;
	if (o->has_memory_swappiness && !v1_memory) {
		fprintf(stderr, "WARNING: --memory-swappiness: cgroup v2 has no per-container "
				"swappiness; discarded\n");
		o->has_memory_swappiness = false;
	}
	o->oom_kill_disable = f->oom_kill_disable && v1_memory;
	if (f->oom_kill_disable && !v1_memory)
		fprintf(stderr, "WARNING: --oom-kill-disable: cgroup v2 cannot disable the OOM "
				"killer; discarded\n");
	else if (f->oom_kill_disable && o->memory <= 0)
		fprintf(stderr, "WARNING: Disabling the OOM killer on containers without setting "
				"a '-m/--memory' limit may be dangerous.\n");
	o->cgroup_parent = xstrdup(f->cgroup_parent);
	return NULL;
}

/* Check every flag value and turn them into options, as docker does before doing anything. */

/*
 * --security-opt seccomp=FILE: read now, as docker's client does, and
 * checked now for this host (the rules for the container's capabilities
 * are chosen when its bundle is made).
 */
static struct cubo_error *seccomp_opt(const char *path, struct ctr_opts *o)
{
	struct seccomp_host h;
	char release[65];
	struct oci_seccomp *check = NULL;
	free(o->seccomp_file);
	free(o->seccomp_profile);
	o->seccomp_profile = NULL;
	o->seccomp_file = xstrdup(path);
	CUBO_TRY_CTX(seccomp_profile_read(path, &o->seccomp_profile, &o->seccomp_profile_len),
		     "--security-opt seccomp");
	seccomp_host_native(&h, release);
	CUBO_TRY_CTX(seccomp_profile_convert(o->seccomp_profile, o->seccomp_profile_len, path, &h,
					     &check),
		     "--security-opt seccomp");
	oci_seccomp_free(check);
	return NULL;
}
static struct cubo_error *make_opts(const struct run_flags *f, char **cmd, struct ctr_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->pids_limit = f->pids_set ? f->pids_limit : 0;
	if (f->pids_set && f->pids_limit == 0)
		o->pids_limit = -1;
	o->auto_remove = f->rm;
	o->interactive = f->interactive;
	o->tty = f->tty;
	o->read_only = f->read_only;
	if (f->name)
		CUBO_TRY_CTX(ctr_name_check(f->name), "--name");
	if (f->hostname)
		CUBO_TRY(run_opt_check_hostname(f->hostname));
	o->name = xstrdup(f->name);
	o->workdir = xstrdup(f->workdir);
	o->user = xstrdup(f->user);
	o->hostname = xstrdup(f->hostname);
	if (f->workdir && f->workdir[0] != '/')
		return cubo_error_new("-w \"%s\": the working directory must be an absolute path",
				      f->workdir);
	if (f->entrypoint) {
		o->has_entrypoint = true;
		o->entrypoint = xcalloc(2, sizeof(char *));
		if (*f->entrypoint)
			o->entrypoint[0] = xstrdup(f->entrypoint);
	}
	o->cmd = cmd && cmd[0] ? cubo_strv_dup(cmd) : NULL;
	size_t n = 0;
	for (size_t i = 0; f->env_file && f->env_file[i]; i++)
		CUBO_TRY(run_opt_read_env_file(f->env_file[i], environ, &o->env, &n));
	for (size_t i = 0; f->env && f->env[i]; i++)
		CUBO_TRY(run_opt_env_arg(f->env[i], environ, &o->env, &n));
	if (f->memory) {
		CUBO_TRY(run_opt_parse_memory("--memory", f->memory, &o->memory));
	}
	if (f->cpus) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		CUBO_TRY(run_opt_parse_cpus(f->cpus, ncpu > 0 ? ncpu : 1, &o->cpu_quota,
					    &o->cpu_period));
		o->nano_cpus = run_opt_nano_cpus(o->cpu_quota, o->cpu_period);
	}
	if (f->pids_set && f->pids_limit < -1)
		return cubo_error_new("--pids-limit %ld: expected -1 (unlimited) or more",
				      f->pids_limit);
	CUBO_TRY(mount_opts(f, o));
	CUBO_TRY(device_opts(f, o));
	o->n_ports = cubo_strv_len(f->publish);
	o->ports = xcalloc(o->n_ports + 1, sizeof(*o->ports));
	for (size_t i = 0; i < o->n_ports; i++)
		CUBO_TRY(run_opt_parse_publish(f->publish[i], &o->ports[i]));
	size_t na = 0, nd = 0;
	for (size_t i = 0; f->cap_add && f->cap_add[i]; i++) {
		char *c;
		CUBO_TRY_CTX(run_opt_cap_name(f->cap_add[i], &c), "--cap-add");
		cubo_strv_push(&o->cap_add, &na, c);
		free(c);
	}
	for (size_t i = 0; f->cap_drop && f->cap_drop[i]; i++) {
		char *c;
		CUBO_TRY_CTX(run_opt_cap_name(f->cap_drop[i], &c), "--cap-drop");
		cubo_strv_push(&o->cap_drop, &nd, c);
		free(c);
	}
	for (size_t i = 0; f->security_opt && f->security_opt[i]; i++) {
		const char *s = f->security_opt[i];
		if (!strcmp(s, "no-new-privileges") || !strcmp(s, "no-new-privileges:true") ||
		    !strcmp(s, "no-new-privileges=true"))
			o->no_new_privileges = true;
		else if (!strcmp(s, "seccomp=unconfined") || !strcmp(s, "seccomp:unconfined"))
			o->seccomp_unconfined = true;
		else if (!strncmp(s, "seccomp=", 8) || !strncmp(s, "seccomp:", 8))
			CUBO_TRY(seccomp_opt(s + 8, o));
		else if (strcmp(s, "apparmor=unconfined") && strcmp(s, "label=disable") &&
			 strcmp(s, "label:disable"))
			return cubo_error_new(
				"--security-opt \"%s\": supported are no-new-privileges, "
				"seccomp=unconfined and seccomp=PROFILE.json (AppArmor and SELinux "
				"are not applied: apparmor=unconfined and label=disable are the "
				"only values of theirs, and change nothing)",
				s);
	}
	o->n_ulimits = cubo_strv_len(f->ulimit);
	o->ulimits = xcalloc(o->n_ulimits + 1, sizeof(*o->ulimits));
	for (size_t i = 0; i < o->n_ulimits; i++)
		CUBO_TRY(run_opt_parse_ulimit(f->ulimit[i], &o->ulimits[i]));
	CUBO_TRY(meta_opts(f, o));
	if (f->stop_signal)
		CUBO_TRY(run_opt_parse_signal("--stop-signal", f->stop_signal, &o->stop_signal));
	o->stop_timeout = -1;
	if (f->stop_timeout != LONG_MIN) {
		if (f->stop_timeout < 0 || f->stop_timeout > MAX_STOP_TIMEOUT)
			return cubo_error_new("--stop-timeout %ld: expected 0 to 86400 seconds",
					      f->stop_timeout);
		o->stop_timeout = (int)f->stop_timeout;
	}
	if (f->restart) {
		CUBO_TRY_CTX(restart_policy_parse(f->restart, &o->restart), "--restart");
		/* docker's rule: a removed container has nothing to restart */
		if (o->restart.kind != RESTART_NO && f->rm)
			return cubo_error_new("conflicting options: --restart %s and --rm",
					      f->restart);
	}
	CUBO_TRY(run_opt_health(&f->health, &o->healthcheck));
	CUBO_TRY(resource_opts(f, o));
	CUBO_TRY(cgroup_opts(f, o));
	CUBO_TRY(net_opts(f, o));
	CUBO_TRY(ns_opts(f, o));
	CUBO_TRY(log_opts(f, o));
	if (f->init || f->init_path)
		CUBO_TRY(ctr_init_path(f->init_path, &o->init_path));
	return NULL;
}

/* ---- the image ---- */

/* --pull: when the image is pulled. */
enum pull_policy { PULL_MISSING, PULL_ALWAYS, PULL_NEVER };

static struct cubo_error *check_platform(const char *s)
{
	struct oci_platform p;
	CUBO_TRY_CTX(oci_platform_parse(s, &p), "--platform");
	oci_platform_free(&p);
	return NULL;
}

static struct cubo_error *parse_pull(const char *s, enum pull_policy *out)
{
	static const char *const names[] = {"missing", "always", "never"};
	for (size_t i = 0; s && i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum pull_policy)i;
			return NULL;
		}
	*out = PULL_MISSING;
	if (!s)
		return NULL;
	return cubo_error_new("--pull \"%s\": invalid pull option: must be one of "
			      "\"always\", \"missing\" or \"never\"",
			      s);
}

/* ref as the store has it: its name, ID, config and layers in ii (the store's words when not). */
static struct cubo_error *resolve_image(struct mgr *m, struct store *s, const char *ref,
					struct ctr_image *ii)
{
	memset(ii, 0, sizeof(*ii));
	struct store_match match;
	CUBO_TRY(store_image_find(s, ref, NULL, &match));
	struct oci_manifest *man = NULL;
	ii->name = xstrdup(match.by_name ? match.v[0].name : ref);
	memcpy(ii->image_id, match.config_digest, sizeof(ii->image_id));
	char *manifest_digest = xstrdup(match.v[0].manifest.digest);
	struct cubo_error *err = store_image_load(s, &match.v[0].manifest, &man, &ii->config);
	store_match_free(&match);
	if (!err) {
		size_t n = ii->config->diff_ids.n;
		char(*chain)[CUBO_DIGEST_LEN + 1] = xcalloc(n + 1, sizeof(*chain));
		err = oci_chain_ids(ii->config->diff_ids.v, n, chain);
		bool missing = false;
		size_t count = 0;
		for (size_t i = 0; !err && i < n; i++) {
			cubo_strv_push(&ii->layers, &count, chain[i]);
			missing |= !store_layer_has(s, chain[i]);
		}
		free(chain);
		/* a loaded or imported image may not be extracted yet */
		if (!err && missing)
			err = image_fetch_extract(
				m, s, &(struct oci_descriptor){.digest = manifest_digest});
	}
	free(manifest_digest);
	if (man)
		oci_manifest_free(man);
	if (err)
		ctr_image_free(ii);
	return err;
}

/*
 * Whether the image is for want ("os/arch[/variant]"; NULL: this host); its
 * platform as docker prints it in *have. An image that names none matches.
 */
static bool image_platform_is(const struct oci_image_config *cfg, const char *want, char **have)
{
	struct oci_platform img = {.os = cfg->os,
				   .architecture = cfg->architecture,
				   .variant = cfg->variant},
			    w;
	*have = oci_platform_string(&img);
	if (!cfg->os || !cfg->architecture)
		return true;
	struct cubo_error *err = want ? oci_platform_parse(want, &w) : oci_platform_host(&w);
	bool ok = err || oci_platform_matches(&img, &w);
	cubo_error_free(err);
	if (!err)
		oci_platform_free(&w);
	return ok;
}

/*
 * docker's rules: --pull says when the image is pulled, --platform which
 * one (a local image of another platform is pulled again, as a missing
 * one); without --platform an image for another platform than the host's
 * is run with a warning.
 */
static struct cubo_error *find_image(struct mgr *m, struct store *s, const char *ref,
				     enum pull_policy pull, const char *platform,
				     struct ctr_image *ii)
{
	struct cubo_error *err =
		pull == PULL_ALWAYS ? image_fetch_pull_platform(m, s, ref, platform) : NULL;
	if (!err)
		err = resolve_image(m, s, ref, ii);
	char *have = NULL;
	bool other = !err && platform && !image_platform_is(ii->config, platform, &have);
	if (other && pull == PULL_MISSING) {
		ctr_image_free(ii);
		err = cubo_error_new("no such image: %s for %s", ref, platform);
	}
	if (err && pull == PULL_NEVER && strstr(err->msg, "no such image"))
		err = cubo_error_wrap(err, "--pull never");
	else if (err && pull == PULL_MISSING && strstr(err->msg, "no such image")) {
		cubo_error_free(err);
		fprintf(stderr, "Unable to find image '%s' locally\n", ref);
		err = image_fetch_pull_platform(m, s, ref, platform);
		if (!err)
			err = resolve_image(m, s, ref, ii);
		free(have);
		have = NULL;
		other = !err && platform && !image_platform_is(ii->config, platform, &have);
	}
	if (other) {
		ctr_image_free(ii);
		err = cubo_error_new("image with reference %s was found but does not match the "
				     "specified platform: wanted %s, actual: %s",
				     ref, platform, have);
	} else if (!err && !platform && !image_platform_is(ii->config, NULL, &have)) {
		struct oci_platform host;
		char *hs = NULL;
		if (!oci_platform_host(&host)) {
			hs = oci_platform_string(&host);
			oci_platform_free(&host);
		}
		fprintf(stderr,
			"WARNING: The requested image's platform (%s) does not match the detected "
			"host platform (%s) and no specific platform was requested\n",
			have, hs ? hs : "?");
		free(hs);
	}
	free(have);
	return err;
}

/*
 * The store stays open (its shared lock held) from finding the image until
 * the container is recorded: a removal waits, then sees the container using
 * the image (the lock discipline in store.h).
 */
static struct cubo_error *make_container(struct mgr *m, struct ctr_ctx *c, const char *image_ref,
					 enum pull_policy pull, const char *platform,
					 struct ctr_opts *o, const char *runtime,
					 struct ctr_created *out)
{
	struct store *s;
	CUBO_TRY(store_open(m->root, &s));
	struct ctr_image ii;
	struct cubo_error *err = find_image(m, s, image_ref, pull, platform, &ii);
	if (err) {
		store_close(s);
		return err;
	}
	cubo_test_point("create-after-resolve");
	struct ctr_create_input in = {.root = m->root,
				      .store = &c->store,
				      .image = &ii,
				      .image_ref = image_ref,
				      .opts = o,
				      .runtime = runtime,
				      .systemd_cgroup = c->rt.systemd_cgroup};
	err = ctr_create(&in, out);
	store_close(s);
	ctr_image_free(&ii);
	return err;
}

/* ---- --cidfile ---- */

/* Made before the container, as docker does: an existing file is refused then. */
static struct cubo_error *cidfile_open(const char *path, int *fd)
{
	*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (*fd >= 0)
		return NULL;
	if (errno == EEXIST)
		return cubo_error_new("--cidfile %s: container ID file found, make sure the "
				      "other container isn't running or delete %s",
				      path, path);
	return cubo_error_errno("--cidfile %s: create", path);
}

/* The container's ID, without a newline (docker's); closes fd. */
static struct cubo_error *cidfile_write(const char *path, int fd, const char *id)
{
	struct cubo_error *err = NULL;
	size_t len = strlen(id), done = 0;
	while (!err && done < len) {
		ssize_t n = write(fd, id + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			err = cubo_error_errno("--cidfile %s: write", path);
		else
			done += (size_t)n;
	}
	if (!err && fsync(fd) < 0)
		err = cubo_error_errno("--cidfile %s: fsync", path);
	if (close(fd) < 0 && !err)
		err = cubo_error_errno("--cidfile %s: close", path);
	return err;
}

/* No container was made: the file goes. */
static void cidfile_abandon(const char *path, int fd)
{
	if (fd < 0)
		return;
	close(fd);
	unlink(path);
}

/* ---- the commands ---- */

static const char run_description[] =
	"Make a container from an image and start it, attached to its stdout and\n"
	"stderr (-a chooses the streams; -i adds stdin, -t gives a terminal): the\n"
	"output comes as it is written, the signals this command gets go to the\n"
	"container (--sig-proxy), and it exits with the container's exit code.\n"
	"With -d the container ID is printed and the command returns while the\n"
	"container runs. A missing image is pulled.";

/* -a/--attach: docker's stream names, any case; no -a: stdout and stderr. */
static struct cubo_error *attach_streams(const struct run_flags *f, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t flag;
	} streams[] = {{"stdin", ATTACH_WANT_STDIN},
		       {"stdout", ATTACH_WANT_STDOUT},
		       {"stderr", ATTACH_WANT_STDERR}};
	*out = f->attach ? 0 : ATTACH_WANT_OUTPUT;
	for (size_t i = 0; f->attach && f->attach[i]; i++) {
		size_t j = 0;
		while (j < CLI_N(streams) && strcasecmp(f->attach[i], streams[j].name))
			j++;
		if (j == CLI_N(streams))
			return cubo_error_new("--attach \"%s\": valid streams are STDIN, STDOUT "
					      "and STDERR",
					      f->attach[i]);
		*out |= streams[j].flag;
	}
	if (f->attach && f->detach)
		return cubo_error_new("conflicting options: -a and -d");
	/* docker's rule: -i attaches stdin whatever -a says */
	if (f->interactive)
		*out |= ATTACH_WANT_STDIN;
	return NULL;
}

static int run_or_create(struct mgr *m, int argc, char **argv, bool start)
{
	struct cli_args args;
	struct run_flags f = {.sig_proxy = true,
			      .pids_limit = LONG_MIN,
			      .stop_timeout = LONG_MIN,
			      .cpu_shares = LONG_MIN,
			      .cpu_period = LONG_MIN,
			      .cpu_quota = LONG_MIN,
			      .cpu_rt_period = LONG_MIN,
			      .cpu_rt_runtime = LONG_MIN,
			      .blkio_weight = LONG_MIN,
			      .memory_swappiness = LONG_MIN,
			      .oom_score_adj = LONG_MIN};
	const struct cli_opt opts[] = {
		{"name", 0, CLI_STRING, &f.name, "NAME", "name the container"},
		{"detach", 'd', CLI_BOOL, &f.detach, NULL,
		 "run in the background and print the container ID"},
		{"attach", 'a', CLI_LIST, &f.attach, "STREAM",
		 "attach to stdin, stdout or stderr (default: stdout and stderr)"},
		{"detach-keys", 0, CLI_STRING, &f.detach_keys, "KEYS",
		 "the keys that detach a terminal (default ctrl-p,ctrl-q)"},
		{"sig-proxy", 0, CLI_BOOL, &f.sig_proxy, NULL,
		 "forward the signals this command gets to the container (default true; "
		 "not with -t)"},
		{"interactive", 'i', CLI_BOOL, &f.interactive, NULL,
		 "keep stdin open and attach it"},
		{"tty", 't', CLI_BOOL, &f.tty, NULL, "give the container a terminal"},
		{"rm", 0, CLI_BOOL, &f.rm, NULL, "remove the container when it exits"},
		{"workdir", 'w', CLI_STRING, &f.workdir, "DIR",
		 "working directory in the container"},
		{"env", 'e', CLI_LIST, &f.env, "KEY=VALUE", "set an environment variable"},
		{"env-file", 0, CLI_LIST, &f.env_file, "FILE", "read environment variables"},
		{"volume", 'v', CLI_LIST, &f.volume, "[SRC:]DEST[:OPTS]",
		 "bind a host path (/abs, ./rel) or a volume; OPTS: ro, rw, z, Z, nocopy, "
		 "[r]shared, [r]slave, [r]private"},
		{"volumes-from", 0, CLI_LIST, &f.volumes_from, "CONTAINER[:ro|:rw]",
		 "mount another container's volumes and binds where it has them"},
		{"mount", 0, CLI_LIST, &f.mount, "type=TYPE,...",
		 "a bind, volume or tmpfs mount (docker's keys: source, target, readonly, "
		 "bind-propagation, volume-nocopy, tmpfs-size, ...)"},
		{"publish", 'p', CLI_LIST, &f.publish, "[IP:][HOST:]CTR[/PROTO]",
		 "publish a container's port on the host (no HOST: a free one)"},
		{"publish-all", 'P', CLI_BOOL, &f.publish_all, NULL,
		 "publish every EXPOSEd port on a free host port"},
		{"user", 'u', CLI_STRING, &f.user, "USER[:GROUP]", "user (name or ID) to run as"},
		{"hostname", 'h', CLI_STRING, &f.hostname, "NAME", "the container's host name"},
		{"entrypoint", 0, CLI_STRING, &f.entrypoint, "CMD",
		 "replace the image's ENTRYPOINT"},
		{"memory", 'm', CLI_STRING, &f.memory, "SIZE", "memory limit (e.g. 512m)"},
		{"cpus", 0, CLI_STRING, &f.cpus, "N", "CPU limit (e.g. 1.5)"},
		{"memory-swap", 0, CLI_STRING, &f.memory_swap, "SIZE",
		 "memory plus swap limit (at least --memory; -1: unlimited swap)"},
		{"memory-reservation", 0, CLI_STRING, &f.memory_reservation, "SIZE",
		 "memory soft limit"},
		{"cpu-shares", 'c', CLI_INT, &f.cpu_shares, "N", "CPU shares (relative weight)"},
		{"cpuset-cpus", 0, CLI_STRING, &f.cpuset_cpus, "LIST",
		 "CPUs the container may use (0-3, 0,1)"},
		{"cpuset-mems", 0, CLI_STRING, &f.cpuset_mems, "LIST",
		 "memory nodes the container may use (0-3, 0,1)"},
		{"oom-score-adj", 0, CLI_INT, &f.oom_score_adj, "N",
		 "the container's OOM score adjustment (-1000 to 1000)"},
		{"cpu-period", 0, CLI_INT, &f.cpu_period, "US",
		 "CPU CFS period in µs (1000 to 1000000; not with --cpus)"},
		{"cpu-quota", 0, CLI_INT, &f.cpu_quota, "US",
		 "CPU CFS quota in µs a period (at least 1000; -1: none; not with --cpus)"},
		{"cpu-rt-period", 0, CLI_INT, &f.cpu_rt_period, "US",
		 "real-time period in µs (cgroup v1 with real-time group scheduling)"},
		{"cpu-rt-runtime", 0, CLI_INT, &f.cpu_rt_runtime, "US",
		 "real-time runtime in µs a period"},
		{"blkio-weight", 0, CLI_INT, &f.blkio_weight, "N", "block IO weight (10 to 1000)"},
		{"blkio-weight-device", 0, CLI_LIST, &f.blkio_dev[BLKIO_WEIGHT_DEVICE],
		 "DEVICE:WEIGHT", "block IO weight on one device"},
		{"device-read-bps", 0, CLI_LIST, &f.blkio_dev[BLKIO_READ_BPS], "DEVICE:RATE",
		 "read rate limit on a device (1mb, ...)"},
		{"device-write-bps", 0, CLI_LIST, &f.blkio_dev[BLKIO_WRITE_BPS], "DEVICE:RATE",
		 "write rate limit on a device"},
		{"device-read-iops", 0, CLI_LIST, &f.blkio_dev[BLKIO_READ_IOPS], "DEVICE:N",
		 "read IOs a second on a device"},
		{"device-write-iops", 0, CLI_LIST, &f.blkio_dev[BLKIO_WRITE_IOPS], "DEVICE:N",
		 "write IOs a second on a device"},
		{"memory-swappiness", 0, CLI_INT, &f.memory_swappiness, "N",
		 "how readily the container's memory is swapped (0 to 100; cgroup v1)"},
		{"oom-kill-disable", 0, CLI_BOOL, &f.oom_kill_disable, NULL,
		 "do not OOM-kill the container's processes (cgroup v1)"},
		{"cgroup-parent", 0, CLI_STRING, &f.cgroup_parent, "PATH",
		 "the cgroup to make the container's in (a slice with systemd)"},
		{"shm-size", 0, CLI_STRING, &f.shm_size, "SIZE", "size of /dev/shm (default 64m)"},
		{"tmpfs", 0, CLI_LIST, &f.tmpfs, "DEST[:OPTS]",
		 "mount a tmpfs (default options rw,noexec,nosuid,nodev)"},
		{"sysctl", 0, CLI_LIST, &f.sysctl, "KEY=VALUE",
		 "a namespaced kernel parameter (net.*, kernel.shm*, fs.mqueue.*, ...)"},
		{"group-add", 0, CLI_LIST, &f.group_add, "GROUP",
		 "another group to run as (a name in the image's /etc/group, or a GID)"},
		{"pids-limit", 0, CLI_INT, &f.pids_limit, "N",
		 "limit on processes (-1: unlimited)"},
		{"read-only", 0, CLI_BOOL, &f.read_only, NULL,
		 "mount the root filesystem read-only"},
		{"cap-add", 0, CLI_LIST, &f.cap_add, "CAP", "add a capability (or ALL)"},
		{"cap-drop", 0, CLI_LIST, &f.cap_drop, "CAP", "drop a capability (or ALL)"},
		{"privileged", 0, CLI_BOOL, &f.privileged, NULL,
		 "every capability and host device, no seccomp, no masked paths, /sys writable"},
		{"device", 0, CLI_LIST, &f.device, "HOST[:CTR][:PERMS]",
		 "a host device (or a directory of them; PERMS of rwm), or a CDI device "
		 "vendor.com/class=name"},
		{"device-cgroup-rule", 0, CLI_LIST, &f.device_cgroup_rule, "RULE",
		 "allow devices in the cgroup (\"c 1:3 rwm\", \"b 8:* r\")"},
		{"cdi-spec-dir", 0, CLI_LIST, &f.cdi_spec_dir, "DIR",
		 "where CDI spec files are (default /etc/cdi, then /var/run/cdi)"},
		{"security-opt", 0, CLI_LIST, &f.security_opt, "OPT",
		 "no-new-privileges, seccomp=unconfined, seccomp=PROFILE.json"},
		{"ulimit", 0, CLI_LIST, &f.ulimit, "NAME=SOFT[:HARD]",
		 "a resource limit (nofile, nproc, core, ...; -1: unlimited)"},
		{"label", 'l', CLI_LIST, &f.label, "KEY=VALUE", "set a label on the container"},
		{"label-file", 0, CLI_LIST, &f.label_file, "FILE",
		 "read labels, one KEY=VALUE a line (\"#\" comments)"},
		{"annotation", 0, CLI_LIST, &f.annotation, "KEY=VALUE",
		 "an OCI annotation for the runtime (config.json)"},
		{"domainname", 0, CLI_STRING, &f.domainname, "NAME",
		 "the container's NIS domain name"},
		{"expose", 0, CLI_LIST, &f.expose, "PORT[/PROTO]",
		 "expose a port or a range (8000-8010/udp); -P publishes it"},
		{"stop-signal", 0, CLI_STRING, &f.stop_signal, "SIGNAL",
		 "signal stop sends first (default: the image's, else SIGTERM)"},
		{"stop-timeout", 0, CLI_INT, &f.stop_timeout, "SECONDS",
		 "how long stop waits before SIGKILL (default 10)"},
		{"restart", 0, CLI_STRING, &f.restart, "POLICY",
		 "no (default), on-failure[:N], always or unless-stopped"},
		{"network", 0, CLI_LIST, &f.network, "NETWORK",
		 "a network to join (default: cubo; rootless: pasta), or none, or host; rootless "
		 "also slirp4netns"},
		{"net", 0, CLI_LIST, &f.network, "NETWORK", NULL},
		{"network-alias", 0, CLI_LIST, &f.net_alias, "NAME",
		 "another name the container has on its user network"},
		{"ip", 0, CLI_STRING, &f.ip, "ADDRESS",
		 "a fixed IPv4 address on its (first) user network"},
		{"ip6", 0, CLI_STRING, &f.ip6, "ADDRESS",
		 "a fixed IPv6 address (refused: networks are IPv4 only)"},
		{"mac-address", 0, CLI_STRING, &f.mac_address, "MAC",
		 "the MAC of its interface on its (first) network"},
		{"link-local-ip", 0, CLI_LIST, &f.link_local_ip, "ADDRESS",
		 "one more address (169.254.0.0/16, fe80::/10) on its user network"},
		{"dns", 0, CLI_LIST, &f.dns, "IP", "a DNS server for /etc/resolv.conf"},
		{"dns-search", 0, CLI_LIST, &f.dns_search, "DOMAIN",
		 "a search domain for /etc/resolv.conf"},
		{"add-host", 0, CLI_LIST, &f.add_host, "HOST:IP",
		 "a line for /etc/hosts (IP may be host-gateway)"},
		{"dns-option", 0, CLI_LIST, &f.dns_option, "OPT",
		 "an option for /etc/resolv.conf (ndots:2, edns0, ...)"},
		{"pid", 0, CLI_STRING, &f.pid_mode, "MODE",
		 "the PID namespace: host, or container:NAME (default: its own)"},
		{"ipc", 0, CLI_STRING, &f.ipc_mode, "MODE",
		 "the IPC namespace: private (default), shareable, none, host or "
		 "container:NAME"},
		{"uts", 0, CLI_STRING, &f.uts_mode, "MODE",
		 "host: the host's UTS namespace (host and domain names)"},
		{"cgroupns", 0, CLI_STRING, &f.cgroupns_mode, "MODE",
		 "the cgroup namespace: private (default) or host"},
		{"runtime", 0, CLI_STRING, &f.runtime, "PATH",
		 "the OCI runtime to run it (default cubo-runc)"},
		{"log-driver", 0, CLI_STRING, &f.log_driver, "DRIVER",
		 "k8s-file (default), json-file, journald or none"},
		{"log-opt", 0, CLI_LIST, &f.log_opt, "KEY=VALUE",
		 "max-size=SIZE (default 20m; -1: none), max-file=N (default 5); journald: tag"},
		{"init", 0, CLI_BOOL, &f.init, NULL,
		 "run an init as PID 1 that reaps zombies and forwards signals"},
		{"init-path", 0, CLI_STRING, &f.init_path, "PATH",
		 "the init binary for --init (default: cubo-init)"},
		{"quiet", 'q', CLI_BOOL, &f.quiet, NULL, "do not print pull progress"},
		{"pull", 0, CLI_STRING, &f.pull, "POLICY",
		 "pull the image: missing (default: when not here), always or never"},
		{"platform", 0, CLI_STRING, &f.platform, "OS/ARCH[/VARIANT]",
		 "the image's platform: pulled for it, a local one of another platform refused"},
		{"cidfile", 0, CLI_STRING, &f.cidfile, "FILE",
		 "write the container's ID to FILE (which must not exist)"},
		{"health-cmd", 0, CLI_STRING, &f.health.cmd, "COMMAND",
		 "the health check, run with /bin/sh -c in the container"},
		{"health-interval", 0, CLI_STRING, &f.health.interval, "TIME",
		 "time between checks (ms|s|m|h; default 30s)"},
		{"health-timeout", 0, CLI_STRING, &f.health.timeout, "TIME",
		 "longest a check may run (default 30s)"},
		{"health-retries", 0, CLI_STRING, &f.health.retries, "N",
		 "failures in a row that make it unhealthy (default 3)"},
		{"health-start-period", 0, CLI_STRING, &f.health.start_period, "TIME",
		 "time to start up, when failures do not count (default 0s)"},
		{"health-start-interval", 0, CLI_STRING, &f.health.start_interval, "TIME",
		 "time between checks in the start period (default 5s)"},
		{"no-healthcheck", 0, CLI_BOOL, &f.health.none, NULL,
		 "disable the image's health check"},
	};
	const char *cmd = start ? "run" : "create";
	const struct mgr_cmd_spec spec = {
		.name = cmd,
		.usage = start ? "run [OPTIONS] IMAGE [COMMAND [ARG...]]"
			       : "create [OPTIONS] IMAGE [COMMAND [ARG...]]",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected an image"),
		.description = start ? run_description
				     : "Make a container from an image without starting it; print "
				       "its ID.",
		MGR_OPTS(opts),
		.stop_at_arg = true,
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		run_flags_free(&f);
		return rc;
	}
	/* a value the flag cannot take tells "not given" from 0 */
	f.pids_set = f.pids_limit != LONG_MIN;
	struct ctr_opts o;
	struct ctr_ctx c;
	rc = 0;
	enum pull_policy pull;
	uint8_t streams;
	struct detach_keys keys;
	struct cubo_error *err = make_opts(&f, args.v + 1, &o);
	if (!err)
		err = parse_pull(f.pull, &pull);
	if (!err && f.platform)
		err = check_platform(f.platform);
	if (!err)
		err = attach_streams(&f, &streams);
	if (!err)
		err = attach_detach_keys_parse(f.detach_keys, &keys);
	int cidfd = -1;
	if (!err && f.cidfile)
		err = cidfile_open(f.cidfile, &cidfd);
	if (err) {
		ctr_opts_free(&o);
		run_flags_free(&f);
		return mgr_usage_error(m, cmd, err);
	}
	if ((err = ctr_ctx_open(m, &c))) {
		cidfile_abandon(f.cidfile, cidfd);
		ctr_opts_free(&o);
		run_flags_free(&f);
		return mgr_fail(m, err);
	}
	struct ctr_created made = {0};
	/* the record keeps the runtime chosen now, $CUBO_RUNTIME too: later commands run
	 * without that environment must still drive the container with the same runtime */
	const char *runtime = f.runtime ? f.runtime : m->runtime;
	if (!runtime && m->settings.runtime && *m->settings.runtime)
		runtime = m->settings.runtime;
	err = make_container(m, &c, args.v[0], pull, f.platform, &o, runtime, &made);
	if (err)
		cidfile_abandon(f.cidfile, cidfd);
	else if (cidfd >= 0 && (err = cidfile_write(f.cidfile, cidfd, made.id)))
		unlink(f.cidfile);
	if (err) {
		rc = mgr_fail(m, err);
		goto out;
	}
	char *made_dir = ctr_store_dir(&c.store, made.id);
	struct ctr_record rec;
	struct cubo_error *rerr = ctr_record_load(made_dir, &rec);
	free(made_dir);
	if (!rerr) {
		ctr_event(&c, &rec, "create", NULL);
		ctr_record_free(&rec);
	}
	cubo_error_free(rerr);
	if (!start) {
		printf("%s\n", made.id);
		goto out;
	}
	struct monitor_start ms = {
		.store = &c.store,
		.id = made.id,
		.layers_dir = c.layers_dir,
		.attach = !f.detach,
		.attach_flags = streams,
	};
	pid_t pid;
	int attach_fd = -1, code;
	err = monitor_start(&ms, &pid, &attach_fd, &code);
	if (err) {
		rc = code ? code : MGR_EXIT_FAILURE;
		cubo_error_print(err, m->prog, stderr);
		cubo_error_free(err);
		if (made.auto_remove) {
			struct ctr_record r;
			if (!ctr_find(&c, made.id, &r)) {
				struct cubo_error *gone =
					ctr_store_remove(&c.store, made.id, r.name);
				if (!gone)
					ctr_event(&c, &r, "destroy", NULL);
				cubo_error_free(gone);
				ctr_record_free(&r);
			}
		}
		goto out;
	}
	if (!ms.attach) {
		printf("%s\n", made.id);
		goto out;
	}
	fflush(stdout);
	int exit_code;
	struct attach_client ac = {.forward_stdin =
					   made.interactive && (streams & ATTACH_WANT_STDIN),
				   .tty = made.tty,
				   .sig_proxy = f.sig_proxy && !made.tty,
				   .keys = &keys};
	err = attach_client_run(attach_fd, &ac, &exit_code);
	close(attach_fd);
	if (!err && exit_code == ATTACH_DETACHED) {
		fprintf(stderr, "\nread escape sequence: %.12s runs on\n", made.id);
		exit_code = 0;
	}
	if (!err && exit_code < 0) {
		/* the monitor went away: the record tells what became of the container */
		struct ctr_record r = {0};
		err = ctr_find(&c, made.id, &r);
		exit_code = !err && r.status == CTR_EXITED ? r.exit_code : MGR_EXIT_FAILURE;
		ctr_record_free(&r);
		if (err && made.auto_remove) {
			cubo_error_free(err);
			err = NULL;
		}
	}
	rc = err ? mgr_fail(m, err) : exit_code;
out:
	free(made.name);
	ctr_ctx_close(&c);
	ctr_opts_free(&o);
	run_flags_free(&f);
	return rc;
}

int cmd_run(struct mgr *m, int argc, char **argv)
{
	return run_or_create(m, argc, argv, true);
}

int cmd_create(struct mgr *m, int argc, char **argv)
{
	return run_or_create(m, argc, argv, false);
}

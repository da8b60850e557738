/* SPDX-License-Identifier: Apache-2.0 */
/* A container's config.json from its image and flags: see bundle.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/bundle.h"
#include "cubo-mgr/container/runtime.h"
#include "cubo-mgr/container/seccomp_default.h"
#include "cubo-mgr/container/seccomp_profile.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"
#include "spec/features.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *const bundle_default_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
	NULL,
};

static const char *const masked_paths[] = {
	"/proc/asound",
	"/proc/acpi",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
	NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

struct mount_def {
	const char *dest, *type, *source;
	const char *options[8];
};

static const struct mount_def base_mounts[] = {
	{"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}},
	{"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
	{"/dev/pts",
	 "devpts",
	 "devpts",
	 {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
	{"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}},
	{"/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "noexec", "nodev"}},
	{"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
	{"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
};

static void strlist_set(struct oci_strlist *l, char *const *v)
{
	l->n = cubo_strv_len(v);
	l->v = xcalloc(l->n + 1, sizeof(char *));
	for (size_t i = 0; i < l->n; i++)
		l->v[i] = xstrdup(v[i]);
}

static void strlist_add(struct oci_strlist *l, const char *s)
{
	char **v = xrealloc(l->v, (l->n + 2) * sizeof(char *));
	l->v = v;
	l->v[l->n++] = xstrdup(s);
	l->v[l->n] = NULL;
}

static const struct oci_image_runconfig *runconfig(const struct oci_image_config *img)
{
	static const struct oci_image_runconfig empty;
	return img && img->config ? img->config : &empty;
}

struct cubo_error *bundle_command(const struct oci_image_config *image, const struct ctr_opts *o,
				  char ***argv)
{
	const struct oci_image_runconfig *rc = runconfig(image);
	char **out = NULL;
	size_t n = 0;
	char *const *ep = o->has_entrypoint ? o->entrypoint : rc->entrypoint.v;
	/* docker: a new entrypoint drops the image's CMD too */
	char *const *cmd = o->cmd && o->cmd[0] ? o->cmd : (o->has_entrypoint ? NULL : rc->cmd.v);
	for (size_t i = 0; ep && ep[i]; i++)
		if (!(i == 0 && !ep[i][0] && !ep[1]))
			cubo_strv_push(&out, &n, ep[i]);
	for (size_t i = 0; cmd && cmd[i]; i++)
		cubo_strv_push(&out, &n, cmd[i]);
	if (n == 0) {
		cubo_strv_free(out);
		return cubo_error_new("no command specified: the image has no ENTRYPOINT or CMD; "
				      "give one after the image name");
	}
	*argv = out;
	return NULL;
}

static void capabilities(const struct ctr_opts *o, struct oci_strlist *caps)
{
	if (o->privileged) { /* docker: every capability, --cap-add/--cap-drop aside */
		strlist_set(caps, o->privileged_caps);
		return;
	}
	char **set = cubo_strv_dup((char *const *)bundle_default_caps);
	size_t n = cubo_strv_len(set);
	bool drop_all = o->cap_drop && cubo_strv_contains(o->cap_drop, "ALL");
	bool add_all = o->cap_add && cubo_strv_contains(o->cap_add, "ALL");
	if (drop_all) {
		cubo_strv_free(set);
		set = xcalloc(1, sizeof(char *));
		n = 0;
	}
	for (size_t i = 0; !drop_all && o->cap_drop && o->cap_drop[i]; i++) {
		for (size_t j = 0; j < n; j++)
			if (!strcmp(set[j], o->cap_drop[i])) {
				free(set[j]);
				memmove(&set[j], &set[j + 1], (n - j) * sizeof(char *));
				n--;
				break;
			}
	}
	char *const *add = add_all ? (char *const *)oci_capability_names : o->cap_add;
	for (size_t i = 0; add && add[i]; i++)
		if (!cubo_strv_contains(set, add[i]))
			cubo_strv_push(&set, &n, add[i]);
	strlist_set(caps, set);
	cubo_strv_free(set);
}

static void add_mount(struct oci_config *cfg, const char *dest, const char *type,
		      const char *source, char *const *options)
{
	struct oci_mount *m = xrealloc(cfg->mounts, (cfg->n_mounts + 1) * sizeof(*m));
	cfg->mounts = m;
	m = &cfg->mounts[cfg->n_mounts++];
	memset(m, 0, sizeof(*m));
	m->destination = xstrdup(dest);
	m->type = xstrdup(type);
	m->source = xstrdup(source);
	if (options)
		strlist_set(&m->options, options);
}

static void drop_option(struct oci_mount *m, const char *opt)
{
	for (size_t i = 0; i < m->options.n; i++)
		if (!strcmp(m->options.v[i], opt)) {
			free(m->options.v[i]);
			memmove(&m->options.v[i], &m->options.v[i + 1],
				(m->options.n - i) * sizeof(char *));
			m->options.n--;
			return;
		}
}

/* --shm-size: the size= option of /dev/shm's mount, in bytes. */
static void shm_size(struct oci_mount *m, int64_t bytes)
{
	for (size_t i = 0; i < m->options.n; i++)
		if (!strncmp(m->options.v[i], "size=", 5)) {
			free(m->options.v[i]);
			m->options.v[i] = xasprintf("size=%lld", (long long)bytes);
		}
}

static void mounts(const struct bundle_input *in, struct oci_config *cfg)
{
	const struct ctr_opts *o = in->opts;
	const char *ipc = o->ipc_mode ? o->ipc_mode : "";
	for (size_t i = 0; i < N(base_mounts); i++) {
		const struct mount_def *d = &base_mounts[i];
		bool shm = !strcmp(d->dest, "/dev/shm");
		if (shm && !strcmp(ipc, "none")) /* docker's: no /dev/shm at all */
			continue;
		if (shm && !strcmp(ipc, "host")) { /* the host's, with its IPC namespace */
			char *const host_shm[] = {"rbind", "rprivate", "nosuid", "nodev", NULL};
			add_mount(cfg, d->dest, "bind", "/dev/shm", host_shm);
			continue;
		}
		if (in->rootless && !strcmp(d->dest, "/sys") && o->network &&
		    !strcmp(o->network, "host")) {
			char *const host_sys[] = {"rbind",  "rprivate", "nosuid",
						  "noexec", "nodev",	o->privileged ? NULL : "ro",
						  NULL};
			add_mount(cfg, d->dest, "bind", "/sys", host_sys);
			continue;
		}
		add_mount(cfg, d->dest, d->type, d->source, (char *const *)d->options);
		if (o->privileged && !strncmp(d->dest, "/sys", 4))
			drop_option(&cfg->mounts[cfg->n_mounts - 1], "ro");
		if (o->shm_size > 0 && !strcmp(d->dest, "/dev/shm"))
			shm_size(&cfg->mounts[cfg->n_mounts - 1], o->shm_size);
	}
	static const char *const etc_files[] = {"hostname", "hosts", "resolv.conf"};
	char *const bind_opts[] = {"rbind", "rprivate", NULL};
	for (size_t i = 0; in->etc_dir && i < N(etc_files); i++) {
		char *src = cubo_path_join(in->etc_dir, etc_files[i]);
		char dest[32];
		snprintf(dest, sizeof(dest), "/etc/%s", etc_files[i]);
		add_mount(cfg, dest, "bind", src, bind_opts);
		free(src);
	}
	for (size_t i = 0; i < o->n_volumes; i++) {
		const struct ctr_volume_spec *v = &o->volumes[i];
		/* docker 25: the mounts below a read-only bind are read-only too where it can */
		bool rro = v->readonly && !v->nonrecursive && !v->ro_top_only &&
			   (v->ro_recursive || in->recursive_ro);
		char *const opts[] = {v->nonrecursive ? "bind" : "rbind",
				      v->propagation[0] ? (char *)v->propagation : "rprivate",
				      v->readonly ? "ro" : NULL, rro ? "rro" : NULL, NULL};
		add_mount(cfg, v->dest, "bind", in->volume_sources[i], opts);
	}
	for (size_t i = 0; i < o->n_tmpfs; i++)
		add_mount(cfg, o->tmpfs[i].dest, "tmpfs", "tmpfs", o->tmpfs[i].options);
	if (o->init_path) {
		char *const init_opts[] = {"bind", "rprivate", "ro", "nosuid", "nodev", NULL};
		add_mount(cfg, BUNDLE_INIT_DEST, "bind", o->init_path, init_opts);
	}
}

static struct cubo_error *process(const struct bundle_input *in, struct oci_process *p,
				  const char *hostname)
{
	const struct ctr_opts *o = in->opts;
	const struct oci_image_runconfig *rc = runconfig(in->image);
	char **argv;
	CUBO_TRY(bundle_command(in->image, o, &argv));
	if (o->init_path) {
		/* the init is PID 1; the command runs as its child */
		size_t n = cubo_strv_len(argv);
		char **with = xcalloc(n + 3, sizeof(char *));
		with[0] = xstrdup(BUNDLE_INIT_DEST);
		with[1] = xstrdup("--");
		memcpy(with + 2, argv, n * sizeof(char *));
		free(argv);
		argv = with;
	}
	p->args.v = argv;
	p->args.n = cubo_strv_len(argv);
	const char *cwd = o->workdir ? o->workdir : rc->working_dir;
	if (!cwd || !cwd[0])
		cwd = "/";
	if (cwd[0] != '/')
		return cubo_error_new("the working directory \"%s\" is invalid: it needs to be an "
				      "absolute path",
				      cwd);
	p->cwd = xstrdup(cwd);
	p->terminal = o->tty;
	p->no_new_privileges = o->no_new_privileges;
	char **env = NULL;
	size_t n = 0;
	if (!cubo_strv_env_get(rc->env.v, "PATH"))
		cubo_strv_push(&env, &n,
			       "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	char *h = xasprintf("HOSTNAME=%s", hostname);
	cubo_strv_push(&env, &n, h);
	free(h);
	if (o->tty)
		cubo_strv_push(&env, &n, "TERM=xterm");
	char **with_image = run_opt_env_merge(env, rc->env.v);
	char **all = run_opt_env_merge(with_image, o->env);
	cubo_strv_free(env);
	cubo_strv_free(with_image);
	p->env.v = all;
	p->env.n = cubo_strv_len(all);
	if (o->n_ulimits) {
		p->rlimits = xcalloc(o->n_ulimits, sizeof(*p->rlimits));
		p->n_rlimits = o->n_ulimits;
		for (size_t i = 0; i < o->n_ulimits; i++) {
			p->rlimits[i].type = xstrdup(o->ulimits[i].type);
			p->rlimits[i].soft = o->ulimits[i].soft;
			p->rlimits[i].hard = o->ulimits[i].hard;
		}
	}
	p->capabilities = xcalloc(1, sizeof(*p->capabilities));
	capabilities(o, &p->capabilities->bounding);
	strlist_set(&p->capabilities->effective, p->capabilities->bounding.v);
	strlist_set(&p->capabilities->permitted, p->capabilities->bounding.v);
	return NULL;
}

static void throttle(const struct ctr_opts *o, enum blkio_dev_kind k, struct oci_throttle_list *l)
{
	l->n = o->n_blkio_devs[k];
	l->v = l->n ? xcalloc(l->n, sizeof(*l->v)) : NULL;
	for (size_t i = 0; i < l->n; i++)
		l->v[i] = (struct oci_throttle_device){.major = o->blkio_devs[k][i].major,
						       .minor = o->blkio_devs[k][i].minor,
						       .rate = o->blkio_devs[k][i].value};
}

/* --blkio-weight, --blkio-weight-device, --device-{read,write}-{bps,iops}. */
static void block_io(const struct ctr_opts *o, struct oci_resources *r)
{
	bool any = o->blkio_weight;
	for (size_t k = 0; k < N_BLKIO_DEV_KINDS; k++)
		any |= o->n_blkio_devs[k] > 0;
	if (!any)
		return;
	struct oci_block_io *b = xcalloc(1, sizeof(*b));
	r->block_io = b;
	b->has_weight = o->blkio_weight != 0;
	b->weight = o->blkio_weight;
	size_t nw = o->n_blkio_devs[BLKIO_WEIGHT_DEVICE];
	b->weight_device = nw ? xcalloc(nw, sizeof(*b->weight_device)) : NULL;
	b->n_weight_device = nw;
	for (size_t i = 0; i < nw; i++) {
		const struct blkio_dev *d = &o->blkio_devs[BLKIO_WEIGHT_DEVICE][i];
		b->weight_device[i] = (struct oci_weight_device){.major = d->major,
								 .minor = d->minor,
								 .has_weight = true,
								 .weight = (uint16_t)d->value};
	}
	throttle(o, BLKIO_READ_BPS, &b->throttle_read_bps);
	throttle(o, BLKIO_WRITE_BPS, &b->throttle_write_bps);
	throttle(o, BLKIO_READ_IOPS, &b->throttle_read_iops);
	throttle(o, BLKIO_WRITE_IOPS, &b->throttle_write_iops);
}

static void resources(const struct ctr_opts *o, struct oci_linux *l)
{
	struct oci_resources *r = xcalloc(1, sizeof(*r));
	l->resources = r;
	/* deny every device; the runtime allows the ones it creates */
	r->devices = xcalloc(1, sizeof(*r->devices));
	r->n_devices = 1;
	r->devices[0].access = xstrdup("rwm");
	if (o->privileged) { /* then allow every one */
		r->devices = xreallocarray(r->devices, 2, sizeof(*r->devices));
		r->devices[1] = (struct oci_device_cgroup){.allow = true, .access = xstrdup("rwm")};
		r->n_devices = 2;
	}
	if (o->memory > 0) {
		r->memory = xcalloc(1, sizeof(*r->memory));
		r->memory->has_limit = true;
		r->memory->limit = o->memory;
	}
	if (o->cpu_quota || o->cpu_period || o->cpu_rt_period || o->cpu_rt_runtime) {
		r->cpu = xcalloc(1, sizeof(*r->cpu));
		r->cpu->has_quota = o->cpu_quota != 0;
		r->cpu->quota = o->cpu_quota;
		r->cpu->has_period = o->cpu_period != 0;
		r->cpu->period = o->cpu_period;
		r->cpu->has_realtime_period = o->cpu_rt_period != 0;
		r->cpu->realtime_period = o->cpu_rt_period;
		r->cpu->has_realtime_runtime = o->cpu_rt_runtime != 0;
		r->cpu->realtime_runtime = o->cpu_rt_runtime;
	}
	if (o->memory_swap || o->memory_reservation) {
		if (!r->memory)
			r->memory = xcalloc(1, sizeof(*r->memory));
		r->memory->has_swap = o->memory_swap != 0;
		r->memory->swap = o->memory_swap;
		r->memory->has_reservation = o->memory_reservation > 0;
		r->memory->reservation = o->memory_reservation;
	}
	if (o->cpu_shares || o->cpuset_cpus || o->cpuset_mems) {
		if (!r->cpu)
			r->cpu = xcalloc(1, sizeof(*r->cpu));
		r->cpu->has_shares = o->cpu_shares > 0;
		r->cpu->shares = o->cpu_shares;
		r->cpu->cpus = xstrdup(o->cpuset_cpus);
		r->cpu->mems = xstrdup(o->cpuset_mems);
	}
	if (o->has_memory_swappiness || o->oom_kill_disable) {
		if (!r->memory)
			r->memory = xcalloc(1, sizeof(*r->memory));
		r->memory->has_swappiness = o->has_memory_swappiness;
		r->memory->swappiness = (uint64_t)o->memory_swappiness;
		r->memory->has_disable_oom_killer = o->oom_kill_disable;
		r->memory->disable_oom_killer = o->oom_kill_disable;
	}
	block_io(o, r);
	if (o->pids_limit) {
		r->pids = xcalloc(1, sizeof(*r->pids));
		r->pids->limit = o->pids_limit;
	}
}

/*
 * --privileged's and --device's nodes (a path given twice: the last one),
 * each allowed in the device cgroup, then --device-cgroup-rule's rules.
 */
static void devices(const struct ctr_opts *o, struct oci_linux *l)
{
	struct oci_resources *r = l->resources;
	size_t nd = o->devices.n, nr = o->n_cgroup_rules;
	l->devices = nd ? xcalloc(nd, sizeof(*l->devices)) : NULL;
	r->devices = xreallocarray(r->devices, r->n_devices + nd + nr, sizeof(*r->devices));
	for (size_t i = 0; i < nd; i++) {
		const struct ctr_device *d = &o->devices.v[i];
		bool later = false;
		for (size_t j = i + 1; j < nd && !later; j++)
			later = !strcmp(o->devices.v[j].path, d->path);
		if (!later)
			device_to_oci(d, &l->devices[l->n_devices++], &r->devices[r->n_devices++]);
	}
	for (size_t i = 0; i < nr; i++) {
		struct oci_device_cgroup *c = &r->devices[r->n_devices++];
		*c = o->cgroup_rules[i];
		c->type = xstrdup(c->type);
		c->access = xstrdup(c->access);
	}
}

/* "key=value" (--sysctl, --annotation) -> a map; a key given twice keeps its last value. */
static void kv_map(char *const *kv, struct oci_map *map)
{
	char **merged = run_opt_env_merge(NULL, kv);
	map->n = cubo_strv_len(merged);
	map->v = map->n ? xcalloc(map->n, sizeof(*map->v)) : NULL;
	for (size_t i = 0; i < map->n; i++) {
		const char *eq = strchr(merged[i], '=');
		map->v[i].key = xstrndup(merged[i], (size_t)(eq - merged[i]));
		map->v[i].value = xstrdup(eq + 1);
	}
	cubo_strv_free(merged);
}

/* The namespace mode of a type: "host", "container:ID", ... or NULL (its own). */
static const char *ns_mode(const struct ctr_opts *o, const char *type)
{
	if (!strcmp(type, "network"))
		return o->network;
	if (!strcmp(type, "pid"))
		return o->pid_mode;
	if (!strcmp(type, "ipc"))
		return o->ipc_mode;
	if (!strcmp(type, "uts"))
		return o->uts_mode;
	if (!strcmp(type, "cgroup"))
		return o->cgroupns_mode;
	return NULL;
}

/*
 * Every namespace but those the host's flags share; one of another
 * container's gets its path when the container starts (monitor.c).
 */
static void namespaces(const struct bundle_input *in, struct oci_linux *l)
{
	static const char *const types[] = {"pid", "ipc", "uts", "mount", "network", "cgroup"};
	l->namespaces = xcalloc(N(types), sizeof(*l->namespaces));
	for (size_t i = 0; i < N(types); i++) {
		const char *mode = ns_mode(in->opts, types[i]);
		if (mode && !strcmp(mode, "host"))
			continue;
		if (!strcmp(types[i], "network") && in->netns)
			l->namespaces[l->n_namespaces].path = xstrdup(in->netns);
		l->namespaces[l->n_namespaces++].type = xstrdup(types[i]);
	}
}

struct cubo_error *bundle_build(const struct bundle_input *in, struct oci_config **out)
{
	const struct ctr_opts *o = in->opts;
	struct oci_config *cfg = xcalloc(1, sizeof(*cfg));
	cfg->oci_version = xstrdup("1.2.0");
	cfg->root = xcalloc(1, sizeof(*cfg->root));
	cfg->root->path = xstrdup("rootfs");
	cfg->root->readonly = o->read_only;
	char short_id[13];
	snprintf(short_id, sizeof(short_id), "%.12s", in->id);
	const char *hostname = o->hostname ? o->hostname : short_id;
	/* the host's UTS namespace keeps its names: the runtime must not set them */
	if (!o->uts_mode)
		cfg->hostname = xstrdup(hostname);
	cfg->domainname = xstrdup(o->domainname);
	kv_map(o->annotations, &cfg->annotations);
	cfg->process = xcalloc(1, sizeof(*cfg->process));
	struct cubo_error *err = process(in, cfg->process, hostname);
	if (err) {
		oci_config_free(cfg);
		return err;
	}
	mounts(in, cfg);
	struct oci_linux *l = xcalloc(1, sizeof(*l));
	cfg->linux_ = l;
	namespaces(in, l);
	resources(o, l);
	l->cgroups_path = runtime_cgroups_path(in->systemd_cgroup, o->cgroup_parent, in->id);
	kv_map(o->sysctls, &l->sysctl);
	if (o->has_oom_score_adj) {
		cfg->process->has_oom_score_adj = true;
		cfg->process->oom_score_adj = o->oom_score_adj;
	}
	devices(o, l);
	if (!o->privileged) {
		strlist_set(&l->masked_paths, (char *const *)masked_paths);
		strlist_set(&l->readonly_paths, (char *const *)readonly_paths);
	}
	if (!o->seccomp_unconfined && !o->privileged && !o->seccomp_profile)
		l->seccomp = ctr_seccomp_default(cfg->process->capabilities->bounding.v);
	if (!o->privileged && o->seccomp_profile) { /* its rules for this container's caps */
		struct seccomp_host h;
		char release[65];
		seccomp_host_native(&h, release);
		h.caps = cfg->process->capabilities->bounding.v;
		err = seccomp_profile_convert(o->seccomp_profile, o->seccomp_profile_len,
					      o->seccomp_file, &h, &l->seccomp);
		if (err) {
			oci_config_free(cfg);
			return cubo_error_wrap(err, "--security-opt seccomp");
		}
	}
	*out = cfg;
	return NULL;
}

bool bundle_apply_user(struct oci_config *cfg, const struct ctr_user *u)
{
	struct oci_process *p = cfg->process;
	bool same = p->user.uid == u->uid && p->user.gid == u->gid &&
		    p->user.n_additional_gids == u->n_groups &&
		    (!u->n_groups ||
		     !memcmp(p->user.additional_gids, u->groups, u->n_groups * sizeof(uint32_t))) &&
		    cubo_strv_env_get(p->env.v, "HOME");
	if (same)
		return false;
	p->user.uid = u->uid;
	p->user.gid = u->gid;
	free(p->user.additional_gids);
	p->user.additional_gids = NULL;
	p->user.n_additional_gids = u->n_groups;
	if (u->n_groups) {
		p->user.additional_gids = xcalloc(u->n_groups, sizeof(uint32_t));
		memcpy(p->user.additional_gids, u->groups, u->n_groups * sizeof(uint32_t));
	}
	if (cubo_strv_env_get(p->env.v, "HOME"))
		return true;
	char *home = xasprintf("HOME=%s", u->home ? u->home : "/");
	strlist_add(&p->env, home);
	free(home);
	return true;
}

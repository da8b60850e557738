/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The starter config `cubo-runc spec` writes: the same content as `runc spec`
 * (libcontainer/specconv Example and ToRootless), so bundles made for one
 * runtime run on the other.
 */
#include <stdlib.h>
#include <string.h>

#include "shared/json.h"
#include "shared/xalloc.h"
#include "spec/config.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void set_strlist(struct oci_strlist *l, const char *const *v, size_t n)
{
	l->v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		l->v[i] = xstrdup(v[i]);
	l->n = n;
}

#define SET_STRLIST(l, arr) set_strlist(l, arr, N(arr))

struct mount_def {
	const char *destination, *type, *source;
	const char *options[8];
};

static const struct mount_def default_mounts[] = {
	{"/proc", "proc", "proc", {NULL}},
	{"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
	{"/dev/pts",
	 "devpts",
	 "devpts",
	 {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
	{"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
	{"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
	{"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}},
	{"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}},
};

/* Rootless: sysfs cannot be mounted without owning the network namespace: bind the host's. */
static const struct mount_def rootless_sys = {
	"/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}};

static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"TERM=xterm",
};

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};

static const char *const default_masked[] = {
	"/proc/acpi",	       "/proc/asound",	   "/proc/kcore",	"/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/sys/firmware",       "/proc/scsi",
};

static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static const char *const default_namespaces[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};

/* An option that a user namespace cannot honour: ids of the host. */
static bool is_id_option(const char *opt)
{
	return strncmp(opt, "gid=", 4) == 0 || strncmp(opt, "uid=", 4) == 0;
}

static void set_mount(struct oci_mount *m, const struct mount_def *d, bool rootless)
{
	size_t n = 0;

	m->destination = xstrdup(d->destination);
	m->type = xstrdup(d->type);
	m->source = xstrdup(d->source);
	if (!d->options[0])
		return;
	m->options.v = xcalloc(N(d->options) + 1, sizeof(char *));
	for (size_t i = 0; i < N(d->options) && d->options[i]; i++)
		if (!rootless || !is_id_option(d->options[i]))
			m->options.v[n++] = xstrdup(d->options[i]);
	m->options.n = n;
}

static struct oci_process *default_process(void)
{
	struct oci_process *p = xcalloc(1, sizeof(*p));
	static const char *const args[] = {"sh"};

	p->terminal = true;
	SET_STRLIST(&p->args, args);
	SET_STRLIST(&p->env, default_env);
	p->cwd = xstrdup("/");
	p->capabilities = xcalloc(1, sizeof(*p->capabilities));
	SET_STRLIST(&p->capabilities->bounding, default_caps);
	SET_STRLIST(&p->capabilities->effective, default_caps);
	SET_STRLIST(&p->capabilities->permitted, default_caps);
	p->rlimits = xcalloc(1, sizeof(*p->rlimits));
	p->n_rlimits = 1;
	p->rlimits[0].type = xstrdup("RLIMIT_NOFILE");
	p->rlimits[0].soft = 1024;
	p->rlimits[0].hard = 1024;
	p->no_new_privileges = true;
	return p;
}

static void add_namespace(struct oci_linux *l, const char *type)
{
	l->namespaces[l->n_namespaces++].type = xstrdup(type);
}

static struct oci_linux *default_linux(bool rootless, uint32_t uid, uint32_t gid)
{
	struct oci_linux *l = xcalloc(1, sizeof(*l));

	SET_STRLIST(&l->masked_paths, default_masked);
	SET_STRLIST(&l->readonly_paths, default_readonly);
	l->namespaces = xcalloc(N(default_namespaces) + 1, sizeof(*l->namespaces));
	for (size_t i = 0; i < N(default_namespaces); i++)
		/* rootless: no network namespace, nothing could set up its interfaces */
		if (!rootless || strcmp(default_namespaces[i], "network") != 0)
			add_namespace(l, default_namespaces[i]);
	if (!rootless) {
		/* deny every device; the runtime allows the default ones it creates */
		l->resources = xcalloc(1, sizeof(*l->resources));
		l->resources->devices = xcalloc(1, sizeof(*l->resources->devices));
		l->resources->n_devices = 1;
		l->resources->devices[0].allow = false;
		l->resources->devices[0].access = xstrdup("rwm");
		return l;
	}
	add_namespace(l, "user");
	l->uid_mappings = xcalloc(1, sizeof(*l->uid_mappings));
	l->uid_mappings[0] = (struct oci_id_mapping){.container_id = 0, .host_id = uid, .size = 1};
	l->n_uid_mappings = 1;
	l->gid_mappings = xcalloc(1, sizeof(*l->gid_mappings));
	l->gid_mappings[0] = (struct oci_id_mapping){.container_id = 0, .host_id = gid, .size = 1};
	l->n_gid_mappings = 1;
	return l;
}

struct cubo_error *oci_config_default(bool rootless, uint32_t uid, uint32_t gid,
				      struct oci_config **out)
{
	struct oci_config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->oci_version = xstrdup("1.2.0");
	cfg->root = xcalloc(1, sizeof(*cfg->root));
	cfg->root->path = xstrdup("rootfs");
	cfg->root->readonly = true;
	cfg->process = default_process();
	cfg->hostname = xstrdup("cubo");
	cfg->mounts = xcalloc(N(default_mounts), sizeof(*cfg->mounts));
	cfg->n_mounts = N(default_mounts);
	for (size_t i = 0; i < N(default_mounts); i++) {
		const struct mount_def *d = &default_mounts[i];
		if (rootless && strcmp(d->destination, "/sys") == 0)
			d = &rootless_sys;
		set_mount(&cfg->mounts[i], d, rootless);
	}
	cfg->linux_ = default_linux(rootless, uid, gid);
	*out = cfg;
	return NULL;
}

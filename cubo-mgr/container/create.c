/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Making a container: an image and checked options become a container
 * directory (the OCI bundle, its /etc files, the rootfs mount point and
 * the record), named atomically; what run and create share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cubo-mgr/container/bundle.h"
#include "cubo-mgr/container/cdi.h"
#include "cubo-mgr/container/create.h"
#include "cubo-mgr/container/health.h"
#include "cubo-mgr/container/volumes_from.h"
#include "cubo-mgr/container/libexec.h"
#include "cubo-mgr/container/rootfs.h"
#include "cubo-mgr/container/runtime.h"
#include "cubo-mgr/container/volume.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/net/endpoint.h"
#include "cubo-mgr/net/hosts.h"
#include "cubo-mgr/net/netns.h"
#include "cubo-mgr/net/ports.h"
#include "cubo-mgr/net/store.h"
#include "cubo-mgr/net/usernet.h"
#include "cubo-mgr/userns/userns.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/strv.h"
#include "shared/testpoint.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

void ctr_image_free(struct ctr_image *ii)
{
	free(ii->name);
	if (ii->config)
		oci_image_config_free(ii->config);
	cubo_strv_free(ii->layers);
}

static struct cubo_error *write_etc_files(const char *dir, const char *hostname, const char *name,
					  const struct ctr_opts *o)
{
	bool host_net = !strcmp(o->network, "host");
	char *p = cubo_path_join(dir, "hostname");
	char line[128];
	int n = snprintf(line, sizeof(line), "%s\n", hostname);
	struct cubo_error *err = cubo_write_file_replace(p, line, (size_t)n, 0644);
	free(p);
	CUBO_TRY(err);
	p = cubo_path_join(dir, "hosts");
	if (host_net) {
		char *host = NULL, *text;
		size_t len;
		cubo_error_free(cubo_read_file("/etc/hosts", &host, &len));
		text = hosts_append_add_hosts(host ? host : "127.0.0.1\tlocalhost\n", o->add_hosts);
		err = cubo_write_file_replace(p, text, strlen(text), 0644);
		free(text);
		free(host);
	} else {
		/* the monitor adds the address and the peers once it has them */
		char *const names[] = {(char *)name, NULL};
		char *hosts = hosts_render(NULL, hostname, names, o->add_hosts, NULL, NULL);
		err = cubo_write_file_replace(p, hosts, strlen(hosts), 0644);
		free(hosts);
	}
	free(p);
	CUBO_TRY(err);
	p = cubo_path_join(dir, "resolv.conf");
	char *host = NULL;
	size_t len;
	cubo_error_free(cubo_read_file("/etc/resolv.conf", &host, &len));
	/* pasta and slirp4netns answer on an address of their own */
	char *const tool_dns[] = {(char *)usernet_dns(o->network), NULL};
	char *const *dns = !o->dns && usernet_is_mode(o->network) ? tool_dns : o->dns;
	char *text = resolv_render(host, dns, o->dns_search, o->dns_options, !host_net);
	err = cubo_write_file_replace(p, text, strlen(text), 0644);
	free(text);
	free(host);
	free(p);
	return err;
}

/* The image's VOLUMEs that no -v covers get anonymous volumes, as in docker. */
static struct cubo_error *add_image_volumes(const struct oci_image_config *img, struct ctr_opts *o)
{
	const struct oci_strlist *vols = img->config ? &img->config->volumes : NULL;
	for (size_t i = 0; vols && i < vols->n; i++) {
		const char *dest = vols->v[i];
		bool covered = dest[0] != '/';
		for (size_t j = 0; !covered && j < o->n_volumes; j++)
			covered = !strcmp(o->volumes[j].dest, dest);
		for (size_t j = 0; !covered && j < o->n_tmpfs; j++)
			covered = !strcmp(o->tmpfs[j].dest, dest);
		if (covered)
			continue;
		o->volumes = xreallocarray(o->volumes, o->n_volumes + 2, sizeof(*o->volumes));
		o->volumes[o->n_volumes++] =
			(struct ctr_volume_spec){.dest = xstrdup(dest), .named = true};
	}
	return NULL;
}

/* Named and anonymous volumes exist before the container refers to them. */
static struct cubo_error *prepare_volumes(const char *root, struct ctr_opts *o, char ***sources,
					  char ***names)
{
	size_t ns = 0, nn = 0;
	for (size_t i = 0; i < o->n_volumes; i++) {
		struct ctr_volume_spec *v = &o->volumes[i];
		if (!v->named) {
			struct stat st;
			if (stat(v->source, &st) < 0) {
				if (errno != ENOENT)
					return cubo_error_errno("-v %s", v->source);
				/* docker makes a missing host directory for -v, not --mount */
				if (v->must_exist)
					return cubo_error_new("--mount: invalid mount config for "
							      "type \"bind\": bind source path "
							      "does not exist: %s",
							      v->source);
				CUBO_TRY_CTX(cubo_mkdir_p(v->source, 0755), "-v %s", v->source);
			}
			cubo_strv_push(sources, &ns, v->source);
			continue;
		}
		struct ctr_volume vol;
		bool existed;
		CUBO_TRY(volume_create(root, v->source, v->labels, &vol, &existed));
		if (v->nocopy)
			CUBO_TRY(volume_skip_fill(&vol));
		/* silent: the container's own create event warns if the journal fails */
		if (!existed)
			ev_volume(root, "create", vol.name, NULL, NULL);
		cubo_strv_push(sources, &ns, vol.mountpoint);
		cubo_strv_push(names, &nn, vol.name);
		ctr_volume_free(&vol);
	}
	if (!*sources)
		*sources = xcalloc(1, sizeof(char *));
	return NULL;
}

/*
 * The networks exist (the default one is made on first use), -P's ports
 * are added, and a CNI container gets the path of its namespace-to-be.
 */
static struct cubo_error *check_networks(const char *root, const struct oci_image_config *img,
					 struct ctr_opts *o, char **netns, const char *id)
{
	*netns = NULL;
	if (o->publish_all && img->config)
		CUBO_TRY(ports_add_exposed(img->config->exposed_ports.v,
					   img->config->exposed_ports.n, &o->ports, &o->n_ports));
	if (o->publish_all) /* docker's -P: --expose's ports as well */
		CUBO_TRY(ports_add_exposed(o->expose, cubo_strv_len(o->expose), &o->ports,
					   &o->n_ports));
	if (!strcmp(o->network, "none") || !strcmp(o->network, "host")) {
		if (o->n_ports && !strcmp(o->network, "host"))
			fprintf(stderr, "WARNING: published ports are discarded when using host "
					"network mode\n");
		return NULL;
	}
	/* bridges, veths and rules need the host's root: pasta or slirp4netns instead */
	if (userns_rootless()) {
		const char *mode;
		if (o->networks[0] && o->networks[1])
			return cubo_error_new(
				"--network %s: a rootless container joins one network "
				"(pasta or slirp4netns)",
				o->networks[1]);
		CUBO_TRY(usernet_choose(o->network, net_is_default(o->network), &mode));
		CUBO_TRY(usernet_check_ports(mode, o->ports, o->n_ports));
		/* the record, ps and inspect name the tool */
		free(o->network);
		o->network = xstrdup(mode);
		free(o->networks[0]);
		o->networks[0] = xstrdup(mode);
		*netns = netns_path(id);
		return NULL;
	}
	for (size_t i = 0; i < o->n_ports; i++)
		if (strchr(o->ports[i].host_ip, ':'))
			return cubo_error_new("-p [%s]:...: networks are IPv4 only; publish on an "
					      "IPv4 address",
					      o->ports[i].host_ip);
	struct net_store s;
	CUBO_TRY(net_store_open(root, &s));
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && o->networks[i]; i++) {
		struct net_def d;
		err = net_store_get(&s, o->networks[i], &d, NULL, NULL);
		if (err) {
			err = cubo_error_wrap(err, "--network \"%s\"", o->networks[i]);
			break;
		}
		err = net_endpoint_check(o->net_endpoints, &d);
		net_def_free(&d);
	}
	net_store_close(&s);
	if (!err)
		*netns = netns_path(id);
	return err;
}

struct cubo_error *ctr_init_path(const char *given, char **out)
{
	if (given) {
		if (given[0] != '/')
			return cubo_error_new("--init-path \"%s\": expected an absolute path",
					      given);
		if (!libexec_is_executable(given))
			return cubo_error_new("--init-path \"%s\": not an executable file", given);
		*out = xstrdup(given);
		return NULL;
	}
	if ((*out = libexec_find("cubo-init")))
		return NULL;
	static const char *const others[] = {"/usr/bin/catatonit", "/usr/libexec/podman/catatonit",
					     "/usr/bin/tini-static"};
	for (size_t i = 0; i < sizeof(others) / sizeof(*others); i++)
		if (libexec_is_executable(others[i])) {
			*out = xstrdup(others[i]);
			return NULL;
		}
	return cubo_error_new("--init: no init binary found (looked for %s/cubo-init, catatonit "
			      "and tini-static); give one with --init-path",
			      PKGLIBEXECDIR);
}

/* --pid/--ipc container:NAME -> container:ID: the container must exist now, and run at start. */
static struct cubo_error *resolve_ns_join(const struct ctr_store *store, const char *flag,
					  char **mode)
{
	if (!*mode || strncmp(*mode, "container:", 10))
		return NULL;
	char id[CTR_ID_LEN + 1];
	CUBO_TRY_CTX(ctr_store_resolve(store, *mode + 10, id), "%s %s", flag, *mode);
	free(*mode);
	*mode = xasprintf("container:%s", id);
	return NULL;
}

/* The running kernel's version is MAJOR.MINOR or later. */
static bool kernel_at_least(unsigned major, unsigned minor)
{
	struct utsname u;
	unsigned a = 0, b = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &a, &b) != 2)
		return false;
	return a > major || (a == major && b >= minor);
}

struct cubo_error *ctr_create(const struct ctr_create_input *in, struct ctr_created *out)
{
	struct ctr_opts *o = in->opts;
	const struct ctr_image *ii = in->image;
	char *tmp = NULL, *name = NULL, **sources = NULL, **vol_names = NULL;
	int lock = -1;
	struct oci_config *cfg = NULL;
	struct ctr_record rec = {0};
	/* what killed creates and removals left goes first: their names are free again */
	struct cubo_error *err = ctr_reconcile_store(in->store);
	if (!err)
		err = ctr_new_id(out->id);
	if (!err)
		err = ctr_store_begin(in->store, out->id, &tmp, &lock);
	if (!err && o->cgroup_parent)
		err = cgroup_parent_check(o->cgroup_parent, in->systemd_cgroup);
	if (!err)
		err = resolve_ns_join(in->store, "--pid", &o->pid_mode);
	if (!err)
		err = resolve_ns_join(in->store, "--ipc", &o->ipc_mode);
	for (size_t i = 0; !err && o->volumes_from && o->volumes_from[i]; i++)
		err = volumes_from_add(in->store, o->volumes_from[i], o);
	if (!err)
		err = add_image_volumes(ii->config, o);
	if (!err)
		err = prepare_volumes(in->root, o, &sources, &vol_names);
	/* known from here on: an abort must not remove them either */
	size_t nbv = 0;
	for (size_t i = 0; i < o->n_volumes; i++)
		if (o->volumes[i].borrowed && o->volumes[i].named)
			cubo_strv_push(&rec.borrowed_volumes, &nbv, o->volumes[i].source);
	cubo_test_point("create-after-volumes");
	char *netns = NULL;
	if (!err)
		err = check_networks(in->root, ii->config, o, &netns, out->id);
	struct bundle_input bi = {.id = out->id,
				  .image = ii->config,
				  .opts = o,
				  .volume_sources = sources,
				  .etc_dir = NULL,
				  .netns = netns,
				  .systemd_cgroup = in->systemd_cgroup,
				  .recursive_ro = kernel_at_least(5, 12),
				  .rootless = userns_rootless()};
	if (!err) {
		/* the files are bound from the container's final directory */
		bi.etc_dir = ctr_store_dir(in->store, out->id);
		err = bundle_build(&bi, &cfg);
		free((char *)bi.etc_dir);
	}
	char **cdi_gids = NULL;
	if (!err && o->cdi_devices)
		err = cdi_apply(o->cdi_spec_dirs, o->cdi_devices, cfg, &cdi_gids);
	char *json = NULL;
	size_t len;
	if (!err)
		err = oci_config_to_json(cfg, true, &json, &len);
	if (!err) {
		/* plain writes: the commit makes the directory durable in one go */
		char *p = cubo_path_join(tmp, "config.json");
		err = cubo_write_file_replace(p, json, len, 0600);
		free(p);
	}
	cubo_test_point("create-after-bundle");
	if (!err && !o->name)
		err = ctr_store_pick_name(in->store, &name);
	if (!err)
		err = write_etc_files(tmp, cfg->hostname ? cfg->hostname : o->hostname,
				      o->name ? o->name : name, o);
	if (!err)
		err = rootfs_prepare(tmp);
	if (!err) {
		const struct oci_image_runconfig *rc = ii->config->config;
		memcpy(rec.id, out->id, sizeof(rec.id));
		rec.name = xstrdup(o->name ? o->name : name);
		rec.image = xstrdup(in->image_ref);
		rec.image_id = xstrdup(ii->image_id);
		/* ps shows the command, not the init before it */
		rec.command =
			run_opt_command_line(cfg->process->args.v + (o->init_path ? 2 : 0), 0);
		rec.layers = cubo_strv_dup(ii->layers);
		rec.runtime = xstrdup(in->runtime);
		rec.cgroup_manager =
			xstrdup(in->systemd_cgroup ? RUNTIME_SYSTEMD : RUNTIME_CGROUPFS);
		size_t np = 0;
		for (size_t i = 0; i < o->n_ports; i++) {
			char b[96];
			run_opt_format_port(&o->ports[i], b, sizeof(b));
			cubo_strv_push(&rec.ports, &np, b);
		}
		rec.volumes = cubo_strv_dup(vol_names);
		rec.networks = cubo_strv_dup(o->networks);
		rec.net_aliases = cubo_strv_dup(o->net_aliases);
		rec.net_endpoints = cubo_strv_dup(o->net_endpoints);
		rec.dns = cubo_strv_dup(o->dns);
		rec.dns_search = cubo_strv_dup(o->dns_search);
		rec.add_hosts = cubo_strv_dup(o->add_hosts);
		rec.user = o->user ? xstrdup(o->user)
				   : (rc && rc->user && rc->user[0] ? xstrdup(rc->user) : NULL);
		rec.stop_signal = xstrdup(o->stop_signal	  ? o->stop_signal
					  : rc && rc->stop_signal ? rc->stop_signal
								  : "SIGTERM");
		rec.stop_timeout = o->stop_timeout;
		rec.healthcheck = health_merge(rc ? rc->healthcheck : NULL, o->healthcheck);
		restart_policy_set(&rec, &o->restart);
		rec.log_driver = xstrdup(o->log_driver);
		rec.log_opts = cubo_strv_dup(o->log_opts);
		rec.init = o->init_path != NULL;
		rec.privileged = o->privileged;
		rec.devices = cubo_strv_dup(o->device_args);
		rec.device_cgroup_rules = cubo_strv_dup(o->cgroup_rule_args);
		rec.dns_options = cubo_strv_dup(o->dns_options);
		rec.pid_mode = xstrdup(o->pid_mode);
		rec.ipc_mode = xstrdup(o->ipc_mode);
		rec.uts_mode = xstrdup(o->uts_mode);
		rec.cgroupns_mode = xstrdup(o->cgroupns_mode);
		rec.cgroup_parent = xstrdup(o->cgroup_parent);
		rec.nano_cpus = o->nano_cpus;
		size_t nvd = 0;
		for (size_t i = 0; i < o->n_volumes; i++)
			cubo_strv_push(&rec.volume_dests, &nvd, o->volumes[i].dest);
		rec.volumes_from = cubo_strv_dup(o->volumes_from);
		size_t nb = 0;
		for (size_t k = 0; k < N_BLKIO_DEV_KINDS; k++)
			for (size_t i = 0; i < o->n_blkio_devs[k]; i++) {
				char *e = xasprintf("%s=%s:%llu", blkio_dev_flag(k) + 2,
						    o->blkio_devs[k][i].path,
						    (unsigned long long)o->blkio_devs[k][i].value);
				cubo_strv_push(&rec.blkio_devices, &nb, e);
				free(e);
			}
		rec.exposed = run_opt_expose_merge(rc ? rc->exposed_ports.v : NULL,
						   rc ? rc->exposed_ports.n : 0, o->expose);
		size_t nt = 0;
		for (size_t i = 0; i < o->n_tmpfs; i++) {
			const struct ctr_tmpfs *t = &o->tmpfs[i];
			char *kv = xasprintf("%s%s%s", t->dest, t->given[0] ? ":" : "", t->given);
			cubo_strv_push(&rec.tmpfs, &nt, kv);
			free(kv);
		}
		rec.shm_size = o->shm_size;
		/* the user's groups are found again at start: CDI's go with --group-add's */
		rec.group_add = run_opt_env_merge(o->group_add, cdi_gids);
		if (!rec.group_add[0]) {
			cubo_strv_free(rec.group_add);
			rec.group_add = NULL;
		}
		/* the image's labels, then --label over them */
		char **img_labels = NULL;
		size_t nil = 0;
		for (size_t i = 0; rc && i < rc->labels.n; i++) {
			char *kv = xasprintf("%s=%s", rc->labels.v[i].key,
					     rc->labels.v[i].value ? rc->labels.v[i].value : "");
			cubo_strv_push(&img_labels, &nil, kv);
			free(kv);
		}
		rec.labels = run_opt_env_merge(img_labels, o->labels);
		cubo_strv_free(img_labels);
		if (!rec.labels[0]) {
			cubo_strv_free(rec.labels);
			rec.labels = NULL;
		}
		rec.auto_remove = o->auto_remove;
		rec.tty = o->tty;
		rec.interactive = o->interactive;
		rec.status = CTR_CREATED;
		cubo_time_now_rfc3339(rec.created);
		err = ctr_record_write(tmp, &rec, false);
	}
	cubo_test_point("create-before-commit");
	if (!err)
		err = ctr_store_commit(in->store, tmp, out->id, rec.name, !o->auto_remove);
	cubo_test_point("create-after-commit");
	if (err && tmp) {
		ctr_store_abort(tmp, lock);
		lock = -1;
		/* anonymous volumes made for it go with it */
		for (size_t i = 0; vol_names && vol_names[i]; i++) {
			struct ctr_volume v;
			if (cubo_strv_contains(rec.borrowed_volumes, vol_names[i]))
				continue;
			if (!volume_get(in->root, vol_names[i], &v)) {
				if (v.anonymous)
					cubo_error_free(volume_remove(in->root, vol_names[i]));
				ctr_volume_free(&v);
			}
		}
	}
	if (lock >= 0)
		cubo_unlock(lock);
	if (!err) {
		out->name = rec.name;
		rec.name = NULL;
		out->tty = o->tty;
		out->interactive = o->interactive;
		out->auto_remove = o->auto_remove;
	}
	ctr_record_free(&rec);
	free(json);
	free(netns);
	if (cfg)
		oci_config_free(cfg);
	free(tmp);
	free(name);
	cubo_strv_free(sources);
	cubo_strv_free(vol_names);
	cubo_strv_free(cdi_gids);
	return err;
}

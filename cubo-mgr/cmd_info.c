/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr info: the setup, and counts of what the root directory holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/logconf.h"
#include "cubo-mgr/container/volume.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/image/store.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* "2" on a unified host, "1" on a v1 host, "1 (hybrid)" with a v2 hierarchy beside. */
static const char *cgroup_version(void)
{
	struct statfs fs;
	if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return "2";
	if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return "1 (hybrid)";
	return "1";
}

struct counts {
	size_t containers, running, paused, stopped, images, volumes;
};

static struct cubo_error *count(struct mgr *m, struct ctr_ctx *c, struct counts *k)
{
	memset(k, 0, sizeof(*k));
	struct ctr_record *v;
	size_t n;
	CUBO_TRY(ctr_store_list(&c->store, &v, &n));
	for (size_t i = 0; i < n; i++) {
		bool removed;
		cubo_error_free(ctr_reconcile_one(&c->store, &v[i], &removed));
		if (removed)
			continue;
		k->containers++;
		if (v[i].status == CTR_RUNNING)
			k->running++;
		else if (v[i].status == CTR_PAUSED)
			k->paused++;
		else
			k->stopped++;
	}
	ctr_records_free(v, n);
	struct store *s;
	CUBO_TRY(store_open(m->root, &s));
	struct store_image *imgs;
	struct cubo_error *err = store_image_list(s, &imgs, &n);
	if (!err) {
		/* images, not names: count distinct manifests */
		for (size_t i = 0; i < n; i++) {
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = !strcmp(imgs[i].manifest.digest, imgs[j].manifest.digest);
			k->images += !seen;
		}
		store_images_free(imgs, n);
	}
	store_close(s);
	CUBO_TRY(err);
	struct ctr_volume *vols;
	CUBO_TRY(volume_list(m->root, &vols, &n));
	k->volumes = n;
	ctr_volumes_free(vols, n);
	return NULL;
}

int cmd_info(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"format", 'f', CLI_STRING, &format, "FORMAT",
		 "text (default), json, or a Go template (\"{{.ServerVersion}}\")"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "info",
		.usage = "info [OPTIONS]",
		.description = "Show the root directory, the runtime, counts of containers, "
			       "images\nand volumes, and facts about the host.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct mgr_format fmt;
	struct cubo_error *err =
		mgr_format_open(format && !strcmp(format, "text") ? NULL : format, &fmt);
	if (err)
		return mgr_usage_error(m, "info", err);
	struct ctr_ctx c;
	struct counts k;
	err = ctr_ctx_open(m, &c);
	if (!err && !(err = count(m, &c, &k))) {
		struct utsname u;
		uname(&u);
		struct sysinfo si;
		sysinfo(&si);
		unsigned long long mem = (unsigned long long)si.totalram * si.mem_unit;
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		/* what new containers get (--cgroup-manager, else the host decides) */
		const char *driver = c.rt.systemd_cgroup ? RUNTIME_SYSTEMD : RUNTIME_CGROUPFS;
		if (fmt.kind != MGR_FORMAT_DEFAULT) {
			struct cubo_json_gen *g;
			if (!(err = cubo_json_gen_new(false, &g))) {
				cubo_json_gen_map_open(g);
#define KU(k, v) (cubo_json_gen_key(g, k), cubo_json_gen_uint(g, v))
#define KS(k, v) (cubo_json_gen_key(g, k), cubo_json_gen_string(g, v))
				KU("Containers", k.containers);
				KU("ContainersRunning", k.running);
				KU("ContainersPaused", k.paused);
				KU("ContainersStopped", k.stopped);
				KU("Images", k.images);
				KU("Volumes", k.volumes);
				KS("ServerVersion", PACKAGE_VERSION);
				KS("Driver", "overlay");
				KS("LoggingDriver", log_driver_name(LOG_DRIVER_K8S_FILE));
				/* docker's Plugins.Log: every driver there is */
				cubo_json_gen_key(g, "Plugins");
				cubo_json_gen_map_open(g);
				cubo_json_gen_key(g, "Log");
				char **drivers = cubo_strv_split(LOG_DRIVER_NAMES, ' ');
				cubo_json_gen_strv(g, drivers, SIZE_MAX);
				cubo_strv_free(drivers);
				cubo_json_gen_map_close(g);
				KS("CgroupDriver", driver);
				KS("CgroupVersion", cgroup_version());
				KS("DefaultRuntime", c.rt.path);
				KS("KernelVersion", u.release);
				KS("Architecture", u.machine);
				KU("NCPU", (uint64_t)cpus);
				KU("MemTotal", mem);
				KS("RootDir", m->root);
#undef KU
#undef KS
				cubo_json_gen_map_close(g);
				if (!(err = mgr_format_add(&fmt, g)))
					mgr_format_flush(&fmt, NULL, 0);
			}
		} else {
			printf("Containers: %zu\n Running: %zu\n Paused: %zu\n Stopped: %zu\n"
			       "Images: %zu\nVolumes: %zu\nServer Version: %s\n"
			       "Storage Driver: overlay\nLogging Driver: %s\nPlugins:\n Log: %s\n"
			       "Cgroup Driver: %s\nCgroup Version: %s\n"
			       "Default Runtime: %s\nKernel Version: %s\nArchitecture: %s\n"
			       "CPUs: %ld\nTotal Memory: %.1fGiB\nRoot Dir: %s\n",
			       k.containers, k.running, k.paused, k.stopped, k.images, k.volumes,
			       PACKAGE_VERSION, log_driver_name(LOG_DRIVER_K8S_FILE),
			       LOG_DRIVER_NAMES, driver, cgroup_version(), c.rt.path, u.release,
			       u.machine, cpus, (double)mem / (1024.0 * 1024 * 1024), m->root);
		}
	}
	ctr_ctx_close(&c);
	mgr_format_close(&fmt);
	return err ? mgr_fail(m, err) : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr system df|prune|info: what the root directory holds and what
 * could go (images, containers' writable layers, volumes, the build
 * cache), and removing all of what nothing uses in one go.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/disk_usage.h"
#include "cubo-mgr/container/volume.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/image/progress.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image_view.h"
#include "shared/du.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* ---- df ---- */

/* One image of the store (its names folded into one), measured. */
struct df_img {
	char id[CUBO_DIGEST_LEN + 1];
	char *name; /* the first name, or NULL */
	char **digests;
	uint64_t *sizes;
	unsigned containers;
};

struct df_data {
	struct df_img *imgs;
	size_t n_imgs;
	struct ctr_record *ctrs;
	size_t n_ctrs;
	uint64_t *ctr_sizes;
	struct ctr_volume *vols;
	size_t n_vols;
	uint64_t *vol_sizes;
	unsigned *vol_links;
	uint64_t *img_unique;
	struct df_row rows[4]; /* images, containers, volumes, build cache */
};

static const char *const row_types[] = {"Images", "Containers", "Local Volumes", "Build Cache"};

static void df_data_free(struct df_data *d)
{
	for (size_t i = 0; i < d->n_imgs; i++) {
		free(d->imgs[i].name);
		cubo_strv_free(d->imgs[i].digests);
		free(d->imgs[i].sizes);
	}
	free(d->imgs);
	if (d->ctrs)
		ctr_records_free(d->ctrs, d->n_ctrs);
	free(d->ctr_sizes);
	ctr_volumes_free(d->vols, d->n_vols);
	free(d->vol_sizes);
	free(d->vol_links);
	free(d->img_unique);
}

static struct df_img *img_of(struct df_data *d, const char *id)
{
	for (size_t i = 0; i < d->n_imgs; i++)
		if (!strcmp(d->imgs[i].id, id))
			return &d->imgs[i];
	return NULL;
}

/* Every image once, its blobs from its manifest (the stored sizes). */
static struct cubo_error *df_images(struct mgr *m, struct df_data *d)
{
	struct store *s;
	CUBO_TRY(store_open(m->root, &s));
	struct store_image *list;
	size_t n;
	struct cubo_error *err = store_image_list(s, &list, &n);
	for (size_t i = 0; !err && i < n; i++) {
		struct oci_manifest *man;
		if (store_image_load(s, &list[i].manifest, &man, NULL))
			continue; /* half removed: not counted */
		struct df_img *img = img_of(d, man->config.digest);
		if (!img) {
			d->imgs = xrealloc(d->imgs, (d->n_imgs + 1) * sizeof(*d->imgs));
			img = &d->imgs[d->n_imgs++];
			memset(img, 0, sizeof(*img));
			memcpy(img->id, man->config.digest, sizeof(img->id));
			size_t k = 0;
			img->sizes = xcalloc(man->n_layers + 1, sizeof(*img->sizes));
			cubo_strv_push(&img->digests, &k, man->config.digest);
			img->sizes[0] = (uint64_t)man->config.size;
			for (size_t l = 0; l < man->n_layers; l++) {
				cubo_strv_push(&img->digests, &k, man->layers[l].digest);
				img->sizes[l + 1] = (uint64_t)man->layers[l].size;
			}
		}
		if (!img->name && list[i].name)
			img->name = xstrdup(list[i].name);
		oci_manifest_free(man);
	}
	if (!err)
		store_images_free(list, n);
	store_close(s);
	return err;
}

/* du of a container's writable layer or a volume, 0 when it cannot be read */
static uint64_t du_quiet(const char *path)
{
	uint64_t bytes = 0;
	cubo_error_free(cubo_du(path, &bytes));
	return bytes;
}

static struct cubo_error *df_measure(struct mgr *m, struct df_data *d)
{
	memset(d, 0, sizeof(*d));
	CUBO_TRY(df_images(m, d));
	struct ctr_ctx c;
	CUBO_TRY(ctr_ctx_open(m, &c));
	struct cubo_error *err = ctr_store_list(&c.store, &d->ctrs, &d->n_ctrs);
	if (!err)
		err = volume_list(m->root, &d->vols, &d->n_vols);
	d->ctr_sizes = xcalloc(d->n_ctrs + 1, sizeof(*d->ctr_sizes));
	d->vol_sizes = xcalloc(d->n_vols + 1, sizeof(*d->vol_sizes));
	d->vol_links = xcalloc(d->n_vols + 1, sizeof(*d->vol_links));
	for (size_t i = 0; !err && i < d->n_ctrs; i++) {
		const struct ctr_record *r = &d->ctrs[i];
		d->ctr_sizes[i] = ctr_disk_size(&c, r->id);
		df_row_add(&d->rows[1], d->ctr_sizes[i],
			   r->status == CTR_RUNNING || r->status == CTR_PAUSED);
		struct df_img *img = r->image_id ? img_of(d, r->image_id) : NULL;
		if (img)
			img->containers++;
		for (size_t v = 0; v < d->n_vols; v++)
			d->vol_links[v] += cubo_strv_contains(r->volumes, d->vols[v].name);
	}
	ctr_ctx_close(&c);
	CUBO_TRY(err);
	for (size_t v = 0; v < d->n_vols; v++) {
		d->vol_sizes[v] = du_quiet(d->vols[v].mountpoint);
		df_row_add(&d->rows[2], d->vol_sizes[v], d->vol_links[v] > 0);
	}
	struct df_image *in = xcalloc(d->n_imgs + 1, sizeof(*in));
	for (size_t i = 0; i < d->n_imgs; i++)
		in[i] = (struct df_image){d->imgs[i].containers > 0, d->imgs[i].digests,
					  d->imgs[i].sizes};
	df_images_row(in, d->n_imgs, &d->rows[0], &d->img_unique);
	free(in);
	/* the build cache: its step records, each of them reclaimable */
	char *cache = cubo_path_join(m->root, BUILD_CACHE_DIR);
	DIR *dir = opendir(cache);
	struct dirent *e;
	while (dir && (e = readdir(dir)))
		if (e->d_name[0] != '.') {
			char *p = cubo_path_join(cache, e->d_name);
			df_row_add(&d->rows[3], du_quiet(p), false);
			free(p);
		}
	if (dir)
		closedir(dir);
	free(cache);
	return NULL;
}

static void print_size(uint64_t bytes)
{
	char b[16];
	progress_format_bytes(bytes, b);
	printf("%-14s", b);
}

static void df_verbose(struct df_data *d)
{
	printf("Images space usage:\n\n%-40s %-12s %-12s %-12s %-14s%-14s%s\n", "REPOSITORY", "TAG",
	       "IMAGE ID", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS");
	for (size_t i = 0; i < d->n_imgs; i++) {
		const struct df_img *img = &d->imgs[i];
		char *repo, *tag;
		image_name_split(img->name, &repo, &tag);
		uint64_t total = 0;
		for (size_t j = 0; img->digests[j]; j++)
			total += img->sizes[j];
		printf("%-40s %-12s %-12s ", repo, tag, image_short_id(img->id));
		print_size(total);
		print_size(total - d->img_unique[i]);
		print_size(d->img_unique[i]);
		printf("%u\n", img->containers);
		free(repo);
		free(tag);
	}
	printf("\nContainers space usage:\n\n%-14s%-40s %-14s%-30s %s\n", "CONTAINER ID", "IMAGE",
	       "SIZE", "STATUS", "NAMES");
	time_t now = time(NULL);
	for (size_t i = 0; i < d->n_ctrs; i++) {
		char status[64];
		ctr_status_text(&d->ctrs[i], now, status, sizeof(status));
		printf("%-14.12s%-40s ", d->ctrs[i].id, d->ctrs[i].image ? d->ctrs[i].image : "");
		print_size(d->ctr_sizes[i]);
		printf("%-30s %s\n", status, d->ctrs[i].name ? d->ctrs[i].name : "");
	}
	printf("\nLocal Volumes space usage:\n\n%-40s %-8s%s\n", "VOLUME NAME", "LINKS", "SIZE");
	for (size_t v = 0; v < d->n_vols; v++) {
		char b[16];
		progress_format_bytes(d->vol_sizes[v], b);
		printf("%-40s %-8u%s\n", d->vols[v].name, d->vol_links[v], b);
	}
	char b[16];
	progress_format_bytes(d->rows[3].size, b);
	printf("\nBuild cache usage: %s\n", b);
}

/* docker's keys of system df --format */
static const struct mgr_title df_titles[] = {
	{"Type", "TYPE"}, {"TotalCount", "TOTAL"},	  {"Active", "ACTIVE"},
	{"Size", "SIZE"}, {"Reclaimable", "RECLAIMABLE"},
};

static struct cubo_json_gen *df_row_json(const char *type, const struct df_row *r)
{
	struct cubo_json_gen *g = mgr_format_object();
	if (!g)
		return NULL;
	char size[16], recl[48], total[16], active[16];
	progress_format_bytes(r->size, size);
	df_reclaimable_text(r, recl, sizeof(recl));
	snprintf(total, sizeof(total), "%u", r->total);
	snprintf(active, sizeof(active), "%u", r->active);
	mgr_json_kv(g, "Type", type);
	mgr_json_kv(g, "TotalCount", total);
	mgr_json_kv(g, "Active", active);
	mgr_json_kv(g, "Size", size);
	mgr_json_kv(g, "Reclaimable", recl);
	cubo_json_gen_map_close(g);
	return g;
}

static int system_df(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool verbose = false;
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"verbose", 'v', CLI_BOOL, &verbose, NULL,
		 "a table per image, container and volume"},
		{"format", 0, CLI_STRING, &format, "FORMAT",
		 "table (default), json (one object a line), or a Go template"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "system df",
		.usage = "system df [OPTIONS]",
		MGR_ARGS(0, 0, "expected no arguments"),
		.description =
			"Show the disk space images, containers' writable layers, volumes and "
			"the build\ncache use, and what of it nothing uses (RECLAIMABLE). Blobs "
			"images share count once.",
		MGR_OPTS(opts),
	};
	struct mgr_format fmt;
	int rc = mgr_parse_format(m, &spec, argc, argv, &args, &format, &fmt);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	struct df_data d;
	if ((err = df_measure(m, &d))) {
		df_data_free(&d);
		mgr_format_close(&fmt);
		return mgr_fail(m, err);
	}
	if (verbose && fmt.kind == MGR_FORMAT_DEFAULT) {
		df_verbose(&d);
	} else if (fmt.kind == MGR_FORMAT_DEFAULT) {
		printf("%-16s%-10s%-10s%-10s%s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE",
		       "RECLAIMABLE");
		for (size_t i = 0; i < CLI_N(row_types); i++) {
			char size[16], recl[48];
			progress_format_bytes(d.rows[i].size, size);
			df_reclaimable_text(&d.rows[i], recl, sizeof(recl));
			/* docker shows no share for the build cache */
			if (i == 3)
				progress_format_bytes(d.rows[i].reclaimable, recl);
			printf("%-16s%-10u%-10u%-10s%s\n", row_types[i], d.rows[i].total,
			       d.rows[i].active, size, recl);
		}
	} else {
		for (size_t i = 0; !err && i < CLI_N(row_types); i++)
			err = mgr_format_add(&fmt, df_row_json(row_types[i], &d.rows[i]));
		if (!err)
			mgr_format_flush(&fmt, df_titles, CLI_N(df_titles));
	}
	mgr_format_close(&fmt);
	df_data_free(&d);
	return err ? mgr_fail(m, err) : 0;
}

/* ---- prune ---- */

static int system_prune(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool all = false, volumes = false, force = false;
	char **filters = NULL;
	const struct cli_opt opts[] = {
		{"all", 'a', CLI_BOOL, &all, NULL,
		 "every image no container uses, not only dangling"},
		{"volumes", 0, CLI_BOOL, &volumes, NULL, "anonymous volumes no container uses too"},
		{"force", 'f', CLI_BOOL, &force, NULL, "do not ask for confirmation"},
		{"filter", 0, CLI_LIST, &filters, "KEY=VALUE",
		 "until=TIME, label=KEY[=VALUE] (containers and images)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "system prune",
		.usage = "system prune [OPTIONS]",
		MGR_ARGS(0, 0, "expected no arguments"),
		.description = "Remove stopped containers, networks no container uses, dangling "
			       "images (-a: every\nimage no container uses), the build cache and "
			       "with --volumes anonymous volumes\nno container uses.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	struct cubo_error *err = rc < 0 ? prune_filter_check(filters) : NULL;
	if (err)
		rc = mgr_usage_error(m, "system prune", err);
	if (rc >= 0) {
		cubo_strv_free(filters);
		return rc;
	}
	char warning[512];
	snprintf(warning, sizeof(warning),
		 "This will remove:\n  - all stopped containers\n  - all networks not used by at "
		 "least one container\n%s  - %s\n  - unused build cache\n",
		 volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
		 all ? "all images without at least one container associated to them"
		     : "all dangling images");
	if (!force && !mgr_confirm(warning)) {
		cubo_strv_free(filters);
		return 0;
	}
	uint64_t bytes = 0;
	/* containers first: what they held is unused after */
	err = container_prune(m, filters, &bytes);
	if (!err)
		err = network_prune(m);
	if (!err && volumes)
		err = volume_prune(m, false, filters, &bytes);
	if (!err)
		err = image_prune(m, all, filters, &bytes);
	if (!err)
		err = build_cache_prune(m, filters, &bytes);
	cubo_strv_free(filters);
	return mgr_prune_done(m, err, bytes);
}

static const struct mgr_subcommand subs[] = {
	{"df", system_df, "show disk usage"},
	{"prune", system_prune, "remove unused data"},
	{"info", cmd_info, "show the setup and counts"},
	{"events", cmd_events, "print what happens to containers, images, volumes, networks"},
};

int cmd_system(struct mgr *m, int argc, char **argv)
{
	return mgr_run_subcommand(m, "system", "Manage the root directory's contents.", subs,
				  CLI_N(subs), argc, argv);
}

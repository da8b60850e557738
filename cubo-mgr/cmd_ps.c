/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr ps: list containers, docker's way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/image/progress.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image_view.h"
#include "cubo-mgr/net/net_inspect.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/filter.h"
#include "shared/strv.h"
#include "spec/config.h"
#include "shared/xalloc.h"

enum {
	COL_ID,
	COL_IMAGE,
	COL_COMMAND,
	COL_CREATED,
	COL_STATUS,
	COL_PORTS,
	COL_NAMES,
	COL_SIZE, /* with -s only */
	N_COLS
};

static const char *const headers[N_COLS] = {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
					    "STATUS",	    "PORTS", "NAMES",	"SIZE"};

/* A container as ps shows it: its record, its health and (-s) its size. */
struct ps_row {
	const struct ctr_record *r;
	enum health_status health;
	const char *size; /* docker's "2B (virtual 4.3MB)"; NULL without -s */
};

static void row_cells(const struct ps_row *row, time_t now, bool no_trunc, char *cells[N_COLS])
{
	const struct ctr_record *r = row->r;
	char buf[256];
	cells[COL_ID] = no_trunc ? xstrdup(r->id) : xstrndup(r->id, 12);
	cells[COL_IMAGE] = xstrdup(r->image ? r->image : "");
	const char *cmd = r->command ? r->command : "";
	if (!no_trunc && strlen(cmd) > 20)
		snprintf(buf, sizeof(buf), "\"%.19s…\"", cmd);
	else
		snprintf(buf, sizeof(buf), "\"%s\"", cmd);
	cells[COL_COMMAND] = xstrdup(buf);
	image_human_age(r->created, now, buf, sizeof(buf));
	cells[COL_CREATED] = xstrdup(buf);
	ctr_status_text_health(r, row->health, now, buf, sizeof(buf));
	cells[COL_STATUS] = xstrdup(buf);
	cells[COL_PORTS] = mgr_format_join(ctr_shown_ports(r), ", ");
	cells[COL_NAMES] = xstrdup(r->name ? r->name : "");
	cells[COL_SIZE] = xstrdup(row->size ? row->size : "0B");
}

/*
 * One container as docker's ps --format sees it: the ID and the quoted
 * command shortened unless no_trunc. --format json (json) has always shown
 * them whole, the command unquoted.
 */
static struct cubo_json_gen *row_json(const struct ps_row *row, time_t now, bool no_trunc,
				      bool json)
{
	const struct ctr_record *r = row->r;
	bool full = no_trunc || json;
	struct cubo_json_gen *g = mgr_format_object();
	if (!g)
		return NULL;
	char *cells[N_COLS], when[64], count[24];
	row_cells(row, now, full, cells);
	mgr_json_kv(g, "ID", cells[COL_ID]);
	mgr_json_kv(g, "Names", r->name);
	mgr_json_kv(g, "Image", r->image);
	mgr_json_kv(g, "ImageID", r->image_id);
	mgr_json_kv(g, "Command", json ? r->command : cells[COL_COMMAND]);
	image_docker_time(r->created, when, sizeof(when));
	mgr_json_kv(g, "CreatedAt", when);
	mgr_json_kv(g, "RunningFor", cells[COL_CREATED]);
	mgr_json_kv(g, "State", ctr_record_state(r));
	mgr_json_kv(g, "Status", cells[COL_STATUS]);
	cubo_json_gen_key(g, "ExitCode");
	cubo_json_gen_int(g, r->exit_code);
	cubo_json_gen_key(g, "Pid");
	cubo_json_gen_int(g, r->pid);
	cubo_json_gen_key(g, "RestartCount");
	cubo_json_gen_uint(g, r->restart_count);
	mgr_json_kv(g, "Ports", cells[COL_PORTS]);
	char *labels = mgr_format_join(r->labels, ","), *mounts = mgr_format_join(r->volumes, ","),
	     *networks = mgr_format_join(r->networks, ",");
	mgr_json_kv(g, "Labels", labels);
	mgr_json_kv(g, "Mounts", mounts);
	mgr_json_kv(g, "Networks", networks);
	snprintf(count, sizeof(count), "%zu", cubo_strv_len(r->volumes));
	mgr_json_kv(g, "LocalVolumes", count);
	mgr_json_kv(g, "Size", cells[COL_SIZE]);
	cubo_json_gen_map_close(g);
	free(labels);
	free(mounts);
	free(networks);
	for (int i = 0; i < N_COLS; i++)
		free(cells[i]);
	return g;
}

/* docker's column titles of ps --format "table ..." */
static const struct mgr_title titles[] = {
	{"ID", "CONTAINER ID"},
	{"Names", "NAMES"},
	{"Image", "IMAGE"},
	{"ImageID", "IMAGE ID"},
	{"Command", "COMMAND"},
	{"CreatedAt", "CREATED AT"},
	{"RunningFor", "CREATED"},
	{"State", "STATE"},
	{"Status", "STATUS"},
	{"ExitCode", "EXIT CODE"},
	{"Pid", "PID"},
	{"RestartCount", "RESTARTS"},
	{"Ports", "PORTS"},
	{"Labels", "LABELS"},
	{"Mounts", "MOUNTS"},
	{"Networks", "NETWORKS"},
	{"LocalVolumes", "LOCAL VOLUMES"},
	{"Size", "SIZE"},
};

/* Display width of UTF-8 text (the ellipsis counts one). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void print_table(char *(*rows)[N_COLS], size_t n, int ncols)
{
	size_t w[N_COLS];
	for (int c = 0; c < ncols; c++) {
		w[c] = width(headers[c]);
		for (size_t i = 0; i < n; i++)
			if (width(rows[i][c]) > w[c])
				w[c] = width(rows[i][c]);
	}
	for (int c = 0; c < ncols; c++)
		printf("%s%*s", headers[c],
		       c == ncols - 1 ? 0 : (int)(w[c] - width(headers[c]) + 3), "");
	printf("\n");
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < ncols; c++)
			printf("%s%*s", rows[i][c],
			       c == ncols - 1 ? 0 : (int)(w[c] - width(rows[i][c]) + 3), "");
		printf("\n");
	}
}

/*
 * docker's ps filters: KEY=VALUE, where KEY is status (created, running,
 * paused, exited), name (a substring), id (a prefix), ancestor (the image
 * as given, or its ID prefix), exited (an exit code), label (KEY or
 * KEY=VALUE), network (a network it joins, none or host) or health
 * (starting, healthy, unhealthy, none). Filters of one key are ORed
 * (but every label= must match, as docker), different keys ANDed.
 */
static struct cubo_error *filter_check(char **filters)
{
	static const char *const keys[] = {"status", "name",  "id",	 "ancestor",
					   "exited", "label", "network", "health"};
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		bool ok = false;
		for (size_t k = 0; eq && !ok && k < sizeof(keys) / sizeof(*keys); k++)
			ok = (size_t)(eq - filters[i]) == strlen(keys[k]) &&
			     !strncmp(filters[i], keys[k], strlen(keys[k]));
		enum health_status h;
		if (!ok)
			return cubo_error_new("--filter \"%s\": expected status=, name=, id=, "
					      "ancestor=, exited=, label=, network= or health=",
					      filters[i]);
		if (!strncmp(filters[i], "health=", 7) && !health_status_parse(eq + 1, &h))
			return cubo_error_new("--filter \"%s\": expected health=starting, healthy, "
					      "unhealthy or none",
					      filters[i]);
	}
	return NULL;
}

static bool filter_one(const struct ps_row *row, const char *key, const char *v)
{
	const struct ctr_record *r = row->r;
	if (!strcmp(key, "status"))
		return !strcmp(ctr_record_state(r), v);
	if (!strcmp(key, "name"))
		return r->name && strstr(r->name, v);
	if (!strcmp(key, "id"))
		return !strncmp(r->id, v, strlen(v));
	if (!strcmp(key, "ancestor")) {
		const char *hex = r->image_id ? strchr(r->image_id, ':') : NULL;
		const char *want = strncmp(v, "sha256:", 7) ? v : v + 7;
		return (r->image && !strcmp(r->image, v)) ||
		       (hex && strlen(want) >= 4 && !strncmp(hex + 1, want, strlen(want)));
	}
	if (!strcmp(key, "label")) /* label=KEY or label=KEY=VALUE */
		return cubo_filter_label(r->labels, v);
	if (!strcmp(key, "exited"))
		return r->status == CTR_EXITED && r->exit_code == atoi(v);
	if (!strcmp(key, "health"))
		return !strcmp(health_status_name(row->health), v);
	if (!strcmp(key, "network")) /* "bridge" is docker's name of the default network */
		return cubo_strv_contains(r->networks, v) ||
		       (!strcmp(v, "bridge") && cubo_strv_contains(r->networks, "cubo"));
	return false;
}

static bool filter_fn(const char *key, const char *value, void *row)
{
	return filter_one(row, key, value);
}

/* docker's rules (shared/filter.h): one key's values ORed, but every label= must match */
static bool filters_match(const struct ps_row *r, char **filters)
{
	return cubo_filter_match(filters, filter_fn, (void *)r);
}

/*
 * The image sizes -s adds to each writable layer: the store's rows (config
 * and layers as stored), none when the store cannot be read.
 */
struct ps_images {
	struct image_row *rows;
	size_t n;
};

static void ps_images_load(struct mgr *m, struct ps_images *im)
{
	struct store *s = NULL;
	struct cubo_error *err = store_open(m->root, &s);
	if (!err)
		err = image_rows(s, &im->rows, &im->n);
	store_close(s);
	if (err) {
		cubo_error_print(err, "warning", stderr);
		cubo_error_free(err);
		im->rows = NULL;
		im->n = 0;
	}
}

/* docker's SIZE: "2B (virtual 4.3MB)", the writable layer alone when no image is known. */
static char *ps_size_text(const struct ctr_ctx *c, const struct ps_images *im,
			  const struct ctr_record *r)
{
	uint64_t rw = ctr_disk_size(c, r->id), image = 0;
	for (size_t i = 0; r->image_id && i < im->n && !image; i++)
		if (!strcmp(im->rows[i].id, r->image_id))
			image = im->rows[i].size;
	char a[16], b[16];
	progress_format_bytes(rw, a);
	if (!image)
		return xstrdup(a);
	progress_format_bytes(rw + image, b);
	return xasprintf("%s (virtual %s)", a, b);
}

int cmd_ps(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool all = false, quiet = false, no_trunc = false, latest = false, size = false;
	const char *format = NULL;
	char **filters = NULL;
	long last = -1;
	const struct cli_opt opts[] = {
		{"all", 'a', CLI_BOOL, &all, NULL, "show every container (default: running ones)"},
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only container IDs"},
		{"format", 0, CLI_STRING, &format, "FORMAT",
		 "table (default), json, or a Go template (\"table {{.ID}}\\t{{.Names}}\")"},
		{"no-trunc", 0, CLI_BOOL, &no_trunc, NULL, "do not shorten IDs and commands"},
		{"filter", 'f', CLI_LIST, &filters, "KEY=VALUE",
		 "status=, name=, id=, ancestor=, exited=, label=, network=, health= (one key ORs, "
		 "but every label= must match; keys AND)"},
		{"last", 'n', CLI_INT, &last, "N", "the N newest containers (any state)"},
		{"latest", 'l', CLI_BOOL, &latest, NULL, "the newest container (any state)"},
		{"size", 's', CLI_BOOL, &size, NULL,
		 "add SIZE: the writable layer's size, and with the image's (virtual)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "ps",
		.usage = "ps [OPTIONS]",
		.description = "List containers: ID, image, command, creation time, status (with "
			       "the\nexit code of stopped ones), published ports and name.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		cubo_strv_free(filters);
		return rc;
	}
	struct mgr_format fmt;
	struct cubo_error *bad = filter_check(filters);
	if (!bad)
		bad = mgr_format_open(format, &fmt);
	if (bad) {
		cubo_strv_free(filters);
		return mgr_usage_error(m, "ps", bad);
	}
	bool json = fmt.kind == MGR_FORMAT_JSON, custom = fmt.kind != MGR_FORMAT_DEFAULT;
	if (latest)
		last = 1;
	/* -n, -l and a status filter look at stopped containers too, as in docker */
	for (size_t i = 0; filters && filters[i]; i++)
		all |= !strncmp(filters[i], "status=", 7) || !strncmp(filters[i], "exited=", 7);
	all |= last >= 0;
	/* a template naming .Size measures it, as docker's ps does */
	size |= custom && !json && format && strstr(format, ".Size");
	size_t shown = 0;
	struct ctr_ctx c;
	struct ctr_record *v = NULL;
	size_t n = 0;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err)
		err = ctr_store_list(&c.store, &v, &n);
	if (err) {
		ctr_ctx_close(&c);
		mgr_format_close(&fmt);
		return mgr_fail(m, err);
	}
	struct ps_images images = {0};
	if (size && !quiet)
		ps_images_load(m, &images);
	time_t now = time(NULL);
	char *(*rows)[N_COLS] = xcalloc(n + 1, sizeof(*rows));
	size_t nrows = 0;
	for (size_t i = 0; i < n; i++) {
		bool removed;
		if ((err = ctr_reconcile_one(&c.store, &v[i], &removed))) {
			cubo_error_print(err, "warning", stderr);
			cubo_error_free(err);
		}
		if (removed)
			continue;
		if (!all && v[i].status != CTR_RUNNING && v[i].status != CTR_PAUSED &&
		    !v[i].restarting)
			continue;
		struct ps_row row = {&v[i], ctr_health(&c.store, &v[i]), NULL};
		if (!filters_match(&row, filters))
			continue;
		if (last >= 0 && shown >= (size_t)last)
			break;
		shown++;
		char *size_text = size && !quiet ? ps_size_text(&c, &images, &v[i]) : NULL;
		row.size = size_text;
		if (quiet) {
			printf("%.*s\n", no_trunc ? CTR_ID_LEN : 12, v[i].id);
		} else if (custom) {
			struct cubo_json_gen *g = row_json(&row, now, no_trunc, json);
			if ((err = mgr_format_add(&fmt, g))) {
				rc = mgr_fail(m, err);
				free(size_text);
				break;
			}
		} else {
			row_cells(&row, now, no_trunc, rows[nrows++]);
		}
		free(size_text);
	}
	if (!quiet && custom && rc <= 0)
		mgr_format_flush(&fmt, titles, CLI_N(titles));
	else if (!quiet && !custom)
		print_table(rows, nrows, size ? N_COLS : N_COLS - 1);
	mgr_format_close(&fmt);
	for (size_t i = 0; i < nrows; i++)
		for (int col = 0; col < N_COLS; col++)
			free(rows[i][col]);
	free(rows);
	image_rows_free(images.rows, images.n);
	ctr_records_free(v, n);
	ctr_ctx_close(&c);
	cubo_strv_free(filters);
	return rc > 0 ? rc : 0;
}

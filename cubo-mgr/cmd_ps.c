/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr ps, port and container inspect: what the records say, docker's way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/image_view.h"
#include "cubo-mgr/net/net_inspect.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "spec/config.h"

enum { COL_ID, COL_IMAGE, COL_COMMAND, COL_CREATED, COL_STATUS, COL_PORTS, COL_NAMES, N_COLS };

static const char *const headers[N_COLS] = {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
					    "STATUS",	    "PORTS", "NAMES"};

/*
 * The ports as bound while it runs (random host ports resolved); before its
 * first start what was asked; after it stopped, none, as docker shows them.
 */
static char *const *ctr_shown_ports(const struct ctr_record *r)
{
	if (r->published)
		return r->published;
	return r->status == CTR_EXITED ? NULL : r->ports;
}

static char *joined(char *const *v, const char *sep)
{
	size_t len = 1;
	for (size_t i = 0; v && v[i]; i++)
		len += strlen(v[i]) + strlen(sep);
	char *out = calloc(1, len);
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			strcat(out, sep);
		strcat(out, v[i]);
	}
	return out;
}

static void row_cells(const struct ctr_record *r, time_t now, bool no_trunc, char *cells[N_COLS])
{
	char buf[256];
	cells[COL_ID] = no_trunc ? strdup(r->id) : strndup(r->id, 12);
	cells[COL_IMAGE] = strdup(r->image ? r->image : "");
	const char *cmd = r->command ? r->command : "";
	if (!no_trunc && strlen(cmd) > 20)
		snprintf(buf, sizeof(buf), "\"%.19s…\"", cmd);
	else
		snprintf(buf, sizeof(buf), "\"%s\"", cmd);
	cells[COL_COMMAND] = strdup(buf);
	image_human_age(r->created, now, buf, sizeof(buf));
	cells[COL_CREATED] = strdup(buf);
	ctr_status_text(r, now, buf, sizeof(buf));
	cells[COL_STATUS] = strdup(buf);
	cells[COL_PORTS] = joined(ctr_shown_ports(r), ", ");
	cells[COL_NAMES] = strdup(r->name ? r->name : "");
}

static void gen_kv(struct cubo_json_gen *g, const char *k, const char *v)
{
	cubo_json_gen_key(g, k);
	cubo_json_gen_string(g, v ? v : "");
}

static struct cubo_error *print_json(const struct ctr_record *r, time_t now)
{
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(false, &g));
	char *cells[N_COLS];
	row_cells(r, now, true, cells);
	cubo_json_gen_map_open(g);
	gen_kv(g, "ID", r->id);
	gen_kv(g, "Names", r->name);
	gen_kv(g, "Image", r->image);
	gen_kv(g, "ImageID", r->image_id);
	gen_kv(g, "Command", r->command);
	gen_kv(g, "CreatedAt", r->created);
	gen_kv(g, "RunningFor", cells[COL_CREATED]);
	gen_kv(g, "State", ctr_status_name(r->status));
	gen_kv(g, "Status", cells[COL_STATUS]);
	cubo_json_gen_key(g, "ExitCode");
	cubo_json_gen_int(g, r->exit_code);
	cubo_json_gen_key(g, "Pid");
	cubo_json_gen_int(g, r->pid);
	gen_kv(g, "Ports", cells[COL_PORTS]);
	cubo_json_gen_map_close(g);
	for (int i = 0; i < N_COLS; i++)
		free(cells[i]);
	char *out;
	size_t len;
	CUBO_TRY(cubo_json_gen_finish(g, &out, &len));
	printf("%s\n", out);
	free(out);
	return NULL;
}

/* Display width of UTF-8 text (the ellipsis counts one). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void print_table(char *(*rows)[N_COLS], size_t n)
{
	size_t w[N_COLS];
	for (int c = 0; c < N_COLS; c++) {
		w[c] = width(headers[c]);
		for (size_t i = 0; i < n; i++)
			if (width(rows[i][c]) > w[c])
				w[c] = width(rows[i][c]);
	}
	for (int c = 0; c < N_COLS; c++)
		printf("%s%*s", headers[c],
		       c == N_COLS - 1 ? 0 : (int)(w[c] - width(headers[c]) + 3), "");
	printf("\n");
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < N_COLS; c++)
			printf("%s%*s", rows[i][c],
			       c == N_COLS - 1 ? 0 : (int)(w[c] - width(rows[i][c]) + 3), "");
		printf("\n");
	}
}

/*
 * docker's ps filters: KEY=VALUE, where KEY is status (created, running,
 * paused, exited), name (a substring), id (a prefix), ancestor (the image
 * as given, or its ID prefix), exited (an exit code), label (KEY or
 * KEY=VALUE) or network (a network it joins, none or host). Filters of one key
 * are ORed, different keys ANDed.
 */
static struct cubo_error *filter_check(char **filters)
{
	static const char *const keys[] = {"status", "name",  "id",	"ancestor",
					   "exited", "label", "network"};
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		bool ok = false;
		for (size_t k = 0; eq && !ok && k < sizeof(keys) / sizeof(*keys); k++)
			ok = (size_t)(eq - filters[i]) == strlen(keys[k]) &&
			     !strncmp(filters[i], keys[k], strlen(keys[k]));
		if (!ok)
			return cubo_error_new("--filter \"%s\": expected status=, name=, id=, "
					      "ancestor=, exited=, label= or network=",
					      filters[i]);
	}
	return NULL;
}

static bool filter_one(const struct ctr_record *r, const char *key, const char *v)
{
	if (!strcmp(key, "status"))
		return !strcmp(ctr_status_name(r->status), v);
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
	if (!strcmp(key, "label")) { /* label=KEY or label=KEY=VALUE */
		bool with_value = strchr(v, '=') != NULL;
		size_t n = strlen(v);
		for (size_t i = 0; r->labels && r->labels[i]; i++)
			if (with_value ? !strcmp(r->labels[i], v)
				       : !strncmp(r->labels[i], v, n) && r->labels[i][n] == '=')
				return true;
		return false;
	}
	if (!strcmp(key, "exited"))
		return r->status == CTR_EXITED && r->exit_code == atoi(v);
	if (!strcmp(key, "network")) /* "bridge" is docker's name of the default network */
		return cubo_strv_contains(r->networks, v) ||
		       (!strcmp(v, "bridge") && cubo_strv_contains(r->networks, "cubo"));
	return false;
}

static bool filters_match(const struct ctr_record *r, char **filters)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		size_t klen = (size_t)(eq - filters[i]);
		char key[16];
		snprintf(key, sizeof(key), "%.*s", (int)klen, filters[i]);
		bool any = false;
		for (size_t j = 0; filters[j] && !any; j++)
			if (!strncmp(filters[j], filters[i], klen + 1))
				any = filter_one(r, key, filters[j] + klen + 1);
		if (!any)
			return false;
	}
	return true;
}

int cmd_ps(struct mgr *m, int argc, char **argv)
{
	bool all = false, quiet = false, no_trunc = false, latest = false;
	const char *format = NULL;
	char **filters = NULL;
	long last = -1;
	const struct cli_opt opts[] = {
		{"all", 'a', CLI_BOOL, &all, NULL, "show every container (default: running ones)"},
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only container IDs"},
		{"format", 0, CLI_STRING, &format, "FORMAT", "table (default) or json"},
		{"no-trunc", 0, CLI_BOOL, &no_trunc, NULL, "do not shorten IDs and commands"},
		{"filter", 'f', CLI_LIST, &filters, "KEY=VALUE",
		 "status=, name=, id=, ancestor=, exited=, label=, network= (one key ORs, keys "
		 "AND)"},
		{"last", 'n', CLI_INT, &last, "N", "the N newest containers (any state)"},
		{"latest", 'l', CLI_BOOL, &latest, NULL, "the newest container (any state)"},
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, "ps", "ps [OPTIONS]",
				"List containers: ID, image, command, creation time, status (with "
				"the\nexit code of stopped ones), published ports and name.",
				argc, argv, opts, CLI_N(opts), &args);
	if (rc >= 0) {
		cubo_strv_free(filters);
		return rc;
	}
	free(args.v);
	bool json = format && !strcmp(format, "json");
	struct cubo_error *bad = filter_check(filters);
	if (!bad && format && !json && strcmp(format, "table"))
		bad = cubo_error_new("--format \"%s\": expected table or json", format);
	if (bad) {
		cubo_strv_free(filters);
		return mgr_usage_error(m, "ps", bad);
	}
	if (latest)
		last = 1;
	/* -n, -l and a status filter look at stopped containers too, as in docker */
	for (size_t i = 0; filters && filters[i]; i++)
		all |= !strncmp(filters[i], "status=", 7) || !strncmp(filters[i], "exited=", 7);
	all |= last >= 0;
	size_t shown = 0;
	struct ctr_ctx c;
	struct ctr_record *v = NULL;
	size_t n = 0;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err)
		err = ctr_store_list(&c.store, &v, &n);
	if (err) {
		ctr_ctx_close(&c);
		return mgr_fail(m, err);
	}
	time_t now = time(NULL);
	char *(*rows)[N_COLS] = calloc(n + 1, sizeof(*rows));
	size_t nrows = 0;
	for (size_t i = 0; i < n; i++) {
		bool removed;
		if ((err = ctr_reconcile_one(&c.store, &v[i], &removed))) {
			cubo_error_print(err, "warning", stderr);
			cubo_error_free(err);
		}
		if (removed)
			continue;
		if (!all && v[i].status != CTR_RUNNING && v[i].status != CTR_PAUSED)
			continue;
		if (!filters_match(&v[i], filters))
			continue;
		if (last >= 0 && shown >= (size_t)last)
			break;
		shown++;
		if (quiet) {
			printf("%.*s\n", no_trunc ? CTR_ID_LEN : 12, v[i].id);
		} else if (json) {
			if ((err = print_json(&v[i], now)))
				rc = mgr_fail(m, err);
		} else {
			row_cells(&v[i], now, no_trunc, rows[nrows++]);
		}
	}
	if (!quiet && !json)
		print_table(rows, nrows);
	for (size_t i = 0; i < nrows; i++)
		for (int col = 0; col < N_COLS; col++)
			free(rows[i][col]);
	free(rows);
	ctr_records_free(v, n);
	ctr_ctx_close(&c);
	cubo_strv_free(filters);
	return rc > 0 ? rc : 0;
}

/* ---- port ---- */

int cmd_port(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	int rc = mgr_parse_args(m, "port", "port CONTAINER",
				"List the container's published ports: CTR/PROTO -> HOSTIP:PORT.",
				argc, argv, NULL, 0, &args);
	if (rc >= 0)
		return rc;
	if (args.n != 1) {
		free(args.v);
		return mgr_usage_error(m, "port", cubo_error_new("expected one container"));
	}
	struct ctr_ctx c;
	struct ctr_record r;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	if (!err && !(err = ctr_find(&c, args.v[0], &r))) {
		/* recorded as HOSTIP:HOSTPORT->CTR/PROTO */
		char *const *ports = ctr_shown_ports(&r);
		for (size_t i = 0; ports && ports[i]; i++) {
			const char *arrow = strstr(ports[i], "->");
			if (arrow)
				printf("%s -> %.*s\n", arrow + 2, (int)(arrow - ports[i]),
				       ports[i]);
		}
		ctr_record_free(&r);
	}
	ctr_ctx_close(&c);
	free(args.v);
	return err ? mgr_fail(m, err) : 0;
}

/* ---- container inspect ---- */

static void gen_strlist(struct cubo_json_gen *g, const char *key, const struct oci_strlist *l)
{
	cubo_json_gen_key(g, key);
	if (l->v)
		cubo_json_gen_strv(g, l->v, l->n);
	else
		cubo_json_gen_null(g);
}

static void gen_state(struct cubo_json_gen *g, const struct ctr_record *r)
{
	cubo_json_gen_key(g, "State");
	cubo_json_gen_map_open(g);
	gen_kv(g, "Status", ctr_status_name(r->status));
	cubo_json_gen_key(g, "Running");
	cubo_json_gen_bool(g, r->status == CTR_RUNNING || r->status == CTR_PAUSED);
	cubo_json_gen_key(g, "Paused");
	cubo_json_gen_bool(g, r->status == CTR_PAUSED);
	cubo_json_gen_key(g, "Pid");
	cubo_json_gen_int(g, r->pid);
	cubo_json_gen_key(g, "MonitorPid");
	cubo_json_gen_int(g, r->monitor_pid);
	cubo_json_gen_key(g, "ExitCode");
	cubo_json_gen_int(g, r->exit_code);
	gen_kv(g, "Error", r->error);
	gen_kv(g, "StartedAt", r->started[0] ? r->started : "0001-01-01T00:00:00Z");
	gen_kv(g, "FinishedAt", r->finished[0] ? r->finished : "0001-01-01T00:00:00Z");
	cubo_json_gen_map_close(g);
}

static void gen_config(struct cubo_json_gen *g, const struct ctr_record *r,
		       const struct oci_config *cfg)
{
	const struct oci_process *p = cfg->process;
	cubo_json_gen_key(g, "Config");
	cubo_json_gen_map_open(g);
	gen_kv(g, "Hostname", cfg->hostname);
	gen_kv(g, "User", r->user);
	cubo_json_gen_key(g, "Tty");
	cubo_json_gen_bool(g, r->tty);
	cubo_json_gen_key(g, "OpenStdin");
	cubo_json_gen_bool(g, r->interactive);
	gen_strlist(g, "Env", &p->env);
	gen_strlist(g, "Cmd", &p->args);
	gen_kv(g, "Image", r->image);
	gen_kv(g, "WorkingDir", p->cwd);
	gen_kv(g, "StopSignal", r->stop_signal);
	cubo_json_gen_key(g, "StopTimeout");
	cubo_json_gen_int(g, r->stop_timeout >= 0 ? r->stop_timeout : 10);
	cubo_json_gen_key(g, "Labels");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; r->labels && r->labels[i]; i++) {
		const char *eq = strchr(r->labels[i], '=');
		char key[256];
		snprintf(key, sizeof(key), "%.*s", (int)(eq ? eq - r->labels[i] : 255),
			 r->labels[i]);
		gen_kv(g, key, eq ? eq + 1 : "");
	}
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);
	cubo_json_gen_key(g, "HostConfig");
	cubo_json_gen_map_open(g);
	const struct oci_resources *res = cfg->linux_ ? cfg->linux_->resources : NULL;
	cubo_json_gen_key(g, "Memory");
	cubo_json_gen_int(g, res && res->memory && res->memory->has_limit ? res->memory->limit : 0);
	cubo_json_gen_key(g, "NanoCpus");
	cubo_json_gen_int(g, res && res->cpu && res->cpu->has_quota && res->cpu->period
				     ? res->cpu->quota * 1000000000 / (int64_t)res->cpu->period
				     : 0);
	cubo_json_gen_key(g, "PidsLimit");
	cubo_json_gen_int(g, res && res->pids ? res->pids->limit : 0);
	cubo_json_gen_key(g, "ReadonlyRootfs");
	cubo_json_gen_bool(g, cfg->root && cfg->root->readonly);
	cubo_json_gen_key(g, "AutoRemove");
	cubo_json_gen_bool(g, r->auto_remove);
	gen_strlist(g, "CapAdd",
		    p->capabilities ? &p->capabilities->bounding : &(struct oci_strlist){0});
	cubo_json_gen_key(g, "PortBindings");
	cubo_json_gen_strv(g, r->ports ? r->ports : (char *[]){NULL}, SIZE_MAX);
	gen_kv(g, "Runtime", r->runtime);
	gen_kv(g, "NetworkMode", r->networks ? r->networks[0] : "none");
	cubo_json_gen_map_close(g);
	cubo_json_gen_key(g, "Mounts");
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct oci_mount *mt = &cfg->mounts[i];
		if (!mt->type || strcmp(mt->type, "bind") || !strncmp(mt->destination, "/etc/", 5))
			continue;
		bool ro = false;
		for (size_t j = 0; j < mt->options.n; j++)
			ro |= !strcmp(mt->options.v[j], "ro");
		cubo_json_gen_map_open(g);
		gen_kv(g, "Source", mt->source);
		gen_kv(g, "Destination", mt->destination);
		cubo_json_gen_key(g, "RW");
		cubo_json_gen_bool(g, !ro);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
}

static struct cubo_error *inspect_one(struct ctr_ctx *c, const char *arg, struct cubo_json_gen *g)
{
	struct ctr_record r;
	CUBO_TRY(ctr_find(c, arg, &r));
	char *dir = ctr_store_dir(&c->store, r.id);
	char *path = cubo_path_join(dir, "config.json");
	struct oci_config *cfg = NULL;
	struct cubo_error *err = oci_config_load(path, &cfg);
	if (!err) {
		cubo_json_gen_map_open(g);
		gen_kv(g, "Id", r.id);
		gen_kv(g, "Created", r.created);
		gen_kv(g, "Path", cfg->process->args.n ? cfg->process->args.v[0] : "");
		cubo_json_gen_key(g, "Args");
		cubo_json_gen_strv(
			g, cfg->process->args.n ? cfg->process->args.v + 1 : (char *[]){NULL},
			SIZE_MAX);
		gen_state(g, &r);
		gen_kv(g, "Image", r.image_id);
		char name[300];
		snprintf(name, sizeof(name), "/%s", r.name ? r.name : "");
		gen_kv(g, "Name", name);
		cubo_json_gen_key(g, "RestartCount");
		cubo_json_gen_uint(g, r.restart_count);
		char *log = cubo_path_join(dir, "ctr.log");
		gen_kv(g, "LogPath", log);
		free(log);
		gen_kv(g, "BundlePath", dir);
		gen_config(g, &r, cfg);
		net_inspect_settings(g, dir, &r);
		cubo_json_gen_map_close(g);
		oci_config_free(cfg);
	}
	free(path);
	free(dir);
	ctr_record_free(&r);
	return err;
}

int cmd_container_inspect(struct mgr *m, int argc, char **argv)
{
	const char *format = NULL;
	const char *type = NULL;
	const struct cli_opt opts[] = {
		{"format", 'f', CLI_STRING, &format, "json", "output format (json, the default)"},
		{"type", 0, CLI_STRING, &type, "TYPE", "container or image (default: either)"},
	};
	struct cli_args args;
	struct cubo_error *err = cli_parse(argc, argv, opts, CLI_N(opts), false, &args);
	if (err)
		return mgr_usage_error(m, "inspect", err);
	if (args.help) {
		cli_print_help(stdout, m->prog, "inspect [OPTIONS] CONTAINER|IMAGE [...]",
			       "Print a JSON array describing containers, or images.", opts,
			       CLI_N(opts));
		free(args.v);
		return 0;
	}
	if ((type && strcmp(type, "container") && strcmp(type, "image")) ||
	    (format && strcmp(format, "json")) || args.n == 0) {
		free(args.v);
		return mgr_usage_error(
			m, "inspect",
			cubo_error_new(args.n == 0 ? "expected at least one container or image"
						   : "--type takes container or image; --format "
						     "json"));
	}
	struct ctr_ctx c;
	if ((err = ctr_ctx_open(m, &c))) {
		free(args.v);
		return mgr_fail(m, err);
	}
	/* a name that is a container's is the container, as docker decides */
	char id[CTR_ID_LEN + 1];
	struct cubo_error *probe = type && !strcmp(type, "image")
					   ? cubo_error_new("image wanted")
					   : ctr_store_resolve(&c.store, args.v[0], id);
	if (probe && !(type && !strcmp(type, "container"))) {
		cubo_error_free(probe);
		ctr_ctx_close(&c);
		free(args.v);
		return cmd_inspect(m, argc, argv);
	}
	cubo_error_free(probe);
	struct cubo_json_gen *g;
	int rc = 0;
	if ((err = cubo_json_gen_new(true, &g))) {
		ctr_ctx_close(&c);
		free(args.v);
		return mgr_fail(m, err);
	}
	cubo_json_gen_array_open(g);
	for (int i = 0; i < args.n; i++)
		if ((err = inspect_one(&c, args.v[i], g)))
			rc = mgr_fail(m, err);
	cubo_json_gen_array_close(g);
	char *out;
	size_t len;
	if ((err = cubo_json_gen_finish(g, &out, &len))) {
		rc = mgr_fail(m, err);
	} else {
		printf("%s\n", out);
		free(out);
	}
	ctr_ctx_close(&c);
	free(args.v);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr volume create|ls|inspect|rm|prune: named volumes of the local driver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/container/run_opts.h"
#include "cubo-mgr/container/volume.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/image_view.h"
#include "cubo-mgr/image/progress.h"
#include "shared/du.h"
#include "shared/filter.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* The container using a volume, or NULL (caller frees). */
static struct cubo_error *volume_user(struct mgr *m, const char *name, char **user)
{
	*user = NULL;
	struct ctr_ctx c;
	CUBO_TRY(ctr_ctx_open(m, &c));
	struct ctr_record *v;
	size_t n;
	struct cubo_error *err = ctr_store_list(&c.store, &v, &n);
	for (size_t i = 0; !err && i < n && !*user; i++)
		if (v[i].volumes && cubo_strv_contains(v[i].volumes, name))
			*user = xstrdup(v[i].name ? v[i].name : v[i].id);
	if (!err)
		ctr_records_free(v, n);
	ctr_ctx_close(&c);
	return err;
}

static int volume_create_cmd(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *driver = "local";
	char **labels = NULL;
	const struct cli_opt opts[] = {
		{"driver", 'd', CLI_STRING, &driver, "NAME", "volume driver (only local)"},
		{"label", 'l', CLI_LIST, &labels, "KEY=VALUE", "set a label"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "volume create",
		.usage = "volume create [OPTIONS] [NAME]",
		MGR_ARGS(0, 1, "expected at most one volume name"),
		.description = "Create a named volume (a random name when none is given).",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		cubo_strv_free(labels);
		return rc;
	}
	struct cubo_error *err = NULL;
	if (strcmp(driver, "local"))
		err = cubo_error_new("--driver \"%s\": only the local driver is supported", driver);
	for (size_t i = 0; !err && labels && labels[i]; i++)
		err = run_opt_check_line("--label", labels[i]);
	if (err) {
		cubo_strv_free(labels);
		return mgr_usage_error(m, "volume create", err);
	}
	struct ctr_volume v;
	bool existed;
	err = volume_create(m->root, args.n ? args.v[0] : NULL, labels, &v, &existed);
	if (!err) {
		printf("%s\n", v.name);
		if (!existed)
			ev_volume(m->root, "create", v.name, NULL, &m->events_warned);
		ctr_volume_free(&v);
	}
	cubo_strv_free(labels);
	return err ? mgr_fail(m, err) : 0;
}

/* A volume as docker's volume ls --format sees it: labels as "k=v,k2=v2". */
static struct cubo_json_gen *ls_row(const struct ctr_volume *v)
{
	struct cubo_json_gen *g = mgr_format_object();
	if (!g)
		return NULL;
	char when[64];
	image_docker_time(v->created, when, sizeof(when));
	char *labels = mgr_format_join(v->labels, ",");
	mgr_json_kv(g, "Name", v->name);
	mgr_json_kv(g, "Driver", v->driver);
	mgr_json_kv(g, "Scope", "local");
	mgr_json_kv(g, "Mountpoint", v->mountpoint);
	mgr_json_kv(g, "CreatedAt", when);
	mgr_json_kv(g, "Labels", labels);
	cubo_json_gen_key(g, "Anonymous");
	cubo_json_gen_bool(g, v->anonymous);
	cubo_json_gen_map_close(g);
	free(labels);
	return g;
}

/* docker's column titles of volume ls --format "table ..." */
static const struct mgr_title ls_titles[] = {
	{"Name", "VOLUME NAME"},      {"Driver", "DRIVER"},	   {"Scope", "SCOPE"},
	{"Mountpoint", "MOUNTPOINT"}, {"CreatedAt", "CREATED AT"}, {"Labels", "LABELS"},
	{"Anonymous", "ANONYMOUS"},
};

/* A volume and the volumes containers use, for the filters. */
struct ls_item {
	const struct ctr_volume *v;
	char *const *used;
};

static bool ls_filter(const char *key, const char *value, void *item)
{
	const struct ls_item *it = item;
	if (!strcmp(key, "name")) /* docker's: a substring of the name */
		return strstr(it->v->name, value) != NULL;
	if (!strcmp(key, "driver"))
		return !strcmp(it->v->driver, value);
	if (!strcmp(key, "label"))
		return cubo_filter_label(it->v->labels, value);
	bool dangling = false; /* checked before listing */
	cubo_error_free(cubo_filter_bool(key, value, &dangling));
	return dangling != cubo_strv_contains(it->used, it->v->name);
}

/* --filter of volume ls: docker's keys, dangling's value checked. */
static struct cubo_error *ls_filter_check(char *const *filters)
{
	static const char *const keys[] = {"dangling", "name", "label", "driver", NULL};
	CUBO_TRY(cubo_filter_check(filters, keys));
	for (size_t i = 0; filters && filters[i]; i++) {
		bool b;
		if (!strncmp(filters[i], "dangling=", 9))
			CUBO_TRY(cubo_filter_bool("dangling", filters[i] + 9, &b));
	}
	return NULL;
}

/* The volumes some container uses (NULL-terminated, or NULL). */
static struct cubo_error *volumes_used(struct mgr *m, char ***out)
{
	*out = NULL;
	struct ctr_ctx c;
	CUBO_TRY(ctr_ctx_open(m, &c));
	struct ctr_record *v;
	size_t n, k = 0;
	struct cubo_error *err = ctr_store_list(&c.store, &v, &n);
	for (size_t i = 0; !err && i < n; i++)
		for (size_t j = 0; v[i].volumes && v[i].volumes[j]; j++)
			if (!cubo_strv_contains(*out, v[i].volumes[j]))
				cubo_strv_push(out, &k, v[i].volumes[j]);
	if (!err)
		ctr_records_free(v, n);
	ctr_ctx_close(&c);
	return err;
}

static int volume_ls_cmd(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool quiet = false;
	const char *format = NULL;
	char **filters = NULL;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only names"},
		{"filter", 'f', CLI_LIST, &filters, "KEY=VALUE",
		 "dangling=true|false, name=, label=KEY[=VALUE], driver="},
		{"format", 0, CLI_STRING, &format, "FORMAT",
		 "table (default), json (one object a line), or a Go template"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "volume ls",
		.usage = "volume ls [OPTIONS]",
		.description = "List volumes. Filters of one key match either value; different "
			       "keys must all\nmatch (dangling: no container uses it).",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		cubo_strv_free(filters);
		return rc;
	}
	struct mgr_format fmt;
	struct cubo_error *err = ls_filter_check(filters);
	if (err || (err = mgr_format_open(format, &fmt))) {
		cubo_strv_free(filters);
		return mgr_usage_error(m, "volume ls", err);
	}
	bool json = fmt.kind == MGR_FORMAT_JSON, custom = fmt.kind != MGR_FORMAT_DEFAULT;
	struct ctr_volume *v = NULL;
	size_t n = 0;
	char **used = NULL;
	if ((cubo_filter_has(filters, "dangling") && (err = volumes_used(m, &used))) ||
	    (err = volume_list(m->root, &v, &n))) {
		mgr_format_close(&fmt);
		cubo_strv_free(filters);
		cubo_strv_free(used);
		return mgr_fail(m, err);
	}
	if (!quiet && !custom)
		printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
	for (size_t i = 0; i < n; i++) {
		struct ls_item it = {&v[i], used};
		if (!cubo_filter_match(filters, ls_filter, &it))
			continue;
		if (quiet) {
			printf("%s\n", v[i].name);
		} else if (json) {
			char *out;
			size_t len;
			if (!(err = volume_to_json(&v[i], false, &out, &len))) {
				printf("%s\n", out);
				free(out);
			} else {
				rc = mgr_fail(m, err);
			}
		} else if (custom) {
			if ((err = mgr_format_add(&fmt, ls_row(&v[i])))) {
				rc = mgr_fail(m, err);
				break;
			}
		} else {
			printf("%-10s%s\n", v[i].driver, v[i].name);
		}
	}
	if (!quiet && rc <= 0)
		mgr_format_flush(&fmt, ls_titles, CLI_N(ls_titles));
	mgr_format_close(&fmt);
	ctr_volumes_free(v, n);
	cubo_strv_free(filters);
	cubo_strv_free(used);
	return rc > 0 ? rc : 0;
}

static struct cubo_error *volume_json(struct mgr *m, void *ctx, const char *name, char **json)
{
	struct ctr_volume v;
	size_t len;
	CUBO_TRY(volume_get(m->root, name, &v));
	struct cubo_error *err = volume_to_json(&v, true, json, &len);
	ctr_volume_free(&v);
	return err;
}

static int volume_inspect_cmd(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"format", 'f', CLI_STRING, &format, "FORMAT",
		 "json (the default) or a Go template run for each volume"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "volume inspect",
		.usage = "volume inspect [OPTIONS] VOLUME [VOLUME...]",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected a volume"),
		.description = "Print a JSON array describing volumes.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	return mgr_format_inspect(m, "volume inspect", format, args.v, args.n, volume_json, NULL);
}

static int volume_rm_cmd(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool force = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "no error for a missing volume"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "volume rm",
		.usage = "volume rm [OPTIONS] VOLUME [VOLUME...]",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected a volume"),
		.description = "Remove volumes that no container uses.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	rc = 0;
	for (int i = 0; i < args.n; i++) {
		char *user = NULL;
		struct cubo_error *err = volume_user(m, args.v[i], &user);
		if (!err && user)
			err = cubo_error_new("volume %s is in use by container %s: remove the "
					     "container first",
					     args.v[i], user);
		free(user);
		if (!err)
			err = volume_remove(m->root, args.v[i]);
		if (err && force && strstr(err->msg, "no such volume")) {
			cubo_error_free(err);
			continue;
		}
		if (err) {
			rc = mgr_fail(m, err);
		} else {
			printf("%s\n", args.v[i]);
			ev_volume(m->root, "destroy", args.v[i], NULL, &m->events_warned);
		}
	}
	return rc;
}

static int volume_prune_cmd(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool force = false, all = false;
	char **filters = NULL;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "do not ask for confirmation"},
		{"all", 'a', CLI_BOOL, &all, NULL, "named volumes too, not only anonymous ones"},
		{"filter", 0, CLI_LIST, &filters, "label=KEY[=VALUE]",
		 "only volumes with the label"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "volume prune",
		.usage = "volume prune [OPTIONS]",
		.description = "Remove anonymous volumes no container uses (-a: every unused "
			       "volume).",
		MGR_OPTS(opts),
	};
	static const char *const keys[] = {"label", NULL};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	struct cubo_error *err = rc < 0 ? cubo_filter_check(filters, keys) : NULL;
	if (err)
		rc = mgr_usage_error(m, "volume prune", err);
	if (rc < 0 && !force &&
	    !mgr_confirm(all ? "This will remove all volumes not used by a container."
			     : "This will remove anonymous volumes not used by a container."))
		rc = 0;
	if (rc < 0) {
		uint64_t bytes = 0;
		err = volume_prune(m, all, filters, &bytes);
		rc = mgr_prune_done(m, err, bytes);
	}
	cubo_strv_free(filters);
	return rc;
}

/* label= of a prune's filters (its other keys are not the volumes'), for one volume */
static bool prune_label(const char *key, const char *value, void *item)
{
	return strcmp(key, "label") || cubo_filter_label(item, value);
}

struct cubo_error *volume_prune(struct mgr *m, bool all, char *const *filters, uint64_t *reclaimed)
{
	struct ctr_volume *v;
	size_t n;
	CUBO_TRY(volume_list(m->root, &v, &n));
	printf("Deleted Volumes:\n");
	struct cubo_error *err = NULL;
	for (size_t i = 0; i < n && !err; i++) {
		if ((!all && !v[i].anonymous) ||
		    !cubo_filter_match(filters, prune_label, v[i].labels))
			continue;
		char *user = NULL;
		uint64_t bytes = 0;
		err = volume_user(m, v[i].name, &user);
		if (!err && !user)
			cubo_error_free(cubo_du(v[i].mountpoint, &bytes));
		if (!err && !user && !(err = volume_remove(m->root, v[i].name))) {
			printf("%s\n", v[i].name);
			*reclaimed += bytes;
			ev_volume(m->root, "destroy", v[i].name, NULL, &m->events_warned);
		}
		free(user);
	}
	ctr_volumes_free(v, n);
	return err;
}

static const struct mgr_subcommand subs[] = {
	{"create", volume_create_cmd, "create a volume"},
	{"ls", volume_ls_cmd, "list volumes"},
	{"list", volume_ls_cmd, NULL},
	{"inspect", volume_inspect_cmd, "show volumes as JSON"},
	{"rm", volume_rm_cmd, "remove volumes"},
	{"remove", volume_rm_cmd, NULL},
	{"prune", volume_prune_cmd, "remove unused volumes"},
};

int cmd_volume(struct mgr *m, int argc, char **argv)
{
	return mgr_run_subcommand(m, "volume", "Manage named volumes.", subs, CLI_N(subs), argc,
				  argv);
}

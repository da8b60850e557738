/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr compose ls, images, events: what the containers' com.docker.compose labels say
 * of the projects (ls needs no compose file), the project's images, its events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/cmd_compose.h"
#include "cubo-mgr/cmd_events.h"
#include "cubo-mgr/compose/run_args.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/image/progress.h"
#include "cubo-mgr/image/store.h"
#include "cubo-mgr/image_view.h"
#include "shared/json.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/tabwriter.h"
#include "shared/xalloc.h"

struct project_row {
	char *name, *files;
	char **states; /* one per container: "running", "exited", ... */
	size_t n_states;
	bool up;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct project_row *)a)->name, ((const struct project_row *)b)->name);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "exited(1), running(2)": the states counted, in order of their names, as compose does */
static char *combined_status(struct project_row *r)
{
	qsort(r->states, r->n_states, sizeof(char *), by_string);
	struct cubo_strbuf b = {0};
	for (size_t i = 0; i < r->n_states;) {
		size_t j = i;
		while (j < r->n_states && !strcmp(r->states[j], r->states[i]))
			j++;
		char *one = xasprintf("%s%s(%zu)", b.len ? ", " : "", r->states[i], j - i);
		cubo_strbuf_adds(&b, one);
		free(one);
		i = j;
	}
	return b.s ? cubo_strbuf_take(&b) : xstrdup("");
}

static struct project_row *rows_of(struct ctr_record *v, size_t n, size_t *n_rows)
{
	struct project_row *rows = NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *pr = compose_label(&v[i], COMPOSE_LABEL_PROJECT);
		if (!pr)
			continue;
		size_t j = 0;
		while (j < k && strcmp(rows[j].name, pr))
			j++;
		if (j == k) {
			rows = xrealloc(rows, (k + 1) * sizeof(*rows));
			const char *files = compose_label(&v[i], COMPOSE_LABEL_FILES);
			rows[k++] = (struct project_row){.name = xstrdup(pr),
							 .files = xstrdup(files ? files : "")};
		}
		cubo_strv_push(&rows[j].states, &rows[j].n_states, ctr_status_name(v[i].status));
		rows[j].up |= v[i].status == CTR_RUNNING || v[i].status == CTR_PAUSED;
	}
	if (k)
		qsort(rows, k, sizeof(*rows), by_name);
	*n_rows = k;
	return rows;
}

int compose_ls_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	(void)c;
	struct cli_args args;
	bool all = false, quiet = false;
	const char *format = "table";
	const struct cli_opt opts[] = {
		{"all", 'a', CLI_BOOL, &all, NULL, "stopped projects too"},
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "only the names"},
		{"format", 0, CLI_STRING, &format, "table|json", "the output's format"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose ls",
		.usage = "compose ls [OPTIONS]",
		MGR_ARGS(0, 0, "accepts no arguments"),
		.description = "List the projects of the containers' com.docker.compose.project "
			       "labels: NAME, STATUS (the containers' states counted), CONFIG "
			       "FILES.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	bool json = !strcmp(format, "json");
	if (!json && strcmp(format, "table"))
		return mgr_usage_error(m, "compose ls",
				       cubo_error_new("--format \"%s\": table or json", format));
	struct ctr_ctx cc;
	struct ctr_record *v = NULL;
	size_t n = 0, n_rows;
	struct cubo_error *err = ctr_ctx_open(m, &cc);
	if (!err)
		err = ctr_store_list(&cc.store, &v, &n);
	ctr_ctx_close(&cc);
	if (err)
		return mgr_fail(m, err);
	struct project_row *rows = rows_of(v, n, &n_rows);
	ctr_records_free(v, n);
	struct cubo_strbuf b = {0};
	cubo_strbuf_adds(&b, "NAME\tSTATUS\tCONFIG FILES\n");
	struct cubo_json_gen *g = NULL;
	if (json && !cubo_json_gen_new(false, &g))
		cubo_json_gen_array_open(g);
	for (size_t i = 0; i < n_rows; i++) {
		struct project_row *r = &rows[i];
		char *status = combined_status(r);
		if (!all && !r->up) {
		} else if (quiet) {
			printf("%s\n", r->name);
		} else if (g) {
			cubo_json_gen_map_open(g);
			mgr_json_kv(g, "Name", r->name);
			mgr_json_kv(g, "Status", status);
			mgr_json_kv(g, "ConfigFiles", r->files);
			cubo_json_gen_map_close(g);
		} else {
			char *row = xasprintf("%s\t%s\t%s\n", r->name, status, r->files);
			cubo_strbuf_adds(&b, row);
			free(row);
		}
		free(status);
		free(r->name);
		free(r->files);
		cubo_strv_free(r->states);
	}
	free(rows);
	if (g) {
		char *out;
		size_t len;
		cubo_json_gen_array_close(g);
		if (!cubo_json_gen_finish(g, &out, &len)) {
			printf("%s\n", out);
			free(out);
		}
	} else if (!json && !quiet) {
		char *t = tabwriter_align(b.s, b.len, 0, 3);
		fputs(t, stdout);
		free(t);
	}
	free(b.s);
	return 0;
}

int compose_events_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	bool json = false;
	const char *since = NULL, *until = NULL;
	const struct cli_opt opts[] = {
		{"json", 0, CLI_BOOL, &json, NULL, "one JSON object a line"},
		{"since", 0, CLI_STRING, &since, "TIME", "events from then on"},
		{"until", 0, CLI_STRING, &until, "TIME", "events up to then (then end)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose events",
		.usage = "compose events [OPTIONS] [SERVICE...]",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = "Print what happens to the project's containers as it happens: "
			       "the manager's events of its com.docker.compose.project label.",
		MGR_OPTS(opts),
	};
	struct compose_project p;
	int rc = compose_parse_load(m, c, &spec, argc, argv, &args, &p);
	if (rc >= 0)
		return rc;
	const struct cnode *svcs = ctree_get(p.model, "services");
	char **filters = NULL, **services = NULL;
	size_t n = 0, n_svc = 0;
	char *label = xasprintf("label=%s=%s", COMPOSE_LABEL_PROJECT, p.name);
	cubo_strv_push(&filters, &n, label);
	free(label);
	for (int i = 0; i < args.n; i++) {
		if (!ctree_get(svcs, args.v[i])) {
			rc = mgr_fail(m, cubo_error_new("no such service: %s", args.v[i]));
			break;
		}
		cubo_strv_push(&services, &n_svc, args.v[i]);
	}
	if (rc < 0)
		rc = mgr_events_stream(m, "compose events", filters, services, since, until, NULL,
				       json ? MGR_EVENTS_COMPOSE_JSON : MGR_EVENTS_COMPOSE);
	cubo_strv_free(services);
	cubo_strv_free(filters);
	compose_project_free(&p);
	return rc;
}

int compose_images_cmd(struct mgr *m, struct compose_cli *c, int argc, char **argv)
{
	struct cli_args args;
	bool quiet = false;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "only the image IDs"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "compose images",
		.usage = "compose images [OPTIONS] [SERVICE...]",
		MGR_ARGS(0, MGR_ARGS_ANY, NULL),
		.description = "The images of the project's containers: CONTAINER, REPOSITORY, "
			       "TAG, IMAGE ID, SIZE.",
		MGR_OPTS(opts),
	};
	struct compose_project p;
	int rc = compose_parse_load(m, c, &spec, argc, argv, &args, &p);
	if (rc >= 0)
		return rc;
	char **names;
	struct store *s = NULL;
	struct image_row *rows = NULL;
	size_t n_rows = 0;
	struct ctr_ctx cc = {0};
	struct cubo_error *err = NULL;
	if ((rc = compose_targets(m, &p, &args, COMPOSE_ALL, &names)) >= 0)
		goto out;
	rc = 0;
	if ((err = store_open(m->root, &s)) || (err = image_rows(s, &rows, &n_rows)) ||
	    (err = ctr_ctx_open(m, &cc)))
		goto out;
	struct cubo_strbuf b = {0};
	cubo_strbuf_adds(&b, "CONTAINER\tREPOSITORY\tTAG\tIMAGE ID\tSIZE\n");
	for (size_t i = 0; !err && names[i]; i++) {
		struct ctr_record r;
		if ((err = ctr_find(&cc, names[i], &r)))
			break;
		const struct image_row *row = NULL;
		for (size_t j = 0; !row && j < n_rows; j++)
			if (r.image_id && !strcmp(rows[j].id, r.image_id))
				row = &rows[j];
		char *repo, *tag, size[16] = "";
		image_name_split(r.image, &repo, &tag);
		if (row)
			progress_format_bytes(row->size, size);
		const char *id = r.image_id ? image_short_id(r.image_id) : "";
		if (quiet) {
			printf("%s\n", id);
		} else {
			char *line = xasprintf("%s\t%s\t%s\t%s\t%s\n", r.name, repo, tag, id, size);
			cubo_strbuf_adds(&b, line);
			free(line);
		}
		free(repo);
		free(tag);
		ctr_record_free(&r);
	}
	if (!err && !quiet) {
		char *t = tabwriter_align(b.s, b.len, 0, 3);
		fputs(t, stdout);
		free(t);
	}
	free(b.s);
out:
	ctr_ctx_close(&cc);
	image_rows_free(rows, n_rows);
	store_close(s);
	cubo_strv_free(names);
	compose_project_free(&p);
	return err ? mgr_fail(m, err) : rc;
}

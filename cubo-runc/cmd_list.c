/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cubo-runc/container.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/runc.h"
#include "shared/json.h"

struct list_row {
	char *id;
	int pid;
	const char *status;
	char *bundle;
	char *created;
	char owner[64];
};

static void owner_name(const char *dir, char out[64])
{
	struct stat st;
	struct passwd *pw;

	if (stat(dir, &st) < 0) {
		snprintf(out, 64, "?");
		return;
	}
	pw = getpwuid(st.st_uid);
	if (pw)
		snprintf(out, 64, "%s", pw->pw_name);
	else
		snprintf(out, 64, "#%u", st.st_uid);
}

static int compare_rows(const void *a, const void *b)
{
	return strcmp(((const struct list_row *)a)->id, ((const struct list_row *)b)->id);
}

static struct cubo_error *collect(const char *root, struct list_row **rows, size_t *n)
{
	DIR *d = opendir(root);
	struct dirent *de;
	size_t cap = 0;

	*rows = NULL;
	*n = 0;
	if (!d)
		return NULL; /* no root yet: no containers */
	while ((de = readdir(d))) {
		struct container *c;
		struct list_row *r;

		if (de->d_name[0] == '.')
			continue;
		if (container_load(root, de->d_name, false, &c)) {
			continue; /* vanished or unreadable: list shows what it can */
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct list_row *nr = realloc(*rows, cap * sizeof(**rows));
			if (!nr) {
				container_free(c);
				closedir(d);
				return cubo_error_new("out of memory");
			}
			*rows = nr;
		}
		r = &(*rows)[(*n)++];
		memset(r, 0, sizeof(*r));
		enum container_status st = container_status(c);
		r->id = strdup(c->id);
		r->status = container_status_name(st);
		if (c->state) {
			r->pid = st == STATUS_STOPPED ? 0 : c->state->pid;
			r->bundle = c->state->bundle ? strdup(c->state->bundle) : NULL;
			r->created = c->state->created ? strdup(c->state->created) : NULL;
		}
		owner_name(c->dir, r->owner);
		container_free(c);
	}
	closedir(d);
	/* with no container *rows is NULL, which qsort must not be given */
	if (*n > 1)
		qsort(*rows, *n, sizeof(**rows), compare_rows);
	return NULL;
}

static struct cubo_error *print_json(const struct list_row *rows, size_t n)
{
	struct cubo_json_gen *gen;
	char *out;
	size_t len;

	CUBO_TRY(cubo_json_gen_new(false, &gen));
	cubo_json_gen_array_open(gen);
	for (size_t i = 0; i < n; i++) {
		cubo_json_gen_map_open(gen);
		cubo_json_gen_key(gen, "ociVersion");
		cubo_json_gen_string(gen, "1.2.0");
		cubo_json_gen_key(gen, "id");
		cubo_json_gen_string(gen, rows[i].id);
		cubo_json_gen_key(gen, "pid");
		cubo_json_gen_int(gen, rows[i].pid);
		cubo_json_gen_key(gen, "status");
		cubo_json_gen_string(gen, rows[i].status);
		cubo_json_gen_key(gen, "bundle");
		cubo_json_gen_string(gen, rows[i].bundle ? rows[i].bundle : "");
		cubo_json_gen_key(gen, "created");
		cubo_json_gen_string(gen, rows[i].created ? rows[i].created : "");
		cubo_json_gen_key(gen, "owner");
		cubo_json_gen_string(gen, rows[i].owner);
		cubo_json_gen_map_close(gen);
	}
	cubo_json_gen_array_close(gen);
	CUBO_TRY(cubo_json_gen_finish(gen, &out, &len));
	runc_print_json(out, len);
	return NULL;
}

static void print_table(const struct list_row *rows, size_t n, bool quiet)
{
	int w_id = 2, w_bundle = 6, w_created = 7;

	for (size_t i = 0; i < n; i++) {
		if (quiet) {
			printf("%s\n", rows[i].id);
			continue;
		}
		w_id = (int)strlen(rows[i].id) > w_id ? (int)strlen(rows[i].id) : w_id;
		if (rows[i].bundle && (int)strlen(rows[i].bundle) > w_bundle)
			w_bundle = (int)strlen(rows[i].bundle);
		if (rows[i].created && (int)strlen(rows[i].created) > w_created)
			w_created = (int)strlen(rows[i].created);
	}
	if (quiet)
		return;
	printf("%-*s   %-10s %-10s %-*s   %-*s   %s\n", w_id, "ID", "PID", "STATUS", w_bundle,
	       "BUNDLE", w_created, "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++)
		printf("%-*s   %-10d %-10s %-*s   %-*s   %s\n", w_id, rows[i].id, rows[i].pid,
		       rows[i].status, w_bundle, rows[i].bundle ? rows[i].bundle : "", w_created,
		       rows[i].created ? rows[i].created : "", rows[i].owner);
}

int cmd_list(struct runc_globals *g, int argc, char **argv)
{
	const char *format = "table";
	bool help, quiet = false;
	struct list_row *rows;
	size_t n;
	int first;
	const struct runc_opt opts[] = {
		{"format", 'f', OPT_STRING, &format, "FORMAT", "table (default) or json"},
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "print only the container ids"},
	};
	struct cubo_error *err = opts_parse(argc, argv, opts, OPTS_N(opts), &help, &first);

	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, "cubo-runc list [options]",
				"List the containers under --root.", opts, OPTS_N(opts));
		return 0;
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return runc_fail(g, cubo_error_new("--format: invalid value \"%s\" (table or json)",
						   format));
	err = collect(g->root, &rows, &n);
	if (err)
		return runc_fail(g, err);
	if (strcmp(format, "json") == 0)
		err = print_json(rows, n);
	else
		print_table(rows, n, quiet);
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].bundle);
		free(rows[i].created);
	}
	free(rows);
	return err ? runc_fail(g, err) : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/container_list.h"
#include "cubo-runc/opts.h"
#include "cubo-runc/runc.h"
#include "shared/json.h"

static struct cubo_error *print_json(const struct container_summary *rows, size_t n)
{
	struct cubo_json_gen *gen;
	char *out;
	size_t len;

	CUBO_TRY(cubo_json_gen_new(false, &gen));
	cubo_json_gen_array_open(gen);
	for (size_t i = 0; i < n; i++) {
		cubo_json_gen_map_open(gen);
		cubo_json_gen_key(gen, "ociVersion");
		cubo_json_gen_string(gen, rows[i].oci_version ? rows[i].oci_version : "");
		cubo_json_gen_key(gen, "id");
		cubo_json_gen_string(gen, rows[i].id);
		cubo_json_gen_key(gen, "pid");
		cubo_json_gen_int(gen, rows[i].pid);
		cubo_json_gen_key(gen, "status");
		cubo_json_gen_string(gen, rows[i].status);
		cubo_json_gen_key(gen, "bundle");
		cubo_json_gen_string(gen, rows[i].bundle ? rows[i].bundle : "");
		cubo_json_gen_key(gen, "rootfs");
		cubo_json_gen_string(gen, rows[i].rootfs ? rows[i].rootfs : "");
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

static void print_table(const struct container_summary *rows, size_t n, bool quiet)
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
	struct container_summary *rows;
	size_t n;
	int first;
	const struct runc_opt opts[] = {
		{"format", 'f', OPT_STRING, &format, "FORMAT", "table (default) or json"},
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "print only the container ids"},
	};
	struct cubo_error *err = opts_parse_anywhere(argc, argv, opts, OPTS_N(opts), &help, &first);

	if (err)
		return runc_fail(g, err);
	if (help) {
		opts_print_help(stdout, g->summary, "cubo-runc list [options]",
				"List the containers under --root.", opts, OPTS_N(opts));
		return 0;
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return runc_fail(g, cubo_error_new("--format: invalid value \"%s\" (table or json)",
						   format));
	container_list(g->root, &rows, &n);
	if (strcmp(format, "json") == 0)
		err = print_json(rows, n);
	else
		print_table(rows, n, quiet);
	container_summaries_free(rows, n);
	return err ? runc_fail(g, err) : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* cubo-mgr diff: the files a container added, changed and deleted (ctr_diff.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/container/ctr_diff.h"
#include "cubo-mgr/ctr_fs.h"
#include "cubo-mgr/format.h"
#include "shared/json.h"

static struct cubo_error *list_changes(struct ctr_ctx *c, const char *arg, struct ctr_change **v,
				       size_t *n)
{
	struct ctr_record r;
	CUBO_TRY(ctr_find(c, arg, &r));
	struct ctr_fs f;
	struct cubo_error *err = ctr_fs_open(c, &r, &f);
	if (!err)
		err = ctr_fs_need_upper(&f, r.name);
	if (!err)
		err = ctr_diff(f.upper, f.lowers, f.mounts, v, n);
	ctr_fs_free(&f);
	ctr_record_free(&r);
	return err;
}

static struct cubo_error *print_changes(struct mgr_format *fmt, const struct ctr_change *v,
					size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fmt->kind == MGR_FORMAT_DEFAULT) {
			printf("%c %s\n", ctr_change_letter(v[i].kind), v[i].path);
			continue;
		}
		struct cubo_json_gen *g = mgr_format_object();
		if (!g)
			continue;
		mgr_json_kv(g, "Path", v[i].path);
		cubo_json_gen_key(g, "Kind");
		cubo_json_gen_int(g, v[i].kind);
		cubo_json_gen_map_close(g);
		CUBO_TRY(mgr_format_add(fmt, g));
	}
	mgr_format_flush(fmt, NULL, 0);
	return NULL;
}

int cmd_diff(struct mgr *m, int argc, char **argv)
{
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"format", 0, CLI_STRING, &format, "FORMAT",
		 "json (one {\"Path\",\"Kind\"} object a line), or a Go template"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "diff",
		.usage = "diff [OPTIONS] CONTAINER",
		.description = "List the files and directories a container added (A), changed (C)\n"
			       "and deleted (D) over its image, running or not.",
		MGR_ARGS(1, 1, "expected one container"),
		MGR_OPTS(opts),
	};
	struct cli_args args;
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct mgr_format fmt;
	struct cubo_error *err = mgr_format_open(format, &fmt);
	if (err)
		return mgr_usage_error(m, "diff", err);
	struct ctr_ctx c;
	struct ctr_change *v = NULL;
	size_t n = 0;
	if (!(err = ctr_ctx_open(m, &c)))
		err = list_changes(&c, args.v[0], &v, &n);
	ctr_ctx_close(&c);
	if (!err)
		err = print_changes(&fmt, v, n);
	ctr_changes_free(v, n);
	mgr_format_close(&fmt);
	if (err)
		return mgr_fail(m, cubo_error_wrap(err, "diff %s", args.v[0]));
	return 0;
}

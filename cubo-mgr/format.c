/* SPDX-License-Identifier: Apache-2.0 */
/* --format for the commands: see format.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/format.h"
#include "shared/json.h"

char *mgr_format_join(char *const *v, const char *sep)
{
	struct cubo_strbuf b = {0};
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			cubo_strbuf_adds(&b, sep);
		cubo_strbuf_adds(&b, v[i]);
	}
	return cubo_strbuf_take(&b);
}

struct cubo_json_gen *mgr_format_object(void)
{
	struct cubo_json_gen *g;
	struct cubo_error *err = cubo_json_gen_new(false, &g);
	if (err) {
		cubo_error_free(err);
		return NULL;
	}
	cubo_json_gen_map_open(g);
	return g;
}

struct cubo_error *mgr_format_open(const char *format, struct mgr_format *f)
{
	memset(f, 0, sizeof(*f));
	if (!format || !strcmp(format, "table"))
		return NULL;
	if (!strcmp(format, "json")) {
		f->kind = MGR_FORMAT_JSON;
		return NULL;
	}
	f->kind = MGR_FORMAT_TEMPLATE;
	return cubo_error_wrap(gotmpl_format_init(&f->tf, format), "--format");
}

struct cubo_error *mgr_format_add(struct mgr_format *f, struct cubo_json_gen *g)
{
	char *text;
	size_t len;
	if (!g)
		return cubo_error_new("--format: the object could not be made");
	if (f->kind == MGR_FORMAT_DEFAULT) {
		cubo_json_gen_free(g);
		return NULL;
	}
	CUBO_TRY(cubo_json_gen_finish(g, &text, &len));
	if (f->kind == MGR_FORMAT_JSON) {
		printf("%s\n", text);
		free(text);
		return NULL;
	}
	yajl_val v;
	struct cubo_error *err = cubo_json_parse(text, len, "--format", &v);
	free(text);
	CUBO_TRY(err);
	err = gotmpl_format_add(&f->tf, v);
	yajl_tree_free(v);
	return err;
}

void mgr_format_flush(struct mgr_format *f, const struct mgr_title *titles, size_t n_titles)
{
	if (f->kind != MGR_FORMAT_TEMPLATE)
		return;
	yajl_val header = NULL;
	struct cubo_json_gen *g;
	char *text;
	size_t len;
	if (f->tf.table && !cubo_json_gen_new(false, &g)) {
		cubo_json_gen_map_open(g);
		for (size_t i = 0; i < n_titles; i++) {
			cubo_json_gen_key(g, titles[i].field);
			cubo_json_gen_string(g, titles[i].title);
		}
		cubo_json_gen_map_close(g);
		struct cubo_error *err = cubo_json_gen_finish(g, &text, &len);
		if (!err) {
			err = cubo_json_parse(text, len, "titles", &header);
			free(text);
		}
		cubo_error_free(err);
	}
	char *out = gotmpl_format_finish(&f->tf, header);
	fputs(out, stdout);
	free(out);
	if (header)
		yajl_tree_free(header);
}

void mgr_format_close(struct mgr_format *f)
{
	if (f->kind == MGR_FORMAT_TEMPLATE)
		gotmpl_format_free(&f->tf);
}

struct cubo_error *mgr_gen_text(struct mgr *m, void *ctx, const char *name, char **json)
{
	(void)m;
	const struct mgr_gen_ctx *gc = ctx;
	struct cubo_json_gen *g;
	size_t len;
	CUBO_TRY(cubo_json_gen_new(false, &g));
	struct cubo_error *err = gc->fn(gc->ctx, name, g);
	if (err) {
		cubo_json_gen_free(g);
		return err;
	}
	return cubo_json_gen_finish(g, json, &len);
}

int mgr_format_inspect(struct mgr *m, const char *cmd, const char *format, char *const *names,
		       int n, mgr_json_fn fn, void *ctx)
{
	if (!format || !strcmp(format, "json"))
		return mgr_print_json_array(m, names, n, fn, ctx);
	struct gotmpl_format tf;
	struct cubo_error *err = cubo_error_wrap(gotmpl_format_init(&tf, format), "--format");
	if (err)
		return mgr_usage_error(m, cmd, err);
	tf.table = false; /* inspect prints no header row */
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char *text = NULL;
		yajl_val v = NULL;
		err = fn(m, ctx, names[i], &text);
		if (!err)
			err = cubo_json_parse(text, strlen(text), names[i], &v);
		free(text);
		if (!err) {
			err = gotmpl_format_add(&tf, v);
			yajl_tree_free(v);
		}
		/* what the objects before made is printed before the error, as docker does */
		char *out = gotmpl_format_finish(&tf, NULL);
		fputs(out, stdout);
		free(out);
		if (err)
			rc = mgr_fail(m, err);
	}
	gotmpl_format_free(&tf);
	return rc;
}

int mgr_parse_format(struct mgr *m, const struct mgr_cmd_spec *spec, int argc, char **argv,
		     struct cli_args *args, const char *const *format, struct mgr_format *f)
{
	int rc = mgr_parse_args(m, spec, argc, argv, args);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = mgr_format_open(*format, f);
	return err ? mgr_usage_error(m, spec->name, err) : -1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* docker's --format: see gotmpl_format.h. */
#include <stdlib.h>
#include <string.h>

#include "shared/gotmpl_format.h"
#include "shared/tabwriter.h"
#include "shared/xalloc.h"

bool gotmpl_format_is_table(const char *format)
{
	return !strncmp(format, "table", 5);
}

struct cubo_error *gotmpl_format_init(struct gotmpl_format *f, const char *format)
{
	memset(f, 0, sizeof(*f));
	f->table = gotmpl_format_is_table(format);
	const char *s = format + (f->table ? 5 : 0);
	size_t len = strlen(s);
	while (len && s[0] == ' ') {
		s++;
		len--;
	}
	while (len && s[len - 1] == ' ')
		len--;
	/* docker replaces the two characters \t and \n before parsing */
	struct cubo_strbuf b = {0};
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 't' || s[i + 1] == 'n')) {
			cubo_strbuf_addc(&b, s[i + 1] == 't' ? '\t' : '\n');
			i++;
		} else {
			cubo_strbuf_addc(&b, s[i]);
		}
	}
	size_t n = b.len;
	char *text = cubo_strbuf_take(&b);
	struct cubo_error *err = gotmpl_parse(text, n, &f->tmpl);
	free(text);
	return err;
}

struct cubo_error *gotmpl_format_add(struct gotmpl_format *f, yajl_val obj)
{
	size_t before = f->rows.len;
	struct cubo_error *err = gotmpl_exec(f->tmpl, obj, &f->rows);
	if (err) {
		/* nothing of a failed line is shown */
		f->rows.len = before;
		if (f->rows.s)
			f->rows.s[before] = '\0';
		return err;
	}
	cubo_strbuf_addc(&f->rows, '\n');
	return NULL;
}

char *gotmpl_format_finish(struct gotmpl_format *f, yajl_val titles)
{
	if (!f->table) {
		char *out = cubo_strbuf_take(&f->rows);
		return out;
	}
	struct cubo_strbuf all = {0};
	/* as docker, a header the template cannot make is left empty */
	struct cubo_error *err = gotmpl_exec_header(f->tmpl, titles, &all);
	if (err) {
		cubo_error_free(err);
		all.len = 0;
		if (all.s)
			all.s[0] = '\0';
	}
	cubo_strbuf_addc(&all, '\n');
	if (f->rows.len)
		cubo_strbuf_add(&all, f->rows.s, f->rows.len);
	char *out = tabwriter_align(all.s, all.len, GOTMPL_TABLE_MINWIDTH, GOTMPL_TABLE_PADDING);
	free(all.s);
	free(f->rows.s);
	memset(&f->rows, 0, sizeof(f->rows));
	return out;
}

void gotmpl_format_free(struct gotmpl_format *f)
{
	gotmpl_free(f->tmpl);
	free(f->rows.s);
	memset(f, 0, sizeof(*f));
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cubofile.toml: the build file in TOML, read into the same instruction list
 * as the text Cubofile. Both dialects users were promised are accepted, and
 * may be mixed:
 *
 *   [image]
 *   base = "alpine:latest"          FROM alpine:latest (required)
 *   name = "myapp"                  accepted and ignored: tag with cubo build -t
 *
 *   [args]                          ARG VERSION=3.19, one per key; a string,
 *   VERSION = "3.19"                integer or boolean default
 *
 *   [[run]] or [[config.run]]       RUN; command = "shell line" (shell form)
 *   command = "apk add python3"     or ["exec", "form"]
 *
 *   [[copy]] or [[config.copy]]     COPY; source = "a" or ["a", "b"];
 *   source = "app.py"               also from (a stage, as COPY --from),
 *   destination = "/app/app.py"     chown and chmod, all strings
 *
 *   [config]
 *   workdir = "/app"                WORKDIR
 *   user = "app"                    USER
 *   stopsignal = "SIGTERM"          STOPSIGNAL (a name or a number)
 *   cmd = ["python3", "app.py"]     CMD, ENTRYPOINT: a string is the shell
 *   entrypoint = ["/init"]          form, an array the exec form; or a table,
 *                                   [config.cmd] command = [...]
 *   expose = ["8080/tcp", 53]       EXPOSE: "port[/proto]" strings or numbers
 *   volumes = ["/data"]             VOLUME: paths (or one path)
 *   [config.env]                    ENV APP_ENV=production, one instruction
 *   APP_ENV = "production"          for the table; strings, integers, booleans
 *   [config.labels]                 LABEL, one instruction for the table; a
 *   "org.example.team" = "web"      nested table's keys are joined with "."
 *   [config.healthcheck]            HEALTHCHECK CMD: command as cmd's (a
 *   command = "wget -q localhost"   string: CMD-SHELL); interval, timeout,
 *   interval = "10s"                start_period, start_interval (Go
 *   retries = 5                     durations) and retries (an integer)
 *                                   optional; healthcheck = "none" is
 *                                   HEALTHCHECK NONE
 *   onbuild = ["COPY . /src"]       ONBUILD, one per entry (or one string):
 *                                   the instruction as a Cubofile line
 *
 * The order of the instructions: FROM first, then the ARGs of [args] in the
 * order they are written, then every other step in the order its definition
 * appears in the file, top to bottom (and left to right on one line). A
 * step's definition is where its key is written ("workdir = ...", or the
 * "env" of [config.env]), and for [[run]] and [[copy]] entries where their
 * [[header]] (or their inline table) is. So a [config.env] written after a
 * [[run]] comes after that RUN, and that RUN does not see those variables.
 * [args] are also the global ARGs, so base can use them: "alpine:${VERSION}".
 *
 * Any other key is an error, and so is a value of the wrong type: the
 * messages point at the key or the value by line and column.
 */
#include "cubo-mgr/builder/instr.h"
#include "cubo-mgr/container/health.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/toml.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

/* Instructions sort by rank first: FROM, then ARGs, then the rest. */
enum { RANK_FROM, RANK_ARG, RANK_STEP };

struct step {
	struct build_instr in;
	int rank, col;
	size_t seq;
};

struct ctx {
	const char *path;
	struct step *v;
	size_t n, cap;
	bool have_base;
	struct build_kv *globals;
	size_t n_globals;
};

static struct cubo_error *err_at(struct ctx *c, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct cubo_error *err_at(struct ctx *c, int line, int col, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	struct cubo_error *err = cubo_error_new("%s:%d:%d: %s", c->path, line, col, msg);
	free(msg);
	return err;
}

/* "where: expected want, got integer", at v. */
static struct cubo_error *type_error(struct ctx *c, const struct toml_value *v, const char *where,
				     const char *want)
{
	return err_at(c, v->line, v->col, "%s: expected %s, got %s", where, want,
		      toml_type_name(v->type));
}

static struct cubo_error *unknown(struct ctx *c, const struct toml_entry *e, const char *prefix)
{
	return err_at(c, e->line, e->col, "unknown key \"%s%s%.200s\"", prefix, *prefix ? "." : "",
		      e->key);
}

static bool is(const struct toml_entry *e, const char *key)
{
	return !strcmp(e->key, key) && strlen(key) == e->key_len;
}

/* ------------------------------------------------------------- the text */

static void sb_json(struct cubo_strbuf *b, const char *s)
{
	cubo_strbuf_adds(b, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[8];
		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			cubo_strbuf_add(b, esc, 2);
		} else if (ch == '\n') {
			cubo_strbuf_adds(b, "\\n");
		} else if (ch == '\t') {
			cubo_strbuf_adds(b, "\\t");
		} else if (ch < 0x20 || ch == 0x7F) {
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
			cubo_strbuf_adds(b, esc);
		} else {
			cubo_strbuf_add(b, s, 1);
		}
	}
	cubo_strbuf_adds(b, "\"");
}

static bool plain_word(const char *s)
{
	return *s && !strpbrk(s, " \t\n\r\"'\\");
}

/* A value in ENV, ARG and LABEL text: as it is, or in double quotes. */
static void sb_word(struct cubo_strbuf *b, const char *s)
{
	if (plain_word(s)) {
		cubo_strbuf_adds(b, s);
		return;
	}
	cubo_strbuf_adds(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			cubo_strbuf_adds(b, "\\");
		cubo_strbuf_add(b, s, 1);
	}
	cubo_strbuf_adds(b, "\"");
}

static void sb_json_array(struct cubo_strbuf *b, char *const *v)
{
	cubo_strbuf_adds(b, "[");
	for (size_t i = 0; v[i]; i++) {
		if (i)
			cubo_strbuf_adds(b, ",");
		sb_json(b, v[i]);
	}
	cubo_strbuf_adds(b, "]");
}

/* HEALTHCHECK's arguments as a Cubofile writes them. */
static void health_text(struct cubo_strbuf *b, const struct oci_healthcheck *h)
{
	const char *flag[] = {"--interval=", "--timeout=", "--start-period=", "--start-interval="};
	const int64_t val[] = {h->interval, h->timeout, h->start_period, h->start_interval};
	char d[CUBO_DURATION_LEN];

	if (!strcmp(h->test.v[0], "NONE")) {
		cubo_strbuf_adds(b, "NONE");
		return;
	}
	for (size_t i = 0; i < 4; i++) {
		if (!val[i])
			continue;
		cubo_duration_format(val[i], d);
		cubo_strbuf_adds(b, flag[i]);
		cubo_strbuf_adds(b, d);
		cubo_strbuf_adds(b, " ");
	}
	if (h->retries) {
		snprintf(d, sizeof(d), "--retries=%d ", h->retries);
		cubo_strbuf_adds(b, d);
	}
	cubo_strbuf_adds(b, "CMD ");
	if (!strcmp(h->test.v[0], "CMD-SHELL"))
		cubo_strbuf_adds(b, h->test.v[1]);
	else
		sb_json_array(b, h->test.v + 1);
}

/* The Cubofile line of in, which has everything but its text. */
static char *instr_text(const struct build_instr *in)
{
	static const char *const kw[] = {
		[BUILD_FROM] = "FROM",	     [BUILD_RUN] = "RUN",
		[BUILD_COPY] = "COPY",	     [BUILD_ADD] = "ADD",
		[BUILD_ENV] = "ENV",	     [BUILD_ARG] = "ARG",
		[BUILD_LABEL] = "LABEL",     [BUILD_WORKDIR] = "WORKDIR",
		[BUILD_USER] = "USER",	     [BUILD_STOPSIGNAL] = "STOPSIGNAL",
		[BUILD_EXPOSE] = "EXPOSE",   [BUILD_VOLUME] = "VOLUME",
		[BUILD_CMD] = "CMD",	     [BUILD_ENTRYPOINT] = "ENTRYPOINT",
		[BUILD_SHELL] = "SHELL",     [BUILD_HEALTHCHECK] = "HEALTHCHECK",
		[BUILD_ONBUILD] = "ONBUILD",
	};
	struct cubo_strbuf b = {0};

	cubo_strbuf_adds(&b, kw[in->op]);
	cubo_strbuf_adds(&b, " ");
	switch (in->op) {
	case BUILD_FROM:
		cubo_strbuf_adds(&b, in->image);
		break;
	case BUILD_RUN:
	case BUILD_CMD:
	case BUILD_ENTRYPOINT:
	case BUILD_SHELL:
		if (in->shell_form)
			cubo_strbuf_adds(&b, in->args[0]);
		else
			sb_json_array(&b, in->args);
		break;
	case BUILD_COPY:
	case BUILD_ADD: {
		const char *flag[] = {"--from=", "--chown=", "--chmod="};
		const char *val[] = {in->from_stage, in->chown, in->chmod};
		bool plain = plain_word(in->dest);
		for (size_t i = 0; i < 3; i++) {
			if (val[i]) {
				cubo_strbuf_adds(&b, flag[i]);
				sb_word(&b, val[i]);
				cubo_strbuf_adds(&b, " ");
			}
		}
		for (size_t i = 0; in->sources[i]; i++)
			plain = plain && plain_word(in->sources[i]);
		if (!plain) {
			cubo_strbuf_adds(&b, "[");
			for (size_t i = 0; in->sources[i]; i++) {
				sb_json(&b, in->sources[i]);
				cubo_strbuf_adds(&b, ",");
			}
			sb_json(&b, in->dest);
			cubo_strbuf_adds(&b, "]");
			break;
		}
		for (size_t i = 0; in->sources[i]; i++) {
			cubo_strbuf_adds(&b, in->sources[i]);
			cubo_strbuf_adds(&b, " ");
		}
		cubo_strbuf_adds(&b, in->dest);
		break;
	}
	case BUILD_ENV:
	case BUILD_ARG:
	case BUILD_LABEL:
		for (size_t i = 0; i < in->n_kv; i++) {
			if (i)
				cubo_strbuf_adds(&b, " ");
			cubo_strbuf_adds(&b, in->kv[i].key);
			cubo_strbuf_adds(&b, "=");
			sb_word(&b, in->kv[i].value);
		}
		break;
	case BUILD_WORKDIR:
	case BUILD_USER:
	case BUILD_STOPSIGNAL:
	case BUILD_ONBUILD:
		cubo_strbuf_adds(&b, in->value);
		break;
	case BUILD_HEALTHCHECK:
		health_text(&b, in->health);
		break;
	case BUILD_EXPOSE:
	case BUILD_VOLUME: {
		bool plain = true;
		for (size_t i = 0; in->list[i]; i++)
			plain = plain && plain_word(in->list[i]);
		if (!plain) {
			sb_json_array(&b, in->list);
			break;
		}
		for (size_t i = 0; in->list[i]; i++) {
			if (i)
				cubo_strbuf_adds(&b, " ");
			cubo_strbuf_adds(&b, in->list[i]);
		}
		break;
	}
	}
	return b.s;
}

/* Take in: it sorts by rank, then by line:col. */
static void push(struct ctx *c, struct build_instr *in, int rank, int line, int col)
{
	in->line = line;
	in->text = instr_text(in);
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		c->v = xreallocarray(c->v, cap, sizeof(*c->v));
		c->cap = cap;
	}
	c->v[c->n] = (struct step){.in = *in, .rank = rank, .col = col, .seq = c->n};
	c->n++;
}

/* ------------------------------------------------------------ the values */

/*
 * The text of a string (an integer or a boolean too when scalars): no NULs,
 * and not empty unless allow_empty.
 */
static struct cubo_error *text_of(struct ctx *c, const struct toml_value *v, const char *where,
				  bool scalars, bool allow_empty, char **out)
{
	char num[32];
	const char *s;

	if (v->type == TOML_STRING) {
		if (strlen(v->string.s) != v->string.len)
			return err_at(c, v->line, v->col, "%s: contains a NUL character", where);
		if (!allow_empty && !v->string.len)
			return err_at(c, v->line, v->col, "%s: must not be empty", where);
		s = v->string.s;
	} else if (scalars && v->type == TOML_INTEGER) {
		snprintf(num, sizeof(num), "%" PRId64, v->integer);
		s = num;
	} else if (scalars && v->type == TOML_BOOL) {
		s = v->boolean ? "true" : "false";
	} else {
		return type_error(c, v, where, scalars ? "string, integer or boolean" : "string");
	}
	*out = xstrdup(s);
	return NULL;
}

/* A string, or a non-empty array of strings. */
static struct cubo_error *strings_of(struct ctx *c, const struct toml_value *v, const char *where,
				     char ***out, bool *single)
{
	char *s;

	*out = NULL;
	if (single)
		*single = v->type == TOML_STRING;
	if (v->type == TOML_STRING) {
		CUBO_TRY(text_of(c, v, where, false, false, &s));
		*out = xcalloc(2, sizeof(char *));
		(*out)[0] = s;
		return NULL;
	}
	if (v->type != TOML_ARRAY)
		return type_error(c, v, where, "string or array of strings");
	if (v->array.n == 0)
		return err_at(c, v->line, v->col, "%s: must not be empty", where);
	*out = xcalloc(v->array.n + 1, sizeof(char *));
	for (size_t i = 0; i < v->array.n; i++) {
		struct cubo_error *err = text_of(c, v->array.v[i], where, false, true, &(*out)[i]);
		if (err) {
			cubo_strv_free(*out);
			*out = NULL;
			return err;
		}
	}
	return NULL;
}

/* command = "shell form" or ["exec", "form"]: into in's args. */
static struct cubo_error *command_of(struct ctx *c, const struct toml_value *v, const char *where,
				     struct build_instr *in)
{
	return strings_of(c, v, where, &in->args, &in->shell_form);
}

/* [[run]] or [[config.run]]: one entry. */
static struct cubo_error *run_step(struct ctx *c, const struct toml_value *el, const char *sect,
				   const char *prefix)
{
	const struct toml_value *cmd = NULL;
	char where[128];

	if (el->type != TOML_TABLE)
		return type_error(c, el, sect, "table");
	for (size_t i = 0; i < el->table.n; i++) {
		const struct toml_entry *e = &el->table.v[i];
		if (!is(e, "command"))
			return unknown(c, e, prefix);
		cmd = e->value;
	}
	if (!cmd)
		return err_at(c, el->line, el->col, "%s: command is missing", sect);
	struct build_instr in = {.op = BUILD_RUN};
	snprintf(where, sizeof(where), "%s command", sect);
	struct cubo_error *err = command_of(c, cmd, where, &in);
	if (err) {
		build_instr_clear(&in);
		return err;
	}
	push(c, &in, RANK_STEP, el->line, el->col);
	return NULL;
}

/* [[copy]] or [[config.copy]]: one entry. */
static struct cubo_error *copy_step(struct ctx *c, const struct toml_value *el, const char *sect,
				    const char *prefix)
{
	struct build_instr in = {.op = BUILD_COPY};
	struct cubo_error *err = NULL;
	char where[128];

	if (el->type != TOML_TABLE)
		return type_error(c, el, sect, "table");
	for (size_t i = 0; i < el->table.n && !err; i++) {
		const struct toml_entry *e = &el->table.v[i];
		char **field = is(e, "destination") ? &in.dest
			       : is(e, "from")	    ? &in.from_stage
			       : is(e, "chown")	    ? &in.chown
			       : is(e, "chmod")	    ? &in.chmod
						    : NULL;
		snprintf(where, sizeof(where), "%s %s", sect, e->key);
		if (is(e, "source"))
			err = strings_of(c, e->value, where, &in.sources, NULL);
		else if (field)
			err = text_of(c, e->value, where, false, false, field);
		else
			err = unknown(c, e, prefix);
	}
	if (!err && !in.sources)
		err = err_at(c, el->line, el->col, "%s: source is missing", sect);
	if (!err && !in.dest)
		err = err_at(c, el->line, el->col, "%s: destination is missing", sect);
	if (err) {
		build_instr_clear(&in);
		return err;
	}
	push(c, &in, RANK_STEP, el->line, el->col);
	return NULL;
}

/* run = [...] / copy = [...]: arrays of tables (or of inline tables). */
static struct cubo_error *steps(struct ctx *c, const struct toml_value *v, bool copy,
				const char *prefix)
{
	char sect[64];

	snprintf(sect, sizeof(sect), "[[%s]]", prefix);
	if (v->type != TOML_ARRAY)
		return type_error(c, v, prefix, "array of tables");
	for (size_t i = 0; i < v->array.n; i++)
		CUBO_TRY(copy ? copy_step(c, v->array.v[i], sect, prefix)
			      : run_step(c, v->array.v[i], sect, prefix));
	return NULL;
}

/* A string value for WORKDIR, USER or STOPSIGNAL. */
static struct cubo_error *value_step(struct ctx *c, const struct toml_entry *e, enum build_op op)
{
	struct build_instr in = {.op = op};
	char where[128];

	snprintf(where, sizeof(where), "[config] %s", e->key);
	CUBO_TRY(text_of(c, e->value, where,
			 op == BUILD_STOPSIGNAL && e->value->type == TOML_INTEGER, false,
			 &in.value));
	push(c, &in, RANK_STEP, e->line, e->col);
	return NULL;
}

/* cmd / entrypoint: a string, an array, or a table holding command. */
static struct cubo_error *cmd_step(struct ctx *c, const struct toml_entry *e, enum build_op op)
{
	const struct toml_value *v = e->value;
	char where[128], prefix[64];

	snprintf(where, sizeof(where), "[config] %s", e->key);
	if (v->type == TOML_TABLE) {
		const struct toml_value *cmd = NULL;
		snprintf(prefix, sizeof(prefix), "config.%s", e->key);
		for (size_t i = 0; i < v->table.n; i++) {
			if (!is(&v->table.v[i], "command"))
				return unknown(c, &v->table.v[i], prefix);
			cmd = v->table.v[i].value;
		}
		if (!cmd)
			return err_at(c, v->line, v->col, "[config.%s]: command is missing",
				      e->key);
		snprintf(where, sizeof(where), "[config.%s] command", e->key);
		v = cmd;
	} else if (v->type != TOML_STRING && v->type != TOML_ARRAY) {
		return type_error(c, v, where, "string, array of strings or table");
	}
	struct build_instr in = {.op = op};
	struct cubo_error *err = command_of(c, v, where, &in);
	if (err) {
		build_instr_clear(&in);
		return err;
	}
	push(c, &in, RANK_STEP, e->line, e->col);
	return NULL;
}

/* expose / volumes: an array (or one value) into in.list. */
static struct cubo_error *list_step(struct ctx *c, const struct toml_entry *e, enum build_op op)
{
	const struct toml_value *v = e->value;
	const struct toml_value *const *items = (const struct toml_value *const *)&e->value;
	size_t n = 1;
	char where[128];

	snprintf(where, sizeof(where), "[config] %s", e->key);
	if (v->type == TOML_ARRAY) {
		items = (const struct toml_value *const *)v->array.v;
		n = v->array.n;
	}
	if (n == 0)
		return err_at(c, v->line, v->col, "%s: must not be empty", where);
	struct build_instr in = {.op = op, .list = xcalloc(n + 1, sizeof(char *))};
	for (size_t i = 0; i < n; i++) {
		const struct toml_value *it = items[i];
		struct cubo_error *err = NULL;
		if (op == BUILD_EXPOSE && it->type == TOML_INTEGER) {
			if (it->integer < 1 || it->integer > 65535)
				err = err_at(c, it->line, it->col,
					     "%s: port %" PRId64 " is out of range (1 to 65535)",
					     where, it->integer);
			else
				in.list[i] = xasprintf("%" PRId64, it->integer);
		} else if (op == BUILD_EXPOSE && it->type != TOML_STRING) {
			err = type_error(c, it, where, "string or integer");
		} else {
			err = text_of(c, it, where, false, false, &in.list[i]);
		}
		if (err) {
			build_instr_clear(&in);
			return err;
		}
	}
	push(c, &in, RANK_STEP, e->line, e->col);
	return NULL;
}

/* onbuild = ["RUN make", ...]: one ONBUILD per trigger, each checked as the Cubofile's. */
static struct cubo_error *onbuild_step(struct ctx *c, const struct toml_entry *e)
{
	const struct toml_value *v = e->value;
	const struct toml_value *const *items = (const struct toml_value *const *)&e->value;
	size_t n = 1;
	if (v->type == TOML_ARRAY) {
		items = (const struct toml_value *const *)v->array.v;
		n = v->array.n;
	}
	for (size_t i = 0; i < n; i++) {
		const struct toml_value *it = items[i];
		char *text = NULL,
		     *where = xasprintf("%s:%d:%d: [config] onbuild", c->path, it->line, it->col);
		struct build_instr trigger;
		struct cubo_error *err = text_of(c, it, "[config] onbuild", false, false, &text);
		if (!err)
			err = cubofile_parse_trigger(text, where, &trigger);
		free(where);
		free(text);
		CUBO_TRY(err);
		struct build_instr in = {.op = BUILD_ONBUILD, .value = xstrdup(trigger.text)};
		build_instr_clear(&trigger);
		push(c, &in, RANK_STEP, it->line, it->col);
	}
	return NULL;
}

static void kv_add(struct build_instr *in, const char *key, size_t klen, char *value)
{
	in->kv = xreallocarray(in->kv, in->n_kv + 1, sizeof(*in->kv));
	in->kv[in->n_kv++] =
		(struct build_kv){.key = xstrndup(key, klen), .value = value, .has_value = true};
}

/* The labels of table t, nested tables' keys joined to prefix with ".". */
static struct cubo_error *labels_into(struct ctx *c, const struct toml_value *t, const char *prefix,
				      struct build_instr *in)
{
	for (size_t i = 0; i < t->table.n; i++) {
		const struct toml_entry *e = &t->table.v[i];
		char *key = xasprintf("%s%s%s", prefix, *prefix ? "." : "", e->key), *val = NULL,
		     where[256];
		struct cubo_error *err = NULL;
		snprintf(where, sizeof(where), "[config.labels] %s", key);
		if (strlen(e->key) != e->key_len || !*e->key)
			err = err_at(c, e->line, e->col, "%s: a label needs a name without NULs",
				     where);
		else if (e->value->type == TOML_TABLE)
			err = labels_into(c, e->value, key, in);
		else if (!(err = text_of(c, e->value, where, true, true, &val)))
			kv_add(in, key, strlen(key), val);
		free(key);
		CUBO_TRY(err);
	}
	return NULL;
}

/* env / labels: one ENV or LABEL for the table. */
static struct cubo_error *kv_step(struct ctx *c, const struct toml_entry *e, enum build_op op)
{
	const struct toml_value *t = e->value;
	struct build_instr in = {.op = op};
	struct cubo_error *err = NULL;
	char where[256];

	snprintf(where, sizeof(where), "[config] %s", e->key);
	if (t->type != TOML_TABLE)
		return type_error(c, t, where, "table");
	if (op == BUILD_LABEL) {
		err = labels_into(c, t, "", &in);
	} else {
		for (size_t i = 0; i < t->table.n && !err; i++) {
			const struct toml_entry *v = &t->table.v[i];
			char *val = NULL;
			snprintf(where, sizeof(where), "[config.env] %.200s", v->key);
			if (!*v->key || strlen(v->key) != v->key_len || strpbrk(v->key, "= \t\n"))
				err = err_at(c, v->line, v->col,
					     "%s: not a variable name (no \"=\", spaces or NULs)",
					     where);
			else if (!(err = text_of(c, v->value, where, true, true, &val)))
				kv_add(&in, v->key, v->key_len, val);
		}
	}
	if (err) {
		build_instr_clear(&in);
		return err;
	}
	if (in.n_kv == 0)
		return NULL; /* an empty table sets nothing */
	push(c, &in, RANK_STEP, e->line, e->col);
	return NULL;
}

/* One key of [config.healthcheck] into h. */
static struct cubo_error *health_key(struct ctx *c, const struct toml_entry *e,
				     struct oci_healthcheck *h)
{
	static const char *const names[] = {"interval", "timeout", "start_period",
					    "start_interval"};
	int64_t *const dst[] = {&h->interval, &h->timeout, &h->start_period, &h->start_interval};
	char where[128], *text = NULL;
	struct cubo_error *err = NULL;

	snprintf(where, sizeof(where), "[config.healthcheck] %s", e->key);
	if (is(e, "command")) {
		struct build_instr tmp = {0};
		CUBO_TRY(command_of(c, e->value, where, &tmp));
		oci_healthcheck_test_push(h, tmp.shell_form ? "CMD-SHELL" : "CMD");
		for (size_t i = 0; tmp.args[i]; i++)
			oci_healthcheck_test_push(h, tmp.args[i]);
		build_instr_clear(&tmp);
		return NULL;
	}
	if (is(e, "retries")) {
		if (e->value->type != TOML_INTEGER)
			return type_error(c, e->value, where, "integer");
		if (e->value->integer < 0 || e->value->integer > INT32_MAX)
			return err_at(c, e->value->line, e->value->col,
				      "%s: must be 0 to 2147483647", where);
		h->retries = (int)e->value->integer;
		return NULL;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		if (!is(e, names[i]))
			continue;
		CUBO_TRY(text_of(c, e->value, where, false, false, &text));
		err = health_duration_parse(where, text, dst[i]);
		free(text);
		if (err) {
			char *msg = cubo_error_text(err);
			cubo_error_free(err);
			err = err_at(c, e->value->line, e->value->col, "%s", msg);
			free(msg);
		}
		return err;
	}
	return unknown(c, e, "config.healthcheck");
}

/* healthcheck = "none", or [config.healthcheck]: HEALTHCHECK. */
static struct cubo_error *health_step(struct ctx *c, const struct toml_entry *e)
{
	const struct toml_value *v = e->value;
	struct build_instr in = {.op = BUILD_HEALTHCHECK};
	struct cubo_error *err = NULL;

	in.health = xcalloc(1, sizeof(*in.health));
	if (v->type == TOML_STRING) {
		if (strcasecmp(v->string.s, "none"))
			err = err_at(
				c, v->line, v->col,
				"[config] healthcheck: expected \"none\" or a table, got \"%.64s\"",
				v->string.s);
		else
			oci_healthcheck_test_push(in.health, "NONE");
	} else if (v->type != TOML_TABLE) {
		err = type_error(c, v, "[config] healthcheck", "\"none\" or table");
	} else {
		for (size_t i = 0; i < v->table.n && !err; i++)
			err = health_key(c, &v->table.v[i], in.health);
		if (!err && !in.health->test.n)
			err = err_at(c, v->line, v->col,
				     "[config.healthcheck]: command is missing");
	}
	if (err) {
		build_instr_clear(&in);
		return err;
	}
	push(c, &in, RANK_STEP, e->line, e->col);
	return NULL;
}

static struct cubo_error *config(struct ctx *c, const struct toml_value *t)
{
	if (t->type != TOML_TABLE)
		return type_error(c, t, "config", "table");
	for (size_t i = 0; i < t->table.n; i++) {
		const struct toml_entry *e = &t->table.v[i];
		if (is(e, "workdir"))
			CUBO_TRY(value_step(c, e, BUILD_WORKDIR));
		else if (is(e, "user"))
			CUBO_TRY(value_step(c, e, BUILD_USER));
		else if (is(e, "stopsignal"))
			CUBO_TRY(value_step(c, e, BUILD_STOPSIGNAL));
		else if (is(e, "cmd"))
			CUBO_TRY(cmd_step(c, e, BUILD_CMD));
		else if (is(e, "entrypoint"))
			CUBO_TRY(cmd_step(c, e, BUILD_ENTRYPOINT));
		else if (is(e, "expose"))
			CUBO_TRY(list_step(c, e, BUILD_EXPOSE));
		else if (is(e, "volumes"))
			CUBO_TRY(list_step(c, e, BUILD_VOLUME));
		else if (is(e, "env"))
			CUBO_TRY(kv_step(c, e, BUILD_ENV));
		else if (is(e, "labels"))
			CUBO_TRY(kv_step(c, e, BUILD_LABEL));
		else if (is(e, "healthcheck"))
			CUBO_TRY(health_step(c, e));
		else if (is(e, "onbuild"))
			CUBO_TRY(onbuild_step(c, e));
		else if (is(e, "run"))
			CUBO_TRY(steps(c, e->value, false, "config.run"));
		else if (is(e, "copy"))
			CUBO_TRY(steps(c, e->value, true, "config.copy"));
		else
			return unknown(c, e, "config");
	}
	return NULL;
}

static struct cubo_error *image(struct ctx *c, const struct toml_value *t)
{
	char *ignored = NULL;

	if (t->type != TOML_TABLE)
		return type_error(c, t, "image", "table");
	for (size_t i = 0; i < t->table.n; i++) {
		const struct toml_entry *e = &t->table.v[i];
		if (is(e, "base")) {
			struct build_instr in = {.op = BUILD_FROM};
			CUBO_TRY(text_of(c, e->value, "[image] base", false, false, &in.image));
			push(c, &in, RANK_FROM, e->line, e->col);
			c->have_base = true;
		} else if (is(e, "name")) {
			/* the image's name is given to cubo build -t */
			CUBO_TRY(text_of(c, e->value, "[image] name", false, false, &ignored));
			free(ignored);
		} else {
			return unknown(c, e, "image");
		}
	}
	return NULL;
}

static bool arg_name(const char *s, size_t len)
{
	if (len == 0 || strlen(s) != len || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static struct cubo_error *args(struct ctx *c, const struct toml_value *t)
{
	char where[256];

	if (t->type != TOML_TABLE)
		return type_error(c, t, "args", "table");
	for (size_t i = 0; i < t->table.n; i++) {
		const struct toml_entry *e = &t->table.v[i];
		struct build_instr in = {.op = BUILD_ARG};
		char *val = NULL;
		snprintf(where, sizeof(where), "[args] %.200s", e->key);
		if (!arg_name(e->key, e->key_len))
			return err_at(c, e->line, e->col,
				      "%s: an ARG name is letters, digits and \"_\"", where);
		CUBO_TRY(text_of(c, e->value, where, true, true, &val));
		c->globals = xreallocarray(c->globals, c->n_globals + 1, sizeof(*c->globals));
		c->globals[c->n_globals++] = (struct build_kv){xstrdup(e->key), xstrdup(val), true};
		kv_add(&in, e->key, e->key_len, val);
		push(c, &in, RANK_ARG, e->line, e->col);
	}
	return NULL;
}

static int step_cmp(const void *a, const void *b)
{
	const struct step *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	if (x->rank == RANK_STEP && x->in.line != y->in.line)
		return x->in.line < y->in.line ? -1 : 1;
	if (x->rank == RANK_STEP && x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct cubo_error *walk(struct ctx *c, const struct toml_value *root)
{
	for (size_t i = 0; i < root->table.n; i++) {
		const struct toml_entry *e = &root->table.v[i];
		if (is(e, "image"))
			CUBO_TRY(image(c, e->value));
		else if (is(e, "args"))
			CUBO_TRY(args(c, e->value));
		else if (is(e, "config"))
			CUBO_TRY(config(c, e->value));
		else if (is(e, "run"))
			CUBO_TRY(steps(c, e->value, false, "run"));
		else if (is(e, "copy"))
			CUBO_TRY(steps(c, e->value, true, "copy"));
		else
			return unknown(c, e, "");
	}
	if (!c->have_base)
		return cubo_error_new("%s: [image] base is missing", c->path);
	return NULL;
}

struct cubo_error *cubofile_toml_parse(const char *text, size_t len, const char *path,
				       struct build_file **out)
{
	struct ctx c = {.path = path ? path : "Cubofile.toml"};
	struct toml_value *root = NULL;
	struct build_file *f = NULL;

	*out = NULL;
	struct cubo_error *err = toml_parse(text, len, c.path, &root);
	if (!err)
		err = walk(&c, root);
	toml_free(root);
	if (err) {
		for (size_t i = 0; i < c.n; i++)
			build_instr_clear(&c.v[i].in);
		free(c.v);
		for (size_t i = 0; i < c.n_globals; i++) {
			free(c.globals[i].key);
			free(c.globals[i].value);
		}
		free(c.globals);
		return err;
	}
	f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(c.path);
	if (c.n)
		f->v = xcalloc(c.n, sizeof(*f->v));
	if (c.n > 1) /* qsort must not be given a NULL array, even empty */
		qsort(c.v, c.n, sizeof(*c.v), step_cmp);
	for (size_t i = 0; i < c.n; i++)
		f->v[i] = c.v[i].in;
	f->n = c.n;
	f->global_args = c.globals;
	f->n_global_args = c.n_globals;
	free(c.v);
	*out = f;
	return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* --log-driver and --log-opt: see logconf.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/container/logconf.h"
#include "shared/json.h"
#include "shared/size.h"
#include "shared/xalloc.h"

static const char *const driver_names[] = {
	[LOG_DRIVER_K8S_FILE] = "k8s-file",
	[LOG_DRIVER_JSON_FILE] = "json-file",
	[LOG_DRIVER_JOURNALD] = "journald",
	[LOG_DRIVER_NONE] = "none",
};

const char *log_driver_name(enum log_driver d)
{
	return (unsigned)d < sizeof(driver_names) / sizeof(*driver_names) ? driver_names[d]
									  : "unknown";
}

bool log_driver_is_file(enum log_driver d)
{
	return d == LOG_DRIVER_K8S_FILE || d == LOG_DRIVER_JSON_FILE;
}

void log_config_free(struct log_config *c)
{
	free(c->tag);
	c->tag = NULL;
}

static struct cubo_error *parse_max_size(const char *v, int64_t *out)
{
	if (!strcmp(v, "-1")) {
		*out = -1;
		return NULL;
	}
	struct cubo_error *err = cubo_parse_size(v, out);
	if (!err && *out <= 0)
		err = cubo_error_new("expected a size above 0, or -1 for no limit");
	return err;
}

static struct cubo_error *parse_max_file(const char *v, unsigned *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 1 || n > (long)LOG_MAX_FILES)
		return cubo_error_new("expected a number of files from 1 to %u", LOG_MAX_FILES);
	*out = (unsigned)n;
	return NULL;
}

/* One "key=value" of --log-opt, for the driver chosen. */
static struct cubo_error *apply_opt(struct log_config *c, const char *kv, bool *file_set)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return cubo_error_new("--log-opt \"%s\": expected KEY=VALUE", kv);
	size_t klen = (size_t)(eq - kv);
	const char *v = eq + 1;
	bool file = log_driver_is_file(c->driver);
	struct cubo_error *err = NULL;
	if (file && klen == 8 && !strncmp(kv, "max-size", klen)) {
		err = parse_max_size(v, &c->max_size);
	} else if (file && klen == 8 && !strncmp(kv, "max-file", klen)) {
		err = parse_max_file(v, &c->max_file);
		*file_set = true;
	} else if (c->driver == LOG_DRIVER_JOURNALD && klen == 3 && !strncmp(kv, "tag", klen)) {
		/* a journal field's value: one line */
		for (const char *p = v; *p && !err; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				err = cubo_error_new("a control character is not allowed");
		if (!err && !*v)
			err = cubo_error_new("expected a tag");
		if (!err) {
			free(c->tag);
			c->tag = xstrdup(v);
		}
	} else {
		return cubo_error_new("--log-opt \"%.*s\": unknown log opt for log driver %s",
				      (int)klen, kv, log_driver_name(c->driver));
	}
	return err ? cubo_error_wrap(err, "--log-opt %.*s=%s", (int)klen, kv, v) : NULL;
}

struct cubo_error *log_config_parse(const char *driver, char *const *opts, struct log_config *out)
{
	memset(out, 0, sizeof(*out));
	out->driver = LOG_DRIVER_K8S_FILE;
	out->max_size = LOG_DEFAULT_MAX_SIZE;
	out->max_file = LOG_DEFAULT_MAX_FILE;
	if (driver && *driver) {
		size_t i;
		for (i = 0; i < sizeof(driver_names) / sizeof(*driver_names); i++)
			if (!strcmp(driver, driver_names[i]))
				break;
		if (i == sizeof(driver_names) / sizeof(*driver_names))
			return cubo_error_new("--log-driver \"%s\": unknown log driver (supported: "
					      "%s)",
					      driver, LOG_DRIVER_NAMES);
		out->driver = (enum log_driver)i;
	}
	bool file_set = false;
	for (size_t i = 0; opts && opts[i]; i++) {
		struct cubo_error *err = apply_opt(out, opts[i], &file_set);
		if (err) {
			log_config_free(out);
			return err;
		}
	}
	/* as docker: with no size limit there is nothing to rotate */
	if (out->max_size < 0 && file_set && out->max_file > 1) {
		log_config_free(out);
		return cubo_error_new("--log-opt max-file: cannot be set when max-size is -1 (no "
				      "limit)");
	}
	return NULL;
}

void log_config_gen_json(struct cubo_json_gen *g, const char *key, const char *driver,
			 char *const *opts)
{
	cubo_json_gen_key(g, key);
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "Type");
	cubo_json_gen_string(g, driver ? driver : log_driver_name(LOG_DRIVER_K8S_FILE));
	cubo_json_gen_key(g, "Config");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *eq = strchr(opts[i], '=');
		if (!eq)
			continue;
		char *k = xstrndup(opts[i], (size_t)(eq - opts[i]));
		cubo_json_gen_key(g, k);
		cubo_json_gen_string(g, eq + 1);
		free(k);
	}
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);
}

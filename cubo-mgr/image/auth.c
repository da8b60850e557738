/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/image/auth.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define DOCKER_HUB_KEY "https://index.docker.io/v1/"

/* ---- challenges ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

/* token or quoted-string at *p; advances *p. NULL on a syntax error. */
static char *value(const char **p)
{
	const char *s = *p;
	char *out = xmalloc(strlen(s) + 1), *o = out;
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			*o++ = *s;
		}
		if (*s != '"') {
			free(out);
			return NULL;
		}
		s++;
	} else {
		while (*s && *s != ',' && *s != ' ' && *s != '\t')
			*o++ = *s++;
	}
	*o = 0;
	*p = s;
	return out;
}

struct cubo_error *auth_challenge_parse(const char *header, struct auth_challenge *out)
{
	memset(out, 0, sizeof(*out));
	const char *p = skip_ws(header);
	size_t n = strcspn(p, " \t");
	if (n == 0)
		return cubo_error_new("WWW-Authenticate \"%s\": no scheme", header);
	out->scheme = xstrndup(p, n);
	p += n;
	for (;;) {
		p = skip_ws(p);
		if (!*p)
			break;
		size_t k = strcspn(p, "= \t,");
		if (p[k] != '=' || k == 0) {
			auth_challenge_free(out);
			return cubo_error_new("WWW-Authenticate \"%s\": expected name=value",
					      header);
		}
		char *name = xstrndup(p, k);
		p += k + 1;
		char *v = value(&p);
		if (!v) {
			free(name);
			free(v);
			auth_challenge_free(out);
			return cubo_error_new("WWW-Authenticate \"%s\": unterminated quoted value",
					      header);
		}
		char **slot = !strcasecmp(name, "realm")     ? &out->realm
			      : !strcasecmp(name, "service") ? &out->service
			      : !strcasecmp(name, "scope")   ? &out->scope
							     : NULL;
		if (slot) {
			free(*slot);
			*slot = v;
		} else {
			free(v);
		}
		free(name);
	}
	return NULL;
}

void auth_challenge_free(struct auth_challenge *c)
{
	free(c->scheme);
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

/* ---- base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *auth_base64_encode(const void *data, size_t len)
{
	const unsigned char *d = data;
	char *out = xmalloc(4 * ((len + 2) / 3) + 1), *o = out;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)d[i + 1] << 8;
		if (i + 2 < len)
			v |= d[i + 2];
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*o = 0;
	return out;
}

char *auth_base64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s);
	if (n % 4)
		return NULL;
	char *out = xmalloc(n / 4 * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			const char *c = strchr(b64, s[i + k]);
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				pad++;
				v <<= 6;
				continue;
			}
			if (!c || !s[i + k] || pad) {
				free(out);
				return NULL;
			}
			v = v << 6 | (uint32_t)(c - b64);
		}
		out[o++] = (char)(v >> 16);
		if (pad < 2)
			out[o++] = (char)(v >> 8);
		if (pad < 1)
			out[o++] = (char)v;
	}
	out[o] = 0;
	if (len)
		*len = o;
	return out;
}

/* ---- auth files ---- */

static char *env_path(char *const *env, const char *var, const char *fallback_home_rel,
		      const char *suffix)
{
	const char *v = cubo_strv_env_get(env, var);
	if (v && *v)
		return xasprintf("%s/%s", v, suffix);
	const char *home = cubo_strv_env_get(env, "HOME");
	if (!fallback_home_rel || !home || !*home)
		return NULL;
	return xasprintf("%s/%s/%s", home, fallback_home_rel, suffix);
}

char *auth_default_file(char *const *env)
{
	char *p = env_path(env, "XDG_CONFIG_HOME", ".config", "cubo/auth.json");
	return p ? p : xstrdup("/root/.config/cubo/auth.json");
}

/* "user:password" from an entry's "auth", or its "username"/"password". */
static struct cubo_error *entry_credentials(yajl_val entry, const char *file, const char *host,
					    char **user, char **pass)
{
	yajl_val a = cubo_json_get(entry, "auth");
	if (YAJL_IS_STRING(a) && *a->u.string) {
		size_t len;
		char *dec = auth_base64_decode(a->u.string, &len);
		char *colon = dec ? memchr(dec, ':', len) : NULL;
		if (!colon) {
			free(dec);
			return cubo_error_new("%s: auths.%s.auth: not base64 of user:password",
					      file, host);
		}
		*colon = 0;
		*user = xstrdup(dec);
		*pass = xstrdup(colon + 1);
		free(dec);
		return NULL;
	}
	yajl_val u = cubo_json_get(entry, "username"), p = cubo_json_get(entry, "password");
	if (YAJL_IS_STRING(u) && YAJL_IS_STRING(p)) {
		*user = xstrdup(u->u.string);
		*pass = xstrdup(p->u.string);
	}
	return NULL;
}

/* Entry for host in an "auths" object; Docker Hub has two spellings. */
static yajl_val find_entry(yajl_val auths, const char *host)
{
	yajl_val e = cubo_json_get(auths, host);
	if (!e && (!strcmp(host, "docker.io") || !strcmp(host, "registry-1.docker.io")))
		e = cubo_json_get(auths, DOCKER_HUB_KEY);
	if (!e && !strcmp(host, "docker.io"))
		e = cubo_json_get(auths, "index.docker.io");
	return YAJL_IS_OBJECT(e) ? e : NULL;
}

static struct cubo_error *lookup_file(const char *file, const char *host, char **user, char **pass)
{
	char *data;
	size_t len;
	yajl_val root;
	if (!cubo_path_exists(file))
		return NULL;
	CUBO_TRY(cubo_read_file(file, &data, &len));
	struct cubo_error *err = cubo_json_parse(data, len, file, &root);
	free(data);
	if (err)
		return err;
	yajl_val e = find_entry(cubo_json_get(root, "auths"), host);
	if (e)
		err = entry_credentials(e, file, host, user, pass);
	yajl_tree_free(root);
	return err;
}

struct cubo_error *auth_lookup(const char *explicit_file, char *const *env, const char *host,
			       char **user, char **pass)
{
	*user = *pass = NULL;
	if (explicit_file)
		return lookup_file(explicit_file, host, user, pass);
	char *files[4] = {NULL};
	const char *v = cubo_strv_env_get(env, "REGISTRY_AUTH_FILE");
	files[0] = v && *v ? xstrdup(v) : NULL;
	files[1] = auth_default_file(env);
	files[2] = env_path(env, "XDG_RUNTIME_DIR", NULL, "containers/auth.json");
	files[3] = env_path(env, "DOCKER_CONFIG", ".docker", "config.json");
	struct cubo_error *err = NULL;
	for (size_t i = 0; i < 4 && !err && !*user; i++)
		if (files[i])
			err = lookup_file(files[i], host, user, pass);
	for (size_t i = 0; i < 4; i++)
		free(files[i]);
	return err;
}

/* Rewrite path with host's entry replaced (user NULL: removed). */
static struct cubo_error *rewrite(const char *path, const char *host, const char *user,
				  const char *pass, bool *found)
{
	yajl_val root = NULL;
	struct cubo_error *err = NULL;
	if (cubo_path_exists(path)) {
		char *data;
		size_t len;
		CUBO_TRY(cubo_read_file(path, &data, &len));
		err = cubo_json_parse(data, len, path, &root);
		free(data);
		if (err)
			return err;
		if (!YAJL_IS_OBJECT(root)) {
			yajl_tree_free(root);
			return cubo_error_new("%s: not a JSON object", path);
		}
	}
	struct cubo_json_gen *g;
	if ((err = cubo_json_gen_new(true, &g))) {
		yajl_tree_free(root);
		return err;
	}
	if (found)
		*found = false;
	cubo_json_gen_map_open(g);
	yajl_val auths = root ? cubo_json_get(root, "auths") : NULL;
	for (size_t i = 0; root && i < root->u.object.len; i++) {
		if (strcmp(root->u.object.keys[i], "auths")) {
			cubo_json_gen_key(g, root->u.object.keys[i]);
			cubo_json_gen_value(g, root->u.object.values[i]);
		}
	}
	cubo_json_gen_key(g, "auths");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; YAJL_IS_OBJECT(auths) && i < auths->u.object.len; i++) {
		if (!strcmp(auths->u.object.keys[i], host)) {
			if (found)
				*found = true;
			continue;
		}
		cubo_json_gen_key(g, auths->u.object.keys[i]);
		cubo_json_gen_value(g, auths->u.object.values[i]);
	}
	if (user) {
		char *plain = xasprintf("%s:%s", user, pass);
		char *enc = auth_base64_encode(plain, strlen(plain));
		cubo_json_gen_key(g, host);
		cubo_json_gen_map_open(g);
		cubo_json_gen_key(g, "auth");
		cubo_json_gen_string(g, enc);
		cubo_json_gen_map_close(g);
		free(plain);
		free(enc);
	}
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);
	yajl_tree_free(root);
	char *out;
	size_t len;
	CUBO_TRY(cubo_json_gen_finish(g, &out, &len));
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		err = cubo_mkdir_p(dir, 0700);
	}
	free(dir);
	if (!err)
		err = cubo_write_file_atomic(path, out, len, 0600);
	free(out);
	return err;
}

struct cubo_error *auth_file_store(const char *path, const char *host, const char *user,
				   const char *pass)
{
	return rewrite(path, host, user, pass, NULL);
}

struct cubo_error *auth_file_remove(const char *path, const char *host, bool *found)
{
	*found = false;
	if (!cubo_path_exists(path))
		return NULL;
	return rewrite(path, host, NULL, NULL, found);
}

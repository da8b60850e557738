/* SPDX-License-Identifier: Apache-2.0 */
/* Executing CNI plugin lists: see cni.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/net/cni.h"
#include "cubo-mgr/settings.h"
#include "shared/json.h"
#include "shared/xalloc.h"

/* The text of a JSON string node; "" for anything else. */
static const char *str_of(yajl_val v)
{
	const char *s = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
	return s ? s : "";
}

#define PLUGIN_TIMEOUT_MS 60000
#define MAX_OUTPUT (1 << 20)

const char *cni_path(const char *configured)
{
	return configured && *configured ? configured : MGR_CNI_PATH_DEFAULT;
}

static char *find_plugin(const char *type, const char *path)
{
	if (!*type || strchr(type, '/'))
		return NULL;
	char *dirs = xstrdup(path), *save = NULL;
	char *found = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, type);
		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(dirs);
	return found;
}

static bool has_capability(yajl_val plugin, const char *cap)
{
	yajl_val v = cubo_json_get(cubo_json_get(plugin, "capabilities"), cap);
	return v && YAJL_IS_TRUE(v);
}

struct cubo_error *cni_plugin_config(yajl_val list, size_t index, yajl_val prev_result,
				     yajl_val port_mappings, char **out, size_t *len)
{
	yajl_val plugins = cubo_json_get(list, "plugins");
	if (!YAJL_IS_ARRAY(plugins) || index >= plugins->u.array.len)
		return cubo_error_new("CNI list: no plugin %zu", index);
	yajl_val p = plugins->u.array.values[index];
	if (!YAJL_IS_OBJECT(p))
		return cubo_error_new("CNI list: plugins[%zu] is not an object", index);
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(false, &g));
	cubo_json_gen_map_open(g);
	for (size_t i = 0; i < p->u.object.len; i++) {
		const char *k = p->u.object.keys[i];
		if (!strcmp(k, "name") || !strcmp(k, "cniVersion") || !strcmp(k, "prevResult") ||
		    !strcmp(k, "runtimeConfig"))
			continue;
		cubo_json_gen_key(g, k);
		cubo_json_gen_value(g, p->u.object.values[i]);
	}
	cubo_json_gen_key(g, "name");
	cubo_json_gen_value(g, cubo_json_get(list, "name"));
	cubo_json_gen_key(g, "cniVersion");
	cubo_json_gen_value(g, cubo_json_get(list, "cniVersion"));
	if (port_mappings && has_capability(p, "portMappings")) {
		cubo_json_gen_key(g, "runtimeConfig");
		cubo_json_gen_map_open(g);
		cubo_json_gen_key(g, "portMappings");
		cubo_json_gen_value(g, port_mappings);
		cubo_json_gen_map_close(g);
	}
	if (prev_result) {
		cubo_json_gen_key(g, "prevResult");
		cubo_json_gen_value(g, prev_result);
	}
	cubo_json_gen_map_close(g);
	return cubo_json_gen_finish(g, out, len);
}

char *cni_error_message(const char *type, const char *text)
{
	yajl_val t = NULL;
	char *msg = NULL;
	struct cubo_error *err = cubo_json_parse(text, strlen(text), type, &t);
	cubo_error_free(err);
	yajl_val m = cubo_json_get(t, "msg"), d = cubo_json_get(t, "details");
	if (YAJL_IS_STRING(m)) {
		const char *ds = YAJL_IS_STRING(d) ? str_of(d) : "";
		msg = xasprintf("%s: %s%s%s", type, str_of(m), *ds ? ": " : "", ds);
	}
	if (t)
		yajl_tree_free(t);
	return msg;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	if (*len + n > MAX_OUTPUT)
		n = MAX_OUTPUT - *len;
	char *b = xrealloc(*buf, *len + n + 1);
	memcpy(b + *len, data, n);
	*len += n;
	b[*len] = '\0';
	*buf = b;
}

/* Run one plugin; *out is what it printed on stdout. A failure carries its message. */
static struct cubo_error *exec_plugin(const struct cni_call *c, const char *command,
				      const char *type, const char *config, size_t config_len,
				      char **out)
{
	*out = NULL;
	char *path = find_plugin(type, cni_path(c->cni_path));
	if (!path)
		return cubo_error_new("CNI plugin \"%s\" not found in %s (Debian package "
				      "containernetworking-plugins)",
				      type, cni_path(c->cni_path));
	char *env[8];
	const char *host_path = getenv("PATH");
	env[0] = xasprintf("CNI_COMMAND=%s", command);
	env[1] = xasprintf("CNI_CONTAINERID=%s", c->container_id);
	env[2] = xasprintf("CNI_NETNS=%s", c->netns ? c->netns : "");
	env[3] = xasprintf("CNI_IFNAME=%s", c->ifname);
	env[4] = xasprintf("CNI_PATH=%s", cni_path(c->cni_path));
	/* the plugins run iptables and friends from $PATH */
	env[5] = xasprintf("PATH=%s",
			   host_path && *host_path ? host_path : "/usr/sbin:/usr/bin:/sbin:/bin");
	env[6] = NULL;
	int in[2] = {-1, -1}, o[2] = {-1, -1}, e[2] = {-1, -1};
	struct cubo_error *err = NULL;
	pid_t pid = -1;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0) {
		err = cubo_error_errno("pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err = cubo_error_errno("fork");
		goto out;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		char *argv[] = {path, NULL};
		execve(path, argv, env);
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	close(e[1]);
	in[0] = o[1] = e[1] = -1;
	/* the config is a few KiB: it fits the pipe, so write it all before reading */
	size_t off = 0;
	while (off < config_len) {
		ssize_t w = write(in[1], config + off, config_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(in[1]);
	in[1] = -1;
	char *sout = NULL, *serr = NULL;
	size_t nout = 0, nerr = 0;
	append(&sout, &nout, "", 0);
	append(&serr, &nerr, "", 0);
	int64_t deadline = now_ms() + PLUGIN_TIMEOUT_MS;
	bool timed_out = false;
	while (o[0] >= 0 || e[0] >= 0) {
		struct pollfd p[2] = {{o[0], POLLIN, 0}, {e[0], POLLIN, 0}};
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		int r = poll(p, 2, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		for (int i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			char buf[4096];
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(p[i].fd);
				if (i == 0)
					o[0] = -1;
				else
					e[0] = -1;
				continue;
			}
			if (i == 0)
				append(&sout, &nout, buf, (size_t)n);
			else
				append(&serr, &nerr, buf, (size_t)n);
		}
	}
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		err = cubo_error_new("CNI plugin %s %s: no answer within %d s", type, command,
				     PLUGIN_TIMEOUT_MS / 1000);
	} else if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		char *msg = cni_error_message(type, sout);
		while (nerr && (serr[nerr - 1] == '\n' || serr[nerr - 1] == ' '))
			serr[--nerr] = '\0';
		if (msg)
			err = cubo_error_new("%s", msg);
		else if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127)
			err = cubo_error_new("CNI plugin %s could not be run", path);
		else
			err = cubo_error_new("CNI plugin %s %s failed%s%s", type, command,
					     nerr ? ": " : "", serr);
		free(msg);
	}
	free(serr);
	if (err)
		free(sout);
	else
		*out = sout;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (o[i] >= 0)
			close(o[i]);
		if (e[i] >= 0)
			close(e[i]);
	}
	for (int i = 0; env[i]; i++)
		free(env[i]);
	free(path);
	return err;
}

struct parsed {
	yajl_val list, ports, prev;
};

static void parsed_free(struct parsed *p)
{
	if (p->list)
		yajl_tree_free(p->list);
	if (p->ports)
		yajl_tree_free(p->ports);
	if (p->prev)
		yajl_tree_free(p->prev);
}

static struct cubo_error *parse_inputs(const struct cni_call *c, const char *conflist, size_t len,
				       const char *prev, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	CUBO_TRY(cubo_json_parse(conflist, len, "CNI list", &p->list));
	if (!YAJL_IS_ARRAY(cubo_json_get(p->list, "plugins")))
		return cubo_error_new("CNI list: no plugins");
	if (c->port_mappings)
		CUBO_TRY(cubo_json_parse(c->port_mappings, strlen(c->port_mappings),
					 "port mappings", &p->ports));
	if (prev)
		CUBO_TRY(cubo_json_parse(prev, strlen(prev), "CNI result", &p->prev));
	return NULL;
}

static const char *plugin_type(yajl_val list, size_t i)
{
	yajl_val t = cubo_json_get(cubo_json_get(list, "plugins")->u.array.values[i], "type");
	return YAJL_IS_STRING(t) ? str_of(t) : "";
}

/* Run command over the plugins (forward, or backward for DEL), chaining results for ADD. */
static struct cubo_error *run_list(const struct cni_call *c, const char *command,
				   const char *conflist, size_t len, size_t from, const char *prev,
				   char **result)
{
	struct parsed p;
	struct cubo_error *err = parse_inputs(c, conflist, len, prev, &p);
	if (err) {
		parsed_free(&p);
		return err;
	}
	bool del = !strcmp(command, "DEL"), add = !strcmp(command, "ADD");
	size_t n = cubo_json_get(p.list, "plugins")->u.array.len;
	struct cubo_error *first = NULL;
	char *last = NULL;
	for (size_t k = 0; k < n; k++) {
		size_t i = del ? n - 1 - k : k;
		if (i < from)
			continue;
		if (!p.ports && has_capability(cubo_json_get(p.list, "plugins")->u.array.values[i],
					       "portMappings"))
			continue;
		char *cfg, *out = NULL;
		size_t clen;
		err = cni_plugin_config(p.list, i, p.prev, p.ports, &cfg, &clen);
		if (!err) {
			err = exec_plugin(c, command, plugin_type(p.list, i), cfg, clen, &out);
			free(cfg);
		}
		if (!err && add) {
			/* this plugin's result is the next one's prevResult */
			yajl_val r;
			err = cubo_json_parse(out, strlen(out), plugin_type(p.list, i), &r);
			if (!err) {
				if (p.prev)
					yajl_tree_free(p.prev);
				p.prev = r;
				free(last);
				last = out;
				out = NULL;
			}
		}
		free(out);
		if (err && !del)
			break;
		if (err && !first)
			first = err;
		else if (err)
			cubo_error_free(err);
		err = NULL;
	}
	if (del)
		err = first;
	parsed_free(&p);
	if (!err && result)
		*result = last;
	else
		free(last);
	return err;
}

struct cubo_error *cni_add(const struct cni_call *c, const char *conflist, size_t len,
			   char **result)
{
	*result = NULL;
	return run_list(c, "ADD", conflist, len, 0, NULL, result);
}

struct cubo_error *cni_add_after(const struct cni_call *c, const char *conflist, size_t len,
				 size_t from, const char *prev_result, char **result)
{
	*result = NULL;
	char *last = NULL;
	CUBO_TRY(run_list(c, "ADD", conflist, len, from, prev_result, &last));
	/* no plugin ran (no ports to map): the result is the one given */
	*result = last ? last : xstrdup(prev_result);
	return NULL;
}

struct cubo_error *cni_del_after(const struct cni_call *c, const char *conflist, size_t len,
				 size_t from, const char *prev_result)
{
	return run_list(c, "DEL", conflist, len, from, prev_result, NULL);
}

struct cubo_error *cni_del(const struct cni_call *c, const char *conflist, size_t len,
			   const char *prev_result)
{
	return run_list(c, "DEL", conflist, len, 0, prev_result, NULL);
}

struct cubo_error *cni_check(const struct cni_call *c, const char *conflist, size_t len,
			     const char *prev_result)
{
	return run_list(c, "CHECK", conflist, len, 0, prev_result, NULL);
}

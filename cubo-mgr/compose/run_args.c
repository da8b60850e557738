/* SPDX-License-Identifier: Apache-2.0 */
/* A service of the resolved compose model as `run -d` flags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/compose/run_args.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

enum how {
	H_VALUE, /* --flag VALUE */
	H_BOOL,	 /* --flag when true */
	H_EACH,	 /* --flag ITEM for each item of a list */
	H_KV,	 /* --flag KEY=VALUE for each member of a map */
};

/* Keys that map onto one run flag each. */
static const struct {
	const char *key;
	const char *flag;
	enum how how;
} simple[] = {
	{"hostname", "--hostname", H_VALUE},
	{"domainname", "--domainname", H_VALUE},
	{"user", "--user", H_VALUE},
	{"working_dir", "--workdir", H_VALUE},
	{"restart", "--restart", H_VALUE},
	{"stop_signal", "--stop-signal", H_VALUE},
	{"shm_size", "--shm-size", H_VALUE},
	{"mem_limit", "--memory", H_VALUE},
	{"memswap_limit", "--memory-swap", H_VALUE},
	{"mem_reservation", "--memory-reservation", H_VALUE},
	{"cpus", "--cpus", H_VALUE},
	{"cpu_shares", "--cpu-shares", H_VALUE},
	{"cpuset", "--cpuset-cpus", H_VALUE},
	{"pids_limit", "--pids-limit", H_VALUE},
	{"oom_score_adj", "--oom-score-adj", H_VALUE},
	{"cgroup_parent", "--cgroup-parent", H_VALUE},
	{"pid", "--pid", H_VALUE},
	{"ipc", "--ipc", H_VALUE},
	{"init", "--init", H_BOOL},
	{"read_only", "--read-only", H_BOOL},
	{"privileged", "--privileged", H_BOOL},
	{"stdin_open", "--interactive", H_BOOL},
	{"tty", "--tty", H_BOOL},
	{"cap_add", "--cap-add", H_EACH},
	{"cap_drop", "--cap-drop", H_EACH},
	{"dns", "--dns", H_EACH},
	{"dns_search", "--dns-search", H_EACH},
	{"dns_opt", "--dns-option", H_EACH},
	{"tmpfs", "--tmpfs", H_EACH},
	{"expose", "--expose", H_EACH},
	{"group_add", "--group-add", H_EACH},
	{"security_opt", "--security-opt", H_EACH},
	{"devices", "--device", H_EACH},
	{"mac_address", "--mac-address", H_VALUE},
	{"runtime", "--runtime", H_VALUE},
	{"platform", "--platform", H_VALUE},
	{"uts", "--uts", H_VALUE},
	{"cgroup", "--cgroupns", H_VALUE},
	{"mem_swappiness", "--memory-swappiness", H_VALUE},
	{"cpu_period", "--cpu-period", H_VALUE},
	{"cpu_quota", "--cpu-quota", H_VALUE},
	{"cpu_rt_period", "--cpu-rt-period", H_VALUE},
	{"cpu_rt_runtime", "--cpu-rt-runtime", H_VALUE},
	{"oom_kill_disable", "--oom-kill-disable", H_BOOL},
	{"device_cgroup_rules", "--device-cgroup-rule", H_EACH},
	{"annotations", "--annotation", H_KV},
	{"sysctls", "--sysctl", H_KV},
	{"labels", "--label", H_KV},
	{"environment", "--env", H_KV},
};

/* Keys run_args handles itself, or that only matter to compose. */
static const char *const handled[] = {
	"image",	  "command",	  "entrypoint",	       "ports",	      "volumes",
	"networks",	  "network_mode", "depends_on",	       "healthcheck", "deploy",
	"ulimits",	  "extra_hosts",  "stop_grace_period", "secrets",     "configs",
	"container_name", "build",	  "profiles",	       "logging",     "pull_policy",
	"scale",	  "extends",	  "develop",	       "attach",      "links",
	"volumes_from",	  NULL,
};

static void add(char ***v, size_t *n, const char *s)
{
	cubo_strv_push(v, n, s);
}

static void add2(char ***v, size_t *n, const char *flag, const char *value)
{
	add(v, n, flag);
	add(v, n, value);
}

static void addf(char ***v, size_t *n, const char *flag, const char *fmt, const char *a,
		 const char *b)
{
	char *s = xasprintf(fmt, a, b);
	add2(v, n, flag, s);
	free(s);
}

char *compose_container_name(const struct compose_project *p, const char *service,
			     const struct cnode *svc, int number)
{
	const struct cnode *cn = ctree_get(svc, "container_name");
	if (cn && cn->kind == CTREE_SCALAR && !ctree_is_null(cn))
		return xstrdup(cn->str);
	return xasprintf("%s-%s-%d", p->name, service, number);
}

struct cubo_error *compose_config_hash(const struct cnode *svc, char out[65])
{
	char *json, digest[CUBO_DIGEST_LEN + 1];
	size_t len;
	CUBO_TRY(ctree_to_json(svc, &json, &len));
	struct cubo_error *err = cubo_sha256_buffer(json, len, digest);
	free(json);
	CUBO_TRY(err);
	memcpy(out, digest + 7, 65);
	return NULL;
}

const char *compose_resource_name(const struct compose_project *p, const char *kind,
				  const char *key)
{
	const struct cnode *n = ctree_get(ctree_get(ctree_get(p->model, kind), key), "name");
	return n ? n->str : NULL;
}

/* A word for a shell command line: quoted unless it is plain. */
static void shell_word(struct cubo_strbuf *b, const char *s)
{
	if (*s &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,") ==
		    strlen(s)) {
		cubo_strbuf_adds(b, s);
		return;
	}
	cubo_strbuf_addc(b, '\'');
	for (; *s; s++)
		if (*s == '\'')
			cubo_strbuf_adds(b, "'\\''");
		else
			cubo_strbuf_addc(b, *s);
	cubo_strbuf_addc(b, '\'');
}

static void health_args(const struct cnode *h, char ***v, size_t *n)
{
	const struct cnode *test = ctree_get(h, "test");
	const struct cnode *disable = ctree_get(h, "disable");
	if ((disable && !strcmp(disable->str, "true")) ||
	    (test && test->n && !strcmp(test->v[0]->str, "NONE"))) {
		add(v, n, "--no-healthcheck");
		return;
	}
	if (test && test->n > 1) {
		/* run's --health-cmd is a shell line (CMD-SHELL); CMD's words are quoted into one
		 */
		struct cubo_strbuf b = {0};
		for (size_t i = 1; i < test->n; i++) {
			if (i > 1)
				cubo_strbuf_addc(&b, ' ');
			if (!strcmp(test->v[0]->str, "CMD-SHELL"))
				cubo_strbuf_adds(&b, test->v[i]->str);
			else
				shell_word(&b, test->v[i]->str);
		}
		char *cmd = cubo_strbuf_take(&b);
		add2(v, n, "--health-cmd", cmd);
		free(cmd);
	}
	static const char *const keys[][2] = {{"interval", "--health-interval"},
					      {"timeout", "--health-timeout"},
					      {"retries", "--health-retries"},
					      {"start_period", "--health-start-period"},
					      {"start_interval", "--health-start-interval"}};
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		const struct cnode *x = ctree_get(h, keys[i][0]);
		if (x)
			add2(v, n, keys[i][1], x->str);
	}
}

static void port_args(const struct cnode *ports, char ***v, size_t *n)
{
	for (size_t i = 0; ports && i < ports->n; i++) {
		const struct cnode *e = ports->v[i];
		const struct cnode *ip = ctree_get(e, "host_ip"), *pub = ctree_get(e, "published");
		const struct cnode *proto = ctree_get(e, "protocol");
		char *s = xasprintf("%s%s%s%s%s/%s", ip ? ip->str : "", ip ? ":" : "",
				    pub ? pub->str : "", pub || ip ? ":" : "",
				    ctree_get(e, "target")->str, proto ? proto->str : "tcp");
		add2(v, n, "--publish", s);
		free(s);
	}
}

static struct cubo_error *volume_args(const struct compose_project *p, const struct cnode *vols,
				      char ***v, size_t *n)
{
	for (size_t i = 0; vols && i < vols->n; i++) {
		const struct cnode *e = vols->v[i];
		const char *type = ctree_get(e, "type")->str;
		const char *target = ctree_get(e, "target")->str;
		const struct cnode *src = ctree_get(e, "source"), *ro = ctree_get(e, "read_only");
		const char *mode = ro && !strcmp(ro->str, "true") ? ":ro" : "";
		if (!strcmp(type, "tmpfs")) {
			add2(v, n, "--tmpfs", target);
		} else if (!strcmp(type, "bind")) {
			addf(v, n, "--volume", "%s:%s", src->str, target);
			if (*mode) {
				free((*v)[*n - 1]);
				(*v)[*n - 1] = xasprintf("%s:%s:ro", src->str, target);
			}
		} else if (!strcmp(type, "volume")) {
			const char *name =
				src ? compose_resource_name(p, "volumes", src->str) : NULL;
			char *s = name ? xasprintf("%s:%s%s", name, target, mode)
				       : xasprintf("%s%s", target, mode);
			add2(v, n, "--volume", s);
			free(s);
		} else {
			return cubo_error_new("volumes[%zu]: type %s: not supported by up", i,
					      type);
		}
	}
	return NULL;
}

/* secrets and configs from files: bound read-only at /run/secrets/NAME or /NAME. */
static struct cubo_error *file_ref_args(const struct compose_project *p, const char *kind,
					const struct cnode *refs, char ***v, size_t *n)
{
	for (size_t i = 0; refs && i < refs->n; i++) {
		const char *source = ctree_get(refs->v[i], "source")->str;
		const struct cnode *target = ctree_get(refs->v[i], "target");
		const struct cnode *file =
			ctree_get(ctree_get(ctree_get(p->model, kind), source), "file");
		if (!file)
			return cubo_error_new("%s.%s: only file %s are supported by up", kind,
					      source, kind);
		char *dest;
		if (target && target->str[0] == '/')
			dest = xstrdup(target->str);
		else if (!strcmp(kind, "secrets"))
			dest = xasprintf("/run/secrets/%s", target ? target->str : source);
		else
			dest = xasprintf("/%s", target ? target->str : source);
		char *s = xasprintf("%s:%s:ro", file->str, dest);
		add2(v, n, "--volume", s);
		free(s);
		free(dest);
	}
	return NULL;
}

static void network_args(const struct compose_project *p, const char *service,
			 const struct cnode *svc, char ***v, size_t *n)
{
	const struct cnode *mode = ctree_get(svc, "network_mode");
	if (mode) {
		add2(v, n, "--network", mode->str);
		return;
	}
	const struct cnode *nets = ctree_get(svc, "networks");
	for (size_t i = 0; nets && i < nets->n; i++) {
		const char *name = compose_resource_name(p, "networks", nets->keys[i]);
		add2(v, n, "--network", name ? name : nets->keys[i]);
		const struct cnode *aliases = ctree_get(nets->v[i], "aliases");
		for (size_t j = 0; aliases && j < aliases->n; j++)
			add2(v, n, "--network-alias", aliases->v[j]->str);
	}
	add2(v, n, "--network-alias", service);
	/*
	 * Another service's "links: [SERVICE:ALIAS]": the alias resolves on the
	 * networks this service is on (compose scopes it to the linking container).
	 */
	const struct cnode *svcs = ctree_get(p->model, "services");
	for (size_t i = 0; svcs && i < svcs->n; i++) {
		const struct cnode *links = ctree_get(svcs->v[i], "links");
		for (size_t j = 0; links && j < links->n; j++) {
			const char *e = links->v[j]->str, *colon = strchr(e, ':');
			if (colon && (size_t)(colon - e) == strlen(service) &&
			    !strncmp(e, service, (size_t)(colon - e)) && colon[1] &&
			    strcmp(colon + 1, service))
				add2(v, n, "--network-alias", colon + 1);
		}
	}
}

/* volumes_from: "SERVICE[:ro|rw]" (its first container) or "container:NAME[:ro|rw]". */
static void volumes_from_args(const struct compose_project *p, const struct cnode *svc, char ***v,
			      size_t *n)
{
	const struct cnode *from = ctree_get(svc, "volumes_from");
	const struct cnode *svcs = ctree_get(p->model, "services");
	for (size_t i = 0; from && i < from->n; i++) {
		const char *e = from->v[i]->str;
		if (!strncmp(e, "container:", 10)) {
			add2(v, n, "--volumes-from", e + 10);
			continue;
		}
		size_t len = strcspn(e, ":");
		char *name = xstrndup(e, len);
		char *ctr = compose_container_name(p, name, ctree_get(svcs, name), 1);
		addf(v, n, "--volumes-from", "%s%s", ctr, e + len);
		free(ctr);
		free(name);
	}
}

static void limit_args(const struct cnode *svc, char ***v, size_t *n)
{
	const struct cnode *lim =
		ctree_get(ctree_get(ctree_get(svc, "deploy"), "resources"), "limits");
	static const char *const keys[][2] = {
		{"memory", "--memory"}, {"cpus", "--cpus"}, {"pids", "--pids-limit"}};
	for (size_t i = 0; i < 3; i++) {
		const struct cnode *x = ctree_get(lim, keys[i][0]);
		if (x)
			add2(v, n, keys[i][1], x->str);
	}
	const struct cnode *ul = ctree_get(svc, "ulimits");
	for (size_t i = 0; ul && i < ul->n; i++) {
		const struct cnode *x = ul->v[i];
		char *s = x->kind == CTREE_SCALAR
				  ? xasprintf("%s=%s", ul->keys[i], x->str)
				  : xasprintf("%s=%s:%s", ul->keys[i], ctree_get(x, "soft")->str,
					      ctree_get(x, "hard")->str);
		add2(v, n, "--ulimit", s);
		free(s);
	}
	const struct cnode *grace = ctree_get(svc, "stop_grace_period");
	int64_t ns;
	if (grace && cubo_duration_parse(grace->str, &ns)) {
		char b[32];
		snprintf(b, sizeof(b), "%lld", (long long)((ns + 999999999) / 1000000000));
		add2(v, n, "--stop-timeout", b);
	}
	const struct cnode *log = ctree_get(svc, "logging");
	const struct cnode *driver = ctree_get(log, "driver"), *lopts = ctree_get(log, "options");
	if (driver)
		add2(v, n, "--log-driver", driver->str);
	for (size_t i = 0; lopts && i < lopts->n; i++)
		addf(v, n, "--log-opt", "%s=%s", lopts->keys[i], lopts->v[i]->str);
	const struct cnode *hosts = ctree_get(svc, "extra_hosts");
	for (size_t i = 0; hosts && i < hosts->n; i++) {
		/* "host=ip" (compose's newer form) or "host:ip" */
		char *s = xstrdup(hosts->v[i]->str), *eq = strchr(s, '=');
		if (eq)
			*eq = ':';
		add2(v, n, "--add-host", s);
		free(s);
	}
}

struct cubo_error *compose_run_args(const struct compose_project *p, const char *service,
				    const struct cnode *svc, int number, const char *hash,
				    char ***argv, char ***ignored)
{
	char **v = NULL, **ign = NULL;
	size_t n = 0, n_ign = 0;
	add(&v, &n, "run");
	add(&v, &n, "--detach");
	char *name = compose_container_name(p, service, svc, number), num[16];
	add2(&v, &n, "--name", name);
	free(name);
	snprintf(num, sizeof(num), "%d", number);
	addf(&v, &n, "--label", "%s=%s", COMPOSE_LABEL_PROJECT, p->name);
	addf(&v, &n, "--label", "%s=%s", COMPOSE_LABEL_SERVICE, service);
	addf(&v, &n, "--label", "%s=%s", COMPOSE_LABEL_NUMBER, num);
	addf(&v, &n, "--label", "%s=%s", COMPOSE_LABEL_HASH, hash);
	addf(&v, &n, "--label", "%s=%s", COMPOSE_LABEL_ONEOFF, "False");
	addf(&v, &n, "--label", "%s=%s", COMPOSE_LABEL_WORKDIR, p->dir);
	char *files = NULL;
	for (size_t i = 0; p->files && p->files[i]; i++) {
		char *more = xasprintf("%s%s%s", files ? files : "", files ? "," : "", p->files[i]);
		free(files);
		files = more;
	}
	if (files)
		addf(&v, &n, "--label", "%s=%s", COMPOSE_LABEL_FILES, files);
	free(files);
	for (size_t i = 0; i < svc->n; i++) {
		const char *key = svc->keys[i];
		const struct cnode *x = svc->v[i];
		bool known = !strncmp(key, "x-", 2);
		for (size_t j = 0; !known && handled[j]; j++)
			known = !strcmp(key, handled[j]);
		for (size_t j = 0; !known && j < sizeof(simple) / sizeof(*simple); j++) {
			if (strcmp(key, simple[j].key))
				continue;
			known = true;
			switch (simple[j].how) {
			case H_VALUE:
				if (!ctree_is_null(x))
					add2(&v, &n, simple[j].flag, x->str);
				break;
			case H_BOOL:
				if (!strcmp(x->str, "true"))
					add(&v, &n, simple[j].flag);
				break;
			case H_EACH:
				for (size_t k = 0; k < x->n; k++)
					add2(&v, &n, simple[j].flag, x->v[k]->str);
				break;
			case H_KV:
				for (size_t k = 0; k < x->n; k++)
					if (!ctree_is_null(x->v[k]))
						addf(&v, &n, simple[j].flag, "%s=%s", x->keys[k],
						     x->v[k]->str);
				break;
			}
		}
		if (!known)
			cubo_strv_push(&ign, &n_ign, key);
	}
	const struct cnode *h = ctree_get(svc, "healthcheck");
	if (h)
		health_args(h, &v, &n);
	port_args(ctree_get(svc, "ports"), &v, &n);
	struct cubo_error *err = volume_args(p, ctree_get(svc, "volumes"), &v, &n);
	if (!err)
		err = file_ref_args(p, "secrets", ctree_get(svc, "secrets"), &v, &n);
	if (!err)
		err = file_ref_args(p, "configs", ctree_get(svc, "configs"), &v, &n);
	network_args(p, service, svc, &v, &n);
	volumes_from_args(p, svc, &v, &n);
	limit_args(svc, &v, &n);
	const struct cnode *ep = ctree_get(svc, "entrypoint"), *cmd = ctree_get(svc, "command");
	if (ep)
		add2(&v, &n, "--entrypoint", ep->n ? ep->v[0]->str : "");
	const struct cnode *image = ctree_get(svc, "image");
	if (image) {
		add(&v, &n, image->str);
	} else {
		/* a service built and not named: PROJECT-SERVICE, as compose names it */
		char *built = xasprintf("%s-%s", p->name, service);
		add(&v, &n, built);
		free(built);
	}
	/* docker's --entrypoint takes one word: the others go before the command */
	for (size_t i = 1; ep && i < ep->n; i++)
		add(&v, &n, ep->v[i]->str);
	for (size_t i = 0; cmd && i < cmd->n; i++)
		add(&v, &n, cmd->v[i]->str);
	if (err) {
		cubo_strv_free(v);
		cubo_strv_free(ign);
		return cubo_error_wrap(err, "service %s", service);
	}
	*argv = v;
	*ignored = ign;
	return NULL;
}

struct cubo_error *compose_replicas(const char *service, const struct cnode *svc,
				    char *const *scale, long *out)
{
	const struct cnode *r = ctree_get(ctree_get(svc, "deploy"), "replicas");
	if (!r)
		r = ctree_get(svc, "scale");
	long n = r ? strtol(r->str, NULL, 10) : 1;
	size_t len = strlen(service);
	for (size_t i = 0; scale && scale[i]; i++)
		if (!strncmp(scale[i], service, len) && scale[i][len] == '=')
			n = strtol(scale[i] + len + 1, NULL, 10);
	if (n < 0 || n > COMPOSE_MAX_REPLICAS)
		return cubo_error_new("service %s: %ld containers: expected 0 to %d", service, n,
				      COMPOSE_MAX_REPLICAS);
	if (n > 1 && ctree_get(svc, "container_name"))
		return cubo_error_new("services.%s: can't set container_name and %s as container "
				      "name must be unique",
				      service, service);
	const struct cnode *ports = ctree_get(svc, "ports");
	for (size_t i = 0; n > 1 && ports && i < ports->n; i++) {
		const struct cnode *pub = ctree_get(ports->v[i], "published");
		/* a range gives each container a port of its own; one port cannot */
		if (pub && pub->str && pub->str[0] && !strchr(pub->str, '-'))
			return cubo_error_new("service %s: cannot run %ld containers: each would "
					      "publish host port %s",
					      service, n, pub->str);
	}
	*out = n;
	return NULL;
}

struct cubo_error *compose_check_scale(const struct cnode *svcs, char *const *scale)
{
	for (size_t i = 0; scale && scale[i]; i++) {
		const char *eq = strchr(scale[i], '=');
		char *end = NULL;
		if (eq)
			strtol(eq + 1, &end, 10);
		if (!eq || eq == scale[i] || !end || end == eq + 1 || *end)
			return cubo_error_new("--scale \"%s\": expected SERVICE=N", scale[i]);
		char *name = xstrndup(scale[i], (size_t)(eq - scale[i]));
		bool known = ctree_get(svcs, name);
		free(name);
		if (!known)
			return cubo_error_new("--scale \"%s\": no such service", scale[i]);
	}
	return NULL;
}

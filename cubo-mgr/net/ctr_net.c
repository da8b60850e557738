/* SPDX-License-Identifier: Apache-2.0 */
/* A container's networks, up and down: see ctr_net.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/net/bridge_attach.h"
#include "cubo-mgr/net/cni.h"
#include "cubo-mgr/net/ctr_net.h"
#include "cubo-mgr/net/endpoint.h"
#include "cubo-mgr/net/hosts.h"
#include "cubo-mgr/net/netns.h"
#include "cubo-mgr/net/ports.h"
#include "cubo-mgr/net/rules.h"
#include "cubo-mgr/net/store.h"
#include "cubo-mgr/net/usernet.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/lock.h"
#include "shared/path_in_root.h"
#include "shared/strbuf.h"
#include "shared/strv.h"
#include "shared/testpoint.h"
#include "shared/xalloc.h"

/* The text of a JSON string node; "" for anything else. */
static const char *str_of(yajl_val v)
{
	const char *s = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
	return s ? s : "";
}

#define NET_FILE "net.json"

/* ---- net.json: what is attached, or about to be ---- */

struct att {
	char *network;
	char ifname[16];
	char *ports;  /* portmap's portMappings (JSON) or NULL */
	char *result; /* the ADD result (JSON) or NULL while pending */
};

struct netfile {
	char *netns;
	struct att *v;
	size_t n;
};

static void netfile_free(struct netfile *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].network);
		free(f->v[i].ports);
		free(f->v[i].result);
	}
	free(f->v);
	free(f->netns);
	memset(f, 0, sizeof(*f));
}

static struct att *netfile_add(struct netfile *f, const char *network)
{
	struct att *v = xrealloc(f->v, (f->n + 1) * sizeof(*v));
	f->v = v;
	struct att *a = &v[f->n];
	memset(a, 0, sizeof(*a));
	a->network = xstrdup(network);
	/* the lowest free ethN: disconnect may have left a gap */
	for (unsigned k = 0; k < 64; k++) {
		snprintf(a->ifname, sizeof(a->ifname), "eth%u", k);
		bool used = false;
		for (size_t i = 0; i < f->n && !used; i++)
			used = !strcmp(f->v[i].ifname, a->ifname);
		if (!used)
			break;
	}
	f->n++;
	return a;
}

static struct cubo_error *netfile_save(const char *ctr_dir, const struct netfile *f)
{
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(false, &g));
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "netns");
	cubo_json_gen_string(g, f->netns);
	cubo_json_gen_key(g, "attachments");
	cubo_json_gen_array_open(g);
	struct cubo_error *err = NULL;
	for (size_t i = 0; i < f->n && !err; i++) {
		const struct att *a = &f->v[i];
		cubo_json_gen_map_open(g);
		cubo_json_gen_key(g, "network");
		cubo_json_gen_string(g, a->network);
		cubo_json_gen_key(g, "ifname");
		cubo_json_gen_string(g, a->ifname);
		const char *keys[] = {"portMappings", "result"};
		const char *vals[] = {a->ports, a->result};
		for (int k = 0; k < 2 && !err; k++) {
			if (!vals[k])
				continue;
			yajl_val v;
			err = cubo_json_parse(vals[k], strlen(vals[k]), keys[k], &v);
			if (err)
				break;
			cubo_json_gen_key(g, keys[k]);
			cubo_json_gen_value(g, v);
			yajl_tree_free(v);
		}
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
	cubo_json_gen_map_close(g);
	if (err) {
		cubo_json_gen_free(g);
		return err;
	}
	char *json;
	size_t len;
	CUBO_TRY(cubo_json_gen_finish(g, &json, &len));
	/*
	 * Atomic, not durable: after a power cut there is no namespace, veth or
	 * default-network address left to release (all under /run), and
	 * host-local's own files for user networks are not fsync'ed either.
	 */
	char *path = cubo_path_join(ctr_dir, NET_FILE);
	err = cubo_write_file_replace(path, json, len, 0600);
	free(path);
	free(json);
	return err;
}

/* A member back as JSON text (what the plugins get). */
static char *value_text(yajl_val v)
{
	if (!v || YAJL_IS_NULL(v))
		return NULL;
	struct cubo_json_gen *g;
	if (cubo_json_gen_new(false, &g))
		abort();
	cubo_json_gen_value(g, v);
	char *out;
	size_t len;
	struct cubo_error *err = cubo_json_gen_finish(g, &out, &len);
	if (err) {
		cubo_error_free(err);
		return NULL;
	}
	return out;
}

/* *found false (and nothing else) when there is no net.json. */
static struct cubo_error *netfile_load(const char *ctr_dir, struct netfile *f, bool *found)
{
	memset(f, 0, sizeof(*f));
	*found = false;
	char *path = cubo_path_join(ctr_dir, NET_FILE), *text;
	size_t len;
	struct cubo_error *err = cubo_read_file(path, &text, &len);
	if (err && err->errnum == ENOENT) {
		cubo_error_free(err);
		free(path);
		return NULL;
	}
	yajl_val t = NULL;
	if (!err) {
		err = cubo_json_parse(text, len, path, &t);
		free(text);
	}
	free(path);
	CUBO_TRY(err);
	*found = true;
	yajl_val ns = cubo_json_get(t, "netns"), atts = cubo_json_get(t, "attachments");
	f->netns = YAJL_IS_STRING(ns) ? xstrdup(str_of(ns)) : NULL;
	for (size_t i = 0; YAJL_IS_ARRAY(atts) && i < atts->u.array.len; i++) {
		yajl_val a = atts->u.array.values[i];
		yajl_val name = cubo_json_get(a, "network"), ifn = cubo_json_get(a, "ifname");
		if (!YAJL_IS_STRING(name) || !YAJL_IS_STRING(ifn))
			continue;
		struct att *at = netfile_add(f, str_of(name));
		snprintf(at->ifname, sizeof(at->ifname), "%s", str_of(ifn));
		at->ports = value_text(cubo_json_get(a, "portMappings"));
		at->result = value_text(cubo_json_get(a, "result"));
	}
	yajl_tree_free(t);
	return NULL;
}

/* net.json and the network store when there is a net.json (*found); nothing to free if not. */
static struct cubo_error *netfile_open_store(const char *root, const char *ctr_dir,
					     struct netfile *f, struct net_store *s, bool *found)
{
	CUBO_TRY(netfile_load(ctr_dir, f, found));
	struct cubo_error *err = *found ? net_store_open(root, s) : NULL;
	if (!*found || err) {
		netfile_free(f);
		*found = false;
	}
	return err;
}

/* ips[0] of a CNI result: address (with prefix), gateway, and its interface's MAC. */
static void result_ip(const char *result, char **ip, char **gw, char **mac)
{
	*ip = *gw = NULL;
	if (mac)
		*mac = NULL;
	yajl_val t;
	if (!result || cubo_json_parse(result, strlen(result), "CNI result", &t))
		return;
	yajl_val ips = cubo_json_get(t, "ips");
	yajl_val first = YAJL_IS_ARRAY(ips) && ips->u.array.len ? ips->u.array.values[0] : NULL;
	yajl_val a = cubo_json_get(first, "address"), g = cubo_json_get(first, "gateway");
	if (YAJL_IS_STRING(a))
		*ip = xstrdup(str_of(a));
	if (YAJL_IS_STRING(g))
		*gw = xstrdup(str_of(g));
	yajl_val ifx = cubo_json_get(first, "interface"), ifs = cubo_json_get(t, "interfaces");
	if (mac && YAJL_IS_INTEGER(ifx) && YAJL_IS_ARRAY(ifs) && YAJL_GET_INTEGER(ifx) >= 0 &&
	    (size_t)YAJL_GET_INTEGER(ifx) < ifs->u.array.len) {
		yajl_val m = cubo_json_get(ifs->u.array.values[YAJL_GET_INTEGER(ifx)], "mac");
		if (YAJL_IS_STRING(m))
			*mac = xstrdup(str_of(m));
	}
	yajl_tree_free(t);
}

static void strip_prefix(char *ip)
{
	char *slash = ip ? strchr(ip, '/') : NULL;
	if (slash)
		*slash = '\0';
}

/* ---- peers: name resolution through the hosts files ---- */

static char *member_dir(const struct net_store *s, const char *network)
{
	return cubo_path_join(s->members_dir, network);
}

static struct cubo_error *lock_members(const struct net_store *s, const char *network, int *fd)
{
	CUBO_TRY(cubo_mkdir_p(s->members_dir, 0700));
	char *p = xasprintf("%s/%s.lock", s->members_dir, network);
	struct cubo_error *err = cubo_lock_path(p, true, fd);
	free(p);
	return err;
}

/* The peers section of container id: every other member of its user networks. */
static char *peers_for(const char *root, const struct net_store *s, const char *id)
{
	char *dir = cubo_path_join(root, id);
	struct netfile f;
	bool found;
	struct cubo_error *err = netfile_load(dir, &f, &found);
	free(dir);
	cubo_error_free(err);
	char *out = xstrdup("");
	size_t len = 0;
	for (size_t i = 0; !err && found && i < f.n; i++) {
		if (net_is_default(f.v[i].network))
			continue;
		char *md = member_dir(s, f.v[i].network);
		DIR *d = opendir(md);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.' || !strcmp(e->d_name, id))
				continue;
			char *text;
			size_t n;
			char *p = cubo_path_join(md, e->d_name);
			struct cubo_error *rerr = cubo_read_file(p, &text, &n);
			free(p);
			if (rerr) {
				cubo_error_free(rerr);
				continue;
			}
			if (!strstr(out, text)) { /* one line per peer, even on two networks */
				out = xrealloc(out, len + n + 1);
				memcpy(out + len, text, n + 1);
				len += n;
			}
			free(text);
		}
		if (d)
			closedir(d);
		free(md);
	}
	netfile_free(&f);
	return out;
}

/*
 * The container's hostname and hosts files are bind-mounted read-write into
 * it: what they hold is the container's to choose, so they are read like an
 * image's files (regular files only, never blocking, capped). The hostname
 * file needs one short line; a hosts file may be a long block list.
 */
#define HOSTNAME_FILE_MAX 4096
#define HOSTS_FILE_MAX (16u << 20)

static struct cubo_error *read_ctr_file(const char *ctr_dir, const char *name, size_t max,
					char **text, size_t *len)
{
	int dfd = open(ctr_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cubo_error_errno("open %s", ctr_dir);
	struct cubo_error *err = cubo_read_file_in_root(dfd, name, max, text, len);
	close(dfd);
	return cubo_error_wrap(err, "container %s", ctr_dir);
}

/* Rewrite the peers section of a running container's hosts file in place (it is bind-mounted). */
static void refresh_peer(const char *root, const struct net_store *s, const char *id)
{
	char *dir = cubo_path_join(root, id);
	char *path = cubo_path_join(dir, "hosts"), *text;
	size_t len;
	struct cubo_error *err = read_ctr_file(dir, "hosts", HOSTS_FILE_MAX, &text, &len);
	free(dir);
	if (!err) {
		char *peers = peers_for(root, s, id);
		char *next = hosts_replace_peers(text, peers);
		if (strcmp(next, text))
			err = cubo_write_existing(path, next, strlen(next));
		free(next);
		free(peers);
		free(text);
	}
	/* a peer that stopped meanwhile has no file to fix: nothing lost */
	cubo_error_free(err);
	free(path);
}

static void refresh_members(const char *root, const struct net_store *s, const char *network,
			    const char *except)
{
	char *md = member_dir(s, network);
	DIR *d = opendir(md);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, except))
			refresh_peer(root, s, e->d_name);
	if (d)
		closedir(d);
	free(md);
}

/* Become known on a user network as "IP name aliases...", and tell the others. */
static struct cubo_error *join_members(const char *root, const struct net_store *s,
				       const char *network, const char *id, const char *ip,
				       char *const *names)
{
	if (net_is_default(network) || !ip)
		return NULL; /* as in docker: names resolve on user networks only */
	int lock;
	CUBO_TRY(lock_members(s, network, &lock));
	char *md = member_dir(s, network);
	struct cubo_error *err = cubo_mkdir_p(md, 0700);
	if (!err) {
		size_t cap = strlen(ip) + 4;
		for (size_t i = 0; names && names[i]; i++)
			cap += strlen(names[i]) + 1;
		char *line = xmalloc(cap), *p = line;
		p += sprintf(p, "%s\t", ip);
		for (size_t i = 0; names && names[i]; i++)
			p += sprintf(p, "%s%s", i ? " " : "", names[i]);
		strcpy(p, "\n");
		char *path = cubo_path_join(md, id);
		err = cubo_write_file_atomic(path, line, strlen(line), 0600);
		free(path);
		free(line);
	}
	if (!err)
		refresh_members(root, s, network, id);
	free(md);
	cubo_unlock(lock);
	return err;
}

static void leave_members(const char *root, const struct net_store *s, const char *network,
			  const char *id)
{
	if (net_is_default(network))
		return;
	int lock;
	struct cubo_error *err = lock_members(s, network, &lock);
	if (err) {
		cubo_error_free(err);
		return;
	}
	char *md = member_dir(s, network);
	char *path = cubo_path_join(md, id);
	bool was = unlink(path) == 0;
	free(path);
	free(md);
	if (was)
		refresh_members(root, s, network, id);
	cubo_unlock(lock);
}

static char *read_hostname(const char *ctr_dir)
{
	char *text = NULL;
	size_t len;
	/* missing, or made something else by the container: its own hosts file says localhost */
	struct cubo_error *err = read_ctr_file(ctr_dir, "hostname", HOSTNAME_FILE_MAX, &text, &len);
	if (err) {
		cubo_error_free(err);
		return xstrdup("localhost");
	}
	text[strcspn(text, "\n")] = '\0';
	return text;
}

static char **ctr_names(const struct ctr_record *r, char *const *extra)
{
	char **v = NULL;
	size_t n = 0;
	cubo_strv_push(&v, &n, r->name);
	for (size_t i = 0; r->net_aliases && r->net_aliases[i]; i++)
		cubo_strv_push(&v, &n, r->net_aliases[i]);
	for (size_t i = 0; extra && extra[i]; i++)
		if (!cubo_strv_contains(v, extra[i]))
			cubo_strv_push(&v, &n, extra[i]);
	return v;
}

/* The container's own hosts file: its first network's address, names, peers. */
static struct cubo_error *write_hosts(const char *root, const struct net_store *s,
				      const char *ctr_dir, const struct ctr_record *r,
				      const struct netfile *f, bool in_place)
{
	char *ip = NULL, *gw = NULL;
	for (size_t i = 0; i < f->n && !ip; i++) {
		result_ip(f->v[i].result, &ip, &gw, NULL);
		if (!ip) {
			free(gw);
			gw = NULL;
		}
	}
	strip_prefix(ip);
	char *hostname = read_hostname(ctr_dir);
	char **names = ctr_names(r, NULL);
	char *peers = peers_for(root, s, r->id);
	char *text = hosts_render(ip, hostname, names, r->add_hosts, gw, peers);
	char *path = cubo_path_join(ctr_dir, "hosts");
	/* rewritten at every start: nothing to make durable */
	struct cubo_error *err = in_place ? cubo_write_existing(path, text, strlen(text))
					  : cubo_write_file_replace(path, text, strlen(text), 0644);
	free(path);
	free(text);
	free(peers);
	cubo_strv_free(names);
	free(hostname);
	free(ip);
	free(gw);
	return err;
}

/* line "IP\tname alias...\n" with the word old replaced by new (the others kept). */
static char *member_line_renamed(const char *line, const char *old, const char *new)
{
	struct cubo_strbuf b = {0};
	const char *tab = strchr(line, '\t');
	if (!tab)
		return NULL;
	cubo_strbuf_add(&b, line, (size_t)(tab - line) + 1);
	const char *p = tab + 1;
	bool first = true;
	while (*p && *p != '\n') {
		size_t n = strcspn(p, " \n");
		bool is_old = n == strlen(old) && !strncmp(p, old, n);
		if (!first)
			cubo_strbuf_adds(&b, " ");
		if (is_old)
			cubo_strbuf_adds(&b, new);
		else
			cubo_strbuf_add(&b, p, n);
		first = false;
		p += n;
		p += *p == ' ';
	}
	cubo_strbuf_adds(&b, "\n");
	return cubo_strbuf_take(&b);
}

struct cubo_error *ctr_net_rename(const char *root, const char *ctr_dir, const struct ctr_record *r,
				  const char *old_name)
{
	struct netfile f;
	struct net_store s;
	bool found;
	CUBO_TRY(netfile_open_store(root, ctr_dir, &f, &s, &found));
	if (!found)
		return NULL;
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < f.n; i++) {
		if (net_is_default(f.v[i].network))
			continue;
		int lock;
		if ((err = lock_members(&s, f.v[i].network, &lock)))
			break;
		char *md = member_dir(&s, f.v[i].network);
		char *path = cubo_path_join(md, r->id), *line = NULL;
		size_t len;
		struct cubo_error *rerr = cubo_read_file(path, &line, &len);
		/* not a member (yet): the attach to come writes the new name */
		if (!rerr) {
			char *next = member_line_renamed(line, old_name, r->name);
			if (next)
				err = cubo_write_file_atomic(path, next, strlen(next), 0600);
			free(next);
			if (!err)
				refresh_members(root, &s, f.v[i].network, r->id);
		}
		cubo_error_free(rerr);
		free(line);
		free(path);
		free(md);
		cubo_unlock(lock);
	}
	char *hosts = cubo_path_join(ctr_dir, "hosts");
	if (!err && cubo_path_exists(hosts))
		err = write_hosts(root, &s, ctr_dir, r, &f, true);
	free(hosts);
	netfile_free(&f);
	net_store_close(&s);
	return err;
}

/* ---- up and down ---- */

/*
 * A rootless container's pasta or slirp4netns (usernet.h): the namespace,
 * then the tool on it; nothing in net.json, nothing for attach.
 */
static struct cubo_error *usernet_prepare(const char *ctr_dir, const struct ctr_record *r,
					  struct ctr_net *out)
{
	/* what a killed monitor left goes first */
	cubo_error_free(usernet_down(ctr_dir));
	char *ns = netns_path(r->id);
	cubo_error_free(netns_remove(ns));
	struct cubo_error *err = netns_create(ns);
	if (!err)
		err = usernet_up(ctr_dir, r->networks[0], ns, r->ports, &out->published);
	if (err) {
		cubo_error_free(netns_remove(ns));
		free(ns);
		return err;
	}
	out->netns = ns;
	return NULL;
}

void ctr_net_free(struct ctr_net *n)
{
	ports_release(n->port_fds, n->n_port_fds);
	free(n->port_fds);
	cubo_strv_free(n->published);
	free(n->netns);
	memset(n, 0, sizeof(*n));
}

bool ctr_net_wanted(const struct ctr_record *r)
{
	return r->networks && r->networks[0] && strcmp(r->networks[0], "none") &&
	       strcmp(r->networks[0], "host");
}

/*
 * How a network is attached: in process when the conflist is one cubo
 * serves there (bridge_attach.h; *ours), else by the CNI plugins.
 */
static struct cubo_error *attach_mode(const struct mgr_settings *set, const char *conflist,
				      size_t len, struct bridge_conf *bc, bool *ours)
{
	*ours = false;
	memset(bc, 0, sizeof(*bc));
	return bridge_attach_enabled(set) ? bridge_conf_parse(conflist, len, bc, ours) : NULL;
}

/* endpoints: the record's (endpoint.h), the one of a->network applied. */
static struct cubo_error *add_one(const struct mgr_settings *set, const struct net_store *s,
				  const char *id, const char *netns, struct att *a,
				  char *const *endpoints)
{
	struct net_endpoint ep;
	bool has_ep;
	CUBO_TRY_CTX(net_endpoint_find(endpoints, a->network, &ep, &has_ep), "network %s",
		     a->network);
	char *conflist;
	size_t len;
	struct net_def d;
	struct cubo_error *err = net_store_get(s, a->network, &d, &conflist, &len);
	if (err) {
		net_endpoint_free(&ep);
		return err;
	}
	err = net_rules_ensure(&d);
	net_def_free(&d);
	struct cni_call call = {.container_id = id,
				.netns = netns,
				.ifname = a->ifname,
				.port_mappings = a->ports,
				.cni_path = set ? set->cni_path : NULL};
	struct bridge_conf bc;
	bool ours = false;
	if (!err)
		err = attach_mode(set, conflist, len, &bc, &ours);
	if (!err && ours) {
		char *res = NULL;
		err = bridge_add(&bc, id, netns, a->ifname, has_ep ? &ep : NULL, &res);
		/* published ports: portmap after the bridge, given its result */
		char *full = NULL;
		if (!err && a->ports)
			err = cni_add_after(&call, conflist, len, 1, res, &full);
		/* even a failed portmap leaves the bridge's result for DEL to release */
		a->result = full ? full : res;
		if (full)
			free(res);
		bridge_conf_free(&bc);
	} else if (!err && has_ep && net_endpoint_any(&ep)) {
		err = cubo_error_new("--ip, --mac-address and --link-local-ip are applied by "
				     "cubo's own bridge attachment, not by CNI plugins "
				     "(CUBO_NET_CNI=1 or a foreign conflist)");
	} else if (!err) {
		err = cni_add(&call, conflist, len, &a->result);
	}
	free(conflist);
	net_endpoint_free(&ep);
	return err ? cubo_error_wrap(err, "network %s", a->network) : NULL;
}

/* Every member of r's record, with the ports parsed and bound. */
static struct cubo_error *bind_ports(const struct ctr_record *r, struct ctr_net *out,
				     char **mappings)
{
	size_t n = cubo_strv_len(r->ports);
	struct ctr_port_spec *specs = xcalloc(n + 1, sizeof(*specs));
	out->port_fds = xcalloc(n + 1, sizeof(int));
	struct cubo_error *err = NULL;
	for (size_t i = 0; i < n && !err; i++)
		err = ports_parse_record(r->ports[i], &specs[i]);
	if (!err)
		err = ports_reserve(specs, n, out->port_fds);
	if (!err) {
		out->n_port_fds = n;
		err = ports_mappings_json(specs, n, mappings);
	}
	size_t np = 0;
	for (size_t i = 0; !err && i < n; i++) {
		char b[96];
		run_opt_format_port(&specs[i], b, sizeof(b));
		cubo_strv_push(&out->published, &np, b);
	}
	free(specs);
	return err;
}

struct cubo_error *ctr_net_prepare(const char *root, const struct mgr_settings *set,
				   const char *ctr_dir, const struct ctr_record *r,
				   struct ctr_net *out)
{
	memset(out, 0, sizeof(*out));
	if (!ctr_net_wanted(r))
		return NULL;
	if (usernet_is_mode(r->networks[0]))
		return usernet_prepare(ctr_dir, r, out);
	/* what a killed monitor left and nobody released yet goes first */
	char *left = cubo_path_join(ctr_dir, NET_FILE);
	bool stale = cubo_path_exists(left);
	free(left);
	if (stale)
		cubo_error_free(ctr_net_down(root, set, ctr_dir, r->id));
	struct net_store s;
	CUBO_TRY(net_store_open(root, &s));
	struct netfile f = {.netns = netns_path(r->id)};
	char *mappings = NULL;
	struct cubo_error *err = NULL;
	/* unknown networks fail before anything is made */
	for (size_t i = 0; !err && r->networks[i]; i++)
		err = net_store_get(&s, r->networks[i], NULL, NULL, NULL);
	if (!err)
		err = bind_ports(r, out, &mappings);
	for (size_t i = 0; !err && r->networks[i]; i++) {
		struct att *a = netfile_add(&f, net_canonical_name(r->networks[i]));
		if (i == 0 && mappings)
			a->ports = xstrdup(mappings);
	}
	bool made = false;
	if (!err)
		err = netfile_save(ctr_dir, &f);
	if (!err) {
		made = true;
		err = netns_create(f.netns);
	}
	if (!err) {
		out->netns = f.netns;
		f.netns = NULL;
	}
	if (err && made)
		cubo_error_free(ctr_net_down(root, set, ctr_dir, r->id));
	if (err)
		ctr_net_free(out);
	free(mappings);
	netfile_free(&f);
	net_store_close(&s);
	return err;
}

struct cubo_error *ctr_net_attach(const char *root, const struct mgr_settings *set,
				  const char *ctr_dir, const struct ctr_record *r)
{
	struct netfile f;
	struct net_store s;
	bool found;
	if (ctr_net_wanted(r) && usernet_is_mode(r->networks[0]))
		return NULL; /* up already */
	CUBO_TRY(netfile_open_store(root, ctr_dir, &f, &s, &found));
	if (!found)
		return NULL;
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < f.n; i++) {
		err = add_one(set, &s, r->id, f.netns, &f.v[i], r->net_endpoints);
		/* even a failed ADD may have made things: DEL needs to know */
		struct cubo_error *serr = netfile_save(ctr_dir, &f);
		if (!err)
			err = serr;
		else
			cubo_error_free(serr);
	}
	char **names = err ? NULL : ctr_names(r, NULL);
	for (size_t i = 0; !err && i < f.n; i++) {
		char *ip, *gw;
		result_ip(f.v[i].result, &ip, &gw, NULL);
		strip_prefix(ip);
		err = join_members(root, &s, f.v[i].network, r->id, ip, names);
		free(ip);
		free(gw);
	}
	cubo_strv_free(names);
	if (!err) {
		/* the runtime may have bound the file already: rewrite it, do not replace it */
		char *hosts = cubo_path_join(ctr_dir, "hosts");
		bool there = cubo_path_exists(hosts);
		free(hosts);
		err = write_hosts(root, &s, ctr_dir, r, &f, there);
	}
	netfile_free(&f);
	net_store_close(&s);
	return err;
}

/*
 * DEL of one attachment. whole false (ctr_net_release): what a following
 * container may ask for by value goes -- its peers' lines, the published
 * ports' rules, the address -- but not the host end of a veth on cubo's
 * own network, which goes with the namespace or at the whole DEL; a
 * network of the plugins is released whole either way. *done: nothing of
 * it is left for a later DEL.
 */
static struct cubo_error *del_part(const char *root, const struct mgr_settings *set,
				   const struct net_store *s, const char *id, const char *netns,
				   struct att *a, bool whole, bool *done)
{
	*done = false;
	leave_members(root, s, a->network, id);
	char *conflist;
	size_t len;
	struct cubo_error *err = net_store_get(s, a->network, NULL, &conflist, &len);
	if (err) /* the network went: its allocations went with it */
		return cubo_error_wrap(err, "release network %s", a->network);
	/* a namespace that is gone cannot be entered: DEL then frees what is outside it */
	const char *ns = netns && cubo_path_exists(netns) ? netns : "";
	struct cni_call call = {.container_id = id,
				.netns = ns,
				.ifname = a->ifname,
				.port_mappings = a->ports,
				.cni_path = set ? set->cni_path : NULL};
	struct bridge_conf bc;
	bool ours;
	err = attach_mode(set, conflist, len, &bc, &ours);
	if (!err && ours) {
		/* whichever attached it: the result names the veth, the address file the id */
		err = a->ports ? cni_del_after(&call, conflist, len, 1, a->result) : NULL;
		if (!err && !whole) { /* the later DEL has no rules to remove */
			free(a->ports);
			a->ports = NULL;
		}
		struct cubo_error *berr =
			whole ? bridge_del(&bc, id, a->ifname, a->result)
			      : cubo_error_wrap(ipam_release(bc.ipam_dir, id, a->ifname),
						"release the address of %s", a->ifname);
		if (!err)
			err = berr;
		else
			cubo_error_free(berr);
		*done = whole && !err;
		bridge_conf_free(&bc);
	} else if (!err) {
		err = cni_del(&call, conflist, len, a->result);
		*done = !err;
	}
	free(conflist);
	return err ? cubo_error_wrap(err, "release network %s", a->network) : NULL;
}

static struct cubo_error *del_one(const char *root, const struct mgr_settings *set,
				  const struct net_store *s, const char *id, const char *netns,
				  struct att *a)
{
	bool done;
	return del_part(root, set, s, id, netns, a, true, &done);
}

/* ctr_net_down (whole) and ctr_net_release: see ctr_net.h. */
static struct cubo_error *net_down(const char *root, const struct mgr_settings *set,
				   const char *ctr_dir, const char *id, bool whole)
{
	struct netfile f;
	bool found;
	struct cubo_error *first = netfile_load(ctr_dir, &f, &found);
	if (!first && !found) {
		/*
		 * never up, or down already, or a rootless container's pasta or
		 * slirp4netns (no net.json): it is stopped, then a namespace left
		 * by a kill while up began goes
		 */
		first = usernet_down(ctr_dir);
		char *ns = netns_path(id);
		struct cubo_error *err = netns_remove(ns);
		free(ns);
		if (first)
			cubo_error_free(err);
		return first ? first : err;
	}
	struct net_store s;
	struct cubo_error *err = first ? NULL : net_store_open(root, &s);
	if (err)
		return err;
	if (first) {
		/* unreadable: remove the namespace at least */
		char *ns = netns_path(id);
		cubo_error_free(netns_remove(ns));
		free(ns);
		return first;
	}
	/*
	 * The namespace goes first: nothing runs in it any more, so the kernel
	 * destroys it and the veths in it in the background, while deleting a
	 * veth here would wait for it (~20 ms of synchronize_net under load).
	 * DEL then frees the addresses and deletes a host end only if it is
	 * still there.
	 */
	char *ns = f.netns ? xstrdup(f.netns) : netns_path(id);
	err = netns_remove(ns);
	free(ns);
	if (err && !first)
		first = err;
	else
		cubo_error_free(err);
	size_t left = 0;
	for (size_t i = f.n; i-- > 0;) {
		bool done;
		err = del_part(root, set, &s, id, f.netns, &f.v[i], whole, &done);
		if (err && !first)
			first = err;
		else
			cubo_error_free(err);
		left += !done;
		if (done && !whole) { /* a plugin's network, released whole: not again */
			free(f.v[i].network);
			free(f.v[i].ports);
			free(f.v[i].result);
			memmove(&f.v[i], &f.v[i + 1], (f.n - i - 1) * sizeof(*f.v));
			f.n--;
		}
	}
	char *path = cubo_path_join(ctr_dir, NET_FILE);
	if (!first && (whole || !left)) {
		if (unlink(path) < 0 && errno != ENOENT)
			first = cubo_error_errno("remove %s", path);
	} else if (!whole) {
		/* what the whole DEL is left to do, and no more */
		err = netfile_save(ctr_dir, &f);
		if (err && !first)
			first = err;
		else
			cubo_error_free(err);
	}
	free(path);
	netfile_free(&f);
	net_store_close(&s);
	return first;
}

struct cubo_error *ctr_net_down(const char *root, const struct mgr_settings *set,
				const char *ctr_dir, const char *id)
{
	return net_down(root, set, ctr_dir, id, true);
}

struct cubo_error *ctr_net_release(const char *root, const struct mgr_settings *set,
				   const char *ctr_dir, const char *id)
{
	return net_down(root, set, ctr_dir, id, false);
}

bool ctr_net_pending(const char *ctr_dir)
{
	char *path = cubo_path_join(ctr_dir, NET_FILE);
	bool there = cubo_path_exists(path);
	free(path);
	return there;
}

struct cubo_error *ctr_net_connect(const char *root, const struct mgr_settings *set,
				   const char *ctr_dir, const struct ctr_record *r,
				   const char *network, char *const *aliases)
{
	struct netfile f;
	bool found;
	CUBO_TRY(netfile_load(ctr_dir, &f, &found));
	struct net_store s;
	struct cubo_error *err = net_store_open(root, &s);
	if (err) {
		netfile_free(&f);
		return err;
	}
	const char *name = net_canonical_name(network);
	if (!found || !f.netns || !cubo_path_exists(f.netns))
		err = cubo_error_new("container %s has no network namespace of its own to connect "
				     "(it runs with --network none or host, or is not running)",
				     r->name);
	/*
	 * The record, checked by the caller, says it is not connected: an
	 * attachment found here is what a connect killed before it recorded
	 * left. It is released and made again.
	 */
	for (size_t i = 0; !err && i < f.n; i++) {
		if (strcmp(f.v[i].network, name))
			continue;
		cubo_error_free(del_one(root, set, &s, r->id, f.netns, &f.v[i]));
		free(f.v[i].network);
		free(f.v[i].result);
		free(f.v[i].ports);
		memmove(&f.v[i], &f.v[i + 1], (f.n - i - 1) * sizeof(*f.v));
		f.n--;
		break;
	}
	if (!err)
		err = net_store_get(&s, name, NULL, NULL, NULL);
	struct att *a = NULL;
	if (!err) {
		a = netfile_add(&f, name);
		err = netfile_save(ctr_dir, &f);
	}
	if (!err) {
		cubo_test_point("net-connect-before-add");
		err = add_one(set, &s, r->id, f.netns, a, r->net_endpoints);
		struct cubo_error *serr = netfile_save(ctr_dir, &f);
		if (!err)
			err = serr;
		else
			cubo_error_free(serr);
		if (err) { /* undo: DEL what the failed ADD may have made */
			cubo_error_free(del_one(root, set, &s, r->id, f.netns, a));
			f.n--;
			free(a->network);
			free(a->result);
			free(a->ports);
			cubo_error_free(netfile_save(ctr_dir, &f));
		}
	}
	if (!err) {
		char *ip, *gw;
		result_ip(a->result, &ip, &gw, NULL);
		strip_prefix(ip);
		char **names = ctr_names(r, aliases);
		err = join_members(root, &s, name, r->id, ip, names);
		cubo_strv_free(names);
		free(ip);
		free(gw);
	}
	if (!err) {
		cubo_test_point("net-connect-before-hosts");
		err = write_hosts(root, &s, ctr_dir, r, &f, true);
	}
	netfile_free(&f);
	net_store_close(&s);
	return err;
}

struct cubo_error *ctr_net_disconnect(const char *root, const struct mgr_settings *set,
				      const char *ctr_dir, const char *id, const char *network)
{
	struct netfile f;
	bool found;
	CUBO_TRY(netfile_load(ctr_dir, &f, &found));
	const char *name = net_canonical_name(network);
	size_t k = SIZE_MAX;
	for (size_t i = 0; found && i < f.n; i++)
		if (!strcmp(f.v[i].network, name))
			k = i;
	if (k == SIZE_MAX) {
		/* released already by a disconnect killed before it recorded: done */
		netfile_free(&f);
		return NULL;
	}
	struct net_store s;
	struct cubo_error *err = net_store_open(root, &s);
	if (!err) {
		err = del_one(root, set, &s, id, f.netns, &f.v[k]);
		cubo_test_point("net-disconnect-after-del");
		free(f.v[k].network);
		free(f.v[k].result);
		free(f.v[k].ports);
		memmove(&f.v[k], &f.v[k + 1], (f.n - k - 1) * sizeof(*f.v));
		f.n--;
		struct cubo_error *serr = netfile_save(ctr_dir, &f);
		if (!err)
			err = serr;
		else
			cubo_error_free(serr);
		net_store_close(&s);
	}
	netfile_free(&f);
	return err;
}

/* ---- what a release checks ---- */

/* The interfaces of one ADD result outside the namespace, less bridge, pushed onto *v. */
static void push_host_veths(const char *result, const char *bridge, char ***v, size_t *n)
{
	yajl_val t;
	if (!result || cubo_json_parse(result, strlen(result), "CNI result", &t))
		return;
	yajl_val ifs = cubo_json_get(t, "interfaces");
	for (size_t i = 0; YAJL_IS_ARRAY(ifs) && i < ifs->u.array.len; i++) {
		yajl_val name = cubo_json_get(ifs->u.array.values[i], "name");
		yajl_val sandbox = cubo_json_get(ifs->u.array.values[i], "sandbox");
		if (YAJL_IS_STRING(name) && *str_of(name) && !*str_of(sandbox) &&
		    strcmp(str_of(name), bridge))
			cubo_strv_push(v, n, str_of(name));
	}
	yajl_tree_free(t);
}

char **ctr_net_host_veths(const char *root, const char *ctr_dir)
{
	struct netfile f;
	bool found;
	struct net_store s;
	char **v = NULL;
	size_t n = 0;
	struct cubo_error *err = netfile_load(ctr_dir, &f, &found);
	if (!err && found && !(err = net_store_open(root, &s))) {
		for (size_t i = 0; i < f.n; i++) {
			struct net_def d;
			if (!f.v[i].result || net_store_get(&s, f.v[i].network, &d, NULL, NULL))
				continue;
			push_host_veths(f.v[i].result, d.bridge, &v, &n);
			net_def_free(&d);
		}
		net_store_close(&s);
	}
	cubo_error_free(err);
	netfile_free(&f);
	return v;
}

/* ---- what inspect shows ---- */

void ctr_net_attachments_free(struct ctr_net_attachment *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].network);
		free(v[i].ifname);
		free(v[i].ip);
		free(v[i].gateway);
		free(v[i].mac);
	}
	free(v);
}

struct cubo_error *ctr_net_attachments(const char *ctr_dir, struct ctr_net_attachment **out,
				       size_t *n)
{
	*out = NULL;
	*n = 0;
	struct netfile f;
	bool found;
	CUBO_TRY(netfile_load(ctr_dir, &f, &found));
	if (f.n)
		*out = xcalloc(f.n, sizeof(**out));
	for (size_t i = 0; i < f.n; i++) {
		struct ctr_net_attachment *a = &(*out)[i];
		a->network = xstrdup(f.v[i].network);
		a->ifname = xstrdup(f.v[i].ifname);
		result_ip(f.v[i].result, &a->ip, &a->gateway, &a->mac);
	}
	*n = f.n;
	netfile_free(&f);
	return NULL;
}

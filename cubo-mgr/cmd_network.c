/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cubo-mgr network create|ls|inspect|rm|prune|connect|disconnect: bridge
 * networks kept as CNI configuration lists (net/store.h), docker's commands
 * and columns.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/cli.h"
#include "cubo-mgr/events/emit.h"
#include "cubo-mgr/ctr_view.h"
#include "cubo-mgr/format.h"
#include "cubo-mgr/image_view.h"
#include "cubo-mgr/net/ctr_net.h"
#include "cubo-mgr/net/endpoint.h"
#include "cubo-mgr/net/link.h"
#include "cubo-mgr/net/netns.h"
#include "cubo-mgr/net/rules.h"
#include "cubo-mgr/net/store.h"
#include "cubo-mgr/userns/userns.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/lock.h"
#include "shared/strv.h"
#include "shared/testpoint.h"
#include "shared/xalloc.h"

/* Containers whose record names the network; running_only: those attached now. */
static struct cubo_error *network_users(struct mgr *m, const char *network, bool running_only,
					char ***names)
{
	*names = NULL;
	struct ctr_ctx c;
	CUBO_TRY(ctr_ctx_open(m, &c));
	struct ctr_record *v;
	size_t n, k = 0;
	struct cubo_error *err = ctr_store_list(&c.store, &v, &n);
	for (size_t i = 0; !err && i < n; i++) {
		bool removed;
		cubo_error_free(ctr_reconcile_one(&c.store, &v[i], &removed));
		if (removed || !v[i].networks || !cubo_strv_contains(v[i].networks, network))
			continue;
		if (!running_only || v[i].monitor_pid)
			cubo_strv_push(names, &k, v[i].name ? v[i].name : v[i].id);
	}
	if (!err)
		ctr_records_free(v, n);
	ctr_ctx_close(&c);
	return err;
}

static int network_create_cmd(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *driver = "bridge", *subnet = NULL, *gateway = NULL;
	const struct cli_opt opts[] = {
		{"driver", 'd', CLI_STRING, &driver, "NAME", "network driver (only bridge)"},
		{"subnet", 0, CLI_STRING, &subnet, "CIDR",
		 "the network's IPv4 subnet (default: a free 10.90.N.0/24)"},
		{"gateway", 0, CLI_STRING, &gateway, "IP",
		 "the bridge's address (default: the subnet's first)"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "network create",
		.usage = "network create [OPTIONS] NETWORK",
		MGR_ARGS(1, 1, "expected one network name"),
		.description = "Create a bridge network; print its ID.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	if (strcmp(driver, "bridge"))
		err = cubo_error_new("--driver \"%s\": only the bridge driver is supported",
				     driver);
	else if (gateway && !subnet)
		err = cubo_error_new("--gateway needs --subnet");
	if (err)
		return mgr_usage_error(m, "network create", err);
	/* no container of it could use one (container/create.c) */
	if (userns_rootless())
		return mgr_fail(m, cubo_error_new("network create: a rootless manager has no "
						  "user networks yet (bridges need root): "
						  "containers get pasta (the default), "
						  "slirp4netns, none or host"));
	struct net_store s;
	struct net_def d;
	err = net_store_open(m->root, &s);
	if (!err) {
		struct net_create_opts o = {
			.name = args.v[0], .subnet = subnet, .gateway = gateway};
		err = net_store_create(&s, &o, &d);
		net_store_close(&s);
	}
	if (!err) {
		printf("%s\n", d.id);
		ev_network(m->root, "create", d.id, d.name, NULL, &m->events_warned);
		net_def_free(&d);
	}
	return err ? mgr_fail(m, err) : 0;
}

static struct cubo_error *network_json(struct mgr *m, const struct net_def *d, bool pretty,
				       char **out)
{
	char subnet[NET_CIDR_STRLEN], gw[NET_IP_STRLEN];
	net_cidr_format(&d->subnet, subnet);
	net_ip_format(d->gateway, gw);
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(pretty, &g));
	cubo_json_gen_map_open(g);
	const char *kv[][2] = {{"Name", d->name},
			       {"Id", d->id},
			       {"Created", d->created},
			       {"Scope", "local"},
			       {"Driver", "bridge"}};
	for (size_t i = 0; i < CLI_N(kv); i++) {
		cubo_json_gen_key(g, kv[i][0]);
		cubo_json_gen_string(g, kv[i][1]);
	}
	cubo_json_gen_key(g, "IPAM");
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "Driver");
	cubo_json_gen_string(g, "host-local");
	cubo_json_gen_key(g, "Config");
	cubo_json_gen_array_open(g);
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "Subnet");
	cubo_json_gen_string(g, subnet);
	cubo_json_gen_key(g, "Gateway");
	cubo_json_gen_string(g, gw);
	cubo_json_gen_map_close(g);
	cubo_json_gen_array_close(g);
	cubo_json_gen_map_close(g);
	cubo_json_gen_key(g, "Options");
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "com.docker.network.bridge.name");
	cubo_json_gen_string(g, d->bridge);
	cubo_json_gen_map_close(g);
	/* the running containers on it, with their addresses */
	cubo_json_gen_key(g, "Containers");
	cubo_json_gen_map_open(g);
	struct ctr_ctx c;
	struct cubo_error *err = ctr_ctx_open(m, &c);
	bool opened = !err;
	struct ctr_record *v = NULL;
	size_t n = 0;
	if (!err)
		err = ctr_store_list(&c.store, &v, &n);
	for (size_t i = 0; !err && i < n; i++) {
		if (!v[i].monitor_pid)
			continue;
		char *dir = ctr_store_dir(&c.store, v[i].id);
		struct ctr_net_attachment *a;
		size_t na;
		if (!ctr_net_attachments(dir, &a, &na)) {
			for (size_t j = 0; j < na; j++) {
				if (strcmp(a[j].network, d->name))
					continue;
				cubo_json_gen_key(g, v[i].id);
				cubo_json_gen_map_open(g);
				cubo_json_gen_key(g, "Name");
				cubo_json_gen_string(g, v[i].name);
				cubo_json_gen_key(g, "MacAddress");
				cubo_json_gen_string(g, a[j].mac ? a[j].mac : "");
				cubo_json_gen_key(g, "IPv4Address");
				cubo_json_gen_string(g, a[j].ip ? a[j].ip : "");
				cubo_json_gen_map_close(g);
			}
			ctr_net_attachments_free(a, na);
		}
		free(dir);
	}
	if (v)
		ctr_records_free(v, n);
	if (opened)
		ctr_ctx_close(&c);
	cubo_json_gen_map_close(g);
	cubo_json_gen_key(g, "Labels");
	cubo_json_gen_map_open(g);
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);
	if (err) {
		cubo_json_gen_free(g);
		return err;
	}
	size_t len;
	return cubo_json_gen_finish(g, out, &len);
}

/* A network as docker's network ls --format sees it (ID shortened to id_len). */
static struct cubo_json_gen *ls_row(const struct net_def *d, int id_len)
{
	struct cubo_json_gen *g = mgr_format_object();
	if (!g)
		return NULL;
	char when[64];
	image_docker_time(d->created, when, sizeof(when));
	cubo_json_gen_key(g, "ID");
	cubo_json_gen_string_len(g, d->id, strnlen(d->id, (size_t)id_len));
	mgr_json_kv(g, "Name", d->name);
	mgr_json_kv(g, "Driver", "bridge");
	mgr_json_kv(g, "Scope", "local");
	cubo_json_gen_key(g, "IPv6");
	cubo_json_gen_bool(g, false);
	cubo_json_gen_key(g, "Internal");
	cubo_json_gen_bool(g, false);
	mgr_json_kv(g, "Labels", "");
	mgr_json_kv(g, "CreatedAt", when);
	cubo_json_gen_map_close(g);
	return g;
}

/* docker's column titles of network ls --format "table ..." */
static const struct mgr_title ls_titles[] = {
	{"ID", "NETWORK ID"}, {"Name", "NAME"},
	{"Driver", "DRIVER"}, {"Scope", "SCOPE"},
	{"IPv6", "IPV6"},     {"Internal", "INTERNAL"},
	{"Labels", "LABELS"}, {"CreatedAt", "CREATED AT"},
};

static int network_ls_cmd(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool quiet = false, no_trunc = false;
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"quiet", 'q', CLI_BOOL, &quiet, NULL, "print only IDs"},
		{"no-trunc", 0, CLI_BOOL, &no_trunc, NULL, "print whole IDs"},
		{"format", 0, CLI_STRING, &format, "FORMAT",
		 "table (default), json (one object a line), or a Go template"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "network ls",
		.usage = "network ls [OPTIONS]",
		.description = "List networks.",
		MGR_OPTS(opts),
	};
	struct mgr_format fmt;
	int rc = mgr_parse_format(m, &spec, argc, argv, &args, &format, &fmt);
	if (rc >= 0)
		return rc;
	struct cubo_error *err = NULL;
	bool custom = fmt.kind != MGR_FORMAT_DEFAULT;
	struct net_store s;
	struct net_def *v = NULL;
	size_t n = 0;
	if (!(err = net_store_open(m->root, &s))) {
		err = net_store_list(&s, &v, &n);
		net_store_close(&s);
	}
	if (err) {
		mgr_format_close(&fmt);
		return mgr_fail(m, err);
	}
	if (!quiet && !custom)
		printf("%-14s%-20s%-10s%s\n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
	for (size_t i = 0; i < n; i++) {
		int w = no_trunc ? NET_ID_LEN : 12;
		if (quiet) {
			printf("%.*s\n", w, v[i].id);
		} else if (custom) {
			if ((err = mgr_format_add(&fmt, ls_row(&v[i], w))))
				break;
		} else {
			printf("%-14.*s%-20s%-10s%s\n", w, v[i].id, v[i].name, "bridge", "local");
		}
	}
	if (!err && !quiet)
		mgr_format_flush(&fmt, ls_titles, CLI_N(ls_titles));
	mgr_format_close(&fmt);
	net_defs_free(v, n);
	return err ? mgr_fail(m, err) : 0;
}

static struct cubo_error *network_inspect_one(struct mgr *m, void *ctx, const char *name,
					      char **json)
{
	struct net_def d;
	CUBO_TRY(net_store_get(ctx, name, &d, NULL, NULL));
	struct cubo_error *err = network_json(m, &d, true, json);
	net_def_free(&d);
	return err;
}

static int network_inspect_cmd(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{"format", 'f', CLI_STRING, &format, "FORMAT",
		 "json (the default) or a Go template run for each network"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "network inspect",
		.usage = "network inspect [OPTIONS] NETWORK [NETWORK...]",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected a network"),
		.description = "Print a JSON array describing networks.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct net_store s;
	struct cubo_error *err = net_store_open(m->root, &s);
	if (err)
		return mgr_fail(m, err);
	rc = mgr_format_inspect(m, "network inspect", format, args.v, args.n, network_inspect_one,
				&s);
	net_store_close(&s);
	return rc;
}

/* Remove one user network no running container is attached to, and its bridge. */
static struct cubo_error *remove_network(struct mgr *m, const struct net_store *s,
					 const struct net_def *d, bool any_user)
{
	char **users;
	CUBO_TRY(network_users(m, d->name, !any_user, &users));
	struct cubo_error *err = NULL;
	if (users) {
		size_t len = 0;
		for (size_t i = 0; users[i]; i++)
			len += strlen(users[i]) + 2;
		char *list = xcalloc(1, len + 1);
		for (size_t i = 0; users[i]; i++)
			strcat(strcat(list, i ? ", " : ""), users[i]);
		err = cubo_error_new("network %s is in use by container%s %s", d->name,
				     users[1] ? "s" : "", list);
		free(list);
		cubo_strv_free(users);
		return err;
	}
	/*
	 * What the host holds for it goes before its definition: a removal
	 * killed half way leaves a network that is still listed and that a
	 * second rm finishes, never a bridge or rules nobody knows of.
	 */
	CUBO_TRY(net_rules_remove(d));
	CUBO_TRY(net_link_delete(d->bridge));
	cubo_test_point("net-rm-before-def");
	CUBO_TRY(net_store_remove(s, d));
	ev_network(m->root, "destroy", d->id, d->name, NULL, &m->events_warned);
	return NULL;
}

static int network_rm_cmd(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool force = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "no error for a missing network"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "network rm",
		.usage = "network rm [OPTIONS] NETWORK [NETWORK...]",
		MGR_ARGS(1, MGR_ARGS_ANY, "expected a network"),
		.description = "Remove networks no running container is attached to.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	struct net_store s;
	struct cubo_error *err = net_store_open(m->root, &s);
	if (err)
		return mgr_fail(m, err);
	rc = 0;
	for (int i = 0; i < args.n; i++) {
		struct net_def d;
		err = net_store_get(&s, args.v[i], &d, NULL, NULL);
		if (err && force && strstr(err->msg, "not found")) {
			cubo_error_free(err);
			continue;
		}
		if (!err) {
			err = remove_network(m, &s, &d, false);
			net_def_free(&d);
		}
		if (err)
			rc = mgr_fail(m, err);
		else
			printf("%s\n", args.v[i]);
	}
	net_store_close(&s);
	return rc;
}

/*
 * host-local allocations of containers that are gone: what a container
 * removed by hand, or a crash before its net.json, left. An address is in
 * use exactly while its container's namespace is bound (ctr_net.h), which
 * holds for every root sharing the default network's allocations too.
 */
static void prune_allocations(const char *ipam_dir, const char *network)
{
	char *nd = cubo_path_join(ipam_dir, network);
	DIR *d = opendir(nd);
	struct dirent *f;
	while (d && (f = readdir(d))) {
		/* address files only: not "lock", "last_reserved_ip.0" */
		if (f->d_name[0] == '.' || !strchr(f->d_name, '.') ||
		    !strncmp(f->d_name, "last_reserved_ip", 16))
			continue;
		char *p = cubo_path_join(nd, f->d_name), *text;
		size_t len;
		if (!cubo_read_file(p, &text, &len)) {
			text[strcspn(text, "\r\n")] = '\0';
			char *ns = netns_path(text);
			if (!ctr_id_valid(text) || !cubo_path_exists(ns))
				unlink(p);
			free(ns);
			free(text);
		}
		free(p);
	}
	if (d)
		closedir(d);
	free(nd);
}

static int network_prune_cmd(struct mgr *m, int argc, char **argv)
{
	struct cli_args args;
	bool force = false;
	const struct cli_opt opts[] = {
		{"force", 'f', CLI_BOOL, &force, NULL, "do not ask for confirmation"},
	};
	const struct mgr_cmd_spec spec = {
		.name = "network prune",
		.usage = "network prune [OPTIONS]",
		.description = "Remove user networks no container uses, and what stopped or "
			       "crashed containers left on networks.",
		MGR_OPTS(opts),
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0)
		return rc;
	if (!force && !mgr_confirm("This will remove all custom networks not used by at least "
				   "one container."))
		return 0;
	struct cubo_error *err = network_prune(m);
	return err ? mgr_fail(m, err) : 0;
}

struct cubo_error *network_prune(struct mgr *m)
{
	struct net_store s;
	struct net_def *v = NULL;
	size_t n = 0;
	struct cubo_error *err = net_store_open(m->root, &s);
	if (!err)
		err = net_store_list(&s, &v, &n);
	if (err)
		return err;
	/* containers whose monitor died release their networks on the way (reconcile) */
	printf("Deleted Networks:\n");
	for (size_t i = 0; i < n && !err; i++) {
		prune_allocations(net_store_ipam_dir(&s, v[i].name), v[i].name);
		if (net_is_default(v[i].name))
			continue;
		char **users = NULL;
		err = network_users(m, v[i].name, false, &users);
		if (!err && !users && !(err = remove_network(m, &s, &v[i], true)))
			printf("%s\n", v[i].name);
		cubo_strv_free(users);
	}
	net_defs_free(v, n);
	net_store_close(&s);
	return err;
}

/*
 * Add or drop network in the record's list, under the container's lock;
 * connect's --alias names join the container's aliases, so they hold on
 * its next starts too.
 */
static struct cubo_error *record_networks(struct ctr_ctx *c, const char *id, const char *network,
					  bool add, char *const *aliases, const char *endpoint)
{
	int lock;
	CUBO_TRY(ctr_store_lock(&c->store, id, &lock));
	char *dir = ctr_store_dir(&c->store, id);
	struct ctr_record r;
	struct cubo_error *err = ctr_record_load(dir, &r);
	if (!err) {
		char **next = NULL;
		size_t n = 0;
		for (size_t i = 0; r.networks && r.networks[i]; i++)
			if (strcmp(r.networks[i], network))
				cubo_strv_push(&next, &n, r.networks[i]);
		if (add)
			cubo_strv_push(&next, &n, network);
		cubo_strv_free(r.networks);
		r.networks = next;
		size_t na = cubo_strv_len(r.net_aliases);
		for (size_t i = 0; add && aliases && aliases[i]; i++)
			if (!r.net_aliases || !cubo_strv_contains(r.net_aliases, aliases[i]))
				cubo_strv_push(&r.net_aliases, &na, aliases[i]);
		/* --ip and --link-local-ip hold while connected; disconnect forgets them */
		next = net_endpoint_replace(r.net_endpoints, network, add ? endpoint : NULL);
		cubo_strv_free(r.net_endpoints);
		r.net_endpoints = next;
		err = ctr_record_save(dir, &r);
		ctr_record_free(&r);
	}
	free(dir);
	cubo_unlock(lock);
	return err;
}

static int network_connect_cmd(struct mgr *m, int argc, char **argv, bool connect)
{
	struct cli_args args;
	char **aliases = NULL, **link_local = NULL, *endpoint = NULL;
	const char *ip = NULL, *ip6 = NULL;
	const struct cli_opt opts[] = {
		{"alias", 0, CLI_LIST, &aliases, "NAME", "another name on this network"},
		{"ip", 0, CLI_STRING, &ip, "ADDRESS", "a fixed IPv4 address on this network"},
		{"ip6", 0, CLI_STRING, &ip6, "ADDRESS",
		 "a fixed IPv6 address (refused: networks are IPv4 only)"},
		{"link-local-ip", 0, CLI_LIST, &link_local, "ADDRESS",
		 "one more address (169.254.0.0/16, fe80::/10) on this network"},
	};
	const char *cmd = connect ? "network connect" : "network disconnect";
	const struct mgr_cmd_spec spec = {
		.name = cmd,
		.usage = connect ? "network connect [OPTIONS] NETWORK CONTAINER"
				 : "network disconnect NETWORK CONTAINER",
		MGR_ARGS(2, 2, "expected a network and a container"),
		.description =
			connect ? "Attach a container to one more network (now, if it runs, and "
				  "on every start)."
				: "Detach a container from a network.",
		.opts = opts,
		.n_opts = connect ? CLI_N(opts) : 0,
	};
	int rc = mgr_parse_args(m, &spec, argc, argv, &args);
	if (rc >= 0) {
		cubo_strv_free(aliases);
		cubo_strv_free(link_local);
		return rc;
	}
	struct ctr_ctx c;
	struct ctr_record r = {0};
	struct net_store s;
	struct net_def d = {0};
	struct cubo_error *err = ctr_ctx_open(m, &c);
	bool ctx = !err;
	int change_lock = -1;
	if (!err)
		err = ctr_find(&c, args.v[1], &r);
	/*
	 * One change of a container's networks at a time: two connects of one
	 * network would both find it missing and both attach it. The record is
	 * read again under the lock.
	 */
	if (!err) {
		char *dir = ctr_store_dir(&c.store, r.id);
		char *path = cubo_path_join(dir, "networks.lock");
		err = cubo_lock_path(path, true, &change_lock);
		free(path);
		free(dir);
		char id[sizeof(r.id)];
		memcpy(id, r.id, sizeof(id));
		ctr_record_free(&r);
		memset(&r, 0, sizeof(r));
		if (!err)
			err = ctr_find(&c, id, &r);
	}
	if (!err &&
	    (!r.networks || !strcmp(r.networks[0], "none") || !strcmp(r.networks[0], "host")))
		err = cubo_error_new("container %s runs with --network %s: it has no networks to "
				     "change",
				     r.name, r.networks ? r.networks[0] : "none");
	if (!err && !(err = net_store_open(m->root, &s))) {
		err = net_store_get(&s, args.v[0], &d, NULL, NULL);
		net_store_close(&s);
	}
	for (size_t i = 0; !err && aliases && aliases[i]; i++)
		err = cubo_error_wrap(ctr_name_check(aliases[i]), "--alias");
	const struct net_endpoint_flags ef = {.ip = ip, .ip6 = ip6, .link_local = link_local};
	if (!err && connect)
		err = net_endpoint_from_flags(&ef, d.name, !net_is_default(d.name), &endpoint);
	if (!err && endpoint) {
		char **next = net_endpoint_replace(r.net_endpoints, d.name, endpoint);
		cubo_strv_free(r.net_endpoints);
		r.net_endpoints = next;
		err = net_endpoint_check(r.net_endpoints, &d);
	}
	bool on = !err && cubo_strv_contains(r.networks, d.name);
	if (!err && connect && on)
		err = cubo_error_new("container %s is already connected to network %s", r.name,
				     d.name);
	if (!err && !connect && !on)
		err = cubo_error_new("container %s is not connected to network %s", r.name, d.name);
	if (!err && !connect && r.networks && !r.networks[1])
		err = cubo_error_new("network %s is container %s's only network: run it with "
				     "--network none instead",
				     d.name, r.name);
	if (!err && r.monitor_pid) {
		char *dir = ctr_store_dir(&c.store, r.id);
		err = connect ? ctr_net_connect(m->root, &m->settings, dir, &r, d.name, aliases)
			      : ctr_net_disconnect(m->root, &m->settings, dir, r.id, d.name);
		free(dir);
	}
	cubo_test_point(connect ? "net-connect-before-record" : "net-disconnect-before-record");
	if (!err)
		err = record_networks(&c, r.id, d.name, connect, aliases, endpoint);
	if (!err)
		ev_network(m->root, connect ? "connect" : "disconnect", d.id, d.name, r.id,
			   &m->events_warned);
	if (change_lock >= 0)
		cubo_unlock(change_lock);
	net_def_free(&d);
	ctr_record_free(&r);
	if (ctx)
		ctr_ctx_close(&c);
	cubo_strv_free(aliases);
	cubo_strv_free(link_local);
	free(endpoint);
	return err ? mgr_fail(m, err) : 0;
}

static int network_connect(struct mgr *m, int argc, char **argv)
{
	return network_connect_cmd(m, argc, argv, true);
}

static int network_disconnect(struct mgr *m, int argc, char **argv)
{
	return network_connect_cmd(m, argc, argv, false);
}

static const struct mgr_subcommand subs[] = {
	{"create", network_create_cmd, "create a network"},
	{"ls", network_ls_cmd, "list networks"},
	{"list", network_ls_cmd, NULL},
	{"inspect", network_inspect_cmd, "show networks as JSON"},
	{"rm", network_rm_cmd, "remove networks"},
	{"remove", network_rm_cmd, NULL},
	{"prune", network_prune_cmd, "remove unused networks"},
	{"connect", network_connect, "attach a container to a network"},
	{"disconnect", network_disconnect, "detach a container from a network"},
};

int cmd_network(struct mgr *m, int argc, char **argv)
{
	return mgr_run_subcommand(m, "network", "Manage networks.", subs, CLI_N(subs), argc, argv);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* A container on a cubo bridge without the CNI plugins: see bridge_attach.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cubo-mgr/net/bridge_attach.h"
#include "cubo-mgr/net/link.h"
#include "cubo-mgr/net/netconf.h"
#include "cubo-mgr/net/ns_conf.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/xalloc.h"

static const char *str_of(yajl_val v)
{
	const char *s = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
	return s ? s : "";
}

void bridge_conf_free(struct bridge_conf *c)
{
	free(c->network);
	free(c->ipam_dir);
	memset(c, 0, sizeof(*c));
}

bool bridge_attach_enabled(const struct mgr_settings *set)
{
	return !set || !set->cni_for_bridge;
}

/* Whether obj (a map) has no member but those named. */
static bool only_keys(yajl_val obj, const char *const *keys)
{
	if (!YAJL_IS_OBJECT(obj))
		return false;
	for (size_t i = 0; i < obj->u.object.len; i++) {
		bool known = false;
		for (size_t k = 0; keys[k] && !known; k++)
			known = !strcmp(obj->u.object.keys[i], keys[k]);
		if (!known)
			return false;
	}
	return true;
}

static bool is_true(yajl_val v)
{
	return YAJL_IS_TRUE(v);
}

/* The bridge plugin's entry, checked member by member: anything we do not do means CNI. */
static bool parse_bridge(yajl_val p, struct bridge_conf *out)
{
	static const char *const keys[] = {"type",	  "bridge", "isGateway", "ipMasq",
					   "hairpinMode", "ipam",   NULL};
	static const char *const ipam_keys[] = {"type", "ranges", "routes", "dataDir", NULL};
	static const char *const range_keys[] = {"subnet", "gateway", NULL};
	if (!only_keys(p, keys) || strcmp(str_of(cubo_json_get(p, "type")), "bridge") ||
	    !is_true(cubo_json_get(p, "isGateway")) || is_true(cubo_json_get(p, "ipMasq")))
		return false;
	const char *br = str_of(cubo_json_get(p, "bridge"));
	struct cubo_error *err = net_ifname_check(br);
	if (err) {
		cubo_error_free(err);
		return false;
	}
	snprintf(out->bridge, sizeof(out->bridge), "%s", br);
	out->hairpin = is_true(cubo_json_get(p, "hairpinMode"));
	yajl_val ipam = cubo_json_get(p, "ipam");
	if (!only_keys(ipam, ipam_keys) ||
	    strcmp(str_of(cubo_json_get(ipam, "type")), "host-local"))
		return false;
	/* routes: the default route only (what the generator writes) */
	yajl_val routes = cubo_json_get(ipam, "routes");
	if (!YAJL_IS_ARRAY(routes) || routes->u.array.len != 1 ||
	    strcmp(str_of(cubo_json_get(routes->u.array.values[0], "dst")), "0.0.0.0/0") ||
	    cubo_json_get(routes->u.array.values[0], "gw"))
		return false;
	yajl_val sets = cubo_json_get(ipam, "ranges");
	if (!YAJL_IS_ARRAY(sets) || sets->u.array.len != 1)
		return false;
	yajl_val set = sets->u.array.values[0];
	if (!YAJL_IS_ARRAY(set) || set->u.array.len != 1 ||
	    !only_keys(set->u.array.values[0], range_keys))
		return false;
	yajl_val r = set->u.array.values[0];
	struct net_cidr subnet;
	uint32_t gw;
	err = net_cidr_parse(str_of(cubo_json_get(r, "subnet")), &subnet);
	if (!err)
		err = net_ip_parse(str_of(cubo_json_get(r, "gateway")), &gw);
	if (err || !net_cidr_is_host(&subnet, gw)) {
		cubo_error_free(err);
		return false;
	}
	ipam_range_default(&subnet, gw, &out->range);
	const char *data = str_of(cubo_json_get(ipam, "dataDir"));
	if (data[0] != '/')
		return false; /* host-local's own default is not one cubo writes */
	out->ipam_dir = cubo_path_join(data, out->network);
	return true;
}

struct cubo_error *bridge_conf_parse(const char *conflist, size_t len, struct bridge_conf *out,
				     bool *ours)
{
	memset(out, 0, sizeof(*out));
	*ours = false;
	yajl_val t;
	CUBO_TRY(cubo_json_parse(conflist, len, "CNI list", &t));
	yajl_val plugins = cubo_json_get(t, "plugins");
	const char *name = str_of(cubo_json_get(t, "name"));
	struct cubo_error *nerr = net_name_check(name);
	bool ok = !nerr && YAJL_IS_ARRAY(plugins) && plugins->u.array.len >= 1;
	cubo_error_free(nerr);
	if (ok)
		out->network = xstrdup(name);
	ok = ok && parse_bridge(plugins->u.array.values[0], out);
	/* after the bridge: portmap only (run as a plugin, given this ADD's result) */
	for (size_t i = 1; ok && i < plugins->u.array.len; i++)
		ok = !strcmp(str_of(cubo_json_get(plugins->u.array.values[i], "type")), "portmap");
	yajl_tree_free(t);
	if (!ok)
		bridge_conf_free(out);
	*ours = ok;
	return NULL;
}

/* Routing between the bridge and the host's other links, as the plugin's isGateway turns on. */
static struct cubo_error *ip_forward_on(void)
{
	static const char path[] = "/proc/sys/net/ipv4/ip_forward";
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return cubo_error_errno("open %s", path);
	char c = '0';
	struct cubo_error *err = NULL;
	if (read(fd, &c, 1) != 1 || c != '1') {
		if (pwrite(fd, "1", 1, 0) != 1)
			err = cubo_error_errno("enable IPv4 forwarding (%s)", path);
	}
	close(fd);
	return err;
}

/* A host end named as the plugin names them: veth + 8 random hex digits. */
static struct cubo_error *make_veth(struct nl_sock *s, const struct bridge_conf *c,
				    const struct net_link *br, int nsfd, const char *ifname,
				    const unsigned char *mac, char host[16])
{
	for (int tries = 0; tries < 8; tries++) {
		uint32_t r;
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			return cubo_error_errno("getrandom");
		snprintf(host, 16, "veth%08x", r);
		int kerr;
		CUBO_TRY(net_veth_add(s, host, ifname, nsfd, br->mtu, br->index, mac, &kerr));
		if (!kerr)
			return NULL;
		/* EEXIST: our random name is taken, or ifname is in the namespace already */
		struct net_link l;
		bool taken;
		CUBO_TRY(net_link_get(s, host, &l, &taken));
		if (!taken)
			return cubo_error_new_errno(EEXIST,
						    "the container's namespace has an interface "
						    "%s already",
						    ifname);
	}
	return cubo_error_new("no free veth name for bridge %s", c->bridge);
}

static char *render_result(const struct bridge_conf *c, const struct net_link *br, const char *host,
			   const char *host_mac, const char *ifname, const char *ctr_mac,
			   const char *netns, uint32_t ip)
{
	char brmac[NET_MAC_STRLEN] = "", addr[NET_CIDR_STRLEN + 4], a[NET_IP_STRLEN],
	     gw[NET_IP_STRLEN];
	if (br->has_mac)
		net_mac_format(br->mac, brmac);
	net_ip_format(ip, a);
	net_ip_format(c->range.gateway, gw);
	snprintf(addr, sizeof(addr), "%s/%u", a, c->range.subnet.prefix);
	struct cubo_json_gen *g;
	if (cubo_json_gen_new(false, &g))
		abort();
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "cniVersion");
	cubo_json_gen_string(g, NET_CNI_VERSION);
	cubo_json_gen_key(g, "interfaces");
	cubo_json_gen_array_open(g);
	const char *names[] = {c->bridge, host, ifname}, *macs[] = {brmac, host_mac, ctr_mac};
	for (int i = 0; i < 3; i++) {
		cubo_json_gen_map_open(g);
		cubo_json_gen_key(g, "name");
		cubo_json_gen_string(g, names[i]);
		cubo_json_gen_key(g, "mac");
		cubo_json_gen_string(g, macs[i]);
		if (i == 2) {
			cubo_json_gen_key(g, "sandbox");
			cubo_json_gen_string(g, netns);
		}
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
	cubo_json_gen_key(g, "ips");
	cubo_json_gen_array_open(g);
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "interface");
	cubo_json_gen_int(g, 2);
	cubo_json_gen_key(g, "address");
	cubo_json_gen_string(g, addr);
	cubo_json_gen_key(g, "gateway");
	cubo_json_gen_string(g, gw);
	cubo_json_gen_map_close(g);
	cubo_json_gen_array_close(g);
	cubo_json_gen_key(g, "routes");
	cubo_json_gen_array_open(g);
	cubo_json_gen_map_open(g);
	cubo_json_gen_key(g, "dst");
	cubo_json_gen_string(g, "0.0.0.0/0");
	cubo_json_gen_map_close(g);
	cubo_json_gen_array_close(g);
	cubo_json_gen_key(g, "dns");
	cubo_json_gen_map_open(g);
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);
	char *out;
	size_t len;
	if (cubo_json_gen_finish(g, &out, &len))
		abort();
	return out;
}

struct cubo_error *bridge_add(const struct bridge_conf *c, const char *id, const char *netns,
			      const char *ifname, const struct net_endpoint *ep, char **result)
{
	*result = NULL;
	CUBO_TRY(ipam_id_check(id));
	CUBO_TRY(net_ifname_check(ifname));
	int nsfd = open(netns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return cubo_error_errno("open network namespace %s", netns);
	struct nl_sock s;
	struct cubo_error *err = nl_open(&s);
	if (err) {
		close(nsfd);
		return err;
	}
	struct net_link br, hl;
	char host[16] = "", host_mac[NET_MAC_STRLEN] = "";
	uint32_t ip = 0;
	bool allocated = false, made = false, found;
	err = net_bridge_ensure(&s, c->bridge, c->range.gateway, c->range.subnet.prefix, &br);
	if (!err)
		err = ip_forward_on();
	if (!err && ep && ep->has_ip) {
		ip = ep->ip;
		err = ipam_reserve(c->ipam_dir, c->network, &c->range, id, ifname, ip);
	} else if (!err) {
		err = ipam_allocate(c->ipam_dir, c->network, &c->range, id, ifname, &ip);
	}
	allocated = !err;
	if (!err)
		err = make_veth(&s, c, &br, nsfd, ifname, ep && ep->has_mac ? ep->mac : NULL, host);
	made = !err;
	if (!err)
		err = net_link_get(&s, host, &hl, &found);
	if (!err && !found)
		err = cubo_error_new("veth %s vanished after it was made", host);
	if (!err && hl.has_mac)
		net_mac_format(hl.mac, host_mac);
	if (!err && c->hairpin)
		err = net_brport_hairpin(&s, hl.index);
	struct ns_conf nc = {.netns_fd = nsfd,
			     .ifname = ifname,
			     .ip = ip,
			     .gw = c->range.gateway,
			     .prefix = c->range.subnet.prefix,
			     .link_local = ep ? ep->link_local : NULL};
	if (!err)
		err = ns_conf_apply(&nc);
	if (!err)
		*result = render_result(c, &br, host, host_mac, ifname, nc.mac, netns, ip);
	nl_close(&s);
	close(nsfd);
	if (err && made) /* the container's end goes with it */
		cubo_error_free(net_link_delete(host));
	if (err && allocated)
		cubo_error_free(ipam_release(c->ipam_dir, id, ifname));
	return err ? cubo_error_wrap(err, "attach %s to bridge %s", ifname, c->bridge) : NULL;
}

/* The result's interfaces outside any namespace, less the bridge: the host ends. */
static struct cubo_error *delete_host_ends(const struct bridge_conf *c, const char *prev)
{
	yajl_val t;
	if (!prev)
		return NULL;
	CUBO_TRY(cubo_json_parse(prev, strlen(prev), "CNI result", &t));
	yajl_val ifs = cubo_json_get(t, "interfaces");
	struct cubo_error *first = NULL;
	for (size_t i = 0; YAJL_IS_ARRAY(ifs) && i < ifs->u.array.len; i++) {
		yajl_val it = ifs->u.array.values[i];
		const char *name = str_of(cubo_json_get(it, "name"));
		/* only what the plugin or bridge_add names a host end: never another link */
		if (strncmp(name, "veth", 4) || *str_of(cubo_json_get(it, "sandbox")) ||
		    !strcmp(name, c->bridge))
			continue;
		struct cubo_error *err = net_link_delete(name);
		if (err && !first)
			first = err;
		else
			cubo_error_free(err);
	}
	yajl_tree_free(t);
	return first;
}

struct cubo_error *bridge_del(const struct bridge_conf *c, const char *id, const char *ifname,
			      const char *prev_result)
{
	struct cubo_error *first = delete_host_ends(c, prev_result);
	struct cubo_error *err = ipam_release(c->ipam_dir, id, ifname);
	if (err && !first)
		first = err;
	else
		cubo_error_free(err);
	return first ? cubo_error_wrap(first, "release %s from bridge %s", ifname, c->bridge)
		     : NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* A container's NetworkSettings for inspect: see net_inspect.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/net/ctr_net.h"
#include "cubo-mgr/net/endpoint.h"
#include "cubo-mgr/net/net_inspect.h"
#include "cubo-mgr/net/ports.h"
#include "shared/xalloc.h"

static void kv(struct cubo_json_gen *g, const char *k, const char *v)
{
	cubo_json_gen_key(g, k);
	cubo_json_gen_string(g, v ? v : "");
}

/* "10.87.0.2/16" -> "10.87.0.2" and 16 */
static void split_ip(const char *cidr, char *ip, size_t cap, int *prefix)
{
	*prefix = 0;
	snprintf(ip, cap, "%s", cidr ? cidr : "");
	char *slash = strchr(ip, '/');
	if (slash) {
		*slash = '\0';
		*prefix = atoi(slash + 1);
	}
}

/* docker's IPAMConfig of one network: what was asked for (null when nothing) */
static void gen_ipam_config(struct cubo_json_gen *g, const struct ctr_record *r,
			    const char *network)
{
	struct net_endpoint e;
	bool found;
	struct cubo_error *err = net_endpoint_find(r->net_endpoints, network, &e, &found);
	cubo_error_free(err);
	cubo_json_gen_key(g, "IPAMConfig");
	if (err || !found || (!e.has_ip && !e.link_local)) {
		cubo_json_gen_null(g);
		net_endpoint_free(&e);
		return;
	}
	cubo_json_gen_map_open(g);
	if (e.has_ip) {
		char a[NET_IP_STRLEN];
		net_ip_format(e.ip, a);
		kv(g, "IPv4Address", a);
	}
	if (e.link_local) {
		cubo_json_gen_key(g, "LinkLocalIPs");
		cubo_json_gen_strv(g, e.link_local, SIZE_MAX);
	}
	cubo_json_gen_map_close(g);
	net_endpoint_free(&e);
}

/* docker's shape: one member per container port, all its host bindings in it */
static void gen_ports(struct cubo_json_gen *g, char *const *ports)
{
	size_t n = 0;
	while (ports && ports[n])
		n++;
	struct ctr_port_spec *v = xcalloc(n + 1, sizeof(*v));
	bool *ok = xcalloc(n + 1, sizeof(*ok));
	for (size_t i = 0; i < n; i++) {
		struct cubo_error *err = ports_parse_record(ports[i], &v[i]);
		ok[i] = !err;
		cubo_error_free(err);
	}
	cubo_json_gen_key(g, "Ports");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; i < n; i++) {
		bool first = ok[i];
		for (size_t j = 0; first && j < i; j++)
			first = !(ok[j] && v[j].ctr_port == v[i].ctr_port &&
				  !strcmp(v[j].proto, v[i].proto));
		if (!first)
			continue;
		char key[16], port[8];
		snprintf(key, sizeof(key), "%u/%s", v[i].ctr_port, v[i].proto);
		cubo_json_gen_key(g, key);
		cubo_json_gen_array_open(g);
		for (size_t j = i; j < n; j++) {
			if (!ok[j] || v[j].ctr_port != v[i].ctr_port ||
			    strcmp(v[j].proto, v[i].proto))
				continue;
			snprintf(port, sizeof(port), "%u", v[j].host_port);
			cubo_json_gen_map_open(g);
			kv(g, "HostIp", v[j].host_ip[0] ? v[j].host_ip : "0.0.0.0");
			kv(g, "HostPort", v[j].host_port ? port : "");
			cubo_json_gen_map_close(g);
		}
		cubo_json_gen_array_close(g);
	}
	cubo_json_gen_map_close(g);
	free(v);
	free(ok);
}

void net_inspect_settings(struct cubo_json_gen *g, const char *ctr_dir, const struct ctr_record *r)
{
	struct ctr_net_attachment *a = NULL;
	size_t n = 0;
	struct cubo_error *err = r->monitor_pid ? ctr_net_attachments(ctr_dir, &a, &n) : NULL;
	cubo_error_free(err); /* no net.json: nothing attached */
	char ip[48];
	int prefix;
	cubo_json_gen_key(g, "NetworkSettings");
	cubo_json_gen_map_open(g);
	split_ip(n ? a[0].ip : NULL, ip, sizeof(ip), &prefix);
	kv(g, "IPAddress", ip);
	cubo_json_gen_key(g, "IPPrefixLen");
	cubo_json_gen_int(g, prefix);
	kv(g, "Gateway", n ? a[0].gateway : NULL);
	kv(g, "MacAddress", n ? a[0].mac : NULL);
	gen_ports(g, r->published);
	cubo_json_gen_key(g, "Networks");
	cubo_json_gen_map_open(g);
	for (size_t i = 0; i < n; i++) {
		cubo_json_gen_key(g, a[i].network);
		cubo_json_gen_map_open(g);
		split_ip(a[i].ip, ip, sizeof(ip), &prefix);
		kv(g, "IPAddress", ip);
		cubo_json_gen_key(g, "IPPrefixLen");
		cubo_json_gen_int(g, prefix);
		kv(g, "Gateway", a[i].gateway);
		kv(g, "MacAddress", a[i].mac);
		kv(g, "InterfaceName", a[i].ifname);
		gen_ipam_config(g, r, a[i].network);
		cubo_json_gen_key(g, "Aliases");
		cubo_json_gen_strv(g, r->net_aliases ? r->net_aliases : (char *[]){NULL}, SIZE_MAX);
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);
	ctr_net_attachments_free(a, n);
}

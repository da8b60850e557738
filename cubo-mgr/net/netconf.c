/* SPDX-License-Identifier: Apache-2.0 */
/* Network definitions as CNI conflists: see netconf.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/net/netconf.h"
#include "shared/json.h"

/* The text of a JSON string node; "" for anything else. */
static const char *str_of(yajl_val v)
{
	const char *s = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
	return s ? s : "";
}

void net_def_free(struct net_def *d)
{
	free(d->name);
	memset(d, 0, sizeof(*d));
}

struct cubo_error *net_name_check(const char *name)
{
	size_t n = strlen(name);
	bool ok = n >= 1 && n <= 64 && isalnum((unsigned char)name[0]);
	for (size_t i = 1; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || strchr("_.-", name[i]);
	if (!ok)
		return cubo_error_new("invalid network name \"%s\": it must match "
				      "[a-zA-Z0-9][a-zA-Z0-9_.-]* (at most 64 characters)",
				      name);
	return NULL;
}

static void kv(struct cubo_json_gen *g, const char *k, const char *v)
{
	cubo_json_gen_key(g, k);
	cubo_json_gen_string(g, v);
}

static void kb(struct cubo_json_gen *g, const char *k, bool v)
{
	cubo_json_gen_key(g, k);
	cubo_json_gen_bool(g, v);
}

struct cubo_error *net_conflist_gen(const struct net_def *d, const char *ipam_dir, char **out,
				    size_t *len)
{
	char subnet[NET_CIDR_STRLEN], gw[NET_IP_STRLEN];
	net_cidr_format(&d->subnet, subnet);
	net_ip_format(d->gateway, gw);
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(true, &g));
	cubo_json_gen_map_open(g);
	kv(g, "cniVersion", NET_CNI_VERSION);
	kv(g, "name", d->name);
	cubo_json_gen_key(g, "cubo");
	cubo_json_gen_map_open(g);
	kv(g, "id", d->id);
	kv(g, "created", d->created);
	cubo_json_gen_map_close(g);
	cubo_json_gen_key(g, "plugins");
	cubo_json_gen_array_open(g);

	cubo_json_gen_map_open(g);
	kv(g, "type", "bridge");
	kv(g, "bridge", d->bridge);
	kb(g, "isGateway", true);
	/* masquerade is one rule per network (rules.h), not a chain per container */
	kb(g, "ipMasq", false);
	/* a container reaches its own published ports through the bridge */
	kb(g, "hairpinMode", true);
	cubo_json_gen_key(g, "ipam");
	cubo_json_gen_map_open(g);
	kv(g, "type", "host-local");
	cubo_json_gen_key(g, "ranges");
	cubo_json_gen_array_open(g);
	cubo_json_gen_array_open(g);
	cubo_json_gen_map_open(g);
	kv(g, "subnet", subnet);
	kv(g, "gateway", gw);
	cubo_json_gen_map_close(g);
	cubo_json_gen_array_close(g);
	cubo_json_gen_array_close(g);
	cubo_json_gen_key(g, "routes");
	cubo_json_gen_array_open(g);
	cubo_json_gen_map_open(g);
	kv(g, "dst", "0.0.0.0/0");
	cubo_json_gen_map_close(g);
	cubo_json_gen_array_close(g);
	kv(g, "dataDir", ipam_dir);
	cubo_json_gen_map_close(g);
	cubo_json_gen_map_close(g);

	cubo_json_gen_map_open(g);
	kv(g, "type", "portmap");
	cubo_json_gen_key(g, "capabilities");
	cubo_json_gen_map_open(g);
	kb(g, "portMappings", true);
	cubo_json_gen_map_close(g);
	/* masquerade host-local traffic: 127.0.0.1:PORT reaches the container */
	kb(g, "snat", true);
	cubo_json_gen_map_close(g);

	cubo_json_gen_array_close(g);
	cubo_json_gen_map_close(g);
	return cubo_json_gen_finish(g, out, len);
}

static struct cubo_error *copy_str(struct cubo_json_ctx *c, yajl_val obj, const char *key,
				   char *dst, size_t cap)
{
	char *s = NULL;
	CUBO_TRY(cubo_json_field_string(c, obj, key, true, &s));
	if (strlen(s) >= cap) {
		free(s);
		return cubo_json_error(c, "%s: too long", key);
	}
	strcpy(dst, s);
	free(s);
	return NULL;
}

static struct cubo_error *parse_tree(struct cubo_json_ctx *c, yajl_val t, struct net_def *d)
{
	CUBO_TRY(cubo_json_expect_object(c, t));
	CUBO_TRY(cubo_json_field_string(c, t, "name", true, &d->name));
	yajl_val meta, plugins;
	CUBO_TRY(cubo_json_field_object(c, t, "cubo", true, &meta));
	size_t mark = cubo_json_push_key(c, "cubo");
	CUBO_TRY(copy_str(c, meta, "id", d->id, sizeof(d->id)));
	CUBO_TRY(copy_str(c, meta, "created", d->created, sizeof(d->created)));
	cubo_json_pop(c, mark);
	CUBO_TRY(cubo_json_field_array(c, t, "plugins", true, &plugins));
	mark = cubo_json_push_key(c, "plugins");
	yajl_val bridge = plugins->u.array.len ? plugins->u.array.values[0] : NULL;
	yajl_val type = cubo_json_get(bridge, "type");
	if (!YAJL_IS_STRING(type) || strcmp(str_of(type), "bridge"))
		return cubo_json_error(c, "the first plugin is not a bridge");
	cubo_json_push_index(c, 0);
	CUBO_TRY(copy_str(c, bridge, "bridge", d->bridge, sizeof(d->bridge)));
	yajl_val ipam;
	CUBO_TRY(cubo_json_field_object(c, bridge, "ipam", true, &ipam));
	yajl_val ranges = cubo_json_get(ipam, "ranges");
	yajl_val set =
		YAJL_IS_ARRAY(ranges) && ranges->u.array.len ? ranges->u.array.values[0] : NULL;
	yajl_val range = YAJL_IS_ARRAY(set) && set->u.array.len ? set->u.array.values[0] : NULL;
	cubo_json_push_key(c, "ipam.ranges[0][0]");
	if (!YAJL_IS_OBJECT(range))
		return cubo_json_error(c, "expected a subnet");
	char subnet[32], gw[NET_IP_STRLEN];
	CUBO_TRY(copy_str(c, range, "subnet", subnet, sizeof(subnet)));
	CUBO_TRY(copy_str(c, range, "gateway", gw, sizeof(gw)));
	struct cubo_error *err = net_cidr_parse(subnet, &d->subnet);
	if (!err)
		err = net_ip_parse(gw, &d->gateway);
	if (err) {
		struct cubo_error *e = cubo_json_error(c, "%s", err->msg);
		cubo_error_free(err);
		return e;
	}
	cubo_json_pop(c, mark);
	return NULL;
}

struct cubo_error *net_conflist_parse(const char *json, size_t len, const char *source,
				      struct net_def *out)
{
	memset(out, 0, sizeof(*out));
	yajl_val t;
	CUBO_TRY(cubo_json_parse(json, len, source, &t));
	struct cubo_json_ctx c;
	cubo_json_ctx_init(&c, source);
	struct cubo_error *err = parse_tree(&c, t, out);
	yajl_tree_free(t);
	if (err)
		net_def_free(out);
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The networks of a root directory: see store.h. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cubo-mgr/net/store.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/timeutil.h"
#include "shared/xalloc.h"

struct cubo_error *net_store_open(const char *root, struct net_store *out)
{
	memset(out, 0, sizeof(*out));
	out->dir = cubo_path_join(root, "networks");
	out->ipam_dir = cubo_path_join(out->dir, "ipam");
	out->members_dir = cubo_path_join(out->dir, "members");
	struct cubo_error *err = cubo_mkdir_p(out->dir, 0700);
	if (err)
		net_store_close(out);
	return err;
}

void net_store_close(struct net_store *s)
{
	free(s->dir);
	free(s->ipam_dir);
	free(s->members_dir);
	memset(s, 0, sizeof(*s));
}

void net_defs_free(struct net_def *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		net_def_free(&v[i]);
	free(v);
}

const char *net_canonical_name(const char *name)
{
	return !strcmp(name, "bridge") ? NET_DEFAULT_NAME : name;
}

bool net_is_default(const char *name)
{
	return !strcmp(net_canonical_name(name), NET_DEFAULT_NAME);
}

static char *conflist_path(const struct net_store *s, const char *name)
{
	char *p = xasprintf("%s/%s.conflist", s->dir, name);
	return p;
}

const char *net_store_ipam_dir(const struct net_store *s, const char *name)
{
	return net_is_default(name) ? NET_SHARED_IPAM_DIR : s->ipam_dir;
}

static struct cubo_error *write_def(const struct net_store *s, const struct net_def *d)
{
	char *json, *path = conflist_path(s, d->name);
	size_t len;
	struct cubo_error *err = net_conflist_gen(d, net_store_ipam_dir(s, d->name), &json, &len);
	if (!err) {
		err = cubo_write_file_atomic(path, json, len, 0600);
		free(json);
	}
	free(path);
	return err;
}

static struct cubo_error *read_def(const struct net_store *s, const char *name, struct net_def *d,
				   char **text, size_t *len)
{
	char *path = conflist_path(s, name), *json;
	size_t n;
	struct cubo_error *err = cubo_read_file(path, &json, &n);
	if (!err) {
		err = net_conflist_parse(json, n, path, d);
		if (!err && text) {
			*text = json;
			if (len)
				*len = n;
		} else {
			free(json);
		}
	}
	free(path);
	return err;
}

static struct cubo_error *new_def(const char *name, const char *bridge, const struct net_cidr *sub,
				  uint32_t gw, struct net_def *d)
{
	memset(d, 0, sizeof(*d));
	CUBO_TRY(cubo_random_hex(d->id, NET_ID_LEN));
	d->name = xstrdup(name);
	if (bridge)
		snprintf(d->bridge, sizeof(d->bridge), "%s", bridge);
	else
		snprintf(d->bridge, sizeof(d->bridge), "cubo-%.10s", d->id);
	d->subnet = *sub;
	d->gateway = gw;
	cubo_time_now_rfc3339(d->created);
	return NULL;
}

/* The default network, written under the lock the first time anyone asks. */
static struct cubo_error *ensure_default(const struct net_store *s)
{
	char *path = conflist_path(s, NET_DEFAULT_NAME);
	bool there = cubo_path_exists(path);
	free(path);
	if (there)
		return NULL;
	char *lockp = cubo_path_join(s->dir, ".lock");
	int lock;
	struct cubo_error *err = cubo_lock_path(lockp, true, &lock);
	free(lockp);
	CUBO_TRY(err);
	path = conflist_path(s, NET_DEFAULT_NAME);
	if (!cubo_path_exists(path)) {
		struct net_cidr sub;
		struct net_def d;
		err = net_cidr_parse(NET_DEFAULT_SUBNET, &sub);
		if (!err)
			err = new_def(NET_DEFAULT_NAME, NET_DEFAULT_BRIDGE, &sub,
				      net_cidr_default_gateway(&sub), &d);
		if (!err) {
			err = write_def(s, &d);
			net_def_free(&d);
		}
	}
	free(path);
	cubo_unlock(lock);
	return err;
}

static int by_name(const void *a, const void *b)
{
	const struct net_def *x = a, *y = b;
	bool dx = !strcmp(x->name, NET_DEFAULT_NAME), dy = !strcmp(y->name, NET_DEFAULT_NAME);
	if (dx != dy)
		return dx ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The networks as they are on disk (callers that hold the lock cannot ensure the default). */
static struct cubo_error *list_defs(const struct net_store *s, struct net_def **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(s->dir);
	if (!d)
		return cubo_error_errno("open %s", s->dir);
	struct net_def *v = NULL;
	size_t count = 0;
	struct cubo_error *err = NULL;
	struct dirent *e;
	while (!err && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len <= 9 || strcmp(e->d_name + len - 9, ".conflist"))
			continue;
		char *name = xstrndup(e->d_name, len - 9);
		struct net_def def;
		struct cubo_error *one = read_def(s, name, &def, NULL, NULL);
		free(name);
		if (one) {
			/* a damaged file must not hide the others */
			cubo_error_print(one, "warning", stderr);
			cubo_error_free(one);
			continue;
		}
		struct net_def *nv = xrealloc(v, (count + 1) * sizeof(*v));
		v = nv;
		v[count++] = def;
	}
	closedir(d);
	if (count)
		qsort(v, count, sizeof(*v), by_name);
	*out = v;
	*n = count;
	return err;
}

struct cubo_error *net_store_list(const struct net_store *s, struct net_def **out, size_t *n)
{
	CUBO_TRY(ensure_default(s));
	return list_defs(s, out, n);
}

struct cubo_error *net_store_get(const struct net_store *s, const char *arg, struct net_def *d,
				 char **conflist, size_t *len)
{
	const char *name = net_canonical_name(arg);
	if (!strcmp(name, NET_DEFAULT_NAME))
		CUBO_TRY(ensure_default(s));
	struct net_def tmp;
	if (!net_name_check(name)) {
		char *path = conflist_path(s, name);
		bool there = cubo_path_exists(path);
		free(path);
		if (there) {
			CUBO_TRY(read_def(s, name, &tmp, conflist, len));
			if (d)
				*d = tmp;
			else
				net_def_free(&tmp);
			return NULL;
		}
	}
	/* an ID or a unique prefix of one */
	struct net_def *v;
	size_t n, hit = SIZE_MAX, hits = 0;
	CUBO_TRY(net_store_list(s, &v, &n));
	size_t alen = strlen(arg);
	for (size_t i = 0; alen >= 1 && i < n; i++)
		if (!strncmp(v[i].id, arg, alen)) {
			hit = i;
			hits++;
		}
	struct cubo_error *err = NULL;
	if (hits == 0)
		err = cubo_error_new("network %s not found", arg);
	else if (hits > 1)
		err = cubo_error_new("network ID prefix %s is ambiguous", arg);
	else
		err = read_def(s, v[hit].name, &tmp, conflist, len);
	if (!err && d)
		*d = tmp;
	else if (!err)
		net_def_free(&tmp);
	net_defs_free(v, n);
	return err;
}

/* /proc/net/route: "Iface Destination Gateway Flags RefCnt Use Metric Mask ...", hex, LE. */
bool net_subnet_conflict(const struct net_cidr *want, const char *bridge,
			 const struct net_def *nets, size_t n, const char *proc_route, char **why)
{
	*why = NULL;
	char b[NET_CIDR_STRLEN];
	for (size_t i = 0; i < n; i++)
		if (net_cidr_overlap(want, &nets[i].subnet)) {
			net_cidr_format(&nets[i].subnet, b);
			*why = xasprintf("network %s (%s)", nets[i].name, b);
			return true;
		}
	const char *line = proc_route ? strchr(proc_route, '\n') : NULL; /* skip the header */
	while (line && *++line) {
		char dev[32];
		unsigned dest, gw, flags, mask;
		int refcnt, use, metric;
		if (sscanf(line, "%31s %x %x %x %d %d %d %x", dev, &dest, &gw, &flags, &refcnt,
			   &use, &metric, &mask) == 8 &&
		    mask != 0 && strcmp(dev, bridge)) {
			/* the kernel prints the addresses in memory order: little endian here */
			uint32_t d = __builtin_bswap32(dest), m = __builtin_bswap32(mask);
			unsigned prefix = (unsigned)__builtin_popcount(m);
			struct net_cidr route = {d & net_cidr_mask(prefix), prefix};
			if (net_cidr_overlap(want, &route)) {
				net_cidr_format(&route, b);
				*why = xasprintf("the host's route to %s on %s", b, dev);
				return true;
			}
		}
		line = strchr(line, '\n');
	}
	return false;
}

/* Ranges no bridge can own (the kernel's route table does not list them). */
static const char *special_range(const struct net_cidr *c)
{
	static const struct {
		uint32_t addr;
		unsigned prefix;
		const char *what;
	} ranges[] = {
		{0x00000000, 8, "\"this network\" (0.0.0.0/8)"},
		{0x7f000000, 8, "loopback (127.0.0.0/8)"},
		{0xa9fe0000, 16, "link-local (169.254.0.0/16)"},
		{0xe0000000, 3, "multicast and reserved (224.0.0.0/3)"},
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(*ranges); i++) {
		struct net_cidr r = {ranges[i].addr, ranges[i].prefix};
		if (net_cidr_overlap(c, &r))
			return ranges[i].what;
	}
	return NULL;
}

static bool reserved_name(const char *name)
{
	return !strcmp(name, "none") || !strcmp(name, "host") || !strcmp(name, "bridge") ||
	       !strcmp(name, NET_DEFAULT_NAME) || !strncmp(name, "container:", 10);
}

static struct cubo_error *create_locked(const struct net_store *s, const struct net_create_opts *o,
					struct net_def *out)
{
	char *path = conflist_path(s, o->name);
	bool taken = cubo_path_exists(path);
	free(path);
	if (taken)
		return cubo_error_new("network with name %s already exists", o->name);
	struct net_def *nets;
	size_t n;
	CUBO_TRY(list_defs(s, &nets, &n));
	char *routes = NULL;
	size_t rlen;
	struct cubo_error *err = cubo_read_file("/proc/net/route", &routes, &rlen);
	if (err) { /* no routes to compare with: the networks still are */
		cubo_error_free(err);
		err = NULL;
	}
	struct net_def d = {0};
	char id[NET_ID_LEN + 1];
	err = cubo_random_hex(id, NET_ID_LEN);
	char bridge[16];
	snprintf(bridge, sizeof(bridge), "cubo-%.10s", id);
	struct net_cidr sub = {0};
	char *why = NULL;
	if (!err && o->subnet) {
		err = net_cidr_parse(o->subnet, &sub);
		if (!err && special_range(&sub))
			err = cubo_error_new("subnet %s overlaps with %s addresses", o->subnet,
					     special_range(&sub));
		else if (!err && net_subnet_conflict(&sub, bridge, nets, n, routes, &why))
			err = cubo_error_new("subnet %s overlaps with %s", o->subnet, why);
	} else if (!err) {
		/* docker picks from a pool too; 256 candidates, then give up */
		bool found = false;
		for (unsigned i = 0; i < 256 && !found; i++) {
			sub = (struct net_cidr){(10u << 24) | (90u << 16) | (i << 8), 24};
			free(why);
			why = NULL;
			found = !net_subnet_conflict(&sub, bridge, nets, n, routes, &why);
		}
		if (!found)
			err = cubo_error_new("no free subnet in 10.90.0.0/16 for a new network: "
					     "give one with --subnet");
	}
	free(why);
	uint32_t gw = 0;
	if (!err && o->gateway) {
		err = net_ip_parse(o->gateway, &gw);
		if (err)
			err = cubo_error_wrap(err, "--gateway");
		else if (!net_cidr_is_host(&sub, gw))
			err = cubo_error_new("--gateway %s is not a host address of subnet %s",
					     o->gateway, o->subnet ? o->subnet : "");
	} else if (!err) {
		gw = net_cidr_default_gateway(&sub);
	}
	if (!err) {
		err = new_def(o->name, bridge, &sub, gw, &d);
		if (!err)
			memcpy(d.id, id, sizeof(d.id)); /* the bridge is named after it */
	}
	if (!err)
		err = write_def(s, &d);
	if (!err)
		*out = d;
	else
		net_def_free(&d);
	free(routes);
	net_defs_free(nets, n);
	return err;
}

struct cubo_error *net_store_create(const struct net_store *s, const struct net_create_opts *o,
				    struct net_def *out)
{
	CUBO_TRY(net_name_check(o->name));
	if (reserved_name(o->name))
		return cubo_error_new("network name %s is reserved", o->name);
	/* the default network's subnet counts as taken from the start */
	CUBO_TRY(ensure_default(s));
	char *lockp = cubo_path_join(s->dir, ".lock");
	int lock;
	struct cubo_error *err = cubo_lock_path(lockp, true, &lock);
	free(lockp);
	CUBO_TRY(err);
	err = create_locked(s, o, out);
	cubo_unlock(lock);
	return err;
}

struct cubo_error *net_store_remove(const struct net_store *s, const struct net_def *d)
{
	if (net_is_default(d->name))
		return cubo_error_new("%s is the default network and cannot be removed", d->name);
	char *path = conflist_path(s, d->name);
	struct cubo_error *err = NULL;
	if (unlink(path) < 0 && errno != ENOENT)
		err = cubo_error_errno("remove %s", path);
	free(path);
	char *ipam = cubo_path_join(s->ipam_dir, d->name);
	char *members = cubo_path_join(s->members_dir, d->name);
	if (!err)
		err = cubo_rm_rf(ipam);
	if (!err)
		err = cubo_rm_rf(members);
	free(ipam);
	free(members);
	return err;
}

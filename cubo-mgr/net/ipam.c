/* SPDX-License-Identifier: Apache-2.0 */
/* Addresses on host-local's on-disk format: see ipam.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cubo-mgr/net/ipam.h"
#include "cubo-mgr/net/link.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/strv.h"
#include "shared/xalloc.h"

#define LAST_RESERVED "last_reserved_ip.0"
#define LOCK_FILE "lock"
/* An allocation file holds an id (at most 128 bytes here) and an ifname: more is not one. */
#define ALLOC_FILE_MAX 512

void ipam_range_default(const struct net_cidr *subnet, uint32_t gateway, struct ipam_range *r)
{
	r->subnet = *subnet;
	uint32_t bcast = subnet->addr | ~net_cidr_mask(subnet->prefix);
	r->start = subnet->addr + 1;
	r->end = bcast - 1;
	r->gateway = gateway;
}

bool ipam_range_contains(const struct ipam_range *r, uint32_t ip)
{
	return net_cidr_contains(&r->subnet, ip) && ip >= r->start && ip <= r->end;
}

bool ipam_search(const struct ipam_range *r, const uint32_t *last, ipam_try_fn try_reserve,
		 void *arg, uint32_t *out, struct cubo_error **err)
{
	*err = NULL;
	if (r->start > r->end)
		return false;
	uint32_t first = r->start;
	if (last && ipam_range_contains(r, *last))
		first = *last == r->end ? r->start : *last + 1;
	uint32_t ip = first;
	do {
		if (ip != r->gateway) {
			int got = try_reserve(ip, arg, err);
			if (*err)
				return false;
			if (got) {
				*out = ip;
				return true;
			}
		}
		ip = ip == r->end ? r->start : ip + 1;
	} while (ip != first);
	return false;
}

struct cubo_error *ipam_id_check(const char *id)
{
	size_t n = strlen(id);
	bool ok = n > 0 && n <= 128 && id[0] != '.';
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)id[i]) || strchr("_.-", id[i]);
	if (!ok)
		return cubo_error_new("invalid container ID \"%s\" for an address allocation", id);
	return NULL;
}

static struct cubo_error *check_args(const char *id, const char *ifname)
{
	CUBO_TRY(ipam_id_check(id));
	return net_ifname_check(ifname);
}

/* Read an allocation file: its text trimmed as host-local trims it; NULL when not one. */
static char *read_alloc(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *text = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= ALLOC_FILE_MAX) {
		char buf[ALLOC_FILE_MAX + 1];
		ssize_t n = read(fd, buf, ALLOC_FILE_MAX);
		if (n >= 0) {
			size_t a = 0, b = (size_t)n;
			while (a < b && isspace((unsigned char)buf[a]))
				a++;
			while (b > a && isspace((unsigned char)buf[b - 1]))
				b--;
			text = xstrndup(buf + a, b - a);
		}
	}
	close(fd);
	return text;
}

/*
 * Every file of dir whose text is `match` or, when no file is, `alt` (the
 * plugin's older format, the ID alone; may be NULL), in one walk of the
 * directory: unlinked when del, else the first one's address in *found
 * (0 when none in r). A walk reads every allocation, so there is one.
 */
static struct cubo_error *each_match(int dfd, const char *match, const char *alt, bool del,
				     const struct ipam_range *r, uint32_t *found, bool *any)
{
	*any = false;
	int d2 = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
	if (!d) {
		if (d2 >= 0)
			close(d2);
		return cubo_error_errno("read the allocations");
	}
	rewinddir(d);	    /* the dup shares the offset an earlier walk left at the end */
	char **alts = NULL; /* names holding alt, for when nothing holds match */
	size_t n_alts = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, LOCK_FILE) ||
		    !strncmp(e->d_name, "last_reserved_ip.", 17))
			continue;
		char *text = read_alloc(dfd, e->d_name);
		bool hit = text && !strcmp(text, match);
		bool alt_hit = !hit && text && alt && !strcmp(text, alt);
		free(text);
		if (alt_hit && del) { /* unlinked only if nothing holds match */
			cubo_strv_push(&alts, &n_alts, e->d_name);
			continue;
		}
		if (!hit && !alt_hit)
			continue;
		if (del) {
			if (unlinkat(dfd, e->d_name, 0) == 0)
				*any = true;
			continue;
		}
		uint32_t ip;
		struct cubo_error *perr = net_ip_parse(e->d_name, &ip);
		if (perr) {
			cubo_error_free(perr);
			continue;
		}
		if (!r || ipam_range_contains(r, ip)) {
			*found = ip;
			*any = true;
			break;
		}
	}
	closedir(d);
	for (size_t i = 0; !*any && i < n_alts; i++)
		if (unlinkat(dfd, alts[i], 0) == 0)
			*any = true;
	cubo_strv_free(alts);
	return NULL;
}

struct reserve_ctx {
	int dfd;
	const char *text;
};

static int try_reserve(uint32_t ip, void *arg, struct cubo_error **err)
{
	struct reserve_ctx *c = arg;
	char name[NET_IP_STRLEN];
	net_ip_format(ip, name);
	int fd = openat(c->dfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0) {
		*err = cubo_error_errno("reserve %s", name);
		return 0;
	}
	size_t len = strlen(c->text);
	ssize_t w = write(fd, c->text, len);
	if (w != (ssize_t)len || close(fd) < 0) {
		*err = cubo_error_errno("write allocation %s", name);
		unlinkat(c->dfd, name, 0);
		return 0;
	}
	return 1;
}

static bool read_last(int dfd, uint32_t *last)
{
	char *text = read_alloc(dfd, LAST_RESERVED);
	struct cubo_error *err = text ? net_ip_parse(text, last) : NULL;
	bool ok = text && !err;
	cubo_error_free(err);
	free(text);
	return ok;
}

/* Replaced by rename (the plugin writes it in place): a reader never sees half an address. */
static struct cubo_error *write_last(int dfd, uint32_t ip)
{
	char text[NET_IP_STRLEN], tmp[48];
	net_ip_format(ip, text);
	snprintf(tmp, sizeof(tmp), ".%s.%d", LAST_RESERVED, (int)getpid());
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return cubo_error_errno("write %s", LAST_RESERVED);
	ssize_t w = write(fd, text, strlen(text));
	bool ok = w == (ssize_t)strlen(text);
	if (close(fd) < 0)
		ok = false;
	if (!ok || renameat(dfd, tmp, dfd, LAST_RESERVED) < 0) {
		struct cubo_error *err = cubo_error_errno("write %s", LAST_RESERVED);
		unlinkat(dfd, tmp, 0);
		return err;
	}
	return NULL;
}

static struct cubo_error *open_locked(const char *dir, int *dfd, int *lock)
{
	CUBO_TRY(cubo_mkdir_p(dir, 0755));
	*dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dfd < 0)
		return cubo_error_errno("open %s", dir);
	struct cubo_error *err = cubo_lock_at(*dfd, LOCK_FILE, true, lock);
	if (err) {
		close(*dfd);
		return cubo_error_wrap(err, "lock %s", dir);
	}
	return NULL;
}

/* An allocation under dir's lock: what id's ifname writes and the directory. */
struct held {
	int dfd, lock;
	char *text;
	uint32_t ip; /* what id's ifname holds in the range already */
	bool any;
};

static void held_close(struct held *h)
{
	cubo_unlock(h->lock);
	close(h->dfd);
	free(h->text);
}

/*
 * dir opened and locked, and what id's ifname holds there: one address per
 * container and interface, as CNI has it, so holding one other than `keep`
 * (0: any) is an error.
 */
static struct cubo_error *held_open(const char *dir, const char *network,
				    const struct ipam_range *r, const char *id, const char *ifname,
				    uint32_t keep, struct held *h)
{
	CUBO_TRY(check_args(id, ifname));
	CUBO_TRY(open_locked(dir, &h->dfd, &h->lock));
	h->text = xasprintf("%s\r\n%s", id, ifname);
	h->ip = 0;
	struct cubo_error *err = each_match(h->dfd, h->text, id, false, r, &h->ip, &h->any);
	if (!err && h->any && (!keep || h->ip != keep)) {
		char b[NET_IP_STRLEN];
		net_ip_format(h->ip, b);
		err = cubo_error_new("network %s: %s is already allocated to container %s (%s)",
				     network, b, id, ifname);
	}
	if (err)
		held_close(h);
	return err;
}

struct cubo_error *ipam_allocate(const char *dir, const char *network, const struct ipam_range *r,
				 const char *id, const char *ifname, uint32_t *out)
{
	struct held h;
	CUBO_TRY(held_open(dir, network, r, id, ifname, 0, &h));
	struct cubo_error *err = NULL;
	uint32_t last;
	bool have_last = read_last(h.dfd, &last);
	struct reserve_ctx c = {.dfd = h.dfd, .text = h.text};
	if (!ipam_search(r, have_last ? &last : NULL, try_reserve, &c, out, &err) && !err) {
		char s[NET_CIDR_STRLEN];
		net_cidr_format(&r->subnet, s);
		err = cubo_error_new_errno(ENOSPC, "network %s: no free address left in %s",
					   network, s);
	}
	if (!err) {
		err = write_last(h.dfd, *out);
		if (err) { /* the plugin fails the same way; the address goes back */
			char b[NET_IP_STRLEN];
			net_ip_format(*out, b);
			unlinkat(h.dfd, b, 0);
		}
	}
	held_close(&h);
	return err;
}

struct cubo_error *ipam_static_check(const struct ipam_range *r, const char *network, uint32_t ip)
{
	char a[NET_IP_STRLEN], s[NET_CIDR_STRLEN];
	net_ip_format(ip, a);
	net_cidr_format(&r->subnet, s);
	if (!ipam_range_contains(r, ip))
		return cubo_error_new("network %s: address %s is not a container address of its "
				      "subnet %s",
				      network, a, s);
	if (ip == r->gateway)
		return cubo_error_new("network %s: address %s is the network's gateway", network,
				      a);
	return NULL;
}

struct cubo_error *ipam_reserve(const char *dir, const char *network, const struct ipam_range *r,
				const char *id, const char *ifname, uint32_t ip)
{
	CUBO_TRY(ipam_static_check(r, network, ip));
	struct held h;
	CUBO_TRY(held_open(dir, network, r, id, ifname, ip, &h));
	struct cubo_error *err = NULL;
	struct reserve_ctx c = {.dfd = h.dfd, .text = h.text};
	/* held already (a start that repeats one a kill cut short): nothing to do */
	if (!h.any && !try_reserve(ip, &c, &err) && !err) {
		char a[NET_IP_STRLEN];
		net_ip_format(ip, a);
		err = cubo_error_new_errno(EADDRINUSE,
					   "network %s: address %s is already in use by another "
					   "container",
					   network, a);
	}
	held_close(&h);
	return err;
}

struct cubo_error *ipam_release(const char *dir, const char *id, const char *ifname)
{
	CUBO_TRY(check_args(id, ifname));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT)
		return NULL; /* never allocated anything */
	if (dfd < 0)
		return cubo_error_errno("open %s", dir);
	int lock;
	struct cubo_error *err = cubo_lock_at(dfd, LOCK_FILE, true, &lock);
	if (err) {
		close(dfd);
		return cubo_error_wrap(err, "lock %s", dir);
	}
	char *text = xasprintf("%s\r\n%s", id, ifname);
	bool any = false;
	err = each_match(dfd, text, id, true, NULL, NULL, &any);
	free(text);
	cubo_unlock(lock);
	close(dfd);
	return err;
}

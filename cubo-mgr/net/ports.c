/* SPDX-License-Identifier: Apache-2.0 */
/* Reserving and describing published ports: see ports.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cubo-mgr/net/ports.h"
#include "shared/json.h"
#include "shared/xalloc.h"

void ports_release(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* reuse: SO_REUSEADDR, so a port that only closed connections hold counts as free */
static struct cubo_error *bind_one(struct ctr_port_spec *p, bool reuse, int *fd)
{
	bool v6 = strchr(p->host_ip, ':') != NULL;
	int type = !strcmp(p->proto, "udp") ? SOCK_DGRAM : SOCK_STREAM;
	int proto = !strcmp(p->proto, "sctp") ? IPPROTO_SCTP : 0;
	int s = socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, proto);
	if (s < 0)
		return cubo_error_errno("-p %u/%s: socket", p->ctr_port, p->proto);
	struct sockaddr_storage ss = {0};
	socklen_t len;
	const char *ip = p->host_ip[0] ? p->host_ip : "0.0.0.0";
	if (reuse)
		(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(p->host_port);
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(p->host_port);
		inet_pton(AF_INET, ip, &a->sin_addr);
		len = sizeof(*a);
	}
	if (bind(s, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		close(s);
		if (e == EADDRINUSE)
			return cubo_error_new("port %s%s%s:%u/%s is already in use", v6 ? "[" : "",
					      ip, v6 ? "]" : "", p->host_port, p->proto);
		return cubo_error_new_errno(e, "bind %s:%u/%s", ip, p->host_port, p->proto);
	}
	if (p->host_port == 0) {
		len = sizeof(ss);
		if (getsockname(s, (struct sockaddr *)&ss, &len) < 0) {
			close(s);
			return cubo_error_errno("getsockname");
		}
		p->host_port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					: ((struct sockaddr_in *)&ss)->sin_port);
	}
	*fd = s;
	return NULL;
}

struct cubo_error *ports_probe(struct ctr_port_spec *specs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int fd;
		CUBO_TRY(bind_one(&specs[i], true, &fd));
		close(fd);
	}
	return NULL;
}

struct cubo_error *ports_reserve(struct ctr_port_spec *specs, size_t n, int *fds)
{
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	for (size_t i = 0; i < n; i++) {
		struct cubo_error *err = bind_one(&specs[i], false, &fds[i]);
		if (err) {
			ports_release(fds, i);
			return err;
		}
	}
	return NULL;
}

struct cubo_error *ports_mappings_json(const struct ctr_port_spec *specs, size_t n, char **out)
{
	*out = NULL;
	if (n == 0)
		return NULL;
	struct cubo_json_gen *g;
	CUBO_TRY(cubo_json_gen_new(false, &g));
	cubo_json_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		cubo_json_gen_map_open(g);
		cubo_json_gen_key(g, "hostPort");
		cubo_json_gen_uint(g, specs[i].host_port);
		cubo_json_gen_key(g, "containerPort");
		cubo_json_gen_uint(g, specs[i].ctr_port);
		cubo_json_gen_key(g, "protocol");
		cubo_json_gen_string(g, specs[i].proto);
		if (specs[i].host_ip[0]) {
			cubo_json_gen_key(g, "hostIP");
			cubo_json_gen_string(g, specs[i].host_ip);
		}
		cubo_json_gen_map_close(g);
	}
	cubo_json_gen_array_close(g);
	size_t len;
	return cubo_json_gen_finish(g, out, &len);
}

struct cubo_error *ports_parse_exposed(const char *key, struct ctr_port_spec *out)
{
	memset(out, 0, sizeof(*out));
	const char *slash = strchr(key, '/');
	size_t digits = slash ? (size_t)(slash - key) : strlen(key);
	const char *proto = slash ? slash + 1 : "tcp";
	unsigned long port = 0;
	bool ok = digits >= 1 && digits <= 5;
	for (size_t i = 0; ok && i < digits; i++) {
		ok = key[i] >= '0' && key[i] <= '9';
		port = port * 10 + (unsigned long)(key[i] - '0');
	}
	ok = ok && port >= 1 && port <= 65535 &&
	     (!strcmp(proto, "tcp") || !strcmp(proto, "udp") || !strcmp(proto, "sctp"));
	if (!ok)
		return cubo_error_new("the image's ExposedPorts key \"%s\": expected PORT[/PROTO] "
				      "(1-65535, tcp, udp or sctp); an image cannot choose host "
				      "addresses or ports",
				      key);
	out->ctr_port = (uint16_t)port;
	strcpy(out->proto, proto);
	return NULL;
}

struct cubo_error *ports_add_exposed(char *const *exposed, size_t n_exposed,
				     struct ctr_port_spec **specs, size_t *n)
{
	for (size_t i = 0; i < n_exposed; i++) {
		struct ctr_port_spec p;
		CUBO_TRY_CTX(ports_parse_exposed(exposed[i], &p), "-P");
		bool have = false;
		for (size_t j = 0; j < *n && !have; j++)
			have = (*specs)[j].ctr_port == p.ctr_port &&
			       !strcmp((*specs)[j].proto, p.proto);
		if (have)
			continue;
		struct ctr_port_spec *v = xrealloc(*specs, (*n + 2) * sizeof(*v));
		*specs = v;
		v[(*n)++] = p;
		memset(&v[*n], 0, sizeof(v[*n]));
	}
	return NULL;
}

struct cubo_error *ports_parse_record(const char *s, struct ctr_port_spec *out)
{
	char buf[128];
	const char *arrow = strstr(s, "->");
	if (!arrow || strlen(s) >= sizeof(buf))
		return cubo_error_new("published port \"%s\": not IP:PORT->PORT/PROTO", s);
	size_t head = (size_t)(arrow - s);
	/* a random host port is kept as "*" until the monitor binds one */
	if (head && s[head - 1] == '*')
		head--;
	snprintf(buf, sizeof(buf), "%.*s:%s", (int)head, s, arrow + 2);
	struct cubo_error *err = run_opt_parse_publish(buf, out);
	if (!err && !strcmp(out->host_ip, "0.0.0.0"))
		out->host_ip[0] = '\0';
	return err;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* hosts and resolv.conf text: see hosts.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-mgr/net/hosts.h"
#include "shared/strbuf.h"

static bool ip_ok(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* "name:ip" -> name length, ip; the address may hold colons itself */
static const char *split_add_host(const char *s, size_t *name_len)
{
	const char *sep = strpbrk(s, ":=");
	if (!sep)
		return NULL;
	*name_len = (size_t)(sep - s);
	return sep + 1;
}

struct cubo_error *hosts_check_add_host(const char *s)
{
	size_t n;
	const char *ip = split_add_host(s, &n);
	if (!ip || n == 0)
		return cubo_error_new("--add-host \"%s\": expected HOST:IP", s);
	/* one name on one line of /etc/hosts: no blank, comment or control character */
	for (size_t i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '#' || iscntrl((unsigned char)s[i]))
			return cubo_error_new("--add-host \"%s\": invalid host name", s);
	if (strcmp(ip, "host-gateway") && !ip_ok(ip))
		return cubo_error_new("--add-host \"%s\": invalid IP address \"%s\"", s, ip);
	return NULL;
}

struct cubo_error *resolv_check_dns(const char *s)
{
	if (!ip_ok(s))
		return cubo_error_new("--dns \"%s\": not an IP address", s);
	return NULL;
}

/* "IP\tNAME" per --add-host; host-gateway becomes gateway, and is left out without one. */
static void put_add_hosts(struct cubo_strbuf *b, char *const *add_hosts, const char *gateway)
{
	for (size_t i = 0; add_hosts && add_hosts[i]; i++) {
		size_t n;
		const char *a = split_add_host(add_hosts[i], &n);
		if (!a)
			continue;
		if (!strcmp(a, "host-gateway")) {
			if (!gateway || !*gateway)
				continue;
			a = gateway;
		}
		cubo_strbuf_adds(b, a);
		cubo_strbuf_adds(b, "\t");
		cubo_strbuf_add(b, add_hosts[i], n);
		cubo_strbuf_adds(b, "\n");
	}
}

char *hosts_render(const char *ip, const char *hostname, char *const *names, char *const *add_hosts,
		   const char *gateway, const char *peers)
{
	struct cubo_strbuf b = {0};
	cubo_strbuf_adds(&b, "127.0.0.1\tlocalhost\n"
			     "::1\tlocalhost ip6-localhost ip6-loopback\n"
			     "fe00::0\tip6-localnet\n"
			     "ff00::0\tip6-mcastprefix\n"
			     "ff02::1\tip6-allnodes\n"
			     "ff02::2\tip6-allrouters\n");
	cubo_strbuf_adds(&b, ip ? ip : "127.0.1.1");
	cubo_strbuf_adds(&b, "\t");
	cubo_strbuf_adds(&b, hostname);
	for (size_t i = 0; names && names[i]; i++)
		if (strcmp(names[i], hostname)) {
			cubo_strbuf_adds(&b, " ");
			cubo_strbuf_adds(&b, names[i]);
		}
	cubo_strbuf_adds(&b, "\n");
	put_add_hosts(&b, add_hosts, gateway);
	cubo_strbuf_adds(&b, HOSTS_PEERS_MARK);
	if (peers)
		cubo_strbuf_adds(&b, peers);
	return b.s;
}

char *hosts_append_add_hosts(const char *text, char *const *add_hosts)
{
	struct cubo_strbuf b = {0};
	cubo_strbuf_adds(&b, text ? text : "");
	if (b.len && b.s[b.len - 1] != '\n')
		cubo_strbuf_adds(&b, "\n");
	put_add_hosts(&b, add_hosts, NULL);
	return b.s;
}

/* The peers mark as a line of its own: the first line that is exactly it. */
static const char *find_mark(const char *text)
{
	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, HOSTS_PEERS_MARK, strlen(HOSTS_PEERS_MARK)))
			return p;
	return NULL;
}

char *hosts_replace_peers(const char *text, const char *peers)
{
	struct cubo_strbuf b = {0};
	const char *mark = find_mark(text);
	if (mark) {
		cubo_strbuf_add(&b, text, (size_t)(mark - text));
	} else {
		cubo_strbuf_adds(&b, text);
		if (b.len && b.s[b.len - 1] != '\n')
			cubo_strbuf_adds(&b, "\n");
	}
	cubo_strbuf_adds(&b, HOSTS_PEERS_MARK);
	if (peers)
		cubo_strbuf_adds(&b, peers);
	return b.s;
}

static bool loopback_nameserver(const char *line)
{
	const char *p = line + strlen("nameserver");
	while (*p == ' ' || *p == '\t')
		p++;
	return !strncmp(p, "127.", 4) || !strncmp(p, "::1", 3);
}

/* "KEYWORD w1 w2\n" when there are words. */
static void add_words_line(struct cubo_strbuf *b, const char *keyword, char *const *words)
{
	if (!words || !words[0])
		return;
	cubo_strbuf_adds(b, keyword);
	for (size_t i = 0; words[i]; i++) {
		cubo_strbuf_adds(b, " ");
		cubo_strbuf_adds(b, words[i]);
	}
	cubo_strbuf_adds(b, "\n");
}

char *resolv_render(const char *host_text, char *const *dns, char *const *search,
		    char *const *options, bool own_network)
{
	struct cubo_strbuf b = {0};
	cubo_strbuf_adds(&b, "");
	const char *line = host_text ? host_text : "";
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		bool ns = !strncmp(line, "nameserver", 10) && (line[10] == ' ' || line[10] == '\t');
		bool sr = !strncmp(line, "search", 6) && (line[6] == ' ' || line[6] == '\t');
		bool op = !strncmp(line, "options", 7) && (line[7] == ' ' || line[7] == '\t');
		bool drop = (ns && (dns || (own_network && loopback_nameserver(line)))) ||
			    (sr && search) || (op && options);
		if (!drop) {
			cubo_strbuf_add(&b, line, n);
			cubo_strbuf_adds(&b, "\n");
		}
		line += n + (end ? 1 : 0);
	}
	add_words_line(&b, "search", search);
	for (size_t i = 0; dns && dns[i]; i++) {
		cubo_strbuf_adds(&b, "nameserver ");
		cubo_strbuf_adds(&b, dns[i]);
		cubo_strbuf_adds(&b, "\n");
	}
	add_words_line(&b, "options", options);
	return b.s;
}

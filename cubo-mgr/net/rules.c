/* SPDX-License-Identifier: Apache-2.0 */
/* Per-network iptables rules: see rules.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cubo-mgr/net/nft_gen.h"
#include "cubo-mgr/net/rules.h"
#include "shared/fs.h"
#include "shared/lock.h"
#include "shared/xalloc.h"

#define RULES_LOCK "/run/cubo/rules.lock"
#define RULES_CHECKED "/run/cubo/rules-checked"

extern char **environ;

void net_rule(const struct net_def *d, unsigned i, const char **table, const char **chain,
	      const char *argv[NET_RULE_MAX_ARGS], char subnet[NET_CIDR_STRLEN], char comment[96])
{
	net_cidr_format(&d->subnet, subnet);
	snprintf(comment, 96, "cubo network %s", d->name);
	size_t n = 0;
	switch (i) {
	case 0: /* out of the host: the source becomes the host's address */
		*table = "nat";
		*chain = "POSTROUTING";
		argv[n++] = "-s";
		argv[n++] = subnet;
		argv[n++] = "!";
		argv[n++] = "-o";
		argv[n++] = d->bridge;
		argv[n++] = "-j";
		argv[n++] = "MASQUERADE";
		break;
	case 1: /* from the containers, anywhere */
		*table = "filter";
		*chain = "FORWARD";
		argv[n++] = "-i";
		argv[n++] = d->bridge;
		argv[n++] = "-j";
		argv[n++] = "ACCEPT";
		break;
	default: /* to them: replies, and what portmap forwarded */
		*table = "filter";
		*chain = "FORWARD";
		argv[n++] = "-o";
		argv[n++] = d->bridge;
		argv[n++] = "-m";
		argv[n++] = "conntrack";
		argv[n++] = "--ctstate";
		argv[n++] = "RELATED,ESTABLISHED,DNAT";
		argv[n++] = "-j";
		argv[n++] = "ACCEPT";
		break;
	}
	/* the comment goes before the target: iptables matches it as part of the rule */
	const char *target = argv[n - 1];
	n -= 2;
	argv[n++] = "-m";
	argv[n++] = "comment";
	argv[n++] = "--comment";
	argv[n++] = comment;
	argv[n++] = "-j";
	argv[n++] = target;
	argv[n] = NULL;
}

/* iptables -w 10 -t TABLE OP CHAIN [1] RULE...; *status its exit status. */
static struct cubo_error *iptables(const char *table, const char *op, const char *chain,
				   const char *const *rule, int *status)
{
	const char *argv[NET_RULE_MAX_ARGS + 10];
	size_t n = 0;
	argv[n++] = "iptables";
	/* wait for the xtables lock, but not for ever */
	argv[n++] = "-w";
	argv[n++] = "10";
	argv[n++] = "-t";
	argv[n++] = table;
	argv[n++] = op;
	argv[n++] = chain;
	if (!strcmp(op, "-I"))
		argv[n++] = "1";
	for (size_t i = 0; rule[i]; i++)
		argv[n++] = rule[i];
	argv[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int r = posix_spawnp(&pid, "iptables", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return cubo_error_new_errno(r, "run iptables (Debian package iptables)");
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return NULL;
}

/*
 * What a check that found all of d's rules in place leaves: the ruleset's
 * generation then, and what the rules depend on. *path: where it is kept.
 */
static char *checked_stamp(const struct net_def *d, uint32_t gen, char **path)
{
	char subnet[NET_CIDR_STRLEN];
	net_cidr_format(&d->subnet, subnet);
	*path = xasprintf("%s/%s", RULES_CHECKED, d->bridge);
	return xasprintf("%u %s %s\n", gen, subnet, d->name);
}

/* Whether the last check of d's rules found them all and nothing changed since. */
static bool unchanged_since_check(const struct net_def *d, bool *have_gen, uint32_t *gen)
{
	*have_gen = nft_iptables_is_nft() && nft_ruleset_gen(gen);
	if (!*have_gen)
		return false;
	char *path, *want = checked_stamp(d, *gen, &path), *text = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file(path, &text, &len);
	bool same = !err && !strcmp(text, want);
	cubo_error_free(err);
	free(text);
	free(want);
	free(path);
	return same;
}

/*
 * Remember a check that found every rule and changed nothing, if the
 * ruleset did not change while it ran (else the next start checks again).
 */
static void remember_check(const struct net_def *d, uint32_t before)
{
	uint32_t after;
	if (!nft_ruleset_gen(&after) || after != before)
		return;
	char *path, *text = checked_stamp(d, before, &path);
	struct cubo_error *err = cubo_mkdir_p(RULES_CHECKED, 0755);
	if (!err) /* /run: gone at reboot with the rules; no fsync needed */
		err = cubo_write_file_replace(path, text, strlen(text), 0644);
	cubo_error_free(err); /* only a cache: the next start checks again */
	free(text);
	free(path);
}

/*
 * Whether nf_tables holds each of d's rules: one in its chain with its
 * comment and its bridge as the interface it names (-i or -o). Read in a
 * netlink dump of the chain: what a start costs when another tool's rules
 * made a new generation, instead of three iptables runs.
 */
static bool rules_in_place(const struct net_def *d)
{
	for (unsigned i = 0; i < NET_RULES; i++) {
		const char *table, *chain, *argv[NET_RULE_MAX_ARGS];
		char subnet[NET_CIDR_STRLEN], comment[96];
		net_rule(d, i, &table, &chain, argv, subnet, comment);
		bool in = false;
		for (size_t k = 0; argv[k] && argv[k + 1]; k++)
			in |= !strcmp(argv[k], "-i") && !strcmp(argv[k + 1], d->bridge);
		struct nft_rule_count c;
		if (!nft_chain_count(table, chain, comment, d->bridge, &c) || !(in ? c.iif : c.oif))
			return false;
	}
	return true;
}

static struct cubo_error *each_rule(const struct net_def *d, bool ensure)
{
	CUBO_TRY(cubo_mkdir_p("/run/cubo", 0755));
	int lock;
	/* two starts at once must not both find a rule missing and add it twice */
	CUBO_TRY(cubo_lock_path(RULES_LOCK, true, &lock));
	struct cubo_error *err = NULL;
	bool have_gen = false, changed = false;
	uint32_t gen = 0;
	/*
	 * Three iptables runs cost 5 to 30 ms a start on a busy machine; the
	 * ruleset's generation says in one netlink request whether anything
	 * at all changed since they last found every rule in place.
	 */
	if (ensure && unchanged_since_check(d, &have_gen, &gen)) {
		cubo_unlock(lock);
		return NULL;
	}
	if (ensure && have_gen && rules_in_place(d)) {
		remember_check(d, gen);
		cubo_unlock(lock);
		return NULL;
	}
	if (!ensure) { /* network rm: the next network of that bridge checks afresh */
		char *path, *text = checked_stamp(d, 0, &path);
		unlink(path);
		free(text);
		free(path);
	}
	for (unsigned i = 0; i < NET_RULES && !err; i++) {
		const char *table, *chain, *argv[NET_RULE_MAX_ARGS];
		char subnet[NET_CIDR_STRLEN], comment[96];
		net_rule(d, i, &table, &chain, argv, subnet, comment);
		int st;
		err = iptables(table, "-C", chain, argv, &st);
		if (err)
			break;
		if (ensure && st == 1) {
			changed = true;
			err = iptables(table, "-I", chain, argv, &st);
		} else if (!ensure && st == 0)
			err = iptables(table, "-D", chain, argv, &st);
		else
			continue;
		if (!err && st != 0)
			err = cubo_error_new("iptables -t %s %s %s for network %s failed (exit %d)",
					     table, ensure ? "-I" : "-D", chain, d->name, st);
	}
	if (!err && ensure && have_gen && !changed)
		remember_check(d, gen);
	cubo_unlock(lock);
	return err;
}

struct cubo_error *net_rules_ensure(const struct net_def *d)
{
	return each_rule(d, true);
}

struct cubo_error *net_rules_remove(const struct net_def *d)
{
	return each_rule(d, false);
}

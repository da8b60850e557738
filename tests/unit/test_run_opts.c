/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/run_opts.c, cubo-mgr/container/record.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/record.h"
#include "cubo-mgr/container/run_opts.h"
#include "shared/strv.h"
#include "tests/unit/helpers.h"

static void test_sizes(void **state)
{
	int64_t b;
	assert_null(run_opt_parse_size("--memory", "1024", &b));
	assert_int_equal(b, 1024);
	assert_null(run_opt_parse_size("--memory", "512m", &b));
	assert_int_equal(b, 512ll << 20);
	assert_null(run_opt_parse_size("--memory", "512MB", &b));
	assert_int_equal(b, 512ll << 20);
	assert_null(run_opt_parse_size("--memory", "1.5g", &b));
	assert_int_equal(b, 3ll << 29);
	assert_null(run_opt_parse_size("--memory", "2k", &b));
	assert_int_equal(b, 2048);
	assert_null(run_opt_parse_size("--memory", "7b", &b));
	assert_int_equal(b, 7);
	th_expect_msg(run_opt_parse_size("--memory", "12q", &b), "unknown unit");
	th_expect_msg(run_opt_parse_size("--memory", "", &b), "invalid size");
	th_expect_msg(run_opt_parse_size("--memory", "-5m", &b), "invalid size");
	th_expect_msg(run_opt_parse_size("--memory", "5mx", &b), "invalid size");
	th_expect_msg(run_opt_parse_size("--memory", "99999999t", &b), "too large");
}

static void test_cpus(void **state)
{
	int64_t q;
	uint64_t p;
	assert_null(run_opt_parse_cpus("1.5", 2, &q, &p));
	assert_int_equal(q, 150000);
	assert_int_equal(p, 100000);
	assert_null(run_opt_parse_cpus("0.01", 2, &q, &p));
	assert_int_equal(q, 1000);
	th_expect_msg(run_opt_parse_cpus("3", 2, &q, &p), "0.01 to 2.00");
	th_expect_msg(run_opt_parse_cpus("0", 2, &q, &p), "range");
	th_expect_msg(run_opt_parse_cpus("x", 2, &q, &p), "invalid number");
}

static void test_volumes(void **state)
{
	struct ctr_volume_spec v;
	assert_null(run_opt_parse_volume("/srv/data:/data:ro", &v));
	assert_string_equal(v.source, "/srv/data");
	assert_string_equal(v.dest, "/data");
	assert_true(v.readonly);
	assert_false(v.named);
	ctr_volume_spec_free(&v);
	assert_null(run_opt_parse_volume("cache:/var/cache", &v));
	assert_string_equal(v.source, "cache");
	assert_true(v.named);
	assert_false(v.readonly);
	ctr_volume_spec_free(&v);
	assert_null(run_opt_parse_volume("/anon", &v));
	assert_null(v.source);
	assert_true(v.named);
	ctr_volume_spec_free(&v);
	assert_null(run_opt_parse_volume("/anon:ro", &v));
	assert_null(v.source);
	assert_true(v.readonly);
	ctr_volume_spec_free(&v);
	th_expect_msg(run_opt_parse_volume("/a:rel", &v), "not absolute");
	th_expect_msg(run_opt_parse_volume("/a:/b:rx", &v), "unknown mode");
	th_expect_msg(run_opt_parse_volume("/a:/", &v), "root");
	th_expect_msg(run_opt_parse_volume("bad name:/b", &v), "neither");
	th_expect_msg(run_opt_parse_volume("a:b:c:d", &v), "expected");
	th_expect_msg(run_opt_parse_volume("/a:", &v), "expected");
}

static void test_publish(void **state)
{
	struct ctr_port_spec p;
	char buf[96];
	assert_null(run_opt_parse_publish("8080:80", &p));
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.ctr_port, 80);
	assert_string_equal(p.proto, "tcp");
	assert_string_equal(p.host_ip, "");
	run_opt_format_port(&p, buf, sizeof(buf));
	assert_string_equal(buf, "0.0.0.0:8080->80/tcp");
	assert_null(run_opt_parse_publish("127.0.0.1:5353:53/udp", &p));
	assert_string_equal(p.host_ip, "127.0.0.1");
	assert_string_equal(p.proto, "udp");
	run_opt_format_port(&p, buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1:5353->53/udp");
	assert_null(run_opt_parse_publish("80", &p));
	assert_int_equal(p.host_port, 0);
	assert_null(run_opt_parse_publish("127.0.0.1::80", &p));
	assert_int_equal(p.host_port, 0);
	assert_string_equal(p.host_ip, "127.0.0.1");
	assert_null(run_opt_parse_publish("[::1]:8080:80", &p));
	assert_string_equal(p.host_ip, "::1");
	run_opt_format_port(&p, buf, sizeof(buf));
	assert_string_equal(buf, "[::1]:8080->80/tcp");
	th_expect_msg(run_opt_parse_publish("70000:80", &p), "invalid host port");
	th_expect_msg(run_opt_parse_publish("80:0", &p), "invalid container port");
	th_expect_msg(run_opt_parse_publish("80/icmp", &p), "unknown protocol");
	th_expect_msg(run_opt_parse_publish("300.1.1.1:80:80", &p), "not an IP address");
	th_expect_msg(run_opt_parse_publish("[zz]:80:80", &p), "not an IPv6 address");
	th_expect_msg(run_opt_parse_publish("a:b", &p), "invalid host port");
}

static void test_env(void **state)
{
	char *host[] = {"HOSTVAR=from-host", NULL};
	char **env = NULL;
	size_t n = 0;
	assert_null(run_opt_env_arg("A=1", host, &env, &n));
	assert_null(run_opt_env_arg("HOSTVAR", host, &env, &n));
	assert_null(run_opt_env_arg("UNSET", host, &env, &n));
	assert_int_equal(n, 2);
	assert_string_equal(env[1], "HOSTVAR=from-host");
	th_expect_msg(run_opt_env_arg("=x", host, &env, &n), "invalid variable name");
	/* -e NAME, docker's way: set but empty passes "NAME="; unset passes nothing */
	char *host2[] = {"EMPTY=", "A=from-host", NULL};
	char **env2 = NULL;
	size_t n2 = 0;
	assert_null(run_opt_env_arg("EMPTY", host2, &env2, &n2));
	assert_null(run_opt_env_arg("GONE", host2, &env2, &n2));
	assert_null(run_opt_env_arg("A", NULL, &env2, &n2));
	th_assert_strv(env2, "EMPTY=");
	cubo_strv_free(env2);

	const char text[] = "# comment\n\nB=2\n  C=three words\nHOSTVAR\r\nBAD KEY=1\n";
	char *path = th_tmpfile("envfile", text, sizeof(text) - 1);
	struct cubo_error *err = run_opt_read_env_file(path, host, &env, &n);
	/* the bad line is line 6, after the good ones were taken */
	assert_non_null(err);
	char want[64];
	snprintf(want, sizeof(want), "%s:6:", path);
	assert_non_null(strstr(err->msg, want));
	cubo_error_free(err);
	assert_string_equal(env[2], "B=2");
	assert_string_equal(env[3], "C=three words");
	assert_string_equal(env[4], "HOSTVAR=from-host");
	unlink(path);
	free(path);
	th_expect_msg(run_opt_read_env_file("/nonexistent/env", host, &env, &n),
		      "/nonexistent/env");

	char *base[] = {"PATH=/bin", "A=image", NULL};
	char *over[] = {"A=flag", "NEW=1", "A=last", NULL};
	char **merged = run_opt_env_merge(base, over);
	assert_int_equal(cubo_strv_len(merged), 3);
	assert_string_equal(merged[0], "PATH=/bin");
	assert_string_equal(merged[1], "A=last");
	assert_string_equal(merged[2], "NEW=1");
	cubo_strv_free(merged);
	merged = run_opt_env_merge(NULL, NULL);
	assert_non_null(merged);
	assert_null(merged[0]);
	cubo_strv_free(merged);
	cubo_strv_free(env);
}

/*
 * Values that become lines of /etc/hostname, /etc/hosts, resolv.conf or of
 * records: a newline or another control character is refused, naming the flag.
 */
static void test_one_line_values(void **state)
{
	static const char *const controls[] = {"\n", "\r", "\x1b", "\x7f", "\x01", "\v"};
	for (size_t i = 0; i < sizeof(controls) / sizeof(*controls); i++) {
		char v[64];
		snprintf(v, sizeof(v), "box%sevil", controls[i]);
		th_expect_msg(run_opt_check_hostname(v), "--hostname");
		th_expect_msg(run_opt_check_dns_search(v), "--dns-search");
		snprintf(v, sizeof(v), "k=v%sx", controls[i]);
		char *kv = NULL;
		th_expect_msg(run_opt_parse_label("--label", v, &kv), "--label");
		assert_null(kv);
		snprintf(v, sizeof(v), "k%s=v", controls[i]);
		th_expect_msg(run_opt_parse_label("--label", v, &kv), "control character");
		char **env = NULL;
		size_t n = 0;
		snprintf(v, sizeof(v), "K%sX=1", controls[i]);
		th_expect_msg(run_opt_env_arg(v, NULL, &env, &n), "-e");
		assert_null(env);
		snprintf(v, sizeof(v), "web%s1", controls[i]);
		th_expect_msg(cubo_error_wrap(ctr_name_check(v), "--network-alias"),
			      "--network-alias");
	}
	/* the forms that inject a line, named in the error */
	th_expect_msg(run_opt_check_hostname("box\n10.0.0.1 bank"), "--hostname \"box\\x0a...\"");
	th_expect_msg(run_opt_check_dns_search("a.example\nnameserver 6.6.6.6"),
		      "newline or other control character");
	/* what is fine stays fine */
	assert_null(run_opt_check_hostname("box-1.example"));
	th_expect_msg(run_opt_check_hostname("a b"), "not a valid host name");
	th_expect_msg(run_opt_check_hostname("a/b"), "not a valid host name");
	th_expect_msg(run_opt_check_hostname(""), "not a valid host name");
	char longname[70];
	memset(longname, 'h', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	th_expect_msg(run_opt_check_hostname(longname), "not a valid host name");
	assert_null(run_opt_check_dns_search("corp.example"));
	assert_null(run_opt_check_dns_search("."));
	th_expect_msg(run_opt_check_dns_search("a b"), "not a domain name");
	th_expect_msg(run_opt_check_dns_search(""), "not a domain name");
	char *kv;
	assert_null(run_opt_parse_label("--label", "tier=web front", &kv));
	assert_string_equal(kv, "tier=web front");
	free(kv);
	assert_null(run_opt_parse_label("--label", "bare", &kv));
	assert_string_equal(kv, "bare=");
	free(kv);
	th_expect_msg(run_opt_parse_label("--label", "=v", &kv), "expected KEY[=VALUE]");
	/* env values may hold newlines (docker's do); names may not */
	char **env = NULL;
	size_t n = 0;
	assert_null(run_opt_env_arg("CERT=line1\nline2", NULL, &env, &n));
	assert_string_equal(env[0], "CERT=line1\nline2");
	cubo_strv_free(env);
}

static void test_caps_and_command(void **state)
{
	char *c;
	assert_null(run_opt_cap_name("net_admin", &c));
	assert_string_equal(c, "CAP_NET_ADMIN");
	free(c);
	assert_null(run_opt_cap_name("CAP_SYS_ADMIN", &c));
	assert_string_equal(c, "CAP_SYS_ADMIN");
	free(c);
	assert_null(run_opt_cap_name("all", &c));
	assert_string_equal(c, "ALL");
	free(c);
	th_expect_msg(run_opt_cap_name("NOPE", &c), "unknown capability");

	char *argv[] = {"sh", "-c", "echo 'hi' there", "", NULL};
	char *line = run_opt_command_line(argv, 0);
	assert_string_equal(line, "sh -c 'echo '\\''hi'\\'' there' ''");
	free(line);
	line = run_opt_command_line(argv, 5);
	assert_string_equal(line, "sh -c");
	free(line);
}

static void test_ulimits_and_signals(void **state)
{
	struct ctr_ulimit u;
	assert_null(run_opt_parse_ulimit("nofile=1024:2048", &u));
	assert_string_equal(u.type, "RLIMIT_NOFILE");
	assert_int_equal(u.soft, 1024);
	assert_int_equal(u.hard, 2048);
	assert_null(run_opt_parse_ulimit("core=-1", &u));
	assert_string_equal(u.type, "RLIMIT_CORE");
	assert_true(u.soft == UINT64_MAX && u.hard == UINT64_MAX);
	assert_null(run_opt_parse_ulimit("nproc=10", &u));
	assert_int_equal(u.hard, 10);
	th_expect_msg(run_opt_parse_ulimit("nofile=2048:1024", &u), "soft limit is above");
	th_expect_msg(run_opt_parse_ulimit("files=1", &u), "unknown limit \"files\"");
	th_expect_msg(run_opt_parse_ulimit("nofile", &u), "NAME=SOFT");
	th_expect_msg(run_opt_parse_ulimit("nofile=x", &u), "numbers or -1");
	th_expect_msg(run_opt_parse_ulimit("nofile=1:", &u), "numbers or -1");
	th_expect_msg(run_opt_parse_ulimit("nofile=99999999999999999999999", &u), "numbers");
	char *sig;
	assert_null(run_opt_parse_signal("term", &sig));
	assert_string_equal(sig, "SIGTERM");
	free(sig);
	assert_null(run_opt_parse_signal("SIGUSR1", &sig));
	assert_string_equal(sig, "SIGUSR1");
	free(sig);
	assert_null(run_opt_parse_signal("9", &sig));
	assert_string_equal(sig, "9");
	free(sig);
	th_expect_msg(run_opt_parse_signal("0", &sig), "not a signal number");
	th_expect_msg(run_opt_parse_signal("SIGNOPE", &sig), "unknown signal");
	/* the numbers events show for kill */
	assert_int_equal(run_opt_signal_number("SIGTERM"), 15);
	assert_int_equal(run_opt_signal_number("kill"), 9);
	assert_int_equal(run_opt_signal_number("HUP"), 1);
	assert_int_equal(run_opt_signal_number("SIGSYS"), 31);
	assert_int_equal(run_opt_signal_number("64"), 64);
	assert_int_equal(run_opt_signal_number("65"), 0);
	assert_int_equal(run_opt_signal_number("0"), 0);
	assert_int_equal(run_opt_signal_number("SIGNOPE"), 0);
	assert_int_equal(run_opt_signal_number(""), 0);
}

static void test_tmpfs(void **state)
{
	struct ctr_tmpfs t;
	assert_null(run_opt_parse_tmpfs("/run", &t));
	assert_string_equal(t.dest, "/run");
	th_assert_strv(t.options, "rw", "noexec", "nosuid", "nodev");
	ctr_tmpfs_free(&t);
	/* a flag of OPTS replaces docker's default of its pair; data options follow */
	assert_null(run_opt_parse_tmpfs("/t:size=64m,mode=1770,exec,ro,noatime,uid=5", &t));
	assert_string_equal(t.dest, "/t");
	th_assert_strv(t.options, "ro", "exec", "nosuid", "nodev", "size=67108864", "mode=1770",
		       "noatime", "uid=5");
	ctr_tmpfs_free(&t);
	th_expect_msg(run_opt_parse_tmpfs("rel", &t), "must be absolute");
	th_expect_msg(run_opt_parse_tmpfs(":size=1m", &t), "must be absolute");
	th_expect_msg(run_opt_parse_tmpfs("/", &t), "root");
	th_expect_msg(run_opt_parse_tmpfs("/:size=1m", &t), "root");
	th_expect_msg(run_opt_parse_tmpfs("/t:", &t), "empty options");
	th_expect_msg(run_opt_parse_tmpfs("/t:size=lots", &t), "invalid option \"size=lots\"");
	th_expect_msg(run_opt_parse_tmpfs("/t:size=0", &t), "invalid option");
	th_expect_msg(run_opt_parse_tmpfs("/t:mode=999", &t), "invalid option \"mode=999\"");
	th_expect_msg(run_opt_parse_tmpfs("/t:uid=-1", &t), "invalid option");
	th_expect_msg(run_opt_parse_tmpfs("/t:bind", &t), "invalid option \"bind\"");
	/* options are the kernel's data: no other mount option rides along */
	th_expect_msg(run_opt_parse_tmpfs("/t:size=1m,,", &t), "invalid option");
	th_expect_msg(run_opt_parse_tmpfs("/t:x-foo=1", &t), "invalid option");
	th_expect_msg(run_opt_parse_tmpfs("/t\n:size=1m", &t), "control character");
	assert_null(t.dest);
}

static void test_sysctl(void **state)
{
	char *kv;
	assert_null(run_opt_parse_sysctl("net.ipv4.ip_forward=1", &kv));
	assert_string_equal(kv, "net.ipv4.ip_forward=1");
	free(kv);
	assert_null(run_opt_parse_sysctl("kernel.shmmax=1000000", &kv));
	free(kv);
	assert_null(run_opt_parse_sysctl("fs.mqueue.msg_max=20", &kv));
	free(kv);
	assert_null(run_opt_parse_sysctl("net.core.somaxconn=", &kv));
	free(kv);
	th_expect_msg(run_opt_parse_sysctl("kernel.hostname=x", &kv), "not whitelisted");
	th_expect_msg(run_opt_parse_sysctl("vm.swappiness=1", &kv), "not whitelisted");
	th_expect_msg(run_opt_parse_sysctl("net.ipv4", &kv), "expected KEY=VALUE");
	th_expect_msg(run_opt_parse_sysctl("=1", &kv), "expected KEY=VALUE");
	th_expect_msg(run_opt_parse_sysctl("net/../../kernel/core_pattern=x", &kv), "invalid key");
	th_expect_msg(run_opt_parse_sysctl("net..x=1", &kv), "invalid key");
	th_expect_msg(run_opt_parse_sysctl("net.x y=1", &kv), "invalid key");
	th_expect_msg(run_opt_parse_sysctl("net.x.=1", &kv), "invalid key");
	th_expect_msg(run_opt_parse_sysctl("net.x=1\n", &kv), "control character");
	assert_null(kv);
}

static void test_cpuset_and_swap(void **state)
{
	const char *good[] = {"0", "0-1", "0,1", "0-3,5,7-8", "12"};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_null(run_opt_check_cpuset("--cpuset-cpus", good[i]));
	const char *bad[] = {"",   "a",	   "1-",    "-1",  "3-1",  "0,",
			     ",0", "0,,1", "0-1-2", "0 1", "99999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		th_expect_msg(run_opt_check_cpuset("--cpuset-mems", bad[i]), "--cpuset-mems");

	int64_t swap;
	assert_null(run_opt_parse_memory_swap("-1", 64 << 20, &swap));
	assert_int_equal(swap, -1);
	assert_null(run_opt_parse_memory_swap("128m", 64 << 20, &swap));
	assert_int_equal(swap, 128 << 20);
	/* equal: no swap at all, which docker takes */
	assert_null(run_opt_parse_memory_swap("64m", 64 << 20, &swap));
	th_expect_msg(run_opt_parse_memory_swap("32m", 64 << 20, &swap), "larger than the memory");
	th_expect_msg(run_opt_parse_memory_swap("128m", 0, &swap), "set the memory limit");
	th_expect_msg(run_opt_parse_memory_swap("-1", 0, &swap), "set the memory limit");
	th_expect_msg(run_opt_parse_memory_swap("lots", 64 << 20, &swap), "--memory-swap");
	th_expect_msg(run_opt_parse_memory_swap("-2", 64 << 20, &swap), "--memory-swap");
}

static void test_group_add(void **state)
{
	assert_null(run_opt_check_group("audio"));
	assert_null(run_opt_check_group("0"));
	assert_null(run_opt_check_group("4294967294"));
	th_expect_msg(run_opt_check_group("4294967295"), "at most 4294967294");
	th_expect_msg(run_opt_check_group("99999999999"), "at most");
	const char *bad[] = {"", "a:b", "a,b", "a b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		th_expect_msg(run_opt_check_group(bad[i]), "not a group name or ID");
	th_expect_msg(run_opt_check_group("a\nroot"), "control character");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_one_line_values),
		cmocka_unit_test(test_caps_and_command),
		cmocka_unit_test(test_ulimits_and_signals),
		cmocka_unit_test(test_tmpfs),
		cmocka_unit_test(test_sysctl),
		cmocka_unit_test(test_cpuset_and_swap),
		cmocka_unit_test(test_group_add),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

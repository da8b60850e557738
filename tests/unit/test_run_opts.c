/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-mgr/container/run_opts.c, cubo-mgr/container/mount_opt.c,
 * cubo-mgr/container/device_opt.c, cubo-mgr/container/cgroup_opt.c,
 * cubo-mgr/container/volumes_from.c (its parser),
 * cubo-mgr/container/record.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-mgr/container/mount_opt.h"
#include "cubo-mgr/container/record.h"
#include "cubo-mgr/container/run_opts.h"
#include "cubo-mgr/container/volumes_from.h"
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

#define run_opt_parse_volume_t(s, v) run_opt_parse_volume(s, "/home/u/proj", v)

static void test_path_abs(void **state)
{
	char *p;
	assert_string_equal(p = run_opt_path_abs("/w", "./d"), "/w/d");
	free(p);
	assert_string_equal(p = run_opt_path_abs("/w/x", "../d/./e//"), "/w/d/e");
	free(p);
	assert_string_equal(p = run_opt_path_abs("/w", "."), "/w");
	free(p);
	assert_string_equal(p = run_opt_path_abs("/", "../../.."), "/");
	free(p);
	assert_string_equal(p = run_opt_path_abs(NULL, "/a/../b"), "/b");
	free(p);
	assert_null(run_opt_path_abs(NULL, "rel"));
}

static void test_volume_options(void **state)
{
	struct ctr_volume_spec v;
	assert_null(run_opt_parse_volume_t("./data:/data:ro,Z", &v));
	assert_string_equal(v.source, "/home/u/proj/data");
	assert_false(v.named);
	assert_true(v.readonly);
	ctr_volume_spec_free(&v);
	assert_null(run_opt_parse_volume_t("..:/up/:rshared,z", &v));
	assert_string_equal(v.source, "/home/u");
	assert_string_equal(v.dest, "/up");
	assert_string_equal(v.propagation, "rshared");
	assert_false(v.readonly);
	ctr_volume_spec_free(&v);
	assert_null(run_opt_parse_volume_t(".:/here", &v));
	assert_string_equal(v.source, "/home/u/proj");
	ctr_volume_spec_free(&v);
	assert_null(run_opt_parse_volume_t("cache:/c:nocopy,rw", &v));
	assert_true(v.nocopy);
	assert_true(v.named);
	ctr_volume_spec_free(&v);
	assert_null(run_opt_parse_volume_t("/anon:nocopy", &v));
	assert_true(v.nocopy);
	ctr_volume_spec_free(&v);
	th_expect_msg(run_opt_parse_volume_t("/a:/b:ro,rw", &v), "conflicting options");
	th_expect_msg(run_opt_parse_volume_t("/a:/b:shared,slave", &v), "more than one");
	th_expect_msg(run_opt_parse_volume_t("/a:/b:nocopy", &v), "nocopy is for volumes");
	th_expect_msg(run_opt_parse_volume_t("vol:/b:shared", &v), "for bind mounts");
	th_expect_msg(run_opt_parse_volume_t("/a:/b:ro,", &v), "invalid mode \"\"");
	th_expect_msg(run_opt_parse_volume("./a:/b", NULL, &v), "current directory");
}

static void test_mount(void **state)
{
	struct ctr_mount_arg m;
	assert_null(run_opt_parse_mount("type=bind,source=./src,target=/dst,readonly,"
					"bind-propagation=rslave,bind-nonrecursive=true",
					"/w", &m));
	assert_false(m.is_tmpfs);
	assert_string_equal(m.vol.source, "/w/src");
	assert_string_equal(m.vol.dest, "/dst");
	assert_true(m.vol.readonly);
	assert_true(m.vol.must_exist);
	assert_true(m.vol.nonrecursive);
	assert_false(m.vol.named);
	assert_string_equal(m.vol.propagation, "rslave");
	ctr_mount_arg_free(&m);
	assert_null(run_opt_parse_mount("src=data,dst=/d,ro=false,volume-nocopy,"
					"volume-label=a=b,volume-driver=local",
					"/w", &m));
	assert_true(m.vol.named);
	assert_string_equal(m.vol.source, "data");
	assert_false(m.vol.readonly);
	assert_true(m.vol.nocopy);
	assert_string_equal(m.vol.labels[0], "a=b");
	ctr_mount_arg_free(&m);
	assert_null(run_opt_parse_mount("type=volume,destination=/anon", "/w", &m));
	assert_null(m.vol.source);
	ctr_mount_arg_free(&m);
	assert_null(
		run_opt_parse_mount("type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770", "/w", &m));
	assert_true(m.is_tmpfs);
	assert_string_equal(m.tmpfs.dest, "/t");
	assert_true(cubo_strv_contains(m.tmpfs.options, "size=1048576"));
	assert_true(cubo_strv_contains(m.tmpfs.options, "mode=1770"));
	ctr_mount_arg_free(&m);
	assert_null(run_opt_parse_mount("type=bind,\"src=/a,b\",dst=/x", "/w", &m));
	assert_string_equal(m.vol.source, "/a,b");
	ctr_mount_arg_free(&m);
	assert_null(run_opt_parse_mount("type=bind,src=/a,dst=/b,ro,bind-recursive=readonly", "/w",
					&m));
	assert_true(m.vol.ro_recursive);
	ctr_mount_arg_free(&m);
	assert_null(run_opt_parse_mount("type=bind,src=/a,dst=/b,ro,bind-recursive=writable", "/w",
					&m));
	assert_true(m.vol.ro_top_only);
	ctr_mount_arg_free(&m);
	assert_null(
		run_opt_parse_mount("type=bind,src=/a,dst=/b,bind-recursive=disabled", "/w", &m));
	assert_true(m.vol.nonrecursive);
	ctr_mount_arg_free(&m);
	th_expect_msg(
		run_opt_parse_mount("type=bind,src=/a,dst=/b,bind-recursive=readonly", "/w", &m),
		"needs readonly");
	th_expect_msg(run_opt_parse_mount("type=bind,src=/a,dst=/b,bind-recursive=x", "/w", &m),
		      "invalid value for bind-recursive");
	th_expect_msg(run_opt_parse_mount("type=bind,src=/a", "/w", &m), "target is required");
	th_expect_msg(run_opt_parse_mount("type=bind,src=/a,dst=/b,foo=1", "/w", &m),
		      "unexpected key 'foo' in 'foo=1'");
	th_expect_msg(run_opt_parse_mount("type=bind,dst=/b", "/w", &m),
		      "field Source must not be empty");
	th_expect_msg(run_opt_parse_mount("type=tmpfs,src=x,dst=/b", "/w", &m),
		      "must not be specified");
	th_expect_msg(run_opt_parse_mount("type=volume,dst=/b,bind-propagation=shared", "/w", &m),
		      "cannot mix 'bind-*' options with mount type 'volume'");
	th_expect_msg(run_opt_parse_mount("type=bind,src=/a,dst=/b,tmpfs-size=1m", "/w", &m),
		      "cannot mix 'tmpfs-*'");
	th_expect_msg(run_opt_parse_mount("dst=/b,volume-opt=type=nfs", "/w", &m),
		      "volume-opt is not supported");
	th_expect_msg(run_opt_parse_mount("dst=/b,volume-driver=nfs", "/w", &m), "not supported");
	th_expect_msg(run_opt_parse_mount("dst=/b,readonly=maybe", "/w", &m),
		      "invalid value for readonly: maybe");
	th_expect_msg(run_opt_parse_mount("type=npipe,dst=/b", "/w", &m), "not supported");
	th_expect_msg(run_opt_parse_mount("type=bind,src=/a,dst=rel", "/w", &m), "not absolute");
	th_expect_msg(run_opt_parse_mount("type=bind,src=/a,dst=/", "/w", &m), "root");
	th_expect_msg(run_opt_parse_mount("type=bind,src=/a,dst=/b,bind-propagation=x", "/w", &m),
		      "invalid value for bind-propagation");
	th_expect_msg(run_opt_parse_mount("type=tmpfs,dst=/b,tmpfs-mode=99", "/w", &m),
		      "tmpfs-mode");
	th_expect_msg(run_opt_parse_mount("src=bad name,dst=/b", "/w", &m), "invalid volume name");
	th_expect_msg(run_opt_parse_mount("type=bind,\"src=/a,dst=/b", "/w", &m), "not closed");
	th_expect_msg(run_opt_parse_mount("dst", "/w", &m), "key=value pair");
	th_expect_msg(run_opt_parse_mount("dst=/a\nb", "/w", &m), "--mount");
}

static void test_volumes(void **state)
{
	struct ctr_volume_spec v;
	assert_null(run_opt_parse_volume_t("/srv/data:/data:ro", &v));
	assert_string_equal(v.source, "/srv/data");
	assert_string_equal(v.dest, "/data");
	assert_true(v.readonly);
	assert_false(v.named);
	ctr_volume_spec_free(&v);
	assert_null(run_opt_parse_volume_t("cache:/var/cache", &v));
	assert_string_equal(v.source, "cache");
	assert_true(v.named);
	assert_false(v.readonly);
	ctr_volume_spec_free(&v);
	assert_null(run_opt_parse_volume_t("/anon", &v));
	assert_null(v.source);
	assert_true(v.named);
	ctr_volume_spec_free(&v);
	assert_null(run_opt_parse_volume_t("/anon:ro", &v));
	assert_null(v.source);
	assert_true(v.readonly);
	ctr_volume_spec_free(&v);
	th_expect_msg(run_opt_parse_volume_t("/a:rel", &v), "invalid mode \"rel\"");
	th_expect_msg(run_opt_parse_volume_t("/a:b:ro", &v), "not absolute");
	th_expect_msg(run_opt_parse_volume_t("/a:/b:rx", &v), "invalid mode");
	th_expect_msg(run_opt_parse_volume_t("/a:/", &v), "root");
	th_expect_msg(run_opt_parse_volume_t("bad name:/b", &v), "neither");
	th_expect_msg(run_opt_parse_volume_t("a:b:c:d", &v), "expected");
	th_expect_msg(run_opt_parse_volume_t("/a:", &v), "expected");
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
	assert_null(run_opt_parse_signal("--stop-signal", "term", &sig));
	assert_string_equal(sig, "SIGTERM");
	free(sig);
	assert_null(run_opt_parse_signal("--stop-signal", "SIGUSR1", &sig));
	assert_string_equal(sig, "SIGUSR1");
	free(sig);
	assert_null(run_opt_parse_signal("--stop-signal", "9", &sig));
	assert_string_equal(sig, "9");
	free(sig);
	th_expect_msg(run_opt_parse_signal("--stop-signal", "0", &sig), "not a signal number");
	th_expect_msg(run_opt_parse_signal("-s", "SIGNOPE", &sig),
		      "-s \"SIGNOPE\": unknown signal");
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

static void test_device(void **state)
{
	char *h, *c, perms[4];
	assert_null(run_opt_parse_device("/dev/null", &h, &c, perms));
	assert_string_equal(h, "/dev/null");
	assert_string_equal(c, "/dev/null");
	assert_string_equal(perms, "rwm");
	free(h);
	free(c);
	assert_null(run_opt_parse_device("/dev/null:/dev/mynull", &h, &c, perms));
	assert_string_equal(c, "/dev/mynull");
	free(h);
	free(c);
	assert_null(run_opt_parse_device("/dev/null:rw", &h, &c, perms));
	assert_string_equal(c, "/dev/null");
	assert_string_equal(perms, "rw");
	free(h);
	free(c);
	assert_null(run_opt_parse_device("/dev/sda:/dev/xvda:mr", &h, &c, perms));
	assert_string_equal(c, "/dev/xvda");
	assert_string_equal(perms, "mr");
	free(h);
	free(c);
	th_expect_msg(run_opt_parse_device("/dev/a:/dev/b:rwx", &h, &c, perms), "bad mode");
	th_expect_msg(run_opt_parse_device("/dev/a:/dev/b:rr", &h, &c, perms), "bad mode");
	th_expect_msg(run_opt_parse_device("/dev/a:/dev/b:", &h, &c, perms), "invalid device");
	th_expect_msg(run_opt_parse_device("/dev/a:rel", &h, &c, perms), "bad format for path");
	th_expect_msg(run_opt_parse_device("dev/a", &h, &c, perms), "not absolute");
	th_expect_msg(run_opt_parse_device("/a:/b:r:w", &h, &c, perms), "invalid device");
	assert_null(h);

	struct oci_device_cgroup r;
	assert_null(run_opt_parse_cgroup_rule("c 1:3 rwm", &r));
	assert_string_equal(r.type, "c");
	assert_true(r.has_major && r.has_minor && r.allow);
	assert_int_equal(r.major, 1);
	assert_int_equal(r.minor, 3);
	assert_string_equal(r.access, "rwm");
	free(r.type);
	free(r.access);
	assert_null(run_opt_parse_cgroup_rule("b *:* r", &r));
	assert_false(r.has_major || r.has_minor);
	free(r.type);
	free(r.access);
	th_expect_msg(run_opt_parse_cgroup_rule("x 1:3 rwm", &r), "invalid device cgroup rule");
	th_expect_msg(run_opt_parse_cgroup_rule("c 1:3 rwq", &r), "invalid");
	th_expect_msg(run_opt_parse_cgroup_rule("c 13 rwm", &r), "invalid");
	th_expect_msg(run_opt_parse_cgroup_rule("c 1:3 rwm extra", &r), "invalid");
	th_expect_msg(run_opt_parse_cgroup_rule("c 1:3", &r), "invalid");
}

static void test_device_gather(void **state)
{
	struct ctr_devices d = {0};
	assert_null(device_gather("--device", "/dev/null", "/dev/n", "r", &d));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].type, 'c');
	assert_int_equal(d.v[0].major, 1);
	assert_int_equal(d.v[0].minor, 3);
	assert_string_equal(d.v[0].access, "r");
	th_expect_msg(device_gather("--device", "/etc/hostname", "/x", "r", &d),
		      "not a device node");
	th_expect_msg(device_gather("--device", "/nonexistent/dev", "/x", "r", &d), "no such file");
	assert_int_equal(d.n, 1);
	ctr_devices_free(&d);
}

/* --label-file, --expose, --domainname, --annotation's KEY=VALUE. */
static void test_run_meta(void **state)
{
	const char text[] = "# labels\n\ncom.x.a=1\n  b=two words\r\nlone\nc=x=y\n";
	char *path = th_tmpfile("labels", text, sizeof(text) - 1);
	char **labels = NULL;
	size_t n = 0;
	assert_null(run_opt_read_label_file(path, &labels, &n));
	th_assert_strv(labels, "com.x.a=1", "b=two words", "lone=", "c=x=y");
	unlink(path);
	free(path);
	/* a key with a blank, or an escape in a value: FILE:LINE named */
	const char bad[] = "ok=1\nbad key=1\n";
	path = th_tmpfile("labels", bad, sizeof(bad) - 1);
	char want[80];
	snprintf(want, sizeof(want), "%s:2:", path);
	th_expect_msg(run_opt_read_label_file(path, &labels, &n), want, "invalid");
	unlink(path);
	free(path);
	const char esc[] = "k=a\033[2Jb\n";
	path = th_tmpfile("labels", esc, sizeof(esc) - 1);
	snprintf(want, sizeof(want), "%s:1:", path);
	th_expect_msg(run_opt_read_label_file(path, &labels, &n), want, "control character");
	unlink(path);
	free(path);
	th_expect_msg(run_opt_read_label_file("/nonexistent/l", &labels, &n), "--label-file",
		      "/nonexistent/l");
	cubo_strv_free(labels);

	char **ex = NULL;
	size_t ne = 0;
	assert_null(run_opt_parse_expose("80", &ex, &ne));
	assert_null(run_opt_parse_expose("53/udp", &ex, &ne));
	assert_null(run_opt_parse_expose("8000-8002/tcp", &ex, &ne));
	assert_null(run_opt_parse_expose("80/tcp", &ex, &ne)); /* there already */
	assert_null(run_opt_parse_expose("79-81/sctp", &ex, &ne));
	th_assert_strv(ex, "80/tcp", "53/udp", "8000/tcp", "8001/tcp", "8002/tcp", "79/sctp",
		       "80/sctp", "81/sctp");
	th_expect_msg(run_opt_parse_expose("0", &ex, &ne), "--expose \"0\"", "invalid port");
	th_expect_msg(run_opt_parse_expose("65536", &ex, &ne), "invalid port");
	th_expect_msg(run_opt_parse_expose("80/icmp", &ex, &ne), "unknown protocol");
	th_expect_msg(run_opt_parse_expose("90-80", &ex, &ne), "invalid range");
	th_expect_msg(run_opt_parse_expose("1:80", &ex, &ne), "invalid port");
	th_expect_msg(run_opt_parse_expose("80-", &ex, &ne), "invalid port");
	th_expect_msg(run_opt_parse_expose("", &ex, &ne), "invalid port");
	assert_int_equal(ne, 8);
	cubo_strv_free(ex);
	/* ExposedPorts: the image's first, each key once; a key of another form kept */
	char *image[] = {"80/tcp", "odd", "odd", "53/udp"};
	char *flags[] = {"53/udp", "80/tcp", "8080/tcp", NULL};
	char **merged = run_opt_expose_merge(image, 4, flags);
	th_assert_strv(merged, "80/tcp", "odd", "53/udp", "8080/tcp");
	cubo_strv_free(merged);
	assert_null(run_opt_expose_merge(NULL, 0, NULL));
	/* the whole range, twice: every port once */
	ex = NULL;
	ne = 0;
	assert_null(run_opt_parse_expose("1-65535/udp", &ex, &ne));
	assert_null(run_opt_parse_expose("1-65535/udp", &ex, &ne));
	assert_int_equal(ne, 65535);
	assert_string_equal(ex[65534], "65535/udp");
	merged = run_opt_expose_merge(ex, ne, ex);
	assert_int_equal(cubo_strv_len(merged), 65535);
	cubo_strv_free(merged);
	cubo_strv_free(ex);

	assert_null(run_opt_check_domainname("example.com"));
	th_expect_msg(run_opt_check_domainname("a b"), "--domainname \"a b\"");
	th_expect_msg(run_opt_check_domainname("a\nb"), "--domainname", "control character");
	char longname[80];
	memset(longname, 'x', 65);
	longname[65] = '\0';
	th_expect_msg(run_opt_check_domainname(longname), "--domainname");

	char *kv;
	assert_null(run_opt_parse_label("--annotation", "org.x/key=v", &kv));
	assert_string_equal(kv, "org.x/key=v");
	free(kv);
	th_expect_msg(run_opt_parse_label("--annotation", "=v", &kv), "--annotation \"=v\"");
}

/* --dns-option, and the namespace modes of --pid, --ipc, --uts, --cgroupns. */
static void test_ns_modes(void **state)
{
	assert_null(run_opt_check_dns_option("ndots:2"));
	assert_null(run_opt_check_dns_option("edns0"));
	th_expect_msg(run_opt_check_dns_option(""), "--dns-option \"\"");
	th_expect_msg(run_opt_check_dns_option("a b"), "expected one option");
	th_expect_msg(run_opt_check_dns_option("a\tb"), "--dns-option");
	th_expect_msg(run_opt_check_dns_option("a\nnameserver 1.2.3.4"), "control character");

	static const char *const ipc[] = {"private", "shareable",  "none",
					  "host",    "container:", NULL};
	static const char *const uts[] = {"host", NULL};
	const char *join = "x";
	assert_null(run_opt_parse_ns_mode("--ipc", "host", ipc, &join));
	assert_null(join);
	assert_null(run_opt_parse_ns_mode("--ipc", "shareable", ipc, &join));
	assert_null(run_opt_parse_ns_mode("--ipc", "container:db", ipc, &join));
	assert_string_equal(join, "db");
	th_expect_msg(run_opt_parse_ns_mode("--ipc", "container:", ipc, &join),
		      "--ipc \"container:\": invalid mode (expected private, shareable, none, "
		      "host, container:NAME)");
	th_expect_msg(run_opt_parse_ns_mode("--ipc", "Host", ipc, &join), "invalid mode");
	th_expect_msg(run_opt_parse_ns_mode("--uts", "container:x", uts, &join),
		      "--uts \"container:x\": invalid mode (expected host)");
	th_expect_msg(run_opt_parse_ns_mode("--uts", "host\n", uts, &join), "control character");
}

/* The per-device blkio flags, --cgroup-parent, and the host checks of the cgroup flags. */
static void test_cgroup_opts(void **state)
{
	struct blkio_dev d;
	assert_null(blkio_dev_parse(BLKIO_READ_BPS, "/dev/sda:1mb", &d));
	assert_string_equal(d.path, "/dev/sda");
	assert_int_equal(d.value, 1 << 20);
	blkio_dev_free(&d);
	/* the last colon splits: a path may hold one */
	assert_null(blkio_dev_parse(BLKIO_WRITE_IOPS, "/dev/disk/by-path/pci:0:1:200", &d));
	assert_string_equal(d.path, "/dev/disk/by-path/pci:0:1");
	assert_int_equal(d.value, 200);
	blkio_dev_free(&d);
	assert_null(blkio_dev_parse(BLKIO_WEIGHT_DEVICE, "/dev/sda:10", &d));
	assert_int_equal(d.value, 10);
	blkio_dev_free(&d);
	assert_null(blkio_dev_parse(BLKIO_WEIGHT_DEVICE, "/dev/sda:0", &d));
	blkio_dev_free(&d);
	th_expect_msg(blkio_dev_parse(BLKIO_WEIGHT_DEVICE, "/dev/sda:9", &d),
		      "--blkio-weight-device \"/dev/sda:9\": a weight is 10 to 1000");
	th_expect_msg(blkio_dev_parse(BLKIO_WEIGHT_DEVICE, "/dev/sda:1001", &d), "10 to 1000");
	th_expect_msg(blkio_dev_parse(BLKIO_READ_BPS, "/dev/sda:0", &d), "above 0");
	th_expect_msg(blkio_dev_parse(BLKIO_READ_BPS, "/dev/sda:fast", &d),
		      "--device-read-bps \"/dev/sda:fast\"");
	th_expect_msg(blkio_dev_parse(BLKIO_READ_IOPS, "/dev/sda:-1", &d), "--device-read-iops");
	th_expect_msg(blkio_dev_parse(BLKIO_WRITE_IOPS, "/dev/sda:99999999999999999999999", &d),
		      "--device-write-iops");
	th_expect_msg(blkio_dev_parse(BLKIO_WRITE_BPS, "sda:1mb", &d), "expected /DEVICE:VALUE");
	th_expect_msg(blkio_dev_parse(BLKIO_WRITE_BPS, "/dev/sda", &d), "expected /DEVICE:VALUE");
	th_expect_msg(blkio_dev_parse(BLKIO_WRITE_BPS, "/dev/x\n:1", &d), "control character");
	/* the device is the host's, and a block device */
	assert_null(blkio_dev_parse(BLKIO_READ_BPS, "/dev/null:1mb", &d));
	th_expect_msg(blkio_dev_resolve(BLKIO_READ_BPS, &d),
		      "--device-read-bps /dev/null: not a block device");
	blkio_dev_free(&d);
	assert_null(blkio_dev_parse(BLKIO_READ_BPS, "/nonexistent/dev:1mb", &d));
	th_expect_msg(blkio_dev_resolve(BLKIO_READ_BPS, &d), "/nonexistent/dev");
	blkio_dev_free(&d);

	assert_null(cgroup_parent_check("/docker", false));
	assert_null(cgroup_parent_check("mine/sub-1_x.y@z", false));
	assert_null(cgroup_parent_check("my.slice", true));
	const char *bad[] = {"",      "/",     "../x", "/a/../b", "/a/./b",
			     "/a//b", "/a/b/", "a b",  "/a:b",	  "/a\nb"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		th_expect_msg(cgroup_parent_check(bad[i], false), "--cgroup-parent");
	th_expect_msg(cgroup_parent_check("/docker", true), "a slice name");
	th_expect_msg(cgroup_parent_check(".slice", true), "a slice name");
	th_expect_msg(cgroup_parent_check("a/b.slice", true), "a slice name");

	/* what the host's cgroups have, from a made-up root */
	char *root = th_tmpdir("cgopt");
	assert_false(cgroup_host_has_rt(root));
	assert_false(cgroup_host_lacks_blkio_weight(root)); /* no v1 blkio: the runtime's call */
	char *blkio = th_path(root, "blkio"), *cpu = th_path(root, "cpu,cpuacct");
	assert_int_equal(mkdir(blkio, 0755), 0);
	assert_int_equal(mkdir(cpu, 0755), 0);
	assert_true(cgroup_host_lacks_blkio_weight(root));
	th_put(blkio, "blkio.bfq.weight", "100\n");
	assert_false(cgroup_host_lacks_blkio_weight(root));
	th_put(cpu, "cpu.rt_runtime_us", "0\n");
	assert_true(cgroup_host_has_rt(root));
	free(blkio);
	free(cpu);
	th_tmpdir_free(root);
}

/* --volumes-from CONTAINER[:ro|:rw]. */
static void test_volumes_from(void **state)
{
	char *name;
	enum volumes_from_mode mode;
	assert_null(volumes_from_parse("db", &name, &mode));
	assert_string_equal(name, "db");
	assert_int_equal(mode, VOLUMES_FROM_AS_IS);
	free(name);
	assert_null(volumes_from_parse("db-1:ro", &name, &mode));
	assert_string_equal(name, "db-1");
	assert_int_equal(mode, VOLUMES_FROM_RO);
	free(name);
	assert_null(volumes_from_parse("0123abc:rw", &name, &mode));
	assert_int_equal(mode, VOLUMES_FROM_RW);
	free(name);
	th_expect_msg(volumes_from_parse("db:rx", &name, &mode),
		      "--volumes-from \"db:rx\": expected CONTAINER[:ro|:rw]");
	th_expect_msg(volumes_from_parse("db:ro:rw", &name, &mode), "expected CONTAINER");
	th_expect_msg(volumes_from_parse(":ro", &name, &mode), "--volumes-from \":ro\"");
	th_expect_msg(volumes_from_parse("../x", &name, &mode), "--volumes-from \"../x\"");
	assert_null(name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_path_abs),
		cmocka_unit_test(test_volume_options),
		cmocka_unit_test(test_mount),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_device_gather),
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_run_meta),
		cmocka_unit_test(test_ns_modes),
		cmocka_unit_test(test_cgroup_opts),
		cmocka_unit_test(test_volumes_from),
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

/* SPDX-License-Identifier: Apache-2.0 */
/* Covers: cubo-runc/{mounts,mount_opts,mountinfo,mount_cgroup,devices,rootfs}.c */
/*
 * The pure parts of the container filesystem setup: OCI mount options sorted
 * into mount(2) flags, mount_setattr(2) attributes, propagation and data;
 * /proc/self/mountinfo parsing and the host cgroup layout read from it; path
 * and device helpers; and the checks rootfs setup makes before any syscall.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cubo-runc/devices.h"
#include "cubo-runc/mount_cgroup.h"
#include "cubo-runc/mount_opts.h"
#include "cubo-runc/mountinfo.h"
#include "cubo-runc/mounts.h"
#include "cubo-runc/rootfs.h"
#include "shared/error.h"
#include "spec/config.h"
#include "tests/unit/helpers.h"

/* ---- helpers ---- */

/* "a,b,c" -> a NULL-terminated list; "" -> an empty one. */
static struct oci_strlist split_options(const char *csv)
{
	struct oci_strlist l = {.v = calloc(strlen(csv) + 2, sizeof(char *)), .n = 0};
	char *copy = strdup(csv), *save = NULL;

	assert_non_null(l.v);
	assert_non_null(copy);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		l.v[l.n++] = strdup(t);
	free(copy);
	return l;
}

static void strlist_free(struct oci_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct oci_strlist){0};
}

/* Parse csv, which must succeed, into *o. */
static void parse_ok(const char *csv, struct mount_opts *o)
{
	struct oci_strlist l = split_options(csv);
	struct cubo_error *err = mount_opts_parse(&l, o);

	if (err)
		fail_msg("mount_opts_parse(\"%s\"): %s", csv, err->msg);
	strlist_free(&l);
}

static void read_mountinfo_text(const char *text, struct mountinfo *mi)
{
	char *path = th_tmpfile("mountinfo", text, strlen(text));
	struct cubo_error *err = mountinfo_read(path, mi);

	unlink(path);
	free(path);
	if (err)
		fail_msg("mountinfo_read: %s", err->msg);
}

/* ---- option parsing: mount(2) flags ---- */

static void test_opts_empty(void **state)
{
	struct mount_opts o;
	struct oci_strlist none = {.v = NULL, .n = 0};

	memset(&o, 0xa5, sizeof(o)); /* the parser must clear it */
	assert_null(mount_opts_parse(&none, &o));
	assert_int_equal(o.ms_set, 0);
	assert_int_equal(o.ms_clr, 0);
	assert_int_equal(o.attr_set, 0);
	assert_int_equal(o.attr_clr, 0);
	assert_int_equal(o.rattr_set, 0);
	assert_int_equal(o.rattr_clr, 0);
	assert_int_equal(o.n_propagation, 0);
	assert_false(o.bind || o.rbind || o.remount || o.idmap || o.ridmap);
	assert_null(o.data);
	mount_opts_free(&o);
}

static void test_opts_ro_nosuid_nodev_noexec(void **state)
{
	struct mount_opts o;

	parse_ok("ro,nosuid,nodev,noexec", &o);
	assert_int_equal(o.ms_set, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	assert_int_equal(o.ms_clr, 0);
	assert_int_equal(o.rattr_set, 0);
	assert_int_equal(o.rattr_clr, 0);
	assert_int_equal(o.n_propagation, 0);
	assert_false(o.bind || o.rbind);
	assert_null(o.data);
	mount_opts_free(&o);
}

/* Every flag option of config.md "Mount Options" and its negation. */
static void test_opts_every_flag_pair(void **state)
{
	static const struct {
		const char *on, *off;
		unsigned long ms;
	} pairs[] = {
		{"ro", "rw", MS_RDONLY},
		{"nosuid", "suid", MS_NOSUID},
		{"nodev", "dev", MS_NODEV},
		{"noexec", "exec", MS_NOEXEC},
		{"sync", "async", MS_SYNCHRONOUS},
		{"mand", "nomand", MS_MANDLOCK},
		{"noatime", "atime", MS_NOATIME},
		{"nodiratime", "diratime", MS_NODIRATIME},
		{"relatime", "norelatime", MS_RELATIME},
		{"strictatime", "nostrictatime", MS_STRICTATIME},
		{"lazytime", "nolazytime", MS_LAZYTIME},
		{"iversion", "noiversion", MS_I_VERSION},
		{"silent", "loud", MS_SILENT},
		{"nosymfollow", "symfollow", MS_NOSYMFOLLOW},
	};
	struct mount_opts o;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		parse_ok(pairs[i].on, &o);
		assert_int_equal(o.ms_set, pairs[i].ms);
		assert_int_equal(o.ms_clr, 0);
		assert_null(o.data);
		mount_opts_free(&o);

		parse_ok(pairs[i].off, &o);
		assert_int_equal(o.ms_set, 0);
		assert_int_equal(o.ms_clr, pairs[i].ms);
		assert_null(o.data);
		mount_opts_free(&o);
	}
	/* dirsync has no negation. */
	parse_ok("dirsync", &o);
	assert_int_equal(o.ms_set, MS_DIRSYNC);
	mount_opts_free(&o);
}

/* runc applies options in order: a later option undoes an earlier opposite one. */
static void test_opts_last_wins(void **state)
{
	struct mount_opts o;

	parse_ok("ro,rw", &o);
	assert_int_equal(o.ms_set, 0);
	assert_int_equal(o.ms_clr, MS_RDONLY);
	mount_opts_free(&o);

	parse_ok("rw,ro", &o);
	assert_int_equal(o.ms_set, MS_RDONLY);
	assert_int_equal(o.ms_clr, 0);
	mount_opts_free(&o);

	parse_ok("nosuid,nodev,suid,ro,dev,nodev", &o);
	assert_int_equal(o.ms_set, MS_RDONLY | MS_NODEV);
	assert_int_equal(o.ms_clr, MS_NOSUID);
	mount_opts_free(&o);
}

static void test_opts_bind_rbind_remount_idmap(void **state)
{
	struct mount_opts o;

	/* A recursive bind is open_tree(AT_RECURSIVE), not MS_* data for mount(2). */
	parse_ok("rbind", &o);
	assert_true(o.rbind);
	assert_false(o.bind);
	assert_int_equal(o.ms_set, 0);
	assert_null(o.data);
	mount_opts_free(&o);

	parse_ok("bind,ro", &o);
	assert_true(o.bind);
	assert_false(o.rbind);
	assert_int_equal(o.ms_set, MS_RDONLY);
	mount_opts_free(&o);

	parse_ok("remount,ro", &o);
	assert_true(o.remount);
	assert_int_equal(o.ms_set, MS_RDONLY);
	mount_opts_free(&o);

	parse_ok("rbind,idmap", &o);
	assert_true(o.idmap);
	assert_false(o.ridmap);
	mount_opts_free(&o);

	parse_ok("ridmap", &o);
	assert_true(o.ridmap);
	assert_false(o.idmap);
	assert_null(o.data);
	mount_opts_free(&o);
}

/* ---- option parsing: recursive attributes ---- */

static void test_opts_recursive_attrs(void **state)
{
	static const struct {
		const char *on, *off;
		uint64_t attr;
	} pairs[] = {
		{"rro", "rrw", MOUNT_ATTR_RDONLY},
		{"rnosuid", "rsuid", MOUNT_ATTR_NOSUID},
		{"rnodev", "rdev", MOUNT_ATTR_NODEV},
		{"rnoexec", "rexec", MOUNT_ATTR_NOEXEC},
		{"rnodiratime", "rdiratime", MOUNT_ATTR_NODIRATIME},
		{"rnosymfollow", "rsymfollow", MOUNT_ATTR_NOSYMFOLLOW},
	};
	struct mount_opts o;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		parse_ok(pairs[i].on, &o);
		assert_int_equal(o.rattr_set, pairs[i].attr);
		assert_int_equal(o.rattr_clr, 0);
		assert_int_equal(o.ms_set, 0); /* never the non-recursive flag */
		assert_int_equal(o.attr_set, 0);
		mount_opts_free(&o);

		parse_ok(pairs[i].off, &o);
		assert_int_equal(o.rattr_set, 0);
		assert_int_equal(o.rattr_clr, pairs[i].attr);
		assert_int_equal(o.ms_clr, 0);
		mount_opts_free(&o);
	}

	parse_ok("rro,rnosuid,rrw", &o);
	assert_int_equal(o.rattr_set, MOUNT_ATTR_NOSUID);
	assert_int_equal(o.rattr_clr, MOUNT_ATTR_RDONLY);
	mount_opts_free(&o);

	/* "ro" and "rro" are independent: one for the mount, one for the tree. */
	parse_ok("ro,rro", &o);
	assert_int_equal(o.ms_set, MS_RDONLY);
	assert_int_equal(o.rattr_set, MOUNT_ATTR_RDONLY);
	mount_opts_free(&o);
}

/*
 * mount_setattr(2): the atime setting is an enum, so every atime option
 * clears the whole MOUNT_ATTR__ATIME field and sets one value; the last wins.
 */
static void test_opts_recursive_atime(void **state)
{
	static const struct {
		const char *opts;
		uint64_t set;
	} cases[] = {
		{"rnoatime", MOUNT_ATTR_NOATIME},
		{"rstrictatime", MOUNT_ATTR_STRICTATIME},
		{"rrelatime", MOUNT_ATTR_RELATIME},
		{"ratime", MOUNT_ATTR_RELATIME},
		{"rnorelatime", MOUNT_ATTR_RELATIME},
		{"rnostrictatime", MOUNT_ATTR_RELATIME},
		{"rnoatime,rstrictatime", MOUNT_ATTR_STRICTATIME},
		{"rstrictatime,rnoatime", MOUNT_ATTR_NOATIME},
		{"rnoatime,ratime", MOUNT_ATTR_RELATIME},
		{"rnosuid,rnoatime,rnodev",
		 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME | MOUNT_ATTR_NODEV},
	};
	struct mount_opts o;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(cases[i].opts, &o);
		if (o.rattr_set != cases[i].set)
			fail_msg("%s: rattr_set %#llx, want %#llx", cases[i].opts,
				 (unsigned long long)o.rattr_set, (unsigned long long)cases[i].set);
		assert_int_equal(o.rattr_clr, MOUNT_ATTR__ATIME);
		mount_opts_free(&o);
	}
}

/* ---- option parsing: propagation ---- */

static void test_opts_propagation(void **state)
{
	struct mount_opts o;

	parse_ok("rprivate", &o);
	assert_int_equal(o.n_propagation, 1);
	assert_int_equal(o.propagation[0], MS_PRIVATE | MS_REC);
	assert_int_equal(o.ms_set, 0);
	mount_opts_free(&o);

	/* Kept in order: each is one mount_setattr call, and order matters. */
	parse_ok("rbind,shared,rslave,private,runbindable,unbindable,rshared,slave", &o);
	assert_int_equal(o.n_propagation, 7);
	assert_int_equal(o.propagation[0], MS_SHARED);
	assert_int_equal(o.propagation[1], MS_SLAVE | MS_REC);
	assert_int_equal(o.propagation[2], MS_PRIVATE);
	assert_int_equal(o.propagation[3], MS_UNBINDABLE | MS_REC);
	assert_int_equal(o.propagation[4], MS_UNBINDABLE);
	assert_int_equal(o.propagation[5], MS_SHARED | MS_REC);
	assert_int_equal(o.propagation[6], MS_SLAVE);
	assert_true(o.rbind);
	mount_opts_free(&o);
}

static void test_opts_too_many_propagation(void **state)
{
	struct mount_opts o;
	char csv[256] = "size=1k";

	for (int i = 0; i < MOUNT_MAX_PROPAGATION; i++)
		strcat(csv, ",private");
	parse_ok(csv, &o);
	assert_int_equal(o.n_propagation, MOUNT_MAX_PROPAGATION);
	mount_opts_free(&o);

	/* One more fails, and frees the data gathered so far (valgrind checks). */
	strcat(csv, ",rshared");
	struct oci_strlist l = split_options(csv);
	struct cubo_error *err = mount_opts_parse(&l, &o);
	strlist_free(&l);
	assert_null(o.data);
	th_expect_text(err, "more than 8 propagation options");
}

static void test_propagation_flag(void **state)
{
	assert_int_equal(mount_propagation_flag("shared"), MS_SHARED);
	assert_int_equal(mount_propagation_flag("rshared"), MS_SHARED | MS_REC);
	assert_int_equal(mount_propagation_flag("slave"), MS_SLAVE);
	assert_int_equal(mount_propagation_flag("rslave"), MS_SLAVE | MS_REC);
	assert_int_equal(mount_propagation_flag("private"), MS_PRIVATE);
	assert_int_equal(mount_propagation_flag("rprivate"), MS_PRIVATE | MS_REC);
	assert_int_equal(mount_propagation_flag("unbindable"), MS_UNBINDABLE);
	assert_int_equal(mount_propagation_flag("runbindable"), MS_UNBINDABLE | MS_REC);
	/* Known options that are not propagation, unknown names, nothing. */
	assert_int_equal(mount_propagation_flag("ro"), 0);
	assert_int_equal(mount_propagation_flag("rbind"), 0);
	assert_int_equal(mount_propagation_flag("Shared"), 0);
	assert_int_equal(mount_propagation_flag(""), 0);
	assert_int_equal(mount_propagation_flag(NULL), 0);
}

/* ---- option parsing: filesystem data ---- */

static void test_opts_data_in_order(void **state)
{
	struct mount_opts o;

	parse_ok("size=65536k,mode=755", &o);
	assert_string_equal(o.data, "size=65536k,mode=755");
	assert_int_equal(o.ms_set, 0);
	mount_opts_free(&o);
	assert_null(o.data);
	mount_opts_free(&o); /* twice is harmless */

	/* The spec's /dev example: flags out, data in order. */
	parse_ok("nosuid,strictatime,mode=755,size=65536k", &o);
	assert_int_equal(o.ms_set, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(o.data, "mode=755,size=65536k");
	mount_opts_free(&o);

	/* The spec's /dev/pts example: "newinstance" is devpts data. */
	parse_ok("nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5", &o);
	assert_int_equal(o.ms_set, MS_NOSUID | MS_NOEXEC);
	assert_string_equal(o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mount_opts_free(&o);
}

static void test_opts_unknown_goes_to_data(void **state)
{
	struct mount_opts o;

	parse_ok("ro,lowerdir=/a:/b,bogus,RO,upperdir=/u", &o);
	assert_int_equal(o.ms_set, MS_RDONLY);
	/* Names are case-sensitive, as in runc: "RO" is the filesystem's business. */
	assert_string_equal(o.data, "lowerdir=/a:/b,bogus,RO,upperdir=/u");
	mount_opts_free(&o);
}

/* Options that are neither flags nor filesystem data. */
static void test_opts_ignored(void **state)
{
	struct mount_opts o;

	/* tmpfs refuses an unknown "defaults": it must not reach the data. */
	parse_ok("defaults,tmpcopyup,mode=1777", &o);
	assert_string_equal(o.data, "mode=1777");
	assert_int_equal(o.ms_set, 0);
	assert_int_equal(o.ms_clr, 0);
	mount_opts_free(&o);

	parse_ok("defaults", &o);
	assert_null(o.data);
	mount_opts_free(&o);
}

/* ---- MS_* flags as mount_setattr attributes (binds, remounts) ---- */

static void attrs_of(const char *csv, uint64_t *set, uint64_t *clr)
{
	struct mount_opts o;

	parse_ok(csv, &o);
	mount_opts_to_attr(&o, set, clr);
	mount_opts_free(&o);
}

static void test_opts_to_attr(void **state)
{
	uint64_t set, clr;

	attrs_of("ro,nosuid,nodev,noexec", &set, &clr);
	assert_int_equal(set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				      MOUNT_ATTR_NOEXEC);
	assert_int_equal(clr, 0);

	attrs_of("rw,suid,dev,exec", &set, &clr);
	assert_int_equal(set, 0);
	assert_int_equal(clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				      MOUNT_ATTR_NOEXEC);

	attrs_of("nodiratime,nosymfollow", &set, &clr);
	assert_int_equal(set, MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW);
	assert_int_equal(clr, 0);

	/* Superblock flags and data have no per-mount attribute. */
	attrs_of("sync,dirsync,lazytime,mode=755", &set, &clr);
	assert_int_equal(set, 0);
	assert_int_equal(clr, 0);

	/* Recursive options are applied separately. */
	attrs_of("rro,rnoatime", &set, &clr);
	assert_int_equal(set, 0);
	assert_int_equal(clr, 0);
}

/* atime: as mount(2) decides, strictatime > noatime > relatime. */
static void test_opts_to_attr_atime(void **state)
{
	static const struct {
		const char *opts;
		uint64_t set;
	} cases[] = {
		{"noatime", MOUNT_ATTR_NOATIME},
		{"strictatime", MOUNT_ATTR_STRICTATIME},
		{"relatime", MOUNT_ATTR_RELATIME},
		{"noatime,strictatime", MOUNT_ATTR_STRICTATIME},
		{"strictatime,noatime", MOUNT_ATTR_STRICTATIME},
		{"relatime,noatime", MOUNT_ATTR_NOATIME},
		/* A negation alone asks for the default mode. */
		{"atime", MOUNT_ATTR_RELATIME},
		{"nostrictatime", MOUNT_ATTR_RELATIME},
		{"noatime,atime", MOUNT_ATTR_RELATIME},
		{"ro,noatime", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOATIME},
	};
	uint64_t set, clr;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		attrs_of(cases[i].opts, &set, &clr);
		if (set != cases[i].set)
			fail_msg("%s: set %#llx, want %#llx", cases[i].opts,
				 (unsigned long long)set, (unsigned long long)cases[i].set);
		assert_int_equal(clr & MOUNT_ATTR__ATIME, MOUNT_ATTR__ATIME);
	}
	/* No atime option: the mount keeps the atime mode it has. */
	attrs_of("ro", &set, &clr);
	assert_int_equal(set, MOUNT_ATTR_RDONLY);
	assert_int_equal(clr, 0);
}

/* ---- config mount helpers ---- */

static void test_mount_is_bind(void **state)
{
	struct oci_mount m = {.destination = "/mnt"};

	m.type = "bind";
	assert_true(mount_is_bind(&m));
	m.type = "none";
	m.options = split_options("ro,rbind");
	assert_true(mount_is_bind(&m));
	strlist_free(&m.options);
	m.type = NULL;
	m.options = split_options("bind");
	assert_true(mount_is_bind(&m));
	strlist_free(&m.options);
	m.type = "tmpfs";
	m.options = split_options("ro,nosuid,rbindx,mode=755");
	assert_false(mount_is_bind(&m));
	strlist_free(&m.options);
	m.type = NULL;
	assert_false(mount_is_bind(&m));
}

/* config.md "Mounts": a relative bind source is relative to the bundle. */
static void test_bind_source(void **state)
{
	static const char *const cases[][3] = {
		{"/b", "/etc/hosts", "/etc/hosts"},
		{"/b", "data", "/b/data"},
		{"/b", "./data/x", "/b/./data/x"},
		{"/b", "../shared", "/b/../shared"},
		{NULL, "data", "data"},
		{NULL, "/data", "/data"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = mount_bind_source(cases[i][0], cases[i][1]);
		assert_non_null(got);
		assert_string_equal(got, cases[i][2]);
		free(got);
	}
}

static void test_clean_path(void **state)
{
	static const char *const cases[][2] = {
		{"/", "/"},
		{"//", "/"},
		{"", "."},
		{".", "."},
		{"./", "."},
		{"/dev", "/dev"},
		{"/dev/", "/dev"},
		{"//dev///pts//", "/dev/pts"},
		{"/./dev/./pts/.", "/dev/pts"},
		{"dev/pts", "dev/pts"},
		{"./a//b/", "a/b"},
		/* Lexical only: ".." and names that start with a dot stay. */
		{"/a/../b", "/a/../b"},
		{"/.hidden/..x", "/.hidden/..x"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = mount_clean_path(cases[i][0]);
		assert_non_null(got);
		if (strcmp(got, cases[i][1]))
			fail_msg("clean \"%s\": got \"%s\", want \"%s\"", cases[i][0], got,
				 cases[i][1]);
		free(got);
	}
}

/* ---- mountinfo ---- */

static void test_mountinfo_fields(void **state)
{
	struct mountinfo mi;

	read_mountinfo_text(
		/* proc(5)'s example: one optional field. */
		"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
		/* No optional field. */
		"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
		/* Two optional fields; space, tab and backslash escaped. */
		"84 83 0:40 /a\\040b /tmp/x\\011y\\040z rw shared:5 master:1 - tmpfs "
		"we\\040ird\\134src rw,size=1024k\n"
		/* An empty source, as `mount -t tmpfs "" /tmp/e` shows it. */
		"83 63 0:39 / /tmp/e rw,relatime - tmpfs  rw\n",
		&mi);
	assert_int_equal(mi.n, 4);

	assert_int_equal(mi.v[0].id, 36);
	assert_int_equal(mi.v[0].parent, 35);
	assert_string_equal(mi.v[0].root, "/mnt1");
	assert_string_equal(mi.v[0].mountpoint, "/mnt2");
	assert_string_equal(mi.v[0].optional, "master:1");
	assert_string_equal(mi.v[0].fstype, "ext3");
	assert_string_equal(mi.v[0].source, "/dev/root");
	assert_string_equal(mi.v[0].super_opts, "rw,errors=continue");

	assert_int_equal(mi.v[1].id, 22);
	assert_int_equal(mi.v[1].parent, 27);
	assert_string_equal(mi.v[1].optional, "");
	assert_string_equal(mi.v[1].fstype, "proc");
	assert_string_equal(mi.v[1].source, "proc");
	assert_string_equal(mi.v[1].super_opts, "rw");

	assert_string_equal(mi.v[2].root, "/a b");
	assert_string_equal(mi.v[2].mountpoint, "/tmp/x\ty z");
	assert_string_equal(mi.v[2].optional, "shared:5 master:1");
	assert_string_equal(mi.v[2].fstype, "tmpfs");
	assert_string_equal(mi.v[2].source, "we ird\\src");
	assert_string_equal(mi.v[2].super_opts, "rw,size=1024k");

	assert_int_equal(mi.v[3].id, 83);
	assert_string_equal(mi.v[3].mountpoint, "/tmp/e");
	assert_string_equal(mi.v[3].fstype, "tmpfs");
	assert_string_equal(mi.v[3].source, "");
	assert_string_equal(mi.v[3].super_opts, "rw");

	mountinfo_free(&mi);
	assert_int_equal(mi.n, 0);
	assert_null(mi.v);
}

/* Lines that are not mountinfo are skipped, the rest still read. */
static void test_mountinfo_skips_bad_lines(void **state)
{
	struct mountinfo mi;

	read_mountinfo_text("\n"
			    "garbage\n"
			    "1 2 3\n"
			    "40 31 0:37 / /no/separator rw,relatime cgroup cgroup rw\n"
			    "41 31 0:38 / /no/fstype rw,relatime -\n"
			    "42 31 0:38 / /no/source rw,relatime - tmpfs\n"
			    /* A backslash that is not an escape stays; no newline at the end. */
			    "43 31 0:39 / /ok\\x rw - tmpfs tmpfs",
			    &mi);
	assert_int_equal(mi.n, 1);
	assert_int_equal(mi.v[0].id, 43);
	assert_string_equal(mi.v[0].mountpoint, "/ok\\x");
	assert_string_equal(mi.v[0].source, "tmpfs");
	assert_string_equal(mi.v[0].super_opts, "");
	mountinfo_free(&mi);

	read_mountinfo_text("", &mi);
	assert_int_equal(mi.n, 0);
	mountinfo_free(&mi);
}

/* More lines than the first allocation holds. */
static void test_mountinfo_many_lines(void **state)
{
	size_t cap = 300 * 80, len = 0;
	char *text = malloc(cap);
	struct mountinfo mi;

	assert_non_null(text);
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"%d 1 0:%d / /m/%d rw - tmpfs tmpfs rw\n", 100 + i, i, i);
	read_mountinfo_text(text, &mi);
	free(text);
	assert_int_equal(mi.n, 300);
	assert_int_equal(mi.v[299].id, 399);
	assert_string_equal(mi.v[299].mountpoint, "/m/299");
	mountinfo_free(&mi);
}

static void test_mountinfo_missing_file(void **state)
{
	struct mountinfo mi;
	struct cubo_error *err = mountinfo_read("/nonexistent/cubo/mountinfo", &mi);

	assert_non_null(err);
	assert_int_equal(err->errnum, ENOENT);
	assert_int_equal(mi.n, 0);
	assert_null(mi.v);
	th_expect_text(err, "open /nonexistent/cubo/mountinfo");
}

/* The real file: "/" is always there, and our own mountinfo parses whole. */
static void test_mountinfo_self(void **state)
{
	struct mountinfo mi;
	size_t lines = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0)
		lines++;
	free(line);
	fclose(f);

	assert_null(mountinfo_read("/proc/self/mountinfo", &mi));
	assert_true(mi.n > 0);
	/* The same count unless a mount came or went in between. */
	assert_true(mi.n + 2 >= lines && mi.n <= lines + 2);
	const struct mountinfo_entry *root = mountinfo_find_parent(&mi, "/");
	bool root_listed = false;
	for (size_t i = 0; i < mi.n; i++)
		root_listed |= strcmp(mi.v[i].mountpoint, "/") == 0;
	/* chrooted, the mount holding "/" lies outside the root and is not listed */
	if (root_listed) {
		assert_non_null(root);
		assert_string_equal(root->mountpoint, "/");
	} else {
		assert_null(root);
	}
	mountinfo_free(&mi);
}

static void test_mountinfo_find_parent(void **state)
{
	struct mountinfo mi;

	read_mountinfo_text("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
			    "2 1 0:2 / /tmp rw - tmpfs tmpfs rw\n"
			    "3 2 0:3 / /tmp/a rw - tmpfs tmpfs rw\n"
			    "4 1 0:4 / /tmpx rw - tmpfs tmpfs rw\n"
			    /* Mounted over /tmp/a: the later line is the visible one. */
			    "5 3 0:5 / /tmp/a rw shared:7 - tmpfs over rw\n",
			    &mi);
	assert_int_equal(mi.n, 5);

	assert_int_equal(mountinfo_find_parent(&mi, "/")->id, 1);
	assert_int_equal(mountinfo_find_parent(&mi, "/usr/bin")->id, 1);
	assert_int_equal(mountinfo_find_parent(&mi, "/tmp")->id, 2);
	assert_int_equal(mountinfo_find_parent(&mi, "/tmp/b/c")->id, 2);
	/* A prefix only at a component boundary. */
	assert_int_equal(mountinfo_find_parent(&mi, "/tmpfoo")->id, 1);
	assert_int_equal(mountinfo_find_parent(&mi, "/tmpx/y")->id, 4);
	assert_int_equal(mountinfo_find_parent(&mi, "/tmp/ab")->id, 2);
	const struct mountinfo_entry *e = mountinfo_find_parent(&mi, "/tmp/a/rootfs");
	assert_int_equal(e->id, 5);
	assert_non_null(strstr(e->optional, "shared:"));
	mountinfo_free(&mi);

	struct mountinfo empty = {0};
	assert_null(mountinfo_find_parent(&empty, "/"));
}

/* ---- the host's cgroup layout ---- */

/* This machine's /proc/self/mountinfo: v1 controllers plus a cgroup2 "unified". */
static const char hybrid_mountinfo[] =
	"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	"23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
	"24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334460k,nr_inodes=3083615,"
	"mode=755\n"
	"27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,"
	"resgid=65534\n" TH_MOUNTINFO_HYBRID_CGROUPS;

static void test_cgroup_hybrid_layout(void **state)
{
	static const char *const want[][2] = {
		{"/sys/fs/cgroup/cpu", "cpu"},
		{"/sys/fs/cgroup/cpuacct", "cpuacct"},
		{"/sys/fs/cgroup/cpuset", "cpuset"},
		{"/sys/fs/cgroup/memory", "memory"},
		{"/sys/fs/cgroup/devices", "devices"},
		{"/sys/fs/cgroup/freezer", "freezer"},
		{"/sys/fs/cgroup/blkio", "blkio"},
		{"/sys/fs/cgroup/pids", "pids"},
		{"/sys/fs/cgroup/systemd", "name=systemd"},
	};
	struct mountinfo mi;
	size_t n_v1 = 0, n_v2 = 0;
	bool unified_root = false;

	read_mountinfo_text(hybrid_mountinfo, &mi);
	assert_int_equal(mi.n, 15);
	for (size_t i = 0; i < mi.n; i++) {
		const struct mountinfo_entry *e = &mi.v[i];
		bool v2 = true;

		unified_root |= mount_cgroup_is_unified_root(e);
		if (!mount_cgroup_is_hierarchy(e, &v2))
			continue;
		if (v2) {
			assert_string_equal(e->mountpoint, "/sys/fs/cgroup/unified");
			n_v2++;
			continue;
		}
		assert_true(n_v1 < sizeof(want) / sizeof(want[0]));
		assert_string_equal(e->mountpoint, want[n_v1][0]);
		char *controllers = mount_cgroup_v1_controllers(e->super_opts);
		assert_string_equal(controllers, want[n_v1][1]);
		free(controllers);
		n_v1++;
	}
	assert_int_equal(n_v1, 9);
	assert_int_equal(n_v2, 1);
	assert_false(unified_root);
	mountinfo_free(&mi);
}

static void test_cgroup_unified_layout(void **state)
{
	struct mountinfo mi;
	bool v2 = false;

	read_mountinfo_text(
		"23 27 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
		"26 23 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 "
		"cgroup2 rw,nsdelegate,memory_recursiveprot\n"
		/* Not under /sys/fs/cgroup, or only by name: not the host's layout. */
		"50 27 0:40 / /mnt/cg rw - cgroup cgroup rw,pids\n"
		"51 27 0:41 / /sys/fs/cgroupx rw - cgroup2 cgroup2 rw\n"
		"52 26 0:42 / /sys/fs/cgroup/tmp rw - tmpfs tmpfs rw\n",
		&mi);
	assert_int_equal(mi.n, 5);
	assert_false(mount_cgroup_is_unified_root(&mi.v[0]));
	assert_true(mount_cgroup_is_unified_root(&mi.v[1]));
	/* The root itself is mounted whole, not as a hierarchy beneath a tmpfs. */
	assert_false(mount_cgroup_is_hierarchy(&mi.v[1], &v2));
	assert_false(mount_cgroup_is_hierarchy(&mi.v[2], &v2));
	assert_false(mount_cgroup_is_hierarchy(&mi.v[3], &v2));
	assert_false(mount_cgroup_is_unified_root(&mi.v[3]));
	assert_false(mount_cgroup_is_hierarchy(&mi.v[4], &v2));
	mountinfo_free(&mi);
}

static void test_cgroup_v1_controllers(void **state)
{
	static const char *const cases[][2] = {
		{"rw,cpu,cpuacct", "cpu,cpuacct"},
		{"ro,net_cls,net_prio", "net_cls,net_prio"},
		{"rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd",
		 "name=systemd"},
		{"rw,cpuset,noprefix,cpuset_v2_mode,clone_children", "cpuset"},
		{"rw,memory,favordynmods", "memory"},
		{"rw,name=elogind", "name=elogind"},
		{"rw", ""},
		{"", ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = mount_cgroup_v1_controllers(cases[i][0]);
		assert_non_null(got);
		if (strcmp(got, cases[i][1]))
			fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i][0], got, cases[i][1]);
		free(got);
	}
}

/* ---- devices ---- */

static void test_device_spec_defaults(void **state)
{
	struct oci_device od = {
		.type = "c",
		.path = "/dev/fuse",
		.has_major = true,
		.major = 10,
		.has_minor = true,
		.minor = 229,
	};
	struct dev_spec d;

	assert_null(device_spec_from_config(&od, 0, &d));
	assert_string_equal(d.path, "/dev/fuse");
	assert_int_equal(d.type, 'c');
	assert_int_equal(d.major, 10);
	assert_int_equal(d.minor, 229);
	assert_int_equal(d.perm, 0666);
	assert_int_equal(d.uid, 0);
	assert_int_equal(d.gid, 0);
}

static void test_device_spec_explicit(void **state)
{
	struct oci_device od = {
		.type = "b",
		.path = "/dev/sda",
		.has_major = true,
		.major = 8,
		.has_minor = true,
		.minor = 0,
		.has_file_mode = true,
		.file_mode = 0432,
		.has_uid = true,
		.uid = 1000,
		.has_gid = true,
		.gid = 6,
	};
	struct dev_spec d;

	assert_null(device_spec_from_config(&od, 3, &d));
	assert_int_equal(d.type, 'b');
	assert_int_equal(d.major, 8);
	assert_int_equal(d.minor, 0);
	assert_int_equal(d.perm, 0432);
	assert_int_equal(d.uid, 1000);
	assert_int_equal(d.gid, 6);

	/* "u" (unbuffered character) is a character device too. */
	od.type = "u";
	assert_null(device_spec_from_config(&od, 3, &d));
	assert_int_equal(d.type, 'u');

	/* A FIFO needs no numbers. */
	struct oci_device fifo = {.type = "p", .path = "/dev/myfifo"};
	assert_null(device_spec_from_config(&fifo, 0, &d));
	assert_int_equal(d.type, 'p');
	assert_int_equal(d.perm, 0666);
}

static void test_device_spec_errors(void **state)
{
	struct oci_device od = {
		.type = "c",
		.path = "dev/null",
		.has_major = true,
		.major = 1,
		.has_minor = true,
		.minor = 3,
	};
	struct dev_spec d;

	th_expect_text(device_spec_from_config(&od, 2, &d),
		       "linux.devices[2].path: must be an absolute path");
	od.path = NULL;
	th_expect_text(device_spec_from_config(&od, 2, &d),
		       "linux.devices[2].path: must be an absolute path");
	od.path = "/dev/null";

	od.type = "x";
	th_expect_text(device_spec_from_config(&od, 1, &d),
		       "linux.devices[1].type: \"x\" is not c, b, u or p");
	od.type = "cc";
	th_expect_text(device_spec_from_config(&od, 1, &d), "\"cc\" is not c, b, u or p");
	od.type = "";
	th_expect_text(device_spec_from_config(&od, 1, &d), "\"\" is not c, b, u or p");
	od.type = NULL;
	th_expect_text(device_spec_from_config(&od, 1, &d), "\"\" is not c, b, u or p");

	od.type = "c";
	od.has_minor = false;
	th_expect_text(device_spec_from_config(&od, 4, &d),
		       "linux.devices[4]: major and minor are required for /dev/null");
	od.has_minor = true;
	od.has_major = false;
	th_expect_text(device_spec_from_config(&od, 4, &d), "major and minor are required");
}

/* With /dev bound from the host nothing is made: the rootfs fd is never used. */
static void test_devices_skip_bound_dev(void **state)
{
	struct oci_mount mounts[2] = {
		{.destination = "/proc", .type = "proc", .source = "proc"},
		{.destination = "//dev/", .type = "none", .source = "/dev"},
	};
	struct oci_config cfg = {.mounts = mounts, .n_mounts = 2};
	struct rootfs_ctx ctx = {.cfg = &cfg, .rootfs = "/nonexistent", .procfd = -1};

	mounts[1].options = split_options("rbind,nosuid");
	assert_null(devices_setup(&ctx, -1));
	strlist_free(&mounts[1].options);

	mounts[1].type = "bind";
	assert_null(devices_setup(&ctx, -1));

	/* A tmpfs on /dev is not the host's: devices are made (and fail on a bad fd). */
	mounts[1].type = "tmpfs";
	mounts[1].source = "tmpfs";
	struct cubo_error *err = devices_setup(&ctx, -1);
	assert_non_null(err);
	assert_int_equal(err->errnum, EBADF);
	th_expect_text(err, "device /dev/null");
}

/* ---- rootfs: what is refused before any mount ---- */

static void test_rootfs_shared_ns_checks(void **state)
{
	struct oci_mount m = {.destination = "/proc", .type = "proc", .source = "proc"};
	struct oci_root root = {.path = "rootfs", .readonly = true};
	struct oci_config cfg = {.root = &root, .mounts = &m, .n_mounts = 1};
	struct rootfs_ctx ctx = {.cfg = &cfg, .rootfs = "/nonexistent", .procfd = -1};

	/* a read-only root would need a mount at the rootfs itself */
	th_expect_text(rootfs_setup(&ctx), "root.readonly: needs a mount namespace");
	/* otherwise the mounts go under the rootfs, which must exist */
	root.readonly = false;
	th_expect_text(rootfs_setup(&ctx), "open rootfs /nonexistent");
}

static void test_rootfs_finalize_without_mount_ns(void **state)
{
	struct oci_namespace ns = {.type = "pid"};
	struct oci_linux lx = {.namespaces = &ns, .n_namespaces = 1};
	struct oci_root root = {.path = "rootfs"};
	struct oci_config cfg = {.root = &root, .linux_ = &lx};
	struct rootfs_ctx ctx = {.cfg = &cfg, .rootfs = "/nonexistent", .procfd = -1};

	/* the propagation of the caller's own mounts is not the container's */
	lx.rootfs_propagation = "rslave";
	th_expect_text(rootfs_finalize(&ctx), "linux.rootfsPropagation: needs a mount namespace");
	lx.rootfs_propagation = "";
	/* nothing to mask or protect: nothing to do */
	assert_null(rootfs_finalize(&ctx));
	cfg.linux_ = NULL;
	assert_null(rootfs_finalize(&ctx));
}

static void test_rootfs_bad_propagation(void **state)
{
	struct oci_linux lx = {.rootfs_propagation = "bogus"};
	struct oci_config cfg = {.linux_ = &lx};
	struct rootfs_ctx ctx = {
		.cfg = &cfg, .rootfs = "/nonexistent", .new_mount_ns = true, .procfd = -1};

	/* Refused before anything is mounted, with or without a mount namespace. */
	th_expect_text(rootfs_finalize(&ctx), "linux.rootfsPropagation: unknown value \"bogus\"");
	th_expect_text(rootfs_setup(&ctx), "linux.rootfsPropagation: unknown value \"bogus\"");
	lx.rootfs_propagation = "bind";
	th_expect_text(rootfs_setup(&ctx), "unknown value \"bind\"");
	ctx.new_mount_ns = false;
	th_expect_text(rootfs_finalize(&ctx), "unknown value \"bind\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_empty),
		cmocka_unit_test(test_opts_ro_nosuid_nodev_noexec),
		cmocka_unit_test(test_opts_every_flag_pair),
		cmocka_unit_test(test_opts_last_wins),
		cmocka_unit_test(test_opts_bind_rbind_remount_idmap),
		cmocka_unit_test(test_opts_recursive_attrs),
		cmocka_unit_test(test_opts_recursive_atime),
		cmocka_unit_test(test_opts_propagation),
		cmocka_unit_test(test_opts_too_many_propagation),
		cmocka_unit_test(test_propagation_flag),
		cmocka_unit_test(test_opts_data_in_order),
		cmocka_unit_test(test_opts_unknown_goes_to_data),
		cmocka_unit_test(test_opts_ignored),
		cmocka_unit_test(test_opts_to_attr),
		cmocka_unit_test(test_opts_to_attr_atime),
		cmocka_unit_test(test_mount_is_bind),
		cmocka_unit_test(test_bind_source),
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_mountinfo_fields),
		cmocka_unit_test(test_mountinfo_skips_bad_lines),
		cmocka_unit_test(test_mountinfo_many_lines),
		cmocka_unit_test(test_mountinfo_missing_file),
		cmocka_unit_test(test_mountinfo_self),
		cmocka_unit_test(test_mountinfo_find_parent),
		cmocka_unit_test(test_cgroup_hybrid_layout),
		cmocka_unit_test(test_cgroup_unified_layout),
		cmocka_unit_test(test_cgroup_v1_controllers),
		cmocka_unit_test(test_device_spec_defaults),
		cmocka_unit_test(test_device_spec_explicit),
		cmocka_unit_test(test_device_spec_errors),
		cmocka_unit_test(test_devices_skip_bound_dev),
		cmocka_unit_test(test_rootfs_shared_ns_checks),
		cmocka_unit_test(test_rootfs_finalize_without_mount_ns),
		cmocka_unit_test(test_rootfs_bad_propagation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

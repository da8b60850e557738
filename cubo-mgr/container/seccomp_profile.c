/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cubo-mgr/container/seccomp_default.h"
#include "cubo-mgr/container/seccomp_profile.h"
#include "shared/fs.h"
#include "shared/json.h"
#include "shared/strv.h"
#include "shared/xalloc.h"
#include "spec/features.h"

/* seccomp filters see six syscall arguments */
#define MAX_ARG_INDEX 5

void seccomp_host_native(struct seccomp_host *h, char release[65])
{
	struct utsname u;
	memset(h, 0, sizeof(*h));
	snprintf(release, 65, "%s", uname(&u) == 0 ? u.release : "0.0");
	h->kernel = release;
#if defined(__x86_64__)
	h->arch = "SCMP_ARCH_X86_64";
	h->goarch = "amd64";
#elif defined(__aarch64__)
	h->arch = "SCMP_ARCH_AARCH64";
	h->goarch = "arm64";
#elif defined(__i386__)
	h->arch = "SCMP_ARCH_X86";
	h->goarch = "386";
#elif defined(__arm__)
	h->arch = "SCMP_ARCH_ARM";
	h->goarch = "arm";
#else
	h->arch = "";
	h->goarch = "";
#endif
}

struct cubo_error *seccomp_profile_read(const char *path, char **json, size_t *len)
{
	return cubo_read_regular_file(path, SECCOMP_PROFILE_MAX, json, len);
}

/* "4.8" <= release ("6.1.0-13-amd64"); a minKernel that is not N.N is an error. */
static struct cubo_error *kernel_fits(const struct cubo_json_ctx *c, const char *release,
				      const char *min, bool *fits)
{
	unsigned a = 0, b = 0, x = 0, y = 0;
	char tail;
	if (sscanf(min, "%u.%u%c", &x, &y, &tail) != 2)
		return cubo_json_error(c, "minKernel \"%s\": expected MAJOR.MINOR", min);
	if (sscanf(release, "%u.%u", &a, &b) != 2)
		a = b = 0;
	*fits = a > x || (a == x && b >= y);
	return NULL;
}

/* includes (want true) or excludes (want false) of a rule: *keep goes false when unmet. */
static struct cubo_error *filter(struct cubo_json_ctx *c, yajl_val rule, const char *key,
				 const struct seccomp_host *h, bool *keep)
{
	bool inc = !strcmp(key, "includes");
	yajl_val o;
	CUBO_TRY(cubo_json_field_object(c, rule, key, false, &o));
	if (!o)
		return NULL;
	size_t mark = cubo_json_push_key(c, key);
	char **caps = NULL, **arches = NULL, *min = NULL;
	size_t nc = 0, na = 0;
	struct cubo_error *err = cubo_json_expect_object(c, o);
	if (!err)
		err = cubo_json_field_strv(c, o, "caps", false, &caps, &nc);
	if (!err)
		err = cubo_json_field_strv(c, o, "arches", false, &arches, &na);
	if (!err && inc)
		err = cubo_json_field_string(c, o, "minKernel", false, &min);
	if (!err && na) /* docker's names: amd64, arm64, ... */
		*keep &= cubo_strv_contains(arches, h->goarch) == inc;
	for (size_t i = 0; !err && i < nc; i++) {
		bool has = h->caps && cubo_strv_contains(h->caps, caps[i]);
		if (inc && !has) /* includes: every one; excludes: none */
			*keep = false;
		if (!inc && has)
			*keep = false;
	}
	bool fits = true;
	if (!err && min && *min)
		err = kernel_fits(c, h->kernel, min, &fits);
	*keep &= fits;
	cubo_json_pop(c, mark);
	cubo_strv_free(caps);
	cubo_strv_free(arches);
	free(min);
	return err;
}

static struct cubo_error *known(const struct cubo_json_ctx *c, const char *kind, const char *name)
{
	if (oci_seccomp_name_known(kind, name))
		return NULL;
	return cubo_json_error(c, "unknown %s \"%.100s\"", kind, name);
}

static struct cubo_error *rule_args(struct cubo_json_ctx *c, yajl_val rule,
				    struct oci_seccomp_syscall *r)
{
	yajl_val args;
	CUBO_TRY(cubo_json_field_array(c, rule, "args", false, &args));
	if (!args)
		return NULL;
	size_t n = YAJL_GET_ARRAY(args)->len;
	size_t mark = cubo_json_push_key(c, "args");
	r->args = xcalloc(n + 1, sizeof(*r->args));
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && i < n; i++) {
		yajl_val a = YAJL_GET_ARRAY(args)->values[i];
		struct oci_seccomp_arg *o = &r->args[r->n_args++];
		size_t m = cubo_json_push_index(c, i);
		err = cubo_json_expect_object(c, a);
		if (!err)
			err = cubo_json_field_uint32(c, a, "index", true, &o->index, NULL);
		if (!err && o->index > MAX_ARG_INDEX) {
			size_t k = cubo_json_push_key(c, "index");
			err = cubo_json_error(c, "%u: a syscall has arguments 0 to %d", o->index,
					      MAX_ARG_INDEX);
			cubo_json_pop(c, k);
		}
		if (!err)
			err = cubo_json_field_uint64(c, a, "value", false, &o->value, NULL);
		if (!err)
			err = cubo_json_field_uint64(c, a, "valueTwo", false, &o->value_two,
						     &o->has_value_two);
		if (!err)
			err = cubo_json_field_string(c, a, "op", true, &o->op);
		if (!err) {
			size_t k = cubo_json_push_key(c, "op");
			err = known(c, "operator", o->op);
			cubo_json_pop(c, k);
		}
		cubo_json_pop(c, m);
	}
	cubo_json_pop(c, mark);
	return err;
}

/* One syscalls[] entry, read into tmp's only rule. */
static struct cubo_error *rule_read(struct cubo_json_ctx *c, yajl_val v, struct oci_seccomp *tmp)
{
	char *action = NULL, *name = NULL;
	CUBO_TRY(cubo_json_field_string(c, v, "action", true, &action));
	struct oci_seccomp_syscall *r = ctr_seccomp_add_rule(tmp, action);
	free(action);
	size_t k = cubo_json_push_key(c, "action");
	struct cubo_error *err = known(c, "action", r->action);
	cubo_json_pop(c, k);
	if (!err)
		err = cubo_json_field_string(c, v, "name", false, &name);
	if (!err)
		err = cubo_json_field_strv(c, v, "names", false, &r->names.v, &r->names.n);
	if (!err && name && r->names.v)
		err = cubo_json_error(c, "use either 'name' or 'names', not both");
	if (!err && name) {
		size_t n = 0;
		cubo_strv_push(&r->names.v, &n, name);
		r->names.n = n;
	}
	if (!err && !r->names.n)
		err = cubo_json_error(c, "names: no syscall named");
	if (!err)
		err = cubo_json_field_uint32(c, v, "errnoRet", false, &r->errno_ret,
					     &r->has_errno_ret);
	if (!err)
		err = rule_args(c, v, r);
	free(name);
	return err;
}

/* A rule of s, unless its includes/excludes leave it out (checked whole all the same). */
static struct cubo_error *rule(struct cubo_json_ctx *c, yajl_val v, const struct seccomp_host *h,
			       struct oci_seccomp *s)
{
	CUBO_TRY(cubo_json_expect_object(c, v));
	bool keep = true;
	CUBO_TRY(filter(c, v, "includes", h, &keep));
	CUBO_TRY(filter(c, v, "excludes", h, &keep));
	struct oci_seccomp *tmp = xcalloc(1, sizeof(*tmp));
	struct cubo_error *err = rule_read(c, v, tmp);
	if (!err && keep) {
		struct oci_seccomp_syscall *r = ctr_seccomp_add_rule(s, "");
		free(r->action);
		*r = tmp->syscalls[0];
		tmp->n_syscalls = 0;
	}
	oci_seccomp_free(tmp);
	return err;
}

/* architectures, or archMap's entry for this host (its sub-architectures with it). */
static struct cubo_error *arches(struct cubo_json_ctx *c, yajl_val root,
				 const struct seccomp_host *h, struct oci_seccomp *s)
{
	yajl_val map;
	CUBO_TRY(cubo_json_field_strv(c, root, "architectures", false, &s->architectures.v,
				      &s->architectures.n));
	CUBO_TRY(cubo_json_field_array(c, root, "archMap", false, &map));
	if (map && s->architectures.v)
		return cubo_json_error(c, "both 'architectures' and 'archMap' are specified, use "
					  "either 'architectures' or 'archMap'");
	size_t mark = cubo_json_push_key(c, "archMap");
	struct cubo_error *err = NULL;
	for (size_t i = 0; !err && map && i < YAJL_GET_ARRAY(map)->len; i++) {
		yajl_val e = YAJL_GET_ARRAY(map)->values[i];
		size_t m = cubo_json_push_index(c, i);
		char *arch = NULL, **subs = NULL;
		size_t ns = 0;
		err = cubo_json_expect_object(c, e);
		if (!err)
			err = cubo_json_field_string(c, e, "architecture", true, &arch);
		if (!err)
			err = cubo_json_field_strv(c, e, "subArchitectures", false, &subs, &ns);
		if (!err && !strcmp(arch, h->arch) && !s->architectures.v) {
			size_t n = 0;
			cubo_strv_push(&s->architectures.v, &n, arch);
			for (size_t j = 0; j < ns; j++)
				cubo_strv_push(&s->architectures.v, &n, subs[j]);
			s->architectures.n = n;
		}
		free(arch);
		cubo_strv_free(subs);
		cubo_json_pop(c, m);
	}
	cubo_json_pop(c, mark);
	mark = cubo_json_push_key(c, "architectures");
	for (size_t i = 0; !err && i < s->architectures.n; i++)
		err = known(c, "arch", s->architectures.v[i]);
	cubo_json_pop(c, mark);
	return err;
}

static struct cubo_error *convert(struct cubo_json_ctx *c, yajl_val root,
				  const struct seccomp_host *h, struct oci_seccomp *s)
{
	CUBO_TRY(cubo_json_expect_object(c, root));
	CUBO_TRY(cubo_json_field_string(c, root, "defaultAction", true, &s->default_action));
	size_t k = cubo_json_push_key(c, "defaultAction");
	struct cubo_error *err = known(c, "action", s->default_action);
	cubo_json_pop(c, k);
	CUBO_TRY(err);
	CUBO_TRY(cubo_json_field_uint32(c, root, "defaultErrnoRet", false, &s->default_errno_ret,
					&s->has_default_errno_ret));
	CUBO_TRY(arches(c, root, h, s));
	CUBO_TRY(cubo_json_field_strv(c, root, "flags", false, &s->flags.v, &s->flags.n));
	k = cubo_json_push_key(c, "flags");
	for (size_t i = 0; !err && i < s->flags.n; i++)
		err = known(c, "flag", s->flags.v[i]);
	cubo_json_pop(c, k);
	CUBO_TRY(err);
	CUBO_TRY(cubo_json_field_string(c, root, "listenerPath", false, &s->listener_path));
	CUBO_TRY(cubo_json_field_string(c, root, "listenerMetadata", false, &s->listener_metadata));
	yajl_val calls;
	CUBO_TRY(cubo_json_field_array(c, root, "syscalls", false, &calls));
	k = cubo_json_push_key(c, "syscalls");
	for (size_t i = 0; !err && calls && i < YAJL_GET_ARRAY(calls)->len; i++) {
		size_t m = cubo_json_push_index(c, i);
		err = rule(c, YAJL_GET_ARRAY(calls)->values[i], h, s);
		cubo_json_pop(c, m);
	}
	cubo_json_pop(c, k);
	return err;
}

struct cubo_error *seccomp_profile_convert(const char *json, size_t len, const char *source,
					   const struct seccomp_host *h, struct oci_seccomp **out)
{
	yajl_val root;
	CUBO_TRY(cubo_json_parse(json, len, source, &root));
	struct cubo_json_ctx c;
	cubo_json_ctx_init(&c, source);
	struct oci_seccomp *s = xcalloc(1, sizeof(*s));
	struct cubo_error *err = convert(&c, root, h, s);
	yajl_tree_free(root);
	if (err) {
		oci_seccomp_free(s);
		return err;
	}
	*out = s;
	return NULL;
}

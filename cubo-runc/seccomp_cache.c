/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiled seccomp filters, kept by content. Compiling docker's default
 * profile (some 400 rules for three architectures) takes libseccomp about
 * ten milliseconds, more than the rest of a container's creation; a manager
 * gives every container the same profile.
 *
 * The profile is written out field by field with the libseccomp version
 * (the "key"); a file named by the key's FNV-1a hash holds the key and the
 * BPF that compiling it produced. A hit needs the whole key to match, byte
 * for byte: a colliding profile can only miss the cache, never get another
 * profile's filter. A file that does not read back is compiled again and
 * replaced. No cryptographic hash is needed, so the runtime does not load
 * libcrypto.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubo-runc/seccomp.h"
#include "shared/fs.h"
#include "shared/xalloc.h"

struct key {
	unsigned char *buf;
	size_t len, cap;
};

static void put(struct key *k, const void *p, size_t n)
{
	if (k->len + n > k->cap) {
		k->cap = 2 * (k->len + n) + 256;
		k->buf = xrealloc(k->buf, k->cap);
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
}

static void put_u64(struct key *k, uint64_t v)
{
	put(k, &v, sizeof(v));
}

/* The length first, so that ("ab","c") and ("a","bc") differ; absent is a length no string has. */
static void put_str(struct key *k, const char *s)
{
	if (!s) {
		put_u64(k, UINT64_MAX);
		return;
	}
	size_t n = strlen(s);
	put_u64(k, n);
	put(k, s, n);
}

static void put_list(struct key *k, const struct oci_strlist *l)
{
	put_u64(k, l->n);
	for (size_t i = 0; i < l->n; i++)
		put_str(k, l->v[i]);
}

static void profile_key(const struct oci_seccomp *sc, struct key *k)
{
	const struct scmp_version *v = seccomp_version();
	put_str(k, "cubo-seccomp-cache 2"); /* 2: with the ENOSYS stub */
	put_u64(k, v ? (uint64_t)v->major << 32 | v->minor << 16 | v->micro : 0);
	put_str(k, sc->default_action);
	put_u64(k, sc->has_default_errno_ret ? sc->default_errno_ret + 1ull : 0);
	put_list(k, &sc->architectures);
	put_list(k, &sc->flags);
	put_str(k, sc->listener_path);
	put_u64(k, sc->n_syscalls);
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct oci_seccomp_syscall *s = &sc->syscalls[i];
		put_list(k, &s->names);
		put_str(k, s->action);
		put_u64(k, s->has_errno_ret ? s->errno_ret + 1ull : 0);
		put_u64(k, s->n_args);
		for (size_t j = 0; j < s->n_args; j++) {
			put_u64(k, s->args[j].index);
			put_u64(k, s->args[j].value);
			put_u64(k, s->args[j].has_value_two ? 1 : 0);
			put_u64(k, s->args[j].value_two);
			put_str(k, s->args[j].op);
		}
	}
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* The filter in a cache file whose key is exactly k; NULL when it is not that. */
static struct seccomp_prog *read_entry(const char *data, size_t len, const struct key *k)
{
	uint64_t klen;
	if (len < sizeof(klen))
		return NULL;
	memcpy(&klen, data, sizeof(klen));
	if (klen != k->len || len - sizeof(klen) < klen ||
	    memcmp(data + sizeof(klen), k->buf, k->len))
		return NULL;
	struct seccomp_prog *p;
	size_t off = sizeof(klen) + k->len;
	struct cubo_error *err = seccomp_prog_import(data + off, len - off, &p);
	if (err) {
		cubo_error_free(err);
		return NULL;
	}
	return p;
}

static struct cubo_error *write_entry(const char *path, const struct key *k,
				      const struct seccomp_prog *p)
{
	void *bpf;
	size_t n;
	CUBO_TRY(seccomp_prog_export(p, &bpf, &n));
	struct key out = {0};
	put_u64(&out, k->len);
	put(&out, k->buf, k->len);
	put(&out, bpf, n);
	free(bpf);
	struct cubo_error *err = cubo_write_file_atomic(path, out.buf, out.len, 0600);
	free(out.buf);
	return err;
}

struct cubo_error *seccomp_prog_compile_cached(const struct oci_seccomp *sc,
					       const struct cubo_log *log, const char *cache_dir,
					       struct seccomp_prog **out)
{
	if (!cache_dir)
		return seccomp_prog_compile(sc, log, out);
	struct key k = {0};
	profile_key(sc, &k);
	char name[32];
	snprintf(name, sizeof(name), "v1-%016llx", (unsigned long long)fnv1a(k.buf, k.len));
	char *path = cubo_path_join(cache_dir, name);
	char *data = NULL;
	size_t len;
	struct cubo_error *err = cubo_read_file(path, &data, &len);
	if (!err) {
		*out = read_entry(data, len, &k);
		free(data);
		if (*out) {
			free(path);
			free(k.buf);
			return NULL;
		}
		cubo_debug(log, "seccomp cache %s: another profile or damaged: compiling", path);
	}
	cubo_error_free(err);
	err = seccomp_prog_compile(sc, log, out);
	if (!err) {
		struct cubo_error *keep = cubo_mkdir_p(cache_dir, 0700);
		if (!keep)
			keep = write_entry(path, &k, *out);
		if (keep) { /* a cache that cannot be written costs time, not correctness */
			cubo_debug(log, "seccomp cache %s: %s", path, keep->msg);
			cubo_error_free(keep);
		}
	}
	free(path);
	free(k.buf);
	return err;
}

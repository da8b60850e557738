/* SPDX-License-Identifier: Apache-2.0 */
/* Platforms (os/arch/variant) as docker names and matches them, and chain IDs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/json.h"
#include "shared/xalloc.h"
#include "spec/image.h"

/* Docker's normalisation: kernel and distribution spellings -> GOARCH names. */
static void normalize(struct oci_platform *p)
{
	static const struct {
		const char *from, *arch, *variant;
	} arches[] = {
		{"x86_64", "amd64", NULL}, {"x86-64", "amd64", NULL},	 {"aarch64", "arm64", NULL},
		{"armhf", "arm", "v7"},	   {"armel", "arm", "v6"},	 {"i386", "386", NULL},
		{"i686", "386", NULL},	   {"ppc64el", "ppc64le", NULL},
	};
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		if (strcmp(p->architecture, arches[i].from))
			continue;
		free(p->architecture);
		p->architecture = xstrdup(arches[i].arch);
		if (arches[i].variant && !p->variant)
			p->variant = xstrdup(arches[i].variant);
	}
	/* arm64 has one variant in practice: v8 is the same as none */
	if (!strcmp(p->architecture, "arm64") && p->variant && !strcmp(p->variant, "v8")) {
		free(p->variant);
		p->variant = NULL;
	}
	if (!strcmp(p->architecture, "arm") && !p->variant)
		p->variant = xstrdup("v7");
}

struct cubo_error *oci_platform_parse(const char *s, struct oci_platform *out)
{
	memset(out, 0, sizeof(*out));
	const char *a = strchr(s, '/');
	const char *v = a ? strchr(a + 1, '/') : NULL;
	if (!a || a == s || !a[1] || a[1] == '/' || (v && (!v[1] || strchr(v + 1, '/'))))
		return cubo_error_new("platform \"%s\": expected OS/ARCH[/VARIANT]", s);
	out->os = xstrndup(s, (size_t)(a - s));
	out->architecture = v ? xstrndup(a + 1, (size_t)(v - a - 1)) : xstrdup(a + 1);
	out->variant = v ? xstrdup(v + 1) : NULL;
	normalize(out);
	return NULL;
}

struct cubo_error *oci_platform_host(struct oci_platform *out)
{
	memset(out, 0, sizeof(*out));
#if defined(__x86_64__)
	const char *arch = "amd64", *variant = NULL;
#elif defined(__aarch64__)
	const char *arch = "arm64", *variant = NULL;
#elif defined(__arm__) && defined(__ARM_ARCH_7A__)
	const char *arch = "arm", *variant = "v7";
#elif defined(__arm__)
	const char *arch = "arm", *variant = "v6";
#elif defined(__i386__)
	const char *arch = "386", *variant = NULL;
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const char *arch = "ppc64le", *variant = NULL;
#elif defined(__s390x__)
	const char *arch = "s390x", *variant = NULL;
#elif defined(__riscv) && __riscv_xlen == 64
	const char *arch = "riscv64", *variant = NULL;
#else
	return cubo_error_new("this machine's architecture has no OCI name: use --platform");
#endif
	out->os = xstrdup("linux");
	out->architecture = xstrdup(arch);
	out->variant = xstrdup(variant);
	return NULL;
}

char *oci_platform_string(const struct oci_platform *p)
{
	const char *os = p->os ? p->os : "?", *arch = p->architecture ? p->architecture : "?";

	return p->variant ? xasprintf("%s/%s/%s", os, arch, p->variant)
			  : xasprintf("%s/%s", os, arch);
}

/*
 * 0: no match; higher is better. An exact variant beats a missing one, so
 * an index with both "arm64" and "arm64/v8" entries picks the stated one.
 */
static int match_score(const struct oci_platform *entry, const struct oci_platform *want)
{
	struct oci_platform e = {
		.os = xstrdup(entry->os),
		.architecture = xstrdup(entry->architecture),
		.variant = xstrdup(entry->variant),
	};
	int score = 0;
	if (!e.os || !e.architecture)
		goto out;
	normalize(&e);
	if (strcmp(e.os, want->os) || strcmp(e.architecture, want->architecture))
		goto out;
	if (!want->variant)
		score = e.variant ? 1 : 2;
	else if (e.variant && !strcmp(e.variant, want->variant))
		score = 2;
out:
	oci_platform_free(&e);
	return score;
}

bool oci_platform_matches(const struct oci_platform *have, const struct oci_platform *want)
{
	return match_score(have, want) > 0;
}

struct cubo_error *oci_index_select(const struct oci_index *idx, const struct oci_platform *want,
				    size_t *out)
{
	int best = 0;
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct oci_platform *p = idx->manifests[i].platform;
		int s = p ? match_score(p, want) : 0;
		if (s > best) {
			best = s;
			*out = i;
		}
	}
	if (best)
		return NULL;
	char *w = oci_platform_string(want);
	char *list = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&list, &len);
	for (size_t i = 0; f && i < idx->n_manifests; i++) {
		const struct oci_platform *p = idx->manifests[i].platform;
		char *s = p ? oci_platform_string(p) : NULL;
		if (s)
			fprintf(f, "%s%s", ftell(f) > 0 ? ", " : "", s);
		free(s);
	}
	if (f)
		fclose(f);
	struct cubo_error *err = cubo_error_new("no image for %s (available: %s)", w ? w : "?",
						list && *list ? list : "none");
	free(w);
	free(list);
	return err;
}

struct cubo_error *oci_chain_ids(char *const *diff_ids, size_t n, char (*out)[CUBO_DIGEST_LEN + 1])
{
	for (size_t i = 0; i < n; i++) {
		if (!cubo_digest_valid(diff_ids[i]))
			return cubo_error_new("diff_id \"%s\" is not a sha256 digest", diff_ids[i]);
		if (i == 0) {
			memcpy(out[0], diff_ids[0], CUBO_DIGEST_LEN + 1);
			continue;
		}
		char buf[2 * CUBO_DIGEST_LEN + 2];
		snprintf(buf, sizeof(buf), "%s %s", out[i - 1], diff_ids[i]);
		CUBO_TRY(cubo_sha256_buffer(buf, strlen(buf), out[i]));
	}
	return NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include "shared/digest.h"
#include "shared/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHA256_LEN 32
#define FILE_CHUNK (64 * 1024)

struct cubo_sha256 {
	EVP_MD_CTX *ctx;
};

/* OpenSSL keeps its reason in a thread-local queue; take it into the error. */
static struct cubo_error *openssl_error(const char *what)
{
	char reason[256] = "unknown OpenSSL error";
	unsigned long code = ERR_get_error();

	if (code)
		ERR_error_string_n(code, reason, sizeof(reason));
	ERR_clear_error();
	return cubo_error_new("sha256: %s: %s", what, reason);
}

struct cubo_error *cubo_sha256_new(struct cubo_sha256 **out)
{
	struct cubo_sha256 *h;

	*out = NULL;
	h = xcalloc(1, sizeof(*h));
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx) {
		free(h);
		return openssl_error("allocate context");
	}
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		cubo_sha256_free(h);
		return openssl_error("init");
	}
	*out = h;
	return NULL;
}

struct cubo_error *cubo_sha256_update(struct cubo_sha256 *h, const void *data, size_t len)
{
	if (len == 0)
		return NULL;
	if (EVP_DigestUpdate(h->ctx, data, len) != 1)
		return openssl_error("update");
	return NULL;
}

struct cubo_error *cubo_sha256_final(struct cubo_sha256 *h, char out[CUBO_DIGEST_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 || mdlen != SHA256_LEN)
		return openssl_error("final");
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < mdlen; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[7 + 2 * i + 1] = hex[md[i] & 0xf];
	}
	out[CUBO_DIGEST_LEN] = '\0';
	return NULL;
}

void cubo_sha256_free(struct cubo_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

struct cubo_error *cubo_sha256_buffer(const void *data, size_t len, char out[CUBO_DIGEST_LEN + 1])
{
	struct cubo_sha256 *h;
	struct cubo_error *err;

	CUBO_TRY(cubo_sha256_new(&h));
	err = cubo_sha256_update(h, data, len);
	if (!err)
		err = cubo_sha256_final(h, out);
	cubo_sha256_free(h);
	return err;
}

struct cubo_error *cubo_sha256_file(const char *path, char out[CUBO_DIGEST_LEN + 1])
{
	struct cubo_sha256 *h = NULL;
	struct cubo_error *err = NULL;
	unsigned char *buf = NULL;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cubo_error_errno("sha256 %s: open", path);
	buf = xmalloc(FILE_CHUNK);
	err = cubo_error_wrap(cubo_sha256_new(&h), "%s", path);
	if (err)
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, FILE_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = cubo_error_errno("sha256 %s: read", path);
			goto out;
		}
		if (n == 0)
			break;
		err = cubo_error_wrap(cubo_sha256_update(h, buf, (size_t)n), "%s", path);
		if (err)
			goto out;
	}
	err = cubo_error_wrap(cubo_sha256_final(h, out), "%s", path);
out:
	cubo_sha256_free(h);
	free(buf);
	close(fd);
	return err;
}

bool cubo_digest_valid(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7) != 0)
		return false;
	for (int i = 0; i < 64; i++) {
		char c = s[7 + i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return s[CUBO_DIGEST_LEN] == '\0';
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming sha256 digests (OpenSSL EVP) in OCI form "sha256:<64 hex>". */
#ifndef CUBO_SHARED_DIGEST_H
#define CUBO_SHARED_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"

#define CUBO_DIGEST_LEN (7 + 64) /* "sha256:" + hex */

struct cubo_sha256; /* opaque */

struct cubo_error *cubo_sha256_new(struct cubo_sha256 **out);
struct cubo_error *cubo_sha256_update(struct cubo_sha256 *h, const void *data, size_t len);
/* Writes "sha256:<hex>" (CUBO_DIGEST_LEN + 1 bytes with NUL). */
struct cubo_error *cubo_sha256_final(struct cubo_sha256 *h, char out[CUBO_DIGEST_LEN + 1]);
void cubo_sha256_free(struct cubo_sha256 *h);
struct cubo_error *cubo_sha256_buffer(const void *data, size_t len, char out[CUBO_DIGEST_LEN + 1]);
struct cubo_error *cubo_sha256_file(const char *path, char out[CUBO_DIGEST_LEN + 1]);
/* True for "sha256:" followed by exactly 64 lowercase hex digits. */
bool cubo_digest_valid(const char *s);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 (FIPS 180-4), for the daemon's result cache: the keys that name
 * its entries and the checksums that tell a damaged entry from a good one.
 * Incremental (init, update as often as needed, final) and plain C, so
 * the client can link it too without a new library; on x86 with the SHA
 * extensions it uses them (the client hashes every source it offers). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE    (2 * SHA256_DIGEST_SIZE + 1) /* with the NUL */

struct sha256 {
  uint32_t h[8];
  uint64_t length; /* bytes hashed so far */
  uint8_t  block[64];
  size_t   used; /* bytes in block */
};

void sha256_init(struct sha256 *ctx);
void sha256_update(struct sha256 *ctx, const void *data, size_t len);
/* The digest of everything given; ctx must be initialised again before
 * it is reused. */
void sha256_final(struct sha256 *ctx, uint8_t ret_digest[SHA256_DIGEST_SIZE]);

/* The digest of one buffer. */
void sha256_buffer(const void *data, size_t len,
                   uint8_t ret_digest[SHA256_DIGEST_SIZE]);

/* Whether to use the CPU's SHA extensions where it has them (the default:
 * yes); returns whether they are in use now. For the tests, which compare
 * both ways. */
bool sha256_use_extensions(bool wanted);

/* Lowercase hexadecimal, NUL-terminated. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE],
                char          ret_hex[SHA256_HEX_SIZE]);

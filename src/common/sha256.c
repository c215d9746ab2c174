/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sha256.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#  include <cpuid.h>
#  include <immintrin.h>
#  define SHA256_X86 1
#endif

static const uint32_t sha256_k[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
  0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
  return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t x)
{
  p[0] = (uint8_t)(x >> 24);
  p[1] = (uint8_t)(x >> 16);
  p[2] = (uint8_t)(x >> 8);
  p[3] = (uint8_t)x;
}

static void sha256_compress(uint32_t h[8], const uint8_t block[64])
{
  uint32_t w[64];
  uint32_t v[8];

  for (unsigned i = 0; i < 16; i++) {
    w[i] = load_be32(block + 4 * i);
  }
  for (unsigned i = 16; i < 64; i++) {
    uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i]        = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(v, h, sizeof(v));
  for (unsigned i = 0; i < 64; i++) {
    uint32_t s1  = ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25);
    uint32_t ch  = (v[4] & v[5]) ^ (~v[4] & v[6]);
    uint32_t t1  = v[7] + s1 + ch + sha256_k[i] + w[i];
    uint32_t s0  = ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22);
    uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    uint32_t t2  = s0 + maj;
    v[7]         = v[6];
    v[6]         = v[5];
    v[5]         = v[4];
    v[4]         = v[3] + t1;
    v[3]         = v[2];
    v[2]         = v[1];
    v[1]         = v[0];
    v[0]         = t1 + t2;
  }
  for (unsigned i = 0; i < 8; i++) {
    h[i] += v[i];
  }
}

#ifdef SHA256_X86
/* The x86 SHA extensions (SHA-NI): the state as two vectors, ABEF and
 * CDGH; each sha256rnds2 does two rounds, sha256msg1/msg2 extend the
 * schedule four words at a time. About ten times the portable speed. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
  sha256_blocks_x86(uint32_t h[8], const uint8_t *p, size_t n)
{
  const __m128i bswap =
    _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i dcba = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);
  __m128i hgfe = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);

  for (; n > 0; n--, p += 64) {
    __m128i w[4], abef_in = abef, cdgh_in = cdgh;
    for (unsigned g = 0; g < 16; g++) {
      __m128i m;
      if (g < 4) {
        m = _mm_shuffle_epi8(
          _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)), bswap);
      } else { /* from w[g-4], w[g-3], w[g-2], w[g-1] */
        m = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
        m =
          _mm_add_epi32(m, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
        m = _mm_sha256msg2_epu32(m, w[(g + 3) & 3]);
      }
      w[g & 3]  = m;
      __m128i k = _mm_add_epi32(
        m, _mm_loadu_si128((const __m128i *)(const void *)&sha256_k[4 * g]));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(k, 0x0e));
    }
    abef = _mm_add_epi32(abef, abef_in);
    cdgh = _mm_add_epi32(cdgh, cdgh_in);
  }
  __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
  _mm_storeu_si128((__m128i *)(void *)&h[0], _mm_blend_epi16(feba, dchg, 0xf0));
  _mm_storeu_si128((__m128i *)(void *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

static bool cpu_has_sha(void)
{
  unsigned a, b, c, d;

  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) ||
      !(c & bit_SSSE3)) {
    return false;
  }
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#endif

/* -1: not yet asked of the CPU. */
static int use_extensions = -1;

bool sha256_use_extensions(bool wanted)
{
#ifdef SHA256_X86
  use_extensions = wanted && cpu_has_sha();
#else
  use_extensions = 0;
  (void)wanted;
#endif
  return use_extensions == 1;
}

/* n blocks of 64 bytes at p into h. */
static void sha256_blocks(uint32_t h[8], const uint8_t *p, size_t n)
{
  if (use_extensions < 0) {
    sha256_use_extensions(true);
  }
#ifdef SHA256_X86
  if (use_extensions == 1) {
    sha256_blocks_x86(h, p, n);
    return;
  }
#endif
  for (; n > 0; n--, p += 64) {
    sha256_compress(h, p);
  }
}

void sha256_init(struct sha256 *ctx)
{
  static const uint32_t iv[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  };

  memcpy(ctx->h, iv, sizeof(iv));
  ctx->length = 0;
  ctx->used   = 0;
}

void sha256_update(struct sha256 *ctx, const void *data, size_t len)
{
  const uint8_t *p = data;

  if (len == 0) {
    return; /* data may be NULL then: memcpy must not see it */
  }
  ctx->length += len;
  if (ctx->used > 0) {
    size_t take = sizeof(ctx->block) - ctx->used;
    take        = take < len ? take : len;
    memcpy(ctx->block + ctx->used, p, take);
    ctx->used += take;
    p += take;
    len -= take;
    if (ctx->used < sizeof(ctx->block)) {
      return;
    }
    sha256_blocks(ctx->h, ctx->block, 1);
    ctx->used = 0;
  }
  size_t blocks = len / sizeof(ctx->block);
  sha256_blocks(ctx->h, p, blocks);
  p += blocks * sizeof(ctx->block);
  len -= blocks * sizeof(ctx->block);
  if (len > 0) {
    memcpy(ctx->block, p, len);
    ctx->used = len;
  }
}

void sha256_final(struct sha256 *ctx, uint8_t ret_digest[SHA256_DIGEST_SIZE])
{
  uint64_t bits    = ctx->length * 8;
  uint8_t  pad[72] = { 0x80 };
  /* 0x80, zeros up to 56 mod 64, then the length in bits, big-endian */
  size_t pad_len = (ctx->used < 56 ? 56 : 120) - ctx->used;

  for (unsigned i = 0; i < 8; i++) {
    pad[pad_len + i] = (uint8_t)(bits >> (56 - 8 * i));
  }
  sha256_update(ctx, pad, pad_len + 8);
  for (unsigned i = 0; i < 8; i++) {
    store_be32(ret_digest + 4 * i, ctx->h[i]);
  }
}

void sha256_buffer(const void *data, size_t len,
                   uint8_t ret_digest[SHA256_DIGEST_SIZE])
{
  struct sha256 ctx;

  sha256_init(&ctx);
  sha256_update(&ctx, data, len);
  sha256_final(&ctx, ret_digest);
}

void sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE],
                char          ret_hex[SHA256_HEX_SIZE])
{
  static const char digits[] = "0123456789abcdef";

  for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
    ret_hex[2 * i]     = digits[digest[i] >> 4];
    ret_hex[2 * i + 1] = digits[digest[i] & 0xf];
  }
  ret_hex[2 * SHA256_DIGEST_SIZE] = '\0';
}

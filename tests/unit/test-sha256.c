/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"

/* The FIPS 180-4 examples and the NIST test vectors, portably and with
 * the CPU's SHA extensions where it has them. */
static void check_vectors(void)
{
  static const struct {
    const char *text;
    size_t      repeat;
    const char *hex;
  } cases[] = {
    { "",                                                                 1,
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"                                                                               },
    { "abc",                                                              1,
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"                                                                               },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",         1,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"                                                                               },
    { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
      "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",            1,       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
    { "a",                                                                1000000,
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"                                                                               },
    /* 55, 56 and 64 bytes: the padding's edges */
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",          1,
     "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"                                                                               },
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",         1,
     "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"                                                                               },
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1,
     "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"                                                                               },
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct sha256 ctx;
    uint8_t       digest[SHA256_DIGEST_SIZE];
    char          hex[SHA256_HEX_SIZE];
    size_t        len = strlen(cases[i].text);

    sha256_init(&ctx);
    for (size_t n = 0; n < cases[i].repeat; n++) {
      sha256_update(&ctx, cases[i].text, len);
    }
    sha256_final(&ctx, digest);
    sha256_hex(digest, hex);
    if (strcmp(hex, cases[i].hex) != 0) {
      fail_msg("case %zu (\"%.16s\" x %zu): %s", i, cases[i].text,
               cases[i].repeat, hex);
    }
  }
}

static void test_vectors(void **state)
{
  (void)state;
  sha256_use_extensions(false);
  check_vectors();
  if (sha256_use_extensions(true)) {
    check_vectors();
  }
}

/* The extensions give the portable digest for every length up to a few
 * blocks and for data at every alignment. */
static void test_extensions_agree(void **state)
{
  static uint8_t data[4096 + 16];
  uint32_t       x = 12345;

  (void)state;
  if (!sha256_use_extensions(true)) {
    skip(); /* this CPU has none: the portable code is all there is */
  }
  for (size_t i = 0; i < sizeof(data); i++) {
    x       = x * 1103515245 + 12345;
    data[i] = (uint8_t)(x >> 16);
  }
  for (size_t len = 0; len <= 4096; len += len < 300 ? 1 : 61) {
    uint8_t fast[SHA256_DIGEST_SIZE], slow[SHA256_DIGEST_SIZE];
    size_t  at = len % 16;
    sha256_use_extensions(true);
    sha256_buffer(data + at, len, fast);
    sha256_use_extensions(false);
    sha256_buffer(data + at, len, slow);
    if (memcmp(fast, slow, sizeof(fast)) != 0) {
      fail_msg("%zu bytes at offset %zu: the digests differ", len, at);
    }
  }
  sha256_use_extensions(true);
}

/* Any split of the input into two updates gives the one-shot digest. */
static void test_splits(void **state)
{
  uint8_t data[300];
  uint8_t whole[SHA256_DIGEST_SIZE];

  (void)state;
  for (size_t i = 0; i < sizeof(data); i++) {
    data[i] = (uint8_t)(i * 7 + 3);
  }
  sha256_buffer(data, sizeof(data), whole);
  for (size_t cut = 0; cut <= sizeof(data); cut++) {
    struct sha256 ctx;
    uint8_t       parts[SHA256_DIGEST_SIZE];

    sha256_init(&ctx);
    sha256_update(&ctx, data, cut);
    sha256_update(&ctx, data + cut, sizeof(data) - cut);
    sha256_final(&ctx, parts);
    if (memcmp(parts, whole, sizeof(whole)) != 0) {
      fail_msg("split at %zu", cut);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_vectors),
    cmocka_unit_test(test_splits),
    cmocka_unit_test(test_extensions_agree),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

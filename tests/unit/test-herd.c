/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the native extension's codec (herd.h) as the server reads a
 * connection's first bytes: the dialect its opening says, from buffers
 * of exactly their length (no NUL after them), and the client's hello. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "herd.h"
#include "macro.h"

/* A string literal as bytes and length. */
#define WIRE(s) s, sizeof(s) - 1

static const struct {
  const char       *bytes;
  size_t            len;
  enum herd_opening want;
} opening_cases[] = {
  { WIRE(""),                   HERD_OPENING_PARTIAL },
  { WIRE("H"),                  HERD_OPENING_PARTIAL },
  { WIRE("HER"),                HERD_OPENING_PARTIAL },
  { WIRE("HERD"),               HERD_OPENING_PARTIAL },
  { WIRE("HERD0000000"),        HERD_OPENING_PARTIAL },
  { WIRE("HERD00000001"),       HERD_OPENING_HELLO   },
  { WIRE("HERD00000002DIST"),   HERD_OPENING_HELLO   },
  { WIRE("HERDzzzzzzzz"),       HERD_OPENING_HELLO   }, /* parsed, then refused */
  { WIRE("D"),                  HERD_OPENING_CLASSIC },
  { WIRE("DIST00000001"),       HERD_OPENING_CLASSIC },
  { WIRE("HEX"),                HERD_OPENING_CLASSIC },
  { WIRE("herd00000001"),       HERD_OPENING_CLASSIC },
  { WIRE("\0ERD"),              HERD_OPENING_CLASSIC },
  { WIRE("GET / HTTP/1.0\r\n"), HERD_OPENING_CLASSIC },
};

static void test_opening(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(opening_cases); i++) {
    /* An exact copy on the heap: a read past its end is an error under
     * the sanitizers and valgrind. */
    size_t len = opening_cases[i].len;
    char  *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    memcpy(buf, opening_cases[i].bytes, len);
    enum herd_opening got = herd_opening(len ? buf : NULL, len);
    free(buf);
    if (got != opening_cases[i].want) {
      fail_msg("case %zu (%zu bytes): %d, expected %d", i, len, (int)got,
               (int)opening_cases[i].want);
    }
  }
}

static const struct {
  const char *bytes; /* PROTO_HEADER_LEN of them */
  int         want;
  uint32_t    version;
} hello_cases[] = {
  { "HERD00000001", 0,       1            },
  { "HERD00000002", 0,       2            },
  { "HERD000000ff", 0,       HERD_VERSION }, /* a newer client: ours */
  { "HERD00000000", -EPROTO, 0            },
  { "HERDzzzzzzzz", -EPROTO, 0            },
  { "DIST00000001", -EPROTO, 0            },
};

static void test_client_hello(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(hello_cases); i++) {
    char     buf[PROTO_HEADER_LEN];
    uint32_t version = 0;
    memcpy(buf, hello_cases[i].bytes, PROTO_HEADER_LEN);
    int r = herd_parse_client_hello(buf, &version);
    if (r != hello_cases[i].want ||
        (r == 0 && version != hello_cases[i].version)) {
      fail_msg("case %zu (%s): %d, version %u", i, hello_cases[i].bytes, r,
               version);
    }
  }
}

/* What a client sends is what the server's opening reader takes. */
static void test_round_trip(void **state)
{
  char     buf[PROTO_HEADER_LEN];
  uint32_t version = 0;

  (void)state;
  herd_format_client_hello(buf);
  assert_int_equal(herd_opening(buf, sizeof(buf)), HERD_OPENING_HELLO);
  for (size_t n = 1; n < sizeof(buf); n++) {
    assert_int_equal(herd_opening(buf, n), HERD_OPENING_PARTIAL);
  }
  assert_int_equal(herd_parse_client_hello(buf, &version), 0);
  assert_int_equal(version, HERD_VERSION);
}

/* HSIZ as a waiting client sends it and the server reads it: from
 * exactly the bytes that came, a prefix is "more to come", another token
 * is "no size", and sizes are cut to the bounds. */
static void test_size(void **state)
{
  static const struct {
    double   size;
    uint32_t want;
  } sizes[] = {
    { 1.0,  1000              },
    { 0,    HERD_SIZE_TYPICAL },
    { 3.25, 3250              },
    { 1e-9, 1                 },
    { 1e9,  HERD_SIZE_MAX     },
    { -2,   HERD_SIZE_TYPICAL },
  };

  static const struct {
    const char *bytes;
    size_t      len;
    int         want;
    uint32_t    size;
  } reads[] = {
    { WIRE(""),             0,       0             },
    { WIRE("HS"),           0,       0             },
    { WIRE("HSIZ000003e"),  0,       0             },
    { WIRE("HSIZ000003e8"), 1,       1000          },
    { WIRE("HSIZffffffff"), 1,       HERD_SIZE_MAX },
    { WIRE("HSIZ0000zzzz"), -EPROTO, 0             },
    { WIRE("DIST00000001"), -EPROTO, 0             },
    { WIRE("D"),            -EPROTO, 0             },
  };

  char     buf[2 * PROTO_HEADER_LEN];
  uint32_t got, expect;
  size_t   used;

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
    size_t n = herd_format_size(buf, HERD_SIZE_VERSION, sizes[i].size, 500);
    assert_int_equal(n, PROTO_HEADER_LEN);
    assert_int_equal(
      herd_parse_size(buf, n, HERD_SIZE_VERSION, &got, &expect, &used), 1);
    assert_int_equal(got, sizes[i].want);
    assert_int_equal(used, PROTO_HEADER_LEN);
  }
  for (size_t i = 0; i < ARRAY_SIZE(reads); i++) {
    size_t len  = reads[i].len;
    char  *copy = malloc(len ? len : 1); /* no byte after them */
    assert_non_null(copy);
    memcpy(copy, reads[i].bytes, len);
    got   = 0;
    int r = herd_parse_size(copy, len, HERD_SIZE_VERSION, &got, &expect, &used);
    free(copy);
    if (r != reads[i].want || (r > 0 && got != reads[i].size)) {
      fail_msg("read %zu (%s): %d, size %u", i, reads[i].bytes, r, got);
    }
  }
}

/* Version 6: HEXP after HSIZ, always; HWRK after HWAI. */
static void test_work(void **state)
{
  static const struct {
    double   expect_ms;
    uint32_t want;
  } expects[] = {
    { 0,      0                },
    { 0.2,    1                },
    { 1234.4, 1234             },
    { 1e12,   HERD_WORK_MAX_MS },
  };

  char     buf[2 * PROTO_HEADER_LEN];
  uint32_t size, expect;
  size_t   used;

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(expects); i++) {
    size_t n =
      herd_format_size(buf, HERD_WORK_VERSION, 2, expects[i].expect_ms);
    assert_int_equal(n, 2 * PROTO_HEADER_LEN);
    for (size_t k = 0; k < n; k++) { /* a part of either: wait for more */
      assert_int_equal(
        herd_parse_size(buf, k, HERD_WORK_VERSION, &size, &expect, &used), 0);
    }
    assert_int_equal(
      herd_parse_size(buf, n, HERD_WORK_VERSION, &size, &expect, &used), 1);
    assert_int_equal(size, 2000);
    assert_int_equal(expect, expects[i].want);
    assert_int_equal(used, n);
  }
  /* HSIZ followed by something else at version 6: not a size */
  memcpy(buf, "HSIZ000003e8DIST00000001", 24);
  assert_int_equal(
    herd_parse_size(buf, 24, HERD_WORK_VERSION, &size, &expect, &used),
    -EPROTO);

  struct herd_offer offer = { 0 };
  char              wire[8 * PROTO_HEADER_LEN];
  size_t n = herd_format_hello(wire, HERD_WORK_VERSION, 4000, 2, 2000);
  n += herd_format_state(wire + n, HERD_STATE_WAITING, 3);
  n += herd_format_work(wire + n, 4500);
  assert_int_equal(herd_offer_feed(&offer, wire, n), 0);
  assert_true(offer.work_said);
  assert_int_equal(offer.work_ms, 4500);
  n = herd_format_state(wire, HERD_STATE_WAITING, 2);
  assert_int_equal(herd_offer_feed(&offer, wire, n), 0);
  assert_false(offer.work_said); /* said again after each HWAI, or not */
  n = herd_format_work(wire, (uint64_t)HERD_WORK_MAX_MS * 2);
  assert_int_equal(herd_offer_feed(&offer, wire, n), 0);
  assert_int_equal(offer.work_ms, HERD_WORK_MAX_MS);
  n = herd_format_work(wire, 700); /* said again as it moves */
  assert_int_equal(herd_offer_feed(&offer, wire, n), 0);
  assert_int_equal(offer.work_ms, 700);

  /* HWRK before any HWAI, or to a version 5 connection: out of place */
  struct herd_offer early = { 0 }, old = { 0 };
  n = herd_format_hello(wire, HERD_WORK_VERSION, 4000, 2, 2000);
  n += herd_format_work(wire + n, 10);
  assert_int_equal(herd_offer_feed(&early, wire, n), -EPROTO);
  n = herd_format_hello(wire, HERD_WORK_VERSION - 1, 4000, 2, 2000);
  n += herd_format_state(wire + n, HERD_STATE_WAITING, 3);
  n += herd_format_work(wire + n, 10);
  assert_int_equal(herd_offer_feed(&old, wire, n), -EPROTO);
}

/* HCKL: an entry's bytes, length first. */
#define ENTRY(b0, b1, b2, b3) b0, b1, b2, b3, DIGEST_BYTES
#define DIGEST_BYTES                                                         \
  7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, \
    7, 7, 7, 7, 7, 7, 7

static void test_chunks(void **state)
{
  struct herd_chunk  in[3] = { { .len = 1 },
                               { .len = 4096 },
                               { .len = HERD_CHUNK_LEN_MAX } };
  uint8_t            buf[3 * HERD_CHUNK_ENTRY_LEN];
  struct herd_chunk *out   = NULL;
  size_t             count = 0, total = 0;

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
    memset(in[i].digest, (int)(0xa0 + i), HERD_DIGEST_LEN);
  }
  herd_format_chunks(buf, in, ARRAY_SIZE(in));
  static const uint8_t len1[4] = { 0, 0, 0, 1 }, len4096[4] = { 0, 0, 0x10, 0 };
  assert_memory_equal(buf, len1, 4); /* big-endian, then the digest */
  assert_int_equal(buf[4], 0xa0);
  assert_memory_equal(buf + HERD_CHUNK_ENTRY_LEN, len4096, 4);
  assert_int_equal(
    herd_parse_chunks(buf, sizeof(buf), 1 + 4096 + 65536, &out, &count, &total),
    0);
  assert_int_equal(count, 3);
  assert_int_equal(total, 1 + 4096 + HERD_CHUNK_LEN_MAX);
  assert_memory_equal(out, in, sizeof(in));
  free(out);
  /* one byte over the total: too big; a part of an entry: not a list */
  assert_int_equal(
    herd_parse_chunks(buf, sizeof(buf), 4096 + 65536, &out, &count, &total),
    -EMSGSIZE);
  assert_int_equal(
    herd_parse_chunks(buf, sizeof(buf) - 1, SIZE_MAX, &out, &count, &total),
    -EPROTO);
  /* an empty list is an empty source */
  assert_int_equal(herd_parse_chunks(buf, 0, 0, &out, &count, &total), 0);
  assert_null(out);
  assert_int_equal(count, 0);
  assert_int_equal(total, 0);

  static const uint8_t  zero[] = { ENTRY(0, 0, 0, 0) };
  static const uint8_t  over[] = { ENTRY(0, 1, 0, 1) };
  static const uint8_t  huge[] = { ENTRY(0xff, 0xff, 0xff, 0xff) };
  static const uint8_t  most[] = { ENTRY(0, 1, 0, 0) };
  static const uint8_t *bad[]  = { zero, over, huge };
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
    assert_int_equal(herd_parse_chunks(bad[i], HERD_CHUNK_ENTRY_LEN, SIZE_MAX,
                                       &out, &count, &total),
                     -EPROTO);
  }
  assert_int_equal(
    herd_parse_chunks(most, sizeof(most), SIZE_MAX, &out, &count, &total), 0);
  assert_int_equal(out[0].len, HERD_CHUNK_LEN_MAX);
  free(out);
}

static void test_need(void **state)
{
  static const struct {
    uint8_t bytes[3];
    size_t  len, count;
    int     want;
  } needs[] = {
    { { 0 },                0, 0,  0       },
    { { 0x01 },             1, 1,  0       },
    { { 0x02 },             1, 1,  -EPROTO }, /* a bit past the last chunk */
    { { 0xff },             1, 8,  0       },
    { { 0xff, 0x01 },       2, 9,  0       },
    { { 0xff, 0x01 },       1, 9,  -EPROTO }, /* too short */
    { { 0xff, 0x00, 0x00 }, 3, 9,  -EPROTO }, /* too long */
    { { 0xff, 0x7f },       2, 15, 0       },
    { { 0xff, 0x80 },       2, 15, -EPROTO },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(needs); i++) {
    int r = herd_check_need(needs[i].bytes, needs[i].len, needs[i].count);
    if (r != needs[i].want) {
      fail_msg("need %zu: %d, want %d", i, r, needs[i].want);
    }
  }
  assert_true(herd_needs(needs[4].bytes, 8));
  assert_true(herd_needs(needs[7].bytes, 14));
  assert_false(herd_needs((const uint8_t[]){ 0xfe }, 0));
  assert_int_equal(herd_need_len(0), 0);
  assert_int_equal(herd_need_len(8), 1);
  assert_int_equal(herd_need_len(9), 2);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_opening),    cmocka_unit_test(test_client_hello),
    cmocka_unit_test(test_round_trip), cmocka_unit_test(test_size),
    cmocka_unit_test(test_work),       cmocka_unit_test(test_chunks),
    cmocka_unit_test(test_need),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the native extension's first exchange (herd.h), both
 * readers. The input's first byte picks how the rest is split (1..16 bytes
 * a read, as a non-blocking socket may hand them over); the rest is what a
 * server sends, fed to herd_offer_feed, and its first 12 bytes are also
 * read as a connection's opening (herd_opening) and a client's hello
 * (herd_parse_client_hello): a hello the parser takes is one the opening
 * reader calls whole; the same first bytes read as a waiting client's
 * size (herd_parse_size) give a whole HSIZ only from 12 bytes (HSIZ and
 * HEXP from 24 at version 6), within bounds, and a prefix of them never
 * says otherwise. Whatever the bytes, the
 * reader ends in a state it can say, and an invitation or a busy reply comes
 * only after a whole, sane hello; the same bytes fed in one piece give the same
 * result. The same bytes are read as a list of chunks (herd_parse_chunks:
 * whole entries within their bounds, or a refusal) that formats back to
 * them, and as a bitmap for as many chunks as there are bytes' bits. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "herd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int feed_split(const uint8_t *data, size_t size, size_t step,
                      struct herd_offer *offer)
{
  *offer = (struct herd_offer){ 0 };
  for (size_t at = 0; at < size; at += step) {
    size_t n = size - at < step ? size - at : step;
    int    r = herd_offer_feed(offer, data + at, n);
    if (r < 0) {
      return r;
    }
  }
  return 0;
}

/* The bytes as HCKL's body, with a cap that entries of 40000 bytes on
 * average meet (so longer ones are over it). */
static void check_chunks(const uint8_t *data, size_t size)
{
  struct herd_chunk *chunks = NULL;
  size_t             count = 0, total = 0;
  size_t             cap = size / HERD_CHUNK_ENTRY_LEN * 40000;

  if (herd_parse_chunks(data, size, cap, &chunks, &count, &total) < 0) {
    return;
  }
  FUZZ_CHECK(count * HERD_CHUNK_ENTRY_LEN == size && total <= cap);
  size_t sum = 0;
  for (size_t i = 0; i < count; i++) {
    FUZZ_CHECK(chunks[i].len >= 1 && chunks[i].len <= HERD_CHUNK_LEN_MAX);
    sum += chunks[i].len;
  }
  FUZZ_CHECK(sum == total);
  uint8_t *again = malloc(size + 1);
  FUZZ_CHECK(again != NULL);
  herd_format_chunks(again, chunks, count);
  FUZZ_CHECK(memcmp(again, data, size) == 0);
  free(again);
  free(chunks);
}

/* The bytes as HNED's body for every count that length can carry. */
static void check_need(const uint8_t *data, size_t size)
{
  for (size_t count = size * 8 >= 7 ? size * 8 - 7 : 0; count <= size * 8;
       count++) {
    if (herd_check_need(data, size, count) == 0) {
      for (size_t i = count; i < size * 8; i++) {
        FUZZ_CHECK(((data[i / 8] >> (i % 8)) & 1) == 0);
      }
    }
  }
  FUZZ_CHECK(herd_check_need(data, size, size * 8 + 8) < 0);
}

/* A waiting client's size at version: whole only with all its headers
 * (HSIZ, and HEXP from version 6), within bounds, and no prefix of them
 * says otherwise. */
static void check_size(const uint8_t *data, size_t size, uint32_t version)
{
  size_t want =
    version >= HERD_WORK_VERSION ? 2 * PROTO_HEADER_LEN : PROTO_HEADER_LEN;
  size_t   head = size < want ? size : want;
  uint32_t hsiz = 0, hexp = 0;
  size_t   used = 0;
  int      rz   = herd_parse_size(data, head, version, &hsiz, &hexp, &used);

  FUZZ_CHECK(rz <= 0 || (used == want && head == want &&
                         hsiz <= HERD_SIZE_MAX && hexp <= HERD_WORK_MAX_MS));
  for (size_t n = 0; rz > 0 && n < head; n++) {
    FUZZ_CHECK(herd_parse_size(data, n, version, &hsiz, &hexp, &used) == 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct herd_offer split, whole;
  uint32_t          version;

  if (size < 1) {
    return 0;
  }
  size_t step = (size_t)(data[0] % 16) + 1;
  data++;
  size--;
  check_chunks(data, size);
  check_need(data, size);
  size_t            head    = size < PROTO_HEADER_LEN ? size : PROTO_HEADER_LEN;
  enum herd_opening opening = herd_opening(data, head);
  FUZZ_CHECK(opening != HERD_OPENING_HELLO || head == PROTO_HEADER_LEN);
  if (size >= PROTO_HEADER_LEN &&
      herd_parse_client_hello((const char *)data, &version) == 0) {
    FUZZ_CHECK(version >= 1 && version <= HERD_VERSION);
    FUZZ_CHECK(opening == HERD_OPENING_HELLO);
  }
  check_size(data, size, HERD_SIZE_VERSION);
  check_size(data, size, HERD_WORK_VERSION);
  int rs = feed_split(data, size, step, &split);
  int rw = feed_split(data, size, size ? size : 1, &whole);
  FUZZ_CHECK((rs < 0) == (rw < 0));
  if (rs < 0) {
    return 0;
  }
  FUZZ_CHECK(split.state == whole.state && split.value == whole.value);
  FUZZ_CHECK(split.work_said == whole.work_said &&
             (!split.work_said || split.work_ms == whole.work_ms));
  switch (split.state) {
    case HERD_STATE_WAITING:
    case HERD_STATE_INVITED:
      FUZZ_CHECK(split.headers > HERD_HELLO_HEADERS);
      FUZZ_CHECK(split.version >= 1 && split.version <= HERD_VERSION);
      FUZZ_CHECK(split.slots >= 1);
      break;
    case HERD_STATE_BUSY:
      FUZZ_CHECK(split.headers == 1 || split.headers > HERD_HELLO_HEADERS);
      break;
    case HERD_STATE_OPEN:
      FUZZ_CHECK(split.headers == HERD_HELLO_HEADERS);
      break;
    case HERD_STATE_HELLO:
      FUZZ_CHECK(split.headers < HERD_HELLO_HEADERS);
      break;
  }
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "herd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t format_header(char *buf, const char *token, uint32_t value)
{
  char one[PROTO_HEADER_LEN + 1];

  snprintf(one, sizeof(one), "%.4s%08x", token, value);
  memcpy(buf, one, PROTO_HEADER_LEN);
  return PROTO_HEADER_LEN;
}

void herd_format_client_hello(char *buf)
{
  format_header(buf, "HERD", HERD_VERSION);
}

int herd_parse_client_hello(const char *buf, uint32_t *ret_version)
{
  uint32_t version;
  int      r = proto_parse_header(buf, "HERD", &version);

  if (r < 0 || version < 1) {
    return -EPROTO;
  }
  *ret_version = version < HERD_VERSION ? version : HERD_VERSION;
  return 0;
}

enum herd_opening herd_opening(const void *buf, size_t len)
{
  size_t token = len < 4 ? len : 4;

  if (len == 0) {
    return HERD_OPENING_PARTIAL;
  }
  if (memcmp(buf, "HERD", token) != 0) {
    return HERD_OPENING_CLASSIC;
  }
  return len < PROTO_HEADER_LEN ? HERD_OPENING_PARTIAL : HERD_OPENING_HELLO;
}

size_t herd_format_hello(char *buf, uint32_t version, uint32_t speed,
                         uint32_t slots, uint32_t reserve_ms)
{
  size_t n = format_header(buf, "HERD", version);

  n += format_header(buf + n, "HSPD", speed);
  n += format_header(buf + n, "HSLT", slots);
  n += format_header(buf + n, "HRSV", reserve_ms);
  return n;
}

/* The state messages, in the order of enum herd_state. */
static const struct {
  enum herd_state state;
  const char     *token;
} herd_states[] = {
  { HERD_STATE_WAITING, "HWAI" },
  { HERD_STATE_INVITED, "HINV" },
  { HERD_STATE_BUSY,    "HBSY" },
};

size_t herd_format_state(char *buf, enum herd_state state, uint32_t value)
{
  for (size_t i = 0; i < sizeof(herd_states) / sizeof(herd_states[0]); i++) {
    if (herd_states[i].state == state) {
      return format_header(buf, herd_states[i].token, value);
    }
  }
  return 0;
}

static uint32_t cut_ms(double ms)
{
  return ms < 1                  ? 1
         : ms > HERD_WORK_MAX_MS ? HERD_WORK_MAX_MS
                                 : (uint32_t)(ms + 0.5);
}

size_t herd_format_work(char *buf, uint64_t work_ms)
{
  return format_header(buf, "HWRK",
                       work_ms < HERD_WORK_MAX_MS ? (uint32_t)work_ms
                                                  : HERD_WORK_MAX_MS);
}

size_t herd_format_size(char *buf, uint32_t version, double size,
                        double expect_ms)
{
  double milli = size > 0 ? size * HERD_SIZE_TYPICAL : HERD_SIZE_TYPICAL;

  milli    = milli < 1 ? 1 : milli > HERD_SIZE_MAX ? HERD_SIZE_MAX : milli;
  size_t n = format_header(buf, "HSIZ", (uint32_t)(milli + 0.5));
  if (version >= HERD_WORK_VERSION) {
    n += format_header(buf + n, "HEXP", expect_ms > 0 ? cut_ms(expect_ms) : 0);
  }
  return n;
}

/* 1 when buf (len bytes) starts with a whole header of token (*ret_value),
 * 0 when with a part of one, -EPROTO when with something else. */
static int leading_header(const char *buf, size_t len, const char *token,
                          uint32_t *ret_value)
{
  size_t head = len < 4 ? len : 4;

  if (memcmp(buf, token, head) != 0) {
    return -EPROTO;
  }
  if (len < PROTO_HEADER_LEN) {
    return 0;
  }
  return proto_parse_header(buf, token, ret_value) < 0 ? -EPROTO : 1;
}

int herd_parse_size(const void *buf, size_t len, uint32_t version,
                    uint32_t *ret_size, uint32_t *ret_expect_ms,
                    size_t *ret_len)
{
  const char *p = buf;
  uint32_t    size, expect = 0;
  int         r = leading_header(p, len, "HSIZ", &size);

  if (r <= 0) {
    return r;
  }
  size_t used = PROTO_HEADER_LEN;
  if (version >= HERD_WORK_VERSION) {
    r = leading_header(p + used, len - used, "HEXP", &expect);
    if (r <= 0) {
      return r; /* HEXP follows HSIZ at this version */
    }
    used += PROTO_HEADER_LEN;
  }
  *ret_size      = size < HERD_SIZE_MAX ? size : HERD_SIZE_MAX;
  *ret_expect_ms = expect < HERD_WORK_MAX_MS ? expect : HERD_WORK_MAX_MS;
  *ret_len       = used;
  return 1;
}

/* The hello's headers, in order, and where each value goes. */
static uint32_t *hello_field(struct herd_offer *offer, unsigned i,
                             const char **ret_token)
{
  static const char *const tokens[HERD_HELLO_HEADERS] = { "HERD", "HSPD",
                                                          "HSLT", "HRSV" };
  uint32_t *fields[HERD_HELLO_HEADERS] = { &offer->version, &offer->speed,
                                           &offer->slots, &offer->reserve_ms };

  *ret_token = tokens[i];
  return fields[i];
}

static int take_header(struct herd_offer *offer, const char *buf)
{
  uint32_t value;

  if (offer->state == HERD_STATE_INVITED || offer->state == HERD_STATE_BUSY) {
    return -EPROTO; /* nothing may follow */
  }
  if (offer->headers < HERD_HELLO_HEADERS) {
    const char *token;
    uint32_t   *field = hello_field(offer, offer->headers, &token);
    if (offer->headers == 0 && memcmp(buf, "DONE", 4) == 0) {
      offer->state = HERD_STATE_BUSY; /* a classic refusal */
      offer->headers++;
      return 0;
    }
    if (proto_parse_header(buf, token, &value) < 0 ||
        (offer->headers == 0 && (value < 1 || value > HERD_VERSION)) ||
        (offer->headers == 2 && value < 1)) {
      return -EPROTO;
    }
    *field = value;
    if (++offer->headers == HERD_HELLO_HEADERS) {
      offer->state = HERD_STATE_OPEN;
    }
    return 0;
  }
  if (proto_parse_header(buf, "HWRK", &value) == 0) {
    if (offer->state != HERD_STATE_WAITING ||
        offer->version < HERD_WORK_VERSION) {
      return -EPROTO;
    }
    offer->work_said = true;
    offer->work_ms   = value;
    offer->headers++;
    return 0;
  }
  for (size_t i = 0; i < sizeof(herd_states) / sizeof(herd_states[0]); i++) {
    if (proto_parse_header(buf, herd_states[i].token, &value) == 0) {
      offer->state     = herd_states[i].state;
      offer->value     = value;
      offer->work_said = false;
      offer->headers++;
      return 0;
    }
  }
  return -EPROTO;
}

int herd_offer_feed(struct herd_offer *offer, const void *buf, size_t len)
{
  const char *p = buf;

  while (len > 0) {
    if (offer->state == HERD_STATE_BUSY && offer->headers == 1 &&
        offer->version == 0) {
      return 0; /* the rest of a classic refusal: not read */
    }
    size_t take = PROTO_HEADER_LEN - offer->partial_len;
    take        = take < len ? take : len;
    memcpy(offer->partial + offer->partial_len, p, take);
    offer->partial_len += take;
    p += take;
    len -= take;
    if (offer->partial_len < PROTO_HEADER_LEN) {
      break;
    }
    offer->partial_len = 0;
    int r              = take_header(offer, offer->partial);
    if (r < 0) {
      return r;
    }
  }
  return 0;
}

void herd_format_chunks(uint8_t *buf, const struct herd_chunk *chunks,
                        size_t count)
{
  for (size_t i = 0; i < count; i++, buf += HERD_CHUNK_ENTRY_LEN) {
    uint32_t len = chunks[i].len;
    buf[0]       = (uint8_t)(len >> 24);
    buf[1]       = (uint8_t)(len >> 16);
    buf[2]       = (uint8_t)(len >> 8);
    buf[3]       = (uint8_t)len;
    memcpy(buf + 4, chunks[i].digest, HERD_DIGEST_LEN);
  }
}

int herd_parse_chunks(const void *buf, size_t len, size_t max_total,
                      struct herd_chunk **ret_chunks, size_t *ret_count,
                      size_t *ret_total)
{
  const uint8_t     *p      = buf;
  size_t             count  = len / HERD_CHUNK_ENTRY_LEN;
  size_t             total  = 0;
  struct herd_chunk *chunks = NULL;

  if (len % HERD_CHUNK_ENTRY_LEN != 0) {
    return -EPROTO;
  }
  if (count > 0 && !(chunks = calloc(count, sizeof(*chunks)))) {
    return -ENOMEM;
  }
  for (size_t i = 0; i < count; i++, p += HERD_CHUNK_ENTRY_LEN) {
    uint32_t n =
      (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (n < 1 || n > HERD_CHUNK_LEN_MAX) {
      free(chunks);
      return -EPROTO;
    }
    total += n;
    if (total > max_total) {
      free(chunks);
      return -EMSGSIZE;
    }
    chunks[i].len = n;
    memcpy(chunks[i].digest, p + 4, HERD_DIGEST_LEN);
  }
  *ret_chunks = chunks;
  *ret_count  = count;
  *ret_total  = total;
  return 0;
}

int herd_check_need(const uint8_t *need, size_t len, size_t count)
{
  if (len != herd_need_len(count)) {
    return -EPROTO;
  }
  if (count % 8 != 0 && (need[len - 1] >> (count % 8)) != 0) {
    return -EPROTO;
  }
  return 0;
}

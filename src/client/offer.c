/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "offer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chunk.h"
#include "io.h"
#include "macro.h"
#include "sha256.h"

void offer_clear(struct offer *offer)
{
  free(offer->source);
  free(offer->chunks);
  free(offer->need);
  *offer = (struct offer){ .source = NULL };
}

static int cut(struct offer *offer)
{
  size_t max = offer->len / CHUNK_MIN + 1;

  offer->chunks = calloc(max, sizeof(*offer->chunks));
  if (!offer->chunks) {
    return -ENOMEM;
  }
  for (size_t at = 0; at < offer->len; offer->count++) {
    struct herd_chunk *chunk = &offer->chunks[offer->count];
    size_t             len   = chunk_cut(offer->source + at, offer->len - at);
    chunk->len               = (uint32_t)len;
    sha256_buffer(offer->source + at, len, chunk->digest);
    at += len;
  }
  offer->need = calloc(herd_need_len(offer->count) + 1, 1);
  return offer->need ? 0 : -ENOMEM;
}

int offer_load(int source_fd, bool chunked, struct offer *ret_offer)
{
  struct offer offer = { .source = NULL };

  if (lseek(source_fd, 0, SEEK_SET) < 0) {
    return -errno;
  }
  int r = io_read_fd(source_fd, proto_default_limits.max_body, &offer.source,
                     &offer.len);
  if (r >= 0 && chunked) {
    r = cut(&offer);
  }
  if (r < 0) {
    offer_clear(&offer);
    return r;
  }
  *ret_offer = offer;
  return 0;
}

int offer_send_digest(int sock, const struct offer *offer, int timeout_ms)
{
  uint8_t              digest[SHA256_DIGEST_SIZE];
  _cleanup_free_ char *list     = NULL;
  size_t               list_len = offer->count * HERD_CHUNK_ENTRY_LEN;

  sha256_buffer(offer->source, offer->len, digest);
  if (offer->chunks) {
    list = malloc(list_len + 1);
    if (!list) {
      return -ENOMEM;
    }
    herd_format_chunks((uint8_t *)list, offer->chunks, offer->count);
  }
  io_cork(sock, true);
  int r = proto_send_body(sock, "HDIG", digest, sizeof(digest),
                          PROTO_CODEC_NONE, timeout_ms);
  if (r >= 0 && offer->chunks) {
    r = proto_send_body(sock, "HCKL", list, list_len, PROTO_CODEC_NONE,
                        timeout_ms);
  }
  io_cork(sock, false);
  return r;
}

int offer_read_answer(int sock, struct offer *offer, int timeout_ms)
{
  char     head[PROTO_HEADER_LEN];
  uint32_t value;
  int      r = io_read_all(sock, head, sizeof(head), timeout_ms);

  if (r < 0) {
    return r;
  }
  if (proto_parse_header(head, "HHIT", &value) >= 0) {
    return 1;
  }
  if (!offer->chunks) {
    return proto_parse_header(head, "HSRC", &value) >= 0 ? 0 : -EPROTO;
  }
  size_t len = herd_need_len(offer->count);
  if (proto_parse_header(head, "HNED", &value) < 0 || value != len) {
    return -EPROTO;
  }
  r = len > 0 ? io_read_all(sock, offer->need, len, timeout_ms) : 0;
  return r < 0 ? r : herd_check_need(offer->need, len, offer->count);
}

/* The chunks asked for, one after another, into a new buffer. */
static int gather_needed(const struct offer *offer, char **ret_buf,
                         size_t *ret_len)
{
  char  *buf = malloc(offer->len + 1);
  size_t len = 0, at = 0;

  if (!buf) {
    return -ENOMEM;
  }
  for (size_t i = 0; i < offer->count; at += offer->chunks[i++].len) {
    if (herd_needs(offer->need, i)) {
      memcpy(buf + len, offer->source + at, offer->chunks[i].len);
      len += offer->chunks[i].len;
    }
  }
  *ret_buf = buf;
  *ret_len = len;
  return 0;
}

int offer_send_source(int sock, const struct offer *offer,
                      enum proto_codec codec, int timeout_ms, size_t *ret_sent)
{
  _cleanup_free_ char *needed = NULL;
  const char          *body   = offer->source;
  size_t               len    = offer->len;

  if (offer->chunks) {
    int r = gather_needed(offer, &needed, &len);
    if (r < 0) {
      return r;
    }
    body = len == offer->len ? offer->source : needed; /* all, or some */
  }
  io_cork(sock, true);
  int r = proto_send_body(sock, "DOTI", body, len, codec, timeout_ms);
  io_cork(sock, false);
  *ret_sent = len;
  return r;
}

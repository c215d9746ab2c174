/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "chunks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sha256.h"

void chunks_clear(struct chunks_source *src)
{
  free(src->chunks);
  free(src->buf);
  free(src->need);
  *src = (struct chunks_source){ .chunks = NULL };
}

int chunks_read_list(int fd, size_t max_total, int timeout_ms,
                     struct chunks_source *src)
{
  _cleanup_free_ char *body = NULL;
  size_t               len  = 0;
  /* the list is a body like any other: at most max_total bytes too */
  int r = proto_recv_body(fd, "HCKL", max_total, PROTO_CODEC_NONE, timeout_ms,
                          &body, &len);

  chunks_clear(src);
  if (r < 0) {
    return r == -EFBIG ? -EMSGSIZE : r;
  }
  r = herd_parse_chunks(body, len, max_total, &src->chunks, &src->count,
                        &src->len);
  if (r < 0) {
    return r;
  }
  src->need_len = herd_need_len(src->count);
  src->buf      = malloc(src->len + 1);
  src->need     = calloc(src->need_len + 1, 1);
  return src->buf && src->need ? 0 : -ENOMEM;
}

/* Chunk i from the store into its place: whether it was there. */
static bool take_stored(struct cache *store, const struct herd_chunk *chunk,
                        char *place)
{
  struct proto_reply entry = { 0 };

  if (!store || cache_lookup(store, chunk->digest, &entry, NULL, NULL) < 0) {
    return false;
  }
  bool fits = entry.status == 0 && entry.object_len == chunk->len;
  if (fits) {
    memcpy(place, entry.object, chunk->len);
  }
  proto_reply_clear(&entry);
  return fits;
}

void chunks_gather(struct cache *store, struct chunks_source *src,
                   bool ask_none)
{
  size_t at = 0;

  memset(src->need, 0, src->need_len);
  src->need_bytes = 0;
  for (size_t i = 0; i < src->count; at += src->chunks[i++].len) {
    if (ask_none || take_stored(store, &src->chunks[i], src->buf + at)) {
      continue;
    }
    src->need[i / 8] |= (uint8_t)(1u << (i % 8));
    src->need_bytes += src->chunks[i].len;
  }
}

static bool is_chunk(const struct herd_chunk *chunk, const void *bytes)
{
  uint8_t digest[SHA256_DIGEST_SIZE];

  sha256_buffer(bytes, chunk->len, digest);
  return memcmp(digest, chunk->digest, SHA256_DIGEST_SIZE) == 0;
}

int chunks_receive(int fd, enum proto_codec codec, int timeout_ms,
                   struct chunks_source *src)
{
  _cleanup_free_ char *body = NULL;
  size_t               len = 0, from = 0, at = 0;
  int r = proto_recv_body(fd, "DOTI", src->need_bytes, codec, timeout_ms, &body,
                          &len);

  if (r < 0) {
    return r == -EFBIG || r == -EMSGSIZE ? -EPROTO : r;
  }
  if (len != src->need_bytes) {
    return -EPROTO;
  }
  for (size_t i = 0; i < src->count; at += src->chunks[i++].len) {
    if (!herd_needs(src->need, i)) {
      continue;
    }
    if (!is_chunk(&src->chunks[i], body + from)) {
      return -EBADMSG;
    }
    memcpy(src->buf + at, body + from, src->chunks[i].len);
    from += src->chunks[i].len;
  }
  src->buf[src->len] = '\0';
  return 0;
}

void chunks_keep(struct cache *store, const struct chunks_source *src)
{
  size_t at = 0;

  for (size_t i = 0; store && i < src->count; at += src->chunks[i++].len) {
    if (!herd_needs(src->need, i)) {
      continue;
    }
    struct proto_reply entry = {
      .object     = src->buf + at,
      .object_len = src->chunks[i].len,
    };
    /* a chunk not kept is sent again next time: nothing to report */
    (void)cache_store(store, src->chunks[i].digest, &entry, NULL, 0, NULL);
  }
}

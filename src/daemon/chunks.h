/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The source of a native job in chunks (extension version 4,
 * docs/protocol.md "The source in chunks"). The client lists its
 * source's chunks after the digest (HCKL: the length and SHA-256 of
 * each); the server looks each up in its chunk store, asks for the ones
 * it does not hold (HNED), and assembles the source from the chunks it
 * read from the store and those that came in DOTI, each received chunk
 * checked against its SHA-256 before it is used or kept.
 *
 * The store is a second instance of the result cache's files (cache.h)
 * in its own directory, keyed by a chunk's SHA-256, the chunk as the
 * entry's object: so a damaged chunk fails its entry's checksum and is a
 * miss, writes are whole or absent, and the store is bounded and evicts
 * the least recently used as the cache does. Chunks are kept only under
 * the SHA-256 of their bytes as received, so no client can change what
 * another's list assembles to. Chunks found are copied into the source
 * when HNED is made, so an eviction after that cannot take them. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "herd.h"
#include "proto.h"

/* Where the store lives: this directory below the result cache's. */
#define CHUNKS_DIR "chunks"
/* The store's default size. */
#define CHUNKS_DEFAULT_SIZE (256ull * 1024 * 1024)

struct chunks_source {
  struct herd_chunk *chunks; /* the client's list */
  size_t             count;
  char              *buf;        /* the source being assembled, len bytes */
  size_t             len;        /* the sum of the chunks' lengths */
  uint8_t           *need;       /* HNED's body, need_len bytes */
  size_t             need_len;   /* herd_need_len(count) */
  size_t             need_bytes; /* the bytes of the chunks asked for */
};

/* Read the list (HCKL, itself at most max_total bytes) whose chunks add up
 * to at most max_total bytes into *src (emptied first). -EMSGSIZE over
 * max_total, -EPROTO for a body that is not a list. */
int chunks_read_list(int fd, size_t max_total, int timeout_ms,
                     struct chunks_source *src);

/* Copy every listed chunk store holds (NULL: none) into the source and
 * mark the others needed; none when ask_none (a refused job: its source
 * is not wanted). */
void chunks_gather(struct cache *store, struct chunks_source *src,
                   bool ask_none);

/* Receive DOTI (packed with codec) carrying the needed chunks, in list
 * order, into the source. -EBADMSG when a chunk is not what its SHA-256
 * says, -EPROTO when DOTI's length is not theirs. */
int chunks_receive(int fd, enum proto_codec codec, int timeout_ms,
                   struct chunks_source *src);

/* Keep the received chunks in store (NULL: nothing). */
void chunks_keep(struct cache *store, const struct chunks_source *src);

void chunks_clear(struct chunks_source *src);

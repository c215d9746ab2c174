/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The source as a herdcc client offers it to a native server before
 * sending it (docs/protocol.md): its SHA-256 (HDIG, extension version 2),
 * which the server answers with the stored result (HHIT) or a request for
 * the source (HSRC); from version 4 also the list of its chunks (HCKL,
 * cut by chunk.h), answered HHIT or with the chunks the server does not
 * hold (HNED), which then go alone in DOTI. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "herd.h"
#include "proto.h"

struct offer {
  char              *source; /* the whole source, len bytes */
  size_t             len;
  struct herd_chunk *chunks; /* with chunks: where it is cut */
  size_t             count;
  uint8_t           *need; /* HNED's body, herd_need_len(count) bytes */
};

/* Read the source (source_fd, from its start) and cut it into chunks when
 * chunked. */
int offer_load(int source_fd, bool chunked, struct offer *ret_offer);

/* Send the digest and, with chunks, their list. */
int offer_send_digest(int sock, const struct offer *offer, int timeout_ms);

/* Read the server's answer: 1 for HHIT (the reply follows), 0 when the
 * source (HSRC) or some of its chunks (HNED, then in offer->need) are
 * wanted, -EPROTO for another answer. */
int offer_read_answer(int sock, struct offer *offer, int timeout_ms);

/* Send DOTI: the chunks the server asked for, or the whole source after
 * HSRC, packed with codec. *ret_sent is the bytes before packing. */
int offer_send_source(int sock, const struct offer *offer,
                      enum proto_codec codec, int timeout_ms, size_t *ret_sent);

void offer_clear(struct offer *offer);

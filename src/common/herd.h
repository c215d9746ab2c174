/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdcc's native extension: the invitation a herdccd sends before a job
 * (docs/protocol.md, "The invitation"). A herdcc client that knows the
 * server is herdccd opens with HERD instead of DIST; the server answers
 * with its speed, slots and how long it holds a reservation, then with
 * one state: invited (a slot is reserved for this connection), waiting
 * (in the waiting room, with how many are ahead; sent again as that
 * shrinks, then the invitation), or busy (turned away). After an
 * invitation the client sends a classic request (proto.h) or closes.
 * Encoded and decoded here, for both sides, in the wire's 12-byte header
 * form; the client's reader is incremental, for non-blocking sockets. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* 2: the digest before the source (HDIG, then HHIT or HSRC). 3: a
 * client in the waiting room says how big its job is (HSIZ), and the
 * room invites the biggest first; the profile a compile reads comes with
 * the job (HPRF). */
#define HERD_VERSION         3
#define HERD_DIGEST_VERSION  2
#define HERD_SIZE_VERSION    3
#define HERD_PROFILE_VERSION 3
/* HSIZ's value: the job's expected size over its client's typical job, in
 * thousandths (so HERD_SIZE_TYPICAL is a typical job), at most
 * HERD_SIZE_MAX. */
#define HERD_SIZE_TYPICAL 1000
#define HERD_SIZE_MAX     100000
/* HDIG's body: the SHA-256 of the source the client would send. */
#define HERD_DIGEST_LEN 32

/* The server's first answer: HERD, HSPD, HSLT, HRSV. */
#define HERD_HELLO_HEADERS 4
/* The longest a server sends at once: its hello and a state. */
#define HERD_MSG_MAX ((HERD_HELLO_HEADERS + 1) * PROTO_HEADER_LEN)

enum herd_state {
  HERD_STATE_HELLO,   /* the hello is not complete yet */
  HERD_STATE_OPEN,    /* hello read, no state yet */
  HERD_STATE_WAITING, /* HWAI: value = connections ahead of this one */
  HERD_STATE_INVITED, /* HINV: value = slots still free after this one */
  HERD_STATE_BUSY,    /* HBSY (value = connections waiting), or a classic
                         refusal (DONE first): turned away */
};

/* What a server has said so far on one connection. */
struct herd_offer {
  uint32_t        version;    /* the extension version both speak */
  uint32_t        speed;      /* the server's speed (TXT speed=), 0: unknown */
  uint32_t        slots;      /* its job slots, >= 1 */
  uint32_t        reserve_ms; /* how long an invitation is held */
  enum herd_state state;
  uint32_t        value;   /* see enum herd_state */
  unsigned        headers; /* headers read */
  size_t          partial_len;
  char            partial[PROTO_HEADER_LEN];
};

/* Feed bytes a server sent (any split). -EPROTO for anything out of
 * place: a wrong token, a slot count of 0, a byte after the invitation or
 * the busy reply. A classic reply (DONE) in place of the hello is taken
 * as busy: a server over its per-address cap turns a connection away
 * before it knows which dialect it speaks. */
int herd_offer_feed(struct herd_offer *offer, const void *buf, size_t len);

/* The client's hello (PROTO_HEADER_LEN bytes, no NUL). */
void herd_format_client_hello(char *buf);

/* Read a client's hello: -EPROTO unless it is HERD with a version >= 1;
 * *ret_version is the version both speak. */
int herd_parse_client_hello(const char *buf, uint32_t *ret_version);

/* What the first bytes of a connection say about its dialect, for a
 * server that peeks at them (len bytes at buf, no NUL needed; a stock
 * client never sends HERD). */
enum herd_opening {
  HERD_OPENING_CLASSIC, /* not HERD: a classic request, or garbage */
  HERD_OPENING_PARTIAL, /* nothing yet, or a part of a HERD header */
  HERD_OPENING_HELLO,   /* a whole header (PROTO_HEADER_LEN) whose token is
                           HERD: read it, herd_parse_client_hello() */
};

enum herd_opening herd_opening(const void *buf, size_t len);

/* The server's hello into buf (HERD_HELLO_HEADERS headers); its length. */
size_t herd_format_hello(char *buf, uint32_t version, uint32_t speed,
                         uint32_t slots, uint32_t reserve_ms);

/* One state message (HWAI, HINV or HBSY) into buf; its length. */
size_t herd_format_state(char *buf, enum herd_state state, uint32_t value);

/* The client's HSIZ for a job of size (over its typical job; 0: unknown,
 * sent as typical) into buf (PROTO_HEADER_LEN bytes). */
void herd_format_size(char *buf, double size);

/* What a waiting connection's first len bytes (buf, no NUL needed) say:
 * 1 for a whole HSIZ header (*ret_size: its value, cut to HERD_SIZE_MAX),
 * 0 for too few bytes to tell, -EPROTO for anything else (then it sent no
 * size: those bytes are its request). */
int herd_parse_size(const void *buf, size_t len, uint32_t *ret_size);

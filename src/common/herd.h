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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* 2: the digest before the source (HDIG, then HHIT or HSRC). 3: a
 * client in the waiting room says how big its job is (HSIZ), and the
 * room invites the biggest first; the profile a compile reads comes with
 * the job (HPRF). 4: the source in chunks (HCKL after HDIG, then HHIT or
 * HNED and only the chunks the server does not hold). 5: the server
 * rebuilds a clang job's files from its text and compiles them
 * (args_plan.tree, ARGS_TREE_MARK). 6: the work ahead: a client says
 * how long its job should take on one of the server's slots (HEXP, after
 * HSIZ), and the waiting room says how much slot time is to run before
 * a connection's job can start (HWRK, after HWAI). */
#define HERD_VERSION         6
#define HERD_DIGEST_VERSION  2
#define HERD_SIZE_VERSION    3
#define HERD_PROFILE_VERSION 3
#define HERD_CHUNK_VERSION   4
#define HERD_TREE_VERSION    5
#define HERD_WORK_VERSION    6
/* HSIZ's value: the job's expected size over its client's typical job, in
 * thousandths (so HERD_SIZE_TYPICAL is a typical job), at most
 * HERD_SIZE_MAX. */
#define HERD_SIZE_TYPICAL 1000
#define HERD_SIZE_MAX     100000
/* HDIG's body: the SHA-256 of the source the client would send. */
#define HERD_DIGEST_LEN 32

/* HCKL's body: one entry per chunk, its length (4 bytes, big-endian, 1 to
 * HERD_CHUNK_LEN_MAX) and its SHA-256. */
#define HERD_CHUNK_ENTRY_LEN (4 + HERD_DIGEST_LEN)
#define HERD_CHUNK_LEN_MAX   65536

struct herd_chunk {
  uint32_t len;
  uint8_t  digest[HERD_DIGEST_LEN];
};

/* The server's first answer: HERD, HSPD, HSLT, HRSV. */
#define HERD_HELLO_HEADERS 4
/* The longest a server sends at once: its hello, a state and its work. */
#define HERD_MSG_MAX ((HERD_HELLO_HEADERS + 2) * PROTO_HEADER_LEN)
/* HEXP's and HWRK's values are milliseconds, at most this. */
#define HERD_WORK_MAX_MS (24u * 3600 * 1000)

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
  uint32_t        value;     /* see enum herd_state */
  bool            work_said; /* waiting: HWRK came after the last HWAI */
  uint32_t        work_ms;   /* the last one's value: the slot time ahead */
  unsigned        headers;   /* headers read */
  size_t          partial_len;
  char            partial[PROTO_HEADER_LEN];
};

/* Feed bytes a server sent (any split). -EPROTO for anything out of
 * place: a wrong token, a slot count of 0, a byte after the invitation or
 * the busy reply, HWRK but in a waiting room of version 6. A classic reply
 * (DONE) in place of the hello is taken as busy: a server over its per-address
 * cap turns a connection away before it knows which dialect it speaks. */
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

/* HWRK: the slot time, in ms, to run before a waiting job can start
 * (cut to HERD_WORK_MAX_MS) into buf (PROTO_HEADER_LEN bytes); its length. */
size_t herd_format_work(char *buf, uint64_t work_ms);

/* The client's HSIZ for a job of size (over its typical job; 0: unknown,
 * sent as typical) into buf, and for version >= HERD_WORK_VERSION HEXP
 * after it: expect_ms, how long the job should take on one of the
 * server's slots (0: unknown). Its length. */
size_t herd_format_size(char *buf, uint32_t version, double size,
                        double expect_ms);

/* What a waiting connection's first len bytes (buf, no NUL needed) say,
 * for the extension version it speaks: 1 for a whole HSIZ header, and at
 * version >= HERD_WORK_VERSION the HEXP after it (*ret_size: HSIZ's
 * value, cut to HERD_SIZE_MAX; *ret_expect_ms: HEXP's, cut to
 * HERD_WORK_MAX_MS, 0 when unknown; *ret_len: the bytes they take); 0 for
 * too few bytes to tell; -EPROTO for anything else (then it sent no size:
 * those bytes are its request). */
int herd_parse_size(const void *buf, size_t len, uint32_t version,
                    uint32_t *ret_size, uint32_t *ret_expect_ms,
                    size_t *ret_len);

/* HCKL's body for count chunks into buf (count * HERD_CHUNK_ENTRY_LEN
 * bytes). */
void herd_format_chunks(uint8_t *buf, const struct herd_chunk *chunks,
                        size_t count);

/* Read HCKL's body (len bytes): -EPROTO unless it is whole entries, each
 * of a length from 1 to HERD_CHUNK_LEN_MAX, and -EMSGSIZE when they add
 * up to more than max_total. *ret_chunks (count entries, *ret_total
 * bytes) is owned by the caller; NULL for none. */
int herd_parse_chunks(const void *buf, size_t len, size_t max_total,
                      struct herd_chunk **ret_chunks, size_t *ret_count,
                      size_t *ret_total);

/* HNED's body: a bit for each of count chunks, set for one the server
 * asks for (chunk i is bit i % 8 of byte i / 8), unused bits 0. */
static inline size_t herd_need_len(size_t count)
{
  return (count + 7) / 8;
}

static inline bool herd_needs(const uint8_t *need, size_t i)
{
  return (need[i / 8] >> (i % 8)) & 1;
}

/* Check HNED's body for count chunks (len bytes): -EPROTO unless its
 * length is herd_need_len(count) and its unused bits are 0. */
int herd_check_need(const uint8_t *need, size_t len, size_t count);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One connection to herdccd, start to end: check the peer against the
 * allow-list, read the request (DIST, ARGC, ARGV...), check the compiler
 * (compilers.h) and the arguments (args_check_server), receive the source
 * (DOTI) into the compiler started before it (compile.h) and send the reply
 * (DONE, STAT, SERR, SOUT, DOTO). Every refusal is a normal reply in the
 * request's version: a non-zero STAT (a herdcc exit code << 8), one
 * explaining line in SERR ("herdccd: refused: ..."), no object; the rest of
 * the request is read first (within the caps) so the client is not reset
 * while sending. A
 * peer that sends garbage is logged and dropped. Every job and every
 * refusal is logged with the peer's address. */
#pragma once

#include <stdbool.h>
#include <sys/socket.h>

#include "access.h"
#include "cache.h"
#include "compilers.h"
#include "proto.h"
#include "statsd.h"

/* How long a peer may stay silent in the middle of a request: generous,
 * since a client connects while its preprocessor still runs. */
#define JOB_IO_TIMEOUT_MS (60 * 1000)

struct job_config {
  const struct access_list  *access;    /* borrowed */
  const struct compilers    *compilers; /* borrowed */
  const struct proto_limits *limits;    /* borrowed */
  int                        nice;
  unsigned                   lifetime_s; /* 0: no limit */
  int                        io_timeout_ms;
  bool                       sandbox; /* confine compilers (sandbox.h) */
  /* Why compilers cannot be confined here, when the server had to find
   * out it cannot (borrowed), or NULL: jobs are then refused. */
  const char   *sandbox_missing;
  struct cache *cache;  /* borrowed, or NULL: no result cache */
  struct cache *chunks; /* borrowed, or NULL: no chunk store (chunks.h) */
};

/* Serve the connection that reads from in_fd and writes to out_fd (the
 * same socket, or a pair of pipes under --inetd; both stay open). peer of
 * length peer_len is the client's address; peer_len == 0 means a local
 * client (a pipe), which is always allowed. herd is the version of the
 * native extension the connection opened with (0: a classic request); from
 * HERD_DIGEST_VERSION on, the client sends the source's digest (HDIG)
 * after its command line and the job answers HHIT with the stored reply
 * or HSRC for the source (docs/protocol.md). slot (borrowed, may be NULL)
 * is the job's entry in the stats port's table: the job writes its
 * compiler, source, progress and phase there, and its result before it
 * returns. Returns 0 when a reply was sent, -errno when the connection
 * was dropped (already logged). */
int job_serve(int in_fd, int out_fd, const struct sockaddr *peer,
              socklen_t peer_len, uint32_t herd,
              const struct job_config *config, struct statsd_slot *slot);

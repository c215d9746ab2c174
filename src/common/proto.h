/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The distcc wire protocol, versions 1 and 2, as one codec for client and
 * daemon. Every message is a 4-letter token and 8 hex digits: a value, or
 * the length of a body that follows. A request is DIST v, ARGC n, n x ARGV,
 * DOTI; a reply is DONE v, STAT, SERR, SOUT, DOTO. Version 2 compresses
 * the DOTI/SERR/SOUT/DOTO bodies with LZO (codec.h). One job per
 * connection. Every length a peer sends is checked against a cap before
 * anything is allocated. Functions return 0 or -errno: -EPROTO for a
 * malformed message, -ENODATA when the peer closed early, -EMSGSIZE when a
 * length is over its cap, -ETIMEDOUT when the peer was too slow. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_DEFAULT_PORT 3632
#define PROTO_HEADER_LEN   12
#define PROTO_VERSION_MIN  1
#define PROTO_VERSION_MAX  2
/* herdcc's own: version 2 with zlib bodies in place of LZO, sent only to
 * a server known to be a herdccd (docs/protocol.md); never by a stock
 * client, so accepting it changes nothing for one. */
#define PROTO_VERSION_ZLIB 0x100

/* How the bodies of a version are packed. */
enum proto_codec {
  PROTO_CODEC_NONE = 0, /* version 1 */
  PROTO_CODEC_LZO  = 1, /* version 2 */
  PROTO_CODEC_ZLIB = 2, /* PROTO_VERSION_ZLIB */
};

struct proto_limits {
  uint32_t max_argc;    /* ARGC */
  uint32_t max_arg_len; /* each ARGV */
  uint32_t max_body;    /* DOTI, SERR, SOUT, DOTO, uncompressed */
};

extern const struct proto_limits proto_default_limits;

static inline bool proto_version_supported(uint32_t version)
{
  return (version >= PROTO_VERSION_MIN && version <= PROTO_VERSION_MAX) ||
         version == PROTO_VERSION_ZLIB;
}

static inline enum proto_codec proto_version_codec(uint32_t version)
{
  return version == PROTO_VERSION_ZLIB ? PROTO_CODEC_ZLIB
         : version >= 2                ? PROTO_CODEC_LZO
                                       : PROTO_CODEC_NONE;
}

static inline bool proto_version_compresses(uint32_t version)
{
  return proto_version_codec(version) != PROTO_CODEC_NONE;
}

int proto_send_header(int fd, const char *token, uint32_t value,
                      int timeout_ms);

/* One header of PROTO_HEADER_LEN bytes in memory (not NUL-terminated):
 * -EPROTO unless its token is the expected one and its digits hex. */
int proto_parse_header(const char *buf, const char *token, uint32_t *ret_value);

/* Read one header and check that its token is the expected one. */
int proto_recv_header(int fd, const char *token, uint32_t *ret_value,
                      int timeout_ms);

/* Where a body read in pieces goes: 0, or -errno to stop reading. */
typedef int (*proto_sink_fn)(void *userdata, const void *buf, size_t len);

/* Receive token + a plain (protocol 1) body of at most cap bytes in
 * pieces of at most PROTO_PIECE_MAX bytes, each handed to sink (NULL:
 * discarded) as it arrives, so that a large body is never held whole.
 * -EMSGSIZE when its length is over cap (nothing of the body is read
 * then). The whole body must arrive within timeout_ms plus a millisecond
 * per 64 bytes: a peer that trickles cannot stretch it (timeout_ms <= 0:
 * each read as io_read_all takes it). *ret_len (may be NULL) is the
 * body's length, once all of it was read. */
#define PROTO_PIECE_MAX (64 * 1024)
int proto_recv_body_stream(int fd, const char *token, size_t cap,
                           int timeout_ms, proto_sink_fn sink, void *userdata,
                           size_t *ret_len);

/* Send token + body; compressed with codec when len > 0 (a bool true is
 * PROTO_CODEC_LZO). */
int proto_send_body(int fd, const char *token, const void *buf, size_t len,
                    enum proto_codec codec, int timeout_ms);

/* Send token + the next len bytes of file_fd. */
int proto_send_body_fd(int fd, const char *token, int file_fd, size_t len,
                       enum proto_codec codec, int timeout_ms);

/* Receive token + body of at most cap bytes (after decompression). The
 * buffer is NUL-terminated; *ret_buf is owned by the caller. */
int proto_recv_body(int fd, const char *token, size_t cap,
                    enum proto_codec codec, int timeout_ms, char **ret_buf,
                    size_t *ret_len);

/* DIST, ARGC, ARGV...: everything of a request but the DOTI. */
int proto_send_request_args(int fd, uint32_t version, char *const *argv,
                            int timeout_ms);

/* Read DIST..ARGV. *ret_argv is a NULL-terminated vector owned by the
 * caller (strv_free). An unsupported version gives -EPROTONOSUPPORT with
 * *ret_version set, so the daemon can still answer in that version. */
int proto_recv_request_args(int fd, const struct proto_limits *limits,
                            int timeout_ms, uint32_t *ret_version,
                            char ***ret_argv);

struct proto_reply {
  uint32_t version;
  uint32_t status; /* wait status: exit << 8 | signal */
  char    *serr;
  size_t   serr_len;
  char    *sout;
  size_t   sout_len;
  char    *object; /* DOTO; empty when status != 0 */
  size_t   object_len;
};

int proto_send_reply(int fd, const struct proto_reply *reply, int timeout_ms);

int proto_recv_reply(int fd, uint32_t version,
                     const struct proto_limits *limits, int timeout_ms,
                     struct proto_reply *ret_reply);

/* Release the buffers of a reply (not the struct itself). */
void proto_reply_clear(struct proto_reply *reply);

/* The STAT word, as distcc's protocol defines it: the exit code << 8, or
 * the signal that killed the compiler in the low seven bits (0x80: it
 * dumped core), whatever layout this platform's wait status has. */
uint32_t proto_status_from_wait(int wait_status);

/* STAT for a compile that exits with code (0..255). */
uint32_t proto_status_exit(int code);

/* The signal of a STAT word (0: none), and its exit code (valid when no
 * signal). */
int proto_status_signal(uint32_t status);
int proto_status_code(uint32_t status);

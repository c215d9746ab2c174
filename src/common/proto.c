/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "codec.h"
#include "io.h"
#include "macro.h"

const struct proto_limits proto_default_limits = {
  .max_argc    = 4096,
  .max_arg_len = 64 * 1024,
  .max_body    = 512u * 1024 * 1024,
};

int proto_send_header(int fd, const char *token, uint32_t value, int timeout_ms)
{
  char buf[PROTO_HEADER_LEN + 1];

  snprintf(buf, sizeof(buf), "%.4s%08x", token, value);
  return io_write_all(fd, buf, PROTO_HEADER_LEN, timeout_ms);
}

static int hex_value(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

int proto_parse_header(const char *buf, const char *token, uint32_t *ret_value)
{
  if (memcmp(buf, token, 4) != 0) {
    return -EPROTO;
  }
  uint32_t value = 0;
  for (size_t i = 4; i < PROTO_HEADER_LEN; i++) {
    int digit = hex_value(buf[i]);
    if (digit < 0) {
      return -EPROTO;
    }
    value = value << 4 | (uint32_t)digit;
  }
  *ret_value = value;
  return 0;
}

int proto_recv_header(int fd, const char *token, uint32_t *ret_value,
                      int timeout_ms)
{
  char buf[PROTO_HEADER_LEN];
  int  r = io_read_all(fd, buf, sizeof(buf), timeout_ms);

  return r < 0 ? r : proto_parse_header(buf, token, ret_value);
}

int proto_recv_body_stream(int fd, const char *token, size_t cap,
                           int timeout_ms, proto_sink_fn sink, void *userdata,
                           size_t *ret_len)
{
  _cleanup_free_ char *buf = NULL;
  uint32_t             len;
  int                  r = proto_recv_header(fd, token, &len, timeout_ms);

  if (r < 0) {
    return r;
  }
  if (len > cap) {
    return -EMSGSIZE;
  }
  size_t total = len;
  buf = malloc(len < PROTO_PIECE_MAX ? (len ? len : 1) : PROTO_PIECE_MAX);
  if (!buf) {
    return -ENOMEM;
  }
  long long deadline = clock_now_ms() + timeout_ms + (long long)len / 64;
  while (len > 0) {
    size_t piece = len < PROTO_PIECE_MAX ? len : PROTO_PIECE_MAX;
    int    wait  = timeout_ms; /* <= 0: as io_read_all takes it */
    if (timeout_ms > 0) {
      long long left = deadline - clock_now_ms();
      if (left <= 0) {
        return -ETIMEDOUT;
      }
      wait = left < timeout_ms ? (int)left : timeout_ms;
    }
    r = io_read_all(fd, buf, piece, wait);
    if (r >= 0 && sink) {
      r = sink(userdata, buf, piece);
    }
    if (r < 0) {
      return r;
    }
    len -= (uint32_t)piece;
  }
  if (ret_len) {
    *ret_len = total;
  }
  return 0;
}

int proto_send_body(int fd, const char *token, const void *buf, size_t len,
                    enum proto_codec codec, int timeout_ms)
{
  _cleanup_free_ char *packed = NULL;

  if (codec != PROTO_CODEC_NONE && len > 0) {
    int r = codec == PROTO_CODEC_ZLIB
              ? codec_zlib_compress(buf, len, &packed, &len)
              : codec_lzo_compress(buf, len, &packed, &len);
    if (r < 0) {
      return r;
    }
    buf = packed;
  }
  if (len > UINT32_MAX) {
    return -EMSGSIZE;
  }
  int r = proto_send_header(fd, token, (uint32_t)len, timeout_ms);
  if (r < 0) {
    return r;
  }
  return io_write_all(fd, buf, len, timeout_ms);
}

int proto_send_body_fd(int fd, const char *token, int file_fd, size_t len,
                       enum proto_codec codec, int timeout_ms)
{
  if (codec != PROTO_CODEC_NONE && len > 0) {
    _cleanup_free_ char *plain = NULL;
    size_t               got;
    int                  r = io_read_fd(file_fd, len, &plain, &got);
    if (r < 0) {
      return r;
    }
    return proto_send_body(fd, token, plain, got, codec, timeout_ms);
  }
  if (len > UINT32_MAX) {
    return -EMSGSIZE;
  }
  int r = proto_send_header(fd, token, (uint32_t)len, timeout_ms);
  if (r < 0) {
    return r;
  }
  return io_copy_fd(fd, file_fd, len, timeout_ms);
}

int proto_recv_body(int fd, const char *token, size_t cap,
                    enum proto_codec codec, int timeout_ms, char **ret_buf,
                    size_t *ret_len)
{
  bool     lzo = codec != PROTO_CODEC_NONE;
  uint32_t wire_len;
  int      r = proto_recv_header(fd, token, &wire_len, timeout_ms);
  if (r < 0) {
    return r;
  }
  /* A compressed body is never much larger than its plain form. */
  size_t wire_cap = lzo ? cap + cap / 16 + 67 : cap;
  if (wire_len > wire_cap) {
    return -EMSGSIZE;
  }
  _cleanup_free_ char *wire = malloc((size_t)wire_len + 1);
  if (!wire) {
    return -ENOMEM;
  }
  r = io_read_all(fd, wire, wire_len, timeout_ms);
  if (r < 0) {
    return r;
  }
  wire[wire_len] = '\0';
  if (!lzo || wire_len == 0) {
    *ret_buf = TAKE_PTR(wire);
    *ret_len = wire_len;
    return 0;
  }
  _cleanup_free_ char *plain = NULL;
  size_t               plain_len;
  r = codec == PROTO_CODEC_ZLIB
        ? codec_zlib_decompress(wire, wire_len, cap, &plain, &plain_len)
        : codec_lzo_decompress(wire, wire_len, cap, &plain, &plain_len);
  if (r < 0) {
    return r == -EBADMSG ? -EPROTO : r;
  }
  /* Room for the terminator the plain path gives too. */
  char *terminated = realloc(plain, plain_len + 1);
  if (!terminated) {
    return -ENOMEM;
  }
  plain                 = NULL;
  terminated[plain_len] = '\0';
  *ret_buf              = terminated;
  *ret_len              = plain_len;
  return 0;
}

int proto_send_request_args(int fd, uint32_t version, char *const *argv,
                            int timeout_ms)
{
  uint32_t argc = 0;
  while (argv[argc]) {
    argc++;
  }
  int r = proto_send_header(fd, "DIST", version, timeout_ms);
  if (r >= 0) {
    r = proto_send_header(fd, "ARGC", argc, timeout_ms);
  }
  for (uint32_t i = 0; r >= 0 && i < argc; i++) {
    r =
      proto_send_body(fd, "ARGV", argv[i], strlen(argv[i]), false, timeout_ms);
  }
  return r;
}

int proto_recv_request_args(int fd, const struct proto_limits *limits,
                            int timeout_ms, uint32_t *ret_version,
                            char ***ret_argv)
{
  uint32_t version, argc;
  int      r = proto_recv_header(fd, "DIST", &version, timeout_ms);
  if (r < 0) {
    return r;
  }
  if (!proto_version_supported(version)) {
    *ret_version = version;
    return -EPROTONOSUPPORT;
  }
  r = proto_recv_header(fd, "ARGC", &argc, timeout_ms);
  if (r < 0) {
    return r;
  }
  if (argc == 0) {
    return -EPROTO; /* not even a compiler name */
  }
  if (argc > limits->max_argc) {
    return -EMSGSIZE;
  }
  _cleanup_strv_free_ char **argv = calloc((size_t)argc + 1, sizeof(char *));
  if (!argv) {
    return -ENOMEM;
  }
  for (uint32_t i = 0; i < argc; i++) {
    size_t len;
    r = proto_recv_body(fd, "ARGV", limits->max_arg_len, false, timeout_ms,
                        &argv[i], &len);
    if (r < 0) {
      return r;
    }
    if (strlen(argv[i]) != len) {
      return -EPROTO; /* an embedded NUL would hide the rest */
    }
  }
  *ret_version = version;
  *ret_argv    = TAKE_PTR(argv);
  return 0;
}

int proto_send_reply(int fd, const struct proto_reply *reply, int timeout_ms)
{
  enum proto_codec lzo = proto_version_codec(reply->version);
  int r = proto_send_header(fd, "DONE", reply->version, timeout_ms);

  if (r >= 0) {
    r = proto_send_header(fd, "STAT", reply->status, timeout_ms);
  }
  if (r >= 0) {
    r = proto_send_body(fd, "SERR", reply->serr, reply->serr_len, lzo,
                        timeout_ms);
  }
  if (r >= 0) {
    r = proto_send_body(fd, "SOUT", reply->sout, reply->sout_len, lzo,
                        timeout_ms);
  }
  if (r >= 0) {
    size_t object_len = reply->status == 0 ? reply->object_len : 0;
    r = proto_send_body(fd, "DOTO", reply->object, object_len, lzo, timeout_ms);
  }
  return r;
}

int proto_recv_reply(int fd, uint32_t version,
                     const struct proto_limits *limits, int timeout_ms,
                     struct proto_reply *ret_reply)
{
  struct proto_reply reply = { 0 };
  enum proto_codec   lzo   = proto_version_codec(version);
  int                r;

  r = proto_recv_header(fd, "DONE", &reply.version, timeout_ms);
  if (r >= 0 && reply.version != version) {
    r = -EPROTO;
  }
  if (r >= 0) {
    r = proto_recv_header(fd, "STAT", &reply.status, timeout_ms);
  }
  if (r >= 0) {
    r = proto_recv_body(fd, "SERR", limits->max_body, lzo, timeout_ms,
                        &reply.serr, &reply.serr_len);
  }
  if (r >= 0) {
    r = proto_recv_body(fd, "SOUT", limits->max_body, lzo, timeout_ms,
                        &reply.sout, &reply.sout_len);
  }
  if (r >= 0) {
    r = proto_recv_body(fd, "DOTO", limits->max_body, lzo, timeout_ms,
                        &reply.object, &reply.object_len);
  }
  if (r < 0) {
    proto_reply_clear(&reply);
    return r;
  }
  *ret_reply = reply;
  return 0;
}

void proto_reply_clear(struct proto_reply *reply)
{
  free(reply->serr);
  free(reply->sout);
  free(reply->object);
  reply->serr   = NULL;
  reply->sout   = NULL;
  reply->object = NULL;
}

/* ---- the wait status on the wire ---------------------------------------- */

uint32_t proto_status_from_wait(int wait_status)
{
  if (WIFSIGNALED(wait_status)) {
    return (uint32_t)(WTERMSIG(wait_status) & 0x7f) |
           (WCOREDUMP(wait_status) ? 0x80u : 0u);
  }
  if (WIFEXITED(wait_status)) {
    return proto_status_exit(WEXITSTATUS(wait_status));
  }
  return proto_status_exit(1); /* stopped or continued: not an end */
}

uint32_t proto_status_exit(int code)
{
  return ((uint32_t)code & 0xffu) << 8;
}

int proto_status_signal(uint32_t status)
{
  return (int)(status & 0x7fu);
}

int proto_status_code(uint32_t status)
{
  return (int)((status >> 8) & 0xffu);
}

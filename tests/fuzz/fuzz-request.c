/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the daemon's request reader. The input is what a
 * client sends. It is read back through a memfd (a descriptor that never
 * blocks and ends where the input ends) as herdccd's job process reads a
 * connection: proto_recv_request_args for DIST..ARGV, args_check_server
 * on the command line, then the DOTI: proto_recv_body_stream in protocol
 * 1 (in pieces, into the compiler), proto_recv_body in protocol 2 (LZO).
 * Whatever the bytes, nothing may crash, leak or read out of bounds, and an
 * accepted command line must be safe (fuzz-check.h). herdccd's server reads the
 * same command lines from peeked bytes in the same way before it gives a
 * connection a job slot. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "args.h"
#include "fuzz-check.h"
#include "proto.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The daemon's caps, but a small one for the source: the code is the
 * same, and the fuzzer need not allocate 512 MiB. */
static const struct proto_limits fuzz_limits = {
  .max_argc    = 4096,
  .max_arg_len = 64 * 1024,
  .max_body    = 1024 * 1024,
};

static int input_fd(const uint8_t *data, size_t size)
{
  static int fd = -1;

  if (fd < 0) {
    fd = memfd_create("fuzz-request", MFD_CLOEXEC);
  }
  if (fd < 0 || ftruncate(fd, 0) < 0 ||
      (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size) ||
      lseek(fd, 0, SEEK_SET) < 0) {
    abort();
  }
  return fd;
}

/* Protocol 1's sink: counts, and checks each piece's size. */
static int count_piece(void *userdata, const void *buf, size_t len)
{
  size_t *got = userdata;

  FUZZ_CHECK(buf && len > 0 && len <= PROTO_PIECE_MAX);
  *got += len;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int      fd      = input_fd(data, size);
  uint32_t version = 0;
  char   **argv    = NULL;
  int      r = proto_recv_request_args(fd, &fuzz_limits, 0, &version, &argv);

  if (r < 0) {
    FUZZ_CHECK(!argv);
    FUZZ_CHECK(r != -EPROTONOSUPPORT || !proto_version_supported(version));
    return 0;
  }
  FUZZ_CHECK(proto_version_supported(version));
  FUZZ_CHECK(argv && argv[0]);
  FUZZ_CHECK(strv_length(argv) <= fuzz_limits.max_argc);

  struct args_job job;
  char           *reason = NULL;
  r                      = args_check_server(argv, &job, &reason);
  if (r == 0) {
    fuzz_check_accepted(argv, &job);
  } else {
    FUZZ_CHECK(r == -EPERM && reason);
  }
  free(reason);

  char  *source = NULL;
  size_t len    = 0;
  if (!proto_version_compresses(version)) {
    size_t got = 0;
    r = proto_recv_body_stream(fd, "DOTI", fuzz_limits.max_body, 0, count_piece,
                               &got, &len);
    FUZZ_CHECK(r < 0 || (len == got && len <= fuzz_limits.max_body));
    FUZZ_CHECK(got <= fuzz_limits.max_body);
  } else {
    r = proto_recv_body(fd, "DOTI", fuzz_limits.max_body,
                        proto_version_codec(version), 0, &source, &len);
    if (r >= 0) {
      FUZZ_CHECK(len <= fuzz_limits.max_body && source[len] == '\0');
      free(source);
    }
  }
  strv_free(argv);
  return 0;
}

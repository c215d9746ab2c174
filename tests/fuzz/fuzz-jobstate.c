/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the job state file decoder (jobstate_decode), which
 * reads files that, in a shared jobs directory, any user may have written.
 * A file decodes or is refused with a reason; what decodes is within its
 * caps, has a named phase, connection and codec, and encodes back to the
 * same bytes (in the byte order it was written in: this machine's, or
 * swapped); a version 1 file, which the encoder writes as version 2,
 * encodes to a file that decodes to the same state. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-check.h"
#include "jobstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The layout's integers, for swapping an encoding into the other byte
 * order: offset and width of each field before the host. */
static const struct {
  size_t offset, width;
} fields[] = {
  { 4,  4 },
  { 8,  4 },
  { 12, 4 },
  { 16, 8 },
  { 24, 8 },
  { 32, 8 },
  { 40, 4 },
  { 44, 4 },
  { 48, 4 }, /* version 2: the link and transfer fields */
  { 52, 4 },
  { 56, 4 },
  { 60, 8 },
  { 68, 8 },
  { 76, 8 },
  { 84, 8 },
};

static void swap_field(uint8_t *p, size_t width)
{
  for (size_t i = 0; i < width / 2; i++) {
    uint8_t t        = p[i];
    p[i]             = p[width - 1 - i];
    p[width - 1 - i] = t;
  }
}

/* Swap an encoding of ours (len bytes) into the other byte order, in
 * place. */
static void swap_encoding(uint8_t *buf, size_t len)
{
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    swap_field(buf + fields[i].offset, fields[i].width);
  }
  size_t at = 92;
  for (int s = 0; s < 2; s++) {
    uint16_t n;
    FUZZ_CHECK(at + 2 <= len);
    memcpy(&n, buf + at, 2); /* still in this machine's order */
    swap_field(buf + at, 2);
    at += 2 + (size_t)n;
  }
  FUZZ_CHECK(at == len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct job_state state, again;
  const char      *why = NULL;
  uint8_t          buf[JOBSTATE_FILE_SIZE_MAX];

  int r = jobstate_decode(data, size, &state, &why);
  if (r < 0) {
    FUZZ_CHECK(r == -EBADMSG && why && *why);
    return 0;
  }
  FUZZ_CHECK(r == 0);
  FUZZ_CHECK(job_phase_name(state.phase));
  FUZZ_CHECK(strlen(state.host) <= JOBSTATE_HOST_MAX);
  FUZZ_CHECK(strlen(state.file) <= JOBSTATE_FILE_MAX);
  FUZZ_CHECK(state.slot >= -1);
  FUZZ_CHECK(state.pid > 0);
  FUZZ_CHECK(state.started_us >= 0 && state.phase_us >= 0);
  FUZZ_CHECK(job_conn_name(state.conn) && job_codec_name(state.codec));

  /* The version, in whichever order the file was written (it decoded). */
  bool version_1 = size >= 12 && (memcmp(data + 8, "\1\0\0\0", 4) == 0 ||
                                  memcmp(data + 8, "\0\0\0\1", 4) == 0);
  int  n         = jobstate_encode(&state, buf, sizeof(buf));
  FUZZ_CHECK(n > 0 && (size_t)n == size + (version_1 ? 44 : 0));
  if (!version_1 && memcmp(buf, data, size) != 0) {
    swap_encoding(buf, (size_t)n);
    FUZZ_CHECK(memcmp(buf, data, size) == 0);
  }
  /* What was encoded decodes to the same state. */
  n = jobstate_encode(&state, buf, sizeof(buf));
  FUZZ_CHECK(jobstate_decode(buf, (size_t)n, &again, NULL) == 0);
  FUZZ_CHECK(
    state.pid == again.pid && state.proc_start == again.proc_start &&
    state.started_us == again.started_us && state.phase_us == again.phase_us &&
    state.phase == again.phase && state.slot == again.slot &&
    state.conn == again.conn && state.codec == again.codec &&
    state.port == again.port && state.sent == again.sent &&
    state.send_us == again.send_us && state.received == again.received &&
    state.receive_us == again.receive_us &&
    strcmp(state.host, again.host) == 0 && strcmp(state.file, again.file) == 0);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "chunk.h"

#include <stdint.h>

/* The gear table: 256 fixed pseudo-random words (splitmix64 from 0), made
 * once; a cut depends on it, so it never changes. */
static uint64_t gear[256];

static void gear_init(void)
{
  uint64_t x = 0;

  for (unsigned i = 0; i < 256; i++) {
    uint64_t z = (x += UINT64_C(0x9e3779b97f4a7c15));
    z          = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z          = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    gear[i]    = z ^ (z >> 31);
  }
}

size_t chunk_cut(const void *buf, size_t len)
{
  const unsigned char *p    = buf;
  size_t               end  = len < CHUNK_MAX ? len : CHUNK_MAX;
  uint64_t             hash = 0;

  if (gear[0] == 0) {
    gear_init(); /* gear[0] of this table is not 0 */
  }
  if (len <= CHUNK_MIN) {
    return len;
  }
  /* The hash of the bytes before CHUNK_MIN only warms up the window: a
     shift out of 64 bits forgets everything older. */
  for (size_t i = CHUNK_MIN - 64; i < CHUNK_MIN; i++) {
    hash = (hash << 1) + gear[p[i]];
  }
  for (size_t i = CHUNK_MIN; i < end; i++) {
    hash = (hash << 1) + gear[p[i]];
    if ((hash >> (64 - CHUNK_AVERAGE_BITS)) == 0) {
      return i + 1;
    }
  }
  return end;
}

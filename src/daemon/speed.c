/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "speed.h"

#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Iterations of one_round() per millisecond on the reference core. */
#define SPEED_REFERENCE 330.0

static long long now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One round: make short identifiers, hash them into an open-addressing
 * table, look half of them up again. */
static unsigned one_round(uint32_t *table, size_t size, uint32_t seed)
{
  unsigned found = 0;

  memset(table, 0, size * sizeof(*table));
  for (uint32_t i = 0; i < 64; i++) {
    char     name[16];
    uint32_t x = (seed + i) * 2654435761u, h = 2166136261u;
    for (size_t k = 0; k < sizeof(name) - 1; k++) {
      name[k] = (char)('a' + (x >> (k % 28)) % 26);
      h       = (h ^ (uint8_t)name[k]) * 16777619u;
    }
    size_t at = h & (size - 1);
    while (table[at] && table[at] != h) {
      at = (at + 1) & (size - 1);
    }
    found += table[at] == h;
    table[at] = h ? h : 1;
  }
  return found;
}

unsigned speed_measure(unsigned jobs)
{
  static uint32_t table[256];
  long            cpus = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned  used  = cpus > 0 && (unsigned)cpus < jobs ? (unsigned)cpus : jobs;
  long long start = now_ns(), end = start + SPEED_RUN_MS * 1000000LL;
  unsigned long     rounds = 0;
  volatile unsigned sink   = 0;
  long long         now;

  do {
    for (int i = 0; i < 64; i++) {
      sink += one_round(table, sizeof(table) / sizeof(table[0]),
                        (uint32_t)(rounds * 64 + (unsigned)i));
    }
    rounds += 64;
  } while ((now = now_ns()) < end);
  (void)sink;
  double per_ms = (double)rounds / ((double)(now - start) / 1e6);
  double figure = per_ms / SPEED_REFERENCE * 1000 * (used ? used : 1);
  return figure < 1 ? 1 : figure > 999999 ? 999999 : (unsigned)figure;
}

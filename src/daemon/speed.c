/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "speed.h"

#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Iterations of one_round() per millisecond on the reference core. */
#define SPEED_REFERENCE 825.0

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

/* Rounds per millisecond in one burst of ms. */
static double burst(uint32_t *table, size_t size, long long ms,
                    volatile unsigned *sink)
{
  long long     start = now_ns(), end = start + ms * 1000000LL, now;
  unsigned long rounds = 0;

  do {
    for (int i = 0; i < 16; i++) {
      *sink += one_round(table, size, (uint32_t)(rounds + (unsigned)i));
    }
    rounds += 16;
  } while ((now = now_ns()) < end);
  return (double)rounds / ((double)(now - start) / 1e6);
}

unsigned speed_measure(unsigned jobs)
{
  static uint32_t table[256];
  long            cpus = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned used = cpus > 0 && (unsigned)cpus < jobs ? (unsigned)cpus : jobs;
  volatile unsigned sink = 0;
  double            best = 0;

  /* The best of several bursts: other load on the machine only slows a
   * burst down, so the fastest is the nearest to what the core can do. */
  for (int i = 0; i < SPEED_BURSTS; i++) {
    double rate = burst(table, sizeof(table) / sizeof(table[0]),
                        SPEED_RUN_MS / SPEED_BURSTS, &sink);
    best        = rate > best ? rate : best;
  }
  double figure = best / SPEED_REFERENCE * 1000 * (used ? used : 1);
  return figure < 1 ? 1 : figure > 999999 ? 999999 : (unsigned)figure;
}

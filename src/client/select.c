/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "select.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SELECT_NEVER 1e30

/* The work a waiting room says is ahead, spread over its slots, is when
 * the last of them would free; this job starts when the first one takes
 * it, sooner. Counted at this weight (farm-sim.sh: better than 1 and than
 * 0.5 on two workloads at 10, 20 and 48 compiles at a time, and on 1,000
 * servers; better than the jobs ahead taken as typical on all of them). */
#define SELECT_WORK_WEIGHT 0.7

#ifndef SELECT_WAIT_WEIGHT
#  define SELECT_WAIT_WEIGHT 1.0
#endif

double select_cost(const struct select_offer *offer)
{
  double   speed = offer->slot_speed > 0 ? offer->slot_speed : 1;
  unsigned slots = offer->slots ? offer->slots : 1;
  double   size  = offer->size > 0 ? offer->size : 1;

  switch (offer->kind) {
    case SELECT_FREE:
    case SELECT_PENDING:
      return size / speed;
    case SELECT_WAITING: {
      double ahead = offer->said_work ? SELECT_WORK_WEIGHT * offer->work_ahead
                                      : (double)offer->ahead + 1;
      return size / speed +
             SELECT_WAIT_WEIGHT * ahead / ((double)slots * speed);
    }
    case SELECT_GONE:
    default:
      return SELECT_NEVER;
  }
}

/* Whether the owner a, of cost ca, wins over b, of cost cb, by the
 * owner's slack: free, or not answered yet (its answer is waited for, a
 * round trip), never a place in its queue against a free slot. */
static bool owner_wins(const struct select_offer *a, double ca,
                       const struct select_offer *b, double cb)
{
  return a->owner && !b->owner && ca * (1 - SELECT_OWNER_SLACK) <= cb &&
         (a->kind != SELECT_WAITING || b->kind != SELECT_FREE);
}

/* Whether a, of cost ca, beats b, of cost cb. */
static bool beats(const struct select_offer *a, double ca,
                  const struct select_offer *b, double cb)
{
  if (ca >= SELECT_NEVER) {
    return false;
  }
  if (owner_wins(a, ca, b, cb)) {
    return true;
  }
  if (owner_wins(b, cb, a, ca)) {
    return false;
  }
  if (ca < cb * (1 - SELECT_TIE)) {
    return true;
  }
  if (cb < ca * (1 - SELECT_TIE)) {
    return false;
  }
  if ((a->kind == SELECT_FREE) != (b->kind == SELECT_FREE)) {
    return a->kind == SELECT_FREE;
  }
  if (a->kind == SELECT_FREE && a->free != b->free) {
    return a->free > b->free;
  }
  return ca < cb;
}

int select_best(const struct select_offer *offers, size_t n)
{
  int    best      = -1;
  double best_cost = SELECT_NEVER;

  for (size_t i = 0; i < n; i++) {
    double cost = select_cost(&offers[i]);
    if (best < 0 ? cost < SELECT_NEVER
                 : beats(&offers[i], cost, &offers[best], best_cost)) {
      best      = (int)i;
      best_cost = cost;
    }
  }
  return best;
}

/* FNV-1a over bytes, from h. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
  const unsigned char *p = data;

  for (size_t i = 0; i < len; i++) {
    h = (h ^ p[i]) * UINT64_C(0x100000001b3);
  }
  return h;
}

/* A strong final mix (splitmix64's), so that weights of names that differ
 * in one byte are unrelated. */
static uint64_t mix(uint64_t x)
{
  x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
  return x ^ (x >> 31);
}

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)

uint64_t select_command_key(char *const *argv)
{
  uint64_t h = FNV_OFFSET;

  for (size_t i = 0; argv && argv[i]; i++) {
    h = fnv1a(h, argv[i], strlen(argv[i]) + 1); /* the NUL separates */
  }
  return mix(h);
}

int select_owner(uint64_t key, const char *const *names, size_t n)
{
  int      owner = -1;
  uint64_t best  = 0;

  for (size_t i = 0; i < n; i++) {
    uint64_t w = mix(fnv1a(key ^ FNV_OFFSET, names[i], strlen(names[i])));
    if (owner < 0 || w > best) {
      owner = (int)i;
      best  = w;
    }
  }
  return owner;
}

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double select_default_speed(const double *speeds, size_t n)
{
  double known[64];
  size_t k = 0;

  for (size_t i = 0; i < n && k < sizeof(known) / sizeof(known[0]); i++) {
    if (speeds[i] > 0) {
      known[k++] = speeds[i];
    }
  }
  if (k == 0) {
    return 1;
  }
  qsort(known, k, sizeof(known[0]), compare_double);
  return k % 2 ? known[k / 2] : (known[k / 2 - 1] + known[k / 2]) / 2;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "select.h"

#include <stdbool.h>
#include <stdlib.h>

#define SELECT_NEVER 1e30

#ifndef SELECT_WAIT_WEIGHT
#  define SELECT_WAIT_WEIGHT 1.0
#endif

double select_cost(const struct select_offer *offer)
{
  double   speed = offer->slot_speed > 0 ? offer->slot_speed : 1;
  unsigned slots = offer->slots ? offer->slots : 1;

  switch (offer->kind) {
    case SELECT_FREE:
    case SELECT_PENDING:
      return 1 / speed;
    case SELECT_WAITING:
      return 1 / speed + SELECT_WAIT_WEIGHT * ((double)offer->ahead + 1) /
                           ((double)slots * speed);
    case SELECT_GONE:
    default:
      return SELECT_NEVER;
  }
}

/* Whether a, of cost ca, beats b, of cost cb. */
static bool beats(const struct select_offer *a, double ca,
                  const struct select_offer *b, double cb)
{
  if (ca >= SELECT_NEVER) {
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of host choice (select.h): which offer a compile takes, as a
 * table of situations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "select.h"

#define FREE(speed, n, free_) \
  { .kind = SELECT_FREE, .slot_speed = speed, .slots = n, .free = free_ }
#define WAIT(speed, n, ahead_) \
  { .kind = SELECT_WAITING, .slot_speed = speed, .slots = n, .ahead = ahead_ }
#define WORK(speed, n, ahead_, work) \
  { .kind       = SELECT_WAITING,    \
    .slot_speed = speed,             \
    .slots      = n,                 \
    .ahead      = ahead_,            \
    .said_work  = true,              \
    .work_ahead = work }
#define PEND(speed, n) \
  { .kind = SELECT_PENDING, .slot_speed = speed, .slots = n }
#define GONE { .kind = SELECT_GONE, .slot_speed = 1, .slots = 1 }
#define OFREE(speed, n, free_) \
  { .owner      = true,        \
    .kind       = SELECT_FREE, \
    .slot_speed = speed,       \
    .slots      = n,           \
    .free       = free_ }
#define OWAIT(speed, n, ahead_)   \
  { .owner      = true,           \
    .kind       = SELECT_WAITING, \
    .slot_speed = speed,          \
    .slots      = n,              \
    .ahead      = ahead_ }
#define OPEND(speed, n) \
  { .owner = true, .kind = SELECT_PENDING, .slot_speed = speed, .slots = n }

static void test_best(void **state)
{
  static const struct {
    const char         *name;
    struct select_offer offers[4];
    size_t              n;
    int                 best;
  } cases[] = {
    { "nothing",                                                    { GONE, GONE },                   2, -1 },
    { "the only free one",                                          { GONE, FREE(1, 1, 0) },          2, 1  },
    { "the faster free slot",                                       { FREE(1, 2, 1), FREE(4, 2, 1) }, 2, 1  },
    { "a fast slot soon beats a slow one now",
     { FREE(0.5, 3, 0), WAIT(4, 2, 0) },
     2,                                                                                                  1  },
    { "a long queue on a fast host loses to a free slow slot",
     { FREE(1, 3, 0), WAIT(4, 2, 12) },
     2,                                                                                                  0  },
    { "the work said: one big job ahead loses to a free slow slot",
     { FREE(1, 3, 0), WORK(4, 2, 1, 12) },
     2,                                                                                                  0  },
    { "the work said: many small jobs ahead beat a free slow slot",
     { FREE(1, 3, 0), WORK(4, 2, 12, 2) },
     2,                                                                                                  1  },
    { "a fast server not answered yet is waited for",
     { FREE(1, 1, 0), PEND(4, 2) },
     2,                                                                                                  1  },
    { "equal speeds within the tie: more free slots win",
     { FREE(1.0, 4, 0), FREE(1.05, 4, 3) },
     2,                                                                                                  1  },
    { "equal speeds: free beats pending",                           { PEND(1, 2), FREE(1, 2, 0) },    2, 1  },
    { "equal everything: the first",                                { FREE(2, 2, 1), FREE(2, 2, 1) }, 2, 0  },
    { "waiting rooms: the shorter wait",
     { WAIT(2, 2, 5), WAIT(2, 2, 1), GONE },
     3,                                                                                                  1  },
    { "equal servers: the owner, fewer free slots or not",
     { FREE(1, 4, 3), OFREE(1, 4, 0) },
     2,                                                                                                  1  },
    { "the owner a little slower: the owner",
     { FREE(1, 4, 3), OFREE(0.8, 4, 0) },
     2,                                                                                                  1  },
    { "the owner much slower: the faster one",
     { FREE(1, 4, 3), OFREE(0.5, 4, 0) },
     2,                                                                                                  0  },
    { "the owner not answered yet is waited for",
     { FREE(1, 4, 3), OPEND(1, 4) },
     2,                                                                                                  1  },
    { "the owner's waiting room loses to a free slot",
     { FREE(1, 4, 3), OWAIT(1, 4, 0) },
     2,                                                                                                  0  },
    { "the owner gone: the others as ever",
     { FREE(1, 4, 3), { .owner = true, .kind = SELECT_GONE }, FREE(2, 4, 0) },
     3,                                                                                                  2  },
  };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int best = select_best(cases[i].offers, cases[i].n);
    if (best != cases[i].best) {
      fail_msg("case \"%s\": got %d, want %d", cases[i].name, best,
               cases[i].best);
    }
  }
}

static void test_default_speed(void **state)
{
  static const struct {
    double speeds[4];
    size_t n;
    double want;
  } cases[] = {
    { { 0, 0 },    2, 1 },
    { { 3, 0, 1 }, 3, 2 },
    { { 5, 1, 3 }, 3, 3 },
  };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    double got = select_default_speed(cases[i].speeds, cases[i].n);
    if (got != cases[i].want) {
      fail_msg("case %zu: got %g, want %g", i, got, cases[i].want);
    }
  }
}

#define N_SERVERS 16
#define N_KEYS    16000

static void server_names(char names[][32], const char **ptrs, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    snprintf(names[i], sizeof(names[i]), "10.0.%zu.%zu:3632", i / 7, i * 13);
    ptrs[i] = names[i];
  }
}

static uint64_t key_of(unsigned k)
{
  char  arg[32];
  char *argv[] = { (char *)"gcc", (char *)"-c", arg, NULL };

  snprintf(arg, sizeof(arg), "src/file%u.c", k);
  return select_command_key(argv);
}

/* The same command line, the same servers: the same owner, whatever the
 * order they are listed in; another command line, likely another. */
static void test_owner_stable(void **state)
{
  char        names[N_SERVERS][32];
  const char *ptrs[N_SERVERS], *reversed[N_SERVERS];

  (void)state;
  server_names(names, ptrs, N_SERVERS);
  for (size_t i = 0; i < N_SERVERS; i++) {
    reversed[i] = ptrs[N_SERVERS - 1 - i];
  }
  assert_int_equal(select_owner(1, ptrs, 0), -1);
  assert_int_equal(select_owner(1, ptrs, 1), 0);
  for (unsigned k = 0; k < 200; k++) {
    int a = select_owner(key_of(k), ptrs, N_SERVERS);
    int b = select_owner(key_of(k), reversed, N_SERVERS);
    assert_string_equal(ptrs[a], reversed[b]);
    assert_int_equal(a, select_owner(key_of(k), ptrs, N_SERVERS));
  }
  char *one[]    = { (char *)"gcc", (char *)"-c", (char *)"a.c", NULL };
  char *two[]    = { (char *)"gcc", (char *)"-c", (char *)"b.c", NULL };
  char *joined[] = { (char *)"gcc", (char *)"-ca.c", NULL };
  assert_true(select_command_key(one) != select_command_key(two));
  assert_true(select_command_key(one) != select_command_key(joined));
}

/* Command lines spread evenly: every server owns within 20% of its
 * share of 16,000 (the expected deviation is under 3%). */
static void test_owner_spread(void **state)
{
  char        names[N_SERVERS][32];
  const char *ptrs[N_SERVERS];
  unsigned    owned[N_SERVERS] = { 0 };

  (void)state;
  server_names(names, ptrs, N_SERVERS);
  for (unsigned k = 0; k < N_KEYS; k++) {
    owned[select_owner(key_of(k), ptrs, N_SERVERS)]++;
  }
  for (size_t i = 0; i < N_SERVERS; i++) {
    if (owned[i] < N_KEYS / N_SERVERS * 8 / 10 ||
        owned[i] > N_KEYS / N_SERVERS * 12 / 10) {
      fail_msg("%s owns %u of %u", ptrs[i], owned[i], N_KEYS);
    }
  }
}

/* A server that leaves moves only the command lines it owned. */
static void test_owner_leaves(void **state)
{
  char        names[N_SERVERS][32];
  const char *ptrs[N_SERVERS];
  unsigned    moved = 0;

  (void)state;
  server_names(names, ptrs, N_SERVERS);
  for (unsigned k = 0; k < N_KEYS; k++) {
    int before = select_owner(key_of(k), ptrs, N_SERVERS);
    int after  = select_owner(key_of(k), ptrs, N_SERVERS - 1); /* last gone */
    if (before != N_SERVERS - 1) {
      assert_int_equal(before, after);
    } else {
      moved++;
    }
  }
  assert_true(moved > 0 && moved < N_KEYS / N_SERVERS * 12 / 10);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_best),         cmocka_unit_test(test_default_speed),
    cmocka_unit_test(test_owner_stable), cmocka_unit_test(test_owner_spread),
    cmocka_unit_test(test_owner_leaves),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
